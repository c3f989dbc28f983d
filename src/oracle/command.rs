//! The command oracle: an external program (a simulator, a lab-robot script) evaluates one
//! candidate per process. Owns those child processes; never sees strategies, the store or the
//! terminal, and never goes through a shell (`argv` is executed as written).
//!
//! **Protocol (version 1).** For each candidate the program is started with `argv` in the
//! campaign file's folder, and gets one JSON object on stdin, then end of file:
//! `{"protocol": 1, "candidate_id": 12, "formula": "Fe0.7Ni0.3", "composition": {"Fe": 0.7,
//! "Ni": 0.3}, "inputs": {"Ni": 0.3, "anneal_temp": 850.0, "route": "forged"}, "pool_index":
//! null, "properties": ["yield_strength"], "attempt": 1}` (`formula` is null without a
//! composition). The same object is in the file named by `CRUCIBLE_REQUEST_FILE`;
//! `CRUCIBLE_CANDIDATE_ID` and `CRUCIBLE_ATTEMPT` are set too. The answer is the last non-empty
//! stdout line that is a JSON object (earlier lines are free for logging):
//! `{"yield_strength": 1530.2}` or `{"properties": {"yield_strength": 1530.2}}`, or
//! `{"error": "why"}` to report a failure. Each requested property must be a finite JSON
//! number; extra keys are ignored.
//!
//! **Failures** are [`Outcome::Failed`] rows with the reason. A crash (non-zero exit or a
//! signal), a timeout, output without a JSON object and a failure to start are retried
//! (`retries` extra attempts, back-off 0.5 s, 1 s, 2 s … capped at 30 s): they may be transient.
//! An answer is not retried: `{"error": …}`, a missing property, a NaN, infinity or a
//! non-number are the program's deterministic verdict. On a timeout the program's whole process
//! group is killed (grandchildren too); when the program exits, anything it left running in its
//! group is killed as well. The program runs in its own process group, so Ctrl-C at the
//! terminal does not reach it: once the stop flag is set no new process starts (those requests
//! are "interrupted", attempts 0, or the attempts made before a pending retry) and those
//! running finish.
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::{Oracle, OracleError, Outcome, Request};
use crate::config::spec::{CommandSpec, Launcher};
use crate::space::Cell;
use crate::stop::StopFlag;

/// The protocol version sent as `"protocol"`.
pub const PROTOCOL: u32 = 1;
/// Bytes of the end of stdout and stderr kept in memory per process.
const KEEP: usize = 64 * 1024;
/// Bytes of the start of stdout kept for error messages.
const HEAD: usize = 1024;
pub(super) const BACKOFF_BASE: Duration = Duration::from_millis(500);
pub(super) const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// How long pipes may stay open after the process group is gone (a descendant that left it).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Runs an external program once per candidate (see the module docs for the protocol).
#[derive(Debug, Clone)]
pub struct CommandOracle {
    /// `argv[0]` resolved to an absolute path.
    program: PathBuf,
    argv: Vec<String>,
    workdir: PathBuf,
    timeout: Duration,
    retries: u32,
    parallel: usize,
    properties: Vec<String>,
    backoff_base: Duration,
}

/// What one attempt gave.
#[derive(Debug)]
pub(super) enum Attempt {
    Measured(Vec<f64>),
    /// May be transient: try again if attempts are left.
    Retry(String),
    /// The program's verdict: do not try again.
    Final(String),
}

impl CommandOracle {
    /// `spec` from the campaign's `oracle.command`; `properties`: what to ask the program for,
    /// in the order of [`Outcome::Measured`] values; `workdir`: the campaign file's folder (the
    /// program runs there, and a relative `argv[0]` containing `/` is resolved against it; a
    /// bare name is looked up on `PATH`). Errors when `argv` is empty, the program is missing or
    /// not executable, or the launcher is not `local`.
    pub fn new(spec: &CommandSpec, properties: Vec<String>, workdir: PathBuf) -> Result<Self, OracleError> {
        if let Launcher::Slurm(_) = spec.launcher {
            return Err(OracleError::Unusable(
                "command oracle: launcher 'slurm' runs through oracle::SlurmOracle (see oracle::command_oracle), not CommandOracle"
                    .into(),
            ));
        }
        let first = spec.argv.first().ok_or_else(|| OracleError::Unusable("command oracle: empty argv".into()))?;
        let workdir = absolute(&workdir);
        let program = resolve_program(first, &workdir)?;
        Ok(Self {
            program,
            argv: spec.argv.clone(),
            workdir,
            timeout: spec.timeout,
            retries: spec.retries,
            parallel: spec.parallel.max(1),
            properties,
            backoff_base: BACKOFF_BASE,
        })
    }

