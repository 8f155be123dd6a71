//! Code co-occurrence on a study coded by hand.

use fieldkit_core::coding::sources::*;
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_795_449_405_000);

fn study() -> (StudyData, SourceRef) {
    let mut d = demo_study(DemoSize::Small);
    d.codes.clear();
    d.segments.clear();
    d.memos.clear();
    d.matrix_cells.clear();
    let doc = d.documents.iter().find(|x| x.kind == DocumentKind::FieldNotes).unwrap().id;
    d.edit_document(doc, DocumentEdit::Text("ŵ".repeat(60)), T0).unwrap();
    (d, SourceRef::Document { document: doc })
}

fn add_code(d: &mut StudyData, name: &str) -> Uuid {
    d.apply_coding(CodingEdit::AddCode { parent: None, name: name.into(), colour: "#2a7f62".into() }, T0)
        .unwrap()
        .created
        .unwrap()
}

fn code(d: &mut StudyData, source: &SourceRef, start: usize, end: usize, codes: &[Uuid], coder: &str) {
    let edit =
        CodingEdit::ApplyCodes { source: source.clone(), start, end, codes: codes.to_vec(), coder: coder.into() };
    d.apply_coding(edit, T0).unwrap();
}

#[test]
fn overlapping_codes_meet_once_per_pair_of_stretches_and_near_ones_only_when_asked() {
    let (mut d, doc) = study();
    let (x, y, z) = (add_code(&mut d, "X"), add_code(&mut d, "Y"), add_code(&mut d, "Z"));
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
    let (x, y) = (add_code(&mut d, "X"), add_code(&mut d, "Y"));
    code(&mut d, &doc, 0, 12, &[x, y], "ann");
    let all = d.cooccurrence(0);
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].passages.len(), all[0].sources()), (1, 1));
    d.edit_document(document, DocumentEdit::Text(" lifts when the roads flood, ŵyr i gyd.".into()), T0).unwrap();
    assert!(d.segments.iter().all(|s| s.anchor == Anchor::Lost));
    assert!(d.cooccurrence(0).is_empty());
}
