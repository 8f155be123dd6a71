//! Protection at rest over the browser's WebCrypto, in headless Chromium: the same
//! known answers as the native implementation (computed independently with Node's
//! crypto), the storage contract on a sealed IndexedDB store, and the key operations.
#![cfg(target_arch = "wasm32")]

use fieldkit_app::protection::{self, Secret, WebCipher, decrypt_backup, derive_key, encrypt, protect};
use fieldkit_app::storage::IdbStore;
use fieldkit_core::protection::envelope::{BACKUP_AAD, WRONG_PASSPHRASE};
use fieldkit_core::protection::keyring::{KEYRING_KEY, Keyring, ProtectionState};
use fieldkit_core::protection::rewrite::{self, BATCH};
use fieldkit_core::protection::sealed::{SealedStore, associated_data, is_sealed, sealed_bytes};
use fieldkit_core::protection::{Cipher, CryptoError};
use fieldkit_core::storage::contract;
use fieldkit_core::storage::store::{RawRecord, Store, WriteOp};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn fresh_name(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4())
}

const KAT_PASSPHRASE: &str = "correct horse battery staple";
const KAT_PLAIN: &str = "{\"format\":\"fieldkit-backup\",\"note\":\"Gwen Jones, Tŷ Gwyn\"}";
const KAT_CIPHERTEXT: &str =
    "0EzV7wlYpJwVEDDUbfBh15M3mxibfereLqIHxRxYTos346oM9DZBkW6xY8+3BQkIslIjKeqrjb8H+us/vg/AZvnwAHk8VHOrF2o=";
/// A record `case:1` of study `s`, schema 1, sealed with the key 0x11 × 32 and nonce 0x22 × 12.
const KAT_RECORD: &str = "IiIiIiIiIiIiIiIibNVpKK2qvWXHa6ccD9GQuz3uOoZAUCz7wzQ4b9+s+ph7bw==";

fn b64(text: &str) -> Vec<u8> {
    sealed_bytes(&format!("{}{text}", fieldkit_core::protection::SEALED_PREFIX)).expect("base64")
}

#[wasm_bindgen_test]
async fn webcrypto_gives_the_same_encrypted_backup_as_the_native_tool() {
    let salt: Vec<u8> = (0..16).collect();
    let nonce: Vec<u8> = (0..12).map(|i| 0xa0 + i).collect();
    let key = derive_key(KAT_PASSPHRASE, &salt, 600_000).await.expect("derive");
    let sealed = encrypt(&key, &nonce, BACKUP_AAD, KAT_PLAIN.as_bytes()).await.expect("encrypt");
    assert_eq!(sealed, b64(KAT_CIPHERTEXT));
    let envelope = fieldkit_core::protection::envelope::EncryptedBackup::new(&salt, &nonce, &sealed).to_json();
    assert_eq!(decrypt_backup(envelope.as_bytes(), KAT_PASSPHRASE).await.expect("decrypt"), KAT_PLAIN.as_bytes());
    assert_eq!(decrypt_backup(envelope.as_bytes(), "wrong horse").await.unwrap_err(), WRONG_PASSPHRASE);
    // And a fresh one made in the browser round-trips.
    let made = protection::encrypt_backup(KAT_PLAIN.as_bytes(), "our team passphrase").await.expect("encrypt");
    assert_eq!(decrypt_backup(made.as_bytes(), "our team passphrase").await.expect("decrypt"), KAT_PLAIN.as_bytes());
}

#[wasm_bindgen_test]
async fn a_record_sealed_elsewhere_opens_here_and_nowhere_else() {
    let cipher = WebCipher::from_raw(&[0x11; 32]).await.expect("key");
    let aad = associated_data("case:1", "case", "s", 1);
    let opened = cipher.open_all(vec![(aad.clone(), b64(KAT_RECORD))]).await;
    assert_eq!(opened, vec![Ok(b"{\"name\":\"Ty Gwyn\"}".to_vec())]);
    // Another record's associated data, or another key: refused.
    let moved = cipher.open_all(vec![(associated_data("case:2", "case", "s", 1), b64(KAT_RECORD))]).await;
    assert_eq!(moved, vec![Err(CryptoError::Authentication)]);
    let other = WebCipher::from_raw(&[0x12; 32]).await.expect("key");
    assert_eq!(other.open_all(vec![(aad.clone(), b64(KAT_RECORD))]).await, vec![Err(CryptoError::Authentication)]);
    // Sealing twice gives two nonces, both open.
    let sealed = cipher.seal_all(vec![(aad.clone(), b"x".to_vec()), (aad.clone(), b"x".to_vec())]).await.unwrap();
    assert_ne!(sealed[0][..12], sealed[1][..12]);
    let back = cipher.open_all(sealed.into_iter().map(|s| (aad.clone(), s)).collect()).await;
    assert_eq!(back, vec![Ok(b"x".to_vec()), Ok(b"x".to_vec())]);
}

