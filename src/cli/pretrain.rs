//! `crucible pretrain --data FILE[:TARGET[:KIND]]... --out DIR`, plus the libtorch options and
//! report printing shared by the surrogate commands.
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use crucible::io::dataset::{read_labeled, DatasetColumns, InputColumns};
use crucible::surrogate::card::HeldOut;
use crucible::surrogate::{
    self, Architecture, Device, DeviceChoice, ElementInit, FitProgress, FitSettings, KindChoice, NeuralSurrogate,
    OptimizerKind, RegressionLoss, TaskRequest, TaskSource, TrainSettings, TrainingSet,
};

use super::progress::Verbosity;

/// Where libtorch runs.
#[derive(Debug, Clone, clap::Args)]
pub struct TorchArgs {
    /// libtorch threads (default 1: fastest for the small shipped model; more for larger models).
    #[arg(long)]
    pub threads: Option<usize>,
    /// cpu, cuda or auto.
    #[arg(long, default_value = "cpu")]
    pub device: String,
}

impl TorchArgs {
    /// Set the threads and resolve the device.
    pub fn setup(&self) -> Result<Device> {
        surrogate::set_threads(self.threads);
        let choice = match self.device.as_str() {
            "cpu" => DeviceChoice::Cpu,
            "cuda" => DeviceChoice::Cuda,
            "auto" => DeviceChoice::Auto,
            other => bail!("--device {other}: expected cpu, cuda or auto"),
        };
        Ok(surrogate::resolve_device(choice)?)
    }
}

/// Optimisation options shared by pretrain and finetune.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainArgs {
    /// Maximum epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Peak learning rate (linear warm-up, cosine decay; default 1e-3 for pretrain, 3e-3 for
    /// finetune).
    #[arg(long)]
    pub lr: Option<f64>,
    /// Rows per batch.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Weight decay.
    #[arg(long, default_value_t = 1e-4)]
    pub weight_decay: f64,
    /// Fraction of steps for the learning-rate warm-up.
    #[arg(long, default_value_t = 0.05)]
    pub warmup: f64,
    /// Regression loss: mae or mse.
    #[arg(long, default_value = "mae")]
    pub loss: String,
    /// Optimiser: adamw or sgd.
    #[arg(long, default_value = "adamw")]
    pub optimizer: String,
    /// Early-stopping patience in epochs (0: off).
    #[arg(long)]
    pub patience: Option<usize>,
    /// Gradient-norm clipping (0: off).
    #[arg(long, default_value_t = 1.0)]
    pub clip_norm: f64,
    /// Seed (weights, dropout, batches, split).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Fraction of compositions for validation (early stopping).
    #[arg(long)]
    pub val_frac: Option<f64>,
    /// Fraction of compositions held out for the card's test metrics.
    #[arg(long)]
    pub test_frac: Option<f64>,
}

impl TrainArgs {
    /// Settings with per-command defaults `(epochs, lr, batch, patience, val, test)`.
    pub fn settings(&self, d: (usize, f64, usize, usize, f64, f64)) -> Result<(TrainSettings, f64, f64)> {
        let loss = match self.loss.as_str() {
            "mae" => RegressionLoss::Mae,
            "mse" => RegressionLoss::Mse,
            o => bail!("--loss {o}: expected mae or mse"),
        };
        let optimizer = match self.optimizer.as_str() {
            "adamw" => OptimizerKind::AdamW,
            "sgd" => OptimizerKind::Sgd,
            o => bail!("--optimizer {o}: expected adamw or sgd"),
        };
        let s = TrainSettings {
            epochs: self.epochs.unwrap_or(d.0),
            lr: self.lr.unwrap_or(d.1),
            batch_size: self.batch_size.unwrap_or(d.2),
            weight_decay: self.weight_decay,
            warmup: self.warmup,
            optimizer,
            loss,
            patience: self.patience.unwrap_or(d.3),
            clip_norm: self.clip_norm,
            seed: self.seed,
            l2sp: 0.0,
            task_weights: Vec::new(),
        };
        Ok((s, self.val_frac.unwrap_or(d.4), self.test_frac.unwrap_or(d.5)))
    }
}

