//! `space.parameters`: continuous, integer and categorical structure/processing parameters.
use serde_yaml::Value;

use super::raw::{Map, Problem, Reader};
use super::spans::index;
use crate::space::spec::{MixtureSpec, ParameterSpec};

const PARAMETER_KEYS: &[&str] = &["name", "type", "range", "choices", "unit"];
const PARAMETER_TYPES: &[&str] = &["continuous", "integer", "categorical"];

/// Reads `space.parameters`; names must differ from each other and from `mix`'s components.
pub fn read_parameters(r: &mut Reader, path: &str, v: &Value, mix: Option<&MixtureSpec>) -> Vec<ParameterSpec> {
    let Some(items) = r.seq(path, v) else {
        return Vec::new();
    };
    let mut taken: Vec<String> =
        mix.map(|m| m.components.iter().map(|c| c.name.clone()).chain(m.balance.clone()).collect()).unwrap_or_default();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let Some(m) = r.map(&p, item, Some(PARAMETER_KEYS)) else {
            continue;
        };
        if let Some(param) = read_parameter(r, &m) {
            if taken.iter().any(|t| t == param.name()) {
                r.report(
                    Problem::value(&m.path("name"), format!("the name '{}' is used twice", param.name()))
                        .expected("distinct names for parameters and components"),
                );
                continue;
            }
            taken.push(param.name().to_string());
            out.push(param);
        }
    }
    out
}

fn read_parameter(r: &mut Reader, m: &Map) -> Option<ParameterSpec> {
    let before = r.count();
    let name = r.require(m, "name", "a parameter name").and_then(|n| r.name(&m.path("name"), n));
    let kind = match m.get("type") {
        Some(t) => r.word(&m.path("type"), t, PARAMETER_TYPES, "parameter type"),
        None if m.has("choices") => Some("categorical"),
        None if m.has("range") => Some("continuous"),
        None => {
            r.require(m, "type", "continuous, integer or categorical");
            None
        }
    };
    let unit = m.get("unit").and_then(|u| r.string(&m.path("unit"), u));
    let kind = kind?;
    let misplaced = |r: &mut Reader, key: &str| {
        if m.has(key) {
            r.report(Problem::key(&m.path(key), format!("'{key}' does not apply to a {kind} parameter")));
        }
    };
    let spec = if kind == "categorical" {
        misplaced(r, "range");
        misplaced(r, "unit");
        let choices = r
            .require(m, "choices", "a list of choices, e.g. [martensite, austenite]")
            .and_then(|c| r.names(&m.path("choices"), c));
        if let Some(cs) = &choices {
            if cs.is_empty() {
                r.report(Problem::value(&m.path("choices"), "no choices").expected("at least one choice"));
            }
            for (j, c) in cs.iter().enumerate() {
                if cs[..j].contains(c) {
                    r.report(Problem::value(&index(&m.path("choices"), j), format!("choice '{c}' is listed twice")));
                }
            }
        }
        ParameterSpec::Categorical { name: name?, choices: choices? }
    } else {
        misplaced(r, "choices");
        let range = r.require(m, "range", "[min, max]").and_then(|v| r.range(&m.path("range"), v));
        let (lo, hi) = range?;
        if kind == "integer" {
            if lo.fract() != 0.0 || hi.fract() != 0.0 {
                r.report(
                    Problem::value(&m.path("range"), format!("[{lo}, {hi}] are not whole numbers"))
                        .expected("integer bounds for an integer parameter"),
                );
                return None;
            }
            ParameterSpec::Integer { name: name?, min: lo as i64, max: hi as i64, unit }
        } else {
            ParameterSpec::Continuous { name: name?, min: lo, max: hi, unit }
        }
    };
    (r.count() == before).then_some(spec)
}
