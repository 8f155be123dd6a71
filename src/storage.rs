//! The IndexedDB implementation of the core's [`Store`].
//!
//! One object store `records` (one record per study object, keyed by `kind:uuid`,
//! indexed by study and kind) and one `quarantine`. Every batch is one readwrite
//! transaction over both, so it commits whole or not at all.

use std::cell::RefCell;
use std::rc::Rc;

use fieldkit_core::Timestamp;
use fieldkit_core::storage::store::{PROBE_KEY, QuarantinedRecord, RawRecord, Store, StoreError, WriteOp};
use idb::{
    Database, DatabaseEvent, Factory, IndexParams, KeyPath, ObjectStoreParams, Query, TransactionMode,
    TransactionResult,
};
use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

const DB_VERSION: u32 = 1;
const RECORDS: &str = "records";
const QUARANTINE: &str = "quarantine";

pub struct IdbStore {
    name: String,
    /// The open connection, reopened on demand if the browser closed it (iOS Safari
    /// does so when a tab sleeps).
    db: RefCell<Option<Rc<Database>>>,
}

fn failed(context: &str, e: impl std::fmt::Display) -> StoreError {
    let text = e.to_string();
    if text.contains("QuotaExceeded") || text.contains("quota") {
        StoreError::QuotaExceeded
    } else {
        StoreError::Failed(format!("{context}: {text}"))
    }
}

impl IdbStore {
    /// Opens (creating or upgrading) the database with this name.
    pub async fn open(name: &str) -> Result<IdbStore, StoreError> {
        let store = IdbStore { name: name.to_string(), db: RefCell::new(None) };
        store.connection().await?;
        Ok(store)
    }

    async fn connect(name: &str) -> Result<Database, StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(format!("IndexedDB is missing: {e}")))?;
        let mut request = factory
            .open(name, Some(DB_VERSION))
            .map_err(|e| StoreError::Unavailable(format!("cannot open the database: {e}")))?;
        request.on_upgrade_needed(|event| {
            // Version 1 creates everything; later versions add steps keyed on old_version.
            let Ok(db) = event.database() else { return };
            if !db.store_names().iter().any(|n| n == RECORDS) {
                let mut params = ObjectStoreParams::new();
                params.key_path(Some(KeyPath::new_single("key")));
                if let Ok(records) = db.create_object_store(RECORDS, params) {
                    let _ = records.create_index("study", KeyPath::new_single("study"), Some(IndexParams::new()));
                    let _ = records.create_index("kind", KeyPath::new_single("kind"), Some(IndexParams::new()));
                }
            }
            if !db.store_names().iter().any(|n| n == QUARANTINE) {
                let mut params = ObjectStoreParams::new();
                params.key_path(Some(KeyPath::new_single("key")));
                let _ = db.create_object_store(QUARANTINE, params);
            }
        });
        request.await.map_err(|e| StoreError::Unavailable(format!("cannot open the database: {e}")))
    }

    async fn connection(&self) -> Result<Rc<Database>, StoreError> {
        if let Some(db) = self.db.borrow().as_ref() {
            return Ok(db.clone());
        }
        let db = Rc::new(Self::connect(&self.name).await?);
        *self.db.borrow_mut() = Some(db.clone());
        Ok(db)
    }

    /// Starts a transaction, reconnecting once if the connection was closed under us.
    async fn transaction(&self, mode: TransactionMode) -> Result<web_sys::IdbTransaction, StoreError> {
        for attempt in 0..2 {
            let db = self.connection().await?;
            match db.transaction(&[RECORDS, QUARANTINE], mode) {
                Ok(tx) => return Ok(tx.into()),
                Err(e) if attempt == 0 => {
                    web_sys::console::warn_1(&format!("reopening storage after: {e}").into());
                    *self.db.borrow_mut() = None;
                }
                Err(e) => return Err(failed("cannot start a transaction", e)),
            }
        }
        Err(StoreError::Failed("cannot start a transaction".into()))
    }

    /// Closes the connection, as a browser may do by itself; the next call reopens it.
    pub fn close_connection(&self) {
        if let Some(db) = self.db.borrow().as_ref() {
            db.close();
        }
    }

    /// Deletes the whole database (tests only).
    pub async fn delete_database(name: &str) -> Result<(), StoreError> {
        let factory = Factory::new().map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let request = factory.delete(name).map_err(|e| failed("delete database", e))?;
        request.await.map_err(|e| failed("delete database", e))
    }

    async fn read_all(&self, index: Option<&str>, key: Option<&str>) -> Result<Vec<JsValue>, StoreError> {
        let tx = idb::Transaction::from(self.transaction(TransactionMode::ReadOnly).await?);
        let store = tx.object_store(RECORDS).map_err(|e| failed("read", e))?;
        let query = key.map(|k| Query::Key(JsValue::from_str(k)));
        let values = match index {
            Some(index) => {
                let index = store.index(index).map_err(|e| failed("read", e))?;
                index.get_all(query, None).map_err(|e| failed("read", e))?.await
            }
            None => store.get_all(query, None).map_err(|e| failed("read", e))?.await,
        };
        values.map_err(|e| failed("read", e))
    }
}

