//! The versioned JSON backup of a whole study (format documented in docs/backup-format.md).
//!
//! Export is lossless; import checks the format name, the version and the whole
//! content before anything is stored, so a bad file changes nothing.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clock::Timestamp;
use crate::coding::{Code, MatrixCell, Memo, Segment};
use crate::fieldwork::{Account, Document, Interview, Protocol};
use crate::study::StudyData;
use crate::study::validate::ValidationError;
use crate::study::{Case, Identity, Participant, Study};
use crate::surveys::{Response, Survey};

pub const BACKUP_FORMAT: &str = "fieldkit-backup";
/// 2 added protocols, interviews, documents and accounts; 3 added surveys and
/// responses; 4 added the coding workspace (codes, segments, memos, matrix cells).
/// Older files still import (the lists they lack are empty).
pub const BACKUP_VERSION: u32 = 4;
/// Larger files are refused before parsing, so a wrong file cannot exhaust a tablet's memory.
pub const MAX_BACKUP_BYTES: usize = 256 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    pub format: String,
    pub version: u32,
    pub exported_at: Timestamp,
    /// Which program wrote it, for support; not interpreted.
    #[serde(default)]
    pub generator: String,
    /// Whether `identities` was filled in: they are left out unless asked for.
    #[serde(default)]
    pub includes_identifying_details: bool,
    pub study: Study,
    #[serde(default)]
    pub cases: Vec<Case>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identities: Vec<Identity>,
    #[serde(default)]
    pub protocols: Vec<Protocol>,
    #[serde(default)]
    pub interviews: Vec<Interview>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub surveys: Vec<Survey>,
    #[serde(default)]
    pub responses: Vec<Response>,
    #[serde(default)]
    pub codes: Vec<Code>,
    #[serde(default)]
    pub segments: Vec<Segment>,
    #[serde(default)]
    pub memos: Vec<Memo>,
    #[serde(default)]
    pub matrix_cells: Vec<MatrixCell>,
    /// Set in a file pulled from a team's server (`fieldkit pull`): the database and
    /// each document's revision then, so that pushing it back overwrites no one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<crate::sync::push::SyncBase>,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum BackupError {
    #[error("The file is empty.")]
    Empty,
    #[error("The file is too large for a backup ({size} bytes; the limit is {limit}).")]
    TooLarge { size: usize, limit: usize },
    #[error("The file is not valid JSON (line {line}, column {column}): {message}")]
    NotJson { line: usize, column: usize, message: String },
    #[error("This is not a fieldkit backup (it has no \"format\": \"fieldkit-backup\").")]
    NotABackup,
    #[error(
        "This backup was made by a newer version of fieldkit (backup version {found}; this one reads up to {supported}). Update fieldkit to import it."
    )]
    NewerVersion { found: u32, supported: u32 },
    #[error("This backup has version {0}, which fieldkit never wrote.")]
    UnknownVersion(u32),
    #[error("The backup's content is not as expected: {0}")]
    BadContent(String),
    #[error("The backup is inconsistent, so nothing was imported. {}", describe_problems(.0))]
    Invalid(Vec<ValidationError>),
}

fn describe_problems(problems: &[ValidationError]) -> String {
    let shown: Vec<String> = problems.iter().take(5).map(|p| p.to_string()).collect();
    let more = problems.len().saturating_sub(shown.len());
    let mut text = format!("Problems found: {}", shown.join(" "));
    if more > 0 {
        text.push_str(&format!(" …and {more} more."));
    }
    text
}

#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    version: Option<u32>,
}

impl Backup {
    /// A backup of the study as it is now. Identifying details only when asked for.
    pub fn of(data: &StudyData, include_identifying: bool, now: Timestamp) -> Backup {
        let mut cases = data.cases.clone();
        cases.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        let mut participants = data.participants.clone();
        participants.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        let mut identities = if include_identifying {
            data.identities.iter().filter(|i| !i.is_empty()).cloned().collect()
        } else {
            Vec::new()
        };
        identities.sort_by_key(|i: &Identity| i.participant_id);
        fn by_creation<T: Clone>(items: &[T], key: impl Fn(&T) -> (Timestamp, uuid::Uuid)) -> Vec<T> {
            let mut items = items.to_vec();
            items.sort_by_key(|x| key(x));
            items
        }
        Backup {
            format: BACKUP_FORMAT.into(),
            version: BACKUP_VERSION,
            exported_at: now,
            generator: concat!("fieldkit ", env!("CARGO_PKG_VERSION")).into(),
            includes_identifying_details: include_identifying,
            study: data.study.clone(),
            cases,
            participants,
            identities,
            protocols: by_creation(&data.protocols, |x| (x.created, x.id)),
            interviews: by_creation(&data.interviews, |x| (x.created, x.id)),
            documents: by_creation(&data.documents, |x| (x.created, x.id)),
            accounts: by_creation(&data.accounts, |x| (x.created, x.id)),
            surveys: by_creation(&data.surveys, |x| (x.created, x.id)),
            responses: by_creation(&data.responses, |x| (x.created, x.id)),
            codes: by_creation(&data.codes, |x| (x.created, x.id)),
            segments: by_creation(&data.segments, |x| (x.created, x.id)),
            memos: by_creation(&data.memos, |x| (x.created, x.id)),
            matrix_cells: by_creation(&data.matrix_cells, |x| (x.created, x.id)),
            sync: None,
        }
    }

    /// Pretty JSON, so a researcher can read it and diffs of two backups make sense.
    pub fn to_json(&self) -> String {
        // Serialising plain data structs with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads and checks a backup file. Nothing is stored: the caller stores
    /// the returned study in one transaction.
    pub fn parse(bytes: &[u8]) -> Result<Backup, BackupError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(BackupError::Empty);
        }
        if bytes.len() > MAX_BACKUP_BYTES {
            return Err(BackupError::TooLarge { size: bytes.len(), limit: MAX_BACKUP_BYTES });
        }
        // A byte-order mark is harmless; editors on Windows add one.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let header: Header = serde_json::from_slice(bytes).map_err(|e| {
            if e.is_data() {
                BackupError::NotABackup
            } else {
                BackupError::NotJson { line: e.line(), column: e.column(), message: e.to_string() }
            }
        })?;
        if header.format.as_deref() != Some(BACKUP_FORMAT) {
            return Err(BackupError::NotABackup);
        }
        match header.version {
            Some(v) if v > BACKUP_VERSION => {
                return Err(BackupError::NewerVersion { found: v, supported: BACKUP_VERSION });
            }
            Some(v) if v == 0 => return Err(BackupError::UnknownVersion(v)),
            Some(_) => {}
            None => return Err(BackupError::NotABackup),
        }
        let backup: Backup = serde_json::from_slice(bytes).map_err(|e| BackupError::BadContent(e.to_string()))?;
        let problems = backup.clone().into_study().validate();
        if !problems.is_empty() {
            return Err(BackupError::Invalid(problems));
        }
        Ok(backup)
    }

    pub fn into_study(self) -> StudyData {
        StudyData {
            study: self.study,
            cases: self.cases,
            participants: self.participants,
            identities: self.identities,
            protocols: self.protocols,
            interviews: self.interviews,
            documents: self.documents,
            accounts: self.accounts,
            surveys: self.surveys,
            responses: self.responses,
            codes: self.codes,
            segments: self.segments,
            memos: self.memos,
            matrix_cells: self.matrix_cells,
            coding_history: Default::default(),
        }
    }
}
