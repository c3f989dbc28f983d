//! The lab loop: `suggest` proposes a batch and records it as pending (steps 1–4 of an
//! iteration); `ingest` validates the lab's measurements and records them (steps 6–8). Both go
//! through the same state loading, strategy, row building and checkpoint as `run`, so a lab
//! campaign and an automated one leave the same kind of log.
//!
//! Ingest is all or nothing: every row of the results file is checked first (unknown or
//! duplicate candidate ids, candidates that already have a result, missing, NaN or non-numeric
//! values, each with its row number); if any problem is found nothing is written.
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use super::build::{build_with, Components, OracleUse, Source};
use super::model::Prediction;
use super::run::{
    ask, initial_remaining, load_state, predict, prepare_model, save_checkpoint, Observer, RowCtx, RowState,
};
use super::CampaignError;
use crate::goals::Goals;
use crate::store::{Cell, RunDir, RunMeta, Status};
use crate::strategy::Evaluated;

/// What `suggest` did.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// The run directory.
    pub run_dir: PathBuf,
    /// The CSV for the lab: one row per candidate, empty columns for the measured properties.
    pub csv: PathBuf,
    /// Iteration number of this batch.
    pub iteration: u64,
    /// Candidate ids proposed.
    pub ids: Vec<u64>,
    /// Candidates still pending from earlier batches (not yet ingested).
    pub pending_before: usize,
}

/// What `ingest` recorded.
#[derive(Debug, Clone)]
pub struct Ingested {
    /// Candidates recorded as evaluated.
    pub evaluated: usize,
    /// Candidates recorded as failed (a non-empty `failure` cell).
    pub failed: usize,
    /// Candidates still pending after this ingest.
    pub still_pending: usize,
    /// The surrogate re-trained on all data, when the campaign has one: its description, or
    /// why re-training failed (the measurements are recorded either way).
    pub model: Option<Result<String, String>>,
}

fn config_dir_of(config: &Path) -> &Path {
    config.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// Propose `batch` candidates (default: the rest of the initial design, else the optimizer's
/// batch size) for the campaign in `config`, record them as pending, and write them as CSV.
pub fn suggest(
    config: &Path,
    batch: Option<usize>,
    run_dir: Option<PathBuf>,
    observer: &mut dyn Observer,
) -> Result<Suggestion, CampaignError> {
    let loaded = crate::config::load(config)?;
    let mut comp = build_with(loaded.spec.clone(), config_dir_of(config), OracleUse::Lab)?;
    let meta = RunMeta { config_hash: loaded.hash.clone(), seed: loaded.spec.seed, name: loaded.spec.name.clone() };
    let path = run_dir.unwrap_or_else(|| comp.spec.output.dir.clone());
    let run = if path.join("run.json").exists() {
        RunDir::open(&path, &meta, false)?
    } else {
        RunDir::create(&path, &loaded.text, &meta)?
    };
    let goals = Goals::from_spec(&comp.spec);
    let state = load_state(&mut comp, &run, &goals)?;
    prepare_model(&mut comp, &run, &state.rows_by_id, &state.seen, false, observer)?;
    let iteration = state.progress.iterations as u64;
    let init_left = initial_remaining(&comp, &state.rows_by_id);
    let n = batch.unwrap_or(if init_left > 0 { init_left } else { comp.batch_size });
    let mut rng = crate::rng::stream(meta.seed, "ask", iteration);
    let proposals = ask(&mut comp, &state.seen, init_left, n.max(1), &mut rng)?;
    if proposals.is_empty() {
        return Err(CampaignError::Unsupported("no unseen candidates left in the space: nothing to suggest".into()));
    }
    let ids: Vec<u64> = (state.next_id..state.next_id + proposals.len() as u64).collect();
    let ctx = RowCtx { iteration, config_hash: meta.config_hash.clone(), seed: meta.seed };
    let predictions = predict(&comp, &proposals)?;
    let rows: Vec<_> = proposals
        .iter()
        .zip(&ids)
        .zip(predictions)
        .map(|((p, id), prediction)| {
            let derived = comp.derived(&p.candidate);
            let state = RowState { status: Status::Proposed, failure: None, feasible: None, prediction };
            comp.row(&ctx, p, *id, &derived, state)
        })
        .collect();
    run.log().append(&rows)?;
    save_checkpoint(&run, &comp, iteration, state.elapsed_before)?;

    // The lab's sheet: ids, what to make, derived values, and a column per measurement.
    let measured = measured_properties(&comp);
    let first = &rows[0];
    let mut header = vec!["candidate_id".to_string(), "formula".to_string()];
    if first.pool_index.is_some() {
        header.push("pool_index".into());
    }
    header.extend(first.inputs.iter().map(|(n, _)| n.clone()));
    let derived_names: Vec<&str> =
        comp.properties.iter().filter(|p| p.source == Source::Density).map(|p| p.name.as_str()).collect();
    header.extend(derived_names.iter().map(|n| n.to_string()));
    let predicted: Vec<&str> = comp
        .properties
        .iter()
        .enumerate()
        .filter(|(k, _)| comp.model.as_ref().is_some_and(|m| m.predicts(*k)))
        .map(|(_, p)| p.name.as_str())
        .collect();
    for name in &predicted {
        header.push(format!("{name}_mean"));
        header.push(format!("{name}_std"));
    }
    header.extend(measured.iter().cloned());
    header.push("failure".into());
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = vec![r.candidate_id.to_string(), r.formula.clone().unwrap_or_default()];
            if let Some(i) = r.pool_index {
                line.push(i.to_string());
            }
            line.extend(r.inputs.iter().map(|(_, c)| match c {
                Cell::F64(v) => format!("{v}"),
                Cell::I64(v) => v.to_string(),
                Cell::Str(s) => s.clone(),
            }));
            for name in &derived_names {
                let v = r.properties.iter().find(|p| p.name == *name).and_then(|p| p.value);
                line.push(v.map_or(String::new(), |v| format!("{v:.4}")));
            }
            for name in &predicted {
                let p = r.properties.iter().find(|p| p.name == *name);
                for v in [p.and_then(|p| p.mean), p.and_then(|p| p.std)] {
                    line.push(v.map_or(String::new(), |v| format!("{v:.6}")));
                }
            }
            line.extend(std::iter::repeat_n(String::new(), measured.len() + 1));
            line
        })
        .collect();
    let dir = run.path().join("suggestions");
    std::fs::create_dir_all(&dir)
        .map_err(|e| CampaignError::Unsupported(format!("cannot create {}: {e}", dir.display())))?;
    let csv = dir.join(format!("iteration-{iteration:04}.csv"));
    crate::io::write_csv(&csv, &header, &table)?;
    let pending_before = state.rows_by_id.values().filter(|r| r.status == Status::Proposed).count();
    Ok(Suggestion { run_dir: run.path().to_owned(), csv, iteration, ids, pending_before })
}

