//! Fitness of told results: objective utilities (higher is better, see [`crate::goals`]),
//! optionally uncertainty-aware, and a total constraint violation.
//!
//! **Uncertainty** (`optimizer.uncertainty`, used when a result carries predicted stds): each
//! objective's utility is taken over the interval `[μ − κσ, μ + κσ]` instead of at `μ`.
//! `lcb` (conservative) takes the interval's *worst* utility: for maximise `μ − κσ`, for
//! minimise `μ + κσ`, for a target or range the end farther from it. `ucb` (exploratory) takes
//! the *best*: for maximise `μ + κσ`, for minimise `μ − κσ`, for a target or range 0 as soon as
//! the interval reaches the tolerance band or range, else the nearer end. Every utility is
//! concave in `y`, so the worst is at an end and the best at an end or at the clamped peak.
//! Without stds (any oracle but the surrogate), or with `mean`, the utility of `μ`.
//!
//! **Violation**: per constraint `max(0, min − y) + max(0, y − max)` divided by the bound's
//! magnitude (the larger of `|min|`, `|max|`; 1 when that is 0), summed — scale-free, so
//! constraints in different units weigh alike. A missing constrained value or a failed
//! evaluation is an infinite violation. Utilities that are missing (failed, NaN) are −∞.
use crate::config::spec::{Goal, UncertaintyMode};
use crate::goals::{utility, Goals};
use crate::strategy::Evaluated;

/// A told result with its fitness.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// The result as told.
    pub ev: Evaluated,
    /// One utility per objective (−∞ when missing).
    pub fit: Vec<f64>,
    /// Total relative constraint violation (0: feasible; ∞: failed or missing).
    pub violation: f64,
}

/// Turns told results into [`Member`]s.
#[derive(Debug, Clone)]
pub(crate) struct Scorer {
    pub goals: Goals,
    pub mode: UncertaintyMode,
}

impl Scorer {
    /// Scores one told result.
    pub(crate) fn member(&self, ev: &Evaluated) -> Member {
        let Some(values) = &ev.values else {
            let fit = vec![f64::NEG_INFINITY; self.goals.objectives.len()];
            return Member { ev: ev.clone(), fit, violation: f64::INFINITY };
        };
        let fit = self
            .goals
            .objectives
            .iter()
            .map(|(i, g)| {
                let y = values.get(*i).copied().unwrap_or(f64::NAN);
                let s = ev.stds.as_ref().and_then(|s| s.get(*i).copied()).filter(|s| s.is_finite() && *s >= 0.0);
                let u = objective_utility(g, y, s, self.mode);
                if u.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    u
                }
            })
            .collect();
        let violation = self
            .goals
            .constraints
            .iter()
            .map(|(i, lo, hi)| {
                let y = values.get(*i).copied().unwrap_or(f64::NAN);
                if y.is_nan() {
                    return f64::INFINITY;
                }
                let scale = lo.unwrap_or(0.0).abs().max(hi.unwrap_or(0.0).abs());
                let scale = if scale > 0.0 { scale } else { 1.0 };
                let v = lo.map_or(0.0, |lo| (lo - y).max(0.0)) + hi.map_or(0.0, |hi| (y - hi).max(0.0));
                v / scale
            })
            .sum();
        Member { ev: ev.clone(), fit, violation }
    }
}

/// The utility of objective value `y` (predicted std `std`) under `mode` (see the module docs).
pub fn objective_utility(goal: &Goal, y: f64, std: Option<f64>, mode: UncertaintyMode) -> f64 {
    let (kappa, optimistic) = match mode {
        UncertaintyMode::Mean => return utility(goal, y),
        UncertaintyMode::Lcb { kappa } => (kappa, false),
        UncertaintyMode::Ucb { kappa } => (kappa, true),
    };
    let Some(s) = std else { return utility(goal, y) };
    let (lo, hi) = (y - kappa * s, y + kappa * s);
    let ends = [utility(goal, lo), utility(goal, hi)];
    if !optimistic {
        return ends[0].min(ends[1]);
    }
    let peak = match goal {
        Goal::Target { value, .. } => Some(*value),
        Goal::Range { min, max } => Some(0.5 * (min + max)),
        Goal::Maximize | Goal::Minimize => None,
    };
    let inner = peak.map_or(f64::NEG_INFINITY, |p| utility(goal, p.clamp(lo, hi)));
    ends[0].max(ends[1]).max(inner)
}

