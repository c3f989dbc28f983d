//! Expected improvement `EI = E[max(Y − best, 0)] = σ h(z)`, `z = (μ − best)/σ`,
//! `h(z) = φ(z) + zΦ(z)`; `∂EI/∂μ = Φ(z)`, `∂EI/∂σ = φ(z)`. Underflows to 0 about 38
//! standard deviations below the incumbent: use [`super::log_ei`] to rank such points.
use super::normal::{cdf, h, pdf};
use super::{floor_std, AcqValue};

/// EI of a maximise-form prediction `N(mean, std²)` over the incumbent `best`.
pub fn ei(mean: f64, std: f64, best: f64) -> AcqValue {
    let s = floor_std(std, mean);
    let z = (mean - best) / s;
    AcqValue { value: s * h(z), d_mean: cdf(z), d_std: pdf(z) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values_and_derivatives() {
        // At the incumbent: σ φ(0) = σ/√(2π).
        let v = ei(1.0, 2.0, 1.0);
        assert!((v.value - 2.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-15);
        assert!((v.d_mean - 0.5).abs() < 1e-15);
        // 60-digit reference: h(1) = 1.0833154705876864, h(−2) = 0.008490702616829638.
        assert!((ei(1.0, 1.0, 0.0).value - 1.083_315_470_587_686_4).abs() < 1e-14);
        assert!((ei(-4.0, 2.0, 0.0).value - 2.0 * 0.008_490_702_616_829_638).abs() < 1e-15);
        // Far in the tail EI underflows; it never goes negative or NaN.
        let t = ei(-100.0, 1.0, 0.0);
        assert!(t.value == 0.0 && t.d_mean >= 0.0);
        let hh = 1e-6;
        let (m, s, b) = (0.3, 0.7, 0.9);
        let dm = (ei(m + hh, s, b).value - ei(m - hh, s, b).value) / (2.0 * hh);
        let ds = (ei(m, s + hh, b).value - ei(m, s - hh, b).value) / (2.0 * hh);
        let v = ei(m, s, b);
        assert!((dm - v.d_mean).abs() < 1e-8 && (ds - v.d_std).abs() < 1e-8);
    }
}
