//! The coding workspace: offsets, the codebook, coding, undo, re-anchoring after text
//! edits, retrieval, counts, highlights, the matrix, and backups with coding.

use std::collections::HashSet;

use fieldkit_core::coding::check_code_colour;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows, RetrievalFilter};
use fieldkit_core::coding::sources::*;
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::exchange::backup::*;
use fieldkit_core::fieldwork::*;
use fieldkit_core::offsets::*;
use fieldkit_core::storage::*;
use fieldkit_core::study::*;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_795_449_405_000);
const T1: Timestamp = Timestamp::from_millis(1_795_449_465_000);

/// The small demo study without its coding, so each test builds its own.
fn study() -> StudyData {
    let mut d = demo_study(DemoSize::Small);
    d.codes.clear();
    d.segments.clear();
    d.memos.clear();
    d.matrix_cells.clear();
    d
}

fn add_code(d: &mut StudyData, parent: Option<Uuid>, name: &str) -> Uuid {
    d.apply_coding(CodingEdit::AddCode { parent, name: name.into(), colour: "#2A7F62".into() }, T0)
        .unwrap()
        .created
        .unwrap()
}

fn document(d: &StudyData) -> (Uuid, SourceRef) {
    let doc = d.documents.iter().find(|x| x.kind == DocumentKind::FieldNotes).unwrap().id;
    (doc, SourceRef::Document { document: doc })
}

fn code_range(d: &mut StudyData, source: &SourceRef, start: usize, end: usize, codes: &[Uuid]) -> Uuid {
    let edit =
        CodingEdit::ApplyCodes { source: source.clone(), start, end, codes: codes.to_vec(), coder: "ana".into() };
    d.apply_coding(edit, T0).unwrap().created.unwrap()
}

/// Code points of the first occurrence of `words` in a source.
fn find(d: &StudyData, source: &SourceRef, words: &str) -> (usize, usize) {
    let text = d.source_text(source).unwrap();
    let byte = text.find(words).unwrap();
    let start = text[..byte].chars().count();
    (start, start + words.chars().count())
}

fn set_text(d: &mut StudyData, doc: Uuid, text: &str) -> Vec<ObjectRef> {
    d.edit_document(doc, DocumentEdit::Text(text.into()), T1).unwrap()
}

// --- offsets ---

#[test]
fn offsets_across_emoji_combining_marks_welsh_and_right_to_left_text() {
    // woman health worker (ZWJ sequence with skin tone), Welsh flag (tag sequence), UK flag (regional indicators)
    let cases = [
        "Gofal 👩🏽‍⚕️ da",
        "Cymru 🏴󠁧󠁢󠁷󠁬󠁳󠁿 a 🇬🇧 hefyd",
        "cafe\u{301} and e\u{301}",
        "Tŷ Gwyn, dŵr",               // precomposed ŷ ŵ
        "Ty\u{302} Gwyn, dw\u{302}r", // decomposed
        "مرحبا بالعالم",
        "שלום עולם",
        "mixed עברית and العربية 👍🏽",
    ];
    for text in cases {
        let utf16: Vec<u16> = text.encode_utf16().collect();
        let n = code_point_len(text);
        assert_eq!(code_points_to_utf16(text, n), utf16.len(), "{text}");
        for cp in 0..=n {
            let u = code_points_to_utf16(text, cp);
            assert_eq!(utf16_to_code_points(text, u), cp, "{text} at {cp}");
            // The UTF-16 prefix decodes to the same text as the code-point prefix.
            let prefix: String = text.chars().take(cp).collect();
            assert_eq!(String::from_utf16(&utf16[..u]).unwrap(), prefix);
            assert_eq!(slice_code_points(text, 0, cp), Some(prefix.as_str()));
        }
        assert_eq!(slice_code_points(text, 0, n + 1), None);
    }
    // An offset inside a surrogate pair means the character it is part of.
    let text = "a👍b";
    assert_eq!(utf16_to_code_points(text, 2), 1);
    assert_eq!(utf16_to_code_points(text, 3), 2);
    assert_eq!(utf16_to_code_points(text, 99), 3);
    // Decomposed ŵ is two code points, precomposed one: stored as typed.
    assert_eq!(code_point_len("dw\u{302}r"), 4);
    assert_eq!(code_point_len("dŵr"), 3);
    assert_eq!(slice_code_points("dw\u{302}r", 1, 3), Some("w\u{302}"));
    assert_eq!(slice_code_points("مرحبا بالعالم", 6, 13), Some("بالعالم"));
}

