//! Unit tests: building and errors, uniformity, resolution, parameters, structures, charge
//! balance, repair, encoding and pools.
use std::collections::BTreeMap;

use ndarray::array;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::spec::*;
use super::*;

pub(crate) fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

pub(crate) fn mix(comps: &[(&str, f64, f64)], balance: Option<&str>) -> MixtureSpec {
    MixtureSpec {
        components: comps.iter().map(|&(n, min, max)| ComponentSpec { name: n.into(), min, max }).collect(),
        balance: balance.map(str::to_string),
        ..MixtureSpec::default()
    }
}

pub(crate) fn composition(m: MixtureSpec) -> SpaceSpec {
    SpaceSpec::Design(DesignSpec { composition: Some(m), ..DesignSpec::default() })
}

fn steel() -> SpaceSpec {
    let mut m =
        mix(&[("C", 0.0, 0.01), ("Ni", 0.0, 0.25), ("Co", 0.0, 0.2), ("Mo", 0.0, 0.06), ("Cr", 0.0, 0.2)], Some("Fe"));
    m.max_components = Some(4);
    let parameters = vec![
        ParameterSpec::Continuous { name: "aging_temp".into(), min: 700.0, max: 900.0, unit: Some("K".into()) },
        ParameterSpec::Integer { name: "passes".into(), min: 1, max: 6, unit: None },
        ParameterSpec::Categorical { name: "phase".into(), choices: vec!["martensite".into(), "austenite".into()] },
    ];
    SpaceSpec::Design(DesignSpec { composition: Some(m), parameters, ..DesignSpec::default() })
}

pub(crate) fn perovskite(charge_balance: bool) -> SpaceSpec {
    let aliases = BTreeMap::from([
        ("FA".to_string(), AliasSpec { formula: "CH5N2".into(), charge: Some(1) }),
        ("MA".to_string(), AliasSpec { formula: "CH6N".into(), charge: Some(1) }),
    ]);
    let sites = vec![
        ("A".to_string(), mix(&[("Cs", 0.0, 1.0), ("FA", 0.0, 1.0), ("MA", 0.0, 1.0)], None)),
        ("B".to_string(), mix(&[("Pb", 0.5, 1.0), ("Sn", 0.0, 0.5)], None)),
        ("X".to_string(), mix(&[("I", 0.0, 1.0), ("Br", 0.0, 1.0)], None)),
    ];
    let structure = StructureSpec { prototype: PrototypeSpec::Named("perovskite".into()), sites, charge_balance };
    SpaceSpec::Design(DesignSpec { structure: Some(structure), aliases, ..DesignSpec::default() })
}

fn err(spec: &SpaceSpec) -> SpaceError {
    Space::new(spec, None).expect_err("space should be rejected")
}

/// Kolmogorov–Smirnov statistic of `xs` against the CDF `f`.
fn ks(mut xs: Vec<f64>, f: impl Fn(f64) -> f64) -> f64 {
    xs.sort_by(f64::total_cmp);
    let n = xs.len() as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| (f(x) - i as f64 / n).abs().max(((i + 1) as f64 / n - f(x)).abs()))
        .fold(0.0, f64::max)
}

