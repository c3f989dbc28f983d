//! Ranking for synthesis: the best feasible evaluated candidates of a run by the campaign's
//! goals, optionally diverse, each with a one-line reason, exported as CSV.
//!
//! Reads the store only (rows in, [`Shortlist`] out). Prints nothing, uses no polars and
//! draws nothing; `report` builds on [`rank_all`] and [`shortlist`].
//!
//! # Which candidates qualify
//! The latest row of each candidate (see [`crate::store::CandidateLog::history`]) with status
//! `evaluated`, every constraint of the campaign met by its logged values (re-checked here; a
//! missing constrained value is a violation; a row the log marks `feasible = false` stays out)
//! and a finite value for every objective. Everything else is counted in [`Exclusions`], by
//! reason: not yet evaluated, failed, infeasible (per violated constraint), objective missing.
//!
//! # Order
//! * **One objective**: utility descending ([`crate::goals::utility`]: the value for
//!   `maximize`, its negative for `minimize`, minus the distance outside the band for
//!   `target`/`range`).
//! * **Several objectives**: Pareto rank ascending (non-dominated sorting of the utility
//!   vectors, [`pareto_ranks`]); within a rank, NSGA-II crowding distance descending
//!   ([`crowding_distances`], computed within the front on its min–max-normalised utilities,
//!   so the front's extremes come first and then the most isolated trade-offs); then the sum
//!   of the utilities min–max-normalised over all qualifying candidates, descending (balanced
//!   candidates first).
//! * Remaining ties (values inside a target's tolerance band all have utility 0): closeness
//!   to the target values, Σ |y − value| / tolerance over `target` objectives, ascending
//!   ([`target_offset`]); then `candidate_id` ascending (the earlier evaluation first).
//!
//! # Diversity
//! With a minimum distance D, candidates are taken in that order and one closer than D to any
//! already shortlisted candidate is skipped ([`greedy`]). The distance is composition distance
//! when every qualifying candidate has a formula, else input distance: see [`DistanceKind`].
//! Default D: [`DEFAULT_MIN_DISTANCE`].
//!
//! ```
//! # use crucible::rank::*;
//! let opts = RankOptions::new(5, Some(DEFAULT_MIN_DISTANCE)).unwrap();
//! assert_eq!((opts.top(), opts.min_distance()), (5, Some(0.05)));
//! assert!(RankOptions::new(0, None).is_err());
//! ```
mod coverage;
mod csv;
mod diversity;
mod load;
mod reason;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crate::pareto;
pub use crate::pareto::{crowding_distances, pareto_ranks};
pub use coverage::Coverage;
pub use csv::{csv_field, read_shortlist, shortlist_csv, write_atomic, write_shortlist, ShortlistRecord};
pub use diversity::{greedy, DistanceKind, Embedding};
pub use load::{open_run, RunView};
pub use reason::{describe_goal, fmt_num};

use crate::config::spec::{CampaignSpec, Goal};
use crate::goals::Goals;
use crate::store::{CandidateRow, Status};

/// Shortlist length when none is given.
pub const DEFAULT_TOP: usize = 10;
/// Minimum distance between shortlisted candidates when `--diverse` gives none: 0.05 in
/// atomic fraction (e.g. Fe0.70Ni0.30 vs Fe0.665Ni0.335), or 5 % RMS of the input ranges.
pub const DEFAULT_MIN_DISTANCE: f64 = 0.05;

