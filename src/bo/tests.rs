//! BO tests on analytic problems: Branin against random search, simplex with cardinality,
//! pools (chunked, unseen), batches, constraints, failures, several objectives, targets,
//! Thompson sampling, checkpoints.
use std::collections::HashSet;

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::config::spec::Goal;
use crate::oracle::functions::evaluate;
use crate::space::spec::{ComponentSpec, DesignSpec, MixtureSpec, ParameterSpec, PoolSpec, SpaceSpec};
use crate::space::{ParamValue, PoolTable};
use crate::strategy::RandomStrategy;

fn real(c: &Candidate, k: usize) -> f64 {
    match c.params[k] {
        ParamValue::Real(v) => v,
        ParamValue::Int(i) => i as f64,
        ParamValue::Cat(i) => i as f64,
    }
}

fn box_space(ranges: &[(f64, f64)]) -> Space {
    let parameters = ranges
        .iter()
        .enumerate()
        .map(|(i, &(min, max))| ParameterSpec::Continuous { name: format!("x{i}"), min, max, unit: None })
        .collect();
    Space::new(&SpaceSpec::Design(DesignSpec { parameters, ..DesignSpec::default() }), None).unwrap()
}

fn fast(goals: Goals, kind: AcquisitionKind) -> BoSettings {
    let mut s = BoSettings::new(goals, kind);
    s.raw_samples = 300;
    s.restarts = 4;
    s.refine_iters = 25;
    s.thompson_candidates = 200;
    s.fit.random_starts = 2;
    s.fit.max_iters = 40;
    s
}

fn goals(objectives: Vec<(usize, Goal)>, constraints: Vec<(usize, Option<f64>, Option<f64>)>) -> Goals {
    Goals { objectives, constraints }
}

/// A campaign loop in miniature: initial design, then batches, evaluating with `f`
/// (`None` = failed) and `feasible`. Returns every (candidate, values) in order.
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
fn run(
    strategy: &mut dyn Strategy,
    space: &Space,
    f: &dyn Fn(&Candidate) -> Option<Vec<f64>>,
    feasible: &dyn Fn(&[f64]) -> bool,
    initial: usize,
    batch: usize,
    budget: usize,
    seed: u64,
) -> Vec<(Candidate, Option<Vec<f64>>)> {
    let mut seen: Vec<Candidate> = Vec::new();
    let mut log = Vec::new();
    let mut initial_remaining = initial;
    let mut it = 0;
    while log.len() < budget {
        let want = if initial_remaining > 0 { initial_remaining } else { batch }.min(budget - log.len());
        let mut rng = crate::rng::stream(seed, "ask", it);
        it += 1;
        let ctx = AskContext { space, seen: &seen, initial_remaining };
        let props = strategy.ask(&ctx, want, &mut rng).unwrap();
        assert!(!props.is_empty());
        initial_remaining -= props.iter().filter(|p| p.origin == "initial").count().min(initial_remaining);
        let mut done = Vec::new();
        for p in props {
            space.check(&p.candidate).expect("proposals are feasible");
            let v = f(&p.candidate);
            let ok = v.as_ref().is_some_and(|v| feasible(v));
            seen.push(p.candidate.clone());
            log.push((p.candidate.clone(), v.clone()));
            done.push(Evaluated { candidate: p.candidate, values: v, feasible: ok, stds: None });
        }
        strategy.tell(&done).unwrap();
    }
    let keys: HashSet<Vec<u64>> = log.iter().map(|(c, _)| candidate_key(c)).collect();
    assert_eq!(keys.len(), log.len(), "no candidate is proposed twice");
    log
}

fn branin(c: &Candidate) -> Option<Vec<f64>> {
    Some(vec![evaluate("branin", &[real(c, 0), real(c, 1)])?])
}

#[test]
fn beats_random_search_on_branin() {
    let space = box_space(&[(-5.0, 10.0), (0.0, 15.0)]);
    let g = goals(vec![(0, Goal::Minimize)], vec![]);
    let regret = |log: &[(Candidate, Option<Vec<f64>>)]| {
        log.iter().filter_map(|(_, v)| v.as_ref().map(|v| v[0])).fold(f64::INFINITY, f64::min) - 0.397_887
    };
    let (mut bo, mut rs) = (Vec::new(), Vec::new());
    for seed in 0..5 {
        let mut s = BayesianStrategy::new(fast(g.clone(), AcquisitionKind::LogEi));
        bo.push(regret(&run(&mut s, &space, &branin, &|_| true, 8, 1, 25, seed)));
        rs.push(regret(&run(&mut RandomStrategy, &space, &branin, &|_| true, 8, 1, 25, seed)));
    }
    bo.sort_by(f64::total_cmp);
    rs.sort_by(f64::total_cmp);
    assert!(bo[2] < rs[2] && bo[2] < 0.5, "median regret: BO {bo:?} vs random {rs:?}");
}

