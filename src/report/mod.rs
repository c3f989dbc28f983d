//! Reports: plots as PNG and SVG plus `summary.md`, in `RUN_DIR/report/`.
//!
//! Reads the store only (through [`crate::rank::open_run`]); the only home of `plotters`.
//! Prints nothing. Every file is written to a temp name and renamed into place. Text is drawn
//! with DejaVu Sans embedded in the binary (no system fonts needed).
//!
//! | file | what it shows | when |
//! |---|---|---|
//! | `convergence.{png,svg}` | the first objective of every evaluated candidate (feasible: blue dots, infeasible: grey crosses) and the best feasible value so far (red step line) against the number of evaluations (evaluated + failed, in candidate_id order); the target value or range as dashed lines | something evaluated |
//! | `pareto.{png,svg}` | every evaluated candidate on the first two objectives: infeasible grey, feasible blue, the feasible Pareto front red (joined for two objectives), the shortlist ringed and numbered by rank | ≥ 2 objectives |
//! | `parity_<property>.{png,svg}` | predicted mean (± 1 std bars) against measured value, the y = x line, n, MAE, RMSE, R² | the log has `<p>_mean` next to `<p>` |
//! | `calibration.{png,svg}` | fraction of candidates with \|y − μ\| ≤ zσ against the Gaussian expectation erf(z/√2), z from 0 to 3, marks at 1σ, 2σ, 3σ; the diagonal is perfect calibration | predictions with std > 0 |
//! | `summary.md` | campaign, status counts, best values, shortlist top 5, failures grouped by reason, prediction accuracy and coverage, links to the plots or why each was skipped | always |
//!
//! The shortlist marked and tabulated is `RUN_DIR/shortlist.csv` when `crucible rank` wrote
//! one (and every id in it is in the log), else the default ranking
//! ([`crate::rank::RankOptions::default`]); `summary.md` says which.
mod calibration;
mod convergence;
mod front;
mod parity;
mod plot;
mod summary;

use std::collections::HashMap;
use std::path::PathBuf;

use crate::rank::{rank_all, read_shortlist, shortlist, RankError, RankOptions, RunView};

