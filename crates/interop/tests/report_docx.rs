//! The study report as a .docx: a well-formed package whose text, read back by
//! the .docx reader, is the report's, with the styles Word's navigation uses.

use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::report::{Block, ReportChoice, study_report};
use fieldkit_interop::archive::read_zip;
use fieldkit_interop::documents::read_document;
use fieldkit_interop::report_docx::report_docx;

#[test]
fn the_demo_report_as_docx_reads_back_with_every_heading_quote_and_table_cell() {
    let d = demo_study(DemoSize::Small);
    let report = study_report(&d, &ReportChoice::default());
    let bytes = report_docx(&report).unwrap();
    let files = read_zip(&bytes).unwrap();
    let names: Vec<&str> = files.entries.iter().map(|(n, _)| n.as_str()).collect();
    for part in ["[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "docProps/core.xml"] {
        assert!(names.contains(&part), "{part} missing: {names:?}");
    }
    let document =
        String::from_utf8(files.entries.iter().find(|(n, _)| n == "word/document.xml").unwrap().1.clone()).unwrap();
    assert_eq!(
        document.matches("<w:tbl>").count(),
        report.blocks.iter().filter(|b| matches!(b, Block::Table { .. })).count()
    );
    assert!(document.contains("<w:pStyle w:val=\"Heading1\"/>"));

    let text = read_document("report.docx", &bytes).unwrap().text;
    for block in &report.blocks {
        match block {
            Block::Heading { text: t, .. } | Block::Paragraph(t) | Block::Note(t) => {
                assert!(text.contains(t.as_str()), "missing: {t}")
            }
            Block::Quote { words, by } => {
                assert!(text.contains(&format!("“{words}”")), "quote {words}");
                assert!(text.contains(&format!("— {by}")), "by {by}");
            }
            Block::Table { caption, rows, .. } => {
                assert!(text.contains(caption.as_str()));
                for value in rows.iter().flatten().filter(|v| !v.is_empty()) {
                    assert!(text.contains(value.as_str()), "cell {value}");
                }
            }
            Block::List(items) => {
                for item in items {
                    assert!(text.contains(item.as_str()), "item {item}");
                }
            }
        }
    }
}

#[test]
fn text_that_xml_cannot_hold_becomes_a_replacement_character_and_markup_is_escaped() {
    let mut d = demo_study(DemoSize::Small);
    d.study.title = "A <b>bold</b> & \u{1}odd title".into();
    let bytes = report_docx(&study_report(&d, &ReportChoice::default())).unwrap();
    let text = read_document("report.docx", &bytes).unwrap().text;
    assert!(text.starts_with("A <b>bold</b> & \u{FFFD}odd title"), "{}", &text[..60]);
}
