//! Tests of the evolutionary strategies: ranking against brute force, crowding distance by
//! hand, feasibility of every offspring over random spaces, convergence (CMA-ES on the
//! sphere, NSGA-II on ZDT1, the GA on a mixture landscape), thread-count independence,
//! checkpoint/restore, pools and failed evaluations.
use std::collections::{BTreeMap, HashSet};

use proptest::prelude::*;
use proptest::strategy::Strategy as PropStrategy;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::cmaes::Cmaes;
use super::hypervolume::hypervolume;
use super::sort::{constrained_fronts, crowding_distance, non_dominated_sort};
use super::*;
use crate::config::spec::Goal;
use crate::goals::{dominates, Goals};
use crate::oracle::functions::evaluate;
use crate::space::spec::{
    AliasSpec, ComponentSpec, DesignSpec, MixtureSpec, ParameterSpec, PoolSpec, PrototypeSpec, SpaceSpec, StructureSpec,
};
use crate::space::{Candidate, ParamValue, PoolTable, Space};
use crate::strategy::{candidate_key, AskContext, Evaluated, Proposal, Strategy};

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn reals(n: usize, lo: f64, hi: f64) -> Space {
    let parameters =
        (0..n).map(|i| ParameterSpec::Continuous { name: format!("x{i}"), min: lo, max: hi, unit: None }).collect();
    Space::new(&SpaceSpec::Design(DesignSpec { parameters, ..DesignSpec::default() }), None).unwrap()
}

fn xs(c: &Candidate) -> Vec<f64> {
    let mut v = c.fractions.clone();
    v.extend(c.params.iter().map(|p| match p {
        ParamValue::Real(x) => *x,
        ParamValue::Int(i) => *i as f64,
        ParamValue::Cat(i) => *i as f64,
    }));
    v
}

fn min_goals(k: usize) -> Goals {
    Goals { objectives: (0..k).map(|i| (i, Goal::Minimize)).collect(), constraints: vec![] }
}

/// Runs `s` for `iters` asks of `batch` (the first `init` initial), evaluating with `f`;
/// checks every proposal is feasible and new. Returns every proposal and told result.
fn drive(
    s: &mut dyn Strategy,
    space: &Space,
    init: usize,
    batch: usize,
    iters: usize,
    seed: u64,
    f: &dyn Fn(&Candidate) -> Option<Vec<f64>>,
) -> (Vec<Proposal>, Vec<Evaluated>) {
    let mut seen: Vec<Candidate> = Vec::new();
    let mut keys = HashSet::new();
    let (mut props, mut told) = (Vec::new(), Vec::new());
    let mut init_left = init;
    for it in 0..iters {
        let ctx = AskContext { space, seen: &seen, initial_remaining: init_left };
        let n = if init_left > 0 { init_left } else { batch };
        let asked = s.ask(&ctx, n, &mut crate::rng::stream(seed, "ask", it as u64)).unwrap();
        assert_eq!(asked.len(), n, "a full batch");
        init_left -= asked.iter().filter(|p| p.origin == "initial").count().min(init_left);
        let results: Vec<Evaluated> = asked
            .iter()
            .map(|p| {
                assert!(
                    space.check(&p.candidate).is_ok(),
                    "{:?}: {}",
                    p.candidate,
                    space.check(&p.candidate).unwrap_err()
                );
                assert!(keys.insert(candidate_key(&p.candidate)), "duplicate {:?}", p.candidate);
                let values = f(&p.candidate);
                Evaluated { candidate: p.candidate.clone(), feasible: values.is_some(), values, stds: None }
            })
            .collect();
        seen.extend(asked.iter().map(|p| p.candidate.clone()));
        s.tell(&results).unwrap();
        props.extend(asked);
        told.extend(results);
    }
    (props, told)
}

fn zdt(name: &str, c: &Candidate) -> Option<Vec<f64>> {
    let x = xs(c);
    Some(vec![evaluate(&format!("{name}_f1"), &x)?, evaluate(&format!("{name}_f2"), &x)?])
}

// ---------------------------------------------------------------- ranking

