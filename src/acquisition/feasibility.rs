//! Probability of feasibility: `P(lo ≤ Y ≤ hi)` for `Y ~ N(μ, σ²)`, the chance that a
//! constrained property lands inside its bounds (either may be absent). Used in log form so
//! that products over constraints become sums and tiny probabilities keep their order.
//!
//! Two-sided intervals avoid cancellation: above the mean `Φ(−z_lo) − Φ(−z_hi)`, below it
//! `Φ(z_hi) − Φ(z_lo)`, in log space with `log1mexp`; around the mean a sum of two `erf`s.
use std::f64::consts::FRAC_1_SQRT_2;

use super::normal::{erf, log1mexp, log_cdf, log_pdf};
use super::{floor_std, AcqValue};

/// `log P(lo ≤ Y ≤ hi)` with derivatives of the log in μ and σ. No bounds: 0.
pub fn log_prob_interval(mean: f64, std: f64, lo: Option<f64>, hi: Option<f64>) -> AcqValue {
    let s = floor_std(std, mean);
    let zl = lo.map(|l| (l - mean) / s);
    let zh = hi.map(|h| (h - mean) / s);
    let value = match (zl, zh) {
        (None, None) => return AcqValue { value: 0.0, d_mean: 0.0, d_std: 0.0 },
        (None, Some(h)) => log_cdf(h),
        (Some(l), None) => log_cdf(-l),
        (Some(l), Some(h)) if h <= l => f64::NEG_INFINITY,
        (Some(l), Some(h)) if l >= 0.0 => {
            let (a, b) = (log_cdf(-l), log_cdf(-h));
            a + log1mexp(b - a)
        }
        (Some(l), Some(h)) if h <= 0.0 => {
            let (a, b) = (log_cdf(h), log_cdf(l));
            a + log1mexp(b - a)
        }
        (Some(l), Some(h)) => (0.5 * erf(h * FRAC_1_SQRT_2) + 0.5 * erf(-l * FRAC_1_SQRT_2)).ln(),
    };
    if value == f64::NEG_INFINITY {
        return AcqValue { value, d_mean: 0.0, d_std: 0.0 };
    }
    // dP/dμ = (φ(z_lo) − φ(z_hi))/σ, dP/dσ = (z_lo φ(z_lo) − z_hi φ(z_hi))/σ; divided by P.
    let (mut dm, mut ds) = (0.0, 0.0);
    if let Some(l) = zl {
        let r = (log_pdf(l) - value).exp();
        dm += r / s;
        ds += l * r / s;
    }
    if let Some(h) = zh {
        let r = (log_pdf(h) - value).exp();
        dm -= r / s;
        ds -= h * r / s;
    }
    AcqValue { value, d_mean: dm, d_std: ds }
}

#[cfg(test)]
mod tests {
    use super::super::normal::cdf;
    use super::*;

    #[test]
    fn matches_the_cdf_and_stays_finite_in_tails() {
        let cases = [(0.0, 1.0, Some(-1.0), Some(2.0)), (3.0, 0.5, None, Some(2.0)), (1.0, 2.0, Some(0.5), None)];
        for (m, s, lo, hi) in cases {
            let p = hi.map_or(1.0, |h| cdf((h - m) / s)) - lo.map_or(0.0, |l| cdf((l - m) / s));
            let v = log_prob_interval(m, s, lo, hi);
            assert!((v.value - p.ln()).abs() < 1e-13, "{v:?} vs {}", p.ln());
            let h = 1e-6;
            let dm =
                (log_prob_interval(m + h, s, lo, hi).value - log_prob_interval(m - h, s, lo, hi).value) / (2.0 * h);
            let ds =
                (log_prob_interval(m, s + h, lo, hi).value - log_prob_interval(m, s - h, lo, hi).value) / (2.0 * h);
            assert!((dm - v.d_mean).abs() < 1e-6 && (ds - v.d_std).abs() < 1e-6, "{dm} {ds} {v:?}");
        }
        // Interval 40–41 σ above the mean: log P ≈ log Φ(−40) (the upper end adds nothing).
        let v = log_prob_interval(0.0, 1.0, Some(40.0), Some(41.0));
        assert!((v.value + 804.608_442_013_753_8).abs() < 1e-6, "{v:?}");
        // A narrow interval at the mean: P ≈ width · φ(0).
        let v = log_prob_interval(0.0, 1.0, Some(-1e-9), Some(1e-9));
        assert!((v.value - (2e-9 / (2.0 * std::f64::consts::PI).sqrt()).ln()).abs() < 1e-6);
        assert_eq!(log_prob_interval(0.0, 1.0, None, None).value, 0.0);
    }
}
