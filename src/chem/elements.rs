//! The periodic table (symbols H..Og by atomic number, Pauling electronegativities that fix the
//! canonical element order) and the embedded element property tables (Magpie, Oliynyk, mat2vec).
//!
//! The tables are compiled into the binary (`include_str!` of `data/elements/*.csv`) and parsed
//! once, on first use. A table row is indexed by element; a missing cell is `NaN`.

use std::sync::OnceLock;

/// Element symbols by atomic number: `ELEMENTS[z - 1]` is element `z`, from H (1) to Og (118).
pub const ELEMENTS: &[&str] = &[
    "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca",
    "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",
    "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce",
    "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir",
    "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
    "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc",
    "Lv", "Ts", "Og",
];

/// Pauling electronegativity by atomic number (index `z - 1`); `NaN` where none is assigned
/// (He, Ne, Ar and the elements from Rf on). Used only to order elements canonically.
const PAULING: [f64; 118] = {
    const N: f64 = f64::NAN;
    [
        2.20, N, 0.98, 1.57, 2.04, 2.55, 3.04, 3.44, 3.98, N, // H..Ne
        0.93, 1.31, 1.61, 1.90, 2.19, 2.58, 3.16, N, // Na..Ar
        0.82, 1.00, 1.36, 1.54, 1.63, 1.66, 1.55, 1.83, 1.88, 1.91, 1.90, 1.65, // K..Zn
        1.81, 2.01, 2.18, 2.55, 2.96, 3.00, // Ga..Kr
        0.82, 0.95, 1.22, 1.33, 1.60, 2.16, 1.90, 2.20, 2.28, 2.20, 1.93, 1.69, // Rb..Cd
        1.78, 1.96, 2.05, 2.10, 2.66, 2.60, // In..Xe
        0.79, 0.89, 1.10, 1.12, 1.13, 1.14, 1.13, 1.17, 1.20, 1.20, 1.10, 1.22, 1.23, 1.24, 1.25, 1.10,
        1.27, // Cs..Lu
        1.30, 1.50, 2.36, 1.90, 2.20, 2.20, 2.28, 2.54, 2.00, // Hf..Hg
        1.62, 2.33, 2.02, 2.00, 2.20, 2.20, // Tl..Rn
        0.70, 0.90, 1.10, 1.30, 1.50, 1.38, 1.36, 1.28, 1.30, 1.28, 1.30, 1.30, 1.30, 1.30, 1.30, 1.30,
        1.30, // Fr..Lr
        N, N, N, N, N, N, N, N, N, N, N, N, N, N, N, // Rf..Og
    ]
};

/// Whether `symbol` is one of the 118 element symbols (exact, case-sensitive: `"Fe"`, not `"fe"`).
pub fn is_element(symbol: &str) -> bool {
    element_index(symbol).is_some()
}

/// Index of `symbol` in [`ELEMENTS`] (atomic number − 1), or `None` if it is not an element.
/// Case-sensitive.
pub fn element_index(symbol: &str) -> Option<usize> {
    let b = symbol.as_bytes();
    if b.is_empty() || b.len() > 2 || !b[0].is_ascii_uppercase() {
        return None;
    }
    ELEMENTS.iter().position(|&s| s == symbol)
}

/// The element whose symbol equals `text` ignoring case (`"fe"` → `"Fe"`), if any.
pub(crate) fn case_insensitive_element(text: &str) -> Option<&'static str> {
    ELEMENTS.iter().copied().find(|s| s.eq_ignore_ascii_case(text))
}

/// Canonical order key of the element at `index`: Pauling electronegativity ascending (so
/// cations come before anions, `Al2O3`, `NaCl`, `CsPbI3`), ties broken by atomic number;
/// elements without an electronegativity come last, by atomic number.
pub(crate) fn order_key(index: usize) -> (u8, f64, usize) {
    let x = PAULING[index];
    if x.is_nan() {
        (1, 0.0, index)
    } else {
        (0, x, index)
    }
}

