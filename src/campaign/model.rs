//! The campaign's surrogate: fine-tuned from the configured checkpoint on the campaign's
//! labelled data (`surrogate.data`) plus every measurement already in the run's log, saved in
//! `RUN_DIR/model/`, and asked for a prediction (mean and std) of every candidate before it is
//! evaluated. With `oracle: surrogate` the predictions are the evaluation (in-silico screening).
//!
//! Which properties it predicts: every property measured by the oracle (no `derived` or
//! `column` source) that has labels — a column named in `surrogate.targets`, else a column of
//! the property's own name in the data file, or measured values in the log. Which inputs it
//! takes besides the composition: the space's numeric parameters that the data file also has
//! as columns (same name); other parameters are not seen by the model.
//!
//! A run trains the model once, at its start; `--resume` loads it from `RUN_DIR/model/` and
//! `ingest` trains it again on all data so that the next `suggest` uses the new results.
use std::path::Path;
use std::time::Instant;

use ndarray::Array2;

use super::build::{Components, Source};
use super::CampaignError;
use crate::config::spec::{
    Descriptors, Device, Freeze as SpecFreeze, SurrogateKind, SurrogateSpec, TrainOptimizer, UncertaintyMethod,
};
use crate::gp::pca::Projection;
use crate::io::dataset::{columns_of, read_labeled, DatasetColumns, InputColumns};
use crate::space::{Candidate, Cell};
use crate::strategy::FeatureMap;
use crate::surrogate::{
    self, DescriptorSet, DescriptorSettings, DeviceChoice, FitProgress, FitSettings, Freeze, KindChoice, LabeledTable,
    ModelInputs, NeuralSurrogate, OptimizerKind, Start, TaskRequest, TaskSource, TrainSettings, TrainingSet,
};

/// The column of `surrogate.data` holding formulas.
pub const FORMULA_COLUMN: &str = "formula";

/// The trained campaign surrogate.
pub struct CampaignModel {
    net: NeuralSurrogate,
    /// Principal components of its embedding over a fixed sample of the space (for BO).
    projection: Projection,
    /// Encoded columns of the space passed to BO next to the embedding (parameters, pool
    /// inputs: what the composition embedding does not see).
    side_columns: Vec<usize>,
    /// Campaign properties whose predicted mean is a BO feature (the objectives predicted).
    mean_features: Vec<usize>,
    /// Per campaign property: the model task that predicts it.
    task_of: Vec<Option<usize>>,
    /// The model's structure/processing inputs (space column names), in the model's order.
    inputs: Vec<String>,
    /// SHA-256 of the model card, recorded as `model_hash` on every row it predicted.
    pub hash: String,
    /// One line on what it is, for the terminal.
    pub description: String,
}

/// The surrogate's prediction of one candidate, per campaign property (`None` where the
/// property is not predicted).
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Predicted mean.
    pub mean: Vec<Option<f64>>,
    /// Predicted standard deviation (ensemble spread or GP posterior).
    pub std: Vec<Option<f64>>,
    /// Elements of the candidate the model never saw in training.
    pub unseen: Vec<&'static str>,
}

/// What happens while the surrogate is prepared, for progress display.
#[derive(Debug, Clone)]
pub enum ModelEvent {
    /// Fine-tuning starts.
    Training {
        /// Labelled rows (after merging repeated compositions).
        rows: usize,
        /// Ensemble members.
        members: usize,
        /// Where it starts from (`scratch` or the checkpoint folder).
        from: String,
    },
    /// One epoch of one member finished.
    Epoch(FitProgress),
    /// The model is ready.
    Ready {
        /// Its one-line description.
        description: String,
        /// Where it came from: `trained in 3.2s`, `loaded from the run directory`, ...
        how: String,
    },
}

fn unsupported(m: impl Into<String>) -> CampaignError {
    CampaignError::Unsupported(m.into())
}

fn model_err(e: surrogate::SurrogateError) -> CampaignError {
    CampaignError::Unsupported(format!("surrogate: {e}"))
}

