//! The table oracle: looks a pool row's measured values up in a table (retrospective
//! benchmarks: "had we searched this data set with crucible, how fast would we have found the
//! best rows?").
use std::path::Path;

use super::{Oracle, OracleError, Outcome, Request};
use crate::stop::StopFlag;

/// Values per pool row, read once from the pool (or another table with the same row order).
#[derive(Debug, Clone)]
pub struct TableOracle {
    properties: Vec<String>,
    /// rows × properties; `None` where the table has no value.
    values: Vec<Vec<Option<f64>>>,
}

impl TableOracle {
    /// `columns`: (property, column in the table), in property order.
    pub fn new(path: &Path, columns: &[(String, String)]) -> Result<Self, OracleError> {
        let df = crate::io::read_table(path)?;
        let mut cols = Vec::with_capacity(columns.len());
        for (_, col) in columns {
            cols.push(crate::io::numeric_column(&df, path, col)?);
        }
        let values = (0..df.height()).map(|i| cols.iter().map(|c| c[i]).collect()).collect();
        Ok(Self { properties: columns.iter().map(|(p, _)| p.clone()).collect(), values })
    }

    /// Number of rows in the table.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

impl Oracle for TableOracle {
    fn properties(&self) -> &[String] {
        &self.properties
    }

    fn evaluate(&self, batch: &[Request], _stop: &StopFlag) -> Result<Vec<Outcome>, OracleError> {
        Ok(batch
            .iter()
            .map(|r| {
                let Some(i) = r.pool_index else {
                    return Outcome::Failed { reason: "table oracle needs a pool candidate".into(), attempts: 1 };
                };
                let Some(row) = self.values.get(i) else {
                    return Outcome::Failed {
                        reason: format!("pool row {i} is not in the table ({} rows)", self.len()),
                        attempts: 1,
                    };
                };
                let mut out = Vec::with_capacity(row.len());
                for (p, v) in self.properties.iter().zip(row) {
                    match v {
                        Some(v) => out.push(*v),
                        None => {
                            return Outcome::Failed {
                                reason: format!("the table has no value of '{p}' for row {i}"),
                                attempts: 1,
                            }
                        }
                    }
                }
                Outcome::Measured(out)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_rows_and_fails_on_holes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pool.csv");
        std::fs::write(&p, "formula,ys\nFe,100\nNi,\nCo,300\n").unwrap();
        let o = TableOracle::new(&p, &[("yield".into(), "ys".into())]).unwrap();
        let req = |i| Request {
            candidate_id: 0,
            pool_index: Some(i),
            values: vec![],
            formula: None,
            inputs: vec![],
            composition: vec![],
        };
        let out = o.evaluate(&[req(2), req(1), req(9)], &StopFlag::new()).unwrap();
        assert_eq!(out[0], Outcome::Measured(vec![300.0]));
        assert!(matches!(&out[1], Outcome::Failed { reason, .. } if reason.contains("no value of 'yield' for row 1")));
        assert!(matches!(&out[2], Outcome::Failed { reason, .. } if reason.contains("row 9")));
        let e = TableOracle::new(&p, &[("yield".into(), "nope".into())]).unwrap_err().to_string();
        assert!(e.contains("no column 'nope'"), "{e}");
    }
}
