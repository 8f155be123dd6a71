//! [`SealedStore`]: any [`Store`] with every record body encrypted at rest.
//!
//! A sealed body is the text [`SEALED_PREFIX`] followed by base64 of
//! `nonce (12 bytes) ‖ AES-256-GCM ciphertext ‖ tag (16 bytes)`. The associated data
//! binds the record's clear fields (key, kind, study, schema), so a body cannot be
//! moved to another record, study or schema version without failing to open.
//!
//! What stays in clear is what the indexes need: the key, the kind, the study id and
//! the schema version, plus two records that hold nothing typed (the keyring and the
//! write probe). A body that fails to open is handed up exactly as stored; decoding
//! then fails and the record is quarantined byte for byte (see `records::decode`).

use std::cell::RefCell;
use std::rc::Rc;

use thiserror::Error;

use crate::protection::b64;
use crate::protection::keyring::KEYRING_KEY;
use crate::storage::store::{PROBE_KEY, QuarantinedRecord, RawRecord, Store, StoreError, WriteOp};

/// How every sealed body starts. Never valid JSON, so a sealed body that could not be
/// opened can never be mistaken for a record.
pub const SEALED_PREFIX: &str = "fieldkit-sealed/1:";

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CryptoError {
    #[error("the data could not be decrypted: the key is wrong or the data was altered")]
    Authentication,
    #[error("the encryption failed: {0}")]
    Failed(String),
}

/// Authenticated encryption with the data key, from outside the core.
#[allow(async_fn_in_trait)]
pub trait Cipher {
    /// Encrypts each plaintext with its associated data under a fresh random nonce,
    /// returning `nonce ‖ ciphertext ‖ tag` for each, in order.
    async fn seal_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<Vec<u8>>, CryptoError>;
    /// Decrypts each `nonce ‖ ciphertext ‖ tag` with its associated data; one result per
    /// item, so one damaged record does not hide the others.
    async fn open_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<Result<Vec<u8>, CryptoError>>;
}

pub fn is_sealed(body: &str) -> bool {
    body.starts_with(SEALED_PREFIX)
}

/// Records that stay in clear: they hold nothing a person typed, and the keyring
/// must be readable before anything can be unlocked.
pub fn stays_clear(key: &str) -> bool {
    key == KEYRING_KEY || key == PROBE_KEY
}

/// The associated data of a record: every clear field, so none can be swapped.
pub fn associated_data(key: &str, kind: &str, study: &str, schema: u32) -> Vec<u8> {
    format!("fieldkit-record/1\n{key}\n{kind}\n{study}\n{schema}").into_bytes()
}

fn aad_of(r: &RawRecord) -> Vec<u8> {
    associated_data(&r.key, &r.kind, &r.study, r.schema)
}

fn aad_of_quarantined(q: &QuarantinedRecord) -> Vec<u8> {
    associated_data(&q.key, &q.kind, &q.study, q.schema)
}

/// The sealed body text of `nonce ‖ ciphertext ‖ tag`.
pub fn sealed_body(sealed: &[u8]) -> String {
    format!("{SEALED_PREFIX}{}", b64::encode(sealed))
}

/// The bytes of a sealed body, or None if it is not one (or not valid base64).
pub fn sealed_bytes(body: &str) -> Option<Vec<u8>> {
    b64::decode(body.strip_prefix(SEALED_PREFIX)?).ok()
}

/// Seals the bodies of some records (those not yet sealed and not kept clear).
pub async fn seal_records<C: Cipher>(cipher: &C, records: &mut [RawRecord]) -> Result<(), CryptoError> {
    let todo: Vec<usize> =
        (0..records.len()).filter(|&i| !stays_clear(&records[i].key) && !is_sealed(&records[i].body)).collect();
    if todo.is_empty() {
        return Ok(());
    }
    let items = todo.iter().map(|&i| (aad_of(&records[i]), records[i].body.as_bytes().to_vec())).collect();
    let sealed = cipher.seal_all(items).await?;
    if sealed.len() != todo.len() {
        return Err(CryptoError::Failed("the cipher returned the wrong number of results".into()));
    }
    for (i, bytes) in todo.into_iter().zip(sealed) {
        records[i].body = sealed_body(&bytes);
    }
    Ok(())
}

