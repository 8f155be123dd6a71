//! The encrypted backup: a JSON envelope around a normal backup file.
//!
//! ```json
//! { "format": "fieldkit-encrypted-backup", "version": 1,
//!   "kdf": { "name": "PBKDF2-SHA256", "iterations": 600000, "salt": "<base64, 16 bytes>" },
//!   "cipher": "AES-256-GCM", "nonce": "<base64, 12 bytes>",
//!   "ciphertext": "<base64 of the backup's bytes encrypted, tag appended>" }
//! ```
//!
//! The key is the 32 bytes PBKDF2-HMAC-SHA256 derives from the passphrase (UTF-8)
//! and the salt; the associated data is [`BACKUP_AAD`]. The backup's passphrase need
//! not be the device's: it is what the team uses to pass files between them.

use serde::{Deserialize, Serialize};

use crate::protection::b64;
use crate::protection::keyring::{Kdf, PBKDF2_ITERATIONS};

pub const BACKUP_FORMAT: &str = "fieldkit-encrypted-backup";
pub const BACKUP_VERSION: u32 = 1;
pub const BACKUP_CIPHER: &str = "AES-256-GCM";
pub const BACKUP_AAD: &[u8] = b"fieldkit-encrypted-backup/1";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedBackup {
    pub format: String,
    pub version: u32,
    pub kdf: Kdf,
    pub cipher: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// The parts of an envelope, decoded and checked, ready to decrypt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    pub iterations: u32,
    pub salt: Vec<u8>,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl EncryptedBackup {
    pub fn new(salt: &[u8], nonce: &[u8], ciphertext: &[u8]) -> Self {
        EncryptedBackup {
            format: BACKUP_FORMAT.into(),
            version: BACKUP_VERSION,
            kdf: Kdf { name: "PBKDF2-SHA256".into(), iterations: PBKDF2_ITERATIONS, salt: b64::encode(salt) },
            cipher: BACKUP_CIPHER.into(),
            nonce: b64::encode(nonce),
            ciphertext: b64::encode(ciphertext),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Whether a file is an encrypted backup (rather than a plain one). Envelopes are
    /// written with the format first, so even a cut-short one is recognised (and then
    /// refused as damaged); one with its fields in another order is recognised by
    /// reading its top-level `format`.
    pub fn looks_like(bytes: &[u8]) -> bool {
        #[derive(Deserialize)]
        struct FormatOnly {
            format: String,
        }
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned();
        let compact: String = head.chars().filter(|c| !c.is_whitespace()).collect();
        compact.starts_with(&format!("{{\"format\":\"{BACKUP_FORMAT}\""))
            || serde_json::from_slice::<FormatOnly>(bytes).is_ok_and(|f| f.format == BACKUP_FORMAT)
    }

    /// Reads and checks an envelope; the message says what is wrong in words.
    pub fn parse(bytes: &[u8]) -> Result<Sealed, String> {
        let envelope: EncryptedBackup =
            serde_json::from_slice(bytes).map_err(|e| format!("this is not a readable encrypted backup ({e})"))?;
        if envelope.format != BACKUP_FORMAT {
            return Err(format!("this is not an encrypted fieldkit backup (format “{}”)", envelope.format));
        }
        if envelope.version > BACKUP_VERSION {
            return Err(format!(
                "this encrypted backup was written by a newer fieldkit (version {}); update fieldkit to read it",
                envelope.version
            ));
        }
        if envelope.kdf.name != "PBKDF2-SHA256" || envelope.cipher != BACKUP_CIPHER {
            return Err(format!(
                "this encrypted backup uses {} with {}, which this version does not read",
                envelope.kdf.name, envelope.cipher
            ));
        }
        if !(1..=50_000_000).contains(&envelope.kdf.iterations) {
            return Err("this encrypted backup names an impossible number of key-derivation rounds".into());
        }
        let salt = b64::decode(&envelope.kdf.salt).map_err(|e| format!("its salt is {e}"))?;
        let nonce = b64::decode(&envelope.nonce).map_err(|e| format!("its nonce is {e}"))?;
        let ciphertext = b64::decode(&envelope.ciphertext).map_err(|e| format!("its ciphertext is {e}"))?;
        if nonce.len() != 12 || ciphertext.len() < 16 || salt.len() < 8 {
            return Err("this encrypted backup is truncated or damaged".into());
        }
        Ok(Sealed { iterations: envelope.kdf.iterations, salt, nonce, ciphertext })
    }
}

/// What the user is told when a backup will not decrypt.
pub const WRONG_PASSPHRASE: &str =
    "The passphrase is wrong, or the file was changed or damaged after it was written. Nothing was imported.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_reads_back_and_names_its_parameters() {
        let env = EncryptedBackup::new(&[7; 16], &[1; 12], &[5; 40]);
        let json = env.to_json();
        assert!(EncryptedBackup::looks_like(json.as_bytes()));
        assert!(!EncryptedBackup::looks_like(br#"{"format":"fieldkit-backup"}"#));
        assert!(!EncryptedBackup::looks_like(br#"{"format":"fieldkit-backup","note":"fieldkit-encrypted-backup"}"#));
        assert!(EncryptedBackup::looks_like(br#"{"nonce":"x","format":"fieldkit-encrypted-backup"}"#));
        assert!(EncryptedBackup::looks_like(&json.as_bytes()[..json.len() / 2]), "cut short, still recognised");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["format"], "fieldkit-encrypted-backup");
        assert_eq!(value["version"], 1);
        assert_eq!(value["kdf"]["iterations"], 600_000);
        assert_eq!(value["cipher"], "AES-256-GCM");
        let sealed = EncryptedBackup::parse(json.as_bytes()).unwrap();
        assert_eq!(
            sealed,
            Sealed { iterations: 600_000, salt: vec![7; 16], nonce: vec![1; 12], ciphertext: vec![5; 40] }
        );
    }

    #[test]
    fn a_damaged_or_foreign_envelope_is_refused_in_words() {
        let env = EncryptedBackup::new(&[7; 16], &[1; 12], &[5; 40]);
        let mut newer = env.clone();
        newer.version = 2;
        assert!(EncryptedBackup::parse(newer.to_json().as_bytes()).unwrap_err().contains("newer fieldkit"));
        let mut short = env.clone();
        short.nonce = b64::encode(&[1; 5]);
        assert!(EncryptedBackup::parse(short.to_json().as_bytes()).unwrap_err().contains("damaged"));
        let mut other = env.clone();
        other.cipher = "ChaCha20".into();
        assert!(EncryptedBackup::parse(other.to_json().as_bytes()).is_err());
        let json = env.to_json();
        assert!(EncryptedBackup::parse(&json.as_bytes()[..json.len() / 2]).is_err());
    }
}
