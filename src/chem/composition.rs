//! [`Composition`]: elements and their amounts, in a canonical order, with the canonical
//! formula string.
//!
//! A composition always holds at least one element, every amount is finite and > 0, and the
//! elements are kept in the canonical order (see [`Composition::formula`]), so two compositions
//! with the same amounts compare equal (`==` compares amounts exactly; see
//! [`Composition::approx_eq`]).

use std::fmt;
use std::str::FromStr;

use super::elements::{case_insensitive_element, element_index, order_key, ELEMENTS};
use super::error::ChemError;
use super::parser;

/// Elements with their amounts (atoms per formula unit, or atomic fractions after
/// [`normalized`](Composition::normalized)), in canonical element order.
///
/// Invariants: at least one element; every amount finite and > 0; each element once.
#[derive(Debug, Clone, PartialEq)]
pub struct Composition {
    /// `(index into ELEMENTS, amount)`, sorted by [`order_key`].
    entries: Vec<(u8, f64)>,
}

impl Composition {
    /// Parses a chemical formula: `Al2O3`, `Fe0.62C0.000953`, `(Ba0.5Sr0.5)TiO3`,
    /// `K4[Fe(CN)6]`, `CuSO4·5H2O`. See the [module documentation](super) for the grammar and
    /// the hydrate-dot rule. Errors name the problem and its character position.
    pub fn parse(s: &str) -> Result<Composition, ChemError> {
        parser::parse(s)
    }

