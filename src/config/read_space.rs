//! `space:` → [`SpaceSpec`]: composition mixtures, structure prototypes, parameters, pools,
//! aliases; component names checked against chemistry, bounds against [0, 1].
use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use super::diagnostics::suggest;
use super::external;
use super::raw::{Map, Problem, Reader};
use super::spans::index;
use crate::space::spec::{
    AliasSpec, ComponentSpec, DesignSpec, MixtureSpec, PoolSpec, PrototypeSpec, SpaceSpec, StructureSpec,
};

const SPACE_KEYS: &[&str] = &["composition", "structure", "parameters", "pool", "aliases"];
const MIXTURE_KEYS: &[&str] =
    &["components", "balance", "max_components", "min_components", "resolution", "forbidden", "charge_balance"];
const STRUCTURE_KEYS: &[&str] = &["prototype", "sites", "charge_balance"];
const POOL_KEYS: &[&str] = &["path", "inputs"];
const COMPONENT_EXPECTED: &str = "an element symbol, alias or formula";

/// Reads `space` (at key path `path`); `base` resolves relative file paths.
pub fn read(r: &mut Reader, path: &str, v: &Value, base: &Path) -> Option<SpaceSpec> {
    let m = r.map(path, v, Some(SPACE_KEYS))?;
    let before = r.count();
    if let Some(pool) = m.get("pool") {
        for other in ["composition", "structure", "parameters", "aliases"] {
            if m.has(other) {
                r.report(
                    Problem::key(&m.path(other), format!("'{other}' cannot be used with 'pool'"))
                        .expected("either a pool or a designed space (composition/structure + parameters)"),
                );
            }
        }
        let pool = read_pool(r, &m.path("pool"), pool, base);
        return pool.filter(|_| r.count() == before).map(SpaceSpec::Pool);
    }
    if m.has("composition") && m.has("structure") {
        r.report(
            Problem::key(&m.path("structure"), "'composition' and 'structure' are mutually exclusive")
                .expected("one of composition or structure (a structure derives its composition from its sites)"),
        );
    }
    if !["composition", "structure", "parameters"].iter().any(|k| m.has(k)) {
        r.report(
            Problem::value(&m.path, "the space is empty").expected("composition, structure or parameters, or a pool"),
        );
        return None;
    }
    let aliases = m.get("aliases").map(|a| read_aliases(r, &m.path("aliases"), a)).unwrap_or_default();
    let composition = m.get("composition").and_then(|c| {
        let cm = r.map(&m.path("composition"), c, Some(MIXTURE_KEYS))?;
        read_mixture(r, &cm, &aliases)
    });
    let structure = m.get("structure").and_then(|s| read_structure(r, &m.path("structure"), s, &aliases));
    let parameters = m
        .get("parameters")
        .map(|p| super::read_params::read_parameters(r, &m.path("parameters"), p, composition.as_ref()))
        .unwrap_or_default();
    let design = DesignSpec { composition, structure, parameters, aliases };
    (r.count() == before).then_some(SpaceSpec::Design(design))
}

fn read_aliases(r: &mut Reader, path: &str, v: &Value) -> BTreeMap<String, AliasSpec> {
    let mut out = BTreeMap::new();
    let Some(m) = r.map(path, v, None) else {
        return out;
    };
    for (name, val) in m.entries() {
        let p = m.path(name);
        if external::is_element(name) {
            r.report(
                Problem::key(&p, format!("alias '{name}' hides the element {name}"))
                    .expected("an alias name that is not an element symbol"),
            );
            continue;
        }
        let alias = match val {
            Value::Mapping(_) => r.map(&p, val, Some(&["formula", "charge"])).and_then(|am| {
                let formula =
                    r.require(&am, "formula", "a formula, e.g. CH5N2").and_then(|f| r.string(&am.path("formula"), f));
                let charge = am.get("charge").and_then(|c| r.integer(&am.path("charge"), c));
                let charge = charge.and_then(|c| i32::try_from(c).ok());
                Some(AliasSpec { formula: formula?, charge })
            }),
            _ => r.string(&p, val).map(|formula| AliasSpec { formula, charge: None }),
        };
        let Some(alias) = alias else { continue };
        let fpath = if matches!(val, Value::Mapping(_)) { m.path(name) + ".formula" } else { p.clone() };
        if let Err(e) = external::parse_formula(&alias.formula) {
            r.report(
                Problem::value(&fpath, format!("'{}' is not a valid formula: {e}", alias.formula))
                    .expected("a formula such as CH5N2"),
            );
            continue;
        }
        out.insert(name.clone(), alias);
    }
    out
}

