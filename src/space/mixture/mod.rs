//! One validated mixture (a composition, or one structure site): bounds, balance, cardinality,
//! forbidden combinations and resolution, with the supports (sets of non-zero components) that
//! sampling and repair use. Knows names and numbers only; chemistry is in `species`.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

mod repair;
mod supports;

use super::error::SpaceError;
use super::simplex::{face_volume, round_to_grid, Face};
use super::spec::MixtureSpec;

/// Tolerance of [`Mixture::check`] on sums, bounds and grid multiples.
pub(crate) const TOL: f64 = 1e-9;
/// The amount repair gives a component it adds to reach `min_components` (without resolution).
pub(crate) const PRESENT_FLOOR: f64 = 1e-3;
/// Most supports listed (with exact volume weights); beyond it supports are drawn at random.
const LIST_LIMIT: u128 = 100_000;

/// The resolution grid: fractions are `k / total` with `kl ≤ k ≤ kh`.
#[derive(Debug, Clone)]
pub(crate) struct Grid {
    pub total: i64,
    pub kl: Vec<i64>,
    pub kh: Vec<i64>,
}

/// How the supports of the largest feasible size are chosen when sampling.
#[derive(Debug)]
enum Supports {
    /// Every feasible support of the top size, with cumulative volume weights.
    Listed { masks: Vec<u64>, cum: Vec<f64> },
    /// Too many to list: uniform random subsets, accepted with probability volume / bound.
    Random { fallback: u64 },
}

/// A validated mixture. Components are in file order, the balance last unless listed.
#[derive(Debug)]
pub(crate) struct Mixture {
    pub path: String,
    /// Column label prefix: `""` for a composition, `"A:"` for site A.
    pub prefix: String,
    pub names: Vec<String>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    pub kmin: usize,
    pub kmax: usize,
    pub grid: Option<Grid>,
    pub forbidden: Vec<u64>,
    mandatory: u64,
    optional: Vec<usize>,
    /// Size of the supports sampled (the largest feasible).
    pub top: usize,
    /// Free (non-fixed) components in a top support: the face dimension is `free − 1`.
    free: usize,
    supports: Supports,
    /// The face of the only support, prepared once.
    single: Option<Face>,
}

fn bit(i: usize) -> u64 {
    1u64 << i
}

fn members(mask: u64, n: usize) -> Vec<usize> {
    (0..n).filter(|&i| mask & bit(i) != 0).collect()
}

fn bad(path: String, message: String) -> SpaceError {
    SpaceError::Bounds { path, message }
}