/// Names of the properties the surrogate can predict, with the data column of each (if the
/// data file has one). Properties that have neither a data column nor log measurements get no
/// model task.
fn target_columns(comp: &Components, s: &SurrogateSpec) -> Result<Vec<(usize, Option<String>)>, CampaignError> {
    let file_cols = match &s.data {
        Some(p) => columns_of(p)?,
        None => Vec::new(),
    };
    let mut out = Vec::new();
    for (k, p) in comp.properties.iter().enumerate() {
        if !matches!(p.source, Source::Oracle(_)) {
            continue;
        }
        // A `column:` property measured by a table oracle (a retrospective pool campaign) is
        // learned from the log's measurements; a data-file column is used for it only when
        // `targets` names one (the pool file itself would hand the model every answer).
        let from_table = matches!(
            comp.spec.property(&p.name).map(|q| &q.source),
            Some(crate::config::spec::PropertySource::Column(_))
        );
        let col = s.targets.get(&p.name).cloned().unwrap_or_else(|| p.name.clone());
        let has = file_cols.iter().any(|c| c == &col) && (!from_table || s.targets.contains_key(&p.name));
        if s.targets.contains_key(&p.name) && !has {
            if let Some(path) = &s.data {
                return Err(unsupported(format!(
                    "surrogate.targets: property '{}' maps to column '{col}', which {} does not have (columns: {})",
                    p.name,
                    path.display(),
                    file_cols.join(", ")
                )));
            }
        }
        out.push((k, has.then_some(col)));
    }
    Ok(out)
}

/// The space's numeric input columns the data file also has (the model's extra inputs).
fn shared_inputs(comp: &Components, s: &SurrogateSpec) -> Result<Vec<String>, CampaignError> {
    let Some(path) = &s.data else { return Ok(Vec::new()) };
    let file_cols = columns_of(path)?;
    let space_cols = comp.space.input_columns();
    Ok(space_cols
        .into_iter()
        .filter(|c| file_cols.contains(c) && !comp.properties.iter().any(|p| &p.name == c))
        .collect())
}

/// The labelled rows the log holds: (candidate, property values).
pub type Measured = (Candidate, Vec<Option<f64>>);

fn log_table(comp: &Components, inputs: &[String], props: &[usize], measured: &[Measured]) -> Option<LabeledTable> {
    let mut t = LabeledTable { source: "run log".into(), sha256: String::new(), ..Default::default() };
    t.targets = props.iter().map(|&k| (comp.properties[k].name.clone(), Vec::new())).collect();
    t.inputs = inputs.iter().map(|n| (n.clone(), Vec::new())).collect();
    for (c, values) in measured {
        let Some(formula) = comp.composition(c).map(|x| x.formula()) else { continue };
        if props.iter().all(|&k| values[k].is_none()) {
            continue;
        }
        t.formulas.push(Some(formula));
        for (j, &k) in props.iter().enumerate() {
            t.targets[j].1.push(values[k].filter(|v| v.is_finite()));
        }
        let cells = comp.space.cells(c);
        for (name, col) in t.inputs.iter_mut() {
            col.push(cell_value(&cells, name));
        }
    }
    (!t.formulas.is_empty()).then_some(t)
}

fn cell_value(cells: &[(String, Cell)], name: &str) -> Option<f64> {
    cells.iter().find(|(n, _)| n == name).and_then(|(_, c)| match c {
        Cell::F64(v) => Some(*v).filter(|v| v.is_finite()),
        Cell::I64(v) => Some(*v as f64),
        Cell::Str(_) => None,
    })
}

/// The device to train and predict on. Also sets libtorch to one thread, as the CLI's
/// default: the shipped model's small tensors run several times faster on one thread than on
/// two (`surrogate::set_threads`).
fn device(d: Device) -> Result<surrogate::Device, CampaignError> {
    surrogate::set_threads(None);
    let choice = match d {
        Device::Cpu => DeviceChoice::Cpu,
        Device::Cuda => DeviceChoice::Cuda,
        Device::Auto => DeviceChoice::Auto,
    };
    surrogate::resolve_device(choice).map_err(model_err)
}

