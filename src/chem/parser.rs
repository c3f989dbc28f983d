//! The formula parser: a hand-written scanner over characters, with an explicit bracket stack
//! (no recursion, so deep nesting cannot overflow the stack). The grammar is documented on the
//! [module](super).

use super::composition::Composition;
use super::elements::{case_insensitive_element, element_index};
use super::error::ChemError;

/// Characters that separate hydrate / adduct units, besides `.`: middle dot U+00B7, bullet
/// U+2022, `*`, bullet operator U+2219, dot operator U+22C5.
const SEPARATORS: &[char] = &['·', '•', '*', '∙', '⋅'];

/// Missing-value markers (compared ignoring case, after trimming).
const MISSING: &[&str] = &[
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "infinity",
    "+infinity",
    "-infinity",
    "none",
    "null",
    "n/a",
    "#n/a",
];

pub(crate) fn parse(s: &str) -> Result<Composition, ChemError> {
    let trimmed = s.trim();
    if trimmed.is_empty() {
        return Err(ChemError::Empty);
    }
    if MISSING.iter().any(|m| m.eq_ignore_ascii_case(trimmed)) {
        return Err(ChemError::MissingValue { text: trimmed.to_string() });
    }
    let chars: Vec<char> = s.chars().collect();
    Parser { c: &chars, i: 0 }.formula()
}

/// One open bracket level: the opening bracket (none for the unit level) and its contents.
struct Frame {
    open: Option<(char, usize)>,
    items: Vec<(usize, f64)>,
}

