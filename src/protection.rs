//! Protection at rest in the browser: the core's [`Cipher`] over WebCrypto
//! (`SubtleCrypto`, AES-256-GCM and PBKDF2; no crypto code in the wasm), and the
//! keyring's key operations. Formats and rules are the core's
//! (`fieldkit_core::protection`).
//!
//! The data key lives only as a non-extractable `CryptoKey`; its raw bytes exist in
//! memory only while it is made or re-wrapped, and are zeroed at once.

use fieldkit_core::protection::envelope::{BACKUP_AAD, EncryptedBackup, WRONG_PASSPHRASE};
use fieldkit_core::protection::keyring::{Keyring, PBKDF2_ITERATIONS, RecoveryKey, WRAP_AAD, WrappedKey};
use fieldkit_core::protection::{Cipher, CryptoError};
use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

/// How many operations are handed to the browser at once: WebCrypto runs them on its
/// own threads; bounded so a whole study does not queue tens of thousands of buffers.
const IN_FLIGHT: usize = 2_000;

fn failed(e: JsValue) -> CryptoError {
    CryptoError::Failed(crate::browser::js_error_text(&e))
}

fn crypto() -> Result<web_sys::Crypto, CryptoError> {
    let global = js_sys::global();
    let crypto = Reflect::get(&global, &"crypto".into()).map_err(failed)?;
    crypto.dyn_into::<web_sys::Crypto>().map_err(|_| CryptoError::Failed("WebCrypto is not available here".into()))
}

fn subtle() -> Result<SubtleCrypto, CryptoError> {
    Ok(crypto()?.subtle())
}

/// Bytes from the browser's cryptographic random source.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let crypto = crypto()?;
    let mut out = vec![0u8; n];
    // getRandomValues fills at most 65,536 bytes per call.
    for chunk in out.chunks_mut(65_536) {
        crypto.get_random_values_with_u8_array(chunk).map_err(failed)?;
    }
    Ok(out)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj
}

fn gcm(nonce: &[u8], aad: &[u8]) -> Object {
    GcmNames::new().params(nonce, aad)
}

/// The JS strings of AES-GCM's parameters and results, made once per batch rather
/// than for each of a study's tens of thousands of records (each is a copy across
/// the wasm boundary).
struct GcmNames {
    name: JsValue,
    aes_gcm: JsValue,
    iv: JsValue,
    additional_data: JsValue,
    status: JsValue,
    fulfilled: JsValue,
    value: JsValue,
}

impl GcmNames {
    fn new() -> Self {
        GcmNames {
            name: JsValue::from_str("name"),
            aes_gcm: JsValue::from_str("AES-GCM"),
            iv: JsValue::from_str("iv"),
            additional_data: JsValue::from_str("additionalData"),
            status: JsValue::from_str("status"),
            fulfilled: JsValue::from_str("fulfilled"),
            value: JsValue::from_str("value"),
        }
    }

    fn params(&self, nonce: &[u8], aad: &[u8]) -> Object {
        let obj = Object::new();
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&obj, &self.name, &self.aes_gcm);
        let _ = Reflect::set(&obj, &self.iv, &Uint8Array::from(nonce));
        let _ = Reflect::set(&obj, &self.additional_data, &Uint8Array::from(aad));
        obj
    }
}

fn usages(list: &[&str]) -> JsValue {
    list.iter().map(|u| JsValue::from_str(u)).collect::<Array>().into()
}

async fn promised(p: Result<js_sys::Promise, JsValue>) -> Result<JsValue, CryptoError> {
    JsFuture::from(p.map_err(failed)?).await.map_err(|e| {
        // WebCrypto rejects a failed authentication with an OperationError.
        if e.dyn_ref::<web_sys::DomException>().is_some_and(|d| d.name() == "OperationError") {
            CryptoError::Authentication
        } else {
            failed(e)
        }
    })
}

fn bytes_of(value: &JsValue) -> Vec<u8> {
    Uint8Array::new(value).to_vec()
}

fn key_of(value: JsValue) -> Result<CryptoKey, CryptoError> {
    value.dyn_into::<CryptoKey>().map_err(|_| CryptoError::Failed("the browser returned no key".into()))
}

/// An AES-256-GCM key from raw bytes, never extractable again.
async fn import_aes(raw: &[u8], uses: &[&str]) -> Result<CryptoKey, CryptoError> {
    let data = Uint8Array::from(raw);
    let p =
        subtle()?.import_key_with_object("raw", &data, &object(&[("name", "AES-GCM".into())]), false, &usages(uses));
    key_of(promised(p).await?)
}

/// The key a passphrase and salt give (PBKDF2-HMAC-SHA256), as an AES-256-GCM key.
pub async fn derive_key(passphrase: &str, salt: &[u8], iterations: u32) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let secret = Uint8Array::from(passphrase.as_bytes());
    let p = subtle.import_key_with_object(
        "raw",
        &secret,
        &object(&[("name", "PBKDF2".into())]),
        false,
        &usages(&["deriveKey"]),
    );
    let base = key_of(promised(p).await?)?;
    let params = object(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", Uint8Array::from(salt).into()),
        ("iterations", iterations.into()),
    ]);
    let target = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let p = subtle.derive_key_with_object_and_object(&params, &base, &target, false, &usages(&["encrypt", "decrypt"]));
    key_of(promised(p).await?)
}

