//! Data tables in and out: CSV or Parquet chosen by file extension, column access with
//! precise errors, and the NaN policy. One of the two homes of `polars` (with `store/`).
//!
//! Row numbers in messages are 1-based data rows (the header is not counted), so "row 3" is
//! the third record, which is line 4 of a CSV file.
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::space::PoolTable;

pub mod dataset;
pub mod featurize;

/// Errors reading or writing tables.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file does not exist or cannot be opened.
    #[error("{path}: cannot open: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The extension is neither .csv nor .parquet.
    #[error("{path}: unsupported file type (expected a .csv or .parquet file)")]
    Extension {
        /// The file.
        path: PathBuf,
    },
    /// polars could not parse or write the file.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What polars said.
        message: String,
    },
    /// A required column is missing.
    #[error("{path}: no column '{column}' (columns: {available})")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The columns present, comma-separated.
        available: String,
    },
    /// A column that must be numeric is not.
    #[error("{path}: column '{column}' is not numeric: row {row} holds '{value}'")]
    NotNumeric {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// The first offending row (1-based).
        row: usize,
        /// Its text.
        value: String,
    },
    /// Missing or NaN values where the policy is to refuse them.
    #[error("{path}: column '{column}' has {count} missing/NaN values (first at row {first_row})")]
    Missing {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// How many.
        count: usize,
        /// The first (1-based).
        first_row: usize,
    },
    /// The table has no rows.
    #[error("{path}: the table has no rows")]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// What to do with rows whose values are missing or NaN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NanPolicy {
    /// Drop those rows and report how many were dropped.
    Drop,
    /// Refuse the table, naming the column and the first bad row.
    Error,
}

fn ext(path: &Path) -> Result<&'static str, IoError> {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Ok("csv"),
        Some("parquet") | Some("pq") => Ok("parquet"),
        _ => Err(IoError::Extension { path: path.to_owned() }),
    }
}

fn fmt_err(path: &Path, e: PolarsError) -> IoError {
    IoError::Format { path: path.to_owned(), message: e.to_string() }
}

/// Read a CSV (header required; types inferred from every row) or Parquet table.
pub fn read_table(path: &Path) -> Result<DataFrame, IoError> {
    let kind = ext(path)?;
    let file = File::open(path).map_err(|source| IoError::Open { path: path.to_owned(), source })?;
    let df = match kind {
        "csv" => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(None)
            .into_reader_with_file_handle(file)
            .finish(),
        _ => ParquetReader::new(file).finish(),
    }
    .map_err(|e| fmt_err(path, e))?;
    Ok(df)
}

/// Write a table as CSV or Parquet (by extension) atomically: a temporary file is written
/// next to the target and renamed over it, so a crash never leaves a half-written file.
pub fn write_table(df: &mut DataFrame, path: &Path) -> Result<(), IoError> {
    let kind = ext(path)?;
    let tmp = path.with_extension(format!("{kind}.tmp"));
    let open_err = |source| IoError::Open { path: tmp.clone(), source };
    let mut file = File::create(&tmp).map_err(open_err)?;
    match kind {
        "csv" => CsvWriter::new(&mut file).finish(df).map_err(|e| fmt_err(path, e))?,
        _ => {
            ParquetWriter::new(&mut file).finish(df).map_err(|e| fmt_err(path, e))?;
        }
    }
    file.sync_all().map_err(|source| IoError::Open { path: tmp.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| IoError::Open { path: path.to_owned(), source })
}

fn column<'a>(df: &'a DataFrame, path: &Path, name: &str) -> Result<&'a Column, IoError> {
    df.column(name).map_err(|_| IoError::MissingColumn {
        path: path.to_owned(),
        column: name.to_owned(),
        available: df.get_column_names().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "),
    })
}

