//! The storage contract: what every [`Store`] must do, checked against the memory
//! store natively and against IndexedDB in headless Chromium. Each check gets a
//! fresh, empty store from the factory and panics with its name on failure.

use std::future::Future;

use uuid::Uuid;

use crate::clock::Timestamp;
use crate::storage::records::{RecordKind, record_key};
use crate::storage::repo::{Repo, RepoError};
use crate::storage::store::{RawRecord, Store, WriteOp};
use crate::study::{CaseEdit, ObjectRef, ParticipantEdit, StudyData, StudyEdit};

const NOW: Timestamp = Timestamp::from_millis(1_795_449_405_000);

fn record(key: &str, study: &str, body: &str) -> RawRecord {
    RawRecord {
        key: key.into(),
        kind: key.split(':').next().unwrap_or("case").into(),
        study: study.into(),
        schema: crate::SCHEMA_VERSION,
        body: body.into(),
    }
}

/// A study with some of everything, including text that trips up naive code.
pub fn sample_study() -> StudyData {
    let mut data = StudyData::new("Contract study — gofal 🌿", NOW).expect("valid title");
    let q = Uuid::new_v4();
    data.edit_study(StudyEdit::AddQuestion { id: q, text: "Beth yw eich profiad? ŵ ŷ".into() }, NOW).expect("question");
    let case = data.add_case("Cwm Tŷ", NOW).expect("case");
    data.edit_case(case, CaseEdit::Country("Wales".into()), NOW).expect("country");
    data.edit_case(case, CaseEdit::AddAttribute { key: "لغة".into(), value: "العربية".into() }, NOW).expect("attr");
    let role = data.study.roles[0].id;
    let p = data.add_participant("Ceri 👩🏽‍⚕️", Some(case), Some(role), NOW).expect("participant");
    data.edit_participant(p, ParticipantEdit::RealName("Real Name".into()), NOW).expect("identity");
    data.edit_participant(p, ParticipantEdit::ConsentInterview(true), NOW).expect("consent");
    data
}

pub async fn empty_store_reads_nothing<S: Store>(s: S) {
    assert_eq!(s.get("case:x").await, Ok(None), "empty: get");
    assert_eq!(s.by_study("s").await, Ok(vec![]), "empty: by_study");
    assert_eq!(s.by_kind("case").await, Ok(vec![]), "empty: by_kind");
    assert_eq!(s.quarantined().await, Ok(vec![]), "empty: quarantined");
}

pub async fn put_then_get_returns_the_same_record<S: Store>(s: S) {
    let tricky = "{\"t\":\"emoji 🌿 RTL עברית combining e\u{301} nul-free \\\" quote\"}";
    let r = record("case:1", "s1", tricky);
    s.apply(vec![WriteOp::Put(r.clone())]).await.expect("put");
    assert_eq!(s.get("case:1").await, Ok(Some(r)), "get after put");
}

pub async fn large_record_round_trips<S: Store>(s: S) {
    let big = format!("\"{}\"", "ŵ".repeat(1_000_000));
    let r = record("case:big", "s1", &big);
    s.apply(vec![WriteOp::Put(r.clone())]).await.expect("put large");
    assert_eq!(s.get("case:big").await, Ok(Some(r)), "large record");
}

pub async fn put_overwrites_and_delete_removes<S: Store>(s: S) {
    s.apply(vec![WriteOp::Put(record("case:1", "s1", "1"))]).await.expect("put");
    s.apply(vec![WriteOp::Put(record("case:1", "s1", "2"))]).await.expect("overwrite");
    assert_eq!(s.get("case:1").await.expect("get").map(|r| r.body), Some("2".into()), "overwrite");
    s.apply(vec![WriteOp::Delete("case:1".into()), WriteOp::Delete("case:missing".into())])
        .await
        .expect("delete, including a missing key");
    assert_eq!(s.get("case:1").await, Ok(None), "deleted");
}

pub async fn indexes_select_by_study_and_kind<S: Store>(s: S) {
    s.apply(vec![
        WriteOp::Put(record("study:a", "a", "{}")),
        WriteOp::Put(record("case:a1", "a", "{}")),
        WriteOp::Put(record("case:a2", "a", "{}")),
        WriteOp::Put(record("study:b", "b", "{}")),
        WriteOp::Put(record("case:b1", "b", "{}")),
    ])
    .await
    .expect("batch");
    let mut a: Vec<String> = s.by_study("a").await.expect("by_study").into_iter().map(|r| r.key).collect();
    a.sort();
    assert_eq!(a, ["case:a1", "case:a2", "study:a"], "by_study");
    let mut studies: Vec<String> = s.by_kind("study").await.expect("by_kind").into_iter().map(|r| r.key).collect();
    studies.sort();
    assert_eq!(studies, ["study:a", "study:b"], "by_kind");
}

