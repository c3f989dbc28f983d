//! Strategies propose candidates (ask) and learn from results (tell). The campaign loop is
//! their only caller; they never evaluate, store or print.
//!
//! [`RandomStrategy`] is the baseline every optimiser must beat: uniform space-filling draws
//! over the feasible set (see `space` for the sampling method), or for pools, rows drawn
//! uniformly without replacement among those never proposed before.
use std::collections::HashSet;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use serde_json::{json, Value};

use crate::space::{Candidate, ParamValue, Space};

/// Errors of a strategy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// The space could not be sampled.
    #[error(transparent)]
    Space(#[from] crate::space::SpaceError),
    /// A checkpoint does not belong to this strategy.
    #[error("strategy checkpoint: {0}")]
    Checkpoint(String),
    /// Learned features could not be computed.
    #[error("features: {0}")]
    Features(String),
}

/// Learned features of candidates — a surrogate's composition embedding — that a model-based
/// strategy can use in place of the space's own encoding.
pub trait FeatureMap {
    /// One row per candidate; the same width on every call, each column of roughly unit scale.
    fn features(&self, candidates: &[Candidate]) -> Result<ndarray::Array2<f64>, String>;
    /// What the features are, for messages.
    fn describe(&self) -> String;
}

/// A candidate a strategy proposes, with what it knew about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The candidate (feasible).
    pub candidate: Candidate,
    /// Where it came from: `initial` (initial design) or the strategy's name.
    pub origin: String,
    /// The acquisition score, for model-based strategies.
    pub acquisition: Option<f64>,
}

/// A candidate with its evaluation, as told back to the strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    /// The candidate.
    pub candidate: Candidate,
    /// Values per property (campaign property order); `None` when the evaluation failed.
    pub values: Option<Vec<f64>>,
    /// Whether it met every constraint.
    pub feasible: bool,
    /// Predicted standard deviations per property (campaign property order; NaN where the
    /// property has no prediction), when the values are surrogate predictions (`oracle:
    /// surrogate`). Evolutionary strategies use them for `uncertainty: lcb | ucb`.
    pub stds: Option<Vec<f64>>,
}

/// What a strategy may look at when asked.
pub struct AskContext<'a> {
    /// The design space.
    pub space: &'a Space,
    /// Every candidate proposed so far (evaluated, failed or pending), in proposal order.
    pub seen: &'a [Candidate],
    /// How many initial-design candidates are still to be proposed.
    pub initial_remaining: usize,
}

/// Proposes candidates and learns from their results.
pub trait Strategy: Send {
    /// Short name, recorded as the `origin` of its proposals.
    fn name(&self) -> &'static str;
    /// Up to `n` new feasible candidates, none equal to one already seen. Fewer (or none)
    /// only when the space has no unseen candidates left.
    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError>;
    /// [`Strategy::ask`], with learned features available. Strategies that cannot use them
    /// ignore them (the default); the Bayesian optimiser fits its GPs on them.
    fn ask_with_features(
        &mut self,
        ctx: &AskContext<'_>,
        _features: &dyn FeatureMap,
        n: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<Proposal>, StrategyError> {
        self.ask(ctx, n, rng)
    }
    /// Results of earlier proposals (failed ones included).
    fn tell(&mut self, results: &[Evaluated]) -> Result<(), StrategyError>;
    /// State to resume from (serde JSON).
    fn checkpoint(&self) -> serde_json::Value;
    /// Restore from [`Strategy::checkpoint`] output.
    fn restore(&mut self, state: &serde_json::Value) -> Result<(), StrategyError>;
}

/// A hashable identity of a candidate: exact bit patterns of its values.
pub fn candidate_key(c: &Candidate) -> Vec<u64> {
    let mut k: Vec<u64> = c.fractions.iter().map(|f| f.to_bits()).collect();
    for p in &c.params {
        k.push(match p {
            ParamValue::Real(v) => v.to_bits(),
            ParamValue::Int(i) => *i as u64,
            ParamValue::Cat(i) => *i as u64,
        });
    }
    if let Some(i) = c.pool_index {
        k.push(u64::MAX);
        k.push(i as u64);
    }
    k
}

// Checkpoint JSON shared by the strategies: candidates and numbers stored exactly (IEEE bit
// patterns survive any JSON parser, and candidate identity is bitwise: see `candidate_key`).

/// A checkpoint field that is missing or malformed, for strategy `what`.
pub(crate) fn bad(what: &str, field: &str) -> StrategyError {
    StrategyError::Checkpoint(format!("{what} checkpoint: missing or malformed '{field}'"))
}

/// A number as its IEEE bit pattern: exact through JSON, NaN and ∞ included.
pub(crate) fn num(v: f64) -> Value {
    json!(v.to_bits())
}

pub(crate) fn unnum(v: &Value) -> Option<f64> {
    v.as_u64().map(f64::from_bits)
}

pub(crate) fn nums(v: &[f64]) -> Value {
    Value::Array(v.iter().map(|x| num(*x)).collect())
}

pub(crate) fn unnums(v: Option<&Value>) -> Option<Vec<f64>> {
    v?.as_array()?.iter().map(unnum).collect()
}

/// A candidate as checkpoint JSON: fractions and real parameters as bit patterns.
pub(crate) fn candidate_json(c: &Candidate) -> Value {
    let params: Vec<Value> = c
        .params
        .iter()
        .map(|p| match p {
            ParamValue::Real(v) => json!({"real": num(*v)}),
            ParamValue::Int(i) => json!({"int": i}),
            ParamValue::Cat(i) => json!({"cat": i}),
        })
        .collect();
    json!({"fractions": nums(&c.fractions), "params": params, "pool_index": c.pool_index})
}

/// The inverse of [`candidate_json`]; `what` names the strategy in errors.
pub(crate) fn candidate_from(v: &Value, what: &str) -> Result<Candidate, StrategyError> {
    let fractions = unnums(v.get("fractions")).ok_or_else(|| bad(what, "fractions"))?;
    let mut params = Vec::new();
    for p in v.get("params").and_then(Value::as_array).ok_or_else(|| bad(what, "params"))? {
        params.push(if let Some(r) = p.get("real").and_then(unnum) {
            ParamValue::Real(r)
        } else if let Some(i) = p.get("int").and_then(Value::as_i64) {
            ParamValue::Int(i)
        } else if let Some(i) = p.get("cat").and_then(Value::as_u64) {
            ParamValue::Cat(i as usize)
        } else {
            return Err(bad(what, "params"));
        });
    }
    let pool_index = match v.get("pool_index") {
        None | Some(Value::Null) => None,
        Some(i) => Some(i.as_u64().ok_or_else(|| bad(what, "pool_index"))? as usize),
    };
    Ok(Candidate { fractions, params, pool_index })
}

/// Uniform random search (the baseline).
#[derive(Debug, Default)]
pub struct RandomStrategy;

impl Strategy for RandomStrategy {
    fn name(&self) -> &'static str {
        "random"
    }

    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError> {
        let origin = |i: usize| if i < ctx.initial_remaining { "initial" } else { "random" };
        let picked = match ctx.space.pool_len() {
            Some(len) => pool_draw(len, ctx.seen, n, rng),
            None => design_draw(ctx.space, ctx.seen, n, rng)?,
        };
        Ok(picked
            .into_iter()
            .enumerate()
            .map(|(i, candidate)| Proposal { candidate, origin: origin(i).to_string(), acquisition: None })
            .collect())
    }