struct Parser<'a> {
    c: &'a [char],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.c.get(self.i).copied()
    }

    fn at(&self, j: usize) -> Option<char> {
        self.c.get(j).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn is_digit(&self, j: usize) -> bool {
        self.at(j).is_some_and(|c| c.is_ascii_digit())
    }

    /// formula := unit (separator multiplier? unit)*
    fn formula(mut self) -> Result<Composition, ChemError> {
        let mut all: Vec<(usize, f64)> = Vec::new();
        let mut multiplier = 1.0;
        let mut first = true;
        loop {
            self.skip_ws();
            if !first {
                if let Some(m) = self.amount(false)? {
                    multiplier = m;
                }
                self.skip_ws();
            }
            let items = self.unit(first)?;
            all.extend(items.into_iter().map(|(z, a)| (z, a * multiplier)));
            first = false;
            multiplier = 1.0;
            self.skip_ws();
            match self.peek() {
                None => break,
                Some(c) if SEPARATORS.contains(&c) || c == '.' => self.i += 1,
                Some(c) => unreachable!("unit stops only at the end or a separator, not {c:?}"),
            }
        }
        if all.iter().any(|e| !e.1.is_finite()) {
            return Err(ChemError::InvalidAmount { text: "product of amounts".into(), position: None });
        }
        Composition::from_indexed(all)
    }

    /// unit := item+ where item := (symbol | '(' item+ ')' | '[' item+ ']') amount?
    /// Stops at the end of input or at a top-level hydrate separator.
    fn unit(&mut self, first: bool) -> Result<Vec<(usize, f64)>, ChemError> {
        let mut stack = vec![Frame { open: None, items: Vec::new() }];
        loop {
            self.skip_ws();
            let pos = self.i;
            let Some(c) = self.peek() else {
                if let Some((open, position)) = stack.last().and_then(|f| f.open) {
                    return Err(ChemError::UnclosedBracket { open, position });
                }
                break;
            };
            if c.is_ascii_uppercase() {
                let z = self.symbol()?;
                self.skip_ws();
                let a = self.amount(true)?.unwrap_or(1.0);
                stack.last_mut().expect("root frame").items.push((z, a));
            } else if c == '(' || c == '[' {
                self.i += 1;
                stack.push(Frame { open: Some((c, pos)), items: Vec::new() });
            } else if c == ')' || c == ']' {
                let frame = stack.pop().expect("root frame");
                let Some((open, open_position)) = frame.open else {
                    return Err(ChemError::UnmatchedBracket { close: c, position: pos });
                };
                if (open == '(') != (c == ')') {
                    return Err(ChemError::MismatchedBracket { open, open_position, close: c, position: pos });
                }
                if frame.items.is_empty() {
                    return Err(ChemError::EmptyGroup { open, close: c, position: open_position });
                }
                self.i += 1;
                self.skip_ws();
                let m = self.amount(true)?.unwrap_or(1.0);
                let parent = stack.last_mut().expect("root frame");
                parent.items.extend(frame.items.into_iter().map(|(z, a)| (z, a * m)));
            } else if SEPARATORS.contains(&c) || c == '.' {
                if stack.len() > 1 {
                    return Err(ChemError::UnexpectedChar {
                        found: c,
                        position: pos,
                        expected: "a closing bracket before a hydrate separator \
                                   (hydrate units are only allowed outside brackets)",
                    });
                }
                break;
            } else if c.is_ascii_lowercase() {
                return Err(self.lowercase_error());
            } else if c == '-' && (self.is_digit(pos + 1) || self.at(pos + 1) == Some('.')) {
                let mut j = pos + 1;
                while self.at(j).is_some_and(|c| c.is_ascii_digit() || c == '.') {
                    j += 1;
                }
                let text: String = self.c[pos..j].iter().collect();
                return Err(ChemError::NegativeAmount { text, position: Some(pos) });
            } else {
                let expected = if stack.len() == 1 && stack[0].items.is_empty() {
                    "an element symbol or '('"
                } else {
                    "an element symbol, a bracket, an amount or a hydrate separator"
                };
                return Err(ChemError::UnexpectedChar { found: c, position: pos, expected });
            }
        }
        let items = stack.pop().expect("root frame").items;
        if items.is_empty() {
            return Err(match self.peek() {
                None => ChemError::UnexpectedEnd {
                    position: self.c.len(),
                    expected: if first {
                        "an element symbol or '('"
                    } else {
                        "an element symbol or '(' after the hydrate separator"
                    },
                },
                Some(found) => ChemError::UnexpectedChar {
                    found,
                    position: self.i,
                    expected: "an element symbol or '(' before the hydrate separator",
                },
            });
        }
        Ok(items)
    }

    /// An uppercase letter, optionally followed by one lowercase letter.
    fn symbol(&mut self) -> Result<usize, ChemError> {
        let pos = self.i;
        let mut end = pos + 1;
        if self.at(end).is_some_and(|c| c.is_ascii_lowercase()) {
            end += 1;
        }
        let symbol: String = self.c[pos..end].iter().collect();
        match element_index(&symbol) {
            Some(z) => {
                self.i = end;
                Ok(z)
            }
            None => Err(ChemError::UnknownElement { symbol, position: pos }),
        }
    }

    /// A lowercase letter where a symbol was expected: suggest the capitalised element.
    fn lowercase_error(&self) -> ChemError {
        let pos = self.i;
        let two: String = self.c[pos..(pos + 2).min(self.c.len())].iter().collect();
        let one: String = self.c[pos..pos + 1].iter().collect();
        let two_ok = two.chars().count() == 2 && two.chars().all(|c| c.is_ascii_lowercase());
        if two_ok {
            if let Some(s) = case_insensitive_element(&two) {
                return ChemError::LowercaseSymbol { text: two, position: pos, suggestion: Some(s) };
            }
        }
        let suggestion = case_insensitive_element(&one);
        let text = if suggestion.is_none() && two_ok { two } else { one };
        ChemError::LowercaseSymbol { text, position: pos, suggestion }
    }

    /// Whether the `.` at `dot` starts a water unit: `.` number `H2O`, followed (after optional
    /// whitespace) by the end, a separator other than `.`, or a `.` not followed by a digit.
    fn water_follows(&self, dot: usize) -> bool {
        let mut j = dot + 1;
        while self.is_digit(j) {
            j += 1;
        }
        if self.at(j) == Some('.') && self.is_digit(j + 1) {
            j += 1;
            while self.is_digit(j) {
                j += 1;
            }
        }
        while self.at(j).is_some_and(char::is_whitespace) {
            j += 1;
        }
        if self.at(j) != Some('H') || self.at(j + 1) != Some('2') || self.at(j + 2) != Some('O') {
            return false;
        }
        j += 3;
        while self.at(j).is_some_and(char::is_whitespace) {
            j += 1;
        }
        match self.at(j) {
            None => true,
            Some('.') => !self.is_digit(j + 1),
            Some(c) => SEPARATORS.contains(&c),
        }
    }

    /// An optional non-negative decimal amount at the cursor: `2`, `0.5`, `.5`. A `.` is a
    /// decimal point when a digit follows it, unless it starts a water unit (see
    /// [`water_follows`](Self::water_follows)) after a non-zero integer part or at the start of
    /// the number.
    ///
    /// `hydrate_dot`: whether a `.` here may start a hydrate unit (false for the multiplier
    /// right after a separator).
    fn amount(&mut self, hydrate_dot: bool) -> Result<Option<f64>, ChemError> {
        let start = self.i;
        if self.peek() == Some('-') && (self.is_digit(start + 1) || self.at(start + 1) == Some('.')) {
            let mut j = start + 1;
            while self.at(j).is_some_and(|c| c.is_ascii_digit() || c == '.') {
                j += 1;
            }
            let text: String = self.c[start..j].iter().collect();
            return Err(ChemError::NegativeAmount { text, position: Some(start) });
        }
        let mut j = start;
        while self.is_digit(j) {
            j += 1;
        }
        let int_nonzero = self.c[start..j].iter().any(|&c| c != '0');
        if self.at(j) == Some('.') && self.is_digit(j + 1) {
            let integer_part_empty = j == start;
            let hydrate = hydrate_dot && (int_nonzero || integer_part_empty) && self.water_follows(j);
            if !hydrate {
                j += 1;
                while self.is_digit(j) {
                    j += 1;
                }
            }
        }
        if j == start {
            return Ok(None);
        }
        let text: String = self.c[start..j].iter().collect();
        self.i = j;
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Some(v)),
            _ => Err(ChemError::InvalidAmount { text, position: Some(start) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Composition {
        Composition::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn amounts(s: &str) -> Vec<(&'static str, f64)> {
        let mut v: Vec<_> = p(s).iter().collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v
    }

    fn expect(s: &str, want: &[(&str, f64)]) {
        let got = p(s);
        assert_eq!(got.len(), want.len(), "{s:?}: {got:?}");
        for &(sym, a) in want {
            let g = got.amount(sym);
            assert!((g - a).abs() <= 1e-12 * a.abs(), "{s:?}: {sym} = {g}, want {a}");
        }
    }

    fn err(s: &str) -> ChemError {
        match Composition::parse(s) {
            Ok(c) => panic!("{s:?} parsed as {c}"),
            Err(e) => e,
        }
    }

    #[test]
    fn simple_and_fractional() {
        expect("Al2O3", &[("Al", 2.0), ("O", 3.0)]);
        expect("NaCl", &[("Na", 1.0), ("Cl", 1.0)]);
        expect("Fe", &[("Fe", 1.0)]);
        expect("Fe0.5Ni0.5", &[("Fe", 0.5), ("Ni", 0.5)]);
        expect("Fe.5Ni.5", &[("Fe", 0.5), ("Ni", 0.5)]);
        expect("Fe0.62C0.000953", &[("Fe", 0.62), ("C", 0.000953)]);
        expect("Li1.2Mn0.54Ni0.13Co0.13O2", &[("Li", 1.2), ("Mn", 0.54), ("Ni", 0.13), ("Co", 0.13), ("O", 2.0)]);
        expect("Bi0.5Sb1.5Te3", &[("Bi", 0.5), ("Sb", 1.5), ("Te", 3.0)]);
        expect("FeFe", &[("Fe", 2.0)]);
        expect("Fe1Ni0", &[("Fe", 1.0)]);
        expect("H2O", &[("H", 2.0), ("O", 1.0)]);
        expect("Og2Ts", &[("Og", 2.0), ("Ts", 1.0)]);
    }

    #[test]
    fn brackets_nest_and_multiply() {
        expect("Ag(W3Br7)2", &[("Ag", 1.0), ("W", 6.0), ("Br", 14.0)]);
        expect("(Ba0.5Sr0.5)TiO3", &[("Ba", 0.5), ("Sr", 0.5), ("Ti", 1.0), ("O", 3.0)]);
        expect("K4[Fe(CN)6]", &[("K", 4.0), ("Fe", 1.0), ("C", 6.0), ("N", 6.0)]);
        expect("Ca3(PO4)2", &[("Ca", 3.0), ("P", 2.0), ("O", 8.0)]);
        expect("((Fe)2O)3", &[("Fe", 6.0), ("O", 3.0)]);
        expect("[Co(NH3)6]Cl3", &[("Co", 1.0), ("N", 6.0), ("H", 18.0), ("Cl", 3.0)]);
        expect("(Fe0.5Ni0.5)0.5Cr0.5", &[("Fe", 0.25), ("Ni", 0.25), ("Cr", 0.5)]);
        let deep = format!("{}Fe{}", "(".repeat(10_000), ")".repeat(10_000));
        expect(&deep, &[("Fe", 1.0)]);
    }

    #[test]
    fn hydrates() {
        for s in [
            "CuSO4·5H2O",
            "CuSO4•5H2O",
            "CuSO4*5H2O",
            "CuSO4.5H2O",
            "CuSO4∙5H2O",
            "CuSO4⋅5H2O",
            "CuSO4 · 5 H2O",
            "CuSO4.5 H2O",
        ] {
            expect(s, &[("Cu", 1.0), ("S", 1.0), ("O", 9.0), ("H", 10.0)]);
        }
        expect("Na2CO3.10H2O", &[("Na", 2.0), ("C", 1.0), ("O", 13.0), ("H", 20.0)]);
        expect("Na2CO3.H2O", &[("Na", 2.0), ("C", 1.0), ("O", 4.0), ("H", 2.0)]);
        expect("CaSO4.0.5H2O", &[("Ca", 1.0), ("S", 1.0), ("O", 4.5), ("H", 1.0)]);
        expect("CaSO4·0.5H2O", &[("Ca", 1.0), ("S", 1.0), ("O", 4.5), ("H", 1.0)]);
        expect("MgSO4.7H2O.KCl", &[("Mg", 1.0), ("S", 1.0), ("O", 11.0), ("H", 14.0), ("K", 1.0), ("Cl", 1.0)]);
        expect("(NH4)2SO4.FeSO4.6H2O", &[("N", 2.0), ("H", 20.0), ("S", 2.0), ("O", 14.0), ("Fe", 1.0)]);
        expect("CaCl2·8NH3", &[("Ca", 1.0), ("Cl", 2.0), ("N", 8.0), ("H", 24.0)]);
        // Not hydrates: decimals.
        expect("CaCl2.8NH3", &[("Ca", 1.0), ("Cl", 2.8), ("N", 1.0), ("H", 3.0)]);
        expect("Fe0.5H2O", &[("Fe", 0.5), ("H", 2.0), ("O", 1.0)]);
        expect("Li2.5H2O1", &[("Li", 2.5), ("H", 2.0), ("O", 1.0)]);
        expect("Li2.5H2O2", &[("Li", 2.5), ("H", 2.0), ("O", 2.0)]);
        expect("Li2.5H2OF", &[("Li", 2.5), ("H", 2.0), ("O", 1.0), ("F", 1.0)]);
        expect("CuSO4.5H2O.2", &[("Cu", 1.0), ("S", 1.0), ("O", 4.7), ("H", 2.0)]);
    }

    #[test]
    fn hydrate_water_counted() {
        let c = p("CuSO4·5H2O");
        assert_eq!((c.amount("H"), c.amount("O"), c.amount("Cu")), (10.0, 9.0, 1.0));
        assert_eq!(p("CuSO4.5H2O"), c);
    }

    #[test]
    fn whitespace_between_tokens() {
        assert_eq!(p("  Fe2 O3 "), p("Fe2O3"));
        assert_eq!(p("Fe 2 O 3"), p("Fe2O3"));
        assert_eq!(p("( Ba0.5 Sr0.5 ) Ti O3"), p("(Ba0.5Sr0.5)TiO3"));
        assert_eq!(p("Fe\t0.5\nNi 0.5"), p("Fe0.5Ni0.5"));
    }

    #[test]
    fn unknown_element() {
        let e = err("Xx2O");
        assert_eq!(e, ChemError::UnknownElement { symbol: "Xx".into(), position: 0 });
        assert_eq!(e.to_string(), "unknown element 'Xx' at position 0");
        assert!(matches!(err("FeJ2"), ChemError::UnknownElement { position: 2, .. }));
        assert!(matches!(err("CuSO4·5D2O"), ChemError::UnknownElement { position: 7, .. }));
    }

    #[test]
    fn unbalanced_brackets() {
        assert_eq!(err("Fe2(O3"), ChemError::UnclosedBracket { open: '(', position: 3 });
        assert_eq!(err("Fe2O3)"), ChemError::UnmatchedBracket { close: ')', position: 5 });
        assert_eq!(err("((Fe)"), ChemError::UnclosedBracket { open: '(', position: 0 });
        assert_eq!(err("(Fe))2"), ChemError::UnmatchedBracket { close: ')', position: 4 });
        assert_eq!(
            err("K4[Fe(CN)6)"),
            ChemError::MismatchedBracket { open: '[', open_position: 2, close: ')', position: 10 }
        );
        assert_eq!(err("Fe()2"), ChemError::EmptyGroup { open: '(', close: ')', position: 2 });
        assert!(err("Fe2(O3").to_string().contains("position 3"));
    }

    #[test]
    fn bad_amounts() {
        assert_eq!(err("Fe-1"), ChemError::NegativeAmount { text: "-1".into(), position: Some(2) });
        assert_eq!(err("Fe2O-0.5"), ChemError::NegativeAmount { text: "-0.5".into(), position: Some(4) });
        assert_eq!(err("Fe0"), ChemError::ZeroTotal);
        assert_eq!(err("Fe0O0.0"), ChemError::ZeroTotal);
        assert_eq!(err("(Fe2O3)0"), ChemError::ZeroTotal);
        let huge = format!("Fe{}", "9".repeat(400));
        assert!(matches!(err(&huge), ChemError::InvalidAmount { position: Some(2), .. }));
        let overflow = format!("(Fe{})1{}", "9".repeat(300), "0".repeat(20));
        assert!(matches!(err(&overflow), ChemError::InvalidAmount { .. }));
    }

    #[test]
    fn empty_and_missing() {
        assert_eq!(err(""), ChemError::Empty);
        assert_eq!(err("   "), ChemError::Empty);
        for s in ["NaN", "nan", "NAN", " nan ", "inf", "-inf", "None", "null", "N/A"] {
            assert!(matches!(err(s), ChemError::MissingValue { .. }), "{s}");
        }
        expect("NNa", &[("N", 1.0), ("Na", 1.0)]);
        expect("Na1N1", &[("N", 1.0), ("Na", 1.0)]);
    }

    #[test]
    fn lowercase() {
        let e = err("fe2o3");
        assert_eq!(e, ChemError::LowercaseSymbol { text: "fe".into(), position: 0, suggestion: Some("Fe") });
        assert!(e.to_string().contains("did you mean 'Fe'"), "{e}");
        assert_eq!(err("Fe2o3"), ChemError::LowercaseSymbol { text: "o".into(), position: 3, suggestion: Some("O") });
        assert_eq!(err("nacl"), ChemError::LowercaseSymbol { text: "na".into(), position: 0, suggestion: Some("Na") });
        assert!(matches!(err("xq"), ChemError::LowercaseSymbol { suggestion: None, .. }));
    }

    #[test]
    fn syntax_errors_have_positions() {
        assert!(matches!(err("2H2O"), ChemError::UnexpectedChar { found: '2', position: 0, .. }));
        assert!(matches!(err("Fe2$"), ChemError::UnexpectedChar { found: '$', position: 3, .. }));
        assert!(matches!(err("CuSO4·"), ChemError::UnexpectedEnd { position: 6, .. }));
        assert!(matches!(err("CuSO4··H2O"), ChemError::UnexpectedChar { position: 6, .. }));
        assert!(matches!(err("·H2O"), ChemError::UnexpectedChar { found: '·', position: 0, .. }));
        assert!(matches!(err("Fe2 3"), ChemError::UnexpectedChar { found: '3', position: 4, .. }));
        assert!(matches!(err("(CuSO4·5H2O)"), ChemError::UnexpectedChar { position: 6, .. }));
        assert!(matches!(err("Fe2O3."), ChemError::UnexpectedEnd { position: 6, .. }));
        assert!(matches!(err("Fe1e5"), ChemError::LowercaseSymbol { position: 3, .. }));
        // Positions count characters, not bytes.
        assert!(matches!(err("CuSO4·5Xx"), ChemError::UnknownElement { position: 7, .. }));
    }

    #[test]
    fn steels_dataset_parses_and_normalizes() {
        let text = include_str!("../../data/matbench/steels_yield.csv");
        let mut n = 0;
        for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let formula = line.split(',').next().expect("formula column");
            let c = p(formula).normalized();
            assert!((c.total() - 1.0).abs() < 1e-12, "{formula}");
            assert!(c.contains("Fe"), "{formula}");
            n += 1;
        }
        assert_eq!(n, 312);
        let first = amounts(text.lines().nth(1).unwrap().split(',').next().unwrap());
        assert_eq!(first.len(), 12);
        assert!(first.contains(&("Fe", 0.620)) && first.contains(&("Nb", 0.0000616)));
    }

    /// Throughput smoke test (not timed): the whole steels file, many times over.
    #[test]
    fn throughput_steels() {
        let text = include_str!("../../data/matbench/steels_yield.csv");
        let formulas: Vec<&str> = text.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
        let mut elements = 0;
        for _ in 0..50 {
            for f in &formulas {
                elements += p(f).len();
            }
        }
        assert!(elements > 50 * 312 * 5);
    }

    proptest::proptest! {
        /// Arbitrary text never panics; whatever parses prints and reparses to itself.
        #[test]
        fn never_panics(s in "[FeOCuSHNaclxX()\\[\\]·.*0-9 \\-]{0,24}") {
            if let Ok(c) = Composition::parse(&s) {
                let back = Composition::parse(&c.formula()).unwrap();
                proptest::prop_assert!(back.approx_eq(&c, 1e-12), "{s:?} -> {}", c.formula());
            }
        }

        /// Token soup close to real formulas (hydrates, decimals, brackets).
        #[test]
        fn token_soup(tokens in proptest::collection::vec(proptest::sample::select(vec![
            "Fe", "O", "H", "H2O", "Cu", "S", "(", ")", "[", "]", "2", "0.5", ".5", ".", "·",
            "5", "4", " ", "*", "0",
        ]), 0..14)) {
            let s: String = tokens.concat();
            if let Ok(c) = Composition::parse(&s) {
                let back = Composition::parse(&c.formula()).unwrap();
                proptest::prop_assert!(back.approx_eq(&c, 1e-12), "{s:?} -> {}", c.formula());
            }
        }
    }
}
