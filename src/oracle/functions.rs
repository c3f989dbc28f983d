//! Built-in analytic test functions, for benchmarks and for trying a campaign without a lab.
//!
//! Each takes the candidate's numeric inputs in natural units, in the space's column order
//! (mixture fractions first, then parameters; a categorical parameter counts as its choice
//! index). Definitions:
//! - `branin` (2 inputs, usually x1 ∈ [-5, 10], x2 ∈ [0, 15]): global minimum 0.397887.
//! - `hartmann6` (6 inputs in [0, 1]): global minimum −3.32237 at
//!   (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
//! - `sphere` Σx², `rosenbrock` Σ100(x_{i+1}−x_i²)²+(1−x_i)², `ackley` (a=20, b=0.2, c=2π):
//!   any number of inputs, minimum 0 (at 0, at 1, at 0).
//! - `mixture_peaks` (a mixture of d ≥ 2 fractions, any further inputs ignored): three Gaussian
//!   bumps of heights 1.0, 0.8 and 0.6 and width 0.15 at compositions
//!   c_k = (k+2)-sparse points: bump k puts weight on components k, k+1, k+2 (mod d) in ratio
//!   0.6 : 0.3 : 0.1 — a multi-modal landscape whose best point (height 1.0 at c_0) is a
//!   three-component composition. For a maximise objective.
//! - Multi-objective benchmarks, one function per objective (both minimised), inputs in
//!   [0, 1]: `zdt1_f1`/`zdt1_f2`, `zdt2_f1`/`zdt2_f2`, `zdt3_f1`/`zdt3_f2` (Zitzler, Deb and
//!   Thiele 2000; n ≥ 2 inputs, f1 = x1, g = 1 + 9·Σ_{i≥2} x_i/(n−1), f2 = g·h with
//!   h = 1 − √(f1/g), 1 − (f1/g)², 1 − √(f1/g) − (f1/g)·sin(10π f1)); the Pareto set is
//!   x_i = 0 for i ≥ 2. `dtlz2_f1`/`dtlz2_f2`/`dtlz2_f3`: DTLZ2 with three objectives
//!   (n ≥ 3 inputs, g = Σ_{i≥3} (x_i − 0.5)², the front is the unit sphere's positive octant).
//! - `mixture_peaks5` (exactly 5 inputs): the same bumps for d = 5 always, whatever fractions
//!   are zero (see [`MIXTURE_PEAKS_5_MAX`]).

/// Names accepted by `oracle: {kind: function, functions: {<property>: <name>}}`.
pub const NAMES: &[&str] = &[
    "branin",
    "hartmann6",
    "sphere",
    "rosenbrock",
    "ackley",
    "mixture_peaks",
    "mixture_peaks5",
    "zdt1_f1",
    "zdt1_f2",
    "zdt2_f1",
    "zdt2_f2",
    "zdt3_f1",
    "zdt3_f2",
    "dtlz2_f1",
    "dtlz2_f2",
    "dtlz2_f3",
];

/// How many inputs a function needs: `Some(n)` exactly n, `None` any number ≥ 1.
pub fn arity(name: &str) -> Option<usize> {
    match name {
        "branin" => Some(2),
        "hartmann6" => Some(6),
        "mixture_peaks5" => Some(5),
        _ => None,
    }
}

/// Evaluate the function `name` at `x`. `None` for an unknown name or a wrong input count.
pub fn evaluate(name: &str, x: &[f64]) -> Option<f64> {
    if let Some(n) = arity(name) {
        if x.len() != n {
            return None;
        }
    }
    if x.is_empty() {
        return None;
    }
    Some(match name {
        "branin" => branin(x[0], x[1]),
        "hartmann6" => hartmann6(x),
        "sphere" => x.iter().map(|v| v * v).sum(),
        "rosenbrock" => x.windows(2).map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2)).sum(),
        "ackley" => ackley(x),
        "mixture_peaks" => mixture_peaks(x)?,
        "mixture_peaks5" => peaks_on(x, 5),
        "zdt1_f1" | "zdt2_f1" | "zdt3_f1" if x.len() >= 2 => x[0],
        "zdt1_f2" | "zdt2_f2" | "zdt3_f2" if x.len() >= 2 => zdt_f2(name, x),
        "dtlz2_f1" | "dtlz2_f2" | "dtlz2_f3" if x.len() >= 3 => dtlz2(name, x),
        _ => return None,
    })
}