/// Single-objective constraint domination: `a` is better than `b` when it violates less, or
/// both are feasible (equal violation) and its utility is higher. Ties are not better.
pub(crate) fn better(a: &Member, b: &Member) -> bool {
    if a.violation != b.violation {
        return a.violation < b.violation;
    }
    a.fit[0] > b.fit[0]
}

/// Indices of `members` sorted best first by [`better`] (stable: ties keep their order).
pub(crate) fn ranked(members: &[Member]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..members.len()).collect();
    idx.sort_by(|&i, &j| {
        let (a, b) = (&members[i], &members[j]);
        a.violation.total_cmp(&b.violation).then(b.fit[0].total_cmp(&a.fit[0]))
    });
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_bounds_follow_the_goal_direction() {
        let lcb = UncertaintyMode::Lcb { kappa: 2.0 };
        let ucb = UncertaintyMode::Ucb { kappa: 2.0 };
        assert_eq!(objective_utility(&Goal::Maximize, 10.0, Some(1.0), lcb), 8.0);
        assert_eq!(objective_utility(&Goal::Maximize, 10.0, Some(1.0), ucb), 12.0);
        assert_eq!(objective_utility(&Goal::Minimize, 10.0, Some(1.0), lcb), -12.0);
        assert_eq!(objective_utility(&Goal::Minimize, 10.0, Some(1.0), ucb), -8.0);
        assert_eq!(objective_utility(&Goal::Maximize, 10.0, None, lcb), 10.0);
        assert_eq!(objective_utility(&Goal::Minimize, 10.0, Some(1.0), UncertaintyMode::Mean), -10.0);
        let t = Goal::Target { value: 1.0, tolerance: None };
        // mean 1.5 ± 1: worst end 2.5 (utility −1.5); best reaches the target (0).
        assert_eq!(objective_utility(&t, 1.5, Some(0.5), lcb), -1.5);
        assert_eq!(objective_utility(&t, 1.5, Some(0.5), ucb), 0.0);
        assert_eq!(objective_utility(&t, 3.0, Some(0.5), ucb), -1.0);
        let r = Goal::Range { min: 0.0, max: 1.0 };
        assert_eq!(objective_utility(&r, 0.5, Some(1.0), lcb), -1.5);
        assert_eq!(objective_utility(&r, 3.0, Some(0.5), ucb), -1.0);
    }

    #[test]
    fn violations_are_relative_and_failures_infinite() {
        let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![(1, None, Some(8.0))] };
        let s = Scorer { goals, mode: UncertaintyMode::Mean };
        let ev = |v: Option<Vec<f64>>| Evaluated {
            candidate: crate::space::Candidate { fractions: vec![], params: vec![], pool_index: None },
            values: v,
            feasible: false,
            stds: None,
        };
        let m = s.member(&ev(Some(vec![1.0, 10.0])));
        assert!((m.violation - 0.25).abs() < 1e-12);
        assert_eq!(s.member(&ev(Some(vec![1.0, 7.0]))).violation, 0.0);
        assert_eq!(s.member(&ev(Some(vec![1.0, f64::NAN]))).violation, f64::INFINITY);
        let failed = s.member(&ev(None));
        assert_eq!(failed.violation, f64::INFINITY);
        assert_eq!(failed.fit, vec![f64::NEG_INFINITY]);
        assert!(better(&m, &failed) && !better(&failed, &m));
    }
}
