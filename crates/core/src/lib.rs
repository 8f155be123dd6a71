//! fieldkit's domain core: the research data model and every rule about it, with no
//! browser or UI dependency, so it is tested natively with `cargo test`.
//!
//! - [`model`] and [`study`]: studies, cases, participants and the operations on them;
//! - [`backup`]: the versioned JSON backup of a study;
//! - [`store`], [`records`] and [`repo`]: the storage seam and how studies are stored in it;
//! - [`coding_model`], [`coding`], [`sources`], [`retrieval`], [`coding_export`]: the
//!   coding workspace (codebook, coded segments, memos, framework matrix);
//! - [`merge`]: merging another tablet's copy of a study, with conflicts to resolve;
//! - [`demo`]: generated studies for demos and benchmarks; [`summary`]: counts.

pub mod account;
pub mod anchoring;
pub mod backup;
pub mod clock;
pub mod coding;
pub mod coding_export;
pub mod coding_model;
#[cfg(any(test, feature = "contract"))]
pub mod contract;
pub mod demo;
pub mod exports;
pub mod fieldwork;
pub mod interview;
pub mod merge;
pub mod model;
pub mod offsets;
pub mod participant_lock;
pub mod pin;
pub mod protocol;
pub mod records;
pub mod repo;
pub mod sources;
pub mod retrieval;
pub mod store;
pub mod study;
pub mod summary;
pub mod survey;
pub mod survey_builder;
pub mod survey_export;
pub mod survey_model;
pub mod transcript;
pub mod validate;

/// The version of the stored record format. Bump it with a migration in [`records`].
pub const SCHEMA_VERSION: u32 = 1;

pub use backup::{Backup, BackupError};
pub use clock::{Date, Timestamp};
pub use coding::{Applied, CodeDeletionImpact, CodeField, CodingEdit, Snapshot};
// `Memo` stays at `coding_model::Memo`: at the root it would clash with `leptos::prelude::Memo` in the app.
pub use coding_model::{Anchor, Code, Coding, MatrixCell, MatrixColumn, MatrixRow, MemoTarget, Segment};
pub use sources::{SourceFilter, SourceInfo, SourceKind, SourceRef};
pub use fieldwork::*;
pub use interview::{Coverage, CoverageRow, DocumentEdit, InterviewEdit, NewInterview, Slot};
pub use model::*;
pub use repo::{Loaded, RecordProblem, Repo, RepoError, StudyList, StudyListing};
pub use store::{MemoryStore, Store, StoreError};
pub use study::{CaseEdit, DeletionImpact, ObjectRef, ParticipantEdit, StudyData, StudyEdit};
pub use summary::Summary;
pub use survey_model::*;
pub use validate::ValidationError;
