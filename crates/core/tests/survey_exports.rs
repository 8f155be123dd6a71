//! Survey response exports: wide, long and codebook CSV compared byte for byte with
//! golden files (rewrite them with `UPDATE_GOLDEN=1 cargo test -p fieldkit-core`),
//! parsed back. (The XLSX file is tested in fieldkit-sheets.)

use std::path::PathBuf;

use fieldkit_core::surveys::export::{
    responses_codebook_csv, responses_long_csv, responses_wide_csv, responses_workbook,
};
mod common {
    pub mod survey_fixture;
}
use common::survey_fixture::*;

fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

/// Compares `actual` with the golden file, or rewrites it when `UPDATE_GOLDEN=1`.
fn check_golden(name: &str, actual: &[u8]) {
    let path = golden_dir().join(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(golden_dir()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
    if expected == actual {
        return;
    }
    let expected = String::from_utf8_lossy(&expected);
    let actual = String::from_utf8_lossy(actual);
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.split("\r\n").collect(), actual.split("\r\n").collect());
    let mut diff = String::new();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        if x != y {
            diff.push_str(&format!(
                "line {}:\n  expected: {:?}\n  actual:   {:?}\n",
                i + 1,
                x.unwrap_or("<none>"),
                y.unwrap_or("<none>")
            ));
        }
    }
    panic!("{name} differs from {} (UPDATE_GOLDEN=1 rewrites it if the change is intended):\n{diff}", path.display());
}

fn parse(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect();
    (header, rows)
}

#[test]
fn wide_csv_matches_golden_and_reads_back() {
    let data = study();
    let bytes = responses_wide_csv(&data, id(50)).unwrap();
    check_golden("responses_wide.csv", &bytes);
    assert!(String::from_utf8(bytes.clone()).is_ok());
    assert!(bytes.ends_with(b"\r\n"));
    let (header, rows) = parse(&bytes);
    #[rustfmt::skip]
    let expected = [
        "response_id", "case", "setting", "legal_form", "country", "Founded", "Members", "Region",
        "participant", "role", "language", "survey_version", "status", "started", "completed",
        "q1_org", "q2_services_care", "q2_services_transport", "q2_services_meals",
        "q3_listened", "q3_trusted", "q4_rating", "q5_staff", "q6_member", "q7_joined", "q8_name", "q9_comments",
        // Only in version 1, appended.
        "q2_services_other", "q10_old",
    ];
    assert_eq!(header, expected);
    assert_eq!(rows.len(), 3);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (rowan, anon, welsh) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(rowan[col("response_id")], id(60).to_string());
    assert_eq!(rowan[col("case")], "Gofal Cwm Tŷ Gwyn");
    assert_eq!(rowan[col("setting")], "very_rural");
    assert_eq!(rowan[col("Members")], "'=120");
    assert_eq!(rowan[col("Region")], "");
    assert_eq!(rowan[col("participant")], "Rowan");
    assert_eq!(rowan[col("role")], "Manager / founder");
    assert_eq!(rowan[col("survey_version")], "2");
    assert_eq!(rowan[col("status")], "complete");
    assert_eq!(rowan[col("started")], "2026-11-23T15:57:45.000Z");
    assert_eq!(rowan[col("q1_org")], "council");
    assert_eq!(
        [
            &rowan[col("q2_services_care")],
            &rowan[col("q2_services_transport")],
            &rowan[col("q2_services_meals")],
            &rowan[col("q2_services_other")]
        ],
        ["1", "0", "1", ""]
    );
    assert_eq!([&rowan[col("q3_listened")], &rowan[col("q3_trusted")]], ["4", "5"]);
    assert_eq!(rowan[col("q4_rating")], "4");
    assert_eq!(rowan[col("q5_staff")], "-1", "numbers are not neutralised");
    assert_eq!(rowan[col("q6_member")], "1");
    assert_eq!(rowan[col("q7_joined")], "2019-04-01");
    assert_eq!(rowan[col("q8_name")], "'=HYPERLINK(\"x\")");
    assert_eq!(rowan[col("q9_comments")], "'+44 7700 900123, \"call me\"\nsecond line");

    assert_eq!(anon[col("case")], "City Care, \"Ltd\"");
    assert_eq!(anon[col("Members")], "45", "attribute keys match case-insensitively");
    assert_eq!(anon[col("Region")], "North\nEast");
    assert_eq!([&anon[col("participant")], &anon[col("role")]], ["", ""]);
    assert_eq!(anon[col("status")], "in_progress");
    assert_eq!(anon[col("completed")], "");
    assert_eq!(anon[col("q1_org")], "", "unanswered is empty");
    assert_eq!([&anon[col("q2_services_care")], &anon[col("q2_services_meals")]], ["0", "0"]);
    assert_eq!(anon[col("q3_listened")], "");
    assert_eq!(anon[col("q6_member")], "0");
    assert_eq!(anon[col("q8_name")], "'-1");
    assert_eq!(anon[col("q9_comments")], "'@SUM(A1) \tthen tab 👍🏽 مرحبا שלום café");
    assert!(!header.contains(&"intro".to_string()), "information text has no column");

    assert_eq!(welsh[col("language")], "cy");
    assert_eq!(welsh[col("survey_version")], "1");
    assert_eq!(welsh[col("participant")], "Ceri");
    assert_eq!(welsh[col("role")], "");
    assert_eq!(welsh[col("q1_org")], "cooperative");
    assert_eq!(
        [
            &welsh[col("q2_services_care")],
            &welsh[col("q2_services_transport")],
            &welsh[col("q2_services_meals")],
            &welsh[col("q2_services_other")]
        ],
        ["1", "0", "", "1"],
        "an option its version did not offer is empty"
    );
    assert_eq!([&welsh[col("q3_listened")], &welsh[col("q3_trusted")]], ["2", ""]);
    assert_eq!(welsh[col("q10_old")], "Dechrau'n fach — ŵ ŷ");
    assert_eq!(welsh[col("q4_rating")], "");
}

