//! (io: being written.)

/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// Placeholder until the module lands.
    #[error("{0}")]
    Other(String),
}
