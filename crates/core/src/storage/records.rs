//! How study objects become store records and back, with schema versions and migrations.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use uuid::Uuid;

use crate::SCHEMA_VERSION;
use crate::coding::{Code, MatrixCell, Memo, Segment};
use crate::fieldwork::{Account, Document, Interview, Protocol};
use crate::storage::store::{RawRecord, WriteOp};
use crate::study::{Case, Identity, Participant, Study};
use crate::study::{ObjectRef, StudyData};
use crate::surveys::{Response, Survey};

/// The kinds of record a study is stored as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordKind {
    Study,
    Case,
    Participant,
    Identity,
    Protocol,
    Interview,
    Document,
    Account,
    Survey,
    Response,
    Code,
    Segment,
    Memo,
    MatrixCell,
    CodingHistory,
}

impl RecordKind {
    pub const ALL: [RecordKind; 15] = [
        RecordKind::Study,
        RecordKind::Case,
        RecordKind::Participant,
        RecordKind::Identity,
        RecordKind::Protocol,
        RecordKind::Interview,
        RecordKind::Document,
        RecordKind::Account,
        RecordKind::Survey,
        RecordKind::Response,
        RecordKind::Code,
        RecordKind::Segment,
        RecordKind::Memo,
        RecordKind::MatrixCell,
        RecordKind::CodingHistory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::Study => "study",
            RecordKind::Case => "case",
            RecordKind::Participant => "participant",
            RecordKind::Identity => "identity",
            RecordKind::Protocol => "protocol",
            RecordKind::Interview => "interview",
            RecordKind::Document => "document",
            RecordKind::Account => "account",
            RecordKind::Survey => "survey",
            RecordKind::Response => "response",
            RecordKind::Code => "code",
            RecordKind::Segment => "segment",
            RecordKind::Memo => "memo",
            RecordKind::MatrixCell => "matrix_cell",
            RecordKind::CodingHistory => "coding_history",
        }
    }

    pub fn parse(kind: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == kind)
    }

    /// What a person calls one of these, for messages.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Study => "study",
            RecordKind::Case => "case",
            RecordKind::Participant => "participant",
            RecordKind::Identity => "participant's identifying details",
            RecordKind::Protocol => "interview protocol",
            RecordKind::Interview => "interview",
            RecordKind::Document => "document",
            RecordKind::Account => "interview account",
            RecordKind::Survey => "survey",
            RecordKind::Response => "survey response",
            RecordKind::Code => "code",
            RecordKind::Segment => "coded segment",
            RecordKind::Memo => "memo",
            RecordKind::MatrixCell => "framework matrix cell",
            RecordKind::CodingHistory => "coding undo history",
        }
    }
}

pub fn record_key(kind: RecordKind, id: Uuid) -> String {
    format!("{}:{id}", kind.as_str())
}

impl ObjectRef {
    pub fn kind(self) -> RecordKind {
        match self {
            ObjectRef::Study => RecordKind::Study,
            ObjectRef::Case(_) => RecordKind::Case,
            ObjectRef::Participant(_) => RecordKind::Participant,
            ObjectRef::Identity(_) => RecordKind::Identity,
            ObjectRef::Protocol(_) => RecordKind::Protocol,
            ObjectRef::Interview(_) => RecordKind::Interview,
            ObjectRef::Document(_) => RecordKind::Document,
            ObjectRef::Account(_) => RecordKind::Account,
            ObjectRef::Survey(_) => RecordKind::Survey,
            ObjectRef::Response(_) => RecordKind::Response,
            ObjectRef::Code(_) => RecordKind::Code,
            ObjectRef::Segment(_) => RecordKind::Segment,
            ObjectRef::Memo(_) => RecordKind::Memo,
            ObjectRef::MatrixCell(_) => RecordKind::MatrixCell,
            ObjectRef::CodingHistory => RecordKind::CodingHistory,
        }
    }

    /// The id of the object named (the study's own id for `Study`).
    pub fn id(self, study: Uuid) -> Uuid {
        match self {
            ObjectRef::Study | ObjectRef::CodingHistory => study,
            ObjectRef::Case(id)
            | ObjectRef::Participant(id)
            | ObjectRef::Identity(id)
            | ObjectRef::Protocol(id)
            | ObjectRef::Interview(id)
            | ObjectRef::Document(id)
            | ObjectRef::Account(id)
            | ObjectRef::Survey(id)
            | ObjectRef::Response(id)
            | ObjectRef::Code(id)
            | ObjectRef::Segment(id)
            | ObjectRef::Memo(id)
            | ObjectRef::MatrixCell(id) => id,
        }
    }

