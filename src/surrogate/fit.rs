//! Pretraining and fine-tuning: from a [`TrainingSet`] to a trained [`NeuralSurrogate`].
//!
//! **Pretraining** trains a fresh network with one head per task on the union of the data sets
//! (see `data` for the merging of repeated compositions and `train` for the masked multi-task
//! loss). **Fine-tuning** starts from a checkpoint's encoder (or from scratch), adds a fresh
//! head per task, a fresh branch for the data's structure/processing inputs and, when asked
//! ([`FitSettings::descriptors`]), a fresh descriptor branch (see `descriptors`), and trains
//! with a [`Freeze`] strategy (which never freezes the fresh branches). With `members > 1` it trains a deep ensemble: member `k` uses seed
//! `seed + k` on the whole training split, or with `bootstrap` on a bootstrap resample of it
//! (off by default: resampling cost 12–13 MPa on the steels, `experiments/finetune-steels`),
//! or with `rotate_val` early-stopping on its own part of the non-test rows
//! ([`Split::rotated`]).
//!
//! A **linear probe** ([`linear_probe`]) freezes a checkpoint's encoder and trains a fresh
//! linear head: the baseline that shows what the pretrained representation alone is worth.
//! [`attach_embedding_gp`] adds the second uncertainty method, a GP on the embedding.
//!
//! All hold out a test split (when `test_frac > 0`; otherwise the validation split is
//! reported) and write its metrics into the card.
use std::fmt;
use std::str::FromStr;

use tch::Device;

use super::card::{HeldOut, InputSpec, ModelCard, TrainingRecord};
use super::data::{TaskKind, TrainingSet};
use super::descriptors::{DescriptorSettings, DescriptorSpec};
use super::encoder::Architecture;
use super::metrics;
use super::model::{Model, ModelInputs, NeuralSurrogate, Predictions};
use super::network::Mode;
use super::split::{bootstrap, Split, SplitSpec};
use super::train::{fit, EpochReport, Prepared, Rows, TrainSettings};
use super::uncertainty::GpMean;
use super::SurrogateError;
use crate::chem::ELEMENTS;

/// Held while a fit seeds libtorch's generator and draws a network's initial weights.
static INIT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Which parameters fine-tuning may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freeze {
    /// Train everything.
    None,
    /// Train only the heads and the input branch; the encoder is frozen (linear-probe style).
    Heads,
    /// Also train the top `k` attention blocks and the final norm.
    TopBlocks(usize),
}

impl FromStr for Freeze {
    type Err = SurrogateError;
    /// `none`, `heads` (alias `backbone`), or `top_k:N` (alias `top:N`).
    fn from_str(s: &str) -> Result<Freeze, SurrogateError> {
        let bad = || SurrogateError::Settings(format!("freeze '{s}': expected none, heads (or backbone) or top_k:N"));
        match s.trim() {
            "none" => Ok(Freeze::None),
            "heads" | "backbone" => Ok(Freeze::Heads),
            t => {
                let k = t.strip_prefix("top_k:").or_else(|| t.strip_prefix("top:")).ok_or_else(bad)?;
                k.trim().parse().map(Freeze::TopBlocks).map_err(|_| bad())
            }
        }
    }
}

impl fmt::Display for Freeze {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Freeze::None => write!(f, "none"),
            Freeze::Heads => write!(f, "heads"),
            Freeze::TopBlocks(k) => write!(f, "top_k:{k}"),
        }
    }
}

impl Freeze {
    /// Whether the variable `name` is trained under this strategy (`blocks` in the encoder).
    pub fn trains(&self, name: &str, blocks: usize) -> bool {
        let Some(rest) = name.strip_prefix("encoder.") else { return true };
        match *self {
            Freeze::None => true,
            Freeze::Heads => false,
            Freeze::TopBlocks(k) => {
                rest.starts_with("norm.")
                    || (blocks.saturating_sub(k)..blocks).any(|i| rest.starts_with(&format!("block{i}.")))
            }
        }
    }
}

/// Progress of a fit: which ensemble member, and the epoch's numbers.
#[derive(Debug, Clone)]
pub struct FitProgress {
    /// Member index (0 for a single model).
    pub member: usize,
    /// Number of members.
    pub members: usize,
    /// The epoch.
    pub epoch: EpochReport,
}

