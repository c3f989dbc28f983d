//! (oracle: being written.)

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OracleError {
    /// Placeholder until the module lands.
    #[error("{0}")]
    Other(String),
}
