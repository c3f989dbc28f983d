//! Stage two: the whole document → [`CampaignSpec`], section by section, then the checks
//! that span sections (an oracle that needs a surrogate, a table that needs a pool, a
//! property with no source, an infeasible space). Every problem is collected.
use std::path::Path;

use serde_yaml::Value;

use super::diagnostics::{ConfigError, Diagnostic};
use super::external;
use super::raw::{Problem, Reader};
use super::spans::{self, Spans};
use super::spec::{CampaignSpec, OptimizerKind, OracleSpec, PropertySource, PropertySpec, SurrogateSpec};
use super::{read_goals, read_model, read_run, read_space};
use crate::space::spec::SpaceSpec;

const TOP_KEYS: &[&str] = &[
    "name",
    "seed",
    "space",
    "properties",
    "objectives",
    "constraints",
    "surrogate",
    "optimizer",
    "oracle",
    "budget",
    "output",
];

/// Parses `text` (named `file` in diagnostics) into a spec and the YAML value it came from.
pub fn campaign(text: &str, file: &str, base: &Path) -> Result<(CampaignSpec, Value), ConfigError> {
    let spans = Spans::parse(text);
    let fail = |e: serde_yaml::Error| ConfigError { diagnostics: vec![syntax(file, &e, &spans)] };
    let mut value: Value = serde_yaml::from_str(text).map_err(fail)?;
    // YAML merge keys (`<<: *defaults`) are expanded before reading.
    value.apply_merge().map_err(fail)?;
    let mut r = Reader::new(file, &spans);
    let spec = read(&mut r, &value, base);
    let diagnostics = r.finish();
    match spec {
        Some(spec) if diagnostics.is_empty() => Ok((spec, value)),
        _ => Err(ConfigError { diagnostics }),
    }
}