    /// Builds a composition from `(symbol, amount)` pairs: repeated symbols are added up, zero
    /// amounts are dropped. Errors on an unknown symbol ([`ChemError::UnknownSymbol`]), a
    /// negative or non-finite amount, or when nothing with a positive amount remains
    /// ([`ChemError::ZeroTotal`]).
    pub fn from_amounts<'a>(it: impl IntoIterator<Item = (&'a str, f64)>) -> Result<Composition, ChemError> {
        let mut indexed = Vec::new();
        for (symbol, amount) in it {
            let Some(index) = element_index(symbol) else {
                return Err(ChemError::UnknownSymbol {
                    symbol: symbol.to_string(),
                    suggestion: case_insensitive_element(symbol),
                });
            };
            if !amount.is_finite() {
                let text = format!("{symbol}: {amount}");
                return Err(ChemError::InvalidAmount { text, position: None });
            }
            if amount < 0.0 {
                let text = format!("{symbol}: {amount}");
                return Err(ChemError::NegativeAmount { text, position: None });
            }
            indexed.push((index, amount));
        }
        Composition::from_indexed(indexed)
    }

    /// Builds from `(index into ELEMENTS, amount)` with amounts already checked finite and
    /// ≥ 0: merges repeats, drops zeros, sorts canonically.
    pub(crate) fn from_indexed(it: impl IntoIterator<Item = (usize, f64)>) -> Result<Composition, ChemError> {
        let mut sums = [0.0f64; 118];
        for (index, amount) in it {
            sums[index] += amount;
        }
        let mut entries = Vec::new();
        for (index, &amount) in sums.iter().enumerate() {
            if amount > 0.0 {
                if !amount.is_finite() {
                    let text = format!("{}: {amount}", ELEMENTS[index]);
                    return Err(ChemError::InvalidAmount { text, position: None });
                }
                entries.push((index as u8, amount));
            }
        }
        if entries.is_empty() {
            return Err(ChemError::ZeroTotal);
        }
        entries.sort_by(|a, b| {
            let (ka, kb) = (order_key(a.0 as usize), order_key(b.0 as usize));
            ka.partial_cmp(&kb).expect("order keys are not NaN")
        });
        if entries.iter().map(|e| e.1).sum::<f64>().is_infinite() {
            return Err(ChemError::InvalidAmount { text: "total amount".into(), position: None });
        }
        Ok(Composition { entries })
    }

    /// `(symbol, amount)` in canonical order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.entries.iter().map(|&(i, a)| (ELEMENTS[i as usize], a))
    }

    /// `(index into ELEMENTS (atomic number − 1), amount)` in canonical order.
    pub fn iter_indexed(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.entries.iter().map(|&(i, a)| (i as usize, a))
    }

    /// Element symbols in canonical order.
    pub fn elements(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.iter().map(|(s, _)| s)
    }

    /// Number of distinct elements (≥ 1).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Always `false`: a composition holds at least one element.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sum of the amounts (1 for a normalized composition, up to rounding).
    pub fn total(&self) -> f64 {
        self.entries.iter().map(|e| e.1).sum()
    }

    /// Amount of `symbol`; 0 when absent (or not an element).
    pub fn amount(&self, symbol: &str) -> f64 {
        element_index(symbol).map_or(0.0, |i| self.amount_by_index(i))
    }

    /// Amount of the element with index `index` in ELEMENTS; 0 when absent.
    pub fn amount_by_index(&self, index: usize) -> f64 {
        self.entries.iter().find(|e| e.0 as usize == index).map_or(0.0, |e| e.1)
    }

    /// Atomic fraction of `symbol` (amount / total); 0 when absent.
    pub fn fraction(&self, symbol: &str) -> f64 {
        self.amount(symbol) / self.total()
    }

    /// Whether `symbol` is present.
    pub fn contains(&self, symbol: &str) -> bool {
        self.amount(symbol) > 0.0
    }

    /// Atomic fractions: each amount divided by the total, so they sum to 1 (up to rounding).
    pub fn normalized(&self) -> Composition {
        let total = self.total();
        let entries = self.entries.iter().map(|&(i, a)| (i, a / total)).collect();
        Composition { entries }
    }

    /// Every amount multiplied by `k`.
    ///
    /// # Panics
    /// If `k` is not finite and > 0, or the result overflows or underflows to 0.
    pub fn scaled(&self, k: f64) -> Composition {
        assert!(k.is_finite() && k > 0.0, "Composition::scaled: factor {k} must be finite and > 0");
        let entries: Vec<(u8, f64)> = self.entries.iter().map(|&(i, a)| (i, a * k)).collect();
        assert!(
            entries.iter().all(|e| e.1.is_finite() && e.1 > 0.0),
            "Composition::scaled: {self} × {k} overflows or underflows"
        );
        Composition { entries }
    }

    /// `self + weight · other`, element by element (e.g. mixing compound components).
    ///
    /// # Panics
    /// If `weight` is negative or not finite, or the result overflows.
    pub fn merged(&self, other: &Composition, weight: f64) -> Composition {
        assert!(weight.is_finite() && weight >= 0.0, "Composition::merged: weight {weight} must be finite and >= 0");
        let it = self.iter_indexed().chain(other.iter_indexed().map(|(i, a)| (i, a * weight)));
        Composition::from_indexed(it).expect("merging two compositions with finite amounts")
    }

    /// Whether both hold the same elements with amounts equal within `rel_tol` relative
    /// (`|a − b| ≤ rel_tol · max(|a|, |b|)`). Compare `normalized()` compositions to ignore scale.
    pub fn approx_eq(&self, other: &Composition, rel_tol: f64) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.0 == b.0 && (a.1 - b.1).abs() <= rel_tol * a.1.abs().max(b.1.abs()))
    }

    /// The canonical formula: elements in canonical order, each followed by its amount; an
    /// amount of exactly 1 is omitted, integers have no decimals (`Al2O3`, `NaCl`, `CsPbI3`,
    /// `Ti0.5Fe0.5`). [`Composition::parse`] reads it back to the same composition.
    ///
    /// **Order**: ascending Pauling electronegativity (cations before anions, as chemists
    /// write inorganic formulas), ties broken by atomic number; elements without a Pauling
    /// value (He, Ne, Ar, Rf–Og) last, by atomic number. The order does not depend on amounts.
    ///
    /// **Amounts**: the shortest decimal with at most 6 significant digits that is within
    /// 1e-12 relative of the amount (so float noise like `0.30000000000000004` prints `0.3`);
    /// failing that, the shortest decimal that reads back to exactly the same `f64` (up to 17
    /// digits). Never scientific notation. `parse(formula(c))` equals `c` within 1e-12 relative.
    /// For a fixed number of significant digits use `format!("{c:.4}")` (lossy).
    ///
    /// In the one case where the text would read as a `.` hydrate (`…2.5H2O` at the end; see
    /// the module documentation) the final oxygen is written `O1`.
    pub fn formula(&self) -> String {
        self.render(None)
    }

    fn render(&self, sig_digits: Option<usize>) -> String {
        let mut out = String::new();
        let n = self.entries.len();
        let mut prev_amount = String::new();
        for (k, &(i, a)) in self.entries.iter().enumerate() {
            let sym = ELEMENTS[i as usize];
            let text = format_maybe(a, sig_digits);
            out.push_str(sym);
            let last_o_of_water = k == n - 1
                && k >= 2
                && sym == "O"
                && text == "1"
                && ELEMENTS[self.entries[k - 1].0 as usize] == "H"
                && prev_amount == "2"
                && {
                    let before = format_maybe(self.entries[k - 2].1, sig_digits);
                    before.contains('.') && !before.starts_with('0')
                };
            if text != "1" || last_o_of_water {
                out.push_str(&text);
            }
            prev_amount = text;
        }
        out
    }
}