#[test]
fn long_csv_matches_golden_and_reads_back() {
    let data = study();
    let bytes = responses_long_csv(&data, id(50)).unwrap();
    check_golden("responses_long.csv", &bytes);
    let (header, rows) = parse(&bytes);
    assert_eq!(header, ["response_id", "question", "value", "label"]);
    let of = |n: u128| {
        rows.iter()
            .filter(|r| r[0] == id(n).to_string())
            .map(|r| [r[1].as_str(), r[2].as_str(), r[3].as_str()])
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(60),
        [
            ["q1_org", "council", "Council =run"],
            ["q2_services", "care", "Personal care"],
            ["q2_services", "meals", "Meals"],
            ["q3_listened", "4", "Agree"],
            ["q3_trusted", "5", "Strongly agree"],
            ["q4_rating", "4", ""],
            ["q5_staff", "-1", ""],
            ["q6_member", "1", "Yes"],
            ["q7_joined", "2019-04-01", ""],
            ["q8_name", "'=HYPERLINK(\"x\")", ""],
            ["q9_comments", "'+44 7700 900123, \"call me\"\nsecond line", ""],
        ]
    );
    assert_eq!(
        of(61),
        [
            ["q6_member", "0", "No"],
            ["q8_name", "'-1", ""],
            ["q9_comments", "'@SUM(A1) \tthen tab 👍🏽 مرحبا שלום café", ""]
        ],
        "no rows for no ticked options or information text"
    );
    assert_eq!(
        of(62),
        [
            ["q1_org", "cooperative", "Co-operative, member-owned"],
            ["q2_services", "care", "Personal care"],
            ["q2_services", "other", "Other"],
            ["q3_listened", "2", "Disagree"],
            ["q10_old", "Dechrau'n fach — ŵ ŷ", ""],
        ]
    );
}

