//! Stakeholder surveys: the instrument (pages, typed questions, skip logic, English
//! and Welsh), versions, responses and corrections, the builder's helpers,
//! participant mode's lock and PIN, and the response exports.
//!
//! May depend on `study`, `clock`, `tabular`, `storage::store` (the lock and PIN
//! records), and on `coding` only to re-anchor segments on edited answers.

pub mod builder;
pub mod export;
mod model;
pub mod participant_lock;
pub mod pin;
mod rules;

pub use model::*;
pub use rules::*;
