//! The composition encoder: one token per element present, self-attention over the tokens,
//! fraction-weighted pooling to a composition embedding. Permutation invariant by
//! construction (no positional encoding; attention and pooling are symmetric in the tokens) and
//! blind to padding (padded keys are masked out of attention and padded tokens out of pooling).
//!
//! Token `i` = `E(element_i) + W · φ(x_i)`, where `E` is a linear projection of the fixed
//! mat2vec vector (200-d, standardised) or a learned embedding, and `φ(x)` is a fixed
//! sinusoidal encoding of the atomic fraction `x` and of a log-scale of it (CrabNet-style, so
//! both 0.5 vs 0.6 and 1e-4 vs 1e-3 are resolved), projected by a learned linear layer `W`.
//! Blocks are pre-LayerNorm transformer blocks (multi-head scaled dot-product attention with a
//! key-padding mask, then a GELU feed-forward), followed by a final LayerNorm. The composition
//! embedding (2·d_model wide) joins a fraction-weighted and a plain mean of the tokens.
use std::f64::consts::PI;

use tch::{nn, nn::Module, Kind, Tensor};

use crate::chem::{mat2vec, ELEMENTS};

use super::SurrogateError;

/// How element embeddings start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementInit {
    /// A learned linear projection of the fixed mat2vec vectors (Tshitoyan et al. 2019).
    Mat2vec,
    /// A learned embedding table, randomly initialised.
    Learned,
}

/// Sizes of the network (kept in the model card).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Architecture {
    /// Token and embedding width (a multiple of 4 and of `heads`).
    pub d_model: usize,
    /// Attention heads per block.
    pub heads: usize,
    /// Number of attention blocks.
    pub blocks: usize,
    /// Hidden width of each block's feed-forward layer.
    pub ff_dim: usize,
    /// Dropout rate (attention weights, residual branches, heads).
    pub dropout: f64,
    /// Hidden width of each task head (MLP → outputs); 0 for a linear head.
    pub head_hidden: usize,
    /// Width of the structure/processing parameter branch (0 when the model has no inputs).
    pub param_hidden: usize,
    /// How element embeddings start.
    pub element_init: ElementInit,
}

impl Default for Architecture {
    /// The shipped size: d_model 64, 4 heads, 3 blocks, ff 128, dropout 0.1, head 64, params 32,
    /// mat2vec.
    fn default() -> Self {
        Architecture {
            d_model: 64,
            heads: 4,
            blocks: 3,
            ff_dim: 128,
            dropout: 0.1,
            head_hidden: 64,
            param_hidden: 32,
            element_init: ElementInit::Mat2vec,
        }
    }
}