/// Rank by definition: 0 if nothing dominates a point, else one more than the highest rank
/// of the points that dominate it.
fn brute_ranks(p: &[Vec<f64>]) -> Vec<usize> {
    let n = p.len();
    let mut rank = vec![usize::MAX; n];
    let mut done = 0;
    let mut level = 0;
    while done < n {
        let current: Vec<usize> = (0..n)
            .filter(|&i| rank[i] == usize::MAX)
            .filter(|&i| !(0..n).any(|j| rank[j] == usize::MAX && j != i && dominates(&p[j], &p[i])))
            .collect();
        for &i in &current {
            rank[i] = level;
        }
        done += current.len();
        level += 1;
    }
    rank
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn non_dominated_sort_matches_brute_force(
        pts in prop::collection::vec(prop::collection::vec(0i32..6, 3), 1..60),
    ) {
        // Small integers make ties and duplicates common.
        let p: Vec<Vec<f64>> = pts.iter().map(|v| v.iter().map(|&x| x as f64).collect()).collect();
        let fronts = non_dominated_sort(&p);
        let want = brute_ranks(&p);
        let mut got = vec![usize::MAX; p.len()];
        for (r, f) in fronts.iter().enumerate() {
            for &i in f {
                prop_assert_eq!(got[i], usize::MAX, "index {} twice", i);
                got[i] = r;
            }
        }
        prop_assert_eq!(got, want);
    }
}

#[test]
fn crowding_distance_of_a_hand_made_front() {
    let p = vec![vec![0.0, 10.0], vec![1.0, 6.0], vec![4.0, 2.0], vec![10.0, 0.0]];
    let d = crowding_distance(&p, &[0, 1, 2, 3]);
    assert_eq!(d[0], f64::INFINITY);
    assert_eq!(d[3], f64::INFINITY);
    // (1, 6): (4 − 0)/10 + (10 − 2)/10; (4, 2): (10 − 1)/10 + (6 − 0)/10.
    assert!((d[1] - 1.2).abs() < 1e-12, "{}", d[1]);
    assert!((d[2] - 1.5).abs() < 1e-12, "{}", d[2]);
    assert_eq!(crowding_distance(&p, &[1, 2]), vec![f64::INFINITY; 2]);
}

#[test]
fn constrained_fronts_put_feasible_first_then_by_violation() {
    let p = vec![vec![5.0, 5.0], vec![0.0, 0.0], vec![9.0, 9.0], vec![1.0, 1.0], vec![9.0, 9.0]];
    let v = [0.0, 0.0, 0.5, 0.0, 0.1];
    assert_eq!(constrained_fronts(&p, &v), vec![vec![0], vec![3], vec![1], vec![4], vec![2]]);
}

#[test]
fn hypervolume_known_values() {
    assert!((hypervolume(&[vec![0.5, 0.5]], &[1.0, 1.0]) - 0.25).abs() < 1e-12);
    let two = hypervolume(&[vec![0.0, 0.5], vec![0.5, 0.0]], &[1.0, 1.0]);
    assert!((two - 0.75).abs() < 1e-12);
    // 3-D: two boxes by inclusion–exclusion: 0.5·1·1 + 1·0.5·1 − 0.5·0.5·1.
    let three = hypervolume(&[vec![0.5, 0.0, 0.0], vec![0.0, 0.5, 0.0]], &[1.0, 1.0, 1.0]);
    assert!((three - 0.75).abs() < 1e-12, "{three}");
    assert_eq!(hypervolume(&[vec![2.0, 0.0]], &[1.0, 1.0]), 0.0);
}

// ---------------------------------------------------------------- feasibility

const NAMES: [&str; 6] = ["Fe", "Ni", "Cr", "Co", "Mn", "Cu"];

fn random_space() -> impl PropStrategy<Value = SpaceSpec> {
    (
        prop::collection::vec((0.0..0.3f64, 0.0..1.0f64), 2..=6),
        any::<bool>(),
        prop::option::of(1usize..=4),
        prop::option::of(prop::sample::select(vec![0.1, 0.05, 0.02])),
        any::<bool>(),
    )
        .prop_map(|(bounds, balance, kmax, resolution, forbid)| {
            let n = bounds.len();
            let components: Vec<ComponentSpec> = bounds
                .iter()
                .enumerate()
                .take(n - usize::from(balance))
                .map(|(i, &(lo, w))| {
                    let min = if i % 2 == 0 { 0.0 } else { lo };
                    ComponentSpec { name: NAMES[i].into(), min, max: (lo + w).min(1.0).max(min) }
                })
                .collect();
            let mixture = MixtureSpec {
                components,
                balance: balance.then(|| NAMES[n - 1].to_string()),
                max_components: kmax,
                resolution,
                forbidden: if forbid { vec![vec![NAMES[0].into(), NAMES[2 % n].into()]] } else { vec![] },
                ..MixtureSpec::default()
            };
            let parameters = vec![
                ParameterSpec::Continuous { name: "T".into(), min: -3.5, max: 812.25, unit: None },
                ParameterSpec::Integer { name: "k".into(), min: -2, max: 5, unit: None },
                ParameterSpec::Categorical { name: "c".into(), choices: vec!["x".into(), "y".into(), "z".into()] },
            ];
            SpaceSpec::Design(DesignSpec { composition: Some(mixture), parameters, ..DesignSpec::default() })
        })
}

