//! Counts and look-ups of the coding that the app's views show all the time:
//! segments per code (the codebook), per source and per interview (the source
//! list), per code and case, and the segments on one source in order.
//!
//! [`CodingIndex::build`] reads every segment once. After an operation,
//! [`CodingIndex::refresh`] with what it touched ([`Applied::touched`], or the refs a
//! deletion returns) un-counts what the index had counted for each touched segment
//! (it keeps, per segment, its source, bounds and codes) and counts the segment
//! again as it is now, so the work follows the edit, not the size of the study.
//!
//! **Invariant**: building, then refreshing with the refs of every change since,
//! gives an index equal to a fresh [`CodingIndex::build`]; the property test below
//! checks it over random coding edits, undo and redo.
//!
//! A segment's case is the case of the interview, survey response or document that
//! owns its source, also when the segment is lost because its turn or answer was
//! removed ([`StudyData::code_counts`] leaves those without a case). Only interview,
//! response, document and case refs can change that; refs of other objects
//! (participants, codes, memos) change nothing counted here: deleting or merging a
//! code touches its segments too. After the study is replaced wholesale (loaded,
//! restored from a backup, merged), build again.
//!
//! [`Applied::touched`]: crate::coding::Applied::touched

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

use uuid::Uuid;

use crate::coding::model::Segment;
use crate::coding::sources::SourceRef;
use crate::study::{ObjectRef, StudyData};

/// What owns a source's text, and so gives its segments a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Owner {
    Interview(Uuid),
    Response(Uuid),
    Document(Uuid),
}

impl Owner {
    fn of(source: &SourceRef) -> Owner {
        match source {
            SourceRef::Notes { interview, .. }
            | SourceRef::Turn { interview, .. }
            | SourceRef::Transcript { interview } => Owner::Interview(*interview),
            SourceRef::SurveyAnswer { response, .. } => Owner::Response(*response),
            SourceRef::Document { document } => Owner::Document(*document),
        }
    }

    /// Its case in `d`; None once it no longer exists.
    fn case_in(self, d: &StudyData) -> Option<Uuid> {
        match self {
            Owner::Interview(id) => d.interview(id).map(|i| i.case_id),
            Owner::Response(id) => d.response(id).map(|r| r.case_id),
            Owner::Document(id) => d.document(id).map(|x| x.case_id),
        }
    }
}

/// What the index counted for one segment, so that it can be un-counted.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Counted {
    /// [`SourceRef::uuid`].
    source: Uuid,
    owner: Owner,
    start: usize,
    end: usize,
    /// The code of each coding, in order.
    codes: Vec<Uuid>,
}

/// The case of one owner, cached while the index counts any segment on it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct OwnerEntry {
    case: Option<Uuid>,
    segments: HashSet<Uuid>,
}

/// Coding counts kept up to date from what each operation touched; see the module docs.
///
/// A count that falls to zero, or a set left empty, is removed, so that a refreshed
/// index compares equal to a built one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodingIndex {
    segments: HashMap<Uuid, Counted>,
    /// Segments carrying each code.
    with_code: HashMap<Uuid, usize>,
    codings: HashMap<Uuid, usize>,
    /// (start, end, id) of the segments on each source, by source UUID.
    by_source: HashMap<Uuid, BTreeSet<(usize, usize, Uuid)>>,
    owners: HashMap<Owner, OwnerEntry>,
    /// Segments carrying a code, by (code, case).
    in_case: HashMap<(Uuid, Uuid), usize>,
}

/// Up to this many touched segments are looked up one by one; more, in one pass.
const FEW: usize = 8;

fn bump<K: Eq + Hash>(map: &mut HashMap<K, usize>, key: K, up: bool) {
    if up {
        *map.entry(key).or_insert(0) += 1;
    } else if let Entry::Occupied(mut e) = map.entry(key) {
        if *e.get() <= 1 {
            e.remove();
        } else {
            *e.get_mut() -= 1;
        }
    }
}