impl Mixture {
    /// Validates `spec` (at key path `path`; `prefix` labels its columns).
    pub(crate) fn build(spec: &MixtureSpec, path: &str, prefix: &str) -> Result<Mixture, SpaceError> {
        let (mut names, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for c in &spec.components {
            let p = format!("{path}.components.{}", c.name);
            if names.contains(&c.name) {
                let context = String::new();
                return Err(SpaceError::DuplicateName { path: p, name: c.name.clone(), context });
            }
            for (what, v) in [("minimum", c.min), ("maximum", c.max)] {
                if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                    return Err(bad(p, format!("{} {what} {v} is not a fraction in [0, 1]", c.name)));
                }
            }
            if c.min > c.max {
                let m = format!("{}: minimum {} is above maximum {}", c.name, c.min, c.max);
                return Err(bad(p, m));
            }
            names.push(c.name.clone());
            lo.push(c.min);
            hi.push(c.max);
        }
        let balance = match &spec.balance {
            Some(b) => match names.iter().position(|n| n == b) {
                Some(i) => Some(i),
                None => {
                    names.push(b.clone());
                    lo.push(0.0);
                    hi.push(1.0);
                    Some(names.len() - 1)
                }
            },
            None => None,
        };
        let n = names.len();
        if n == 0 {
            return Err(SpaceError::Invalid { path: path.into(), message: "no components".into() });
        }
        if n > 64 {
            let message = format!("{n} components; at most 64 are supported");
            return Err(SpaceError::Invalid { path: path.into(), message });
        }
        let terms = |v: &[f64]| {
            let t: Vec<String> = (0..n).filter(|&i| v[i] > 0.0).map(|i| format!("{} {}", names[i], v[i])).collect();
            t.join(" + ")
        };
        let smin: f64 = lo.iter().sum();
        if smin > 1.0 + TOL {
            let (path, total) = (path.to_string(), round6(smin));
            return Err(SpaceError::MinimumsExceedOne { path, total, terms: terms(&lo) });
        }
        let smax: f64 = hi.iter().sum();
        if smax < 1.0 - TOL {
            let hint = if balance.is_none() { " and there is no balance component" } else { "" };
            let (path, total, hint) = (path.to_string(), round6(smax), hint.to_string());
            return Err(SpaceError::MaximumsBelowOne { path, total, terms: terms(&hi), hint });
        }
        let grid = match spec.resolution {
            None => None,
            Some(q) => Some(build_grid(q, &names, &lo, &hi, path)?),
        };
        let present = |i: usize| match &grid {
            Some(g) => g.kh[i] > 0,
            None => hi[i] > 0.0,
        };
        let mandatory = (0..n).filter(|&i| lo[i] > 0.0).fold(0u64, |m, i| m | bit(i));
        let optional: Vec<usize> = (0..n).filter(|&i| lo[i] <= 0.0 && present(i)).collect();
        let mut forbidden = Vec::new();
        for (k, set) in spec.forbidden.iter().enumerate() {
            let p = format!("{path}.forbidden.{k}");
            if set.is_empty() {
                return Err(SpaceError::Forbidden { path: p, message: "empty combination".into() });
            }
            let mut mask = 0u64;
            for name in set {
                let Some(i) = names.iter().position(|x| x == name) else {
                    let message = format!("'{name}' is not a component (components: {})", names.join(", "));
                    return Err(SpaceError::Forbidden { path: p, message });
                };
                mask |= bit(i);
            }
            if mask & !mandatory == 0 {
                let message = format!(
                    "forbids {} together, but every candidate contains them (minimum above 0)",
                    set.join(" + ")
                );
                return Err(SpaceError::Forbidden { path: p, message });
            }
            forbidden.push(mask);
        }
        let m = mandatory.count_ones() as usize;
        let kmax = spec.max_components.unwrap_or(n).min(n);
        let kmin = spec.min_components.unwrap_or(1).max(1);
        let card = |which: &str, message: String| SpaceError::Cardinality { path: format!("{path}.{which}"), message };
        if kmax == 0 {
            return Err(card("max_components", "max_components must be at least 1".into()));
        }
        if kmin > kmax {
            return Err(card("min_components", format!("min_components {kmin} > max_components {kmax}")));
        }
        if kmin > m + optional.len() {
            let msg = format!("min_components {kmin} but only {} components can be present", m + optional.len());
            return Err(card("min_components", msg));
        }
        if m > kmax {
            let listed: Vec<&str> = members(mandatory, n).iter().map(|&i| names[i].as_str()).collect();
            let msg = format!("max_components {kmax} but {m} components have a minimum above 0: {}", listed.join(", "));
            return Err(card("max_components", msg));
        }
        let mut mix = Mixture {
            path: path.into(),
            prefix: prefix.into(),
            names,
            lo,
            hi,
            kmin,
            kmax,
            grid,
            forbidden,
            mandatory,
            optional,
            top: 0,
            free: 0,
            supports: Supports::Random { fallback: 0 },
            single: None,
        };
        mix.find_supports()?;
        Ok(mix)
    }

    /// Number of components (columns).
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    /// Latent (unit-cube) coordinates one draw consumes.
    pub(crate) fn latent_dim(&self) -> usize {
        let pick = matches!(&self.supports, Supports::Listed { masks, .. } if masks.len() > 1);
        usize::from(pick) + self.free.saturating_sub(1)
    }

    /// Whether the face sampler is exact (else hit-and-run for this mixture's faces).
    pub(crate) fn exact(&self) -> bool {
        match (&self.single, &self.supports) {
            (Some(face), _) => face.is_exact(),
            (None, Supports::Listed { masks, .. }) => {
                let (t, w) = self.shifted(masks[0]);
                Face::new(t, &w).is_exact()
            }
            (None, Supports::Random { fallback }) => {
                let (t, w) = self.shifted(*fallback);
                Face::new(t, &w).is_exact()
            }
        }
    }

    fn free_count(&self, s: u64) -> usize {
        members(s, self.len()).iter().filter(|&&i| self.hi[i] - self.lo[i] > 1e-14).count()
    }

    /// The shifted face of support `s`: `t = 1 − Σlo`, widths `hi − lo` (zero outside `s`).
    fn shifted(&self, s: u64) -> (f64, Vec<f64>) {
        let idx = members(s, self.len());
        let t = 1.0 - idx.iter().map(|&i| self.lo[i]).sum::<f64>();
        let w = (0..self.len()).map(|i| if s & bit(i) != 0 { self.hi[i] - self.lo[i] } else { 0.0 }).collect();
        (t, w)
    }

