//! Stage one: typed, tolerant access to the YAML tree that serde parsed, with positions.
//!
//! serde's `deny_unknown_fields` stops at the first problem; a campaign file must report all
//! of them. So the raw stage reads `serde_yaml::Value`s through a [`Reader`] that checks
//! each mapping's keys against the keys it accepts (with "did you mean"), each leaf against
//! its type, and records every problem with the position of its key path (from
//! [`Spans`]) instead of returning early. Readers return `None` for a bad node and carry on.
use std::time::Duration;

use serde_yaml::Value;

use super::diagnostics::{one_of, suggest, Diagnostic};
use super::duration;
use super::spans::{self, Spans};

/// Which position a problem points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The key of the entry (unknown keys, problems with the entry as a whole).
    Key,
    /// The value (wrong types, out-of-range values).
    Value,
}

/// One problem before it is placed in the file.
#[derive(Debug, Clone)]
pub struct Problem {
    at: At,
    path: String,
    message: String,
    expected: Option<String>,
    suggestion: Option<String>,
}

impl Problem {
    /// A problem with the value at `path`.
    pub fn value(path: &str, message: impl Into<String>) -> Problem {
        Problem::new(At::Value, path, message)
    }

    /// A problem with the entry (key) at `path`.
    pub fn key(path: &str, message: impl Into<String>) -> Problem {
        Problem::new(At::Key, path, message)
    }

    fn new(at: At, path: &str, message: impl Into<String>) -> Problem {
        Problem { at, path: path.to_string(), message: message.into(), expected: None, suggestion: None }
    }

    /// Says what would have been accepted.
    pub fn expected(mut self, expected: impl Into<String>) -> Problem {
        self.expected = Some(expected.into());
        self
    }

    /// Adds the nearest valid alternative, if any.
    pub fn suggestion(mut self, suggestion: Option<String>) -> Problem {
        self.suggestion = suggestion;
        self
    }
}

/// A mapping whose keys were checked, with its path.
#[derive(Debug, Clone)]
pub struct Map<'v> {
    /// Key path of the mapping itself.
    pub path: String,
    entries: Vec<(String, &'v Value)>,
    /// Accepted keys that an unknown key was taken for (not reported again as missing).
    typo_of: Vec<String>,
}

impl<'v> Map<'v> {
    /// The value under `key`; `None` when absent or null (`key:` with nothing after it).
    pub fn get(&self, key: &str) -> Option<&'v Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v).filter(|v| !v.is_null())
    }

    /// Whether `key` has a non-null value.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Key path of `key` in this mapping.
    pub fn path(&self, key: &str) -> String {
        spans::join(&self.path, key)
    }

    /// Whether an unknown key in this mapping was taken for a typo of `key`.
    pub fn mistyped(&self, key: &str) -> bool {
        self.typo_of.iter().any(|t| t == key)
    }

    /// All entries, in file order (null values included).
    pub fn entries(&self) -> &[(String, &'v Value)] {
        &self.entries
    }
}