fn perovskite() -> Space {
    let mix = |c: &[(&str, f64, f64)]| MixtureSpec {
        components: c.iter().map(|&(n, min, max)| ComponentSpec { name: n.into(), min, max }).collect(),
        ..MixtureSpec::default()
    };
    let aliases = BTreeMap::from([
        ("FA".to_string(), AliasSpec { formula: "CH5N2".into(), charge: Some(1) }),
        ("MA".to_string(), AliasSpec { formula: "CH6N".into(), charge: Some(1) }),
    ]);
    let sites = vec![
        ("A".to_string(), mix(&[("Cs", 0.0, 1.0), ("FA", 0.0, 1.0), ("MA", 0.0, 1.0)])),
        ("B".to_string(), mix(&[("Pb", 0.5, 1.0), ("Sn", 0.0, 0.5)])),
        ("X".to_string(), mix(&[("I", 0.0, 1.0), ("Br", 0.0, 1.0)])),
    ];
    let structure = StructureSpec { prototype: PrototypeSpec::Named("perovskite".into()), sites, charge_balance: true };
    let parameters = vec![ParameterSpec::Integer { name: "n".into(), min: 0, max: 3, unit: None }];
    Space::new(
        &SpaceSpec::Design(DesignSpec { structure: Some(structure), aliases, parameters, ..DesignSpec::default() }),
        None,
    )
    .unwrap()
}

/// A smooth landscape over any design space: a weighted sum of the encoding.
fn landscape(space: &Space) -> impl Fn(&Candidate) -> Option<Vec<f64>> + '_ {
    move |c: &Candidate| {
        let row = space.encode(std::slice::from_ref(c));
        Some(vec![row.iter().enumerate().map(|(i, v)| ((i * 7 % 5) as f64 - 2.0) * v).sum()])
    }
}

fn all_strategies(goals: &Goals, population: usize) -> Vec<Box<dyn Strategy>> {
    let mut g = GeneticSettings::new(goals.clone());
    g.population = population;
    g.elites = 1;
    let mut n = Nsga2Settings::new(goals.clone());
    n.population = population;
    let mut c = CmaesSettings::new(goals.clone());
    c.population = Some(population);
    vec![
        Box::new(GeneticStrategy::new(g).unwrap()),
        Box::new(Nsga2Strategy::new(n).unwrap()),
        Box::new(CmaesStrategy::new(c).unwrap()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn every_offspring_is_feasible_and_new(spec in random_space(), seed in 0u64..1000) {
        let Ok(space) = Space::new(&spec, None) else { return Ok(()) };
        let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] };
        for mut s in all_strategies(&goals, 6) {
            // `drive` asserts feasibility and novelty of every proposal.
            drive(s.as_mut(), &space, 6, 4, 8, seed, &landscape(&space));
        }
    }
}

#[test]
fn structure_offspring_are_charge_balanced() {
    let space = perovskite();
    let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] };
    for mut s in all_strategies(&goals, 8) {
        let (props, _) = drive(s.as_mut(), &space, 8, 8, 8, 3, &landscape(&space));
        assert_eq!(props.len(), 64);
    }
}

// ---------------------------------------------------------------- convergence

fn sphere(x: &[f64]) -> f64 {
    x.iter().map(|v| v * v).sum()
}