    #[cfg(test)]
    fn with_backoff(mut self, base: Duration) -> Self {
        self.backoff_base = base;
        self
    }

    /// All attempts for one request.
    fn evaluate_one(&self, req: &Request, stop: &StopFlag) -> Outcome {
        let mut last = String::new();
        let mut made = 0;
        for attempt in 1..=self.retries.saturating_add(1) {
            if stop.is_stopped() || (attempt > 1 && !self.back_off(attempt, stop)) {
                return Outcome::Failed { reason: "interrupted".into(), attempts: made };
            }
            made = attempt;
            match self.run_once(req, attempt) {
                Attempt::Measured(v) => return Outcome::Measured(v),
                Attempt::Final(reason) => return Outcome::Failed { reason, attempts: made },
                Attempt::Retry(reason) => last = reason,
            }
        }
        if made > 1 {
            last = format!("{last} (gave up after {made} attempts)");
        }
        Outcome::Failed { reason: last, attempts: made }
    }

    /// Sleeps before attempt `attempt` (≥ 2); false when the stop flag cut it short.
    fn back_off(&self, attempt: u32, stop: &StopFlag) -> bool {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(2).min(20));
        let end = Instant::now() + self.backoff_base.saturating_mul(factor).min(BACKOFF_CAP);
        while Instant::now() < end {
            if stop.is_stopped() {
                return false;
            }
            thread::sleep((end - Instant::now()).min(Duration::from_millis(20)));
        }
        !stop.is_stopped()
    }

    /// One process: start, feed, wait (or kill), read the answer.
    fn run_once(&self, req: &Request, attempt: u32) -> Attempt {
        let body = request_json(req, &self.properties, attempt).to_string();
        let file = RequestFile::write(&body, req.candidate_id, attempt);
        let mut cmd = Command::new(&self.program);
        cmd.arg0(&self.argv[0])
            .args(&self.argv[1..])
            .current_dir(&self.workdir)
            .env("CRUCIBLE_CANDIDATE_ID", req.candidate_id.to_string())
            .env("CRUCIBLE_ATTEMPT", attempt.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        if let Some(f) = &file {
            cmd.env("CRUCIBLE_REQUEST_FILE", &f.0);
        }
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => return Attempt::Retry(format!("could not start '{}': {e}", self.argv[0])),
        };
        let pid = child.id() as libc::pid_t;
        if let Some(mut stdin) = child.stdin.take() {
            // On its own thread: a program that never reads stdin must not block us. A broken
            // pipe only means it did not read everything, which is its business.
            thread::spawn(move || {
                let _ = stdin.write_all(body.as_bytes());
            });
        }
        let (done_tx, done_rx) = mpsc::channel();
        let out = Capture::spawn(child.stdout.take(), done_tx.clone());
        let err = Capture::spawn(child.stderr.take(), done_tx);
        let start = Instant::now();
        let mut poll = Duration::from_millis(2);
        let timed_out = loop {
            match has_exited(pid) {
                Ok(true) => break false,
                Ok(false) => {}
                Err(e) => {
                    kill_group(pid);
                    let _ = child.wait();
                    return Attempt::Retry(format!("could not watch the program: {e}"));
                }
            }
            let elapsed = start.elapsed();
            if elapsed >= self.timeout {
                break true;
            }
            thread::sleep(poll.min(self.timeout - elapsed));
            poll = (poll * 2).min(Duration::from_millis(50));
        };
        // The leader is exited or running but not reaped, so its pid (the group id) is still
        // ours: killing the group cannot hit an unrelated process.
        kill_group(pid);
        let status = child.wait();
        for _ in 0..2 {
            if done_rx.recv_timeout(DRAIN_GRACE).is_err() {
                break;
            }
        }
        let (out, err) = (out.take(), err.take());
        if timed_out {
            return Attempt::Retry(format!(
                "timed out after {} (the program and its child processes were killed){}",
                show_duration(self.timeout),
                stderr_note(&err)
            ));
        }
        match status {
            Ok(s) if s.success() => parse_answer(&out, &self.properties),
            Ok(s) => Attempt::Retry(format!("{}{}", exit_text(s), stderr_note(&err))),
            Err(e) => Attempt::Retry(format!("could not wait for the program: {e}")),
        }
    }
}

