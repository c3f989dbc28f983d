//! Model inputs: compositions encoded as element tokens ([`CompositionInputs`]) and labelled
//! tables encoded for prediction ([`encode_table`]).
use crate::chem::{Composition, ELEMENTS};

use super::data::{BadRow, LabeledTable};

/// Compositions encoded as element tokens: per row the element indices (atomic number − 1) and
/// atomic fractions (summing to 1) of the normalised composition, padded to `width`.
#[derive(Debug, Clone, Default)]
pub struct CompositionInputs {
    width: usize,
    elements: Vec<i64>,
    fractions: Vec<f32>,
    lengths: Vec<usize>,
}

impl CompositionInputs {
    /// Encode compositions (any scale; they are normalised here).
    pub fn new(comps: &[Composition]) -> CompositionInputs {
        let width = comps.iter().map(Composition::len).max().unwrap_or(0);
        let mut out = CompositionInputs { width, ..Default::default() };
        for c in comps {
            out.push(c);
        }
        out
    }

    fn push(&mut self, c: &Composition) {
        let total = c.total();
        let start = self.elements.len();
        for (i, a) in c.iter_indexed() {
            self.elements.push(i as i64);
            self.fractions.push((a / total) as f32);
        }
        self.lengths.push(c.len());
        self.elements.resize(start + self.width, 0);
        self.fractions.resize(start + self.width, 0.0);
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.lengths.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    /// The largest number of elements in a row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Row `i`: element indices and fractions of its elements (no padding).
    pub fn row(&self, i: usize) -> (&[i64], &[f32]) {
        let s = i * self.width;
        let n = self.lengths[i];
        (&self.elements[s..s + n], &self.fractions[s..s + n])
    }

    /// The given rows (in that order) as a new set, padded to their own widest row.
    pub fn select(&self, rows: &[usize]) -> CompositionInputs {
        let width = rows.iter().map(|&r| self.lengths[r]).max().unwrap_or(0);
        let mut out = CompositionInputs { width, ..Default::default() };
        for &r in rows {
            let (e, f) = self.row(r);
            out.elements.extend_from_slice(e);
            out.fractions.extend_from_slice(f);
            out.elements.resize(out.elements.len() + width - e.len(), 0);
            out.fractions.resize(out.fractions.len() + width - f.len(), 0.0);
            out.lengths.push(e.len());
        }
        out
    }

    /// The element indices present in the given rows, ascending, without repeats.
    pub fn elements_in(&self, rows: &[usize]) -> Vec<usize> {
        let mut seen = [false; 118];
        for &r in rows {
            self.row(r).0.iter().for_each(|&e| seen[e as usize] = true);
        }
        (0..ELEMENTS.len()).filter(|&e| seen[e]).collect()
    }
}

/// Rows of a table ready to predict: the encodable rows and what happened to the others.
#[derive(Debug, Clone)]
pub struct EncodedTable {
    /// The rows that could be encoded.
    pub inputs: super::model::ModelInputs,
    /// Their 0-based row numbers in the table.
    pub rows: Vec<usize>,
    /// Rows skipped for a missing or invalid formula.
    pub bad: Vec<BadRow>,
    /// 1-based rows skipped for a missing/NaN input value.
    pub missing_inputs: Vec<usize>,
}

/// Encode every row of `table` whose formula parses and whose inputs are all present (targets
/// are ignored). Input columns are taken in the table's order.
pub fn encode_table(table: &LabeledTable) -> EncodedTable {
    let (mut comps, mut rows, mut bad, mut missing_inputs, mut x) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, f) in table.formulas.iter().enumerate() {
        let c = match super::data::parse_formula(f.as_deref()) {
            Ok(c) => c,
            Err(reason) => {
                bad.push(BadRow { source: table.source.clone(), row: i + 1, reason });
                continue;
            }
        };
        let Some(v) = table.inputs.iter().map(|(_, col)| col[i]).collect::<Option<Vec<f64>>>() else {
            missing_inputs.push(i + 1);
            continue;
        };
        x.extend(v);
        comps.push(c);
        rows.push(i);
    }
    let p = table.inputs.len();
    let x = ndarray::Array2::from_shape_vec((rows.len(), p), x).expect("n × p inputs");
    EncodedTable { inputs: super::model::ModelInputs::new(&comps, Some(x)), rows, bad, missing_inputs }
}
