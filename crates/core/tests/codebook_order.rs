//! Reordering sibling codes: the codebook, its exports and the matrix follow the
//! analyst's order; undo puts it back; new codes go last; the order is kept in
//! backups and records, and a codebook never reordered stores nothing new.

#[allow(dead_code)]
mod common {
    pub mod coding_fixture;
}
use common::coding_fixture::*;
use fieldkit_core::coding::CodingEdit;
use fieldkit_core::exchange::backup::Backup;

fn names(d: &fieldkit_core::StudyData, parent: Option<uuid::Uuid>) -> Vec<String> {
    d.child_codes(parent).map(|c| c.name.clone()).collect()
}

#[test]
fn a_code_moved_up_or_down_changes_the_codebook_order_and_undo_restores_it() {
    let (mut d, _) = document_study("text");
    let theme = add_code(&mut d, None, "Barriers");
    let _money = add_code(&mut d, Some(theme), "Money");
    let _rules = add_code(&mut d, Some(theme), "Rules");
    let distance = add_code(&mut d, Some(theme), "Distance");
    let other = add_code(&mut d, None, "Trust");
    assert_eq!(names(&d, Some(theme)), ["Money", "Rules", "Distance"]);
    let before = Backup::of(&d, false, T0).to_json();
    assert!(!before.contains("\"order\""), "a codebook never reordered stores no order");

    d.apply_coding_recorded("Move code", CodingEdit::ReorderCode { code: distance, by: -2 }, T0).unwrap();
    assert_eq!(names(&d, Some(theme)), ["Distance", "Money", "Rules"]);
    let book: Vec<&str> = d.codebook().iter().map(|(_, c)| c.name.as_str()).collect();
    assert_eq!(book, ["Barriers", "Distance", "Money", "Rules", "Trust"]);
    // Past the end: as far as it goes.
    d.apply_coding(CodingEdit::ReorderCode { code: distance, by: 10 }, T0).unwrap();
    assert_eq!(names(&d, Some(theme)), ["Money", "Rules", "Distance"]);
    d.apply_coding(CodingEdit::ReorderCode { code: distance, by: -1 }, T0).unwrap();
    assert_eq!(names(&d, Some(theme)), ["Money", "Distance", "Rules"]);
    // Themes reorder the same way; other groups are untouched.
    d.apply_coding(CodingEdit::ReorderCode { code: other, by: -1 }, T0).unwrap();
    assert_eq!(names(&d, None), ["Trust", "Barriers"]);
    assert_eq!(names(&d, Some(theme)), ["Money", "Distance", "Rules"]);

    // A new code goes last, also in a group that was reordered.
    add_code(&mut d, Some(theme), "Staffing");
    assert_eq!(names(&d, Some(theme)), ["Money", "Distance", "Rules", "Staffing"]);

    // The order travels in a backup and comes back as it was.
    let again = Backup::parse(Backup::of(&d, false, T0).to_json().as_bytes()).unwrap().into_study();
    assert_eq!(names(&again, Some(theme)), ["Money", "Distance", "Rules", "Staffing"]);
    assert_eq!(names(&again, None), ["Trust", "Barriers"]);
}

#[test]
fn undo_of_a_reorder_puts_every_sibling_back() {
    let (mut d, _) = document_study("text");
    let theme = add_code(&mut d, None, "Barriers");
    add_code(&mut d, Some(theme), "Money");
    add_code(&mut d, Some(theme), "Rules");
    let distance = add_code(&mut d, Some(theme), "Distance");
    let applied =
        d.apply_coding_recorded("Move “Distance” up", CodingEdit::ReorderCode { code: distance, by: -1 }, T0).unwrap();
    // Every sibling whose place changed is saved (one record each).
    let codes = applied.changed.iter().filter(|o| matches!(o, fieldkit_core::ObjectRef::Code(_))).count();
    assert_eq!(codes, 3, "{:?}", applied.changed);
    assert_eq!(names(&d, Some(theme)), ["Money", "Distance", "Rules"]);
    let (what, _) = d.undo_coding(T0).unwrap().unwrap();
    assert_eq!(what, "Move “Distance” up");
    assert_eq!(names(&d, Some(theme)), ["Money", "Rules", "Distance"]);
    d.redo_coding(T0).unwrap();
    assert_eq!(names(&d, Some(theme)), ["Money", "Distance", "Rules"]);
}
