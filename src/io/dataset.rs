//! Labelled data sets for the surrogate: a formula column, target columns and numeric input
//! columns read into a [`LabeledTable`] (plain vectors; `None` for empty or NaN cells — the
//! surrogate's data layer decides what to do with them), the file's SHA-256 for provenance,
//! and writing a table back with prediction columns added.
use std::path::Path;

use polars::prelude::*;

use super::{column_names, numeric_column, read_table, string_column, write_table, IoError};
use crate::surrogate::LabeledTable;

/// Which numeric columns are model inputs (structure/processing parameters).
#[derive(Debug, Clone, Copy)]
pub enum InputColumns<'a> {
    /// None: a composition-only model.
    None,
    /// Every numeric column except the formula and target columns.
    AllNumeric,
    /// Exactly these columns (each must exist and be numeric).
    Named(&'a [String]),
}

/// Which columns to read.
#[derive(Debug, Clone, Copy)]
pub struct DatasetColumns<'a> {
    /// The formula column.
    pub formula: &'a str,
    /// Target columns (must exist and be numeric; empty for prediction).
    pub targets: &'a [String],
    /// Input columns.
    pub inputs: InputColumns<'a>,
}

/// SHA-256 of a file's bytes, hex.
pub fn sha256_file(path: &Path) -> Result<String, IoError> {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).map_err(|source| IoError::Open { path: path.to_owned(), source })?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

/// Read a labelled table. Errors: unreadable file, no rows, a missing column, a target or
/// input column that holds text. Missing and NaN values are kept as `None`.
pub fn read_labeled(path: &Path, cols: &DatasetColumns<'_>) -> Result<LabeledTable, IoError> {
    let df = read_table(path)?;
    if df.height() == 0 {
        return Err(IoError::Empty { path: path.to_owned() });
    }
    let formulas = string_column(&df, path, cols.formula)?;
    let mut targets = Vec::new();
    for t in cols.targets {
        targets.push((t.clone(), numeric_column(&df, path, t)?));
    }
    let names: Vec<String> = match cols.inputs {
        InputColumns::None => Vec::new(),
        InputColumns::Named(list) => list.to_vec(),
        InputColumns::AllNumeric => df
            .columns()
            .iter()
            .filter(|c| c.dtype().is_primitive_numeric())
            .map(|c| c.name().to_string())
            .filter(|n| n != cols.formula && !cols.targets.contains(n))
            .collect(),
    };
    let mut inputs = Vec::new();
    for n in names {
        let v = numeric_column(&df, path, &n)?;
        inputs.push((n, v));
    }
    Ok(LabeledTable { source: path.display().to_string(), sha256: sha256_file(path)?, formulas, targets, inputs })
}

/// Column names of a table file (for messages).
pub fn columns_of(path: &Path) -> Result<Vec<String>, IoError> {
    Ok(column_names(&read_table(path)?))
}

/// Read `src`, add (or replace) the given numeric and text columns (one value per row), and
/// write the result to `out` (CSV or Parquet by extension), atomically.
pub fn write_with_columns(
    src: &Path,
    out: &Path,
    numeric: Vec<(String, Vec<Option<f64>>)>,
    text: Vec<(String, Vec<Option<String>>)>,
) -> Result<(), IoError> {
    let mut df = read_table(src)?;
    let fmt = |e: PolarsError| IoError::Format { path: out.to_owned(), message: e.to_string() };
    for (name, values) in numeric {
        df.with_column(Column::new(name.into(), values)).map_err(fmt)?;
    }
    for (name, values) in text {
        df.with_column(Column::new(name.into(), values)).map_err(fmt)?;
    }
    write_table(&mut df, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_targets_inputs_and_writes_predictions() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("d.csv");
        std::fs::write(&p, "formula,temp,y,note\nFe2O3,300,1.5,a\nNaCl,,NaN,b\n").unwrap();
        let ys = vec!["y".to_string()];
        let cols = DatasetColumns { formula: "formula", targets: &ys, inputs: InputColumns::AllNumeric };
        let t = read_labeled(&p, &cols).unwrap();
        assert_eq!(t.formulas[1].as_deref(), Some("NaCl"));
        assert_eq!(t.targets[0].1, vec![Some(1.5), None]);
        assert_eq!(t.inputs.len(), 1);
        assert_eq!(t.inputs[0], ("temp".to_string(), vec![Some(300.0), None]));
        assert_eq!(t.sha256.len(), 64);
        let bad = vec!["note".to_string()];
        let e = read_labeled(&p, &DatasetColumns { targets: &bad, ..cols }).unwrap_err().to_string();
        assert!(e.contains("not numeric") && e.contains("note"), "{e}");
        let out = dir.path().join("o.csv");
        write_with_columns(&p, &out, vec![("y_mean".into(), vec![Some(1.0), None])], vec![]).unwrap();
        let back = read_table(&out).unwrap();
        assert_eq!(numeric_column(&back, &out, "y_mean").unwrap(), vec![Some(1.0), None]);
    }
}
