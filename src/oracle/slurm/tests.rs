//! The Slurm launcher against a fake Slurm: shell scripts named `sbatch`, `squeue`, `scontrol`
//! and `scancel` that keep job states in files. They pin down crucible's side (arguments, job
//! files, records, re-attach, cancel, failure reasons) on machines without Slurm;
//! `tests/slurm.rs` runs the same code against a real cluster.
use std::path::Path;
use std::time::{Duration, Instant};

use super::commands::{scontrol_fields, slurm_minutes};
use super::record::read_capture;
use super::*;
use crate::oracle::command::Attempt;
use crate::space::Cell;

/// The fake Slurm. `FAKE/mode` is `run` (sbatch starts the script in the background) or `hold`
/// (jobs stay pending); `FAKE/jobs/<id>` holds each job's state; logs of calls sit next to them.
const SBATCH: &str = r#"#!/bin/sh
n=$(( $(cat "$FAKE/next" 2>/dev/null || echo 100) + 1 ))
echo "$n" > "$FAKE/next"
for a in "$@"; do printf '%s\n' "$a"; done >> "$FAKE/sbatch.log"
echo ---- >> "$FAKE/sbatch.log"
if [ "$(cat "$FAKE/mode")" = refuse ]; then echo "sbatch: error: invalid partition specified: nope" >&2; exit 1; fi
while [ "${1#--}" != "$1" ]; do
  case $1 in --job-name=*) echo "$n" > "$FAKE/names/${1#--job-name=}" ;; esac
  shift
done
script=$1
shift
mkdir -p "$FAKE/jobs"
if [ "$(cat "$FAKE/mode")" = run ]; then
  echo RUNNING > "$FAKE/jobs/$n"
  ( sh "$script" "$@"; [ "$(cat "$FAKE/jobs/$n")" = RUNNING ] && echo COMPLETED > "$FAKE/jobs/$n" ) >/dev/null 2>&1 &
else
  echo "$(cat "$FAKE/mode")" > "$FAKE/jobs/$n"
fi
echo "$n;fake"
"#;

const SQUEUE: &str = r#"#!/bin/sh
echo "$@" >> "$FAKE/squeue.log"
for a in "$@"; do
  case $a in
    --name=*) f="$FAKE/names/${a#--name=}"; [ -f "$f" ] && cat "$f"; exit 0 ;;
    --jobs=*) ids=$(echo "${a#--jobs=}" | tr ',' ' ') ;;
  esac
done
found=0
for id in $ids; do
  if [ -f "$FAKE/jobs/$id" ]; then echo "$id|$(cat "$FAKE/jobs/$id")|TimeLimit"; found=1; fi
done
if [ $found = 0 ]; then echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi
"#;

const SCONTROL: &str = r#"#!/bin/sh
id=$4
[ -f "$FAKE/jobs/$id" ] || { echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; }
echo "JobId=$id JobName=x JobState=$(cat "$FAKE/jobs/$id") Reason=TimeLimit Dependency=(null) ExitCode=0:15 Command=/a b"
"#;

const SCANCEL: &str = r#"#!/bin/sh
for id in "$@"; do echo "$id" >> "$FAKE/scancel.log"; echo CANCELLED > "$FAKE/jobs/$id"; done
"#;

struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new(mode: &str) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fake = dir.path().join("fake");
        std::fs::create_dir_all(fake.join("names")).unwrap();
        std::fs::create_dir_all(dir.path().join("bin")).unwrap();
        std::fs::create_dir_all(dir.path().join("run")).unwrap();
        for (name, body) in [("sbatch", SBATCH), ("squeue", SQUEUE), ("scontrol", SCONTROL), ("scancel", SCANCEL)] {
            let p = dir.path().join("bin").join(name);
            let body = body.replacen("#!/bin/sh\n", &format!("#!/bin/sh\nFAKE='{}'\n", fake.display()), 1);
            std::fs::write(&p, body).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let f = Self { dir };
        f.mode(mode);
        f
    }

    fn mode(&self, mode: &str) {
        std::fs::write(self.path("fake/mode"), mode).unwrap();
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// The argument lists sbatch was called with.
    fn submissions(&self) -> Vec<Vec<String>> {
        let log = self.read("fake/sbatch.log");
        log.split("----\n").filter(|s| !s.is_empty()).map(|s| s.lines().map(str::to_string).collect()).collect()
    }

    /// A Slurm oracle running `python3 -c program` (or `argv`), with fast timings.
    fn oracle(&self, argv: &[&str], retries: u32, parallel: usize) -> SlurmOracle {
        let spec = CommandSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            timeout: Duration::from_secs(90),
            retries,
            parallel,
            launcher: Launcher::Slurm(SlurmSpec {
                partition: Some("debug".into()),
                time: None,
                cpus_per_task: Some(2),
                mem: Some("1G".into()),
                extra_args: vec!["--qos=low; rm -rf /".into()],
            }),
        };
        let mut o =
            SlurmOracle::with_tools(&spec, vec!["y".into()], self.dir.path().into(), &[self.path("bin")]).unwrap();
        o.timing = Timing {
            tick_min: Duration::from_millis(10),
            tick_max: Duration::from_millis(40),
            poll_min: Duration::from_millis(50),
            poll_max: Duration::from_millis(200),
            settle: Duration::from_millis(300),
            backoff_base: Duration::from_millis(10),
        };
        o.attach_run_dir(&self.path("run"));
        o
    }

    fn record(&self, id: u64) -> Record {
        load(&self.path(&format!("run/slurm/{id}"))).unwrap().expect("a job record")
    }
}

