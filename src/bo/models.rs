//! The models behind one ask: a GP per objective (or one on a ParEGO scalarisation), a GP per
//! constrained property, and a "success" GP when evaluations have failed; plus the incumbent
//! or Pareto front the acquisition improves on. Fitting warm-starts from the hyperparameters
//! of the previous ask (kept by the strategy, keyed by model).
//!
//! Data per model: every evaluated row whose value for that property is a finite number.
//! Failed evaluations have no values; they train the success model (labels +1 evaluated,
//! −1 failed; noise variance at most 1e-3 of the label variance), whose `P(f > 0)` multiplies the acquisition like a constraint, so a region
//! that keeps failing is avoided instead of ignored. The incumbent is the best utility among
//! feasible evaluated rows (`Evaluated::feasible`); with none yet, the acquisition is the
//! probability of feasibility alone. Failed rows also enter the objective models, with the
//! worst value observed, so that a failing region looks unpromising as well as risky (a GP
//! on success labels reverts to the mean between failures; the objective then does not
//! lure the search back).
use std::collections::BTreeMap;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand_chacha::ChaCha8Rng;

use super::history::Obs;
use crate::acquisition::ehvi::Ehvi2;
use crate::acquisition::parego::{chebyshev, Normaliser};
use crate::acquisition::target::Band;
use crate::config::spec::Goal;
use crate::goals::{utility, Goals};
use crate::gp::{fit, FitOptions, Gp, Hyper};

/// How a GP's prediction becomes a maximise-form utility.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Output {
    /// `u = sign · y` (maximise: +1, minimise: −1, utilities and scalarisations: +1).
    Linear(f64),
    /// `u = −dist(y, band)` (target and range goals).
    Band(Band),
}

impl Output {
    pub fn of(goal: &Goal) -> Output {
        match *goal {
            Goal::Maximize => Output::Linear(1.0),
            Goal::Minimize => Output::Linear(-1.0),
            Goal::Target { value, tolerance } => {
                let t = tolerance.unwrap_or(0.0);
                Output::Band(Band { lo: value - t, hi: value + t })
            }
            Goal::Range { min, max } => Output::Band(Band { lo: min, hi: max }),
        }
    }
}

/// An objective model.
#[derive(Debug, Clone)]
pub(crate) struct Objective {
    pub gp: Gp,
    pub output: Output,
}

/// A constrained property's model and bounds.
#[derive(Debug, Clone)]
pub(crate) struct Constraint {
    pub gp: Gp,
    pub lo: Option<f64>,
    pub hi: Option<f64>,
}

/// What the acquisition improves on.
#[derive(Debug, Clone)]
pub(crate) enum Reference {
    /// One objective (or a scalarisation): the best feasible utility, if any.
    Single(Option<f64>),
    /// Two objectives (utility GPs): the box decomposition of the feasible front, if any.
    Pareto(Option<Ehvi2>),
}

/// Everything the acquisition needs.
#[derive(Debug, Clone)]
pub(crate) struct Models {
    pub objectives: Vec<Objective>,
    pub constraints: Vec<Constraint>,
    pub success: Option<Gp>,
    pub reference: Reference,
}

impl Models {
    /// All GPs in scoring order: objectives, constraints, success.
    pub fn gps(&self) -> Vec<&Gp> {
        let mut v: Vec<&Gp> = self.objectives.iter().map(|o| &o.gp).collect();
        v.extend(self.constraints.iter().map(|c| &c.gp));
        v.extend(self.success.iter());
        v
    }

    /// The models with a fantasy observation at `x` (encoded): each GP believes its own mean
    /// there (Kriging believer). The reference stays the real incumbent/front.
    pub fn fantasize(&self, x: ArrayView1<f64>) -> Models {
        let row = x.insert_axis(Axis(0));
        let f = |gp: &Gp| {
            let m = gp.predict(row).mean[0];
            gp.fantasize(x, m).unwrap_or_else(|_| gp.clone())
        };
        Models {
            objectives: self.objectives.iter().map(|o| Objective { gp: f(&o.gp), output: o.output }).collect(),
            constraints: self.constraints.iter().map(|c| Constraint { gp: f(&c.gp), lo: c.lo, hi: c.hi }).collect(),
            success: self.success.as_ref().map(f),
            reference: self.reference.clone(),
        }
    }
}

/// Fits GPs, warm-starting from and updating the strategy's stored hyperparameters.
pub(crate) struct Fitter<'a> {
    pub options: FitOptions,
    pub hypers: &'a mut BTreeMap<String, Hyper>,
    pub rng: &'a mut ChaCha8Rng,
}

