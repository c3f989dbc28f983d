//! Variation operators on genomes (encoded rows, see [`super::layout`]). Every operator may
//! leave the feasible set; the caller decodes, repairs with the space's shared projection and
//! checks, so operators only need to propose sensible moves.
//!
//! * Mixtures (per block of fractions that sums to 1): **blend crossover** (BLX-α per
//!   component: a uniform draw on the parents' interval widened by α on each side; a
//!   component absent from both parents stays absent); **Dirichlet perturbation** (the block
//!   is redrawn from a Dirichlet centred on it with concentration `c`, so the expected move is
//!   about `√(x(1−x)/c)` per component and absent components stay absent); and component
//!   moves: **swap** (an absent component takes a present one's fraction), **drop** (a present
//!   component goes to 0, the rest rescaled), **add** (an absent component takes a share of
//!   5–30 % from the others). Cardinality, forbidden sets and charge balance are then enforced
//!   by repair and check.
//! * Reals and integers (in `[0, 1]` unit coordinates): **SBX** crossover (distribution
//!   index η_c) and **polynomial mutation** (η_m), Deb's bounded forms; integers are rounded
//!   by decoding, and an integer mutation moves by at least one step.
//! * Categoricals: uniform crossover (the choice of either parent) and mutation to another
//!   choice, uniformly.
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use super::layout::{choice, set_choice, Layout, Slot};

/// Operator settings shared by the GA and NSGA-II.
#[derive(Debug, Clone, PartialEq)]
pub struct Operators {
    /// Probability that two parents are crossed (otherwise the child copies the first).
    pub crossover: f64,
    /// BLX-α widening of mixture blend crossover.
    pub blend_alpha: f64,
    /// SBX distribution index (larger: children closer to the parents).
    pub sbx_eta: f64,
    /// Polynomial-mutation distribution index.
    pub mutation_eta: f64,
    /// Dirichlet concentration of the mixture perturbation (larger: smaller moves).
    pub dirichlet_concentration: f64,
    /// Probability of a component move (swap, drop or add) when a mixture block mutates,
    /// instead of a Dirichlet perturbation.
    pub component_move: f64,
}

impl Default for Operators {
    /// Crossover 0.9, α = 0.25, η_c = 15, η_m = 20, concentration 60, component moves 0.3.
    fn default() -> Self {
        Operators {
            crossover: 0.9,
            blend_alpha: 0.25,
            sbx_eta: 15.0,
            mutation_eta: 20.0,
            dirichlet_concentration: 60.0,
            component_move: 0.3,
        }
    }
}

/// A child of genomes `a` and `b`: crossover (with probability `ops.crossover`), then
/// mutation of each gene (mixture block or parameter) with probability 1 / genes, at least
/// one gene when the child would otherwise equal a parent.
pub(crate) fn child(layout: &Layout, ops: &Operators, a: &[f64], b: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    let mut x = a.to_vec();
    let crossed = rng.random::<f64>() < ops.crossover;
    if crossed {
        for blk in &layout.blocks {
            for i in blk.clone() {
                x[i] = blend(a[i], b[i], ops.blend_alpha, rng);
            }
        }
        for s in &layout.slots {
            match *s {
                Slot::Real { col } | Slot::Int { col, .. } => {
                    x[col] = if rng.random::<bool>() { sbx(a[col], b[col], ops.sbx_eta, rng) } else { a[col] }
                }
                Slot::Cat { col, k } => {
                    let from = if rng.random::<bool>() { b } else { a };
                    set_choice(&mut x, col, k, choice(from, col, k));
                }
            }
        }
    }
    let genes = layout.blocks.len() + layout.slots.len();
    let p = 1.0 / genes.max(1) as f64;
    let mut mutated = false;
    for g in 0..genes {
        if rng.random::<f64>() < p {
            mutate_gene(layout, ops, &mut x, g, rng);
            mutated = true;
        }
    }
    if !mutated && genes > 0 && (!crossed || x == a || x == b) {
        let g = rng.random_range(0..genes);
        mutate_gene(layout, ops, &mut x, g, rng);
    }
    x
}

/// A child of two pool genomes: BLX-α on every coordinate, then polynomial mutation of each
/// coordinate with probability 1 / width (the caller maps it to the nearest unseen row).
pub(crate) fn pool_child(ops: &Operators, a: &[f64], b: &[f64], rng: &mut ChaCha8Rng) -> Vec<f64> {
    let crossed = rng.random::<f64>() < ops.crossover;
    let p = 1.0 / a.len().max(1) as f64;
    a.iter()
        .zip(b)
        .map(|(&u, &v)| {
            let x = if crossed { blend(u, v, ops.blend_alpha, rng) } else { u };
            if rng.random::<f64>() < p {
                polynomial(x.clamp(0.0, 1.0), ops.mutation_eta, rng)
            } else {
                x
            }
        })
        .collect()
}

fn mutate_gene(layout: &Layout, ops: &Operators, x: &mut [f64], g: usize, rng: &mut ChaCha8Rng) {
    if let Some(blk) = layout.blocks.get(g) {
        let f = &mut x[blk.clone()];
        if f.len() < 2 {
            return;
        }
        if rng.random::<f64>() < ops.component_move {
            match rng.random_range(0..3) {
                0 => swap(f, rng),
                1 => drop_one(f, rng),
                _ => add_one(f, rng),
            }
        } else {
            dirichlet(f, ops.dirichlet_concentration, rng);
        }
        return;
    }
    match layout.slots[g - layout.blocks.len()] {
        Slot::Real { col } => x[col] = polynomial(x[col], ops.mutation_eta, rng),
        Slot::Int { col, step } => {
            // A polynomial move of at least one integer step (decoding rounds to the grid).
            let old = x[col];
            let new = polynomial(old, ops.mutation_eta, rng);
            x[col] = if step > 0.0 && (new - old).abs() < 0.5 * step {
                let up = if old + step > 1.0 + 1e-12 { false } else { old - step < -1e-12 || rng.random::<bool>() };
                if up {
                    old + step
                } else {
                    old - step
                }
            } else {
                new
            };
        }
        Slot::Cat { col, k } => {
            if k > 1 {
                let cur = choice(x, col, k);
                let mut to = rng.random_range(0..k - 1);
                if to >= cur {
                    to += 1;
                }
                set_choice(x, col, k, to);
            }
        }
    }
}