#[test]
fn a_segment_on_emoji_and_welsh_text_keeps_its_exact_words() {
    let mut d = study();
    let (doc, source) = document(&d);
    set_text(&mut d, doc, "Gofal 👩🏽‍⚕️ yn Nhŷ Gwyn — ac y\u{302}n dda. שלום");
    let code = add_code(&mut d, None, "Care");
    let (s, e) = find(&d, &source, "Nhŷ Gwyn");
    let seg = code_range(&mut d, &source, s, e, &[code]);
    assert_eq!(d.segment(seg).unwrap().text, "Nhŷ Gwyn");
    let (s, e) = find(&d, &source, "y\u{302}n dda. שלום");
    let seg = code_range(&mut d, &source, s, e, &[code]);
    assert_eq!(d.segment(seg).unwrap().text, "y\u{302}n dda. שלום");
    // Text before it changes: still on the same words.
    set_text(&mut d, doc, "Heddiw: Gofal 👩🏽‍⚕️👍🏽 yn Nhŷ Gwyn — ac y\u{302}n dda. שלום");
    for s in &d.segments {
        assert_eq!(s.anchor, Anchor::Placed);
        assert_eq!(slice_code_points(d.source_text(&source).unwrap(), s.start, s.end), Some(s.text.as_str()));
    }
}

// --- codebook ---

#[test]
fn codebook_names_colours_and_moves_are_checked() {
    let mut d = study();
    let theme = add_code(&mut d, None, "Barriers");
    let funding = add_code(&mut d, Some(theme), "Funding");
    let sub = add_code(&mut d, Some(funding), "Short contracts");
    let err = d.apply_coding(
        CodingEdit::AddCode { parent: Some(theme), name: " funding ".into(), colour: "#000000".into() },
        T0,
    );
    assert_eq!(err.unwrap_err(), ValidationError::DuplicateCodeName("funding".into()));
    // Same name elsewhere in the tree is fine.
    add_code(&mut d, Some(funding), "Barriers");
    assert!(matches!(
        d.apply_coding(CodingEdit::AddCode { parent: None, name: "  ".into(), colour: "#000000".into() }, T0),
        Err(ValidationError::EmptyCodeName)
    ));
    assert_eq!(check_code_colour("#ABCDEF"), Ok("#abcdef".into()));
    assert!(check_code_colour("red").is_err());
    assert!(d.apply_coding(CodingEdit::RecolourCode { code: theme, colour: "#12345".into() }, T0).is_err());
    let err = d.apply_coding(CodingEdit::MoveCode { code: theme, parent: Some(sub) }, T0).unwrap_err();
    assert_eq!(err, ValidationError::CodeCycle("Barriers".into()));
    d.apply_coding(CodingEdit::MoveCode { code: sub, parent: None }, T0).unwrap();
    assert_eq!(d.code(sub).unwrap().parent, None);
    d.apply_coding(CodingEdit::RenameCode { code: sub, name: "Contracts".into() }, T0).unwrap();
    d.apply_coding(
        CodingEdit::CodeText { code: sub, field: CodeField::Definition, text: "Short, insecure funding".into() },
        T0,
    )
    .unwrap();
    assert_eq!(d.code_path(funding), ["Barriers", "Funding"]);
    assert_eq!(d.theme_of(funding), Some(theme));
    assert!(d.validate().is_empty(), "{:?}", d.validate());
}

/// Every (segment, code) pair before and after, for checking nothing goes missing.
fn pairs(d: &StudyData) -> HashSet<(Uuid, Uuid)> {
    d.segments.iter().flat_map(|s| s.codings.iter().map(move |c| (s.id, c.code))).collect()
}

#[test]
fn merge_moves_every_segment_to_the_surviving_code() {
    let mut d = study();
    let (_, source) = document(&d);
    let a = add_code(&mut d, None, "Trust");
    let b = add_code(&mut d, None, "Relationships");
    let a_child = add_code(&mut d, Some(a), "Continuity");
    let s1 = code_range(&mut d, &source, 0, 10, &[a]);
    let s2 = code_range(&mut d, &source, 5, 20, &[a, b]);
    let s3 = code_range(&mut d, &source, 12, 30, &[b, a_child]);
    d.apply_coding(
        CodingEdit::AddMemo { target: MemoTarget::Code(a), text: "about trust".into(), author: "ana".into() },
        T0,
    )
    .unwrap();
    let before = pairs(&d);
    let applied = d.apply_coding(CodingEdit::MergeCodes { from: a, into: b }, T1).unwrap();
    assert!(d.code(a).is_none());
    assert!(applied.removed.contains(&ObjectRef::Code(a)));
    assert_eq!(d.code(a_child).unwrap().parent, Some(b), "sub-codes move under the survivor");
    assert_eq!(d.segment(s1).unwrap().codings.iter().map(|c| c.code).collect::<Vec<_>>(), [b]);
    assert_eq!(d.segment(s2).unwrap().codings.len(), 1, "one coding of the survivor");
    assert_eq!(d.segments.len(), 3);
    // Every pair is accounted for: A's pairs became B's.
    let expected: HashSet<(Uuid, Uuid)> = before.iter().map(|(s, c)| (*s, if *c == a { b } else { *c })).collect();
    assert_eq!(pairs(&d), expected);
    assert!(d.memos.iter().all(|m| m.target == MemoTarget::Code(b)));
    assert!(d.segment(s3).unwrap().has_code(a_child));
    assert_eq!(
        d.apply_coding(CodingEdit::MergeCodes { from: b, into: a_child }, T1).unwrap_err(),
        ValidationError::MergeIntoDescendant("Relationships".into())
    );
    // Undo puts it all back.
    d.apply_coding(applied.undo, T1).unwrap();
    assert_eq!(pairs(&d), before);
    assert!(d.code(a).is_some());
    assert_eq!(d.code(a_child).unwrap().parent, Some(a));
}

