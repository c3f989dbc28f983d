//! Log expected improvement, `log EI = log σ + log h(z)`, computed stably far below the
//! incumbent (Ament et al. 2023, "Unexpected improvements to expected improvement"; the same
//! asymptotics as BoTorch's `log_ei`): where EI itself underflows to 0, log-EI still orders
//! the candidates and has useful gradients. At z = −40, log h = −808.3 (EI would be 10⁻³⁵¹).
//!
//! Derivatives: `∂/∂μ = Φ(z)/(σ h)`, `∂/∂σ = φ(z)/(σ h)`, each formed as
//! `exp(log Φ − log h)/σ` so that no ratio of underflowed numbers appears.
use super::normal::{log_cdf, log_h, log_pdf};
use super::{floor_std, AcqValue};

/// log EI of a maximise-form prediction `N(mean, std²)` over the incumbent `best`.
pub fn log_ei(mean: f64, std: f64, best: f64) -> AcqValue {
    let s = floor_std(std, mean);
    let z = (mean - best) / s;
    let lh = log_h(z);
    AcqValue { value: s.ln() + lh, d_mean: (log_cdf(z) - lh).exp() / s, d_std: (log_pdf(z) - lh).exp() / s }
}

#[cfg(test)]
mod tests {
    use super::super::ei::ei;
    use super::*;

    #[test]
    fn agrees_with_ei_and_stays_finite_in_the_tail() {
        for (m, s, b) in [(0.0, 1.0, 0.0), (2.0, 0.5, 1.0), (-3.0, 1.0, 0.0), (5.0, 3.0, -1.0)] {
            let (a, l) = (ei(m, s, b), log_ei(m, s, b));
            assert!((l.value - a.value.ln()).abs() < 1e-12);
            assert!((l.d_mean - a.d_mean / a.value).abs() < 1e-10 * (1.0 + l.d_mean.abs()));
            assert!((l.d_std - a.d_std / a.value).abs() < 1e-10 * (1.0 + l.d_std.abs()));
        }
        // z = −40 (mpmath: log h(−40) = −808.29856835661996).
        let v = log_ei(-40.0, 1.0, 0.0);
        assert!((v.value + 808.298_568_356_62).abs() < 1e-9, "{v:?}");
        // d/dμ log EI → |z| asymptotically (Φ/h ≈ z²/|z|·…); finite and positive.
        assert!(v.d_mean.is_finite() && (v.d_mean - 40.0).abs() < 0.1, "{v:?}");
        assert!(v.d_std.is_finite() && v.d_std > 0.0);
        // Monotone in the mean even where EI is exactly 0.
        let mut last = f64::NEG_INFINITY;
        for k in 0..50 {
            let x = log_ei(-1000.0 + 20.0 * k as f64, 1.0, 0.0).value;
            assert!(x.is_finite() && x > last);
            last = x;
        }
        // A tiny std does not produce NaN.
        assert!(log_ei(1.0, 0.0, 0.5).value.is_finite() && log_ei(0.0, 0.0, 0.5).value.is_finite());
    }
}