/// Reads a mixture from an already key-checked mapping.
fn read_mixture(r: &mut Reader, m: &Map, aliases: &BTreeMap<String, AliasSpec>) -> Option<MixtureSpec> {
    let before = r.count();
    let mut mix = MixtureSpec::default();
    if let Some(c) = r.require(m, "components", "a mapping of component: [min, max]") {
        mix.components = read_components(r, &m.path("components"), c, aliases);
    }
    if let Some(b) = m.get("balance") {
        if let Some(name) = r.name(&m.path("balance"), b) {
            check_component(r, &m.path("balance"), &name, aliases, At::Value);
            mix.balance = Some(name);
        }
    }
    let count = |r: &mut Reader, key: &str| m.get(key).and_then(|v| r.count_at_least(&m.path(key), v, 1));
    mix.max_components = count(r, "max_components");
    mix.min_components = count(r, "min_components");
    if let (Some(lo), Some(hi)) = (mix.min_components, mix.max_components) {
        if lo > hi {
            r.report(
                Problem::value(
                    &m.path("min_components"),
                    format!("min_components {lo} is greater than max_components {hi}"),
                )
                .expected("min_components <= max_components"),
            );
        }
    }
    if let Some(v) = m.get("resolution") {
        if let Some(x) = r.positive(&m.path("resolution"), v) {
            if x > 1.0 {
                r.report(
                    Problem::value(&m.path("resolution"), format!("{x} is larger than 1"))
                        .expected("a fraction step in (0, 1], e.g. 0.01"),
                );
            }
            mix.resolution = Some(x);
        }
    }
    if let Some(v) = m.get("charge_balance") {
        mix.charge_balance = r.boolean(&m.path("charge_balance"), v).unwrap_or(false);
    }
    if let Some(v) = m.get("forbidden") {
        // Every name written under `components`, valid or not (no cascade of errors).
        let written: Vec<&str> = match m.get("components") {
            Some(Value::Mapping(c)) => c.keys().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let known: Vec<&str> = written.into_iter().chain(mix.balance.as_deref()).collect();
        mix.forbidden = read_forbidden(r, &m.path("forbidden"), v, &known);
    }
    if mix.components.is_empty() && mix.balance.is_none() && r.count() == before {
        r.report(Problem::value(&m.path, "the mixture has no components").expected("at least one component"));
    }
    (r.count() == before).then_some(mix)
}

fn read_components(r: &mut Reader, path: &str, v: &Value, aliases: &BTreeMap<String, AliasSpec>) -> Vec<ComponentSpec> {
    let Some(m) = r.map(path, v, None) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, val) in m.entries() {
        let p = m.path(name);
        let ok = check_component(r, &p, name, aliases, At::Key);
        let Some((min, max)) = r.range(&p, val) else {
            continue;
        };
        if min < 0.0 || max > 1.0 {
            r.report(
                Problem::value(&p, format!("bounds [{min}, {max}] are outside [0, 1]"))
                    .expected("fractions 0 <= min <= max <= 1"),
            );
            continue;
        }
        if ok {
            out.push(ComponentSpec { name: name.clone(), min, max });
        }
    }
    out
}

/// Where a component-name problem points: the key (components) or the value (balance).
#[derive(Clone, Copy)]
enum At {
    Key,
    Value,
}

/// Checks that `name` is an alias, an element or a parseable formula.
fn check_component(r: &mut Reader, path: &str, name: &str, aliases: &BTreeMap<String, AliasSpec>, at: At) -> bool {
    if aliases.contains_key(name) || external::is_element(name) {
        return true;
    }
    let looks_like_symbol = name.chars().count() <= 3 && name.chars().all(|c| c.is_ascii_alphabetic());
    let problem = match external::parse_formula(name) {
        Ok(()) => return true,
        Err(_) if looks_like_symbol => {
            let cands = external::element_symbols().iter().copied().chain(aliases.keys().map(String::as_str));
            let near = suggest(name, cands);
            (format!("unknown element '{name}'"), near)
        }
        Err(e) => (format!("'{name}' is not a valid formula: {e}"), None),
    };
    let p = match at {
        At::Key => Problem::key(path, problem.0),
        At::Value => Problem::value(path, problem.0),
    };
    r.report(p.expected(COMPONENT_EXPECTED).suggestion(problem.1));
    false
}

