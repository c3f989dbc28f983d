//! The one factory: a validated [`CampaignSpec`] becomes the runtime pieces of a campaign.
use std::path::{Path, PathBuf};

use super::budget::Budget;
use super::CampaignError;
use crate::config::spec::{CampaignSpec, Derived, OptimizerKind, OracleSpec, PropertySource};
use crate::io::PoolColumns;
use crate::oracle::{FunctionOracle, Oracle, TableOracle};
use crate::space::spec::{ParameterSpec, SpaceSpec};
use crate::space::Space;
use crate::strategy::{RandomStrategy, Strategy};

/// Where a property's value comes from at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Position `k` in the oracle's output.
    Oracle(usize),
    /// Rule-of-mixtures density of the candidate's composition (g/cm³).
    Density,
}

/// A campaign property with its source.
#[derive(Debug, Clone)]
pub struct PropInfo {
    /// The property's name.
    pub name: String,
    /// Where its value comes from.
    pub source: Source,
}

/// Everything a campaign run needs, built once.
pub struct Components {
    /// The validated campaign.
    pub spec: CampaignSpec,
    /// The design space.
    pub space: Space,
    /// Parameter definitions (for rebuilding candidates from the log).
    pub parameters: Vec<ParameterSpec>,
    /// Pool input values (rows × inputs), for pool campaigns.
    pub pool_values: Option<ndarray::Array2<f64>>,
    /// Pool formulas, when the pool has a `formula` column.
    pub pool_formulas: Option<Vec<String>>,
    /// Properties in campaign order.
    pub properties: Vec<PropInfo>,
    /// The oracle.
    pub oracle: Box<dyn Oracle>,
    /// The strategy.
    pub strategy: Box<dyn Strategy>,
    /// Budget.
    pub budget: Budget,
    /// Initial-design size.
    pub initial: usize,
    /// Batch size after the initial design.
    pub batch_size: usize,
    /// The campaign file's folder (absolute when it could be resolved): input paths of the
    /// config resolve against it; `ingest` rebuilds the campaign from the run's copy with it.
    pub config_dir: PathBuf,
    /// The trained surrogate, once the run has prepared it (see [`super::model`]).
    pub model: Option<super::model::CampaignModel>,
}

impl Components {
    /// Whether the surrogate's predictions are the evaluation (`oracle: surrogate`).
    pub fn screens_in_silico(&self) -> bool {
        matches!(self.spec.oracle, OracleSpec::Surrogate)
    }
}

/// Property columns a pool/table holds for this campaign: (property, column).
fn table_columns(spec: &CampaignSpec) -> Vec<(String, String)> {
    spec.properties
        .iter()
        .filter_map(|p| match &p.source {
            PropertySource::Oracle => Some((p.name.clone(), p.name.clone())),
            PropertySource::Column(c) => Some((p.name.clone(), c.clone())),
            _ => None,
        })
        .collect()
}

/// Build the runtime pieces. `config_dir` is the campaign file's folder: external programs run
/// there and resolve relative paths against it.
pub fn build(spec: CampaignSpec, config_dir: &Path) -> Result<Components, CampaignError> {
    build_with(spec, config_dir, OracleUse::Evaluate)
}

/// Whether the campaign evaluates candidates itself or the lab does (`suggest` / `ingest`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OracleUse {
    /// Build the configured oracle.
    Evaluate,
    /// Results come from the lab through `ingest`: the configured oracle is not built (a lab
    /// campaign need not have a simulator installed), every non-derived property is measured.
    Lab,
}

