//! [`CmaesStrategy`]: CMA-ES ([`super::cmaes`]) over a design space, with IPOP restarts.
//!
//! **Search space.** Each mixture block (the composition, or one structure site) is mapped to
//! ℝ^{k−1} by the **additive log-ratio** (ALR): `g_i = ln(x_i / x_r) / 4` for every component
//! but a reference `r`, the component with the largest mean fraction in the initial design
//! (fixed for the run). The inverse is a softmax, so every sample is a positive mixture
//! summing to 1; fractions are floored at 1e-6 before the logarithm, so absent components map
//! to finite points. The division by 4 puts a log-ratio range of ±4 (a factor e⁸ ≈ 3000)
//! on the scale of a parameter's `[0, 1]`. Parameters keep the space's encoding: reals and
//! integers in unit coordinates (integers rounded by decoding), categoricals as one-hot
//! coordinates decoded by their largest entry. Pools: the pool's encoding, each sample
//! mapped to the nearest unseen row.
//!
//! **Constraints of the space** (bounds, cardinality, charge balance, the box of the
//! parameters) are handled by the shared repair: a sample is decoded, repaired and checked,
//! and the *repaired* candidate, mapped back, is what the update learns from (with the step
//! length clipping of [`super::cmaes`]), so the distribution stays near the feasible set.
//! Campaign constraints rank by total violation before utility (constraint domination).
//!
//! **Start and restarts.** The first told results (the initial design) set the start: the mean
//! is the best of them, σ₀ = 0.3, λ = `population` or `4 + ⌊3 ln n⌋`. A run restarts (IPOP:
//! population doubled, at most 9 times, from a uniform random feasible point with σ₀) when
//! the step size collapses (`σ·max√λ_C < 1e-11`), the covariance's condition number passes
//! 1e14, the best fitness of the last `10 + ⌈30n/λ⌉` generations stays within 1e-12 (flat),
//! the run's best has not improved for three times that many generations (stagnation), or the
//! distribution diverges.
//!
//! Told results are buffered; an ask first completes the generations they fill (all results
//! told so far join the generation being filled), so tell needs no space and a restored
//! strategy told a batch that was in flight at a crash lands where it would have.
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::breed::{breed, SeenKeys};
use super::cmaes::Cmaes;
use super::fitness::{ranked, Member, Scorer};
use super::layout::Layout;
use super::state::{bad, expect_tag, nums, unnums};
use super::{bootstrap, EvoError};
use crate::config::spec::{CampaignSpec, UncertaintyMode};
use crate::goals::Goals;
use crate::strategy::{AskContext, Evaluated, Proposal, Strategy, StrategyError};

/// Scale of ALR coordinates: a genome unit is a log-ratio of 4.
const ALR_SCALE: f64 = 4.0;
/// Floor of fractions before the logarithm.
const ALR_FLOOR: f64 = 1e-6;
/// Most IPOP restarts (population doublings).
const MAX_DOUBLINGS: u32 = 9;

/// Settings of a [`CmaesStrategy`]; [`CmaesSettings::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct CmaesSettings {
    /// The campaign's goals; exactly one objective.
    pub goals: Goals,
    /// λ of the first run; `None`: `4 + ⌊3 ln n⌋` for search dimension n.
    pub population: Option<usize>,
    /// Initial step size, in genome units (a parameter's range is 1).
    pub sigma0: f64,
    /// IPOP restarts on stagnation (otherwise the run continues as it is).
    pub restarts: bool,
    /// How predicted stds enter the fitness.
    pub uncertainty: UncertaintyMode,
    /// How many of the first told results choose the start (the initial design: what the
    /// first ask returned); `None`: every result told before the first model-based ask.
    /// Fixed by count, not by when asks happen, so that a resumed run that re-tells results
    /// in other batches starts from the same point.
    pub start_size: Option<usize>,
}

impl CmaesSettings {
    /// Defaults: λ from the dimension, σ₀ = 0.3, restarts on, the mean, start from whatever
    /// was told before the first model-based ask.
    pub fn new(goals: Goals) -> CmaesSettings {
        CmaesSettings {
            goals,
            population: None,
            sigma0: 0.3,
            restarts: true,
            uncertainty: UncertaintyMode::Mean,
            start_size: None,
        }
    }