#[test]
fn cmaes_core_converges_on_the_10d_sphere() {
    let n = 10;
    let mut r = rng(1);
    let mut es = Cmaes::new(vec![3.0; n], 2.0, Cmaes::default_lambda(n));
    let mut evals = 0;
    let mut best = f64::INFINITY;
    while best > 1e-8 && evals < 20_000 {
        let mut xs: Vec<Vec<f64>> = (0..es.lambda()).map(|_| es.sample(&mut r)).collect();
        evals += xs.len();
        xs.sort_by(|a, b| sphere(a).total_cmp(&sphere(b)));
        best = best.min(sphere(&xs[0]));
        es.tell(&xs);
    }
    assert!(best <= 1e-8, "best {best} after {evals} evaluations");
    // 1370 when written; the `cma` package needs about 1600 on this problem from [-5, 5]
    // (experiments/evo-benchmarks).
    assert!(evals < 2500, "{evals} evaluations");
}

#[test]
fn cmaes_strategy_minimises_a_sphere_in_a_box() {
    let space = reals(5, -5.0, 5.0);
    let mut c = CmaesSettings::new(min_goals(1));
    c.population = Some(8);
    let mut s = CmaesStrategy::new(c).unwrap();
    let f = |c: &Candidate| Some(vec![sphere(&xs(c))]);
    let (_, told) = drive(&mut s, &space, 1, 8, 300, 4, &f);
    let best = told.iter().filter_map(|e| e.values.as_ref()).map(|v| v[0]).fold(f64::INFINITY, f64::min);
    assert!(best < 1e-8, "best {best}");
}

#[test]
fn nsga2_on_zdt1_nears_the_optimal_hypervolume() {
    let space = reals(10, 0.0, 1.0);
    let mut settings = Nsga2Settings::new(min_goals(2));
    settings.population = 40;
    let mut s = Nsga2Strategy::new(settings).unwrap();
    drive(&mut s, &space, 40, 40, 100, 11, &|c| zdt("zdt1", c));
    let front: Vec<Vec<f64>> = s.front().iter().filter_map(|e| e.values.clone()).collect();
    let hv = hypervolume(&front, &[1.1, 1.1]);
    // Optimum: 1.1² − ∫(1 − √x)dx − 0.1·1.1·0... = 0.1 + 2/3 + 0.11 ≈ 0.8767.
    assert!(hv > 0.85, "hypervolume {hv} after 4000 evaluations");
    assert!(front.len() >= 20, "{} points on the front", front.len());
}

#[test]
fn genetic_finds_the_best_peak_of_a_sparse_mixture() {
    let mixture = MixtureSpec {
        components: ["Fe", "Ni", "Co", "Cr", "Mo"]
            .iter()
            .map(|n| ComponentSpec { name: (*n).into(), min: 0.0, max: 1.0 })
            .collect(),
        max_components: Some(3),
        ..MixtureSpec::default()
    };
    let space =
        Space::new(&SpaceSpec::Design(DesignSpec { composition: Some(mixture), ..DesignSpec::default() }), None)
            .unwrap();
    let f = |c: &Candidate| evaluate("mixture_peaks5", &c.fractions).map(|v| vec![v]);
    let best = |told: &[Evaluated]| {
        told.iter().filter_map(|e| e.values.as_ref()).map(|v| v[0]).fold(f64::NEG_INFINITY, f64::max)
    };
    let (mut ga_wins, mut random_wins) = (0, 0);
    for seed in 0..10 {
        let mut g = GeneticSettings::new(Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] });
        g.population = 20;
        g.elites = 2;
        let mut s = GeneticStrategy::new(g).unwrap();
        ga_wins += usize::from(best(&drive(&mut s, &space, 10, 10, 30, seed, &f).1) > 0.95);
        let mut r = crate::strategy::RandomStrategy;
        random_wins += usize::from(best(&drive(&mut r, &space, 10, 10, 30, seed, &f).1) > 0.95);
    }
    // When written: the GA 8 of 10 (15 of 20 over seeds 0–19), random search 2 of 10.
    assert!(ga_wins >= 6 && ga_wins > random_wins, "top peak found: GA {ga_wins}/10, random {random_wins}/10");
}

// ---------------------------------------------------------------- determinism and state

fn zdt_run(threads: usize) -> Vec<Vec<u64>> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let space = reals(6, 0.0, 1.0);
        let mut settings = Nsga2Settings::new(min_goals(2));
        settings.population = 12;
        let mut s = Nsga2Strategy::new(settings).unwrap();
        let (props, _) = drive(&mut s, &space, 12, 5, 15, 2, &|c| zdt("zdt2", c));
        let mut front: Vec<Vec<u64>> = s.front().iter().map(|e| candidate_key(&e.candidate)).collect();
        front.extend(props.iter().map(|p| candidate_key(&p.candidate)));
        front
    })
}