    pub fn key(self, study: Uuid) -> String {
        let id = self.id(study);
        record_key(self.kind(), id)
    }

    /// The object a record key of study `study` names (the inverse of [`ObjectRef::key`]);
    /// None for a key of another study's record or of no object.
    pub fn from_key(key: &str, study: Uuid) -> Option<ObjectRef> {
        let (kind, id) = key.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        Some(match RecordKind::parse(kind)? {
            RecordKind::Study if id == study => ObjectRef::Study,
            RecordKind::CodingHistory if id == study => ObjectRef::CodingHistory,
            RecordKind::Study | RecordKind::CodingHistory => return None,
            RecordKind::Case => ObjectRef::Case(id),
            RecordKind::Participant => ObjectRef::Participant(id),
            RecordKind::Identity => ObjectRef::Identity(id),
            RecordKind::Protocol => ObjectRef::Protocol(id),
            RecordKind::Interview => ObjectRef::Interview(id),
            RecordKind::Document => ObjectRef::Document(id),
            RecordKind::Account => ObjectRef::Account(id),
            RecordKind::Survey => ObjectRef::Survey(id),
            RecordKind::Response => ObjectRef::Response(id),
            RecordKind::Code => ObjectRef::Code(id),
            RecordKind::Segment => ObjectRef::Segment(id),
            RecordKind::Memo => ObjectRef::Memo(id),
            RecordKind::MatrixCell => ObjectRef::MatrixCell(id),
        })
    }
}

fn encode<T: Serialize>(kind: RecordKind, id: Uuid, study: Uuid, value: &T) -> Result<RawRecord, String> {
    let body = serde_json::to_string(value).map_err(|e| format!("could not encode {}: {e}", kind.label()))?;
    Ok(RawRecord {
        key: record_key(kind, id),
        kind: kind.as_str().into(),
        study: study.to_string(),
        schema: SCHEMA_VERSION,
        body,
    })
}

impl StudyData {
    /// The record for one object as it is now; None if the object no longer exists.
    pub fn encode(&self, obj: ObjectRef) -> Option<Result<RawRecord, String>> {
        let study = self.study.id;
        Some(match obj {
            ObjectRef::Study => encode(RecordKind::Study, study, study, &self.study),
            ObjectRef::Case(id) => encode(RecordKind::Case, id, study, self.case(id)?),
            ObjectRef::Participant(id) => encode(RecordKind::Participant, id, study, self.participant(id)?),
            ObjectRef::Identity(id) => encode(RecordKind::Identity, id, study, self.identity(id)?),
            ObjectRef::Protocol(id) => {
                encode(RecordKind::Protocol, id, study, self.protocols.iter().find(|x| x.id == id)?)
            }
            ObjectRef::Interview(id) => {
                encode(RecordKind::Interview, id, study, self.interviews.iter().find(|x| x.id == id)?)
            }
            ObjectRef::Document(id) => {
                encode(RecordKind::Document, id, study, self.documents.iter().find(|x| x.id == id)?)
            }
            ObjectRef::Account(id) => {
                encode(RecordKind::Account, id, study, self.accounts.iter().find(|x| x.id == id)?)
            }
            ObjectRef::Survey(id) => encode(RecordKind::Survey, id, study, self.surveys.iter().find(|x| x.id == id)?),
            ObjectRef::Response(id) => {
                encode(RecordKind::Response, id, study, self.responses.iter().find(|x| x.id == id)?)
            }
            ObjectRef::Code(id) => encode(RecordKind::Code, id, study, self.code(id)?),
            ObjectRef::Segment(id) => encode(RecordKind::Segment, id, study, self.segment(id)?),
            ObjectRef::Memo(id) => encode(RecordKind::Memo, id, study, self.memo(id)?),
            ObjectRef::MatrixCell(id) => {
                encode(RecordKind::MatrixCell, id, study, self.matrix_cells.iter().find(|x| x.id == id)?)
            }
            ObjectRef::CodingHistory => {
                if self.coding_history.is_empty() {
                    return None;
                }
                let mut history = self.coding_history.clone();
                history.study_id = study;
                encode(RecordKind::CodingHistory, study, study, &history)
            }
        })
    }

