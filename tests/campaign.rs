use std::collections::BTreeMap;
use std::path::Path;

use crate::*;

/// Latest row per candidate id, read with the library's store.
fn latest(run: &Path) -> Vec<crucible::store::CandidateRow> {
    crucible::store::RunDir::inspect(run).unwrap().log().history().unwrap()
}

const MIXTURE: &str = "name: mix
seed: 3
space:
  composition:
    components: {Fe: [0, 1], Ni: [0, 1], Co: [0, 1], Cr: [0, 0.6], Mo: [0, 0.3]}
    max_components: 3
  parameters:
    - {name: temp, type: continuous, range: [700, 1100], unit: K}
    - {name: route, type: categorical, choices: [cast, forged]}
properties:
  score: {}
  density: {derived: density}
objectives:
  - {property: score, goal: maximize}
oracle: {kind: function, functions: {score: mixture_peaks}}
optimizer: {kind: random, initial: 5, batch_size: BATCH}
budget: {evaluations: EVALS}
output: {dir: out}
";

fn mixture(batch: usize, evals: usize) -> String {
    MIXTURE.replace("BATCH", &batch.to_string()).replace("EVALS", &evals.to_string())
}

#[test]
fn composition_run_writes_a_complete_log() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &mixture(5, 30));
    let o = crucible(dir.path(), &["run", "c.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("evaluation budget reached (30"), "{t}");
    assert!(t.contains("best candidates"), "{t}");
    let run = dir.path().join("out");
    assert!(run.join("config.yaml").exists());
    let rows = latest(&run);
    assert_eq!(rows.len(), 30);
    for r in &rows {
        assert_eq!(r.status, crucible::store::Status::Evaluated);
        let fr: f64 = r
            .inputs
            .iter()
            .take(5)
            .map(|(_, c)| match c {
                crucible::store::Cell::F64(v) => *v,
                _ => panic!("fraction cell"),
            })
            .sum();
        assert!((fr - 1.0).abs() < 1e-9, "fractions sum to 1: {fr}");
        let nonzero =
            r.inputs.iter().take(5).filter(|(_, c)| matches!(c, crucible::store::Cell::F64(v) if *v > 0.0)).count();
        assert!(nonzero <= 3, "cardinality respected");
        assert!(r.formula.is_some());
        let d = r.properties.iter().find(|p| p.name == "density").unwrap().value.unwrap();
        assert!((6.0..10.0).contains(&d), "density of an Fe/Ni/Co/Cr/Mo alloy: {d}");
        assert_eq!(r.origin, if r.candidate_id < 5 { "initial" } else { "random" });
    }
}

#[test]
fn pool_run_never_repeats_a_row_and_stops_when_exhausted() {
    let dir = tempfile::tempdir().unwrap();
    steels_pool(dir.path(), 40);
    let cfg = "name: pool
seed: 5
space: {pool: {path: steels.csv}}
properties:
  ys: {column: target, unit: MPa}
  density: {derived: density}
objectives: [{property: ys, goal: maximize}]
constraints: [{property: density, max: 7.9}]
oracle: {kind: table}
optimizer: {kind: random, initial: 8, batch_size: 7}
budget: {evaluations: 100}
output: {dir: out}
";
    write(dir.path(), "p.yaml", cfg);
    let o = crucible(dir.path(), &["run", "p.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("no unseen candidates left"), "{t}");
    let rows = latest(&dir.path().join("out"));
    let mut idx: Vec<u64> = rows.iter().map(|r| r.pool_index.unwrap()).collect();
    assert_eq!(idx.len(), 40);
    idx.sort();
    idx.dedup();
    assert_eq!(idx.len(), 40, "every pool row exactly once");
    // the table oracle returns the file's value for that row
    let text = std::fs::read_to_string(dir.path().join("steels.csv")).unwrap();
    let targets: Vec<f64> = text.lines().skip(1).map(|l| l.rsplit(',').next().unwrap().parse().unwrap()).collect();
    for r in &rows {
        let ys = r.properties.iter().find(|p| p.name == "ys").unwrap().value.unwrap();
        assert_eq!(ys, targets[r.pool_index.unwrap() as usize]);
    }
}

fn inputs_by_id(rows: &[crucible::store::CandidateRow]) -> BTreeMap<u64, Vec<(String, crucible::store::Cell)>> {
    rows.iter().map(|r| (r.candidate_id, r.inputs.clone())).collect()
}

#[test]
fn same_seed_same_candidates() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &mixture(4, 21));
    assert!(crucible(dir.path(), &["run", "c.yaml", "--out", "a", "-q"]).status.success());
    assert!(crucible(dir.path(), &["run", "c.yaml", "--out", "b", "-q"]).status.success());
    let a = inputs_by_id(&latest(&dir.path().join("a")));
    assert_eq!(a.len(), 21);
    assert_eq!(a, inputs_by_id(&latest(&dir.path().join("b"))));
}

#[test]
fn sigkill_then_resume_gives_the_uninterrupted_sequence() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "c.yaml", &mixture(1, 400));
    assert!(crucible(dir.path(), &["run", "c.yaml", "--out", "whole", "-q"]).status.success());
    let whole = inputs_by_id(&latest(&dir.path().join("whole")));
    assert_eq!(whole.len(), 400);
    let mut killed_mid_run = false;
    for delay_ms in [150u64, 400, 900] {
        let out = format!("k{delay_ms}");
        killed_mid_run |= kill_then_finish(dir.path(), "c.yaml", &out, delay_ms);
        let resumed = latest(&dir.path().join(&out));
        assert!(resumed.iter().all(|r| r.status == crucible::store::Status::Evaluated));
        assert_eq!(inputs_by_id(&resumed), whole, "killed after {delay_ms} ms");
    }
    assert!(killed_mid_run, "at least one kill landed before the run finished");
}