/// BLX-α: uniform on `[min − αd, max + αd]` with `d = |a − b|`.
pub(crate) fn blend(a: f64, b: f64, alpha: f64, rng: &mut ChaCha8Rng) -> f64 {
    let (lo, hi) = (a.min(b), a.max(b));
    let d = hi - lo;
    if d <= 0.0 {
        return a;
    }
    lo - alpha * d + rng.random::<f64>() * (1.0 + 2.0 * alpha) * d
}

/// Simulated binary crossover of `a` and `b` in `[0, 1]` (Deb and Agrawal, with the bounded
/// spread factor): one child, on either side with equal probability.
pub(crate) fn sbx(a: f64, b: f64, eta: f64, rng: &mut ChaCha8Rng) -> f64 {
    let (y1, y2) = (a.min(b), a.max(b));
    if y2 - y1 < 1e-14 {
        return a;
    }
    let u: f64 = rng.random();
    let spread = |beta: f64| {
        let alpha = 2.0 - beta.powf(-(eta + 1.0));
        if u <= 1.0 / alpha {
            (u * alpha).powf(1.0 / (eta + 1.0))
        } else {
            (1.0 / (2.0 - u * alpha)).powf(1.0 / (eta + 1.0))
        }
    };
    let beta_lo = 1.0 + 2.0 * y1 / (y2 - y1);
    let beta_hi = 1.0 + 2.0 * (1.0 - y2) / (y2 - y1);
    let c1 = 0.5 * ((y1 + y2) - spread(beta_lo) * (y2 - y1));
    let c2 = 0.5 * ((y1 + y2) + spread(beta_hi) * (y2 - y1));
    let c = if rng.random::<bool>() { c1 } else { c2 };
    c.clamp(0.0, 1.0)
}

/// Polynomial mutation of `x ∈ [0, 1]` (Deb's bounded variant): stays in `[0, 1]`.
pub(crate) fn polynomial(x: f64, eta: f64, rng: &mut ChaCha8Rng) -> f64 {
    let x = x.clamp(0.0, 1.0);
    let u: f64 = rng.random();
    let p = 1.0 / (eta + 1.0);
    let dq = if u < 0.5 {
        let xy = 1.0 - x;
        let v = 2.0 * u + (1.0 - 2.0 * u) * xy.powf(eta + 1.0);
        v.powf(p) - 1.0
    } else {
        let xy = x;
        let v = 2.0 * (1.0 - u) + 2.0 * (u - 0.5) * xy.powf(eta + 1.0);
        1.0 - v.powf(p)
    };
    (x + dq).clamp(0.0, 1.0)
}

/// Redraws the block from Dirichlet(c·x) on its support (absent components stay absent).
pub(crate) fn dirichlet(f: &mut [f64], concentration: f64, rng: &mut ChaCha8Rng) {
    let mut total = 0.0;
    for v in f.iter_mut() {
        let shape = concentration * v.max(0.0);
        *v = if shape > 1e-12 { Gamma::new(shape, 1.0).map(|g| g.sample(rng)).unwrap_or(0.0) } else { 0.0 };
        total += *v;
    }
    if total > 0.0 {
        f.iter_mut().for_each(|v| *v /= total);
    }
}

fn present(f: &[f64]) -> Vec<usize> {
    (0..f.len()).filter(|&i| f[i] > 0.0).collect()
}

fn absent(f: &[f64]) -> Vec<usize> {
    (0..f.len()).filter(|&i| f[i] <= 0.0).collect()
}

/// An absent component takes a present one's fraction (or, with none absent, two swap).
pub(crate) fn swap(f: &mut [f64], rng: &mut ChaCha8Rng) {
    let (p, a) = (present(f), absent(f));
    if p.is_empty() {
        return;
    }
    let i = p[rng.random_range(0..p.len())];
    let j = if a.is_empty() {
        let mut j = rng.random_range(0..f.len() - 1);
        if j >= i {
            j += 1;
        }
        j
    } else {
        a[rng.random_range(0..a.len())]
    };
    f.swap(i, j);
}

/// A present component goes to 0 and the others are rescaled (when two or more are present).
pub(crate) fn drop_one(f: &mut [f64], rng: &mut ChaCha8Rng) {
    let p = present(f);
    if p.len() < 2 {
        return;
    }
    let i = p[rng.random_range(0..p.len())];
    let rest = 1.0 - f[i];
    f[i] = 0.0;
    if rest > 0.0 {
        f.iter_mut().for_each(|v| *v /= rest);
    }
}

/// An absent component takes a share of 5–30 % from the others.
pub(crate) fn add_one(f: &mut [f64], rng: &mut ChaCha8Rng) {
    let a = absent(f);
    if a.is_empty() {
        return;
    }
    let j = a[rng.random_range(0..a.len())];
    let share = 0.05 + 0.25 * rng.random::<f64>();
    f.iter_mut().for_each(|v| *v *= 1.0 - share);
    f[j] = share;
}
