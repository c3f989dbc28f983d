//! Expected hypervolume improvement for two objectives, exact (Emmerich et al.), for
//! independent Gaussian predictions of maximise-form utilities.
//!
//! The region above the reference point `r` not dominated by the current front is split into
//! `k + 1` axis-aligned boxes (front sorted by the first utility: box `j` spans
//! `[p_j.0, p_{j+1}.0] × [p_{j+1}.1, ∞)`, with `p_0.0 = r.0` and the last box
//! `[p_k.0, ∞) × [r.1, ∞)`). The improvement of a new point `y` is
//! `Σ_boxes Πᵢ (min(yᵢ, uᵢ) − lᵢ)⁺`; with independent coordinates each factor's expectation
//! is `ψ(l) − ψ(u)`, `ψ(a) = E[(Y − a)⁺] = σ h((μ − a)/σ)`, so EHVI is a sum of products of
//! closed forms, with derivatives `∂ψ/∂μ = Φ`, `∂ψ/∂σ = φ`.
use super::normal::{cdf, h, pdf};

/// EHVI with its gradient in each objective's mean and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EhviValue {
    /// Expected hypervolume improvement.
    pub value: f64,
    /// ∂/∂μᵢ.
    pub d_mean: [f64; 2],
    /// ∂/∂σᵢ.
    pub d_std: [f64; 2],
}

/// The box decomposition of the non-dominated region of a 2-D front.
#[derive(Debug, Clone, PartialEq)]
pub struct Ehvi2 {
    /// (lower corner, upper corner) per box; upper entries may be +∞.
    boxes: Vec<([f64; 2], [f64; 2])>,
}

/// The non-dominated points of `points` that strictly dominate `reference`, sorted by the
/// first coordinate (so the second decreases).
pub fn front2(points: &[[f64; 2]], reference: [f64; 2]) -> Vec<[f64; 2]> {
    let mut p: Vec<[f64; 2]> = points.iter().copied().filter(|q| q[0] > reference[0] && q[1] > reference[1]).collect();
    // Sort by first descending, then second descending; keep points whose second beats all
    // before.
    p.sort_by(|a, b| b[0].total_cmp(&a[0]).then(b[1].total_cmp(&a[1])));
    let mut front: Vec<[f64; 2]> = Vec::new();
    for q in p {
        if front.last().is_none_or(|l| q[1] > l[1]) {
            front.push(q);
        }
    }
    front.reverse();
    front
}

/// Hypervolume dominated by `points` above `reference`.
pub fn hypervolume2(points: &[[f64; 2]], reference: [f64; 2]) -> f64 {
    let f = front2(points, reference);
    let mut hv = 0.0;
    let mut x0 = reference[0];
    for p in &f {
        // Strip [x0, p.0] is dominated up to the highest point at or right of it: p itself.
        hv += (p[0] - x0) * (p[1] - reference[1]);
        x0 = p[0];
    }
    hv
}

/// `E[(min(Y, u) − l)⁺]` and its derivatives in μ and σ.
fn factor(mean: f64, std: f64, l: f64, u: f64) -> (f64, f64, f64) {
    let zl = (mean - l) / std;
    let (mut v, mut dm, mut ds) = (std * h(zl), cdf(zl), pdf(zl));
    if u.is_finite() {
        let zu = (mean - u) / std;
        v -= std * h(zu);
        dm -= cdf(zu);
        ds -= pdf(zu);
    }
    (v.max(0.0), dm, ds)
}

impl Ehvi2 {
    /// Decompose the region above `reference` not dominated by `points`.
    pub fn new(points: &[[f64; 2]], reference: [f64; 2]) -> Ehvi2 {
        let f = front2(points, reference);
        let inf = f64::INFINITY;
        let mut boxes = Vec::with_capacity(f.len() + 1);
        let mut x0 = reference[0];
        for p in &f {
            boxes.push(([x0, p[1]], [p[0], inf]));
            x0 = p[0];
        }
        boxes.push(([x0, reference[1]], [inf, inf]));
        Ehvi2 { boxes }
    }

