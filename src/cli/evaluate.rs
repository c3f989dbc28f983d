//! `crucible evaluate --model DIR --data FILE --target COL`: metrics of a model on labelled
//! data — MAE, RMSE, R² for regression, with calibration (NLL, fraction within 1σ and 2σ)
//! when the model states an uncertainty (deep ensemble or GP on the embedding); a per-class
//! report (precision, recall, F1, support; micro, macro, weighted) and ROC-AUC for
//! classification. Rows with a bad formula, a missing input or a NaN target are dropped and
//! counted.
//!
//! For a fine-tuned model it then retrains, with the settings and split its card records and
//! on the data it was fine-tuned on, a linear probe (the starting checkpoint's encoder frozen,
//! a fresh linear head) and the same architecture from scratch, and scores all three side by
//! side on the same rows (`--no-compare` skips this).
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use crucible::chem::Composition;
use crucible::io::dataset::{read_labeled, DatasetColumns, InputColumns};
use crucible::surrogate::compare::{describe_uncertainty, retrain_baselines, Baseline};
use crucible::surrogate::metrics::{self, ClassificationMetrics};
use crucible::surrogate::{
    encode_table, Device, KindChoice, ModelInputs, NeuralSurrogate, TaskKind, TaskRequest, TaskSource, TrainingSet,
};

use super::pretrain::{print_epoch, report_error, TorchArgs};
use super::progress::Verbosity;

/// `crucible evaluate` arguments.
#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// The model directory.
    #[arg(long)]
    model: PathBuf,
    /// Labelled data (CSV or Parquet).
    #[arg(long)]
    data: PathBuf,
    /// The column with the true values.
    #[arg(long)]
    target: String,
    /// The model's task to compare against (default: the task named like the target column,
    /// or the model's only task).
    #[arg(long)]
    task: Option<String>,
    /// The column holding formulas (in --data and in the training data a comparison re-reads).
    #[arg(long, default_value = "formula")]
    formula_col: String,
    /// Skip retraining the linear probe and from-scratch models for the side-by-side comparison.
    #[arg(long)]
    no_compare: bool,
    #[command(flatten)]
    torch: TorchArgs,
}

fn print_report(c: &ClassificationMetrics) {
    println!("  {:<14}{:>10}{:>10}{:>10}{:>10}", "", "precision", "recall", "f1", "support");
    for l in &c.classes {
        println!("  {:<14}{:>10.3}{:>10.3}{:>10.3}{:>10}", l.label, l.precision, l.recall, l.f1, l.support);
    }
    for (name, a) in [("micro avg", &c.micro), ("macro avg", &c.macro_avg), ("weighted avg", &c.weighted)] {
        println!("  {:<14}{:>10.3}{:>10.3}{:>10.3}{:>10}", name, a.precision, a.recall, a.f1, c.n);
    }
    println!(
        "  accuracy {:.3}   ROC-AUC {}",
        c.accuracy,
        c.roc_auc.map_or("- (one class only)".into(), |x| format!("{x:.3}"))
    );
}

/// One model's scores on the evaluated rows, for the comparison table.
/// One model's scores on one line, its name padded to `width` characters.
fn score_line(
    name: &str,
    width: usize,
    model: &NeuralSurrogate,
    x: &ModelInputs,
    truth: &[f64],
    task: &str,
) -> Result<String> {
    let pred = model.predict(x)?;
    let Some(ti) = model.card().task_index(task) else { bail!("{name}: no task '{task}'") };
    Ok(match &model.card().tasks[ti].kind {
        TaskKind::Regression { .. } => {
            let mean = pred.mean.column(ti).to_vec();
            let m = metrics::regression(truth, &mean);
            let r2 = m.r2.map_or("-".into(), |x| format!("{x:.4}"));
            let cal = pred.std.as_ref().map_or("-".to_string(), |sd| {
                let c = metrics::calibration(truth, &mean, &sd.column(ti).to_vec());
                format!("{:.3} / {:.0}% / {:.0}%", c.nll, 100.0 * c.within_1sigma, 100.0 * c.within_2sigma)
            });
            format!("  {name:<width$}{:>11.4}{:>11.4}{:>9}   {cal}", m.mae, m.rmse, r2)
        }
        TaskKind::Classification { classes } => {
            let labels: Vec<usize> = truth.iter().map(|y| classes.iter().position(|c| c == y).unwrap_or(0)).collect();
            let pr = pred.probabilities[ti].as_ref().expect("classification probabilities");
            let c = metrics::classification(&labels, pr.as_slice().expect("contiguous"), classes);
            let auc = c.roc_auc.map_or("-".into(), |x| format!("{x:.3}"));
            format!("  {name:<width$}{:>11.3}{:>11.3}{:>9}", c.accuracy, c.macro_avg.f1, auc)
        }
    })
}