/// Errors of writing a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Opening the run, or writing a file.
    #[error(transparent)]
    Rank(#[from] RankError),
    /// A plot cannot be drawn or saved.
    #[error("cannot draw {path}: {reason}")]
    Plot {
        /// The plot file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// One plot of the report: its files, or why it was skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotOutcome {
    /// What it shows (`Convergence`, `Parity: yield_strength`).
    pub title: String,
    /// The PNG and SVG written (empty when skipped).
    pub files: Vec<PathBuf>,
    /// Why it was not drawn.
    pub skipped: Option<String>,
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOutput {
    /// `RUN_DIR/report/`.
    pub dir: PathBuf,
    /// `RUN_DIR/report/summary.md`.
    pub summary: PathBuf,
    /// Every plot, drawn or skipped.
    pub plots: Vec<PlotOutcome>,
}

/// Keep letters, digits, `-` and `_` of a property name for a file name.
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// Write `RUN_DIR/report/` for an opened run (see the module docs for the files).
pub fn write_report(view: &RunView) -> Result<ReportOutput, ReportError> {
    let dir = view.run.report_dir();
    std::fs::create_dir_all(&dir).map_err(|source| RankError::Io {
        action: "create folder",
        path: dir.clone(),
        source,
    })?;
    let (rows, spec) = (&view.rows, &view.spec);
    let ranking = rank_all(rows, spec);
    let (listed, source) = report_shortlist(view);

    let mut plots = Vec::new();
    let mut outcome = |title: String, drawn: Result<Option<Vec<PathBuf>>, ReportError>, why: String| {
        drawn.map(|files| match files {
            Some(files) => plots.push(PlotOutcome { title, files, skipped: None }),
            None => plots.push(PlotOutcome { title, files: vec![], skipped: Some(why) }),
        })
    };
    let conv = convergence::convergence(rows, spec, &ranking);
    outcome(
        "Convergence".into(),
        conv.map(|c| plot::save(&c, &dir, "convergence")).transpose(),
        "no candidate has been evaluated yet".into(),
    )?;
    let ids: Vec<(usize, u64)> = listed.iter().map(|(r, i, _)| (*r, rows[*i].candidate_id)).collect();
    let why = if spec.objectives.len() < 2 {
        "the campaign has one objective".to_string()
    } else {
        "no candidate has values for both objectives yet".to_string()
    };
    let fr = front::front(rows, spec, &ranking, &ids);
    outcome("Pareto front".into(), fr.map(|f| plot::save(&f, &dir, "pareto")).transpose(), why)?;
    // In silico, the values are the surrogate's own predictions: nothing to compare them with.
    let in_silico = matches!(spec.oracle, crate::config::spec::OracleSpec::Surrogate);
    let par = if in_silico { Vec::new() } else { parity::parity(rows, spec) };
    let no_predictions = if in_silico {
        "in-silico campaign (`oracle: surrogate`): every value is the surrogate's own prediction, so there is no \
         measurement to compare it with; measure candidates through `suggest`/`ingest` or another oracle"
    } else {
        "no predictions in the log: the `<property>_mean`/`_std` columns are empty (no surrogate has predicted for \
         this run's evaluated candidates)"
    };
    if par.is_empty() {
        outcome("Parity".into(), Ok(None), no_predictions.into())?;
    }
    for p in &par {
        let stem = format!("parity_{}", file_stem(&p.name));
        outcome(format!("Parity: {}", p.name), plot::save(p, &dir, &stem).map(Some), String::new())?;
    }
    let curves = calibration::curves(&par);
    let why = if par.is_empty() { no_predictions.to_string() } else { "no prediction has a std > 0".to_string() };
    let cal = (!curves.is_empty()).then(|| calibration::Calibration(curves.clone()));
    outcome("Calibration".into(), cal.map(|c| plot::save(&c, &dir, "calibration")).transpose(), why)?;

    let text = summary::render(&summary::SummaryInput {
        spec,
        rows,
        run_dir: view.run.path(),
        config_path: &view.config_path,
        ranking: &ranking,
        shortlist: &listed,
        shortlist_source: &source,
        parity: &par,
        calibration: &curves,
        plots: &plots,
    });
    let summary = dir.join("summary.md");
    crate::rank::write_atomic(&summary, text.as_bytes())?;
    Ok(ReportOutput { dir, summary, plots })
}

/// The shortlist to mark: (rank, row index, reason), and a sentence saying where it came from.
fn report_shortlist(view: &RunView) -> (Vec<(usize, usize, String)>, String) {
    let path = view.run.shortlist_path();
    let fallback = |why: String| {
        let s = shortlist(&view.rows, &view.spec, &RankOptions::default());
        let by_id: HashMap<u64, usize> = view.rows.iter().enumerate().map(|(i, r)| (r.candidate_id, i)).collect();
        let items = s.entries.iter().map(|e| (e.rank, by_id[&e.row.candidate_id], e.reason.clone())).collect();
        (items, format!("{why}; ranked here with the default rule: {}.", s.rule))
    };
    if !path.exists() {
        return fallback("No shortlist.csv in the run (run `crucible rank` to write one)".into());
    }
    match read_shortlist(&path) {
        Err(e) => fallback(format!("shortlist.csv could not be read ({e})")),
        Ok(records) => {
            let by_id: HashMap<u64, usize> = view.rows.iter().enumerate().map(|(i, r)| (r.candidate_id, i)).collect();
            match records.iter().find(|r| !by_id.contains_key(&r.candidate_id)) {
                Some(r) => {
                    fallback(format!("shortlist.csv names candidate {}, which is not in the log", r.candidate_id))
                }
                None => (
                    records.iter().map(|r| (r.rank, by_id[&r.candidate_id], r.reason.clone())).collect(),
                    format!("From `{}` (written by `crucible rank`).", path.display()),
                ),
            }
        }
    }
}
