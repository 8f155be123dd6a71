//! Protection at rest: every stored record's body encrypted with a data key that a
//! passphrase (or a recovery key) unlocks.
//!
//! The core owns the formats and the rules; the cryptography itself is a [`Cipher`]
//! supplied from outside (the browser's WebCrypto in the app, RustCrypto in the
//! `fieldkit` command), so no crypto code is compiled into the wasm.
//!
//! - [`keyring`]: the device's one clear record that says protection is on and holds
//!   the wrapped data key, the key-derivation parameters and the recovery key's wrap;
//! - [`sealed`]: [`SealedStore`], a [`crate::storage::Store`] that seals bodies on the
//!   way in and opens them on the way out;
//! - [`rewrite`]: turning protection on or off, in batches that survive a killed page;
//! - [`envelope`]: the encrypted backup file.

pub mod envelope;
pub mod keyring;
pub mod rewrite;
pub mod sealed;

pub use keyring::{KEYRING_KEY, Keyring, ProtectionState, RecoveryKey};
pub use sealed::{Cipher, CryptoError, SEALED_PREFIX, SealedStore, is_sealed};

/// Standard base64 (with padding), the encoding of every binary field.
pub(crate) mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

    pub fn encode(bytes: &[u8]) -> String {
        STANDARD.encode(bytes)
    }

    pub fn decode(text: &str) -> Result<Vec<u8>, String> {
        STANDARD.decode(text.trim()).map_err(|e| format!("not valid base64: {e}"))
    }
}
