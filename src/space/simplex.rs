//! Geometry of one face of a bounded simplex, `{x : lo ≤ x ≤ hi, Σx = 1}`: its volume, exact
//! uniform sampling (the Rosenblatt transform, a measure-preserving map from the unit cube), a
//! hit-and-run fallback, Euclidean projection and rounding to a resolution grid.
//!
//! Internally a face is shifted to `{y : 0 ≤ y_i ≤ w_i, Σy = t}` with `y = x − lo`,
//! `w = hi − lo`, `t = 1 − Σlo`. Its (d−1)-volume is, up to the constant `√d/(d−1)!`,
//! `Σ_J (−1)^|J| (t − Σ_J w)_+^(d−1)` over subsets `J` (inclusion–exclusion); only subsets with
//! `Σ_J w < t` contribute, which keeps the sums short for the bounds materials people write.
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Most signed subset sums kept for the exact method; beyond it a face uses hit-and-run.
const SUBSET_CAP: usize = 20_000;
/// Widths and totals below this are treated as zero.
const EPS: f64 = 1e-14;

/// Signed subset sums `(Σ_J w, (−1)^|J|)` of `w` with `Σ_J w < limit`, or `None` past `cap`.
fn signed_sums(w: &[f64], limit: f64, cap: usize) -> Option<Vec<(f64, f64)>> {
    let mut out = vec![(0.0, 1.0)];
    for &wi in w {
        let n = out.len();
        for k in 0..n {
            let (s, sg) = out[k];
            if s + wi < limit {
                out.push((s + wi, -sg));
            }
        }
        if out.len() > cap {
            return None;
        }
    }
    Some(out)
}

/// `Σ sign · (x − s)_+^p` over the signed sums.
fn power_sum(sums: &[(f64, f64)], x: f64, p: i32) -> f64 {
    sums.iter().filter(|(s, _)| x > *s).map(|(s, sg)| sg * (x - s).powi(p)).sum()
}

/// The (d−1)-volume of `{0 ≤ y ≤ w, Σy = t}` up to the factor `√d/(d−1)!` (the same for every
/// face with the same number of free components). `None` when the subset sums are too many.
pub(crate) fn face_volume(t: f64, w: &[f64]) -> Option<f64> {
    let free: Vec<f64> = w.iter().copied().filter(|&x| x > EPS).collect();
    let total: f64 = free.iter().sum();
    if t < -EPS || t > total + EPS {
        return Some(0.0);
    }
    if free.len() <= 1 {
        return Some(1.0);
    }
    let sums = signed_sums(&free, t, SUBSET_CAP)?;
    Some(power_sum(&sums, t, free.len() as i32 - 1).max(0.0))
}

/// A face prepared for sampling: free components in processing order, their widths, and for
/// each step the signed subset sums of the components still to come.
#[derive(Debug)]
pub(crate) struct Face {
    order: Vec<usize>,
    w: Vec<f64>,
    t: f64,
    /// `suffix[i]`: signed sums of `w[i+1..]` (exact method), or `None` (hit-and-run).
    suffix: Option<Vec<Vec<(f64, f64)>>>,
}

impl Face {
    /// Prepares `{0 ≤ y ≤ w, Σy = t}` (`w` indexed like the caller's components).
    pub(crate) fn new(t: f64, w: &[f64]) -> Face {
        let mut order: Vec<usize> = (0..w.len()).filter(|&i| w[i] > EPS).collect();
        // Widest last: it then rarely enters the subset sums.
        order.sort_by(|&a, &b| w[a].total_cmp(&w[b]).then(a.cmp(&b)));
        let ws: Vec<f64> = order.iter().map(|&i| w[i]).collect();
        let d = ws.len();
        let mut suffix = Some(vec![Vec::new(); d]);
        let mut total = 0usize;
        for i in 0..d.saturating_sub(1) {
            match signed_sums(&ws[i + 1..], t, SUBSET_CAP) {
                Some(s) if total + s.len() <= SUBSET_CAP => {
                    total += s.len();
                    if let Some(v) = suffix.as_mut() {
                        v[i] = s;
                    }
                }
                _ => {
                    suffix = None;
                    break;
                }
            }
        }
        Face { order, w: ws, t, suffix }
    }

