//! Non-dominated sorting (Pareto ranks and fronts) and NSGA-II crowding distance on utility
//! vectors (higher is better in every coordinate; see [`crate::goals`]). The one
//! implementation behind `rank` (shortlists) and `evo` (NSGA-II survival).
use std::cmp::Ordering;

use crate::goals::dominates;

/// Pareto rank of every point, 1-based: rank 1 is the non-dominated set, rank k the set that
/// is non-dominated once ranks 1..k are removed. `points` is n×m utilities (every row the same
/// length m ≥ 1, all finite). Equal points share a rank.
///
/// One objective: dense rank of the utility, O(n log n). Two: the staircase method,
/// O(n log n). More: Deb's fast non-dominated sort, O(m n²).
pub fn pareto_ranks(points: &[Vec<f64>]) -> Vec<usize> {
    match points.first().map_or(0, Vec::len) {
        0 => vec![1; points.len()],
        1 => ranks_1d(points),
        2 => ranks_2d(points),
        _ => ranks_general(points),
    }
}

fn ranks_1d(points: &[Vec<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[b][0].total_cmp(&points[a][0]));
    let mut ranks = vec![0; points.len()];
    let mut rank = 0;
    for (k, &i) in order.iter().enumerate() {
        if k == 0 || points[i][0] < points[order[k - 1]][0] {
            rank += 1;
        }
        ranks[i] = rank;
    }
    ranks
}

/// Points in order of the first utility descending (then the second descending) join the
/// first front whose most recently added point does not dominate them. Within a front the
/// second utility rises as the first falls, so that test is monotone in the front index and a
/// binary search finds the front.
fn ranks_2d(points: &[Vec<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| points[b][0].total_cmp(&points[a][0]).then(points[b][1].total_cmp(&points[a][1])));
    let mut last: Vec<usize> = Vec::new(); // most recent member of each front
    let mut ranks = vec![0; points.len()];
    for &i in &order {
        let front = last.partition_point(|&j| dominates(&points[j], &points[i]));
        if front == last.len() {
            last.push(i);
        } else {
            last[front] = i;
        }
        ranks[i] = front + 1;
    }
    ranks
}

fn ranks_general(points: &[Vec<f64>]) -> Vec<usize> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            if dominates(&points[i], &points[j]) {
                dominates_list[i].push(j);
                dominated_by[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominates_list[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut ranks = vec![0; n];
    let mut front: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut rank = 1;
    while !front.is_empty() {
        let mut next = Vec::new();
        for &i in &front {
            ranks[i] = rank;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        front = next;
        rank += 1;
    }
    ranks
}

/// The fronts of `points`: front 0 holds the points no other point dominates, front k those
/// dominated only by points of earlier fronts ([`pareto_ranks`] grouped). Every index appears
/// once; each front is in increasing index order.
pub fn fronts(points: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let ranks = pareto_ranks(points);
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); ranks.iter().copied().max().unwrap_or(0)];
    for (i, r) in ranks.into_iter().enumerate() {
        out[r - 1].push(i);
    }
    out
}

/// NSGA-II crowding distance of each member of one front (`members` index into `points`):
/// per objective, the members are sorted, the two extremes get +∞ and every other member adds
/// the gap between its neighbours divided by the front's range in that objective (an
/// objective with zero range adds nothing). Larger means a less crowded, more distinctive
/// trade-off. Returned in `members` order.
pub fn crowding_distances(points: &[Vec<f64>], members: &[usize]) -> Vec<f64> {
    let n = members.len();
    let mut dist = vec![0.0; n];
    if n <= 2 {
        return vec![f64::INFINITY; n];
    }
    let m = points[members[0]].len();
    // one column per objective: its value for each member
    let columns: Vec<Vec<f64>> = (0..m).map(|k| members.iter().map(|&i| points[i][k]).collect()).collect();
    for column in &columns {
        let val = |w: usize| column[w];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| val(a).total_cmp(&val(b)).then(members[a].cmp(&members[b])));
        let (lo, hi) = (val(order[0]), val(order[n - 1]));
        dist[order[0]] = f64::INFINITY;
        dist[order[n - 1]] = f64::INFINITY;
        if hi > lo {
            for w in 1..n - 1 {
                dist[order[w]] += (val(order[w + 1]) - val(order[w - 1])) / (hi - lo);
            }
        }
    }
    dist
}

/// Compare two f64 keys descending, NaN last.
pub(crate) fn desc(a: f64, b: f64) -> Ordering {
    b.total_cmp(&a)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    fn brute_force(points: &[Vec<f64>]) -> Vec<usize> {
        let mut ranks = vec![0; points.len()];
        let mut rank = 0;
        while ranks.contains(&0) {
            rank += 1;
            let left: Vec<usize> = (0..points.len()).filter(|&i| ranks[i] == 0).collect();
            let front: Vec<usize> =
                left.iter().copied().filter(|&i| !left.iter().any(|&j| dominates(&points[j], &points[i]))).collect();
            for i in front {
                ranks[i] = rank;
            }
        }
        ranks
    }

    #[test]
    fn ranks_match_brute_force_on_random_points() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for trial in 0..300 {
            let m = 1 + trial % 4;
            let n = rng.random_range(0..60);
            // a coarse grid makes ties and duplicates common
            let grid = if trial % 2 == 0 { 5.0 } else { 1000.0 };
            let points: Vec<Vec<f64>> =
                (0..n).map(|_| (0..m).map(|_| (rng.random::<f64>() * grid).floor()).collect()).collect();
            assert_eq!(pareto_ranks(&points), brute_force(&points), "m={m} n={n}: {points:?}");
            assert_eq!(ranks_general(&points), brute_force(&points), "general m={m}");
        }
    }

    #[test]
    fn crowding_puts_extremes_first_and_rewards_gaps() {
        // a 2-D front: (0,4) (1,3) (1.5,2.5) (3,1) (4,0)
        let p = vec![vec![0.0, 4.0], vec![1.0, 3.0], vec![1.5, 2.5], vec![3.0, 1.0], vec![4.0, 0.0]];
        let d = crowding_distances(&p, &[0, 1, 2, 3, 4]);
        assert!(d[0].is_infinite() && d[4].is_infinite());
        // (3,1) sits in the largest gap, (1,3) in the smallest
        assert!(d[3] > d[2] && d[2] > d[1], "{d:?}");
        assert!((d[1] - (1.5 / 4.0 + 1.5 / 4.0)).abs() < 1e-12);
        assert_eq!(crowding_distances(&p, &[1, 2]), vec![f64::INFINITY; 2]);
    }
}