/// Network sizes: a YAML file, then flags over it (the shipped sizes where neither says).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SizeArgs {
    /// Sizes from a YAML file: a mapping of d_model, heads, blocks, ff_dim, dropout,
    /// head_hidden, param_hidden, element_init (keys left out keep the shipped sizes), or a
    /// model card (its `architecture:`), e.g. surrogates/base/card.yaml. Flags override it.
    #[arg(long, value_name = "FILE")]
    pub architecture: Option<PathBuf>,
    /// Token width (default: the --architecture file's, else 64).
    #[arg(long)]
    pub d_model: Option<usize>,
    /// Attention heads (default: the --architecture file's, else 4).
    #[arg(long)]
    pub heads: Option<usize>,
    /// Attention blocks (default: the --architecture file's, else 3).
    #[arg(long)]
    pub blocks: Option<usize>,
    /// Feed-forward width (default: the --architecture file's, else 128).
    #[arg(long)]
    pub ff_dim: Option<usize>,
    /// Head hidden width (default: the --architecture file's, else 64).
    #[arg(long)]
    pub head_hidden: Option<usize>,
    /// Dropout (default: the --architecture file's, else 0.1).
    #[arg(long)]
    pub dropout: Option<f64>,
    /// Learn element embeddings from scratch instead of projecting mat2vec.
    #[arg(long)]
    pub learned_elements: bool,
}

impl SizeArgs {
    /// The architecture: the file's sizes (or the shipped ones), then the flags, checked.
    pub fn architecture(&self) -> Result<Architecture> {
        let mut a = match &self.architecture {
            Some(f) => {
                let text =
                    std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("--architecture {}: {e}", f.display()))?;
                Architecture::from_yaml(&text, &f.display().to_string())?
            }
            None => Architecture::default(),
        };
        a.d_model = self.d_model.unwrap_or(a.d_model);
        a.heads = self.heads.unwrap_or(a.heads);
        a.blocks = self.blocks.unwrap_or(a.blocks);
        a.ff_dim = self.ff_dim.unwrap_or(a.ff_dim);
        a.head_hidden = self.head_hidden.unwrap_or(a.head_hidden);
        a.dropout = self.dropout.unwrap_or(a.dropout);
        if self.learned_elements {
            a.element_init = ElementInit::Learned;
        }
        a.validate()?;
        Ok(a)
    }
}

/// `crucible pretrain` arguments.
#[derive(Debug, clap::Args)]
pub struct PretrainArgs {
    /// Data sets, FILE[:TARGET[:KIND]]: TARGET defaults to `target`, KIND is regression or
    /// class (default: class when the column holds only 0 and 1). The task is named after the
    /// file (or TARGET when it is not `target`).
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<String>,
    /// Output model directory.
    #[arg(long)]
    out: PathBuf,
    /// The column holding formulas.
    #[arg(long, default_value = "formula")]
    formula_col: String,
    /// Use only the first N rows of each file (for quick trials and timing).
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    sizes: SizeArgs,
    /// Weight of one task's loss, NAME=W (repeatable; default 1 each). It scales the task in the
    /// training loss and in the validation loss that early stopping watches: a small task whose
    /// validation loss rises early can otherwise stop the run before the large tasks have trained.
    #[arg(long = "task-weight", value_name = "NAME=W")]
    task_weights: Vec<String>,
    #[command(flatten)]
    train: TrainArgs,
    #[command(flatten)]
    torch: TorchArgs,
}

/// Split `FILE[:TARGET[:KIND]]` into (file, target column, task name, kind).
pub fn parse_data_spec(spec: &str) -> Result<(PathBuf, String, String, KindChoice)> {
    let mut parts: Vec<&str> = spec.split(':').collect();
    let kind = match parts.last().copied() {
        Some("class") | Some("classification") if parts.len() >= 3 => KindChoice::Classification,
        Some("regression") | Some("reg") if parts.len() >= 3 => KindChoice::Regression,
        _ => KindChoice::Auto,
    };
    if kind != KindChoice::Auto {
        parts.pop();
    }
    let target = if parts.len() >= 2 { parts.pop().unwrap_or("target").to_string() } else { "target".to_string() };
    let file = PathBuf::from(parts.join(":"));
    if file.as_os_str().is_empty() {
        bail!("--data {spec}: expected FILE[:TARGET[:KIND]]");
    }
    let stem = file.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| target.clone());
    let name = if target == "target" { stem } else { target.clone() };
    Ok((file, target, name, kind))
}

