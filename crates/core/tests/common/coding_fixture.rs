//! A study to code by hand: the small demo without its coding, with one
//! field-notes document holding the given text, and helpers to add codes and code.

use fieldkit_core::coding::CodingEdit;
use fieldkit_core::coding::sources::SourceRef;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::fieldwork::{DocumentEdit, DocumentKind};
use fieldkit_core::{StudyData, Timestamp};
use uuid::Uuid;

pub const T0: Timestamp = Timestamp::from_millis(1_795_449_405_000);

pub fn document_study(text: &str) -> (StudyData, SourceRef) {
    let mut d = demo_study(DemoSize::Small);
    d.codes.clear();
    d.segments.clear();
    d.memos.clear();
    d.matrix_cells.clear();
    let doc = d.documents.iter().find(|x| x.kind == DocumentKind::FieldNotes).unwrap().id;
    d.edit_document(doc, DocumentEdit::Text(text.into()), T0).unwrap();
    (d, SourceRef::Document { document: doc })
}

pub fn add_code(d: &mut StudyData, parent: Option<Uuid>, name: &str) -> Uuid {
    d.apply_coding(CodingEdit::AddCode { parent, name: name.into(), colour: "#2a7f62".into() }, T0)
        .unwrap()
        .created
        .unwrap()
}

pub fn code(d: &mut StudyData, source: &SourceRef, start: usize, end: usize, codes: &[Uuid], coder: &str) {
    let edit =
        CodingEdit::ApplyCodes { source: source.clone(), start, end, codes: codes.to_vec(), coder: coder.into() };
    d.apply_coding(edit, T0).unwrap();
}
