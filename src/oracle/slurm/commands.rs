//! The Slurm launcher's conversations with Slurm: `sbatch` arguments, `squeue` and `scontrol`
//! answers. Every command is started with an argument vector; nothing goes through a shell.
use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::record::{slurm_note, Job, Saved};
use super::SlurmOracle;
use crate::oracle::command;

/// Slurm job states after which a job never runs again.
pub(super) const ENDED: &[&str] = &[
    "BOOT_FAIL",
    "CANCELLED",
    "COMPLETED",
    "DEADLINE",
    "FAILED",
    "NODE_FAIL",
    "OUT_OF_MEMORY",
    "PREEMPTED",
    "REVOKED",
    "SPECIAL_EXIT",
    "TIMEOUT",
];

/// What `squeue` said about a job.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seen {
    Live,
    Ended { state: String, reason: String },
    Unknown,
}

impl SlurmOracle {
    /// The `sbatch` arguments before the script: name, folder, output and the job settings.
    pub(super) fn sbatch_args(&self, name: &str, folder: &Path) -> Vec<String> {
        let mut a = vec![
            "--parsable".to_string(),
            format!("--job-name={name}"),
            format!("--chdir={}", folder.display()),
            "--output=slurm.out".to_string(),
            format!("--time={}", slurm_minutes(self.time)),
        ];
        if let Some(p) = &self.slurm.partition {
            a.push(format!("--partition={p}"));
        }
        if let Some(c) = self.slurm.cpus_per_task {
            a.push(format!("--cpus-per-task={c}"));
        }
        if let Some(m) = &self.slurm.mem {
            a.push(format!("--mem={m}"));
        }
        a.extend(self.slurm.extra_args.iter().cloned());
        a
    }

    /// The id of our job called `name`, if Slurm has it (a submission whose id was not recorded).
    pub(super) fn find_by_name(&self, name: &str) -> Option<String> {
        let mut cmd = Command::new(&self.tools[1]);
        cmd.args(["--noheader", "--states=all", "--format=%i", &format!("--name={name}")]);
        run_tool(&mut cmd).ok()?.lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
    }

    /// One `squeue` call for `ids`: `None` when Slurm did not answer.
    pub(super) fn query(&self, ids: &[&str]) -> Option<HashMap<String, Seen>> {
        let mut cmd = Command::new(&self.tools[1]);
        cmd.args(["--noheader", "--states=all", "--format=%i|%T|%r", &format!("--jobs={}", ids.join(","))]);
        let text = match run_tool(&mut cmd) {
            Ok(t) => t,
            // squeue exits 1 when none of the ids is known any more.
            Err(e) if e.contains("Invalid job id") => String::new(),
            Err(_) => return None,
        };
        let mut seen: HashMap<String, Seen> = ids.iter().map(|id| (id.to_string(), Seen::Unknown)).collect();
        for line in text.lines() {
            let mut f = line.trim().splitn(3, '|');
            let (Some(id), Some(state), reason) = (f.next(), f.next(), f.next()) else { continue };
            if let Some(slot) = seen.get_mut(id.trim()) {
                let state = state.trim().to_string();
                *slot = if ENDED.contains(&state.as_str()) {
                    Seen::Ended { state, reason: reason.unwrap_or("").trim().to_string() }
                } else {
                    Seen::Live
                };
            }
        }
        Some(seen)
    }

    /// The failure of a job that Slurm ended (or forgot) without an `exit` file.
    pub(super) fn ended_without_exit(&self, folder: &Path, job: &Job, seen: &Seen) -> Saved {
        let id = job.job_id.as_deref().unwrap_or("?");
        let mut cmd = Command::new(&self.tools[2]);
        cmd.args(["show", "job", "-o", id]);
        let detail = run_tool(&mut cmd).ok().map(|t| scontrol_fields(&t)).unwrap_or_default();
        let (state, reason) = match seen {
            Seen::Ended { state, reason } => (state.clone(), reason.clone()),
            _ => {
                (detail.get("JobState").cloned().unwrap_or_default(), detail.get("Reason").cloned().unwrap_or_default())
            }
        };
        let note = slurm_note(folder);
        if state.is_empty() {
            return Saved::Failed {
                reason: format!(
                    "Slurm job {id} ended without writing its exit status, and Slurm no longer knows it (timed out, \
                     cancelled or lost while crucible was not watching? is the run directory on a filesystem the \
                     compute nodes share?){note}"
                ),
                retry: true,
            };
        }
        let mut what = format!("Slurm job {id} ended {state}");
        if !reason.is_empty() && reason != "None" {
            what.push_str(&format!(" (reason: {reason})"));
        }
        if let Some(code) = detail.get("ExitCode") {
            what.push_str(&format!(", exit code {code}"));
        }
        if state == "TIMEOUT" {
            what.push_str(&format!(", time limit {}", command::show_duration(self.time)));
        }
        if matches!(state.as_str(), "COMPLETED" | "FAILED") {
            what.push_str(
                " without writing its exit status (is the run directory on a filesystem the compute nodes share?)",
            );
        }
        // Cancelled by someone else (crucible's own cancels never get here): their decision.
        Saved::Failed { reason: format!("{what}{note}"), retry: state != "CANCELLED" }
    }
}

/// `KEY=value` fields of `scontrol show job -o`.
pub(super) fn scontrol_fields(text: &str) -> HashMap<String, String> {
    text.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter(|(k, _)| matches!(*k, "JobState" | "Reason" | "ExitCode"))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A time limit in whole minutes (Slurm's unit), rounded up, at least 1.
pub(super) fn slurm_minutes(d: Duration) -> u64 {
    u64::try_from(d.as_millis().div_ceil(60_000)).unwrap_or(u64::MAX).max(1)
}

/// Runs a Slurm command; its stdout, or its stderr (or the spawn error) as the error.
pub(super) fn run_tool(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.stdin(Stdio::null()).output().map_err(|e| format!("could not run {:?}: {e}", cmd.get_program()))?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() {
        return Ok(stdout);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let err = err.trim();
    let why = if err.is_empty() { command::exit_text(out.status) } else { command::clip(err, 300) };
    Err(why)
}