/// Each code once (a segment read from a damaged backup may carry one twice).
fn distinct(codes: &[Uuid]) -> impl Iterator<Item = Uuid> + '_ {
    codes.iter().enumerate().filter(|(at, c)| !codes[..*at].contains(c)).map(|(_, c)| *c)
}

impl CodingIndex {
    /// Counts every segment of the study.
    pub fn build(d: &StudyData) -> CodingIndex {
        let mut cases: HashMap<Owner, Uuid> = HashMap::new();
        // The first of a repeated id wins, as `StudyData::interview` etc. find it.
        let owners = d
            .interviews
            .iter()
            .map(|i| (Owner::Interview(i.id), i.case_id))
            .chain(d.responses.iter().map(|r| (Owner::Response(r.id), r.case_id)))
            .chain(d.documents.iter().map(|x| (Owner::Document(x.id), x.case_id)));
        for (owner, case) in owners {
            cases.entry(owner).or_insert(case);
        }
        // Source UUIDs are hashes: work each out once.
        let mut uuids: HashMap<&SourceRef, Uuid> = HashMap::new();
        let mut index = CodingIndex::default();
        for s in &d.segments {
            let source = *uuids.entry(&s.source).or_insert_with(|| s.source.uuid());
            index.add(s, source, |o| cases.get(&o).copied());
        }
        index
    }

    /// Brings the index up to date after a change that touched these objects.
    pub fn refresh(&mut self, d: &StudyData, touched: &[ObjectRef]) {
        let mut segments = Vec::new();
        // Owners first, so that segments counted again below read their new case.
        for r in touched {
            match *r {
                // Listed twice, a segment is un-counted once and counted once (`add` skips it).
                ObjectRef::Segment(id) => segments.push(id),
                ObjectRef::Interview(id) => self.resolve(d, Owner::Interview(id)),
                ObjectRef::Response(id) => self.resolve(d, Owner::Response(id)),
                ObjectRef::Document(id) => self.resolve(d, Owner::Document(id)),
                ObjectRef::Case(case) => {
                    let owners: Vec<Owner> =
                        self.owners.iter().filter(|(_, o)| o.case == Some(case)).map(|(owner, _)| *owner).collect();
                    for owner in owners {
                        self.resolve(d, owner);
                    }
                }
                _ => {}
            }
        }
        if segments.is_empty() {
            return;
        }
        for id in &segments {
            self.remove(*id);
        }
        for s in current(d, &segments) {
            self.add(s, s.source.uuid(), |o| o.case_in(d));
        }
    }

    /// How many segments are counted.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Segments carrying this code itself (not a sub-code).
    pub fn segments_with_code(&self, code: Uuid) -> usize {
        self.with_code.get(&code).copied().unwrap_or(0)
    }

    /// Codings of this code.
    pub fn codings_of(&self, code: Uuid) -> usize {
        self.codings.get(&code).copied().unwrap_or(0)
    }

    /// Segments on a source, by [`SourceRef::uuid`].
    pub fn segments_in_source(&self, source_uuid: Uuid) -> usize {
        self.by_source.get(&source_uuid).map_or(0, BTreeSet::len)
    }

    /// Segments on an interview's notes, turns and transcript together.
    pub fn segments_of_interview(&self, interview: Uuid) -> usize {
        self.owners.get(&Owner::Interview(interview)).map_or(0, |o| o.segments.len())
    }