fn format_maybe(a: f64, sig_digits: Option<usize>) -> String {
    match sig_digits {
        Some(p) => format_sig(a, p.clamp(1, 17)),
        None => format_amount(a),
    }
}

/// `x` rounded to `p` significant digits, as a plain decimal (shortest text for that value).
fn format_sig(x: f64, p: usize) -> String {
    let rounded: f64 = format!("{:.*e}", p - 1, x).parse().expect("formatted float parses");
    // Rounding up next to f64::MAX overflows; keep the exact text then.
    if rounded.is_finite() {
        format!("{rounded}")
    } else {
        format!("{x}")
    }
}

/// See [`Composition::formula`].
fn format_amount(x: f64) -> String {
    for p in 1..=6 {
        let s = format_sig(x, p);
        let v: f64 = s.parse().expect("formatted float parses");
        if (v - x).abs() <= 1e-12 * x.abs() {
            return s;
        }
    }
    // Rust's Display for f64 is the shortest text that round-trips, never in exponent form.
    format!("{x}")
}

impl fmt::Display for Composition {
    /// The canonical [`formula`](Composition::formula); with a precision (`{:.3}`), amounts are
    /// rounded to that many significant digits instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(f.precision()))
    }
}

impl FromStr for Composition {
    type Err = ChemError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Composition::parse(s)
    }
}

impl TryFrom<&str> for Composition {
    type Error = ChemError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Composition::parse(s)
    }
}

impl serde::Serialize for Composition {
    /// As its canonical formula string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.formula())
    }
}

