//! Turning protection on or off: every record rewritten in the other form, in
//! batches of one transaction each, so a page killed midway leaves each record
//! whole in one form or the other (reads accept both), and running the same step
//! again after a restart finishes the job.
//!
//! The keyring says which way a rewrite goes ([`ProtectionState::Sealing`] or
//! [`ProtectionState::Unsealing`]); it is written before the first batch and changed
//! (to `On`, or deleted) only after the last. Nothing else may write meanwhile: the
//! app shows only the progress while a rewrite runs.

use thiserror::Error;

use crate::protection::keyring::{KEYRING_KEY, Keyring, ProtectionState};
use crate::protection::sealed::{
    Cipher, CryptoError, associated_data, is_sealed, sealed_body, sealed_bytes, stays_clear,
};
use crate::storage::store::{QuarantinedRecord, RawRecord, Store, StoreError, WriteOp};

/// Records rewritten per transaction: small enough to keep each step short on a
/// tablet, large enough that the reference study takes a few dozen steps.
pub const BATCH: usize = 1_000;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RewriteError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Keyring(String),
}

/// What a rewrite did: records rewritten, and those that could not be opened (when
/// turning protection off), which were moved to quarantine as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    pub records: usize,
    pub quarantined: usize,
}

/// One thing to rewrite: a live record, or a quarantined one.
enum Item {
    Live(RawRecord),
    Set(QuarantinedRecord),
}

impl Item {
    fn body(&self) -> &str {
        match self {
            Item::Live(r) => &r.body,
            Item::Set(q) => &q.body,
        }
    }

    fn aad(&self) -> Vec<u8> {
        match self {
            Item::Live(r) => associated_data(&r.key, &r.kind, &r.study, r.schema),
            Item::Set(q) => associated_data(&q.key, &q.kind, &q.study, q.schema),
        }
    }

    fn with_body(self, body: String) -> WriteOp {
        match self {
            Item::Live(r) => WriteOp::Put(RawRecord { body, ..r }),
            Item::Set(q) => WriteOp::PutQuarantined(QuarantinedRecord { body, ..q }),
        }
    }
}

async fn pending<S: Store>(store: &S, seal: bool) -> Result<Vec<Item>, StoreError> {
    let wanted = |key: &str, body: &str| !stays_clear(key) && is_sealed(body) != seal;
    let mut items: Vec<Item> =
        store.all().await?.into_iter().filter(|r| wanted(&r.key, &r.body)).map(Item::Live).collect();
    items.extend(store.quarantined().await?.into_iter().filter(|q| wanted(&q.key, &q.body)).map(Item::Set));
    Ok(items)
}

/// Rewrites every record not yet in the wanted form (sealed when `seal`, else in
/// clear). `store` is the store as stored (never a [`super::SealedStore`]).
pub async fn rewrite_all<S, C, F, Fut>(
    store: &S,
    cipher: &C,
    seal: bool,
    batch: usize,
    mut between: F,
) -> Result<Rewritten, RewriteError>
where
    S: Store,
    C: Cipher,
    F: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let items = pending(store, seal).await?;
    let total = items.len();
    let mut done = Rewritten::default();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let chunk: Vec<Item> = items.by_ref().take(batch.max(1)).collect();
        let mut ops = Vec::with_capacity(chunk.len());
        if seal {
            let inputs = chunk.iter().map(|i| (i.aad(), i.body().as_bytes().to_vec())).collect();
            let sealed = cipher.seal_all(inputs).await?;
            if sealed.len() != chunk.len() {
                return Err(CryptoError::Failed("the cipher returned the wrong number of results".into()).into());
            }
            ops.extend(chunk.into_iter().zip(sealed).map(|(item, bytes)| item.with_body(sealed_body(&bytes))));
        } else {
            let inputs =
                chunk.iter().map(|i| (i.aad(), sealed_bytes(i.body()).unwrap_or_default())).collect::<Vec<_>>();
            let opened = cipher.open_all(inputs).await;
            for (item, result) in chunk.into_iter().zip(opened) {
                match result.ok().and_then(|b| String::from_utf8(b).ok()) {
                    Some(text) => ops.push(item.with_body(text)),
                    // It can never be opened once the key is gone: keep it, as stored, aside.
                    None => {
                        done.quarantined += 1;
                        ops.push(match item {
                            Item::Live(r) => WriteOp::Quarantine(QuarantinedRecord {
                                key: r.key,
                                kind: r.kind,
                                study: r.study,
                                schema: r.schema,
                                body: r.body,
                                reason: "it could not be decrypted when protection was turned off".into(),
                                quarantined_at: crate::Timestamp::default(),
                            }),
                            Item::Set(q) => WriteOp::PutQuarantined(q),
                        });
                    }
                }
            }
        }
        done.records += ops.len();
        store.apply(ops).await?;
        between(done.records, total).await;
    }
    Ok(done)
}