fn set(obj: &Object, key: &str, value: JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(key)).ok()?.as_string()
}

/// The property names of a stored record as JS strings, made once per batch rather
/// than five times per record (a study has tens of thousands).
struct Fields {
    key: JsValue,
    kind: JsValue,
    study: JsValue,
    schema: JsValue,
    body: JsValue,
}

impl Fields {
    fn new() -> Fields {
        Fields {
            key: JsValue::from_str("key"),
            kind: JsValue::from_str("kind"),
            study: JsValue::from_str("study"),
            schema: JsValue::from_str("schema"),
            body: JsValue::from_str("body"),
        }
    }

    fn write(&self, r: &RawRecord) -> JsValue {
        let obj = Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &self.key, &r.key.as_str().into());
        let _ = Reflect::set(&obj, &self.kind, &r.kind.as_str().into());
        let _ = Reflect::set(&obj, &self.study, &r.study.as_str().into());
        let _ = Reflect::set(&obj, &self.schema, &r.schema.into());
        let _ = Reflect::set(&obj, &self.body, &r.body.as_str().into());
        obj.into()
    }

    /// Reads a stored value. A value of the wrong shape still comes back as a record
    /// (its whole content as the body) so that decoding fails and quarantines it.
    fn read(&self, value: &JsValue) -> RawRecord {
        let text = |name: &JsValue| Reflect::get(value, name).ok().and_then(|v| v.as_string());
        let body = text(&self.body)
            .unwrap_or_else(|| js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default());
        let schema = Reflect::get(value, &self.schema).ok().and_then(|v| v.as_f64());
        RawRecord {
            key: text(&self.key).unwrap_or_default(),
            kind: text(&self.kind).unwrap_or_default(),
            study: text(&self.study).unwrap_or_default(),
            schema: schema
                .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX) && n.fract() == 0.0)
                .map_or(0, |n| n as u32),
            body,
        }
    }
}

fn record_from_js(value: &JsValue) -> RawRecord {
    Fields::new().read(value)
}

fn quarantined_to_js(q: &QuarantinedRecord) -> JsValue {
    let obj = Object::new();
    set(&obj, "key", q.key.as_str().into());
    set(&obj, "kind", q.kind.as_str().into());
    set(&obj, "study", q.study.as_str().into());
    set(&obj, "schema", q.schema.into());
    set(&obj, "body", q.body.as_str().into());
    set(&obj, "reason", q.reason.as_str().into());
    set(&obj, "quarantined_at", q.quarantined_at.to_string().into());
    obj.into()
}

fn quarantined_from_js(value: &JsValue) -> QuarantinedRecord {
    let r = record_from_js(value);
    QuarantinedRecord {
        key: r.key,
        kind: r.kind,
        study: r.study,
        schema: r.schema,
        body: r.body,
        reason: text(value, "reason").unwrap_or_default(),
        quarantined_at: text(value, "quarantined_at").and_then(|t| Timestamp::parse(&t).ok()).unwrap_or_default(),
    }
}

/// Records queued in one go before a large write lets the page run: each is
/// cloned into the browser as it is queued, about a frame's work for a thousand.
const WRITE_CHUNK: usize = 1_000;