    /// The settings a campaign asks for (`optimizer.population`, `optimizer.uncertainty`).
    pub fn from_spec(spec: &CampaignSpec) -> CmaesSettings {
        let mut s = CmaesSettings::new(Goals::from_spec(spec));
        s.population = spec.optimizer.population;
        s.uncertainty = spec.optimizer.uncertainty.unwrap_or(UncertaintyMode::Mean);
        // The campaign's first ask is the initial design (or, without one, a batch).
        let o = &spec.optimizer;
        s.start_size = Some(if o.initial > 0 { o.initial } else { o.batch_size.max(1) });
        s
    }
}

/// CMA-ES over a design space (see the module docs).
#[derive(Debug)]
pub struct CmaesStrategy {
    settings: CmaesSettings,
    scorer: Scorer,
    layout: Option<Layout>,
    known: SeenKeys,
    /// Told results not yet used.
    buffer: Vec<Member>,
    run: Option<Cmaes>,
    /// ALR reference component of each mixture block.
    refs: Vec<usize>,
    base_lambda: usize,
    restarts: u32,
    /// Best (violation, utility) of each generation of the current run, oldest first.
    history: Vec<(f64, f64)>,
    /// Best (violation, utility) of the current run and generations since it improved.
    best: Option<(f64, f64)>,
    stale: u64,
}

impl CmaesStrategy {
    /// Checks the settings: one objective, σ₀ > 0, population ≥ 2 when given.
    pub fn new(settings: CmaesSettings) -> Result<CmaesStrategy, EvoError> {
        let n = settings.goals.objectives.len();
        if n != 1 {
            return Err(EvoError::Settings(format!("cmaes optimises one objective; there are {n} (use nsga2)")));
        }
        if !(settings.sigma0 > 0.0 && settings.sigma0.is_finite()) {
            return Err(EvoError::Settings(format!("sigma0 {} must be positive", settings.sigma0)));
        }
        if settings.population.is_some_and(|p| p < 2) {
            return Err(EvoError::Settings("population must be at least 2".into()));
        }
        let scorer = Scorer { goals: settings.goals.clone(), mode: settings.uncertainty };
        Ok(CmaesStrategy {
            settings,
            scorer,
            layout: None,
            known: SeenKeys::default(),
            buffer: Vec::new(),
            run: None,
            refs: Vec::new(),
            base_lambda: 0,
            restarts: 0,
            history: Vec::new(),
            best: None,
            stale: 0,
        })
    }

    /// IPOP restarts so far.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// The current run's CMA-ES state (`None` before the first results are told).
    pub fn state(&self) -> Option<&Cmaes> {
        self.run.as_ref()
    }

    fn genome(&self, layout: &Layout, row: &[f64]) -> Vec<f64> {
        if layout.pool.is_some() {
            return row.to_vec();
        }
        let nfrac = layout.blocks.last().map_or(0, |b| b.end);
        let mut g = Vec::with_capacity(row.len());
        for (blk, &r) in layout.blocks.iter().zip(&self.refs) {
            let xr = row[blk.start + r].max(ALR_FLOOR);
            for i in blk.clone().filter(|&i| i != blk.start + r) {
                g.push((row[i].max(ALR_FLOOR) / xr).ln() / ALR_SCALE);
            }
        }
        g.extend_from_slice(&row[nfrac..]);
        g
    }

    fn row(&self, layout: &Layout, g: &[f64]) -> Vec<f64> {
        if layout.pool.is_some() {
            return g.to_vec();
        }
        let mut row = Vec::with_capacity(layout.dim);
        let mut k = 0;
        for (blk, &r) in layout.blocks.iter().zip(&self.refs) {
            let e: Vec<f64> = (0..blk.len())
                .map(|j| {
                    if j == r {
                        0.0
                    } else {
                        k += 1;
                        ALR_SCALE * g[k - 1]
                    }
                })
                .collect();
            let top = e.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let ex: Vec<f64> = e.iter().map(|v| (v - top).exp()).collect();
            let s: f64 = ex.iter().sum();
            row.extend(ex.iter().map(|v| v / s));
        }
        row.extend_from_slice(&g[k..]);
        row
    }