#[test]
fn split_moves_only_the_chosen_segments() {
    let mut d = study();
    let (_, source) = document(&d);
    let theme = add_code(&mut d, None, "Support");
    let code = add_code(&mut d, Some(theme), "Advice");
    let s1 = code_range(&mut d, &source, 0, 5, &[code]);
    let s2 = code_range(&mut d, &source, 6, 12, &[code]);
    let s3 = code_range(&mut d, &source, 13, 20, &[code, theme]);
    let before = d.segments.iter().map(|s| s.codings.len()).sum::<usize>();
    let applied = d
        .apply_coding(
            CodingEdit::SplitCode {
                code,
                name: "Legal advice".into(),
                colour: "#aa3300".into(),
                segments: vec![s2, s3],
            },
            T1,
        )
        .unwrap();
    let new = applied.created.unwrap();
    assert_eq!(d.code(new).unwrap().parent, Some(theme));
    assert!(d.segment(s1).unwrap().has_code(code));
    assert!(d.segment(s2).unwrap().has_code(new) && !d.segment(s2).unwrap().has_code(code));
    assert!(d.segment(s3).unwrap().has_code(new) && d.segment(s3).unwrap().has_code(theme));
    assert_eq!(d.segments.iter().map(|s| s.codings.len()).sum::<usize>(), before, "no coding lost or added");
    let other = code_range(&mut d, &source, 30, 35, &[theme]);
    assert_eq!(
        d.apply_coding(
            CodingEdit::SplitCode { code, name: "X".into(), colour: "#000000".into(), segments: vec![other] },
            T1
        )
        .unwrap_err(),
        ValidationError::SegmentNotCoded("Advice".into())
    );
    assert_eq!(
        d.apply_coding(
            CodingEdit::SplitCode { code, name: "X".into(), colour: "#000000".into(), segments: vec![] },
            T1
        )
        .unwrap_err(),
        ValidationError::SplitNothingChosen
    );
}

#[test]
fn delete_says_what_it_removes_and_removes_exactly_that() {
    let mut d = study();
    let (_, source) = document(&d);
    let theme = add_code(&mut d, None, "Barriers");
    let child = add_code(&mut d, Some(theme), "Regulation");
    let keep = add_code(&mut d, None, "Leadership");
    let only_child = code_range(&mut d, &source, 0, 5, &[child]);
    let both = code_range(&mut d, &source, 3, 9, &[theme, keep]);
    let untouched = code_range(&mut d, &source, 10, 15, &[keep]);
    d.apply_coding(
        CodingEdit::AddMemo { target: MemoTarget::Segment(only_child), text: "m".into(), author: String::new() },
        T0,
    )
    .unwrap();
    let case = d.cases[0].id;
    d.apply_coding(
        CodingEdit::SetSynopsis { row: MatrixRow::Case(case), column: MatrixColumn::Theme(theme), text: "s".into() },
        T0,
    )
    .unwrap();
    let impact = d.code_deletion_impact(theme).unwrap();
    assert_eq!(impact.sub_codes, ["Regulation"]);
    assert_eq!((impact.codings, impact.segments, impact.memos, impact.matrix_cells), (2, 1, 1, 1));
    assert_eq!(
        impact.describe(),
        "This deletes 1 sub-code (Regulation), 2 codings, 1 coded segment left with no other code, 1 memo and 1 matrix synopsis."
    );
    let before = pairs(&d);
    let applied = d.apply_coding(CodingEdit::DeleteCode { code: theme }, T1).unwrap();
    assert!(d.code(theme).is_none() && d.code(child).is_none());
    assert!(d.segment(only_child).is_none());
    assert_eq!(d.segment(both).unwrap().codings.len(), 1);
    assert!(d.segment(untouched).is_some());
    assert!(d.memos.is_empty() && d.matrix_cells.is_empty());
    let removed: HashSet<ObjectRef> = applied.removed.iter().copied().collect();
    assert!(removed.contains(&ObjectRef::Segment(only_child)) && removed.contains(&ObjectRef::Code(child)));
    assert!(applied.changed.contains(&ObjectRef::Segment(both)));
    // Accounted for: what is left is what was there minus the deleted codes' pairs.
    let gone = [theme, child];
    let expected: HashSet<_> = before.iter().filter(|(_, c)| !gone.contains(c)).copied().collect();
    assert_eq!(pairs(&d), expected);
    // Undo, then redo.
    let redo = d.apply_coding(applied.undo, T1).unwrap();
    assert_eq!(pairs(&d), before);
    assert_eq!(d.memos.len(), 1);
    assert_eq!(d.matrix_cells.len(), 1);
    d.apply_coding(redo.undo, T1).unwrap();
    assert_eq!(pairs(&d), expected);
}

