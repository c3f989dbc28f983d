//! Budgets: whichever of evaluations, iterations and wall time runs out first ends the run,
//! with a stated reason. Ctrl-C is a stop reason too.
use std::fmt;
use std::time::Duration;

/// Why a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StopReason {
    /// The evaluation budget was spent.
    Evaluations(usize),
    /// The iteration budget was spent.
    Iterations(usize),
    /// The wall-time budget was spent (cumulative over resumes).
    WallTime(Duration),
    /// Ctrl-C or SIGTERM.
    Interrupted,
    /// The space has no unseen candidates left (e.g. every pool row evaluated).
    Exhausted,
    /// This many iterations in a row found no improvement (`budget.stagnation`).
    Stagnation(usize),
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::Evaluations(n) => write!(f, "evaluation budget reached ({n} evaluations)"),
            StopReason::Iterations(n) => write!(f, "iteration budget reached ({n} iterations)"),
            StopReason::WallTime(d) => write!(f, "wall-time budget reached ({})", super::fmt_duration(*d)),
            StopReason::Interrupted => write!(f, "interrupted"),
            StopReason::Exhausted => write!(f, "no unseen candidates left in the space"),
            StopReason::Stagnation(n) => write!(f, "stagnation: no improvement in the last {n} iterations"),
        }
    }
}

/// Limits of one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Budget {
    /// Maximum evaluated candidates (failed ones count: they consumed an evaluation).
    pub evaluations: Option<usize>,
    /// Maximum iterations (batches after the initial design count one each).
    pub iterations: Option<usize>,
    /// Maximum cumulative running time.
    pub wall_time: Option<Duration>,
    /// Iterations in a row without improvement that end the run.
    pub stagnation: Option<usize>,
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    /// Candidates evaluated or failed.
    pub evaluations: usize,
    /// Iterations completed.
    pub iterations: usize,
    /// Cumulative running time.
    pub elapsed: Duration,
    /// Iterations after the initial design, up to now, since the last one that improved.
    pub stale: usize,
}

impl Budget {
    /// The reason to stop now, if any.
    pub fn check(&self, p: &Progress) -> Option<StopReason> {
        if let Some(n) = self.evaluations {
            if p.evaluations >= n {
                return Some(StopReason::Evaluations(n));
            }
        }
        if let Some(n) = self.iterations {
            if p.iterations >= n {
                return Some(StopReason::Iterations(n));
            }
        }
        if let Some(d) = self.wall_time {
            if p.elapsed >= d {
                return Some(StopReason::WallTime(d));
            }
        }
        if let Some(n) = self.stagnation {
            if p.stale >= n {
                return Some(StopReason::Stagnation(n));
            }
        }
        None
    }

    /// How many more evaluations the budget allows (`usize::MAX` when unlimited).
    pub fn remaining_evaluations(&self, p: &Progress) -> usize {
        self.evaluations.map_or(usize::MAX, |n| n.saturating_sub(p.evaluations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_exhausted_budget_wins() {
        let b = Budget {
            evaluations: Some(10),
            iterations: Some(3),
            wall_time: Some(Duration::from_secs(60)),
            stagnation: Some(2),
        };
        let mut p = Progress { evaluations: 4, iterations: 2, elapsed: Duration::from_secs(5), stale: 1 };
        assert_eq!(b.check(&p), None);
        assert_eq!(b.remaining_evaluations(&p), 6);
        p.stale = 2;
        assert_eq!(b.check(&p), Some(StopReason::Stagnation(2)));
        p.iterations = 3;
        assert_eq!(b.check(&p), Some(StopReason::Iterations(3)));
        p.evaluations = 10;
        assert_eq!(b.check(&p), Some(StopReason::Evaluations(10)));
        let w = Budget { wall_time: Some(Duration::from_secs(1)), ..Default::default() };
        assert_eq!(
            w.check(&Progress { elapsed: Duration::from_secs(2), ..Default::default() }),
            Some(StopReason::WallTime(Duration::from_secs(1)))
        );
        assert_eq!(Budget::default().remaining_evaluations(&p), usize::MAX);
    }
}
