//! Moving a study between devices and programs: the versioned JSON backup and
//! merging another tablet's copy with conflicts to resolve. (REFI-QDA lives in the
//! `fieldkit-interop` crate, whose zip dependency must stay out of this core.)
//!
//! May depend on every feature's model; nothing in the features depends on it.

pub mod backup;
pub mod merge;
