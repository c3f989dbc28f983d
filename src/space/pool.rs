//! A pool of enumerated candidates (rows of a CSV/Parquet table read by `io`): input column
//! selection and checks, min–max scaling for the encoding, and nearest-row decoding.
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
        Ok(Pool { columns, values, formulas: table.formulas, min, span })
    }

    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.values.nrows()
    }

    /// Row `i` scaled column-wise to `[0, 1]` (constant columns → 0).
    pub(crate) fn scaled_row(&self, i: usize, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate() {
            let v = self.values[[i, j]];
            *o = if self.span[j] > 0.0 { (v - self.min[j]) / self.span[j] } else { 0.0 };
        }
    }

    /// The row whose scaled inputs are nearest `x` (Euclidean, NaN treated as 0; first on ties).
    pub(crate) fn nearest(&self, x: &[f64]) -> usize {
        let mut row = vec![0.0; self.columns.len()];
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