    fn tell(&mut self, _results: &[Evaluated]) -> Result<(), StrategyError> {
        Ok(())
    }

    fn checkpoint(&self) -> serde_json::Value {
        serde_json::json!({"strategy": "random"})
    }

    fn restore(&mut self, state: &serde_json::Value) -> Result<(), StrategyError> {
        match state.get("strategy").and_then(|s| s.as_str()) {
            Some("random") => Ok(()),
            other => Err(StrategyError::Checkpoint(format!("expected a random-search checkpoint, found {other:?}"))),
        }
    }
}

/// Up to `n` distinct pool rows never seen before, uniformly at random.
fn pool_draw(len: usize, seen: &[Candidate], n: usize, rng: &mut ChaCha8Rng) -> Vec<Candidate> {
    let mut used = vec![false; len];
    let mut n_used = 0;
    for i in seen.iter().filter_map(|c| c.pool_index) {
        if i < len && !used[i] {
            used[i] = true;
            n_used += 1;
        }
    }
    let free = len - n_used;
    let want = n.min(free);
    let mut out = Vec::with_capacity(want);
    if want * 4 < free {
        // Sparse draw: rejection against the used set (memory stays one bit-ish per row).
        while out.len() < want {
            let i = rng.random_range(0..len);
            if !used[i] {
                used[i] = true;
                out.push(i);
            }
        }
    } else {
        let mut rest: Vec<usize> = (0..len).filter(|&i| !used[i]).collect();
        for k in 0..want {
            let j = rng.random_range(k..rest.len());
            rest.swap(k, j);
            out.push(rest[k]);
        }
    }
    out.into_iter().map(|i| Candidate { fractions: vec![], params: vec![], pool_index: Some(i) }).collect()
}

fn design_draw(
    space: &Space,
    seen: &[Candidate],
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Candidate>, StrategyError> {
    let mut keys: HashSet<Vec<u64>> = seen.iter().map(candidate_key).collect();
    let mut out = Vec::with_capacity(n);
    // Discrete spaces (resolution, integers, categoricals) can repeat; a few rounds of fresh
    // draws find new points unless the space is (nearly) exhausted.
    for _round in 0..20 {
        if out.len() >= n {
            break;
        }
        for c in space.sample(n - out.len(), rng)? {
            if keys.insert(candidate_key(&c)) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pool_draws_never_repeat_and_exhaust_cleanly() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut seen = Vec::new();
        for _ in 0..7 {
            let got = pool_draw(20, &seen, 3, &mut rng);
            seen.extend(got);
        }
        assert_eq!(seen.len(), 20, "7 draws of 3 from 20 rows give all 20, then stop");
        let mut idx: Vec<usize> = seen.iter().map(|c| c.pool_index.unwrap()).collect();
        idx.sort();
        idx.dedup();
        assert_eq!(idx.len(), 20);
        assert!(pool_draw(20, &seen, 3, &mut rng).is_empty());
    }

    #[test]
    fn sparse_pool_draw_is_uniform_enough() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let mut counts = [0usize; 10];
        for _ in 0..2000 {
            for c in pool_draw(100, &[], 1, &mut rng) {
                counts[c.pool_index.unwrap() / 10] += 1;
            }
        }
        for c in counts {
            assert!((150..250).contains(&c), "{counts:?}");
        }
    }
}
