//! Repair (projection onto the feasible set) and the feasibility check of one mixture.
use super::{bit, members, Mixture, Supports, PRESENT_FLOOR, TOL};
use crate::space::simplex::project;

impl Mixture {
    /// Euclidean projection of `v` onto the face of `s` with lower bounds `lo`, then the grid.
    pub(super) fn project_on(&self, v: &[f64], s: u64, lo: &[f64]) -> Vec<f64> {
        let idx = members(s, self.len());
        let sub = |a: &[f64]| idx.iter().map(|&i| a[i]).collect::<Vec<f64>>();
        let xs = project(&sub(v), &sub(lo), &sub(&self.hi));
        let mut x = vec![0.0; self.len()];
        for (k, &i) in idx.iter().enumerate() {
            x[i] = xs[k];
        }
        self.round(&x, s, lo)
    }

    /// The nearest feasible mixture to `v` (see the module docs of `space` for the steps).
    /// Already feasible points come back unchanged, so repair is idempotent.
    pub(crate) fn repair(&self, v: &[f64]) -> Vec<f64> {
        let n = self.len();
        let v: Vec<f64> = (0..n)
            .map(|i| match v.get(i) {
                Some(x) if !x.is_nan() => x.clamp(-1e6, 1e6),
                _ => 0.0,
            })
            .collect();
        if self.check(&v).is_empty() {
            return v;
        }
        let p = project(&v, &self.lo, &self.hi);
        let supp = (0..n).filter(|&i| p[i] > 0.0).fold(0u64, |m, i| m | bit(i));
        let mut s = if self.support_ok(supp) { supp } else { self.choose_support(&p, &v) };
        let mut lo = self.lo.clone();
        loop {
            let x = self.project_on(&v, s, &lo);
            if x.iter().filter(|&&xi| xi > 0.0).count() >= self.kmin {
                return x;
            }
            let addable = |i: usize| {
                s & bit(i) != 0
                    || ((s.count_ones() as usize) < self.kmax && self.forbidden.iter().all(|&f| f & !(s | bit(i)) != 0))
            };
            let pick = (0..n)
                .filter(|&i| x[i] <= 0.0 && self.hi[i] > 0.0 && addable(i))
                .max_by(|&a, &b| v[a].total_cmp(&v[b]).then(b.cmp(&a)));
            let Some(j) = pick else { return x };
            let floor = match &self.grid {
                Some(g) => 1.0 / g.total as f64,
                None => PRESENT_FLOOR.min(self.hi[j]),
            };
            if lo.iter().sum::<f64>() - lo[j] + floor > 1.0 {
                return x;
            }
            lo[j] = floor;
            s |= bit(j);
        }
    }

    /// Keeps the mandatory components, then the largest (by `p`, then `v`) allowed by
    /// `max_components` and the forbidden sets, until the support can sum to 1; falls back to
    /// the listed support keeping the most mass.
    pub(super) fn choose_support(&self, p: &[f64], v: &[f64]) -> u64 {
        let mut order = self.optional.clone();
        order.sort_by(|&a, &b| p[b].total_cmp(&p[a]).then(v[b].total_cmp(&v[a])).then(a.cmp(&b)));
        let mut s = self.mandatory;
        for &j in &order {
            if p[j] <= 0.0 && self.sums_ok(s) {
                break;
            }
            if (s.count_ones() as usize) < self.kmax && self.forbidden.iter().all(|&f| f & !(s | bit(j)) != 0) {
                s |= bit(j);
            }
        }
        if self.support_ok(s) {
            return s;
        }
        match &self.supports {
            Supports::Listed { masks, .. } => {
                let mass = |s: u64| {
                    members(s, self.len()).iter().map(|&i| (p[i], v[i])).fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
                };
                *masks
                    .iter()
                    .max_by(|&&a, &&b| {
                        let (ma, mb) = (mass(a), mass(b));
                        ma.0.total_cmp(&mb.0).then(ma.1.total_cmp(&mb.1)).then(b.cmp(&a))
                    })
                    .unwrap_or(&s)
            }
            Supports::Random { fallback } => *fallback,
        }
    }

    /// Every rule `x` breaks, as readable lines (empty when feasible).
    pub(crate) fn check(&self, x: &[f64]) -> Vec<String> {
        let mut out = Vec::new();
        let label = |i: usize| format!("{}{}", self.prefix, self.names[i]);
        for (i, &xi) in x.iter().enumerate() {
            if !xi.is_finite() {
                out.push(format!("{} = {xi} is not a number", label(i)));
            } else if xi < self.lo[i] - TOL {
                out.push(format!("{} = {xi} is below its minimum {}", label(i), self.lo[i]));
            } else if xi > self.hi[i] + TOL {
                out.push(format!("{} = {xi} is above its maximum {}", label(i), self.hi[i]));
            }
        }
        let sum: f64 = x.iter().sum();
        let off = (sum - 1.0).abs();
        if off.is_nan() || off > TOL {
            let what = if self.prefix.is_empty() {
                "fractions".to_string()
            } else {
                format!("site {} fractions", self.prefix.trim_end_matches(':'))
            };
            out.push(format!("{what} add up to {sum}, not 1"));
        }
        let present = x.iter().enumerate().filter(|(_, &v)| v > 0.0).fold(0u64, |m, (i, _)| m | bit(i));
        let count = present.count_ones() as usize;
        if count > self.kmax {
            out.push(format!("{count} components present, more than max_components {}", self.kmax));
        }
        if count < self.kmin {
            out.push(format!("{count} components present, fewer than min_components {}", self.kmin));
        }
        for &f in &self.forbidden {
            if f & !present == 0 {
                let names: Vec<String> = members(f, self.len()).into_iter().map(label).collect();
                out.push(format!("{} are present together, which is forbidden", names.join(" + ")));
            }
        }
        if let Some(g) = &self.grid {
            for (i, &xi) in x.iter().enumerate() {
                let k = xi * g.total as f64;
                if (k - k.round()).abs() > 1e-6 {
                    out.push(format!("{} = {xi} is not a multiple of {}", label(i), 1.0 / g.total as f64));
                }
            }
        }
        out
    }
}
