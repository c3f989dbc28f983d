//! The ARD Matérn-5/2 kernel and its derivatives.
//!
//! `k(x, x') = σ² (1 + √5 r + 5r²/3) exp(−√5 r)`, `r² = Σₖ (xₖ − x'ₖ)² / ℓₖ²`: one length
//! scale `ℓₖ` per input (automatic relevance determination), output scale `σ²`. Twice
//! differentiable, so posterior means are smooth enough for gradient-based search but not as
//! overconfident as the squared exponential. Inputs are rows of a row-major `n × d` slice, in
//! the GP's normalised units.

const SQRT5: f64 = 2.236_067_977_499_79;

/// `(k/σ², q)` at distance `r`: the unit-scale Matérn-5/2 value and
/// `q(r) = (5/3)(1 + √5 r) exp(−√5 r)`, which gives every derivative:
/// `∂k/∂r² = −σ² q / 2`, `∂k/∂log ℓₖ = σ² q Δₖ²/ℓₖ²`, `∂k/∂xₖ = −σ² q Δₖ/ℓₖ²`.
#[inline]
pub fn matern52(r: f64) -> (f64, f64) {
    let s = SQRT5 * r;
    let e = (-s).exp();
    ((1.0 + s + s * s / 3.0) * e, (5.0 / 3.0) * (1.0 + s) * e)
}

/// Scaled squared distance `Σₖ (aₖ − bₖ)² / ℓₖ²`, given `inv_ls2[k] = 1/ℓₖ²`.
#[inline]
pub fn r2(a: &[f64], b: &[f64], inv_ls2: &[f64]) -> f64 {
    a.iter().zip(b).zip(inv_ls2).map(|((x, y), w)| (x - y) * (x - y) * w).sum()
}

/// `1/ℓ²` from log length scales.
pub fn inv_ls2(log_ls: &[f64]) -> Vec<f64> {
    log_ls.iter().map(|l| (-2.0 * l).exp()).collect()
}

/// Gram matrix `K(X, X)` (n × n row-major, without noise) for `x` (n × d row-major).
pub fn gram(x: &[f64], d: usize, log_ls: &[f64], sf2: f64) -> Vec<f64> {
    let n = x.len().checked_div(d).unwrap_or(0);
    let w = inv_ls2(log_ls);
    let mut k = vec![0.0; n * n];
    for i in 0..n {
        k[i * n + i] = sf2;
        let xi = &x[i * d..(i + 1) * d];
        for j in 0..i {
            let v = sf2 * matern52(r2(xi, &x[j * d..(j + 1) * d], &w).sqrt()).0;
            k[i * n + j] = v;
            k[j * n + i] = v;
        }
    }
    k
}

/// Cross-covariances `k(q, xᵢ)` of one point `q` (length d) with every row of `x`.
pub fn cross(q: &[f64], x: &[f64], d: usize, inv_ls2: &[f64], sf2: f64, out: &mut [f64]) {
    for (i, o) in out.iter_mut().enumerate() {
        *o = sf2 * matern52(r2(q, &x[i * d..(i + 1) * d], inv_ls2).sqrt()).0;
    }
}

/// Gradient of `Σᵢ cᵢ k(q, xᵢ)` with respect to `q`, added into `grad` (length d).
pub fn cross_grad(q: &[f64], x: &[f64], d: usize, inv_ls2: &[f64], sf2: f64, c: &[f64], grad: &mut [f64]) {
    for (i, ci) in c.iter().enumerate() {
        if *ci == 0.0 {
            continue;
        }
        let xi = &x[i * d..(i + 1) * d];
        let q_r = matern52(r2(q, xi, inv_ls2).sqrt()).1;
        let f = -sf2 * q_r * ci;
        for k in 0..d {
            grad[k] += f * (q[k] - xi[k]) * inv_ls2[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        let r = 0.7;
        let h = 1e-6;
        let (_, q) = matern52(r);
        // ∂k/∂r² = −q/2 (unit scale).
        let num = (matern52(((r * r) + h).sqrt()).0 - matern52(((r * r) - h).sqrt()).0) / (2.0 * h);
        assert!((num + q / 2.0).abs() < 1e-7, "{num} vs {}", -q / 2.0);
        assert_eq!(matern52(0.0).0, 1.0);
        // Input gradient of Σ c k(q, x).
        let x = [0.1, 0.9, 0.5, 0.2, 0.8, 0.4];
        let w = inv_ls2(&[(0.3f64).ln(), (0.6f64).ln()]);
        let c = [0.5, -1.0, 2.0];
        let q = [0.3, 0.35];
        let f = |q: &[f64]| {
            let mut o = [0.0; 3];
            cross(q, &x, 2, &w, 1.7, &mut o);
            o.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut g = [0.0; 2];
        cross_grad(&q, &x, 2, &w, 1.7, &c, &mut g);
        for k in 0..2 {
            let mut a = q;
            let mut b = q;
            a[k] += h;
            b[k] -= h;
            let num = (f(&a) - f(&b)) / (2.0 * h);
            assert!((num - g[k]).abs() < 1e-6, "{num} vs {}", g[k]);
        }
    }
}