/// Errors of ranking and of opening a run to rank or report it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RankError {
    /// The run directory or its log cannot be read.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The campaign file (the run's `config.yaml`, or the one given) does not validate.
    #[error("{path}: the campaign file does not validate{hint}: {source}")]
    Config {
        /// The campaign file.
        path: PathBuf,
        /// What to do about it, or empty.
        hint: String,
        /// Every problem found.
        source: crate::config::ConfigError,
    },
    /// A file cannot be read or written.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An option out of range.
    #[error("{0}")]
    BadOption(String),
    /// A data file the campaign names (the surrogate's `data`) cannot be read.
    #[error(transparent)]
    Data(#[from] crate::io::IoError),
    /// A shortlist CSV that cannot be read back.
    #[error("{path}: not a shortlist written by `crucible rank`: {reason}")]
    BadShortlist {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// How to shortlist: length, and optional diversity. Validated: `top ≥ 1`, distance finite ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankOptions {
    top: usize,
    min_distance: Option<f64>,
}

impl RankOptions {
    /// `top` candidates (≥ 1); with `Some(d)`, no two closer than `d` (finite, ≥ 0).
    pub fn new(top: usize, min_distance: Option<f64>) -> Result<RankOptions, RankError> {
        if top == 0 {
            return Err(RankError::BadOption("--top must be at least 1".into()));
        }
        if let Some(d) = min_distance {
            if !d.is_finite() || d < 0.0 {
                return Err(RankError::BadOption(format!("--min-distance must be a finite number >= 0, not {d}")));
            }
        }
        Ok(RankOptions { top, min_distance })
    }
    /// How many candidates to shortlist at most.
    pub fn top(&self) -> usize {
        self.top
    }
    /// Minimum distance between shortlisted candidates; `None`: no diversity filter.
    pub fn min_distance(&self) -> Option<f64> {
        self.min_distance
    }
}

impl Default for RankOptions {
    fn default() -> Self {
        RankOptions { top: DEFAULT_TOP, min_distance: None }
    }
}

/// Candidates left out of the ranking, by reason.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exclusions {
    /// Still `proposed` (not evaluated yet, or in flight when the run stopped).
    pub proposed: usize,
    /// Evaluation failed.
    pub failed: usize,
    /// Evaluated but violating a constraint (or marked infeasible in the log).
    pub infeasible: usize,
    /// Per violated constraint (`density > 7.9`), how many candidates violate it; a candidate
    /// may violate several. In constraint order.
    pub violations: Vec<(String, usize)>,
    /// Evaluated and feasible but without a finite value for some objective.
    pub missing_objective: usize,
}

impl Exclusions {
    /// How many candidates were left out.
    pub fn total(&self) -> usize {
        self.proposed + self.failed + self.infeasible + self.missing_objective
    }

    /// `3 failed, 12 infeasible (density > 7.9: 12), 4 not yet evaluated`, or `none`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if self.infeasible > 0 {
            let by: Vec<String> = self.violations.iter().map(|(c, n)| format!("{c}: {n}")).collect();
            parts.push(format!("{} infeasible ({})", self.infeasible, by.join(", ")));
        }
        if self.failed > 0 {
            parts.push(format!("{} failed", self.failed));
        }
        if self.missing_objective > 0 {
            parts.push(format!("{} without an objective value", self.missing_objective));
        }
        if self.proposed > 0 {
            parts.push(format!("{} not yet evaluated", self.proposed));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One qualifying candidate in the full ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Index into the rows given to [`rank_all`].
    pub index: usize,
    /// Utility per objective (higher is better; in the property's units).
    pub utilities: Vec<f64>,
    /// Pareto rank, 1-based (one objective: dense rank of the utility).
    pub pareto_rank: usize,
    /// Crowding distance within its front (several objectives; `NaN` for one).
    pub crowding: f64,
    /// Sum of utilities min–max-normalised over the qualifying candidates.
    pub balance: f64,
    /// Σ |y − value| / tolerance over the target objectives (0 without any): [`target_offset`].
    pub target_offset: f64,
}

/// Every qualifying candidate, best first, and what was left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Qualifying candidates in rank order.
    pub order: Vec<Ranked>,
    /// Number of Pareto ranks among them.
    pub fronts: usize,
    /// Candidates left out, by reason.
    pub excluded: Exclusions,
    /// The ordering rule, in words.
    pub rule: String,
}

/// Logged value of every campaign property for `row`, in spec order (matched by name).
pub fn values_of(row: &CandidateRow, spec: &CampaignSpec) -> Vec<Option<f64>> {
    spec.properties.iter().map(|p| row.properties.iter().find(|c| c.name == p.name).and_then(|c| c.value)).collect()
}