/// A column as numbers; `None` for nulls and NaNs. Text that does not parse as a number is an
/// error naming the row.
pub fn numeric_column(df: &DataFrame, path: &Path, name: &str) -> Result<Vec<Option<f64>>, IoError> {
    let col = column(df, path, name)?;
    if col.dtype().is_primitive_numeric() || col.dtype() == &DataType::Boolean {
        let c = col.cast(&DataType::Float64).map_err(|e| fmt_err(path, e))?;
        let ca = c.f64().map_err(|e| fmt_err(path, e))?;
        return Ok(ca.iter().map(|v| v.filter(|x| !x.is_nan())).collect());
    }
    if col.dtype() == &DataType::Null {
        return Ok(vec![None; col.len()]);
    }
    let s = col.cast(&DataType::String).map_err(|e| fmt_err(path, e))?;
    let ca = s.str().map_err(|e| fmt_err(path, e))?;
    let mut out = Vec::with_capacity(ca.len());
    for (i, v) in ca.iter().enumerate() {
        match v.map(str::trim) {
            None | Some("") => out.push(None),
            Some(t) => match t.parse::<f64>() {
                Ok(x) if x.is_nan() => out.push(None),
                Ok(x) => out.push(Some(x)),
                Err(_) => {
                    return Err(IoError::NotNumeric {
                        path: path.to_owned(),
                        column: name.to_owned(),
                        row: i + 1,
                        value: t.to_owned(),
                    })
                }
            },
        }
    }
    Ok(out)
}

/// A column as text (numbers are formatted); `None` for nulls.
pub fn string_column(df: &DataFrame, path: &Path, name: &str) -> Result<Vec<Option<String>>, IoError> {
    let col = column(df, path, name)?;
    let s = col.cast(&DataType::String).map_err(|e| fmt_err(path, e))?;
    let ca = s.str().map_err(|e| fmt_err(path, e))?;
    Ok(ca.iter().map(|v| v.map(str::to_owned)).collect())
}

/// Names of a table's columns.
pub fn column_names(df: &DataFrame) -> Vec<String> {
    df.get_column_names().iter().map(|s| s.to_string()).collect()
}

/// Which columns of a pool file are inputs and which hold a formula.
#[derive(Debug, Clone)]
pub struct PoolColumns<'a> {
    /// Input columns; `None` means every numeric column not listed in `exclude`.
    pub inputs: Option<&'a [String]>,
    /// Property columns (never inputs).
    pub exclude: &'a [String],
    /// The formula column, if the pool has one (`formula` by default).
    pub formula: Option<&'a str>,
}

/// Load a pool file into a [`PoolTable`]: numeric inputs (no missing values allowed: a pool
/// row must be a complete candidate) and, when present, the formula column.
pub fn load_pool(path: &Path, cols: &PoolColumns<'_>) -> Result<PoolTable, IoError> {
    let df = read_table(path)?;
    if df.height() == 0 {
        return Err(IoError::Empty { path: path.to_owned() });
    }
    let formula_col = cols.formula.filter(|f| df.column(f).is_ok());
    let inputs: Vec<String> = match cols.inputs {
        Some(list) => list.to_vec(),
        None => df
            .columns()
            .iter()
            .filter(|c| c.dtype().is_primitive_numeric())
            .map(|c| c.name().to_string())
            .filter(|n| !cols.exclude.contains(n) && Some(n.as_str()) != formula_col)
            .collect(),
    };
    let mut values = ndarray::Array2::<f64>::zeros((df.height(), inputs.len()));
    for (j, name) in inputs.iter().enumerate() {
        let v = numeric_column(&df, path, name)?;
        let missing: Vec<usize> = v.iter().enumerate().filter(|(_, x)| x.is_none()).map(|(i, _)| i).collect();
        if let Some(&first) = missing.first() {
            return Err(IoError::Missing {
                path: path.to_owned(),
                column: name.to_string(),
                count: missing.len(),
                first_row: first + 1,
            });
        }
        for (i, x) in v.into_iter().enumerate() {
            values[[i, j]] = x.unwrap_or(f64::NAN);
        }
    }
    let formulas = match formula_col {
        Some(f) => Some(string_column(&df, path, f)?.into_iter().map(Option::unwrap_or_default).collect()),
        None => None,
    };
    Ok(PoolTable { columns: inputs, values, formulas })
}

