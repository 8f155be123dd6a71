//! A stored record as a CouchDB document, and which records travel.
//!
//! A document is `{"_id": <record key>, "fieldkit": 1, "kind", "study", "schema",
//! "body": <the record as JSON>}`; a record sealed on the device travels sealed, as
//! `"sealed": "fieldkit-sealed/1:…"` in place of `body`, so the server holds only
//! the clear fields. The body is a JSON object, not a string, so that a team's
//! server-side tools (views, Mango queries) can read an unsealed study.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::protection::is_sealed;
use crate::protection::keyring::{Keyring, ProtectionState};
use crate::storage::records::RecordKind;
use crate::storage::store::RawRecord;

/// The document layout's version, in every document's `fieldkit` field.
pub const DOC_FORMAT: u64 = 1;

#[derive(Clone, Debug, PartialEq)]
pub enum DocBody {
    Json(Value),
    Sealed(String),
}

/// One study record as it travels.
#[derive(Clone, Debug, PartialEq)]
pub struct SyncDoc {
    pub id: String,
    pub kind: String,
    pub study: String,
    pub schema: u32,
    pub body: DocBody,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum DocError {
    #[error("document {0} was not written by fieldkit")]
    NotFieldkit(String),
    #[error("document {id} has a missing or wrong field “{field}”")]
    BadField { id: String, field: &'static str },
    #[error("document {0} was written by a newer fieldkit (document format {1})")]
    NewerFormat(String, u64),
    #[error("record {0} does not hold JSON, so it stays on this device")]
    NotJson(String),
}

/// Whether records of this kind go to the team's server. The undo history is this
/// device's own; identifying details (real names, contacts) go only when the team
/// has said so in the study's settings. Kinds this version does not know were
/// written by a newer one and are not ours to send.
pub fn travels(kind: &str, share_identifying: bool) -> bool {
    match RecordKind::parse(kind) {
        Some(RecordKind::CodingHistory) => false,
        Some(RecordKind::Identity) => share_identifying,
        Some(_) => true,
        None => false,
    }
}

impl SyncDoc {
    pub fn from_record(record: &RawRecord) -> Result<SyncDoc, DocError> {
        let body = if is_sealed(&record.body) {
            DocBody::Sealed(record.body.clone())
        } else {
            DocBody::Json(serde_json::from_str(&record.body).map_err(|_| DocError::NotJson(record.key.clone()))?)
        };
        Ok(SyncDoc {
            id: record.key.clone(),
            kind: record.kind.clone(),
            study: record.study.clone(),
            schema: record.schema,
            body,
        })
    }

    /// The stored record this document holds, leaving the document as it is.
    pub fn to_record(&self) -> RawRecord {
        let body = match &self.body {
            DocBody::Json(value) => value.to_string(),
            DocBody::Sealed(text) => text.clone(),
        };
        RawRecord {
            key: self.id.clone(),
            kind: self.kind.clone(),
            study: self.study.clone(),
            schema: self.schema,
            body,
        }
    }

    pub fn into_record(self) -> RawRecord {
        let body = match self.body {
            DocBody::Json(value) => value.to_string(),
            DocBody::Sealed(text) => text,
        };
        RawRecord { key: self.id, kind: self.kind, study: self.study, schema: self.schema, body }
    }

    /// The document to send (without `_rev`; the caller adds the revision it writes on).
    pub fn to_json(&self) -> Value {
        let mut doc = json!({
            "_id": self.id,
            "fieldkit": DOC_FORMAT,
            "kind": self.kind,
            "study": self.study,
            "schema": self.schema,
        });
        if let Value::Object(fields) = &mut doc {
            match &self.body {
                DocBody::Json(value) => fields.insert("body".into(), value.clone()),
                DocBody::Sealed(text) => fields.insert("sealed".into(), Value::String(text.clone())),
            };
        }
        doc
    }

    /// Reads a document as the server returns it (its `_rev` and other CouchDB fields
    /// are ignored here). Anything not in fieldkit's layout is refused, never guessed at.
    pub fn from_json(doc: &Value) -> Result<SyncDoc, DocError> {
        let id = doc.get("_id").and_then(Value::as_str).unwrap_or("(no id)").to_string();
        let format = doc.get("fieldkit").and_then(Value::as_u64).ok_or_else(|| DocError::NotFieldkit(id.clone()))?;
        if format > DOC_FORMAT {
            return Err(DocError::NewerFormat(id, format));
        }
        let text = |field: &'static str| {
            doc.get(field)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| DocError::BadField { id: id.clone(), field })
        };
        let kind = text("kind")?;
        let study = text("study")?;
        let schema = doc
            .get("schema")
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok())
            .ok_or_else(|| DocError::BadField { id: id.clone(), field: "schema" })?;
        let body = match (doc.get("body"), doc.get("sealed")) {
            (Some(body), None) if body.is_object() => DocBody::Json(body.clone()),
            (None, Some(Value::String(sealed))) if is_sealed(sealed) => DocBody::Sealed(sealed.clone()),
            _ => return Err(DocError::BadField { id, field: "body" }),
        };
        Ok(SyncDoc { id, kind, study, schema, body })
    }

    /// A digest of what the document says (not how its JSON is laid out): equal
    /// digests mean equal content, whatever order the server kept the keys in.
    pub fn digest(&self) -> String {
        let mut canonical = String::new();
        canonical.push_str(&self.id);
        canonical.push('\n');
        canonical.push_str(&self.kind);
        canonical.push('\n');
        canonical.push_str(&self.study);
        canonical.push('\n');
        canonical.push_str(&self.schema.to_string());
        canonical.push('\n');
        match &self.body {
            DocBody::Json(value) => write_canonical(value, &mut canonical),
            DocBody::Sealed(text) => {
                canonical.push_str("sealed:");
                canonical.push_str(text);
            }
        }
        let hash = Sha256::digest(canonical.as_bytes());
        hash.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// Same content as another document (see [`SyncDoc::digest`]).
    pub fn same_content(&self, other: &SyncDoc) -> bool {
        self.digest() == other.digest()
    }
}

