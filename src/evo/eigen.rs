//! Symmetric eigendecomposition by cyclic Jacobi rotations, for CMA-ES's covariance matrix
//! (tens of dimensions: a few sweeps of O(n³) each). `gp::linalg` has only Cholesky.
use ndarray::Array2;

/// Eigenvalues and eigenvectors (columns of the matrix) of the symmetric matrix `a`:
/// `a = V diag(λ) Vᵀ`. Only the upper triangle of `a` is read. Deterministic; converges to
/// off-diagonal mass below 1e-15 of the total (or after 60 sweeps).
pub fn symmetric_eigen(a: &Array2<f64>) -> (Vec<f64>, Array2<f64>) {
    let n = a.nrows();
    let mut m = a.clone();
    for i in 0..n {
        for j in 0..i {
            m[[i, j]] = m[[j, i]];
        }
    }
    let mut v = Array2::<f64>::eye(n);
    let total: f64 = m.iter().map(|x| x * x).sum::<f64>().max(f64::MIN_POSITIVE);
    for _sweep in 0..60 {
        let off: f64 = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j))).map(|(i, j)| m[[i, j]].powi(2)).sum();
        if off <= 1e-30 * total {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[[p, q]];
                if apq.abs() <= f64::MIN_POSITIVE {
                    continue;
                }
                let theta = (m[[q, q]] - m[[p, p]]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[[k, p]], m[[k, q]]);
                    m[[k, p]] = c * mkp - s * mkq;
                    m[[k, q]] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[[p, k]], m[[q, k]]);
                    m[[p, k]] = c * mpk - s * mqk;
                    m[[q, k]] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[[k, p]], v[[k, q]]);
                    v[[k, p]] = c * vkp - s * vkq;
                    v[[k, q]] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| m[[i, i]]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconstructs_a_random_symmetric_matrix() {
        let n = 7;
        let mut a = Array2::<f64>::zeros((n, n));
        for i in 0..n {
            for j in 0..=i {
                let x = ((i * 31 + j * 17) % 13) as f64 / 13.0 - 0.4;
                a[[i, j]] = x;
                a[[j, i]] = x;
            }
            a[[i, i]] += 2.0;
        }
        let (w, v) = symmetric_eigen(&a);
        let back = v.dot(&Array2::from_diag(&ndarray::Array1::from(w.clone()))).dot(&v.t());
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        }
        let vtv = v.t().dot(&v);
        for i in 0..n {
            for j in 0..n {
                assert!((vtv[[i, j]] - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
    }
}