fn fit_settings(s: &SurrogateSpec, seed: u64, dev: surrogate::Device) -> FitSettings {
    let f = &s.finetune;
    let members = match (s.kind, s.uncertainty) {
        (_, Some(u)) if u.method == UncertaintyMethod::Ensemble => u.members,
        (SurrogateKind::Ensemble, _) => 5,
        _ => 1,
    };
    let freeze = match (s.pretrained.is_some(), f.freeze) {
        (false, _) => Freeze::None,
        (true, SpecFreeze::Backbone) => Freeze::Heads,
        (true, SpecFreeze::TopK(k)) => Freeze::TopBlocks(k),
        (true, SpecFreeze::None) => Freeze::None,
    };
    FitSettings {
        train: TrainSettings {
            epochs: f.epochs,
            batch_size: f.batch_size,
            lr: f.lr,
            weight_decay: f.weight_decay,
            optimizer: match f.optimizer {
                TrainOptimizer::AdamW => OptimizerKind::AdamW,
                TrainOptimizer::Sgd => OptimizerKind::Sgd,
            },
            patience: f.early_stopping.map_or(0, |e| e.patience),
            seed,
            ..TrainSettings::default()
        },
        val_frac: 0.15,
        test_frac: 0.0,
        freeze,
        dropout: Some(f.dropout),
        members,
        bootstrap: s.uncertainty.is_some_and(|u| u.bootstrap),
        rotate_val: s.uncertainty.is_some_and(|u| u.rotate_validation),
        device: dev,
        descriptors: DescriptorSettings::of(match f.descriptors {
            Descriptors::None => DescriptorSet::None,
            Descriptors::Magpie => DescriptorSet::Magpie,
            Descriptors::Fractions => DescriptorSet::Fractions,
            Descriptors::MagpieFractions => DescriptorSet::MagpieFractions,
        }),
        ..FitSettings::default()
    }
}

