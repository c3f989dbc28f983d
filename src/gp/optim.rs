//! Box-bounded smooth minimisation: argmin's L-BFGS (More–Thuente line search) on a penalised
//! objective. crucible's one gateway to `argmin` (the GP fit and the acquisition search in
//! `bo` both call [`minimize`]).
//!
//! argmin's L-BFGS is unconstrained, so bounds enter as `f(clamp(x)) + ρ‖x − clamp(x)‖²`: the
//! objective is always evaluated inside the box, and steps that leave it are pulled back. The
//! best point ever evaluated (clamped) is returned, so a line search that fails late, or
//! an iteration limit, never loses progress.
use std::cell::RefCell;

use argmin::core::{CostFunction, Error, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

/// Settings of one local minimisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MinimizeOptions {
    /// Maximum L-BFGS iterations.
    pub max_iters: u64,
    /// Stop when the gradient norm falls below this.
    pub tol_grad: f64,
    /// Weight of the squared distance outside the box.
    pub penalty: f64,
    /// Stop when an iteration lowers the objective by less than this (absolute).
    pub tol_cost: f64,
}

impl Default for MinimizeOptions {
    fn default() -> Self {
        MinimizeOptions { max_iters: 50, tol_grad: 1e-7, penalty: 1e4, tol_cost: f64::EPSILON }
    }
}

/// The result of [`minimize`]: the best point (inside the box) and its objective value.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// Best point found, within the bounds.
    pub x: Vec<f64>,
    /// Its objective value.
    pub value: f64,
    /// Objective evaluations used.
    pub evaluations: usize,
}

type Eval = (Vec<f64>, f64, Vec<f64>);

struct Problem<'a, F> {
    f: F,
    lower: &'a [f64],
    upper: &'a [f64],
    penalty: f64,
    /// Last evaluation (argmin asks for cost and gradient separately at the same point).
    last: RefCell<Option<Eval>>,
    best: RefCell<Option<(Vec<f64>, f64)>>,
    evaluations: RefCell<usize>,
}

impl<F: Fn(&[f64]) -> Option<(f64, Vec<f64>)>> Problem<'_, F> {
    fn eval(&self, x: &[f64]) -> (f64, Vec<f64>) {
        if let Some((px, v, g)) = self.last.borrow().as_ref() {
            if px.as_slice() == x {
                return (*v, g.clone());
            }
        }
        let c: Vec<f64> = x.iter().zip(self.lower.iter().zip(self.upper)).map(|(v, (l, u))| v.clamp(*l, *u)).collect();
        *self.evaluations.borrow_mut() += 1;
        let (value, grad) = match (self.f)(&c) {
            Some((v, g)) if v.is_finite() && g.iter().all(|x| x.is_finite()) => {
                let mut best = self.best.borrow_mut();
                if best.as_ref().is_none_or(|(_, b)| v < *b) {
                    *best = Some((c.clone(), v));
                }
                let mut total = v;
                let mut grad = g;
                for k in 0..x.len() {
                    let out = x[k] - c[k];
                    if out != 0.0 {
                        grad[k] = 2.0 * self.penalty * out;
                        total += self.penalty * out * out;
                    }
                }
                (total, grad)
            }
            // Non-finite: a wall the line search backs away from.
            _ => (f64::MAX / 1e3, vec![0.0; x.len()]),
        };
        *self.last.borrow_mut() = Some((x.to_vec(), value, grad.clone()));
        (value, grad)
    }
}

/// What argmin owns during a run: a borrow, so the best point outlives the executor.
struct Borrowed<'p, 'a, F>(&'p Problem<'a, F>);

impl<F: Fn(&[f64]) -> Option<(f64, Vec<f64>)>> CostFunction for Borrowed<'_, '_, F> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, p: &Vec<f64>) -> Result<f64, Error> {
        Ok(self.0.eval(p).0)
    }
}

impl<F: Fn(&[f64]) -> Option<(f64, Vec<f64>)>> Gradient for Borrowed<'_, '_, F> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, p: &Vec<f64>) -> Result<Vec<f64>, Error> {
        Ok(self.0.eval(p).1)
    }
}

/// Minimise `f` over the box `[lower, upper]` from `x0` with L-BFGS. `f` returns the value and
/// gradient, or `None` where it is undefined. `None` only when `f` was undefined at every
/// point tried.
pub fn minimize<F>(f: F, x0: &[f64], lower: &[f64], upper: &[f64], opts: &MinimizeOptions) -> Option<Minimum>
where
    F: Fn(&[f64]) -> Option<(f64, Vec<f64>)>,
{
    assert!(x0.len() == lower.len() && x0.len() == upper.len(), "minimize: bound lengths");
    let start: Vec<f64> = x0.iter().zip(lower.iter().zip(upper)).map(|(v, (l, u))| v.clamp(*l, *u)).collect();
    let problem = Problem {
        f,
        lower,
        upper,
        penalty: opts.penalty,
        last: RefCell::new(None),
        best: RefCell::new(None),
        evaluations: RefCell::new(0),
    };
    // Evaluate the start first: it is a valid answer even if the solver errs at once.
    problem.eval(&start);
    if !start.is_empty() && opts.max_iters > 0 {
        let solver = LBFGS::new(MoreThuenteLineSearch::new(), 7)
            .with_tolerance_grad(opts.tol_grad)
            .and_then(|s| s.with_tolerance_cost(opts.tol_cost.max(0.0)));
        if let Ok(solver) = solver {
            let run = Executor::new(Borrowed(&problem), solver)
                .configure(|s| s.param(start.clone()).max_iters(opts.max_iters));
            // Errors (a line search that finds no descent) leave the best point recorded.
            let _ = run.timer(false).run();
        }
    }
    let evaluations = *problem.evaluations.borrow();
    let best = problem.best.borrow().clone();
    best.map(|(x, value)| Minimum { x, value, evaluations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_interior_and_boundary_minima() {
        // Rosenbrock: minimum (1, 1), inside [-2, 2]².
        let rosen = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            let g = vec![-2.0 * (1.0 - a) - 400.0 * a * (b - a * a), 200.0 * (b - a * a)];
            Some((v, g))
        };
        let opts = MinimizeOptions { max_iters: 200, ..Default::default() };
        let m = minimize(rosen, &[-1.2, 1.0], &[-2.0, -2.0], &[2.0, 2.0], &opts).unwrap();
        assert!((m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3, "{m:?}");
        // Linear objective: minimum at the lower corner of the box.
        let lin = |x: &[f64]| Some((x[0] + 2.0 * x[1], vec![1.0, 2.0]));
        let m = minimize(lin, &[0.5, 0.5], &[0.0, 0.0], &[1.0, 1.0], &MinimizeOptions::default()).unwrap();
        assert!(m.x[0] < 1e-3 && m.x[1] < 1e-3, "{m:?}");
        assert!(m.x.iter().all(|v| (0.0..=1.0).contains(v)));
        // Undefined everywhere.
        assert!(minimize(|_: &[f64]| None, &[0.0], &[0.0], &[1.0], &MinimizeOptions::default()).is_none());
    }
}
