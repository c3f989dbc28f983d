//! Bayesian optimisation: [`BayesianStrategy`] fits GPs to the results told so far and
//! proposes the candidates that maximise an acquisition function.
//!
//! Owns: model set-up from goals and history ([`models`]), scoring ([`score`]), acquisition
//! maximisation over designed spaces ([`maximize`], multi-start L-BFGS through argmin on the
//! encoding's feasible directions, then the space's repair) and pools ([`pool`], exhaustive
//! in chunks), batches, and the strategy's checkpoint. Must not: evaluate, store, print, or
//! touch the campaign loop.
//!
//! One ask:
//! 1. While the initial design is not done (`AskContext::initial_remaining`), space-filling
//!    draws (`Space::sample`; for pools, unseen rows uniformly), origin `initial`.
//! 2. Fit GPs on the encoded evaluated candidates: per objective property and per constrained
//!    property, plus a success model when evaluations failed (see [`models`]). Hyperparameters
//!    warm-start from the previous ask.
//! 3. Candidates already proposed but not yet told (pending) enter as Kriging-believer
//!    fantasies: each GP believes its mean there, which shrinks its uncertainty and so the
//!    acquisition nearby.
//! 4. For each of the `n` batch points: maximise the acquisition among candidates not seen
//!    and not yet chosen, then add the choice as a fantasy (sequential greedy batch). Thompson
//!    sampling instead takes one joint posterior draw per point over a candidate set.
//!
//! Several objectives: `ehvi` with two objectives uses exact EHVI on GPs of the utilities;
//! `parego` (and `ehvi` beyond two objectives, and the single-objective acquisitions when
//! several objectives are given) scalarise with fresh random weights per batch point and use
//! the chosen acquisition (log-EI for `ehvi`/`parego`) on a GP of the scalarisation.
//!
//! Deterministic given the generator passed to `ask` (and the told history).
//!
//! ```
//! use crucible::bo::{BayesianStrategy, BoSettings};
//! use crucible::config::spec::{AcquisitionKind, Goal};
//! use crucible::goals::Goals;
//! use crucible::space::spec::{DesignSpec, ParameterSpec, SpaceSpec};
//! use crucible::space::{ParamValue, Space};
//! use crucible::strategy::{AskContext, Evaluated, Strategy};
//! use rand::SeedableRng;
//!
//! let x = ParameterSpec::Continuous { name: "x".into(), min: 0.0, max: 1.0, unit: None };
//! let spec = SpaceSpec::Design(DesignSpec { parameters: vec![x], ..DesignSpec::default() });
//! let space = Space::new(&spec, None).unwrap();
//! let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] };
//! let mut bo = BayesianStrategy::new(BoSettings::new(goals, AcquisitionKind::LogEi));
//! let mut seen = Vec::new();
//! for it in 0..4 {
//!     let ctx = AskContext { space: &space, seen: &seen, initial_remaining: if it == 0 { 3 } else { 0 } };
//!     let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(it);
//!     let asked = bo.ask(&ctx, if it == 0 { 3 } else { 1 }, &mut rng).unwrap();
//!     let told: Vec<Evaluated> = asked
//!         .iter()
//!         .map(|p| {
//!             let ParamValue::Real(v) = p.candidate.params[0] else { unreachable!() };
//!             Evaluated { candidate: p.candidate.clone(), values: Some(vec![-(v - 0.3).powi(2)]), feasible: true, stds: None }
//!         })
//!         .collect();
//!     seen.extend(asked.into_iter().map(|p| p.candidate));
//!     bo.tell(&told).unwrap();
//! }
//! assert_eq!(seen.len(), 6);
//! ```
use std::collections::{BTreeMap, HashSet};

use ndarray::ArrayView2;
use rand_chacha::ChaCha8Rng;

pub mod history;
pub mod layout;
pub mod maximize;
pub mod models;
pub mod pool;
pub mod score;
#[cfg(test)]
mod tests;
pub mod thompson;

use history::Obs;
use layout::Layout;
use maximize::{maximize_design, RawSample, Search};
use models::Models;
use score::{Kind, Scorer};

