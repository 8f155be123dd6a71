//! A device's side of team sync: its stored records on one hand, on the other a
//! replica of the team's database on the device (kept in step with the server by
//! the replication engine). This module decides what crosses between the two.
//!
//! The link is the **base**: per document, the replica revision the device's record
//! last agreed with, and that record's digest. A record whose digest still equals
//! its base was not changed on the device since; one that differs was. So:
//!
//! - outgoing (device → replica): the push rules of [`crate::sync::push`], with the
//!   replica as the server and the base as the pull;
//! - incoming (replica → device): a change is applied only to a record the device
//!   did not change since the base; a record changed on both sides is held, and the
//!   next outgoing round writes the device's version as a conflicting branch, so
//!   neither is lost and every device sees the conflict.

use std::collections::{BTreeMap, BTreeSet};

use crate::storage::store::RawRecord;
use crate::sync::doc::SyncDoc;
use crate::sync::push::{BaseRev, PushPlan, ServerDoc, SyncBase, Write, plan_push};

/// The winning revision of one replica document, as its change feed reports it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicaChange {
    pub id: String,
    pub rev: String,
    /// None when the winner is a deletion.
    pub doc: Option<SyncDoc>,
    /// Revisions in conflict with the winner.
    pub conflicts: Vec<String>,
    /// Deletions on other devices that lost to an edit and no one has settled yet
    /// (see [`crate::sync::settle`]): a conflict too, so the edit does not come
    /// back silently.
    pub deleted_conflicts: Vec<String>,
}

impl ReplicaChange {
    pub fn in_conflict(&self) -> bool {
        !self.conflicts.is_empty() || !self.deleted_conflicts.is_empty()
    }
}

/// What to do with a batch of incoming changes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Incoming {
    /// Records to write on the device (None: delete it).
    pub apply: Vec<(String, Option<RawRecord>)>,
    /// Changed on the device too: left for the outgoing round to branch.
    pub held: Vec<String>,
    /// Documents that are in conflict (to show), and those no longer in conflict.
    pub conflicted: Vec<String>,
    pub resolved: Vec<String>,
    /// Ignored because they could not be read (a newer format, or not fieldkit's).
    pub unreadable: Vec<(String, String)>,
}

/// The device's record digest, as the base compares it.
pub fn record_digest(record: &RawRecord) -> Option<String> {
    SyncDoc::from_record(record).ok().map(|d| d.digest())
}

/// Decides what incoming changes do to the device. `device`: the device's current
/// records of the changed ids (absent: no record). Updates `base` for every change
/// that the device now agrees with.
/// A CouchDB revision's generation: the number before the dash (`3-abc` → 3).
fn generation(rev: &str) -> u64 {
    rev.split_once('-').and_then(|(n, _)| n.parse().ok()).unwrap_or(0)
}

pub fn plan_incoming(
    changes: &[ReplicaChange],
    device: &BTreeMap<String, RawRecord>,
    base: &mut SyncBase,
    unreadable: &[(String, String)],
) -> Incoming {
    let mut out = Incoming { unreadable: unreadable.to_vec(), ..Incoming::default() };
    for change in changes {
        if change.in_conflict() {
            out.conflicted.push(change.id.clone());
        } else {
            out.resolved.push(change.id.clone());
        }
        let mine = device.get(&change.id).and_then(record_digest);
        let theirs = change.doc.as_ref().map(SyncDoc::digest);
        if mine == theirs {
            // Already the same (our own write coming back, or the same edit made twice).
            match &theirs {
                Some(digest) => {
                    base.revisions
                        .insert(change.id.clone(), BaseRev { rev: change.rev.clone(), digest: digest.clone() });
                }
                None => {
                    base.revisions.remove(&change.id);
                }
            }
            continue;
        }
        // An older revision than the one this device last knew (its own earlier
        // write, read by the feed before the later one was sent) is history: the
        // feed brings the newer one next. Applying it would undo what came after.
        if let Some(known) = base.revisions.get(&change.id)
            && generation(&change.rev) < generation(&known.rev)
        {
            continue;
        }
        let at_base = base.revisions.get(&change.id).map(|b| b.digest.clone());
        let unchanged_here = mine == at_base;
        if !unchanged_here {
            out.held.push(change.id.clone());
            continue;
        }
        match &change.doc {
            Some(doc) => {
                base.revisions.insert(change.id.clone(), BaseRev { rev: change.rev.clone(), digest: doc.digest() });
                out.apply.push((change.id.clone(), Some(doc.clone().into_record())));
            }
            None => {
                base.revisions.remove(&change.id);
                out.apply.push((change.id.clone(), None));
            }
        }
    }
    out
}