impl Fitter<'_> {
    /// A GP fitted to the rows `rows` of `x` with outputs `y`; `None` without data or when
    /// fitting fails (the caller then does without this model).
    pub fn fit(&mut self, key: &str, x: ArrayView2<f64>, rows: &[usize], y: &[f64]) -> Option<Gp> {
        self.fit_with(key, x, rows, y, 1.0)
    }

    /// [`Fitter::fit`] with the noise variance bounded by `max_noise` (relative).
    pub fn fit_with(&mut self, key: &str, x: ArrayView2<f64>, rows: &[usize], y: &[f64], max_noise: f64) -> Option<Gp> {
        if rows.is_empty() {
            return None;
        }
        let xs = x.select(Axis(0), rows);
        let ys = Array1::from(y.to_vec());
        let warm = self.hypers.get(key).cloned();
        let options = FitOptions {
            random_starts: if warm.is_some() { 1 } else { self.options.random_starts },
            warm,
            max_noise,
            ..self.options.clone()
        };
        let (gp, _) = fit(xs.view(), ys.view(), &options, self.rng).ok()?;
        self.hypers.insert(key.to_string(), gp.hyper().clone());
        Some(gp)
    }
}

/// Rows with a finite value of property `p`, and those values.
fn column(obs: &[Obs], p: usize) -> (Vec<usize>, Vec<f64>) {
    obs.iter()
        .enumerate()
        .filter_map(|(i, o)| o.values.as_ref().and_then(|v| v.get(p)).filter(|y| y.is_finite()).map(|y| (i, *y)))
        .unzip()
}

/// `rows`/`y` plus every failed row with the value `pick` chooses among `y` (the worst), so
/// that a failing region also looks unpromising to the objective model.
fn with_failures(
    obs: &[Obs],
    mut rows: Vec<usize>,
    mut y: Vec<f64>,
    worst: impl Fn(&[f64]) -> Option<f64>,
) -> (Vec<usize>, Vec<f64>) {
    if let Some(w) = worst(&y) {
        for (i, o) in obs.iter().enumerate() {
            if o.values.is_none() {
                rows.push(i);
                y.push(w);
            }
        }
    }
    (rows, y)
}

fn min_of(y: &[f64]) -> Option<f64> {
    y.iter().copied().reduce(f64::min)
}

/// Constraint and success models (shared by every objective set-up).
fn feasibility(goals: &Goals, x: ArrayView2<f64>, obs: &[Obs], fitter: &mut Fitter) -> (Vec<Constraint>, Option<Gp>) {
    let mut constraints = Vec::new();
    for (p, lo, hi) in &goals.constraints {
        let (rows, y) = column(obs, *p);
        if let Some(gp) = fitter.fit(&format!("property{p}"), x, &rows, &y) {
            constraints.push(Constraint { gp, lo: *lo, hi: *hi });
        }
    }
    let success = if obs.iter().any(|o| o.values.is_none()) {
        let rows: Vec<usize> = (0..obs.len()).collect();
        let y: Vec<f64> = obs.iter().map(|o| if o.values.is_some() { 1.0 } else { -1.0 }).collect();
        // Failures are (nearly) deterministic: little noise, so that one failure already
        // marks its neighbourhood instead of being smoothed away as an outlier.
        fitter.fit_with("success", x, &rows, &y, 1e-3)
    } else {
        None
    };
    (constraints, success)
}

/// Utilities of the objectives for row `o` (None when any is missing).
fn utilities(goals: &Goals, o: &Obs) -> Option<Vec<f64>> {
    let v = o.values.as_ref()?;
    let u: Vec<f64> = goals.objectives.iter().map(|(p, g)| v.get(*p).map_or(f64::NAN, |y| utility(g, *y))).collect();
    u.iter().all(|x| x.is_finite()).then_some(u)
}

/// One objective (or none: feasibility search).
pub(crate) fn single(goals: &Goals, x: ArrayView2<f64>, obs: &[Obs], fitter: &mut Fitter) -> Models {
    let mut objectives = Vec::new();
    let mut best = None;
    if let Some((p, goal)) = goals.objectives.first() {
        let (rows, y) = column(obs, *p);
        let worst = |y: &[f64]| y.iter().copied().min_by(|a, b| utility(goal, *a).total_cmp(&utility(goal, *b)));
        let (frows, fy) = with_failures(obs, rows.clone(), y.clone(), worst);
        if let Some(gp) = fitter.fit(&format!("property{p}"), x, &frows, &fy) {
            objectives.push(Objective { gp, output: Output::of(goal) });
        }
        for (&r, &yv) in rows.iter().zip(&y) {
            if obs[r].feasible {
                let u = utility(goal, yv);
                best = Some(best.map_or(u, |b: f64| b.max(u)));
            }
        }
    }
    let (constraints, success) = feasibility(goals, x, obs, fitter);
    Models { objectives, constraints, success, reference: Reference::Single(best) }
}

