//! `properties:`, `objectives:` and `constraints:`: what is measured and what is wanted.
//! Objectives and constraints may only name defined properties.
use serde_yaml::Value;

use super::diagnostics::suggest;
use super::raw::{Map, Problem, Reader};
use super::spans::index;
use super::spec::{Constraint, Derived, Goal, Objective, PropertySource, PropertySpec};

const PROPERTY_KEYS: &[&str] = &["unit", "derived", "column"];
const OBJECTIVE_KEYS: &[&str] = &["property", "goal", "value", "tolerance", "min", "max"];
const GOALS: &[&str] = &["maximize", "minimize", "target", "range"];
const CONSTRAINT_KEYS: &[&str] = &["property", "min", "max"];

/// Reads `properties` (a mapping, file order kept).
pub fn read_properties(r: &mut Reader, path: &str, v: &Value) -> Vec<PropertySpec> {
    let Some(m) = r.map(path, v, None) else {
        return Vec::new();
    };
    if m.entries().is_empty() {
        r.report(Problem::value(path, "no properties").expected("at least one property"));
    }
    let mut out = Vec::new();
    for (name, val) in m.entries() {
        let p = m.path(name);
        let mut spec = PropertySpec { name: name.clone(), unit: None, source: PropertySource::Oracle };
        if !val.is_null() {
            let Some(pm) = r.map(&p, val, Some(PROPERTY_KEYS)) else {
                continue;
            };
            spec.unit = pm.get("unit").and_then(|u| r.string(&pm.path("unit"), u));
            match (pm.get("derived"), pm.get("column")) {
                (Some(_), Some(_)) => {
                    r.report(
                        Problem::key(&pm.path("column"), "'derived' and 'column' are mutually exclusive")
                            .expected("either a derived property or a column"),
                    );
                }
                (Some(d), None) => {
                    if r.word(&pm.path("derived"), d, &["density"], "derived property").is_some() {
                        spec.source = PropertySource::Derived(Derived::Density);
                    }
                }
                (None, Some(c)) => {
                    if let Some(col) = r.string(&pm.path("column"), c) {
                        spec.source = PropertySource::Column(col);
                    }
                }
                (None, None) => {}
            }
        }
        out.push(spec);
    }
    out
}

/// Checks that `name` (at `path`) is a defined property.
pub fn check_property(r: &mut Reader, path: &str, name: &str, props: &[PropertySpec]) -> bool {
    if props.iter().any(|p| p.name == name) {
        return true;
    }
    let names: Vec<&str> = props.iter().map(|p| p.name.as_str()).collect();
    let expected = if names.is_empty() {
        "a property defined under 'properties'".to_string()
    } else {
        format!("a property defined under 'properties': {}", names.join(", "))
    };
    r.report(
        Problem::value(path, format!("property '{name}' is not defined"))
            .expected(expected)
            .suggestion(suggest(name, names.iter().copied())),
    );
    false
}

fn property_of(r: &mut Reader, m: &Map, props: &[PropertySpec]) -> Option<String> {
    let name = r.require(m, "property", "a property name").and_then(|p| r.name(&m.path("property"), p))?;
    check_property(r, &m.path("property"), &name, props).then_some(name)
}

/// Reads `objectives` (a non-empty list).
pub fn read_objectives(r: &mut Reader, path: &str, v: &Value, props: &[PropertySpec]) -> Vec<Objective> {
    let Some(items) = r.seq(path, v) else {
        return Vec::new();
    };
    if items.is_empty() {
        r.report(Problem::value(path, "no objectives").expected("at least one objective"));
    }
    let mut out: Vec<Objective> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let Some(m) = r.map(&p, item, Some(OBJECTIVE_KEYS)) else {
            continue;
        };
        let property = property_of(r, &m, props);
        let goal = r
            .require(&m, "goal", "maximize, minimize, target or range")
            .and_then(|g| r.word(&m.path("goal"), g, GOALS, "goal"))
            .and_then(|g| read_goal(r, &m, g));
        let (Some(property), Some(goal)) = (property, goal) else {
            continue;
        };
        if out.iter().any(|o| o.property == property) {
            r.report(
                Problem::value(&m.path("property"), format!("property '{property}' has two objectives"))
                    .expected("one objective per property"),
            );
            continue;
        }
        out.push(Objective { property, goal });
    }
    out
}

fn read_goal(r: &mut Reader, m: &Map, goal: &str) -> Option<Goal> {
    let allowed: &[&str] = match goal {
        "target" => &["value", "tolerance"],
        "range" => &["min", "max"],
        _ => &[],
    };
    for key in ["value", "tolerance", "min", "max"] {
        if m.has(key) && !allowed.contains(&key) {
            r.report(Problem::key(&m.path(key), format!("'{key}' does not apply to goal '{goal}'")).expected(
                match goal {
                    "target" => "value and tolerance only",
                    "range" => "min and max only",
                    _ => "no value, tolerance, min or max for maximize/minimize",
                },
            ));
        }
    }
    let num = |r: &mut Reader, key: &str, what: &str| r.require(m, key, what).and_then(|v| r.number(&m.path(key), v));
    match goal {
        "maximize" => Some(Goal::Maximize),
        "minimize" => Some(Goal::Minimize),
        "target" => {
            let value = num(r, "value", "the target value");
            let tolerance = match m.get("tolerance") {
                Some(t) => Some(r.positive(&m.path("tolerance"), t)?),
                None => None,
            };
            Some(Goal::Target { value: value?, tolerance })
        }
        _ => {
            let (min, max) = (num(r, "min", "the range's lower end"), num(r, "max", "the range's upper end"));
            let (min, max) = (min?, max?);
            if min >= max {
                r.report(
                    Problem::value(&m.path("min"), format!("min {min} is not below max {max}")).expected("min < max"),
                );
                return None;
            }
            Some(Goal::Range { min, max })
        }
    }
}

/// Reads `constraints` (a list; may be empty).
pub fn read_constraints(r: &mut Reader, path: &str, v: &Value, props: &[PropertySpec]) -> Vec<Constraint> {
    let Some(items) = r.seq(path, v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let Some(m) = r.map(&p, item, Some(CONSTRAINT_KEYS)) else {
            continue;
        };
        let property = property_of(r, &m, props);
        let min = m.get("min").and_then(|v| r.number(&m.path("min"), v));
        let max = m.get("max").and_then(|v| r.number(&m.path("max"), v));
        if !m.has("min") && !m.has("max") {
            r.report(Problem::value(&p, "the constraint has no bound").expected("min, max or both"));
            continue;
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo > hi {
                r.report(
                    Problem::value(&m.path("min"), format!("min {lo} is greater than max {hi}")).expected("min <= max"),
                );
                continue;
            }
        }
        if m.has("min") != min.is_some() || m.has("max") != max.is_some() {
            continue;
        }
        if let Some(property) = property {
            out.push(Constraint { property, min, max });
        }
    }
    out
}
