//! The training loop shared by pretraining and fine-tuning.
//!
//! Every batch holds rows of the training split (shuffled per epoch with the seed's
//! `surrogate-epoch` stream) and feeds **every** head whose task has targets in it: the
//! encoder runs once per batch, and each task's loss is the mean over the rows where that task
//! is present (a *masked* loss; missing targets contribute nothing). The batch loss is the sum
//! of the task losses, so a task weighs the same whatever its row count, unless
//! `TrainSettings::task_weights` says otherwise; the monitored validation loss is the same
//! weighted sum, and each task's own validation loss is reported per epoch. Regression losses
//! are on standardised targets (MSE or MAE); classification uses cross-entropy.
//!
//! Optimiser AdamW (decoupled weight decay) or SGD with Nesterov momentum 0.9; learning rate
//! with linear warm-up then cosine decay to 1 % of the peak, per step; gradient-norm clipping;
//! optionally L2-SP (`TrainSettings::l2sp`), a decay of the encoder's weights toward their
//! values at the start of the fit (the pretrained ones when fine-tuning) instead of toward 0;
//! early stopping on the validation loss (the training loss when there is no validation split)
//! with the best epoch's weights restored at the end.
use std::time::Instant;

use rand::seq::SliceRandom;
use tch::{nn, nn::OptimizerConfig, Kind, Tensor};

use super::data::TrainingSet;
use super::descriptors::DescriptorSpec;
use super::network::{Mode, Network};
use super::SurrogateError;

/// Optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimizerKind {
    /// Adam with decoupled weight decay.
    #[serde(rename = "adamw", alias = "adam_w")]
    AdamW,
    /// SGD, Nesterov momentum 0.9, L2 weight decay.
    Sgd,
}

/// Regression loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegressionLoss {
    /// Mean squared error.
    Mse,
    /// Mean absolute error.
    Mae,
}

/// How to train (recorded in the model card).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainSettings {
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Rows per batch.
    pub batch_size: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Weight decay.
    pub weight_decay: f64,
    /// Fraction of all steps spent warming the learning rate up linearly from 0.
    pub warmup: f64,
    /// Optimiser.
    pub optimizer: OptimizerKind,
    /// Regression loss.
    pub loss: RegressionLoss,
    /// Stop after this many epochs without improvement (0: never stop early).
    pub patience: usize,
    /// Clip the global gradient norm to this (0: no clipping).
    pub clip_norm: f64,
    /// Seed of weight initialisation, dropout and batch order.
    pub seed: u64,
    /// L2-SP strength λ (0: off): after every step, each trainable `encoder.*` weight θ moves
    /// toward its value θ₀ at the start of the fit by `lr · λ · (θ − θ₀)`, capped at the whole
    /// way — weight decay toward the pretrained weights rather than toward zero (Li et al.
    /// 2018, "Explicit inductive bias for transfer learning"). With Adam's roughly
    /// `lr`-sized steps a weight settles within about `1/λ` of where it started.
    #[serde(default)]
    pub l2sp: f64,
    /// One weight per task, in task order, multiplying that task's loss in the training loss
    /// and in the monitored validation loss (empty: every task weighs 1). A small task that
    /// over-fits early can otherwise end a multi-task run before the large tasks have trained.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub task_weights: Vec<f64>,
}

impl Default for TrainSettings {
    /// 100 epochs of 128 rows, AdamW at 1e-3 with weight decay 1e-4, 5 % warm-up, MAE, patience
    /// 20, clip 1.0, seed 0, no L2-SP.
    fn default() -> Self {
        TrainSettings {
            epochs: 100,
            batch_size: 128,
            lr: 1e-3,
            weight_decay: 1e-4,
            warmup: 0.05,
            optimizer: OptimizerKind::AdamW,
            loss: RegressionLoss::Mae,
            patience: 20,
            clip_norm: 1.0,
            seed: 0,
            l2sp: 0.0,
            task_weights: Vec::new(),
        }
    }
}