#[test]
fn command_oracle_failures_are_rows_and_the_campaign_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    // Odd candidates crash, candidate 4 prints garbage, the rest answer.
    write(
        dir.path(),
        "sim.py",
        "import json, sys\nreq = json.load(sys.stdin)\ni = req['candidate_id']\n\
         if i % 2 == 1:\n    print('segfault-ish', file=sys.stderr); sys.exit(3)\n\
         if i == 4:\n    print('not json'); sys.exit(0)\n\
         print(json.dumps({'score': sum(req['composition'].values()) + i}))\n",
    );
    let cfg = mixture(4, 10).replace(
        "oracle: {kind: function, functions: {score: mixture_peaks}}",
        "oracle: {kind: command, command: {argv: [python3, sim.py], timeout: 20s, parallel: 2}}",
    );
    write(dir.path(), "c.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "c.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("4 evaluated") && t.contains("6 failed"), "{t}");
    let rows = latest(&dir.path().join("out"));
    assert_eq!(rows.len(), 10);
    for r in &rows {
        let score = r.properties.iter().find(|p| p.name == "score").unwrap().value;
        if r.candidate_id % 2 == 1 {
            assert_eq!(r.status, crucible::store::Status::Failed);
            let why = r.failure.as_deref().unwrap();
            assert!(why.contains("3") && why.contains("segfault-ish"), "{why}");
        } else if r.candidate_id == 4 {
            assert!(r.failure.as_deref().unwrap().contains("not json"), "{:?}", r.failure);
        } else {
            assert_eq!(r.status, crucible::store::Status::Evaluated);
            assert!((score.unwrap() - (1.0 + r.candidate_id as f64)).abs() < 1e-9);
        }
    }
}

