//! Text from .docx, .odt and .html files (fixtures written by
//! tests/fixtures/make_documents.py in the layout Word and LibreOffice use).

use fieldkit_interop::documents::*;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

const EXPECTED: &str = "Interview at Cwm Tŷ, 3 March\n\
    Interviewer: Sut mae'r gwasanaeth yn mynd? 🌿\n\
    Rowan: Mae'n dda iawn.\n\
    We started with\ttwo carers and a driver.\n\
    Hazel: قالت إن الدعم مهم";

#[test]
fn a_word_document_reads_as_lines_with_tracked_changes_comments_and_images_reported() {
    let d = read_document("Interview.DOCX", &fixture("interview.docx")).unwrap();
    assert_eq!(d.text, EXPECTED);
    assert_eq!((d.inserted_changes, d.deleted_changes, d.comments, d.images), (1, 1, 1, 1));
    let note = d.note().join(" ");
    assert!(note.contains("1 insertion kept and 1 deletion left out"), "{note}");
    assert!(note.contains("1 comment was left out"), "{note}");
    assert!(note.contains("1 image or embedded object was left out"), "{note}");
    assert!(!d.text.contains("nobody else") && !d.text.contains("Check the number") && !d.text.contains("PAGE"));
}

#[test]
fn an_opendocument_text_reads_the_same() {
    let d = read_document("interview.odt", &fixture("interview.odt")).unwrap();
    assert_eq!(d.text, format!("{EXPECTED}\nTwo  spaces kept."));
    assert_eq!((d.inserted_changes, d.deleted_changes, d.comments, d.images), (1, 1, 1, 1));
}

#[test]
fn speaker_paragraphs_become_turns_as_with_a_text_file() {
    let d = read_document("interview.docx", &fixture("interview.docx")).unwrap();
    let names = vec![(uuid::Uuid::from_u128(1), "Rowan".to_string()), (uuid::Uuid::from_u128(2), "Hazel".to_string())];
    let mut n = 10u128;
    let turns = fieldkit_core::fieldwork::transcript::parse_turns(&d.text, &names, || {
        n += 1;
        uuid::Uuid::from_u128(n)
    });
    let said: Vec<&str> = turns.iter().map(|t| t.text.as_str()).collect();
    assert!(said.contains(&"Mae'n dda iawn.\nWe started with\ttwo carers and a driver."), "{said:?}");
    assert!(said.contains(&"قالت إن الدعم مهم"), "{said:?}");
}

#[test]
fn protected_and_damaged_files_get_a_clear_message() {
    for name in ["protected.docx", "protected.odt"] {
        let e = read_document(name, &fixture(name)).unwrap_err();
        assert!(matches!(e, DocumentError::Protected(_)), "{name}: {e:?}");
        assert!(e.to_string().contains("protected with a password"), "{e}");
    }
    let e = read_document("damaged.docx", &fixture("damaged.docx")).unwrap_err();
    assert!(matches!(e, DocumentError::Unreadable { format: DocumentFormat::Docx, .. }), "{e:?}");
    assert!(e.to_string().contains("Nothing was changed"));
    // A text file named .docx, an empty file, and a name fieldkit does not read.
    assert!(matches!(read_document("notes.docx", b"just text"), Err(DocumentError::Unreadable { .. })));
    assert!(matches!(read_document("notes.odt", b""), Err(DocumentError::Unreadable { .. })));
    assert!(matches!(read_document("notes.pdf", b"%PDF"), Err(DocumentError::Unsupported(_))));
    assert!(matches!(read_document("page.html", &[0xff, 0xfe, 0x00]), Err(DocumentError::Unreadable { .. })));
}

#[test]
fn a_web_page_reads_as_its_visible_text() {
    let page = "<!doctype html><html lang=cy><head><title>Nodiadau</title></head><body>\
        <h2>Ymweliad</h2><p>Interviewer: Beth sy&#8217;n helpu?</p>\
        <p dir=\"rtl\">Hazel: الدعم</p><ul><li>un</li><li>dau 🌿</li></ul><!-- hidden --></body></html>";
    let d = read_document("visit.html", page.as_bytes()).unwrap();
    assert_eq!(d.text, "Ymweliad\nInterviewer: Beth sy’n helpu?\nHazel: الدعم\nun\ndau 🌿");
    assert!(d.note().is_empty());
}
