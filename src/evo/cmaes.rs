//! The CMA-ES update on ℝⁿ (Hansen's (μ/μ_w, λ)-CMA-ES with rank-one and rank-μ updates,
//! cumulative step-size adaptation and *active* covariance adaptation — the worst λ − μ
//! samples get negative recombination weights in the covariance update, scaled so the matrix
//! stays positive definite; default constants from "The CMA Evolution Strategy: A Tutorial",
//! 2016). Pure numerics: no spaces, no campaigns; [`super::CmaesStrategy`]
//! wraps it with the mixture reparametrisation, repair and restarts.
//!
//! Points told back may differ from the points sampled (a repaired candidate mapped back into
//! the search space): each step `y = (x − m)/σ` is shortened to a Mahalanobis length of at
//! most `√n + 2n/(n+2)`, as Hansen recommends for injected solutions, so a repair far away
//! cannot blow up the covariance or the step size.
use ndarray::{Array1, Array2};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde_json::{json, Value};

use super::state::{bad, num, nums, unnum, unnums};
use crate::gp::linalg::symmetric_eigen;
use crate::strategy::StrategyError;

/// The state of one CMA-ES run.
#[derive(Debug, Clone, PartialEq)]
pub struct Cmaes {
    n: usize,
    lambda: usize,
    /// λ recombination weights: μ positive (sum 1), then negative (active update).
    weights: Vec<f64>,
    mu: usize,
    mueff: f64,
    cc: f64,
    cs: f64,
    c1: f64,
    cmu: f64,
    damps: f64,
    chin: f64,
    mean: Vec<f64>,
    sigma: f64,
    c: Array2<f64>,
    b: Array2<f64>,
    d: Vec<f64>,
    pc: Vec<f64>,
    ps: Vec<f64>,
    generation: u64,
    eigen_generation: u64,
}

impl Cmaes {
    /// The default population size for dimension `n`: `4 + ⌊3 ln n⌋`.
    pub fn default_lambda(n: usize) -> usize {
        4 + (3.0 * (n.max(1) as f64).ln()).floor() as usize
    }

