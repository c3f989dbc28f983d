//! Gaussian-process regression for Bayesian optimisation: an exact GP with an ARD Matérn-5/2
//! kernel ([`kernel`]), hyperparameters fitted by maximising the marginal likelihood under
//! weak priors ([`mll`], [`fit`]) through argmin's L-BFGS ([`optim`], the crate's only argmin
//! gateway besides `bo`), and the posterior ([`model`]): mean, standard deviation and their
//! input gradients, joint covariance, fantasies. Dense algebra is ours ([`linalg`]).
//!
//! Owns: numerical modelling of one scalar output from encoded inputs (n × d, `f64`).
//! Must not: know spaces, goals, acquisitions, campaigns, or files.
//!
//! ```
//! use crucible::gp::{fit, FitOptions};
//! use ndarray::{array, Array2};
//! use rand::SeedableRng;
//!
//! let x: Array2<f64> = array![[0.0], [0.25], [0.5], [0.75], [1.0]];
//! let y = x.column(0).mapv(|v| (6.0 * v).sin());
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let (gp, _report) = fit(x.view(), y.view(), &FitOptions::default(), &mut rng).unwrap();
//! let p = gp.predict(array![[0.25], [0.6]].view());
//! assert!((p.mean[0] - (1.5f64).sin()).abs() < 0.05); // interpolates the data
//! assert!(p.std[1] > p.std[0]);                          // less sure between points
//! ```
pub mod embedded;
pub mod fit;
pub mod kernel;
pub mod linalg;
pub mod mll;
pub mod model;
pub mod optim;
pub mod pca;
#[cfg(test)]
mod tests;

pub use fit::{fit, FitOptions, FitReport};
pub use linalg::Cholesky;
pub use mll::LengthScalePrior;
pub use model::{Gp, Hyper, Posterior, PosteriorGrad};
pub use optim::{minimize, MinimizeOptions, Minimum};

/// Errors of GP construction and fitting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GpError {
    /// No training data.
    #[error("a GP needs at least one observation")]
    Empty,
    /// Inconsistent shapes.
    #[error("GP data: {0}")]
    Shape(String),
    /// NaN or infinite inputs or outputs.
    #[error("GP data contain NaN or infinite values")]
    NonFinite,
    /// The covariance matrix could not be factorised even with the largest jitter.
    #[error("GP covariance is not positive definite even with jitter 1e-2")]
    Factorisation,
}