    /// Relative (top−1)-volume of the face of support `s`.
    pub(crate) fn volume(&self, s: u64) -> Option<f64> {
        let (t, w) = self.shifted(s);
        face_volume(t, &w)
    }

    /// The fraction of the unconstrained simplex on the support's free components that the
    /// upper bounds keep, averaged over the top supports (`None` when not computable).
    pub(crate) fn bounds_fraction(&self) -> Option<f64> {
        let s = match &self.supports {
            Supports::Listed { masks, .. } => masks[0],
            Supports::Random { fallback } => *fallback,
        };
        let (t, _) = self.shifted(s);
        let full = t.max(0.0).powi(self.free as i32 - 1);
        let v = self.volume(s)?;
        (full > 0.0).then(|| (v / full).min(1.0))
    }

    /// Number of top supports when listed.
    pub(crate) fn support_count(&self) -> Option<usize> {
        match &self.supports {
            Supports::Listed { masks, .. } => Some(masks.len()),
            Supports::Random { .. } => None,
        }
    }

    /// One uniform draw: a support (by volume) and a point of its face, from the latent
    /// coordinates `u` (length [`Mixture::latent_dim`]), rounded to the grid if any.
    pub(crate) fn draw(&self, u: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
        let (s, coords) = match &self.supports {
            Supports::Listed { masks, cum } if masks.len() > 1 => {
                let target = u.first().copied().unwrap_or_else(|| rng.random()) * cum[cum.len() - 1];
                let k = cum.partition_point(|&c| c <= target).min(masks.len() - 1);
                (masks[k], u.get(1..).unwrap_or(&[]))
            }
            Supports::Listed { masks, .. } => (masks[0], u),
            Supports::Random { fallback } => (self.random_support(rng).unwrap_or(*fallback), u),
        };
        let (t, w) = self.shifted(s);
        let y = match &self.single {
            Some(face) => face.sample(self.len(), coords, rng),
            None => Face::new(t, &w).sample(self.len(), coords, rng),
        };
        let x: Vec<f64> = (0..self.len()).map(|i| if s & bit(i) != 0 { self.lo[i] + y[i] } else { 0.0 }).collect();
        self.round(&x, s, &self.lo)
    }

    /// Rounds `x` (zero outside `s`, within `[lo, hi]`) to the grid, if there is one.
    fn round(&self, x: &[f64], s: u64, lo: &[f64]) -> Vec<f64> {
        let Some(g) = &self.grid else {
            return x.to_vec();
        };
        let n = self.len();
        let inside = |i: usize| s & bit(i) != 0;
        let kl: Vec<i64> = (0..n)
            .map(|i| if inside(i) { g.kl[i].max((lo[i] * g.total as f64 - 1e-9).ceil() as i64) } else { 0 })
            .collect();
        let kh: Vec<i64> = (0..n).map(|i| if inside(i) { g.kh[i] } else { 0 }).collect();
        let k = round_to_grid(x, &kl, &kh, g.total);
        k.iter().map(|&k| k as f64 / g.total as f64).collect()
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn build_grid(q: f64, names: &[String], lo: &[f64], hi: &[f64], path: &str) -> Result<Grid, SpaceError> {
    let p = format!("{path}.resolution");
    let total = (1.0 / q).round();
    if !(q.is_finite() && q > 0.0 && q <= 1.0) || (total * q - 1.0).abs() > 1e-9 || total > 1e9 {
        let message = format!("resolution {q} must divide 1 (e.g. 0.01, 0.05, 0.125)");
        return Err(SpaceError::Resolution { path: p, message });
    }
    let t = total as i64;
    let kl: Vec<i64> = lo.iter().map(|&l| (l * total - 1e-9).ceil() as i64).collect();
    let kh: Vec<i64> = hi.iter().map(|&h| (h * total + 1e-9).floor() as i64).collect();
    for i in 0..names.len() {
        if kl[i] > kh[i] {
            let message = format!("no multiple of {q} lies in {}'s bounds [{}, {}]", names[i], lo[i], hi[i]);
            return Err(SpaceError::Resolution { path: p, message });
        }
    }
    if kl.iter().sum::<i64>() > t || kh.iter().sum::<i64>() < t {
        let message = format!("no grid point with step {q} lies within the bounds and sums to 1");
        return Err(SpaceError::Resolution { path: p, message });
    }
    Ok(Grid { total: t, kl, kh })
}
