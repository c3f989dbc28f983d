//! The command oracle through Slurm (`launcher: slurm`): one batch job per candidate, running
//! the same program with the same protocol as the local launcher ([`super::command`]). Owns the
//! jobs it submits and their files under `RUN_DIR/slurm/`; never sees strategies, the store or
//! the terminal. Talks to Slurm only through its commands (`sbatch`, `squeue`, `scontrol`,
//! `scancel`), each started with an argument vector, never a shell string.
//!
//! **One job per candidate, not a job array.** Each candidate has its own retries, time limit,
//! failure reason, cancel and re-attach; an array would tie them together (one array id, one
//! `--time`, resubmission of single elements impossible) for a saving of one `sbatch` call per
//! candidate, which is small next to a simulation (see `experiments/slurm/`). `parallel` caps the
//! jobs this campaign keeps queued or running at once.
//!
//! **Files.** `RUN_DIR/slurm/job.sh` is the batch script (fixed text: the candidate's folder, the
//! campaign folder, id, attempt and the program's argv arrive as separate script arguments and
//! run as `"$@"`, so nothing the user wrote is interpolated). Per candidate,
//! `RUN_DIR/slurm/<id>/job.json` (replaced atomically) lists its submissions: job name, job id,
//! state and result. Submission `n` has the folder `RUN_DIR/slurm/<id>/<n>/` with `request.json`
//! (the job's stdin), `stdout`, `stderr`, `exit` (the program's exit status, written by the
//! script) and `slurm.out` (Slurm's own messages). The run directory must be on a filesystem
//! that the compute nodes share.
//!
//! **Watching.** A job is finished when its `exit` file appears (a stat per job every 50 to 250 ms),
//! or when `squeue` (polled every 1 s, slowing to 15 s) reports an end state or no longer knows
//! the job; then `scontrol show job` gives Slurm's reason and exit code. `sacct` is not used,
//! as many small clusters have no accounting database.
//!
//! **Restart.** The record is written before `sbatch` runs (with a unique job name) and again
//! with the job id after, so a crucible killed at any point finds its jobs again on `--resume`
//! (by id, or by name through `squeue`) and waits for them instead of submitting them again.
//!
//! **Ctrl-C.** Once the stop flag is set, no job is submitted, the jobs still queued or running
//! are cancelled with `scancel` and their candidates are "interrupted" (they stay `proposed`, and
//! `--resume` submits them again); jobs that had finished are collected.
//!
//! **Failures** are rows, with the same retry rules as the local launcher: a non-zero exit, an
//! answer without JSON, a rejected submission and a job ended by Slurm (time limit, node
//! failure, preemption, out of memory) are retried with back-off; the program's own verdict and a
//! job cancelled by someone else are not.
mod commands;
mod record;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::command;
use super::{Oracle, OracleError, Outcome, Request};
use crate::config::spec::{CommandSpec, Launcher, SlurmSpec};
use crate::stop::StopFlag;
use commands::{run_tool, Seen};
use record::{collect, io_error, load, now_millis, now_unix, save, write_atomic, Job, JobState, Record, Saved};

/// The batch script: fixed text, every variable part is an argument.
const JOB_SCRIPT: &str = r#"#!/bin/sh
# Written by crucible: one candidate of a command oracle as a Slurm batch job (protocol 1).
# Arguments: FOLDER WORKDIR CANDIDATE_ID ATTEMPT PROGRAM [ARG...]. The program and its arguments
# run as "$@": nothing is interpolated.
d=$1
cd "$2" || exit 126
CRUCIBLE_CANDIDATE_ID=$3
CRUCIBLE_ATTEMPT=$4
CRUCIBLE_REQUEST_FILE=$d/request.json
export CRUCIBLE_CANDIDATE_ID CRUCIBLE_ATTEMPT CRUCIBLE_REQUEST_FILE
shift 4
"$@" <"$d/request.json" >"$d/stdout" 2>"$d/stderr"
code=$?
printf '%s\n' "$code" >"$d/exit.tmp" && mv -f "$d/exit.tmp" "$d/exit"
exit "$code"
"#;