    /// A run from `mean` with step size `sigma` and `lambda` samples per generation
    /// (μ = ⌊λ/2⌋ parents with log-linear weights), covariance the identity.
    pub fn new(mean: Vec<f64>, sigma: f64, lambda: usize) -> Cmaes {
        let n = mean.len().max(1);
        let nf = n as f64;
        let lambda = lambda.max(2);
        let mu = (lambda / 2).max(1);
        let raw: Vec<f64> = (1..=lambda).map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln()).collect();
        let pos: f64 = raw[..mu].iter().sum();
        let mueff = pos * pos / raw[..mu].iter().map(|w| w * w).sum::<f64>();
        let neg_raw = &raw[mu..];
        let neg_sum: f64 = neg_raw.iter().map(|w| w.abs()).sum();
        let mueff_neg =
            if neg_raw.is_empty() { 0.0 } else { neg_sum * neg_sum / neg_raw.iter().map(|w| w * w).sum::<f64>() };
        let cc = (4.0 + mueff / nf) / (nf + 4.0 + 2.0 * mueff / nf);
        let cs = (mueff + 2.0) / (nf + mueff + 5.0);
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mueff);
        let cmu = (1.0 - c1).min(2.0 * (mueff - 2.0 + 1.0 / mueff) / ((nf + 2.0).powi(2) + mueff));
        let alpha_neg = (1.0 + c1 / cmu).min(1.0 + 2.0 * mueff_neg / (mueff + 2.0)).min((1.0 - c1 - cmu) / (nf * cmu));
        let weights: Vec<f64> = raw
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i < mu {
                    w / pos
                } else if neg_sum > 0.0 {
                    alpha_neg * w / neg_sum
                } else {
                    0.0
                }
            })
            .collect();
        let damps = 1.0 + 2.0 * (((mueff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + cs;
        let chin = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let dim = mean.len();
        Cmaes {
            n: dim,
            lambda,
            weights,
            mu,
            mueff,
            cc,
            cs,
            c1,
            cmu,
            damps,
            chin,
            mean,
            sigma,
            c: Array2::eye(dim),
            b: Array2::eye(dim),
            d: vec![1.0; dim],
            pc: vec![0.0; dim],
            ps: vec![0.0; dim],
            generation: 0,
            eigen_generation: 0,
        }
    }

    /// Samples per generation.
    pub fn lambda(&self) -> usize {
        self.lambda
    }

    /// The distribution mean.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The step size.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Completed updates.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Condition number of the covariance (largest over smallest eigenvalue).
    pub fn condition(&self) -> f64 {
        let max = self.d.iter().cloned().fold(0.0, f64::max);
        let min = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
        (max / min).powi(2)
    }

    /// The largest standard deviation of the sampling distribution along a principal axis.
    pub fn max_std(&self) -> f64 {
        self.sigma * self.d.iter().cloned().fold(0.0, f64::max)
    }

    /// One sample `m + σ B D z`, `z ~ N(0, I)`.
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> Vec<f64> {
        let z: Vec<f64> = (0..self.n)
            .map(|i| {
                let z: f64 = StandardNormal.sample(rng);
                self.d[i] * z
            })
            .collect();
        let y = self.b.dot(&Array1::from(z));
        self.mean.iter().zip(y.iter()).map(|(m, y)| m + self.sigma * y).collect()
    }

    /// `C^{-1/2} v`.
    fn invsqrt(&self, v: &[f64]) -> Vec<f64> {
        let t = self.b.t().dot(&Array1::from(v.to_vec()));
        let t: Array1<f64> = t.iter().zip(&self.d).map(|(x, d)| x / d).collect();
        self.b.dot(&t).to_vec()
    }

    /// Updates the distribution from evaluated points, best first: the first μ move the mean
    /// (weights renormalised when fewer are given), the first λ shape the covariance.
    pub fn tell(&mut self, ranked: &[Vec<f64>]) {
        let k = ranked.len().min(self.weights.len());
        if k == 0 {
            return;
        }
        let n = self.n;
        let nf = n as f64;
        let kp = k.min(self.mu);
        let pos_sum: f64 = self.weights[..kp].iter().sum();
        let clip = nf.sqrt() + 2.0 * nf / (nf + 2.0);
        // Steps y = (x − m)/σ, clipped, with their Mahalanobis lengths.
        let steps: Vec<(Vec<f64>, f64)> = ranked[..k]
            .iter()
            .map(|x| {
                let y: Vec<f64> = x.iter().zip(&self.mean).map(|(x, m)| (x - m) / self.sigma).collect();
                let len = self.invsqrt(&y).iter().map(|v| v * v).sum::<f64>().sqrt();
                let f = if len > clip { clip / len } else { 1.0 };
                (y.into_iter().map(|v| v * f).collect(), len.min(clip))
            })
            .collect();
        // Covariance weights: positive ones as given; negative ones rescaled by n / |C^{-1/2} y|².
        let w: Vec<f64> = (0..k)
            .map(|i| {
                let wi = self.weights[i];
                if i < kp {
                    wi / pos_sum
                } else if steps[i].1 > 0.0 {
                    wi * nf / (steps[i].1 * steps[i].1)
                } else {
                    0.0
                }
            })
            .collect();
        let ys: Vec<&Vec<f64>> = steps.iter().map(|s| &s.0).collect();
        let yw: Vec<f64> = (0..n).map(|i| ys[..kp].iter().zip(&w).map(|(y, w)| w * y[i]).sum()).collect();
        for (m, y) in self.mean.iter_mut().zip(&yw) {
            *m += self.sigma * y;
        }
        let zw = self.invsqrt(&yw);
        let csn = (self.cs * (2.0 - self.cs) * self.mueff).sqrt();
        for (p, z) in self.ps.iter_mut().zip(&zw) {
            *p = (1.0 - self.cs) * *p + csn * z;
        }
        let ps_norm = self.ps.iter().map(|v| v * v).sum::<f64>().sqrt();
        let g = (self.generation + 1) as f64;
        let hsig = ps_norm / (1.0 - (1.0 - self.cs).powf(2.0 * g)).sqrt() / self.chin < 1.4 + 2.0 / (nf + 1.0);
        let hs = if hsig { 1.0 } else { 0.0 };
        let ccn = (self.cc * (2.0 - self.cc) * self.mueff).sqrt();
        for (p, y) in self.pc.iter_mut().zip(&yw) {
            *p = (1.0 - self.cc) * *p + hs * ccn * y;
        }
        let wsum: f64 = 1.0 + self.weights[kp..k].iter().sum::<f64>();
        let decay = 1.0 - self.c1 - self.cmu * wsum + (1.0 - hs) * self.c1 * self.cc * (2.0 - self.cc);
        for i in 0..n {
            for j in 0..=i {
                let rank_mu: f64 = ys.iter().zip(&w).map(|(y, w)| w * y[i] * y[j]).sum();
                let v = decay * self.c[[i, j]] + self.c1 * self.pc[i] * self.pc[j] + self.cmu * rank_mu;
                self.c[[i, j]] = v;
                self.c[[j, i]] = v;
            }
        }
        self.sigma *= ((self.cs / self.damps) * (ps_norm / self.chin - 1.0)).min(1.0).exp();
        self.generation += 1;
        let gap = self.lambda as f64 / (self.c1 + self.cmu) / nf / 10.0;
        if (self.generation - self.eigen_generation) as f64 >= gap {
            self.decompose();
        }
    }

    fn decompose(&mut self) {
        self.eigen_generation = self.generation;
        let (vals, vecs) = symmetric_eigen(&self.c);
        self.d = vals.iter().map(|v| v.max(1e-300).sqrt()).collect();
        self.b = vecs;
    }

    /// The state as JSON (numbers as IEEE bit patterns: a restored run continues exactly).
    pub fn to_json(&self) -> Value {
        json!({
            "lambda": self.lambda,
            "mean": nums(&self.mean),
            "sigma": num(self.sigma),
            "c": nums(self.c.as_slice().unwrap_or(&[])),
            "b": nums(self.b.as_slice().unwrap_or(&[])),
            "d": nums(&self.d),
            "pc": nums(&self.pc),
            "ps": nums(&self.ps),
            "generation": self.generation,
            "eigen_generation": self.eigen_generation,
        })
    }

    /// Reads [`Cmaes::to_json`] output.
    pub fn from_json(v: &Value) -> Result<Cmaes, StrategyError> {
        let f = |k: &str| unnums(v.get(k)).ok_or_else(|| bad("cmaes", k));
        let u = |k: &str| v.get(k).and_then(Value::as_u64).ok_or_else(|| bad("cmaes", k));
        let mean = f("mean")?;
        let n = mean.len();
        let lambda = u("lambda")? as usize;
        let mut s = Cmaes::new(mean, v.get("sigma").and_then(unnum).ok_or_else(|| bad("cmaes", "sigma"))?, lambda);
        let square = |k: &str| -> Result<Array2<f64>, StrategyError> {
            Array2::from_shape_vec((n, n), f(k)?).map_err(|_| bad("cmaes", k))
        };
        s.c = square("c")?;
        s.b = square("b")?;
        let vec_n = |k: &str| f(k).and_then(|x| if x.len() == n { Ok(x) } else { Err(bad("cmaes", k)) });
        s.d = vec_n("d")?;
        s.pc = vec_n("pc")?;
        s.ps = vec_n("ps")?;
        s.generation = u("generation")?;
        s.eigen_generation = u("eigen_generation")?;
        Ok(s)
    }
}
