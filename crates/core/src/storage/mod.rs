//! The storage seam: the [`Store`] trait over flat records with atomic batches, the
//! in-memory store, how each object becomes a record (schema versions, migrations,
//! quarantine), [`Repo`] for whole studies, and the contract every store must pass.
//!
//! May depend on every feature's model; the features depend only on `store`.

#[cfg(any(test, feature = "contract"))]
pub mod contract;
pub mod records;
pub mod repo;
pub mod store;

pub use repo::{Loaded, RecordProblem, Repo, RepoError, StudyAssembler, StudyList, StudyListing};
pub use store::{MemoryStore, Store, StoreError};