// --- coding ---

#[test]
fn applying_removing_and_adjusting_codes_with_undo() {
    let mut d = study();
    let (_, source) = document(&d);
    let a = add_code(&mut d, None, "A");
    let b = add_code(&mut d, None, "B");
    let applied = d
        .apply_coding(
            CodingEdit::ApplyCodes { source: source.clone(), start: 4, end: 16, codes: vec![a], coder: "ana".into() },
            T0,
        )
        .unwrap();
    let seg = applied.created.unwrap();
    assert_eq!(applied.changed, [ObjectRef::Segment(seg)]);
    // The same range again by the same coder adds to the same segment.
    let again = d
        .apply_coding(
            CodingEdit::ApplyCodes {
                source: source.clone(),
                start: 4,
                end: 16,
                codes: vec![b, a],
                coder: "ana".into(),
            },
            T1,
        )
        .unwrap();
    assert_eq!(again.created, Some(seg));
    assert_eq!(d.segments.len(), 1);
    let codings = &d.segment(seg).unwrap().codings;
    assert_eq!((codings.len(), codings[1].code), (2, b));
    // Another coder's coding of the same words is a segment of its own, so each
    // coder's work can be compared.
    let theirs = d
        .apply_coding(
            CodingEdit::ApplyCodes { source: source.clone(), start: 4, end: 16, codes: vec![a], coder: "bo".into() },
            T1,
        )
        .unwrap();
    assert!(theirs.created.is_some_and(|s| s != seg));
    assert_eq!(d.segments.len(), 2);
    d.apply_coding(theirs.undo, T1).unwrap();
    assert_eq!(d.segments.len(), 1);
    // Nested and overlapping segments are separate.
    let nested = code_range(&mut d, &source, 6, 10, &[b]);
    let overlapping = code_range(&mut d, &source, 12, 25, &[a]);
    assert_eq!(d.segments.len(), 3);
    // Undo the second application: back to one coding.
    d.apply_coding(again.undo, T1).unwrap();
    assert_eq!(d.segment(seg).unwrap().codings.len(), 1);
    // Removing the last code removes the segment; undo brings it back with its memo.
    d.apply_coding(
        CodingEdit::AddMemo { target: MemoTarget::Segment(nested), text: "why".into(), author: "ana".into() },
        T1,
    )
    .unwrap();
    let removed = d.apply_coding(CodingEdit::RemoveCoding { segment: nested, code: b }, T1).unwrap();
    assert!(d.segment(nested).is_none() && d.memos.is_empty());
    assert_eq!(removed.removed.len(), 2);
    d.apply_coding(removed.undo, T1).unwrap();
    assert!(d.segment(nested).is_some() && d.memos.len() == 1);
    // Bounds.
    d.apply_coding(CodingEdit::AdjustBounds { segment: overlapping, start: 13, end: 22 }, T1).unwrap();
    let text = d.source_text(&source).unwrap().to_string();
    assert_eq!(d.segment(overlapping).unwrap().text, slice_code_points(&text, 13, 22).unwrap());
    let len = code_point_len(&text);
    assert_eq!(
        d.apply_coding(CodingEdit::AdjustBounds { segment: overlapping, start: 3, end: len + 1 }, T1).unwrap_err(),
        ValidationError::SelectionOutsideText { start: 3, end: len + 1, len }
    );
    assert_eq!(
        d.apply_coding(
            CodingEdit::ApplyCodes { source: source.clone(), start: 3, end: 3, codes: vec![a], coder: String::new() },
            T1
        )
        .unwrap_err(),
        ValidationError::EmptySelection
    );
    assert_eq!(
        d.apply_coding(CodingEdit::ApplyCodes { source, start: 3, end: 5, codes: vec![], coder: String::new() }, T1)
            .unwrap_err(),
        ValidationError::NoCodesChosen
    );
    assert!(d.validate().is_empty(), "{:?}", d.validate());
}