pub async fn encrypt(key: &CryptoKey, nonce: &[u8], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let p = subtle()?.encrypt_with_object_and_u8_array(&gcm(nonce, aad), key, plain);
    Ok(bytes_of(&promised(p).await?))
}

pub async fn decrypt(key: &CryptoKey, nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let p = subtle()?.decrypt_with_object_and_u8_array(&gcm(nonce, aad), key, sealed);
    Ok(bytes_of(&promised(p).await?))
}

/// The data key, usable only to encrypt and decrypt records.
#[derive(Clone)]
pub struct WebCipher {
    key: CryptoKey,
}

impl WebCipher {
    /// A cipher over a known raw key (known-answer tests; the app never has one).
    pub async fn from_raw(raw: &[u8]) -> Result<WebCipher, CryptoError> {
        Ok(WebCipher { key: import_aes(raw, &["encrypt", "decrypt"]).await? })
    }

    /// Whether the browser would ever hand the key's bytes out (never, for the app's keys).
    pub fn extractable(&self) -> bool {
        self.key.extractable()
    }
}

impl Cipher for WebCipher {
    async fn seal_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<Vec<u8>>, CryptoError> {
        let subtle = subtle()?;
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(IN_FLIGHT) {
            let nonces = random_bytes(12 * chunk.len())?;
            let promises = Array::new();
            let names = GcmNames::new();
            for ((aad, plain), nonce) in chunk.iter().zip(nonces.chunks(12)) {
                let promise = subtle
                    .encrypt_with_object_and_u8_array(&names.params(nonce, aad), &self.key, plain)
                    .map_err(failed)?;
                promises.push(&promise);
            }
            let done = promised(Ok(js_sys::Promise::all(&promises))).await?;
            let done: Array = done.unchecked_into();
            for (i, nonce) in nonces.chunks(12).enumerate() {
                let mut sealed = nonce.to_vec();
                sealed.extend(bytes_of(&done.get(i as u32)));
                out.push(sealed);
            }
        }
        Ok(out)
    }

    async fn open_all(&self, items: Vec<(Vec<u8>, Vec<u8>)>) -> Vec<Result<Vec<u8>, CryptoError>> {
        let Ok(subtle) = subtle() else {
            return items.iter().map(|_| Err(CryptoError::Failed("WebCrypto is not available here".into()))).collect();
        };
        let mut out = Vec::with_capacity(items.len());
        for chunk in items.chunks(IN_FLIGHT) {
            let promises = Array::new();
            let names = GcmNames::new();
            let mut refused = vec![false; chunk.len()];
            for (i, (aad, sealed)) in chunk.iter().enumerate() {
                if sealed.len() < 12 + 16 {
                    refused[i] = true;
                    promises.push(&js_sys::Promise::resolve(&JsValue::NULL));
                    continue;
                }
                let (nonce, body) = sealed.split_at(12);
                match subtle.decrypt_with_object_and_u8_array(&names.params(nonce, aad), &self.key, body) {
                    Ok(p) => {
                        promises.push(&p);
                    }
                    Err(_) => {
                        refused[i] = true;
                        promises.push(&js_sys::Promise::resolve(&JsValue::NULL));
                    }
                }
            }
            // allSettled: one record that fails does not hide the others.
            let settled = match JsFuture::from(js_sys::Promise::all_settled(&promises)).await {
                Ok(v) => v.unchecked_into::<Array>(),
                Err(e) => {
                    let e = failed(e);
                    out.extend(chunk.iter().map(|_| Err(e.clone())));
                    continue;
                }
            };
            for (i, refused) in refused.into_iter().enumerate() {
                let entry = settled.get(i as u32);
                let fulfilled = Reflect::get(&entry, &names.status).is_ok_and(|s| s == names.fulfilled);
                out.push(match (refused, fulfilled) {
                    (false, true) => Ok(bytes_of(&Reflect::get(&entry, &names.value).unwrap_or(JsValue::NULL))),
                    _ => Err(CryptoError::Authentication),
                });
            }
        }
        out
    }
}

/// What turning protection on makes: the keyring to store, the data key, and the
/// recovery key to show once.
pub struct NewProtection {
    pub keyring: Keyring,
    pub cipher: WebCipher,
    pub recovery: RecoveryKey,
}

async fn wrap(kek: &CryptoKey, raw: &[u8]) -> Result<WrappedKey, CryptoError> {
    let nonce = random_bytes(12)?;
    Ok(WrappedKey::new(&nonce, &encrypt(kek, &nonce, WRAP_AAD, raw).await?))
}