impl<'de> serde::Deserialize<'de> for Composition {
    /// From a formula string.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Composition::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Composition {
        Composition::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn canonical_formulas() {
        assert_eq!(p("O3Al2").formula(), "Al2O3");
        assert_eq!(p("ClNa").formula(), "NaCl");
        assert_eq!(p("I3PbCs").formula(), "CsPbI3");
        assert_eq!(p("CuSO4·5H2O").formula(), "CuH10SO9");
        assert_eq!(p("Ni0.5Fe0.5").formula(), "Fe0.5Ni0.5");
        assert_eq!(p("Fe2O3").to_string(), "Fe2O3");
        assert_eq!(p("HeNeAr").formula(), "HeNeAr");
        assert_eq!(p("Fe0.62C0.000953").formula(), "Fe0.62C0.000953");
        assert_eq!(p("Fe1.0000000000000001").formula(), "Fe");
        let c = Composition::from_amounts([("Fe", 0.1 + 0.2), ("Ni", 1.0 / 3.0)]).unwrap();
        assert_eq!(c.formula(), "Fe0.3Ni0.3333333333333333");
        assert_eq!(format!("{c:.3}"), "Fe0.3Ni0.333");
        assert_eq!(format!("{:.2}", p("Fe0.62C0.000953")), "Fe0.62C0.00095");
        let tiny = Composition::from_amounts([("Fe", 1.0), ("C", 1e-9)]).unwrap();
        assert_eq!(tiny.formula(), "FeC0.000000001");
        assert_eq!(p(&tiny.formula()), tiny);
        let big = Composition::from_amounts([("Fe", f64::MAX)]).unwrap();
        assert_eq!(p(&big.formula()), big);
        assert_eq!(p(&format!("{big:.1}")), big);
    }

    #[test]
    fn water_lookalike_prints_explicit_oxygen() {
        let c = Composition::from_amounts([("Li", 2.5), ("H", 2.0), ("O", 1.0)]).unwrap();
        assert_eq!(c.formula(), "Li2.5H2O1");
        assert_eq!(p(&c.formula()), c);
        assert_eq!(p(&format!("{c:.3}")), c);
        let d = Composition::from_amounts([("Li", 0.5), ("H", 2.0), ("O", 1.0)]).unwrap();
        assert_eq!(d.formula(), "Li0.5H2O");
        assert_eq!(p(&d.formula()), d);
    }

    #[test]
    fn from_amounts_merges_drops_validates() {
        let c = Composition::from_amounts([("Fe", 1.0), ("O", 0.0), ("Fe", 1.0), ("O", 3.0)]).unwrap();
        assert_eq!(c, p("Fe2O3"));
        assert_eq!(
            Composition::from_amounts([("fe", 1.0)]),
            Err(ChemError::UnknownSymbol { symbol: "fe".into(), suggestion: Some("Fe") })
        );
        assert!(matches!(
            Composition::from_amounts([("Fe", -1.0)]),
            Err(ChemError::NegativeAmount { position: None, .. })
        ));
        assert!(matches!(Composition::from_amounts([("Fe", f64::NAN)]), Err(ChemError::InvalidAmount { .. })));
        assert!(matches!(Composition::from_amounts([("Fe", f64::INFINITY)]), Err(ChemError::InvalidAmount { .. })));
        assert_eq!(Composition::from_amounts([("Fe", 0.0)]), Err(ChemError::ZeroTotal));
        assert_eq!(Composition::from_amounts([]), Err(ChemError::ZeroTotal));
        assert!(Composition::from_amounts([("Fe", f64::MAX), ("Fe", f64::MAX)]).is_err());
        assert_eq!(Composition::from_amounts([("Fe", -0.0), ("Ni", 1.0)]), Ok(p("Ni")));
    }

    #[test]
    fn accessors_and_arithmetic() {
        let c = p("Fe2O3");
        assert_eq!((c.len(), c.is_empty(), c.total()), (2, false, 5.0));
        assert_eq!((c.amount("Fe"), c.amount("Ni"), c.amount("Xx")), (2.0, 0.0, 0.0));
        assert_eq!(c.iter().collect::<Vec<_>>(), vec![("Fe", 2.0), ("O", 3.0)]);
        assert_eq!(c.elements().collect::<Vec<_>>(), vec!["Fe", "O"]);
        assert!(c.contains("O") && !c.contains("N"));
        assert_eq!(c.fraction("O"), 0.6);
        let n = c.normalized();
        assert_eq!((n.amount("Fe"), n.amount("O"), n.total()), (0.4, 0.6, 1.0));
        assert_eq!(c.scaled(2.0), p("Fe4O6"));
        let m = c.merged(&p("Al2O3"), 0.5);
        assert_eq!(m, p("Fe2AlO4.5"));
        assert_eq!(c.merged(&p("Al2O3"), 0.0), c);
        assert!(p("Fe0.5Ni0.5").approx_eq(&p("Fe0.5000000001Ni0.5"), 1e-9));
        assert!(!p("Fe0.5Ni0.5").approx_eq(&p("Fe0.5Co0.5"), 1e-9));
        assert!(!p("Fe0.5Ni0.5").approx_eq(&p("Fe0.51Ni0.5"), 1e-9));
        assert_eq!("Al2O3".parse::<Composition>(), Ok(p("Al2O3")));
        assert_eq!(Composition::try_from("Al2O3"), Ok(p("Al2O3")));
    }