    /// The writes that bring storage up to date for some objects: a put of each one
    /// that exists, a delete of each one that no longer does. For edits that both
    /// change and remove objects (coding edits, see `Applied::touched`).
    pub fn write_ops(&self, objs: &[ObjectRef]) -> Result<Vec<WriteOp>, String> {
        objs.iter()
            .map(|obj| match self.encode(*obj) {
                Some(record) => record.map(WriteOp::Put),
                None => Ok(WriteOp::Delete(obj.key(self.study.id))),
            })
            .collect()
    }

    /// Every object of the study, for creating or importing it whole.
    pub fn all_objects(&self) -> Vec<ObjectRef> {
        let mut objs = vec![ObjectRef::Study];
        objs.extend(self.cases.iter().map(|c| ObjectRef::Case(c.id)));
        objs.extend(self.participants.iter().map(|p| ObjectRef::Participant(p.id)));
        objs.extend(self.identities.iter().map(|i| ObjectRef::Identity(i.participant_id)));
        objs.extend(self.protocols.iter().map(|x| ObjectRef::Protocol(x.id)));
        objs.extend(self.interviews.iter().map(|x| ObjectRef::Interview(x.id)));
        objs.extend(self.documents.iter().map(|x| ObjectRef::Document(x.id)));
        objs.extend(self.accounts.iter().map(|x| ObjectRef::Account(x.id)));
        objs.extend(self.surveys.iter().map(|x| ObjectRef::Survey(x.id)));
        objs.extend(self.responses.iter().map(|x| ObjectRef::Response(x.id)));
        objs.extend(self.codes.iter().map(|x| ObjectRef::Code(x.id)));
        objs.extend(self.segments.iter().map(|x| ObjectRef::Segment(x.id)));
        objs.extend(self.memos.iter().map(|x| ObjectRef::Memo(x.id)));
        objs.extend(self.matrix_cells.iter().map(|x| ObjectRef::MatrixCell(x.id)));
        if !self.coding_history.is_empty() {
            objs.push(ObjectRef::CodingHistory);
        }
        objs
    }
}

/// Objects as they were, to put back: what an "Undo" message after a delete holds.
/// `None` means the object did not exist.
pub type SavedObjects = Vec<(ObjectRef, Option<RawRecord>)>;

fn put_back<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter().position(same) {
        Some(at) => items[at] = item,
        None => items.push(item),
    }
}

impl StudyData {
    /// The current records of some objects, for putting them back later with
    /// [`StudyData::restore_saved`].
    pub fn save_objects(&self, objs: &[ObjectRef]) -> Result<SavedObjects, String> {
        objs.iter().map(|obj| Ok((*obj, self.encode(*obj).transpose()?))).collect()
    }

    /// Puts objects back exactly as they were saved (objects that did not exist are
    /// removed again). Returns what it touched, to store. Nothing changes if any
    /// saved record cannot be read.
    pub fn restore_saved(&mut self, saved: &SavedObjects) -> Result<Vec<ObjectRef>, String> {
        let mut decoded = Vec::with_capacity(saved.len());
        for (obj, raw) in saved {
            let value = match raw {
                Some(raw) => Some(decode(raw).map_err(|e| match e {
                    DecodeProblem::Newer { .. } => "a newer version wrote it".to_string(),
                    DecodeProblem::Damaged(why) => why,
                })?),
                None => None,
            };
            decoded.push((*obj, value));
        }
        for (obj, value) in decoded {
            match value {
                Some(value) => self.put_decoded(value),
                None => self.remove_object(obj),
            }
        }
        Ok(saved.iter().map(|(obj, _)| *obj).collect())
    }