/// What the device sends to its replica for the records of `keys` (all of the
/// study's records when reconciling). `device`: the device's records among `keys`
/// that travel; `replica`: the replica's live documents among `keys`.
pub fn plan_outgoing(
    keys: &BTreeSet<String>,
    device: &[SyncDoc],
    replica: &BTreeMap<String, ServerDoc>,
    base: &SyncBase,
    share_identifying: bool,
) -> PushPlan {
    let device: Vec<SyncDoc> = device.iter().filter(|d| keys.contains(&d.id)).cloned().collect();
    let replica: BTreeMap<String, ServerDoc> =
        replica.iter().filter(|(id, _)| keys.contains(*id)).map(|(id, d)| (id.clone(), d.clone())).collect();
    plan_push(&device, Some(base), &replica, share_identifying)
}

/// Brings the base up to date after the replica accepted `written` (with the
/// revision it gave each) and found `unchanged` documents already equal.
pub fn after_outgoing(base: &mut SyncBase, plan: &PushPlan, accepted: &BTreeMap<String, String>) {
    for write in &plan.writes {
        let Some(rev) = accepted.get(write.id()) else { continue };
        match write {
            Write::Create(doc) | Write::Update { doc, .. } | Write::Branch { doc, .. } => {
                base.revisions.insert(doc.id.clone(), BaseRev { rev: rev.clone(), digest: doc.digest() });
            }
            Write::Delete { id, .. } => {
                base.revisions.remove(id);
            }
        }
    }
}

