//! The one integration-test binary: real `crucible` subprocesses on real files, a temp
//! directory per test.
mod architecture;
mod bad_input;
mod campaign;
mod cli;
mod evo;
mod lab;
mod report;
mod screening;
mod slurm;
mod surrogate_cli;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (configs/ and data/ live there).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the crucible binary with `args` in `dir`.
pub fn crucible(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crucible")).args(args).current_dir(dir).output().expect("spawn crucible")
}

/// stdout + stderr as one string, for assertion messages.
pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// Write `body` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

/// A copy of the bundled steels as a pool file in `dir` (so tests never touch the repo's data).
pub fn steels_pool(dir: &Path, rows: usize) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("data/matbench/steels_yield.csv")).unwrap();
    let body: Vec<&str> = text.lines().take(rows + 1).collect();
    write(dir, "steels.csv", &(body.join("\n") + "\n"))
}

/// Start `crucible run CONFIG --out OUT -q` in `dir`, SIGKILL it after `delay_ms`, then run it
/// to the end: `--resume` when the run directory was created, else from scratch. Returns
/// whether the kill landed before the run finished (the process did not exit successfully).
pub fn kill_then_finish(dir: &Path, config: &str, out: &str, delay_ms: u64) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crucible"))
        .args(["run", config, "--out", out, "-q"])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = child.kill(); // SIGKILL
    let killed = !child.wait().unwrap().success();
    let o = if dir.join(out).join("config.yaml").exists() {
        crucible(dir, &["run", config, "--resume", "--out", out, "-q"])
    } else {
        crucible(dir, &["run", config, "--out", out, "-q"])
    };
    assert!(o.status.success(), "{config} after a kill at {delay_ms} ms: {}", text(&o));
    killed
}
