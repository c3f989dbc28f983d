//! The stop flag shared by the campaign loop, the oracles and the Ctrl-C handler.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Set once, by Ctrl-C/SIGTERM or a budget: work in flight finishes, nothing new starts.
#[derive(Debug, Clone, Default)]
pub struct StopFlag(Arc<AtomicBool>);

impl StopFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }
    /// Ask everything holding a clone of this flag to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// Whether a stop was asked for.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
