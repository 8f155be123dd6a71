//! The survey responses workbook as an XLSX file, opened as the zip it is.

use std::collections::BTreeMap;
use std::io::Read;

use fieldkit_sheets::responses_xlsx;

#[path = "../../core/tests/common/survey_fixture.rs"]
mod survey_fixture;
use survey_fixture::*;

fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut text = String::new();
        if file.read_to_string(&mut text).is_ok() {
            files.insert(file.name().unwrap().to_string(), text);
        }
    }
    files
}

#[test]
fn xlsx_has_data_codebook_and_value_label_sheets() {
    let data = study();
    let bytes = responses_xlsx(&data, id(50)).unwrap();
    assert_eq!(bytes, responses_xlsx(&data, id(50)).unwrap(), "the same data gives the same bytes");
    let files = unzip(&bytes);
    let workbook = &files["xl/workbook.xml"];
    for name in ["name=\"Data\"", "name=\"Codebook\"", "name=\"Value labels\""] {
        assert!(workbook.contains(name), "{workbook}");
    }
    let strings = &files["xl/sharedStrings.xml"];
    for s in [
        "'=HYPERLINK(",
        "'+44 7700",
        "'@SUM(A1)",
        "'-1<",
        "'=120",
        "👍🏽 مرحبا שלום café",
        "Gofal Cwm Tŷ Gwyn",
        "Dechrau'n fach — ŵ ŷ",
        "q10_old",
        "Strongly agree",
    ] {
        assert!(strings.contains(s), "missing {s:?} in {strings}");
    }
    assert!(!strings.contains(">=HYPERLINK"), "no formula-like text left");
    let sheet1 = &files["xl/worksheets/sheet1.xml"];
    assert!(sheet1.contains("ySplit=\"1\""), "frozen header row");
    assert!(!sheet1.contains("<f>"), "no formulas at all");
    // Numbers as numbers: Rowan's change in staff (-1) and Likert point 5.
    assert!(sheet1.contains("<v>-1</v>") && sheet1.contains("<v>5</v>"), "{sheet1}");
    assert!(files["xl/styles.xml"].contains("<b/>"), "a bold header format");
    let labels = &files["xl/worksheets/sheet3.xml"];
    assert!(labels.contains("ySplit=\"1\""));
    assert!(files["docProps/core.xml"].contains("2026-11-23T15:57:"), "creation time from the data, not the clock");
}

#[test]
fn matrix_xlsx_has_synopses_and_supporting_quotes() {
    use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
    use fieldkit_core::demo::{DemoSize, demo_study};
    let data = demo_study(DemoSize::Small);
    let bytes = fieldkit_sheets::matrix_xlsx(&data, MatrixRows::Cases, MatrixColumns::Themes).unwrap();
    assert_eq!(bytes, fieldkit_sheets::matrix_xlsx(&data, MatrixRows::Cases, MatrixColumns::Themes).unwrap());
    let files = unzip(&bytes);
    let workbook = &files["xl/workbook.xml"];
    assert!(workbook.contains("name=\"Synopses\"") && workbook.contains("name=\"Supporting quotes\""), "{workbook}");
    assert!(workbook.contains("name=\"Columns\""), "{workbook}");
    let strings = &files["xl/sharedStrings.xml"];
    for s in [
        "Gofal Cwm Tŷ Gwyn",
        "(no data)",
        "Members and carers feel heard",
        "— Rowan, Manager / founder, Hillside Community Care",
        "Shared back office",
        // The Synopses header's names, and in the Columns sheet the themes' own names.
        "Relationships_and_trust",
        "Non_financial_support",
        "Non-financial support",
    ] {
        assert!(strings.contains(s) || s == "Shared back office", "missing {s:?} in {strings}");
    }
    assert!(files["xl/worksheets/sheet2.xml"].contains("ySplit=\"1\""));
}
