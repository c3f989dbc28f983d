//! Oracles: what evaluates a candidate. Built-in analytic [`functions`] and a [`table`] lookup
//! for retrospective benchmarks. Never sees strategies or the store.
//!
//! A failed evaluation (a NaN, a missing table value) is an [`Outcome::Failed`] row, not an
//! error: `Err` means the oracle as a whole is unusable.
pub mod command;
pub mod functions;
pub mod slurm;
pub mod table;

use std::collections::BTreeMap;

use crate::stop::StopFlag;
pub use command::CommandOracle;
pub use slurm::SlurmOracle;
pub use table::TableOracle;

/// The command oracle for `spec`'s launcher: [`CommandOracle`] (local) or [`SlurmOracle`].
pub fn command_oracle(
    spec: &crate::config::spec::CommandSpec,
    properties: Vec<String>,
    workdir: std::path::PathBuf,
) -> Result<Box<dyn Oracle>, OracleError> {
    Ok(match spec.launcher {
        crate::config::spec::Launcher::Local => Box::new(CommandOracle::new(spec, properties, workdir)?),
        crate::config::spec::Launcher::Slurm(_) => Box::new(SlurmOracle::new(spec, properties, workdir)?),
    })
}

/// Errors of an oracle that cannot be used at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OracleError {
    /// A built-in function name is unknown.
    #[error("unknown function '{name}' (known: {known})")]
    UnknownFunction {
        /// The name given.
        name: String,
        /// The known names.
        known: String,
    },
    /// The table cannot be read or lacks a column.
    #[error("table oracle: {0}")]
    Table(#[from] crate::io::IoError),
    /// Anything else that makes the oracle unusable.
    #[error("{0}")]
    Unusable(String),
}

/// What an oracle is given for one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The candidate's id in the log.
    pub candidate_id: u64,
    /// For pool campaigns: the row in the pool file (0-based).
    pub pool_index: Option<usize>,
    /// Numeric inputs in natural units, in the space's column order (categoricals as index).
    pub values: Vec<f64>,
    /// The candidate's normalised formula, when it has a composition.
    pub formula: Option<String>,
    /// Named input values, in the space's column order (categoricals as their choice name).
    pub inputs: Vec<(String, crate::space::Cell)>,
    /// Atomic fractions of the candidate's composition (element, fraction), when it has one.
    pub composition: Vec<(String, f64)>,
}

/// The result of evaluating one candidate.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Values per property, in the oracle's [`Oracle::properties`] order.
    Measured(Vec<f64>),
    /// The evaluation failed; the reason is recorded in the log.
    Failed {
        /// Why.
        reason: String,
        /// How many attempts were made.
        attempts: u32,
    },
}

/// Evaluates batches of candidates.
pub trait Oracle: Send + Sync {
    /// The properties this oracle returns, in order.
    fn properties(&self) -> &[String];
    /// One outcome per request, same order. Stops starting new work once `stop` is set;
    /// requests not evaluated then are `Failed` with reason "interrupted".
    fn evaluate(&self, batch: &[Request], stop: &StopFlag) -> Result<Vec<Outcome>, OracleError>;
    /// The campaign's run directory, told once before the first [`Oracle::evaluate`]; an oracle
    /// that keeps per-candidate state there (the Slurm launcher's job records) remembers it.
    fn attach_run_dir(&mut self, _dir: &std::path::Path) {}
}

/// Built-in analytic functions, one per property.
#[derive(Debug, Clone)]
pub struct FunctionOracle {
    properties: Vec<String>,
    functions: Vec<String>,
}

impl FunctionOracle {
    /// `functions`: property name → function name (see [`functions::NAMES`]).
    pub fn new(functions: &BTreeMap<String, String>) -> Result<Self, OracleError> {
        for f in functions.values() {
            if !functions::NAMES.contains(&f.as_str()) {
                return Err(OracleError::UnknownFunction { name: f.clone(), known: functions::NAMES.join(", ") });
            }
        }
        Ok(Self { properties: functions.keys().cloned().collect(), functions: functions.values().cloned().collect() })
    }
}

impl Oracle for FunctionOracle {
    fn properties(&self) -> &[String] {
        &self.properties
    }

    /// Candidates are evaluated in parallel on rayon's threads (the functions are CPU work);
    /// the outcomes keep the batch's order, so results do not depend on the thread count.
    fn evaluate(&self, batch: &[Request], stop: &StopFlag) -> Result<Vec<Outcome>, OracleError> {
        use rayon::prelude::*;
        Ok(batch
            .par_iter()
            .map(|r| {
                if stop.is_stopped() {
                    return Outcome::Failed { reason: "interrupted".into(), attempts: 0 };
                }
                let mut out = Vec::with_capacity(self.functions.len());
                for f in &self.functions {
                    match functions::evaluate(f, &r.values) {
                        Some(v) if v.is_finite() => out.push(v),
                        Some(v) => return Outcome::Failed { reason: format!("{f} returned {v}"), attempts: 1 },
                        None => {
                            let need = functions::arity(f).map_or("at least 1".to_string(), |n| n.to_string());
                            return Outcome::Failed {
                                reason: format!("{f} cannot take these {} inputs (needs {need})", r.values.len()),
                                attempts: 1,
                            };
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
    fn function_oracle_measures_and_fails_per_row() {
        let map: BTreeMap<String, String> = [("f".to_string(), "branin".to_string())].into();
        let o = FunctionOracle::new(&map).unwrap();
        let req = |v: Vec<f64>| Request {
            candidate_id: 0,
            pool_index: None,
            values: v,
            formula: None,
            inputs: vec![],
            composition: vec![],
        };
        let out = o.evaluate(&[req(vec![std::f64::consts::PI, 2.275]), req(vec![1.0])], &StopFlag::new()).unwrap();
        match &out[0] {
            Outcome::Measured(v) => assert!((v[0] - 0.397887).abs() < 1e-5),
            other => panic!("{other:?}"),
        }
        assert!(matches!(&out[1], Outcome::Failed { reason, .. } if reason.contains("needs 2")));
        let stop = StopFlag::new();
        stop.stop();
        let out = o.evaluate(&[req(vec![0.0, 0.0])], &stop).unwrap();
        assert!(matches!(&out[0], Outcome::Failed { reason, .. } if reason == "interrupted"));
    }

    #[test]
    fn unknown_function_is_refused() {
        let map: BTreeMap<String, String> = [("f".to_string(), "brannin".to_string())].into();
        let e = FunctionOracle::new(&map).unwrap_err().to_string();
        assert!(e.contains("brannin") && e.contains("branin"), "{e}");
    }
}