fn req(id: u64) -> Request {
    Request {
        candidate_id: id,
        pool_index: None,
        values: vec![0.5],
        formula: Some("Fe".into()),
        inputs: vec![("x".into(), Cell::F64(0.5))],
        composition: vec![("Fe".into(), 1.0)],
    }
}

const ECHO_ID: &str = "import json, os, sys\nr = json.load(sys.stdin)\n\
    assert os.environ['CRUCIBLE_CANDIDATE_ID'] == str(r['candidate_id'])\n\
    print('log line')\nprint(json.dumps({'y': r['candidate_id'] * 10 + r['attempt']}))\n";

#[test]
fn each_candidate_is_a_job_with_the_settings_and_a_record() {
    let f = Fake::new("run");
    let o = f.oracle(&["python3", "-c", ECHO_ID], 0, 2);
    let out = o.evaluate(&[req(3), req(1), req(2)], &StopFlag::new()).unwrap();
    assert_eq!(out, [31.0, 11.0, 21.0].map(|y| Outcome::Measured(vec![y])));
    let subs = f.submissions();
    assert_eq!(subs.len(), 3);
    let a = &subs[0];
    let run = f.path("run/slurm");
    for want in ["--parsable", "--partition=debug", "--cpus-per-task=2", "--mem=1G", "--time=2", "--qos=low; rm -rf /"]
    {
        assert!(a.contains(&want.to_string()), "{want} in {a:?}");
    }
    assert!(a.iter().any(|x| x.starts_with("--job-name=crucible-3-1-")), "{a:?}");
    let script = a.iter().position(|x| x.ends_with("job.sh")).unwrap();
    let folder = run.join("3/1");
    assert_eq!(
        a[script + 1..script + 5],
        [folder.display().to_string(), f.dir.path().display().to_string(), "3".into(), "1".into()]
    );
    // (the log has one line per argument line)
    assert_eq!(a[script + 5..].join("\n"), ["python3", "-c", ECHO_ID].join("\n"));
    assert_eq!(std::fs::read_to_string(run.join("job.sh")).unwrap(), JOB_SCRIPT);
    let r = f.record(3);
    assert_eq!(r.candidate_id, 3);
    assert_eq!(r.jobs.len(), 1);
    assert_eq!((r.jobs[0].job_id.as_deref(), r.jobs[0].state), (Some("101"), JobState::Finished));
    assert_eq!(r.jobs[0].result, Some(Saved::Measured(vec![31.0])));
    assert!(r.jobs[0].finished_unix >= r.jobs[0].submitted_unix);
    let request: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("request.json")).unwrap()).unwrap();
    assert_eq!((request["candidate_id"].as_u64(), request["protocol"].as_u64()), (Some(3), Some(1)));
    assert!(std::fs::read_to_string(folder.join("stdout")).unwrap().starts_with("log line"));
    // A second call finds the finished jobs and submits nothing.
    let again = o.evaluate(&[req(3), req(1), req(2)], &StopFlag::new()).unwrap();
    assert_eq!(again, out);
    assert_eq!(f.submissions().len(), 3);
}

#[test]
fn arguments_reach_the_program_literally() {
    let f = Fake::new("run");
    let args = ["; touch pwned", "$(touch pwned2)", "a b", "`touch pwned3`", "*", "it's \"quoted\"", "x\ny"];
    let check = format!("import json, sys\nprint(json.dumps({{'y': 1.0 if sys.argv[1:] == {args:?} else 0.0}}))\n");
    let mut argv = vec!["python3", "-c", check.as_str()];
    argv.extend(args);
    let o = f.oracle(&argv, 0, 1);
    assert_eq!(o.evaluate(&[req(0)], &StopFlag::new()).unwrap(), [Outcome::Measured(vec![1.0])]);
    for p in ["pwned", "pwned2", "pwned3"] {
        assert!(!f.dir.path().join(p).exists(), "{p}");
    }
}