/// Print what data loading did (per file; the first bad rows by number and reason).
pub fn print_data_report(set: &TrainingSet, v: Verbosity) {
    if v == Verbosity::Quiet {
        return;
    }
    for r in &set.reports {
        println!(
            "{}: {} rows, {} used; skipped {} bad formulas, {} rows with missing inputs; {} missing/NaN targets masked; {} repeated compositions merged (values averaged, classes by majority)",
            r.file, r.rows, r.used, r.bad_formulas, r.missing_inputs, r.missing_targets, r.duplicates_merged
        );
    }
    let shown = if v == Verbosity::Verbose { usize::MAX } else { 10 };
    for b in set.bad_rows.iter().take(shown) {
        eprintln!("{}: row {}: {} (skipped)", b.source, b.row, b.reason);
    }
    if set.bad_rows.len() > shown {
        eprintln!("... and {} more bad rows (--verbose lists them all)", set.bad_rows.len() - shown);
    }
}

/// Print one epoch line (every epoch when verbose or `every == 1`, else every `every`th, the
/// first, and new bests).
pub fn print_epoch(p: &FitProgress, v: Verbosity, every: usize) {
    let e = &p.epoch;
    let show = match v {
        Verbosity::Quiet => false,
        Verbosity::Verbose => true,
        Verbosity::Normal => e.epoch == 1 || e.epoch % every.max(1) == 0 || e.epoch == e.epochs,
    };
    if !show {
        return;
    }
    let member = if p.members > 1 { format!("member {}/{} ", p.member + 1, p.members) } else { String::new() };
    let val = e.val_loss.map_or("-".to_string(), |x| format!("{x:.4}"));
    let best = if e.best { " *" } else { "" };
    println!(
        "{member}epoch {:>3}/{}  train {:.4}  val {val}{best}  lr {:.2e}  {:.1}s",
        e.epoch, e.epochs, e.train_loss, e.lr, e.seconds
    );
}

/// Print held-out metrics, one line per task.
pub fn print_held_out(metrics: &[HeldOut]) {
    for h in metrics {
        if let Some(r) = &h.regression {
            let r2 = r.r2.map_or("-".into(), |x| format!("{x:.3}"));
            println!("  {} ({} {} rows): MAE {:.4}  RMSE {:.4}  R² {r2}", h.task, h.split, r.n, r.mae, r.rmse);
        }
        if let Some(c) = &h.classification {
            let auc = c.roc_auc.map_or("-".into(), |x| format!("{x:.3}"));
            println!(
                "  {} ({} {} rows): accuracy {:.3}  macro F1 {:.3}  weighted F1 {:.3}  ROC-AUC {auc}",
                h.task, h.split, c.n, c.accuracy, c.macro_avg.f1, c.weighted.f1
            );
        }
        if let Some(c) = &h.calibration {
            println!(
                "    calibration: NLL {:.3}, within 1σ {:.1}% (ideal 68.3), within 2σ {:.1}% (ideal 95.4)",
                c.nll,
                100.0 * c.within_1sigma,
                100.0 * c.within_2sigma
            );
        }
    }
}

/// Save and report the size.
pub fn save(model: &mut NeuralSurrogate, out: &Path, t0: Instant, v: Verbosity) -> Result<()> {
    model.save(out).with_context(|| format!("saving the model to {}", out.display()))?;
    if v != Verbosity::Quiet {
        let bytes: u64 = walk_size(out);
        println!("saved {} ({:.1} MB) after {:.1}s", out.display(), bytes as f64 / 1e6, t0.elapsed().as_secs_f64());
        print_held_out(&model.card().metrics);
    }
    Ok(())
}

