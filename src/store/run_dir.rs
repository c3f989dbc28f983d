//! The run directory: layout, `run.json` identity, the config-hash check on resume, and the
//! resume checkpoint.
use std::fs;
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::atomic::{io_err, remove_stale_tmps, sync_dir, write_bytes_atomic};
use super::log::CandidateLog;
use super::schema::format_time;
use super::StoreError;

const CONFIG_FILE: &str = "config.yaml";
const RUN_FILE: &str = "run.json";
const CHECKPOINT_FILE: &str = "checkpoint.json";
const MODEL_RECORD_FILE: &str = "model-trained-on.json";
const CANDIDATES_DIR: &str = "candidates";

/// What the caller knows about the run it is starting or resuming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMeta {
    /// Hash of the campaign config as run (see [`config_hash`] for the recommended one).
    pub config_hash: String,
    /// The campaign seed.
    pub seed: u64,
    /// The campaign name.
    pub name: String,
}

/// The identity of a run, as stored in `RUN_DIR/run.json` when it was created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// Layout version of the run directory (1).
    pub format: u32,
    /// Campaign name.
    pub name: String,
    /// Config hash the run was created with.
    pub config_hash: String,
    /// Campaign seed.
    pub seed: u64,
    /// Version of crucible that created the run.
    pub crucible_version: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
}