/// Records opened per call to the cipher: bounds the memory of a whole study's load
/// (ciphertext, its decoded bytes and the text are alive together only per batch).
const OPEN_BATCH: usize = 2_000;

/// Opens the sealed bodies of some records in place, a batch at a time. A body that
/// does not open is left exactly as stored; returns how many did not.
pub async fn open_records<C: Cipher>(cipher: &C, records: &mut [RawRecord]) -> usize {
    let sealed: Vec<usize> = (0..records.len()).filter(|&i| is_sealed(&records[i].body)).collect();
    let mut failed = 0;
    for batch in sealed.chunks(OPEN_BATCH) {
        let mut todo = Vec::with_capacity(batch.len());
        let mut items = Vec::with_capacity(batch.len());
        for &i in batch {
            match sealed_bytes(&records[i].body) {
                Some(bytes) => {
                    todo.push(i);
                    items.push((aad_of(&records[i]), bytes));
                }
                None => failed += 1,
            }
        }
        if todo.is_empty() {
            continue;
        }
        let opened = cipher.open_all(items).await;
        for (i, result) in todo.into_iter().zip(opened) {
            match result.ok().and_then(|plain| String::from_utf8(plain).ok()) {
                Some(text) => records[i].body = text,
                None => failed += 1,
            }
        }
    }
    failed
}

/// A [`Store`] that seals every body it writes once a cipher is set, and opens every
/// sealed body it reads. Without a cipher it passes records through unchanged (a
/// sealed body then fails to decode and is quarantined, never read as empty).
pub struct SealedStore<S, C> {
    inner: S,
    cipher: RefCell<Option<Rc<C>>>,
}

impl<S: Store, C: Cipher> SealedStore<S, C> {
    pub fn new(inner: S, cipher: Option<C>) -> Self {
        SealedStore { inner, cipher: RefCell::new(cipher.map(Rc::new)) }
    }

    /// The store underneath, where bodies are as stored.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Starts (Some) or stops (None) sealing what is written from now on.
    pub fn set_cipher(&self, cipher: Option<C>) {
        *self.cipher.borrow_mut() = cipher.map(Rc::new);
    }

    pub fn cipher(&self) -> Option<Rc<C>> {
        self.cipher.borrow().clone()
    }

    pub fn is_sealing(&self) -> bool {
        self.cipher.borrow().is_some()
    }

    async fn opened(&self, mut records: Vec<RawRecord>) -> Vec<RawRecord> {
        if let Some(cipher) = self.cipher() {
            open_records(cipher.as_ref(), &mut records).await;
        }
        records
    }
}

impl<S: Store, C: Cipher> Store for SealedStore<S, C> {
    async fn apply(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let Some(cipher) = self.cipher() else { return self.inner.apply(ops).await };
        // Gather every body to seal, seal them in one call, then put them back in order.
        let mut items = Vec::new();
        for op in &ops {
            match op {
                WriteOp::Put(r) if !stays_clear(&r.key) && !is_sealed(&r.body) => {
                    items.push((aad_of(r), r.body.as_bytes().to_vec()))
                }
                WriteOp::Quarantine(q) | WriteOp::PutQuarantined(q) if !is_sealed(&q.body) => {
                    items.push((aad_of_quarantined(q), q.body.as_bytes().to_vec()))
                }
                _ => {}
            }
        }
        let expected = items.len();
        let mut sealed = cipher.seal_all(items).await.map_err(|e| StoreError::Failed(e.to_string()))?.into_iter();
        if sealed.len() != expected {
            return Err(StoreError::Failed("the cipher returned the wrong number of results".into()));
        }
        let mut next = || sealed.next().map(|b| sealed_body(&b)).unwrap_or_default();
        let ops = ops
            .into_iter()
            .map(|op| match op {
                WriteOp::Put(mut r) if !stays_clear(&r.key) && !is_sealed(&r.body) => {
                    r.body = next();
                    WriteOp::Put(r)
                }
                WriteOp::Quarantine(mut q) if !is_sealed(&q.body) => {
                    q.body = next();
                    WriteOp::Quarantine(q)
                }
                WriteOp::PutQuarantined(mut q) if !is_sealed(&q.body) => {
                    q.body = next();
                    WriteOp::PutQuarantined(q)
                }
                other => other,
            })
            .collect();
        self.inner.apply(ops).await
    }

