//! Acquisitions for `target` and `range` goals, from a GP on the raw property.
//!
//! The utility of a value `y` is `u(y) = −dist(y, [lo, hi])` (0 inside the band: target
//! `v ± t` gives `[v − t, v + t]`; range `[min, max]`). It is not linear in `y`, so the GP
//! models `y` itself and these closed forms give the acquisition of `u(Y)`, `Y ~ N(μ, σ²)`:
//!
//! * **EI**: with `c = −u*` (how far the incumbent is from the band), the improvement
//!   `(u(y) − u*)⁺` is a trapezoid: 0 outside `[lo − c, hi + c]`, `c` on the band, linear in
//!   between. As a sum of ramps, `EI = [D(hi+c) − D(hi)] − [D(lo) − D(lo−c)]`, with
//!   `D(a) = E[(a − Y)⁺] = σ h((a − μ)/σ)` (mirrored when μ is below the band's centre),
//!   evaluated in log space: finite far from the band, like [`super::log_ei`].
//! * **PI**: `P(lo − c < Y < hi + c)`.
//! * **UCB**: the best utility inside `[μ − βσ, μ + βσ]` (optimism for a two-sided goal).
//!
//! When the incumbent already meets the goal (`c = 0`) no improvement is possible; EI and PI
//! then score the log probability of landing on the band, which still finds further
//! candidates that meet it.
use super::feasibility::log_prob_interval;
use super::normal::{log1mexp, log_cdf, log_h, log_pdf};
use super::{floor_std, AcqValue};

/// The band `[lo, hi]` of a target or range goal (`lo ≤ hi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    /// Lower end.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
}

impl Band {
    /// Utility `−dist(y, [lo, hi])`.
    pub fn utility(&self, y: f64) -> f64 {
        -((self.lo - y).max(0.0) + (y - self.hi).max(0.0))
    }
}

/// `log E[(u(Y) − u*)⁺]` with derivatives of the log; `best` is the incumbent utility u* ≤ 0.
pub fn target_log_ei(mean: f64, std: f64, band: Band, best: f64) -> AcqValue {
    let c = -best;
    let s = floor_std(std, mean);
    if c <= 1e-12 * (band.hi - band.lo + s) {
        return log_prob_interval(mean, s, Some(band.lo), Some(band.hi));
    }
    // Mirror so that the mean is at or above the band's centre.
    let flip = mean < 0.5 * (band.lo + band.hi);
    let (m, lo, hi) = if flip { (-mean, -band.hi, -band.lo) } else { (mean, band.lo, band.hi) };
    // log D(a) with D(a) = E[(a − Y)⁺].
    let ld = |a: f64| s.ln() + log_h((a - m) / s);
    let (l_hc, l_h, l_l, l_lc) = (ld(hi + c), ld(hi), ld(lo), ld(lo - c));
    let a = l_hc + log1mexp((l_h - l_hc).min(-1e-300));
    let b = l_l + log1mexp((l_lc - l_l).min(-1e-300));
    let value = if b.is_finite() && b < a { a + log1mexp(b - a) } else { a };
    // dD(a)/dμ = −Φ(z), dD(a)/dσ = φ(z), z = (a − μ)/σ; EI = D(hi+c) − D(hi) − D(lo) + D(lo−c).
    let mut dm = 0.0;
    let mut ds = 0.0;
    for (pt, sign) in [(hi + c, 1.0), (hi, -1.0), (lo, -1.0), (lo - c, 1.0)] {
        let z = (pt - m) / s;
        dm -= sign * (log_cdf(z) - value).exp();
        ds += sign * (log_pdf(z) - value).exp();
    }
    AcqValue { value, d_mean: if flip { -dm } else { dm }, d_std: ds }
}

/// `E[(u(Y) − u*)⁺]` (see [`target_log_ei`]).
pub fn target_ei(mean: f64, std: f64, band: Band, best: f64) -> AcqValue {
    let l = target_log_ei(mean, std, band, best);
    let v = l.value.exp();
    AcqValue { value: v, d_mean: v * l.d_mean, d_std: v * l.d_std }
}