/// A campaign whose command oracle takes `secs` per candidate.
fn slow_campaign(dir: &Path, secs: f64, budget: &str) {
    write(dir, "slow.py", &format!("import json, sys, time\nreq = json.load(sys.stdin)\ntime.sleep({secs})\nprint(json.dumps({{'score': req['candidate_id']}}))\n"));
    let cfg = mixture(2, 1).replace("budget: {evaluations: 1}", budget).replace(
        "oracle: {kind: function, functions: {score: mixture_peaks}}",
        "oracle: {kind: command, command: {argv: [python3, slow.py], timeout: 30s}}",
    );
    write(dir, "s.yaml", &cfg);
}

#[test]
fn wall_time_budget_stops_the_run_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    slow_campaign(dir.path(), 0.25, "budget: {wall_time: 1s, evaluations: 1000}");
    let t0 = std::time::Instant::now();
    let o = crucible(dir.path(), &["run", "s.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("wall-time budget reached (1.0s)"), "{t}");
    assert!(t0.elapsed().as_secs_f64() < 20.0, "stops soon after the budget");
    let n = latest(&dir.path().join("out")).len();
    assert!((2..40).contains(&n), "a few batches ran: {n}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_finishes_the_batch_and_resume_completes_the_run() {
    let dir = tempfile::tempdir().unwrap();
    slow_campaign(dir.path(), 0.2, "budget: {evaluations: 30}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_crucible"))
        .args(["run", "s.yaml"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let t = text(&out);
    assert_eq!(out.status.code(), Some(130), "{t}");
    assert!(t.contains("interrupt") && t.contains("--resume"), "says how to resume: {t}");
    let rows = latest(&dir.path().join("out"));
    assert!(rows.len() < 30, "stopped early: {}", rows.len());
    // evaluations in progress were finished; candidates not started stay proposed, none failed
    assert!(rows.iter().any(|r| r.status == crucible::store::Status::Evaluated));
    assert!(rows.iter().all(|r| r.status != crucible::store::Status::Failed), "nothing recorded as failed");
    let o = crucible(dir.path(), &["run", "s.yaml", "--resume"]);
    assert!(o.status.success(), "{}", text(&o));
    let rows = latest(&dir.path().join("out"));
    assert_eq!(rows.len(), 30);
    let mut ids: Vec<u64> = rows.iter().map(|r| r.candidate_id).collect();
    ids.dedup();
    assert_eq!(ids, (0..30).collect::<Vec<u64>>(), "no id lost or repeated");
}

#[test]
fn stagnation_budget_ends_a_run_that_stops_improving() {
    let dir = tempfile::tempdir().unwrap();
    // Every steel "measures" the same: after the initial design nothing can improve.
    let steels = std::fs::read_to_string(repo().join("data/matbench/steels_yield.csv")).unwrap();
    let mut body = vec!["formula,target".to_string()];
    body.extend(steels.lines().skip(1).take(40).map(|l| format!("{},100", l.split(',').next().unwrap())));
    write(dir.path(), "flat.csv", &(body.join("\n") + "\n"));
    let cfg = "name: flat
seed: 1
space: {pool: {path: flat.csv}}
properties:
  ys: {column: target, unit: MPa}
objectives: [{property: ys, goal: maximize}]
optimizer: {kind: random, initial: 4, batch_size: 2}
oracle: {kind: table}
budget: {evaluations: 40, stagnation: 3}
output: {dir: out}
";
    write(dir.path(), "f.yaml", cfg);
    let o = crucible(dir.path(), &["run", "f.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("stagnation: no improvement in the last 3 iterations"), "{t}");
    assert_eq!(latest(&dir.path().join("out")).len(), 4 + 3 * 2, "initial design + 3 stale iterations");
    // Alone, stagnation is not a limit: the run could go on for ever.
    write(dir.path(), "g.yaml", &cfg.replace("evaluations: 40, ", ""));
    let o = crucible(dir.path(), &["validate", "g.yaml"]);
    assert!(!o.status.success() && text(&o).contains("the budget has no limit"), "{}", text(&o));
}
