//! Thompson sampling over a finite candidate set: one joint posterior draw per batch point
//! (objective and constraint GPs, each joint over the set), the candidate with the best drawn
//! utility among those whose drawn constraints hold (if none, the fewest violated) is chosen.
//! Drawn utilities apply the goal to the drawn property (`±y`, or `−dist(y, band)`).
use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

use super::models::{Models, Output};
use crate::acquisition::thompson::joint_draws;

/// Index into the rows of `x` chosen by one draw, and its drawn utility.
pub(crate) fn pick(
    models: &Models,
    x: ArrayView2<f64>,
    allowed: &[bool],
    rng: &mut ChaCha8Rng,
) -> Option<(usize, f64)> {
    let n = x.nrows();
    let draw = |gp: &crate::gp::Gp, rng: &mut ChaCha8Rng| -> Vec<f64> {
        let (m, c) = gp.joint(x);
        let d: Array2<f64> = joint_draws(m.view(), c.view(), 1, rng);
        d.row(0).to_vec()
    };
    let utility: Vec<f64> = match models.objectives.first() {
        Some(o) => {
            let y = draw(&o.gp, rng);
            y.iter()
                .map(|v| match o.output {
                    Output::Linear(s) => s * v,
                    Output::Band(b) => b.utility(*v),
                })
                .collect()
        }
        None => vec![0.0; n],
    };
    let mut violations = vec![0usize; n];
    for c in &models.constraints {
        for (i, v) in draw(&c.gp, rng).into_iter().enumerate() {
            if c.lo.is_some_and(|l| v < l) || c.hi.is_some_and(|h| v > h) {
                violations[i] += 1;
            }
        }
    }
    if let Some(s) = &models.success {
        for (i, v) in draw(s, rng).into_iter().enumerate() {
            if v <= 0.0 {
                violations[i] += 1;
            }
        }
    }
    (0..n)
        .filter(|&i| allowed[i])
        .min_by(|&a, &b| violations[a].cmp(&violations[b]).then(utility[b].total_cmp(&utility[a])).then(a.cmp(&b)))
        .map(|i| (i, utility[i]))
}