#[test]
fn seeded_runs_agree_on_one_and_two_threads() {
    let one = zdt_run(1);
    assert_eq!(one, zdt_run(2));
    assert_eq!(one, zdt_run(1), "and twice on one");
}

#[test]
fn checkpoint_then_restore_gives_the_same_next_proposals() {
    let space = reals(4, -1.0, 1.0);
    let f = |c: &Candidate| {
        let x = xs(c);
        Some(vec![sphere(&x), (x[0] - 0.5).powi(2)])
    };
    let one = Goals { objectives: vec![(0, Goal::Minimize)], constraints: vec![] };
    for (mut a, mut b) in all_strategies(&one, 6).into_iter().zip(all_strategies(&one, 6)) {
        let (props, _) = drive(a.as_mut(), &space, 6, 4, 7, 9, &f);
        let seen: Vec<Candidate> = props.iter().map(|p| p.candidate.clone()).collect();
        let state = a.checkpoint();
        b.restore(&serde_json::from_str(&state.to_string()).unwrap()).unwrap();
        let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
        let pa = a.ask(&ctx, 5, &mut rng(77)).unwrap();
        let pb = b.ask(&ctx, 5, &mut rng(77)).unwrap();
        assert_eq!(pa, pb, "{}", a.name());
        // Both told the same: they stay in step.
        let told: Vec<Evaluated> = pa
            .iter()
            .map(|p| Evaluated { candidate: p.candidate.clone(), values: f(&p.candidate), feasible: true, stds: None })
            .collect();
        a.tell(&told).unwrap();
        b.tell(&told).unwrap();
        let mut seen2 = seen.clone();
        seen2.extend(pa.iter().map(|p| p.candidate.clone()));
        let ctx = AskContext { space: &space, seen: &seen2, initial_remaining: 0 };
        assert_eq!(a.ask(&ctx, 6, &mut rng(78)).unwrap(), b.ask(&ctx, 6, &mut rng(78)).unwrap(), "{}", a.name());
        assert!(b.restore(&serde_json::json!({"strategy": "random"})).is_err());
    }
}

#[test]
fn failed_and_infeasible_results_rank_last() {
    let space = reals(3, 0.0, 1.0);
    let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![(1, None, Some(0.5))] };
    // Half the evaluations fail; the rest violate the constraint unless x0 < 0.5.
    let f = |c: &Candidate| {
        let x = xs(c);
        (x[1] < 0.5).then(|| vec![x[0] + x[2], x[0] * 0.9])
    };
    for mut s in all_strategies(&goals, 10) {
        drive(s.as_mut(), &space, 10, 10, 12, 5, &f);
    }
    let mut g = GeneticSettings::new(goals);
    g.population = 10;
    let mut s = GeneticStrategy::new(g).unwrap();
    drive(&mut s, &space, 10, 10, 20, 6, &f);
    let pop = s.population();
    let best = &pop[0];
    assert!(best.values.is_some(), "a failed result is never the best");
    assert!(best.values.as_ref().unwrap()[1] <= 0.5, "the best meets the constraint: {best:?}");
}

#[test]
fn pools_are_searched_row_by_row_without_repeats() {
    let rows = 30;
    let mut r = rng(3);
    let values = ndarray::Array2::from_shape_fn((rows, 2), |_| r.random::<f64>());
    let table = PoolTable { columns: vec!["a".into(), "b".into()], values: values.clone(), formulas: None };
    let spec = SpaceSpec::Pool(PoolSpec { path: "pool.csv".into(), inputs: None });
    let space = Space::new(&spec, Some(table)).unwrap();
    let f = |c: &Candidate| {
        let i = c.pool_index.unwrap();
        Some(vec![values[[i, 0]] - values[[i, 1]]])
    };
    let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] };
    for mut s in all_strategies(&goals, 6) {
        // 6 initial + 4 batches of 6 = 30: every row once, then nothing is left.
        let (props, _) = drive(s.as_mut(), &space, 6, 6, 5, 1, &f);
        let idx: HashSet<usize> = props.iter().map(|p| p.candidate.pool_index.unwrap()).collect();
        assert_eq!(idx.len(), rows);
        let seen: Vec<Candidate> = props.into_iter().map(|p| p.candidate).collect();
        let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
        assert!(s.ask(&ctx, 3, &mut rng(9)).unwrap().is_empty(), "{}: pool exhausted", s.name());
    }
}