/// Rank every qualifying row (see the module docs for the rule). Pure.
pub fn rank_all(rows: &[CandidateRow], spec: &CampaignSpec) -> Ranking {
    let goals = Goals::from_spec(spec);
    let mut excluded = Exclusions::default();
    let mut violation_names: Vec<Vec<(String, usize)>> = vec![Vec::new(); spec.constraints.len()];
    let mut marked = 0;
    let mut qualified: Vec<(usize, Vec<f64>, f64)> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match row.status {
            Status::Proposed => excluded.proposed += 1,
            Status::Failed => excluded.failed += 1,
            Status::Evaluated => {
                let values = values_of(row, spec);
                let broken = violated(spec, &values);
                if !broken.is_empty() || row.feasible == Some(false) {
                    excluded.infeasible += 1;
                    if broken.is_empty() {
                        marked += 1;
                    }
                    for (k, what) in broken {
                        bump(&mut violation_names[k], what);
                    }
                    continue;
                }
                let u = goals.utilities(&values);
                if u.iter().all(|x| x.is_finite()) {
                    qualified.push((index, u, target_offset(spec, &values)));
                } else {
                    excluded.missing_objective += 1;
                }
            }
        }
    }
    excluded.violations = violation_names.into_iter().flatten().collect();
    if marked > 0 {
        excluded.violations.push(("marked infeasible in the log".into(), marked));
    }
    let points: Vec<Vec<f64>> = qualified.iter().map(|(_, u, _)| u.clone()).collect();
    let ranks = pareto_ranks(&points);
    let balance = normalised_sums(&points);
    let several = spec.objectives.len() > 1;
    let mut crowding = vec![f64::NAN; points.len()];
    let fronts = ranks.iter().copied().max().unwrap_or(0);
    if several {
        for f in 1..=fronts {
            let members: Vec<usize> = (0..points.len()).filter(|&i| ranks[i] == f).collect();
            for (&i, d) in members.iter().zip(crowding_distances(&points, &members)) {
                crowding[i] = d;
            }
        }
    }
    let mut order: Vec<Ranked> = qualified
        .into_iter()
        .enumerate()
        .map(|(k, (index, utilities, target_offset))| Ranked {
            index,
            utilities,
            pareto_rank: ranks[k],
            crowding: crowding[k],
            balance: balance[k],
            target_offset,
        })
        .collect();
    order.sort_by(|a, b| {
        a.pareto_rank
            .cmp(&b.pareto_rank)
            .then_with(|| if several { pareto::desc(a.crowding, b.crowding) } else { std::cmp::Ordering::Equal })
            .then_with(|| pareto::desc(a.balance, b.balance))
            .then_with(|| a.target_offset.total_cmp(&b.target_offset))
            .then_with(|| rows[a.index].candidate_id.cmp(&rows[b.index].candidate_id))
    });
    Ranking { order, fronts, excluded, rule: rule_text(spec) }
}

/// How far `values` sit from the centres of the campaign's target objectives:
/// Σ |y − value| / tolerance (tolerance 1 when none is given), dimensionless; 0 when the
/// campaign has no target objective. Breaks ties among values inside the tolerance band.
pub fn target_offset(spec: &CampaignSpec, values: &[Option<f64>]) -> f64 {
    spec.objectives
        .iter()
        .filter_map(|o| match o.goal {
            Goal::Target { value, tolerance } => {
                let i = spec.properties.iter().position(|p| p.name == o.property)?;
                Some((values[i]? - value).abs() / tolerance.unwrap_or(1.0))
            }
            _ => None,
        })
        .sum()
}

fn bump(list: &mut Vec<(String, usize)>, what: String) {
    match list.iter_mut().find(|(w, _)| *w == what) {
        Some((_, n)) => *n += 1,
        None => list.push((what, 1)),
    }
}

/// Constraints `values` break: (constraint index, `density > 7.9` / `density missing`).
fn violated(spec: &CampaignSpec, values: &[Option<f64>]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (k, c) in spec.constraints.iter().enumerate() {
        let i = spec.properties.iter().position(|p| p.name == c.property).expect("validated: property exists");
        match values[i].filter(|v| !v.is_nan()) {
            None => out.push((k, format!("{} missing", c.property))),
            Some(y) => {
                if let Some(lo) = c.min.filter(|lo| y < *lo) {
                    out.push((k, format!("{} < {}", c.property, fmt_num(lo))));
                }
                if let Some(hi) = c.max.filter(|hi| y > *hi) {
                    out.push((k, format!("{} > {}", c.property, fmt_num(hi))));
                }
            }
        }
    }
    out
}

/// Per point, the sum over objectives of the utility min–max-normalised over all points (an
/// objective with zero range adds 0).
fn normalised_sums(points: &[Vec<f64>]) -> Vec<f64> {
    let m = points.first().map_or(0, Vec::len);
    let mut sums = vec![0.0; points.len()];
    for k in 0..m {
        let lo = points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p[k]).fold(f64::NEG_INFINITY, f64::max);
        if hi > lo {
            for (s, p) in sums.iter_mut().zip(points) {
                *s += (p[k] - lo) / (hi - lo);
            }
        }
    }
    sums
}

