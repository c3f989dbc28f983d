//! The campaign loop: the one owner of the ask → record → evaluate → record → tell cycle.
//!
//! Every batch is written twice to the candidate log: first as `proposed` (write-ahead), then
//! as `evaluated`/`failed`. The log is the source of truth on resume: rows still `proposed`
//! (in flight at a crash or Ctrl-C) are evaluated again first, with their original ids and
//! iteration; iteration numbers and random streams are derived from the seed and the iteration,
//! so a resumed seeded run proposes the same candidates as one that was never interrupted.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::budget::{Budget, Progress, StopReason};
use super::build::Components;
use super::model::{ModelEvent, Prediction};
use super::CampaignError;
use crate::goals::{dominates, Goals};
use crate::oracle::{Outcome, Request};
use crate::space::{Candidate, ParamValue};
use crate::stop::StopFlag;
use crate::store::{CandidateRow, Cell, PropertyCells, RunDir, RunMeta, Status};
use crate::strategy::{AskContext, Evaluated, Proposal};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Run directory; default: the config's `output.dir`.
    pub out: Option<PathBuf>,
    /// Continue an existing run directory.
    pub resume: bool,
    /// Resume even though the config changed since the run started.
    pub allow_changed_config: bool,
}

/// One batch, as reported to observers.
#[derive(Debug, Clone)]
pub struct BatchRecord {
    /// Iteration number (0 = initial design).
    pub iteration: u64,
    /// Candidates in this batch.
    pub size: usize,
    /// Of which failed.
    pub failed: usize,
    /// Evaluations so far (failed included).
    pub evaluations: usize,
    /// The evaluation budget, if any.
    pub budget_evaluations: Option<usize>,
    /// Best first-objective value among feasible evaluated candidates so far.
    pub best: Option<f64>,
    /// Cumulative running time.
    pub elapsed: Duration,
    /// True for the batch that re-evaluates candidates left in flight by an earlier run.
    pub recovered: bool,
}

/// Receives progress; the CLI turns it into progress bars or log lines.
pub trait Observer {
    /// Before the first batch: the run directory and how many evaluations are already done.
    fn on_start(&mut self, _run_dir: &std::path::Path, _done: usize, _budget: &Budget) {}
    /// After each batch is recorded.
    fn on_batch(&mut self, _batch: &BatchRecord) {}
    /// While the surrogate is trained or loaded, before the first batch.
    fn on_model(&mut self, _event: &ModelEvent) {}
}

/// An observer that ignores everything.
pub struct Silent;
impl Observer for Silent {}

/// A candidate worth showing at the end of a run.
#[derive(Debug, Clone)]
pub struct BestRow {
    /// Its id in the log.
    pub candidate_id: u64,
    /// Formula, for compositions.
    pub formula: Option<String>,
    /// Pool row, for pools.
    pub pool_index: Option<u64>,
    /// (property, value) for every property.
    pub values: Vec<(String, Option<f64>)>,
    /// Input column values, formatted.
    pub inputs: Vec<(String, String)>,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Why it stopped.
    pub stop: StopReason,
    /// Candidates evaluated successfully.
    pub evaluated: usize,
    /// Candidates whose evaluation failed.
    pub failed: usize,
    /// Of the evaluated, how many meet every constraint.
    pub feasible: usize,
    /// Completed iterations (the initial design counts as one).
    pub iterations: usize,
    /// Cumulative running time.
    pub elapsed: Duration,
    /// The best feasible candidates: by utility for one objective, the Pareto front
    /// (ordered by the first objective) for several. At most 10.
    pub best: Vec<BestRow>,
}

fn to_cell(c: crate::space::Cell) -> Cell {
    match c {
        crate::space::Cell::F64(v) => Cell::F64(v),
        crate::space::Cell::I64(v) => Cell::I64(v),
        crate::space::Cell::Str(v) => Cell::Str(v),
    }
}

fn fmt_cell(c: &Cell) -> String {
    match c {
        Cell::F64(v) => format!("{v:.4}"),
        Cell::I64(v) => v.to_string(),
        Cell::Str(s) => s.clone(),
    }
}

