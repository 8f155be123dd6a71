//! Coding exports: segments, codebook (CSV and JSON) and matrix CSV compared byte for
//! byte with golden files (rewrite them with `UPDATE_GOLDEN=1 cargo test -p
//! fieldkit-core`), and parsed back. (The matrix XLSX is tested in fieldkit-sheets.)

use std::path::PathBuf;

use fieldkit_core::coding::export::*;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::study::*;
use fieldkit_core::tabular::Cell;
use fieldkit_core::*;
use uuid::Uuid;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

fn check_golden(name: &str, actual: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected != actual {
        let (e, a) = (String::from_utf8_lossy(&expected), String::from_utf8_lossy(actual));
        for (n, (x, y)) in e.lines().zip(a.lines()).enumerate() {
            assert_eq!(x, y, "{name} line {}", n + 1);
        }
        panic!("{name} differs from {} in length (UPDATE_GOLDEN=1 rewrites it if intended)", path.display());
    }
}

fn parse(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

/// The small demo, plus a coded answer that looks like a formula and mixes scripts.
pub fn study() -> StudyData {
    let mut d = demo_study(DemoSize::Small);
    let hostile = d
        .sources()
        .into_iter()
        .find(|s| s.text.starts_with("+44"))
        .map(|s| (s.source, s.text.chars().count()))
        .unwrap();
    let code = d.codes.iter().find(|c| c.name == "Local credibility").unwrap().id;
    let at = Timestamp::from_millis(1_795_449_405_000);
    let applied = d
        .apply_coding(
            CodingEdit::ApplyCodes {
                source: hostile.0,
                start: 0,
                end: hostile.1,
                codes: vec![code],
                coder: "=cmd".into(),
            },
            at,
        )
        .unwrap();
    let seg = applied.created.unwrap();
    d.segments.iter_mut().find(|s| s.id == seg).unwrap().id = Uuid::from_u128(0xC0DE);
    d
}

#[test]
fn segments_csv_matches_golden_and_has_one_row_per_segment_and_code() {
    let d = study();
    let bytes = segments_csv(&d).unwrap();
    check_golden("coded_segments.csv", &bytes);
    assert!(bytes.ends_with(b"\r\n"));
    let (header, rows) = parse(&bytes);
    assert_eq!(&header[..8], SEGMENTS_CSV_LEADING);
    assert_eq!(&header[header.len() - 14..], SEGMENTS_CSV_TRAILING);
    assert!(header.contains(&"Language_of_service".to_string()), "extra case attributes are columns, named safely");
    assert_valid_unique_names(&header);
    let codings: usize = d.segments.iter().map(|s| s.codings.len()).sum();
    assert_eq!(rows.len(), codings);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let hostile = rows.iter().find(|r| r[col("segment_id")] == Uuid::from_u128(0xC0DE).to_string()).unwrap();
    assert!(hostile[col("text")].starts_with("'+44 7700"), "formula-safe");
    assert!(hostile[col("text")].contains("مرحبا 👍🏽 cafe\u{301}"));
    assert_eq!(hostile[col("coder")], "'=cmd");
    assert_eq!(hostile[col("participant")], "", "anonymous");
    assert_eq!(hostile[col("source_kind")], "survey_answer");
    let listened = rows.iter().find(|r| r[col("code")] == "Being listened to").unwrap();
    assert_eq!(listened[col("code_path")], "Relationships and trust > Being listened to");
    assert_eq!(listened[col("theme")], "Relationships and trust");
    assert_eq!((listened[col("participant")].as_str(), listened[col("role")].as_str()), ("Rowan", "Manager / founder"));
    assert_eq!(listened[col("case")], "Hillside Community Care");
    assert_eq!(listened[col("setting")], "rural");
    assert!(!listened[col("research_question")].is_empty());
    assert_eq!(listened[col("text")], "carers say they feel listened to for the first time");
    let (start, end): (usize, usize) = (listened[col("start")].parse().unwrap(), listened[col("end")].parse().unwrap());
    assert_eq!(end - start, listened[col("text")].chars().count(), "code points");
    assert_eq!(listened[col("anchor")], "placed");
    // Source ids are the stable UUIDs.
    let welsh = rows.iter().find(|r| r[col("text")].contains("ffyrdd")).unwrap();
    assert_eq!(Uuid::parse_str(&welsh[col("source_id")]).unwrap().get_version_num(), 5);
}

#[test]
fn codebook_csv_and_json_match_golden_with_counts() {
    let d = study();
    let csv = codebook_csv(&d).unwrap();
    check_golden("codebook.csv", &csv);
    let (header, rows) = parse(&csv);
    assert_eq!(header, CODEBOOK_CSV_HEADER);
    assert_eq!(rows.len(), d.codes.len());
    assert_eq!(rows[0][1], "Relationships and trust");
    assert_eq!(rows[0][3], "0");
    let travel = rows.iter().find(|r| r[1] == "Travel and distance").unwrap();
    assert_eq!((travel[2].as_str(), travel[10].as_str()), ("Barriers > Travel and distance", "5"));
    let barriers = rows.iter().find(|r| r[1] == "Barriers").unwrap();
    assert_eq!((barriers[10].as_str(), barriers[11].as_str()), ("0", "7"));
    let json = codebook_json(&d).unwrap();
    check_golden("codebook.json", &json);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["format"], "fieldkit-codebook");
    assert_eq!(v["codes"].as_array().unwrap().len(), d.codes.len());
    assert_eq!(v["codes"][1]["path"], serde_json::json!(["Relationships and trust", "Being listened to"]));
    assert_eq!(v["codes"][1]["colour"], "#2a7f62");
}

