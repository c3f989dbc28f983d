//! Campaigns through a real Slurm cluster (`launcher: slurm`). They need a cluster that answers
//! `sinfo` on this machine, such as the one-node cluster of `scripts/slurm_test_cluster.sh
//! start` (`.ci/run` starts it when it can). Without one each test prints that it is skipped;
//! with `CRUCIBLE_SLURM_TESTS=require` a missing cluster is a failure instead.
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::*;
use crucible::store::Status;

/// Whether a cluster answers (asked once per test binary); says so on the terminal, past the
/// test harness's capture, when not.
fn cluster(test: &str) -> bool {
    static UP: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let up = *UP.get_or_init(|| Command::new("sinfo").arg("--noheader").output().is_ok_and(|o| o.status.success()));
    if !up {
        let why = "no Slurm cluster answers `sinfo` (start one: scripts/slurm_test_cluster.sh start)";
        if std::env::var("CRUCIBLE_SLURM_TESTS").as_deref() == Ok("require") {
            panic!("CRUCIBLE_SLURM_TESTS=require, but {why}");
        }
        let _ = writeln!(std::io::stderr(), "SKIPPED slurm::{test}: {why}");
    }
    up
}

fn latest(run: &Path) -> Vec<crucible::store::CandidateRow> {
    crucible::store::RunDir::inspect(run).unwrap().log().history().unwrap()
}

/// The command-demo campaign on `sim` (a file in `dir`), `n` candidates in one batch.
fn campaign(dir: &Path, argv: &str, n: usize, parallel: usize, launcher: &str) -> String {
    format!(
        "name: slurm-test
seed: 3
space:
  composition:
    balance: Fe
    components: {{Ni: [0, 0.25], Co: [0, 0.2], Cr: [0, 0.2], Mo: [0, 0.06]}}
  parameters:
    - {{name: anneal_temp, type: continuous, range: [700, 1100], unit: K}}
properties:
  yield_strength: {{unit: MPa}}
objectives:
  - {{property: yield_strength, goal: maximize}}
optimizer: {{kind: random, initial: {n}, batch_size: {n}}}
oracle:
  kind: command
  command:
    argv: {argv}
    timeout: 5m
    parallel: {parallel}
    {launcher}
budget: {{evaluations: {n}}}
output: {{dir: {}}}
",
        dir.join("out").display()
    )
}

const SLURM: &str = "launcher: slurm\n    slurm: {partition: debug, time: 5m, cpus_per_task: 1, mem: 100M}";

/// Each candidate's job records: `candidate id → job ids`, in submission order.
fn job_ids(run: &Path) -> BTreeMap<u64, Vec<String>> {
    let mut out = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(run.join("slurm")) else { return out };
    for e in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(e.path().join("job.json")) else { continue };
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ids = v["jobs"].as_array().unwrap().iter().filter_map(|j| j["job_id"].as_str().map(str::to_string));
        out.insert(v["candidate_id"].as_u64().unwrap(), ids.collect());
    }
    out
}

fn value(r: &crucible::store::CandidateRow) -> f64 {
    r.properties.iter().find(|p| p.name == "yield_strength").unwrap().value.unwrap()
}