/// How often to look, how long to wait; shortened in tests.
#[derive(Debug, Clone, Copy)]
struct Timing {
    /// Checks for `exit` files: from `tick_min`, slowing to `tick_max` while nothing happens.
    tick_min: Duration,
    tick_max: Duration,
    /// `squeue` polls: from `poll_min`, slowing to `poll_max`.
    poll_min: Duration,
    poll_max: Duration,
    /// How long a job that Slurm says has ended (or no longer knows) may take for its `exit`
    /// file to show (a shared filesystem's attribute cache).
    settle: Duration,
    backoff_base: Duration,
}

const TIMING: Timing = Timing {
    tick_min: Duration::from_millis(50),
    tick_max: Duration::from_millis(250),
    poll_min: Duration::from_secs(1),
    poll_max: Duration::from_secs(15),
    settle: Duration::from_secs(15),
    backoff_base: command::BACKOFF_BASE,
};

/// Runs an external program once per candidate as a Slurm batch job (see the module docs).
#[derive(Debug, Clone)]
pub struct SlurmOracle {
    /// `argv` as the job runs it: `argv[0]` absolute when it names a path, else as written (it
    /// is looked up on the compute node's `PATH`).
    argv: Vec<String>,
    workdir: PathBuf,
    retries: u32,
    parallel: usize,
    properties: Vec<String>,
    slurm: SlurmSpec,
    /// The job time limit: `slurm.time`, else the command timeout.
    time: Duration,
    run_dir: Option<PathBuf>,
    /// `sbatch`, `squeue`, `scontrol`, `scancel`.
    tools: [PathBuf; 4],
    timing: Timing,
}

/// Where one candidate stands in this call.
#[derive(Debug)]
enum Phase {
    /// Submit attempt `attempt`, not before `at`.
    Ready {
        attempt: u32,
        at: Instant,
    },
    /// The last job of the record is queued or running; `ended`: since when Slurm says it has
    /// ended without an `exit` file yet.
    InFlight {
        ended: Option<Instant>,
    },
    Done(Outcome),
}

struct Task<'a> {
    req: &'a Request,
    dir: PathBuf,
    record: Record,
    phase: Phase,
}

impl SlurmOracle {
    /// `spec` with `launcher: slurm`; the other arguments as for
    /// [`CommandOracle::new`](super::CommandOracle::new). Errors when `argv` is empty, a program
    /// given as a path is missing or not executable, or `sbatch`, `squeue`, `scontrol` or
    /// `scancel` is not on `PATH` (crucible must run on a Slurm submit host).
    pub fn new(spec: &CommandSpec, properties: Vec<String>, workdir: PathBuf) -> Result<Self, OracleError> {
        let paths = std::env::var_os("PATH").unwrap_or_default();
        let dirs: Vec<PathBuf> = std::env::split_paths(&paths).collect();
        Self::with_tools(spec, properties, workdir, &dirs)
    }

    /// [`SlurmOracle::new`] with the Slurm commands looked up in `bin` (in order).
    fn with_tools(
        spec: &CommandSpec,
        properties: Vec<String>,
        workdir: PathBuf,
        bin: &[PathBuf],
    ) -> Result<Self, OracleError> {
        let Launcher::Slurm(slurm) = &spec.launcher else {
            return Err(OracleError::Unusable("slurm launcher: the command's launcher is not slurm".into()));
        };
        let first = spec.argv.first().ok_or_else(|| OracleError::Unusable("command oracle: empty argv".into()))?;
        let workdir = command::absolute(&workdir);
        let mut argv = spec.argv.clone();
        if first.contains('/') {
            argv[0] = command::resolve_program(first, &workdir)?.to_string_lossy().into_owned();
        }
        let tool = |name: &str| {
            bin.iter().map(|d| d.join(name)).find(|p| p.is_file()).ok_or_else(|| {
                OracleError::Unusable(format!(
                    "launcher slurm: '{name}' not found on PATH (run crucible on a Slurm submit host, or use \
                     launcher: local)"
                ))
            })
        };
        Ok(Self {
            argv,
            workdir,
            retries: spec.retries,
            parallel: spec.parallel.max(1),
            properties,
            time: slurm.time.unwrap_or(spec.timeout),
            slurm: slurm.clone(),
            run_dir: None,
            tools: [tool("sbatch")?, tool("squeue")?, tool("scontrol")?, tool("scancel")?],
            timing: TIMING,
        })
    }

