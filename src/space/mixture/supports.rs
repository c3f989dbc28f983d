//! Supports (sets of possibly non-zero components): which are allowed, the largest feasible
//! size, listing them with volume weights, or drawing them at random when there are too many.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{bit, members, round6, Mixture, Supports, LIST_LIMIT};
use crate::space::error::SpaceError;
use crate::space::simplex::Face;

impl Mixture {
    /// Whether `s` (a set of possibly non-zero components) is allowed and can sum to 1.
    pub(super) fn support_ok(&self, s: u64) -> bool {
        s & self.mandatory == self.mandatory
            && s.count_ones() as usize <= self.kmax
            && self.forbidden.iter().all(|&f| f & !s != 0)
            && self.sums_ok(s)
    }

    pub(super) fn sums_ok(&self, s: u64) -> bool {
        let idx = members(s, self.len());
        match &self.grid {
            Some(g) => {
                let kl: i64 = idx.iter().map(|&i| g.kl[i]).sum();
                let kh: i64 = idx.iter().map(|&i| g.kh[i]).sum();
                kl <= g.total && g.total <= kh
            }
            None => idx.iter().map(|&i| self.hi[i]).sum::<f64>() >= 1.0 - 1e-12,
        }
    }

    /// Finds the largest feasible support size and lists (or prepares to draw) its supports.
    pub(super) fn find_supports(&mut self) -> Result<(), SpaceError> {
        let m = self.mandatory.count_ones() as usize;
        let nopt = self.optional.len();
        let hi_k = self.kmax.min(m + nopt);
        for k in (self.kmin.max(m)..=hi_k).rev() {
            let need = k - m;
            if binomial(nopt, need) <= LIST_LIMIT {
                let masks: Vec<u64> = combinations(&self.optional, need)
                    .map(|s| s | self.mandatory)
                    .filter(|&s| self.support_ok(s))
                    .collect();
                if masks.is_empty() {
                    continue;
                }
                self.top = k;
                self.free = self.free_count(masks[0]);
                let weights: Vec<f64> = masks.iter().map(|&s| self.volume(s).unwrap_or(1.0)).collect();
                let total: f64 = weights.iter().sum();
                let mut acc = 0.0;
                let cum = weights
                    .iter()
                    .map(|&w| {
                        acc += if total > 0.0 { w } else { 1.0 };
                        acc
                    })
                    .collect();
                if masks.len() == 1 {
                    let (t, w) = self.shifted(masks[0]);
                    self.single = Some(Face::new(t, &w));
                }
                self.supports = Supports::Listed { masks, cum };
                return Ok(());
            }
            if let Some(s) = self.search_support(need) {
                self.top = k;
                self.free = self.free_count(s);
                self.supports = Supports::Random { fallback: s };
                return Ok(());
            }
        }
        let path = format!("{}.max_components", self.path);
        let message = if self.forbidden.is_empty() {
            let mut his: Vec<f64> = self.optional.iter().map(|&i| self.hi[i]).collect();
            his.sort_by(|a, b| b.total_cmp(a));
            let others = his.iter().take(self.kmax).map(|h| h.to_string()).collect::<Vec<_>>();
            let mand = members(self.mandatory, self.len());
            let needed = if mand.is_empty() {
                String::new()
            } else {
                let names: Vec<&str> = mand.iter().map(|&i| self.names[i].as_str()).collect();
                let total: f64 = mand.iter().map(|&i| self.hi[i]).sum();
                format!("{} must be present, maximums adding up to {}; ", names.join(", "), round6(total))
            };
            format!(
                "no set of at most {} components can add up to 1 ({needed}largest other maximums: {})",
                self.kmax,
                others.join(", ")
            )
        } else {
            return Err(SpaceError::Forbidden {
                path: format!("{}.forbidden", self.path),
                message: format!(
                    "the forbidden combinations, with max_components {} and the bounds, leave no \
                     feasible set of components",
                    self.kmax
                ),
            });
        };
        Err(SpaceError::Cardinality { path, message })
    }

    /// A feasible support with `need` optional components, found greedily (largest maximum
    /// first) or among random subsets; `None` if neither finds one.
    fn search_support(&self, need: usize) -> Option<u64> {
        let mut by_hi = self.optional.clone();
        by_hi.sort_by(|&a, &b| self.hi[b].total_cmp(&self.hi[a]));
        let mut s = self.mandatory;
        for &j in &by_hi {
            if (s.count_ones() as usize) < self.mandatory.count_ones() as usize + need
                && self.forbidden.iter().all(|&f| f & !(s | bit(j)) != 0)
            {
                s |= bit(j);
            }
        }
        if s.count_ones() as usize == self.mandatory.count_ones() as usize + need && self.support_ok(s) {
            return Some(s);
        }
        let mut rng = <ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0);
        (0..10_000).map(|_| self.random_subset(need, &mut rng)).find(|&s| self.support_ok(s))
    }

    fn random_subset(&self, need: usize, rng: &mut ChaCha8Rng) -> u64 {
        let mut pool = self.optional.clone();
        let mut s = self.mandatory;
        for k in 0..need {
            let j = rng.random_range(k..pool.len());
            pool.swap(k, j);
            s |= bit(pool[k]);
        }
        s
    }

    /// A support drawn with probability ∝ its volume (rejection against `t^(free−1)`).
    pub(super) fn random_support(&self, rng: &mut ChaCha8Rng) -> Option<u64> {
        let need = self.top - self.mandatory.count_ones() as usize;
        for _ in 0..100_000 {
            let s = self.random_subset(need, rng);
            if !self.support_ok(s) {
                continue;
            }
            let (t, _) = self.shifted(s);
            let bound = t.max(0.0).powi(self.free as i32 - 1);
            let accept = match self.volume(s) {
                Some(v) if bound > 0.0 => v / bound,
                _ => 1.0,
            };
            if rng.random::<f64>() < accept {
                return Some(s);
            }
        }
        None
    }
}

fn binomial(n: usize, k: usize) -> u128 {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    (0..k).fold(1u128, |acc, i| acc.saturating_mul((n - i) as u128) / (i as u128 + 1))
}

/// All `k`-subsets of `items`, as bit masks, in lexicographic order.
fn combinations(items: &[usize], k: usize) -> impl Iterator<Item = u64> + '_ {
    let n = items.len();
    let mut idx: Option<Vec<usize>> = (k <= n).then(|| (0..k).collect());
    std::iter::from_fn(move || {
        let cur = idx.as_mut()?;
        let mask = cur.iter().fold(0u64, |m, &j| m | bit(items[j]));
        let mut i = k;
        loop {
            if i == 0 {
                idx = None;
                break;
            }
            i -= 1;
            if cur[i] < n - k + i {
                cur[i] += 1;
                for j in i + 1..k {
                    cur[j] = cur[j - 1] + 1;
                }
                break;
            }
        }
        Some(mask)
    })
}