/// A syntax error from serde's parser, placed where it says.
fn syntax(file: &str, e: &serde_yaml::Error, spans: &Spans) -> Diagnostic {
    let mut message = strip_location(&e.to_string());
    let (mut line, mut column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
    let mut key_path = String::new();
    if message.starts_with("duplicate entry") {
        if let Some((path, pos)) = spans.first_duplicate() {
            (line, column, key_path) = (pos.line, pos.column, path.to_string());
            message = "this key is already defined in the same mapping".to_string();
        }
    }
    Diagnostic {
        file: file.to_string(),
        line,
        column,
        key_path,
        message: format!("invalid YAML: {message}"),
        expected: None,
        suggestion: None,
    }
}

/// Drops " at line L column C" from a parser message (the position is in the diagnostic).
fn strip_location(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(i) = out.find(" at line ") {
        let rest = &out[i + " at line ".len()..];
        let digits = |s: &str| s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let n = digits(rest);
        let Some(after) = rest[n..].strip_prefix(" column ") else {
            break;
        };
        let m = digits(after);
        let end = i + " at line ".len() + n + " column ".len() + m;
        out.replace_range(i..end, "");
    }
    out
}

fn read(r: &mut Reader, v: &Value, base: &Path) -> Option<CampaignSpec> {
    if v.is_null() {
        r.report(
            Problem::value("", "the file is empty")
                .expected("a campaign: name, space, properties, objectives, oracle, budget"),
        );
        return None;
    }
    let m = r.map("", v, Some(TOP_KEYS))?;
    let name = r.require(&m, "name", "a campaign name").and_then(|n| read_name(r, "name", n));
    let seed = match m.get("seed") {
        Some(s) => r.unsigned("seed", s),
        None => Some(0),
    };
    let space = r.require(&m, "space", "the design space").and_then(|s| read_space::read(r, "space", s, base));
    let properties = r
        .require(&m, "properties", "the properties (name: {unit, derived, column})")
        .map(|p| read_goals::read_properties(r, "properties", p));
    let props: &[PropertySpec] = properties.as_deref().unwrap_or_default();
    let objectives = r
        .require(&m, "objectives", "a list of {property, goal}")
        .map(|o| read_goals::read_objectives(r, "objectives", o, props));
    let constraints = m.get("constraints").map(|c| read_goals::read_constraints(r, "constraints", c, props));
    let surrogate = m.get("surrogate").and_then(|s| read_model::read_surrogate(r, "surrogate", s, base, props));
    let n_objectives = objectives.as_ref().map_or(1, Vec::len).max(1);
    let optimizer = read_model::read_optimizer(r, "optimizer", m.get("optimizer"), n_objectives);
    let oracle = r
        .require(&m, "oracle", "what evaluates candidates: {kind: surrogate|table|command|function}")
        .and_then(|o| read_run::read_oracle(r, "oracle", o, base, props));
    let budget = r
        .require(&m, "budget", "limits: {evaluations, iterations, wall_time}")
        .and_then(|b| read_run::read_budget(r, "budget", b));
    let output = read_run::read_output(r, "output", m.get("output"), name.as_deref());

    if let Some(space) = &space {
        check_sources(r, props, space, oracle.as_ref());
        if let SpaceSpec::Design(_) = space {
            if let Err((path, message)) = external::check_space(space) {
                r.report(Problem::key(path.as_deref().unwrap_or("space"), message));
            }
        }
    }
    if let Some(oracle) = &oracle {
        check_oracle(
            r,
            oracle,
            space.as_ref(),
            surrogate.as_ref(),
            props,
            objectives.as_deref(),
            constraints.as_deref(),
        );
    }
    if let Some(opt) = &optimizer {
        let has_data = surrogate.as_ref().is_some_and(|s| s.data.is_some());
        if opt.kind == OptimizerKind::Bayesian && opt.initial == 0 && !has_data {
            r.report(
                Problem::value(
                    "optimizer.initial",
                    "a Bayesian optimizer with no initial design has no data to start from",
                )
                .expected("initial >= 1, or labelled data in surrogate.data"),
            );
        }
    }
    Some(CampaignSpec {
        name: name?,
        seed: seed?,
        space: space?,
        properties: properties?,
        objectives: objectives?,
        constraints: constraints.unwrap_or_default(),
        surrogate,
        optimizer: optimizer?,
        oracle: oracle?,
        budget: budget?,
        output: output?,
    })
}

fn read_name(r: &mut Reader, path: &str, v: &Value) -> Option<String> {
    let name = r.name(path, v)?;
    let bad = name == "." || name == ".." || name.chars().any(|c| c == '/' || c == '\\' || c.is_control());
    if bad {
        r.report(
            Problem::value(path, format!("'{name}' cannot name a run folder"))
                .expected("a name without '/', '\\' or control characters"),
        );
        return None;
    }
    Some(name)
}

/// Every property must have somewhere to come from.
fn check_sources(r: &mut Reader, props: &[PropertySpec], space: &SpaceSpec, oracle: Option<&OracleSpec>) {
    let pool = matches!(space, SpaceSpec::Pool(_));
    let has_formula = match space {
        SpaceSpec::Pool(_) => true,
        SpaceSpec::Design(d) => d.composition.is_some() || d.structure.is_some(),
    };
    for p in props {
        let path = spans::join("properties", &p.name);
        match &p.source {
            PropertySource::Derived(_) if !has_formula => {
                r.report(
                    Problem::value(&format!("{path}.derived"), "a derived density needs a composition")
                        .expected("a space with a composition, structure or pool"),
                );
            }
            PropertySource::Column(_) if !pool && !matches!(oracle, Some(OracleSpec::Table { .. })) => {
                r.report(
                    Problem::value(&format!("{path}.column"), "a column property needs a table to read it from")
                        .expected("a pool space or a table oracle"),
                );
            }
            _ => {}
        }
    }
}

fn check_oracle(
    r: &mut Reader,
    oracle: &OracleSpec,
    space: Option<&SpaceSpec>,
    surrogate: Option<&SurrogateSpec>,
    props: &[PropertySpec],
    objectives: Option<&[super::spec::Objective]>,
    constraints: Option<&[super::spec::Constraint]>,
) {
    match oracle {
        OracleSpec::Surrogate if surrogate.is_none() => {
            r.report(
                Problem::value("oracle.kind", "the surrogate oracle needs a 'surrogate' section")
                    .expected("a surrogate: {kind, pretrained, data, ...}, or another oracle"),
            );
        }
        OracleSpec::Surrogate if surrogate.is_some_and(|s| s.retrain_every.is_some()) => {
            r.report(
                Problem::value(
                    "surrogate.retrain_every",
                    "with oracle 'surrogate' there are no measurements to re-train on (its values are its own predictions)",
                )
                .expected("no retrain_every, or an oracle that measures (table, command, function)"),
            );
        }
        OracleSpec::Table { .. } if space.is_some_and(|s| !matches!(s, SpaceSpec::Pool(_))) => {
            r.report(
                Problem::value("oracle.kind", "the table oracle looks candidates up, so it needs a pool space")
                    .expected("space: {pool: {path: ...}}, or another oracle"),
            );
        }
        OracleSpec::Function { functions } => {
            let used = objectives
                .unwrap_or_default()
                .iter()
                .map(|o| &o.property)
                .chain(constraints.unwrap_or_default().iter().map(|c| &c.property));
            let mut missing: Vec<&str> = Vec::new();
            for name in used {
                let measured = props.iter().any(|p| &p.name == name && p.source == PropertySource::Oracle);
                if measured && !functions.contains_key(name) && !missing.contains(&name.as_str()) {
                    missing.push(name);
                }
            }
            for name in missing {
                r.report(
                    Problem::value("oracle.functions", format!("property '{name}' has no function"))
                        .expected(format!("'{name}: <function>' among the oracle's functions")),
                );
            }
        }
        _ => {}
    }
}
