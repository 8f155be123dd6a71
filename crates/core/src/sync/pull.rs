//! A study read back from the team's database: its documents become records and
//! the records a study, through the same loading (and quarantine) as on a device.

use std::collections::BTreeMap;

use thiserror::Error;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::storage::records::RecordKind;
use crate::storage::repo::{DECODE_CHUNK, RecordProblem, StudyAssembler};
use crate::storage::store::block_on_ready;
use crate::study::StudyData;
use crate::sync::doc::{DocBody, SyncDoc};
use crate::sync::push::{BaseRev, ServerDoc, SyncBase};

/// One live document from the server, with the ids of its conflicting revisions.
#[derive(Clone, Debug, PartialEq)]
pub struct PulledDoc {
    pub rev: String,
    pub doc: SyncDoc,
    pub conflicts: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pulled {
    pub data: StudyData,
    /// Documents that could not be read as records, as a device would report them.
    pub problems: Vec<RecordProblem>,
    pub base: SyncBase,
    /// Documents with conflicting revisions not yet resolved: the study holds the
    /// revision CouchDB shows first (its winner).
    pub conflicted: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum PullError {
    #[error("the database {0} holds no fieldkit study")]
    NoStudy(String),
    #[error("the database {db} holds more than one study ({count}); fieldkit keeps one study per database")]
    SeveralStudies { db: String, count: usize },
    #[error(
        "the study in {0} is encrypted end to end; open it in the app with the team's passphrase, or export it from there"
    )]
    Sealed(String),
    #[error("the study in {db} could not be read: {reason}")]
    Unreadable { db: String, reason: String },
}

/// Live documents by id, as the push rules take them.
pub fn by_id(docs: Vec<PulledDoc>) -> BTreeMap<String, ServerDoc> {
    docs.into_iter().map(|d| (d.doc.id.clone(), ServerDoc { rev: d.rev, doc: d.doc })).collect()
}

/// The study in `database`, from its live documents.
pub fn study_from_docs(database: &str, docs: Vec<PulledDoc>, now: Timestamp) -> Result<Pulled, PullError> {
    // With a pause that is ready at once, the whole future is ready when first polled.
    block_on_ready(study_from_docs_in_steps(database, &docs, now, |_, _| std::future::ready(()))).ok_or_else(|| {
        PullError::Unreadable { db: database.into(), reason: "reading the documents did not finish".into() }
    })?
}

/// Like [`study_from_docs`], decoding the documents in chunks and awaiting
/// `between` (given how many are done of how many) after each, so a page stays
/// responsive while a large study arrives.
pub async fn study_from_docs_in_steps<F, Fut>(
    database: &str,
    docs: &[PulledDoc],
    now: Timestamp,
    mut between: F,
) -> Result<Pulled, PullError>
where
    F: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let studies: Vec<&PulledDoc> = docs.iter().filter(|d| d.doc.kind == RecordKind::Study.as_str()).collect();
    let study_doc = match studies.as_slice() {
        [] => return Err(PullError::NoStudy(database.into())),
        [one] => *one,
        more => return Err(PullError::SeveralStudies { db: database.into(), count: more.len() }),
    };
    if docs.iter().any(|d| matches!(d.doc.body, DocBody::Sealed(_))) {
        return Err(PullError::Sealed(database.into()));
    }
    let unreadable = |reason: String| PullError::Unreadable { db: database.into(), reason };
    if Uuid::parse_str(&study_doc.doc.study).is_err() {
        return Err(unreadable(format!("its study id {} is not a UUID", study_doc.doc.study)));
    }
    let mut assembler =
        StudyAssembler::start(&study_doc.doc.to_record(), now).map_err(|e| unreadable(e.to_string()))?;
    let mut base = SyncBase { database: database.into(), revisions: BTreeMap::new() };
    let mut conflicted = Vec::new();
    let mut done = 0;
    for chunk in docs.chunks(DECODE_CHUNK) {
        for pulled in chunk {
            if !pulled.conflicts.is_empty() {
                conflicted.push(pulled.doc.id.clone());
            }
            base.revisions
                .insert(pulled.doc.id.clone(), BaseRev { rev: pulled.rev.clone(), digest: pulled.doc.digest() });
            // As on a device, a study is read from its own records only.
            if !std::ptr::eq(pulled, study_doc) && pulled.doc.study == study_doc.doc.study {
                assembler.add(&pulled.doc.to_record());
            }
        }
        done += chunk.len();
        between(done, docs.len()).await;
    }
    // A record that cannot be read is reported; its quarantine is the device's
    // business (the document stays on the server as it is).
    let (loaded, _quarantine) = assembler.finish();
    Ok(Pulled { data: loaded.data, problems: loaded.problems, base, conflicted })
}

