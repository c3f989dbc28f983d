//! Thompson sampling: joint draws from the posterior over a finite candidate set
//! (`f = μ + L z`, `L Lᵀ = Σ` by a jitter-escalating Cholesky), each draw proposing its
//! maximiser. Joint (not independent per point) so that a draw is one plausible function and
//! its argmax a plausible optimum; several draws give a naturally diverse batch.
use ndarray::{Array2, ArrayView1, ArrayView2};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::gp::Cholesky;

/// `draws` joint samples (draws × n) of `N(mean, cov)`. When the covariance cannot be
/// factorised even with jitter, the draws are independent per point (marginals kept).
pub fn joint_draws(mean: ArrayView1<f64>, cov: ArrayView2<f64>, draws: usize, rng: &mut ChaCha8Rng) -> Array2<f64> {
    let n = mean.len();
    let flat: Vec<f64> = cov.iter().copied().collect();
    let chol = Cholesky::new(&flat, n);
    let mut out = Array2::zeros((draws, n));
    let mut z = vec![0.0; n];
    for mut row in out.rows_mut() {
        for v in z.iter_mut() {
            *v = StandardNormal.sample(rng);
        }
        for i in 0..n {
            row[i] = mean[i]
                + match &chol {
                    Some(c) => c.l[i * n..i * n + i + 1].iter().zip(&z).map(|(a, b)| a * b).sum::<f64>(),
                    None => cov[[i, i]].max(0.0).sqrt() * z[i],
                };
        }
    }
    out
}

/// Index of the largest entry of each row (first on ties; NaN never wins).
pub fn argmax_rows(samples: ArrayView2<f64>) -> Vec<usize> {
    samples
        .rows()
        .into_iter()
        .map(|r| {
            let mut best = 0;
            for (i, v) in r.iter().enumerate() {
                if *v > r[best] || r[best].is_nan() {
                    best = i;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;
    use rand::SeedableRng;

    #[test]
    fn draws_have_the_right_moments() {
        let mean = array![1.0, -1.0];
        let cov = array![[1.0, 0.8], [0.8, 1.0]];
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let d = joint_draws(mean.view(), cov.view(), 20_000, &mut rng);
        let m0 = d.column(0).mean().unwrap();
        let c01 = d.rows().into_iter().map(|r| (r[0] - 1.0) * (r[1] + 1.0)).sum::<f64>() / 20_000.0;
        assert!((m0 - 1.0).abs() < 0.03 && (c01 - 0.8).abs() < 0.05, "{m0} {c01}");
        assert_eq!(argmax_rows(array![[0.0, 2.0, 1.0], [f64::NAN, 0.0, -1.0]].view()), vec![1, 1]);
        // A singular covariance (duplicate points) still samples.
        let d = joint_draws(array![0.0, 0.0].view(), array![[1.0, 1.0], [1.0, 1.0]].view(), 3, &mut rng);
        assert!(d.iter().all(|v| v.is_finite()));
    }
}