fn read_forbidden(r: &mut Reader, path: &str, v: &Value, known: &[&str]) -> Vec<Vec<String>> {
    let Some(items) = r.seq(path, v) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let p = index(path, i);
        let Some(set) = r.names(&p, item) else {
            continue;
        };
        if set.len() < 2 {
            r.report(
                Problem::value(&p, "a forbidden combination needs at least two components")
                    .expected("a list such as [Pb, Sn]"),
            );
            continue;
        }
        let mut ok = true;
        for (j, name) in set.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                ok = false;
                r.report(
                    Problem::value(&index(&p, j), format!("'{name}' is not a component of this mixture"))
                        .expected("a component listed in 'components' or the balance")
                        .suggestion(suggest(name, known.iter().copied())),
                );
            }
        }
        if ok {
            out.push(set);
        }
    }
    out
}

fn read_structure(
    r: &mut Reader,
    path: &str,
    v: &Value,
    aliases: &BTreeMap<String, AliasSpec>,
) -> Option<StructureSpec> {
    let m = r.map(path, v, Some(STRUCTURE_KEYS))?;
    let before = r.count();
    let prototype = r
        .require(&m, "prototype", "a prototype name (perovskite, spinel, rocksalt) or {sites: {A: 1, ...}}")
        .and_then(|p| read_prototype(r, &m.path("prototype"), p));
    let mut sites = Vec::new();
    if let Some(s) = r.require(&m, "sites", "a mapping of site: {component: [min, max], ...}") {
        if let Some(sm) = r.map(&m.path("sites"), s, None) {
            for (site, val) in sm.entries() {
                let p = sm.path(site);
                // A site is either {components..., options} or directly {component: [min, max]}.
                let is_full = matches!(val, Value::Mapping(x) if x.contains_key("components"));
                let keys = if is_full { Some(MIXTURE_KEYS) } else { None };
                let Some(site_map) = r.map(&p, val, keys) else {
                    continue;
                };
                let mix = if is_full {
                    read_mixture(r, &site_map, aliases)
                } else {
                    let components = read_components(r, &p, val, aliases);
                    if components.is_empty() && site_map.entries().is_empty() {
                        r.report(Problem::value(&p, "the site has no components").expected("at least one component"));
                    }
                    Some(MixtureSpec { components, ..MixtureSpec::default() })
                };
                if let Some(mix) = mix {
                    sites.push((site.clone(), mix));
                }
            }
        }
    }
    let charge_balance = m.get("charge_balance").and_then(|c| r.boolean(&m.path("charge_balance"), c));
    let spec = StructureSpec { prototype: prototype?, sites, charge_balance: charge_balance.unwrap_or(false) };
    (r.count() == before).then_some(spec)
}

fn read_prototype(r: &mut Reader, path: &str, v: &Value) -> Option<PrototypeSpec> {
    if let Value::String(name) = v {
        return Some(PrototypeSpec::Named(name.clone()));
    }
    let m = r.map(path, v, Some(&["sites"]))?;
    let sites = r.require(&m, "sites", "site multiplicities, e.g. {A: 1, B: 2, X: 4}")?;
    let sm = r.map(&m.path("sites"), sites, None)?;
    let before = r.count();
    let mut out = Vec::new();
    for (site, val) in sm.entries() {
        if let Some(n) = r.positive(&sm.path(site), val) {
            out.push((site.clone(), n));
        }
    }
    if out.is_empty() && r.count() == before {
        r.report(Problem::value(&sm.path, "no sites").expected("at least one site"));
    }
    (r.count() == before).then_some(PrototypeSpec::Sites(out))
}

fn read_pool(r: &mut Reader, path: &str, v: &Value, base: &Path) -> Option<PoolSpec> {
    let m = r.map(path, v, Some(POOL_KEYS))?;
    let file = r.require(&m, "path", "the pool file (CSV or Parquet)").and_then(|p| r.string(&m.path("path"), p));
    let inputs = m.get("inputs").and_then(|i| r.names(&m.path("inputs"), i));
    if inputs.as_ref().is_some_and(Vec::is_empty) {
        r.report(
            Problem::value(&m.path("inputs"), "no input columns")
                .expected("at least one column, or no 'inputs' key for all non-property columns"),
        );
    }
    let file = file?;
    let resolved = super::resolve(base, &file);
    let ext = resolved.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("csv" | "parquet")) {
        r.report(
            Problem::value(&m.path("path"), format!("'{file}' is neither .csv nor .parquet"))
                .expected("a .csv or .parquet file"),
        );
    } else if !resolved.is_file() {
        r.report(
            Problem::value(&m.path("path"), format!("pool file '{}' does not exist", resolved.display()))
                .expected("an existing file; relative paths are relative to the campaign file's folder"),
        );
    }
    Some(PoolSpec { path: resolved, inputs })
}
