//! The storage seam: one [`Store`] trait over a flat set of records, one record per
//! object, written in atomic batches. [`MemoryStore`] implements it here; the app
//! implements it over IndexedDB. Both pass the same contract suite (`contract`).

use std::cell::RefCell;
use std::collections::BTreeMap;

use thiserror::Error;

use crate::clock::Timestamp;

/// One stored object, as the store sees it: keys and an opaque JSON body.
/// Decoding happens above the store so a bad body can be quarantined, not lost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord {
    /// `"{kind}:{uuid}"`, unique across the store.
    pub key: String,
    pub kind: String,
    /// The study this record belongs to (a study record names itself).
    pub study: String,
    /// The record schema version the body was written with.
    pub schema: u32,
    pub body: String,
}

/// A record set aside because it could not be read; kept byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuarantinedRecord {
    pub key: String,
    pub kind: String,
    pub study: String,
    pub schema: u32,
    pub body: String,
    pub reason: String,
    pub quarantined_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOp {
    Put(RawRecord),
    Delete(String),
    /// Moves a record from the live set into quarantine, in the same transaction.
    Quarantine(QuarantinedRecord),
    /// Removes a record from quarantine (after the user saved or discarded it).
    Release(String),
    /// Replaces a quarantined record's stored form (sealing or unsealing it) without
    /// touching the live record of the same key, if there is one.
    PutQuarantined(QuarantinedRecord),
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum StoreError {
    #[error(
        "The device's storage is full, so the last change was not saved. Everything saved before is intact. \
         Free some space (export and delete an old study, or clear other sites' data) and try again."
    )]
    QuotaExceeded,
    #[error("Browser storage is not available here: {0}")]
    Unavailable(String),
    #[error("Saving failed: {0}")]
    Failed(String),
}

/// A key–value store of records with atomic batches. Futures need not be `Send`:
/// in the browser everything runs on one thread.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Applies every op or none of them.
    async fn apply(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;
    async fn get(&self, key: &str) -> Result<Option<RawRecord>, StoreError>;
    /// Every live record of one study.
    async fn by_study(&self, study: &str) -> Result<Vec<RawRecord>, StoreError>;
    /// Every live record of one kind, across studies.
    async fn by_kind(&self, kind: &str) -> Result<Vec<RawRecord>, StoreError>;
    /// Every live record of the device (turning protection on or off).
    async fn all(&self) -> Result<Vec<RawRecord>, StoreError>;
    async fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, StoreError>;
    /// Writes and reads back a marker, proving the store works before the user types.
    async fn probe(&self) -> Result<(), StoreError>;
}

/// Where the write probe leaves its marker.
pub const PROBE_KEY: &str = "meta:probe";

#[derive(Default, Debug, Clone)]
struct MemoryState {
    records: BTreeMap<String, RawRecord>,
    quarantine: BTreeMap<String, QuarantinedRecord>,
}

impl MemoryState {
    fn bytes(&self) -> usize {
        self.records.values().map(|r| r.body.len() + r.key.len()).sum::<usize>()
            + self.quarantine.values().map(|q| q.body.len() + q.key.len()).sum::<usize>()
    }
}

/// The in-memory store: used by native tests, the CLI and as the model for IndexedDB.
#[derive(Default, Debug)]
pub struct MemoryStore {
    state: RefCell<MemoryState>,
    /// Optional size limit in bytes, to exercise the quota path.
    quota: Option<usize>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that refuses writes once its contents would exceed `bytes`.
    pub fn with_quota(bytes: usize) -> Self {
        MemoryStore { state: RefCell::default(), quota: Some(bytes) }
    }

    pub fn len(&self) -> usize {
        self.state.borrow().records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Puts a record in directly, bypassing checks: for tests that need a damaged record.
    pub fn insert_raw(&self, record: RawRecord) {
        self.state.borrow_mut().records.insert(record.key.clone(), record);
    }
}

impl Store for MemoryStore {
    async fn apply(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        // Work on a copy and swap it in only when every op succeeded: all or nothing.
        let mut next = self.state.borrow().clone();
        for op in ops {
            match op {
                WriteOp::Put(r) => {
                    next.records.insert(r.key.clone(), r);
                }
                WriteOp::Delete(key) => {
                    next.records.remove(&key);
                }
                WriteOp::Quarantine(q) => {
                    next.records.remove(&q.key);
                    next.quarantine.insert(q.key.clone(), q);
                }
                WriteOp::Release(key) => {
                    next.quarantine.remove(&key);
                }
                WriteOp::PutQuarantined(q) => {
                    next.quarantine.insert(q.key.clone(), q);
                }
            }
        }
        if self.quota.is_some_and(|quota| next.bytes() > quota) {
            return Err(StoreError::QuotaExceeded);
        }
        *self.state.borrow_mut() = next;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<RawRecord>, StoreError> {
        Ok(self.state.borrow().records.get(key).cloned())
    }

    async fn by_study(&self, study: &str) -> Result<Vec<RawRecord>, StoreError> {
        Ok(self.state.borrow().records.values().filter(|r| r.study == study).cloned().collect())
    }

    async fn by_kind(&self, kind: &str) -> Result<Vec<RawRecord>, StoreError> {
        Ok(self.state.borrow().records.values().filter(|r| r.kind == kind).cloned().collect())
    }

    async fn all(&self) -> Result<Vec<RawRecord>, StoreError> {
        Ok(self.state.borrow().records.values().cloned().collect())
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, StoreError> {
        Ok(self.state.borrow().quarantine.values().cloned().collect())
    }

    async fn probe(&self) -> Result<(), StoreError> {
        let marker = RawRecord {
            key: PROBE_KEY.into(),
            kind: "meta".into(),
            study: String::new(),
            schema: crate::SCHEMA_VERSION,
            body: "{}".into(),
        };
        self.apply(vec![WriteOp::Put(marker.clone())]).await?;
        match self.get(PROBE_KEY).await? {
            Some(read) if read == marker => Ok(()),
            _ => Err(StoreError::Failed("the write probe could not be read back".into())),
        }
    }
}

/// Drives a future that never waits (the memory store's) to completion, without
/// an async runtime. Returns None if the future did wait.
pub fn block_on_ready<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => None,
    }
}