/// Train the campaign's surrogate on its data file plus `measured` (the log's measurements),
/// and save it in `dir` (replacing what was there only once the new model is complete).
/// `None` when the campaign has no `surrogate`.
pub fn train(
    comp: &Components,
    dir: &Path,
    measured: &[Measured],
    on_event: &mut dyn FnMut(&ModelEvent),
) -> Result<Option<CampaignModel>, CampaignError> {
    let Some(s) = comp.spec.surrogate.clone() else { return Ok(None) };
    let t0 = Instant::now();
    if s.kind == SurrogateKind::Gp {
        return embedding_only(comp, &s, on_event);
    }
    let probe = comp.space.sample(1, &mut crate::rng::stream(0, "surrogate-probe", 0))?;
    if comp.space.pool_len().is_none() && probe.first().and_then(|c| comp.space.composition(c)).is_none() {
        return Err(unsupported("the surrogate predicts from compositions; this space has none"));
    }
    let dev = device(s.device)?;
    let targets = target_columns(comp, &s)?;
    let inputs = shared_inputs(comp, &s)?;
    let mut sources = Vec::new();
    let request = |k: usize| TaskRequest {
        name: comp.properties[k].name.clone(),
        kind: KindChoice::Regression,
        unit: comp.spec.property(&comp.properties[k].name).and_then(|p| p.unit.clone()),
    };
    if let Some(path) = &s.data {
        let with_col: Vec<&(usize, Option<String>)> = targets.iter().filter(|t| t.1.is_some()).collect();
        if !with_col.is_empty() {
            let cols: Vec<String> = with_col.iter().map(|t| t.1.clone().expect("filtered")).collect();
            let cols_spec =
                DatasetColumns { formula: FORMULA_COLUMN, targets: &cols, inputs: InputColumns::Named(&inputs) };
            let table = read_labeled(path, &cols_spec)?;
            sources.push(TaskSource { table, tasks: with_col.iter().map(|t| request(t.0)).collect() });
        }
    }
    let props: Vec<usize> = targets.iter().map(|t| t.0).collect();
    if let Some(table) = log_table(comp, &inputs, &props, measured) {
        sources.push(TaskSource { table, tasks: props.iter().map(|&k| request(k)).collect() });
    }
    if sources.is_empty() && s.retrain_every.is_some() && !comp.screens_in_silico() {
        // Nothing measured yet: the first model is trained once `retrain_every` measurements
        // are in; until then the optimizer works without one.
        return Ok(None);
    }
    if sources.is_empty() {
        return Err(unsupported(format!(
            "the surrogate has nothing to learn from: no property has labels in {} (looked for columns {}); \
             give `surrogate.data`, or set `surrogate.retrain_every` to train it on the run's own measurements",
            s.data.as_ref().map_or("the data (no `surrogate.data`)".to_string(), |p| p.display().to_string()),
            targets
                .iter()
                .map(|(k, c)| c.clone().unwrap_or_else(|| comp.properties[*k].name.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let set = TrainingSet::build(&sources).map_err(model_err)?;
    let settings = fit_settings(
        &s,
        {
            use rand::Rng;
            crate::rng::stream(comp.spec.seed, "surrogate", measured.len() as u64).random::<u32>() as u64
        },
        dev,
    );
    let source = match &s.pretrained {
        Some(p) => Some(NeuralSurrogate::load(p, dev).map_err(model_err)?),
        None => None,
    };
    let from = s.pretrained.as_ref().map_or("scratch".to_string(), |p| p.display().to_string());
    on_event(&ModelEvent::Training { rows: set.len(), members: settings.members, from: from.clone() });
    let start = match &source {
        Some(m) => Start::From { model: m, name: from },
        None => Start::Scratch,
    };
    let data = set.clone();
    let mut net = surrogate::finetune(set, start, &settings, &mut |p| on_event(&ModelEvent::Epoch(p.clone())))
        .map_err(model_err)?;
    // The std is scaled to be calibrated on the validation split (the rows early stopping
    // watched, never trained on): raw ensemble spreads and GP posteriors are over-confident
    // (experiments/finetune-steels).
    let gp_mean = s.uncertainty.is_some_and(|u| u.gp_mean);
    let mean = if gp_mean { surrogate::GpMean::Gp } else { surrogate::GpMean::Network };
    let recipe = surrogate::fit::UncertaintyRecipe {
        gp: s.uncertainty.filter(|u| u.method == UncertaintyMethod::Gp).map(|_| mean),
        member_gp_mean: gp_mean,
        recalibrate: true,
    };
    surrogate::fit::attach_uncertainty(&mut net, &data, &settings, recipe).map_err(model_err)?;
    save_replacing(&mut net, dir)?;
    let model = CampaignModel::from_net(comp, net, dir, false)?;
    let how = format!("trained in {}", super::fmt_duration(t0.elapsed()));
    on_event(&ModelEvent::Ready { description: model.description.clone(), how });
    Ok(Some(model))
}

/// `kind: gp`: nothing is trained; the pretrained checkpoint's embedding gives the Bayesian
/// optimizer its features (its GPs are fitted on them). Without `pretrained` there is no
/// model: the optimizer's GPs use the space's own encoding.
fn embedding_only(
    comp: &Components,
    s: &SurrogateSpec,
    on_event: &mut dyn FnMut(&ModelEvent),
) -> Result<Option<CampaignModel>, CampaignError> {
    let t0 = Instant::now();
    if comp.screens_in_silico() {
        return Err(unsupported(
            "oracle 'surrogate' needs a model that predicts the properties (surrogate kind finetuned or ensemble); \
             kind 'gp' gives the Bayesian optimizer a GP on the pretrained embedding",
        ));
    }
    let Some(p) = &s.pretrained else { return Ok(None) };
    let net = NeuralSurrogate::load(p, device(s.device)?).map_err(model_err)?;
    let model = CampaignModel::from_net(comp, net, p, true)?;
    let how = format!("loaded in {}", super::fmt_duration(t0.elapsed()));
    on_event(&ModelEvent::Ready { description: model.description.clone(), how });
    Ok(Some(model))
}

/// Save into a sibling folder, then swap it in: a crash leaves the old model or the new one.
fn save_replacing(net: &mut NeuralSurrogate, dir: &Path) -> Result<(), CampaignError> {
    let tmp = dir.with_extension("tmp");
    let old = dir.with_extension("old");
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&old);
    net.save(&tmp).map_err(model_err)?;
    let io = |e: std::io::Error| unsupported(format!("{}: cannot install the trained model: {e}", dir.display()));
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(io)?;
    }
    std::fs::rename(&tmp, dir).map_err(io)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Load the model a run trained earlier (`RUN_DIR/model/`).
pub fn load(comp: &Components, dir: &Path) -> Result<Option<CampaignModel>, CampaignError> {
    let Some(s) = &comp.spec.surrogate else { return Ok(None) };
    let net = NeuralSurrogate::load(dir, device(s.device)?).map_err(model_err)?;
    CampaignModel::from_net(comp, net, dir, false).map(Some)
}

impl CampaignModel {
    fn from_net(
        comp: &Components,
        net: NeuralSurrogate,
        dir: &Path,
        embedding_only: bool,
    ) -> Result<CampaignModel, CampaignError> {
        let tasks = net.task_names();
        let task_of: Vec<Option<usize>> = comp
            .properties
            .iter()
            .map(|p| tasks.iter().position(|t| t == &p.name).filter(|_| !embedding_only))
            .collect();
        if !embedding_only && task_of.iter().all(Option::is_none) {
            return Err(unsupported(format!(
                "{}: the model predicts [{}], none of this campaign's properties",
                dir.display(),
                tasks.join(", ")
            )));
        }
        let inputs = net.input_names();
        let space_cols = comp.space.input_columns();
        if let Some(missing) = inputs.iter().find(|i| !space_cols.contains(i)) {
            return Err(unsupported(format!(
                "{}: the model takes input '{missing}', which the space does not have",
                dir.display()
            )));
        }
        let hash = crate::surrogate::checkpoint::sha256_file(&dir.join("card.yaml")).map_err(model_err)?;
        let projection = fit_projection(comp, &net)?;
        let enc_cols = comp.space.encoded_columns();
        let nfrac = comp
            .space
            .sample(1, &mut crate::rng::stream(0, "surrogate-probe", 0))?
            .first()
            .map_or(0, |c| c.fractions.len());
        let side_columns: Vec<usize> = (0..enc_cols.len())
            .filter(|&j| if comp.space.pool_len().is_some() { !enc_cols[j].starts_with("frac:") } else { j >= nfrac })
            .collect();
        let goals = crate::goals::Goals::from_spec(&comp.spec);
        let mean_features: Vec<usize> =
            goals.objectives.iter().map(|(k, _)| *k).filter(|&k| task_of[k].is_some()).collect();
        let card = net.card();
        let members = card.members.len().max(1);
        let mut metrics = Vec::new();
        for h in &card.metrics {
            if let Some(r) = &h.regression {
                let cal = h.calibration.as_ref().map_or(String::new(), |c| {
                    format!(", {:.0}% within 1σ, {:.0}% within 2σ", 100.0 * c.within_1sigma, 100.0 * c.within_2sigma)
                });
                metrics.push(format!("{} {} MAE {:.4} (n={}{cal})", h.task, h.split, r.mae, r.n));
            }
        }
        let uncertainty = match net.uncertainty_method() {
            "gp" => "std from a GP on its embedding".to_string(),
            "ensemble" if net.card().uncertainty.as_ref().is_some_and(|u| u.member_gp_mean) => {
                format!("{members}-member ensemble, each member's mean from a GP on its embedding")
            }
            "ensemble" => format!("{members}-member ensemble"),
            _ => "single model, no std".to_string(),
        };
        let description = if embedding_only {
            format!(
                "surrogate: the embedding of {} ({} principal components) is the Bayesian optimizer's input",
                dir.display(),
                projection.len()
            )
        } else {
            format!(
                "surrogate predicts {} ({uncertainty}{}); {}",
                tasks.join(", "),
                if inputs.is_empty() { String::new() } else { format!(", inputs {}", inputs.join(", ")) },
                if metrics.is_empty() { "no held-out metrics".to_string() } else { metrics.join("; ") }
            )
        };
        Ok(CampaignModel { net, projection, side_columns, mean_features, task_of, inputs, hash, description })
    }

    /// Predictions for candidates, per campaign property.
    pub fn predict(&self, comp: &Components, cands: &[Candidate]) -> Result<Vec<Prediction>, CampaignError> {
        if self.task_of.iter().all(Option::is_none) {
            return Ok(vec![
                Prediction {
                    mean: vec![None; self.task_of.len()],
                    std: vec![None; self.task_of.len()],
                    unseen: vec![]
                };
                cands.len()
            ]);
        }
        let mi = self.model_inputs(comp, cands)?;
        let unseen = self.net.unseen_elements(&mi);
        let p = self.net.predict(&mi).map_err(model_err)?;
        Ok(unseen
            .into_iter()
            .enumerate()
            .map(|(i, unseen)| Prediction {
                mean: self.task_of.iter().map(|t| t.map(|t| p.mean[[i, t]])).collect(),
                std: self.task_of.iter().map(|t| t.and_then(|t| p.std.as_ref().map(|s| s[[i, t]]))).collect(),
                unseen,
            })
            .collect())
    }

    fn model_inputs(&self, comp: &Components, cands: &[Candidate]) -> Result<ModelInputs, CampaignError> {
        let mut comps = Vec::with_capacity(cands.len());
        let mut x = Array2::<f64>::zeros((cands.len(), self.inputs.len()));
        for (i, c) in cands.iter().enumerate() {
            let composition = comp
                .composition(c)
                .ok_or_else(|| unsupported("the surrogate needs a composition for every candidate"))?;
            comps.push(composition);
            let cells = comp.space.cells(c);
            for (j, name) in self.inputs.iter().enumerate() {
                x[[i, j]] = cell_value(&cells, name).unwrap_or(f64::NAN);
            }
        }
        Ok(ModelInputs::new(&comps, (!self.inputs.is_empty()).then_some(x)))
    }

    /// BO features of candidates: the embedding's leading principal components, the predicted
    /// means of the objectives the model predicts, and the space's encoded columns the
    /// composition does not cover (parameters, pool inputs).
    pub fn features(&self, comp: &Components, cands: &[Candidate]) -> Result<Array2<f64>, CampaignError> {
        let width = self.projection.len() + self.mean_features.len() + self.side_columns.len();
        if cands.is_empty() {
            return Ok(Array2::zeros((0, width)));
        }
        let mi = self.model_inputs(comp, cands)?;
        let z = self.projection.apply(self.net.embed(&mi).map_err(model_err)?.view());
        let means = if self.mean_features.is_empty() { None } else { Some(self.net.predict(&mi).map_err(model_err)?) };
        let enc = (!self.side_columns.is_empty()).then(|| comp.space.encode(cands));
        let mut out = Array2::<f64>::zeros((cands.len(), width));
        for i in 0..cands.len() {
            let mut j = 0;
            for v in z.row(i) {
                out[[i, j]] = *v;
                j += 1;
            }
            if let Some(p) = &means {
                for &k in &self.mean_features {
                    out[[i, j]] = p.mean[[i, self.task_of[k].expect("predicted")]];
                    j += 1;
                }
            }
            if let Some(e) = &enc {
                for &c in &self.side_columns {
                    out[[i, j]] = e[[i, c]];
                    j += 1;
                }
            }
        }
        Ok(out)
    }

    /// A [`FeatureMap`] view for one ask.
    pub fn feature_map<'a>(&'a self, comp: &'a Components) -> SurrogateFeatures<'a> {
        SurrogateFeatures { model: self, comp }
    }

    /// Whether property `k` is predicted.
    pub fn predicts(&self, k: usize) -> bool {
        self.task_of.get(k).is_some_and(Option::is_some)
    }
}

/// The campaign surrogate's features of candidates, for the Bayesian optimiser.
pub struct SurrogateFeatures<'a> {
    model: &'a CampaignModel,
    comp: &'a Components,
}

impl FeatureMap for SurrogateFeatures<'_> {
    fn features(&self, candidates: &[Candidate]) -> Result<Array2<f64>, String> {
        self.model.features(self.comp, candidates).map_err(|e| e.to_string())
    }

    fn describe(&self) -> String {
        format!(
            "{} principal components of the surrogate's embedding{}",
            self.model.projection.len(),
            if self.model.mean_features.is_empty() { "" } else { " and its predicted objectives" }
        )
    }
}

/// Candidates whose embeddings fix the principal components: up to 1,000 pool rows or space
/// samples, drawn from a fixed stream so that a resumed run gets the same features.
const PROJECTION_SAMPLE: usize = 1000;
/// At most this many components, enough for 95 % of the embedding's variance.
const MAX_COMPONENTS: usize = 8;

fn fit_projection(comp: &Components, net: &NeuralSurrogate) -> Result<Projection, CampaignError> {
    let mut rng = crate::rng::stream(comp.spec.seed, "surrogate-features", 0);
    let cands: Vec<Candidate> = match comp.space.pool_len() {
        Some(len) => {
            use rand::seq::index::sample;
            let mut idx = sample(&mut rng, len, len.min(PROJECTION_SAMPLE)).into_vec();
            idx.sort_unstable();
            idx.into_iter().map(|i| Candidate { fractions: vec![], params: vec![], pool_index: Some(i) }).collect()
        }
        None => comp.space.sample(PROJECTION_SAMPLE, &mut rng)?,
    };
    let comps: Vec<_> = cands.iter().filter_map(|c| comp.composition(c)).collect();
    if comps.is_empty() {
        return Err(unsupported("the surrogate predicts from compositions; this space has none"));
    }
    let width = net.input_names().len();
    let mi = ModelInputs::new(&comps, (width > 0).then(|| Array2::zeros((comps.len(), width))));
    let z = net.embed(&mi).map_err(model_err)?;
    Ok(Projection::fit(z.view(), 0.95, MAX_COMPONENTS))
}