    /// Submits attempt `attempt` of `t` (reusing a `Submitting` entry left by a killed run).
    fn submit(&self, root: &Path, t: &mut Task, attempt: u32) -> Result<(), OracleError> {
        let reuse = t.record.jobs.last().is_some_and(|j| j.state == JobState::Submitting);
        if !reuse {
            let n = t.record.jobs.len() as u32 + 1;
            let name = format!("crucible-{}-{n}-{:x}", t.req.candidate_id, now_millis());
            t.record.jobs.push(Job {
                n,
                attempt,
                name,
                job_id: None,
                state: JobState::Submitting,
                created_unix: Some(now_unix()),
                submitted_unix: None,
                finished_unix: None,
                result: None,
            });
        }
        let job = t.record.jobs.last().cloned().expect("just pushed");
        let folder = t.dir.join(job.n.to_string());
        std::fs::create_dir_all(&folder).map_err(|e| io_error(&folder, e))?;
        let body = command::request_json(t.req, &self.properties, attempt).to_string();
        write_atomic(&folder.join("request.json"), body.as_bytes())?;
        save(&t.dir, &t.record)?;
        let mut cmd = Command::new(&self.tools[0]);
        cmd.args(self.sbatch_args(&job.name, &folder)).arg(root.join("job.sh")).arg(&folder).arg(&self.workdir);
        cmd.arg(t.req.candidate_id.to_string()).arg(attempt.to_string()).args(&self.argv);
        let last = t.record.jobs.last_mut().expect("a job");
        match run_tool(&mut cmd) {
            Ok(out) => {
                let id = out.split(';').next().unwrap_or("").trim().to_string();
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    last.state = JobState::Finished;
                    last.result = Some(Saved::Failed {
                        reason: format!("sbatch printed no job id: {:?}", command::clip(&out, 200)),
                        retry: true,
                    });
                } else {
                    last.job_id = Some(id);
                    last.state = JobState::Active;
                    last.submitted_unix = Some(now_unix());
                }
            }
            Err(e) => {
                last.state = JobState::Finished;
                last.result = Some(Saved::Failed { reason: format!("sbatch refused the job: {e}"), retry: true });
            }
        }
        last.finished_unix = last.result.as_ref().map(|_| now_unix());
        save(&t.dir, &t.record)?;
        t.phase = match t.record.jobs.last().and_then(|j| j.result.clone()) {
            Some(saved) => self.after(saved, attempt),
            None => Phase::InFlight { ended: None },
        };
        Ok(())
    }

    /// The next phase once a job of attempt `attempt` gave `saved`.
    fn after(&self, saved: Saved, attempt: u32) -> Phase {
        match saved {
            Saved::Measured(v) => Phase::Done(Outcome::Measured(v)),
            Saved::Failed { reason, retry: false } => Phase::Done(Outcome::Failed { reason, attempts: attempt }),
            Saved::Failed { reason, retry: true } if attempt > self.retries => {
                let reason = if attempt > 1 { format!("{reason} (gave up after {attempt} attempts)") } else { reason };
                Phase::Done(Outcome::Failed { reason, attempts: attempt })
            }
            Saved::Failed { .. } => {
                let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(20));
                let wait = self.timing.backoff_base.saturating_mul(factor).min(command::BACKOFF_CAP);
                Phase::Ready { attempt: attempt + 1, at: Instant::now() + wait }
            }
        }
    }

    /// Records `saved` as the result of `t`'s last job and moves `t` on.
    fn finish(&self, t: &mut Task, saved: Saved) -> Result<(), OracleError> {
        let job = t.record.jobs.last_mut().expect("a job in flight");
        job.state = JobState::Finished;
        job.result = Some(saved.clone());
        job.finished_unix = Some(now_unix());
        let attempt = job.attempt;
        save(&t.dir, &t.record)?;
        t.phase = self.after(saved, attempt);
        Ok(())
    }

    /// What a record left by an earlier call (or run) means now.
    fn resume_phase(&self, t: &mut Task) -> Result<(), OracleError> {
        let Some(job) = t.record.jobs.last().cloned() else { return Ok(()) };
        let folder = t.dir.join(job.n.to_string());
        t.phase = match job.state {
            JobState::Finished => match job.result {
                Some(saved) => self.after(saved, job.attempt),
                None => Phase::Ready { attempt: job.attempt, at: Instant::now() },
            },
            JobState::Active => Phase::InFlight { ended: None },
            JobState::Cancelled if folder.join("exit").exists() => {
                let saved = collect(&folder, &job, &self.properties);
                return self.finish(t, saved);
            }
            JobState::Cancelled => {
                // Resubmitted as a new job with the same attempt number.
                t.record.jobs.last_mut().expect("a job").state = JobState::Finished;
                Phase::Ready { attempt: job.attempt, at: Instant::now() }
            }
            JobState::Submitting => match self.find_by_name(&job.name) {
                Some(id) => {
                    let last = t.record.jobs.last_mut().expect("a job");
                    last.job_id = Some(id);
                    last.state = JobState::Active;
                    save(&t.dir, &t.record)?;
                    Phase::InFlight { ended: None }
                }
                None => Phase::Ready { attempt: job.attempt, at: Instant::now() },
            },
        };
        Ok(())
    }

    /// Cancels the jobs in flight (Ctrl-C); their candidates become "interrupted" unless they
    /// had already finished.
    fn cancel(&self, tasks: &mut [Task]) -> Result<(), OracleError> {
        let ids: Vec<String> = tasks
            .iter()
            .filter(|t| matches!(t.phase, Phase::InFlight { .. }))
            .filter_map(|t| t.record.jobs.last().and_then(|j| j.job_id.clone()))
            .collect();
        if !ids.is_empty() {
            let _ = run_tool(Command::new(&self.tools[3]).args(&ids));
        }
        for t in tasks.iter_mut() {
            match t.phase {
                Phase::InFlight { .. } => {
                    let job = t.record.jobs.last_mut().expect("a job in flight");
                    let folder = t.dir.join(job.n.to_string());
                    if folder.join("exit").exists() {
                        let saved = collect(&folder, job, &self.properties);
                        self.finish(t, saved)?;
                        if !matches!(t.phase, Phase::Done(_)) {
                            t.phase = interrupted(t.record.jobs.last().map_or(0, |j| j.attempt));
                        }
                    } else {
                        job.state = JobState::Cancelled;
                        job.finished_unix = Some(now_unix());
                        let attempt = job.attempt;
                        save(&t.dir, &t.record)?;
                        t.phase = interrupted(attempt.saturating_sub(1));
                    }
                }
                Phase::Ready { attempt, .. } => t.phase = interrupted(attempt.saturating_sub(1)),
                Phase::Done(_) => {}
            }
        }
        Ok(())
    }
}