impl Oracle for CommandOracle {
    fn properties(&self) -> &[String] {
        &self.properties
    }

    /// Up to `parallel` processes at once; outcomes in request order, whatever the finishing
    /// order.
    fn evaluate(&self, batch: &[Request], stop: &StopFlag) -> Result<Vec<Outcome>, OracleError> {
        let next = AtomicUsize::new(0);
        let slots: Vec<Mutex<Option<Outcome>>> = batch.iter().map(|_| Mutex::new(None)).collect();
        thread::scope(|s| {
            for _ in 0..self.parallel.min(batch.len()) {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(req) = batch.get(i) else { break };
                    let outcome = self.evaluate_one(req, stop);
                    *slots[i].lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
                });
            }
        });
        Ok(slots
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(PoisonError::into_inner)
                    .unwrap_or(Outcome::Failed { reason: "interrupted".into(), attempts: 0 })
            })
            .collect())
    }
}

/// The JSON object a program reads on stdin.
pub(super) fn request_json(req: &Request, properties: &[String], attempt: u32) -> Value {
    let composition: Map<String, Value> = req.composition.iter().map(|(e, x)| (e.clone(), json!(x))).collect();
    let inputs: Map<String, Value> = req
        .inputs
        .iter()
        .map(|(name, cell)| {
            let v = match cell {
                Cell::F64(x) => json!(x),
                Cell::I64(i) => json!(i),
                Cell::Str(s) => json!(s),
            };
            (name.clone(), v)
        })
        .collect();
    json!({
        "protocol": PROTOCOL,
        "candidate_id": req.candidate_id,
        "formula": req.formula,
        "composition": composition,
        "inputs": inputs,
        "pool_index": req.pool_index,
        "properties": properties,
        "attempt": attempt,
    })
}

/// Reads the program's answer from its stdout.
pub(super) fn parse_answer(stdout: &Capture, properties: &[String]) -> Attempt {
    let text = String::from_utf8_lossy(&stdout.tail);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let answer = lines.iter().rev().find_map(|l| match serde_json::from_str::<Value>(l) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    });
    let Some(answer) = answer else {
        if let Some(last) = lines.last().filter(|l| l.starts_with('{') && has_bare_nonfinite(l)) {
            return Attempt::Final(format!(
                "the answer has a bare NaN or Infinity, which is not JSON (report a failure as \
                 {{\"error\": \"why\"}} instead): {}",
                clip(last, 200)
            ));
        }
        if stdout.total == 0 {
            return Attempt::Retry("printed nothing on stdout (expected a JSON object as the last line)".into());
        }
        let head = String::from_utf8_lossy(&stdout.head);
        return Attempt::Retry(format!(
            "no JSON object on stdout (expected one as the last non-empty line); stdout began: {:?}",
            clip(&head, 200)
        ));
    };
    match answer.get("error") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) => return Attempt::Final(format!("the program reported an error: {s}")),
        Some(other) => return Attempt::Final(format!("the program reported an error: {other}")),
    }
    let values = match answer.get("properties") {
        Some(Value::Object(p)) => p,
        _ => &answer,
    };
    let mut out = Vec::with_capacity(properties.len());
    for p in properties {
        let problem = match values.get(p) {
            Some(Value::Number(n)) => match n.as_f64() {
                Some(x) if x.is_finite() => {
                    out.push(x);
                    continue;
                }
                _ => format!("'{p}' is {n}, not a finite number"),
            },
            None => {
                let keys: Vec<&str> = values.keys().map(String::as_str).collect();
                let gave = if keys.is_empty() { "nothing".to_string() } else { keys.join(", ") };
                format!("missing property '{p}' in the answer (it gave: {gave})")
            }
            Some(Value::String(s)) => {
                let hint = match s.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => " (write numbers without quotes)",
                    Ok(_) => " (a NaN or infinite result is a failure: report it as {\"error\": \"why\"})",
                    Err(_) => "",
                };
                format!("'{p}' is the string {s:?}, not a JSON number{hint}")
            }
            Some(other) => format!("'{p}' is {}, not a number", clip(&other.to_string(), 60)),
        };
        return Attempt::Final(problem);
    }
    Attempt::Measured(out)
}