use crate::acquisition::parego::simplex_weights;
use crate::config::spec::{AcquisitionKind, CampaignSpec};
use crate::goals::Goals;
use crate::gp::{FitOptions, Hyper};
use crate::space::{Candidate, Space};
use crate::strategy::{candidate_key, AskContext, Evaluated, FeatureMap, Proposal, Strategy, StrategyError};

/// Settings of a [`BayesianStrategy`]; [`BoSettings::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct BoSettings {
    /// The campaign's objectives and constraints (property indices into `Evaluated::values`).
    pub goals: Goals,
    /// The acquisition function.
    pub acquisition: AcquisitionKind,
    /// Space-filling candidates scored per ask before refinement (designed spaces).
    pub raw_samples: usize,
    /// Best raw candidates refined by L-BFGS per batch point.
    pub restarts: usize,
    /// L-BFGS iterations per refinement.
    pub refine_iters: u64,
    /// Enumerate categorical combinations up to this many; relax them beyond.
    pub enumerate_limit: usize,
    /// Pool rows encoded and scored at once.
    pub pool_chunk: usize,
    /// Best pool rows kept from the exhaustive scan for batch selection.
    pub pool_keep: usize,
    /// Candidate-set size for Thompson sampling.
    pub thompson_candidates: usize,
    /// GP fitting options.
    pub fit: FitOptions,
}

impl BoSettings {
    /// Defaults: 2000 raw samples, 10 restarts of 40 L-BFGS iterations, enumeration up to 32
    /// categorical combinations, pool chunks of 4096 rows keeping the best 256, 1000 Thompson
    /// candidates, [`FitOptions::default`].
    pub fn new(goals: Goals, acquisition: AcquisitionKind) -> BoSettings {
        BoSettings {
            goals,
            acquisition,
            raw_samples: 2000,
            restarts: 10,
            refine_iters: 40,
            enumerate_limit: 32,
            pool_chunk: 4096,
            pool_keep: 256,
            thompson_candidates: 1000,
            fit: FitOptions::default(),
        }
    }
}

/// GP-based Bayesian optimisation (see the module docs).
#[derive(Debug)]
pub struct BayesianStrategy {
    settings: BoSettings,
    obs: Vec<Obs>,
    hypers: BTreeMap<String, Hyper>,
}

/// How the objectives are modelled this ask.
enum Setup {
    Single,
    Pareto,
    Parego,
}

impl BayesianStrategy {
    /// A strategy with these settings and no history.
    pub fn new(settings: BoSettings) -> BayesianStrategy {
        BayesianStrategy { settings, obs: Vec::new(), hypers: BTreeMap::new() }
    }

    /// The strategy a campaign asks for: its goals (`Goals::from_spec`) and
    /// `optimizer.acquisition` (when absent: log-EI for one objective, EHVI for several),
    /// default search settings.
    pub fn from_spec(spec: &CampaignSpec) -> BayesianStrategy {
        let default = if spec.objectives.len() > 1 { AcquisitionKind::Ehvi } else { AcquisitionKind::LogEi };
        let kind = spec.optimizer.acquisition.map_or(default, |a| a.kind);
        let mut settings = BoSettings::new(Goals::from_spec(spec), kind);
        if let Some(p) = spec.optimizer.length_scale_prior {
            settings.fit.length_scale = crate::gp::LengthScalePrior { median: p.median, log_sd: p.log_sd };
        }
        BayesianStrategy::new(settings)
    }

    /// Results told so far.
    pub fn observations(&self) -> usize {
        self.obs.len()
    }

    fn setup(&self) -> Setup {
        match (self.settings.goals.objectives.len(), self.settings.acquisition) {
            (0 | 1, _) => Setup::Single,
            (2, AcquisitionKind::Ehvi) => Setup::Pareto,
            _ => Setup::Parego,
        }
    }

    fn kind(&self) -> Kind {
        match self.settings.acquisition {
            AcquisitionKind::Ei => Kind::Ei,
            AcquisitionKind::Pi => Kind::Pi,
            AcquisitionKind::Ucb { beta } => Kind::Ucb(beta),
            _ => Kind::LogEi,
        }
    }

