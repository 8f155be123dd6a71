//! The researcher's PIN that guards participant mode: stored only as a salted,
//! deliberately slow hash (PBKDF2-HMAC-SHA256), never as the digits themselves.

use serde::{Deserialize, Serialize};
use sha2::Sha256;
use thiserror::Error;

use crate::storage::store::RawRecord;

/// Where the PIN lives in the store: a device setting, not part of any study, so it
/// never travels in a backup or an export.
pub const PIN_KEY: &str = "meta:pin";
/// Enough to slow guessing a short PIN on a stolen tablet's storage, quick enough
/// (a fraction of a second) for a researcher typing it on the tablet.
pub const PIN_ITERATIONS: u32 = 60_000;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PinError {
    #[error("The PIN must be 4 to 8 digits.")]
    BadFormat,
    #[error("The two PINs are not the same.")]
    Mismatch,
    #[error("The stored PIN record cannot be read: {0}")]
    Damaged(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinHash {
    /// Hex of the random salt.
    pub salt: String,
    pub iterations: u32,
    /// Hex of the 32-byte derived key.
    pub hash: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn derive(pin: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(pin.as_bytes(), salt, iterations, &mut key);
    key
}

/// Checks a new PIN and its confirmation: 4 to 8 digits, typed the same twice.
pub fn check_new_pin(pin: &str, again: &str) -> Result<(), PinError> {
    let digits = pin.chars().all(|c| c.is_ascii_digit());
    if !digits || !(4..=8).contains(&pin.len()) {
        return Err(PinError::BadFormat);
    }
    if pin != again {
        return Err(PinError::Mismatch);
    }
    Ok(())
}

impl PinHash {
    /// Hashes a PIN with a salt from the caller (random bytes from the platform).
    pub fn new(pin: &str, salt: &[u8]) -> PinHash {
        PinHash { salt: hex(salt), iterations: PIN_ITERATIONS, hash: hex(&derive(pin, salt, PIN_ITERATIONS)) }
    }

    /// Does `pin` match? Compares every byte so timing says nothing about how close it was.
    pub fn verify(&self, pin: &str) -> bool {
        let Some(salt) = unhex(&self.salt) else { return false };
        let candidate = hex(&derive(pin, &salt, self.iterations));
        candidate.len() == self.hash.len()
            && candidate.bytes().zip(self.hash.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    pub fn to_record(&self) -> RawRecord {
        RawRecord {
            key: PIN_KEY.into(),
            kind: "meta".into(),
            study: String::new(),
            schema: crate::SCHEMA_VERSION,
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    pub fn from_record(record: &RawRecord) -> Result<PinHash, PinError> {
        serde_json::from_str(&record.body).map_err(|e| PinError::Damaged(e.to_string()))
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_matches_the_published_test_vector() {
        // PBKDF2-HMAC-SHA256, password "password", salt "salt", 1 iteration (RFC 7914 §11).
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<Sha256>(b"password", b"salt", 1, &mut key);
        assert_eq!(hex(&key), "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    }

    #[test]
    fn a_pin_verifies_and_a_wrong_one_does_not() {
        let stored = PinHash::new("482913", b"0123456789abcdef");
        assert!(stored.verify("482913"));
        assert!(!stored.verify("482914"));
        assert!(!stored.verify(""));
        assert!(!stored.hash.contains("482913") && !stored.salt.is_empty());
        let record = stored.to_record();
        assert!(!record.body.contains("482913"), "the digits are never stored");
        assert_eq!(PinHash::from_record(&record), Ok(stored.clone()));
        // The same PIN with another salt gives another hash.
        assert_ne!(PinHash::new("482913", b"fedcba9876543210").hash, stored.hash);
    }

    #[test]
    fn new_pins_are_checked() {
        assert_eq!(check_new_pin("1234", "1234"), Ok(()));
        assert_eq!(check_new_pin("123", "123"), Err(PinError::BadFormat));
        assert_eq!(check_new_pin("12a4", "12a4"), Err(PinError::BadFormat));
        assert_eq!(check_new_pin("123456789", "123456789"), Err(PinError::BadFormat));
        assert_eq!(check_new_pin("1234", "1243"), Err(PinError::Mismatch));
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_panic() {
        let mut record = PinHash::new("1234", b"salt").to_record();
        record.body = "{broken".into();
        assert!(matches!(PinHash::from_record(&record), Err(PinError::Damaged(_))));
        let odd = PinHash { salt: "abc".into(), iterations: 1, hash: "00".into() };
        assert!(!odd.verify("1234"));
    }
}