impl TrainSettings {
    /// Check the values make sense.
    pub fn validate(&self) -> Result<(), SurrogateError> {
        let bad = |m: &str| Err(SurrogateError::Settings(m.to_string()));
        if self.epochs == 0 || self.batch_size == 0 {
            return bad("epochs and batch size must be at least 1");
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad("the learning rate must be > 0");
        }
        if !(self.weight_decay >= 0.0 && self.clip_norm >= 0.0 && (0.0..1.0).contains(&self.warmup)) {
            return bad("weight decay and clip norm must be ≥ 0, warm-up in [0, 1)");
        }
        if !(self.l2sp >= 0.0 && self.l2sp.is_finite()) {
            return bad("l2sp must be ≥ 0");
        }
        if let Some(w) = self.task_weights.iter().find(|w| !(**w >= 0.0 && w.is_finite())) {
            return Err(SurrogateError::Settings(format!("task weights must be finite and ≥ 0, got {w}")));
        }
        if !self.task_weights.is_empty() && self.task_weights.iter().all(|w| *w == 0.0) {
            return bad("at least one task weight must be > 0");
        }
        Ok(())
    }

    /// The weight of task `t` (1 when no weights are set).
    pub fn task_weight(&self, t: usize) -> f64 {
        self.task_weights.get(t).copied().unwrap_or(1.0)
    }
}

/// One epoch's numbers, for progress lines.
#[derive(Debug, Clone, PartialEq)]
pub struct EpochReport {
    /// 1-based epoch.
    pub epoch: usize,
    /// Maximum epochs.
    pub epochs: usize,
    /// Mean batch loss over the epoch (training mode).
    pub train_loss: f64,
    /// Validation loss (sum over tasks of the mean task loss, times the task weights), when there
    /// is a validation split.
    pub val_loss: Option<f64>,
    /// Each task's own mean validation loss, unweighted (empty without a validation split;
    /// `None` for a task with no validation rows).
    pub val_tasks: Vec<Option<f64>>,
    /// Learning rate at the end of the epoch.
    pub lr: f64,
    /// Seconds the epoch took.
    pub seconds: f64,
    /// Whether this epoch is the best so far.
    pub best: bool,
}

/// What a fit did.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct FitReport {
    /// Epochs run.
    pub epochs_run: usize,
    /// The epoch whose weights were kept (1-based).
    pub best_epoch: usize,
    /// Its monitored loss (validation, or training without a validation split).
    pub best_loss: f64,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Wall time (s).
    pub seconds: f64,
    /// Training loss per epoch.
    pub train_losses: Vec<f64>,
    /// Validation loss per epoch (empty without a validation split).
    pub val_losses: Vec<f64>,
    /// Per epoch, each task's own unweighted validation loss (empty without a validation split
    /// or for a single task; `None` where a task has no validation rows).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub val_task_losses: Vec<Vec<Option<f64>>>,
}

impl FitReport {
    /// Per task: the epoch (1-based) at which its own validation loss was lowest, and that loss.
    /// Empty when no per-task losses were recorded.
    pub fn task_best(&self) -> Vec<Option<(usize, f64)>> {
        let nt = self.val_task_losses.first().map_or(0, Vec::len);
        (0..nt)
            .map(|t| {
                self.val_task_losses
                    .iter()
                    .enumerate()
                    .filter_map(|(e, v)| v.get(t).copied().flatten().map(|x| (e + 1, x)))
                    .fold(None, |best: Option<(usize, f64)>, (e, x)| match best {
                        Some((_, b)) if b <= x => best,
                        _ => Some((e, x)),
                    })
            })
            .collect()
    }
}