#[test]
fn codebook_csv_matches_golden_and_lists_every_wide_column() {
    let data = study();
    let bytes = responses_codebook_csv(&data, id(50)).unwrap();
    check_golden("responses_codebook.csv", &bytes);
    let (header, rows) = parse(&bytes);
    assert_eq!(header, ["column", "question", "type", "values"]);
    let (wide_header, _) = parse(&responses_wide_csv(&data, id(50)).unwrap());
    assert_eq!(rows.iter().map(|r| r[0].clone()).collect::<Vec<_>>(), wide_header);
    let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(
        row("q1_org")[1..],
        ["Who runs your care?", "single_choice", "council = Council =run; cooperative = Co-operative, member-owned"]
    );
    assert_eq!(
        row("q2_services_meals")[1..],
        ["Which services do you use? — Meals", "multiple_choice", "0 = not ticked; 1 = ticked"]
    );
    assert_eq!(
        row("q3_trusted")[1..],
        [
            "How far do you agree? — I trust the board, \"mostly\"",
            "likert",
            "1 = Strongly disagree; 2 = Disagree; 3 = Neither agree nor disagree; 4 = Agree; 5 = Strongly agree"
        ]
    );
    assert_eq!(row("q4_rating")[2..], ["rating", "1 to 5"]);
    assert_eq!(row("q5_staff")[2..], ["number", "whole number from -10 to 10"]);
    assert_eq!(row("q6_member")[2..], ["yes_no", "0 = No; 1 = Yes"]);
    assert_eq!(row("q7_joined")[2..], ["date", "YYYY-MM-DD"]);
    assert_eq!(row("q8_name")[2..], ["short_text", "text, up to 80 characters"]);
    assert_eq!(row("q10_old")[1..3], ["What changed since last year? (only in version 1)", "short_text"]);
    assert_eq!(row("q2_services_other")[1], "Which services do you use? — Other (only in version 1)");
    assert_eq!(row("setting")[3], "urban = Urban; rural = Rural; very_rural = Very rural");
    assert_eq!(row("Members")[2], "text");
}

#[test]
fn unknown_survey_is_an_error_and_a_survey_without_responses_has_just_a_header() {
    let mut data = study();
    for export in [responses_wide_csv, responses_long_csv, responses_codebook_csv] {
        assert!(export(&data, id(99)).unwrap_err().contains("no survey"));
    }
    data.responses.clear();
    let (header, rows) = parse(&responses_wide_csv(&data, id(50)).unwrap());
    assert_eq!(header.len(), 29);
    assert!(rows.is_empty());
    assert_eq!(responses_long_csv(&data, id(50)).unwrap(), b"response_id,question,value,label\r\n");
    assert_eq!(responses_workbook(&data, id(50)).map(|b| b.sheets.len()), Ok(3));
}

/// The fixture as an older survey might have it: a question named `role`, one named
/// like a case attribute but in lower case, a multiple-choice question named `case`
/// and a Likert statement named `status` (in both versions), and a case attribute
/// "Year established".
fn clashing_study() -> fieldkit_core::StudyData {
    let mut data = study();
    data.cases[0]
        .attributes
        .extra
        .push(fieldkit_core::study::Attribute { key: "Year established".into(), value: "2015".into() });
    let survey = &mut data.surveys[0];
    let pages = survey.history.iter_mut().map(|h| &mut h.pages).chain([&mut survey.pages]);
    for q in pages.flat_map(|pages| pages.iter_mut()).flat_map(|p| p.questions.iter_mut()) {
        match q.name.as_str() {
            "q4_rating" => q.name = "role".into(),
            "q6_member" => q.name = "year_established".into(),
            "q2_services" => q.name = "case".into(),
            _ => {}
        }
        if let fieldkit_core::surveys::QuestionKind::Likert { items, .. } = &mut q.kind {
            for item in items.iter_mut().filter(|i| i.name == "q3_trusted") {
                item.name = "status".into();
            }
        }
    }
    data
}

fn assert_valid_unique_names(header: &[String]) {
    let mut seen = std::collections::HashSet::new();
    for name in header {
        assert!(fieldkit_core::tabular::is_safe_variable_name(name), "{name:?} in {header:?}");
        assert!(name.len() <= 64 && name.starts_with(|c: char| c.is_ascii_alphabetic()), "{name}");
        assert!(seen.insert(name.to_ascii_lowercase()), "{name} twice (ignoring case) in {header:?}");
    }
}