#[test]
fn steel_space_builds_samples_and_encodes() {
    let s = Space::new(&steel(), None).unwrap();
    assert_eq!(s.input_columns(), ["C", "Ni", "Co", "Mo", "Cr", "Fe", "aging_temp", "passes", "phase"]);
    assert_eq!(s.dim(), 10);
    assert_eq!(s.encoded_columns()[8..], ["phase=martensite", "phase=austenite"]);
    let cs = s.sample(300, &mut rng(1)).unwrap();
    assert_eq!(cs.len(), 300);
    for c in &cs {
        s.check(c).unwrap();
        assert!(c.fractions.iter().filter(|&&x| x > 0.0).count() <= 4);
        assert_eq!(s.repair(c), *c);
    }
    let x = s.encode(&cs);
    assert_eq!(x.dim(), (300, 10));
    assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
    for (c, d) in cs.iter().zip(s.decode(x.view())) {
        assert_eq!(c.fractions, d.fractions);
        assert_eq!(c.params[1..], d.params[1..]);
        match (&c.params[0], &d.params[0]) {
            (ParamValue::Real(a), ParamValue::Real(b)) => assert!((a - b).abs() < 1e-9),
            other => panic!("{other:?}"),
        }
    }
    // Same seed, same candidates.
    assert_eq!(s.sample(5, &mut rng(9)).unwrap(), s.sample(5, &mut rng(9)).unwrap());
    let f = s.formula(&cs[0]).unwrap();
    assert!(f.contains("Fe"), "{f}");
}

#[test]
fn infeasible_specs_name_the_problem_and_key() {
    let e = err(&composition(mix(&[("C", 0.05, 0.1), ("Ni", 0.8, 0.9), ("Cr", 0.3, 0.4)], None)));
    assert_eq!(e.to_string(), "space.composition: minimum fractions add up to 1.15 (> 1): C 0.05 + Ni 0.8 + Cr 0.3");
    assert_eq!(e.key_path(), Some("space.composition"));

    let e = err(&composition(mix(&[("Ni", 0.0, 0.5), ("Cr", 0.0, 0.4)], None)));
    assert!(matches!(e, SpaceError::MaximumsBelowOne { .. }));
    assert!(e.to_string().contains("0.9 (< 1) and there is no balance component"), "{e}");

    let e = err(&composition(mix(&[("Ni", 0.5, 0.2)], Some("Fe"))));
    assert_eq!(e.key_path(), Some("space.composition.components.Ni"));
    assert!(e.to_string().contains("minimum 0.5 is above maximum 0.2"), "{e}");

    let e = err(&composition(mix(&[("Nii", 0.0, 0.2)], Some("Fe"))));
    assert_eq!(e.key_path(), Some("space.composition.components.Nii"));
    assert!(matches!(&e, SpaceError::UnknownComponent { suggestion: Some(s), .. } if s == "Ni"), "{e}");

    let e = err(&composition(mix(&[("Ni", 0.0, 0.2), ("Ni", 0.0, 0.3)], Some("Fe"))));
    assert!(matches!(e, SpaceError::DuplicateName { .. }), "{e}");

    let mut m = mix(&[("A1", 0.0, 1.0)], None);
    m.components[0].name = "Fe2O3".into();
    Space::new(&composition(m), None).unwrap(); // a compound formula is a component

    let mut m = mix(&[("Ni", 0.1, 0.3), ("Cr", 0.1, 0.3), ("Co", 0.1, 0.3)], Some("Fe"));
    m.max_components = Some(2);
    let e = err(&composition(m.clone()));
    assert_eq!(e.key_path(), Some("space.composition.max_components"));
    assert!(e.to_string().contains("3 components have a minimum above 0: Ni, Cr, Co"), "{e}");
    m.max_components = Some(3); // no room left for the balance Fe
    let e = err(&composition(m));
    assert!(e.to_string().contains("Ni, Cr, Co must be present, maximums adding up to 0.9"), "{e}");

    let mut m = mix(&[("Ni", 0.0, 0.6), ("Cr", 0.0, 0.6), ("Co", 0.0, 0.6)], None);
    m.max_components = Some(1);
    let e = err(&composition(m));
    assert!(matches!(e, SpaceError::Cardinality { .. }), "{e}");
    assert!(e.to_string().contains("no set of at most 1 components can add up to 1"), "{e}");

    let mut m = mix(&[("Ni", 0.0, 0.6), ("Cr", 0.0, 0.6), ("Co", 0.0, 0.3)], None);
    m.forbidden = vec![vec!["Ni".into(), "Cr".into()]];
    let e = err(&composition(m));
    assert_eq!(e.key_path(), Some("space.composition.forbidden"));

    let mut m = mix(&[("Ni", 0.1, 0.6), ("Cr", 0.1, 0.6)], None);
    m.forbidden = vec![vec!["Ni".into(), "Cr".into()]];
    assert_eq!(err(&composition(m)).key_path(), Some("space.composition.forbidden.0"));

    let mut m = mix(&[("Ni", 0.0, 0.6)], Some("Fe"));
    m.resolution = Some(0.03);
    assert!(matches!(err(&composition(m)), SpaceError::Resolution { .. }));

    let mut m = mix(&[("Ni", 0.0, 0.6)], Some("Fe"));
    m.min_components = Some(3);
    assert_eq!(err(&composition(m)).key_path(), Some("space.composition.min_components"));

    let SpaceSpec::Design(mut d) = perovskite(true) else { unreachable!() };
    d.structure.as_mut().unwrap().sites.pop();
    let e = err(&SpaceSpec::Design(d.clone()));
    assert_eq!(e.to_string(), "space.structure.sites.X: site X has no species");
    d.structure.as_mut().unwrap().prototype = PrototypeSpec::Named("wurtzite".into());
    assert_eq!(err(&SpaceSpec::Design(d)).key_path(), Some("space.structure.prototype"));

    let p = |min, max| ParameterSpec::Continuous { name: "Ti".into(), min, max, unit: None };
    let d = DesignSpec { parameters: vec![p(1.0, 0.0)], ..DesignSpec::default() };
    assert_eq!(err(&SpaceSpec::Design(d)).key_path(), Some("space.parameters.0"));
    let d = DesignSpec {
        composition: Some(mix(&[("Ti", 0.0, 1.0)], None)),
        parameters: vec![p(0.0, 1.0)],
        ..DesignSpec::default()
    };
    assert!(matches!(err(&SpaceSpec::Design(d)), SpaceError::DuplicateName { .. }));
    assert_eq!(err(&SpaceSpec::Design(DesignSpec::default())).key_path(), Some("space"));
}