fn rule_text(spec: &CampaignSpec) -> String {
    let targets = spec.objectives.iter().any(|o| matches!(o.goal, Goal::Target { .. }));
    let tail = if targets { "closeness to the target value, then candidate_id" } else { "candidate_id" };
    let goals: Vec<String> =
        spec.objectives.iter().map(|o| format!("{} ({})", o.property, describe_goal(&o.goal))).collect();
    if goals.len() == 1 {
        format!("feasible evaluated candidates by {}, best first; ties by {tail}", goals[0])
    } else {
        format!(
            "feasible evaluated candidates by Pareto rank over {}; within a rank by crowding distance \
             (NSGA-II, the front's extremes first), then by the sum of min-max-normalised utilities; \
             ties by {tail}",
            goals.join(", ")
        )
    }
}

/// How a diverse shortlist was made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiversityInfo {
    /// The distance used.
    pub kind: DistanceKind,
    /// No two shortlisted candidates are closer than this.
    pub min_distance: f64,
    /// Qualifying candidates passed over because they were too close to a better one.
    pub skipped: usize,
}

/// One shortlisted candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct ShortlistEntry {
    /// Position in the shortlist, 1-based.
    pub rank: usize,
    /// The candidate's latest log row.
    pub row: CandidateRow,
    /// Its Pareto rank among the qualifying candidates.
    pub pareto_rank: usize,
    /// Its utility per objective.
    pub utilities: Vec<f64>,
    /// Why it is here, in one line.
    pub reason: String,
    /// Where its composition lies outside the surrogate's training data, per element
    /// (empty when inside, or before [`Shortlist::flag_extrapolation`]).
    pub outside_training: Vec<String>,
}

/// A shortlist for synthesis: what [`shortlist`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Shortlist {
    /// The shortlisted candidates, best first.
    pub entries: Vec<ShortlistEntry>,
    /// Campaign property names, in file order (CSV columns).
    pub properties: Vec<String>,
    /// Input column names of the log, in space order (CSV columns).
    pub inputs: Vec<String>,
    /// How many candidates qualified.
    pub qualified: usize,
    /// Number of Pareto ranks among the qualifying candidates.
    pub fronts: usize,
    /// Candidates left out, by reason.
    pub excluded: Exclusions,
    /// The ordering rule, in words.
    pub rule: String,
    /// Set when the shortlist was made diverse.
    pub diversity: Option<DiversityInfo>,
    /// What the surrogate was trained on, once [`Shortlist::flag_extrapolation`] ran.
    pub coverage: Option<String>,
}

impl Shortlist {
    /// Flag every entry whose composition lies outside `coverage` (the surrogate's training
    /// compositions): its predictions there are extrapolations.
    pub fn flag_extrapolation(&mut self, coverage: &Coverage) {
        for e in &mut self.entries {
            e.outside_training = e.row.formula.as_deref().map(|f| coverage.outside(f)).unwrap_or_default();
        }
        self.coverage = Some(coverage.source.clone());
    }
}

/// The shortlist of `rows` (latest row per candidate, as [`crate::store::CandidateLog::history`]
/// gives) under the campaign `spec`: the first `opts.top()` qualifying candidates in rank
/// order, skipping near-duplicates when `opts.min_distance()` is set. Pure: no I/O.
pub fn shortlist(rows: &[CandidateRow], spec: &CampaignSpec, opts: &RankOptions) -> Shortlist {
    let ranking = rank_all(rows, spec);
    let n = ranking.order.len();
    let (picked, diversity) = match opts.min_distance() {
        None => ((0..n.min(opts.top())).collect::<Vec<usize>>(), None),
        Some(d) => {
            let refs: Vec<&CandidateRow> = ranking.order.iter().map(|r| &rows[r.index]).collect();
            let emb = Embedding::new(&refs);
            let order: Vec<usize> = (0..n).collect();
            let (kept, skipped) = greedy(&order, &emb, d, opts.top());
            (kept, Some(DiversityInfo { kind: emb.kind(), min_distance: d, skipped }))
        }
    };
    let reasons = reason::reasons(&ranking, rows, spec, &picked);
    let entries = picked
        .iter()
        .zip(reasons)
        .enumerate()
        .map(|(k, (&p, reason))| {
            let r = &ranking.order[p];
            ShortlistEntry {
                rank: k + 1,
                row: rows[r.index].clone(),
                pareto_rank: r.pareto_rank,
                utilities: r.utilities.clone(),
                reason,
                outside_training: Vec::new(),
            }
        })
        .collect();
    Shortlist {
        entries,
        properties: spec.properties.iter().map(|p| p.name.clone()).collect(),
        inputs: rows.first().map(|r| r.inputs.iter().map(|(n, _)| n.clone()).collect()).unwrap_or_default(),
        qualified: n,
        fronts: ranking.fronts,
        excluded: ranking.excluded,
        rule: ranking.rule,
        diversity,
        coverage: None,
    }
}
