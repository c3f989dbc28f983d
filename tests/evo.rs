//! Evolutionary strategies in real campaigns: NSGA-II on ZDT1 through `crucible run`, the
//! GA on a sparse mixture, CMA-ES on a box, and a killed run resumed to the same sequence.
use std::collections::BTreeMap;
use std::path::Path;

use crate::*;

fn latest(run: &Path) -> Vec<crucible::store::CandidateRow> {
    crucible::store::RunDir::inspect(run).unwrap().log().history().unwrap()
}

fn value(r: &crucible::store::CandidateRow, p: &str) -> f64 {
    r.properties.iter().find(|q| q.name == p).and_then(|q| q.value).unwrap()
}

fn inputs_by_id(rows: &[crucible::store::CandidateRow]) -> BTreeMap<u64, Vec<(String, crucible::store::Cell)>> {
    rows.iter().map(|r| (r.candidate_id, r.inputs.clone())).collect()
}

#[test]
fn nsga2_campaign_traces_the_zdt1_front() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = std::fs::read_to_string(repo().join("configs/zdt-nsga2.yaml")).unwrap();
    write(dir.path(), "z.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "z.yaml", "--out", "out"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("evaluation budget reached (2000"), "{t}");
    let rows = latest(&dir.path().join("out"));
    assert_eq!(rows.len(), 2000);
    assert_eq!(rows.iter().filter(|r| r.origin == "initial").count(), 40);
    assert_eq!(rows.iter().filter(|r| r.origin == "nsga2").count(), 1960);
    let points: Vec<Vec<f64>> = rows.iter().map(|r| vec![value(r, "f1"), value(r, "f2")]).collect();
    let hv = crucible::evo::hypervolume::hypervolume(&points, &[1.1, 1.1]);
    // The optimum is ≈ 0.877; random search over 2000 points reaches about 0.1.
    assert!(hv > 0.8, "hypervolume of everything evaluated: {hv}");
    let near: usize = points.iter().filter(|p| (p[1] - (1.0 - p[0].sqrt())).abs() < 0.05).count();
    assert!(near >= 20, "{near} points within 0.05 of the true front");
}

const MIXTURE: &str = "name: mix
seed: 4
space:
  composition:
    components: {Fe: [0, 1], Ni: [0, 1], Co: [0, 1], Cr: [0, 0.6], Mo: [0, 0.3]}
    max_components: 3
  parameters:
    - {name: passes, type: integer, range: [1, 6]}
    - {name: route, type: categorical, choices: [cast, forged, rolled]}
properties:
  score: {}
  density: {derived: density}
objectives:
  - {property: score, goal: maximize}
constraints:
  - {property: density, max: 8.6}
oracle: {kind: function, functions: {score: mixture_peaks}}
optimizer: {kind: KIND, population: 12, initial: 12, batch_size: 5}
budget: {evaluations: 150}
output: {dir: out}
";

#[test]
fn genetic_and_cmaes_campaigns_keep_every_rule() {
    for kind in ["genetic", "cmaes"] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "m.yaml", &MIXTURE.replace("KIND", kind));
        let o = crucible(dir.path(), &["run", "m.yaml"]);
        assert!(o.status.success(), "{kind}: {}", text(&o));
        let rows = latest(&dir.path().join("out"));
        assert_eq!(rows.len(), 150, "{kind}");
        let mut inputs: Vec<String> = Vec::new();
        for r in &rows {
            assert_eq!(r.origin, if r.candidate_id < 12 { "initial" } else { kind });
            let fr: Vec<f64> = r
                .inputs
                .iter()
                .take(5)
                .map(|(_, c)| match c {
                    crucible::store::Cell::F64(v) => *v,
                    other => panic!("fraction cell {other:?}"),
                })
                .collect();
            assert!((fr.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{kind}: sums to 1");
            assert!(fr.iter().filter(|v| **v > 0.0).count() <= 3, "{kind}: cardinality");
            assert!(fr[3] <= 0.6 + 1e-12 && fr[4] <= 0.3 + 1e-12, "{kind}: bounds");
            inputs.push(format!("{:?}", r.inputs));
        }
        inputs.sort();
        inputs.dedup();
        assert_eq!(inputs.len(), 150, "{kind}: no candidate twice");
        let best = rows
            .iter()
            .filter(|r| r.feasible == Some(true))
            .map(|r| value(r, "score"))
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(best > 0.5, "{kind}: best feasible score {best}");
    }
}

#[test]
fn killed_evolutionary_runs_resume_to_the_uninterrupted_sequence() {
    for kind in ["nsga2", "cmaes"] {
        let dir = tempfile::tempdir().unwrap();
        let cfg = MIXTURE.replace("KIND", kind).replace("batch_size: 5", "batch_size: 2").replace("150", "300");
        write(dir.path(), "m.yaml", &cfg);
        assert!(crucible(dir.path(), &["run", "m.yaml", "--out", "whole", "-q"]).status.success());
        let whole = inputs_by_id(&latest(&dir.path().join("whole")));
        assert_eq!(whole.len(), 300);
        let mut killed_mid_run = false;
        for delay_ms in [200u64, 700] {
            let out = format!("k{delay_ms}");
            killed_mid_run |= kill_then_finish(dir.path(), "m.yaml", &out, delay_ms);
            let resumed = inputs_by_id(&latest(&dir.path().join(&out)));
            assert_eq!(resumed, whole, "{kind}: killed after {delay_ms} ms");
        }
        assert!(killed_mid_run, "{kind}: at least one kill landed before the run finished");
    }
}