#[test]
fn highlights_split_overlapping_and_nested_segments() {
    let mut d = study();
    let (_, source) = document(&d);
    let a = add_code(&mut d, None, "A");
    let b = add_code(&mut d, None, "B");
    let outer = code_range(&mut d, &source, 0, 20, &[a]);
    let inner = code_range(&mut d, &source, 5, 10, &[b]);
    let over = code_range(&mut d, &source, 15, 30, &[b]);
    let h = d.highlights(&source);
    let spans: Vec<(usize, usize, Vec<Uuid>)> = h.iter().map(|x| (x.start, x.end, x.segments.clone())).collect();
    assert_eq!(
        spans,
        [
            (0, 5, vec![outer]),
            (5, 10, vec![outer, inner]),
            (10, 15, vec![outer]),
            (15, 20, vec![outer, over]),
            (20, 30, vec![over]),
        ]
    );
    assert_eq!(h[1].codes, [a, b]);
}

// --- re-anchoring ---

#[test]
fn amending_text_keeps_segments_on_their_words_or_flags_them() {
    let mut d = study();
    let (doc, source) = document(&d);
    set_text(
        &mut d,
        doc,
        "The council helped with the constitution.\nThe advice line was too generic.\nVolunteers drove people to clinics.",
    );
    let code = add_code(&mut d, None, "Support");
    let (s, e) = find(&d, &source, "council helped");
    let moved = code_range(&mut d, &source, s, e, &[code]);
    let (s, e) = find(&d, &source, "advice line was too generic");
    let changed = code_range(&mut d, &source, s, e, &[code]);
    let (s, e) = find(&d, &source, "Volunteers drove");
    let lost = code_range(&mut d, &source, s, e, &[code]);
    let refs = set_text(
        &mut d,
        doc,
        "In 2016 the local council helped with the constitution.\nThe advice line was far too generic for care.\nThanks to all.",
    );
    assert_eq!(refs[0], ObjectRef::Document(doc));
    assert_eq!(refs.len(), 4, "the document and the three segments: {refs:?}");
    let text = d.source_text(&source).unwrap().to_string();
    let m = d.segment(moved).unwrap();
    // "council helped" survives as words, but "local" was inserted before "council":
    // the segment stays on "council helped".
    assert_eq!(m.anchor, Anchor::Placed);
    assert_eq!(slice_code_points(&text, m.start, m.end), Some("council helped"));
    let c = d.segment(changed).unwrap();
    assert_eq!(c.anchor, Anchor::NeedsReview);
    assert_eq!(c.text, "advice line was too generic", "the words as coded are kept");
    assert_eq!(slice_code_points(&text, c.start, c.end), Some("advice line was far too generic"));
    let l = d.segment(lost).unwrap();
    assert_eq!(l.anchor, Anchor::Lost);
    assert_eq!(l.text, "Volunteers drove");
    // Nothing was put on other words: every placed segment still reads as coded.
    for s in d.segments.iter().filter(|s| s.anchor == Anchor::Placed) {
        assert_eq!(slice_code_points(&text, s.start, s.end), Some(s.text.as_str()));
    }
    // Reviewing: adjusting the bounds places it again on the words now there.
    d.apply_coding(CodingEdit::AdjustBounds { segment: changed, start: c.start, end: c.end }, T1).unwrap();
    assert_eq!(d.segment(changed).unwrap().anchor, Anchor::Placed);
    assert!(d.validate().is_empty(), "{:?}", d.validate());
    // Retrieval shows lost segments with their old words; highlights leave them out.
    assert!(d.highlights(&source).iter().all(|h| !h.segments.contains(&lost)));
    let all = d.retrieve(&RetrievalFilter::default());
    assert_eq!(all.iter().find(|r| r.segment == lost).unwrap().text, "Volunteers drove");
}

