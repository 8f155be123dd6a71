//! Code co-occurrence on a study coded by hand.

use fieldkit_core::coding::sources::*;
use fieldkit_core::coding::*;
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use uuid::Uuid;

mod common {
    pub mod coding_fixture;
}
use common::coding_fixture::*;

fn study() -> (StudyData, SourceRef) {
    document_study(&"ŵ".repeat(60))
}

fn add(d: &mut StudyData, name: &str) -> Uuid {
    add_code(d, None, name)
}

#[test]
fn overlapping_codes_meet_once_per_pair_of_stretches_and_near_ones_only_when_asked() {
    let (mut d, doc) = study();
    let (x, y, z) = (add(&mut d, "X"), add(&mut d, "Y"), add(&mut d, "Z"));
    code(&mut d, &doc, 0, 20, &[x], "ann");
    code(&mut d, &doc, 10, 30, &[y], "bob");
    // Two coders' overlapping X stretches are one stretch of X.
    code(&mut d, &doc, 5, 15, &[x], "bob");
    code(&mut d, &doc, 40, 45, &[z], "ann");
    let pairs = |within| -> Vec<(Uuid, Uuid, Vec<(usize, usize)>)> {
        d.cooccurrence(within)
            .into_iter()
            .map(|c| (c.a, c.b, c.passages.iter().map(|p| (p.start, p.end)).collect()))
            .collect()
    };
    assert_eq!(pairs(0), vec![(x, y, vec![(0, 30)])]);
    // Y ends at 30 and Z starts at 40: ten apart.
    assert_eq!(pairs(10), vec![(x, y, vec![(0, 30)]), (y, z, vec![(10, 45)])]);
    assert_eq!(pairs(9), pairs(0));
    let map = d.cooccurrence_map(10, 12);
    assert_eq!(map.labels, vec!["Y", "X", "Z"]);
    assert_eq!(map.cells, vec![vec![0, 1, 1], vec![1, 0, 0], vec![1, 0, 0]]);
}

#[test]
fn two_codes_on_one_segment_meet_and_removed_words_do_not() {
    let (mut d, doc) = study();
    let SourceRef::Document { document } = doc else { unreachable!() };
    d.edit_document(document, DocumentEdit::Text("Carers share lifts when the roads flood, ŵyr i gyd.".into()), T0)
        .unwrap();
    let (x, y) = (add(&mut d, "X"), add(&mut d, "Y"));
    code(&mut d, &doc, 0, 12, &[x, y], "ann");
    let all = d.cooccurrence(0);
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].passages.len(), all[0].sources()), (1, 1));
    d.edit_document(document, DocumentEdit::Text(" lifts when the roads flood, ŵyr i gyd.".into()), T0).unwrap();
    assert!(d.segments.iter().all(|s| s.anchor == Anchor::Lost));
    assert!(d.cooccurrence(0).is_empty());
}

#[test]
fn codes_by_case_attribute_count_segments_sources_and_participants_under_each_value() {
    use fieldkit_core::coding::crosstab::{Across, CrossCell, NO_VALUE};
    let (mut d, doc) = study();
    let SourceRef::Document { document } = doc else { unreachable!() };
    let case = d.document(document).and_then(|x| d.case(x.case_id)).cloned().unwrap();
    let (x, y) = (add(&mut d, "X"), add(&mut d, "Y"));
    code(&mut d, &doc, 0, 10, &[x], "ann");
    code(&mut d, &doc, 20, 30, &[x, y], "ann");
    // An interview answer, whose words are its participant's.
    let answer = d
        .sources()
        .into_iter()
        .find(|s| s.participants.len() == 1 && !s.text.is_empty() && s.case_id.is_some())
        .unwrap();
    let (source, person) = (answer.source.clone(), answer.participants[0]);
    let person_case = answer.case_id.and_then(|c| d.case(c)).cloned().unwrap();
    code(&mut d, &source, 0, 1, &[y], "ann");

    let by_case = d.code_by(&Across::Case);
    let column = |name: &str| by_case.columns.iter().position(|c| c == name).unwrap();
    let row = |code| &by_case.rows.iter().find(|(c, _)| *c == code).unwrap().1;
    assert_eq!(row(x)[column(&case.name)], CrossCell { segments: 2, sources: 1, participants: 0 });
    assert_eq!(row(y)[column(&person_case.name)].participants, 1);
    assert_eq!(by_case.row_total(0) + by_case.row_total(1), 4, "two X and two Y segments");

    let by_role = d.code_by(&Across::Role);
    let role =
        d.participant(person).and_then(|p| p.role_id).and_then(|r| d.study.roles.iter().find(|x| x.id == r)).unwrap();
    assert_eq!(by_role.columns.last().map(String::as_str), Some(NO_VALUE), "documents are nobody's words");
    let at = by_role.columns.iter().position(|c| *c == role.name).unwrap();
    assert_eq!(by_role.column_total(at), 1);
    if let Some(setting) = case.attributes.setting {
        let by_setting = d.code_by(&Across::Setting);
        assert!(by_setting.columns.contains(&setting.label().to_string()));
    }
}
