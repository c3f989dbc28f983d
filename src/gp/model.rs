//! The exact GP posterior: conditioning on data with given hyperparameters, posterior mean and
//! standard deviation for batches of query points (with input gradients), joint posterior
//! covariance, and fantasy observations.
//!
//! Inputs are scaled to the unit cube by the training minimum and maximum of each column (a
//! constant column gets span 1); outputs are standardised by their training mean and standard
//! deviation. Hyperparameters ([`Hyper`]) live in those units; everything a caller sees
//! (queries, means, standard deviations, gradients) is in raw units. The standard deviation
//! is that of the latent function (noise excluded).
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::kernel::{cross, cross_grad, gram, inv_ls2, matern52, r2};
use super::linalg::Cholesky;
use super::GpError;

/// Kernel hyperparameters in the GP's units (unit-cube inputs, standardised outputs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hyper {
    /// `log ℓₖ`, one per input.
    pub log_ls: Vec<f64>,
    /// `log σ²`, the output scale.
    pub log_sf2: f64,
    /// `log σₙ²`, the noise variance.
    pub log_sn2: f64,
}

impl Hyper {
    /// Packed as `[log ℓ…, log σ², log σₙ²]`.
    pub fn pack(&self) -> Vec<f64> {
        let mut t = self.log_ls.clone();
        t.extend([self.log_sf2, self.log_sn2]);
        t
    }

    /// Inverse of [`Hyper::pack`].
    pub fn unpack(theta: &[f64]) -> Hyper {
        let d = theta.len() - 2;
        Hyper { log_ls: theta[..d].to_vec(), log_sf2: theta[d], log_sn2: theta[d + 1] }
    }

    /// Length scales `ℓₖ` in unit-cube units.
    pub fn length_scales(&self) -> Vec<f64> {
        self.log_ls.iter().map(|l| l.exp()).collect()
    }
}

/// Posterior mean and standard deviation of `n` query points (raw units).
#[derive(Debug, Clone, PartialEq)]
pub struct Posterior {
    /// Mean, length n.
    pub mean: Array1<f64>,
    /// Standard deviation of the latent function, length n.
    pub std: Array1<f64>,
}

/// [`Posterior`] plus gradients with respect to the (raw) query inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct PosteriorGrad {
    /// Mean and standard deviation.
    pub posterior: Posterior,
    /// ∂mean/∂x, n × d.
    pub dmean: Array2<f64>,
    /// ∂std/∂x, n × d.
    pub dstd: Array2<f64>,
}

/// An exact GP conditioned on data (see the module docs).
#[derive(Debug, Clone)]
pub struct Gp {
    d: usize,
    /// Normalised training inputs, n × d row-major.
    x: Vec<f64>,
    /// Standardised training outputs.
    y: Vec<f64>,
    lo: Vec<f64>,
    span: Vec<f64>,
    y_mean: f64,
    y_std: f64,
    hyper: Hyper,
    il2: Vec<f64>,
    sf2: f64,
    chol: Cholesky,
    alpha: Vec<f64>,
}

/// Per-column minimum and span (1 for constant columns).
pub(crate) fn input_scaling(x: ArrayView2<f64>) -> (Vec<f64>, Vec<f64>) {
    let mut lo = Vec::with_capacity(x.ncols());
    let mut span = Vec::with_capacity(x.ncols());
    for c in x.columns() {
        let a = c.iter().copied().fold(f64::INFINITY, f64::min);
        let b = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        lo.push(a);
        span.push(if b - a > 1e-12 * (1.0 + a.abs()) { b - a } else { 1.0 });
    }
    (lo, span)
}

/// Mean and standard deviation used to standardise `y` (sd 1 when `y` is constant).
pub(crate) fn output_scaling(y: ArrayView1<f64>) -> (f64, f64) {
    let n = y.len() as f64;
    let m = y.sum() / n;
    let v = y.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n;
    let s = v.sqrt();
    (m, if s > 1e-12 * (1.0 + m.abs()) { s } else { 1.0 })
}

/// Check shapes and finiteness of training data.
pub(crate) fn check_data(x: ArrayView2<f64>, y: ArrayView1<f64>) -> Result<(), GpError> {
    if x.nrows() == 0 {
        return Err(GpError::Empty);
    }
    if x.nrows() != y.len() {
        return Err(GpError::Shape(format!("{} input rows for {} outputs", x.nrows(), y.len())));
    }
    if x.iter().chain(y.iter()).any(|v| !v.is_finite()) {
        return Err(GpError::NonFinite);
    }
    Ok(())
}

