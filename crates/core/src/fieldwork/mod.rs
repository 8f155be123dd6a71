//! Fieldwork: interview protocols and their versions, running interviews and focus
//! groups, transcripts, documents and site-visit notes, member-check accounts, the
//! coverage grid, and the interviews CSV.
//!
//! May depend on `study`, `clock`, `tabular`, and on `coding` only to keep coded
//! segments on their words when fieldwork text is edited.

pub mod account;
pub mod export;
pub mod interview;
mod model;
pub mod protocol;
pub mod transcript;

pub use interview::{Coverage, CoverageRow, DocumentEdit, InterviewEdit, NewInterview, Slot};
pub use model::*;
