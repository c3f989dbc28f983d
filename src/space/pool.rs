//! A pool of enumerated candidates (rows of a CSV/Parquet table read by `io`): input column
//! selection and checks, min–max scaling for the encoding, and nearest-row decoding.
//!
//! When the pool has a formula column, each row's normalised atomic fractions over the union
//! of the elements present in the pool are appended to the encoding (`frac:Fe`, …), so that a
//! model on the encoding (e.g. the GP of Bayesian optimisation) sees the composition. A
//! formula that does not parse is an error naming its row.
use ndarray::{Array2, Axis};

use super::error::SpaceError;
use super::spec::PoolSpec;
use super::PoolTable;

/// A validated pool: the input columns in use, raw values, per-column min and span.
#[derive(Debug)]
pub(crate) struct Pool {
    pub columns: Vec<String>,
    pub values: Array2<f64>,
    pub formulas: Option<Vec<String>>,
    pub min: Vec<f64>,
    pub span: Vec<f64>,
    /// Elements present anywhere in the pool's formulas, by atomic number.
    pub elements: Vec<&'static str>,
    /// rows × elements atomic fractions (empty without formulas).
    pub fractions: Array2<f64>,
}

impl Pool {
    /// Selects `spec.inputs` (all of the table's columns when `None`) and checks the table.
    pub(crate) fn build(spec: &PoolSpec, table: Option<PoolTable>) -> Result<Pool, SpaceError> {
        let err = |path: &str, message: String| SpaceError::Pool { path: path.into(), message };
        let Some(table) = table else {
            return Err(err("space.pool.path", format!("pool {} was not loaded", spec.path.display())));
        };
        let (rows, ncols) = table.values.dim();
        if ncols != table.columns.len() {
            let m = format!("{} column names for {ncols} value columns", table.columns.len());
            return Err(err("space.pool", m));
        }
        if rows == 0 {
            return Err(err("space.pool.path", format!("pool {} has no rows", spec.path.display())));
        }
        if let Some(f) = &table.formulas {
            if f.len() != rows {
                return Err(err("space.pool", format!("{} formulas for {rows} rows", f.len())));
            }
        }
        let picks: Vec<usize> = match &spec.inputs {
            None => (0..ncols).collect(),
            Some(inputs) => {
                let mut picks = Vec::new();
                for (k, name) in inputs.iter().enumerate() {
                    let Some(j) = table.columns.iter().position(|c| c == name) else {
                        let m = format!(
                            "input column '{name}' is not a numeric column of {} (columns: {})",
                            spec.path.display(),
                            table.columns.join(", ")
                        );
                        return Err(err(&format!("space.pool.inputs.{k}"), m));
                    };
                    if picks.contains(&j) {
                        let path = format!("space.pool.inputs.{k}");
                        let (name, context) = (name.clone(), String::new());
                        return Err(SpaceError::DuplicateName { path, name, context });
                    }
                    picks.push(j);
                }
                picks
            }
        };
        if picks.is_empty() && table.formulas.is_none() {
            return Err(err("space.pool.inputs", "no input columns".into()));
        }
        let values = table.values.select(Axis(1), &picks);
        let columns: Vec<String> = picks.iter().map(|&j| table.columns[j].clone()).collect();
        let (mut min, mut span) = (Vec::new(), Vec::new());
        for (j, col) in values.columns().into_iter().enumerate() {
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                let m = format!("column '{}' row {i} is {} (inputs must be numbers)", columns[j], col[i]);
                return Err(err("space.pool.inputs", m));
            }
            let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            min.push(lo);
            span.push(hi - lo);
        }
        let (elements, fractions) = match &table.formulas {
            Some(formulas) => element_fractions(formulas)?,
            None => (Vec::new(), Array2::zeros((rows, 0))),
        };
        Ok(Pool { columns, values, formulas: table.formulas, min, span, elements, fractions })
    }

    /// Encoded width: scaled inputs, then element fractions.
    pub(crate) fn width(&self) -> usize {
        self.columns.len() + self.elements.len()
    }

    /// Names of the encoded columns.
    pub(crate) fn encoded_columns(&self) -> Vec<String> {
        self.columns.iter().cloned().chain(self.elements.iter().map(|e| format!("frac:{e}"))).collect()
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.values.nrows()
    }

    /// Row `i` encoded: inputs scaled column-wise to `[0, 1]` (constant columns → 0), then its
    /// element fractions. `out` has [`Pool::width`] entries.
    pub(crate) fn scaled_row(&self, i: usize, out: &mut [f64]) {
        let k = self.columns.len();
        for (j, o) in out[..k].iter_mut().enumerate() {
            let v = self.values[[i, j]];
            *o = if self.span[j] > 0.0 { (v - self.min[j]) / self.span[j] } else { 0.0 };
        }
        for (o, v) in out[k..].iter_mut().zip(self.fractions.row(i)) {
            *o = *v;
        }
    }

    /// The row whose scaled inputs are nearest `x` (Euclidean, NaN treated as 0; first on ties).
    pub(crate) fn nearest(&self, x: &[f64]) -> usize {
        let mut row = vec![0.0; self.width()];
        let mut best = (0, f64::INFINITY);
        for i in 0..self.len() {
            self.scaled_row(i, &mut row);
            let d: f64 = row
                .iter()
                .zip(x)
                .map(|(r, v)| {
                    let v = if v.is_nan() { 0.0 } else { *v };
                    (r - v) * (r - v)
                })
                .sum();
            if d < best.1 {
                best = (i, d);
            }
        }
        best.0
    }
}

/// Parse every formula; the union of elements (by atomic number) and the rows × elements
/// matrix of normalised atomic fractions.
fn element_fractions(formulas: &[String]) -> Result<(Vec<&'static str>, Array2<f64>), SpaceError> {
    let mut comps = Vec::with_capacity(formulas.len());
    let mut present = [false; 128];
    for (i, f) in formulas.iter().enumerate() {
        let c = crate::chem::Composition::parse(f).map_err(|e| SpaceError::Pool {
            path: "space.pool.path".into(),
            message: format!("row {} formula '{f}': {e}", i + 1),
        })?;
        let c = c.normalized();
        for (z, _) in c.iter_indexed() {
            present[z] = true;
        }
        comps.push(c);
    }
    let index: Vec<usize> = (0..present.len()).filter(|&z| present[z]).collect();
    let elements: Vec<&'static str> = index.iter().map(|&z| crate::chem::ELEMENTS[z]).collect();
    let mut fractions = Array2::zeros((formulas.len(), index.len()));
    for (i, c) in comps.iter().enumerate() {
        for (j, &z) in index.iter().enumerate() {
            fractions[[i, j]] = c.amount_by_index(z);
        }
    }
    Ok((elements, fractions))
}