#[wasm_bindgen_test]
async fn a_sealed_indexeddb_store_passes_the_storage_contract() {
    contract::run_all(|| async {
        let store = IdbStore::open(&fresh_name("sealed-contract")).await.expect("open");
        SealedStore::new(store, Some(WebCipher::from_raw(&[7; 32]).await.expect("key")))
    })
    .await;
}

#[wasm_bindgen_test]
async fn the_passphrase_and_the_recovery_key_unlock_and_a_wrong_one_does_not() {
    let made = protect("a long team passphrase").await.expect("protect");
    assert!(!made.cipher.extractable(), "the data key never leaves WebCrypto");
    let keyring = made.keyring.clone();
    let unlocked = Secret::Passphrase("a long team passphrase".into()).unlock(&keyring).await.expect("unlock");
    assert!(!unlocked.extractable());
    let err = Secret::Passphrase("a long team passphrasE".into()).unlock(&keyring).await.err().expect("refused");
    assert!(err.contains("does not unlock"), "{err}");
    let shown = made.recovery.display();
    Secret::RecoveryKey(shown.to_lowercase().replace('-', " ")).unlock(&keyring).await.expect("recovery key");
    // What one key seals, the other opens.
    let aad = associated_data("memo:1", "memo", "s", 1);
    let sealed = made.cipher.seal_all(vec![(aad.clone(), b"typed".to_vec())]).await.unwrap();
    assert_eq!(unlocked.open_all(vec![(aad, sealed[0].clone())]).await, vec![Ok(b"typed".to_vec())]);
    // A new passphrase: the old one stops working, the recovery key still works.
    let next = Secret::RecoveryKey(shown.clone()).rewrap(&keyring, "another long passphrase").await.expect("rewrap");
    assert_eq!(next.by_recovery_key, keyring.by_recovery_key);
    assert!(Secret::Passphrase("a long team passphrase".into()).unlock(&next).await.is_err());
    Secret::Passphrase("another long passphrase".into()).unlock(&next).await.expect("new passphrase");
    Secret::RecoveryKey(shown).unlock(&next).await.expect("recovery key after the change");
}

#[wasm_bindgen_test]
async fn turning_protection_on_seals_every_record_in_indexeddb_and_off_restores_them() {
    let store = IdbStore::open(&fresh_name("rewrite")).await.expect("open");
    let records: Vec<RawRecord> = (0..2_500)
        .map(|i| RawRecord {
            key: format!("memo:{i}"),
            kind: "memo".into(),
            study: "s".into(),
            schema: 1,
            body: format!("{{\"text\":\"Gwen Jones said {i}\"}}"),
        })
        .collect();
    store.apply(records.iter().cloned().map(WriteOp::Put).collect()).await.expect("put");
    let made = protect("a long team passphrase").await.expect("protect");
    let sealed_store = SealedStore::new(store, Some(made.cipher.clone()));
    let inner = sealed_store.inner();
    let mut steps = 0;
    let (keyring, done) = rewrite::start(inner, &made.cipher, made.keyring, ProtectionState::Sealing, BATCH, |_, _| {
        steps += 1;
        std::future::ready(())
    })
    .await
    .expect("turn on");
    assert_eq!(done.records, 2_500);
    assert_eq!(steps, 3, "three transactions of up to {BATCH}");
    let keyring = keyring.expect("on");
    assert_eq!(keyring.state, ProtectionState::On);
    let at_rest = inner.all().await.unwrap();
    assert!(at_rest.iter().filter(|r| r.key != KEYRING_KEY).all(|r| is_sealed(&r.body) && !r.body.contains("Gwen")));
    assert_eq!(Keyring::from_record(&inner.get(KEYRING_KEY).await.unwrap().unwrap()).unwrap(), keyring);
    let mut read = sealed_store.by_study("s").await.unwrap();
    read.sort_by_key(|r| r.key.clone());
    let mut expected = records.clone();
    expected.sort_by_key(|r| r.key.clone());
    assert_eq!(read, expected);
    let (after, _) =
        rewrite::start(inner, &made.cipher, keyring, ProtectionState::Unsealing, BATCH, |_, _| std::future::ready(()))
            .await
            .expect("turn off");
    assert_eq!(after, None);
    assert_eq!(inner.get(KEYRING_KEY).await.unwrap(), None);
    let mut plain = inner.by_study("s").await.unwrap();
    plain.sort_by_key(|r| r.key.clone());
    assert_eq!(plain, expected);
}
