//! `crucible predict --model DIR --data FILE --out FILE`: the input table with, per task,
//! `<task>_mean` and `<task>_std` (the GP's predictive std when the model has a GP on its
//! embedding, else the ensemble spread; null for a single model), for
//! classification `<task>_class` (the most probable label), and `unseen_elements` (elements
//! the model never saw in training; null when none). Rows with a bad formula or a missing
//! input keep null predictions and are reported.
//!
//! A CSV input written to a CSV output is **streamed**: read, predicted and written in chunks
//! of 16,384 rows, so memory does not grow with the file (the input line is copied as is and
//! the prediction cells appended). Parquet, or an input that already has an output column,
//! goes through the in-memory table path.
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use crucible::chem::Composition;
use crucible::io::csv_field;
use crucible::io::dataset::{read_labeled, write_with_columns, DatasetColumns, InputColumns};
use crucible::surrogate::{encode_table, ModelInputs, NeuralSurrogate, Predictions, TaskKind};

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

/// Rows per streamed chunk.
const CHUNK: usize = 16_384;

/// The prediction columns of `model`, in output order.
fn output_columns(model: &NeuralSurrogate) -> Vec<String> {
    let mut cols = Vec::new();
    for task in &model.card().tasks {
        cols.push(format!("{}_mean", task.name));
        cols.push(format!("{}_std", task.name));
        if task.kind.is_classification() {
            cols.push(format!("{}_class", task.name));
        }
    }
    cols.push("unseen_elements".into());
    cols
}

/// Split one CSV record into unquoted fields.
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// What streaming did, for the summary line.
#[derive(Default)]
struct Streamed {
    rows: usize,
    predicted: usize,
    bad: usize,
    missing_inputs: usize,
    flagged: usize,
    predict_secs: f64,
}

/// Cells appended to each row of one chunk (`good[i]`: the prediction row of line `i`).
fn chunk_cells(
    model: &NeuralSurrogate,
    pred: &Predictions,
    unseen: &[Vec<&str>],
    good: &[Option<usize>],
) -> Vec<String> {
    let tasks = &model.card().tasks;
    good.iter()
        .map(|g| {
            let mut cells: Vec<String> = Vec::new();
            for (t, task) in tasks.iter().enumerate() {
                let Some(i) = *g else {
                    cells.extend(std::iter::repeat_n(String::new(), 2 + task.kind.is_classification() as usize));
                    continue;
                };
                cells.push(pred.mean[[i, t]].to_string());
                cells.push(pred.std.as_ref().map_or(String::new(), |s| s[[i, t]].to_string()));
                if let (TaskKind::Classification { classes }, Some(pr)) = (&task.kind, &pred.probabilities[t]) {
                    let row = pr.row(i);
                    let best = (0..classes.len()).fold(0, |b, c| if row[c] > row[b] { c } else { b });
                    cells.push(classes[best].to_string());
                }
            }
            cells.push(g.map_or(String::new(), |i| unseen[i].join(" ")));
            cells.iter().map(|c| csv_field(c).into_owned()).collect::<Vec<_>>().join(",")
        })
        .collect()
}

