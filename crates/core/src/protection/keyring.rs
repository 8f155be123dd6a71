//! The keyring: the one record that says this device's data is protected, and holds
//! what unlocking needs.
//!
//! Protection covers the whole device's fieldkit data rather than one study: study
//! titles and the participant-mode lock are sensitive too, one passphrase at start
//! is what a researcher handing a tablet around can manage, and a single data key
//! keeps participant mode (which spans the device) simple.
//!
//! A random 256-bit data key encrypts every record. It is stored only wrapped
//! (AES-256-GCM, associated data [`WRAP_AAD`]) twice: by a key derived from the
//! passphrase (PBKDF2-SHA256, [`PBKDF2_ITERATIONS`], 16-byte salt), and by the
//! recovery key (256 random bits shown once, used directly as an AES-256 key).

use serde::{Deserialize, Serialize};

use crate::protection::b64;
use crate::storage::store::RawRecord;

pub const KEYRING_KEY: &str = "meta:keyring";
pub const KEYRING_FORMAT: &str = "fieldkit-keyring";
pub const KEYRING_VERSION: u32 = 1;
/// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
pub const PBKDF2_ITERATIONS: u32 = 600_000;
/// Associated data of a wrapped data key.
pub const WRAP_AAD: &[u8] = b"fieldkit-data-key/1";
/// The idle time after which the app locks itself, unless the user chose another.
pub const DEFAULT_IDLE_MINUTES: u32 = 15;
/// The shortest passphrase accepted.
pub const MIN_PASSPHRASE_CHARS: usize = 10;

/// Where the device is between clear and protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtectionState {
    /// Turning on: records are being rewritten sealed; reads accept both forms.
    Sealing,
    On,
    /// Turning off: records are being rewritten in clear; the keyring goes last.
    Unsealing,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    /// Always "PBKDF2-SHA256" in version 1.
    pub name: String,
    pub iterations: u32,
    /// Base64 of 16 random bytes.
    pub salt: String,
}

/// A data key wrapped by another key: base64 of the nonce and of `ciphertext ‖ tag`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    pub nonce: String,
    pub ciphertext: String,
}

impl WrappedKey {
    pub fn new(nonce: &[u8], ciphertext: &[u8]) -> Self {
        WrappedKey { nonce: b64::encode(nonce), ciphertext: b64::encode(ciphertext) }
    }

    /// The nonce and `ciphertext ‖ tag`, checked for size.
    pub fn bytes(&self) -> Result<(Vec<u8>, Vec<u8>), String> {
        let nonce = b64::decode(&self.nonce)?;
        let ciphertext = b64::decode(&self.ciphertext)?;
        if nonce.len() != 12 || ciphertext.len() != 32 + 16 {
            return Err("a wrapped key has the wrong size".into());
        }
        Ok((nonce, ciphertext))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keyring {
    pub format: String,
    pub version: u32,
    pub state: ProtectionState,
    pub kdf: Kdf,
    pub by_passphrase: WrappedKey,
    pub by_recovery_key: WrappedKey,
    pub idle_minutes: u32,
}

impl Keyring {
    pub fn new(salt: &[u8], by_passphrase: WrappedKey, by_recovery_key: WrappedKey) -> Self {
        Keyring {
            format: KEYRING_FORMAT.into(),
            version: KEYRING_VERSION,
            state: ProtectionState::Sealing,
            kdf: Kdf { name: "PBKDF2-SHA256".into(), iterations: PBKDF2_ITERATIONS, salt: b64::encode(salt) },
            by_passphrase,
            by_recovery_key,
            idle_minutes: DEFAULT_IDLE_MINUTES,
        }
    }

    /// This keyring with the data key wrapped anew by another passphrase (a fresh
    /// salt, today's iteration count); the recovery key's wrap and the state stay.
    pub fn with_passphrase(&self, salt: &[u8], by_passphrase: WrappedKey) -> Keyring {
        Keyring {
            kdf: Kdf { name: "PBKDF2-SHA256".into(), iterations: PBKDF2_ITERATIONS, salt: b64::encode(salt) },
            by_passphrase,
            ..self.clone()
        }
    }

    pub fn salt(&self) -> Result<Vec<u8>, String> {
        let salt = b64::decode(&self.kdf.salt)?;
        if salt.len() < 16 {
            return Err("the key-derivation salt is too short".into());
        }
        Ok(salt)
    }

    pub fn to_record(&self) -> Result<RawRecord, String> {
        Ok(RawRecord {
            key: KEYRING_KEY.into(),
            kind: "meta".into(),
            study: String::new(),
            schema: crate::SCHEMA_VERSION,
            body: serde_json::to_string(self).map_err(|e| e.to_string())?,
        })
    }

    /// Reads and checks a stored keyring. A keyring that cannot be read keeps the
    /// device locked (the caller shows why); it is never treated as "not protected".
    pub fn from_record(record: &RawRecord) -> Result<Keyring, String> {
        let keyring: Keyring =
            serde_json::from_str(&record.body).map_err(|e| format!("the keyring cannot be read: {e}"))?;
        if keyring.format != KEYRING_FORMAT {
            return Err(format!("the keyring has an unknown format “{}”", keyring.format));
        }
        if keyring.version > KEYRING_VERSION {
            return Err(format!("the keyring was written by a newer fieldkit (version {})", keyring.version));
        }
        if keyring.kdf.name != "PBKDF2-SHA256" || !(100_000..=50_000_000).contains(&keyring.kdf.iterations) {
            return Err("the keyring names a key derivation this version does not use".into());
        }
        keyring.salt()?;
        keyring.by_passphrase.bytes()?;
        keyring.by_recovery_key.bytes()?;
        Ok(keyring)
    }
}

/// Checks a new passphrase and its repetition; the message is for the user.
pub fn check_new_passphrase(passphrase: &str, again: &str) -> Result<(), String> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(format!(
            "Use at least {MIN_PASSPHRASE_CHARS} characters: a few words only the team knows are easier to \
             remember than a short password."
        ));
    }
    if passphrase != again {
        return Err("The two passphrases are not the same.".into());
    }
    Ok(())
}