    fn put_decoded(&mut self, value: Decoded) {
        match value {
            Decoded::Study(x) => self.study = x,
            Decoded::Case(x) => put_back(&mut self.cases, x.clone(), |o| o.id == x.id),
            Decoded::Participant(x) => put_back(&mut self.participants, x.clone(), |o| o.id == x.id),
            Decoded::Identity(x) => put_back(&mut self.identities, x.clone(), |o| o.participant_id == x.participant_id),
            Decoded::Protocol(x) => put_back(&mut self.protocols, x.clone(), |o| o.id == x.id),
            Decoded::Interview(x) => put_back(&mut self.interviews, x.clone(), |o| o.id == x.id),
            Decoded::Document(x) => put_back(&mut self.documents, x.clone(), |o| o.id == x.id),
            Decoded::Account(x) => put_back(&mut self.accounts, x.clone(), |o| o.id == x.id),
            Decoded::Survey(x) => put_back(&mut self.surveys, x.clone(), |o| o.id == x.id),
            Decoded::Response(x) => put_back(&mut self.responses, x.clone(), |o| o.id == x.id),
            Decoded::Code(x) => put_back(&mut self.codes, x.clone(), |o| o.id == x.id),
            Decoded::Segment(x) => put_back(&mut self.segments, x.clone(), |o| o.id == x.id),
            Decoded::Memo(x) => put_back(&mut self.memos, x.clone(), |o| o.id == x.id),
            Decoded::MatrixCell(x) => put_back(&mut self.matrix_cells, x.clone(), |o| o.id == x.id),
            Decoded::CodingHistory(x) => self.coding_history = x,
        }
    }

    fn remove_object(&mut self, obj: ObjectRef) {
        match obj {
            // A study is never saved as absent: nothing to remove.
            ObjectRef::Study => {}
            ObjectRef::Case(id) => self.cases.retain(|o| o.id != id),
            ObjectRef::Participant(id) => self.participants.retain(|o| o.id != id),
            ObjectRef::Identity(id) => self.identities.retain(|o| o.participant_id != id),
            ObjectRef::Protocol(id) => self.protocols.retain(|o| o.id != id),
            ObjectRef::Interview(id) => self.interviews.retain(|o| o.id != id),
            ObjectRef::Document(id) => self.documents.retain(|o| o.id != id),
            ObjectRef::Account(id) => self.accounts.retain(|o| o.id != id),
            ObjectRef::Survey(id) => self.surveys.retain(|o| o.id != id),
            ObjectRef::Response(id) => self.responses.retain(|o| o.id != id),
            ObjectRef::Code(id) => self.codes.retain(|o| o.id != id),
            ObjectRef::Segment(id) => self.segments.retain(|o| o.id != id),
            ObjectRef::Memo(id) => self.memos.retain(|o| o.id != id),
            ObjectRef::MatrixCell(id) => self.matrix_cells.retain(|o| o.id != id),
            ObjectRef::CodingHistory => {
                self.coding_history.undo.clear();
                self.coding_history.redo.clear();
            }
        }
    }

    /// An interview and every coded segment on its notes, turns or transcript: what
    /// to save before an edit of that interview that can be undone from a message.
    pub fn interview_objects(&self, interview: Uuid) -> Vec<ObjectRef> {
        let mut objs = vec![ObjectRef::Interview(interview)];
        objs.extend(
            self.segments.iter().filter(|s| s.source.interview() == Some(interview)).map(|s| ObjectRef::Segment(s.id)),
        );
        objs
    }
}

/// A decoded record, one variant per kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Decoded {
    Study(Study),
    Case(Case),
    Participant(Participant),
    Identity(Identity),
    Protocol(Protocol),
    Interview(Interview),
    Document(Document),
    Account(Account),
    Survey(Survey),
    Response(Response),
    Code(Code),
    Segment(Segment),
    Memo(Memo),
    MatrixCell(MatrixCell),
    CodingHistory(crate::coding::CodingHistory),
}

/// Why a record could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeProblem {
    /// Written by a newer fieldkit: left in place untouched, for that version to read.
    Newer { schema: u32 },
    /// Damaged or unreadable: to be quarantined.
    Damaged(String),
}

/// Upgrades a record body written with an older schema to the current one.
///
/// Each entry turns version N into N+1. Schema 1 is the first, so the list is empty;
/// the loop is here so that the next change to a record's shape adds one function
/// instead of a new mechanism.
type Migration = fn(RecordKind, Value) -> Result<Value, String>;
const MIGRATIONS: &[Migration] = &[];

pub fn migrate(kind: RecordKind, schema: u32, mut body: Value) -> Result<Value, DecodeProblem> {
    if schema == 0 {
        return Err(DecodeProblem::Damaged("record has schema version 0, which never existed".into()));
    }
    if schema > SCHEMA_VERSION {
        return Err(DecodeProblem::Newer { schema });
    }
    for step in MIGRATIONS.iter().skip(schema as usize - 1) {
        body = step(kind, body).map_err(DecodeProblem::Damaged)?;
    }
    Ok(body)
}

