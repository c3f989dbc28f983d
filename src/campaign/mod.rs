//! (campaign: being written.)