    /// Model-based proposals (steps 2–4 of the module docs). With `features`, every GP is fitted
    /// on them instead of the space's encoding, and a designed space's acquisition is
    /// maximised over the scored space-filling sample (no gradients through learned features).
    fn propose(
        &mut self,
        space: &Space,
        seen: &[Candidate],
        n: usize,
        rng: &mut ChaCha8Rng,
        features: Option<&dyn FeatureMap>,
    ) -> Result<Vec<Proposal>, StrategyError> {
        let enc = |cs: &[Candidate]| -> Result<ndarray::Array2<f64>, StrategyError> {
            match features {
                None => Ok(space.encode(cs)),
                Some(f) => f.features(cs).map_err(StrategyError::Features),
            }
        };
        let mut taken: HashSet<Vec<u64>> = seen.iter().map(candidate_key).collect();
        let told: HashSet<Vec<u64>> = self.obs.iter().map(|o| candidate_key(&o.candidate)).collect();
        taken.extend(told.iter().cloned());
        let pending: Vec<Candidate> = seen.iter().filter(|c| !told.contains(&candidate_key(c))).cloned().collect();
        let x = match features {
            None => models::encode_obs(space, &self.obs),
            Some(_) => enc(&self.obs.iter().map(|o| o.candidate.clone()).collect::<Vec<_>>())?,
        };
        let goals = self.settings.goals.clone();
        let setup = self.setup();
        let thompson = self.settings.acquisition == AcquisitionKind::Thompson;
        let kind = self.kind();
        let obs = std::mem::take(&mut self.obs);
        let mut fitter =
            models::Fitter { options: self.settings.fit.clone(), hypers: &mut self.hypers, rng: &mut *rng };
        let base: Option<Models> = match setup {
            Setup::Single => Some(models::single(&goals, x.view(), &obs, &mut fitter)),
            Setup::Pareto => Some(models::pareto(&goals, x.view(), &obs, &mut fitter)),
            Setup::Parego => None,
        };
        let feas = match setup {
            Setup::Parego => Some(models::feasibility_models(&goals, x.view(), &obs, &mut fitter)),
            _ => None,
        };
        drop(fitter);
        // Fantasies: pending first, then this batch's picks.
        let mut fantasies: Vec<Vec<f64>> = enc(&pending)?.rows().into_iter().map(|r| r.to_vec()).collect();
        let believe = |m: Models, rows: &[Vec<f64>]| {
            rows.iter().fold(m, |m, r| m.fantasize(ndarray::ArrayView1::from(r.as_slice())))
        };
        let mut current = base.map(|m| believe(m, &fantasies));

        let pool_len = space.pool_len();
        let raw = match pool_len {
            None => {
                let want = if thompson { self.settings.thompson_candidates } else { self.settings.raw_samples };
                let cs = space.sample(want.max(1), rng)?;
                Some(RawSample { x: enc(&cs)?, candidates: cs })
            }
            Some(_) => None,
        };
        let layout = raw
            .as_ref()
            .and_then(|r| r.candidates.first())
            .and_then(|c| Layout::new(space, c))
            .unwrap_or_else(|| Layout::free(space.dim()));
        let search = Search {
            restarts: self.settings.restarts,
            max_iters: self.settings.refine_iters,
            enumerate_limit: self.settings.enumerate_limit,
        };
        let mut taken_rows: HashSet<usize> = taken.iter().filter_map(|k| pool_row(k)).collect();
        let mut pool_top: Option<Vec<usize>> = None;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            let models = match (&current, &feas) {
                (Some(m), _) => m.clone(),
                (None, Some(f)) => {
                    let w = simplex_weights(goals.objectives.len(), rng);
                    let mut fitter =
                        models::Fitter { options: self.settings.fit.clone(), hypers: &mut self.hypers, rng: &mut *rng };
                    believe(models::scalarised(&goals, x.view(), &obs, &w, &mut fitter, f), &fantasies)
                }
                (None, None) => unreachable!("either base models or feasibility models exist"),
            };
            let scorer = Scorer { models: &models, kind };
            let pick: Option<(Candidate, f64)> = match (pool_len, &raw) {
                (None, Some(raw)) if thompson => {
                    let allowed: Vec<bool> =
                        raw.candidates.iter().map(|c| !taken.contains(&candidate_key(c))).collect();
                    thompson::pick(&models, raw.x.view(), &allowed, rng).map(|(i, u)| (raw.candidates[i].clone(), u))
                }
                (None, Some(raw)) if features.is_some() => best_raw(&scorer, raw, &taken),
                (None, Some(raw)) => maximize_design(space, &layout, &scorer, raw, &taken, &search),
                (Some(len), _) => {
                    if thompson {
                        self.pool_thompson(&enc, len, &taken_rows, &models, rng)?
                    } else {
                        if pool_top.is_none() {
                            let f = |x: ArrayView2<f64>| scorer.score(x);
                            let keep = self.settings.pool_keep.max(n);
                            let top = pool::top_rows_with(&enc, len, &taken_rows, keep, self.settings.pool_chunk, &f)?;
                            pool_top = Some(top.into_iter().map(|(i, _)| i).collect());
                        }
                        let top = pool_top.as_ref().expect("filled above");
                        let free: Vec<usize> = top.iter().copied().filter(|i| !taken_rows.contains(i)).collect();
                        let cs: Vec<Candidate> = free.iter().map(|&i| pool::row(i)).collect();
                        let s = scorer.score(enc(&cs)?.view());
                        (0..free.len())
                            .max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a)))
                            .map(|k| (cs[k].clone(), s[k]))
                    }
                }
                (None, None) => None,
            };
            let Some((cand, score)) = pick else { break };
            let key = candidate_key(&cand);
            if let Some(i) = cand.pool_index {
                taken_rows.insert(i);
            }
            taken.insert(key);
            let row = enc(std::slice::from_ref(&cand))?.row(0).to_vec();
            current = current.map(|m| m.fantasize(ndarray::ArrayView1::from(row.as_slice())));
            fantasies.push(row);
            out.push(Proposal {
                candidate: cand,
                origin: "bayesian".into(),
                acquisition: score.is_finite().then_some(score),
            });
        }
        self.obs = obs;
        Ok(out)
    }

    /// Thompson sampling over a pool: the best `thompson_candidates / 2` rows by UCB (β = 2)
    /// from a chunked scan plus as many unseen rows at random.
    fn pool_thompson(
        &self,
        enc: &pool::Encode<'_, StrategyError>,
        len: usize,
        taken: &HashSet<usize>,
        models: &Models,
        rng: &mut ChaCha8Rng,
    ) -> Result<Option<(Candidate, f64)>, StrategyError> {
        let half = (self.settings.thompson_candidates / 2).max(1);
        let ucb = Scorer { models, kind: Kind::Ucb(2.0) };
        let f = |x: ArrayView2<f64>| ucb.score(x);
        let mut rows: Vec<usize> = pool::top_rows_with(enc, len, taken, half, self.settings.pool_chunk, &f)?
            .into_iter()
            .map(|(i, _)| i)
            .collect();
        let mut extra = taken.clone();
        extra.extend(rows.iter().copied());
        rows.extend(pool_unseen(len, &extra, half, rng));
        let cs: Vec<Candidate> = rows.iter().map(|&i| pool::row(i)).collect();
        let x = enc(&cs)?;
        let allowed = vec![true; cs.len()];
        Ok(thompson::pick(models, x.view(), &allowed, rng).map(|(i, u)| (cs[i].clone(), u)))
    }
}