    /// The segments on a source, by start, then end, then id.
    pub fn segment_ids_in(&self, source: &SourceRef) -> impl Iterator<Item = Uuid> + '_ {
        self.by_source.get(&source.uuid()).into_iter().flatten().map(|(_, _, id)| *id)
    }

    /// Segments carrying this code itself whose source belongs to this case.
    pub fn segments_with_code_in_case(&self, code: Uuid, case: Uuid) -> usize {
        self.in_case.get(&(code, case)).copied().unwrap_or(0)
    }

    fn count_codes(&mut self, codes: &[Uuid], case: Option<Uuid>, up: bool) {
        for code in codes {
            bump(&mut self.codings, *code, up);
        }
        for code in distinct(codes) {
            bump(&mut self.with_code, code, up);
            if let Some(case) = case {
                bump(&mut self.in_case, (code, case), up);
            }
        }
    }

    /// Counts a segment; `case_of` is asked only for an owner not cached yet.
    fn add(&mut self, s: &Segment, source: Uuid, case_of: impl FnOnce(Owner) -> Option<Uuid>) {
        // A repeated id (a damaged backup): the first counts, as `StudyData::segment` finds it.
        if self.segments.contains_key(&s.id) {
            return;
        }
        let owner = Owner::of(&s.source);
        let entry =
            self.owners.entry(owner).or_insert_with(|| OwnerEntry { case: case_of(owner), segments: HashSet::new() });
        entry.segments.insert(s.id);
        let case = entry.case;
        let codes: Vec<Uuid> = s.codings.iter().map(|c| c.code).collect();
        self.count_codes(&codes, case, true);
        self.by_source.entry(source).or_default().insert((s.start, s.end, s.id));
        self.segments.insert(s.id, Counted { source, owner, start: s.start, end: s.end, codes });
    }

    /// Un-counts a segment as it was counted.
    fn remove(&mut self, id: Uuid) {
        let Some(was) = self.segments.remove(&id) else { return };
        let mut case = None;
        if let Entry::Occupied(mut e) = self.owners.entry(was.owner) {
            e.get_mut().segments.remove(&id);
            case = e.get().case;
            if e.get().segments.is_empty() {
                e.remove();
            }
        }
        self.count_codes(&was.codes, case, false);
        if let Entry::Occupied(mut e) = self.by_source.entry(was.source) {
            e.get_mut().remove(&(was.start, was.end, id));
            if e.get().is_empty() {
                e.remove();
            }
        }
    }

    /// Reads an owner's case again and moves its segments' per-case counts if it changed.
    fn resolve(&mut self, d: &StudyData, owner: Owner) {
        let Some(entry) = self.owners.get_mut(&owner) else { return };
        let case = owner.case_in(d);
        if entry.case == case {
            return;
        }
        let old = std::mem::replace(&mut entry.case, case);
        for id in &entry.segments {
            let Some(counted) = self.segments.get(id) else { continue };
            for code in distinct(&counted.codes) {
                if let Some(old) = old {
                    bump(&mut self.in_case, (code, old), false);
                }
                if let Some(new) = case {
                    bump(&mut self.in_case, (code, new), true);
                }
            }
        }
    }
}