/// Collects problems while reading values; see the module docs.
pub struct Reader<'a> {
    file: &'a str,
    spans: &'a Spans,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Reader<'a> {
    /// A reader for the document in `file` whose positions are `spans`.
    pub fn new(file: &'a str, spans: &'a Spans) -> Self {
        Reader { file, spans, diagnostics: Vec::new() }
    }

    /// Records a problem.
    pub fn report(&mut self, p: Problem) {
        let pos = match p.at {
            At::Key => self.spans.key(&p.path),
            At::Value => self.spans.value(&p.path),
        };
        self.diagnostics.push(Diagnostic {
            file: self.file.to_string(),
            line: pos.line,
            column: pos.column,
            key_path: p.path,
            message: p.message,
            expected: p.expected,
            suggestion: p.suggestion,
        });
    }

    /// How many problems were recorded so far.
    pub fn count(&self) -> usize {
        self.diagnostics.len()
    }

    /// All problems, sorted by position (stable: same position keeps report order).
    pub fn finish(mut self) -> Vec<Diagnostic> {
        self.diagnostics.sort_by_key(|d| (d.line, d.column));
        self.diagnostics
    }

    /// A mapping with only `keys` allowed (unknown keys are reported with the nearest
    /// allowed key); `keys = None` allows any key.
    pub fn map<'v>(&mut self, path: &str, v: &'v Value, keys: Option<&[&str]>) -> Option<Map<'v>> {
        let Value::Mapping(m) = v else {
            self.report(wrong(path, v, "a mapping (key: value)"));
            return None;
        };
        let mut map = Map { path: path.to_string(), entries: Vec::new(), typo_of: Vec::new() };
        for (k, val) in m {
            let Some(key) = scalar_text(k) else {
                self.report(Problem::key(path, "keys must be plain names").expected("a name"));
                continue;
            };
            if let Some(allowed) = keys {
                if !allowed.contains(&key.as_str()) {
                    let near = suggest(&key, allowed.iter().copied());
                    if let Some(n) = &near {
                        map.typo_of.push(n.clone());
                    }
                    self.report(
                        Problem::key(&spans::join(path, &key), format!("unknown key '{key}'"))
                            .expected(format!("one of: {}", allowed.join(", ")))
                            .suggestion(near),
                    );
                    continue;
                }
            }
            map.entries.push((key, val));
        }
        Some(map)
    }

    /// Reports `key` as missing from `map` unless it is there (or was mistyped, which was
    /// reported already); returns its value.
    pub fn require<'v>(&mut self, map: &Map<'v>, key: &str, expected: &str) -> Option<&'v Value> {
        let v = map.get(key);
        if v.is_none() && !map.mistyped(key) {
            let at = if map.entries.iter().any(|(k, _)| k == key) {
                Problem::key(&map.path(key), format!("'{key}' has no value"))
            } else {
                Problem::value(&map.path, format!("missing required key '{key}'"))
            };
            self.report(at.expected(expected.to_string()));
        }
        v
    }

    /// A sequence's items.
    pub fn seq<'v>(&mut self, path: &str, v: &'v Value) -> Option<&'v [Value]> {
        match v {
            Value::Sequence(s) => Some(s),
            _ => {
                self.report(wrong(path, v, "a list"));
                None
            }
        }
    }

    /// A string (quoted or plain).
    pub fn string(&mut self, path: &str, v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.report(wrong(path, v, "a string"));
                None
            }
        }
    }

    /// A name: a string, or a number or boolean taken as written (`choices: [1, 2]`).
    pub fn name(&mut self, path: &str, v: &Value) -> Option<String> {
        let s = scalar_text(v);
        match &s {
            None => self.report(wrong(path, v, "a name")),
            Some(t) if t.trim().is_empty() => {
                self.report(Problem::value(path, "empty name").expected("a non-empty name"))
            }
            Some(_) => return s,
        }
        None
    }

    /// A finite number.
    pub fn number(&mut self, path: &str, v: &Value) -> Option<f64> {
        match v.as_f64() {
            Some(x) if x.is_finite() => Some(x),
            Some(x) => {
                self.report(Problem::value(path, format!("{x} is not a finite number")).expected("a finite number"));
                None
            }
            None => {
                self.report(wrong(path, v, "a number"));
                None
            }
        }
    }

    /// A number that must be `> 0`.
    pub fn positive(&mut self, path: &str, v: &Value) -> Option<f64> {
        let x = self.number(path, v)?;
        if x > 0.0 {
            return Some(x);
        }
        self.report(Problem::value(path, format!("{x} is not positive")).expected("a number > 0"));
        None
    }

    /// A non-negative integer.
    pub fn unsigned(&mut self, path: &str, v: &Value) -> Option<u64> {
        if let Some(n) = v.as_u64() {
            return Some(n);
        }
        let what = match v {
            Value::Number(n) if n.as_i64().is_some() => format!("{n} is negative"),
            Value::Number(n) => format!("{n} is not a whole number"),
            _ => format!("found {}", describe(v)),
        };
        self.report(Problem::value(path, what).expected("a non-negative integer"));
        None
    }

    /// An integer that must be at least `min`.
    pub fn count_at_least(&mut self, path: &str, v: &Value, min: u64) -> Option<usize> {
        let n = self.unsigned(path, v)?;
        if n < min {
            self.report(Problem::value(path, format!("{n} is too small")).expected(format!("an integer ≥ {min}")));
            return None;
        }
        usize::try_from(n).ok()
    }

    /// A (possibly negative) integer.
    pub fn integer(&mut self, path: &str, v: &Value) -> Option<i64> {
        if let Some(n) = v.as_i64() {
            return Some(n);
        }
        self.report(wrong(path, v, "an integer"));
        None
    }

    /// `true` or `false`.
    pub fn boolean(&mut self, path: &str, v: &Value) -> Option<bool> {
        if let Some(b) = v.as_bool() {
            return Some(b);
        }
        self.report(wrong(path, v, "true or false"));
        None
    }

    /// A positive duration: `30s`, `10m`, `8h`, `1h30m`, `2d`, `500ms`, or a number of seconds.
    pub fn duration(&mut self, path: &str, v: &Value) -> Option<Duration> {
        let parsed = match v {
            Value::Number(_) => match v.as_f64() {
                Some(s) if s.is_finite() && s >= 0.0 => Ok(Duration::from_secs_f64(s)),
                _ => Err(format!("{} is not a number of seconds ≥ 0", describe(v))),
            },
            Value::String(s) => duration::parse(s),
            _ => Err(format!("found {}", describe(v))),
        };
        let expected = "a duration such as 30s, 10m, 8h or 1h30m, or a number of seconds";
        match parsed {
            Ok(d) if d.is_zero() => {
                self.report(Problem::value(path, "the duration is zero").expected(expected));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.report(Problem::value(path, e).expected(expected));
                None
            }
        }
    }

    /// `[min, max]` with `min <= max`, both finite.
    pub fn range(&mut self, path: &str, v: &Value) -> Option<(f64, f64)> {
        let expected = "a [min, max] pair of numbers";
        let items = match v {
            Value::Sequence(s) if s.len() == 2 => s,
            Value::Sequence(s) => {
                let n = s.len();
                let items = if n == 1 { "item" } else { "items" };
                self.report(Problem::value(path, format!("found a list of {n} {items}")).expected(expected));
                return None;
            }
            _ => {
                self.report(wrong(path, v, expected));
                return None;
            }
        };
        let lo = self.number(&spans::index(path, 0), &items[0]);
        let hi = self.number(&spans::index(path, 1), &items[1]);
        let (lo, hi) = (lo?, hi?);
        if lo > hi {
            self.report(Problem::value(path, format!("min {lo} is greater than max {hi}")).expected("min <= max"));
            return None;
        }
        Some((lo, hi))
    }

    /// A list of names.
    pub fn names(&mut self, path: &str, v: &Value) -> Option<Vec<String>> {
        let items = self.seq(path, v)?;
        let before = self.count();
        let out: Vec<String> =
            items.iter().enumerate().filter_map(|(i, item)| self.name(&spans::index(path, i), item)).collect();
        (self.count() == before).then_some(out)
    }

    /// One of a fixed set of words (`kind: bayesian`), with "did you mean".
    pub fn word(&mut self, path: &str, v: &Value, words: &[&'static str], what: &str) -> Option<&'static str> {
        let s = self.string(path, v)?;
        if let Some(w) = words.iter().find(|w| **w == s) {
            return Some(w);
        }
        self.report(
            Problem::value(path, format!("unknown {what} '{s}'"))
                .expected(one_of(words))
                .suggestion(suggest(&s, words.iter().copied())),
        );
        None
    }
}

/// A wrong-type problem: "expected X, found Y".
fn wrong(path: &str, v: &Value, expected: &str) -> Problem {
    Problem::value(path, format!("found {}", describe(v))).expected(expected.to_string())
}

/// Text of a scalar (string, number, boolean); `None` for containers and null.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// "a string 'abc'", "a list", ... for messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing (null)".to_string(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string '{s}'"),
        Value::Sequence(_) => "a list".to_string(),
        Value::Mapping(_) => "a mapping".to_string(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}
