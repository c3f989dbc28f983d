//! Scoring a pool exhaustively: every row not taken, in chunks of `chunk` rows (encode,
//! predict, score), keeping only the best `keep` — memory is O(chunk × d + keep), whatever the
//! pool's size. Batch points after the first are chosen among those `keep` rows, rescored
//! under fantasies (a fantasy only lowers the acquisition near the chosen points, so the next
//! choice is almost always among the previous best).
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};

use ndarray::{Array2, ArrayView2};

use crate::space::Candidate;

/// A row and its score, ordered by score (ties: lower index first).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry(f64, usize);

impl Eq for Entry {}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed so that BinaryHeap (a max-heap) pops the worst entry.
        other.0.total_cmp(&self.0).then(self.1.cmp(&other.1))
    }
}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A pool candidate for row `i`.
pub(crate) fn row(i: usize) -> Candidate {
    Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(i) }
}

/// Encodes candidates as model inputs: the space's encoding, or learned features.
pub(crate) type Encode<'a, E> = dyn Fn(&[Candidate]) -> Result<Array2<f64>, E> + 'a;

/// The best `keep` rows not in `taken` by `score` (best first), scanning `len` rows in chunks
/// encoded by `encode` (the space's encoding, or learned features); the first encoding error
/// ends the scan.
pub(crate) fn top_rows_with<E>(
    encode: &Encode<'_, E>,
    len: usize,
    taken: &HashSet<usize>,
    keep: usize,
    chunk: usize,
    score: &dyn Fn(ArrayView2<f64>) -> Vec<f64>,
) -> Result<Vec<(usize, f64)>, E> {
    let mut heap: BinaryHeap<Entry> = BinaryHeap::with_capacity(keep + 1);
    let mut start = 0;
    let chunk = chunk.max(1);
    while start < len {
        let end = (start + chunk).min(len);
        let rows: Vec<usize> = (start..end).filter(|i| !taken.contains(i)).collect();
        start = end;
        if rows.is_empty() {
            continue;
        }
        let cs: Vec<Candidate> = rows.iter().map(|&i| row(i)).collect();
        let x: Array2<f64> = encode(&cs)?;
        for (s, &i) in score(x.view()).into_iter().zip(&rows) {
            let e = Entry(if s.is_nan() { f64::NEG_INFINITY } else { s }, i);
            if heap.len() < keep {
                heap.push(e);
            } else if let Some(worst) = heap.peek() {
                if e < *worst {
                    heap.pop();
                    heap.push(e);
                }
            }
        }
    }
    let mut out: Vec<Entry> = heap.into_vec();
    out.sort();
    Ok(out.into_iter().map(|Entry(s, i)| (i, s)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_the_best_in_order() {
        let mut v = vec![Entry(1.0, 0), Entry(3.0, 1), Entry(2.0, 2), Entry(3.0, 3)];
        v.sort();
        assert_eq!(v, vec![Entry(3.0, 1), Entry(3.0, 3), Entry(2.0, 2), Entry(1.0, 0)]);
    }
}