/// Whether a line has an unquoted `NaN`, `inf` or `Infinity` word.
fn has_bare_nonfinite(line: &str) -> bool {
    let (mut in_str, mut escaped, mut word) = (false, false, String::new());
    for c in line.chars().chain(std::iter::once(' ')) {
        if in_str {
            (escaped, in_str) = (!escaped && c == '\\', escaped || c != '"');
        } else if c.is_ascii_alphabetic() {
            word.push(c.to_ascii_lowercase());
        } else {
            if matches!(word.as_str(), "nan" | "inf" | "infinity") {
                return true;
            }
            word.clear();
            in_str = c == '"';
        }
    }
    false
}

/// The first and last bytes a stream wrote.
#[derive(Debug, Default)]
pub(super) struct Capture {
    head: Vec<u8>,
    tail: Vec<u8>,
    total: usize,
}

/// A stream being read on its own thread (so that large output cannot deadlock the program).
struct Reading(Arc<Mutex<Capture>>);

impl Capture {
    fn spawn<R: Read + Send + 'static>(stream: Option<R>, done: mpsc::Sender<()>) -> Reading {
        let cap = Arc::new(Mutex::new(Capture::default()));
        let shared = Arc::clone(&cap);
        thread::spawn(move || {
            if let Some(mut r) = stream {
                let mut buf = [0u8; 8192];
                loop {
                    match r.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => shared.lock().unwrap_or_else(PoisonError::into_inner).push(&buf[..n]),
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            }
            let _ = done.send(());
        });
        Reading(cap)
    }