fn branin(x1: f64, x2: f64) -> f64 {
    use std::f64::consts::PI;
    let b = 5.1 / (4.0 * PI * PI);
    let c = 5.0 / PI;
    let t = 1.0 / (8.0 * PI);
    (x2 - b * x1 * x1 + c * x1 - 6.0).powi(2) + 10.0 * (1.0 - t) * x1.cos() + 10.0
}

fn hartmann6(x: &[f64]) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];
    -(0..4)
        .map(|i| {
            let inner: f64 = (0..6).map(|j| A[i][j] * (x[j] - P[i][j]).powi(2)).sum();
            ALPHA[i] * (-inner).exp()
        })
        .sum::<f64>()
}

fn ackley(x: &[f64]) -> f64 {
    use std::f64::consts::{E, PI};
    let n = x.len() as f64;
    let s1 = x.iter().map(|v| v * v).sum::<f64>() / n;
    let s2 = x.iter().map(|v| (2.0 * PI * v).cos()).sum::<f64>() / n;
    -20.0 * (-0.2 * s1.sqrt()).exp() - s2.exp() + 20.0 + E
}

fn zdt_f2(name: &str, x: &[f64]) -> f64 {
    let f1 = x[0];
    let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
    let r = f1 / g;
    let h = match name {
        "zdt1_f2" => 1.0 - r.sqrt(),
        "zdt2_f2" => 1.0 - r * r,
        _ => 1.0 - r.sqrt() - r * (10.0 * std::f64::consts::PI * f1).sin(),
    };
    g * h
}

fn dtlz2(name: &str, x: &[f64]) -> f64 {
    let half_pi = std::f64::consts::FRAC_PI_2;
    let g: f64 = x[2..].iter().map(|v| (v - 0.5).powi(2)).sum();
    let (a, b) = (x[0] * half_pi, x[1] * half_pi);
    (1.0 + g)
        * match name {
            "dtlz2_f1" => a.cos() * b.cos(),
            "dtlz2_f2" => a.cos() * b.sin(),
            _ => a.sin(),
        }
}

/// Peak centre k for a mixture of `d` components (see module docs).
pub fn mixture_peak_centre(k: usize, d: usize) -> Vec<f64> {
    let mut c = vec![0.0; d];
    for (off, w) in [0.6, 0.3, 0.1].iter().enumerate() {
        c[(k + off) % d] += w;
    }
    c
}

fn mixture_peaks(x: &[f64]) -> Option<f64> {
    // The mixture is every leading input up to the point where fractions sum to 1.
    let mut d = 0;
    let mut s = 0.0;
    while d < x.len() && s < 1.0 - 1e-9 {
        s += x[d];
        d += 1;
    }
    if d < 2 || (s - 1.0).abs() > 1e-6 {
        return None;
    }
    Some(peaks_on(x, d))
}

/// `mixture_peaks5` (exactly 5 inputs): the bumps of `mixture_peaks` for a mixture of d = 5
/// components, always. Unlike `mixture_peaks`, which takes the mixture to end where the
/// fractions first sum to 1 (so (0.6, 0.3, 0.1, 0, 0) is scored as a 3-component mixture with
/// 3-component centres), the centres do not depend on trailing zero fractions. The BO
/// benchmark's mixture problem: maximise it on the 5-component simplex with at most 3
/// non-zero components; maximum [`MIXTURE_PEAKS_5_MAX`].
fn peaks_on(x: &[f64], d: usize) -> f64 {
    let w2 = 2.0 * 0.15f64 * 0.15;
    [1.0, 0.8, 0.6]
        .iter()
        .enumerate()
        .map(|(k, h)| {
            let c = mixture_peak_centre(k, d);
            let r2: f64 = c.iter().zip(&x[..d]).map(|(a, b)| (a - b).powi(2)).sum();
            h * (-r2 / w2).exp()
        })
        .sum()
}

