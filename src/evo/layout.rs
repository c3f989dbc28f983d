//! What the evolutionary operators see of a space, learnt once from its public interface: the
//! mixture blocks of the fractions (one per composition or structure site), the parameter
//! slots of the encoding, and for a pool its encoded rows.
//!
//! Genomes are encoded rows ([`Space::encode`], n × [`Space::dim`]): fractions as they are,
//! reals and integers scaled to `[0, 1]`, categoricals one-hot. A genome becomes a candidate
//! through [`Space::decode`] then [`Space::repair`], and is kept only if [`Space::check`]
//! accepts it, so every offspring is feasible by construction of the shared engine.
use std::ops::Range;

use ndarray::Array2;

use crate::space::{Candidate, ParamValue, Space, SpaceKind};

/// One parameter's place in an encoded row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Slot {
    /// A continuous parameter at column `col`, scaled to `[0, 1]`.
    Real { col: usize },
    /// An integer parameter at column `col`, scaled to `[0, 1]` (decoding rounds); `step`
    /// is one integer in unit coordinates (0 when the range holds one value).
    Int { col: usize, step: f64 },
    /// A categorical parameter: `k` one-hot columns from `col`.
    Cat { col: usize, k: usize },
}

/// The shape of a space's genomes.
#[derive(Debug)]
pub(crate) struct Layout {
    /// Fraction ranges that each sum to 1 (empty for parameters only and pools).
    pub blocks: Vec<Range<usize>>,
    /// Parameter slots, in parameter order (empty for pools).
    pub slots: Vec<Slot>,
    /// Encoded width.
    pub dim: usize,
    /// Every pool row encoded (rows × dim), for pools.
    pub pool: Option<Array2<f64>>,
}

impl Layout {
    /// Learns the layout from `space`'s column names (fractions are labelled `site:species`
    /// on structures; categoricals encode as `name=choice` columns) and the kinds of the
    /// values it decodes.
    pub(crate) fn new(space: &Space) -> Layout {
        let dim = space.dim();
        if let Some(len) = space.pool_len() {
            let rows: Vec<Candidate> =
                (0..len).map(|i| Candidate { fractions: vec![], params: vec![], pool_index: Some(i) }).collect();
            return Layout { blocks: vec![], slots: vec![], dim, pool: Some(space.encode(&rows)) };
        }
        let probe = space.decode(Array2::zeros((1, dim)).view()).remove(0);
        let top = space.decode(Array2::ones((1, dim)).view()).remove(0);
        let nfrac = probe.fractions.len();
        let inputs = space.input_columns();
        let encoded = space.encoded_columns();
        let blocks = match space.kind() {
            SpaceKind::Structure => {
                let site = |c: &str| c.split(':').next().unwrap_or("").to_string();
                let mut blocks: Vec<Range<usize>> = Vec::new();
                for i in 0..nfrac {
                    match blocks.last_mut() {
                        Some(b) if site(&inputs[b.start]) == site(&inputs[i]) => b.end = i + 1,
                        _ => blocks.push(i..i + 1),
                    }
                }
                blocks
            }
            _ if nfrac > 0 => std::iter::once(0..nfrac).collect(),
            _ => vec![],
        };
        let mut slots = Vec::with_capacity(probe.params.len());
        let mut col = nfrac;
        for (j, v) in probe.params.iter().enumerate() {
            let slot = match v {
                ParamValue::Real(_) => Slot::Real { col },
                ParamValue::Int(lo) => {
                    let hi = match top.params.get(j) {
                        Some(ParamValue::Int(hi)) => *hi,
                        _ => *lo,
                    };
                    let step = if hi > *lo { 1.0 / (hi - lo) as f64 } else { 0.0 };
                    Slot::Int { col, step }
                }
                ParamValue::Cat(_) => {
                    let prefix = format!("{}=", inputs[nfrac + j]);
                    let k = encoded[col..].iter().take_while(|c| c.starts_with(&prefix)).count().max(1);
                    Slot::Cat { col, k }
                }
            };
            col += match slot {
                Slot::Cat { k, .. } => k,
                _ => 1,
            };
            slots.push(slot);
        }
        debug_assert_eq!(col, dim, "layout covers the encoding");
        Layout { blocks, slots, dim, pool: None }
    }

    /// The encoded row of one candidate.
    pub(crate) fn encode(&self, space: &Space, c: &Candidate) -> Vec<f64> {
        match (&self.pool, c.pool_index) {
            (Some(p), Some(i)) if i < p.nrows() => p.row(i).to_vec(),
            _ => space.encode(std::slice::from_ref(c)).row(0).to_vec(),
        }
    }

    /// The feasible candidate a (designed-space) genome stands for: decoded, repaired and
    /// checked; `None` when the space rejects it even after repair.
    pub(crate) fn realize(&self, space: &Space, row: &[f64]) -> Option<Candidate> {
        let x = ndarray::ArrayView2::from_shape((1, row.len()), row).ok()?;
        let c = space.repair(&space.decode(x).remove(0));
        space.check(&c).is_ok().then_some(c)
    }
}

/// Sets the one-hot columns of a categorical slot to choice `k`.
pub(crate) fn set_choice(row: &mut [f64], col: usize, width: usize, k: usize) {
    for (j, v) in row[col..col + width].iter_mut().enumerate() {
        *v = if j == k { 1.0 } else { 0.0 };
    }
}

/// The choice a categorical slot's columns hold (largest entry, first on ties).
pub(crate) fn choice(row: &[f64], col: usize, width: usize) -> usize {
    let mut best = 0;
    for j in 1..width {
        if row[col + j] > row[col + best] {
            best = j;
        }
    }
    best
}
