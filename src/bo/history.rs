//! What the strategy remembers between asks — every result told (candidate, values,
//! feasibility) and the last fitted hyperparameters per model — and its JSON checkpoint.
//! The observations are the GP training data, so they are checkpointed (a resumed campaign
//! tells the strategy only results newer than the checkpoint); hyperparameters are only warm
//! starts and could be refitted.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::gp::Hyper;
use crate::space::Candidate;
use crate::strategy::{candidate_from, candidate_json, num, unnum, StrategyError};

fn bad(field: &str) -> StrategyError {
    crate::strategy::bad("bayesian", field)
}

/// One told result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Obs {
    pub candidate: Candidate,
    /// Values per campaign property; `None` for a failed evaluation.
    pub values: Option<Vec<f64>>,
    pub feasible: bool,
}

/// The checkpoint JSON.
pub(crate) fn to_json(obs: &[Obs], hypers: &BTreeMap<String, Hyper>) -> Value {
    let o: Vec<Value> = obs
        .iter()
        .map(|o| {
            json!({
                "candidate": candidate_json(&o.candidate),
                "values": o.values.as_ref().map(|v| v.iter().map(|x| num(*x)).collect::<Vec<_>>()),
                "feasible": o.feasible,
            })
        })
        .collect();
    let h: serde_json::Map<String, Value> =
        hypers.iter().map(|(k, v)| (k.clone(), Value::Array(v.pack().into_iter().map(num).collect()))).collect();
    json!({"strategy": "bayesian", "observations": o, "hypers": h})
}

/// Inverse of [`to_json`].
pub(crate) fn from_json(v: &Value) -> Result<(Vec<Obs>, BTreeMap<String, Hyper>), StrategyError> {
    match v.get("strategy").and_then(Value::as_str) {
        Some("bayesian") => {}
        other => {
            return Err(StrategyError::Checkpoint(format!("expected a bayesian checkpoint, found {other:?}")));
        }
    }
    let mut obs = Vec::new();
    for o in v["observations"].as_array().ok_or_else(|| bad("observations"))? {
        let values = match &o["values"] {
            Value::Null => None,
            Value::Array(a) => Some(a.iter().map(|x| unnum(x).unwrap_or(f64::NAN)).collect()),
            _ => return Err(bad("values")),
        };
        let feasible = o["feasible"].as_bool().ok_or_else(|| bad("feasible"))?;
        obs.push(Obs { candidate: candidate_from(&o["candidate"], "bayesian")?, values, feasible });
    }
    let mut hypers = BTreeMap::new();
    if let Some(h) = v.get("hypers").and_then(Value::as_object) {
        for (k, t) in h {
            let t: Option<Vec<f64>> = t.as_array().and_then(|a| a.iter().map(unnum).collect());
            match t {
                Some(t) if t.len() >= 2 => {
                    hypers.insert(k.clone(), Hyper::unpack(&t));
                }
                _ => return Err(bad("hyperparameters")),
            }
        }
    }
    Ok((obs, hypers))
}