    /// Hypervolume improvement of adding the point `y`.
    pub fn improvement(&self, y: [f64; 2]) -> f64 {
        self.boxes.iter().map(|(l, u)| (y[0].min(u[0]) - l[0]).max(0.0) * (y[1].min(u[1]) - l[1]).max(0.0)).sum()
    }

    /// EHVI of a prediction with independent `N(meanᵢ, stdᵢ²)` utilities.
    pub fn value(&self, mean: [f64; 2], std: [f64; 2]) -> EhviValue {
        let s = [super::floor_std(std[0], mean[0]), super::floor_std(std[1], mean[1])];
        let mut out = EhviValue { value: 0.0, d_mean: [0.0; 2], d_std: [0.0; 2] };
        for (l, u) in &self.boxes {
            let (a, am, as_) = factor(mean[0], s[0], l[0], u[0]);
            let (b, bm, bs) = factor(mean[1], s[1], l[1], u[1]);
            out.value += a * b;
            out.d_mean[0] += am * b;
            out.d_std[0] += as_ * b;
            out.d_mean[1] += a * bm;
            out.d_std[1] += a * bs;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_front_by_hand() {
        // Front (1, 3), (2, 2), (3, 1) above reference (0, 0): hypervolume 1·3 + 1·2 + 1·1 = 6.
        let pts = [[1.0, 3.0], [3.0, 1.0], [2.0, 2.0], [1.5, 1.5], [-1.0, 5.0]];
        let r = [0.0, 0.0];
        assert_eq!(front2(&pts, r), vec![[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]]);
        assert_eq!(hypervolume2(&pts, r), 6.0);
        let e = Ehvi2::new(&pts, r);
        // Adding (2.5, 2.5) gains the square [2, 2.5] × [1, 2.5] minus what (2,2)…(3,1) hold:
        // boxes [1,2]×[2,∞) → 1 · 0.5, [2,3]×[1,∞) → 0.5 · 1.5; total 1.25.
        assert!((e.improvement([2.5, 2.5]) - 1.25).abs() < 1e-15);
        assert!((hypervolume2(&[pts.as_slice(), &[[2.5, 2.5]]].concat(), r) - 7.25).abs() < 1e-15);
        assert_eq!(e.improvement([1.5, 1.5]), 0.0);
        // A (near-)deterministic prediction gives its improvement.
        let v = e.value([2.5, 2.5], [1e-9, 1e-9]);
        assert!((v.value - 1.25).abs() < 1e-6, "{v:?}");
        // Monte Carlo check of a spread-out prediction (fixed grid quadrature).
        let (m, s) = ([2.2, 1.8], [0.6, 0.4]);
        let n = 400;
        let mut acc = 0.0;
        let mut wsum = 0.0;
        for i in 0..n {
            for j in 0..n {
                let z1 = -6.0 + 12.0 * (i as f64 + 0.5) / n as f64;
                let z2 = -6.0 + 12.0 * (j as f64 + 0.5) / n as f64;
                let w = (-0.5 * (z1 * z1 + z2 * z2)).exp();
                acc += w * e.improvement([m[0] + s[0] * z1, m[1] + s[1] * z2]);
                wsum += w;
            }
        }
        let v = e.value(m, s);
        assert!((v.value - acc / wsum).abs() < 1e-4, "{} vs {}", v.value, acc / wsum);
        // Gradients by finite differences.
        let h = 1e-6;
        for k in 0..2 {
            let (mut mp, mut mm, mut sp, mut sm) = (m, m, s, s);
            mp[k] += h;
            mm[k] -= h;
            sp[k] += h;
            sm[k] -= h;
            let dm = (e.value(mp, s).value - e.value(mm, s).value) / (2.0 * h);
            let ds = (e.value(m, sp).value - e.value(m, sm).value) / (2.0 * h);
            assert!((dm - v.d_mean[k]).abs() < 1e-6 && (ds - v.d_std[k]).abs() < 1e-6);
        }
        // Empty front: the whole quadrant above the reference.
        let e0 = Ehvi2::new(&[], r);
        assert!((e0.improvement([2.0, 3.0]) - 6.0).abs() < 1e-15);
    }
}