/// Quote one CSV field when it needs it (comma, quote, newline, or surrounding spaces).
pub fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        std::borrow::Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Write a CSV file of text cells atomically (temporary file, fsync, rename).
pub fn write_csv(path: &Path, header: &[String], rows: &[Vec<String>]) -> Result<(), IoError> {
    use std::io::Write;
    let tmp = path.with_extension("csv.tmp");
    let err = |source| IoError::Open { path: path.to_owned(), source };
    let mut out = String::new();
    for line in std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())) {
        out.push_str(&line.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    let mut f = File::create(&tmp).map_err(err)?;
    f.write_all(out.as_bytes()).map_err(err)?;
    f.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn csv_and_parquet_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "t.csv", "formula,x,y\nFe2O3,1.5,2\nNaCl,,3\n");
        let mut df = read_table(&p).unwrap();
        assert_eq!(numeric_column(&df, &p, "x").unwrap(), vec![Some(1.5), None]);
        let q = dir.path().join("t.parquet");
        write_table(&mut df, &q).unwrap();
        let back = read_table(&q).unwrap();
        assert_eq!(string_column(&back, &q, "formula").unwrap()[1].as_deref(), Some("NaCl"));
        assert!(!dir.path().join("t.parquet.tmp").exists());
    }

    #[test]
    fn bad_tables_name_what_and_where() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "t.csv", "formula,target\nFe,1\nNi,abc\n");
        let df = read_table(&p).unwrap();
        let e = numeric_column(&df, &p, "target").unwrap_err().to_string();
        assert!(e.contains("target") && e.contains("row 2") && e.contains("abc"), "{e}");
        let e = numeric_column(&df, &p, "tagret").unwrap_err().to_string();
        assert!(e.contains("no column 'tagret'") && e.contains("formula, target"), "{e}");
        let e = read_table(&dir.path().join("t.xlsx")).unwrap_err().to_string();
        assert!(e.contains(".csv or .parquet"), "{e}");
        let e = read_table(&dir.path().join("missing.csv")).unwrap_err().to_string();
        assert!(e.contains("missing.csv") && e.contains("cannot open"), "{e}");
    }

    #[test]
    fn pool_loads_inputs_and_refuses_holes() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "pool.csv", "formula,a,b,y\nFe,1,2,10\nNi,3,4,20\n");
        let excl = vec!["y".to_string()];
        let pool = load_pool(&p, &PoolColumns { inputs: None, exclude: &excl, formula: Some("formula") }).unwrap();
        assert_eq!(pool.columns, vec!["a", "b"]);
        assert_eq!(pool.values[[1, 0]], 3.0);
        assert_eq!(pool.formulas.as_ref().unwrap()[0], "Fe");
        let q = write(dir.path(), "holes.csv", "a,b\n1,2\n,4\n");
        let e = load_pool(&q, &PoolColumns { inputs: None, exclude: &[], formula: None }).unwrap_err().to_string();
        assert!(e.contains("'a'") && e.contains("row 2"), "{e}");
    }

    #[test]
    fn csv_quoting_round_trips_through_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("q.csv");
        let rows = vec![vec!["1".to_string(), "a, b".to_string(), "say \"hi\"".to_string()]];
        write_csv(&p, &["id".into(), "x".into(), "y".into()], &rows).unwrap();
        let df = read_table(&p).unwrap();
        assert_eq!(string_column(&df, &p, "x").unwrap()[0].as_deref(), Some("a, b"));
        assert_eq!(string_column(&df, &p, "y").unwrap()[0].as_deref(), Some("say \"hi\""));
    }
}
