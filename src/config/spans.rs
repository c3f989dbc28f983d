//! Line and column of every key and value in a YAML document, by key path.
//!
//! serde's YAML values carry no positions, so a second, span-preserving pass with an event
//! parser (`saphyr-parser`) records where each node starts. Key paths use dots for mapping
//! keys and `[i]` for sequence items: `space.composition.components.Ni`,
//! `objectives[1].property`; the document itself is the empty path. Semantic checks look up
//! the path they complain about, so every diagnostic points at the right place.
use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, Span};

/// A position in the file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Pos {
    /// The start of the file.
    pub const START: Pos = Pos { line: 1, column: 1 };

    fn of(span: &Span) -> Pos {
        Pos { line: span.start.line(), column: span.start.col() + 1 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Option<Pos>,
    value: Pos,
}

/// Positions of the keys and values of one document, by key path.
#[derive(Debug, Default)]
pub struct Spans {
    entries: HashMap<String, Entry>,
    duplicates: Vec<(String, Pos)>,
}

/// The path of `key` inside the mapping at `parent`.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// The path of item `index` inside the sequence at `parent`.
pub fn index(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

enum Frame {
    Map { path: String, key: Option<(String, Pos)>, seen: HashSet<String>, is_key: bool },
    Seq { path: String, next: usize, is_key: bool },
}

impl Spans {
    /// Records the positions in `text`. Best effort: a syntax error stops the pass and keeps
    /// what was recorded before it (syntax errors themselves are reported by serde's parse).
    pub fn parse(text: &str) -> Spans {
        let mut spans = Spans::default();
        let mut stack: Vec<Frame> = Vec::new();
        let mut parser = Parser::new_from_str(text);
        while let Some(Ok((event, span))) = parser.next_event() {
            let pos = Pos::of(&span);
            match event {
                Event::Scalar(value, ..) => {
                    spans.node(&mut stack, pos, NodeKind::Scalar(value.into_owned()));
                }
                Event::Alias(_) => spans.node(&mut stack, pos, NodeKind::Alias),
                Event::MappingStart(..) => spans.node(&mut stack, pos, NodeKind::Map),
                Event::SequenceStart(..) => spans.node(&mut stack, pos, NodeKind::Seq),
                Event::MappingEnd | Event::SequenceEnd => {
                    let was_key = match stack.pop() {
                        Some(Frame::Map { is_key, .. } | Frame::Seq { is_key, .. }) => is_key,
                        None => false,
                    };
                    if was_key {
                        if let Some(Frame::Map { key, .. }) = stack.last_mut() {
                            *key = Some(("?".to_string(), pos));
                        }
                    }
                }
                Event::StreamEnd => break,
                _ => {}
            }
        }
        spans
    }

    fn node(&mut self, stack: &mut Vec<Frame>, pos: Pos, kind: NodeKind) {
        // Where does this node sit: a key, a value in a mapping, an item, or the document?
        let (path, key_pos, is_key) = match stack.last_mut() {
            None => (String::new(), None, false),
            Some(Frame::Seq { path, next, .. }) => {
                *next += 1;
                (index(path, *next - 1), None, false)
            }
            Some(Frame::Map { path, key, seen, .. }) => match key.take() {
                Some((k, kpos)) => (join(path, &k), Some(kpos), false),
                None => {
                    // This node is a key.
                    let text = match &kind {
                        NodeKind::Scalar(s) => s.clone(),
                        NodeKind::Alias => "*".to_string(),
                        NodeKind::Map | NodeKind::Seq => {
                            let p = join(path, "?");
                            stack.push(container(&kind, p, true));
                            return;
                        }
                    };
                    if !seen.insert(text.clone()) {
                        self.duplicates.push((join(path, &text), pos));
                    }
                    *key = Some((text, pos));
                    return;
                }
            },
        };
        self.entries.entry(path.clone()).or_insert(Entry { key: key_pos, value: pos });
        if matches!(kind, NodeKind::Map | NodeKind::Seq) {
            stack.push(container(&kind, path, is_key));
        }
    }

    /// Where the key at `path` is written (for unknown keys and problems with a whole entry);
    /// for sequence items and the document, where the value starts. Paths not in the
    /// document (e.g. inside a YAML alias) fall back to their nearest recorded ancestor.
    pub fn key(&self, path: &str) -> Pos {
        self.lookup(path, |e| e.key.unwrap_or(e.value))
    }

    /// Where the value at `path` starts (for wrong types and out-of-range values).
    pub fn value(&self, path: &str) -> Pos {
        self.lookup(path, |e| e.value)
    }

    fn lookup(&self, path: &str, pick: impl Fn(&Entry) -> Pos) -> Pos {
        let mut p = path;
        loop {
            if let Some(e) = self.entries.get(p) {
                return pick(e);
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return self.entries.get("").map_or(Pos::START, |e| e.value),
            }
        }
    }

    /// The first key written twice in one mapping, with the position of its second use.
    pub fn first_duplicate(&self) -> Option<(&str, Pos)> {
        self.duplicates.first().map(|(p, pos)| (p.as_str(), *pos))
    }
}

enum NodeKind {
    Scalar(String),
    Alias,
    Map,
    Seq,
}

fn container(kind: &NodeKind, path: String, is_key: bool) -> Frame {
    match kind {
        NodeKind::Seq => Frame::Seq { path, next: 0, is_key },
        _ => Frame::Map { path, key: None, seen: HashSet::new(), is_key },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keys_values_and_items() {
        let text = "name: x\nspace:\n  composition:\n    components: {C: [0, 0.01], 'Ni': [0, 1]}\n\
                    objectives:\n  - {property: a}\n  - property: b\n    goal: &g maximize\n  - *g\n";
        let s = Spans::parse(text);
        assert_eq!(s.key("name"), Pos { line: 1, column: 1 });
        assert_eq!(s.value("name"), Pos { line: 1, column: 7 });
        assert_eq!(s.key("space.composition.components.C"), Pos { line: 4, column: 18 });
        assert_eq!(s.value("space.composition.components.Ni"), Pos { line: 4, column: 38 });
        assert_eq!(s.key("space.composition.components.Ni"), Pos { line: 4, column: 32 });
        assert_eq!(s.value("objectives[0]"), Pos { line: 6, column: 5 });
        assert_eq!(s.key("objectives[1].property"), Pos { line: 7, column: 5 });
        assert_eq!(s.value("objectives[1].goal"), Pos { line: 8, column: 11 });
        assert_eq!(s.value("objectives[2]"), Pos { line: 9, column: 5 });
        // Inside an alias: the alias itself.
        assert_eq!(s.value("objectives[2].goal"), Pos { line: 9, column: 5 });
        // Unknown paths fall back to the nearest ancestor.
        assert_eq!(s.key("space.composition.nothing"), Pos { line: 3, column: 3 });
        assert_eq!(s.value(""), Pos::START);
    }

    #[test]
    fn finds_duplicates_and_survives_complex_keys() {
        let s = Spans::parse("a: 1\n? [x, y]\n: 2\nb: {c: 1, c: 2}\n");
        assert_eq!(s.first_duplicate(), Some(("b.c", Pos { line: 4, column: 11 })));
        assert_eq!(s.value("b"), Pos { line: 4, column: 4 });
    }
}