impl Components {
    pub(super) fn numeric_inputs(&self, c: &Candidate) -> Vec<f64> {
        let mut v = c.fractions.clone();
        v.extend(c.params.iter().map(|p| match p {
            ParamValue::Real(x) => *x,
            ParamValue::Int(i) => *i as f64,
            ParamValue::Cat(i) => *i as f64,
        }));
        if let (Some(i), Some(pool)) = (c.pool_index, &self.pool_values) {
            v.extend(pool.row(i).iter());
        }
        v
    }

    /// The normalised formula for the log and tables: atomic fractions to 4 significant digits
    /// (the exact values are in the fraction columns, or the pool file).
    pub(super) fn formula(&self, c: &Candidate) -> Option<String> {
        self.composition(c).map(|comp| format!("{comp:.4}"))
    }

    pub(super) fn composition(&self, c: &Candidate) -> Option<crate::chem::Composition> {
        match (c.pool_index, &self.pool_formulas) {
            (Some(i), Some(f)) => crate::chem::Composition::parse(&f[i]).ok().map(|c| c.normalized()),
            _ => self.space.composition(c),
        }
    }

    /// Values of derived properties (density) for a candidate, by property index.
    pub(super) fn derived(&self, c: &Candidate) -> Vec<Option<f64>> {
        self.properties
            .iter()
            .map(|p| match p.source {
                super::build::Source::Density => self.composition(c).and_then(|comp| crate::chem::density(&comp)),
                super::build::Source::Oracle(_) => None,
            })
            .collect()
    }

    pub(super) fn row(
        &self,
        ctx: &RowCtx,
        p: &Proposal,
        id: u64,
        values: &[Option<f64>],
        state: RowState,
    ) -> CandidateRow {
        let RowState { status, failure, feasible, prediction } = state;
        let pred = |k: usize| prediction.as_ref().map_or((None, None), |p| (p.mean[k], p.std[k]));
        CandidateRow {
            iteration: ctx.iteration,
            candidate_id: id,
            origin: p.origin.clone(),
            formula: self.formula(&p.candidate),
            inputs: self.space.cells(&p.candidate).into_iter().map(|(n, c)| (n, to_cell(c))).collect(),
            pool_index: p.candidate.pool_index.map(|i| i as u64),
            properties: self
                .properties
                .iter()
                .zip(values)
                .enumerate()
                .map(|(k, (prop, v))| {
                    let (mean, std) = pred(k);
                    PropertyCells { name: prop.name.clone(), mean, std, value: *v }
                })
                .collect(),
            acquisition: p.acquisition,
            feasible,
            status,
            failure,
            created_at: chrono::Utc::now(),
            config_hash: ctx.config_hash.clone(),
            model_hash: prediction.as_ref().and(self.model.as_ref()).map(|m| m.hash.clone()),
            seed: ctx.seed,
        }
    }

    /// Rebuild a candidate from its logged input cells.
    pub(super) fn candidate_from_row(&self, row: &CandidateRow) -> Result<Candidate, CampaignError> {
        let cells: Vec<(String, crate::space::Cell)> = row
            .inputs
            .iter()
            .map(|(n, c)| {
                let c = match c {
                    Cell::F64(v) => crate::space::Cell::F64(*v),
                    Cell::I64(v) => crate::space::Cell::I64(*v),
                    Cell::Str(v) => crate::space::Cell::Str(v.clone()),
                };
                (n.clone(), c)
            })
            .collect();
        self.space
            .candidate_from_cells(&cells, row.pool_index.map(|i| i as usize))
            .map_err(|e| CampaignError::Resume(format!("candidate {}: {e}", row.candidate_id)))
    }
}

/// Status columns of one log row.
pub(super) struct RowState {
    pub(super) status: Status,
    pub(super) failure: Option<String>,
    pub(super) feasible: Option<bool>,
    /// The surrogate's prediction, when there is a surrogate.
    pub(super) prediction: Option<Prediction>,
}

