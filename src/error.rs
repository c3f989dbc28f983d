//! `crucible::Error`: every module's error, re-wrapped. Formats nothing for the terminal.
use thiserror::Error;

/// Any error crucible's library can return.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A formula or element problem.
    #[error(transparent)]
    Chem(#[from] crate::chem::ChemError),
    /// A design-space problem (infeasible bounds, bad candidate).
    #[error(transparent)]
    Space(#[from] crate::space::SpaceError),
    /// A campaign file problem (all diagnostics at once).
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Reading or writing a data table.
    #[error(transparent)]
    Io(#[from] crate::io::IoError),
    /// The run directory or candidate log.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// An oracle that cannot be used at all.
    #[error(transparent)]
    Oracle(#[from] crate::oracle::OracleError),
    /// A strategy failure.
    #[error(transparent)]
    Strategy(#[from] crate::strategy::StrategyError),
    /// Ranking a run's candidates.
    #[error(transparent)]
    Rank(#[from] crate::rank::RankError),
    /// Writing a run's report.
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    /// The surrogate model.
    #[error(transparent)]
    Surrogate(#[from] crate::surrogate::SurrogateError),
}
