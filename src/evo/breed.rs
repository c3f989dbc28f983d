//! Turning genomes into new feasible candidates, in parallel and deterministically.
//!
//! Each attempt gets its own generator seeded from a number drawn in order from the ask's
//! generator, so the attempts can run on any number of rayon threads and give the same
//! candidates. Acceptance is sequential and in attempt order: a designed-space genome is
//! decoded, repaired and checked ([`Layout::realize`]), then kept unless its key
//! ([`candidate_key`]) was already seen in the campaign or chosen in this ask; a pool genome
//! is mapped to the nearest pool row not yet seen (Euclidean in the pool's encoding; ties to
//! the lower row). The keys of the campaign's history are kept between asks ([`SeenKeys`]),
//! so an ask hashes only the candidates proposed since the last one. When a few rounds of attempts still leave the batch short (a nearly
//! exhausted discrete space), it is topped up with uniform draws of unseen candidates.
use std::collections::HashSet;

use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::fitness::Member;
use super::layout::Layout;
use super::operators::{child, pool_child, Operators};
use crate::space::Candidate;
use crate::strategy::{candidate_key, AskContext, Proposal, RandomStrategy, Strategy, StrategyError};

/// Rounds of attempts before topping up with uniform draws.
const ROUNDS: usize = 8;

/// The keys of every candidate seen, kept in step with the campaign's append-only history
/// (rebuilt from scratch when the history handed in is not a continuation of the last one).
#[derive(Debug, Default)]
pub(crate) struct SeenKeys {
    keys: HashSet<Vec<u64>>,
    len: usize,
    last: Option<Vec<u64>>,
}

impl SeenKeys {
    fn sync(&mut self, seen: &[Candidate]) {
        let continues = self.len <= seen.len()
            && match (&self.last, self.len.checked_sub(1)) {
                (Some(k), Some(i)) => candidate_key(&seen[i]) == *k,
                (None, None) => true,
                _ => false,
            };
        if !continues {
            *self = SeenKeys::default();
        }
        for c in &seen[self.len..] {
            self.keys.insert(candidate_key(c));
        }
        self.len = seen.len();
        self.last = seen.last().map(candidate_key);
    }
}

/// Up to `n` feasible candidates not in `ctx.seen`, from genomes made by `make` (called with
/// a fresh generator per attempt). Fewer only when the space has no unseen candidates left.
pub(crate) fn breed<F>(
    ctx: &AskContext<'_>,
    layout: &Layout,
    known: &mut SeenKeys,
    n: usize,
    rng: &mut ChaCha8Rng,
    make: F,
) -> Result<Vec<Candidate>, StrategyError>
where
    F: Fn(&mut ChaCha8Rng) -> Vec<f64> + Sync,
{
    let mut out: Vec<Candidate> = Vec::with_capacity(n);
    if layout.pool.is_none() {
        known.sync(ctx.seen);
    }
    let mut picked: HashSet<Vec<u64>> = HashSet::new();
    let mut used: Vec<bool> = match &layout.pool {
        Some(p) => {
            let mut used = vec![false; p.nrows()];
            for i in ctx.seen.iter().filter_map(|c| c.pool_index).filter(|&i| i < p.nrows()) {
                used[i] = true;
            }
            used
        }
        None => Vec::new(),
    };
    for _ in 0..ROUNDS {
        let want = n - out.len();
        if want == 0 {
            break;
        }
        let seeds: Vec<u64> = (0..want + want / 2 + 2).map(|_| rng.random()).collect();
        let genomes: Vec<Vec<f64>> = seeds.par_iter().map(|s| make(&mut ChaCha8Rng::seed_from_u64(*s))).collect();
        match &layout.pool {
            Some(rows) => {
                for g in &genomes {
                    if out.len() == n {
                        break;
                    }
                    if let Some(i) = nearest_unused(rows, &used, g) {
                        used[i] = true;
                        out.push(Candidate { fractions: vec![], params: vec![], pool_index: Some(i) });
                    }
                }
            }
            None => {
                let made: Vec<Option<Candidate>> = genomes.par_iter().map(|g| layout.realize(ctx.space, g)).collect();
                for c in made.into_iter().flatten() {
                    if out.len() == n {
                        break;
                    }
                    let key = candidate_key(&c);
                    if !known.keys.contains(&key) && picked.insert(key) {
                        out.push(c);
                    }
                }
            }
        }
    }
    if out.len() < n {
        let mut seen = ctx.seen.to_vec();
        seen.extend(out.iter().cloned());
        let more = RandomStrategy.ask(
            &AskContext { space: ctx.space, seen: &seen, initial_remaining: 0 },
            n - out.len(),
            rng,
        )?;
        out.extend(more.into_iter().map(|p| p.candidate));
    }
    Ok(out)
}

/// The pool row nearest `g` among those not used (lowest index on ties); `None` when all are.
pub(crate) fn nearest_unused(rows: &Array2<f64>, used: &[bool], g: &[f64]) -> Option<usize> {
    (0..rows.nrows())
        .into_par_iter()
        .filter(|&i| !used[i])
        .map(|i| {
            let d: f64 = rows.row(i).iter().zip(g).map(|(r, x)| (r - x) * (r - x)).sum();
            (if d.is_nan() { f64::INFINITY } else { d }, i)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
        .map(|(_, i)| i)
}

/// One ask of a population-based strategy (GA, NSGA-II): the initial design, or random
/// candidates while there is no population yet ([`super::bootstrap`]); then `n` offspring,
/// each of two parents chosen by `select` (an index into `pop`) and bred with the shared
/// operators ([`child`], or [`pool_child`] on a pool), repaired, new and feasible ([`breed`]).
#[allow(clippy::too_many_arguments)]
pub(crate) fn ask_population<S>(
    ctx: &AskContext<'_>,
    n: usize,
    rng: &mut ChaCha8Rng,
    name: &str,
    layout: &Layout,
    pop: &[Member],
    known: &mut SeenKeys,
    ops: &Operators,
    select: S,
) -> Result<Vec<Proposal>, StrategyError>
where
    S: Fn(&mut ChaCha8Rng) -> usize + Sync,
{
    let (mut out, seen) = super::bootstrap(ctx, n, rng, name, pop.is_empty())?;
    let want = n - out.len();
    if want == 0 || pop.is_empty() {
        return Ok(out);
    }
    let genomes: Vec<Vec<f64>> = pop.iter().map(|m| layout.encode(ctx.space, &m.ev.candidate)).collect();
    let make = |r: &mut ChaCha8Rng| {
        let (a, b) = (select(r), select(r));
        if layout.pool.is_some() {
            pool_child(ops, &genomes[a], &genomes[b], r)
        } else {
            child(layout, ops, &genomes[a], &genomes[b], r)
        }
    };
    let ctx2 = AskContext { space: ctx.space, seen: seen.as_deref().unwrap_or(ctx.seen), initial_remaining: 0 };
    let kids = breed(&ctx2, layout, known, want, rng, make)?;
    out.extend(kids.into_iter().map(|candidate| Proposal { candidate, origin: name.to_string(), acquisition: None }));
    Ok(out)
}