impl Architecture {
    /// Check the sizes fit together.
    pub fn validate(&self) -> Result<(), SurrogateError> {
        let bad = |m: String| Err(SurrogateError::Architecture(m));
        if self.d_model == 0 || self.d_model % 4 != 0 {
            return bad(format!("d_model {} must be a positive multiple of 4", self.d_model));
        }
        if self.heads == 0 || self.d_model % self.heads != 0 {
            return bad(format!("d_model {} must be divisible by heads {}", self.d_model, self.heads));
        }
        if self.ff_dim == 0 {
            return bad("ff_dim must be positive".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        Ok(())
    }
}

/// One batch of encoded compositions as tensors.
#[derive(Debug)]
pub struct TokenBatch {
    /// Element indices, `b × L` int64 (0 in padding).
    pub elements: Tensor,
    /// Atomic fractions, `b × L` float (0 in padding).
    pub fractions: Tensor,
    /// `true` where a position is padding, `b × L` bool.
    pub padding: Tensor,
}

struct Block {
    ln1: nn::LayerNorm,
    qkv: nn::Linear,
    out: nn::Linear,
    ln2: nn::LayerNorm,
    ff1: nn::Linear,
    ff2: nn::Linear,
    heads: i64,
    dropout: f64,
}

impl Block {
    fn new(p: nn::Path, a: &Architecture) -> Block {
        let d = a.d_model as i64;
        let lc = Default::default;
        Block {
            ln1: nn::layer_norm(&p / "ln1", vec![d], Default::default()),
            qkv: nn::linear(&p / "qkv", d, 3 * d, lc()),
            out: nn::linear(&p / "out", d, d, lc()),
            ln2: nn::layer_norm(&p / "ln2", vec![d], Default::default()),
            ff1: nn::linear(&p / "ff1", d, a.ff_dim as i64, lc()),
            ff2: nn::linear(&p / "ff2", a.ff_dim as i64, d, lc()),
            heads: a.heads as i64,
            dropout: a.dropout,
        }
    }

    /// `x`: b × L × d; `key_pad`: b × 1 × 1 × L, true at padding.
    fn forward(&self, x: &Tensor, key_pad: &Tensor, train: bool) -> Tensor {
        let (b, l, d) = x.size3().expect("b × L × d tokens");
        let dh = d / self.heads;
        let qkv = x.apply(&self.ln1).apply(&self.qkv).view([b, l, 3, self.heads, dh]).permute([2, 0, 3, 1, 4]);
        let (q, k, v) = (qkv.get(0), qkv.get(1), qkv.get(2)); // b × H × L × dh
        let scores = q.matmul(&k.transpose(-2, -1)) / (dh as f64).sqrt();
        let attn = scores.masked_fill(key_pad, -1e9).softmax(-1, Kind::Float).dropout(self.dropout, train);
        let o = attn.matmul(&v).permute([0, 2, 1, 3]).contiguous().view([b, l, d]).apply(&self.out);
        let x = x + o.dropout(self.dropout, train);
        let f = x.apply(&self.ln2).apply(&self.ff1).gelu("none").dropout(self.dropout, train).apply(&self.ff2);
        &x + f.dropout(self.dropout, train)
    }
}

enum Embedding {
    Mat2vec { table: Tensor, proj: nn::Linear },
    Learned(nn::Embedding),
}

/// The composition encoder (variables under the path it is built on).
pub struct Encoder {
    embedding: Embedding,
    frac: nn::Linear,
    inv_freq: Tensor,
    blocks: Vec<Block>,
    norm: nn::LayerNorm,
    d_model: i64,
}

/// The mat2vec table, columns standardised (mean 0, overall std 1): 118 × 200.
fn mat2vec_tensor() -> Tensor {
    let t = mat2vec();
    let width = t.columns.len();
    let mut v: Vec<f32> = Vec::with_capacity(ELEMENTS.len() * width);
    for z in 0..ELEMENTS.len() {
        match t.row_by_index(z) {
            Some(row) => v.extend(row.iter().map(|&x| if x.is_finite() { x as f32 } else { 0.0 })),
            None => v.extend(std::iter::repeat_n(0.0, width)),
        }
    }
    let m = Tensor::from_slice(&v).view([ELEMENTS.len() as i64, width as i64]);
    let m = &m - m.mean_dim(0, true, Kind::Float);
    let s = m.std(true).double_value(&[]).max(1e-12);
    m / s
}

impl Encoder {
    /// Create the encoder's variables under `p` (names `elem.*`, `frac`, `block{i}.*`, `norm`).
    pub fn new(p: nn::Path, a: &Architecture) -> Encoder {
        let d = a.d_model as i64;
        let embedding = match a.element_init {
            ElementInit::Mat2vec => {
                let src = mat2vec_tensor();
                let mut table = (&p / "elem").zeros_no_train("mat2vec", &src.size());
                tch::no_grad(|| table.copy_(&src));
                let proj = nn::linear(&p / "elem" / "proj", src.size()[1], d, Default::default());
                Embedding::Mat2vec { table, proj }
            }
            ElementInit::Learned => {
                let cfg =
                    nn::EmbeddingConfig { ws_init: nn::Init::Randn { mean: 0.0, stdev: 0.5 }, ..Default::default() };
                Embedding::Learned(nn::embedding(&p / "elem" / "table", ELEMENTS.len() as i64, d, cfg))
            }
        };
        // Geometric frequencies from π to 1000π over [0, 1].
        let q = d / 4;
        let freqs: Vec<f32> = (0..q).map(|i| (PI * 1000f64.powf(i as f64 / (q - 1).max(1) as f64)) as f32).collect();
        Encoder {
            embedding,
            frac: nn::linear(&p / "frac", d, d, Default::default()),
            inv_freq: Tensor::from_slice(&freqs).to_device(p.device()),
            blocks: (0..a.blocks).map(|i| Block::new(&p / format!("block{i}"), a)).collect(),
            norm: nn::layer_norm(&p / "norm", vec![d], Default::default()),
            d_model: d,
        }
    }

    /// φ(x): b × L → b × L × d. Half from x itself, half from `min(1, 0.0025·log2(x)²)`
    /// (1 at x ≤ 2⁻²⁰, 0 at x = 1), each as sin/cos at the geometric frequencies.
    fn fraction_features(&self, x: &Tensor) -> Tensor {
        let lin = x.clamp(0.0, 1.0);
        let log = (x.clamp_min(1e-12).log2().square() * 0.0025).clamp_max(1.0);
        let enc = |t: &Tensor| {
            let ang = t.unsqueeze(-1) * &self.inv_freq;
            Tensor::cat(&[ang.sin(), ang.cos()], -1)
        };
        Tensor::cat(&[enc(&lin), enc(&log)], -1)
    }

    /// Token states after the blocks and the final norm: b × L × d.
    pub fn tokens(&self, batch: &TokenBatch, train: bool) -> Tensor {
        let e = match &self.embedding {
            Embedding::Mat2vec { table, proj } => table.index_select(0, &batch.elements.view([-1])).apply(proj),
            Embedding::Learned(emb) => emb.forward(&batch.elements.view([-1])),
        };
        let (b, l) = batch.elements.size2().expect("b × L elements");
        let mut x = e.view([b, l, self.d_model]) + self.fraction_features(&batch.fractions).apply(&self.frac);
        let key_pad = batch.padding.view([b, 1, 1, l]);
        for blk in &self.blocks {
            x = blk.forward(&x, &key_pad, train);
        }
        x.apply(&self.norm)
    }

    /// Composition embedding, b × 2d: the fraction-weighted mean of the token states (what
    /// the composition mostly is) next to their plain mean over the elements present (so that
    /// minor elements, such as 0.1 % carbon in a steel, weigh as much as the base element).
    pub fn forward(&self, batch: &TokenBatch, train: bool) -> Tensor {
        let x = self.tokens(batch, train);
        let pool = |w: Tensor| {
            let w = &w / w.sum_dim_intlist(1, true, Kind::Float).clamp_min(1e-12);
            (&x * w.unsqueeze(-1)).sum_dim_intlist(1, false, Kind::Float)
        };
        let present = batch.padding.logical_not().to_kind(Kind::Float);
        Tensor::cat(&[pool(batch.fractions.masked_fill(&batch.padding, 0.0)), pool(present)], 1)
    }
}