/// Training tensors' source: standardised targets and inputs of a [`TrainingSet`].
pub(crate) struct Prepared<'a> {
    pub data: &'a TrainingSet,
    /// n × t: standardised target (regression) or class index; 0 where missing.
    pub y: Vec<f32>,
    /// n × t: 1 where present.
    pub present: Vec<f32>,
    /// n × p standardised inputs.
    pub x: Vec<f32>,
    /// n × k standardised descriptors (empty without a descriptor branch).
    pub d: Vec<f32>,
    /// k, descriptor columns per row.
    pub k: usize,
}

impl<'a> Prepared<'a> {
    /// Standardise with the tasks' scaling, `input_scaling` (mean, std per input) and the
    /// descriptor branch's scaling (when there is one).
    pub fn new(
        data: &'a TrainingSet,
        input_scaling: &[(f64, f64)],
        descriptors: Option<&DescriptorSpec>,
    ) -> Result<Prepared<'a>, SurrogateError> {
        let nt = data.tasks.len();
        let mut y = vec![0f32; data.len() * nt];
        let mut present = vec![0f32; data.len() * nt];
        for r in 0..data.len() {
            for (t, task) in data.tasks.iter().enumerate() {
                let v = data.target(r, t);
                if v.is_nan() {
                    continue;
                }
                present[r * nt + t] = 1.0;
                y[r * nt + t] = match task.kind {
                    super::data::TaskKind::Regression { mean, std } => ((v - mean) / std) as f32,
                    super::data::TaskKind::Classification { .. } => v as f32,
                };
            }
        }
        let p = data.input_names.len();
        let x =
            (0..data.len() * p).map(|k| ((data.inputs[k] - input_scaling[k % p].0) / input_scaling[k % p].1) as f32);
        let (d, k) = match descriptors {
            Some(spec) => (spec.encode(&data.compositions, &(0..data.len()).collect::<Vec<_>>())?, spec.len()),
            None => (Vec::new(), 0),
        };
        Ok(Prepared { data, y, present, x: x.collect(), d, k })
    }

    fn inputs(&self, rows: &[usize]) -> Vec<f32> {
        let p = self.data.input_names.len();
        rows.iter().flat_map(|&r| self.x[r * p..(r + 1) * p].iter().copied()).collect()
    }

    fn descriptors(&self, rows: &[usize]) -> Option<Vec<f32>> {
        let k = self.k;
        (k > 0).then(|| rows.iter().flat_map(|&r| self.d[r * k..(r + 1) * k].iter().copied()).collect())
    }

    /// Per task: (sum of per-row losses over present rows, number present). `None` when absent.
    pub fn losses(
        &self,
        net: &Network,
        rows: &[usize],
        mode: Mode,
        loss: RegressionLoss,
    ) -> Vec<Option<(Tensor, f64)>> {
        let nt = self.data.tasks.len();
        let batch =
            net.batch(&self.data.compositions, rows, Some(&self.inputs(rows)), self.descriptors(rows).as_deref());
        let z = net.embed(&batch, mode);
        (0..nt)
            .map(|t| {
                let m: Vec<f32> = rows.iter().map(|&r| self.present[r * nt + t]).collect();
                let count: f32 = m.iter().sum();
                if count == 0.0 {
                    return None;
                }
                let ys: Vec<f32> = rows.iter().map(|&r| self.y[r * nt + t]).collect();
                let out = net.head(t, &z, mode);
                let per = if self.data.tasks[t].kind.is_classification() {
                    let labels = Tensor::from_slice(&ys).to_kind(Kind::Int64).to_device(out.device()).unsqueeze(1);
                    -out.log_softmax(-1, Kind::Float).gather(1, &labels, false).squeeze_dim(1)
                } else {
                    let d = out.squeeze_dim(1) - Tensor::from_slice(&ys).to_device(out.device());
                    match loss {
                        RegressionLoss::Mse => d.square(),
                        RegressionLoss::Mae => d.abs(),
                    }
                };
                let mask = Tensor::from_slice(&m).to_device(per.device());
                Some(((per * mask).sum(Kind::Float), count as f64))
            })
            .collect()
    }

    /// Validation loss over `rows`: per task the mean loss over present rows, summed.
    #[cfg(test)]
    pub fn eval_loss(&self, net: &Network, rows: &[usize], batch: usize, loss: RegressionLoss) -> f64 {
        self.eval_task_losses(net, rows, batch, loss).into_iter().flatten().sum()
    }

    /// Per task, the mean loss over the rows of `rows` where it is present (`None`: no such row).
    pub fn eval_task_losses(
        &self,
        net: &Network,
        rows: &[usize],
        batch: usize,
        loss: RegressionLoss,
    ) -> Vec<Option<f64>> {
        let nt = self.data.tasks.len();
        let (mut sums, mut counts) = (vec![0.0; nt], vec![0.0; nt]);
        tch::no_grad(|| {
            for chunk in rows.chunks(batch.max(1)) {
                for (t, l) in self.losses(net, chunk, Mode::EVAL, loss).into_iter().enumerate() {
                    if let Some((s, c)) = l {
                        sums[t] += s.double_value(&[]);
                        counts[t] += c;
                    }
                }
            }
        });
        sums.iter().zip(&counts).map(|(s, &c)| (c > 0.0).then(|| s / c)).collect()
    }
}