/// The best-scoring raw candidate not yet taken (acquisition on learned features).
fn best_raw(scorer: &Scorer, raw: &RawSample, taken: &HashSet<Vec<u64>>) -> Option<(Candidate, f64)> {
    let s = scorer.score(raw.x.view());
    (0..raw.candidates.len())
        .filter(|&i| !taken.contains(&candidate_key(&raw.candidates[i])))
        .max_by(|&a, &b| s[a].total_cmp(&s[b]).then(b.cmp(&a)))
        .map(|i| (raw.candidates[i].clone(), s[i]))
}

/// The pool row of a candidate key, if it is a pool candidate.
fn pool_row(key: &[u64]) -> Option<usize> {
    (key.len() == 2 && key[0] == u64::MAX).then(|| key[1] as usize)
}

/// Up to `n` distinct rows of `0..len` not in `taken`, uniformly (rejection while sparse).
fn pool_unseen(len: usize, taken: &HashSet<usize>, n: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    use rand::Rng;
    let free = len.saturating_sub(taken.len());
    let want = n.min(free);
    let mut out = Vec::with_capacity(want);
    let mut used: HashSet<usize> = HashSet::new();
    if want * 4 < free {
        while out.len() < want {
            let i = rng.random_range(0..len);
            if !taken.contains(&i) && used.insert(i) {
                out.push(i);
            }
        }
    } else {
        let mut rest: Vec<usize> = (0..len).filter(|i| !taken.contains(i)).collect();
        for k in 0..want {
            let j = rng.random_range(k..rest.len());
            rest.swap(k, j);
            out.push(rest[k]);
        }
    }
    out
}