/// The recovery key: 256 random bits, written as 52 characters of Crockford's
/// base32 in groups of four (no I, L, O or U, so it survives being copied by hand).
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryKey(pub [u8; 32]);

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

impl std::fmt::Debug for RecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKey(…)")
    }
}

impl RecoveryKey {
    /// The key as the user writes it down.
    pub fn display(&self) -> String {
        // 256 bits as 52 five-bit digits (the last carries 1 bit of padding).
        let mut digits = String::with_capacity(64);
        let mut acc: u32 = 0;
        let mut bits = 0;
        for byte in self.0 {
            acc = (acc << 8) | u32::from(byte);
            bits += 8;
            while bits >= 5 {
                bits -= 5;
                digits.push(char::from(CROCKFORD[((acc >> bits) & 31) as usize]));
            }
        }
        if bits > 0 {
            digits.push(char::from(CROCKFORD[((acc << (5 - bits)) & 31) as usize]));
        }
        let groups: Vec<String> =
            digits.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
        groups.join("-")
    }

    /// Reads a typed recovery key: case, spaces and dashes do not matter, and the
    /// letters people confuse with digits (O, I, L) are read as the digits.
    pub fn parse(text: &str) -> Result<RecoveryKey, String> {
        let mut acc: u32 = 0;
        let mut bits = 0;
        let mut out = Vec::with_capacity(33);
        let mut count = 0;
        for ch in text.chars() {
            let ch = match ch.to_ascii_uppercase() {
                ' ' | '-' | '\t' | '\n' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let Some(value) = CROCKFORD.iter().position(|&c| char::from(c) == ch) else {
                return Err(format!("“{ch}” is not part of a recovery key."));
            };
            count += 1;
            acc = (acc << 5) | value as u32;
            bits += 5;
            if bits >= 8 {
                bits -= 8;
                out.push(((acc >> bits) & 0xff) as u8);
            }
        }
        if count != 52 {
            return Err(format!("A recovery key has 52 characters; this has {count}."));
        }
        let key: [u8; 32] = out.get(..32).and_then(|s| s.try_into().ok()).ok_or("The recovery key is too short.")?;
        Ok(RecoveryKey(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recovery_key_reads_back_from_how_it_is_written() {
        let key = RecoveryKey(std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11)));
        let shown = key.display();
        assert_eq!(shown.len(), 52 + 12, "13 groups of 4 with dashes: {shown}");
        assert_eq!(RecoveryKey::parse(&shown).unwrap(), key);
        // As someone might type it: lower case, spaces, O for 0 and l for 1.
        let typed = shown.replace('-', " ").to_lowercase().replace('0', "o").replace('1', "l");
        assert_eq!(RecoveryKey::parse(&typed).unwrap(), key);
    }

    #[test]
    fn a_mistyped_recovery_key_is_refused_with_a_reason() {
        let shown = RecoveryKey([0xAB; 32]).display();
        assert!(RecoveryKey::parse(&shown[..shown.len() - 1]).unwrap_err().contains("52 characters"));
        assert!(RecoveryKey::parse(&format!("{shown}U")).unwrap_err().contains("“U”"));
        assert_eq!(RecoveryKey([0; 32]).display().replace('-', ""), "0".repeat(52));
    }

    #[test]
    fn a_keyring_round_trips_and_a_bad_one_is_refused() {
        let wrapped = WrappedKey::new(&[1; 12], &[2; 48]);
        let keyring = Keyring::new(&[3; 16], wrapped.clone(), wrapped);
        let record = keyring.to_record().unwrap();
        assert_eq!(Keyring::from_record(&record).unwrap(), keyring);
        let mut weak = keyring.clone();
        weak.kdf.iterations = 1_000;
        assert!(Keyring::from_record(&weak.to_record().unwrap()).is_err(), "too few iterations");
        let mut bad = record.clone();
        bad.body = "{".into();
        assert!(Keyring::from_record(&bad).is_err());
        let mut short = keyring;
        short.by_recovery_key = WrappedKey::new(&[1; 12], &[2; 10]);
        assert!(Keyring::from_record(&short.to_record().unwrap()).is_err());
    }

    #[test]
    fn new_passphrases_are_checked() {
        assert!(check_new_passphrase("short", "short").is_err());
        assert!(check_new_passphrase("long enough words", "long enough word").unwrap_err().contains("not the same"));
        assert!(check_new_passphrase("long enough words", "long enough words").is_ok());
    }
}
