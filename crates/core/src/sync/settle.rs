//! Settling what team sync left in conflict, with the choices of a merge.
//!
//! CouchDB keeps every version of a document changed on two devices while apart:
//! one wins (the same one on every device, by CouchDB's rule), the others stay as
//! *losing* revisions until someone settles them. A delete on one device against
//! an edit on another leaves the edit winning and the deletion as a *deleted leaf*;
//! fieldkit treats that as a conflict too, so nothing comes back or goes silently.
//!
//! Settling reuses the merge rules ([`crate::exchange::merge`]): the device's study
//! against the same study with the other versions in place, so each conflict offers
//! keep the version in use, keep the other, or keep both where that makes sense.
//! The outcome is the objects to save on the device and the writes that settle the
//! document in the replica: the chosen content on top of the winner, and each
//! settled revision deleted with a mark ([`SETTLED`]), so that every device can
//! tell a settled version from a deletion still waiting for a decision.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::exchange::merge::{self, MergeKind, MergePlan, MergeSummary, Resolution};
use crate::storage::records::{DecodeProblem, RecordKind, SavedObjects, decode};
use crate::study::{ObjectRef, StudyData};
use crate::sync::doc::{DocBody, SyncDoc, split_rev};
use crate::sync::push::Write;

/// The field that marks a deleted revision as a settled conflict, not a deletion.
pub const SETTLED: &str = "fieldkit_settled";

/// Whether a deleted revision (as the replica returns it) settled a conflict.
pub fn is_settled(doc: &Value) -> bool {
    doc.get(SETTLED).and_then(Value::as_bool) == Some(true)
}

/// The version a document's conflict is with.
#[derive(Clone, Debug, PartialEq)]
pub enum Other {
    /// A losing revision: the object as another device changed it.
    Edited { rev: String, doc: SyncDoc },
    /// A deletion on another device, against the edit that won.
    Deleted { rev: String },
}

/// One document in conflict: its winning revision and one other version. A
/// document with several other versions is settled one version at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    pub id: String,
    pub rev: String,
    pub winner: SyncDoc,
    pub other: Other,
}

/// What a field says in each version, for people to read both before choosing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    pub in_use: String,
    pub other: String,
}

/// A document deleted on one device and changed on another.
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedElsewhere {
    pub id: String,
    pub kind: MergeKind,
    pub label: String,
}

/// What settling would offer, for the user to decide before [`settle`].
#[derive(Clone, Debug, PartialEq)]
pub struct SettlePlan {
    pub merge: MergePlan,
    pub conflicts: Vec<Conflict>,
    /// Per document id, the fields the two versions differ in.
    pub differences: BTreeMap<String, Vec<Difference>>,
    pub deleted_elsewhere: Vec<DeletedElsewhere>,
    /// Documents whose other version cannot be read here (a newer format): left as they are.
    pub unreadable: Vec<(String, String)>,
}

impl SettlePlan {
    /// The merge items to decide, with the document each belongs to.
    pub fn choices(&self) -> Vec<(MergeKind, Uuid, String, String)> {
        let study = self.merge.base.study.id;
        self.merge.conflicts().map(|i| (i.kind, i.id, i.label.clone(), doc_id(i.kind, i.id, study))).collect()
    }
}

/// The record key a merge item lives in (research questions and roles are in the study's).
pub fn doc_id(kind: MergeKind, id: Uuid, study: Uuid) -> String {
    let record = match kind {
        MergeKind::Study | MergeKind::ResearchQuestion | MergeKind::Role => return format!("study:{study}"),
        MergeKind::Case => RecordKind::Case,
        MergeKind::Participant => RecordKind::Participant,
        MergeKind::Identity => RecordKind::Identity,
        MergeKind::Protocol => RecordKind::Protocol,
        MergeKind::Interview => RecordKind::Interview,
        MergeKind::Document => RecordKind::Document,
        MergeKind::Account => RecordKind::Account,
        MergeKind::Survey => RecordKind::Survey,
        MergeKind::Response => RecordKind::Response,
        MergeKind::Code => RecordKind::Code,
        MergeKind::Segment => RecordKind::Segment,
        MergeKind::Memo => RecordKind::Memo,
        MergeKind::MatrixCell => RecordKind::MatrixCell,
    };
    format!("{}:{id}", record.as_str())
}

