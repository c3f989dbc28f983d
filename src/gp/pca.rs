//! Principal components of a feature matrix, for putting a GP on a wide learned embedding.
//!
//! Why: an ARD kernel has one length scale per input, and a fine-tuned composition embedding
//! has 128 or more columns while a user's data set has a few hundred rows. Fitting 130
//! hyperparameters by marginal likelihood on 250 points over-fits and costs O(d) per gradient,
//! so the embedding is first standardised per column (training mean and standard deviation;
//! constant columns are left unscaled) and projected onto its leading principal components.
//! The covariance is small (w × w, w ≈ 128–160), so an exact symmetric eigendecomposition by
//! cyclic Jacobi rotations is cheap (a few million flops) and needs no LAPACK.
//!
//! Owns: the projection and its fit. Must not: know models, files or tasks.
use ndarray::{Array2, ArrayView2};

/// A fitted projection: `(z − mean) / scale`, then onto `components` (k × w, orthonormal rows,
/// by decreasing variance).
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Per input column: training mean.
    pub mean: Vec<f64>,
    /// Per input column: training standard deviation (1 for a constant column).
    pub scale: Vec<f64>,
    /// k × w principal directions, one per row.
    pub components: Array2<f64>,
    /// Fraction of the standardised variance the kept components explain.
    pub explained: f64,
}

impl Projection {
    /// Fit on the rows of `z` (n × w): keep the fewest leading components that explain at
    /// least `variance` of the standardised variance, at most `max_components` and at most
    /// n − 1 (at least one).
    pub fn fit(z: ArrayView2<f64>, variance: f64, max_components: usize) -> Projection {
        let (n, w) = z.dim();
        let nf = n.max(1) as f64;
        let mean: Vec<f64> = (0..w).map(|j| z.column(j).sum() / nf).collect();
        let scale: Vec<f64> = (0..w)
            .map(|j| {
                let v = z.column(j).iter().map(|x| (x - mean[j]).powi(2)).sum::<f64>() / nf;
                if v.sqrt() > 1e-10 * (1.0 + mean[j].abs()) {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        let s = Array2::from_shape_fn((n, w), |(i, j)| (z[[i, j]] - mean[j]) / scale[j]);
        let cov = s.t().dot(&s) / nf;
        let (values, vectors) = symmetric_eigen(cov.as_slice().expect("standard layout"), w);
        let total: f64 = values.iter().map(|v| v.max(0.0)).sum();
        let cap = max_components.min(n.saturating_sub(1)).clamp(1, w.max(1));
        let mut k = 0;
        let mut kept = 0.0;
        while k < cap && (k == 0 || kept < variance * total) {
            kept += values[k].max(0.0);
            k += 1;
        }
        let components = Array2::from_shape_fn((k, w), |(c, j)| vectors[c * w + j]);
        let explained = if total > 0.0 { kept / total } else { 1.0 };
        Projection { mean, scale, components, explained }
    }

    /// Project the rows of `z` (n × w): n × k.
    ///
    /// # Panics
    /// If `z` has another width than the fitted data.
    pub fn apply(&self, z: ArrayView2<f64>) -> Array2<f64> {
        assert_eq!(
            z.ncols(),
            self.mean.len(),
            "Projection::apply: {} columns, fitted on {}",
            z.ncols(),
            self.mean.len()
        );
        let s = Array2::from_shape_fn(z.dim(), |(i, j)| (z[[i, j]] - self.mean[j]) / self.scale[j]);
        s.dot(&self.components.t())
    }

    /// Number of kept components.
    pub fn len(&self) -> usize {
        self.components.nrows()
    }

    /// Whether no component is kept (never after [`Projection::fit`] on a non-empty width).
    pub fn is_empty(&self) -> bool {
        self.components.nrows() == 0
    }
}

/// Eigenvalues (descending) and unit eigenvectors (row `c` of the returned row-major w × w
/// matrix belongs to value `c`) of the symmetric `a` (w × w row-major), by the Jacobi solver
/// of [`crate::gp::linalg::symmetric_eigen`].
pub fn symmetric_eigen(a: &[f64], w: usize) -> (Vec<f64>, Vec<f64>) {
    assert_eq!(a.len(), w * w, "symmetric_eigen: {} entries for w = {w}", a.len());
    let m = Array2::from_shape_vec((w, w), a.to_vec()).expect("w × w");
    let (values, vectors) = super::linalg::symmetric_eigen(&m);
    let mut order: Vec<usize> = (0..w).collect();
    order.sort_by(|&x, &y| values[y].total_cmp(&values[x]).then(x.cmp(&y)));
    let sorted: Vec<f64> = order.iter().map(|&c| values[c]).collect();
    let rows: Vec<f64> = order.iter().flat_map(|&c| vectors.column(c).to_vec()).collect();
    (sorted, rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn jacobi_reconstructs_a_symmetric_matrix() {
        let a = [4.0, 1.0, 2.0, 1.0, 3.0, 0.5, 2.0, 0.5, 1.0];
        let (vals, vecs) = symmetric_eigen(&a, 3);
        assert!(vals[0] >= vals[1] && vals[1] >= vals[2]);
        // A = Σ λ v vᵀ, and the eigenvalues sum to the trace
        for i in 0..3 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|c| vals[c] * vecs[c * 3 + i] * vecs[c * 3 + j]).sum();
                assert!((r - a[i * 3 + j]).abs() < 1e-10, "({i},{j}): {r} vs {}", a[i * 3 + j]);
            }
        }
        assert!((vals.iter().sum::<f64>() - 8.0).abs() < 1e-10);
    }

    #[test]
    fn projection_finds_the_planted_low_dimensional_structure() {
        // 40 columns driven by 2 latent factors plus a little noise: 2 components explain ~all.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let load: Vec<[f64; 2]> = (0..40).map(|_| [rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)]).collect();
        let z = Array2::from_shape_fn((100, 40), |(i, j)| {
            let (a, b) = ((i as f64 * 0.37).sin(), (i as f64 * 0.11).cos());
            5.0 + 3.0 * (load[j][0] * a + load[j][1] * b) + 1e-3 * ((i * 31 + j * 7) % 11) as f64
        });
        let p = Projection::fit(z.view(), 0.99, 10);
        assert_eq!(p.len(), 2, "explained {}", p.explained);
        assert!(p.explained > 0.99);
        let f = p.apply(z.view());
        assert_eq!(f.dim(), (100, 2));
        // Components are orthonormal; projected columns are uncorrelated.
        let g = p.components.dot(&p.components.t());
        assert!((g[[0, 0]] - 1.0).abs() < 1e-10 && g[[0, 1]].abs() < 1e-10);
        let c01: f64 = f.column(0).iter().zip(f.column(1)).map(|(a, b)| a * b).sum();
        assert!(c01.abs() < 1e-8 * f.column(0).iter().map(|a| a * a).sum::<f64>(), "{c01}");
        // A cap on the count wins over the variance target.
        assert_eq!(Projection::fit(z.view(), 1.0, 1).len(), 1);
    }
}