/// `log P(u(Y) > u*)`: the log probability of landing within `c = −u*` of the band.
pub fn target_log_pi(mean: f64, std: f64, band: Band, best: f64) -> AcqValue {
    let c = (-best).max(0.0);
    log_prob_interval(mean, std, Some(band.lo - c), Some(band.hi + c))
}

/// The best utility within `μ ± βσ`.
pub fn target_ucb(mean: f64, std: f64, beta: f64, band: Band) -> AcqValue {
    let (up, down) = (mean + beta * std, mean - beta * std);
    if up < band.lo {
        AcqValue { value: up - band.lo, d_mean: 1.0, d_std: beta }
    } else if down > band.hi {
        AcqValue { value: band.hi - down, d_mean: -1.0, d_std: beta }
    } else {
        AcqValue { value: 0.0, d_mean: 0.0, d_std: 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// E[(u(Y) − u*)⁺] by midpoint quadrature over ±12σ.
    fn quad(mean: f64, std: f64, band: Band, best: f64) -> f64 {
        let n = 200_000;
        let (a, b) = (mean - 12.0 * std, mean + 12.0 * std);
        let h = (b - a) / n as f64;
        (0..n)
            .map(|i| {
                let y = a + (i as f64 + 0.5) * h;
                let z = (y - mean) / std;
                (band.utility(y) - best).max(0.0) * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() / std * h
            })
            .sum()
    }

    #[test]
    fn ei_matches_quadrature_and_is_finite_far_away() {
        let band = Band { lo: 1.29, hi: 1.39 };
        for (m, s, best) in [(1.0, 0.2, -0.2), (1.6, 0.1, -0.05), (1.34, 0.3, -0.01), (0.5, 1.0, -0.5)] {
            let v = target_ei(m, s, band, best);
            let q = quad(m, s, band, best);
            assert!((v.value - q).abs() < 1e-7 * (1.0 + q), "({m}, {s}, {best}): {} vs {q}", v.value);
            let h = 1e-6;
            let dm =
                (target_log_ei(m + h, s, band, best).value - target_log_ei(m - h, s, band, best).value) / (2.0 * h);
            let ds =
                (target_log_ei(m, s + h, band, best).value - target_log_ei(m, s - h, band, best).value) / (2.0 * h);
            let l = target_log_ei(m, s, band, best);
            assert!((dm - l.d_mean).abs() < 1e-5 * (1.0 + dm.abs()), "{dm} vs {l:?}");
            assert!((ds - l.d_std).abs() < 1e-5 * (1.0 + ds.abs()), "{ds} vs {l:?}");
        }
        // 50σ away: EI underflows, log-EI is finite and still prefers the nearer point.
        let far = target_log_ei(10.0, 0.1, band, -0.1);
        let farther = target_log_ei(12.0, 0.1, band, -0.1);
        assert!(far.value.is_finite() && farther.value.is_finite() && far.value > farther.value);
        assert!(far.d_mean < 0.0, "moving towards the band helps: {far:?}");
        let below = target_log_ei(-10.0, 0.1, band, -0.1);
        assert!(below.value.is_finite() && below.d_mean > 0.0);
        // Incumbent on target: log probability of the band.
        let on = target_log_ei(1.34, 0.1, band, 0.0);
        assert!(on.value < 0.0 && on.value > (0.5f64).ln() - 1.0);
    }

    #[test]
    fn ucb_and_pi() {
        let band = Band { lo: 1.0, hi: 2.0 };
        assert_eq!(target_ucb(0.0, 0.25, 2.0, band).value, -0.5);
        assert_eq!(target_ucb(3.0, 0.25, 2.0, band).value, -0.5);
        assert_eq!(target_ucb(1.5, 1.0, 2.0, band).value, 0.0);
        assert!(target_log_pi(1.5, 0.1, band, -0.2).value > -1e-6);
        assert_eq!(band.utility(0.5), -0.5);
    }
}
