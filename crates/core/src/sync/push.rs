//! What publishing a study file to the team's database writes, decided before
//! anything is sent, so that no one's work on the server is overwritten.
//!
//! A file pulled from the server remembers, per document, the revision it was
//! pulled at and a digest of its content ([`SyncBase`]). Against the server's
//! current documents that tells apart: nothing to do; changed here only (an
//! ordinary update on the pulled revision); changed on the server only (the file
//! is just older: left alone); changed on both sides (written as a second branch
//! of the document's revision tree, which CouchDB keeps as a conflict that every
//! device shows until someone resolves it); deleted here, or deleted there.
//! Branch revisions are named by the content digest, so pushing the same file
//! twice writes nothing new.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::sync::doc::{SyncDoc, split_rev, travels, with_fields};

/// The server revision and content digest of one document when the file was pulled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseRev {
    pub rev: String,
    pub digest: String,
}

/// Where a file came from: the database and each document's revision at the pull.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncBase {
    pub database: String,
    #[serde(default)]
    pub revisions: BTreeMap<String, BaseRev>,
}

/// A document as the server has it now (its winning revision).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerDoc {
    pub rev: String,
    pub doc: SyncDoc,
}

/// One write to the server.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    /// A document the server has never had.
    Create(SyncDoc),
    /// A new revision on top of the server's current one.
    Update { doc: SyncDoc, rev: String },
    /// A sibling revision (see the module's notes), written with `new_edits: false`.
    Branch { doc: SyncDoc, rev: String, ancestors: Vec<String> },
    /// Deleting the server's current revision.
    Delete { id: String, rev: String },
}

impl Write {
    pub fn id(&self) -> &str {
        match self {
            Write::Create(doc) | Write::Update { doc, .. } | Write::Branch { doc, .. } => &doc.id,
            Write::Delete { id, .. } => id,
        }
    }

    /// Branches are written in their own `_bulk_docs` request with `new_edits: false`.
    pub fn is_branch(&self) -> bool {
        matches!(self, Write::Branch { .. })
    }

    /// The document to send to `_bulk_docs`.
    pub fn to_json(&self) -> Value {
        match self {
            Write::Create(doc) => doc.to_json(),
            Write::Update { doc, rev } => {
                with_fields(doc.to_json(), Map::from_iter([("_rev".to_string(), json!(rev))]))
            }
            Write::Branch { doc, rev, ancestors } => {
                let (start, hash) = split_rev(rev).unwrap_or((1, ""));
                let mut ids = vec![json!(hash)];
                ids.extend(ancestors.iter().map(|a| json!(a)));
                with_fields(
                    doc.to_json(),
                    Map::from_iter([
                        ("_rev".to_string(), json!(rev)),
                        ("_revisions".to_string(), json!({ "start": start, "ids": ids })),
                    ]),
                )
            }
            Write::Delete { id, rev } => json!({ "_id": id, "_rev": rev, "_deleted": true }),
        }
    }
}

/// Everything a push will do, and what it leaves alone and why.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PushPlan {
    pub writes: Vec<Write>,
    /// Documents already on the server as they are in the file.
    pub unchanged: usize,
    /// Changed on the server since the file was pulled, not in the file: kept.
    pub newer_on_server: Vec<String>,
    /// Deleted on the server since the pull and unchanged in the file: not brought back.
    pub deleted_on_server: Vec<String>,
    /// Changed on both sides (or edited here, deleted there): written as conflicts.
    pub conflicts: Vec<String>,
    /// On the server and not in the file, because they were added there after the
    /// pull, or changed there while deleted here: kept.
    pub kept_on_server: Vec<String>,
}

impl PushPlan {
    pub fn writes_nothing(&self) -> bool {
        self.writes.is_empty()
    }
}