    async fn get(&self, key: &str) -> Result<Option<RawRecord>, StoreError> {
        let found = self.inner.get(key).await?;
        Ok(self.opened(found.into_iter().collect()).await.pop())
    }

    async fn by_study(&self, study: &str) -> Result<Vec<RawRecord>, StoreError> {
        let records = self.inner.by_study(study).await?;
        Ok(self.opened(records).await)
    }

    async fn by_kind(&self, kind: &str) -> Result<Vec<RawRecord>, StoreError> {
        let records = self.inner.by_kind(kind).await?;
        Ok(self.opened(records).await)
    }

    async fn all(&self) -> Result<Vec<RawRecord>, StoreError> {
        let records = self.inner.all().await?;
        Ok(self.opened(records).await)
    }

    async fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, StoreError> {
        let mut list = self.inner.quarantined().await?;
        if let Some(cipher) = self.cipher() {
            let mut as_records: Vec<RawRecord> = list
                .iter()
                .map(|q| RawRecord {
                    key: q.key.clone(),
                    kind: q.kind.clone(),
                    study: q.study.clone(),
                    schema: q.schema,
                    body: q.body.clone(),
                })
                .collect();
            open_records(cipher.as_ref(), &mut as_records).await;
            for (q, r) in list.iter_mut().zip(as_records) {
                q.body = r.body;
            }
        }
        Ok(list)
    }

    async fn probe(&self) -> Result<(), StoreError> {
        self.inner.probe().await
    }
}

#[cfg(test)]
pub(crate) mod toy {
    //! A stand-in cipher for the core's tests: it authenticates (a keyed checksum over
    //! the associated data and the text) and never repeats a nonce, which is all the
    //! store's rules depend on. The real AES-GCM is tested against known answers where
    //! it lives (the `fieldkit` command and the app's wasm tests).
    use std::cell::Cell;

    use super::{Cipher, CryptoError};

    pub struct ToyCipher {
        pub key: u64,
        counter: Cell<u64>,
        /// Fails every seal after this many calls (to stop a rewrite midway).
        pub fail_after: Cell<Option<usize>>,
    }

    impl ToyCipher {
        pub fn new(key: u64) -> Self {
            ToyCipher { key, counter: Cell::new(0), fail_after: Cell::new(None) }
        }

        fn tag(&self, nonce: &[u8], aad: &[u8], text: &[u8]) -> [u8; 8] {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ self.key;
            for b in nonce.iter().chain(aad).chain([0xffu8].iter()).chain(text) {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            h.to_le_bytes()
        }

        fn stream(&self, nonce: &[u8], text: &[u8]) -> Vec<u8> {
            let seed = nonce.iter().fold(self.key, |a, b| a.rotate_left(5) ^ u64::from(*b));
            text.iter().enumerate().map(|(i, b)| b ^ (seed.rotate_left((i % 64) as u32) as u8)).collect()
        }
    }

    impl Cipher for ToyCipher {
        async fn seal_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<Vec<u8>>, CryptoError> {
            if let Some(left) = self.fail_after.get() {
                if left == 0 {
                    return Err(CryptoError::Failed("stopped by the test".into()));
                }
                self.fail_after.set(Some(left - 1));
            }
            Ok(items
                .into_iter()
                .map(|(aad, text)| {
                    self.counter.set(self.counter.get() + 1);
                    let mut nonce = [0u8; 12];
                    nonce[..8].copy_from_slice(&self.counter.get().to_le_bytes());
                    let mut out = nonce.to_vec();
                    out.extend(self.stream(&nonce, &text));
                    out.extend(self.tag(&nonce, &aad, &text));
                    out
                })
                .collect())
        }

