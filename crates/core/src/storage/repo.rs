//! Studies on top of any [`Store`]: loading with quarantine, saving objects
//! atomically, creating, importing and deleting whole studies.

use thiserror::Error;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::storage::records::{DecodeProblem, Decoded, RecordKind, decode, record_key};
use crate::storage::store::{QuarantinedRecord, RawRecord, Store, StoreError, WriteOp};
use crate::study::{ObjectRef, StudyData};

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum RepoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("This study is not on this device (it may have been deleted).")]
    NotFound,
    #[error("This study's main record cannot be read: {0}. Its other records are kept untouched.")]
    StudyUnreadable(String),
    #[error(
        "A study with the same id (“{0}”) is already on this device. Delete it first, or import the backup \
         into another browser profile."
    )]
    AlreadyExists(String),
    #[error("Could not prepare the data for saving: {0}")]
    Encode(String),
}

/// A record that could not be read, as told to the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordProblem {
    pub key: String,
    pub kind: String,
    pub reason: String,
    /// True when a newer fieldkit wrote it: it stays where it is, untouched.
    pub newer: bool,
}

impl RecordProblem {
    pub fn message(&self) -> String {
        let what = RecordKind::parse(&self.kind).map(|k| k.label()).unwrap_or("record");
        if self.newer {
            format!(
                "A {what} ({}) was saved by a newer version of fieldkit and is left untouched: {}",
                self.key, self.reason
            )
        } else {
            format!(
                "A {what} ({}) could not be read and was set aside in quarantine (see Storage): {}",
                self.key, self.reason
            )
        }
    }
}

/// A study as loaded, with whatever could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct Loaded {
    pub data: StudyData,
    pub problems: Vec<RecordProblem>,
}

/// A line in the list of studies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StudyListing {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub modified: Timestamp,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StudyList {
    pub studies: Vec<StudyListing>,
    pub problems: Vec<RecordProblem>,
}

/// Sorts a record's failure: newer ones are reported and left, damaged ones quarantined
/// (the quarantine write is added to `ops`).
fn triage(raw: &RawRecord, problem: DecodeProblem, now: Timestamp, ops: &mut Vec<WriteOp>) -> RecordProblem {
    match problem {
        DecodeProblem::Newer { schema } => RecordProblem {
            key: raw.key.clone(),
            kind: raw.kind.clone(),
            reason: format!("its schema version is {schema}; this version reads up to {}", crate::SCHEMA_VERSION),
            newer: true,
        },
        DecodeProblem::Damaged(reason) => {
            ops.push(WriteOp::Quarantine(QuarantinedRecord {
                key: raw.key.clone(),
                kind: raw.kind.clone(),
                study: raw.study.clone(),
                schema: raw.schema,
                body: raw.body.clone(),
                reason: reason.clone(),
                quarantined_at: now,
            }));
            RecordProblem { key: raw.key.clone(), kind: raw.kind.clone(), reason, newer: false }
        }
    }
}

/// Records decoded between two pauses of [`Repo::load_in_steps`]: about a frame's
/// work on a tablet for typical records.
pub const DECODE_CHUNK: usize = 1_000;

/// Builds a study from its stored records one at a time, so a caller can pause
/// between chunks: reads the study record first, then any others in any order.
pub struct StudyAssembler {
    data: StudyData,
    problems: Vec<RecordProblem>,
    quarantine: Vec<WriteOp>,
    now: Timestamp,
}

impl StudyAssembler {
    /// Starts from the study's own record; without it nothing can be shown.
    pub fn start(study_raw: &RawRecord, now: Timestamp) -> Result<Self, RepoError> {
        let study = match decode(study_raw) {
            Ok(Decoded::Study(s)) => s,
            // Keep everything in place for recovery.
            Ok(_) => return Err(RepoError::StudyUnreadable("it holds another kind of record".into())),
            Err(DecodeProblem::Newer { schema }) => {
                return Err(RepoError::StudyUnreadable(format!("it was saved by a newer fieldkit (schema {schema})")));
            }
            Err(DecodeProblem::Damaged(reason)) => return Err(RepoError::StudyUnreadable(reason)),
        };
        Ok(StudyAssembler {
            data: StudyData { study, ..StudyData::empty_parts() },
            problems: Vec::new(),
            quarantine: Vec::new(),
            now,
        })
    }