/// Plans a push of `local` (every document of the file that travels) to a server
/// holding `server` (its live documents, by id). `base`: what the file was pulled
/// at, if it was pulled from this database. `share_identifying`: the study's
/// setting; documents of kinds that do not travel under it are never deleted.
pub fn plan_push(
    local: &[SyncDoc],
    base: Option<&SyncBase>,
    server: &BTreeMap<String, ServerDoc>,
    share_identifying: bool,
) -> PushPlan {
    let no_revisions = BTreeMap::new();
    let pulled = base.map(|b| &b.revisions).unwrap_or(&no_revisions);
    let mut plan = PushPlan::default();
    let mut in_file = std::collections::BTreeSet::new();
    for doc in local {
        in_file.insert(doc.id.as_str());
        let at_pull = pulled.get(&doc.id);
        let digest = doc.digest();
        let changed_here = at_pull.is_none_or(|b| b.digest != digest);
        match (server.get(&doc.id), at_pull) {
            (Some(there), _) if there.doc.digest() == digest => plan.unchanged += 1,
            (Some(_), _) if !changed_here => plan.newer_on_server.push(doc.id.clone()),
            (Some(there), Some(b)) if there.rev == b.rev => {
                plan.writes.push(Write::Update { doc: doc.clone(), rev: there.rev.clone() })
            }
            (Some(_), at_pull) => {
                plan.conflicts.push(doc.id.clone());
                plan.writes.push(branch(doc, at_pull));
            }
            (None, None) => plan.writes.push(Write::Create(doc.clone())),
            (None, Some(_)) if !changed_here => plan.deleted_on_server.push(doc.id.clone()),
            (None, Some(b)) => {
                // Edited here, deleted there: a live branch beside the deletion, which
                // CouchDB reports as a deleted conflict for someone to settle.
                plan.conflicts.push(doc.id.clone());
                plan.writes.push(branch(doc, Some(b)));
            }
        }
    }
    for (id, there) in server {
        if in_file.contains(id.as_str()) {
            continue;
        }
        match pulled.get(id) {
            Some(b) if b.rev == there.rev && travels(&there.doc.kind, share_identifying) => {
                plan.writes.push(Write::Delete { id: id.clone(), rev: there.rev.clone() })
            }
            _ => plan.kept_on_server.push(id.clone()),
        }
    }
    plan
}