#[test]
fn charge_balance_that_rejects_everything_is_an_error() {
    let mut m = mix(&[("Fe", 0.0, 1.0), ("O", 0.0, 1.0)], None);
    m.charge_balance = true;
    let e = err(&composition(m));
    assert_eq!(e.key_path(), Some("space.composition.charge_balance"));
    assert!(e.to_string().contains("charge balance"), "{e}");
}

#[test]
fn sampling_is_uniform_on_the_simplex() {
    // Uniform on the 2-simplex: each fraction has the Beta(1, 2) marginal, CDF 1 − (1 − x)².
    let s = Space::new(&composition(mix(&[("Fe", 0.0, 1.0), ("Ni", 0.0, 1.0), ("Cr", 0.0, 1.0)], None)), None).unwrap();
    let beta = |x: f64| 1.0 - (1.0 - x).powi(2);
    let n = 3000;
    let crit = 1.36 / (n as f64).sqrt(); // 5% KS critical value
    let lhs = s.sample(n, &mut rng(2)).unwrap();
    let mut r = rng(3);
    let iid: Vec<Candidate> = (0..n).flat_map(|_| s.sample(1, &mut r).unwrap()).collect();
    for cs in [&lhs, &iid] {
        for j in 0..3 {
            let d = ks(cs.iter().map(|c| c.fractions[j]).collect(), beta);
            assert!(d < crit, "component {j}: KS {d} ≥ {crit}");
        }
    }
}

