//! Where each part of a designed space lives in its encoding (see `space` docs: fractions of
//! every mixture site first, then per parameter one scaled column or a one-hot block), read
//! from the space's public column names and a sample candidate. The acquisition search uses
//! it to move only along feasible directions: fractions within their mixture's support with
//! the sum kept, scaled parameters in `[0, 1]`, categoricals enumerated or relaxed.
use crate::space::{Candidate, ParamValue, Space, SpaceKind};

/// One block of encoded columns.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Block {
    /// Fractions of one mixture (a composition, or one site of a structure): columns
    /// `start..start + len`, summing to 1.
    Mixture { start: usize, len: usize },
    /// A continuous or integer parameter scaled to `[0, 1]` (integers round on decoding).
    Scalar { col: usize },
    /// A categorical parameter's one-hot block.
    Categorical { start: usize, len: usize },
}

/// The encoding layout of a designed space.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Layout {
    pub blocks: Vec<Block>,
    pub dim: usize,
}

impl Layout {
    /// Reads the layout; `None` when the names do not add up (then every column is treated
    /// as a free `[0, 1]` coordinate and repair does the rest).
    pub fn new(space: &Space, sample: &Candidate) -> Option<Layout> {
        let dim = space.dim();
        let enc = space.encoded_columns();
        let inputs = space.input_columns();
        let nfrac = sample.fractions.len();
        if enc.len() != dim || inputs.len() < nfrac {
            return None;
        }
        let mut blocks = Vec::new();
        if nfrac > 0 {
            if space.kind() == SpaceKind::Structure {
                // Columns `site:species`, sites contiguous.
                let site = |c: &str| c.split(':').next().unwrap_or("").to_string();
                let mut start = 0;
                for i in 1..=nfrac {
                    if i == nfrac || site(&inputs[i]) != site(&inputs[start]) {
                        blocks.push(Block::Mixture { start, len: i - start });
                        start = i;
                    }
                }
            } else {
                blocks.push(Block::Mixture { start: 0, len: nfrac });
            }
        }
        let mut col = nfrac;
        for (j, p) in sample.params.iter().enumerate() {
            let name = inputs.get(nfrac + j)?;
            match p {
                ParamValue::Real(_) | ParamValue::Int(_) => {
                    blocks.push(Block::Scalar { col });
                    col += 1;
                }
                ParamValue::Cat(_) => {
                    let prefix = format!("{name}=");
                    let len = enc[col..].iter().take_while(|c| c.starts_with(&prefix)).count();
                    if len == 0 {
                        return None;
                    }
                    blocks.push(Block::Categorical { start: col, len });
                    col += len;
                }
            }
        }
        (col == dim).then_some(Layout { blocks, dim })
    }

    /// A layout of `dim` free scalar columns (fallback).
    pub fn free(dim: usize) -> Layout {
        Layout { blocks: (0..dim).map(|col| Block::Scalar { col }).collect(), dim }
    }

    /// The categorical blocks as (start, len).
    pub fn categoricals(&self) -> Vec<(usize, usize)> {
        self.blocks
            .iter()
            .filter_map(|b| match b {
                Block::Categorical { start, len } => Some((*start, *len)),
                _ => None,
            })
            .collect()
    }

    /// Number of category combinations (saturating).
    pub fn combinations(&self) -> usize {
        self.categoricals().iter().fold(1usize, |a, (_, l)| a.saturating_mul(*l))
    }
}

/// A linear move `x = x₀ + A v` through the feasible directions at `x₀`, with bounds on `v`:
/// each mixture's support (non-zero fractions of `x₀`) moves as `v − mean(v)` (sum kept),
/// scalars move freely within `[0, 1]`, relaxed categorical blocks like mixtures over all
/// their choices; fixed categorical blocks do not move.
#[derive(Debug, Clone)]
pub(crate) struct Moves {
    /// Per group of variables: the encoded columns it moves and whether it is centred
    /// (sum-preserving).
    groups: Vec<(Vec<usize>, bool)>,
    pub nvars: usize,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
}

