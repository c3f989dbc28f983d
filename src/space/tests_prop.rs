//! Property tests: for random (feasible) mixture and structure specs, every sample and every
//! repaired point is feasible (sums to 1 within 1e-9, bounds, cardinality, forbidden sets,
//! grid, site sums, charge balance), repair is idempotent, and decode inverts encode.
use proptest::prelude::*;

use super::spec::*;
use super::tests::{composition, mix, perovskite, rng};
use super::*;

const NAMES: [&str; 6] = ["Fe", "Ni", "Cr", "Co", "Mn", "Cu"];

/// A random mixture: 2–6 components with random bounds, maybe a balance, cardinality, a grid
/// and a forbidden pair, plus a continuous, an integer and a categorical parameter.
fn spec() -> impl Strategy<Value = SpaceSpec> {
    (
        prop::collection::vec((0.0..0.3f64, 0.0..1.0f64), 2..=6),
        any::<bool>(),
        prop::option::of(1usize..=4),
        prop::option::of(prop::sample::select(vec![0.1, 0.05, 0.02, 0.01])),
        any::<bool>(),
        prop::option::of(2usize..=3),
    )
        .prop_map(|(bounds, balance, kmax, resolution, forbid, kmin)| {
            let comps: Vec<(&str, f64, f64)> = bounds
                .iter()
                .enumerate()
                .map(|(i, &(lo, w))| (NAMES[i], if i % 2 == 0 { 0.0 } else { lo }, (lo + w).min(1.0)))
                .collect();
            let n = comps.len();
            let mut m = mix(&comps[..n - usize::from(balance)], balance.then_some(NAMES[n - 1]));
            m.max_components = kmax;
            m.min_components = kmin.filter(|_| kmax.is_none());
            m.resolution = resolution;
            if forbid {
                m.forbidden = vec![vec![NAMES[0].into(), NAMES[2 % n].into()]];
            }
            let parameters = vec![
                ParameterSpec::Continuous { name: "T".into(), min: -3.5, max: 812.25, unit: None },
                ParameterSpec::Integer { name: "k".into(), min: -2, max: 5, unit: None },
                ParameterSpec::Categorical { name: "c".into(), choices: vec!["x".into(), "y".into(), "z".into()] },
            ];
            let SpaceSpec::Design(mut d) = composition(m) else { unreachable!() };
            d.parameters = parameters;
            SpaceSpec::Design(d)
        })
}

/// A random structure: the perovskite with random bounds on every site, charge balanced.
fn structure() -> impl Strategy<Value = SpaceSpec> {
    prop::collection::vec((0.0..0.4f64, 0.3..1.0f64), 7).prop_map(|b| {
        let SpaceSpec::Design(mut d) = perovskite(true) else { unreachable!() };
        let mut k = 0;
        for (_, m) in &mut d.structure.as_mut().unwrap().sites {
            for c in &mut m.components {
                c.min = if k % 3 == 0 { b[k].0 } else { 0.0 };
                c.max = (c.min + b[k].1).min(1.0);
                k += 1;
            }
        }
        SpaceSpec::Design(d)
    })
}

fn assert_feasible(s: &Space, spec: &SpaceSpec, c: &Candidate) -> Result<(), TestCaseError> {
    prop_assert!(s.check(c).is_ok(), "{:?}: {}", c, s.check(c).unwrap_err());
    let SpaceSpec::Design(d) = spec else {
        return Ok(());
    };
    let mixtures: Vec<&MixtureSpec> = match (&d.composition, &d.structure) {
        (Some(m), _) => vec![m],
        (_, Some(st)) => st.sites.iter().map(|(_, m)| m).collect(),
        _ => vec![],
    };
    let mut off = 0;
    for m in mixtures {
        let n = m.components.len() + usize::from(m.balance.is_some());
        let f = &c.fractions[off..off + n];
        prop_assert!((f.iter().sum::<f64>() - 1.0).abs() <= 1e-9);
        for (x, cs) in f.iter().zip(&m.components) {
            prop_assert!(*x >= cs.min - 1e-12 && *x <= cs.max + 1e-12, "{x} not in [{}, {}]", cs.min, cs.max);
        }
        prop_assert!(f.iter().all(|&x| x >= 0.0));
        let present = f.iter().filter(|&&x| x > 0.0).count();
        prop_assert!(present <= m.max_components.unwrap_or(n));
        prop_assert!(present >= m.min_components.unwrap_or(1));
        for set in &m.forbidden {
            let all = set.iter().all(|name| {
                let i = m.components.iter().position(|c| &c.name == name).unwrap_or(n - 1);
                f[i] > 0.0
            });
            prop_assert!(!all);
        }
        if let Some(q) = m.resolution {
            prop_assert!(f.iter().all(|x| ((x / q) - (x / q).round()).abs() < 1e-6));
        }
        off += n;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn samples_and_repairs_are_feasible(
        spec in spec(),
        raw in prop::collection::vec(-0.5..1.5f64, 9),
        seed in 0u64..1000,
    ) {
        let Ok(s) = Space::new(&spec, None) else { return Ok(()) };
        let cs = s.sample(8, &mut rng(seed)).unwrap();
        prop_assert_eq!(cs.len(), 8);
        for c in &cs {
            assert_feasible(&s, &spec, c)?;
            prop_assert_eq!(&s.repair(c), c);
            // decode(encode(x)) = x: exact for fractions, integers and choices.
            let back = s.decode(s.encode(std::slice::from_ref(c)).view()).remove(0);
            prop_assert_eq!(&back.fractions, &c.fractions);
            prop_assert_eq!(&back.params[1..], &c.params[1..]);
            match (&back.params[0], &c.params[0]) {
                (ParamValue::Real(a), ParamValue::Real(b)) => prop_assert!((a - b).abs() <= 1e-12 * 816.0),
                _ => prop_assert!(false),
            }
            prop_assert_eq!(s.repair(&back), back);
        }
        let n = s.input_columns().len() - 3;
        let v = Candidate {
            fractions: raw[..n].to_vec(),
            params: vec![ParamValue::Real(raw[6] * 1000.0), ParamValue::Int((raw[7] * 10.0) as i64), ParamValue::Cat(7)],
            pool_index: None,
        };
        let r = s.repair(&v);
        assert_feasible(&s, &spec, &r)?;
        prop_assert_eq!(s.repair(&r), r.clone());
        let back = s.decode(s.encode(std::slice::from_ref(&r)).view()).remove(0);
        prop_assert_eq!(&back.fractions, &r.fractions);
    }

    #[test]
    fn structure_samples_and_repairs_are_feasible(
        spec in structure(),
        raw in prop::collection::vec(-0.5..1.5f64, 7),
        seed in 0u64..1000,
    ) {
        let Ok(s) = Space::new(&spec, None) else { return Ok(()) };
        for c in s.sample(6, &mut rng(seed)).unwrap() {
            assert_feasible(&s, &spec, &c)?;
        }
        let r = s.repair(&Candidate { fractions: raw, params: vec![], pool_index: None });
        assert_feasible(&s, &spec, &r)?;
        prop_assert_eq!(s.repair(&r), r);
    }
}