/// Settings shared by pretraining and fine-tuning.
#[derive(Debug, Clone)]
pub struct FitSettings {
    /// Network sizes (for pretraining and `scratch`; a checkpoint brings its own).
    pub architecture: Architecture,
    /// Optimisation.
    pub train: TrainSettings,
    /// Split fractions; the split seed is `train.seed`.
    pub val_frac: f64,
    /// Fraction held out for the card's metrics.
    pub test_frac: f64,
    /// Freeze strategy (fine-tuning from a checkpoint).
    pub freeze: Freeze,
    /// Dropout override (fine-tuning).
    pub dropout: Option<f64>,
    /// Ensemble members (1: a single model).
    pub members: usize,
    /// Train ensemble members on bootstrap resamples (default false: the same rows, a
    /// different seed each).
    pub bootstrap: bool,
    /// Where to train.
    pub device: Device,
    /// The descriptor branch (fine-tuning and from scratch; default none): computed from the
    /// compositions, standardised on the training split, trained from scratch, never frozen.
    pub descriptors: DescriptorSettings,
    /// Fine-tuning from a checkpoint: re-initialise the top N attention blocks and the final
    /// norm (fresh random weights, a different draw per ensemble member) instead of copying
    /// them; the element and fraction embeddings and the lower blocks are still copied.
    /// 0 (default) copies the whole encoder; the number of blocks or more keeps only the
    /// embeddings.
    pub reinit_top: usize,
    /// Ensemble members validate (early-stop) on different parts of the non-test rows and
    /// train on the rest ([`Split::rotated`]): member 0 uses the plain split, and together the
    /// members train on every non-test row (default false: every member early-stops on the
    /// same validation split). Ignored with `bootstrap` and for a single model.
    pub rotate_val: bool,
    /// Ensemble members' peak learning rates, cycled: member `k` uses `member_lrs[k % n]`
    /// (a hyperparameter-diverse ensemble, after Wenzel et al. 2020). Empty (default): every
    /// member uses `train.lr`.
    pub member_lrs: Vec<f64>,
}

impl Default for FitSettings {
    fn default() -> Self {
        FitSettings {
            architecture: Architecture::default(),
            train: TrainSettings::default(),
            val_frac: 0.1,
            test_frac: 0.1,
            freeze: Freeze::None,
            dropout: None,
            members: 1,
            bootstrap: false,
            device: Device::Cpu,
            descriptors: DescriptorSettings::default(),
            reinit_top: 0,
            rotate_val: false,
            member_lrs: Vec::new(),
        }
    }
}

/// Where fine-tuning starts.
pub enum Start<'a> {
    /// A fresh network.
    Scratch,
    /// The encoder of a trained model; `name` is recorded in the card. From an ensemble
    /// (e.g. [`NeuralSurrogate::pool`] of independently pretrained checkpoints), member `k`
    /// starts from source member `k mod n`.
    From {
        /// The checkpoint.
        model: &'a NeuralSurrogate,
        /// Its directory, for the card.
        name: String,
    },
}

/// Pretrain a fresh network on `data` (all its tasks).
pub fn pretrain(
    data: TrainingSet,
    s: &FitSettings,
    progress: &mut dyn FnMut(&FitProgress),
) -> Result<NeuralSurrogate, SurrogateError> {
    train_all(data, Start::Scratch, "pretrain", s, false, progress)
}

/// Fine-tune on `data` from `start` (see the module docs).
pub fn finetune(
    data: TrainingSet,
    start: Start<'_>,
    s: &FitSettings,
    progress: &mut dyn FnMut(&FitProgress),
) -> Result<NeuralSurrogate, SurrogateError> {
    train_all(data, start, "finetune", s, false, progress)
}

/// A linear probe: `model`'s encoder frozen, with a fresh *linear* head per task (and, when
/// `data` has structure/processing inputs, a fresh input branch), trained like
/// [`finetune`] with `s` (its `freeze` and `descriptors` are ignored: only heads and input
/// branch train, on the pretrained embedding alone). The card records stage `linear_probe`.
pub fn linear_probe(
    data: TrainingSet,
    model: &NeuralSurrogate,
    name: String,
    s: &FitSettings,
    progress: &mut dyn FnMut(&FitProgress),
) -> Result<NeuralSurrogate, SurrogateError> {
    let s = FitSettings { freeze: Freeze::Heads, descriptors: DescriptorSettings::default(), ..s.clone() };
    train_all(data, Start::From { model, name }, "linear_probe", &s, true, progress)
}

