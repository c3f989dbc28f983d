//! The generational bookkeeping that maps a generational algorithm onto ask/tell with any
//! batch size, and the JSON form of told results for checkpoints.
//!
//! Told results fill the population first (the first `size` results, normally the initial
//! design); after that they collect as the current generation's offspring, and once `size`
//! offspring are told the survival step makes the next population from parents and offspring.
//! A generation may thus span several asks (batch < size) or a batch several generations'
//! worth (batch > size: every told result of the batch joins the same generation). Asks
//! breed from the population as it stands and never change this state, so tell is a
//! function of the state and the results alone: results told after a restore (a batch that
//! was in flight at a crash) land exactly where they would have.
use serde_json::{json, Value};

use super::fitness::{Member, Scorer};
pub(crate) use crate::strategy::{bad, candidate_from, candidate_json, num, nums, unnum, unnums};
use crate::strategy::{Evaluated, StrategyError};

/// Population, offspring told so far, and the generation counter.
#[derive(Debug, Clone, Default)]
pub(crate) struct Generations {
    pub population: Vec<Member>,
    pub offspring: Vec<Member>,
    /// Completed survival steps.
    pub generation: u64,
}

impl Generations {
    /// Adds told results; runs `survive(parents, offspring)` when `size` offspring are in.
    pub(crate) fn absorb(
        &mut self,
        members: Vec<Member>,
        size: usize,
        survive: impl FnOnce(Vec<Member>, Vec<Member>) -> Vec<Member>,
    ) {
        for m in members {
            if self.generation == 0 && self.population.len() < size {
                self.population.push(m);
            } else {
                self.offspring.push(m);
            }
        }
        if self.offspring.len() >= size {
            let parents = std::mem::take(&mut self.population);
            let kids = std::mem::take(&mut self.offspring);
            self.population = survive(parents, kids);
            self.generation += 1;
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let ms = |v: &[Member]| v.iter().map(|m| evaluated_json(&m.ev)).collect::<Vec<_>>();
        json!({"population": ms(&self.population), "offspring": ms(&self.offspring), "generation": self.generation})
    }

    pub(crate) fn from_json(v: &Value, scorer: &Scorer, what: &str) -> Result<Generations, StrategyError> {
        let ms = |key: &str| -> Result<Vec<Member>, StrategyError> {
            v.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| bad(what, key))?
                .iter()
                .map(|e| evaluated_from(e, what).map(|ev| scorer.member(&ev)))
                .collect()
        };
        let generation = v.get("generation").and_then(Value::as_u64).ok_or_else(|| bad(what, "generation"))?;
        Ok(Generations { population: ms("population")?, offspring: ms("offspring")?, generation })
    }

    /// The checkpoint of a generational strategy (`tag`: `genetic`, `nsga2`).
    pub(crate) fn checkpoint(&self, tag: &str) -> Value {
        json!({"strategy": tag, "generations": self.to_json()})
    }

    /// Read back what [`Generations::checkpoint`] wrote, checking the strategy's tag.
    pub(crate) fn restore(state: &Value, scorer: &Scorer, tag: &str) -> Result<Generations, StrategyError> {
        expect_tag(state, tag)?;
        let g = state.get("generations").ok_or_else(|| bad(tag, "generations"))?;
        Generations::from_json(g, scorer, tag)
    }
}

pub(crate) fn evaluated_json(e: &Evaluated) -> Value {
    json!({
        "candidate": candidate_json(&e.candidate),
        "values": e.values.as_deref().map(nums),
        "stds": e.stds.as_deref().map(nums),
        "feasible": e.feasible,
    })
}

pub(crate) fn evaluated_from(v: &Value, what: &str) -> Result<Evaluated, StrategyError> {
    let opt = |key: &str| -> Result<Option<Vec<f64>>, StrategyError> {
        match v.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => unnums(Some(x)).map(Some).ok_or_else(|| bad(what, key)),
        }
    };
    Ok(Evaluated {
        candidate: candidate_from(v.get("candidate").ok_or_else(|| bad(what, "candidate"))?, what)?,
        values: opt("values")?,
        stds: opt("stds")?,
        feasible: v.get("feasible").and_then(Value::as_bool).ok_or_else(|| bad(what, "feasible"))?,
    })
}

/// Checks a checkpoint's `strategy` tag.
pub(crate) fn expect_tag(state: &Value, tag: &str) -> Result<(), StrategyError> {
    match state.get("strategy").and_then(Value::as_str) {
        Some(t) if t == tag => Ok(()),
        other => Err(StrategyError::Checkpoint(format!("expected a {tag} checkpoint, found {other:?}"))),
    }
}