/// JSON with object keys sorted, so the digest does not depend on key order.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = fields.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Number(n) => out.push_str(&canonical_number(n)),
        other => out.push_str(&other.to_string()),
    }
}

/// A number as JavaScript would write it back: a server in JavaScript (PouchDB) or
/// one that re-encodes (CouchDB's JSON layer) returns `1.0` as `1`.
fn canonical_number(n: &serde_json::Number) -> String {
    if let Some(x) = n.as_f64().filter(|x| n.is_f64() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0) {
        return format!("{}", x as i64);
    }
    n.to_string()
}

/// The document that carries a protected study's key to the team: the device's
/// keyring (the data key wrapped by the team's passphrase and by the recovery key;
/// nothing that opens it without one of them). Not a record: it never becomes one.
pub const KEYRING_DOC: &str = "fieldkit-keyring";

pub fn keyring_doc(study: &str, keyring: &Keyring) -> Value {
    // The sealing progress is each device's own.
    let mut keyring = keyring.clone();
    keyring.state = ProtectionState::On;
    json!({ "_id": KEYRING_DOC, "fieldkit_keyring": 1, "study": study, "keyring": keyring })
}

/// The team's keyring from its document, checked as a device checks its own.
pub fn keyring_from_doc(doc: &Value) -> Result<Keyring, String> {
    let keyring = doc.get("keyring").ok_or("the team's key document holds no keyring")?;
    let keyring: Keyring = serde_json::from_value(keyring.clone()).map_err(|e| format!("the team's keyring: {e}"))?;
    Keyring::from_record(&keyring.to_record()?)
}

