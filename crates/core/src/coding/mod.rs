//! Thematic coding: the codebook, coded segments on code-point offsets, memos, the
//! framework matrix, undoable edits, keeping segments on their words when text
//! changes, the sources that can be coded, retrieval and counts, and the exports.
//!
//! Reads every feature's text through [`sources`]; may depend on `study`,
//! `fieldwork`, `surveys` (their model types), `clock`, `offsets` and `tabular`.

pub mod agreement;
pub mod anchoring;
pub mod charts;
pub mod codebook;
pub mod composed;
pub mod cooccurrence;
pub mod crosstab;
mod edit;
pub mod export;
pub mod history;
pub mod index;
mod model;
pub mod retrieval;
pub mod search;
pub mod sources;

pub use codebook::{CodeDeletionImpact, check_code_colour};
pub use edit::{Applied, CodeField, CodingEdit, Snapshot};
pub use history::CodingHistory;
pub use model::*;
pub use search::{SearchHit, SearchIndex, SearchResults};
