//! Fitting a GP: hyperparameters by maximising the log marginal likelihood plus log prior
//! (a MAP estimate) with L-BFGS from several starts — the prior median, the previous fit when
//! given (warm start), and draws from the prior — keeping the best. On more than
//! [`FitOptions::screen_above`] points the starts are screened first (one value each) and only
//! the best [`FitOptions::refine_starts`] are refined: each refinement costs tens of O(n³)
//! evaluations, and with that much data the posterior's mode is well determined.
//!
//! Above [`FitOptions::max_fit_points`] observations the hyperparameters are fitted on a random
//! subset of that size (each likelihood evaluation is O(n³)); the returned GP is conditioned on
//! every point.
use ndarray::{ArrayView1, ArrayView2};
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::mll::{log_marginal_likelihood, log_marginal_likelihood_value, LengthScalePrior, Prior};
use super::model::{check_data, input_scaling, normalise_rows, output_scaling, Gp, Hyper};
use super::optim::{minimize, MinimizeOptions};
use super::GpError;

/// Settings of a GP fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FitOptions {
    /// Starts drawn from the prior, besides the prior median and the warm start.
    pub random_starts: usize,
    /// L-BFGS iterations per start.
    pub max_iters: u64,
    /// A previous fit's hyperparameters, tried as a start (ignored if the input count differs).
    pub warm: Option<Hyper>,
    /// Fit hyperparameters on at most this many points (a random subset).
    pub max_fit_points: usize,
    /// Upper bound on the noise variance relative to the output variance (default 1; lower
    /// it for outputs known to be nearly noise-free, e.g. success/failure labels).
    pub max_noise: f64,
    /// The length-scale prior.
    pub length_scale: LengthScalePrior,
    /// Above this many fitting points the starts are screened: each is scored once (the
    /// objective's value alone, a third of a gradient evaluation) and only the best
    /// `refine_starts` are refined by L-BFGS. At or below it every start is refined.
    pub screen_above: usize,
    /// Starts refined when screening.
    pub refine_starts: usize,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            random_starts: 3,
            max_iters: 60,
            warm: None,
            max_fit_points: 400,
            max_noise: 1.0,
            length_scale: LengthScalePrior::default(),
            screen_above: 100,
            refine_starts: 1,
        }
    }
}

/// How a fit went.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Log marginal likelihood + log prior at the chosen hyperparameters (on the fitting subset).
    pub log_posterior: f64,
    /// Starts tried.
    pub starts: usize,
    /// Likelihood evaluations, all starts together.
    pub evaluations: usize,
    /// Whether the final factorisation needed jitter.
    pub jittered: bool,
}

/// Fit a GP to `x` (n × d raw) and `y` (n, raw); see the module docs.
pub fn fit(
    x: ArrayView2<f64>,
    y: ArrayView1<f64>,
    opts: &FitOptions,
    rng: &mut ChaCha8Rng,
) -> Result<(Gp, FitReport), GpError> {
    check_data(x, y)?;
    let (n, d) = x.dim();
    let (lo, span) = input_scaling(x);
    let (y_mean, y_std) = output_scaling(y);
    let xn = normalise_rows(x, &lo, &span);
    let ys: Vec<f64> = y.iter().map(|v| (v - y_mean) / y_std).collect();
    let mut prior = Prior::with_length_scale(d, opts.length_scale);
    prior.upper[d + 1] = opts.max_noise.clamp(1e-6, 1.0).ln();
    prior.log_sn2_mean = prior.log_sn2_mean.min(prior.upper[d + 1]);

    // Fitting subset.
    let (fx, fy) = if n > opts.max_fit_points.max(2) {
        let mut idx = sample(rng, n, opts.max_fit_points.max(2)).into_vec();
        idx.sort_unstable();
        let fx: Vec<f64> = idx.iter().flat_map(|&i| xn[i * d..(i + 1) * d].to_vec()).collect();
        (fx, idx.iter().map(|&i| ys[i]).collect::<Vec<f64>>())
    } else {
        (xn.clone(), ys.clone())
    };

    let mut starts = vec![prior.median()];
    if let Some(w) = opts.warm.as_ref().filter(|w| w.log_ls.len() == d) {
        let t: Vec<f64> =
            w.pack().iter().zip(prior.lower.iter().zip(&prior.upper)).map(|(v, (l, u))| v.clamp(*l, *u)).collect();
        starts.push(t);
    }
    for _ in 0..opts.random_starts {
        let z: Vec<f64> = (0..d + 2).map(|_| StandardNormal.sample(rng)).collect();
        starts.push(prior.draw(&z));
    }

    let objective = |theta: &[f64]| {
        let (v, g) = log_marginal_likelihood(theta, &fx, d, &fy)?;
        let (pv, pg) = prior.log_density(theta);
        Some((-(v + pv), g.iter().zip(&pg).map(|(a, b)| -(a + b)).collect()))
    };
    let screen = fy.len() > opts.screen_above;
    // Screened (large) fits also stop once an iteration gains less than 1e-6 in the log posterior.
    let tol_cost = if screen { 1e-6 } else { f64::EPSILON };
    let mo = MinimizeOptions { max_iters: opts.max_iters, tol_grad: 1e-5, penalty: 1e3, tol_cost };
    let mut evaluations = 0;
    let refine: Vec<&Vec<f64>> = if screen && starts.len() > opts.refine_starts {
        // Screening: the log posterior at each start, best first (failures last).
        let mut scored: Vec<(f64, &Vec<f64>)> = starts
            .iter()
            .map(|s| {
                let v = log_marginal_likelihood_value(s, &fx, d, &fy)
                    .map_or(f64::NEG_INFINITY, |v| v + prior.log_density(s).0);
                (v, s)
            })
            .collect();
        evaluations += scored.len();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.into_iter().take(opts.refine_starts.max(1)).map(|(_, s)| s).collect()
    } else {
        starts.iter().collect()
    };
    let mut best: Option<(Vec<f64>, f64)> = None;
    for s in refine {
        if let Some(m) = minimize(objective, s, &prior.lower, &prior.upper, &mo) {
            evaluations += m.evaluations;
            if best.as_ref().is_none_or(|(_, v)| m.value < *v) {
                best = Some((m.x, m.value));
            }
        }
    }
    let (theta, value) = best.ok_or(GpError::Factorisation)?;
    let gp = Gp::from_parts(d, xn, ys, lo, span, y_mean, y_std, Hyper::unpack(&theta))?;
    let report = FitReport { log_posterior: -value, starts: starts.len(), evaluations, jittered: gp.jittered() };
    Ok((gp, report))
}
