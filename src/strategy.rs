//! (strategy: being written.)
/// Errors of a strategy.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrategyError {
    /// Placeholder.
    #[error("{0}")]
    Other(String),
}