/// The revisions a document (read with `conflicts=true`) is in conflict with.
pub fn conflicts_of(doc: &Value) -> Vec<String> {
    doc.get("_conflicts")
        .and_then(Value::as_array)
        .map(|c| c.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The revision a document's id and `_rev` name on the server.
pub fn rev_of(doc: &Value) -> Option<&str> {
    doc.get("_rev").and_then(Value::as_str)
}

/// The generation (the number before the dash) and hash of a CouchDB revision.
pub fn split_rev(rev: &str) -> Option<(u64, &str)> {
    let (generation, hash) = rev.split_once('-')?;
    if hash.is_empty() {
        return None;
    }
    Some((generation.parse().ok()?, hash))
}

/// Copies a JSON object's fields into another (used to add `_rev`, `_revisions`…).
pub(crate) fn with_fields(mut doc: Value, extra: Map<String, Value>) -> Value {
    if let Value::Object(fields) = &mut doc {
        fields.extend(extra);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: &str) -> RawRecord {
        RawRecord { key: "case:7b0c".into(), kind: "case".into(), study: "s1".into(), schema: 3, body: body.into() }
    }

    #[test]
    fn a_record_travels_as_a_readable_document_and_comes_back_the_same() {
        let raw = record(r#"{"name":"Glan Môr","attributes":{"setting":"rural"}}"#);
        let doc = SyncDoc::from_record(&raw).unwrap();
        let json = doc.to_json();
        assert_eq!(json["_id"], "case:7b0c");
        assert_eq!(json["fieldkit"], 1);
        assert_eq!(json["body"]["name"], "Glan Môr");
        let back = SyncDoc::from_json(&json).unwrap();
        assert_eq!(back, doc);
        let again: Value = serde_json::from_str(&back.into_record().body).unwrap();
        assert_eq!(again, serde_json::from_str::<Value>(&raw.body).unwrap());
    }

    #[test]
    fn a_sealed_record_travels_sealed() {
        let raw = record("fieldkit-sealed/1:AAAA");
        let doc = SyncDoc::from_record(&raw).unwrap();
        let json = doc.to_json();
        assert!(json.get("body").is_none());
        assert_eq!(json["sealed"], "fieldkit-sealed/1:AAAA");
        assert_eq!(SyncDoc::from_json(&json).unwrap().into_record(), raw);
    }

    #[test]
    fn the_digest_ignores_key_order_but_not_content() {
        let a = SyncDoc::from_record(&record(r#"{"a":1,"b":{"x":[1,2],"y":"z"}}"#)).unwrap();
        let b = SyncDoc::from_record(&record(r#"{"b":{"y":"z","x":[1,2]},"a":1}"#)).unwrap();
        let c = SyncDoc::from_record(&record(r#"{"a":1,"b":{"x":[2,1],"y":"z"}}"#)).unwrap();
        // A whole number written back without its ".0" is the same content.
        let d = SyncDoc::from_record(&record(r#"{"a":1.0,"b":{"x":[1,2.0],"y":"z"}}"#)).unwrap();
        assert!(a.same_content(&d));
        let e = SyncDoc::from_record(&record(r#"{"a":1.5,"b":{"x":[1,2],"y":"z"}}"#)).unwrap();
        assert!(!a.same_content(&e));
        assert_eq!(a.digest(), b.digest());
        assert!(a.same_content(&b));
        assert_ne!(a.digest(), c.digest());
        assert!(!a.same_content(&c));
        assert_eq!(a.digest().len(), 32);
    }

    #[test]
    fn foreign_or_newer_documents_are_refused_with_a_reason() {
        assert_eq!(
            SyncDoc::from_json(&json!({"_id": "x", "title": "a CouchDB doc"})),
            Err(DocError::NotFieldkit("x".into()))
        );
        assert_eq!(
            SyncDoc::from_json(&json!({"_id": "x", "fieldkit": 9, "kind": "case"})),
            Err(DocError::NewerFormat("x".into(), 9))
        );
        assert_eq!(
            SyncDoc::from_json(&json!({"_id": "x", "fieldkit": 1, "kind": "case", "study": "s", "schema": 1})),
            Err(DocError::BadField { id: "x".into(), field: "body" })
        );
        assert_eq!(
            SyncDoc::from_json(
                &json!({"_id": "x", "fieldkit": 1, "kind": "case", "study": "s", "schema": 1, "sealed": "plain words"})
            ),
            Err(DocError::BadField { id: "x".into(), field: "body" })
        );
        assert!(matches!(SyncDoc::from_record(&record("not json")), Err(DocError::NotJson(_))));
    }

    #[test]
    fn what_travels() {
        assert!(travels("case", false));
        assert!(travels("segment", false));
        assert!(!travels("identity", false));
        assert!(travels("identity", true));
        assert!(!travels("coding_history", true));
        assert!(!travels("meta", true));
        assert!(!travels("hologram", true));
    }

    #[test]
    fn revisions_split_into_generation_and_hash() {
        assert_eq!(split_rev("3-abc"), Some((3, "abc")));
        assert_eq!(split_rev("abc"), None);
        assert_eq!(split_rev("x-abc"), None);
        assert_eq!(split_rev("2-"), None);
    }

    #[test]
    fn the_team_key_document_carries_the_wrapped_key_and_reads_back_checked() {
        use crate::protection::keyring::{Keyring, ProtectionState, WrappedKey};
        let keyring =
            Keyring::new(&[7u8; 16], WrappedKey::new(&[1u8; 12], &[2u8; 48]), WrappedKey::new(&[3u8; 12], &[4u8; 48]));
        assert_eq!(keyring.state, ProtectionState::Sealing);
        let doc = keyring_doc("s-1", &keyring);
        assert_eq!(doc["_id"], KEYRING_DOC);
        let back = keyring_from_doc(&doc).unwrap();
        assert_eq!(back.state, ProtectionState::On, "each device's own sealing progress does not travel");
        assert_eq!(back.by_passphrase, keyring.by_passphrase);
        assert_eq!(back.by_recovery_key, keyring.by_recovery_key);
        let mut bad = doc.clone();
        bad["keyring"]["kdf"]["iterations"] = json!(10);
        assert!(keyring_from_doc(&bad).is_err(), "a weakened key derivation is refused");
        assert!(SyncDoc::from_json(&doc).is_err(), "never read as a record");
    }
}