pub(super) struct RowCtx {
    pub(super) iteration: u64,
    pub(super) config_hash: String,
    pub(super) seed: u64,
}

/// Run (or resume) a campaign to the end of its budget, or until `stop` is set.
pub fn run_loop(
    mut comp: Components,
    meta: RunMeta,
    config_text: &str,
    opts: &RunOptions,
    stop: &StopFlag,
    observer: &mut dyn Observer,
) -> Result<Summary, CampaignError> {
    let run_dir = opts.out.clone().unwrap_or_else(|| comp.spec.output.dir.clone());
    let run = if opts.resume {
        RunDir::open(&run_dir, &meta, opts.allow_changed_config)?
    } else {
        RunDir::create(&run_dir, config_text, &meta)?
    };
    // The oracle may keep per-candidate state in the run directory (Slurm job records).
    comp.oracle.attach_run_dir(run.path());
    let goals = Goals::from_spec(&comp.spec);
    let budget = comp.budget;
    let started = Instant::now();

    let LoadedState { mut seen, mut rows_by_id, mut next_id, mut progress, elapsed_before } =
        load_state(&mut comp, &run, &goals)?;
    prepare_model(&mut comp, &run, &rows_by_id, &seen, false, observer)?;
    retrain_if_due(&mut comp, &run, &rows_by_id, &seen, observer)?;
    observer.on_start(run.path(), progress.evaluations, &budget);
    let mut initial_remaining = initial_remaining(&comp, &rows_by_id);

    // Candidates left in flight by an earlier run are evaluated first.
    let pending: Vec<(Proposal, u64, u64)> = rows_by_id
        .values()
        .zip(&seen)
        .filter(|(r, _)| r.status == Status::Proposed)
        .map(|(r, c)| {
            (
                Proposal { candidate: c.clone(), origin: r.origin.clone(), acquisition: r.acquisition },
                r.candidate_id,
                r.iteration,
            )
        })
        .collect();
    let mut stop_reason = None;
    if !pending.is_empty() {
        let iteration = pending.iter().map(|p| p.2).max().unwrap_or(0);
        let proposals: Vec<Proposal> = pending.iter().map(|p| p.0.clone()).collect();
        let ids: Vec<u64> = pending.iter().map(|p| p.1).collect();
        let ctx = RowCtx { iteration, config_hash: meta.config_hash.clone(), seed: meta.seed };
        let done = evaluate_batch(&comp, &run, &goals, &ctx, &proposals, &ids, stop, &mut rows_by_id)?;
        if done.len() < proposals.len() {
            stop_reason = Some(StopReason::Interrupted);
        }
        comp.strategy.tell(&done)?;
        progress.evaluations += done.len();
        progress.elapsed = elapsed_before + started.elapsed();
        save_checkpoint(&run, &comp, iteration, progress.elapsed)?;
        progress.stale = stale_iterations(&rows_by_id, &goals);
        observer.on_batch(&batch_record(iteration, &done, &progress, &budget, &rows_by_id, &goals, true));
        retrain_if_due(&mut comp, &run, &rows_by_id, &seen, observer)?;
    }

    while stop_reason.is_none() {
        progress.elapsed = elapsed_before + started.elapsed();
        if stop.is_stopped() {
            stop_reason = Some(StopReason::Interrupted);
            break;
        }
        if let Some(r) = budget.check(&progress) {
            stop_reason = Some(r);
            break;
        }
        let iteration = progress.iterations as u64;
        let want = if initial_remaining > 0 { initial_remaining } else { comp.batch_size };
        let n = want.min(budget.remaining_evaluations(&progress));
        let mut rng = crate::rng::stream(meta.seed, "ask", iteration);
        let proposals = ask(&mut comp, &seen, initial_remaining, n, &mut rng)?;
        if proposals.is_empty() {
            stop_reason = Some(StopReason::Exhausted);
            break;
        }
        let ids: Vec<u64> = (next_id..next_id + proposals.len() as u64).collect();
        next_id += proposals.len() as u64;
        initial_remaining -= proposals.iter().filter(|p| p.origin == "initial").count().min(initial_remaining);
        seen.extend(proposals.iter().map(|p| p.candidate.clone()));
        let ctx = RowCtx { iteration, config_hash: meta.config_hash.clone(), seed: meta.seed };
        let done = evaluate_batch(&comp, &run, &goals, &ctx, &proposals, &ids, stop, &mut rows_by_id)?;
        comp.strategy.tell(&done)?;
        progress.evaluations += done.len();
        progress.iterations += 1;
        progress.stale = stale_iterations(&rows_by_id, &goals);
        progress.elapsed = elapsed_before + started.elapsed();
        save_checkpoint(&run, &comp, iteration, progress.elapsed)?;
        observer.on_batch(&batch_record(iteration, &done, &progress, &budget, &rows_by_id, &goals, false));
        if done.len() < proposals.len() {
            stop_reason = Some(StopReason::Interrupted);
        } else if budget.check(&progress).is_none() {
            retrain_if_due(&mut comp, &run, &rows_by_id, &seen, observer)?;
        }
    }
    let rows: Vec<&CandidateRow> = rows_by_id.values().collect();
    Ok(Summary {
        run_dir: run.path().to_owned(),
        stop: stop_reason.unwrap_or(StopReason::Interrupted),
        evaluated: rows.iter().filter(|r| r.status == Status::Evaluated).count(),
        failed: rows.iter().filter(|r| r.status == Status::Failed).count(),
        feasible: rows.iter().filter(|r| r.status == Status::Evaluated && r.feasible == Some(true)).count(),
        iterations: progress.iterations,
        elapsed: progress.elapsed,
        best: best_rows(&rows, &goals, 10),
    })
}