fn decode_as<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeProblem> {
    // The same reader as backups use (`from_slice`), so the wasm bundle carries one
    // deserializer per type rather than several.
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            DecodeProblem::Damaged(format!("not valid JSON: {e}"))
        } else {
            DecodeProblem::Damaged(format!("unexpected content: {e}"))
        }
    })
}

/// Reads one record, checking that its body agrees with its key.
pub fn decode(raw: &RawRecord) -> Result<Decoded, DecodeProblem> {
    // A kind this version does not know was written by a newer one: leave it be.
    let kind = RecordKind::parse(&raw.kind).ok_or(DecodeProblem::Newer { schema: raw.schema })?;
    if raw.schema > SCHEMA_VERSION {
        return Err(DecodeProblem::Newer { schema: raw.schema });
    }
    // A sealed body reaches here only when it could not be opened (wrong key, altered,
    // truncated): set it aside as stored.
    if crate::protection::is_sealed(&raw.body) {
        return Err(DecodeProblem::Damaged(
            "it is encrypted and could not be decrypted with this device's key (it may have been altered or \
             cut short)"
                .into(),
        ));
    }
    // Current records are read as they are; older ones are upgraded first.
    let upgraded;
    let body: &[u8] = if raw.schema == SCHEMA_VERSION {
        raw.body.as_bytes()
    } else {
        let value: Value =
            serde_json::from_str(&raw.body).map_err(|e| DecodeProblem::Damaged(format!("not valid JSON: {e}")))?;
        let value = migrate(kind, raw.schema, value)?;
        upgraded = serde_json::to_vec(&value).map_err(|e| DecodeProblem::Damaged(e.to_string()))?;
        &upgraded
    };
    let decoded = match kind {
        RecordKind::Study => Decoded::Study(decode_as(body)?),
        RecordKind::Case => Decoded::Case(decode_as(body)?),
        RecordKind::Participant => Decoded::Participant(decode_as(body)?),
        RecordKind::Identity => Decoded::Identity(decode_as(body)?),
        RecordKind::Protocol => Decoded::Protocol(decode_as(body)?),
        RecordKind::Interview => Decoded::Interview(decode_as(body)?),
        RecordKind::Document => Decoded::Document(decode_as(body)?),
        RecordKind::Account => Decoded::Account(decode_as(body)?),
        RecordKind::Survey => Decoded::Survey(decode_as(body)?),
        RecordKind::Response => Decoded::Response(decode_as(body)?),
        RecordKind::Code => Decoded::Code(decode_as(body)?),
        RecordKind::Segment => Decoded::Segment(decode_as(body)?),
        RecordKind::Memo => Decoded::Memo(decode_as(body)?),
        RecordKind::MatrixCell => Decoded::MatrixCell(decode_as(body)?),
        RecordKind::CodingHistory => Decoded::CodingHistory(decode_as(body)?),
    };
    let (id, study) = match &decoded {
        Decoded::Study(s) => (s.id, s.id),
        Decoded::Case(c) => (c.id, c.study_id),
        Decoded::Participant(p) => (p.id, p.study_id),
        Decoded::Identity(i) => (i.participant_id, i.study_id),
        Decoded::Protocol(x) => (x.id, x.study_id),
        Decoded::Interview(x) => (x.id, x.study_id),
        Decoded::Document(x) => (x.id, x.study_id),
        Decoded::Account(x) => (x.id, x.study_id),
        Decoded::Survey(x) => (x.id, x.study_id),
        Decoded::Response(x) => (x.id, x.study_id),
        Decoded::Code(x) => (x.id, x.study_id),
        Decoded::Segment(x) => (x.id, x.study_id),
        Decoded::Memo(x) => (x.id, x.study_id),
        Decoded::MatrixCell(x) => (x.id, x.study_id),
        Decoded::CodingHistory(x) => (x.study_id, x.study_id),
    };
    if raw.key != record_key(kind, id) || raw.study != study.to_string() {
        return Err(DecodeProblem::Damaged(format!(
            "the record's content (id {id}, study {study}) does not match its key {}",
            raw.key
        )));
    }
    Ok(decoded)
}
