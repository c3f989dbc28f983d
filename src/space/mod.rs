//! (space: being written.)
pub mod spec;
/// Errors of this module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// Placeholder until the module lands.
    #[error("{0}")]
    Other(String),
}