/// The split a fit with settings `s` makes of `data` (the same rows every time).
pub fn fit_split(data: &TrainingSet, s: &FitSettings) -> Result<Split, SurrogateError> {
    Split::by_group(&data.groups, &split_spec(s))
}

/// The split fractions and seed of settings `s`.
fn split_spec(s: &FitSettings) -> SplitSpec {
    SplitSpec { val_frac: s.val_frac, test_frac: s.test_frac, seed: s.train.seed }
}

/// Whether the `members` of a fit with settings `s` and shared split `split` early-stop on
/// their own validation parts (`rotate_val`, for an ensemble without bootstrap, when there is
/// a validation split to rotate).
fn rotates(s: &FitSettings, members: usize, split: &Split) -> bool {
    s.rotate_val && members > 1 && !s.bootstrap && !split.val.is_empty()
}

/// Fit a GP on `model`'s embedding (the second uncertainty method) to the training split of
/// `data` — the rows `model` was fitted on with settings `s` ([`fit_split`]) — with the
/// predicted mean from `mean` (the network's, or the GP's), then, when `recalibrate` and there
/// is a validation split, scale its std to be calibrated on the validation rows
/// ([`NeuralSurrogate::recalibrate_std`]). Test rows stay out of both, and the card's held-out
/// metrics are recomputed with the new mean and std. Seeded by `s.train.seed`.
pub fn attach_embedding_gp(
    model: &mut NeuralSurrogate,
    data: &TrainingSet,
    s: &FitSettings,
    recalibrate: bool,
    mean: GpMean,
) -> Result<(), SurrogateError> {
    let split = fit_split(data, s)?;
    let x = inputs_for(data, &split.train);
    let targets = targets_for(data, model, &split.train)?;
    model.fit_embedding_gp(&x, &targets, s.train.seed)?;
    model.set_gp_mean(mean);
    if recalibrate {
        recalibrate_on_validation(model, data, s)?;
    }
    refresh_held_out(model, data, &split)
}

/// Give each member of the ensemble `model` its own GP on its own embedding as its mean
/// ([`NeuralSurrogate::fit_member_gps`]), each fitted on the rows that member trained on
/// under settings `s` (its own part's training rows with `s.rotate_val`, else the training
/// split; with `s.bootstrap` the distinct rows of its resample), then, when `recalibrate`,
/// scale the std on the validation rows ([`recalibrate_on_validation`]) and recompute the
/// card's held-out metrics. Seeded by `s.train.seed`.
pub fn attach_member_gps(
    model: &mut NeuralSurrogate,
    data: &TrainingSet,
    s: &FitSettings,
    recalibrate: bool,
) -> Result<(), SurrogateError> {
    let split = fit_split(data, s)?;
    let (spec, rotate) = (split_spec(s), rotates(s, model.members.len(), &split));
    let mut rows = Vec::with_capacity(model.members.len());
    for k in 0..model.members.len() {
        let own = if rotate {
            Split::rotated(&data.groups, &spec, k)?.train
        } else if s.bootstrap {
            let mut b = bootstrap(&split.train, s.train.seed, k as u64);
            b.dedup();
            b
        } else {
            split.train.clone()
        };
        rows.push((inputs_for(data, &own), targets_for(data, model, &own)?));
    }
    model.fit_member_gps(&rows, s.train.seed)?;
    if recalibrate {
        recalibrate_on_validation(model, data, s)?;
    }
    refresh_held_out(model, data, &split)
}

/// How a fitted model states its uncertainty beyond its members' spread: what
/// `crucible finetune`, a campaign's model and `evaluate`'s baselines apply after training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UncertaintyRecipe {
    /// A GP on the embedding ([`attach_embedding_gp`]), and where the mean comes from.
    pub gp: Option<GpMean>,
    /// For an ensemble: each member's mean from its own GP ([`attach_member_gps`]).
    pub member_gp_mean: bool,
    /// Scale the std to be calibrated on the validation split ([`recalibrate_on_validation`]).
    pub recalibrate: bool,
}

