//! The acquisition of a set of models at encoded points, and its input gradient (chain rule:
//! acquisition derivatives in each model's mean and standard deviation times the GP's input
//! gradients of those).
//!
//! Scores by kind (single objective; `lpof` = Σ log P(feasible) over constraints and the
//! success model):
//! * `log_ei`: `log EI + lpof` (log of EI·PoF); `ei`: `EI · PoF`; `pi`: `PI · PoF`;
//! * `ucb`: `UCB + lpof` (a penalty of −0.69 per halving of the feasibility odds);
//! * two objectives (`ehvi`): `EHVI · PoF`.
//!
//! Before any feasible observation there is nothing to improve on: the score is `lpof` (find
//! the feasible region first); without constraints or failures, the objective's log standard
//! deviation (explore).
use ndarray::{ArrayView2, Axis};

use super::models::{Models, Output, Reference};
use crate::acquisition::ei::ei;
use crate::acquisition::feasibility::log_prob_interval;
use crate::acquisition::log_ei::log_ei;
use crate::acquisition::pi::log_pi;
use crate::acquisition::target::{target_ei, target_log_ei, target_log_pi, target_ucb};
use crate::acquisition::ucb::ucb;
use crate::acquisition::AcqValue;

/// The acquisition used for scoring (Thompson sampling is handled apart).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    /// log EI.
    LogEi,
    /// EI.
    Ei,
    /// PI.
    Pi,
    /// μ + βσ.
    Ucb(f64),
}

/// Scores points under `models` with `kind`.
pub(crate) struct Scorer<'a> {
    pub models: &'a Models,
    pub kind: Kind,
}

impl Scorer<'_> {
    /// Value and per-model `(∂/∂mean, ∂/∂std)` from per-model `(mean, std)`.
    fn combine(&self, stats: &[(f64, f64)]) -> (f64, Vec<(f64, f64)>) {
        let m = self.models;
        let nobj = m.objectives.len();
        let mut d = vec![(0.0, 0.0); stats.len()];
        // Feasibility (log).
        let mut lpof = 0.0;
        let mut nfeas = 0;
        for (k, c) in m.constraints.iter().enumerate() {
            let (mu, sd) = stats[nobj + k];
            let v = log_prob_interval(mu, sd, c.lo, c.hi);
            lpof += v.value;
            d[nobj + k] = (v.d_mean, v.d_std);
            nfeas += 1;
        }
        if m.success.is_some() {
            let k = nobj + m.constraints.len();
            let (mu, sd) = stats[k];
            let v = log_prob_interval(mu, sd, Some(0.0), None);
            lpof += v.value;
            d[k] = (v.d_mean, v.d_std);
            nfeas += 1;
        }
        // (value, per-objective derivatives, multiplicative with PoF?)
        type Part = (f64, Vec<(f64, f64)>, bool);
        let obj: Option<Part> = match (&m.reference, nobj) {
            (Reference::Single(Some(best)), 1) => {
                let (mu, sd) = stats[0];
                let (v, mult): (AcqValue, bool) = match (m.objectives[0].output, self.kind) {
                    (Output::Linear(s), kind) => {
                        let (v, mult) = match kind {
                            Kind::LogEi => (log_ei(s * mu, sd, *best), false),
                            Kind::Ei => (ei(s * mu, sd, *best), true),
                            Kind::Pi => (exp_of(log_pi(s * mu, sd, *best)), true),
                            Kind::Ucb(beta) => (ucb(s * mu, sd, beta), false),
                        };
                        (AcqValue { value: v.value, d_mean: s * v.d_mean, d_std: v.d_std }, mult)
                    }
                    (Output::Band(b), Kind::LogEi) => (target_log_ei(mu, sd, b, *best), false),
                    (Output::Band(b), Kind::Ei) => (target_ei(mu, sd, b, *best), true),
                    (Output::Band(b), Kind::Pi) => (exp_of(target_log_pi(mu, sd, b, *best)), true),
                    (Output::Band(b), Kind::Ucb(beta)) => (target_ucb(mu, sd, beta, b), false),
                };
                Some((v.value, vec![(v.d_mean, v.d_std)], mult))
            }
            (Reference::Pareto(Some(e)), 2) => {
                let v = e.value([stats[0].0, stats[1].0], [stats[0].1, stats[1].1]);
                Some((v.value, vec![(v.d_mean[0], v.d_std[0]), (v.d_mean[1], v.d_std[1])], true))
            }
            _ => None,
        };
        match obj {
            Some((v, dobj, false)) => {
                d[..nobj].copy_from_slice(&dobj);
                (v + lpof, d)
            }
            Some((v, dobj, true)) => {
                let pof = lpof.exp();
                for dk in d.iter_mut().skip(nobj) {
                    *dk = (v * pof * dk.0, v * pof * dk.1);
                }
                for (k, (dm, ds)) in dobj.into_iter().enumerate() {
                    d[k] = (pof * dm, pof * ds);
                }
                (v * pof, d)
            }
            None if nfeas > 0 => (lpof, d),
            None if nobj > 0 => {
                let sd = stats[0].1.max(1e-300);
                d[0] = (0.0, 1.0 / sd);
                (sd.ln(), d)
            }
            None => (0.0, d),
        }
    }

    /// Scores of the rows of `x` (n × d encoded), one per row.
    pub fn score(&self, x: ArrayView2<f64>) -> Vec<f64> {
        let preds: Vec<_> = self.models.gps().iter().map(|g| g.predict(x)).collect();
        let mut stats = vec![(0.0, 0.0); preds.len()];
        (0..x.nrows())
            .map(|i| {
                for (s, p) in stats.iter_mut().zip(&preds) {
                    *s = (p.mean[i], p.std[i]);
                }
                let v = self.combine(&stats).0;
                if v.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    v
                }
            })
            .collect()
    }

    /// Score and input gradient at one encoded point; `None` when not finite.
    pub fn value_grad(&self, x: &[f64]) -> Option<(f64, Vec<f64>)> {
        let row = ndarray::ArrayView1::from(x).insert_axis(Axis(0));
        let grads: Vec<_> = self.models.gps().iter().map(|g| g.predict_grad(row)).collect();
        let stats: Vec<(f64, f64)> = grads.iter().map(|g| (g.posterior.mean[0], g.posterior.std[0])).collect();
        let (v, d) = self.combine(&stats);
        if !v.is_finite() {
            return None;
        }
        let mut out = vec![0.0; x.len()];
        for (g, (dm, ds)) in grads.iter().zip(d) {
            for (k, o) in out.iter_mut().enumerate() {
                *o += dm * g.dmean[[0, k]] + ds * g.dstd[[0, k]];
            }
        }
        out.iter().all(|g| g.is_finite()).then_some((v, out))
    }
}

/// `exp` of a log acquisition, derivatives included.
fn exp_of(l: AcqValue) -> AcqValue {
    let v = l.value.exp();
    AcqValue { value: v, d_mean: v * l.d_mean, d_std: v * l.d_std }
}