    /// Whether samples are exact (Rosenblatt) rather than hit-and-run.
    pub(crate) fn is_exact(&self) -> bool {
        self.suffix.is_some()
    }

    /// A uniform point of the face, as `y` indexed like the caller's `w` (length `n`). The
    /// exact method maps `u` (at least `d − 1` coordinates in `[0, 1)`; missing ones drawn from
    /// `rng`) through the conditional inverse CDFs; the fallback runs hit-and-run.
    pub(crate) fn sample(&self, n: usize, u: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        let d = self.w.len();
        let total: f64 = self.w.iter().sum();
        let y: Vec<f64> = if d == 0 || self.t <= EPS {
            vec![0.0; d]
        } else if self.t >= total - EPS {
            self.w.clone()
        } else if let Some(suffix) = &self.suffix {
            let coord = |k: usize, rng: &mut ChaCha8Rng| match u.get(k) {
                Some(&v) => v.clamp(0.0, 1.0),
                None => rng.random::<f64>(),
            };
            let mut y = vec![0.0; d];
            let mut s = self.t;
            let mut rest: f64 = total;
            for i in 0..d - 1 {
                rest -= self.w[i];
                let p = coord(i, rng);
                y[i] = conditional(s, self.w[i], rest.max(0.0), d - 1 - i, &suffix[i], p);
                s -= y[i];
            }
            y[d - 1] = s.clamp(0.0, self.w[d - 1]);
            y
        } else {
            hit_and_run(self.t, &self.w, rng)
        };
        let mut out = vec![0.0; n];
        for (k, &i) in self.order.iter().enumerate() {
            out[i] = y[k];
        }
        out
    }
}