/// The documents of a study that go to the server: every record that travels
/// (see [`crate::sync::doc::travels`]), from the study as it is now.
pub fn docs_of(data: &StudyData, share_identifying: bool) -> Result<Vec<SyncDoc>, String> {
    let mut docs = Vec::new();
    for obj in data.all_objects() {
        if !crate::sync::doc::travels(obj.kind().as_str(), share_identifying) {
            continue;
        }
        let Some(record) = data.encode(obj) else { continue };
        docs.push(SyncDoc::from_record(&record?).map_err(|e| e.to_string())?);
    }
    Ok(docs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoSize, demo_study};

    fn as_pulled(docs: Vec<SyncDoc>) -> Vec<PulledDoc> {
        docs.into_iter()
            .enumerate()
            .map(|(i, doc)| PulledDoc { rev: format!("1-{i}"), doc, conflicts: vec![] })
            .collect()
    }

    #[test]
    fn a_study_comes_back_whole_from_its_documents() {
        let study = demo_study(DemoSize::Small);
        let docs = docs_of(&study, false).unwrap();
        assert!(docs.iter().all(|d| d.kind != "identity" && d.kind != "coding_history"));
        let n = docs.len();
        let pulled = study_from_docs("team-study", as_pulled(docs), Timestamp::from_millis(0)).unwrap();
        assert!(pulled.problems.is_empty());
        assert_eq!(pulled.base.revisions.len(), n);
        assert_eq!(pulled.base.database, "team-study");
        let mut expected = study.clone();
        expected.identities.clear();
        expected.coding_history = pulled.data.coding_history.clone();
        assert_eq!(crate::summary::Summary::of(&pulled.data), crate::summary::Summary::of(&expected));
        assert_eq!(pulled.data.segments, expected.segments);
        assert_eq!(pulled.data.participants, expected.participants);
    }

    /// The small demo with enough memos to need several chunks.
    fn many_records() -> StudyData {
        let mut study = demo_study(DemoSize::Small);
        let memo = study.memos[0].clone();
        for i in 0..2_500u128 {
            let mut m = memo.clone();
            m.id = Uuid::from_u128(0xfeed_0000 + i);
            m.created = Timestamp::from_millis(1_000 + i as i64);
            m.text = format!("memo number {i}");
            study.memos.push(m);
        }
        study
    }

    #[test]
    fn a_large_study_is_read_in_chunks_with_a_pause_between_each_and_comes_out_the_same() {
        let study = many_records();
        let docs = as_pulled(docs_of(&study, false).unwrap());
        let n = docs.len();
        let mut pauses = Vec::new();
        let stepped =
            block_on_ready(study_from_docs_in_steps("db", &docs, Timestamp::from_millis(0), |done, total| {
                pauses.push((done, total));
                std::future::ready(())
            }))
            .unwrap()
            .unwrap();
        assert!(pauses.len() >= 3, "pauses: {pauses:?}");
        assert!(pauses.windows(2).all(|w| w[0].0 < w[1].0), "progress only goes forward: {pauses:?}");
        assert_eq!(pauses.last(), Some(&(n, n)));
        let whole = study_from_docs("db", docs, Timestamp::from_millis(0)).unwrap();
        assert_eq!(stepped, whole);
        assert_eq!(stepped.data.memos.len(), study.memos.len());
    }

    #[test]
    fn a_document_of_another_study_is_not_read_into_this_one() {
        let study = demo_study(DemoSize::Small);
        let mut docs = docs_of(&study, false).unwrap();
        let mut stray = docs.iter().find(|d| d.kind == "memo").unwrap().clone();
        stray.study = Uuid::from_u128(7).to_string();
        stray.id = format!("memo:{}", Uuid::from_u128(8));
        docs.push(stray);
        let pulled = study_from_docs("db", as_pulled(docs), Timestamp::from_millis(0)).unwrap();
        assert_eq!(pulled.data.memos.len(), study.memos.len());
        assert!(pulled.data.memos.iter().all(|m| m.id != Uuid::from_u128(8)));
    }

    #[test]
    fn identifying_details_travel_only_when_the_team_says_so() {
        let mut study = demo_study(DemoSize::Small);
        let participant = study.participants[0].id;
        study.identities.push(crate::study::Identity {
            participant_id: participant,
            study_id: study.study.id,
            modified: Timestamp::from_millis(5),
            real_name: "Megan Pritchard".into(),
            contact: "07700 900123".into(),
            notes: String::new(),
        });
        let kept_back = docs_of(&study, false).unwrap();
        assert!(kept_back.iter().all(|d| d.kind != "identity"));
        assert!(kept_back.iter().all(|d| !d.to_json().to_string().contains("Megan Pritchard")));
        let shared = docs_of(&study, true).unwrap();
        assert_eq!(shared.len(), kept_back.len() + 1);
        let identity = shared.iter().find(|d| d.kind == "identity").unwrap();
        assert_eq!(identity.id, format!("identity:{participant}"));
        assert!(identity.to_json().to_string().contains("Megan Pritchard"));
    }

    #[test]
    fn a_damaged_document_is_reported_and_the_rest_opens() {
        let study = demo_study(DemoSize::Small);
        let mut docs = docs_of(&study, false).unwrap();
        let case = docs.iter_mut().find(|d| d.kind == "case").unwrap();
        case.body = DocBody::Json(serde_json::json!({ "nonsense": true }));
        let broken = case.id.clone();
        let pulled = study_from_docs("db", as_pulled(docs), Timestamp::from_millis(0)).unwrap();
        assert_eq!(pulled.problems.len(), 1);
        assert_eq!(pulled.problems[0].key, broken);
        assert_eq!(pulled.data.cases.len(), study.cases.len() - 1);
    }

    #[test]
    fn no_study_several_studies_or_a_sealed_one_are_refused() {
        assert_eq!(study_from_docs("db", vec![], Timestamp::from_millis(0)), Err(PullError::NoStudy("db".into())));
        let a = docs_of(&demo_study(DemoSize::Small), false).unwrap();
        let mut other = demo_study(DemoSize::Small);
        other.study.id = Uuid::from_u128(7);
        let mut both = a.clone();
        both.extend(docs_of(&other, false).unwrap().into_iter().filter(|d| d.kind == "study"));
        assert!(matches!(
            study_from_docs("db", as_pulled(both), Timestamp::from_millis(0)),
            Err(PullError::SeveralStudies { count: 2, .. })
        ));
        let mut sealed = a;
        sealed[1].body = DocBody::Sealed("fieldkit-sealed/1:AAAA".into());
        assert_eq!(
            study_from_docs("db", as_pulled(sealed), Timestamp::from_millis(0)),
            Err(PullError::Sealed("db".into()))
        );
    }

    #[test]
    fn every_object_is_found_again_from_its_key() {
        let study = demo_study(DemoSize::Small);
        let id = study.study.id;
        for obj in study.all_objects() {
            assert_eq!(crate::ObjectRef::from_key(&obj.key(id), id), Some(obj));
        }
        assert_eq!(crate::ObjectRef::from_key(&format!("study:{}", Uuid::from_u128(9)), id), None);
        assert_eq!(crate::ObjectRef::from_key("case:not-a-uuid", id), None);
        assert_eq!(crate::ObjectRef::from_key("meta:probe", id), None);
    }

    #[test]
    fn conflicted_documents_are_listed() {
        let mut docs = as_pulled(docs_of(&demo_study(DemoSize::Small), false).unwrap());
        docs[2].conflicts = vec!["2-zz".into()];
        let id = docs[2].doc.id.clone();
        let pulled = study_from_docs("db", docs, Timestamp::from_millis(0)).unwrap();
        assert_eq!(pulled.conflicted, vec![id]);
    }
}
