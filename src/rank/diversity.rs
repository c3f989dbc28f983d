//! Distances between candidates for a diverse shortlist, and greedy diverse selection.
//!
//! **Composition distance** (used when every candidate considered has a `formula` that parses):
//! the Euclidean distance between atomic-fraction vectors of the overall (normalised)
//! compositions, over the union of their elements. 0 for identical compositions, √2 for two
//! different pure elements; Fe0.7Ni0.3 vs Fe0.65Ni0.35 is 0.0707.
//!
//! **Input distance** (otherwise: parameter-only spaces, pools without formulas): every numeric
//! input column is min–max normalised to [0, 1] over the candidates considered (a constant
//! column contributes 0), a categorical column contributes 1 where the choices differ, and the
//! distance is the root-mean-square difference over the d columns, `sqrt(Σ Δ² / d)`, in [0, 1].
use std::collections::BTreeMap;

use crate::chem::Composition;
use crate::store::{CandidateRow, Cell};

/// Which distance a diverse shortlist uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DistanceKind {
    /// Euclidean distance between atomic-fraction vectors of the overall composition.
    Composition,
    /// Root-mean-square difference of min–max-normalised input columns.
    Inputs,
}

impl DistanceKind {
    /// A sentence naming the distance, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            DistanceKind::Composition => {
                "Euclidean distance between atomic-fraction vectors of the overall composition (0 to √2)"
            }
            DistanceKind::Inputs => "root-mean-square difference of min–max-normalised input columns (0 to 1)",
        }
    }
}

/// Candidates as points: one vector per row, and the distance that applies to them.
#[derive(Debug, Clone)]
pub struct Embedding {
    kind: DistanceKind,
    vectors: Vec<Vec<f64>>,
    /// Squared distances are divided by this (1, or the number of input columns).
    divisor: f64,
}

impl Embedding {
    /// Embed `rows` (see the module docs for which distance is chosen).
    pub fn new(rows: &[&CandidateRow]) -> Embedding {
        if let Some(comps) = compositions(rows) {
            let mut elements: BTreeMap<&'static str, usize> = BTreeMap::new();
            for c in &comps {
                for el in c.elements() {
                    let next = elements.len();
                    elements.entry(el).or_insert(next);
                }
            }
            let vectors = comps
                .iter()
                .map(|c| {
                    let mut v = vec![0.0; elements.len()];
                    for (el, x) in c.iter() {
                        v[elements[el]] = x;
                    }
                    v
                })
                .collect();
            return Embedding { kind: DistanceKind::Composition, vectors, divisor: 1.0 };
        }
        let columns = rows.first().map_or(0, |r| r.inputs.len());
        Embedding { kind: DistanceKind::Inputs, vectors: input_vectors(rows), divisor: columns.max(1) as f64 }
    }

    /// The distance in use.
    pub fn kind(&self) -> DistanceKind {
        self.kind
    }

    /// Distance between rows `a` and `b` (indices into the rows given to [`Embedding::new`]).
    pub fn distance(&self, a: usize, b: usize) -> f64 {
        let (x, y) = (&self.vectors[a], &self.vectors[b]);
        let sq: f64 = x.iter().zip(y).map(|(p, q)| (p - q) * (p - q)).sum();
        (sq / self.divisor).sqrt()
    }
}

/// Normalised compositions of every row, or `None` if any row lacks a parseable formula.
fn compositions(rows: &[&CandidateRow]) -> Option<Vec<Composition>> {
    if rows.is_empty() {
        return None;
    }
    rows.iter().map(|r| r.formula.as_deref().and_then(|f| Composition::parse(f).ok()).map(|c| c.normalized())).collect()
}

/// One coordinate per numeric input (min–max normalised), and per categorical input one
/// coordinate per choice (1/√2 for the row's choice), so differing choices are 1 apart.
fn input_vectors(rows: &[&CandidateRow]) -> Vec<Vec<f64>> {
    let Some(first) = rows.first() else { return Vec::new() };
    let mut vectors: Vec<Vec<f64>> = vec![Vec::new(); rows.len()];
    for (col, (name, _)) in first.inputs.iter().enumerate() {
        let cell = |r: &CandidateRow| r.inputs.get(col).filter(|(n, _)| n == name).map(|(_, c)| c.clone());
        let cells: Vec<Option<Cell>> = rows.iter().map(|r| cell(r)).collect();
        let numeric: Vec<Option<f64>> = cells
            .iter()
            .map(|c| match c {
                Some(Cell::F64(v)) => Some(*v),
                Some(Cell::I64(v)) => Some(*v as f64),
                _ => None,
            })
            .collect();
        if numeric.iter().all(Option::is_some) {
            let lo = numeric.iter().flatten().copied().fold(f64::INFINITY, f64::min);
            let hi = numeric.iter().flatten().copied().fold(f64::NEG_INFINITY, f64::max);
            for (v, x) in vectors.iter_mut().zip(&numeric) {
                let x = x.expect("checked");
                v.push(if hi > lo { (x - lo) / (hi - lo) } else { 0.0 });
            }
        } else {
            let labels: Vec<String> = cells
                .iter()
                .map(|c| match c {
                    Some(Cell::Str(s)) => s.clone(),
                    Some(Cell::F64(v)) => v.to_string(),
                    Some(Cell::I64(v)) => v.to_string(),
                    None => String::new(),
                })
                .collect();
            let mut choices: Vec<&String> = labels.iter().collect();
            choices.sort();
            choices.dedup();
            for (v, l) in vectors.iter_mut().zip(&labels) {
                v.extend(choices.iter().map(|c| if *c == l { std::f64::consts::FRAC_1_SQRT_2 } else { 0.0 }));
            }
        }
    }
    vectors
}

