//! Probability of improvement `PI = Φ(z)`, `z = (μ − best)/σ`, and its log (finite in the
//! lower tail). `∂PI/∂μ = φ(z)/σ`, `∂PI/∂σ = −z φ(z)/σ`.
use super::normal::{cdf, log_cdf, log_pdf, pdf};
use super::{floor_std, AcqValue};

/// PI of a maximise-form prediction over the incumbent `best`.
pub fn pi(mean: f64, std: f64, best: f64) -> AcqValue {
    let s = floor_std(std, mean);
    let z = (mean - best) / s;
    let p = pdf(z);
    AcqValue { value: cdf(z), d_mean: p / s, d_std: -z * p / s }
}

/// `log PI`, with derivatives of the log.
pub fn log_pi(mean: f64, std: f64, best: f64) -> AcqValue {
    let s = floor_std(std, mean);
    let z = (mean - best) / s;
    let lc = log_cdf(z);
    let r = (log_pdf(z) - lc).exp();
    AcqValue { value: lc, d_mean: r / s, d_std: -z * r / s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_derivatives() {
        assert!((pi(1.0, 1.0, 1.0).value - 0.5).abs() < 1e-16);
        // Φ(1) = 0.8413447460685429.
        assert!((pi(2.0, 1.0, 1.0).value - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((log_pi(-40.0, 1.0, 0.0).value + 804.608_442_013_753_8).abs() < 1e-9);
        let h = 1e-6;
        let (m, s, b) = (0.2, 0.6, 0.5);
        for f in [pi, log_pi] {
            let v = f(m, s, b);
            let dm = (f(m + h, s, b).value - f(m - h, s, b).value) / (2.0 * h);
            let ds = (f(m, s + h, b).value - f(m, s - h, b).value) / (2.0 * h);
            assert!((dm - v.d_mean).abs() < 1e-7 && (ds - v.d_std).abs() < 1e-7);
        }
    }
}
