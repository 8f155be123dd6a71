//! Merging another tablet's copy of a study (a backup, or an imported `.qdpx`) into
//! this one.
//!
//! Objects are matched by their stable ids: new ones are added, identical ones are
//! skipped, so merging the same file twice adds nothing. Two objects with the same id
//! that differ (the same object edited on two tablets) are a **conflict**, which the
//! user resolves: keep mine, keep theirs, or — for memos, coded segments and
//! documents — keep both. Nothing is dropped silently: a conflict left without a
//! decision takes [`default_resolution`] and is marked so in the [`MergeSummary`].
//!
//! Before comparing, objects made separately on two tablets that are clearly the same
//! thing are matched by name: codes (same name under the same parent), cases,
//! participants (pseudonym), stakeholder roles, research questions, and framework
//! matrix cells (same row and column). Differences in `modified` alone are no conflict.
//! Codings keep their coder; a segment kept both ways on the same words gets the
//! codings of both sides.
//!
//! Two steps: [`plan`] compares, [`apply`] builds the merged study.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;
use uuid::Uuid;

use crate::coding::sources::SourceRef;
use crate::coding::{Anchor, Memo, MemoTarget, Segment};
use crate::offsets::{CodePointIndex, slice_code_points};
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

const MERGE_NS: Uuid = Uuid::from_u128(0x0b5d_7e21_c94a_4f38_a2d6_17e9_43c0_5f8b);

/// The kinds of object a merge compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeKind {
    Study,
    ResearchQuestion,
    Role,
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
}

impl MergeKind {
    pub fn label(self) -> &'static str {
        match self {
            MergeKind::Study => "study",
            MergeKind::ResearchQuestion => "research question",
            MergeKind::Role => "stakeholder role",
            MergeKind::Case => "case",
            MergeKind::Participant => "participant",
            MergeKind::Identity => "identifying details",
            MergeKind::Protocol => "interview protocol",
            MergeKind::Interview => "interview",
            MergeKind::Document => "document",
            MergeKind::Account => "interview account",
            MergeKind::Survey => "survey",
            MergeKind::Response => "survey response",
            MergeKind::Code => "code",
            MergeKind::Segment => "coded segment",
            MergeKind::Memo => "memo",
            MergeKind::MatrixCell => "framework matrix cell",
        }
    }

    /// Whether both versions of a conflicting object can be kept.
    pub fn can_keep_both(self) -> bool {
        matches!(self, MergeKind::Memo | MergeKind::Segment | MergeKind::Document)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeStatus {
    /// Only in the incoming study: added.
    Added,
    /// In both, the same (apart from when it was last modified).
    Unchanged,
    /// In both, different: the user decides.
    Conflict,
}

/// One incoming object and what merging does with it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MergeItem {
    pub kind: MergeKind,
    /// The object's id in this study.
    pub id: Uuid,
    /// A name for people ("Case “Riverside”").
    pub label: String,
    pub status: MergeStatus,
}

/// An incoming object made separately but matched by name to one of this study's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NameMatch {
    pub kind: MergeKind,
    pub theirs: Uuid,
    pub mine: Uuid,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    KeepMine,
    KeepTheirs,
    /// Memos, segments and documents: keep both (theirs under a new id; a segment on
    /// the same words gets both sides' codings instead).
    KeepBoth,
}

/// The rule used when no decision is given: keep both where that makes sense, else
/// keep this study's version. Either way the conflict is listed in the summary.
pub fn default_resolution(kind: MergeKind) -> Resolution {
    if kind.can_keep_both() { Resolution::KeepBoth } else { Resolution::KeepMine }
}

/// What a merge would do, for the user to review before [`apply`].
#[derive(Clone, Debug, PartialEq)]
pub struct MergePlan {
    pub base: StudyData,
    /// The incoming study with its ids matched to this one's.
    pub incoming: StudyData,
    pub items: Vec<MergeItem>,
    pub matched_by_name: Vec<NameMatch>,
    /// The incoming file was another study (different study id): its objects are
    /// added to this one.
    pub other_study: bool,
}

impl MergePlan {
    pub fn conflicts(&self) -> impl Iterator<Item = &MergeItem> {
        self.items.iter().filter(|i| i.status == MergeStatus::Conflict)
    }