/// What a run directory's log and checkpoint say, with the strategy restored and told.
pub(super) struct LoadedState {
    /// Every candidate proposed so far, in id order.
    pub(super) seen: Vec<Candidate>,
    /// The latest row of each candidate.
    pub(super) rows_by_id: BTreeMap<u64, CandidateRow>,
    /// The next free candidate id.
    pub(super) next_id: u64,
    /// Evaluations and iterations done, cumulative time.
    pub(super) progress: Progress,
    /// Cumulative time before this process started.
    pub(super) elapsed_before: Duration,
}

/// Load the log (the source of truth) and the checkpoint (strategy state + elapsed time);
/// restore the strategy and tell it results it has not seen (a crash between the log and the
/// checkpoint).
pub(super) fn load_state(comp: &mut Components, run: &RunDir, goals: &Goals) -> Result<LoadedState, CampaignError> {
    // State from the log (the source of truth) and the checkpoint (strategy + elapsed time).
    let history = run.log().history()?;
    let ckpt = run.load_checkpoint()?;
    let elapsed_before = ckpt
        .as_ref()
        .and_then(|c| c.get("elapsed_secs"))
        .and_then(|v| v.as_f64())
        .map(Duration::from_secs_f64)
        .unwrap_or_default();
    let ckpt_iteration = ckpt.as_ref().and_then(|c| c.get("iteration")).and_then(|v| v.as_u64());
    if let Some(state) = ckpt.as_ref().and_then(|c| c.get("strategy")) {
        comp.strategy.restore(state)?;
    }
    let mut seen: Vec<Candidate> = Vec::with_capacity(history.len());
    let mut rows_by_id: BTreeMap<u64, CandidateRow> = BTreeMap::new();
    for row in history {
        seen.push(comp.candidate_from_row(&row)?);
        rows_by_id.insert(row.candidate_id, row);
    }
    let next_id = rows_by_id.keys().next_back().map_or(0, |k| k + 1);
    let progress = Progress {
        evaluations: rows_by_id.values().filter(|r| r.status != Status::Proposed).count(),
        iterations: rows_by_id.values().map(|r| r.iteration as usize + 1).max().unwrap_or(0),
        elapsed: elapsed_before,
        stale: stale_iterations(&rows_by_id, goals),
    };
    // Results the strategy has not been told (a crash between the log and the checkpoint).
    let untold: Vec<Evaluated> = rows_by_id
        .values()
        .zip(&seen)
        .filter(|(r, _)| r.status != Status::Proposed && ckpt_iteration.is_none_or(|it| r.iteration > it))
        .map(|(r, c)| evaluated_from_row(r, c, goals))
        .collect();
    if !untold.is_empty() {
        comp.strategy.tell(&untold)?;
    }
    Ok(LoadedState { seen, rows_by_id, next_id, progress, elapsed_before })
}