/// SHA-256 (lowercase hex) of the config text: the recommended [`RunMeta::config_hash`].
pub fn config_hash(config_text: &str) -> String {
    Sha256::digest(config_text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// A run directory: `config.yaml`, `run.json`, `candidates/part-*.parquet`, `checkpoint.json`,
/// `model/`, `report/`, `shortlist.csv`.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    info: RunInfo,
    log: CandidateLog,
    stale_tmp_removed: usize,
}

impl RunDir {
    /// Create a new run directory (the folder may exist but must be empty). Writes
    /// `config.yaml` (the config text as run) and then `run.json` (config hash, seed, crucible
    /// version, created_at), each atomically; `run.json` last, so it marks a complete creation.
    ///
    /// Errors: [`StoreError::AlreadyExists`] if the folder already holds a run,
    /// [`StoreError::NotEmpty`] if it holds anything else.
    pub fn create(path: &Path, config_text: &str, meta: &RunMeta) -> Result<RunDir, StoreError> {
        if path.exists() {
            let mut entries = fs::read_dir(path).map_err(io_err("list", path))?;
            if path.join(RUN_FILE).exists() || path.join(CONFIG_FILE).exists() || path.join(CANDIDATES_DIR).exists() {
                return Err(StoreError::AlreadyExists { path: path.to_path_buf() });
            }
            if entries.next().is_some() {
                return Err(StoreError::NotEmpty { path: path.to_path_buf() });
            }
        }
        fs::create_dir_all(path).map_err(io_err("create folder", path))?;
        write_bytes_atomic(&path.join(CONFIG_FILE), config_text.as_bytes())?;
        let log = CandidateLog::open(path.join(CANDIDATES_DIR))?;
        let info = RunInfo {
            format: 1,
            name: meta.name.clone(),
            config_hash: meta.config_hash.clone(),
            seed: meta.seed,
            crucible_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: format_time(&Utc::now()),
        };
        let json = serde_json::to_vec_pretty(&info).expect("RunInfo serialises");
        write_bytes_atomic(&path.join(RUN_FILE), &json)?;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
        Ok(RunDir { path: path.to_path_buf(), info, log, stale_tmp_removed: 0 })
    }

    /// Open an existing run to resume it. If the stored config hash (or seed) differs from
    /// `meta`, the result is [`StoreError::ConfigMismatch`] naming both hashes (or
    /// [`StoreError::SeedMismatch`]) unless `allow_changed` is true; `run.json` keeps the
    /// original values either way (rows carry their own `config_hash`). Removes stale `*.tmp`
    /// leftovers of crashed writes; [`RunDir::stale_tmp_removed`] says how many.
    pub fn open(path: &Path, meta: &RunMeta, allow_changed: bool) -> Result<RunDir, StoreError> {
        let info = read_info(path)?;
        if !allow_changed {
            if info.config_hash != meta.config_hash {
                return Err(StoreError::ConfigMismatch {
                    path: path.to_path_buf(),
                    stored: info.config_hash,
                    current: meta.config_hash.clone(),
                });
            }
            if info.seed != meta.seed {
                return Err(StoreError::SeedMismatch {
                    path: path.to_path_buf(),
                    stored: info.seed,
                    current: meta.seed,
                });
            }
        }
        let removed = remove_stale_tmps(path)? + remove_stale_tmps(&path.join(CANDIDATES_DIR))?;
        let log = CandidateLog::open(path.join(CANDIDATES_DIR))?;
        Ok(RunDir { path: path.to_path_buf(), info, log, stale_tmp_removed: removed })
    }

    /// Open an existing run read-only (for `rank`, `report`, `ingest` before the config is
    /// known): no config check, nothing removed or written. Reads still validate every part.
    pub fn inspect(path: &Path) -> Result<RunDir, StoreError> {
        let info = read_info(path)?;
        let candidates = path.join(CANDIDATES_DIR);
        if !candidates.is_dir() {
            return Err(StoreError::NotARun { path: path.to_path_buf(), reason: "no candidates/ folder".into() });
        }
        let log = CandidateLog::open(candidates)?;
        Ok(RunDir { path: path.to_path_buf(), info, log, stale_tmp_removed: 0 })
    }

    /// The run folder.
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// What `run.json` says (the values at creation).
    pub fn info(&self) -> &RunInfo {
        &self.info
    }
    /// How many stale `*.tmp` files [`RunDir::open`] removed (0 for create and inspect).
    pub fn stale_tmp_removed(&self) -> usize {
        self.stale_tmp_removed
    }
    /// `RUN_DIR/config.yaml`: the config text as run.
    pub fn config_path(&self) -> PathBuf {
        self.path.join(CONFIG_FILE)
    }
    /// `RUN_DIR/model/`: the fine-tuned surrogate (not created here).
    pub fn model_dir(&self) -> PathBuf {
        self.path.join("model")
    }
    /// `RUN_DIR/report/`: plots and summary (not created here).
    pub fn report_dir(&self) -> PathBuf {
        self.path.join("report")
    }
    /// `RUN_DIR/shortlist.csv`.
    pub fn shortlist_path(&self) -> PathBuf {
        self.path.join("shortlist.csv")
    }
    /// `RUN_DIR/checkpoint.json`.
    pub fn checkpoint_path(&self) -> PathBuf {
        self.path.join(CHECKPOINT_FILE)
    }
    /// The candidate log.
    pub fn log(&self) -> &CandidateLog {
        &self.log
    }

    /// Save the resume checkpoint atomically (write `checkpoint.json.tmp`, fsync, rename,
    /// fsync folder): a crash leaves the previous checkpoint or the new one, never a mix.
    pub fn save_checkpoint(&self, state: &serde_json::Value) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(state)
            .map_err(|e| StoreError::Checkpoint { path: self.checkpoint_path(), reason: e.to_string() })?;
        write_bytes_atomic(&self.checkpoint_path(), &json)
    }

    /// `RUN_DIR/model-trained-on.json`: how many measurements the model in `RUN_DIR/model/`
    /// was trained on, when the campaign re-trains it during the run (`surrogate.retrain_every`).
    pub fn model_record_path(&self) -> PathBuf {
        self.path.join(MODEL_RECORD_FILE)
    }

    /// Record that the model now in `RUN_DIR/model/` was trained on `measurements` measured
    /// rows (written after the model is installed: a crash in between leaves the old record,
    /// and the resumed run trains the same model again).
    pub fn save_model_record(&self, measurements: usize) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(&serde_json::json!({ "measurements": measurements }))
            .map_err(|e| StoreError::Checkpoint { path: self.model_record_path(), reason: e.to_string() })?;
        write_bytes_atomic(&self.model_record_path(), &json)
    }

    /// The measurements the installed model was trained on, per [`RunDir::save_model_record`];
    /// `None` when no record was written (or it cannot be read: then the model is re-trained).
    pub fn model_record(&self) -> Option<usize> {
        let bytes = fs::read(self.model_record_path()).ok()?;
        let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
        v.get("measurements")?.as_u64().map(|n| n as usize)
    }

    /// The last saved checkpoint, or `None` if none was ever saved.
    pub fn load_checkpoint(&self) -> Result<Option<serde_json::Value>, StoreError> {
        let path = self.checkpoint_path();
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &path)(e)),
        };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| StoreError::Checkpoint { path, reason: e.to_string() })
    }
}

fn read_info(path: &Path) -> Result<RunInfo, StoreError> {
    let not_run = |reason: String| StoreError::NotARun { path: path.to_path_buf(), reason };
    if !path.is_dir() {
        return Err(not_run("no such folder".into()));
    }
    let file = path.join(RUN_FILE);
    let bytes = match fs::read(&file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_run("no run.json (not a crucible run, or its creation was interrupted)".into()))
        }
        Err(e) => return Err(io_err("read", &file)(e)),
    };
    serde_json::from_slice(&bytes).map_err(|e| not_run(format!("run.json is unreadable: {e}")))
}