fn simplex_space() -> Space {
    let comps = ["Fe", "Ni", "Co", "Cr", "Mn"];
    let m = MixtureSpec {
        components: comps.iter().map(|n| ComponentSpec { name: n.to_string(), min: 0.0, max: 1.0 }).collect(),
        max_components: Some(3),
        ..MixtureSpec::default()
    };
    Space::new(&SpaceSpec::Design(DesignSpec { composition: Some(m), ..DesignSpec::default() }), None).unwrap()
}

#[test]
fn simplex_with_cardinality_gives_feasible_improving_proposals() {
    let space = simplex_space();
    let f = |c: &Candidate| Some(vec![evaluate("mixture_peaks", &c.fractions)?]);
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let mut s = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    let log = run(&mut s, &space, &f, &|_| true, 8, 2, 24, 3);
    for (c, _) in &log {
        assert!(c.fractions.iter().filter(|v| **v > 0.0).count() <= 3);
        assert!((c.fractions.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
    let best_init = log[..8].iter().map(|(_, v)| v.as_ref().unwrap()[0]).fold(f64::MIN, f64::max);
    let best = log.iter().map(|(_, v)| v.as_ref().unwrap()[0]).fold(f64::MIN, f64::max);
    assert!(best > best_init && best > 0.6, "best {best} after the initial {best_init}");
}

#[test]
fn mixed_space_with_categoricals_and_integers_stays_feasible() {
    let m = MixtureSpec {
        components: vec![
            ComponentSpec { name: "Ni".into(), min: 0.0, max: 0.3 },
            ComponentSpec { name: "Cr".into(), min: 0.05, max: 0.2 },
        ],
        balance: Some("Fe".into()),
        resolution: Some(0.01),
        ..MixtureSpec::default()
    };
    let parameters = vec![
        ParameterSpec::Continuous { name: "t".into(), min: 700.0, max: 900.0, unit: None },
        ParameterSpec::Integer { name: "passes".into(), min: 1, max: 6, unit: None },
        ParameterSpec::Categorical { name: "phase".into(), choices: vec!["a".into(), "b".into(), "c".into()] },
    ];
    let spec = SpaceSpec::Design(DesignSpec { composition: Some(m), parameters, ..DesignSpec::default() });
    let space = Space::new(&spec, None).unwrap();
    // Best: Ni high, t near 800, 4 passes, phase c.
    let f = |c: &Candidate| {
        let cat = if let ParamValue::Cat(k) = c.params[2] { k as f64 } else { 0.0 };
        Some(vec![
            c.fractions[0] - ((real(c, 0) - 800.0) / 100.0).powi(2) - 0.05 * (real(c, 1) - 4.0).abs() + 0.2 * cat,
        ])
    };
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    for kind in [AcquisitionKind::LogEi, AcquisitionKind::Ucb { beta: 2.0 }] {
        let mut s = BayesianStrategy::new(fast(g.clone(), kind));
        let log = run(&mut s, &space, &f, &|_| true, 6, 3, 15, 1);
        let best = log.iter().map(|(_, v)| v.as_ref().unwrap()[0]).fold(f64::MIN, f64::max);
        assert!(best > 0.5, "{kind:?}: best {best}");
    }
    // Relaxed categoricals (enumeration off) also stay feasible.
    let mut settings = fast(g, AcquisitionKind::Ei);
    settings.enumerate_limit = 1;
    run(&mut BayesianStrategy::new(settings), &space, &f, &|_| true, 6, 2, 10, 2);
}

fn pool_space(n: usize) -> Space {
    let side = (n as f64).sqrt().ceil() as usize;
    let values = Array2::from_shape_fn((n, 2), |(i, j)| {
        let k = if j == 0 { i % side } else { i / side };
        (k as f64 + 0.5) / side as f64
    });
    let table = PoolTable { columns: vec!["a".into(), "b".into()], values, formulas: None };
    Space::new(&SpaceSpec::Pool(PoolSpec { path: "pool.csv".into(), inputs: None }), Some(table)).unwrap()
}

fn pool_value(space: &Space, c: &Candidate) -> Option<Vec<f64>> {
    let x = space.encode(std::slice::from_ref(c));
    // Branin on the unit square, as a maximisation.
    Some(vec![-evaluate("branin", &[-5.0 + 15.0 * x[[0, 0]], 15.0 * x[[0, 1]]])?])
}

#[test]
fn pools_are_scored_in_chunks_and_never_repeat() {
    let space = pool_space(2500);
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let f = |c: &Candidate| pool_value(&space, c);
    // Median over seeds: a 21-evaluation run on one seed can end in a poor basin.
    let mut bests = Vec::new();
    let mut last = None;
    for seed in 0..5 {
        let mut settings = fast(g.clone(), AcquisitionKind::LogEi);
        settings.pool_chunk = 300;
        settings.pool_keep = 20;
        let mut s = BayesianStrategy::new(settings);
        let log = run(&mut s, &space, &f, &|_| true, 6, 3, 21, seed);
        bests.push(log.iter().map(|(_, v)| v.as_ref().unwrap()[0]).fold(f64::MIN, f64::max));
        last = Some((s, log));
    }
    bests.sort_by(f64::total_cmp);
    assert!(bests[2] > -1.5, "median best {} of {bests:?} (optimum −0.398)", bests[2]);
    let (mut s, log) = last.expect("five runs");
    // Pending candidates are respected: ask twice without telling.
    let seen: Vec<Candidate> = log.iter().map(|(c, _)| c.clone()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let a = s.ask(&AskContext { space: &space, seen: &seen, initial_remaining: 0 }, 3, &mut rng).unwrap();
    let mut seen2 = seen.clone();
    seen2.extend(a.iter().map(|p| p.candidate.clone()));
    let b = s.ask(&AskContext { space: &space, seen: &seen2, initial_remaining: 0 }, 3, &mut rng).unwrap();
    let keys: HashSet<Vec<u64>> = seen2.iter().chain(b.iter().map(|p| &p.candidate)).map(candidate_key).collect();
    assert_eq!(keys.len(), seen.len() + 6);
    // Every unseen row is scored exactly once, never more than a chunk at a time.
    let taken: HashSet<usize> = (0..100).collect();
    let count = std::cell::Cell::new(0);
    let score = |x: ArrayView2<f64>| {
        assert!(x.nrows() <= 300);
        count.set(count.get() + x.nrows());
        x.column(0).to_vec()
    };
    let encode = |cs: &[crate::space::Candidate]| Ok::<_, ()>(space.encode(cs));
    let top = pool::top_rows_with(&encode, 2500, &taken, 5, 300, &score).unwrap();
    assert_eq!(count.get(), 2400);
    assert_eq!(top.len(), 5);
    assert!(top.windows(2).all(|w| w[0].1 >= w[1].1) && top.iter().all(|(i, _)| *i >= 100));
}

#[test]
fn a_million_row_pool_works() {
    let space = pool_space(1_000_000);
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let mut s = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    let f = |c: &Candidate| pool_value(&space, c);
    let log = run(&mut s, &space, &f, &|_| true, 5, 2, 7, 5);
    assert_eq!(log.len(), 7);
}

#[test]
fn batches_are_distinct_and_avoid_pending_points() {
    let space = box_space(&[(-5.0, 10.0), (0.0, 15.0)]);
    for kind in [AcquisitionKind::LogEi, AcquisitionKind::Thompson, AcquisitionKind::Pi] {
        let g = goals(vec![(0, Goal::Minimize)], vec![]);
        let mut s = BayesianStrategy::new(fast(g, kind));
        let log = run(&mut s, &space, &branin, &|_| true, 6, 4, 14, 7);
        // The last batch of 4 is spread out, not 4 copies of one point.
        let last: Vec<(f64, f64)> = log[10..].iter().map(|(c, _)| (real(c, 0), real(c, 1))).collect();
        let mut min_d = f64::INFINITY;
        for i in 0..4 {
            for j in 0..i {
                min_d = min_d.min(((last[i].0 - last[j].0).powi(2) + (last[i].1 - last[j].1).powi(2)).sqrt());
            }
        }
        assert!(min_d > 1e-3, "{kind:?}: {last:?}");
    }
}

#[test]
fn constraints_and_failures_are_learned() {
    // Maximise x0 + x1 subject to x0 ≤ 0.5 (property 1 = x0); evaluations fail when x1 > 0.8.
    let space = box_space(&[(0.0, 1.0), (0.0, 1.0)]);
    let f = |c: &Candidate| (real(c, 1) <= 0.8).then(|| vec![real(c, 0) + real(c, 1), real(c, 0)]);
    let feasible = |v: &[f64]| v[1] <= 0.5;
    let g = goals(vec![(0, Goal::Maximize)], vec![(1, None, Some(0.5))]);
    let mut s = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    let log = run(&mut s, &space, &f, &feasible, 10, 2, 30, 8);
    let late = &log[20..];
    let bad = late.iter().filter(|(c, _)| real(c, 0) > 0.55 || real(c, 1) > 0.85).count();
    assert!(bad <= 2, "{bad} of the last 10 in known-bad regions: {late:?}");
    let best =
        log.iter().filter_map(|(_, v)| v.as_ref()).filter(|v| v[1] <= 0.5).map(|v| v[0]).fold(f64::MIN, f64::max);
    assert!(best > 1.1, "best feasible {best} (optimum 1.3)");
}

#[test]
fn several_objectives_and_targets() {
    let space = box_space(&[(0.0, 1.0), (0.0, 1.0)]);
    // Two conflicting objectives: maximise x0, maximise 1 − x0 + x1/2.
    let f = |c: &Candidate| Some(vec![real(c, 0), 1.0 - real(c, 0) + 0.5 * real(c, 1), real(c, 1)]);
    for kind in [AcquisitionKind::Ehvi, AcquisitionKind::Parego] {
        let g = goals(vec![(0, Goal::Maximize), (1, Goal::Maximize)], vec![]);
        let mut s = BayesianStrategy::new(fast(g, kind));
        let log = run(&mut s, &space, &f, &|_| true, 6, 2, 14, 9);
        // Pareto-optimal points have x1 = 1: BO's proposals should lean there.
        let late: f64 = log[6..].iter().map(|(c, _)| real(c, 1)).sum::<f64>() / 8.0;
        assert!(late > 0.6, "{kind:?}: mean x1 of BO proposals {late}");
    }
    // Three objectives with EHVI fall back to ParEGO.
    let g = goals(vec![(0, Goal::Maximize), (1, Goal::Maximize), (2, Goal::Minimize)], vec![]);
    run(&mut BayesianStrategy::new(fast(g, AcquisitionKind::Ehvi)), &space, &f, &|_| true, 5, 2, 9, 1);
    // Target 0.3 ± 0.01 on x0: found.
    let g = goals(vec![(0, Goal::Target { value: 0.3, tolerance: Some(0.01) })], vec![]);
    for kind in [AcquisitionKind::LogEi, AcquisitionKind::Thompson] {
        let mut s = BayesianStrategy::new(fast(g.clone(), kind));
        let log = run(&mut s, &space, &f, &|_| true, 5, 1, 15, 2);
        let best = log.iter().map(|(_, v)| (v.as_ref().unwrap()[0] - 0.3).abs()).fold(f64::MAX, f64::min);
        assert!(best < 0.02, "{kind:?}: closest {best}");
    }
}

#[test]
fn checkpoints_restore_the_same_proposals() {
    let space = box_space(&[(-5.0, 10.0), (0.0, 15.0)]);
    let g = goals(vec![(0, Goal::Minimize)], vec![]);
    let mut s = BayesianStrategy::new(fast(g.clone(), AcquisitionKind::LogEi));
    let log = run(&mut s, &space, &branin, &|_| true, 6, 2, 10, 3);
    let seen: Vec<Candidate> = log.iter().map(|(c, _)| c.clone()).collect();
    let state = s.checkpoint();
    let mut r = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    r.restore(&serde_json::from_str(&state.to_string()).unwrap()).unwrap();
    assert_eq!(r.observations(), 10);
    let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
    let a = s.ask(&ctx, 2, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    let b = r.ask(&ctx, 2, &mut ChaCha8Rng::seed_from_u64(5)).unwrap();
    assert_eq!(a, b);
    assert!(r.restore(&serde_json::json!({"strategy": "random"})).is_err());
}

#[test]
fn structure_spaces_with_charge_balance_stay_feasible() {
    use crate::space::spec::{AliasSpec, PrototypeSpec, StructureSpec};
    let mix = |c: &[(&str, f64, f64)]| MixtureSpec {
        components: c.iter().map(|&(n, min, max)| ComponentSpec { name: n.into(), min, max }).collect(),
        ..MixtureSpec::default()
    };
    let aliases =
        std::collections::BTreeMap::from([("FA".to_string(), AliasSpec { formula: "CH5N2".into(), charge: Some(1) })]);
    let sites = vec![
        ("A".to_string(), mix(&[("Cs", 0.0, 1.0), ("FA", 0.0, 1.0)])),
        ("B".to_string(), mix(&[("Pb", 0.5, 1.0), ("Sn", 0.0, 0.5)])),
        ("X".to_string(), mix(&[("I", 0.0, 1.0), ("Br", 0.0, 1.0)])),
    ];
    let structure = StructureSpec { prototype: PrototypeSpec::Named("perovskite".into()), sites, charge_balance: true };
    let spec = SpaceSpec::Design(DesignSpec { structure: Some(structure), aliases, ..DesignSpec::default() });
    let space = Space::new(&spec, None).unwrap();
    // Band gap–like target: 0.3 Cs, 0.8 Pb, 0.4 Br (columns A:Cs A:FA B:Pb B:Sn X:I X:Br).
    let f = |c: &Candidate| {
        let x = &c.fractions;
        Some(vec![-((x[0] - 0.3).powi(2) + (x[2] - 0.8).powi(2) + (x[5] - 0.4).powi(2))])
    };
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let mut s = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    let log = run(&mut s, &space, &f, &|_| true, 6, 2, 16, 0);
    let best = log.iter().map(|(_, v)| v.as_ref().unwrap()[0]).fold(f64::MIN, f64::max);
    assert!(best > -0.02, "best {best}");
}

#[test]
fn builds_from_a_campaign_file() {
    let yaml = "name: t\nspace:\n  parameters:\n    - {name: a, type: continuous, range: [-5, 10]}\n    \
                - {name: b, type: continuous, range: [0, 15]}\nproperties:\n  y: {}\nobjectives:\n  \
                - {property: y, goal: minimize}\noptimizer: {kind: bayesian, initial: 4, batch_size: 2, \
                acquisition: {kind: ucb, beta: 1.5}}\noracle: {kind: function, functions: {y: branin}}\n\
                budget: {evaluations: 10}\n";
    let spec = crate::config::parse_str(yaml, "t.yaml", std::path::Path::new(".")).unwrap();
    let space = Space::new(&spec.space, None).unwrap();
    let mut s = BayesianStrategy::from_spec(&spec);
    assert_eq!(s.settings.acquisition, AcquisitionKind::Ucb { beta: 1.5 });
    assert_eq!(s.settings.fit.length_scale, crate::gp::LengthScalePrior::default());
    let log = run(&mut s, &space, &branin, &|_| true, 4, 2, 8, 0);
    assert_eq!(log.len(), 8);
    // `optimizer.length_scale_prior` reaches the GP fits.
    let custom = yaml.replace("batch_size: 2,", "batch_size: 2, length_scale_prior: {median: 0.75},");
    let spec = crate::config::parse_str(&custom, "t.yaml", std::path::Path::new(".")).unwrap();
    let s = BayesianStrategy::from_spec(&spec);
    assert_eq!(s.settings.fit.length_scale, crate::gp::LengthScalePrior { median: 0.75, log_sd: 1.25 });
}

/// One BO iteration's wall time (fit + acquisition maximisation) at 50/200/1000 observations on
/// Hartmann-6, q = 1 and 4, default settings. Run by hand:
/// `cargo test --lib -- --ignored bo::tests::iteration_timing --nocapture`.
#[test]
#[ignore]
fn iteration_timing() {
    let space = box_space(&[(0.0, 1.0); 6]);
    let g = goals(vec![(0, Goal::Minimize)], vec![]);
    for n in [50, 200, 1000] {
        let mut rng = ChaCha8Rng::seed_from_u64(n as u64);
        let cs = space.sample(n, &mut rng).unwrap();
        for q in [1, 4] {
            let mut s = BayesianStrategy::new(BoSettings::new(g.clone(), AcquisitionKind::LogEi));
            let told: Vec<Evaluated> = cs
                .iter()
                .map(|c| {
                    let x: Vec<f64> = (0..6).map(|k| real(c, k)).collect();
                    Evaluated {
                        candidate: c.clone(),
                        values: evaluate("hartmann6", &x).map(|v| vec![v]),
                        feasible: true,
                        stds: None,
                    }
                })
                .collect();
            s.tell(&told).unwrap();
            let t = std::time::Instant::now();
            let ctx = AskContext { space: &space, seen: &cs, initial_remaining: 0 };
            let p = s.ask(&ctx, q, &mut rng).unwrap();
            assert_eq!(p.len(), q);
            eprintln!("n = {n:5}  q = {q}  {:.2} s", t.elapsed().as_secs_f64());
        }
    }
}

/// Features that are a fixed function of the space's encoding, counting candidates seen.
struct Mapped<'a> {
    space: &'a Space,
    map: fn(&[f64]) -> Vec<f64>,
    calls: std::cell::Cell<usize>,
    fail: bool,
}

impl FeatureMap for Mapped<'_> {
    fn features(&self, cs: &[Candidate]) -> Result<Array2<f64>, String> {
        if self.fail {
            return Err("the model is broken".into());
        }
        self.calls.set(self.calls.get() + cs.len());
        let x = self.space.encode(cs);
        let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| (self.map)(r.as_slice().unwrap())).collect();
        let w = rows.first().map_or(1, Vec::len);
        Ok(Array2::from_shape_vec((rows.len(), w), rows.concat()).unwrap())
    }
    fn describe(&self) -> String {
        "test features".into()
    }
}

fn told_pool(space: &Space, rows: std::ops::Range<usize>) -> Vec<Evaluated> {
    rows.map(|i| {
        let c = pool::row(i * 37 % 400);
        Evaluated { values: pool_value(space, &c), candidate: c, feasible: true, stds: None }
    })
    .collect()
}

#[test]
fn identity_features_propose_what_the_encoding_proposes() {
    let space = pool_space(400);
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let told = told_pool(&space, 0..12);
    let seen: Vec<Candidate> = told.iter().map(|e| e.candidate.clone()).collect();
    let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
    let mut plain = BayesianStrategy::new(fast(g.clone(), AcquisitionKind::LogEi));
    plain.tell(&told).unwrap();
    let a = plain.ask(&ctx, 3, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
    let f = Mapped { space: &space, map: |r| r.to_vec(), calls: std::cell::Cell::new(0), fail: false };
    let mut featured = BayesianStrategy::new(fast(g, AcquisitionKind::LogEi));
    featured.tell(&told).unwrap();
    let b = featured.ask_with_features(&ctx, &f, 3, &mut ChaCha8Rng::seed_from_u64(4)).unwrap();
    assert_eq!(a, b, "the GP sees the same inputs, so it proposes the same rows");
    assert!(f.calls.get() >= 400 - 12, "every unseen row went through the features: {}", f.calls.get());
}

#[test]
fn informative_features_change_the_model_and_errors_name_the_features() {
    let space = pool_space(400);
    let g = goals(vec![(0, Goal::Maximize)], vec![]);
    let told = told_pool(&space, 0..12);
    let seen: Vec<Candidate> = told.iter().map(|e| e.candidate.clone()).collect();
    let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
    // The feature is the objective itself: BO on it proposes the pool's best unseen row.
    let f = Mapped {
        space: &space,
        map: |r| vec![-evaluate("branin", &[-5.0 + 15.0 * r[0], 15.0 * r[1]]).unwrap()],
        calls: std::cell::Cell::new(0),
        fail: false,
    };
    let mut s = BayesianStrategy::new(fast(g.clone(), AcquisitionKind::Ucb { beta: 0.1 }));
    s.tell(&told).unwrap();
    let got = s.ask_with_features(&ctx, &f, 1, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
    let taken: HashSet<usize> = seen.iter().filter_map(|c| c.pool_index).collect();
    let best = (0..400)
        .filter(|i| !taken.contains(i))
        .max_by(|&a, &b| {
            let v = |i: usize| pool_value(&space, &pool::row(i)).unwrap()[0];
            v(a).total_cmp(&v(b))
        })
        .unwrap();
    let v = |i: usize| pool_value(&space, &pool::row(i)).unwrap()[0];
    let picked = got[0].candidate.pool_index.unwrap();
    assert!(v(best) - v(picked) < 1e-6, "picked row {picked} ({}), best {best} ({})", v(picked), v(best));

    let broken = Mapped { fail: true, ..f };
    let err = s.ask_with_features(&ctx, &broken, 1, &mut ChaCha8Rng::seed_from_u64(1)).unwrap_err();
    assert!(err.to_string().contains("features: the model is broken"), "{err}");
}