/// Iterations in a row, up to the last finished one, that found no improvement
/// (`budget.stagnation`), replayed from the log. An iteration improves when one of its feasible
/// evaluated candidates is not weakly dominated (in utilities) by any earlier feasible one: for
/// one objective, a new best. The first iteration (the initial design) never counts as stale.
pub(super) fn stale_iterations(rows: &BTreeMap<u64, CandidateRow>, goals: &Goals) -> usize {
    let mut by_iteration: BTreeMap<u64, Vec<Vec<f64>>> = BTreeMap::new();
    for r in rows.values().filter(|r| r.status != Status::Proposed) {
        let points = by_iteration.entry(r.iteration).or_default();
        if r.status == Status::Evaluated && r.feasible == Some(true) {
            let u = goals.utilities(&values_of(r));
            if u.iter().all(|x| x.is_finite()) {
                points.push(u);
            }
        }
    }
    let weakly = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x >= y);
    let mut front: Vec<Vec<f64>> = Vec::new();
    let mut stale = 0;
    for (k, points) in by_iteration.into_values().enumerate() {
        let mut improved = false;
        for u in points {
            if !front.iter().any(|f| weakly(f, &u)) {
                front.retain(|f| !dominates(&u, f));
                front.push(u);
                improved = true;
            }
        }
        stale = if improved || k == 0 { 0 } else { stale + 1 };
    }
    stale
}

/// Initial-design candidates still to propose.
pub(super) fn initial_remaining(comp: &Components, rows_by_id: &BTreeMap<u64, CandidateRow>) -> usize {
    comp.initial.saturating_sub(rows_by_id.values().filter(|r| r.origin == "initial").count())
}

fn values_of(row: &CandidateRow) -> Vec<Option<f64>> {
    row.properties.iter().map(|p| p.value).collect()
}

