//! ParEGO (Knowles 2006): several objectives reduced to one by an augmented Chebyshev
//! scalarisation with random weights, a fresh weight vector per batch point.
//!
//! Utilities (maximise form) are first scaled to [0, 1] by their observed range; then
//! `s(u) = minᵢ wᵢuᵢ + ρ Σᵢ wᵢuᵢ` (ρ = 0.05; maximise form of the original
//! `max wᵢfᵢ + ρ Σ wᵢfᵢ` over costs). A GP on `s` of the observed points then drives a
//! single-objective acquisition (log-EI in `bo`).
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// The augmentation weight ρ.
pub const RHO: f64 = 0.05;

/// Weights uniform on the simplex (normalised exponentials), length `m`.
pub fn simplex_weights(m: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let e: Vec<f64> = (0..m).map(|_| -(1.0 - rng.random::<f64>()).ln()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

/// Per-objective scaling of utilities to [0, 1] by their observed minimum and maximum.
#[derive(Debug, Clone, PartialEq)]
pub struct Normaliser {
    lo: Vec<f64>,
    span: Vec<f64>,
}

impl Normaliser {
    /// From observed utility vectors (rows; NaN rows are skipped).
    pub fn new(rows: &[Vec<f64>], m: usize) -> Normaliser {
        let mut lo = vec![f64::INFINITY; m];
        let mut hi = vec![f64::NEG_INFINITY; m];
        for r in rows.iter().filter(|r| r.iter().all(|v| v.is_finite())) {
            for k in 0..m {
                lo[k] = lo[k].min(r[k]);
                hi[k] = hi[k].max(r[k]);
            }
        }
        let span = lo.iter().zip(&hi).map(|(a, b)| if b > a { b - a } else { 1.0 }).collect();
        let lo = lo.into_iter().map(|v| if v.is_finite() { v } else { 0.0 }).collect();
        Normaliser { lo, span }
    }

    /// `u` scaled to [0, 1] per objective (outside for unseen values).
    pub fn apply(&self, u: &[f64]) -> Vec<f64> {
        u.iter().zip(self.lo.iter().zip(&self.span)).map(|(v, (l, s))| (v - l) / s).collect()
    }
}

/// Augmented Chebyshev scalarisation (maximise form) of normalised utilities `u`.
pub fn chebyshev(u: &[f64], w: &[f64]) -> f64 {
    let min = u.iter().zip(w).map(|(a, b)| a * b).fold(f64::INFINITY, f64::min);
    min + RHO * u.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn weights_and_scalarisation() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..10 {
            let w = simplex_weights(3, &mut rng);
            assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12 && w.iter().all(|v| *v >= 0.0));
        }
        let n = Normaliser::new(&[vec![0.0, 10.0], vec![2.0, 30.0], vec![f64::NAN, 0.0]], 2);
        assert_eq!(n.apply(&[1.0, 20.0]), vec![0.5, 0.5]);
        // min(0.5·0.2, 0.5·0.8) + 0.05·(0.1 + 0.4) = 0.1 + 0.025.
        assert!((chebyshev(&[0.2, 0.8], &[0.5, 0.5]) - 0.125).abs() < 1e-15);
        // A dominating point always scalarises higher.
        assert!(chebyshev(&[0.3, 0.9], &[0.3, 0.7]) > chebyshev(&[0.2, 0.8], &[0.3, 0.7]));
    }
}