/// Stream a CSV input to a CSV output in chunks; `None` when the header already holds an
/// output column (then the table path replaces it).
fn stream_csv(a: &PredictArgs, model: &NeuralSurrogate) -> Result<Option<Streamed>> {
    let input = std::fs::File::open(&a.data).with_context(|| format!("cannot open {}", a.data.display()))?;
    let mut lines = BufReader::new(input).lines();
    let header = lines.next().transpose()?.with_context(|| format!("{}: empty file", a.data.display()))?;
    let header = header.trim_end_matches('\r').to_string();
    let cols = split_csv(&header);
    let outputs = output_columns(model);
    if outputs.iter().any(|o| cols.contains(o)) {
        return Ok(None);
    }
    let find = |name: &str| -> Result<usize> {
        cols.iter()
            .position(|c| c.trim() == name)
            .with_context(|| format!("{}: no column '{name}' (columns: {})", a.data.display(), cols.join(", ")))
    };
    let fi = find(&a.formula_col)?;
    let ii: Vec<usize> = model.input_names().iter().map(|n| find(n)).collect::<Result<_>>()?;
    let tmp = a.out.with_extension("csv.tmp");
    let mut out =
        BufWriter::new(std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?);
    writeln!(out, "{header},{}", outputs.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(","))?;
    let mut st = Streamed::default();
    let mut shown = 0;
    let mut record = String::new();
    let mut chunk: Vec<String> = Vec::with_capacity(CHUNK);
    let mut done = false;
    while !done {
        chunk.clear();
        while chunk.len() < CHUNK {
            let Some(line) = lines.next().transpose()? else {
                done = true;
                break;
            };
            record.push_str(line.trim_end_matches('\r'));
            if record.matches('"').count() % 2 == 1 {
                record.push('\n'); // a quoted field spans lines
                continue;
            }
            chunk.push(std::mem::take(&mut record));
        }
        if chunk.is_empty() {
            continue;
        }
        let (mut comps, mut inputs, mut good) = (Vec::new(), Vec::new(), Vec::with_capacity(chunk.len()));
        for line in &chunk {
            st.rows += 1;
            let f = split_csv(line);
            let cell = |j: usize| f.get(j).map_or("", |c| c.trim());
            let parsed = match cell(fi) {
                "" => Err("empty formula".to_string()),
                text => Composition::parse(text).map_err(|e| format!("'{text}': {e}")),
            };
            let x: Option<Vec<f64>> = ii.iter().map(|&j| cell(j).parse::<f64>().ok().filter(|v| !v.is_nan())).collect();
            match (parsed, x) {
                (Err(reason), _) => {
                    st.bad += 1;
                    if shown < 10 {
                        eprintln!("{}: row {}: {reason} (prediction left empty)", a.data.display(), st.rows);
                        shown += 1;
                    }
                    good.push(None);
                }
                (Ok(_), None) => {
                    st.missing_inputs += 1;
                    good.push(None);
                }
                (Ok(c), Some(x)) => {
                    good.push(Some(comps.len()));
                    comps.push(c);
                    inputs.extend(x);
                }
            }
        }
        let p = ii.len();
        let x = ModelInputs::new(&comps, Some(ndarray::Array2::from_shape_vec((comps.len(), p), inputs)?));
        let t1 = Instant::now();
        let pred = model.predict(&x)?;
        st.predict_secs += t1.elapsed().as_secs_f64();
        let unseen = model.unseen_elements(&x);
        st.flagged += unseen.iter().filter(|u| !u.is_empty()).count();
        st.predicted += comps.len();
        for (line, cells) in chunk.iter().zip(chunk_cells(model, &pred, &unseen, &good)) {
            writeln!(out, "{line},{cells}")?;
        }
    }
    if !record.is_empty() {
        bail!("{}: a quoted field is not closed at the end of the file", a.data.display());
    }
    if st.bad > shown {
        eprintln!("... and {} more bad rows", st.bad - shown);
    }
    if st.missing_inputs > 0 {
        eprintln!("{} rows have a missing input value; predictions left empty", st.missing_inputs);
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&tmp, &a.out).with_context(|| format!("cannot rename into {}", a.out.display()))?;
    Ok(Some(st))
}

fn is_csv(p: &Path) -> bool {
    p.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

fn std_note(model: &NeuralSurrogate) -> String {
    match model.uncertainty_method() {
        "gp" => "_std = predictive std of the GP on the embedding".to_string(),
        "ensemble" => format!("_std = spread of {} ensemble members", model.members().len()),
        _ => {
            "_std is empty: a single network has no uncertainty (fine-tune without --ensemble 1 for an ensemble, or with --uncertainty gp)".to_string()
        }
    }
}

fn run(a: PredictArgs, v: Verbosity) -> Result<()> {
    let t0 = Instant::now();
    let device = a.torch.setup()?;
    let model = NeuralSurrogate::load(&a.model, device)?;
    if is_csv(&a.data) && is_csv(&a.out) {
        if let Some(st) = stream_csv(&a, &model)? {
            if v != Verbosity::Quiet {
                println!(
                    "predicted {} of {} rows ({} bad formulas, {} missing inputs, {} with elements unseen in training) in {:.2}s ({:.0} rows/s), streamed in chunks of {CHUNK}; {} -> {} ({:.1}s total)",
                    st.predicted,
                    st.rows,
                    st.bad,
                    st.missing_inputs,
                    st.flagged,
                    st.predict_secs,
                    st.predicted as f64 / st.predict_secs.max(1e-9),
                    std_note(&model),
                    a.out.display(),
                    t0.elapsed().as_secs_f64()
                );
            }
            return Ok(());
        }
    }
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
        let std_note = std_note(&model);
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