#[test]
fn notes_transcripts_and_turns_re_anchor_through_their_own_edits() {
    let mut d = study();
    let code = add_code(&mut d, None, "Experience");
    // Interview notes.
    let rowan = d.interviews[0].id;
    let section = d.interviews[0].answers[0].section_id;
    let notes = SourceRef::Notes { interview: rowan, section, prompt: None };
    let (s, e) = find(&d, &notes, "annual meeting");
    let seg = code_range(&mut d, &notes, s, e, &[code]);
    let old = d.source_text(&notes).unwrap().to_string();
    let changed = d
        .edit_interview(
            rowan,
            InterviewEdit::Notes { slot: Slot { section, prompt: None }, text: format!("Amended. {old}") },
            T1,
        )
        .unwrap();
    assert!(changed.contains(&ObjectRef::Segment(seg)));
    let s = d.segment(seg).unwrap();
    assert_eq!(
        (s.anchor, slice_code_points(d.source_text(&notes).unwrap(), s.start, s.end)),
        (Anchor::Placed, Some("annual meeting"))
    );
    // A transcript replaced by a corrected one.
    d.set_transcript(rowan, "Interviewer: Why?\nRowan: Because the agency left 😢.\n".into(), String::new(), T1)
        .unwrap();
    let transcript = SourceRef::Transcript { interview: rowan };
    let (s, e) = find(&d, &transcript, "agency left 😢");
    let seg = code_range(&mut d, &transcript, s, e, &[code]);
    let refs = d
        .set_transcript(
            rowan,
            "Interviewer: Why did you start?\nRowan: Because the agency left 😢.\n".into(),
            String::new(),
            T1,
        )
        .unwrap();
    assert!(refs.contains(&ObjectRef::Segment(seg)));
    let s = d.segment(seg).unwrap();
    assert_eq!(slice_code_points(d.source_text(&transcript).unwrap(), s.start, s.end), Some("agency left 😢"));
    // Transcript segments are attributed to the speaker of their turn.
    let r = d.retrieve(&RetrievalFilter::default()).into_iter().find(|r| r.segment == seg).unwrap();
    assert_eq!((r.pseudonym.as_str(), r.speaker.as_str()), ("Rowan", "Rowan"));
    assert_eq!(r.quote(), "“agency left 😢” — Rowan, Manager / founder, Hillside Community Care");
    d.remove_transcript(rowan, T1).unwrap();
    assert_eq!(d.segment(seg).unwrap().anchor, Anchor::Lost);
    // A focus-group turn removed: its segment is lost, not deleted.
    let group = d.interviews.iter().find(|i| i.kind == InterviewKind::FocusGroup).unwrap();
    let (gid, slot_section, turn) = (group.id, group.answers[0].section_id, group.answers[0].turns[0].id);
    let turn_source = SourceRef::Turn { interview: gid, turn };
    let seg = code_range(&mut d, &turn_source, 0, 7, &[code]);
    d.edit_interview(gid, InterviewEdit::RemoveTurn { slot: Slot { section: slot_section, prompt: None }, turn }, T1)
        .unwrap();
    assert_eq!(d.segment(seg).unwrap().anchor, Anchor::Lost);
    assert!(d.validate().is_empty(), "{:?}", d.validate());
    // Deleting the interview removes its coding.
    let removed = d.delete_interview(gid).unwrap();
    assert!(removed.contains(&ObjectRef::Segment(seg)));
    assert!(d.segment(seg).is_none());
}

#[test]
fn survey_answers_are_codable_and_follow_corrections() {
    let mut d = study();
    let code = add_code(&mut d, None, "Barriers");
    let story = d
        .sources()
        .into_iter()
        .find(|s| s.kind == SourceKind::SurveyAnswer && s.text.contains("eleven months"))
        .unwrap();
    let (source, response) = (
        story.source.clone(),
        match story.source {
            SourceRef::SurveyAnswer { response, question } => (response, question),
            _ => unreachable!(),
        },
    );
    assert_eq!(story.participants.len(), 1);
    let (s, e) = find(&d, &source, "eleven months");
    let seg = code_range(&mut d, &source, s, e, &[code]);
    let old = d.source_text(&source).unwrap().to_string();
    let refs = d
        .correct_response(response.0, response.1, Some(AnswerValue::Text(format!("Honestly: {old}"))), "Ana", T1)
        .unwrap();
    assert!(refs.contains(&ObjectRef::Segment(seg)));
    let s = d.segment(seg).unwrap();
    assert_eq!(slice_code_points(d.source_text(&source).unwrap(), s.start, s.end), Some("eleven months"));
    let r = d.retrieve(&RetrievalFilter::default()).pop().unwrap();
    assert_eq!((r.pseudonym.as_str(), r.source_kind), ("Rowan", SourceKind::SurveyAnswer));
    assert!(!r.question.is_empty());
}

// --- retrieval, counts, matrix ---