/// Retrain the linear probe and the from-scratch model of a fine-tuned `model` and print the
/// three side by side on the rows `x` (compositions `formulas`, truth `truth`). Returns a
/// reason when the comparison cannot be made.
fn compare(
    a: &EvaluateArgs,
    model: &NeuralSurrogate,
    t: usize,
    device: Device,
    (x, truth, formulas): (&ModelInputs, &[f64], &[String]),
    v: Verbosity,
) -> Result<Option<String>> {
    let card = model.card();
    let Some(rec) = card.training.as_ref().filter(|r| r.stage == "finetune") else {
        return Ok(Some("the model was not fine-tuned (its card records no finetune stage)".into()));
    };
    let task = &card.tasks[t];
    let Some((file, col)) = task.source.rsplit_once(':') else {
        return Ok(Some(format!("the card does not say which file task '{}' was trained on", task.name)));
    };
    let file = Path::new(file);
    if !file.is_file() {
        return Ok(Some(format!(
            "the training data {} (recorded in the card) is not found from this directory",
            file.display()
        )));
    }
    if rec.from == "scratch" {
        return Ok(Some("the model was trained from scratch: there is no pretrained encoder to compare with".into()));
    }
    let start = if Path::new(&rec.from).is_dir() {
        let m = NeuralSurrogate::load(rec.from.as_ref(), device)?;
        if rec.from_sha256.is_some() && m.members()[0].card().weights_sha256 != rec.from_sha256 {
            println!(
                "  note: {} has changed since this model was fine-tuned from it (weights SHA-256 differs)",
                rec.from
            );
        }
        Some(m)
    } else {
        println!("  note: the starting checkpoint {} is not found from this directory: no linear probe", rec.from);
        None
    };
    let names = model.input_names();
    let targets = [col.to_string()];
    let cols = DatasetColumns { formula: &a.formula_col, targets: &targets, inputs: InputColumns::Named(&names) };
    let table = read_labeled(file, &cols)?;
    if let Some(d) = card.data.iter().find(|d| Path::new(&d.file) == file) {
        if d.sha256 != table.sha256 {
            println!(
                "  note: {} has changed since fine-tuning (SHA-256 differs): the split is not the same",
                file.display()
            );
        }
    }
    let kind = if task.kind.is_classification() { KindChoice::Classification } else { KindChoice::Regression };
    let req = TaskRequest { name: task.name.clone(), kind, unit: task.unit.clone() };
    let set = TrainingSet::build(&[TaskSource { table, tasks: vec![req] }])?;
    let s = &rec.settings;
    if v != Verbosity::Quiet {
        println!(
            "comparison: retraining on {} with this model's recorded settings (up to {} epochs, lr {:.1e}, batch {}, patience {}, seed {}, validation {:.0}% / test {:.0}% of compositions, {} member(s)):",
            file.display(),
            s.epochs,
            s.lr,
            s.batch_size,
            s.patience,
            s.seed,
            100.0 * rec.split.val_frac,
            100.0 * rec.split.test_frac,
            card.members.len().max(1)
        );
        if start.is_some() {
            println!("  (a) linear probe: the encoder of {} frozen, a fresh linear head", rec.from);
        }
        match &card.descriptors {
            Some(d) => println!(
                "  (b) from scratch: the same architecture, freshly initialised, with the same {} descriptor branch",
                d.set
            ),
            None => println!("  (b) from scratch: the same architecture, freshly initialised"),
        }
        if let Some(r) = describe_uncertainty(card) {
            match start {
                Some(_) => {
                    println!("  both with this model's uncertainty: {r} (the probe keeps its linear head's mean)")
                }
                None => println!("  with this model's uncertainty: {r}"),
            }
        }
    }
    let mut progress = |b: Baseline, p: &_| {
        if v == Verbosity::Verbose {
            print!("{} ", if b == Baseline::Probe { "probe" } else { "scratch" });
            print_epoch(p, v, 10);
        }
    };
    let base = retrain_baselines(card, &set, start.as_ref(), device, &mut progress)?;
    let seen: std::collections::HashSet<&str> =
        base.split.train.iter().chain(&base.split.val).map(|&r| set.formulas[r].as_str()).collect();
    let overlap = formulas.iter().filter(|f| seen.contains(f.as_str())).count();
    println!(
        "side by side on the same {} rows of {} (models trained on {} rows, {} more for early stopping):",
        truth.len(),
        a.data.display(),
        base.split.train.len(),
        base.split.val.len()
    );
    if overlap > 0 {
        println!(
            "  note: {overlap} of these rows are compositions in that training/validation split: scores on them are not held out"
        );
    }
    let this = match model.uncertainty_method() {
        "none" => format!("fine-tuned from {} (this model)", rec.from),
        method => format!("fine-tuned from {} (this model; std: {method})", rec.from),
    };
    let mut lines: Vec<(&str, &NeuralSurrogate)> = vec![(&this, model)];
    if let Some(p) = &base.probe {
        lines.push(("linear probe (frozen encoder, linear head)", p));
    }
    lines.push(("from scratch (same architecture)", &base.scratch));
    // The name column fits the longest name (a checkpoint path can be long).
    let width = lines.iter().map(|(n, _)| n.chars().count() + 2).max().unwrap_or(0).max(44);
    if task.kind.is_classification() {
        println!("  {:<width$}{:>11}{:>11}{:>9}", "model", "accuracy", "macro F1", "ROC-AUC");
    } else {
        println!("  {:<width$}{:>11}{:>11}{:>9}   NLL / within 1σ / 2σ", "model", "MAE", "RMSE", "R²");
    }
    for (name, m) in lines {
        println!("{}", score_line(name, width, m, x, truth, &task.name)?);
    }
    Ok(None)
}

