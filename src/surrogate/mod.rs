//! The surrogate model: the only home of libtorch (`tch`) in crucible.
//!
//! A permutation-invariant composition encoder (element tokens with mat2vec-initialised
//! embeddings and a fractional encoding, self-attention blocks, fraction-weighted pooling), a
//! branch for structure/processing inputs, and one head per task (regression or
//! classification). [`fit::pretrain`] trains on several data sets at once; [`fit::finetune`]
//! adapts a checkpoint (or starts from scratch) to a small data set, optionally as a deep
//! ensemble. Models live in directories of safetensors weights plus a YAML [`ModelCard`].
//!
//! - `data`: labelled tables → [`TrainingSet`] (bad rows, NaN targets, repeated formulas);
//!   `inputs`: compositions as element tokens, tables encoded for prediction; `descriptors`:
//!   Magpie / element-fraction descriptors for the optional descriptor branch, standardised
//!   with training statistics kept in the card
//! - `split`: deterministic train/validation/test splits by composition
//! - `encoder`, `network`: the tch modules; `train`: the training loop
//! - `compare`: a linear probe and a from-scratch model retrained like a fine-tuned one
//! - `fit`: pretraining and fine-tuning; `model`, `checkpoint`, `card`: trained models on disk
//! - `metrics`: MAE/RMSE/R², classification reports, ROC-AUC, calibration
//! - `uncertainty`: a GP on the fine-tuned embedding (the second uncertainty method besides
//!   the deep ensemble), fitted, saved next to the weights and applied when predicting
//!
//! Knows nothing of campaigns, files or the terminal: callers pass plain data in and get
//! `ndarray` arrays out. Nothing outside this module imports `tch`.
use std::path::PathBuf;

use tch::{nn, nn::OptimizerConfig, Kind, Tensor};

pub mod card;
pub mod checkpoint;
pub mod compare;
pub mod data;
pub mod descriptors;
pub mod encoder;
pub mod fit;
pub mod inputs;
pub mod metrics;
pub mod model;
pub mod network;
pub mod split;
pub mod train;
pub mod uncertainty;

pub use card::ModelCard;
pub use data::{KindChoice, LabeledTable, TaskKind, TaskRequest, TaskSource, TrainingSet};
pub use descriptors::{DescriptorSet, DescriptorSettings, DescriptorSpec};
pub use encoder::{Architecture, ElementInit};
pub use fit::{finetune, held_out, pretrain, FitProgress, FitSettings, Freeze, Start};
pub use inputs::{encode_table, CompositionInputs, EncodedTable};
pub use model::{Model, ModelInputs, NeuralSurrogate, Predictions};
/// The libtorch device type, re-exported so that callers need not import `tch`.
pub use tch::Device;
pub use train::{FitReport, OptimizerKind, RegressionLoss, TrainSettings};
pub use uncertainty::GpMean;

/// Errors of the surrogate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SurrogateError {
    /// CUDA was asked for but this libtorch or machine cannot provide it.
    #[error("device '{asked}' requested but {why}; use `device: cpu`, or point LIBTORCH at a CUDA build of libtorch 2.13.0 (see README, GPU)")]
    DeviceUnavailable {
        /// What the config asked for.
        asked: String,
        /// Why it is unavailable.
        why: String,
    },
    /// libtorch raised an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// Training data that cannot be used.
    #[error("{0}")]
    Data(String),
    /// Network sizes that do not fit together.
    #[error("architecture: {0}")]
    Architecture(String),
    /// Training settings out of range.
    #[error("settings: {0}")]
    Settings(String),
    /// Inputs that do not fit the model.
    #[error("inputs: {0}")]
    Inputs(String),
    /// A model directory that is missing, unreadable or inconsistent.
    #[error("{path}: {message}")]
    Checkpoint {
        /// The file or directory.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The loss became NaN or infinite.
    #[error("training diverged at epoch {epoch} (loss {loss}); lower the learning rate")]
    Diverged {
        /// The epoch.
        epoch: usize,
        /// The loss value.
        loss: f64,
    },
}

impl SurrogateError {
    pub(crate) fn data(message: String) -> SurrogateError {
        SurrogateError::Data(message)
    }
}

/// Set libtorch's intra-op thread count: `threads`, or 1 by default. For the small shipped
/// model one thread measured 5–7× faster than two on the 2-core development machine (an
/// mp_e_form epoch: 20 s against 88–111 s; `experiments/pretrain-base`): per-op OpenMP
/// synchronisation dominates small tensors. Larger models on more cores should pass more.
/// Returns the count set.
pub fn set_threads(threads: Option<usize>) -> usize {
    let n = threads.filter(|&t| t > 0).unwrap_or(1);
    tch::set_num_threads(n as i32);
    n
}

/// Which device a model runs on (`device:` in the config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceChoice {
    /// Always the CPU (default).
    Cpu,
    /// CUDA device 0; an error if unavailable.
    Cuda,
    /// CUDA when available, else CPU.
    Auto,
}

/// Resolve a device choice against what libtorch and the machine offer.
pub fn resolve_device(choice: DeviceChoice) -> Result<Device, SurrogateError> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => Ok(Device::cuda_if_available()),
        DeviceChoice::Cuda => {
            if tch::Cuda::is_available() {
                Ok(Device::Cuda(0))
            } else {
                Err(SurrogateError::DeviceUnavailable {
                    asked: "cuda".into(),
                    why: "libtorch reports no usable CUDA device (a CPU-only libtorch, or no GPU visible)".into(),
                })
            }
        }
    }
}

/// A libtorch health check: a tensor op and one AdamW step on a tiny linear model.
///
/// Returns the loss before and after the step; the step must reduce it. Used by
/// `crucible doctor` and the test suite so that a broken libtorch install fails loudly.
pub fn torch_smoke_check() -> Result<(f64, f64), SurrogateError> {
    let t = Tensor::from_slice(&[1.0f32, 2.0, 3.0]);
    let s = (&t * &t).sum(Kind::Float).double_value(&[]);
    if (s - 14.0).abs() > 1e-6 {
        return Err(SurrogateError::Torch(tch::TchError::Kind(format!("tensor arithmetic is wrong: 1+4+9 gave {s}"))));
    }
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let lin = nn::linear(vs.root(), 3, 1, Default::default());
    let mut opt = nn::AdamW::default().build(&vs, 1e-2)?;
    let x = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).view([3, 3]);
    let y = Tensor::from_slice(&[1.0f32, 2.0, 3.0]).view([3, 1]);
    let loss = |lin: &nn::Linear| (x.apply(lin) - &y).pow_tensor_scalar(2).mean(Kind::Float);
    let before = loss(&lin);
    opt.backward_step(&before);
    let after = loss(&lin).double_value(&[]);
    Ok((before.double_value(&[]), after))
}

#[cfg(test)]
mod descriptor_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod smoke_tests {
    use super::*;

    #[test]
    fn libtorch_links_and_adamw_step_reduces_loss() {
        let (before, after) = torch_smoke_check().expect("libtorch smoke check");
        assert!(after < before, "AdamW step did not reduce the loss: {before} -> {after}");
    }

    #[test]
    fn cuda_request_on_cpu_only_machine_is_a_clear_error() {
        if tch::Cuda::is_available() {
            return; // a GPU machine: nothing to check here
        }
        let err = resolve_device(DeviceChoice::Cuda).unwrap_err().to_string();
        assert!(err.contains("cuda") && err.contains("LIBTORCH"), "{err}");
        assert_eq!(resolve_device(DeviceChoice::Auto).unwrap(), Device::Cpu);
    }
}