        async fn open_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<Result<Vec<u8>, CryptoError>> {
            items
                .into_iter()
                .map(|(aad, sealed)| {
                    if sealed.len() < 20 {
                        return Err(CryptoError::Authentication);
                    }
                    let (nonce, rest) = sealed.split_at(12);
                    let (body, tag) = rest.split_at(rest.len() - 8);
                    let text = self.stream(nonce, body);
                    if self.tag(nonce, &aad, &text) == tag { Ok(text) } else { Err(CryptoError::Authentication) }
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::toy::ToyCipher;
    use super::*;
    use crate::storage::store::{MemoryStore, block_on_ready};

    fn rec(key: &str, body: &str) -> RawRecord {
        RawRecord { key: key.into(), kind: "case".into(), study: "s".into(), schema: 1, body: body.into() }
    }

    #[test]
    fn bodies_are_sealed_at_rest_and_read_back_in_clear() {
        let store = SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(7)));
        let r = rec("case:1", r#"{"name":"Ty Gwyn"}"#);
        block_on_ready(store.apply(vec![WriteOp::Put(r.clone())])).unwrap().unwrap();
        let at_rest = block_on_ready(store.inner().get("case:1")).unwrap().unwrap().unwrap();
        assert!(is_sealed(&at_rest.body));
        assert!(!at_rest.body.contains("Ty Gwyn"));
        assert_eq!(block_on_ready(store.get("case:1")).unwrap().unwrap(), Some(r.clone()));
        assert_eq!(block_on_ready(store.by_study("s")).unwrap().unwrap(), vec![r]);
    }

    #[test]
    fn the_same_body_written_twice_is_sealed_differently() {
        let store = SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(7)));
        block_on_ready(store.apply(vec![WriteOp::Put(rec("case:1", "{}"))])).unwrap().unwrap();
        let first = block_on_ready(store.inner().get("case:1")).unwrap().unwrap().unwrap().body;
        block_on_ready(store.apply(vec![WriteOp::Put(rec("case:1", "{}"))])).unwrap().unwrap();
        let second = block_on_ready(store.inner().get("case:1")).unwrap().unwrap().unwrap().body;
        assert_ne!(first, second, "a fresh nonce per write");
    }

    #[test]
    fn a_body_moved_to_another_record_or_a_wrong_key_stays_as_stored() {
        let store = SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(7)));
        block_on_ready(store.apply(vec![WriteOp::Put(rec("case:1", "{\"a\":1}"))])).unwrap().unwrap();
        let sealed = block_on_ready(store.inner().get("case:1")).unwrap().unwrap().unwrap().body;
        // Moved to another key: the associated data no longer matches.
        store.inner().insert_raw(rec("case:2", &sealed));
        let moved = block_on_ready(store.get("case:2")).unwrap().unwrap().unwrap();
        assert_eq!(moved.body, sealed, "left exactly as stored");
        // Read with another key.
        let other = SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(8)));
        other.inner().insert_raw(rec("case:1", &sealed));
        assert_eq!(block_on_ready(other.get("case:1")).unwrap().unwrap().unwrap().body, sealed);
    }

    #[test]
    fn the_keyring_and_probe_stay_clear_and_quarantine_is_sealed_too() {
        let store = SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(7)));
        let keyring = RawRecord { key: KEYRING_KEY.into(), kind: "meta".into(), ..rec("", "{\"k\":1}") };
        let q = QuarantinedRecord {
            key: "case:9".into(),
            kind: "case".into(),
            study: "s".into(),
            schema: 1,
            body: "{broken real name".into(),
            reason: "test".into(),
            quarantined_at: crate::Timestamp::default(),
        };
        block_on_ready(store.apply(vec![WriteOp::Put(keyring.clone()), WriteOp::Quarantine(q.clone())]))
            .unwrap()
            .unwrap();
        assert_eq!(block_on_ready(store.inner().get(KEYRING_KEY)).unwrap().unwrap(), Some(keyring));
        let at_rest = block_on_ready(store.inner().quarantined()).unwrap().unwrap();
        assert!(is_sealed(&at_rest[0].body));
        assert_eq!(block_on_ready(store.quarantined()).unwrap().unwrap(), vec![q]);
    }

    #[test]
    fn the_sealed_store_passes_the_storage_contract() {
        block_on_ready(crate::storage::contract::run_all(|| async {
            SealedStore::new(MemoryStore::new(), Some(ToyCipher::new(3)))
        }))
        .expect("the memory store never waits");
    }

    #[test]
    fn without_a_cipher_records_pass_through() {
        let store: SealedStore<MemoryStore, ToyCipher> = SealedStore::new(MemoryStore::new(), None);
        block_on_ready(store.apply(vec![WriteOp::Put(rec("case:1", "{}"))])).unwrap().unwrap();
        assert_eq!(block_on_ready(store.inner().get("case:1")).unwrap().unwrap().unwrap().body, "{}");
    }
}