fn measured_properties(comp: &Components) -> Vec<String> {
    comp.properties.iter().filter(|p| matches!(p.source, Source::Oracle(_))).map(|p| p.name.clone()).collect()
}

/// One validated results row.
struct Measurement {
    id: u64,
    values: Vec<f64>,
    failure: Option<String>,
}

/// Record the lab's results for pending candidates of the run in `run_dir`. `results` is a
/// CSV/Parquet table with `candidate_id`, one column per measured property (in the property's
/// unit, numbers only), and optionally `failure` (a reason: the candidate could not be made or
/// measured). All rows are validated first; on any problem nothing is recorded.
pub fn ingest(run_dir: &Path, results: &Path, observer: &mut dyn Observer) -> Result<Ingested, CampaignError> {
    let info = RunDir::inspect(run_dir)?.info().clone();
    let probe = RunDir::inspect(run_dir)?;
    let config_dir = probe
        .load_checkpoint()?
        .and_then(|c| c.get("config_dir").and_then(|d| d.as_str()).map(PathBuf::from))
        .unwrap_or_else(|| run_dir.to_path_buf());
    let text = std::fs::read_to_string(probe.config_path())
        .map_err(|e| CampaignError::Resume(format!("{}: {e}", probe.config_path().display())))?;
    let label = probe.config_path().display().to_string();
    let spec = crate::config::parse_str(&text, &label, &config_dir)?;
    let mut comp = build_with(spec, &config_dir, OracleUse::Lab)?;
    let meta = RunMeta { config_hash: info.config_hash.clone(), seed: info.seed, name: info.name.clone() };
    let run = RunDir::open(run_dir, &meta, false)?;
    let goals = Goals::from_spec(&comp.spec);
    let mut state = load_state(&mut comp, &run, &goals)?;
    let measured = measured_properties(&comp);
    let rows = read_results(results, &measured, &state.rows_by_id)?;

    let mut by_iteration: BTreeMap<u64, Vec<(usize, Measurement)>> = BTreeMap::new();
    for m in rows {
        let it = state.rows_by_id[&m.id].iteration;
        let pos = state.rows_by_id.keys().position(|k| *k == m.id).unwrap_or(0);
        by_iteration.entry(it).or_default().push((pos, m));
    }
    let mut out_rows = Vec::new();
    let mut told = Vec::new();
    let (mut evaluated, mut failed) = (0, 0);
    for (iteration, ms) in by_iteration {
        let ctx = RowCtx { iteration, config_hash: meta.config_hash.clone(), seed: meta.seed };
        for (pos, m) in ms {
            let prev = &state.rows_by_id[&m.id];
            let candidate = &state.seen[pos];
            let mut values = comp.derived(candidate);
            for (prop, slot) in comp.properties.iter().zip(values.iter_mut()) {
                if let Source::Oracle(k) = prop.source {
                    *slot = m.values.get(k).copied().filter(|_| m.failure.is_none());
                }
            }
            let ok = m.failure.is_none();
            let feasible = ok && goals.feasible(&values);
            let proposal = crate::strategy::Proposal {
                candidate: candidate.clone(),
                origin: prev.origin.clone(),
                acquisition: prev.acquisition,
            };
            let status = if ok { Status::Evaluated } else { Status::Failed };
            let state = RowState {
                status,
                failure: m.failure.clone(),
                feasible: Some(feasible),
                prediction: prediction_of(prev),
            };
            let mut row = comp.row(&ctx, &proposal, m.id, &values, state);
            // The prediction came from the model of the `suggest` that proposed it.
            row.model_hash = prev.model_hash.clone();
            out_rows.push(row);
            told.push(Evaluated {
                candidate: candidate.clone(),
                values: ok.then(|| values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
                feasible,
                stds: None,
            });
            if ok {
                evaluated += 1;
            } else {
                failed += 1;
            }
        }
    }
    run.log().append(&out_rows)?;
    comp.strategy.tell(&told)?;
    let iteration = state.progress.iterations.saturating_sub(1) as u64;
    save_checkpoint(&run, &comp, iteration, state.elapsed_before)?;
    let pending = state.rows_by_id.values().filter(|r| r.status == Status::Proposed).count() - out_rows.len();
    for r in out_rows {
        state.rows_by_id.insert(r.candidate_id, r);
    }
    // The next `suggest` uses a surrogate that has seen every measurement so far.
    let model = comp.spec.surrogate.is_some().then(|| {
        match prepare_model(&mut comp, &run, &state.rows_by_id, &state.seen, true, observer) {
            Ok(()) => Ok(comp.model.as_ref().map_or_else(String::new, |m| m.description.clone())),
            Err(e) => Err(e.to_string()),
        }
    });
    Ok(Ingested { evaluated, failed, still_pending: pending, model })
}

/// The prediction a pending row was logged with (kept when its measurement is recorded).
fn prediction_of(row: &crate::store::CandidateRow) -> Option<Prediction> {
    row.properties.iter().any(|p| p.mean.is_some()).then(|| Prediction {
        mean: row.properties.iter().map(|p| p.mean).collect(),
        std: row.properties.iter().map(|p| p.std).collect(),
        unseen: Vec::new(),
    })
}

/// Read and validate a results table against the pending candidates; every problem is
/// collected with its 1-based row number.
fn read_results(
    path: &Path,
    measured: &[String],
    rows_by_id: &BTreeMap<u64, crate::store::CandidateRow>,
) -> Result<Vec<Measurement>, CampaignError> {
    let df = crate::io::read_table(path)?;
    let cols = crate::io::column_names(&df);
    let mut problems = Vec::new();
    for need in std::iter::once(&"candidate_id".to_string()).chain(measured) {
        if !cols.contains(need) {
            let hint = crate::config::diagnostics::suggest(need, cols.iter().map(|s| s.as_str()));
            problems.push(format!(
                "no column '{need}'{}",
                hint.map_or(String::new(), |h| format!(" (did you mean '{h}'?)"))
            ));
        }
    }
    if df.height() == 0 {
        problems.push("the table has no rows".into());
    }
    if !problems.is_empty() {
        return Err(CampaignError::Ingest { path: path.to_owned(), problems });
    }
    let ids = crate::io::string_column(&df, path, "candidate_id")?;
    let values: Vec<Vec<Option<String>>> =
        measured.iter().map(|m| crate::io::string_column(&df, path, m)).collect::<Result<_, _>>()?;
    let failures = if cols.iter().any(|c| c == "failure") {
        crate::io::string_column(&df, path, "failure")?
    } else {
        vec![None; df.height()]
    };
    let mut seen_ids = HashSet::new();
    let mut out = Vec::new();
    for i in 0..df.height() {
        let row = i + 1;
        let id = match ids[i].as_deref().map(str::trim).map(str::parse::<u64>) {
            Some(Ok(id)) => id,
            other => {
                problems.push(format!(
                    "row {row}: candidate_id {} is not a candidate id",
                    other.map_or("(empty)".to_string(), |_| format!("'{}'", ids[i].clone().unwrap_or_default()))
                ));
                continue;
            }
        };
        if !seen_ids.insert(id) {
            problems.push(format!("row {row}: candidate {id} appears more than once"));
            continue;
        }
        match rows_by_id.get(&id) {
            None => {
                problems.push(format!("row {row}: candidate {id} is not in this run"));
                continue;
            }
            Some(r) if r.status != Status::Proposed => {
                problems.push(format!("row {row}: candidate {id} already has a result ({})", r.status));
                continue;
            }
            Some(_) => {}
        }
        let failure = failures[i].as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let mut vals = Vec::with_capacity(measured.len());
        for (name, col) in measured.iter().zip(&values) {
            let cell = col[i].as_deref().map(str::trim).unwrap_or("");
            if failure.is_some() {
                vals.push(f64::NAN);
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => vals.push(v),
                Ok(_) => problems.push(format!("row {row}: {name} is '{cell}' (not a finite number)")),
                Err(_) if cell.is_empty() => problems
                    .push(format!("row {row}: {name} is empty (give a number, or a reason in the `failure` column)")),
                Err(_) => problems.push(format!(
                    "row {row}: {name} is '{cell}', not a number (write the number alone, in the property's unit)"
                )),
            }
        }
        out.push(Measurement { id, values: vals, failure });
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(CampaignError::Ingest { path: path.to_owned(), problems })
    }
}