pub async fn quarantine_moves_a_record_aside_intact<S: Store>(s: S) {
    let r = record("case:q", "s1", "{not json");
    s.apply(vec![WriteOp::Put(r.clone())]).await.expect("put");
    let q = crate::storage::store::QuarantinedRecord {
        key: r.key.clone(),
        kind: r.kind.clone(),
        study: r.study.clone(),
        schema: r.schema,
        body: r.body.clone(),
        reason: "bad".into(),
        quarantined_at: NOW,
    };
    s.apply(vec![WriteOp::Quarantine(q.clone())]).await.expect("quarantine");
    assert_eq!(s.get("case:q").await, Ok(None), "no longer live");
    assert_eq!(s.by_study("s1").await, Ok(vec![]), "not listed with the study");
    assert_eq!(s.quarantined().await, Ok(vec![q]), "kept byte for byte");
    s.apply(vec![WriteOp::Release("case:q".into())]).await.expect("release");
    assert_eq!(s.quarantined().await, Ok(vec![]), "released");
}

pub async fn all_lists_every_live_record<S: Store>(s: S) {
    s.apply(vec![
        WriteOp::Put(record("study:a", "a", "{}")),
        WriteOp::Put(record("case:b1", "b", "{}")),
        WriteOp::Put(record("meta:x", "", "{}")),
    ])
    .await
    .expect("put");
    let mut keys: Vec<String> = s.all().await.expect("all").into_iter().map(|r| r.key).collect();
    keys.sort();
    assert_eq!(keys, ["case:b1", "meta:x", "study:a"], "all");
}

pub async fn put_quarantined_replaces_only_the_quarantined_copy<S: Store>(s: S) {
    let q = crate::storage::store::QuarantinedRecord {
        key: "case:q".into(),
        kind: "case".into(),
        study: "s1".into(),
        schema: 1,
        body: "{first".into(),
        reason: "bad".into(),
        quarantined_at: NOW,
    };
    s.apply(vec![WriteOp::Quarantine(q.clone())]).await.expect("quarantine");
    // The user saved the object again since: a live record of the same key exists.
    let live = record("case:q", "s1", "{\"fresh\":true}");
    s.apply(vec![WriteOp::Put(live.clone())]).await.expect("put live");
    let replaced = crate::storage::store::QuarantinedRecord { body: "{second".into(), ..q };
    s.apply(vec![WriteOp::PutQuarantined(replaced.clone())]).await.expect("put quarantined");
    assert_eq!(s.quarantined().await, Ok(vec![replaced]), "quarantined copy replaced");
    assert_eq!(s.get("case:q").await, Ok(Some(live)), "live record untouched");
}

pub async fn probe_succeeds<S: Store>(s: S) {
    assert_eq!(s.probe().await, Ok(()), "write probe");
    assert_eq!(s.by_kind("case").await, Ok(vec![]), "probe leaves no case records");
}

pub async fn repo_saves_and_loads_a_study_losslessly<S: Store>(s: S) {
    let repo = Repo::new(s);
    let mut data = sample_study();
    repo.create(&data).await.expect("create");
    let loaded = repo.load(data.id(), NOW).await.expect("load");
    assert_eq!(loaded.problems, vec![], "no problems");
    assert_eq!(loaded.data, data, "lossless");
    let case = data.cases[0].id;
    let changed = data.edit_case(case, CaseEdit::Description("Edited ✓".into()), NOW).expect("edit");
    repo.save(&data, &[changed]).await.expect("save");
    assert_eq!(repo.load(data.id(), NOW).await.expect("reload").data, data, "edit persisted");
    let list = repo.list(NOW).await.expect("list");
    assert_eq!(list.studies.len(), 1, "listed");
    assert_eq!(list.studies[0].title, data.study.title, "listed title");
}

pub async fn repo_quarantines_a_damaged_record_and_keeps_the_rest<S: Store>(s: S) {
    let data = sample_study();
    let repo = Repo::new(s);
    repo.create(&data).await.expect("create");
    let key = ObjectRef::Case(data.cases[0].id).key(data.id());
    let mut damaged = repo.store().get(&key).await.expect("get").expect("case record");
    damaged.body = "{\"id\": truncated".into();
    repo.store().apply(vec![WriteOp::Put(damaged.clone())]).await.expect("damage");
    let loaded = repo.load(data.id(), NOW).await.expect("load despite damage");
    assert_eq!(loaded.data.cases, vec![], "damaged case not loaded as a default");
    assert_eq!(loaded.data.participants, data.participants, "participants intact");
    assert_eq!(loaded.problems.len(), 1, "one problem reported");
    assert!(!loaded.problems[0].newer, "reported as damaged");
    let q = repo.quarantined().await.expect("quarantine list");
    assert_eq!(q.len(), 1, "quarantined");
    assert_eq!(q[0].body, damaged.body, "original bytes kept");
    // Saving the rest of the study never writes over the quarantined record.
    repo.save(&loaded.data, &loaded.data.all_objects()).await.expect("save rest");
    assert_eq!(repo.quarantined().await.expect("quarantine").len(), 1, "still quarantined");
    assert_eq!(repo.load(data.id(), NOW).await.expect("reload").problems, vec![], "reported once");
}