fn walk_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() {
                        walk_size(&p)
                    } else {
                        e.metadata().map_or(0, |m| m.len())
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn run(a: PretrainArgs, v: Verbosity) -> Result<()> {
    let t0 = Instant::now();
    let device = a.torch.setup()?;
    let architecture = a.sizes.architecture()?; // before the data: a bad file fails fast
    let mut sources = Vec::new();
    for spec in &a.data {
        let (file, target, name, kind) = parse_data_spec(spec)?;
        let cols = DatasetColumns {
            formula: &a.formula_col,
            targets: std::slice::from_ref(&target),
            inputs: InputColumns::None,
        };
        let mut table = read_labeled(&file, &cols)?;
        if let Some(n) = a.limit {
            table.formulas.truncate(n);
            table.targets.iter_mut().for_each(|t| t.1.truncate(n));
        }
        sources.push(TaskSource { table, tasks: vec![TaskRequest { name, kind, unit: None }] });
    }
    let set = TrainingSet::build(&sources)?;
    print_data_report(&set, v);
    let (mut train, val_frac, test_frac) = a.train.settings((30, 1e-3, 256, 5, 0.05, 0.1))?;
    train.task_weights = task_weights(&a.task_weights, &set)?;
    if v != Verbosity::Quiet {
        let tasks: Vec<String> = set
            .tasks
            .iter()
            .map(|t| format!("{} ({})", t.name, if t.kind.is_classification() { "classes" } else { "regression" }))
            .collect();
        println!(
            "pretraining on {} compositions, tasks: {}; d_model {}, {} blocks, {} heads; {} threads",
            set.len(),
            tasks.join(", "),
            architecture.d_model,
            architecture.blocks,
            architecture.heads,
            surrogate::set_threads(a.torch.threads)
        );
    }
    let s = FitSettings { architecture, train, val_frac, test_frac, device, ..Default::default() };
    let mut model = surrogate::pretrain(set, &s, &mut |p| print_epoch(p, v, 1))?;
    save(&mut model, &a.out, t0, v)?;
    if v != Verbosity::Quiet {
        if let Some(t) = model.card().training.as_ref() {
            print_task_validation(&model.task_names(), &t.fit, &t.settings);
        }
    }
    Ok(())
}

/// `--task-weight NAME=W` values as one weight per task of `set` (empty when none is given).
fn task_weights(given: &[String], set: &TrainingSet) -> Result<Vec<f64>> {
    if given.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = set.tasks.iter().map(|t| t.name.as_str()).collect();
    let mut w = vec![1.0; names.len()];
    for g in given {
        let Some((name, value)) = g.split_once('=') else {
            bail!("--task-weight {g}: expected NAME=W, e.g. --task-weight {}=0.5", names[0]);
        };
        let Some(t) = names.iter().position(|n| *n == name) else {
            bail!("--task-weight {g}: no task '{name}' (tasks: {})", names.join(", "));
        };
        w[t] = match value.parse::<f64>() {
            Ok(x) if x.is_finite() && x >= 0.0 => x,
            _ => bail!("--task-weight {g}: the weight must be a number ≥ 0"),
        };
    }
    Ok(w)
}

/// After a multi-task run: each task's own validation loss at the kept epoch and at its own
/// best epoch, and a note when the kept epoch cut short tasks that were still improving.
fn print_task_validation(names: &[String], fit: &surrogate::FitReport, s: &TrainSettings) {
    for line in task_validation_lines(names, fit, s) {
        println!("{line}");
    }
}

/// The lines [`print_task_validation`] prints (none without per-task losses).
fn task_validation_lines(names: &[String], fit: &surrogate::FitReport, s: &TrainSettings) -> Vec<String> {
    let best = fit.task_best();
    let kept = fit.best_epoch;
    let Some(at_kept) = fit.val_task_losses.get(kept.wrapping_sub(1)) else { return Vec::new() };
    let mut lines = vec![format!("validation loss per task at the kept epoch {kept} (its own lowest, at epoch):")];
    let (mut rising, mut improving) = (Vec::new(), Vec::new());
    for ((name, now), b) in names.iter().zip(at_kept).zip(&best) {
        let (Some(now), Some((e, low))) = (now, b) else { continue };
        lines.push(format!("  {name} {now:.4} ({low:.4}, epoch {e})"));
        if *e < kept && now - low > 0.05 * low.abs() {
            rising.push((name.as_str(), *e));
        }
        if *e > kept {
            improving.push(name.as_str());
        }
    }
    if let (Some(&(first, _)), false) = (rising.first(), improving.is_empty()) {
        let worse: Vec<String> = rising.iter().map(|(n, e)| format!("{n} (lowest at epoch {e})")).collect();
        let now = names.iter().position(|n| n == first).map_or(1.0, |t| s.task_weight(t));
        lines.push(format!(
            "note: {} kept improving after the kept epoch, but {} got worse before it and held the \
             summed loss up; --task-weight {first}=W with W < {now} lets the other tasks train longer",
            improving.join(", "),
            worse.join(", "),
        ));
    }
    lines
}

/// Print the error chain and pick the exit code: 1 when training itself failed (diverged,
/// libtorch, writing the model), 2 for invalid input (data, arguments, checkpoints).
pub fn report_error(e: &anyhow::Error) -> i32 {
    super::print_error(e.as_ref());
    let failed = e.chain().any(|c| {
        matches!(
            c.downcast_ref::<surrogate::SurrogateError>(),
            Some(surrogate::SurrogateError::Diverged { .. } | surrogate::SurrogateError::Torch(_))
        )
    });
    if failed || format!("{e:#}").starts_with("saving") {
        super::FAILED
    } else {
        super::INVALID
    }
}

/// Run `crucible pretrain`; returns the exit code.
pub fn pretrain(a: PretrainArgs, v: Verbosity) -> i32 {
    run(a, v).map_or_else(|e| report_error(&e), |()| super::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_specs() {
        let (f, t, n, k) = parse_data_spec("data/mp_gap.csv").unwrap();
        assert_eq!(
            (f, t.as_str(), n.as_str(), k),
            (PathBuf::from("data/mp_gap.csv"), "target", "mp_gap", KindChoice::Auto)
        );
        let (_, t, n, k) = parse_data_spec("d.csv:is_metal:class").unwrap();
        assert_eq!((t.as_str(), n.as_str(), k), ("is_metal", "is_metal", KindChoice::Classification));
        let (_, t, _, k) = parse_data_spec("d.csv:y").unwrap();
        assert_eq!((t.as_str(), k), ("y", KindChoice::Auto));
    }

    #[test]
    fn the_note_names_the_task_that_stopped_the_others() {
        let names: Vec<String> = ["big", "small"].map(String::from).to_vec();
        // big falls every epoch; small is lowest at epoch 2 and then rises
        let per_epoch = [(1.0, 0.5), (0.8, 0.3), (0.7, 0.4), (0.65, 0.6), (0.6, 0.8)];
        let fit = surrogate::FitReport {
            best_epoch: 3,
            val_task_losses: per_epoch.iter().map(|&(a, b)| vec![Some(a), Some(b)]).collect(),
            ..Default::default()
        };
        let mut s = TrainSettings::default();
        let lines = task_validation_lines(&names, &fit, &s);
        assert_eq!(lines[0], "validation loss per task at the kept epoch 3 (its own lowest, at epoch):");
        assert_eq!(lines[1], "  big 0.7000 (0.6000, epoch 5)");
        assert_eq!(lines[2], "  small 0.4000 (0.3000, epoch 2)");
        assert!(lines[3].starts_with("note: big kept improving after the kept epoch, but small (lowest at epoch 2)"));
        assert!(
            lines[3].ends_with("--task-weight small=W with W < 1 lets the other tasks train longer"),
            "{}",
            lines[3]
        );
        s.task_weights = vec![1.0, 0.2];
        assert!(task_validation_lines(&names, &fit, &s)[3].contains("W < 0.2"));
        // kept at the last epoch: nothing was cut short, so no note
        let last = surrogate::FitReport { best_epoch: 5, ..fit.clone() };
        assert_eq!(task_validation_lines(&names, &last, &s).len(), 3);
        // no per-task losses (one task): nothing
        assert!(task_validation_lines(&names, &surrogate::FitReport::default(), &s).is_empty());
    }
}