    /// From a stream already stored elsewhere (the output files of a Slurm job): its first
    /// bytes, its last bytes and its size.
    pub(super) fn from_parts(head: &[u8], tail: &[u8], total: usize) -> Self {
        Self {
            head: head[..head.len().min(HEAD)].to_vec(),
            tail: tail[tail.len().saturating_sub(KEEP)..].to_vec(),
            total,
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = HEAD.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        self.total += bytes.len();
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * KEEP {
            self.tail.drain(..self.tail.len() - KEEP);
        }
    }
}

impl Reading {
    /// What was read so far (all of it once the stream closed).
    fn take(&self) -> Capture {
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let keep = c.tail.len().saturating_sub(KEEP);
        c.tail.drain(..keep);
        std::mem::take(&mut *c)
    }
}

/// "; stderr: a | b" with the last 5 non-empty stderr lines, or "" without stderr output.
pub(super) fn stderr_note(err: &Capture) -> String {
    let text = String::from_utf8_lossy(&err.tail);
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    if lines.is_empty() {
        return String::new();
    }
    let last: Vec<String> = lines[lines.len().saturating_sub(5)..].iter().map(|l| clip(l, 200)).collect();
    format!("; stderr: {}", last.join(" | "))
}

/// Names of the common signals, for exit reasons.
#[rustfmt::skip]
const SIGNALS: &[(i32, &str)] = &[
    (1, "SIGHUP"), (2, "SIGINT"), (3, "SIGQUIT"), (4, "SIGILL"), (6, "SIGABRT"), (7, "SIGBUS"), (8, "SIGFPE"),
    (9, "SIGKILL: out of memory?"), (11, "SIGSEGV"), (13, "SIGPIPE"), (15, "SIGTERM"),
];

pub(super) fn exit_text(s: ExitStatus) -> String {
    if let Some(code) = s.code() {
        return format!("exited with code {code}");
    }
    let Some(sig) = s.signal() else { return format!("ended abnormally ({s})") };
    let name = SIGNALS.iter().find(|(n, _)| *n == sig).map_or(String::new(), |(_, name)| format!(" ({name})"));
    format!("killed by signal {sig}{name}")
}

/// At most `n` characters of `s`, with "…" when cut.
pub(super) fn clip(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// `10s`, `300ms`, `1.5s`, `10m`, `2h`.
pub(super) fn show_duration(d: Duration) -> String {
    let ms = d.as_millis();
    match ms {
        _ if ms < 1000 => format!("{ms}ms"),
        _ if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        _ if ms % 60_000 == 0 => format!("{}m", ms / 60_000),
        _ if ms % 1000 == 0 => format!("{}s", ms / 1000),
        _ => format!("{}s", d.as_secs_f64()),
    }
}

/// The request, also as a file (for programs that want a path); removed after the attempt.
struct RequestFile(PathBuf);

impl RequestFile {
    fn write(body: &str, candidate_id: u64, attempt: u32) -> Option<Self> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("crucible-request-{}-{n}-{candidate_id}-{attempt}.json", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, body).ok().map(|()| Self(path))
    }
}

impl Drop for RequestFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(super) fn absolute(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() { Path::new(".") } else { p };
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}

/// `argv[0]` as an absolute path: relative to `workdir` when it contains `/`, else on `PATH`.
pub(super) fn resolve_program(name: &str, workdir: &Path) -> Result<PathBuf, OracleError> {
    let unusable = |msg: String| Err(OracleError::Unusable(format!("command oracle: {msg}")));
    if name.contains('/') {
        let path = workdir.join(name);
        if !path.exists() {
            return unusable(format!("command '{name}' not found (looked for {})", path.display()));
        }
        if !is_executable(&path) {
            return unusable(format!(
                "'{name}' ({}) is not an executable file (chmod +x it, or name its interpreter first: \
                 [python3, {name}])",
                path.display()
            ));
        }
        return Ok(path);
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&search) {
        let path = absolute(&dir).join(name);
        if is_executable(&path) {
            return Ok(path);
        }
    }
    unusable(format!(
        "command '{name}' not found on PATH (argv[0] is a program on PATH, or a path with a '/', relative to \
         the campaign file's folder {})",
        workdir.display()
    ))
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether child `pid` has exited, without reaping it (so its pid stays reserved).
fn has_exited(pid: libc::pid_t) -> std::io::Result<bool> {
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value; waitid only writes into it, and with
        // WNOWAIT it leaves the child to be reaped by `Child::wait`.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        let flags = libc::WEXITED | libc::WNOHANG | libc::WNOWAIT;
        // SAFETY: `info` is a valid, writable siginfo_t.
        let r = unsafe { libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags) };
        if r == 0 {
            // SAFETY: waitid filled `info` (si_pid stays 0 when nothing has exited yet).
            return Ok(unsafe { info.si_pid() } != 0);
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

/// SIGKILL to process group `pgid` (ignored when it is already empty).
fn kill_group(pgid: libc::pid_t) {
    // SAFETY: kill has no memory-safety preconditions; a negative pid names a process group.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A script in its own temp dir; `argv` runs it with `interpreter`.
    struct Prog {
        dir: tempfile::TempDir,
        argv: Vec<String>,
    }

    fn prog(interpreter: &str, body: &str) -> Prog {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("prog"), body).unwrap();
        Prog { dir, argv: vec![interpreter.into(), "prog".into()] }
    }

    fn spec(argv: &[String], timeout: Duration, retries: u32, parallel: usize) -> CommandSpec {
        CommandSpec { argv: argv.to_vec(), timeout, retries, parallel, launcher: Launcher::Local }
    }

    fn oracle_with(p: &Prog, props: &[&str], timeout: Duration, retries: u32, parallel: usize) -> CommandOracle {
        let props = props.iter().map(|s| s.to_string()).collect();
        CommandOracle::new(&spec(&p.argv, timeout, retries, parallel), props, p.dir.path().to_path_buf())
            .unwrap()
            .with_backoff(Duration::from_millis(10))
    }

    fn oracle(p: &Prog, props: &[&str]) -> CommandOracle {
        oracle_with(p, props, Duration::from_secs(20), 0, 1)
    }

    fn req(id: u64) -> Request {
        Request {
            candidate_id: id,
            pool_index: None,
            values: vec![0.3, 850.0],
            formula: Some("Fe0.7Ni0.3".into()),
            inputs: vec![
                ("Ni".into(), Cell::F64(0.3)),
                ("passes".into(), Cell::I64(2)),
                ("route".into(), Cell::Str("forged".into())),
            ],
            composition: vec![("Fe".into(), 0.7), ("Ni".into(), 0.3)],
        }
    }

    fn one(o: &CommandOracle, id: u64) -> Outcome {
        o.evaluate(&[req(id)], &StopFlag::new()).unwrap().remove(0)
    }

    fn failed(out: &Outcome) -> (String, u32) {
        match out {
            Outcome::Failed { reason, attempts } => (reason.clone(), *attempts),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    const ECHO: &str = r#"
import json, os, sys
req = json.load(sys.stdin)
with open(os.environ["CRUCIBLE_REQUEST_FILE"]) as f:
    assert json.load(f) == req
assert os.environ["CRUCIBLE_CANDIDATE_ID"] == str(req["candidate_id"])
assert os.environ["CRUCIBLE_ATTEMPT"] == "1"
print("loading the model...")
print("{not json either")
print(json.dumps({"y": req["composition"]["Ni"] * 10 + req["candidate_id"], "z": req["inputs"]["passes"],
                  "ok": req["protocol"] == 1 and req["formula"] == "Fe0.7Ni0.3" and req["inputs"]["route"] == "forged"
                        and req["pool_index"] is None and req["properties"] == ["y", "z"]}))
print("   ")
"#;

    #[test]
    fn good_answer_after_log_lines_and_the_request_it_got() {
        let p = prog("python3", ECHO);
        let o = oracle(&p, &["y", "z"]);
        assert_eq!(one(&o, 5), Outcome::Measured(vec![8.0, 2.0]));
        let p = prog("python3", &ECHO.replace("\"ok\":", "\"ok2\":").replace("print(\"   \")", "print('{\"ok\": 1}')"));
        // The last JSON object wins, even when an earlier one had the values.
        let (reason, attempts) = failed(&one(&oracle(&p, &["y", "z"]), 5));
        assert!(reason.contains("missing property 'y'") && reason.contains("it gave: ok"), "{reason}");
        assert_eq!(attempts, 1);
    }

    #[test]
    fn properties_form_and_extra_keys() {
        let p = prog("/bin/sh", "cat > /dev/null\necho '{\"properties\": {\"y\": 1.5, \"w\": 2}, \"note\": \"hi\"}'\n");
        assert_eq!(one(&oracle(&p, &["y"]), 1), Outcome::Measured(vec![1.5]));
    }

    #[test]
    fn crash_is_retried_and_reports_code_and_stderr() {
        let p = prog("/bin/sh", "echo line1 >&2\necho 'Traceback: boom' >&2\nexit 3\n");
        let o = oracle_with(&p, &["y"], Duration::from_secs(20), 2, 1);
        let (reason, attempts) = failed(&one(&o, 1));
        assert!(reason.contains("exited with code 3") && reason.contains("line1 | Traceback: boom"), "{reason}");
        assert!(reason.contains("gave up after 3 attempts"), "{reason}");
        assert_eq!(attempts, 3);
        let p = prog("/bin/sh", "kill -SEGV $$\n");
        let (reason, _) = failed(&one(&oracle(&p, &["y"]), 1));
        assert!(reason.contains("signal 11 (SIGSEGV)"), "{reason}");
    }

    #[test]
    fn hang_is_killed_with_its_grandchildren() {
        let p = prog("/bin/sh", "sleep 30 &\necho $! > grandchild.pid\nsleep 30\n");
        let o = oracle_with(&p, &["y"], Duration::from_millis(300), 0, 1);
        let t = Instant::now();
        let (reason, attempts) = failed(&one(&o, 1));
        assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
        assert!(reason.starts_with("timed out after 300ms"), "{reason}");
        assert_eq!(attempts, 1);
        let pid: u32 = std::fs::read_to_string(p.dir.path().join("grandchild.pid")).unwrap().trim().parse().unwrap();
        let gone = || {
            std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .map_or(true, |s| s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z')))
        };
        let t = Instant::now();
        while !gone() && t.elapsed() < Duration::from_secs(3) {
            thread::sleep(Duration::from_millis(20));
        }
        assert!(gone(), "grandchild sleep {pid} still running");
    }

    #[test]
    fn garbage_and_empty_stdout() {
        let p = prog("/bin/sh", "echo 'Segmentation fault? no: just text'\necho 12.5\n");
        let (reason, attempts) = failed(&one(&oracle_with(&p, &["y"], Duration::from_secs(20), 1, 1), 1));
        assert!(reason.contains("no JSON object on stdout") && reason.contains("just text"), "{reason}");
        assert_eq!(attempts, 2);
        let p = prog("/bin/sh", "exit 0\n");
        let (reason, _) = failed(&one(&oracle(&p, &["y"]), 1));
        assert!(reason.contains("printed nothing on stdout"), "{reason}");
    }

    #[test]
    fn answers_that_are_not_numbers_fail_without_retry() {
        let cases = [
            (r#"{"z": 1}"#, "missing property 'y' in the answer (it gave: z)"),
            (r#"{"y": "nan"}"#, "'y' is the string \"nan\", not a JSON number (a NaN"),
            (r#"{"y": NaN}"#, "bare NaN or Infinity"),
            (r#"{"y": -Infinity, "s": "NaN"}"#, "bare NaN or Infinity"),
            (r#"{"y": "12.5"}"#, "write numbers without quotes"),
            (r#"{"y": null}"#, "'y' is null, not a number"),
            (r#"{"y": [1]}"#, "'y' is [1], not a number"),
            (r#"{"error": "did not converge", "y": 1}"#, "the program reported an error: did not converge"),
        ];
        for (answer, want) in cases {
            let p = prog("/bin/sh", &format!("echo '{answer}'\n"));
            let (reason, attempts) = failed(&one(&oracle_with(&p, &["y"], Duration::from_secs(20), 3, 1), 1));
            assert!(reason.contains(want), "{answer}: {reason}");
            assert_eq!(attempts, 1, "{answer}");
        }
        assert!(!has_bare_nonfinite(r#"{"y": 1, "note": "NaN \" inf"}"#));
    }

    #[test]
    fn retries_then_succeeds() {
        let body =
            "import os, sys\nsys.stdin.read()\nif not os.path.exists('seen'):\n    open('seen', 'w').close()\n    \
                    sys.exit('first attempt fails')\nprint('{\"y\": %s}' % os.environ['CRUCIBLE_ATTEMPT'])\n";
        let p = prog("python3", body);
        let o = oracle_with(&p, &["y"], Duration::from_secs(20), 2, 1);
        assert_eq!(one(&o, 1), Outcome::Measured(vec![2.0]));
    }

    #[test]
    fn stop_during_back_off_leaves_the_candidate_interrupted() {
        let p = prog("/bin/sh", "exit 1\n");
        let o = oracle_with(&p, &["y"], Duration::from_secs(20), 5, 1).with_backoff(Duration::from_secs(20));
        let stop = StopFlag::new();
        let later = stop.clone();
        let t = Instant::now();
        let setter = thread::spawn(move || {
            thread::sleep(Duration::from_millis(300));
            later.stop();
        });
        let out = o.evaluate(&[req(1)], &stop).unwrap();
        setter.join().unwrap();
        assert_eq!(failed(&out[0]), ("interrupted".to_string(), 1));
        assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());
    }

    #[test]
    fn parallel_runs_keep_input_order() {
        let p = prog("/bin/sh", "cat > /dev/null\nsleep 0.3\necho \"{\\\"y\\\": $CRUCIBLE_CANDIDATE_ID}\"\n");
        let o = oracle_with(&p, &["y"], Duration::from_secs(20), 0, 4);
        let batch: Vec<Request> = (0..8).map(|i| req(100 - i)).collect();
        let t = Instant::now();
        let out = o.evaluate(&batch, &StopFlag::new()).unwrap();
        assert!(t.elapsed() < Duration::from_millis(1800), "took {:?}", t.elapsed());
        let want: Vec<Outcome> = (0..8).map(|i| Outcome::Measured(vec![(100 - i) as f64])).collect();
        assert_eq!(out, want);
    }

    #[test]
    fn stop_flag_starts_nothing() {
        let p = prog("/bin/sh", "touch started\necho '{\"y\": 1}'\n");
        let o = oracle_with(&p, &["y"], Duration::from_secs(20), 0, 2);
        let stop = StopFlag::new();
        stop.stop();
        let out = o.evaluate(&[req(1), req(2), req(3)], &stop).unwrap();
        assert!(out.iter().all(|x| failed(x) == ("interrupted".to_string(), 0)), "{out:?}");
        assert!(!p.dir.path().join("started").exists());
        assert!(o.evaluate(&[], &stop).unwrap().is_empty());
    }

    #[test]
    fn arguments_are_passed_literally_never_through_a_shell() {
        let mut p =
            prog("python3", "import json, sys\nprint(json.dumps({'n': len(sys.argv) - 1, 'args': sys.argv[1:]}))\n");
        let args = ["; touch pwned", "$(touch pwned2)", "a b", "`touch pwned3`", "*", "|| true"];
        p.argv.extend(args.iter().map(|s| s.to_string()));
        p.argv.push("check".into());
        std::fs::write(
            p.dir.path().join("prog"),
            format!(
                "import json, sys\nok = sys.argv[1:-1] == {args:?}\nprint(json.dumps({{'ok': 1.0 if ok else 0.0}}))\n"
            ),
        )
        .unwrap();
        assert_eq!(one(&oracle(&p, &["ok"]), 1), Outcome::Measured(vec![1.0]));
        for f in ["pwned", "pwned2", "pwned3"] {
            assert!(!p.dir.path().join(f).exists(), "{f}");
        }
    }

    #[test]
    fn unusable_commands_are_refused_up_front() {
        let dir = tempfile::tempdir().unwrap();
        let new = |argv: &[&str]| {
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            CommandOracle::new(&spec(&argv, Duration::from_secs(1), 0, 1), vec!["y".into()], dir.path().into())
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let e = new(&["no-such-simulator-xyz", "a"]).unwrap_err();
        assert!(e.contains("command 'no-such-simulator-xyz' not found on PATH"), "{e}");
        let e = new(&["./missing.sh"]).unwrap_err();
        assert!(e.contains("command './missing.sh' not found") && e.contains("missing.sh"), "{e}");
        std::fs::write(dir.path().join("sim.py"), "print(1)\n").unwrap();
        let e = new(&["./sim.py"]).unwrap_err();
        assert!(e.contains("not an executable file") && e.contains("[python3, ./sim.py]"), "{e}");
        assert!(new(&["sh", "-c", "x"]).is_ok());
        let mut s = spec(&["sh".into()], Duration::from_secs(1), 0, 1);
        s.launcher = Launcher::Slurm(Default::default());
        let e = CommandOracle::new(&s, vec![], dir.path().into()).unwrap_err().to_string();
        assert!(e.contains("slurm"), "{e}");
    }

    #[test]
    fn relative_program_runs_in_the_campaign_folder_and_big_output_does_not_block() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("oracles");
        std::fs::create_dir(&sub).unwrap();
        let script = sub.join("sim.sh");
        let body = "#!/bin/sh\nhead -c 300000 /dev/zero | tr '\\0' x >&2\nhead -c 300000 /dev/zero | tr '\\0' y\n\
                    echo\ntest -d oracles && echo '{\"y\": 4}'\n";
        std::fs::write(&script, body).unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let s = spec(&["oracles/sim.sh".into()], Duration::from_secs(20), 0, 1);
        let o = CommandOracle::new(&s, vec!["y".into()], dir.path().into()).unwrap();
        assert_eq!(one(&o, 1), Outcome::Measured(vec![4.0]));
    }

    #[test]
    fn shipped_example_program_answers() {
        let configs = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        let argv = vec!["python3".to_string(), "oracles/alloy_sim.py".to_string()];
        let props = vec!["yield_strength".to_string()];
        let o = CommandOracle::new(&spec(&argv, Duration::from_secs(30), 0, 2), props, configs).unwrap();
        let out = o.evaluate(&[req(1), req(1)], &StopFlag::new()).unwrap();
        let Outcome::Measured(v) = &out[0] else { panic!("{out:?}") };
        assert!(v[0].is_finite() && v[0] > 0.0, "{v:?}");
        assert_eq!(out[0], out[1], "deterministic");
        let o = CommandOracle::new(&spec(&argv, Duration::from_secs(30), 0, 1), vec!["hardness".into()], o.workdir)
            .unwrap();
        let (reason, _) = failed(&one(&o, 1));
        assert!(reason.contains("does not compute 'hardness'"), "{reason}");
    }

    #[test]
    fn helpers() {
        assert_eq!(show_duration(Duration::from_secs(10)), "10s");
        assert_eq!(show_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(show_duration(Duration::from_secs(600)), "10m");
        assert_eq!(clip("abcdef", 3), "abc…");
        let j = request_json(&req(3), &["y".into()], 2);
        assert_eq!(j["inputs"]["passes"], json!(2));
        assert_eq!(j["attempt"], json!(2));
    }
}
