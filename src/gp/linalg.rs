//! Dense linear algebra for small exact GPs (n ≤ a few thousand), on row-major `Vec<f64>`:
//! a Cholesky factorisation with jitter escalation, triangular solves, inverses and the
//! one-row extension used for fantasy observations. No LAPACK: plain loops over contiguous
//! rows, so that the inner products vectorise.

/// Lower-triangular Cholesky factor `L` (n × n, row-major, upper part zero) of `A + jitter·I`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cholesky {
    /// Size.
    pub n: usize,
    /// Row-major n × n lower-triangular factor.
    pub l: Vec<f64>,
    /// Jitter that had to be added to the diagonal (absolute; 0 when none was needed).
    pub jitter: f64,
}

/// Relative jitter levels tried in turn (times the mean diagonal) when `A` is not numerically
/// positive definite: none, then 1e-8 up to 1e-2.
const JITTER: [f64; 8] = [0.0, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2];

#[inline]
fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators let the compiler vectorise without reassociation flags.
    let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
    let n4 = a.len() / 4 * 4;
    let mut i = 0;
    while i < n4 {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
        i += 4;
    }
    for j in n4..a.len() {
        s0 += a[j] * b[j];
    }
    (s0 + s1) + (s2 + s3)
}

/// Plain Cholesky of `a` (n × n row-major, symmetric; only the lower triangle is read) plus
/// `jitter` on the diagonal. `None` when a pivot is not positive and finite.
fn factor(a: &[f64], n: usize, jitter: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let (ri, rj) = (i * n, j * n);
            let s = dot(&l[ri..ri + j], &l[rj..rj + j]);
            if i == j {
                let d = a[ri + i] + jitter - s;
                if !(d > 0.0 && d.is_finite()) {
                    return None;
                }
                l[ri + i] = d.sqrt();
            } else {
                l[ri + j] = (a[ri + j] - s) / l[rj + j];
            }
        }
    }
    Some(l)
}

impl Cholesky {
    /// Factor `a` (n × n row-major, symmetric positive semi-definite), escalating the jitter
    /// from 0 through 1e-8 … 1e-2 times the mean diagonal until it succeeds. `None` when even
    /// the largest jitter fails (non-finite entries, or a matrix far from PSD).
    pub fn new(a: &[f64], n: usize) -> Option<Cholesky> {
        assert_eq!(a.len(), n * n, "Cholesky::new: {} entries for n = {n}", a.len());
        let mean_diag = if n == 0 { 1.0 } else { (0..n).map(|i| a[i * n + i]).sum::<f64>() / n as f64 };
        let scale = if mean_diag > 0.0 && mean_diag.is_finite() { mean_diag } else { 1.0 };
        for rel in JITTER {
            let jitter = rel * scale;
            if let Some(l) = factor(a, n, jitter) {
                return Some(Cholesky { n, l, jitter });
            }
        }
        None
    }

    /// Whether jitter had to be added (the fit is then slightly smoother than asked).
    pub fn jittered(&self) -> bool {
        self.jitter > 0.0
    }

    /// Solve `L x = b` in place.
    pub fn solve_lower(&self, b: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let r = i * n;
            let s = dot(&self.l[r..r + i], &b[..i]);
            b[i] = (b[i] - s) / self.l[r + i];
        }
    }

    /// Solve `Lᵀ x = b` in place.
    pub fn solve_upper(&self, b: &mut [f64]) {
        let n = self.n;
        for i in (0..n).rev() {
            b[i] /= self.l[i * n + i];
            let bi = b[i];
            let r = i * n;
            for (bj, lij) in b[..i].iter_mut().zip(&self.l[r..r + i]) {
                *bj -= lij * bi;
            }
        }
    }

    /// Solve `(L Lᵀ) x = b` in place.
    pub fn solve(&self, b: &mut [f64]) {
        self.solve_lower(b);
        self.solve_upper(b);
    }

    /// `log det(L Lᵀ) = 2 Σ log Lᵢᵢ`.
    pub fn log_det(&self) -> f64 {
        2.0 * (0..self.n).map(|i| self.l[i * self.n + i].ln()).sum::<f64>()
    }

    /// The inverse `(L Lᵀ)⁻¹`, n × n row-major (symmetric).
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        // lt = Linvᵀ, row-major: row j is column j of L⁻¹, which solves L x = e_j by forward
        // substitution, x_i = −(Σ_{j≤k<i} L[i][k] x_k) / L[i][i]. Building the transpose directly
        // keeps both factors of every inner product contiguous (a column-wise walk over L⁻¹
        // strides by n and dominated the GP fit's time).
        let mut lt = vec![0.0; n * n];
        for j in 0..n {
            let row = j * n;
            lt[row + j] = 1.0 / self.l[row + j];
            for i in j + 1..n {
                let r = i * n;
                let s = dot(&self.l[r + j..r + i], &lt[row + j..row + i]);
                lt[row + i] = -s / self.l[r + i];
            }
        }
        // A⁻¹ = Linvᵀ Linv: entry (i, j), j ≤ i, is Σ_{k ≥ i} Linv[k][i] Linv[k][j], a product of
        // two contiguous rows of lt.
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = dot(&lt[i * n + i..i * n + n], &lt[j * n + i..j * n + n]);
                inv[i * n + j] = v;
                inv[j * n + i] = v;
            }
        }
        inv
    }

    /// Extend the factor of `A` to that of `[[A, k], [kᵀ, c]]` in O(n²). `None` when the new
    /// pivot `c + jitter − |L⁻¹k|²` is not positive (the caller falls back to a full factor).
    pub fn extend(&self, k: &[f64], c: f64) -> Option<Cholesky> {
        let n = self.n;
        let mut v = k.to_vec();
        self.solve_lower(&mut v);
        let d = c + self.jitter - dot(&v, &v);
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let m = n + 1;
        let mut l = vec![0.0; m * m];
        for i in 0..n {
            l[i * m..i * m + i + 1].copy_from_slice(&self.l[i * n..i * n + i + 1]);
        }
        l[n * m..n * m + n].copy_from_slice(&v);
        l[n * m + n] = d.sqrt();
        Some(Cholesky { n: m, l, jitter: self.jitter })
    }
}