    /// Adds one record (not the study's own); one that cannot be read is reported
    /// and, when damaged, set aside for quarantine.
    pub fn add(&mut self, raw: &RawRecord) {
        let data = &mut self.data;
        match decode(raw) {
            Ok(Decoded::Case(c)) => data.cases.push(c),
            Ok(Decoded::Participant(p)) => data.participants.push(p),
            Ok(Decoded::Identity(i)) => data.identities.push(i),
            Ok(Decoded::Protocol(x)) => data.protocols.push(x),
            Ok(Decoded::Interview(x)) => data.interviews.push(x),
            Ok(Decoded::Document(x)) => data.documents.push(x),
            Ok(Decoded::Account(x)) => data.accounts.push(x),
            Ok(Decoded::Survey(x)) => data.surveys.push(x),
            Ok(Decoded::Response(x)) => data.responses.push(x),
            Ok(Decoded::Code(x)) => data.codes.push(x),
            Ok(Decoded::Segment(x)) => data.segments.push(x),
            Ok(Decoded::Memo(x)) => data.memos.push(x),
            Ok(Decoded::MatrixCell(x)) => data.matrix_cells.push(x),
            Ok(Decoded::CodingHistory(x)) => data.coding_history = x,
            Ok(Decoded::Study(_)) => {}
            Err(problem) => self.problems.push(triage(raw, problem, self.now, &mut self.quarantine)),
        }
    }

    /// The study in a stable, readable order (by creation time, then name), with
    /// the problems found and the quarantine writes they call for.
    pub fn finish(self) -> (Loaded, Vec<WriteOp>) {
        let mut data = self.data;
        data.cases.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.name.cmp(&b.name)));
        data.participants.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.pseudonym.cmp(&b.pseudonym)));
        data.identities.sort_by_key(|i| i.participant_id);
        data.protocols.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.interviews.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.documents.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.accounts.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.surveys.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.responses.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.codes.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.segments.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.memos.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        data.matrix_cells.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        (Loaded { data, problems: self.problems }, self.quarantine)
    }
}

pub struct Repo<S> {
    store: S,
}