/// An element property table: one row of `f64` per element, one value per column; a missing
/// value is `NaN`. Rows exist only for the elements the source covers.
#[derive(Debug, Clone)]
pub struct ElementTable {
    /// Short name of the table (`"magpie"`, `"oliynyk"`, `"mat2vec"`).
    pub name: &'static str,
    /// Column (property) names, in row order; the CSV's leading `element` column excluded.
    pub columns: Vec<String>,
    /// `values[z - 1]`: the row of element `z`, if the table covers it.
    rows: Vec<Option<Box<[f64]>>>,
}

impl ElementTable {
    /// Parses a CSV whose first column is `element` (a symbol); empty cells become `NaN`.
    ///
    /// # Panics
    /// On malformed data. Only used on the embedded tables, which the tests parse.
    fn from_csv(name: &'static str, text: &str) -> ElementTable {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines.next().expect("element table has a header");
        let mut cols = header.split(',').map(|c| c.trim().to_string());
        assert_eq!(cols.next().as_deref(), Some("element"), "{name}: first column");
        let columns: Vec<String> = cols.collect();
        let mut rows: Vec<Option<Box<[f64]>>> = vec![None; ELEMENTS.len()];
        for line in lines {
            let mut cells = line.split(',');
            let sym = cells.next().unwrap_or("").trim();
            let z = element_index(sym).unwrap_or_else(|| panic!("{name}: unknown element {sym:?}"));
            let row: Box<[f64]> = cells
                .map(|c| {
                    let c = c.trim();
                    if c.is_empty() {
                        f64::NAN
                    } else {
                        c.parse().unwrap_or_else(|_| panic!("{name}: bad number {c:?} for {sym}"))
                    }
                })
                .collect();
            assert_eq!(row.len(), columns.len(), "{name}: row {sym} has wrong width");
            assert!(rows[z].is_none(), "{name}: duplicate row {sym}");
            rows[z] = Some(row);
        }
        ElementTable { name, columns, rows }
    }

    /// The row of `symbol` (values in [`columns`](Self::columns) order), or `None` if the symbol
    /// is not an element or the table does not cover it.
    pub fn row(&self, symbol: &str) -> Option<&[f64]> {
        self.row_by_index(element_index(symbol)?)
    }

    /// The row of the element with index `index` in [`ELEMENTS`] (atomic number − 1).
    pub fn row_by_index(&self, index: usize) -> Option<&[f64]> {
        self.rows.get(index)?.as_deref()
    }

    /// Position of `column` in [`columns`](Self::columns).
    pub fn column_index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// One value: `None` when the element is not covered or the column does not exist; `NaN`
    /// when the cell is empty.
    pub fn value(&self, symbol: &str, column: &str) -> Option<f64> {
        Some(self.row(symbol)?[self.column_index(column)?])
    }

    /// Symbols of the covered elements, by atomic number.
    pub fn symbols(&self) -> impl Iterator<Item = &'static str> + '_ {
        ELEMENTS.iter().zip(&self.rows).filter(|(_, r)| r.is_some()).map(|(s, _)| *s)
    }

    /// Number of covered elements (rows).
    pub fn len(&self) -> usize {
        self.rows.iter().filter(|r| r.is_some()).count()
    }

    /// Whether the table covers no element (never, for the embedded tables).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The Magpie table (Ward et al. 2016): 22 descriptors for H..Bk, including `AtomicWeight`
/// (g/mol), `GSvolume_pa` (Å³/atom), `Electronegativity`, `MeltingT` (K) and valence counts.
pub fn magpie() -> &'static ElementTable {
    static T: OnceLock<ElementTable> = OnceLock::new();
    T.get_or_init(|| ElementTable::from_csv("magpie", include_str!("../../data/elements/magpie.csv")))
}