impl Moves {
    /// Moves at `x0`; categorical blocks are relaxed when `relax_categoricals`.
    pub fn new(layout: &Layout, x0: &[f64], relax_categoricals: bool) -> Moves {
        let mut groups = Vec::new();
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        for b in &layout.blocks {
            match *b {
                Block::Mixture { start, len } => {
                    let support: Vec<usize> = (start..start + len).filter(|&i| x0[i] > 0.0).collect();
                    if support.len() >= 2 {
                        lower.extend(std::iter::repeat_n(-1.0, support.len()));
                        upper.extend(std::iter::repeat_n(1.0, support.len()));
                        groups.push((support, true));
                    }
                }
                Block::Scalar { col } => {
                    lower.push(-x0[col]);
                    upper.push(1.0 - x0[col]);
                    groups.push((vec![col], false));
                }
                Block::Categorical { start, len } if relax_categoricals && len >= 2 => {
                    lower.extend(std::iter::repeat_n(-1.0, len));
                    upper.extend(std::iter::repeat_n(1.0, len));
                    groups.push(((start..start + len).collect(), true));
                }
                Block::Categorical { .. } => {}
            }
        }
        Moves { nvars: lower.len(), groups, lower, upper }
    }

    /// `x₀ + A v`.
    pub fn apply(&self, x0: &[f64], v: &[f64]) -> Vec<f64> {
        let mut x = x0.to_vec();
        let mut k = 0;
        for (cols, centred) in &self.groups {
            let vs = &v[k..k + cols.len()];
            let m = if *centred { vs.iter().sum::<f64>() / vs.len() as f64 } else { 0.0 };
            for (c, vi) in cols.iter().zip(vs) {
                x[*c] += vi - m;
            }
            k += cols.len();
        }
        x
    }

    /// `Aᵀ g`: the gradient in `v` of a function whose gradient in `x` is `g`.
    pub fn pullback(&self, g: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.nvars);
        for (cols, centred) in &self.groups {
            let m = if *centred { cols.iter().map(|c| g[*c]).sum::<f64>() / cols.len() as f64 } else { 0.0 };
            out.extend(cols.iter().map(|c| g[*c] - m));
        }
        out
    }

    /// Squared distance of `x` outside `[0, 1]` on the moved columns, and its gradient in `x`.
    pub fn box_violation(&self, x: &[f64]) -> (f64, Vec<f64>) {
        let mut g = vec![0.0; x.len()];
        let mut v = 0.0;
        for (cols, _) in &self.groups {
            for &c in cols {
                let out = x[c] - x[c].clamp(0.0, 1.0);
                v += out * out;
                g[c] = 2.0 * out;
            }
        }
        (v, g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_keep_sums_and_pull_back_gradients() {
        let layout = Layout {
            blocks: vec![
                Block::Mixture { start: 0, len: 3 },
                Block::Scalar { col: 3 },
                Block::Categorical { start: 4, len: 2 },
            ],
            dim: 6,
        };
        let x0 = [0.5, 0.0, 0.5, 0.2, 1.0, 0.0];
        let m = Moves::new(&layout, &x0, false);
        assert_eq!(m.nvars, 3);
        let x = m.apply(&x0, &[0.1, -0.3, 0.05]);
        assert!((x[0] + x[1] + x[2] - 1.0).abs() < 1e-15 && x[1] == 0.0);
        assert!((x[3] - 0.25).abs() < 1e-15 && x[4] == 1.0);
        // Directional derivative check: g·(A v) = (Aᵀg)·v.
        let g = [1.0, 2.0, -1.0, 0.5, 3.0, 4.0];
        let v = [0.2, -0.1, 0.3];
        let ax: Vec<f64> = m.apply(&[0.0; 6], &v);
        let lhs: f64 = g.iter().zip(&ax).map(|(a, b)| a * b).sum();
        let rhs: f64 = m.pullback(&g).iter().zip(&v).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-15);
        assert_eq!(Moves::new(&layout, &x0, true).nvars, 5);
        assert_eq!(layout.combinations(), 2);
    }
}