fn lr_at(s: &TrainSettings, step: usize, total: usize) -> f64 {
    let warm = ((s.warmup * total as f64).round() as usize).max(1);
    if step < warm {
        return s.lr * (step + 1) as f64 / warm as f64;
    }
    let t = (step - warm) as f64 / (total - warm).max(1) as f64;
    let floor = 0.01 * s.lr;
    floor + (s.lr - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t.min(1.0)).cos())
}

/// A deep copy of every variable, to restore the best epoch.
pub(crate) fn snapshot(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    tch::no_grad(|| vs.variables().into_iter().map(|(n, t)| (n, t.detach().copy())).collect())
}

/// Copy a snapshot back into the variables.
pub(crate) fn restore(vs: &nn::VarStore, snap: &[(String, Tensor)]) {
    let vars = vs.variables();
    tch::no_grad(|| {
        for (n, t) in snap {
            if let Some(v) = vars.get(n) {
                let mut v = v.shallow_clone();
                v.copy_(t);
            }
        }
    });
}

/// The rows a fit trains on and monitors.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    /// Training rows (may repeat, e.g. a bootstrap).
    pub train: &'a [usize],
    /// Validation rows (may be empty).
    pub val: &'a [usize],
}

/// Train `net` (variables in `vs`; frozen variables must already have `requires_grad` off) on
/// `rows.train`, monitoring `rows.val`.
/// Calls `progress` after every epoch. The best epoch's weights are in `vs` on return.
pub(crate) fn fit(
    net: &Network,
    vs: &nn::VarStore,
    prep: &Prepared<'_>,
    rows: &Rows<'_>,
    s: &TrainSettings,
    mode: Mode,
    progress: &mut dyn FnMut(&EpochReport),
) -> Result<FitReport, SurrogateError> {
    s.validate()?;
    let (train_rows, val_rows) = (rows.train, rows.val);
    if train_rows.is_empty() {
        return Err(SurrogateError::data("no training rows".into()));
    }
    let nt = prep.data.tasks.len();
    if !s.task_weights.is_empty() && s.task_weights.len() != nt {
        return Err(SurrogateError::Settings(format!(
            "{} task weights for {nt} tasks ({}): give one per task",
            s.task_weights.len(),
            prep.data.tasks.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let t0 = Instant::now();
    tch::manual_seed(s.seed as i64);
    let mut opt = match s.optimizer {
        OptimizerKind::AdamW => nn::AdamW { wd: s.weight_decay, ..Default::default() }.build(vs, s.lr)?,
        OptimizerKind::Sgd => {
            nn::Sgd { momentum: 0.9, dampening: 0.0, wd: s.weight_decay, nesterov: true }.build(vs, s.lr)?
        }
    };
    let steps = train_rows.len().div_ceil(s.batch_size);
    let total = steps * s.epochs;
    let mut rows = train_rows.to_vec();
    let mut rep = FitReport { best_loss: f64::INFINITY, ..Default::default() };
    let mut best = snapshot(vs);
    // (weight, its value at the start) for L2-SP
    let anchor: Vec<(Tensor, Tensor)> = if s.l2sp > 0.0 {
        let vars = vs.variables();
        tch::no_grad(|| {
            vars.into_iter()
                .filter(|(n, t)| n.starts_with("encoder.") && t.requires_grad())
                .map(|(_, t)| {
                    let start = t.detach().copy();
                    (t, start)
                })
                .collect()
        })
    } else {
        Vec::new()
    };
    let mut since_best = 0;
    let mut step = 0;
    for epoch in 1..=s.epochs {
        let te = Instant::now();
        rows.shuffle(&mut crate::rng::stream(s.seed, "surrogate-epoch", epoch as u64));
        let (mut sum, mut n) = (0.0, 0usize);
        for chunk in rows.chunks(s.batch_size) {
            let lr = lr_at(s, step, total);
            opt.set_lr(lr);
            step += 1;
            let parts: Vec<Tensor> = prep
                .losses(net, chunk, mode, s.loss)
                .into_iter()
                .enumerate()
                .filter_map(|(t, l)| {
                    // exactly l / c at weight 1, so unweighted runs reproduce bit for bit
                    let w = s.task_weight(t);
                    l.map(|(l, c)| if w == 1.0 { l / c } else { l * (w / c) })
                })
                .collect();
            if parts.is_empty() {
                continue;
            }
            let loss = Tensor::stack(&parts, 0).sum(Kind::Float);
            let value = loss.double_value(&[]);
            if !value.is_finite() {
                return Err(SurrogateError::Diverged { epoch, loss: value });
            }
            opt.zero_grad();
            loss.backward();
            if s.clip_norm > 0.0 {
                opt.clip_grad_norm(s.clip_norm);
            }
            opt.step();
            if !anchor.is_empty() {
                let pull = (lr * s.l2sp).min(1.0);
                tch::no_grad(|| {
                    for (w, start) in &anchor {
                        let mut w = w.shallow_clone();
                        let d = (&w - start) * pull;
                        let _ = w.g_sub_(&d);
                    }
                });
            }
            sum += value;
            n += 1;
        }
        let train_loss = sum / n.max(1) as f64;
        let val_tasks =
            if val_rows.is_empty() { Vec::new() } else { prep.eval_task_losses(net, val_rows, 1024, s.loss) };
        let val_loss = (!val_rows.is_empty())
            .then(|| val_tasks.iter().enumerate().filter_map(|(t, v)| v.map(|v| v * s.task_weight(t))).sum::<f64>());
        let monitored = val_loss.unwrap_or(train_loss);
        let improved = rep.best_epoch == 0 || monitored < rep.best_loss - 1e-9 * rep.best_loss.abs().max(1.0);
        if improved {
            rep.best_loss = monitored;
            rep.best_epoch = epoch;
            best = snapshot(vs);
            since_best = 0;
        } else {
            since_best += 1;
        }
        rep.epochs_run = epoch;
        rep.train_losses.push(train_loss);
        if let Some(v) = val_loss {
            rep.val_losses.push(v);
            if nt > 1 {
                rep.val_task_losses.push(val_tasks.clone());
            }
        }
        let lr = lr_at(s, step.saturating_sub(1), total);
        progress(&EpochReport {
            epoch,
            epochs: s.epochs,
            train_loss,
            val_loss,
            val_tasks,
            lr,
            seconds: te.elapsed().as_secs_f64(),
            best: improved,
        });
        if s.patience > 0 && since_best >= s.patience {
            rep.stopped_early = epoch < s.epochs;
            break;
        }
    }
    restore(vs, &best);
    rep.seconds = t0.elapsed().as_secs_f64();
    Ok(rep)
}
