//! Campaigns: the only owner of the loop. [`build`] turns a validated spec into runtime
//! pieces; [`run`] drives ask → record → evaluate → record → tell until a budget, Ctrl-C or an
//! exhausted space stops it.
pub mod budget;
pub mod build;
pub mod lab;
pub mod model;
pub mod run;

use std::path::Path;
use std::time::Duration;

pub use budget::{Budget, Progress, StopReason};
pub use lab::{ingest, suggest, Ingested, Suggestion};
pub use model::ModelEvent;
pub use run::{BatchRecord, BestRow, Observer, RunOptions, Silent, Summary};

use crate::stop::StopFlag;
use crate::store::RunMeta;

/// Errors that end a campaign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// The campaign file.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The design space.
    #[error(transparent)]
    Space(#[from] crate::space::SpaceError),
    /// A data table.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    /// The run directory.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// The oracle.
    #[error(transparent)]
    Oracle(#[from] crate::oracle::OracleError),
    /// The strategy.
    #[error(transparent)]
    Strategy(#[from] crate::strategy::StrategyError),
    /// A setting this version cannot run.
    #[error("{0}")]
    Unsupported(String),
    /// The run directory's log cannot be resumed.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A results file for `ingest` has problems; nothing was recorded.
    #[error("{}: {} problem(s), nothing recorded:\n  {}", path.display(), problems.len(), problems.join("\n  "))]
    Ingest {
        /// The results file.
        path: std::path::PathBuf,
        /// Every problem, with its row number.
        problems: Vec<String>,
    },
}

/// Run (or with `opts.resume`, continue) the campaign in `config`.
pub fn run(
    config: &Path,
    opts: &RunOptions,
    stop: &StopFlag,
    observer: &mut dyn Observer,
) -> Result<Summary, CampaignError> {
    let (comp, loaded) = build::load(config)?;
    let meta = RunMeta { config_hash: loaded.hash.clone(), seed: loaded.spec.seed, name: loaded.spec.name.clone() };
    run::run_loop(comp, meta, &loaded.text, opts, stop, observer)
}

/// `1h 02m 03s`-style duration.
pub fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s / 60) % 60, s % 60) {
        (0, 0, sec) => format!("{:.1}s", d.as_secs_f64().max(sec as f64)),
        (0, m, sec) => format!("{m}m {sec:02}s"),
        (h, m, sec) => format!("{h}h {m:02}m {sec:02}s"),
    }
}