impl Oracle for SlurmOracle {
    fn properties(&self) -> &[String] {
        &self.properties
    }

    fn attach_run_dir(&mut self, dir: &Path) {
        self.run_dir = Some(command::absolute(dir));
    }

    /// Up to `parallel` jobs queued or running at once (plus jobs re-attached from an earlier
    /// run); outcomes in request order.
    fn evaluate(&self, batch: &[Request], stop: &StopFlag) -> Result<Vec<Outcome>, OracleError> {
        let run_dir = self
            .run_dir
            .as_ref()
            .ok_or_else(|| OracleError::Unusable("launcher slurm: no run directory to keep job files in".into()))?;
        let root = run_dir.join("slurm");
        std::fs::create_dir_all(&root).map_err(|e| io_error(&root, e))?;
        if std::fs::read(root.join("job.sh")).ok().as_deref() != Some(JOB_SCRIPT.as_bytes()) {
            write_atomic(&root.join("job.sh"), JOB_SCRIPT.as_bytes())?;
        }
        let mut tasks = Vec::with_capacity(batch.len());
        for req in batch {
            let dir = root.join(req.candidate_id.to_string());
            let record = load(&dir)?.unwrap_or(Record { candidate_id: req.candidate_id, jobs: vec![] });
            let mut t = Task { req, dir, record, phase: Phase::Ready { attempt: 1, at: Instant::now() } };
            self.resume_phase(&mut t)?;
            tasks.push(t);
        }
        let timing = self.timing;
        let (mut tick, mut poll) = (timing.tick_min, timing.poll_min);
        let mut next_poll = Instant::now();
        loop {
            if stop.is_stopped() {
                self.cancel(&mut tasks)?;
                break;
            }
            let mut busy = false;
            let mut in_flight = tasks.iter().filter(|t| matches!(t.phase, Phase::InFlight { .. })).count();
            for t in tasks.iter_mut() {
                if in_flight >= self.parallel || stop.is_stopped() {
                    break;
                }
                if let Phase::Ready { attempt, at } = t.phase {
                    if at <= Instant::now() {
                        self.submit(&root, t, attempt)?;
                        in_flight += usize::from(matches!(t.phase, Phase::InFlight { .. }));
                        busy = true;
                    }
                }
            }
            for t in tasks.iter_mut() {
                if let Phase::InFlight { .. } = t.phase {
                    let job = t.record.jobs.last().expect("a job in flight").clone();
                    let folder = t.dir.join(job.n.to_string());
                    if folder.join("exit").exists() {
                        self.finish(t, collect(&folder, &job, &self.properties))?;
                        busy = true;
                    }
                }
            }
            let ids: Vec<String> = tasks
                .iter()
                .filter(|t| matches!(t.phase, Phase::InFlight { .. }))
                .filter_map(|t| t.record.jobs.last().and_then(|j| j.job_id.clone()))
                .collect();
            if !ids.is_empty() && Instant::now() >= next_poll {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                if let Some(seen) = self.query(&refs) {
                    for t in tasks.iter_mut() {
                        let Phase::InFlight { ended } = t.phase else { continue };
                        let job = t.record.jobs.last().expect("a job in flight").clone();
                        let Some(s) = job.job_id.as_ref().and_then(|id| seen.get(id)) else { continue };
                        if *s == Seen::Live {
                            t.phase = Phase::InFlight { ended: None };
                            continue;
                        }
                        let since = ended.unwrap_or_else(Instant::now);
                        let expects_exit = match s {
                            Seen::Ended { state, .. } => matches!(state.as_str(), "COMPLETED" | "FAILED"),
                            _ => true,
                        };
                        if !expects_exit || since.elapsed() >= timing.settle {
                            let folder = t.dir.join(job.n.to_string());
                            let saved = if folder.join("exit").exists() {
                                collect(&folder, &job, &self.properties)
                            } else {
                                self.ended_without_exit(&folder, &job, s)
                            };
                            self.finish(t, saved)?;
                            busy = true;
                        } else {
                            t.phase = Phase::InFlight { ended: Some(since) };
                        }
                    }
                }
                next_poll = Instant::now() + poll;
                poll = poll.mul_f64(1.5).min(timing.poll_max);
            }
            if tasks.iter().all(|t| matches!(t.phase, Phase::Done(_))) {
                break;
            }
            tick = if busy { timing.tick_min } else { tick.mul_f64(1.25).min(timing.tick_max) };
            let mut slept = Duration::ZERO;
            while slept < tick && !stop.is_stopped() {
                let step = (tick - slept).min(Duration::from_millis(20));
                thread::sleep(step);
                slept += step;
            }
        }
        Ok(tasks
            .into_iter()
            .map(|t| match t.phase {
                Phase::Done(o) => o,
                _ => Outcome::Failed { reason: "interrupted".into(), attempts: 0 },
            })
            .collect())
    }
}

fn interrupted(attempts: u32) -> Phase {
    Phase::Done(Outcome::Failed { reason: "interrupted".into(), attempts })
}

#[cfg(test)]
mod tests;