    #[test]
    #[should_panic(expected = "must be finite and > 0")]
    fn scaled_by_zero_panics() {
        let _ = p("Fe").scaled(0.0);
    }

    #[test]
    #[should_panic(expected = "must be finite and >= 0")]
    fn merged_negative_panics() {
        let _ = p("Fe").merged(&p("Ni"), -1.0);
    }

    #[test]
    fn serde_as_formula_string() {
        let c = p("(Ba0.5Sr0.5)TiO3");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, "\"Ba0.5Sr0.5TiO3\"");
        assert_eq!(serde_json::from_str::<Composition>(&json).unwrap(), c);
        assert!(serde_json::from_str::<Composition>("\"Xx\"").is_err());
    }

    #[test]
    fn round_trip_examples() {
        for s in [
            "Fe0.62C0.000953",
            "Al2O3",
            "Ag(W3Br7)2",
            "(Ba0.5Sr0.5)TiO3",
            "K4[Fe(CN)6]",
            "CuSO4·5H2O",
            "CaSO4·0.5H2O",
            "Li1.2Mn0.54Ni0.13Co0.13O2",
            "Li2.5H2O1",
        ] {
            let c = p(s);
            assert_eq!(p(&c.formula()), c, "{s} -> {}", c.formula());
            let n = c.normalized();
            assert!(p(&n.formula()).approx_eq(&n, 1e-12), "{s} -> {}", n.formula());
        }
    }

    fn composition_strategy() -> impl Strategy<Value = Vec<(usize, f64)>> {
        let amount = prop_oneof![
            (1u32..20).prop_map(f64::from),
            1e-6f64..1.0,
            1e-9f64..1e3,
            (1u32..2000).prop_map(|k| f64::from(k) / 100.0),
        ];
        proptest::collection::vec((0usize..118, amount), 1..8)
    }

    proptest! {
        #[test]
        fn formula_parse_round_trip(entries in composition_strategy()) {
            let pairs: Vec<(&str, f64)> =
                entries.iter().map(|&(i, a)| (ELEMENTS[i], a)).collect();
            let c = Composition::from_amounts(pairs).unwrap();
            let back = Composition::parse(&c.formula()).unwrap();
            prop_assert!(back.approx_eq(&c, 1e-12), "{} -> {:?} vs {:?}", c.formula(), back, c);
            let n = c.normalized();
            let back = Composition::parse(&n.formula()).unwrap();
            prop_assert!(back.approx_eq(&n, 1e-9), "{}", n.formula());
            prop_assert!((n.total() - 1.0).abs() < 1e-12);
            // Rounded output parses too and stays close.
            let rounded = Composition::parse(&format!("{c:.4}")).unwrap();
            prop_assert!(rounded.approx_eq(&c, 1e-3));
        }

        #[test]
        fn water_shaped_round_trip(a in 1u32..50, b in 0u32..10) {
            let lead = f64::from(a) + f64::from(b) / 10.0;
            let c = Composition::from_amounts([("Li", lead), ("H", 2.0), ("O", 1.0)]).unwrap();
            prop_assert_eq!(Composition::parse(&c.formula()).unwrap(), c);
        }
    }
}
