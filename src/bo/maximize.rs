//! Maximising the acquisition over a designed space (mixtures, structures, parameters).
//!
//! 1. Score a space-filling sample of feasible candidates (`Space::sample`, drawn once per
//!    ask and shared by the batch) and keep the best distinct ones as starts.
//! 2. Categoricals: with at most `enumerate_limit` combinations every combination is tried at
//!    each start and the best kept fixed; otherwise the one-hot blocks are relaxed (moved like
//!    a mixture over all choices) and decoding takes the largest entry.
//! 3. Refine each start with L-BFGS ([`crate::gp::minimize`], argmin) along the feasible
//!    directions of [`super::layout::Moves`]: each mixture moves within its support keeping its
//!    sum (so cardinality holds), scaled parameters within `[0, 1]`; leaving `[0, 1]` is
//!    penalised. The objective is the acquisition, scaled so its gradient at the start has
//!    norm 1.
//! 4. Decode, repair (bounds, resolution, cardinality, charge balance: the space's one
//!    feasibility engine), re-encode and re-score: the refined point competes with the
//!    unrefined starts, which are feasible by construction. Candidates already evaluated,
//!    pending or chosen are never returned.
use std::collections::HashSet;

use ndarray::{Array2, ArrayView1};

use super::layout::{Layout, Moves};
use super::score::Scorer;
use crate::gp::{minimize, MinimizeOptions};
use crate::space::{Candidate, Space};
use crate::strategy::candidate_key;

/// Search settings for designed spaces.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Search {
    pub restarts: usize,
    pub max_iters: u64,
    pub enumerate_limit: usize,
}

/// The raw sample and its encoding.
pub(crate) struct RawSample {
    pub candidates: Vec<Candidate>,
    pub x: Array2<f64>,
}

fn set_combination(x: &mut [f64], cats: &[(usize, usize)], mut combo: usize) {
    for &(start, len) in cats {
        let pick = combo % len;
        combo /= len;
        for j in 0..len {
            x[start + j] = if j == pick { 1.0 } else { 0.0 };
        }
    }
}

/// The best candidate not in `taken`, with its score; `None` when every sampled and refined
/// candidate is taken.
pub(crate) fn maximize_design(
    space: &Space,
    layout: &Layout,
    scorer: &Scorer,
    raw: &RawSample,
    taken: &HashSet<Vec<u64>>,
    search: &Search,
) -> Option<(Candidate, f64)> {
    let scores = scorer.score(raw.x.view());
    let mut order: Vec<usize> =
        (0..raw.candidates.len()).filter(|&i| !taken.contains(&candidate_key(&raw.candidates[i]))).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let mut best: Option<(Candidate, f64)> = order.first().map(|&i| (raw.candidates[i].clone(), scores[i]));
    let cats = layout.categoricals();
    let enumerate = !cats.is_empty() && layout.combinations() <= search.enumerate_limit;
    let mut seen_starts: HashSet<Vec<u64>> = HashSet::new();
    for &i in order.iter() {
        if seen_starts.len() >= search.restarts {
            break;
        }
        if !seen_starts.insert(candidate_key(&raw.candidates[i])) {
            continue;
        }
        let mut x0: Vec<f64> = raw.x.row(i).to_vec();
        if enumerate {
            let combos = layout.combinations();
            let mut xs = Array2::zeros((combos, x0.len()));
            for (c, mut row) in xs.rows_mut().into_iter().enumerate() {
                let mut r = x0.clone();
                set_combination(&mut r, &cats, c);
                row.assign(&ArrayView1::from(&r));
            }
            let s = scorer.score(xs.view());
            let c = (0..combos).max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a))).unwrap_or(0);
            set_combination(&mut x0, &cats, c);
        }
        let Some(cand) = refine(space, layout, scorer, &x0, !enumerate && !cats.is_empty(), search) else {
            continue;
        };
        if taken.contains(&candidate_key(&cand.0)) {
            continue;
        }
        if best.as_ref().is_none_or(|b| cand.1 > b.1) {
            best = Some(cand);
        }
    }
    best
}

/// Local L-BFGS refinement from `x0`, then decode, repair and re-score.
fn refine(
    space: &Space,
    layout: &Layout,
    scorer: &Scorer,
    x0: &[f64],
    relax: bool,
    search: &Search,
) -> Option<(Candidate, f64)> {
    let moves = Moves::new(layout, x0, relax);
    let mut x = x0.to_vec();
    if moves.nvars > 0 && search.max_iters > 0 {
        if let Some((a0, g0)) = scorer.value_grad(x0) {
            let gv = moves.pullback(&g0);
            let norm = gv.iter().map(|g| g * g).sum::<f64>().sqrt();
            if norm > 1e-300 {
                let f = |v: &[f64]| {
                    let x = moves.apply(x0, v);
                    let (a, g) = scorer.value_grad(&x)?;
                    let (pen, pg) = moves.box_violation(&x);
                    const RHO: f64 = 1e3;
                    let gx: Vec<f64> = g.iter().zip(&pg).map(|(gi, pi)| -gi / norm + RHO * pi).collect();
                    Some((-(a - a0) / norm + RHO * pen, moves.pullback(&gx)))
                };
                let opts =
                    MinimizeOptions { max_iters: search.max_iters, tol_grad: 1e-6, penalty: 1e3, ..Default::default() };
                let zero = vec![0.0; moves.nvars];
                if let Some(m) = minimize(f, &zero, &moves.lower, &moves.upper, &opts) {
                    x = moves.apply(x0, &m.x);
                }
            }
        }
    }
    let xa = Array2::from_shape_vec((1, x.len()), x).ok()?;
    let c = space.repair(&space.decode(xa.view())[0]);
    space.check(&c).ok()?;
    let enc = space.encode(std::slice::from_ref(&c));
    let s = scorer.score(enc.view())[0];
    Some((c, s))
}
