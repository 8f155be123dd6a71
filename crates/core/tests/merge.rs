//! Merging another tablet's copy of a study: idempotence, conflicts and their
//! resolutions, codings keeping their coder, name matching, the summary.

use std::collections::HashMap;

use fieldkit_core::coding::Memo;
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::exchange::merge::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const LATER: Timestamp = Timestamp::from_millis(1_900_000_000_000);

fn base() -> StudyData {
    demo_study(DemoSize::Small)
}

fn new_memo(d: &StudyData, text: &str) -> Memo {
    Memo {
        id: Uuid::new_v4(),
        study_id: d.study.id,
        created: LATER,
        modified: LATER,
        target: MemoTarget::Journal,
        author: "bea".into(),
        text: text.into(),
    }
}

#[test]
fn merging_the_same_study_changes_nothing() {
    let a = base();
    let p = plan(&a, &a.clone());
    assert!(p.is_empty());
    assert_eq!(p.conflicts().count(), 0);
    let merged = apply(&p, &HashMap::new()).unwrap();
    assert_eq!(merged.data, a);
    assert!(merged.touched.is_empty());
    assert_eq!(merged.summary.added(), 0);
}

#[test]
fn merging_twice_adds_nothing_the_second_time() {
    let a = base();
    let mut b = a.clone();
    b.memos.push(new_memo(&b, "A thought from the second tablet."));
    let code = b
        .apply_coding(
            CodingEdit::AddCode { parent: None, name: "Volunteering".into(), colour: "#336699".into() },
            LATER,
        )
        .unwrap()
        .created
        .unwrap();
    let first = merge_with_defaults(&a, &b).unwrap();
    assert_eq!(first.summary.kinds[&MergeKind::Memo].added, 1);
    assert_eq!(first.summary.kinds[&MergeKind::Code].added, 1);
    assert!(first.data.code(code).is_some());
    assert!(first.touched.contains(&ObjectRef::Code(code)));
    let second = merge_with_defaults(&first.data, &b).unwrap();
    assert_eq!(second.summary.added(), 0, "{:?}", second.summary);
    assert!(second.summary.conflicts.is_empty());
    assert_eq!(second.data, first.data);
    assert!(second.touched.is_empty());
}

#[test]
fn a_different_modified_time_alone_is_no_conflict() {
    let a = base();
    let mut b = a.clone();
    b.cases[0].modified = LATER;
    let p = plan(&a, &b);
    assert_eq!(p.conflicts().count(), 0);
}

#[test]
fn edits_on_both_tablets_are_conflicts_to_resolve() {
    let a0 = base();
    let (mut a, mut b) = (a0.clone(), a0.clone());
    a.cases[0].description = "Mine".into();
    b.cases[0].description = "Theirs".into();
    a.memos[0].text = "My version".into();
    b.memos[0].text = "Their version".into();
    let case = a.cases[0].id;
    let memo = a.memos[0].id;
    let p = plan(&a, &b);
    let conflicts: Vec<(MergeKind, Uuid)> = p.conflicts().map(|c| (c.kind, c.id)).collect();
    assert!(
        conflicts.contains(&(MergeKind::Case, case)) && conflicts.contains(&(MergeKind::Memo, memo)),
        "{conflicts:?}"
    );

    // Without decisions: the memo is kept both ways, the case is kept as mine — and both are listed.
    let merged = apply(&p, &HashMap::new()).unwrap();
    assert_eq!(merged.data.case(case).unwrap().description, "Mine");
    let texts: Vec<&str> = merged.data.memos.iter().map(|m| m.text.as_str()).collect();
    assert!(texts.contains(&"My version") && texts.contains(&"Their version"));
    assert_eq!(merged.summary.conflicts.len(), 2);
    assert!(merged.summary.conflicts.iter().all(|c| c.by_default));
    let json = serde_json::to_value(&merged.summary).unwrap();
    assert_eq!(json["kinds"]["case"]["conflicts_resolved"], 1);

    // With decisions: theirs for the case, mine for the memo.
    let decisions = HashMap::from([
        ((MergeKind::Case, case), Resolution::KeepTheirs),
        ((MergeKind::Memo, memo), Resolution::KeepMine),
    ]);
    let merged = apply(&p, &decisions).unwrap();
    assert_eq!(merged.data.case(case).unwrap().description, "Theirs");
    assert_eq!(merged.data.memos.len(), a.memos.len());
    assert_eq!(merged.data.memo(memo).unwrap().text, "My version");
    assert!(merged.summary.conflicts.iter().all(|c| !c.by_default));
    // Keep both is refused where it makes no sense (a case): it becomes keep mine.
    let merged = apply(&p, &HashMap::from([((MergeKind::Case, case), Resolution::KeepBoth)])).unwrap();
    assert_eq!(merged.data.cases.len(), a.cases.len());
}

