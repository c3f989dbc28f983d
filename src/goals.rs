//! Goals: objectives and constraints turned into a "higher is better" view.
//!
//! Every optimiser and ranking works on utilities, never on raw goals:
//! maximise → y; minimise → −y; target v ± t → −max(0, |y − v| − t) (0 inside the tolerance,
//! so every value within tolerance is equally good); range [a, b] → −(distance to the range).
//! Several objectives are compared by Pareto dominance on their utilities.
use crate::config::spec::{CampaignSpec, Goal};

/// Utility of value `y` under `goal` (higher is better).
pub fn utility(goal: &Goal, y: f64) -> f64 {
    match goal {
        Goal::Maximize => y,
        Goal::Minimize => -y,
        Goal::Target { value, tolerance } => -((y - value).abs() - tolerance.unwrap_or(0.0)).max(0.0),
        Goal::Range { min, max } => -((min - y).max(0.0) + (y - max).max(0.0)),
    }
}

/// The campaign's objectives and constraints, by index into its property list.
#[derive(Debug, Clone)]
pub struct Goals {
    /// (property index, goal), in file order.
    pub objectives: Vec<(usize, Goal)>,
    /// (property index, min, max).
    pub constraints: Vec<(usize, Option<f64>, Option<f64>)>,
}

impl Goals {
    /// Index the spec's objectives and constraints by property position.
    pub fn from_spec(spec: &CampaignSpec) -> Self {
        let idx = |p: &str| spec.properties.iter().position(|q| q.name == p).expect("validated: property exists");
        Goals {
            objectives: spec.objectives.iter().map(|o| (idx(&o.property), o.goal)).collect(),
            constraints: spec.constraints.iter().map(|c| (idx(&c.property), c.min, c.max)).collect(),
        }
    }

    /// Utilities of one candidate's property values (NaN where a value is missing).
    pub fn utilities(&self, values: &[Option<f64>]) -> Vec<f64> {
        self.objectives.iter().map(|(i, g)| values[*i].map_or(f64::NAN, |y| utility(g, y))).collect()
    }

    /// Whether the values meet every constraint; a missing constrained value is a violation.
    pub fn feasible(&self, values: &[Option<f64>]) -> bool {
        self.violations(values).is_empty()
    }

    /// Human-readable constraint violations, e.g. `density 8.1 > max 7.9`.
    pub fn violations(&self, values: &[Option<f64>]) -> Vec<String> {
        let mut out = Vec::new();
        for (i, lo, hi) in &self.constraints {
            match values[*i] {
                None => out.push(format!("property #{i} missing")),
                Some(y) => {
                    if let Some(lo) = lo {
                        if y < *lo {
                            out.push(format!("{y} < min {lo}"));
                        }
                    }
                    if let Some(hi) = hi {
                        if y > *hi {
                            out.push(format!("{y} > max {hi}"));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Whether utility vector `a` Pareto-dominates `b` (≥ everywhere, > somewhere).
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x >= y) && a.iter().zip(b).any(|(x, y)| x > y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utilities_follow_goals() {
        assert_eq!(utility(&Goal::Maximize, 3.0), 3.0);
        assert_eq!(utility(&Goal::Minimize, 3.0), -3.0);
        let t = Goal::Target { value: 1.34, tolerance: Some(0.05) };
        assert_eq!(utility(&t, 1.36), 0.0);
        assert!((utility(&t, 1.44) + 0.05).abs() < 1e-12);
        let r = Goal::Range { min: 1.1, max: 1.5 };
        assert_eq!(utility(&r, 1.2), 0.0);
        assert!((utility(&r, 1.0) + 0.1).abs() < 1e-12);
        assert!((utility(&r, 1.7) + 0.2).abs() < 1e-12);
    }

    #[test]
    fn dominance() {
        assert!(dominates(&[2.0, 1.0], &[1.0, 1.0]));
        assert!(!dominates(&[1.0, 1.0], &[1.0, 1.0]));
        assert!(!dominates(&[2.0, 0.0], &[1.0, 1.0]));
    }
}
