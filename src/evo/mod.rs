//! Evolutionary optimisation: [`GeneticStrategy`] (`optimizer: {kind: genetic}`),
//! [`CmaesStrategy`] (`cmaes`) and [`Nsga2Strategy`] (`nsga2`), ask/tell strategies for cheap
//! oracles (the surrogate, analytic functions, fast simulators) that search wide and trace
//! the trade-off between several properties.
//!
//! Owns: genomes of a space (`layout`), fitness with uncertainty and constraint violation
//! ([`fitness`]), Pareto ranking ([`sort`]), variation operators ([`Operators`]), parallel
//! deterministic breeding (`breed`), the generational bookkeeping (`state`), the CMA-ES
//! numerics ([`cmaes`]; its eigendecomposition is `gp::linalg`'s) and a hypervolume
//! ([`hypervolume`]) for measuring fronts.
//! Must not: evaluate, store, print, or touch the campaign loop; feasibility is the space's
//! business (every offspring is decoded, repaired by `Space::repair` and checked by
//! `Space::check`).
//!
//! # Generations over ask/tell
//! The campaign asks `batch_size` candidates at a time and tells each batch's results before
//! the next ask. A generation is `population` told results (see `state`): it may span
//! several batches (they are all bred from the same parents) or one batch may hold more (then
//! they all join that generation; CMA-ES instead takes exactly λ results per generation and
//! carries the rest to the next). **Recommendation**: with the surrogate as the oracle, set
//! `batch_size` to `population`, so each generation is scored in one batched prediction.
//! The initial design (`optimizer.initial`, uniform draws, origin `initial`) is the first
//! population; when it is smaller than `population` the population fills up with offspring
//! of what is there; until anything is told, asks draw uniformly (origin the strategy's name).
//!
//! # Determinism and threads
//! Every random number comes from the generator passed to `ask`: each breeding attempt gets
//! its own generator seeded from it in order, attempts run on rayon's threads, and results are
//! accepted in attempt order, so a seeded run gives the same candidates on any number of
//! threads. Tell uses no randomness and depends only on the state and the results, so a
//! checkpoint restored and told the results that were in flight continues exactly.
//!
//! # Pools
//! On a pool the genome is the pool's encoded row; offspring (or CMA-ES samples) are mapped to
//! the nearest pool row not seen before. That makes evolutionary search usable for
//! retrospective benchmarks on tables; for scoring a whole pool with the surrogate, ranking
//! every row (`bayesian` or `crucible rank`) is the better tool.
//!
//! # Termination
//! Generations, evaluations, wall time and stagnation (`budget.stagnation`: iterations in a
//! row without a new best, or without a new non-dominated feasible candidate) are the
//! campaign budget's, so they apply to every strategy alike. Within a run, CMA-ES also
//! restarts with a doubled population when it stalls (IPOP).
//!
//! ```
//! use crucible::config::spec::Goal;
//! use crucible::evo::{Nsga2Settings, Nsga2Strategy};
//! use crucible::goals::Goals;
//! use crucible::space::spec::{DesignSpec, ParameterSpec, SpaceSpec};
//! use crucible::space::{ParamValue, Space};
//! use crucible::strategy::{AskContext, Evaluated, Strategy};
//! use rand::SeedableRng;
//!
//! let x = ParameterSpec::Continuous { name: "x".into(), min: 0.0, max: 2.0, unit: None };
//! let space = Space::new(&SpaceSpec::Design(DesignSpec { parameters: vec![x], ..DesignSpec::default() }), None).unwrap();
//! // Minimise x² and (x − 2)²: the Pareto set is [0, 2].
//! let goals = Goals { objectives: vec![(0, Goal::Minimize), (1, Goal::Minimize)], constraints: vec![] };
//! let mut settings = Nsga2Settings::new(goals);
//! settings.population = 8;
//! let mut ga = Nsga2Strategy::new(settings).unwrap();
//! let mut seen = Vec::new();
//! for it in 0..5 {
//!     let ctx = AskContext { space: &space, seen: &seen, initial_remaining: if it == 0 { 8 } else { 0 } };
//!     let asked = ga.ask(&ctx, 8, &mut rand_chacha::ChaCha8Rng::seed_from_u64(it)).unwrap();
//!     let told: Vec<Evaluated> = asked
//!         .iter()
//!         .map(|p| {
//!             let ParamValue::Real(v) = p.candidate.params[0] else { unreachable!() };
//!             Evaluated { candidate: p.candidate.clone(), values: Some(vec![v * v, (v - 2.0).powi(2)]), feasible: true, stds: None }
//!         })
//!         .collect();
//!     seen.extend(asked.into_iter().map(|p| p.candidate));
//!     ga.tell(&told).unwrap();
//! }
//! assert_eq!(ga.generation(), 4);
//! assert!(ga.front().len() >= 2);
//! ```
use rand_chacha::ChaCha8Rng;

mod breed;
mod cma_strategy;
pub mod cmaes;
pub mod fitness;
mod genetic;
pub mod hypervolume;
mod layout;
mod nsga2;
mod operators;
pub mod sort;
mod state;
#[cfg(test)]
mod tests;

pub use cma_strategy::{CmaesSettings, CmaesStrategy};
pub use genetic::{GeneticSettings, GeneticStrategy};
pub use nsga2::{Nsga2Settings, Nsga2Strategy};
pub use operators::Operators;

use crate::space::Candidate;
use crate::strategy::{AskContext, Proposal, RandomStrategy, Strategy, StrategyError};

/// Errors of the evolutionary strategies' settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EvoError {
    /// Settings that cannot work (wrong number of objectives, population too small, …).
    #[error("optimizer settings: {0}")]
    Settings(String),
}

/// Uniform draws for the initial design (the first `min(n, initial_remaining)`, origin
/// `initial`) and, while there is nothing to breed from (`empty`), for the whole ask (origin
/// `name`). Returns them with the seen list extended by them, when there are any.
fn bootstrap(
    ctx: &AskContext<'_>,
    n: usize,
    rng: &mut ChaCha8Rng,
    name: &str,
    empty: bool,
) -> Result<(Vec<Proposal>, Option<Vec<Candidate>>), StrategyError> {
    let k = if empty { n } else { n.min(ctx.initial_remaining) };
    if k == 0 {
        return Ok((Vec::new(), None));
    }
    let mut drawn = RandomStrategy.ask(ctx, k, rng)?;
    for p in drawn.iter_mut().filter(|p| p.origin != "initial") {
        p.origin = name.to_string();
    }
    let mut seen = ctx.seen.to_vec();
    seen.extend(drawn.iter().map(|p| p.candidate.clone()));
    Ok((drawn, Some(seen)))
}
