//! Encrypted backups natively (`fieldkit_core::protection::envelope` says the format):
//! PBKDF2-HMAC-SHA256 from the `pbkdf2` crate and AES-256-GCM from `aes-gcm`
//! (RustCrypto, audited and widely used), with nonces and salts from the OS.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use fieldkit_core::protection::envelope::{BACKUP_AAD, EncryptedBackup, WRONG_PASSPHRASE};
use fieldkit_core::protection::keyring::PBKDF2_ITERATIONS;
use sha2::Sha256;

pub fn derive_key(passphrase: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(passphrase.as_bytes(), salt, iterations, &mut key);
    key
}

fn seal(key: &[u8; 32], nonce: &[u8; 12], aad: &[u8], plain: &[u8]) -> Result<Vec<u8>, String> {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
        .encrypt(Nonce::from_slice(nonce), Payload { msg: plain, aad })
        .map_err(|_| "the encryption failed".to_string())
}

/// The envelope for given salt and nonce (fixed ones only in known-answer tests).
pub fn encrypt_backup_with(
    plain: &[u8],
    passphrase: &str,
    salt: &[u8; 16],
    nonce: &[u8; 12],
) -> Result<EncryptedBackup, String> {
    let key = derive_key(passphrase, salt, PBKDF2_ITERATIONS);
    Ok(EncryptedBackup::new(salt, nonce, &seal(&key, nonce, BACKUP_AAD, plain)?))
}

/// Encrypts a backup file's bytes with a fresh random salt and nonce.
pub fn encrypt_backup(plain: &[u8], passphrase: &str) -> Result<EncryptedBackup, String> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let nonce: [u8; 12] = Aes256Gcm::generate_nonce(&mut OsRng).into();
    encrypt_backup_with(plain, passphrase, &salt, &nonce)
}

/// The backup inside an envelope; a wrong passphrase and a changed file give the same message.
pub fn decrypt_backup(envelope: &[u8], passphrase: &str) -> Result<Vec<u8>, String> {
    let sealed = EncryptedBackup::parse(envelope)?;
    let key = derive_key(passphrase, &sealed.salt, sealed.iterations);
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key))
        .decrypt(Nonce::from_slice(&sealed.nonce), Payload { msg: &sealed.ciphertext, aad: BACKUP_AAD })
        .map_err(|_| WRONG_PASSPHRASE.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
    }

    #[test]
    fn aes_256_gcm_matches_the_published_test_case() {
        // McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", 2005, test case 16
        // (256-bit key, 60-byte plaintext, 20 bytes of associated data).
        let key: [u8; 32] = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308").try_into().unwrap();
        let nonce: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let plain = hex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        );
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let sealed = seal(&key, &nonce, &aad, &plain).unwrap();
        let expected = hex(
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f66276fc6ece0f4e1768cddf8853bb2d551b",
        );
        assert_eq!(sealed, expected);
    }

    /// The same vector is checked against WebCrypto in the app's wasm tests and was
    /// computed independently with Node's crypto module.
    pub const KAT_PASSPHRASE: &str = "correct horse battery staple";
    pub const KAT_PLAIN: &str = "{\"format\":\"fieldkit-backup\",\"note\":\"Gwen Jones, Tŷ Gwyn\"}";
    pub const KAT_CIPHERTEXT: &str =
        "0EzV7wlYpJwVEDDUbfBh15M3mxibfereLqIHxRxYTos346oM9DZBkW6xY8+3BQkIslIjKeqrjb8H+us/vg/AZvnwAHk8VHOrF2o=";

    fn kat_salt_nonce() -> ([u8; 16], [u8; 12]) {
        (std::array::from_fn(|i| i as u8), std::array::from_fn(|i| 0xa0 + i as u8))
    }

    #[test]
    fn an_encrypted_backup_matches_the_known_answer() {
        let (salt, nonce) = kat_salt_nonce();
        let key = derive_key(KAT_PASSPHRASE, &salt, 600_000);
        assert_eq!(key.to_vec(), hex("ef177144eec9420cbc1093d2a8b344a92bc506d0d4ec9c028dd19f8324d8c1e6"));
        let envelope = encrypt_backup_with(KAT_PLAIN.as_bytes(), KAT_PASSPHRASE, &salt, &nonce).unwrap();
        assert_eq!(envelope.ciphertext, KAT_CIPHERTEXT);
        assert_eq!(envelope.nonce, "oKGio6Slpqeoqaqr");
        assert_eq!(decrypt_backup(envelope.to_json().as_bytes(), KAT_PASSPHRASE).unwrap(), KAT_PLAIN.as_bytes());
    }

    #[test]
    fn a_backup_round_trips_and_a_wrong_passphrase_or_a_changed_byte_is_refused() {
        let envelope = encrypt_backup(KAT_PLAIN.as_bytes(), "our team passphrase").unwrap();
        let json = envelope.to_json();
        assert_eq!(decrypt_backup(json.as_bytes(), "our team passphrase").unwrap(), KAT_PLAIN.as_bytes());
        assert_eq!(decrypt_backup(json.as_bytes(), "our team passphrasE").unwrap_err(), WRONG_PASSPHRASE);
        let mut changed = envelope.clone();
        let flipped = if changed.ciphertext.starts_with('A') { "B" } else { "A" };
        changed.ciphertext.replace_range(0..1, flipped);
        assert_eq!(decrypt_backup(changed.to_json().as_bytes(), "our team passphrase").unwrap_err(), WRONG_PASSPHRASE);
        let other = encrypt_backup(KAT_PLAIN.as_bytes(), "our team passphrase").unwrap();
        assert_ne!(other.nonce, envelope.nonce, "a fresh nonce each time");
        assert_ne!(other.kdf.salt, envelope.kdf.salt, "a fresh salt each time");
    }
}