/// The base to start from when every document already matches: after publishing a
/// study or joining one, each record and its replica document are the same.
pub fn base_of(database: &str, replica: &BTreeMap<String, ServerDoc>) -> SyncBase {
    SyncBase {
        database: database.into(),
        revisions: replica
            .iter()
            .map(|(id, d)| (id.clone(), BaseRev { rev: d.rev.clone(), digest: d.doc.digest() }))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(id: &str, name: &str) -> RawRecord {
        RawRecord {
            key: id.into(),
            kind: "case".into(),
            study: "s".into(),
            schema: 1,
            body: json!({ "name": name }).to_string(),
        }
    }

    fn doc(id: &str, name: &str) -> SyncDoc {
        SyncDoc::from_record(&record(id, name)).unwrap()
    }

    fn change(id: &str, rev: &str, name: Option<&str>) -> ReplicaChange {
        ReplicaChange {
            id: id.into(),
            rev: rev.into(),
            doc: name.map(|n| doc(id, n)),
            conflicts: vec![],
            deleted_conflicts: vec![],
        }
    }

    fn synced(pairs: &[(&str, &str, &str)]) -> SyncBase {
        SyncBase {
            database: "db".into(),
            revisions: pairs
                .iter()
                .map(|(id, rev, name)| {
                    (id.to_string(), BaseRev { rev: rev.to_string(), digest: doc(id, name).digest() })
                })
                .collect(),
        }
    }

    #[test]
    fn a_change_from_the_team_reaches_a_record_not_changed_here() {
        let device = BTreeMap::from([("case:a".to_string(), record("case:a", "A"))]);
        let mut base = synced(&[("case:a", "1-x", "A")]);
        let incoming = plan_incoming(&[change("case:a", "2-y", Some("A, edited"))], &device, &mut base, &[]);
        assert_eq!(incoming.apply, vec![("case:a".to_string(), Some(doc("case:a", "A, edited").into_record()))]);
        assert_eq!(base.revisions["case:a"].rev, "2-y");
        assert!(incoming.held.is_empty());
    }

    #[test]
    fn a_record_changed_here_too_is_held_then_branched_into_a_conflict() {
        let device_record = record("case:a", "A, my edit");
        let device = BTreeMap::from([("case:a".to_string(), device_record.clone())]);
        let mut base = synced(&[("case:a", "1-x", "A")]);
        let incoming = plan_incoming(&[change("case:a", "2-y", Some("A, their edit"))], &device, &mut base, &[]);
        assert!(incoming.apply.is_empty(), "the device's edit is not overwritten");
        assert_eq!(incoming.held, vec!["case:a".to_string()]);
        assert_eq!(base.revisions["case:a"].rev, "1-x", "the base stays where the device's edit started");
        // The outgoing round then writes the device's version beside the team's.
        let replica = BTreeMap::from([(
            "case:a".to_string(),
            ServerDoc { rev: "2-y".into(), doc: doc("case:a", "A, their edit") },
        )]);
        let keys = BTreeSet::from(["case:a".to_string()]);
        let mine = SyncDoc::from_record(&device_record).unwrap();
        let plan = plan_outgoing(&keys, std::slice::from_ref(&mine), &replica, &base, false);
        assert_eq!(plan.conflicts, vec!["case:a".to_string()]);
        assert!(plan.writes[0].is_branch());
        let rev = format!("2-{}", mine.digest());
        after_outgoing(&mut base, &plan, &BTreeMap::from([("case:a".to_string(), rev.clone())]));
        assert_eq!(base.revisions["case:a"], BaseRev { rev, digest: mine.digest() });
    }

    /// A survey answered in participant mode: the response was sent in progress
    /// (rev 1), then complete (rev 2); the feed's batch read before the second write
    /// brings rev 1 back after it. It must not turn the response back.
    #[test]
    fn an_older_revision_of_our_own_write_arriving_late_changes_nothing() {
        let device = BTreeMap::from([("case:a".to_string(), record("case:a", "complete"))]);
        let mut base = synced(&[("case:a", "2-b", "complete")]);
        let incoming = plan_incoming(&[change("case:a", "1-a", Some("in progress"))], &device, &mut base, &[]);
        assert!(incoming.apply.is_empty() && incoming.held.is_empty(), "{:?}", incoming.apply);
        assert_eq!(base.revisions["case:a"].rev, "2-b");
        // The newer one from the team still arrives.
        let incoming = plan_incoming(&[change("case:a", "3-c", Some("edited by the team"))], &device, &mut base, &[]);
        assert_eq!(incoming.apply.len(), 1);
        assert_eq!(generation("12-abc"), 12);
        assert_eq!(generation("nonsense"), 0);
    }

    #[test]
    fn our_own_write_coming_back_changes_nothing() {
        let device = BTreeMap::from([("case:a".to_string(), record("case:a", "A, edited"))]);
        let mut base = synced(&[("case:a", "1-x", "A")]);
        let incoming = plan_incoming(&[change("case:a", "2-y", Some("A, edited"))], &device, &mut base, &[]);
        assert!(incoming.apply.is_empty() && incoming.held.is_empty());
        assert_eq!(base.revisions["case:a"].rev, "2-y");
    }

    #[test]
    fn new_objects_and_deletions_from_the_team() {
        let device = BTreeMap::from([("case:b".to_string(), record("case:b", "B"))]);
        let mut base = synced(&[("case:b", "1-b", "B")]);
        let incoming = plan_incoming(
            &[change("case:new", "1-n", Some("New")), change("case:b", "2-b", None)],
            &device,
            &mut base,
            &[],
        );
        assert_eq!(incoming.apply.len(), 2);
        assert_eq!(incoming.apply[0].0, "case:new");
        assert_eq!(incoming.apply[1], ("case:b".to_string(), None));
        assert!(!base.revisions.contains_key("case:b"));
        assert!(base.revisions.contains_key("case:new"));
    }

    #[test]
    fn a_deletion_from_the_team_does_not_remove_an_edit_made_here() {
        let device = BTreeMap::from([("case:b".to_string(), record("case:b", "B, edited here"))]);
        let mut base = synced(&[("case:b", "1-b", "B")]);
        let incoming = plan_incoming(&[change("case:b", "2-b", None)], &device, &mut base, &[]);
        assert!(incoming.apply.is_empty());
        assert_eq!(incoming.held, vec!["case:b".to_string()]);
    }

    #[test]
    fn conflicts_are_reported_and_their_resolution_too() {
        let mut base = SyncBase::default();
        let mut c = change("case:a", "3-z", Some("A"));
        c.conflicts = vec!["3-w".into()];
        let incoming = plan_incoming(&[c, change("case:b", "2-q", Some("B"))], &BTreeMap::new(), &mut base, &[]);
        assert_eq!(incoming.conflicted, vec!["case:a".to_string()]);
        assert_eq!(incoming.resolved, vec!["case:b".to_string()]);
    }

    #[test]
    fn an_edit_that_won_over_a_deletion_comes_back_as_a_conflict_not_silently() {
        // Deleted here (so no record and no base), edited on another device: CouchDB
        // keeps the edit as the winner and the deletion as a deleted leaf.
        let mut base = SyncBase::default();
        let mut c = change("case:a", "3-edit", Some("A, edited there"));
        c.deleted_conflicts = vec!["3-deleted".into()];
        let incoming = plan_incoming(&[c], &BTreeMap::new(), &mut base, &[]);
        assert_eq!(incoming.apply.len(), 1, "the edit is shown, so the team can choose");
        assert_eq!(incoming.conflicted, vec!["case:a".to_string()]);
    }

    #[test]
    fn outgoing_on_some_keys_never_deletes_the_others() {
        let replica: BTreeMap<String, ServerDoc> = ["case:a", "case:b"]
            .iter()
            .map(|id| (id.to_string(), ServerDoc { rev: "1-r".into(), doc: doc(id, "same") }))
            .collect();
        let base = base_of("db", &replica);
        let edited = doc("case:a", "edited");
        let keys = BTreeSet::from(["case:a".to_string()]);
        let plan = plan_outgoing(&keys, std::slice::from_ref(&edited), &replica, &base, false);
        assert_eq!(plan.writes, vec![Write::Update { doc: edited, rev: "1-r".into() }]);
        // A record deleted here is deleted in the replica when it is among the keys.
        let keys = BTreeSet::from(["case:b".to_string()]);
        let plan = plan_outgoing(&keys, &[], &replica, &base, false);
        assert_eq!(plan.writes, vec![Write::Delete { id: "case:b".into(), rev: "1-r".into() }]);
    }
}
