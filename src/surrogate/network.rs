//! The whole network: the composition [`Encoder`], an optional branch for structure/processing
//! inputs and an optional branch for composition descriptors (see `descriptors`), each
//! concatenated to the composition embedding, and one head per task
//! (`Linear → SiLU → Dropout → Linear`, 1 output for regression, one logit per class; a single
//! `Linear` when the architecture's `head_hidden` is 0, as for a linear probe).
//!
//! Variable names (the safetensors keys): `encoder.*`, `params.*`, `descriptors.*`,
//! `heads.<k>.*`. Freezing works on these prefixes (only `encoder.*` is ever frozen).
use tch::{nn, Device, Kind, Tensor};

use super::encoder::{Architecture, Encoder, TokenBatch};
use super::inputs::CompositionInputs;

/// Which parts run in training mode (dropout on) for a forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// Dropout in the encoder.
    pub encoder: bool,
    /// Dropout in the descriptor branch and the heads.
    pub heads: bool,
}

impl Mode {
    /// Everything deterministic (prediction, validation).
    pub const EVAL: Mode = Mode { encoder: false, heads: false };
}

/// `Linear → SiLU → Dropout → Linear`, or with `hidden` 0 a single `Linear` (a linear head,
/// variables `l2.*` only).
struct Mlp {
    l1: Option<nn::Linear>,
    l2: nn::Linear,
    dropout: f64,
}

impl Mlp {
    fn new(p: nn::Path, inp: usize, hidden: usize, out: usize, dropout: f64) -> Mlp {
        let l1 = (hidden > 0).then(|| nn::linear(&p / "l1", inp as i64, hidden as i64, Default::default()));
        let width = if hidden > 0 { hidden } else { inp };
        Mlp { l1, l2: nn::linear(&p / "l2", width as i64, out as i64, Default::default()), dropout }
    }

    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        match &self.l1 {
            Some(l1) => x.apply(l1).silu().dropout(self.dropout, train).apply(&self.l2),
            None => x.apply(&self.l2),
        }
    }
}

/// Encoder + parameter branch + descriptor branch + heads, with its variables in a `VarStore`.
pub struct Network {
    encoder: Encoder,
    params: Option<Mlp>,
    descriptors: Option<Mlp>,
    heads: Vec<Mlp>,
    device: Device,
}

/// A batch as tensors: tokens and (standardised) inputs.
pub struct Batch {
    /// The element tokens.
    pub tokens: TokenBatch,
    /// Standardised inputs, b × p (absent when the model has none).
    pub inputs: Option<Tensor>,
    /// Standardised descriptors, b × k (absent when the model has no descriptor branch).
    pub descriptors: Option<Tensor>,
}

/// Sizes of the optional branches besides the encoder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Branches {
    /// Structure/processing inputs (0: no parameter branch).
    pub inputs: usize,
    /// Descriptor columns (0: no descriptor branch).
    pub descriptors: usize,
    /// Width of the descriptor branch.
    pub descriptor_hidden: usize,
    /// Dropout inside the descriptor branch.
    pub descriptor_dropout: f64,
}

impl Network {
    /// Create all variables under `root`: the optional branches of `b`, and one head per
    /// entry of `outputs` (its number of outputs).
    pub fn new(root: &nn::Path, arch: &Architecture, b: &Branches, outputs: &[usize]) -> Network {
        let d = 2 * arch.d_model;
        let n_inputs = b.inputs;
        let params =
            (n_inputs > 0).then(|| Mlp::new(root / "params", n_inputs, arch.param_hidden, arch.param_hidden, 0.0));
        let dh = b.descriptor_hidden;
        let descriptors = (b.descriptors > 0 && dh > 0)
            .then(|| Mlp::new(root / "descriptors", b.descriptors, dh, dh, b.descriptor_dropout));
        let width =
            d + if params.is_some() { arch.param_hidden } else { 0 } + if descriptors.is_some() { dh } else { 0 };
        let heads = outputs
            .iter()
            .enumerate()
            .map(|(k, &o)| Mlp::new(root / "heads" / k.to_string(), width, arch.head_hidden, o, arch.dropout))
            .collect();
        Network { encoder: Encoder::new(root / "encoder", arch), params, descriptors, heads, device: root.device() }
    }

    /// The number of heads.
    pub fn n_heads(&self) -> usize {
        self.heads.len()
    }

    /// The representation the heads see: composition embedding (+ parameter branch,
    /// + descriptor branch), b × w.
    pub fn embed(&self, batch: &Batch, mode: Mode) -> Tensor {
        let mut parts = vec![self.encoder.forward(&batch.tokens, mode.encoder)];
        if let (Some(mlp), Some(x)) = (&self.params, &batch.inputs) {
            parts.push(mlp.forward(x, mode.heads).silu());
        }
        if let (Some(mlp), Some(x)) = (&self.descriptors, &batch.descriptors) {
            parts.push(mlp.forward(x, mode.heads).silu());
        }
        if parts.len() == 1 {
            return parts.pop().expect("the composition embedding");
        }
        Tensor::cat(&parts, 1)
    }

    /// Output of head `k` on embeddings `z`: b × outputs.
    pub fn head(&self, k: usize, z: &Tensor, mode: Mode) -> Tensor {
        self.heads[k].forward(z, mode.heads)
    }

    /// Batch tensors for `rows` of `comps`, padded to the widest row in the batch; `inputs` are
    /// the standardised input values of those rows, row-major (`rows.len() × p`), and
    /// `descriptors` their standardised descriptors (`rows.len() × k`).
    pub fn batch(
        &self,
        comps: &CompositionInputs,
        rows: &[usize],
        inputs: Option<&[f32]>,
        descriptors: Option<&[f32]>,
    ) -> Batch {
        let b = rows.len();
        let l = rows.iter().map(|&r| comps.row(r).0.len()).max().unwrap_or(1).max(1);
        let mut el = vec![0i64; b * l];
        let mut fr = vec![0f32; b * l];
        let mut pad = vec![true; b * l];
        for (i, &r) in rows.iter().enumerate() {
            let (e, f) = comps.row(r);
            el[i * l..i * l + e.len()].copy_from_slice(e);
            fr[i * l..i * l + f.len()].copy_from_slice(f);
            pad[i * l..i * l + e.len()].iter_mut().for_each(|p| *p = false);
        }
        let shape = [b as i64, l as i64];
        let tokens = TokenBatch {
            elements: Tensor::from_slice(&el).view(shape).to_device(self.device),
            fractions: Tensor::from_slice(&fr).view(shape).to_device(self.device),
            padding: Tensor::from_slice(&pad).view(shape).to_device(self.device),
        };
        let matrix = |x: &[f32]| {
            let p = x.len() / b.max(1);
            Tensor::from_slice(x).view([b as i64, p as i64]).to_device(self.device)
        };
        let inputs = inputs.filter(|_| self.params.is_some()).map(matrix);
        let descriptors = descriptors.filter(|_| self.descriptors.is_some()).map(matrix);
        Batch { tokens, inputs, descriptors }
    }
}

/// Tensor → `Vec<f64>` (any shape, row-major).
pub(crate) fn to_vec(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).to_device(Device::Cpu).contiguous().view([-1]))
        .expect("a float tensor converts to Vec<f64>")
}
