//! `oracle:`, `budget:` and `output:`: how candidates are evaluated, when to stop, where
//! results go.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::diagnostics::suggest;
use super::raw::{Problem, Reader};
use super::read_goals::check_property;
use super::spec::{Budget, CommandSpec, Launcher, OracleSpec, OutputSpec, PropertySource, PropertySpec, SlurmSpec};

const ORACLE_KEYS: &[&str] = &["kind", "path", "command", "functions"];
const ORACLES: &[&str] = &["surrogate", "table", "command", "function"];
const COMMAND_KEYS: &[&str] = &["argv", "timeout", "retries", "parallel", "launcher", "slurm"];
const SLURM_KEYS: &[&str] = &["partition", "time", "cpus_per_task", "mem", "extra_args"];
const BUDGET_KEYS: &[&str] = &["evaluations", "iterations", "wall_time", "stagnation"];
/// The keys that bound a run on their own (`stagnation` may never trigger).
const LIMIT_KEYS: &[&str] = &["evaluations", "iterations", "wall_time"];

/// Reads `oracle`; `oracle: surrogate` is short for `oracle: {kind: surrogate}`.
pub fn read_oracle(r: &mut Reader, path: &str, v: &Value, base: &Path, props: &[PropertySpec]) -> Option<OracleSpec> {
    if let Value::String(_) = v {
        return match r.word(path, v, ORACLES, "oracle kind")? {
            "surrogate" => Some(OracleSpec::Surrogate),
            "table" => Some(OracleSpec::Table { path: None }),
            other => {
                r.report(
                    Problem::value(path, format!("oracle '{other}' needs settings"))
                        .expected(format!("{{kind: {other}, ...}} with its settings")),
                );
                None
            }
        };
    }
    let m = r.map(path, v, Some(ORACLE_KEYS))?;
    let kind = r
        .require(&m, "kind", "surrogate, table, command or function")
        .and_then(|k| r.word(&m.path("kind"), k, ORACLES, "oracle kind"))?;
    for (key, owner) in [("path", "table"), ("command", "command"), ("functions", "function")] {
        if m.has(key) && kind != owner {
            r.report(
                Problem::key(&m.path(key), format!("'{key}' does not apply to oracle '{kind}'"))
                    .expected(format!("'{key}' only with kind: {owner}")),
            );
        }
    }
    match kind {
        "surrogate" => Some(OracleSpec::Surrogate),
        "table" => {
            let path = match m.get("path") {
                Some(p) => Some(super::resolve(base, &r.string(&m.path("path"), p)?)),
                None => None,
            };
            if let Some(p) = path.as_ref().filter(|p| !p.is_file()) {
                r.report(Problem::value(&m.path("path"), format!("table '{}' does not exist", p.display())).expected(
                    "an existing CSV or Parquet file; relative paths are relative to the campaign file's folder",
                ));
                return None;
            }
            Some(OracleSpec::Table { path })
        }
        "command" => {
            let c = r.require(&m, "command", "{argv: [program, args...], timeout, parallel, launcher}")?;
            read_command(r, &m.path("command"), c).map(OracleSpec::Command)
        }
        _ => {
            let f = r.require(&m, "functions", "a mapping of property: function name")?;
            read_functions(r, &m.path("functions"), f, props).map(|functions| OracleSpec::Function { functions })
        }
    }
}

fn read_functions(r: &mut Reader, path: &str, v: &Value, props: &[PropertySpec]) -> Option<BTreeMap<String, String>> {
    let m = r.map(path, v, None)?;
    let before = r.count();
    let names = crate::oracle::functions::NAMES;
    let mut out = BTreeMap::new();
    for (prop, f) in m.entries() {
        let p = m.path(prop);
        if check_property(r, &p, prop, props) {
            let source = props.iter().find(|x| &x.name == prop).map(|x| &x.source);
            if source != Some(&PropertySource::Oracle) {
                r.report(
                    Problem::key(&p, format!("property '{prop}' is derived or read from a column, not measured"))
                        .expected("a property without 'derived' or 'column'"),
                );
            }
        }
        let Some(name) = r.name(&p, f) else { continue };
        if !names.contains(&name.as_str()) {
            r.report(
                Problem::value(&p, format!("unknown function '{name}'"))
                    .expected(format!("one of: {}", names.join(", ")))
                    .suggestion(suggest(&name, names.iter().copied())),
            );
            continue;
        }
        out.insert(prop.clone(), name);
    }
    if m.entries().is_empty() {
        r.report(Problem::value(path, "no functions").expected("at least one property: function"));
    }
    (r.count() == before).then_some(out)
}