/// Apply `recipe` to `model`, fitted on `data` with settings `s`. Without a GP, a single
/// network has no std: nothing is done to it.
pub fn attach_uncertainty(
    model: &mut NeuralSurrogate,
    data: &TrainingSet,
    s: &FitSettings,
    recipe: UncertaintyRecipe,
) -> Result<(), SurrogateError> {
    let ensemble = model.members.len() > 1;
    match recipe.gp {
        Some(mean) => attach_embedding_gp(model, data, s, recipe.recalibrate, mean),
        None if ensemble && recipe.member_gp_mean => attach_member_gps(model, data, s, recipe.recalibrate),
        None if ensemble && recipe.recalibrate => recalibrate_on_validation(model, data, s).map(|_| ()),
        None => Ok(()),
    }
}

/// Scale `model`'s std (ensemble or GP) to be calibrated on the validation split of `data`
/// under settings `s` (nothing when that split is empty); recomputes the card's held-out
/// metrics. Returns the factors (empty when nothing was done). An ensemble whose members
/// early-stopped on their own parts (`s.rotate_val`) is calibrated on all the parts, each row
/// against the mean of the member that did not train on it
/// ([`NeuralSurrogate::recalibrate_std_around`]).
pub fn recalibrate_on_validation(
    model: &mut NeuralSurrogate,
    data: &TrainingSet,
    s: &FitSettings,
) -> Result<Vec<f64>, SurrogateError> {
    let split = fit_split(data, s)?;
    if split.val.is_empty() {
        return Ok(Vec::new());
    }
    let members = model.members.len();
    let f = if rotates(s, members, &split) && model.gp.is_none() {
        // every member's own validation part, residuals from the member that held it out
        let (mut rows, mut owner) = (Vec::new(), Vec::new());
        for k in 0..members {
            let part = Split::rotated(&data.groups, &split_spec(s), k)?;
            owner.extend(std::iter::repeat_n(k, part.val.len()));
            rows.extend(part.val);
        }
        let x = inputs_for(data, &rows);
        let means = model.member_means(&x)?;
        let held = ndarray::Array2::from_shape_fn(means[0].dim(), |(i, t)| means[owner[i]][[i, t]]);
        model.recalibrate_std_around(&x, &targets_for(data, model, &rows)?, Some(&held))?
    } else {
        model.recalibrate_std(&inputs_for(data, &split.val), &targets_for(data, model, &split.val)?)?
    };
    refresh_held_out(model, data, &split)?;
    Ok(f)
}

/// Recompute the card's held-out metrics (test split, else validation).
fn refresh_held_out(model: &mut NeuralSurrogate, data: &TrainingSet, split: &Split) -> Result<(), SurrogateError> {
    let (rows, which) = if split.test.is_empty() { (&split.val, "val") } else { (&split.test, "test") };
    if !rows.is_empty() {
        model.card.metrics = held_out(data, rows, &model.predict(&inputs_for(data, rows))?, which);
    }
    Ok(())
}

/// Targets of `rows` of `data`, n × the model's tasks (NaN where missing or not in `data`).
pub fn targets_for(
    data: &TrainingSet,
    model: &NeuralSurrogate,
    rows: &[usize],
) -> Result<ndarray::Array2<f64>, SurrogateError> {
    let tasks: Vec<Option<usize>> =
        model.card.tasks.iter().map(|t| data.tasks.iter().position(|d| d.name == t.name)).collect();
    if tasks.iter().all(Option::is_none) {
        return Err(SurrogateError::data(format!(
            "the data have none of the model's tasks ({})",
            model.task_names().join(", ")
        )));
    }
    Ok(ndarray::Array2::from_shape_fn((rows.len(), tasks.len()), |(i, t)| {
        tasks[t].map_or(f64::NAN, |d| data.target(rows[i], d))
    }))
}

