//! [`GeneticStrategy`]: a single-objective genetic algorithm with composition-aware operators.
//!
//! Parents are chosen by tournament (constraint domination: less violation wins, then higher
//! utility); a child is their crossover and mutation ([`super::operators`]), decoded,
//! repaired and checked, and never equal to a candidate seen before. Survival keeps the
//! `elites` best parents and fills the rest of the population with the best offspring.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::breed::{ask_population, SeenKeys};
use super::fitness::{better, ranked, Member, Scorer};
use super::layout::Layout;
use super::operators::Operators;
use super::state::Generations;
use super::EvoError;
use crate::config::spec::{CampaignSpec, UncertaintyMode};
use crate::goals::Goals;
use crate::strategy::{AskContext, Evaluated, Proposal, Strategy, StrategyError};

/// Settings of a [`GeneticStrategy`]; [`GeneticSettings::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct GeneticSettings {
    /// The campaign's goals; exactly one objective.
    pub goals: Goals,
    /// Population size (offspring per generation too).
    pub population: usize,
    /// Best parents carried into the next generation unchanged (< population).
    pub elites: usize,
    /// Tournament size (≥ 1; 2 is binary tournament).
    pub tournament: usize,
    /// Variation operators.
    pub operators: Operators,
    /// How predicted stds enter the fitness.
    pub uncertainty: UncertaintyMode,
}

impl GeneticSettings {
    /// Defaults: population 40, 4 elites (a tenth), binary tournament,
    /// [`Operators::default`], the mean.
    pub fn new(goals: Goals) -> GeneticSettings {
        GeneticSettings {
            goals,
            population: 40,
            elites: 4,
            tournament: 2,
            operators: Operators::default(),
            uncertainty: UncertaintyMode::Mean,
        }
    }

    /// The settings a campaign asks for (`optimizer.population`, `optimizer.uncertainty`);
    /// elites are a tenth of the population (at least 1).
    pub fn from_spec(spec: &CampaignSpec) -> GeneticSettings {
        let mut s = GeneticSettings::new(Goals::from_spec(spec));
        if let Some(p) = spec.optimizer.population {
            s.population = p;
            s.elites = (p / 10).max(1);
        }
        s.uncertainty = spec.optimizer.uncertainty.unwrap_or(UncertaintyMode::Mean);
        s
    }
}

/// The genetic algorithm (see the module docs).
#[derive(Debug)]
pub struct GeneticStrategy {
    settings: GeneticSettings,
    scorer: Scorer,
    gens: Generations,
    layout: Option<Layout>,
    known: SeenKeys,
}

impl GeneticStrategy {
    /// Checks the settings: one objective, population ≥ 2, elites < population, tournament ≥ 1.
    pub fn new(settings: GeneticSettings) -> Result<GeneticStrategy, EvoError> {
        let n = settings.goals.objectives.len();
        if n != 1 {
            return Err(EvoError::Settings(format!("genetic optimises one objective; there are {n} (use nsga2)")));
        }
        if settings.population < 2 {
            return Err(EvoError::Settings(format!("population {} is below 2", settings.population)));
        }
        if settings.elites >= settings.population {
            return Err(EvoError::Settings(format!(
                "elites ({}) must be fewer than the population ({})",
                settings.elites, settings.population
            )));
        }
        if settings.tournament == 0 {
            return Err(EvoError::Settings("tournament size must be at least 1".into()));
        }
        let scorer = Scorer { goals: settings.goals.clone(), mode: settings.uncertainty };
        Ok(GeneticStrategy { settings, scorer, gens: Generations::default(), layout: None, known: SeenKeys::default() })
    }

    /// Completed generations.
    pub fn generation(&self) -> u64 {
        self.gens.generation
    }

    /// The current population's results (best first).
    pub fn population(&self) -> Vec<Evaluated> {
        ranked(&self.gens.population).into_iter().map(|i| self.gens.population[i].ev.clone()).collect()
    }
}

fn tournament(pop: &[Member], k: usize, rng: &mut ChaCha8Rng) -> usize {
    let mut best = rng.random_range(0..pop.len());
    for _ in 1..k {
        let j = rng.random_range(0..pop.len());
        if better(&pop[j], &pop[best]) {
            best = j;
        }
    }
    best
}

/// Elitist survival: the `elites` best parents, then the best offspring, then (if offspring
/// run short) the next best parents.
fn survive(parents: Vec<Member>, kids: Vec<Member>, size: usize, elites: usize) -> Vec<Member> {
    let pr = ranked(&parents);
    let kr = ranked(&kids);
    let mut out: Vec<Member> = pr.iter().take(elites).map(|&i| parents[i].clone()).collect();
    out.extend(kr.iter().take(size.saturating_sub(out.len())).map(|&i| kids[i].clone()));
    out.extend(pr.iter().skip(elites).take(size.saturating_sub(out.len())).map(|&i| parents[i].clone()));
    out
}

impl Strategy for GeneticStrategy {
    fn name(&self) -> &'static str {
        "genetic"
    }

    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError> {
        let layout = self.layout.get_or_insert_with(|| Layout::new(ctx.space));
        let pop = &self.gens.population;
        let k = self.settings.tournament;
        let ops = &self.settings.operators;
        ask_population(ctx, n, rng, "genetic", layout, pop, &mut self.known, ops, |r| tournament(pop, k, r))
    }

    fn tell(&mut self, results: &[Evaluated]) -> Result<(), StrategyError> {
        let members = results.iter().map(|e| self.scorer.member(e)).collect();
        let (size, elites) = (self.settings.population, self.settings.elites);
        self.gens.absorb(members, size, |p, k| survive(p, k, size, elites));
        Ok(())
    }

    fn checkpoint(&self) -> serde_json::Value {
        self.gens.checkpoint("genetic")
    }

    fn restore(&mut self, state: &serde_json::Value) -> Result<(), StrategyError> {
        self.gens = Generations::restore(state, &self.scorer, "genetic")?;
        Ok(())
    }
}