/// The Oliynyk table (Oliynyk et al. 2016): 44 descriptors for 85 elements; missing cells are
/// `NaN`.
pub fn oliynyk() -> &'static ElementTable {
    static T: OnceLock<ElementTable> = OnceLock::new();
    T.get_or_init(|| ElementTable::from_csv("oliynyk", include_str!("../../data/elements/oliynyk.csv")))
}

/// The mat2vec element embeddings (Tshitoyan et al. 2019): 200 dimensions (columns `"0"` to
/// `"199"`) for all 118 elements.
pub fn mat2vec() -> &'static ElementTable {
    static T: OnceLock<ElementTable> = OnceLock::new();
    T.get_or_init(|| ElementTable::from_csv("mat2vec", include_str!("../../data/elements/mat2vec.csv")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_table() {
        assert_eq!(ELEMENTS.len(), 118);
        assert_eq!((ELEMENTS[0], ELEMENTS[25], ELEMENTS[117]), ("H", "Fe", "Og"));
        assert_eq!(element_index("Fe"), Some(25));
        assert_eq!(element_index("Og"), Some(117));
        assert!(is_element("Fe") && is_element("W") && is_element("Ts"));
        for bad in ["fe", "FE", "Xx", "", "D", "Fee", "J"] {
            assert!(!is_element(bad), "{bad}");
        }
        let mut sorted = ELEMENTS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 118, "symbols are unique");
        assert_eq!(case_insensitive_element("fE"), Some("Fe"));
    }

    #[test]
    fn canonical_order_puts_cations_first() {
        let key = |s| order_key(element_index(s).unwrap());
        assert!(key("Na") < key("Cl") && key("Al") < key("O") && key("Cs") < key("Pb"));
        assert!(key("Pb") < key("I") && key("H") < key("O") && key("O") < key("F"));
        assert!(key("F") < key("He") && key("He") < key("Ne") && key("Lr") < key("Rf"));
    }

    fn check_numbers(t: &ElementTable, column: &str) {
        let col = t.column_index(column).unwrap();
        for sym in t.symbols() {
            let z = element_index(sym).unwrap() + 1;
            assert_eq!(t.row(sym).unwrap()[col], z as f64, "{}: {sym}", t.name);
        }
    }

    #[test]
    fn magpie_table() {
        let t = magpie();
        assert_eq!((t.len(), t.columns.len()), (97, 22));
        assert_eq!(t.columns[2], "AtomicWeight");
        assert_eq!(t.value("Fe", "AtomicWeight"), Some(55.845));
        assert_eq!(t.value("Fe", "GSvolume_pa"), Some(10.73));
        assert_eq!(t.row("Cf"), None);
        assert_eq!(t.row("Xx"), None);
        assert_eq!(t.value("Fe", "NoSuchColumn"), None);
        assert_eq!(t.symbols().last(), Some("Bk"));
        assert!(t.symbols().all(|s| t.row(s).unwrap().iter().all(|v| v.is_finite())));
        check_numbers(t, "Number");
    }

    #[test]
    fn oliynyk_table_has_missing_cells() {
        let t = oliynyk();
        assert_eq!((t.len(), t.columns.len()), (85, 44));
        assert!(t.value("H", "Miracle_Radius_[pm]").unwrap().is_nan());
        assert_eq!(t.value("Fe", "Atomic_Weight"), Some(55.847));
        assert!(t.row("Po").is_none() && t.row("U").is_some());
        check_numbers(t, "Number");
    }

    #[test]
    fn mat2vec_table() {
        let t = mat2vec();
        assert_eq!((t.len(), t.columns.len()), (118, 200));
        assert_eq!((t.columns[0].as_str(), t.columns[199].as_str()), ("0", "199"));
        assert!(t.row("Og").unwrap().iter().all(|v| v.is_finite()));
        assert!((t.row("H").unwrap()[0] - 0.05714642256498337).abs() < 1e-15);
    }
}