fn read_command(r: &mut Reader, path: &str, v: &Value) -> Option<CommandSpec> {
    let m = r.map(path, v, Some(COMMAND_KEYS))?;
    let before = r.count();
    let argv = r.require(&m, "argv", "a list: [program, arg, ...]").and_then(|a| r.names(&m.path("argv"), a));
    if argv.as_ref().is_some_and(Vec::is_empty) {
        r.report(Problem::value(&m.path("argv"), "empty command").expected("[program, arg, ...]"));
    }
    let timeout = match m.get("timeout") {
        Some(t) => r.duration(&m.path("timeout"), t),
        None => Some(std::time::Duration::from_secs(3600)),
    };
    let retries = m.get("retries").and_then(|x| r.unsigned(&m.path("retries"), x));
    let parallel = match m.get("parallel") {
        Some(x) => r.count_at_least(&m.path("parallel"), x, 1),
        None => Some(1),
    };
    let launcher = match m.get("launcher") {
        Some(l) => r.word(&m.path("launcher"), l, &["local", "slurm"], "launcher"),
        None => Some("local"),
    };
    let launcher = match launcher {
        Some("slurm") => m.get("slurm").map_or(Some(SlurmSpec::default()), |s| read_slurm(r, &m.path("slurm"), s)),
        _ => {
            if m.has("slurm") && launcher.is_some() {
                r.report(Problem::key(&m.path("slurm"), "'slurm' settings need launcher: slurm"));
            }
            None
        }
    };
    let spec = CommandSpec {
        argv: argv?,
        timeout: timeout?,
        retries: u32::try_from(retries.unwrap_or(0)).unwrap_or(u32::MAX),
        parallel: parallel?,
        launcher: launcher.map_or(Launcher::Local, Launcher::Slurm),
    };
    (r.count() == before).then_some(spec)
}

fn read_slurm(r: &mut Reader, path: &str, v: &Value) -> Option<SlurmSpec> {
    let m = r.map(path, v, Some(SLURM_KEYS))?;
    let text = |r: &mut Reader, key: &str| m.get(key).and_then(|x| r.name(&m.path(key), x));
    Some(SlurmSpec {
        partition: text(r, "partition"),
        time: m.get("time").and_then(|t| r.duration(&m.path("time"), t)),
        cpus_per_task: m
            .get("cpus_per_task")
            .and_then(|c| r.count_at_least(&m.path("cpus_per_task"), c, 1))
            .map(|c| u32::try_from(c).unwrap_or(u32::MAX)),
        mem: text(r, "mem"),
        extra_args: m.get("extra_args").and_then(|a| r.names(&m.path("extra_args"), a)).unwrap_or_default(),
    })
}

/// Reads `budget`: at least one limit, none zero.
pub fn read_budget(r: &mut Reader, path: &str, v: &Value) -> Option<Budget> {
    let m = r.map(path, v, Some(BUDGET_KEYS))?;
    let before = r.count();
    let count = |r: &mut Reader, key: &str| {
        let n = m.get(key).and_then(|x| r.unsigned(&m.path(key), x))?;
        if n == 0 {
            r.report(
                Problem::value(&m.path(key), format!("a budget of zero {key}"))
                    .expected("a positive integer; leave the key out for no limit"),
            );
        }
        usize::try_from(n).ok()
    };
    let budget = Budget {
        evaluations: count(r, "evaluations"),
        iterations: count(r, "iterations"),
        wall_time: m.get("wall_time").and_then(|t| r.duration(&m.path("wall_time"), t)),
        stagnation: count(r, "stagnation"),
    };
    if !LIMIT_KEYS.iter().any(|k| m.has(k) || m.mistyped(k)) {
        r.report(
            Problem::value(path, "the budget has no limit")
                .expected("at least one of evaluations, iterations, wall_time"),
        );
    }
    (r.count() == before).then_some(budget)
}

/// Reads `output` (absent: `runs/<name>`). The directory is kept as written: relative paths
/// are relative to the working directory, not to the campaign file.
pub fn read_output(r: &mut Reader, path: &str, v: Option<&Value>, name: Option<&str>) -> Option<OutputSpec> {
    let dir = match v {
        Some(v) => {
            let m = r.map(path, v, Some(&["dir"]))?;
            m.get("dir").and_then(|d| r.string(&m.path("dir"), d)).map(PathBuf::from)
        }
        None => None,
    };
    let dir = dir.or_else(|| name.map(|n| Path::new("runs").join(n)))?;
    Some(OutputSpec { dir })
}