pub(super) fn evaluated_from_row(r: &CandidateRow, c: &Candidate, goals: &Goals) -> Evaluated {
    let values = values_of(r);
    let ok = r.status == Status::Evaluated;
    // Rows whose values are the surrogate's own predictions carry its std (in-silico runs).
    let predicted = r.properties.iter().any(|p| p.value.is_some() && p.mean == p.value && p.std.is_some());
    Evaluated {
        candidate: c.clone(),
        feasible: ok && goals.feasible(&values),
        values: ok.then(|| values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
        stds: (ok && predicted).then(|| r.properties.iter().map(|p| p.std.unwrap_or(f64::NAN)).collect()),
    }
}

/// Ask the strategy for `n` candidates, with the surrogate's features when there is one.
pub(super) fn ask(
    comp: &mut Components,
    seen: &[Candidate],
    initial_remaining: usize,
    n: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> Result<Vec<Proposal>, CampaignError> {
    // The strategy is taken out for the call: the features borrow the rest of `comp`.
    let mut strategy = std::mem::replace(&mut comp.strategy, Box::new(crate::strategy::RandomStrategy));
    let ctx = AskContext { space: &comp.space, seen, initial_remaining };
    let result = match &comp.model {
        Some(m) => strategy.ask_with_features(&ctx, &m.feature_map(comp), n, rng),
        None => strategy.ask(&ctx, n, rng),
    };
    comp.strategy = strategy;
    Ok(result?)
}

/// The surrogate's predictions for a batch (all `None` without a surrogate).
pub(super) fn predict(comp: &Components, proposals: &[Proposal]) -> Result<Vec<Option<Prediction>>, CampaignError> {
    match &comp.model {
        None => Ok(vec![None; proposals.len()]),
        Some(m) => {
            let cands: Vec<Candidate> = proposals.iter().map(|p| p.candidate.clone()).collect();
            Ok(m.predict(comp, &cands)?.into_iter().map(Some).collect())
        }
    }
}

/// An in-silico evaluation: the predicted means of the oracle's properties.
fn predicted_outcome(comp: &Components, p: Option<&Prediction>) -> Outcome {
    let Some(p) = p else {
        return Outcome::Failed { reason: "no surrogate prediction".into(), attempts: 1 };
    };
    let mut out = vec![f64::NAN; comp.oracle.properties().len()];
    for (k, prop) in comp.properties.iter().enumerate() {
        if let super::build::Source::Oracle(j) = prop.source {
            match p.mean[k] {
                Some(v) if v.is_finite() => out[j] = v,
                Some(v) => {
                    return Outcome::Failed {
                        reason: format!("the surrogate predicted {v} for {}", prop.name),
                        attempts: 1,
                    }
                }
                None => {
                    return Outcome::Failed {
                        reason: format!("the surrogate does not predict '{}' (no labels for it)", prop.name),
                        attempts: 1,
                    }
                }
            }
        }
    }
    Outcome::Measured(out)
}

/// Make the campaign's surrogate ready: load it from `RUN_DIR/model/` when the run trained it
/// already (and `retrain` is false), else train it on the data file and the log's measurements
/// (never on in-silico rows: those are its own predictions).
pub(super) fn prepare_model(
    comp: &mut Components,
    run: &RunDir,
    rows_by_id: &BTreeMap<u64, CandidateRow>,
    seen: &[Candidate],
    retrain: bool,
    observer: &mut dyn Observer,
) -> Result<(), CampaignError> {
    if comp.spec.surrogate.is_none() {
        return Ok(());
    }
    let dir = run.model_dir();
    let trains = comp.spec.surrogate.as_ref().is_some_and(|s| s.kind != crate::config::spec::SurrogateKind::Gp);
    if trains && !retrain && dir.join("card.yaml").is_file() {
        comp.model = super::model::load(comp, &dir)?;
        if let Some(m) = &comp.model {
            let how = "loaded from the run directory".to_string();
            observer.on_model(&ModelEvent::Ready { description: m.description.clone(), how });
        }
        return Ok(());
    }
    let measured = if comp.screens_in_silico() { Vec::new() } else { measured_rows(rows_by_id, seen, u64::MAX) };
    comp.model = None;
    comp.model = super::model::train(comp, &dir, &measured, &mut |e| observer.on_model(e))?;
    Ok(())
}

/// `surrogate.retrain_every: N`: the iteration after which the model should last have been
/// re-trained, and the measurements it is trained on (every measured row up to and including
/// that iteration), as a function of the log alone — so that a resumed run uses the model an
/// uninterrupted one would. The model is re-trained after each complete iteration (no
/// candidate of it still proposed) that takes the count of measurements past a multiple of N.
/// `None` before the first such iteration (the model trained at the start is current).
pub(super) fn retrain_point(rows: &BTreeMap<u64, CandidateRow>, every: usize) -> Option<(u64, usize)> {
    let mut per_iteration: BTreeMap<u64, (usize, bool)> = BTreeMap::new();
    for r in rows.values() {
        let e = per_iteration.entry(r.iteration).or_insert((0, true));
        match r.status {
            Status::Evaluated => e.0 += 1,
            Status::Proposed => e.1 = false,
            Status::Failed => {}
        }
    }
    let (mut count, mut point) = (0, None);
    for (iteration, (measured, complete)) in per_iteration {
        if !complete {
            break;
        }
        let before = count;
        count += measured;
        if count / every.max(1) > before / every.max(1) {
            point = Some((iteration, count));
        }
    }
    point
}

/// Re-train the surrogate on the measurements so far when `surrogate.retrain_every` says it is
/// due (see [`retrain_point`]) and the installed model was trained on fewer. In-silico rows
/// never count (the config refuses `retrain_every` with `oracle: surrogate`).
fn retrain_if_due(
    comp: &mut Components,
    run: &RunDir,
    rows_by_id: &BTreeMap<u64, CandidateRow>,
    seen: &[Candidate],
    observer: &mut dyn Observer,
) -> Result<(), CampaignError> {
    let Some(every) = comp.spec.surrogate.as_ref().and_then(|s| s.retrain_every) else { return Ok(()) };
    if comp.screens_in_silico() {
        return Ok(());
    }
    let Some((through, count)) = retrain_point(rows_by_id, every) else { return Ok(()) };
    if run.model_record() == Some(count) && comp.model.is_some() {
        return Ok(());
    }
    let measured = measured_rows(rows_by_id, seen, through);
    debug_assert_eq!(measured.len(), count);
    comp.model = None;
    comp.model = super::model::train(comp, &run.model_dir(), &measured, &mut |e| observer.on_model(e))?;
    run.save_model_record(count)?;
    Ok(())
}

/// The measured candidates of the log, with their values, up to and including iteration
/// `through` (what the surrogate trains on).
fn measured_rows(
    rows_by_id: &BTreeMap<u64, CandidateRow>,
    seen: &[Candidate],
    through: u64,
) -> Vec<super::model::Measured> {
    rows_by_id
        .values()
        .zip(seen)
        .filter(|(r, _)| r.status == Status::Evaluated && r.iteration <= through)
        .map(|(r, c)| (c.clone(), values_of(r)))
        .collect()
}

/// Write-ahead the proposals, evaluate, record outcomes. Returns the evaluated ones (in order);
/// candidates not evaluated because of a stop stay `proposed` in the log.
#[allow(clippy::too_many_arguments)]
fn evaluate_batch(
    comp: &Components,
    run: &RunDir,
    goals: &Goals,
    ctx: &RowCtx,
    proposals: &[Proposal],
    ids: &[u64],
    stop: &StopFlag,
    rows_by_id: &mut BTreeMap<u64, CandidateRow>,
) -> Result<Vec<Evaluated>, CampaignError> {
    let derived: Vec<Vec<Option<f64>>> = proposals.iter().map(|p| comp.derived(&p.candidate)).collect();
    let predictions = predict(comp, proposals)?;
    let is_new = ids.iter().any(|id| !rows_by_id.contains_key(id));
    if is_new {
        let rows: Vec<CandidateRow> = proposals
            .iter()
            .zip(ids)
            .zip(&derived)
            .zip(&predictions)
            .map(|(((p, id), d), pred)| {
                let state =
                    RowState { status: Status::Proposed, failure: None, feasible: None, prediction: pred.clone() };
                comp.row(ctx, p, *id, d, state)
            })
            .collect();
        run.log().append(&rows)?;
        for r in rows {
            rows_by_id.insert(r.candidate_id, r);
        }
    }
    let requests: Vec<Request> = proposals
        .iter()
        .zip(ids)
        .map(|(p, id)| Request {
            candidate_id: *id,
            pool_index: p.candidate.pool_index,
            values: comp.numeric_inputs(&p.candidate),
            formula: comp.formula(&p.candidate),
            inputs: comp.space.cells(&p.candidate),
            composition: comp
                .composition(&p.candidate)
                .map(|c| c.iter().map(|(el, x)| (el.to_string(), x)).collect())
                .unwrap_or_default(),
        })
        .collect();
    let outcomes = if comp.screens_in_silico() {
        predictions.iter().map(|p| predicted_outcome(comp, p.as_ref())).collect()
    } else {
        comp.oracle.evaluate(&requests, stop)?
    };
    let mut rows = Vec::with_capacity(proposals.len());
    let mut done = Vec::with_capacity(proposals.len());
    for ((((p, id), d), outcome), pred) in proposals.iter().zip(ids).zip(&derived).zip(outcomes).zip(predictions) {
        let (values, status, failure) = match outcome {
            Outcome::Failed { reason, .. } if reason == "interrupted" && stop.is_stopped() => continue,
            Outcome::Failed { reason, attempts } => (
                d.clone(),
                Status::Failed,
                Some(if attempts > 1 { format!("{reason} (after {attempts} attempts)") } else { reason }),
            ),
            Outcome::Measured(v) => {
                let mut values = d.clone();
                for (prop, slot) in comp.properties.iter().zip(values.iter_mut()) {
                    if let super::build::Source::Oracle(k) = prop.source {
                        *slot = v.get(k).copied();
                    }
                }
                (values, Status::Evaluated, None)
            }
        };
        let ok = status == Status::Evaluated;
        let feasible = ok && goals.feasible(&values);
        let stds = comp
            .screens_in_silico()
            .then(|| pred.as_ref().map(|p| p.std.iter().map(|s| s.unwrap_or(f64::NAN)).collect()))
            .flatten();
        let state = RowState { status, failure, feasible: Some(feasible), prediction: pred };
        rows.push(comp.row(ctx, p, *id, &values, state));
        done.push(Evaluated {
            candidate: p.candidate.clone(),
            values: ok.then(|| values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()),
            feasible,
            stds,
        });
    }
    if !rows.is_empty() {
        run.log().append(&rows)?;
        for r in rows {
            rows_by_id.insert(r.candidate_id, r);
        }
    }
    Ok(done)
}

pub(super) fn save_checkpoint(
    run: &RunDir,
    comp: &Components,
    iteration: u64,
    elapsed: Duration,
) -> Result<(), CampaignError> {
    let state = serde_json::json!({
        "iteration": iteration,
        "elapsed_secs": elapsed.as_secs_f64(),
        "strategy": comp.strategy.checkpoint(),
        "config_dir": comp.config_dir.to_string_lossy(),
    });
    run.save_checkpoint(&state)?;
    Ok(())
}

fn batch_record(
    iteration: u64,
    done: &[Evaluated],
    progress: &Progress,
    budget: &Budget,
    rows: &BTreeMap<u64, CandidateRow>,
    goals: &Goals,
    recovered: bool,
) -> BatchRecord {
    let best = goals.objectives.first().and_then(|(i, g)| {
        rows.values()
            .filter(|r| r.status == Status::Evaluated && r.feasible == Some(true))
            .filter_map(|r| r.properties[*i].value)
            .max_by(|a, b| crate::goals::utility(g, *a).total_cmp(&crate::goals::utility(g, *b)))
    });
    BatchRecord {
        iteration,
        size: done.len(),
        failed: done.iter().filter(|e| e.values.is_none()).count(),
        evaluations: progress.evaluations,
        budget_evaluations: budget.evaluations,
        best,
        elapsed: progress.elapsed,
        recovered,
    }
}

/// The best feasible evaluated rows: by utility for one objective; the Pareto front ordered by
/// the first objective's utility for several.
pub fn best_rows(rows: &[&CandidateRow], goals: &Goals, k: usize) -> Vec<BestRow> {
    let mut scored: Vec<(&CandidateRow, Vec<f64>)> = rows
        .iter()
        .filter(|r| r.status == Status::Evaluated && r.feasible == Some(true))
        .map(|r| (*r, goals.utilities(&values_of(r))))
        .filter(|(_, u)| u.iter().all(|x| x.is_finite()))
        .collect();
    if goals.objectives.len() > 1 {
        let all: Vec<Vec<f64>> = scored.iter().map(|(_, u)| u.clone()).collect();
        scored.retain(|(_, u)| !all.iter().any(|o| dominates(o, u)));
    }
    scored.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then(a.0.candidate_id.cmp(&b.0.candidate_id)));
    scored
        .into_iter()
        .take(k)
        .map(|(r, _)| BestRow {
            candidate_id: r.candidate_id,
            formula: r.formula.clone(),
            pool_index: r.pool_index,
            values: r.properties.iter().map(|p| (p.name.clone(), p.value)).collect(),
            inputs: r.inputs.iter().map(|(n, c)| (n.clone(), fmt_cell(c))).collect(),
        })
        .collect()
}