fn merge_kind(kind: RecordKind) -> Option<MergeKind> {
    Some(match kind {
        RecordKind::Study => MergeKind::Study,
        RecordKind::Case => MergeKind::Case,
        RecordKind::Participant => MergeKind::Participant,
        RecordKind::Identity => MergeKind::Identity,
        RecordKind::Protocol => MergeKind::Protocol,
        RecordKind::Interview => MergeKind::Interview,
        RecordKind::Document => MergeKind::Document,
        RecordKind::Account => MergeKind::Account,
        RecordKind::Survey => MergeKind::Survey,
        RecordKind::Response => MergeKind::Response,
        RecordKind::Code => MergeKind::Code,
        RecordKind::Segment => MergeKind::Segment,
        RecordKind::Memo => MergeKind::Memo,
        RecordKind::MatrixCell => MergeKind::MatrixCell,
        RecordKind::CodingHistory => return None,
    })
}

/// A value in a line people can read (text as it is, the rest as JSON), cut short.
fn readable(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => "(nothing)".to_string(),
        Some(Value::String(s)) if s.is_empty() => "(empty)".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() { format!("{cut}…") } else { cut }
}

/// What people call the object a document holds (its name, pseudonym, title…).
fn name_in(doc: &SyncDoc) -> Option<String> {
    let DocBody::Json(body) = &doc.body else { return None };
    ["name", "pseudonym", "title", "label", "text"]
        .iter()
        .find_map(|f| body.get(*f).and_then(Value::as_str).filter(|s| !s.trim().is_empty()))
        .map(|s| readable(Some(&Value::String(s.to_string()))))
}

/// The top-level fields two versions of a document differ in (not when they were modified).
pub fn differences(in_use: &SyncDoc, other: &SyncDoc) -> Vec<Difference> {
    let (DocBody::Json(a), DocBody::Json(b)) = (&in_use.body, &other.body) else {
        return vec![];
    };
    let empty = Map::new();
    let (a, b) = (a.as_object().unwrap_or(&empty), b.as_object().unwrap_or(&empty));
    let fields: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| k.as_str() != "modified").collect();
    fields
        .into_iter()
        .filter(|f| a.get(*f) != b.get(*f))
        .map(|f| Difference { field: f.replace('_', " "), in_use: readable(a.get(f)), other: readable(b.get(f)) })
        .collect()
}

/// Plans settling `conflicts` on the device's study `device`.
pub fn plan(device: &StudyData, conflicts: Vec<Conflict>) -> SettlePlan {
    let study = device.study.id;
    let mut others: SavedObjects = Vec::new();
    let mut kept = Vec::new();
    let mut differences = BTreeMap::new();
    let mut deleted_elsewhere = Vec::new();
    let mut unreadable = Vec::new();
    for conflict in conflicts {
        let Some(obj) = ObjectRef::from_key(&conflict.id, study) else {
            unreadable.push((conflict.id.clone(), "it is not a record of this study".into()));
            continue;
        };
        match &conflict.other {
            Other::Edited { doc, .. } => {
                if matches!(doc.body, DocBody::Sealed(_)) {
                    unreadable.push((conflict.id.clone(), "the other version is sealed".into()));
                    continue;
                }
                // Each other version must decode on its own before it joins the plan.
                match decode(&doc.clone().into_record()) {
                    Ok(_) => {}
                    Err(DecodeProblem::Newer { .. }) => {
                        unreadable.push((conflict.id.clone(), "a newer version of fieldkit wrote it".into()));
                        continue;
                    }
                    Err(DecodeProblem::Damaged(why)) => {
                        unreadable.push((conflict.id.clone(), why));
                        continue;
                    }
                }
                differences.insert(conflict.id.clone(), self::differences(&conflict.winner, doc));
                others.push((obj, Some(doc.clone().into_record())));
            }
            Other::Deleted { .. } => {
                let kind = merge_kind(obj.kind()).unwrap_or(MergeKind::Study);
                deleted_elsewhere.push(DeletedElsewhere {
                    id: conflict.id.clone(),
                    kind,
                    label: name_in(&conflict.winner).unwrap_or_else(|| conflict.id.clone()),
                });
            }
        }
        kept.push(conflict);
    }
    let mut theirs = device.clone();
    if let Err(e) = theirs.restore_saved(&others) {
        // Each decoded on its own above; together they still may not (never seen).
        unreadable.extend(others.iter().map(|(o, _)| (o.key(study), e.clone())));
        kept.retain(|c| matches!(c.other, Other::Deleted { .. }));
        theirs = device.clone();
    }
    SettlePlan { merge: merge::plan(device, &theirs), conflicts: kept, differences, deleted_elsewhere, unreadable }
}