#[test]
fn retrieval_filters_by_code_case_attribute_role_and_kind() {
    let mut d = study();
    let theme = add_code(&mut d, None, "Barriers");
    let travel = add_code(&mut d, Some(theme), "Travel");
    let other = add_code(&mut d, None, "Leadership");
    let sources = d.sources();
    let notes = sources.iter().find(|s| s.kind == SourceKind::InterviewNotes).unwrap().source.clone();
    let turn = sources.iter().find(|s| s.kind == SourceKind::SpeakerTurn).unwrap().source.clone();
    let (_, doc) = document(&d);
    let a = code_range(&mut d, &notes, 0, 10, &[travel]);
    let b = code_range(&mut d, &turn, 0, 10, &[theme]);
    let c = code_range(&mut d, &doc, 0, 10, &[other]);
    let ids = |f: RetrievalFilter| -> Vec<Uuid> { d.retrieve(&f).iter().map(|r| r.segment).collect() };
    assert_eq!(ids(RetrievalFilter::default()).len(), 3);
    assert_eq!(ids(RetrievalFilter { codes: vec![theme], ..Default::default() }), [a, b], "a theme includes its codes");
    let rural = SourceFilter { attributes: vec![("setting".into(), "rural".into())], ..Default::default() };
    assert_eq!(ids(RetrievalFilter { sources: rural, ..Default::default() }), [a, c]);
    let wales = SourceFilter { attributes: vec![("Country".into(), "wales".into())], ..Default::default() };
    assert_eq!(ids(RetrievalFilter { sources: wales, ..Default::default() }), [b]);
    let worker = d.study.roles.iter().find(|r| r.name == "Care worker").unwrap().id;
    let by_role = SourceFilter { roles: vec![worker], ..Default::default() };
    assert_eq!(
        ids(RetrievalFilter { sources: by_role, ..Default::default() }),
        [b],
        "Ceri, a care worker, spoke the turn"
    );
    let docs = SourceFilter { kinds: vec![SourceKind::FieldNotes], ..Default::default() };
    assert_eq!(ids(RetrievalFilter { sources: docs.clone(), ..Default::default() }), [c]);
    assert_eq!(d.filtered_sources(&docs).len(), 1);
    let rq = d.study.research_questions[0].id;
    let by_rq = SourceFilter { research_questions: vec![rq], ..Default::default() };
    assert_eq!(ids(RetrievalFilter { sources: by_rq, ..Default::default() }), [a, b]);

    let counts = d.code_counts();
    let theme_count = counts.iter().find(|c| c.code == theme).unwrap();
    assert_eq!((theme_count.direct_segments, theme_count.total.segments, theme_count.total.sources), (1, 2, 2));
    assert_eq!(theme_count.by_case.len(), 2);
    assert_eq!(theme_count.by_role.len(), 2, "{:?}", theme_count.by_role);
}

#[test]
fn the_framework_matrix_shows_synopses_links_and_empty_cells() {
    let mut d = study();
    let theme = add_code(&mut d, None, "Trust");
    let second = add_code(&mut d, None, "Funding");
    let (_, doc) = document(&d);
    let seg = code_range(&mut d, &doc, 0, 10, &[theme]);
    let hillside = d.cases[0].id;
    d.apply_coding(
        CodingEdit::SetSynopsis {
            row: MatrixRow::Case(hillside),
            column: MatrixColumn::Theme(theme),
            text: "Strong".into(),
        },
        T0,
    )
    .unwrap();
    d.apply_coding(
        CodingEdit::LinkSegments {
            row: MatrixRow::Case(hillside),
            column: MatrixColumn::Theme(theme),
            segments: vec![seg],
        },
        T0,
    )
    .unwrap();
    let m = d.framework_matrix(MatrixRows::Cases, MatrixColumns::Themes);
    assert_eq!(m.rows.len(), 4);
    assert_eq!(m.columns.iter().map(|c| c.1.as_str()).collect::<Vec<_>>(), ["Trust", "Funding"]);
    let cell = &m.cells[0][0];
    assert_eq!((cell.synopsis.as_str(), cell.linked.clone(), cell.empty), ("Strong", vec![seg], false));
    assert!(m.cells[0][1].empty && m.cells[1][0].empty);
    assert_eq!(m.cells[0][1].column, MatrixColumn::Theme(second));
    assert!(
        d.apply_coding(
            CodingEdit::SetSynopsis {
                row: MatrixRow::Case(Uuid::nil()),
                column: MatrixColumn::Theme(theme),
                text: "x".into()
            },
            T0
        )
        .is_err()
    );
    // A removed segment's link is ignored.
    d.apply_coding(CodingEdit::RemoveCoding { segment: seg, code: theme }, T1).unwrap();
    assert!(d.framework_matrix(MatrixRows::Cases, MatrixColumns::Themes).cells[0][0].linked.is_empty());
    assert!(d.validate().is_empty());
}

// --- codebooks between studies, backups ---

#[test]
fn copying_a_codebook_twice_adds_it_once() {
    let mut from = study();
    let theme = add_code(&mut from, None, "Barriers");
    add_code(&mut from, Some(theme), "Funding");
    add_code(&mut from, Some(theme), "Regulation");
    let mut to = StudyData::new("Another study", T0).unwrap();
    add_code(&mut to, None, "barriers"); // already there by name: reused
    let first = to.import_codebook(&from, T1).unwrap();
    assert_eq!(first.changed.len(), 2);
    assert_eq!(to.codes.len(), 3);
    assert!(to.codes.iter().all(|c| c.study_id == to.study.id && from.code(c.id).is_none()), "new ids");
    let second = to.import_codebook(&from, T1).unwrap();
    assert!(second.changed.is_empty());
    assert_eq!(to.codes.len(), 3);
    assert!(to.validate().is_empty());
    // Undo removes what was copied.
    to.apply_coding(first.undo, T1).unwrap();
    assert_eq!(to.codes.len(), 1);
}