/// Finishes whatever the keyring says is under way: sealing (then marks protection
/// on) or unsealing (then removes the keyring). Returns the keyring as it now is
/// (None once protection is off). Safe to call at every start.
pub async fn finish<S, C, F, Fut>(
    store: &S,
    cipher: &C,
    mut keyring: Keyring,
    batch: usize,
    between: F,
) -> Result<(Option<Keyring>, Rewritten), RewriteError>
where
    S: Store,
    C: Cipher,
    F: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    match keyring.state {
        ProtectionState::On => Ok((Some(keyring), Rewritten::default())),
        ProtectionState::Sealing => {
            let done = rewrite_all(store, cipher, true, batch, between).await?;
            keyring.state = ProtectionState::On;
            store.apply(vec![WriteOp::Put(keyring.to_record().map_err(RewriteError::Keyring)?)]).await?;
            Ok((Some(keyring), done))
        }
        ProtectionState::Unsealing => {
            let done = rewrite_all(store, cipher, false, batch, between).await?;
            store.apply(vec![WriteOp::Delete(KEYRING_KEY.into())]).await?;
            Ok((None, done))
        }
    }
}

/// Records the keyring in the state that starts a rewrite, then runs it.
pub async fn start<S, C, F, Fut>(
    store: &S,
    cipher: &C,
    mut keyring: Keyring,
    state: ProtectionState,
    batch: usize,
    between: F,
) -> Result<(Option<Keyring>, Rewritten), RewriteError>
where
    S: Store,
    C: Cipher,
    F: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    keyring.state = state;
    store.apply(vec![WriteOp::Put(keyring.to_record().map_err(RewriteError::Keyring)?)]).await?;
    finish(store, cipher, keyring, batch, between).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protection::keyring::WrappedKey;
    use crate::protection::sealed::SealedStore;
    use crate::protection::sealed::toy::ToyCipher;
    use crate::storage::store::{MemoryStore, block_on_ready};

    fn records() -> Vec<RawRecord> {
        (0..23)
            .map(|i| RawRecord {
                key: format!("case:{i}"),
                kind: "case".into(),
                study: "s".into(),
                schema: 1,
                body: format!("{{\"name\":\"Site {i}\",\"real\":\"Gwen Jones {i}\"}}"),
            })
            .collect()
    }

    fn quarantined() -> QuarantinedRecord {
        QuarantinedRecord {
            key: "memo:q".into(),
            kind: "memo".into(),
            study: "s".into(),
            schema: 1,
            body: "{damaged but typed by someone".into(),
            reason: "test".into(),
            quarantined_at: crate::Timestamp::default(),
        }
    }

    fn keyring() -> Keyring {
        Keyring::new(&[9; 16], WrappedKey::new(&[1; 12], &[2; 48]), WrappedKey::new(&[3; 12], &[4; 48]))
    }

    fn filled() -> MemoryStore {
        let store = MemoryStore::new();
        let mut ops: Vec<WriteOp> = records().into_iter().map(WriteOp::Put).collect();
        ops.push(WriteOp::Quarantine(quarantined()));
        block_on_ready(store.apply(ops)).unwrap().unwrap();
        store
    }

    fn no_wait(_: usize, _: usize) -> std::future::Ready<()> {
        std::future::ready(())
    }

    /// Every record is whole in one form or the other, and reads back as written.
    fn check_readable(store: MemoryStore, cipher: ToyCipher) -> (usize, usize) {
        let live = block_on_ready(store.all()).unwrap().unwrap();
        let sealed = live.iter().filter(|r| is_sealed(&r.body)).count()
            + block_on_ready(store.quarantined()).unwrap().unwrap().iter().filter(|q| is_sealed(&q.body)).count();
        let clear = live.len() + 1 - sealed - usize::from(live.iter().any(|r| r.key == KEYRING_KEY));
        let reader = SealedStore::new(store, Some(cipher));
        for r in records() {
            assert_eq!(block_on_ready(reader.get(&r.key)).unwrap().unwrap(), Some(r));
        }
        assert_eq!(block_on_ready(reader.quarantined()).unwrap().unwrap(), vec![quarantined()]);
        (sealed, clear)
    }

    #[test]
    fn turning_protection_on_can_stop_after_any_batch_and_be_finished_after_a_restart() {
        // A batch of 5 makes five steps over 24 items; stop before each of them, and not at all.
        for stop_at in 0..=5 {
            let store = filled();
            let failing = ToyCipher::new(42);
            failing.fail_after.set(Some(stop_at));
            let outcome =
                block_on_ready(start(&store, &failing, keyring(), ProtectionState::Sealing, 5, no_wait)).unwrap();
            assert_eq!(outcome.is_err(), stop_at < 5, "stop {stop_at}");
            let stored =
                Keyring::from_record(&block_on_ready(store.get(KEYRING_KEY)).unwrap().unwrap().unwrap()).unwrap();
            if outcome.is_err() {
                assert_eq!(stored.state, ProtectionState::Sealing, "the keyring still says the job is open");
            }
            // After the "restart": finish with a working cipher holding the same key.
            let (now, _) = block_on_ready(finish(&store, &ToyCipher::new(42), stored, 5, no_wait)).unwrap().unwrap();
            assert_eq!(now.map(|k| k.state), Some(ProtectionState::On));
            let (sealed, clear) = check_readable(store, ToyCipher::new(42));
            assert_eq!((sealed, clear), (24, 0), "stop {stop_at}: everything sealed");
        }
    }

    #[test]
    fn a_rewrite_stopped_midway_leaves_every_record_readable_in_one_form() {
        let store = filled();
        let failing = ToyCipher::new(42);
        failing.fail_after.set(Some(2));
        let _ = block_on_ready(start(&store, &failing, keyring(), ProtectionState::Sealing, 5, no_wait));
        let (sealed, clear) = check_readable(store, ToyCipher::new(42));
        assert_eq!((sealed, clear), (10, 14), "two batches of five done, the rest untouched");
    }

    #[test]
    fn turning_protection_off_restores_every_record_in_clear_and_removes_the_keyring() {
        let store = filled();
        block_on_ready(start(&store, &ToyCipher::new(42), keyring(), ProtectionState::Sealing, 5, no_wait))
            .unwrap()
            .unwrap();
        let on = Keyring::from_record(&block_on_ready(store.get(KEYRING_KEY)).unwrap().unwrap().unwrap()).unwrap();
        let mut steps = Vec::new();
        let (after, done) = block_on_ready(start(
            &store,
            &ToyCipher::new(42),
            on,
            ProtectionState::Unsealing,
            5,
            |d: usize, t: usize| {
                steps.push((d, t));
                std::future::ready(())
            },
        ))
        .unwrap()
        .unwrap();
        assert_eq!(after, None);
        assert_eq!(done, Rewritten { records: 24, quarantined: 0 });
        assert_eq!(steps.last(), Some(&(24, 24)));
        assert_eq!(block_on_ready(store.get(KEYRING_KEY)).unwrap().unwrap(), None);
        for r in records() {
            assert_eq!(block_on_ready(store.get(&r.key)).unwrap().unwrap(), Some(r));
        }
        assert_eq!(block_on_ready(store.quarantined()).unwrap().unwrap(), vec![quarantined()]);
    }

    #[test]
    fn turning_off_sets_aside_a_record_that_does_not_open() {
        let store = filled();
        block_on_ready(start(&store, &ToyCipher::new(42), keyring(), ProtectionState::Sealing, 50, no_wait))
            .unwrap()
            .unwrap();
        let mut tampered = block_on_ready(store.get("case:3")).unwrap().unwrap().unwrap();
        // Change one character of the ciphertext.
        let flipped = if tampered.body.as_bytes()[40] == b'B' { "C" } else { "B" };
        tampered.body.replace_range(40..41, flipped);
        store.insert_raw(tampered.clone());
        let on = Keyring::from_record(&block_on_ready(store.get(KEYRING_KEY)).unwrap().unwrap().unwrap()).unwrap();
        let (_, done) = block_on_ready(start(&store, &ToyCipher::new(42), on, ProtectionState::Unsealing, 50, no_wait))
            .unwrap()
            .unwrap();
        assert_eq!(done.quarantined, 1);
        assert_eq!(block_on_ready(store.get("case:3")).unwrap().unwrap(), None);
        let aside = block_on_ready(store.quarantined()).unwrap().unwrap();
        assert!(aside.iter().any(|q| q.key == "case:3" && q.body == tampered.body), "kept exactly as stored");
    }
}
