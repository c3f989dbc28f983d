//! `crucible predict --model DIR --data FILE --out FILE`: the input table with, per task,
//! `<task>_mean` and `<task>_std` (the ensemble spread; null for a single model), for
//! classification `<task>_class` (the most probable label), and `unseen_elements` (elements
//! the model never saw in training; null when none). Rows with a bad formula or a missing
//! input keep null predictions and are reported.
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use crucible::io::dataset::{read_labeled, write_with_columns, DatasetColumns, InputColumns};
use crucible::surrogate::{encode_table, NeuralSurrogate, TaskKind};

use super::pretrain::{report_error, TorchArgs};
use super::progress::Verbosity;

/// `crucible predict` arguments.
#[derive(Debug, clap::Args)]
pub struct PredictArgs {
    /// The model directory.
    #[arg(long)]
    model: PathBuf,
    /// Rows to predict (CSV or Parquet).
    #[arg(long)]
    data: PathBuf,
    /// Output table (CSV or Parquet, by extension).
    #[arg(long)]
    out: PathBuf,
    /// The column holding formulas.
    #[arg(long, default_value = "formula")]
    formula_col: String,
    #[command(flatten)]
    torch: TorchArgs,
}

fn run(a: PredictArgs, v: Verbosity) -> Result<()> {
    let t0 = Instant::now();
    let device = a.torch.setup()?;
    let model = NeuralSurrogate::load(&a.model, device)?;
    let names = model.input_names();
    let cols = DatasetColumns { formula: &a.formula_col, targets: &[], inputs: InputColumns::Named(&names) };
    let table = read_labeled(&a.data, &cols)?;
    let n = table.formulas.len();
    let enc = encode_table(&table);
    let t1 = Instant::now();
    let pred = model.predict(&enc.inputs)?;
    let secs = t1.elapsed().as_secs_f64();
    let unseen = model.unseen_elements(&enc.inputs);
    let mut numeric = Vec::new();
    let mut text = Vec::new();
    for (t, task) in model.card().tasks.iter().enumerate() {
        let mut mean = vec![None; n];
        let mut std = vec![None; n];
        for (i, &r) in enc.rows.iter().enumerate() {
            mean[r] = Some(pred.mean[[i, t]]);
            std[r] = pred.std.as_ref().map(|s| s[[i, t]]);
        }
        numeric.push((format!("{}_mean", task.name), mean));
        numeric.push((format!("{}_std", task.name), std));
        if let (TaskKind::Classification { classes }, Some(pr)) = (&task.kind, &pred.probabilities[t]) {
            let mut label = vec![None; n];
            for (i, &r) in enc.rows.iter().enumerate() {
                let row = pr.row(i);
                let best = (0..classes.len()).fold(0, |b, c| if row[c] > row[b] { c } else { b });
                label[r] = Some(classes[best]);
            }
            numeric.push((format!("{}_class", task.name), label));
        }
    }
    let mut flags = vec![None; n];
    for (i, &r) in enc.rows.iter().enumerate() {
        if !unseen[i].is_empty() {
            flags[r] = Some(unseen[i].join(" "));
        }
    }
    let flagged = flags.iter().filter(|f| f.is_some()).count();
    text.push(("unseen_elements".to_string(), flags));
    write_with_columns(&a.data, &a.out, numeric, text)?;
    let shown = if v == Verbosity::Verbose { usize::MAX } else { 10 };
    for b in enc.bad.iter().take(shown) {
        eprintln!("{}: row {}: {} (prediction left empty)", b.source, b.row, b.reason);
    }
    if enc.bad.len() > shown {
        eprintln!("... and {} more bad rows", enc.bad.len() - shown);
    }
    if !enc.missing_inputs.is_empty() {
        eprintln!(
            "{} rows have a missing input value (first: row {}); predictions left empty",
            enc.missing_inputs.len(),
            enc.missing_inputs[0]
        );
    }
    if v != Verbosity::Quiet {
        let std_note = if model.members().len() > 1 {
            format!("_std = spread of {} ensemble members", model.members().len())
        } else {
            "_std is empty: a single model has no uncertainty (fine-tune with --ensemble N)".to_string()
        };
        println!(
            "predicted {} of {n} rows ({} bad formulas, {} missing inputs, {flagged} with elements unseen in training) in {:.2}s ({:.0} rows/s); {std_note} -> {} ({:.1}s total)",
            enc.rows.len(),
            enc.bad.len(),
            enc.missing_inputs.len(),
            secs,
            enc.rows.len() as f64 / secs.max(1e-9),
            a.out.display(),
            t0.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Run `crucible predict`; returns the exit code.
pub fn predict(a: PredictArgs, v: Verbosity) -> i32 {
    run(a, v).map_or_else(|e| report_error(&e), |()| super::OK)
}