#[test]
fn codings_added_on_two_tablets_keep_their_coders() {
    let a0 = base();
    let (mut a, mut b) = (a0.clone(), a0.clone());
    let seg = a0.segments[0].id;
    let free: Vec<Uuid> = a0.codes.iter().map(|c| c.id).filter(|c| !a0.segments[0].has_code(*c)).take(2).collect();
    a.segments[0].codings.push(Coding { code: free[0], coder: "ana".into(), created: LATER });
    b.segments[0].codings.push(Coding { code: free[1], coder: "bea".into(), created: LATER });
    let merged = merge_with_defaults(&a, &b).unwrap();
    let s = merged.data.segment(seg).unwrap();
    assert_eq!(s.codings.len(), a0.segments[0].codings.len() + 2);
    assert!(s.codings.iter().any(|c| c.code == free[0] && c.coder == "ana"));
    assert!(s.codings.iter().any(|c| c.code == free[1] && c.coder == "bea"));
    assert_eq!(merged.data.segments.len(), a0.segments.len());
}

#[test]
fn things_made_separately_with_the_same_name_are_matched() {
    let a0 = base();
    let (mut a, mut b) = (a0.clone(), a0.clone());
    // Each tablet adds its own "Volunteering" code and codes a segment with it.
    let add = |d: &mut StudyData| {
        d.apply_coding(
            CodingEdit::AddCode { parent: None, name: "Volunteering".into(), colour: "#336699".into() },
            LATER,
        )
        .unwrap()
        .created
        .unwrap()
    };
    let mine = add(&mut a);
    let theirs = add(&mut b);
    assert_ne!(mine, theirs);
    let source = a0.segments[0].source.clone();
    let edit = CodingEdit::ApplyCodes {
        source,
        start: a0.segments[0].start,
        end: a0.segments[0].end,
        codes: vec![theirs],
        coder: "bea".into(),
    };
    b.apply_coding(edit, LATER).unwrap();
    let merged = merge_with_defaults(&a, &b).unwrap();
    assert_eq!(merged.data.codes.iter().filter(|c| c.name == "Volunteering").count(), 1);
    assert!(
        merged
            .summary
            .matched_by_name
            .iter()
            .any(|m| m.kind == MergeKind::Code && m.mine == mine && m.theirs == theirs)
    );
    assert!(merged.data.segments.iter().any(|s| s.codings.iter().any(|c| c.code == mine && c.coder == "bea")));
    assert!(merged.data.validate().is_empty());
}

#[test]
fn another_studys_objects_are_added_with_names_made_unique() {
    let a = base();
    let mut other = StudyData::new("Another study", LATER).unwrap();
    let case = other.add_case("Hillside", LATER).unwrap();
    other.add_case(&a.cases[0].name, LATER).unwrap();
    let merged = merge_with_defaults(&a, &other).unwrap();
    assert!(merged.summary.other_study);
    assert!(merged.data.case(case).is_some());
    assert_eq!(merged.data.cases.len(), a.cases.len() + 1, "the same-named case is matched");
    assert!(merged.data.validate().is_empty());
}