/// Space-filling draws not in `taken` (a few rounds for discrete spaces).
fn space_filling(
    space: &Space,
    taken: &mut HashSet<Vec<u64>>,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Vec<Candidate>, StrategyError> {
    if let Some(len) = space.pool_len() {
        let rows: HashSet<usize> = taken.iter().filter_map(|k| pool_row(k)).collect();
        let picked: Vec<Candidate> = pool_unseen(len, &rows, n, rng).into_iter().map(pool::row).collect();
        taken.extend(picked.iter().map(candidate_key));
        return Ok(picked);
    }
    let mut out = Vec::with_capacity(n);
    for _round in 0..20 {
        if out.len() >= n {
            break;
        }
        for c in space.sample(n - out.len(), rng)? {
            if taken.insert(candidate_key(&c)) {
                out.push(c);
            }
        }
    }
    Ok(out)
}

impl Strategy for BayesianStrategy {
    fn name(&self) -> &'static str {
        "bayesian"
    }

    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError> {
        self.ask_inner(ctx, n, rng, None)
    }

    fn ask_with_features(
        &mut self,
        ctx: &AskContext<'_>,
        features: &dyn FeatureMap,
        n: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<Proposal>, StrategyError> {
        self.ask_inner(ctx, n, rng, Some(features))
    }

    fn tell(&mut self, results: &[Evaluated]) -> Result<(), StrategyError> {
        for r in results {
            self.obs.push(Obs { candidate: r.candidate.clone(), values: r.values.clone(), feasible: r.feasible });
        }
        Ok(())
    }

    fn checkpoint(&self) -> serde_json::Value {
        history::to_json(&self.obs, &self.hypers)
    }

    fn restore(&mut self, state: &serde_json::Value) -> Result<(), StrategyError> {
        let (obs, hypers) = history::from_json(state)?;
        self.obs = obs;
        self.hypers = hypers;
        Ok(())
    }
}

impl BayesianStrategy {
    fn ask_inner(
        &mut self,
        ctx: &AskContext<'_>,
        n: usize,
        rng: &mut ChaCha8Rng,
        features: Option<&dyn FeatureMap>,
    ) -> Result<Vec<Proposal>, StrategyError> {
        let mut taken: HashSet<Vec<u64>> = ctx.seen.iter().map(candidate_key).collect();
        let k = n.min(ctx.initial_remaining);
        let mut out: Vec<Proposal> = space_filling(ctx.space, &mut taken, k, rng)?
            .into_iter()
            .map(|candidate| Proposal { candidate, origin: "initial".into(), acquisition: None })
            .collect();
        let rest = n - out.len().min(n);
        if rest == 0 {
            return Ok(out);
        }
        let has_data = self.obs.iter().any(|o| o.values.is_some());
        if has_data {
            let mut seen: Vec<Candidate> = ctx.seen.to_vec();
            seen.extend(out.iter().map(|p| p.candidate.clone()));
            out.extend(self.propose(ctx.space, &seen, rest, rng, features)?);
        }
        if out.len() < n {
            // No usable data yet (nothing told, or every evaluation failed before any model),
            // or the acquisition search ran out: space-filling draws.
            taken.extend(out.iter().map(|p| candidate_key(&p.candidate)));
            let more = space_filling(ctx.space, &mut taken, n - out.len(), rng)?;
            out.extend(more.into_iter().map(|candidate| Proposal {
                candidate,
                origin: "bayesian".into(),
                acquisition: None,
            }));
        }
        Ok(out)
    }
}