pub async fn repo_loads_a_large_study_in_steps_as_in_one<S: Store>(s: S) {
    let mut data = sample_study();
    for i in 0..2_100 {
        data.add_case(&format!("Site {i}"), NOW).expect("case");
    }
    let repo = Repo::new(s);
    repo.create(&data).await.expect("create");
    let key = ObjectRef::Case(data.cases[1_500].id).key(data.id());
    let mut damaged = repo.store().get(&key).await.expect("get").expect("case record");
    damaged.body = "{\"id\": trunc".into();
    repo.store().apply(vec![WriteOp::Put(damaged)]).await.expect("damage");
    let mut pauses = Vec::new();
    let stepped = repo
        .load_in_steps(data.id(), NOW, |done, total| {
            pauses.push((done, total));
            std::future::ready(())
        })
        .await
        .expect("load in steps");
    assert!(pauses.len() >= 2, "paused between chunks: {pauses:?}");
    assert_eq!(pauses.last().map(|p| p.0), pauses.last().map(|p| p.1), "the last pause is at the end");
    assert_eq!(stepped.problems.len(), 1, "the damaged record reported");
    assert_eq!(stepped.data.cases.len(), data.cases.len() - 1, "every other case read");
    assert_eq!(repo.quarantined().await.expect("quarantine").len(), 1, "quarantined once");
    let whole = repo.load(data.id(), NOW).await.expect("load");
    assert_eq!(whole.data, stepped.data, "the same study either way");
}

pub async fn repo_leaves_newer_records_untouched<S: Store>(s: S) {
    let data = sample_study();
    let repo = Repo::new(s);
    repo.create(&data).await.expect("create");
    let key = ObjectRef::Participant(data.participants[0].id).key(data.id());
    let mut newer = repo.store().get(&key).await.expect("get").expect("record");
    newer.schema = crate::SCHEMA_VERSION + 1;
    repo.store().apply(vec![WriteOp::Put(newer.clone())]).await.expect("put newer");
    let loaded = repo.load(data.id(), NOW).await.expect("load");
    assert!(loaded.problems.iter().any(|p| p.newer && p.key == key), "reported as newer");
    assert_eq!(repo.store().get(&key).await, Ok(Some(newer)), "left in place");
    assert_eq!(repo.quarantined().await, Ok(vec![]), "not quarantined");
}

pub async fn repo_refuses_duplicate_and_deletes_everything<S: Store>(s: S) {
    let data = sample_study();
    let repo = Repo::new(s);
    repo.create(&data).await.expect("create");
    assert!(matches!(repo.create(&data).await, Err(RepoError::AlreadyExists(_))), "duplicate refused");
    let junk = record(&record_key(RecordKind::Case, Uuid::new_v4()), &data.id().to_string(), "garbage");
    repo.store().apply(vec![WriteOp::Put(junk)]).await.expect("junk");
    let removed = repo.delete_study(data.id()).await.expect("delete");
    assert_eq!(removed, data.all_objects().len() + 1, "every record, readable or not");
    assert_eq!(repo.store().by_study(&data.id().to_string()).await, Ok(vec![]), "nothing left");
    assert!(matches!(repo.load(data.id(), NOW).await, Err(RepoError::NotFound)), "gone");
}

pub async fn repo_cascade_delete_is_one_batch<S: Store>(s: S) {
    let mut data = sample_study();
    let repo = Repo::new(s);
    repo.create(&data).await.expect("create");
    let case = data.cases[0].id;
    let removed = data.delete_case(case).expect("delete case");
    repo.save_and_remove(&data, &[ObjectRef::Study], &removed).await.expect("cascade");
    let loaded = repo.load(data.id(), NOW).await.expect("load");
    assert_eq!(loaded.data, data, "case, participant and identity gone together");
    assert!(loaded.data.identities.is_empty(), "identity removed");
}

/// Runs every check, each on a fresh store from `make`.
pub async fn run_all<S, F, Fut>(make: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    empty_store_reads_nothing(make().await).await;
    put_then_get_returns_the_same_record(make().await).await;
    large_record_round_trips(make().await).await;
    put_overwrites_and_delete_removes(make().await).await;
    indexes_select_by_study_and_kind(make().await).await;
    quarantine_moves_a_record_aside_intact(make().await).await;
    all_lists_every_live_record(make().await).await;
    put_quarantined_replaces_only_the_quarantined_copy(make().await).await;
    probe_succeeds(make().await).await;
    repo_saves_and_loads_a_study_losslessly(make().await).await;
    repo_quarantines_a_damaged_record_and_keeps_the_rest(make().await).await;
    repo_leaves_newer_records_untouched(make().await).await;
    repo_loads_a_large_study_in_steps_as_in_one(make().await).await;
    repo_refuses_duplicate_and_deletes_everything(make().await).await;
    repo_cascade_delete_is_one_batch(make().await).await;
}