#[test]
fn sampling_is_uniform_on_a_bounded_simplex() {
    // A ≤ 0.5: density of A ∝ 1 − a on [0, 0.5]; of B ∝ min(0.5, 1 − b).
    let s = Space::new(&composition(mix(&[("Fe", 0.0, 0.5), ("Ni", 0.0, 1.0), ("Cr", 0.0, 1.0)], None)), None).unwrap();
    let n = 3000;
    let crit = 1.36 / (n as f64).sqrt();
    let cs = s.sample(n, &mut rng(4)).unwrap();
    let fa = |a: f64| (a - a * a / 2.0) / 0.375;
    let fb = |b: f64| {
        if b <= 0.5 {
            0.5 * b / 0.375
        } else {
            (0.25 + b - b * b / 2.0 - 0.375) / 0.375
        }
    };
    let da = ks(cs.iter().map(|c| c.fractions[0]).collect(), fa);
    let db = ks(cs.iter().map(|c| c.fractions[1]).collect(), fb);
    let dc = ks(cs.iter().map(|c| c.fractions[2]).collect(), fb);
    assert!(da < crit && db < crit && dc < crit, "KS {da} {db} {dc} (crit {crit})");
}

#[test]
fn supports_are_drawn_by_volume() {
    // At most 2 of {Fe, Ni, Cr ≤ 0.5}: the Fe–Ni edge is twice as long as Fe–Cr and Ni–Cr.
    let mut m = mix(&[("Fe", 0.0, 1.0), ("Ni", 0.0, 1.0), ("Cr", 0.0, 0.5)], None);
    m.max_components = Some(2);
    let s = Space::new(&composition(m), None).unwrap();
    let cs = s.sample(4000, &mut rng(5)).unwrap();
    let share = |j: usize| cs.iter().filter(|c| c.fractions[j] == 0.0).count() as f64 / 4000.0;
    assert!((share(2) - 0.5).abs() < 0.03, "Fe–Ni {}", share(2));
    assert!((share(1) - 0.25).abs() < 0.03 && (share(0) - 0.25).abs() < 0.03);
    // On the Fe–Cr edge, Cr is uniform on [0, 0.5].
    let cr: Vec<f64> = cs.iter().filter(|c| c.fractions[1] == 0.0).map(|c| c.fractions[2]).collect();
    let crit = 1.63 / (cr.len() as f64).sqrt();
    assert!(ks(cr, |x| x / 0.5) < crit);
}