impl Store for IdbStore {
    async fn apply(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        let raw_tx = self.transaction(TransactionMode::ReadWrite).await?;
        let tx = idb::Transaction::from(raw_tx.clone());
        let records = tx.object_store(RECORDS).map_err(|e| failed("save", e))?;
        let quarantine = tx.object_store(QUARANTINE).map_err(|e| failed("save", e))?;
        // Requests are queued synchronously; the transaction commits when they all succeed.
        let mut queued = Ok(());
        let fields = Fields::new();
        let mut since_pause = 0usize;
        for op in &ops {
            let result = match op {
                WriteOp::Put(r) => records.put(&fields.write(r), None).map(Some),
                WriteOp::Delete(key) => records.delete(Query::Key(JsValue::from_str(key))).map(|_| None),
                WriteOp::Quarantine(q) => quarantine
                    .put(&quarantined_to_js(q), None)
                    .and_then(|_| records.delete(Query::Key(JsValue::from_str(&q.key))))
                    .map(|_| None),
                WriteOp::Release(key) => quarantine.delete(Query::Key(JsValue::from_str(key))).map(|_| None),
                WriteOp::PutQuarantined(q) => quarantine.put(&quarantined_to_js(q), None).map(|_| None),
            };
            match result {
                Err(e) => {
                    queued = Err(failed("save", e));
                    break;
                }
                Ok(request) => {
                    since_pause += 1;
                    // A large write (a whole study) waits for one request in every
                    // chunk: its success event is a task of its own, so the page can
                    // run in between, and the transaction stays open across the wait
                    // (still one write, all or nothing).
                    if since_pause >= WRITE_CHUNK
                        && let Some(request) = request
                    {
                        since_pause = 0;
                        if let Err(e) = request.await {
                            queued = Err(failed("save", e));
                            break;
                        }
                    }
                }
            }
        }
        if let Err(e) = queued {
            let _ = raw_tx.abort();
            return Err(e);
        }
        let outcome = tx.commit().map_err(|e| failed("save", e))?.await;
        let abort_reason = || {
            raw_tx
                .error()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "the browser cancelled the save".into())
        };
        match outcome {
            Ok(TransactionResult::Committed) => Ok(()),
            Ok(TransactionResult::Aborted) => Err(failed("save", abort_reason())),
            Err(e) => Err(failed("save", format!("{e} {}", abort_reason()))),
        }
    }

    async fn get(&self, key: &str) -> Result<Option<RawRecord>, StoreError> {
        let tx = idb::Transaction::from(self.transaction(TransactionMode::ReadOnly).await?);
        let store = tx.object_store(RECORDS).map_err(|e| failed("read", e))?;
        let value = store
            .get(Query::Key(JsValue::from_str(key)))
            .map_err(|e| failed("read", e))?
            .await
            .map_err(|e| failed("read", e))?;
        Ok(value.as_ref().map(record_from_js))
    }

    async fn by_study(&self, study: &str) -> Result<Vec<RawRecord>, StoreError> {
        let fields = Fields::new();
        Ok(self.read_all(Some("study"), Some(study)).await?.iter().map(|v| fields.read(v)).collect())
    }

    async fn by_kind(&self, kind: &str) -> Result<Vec<RawRecord>, StoreError> {
        let fields = Fields::new();
        Ok(self.read_all(Some("kind"), Some(kind)).await?.iter().map(|v| fields.read(v)).collect())
    }

    async fn all(&self) -> Result<Vec<RawRecord>, StoreError> {
        let fields = Fields::new();
        Ok(self.read_all(None, None).await?.iter().map(|v| fields.read(v)).collect())
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let tx = idb::Transaction::from(self.transaction(TransactionMode::ReadOnly).await?);
        let store = tx.object_store(QUARANTINE).map_err(|e| failed("read", e))?;
        let values = store.get_all(None, None).map_err(|e| failed("read", e))?.await.map_err(|e| failed("read", e))?;
        Ok(values.iter().map(quarantined_from_js).collect())
    }

    async fn probe(&self) -> Result<(), StoreError> {
        let marker = RawRecord {
            key: PROBE_KEY.into(),
            kind: "meta".into(),
            study: String::new(),
            schema: fieldkit_core::SCHEMA_VERSION,
            body: format!("{{\"probed_at\":{}}}", js_sys::Date::now()),
        };
        self.apply(vec![WriteOp::Put(marker.clone())]).await?;
        match self.get(PROBE_KEY).await? {
            Some(read) if read == marker => Ok(()),
            _ => Err(StoreError::Failed("the write probe could not be read back".into())),
        }
    }
}
