//! Undo and redo of coding actions: in the order done, named, folded while typing,
//! capped, and kept with the study through storage.

use fieldkit_core::coding::history::HISTORY_LIMIT;
use fieldkit_core::coding::sources::SourceRef;
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::fieldwork::DocumentKind;
use fieldkit_core::storage::Repo;
use fieldkit_core::storage::store::{MemoryStore, block_on_ready};
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_795_449_405_000);

fn study() -> StudyData {
    let mut d = demo_study(DemoSize::Small);
    d.codes.clear();
    d.segments.clear();
    d.memos.clear();
    d.matrix_cells.clear();
    d
}

fn source(d: &StudyData) -> SourceRef {
    let doc = d.documents.iter().find(|x| x.kind == DocumentKind::FieldNotes).map(|x| x.id).unwrap();
    SourceRef::Document { document: doc }
}

fn run(d: &mut StudyData, label: &str, edit: CodingEdit) -> Applied {
    d.apply_coding_recorded(label, edit, T0).unwrap()
}

fn add_code(d: &mut StudyData, name: &str) -> Uuid {
    run(d, "add a code", CodingEdit::AddCode { parent: None, name: name.into(), colour: "#2a7f62".into() })
        .created
        .unwrap()
}

fn code_words(d: &mut StudyData, start: usize, end: usize, code: Uuid) -> Uuid {
    let source = source(d);
    run(d, "apply codes", CodingEdit::ApplyCodes { source, start, end, codes: vec![code], coder: "ana".into() })
        .created
        .unwrap()
}

#[test]
fn undo_after_a_merge_undoes_the_merge_not_the_coding_before_it() {
    let mut d = study();
    let a = add_code(&mut d, "Isolation");
    let b = add_code(&mut d, "Loneliness");
    let seg = code_words(&mut d, 0, 10, a);
    run(&mut d, "merge codes", CodingEdit::MergeCodes { from: a, into: b });
    assert!(d.code(a).is_none());
    assert_eq!(d.coding_history.next_undo(), Some("merge codes"));

    let (label, applied) = d.undo_coding(T0).unwrap().unwrap();
    assert_eq!(label, "merge codes");
    assert!(applied.changed.contains(&ObjectRef::CodingHistory));
    assert!(d.code(a).is_some(), "the merged code is back");
    let codes: Vec<Uuid> = d.segment(seg).unwrap().codings.iter().map(|c| c.code).collect();
    assert_eq!(codes, vec![a], "the segment is coded A again, and only A");
    assert_eq!(d.coding_history.next_undo(), Some("apply codes"));
    assert_eq!(d.coding_history.next_redo(), Some("merge codes"));

    // Redo merges again; a new action then empties the redo list.
    let (label, _) = d.redo_coding(T0).unwrap().unwrap();
    assert_eq!(label, "merge codes");
    assert!(d.code(a).is_none());
    d.undo_coding(T0).unwrap();
    add_code(&mut d, "Respite");
    assert_eq!(d.coding_history.next_redo(), None);
}

#[test]
fn split_delete_and_bounds_undo_in_reverse_order() {
    let mut d = study();
    let a = add_code(&mut d, "Volunteering");
    let s1 = code_words(&mut d, 0, 10, a);
    let s2 = code_words(&mut d, 20, 30, a);
    let new = run(
        &mut d,
        "split a code",
        CodingEdit::SplitCode { code: a, name: "Time banking".into(), colour: "#3b6fb6".into(), segments: vec![s2] },
    )
    .created
    .unwrap();
    run(&mut d, "move a segment", CodingEdit::AdjustBounds { segment: s1, start: 2, end: 12 });
    run(&mut d, "delete a code", CodingEdit::DeleteCode { code: new });
    assert!(d.segment(s2).is_none());

    let order: Vec<String> = (0..3).map(|_| d.undo_coding(T0).unwrap().unwrap().0).collect();
    assert_eq!(order, ["delete a code", "move a segment", "split a code"]);
    assert!(d.code(new).is_none(), "the split is undone too");
    let seg1 = d.segment(s1).unwrap();
    assert_eq!((seg1.start, seg1.end), (0, 10));
    assert_eq!(d.segment(s2).unwrap().codings.iter().map(|c| c.code).collect::<Vec<_>>(), vec![a]);
}

#[test]
fn typing_in_one_memo_is_one_step() {
    let mut d = study();
    let a = add_code(&mut d, "Trust");
    let memo = run(
        &mut d,
        "add a memo",
        CodingEdit::AddMemo { target: MemoTarget::Code(a), text: "T".into(), author: "ana".into() },
    )
    .created
    .unwrap();
    for text in ["Tr", "Tru", "Trust", "Trust is built slowly"] {
        run(&mut d, "edit a memo", CodingEdit::EditMemo { memo, text: text.into() });
    }
    assert_eq!(d.coding_history.undo.len(), 3, "add code, add memo, one edit");
    d.undo_coding(T0).unwrap();
    assert_eq!(d.memo(memo).unwrap().text, "T");
}

#[test]
fn at_most_the_limit_is_kept_and_nothing_to_undo_is_none() {
    let mut d = study();
    assert_eq!(d.undo_coding(T0).unwrap(), None);
    for i in 0..(HISTORY_LIMIT + 20) {
        add_code(&mut d, &format!("Code {i}"));
    }
    assert_eq!(d.coding_history.undo.len(), HISTORY_LIMIT);
}

#[test]
fn the_history_is_stored_with_the_study_and_survives_a_reload() {
    let mut d = study();
    let repo = Repo::new(MemoryStore::new());
    block_on_ready(async {
        repo.create(&d).await.unwrap();
        let a = add_code(&mut d, "Isolation");
        let b = add_code(&mut d, "Loneliness");
        let applied = run(&mut d, "merge codes", CodingEdit::MergeCodes { from: a, into: b });
        let mut touched = applied.touched();
        touched.extend([ObjectRef::Code(a), ObjectRef::Code(b)]);
        repo.save(&d, &touched).await.unwrap();

        let loaded = repo.load(d.study.id, T0).await.unwrap();
        assert!(loaded.problems.is_empty());
        let mut again = loaded.data;
        assert_eq!(again.coding_history, d.coding_history);
        let (label, _) = again.undo_coding(T0).unwrap().unwrap();
        assert_eq!(label, "merge codes");
        assert!(again.code(a).is_some());
    })
    .unwrap();
}

#[test]
fn the_history_is_never_in_a_backup() {
    let mut d = study();
    add_code(&mut d, "Isolation");
    let json = exchange_json(&d);
    assert!(!json.contains("coding_history"), "backups leave the device's undo history out");
}

fn exchange_json(d: &StudyData) -> String {
    fieldkit_core::exchange::backup::Backup::of(d, false, T0).to_json()
}
