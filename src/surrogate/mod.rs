//! The surrogate model: the only home of libtorch (`tch`) in crucible.
//!
//! This slice holds the device selection and the libtorch health check; the composition
//! encoder, pretraining and fine-tuning land with the surrogate issue.
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

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
mod tests {
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