/// Eigenvalues and unit eigenvectors (columns of the matrix) of the symmetric matrix `a`:
/// `a = V diag(λ) Vᵀ`, by cyclic Jacobi rotations, in the order the rotations leave them (sort
/// them yourself if you need an order). Only the upper triangle of `a` is read. Deterministic;
/// converges to off-diagonal mass below 1e-15 of the total (or stops after 60 sweeps). Fine
/// for the tens to a couple of hundred dimensions of CMA-ES covariances and embedding
/// covariances (O(n³) per sweep).
pub fn symmetric_eigen(a: &ndarray::Array2<f64>) -> (Vec<f64>, ndarray::Array2<f64>) {
    let n = a.nrows();
    let mut m = a.clone();
    for i in 0..n {
        for j in 0..i {
            m[[i, j]] = m[[j, i]];
        }
    }
    let mut v = ndarray::Array2::<f64>::eye(n);
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

    fn spd(n: usize) -> Vec<f64> {
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = (-((i as f64 - j as f64).powi(2)) / 8.0).exp();
            }
            a[i * n + i] += 0.1;
        }
        a
    }

    #[test]
    fn solves_and_inverts() {
        let n = 7;
        let a = spd(n);
        let c = Cholesky::new(&a, n).unwrap();
        assert!(!c.jittered());
        let b: Vec<f64> = (0..n).map(|i| i as f64 - 2.0).collect();
        let mut x = b.clone();
        c.solve(&mut x);
        for i in 0..n {
            let ax: f64 = (0..n).map(|j| a[i * n + j] * x[j]).sum();
            assert!((ax - b[i]).abs() < 1e-10);
        }
        let inv = c.inverse();
        for i in 0..n {
            for j in 0..n {
                let p: f64 = (0..n).map(|k| a[i * n + k] * inv[k * n + j]).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-10);
            }
        }
        // log det against the product of pivots squared.
        let ld: f64 = (0..n).map(|i| c.l[i * n + i].powi(2).ln()).sum();
        assert!((c.log_det() - ld).abs() < 1e-12);
    }

    #[test]
    fn inverse_of_a_larger_matrix() {
        // Not a multiple of 4 (the unrolled dot's remainder) and large enough for every path.
        let n = 37;
        let a = spd(n);
        let inv = Cholesky::new(&a, n).unwrap().inverse();
        for i in 0..n {
            for j in 0..n {
                assert_eq!(inv[i * n + j], inv[j * n + i]);
                let p: f64 = (0..n).map(|k| a[i * n + k] * inv[k * n + j]).sum();
                assert!((p - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9, "({i}, {j}): {p}");
            }
        }
    }

    #[test]
    fn extension_matches_full_factor() {
        let n = 6;
        let a = spd(n);
        let sub: Vec<f64> = (0..n - 1).flat_map(|i| a[i * n..i * n + n - 1].to_vec()).collect();
        let c = Cholesky::new(&sub, n - 1).unwrap();
        let k: Vec<f64> = (0..n - 1).map(|i| a[i * n + n - 1]).collect();
        let e = c.extend(&k, a[n * n - 1]).unwrap();
        let full = Cholesky::new(&a, n).unwrap();
        for (x, y) in e.l.iter().zip(&full.l) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn jitter_escalates_on_singular_matrices() {
        // Rank one: every row equal.
        let n = 4;
        let a = vec![1.0; n * n];
        let c = Cholesky::new(&a, n).expect("jitter rescues a PSD rank-deficient matrix");
        assert!(c.jittered() && c.jitter <= 1e-2);
        assert!(Cholesky::new(&[f64::NAN], 1).is_none());
        assert!(Cholesky::new(&[-1.0], 1).is_none());
    }

    #[test]
    fn reconstructs_a_random_symmetric_matrix() {
        let n = 7;
        let mut a = ndarray::Array2::<f64>::zeros((n, n));
        for i in 0..n {
            for j in 0..=i {
                let x = ((i * 31 + j * 17) % 13) as f64 / 13.0 - 0.4;
                a[[i, j]] = x;
                a[[j, i]] = x;
            }
            a[[i, i]] += 2.0;
        }
        let (w, v) = symmetric_eigen(&a);
        let back = v.dot(&ndarray::Array2::from_diag(&ndarray::Array1::from(w.clone()))).dot(&v.t());
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