#[test]
fn resolution_gives_grid_points_that_sum_to_one() {
    let mut m = mix(&[("Ni", 0.05, 0.3), ("Cr", 0.0, 0.2), ("Co", 0.0, 0.2)], Some("Fe"));
    m.resolution = Some(0.05);
    let s = Space::new(&composition(m.clone()), None).unwrap();
    for c in s.sample(200, &mut rng(6)).unwrap() {
        s.check(&c).unwrap();
        assert!((c.fractions.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(c.fractions.iter().all(|x| (x * 20.0 - (x * 20.0).round()).abs() < 1e-9));
    }
    let r = s.repair(&Candidate { fractions: vec![0.123, 0.077, 0.0, 0.8], params: vec![], pool_index: None });
    s.check(&r).unwrap();
    assert_eq!(r.fractions, vec![0.1, 0.1, 0.0, 0.8]);
    // Grid count: 3 components in [0, 1] with step 0.1 → C(12, 2) = 66 points.
    let mut g = mix(&[("Fe", 0.0, 1.0), ("Ni", 0.0, 1.0), ("Cr", 0.0, 1.0)], None);
    g.resolution = Some(0.1);
    let d = Space::new(&composition(g), None).unwrap().dry_run(&mut rng(0));
    assert_eq!(d.grid_points, Some(66.0));
}

#[test]
fn parameters_sample_encode_and_repair() {
    let spec = steel();
    let s = Space::new(&spec, None).unwrap();
    let cs = s.sample(600, &mut rng(7)).unwrap();
    for k in 1..=6 {
        let count = cs.iter().filter(|c| c.params[1] == ParamValue::Int(k)).count();
        assert_eq!(count, 100, "integer value {k} once per stratum");
    }
    assert_eq!(cs.iter().filter(|c| c.params[2] == ParamValue::Cat(1)).count(), 300);
    let mut c = cs[0].clone();
    c.params = vec![ParamValue::Real(1000.0), ParamValue::Real(2.6), ParamValue::Cat(7)];
    let r = s.repair(&c);
    assert_eq!(r.params, vec![ParamValue::Real(900.0), ParamValue::Int(3), ParamValue::Cat(1)]);
    let why = s.check(&c).unwrap_err().to_string();
    assert!(why.contains("aging_temp = 1000 is outside [700, 900]"), "{why}");
    let cells = s.cells(&r);
    assert_eq!(cells[8], ("phase".to_string(), Cell::Str("austenite".into())));
    assert_eq!(cells[7], ("passes".to_string(), Cell::I64(3)));
    assert_eq!(s.candidate_from_cells(&cells, None).unwrap(), r);
    // A one-hot block decodes to its largest entry.
    let x = s.encode(std::slice::from_ref(&r));
    assert_eq!(x.row(0).to_vec()[8..], [0.0, 1.0]);
}

#[test]
fn perovskite_formula_charge_balance_and_columns() {
    let s = Space::new(&perovskite(true), None).unwrap();
    assert_eq!(s.input_columns(), ["A:Cs", "A:FA", "A:MA", "B:Pb", "B:Sn", "X:I", "X:Br"]);
    let c = Candidate { fractions: vec![0.5, 0.5, 0.0, 1.0, 0.0, 1.0, 0.0], params: vec![], pool_index: None };
    s.check(&c).unwrap();
    let comp = s.composition(&c).unwrap();
    for (el, amount) in [("Cs", 0.5), ("C", 0.5), ("H", 2.5), ("N", 1.0), ("Pb", 1.0), ("I", 3.0)] {
        assert!((comp.amount(el) - amount).abs() < 1e-12, "{el}");
    }
    assert_eq!(s.kind(), SpaceKind::Structure);
    for c in s.sample(100, &mut rng(8)).unwrap() {
        s.check(&c).unwrap();
        for (a, b) in [(0, 3), (3, 5), (5, 7)] {
            assert!((c.fractions[a..b].iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
    let bad = Candidate { fractions: vec![0.5, 0.2, 0.0, 0.3, 0.9, 1.0, 0.1], params: vec![], pool_index: None };
    let why = s.check(&bad).unwrap_err();
    assert!(why.reasons.iter().any(|r| r.contains("B:Pb = 0.3 is below its minimum 0.5")), "{why}");
    let r = s.repair(&bad);
    s.check(&r).unwrap();
    assert_eq!(s.repair(&r), r);
}

#[test]
fn charge_balance_restricts_samples_and_repair() {
    // Na + Cl on a 0.1 grid: only Na0.5Cl0.5 balances (Na +1, Cl −1).
    let mut m = mix(&[("Na", 0.0, 1.0), ("Cl", 0.0, 1.0)], None);
    m.resolution = Some(0.1);
    m.charge_balance = true;
    let s = Space::new(&composition(m), None).unwrap();
    for c in s.sample(20, &mut rng(10)).unwrap() {
        assert_eq!(c.fractions, vec![0.5, 0.5]);
    }
    let c = Candidate { fractions: vec![0.9, 0.1], params: vec![], pool_index: None };
    assert!(s.check(&c).unwrap_err().to_string().contains("charge balanced"));
    assert_eq!(s.repair(&c).fractions, vec![0.5, 0.5]);
    assert!(s.dry_run(&mut rng(1)).feasible_fraction < 0.5);
}

#[test]
fn repair_projects_and_applies_cardinality_and_forbidden_rules() {
    let mut m = mix(&[("Fe", 0.0, 1.0), ("Ni", 0.0, 1.0), ("Cr", 0.0, 1.0), ("Co", 0.0, 1.0)], None);
    m.max_components = Some(2);
    let s = Space::new(&composition(m.clone()), None).unwrap();
    let c = |f: Vec<f64>| Candidate { fractions: f, params: vec![], pool_index: None };
    let r = s.repair(&c(vec![0.4, 0.3, 0.2, 0.1]));
    assert!((r.fractions[0] - 0.55).abs() < 1e-12 && (r.fractions[1] - 0.45).abs() < 1e-12);
    assert_eq!(r.fractions[2..], [0.0, 0.0]);
    // Plain projection: (0.5, 0.5, 0.5, 0) − 1/6 each, clamped.
    m.max_components = None;
    m.forbidden = vec![vec!["Fe".into(), "Ni".into()]];
    let s = Space::new(&composition(m), None).unwrap();
    let r = s.repair(&c(vec![0.5, 0.3, 0.2, 0.0]));
    assert_eq!(r.fractions[1], 0.0, "the smaller of Fe and Ni is dropped");
    assert!((r.fractions[0] - 0.65).abs() < 1e-12 && (r.fractions[2] - 0.35).abs() < 1e-12);
    let r = s.repair(&c(vec![f64::NAN, 2.0]));
    s.check(&r).unwrap();
    assert_eq!(s.repair(&r), r);
}

#[test]
fn min_components_are_restored_by_repair() {
    let mut m = mix(&[("Fe", 0.0, 1.0), ("Ni", 0.0, 1.0), ("Cr", 0.0, 1.0)], None);
    m.min_components = Some(3);
    let s = Space::new(&composition(m), None).unwrap();
    let r = s.repair(&Candidate { fractions: vec![1.0, 0.0, 0.0], params: vec![], pool_index: None });
    s.check(&r).unwrap();
    assert!(r.fractions.iter().all(|&x| x > 0.0));
}

#[test]
fn tight_bounds_fall_back_to_hit_and_run() {
    let names: Vec<String> = (0..20).map(|i| super::super::chem::ELEMENTS[20 + i].to_string()).collect();
    let comps: Vec<(&str, f64, f64)> = names.iter().map(|n| (n.as_str(), 0.0, 0.1)).collect();
    let s = Space::new(&composition(mix(&comps, None)), None).unwrap();
    let d = s.dry_run(&mut rng(0));
    assert!(!d.exact_sampling, "{d}");
    for c in s.sample(20, &mut rng(11)).unwrap() {
        s.check(&c).unwrap();
    }
}

fn table_ok() -> PoolTable {
    PoolTable { columns: vec!["a".into()], values: array![[0.0], [1.0], [2.0], [3.0], [4.0]], formulas: None }
}

#[test]
fn pools_sample_without_replacement_and_encode_rows() {
    let table = PoolTable {
        columns: vec!["a".into(), "b".into(), "c".into()],
        values: array![[0.0, 10.0, 1.0], [1.0, 20.0, 1.0], [2.0, 30.0, 1.0], [3.0, 40.0, 1.0], [4.0, 50.0, 1.0]],
        formulas: Some(vec!["Fe2O3".into(), "NaCl".into(), "CsPbI3".into(), "Al2O3".into(), "MgO".into()]),
    };
    let spec = SpaceSpec::Pool(PoolSpec { path: "pool.csv".into(), inputs: Some(vec!["b".into(), "a".into()]) });
    let s = Space::new(&spec, Some(table.clone())).unwrap();
    // two scaled inputs + fractions of the 9 elements present (O Na Mg Al Cl Fe I Cs Pb)
    assert_eq!((s.dim(), s.pool_len(), s.kind()), (11, Some(5), SpaceKind::Pool));
    assert_eq!(s.encoded_columns()[2..5], ["frac:O", "frac:Na", "frac:Mg"]);
    assert_eq!(s.input_columns(), ["b", "a"]);
    let mut seen: Vec<usize> = s.sample(5, &mut rng(12)).unwrap().iter().map(|c| c.pool_index.unwrap()).collect();
    seen.sort();
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    assert_eq!(s.sample(9, &mut rng(12)).unwrap().len(), 5);
    let cs = s.sample(3, &mut rng(13)).unwrap();
    let x = s.encode(&cs);
    assert_eq!(s.decode(x.view()), cs);
    let c2 = Candidate { fractions: vec![], params: vec![], pool_index: Some(2) };
    let row = s.encode(std::slice::from_ref(&c2)).row(0).to_vec();
    assert_eq!(row[..2], [0.5, 0.5]);
    let fr: Vec<f64> = row[2..].iter().map(|v| (v * 1e9).round() / 1e9).collect();
    assert_eq!(fr, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.6, 0.2, 0.2]);
    assert_eq!(s.formula(&c2).unwrap(), "Cs0.2Pb0.2I0.6");
    assert_eq!(s.cells(&c2)[0], ("b".to_string(), Cell::F64(30.0)));
    assert_eq!(s.candidate_from_cells(&s.cells(&c2), None).unwrap(), c2);
    assert!(s.check(&Candidate { pool_index: Some(7), ..c2.clone() }).is_err());
    assert_eq!(s.repair(&Candidate { pool_index: Some(7), ..c2 }).pool_index, Some(4));
    assert_eq!(s.dry_run(&mut rng(0)).pool_rows, Some(5));
    let bad = SpaceSpec::Pool(PoolSpec { path: "pool.csv".into(), inputs: Some(vec!["z".into()]) });
    assert_eq!(Space::new(&bad, Some(table)).unwrap_err().key_path(), Some("space.pool.inputs.0"));
    assert!(Space::new(&bad, None).is_err());
    let broken = PoolTable {
        formulas: Some(vec!["Fe".into(), "Xx2".into(), "Ni".into(), "Co".into(), "Cu".into()]),
        ..table_ok()
    };
    let e = Space::new(&SpaceSpec::Pool(PoolSpec { path: "pool.csv".into(), inputs: None }), Some(broken)).unwrap_err();
    assert!(e.to_string().contains("row 2") && e.to_string().contains("Xx"), "{e}");
}

#[test]
fn dry_run_reports_the_space() {
    let s = Space::new(&steel(), None).unwrap();
    let d = s.dry_run(&mut rng(0));
    assert_eq!((d.kind, d.dim, d.components, d.parameters), (SpaceKind::Composition, 10, 6, 3));
    assert_eq!(d.discrete_combinations, Some(12));
    assert_eq!(d.feasible_fraction, 1.0);
    assert!(d.exact_sampling);
    let b = d.bounds_fraction.unwrap();
    assert!(b > 0.0 && b < 1.0);
    let text = d.to_string();
    assert!(text.starts_with("composition space: encoded width 10"), "{text}");
}

#[test]
fn many_supports_are_drawn_at_random() {
    // C(30, 5) = 142 506 supports: too many to list.
    let names: Vec<&str> = super::super::chem::ELEMENTS[20..50].to_vec();
    let comps: Vec<(&str, f64, f64)> = names.iter().map(|&n| (n, 0.0, 0.5)).collect();
    let mut m = mix(&comps, None);
    m.max_components = Some(5);
    m.forbidden = vec![vec![names[0].into(), names[1].into()]];
    let s = Space::new(&composition(m), None).unwrap();
    let cs = s.sample(50, &mut rng(14)).unwrap();
    for c in &cs {
        s.check(c).unwrap();
        assert_eq!(c.fractions.iter().filter(|&&x| x > 0.0).count(), 5);
    }
    let v: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin()).collect();
    let r = s.repair(&Candidate { fractions: v, params: vec![], pool_index: None });
    s.check(&r).unwrap();
    assert!(s.dry_run(&mut rng(0)).notes.iter().any(|n| n.contains("too many")));
}

#[test]
fn space_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Space>();
    assert_send_sync::<Candidate>();
}
