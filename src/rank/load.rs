//! Opening a finished (or running) campaign read-only: its log and its validated campaign.
use std::path::{Path, PathBuf};

use super::RankError;
use crate::config::spec::CampaignSpec;
use crate::store::{CandidateRow, RunDir};

/// A run opened for ranking or reporting: nothing in it is changed.
#[derive(Debug)]
pub struct RunView {
    /// The run directory (opened with [`RunDir::inspect`]).
    pub run: RunDir,
    /// The campaign, validated.
    pub spec: CampaignSpec,
    /// The campaign file the spec came from.
    pub config_path: PathBuf,
    /// The latest row of every candidate, in `candidate_id` order.
    pub rows: Vec<CandidateRow>,
}

/// Open `run_dir` read-only. The campaign comes from `config` when given (validated as
/// `crucible run` would), else from the run's own `RUN_DIR/config.yaml`.
///
/// The stored copy names input files (pool, data, checkpoint) relative to the campaign
/// file's original folder; validation needs them to exist, so the folders tried as that base
/// are, in order: the folder recorded in the run's checkpoint (`config_dir`), the run
/// directory, each of its ancestors, then the working directory. If none works, the error is the one for the run directory's
/// parent (the usual layout: the campaign file next to its `output.dir`) with a hint to pass
/// the original campaign file.
pub fn open_run(run_dir: &Path, config: Option<&Path>) -> Result<RunView, RankError> {
    let run = RunDir::inspect(run_dir)?;
    let (spec, config_path) = match config {
        Some(path) => {
            let loaded = crate::config::load(path).map_err(|source| RankError::Config {
                path: path.to_path_buf(),
                hint: String::new(),
                source,
            })?;
            (loaded.spec, path.to_path_buf())
        }
        None => {
            let path = run.config_path();
            let text = std::fs::read_to_string(&path).map_err(|source| RankError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            // The campaign file's folder, as recorded by the run's checkpoint, is tried first.
            let recorded = run
                .load_checkpoint()
                .ok()
                .flatten()
                .and_then(|c| c.get("config_dir").and_then(|d| d.as_str()).map(PathBuf::from));
            (stored_spec(&text, &path, run_dir, recorded)?, path)
        }
    };
    let rows = run.log().history()?;
    Ok(RunView { run, spec, config_path, rows })
}

fn stored_spec(text: &str, path: &Path, run_dir: &Path, recorded: Option<PathBuf>) -> Result<CampaignSpec, RankError> {
    let label = path.display().to_string();
    if let Some(dir) = recorded.filter(|d| d.is_dir()) {
        if let Ok(spec) = crate::config::parse_str(text, &label, &dir) {
            return Ok(spec);
        }
    }
    let abs = std::path::absolute(run_dir).unwrap_or_else(|_| run_dir.to_path_buf());
    let mut bases: Vec<PathBuf> = abs.ancestors().map(Path::to_path_buf).collect();
    if let Ok(cwd) = std::env::current_dir() {
        bases.push(cwd);
    }
    let mut errors = Vec::new();
    for base in &bases {
        match crate::config::parse_str(text, &label, base) {
            Ok(spec) => return Ok(spec),
            Err(e) => errors.push(e),
        }
    }
    // errors[1] is the run directory's parent.
    let source = if errors.len() > 1 { errors.swap_remove(1) } else { errors.pop().expect("one base at least") };
    Err(RankError::Config {
        path: path.to_path_buf(),
        hint: " (input files are resolved against the original campaign file's folder; pass that file with \
               --config)"
            .into(),
        source,
    })
}