    /// Uses buffered results: starts the first run, completes full generations, restarts.
    ///
    /// Only counts matter, never when the asks happen: the start takes the first
    /// `start_size` results, each generation exactly λ, and a restart's random start is seeded
    /// by the generation that triggered it. A resumed run re-tells results that were in flight
    /// at a crash in other batches than the original run did, and must land in the same state.
    fn absorb(&mut self, ctx: &AskContext<'_>, layout: &Layout) -> Result<(), StrategyError> {
        if self.run.is_none() {
            let k = self.settings.start_size.unwrap_or(self.buffer.len());
            if self.buffer.is_empty() || self.buffer.len() < k {
                return Ok(());
            }
            let members: Vec<Member> = self.buffer.drain(..k).collect();
            let rows: Vec<Vec<f64>> = members.iter().map(|m| layout.encode(ctx.space, &m.ev.candidate)).collect();
            self.refs = layout
                .blocks
                .iter()
                .map(|blk| {
                    let mean = |i: usize| rows.iter().map(|r| r[i]).sum::<f64>();
                    (0..blk.len())
                        .fold(0, |best, j| if mean(blk.start + j) > mean(blk.start + best) { j } else { best })
                })
                .collect();
            let best = ranked(&members)[0];
            let start = self.genome(layout, &rows[best]);
            if start.is_empty() {
                return Ok(());
            }
            self.base_lambda = self.settings.population.unwrap_or_else(|| Cmaes::default_lambda(start.len()));
            self.run = Some(Cmaes::new(start, self.settings.sigma0, self.base_lambda));
        }
        while self.run.as_ref().is_some_and(|r| self.buffer.len() >= r.lambda()) {
            self.generation(ctx, layout)?;
        }
        Ok(())
    }

    /// One generation: the next λ buffered results update the run (or restart it).
    fn generation(&mut self, ctx: &AskContext<'_>, layout: &Layout) -> Result<(), StrategyError> {
        let lambda = self.run.as_ref().map_or(usize::MAX, Cmaes::lambda);
        let members: Vec<Member> = self.buffer.drain(..lambda).collect();
        let order = ranked(&members);
        let usable: Vec<usize> = order.into_iter().filter(|&i| members[i].violation.is_finite()).collect();
        let points: Vec<Vec<f64>> =
            usable.iter().map(|&i| self.genome(layout, &layout.encode(ctx.space, &members[i].ev.candidate))).collect();
        let gen_best = usable.first().map(|&i| (members[i].violation, members[i].fit[0]));
        let Some(mut run) = self.run.take() else { return Ok(()) };
        run.tell(&points);
        let n = run.mean().len();
        let horizon = 10 + (30 * n).div_ceil(run.lambda());
        match (gen_best, self.best) {
            (Some(g), Some(b)) if g.0 < b.0 || (g.0 == b.0 && g.1 > b.1) => {
                self.best = Some(g);
                self.stale = 0;
            }
            (Some(g), None) => self.best = Some(g),
            _ => self.stale += 1,
        }
        self.history.push(gen_best.unwrap_or((f64::INFINITY, f64::NEG_INFINITY)));
        if self.history.len() > horizon {
            self.history.remove(0);
        }
        let flat = self.history.len() >= horizon && {
            let feasible = self.history.iter().all(|h| h.0 == 0.0 && h.1.is_finite());
            let (lo, hi) =
                self.history.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |a, h| (a.0.min(h.1), a.1.max(h.1)));
            feasible && hi - lo <= 1e-12 * (1.0 + hi.abs())
        };
        let spread = run.max_std();
        let diverged = !spread.is_finite() || spread > 1e4 || run.mean().iter().any(|m| !m.is_finite());
        let stop = spread < 1e-11 || run.condition() > 1e14 || flat || self.stale >= 3 * horizon as u64 || diverged;
        if stop && self.settings.restarts && self.restarts < MAX_DOUBLINGS {
            self.restarts += 1;
            let mut rng = restart_rng(&members, self.restarts);
            let start = ctx.space.sample(1, &mut rng)?;
            let g = match start.first() {
                Some(c) => self.genome(layout, &layout.encode(ctx.space, c)),
                None => run.mean().to_vec(),
            };
            run = Cmaes::new(g, self.settings.sigma0, self.base_lambda << self.restarts);
            self.history.clear();
            self.best = None;
            self.stale = 0;
        }
        self.run = Some(run);
        Ok(())
    }
}