    pub fn is_empty(&self) -> bool {
        self.items.iter().all(|i| i.status == MergeStatus::Unchanged)
    }
}

/// Counts for one kind of object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindSummary {
    pub added: usize,
    pub unchanged: usize,
    pub conflicts_resolved: usize,
    /// Incoming objects not added (see [`MergeSummary::skipped`] for why).
    pub skipped: usize,
}

/// How one conflict was settled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictOutcome {
    pub kind: MergeKind,
    pub id: Uuid,
    pub label: String,
    pub resolution: Resolution,
    /// No decision was given: [`default_resolution`] was used.
    pub by_default: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub kind: MergeKind,
    pub id: Uuid,
    pub label: String,
    pub reason: String,
}

/// The end of a merge: per kind of object, what was added, unchanged, in conflict
/// (and how it was settled) and skipped. Serialisable as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MergeSummary {
    pub kinds: BTreeMap<MergeKind, KindSummary>,
    pub conflicts: Vec<ConflictOutcome>,
    pub matched_by_name: Vec<NameMatch>,
    pub skipped: Vec<Skipped>,
    /// Other changes made so everything fits: renamed duplicates, segments moved to
    /// where their words now are or marked as lost, memos moved to the journal.
    pub adjustments: Vec<String>,
    pub other_study: bool,
}

impl MergeSummary {
    fn kind(&mut self, kind: MergeKind) -> &mut KindSummary {
        self.kinds.entry(kind).or_default()
    }