/// `scontrol show job` fields of job `id`.
fn job_field(id: &str, key: &str) -> String {
    let out = Command::new("scontrol").args(["show", "job", "-o", id]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let prefix = format!("{key}=");
    text.split_whitespace().find_map(|w| w.strip_prefix(&prefix)).unwrap_or("").to_string()
}

#[test]
fn campaign_evaluates_every_candidate_as_a_slurm_job() {
    if !cluster("campaign_evaluates_every_candidate_as_a_slurm_job") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("oracles")).unwrap();
    std::fs::copy(repo().join("configs/oracles/alloy_sim.py"), dir.path().join("oracles/alloy_sim.py")).unwrap();
    let argv = "[python3, oracles/alloy_sim.py]";
    write(dir.path(), "s.yaml", &campaign(dir.path(), argv, 6, 3, SLURM));
    let o = crucible(dir.path(), &["run", "s.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    let run = dir.path().join("out");
    let rows = latest(&run);
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.status == Status::Evaluated), "{rows:?}");
    let jobs = job_ids(&run);
    assert_eq!(jobs.keys().copied().collect::<Vec<_>>(), (0..6).collect::<Vec<u64>>());
    for (cid, ids) in &jobs {
        assert_eq!(ids.len(), 1, "candidate {cid}: one job");
        assert!(job_field(&ids[0], "JobName").starts_with(&format!("crucible-{cid}-1-")), "job {}", ids[0]);
        assert_eq!(job_field(&ids[0], "Partition"), "debug");
    }
    // The same candidates through the local launcher give the same values.
    write(dir.path(), "l.yaml", &campaign(&dir.path().join("local"), argv, 6, 3, "launcher: local"));
    let o = crucible(dir.path(), &["run", "l.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    let local: Vec<f64> = latest(&dir.path().join("local/out")).iter().map(value).collect();
    assert_eq!(rows.iter().map(value).collect::<Vec<f64>>(), local);
}

#[test]
fn failed_jobs_are_failed_rows_with_the_reason() {
    if !cluster("failed_jobs_are_failed_rows_with_the_reason") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sim.py",
        "import json, sys\nreq = json.load(sys.stdin)\ni = req['candidate_id']\n\
         if i % 2 == 1:\n    print('segfault-ish', file=sys.stderr); sys.exit(3)\n\
         if i == 2:\n    print(json.dumps({'error': 'did not converge'})); sys.exit(0)\n\
         print(json.dumps({'yield_strength': 100 + i}))\n",
    );
    write(dir.path(), "s.yaml", &campaign(dir.path(), "[python3, sim.py]", 4, 4, SLURM));
    let o = crucible(dir.path(), &["run", "s.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let run = dir.path().join("out");
    let jobs = job_ids(&run);
    for r in latest(&run) {
        let id = &jobs[&r.candidate_id][0];
        let why = r.failure.clone().unwrap_or_default();
        match r.candidate_id {
            1 | 3 => {
                assert_eq!(r.status, Status::Failed);
                assert_eq!(why, format!("Slurm job {id}: exited with code 3; stderr: segfault-ish"));
                assert_eq!(job_field(id, "JobState"), "FAILED");
            }
            2 => assert_eq!(
                (r.status, why.as_str()),
                (Status::Failed, "the program reported an error: did not converge")
            ),
            _ => assert_eq!((r.status, value(&r)), (Status::Evaluated, 100.0)),
        }
    }
}

/// A campaign of `n` candidates whose program waits for `secs` and logs each call to `calls`.
fn slow(dir: &Path, n: usize, secs: f64) {
    write(
        dir,
        "sim.py",
        &format!(
            "import json, os, sys, time\nreq = json.load(sys.stdin)\n\
             with open('calls', 'a') as f:\n    f.write('%d %s\\n' % (req['candidate_id'], os.environ.get('SLURM_JOB_ID')))\n\
             time.sleep({secs})\nprint(json.dumps({{'yield_strength': 10 + req['candidate_id']}}))\n"
        ),
    );
    write(dir, "s.yaml", &campaign(dir, "[python3, sim.py]", n, n, SLURM));
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let t = Instant::now();
    while !done() {
        assert!(t.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigkill_then_resume_reattaches_to_the_jobs() {
    if !cluster("sigkill_then_resume_reattaches_to_the_jobs") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    slow(dir.path(), 5, 2.0);
    let mut child = Command::new(env!("CARGO_BIN_EXE_crucible"))
        .args(["run", "s.yaml", "-q"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let run = dir.path().join("out");
    wait_for("5 submissions", Duration::from_secs(60), || job_ids(&run).values().filter(|v| v.len() == 1).count() == 5);
    child.kill().unwrap(); // SIGKILL: the jobs stay queued or running
    child.wait().unwrap();
    let before = job_ids(&run);
    let o = crucible(dir.path(), &["run", "s.yaml", "--resume", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(job_ids(&run), before, "no job submitted again");
    let rows = latest(&run);
    assert_eq!(rows.len(), 5);
    for r in &rows {
        assert_eq!((r.status, value(r)), (Status::Evaluated, 10.0 + r.candidate_id as f64));
    }
    // Each candidate ran exactly once, in the job crucible recorded for it.
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    let mut ran: Vec<(u64, String)> = calls
        .lines()
        .map(|l| {
            let (id, job) = l.split_once(' ').unwrap();
            (id.parse().unwrap(), job.to_string())
        })
        .collect();
    ran.sort();
    let want: Vec<(u64, String)> = before.iter().map(|(id, jobs)| (*id, jobs[0].clone())).collect();
    assert_eq!(ran, want);
}

#[test]
fn ctrl_c_cancels_the_jobs_and_resume_submits_them_again() {
    if !cluster("ctrl_c_cancels_the_jobs_and_resume_submits_them_again") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    slow(dir.path(), 3, 120.0);
    let child = Command::new(env!("CARGO_BIN_EXE_crucible"))
        .args(["run", "s.yaml"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let run = dir.path().join("out");
    wait_for("3 submissions", Duration::from_secs(60), || {
        job_ids(&run).len() == 3 && job_ids(&run).values().all(|v| v.len() == 1)
    });
    wait_for("a job to start", Duration::from_secs(60), || dir.path().join("calls").exists());
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let t = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out));
    assert!(t.elapsed() < Duration::from_secs(20), "stopped promptly: {:?}", t.elapsed());
    let first = job_ids(&run);
    for ids in first.values() {
        wait_for("the cancel", Duration::from_secs(30), || job_field(&ids[0], "JobState") == "CANCELLED");
    }
    assert!(latest(&run).iter().all(|r| r.status == Status::Proposed), "interrupted candidates stay proposed");
    slow(dir.path(), 3, 0.0);
    let o = crucible(dir.path(), &["run", "s.yaml", "--resume", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let rows = latest(&run);
    assert!(rows.iter().all(|r| r.status == Status::Evaluated), "{rows:?}");
    for (cid, ids) in job_ids(&run) {
        assert_eq!(ids.len(), 2, "candidate {cid}: cancelled, then submitted again");
        assert_eq!(ids[0], first[&cid][0]);
    }
}
