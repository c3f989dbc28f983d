//! The Slurm launcher's files: the per-candidate job record (`job.json`, replaced atomically)
//! and the reading of a finished job's output files. No Slurm commands here.
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::super::command::{self, Attempt, Capture};
use super::super::OracleError;

/// A submission, as recorded in `job.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Job {
    /// 1, 2, …: also the name of its folder.
    pub(super) n: u32,
    /// The protocol's attempt number (a resubmission after Ctrl-C keeps it).
    pub(super) attempt: u32,
    /// The Slurm job name, unique to this submission.
    pub(super) name: String,
    /// Set once `sbatch` answered.
    pub(super) job_id: Option<String>,
    pub(super) state: JobState,
    /// Unix times: recorded (before `sbatch`), submitted (`sbatch` answered), result collected.
    #[serde(default)]
    pub(super) created_unix: Option<f64>,
    pub(super) submitted_unix: Option<f64>,
    pub(super) finished_unix: Option<f64>,
    pub(super) result: Option<Saved>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum JobState {
    /// Recorded before `sbatch` runs.
    Submitting,
    /// In Slurm's hands.
    Active,
    /// Cancelled by crucible on Ctrl-C.
    Cancelled,
    /// Its result is in `result`.
    Finished,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Saved {
    Measured(Vec<f64>),
    Failed { reason: String, retry: bool },
}

/// `RUN_DIR/slurm/<id>/job.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Record {
    pub(super) candidate_id: u64,
    pub(super) jobs: Vec<Job>,
}

/// The result of a job that wrote its `exit` file: the local launcher's rules.
pub(super) fn collect(folder: &Path, job: &Job, properties: &[String]) -> Saved {
    let id = job.job_id.as_deref().unwrap_or("?");
    let code = std::fs::read_to_string(folder.join("exit")).ok().and_then(|s| s.trim().parse::<i32>().ok());
    let attempt = match code {
        Some(0) => command::parse_answer(&read_capture(&folder.join("stdout")), properties),
        Some(c) => {
            let status =
                if (129..160).contains(&c) { ExitStatus::from_raw(c - 128) } else { ExitStatus::from_raw(c << 8) };
            let err = command::stderr_note(&read_capture(&folder.join("stderr")));
            Attempt::Retry(format!("{}{err}", command::exit_text(status)))
        }
        None => Attempt::Retry("unreadable exit status file".into()),
    };
    match attempt {
        Attempt::Measured(v) => Saved::Measured(v),
        Attempt::Final(r) => Saved::Failed { reason: r, retry: false },
        Attempt::Retry(r) => Saved::Failed { reason: format!("Slurm job {id}: {r}"), retry: true },
    }
}

/// The start and end of an output file (the whole of a small one).
pub(super) fn read_capture(path: &Path) -> Capture {
    const HEAD: u64 = 1024;
    const TAIL: u64 = 64 * 1024;
    let Ok(mut f) = std::fs::File::open(path) else { return Capture::default() };
    let total = f.metadata().map_or(0, |m| m.len());
    let mut head = Vec::new();
    let _ = (&mut f).take(HEAD).read_to_end(&mut head);
    let mut tail = Vec::new();
    if f.seek(SeekFrom::Start(total.saturating_sub(TAIL))).is_ok() {
        let _ = f.take(TAIL).read_to_end(&mut tail);
    }
    Capture::from_parts(&head, &tail, usize::try_from(total).unwrap_or(usize::MAX))
}

/// "; slurm.out: …" with the last lines Slurm wrote for the job, or "".
pub(super) fn slurm_note(folder: &Path) -> String {
    command::stderr_note(&read_capture(&folder.join("slurm.out"))).replacen("; stderr:", "; slurm.out:", 1)
}

pub(super) fn load(dir: &Path) -> Result<Option<Record>, OracleError> {
    let path = dir.join("job.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            OracleError::Unusable(format!("launcher slurm: unreadable job record {}: {e}", path.display()))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path, e)),
    }
}

pub(super) fn save(dir: &Path, record: &Record) -> Result<(), OracleError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let body = serde_json::to_vec_pretty(record).expect("a record serialises");
    write_atomic(&dir.join("job.json"), &body)
}

/// Write to a temp file, flush it to disk, rename over `path`.
pub(super) fn write_atomic(path: &Path, body: &[u8]) -> Result<(), OracleError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("{}-{n}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| io_error(path, e))
}

pub(super) fn io_error(path: &Path, e: std::io::Error) -> OracleError {
    OracleError::Unusable(format!("launcher slurm: {}: {e}", path.display()))
}

pub(super) fn now_unix() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

pub(super) fn now_millis() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}