impl Gp {
    /// Condition on `x` (n × d raw) and `y` (n, raw) with fixed hyperparameters.
    pub fn new(x: ArrayView2<f64>, y: ArrayView1<f64>, hyper: Hyper) -> Result<Gp, GpError> {
        check_data(x, y)?;
        let (lo, span) = input_scaling(x);
        let (y_mean, y_std) = output_scaling(y);
        let d = x.ncols();
        if hyper.log_ls.len() != d {
            return Err(GpError::Shape(format!("{} length scales for {d} inputs", hyper.log_ls.len())));
        }
        let xn = normalise_rows(x, &lo, &span);
        let ys: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_std).collect();
        Gp::from_parts(d, xn, ys, lo, span, y_mean, y_std, hyper)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_parts(
        d: usize,
        x: Vec<f64>,
        y: Vec<f64>,
        lo: Vec<f64>,
        span: Vec<f64>,
        y_mean: f64,
        y_std: f64,
        hyper: Hyper,
    ) -> Result<Gp, GpError> {
        let n = y.len();
        let sf2 = hyper.log_sf2.exp();
        let mut k = gram(&x, d, &hyper.log_ls, sf2);
        let sn2 = hyper.log_sn2.exp();
        for i in 0..n {
            k[i * n + i] += sn2;
        }
        let chol = Cholesky::new(&k, n).ok_or(GpError::Factorisation)?;
        let mut alpha = y.clone();
        chol.solve(&mut alpha);
        let il2 = inv_ls2(&hyper.log_ls);
        Ok(Gp { d, x, y, lo, span, y_mean, y_std, hyper, il2, sf2, chol, alpha })
    }

    /// Number of inputs.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Number of training points (fantasies included).
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether the GP has no training points (never: construction needs one).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The hyperparameters.
    pub fn hyper(&self) -> &Hyper {
        &self.hyper
    }

    /// Whether the Cholesky factorisation needed jitter (a warning: near-duplicate inputs with
    /// little noise; the posterior is then slightly smoother than the hyperparameters say).
    pub fn jittered(&self) -> bool {
        self.chol.jittered()
    }

    /// The jitter added to the diagonal, relative to the output scale σ².
    pub fn relative_jitter(&self) -> f64 {
        self.chol.jitter / self.sf2
    }

    fn normalise(&self, row: ArrayView1<f64>, out: &mut [f64]) {
        for (k, o) in out.iter_mut().enumerate() {
            *o = (row[k] - self.lo[k]) / self.span[k];
        }
    }

    /// Mean and variance (standardised units) at a normalised point; `v` receives `L⁻¹k`.
    fn point(&self, q: &[f64], v: &mut [f64]) -> (f64, f64) {
        cross(q, &self.x, self.d, &self.il2, self.sf2, v);
        let mean: f64 = v.iter().zip(&self.alpha).map(|(a, b)| a * b).sum();
        self.chol.solve_lower(v);
        let vv: f64 = v.iter().map(|a| a * a).sum();
        (mean, (self.sf2 - vv).max(1e-12 * self.sf2))
    }

    /// Posterior at the rows of `x` (n × d raw).
    pub fn predict(&self, x: ArrayView2<f64>) -> Posterior {
        assert_eq!(x.ncols(), self.d, "Gp::predict: {} columns, expected {}", x.ncols(), self.d);
        let mut q = vec![0.0; self.d];
        let mut v = vec![0.0; self.len()];
        let mut mean = Array1::zeros(x.nrows());
        let mut std = Array1::zeros(x.nrows());
        for (i, row) in x.rows().into_iter().enumerate() {
            self.normalise(row, &mut q);
            let (m, var) = self.point(&q, &mut v);
            mean[i] = self.y_mean + self.y_std * m;
            std[i] = self.y_std * var.sqrt();
        }
        Posterior { mean, std }
    }

