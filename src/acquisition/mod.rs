//! Acquisition functions: pure functions of a prediction (mean, standard deviation) and of
//! what has been achieved (incumbent, Pareto front), each with its derivatives in the mean and
//! the standard deviation so that `bo` can chain them with the model's input gradients.
//!
//! Owns: the formulas and their numerics (tails, logs). Must not: fit models, look at spaces
//! or campaigns, or choose candidates.
//!
//! Everything here is in **maximise form**: goals are applied before (see [`crate::goals`]).
//! How each goal reaches an acquisition (the decision, used by `bo`):
//! * `maximize` / `minimize`: the utility is `±y`, linear, so a GP on `y` gives the utility's
//!   posterior exactly (`±μ`, same σ); [`ei`], [`log_ei`], [`pi`], [`ucb`], [`thompson`] and
//!   [`ehvi`] apply directly.
//! * `target` / `range`: the utility `−dist(y, band)` is not linear. The GP models the raw
//!   property `y` and [`target`] gives closed forms for EI (log space), PI and UCB of `u(Y)`;
//!   Thompson applies `u` to each draw. With several objectives the utilities of the observed
//!   values are modelled directly (EHVI needs Gaussian utilities; ParEGO scalarises them).
//! * constraints: [`feasibility`] gives `log P(lo ≤ Y ≤ hi)` per constrained property, added
//!   to a log acquisition (i.e. multiplied in); failed evaluations enter `bo` as an extra
//!   "success" constraint.
//!
//! ```
//! use crucible::acquisition::{log_ei, ei};
//! let far = log_ei::log_ei(-40.0, 1.0, 0.0);      // 40 σ below the incumbent
//! assert!((far.value + 808.2986).abs() < 1e-3);   // EI itself would be 1e-351
//! assert_eq!(ei::ei(-40.0, 1.0, 0.0).value, 0.0);
//! ```
pub mod ehvi;
pub mod ei;
pub mod feasibility;
pub mod log_ei;
pub mod normal;
pub mod parego;
pub mod pi;
pub mod target;
pub mod thompson;
pub mod ucb;

/// An acquisition value with its derivatives with respect to the predictive mean and
/// standard deviation (for log acquisitions: of the log).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcqValue {
    /// The value (higher is better).
    pub value: f64,
    /// ∂value/∂mean.
    pub d_mean: f64,
    /// ∂value/∂std.
    pub d_std: f64,
}

/// The standard deviation used in formulas: at least `1e-12 (1 + |mean|)`, so that a point
/// the model is certain about gives finite values instead of 0/0.
pub(crate) fn floor_std(std: f64, mean: f64) -> f64 {
    std.max(1e-12 * (1.0 + mean.abs()))
}