fn train_all(
    mut data: TrainingSet,
    start: Start<'_>,
    stage: &str,
    s: &FitSettings,
    linear_heads: bool,
    progress: &mut dyn FnMut(&FitProgress),
) -> Result<NeuralSurrogate, SurrogateError> {
    if data.is_empty() {
        return Err(SurrogateError::data("no usable rows (every row had a bad formula or no target)".into()));
    }
    let spec = split_spec(s);
    let split = fit_split(&data, s)?;
    data.set_scaling(&split.train);
    for (t, n) in data.present(&split.train).into_iter().enumerate() {
        if n == 0 {
            return Err(SurrogateError::data(format!(
                "task '{}' has no targets in the training split",
                data.tasks[t].name
            )));
        }
    }
    let inputs: Vec<InputSpec> = data
        .input_names
        .iter()
        .zip(data.input_scaling(&split.train))
        .map(|(name, (mean, std))| InputSpec { name: name.clone(), mean, std })
        .collect();
    let mut arch = match &start {
        Start::Scratch => s.architecture.clone(),
        Start::From { model, .. } => model.card.architecture.clone(),
    };
    if let Some(d) = s.dropout {
        arch.dropout = d;
    }
    if linear_heads {
        arch.head_hidden = 0;
    }
    let members = s.members.max(1);
    let rotate = rotates(s, members, &split);
    // the rows some member trains on: with rotated validation parts, the validation rows too
    let seen: Vec<usize> = if rotate {
        let mut r: Vec<usize> = split.train.iter().chain(&split.val).copied().collect();
        r.sort_unstable();
        r
    } else {
        split.train.clone()
    };
    let mut elements: Vec<String> =
        data.compositions.elements_in(&seen).iter().map(|&e| ELEMENTS[e].to_string()).collect();
    if let Start::From { model, .. } = &start {
        elements.extend(model.card.elements.iter().cloned());
        elements.sort_by_key(|e| crate::chem::element_index(e));
        elements.dedup();
    }
    let scaling: Vec<(f64, f64)> = inputs.iter().map(|i| (i.mean, i.std)).collect();
    let descriptors = DescriptorSpec::fit(&s.descriptors, &data.compositions, &split.train)?;
    let prep = Prepared::new(&data, &scaling, descriptors.as_ref())?;
    let reinit_top = if matches!(start, Start::Scratch) { 0 } else { s.reinit_top.min(arch.blocks) };
    let mut models = Vec::with_capacity(members);
    for k in 0..members {
        let mut card = ModelCard::new(arch.clone(), data.tasks.clone(), inputs.clone());
        card.elements = elements.clone();
        card.descriptors = descriptors.clone();
        card.data = data.reports.clone();
        let mut train = s.train.clone();
        train.seed = s.train.seed + k as u64;
        if !s.member_lrs.is_empty() {
            train.lr = s.member_lrs[k % s.member_lrs.len()];
        }
        if matches!(start, Start::Scratch) {
            train.l2sp = 0.0; // nothing pretrained to decay toward
        }
        let boot = (members > 1 && s.bootstrap).then_some(k as u64);
        let part = if rotate && k > 0 { Some(Split::rotated(&data.groups, &spec, k)?) } else { None };
        let own = part.as_ref().unwrap_or(&split);
        let rows = match boot {
            Some(b) => bootstrap(&split.train, s.train.seed, b),
            None => own.train.clone(),
        };
        let mut model = {
            // libtorch's generator is process-wide: seeding and drawing the initial weights
            // must not interleave with another fit's in this process (e.g. parallel tests)
            let _one_at_a_time = INIT.lock().unwrap_or_else(|e| e.into_inner());
            tch::manual_seed(train.seed as i64);
            Model::init(card, s.device)?
        };
        let freeze = match &start {
            Start::Scratch => Freeze::None,
            Start::From { model: src, .. } => {
                let fresh = Freeze::TopBlocks(reinit_top);
                let copied = |name: &str| reinit_top == 0 || !fresh.trains(name, arch.blocks);
                copy_encoder(&src.members[k % src.members.len()], &model, copied)?;
                s.freeze
            }
        };
        for (name, t) in model.vs.variables() {
            if t.requires_grad() && !freeze.trains(&name, arch.blocks) {
                let _ = t.set_requires_grad(false);
            }
        }
        let mode = Mode { encoder: freeze != Freeze::Heads, heads: true };
        let mut cb = |e: &EpochReport| progress(&FitProgress { member: k, members, epoch: e.clone() });
        let report = fit(&model.net, &model.vs, &prep, &Rows { train: &rows, val: &own.val }, &train, mode, &mut cb)?;
        let (from, from_sha256) = match &start {
            Start::Scratch => ("scratch".to_string(), None),
            Start::From { model, name } => {
                (name.clone(), model.members[k % model.members.len()].card.weights_sha256.clone())
            }
        };
        model.card.training = Some(TrainingRecord {
            stage: stage.to_string(),
            from,
            from_sha256,
            freeze: freeze.to_string(),
            settings: train,
            split: spec,
            train_rows: rows.len(),
            val_rows: own.val.len(),
            test_rows: split.test.len(),
            bootstrap: boot,
            val_part: rotate.then_some(k),
            reinit_top,
            fit: report,
            threads: tch::get_num_threads().max(1) as usize,
            device: format!("{:?}", s.device).to_lowercase(),
        });
        models.push(model);
    }
    let mut sur = if models.len() == 1 {
        NeuralSurrogate::single(models.pop().expect("one model"))
    } else {
        NeuralSurrogate::ensemble(models)
    };
    let (rows, which) = if split.test.is_empty() { (&split.val, "val") } else { (&split.test, "test") };
    if !rows.is_empty() {
        let x = inputs_for(&data, rows);
        for m in sur.members.iter_mut() {
            m.card.metrics = held_out(&data, rows, &m.predict(&x)?, which);
        }
        sur.card.metrics = held_out(&data, rows, &sur.predict(&x)?, which);
    }
    Ok(sur)
}

