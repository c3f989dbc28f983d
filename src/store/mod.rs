//! The run directory and the candidate log. Owns the on-disk layout of a run, the Parquet
//! schema of the log, atomic writes, the resume checkpoint, typed history reload and the
//! config-hash check on resume. Knows no optimization logic and calls no other module
//! (the campaign loop drives it); with `io/`, the only home of `polars`.
//!
//! # Run directory
//! ```text
//! RUN_DIR/config.yaml                    the config text as run (atomic)
//! RUN_DIR/run.json                       RunInfo: config hash, seed, crucible version, created_at
//! RUN_DIR/candidates/part-000000.parquet one part per appended batch (append-only, atomic)
//! RUN_DIR/checkpoint.json                resume state (serde_json::Value, atomic)
//! RUN_DIR/model/  RUN_DIR/report/  RUN_DIR/shortlist.csv   (written by other modules)
//! ```
//! Every write goes to `<name>.tmp` in the same folder, is fsynced, renamed into place and the
//! folder fsynced, so a crash at any instant leaves the whole file or none of it (plus perhaps a
//! stale `*.tmp`, which [`RunDir::open`] removes and readers never look at). Parts are never
//! overwritten.
//!
//! # Candidate-log columns (one part, in this order)
//! | column | dtype | null? |
//! |---|---|---|
//! | `iteration`, `candidate_id` | UInt64 | no |
//! | `origin` | String | no |
//! | `formula` | String | yes |
//! | one per input (component fraction, parameter), named as in the space | Float64 / Int64 / String per [`Cell`] | no |
//! | `pool_index` | UInt64 | yes |
//! | per property `p`: `p_mean`, `p_std`, `p` | Float64 | yes |
//! | `acquisition` | Float64 | yes |
//! | `feasible` | Boolean | yes |
//! | `status` | String: `proposed` / `evaluated` / `failed` | no |
//! | `failure` | String | yes |
//! | `created_at` | String, RFC 3339 UTC with nanoseconds (`2025-01-02T03:04:05.123456789Z`): exact round trip, fixed width so it sorts as text, no polars datetime feature needed | no |
//! | `config_hash` | String | no |
//! | `model_hash` | String | yes |
//! | `seed` | UInt64 | no |
//!
//! Input and property names must be distinct from each other and from the fixed columns.
//! Later rows with the same `candidate_id` supersede earlier ones ("latest status wins"):
//! [`CandidateLog::latest`] and [`CandidateLog::history`] apply that rule.
//!
//! # Torn parts
//! Each part's footer carries crucible's row count and a SHA-256 of its content (names,
//! dtypes, every value). Before any read, every part is checked: Parquet magic `PAR1` at both
//! ends, a footer length that fits the file, a footer that parses, data pages that decode, and
//! matching row count and checksum. Anything else is [`StoreError::TornPart`] naming the file;
//! no read silently drops a part.

mod atomic;
mod log;
mod row;
mod run_dir;
mod schema;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

pub use log::CandidateLog;
pub use row::{CandidateRow, Cell, PropertyCells, Status};
pub use run_dir::{config_hash, RunDir, RunInfo, RunMeta};

/// Errors of the run directory and candidate log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// What was being done ("write", "rename into place", ...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// `create` on a folder that already holds a run.
    #[error("{path} already holds a crucible run; use --resume to continue it, or choose another --out")]
    AlreadyExists {
        /// The run folder.
        path: PathBuf,
    },
    /// `create` on a folder that holds other files.
    #[error("{path} exists and is not empty (and is not a crucible run); choose another --out")]
    NotEmpty {
        /// The folder.
        path: PathBuf,
    },
    /// `open`/`inspect` on a folder that is not a (complete) run.
    #[error("{path} is not a crucible run directory: {reason}")]
    NotARun {
        /// The folder.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
    /// Resume with a config other than the one the run was created with.
    #[error(
        "{path} was created with config hash {stored}, but the config now hashes to {current}; \
         resume with the original config, or allow the change explicitly"
    )]
    ConfigMismatch {
        /// The run folder.
        path: PathBuf,
        /// Hash in `run.json`.
        stored: String,
        /// Hash of the config given now.
        current: String,
    },
    /// Resume with a seed other than the one the run was created with.
    #[error("{path} was created with seed {stored}, but the seed is now {current}; allow the change explicitly")]
    SeedMismatch {
        /// The run folder.
        path: PathBuf,
        /// Seed in `run.json`.
        stored: u64,
        /// Seed given now.
        current: u64,
    },
    /// A log part that is truncated, torn or corrupt. It is never used; earlier parts are
    /// untouched.
    #[error(
        "{path}: candidate-log part is torn or corrupt ({reason}); it cannot be trusted and was \
         not read; move it out of candidates/ to continue without its rows"
    )]
    TornPart {
        /// The part file.
        path: PathBuf,
        /// What check failed.
        reason: String,
    },
    /// A complete part whose columns do not follow the candidate-log layout.
    #[error("{path}: {reason}")]
    BadPart {
        /// The part file (or the log folder).
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// `append` with rows that are inconsistent within the batch or invalid.
    #[error("cannot append batch: row {row}: {reason}")]
    BadBatch {
        /// Index of the offending row in the batch.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// `append` with no rows (no part is written).
    #[error("cannot append an empty batch")]
    EmptyBatch,
    /// The part about to be written already exists (another writer on the same run?).
    #[error("{path} already exists; log parts are never overwritten (is another crucible writing to this run?)")]
    PartExists {
        /// The part file.
        path: PathBuf,
    },
    /// The checkpoint cannot be written or read back.
    #[error("{path}: checkpoint: {reason}")]
    Checkpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// polars failed while writing or scanning.
    #[error("{path}: {source}")]
    Polars {
        /// The file or folder concerned.
        path: PathBuf,
        /// What polars said.
        source: polars::prelude::PolarsError,
    },
}