/// The outcome of settling: objects for the device and writes for the replica.
#[derive(Clone, Debug, PartialEq)]
pub struct Settled {
    /// The device's objects to save (None: delete it).
    pub saved: SavedObjects,
    /// The chosen content on top of the winner (to seal first on a protected device).
    pub updates: Vec<Write>,
    /// Written with `new_edits: true` after the updates: the other versions deleted
    /// with the settled mark.
    pub writes: Vec<Value>,
    /// Written with `new_edits: false`: a settled mark on top of a deletion that
    /// the team chose to undo (a deleted revision cannot be updated otherwise).
    pub branches: Vec<Value>,
    pub summary: MergeSummary,
}

fn settled_delete(id: &str, rev: &str) -> Value {
    json!({ "_id": id, "_rev": rev, "_deleted": true, SETTLED: true })
}

/// A settled mark as the child of a deleted revision, named by it (so writing it twice is one).
fn settled_child(id: &str, deleted_rev: &str) -> Value {
    let (generation, hash) = split_rev(deleted_rev).unwrap_or((1, ""));
    let digest = Sha256::digest(format!("settled\n{id}\n{deleted_rev}").as_bytes());
    let child: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    json!({
        "_id": id,
        "_rev": format!("{}-{child}", generation + 1),
        "_deleted": true,
        SETTLED: true,
        "_revisions": { "start": generation + 1, "ids": [child, hash] },
    })
}