/// [`build`], choosing whether the configured oracle is built.
pub fn build_with(spec: CampaignSpec, config_dir: &Path, use_: OracleUse) -> Result<Components, CampaignError> {
    let (space, parameters, pool_values, pool_formulas, pool_path) = match &spec.space {
        SpaceSpec::Pool(pool) => {
            let exclude: Vec<String> = table_columns(&spec).into_iter().map(|(_, c)| c).collect();
            let cols = PoolColumns { inputs: pool.inputs.as_deref(), exclude: &exclude, formula: Some("formula") };
            let table = crate::io::load_pool(&pool.path, &cols)?;
            let values = table.values.clone();
            let formulas = table.formulas.clone();
            (Space::new(&spec.space, Some(table))?, vec![], Some(values), formulas, Some(pool.path.clone()))
        }
        SpaceSpec::Design(d) => (Space::new(&spec.space, None)?, d.parameters.clone(), None, None, None),
    };
    let measured: Vec<String> = spec
        .properties
        .iter()
        .filter(|p| !matches!(p.source, PropertySource::Derived(_)))
        .map(|p| p.name.clone())
        .collect();
    let oracle: Box<dyn Oracle> = match &spec.oracle {
        _ if use_ == OracleUse::Lab => Box::new(NoEvaluation {
            properties: measured,
            why: "this run's results come from the lab: record them with `crucible ingest RUN_DIR RESULTS.csv`",
        }),
        OracleSpec::Function { functions } => Box::new(FunctionOracle::new(functions)?),
        OracleSpec::Table { path } => {
            let path = path
                .clone()
                .or(pool_path)
                .ok_or_else(|| CampaignError::Unsupported("oracle 'table' needs a pool space or a `path`".into()))?;
            Box::new(TableOracle::new(&path, &table_columns(&spec))?)
        }
        OracleSpec::Command(c) => crate::oracle::command_oracle(c, measured, config_dir.to_path_buf())?,
        OracleSpec::Surrogate => {
            if spec.surrogate.is_none() {
                return Err(CampaignError::Unsupported(
                    "oracle 'surrogate' needs a `surrogate:` section (the model whose predictions are the evaluation)"
                        .into(),
                ));
            }
            Box::new(NoEvaluation {
                properties: measured,
                why: "oracle 'surrogate' evaluates through the campaign's trained model, which is not loaded",
            })
        }
    };
    let mut properties = Vec::with_capacity(spec.properties.len());
    for p in &spec.properties {
        let source = match &p.source {
            PropertySource::Derived(Derived::Density) => Source::Density,
            _ => match oracle.properties().iter().position(|q| q == &p.name) {
                Some(k) => Source::Oracle(k),
                None => {
                    return Err(CampaignError::Unsupported(format!(
                        "property '{}' is not produced by the oracle (it gives: {})",
                        p.name,
                        oracle.properties().join(", ")
                    )))
                }
            },
        };
        properties.push(PropInfo { name: p.name.clone(), source });
    }
    let strategy: Box<dyn Strategy> = match spec.optimizer.kind {
        OptimizerKind::Random => Box::new(RandomStrategy),
        OptimizerKind::Bayesian => Box::new(crate::bo::BayesianStrategy::from_spec(&spec)),
        OptimizerKind::Genetic => Box::new(
            crate::evo::GeneticStrategy::new(crate::evo::GeneticSettings::from_spec(&spec))
                .map_err(|e| CampaignError::Unsupported(e.to_string()))?,
        ),
        OptimizerKind::Cmaes => Box::new(
            crate::evo::CmaesStrategy::new(crate::evo::CmaesSettings::from_spec(&spec))
                .map_err(|e| CampaignError::Unsupported(e.to_string()))?,
        ),
        OptimizerKind::Nsga2 => Box::new(
            crate::evo::Nsga2Strategy::new(crate::evo::Nsga2Settings::from_spec(&spec))
                .map_err(|e| CampaignError::Unsupported(e.to_string()))?,
        ),
    };
    let budget = Budget {
        evaluations: spec.budget.evaluations,
        iterations: spec.budget.iterations,
        wall_time: spec.budget.wall_time,
        stagnation: spec.budget.stagnation,
    };
    Ok(Components {
        initial: spec.optimizer.initial,
        batch_size: spec.optimizer.batch_size.max(1),
        spec,
        space,
        parameters,
        pool_values,
        pool_formulas,
        properties,
        oracle,
        strategy,
        budget,
        config_dir: config_dir.canonicalize().unwrap_or_else(|_| config_dir.to_path_buf()),
        model: None,
    })
}

/// An oracle that never evaluates: a lab campaign's (measurements arrive through
/// `crucible ingest`) and an in-silico campaign's (the campaign loop takes the surrogate's
/// predictions as the values). It only names the properties; `why` says where values come from.
struct NoEvaluation {
    properties: Vec<String>,
    why: &'static str,
}

impl Oracle for NoEvaluation {
    fn properties(&self) -> &[String] {
        &self.properties
    }

    fn evaluate(
        &self,
        _batch: &[crate::oracle::Request],
        _stop: &crate::stop::StopFlag,
    ) -> Result<Vec<crate::oracle::Outcome>, crate::oracle::OracleError> {
        Err(crate::oracle::OracleError::Unusable(self.why.into()))
    }
}

/// Load, validate and build a campaign file.
pub fn load(path: &Path) -> Result<(Components, crate::config::Loaded), CampaignError> {
    let loaded = crate::config::load(path)?;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let comp = build(loaded.spec.clone(), dir)?;
    Ok((comp, loaded))
}