/// Greedy diverse selection: walk `order` (best first) and keep a candidate unless it lies
/// closer than `min_distance` to one already kept; stop once `k` are kept. Returns the kept
/// positions (indices into the embedding, in selection order) and how many were skipped on the
/// way.
pub fn greedy(order: &[usize], emb: &Embedding, min_distance: f64, k: usize) -> (Vec<usize>, usize) {
    let mut kept: Vec<usize> = Vec::with_capacity(k);
    let mut skipped = 0;
    for &i in order {
        if kept.len() == k {
            break;
        }
        if kept.iter().all(|&j| emb.distance(i, j) >= min_distance) {
            kept.push(i);
        } else {
            skipped += 1;
        }
    }
    (kept, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: u64, formula: Option<&str>, inputs: Vec<(&str, Cell)>) -> CandidateRow {
        CandidateRow {
            iteration: 0,
            candidate_id: id,
            origin: "initial".into(),
            formula: formula.map(String::from),
            inputs: inputs.into_iter().map(|(n, c)| (n.to_string(), c)).collect(),
            pool_index: None,
            properties: vec![],
            acquisition: None,
            feasible: Some(true),
            status: crate::store::Status::Evaluated,
            failure: None,
            created_at: chrono::Utc::now(),
            config_hash: "h".into(),
            model_hash: None,
            seed: 0,
        }
    }

    #[test]
    fn composition_distance_is_euclidean_on_atomic_fractions() {
        let rows = [row(0, Some("Fe0.7Ni0.3"), vec![]), row(1, Some("Fe13Ni7"), vec![]), row(2, Some("Co"), vec![])];
        let refs: Vec<&CandidateRow> = rows.iter().collect();
        let e = Embedding::new(&refs);
        assert_eq!(e.kind(), DistanceKind::Composition);
        assert!((e.distance(0, 1) - (2.0f64 * 0.05 * 0.05).sqrt()).abs() < 1e-12);
        assert!((e.distance(0, 2) - (0.49f64 + 0.09 + 1.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn input_distance_is_rms_of_normalised_columns() {
        let rows = [
            row(0, None, vec![("t", Cell::F64(700.0)), ("n", Cell::I64(1)), ("r", Cell::Str("cast".into()))]),
            row(1, None, vec![("t", Cell::F64(900.0)), ("n", Cell::I64(1)), ("r", Cell::Str("cast".into()))]),
            row(2, None, vec![("t", Cell::F64(800.0)), ("n", Cell::I64(3)), ("r", Cell::Str("forged".into()))]),
        ];
        let refs: Vec<&CandidateRow> = rows.iter().collect();
        let e = Embedding::new(&refs);
        assert_eq!(e.kind(), DistanceKind::Inputs);
        assert!((e.distance(0, 1) - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((e.distance(0, 2) - ((0.25f64 + 1.0 + 1.0) / 3.0).sqrt()).abs() < 1e-12);
        // one formula missing: falls back to inputs
        let mixed = [row(0, Some("Fe"), vec![("t", Cell::F64(1.0))]), row(1, None, vec![("t", Cell::F64(2.0))])];
        let refs: Vec<&CandidateRow> = mixed.iter().collect();
        assert_eq!(Embedding::new(&refs).kind(), DistanceKind::Inputs);
    }

    #[test]
    fn greedy_skips_near_duplicates_and_respects_k() {
        let f = ["Fe", "Fe0.99Ni0.01", "Ni", "Fe0.5Ni0.5", "Fe0.51Ni0.49", "Co"];
        let rows: Vec<CandidateRow> = f.iter().enumerate().map(|(i, s)| row(i as u64, Some(s), vec![])).collect();
        let refs: Vec<&CandidateRow> = rows.iter().collect();
        let e = Embedding::new(&refs);
        let order = [0, 1, 2, 3, 4, 5];
        let (kept, skipped) = greedy(&order, &e, 0.05, 10);
        assert_eq!(kept, vec![0, 2, 3, 5]);
        assert_eq!(skipped, 2);
        for (a, &i) in kept.iter().enumerate() {
            for &j in &kept[..a] {
                assert!(e.distance(i, j) >= 0.05);
            }
        }
        let (kept, skipped) = greedy(&order, &e, 0.05, 2);
        assert_eq!((kept, skipped), (vec![0, 2], 1));
        assert_eq!(greedy(&order, &e, 0.0, 3).0, vec![0, 1, 2], "threshold 0 keeps everything");
    }
}