#[test]
fn a_question_named_like_a_fixed_column_gets_a_unique_valid_name_in_every_export() {
    let data = clashing_study();
    let (header, rows) = parse(&responses_wide_csv(&data, id(50)).unwrap());
    assert_valid_unique_names(&header);
    #[rustfmt::skip]
    let expected = [
        "response_id", "case", "setting", "legal_form", "country", "Founded", "Members", "Year_established", "Region",
        "participant", "role", "language", "survey_version", "status", "started", "completed",
        "q1_org", "case_2_care", "case_2_transport", "case_2_meals",
        "q3_listened", "status_2", "role_2", "q5_staff", "year_established_2", "q7_joined", "q8_name", "q9_comments",
        "case_2_other", "q10_old",
    ];
    assert_eq!(header, expected);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rowan = &rows[0];
    assert_eq!((rowan[col("role")].as_str(), rowan[col("role_2")].as_str()), ("Manager / founder", "4"));
    assert_eq!((rowan[col("case")].as_str(), rowan[col("case_2_meals")].as_str()), ("Gofal Cwm Tŷ Gwyn", "1"));
    assert_eq!((rowan[col("status")].as_str(), rowan[col("status_2")].as_str()), ("complete", "5"));
    assert_eq!((rowan[col("Year_established")].as_str(), rowan[col("year_established_2")].as_str()), ("2015", "1"));
    assert_eq!(rows[2][col("case_2_other")], "1", "older versions' columns follow the same names");

    // The long CSV names the same columns: a question's wide column, or for multiple
    // choice the name its columns are made of.
    let (_, long) = parse(&responses_long_csv(&data, id(50)).unwrap());
    let rowan_long: Vec<[&str; 3]> = long
        .iter()
        .filter(|r| r[0] == id(60).to_string())
        .map(|r| [r[1].as_str(), r[2].as_str(), r[3].as_str()])
        .collect();
    for row in [["case_2", "care", "Personal care"], ["status_2", "5", "Strongly agree"], ["role_2", "4", ""]] {
        assert!(rowan_long.contains(&row), "{row:?} in {rowan_long:?}");
    }
    assert!(rowan_long.contains(&["year_established_2", "1", "Yes"]));
    for r in &long {
        let (question, value) = (&r[1], &r[2]);
        assert!(
            header.contains(question) || header.contains(&format!("{question}_{value}")),
            "long question {question} (value {value}) has no wide column"
        );
    }

    // The codebook lists exactly the wide columns, with the question text.
    let (_, codebook) = parse(&responses_codebook_csv(&data, id(50)).unwrap());
    assert_eq!(codebook.iter().map(|r| r[0].clone()).collect::<Vec<_>>(), header);
    let entry = |name: &str| codebook.iter().find(|r| r[0] == name).unwrap().clone();
    assert_eq!(entry("role")[1], "Participant's stakeholder role");
    assert_eq!(entry("role_2")[1..3], ["Rate the service", "rating"]);
    assert_eq!(entry("Year_established")[1], "Case attribute: Year established");
    assert_eq!(entry("case_2_other")[1], "Which services do you use? — Other (only in version 1)");

    // The workbook's three sheets use the same names.
    let book = responses_workbook(&data, id(50)).unwrap();
    assert_eq!(book.sheets[0].header, header);
    let first_cells = |sheet: usize| -> Vec<String> {
        book.sheets[sheet]
            .rows
            .iter()
            .map(|r| match &r[0] {
                fieldkit_core::tabular::Cell::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    };
    assert_eq!(first_cells(1), header);
    assert!(first_cells(2).iter().all(|c| header.contains(c)));
    assert!(first_cells(2).contains(&"status_2".to_string()));
    for sheet in &book.sheets {
        assert_valid_unique_names(&sheet.header);
    }
}

#[test]
fn every_header_of_the_survey_exports_is_made_of_valid_unique_names() {
    let data = study();
    for bytes in [
        responses_wide_csv(&data, id(50)).unwrap(),
        responses_long_csv(&data, id(50)).unwrap(),
        responses_codebook_csv(&data, id(50)).unwrap(),
    ] {
        assert_valid_unique_names(&parse(&bytes).0);
    }
    assert_eq!(
        parse(&responses_wide_csv(&data, id(50)).unwrap()).0[..5],
        fieldkit_core::surveys::export::WIDE_CSV_FIXED[..5]
    );
}
