//! The Rust side of `experiments/evo-benchmarks`: crucible's NSGA-II and CMA-ES driven
//! through the library's ask/tell `Strategy` interface (decoding, repair, feasibility checks
//! and duplicate elimination included), objectives from `crucible::oracle::functions`. No
//! campaign loop, no log: this measures the algorithms.
//!
//! ```text
//! cargo run --example evo_bench -- [nsga2|cmaes|all] [SEEDS]
//! ```
//! Prints CSV: `side,algorithm,problem,seed,evaluations,metric,value,wall_s,cpu_s`, where `metric`
//! is `hv` (hypervolume of the final population's first front, reference point 1.1 in every
//! objective) or `evals_to_1e-8` (evaluations until the first value ≤ 1e-8; empty if never),
//! and `cpu_s` is the process's CPU time for the run (less sensitive to a busy machine).
use std::time::Instant;

use crucible::config::spec::Goal;
use crucible::evo::hypervolume::hypervolume;
use crucible::evo::{CmaesSettings, CmaesStrategy, Nsga2Settings, Nsga2Strategy};
use crucible::goals::Goals;
use crucible::oracle::functions::evaluate;
use crucible::space::spec::{DesignSpec, ParameterSpec, SpaceSpec};
use crucible::space::{Candidate, ParamValue, Space};
use crucible::strategy::{AskContext, Evaluated, Strategy};

/// CPU seconds used by this process so far (all threads).
fn cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid timespec for clock_gettime to write.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

fn box_space(n: usize, lo: f64, hi: f64) -> Space {
    let parameters =
        (0..n).map(|i| ParameterSpec::Continuous { name: format!("x{i}"), min: lo, max: hi, unit: None }).collect();
    Space::new(&SpaceSpec::Design(DesignSpec { parameters, ..DesignSpec::default() }), None).expect("a box")
}

fn xs(c: &Candidate) -> Vec<f64> {
    c.params
        .iter()
        .map(|p| match p {
            ParamValue::Real(x) => *x,
            _ => unreachable!("continuous parameters only"),
        })
        .collect()
}

/// One NSGA-II run: population 100, 200 generations (20 000 evaluations).
fn nsga2(problem: &str, seed: u64) -> (usize, f64, f64, f64) {
    let (n, m) = if problem == "dtlz2" { (12, 3) } else { (30, 2) };
    let (pop, gens) = (100, 200);
    let space = box_space(n, 0.0, 1.0);
    let goals = Goals { objectives: (0..m).map(|i| (i, Goal::Minimize)).collect(), constraints: vec![] };
    let mut settings = Nsga2Settings::new(goals);
    settings.population = pop;
    let mut s = Nsga2Strategy::new(settings).expect("settings");
    let names: Vec<String> = (1..=m).map(|k| format!("{problem}_f{k}")).collect();
    let mut seen: Vec<Candidate> = Vec::new();
    let (start, cpu) = (Instant::now(), cpu_seconds());
    for g in 0..gens {
        let init = if g == 0 { pop } else { 0 };
        let ctx = AskContext { space: &space, seen: &seen, initial_remaining: init };
        let asked = s.ask(&ctx, pop, &mut crucible::rng::stream(seed, "ask", g as u64)).expect("ask");
        let told: Vec<Evaluated> = asked
            .iter()
            .map(|p| {
                let x = xs(&p.candidate);
                let v: Option<Vec<f64>> = names.iter().map(|f| evaluate(f, &x)).collect();
                Evaluated { candidate: p.candidate.clone(), feasible: v.is_some(), values: v, stds: None }
            })
            .collect();
        seen.extend(asked.into_iter().map(|p| p.candidate));
        s.tell(&told).expect("tell");
    }
    let (wall, cpu) = (start.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let front: Vec<Vec<f64>> = s.front().into_iter().filter_map(|e| e.values).collect();
    (seen.len(), hypervolume(&front, &vec![1.1; m]), wall, cpu)
}

/// One CMA-ES run on a 10-D box [-5, 5]: start at one uniform point, σ₀ = 0.3 of the range,
/// default λ, IPOP restarts; evaluations until a value ≤ 1e-8 (at most 100 000).
fn cmaes(problem: &str, seed: u64) -> (usize, Option<usize>, f64, f64) {
    let space = box_space(10, -5.0, 5.0);
    let goals = Goals { objectives: vec![(0, Goal::Minimize)], constraints: vec![] };
    let mut s = CmaesStrategy::new(CmaesSettings::new(goals)).expect("settings");
    let mut seen: Vec<Candidate> = Vec::new();
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut hit = None;
    let mut it = 0u64;
    while hit.is_none() && seen.len() < 100_000 {
        let init = usize::from(it == 0);
        let n = if it == 0 { 1 } else { s.state().map_or(10, |c| c.lambda()) };
        let ctx = AskContext { space: &space, seen: &seen, initial_remaining: init };
        let asked = s.ask(&ctx, n, &mut crucible::rng::stream(seed, "ask", it)).expect("ask");
        let told: Vec<Evaluated> = asked
            .iter()
            .map(|p| {
                let v = evaluate(problem, &xs(&p.candidate)).expect("a value");
                Evaluated { candidate: p.candidate.clone(), values: Some(vec![v]), feasible: true, stds: None }
            })
            .collect();
        for (k, e) in told.iter().enumerate() {
            if hit.is_none() && e.values.as_ref().is_some_and(|v| v[0] <= 1e-8) {
                hit = Some(seen.len() + k + 1);
            }
        }
        seen.extend(asked.into_iter().map(|p| p.candidate));
        s.tell(&told).expect("tell");
        it += 1;
    }
    (seen.len(), hit, start.elapsed().as_secs_f64(), cpu_seconds() - cpu)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args.get(1).map_or("all", String::as_str);
    let seeds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    println!("side,algorithm,problem,seed,evaluations,metric,value,wall_s,cpu_s");
    if which == "nsga2" || which == "all" {
        for problem in ["zdt1", "zdt2", "zdt3", "dtlz2"] {
            for seed in 0..seeds {
                let (evals, hv, wall, cpu) = nsga2(problem, seed);
                println!("crucible,nsga2,{problem},{seed},{evals},hv,{hv:.6},{wall:.4},{cpu:.4}");
            }
        }
    }
    if which == "cmaes" || which == "all" {
        for problem in ["sphere", "rosenbrock"] {
            for seed in 0..seeds {
                let (evals, hit, wall, cpu) = cmaes(problem, seed);
                let v = hit.map_or(String::new(), |h| h.to_string());
                println!("crucible,cmaes,{problem},{seed},{evals},evals_to_1e-8,{v},{wall:.4},{cpu:.4}");
            }
        }
    }
}