/// The random stream of a restart: seeded by the candidates of the generation that triggered
/// it (so by the told sequence alone) and the restart's number.
fn restart_rng(members: &[Member], restart: u32) -> ChaCha8Rng {
    // FNV-1a over the candidates' exact bits.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for m in members {
        for k in crate::strategy::candidate_key(&m.ev.candidate) {
            h = (h ^ k).wrapping_mul(0x0100_0000_01b3);
        }
    }
    crate::rng::stream(h, "cmaes-restart", u64::from(restart))
}

impl Strategy for CmaesStrategy {
    fn name(&self) -> &'static str {
        "cmaes"
    }

    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError> {
        let layout = self.layout.take().unwrap_or_else(|| Layout::new(ctx.space));
        let result = self.ask_with(ctx, &layout, n, rng);
        self.layout = Some(layout);
        result
    }

    fn tell(&mut self, results: &[Evaluated]) -> Result<(), StrategyError> {
        self.buffer.extend(results.iter().map(|e| self.scorer.member(e)));
        Ok(())
    }

    fn checkpoint(&self) -> Value {
        let buffer: Vec<Value> = self.buffer.iter().map(|m| super::state::evaluated_json(&m.ev)).collect();
        let pair = |p: &(f64, f64)| nums(&[p.0, p.1]);
        json!({
            "strategy": "cmaes",
            "buffer": buffer,
            "run": self.run.as_ref().map(Cmaes::to_json),
            "refs": self.refs,
            "base_lambda": self.base_lambda,
            "restarts": self.restarts,
            "history": self.history.iter().map(pair).collect::<Vec<_>>(),
            "best": self.best.as_ref().map(pair),
            "stale": self.stale,
        })
    }

    fn restore(&mut self, state: &Value) -> Result<(), StrategyError> {
        expect_tag(state, "cmaes")?;
        let pair = |v: &Value| unnums(Some(v)).filter(|p| p.len() == 2).map(|p| (p[0], p[1]));
        let buffer = state
            .get("buffer")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("cmaes", "buffer"))?
            .iter()
            .map(|e| super::state::evaluated_from(e, "cmaes").map(|ev| self.scorer.member(&ev)))
            .collect::<Result<Vec<_>, _>>()?;
        let run = match state.get("run") {
            None | Some(Value::Null) => None,
            Some(r) => Some(Cmaes::from_json(r)?),
        };
        let refs = state
            .get("refs")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(|x| x.as_u64().map(|x| x as usize)).collect::<Option<Vec<_>>>())
            .ok_or_else(|| bad("cmaes", "refs"))?;
        let u = |k: &str| state.get(k).and_then(Value::as_u64).ok_or_else(|| bad("cmaes", k));
        let history = state
            .get("history")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(pair).collect::<Option<Vec<_>>>())
            .ok_or_else(|| bad("cmaes", "history"))?;
        let best = match state.get("best") {
            None | Some(Value::Null) => None,
            Some(b) => Some(pair(b).ok_or_else(|| bad("cmaes", "best"))?),
        };
        self.buffer = buffer;
        self.run = run;
        self.refs = refs;
        self.base_lambda = u("base_lambda")? as usize;
        self.restarts = u("restarts")? as u32;
        self.history = history;
        self.best = best;
        self.stale = u("stale")?;
        Ok(())
    }
}

impl CmaesStrategy {
    fn ask_with(
        &mut self,
        ctx: &AskContext<'_>,
        layout: &Layout,
        n: usize,
        rng: &mut ChaCha8Rng,
    ) -> Result<Vec<Proposal>, StrategyError> {
        self.absorb(ctx, layout)?;
        let (mut out, seen) = bootstrap(ctx, n, rng, self.name(), self.run.is_none())?;
        let want = n - out.len();
        if want == 0 || self.run.is_none() {
            return Ok(out);
        }
        let mut known = std::mem::take(&mut self.known);
        let Some(run) = self.run.as_ref() else { return Ok(out) };
        let make = |r: &mut ChaCha8Rng| self.row(layout, &run.sample(r));
        let ctx2 = AskContext { space: ctx.space, seen: seen.as_deref().unwrap_or(ctx.seen), initial_remaining: 0 };
        let picks = breed(&ctx2, layout, &mut known, want, rng, make);
        self.known = known;
        let picks = picks?;
        out.extend(picks.into_iter().map(|candidate| Proposal {
            candidate,
            origin: "cmaes".into(),
            acquisition: None,
        }));
        Ok(out)
    }
}