#[test]
fn failures_are_retried_as_new_jobs_then_recorded_with_the_reason() {
    let f = Fake::new("run");
    let crash = "import sys\nsys.stdin.read()\nprint('boom here', file=sys.stderr)\nsys.exit(3)\n";
    let out = f.oracle(&["python3", "-c", crash], 1, 1).evaluate(&[req(7)], &StopFlag::new()).unwrap();
    let Outcome::Failed { reason, attempts } = &out[0] else { panic!("{out:?}") };
    assert_eq!(*attempts, 2);
    assert!(reason.contains("Slurm job 102: exited with code 3; stderr: boom here"), "{reason}");
    assert!(reason.contains("gave up after 2 attempts"), "{reason}");
    let r = f.record(7);
    assert_eq!(r.jobs.iter().map(|j| (j.n, j.attempt)).collect::<Vec<_>>(), [(1, 1), (2, 2)]);
    // The program's verdict is not retried.
    let verdict = "print('{\"error\": \"did not converge\"}')";
    let out = f.oracle(&["python3", "-c", verdict], 3, 1).evaluate(&[req(8)], &StopFlag::new()).unwrap();
    assert_eq!(
        out,
        [Outcome::Failed { reason: "the program reported an error: did not converge".into(), attempts: 1 }]
    );
}

#[test]
fn jobs_ended_by_slurm_fail_with_its_state_reason_and_exit_code() {
    let f = Fake::new("TIMEOUT");
    let out = f.oracle(&["python3", "-c", ECHO_ID], 0, 1).evaluate(&[req(1)], &StopFlag::new()).unwrap();
    let Outcome::Failed { reason, attempts: 1 } = &out[0] else { panic!("{out:?}") };
    assert!(
        reason.contains("Slurm job 101 ended TIMEOUT (reason: TimeLimit), exit code 0:15, time limit 90s"),
        "{reason}"
    );
    // Cancelled by someone else: not retried.
    f.mode("CANCELLED");
    let out = f.oracle(&["python3", "-c", ECHO_ID], 3, 1).evaluate(&[req(2)], &StopFlag::new()).unwrap();
    let Outcome::Failed { reason, attempts: 1 } = &out[0] else { panic!("{out:?}") };
    assert!(reason.starts_with("Slurm job 102 ended CANCELLED"), "{reason}");
    // A job Slurm forgets without an exit file (after the settle time).
    f.mode("hold");
    let o = f.oracle(&["python3", "-c", ECHO_ID], 0, 1);
    let t = std::thread::spawn(move || o.evaluate(&[req(3)], &StopFlag::new()).unwrap());
    while !f.path("fake/jobs/103").exists() {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::remove_file(f.path("fake/jobs/103")).unwrap();
    let out = t.join().unwrap();
    let Outcome::Failed { reason, .. } = &out[0] else { panic!("{out:?}") };
    assert!(
        reason.contains("Slurm job 103 ended without writing its exit status, and Slurm no longer knows it"),
        "{reason}"
    );
    // A refused submission.
    f.mode("refuse");
    let out = f.oracle(&["python3", "-c", ECHO_ID], 0, 1).evaluate(&[req(4)], &StopFlag::new()).unwrap();
    let Outcome::Failed { reason, .. } = &out[0] else { panic!("{out:?}") };
    assert_eq!(reason, "sbatch refused the job: sbatch: error: invalid partition specified: nope");
}

#[test]
fn a_new_process_reattaches_to_jobs_in_flight_instead_of_resubmitting() {
    let f = Fake::new("PENDING");
    let o = f.oracle(&["python3", "-c", ECHO_ID], 0, 4);
    let stop = StopFlag::new();
    // "crucible dies": the call is abandoned (its thread keeps polling, harmlessly).
    let first = o.clone();
    std::thread::spawn(move || first.evaluate(&[req(1), req(2)], &StopFlag::new()));
    let t = Instant::now();
    while f.submissions().len() < 2 {
        assert!(t.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(100));
    // A submission whose id was never recorded is found by its job name.
    let mut r = f.record(2);
    r.jobs[0].job_id = None;
    r.jobs[0].state = JobState::Submitting;
    save(&f.path("run/slurm/2"), &r).unwrap();
    // The jobs run: the new call waits for them; candidate 3 is new and is submitted.
    f.mode("run");
    let fresh = o.clone();
    let h = std::thread::spawn(move || fresh.evaluate(&[req(1), req(2), req(3)], &stop));
    std::thread::sleep(Duration::from_millis(200));
    for (id, cid) in [(101, 1), (102, 2)] {
        let folder = f.path(&format!("run/slurm/{cid}/1"));
        std::fs::write(folder.join("stdout"), format!("{{\"y\": {}}}\n", cid * 100)).unwrap();
        std::fs::write(folder.join("exit"), "0\n").unwrap();
        std::fs::write(f.path(&format!("fake/jobs/{id}")), "COMPLETED").unwrap();
    }
    let out = h.join().unwrap().unwrap();
    assert_eq!(out[..2], [Outcome::Measured(vec![100.0]), Outcome::Measured(vec![200.0])]);
    assert_eq!(f.record(2).jobs[0].job_id.as_deref(), Some("102"));
    let subs = f.submissions();
    assert_eq!(subs.len(), 3, "only candidate 3 submitted again: {subs:?}");
}

#[test]
fn stop_cancels_the_jobs_and_resume_submits_them_again() {
    let f = Fake::new("PENDING");
    let o = f.oracle(&["python3", "-c", ECHO_ID], 0, 2);
    let stop = StopFlag::new();
    let later = stop.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        later.stop();
    });
    let out = o.evaluate(&[req(1), req(2), req(3)], &stop).unwrap();
    assert!(out.iter().all(|x| matches!(x, Outcome::Failed { reason, .. } if reason == "interrupted")), "{out:?}");
    assert_eq!(f.read("fake/scancel.log"), "101\n102\n", "the two jobs in flight, not the one never submitted");
    assert_eq!(f.record(1).jobs[0].state, JobState::Cancelled);
    f.mode("run");
    let out = o.evaluate(&[req(1), req(2), req(3)], &StopFlag::new()).unwrap();
    assert_eq!(out, [11.0, 21.0, 31.0].map(|y| Outcome::Measured(vec![y])));
    let r = f.record(1);
    assert_eq!(
        r.jobs.iter().map(|j| (j.n, j.attempt, j.state)).collect::<Vec<_>>(),
        [(1, 1, JobState::Finished), (2, 1, JobState::Finished)]
    );
    assert_eq!(f.submissions().len(), 5);
}