/// Copy the `encoder.*` variables of `src` whose names pass `copied` into `dst` (same
/// architecture required).
fn copy_encoder(src: &Model, dst: &Model, copied: impl Fn(&str) -> bool) -> Result<(), SurrogateError> {
    let from = src.vs.variables();
    tch::no_grad(|| {
        for (name, t) in dst.vs.variables() {
            if !name.starts_with("encoder.") || !copied(&name) {
                continue;
            }
            let s =
                from.get(&name).ok_or_else(|| SurrogateError::Architecture(format!("the checkpoint lacks {name}")))?;
            let mut t = t;
            t.f_copy_(s)?;
        }
        Ok(())
    })
}

/// Model inputs for `rows` of `data`.
pub fn inputs_for(data: &TrainingSet, rows: &[usize]) -> ModelInputs {
    let p = data.input_names.len();
    let x = ndarray::Array2::from_shape_fn((rows.len(), p), |(i, j)| data.input(rows[i], j));
    ModelInputs { compositions: data.compositions.select(rows), inputs: x }
}

/// Held-out metrics of predictions `pred` for `rows` of `data` (same order), one entry per
/// task of `data` that has targets there and is among the predicted tasks.
pub fn held_out(data: &TrainingSet, rows: &[usize], pred: &Predictions, split: &str) -> Vec<HeldOut> {
    let mut out = Vec::new();
    for (t, task) in data.tasks.iter().enumerate() {
        let Some(mt) = pred.tasks.iter().position(|n| *n == task.name) else { continue };
        let idx: Vec<usize> = (0..rows.len()).filter(|&i| !data.target(rows[i], t).is_nan()).collect();
        if idx.is_empty() {
            continue;
        }
        let truth: Vec<f64> = idx.iter().map(|&i| data.target(rows[i], t)).collect();
        let mut h = HeldOut {
            task: task.name.clone(),
            split: split.to_string(),
            regression: None,
            classification: None,
            calibration: None,
        };
        match (&task.kind, &pred.probabilities[mt]) {
            (TaskKind::Classification { classes }, Some(pr)) => {
                let probs: Vec<f64> = idx.iter().flat_map(|&i| pr.row(i).to_vec()).collect();
                let labels: Vec<usize> = truth.iter().map(|&c| c as usize).collect();
                h.classification = Some(metrics::classification(&labels, &probs, classes));
            }
            _ => {
                let mean: Vec<f64> = idx.iter().map(|&i| pred.mean[[i, mt]]).collect();
                h.regression = Some(metrics::regression(&truth, &mean));
                if let Some(sd) = &pred.std {
                    let sd: Vec<f64> = idx.iter().map(|&i| sd[[i, mt]]).collect();
                    h.calibration = Some(metrics::calibration(&truth, &mean, &sd));
                }
            }
        }
        out.push(h);
    }
    out
}
