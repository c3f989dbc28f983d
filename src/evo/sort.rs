//! Pareto ranking for NSGA-II: fast non-dominated sorting, crowding distance, and the
//! constrained ranking (feasible first, then by total violation). Points are utilities:
//! higher is better in every coordinate.
use rayon::prelude::*;

use crate::goals::dominates;

/// Fronts of `points` (n points × m objectives, higher is better): front 0 holds the points
/// no other point dominates, front k those dominated only by points of earlier fronts. Every
/// index appears once; each front is in increasing index order. O(m n²) comparisons, the
/// domination lists computed in parallel (the result does not depend on the thread count).
pub fn non_dominated_sort(points: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let n = points.len();
    // For each i: the points i dominates, and how many points dominate i.
    let rel: Vec<(Vec<usize>, usize)> = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut worse = Vec::new();
            let mut count = 0;
            for j in 0..n {
                if dominates(&points[i], &points[j]) {
                    worse.push(j);
                } else if dominates(&points[j], &points[i]) {
                    count += 1;
                }
            }
            (worse, count)
        })
        .collect();
    let mut count: Vec<usize> = rel.iter().map(|r| r.1).collect();
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| count[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &rel[i].0 {
                count[j] -= 1;
                if count[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(std::mem::replace(&mut current, next));
    }
    fronts
}

/// Crowding distance of each member of `front` (indices into `points`), in `front`'s order:
/// per objective, the extreme points get ∞ and the others the normalised gap between their
/// neighbours, summed over objectives. An objective with no finite spread adds nothing.
#[allow(clippy::needless_range_loop)] // `obj` indexes the objectives of several points
pub fn crowding_distance(points: &[Vec<f64>], front: &[usize]) -> Vec<f64> {
    let k = front.len();
    let mut dist = vec![0.0; k];
    if k <= 2 {
        return vec![f64::INFINITY; k];
    }
    let m = points[front[0]].len();
    for obj in 0..m {
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| points[front[a]][obj].total_cmp(&points[front[b]][obj]).then(a.cmp(&b)));
        let lo = points[front[order[0]]][obj];
        let hi = points[front[order[k - 1]]][obj];
        dist[order[0]] = f64::INFINITY;
        dist[order[k - 1]] = f64::INFINITY;
        let span = hi - lo;
        if !(span.is_finite() && span > 0.0) {
            continue;
        }
        for w in 1..k - 1 {
            let gap = points[front[order[w + 1]]][obj] - points[front[order[w - 1]]][obj];
            if gap.is_finite() {
                dist[order[w]] += gap / span;
            }
        }
    }
    dist
}

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