#[test]
fn matrix_csv_matches_golden_and_marks_cells_without_data() {
    let d = study();
    let bytes = matrix_csv(&d, MatrixRows::Cases, MatrixColumns::Themes).unwrap();
    check_golden("matrix_cases_themes.csv", &bytes);
    let (header, rows) = parse(&bytes);
    assert_eq!(
        header,
        ["case", "Relationships_and_trust", "Barriers", "Non_financial_support", "Community_leadership"],
        "theme names made into names R, SPSS and Stata accept"
    );
    assert_eq!(rows.len(), 4);
    assert!(rows[0][1].starts_with("Members and carers feel heard"));
    assert_eq!(rows[2][1], NO_DATA, "Glen Care Partnership has nothing coded");
    let by_question = matrix_csv(&d, MatrixRows::Participants, MatrixColumns::Questions).unwrap();
    let (header, rows) = parse(&by_question);
    assert_eq!(header.len(), 5);
    assert_eq!(header[0], "participant");
    assert_valid_unique_names(&header);
    assert_eq!(header[1], "How_do_the_people_who_use_work_in_and_run_the_service_experience");
    assert_eq!(rows.len(), d.participants.len());
    let book = matrix_workbook(&d, MatrixRows::Cases, MatrixColumns::Themes);
    assert_eq!(book.sheets.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), MATRIX_SHEETS);
    assert_eq!(book.sheets[1].rows.len(), 3, "one row per linked segment");
}

#[test]
fn the_matrix_workbook_keeps_the_human_labels_beside_the_safe_names() {
    let d = study();
    let book = matrix_workbook(&d, MatrixRows::Cases, MatrixColumns::Themes);
    let text = |c: &Cell| match c {
        Cell::Text(t) => t.clone(),
        _ => String::new(),
    };
    let (synopses, quotes, columns) = (&book.sheets[0], &book.sheets[1], &book.sheets[2]);
    let (csv_header, _) = parse(&matrix_csv(&d, MatrixRows::Cases, MatrixColumns::Themes).unwrap());
    assert_eq!(synopses.header, csv_header, "the workbook uses the CSV's names");
    assert_eq!(columns.header, MATRIX_COLUMNS_HEADER);
    let pairs: Vec<(String, String)> = columns.rows.iter().map(|r| (text(&r[0]), text(&r[1]))).collect();
    assert_eq!(pairs.iter().map(|p| p.0.clone()).collect::<Vec<_>>(), synopses.header);
    assert_eq!(pairs[0], ("case".to_string(), "Case".to_string()));
    assert_eq!(pairs[3], ("Non_financial_support".to_string(), "Non-financial support".to_string()));
    assert_eq!(quotes.header, QUOTES_HEADER);
    for q in &quotes.rows {
        let (column, label) = (text(&q[1]), text(&q[2]));
        assert!(pairs.contains(&(column.clone(), label.clone())), "{column} / {label}");
    }
    for sheet in &book.sheets {
        assert_valid_unique_names(&sheet.header);
    }
}

#[test]
fn themes_and_attributes_that_clash_get_unique_names() {
    let mut d = study();
    // A theme named like the row column, and two whose safe names are the same.
    let themes: Vec<Uuid> = d.themes().map(|t| t.id).collect();
    for (id, name) in themes.iter().zip(["Case", "Barriers!", "barriers?", "1 more"]) {
        d.codes.iter_mut().find(|c| c.id == *id).unwrap().name = name.into();
    }
    let (header, _) = parse(&matrix_csv(&d, MatrixRows::Cases, MatrixColumns::Themes).unwrap());
    assert_eq!(header, ["case", "Case_2", "Barriers", "barriers_2", "v_1_more"]);
    // Attributes named like a fixed column (ignoring case) or like each other once safe.
    d.cases[0].attributes.extra.push(Attribute { key: "Role".into(), value: "x".into() });
    d.cases[0].attributes.extra.push(Attribute { key: "Language-of-service".into(), value: "y".into() });
    let (header, _) = parse(&segments_csv(&d).unwrap());
    assert_valid_unique_names(&header);
    assert!(
        header.contains(&"Role_2".to_string()) && header.contains(&"Language_of_service_2".to_string()),
        "{header:?}"
    );
    assert_eq!(&header[..8], SEGMENTS_CSV_LEADING);
    assert_eq!(&header[header.len() - 14..], SEGMENTS_CSV_TRAILING, "the fixed columns keep their names");
}

fn assert_valid_unique_names(header: &[String]) {
    let mut seen = std::collections::HashSet::new();
    for name in header {
        assert!(fieldkit_core::tabular::is_safe_variable_name(name), "{name:?} in {header:?}");
        assert!(seen.insert(name.to_ascii_lowercase()), "{name} twice (ignoring case) in {header:?}");
    }
}