/// Settles every conflict of the plan: merge items by `resolutions` (the merge's
/// defaults where none is given), and each deletion against an edit by `delete`
/// (the ids to delete after all; the others are kept as edited).
pub fn settle(
    plan: &SettlePlan,
    resolutions: &HashMap<(MergeKind, Uuid), Resolution>,
    delete: &BTreeSet<String>,
) -> Result<Settled, String> {
    let study = plan.merge.base.study.id;
    let merged = merge::apply(&plan.merge, resolutions).map_err(|e| e.to_string())?;
    let mut touched: Vec<ObjectRef> = merged.touched.clone();
    let mut deleted = Vec::new();
    let mut updates = Vec::new();
    let mut writes = Vec::new();
    let mut branches = Vec::new();
    for conflict in &plan.conflicts {
        let Some(obj) = ObjectRef::from_key(&conflict.id, study) else { continue };
        match &conflict.other {
            Other::Edited { rev, .. } => {
                let chosen = merged
                    .data
                    .encode(obj)
                    .and_then(Result::ok)
                    .and_then(|r| SyncDoc::from_record(&r).ok())
                    .ok_or_else(|| format!("{} could not be written after settling", conflict.id))?;
                if !chosen.same_content(&conflict.winner) {
                    updates.push(Write::Update { doc: chosen, rev: conflict.rev.clone() });
                }
                writes.push(settled_delete(&conflict.id, rev));
                touched.push(obj);
            }
            Other::Deleted { rev } if delete.contains(&conflict.id) => {
                writes.push(settled_delete(&conflict.id, &conflict.rev));
                branches.push(settled_child(&conflict.id, rev));
                touched.retain(|t| *t != obj);
                deleted.push(obj);
            }
            Other::Deleted { rev } => branches.push(settled_child(&conflict.id, rev)),
        }
    }
    let mut seen = std::collections::HashSet::new();
    touched.retain(|t| seen.insert(*t));
    let mut saved = merged.data.save_objects(&touched)?;
    saved.extend(deleted.into_iter().map(|obj| (obj, None)));
    Ok(Settled { saved, updates, writes, branches, summary: merged.summary })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoSize, demo_study};

    fn doc_of(data: &StudyData, obj: ObjectRef) -> SyncDoc {
        SyncDoc::from_record(&data.encode(obj).unwrap().unwrap()).unwrap()
    }

    /// `obj` in conflict: as `device` has it (winning at `rev`), and as `other` has it.
    fn edited(device: &StudyData, other: &StudyData, obj: ObjectRef, rev: &str, other_rev: &str) -> Conflict {
        Conflict {
            id: obj.key(device.study.id),
            rev: rev.into(),
            winner: doc_of(device, obj),
            other: Other::Edited { rev: other_rev.into(), doc: doc_of(other, obj) },
        }
    }

    /// The demo study on this device, and one case as another device changed it.
    fn edited_case(name: &str) -> (StudyData, ObjectRef, Conflict) {
        let device = demo_study(DemoSize::Small);
        let obj = ObjectRef::Case(device.cases[0].id);
        let mut other = device.clone();
        other.cases[0].name = name.into();
        let conflict = edited(&device, &other, obj, "3-winner", "3-other");
        (device, obj, conflict)
    }

    #[test]
    fn keeping_the_other_version_writes_it_on_the_winner_and_settles_the_loser() {
        let (device, obj, conflict) = edited_case("Renamed on the other tablet");
        let id = conflict.id.clone();
        let plan = plan(&device, vec![conflict]);
        let choices = plan.choices();
        assert_eq!(choices.len(), 1);
        assert_eq!((choices[0].0, choices[0].3.as_str()), (MergeKind::Case, id.as_str()));
        let diff = &plan.differences[&id];
        assert_eq!(diff.len(), 1);
        assert_eq!((diff[0].field.as_str(), diff[0].other.as_str()), ("name", "Renamed on the other tablet"));
        assert_eq!(diff[0].in_use, device.cases[0].name);

        let resolutions = HashMap::from([((MergeKind::Case, choices[0].1), Resolution::KeepTheirs)]);
        let settled = settle(&plan, &resolutions, &BTreeSet::new()).unwrap();
        let (saved_obj, record) = settled.saved.iter().find(|(o, _)| *o == obj).unwrap();
        assert_eq!(*saved_obj, obj);
        assert!(record.as_ref().unwrap().body.contains("Renamed on the other tablet"));
        assert_eq!(settled.updates.len(), 1);
        let update = settled.updates[0].to_json();
        assert_eq!(update["_rev"], "3-winner");
        assert_eq!(update["body"]["name"], "Renamed on the other tablet");
        assert_eq!(settled.writes, vec![json!({ "_id": id, "_rev": "3-other", "_deleted": true, SETTLED: true })]);
        assert!(is_settled(&settled.writes[0]));
        assert!(settled.branches.is_empty());
    }

    #[test]
    fn keeping_the_version_in_use_only_settles_the_other() {
        let (device, _, conflict) = edited_case("Renamed on the other tablet");
        let plan = plan(&device, vec![conflict]);
        let settled = settle(&plan, &HashMap::new(), &BTreeSet::new()).unwrap();
        assert!(settled.updates.is_empty(), "no new content: {:?}", settled.updates);
        assert_eq!(settled.writes.len(), 1);
        assert_eq!(settled.writes[0]["_rev"], "3-other");
        assert_eq!(settled.writes[0]["_deleted"], true);
        assert_eq!(settled.summary.conflicts.len(), 1);
        assert_eq!(settled.summary.conflicts[0].resolution, Resolution::KeepMine);
    }

    #[test]
    fn a_memo_changed_on_both_devices_can_be_kept_both_ways() {
        let device = demo_study(DemoSize::Small);
        let obj = ObjectRef::Memo(device.memos[0].id);
        let mut other = device.clone();
        other.memos[0].text = "The other analyst's reading.".into();
        let conflict = edited(&device, &other, obj, "2-a", "2-b");
        let plan = plan(&device, vec![conflict]);
        let settled = settle(&plan, &HashMap::new(), &BTreeSet::new()).unwrap();
        assert_eq!(settled.summary.conflicts[0].resolution, Resolution::KeepBoth);
        let new_memo = settled
            .saved
            .iter()
            .find(|(o, r)| matches!(o, ObjectRef::Memo(id) if *id != device.memos[0].id) && r.is_some())
            .expect("the other version kept as a new memo");
        assert!(new_memo.1.as_ref().unwrap().body.contains("The other analyst's reading."));
        assert!(settled.saved.iter().any(|(o, _)| *o == obj), "the memo in use stays");
    }

    #[test]
    fn a_deletion_against_an_edit_is_kept_or_carried_out_as_chosen() {
        let device = demo_study(DemoSize::Small);
        let obj = ObjectRef::Case(device.cases[1].id);
        let id = obj.key(device.study.id);
        let conflict = Conflict {
            id: id.clone(),
            rev: "4-edit".into(),
            winner: doc_of(&device, obj),
            other: Other::Deleted { rev: "3-gone".into() },
        };
        let plan = plan(&device, vec![conflict]);
        assert!(plan.choices().is_empty());
        assert_eq!(plan.deleted_elsewhere.len(), 1);
        assert_eq!(plan.deleted_elsewhere[0].label, device.cases[1].name);
        assert_eq!(plan.deleted_elsewhere[0].kind, MergeKind::Case);

        // Kept: the deletion gets a settled child, and the case stays.
        let kept = settle(&plan, &HashMap::new(), &BTreeSet::new()).unwrap();
        assert!(kept.writes.is_empty());
        assert_eq!(kept.branches.len(), 1);
        let mark = &kept.branches[0];
        assert!(mark["_rev"].as_str().unwrap().starts_with("4-"));
        assert_eq!(mark["_revisions"]["ids"][1], "gone");
        assert!(is_settled(mark) && mark["_deleted"] == true);
        assert_eq!(
            settle(&plan, &HashMap::new(), &BTreeSet::new()).unwrap().branches,
            kept.branches,
            "named by content"
        );
        assert!(!kept.saved.iter().any(|(o, r)| *o == obj && r.is_none()));

        // Deleted after all: the edit is deleted too, on the device and in the replica.
        let gone = settle(&plan, &HashMap::new(), &BTreeSet::from([id.clone()])).unwrap();
        assert_eq!(gone.writes, vec![json!({ "_id": id, "_rev": "4-edit", "_deleted": true, SETTLED: true })]);
        assert_eq!(gone.saved, vec![(obj, None)]);
    }

    #[test]
    fn a_version_that_differs_only_in_its_time_needs_no_choice() {
        let device = demo_study(DemoSize::Small);
        let obj = ObjectRef::Case(device.cases[0].id);
        let mut other = device.clone();
        other.cases[0].modified = crate::Timestamp::parse("2030-01-01T00:00:00Z").unwrap();
        let conflict = edited(&device, &other, obj, "2-a", "2-b");
        let plan = plan(&device, vec![conflict]);
        assert!(plan.choices().is_empty());
        let settled = settle(&plan, &HashMap::new(), &BTreeSet::new()).unwrap();
        assert!(settled.updates.is_empty());
        assert_eq!(settled.writes.len(), 1);
        assert_eq!(settled.writes[0]["_rev"], "2-b");
    }

    #[test]
    fn a_version_from_a_newer_fieldkit_is_left_alone() {
        let (device, _, mut conflict) = edited_case("x");
        if let Other::Edited { doc, .. } = &mut conflict.other {
            doc.schema = 999;
        }
        let plan = plan(&device, vec![conflict]);
        assert!(plan.conflicts.is_empty());
        assert_eq!(plan.unreadable.len(), 1);
        assert!(plan.unreadable[0].1.contains("newer"));
    }
}