#[test]
fn setup_problems_are_refused_up_front() {
    let f = Fake::new("run");
    let spec = |argv: &[&str]| CommandSpec {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        timeout: Duration::from_secs(5),
        retries: 0,
        parallel: 1,
        launcher: Launcher::Slurm(SlurmSpec::default()),
    };
    let e = SlurmOracle::with_tools(&spec(&["sh"]), vec![], f.dir.path().into(), &[f.path("nowhere")]).unwrap_err();
    assert!(e.to_string().contains("'sbatch' not found on PATH"), "{e}");
    let e =
        SlurmOracle::with_tools(&spec(&["./missing.sh"]), vec![], f.dir.path().into(), &[f.path("bin")]).unwrap_err();
    assert!(e.to_string().contains("missing.sh"), "{e}");
    // A bare program name is looked up on the compute node, not here.
    let o = SlurmOracle::with_tools(&spec(&["vasp_std"]), vec![], f.dir.path().into(), &[f.path("bin")]).unwrap();
    assert_eq!(o.argv, ["vasp_std"]);
    let e = o.evaluate(&[req(1)], &StopFlag::new()).unwrap_err();
    assert!(e.to_string().contains("no run directory"), "{e}");
}

#[test]
fn helpers() {
    assert_eq!(slurm_minutes(Duration::from_secs(1)), 1);
    assert_eq!(slurm_minutes(Duration::from_secs(60)), 1);
    assert_eq!(slurm_minutes(Duration::from_millis(60_500)), 2);
    assert_eq!(slurm_minutes(Duration::from_secs(7200)), 120);
    let f = scontrol_fields("JobId=5 JobState=TIMEOUT Reason=TimeLimit ExitCode=0:15 Command=/x y=z");
    assert_eq!(f.get("JobState").map(String::as_str), Some("TIMEOUT"));
    assert_eq!(f.get("ExitCode").map(String::as_str), Some("0:15"));
    assert_eq!(f.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let big = format!("{}\n{{\"y\": 2}}\n", "x".repeat(200_000));
    std::fs::write(dir.path().join("out"), big).unwrap();
    let job = Job {
        n: 1,
        attempt: 1,
        name: "n".into(),
        job_id: Some("9".into()),
        state: JobState::Active,
        created_unix: None,
        submitted_unix: None,
        finished_unix: None,
        result: None,
    };
    let c = read_capture(&dir.path().join("out"));
    assert!(matches!(command::parse_answer(&c, &["y".into()]), Attempt::Measured(v) if v == [2.0]));
    std::fs::write(dir.path().join("exit"), "137\n").unwrap();
    let Saved::Failed { reason, retry: true } = collect(dir.path(), &job, &["y".into()]) else { panic!() };
    assert!(reason.starts_with("Slurm job 9: killed by signal 9 (SIGKILL"), "{reason}");
    assert!(Path::new(&dir.path().join("exit")).exists());
}