/// The maximum of `mixture_peaks5` on the 5-component simplex with at most 3 non-zero
/// components, at ≈ (0.599993, 0.300004, 0.100003, 0, 0): the first bump, nudged by the
/// tails of the other two (local maxima ≈ 0.800024 and 0.600012 at the other centres).
/// Without the cardinality limit the maximum is 4e-11 higher.
pub const MIXTURE_PEAKS_5_MAX: f64 = 1.000_011_969_231;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_minima() {
        let pi = std::f64::consts::PI;
        for (x1, x2) in [(-pi, 12.275), (pi, 2.275), (9.42478, 2.475)] {
            assert!((evaluate("branin", &[x1, x2]).unwrap() - 0.397887).abs() < 1e-5);
        }
        let h = evaluate("hartmann6", &[0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]).unwrap();
        assert!((h + 3.32237).abs() < 1e-4, "{h}");
        assert_eq!(evaluate("sphere", &[0.0, 0.0]), Some(0.0));
        assert_eq!(evaluate("rosenbrock", &[1.0, 1.0, 1.0]), Some(0.0));
        assert!(evaluate("ackley", &[0.0; 4]).unwrap().abs() < 1e-12);
        assert!(evaluate("ackley", &[0.5; 4]).unwrap() > 1.0);
    }

    #[test]
    fn mixture_peaks_best_at_first_centre() {
        let c0 = mixture_peak_centre(0, 5);
        let top = evaluate("mixture_peaks", &c0).unwrap();
        assert!(top > 0.99 && top < 1.01, "{top}");
        let uniform = evaluate("mixture_peaks", &[0.2; 5]).unwrap();
        assert!(uniform < top);
        // parameters after the mixture are ignored
        assert_eq!(evaluate("mixture_peaks", &[c0.clone(), vec![3.0]].concat()), Some(top));
        assert_eq!(evaluate("mixture_peaks", &[0.3, 0.3]), None, "fractions must sum to 1");
    }

    #[test]
    fn multi_objective_benchmarks_on_their_fronts() {
        // ZDT: x_i = 0 beyond the first puts a point on the front.
        for f1 in [0.0, 0.25, 1.0] {
            let x = [f1, 0.0, 0.0, 0.0];
            assert_eq!(evaluate("zdt1_f1", &x), Some(f1));
            assert!((evaluate("zdt1_f2", &x).unwrap() - (1.0 - f1.sqrt())).abs() < 1e-12);
            assert!((evaluate("zdt2_f2", &x).unwrap() - (1.0 - f1 * f1)).abs() < 1e-12);
        }
        let z3 = evaluate("zdt3_f2", &[0.5, 0.0]).unwrap();
        assert!((z3 - (1.0 - 0.5f64.sqrt() - 0.5 * (5.0 * std::f64::consts::PI).sin())).abs() < 1e-12);
        // g grows off the front: f2 at x2 = 1 is 10·(1 − √(f1/10)).
        assert!((evaluate("zdt1_f2", &[0.4, 1.0]).unwrap() - 10.0 * (1.0 - 0.04f64.sqrt())).abs() < 1e-12);
        // DTLZ2: on the front (x_i = 0.5 beyond the second) the objectives lie on the unit sphere.
        let x = [0.3, 0.7, 0.5, 0.5];
        let r2: f64 = ["dtlz2_f1", "dtlz2_f2", "dtlz2_f3"].iter().map(|f| evaluate(f, &x).unwrap().powi(2)).sum();
        assert!((r2 - 1.0).abs() < 1e-12, "{r2}");
        assert_eq!(evaluate("zdt1_f1", &[0.5]), None, "ZDT needs two inputs");
        assert_eq!(evaluate("dtlz2_f1", &[0.5, 0.5]), None, "DTLZ2 needs three inputs");
    }

    #[test]
    fn wrong_arity_and_names_are_refused() {
        assert_eq!(evaluate("branin", &[1.0]), None);
        assert_eq!(evaluate("hartmann6", &[0.5; 5]), None);
        assert_eq!(evaluate("nope", &[1.0]), None);
        for n in NAMES {
            let x = vec![0.5; arity(n).unwrap_or(3)];
            assert!(evaluate(n, &x).is_some(), "{n}");
        }
    }

    #[test]
    fn mixture_peaks5_maximum_with_cardinality_3() {
        let at = [0.599_993_22, 0.300_003_98, 0.100_002_8, 0.0, 0.0];
        let v = evaluate("mixture_peaks5", &at).unwrap();
        assert!((v - MIXTURE_PEAKS_5_MAX).abs() < 1e-9, "{v}");
        // No 3-component composition on a 0.002 grid (every support) does better.
        let step = 0.002;
        let k = (1.0 / step) as usize;
        let mut best = f64::MIN;
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    for i in 0..=k {
                        for j in 0..=k - i {
                            let mut x = [0.0; 5];
                            x[a] = i as f64 * step;
                            x[b] = j as f64 * step;
                            x[c] = 1.0 - x[a] - x[b];
                            best = best.max(evaluate("mixture_peaks5", &x).unwrap());
                        }
                    }
                }
            }
        }
        assert!(best <= MIXTURE_PEAKS_5_MAX + 1e-12 && best > MIXTURE_PEAKS_5_MAX - 1e-3, "{best}");
    }
}