/// Draws `y_i` given the remaining total `s`, its width `wi`, the total width `rest` and count
/// `r` of the components after it, by inverting the conditional CDF at `p`.
fn conditional(s: f64, wi: f64, rest: f64, r: usize, sums: &[(f64, f64)], p: f64) -> f64 {
    let a = (s - rest).max(0.0);
    let b = wi.min(s);
    if b - a <= EPS {
        return a.min(b).max(0.0);
    }
    if r <= 1 {
        return a + p * (b - a);
    }
    // Density of y_i is ∝ F(s − y) with F(x) = Σ sign (x − σ)_+^(r−1); its integral from a
    // to u is (G(s − a) − G(s − u)) / r with G(x) = Σ sign (x − σ)_+^r.
    let g = |x: f64| power_sum(sums, x, r as i32);
    let top = g(s - a);
    let norm = top - g(s - b);
    if norm.is_nan() || norm <= 0.0 {
        return a + p * (b - a);
    }
    let (mut lo, mut hi) = (a, b);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if (top - g(s - mid)) / norm < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * (1.0 + hi.abs()) {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// Hit-and-run on `{0 ≤ y ≤ w, Σy = t}` from its scaled centre; approximately uniform after
/// `100 + 10·d²` steps. Used only when the exact method's subset sums would be too many.
fn hit_and_run(t: f64, w: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    let d = w.len();
    let total: f64 = w.iter().sum();
    let mut y: Vec<f64> = w.iter().map(|&wi| wi * t / total).collect();
    let steps = 100 + 10 * d * d;
    let mut g = vec![0.0; d];
    for _ in 0..steps {
        for gi in g.iter_mut() {
            *gi = StandardNormal.sample(rng);
        }
        let mean = g.iter().sum::<f64>() / d as f64;
        g.iter_mut().for_each(|gi| *gi -= mean);
        let (mut lmin, mut lmax) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in 0..d {
            if g[i].abs() < 1e-300 {
                continue;
            }
            let (l1, l2) = ((0.0 - y[i]) / g[i], (w[i] - y[i]) / g[i]);
            lmin = lmin.max(l1.min(l2));
            lmax = lmax.min(l1.max(l2));
        }
        if !(lmin.is_finite() && lmax.is_finite()) || lmax <= lmin {
            continue;
        }
        let l = rng.random_range(lmin..lmax);
        for i in 0..d {
            y[i] = (y[i] + l * g[i]).clamp(0.0, w[i]);
        }
    }
    let s: f64 = y.iter().sum();
    fix_sum(&mut y, &vec![0.0; d], w, t - s);
    y
}

/// Adds `residual` to `x` without leaving `[lo, hi]`, most slack first.
pub(crate) fn fix_sum(x: &mut [f64], lo: &[f64], hi: &[f64], mut residual: f64) {
    for _ in 0..x.len() {
        if residual == 0.0 {
            return;
        }
        let best = (0..x.len())
            .map(|i| (i, if residual > 0.0 { hi[i] - x[i] } else { x[i] - lo[i] }))
            .filter(|&(_, slack)| slack > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let Some((i, slack)) = best else { return };
        let step = residual.signum() * slack.min(residual.abs());
        x[i] += step;
        residual -= step;
    }
}

/// Euclidean projection of `v` onto `{lo ≤ x ≤ hi, Σx = 1}`: `x_i = clamp(v_i − λ, lo_i, hi_i)`
/// with λ found exactly between sorted breakpoints, then the rounding residual moved onto the
/// component with most slack. Assumes `Σlo ≤ 1 ≤ Σhi` (otherwise returns the nearer bound).
pub(crate) fn project(v: &[f64], lo: &[f64], hi: &[f64]) -> Vec<f64> {
    let n = v.len();
    if n == 0 {
        return Vec::new();
    }
    let g = |l: f64| -> f64 { (0..n).map(|i| (v[i] - l).clamp(lo[i], hi[i])).sum() };
    let mut bps: Vec<f64> = (0..n).flat_map(|i| [v[i] - hi[i], v[i] - lo[i]]).collect();
    bps.sort_by(f64::total_cmp);
    let lambda = if g(bps[0]) < 1.0 {
        bps[0]
    } else if g(bps[2 * n - 1]) > 1.0 {
        bps[2 * n - 1]
    } else {
        let mut l = bps[2 * n - 1];
        for k in 0..2 * n - 1 {
            let (a, b) = (bps[k], bps[k + 1]);
            let (ga, gb) = (g(a), g(b));
            if ga >= 1.0 && gb <= 1.0 {
                l = if ga - gb > 0.0 { a + (ga - 1.0) / (ga - gb) * (b - a) } else { a };
                break;
            }
        }
        l
    };
    let mut x: Vec<f64> = (0..n).map(|i| (v[i] - lambda).clamp(lo[i], hi[i])).collect();
    let s: f64 = x.iter().sum();
    fix_sum(&mut x, lo, hi, 1.0 - s);
    x
}

/// Largest-remainder rounding of `x` to integer counts `k` with `kl ≤ k ≤ kh` and `Σk = total`
/// (fractions are `k / total`). Assumes `Σkl ≤ total ≤ Σkh`.
pub(crate) fn round_to_grid(x: &[f64], kl: &[i64], kh: &[i64], total: i64) -> Vec<i64> {
    let scaled: Vec<f64> = x.iter().map(|&v| v * total as f64).collect();
    let mut k: Vec<i64> = (0..x.len()).map(|i| ((scaled[i] + 1e-9).floor() as i64).clamp(kl[i], kh[i])).collect();
    let mut deficit = total - k.iter().sum::<i64>();
    while deficit != 0 {
        let up = deficit > 0;
        let pick = (0..x.len())
            .filter(|&i| if up { k[i] < kh[i] } else { k[i] > kl[i] })
            .map(|i| (i, scaled[i] - k[i] as f64))
            .max_by(|a, b| {
                let o = if up { a.1.total_cmp(&b.1) } else { b.1.total_cmp(&a.1) };
                o.then(b.0.cmp(&a.0))
            });
        let Some((i, _)) = pick else { break };
        k[i] += if up { 1 } else { -1 };
        deficit += if up { -1 } else { 1 };
    }
    k
}

/// An `n × dims` Latin hypercube on `[0, 1)`: in every column each slab `[j/n, (j+1)/n)` holds
/// exactly one point, at a uniform position inside it.
pub(crate) fn latin_hypercube(n: usize, dims: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let mut rows = vec![vec![0.0; dims]; n];
    let mut perm: Vec<usize> = (0..n).collect();
    for j in 0..dims {
        for i in (1..n).rev() {
            let k = rng.random_range(0..=i);
            perm.swap(i, k);
        }
        for (i, row) in rows.iter_mut().enumerate() {
            row[j] = (perm[i] as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    rows
}