fn run(a: EvaluateArgs, v: Verbosity) -> Result<()> {
    let device = a.torch.setup()?;
    let model = NeuralSurrogate::load(&a.model, device)?;
    let card = model.card();
    let task = match &a.task {
        Some(t) => t.clone(),
        None if card.task_index(&a.target).is_some() => a.target.clone(),
        None if card.tasks.len() == 1 => card.tasks[0].name.clone(),
        None => bail!(
            "the model has tasks [{}]; say which one to compare with --task",
            card.tasks.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
        ),
    };
    let Some(t) = card.task_index(&task) else {
        bail!("the model has no task '{task}' (tasks: {})", model.task_names().join(", "));
    };
    let names = model.input_names();
    let targets = std::slice::from_ref(&a.target);
    let cols = DatasetColumns { formula: &a.formula_col, targets, inputs: InputColumns::Named(&names) };
    let table = read_labeled(&a.data, &cols)?;
    let enc = encode_table(&table);
    let y = &table.targets[0].1;
    let keep: Vec<usize> = (0..enc.rows.len()).filter(|&i| y[enc.rows[i]].is_some()).collect();
    let nan = enc.rows.len() - keep.len();
    println!(
        "{}: {} rows; dropped {} bad formulas, {} missing inputs, {nan} NaN/empty targets; evaluating {} rows on task '{task}'",
        a.data.display(),
        table.formulas.len(),
        enc.bad.len(),
        enc.missing_inputs.len(),
        keep.len()
    );
    if v == Verbosity::Verbose {
        enc.bad.iter().for_each(|b| eprintln!("{}: row {}: {}", b.source, b.row, b.reason));
    }
    if keep.is_empty() {
        bail!("no rows left to evaluate");
    }
    let x = ModelInputs {
        compositions: enc.inputs.compositions.select(&keep),
        inputs: enc.inputs.inputs.select(ndarray::Axis(0), &keep),
    };
    let truth: Vec<f64> = keep.iter().map(|&i| y[enc.rows[i]].expect("kept rows have targets")).collect();
    let pred = model.predict(&x)?;
    let unseen = model.unseen_elements(&x).iter().filter(|u| !u.is_empty()).count();
    if unseen > 0 {
        println!("  {unseen} rows hold elements never seen in training (extrapolation)");
    }
    match &card.tasks[t].kind {
        TaskKind::Regression { .. } => {
            let mean: Vec<f64> = pred.mean.column(t).to_vec();
            let m = metrics::regression(&truth, &mean);
            let r2 = m.r2.map_or("-".into(), |x| format!("{x:.4}"));
            println!("  MAE {:.4}  RMSE {:.4}  R² {r2}  (n = {})", m.mae, m.rmse, m.n);
            if let Some(sd) = &pred.std {
                let c = metrics::calibration(&truth, &mean, &sd.column(t).to_vec());
                let how = match model.uncertainty_method() {
                    "gp" => "GP on the embedding".to_string(),
                    _ => format!("ensemble of {} members", model.members().len()),
                };
                println!(
                    "  calibration ({how}): NLL {:.3}, within 1σ {:.1}% (ideal 68.3), within 2σ {:.1}% (ideal 95.4)",
                    c.nll,
                    100.0 * c.within_1sigma,
                    100.0 * c.within_2sigma
                );
            } else {
                println!("  (a single model without a GP: no uncertainty to calibrate)");
            }
        }
        TaskKind::Classification { classes } => {
            let mut labels = Vec::with_capacity(truth.len());
            for y in &truth {
                match classes.iter().position(|c| c == y) {
                    Some(k) => labels.push(k),
                    None => bail!("target value {y} is not one of the model's classes {classes:?}"),
                }
            }
            let pr = pred.probabilities[t].as_ref().expect("classification probabilities");
            print_report(&metrics::classification(&labels, pr.as_slice().expect("contiguous"), classes));
        }
    }
    if a.no_compare {
        return Ok(());
    }
    let formulas: Vec<String> = keep
        .iter()
        .map(|&i| {
            table.formulas[enc.rows[i]]
                .as_deref()
                .and_then(|f| Composition::parse(f.trim()).ok())
                .map_or_else(String::new, |c| c.normalized().formula())
        })
        .collect();
    if let Some(why) = compare(&a, &model, t, device, (&x, &truth, &formulas), v)? {
        println!("no side-by-side comparison: {why}");
    }
    Ok(())
}

