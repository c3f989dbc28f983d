//! Pareto ranking for NSGA-II: non-dominated sorting and crowding distance (the shared
//! [`crate::pareto`]), and the constrained ranking (feasible first, then by total violation).
//! Points are utilities: higher is better in every coordinate.

pub use crate::pareto::{crowding_distances as crowding_distance, fronts as non_dominated_sort};

/// NSGA-II's constrained ranking of `n` members with utilities `points` and violations
/// `violation`: feasible members (violation 0) by non-dominated fronts; then the infeasible
/// ones in increasing violation, each distinct violation its own later front (constraint
/// domination: feasible beats infeasible, less violation beats more). Returns the fronts.
pub fn constrained_fronts(points: &[Vec<f64>], violation: &[f64]) -> Vec<Vec<usize>> {
    let feasible: Vec<usize> = (0..points.len()).filter(|&i| violation[i] == 0.0).collect();
    let sub: Vec<Vec<f64>> = feasible.iter().map(|&i| points[i].clone()).collect();
    let mut fronts: Vec<Vec<usize>> =
        non_dominated_sort(&sub).into_iter().map(|f| f.into_iter().map(|j| feasible[j]).collect()).collect();
    let mut infeasible: Vec<usize> = (0..points.len()).filter(|&i| violation[i] != 0.0).collect();
    infeasible.sort_by(|&a, &b| violation[a].total_cmp(&violation[b]).then(a.cmp(&b)));
    for i in infeasible {
        match fronts.last_mut() {
            Some(f) if violation[f[0]] != 0.0 && violation[f[0]] == violation[i] => f.push(i),
            _ => fronts.push(vec![i]),
        }
    }
    fronts
}