async fn unwrap_raw(kek: &CryptoKey, wrapped: &WrappedKey) -> Result<Vec<u8>, CryptoError> {
    let (nonce, ciphertext) = wrapped.bytes().map_err(CryptoError::Failed)?;
    decrypt(kek, &nonce, WRAP_AAD, &ciphertext).await
}

/// A new random data key, wrapped by the passphrase and by a new recovery key.
pub async fn protect(passphrase: &str) -> Result<NewProtection, CryptoError> {
    let mut raw = random_bytes(32)?;
    let recovery_bytes: [u8; 32] =
        random_bytes(32)?.try_into().map_err(|_| CryptoError::Failed("no random bytes".into()))?;
    let salt = random_bytes(16)?;
    let result = async {
        let by_passphrase = wrap(&derive_key(passphrase, &salt, PBKDF2_ITERATIONS).await?, &raw).await?;
        let by_recovery = wrap(&import_aes(&recovery_bytes, &["encrypt", "decrypt"]).await?, &raw).await?;
        let key = import_aes(&raw, &["encrypt", "decrypt"]).await?;
        Ok(NewProtection {
            keyring: Keyring::new(&salt, by_passphrase, by_recovery),
            cipher: WebCipher { key },
            recovery: RecoveryKey(recovery_bytes),
        })
    }
    .await;
    raw.fill(0);
    result
}

/// What unlocks: the passphrase, or the recovery key as written down.
#[derive(Clone, Debug)]
pub enum Secret {
    Passphrase(String),
    RecoveryKey(String),
}

impl Secret {
    async fn raw_key(&self, keyring: &Keyring) -> Result<Vec<u8>, String> {
        let wrong = |e: CryptoError| match e {
            CryptoError::Authentication => match self {
                Secret::Passphrase(_) => "That passphrase does not unlock this device's data.".to_string(),
                Secret::RecoveryKey(_) => "That recovery key does not unlock this device's data.".to_string(),
            },
            other => other.to_string(),
        };
        match self {
            Secret::Passphrase(p) => {
                let kek = derive_key(p, &keyring.salt()?, keyring.kdf.iterations).await.map_err(wrong)?;
                unwrap_raw(&kek, &keyring.by_passphrase).await.map_err(wrong)
            }
            Secret::RecoveryKey(text) => {
                let key = RecoveryKey::parse(text)?;
                let kek = import_aes(&key.0, &["encrypt", "decrypt"]).await.map_err(wrong)?;
                unwrap_raw(&kek, &keyring.by_recovery_key).await.map_err(wrong)
            }
        }
    }

    /// The data key this secret unwraps; the message says plainly when it is wrong.
    pub async fn unlock(&self, keyring: &Keyring) -> Result<WebCipher, String> {
        let mut raw = self.raw_key(keyring).await?;
        let key = import_aes(&raw, &["encrypt", "decrypt"]).await;
        raw.fill(0);
        Ok(WebCipher { key: key.map_err(|e| e.to_string())? })
    }

    /// The keyring with the data key wrapped by a new passphrase (records untouched).
    pub async fn rewrap(&self, keyring: &Keyring, new_passphrase: &str) -> Result<Keyring, String> {
        let mut raw = self.raw_key(keyring).await?;
        let salt = random_bytes(16).map_err(|e| e.to_string());
        let result = async {
            let salt = salt?;
            let kek = derive_key(new_passphrase, &salt, PBKDF2_ITERATIONS).await.map_err(|e| e.to_string())?;
            let by_passphrase = wrap(&kek, &raw).await.map_err(|e| e.to_string())?;
            let next = keyring.with_passphrase(&salt, by_passphrase);
            Ok(next)
        }
        .await;
        raw.fill(0);
        result
    }
}

/// Encrypts a backup file's bytes into the envelope (`protection::envelope`).
pub async fn encrypt_backup(plain: &[u8], passphrase: &str) -> Result<String, String> {
    let salt = random_bytes(16).map_err(|e| e.to_string())?;
    let nonce = random_bytes(12).map_err(|e| e.to_string())?;
    let key = derive_key(passphrase, &salt, PBKDF2_ITERATIONS).await.map_err(|e| e.to_string())?;
    let sealed = encrypt(&key, &nonce, BACKUP_AAD, plain).await.map_err(|e| e.to_string())?;
    Ok(EncryptedBackup::new(&salt, &nonce, &sealed).to_json())
}

/// The backup inside an envelope; a wrong passphrase or a changed file is one message.
pub async fn decrypt_backup(envelope: &[u8], passphrase: &str) -> Result<Vec<u8>, String> {
    let sealed = EncryptedBackup::parse(envelope)?;
    let key = derive_key(passphrase, &sealed.salt, sealed.iterations).await.map_err(|e| e.to_string())?;
    decrypt(&key, &sealed.nonce, BACKUP_AAD, &sealed.ciphertext).await.map_err(|e| match e {
        CryptoError::Authentication => WRONG_PASSPHRASE.to_string(),
        other => other.to_string(),
    })
}