/// A revision for `doc` branching from the one it was pulled at (or a new root).
fn branch(doc: &SyncDoc, at_pull: Option<&BaseRev>) -> Write {
    let digest = doc.digest();
    match at_pull.and_then(|b| split_rev(&b.rev)) {
        Some((generation, hash)) => Write::Branch {
            doc: doc.clone(),
            rev: format!("{}-{digest}", generation + 1),
            ancestors: vec![hash.to_string()],
        },
        None => Write::Branch { doc: doc.clone(), rev: format!("1-{digest}"), ancestors: Vec::new() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::doc::DocBody;

    fn doc(id: &str, name: &str) -> SyncDoc {
        SyncDoc {
            id: id.into(),
            kind: "case".into(),
            study: "s".into(),
            schema: 3,
            body: DocBody::Json(json!({ "name": name })),
        }
    }

    fn on_server(docs: &[(&SyncDoc, &str)]) -> BTreeMap<String, ServerDoc> {
        docs.iter().map(|(d, rev)| (d.id.clone(), ServerDoc { rev: rev.to_string(), doc: (*d).clone() })).collect()
    }

    fn pulled(docs: &[(&SyncDoc, &str)]) -> SyncBase {
        SyncBase {
            database: "study".into(),
            revisions: docs
                .iter()
                .map(|(d, rev)| (d.id.clone(), BaseRev { rev: rev.to_string(), digest: d.digest() }))
                .collect(),
        }
    }

    #[test]
    fn a_first_push_creates_everything_and_a_second_writes_nothing() {
        let local = vec![doc("case:a", "A"), doc("case:b", "B")];
        let first = plan_push(&local, None, &BTreeMap::new(), false);
        assert_eq!(first.writes, vec![Write::Create(local[0].clone()), Write::Create(local[1].clone())]);
        let server = on_server(&[(&local[0], "1-x"), (&local[1], "1-y")]);
        let second = plan_push(&local, None, &server, false);
        assert!(second.writes_nothing());
        assert_eq!(second.unchanged, 2);
    }

    #[test]
    fn an_edit_made_here_updates_the_pulled_revision() {
        let was = doc("case:a", "A");
        let now = doc("case:a", "A, renamed");
        let plan =
            plan_push(std::slice::from_ref(&now), Some(&pulled(&[(&was, "2-p")])), &on_server(&[(&was, "2-p")]), false);
        assert_eq!(plan.writes, vec![Write::Update { doc: now.clone(), rev: "2-p".into() }]);
        assert_eq!(plan.writes[0].to_json()["_rev"], "2-p");
        assert!(plan.conflicts.is_empty());
    }

    #[test]
    fn an_older_file_does_not_overwrite_what_changed_on_the_server() {
        let was = doc("case:a", "A");
        let theirs = doc("case:a", "A, edited at the other site");
        let plan = plan_push(
            std::slice::from_ref(&was),
            Some(&pulled(&[(&was, "2-p")])),
            &on_server(&[(&theirs, "3-q")]),
            false,
        );
        assert!(plan.writes_nothing());
        assert_eq!(plan.newer_on_server, vec!["case:a".to_string()]);
    }

    #[test]
    fn changed_on_both_sides_becomes_a_branch_named_by_its_content() {
        let was = doc("case:a", "A");
        let mine = doc("case:a", "A, my edit");
        let theirs = doc("case:a", "A, their edit");
        let base = pulled(&[(&was, "2-p")]);
        let server = on_server(&[(&theirs, "3-q")]);
        let plan = plan_push(std::slice::from_ref(&mine), Some(&base), &server, false);
        assert_eq!(plan.conflicts, vec!["case:a".to_string()]);
        let expected_rev = format!("3-{}", mine.digest());
        assert_eq!(
            plan.writes,
            vec![Write::Branch { doc: mine.clone(), rev: expected_rev.clone(), ancestors: vec!["p".into()] }]
        );
        let json = plan.writes[0].to_json();
        assert_eq!(json["_rev"], expected_rev);
        assert_eq!(json["_revisions"], json!({ "start": 3, "ids": [mine.digest(), "p"] }));
        assert!(plan.writes[0].is_branch());
        // The same file again plans the same revision: the server already has it.
        assert_eq!(plan_push(std::slice::from_ref(&mine), Some(&base), &server, false).writes, plan.writes);
    }

    #[test]
    fn a_file_never_pulled_branches_from_a_new_root_where_the_server_differs() {
        let mine = doc("case:a", "mine");
        let theirs = doc("case:a", "theirs");
        let plan = plan_push(std::slice::from_ref(&mine), None, &on_server(&[(&theirs, "4-q")]), false);
        assert_eq!(
            plan.writes,
            vec![Write::Branch { doc: mine.clone(), rev: format!("1-{}", mine.digest()), ancestors: vec![] }]
        );
    }

    #[test]
    fn deletions_on_either_side() {
        let a = doc("case:a", "A");
        let b = doc("case:b", "B");
        let c = doc("case:c", "C");
        let base = pulled(&[(&a, "1-a"), (&b, "1-b"), (&c, "1-c")]);
        let c_edited = doc("case:c", "C, edited there");
        // Here: a deleted, b edited, c deleted. There: b deleted, c edited, d added.
        let b_edited = doc("case:b", "B, edited here");
        let d = doc("case:d", "D");
        let server = on_server(&[(&a, "1-a"), (&c_edited, "2-c"), (&d, "1-d")]);
        let plan = plan_push(std::slice::from_ref(&b_edited), Some(&base), &server, false);
        assert!(plan.writes.contains(&Write::Delete { id: "case:a".into(), rev: "1-a".into() }));
        assert!(plan.writes.iter().any(|w| w.is_branch() && w.id() == "case:b"));
        assert_eq!(plan.conflicts, vec!["case:b".to_string()]);
        assert_eq!(plan.kept_on_server, vec!["case:c".to_string(), "case:d".to_string()]);
        assert_eq!(plan.writes.len(), 2);
        assert_eq!(plan.writes[0].to_json()["_revisions"]["ids"][1], "b");
        // Deleted there, unchanged here: stays deleted.
        let plan = plan_push(std::slice::from_ref(&b), Some(&base), &server, false);
        assert_eq!(plan.deleted_on_server, vec!["case:b".to_string()]);
        assert!(!plan.writes.iter().any(|w| w.id() == "case:b"));
    }

    #[test]
    fn identifying_details_left_out_of_a_file_are_not_deleted_from_the_server() {
        let mut identity = doc("identity:p", "Real Name");
        identity.kind = "identity".into();
        let base = pulled(&[(&identity, "1-i")]);
        let server = on_server(&[(&identity, "1-i")]);
        let plan = plan_push(&[], Some(&base), &server, false);
        assert!(plan.writes_nothing());
        assert_eq!(plan.kept_on_server, vec!["identity:p".to_string()]);
        // With sharing on, a file without them means they were deleted here.
        let plan = plan_push(&[], Some(&base), &server, true);
        assert_eq!(plan.writes, vec![Write::Delete { id: "identity:p".into(), rev: "1-i".into() }]);
    }
}