#[test]
fn settings_are_checked() {
    let two = min_goals(2);
    assert!(GeneticStrategy::new(GeneticSettings::new(two.clone())).is_err());
    assert!(CmaesStrategy::new(CmaesSettings::new(two.clone())).is_err());
    let mut n = Nsga2Settings::new(two);
    n.population = 1;
    let e = Nsga2Strategy::new(n).unwrap_err().to_string();
    assert!(e.contains("population 1"), "{e}");
    let mut g = GeneticSettings::new(min_goals(1));
    g.elites = g.population;
    assert!(GeneticStrategy::new(g).is_err());
}

/// What a resumed campaign does: restore the checkpoint written after iteration `k − 1`, tell
/// the results of iteration `k` (logged before the crash, not yet in the checkpoint) — or,
/// with no checkpoint yet, tell everything logged in one batch — then ask iteration `k + 1`.
/// The proposals must be those of the run that never stopped, wherever the crash fell
/// (including mid-generation and the ask that starts CMA-ES).
#[test]
fn results_in_flight_at_a_crash_land_where_they_would_have() {
    let space = reals(3, -1.0, 1.0);
    let f = |c: &Candidate| Some(vec![sphere(&xs(c))]);
    let goals = min_goals(1);
    let make = || -> Vec<Box<dyn Strategy>> {
        let mut c = CmaesSettings::new(goals.clone());
        c.population = Some(5);
        c.start_size = Some(6);
        let mut g = GeneticSettings::new(goals.clone());
        g.population = 5;
        let mut n = Nsga2Settings::new(goals.clone());
        n.population = 5;
        vec![
            Box::new(CmaesStrategy::new(c).unwrap()),
            Box::new(GeneticStrategy::new(g).unwrap()),
            Box::new(Nsga2Strategy::new(n).unwrap()),
        ]
    };
    let iters = 14;
    for (idx, mut a) in make().into_iter().enumerate() {
        // The uninterrupted run: 6 initial, then batches of 2; checkpoints after every tell.
        let (mut seen, mut batches, mut ckpts) = (Vec::new(), Vec::new(), Vec::new());
        for it in 0..iters {
            let init_left = if it == 0 { 6 } else { 0 };
            let ctx = AskContext { space: &space, seen: &seen, initial_remaining: init_left };
            let n = if it == 0 { 6 } else { 2 };
            let asked = a.ask(&ctx, n, &mut crate::rng::stream(3, "ask", it as u64)).unwrap();
            let told: Vec<Evaluated> = asked
                .iter()
                .map(|p| Evaluated {
                    candidate: p.candidate.clone(),
                    values: f(&p.candidate),
                    feasible: true,
                    stds: None,
                })
                .collect();
            seen.extend(asked.iter().map(|p| p.candidate.clone()));
            a.tell(&told).unwrap();
            batches.push((asked, told));
            ckpts.push(serde_json::from_str::<serde_json::Value>(&a.checkpoint().to_string()).unwrap());
        }
        for k in 0..iters - 1 {
            let mut b = make().into_iter().nth(idx).unwrap();
            if k == 0 {
                // Killed before the first checkpoint: everything logged is re-told at once.
                let all: Vec<Evaluated> = batches[..=1].iter().flat_map(|(_, t)| t.clone()).collect();
                b.tell(&all).unwrap();
            } else {
                b.restore(&ckpts[k - 1]).unwrap();
                b.tell(&batches[k].1).unwrap();
            }
            // From there on, the same asks and the same results as the run that never stopped.
            let start = if k == 0 { 2 } else { k + 1 };
            let mut seen_b: Vec<Candidate> =
                batches[..start].iter().flat_map(|(p, _)| p.iter().map(|p| p.candidate.clone())).collect();
            for (it, (asked, told)) in batches.iter().enumerate().skip(start) {
                let ctx = AskContext { space: &space, seen: &seen_b, initial_remaining: 0 };
                let got = b.ask(&ctx, 2, &mut crate::rng::stream(3, "ask", it as u64)).unwrap();
                assert_eq!(&got, asked, "{}: crash after iteration {k}; iteration {it} differs", a.name());
                seen_b.extend(got.iter().map(|p| p.candidate.clone()));
                b.tell(told).unwrap();
            }
        }
    }
}
