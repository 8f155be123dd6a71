//! Survey response exports: wide, long and codebook CSV compared byte for byte with
//! golden files (rewrite them with `UPDATE_GOLDEN=1 cargo test -p fieldkit-core`),
//! parsed back, and the XLSX workbook opened as the zip it is.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use fieldkit_core::survey_export::{responses_codebook_csv, responses_long_csv, responses_wide_csv, responses_xlsx};
use fieldkit_core::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(1_795_449_405_000 + ms)
}

fn choice(value: &str, en: &str) -> Choice {
    Choice { value: value.into(), label: Text::en(en) }
}

fn question(n: u128, name: &str, label: Text, kind: QuestionKind) -> Question {
    Question {
        id: id(n),
        name: name.into(),
        label,
        help: Text::default(),
        required: false,
        required_message: Text::default(),
        kind,
        condition: None,
    }
}

fn page(n: u128, questions: Vec<Question>) -> Page {
    Page { id: id(n), title: Text::en("Page"), condition: None, questions }
}

fn likert() -> Question {
    let scale = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"];
    question(
        300,
        "q3_voice",
        Text::en("How far do you agree?").with("cy", "I ba raddau rydych chi'n cytuno?"),
        QuestionKind::Likert {
            points: 5,
            scale: scale.iter().map(|s| Text::en(s)).collect(),
            items: vec![
                LikertItem { id: id(301), name: "q3_listened".into(), label: Text::en("I am listened to") },
                LikertItem { id: id(302), name: "q3_trusted".into(), label: Text::en("I trust the board, \"mostly\"") },
            ],
        },
    )
}

fn org(extra_option: Option<Choice>) -> Question {
    let mut options = vec![choice("council", "Council =run"), choice("cooperative", "Co-operative, member-owned")];
    options.extend(extra_option);
    question(100, "q1_org", Text::en("Who runs your care?").with("cy", "Pwy sy'n rhedeg eich gofal?"), QuestionKind::SingleChoice { options })
}

fn services(old: bool) -> Question {
    let mut options = vec![choice("care", "Personal care"), choice("transport", "Transport"), choice("meals", "Meals")];
    if old {
        options.retain(|o| o.value != "meals");
        options.push(choice("other", "Other"));
    }
    question(200, "q2_services", Text::en("Which services do you use?"), QuestionKind::MultipleChoice { options })
}

fn survey() -> Survey {
    let current = vec![
        page(10, vec![question(1, "intro", Text::en("Welcome"), QuestionKind::Info), org(None), services(false)]),
        page(11, vec![likert()]),
        page(
            12,
            vec![
                question(400, "q4_rating", Text::en("Rate the service"), QuestionKind::Rating { max: 5 }),
                question(500, "q5_staff", Text::en("Change in staff"), QuestionKind::Number { min: Some(-10.0), max: Some(10.0), integer: true }),
                question(600, "q6_member", Text::en("Are you a member?"), QuestionKind::YesNo),
                question(700, "q7_joined", Text::en("When did you join?"), QuestionKind::Date),
                question(800, "q8_name", Text::en("What do you call the group?"), QuestionKind::ShortText { max_length: Some(80) }),
                question(900, "q9_comments", Text::en("Anything else?"), QuestionKind::LongText { max_length: None }),
            ],
        ),
    ];
    let v1 = vec![
        page(10, vec![org(None), services(true)]),
        page(11, vec![likert(), question(1000, "q10_old", Text::en("What changed since last year?"), QuestionKind::ShortText { max_length: None })]),
    ];
    Survey {
        id: id(50),
        study_id: id(1_000),
        created: t(0),
        modified: t(5_000),
        name: "Stakeholder survey".into(),
        description: Text::default(),
        languages: vec!["en".into(), "cy".into()],
        version: 2,
        pages: current,
        history: vec![SurveyVersion { version: 1, superseded: t(4_000), name: "Stakeholder survey".into(), pages: v1 }],
        template: None,
    }
}

fn response(n: u128, case: u128, participant: Option<u128>, language: &str, version: u32, answers: Vec<(u128, AnswerValue)>, complete: bool) -> Response {
    Response {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64 * 1_000),
        modified: t(n as i64 * 1_000 + 500),
        survey_id: id(50),
        survey_version: version,
        case_id: id(case),
        participant_id: participant.map(id),
        language: language.into(),
        answers: answers.into_iter().map(|(q, a)| (id(q), a)).collect(),
        status: if complete { ResponseStatus::Complete } else { ResponseStatus::InProgress },
        page: 0,
        started: t(n as i64 * 1_000),
        completed: complete.then(|| t(n as i64 * 1_000 + 400)),
        corrections: Vec::new(),
    }
}

fn case(n: u128, name: &str, setting: Setting, legal_form: &str, country: &str, extra: &[(&str, &str)]) -> Case {
    Case {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64),
        modified: t(n as i64),
        name: name.into(),
        description: String::new(),
        attributes: CaseAttributes {
            setting: Some(setting),
            legal_form: legal_form.into(),
            country: country.into(),
            extra: extra.iter().map(|(k, v)| Attribute { key: (*k).into(), value: (*v).into() }).collect(),
        },
    }
}