/// Run `crucible evaluate`; returns the exit code.
pub fn evaluate(a: EvaluateArgs, v: Verbosity) -> i32 {
    run(a, v).map_or_else(|e| report_error(&e), |()| super::OK)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    fn run(args: &[&str]) -> i32 {
        let mut argv = vec!["crucible", "--quiet"];
        argv.extend_from_slice(args);
        super::super::dispatch(super::super::Cli::try_parse_from(argv).expect("arguments parse"))
    }

    #[test]
    fn finetune_predict_evaluate_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let p = |name: &str| dir.path().join(name).display().to_string();
        let mut csv = String::from("formula,temp,y,metal\n");
        for i in 0..60 {
            let x = 0.05 + 0.9 * (i as f64) / 60.0;
            let t = 300 + 50 * (i % 4);
            csv.push_str(&format!(
                "Fe{x:.3}Ni{:.3},{t},{:.4},{}\n",
                1.0 - x,
                2.0 * x + t as f64 / 1000.0,
                (x > 0.5) as u8
            ));
        }
        csv.push_str("Xx2O,300,1.0,1\nFeNi,300,NaN,0\n");
        let data = p("d.csv");
        std::fs::write(&data, csv).unwrap();
        let common = ["--epochs", "3", "--threads", "1", "--batch-size", "16"];
        let mut ft = vec!["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out"];
        let out = p("m");
        ft.push(&out);
        ft.extend_from_slice(&["--inputs", "temp", "--ensemble", "2"]);
        ft.extend_from_slice(&common);
        assert_eq!(run(&ft), super::super::OK);
        let pred = p("pred.csv");
        assert_eq!(run(&["predict", "--model", &out, "--data", &data, "--out", &pred]), super::super::OK);
        let text = std::fs::read_to_string(&pred).unwrap();
        let header = text.lines().next().unwrap();
        assert!(header.ends_with("y_mean,y_std,unseen_elements"), "{header}");
        assert!(text.lines().nth(61).unwrap().ends_with(",,,"), "the bad row keeps empty predictions");
        assert_eq!(run(&["evaluate", "--model", &out, "--data", &data, "--target", "y"]), super::super::OK);
        // classification from the same file, then its report
        let cls = p("c");
        let mut fc =
            vec!["finetune", "--from", "scratch", "--data", &data, "--target", "metal", "--out", &cls, "--no-inputs"];
        fc.extend_from_slice(&common);
        assert_eq!(run(&fc), super::super::OK);
        assert_eq!(run(&["evaluate", "--model", &cls, "--data", &data, "--target", "metal"]), super::super::OK);
        // clear failures: missing column, missing model, freezing without a checkpoint
        assert_eq!(run(&["evaluate", "--model", &cls, "--data", &data, "--target", "nope"]), super::super::INVALID);
        assert_eq!(run(&["predict", "--model", &p("none"), "--data", &data, "--out", &pred]), super::super::INVALID);
        let bad =
            ["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out", &cls, "--freeze", "heads"];
        assert_eq!(run(&bad), super::super::INVALID);
    }
}
