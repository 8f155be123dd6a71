//! fieldkit's domain core: the research data model and every rule about it, with no
//! browser or UI dependency, so it is tested natively with `cargo test`.
//!
//! Organised by feature (see ARCHITECTURE.md at the repository root):
//!
//! - [`study`]: studies, cases, participants, roles, validation, and [`StudyData`];
//! - [`fieldwork`]: protocols, interviews and focus groups, transcripts, documents,
//!   member-check accounts, coverage;
//! - [`surveys`]: stakeholder surveys, responses, participant mode, their exports;
//! - [`coding`]: codebook, coded segments, memos, framework matrix, retrieval, exports;
//! - [`exchange`]: the JSON backup and merging another tablet's copy;
//! - [`storage`]: the storage seam, records and migrations, the contract suite;
//! - [`protection`]: encryption at rest (keyring, sealed store, rewrites) and encrypted backups;
//! - shared: [`clock`] (time is passed in, never read), [`offsets`] (code points),
//!   [`tabular`] (formula-safe cells, workbooks as data); and on top of it all
//!   [`demo`] (generated studies) and [`summary`] (counts); [`sync`] (a study as
//!   documents of a team's CouchDB database) sits beside `exchange`.

pub mod clock;
pub mod coding;
pub mod demo;
pub mod exchange;
pub mod fieldwork;
pub mod offsets;
pub mod protection;
pub mod report;
pub mod storage;
pub mod study;
pub mod summary;
pub mod surveys;
pub mod sync;
pub mod tabular;

/// The version of the stored record format. Bump it with a migration in
/// [`storage::records`].
pub const SCHEMA_VERSION: u32 = 1;

// Deliberately few re-exports: the objects nearly every screen and crate handles.
// Everything else is reached through its feature (`fieldkit_core::surveys::…`).
pub use clock::{Date, Timestamp};
pub use study::validate::ValidationError;
pub use study::{ObjectRef, StudyData};