fn participant(n: u128, pseudonym: &str, role: Option<u128>, case: u128) -> Participant {
    Participant {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64),
        modified: t(n as i64),
        pseudonym: pseudonym.into(),
        role_id: role.map(id),
        case_id: Some(id(case)),
        consent: Consent::default(),
        notes: String::new(),
    }
}

fn study() -> StudyData {
    let scale = |pairs: &[(u128, u8)]| AnswerValue::Scale(pairs.iter().map(|(i, p)| (id(*i), *p)).collect::<BTreeMap<_, _>>());
    let text = |s: &str| AnswerValue::Text(s.into());
    StudyData {
        study: Study {
            id: id(1_000),
            created: t(0),
            modified: t(0),
            title: "Surveys".into(),
            description: String::new(),
            research_questions: Vec::new(),
            roles: vec![StakeholderRole { id: id(20), name: "Manager / founder".into() }],
        },
        cases: vec![
            case(30, "Gofal Cwm Tŷ Gwyn", Setting::VeryRural, "Co-operative", "Wales", &[("Founded", "2019"), ("Members", "=120")]),
            case(31, "City Care, \"Ltd\"", Setting::Urban, "CIC", "England", &[("members", "45"), ("Region", "North\nEast")]),
        ],
        participants: vec![participant(40, "Rowan", Some(20), 30), participant(41, "Ceri", None, 30)],
        identities: Vec::new(),
        protocols: Vec::new(),
        interviews: Vec::new(),
        documents: Vec::new(),
        accounts: Vec::new(),
        surveys: vec![survey()],
        responses: vec![
            // Listed out of order: exports sort responses oldest first.
            response(
                62,
                30,
                Some(41),
                "cy",
                1,
                vec![
                    (100, AnswerValue::Choice("cooperative".into())),
                    (200, AnswerValue::Choices(vec!["other".into(), "care".into()])),
                    (300, scale(&[(301, 2)])),
                    (1000, text("Dechrau'n fach — ŵ ŷ")),
                ],
                true,
            ),
            response(
                60,
                30,
                Some(40),
                "en",
                2,
                vec![
                    (100, AnswerValue::Choice("council".into())),
                    (200, AnswerValue::Choices(vec!["meals".into(), "care".into()])),
                    (300, scale(&[(301, 4), (302, 5)])),
                    (400, AnswerValue::Number(4.0)),
                    (500, AnswerValue::Number(-1.0)),
                    (600, AnswerValue::Bool(true)),
                    (700, AnswerValue::Date(Date::from_ymd(2019, 4, 1).unwrap())),
                    (800, text("=HYPERLINK(\"x\")")),
                    (900, text("+44 7700 900123, \"call me\"\nsecond line")),
                ],
                true,
            ),
            response(
                61,
                31,
                None,
                "en",
                2,
                vec![
                    (200, AnswerValue::Choices(Vec::new())),
                    (600, AnswerValue::Bool(false)),
                    (800, text("-1")),
                    (900, text("@SUM(A1) \tthen tab 👍🏽 مرحبا שלום café")),
                    (1, text("ignored: info")),
                ],
                false,
            ),
        ],
    }
}

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
    let expected = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e} (run with UPDATE_GOLDEN=1 to create it)", path.display()));
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
            diff.push_str(&format!("line {}:\n  expected: {:?}\n  actual:   {:?}\n", i + 1, x.unwrap_or("<none>"), y.unwrap_or("<none>")));
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
        [&rowan[col("q2_services_care")], &rowan[col("q2_services_transport")], &rowan[col("q2_services_meals")], &rowan[col("q2_services_other")]],
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
        [&welsh[col("q2_services_care")], &welsh[col("q2_services_transport")], &welsh[col("q2_services_meals")], &welsh[col("q2_services_other")]],
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
    let of = |n: u128| rows.iter().filter(|r| r[0] == id(n).to_string()).map(|r| [r[1].as_str(), r[2].as_str(), r[3].as_str()]).collect::<Vec<_>>();
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
        [["q6_member", "0", "No"], ["q8_name", "'-1", ""], ["q9_comments", "'@SUM(A1) \tthen tab 👍🏽 مرحبا שלום café", ""]],
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
    assert_eq!(row("q1_org")[1..], ["Who runs your care?", "single_choice", "council = Council =run; cooperative = Co-operative, member-owned"]);
    assert_eq!(row("q2_services_meals")[1..], ["Which services do you use? — Meals", "multiple_choice", "0 = not ticked; 1 = ticked"]);
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
    for s in ["'=HYPERLINK(", "'+44 7700", "'@SUM(A1)", "'-1<", "'=120", "👍🏽 مرحبا שלום café", "Gofal Cwm Tŷ Gwyn", "Dechrau'n fach — ŵ ŷ", "q10_old", "Strongly agree"] {
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
fn unknown_survey_is_an_error_and_a_survey_without_responses_has_just_a_header() {
    let mut data = study();
    for export in [responses_wide_csv, responses_long_csv, responses_codebook_csv, responses_xlsx] {
        assert!(export(&data, id(99)).unwrap_err().contains("no survey"));
    }
    data.responses.clear();
    let (header, rows) = parse(&responses_wide_csv(&data, id(50)).unwrap());
    assert_eq!(header.len(), 29);
    assert!(rows.is_empty());
    assert_eq!(responses_long_csv(&data, id(50)).unwrap(), b"response_id,question,value,label\r\n");
    assert!(responses_xlsx(&data, id(50)).is_ok());
}