    /// Posterior with gradients of mean and standard deviation with respect to the inputs.
    pub fn predict_grad(&self, x: ArrayView2<f64>) -> PosteriorGrad {
        assert_eq!(x.ncols(), self.d, "Gp::predict_grad: {} columns, expected {}", x.ncols(), self.d);
        let (n, d) = (x.nrows(), self.d);
        let mut q = vec![0.0; d];
        let mut v = vec![0.0; self.len()];
        let mut mean = Array1::zeros(n);
        let mut std = Array1::zeros(n);
        let mut dmean = Array2::zeros((n, d));
        let mut dstd = Array2::zeros((n, d));
        let mut gm = vec![0.0; d];
        let mut gv = vec![0.0; d];
        for (i, row) in x.rows().into_iter().enumerate() {
            self.normalise(row, &mut q);
            let (m, var) = self.point(&q, &mut v);
            // w = K⁻¹k = L⁻ᵀ (L⁻¹k); ∂var/∂q = −2 Σ wᵢ ∂kᵢ/∂q.
            self.chol.solve_upper(&mut v);
            gm.fill(0.0);
            gv.fill(0.0);
            cross_grad(&q, &self.x, d, &self.il2, self.sf2, &self.alpha, &mut gm);
            cross_grad(&q, &self.x, d, &self.il2, self.sf2, &v, &mut gv);
            let s = var.sqrt();
            mean[i] = self.y_mean + self.y_std * m;
            std[i] = self.y_std * s;
            for k in 0..d {
                dmean[[i, k]] = self.y_std * gm[k] / self.span[k];
                // ∂s/∂q = ∂var/∂q / (2s) = −gv/s.
                dstd[[i, k]] = if var > 1e-12 * self.sf2 { -self.y_std * gv[k] / s / self.span[k] } else { 0.0 };
            }
        }
        PosteriorGrad { posterior: Posterior { mean, std }, dmean, dstd }
    }

    /// Joint posterior of the rows of `x`: mean (n) and covariance (n × n), raw units.
    pub fn joint(&self, x: ArrayView2<f64>) -> (Array1<f64>, Array2<f64>) {
        let (m, d, n) = (x.nrows(), self.d, self.len());
        let mut qs = vec![0.0; m * d];
        let mut vs = vec![0.0; m * n];
        let mut mean = Array1::zeros(m);
        for (i, row) in x.rows().into_iter().enumerate() {
            self.normalise(row, &mut qs[i * d..(i + 1) * d]);
            let (mu, _) = self.point(&qs[i * d..(i + 1) * d], &mut vs[i * n..(i + 1) * n]);
            mean[i] = self.y_mean + self.y_std * mu;
        }
        let s2 = self.y_std * self.y_std;
        let mut cov = Array2::zeros((m, m));
        for i in 0..m {
            for j in 0..=i {
                let kij = self.sf2 * matern52(r2(&qs[i * d..(i + 1) * d], &qs[j * d..(j + 1) * d], &self.il2).sqrt()).0;
                let vv: f64 = vs[i * n..(i + 1) * n].iter().zip(&vs[j * n..(j + 1) * n]).map(|(a, b)| a * b).sum();
                let c = s2 * (kij - vv);
                cov[[i, j]] = c;
                cov[[j, i]] = c;
            }
        }
        (mean, cov)
    }

    /// The GP with one more observation `y` at `x` (raw units), same hyperparameters and
    /// scaling: a fantasy for batch selection. O(n²).
    pub fn fantasize(&self, x: ArrayView1<f64>, y: f64) -> Result<Gp, GpError> {
        let mut q = vec![0.0; self.d];
        self.normalise(x, &mut q);
        let n = self.len();
        let mut k = vec![0.0; n];
        cross(&q, &self.x, self.d, &self.il2, self.sf2, &mut k);
        let c = self.sf2 + self.hyper.log_sn2.exp();
        let mut g = self.clone();
        g.x.extend_from_slice(&q);
        g.y.push((y - self.y_mean) / self.y_std);
        g.chol = match self.chol.extend(&k, c) {
            Some(ch) => ch,
            None => {
                let mut kk = gram(&g.x, g.d, &g.hyper.log_ls, g.sf2);
                for i in 0..=n {
                    kk[i * (n + 1) + i] += g.hyper.log_sn2.exp();
                }
                Cholesky::new(&kk, n + 1).ok_or(GpError::Factorisation)?
            }
        };
        g.alpha = g.y.clone();
        g.chol.solve(&mut g.alpha);
        Ok(g)
    }
}

/// Rows of `x` scaled by `(v − lo)/span`, row-major.
pub(crate) fn normalise_rows(x: ArrayView2<f64>, lo: &[f64], span: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    for row in x.rows() {
        for (k, v) in row.iter().enumerate() {
            out.push((v - lo[k]) / span[k]);
        }
    }
    out
}
