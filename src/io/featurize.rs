//! `crucible featurize`: a table of formulas in, the same table out with, per row, the
//! normalised formula, atomic fractions, Magpie descriptor statistics and the rule-of-mixtures
//! density — or, for a row that cannot be parsed, nulls and an `error` naming the reason.
//! Good rows are never lost because of bad ones.
use std::path::Path;

use polars::prelude::*;

use super::{column_names, read_table, string_column, write_table, IoError};
use crate::chem::{density, Composition, Featurizer};

/// A row that could not be featurised.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    /// 1-based data row.
    pub row: usize,
    /// Why.
    pub reason: String,
}

/// What a featurisation did.
#[derive(Debug, Clone)]
pub struct FeaturizeReport {
    /// Rows read.
    pub rows: usize,
    /// Rows featurised.
    pub ok: usize,
    /// Rows that failed, in order.
    pub errors: Vec<RowError>,
    /// Descriptor columns written.
    pub descriptors: usize,
}

/// Featurise the formulas in column `formula_col` of `df`: returns the table with columns
/// `row`, `formula_normalized`, `fractions` (`El:x` pairs, space-separated), `density`
/// (g/cm³), the descriptor columns and `error` added after the original ones.
pub fn featurize_frame(
    df: &DataFrame,
    path: &Path,
    formula_col: &str,
) -> Result<(DataFrame, FeaturizeReport), IoError> {
    let formulas = string_column(df, path, formula_col)?;
    let feat = Featurizer::magpie();
    let names = feat.names();
    let n = formulas.len();
    let mut norm: Vec<Option<String>> = Vec::with_capacity(n);
    let mut fracs: Vec<Option<String>> = Vec::with_capacity(n);
    let mut dens: Vec<Option<f64>> = Vec::with_capacity(n);
    let mut errs: Vec<Option<String>> = Vec::with_capacity(n);
    let mut cols: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(n); names.len()];
    let mut errors = Vec::new();
    for (i, f) in formulas.iter().enumerate() {
        let parsed = match f {
            None => Err("empty formula".to_string()),
            Some(s) => Composition::parse(s).map_err(|e| e.to_string()),
        };
        match parsed {
            Ok(c) => {
                let c = c.normalized();
                norm.push(Some(c.formula()));
                fracs.push(Some(c.iter().map(|(el, x)| format!("{el}:{x:.6}")).collect::<Vec<_>>().join(" ")));
                dens.push(density(&c).filter(|d| d.is_finite()));
                for (col, v) in cols.iter_mut().zip(feat.featurize(&c)) {
                    col.push(Some(v).filter(|v| v.is_finite()));
                }
                errs.push(None);
            }
            Err(reason) => {
                errors.push(RowError { row: i + 1, reason: reason.clone() });
                norm.push(None);
                fracs.push(None);
                dens.push(None);
                cols.iter_mut().for_each(|c| c.push(None));
                errs.push(Some(reason));
            }
        }
    }
    let existing = column_names(df);
    let fresh = |name: &str| if existing.iter().any(|c| c == name) { format!("{name}_") } else { name.to_string() };
    let mut out = df.clone();
    let mut add = |c: Column| {
        out.with_column(c).map(|_| ()).map_err(|e| IoError::Format { path: path.to_owned(), message: e.to_string() })
    };
    add(Column::new(fresh("row").into(), (1..=n as u64).collect::<Vec<_>>()))?;
    add(Column::new(fresh("formula_normalized").into(), norm))?;
    add(Column::new(fresh("fractions").into(), fracs))?;
    add(Column::new(fresh("density").into(), dens))?;
    for (name, col) in names.iter().zip(cols) {
        add(Column::new(fresh(name).into(), col))?;
    }
    add(Column::new(fresh("error").into(), errs))?;
    let report = FeaturizeReport { rows: n, ok: n - errors.len(), errors, descriptors: names.len() };
    Ok((out, report))
}

/// Read `input`, featurise column `formula_col`, write `output` (CSV or Parquet by extension).
pub fn featurize_file(input: &Path, output: &Path, formula_col: &str) -> Result<FeaturizeReport, IoError> {
    let df = read_table(input)?;
    let (mut out, report) = featurize_frame(&df, input, formula_col)?;
    write_table(&mut out, output)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rows_survive_bad_ones() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.csv");
        std::fs::write(&p, "formula,target\nFe2O3,1\nXx2O,2\nNaCl,3\n,4\nFe2(O3,5\n").unwrap();
        let out = dir.path().join("out.parquet");
        let rep = featurize_file(&p, &out, "formula").unwrap();
        assert_eq!((rep.rows, rep.ok), (5, 2));
        let rows: Vec<usize> = rep.errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![2, 4, 5]);
        assert!(rep.errors[0].reason.contains("Xx"), "{:?}", rep.errors[0]);
        let df = read_table(&out).unwrap();
        assert_eq!(df.height(), 5);
        let norm = string_column(&df, &out, "formula_normalized").unwrap();
        assert!(norm[0].is_some() && norm[1].is_none() && norm[2].is_some());
        let d = crate::io::numeric_column(&df, &out, "density").unwrap();
        assert!(d[0].unwrap() > 3.0 && d[1].is_none());
        let target = crate::io::numeric_column(&df, &out, "target").unwrap();
        assert_eq!(target[4], Some(5.0), "original columns are kept");
        assert_eq!(df.width(), 2 + 5 + rep.descriptors);
    }
}