    pub fn added(&self) -> usize {
        self.kinds.values().map(|k| k.added).sum()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum MergeError {
    #[error("The merged study would be inconsistent, so nothing was changed. {}", describe(.0))]
    Invalid(Vec<ValidationError>),
}

fn describe(problems: &[ValidationError]) -> String {
    let shown: Vec<String> = problems.iter().take(5).map(|p| p.to_string()).collect();
    format!("Problems found: {}", shown.join(" "))
}

/// The result of [`apply`]: the study to store, what changed and the summary.
#[derive(Clone, Debug, PartialEq)]
pub struct Merged {
    pub data: StudyData,
    /// The objects to write (added or changed), for one storage transaction.
    pub touched: Vec<ObjectRef>,
    pub summary: MergeSummary,
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Replaces ids everywhere in a study (values and map keys), by going through JSON.
fn remap(data: &StudyData, ids: &HashMap<Uuid, Uuid>) -> StudyData {
    if ids.is_empty() {
        return data.clone();
    }
    let strings: HashMap<String, String> = ids.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    fn walk(v: &mut Value, ids: &HashMap<String, String>) {
        match v {
            Value::String(s) => {
                if let Some(new) = ids.get(s.as_str()) {
                    *s = new.clone();
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|x| walk(x, ids)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                for (k, mut x) in old {
                    walk(&mut x, ids);
                    map.insert(ids.get(&k).cloned().unwrap_or(k), x);
                }
            }
            _ => {}
        }
    }
    let Ok(mut value) = serde_json::to_value(data) else { return data.clone() };
    walk(&mut value, &strings);
    serde_json::from_value(value).unwrap_or_else(|_| data.clone())
}

/// Incoming ids of things made separately but clearly the same, mapped to this study's.
fn match_by_name(base: &StudyData, incoming: &StudyData, matches: &mut Vec<NameMatch>) -> HashMap<Uuid, Uuid> {
    let mut ids = HashMap::new();
    if incoming.study.id != base.study.id {
        ids.insert(incoming.study.id, base.study.id);
    }
    let base_ids: HashSet<Uuid> = base.all_objects().iter().map(|o| o.id(base.study.id)).collect();
    let mut add = |kind: MergeKind, theirs: Uuid, mine: Uuid, name: &str, ids: &mut HashMap<Uuid, Uuid>| {
        ids.insert(theirs, mine);
        matches.push(NameMatch { kind, theirs, mine, name: name.to_string() });
    };
    for r in &incoming.study.roles {
        if !base.study.roles.iter().any(|x| x.id == r.id)
            && let Some(m) = base.study.roles.iter().find(|x| same_name(&x.name, &r.name))
        {
            add(MergeKind::Role, r.id, m.id, &r.name, &mut ids);
        }
    }
    for q in &incoming.study.research_questions {
        if !base.study.research_questions.iter().any(|x| x.id == q.id)
            && let Some(m) = base.study.research_questions.iter().find(|x| same_name(&x.text, &q.text))
        {
            add(MergeKind::ResearchQuestion, q.id, m.id, &q.text, &mut ids);
        }
    }
    for c in &incoming.cases {
        if !base_ids.contains(&c.id)
            && let Some(m) = base.cases.iter().find(|x| same_name(&x.name, &c.name))
        {
            add(MergeKind::Case, c.id, m.id, &c.name, &mut ids);
        }
    }
    for p in &incoming.participants {
        if !base_ids.contains(&p.id)
            && let Some(m) = base.participants.iter().find(|x| same_name(&x.pseudonym, &p.pseudonym))
        {
            add(MergeKind::Participant, p.id, m.id, &p.pseudonym, &mut ids);
        }
    }
    // Codes top down, so a code's parent is matched before the code.
    for (_, c) in incoming.codebook() {
        if base_ids.contains(&c.id) {
            continue;
        }
        let parent = c.parent.map(|p| ids.get(&p).copied().unwrap_or(p));
        if let Some(m) = base.codes.iter().find(|x| x.parent == parent && same_name(&x.name, &c.name)) {
            add(MergeKind::Code, c.id, m.id, &c.name, &mut ids);
        }
    }
    ids
}

/// An object as JSON without its `modified` time, for comparing.
fn content<T: Serialize>(x: &T) -> Value {
    let mut v = serde_json::to_value(x).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        map.remove("modified");
    }
    v
}

fn compare<T: Serialize>(
    kind: MergeKind,
    mine: &[T],
    theirs: &[T],
    id: impl Fn(&T) -> Uuid,
    label: impl Fn(&T) -> String,
    items: &mut Vec<MergeItem>,
) {
    let by_id: HashMap<Uuid, &T> = mine.iter().map(|x| (id(x), x)).collect();
    for x in theirs {
        let status = match by_id.get(&id(x)) {
            None => MergeStatus::Added,
            Some(m) if content(*m) == content(x) => MergeStatus::Unchanged,
            Some(_) => MergeStatus::Conflict,
        };
        items.push(MergeItem { kind, id: id(x), label: label(x), status });
    }
}

fn short(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let cut: String = line.chars().take(60).collect();
    if cut.len() < line.len() { format!("{cut}…") } else { cut }
}

/// Compares an incoming study with this one. Nothing is changed.
pub fn plan(base: &StudyData, incoming: &StudyData) -> MergePlan {
    let mut matched_by_name = Vec::new();
    let other_study = incoming.study.id != base.study.id;
    let ids = match_by_name(base, incoming, &mut matched_by_name);
    let mut incoming = remap(incoming, &ids);
    // Framework matrix cells: one per row and column, so a cell written on both
    // tablets for the same place is the same cell.
    let mut cells = HashMap::new();
    for c in &incoming.matrix_cells {
        if let Some(m) = base.matrix_cells.iter().find(|m| m.row == c.row && m.column == c.column && m.id != c.id) {
            cells.insert(c.id, m.id);
            matched_by_name.push(NameMatch {
                kind: MergeKind::MatrixCell,
                theirs: c.id,
                mine: m.id,
                name: "matrix cell".into(),
            });
        }
    }
    incoming = remap(&incoming, &cells);
    incoming.study.id = base.study.id;

    let mut items = Vec::new();
    let study_differs =
        base.study.title != incoming.study.title || base.study.description != incoming.study.description;
    if !other_study {
        items.push(MergeItem {
            kind: MergeKind::Study,
            id: base.study.id,
            label: format!("Study “{}”", incoming.study.title),
            status: if study_differs { MergeStatus::Conflict } else { MergeStatus::Unchanged },
        });
    }
    compare(
        MergeKind::ResearchQuestion,
        &base.study.research_questions,
        &incoming.study.research_questions,
        |x| x.id,
        |x| format!("Research question “{}”", short(&x.text)),
        &mut items,
    );
    compare(
        MergeKind::Role,
        &base.study.roles,
        &incoming.study.roles,
        |x| x.id,
        |x| format!("Role “{}”", x.name),
        &mut items,
    );
    compare(MergeKind::Case, &base.cases, &incoming.cases, |x| x.id, |x| format!("Case “{}”", x.name), &mut items);
    compare(
        MergeKind::Participant,
        &base.participants,
        &incoming.participants,
        |x| x.id,
        |x| format!("Participant “{}”", x.pseudonym),
        &mut items,
    );
    compare(
        MergeKind::Identity,
        &base.identities,
        &incoming.identities,
        |x| x.participant_id,
        |x| {
            format!(
                "Identifying details of {}",
                incoming.participant(x.participant_id).map_or("a participant", |p| p.pseudonym.as_str())
            )
        },
        &mut items,
    );
    compare(
        MergeKind::Protocol,
        &base.protocols,
        &incoming.protocols,
        |x| x.id,
        |x| format!("Protocol “{}”", x.name),
        &mut items,
    );
    compare(
        MergeKind::Interview,
        &base.interviews,
        &incoming.interviews,
        |x| x.id,
        |x| format!("{} with {}", x.kind.label(), incoming.interview_people(x)),
        &mut items,
    );
    compare(
        MergeKind::Document,
        &base.documents,
        &incoming.documents,
        |x| x.id,
        |x| format!("Document “{}”", x.title),
        &mut items,
    );
    compare(
        MergeKind::Account,
        &base.accounts,
        &incoming.accounts,
        |x| x.id,
        |x| format!("Account of the interview {}", x.interview_id),
        &mut items,
    );
    compare(
        MergeKind::Survey,
        &base.surveys,
        &incoming.surveys,
        |x| x.id,
        |x| format!("Survey “{}”", x.name),
        &mut items,
    );
    compare(
        MergeKind::Response,
        &base.responses,
        &incoming.responses,
        |x| x.id,
        |x| format!("Response to “{}”", incoming.survey(x.survey_id).map_or("a survey", |s| s.name.as_str())),
        &mut items,
    );
    compare(MergeKind::Code, &base.codes, &incoming.codes, |x| x.id, |x| format!("Code “{}”", x.name), &mut items);
    compare(
        MergeKind::Segment,
        &base.segments,
        &incoming.segments,
        |x| x.id,
        |x| format!("Segment “{}”", short(&x.text)),
        &mut items,
    );
    compare(
        MergeKind::Memo,
        &base.memos,
        &incoming.memos,
        |x| x.id,
        |x| format!("Memo “{}”", short(&x.text)),
        &mut items,
    );
    compare(
        MergeKind::MatrixCell,
        &base.matrix_cells,
        &incoming.matrix_cells,
        |x| x.id,
        |x| format!("Matrix cell “{}”", short(&x.synopsis)),
        &mut items,
    );
    MergePlan { base: base.clone(), incoming, items, matched_by_name, other_study }
}

/// Applies one kind's decisions to a list: adds, replaces, keeps both.
fn merge_list<T: Clone>(
    kind: MergeKind,
    mine: &mut Vec<T>,
    theirs: &[T],
    id: impl Fn(&T) -> Uuid,
    decide: &mut impl FnMut(MergeKind, Uuid) -> Option<Resolution>,
    mut both: impl FnMut(&mut Vec<T>, &T),
) {
    let index: HashMap<Uuid, usize> = mine.iter().enumerate().map(|(i, m)| (id(m), i)).collect();
    for x in theirs {
        // Items are only appended, so positions found before stay right.
        let at = index.get(&id(x)).copied();
        match at {
            None => mine.push(x.clone()),
            Some(at) => match decide(kind, id(x)) {
                None | Some(Resolution::KeepMine) => {}
                Some(Resolution::KeepTheirs) => mine[at] = x.clone(),
                Some(Resolution::KeepBoth) => both(mine, x),
            },
        }
    }
}

fn copy_id(id: Uuid) -> Uuid {
    Uuid::new_v5(&MERGE_NS, format!("theirs:{id}").as_bytes())
}

/// Builds the merged study. `resolutions` decides conflicts by (kind, id); one without
/// a decision takes [`default_resolution`] and is marked `by_default` in the summary.
pub fn apply(plan: &MergePlan, resolutions: &HashMap<(MergeKind, Uuid), Resolution>) -> Result<Merged, MergeError> {
    let base = &plan.base;
    let theirs = &plan.incoming;
    let mut out = base.clone();
    let mut summary = MergeSummary {
        other_study: plan.other_study,
        matched_by_name: plan.matched_by_name.clone(),
        ..MergeSummary::default()
    };
    let mut decisions: HashMap<(MergeKind, Uuid), Resolution> = HashMap::new();
    for item in &plan.items {
        let s = summary.kind(item.kind);
        match item.status {
            MergeStatus::Added => s.added += 1,
            MergeStatus::Unchanged => s.unchanged += 1,
            MergeStatus::Conflict => {
                s.conflicts_resolved += 1;
                let given = resolutions.get(&(item.kind, item.id)).copied();
                let mut resolution = given.unwrap_or_else(|| default_resolution(item.kind));
                if resolution == Resolution::KeepBoth && !item.kind.can_keep_both() {
                    resolution = Resolution::KeepMine;
                }
                decisions.insert((item.kind, item.id), resolution);
                summary.conflicts.push(ConflictOutcome {
                    kind: item.kind,
                    id: item.id,
                    label: item.label.clone(),
                    resolution,
                    by_default: given.is_none(),
                });
            }
        }
    }
    let mut decide = |kind: MergeKind, id: Uuid| decisions.get(&(kind, id)).copied();

    if decide(MergeKind::Study, base.study.id) == Some(Resolution::KeepTheirs) {
        out.study.title = theirs.study.title.clone();
        out.study.description = theirs.study.description.clone();
    }
    merge_list(
        MergeKind::ResearchQuestion,
        &mut out.study.research_questions,
        &theirs.study.research_questions,
        |x| x.id,
        &mut decide,
        |_, _| {},
    );
    merge_list(MergeKind::Role, &mut out.study.roles, &theirs.study.roles, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Case, &mut out.cases, &theirs.cases, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Participant, &mut out.participants, &theirs.participants, |x| x.id, &mut decide, |_, _| {});
    merge_list(
        MergeKind::Identity,
        &mut out.identities,
        &theirs.identities,
        |x| x.participant_id,
        &mut decide,
        |_, _| {},
    );
    merge_list(MergeKind::Protocol, &mut out.protocols, &theirs.protocols, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Interview, &mut out.interviews, &theirs.interviews, |x| x.id, &mut decide, |_, _| {});
    let mut document_copies: HashMap<Uuid, Uuid> = HashMap::new();
    merge_list(
        MergeKind::Document,
        &mut out.documents,
        &theirs.documents,
        |x| x.id,
        &mut decide,
        |list, x| {
            let mut copy = x.clone();
            copy.id = copy_id(x.id);
            copy.title = format!("{} (other tablet)", x.title);
            document_copies.insert(x.id, copy.id);
            list.push(copy);
        },
    );
    merge_list(MergeKind::Account, &mut out.accounts, &theirs.accounts, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Survey, &mut out.surveys, &theirs.surveys, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Response, &mut out.responses, &theirs.responses, |x| x.id, &mut decide, |_, _| {});
    merge_list(MergeKind::Code, &mut out.codes, &theirs.codes, |x| x.id, &mut decide, |_, _| {});
    // Their segments on a document kept both ways go with their copy of the text.
    let base_segments: HashSet<Uuid> = base.segments.iter().map(|s| s.id).collect();
    let mut their_segments = theirs.segments.clone();
    for s in &mut their_segments {
        if let SourceRef::Document { document } = s.source
            && let Some(copy) = document_copies.get(&document)
            && !base_segments.contains(&s.id)
        {
            s.source = SourceRef::Document { document: *copy };
        }
    }
    merge_list(
        MergeKind::Segment,
        &mut out.segments,
        &their_segments,
        |x| x.id,
        &mut decide,
        |list, x| {
            let same_place = list
                .iter()
                .position(|m: &Segment| m.id == x.id && m.source == x.source && m.start == x.start && m.end == x.end);
            match same_place {
                // The same words: one segment with both sides' codings, each with its coder.
                Some(at) => {
                    for c in &x.codings {
                        if !list[at].has_code(c.code) {
                            list[at].codings.push(c.clone());
                        }
                    }
                    list[at].modified = list[at].modified.max(x.modified);
                }
                None => {
                    let mut copy = x.clone();
                    copy.id = copy_id(x.id);
                    list.push(copy);
                }
            }
        },
    );
    merge_list(
        MergeKind::Memo,
        &mut out.memos,
        &theirs.memos,
        |x| x.id,
        &mut decide,
        |list, x: &Memo| {
            let mut copy = x.clone();
            copy.id = copy_id(x.id);
            list.push(copy);
        },
    );
    merge_list(MergeKind::MatrixCell, &mut out.matrix_cells, &theirs.matrix_cells, |x| x.id, &mut decide, |_, _| {});

    fit(&mut out, &mut summary);
    let problems = out.validate();
    if !problems.is_empty() {
        return Err(MergeError::Invalid(problems));
    }
    let touched = touched(base, &out);
    Ok(Merged { data: out, touched, summary })
}

/// Makes the merged study consistent: unique names, segments on their words, memos
/// on things that exist.
fn fit(out: &mut StudyData, summary: &mut MergeSummary) {
    fn dedupe<T>(
        items: &mut [T],
        key: impl Fn(&T) -> String,
        mut rename: impl FnMut(&mut T, usize) -> String,
        notes: &mut Vec<String>,
    ) {
        let mut seen = HashSet::new();
        for x in items.iter_mut() {
            if seen.insert(key(x)) {
                continue;
            }
            let mut n = 2;
            loop {
                let name = rename(x, n);
                if seen.insert(key(x)) {
                    notes.push(format!("Renamed a duplicate to “{name}”"));
                    break;
                }
                n += 1;
            }
        }
    }
    let notes = &mut summary.adjustments;
    let strip = |name: &str| name.rsplit_once(" (").map_or(name.to_string(), |(a, _)| a.to_string());
    dedupe(
        &mut out.cases,
        |c| c.name.trim().to_lowercase(),
        |c, n| {
            c.name = format!("{} ({n})", strip(&c.name));
            c.name.clone()
        },
        notes,
    );
    dedupe(
        &mut out.participants,
        |p| p.pseudonym.trim().to_lowercase(),
        |p, n| {
            p.pseudonym = format!("{} ({n})", strip(&p.pseudonym));
            p.pseudonym.clone()
        },
        notes,
    );
    dedupe(
        &mut out.codes,
        |c| format!("{:?}/{}", c.parent, c.name.trim().to_lowercase()),
        |c, n| {
            c.name = format!("{} ({n})", strip(&c.name));
            c.name.clone()
        },
        notes,
    );
    dedupe(
        &mut out.surveys,
        |s| s.name.trim().to_lowercase(),
        |s, n| {
            s.name = format!("{} ({n})", strip(&s.name));
            s.name.clone()
        },
        notes,
    );
    dedupe(
        &mut out.protocols,
        |p| p.name.trim().to_lowercase(),
        |p, n| {
            p.name = format!("{} ({n})", strip(&p.name));
            p.name.clone()
        },
        notes,
    );
    dedupe(
        &mut out.study.roles,
        |r| r.name.trim().to_lowercase(),
        |r, n| {
            r.name = format!("{} ({n})", strip(&r.name));
            r.name.clone()
        },
        notes,
    );

    // Segments whose words are no longer where they were (their source was taken from
    // the other side) move to where the words are, or are marked.
    let texts: HashMap<SourceRef, Option<(String, CodePointIndex)>> = out
        .segments
        .iter()
        .map(|s| s.source.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|r| {
            let text = out.source_text(&r).map(|t| (t.to_string(), CodePointIndex::new(t)));
            (r, text)
        })
        .collect();
    let (mut moved, mut review, mut lost) = (0, 0, 0);
    for s in &mut out.segments {
        if s.anchor == Anchor::Lost {
            continue;
        }
        let Some(Some((text, index))) = texts.get(&s.source) else {
            s.anchor = Anchor::Lost;
            lost += 1;
            continue;
        };
        if index.slice(text, s.start, s.end) == Some(s.text.as_str()) {
            continue;
        }
        if let Some(byte) = text.find(&s.text).filter(|_| !s.text.is_empty()) {
            s.start = text[..byte].chars().count();
            s.end = s.start + s.text.chars().count();
            moved += 1;
        } else if slice_code_points(text, s.start, s.end).is_some() && s.start < s.end {
            s.anchor = Anchor::NeedsReview;
            review += 1;
        } else {
            s.anchor = Anchor::Lost;
            lost += 1;
        }
    }
    if moved > 0 {
        summary.adjustments.push(format!("{moved} segment(s) moved to where their words are in the merged text"));
    }
    if review > 0 {
        summary.adjustments.push(format!("{review} segment(s) whose words changed are marked “Text changed: check”"));
    }
    if lost > 0 {
        summary
            .adjustments
            .push(format!("{lost} segment(s) whose words are gone are marked “Text removed” (their words are kept)"));
    }
    // Memos about something that is not in the merged study go to the journal.
    let segments: HashSet<Uuid> = out.segments.iter().map(|s| s.id).collect();
    let codes: HashSet<Uuid> = out.codes.iter().map(|c| c.id).collect();
    let missing: Vec<usize> = out
        .memos
        .iter()
        .enumerate()
        .filter(|(_, m)| match &m.target {
            MemoTarget::Segment(s) => !segments.contains(s),
            MemoTarget::Code(c) => !codes.contains(c),
            MemoTarget::Source(s) => out.source_text(s).is_none(),
            MemoTarget::Journal => false,
        })
        .map(|(i, _)| i)
        .collect();
    for i in &missing {
        out.memos[*i].target = MemoTarget::Journal;
    }
    if !missing.is_empty() {
        summary.adjustments.push(format!(
            "{} memo(s) about something no longer in the study were moved to the journal",
            missing.len()
        ));
    }
}

/// Objects of `after` that are new or different from `before`.
fn touched(before: &StudyData, after: &StudyData) -> Vec<ObjectRef> {
    fn changed<T: PartialEq>(
        before: &[T],
        after: &[T],
        id: impl Fn(&T) -> Uuid,
        to: impl Fn(Uuid) -> ObjectRef,
        out: &mut Vec<ObjectRef>,
    ) {
        let old: HashMap<Uuid, &T> = before.iter().map(|x| (id(x), x)).collect();
        for x in after {
            if old.get(&id(x)).is_none_or(|o| *o != x) {
                out.push(to(id(x)));
            }
        }
    }
    let mut out = Vec::new();
    if before.study != after.study {
        out.push(ObjectRef::Study);
    }
    changed(&before.cases, &after.cases, |x| x.id, ObjectRef::Case, &mut out);
    changed(&before.participants, &after.participants, |x| x.id, ObjectRef::Participant, &mut out);
    changed(&before.identities, &after.identities, |x| x.participant_id, ObjectRef::Identity, &mut out);
    changed(&before.protocols, &after.protocols, |x| x.id, ObjectRef::Protocol, &mut out);
    changed(&before.interviews, &after.interviews, |x| x.id, ObjectRef::Interview, &mut out);
    changed(&before.documents, &after.documents, |x| x.id, ObjectRef::Document, &mut out);
    changed(&before.accounts, &after.accounts, |x| x.id, ObjectRef::Account, &mut out);
    changed(&before.surveys, &after.surveys, |x| x.id, ObjectRef::Survey, &mut out);
    changed(&before.responses, &after.responses, |x| x.id, ObjectRef::Response, &mut out);
    changed(&before.codes, &after.codes, |x| x.id, ObjectRef::Code, &mut out);
    changed(&before.segments, &after.segments, |x| x.id, ObjectRef::Segment, &mut out);
    changed(&before.memos, &after.memos, |x| x.id, ObjectRef::Memo, &mut out);
    changed(&before.matrix_cells, &after.matrix_cells, |x| x.id, ObjectRef::MatrixCell, &mut out);
    out
}

/// Plans and applies in one go with the default rule for every conflict (keep both
/// where possible, else keep mine), as the command line does.
pub fn merge_with_defaults(base: &StudyData, incoming: &StudyData) -> Result<Merged, MergeError> {
    apply(&plan(base, incoming), &HashMap::new())
}