impl<S: Store> Repo<S> {
    pub fn new(store: S) -> Self {
        Repo { store }
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Every study on the device, newest first.
    pub async fn list(&self, now: Timestamp) -> Result<StudyList, RepoError> {
        let mut list = StudyList::default();
        let mut ops = Vec::new();
        for raw in self.store.by_kind(RecordKind::Study.as_str()).await? {
            match decode(&raw) {
                Ok(Decoded::Study(s)) => list.studies.push(StudyListing {
                    id: s.id,
                    title: s.title,
                    description: s.description,
                    modified: s.modified,
                }),
                Ok(_) => {}
                Err(problem) => list.problems.push(triage(&raw, problem, now, &mut ops)),
            }
        }
        if !ops.is_empty() {
            self.store.apply(ops).await?;
        }
        list.studies.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.title.cmp(&b.title)));
        Ok(list)
    }

    /// Loads a whole study. Records that fail to decode are quarantined and reported,
    /// never replaced by defaults: the rest of the study still opens.
    pub async fn load(&self, id: Uuid, now: Timestamp) -> Result<Loaded, RepoError> {
        self.load_in_steps(id, now, |_, _| std::future::ready(())).await
    }

    /// Like [`Repo::load`], decoding the records in chunks and awaiting `between`
    /// (given how many are done of how many) after each one, so the page can paint
    /// while a large study opens.
    pub async fn load_in_steps<F, Fut>(&self, id: Uuid, now: Timestamp, mut between: F) -> Result<Loaded, RepoError>
    where
        F: FnMut(usize, usize) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let study_key = record_key(RecordKind::Study, id);
        let records = self.store.by_study(&id.to_string()).await?;
        let Some(study_raw) = records.iter().find(|r| r.key == study_key) else {
            return Err(RepoError::NotFound);
        };
        let mut assembler = StudyAssembler::start(study_raw, now)?;
        let mut done = 0;
        for chunk in records.chunks(DECODE_CHUNK) {
            for raw in chunk.iter().filter(|r| r.key != study_key) {
                assembler.add(raw);
            }
            done += chunk.len();
            if records.len() > DECODE_CHUNK {
                between(done, records.len()).await;
            }
        }
        let (loaded, quarantine) = assembler.finish();
        if !quarantine.is_empty() {
            self.store.apply(quarantine).await?;
        }
        Ok(loaded)
    }

    fn puts(data: &StudyData, objs: &[ObjectRef]) -> Result<Vec<WriteOp>, RepoError> {
        objs.iter()
            .filter_map(|obj| data.encode(*obj))
            .map(|r| r.map(WriteOp::Put).map_err(RepoError::Encode))
            .collect()
    }

    /// Writes the current state of some objects, all in one transaction.
    pub async fn save(&self, data: &StudyData, objs: &[ObjectRef]) -> Result<(), RepoError> {
        let ops = Self::puts(data, objs)?;
        if ops.is_empty() {
            return Ok(());
        }
        Ok(self.store.apply(ops).await?)
    }

    /// Saves some objects and deletes others in one transaction (e.g. a cascade delete
    /// that also changes the study record).
    pub async fn save_and_remove(
        &self,
        data: &StudyData,
        save: &[ObjectRef],
        remove: &[ObjectRef],
    ) -> Result<(), RepoError> {
        let mut ops = Self::puts(data, save)?;
        ops.extend(remove.iter().map(|obj| WriteOp::Delete(obj.key(data.id()))));
        Ok(self.store.apply(ops).await?)
    }

    /// Stores a new study whole (created here or imported): all records or none.
    pub async fn create(&self, data: &StudyData) -> Result<(), RepoError> {
        self.create_in_steps(data, |_, _| std::future::ready(())).await
    }

    /// Like [`Repo::create`], encoding the records in chunks and awaiting `between`
    /// (given how many are done of how many) after each one: the app shows progress
    /// and lets the page paint there. Still one write, all or nothing.
    pub async fn create_in_steps<F, Fut>(&self, data: &StudyData, mut between: F) -> Result<(), RepoError>
    where
        F: FnMut(usize, usize) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        /// Records encoded between two pauses: about a frame's work on a tablet.
        const CHUNK: usize = 2_000;
        if self.store.get(&record_key(RecordKind::Study, data.id())).await?.is_some() {
            return Err(RepoError::AlreadyExists(data.study.title.clone()));
        }
        let objects = data.all_objects();
        let mut ops = Vec::with_capacity(objects.len());
        for chunk in objects.chunks(CHUNK) {
            ops.extend(Self::puts(data, chunk)?);
            between(ops.len(), objects.len()).await;
        }
        Ok(self.store.apply(ops).await?)
    }

    /// Deletes a study and every record that belongs to it, readable or not.
    pub async fn delete_study(&self, id: Uuid) -> Result<usize, RepoError> {
        let keys: Vec<WriteOp> =
            self.store.by_study(&id.to_string()).await?.into_iter().map(|r| WriteOp::Delete(r.key)).collect();
        let n = keys.len();
        self.store.apply(keys).await?;
        Ok(n)
    }

    pub async fn quarantined(&self) -> Result<Vec<QuarantinedRecord>, RepoError> {
        Ok(self.store.quarantined().await?)
    }

    /// Forgets a quarantined record, once the user has saved its text elsewhere.
    pub async fn discard_quarantined(&self, key: &str) -> Result<(), RepoError> {
        Ok(self.store.apply(vec![WriteOp::Release(key.to_string())]).await?)
    }
}