#[test]
fn coding_round_trips_through_backups_and_bad_references_are_refused() {
    let d = demo_study(DemoSize::Small);
    assert!(!d.segments.is_empty() && !d.memos.is_empty() && !d.matrix_cells.is_empty());
    let json = Backup::of(&d, false, T0).to_json();
    assert_eq!(Backup::parse(json.as_bytes()).unwrap().into_study(), d);
    // Version 3 files (no coding) still import.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in ["codes", "segments", "memos", "matrix_cells"] {
        v.as_object_mut().unwrap().remove(key);
    }
    v["version"] = 3.into();
    assert!(Backup::parse(v.to_string().as_bytes()).unwrap().into_study().codes.is_empty());
    // A segment past the end of its text, a code that is its own ancestor, a coding of a missing code.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["segments"][0]["end"] = 1_000_000.into();
    let id0 = v["codes"][0]["id"].clone();
    let id1 = v["codes"][1]["id"].clone();
    v["codes"][0]["parent"] = id1;
    v["codes"][1]["parent"] = id0;
    v["segments"][1]["codings"][0]["code"] = serde_json::json!(Uuid::nil());
    let BackupError::Invalid(problems) = Backup::parse(v.to_string().as_bytes()).unwrap_err() else { panic!() };
    assert!(problems.iter().any(|p| matches!(p, ValidationError::InvalidSegment(_))), "{problems:?}");
    assert!(problems.iter().any(|p| matches!(p, ValidationError::CodebookCycle(_))), "{problems:?}");
    assert!(problems.iter().any(|p| *p == ValidationError::UnknownCode(Uuid::nil())), "{problems:?}");
}

#[test]
fn every_coding_object_is_its_own_record_and_write_ops_delete_what_is_gone() {
    let mut d = study();
    let (_, source) = document(&d);
    let code = add_code(&mut d, None, "A");
    let seg = code_range(&mut d, &source, 0, 4, &[code]);
    for obj in [ObjectRef::Code(code), ObjectRef::Segment(seg)] {
        let raw = d.encode(obj).unwrap().unwrap();
        assert!(raw.key.starts_with(obj.kind().as_str()));
        assert!(records::decode(&raw).is_ok());
    }
    let applied = d.apply_coding(CodingEdit::RemoveCoding { segment: seg, code }, T1).unwrap();
    let ops = d.write_ops(&applied.touched()).unwrap();
    assert!(matches!(&ops[0], store::WriteOp::Delete(k) if *k == ObjectRef::Segment(seg).key(d.id())));
}

#[test]
fn source_ids_are_stable_uuids() {
    let d = study();
    let sources = d.sources();
    assert!(sources.len() > 8);
    let uuids: HashSet<Uuid> = sources.iter().map(|s| s.uuid).collect();
    assert_eq!(uuids.len(), sources.len());
    assert_eq!(sources[0].source.uuid(), study().sources()[0].uuid);
    assert!(sources.iter().all(|s| s.uuid.get_version_num() == 5));
    let kinds: HashSet<SourceKind> = sources.iter().map(|s| s.kind).collect();
    for k in [
        SourceKind::InterviewNotes,
        SourceKind::SpeakerTurn,
        SourceKind::SurveyAnswer,
        SourceKind::FieldNotes,
        SourceKind::Document,
    ] {
        assert!(kinds.contains(&k), "{k:?}");
    }
}

#[test]
fn a_segment_is_removed_whole_in_one_step_and_undo_brings_it_back_with_its_memo() {
    let mut d = study();
    let (_, source) = document(&d);
    let a = add_code(&mut d, None, "A");
    let b = add_code(&mut d, None, "B");
    let seg = code_range(&mut d, &source, 2, 9, &[a, b]);
    d.apply_coding(
        CodingEdit::AddMemo { target: MemoTarget::Segment(seg), text: "why".into(), author: "ana".into() },
        T0,
    )
    .unwrap();
    let before = (d.segments.clone(), d.memos.clone());
    let removed = d.apply_coding_recorded("remove a segment", CodingEdit::RemoveSegment { segment: seg }, T1).unwrap();
    assert!(d.segment(seg).is_none() && d.memos.is_empty());
    assert_eq!(removed.removed.len(), 2, "the segment and its memo");
    let (label, _) = d.undo_coding(T1).unwrap().unwrap();
    assert_eq!(label, "remove a segment");
    assert_eq!((d.segments.clone(), d.memos.clone()), before);
    assert_eq!(
        d.apply_coding(CodingEdit::RemoveSegment { segment: Uuid::from_u128(9) }, T1).unwrap_err(),
        ValidationError::UnknownSegment(Uuid::from_u128(9))
    );
}
