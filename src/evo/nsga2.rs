//! [`Nsga2Strategy`]: NSGA-II (Deb et al. 2002) for one or more objectives, with constraint
//! domination.
//!
//! Ranking ([`super::sort`]): feasible results by fast non-dominated sorting of their
//! utilities; infeasible ones after every feasible front, by increasing total violation.
//! Survival keeps whole fronts of parents ∪ offspring while they fit and cuts the last one by
//! crowding distance (largest first; ties to the earlier result). Mating is binary
//! tournament on (rank, crowding distance), variation the shared operators: SBX and
//! polynomial mutation on continuous and integer parameters, the GA's mixture and
//! categorical operators on the rest.
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::breed::{ask_population, SeenKeys};
use super::fitness::{Member, Scorer};
use super::layout::Layout;
use super::operators::Operators;
use super::sort::{constrained_fronts, crowding_distance};
use super::state::Generations;
use super::EvoError;
use crate::config::spec::{CampaignSpec, UncertaintyMode};
use crate::goals::Goals;
use crate::strategy::{AskContext, Evaluated, Proposal, Strategy, StrategyError};

/// Settings of an [`Nsga2Strategy`]; [`Nsga2Settings::new`] gives the defaults.
#[derive(Debug, Clone)]
pub struct Nsga2Settings {
    /// The campaign's goals (one or more objectives).
    pub goals: Goals,
    /// Population size (offspring per generation too).
    pub population: usize,
    /// Variation operators.
    pub operators: Operators,
    /// How predicted stds enter the fitness.
    pub uncertainty: UncertaintyMode,
}

impl Nsga2Settings {
    /// Defaults: population 40, [`Operators::default`], the mean.
    pub fn new(goals: Goals) -> Nsga2Settings {
        Nsga2Settings { goals, population: 40, operators: Operators::default(), uncertainty: UncertaintyMode::Mean }
    }

    /// The settings a campaign asks for (`optimizer.population`, `optimizer.uncertainty`).
    pub fn from_spec(spec: &CampaignSpec) -> Nsga2Settings {
        let mut s = Nsga2Settings::new(Goals::from_spec(spec));
        if let Some(p) = spec.optimizer.population {
            s.population = p;
        }
        s.uncertainty = spec.optimizer.uncertainty.unwrap_or(UncertaintyMode::Mean);
        s
    }
}

/// NSGA-II (see the module docs).
#[derive(Debug)]
pub struct Nsga2Strategy {
    settings: Nsga2Settings,
    scorer: Scorer,
    gens: Generations,
    layout: Option<Layout>,
    known: SeenKeys,
}

/// Rank (front number) and crowding distance of each member.
pub(crate) fn rank_and_crowd(members: &[Member]) -> (Vec<usize>, Vec<f64>) {
    let points: Vec<Vec<f64>> = members.iter().map(|m| m.fit.clone()).collect();
    let viol: Vec<f64> = members.iter().map(|m| m.violation).collect();
    let mut rank = vec![0; members.len()];
    let mut crowd = vec![0.0; members.len()];
    for (r, front) in constrained_fronts(&points, &viol).iter().enumerate() {
        for (&i, d) in front.iter().zip(crowding_distance(&points, front)) {
            rank[i] = r;
            crowd[i] = d;
        }
    }
    (rank, crowd)
}

/// Survival: whole fronts of parents ∪ offspring, the last cut by crowding distance.
fn survive(parents: Vec<Member>, kids: Vec<Member>, size: usize) -> Vec<Member> {
    let all: Vec<Member> = parents.into_iter().chain(kids).collect();
    let points: Vec<Vec<f64>> = all.iter().map(|m| m.fit.clone()).collect();
    let viol: Vec<f64> = all.iter().map(|m| m.violation).collect();
    let mut keep: Vec<usize> = Vec::with_capacity(size);
    for front in constrained_fronts(&points, &viol) {
        if keep.len() + front.len() <= size {
            keep.extend(&front);
            continue;
        }
        let d = crowding_distance(&points, &front);
        let mut order: Vec<usize> = (0..front.len()).collect();
        order.sort_by(|&a, &b| d[b].total_cmp(&d[a]).then(front[a].cmp(&front[b])));
        keep.extend(order.into_iter().take(size - keep.len()).map(|j| front[j]));
        break;
    }
    keep.into_iter().map(|i| all[i].clone()).collect()
}

impl Nsga2Strategy {
    /// Checks the settings: at least one objective, population ≥ 2.
    pub fn new(settings: Nsga2Settings) -> Result<Nsga2Strategy, EvoError> {
        if settings.goals.objectives.is_empty() {
            return Err(EvoError::Settings("nsga2 needs at least one objective".into()));
        }
        if settings.population < 2 {
            return Err(EvoError::Settings(format!("population {} is below 2", settings.population)));
        }
        let scorer = Scorer { goals: settings.goals.clone(), mode: settings.uncertainty };
        Ok(Nsga2Strategy { settings, scorer, gens: Generations::default(), layout: None, known: SeenKeys::default() })
    }

    /// Completed generations.
    pub fn generation(&self) -> u64 {
        self.gens.generation
    }

    /// The current population's first front: feasible, non-dominated results (all of the
    /// population's best front when none is feasible).
    pub fn front(&self) -> Vec<Evaluated> {
        let (rank, _) = rank_and_crowd(&self.gens.population);
        self.gens.population.iter().zip(rank).filter(|(_, r)| *r == 0).map(|(m, _)| m.ev.clone()).collect()
    }
}

impl Strategy for Nsga2Strategy {
    fn name(&self) -> &'static str {
        "nsga2"
    }

    fn ask(&mut self, ctx: &AskContext<'_>, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Proposal>, StrategyError> {
        let layout = self.layout.get_or_insert_with(|| Layout::new(ctx.space));
        let pop = &self.gens.population;
        let (rank, crowd) = rank_and_crowd(pop);
        // Binary tournament: lower front first, then the less crowded.
        let pick = |r: &mut ChaCha8Rng| {
            let (a, b) = (r.random_range(0..pop.len()), r.random_range(0..pop.len()));
            let a_wins = rank[a] < rank[b] || (rank[a] == rank[b] && crowd[a] >= crowd[b]);
            if a_wins {
                a
            } else {
                b
            }
        };
        ask_population(ctx, n, rng, "nsga2", layout, pop, &mut self.known, &self.settings.operators, pick)
    }

    fn tell(&mut self, results: &[Evaluated]) -> Result<(), StrategyError> {
        let members = results.iter().map(|e| self.scorer.member(e)).collect();
        let size = self.settings.population;
        self.gens.absorb(members, size, |p, k| survive(p, k, size));
        Ok(())
    }

    fn checkpoint(&self) -> serde_json::Value {
        self.gens.checkpoint("nsga2")
    }

    fn restore(&mut self, state: &serde_json::Value) -> Result<(), StrategyError> {
        self.gens = Generations::restore(state, &self.scorer, "nsga2")?;
        Ok(())
    }
}