/// Two objectives for EHVI: a GP per objective utility, the feasible front, and a reference
/// point 10% of the observed range below the worst feasible utilities.
pub(crate) fn pareto(goals: &Goals, x: ArrayView2<f64>, obs: &[Obs], fitter: &mut Fitter) -> Models {
    let mut objectives = Vec::new();
    let mut rows = Vec::new();
    let mut us: Vec<Vec<f64>> = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if let Some(u) = utilities(goals, o) {
            rows.push(i);
            us.push(u);
        }
    }
    for (k, (p, _)) in goals.objectives.iter().enumerate().take(2) {
        let y: Vec<f64> = us.iter().map(|u| u[k]).collect();
        let (frows, fy) = with_failures(obs, rows.clone(), y, min_of);
        if let Some(gp) = fitter.fit(&format!("utility{p}"), x, &frows, &fy) {
            objectives.push(Objective { gp, output: Output::Linear(1.0) });
        }
    }
    let feasible: Vec<[f64; 2]> =
        rows.iter().zip(&us).filter(|(r, _)| obs[**r].feasible).map(|(_, u)| [u[0], u[1]]).collect();
    let ehvi = (!feasible.is_empty() && objectives.len() == 2).then(|| {
        let mut r = [0.0; 2];
        for (k, rk) in r.iter_mut().enumerate() {
            let lo = feasible.iter().map(|u| u[k]).fold(f64::INFINITY, f64::min);
            let hi = feasible.iter().map(|u| u[k]).fold(f64::NEG_INFINITY, f64::max);
            *rk = lo - 0.1 * (hi - lo).max(1e-6 * (1.0 + lo.abs()));
        }
        Ehvi2::new(&feasible, r)
    });
    let (constraints, success) = feasibility(goals, x, obs, fitter);
    Models { objectives, constraints, success, reference: Reference::Pareto(ehvi) }
}

/// ParEGO: one GP on the augmented Chebyshev scalarisation of the normalised utilities with
/// weights `w` (pending points enter later as fantasies, like for the other set-ups).
pub(crate) fn scalarised(
    goals: &Goals,
    x: ArrayView2<f64>,
    obs: &[Obs],
    w: &[f64],
    fitter: &mut Fitter,
    feas: &(Vec<Constraint>, Option<Gp>),
) -> Models {
    let m = goals.objectives.len();
    let mut rows = Vec::new();
    let mut us = Vec::new();
    for (i, o) in obs.iter().enumerate() {
        if let Some(u) = utilities(goals, o) {
            rows.push(i);
            us.push(u);
        }
    }
    let norm = Normaliser::new(&us, m);
    let s: Vec<f64> = us.iter().map(|u| chebyshev(&norm.apply(u), w)).collect();
    let best = rows
        .iter()
        .zip(&s)
        .filter(|(r, _)| obs[**r].feasible)
        .map(|(_, v)| *v)
        .fold(None, |b: Option<f64>, v| Some(b.map_or(v, |b| b.max(v))));
    let (frows, fs) = with_failures(obs, rows.clone(), s.clone(), min_of);
    let objectives = fitter
        .fit("parego", x, &frows, &fs)
        .map(|gp| vec![Objective { gp, output: Output::Linear(1.0) }])
        .unwrap_or_default();
    Models { objectives, constraints: feas.0.clone(), success: feas.1.clone(), reference: Reference::Single(best) }
}

/// Constraint and success models alone (ParEGO refits only the scalarisation per point).
pub(crate) fn feasibility_models(
    goals: &Goals,
    x: ArrayView2<f64>,
    obs: &[Obs],
    fitter: &mut Fitter,
) -> (Vec<Constraint>, Option<Gp>) {
    feasibility(goals, x, obs, fitter)
}

/// Encoded rows of `obs` (n × d).
pub(crate) fn encode_obs(space: &crate::space::Space, obs: &[Obs]) -> Array2<f64> {
    let cs: Vec<_> = obs.iter().map(|o| o.candidate.clone()).collect();
    space.encode(&cs)
}