/// The touched segments that still exist, as they are now. `StudyData` keeps no map
/// from id to segment, so many are found in one pass over the ids.
fn current<'d>(d: &'d StudyData, ids: &[Uuid]) -> Vec<&'d Segment> {
    if ids.len() <= FEW {
        return ids.iter().filter_map(|id| d.segment(*id)).collect();
    }
    let wanted: HashSet<Uuid> = ids.iter().copied().collect();
    let mut found = HashSet::new();
    d.segments.iter().filter(|s| wanted.contains(&s.id) && found.insert(s.id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::coding::CodingEdit;
    use crate::demo::{DemoSize, demo_study};
    use crate::fieldwork::DocumentEdit;

    const T0: i64 = 1_795_449_405_000;

    fn at(step: usize) -> Timestamp {
        Timestamp::from_millis(T0 + step as i64 * 1_000)
    }

    /// xorshift64: deterministic, and enough to pick edits.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        fn below(&mut self, n: usize) -> usize {
            if n == 0 { 0 } else { (self.next() % n as u64) as usize }
        }

        fn chance(&mut self, one_in: usize) -> bool {
            self.below(one_in) == 0
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
            items.get(self.below(items.len()))
        }
    }

    fn case_of(d: &StudyData, source: &SourceRef) -> Option<Uuid> {
        Owner::of(source).case_in(d)
    }

    /// Every query against a count worked out directly from the study.
    fn check_queries(index: &CodingIndex, d: &StudyData) {
        assert_eq!(index.len(), d.segments.len());
        let mut codes: BTreeSet<Uuid> = d.codes.iter().map(|c| c.id).collect();
        codes.extend(d.segments.iter().flat_map(|s| s.codings.iter().map(|c| c.code)));
        let case: Vec<Option<Uuid>> = d.segments.iter().map(|s| case_of(d, &s.source)).collect();
        let mut cases: BTreeSet<Uuid> = d.cases.iter().map(|c| c.id).collect();
        cases.extend(case.iter().flatten());
        for code in &codes {
            let with = d.segments.iter().filter(|s| s.has_code(*code)).count();
            assert_eq!(index.segments_with_code(*code), with);
            let codings = d.segments.iter().flat_map(|s| &s.codings).filter(|c| c.code == *code).count();
            assert_eq!(index.codings_of(*code), codings);
            for c in &cases {
                let n = d.segments.iter().zip(&case).filter(|(s, x)| s.has_code(*code) && **x == Some(*c)).count();
                assert_eq!(index.segments_with_code_in_case(*code, *c), n);
            }
        }
        let sources: BTreeSet<&SourceRef> = d.segments.iter().map(|s| &s.source).collect();
        for source in sources {
            let mut on: Vec<&Segment> = d.segments.iter().filter(|x| x.source == *source).collect();
            on.sort_by_key(|x| (x.start, x.end, x.id));
            assert_eq!(index.segments_in_source(source.uuid()), on.len());
            let ids: Vec<Uuid> = on.iter().map(|x| x.id).collect();
            assert_eq!(index.segment_ids_in(source).collect::<Vec<_>>(), ids);
        }
        let mut interviews: BTreeSet<Uuid> = d.interviews.iter().map(|i| i.id).collect();
        interviews.extend(d.segments.iter().filter_map(|s| s.source.interview()));
        for interview in interviews {
            let n = d.segments.iter().filter(|x| x.source.interview() == Some(interview)).count();
            assert_eq!(index.segments_of_interview(interview), n);
        }
    }

    /// A random range of a random source: (source, start, end).
    fn random_place(d: &StudyData, rng: &mut Rng) -> Option<(SourceRef, usize, usize)> {
        let sources: Vec<(SourceRef, usize)> =
            d.sources().into_iter().map(|s| (s.source, s.text.chars().count())).filter(|(_, n)| *n >= 2).collect();
        let (source, len) = rng.pick(&sources)?.clone();
        let start = rng.below(len - 1);
        let end = start + 1 + rng.below((len - start).min(40));
        Some((source, start, end))
    }

    fn random_codes(d: &StudyData, rng: &mut Rng) -> Vec<Uuid> {
        (0..1 + rng.below(2)).filter_map(|_| rng.pick(&d.codes).map(|c| c.id)).collect()
    }

    /// Kinds of random operation, for the tally of those applied.
    const KINDS: usize = 15;

    /// One random operation: its kind and what it touched (nothing when refused).
    fn random_step(d: &mut StudyData, rng: &mut Rng, step: usize) -> (usize, Vec<ObjectRef>) {
        let now = at(step);
        let code = rng.pick(&d.codes).map(|c| c.id).unwrap_or_default();
        let segment = rng.pick(&d.segments).cloned();
        let kind = rng.below(KINDS);
        let edit = match kind {
            0..=2 => random_place(d, rng).map(|(source, start, end)| CodingEdit::ApplyCodes {
                source,
                start,
                end,
                codes: random_codes(d, rng),
                coder: "A".into(),
            }),
            // Exactly an existing segment's bounds: adds codings to it.
            3 => segment.map(|s| CodingEdit::ApplyCodes {
                source: s.source,
                start: s.start,
                end: s.end,
                codes: random_codes(d, rng),
                coder: "B".into(),
            }),
            4 => {
                let places = (0..1 + rng.below(3)).filter_map(|_| random_place(d, rng)).collect();
                Some(CodingEdit::ApplyCodesMany { places, codes: random_codes(d, rng), coder: "A".into() })
            }
            5 => segment.and_then(|s| {
                let code = rng.pick(&s.codings)?.code;
                Some(CodingEdit::RemoveCoding { segment: s.id, code })
            }),
            6 => segment.and_then(|s| {
                let len = d.source_text(&s.source)?.chars().count();
                let start = rng.below(len.max(1));
                Some(CodingEdit::AdjustBounds { segment: s.id, start, end: start + 1 + rng.below(10) })
            }),
            7 => rng.pick(&d.codes).map(|into| CodingEdit::MergeCodes { from: code, into: into.id }),
            8 if d.codes.len() > 8 => Some(CodingEdit::DeleteCode { code }),
            9 => segment.and_then(|s| {
                let code = rng.pick(&s.codings)?.code;
                let segments: Vec<Uuid> = d
                    .segments
                    .iter()
                    .filter(|x| x.has_code(code) && (x.id == s.id || rng.chance(2)))
                    .map(|x| x.id)
                    .collect();
                Some(CodingEdit::SplitCode { code, name: format!("Split {step}"), colour: "#336699".into(), segments })
            }),
            10 => {
                let parent = if rng.chance(3) { None } else { Some(code) };
                Some(CodingEdit::AddCode { parent, name: format!("Code {step}"), colour: "#aa5500".into() })
            }
            11 | 12 => {
                let done = if rng.chance(2) { d.undo_coding(now) } else { d.redo_coding(now) };
                return match done {
                    Ok(Some((_, applied))) => (kind, applied.touched()),
                    _ => (kind, Vec::new()),
                };
            }
            // A document's text changes: its segments move along with their words.
            13 => {
                let Some(doc) = rng.pick(&d.documents).map(|x| (x.id, x.text.clone())) else {
                    return (kind, Vec::new());
                };
                let text = if rng.chance(2) { format!("Note. {}", doc.1) } else { doc.1.chars().skip(3).collect() };
                return (kind, d.edit_document(doc.0, DocumentEdit::Text(text), now).unwrap_or_default());
            }
            _ => segment.map(|s| CodingEdit::ApplyCodes {
                source: s.source,
                start: s.start,
                end: s.end + 1,
                codes: vec![code],
                coder: "C".into(),
            }),
        };
        let Some(edit) = edit else { return (kind, Vec::new()) };
        let applied =
            if rng.chance(4) { d.apply_coding(edit, now) } else { d.apply_coding_recorded("edit", edit, now) };
        (kind, applied.map(|a| a.touched()).unwrap_or_default())
    }

    #[test]
    fn random_coding_edits_keep_the_index_equal_to_a_fresh_build() {
        let mut applied = [0usize; KINDS];
        for seed in [0x9E37_79B9_7F4A_7C15u64, 0xDEAD_BEEF_1234_5678, 42] {
            let mut rng = Rng(seed);
            let mut d = demo_study(DemoSize::Small);
            let mut index = CodingIndex::build(&d);
            check_queries(&index, &d);
            for step in 0..400 {
                let touched = if step == 200 {
                    // Halfway: an interview and a document go, with their segments.
                    let mut touched = Vec::new();
                    if let Some(i) = d.interviews.first().map(|i| i.id) {
                        touched.extend(d.delete_interview(i).unwrap_or_default());
                    }
                    if let Some(doc) = d.documents.first().map(|x| x.id) {
                        touched.extend(d.delete_document(doc).unwrap_or_default());
                    }
                    touched
                } else {
                    let (kind, touched) = random_step(&mut d, &mut rng, step);
                    applied[kind] += usize::from(!touched.is_empty());
                    touched
                };
                index.refresh(&d, &touched);
                assert_eq!(index, CodingIndex::build(&d), "seed {seed:#x}, step {step}");
                check_queries(&index, &d);
            }
            assert!(!d.segments.is_empty());
        }
        // Every kind of edit was applied, not only tried.
        println!("applied per kind: {applied:?}");
        assert!(applied.iter().all(|n| *n > 3), "applied per kind: {applied:?}");
    }

    /// A document of one case and the sources of an interview of another.
    struct Fixture {
        document: Uuid,
        doc: SourceRef,
        doc_case: Uuid,
        interview: Uuid,
        interview_case: Uuid,
        notes: Vec<SourceRef>,
    }

    fn fixture(d: &StudyData) -> Fixture {
        let doc = d.documents.iter().find(|x| x.text.chars().count() > 20).map(|x| (x.id, x.case_id));
        let (document, doc_case) = doc.unwrap();
        let sources = d.sources();
        let notes_of = |interview: Uuid| -> Vec<SourceRef> {
            sources
                .iter()
                .filter(|s| s.source.interview() == Some(interview) && s.text.chars().count() > 10)
                .map(|s| s.source.clone())
                .collect()
        };
        // The interview of another case with the most texts.
        let interview = d.interviews.iter().filter(|i| i.case_id != doc_case).max_by_key(|i| notes_of(i.id).len());
        let (interview, interview_case) = interview.map(|i| (i.id, i.case_id)).unwrap();
        let notes = notes_of(interview);
        Fixture { document, doc: SourceRef::Document { document }, doc_case, interview, interview_case, notes }
    }

    /// Two codes neither of which is below the other.
    fn siblings(d: &StudyData) -> (Uuid, Uuid) {
        let a = d.codes.iter().find(|c| c.parent.is_some()).unwrap();
        let b = d.codes.iter().find(|c| c.parent == a.parent && c.id != a.id).unwrap();
        (a.id, b.id)
    }

    #[test]
    fn each_query_on_a_hand_made_coding() {
        let mut d = demo_study(DemoSize::Small);
        d.segments.clear();
        let Fixture { doc, doc_case, interview, interview_case, notes, .. } = fixture(&d);
        assert!(notes.len() >= 2, "the demo's interview has notes and turns");
        let (a, b) = siblings(&d);
        let mut code = |source: &SourceRef, start, end, codes: Vec<Uuid>| {
            let edit = CodingEdit::ApplyCodes { source: source.clone(), start, end, codes, coder: "A".into() };
            d.apply_coding(edit, at(1)).unwrap().created.unwrap()
        };
        let s05 = code(&doc, 0, 5, vec![a, b]);
        let s24 = code(&doc, 2, 4, vec![a]);
        let s03 = code(&doc, 0, 3, vec![b]);
        assert_eq!(code(&doc, 0, 3, vec![a]), s03, "same bounds: a coding added");
        code(&notes[0], 0, 4, vec![a]);
        code(&notes[1], 1, 3, vec![b]);
        let index = CodingIndex::build(&d);
        assert_eq!(index.len(), 5);
        assert_eq!(index.segments_with_code(a), 4);
        assert_eq!(index.segments_with_code(b), 3);
        assert_eq!(index.codings_of(a), 4);
        assert_eq!(index.segments_with_code(Uuid::nil()), 0);
        assert_eq!(index.segments_in_source(doc.uuid()), 3);
        assert_eq!(index.segments_in_source(notes[0].uuid()), 1);
        assert_eq!(index.segment_ids_in(&doc).collect::<Vec<_>>(), vec![s03, s05, s24]);
        assert_eq!(index.segments_of_interview(interview), 2);
        assert_eq!(index.segments_of_interview(Uuid::nil()), 0);
        assert_eq!(index.segments_with_code_in_case(a, doc_case), 3);
        assert_eq!(index.segments_with_code_in_case(b, doc_case), 2);
        assert_eq!(index.segments_with_code_in_case(a, interview_case), 1);
        assert_eq!(index.segments_with_code_in_case(b, interview_case), 1);

        // Removing a segment's last code removes it: counted down, gone from its source.
        let mut refreshed = index.clone();
        let applied = d.apply_coding(CodingEdit::RemoveCoding { segment: s24, code: a }, at(2)).unwrap();
        refreshed.refresh(&d, &applied.touched());
        assert_eq!(refreshed.segments_with_code(a), 3);
        assert_eq!(refreshed.segments_with_code_in_case(a, doc_case), 2);
        assert_eq!(refreshed.segment_ids_in(&doc).collect::<Vec<_>>(), vec![s03, s05]);
        // New bounds reorder the source's segments.
        let applied = d.apply_coding(CodingEdit::AdjustBounds { segment: s03, start: 1, end: 3 }, at(3)).unwrap();
        refreshed.refresh(&d, &applied.touched());
        assert_eq!(refreshed.segment_ids_in(&doc).collect::<Vec<_>>(), vec![s05, s03]);
        // Merging b into a: a segment that had both keeps one coding of a.
        let applied = d.apply_coding(CodingEdit::MergeCodes { from: b, into: a }, at(4)).unwrap();
        refreshed.refresh(&d, &applied.touched());
        assert_eq!((refreshed.segments_with_code(a), refreshed.codings_of(a)), (4, 4));
        assert_eq!((refreshed.segments_with_code(b), refreshed.codings_of(b)), (0, 0));
        assert_eq!(refreshed, CodingIndex::build(&d));
        // Refs of objects that count nothing change nothing.
        refreshed.refresh(&d, &[ObjectRef::Study, ObjectRef::Code(a), ObjectRef::CodingHistory]);
        assert_eq!(refreshed, CodingIndex::build(&d));
    }

    #[test]
    fn deleting_an_interview_a_document_or_a_case_uncounts_their_segments() {
        let mut d = demo_study(DemoSize::Small);
        let Fixture { document, doc, doc_case, interview, interview_case, notes } = fixture(&d);
        let a = siblings(&d).0;
        for (n, source) in notes.iter().chain([&doc]).enumerate() {
            let end = 2 + n % 8;
            let edit =
                CodingEdit::ApplyCodes { source: source.clone(), start: 0, end, codes: vec![a], coder: "".into() };
            d.apply_coding_recorded("code", edit, at(n)).unwrap();
        }
        // Recorded, so that undo puts the segment back once its document is gone.
        let on_doc = d.segments.iter().find(|s| s.source == doc).map(|s| s.id).unwrap();
        d.apply_coding_recorded("bounds", CodingEdit::AdjustBounds { segment: on_doc, start: 1, end: 4 }, at(30))
            .unwrap();
        let mut index = CodingIndex::build(&d);
        assert!(index.segments_of_interview(interview) >= notes.len());
        let in_case = index.segments_with_code_in_case(a, interview_case);
        let on_interview =
            d.segments.iter().filter(|s| s.source.interview() == Some(interview) && s.has_code(a)).count();

        let removed = d.delete_interview(interview).unwrap();
        index.refresh(&d, &removed);
        assert_eq!(index, CodingIndex::build(&d));
        assert_eq!(index.segments_of_interview(interview), 0);
        assert!(notes.iter().all(|s| index.segments_in_source(s.uuid()) == 0));
        assert_eq!(index.segments_with_code_in_case(a, interview_case), in_case - on_interview);

        let removed = d.delete_document(document).unwrap();
        index.refresh(&d, &removed);
        assert_eq!(index, CodingIndex::build(&d));
        assert_eq!(index.segments_in_source(doc.uuid()), 0);

        // Undo puts the segment back on the deleted document: counted, without a case.
        let (_, applied) = d.undo_coding(at(40)).unwrap().unwrap();
        index.refresh(&d, &applied.touched());
        assert_eq!(index, CodingIndex::build(&d));
        assert_eq!(index.segment_ids_in(&doc).collect::<Vec<_>>(), vec![on_doc]);
        check_queries(&index, &d);

        // A whole case: its interviews, documents and responses go with it.
        let removed = d.delete_case(doc_case).unwrap();
        index.refresh(&d, &removed);
        assert_eq!(index, CodingIndex::build(&d));
        assert!(d.codes.iter().all(|c| index.segments_with_code_in_case(c.id, doc_case) == 0));
        check_queries(&index, &d);
    }

    #[test]
    fn a_source_owner_in_another_case_moves_its_counts() {
        let mut d = demo_study(DemoSize::Small);
        let Fixture { document, doc, doc_case, interview_case, .. } = fixture(&d);
        let a = siblings(&d).0;
        let edit = CodingEdit::ApplyCodes { source: doc.clone(), start: 0, end: 4, codes: vec![a], coder: "".into() };
        d.apply_coding(edit, at(1)).unwrap();
        let mut index = CodingIndex::build(&d);
        let (before_doc, before_other) =
            (index.segments_with_code_in_case(a, doc_case), index.segments_with_code_in_case(a, interview_case));
        let on_doc = d.segments.iter().filter(|s| s.source == doc && s.has_code(a)).count();
        // No operation moves a document to another case yet; refresh must follow if one does.
        if let Some(x) = d.documents.iter_mut().find(|x| x.id == document) {
            x.case_id = interview_case;
        }
        index.refresh(&d, &[ObjectRef::Document(document)]);
        assert_eq!(index, CodingIndex::build(&d));
        assert_eq!(index.segments_with_code_in_case(a, doc_case), before_doc - on_doc);
        assert_eq!(index.segments_with_code_in_case(a, interview_case), before_other + on_doc);
        check_queries(&index, &d);
    }

    /// `cargo test --release -p fieldkit-core --lib build_the_reference_index -- --ignored --nocapture`
    #[test]
    #[ignore = "timing: run in release"]
    fn build_the_reference_index() {
        use std::time::Instant;
        let mut d = demo_study(DemoSize::Reference);
        let codings: usize = d.segments.iter().map(|s| s.codings.len()).sum();
        let started = Instant::now();
        let mut index = CodingIndex::build(&d);
        println!(
            "{} segments, {codings} codings, {} codes: built in {:?}",
            d.segments.len(),
            d.codes.len(),
            started.elapsed()
        );
        let s = d.segments[d.segments.len() / 2].clone();
        let code = d.codes.iter().find(|c| !s.has_code(c.id)).map(|c| c.id).unwrap();
        let edit = CodingEdit::ApplyCodes {
            source: s.source,
            start: s.start,
            end: s.end,
            codes: vec![code],
            coder: "".into(),
        };
        let applied = d.apply_coding(edit, at(1)).unwrap();
        let started = Instant::now();
        index.refresh(&d, &applied.touched());
        println!("refresh after coding one segment: {:?}", started.elapsed());
        let mut by_use: Vec<(usize, Uuid)> = d.codes.iter().map(|c| (index.segments_with_code(c.id), c.id)).collect();
        by_use.sort();
        // The two most used codes that can be merged (neither below the other).
        let top: Vec<(usize, Uuid)> = by_use.iter().rev().take(10).copied().collect();
        let (from, into, applied) = top
            .iter()
            .flat_map(|f| top.iter().map(move |i| (*f, *i)))
            .filter(|(f, i)| f != i)
            .find_map(|(f, i)| {
                let mut trial = d.clone();
                trial
                    .apply_coding(CodingEdit::MergeCodes { from: f.1, into: i.1 }, at(2))
                    .ok()
                    .map(|a| (f, i, a, trial))
            })
            .map(|(f, i, a, trial)| {
                d = trial;
                (f, i, a)
            })
            .unwrap();
        let started = Instant::now();
        index.refresh(&d, &applied.touched());
        println!("refresh after merging codes on {} and {} segments: {:?}", from.0, into.0, started.elapsed());
        assert_eq!(index, CodingIndex::build(&d));
    }
}
