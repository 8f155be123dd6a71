//! The `fieldkit` command as a user runs it.

use std::path::PathBuf;
use std::process::{Command, Output};

fn fieldkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldkit")).args(args).output().expect("run fieldkit")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldkit-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_then_summary_counts_the_study() {
    let file = tmp("demo.json");
    let out = fieldkit(&["demo", "-o", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = fieldkit(&["summary", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"], 4);
    assert_eq!(v["participants"], 10);
    assert_eq!(v["research_questions"], 4);
    assert_eq!(v["withdrawn"], 1);
    assert_eq!(v["title"], "Co-operative care in rural and urban communities");
    assert_eq!(v["protocols"], 1);
    assert_eq!(v["interviews"], 3);
    assert_eq!(v["focus_groups"], 1);
    assert_eq!(v["documents"], 1);
    assert_eq!(v["field_notes"], 1);
    assert_eq!(v["accounts"], 1);
    assert_eq!(v["surveys"], 1);
    assert_eq!(v["responses"], 4);
}

#[test]
fn the_demo_survey_exports_with_hostile_text_neutralised() {
    let file = tmp("demo-survey.json");
    assert!(fieldkit(&["demo", "-o", file.to_str().unwrap()]).status.success());
    let out = fieldkit(&["export", "responses-wide-csv", file.to_str().unwrap(), "-o", "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    let col =
        |name: &str| header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    let anonymous = rows.iter().find(|r| r[col("participant")].is_empty()).unwrap();
    assert_eq!(&anonymous[col("help_wanted")], "'=HYPERLINK(\"http://example.com\",\"click\")");
    assert!(anonymous[col("anything_else")].starts_with("'+44 7700"));
    assert!(anonymous[col("anything_else")].contains("مرحبا 👍🏽"));
    let ceri = rows.iter().find(|r| &r[col("participant")] == "Ceri").unwrap();
    assert_eq!(&ceri[col("language")], "cy");
    assert_eq!(&ceri[col("barriers_travel")], "1");
    assert_eq!(&ceri[col("barriers_paperwork")], "0");
    assert_eq!(&ceri[col("case")], "Gofal Cwm Tŷ Gwyn");
    let xlsx = fieldkit(&["export", "responses-xlsx", file.to_str().unwrap(), "-o", "-"]);
    assert!(xlsx.status.success() && xlsx.stdout.starts_with(b"PK"), "an xlsx is a zip");
}

#[test]
fn export_interviews_csv_has_one_row_per_answer_or_turn() {
    let file = tmp("demo-csv.json");
    assert!(fieldkit(&["demo", "-o", file.to_str().unwrap()]).status.success());
    let out = fieldkit(&["export", "interviews-csv", file.to_str().unwrap(), "-o", "-"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[..3], ["interview_id", "kind", "mode"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Rowan: 4 sections of notes; Alder: 1; the focus group: 4 turns and 1 skipped section.
    assert_eq!(rows.len(), 10, "{rows:?}");
    let turns: Vec<&csv::StringRecord> =
        rows.iter().filter(|r| &r[col("kind")] == "focus_group" && !r[col("speaker")].is_empty()).collect();
    assert_eq!(turns.len(), 4);
    assert_eq!(&turns[0][col("speaker")], "Ceri");
    assert_eq!(&turns[0][col("participants")], "Ceri; Dylan");
    assert_eq!(&turns[2][col("speaker")], "Interviewer");
    assert!(turns[3][col("text")].contains("Dechrau'n fach"));
    let skipped = rows.iter().find(|r| &r[col("answer_state")] == "skipped").unwrap();
    assert_eq!(&skipped[col("case")], "Gofal Cwm Tŷ Gwyn");
    let rowan: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[col("participants")] == "Rowan").collect();
    assert_eq!(rowan.len(), 4);
    assert_eq!(&rowan[0][col("participant_roles")], "Manager / founder");
    assert_eq!(&rowan[0][col("flags")], "Good quote");
    assert!(rowan[1][col("research_question")].starts_with("What barriers"));
}

#[test]
fn demo_is_byte_for_byte_repeatable_and_reference_is_larger() {
    let a = fieldkit(&["demo", "--size", "small", "-o", "-"]);
    let b = fieldkit(&["demo", "-o", "-"]);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let r = fieldkit(&["demo", "--size=reference", "-o", "-"]);
    assert!(r.status.success());
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["participants"].as_array().unwrap().len(), 1000);
}

#[test]
fn export_json_normalises_a_backup() {
    let demo = fieldkit(&["demo", "-o", "-"]).stdout;
    // A hand-edited backup: compact layout, cases reversed.
    let mut v: serde_json::Value = serde_json::from_slice(&demo).unwrap();
    v["cases"].as_array_mut().unwrap().reverse();
    let messy = tmp("messy.json");
    std::fs::write(&messy, v.to_string()).unwrap();
    let out_path = tmp("normalised.json");
    let out = fieldkit(&["export", "json", messy.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&out_path).unwrap(), demo, "same bytes as the original export");
}

#[test]
fn bad_input_is_a_message_and_a_non_zero_exit_never_a_panic() {
    let garbage = tmp("garbage.json");
    std::fs::write(&garbage, b"\x00\x01not json").unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["summary", garbage.to_str().unwrap()], 1, "not valid JSON"),
        (vec!["summary", "/nonexistent/file.json"], 1, "cannot read"),
        (vec!["summary"], 2, "summary takes one FILE"),
        (vec!["demo", "--size", "huge", "-o", "-"], 2, "unknown size"),
        (vec!["demo"], 2, "missing -o"),
        (vec!["export", "pdf", garbage.to_str().unwrap(), "-o", "-"], 2, "unknown export format"),
        (vec!["frobnicate"], 2, "unknown command"),
        (vec![], 2, "no command"),
    ];
    for (args, code, message) in cases {
        let out = fieldkit(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_newer_backup_is_refused_with_a_clear_message() {
    let file = tmp("newer.json");
    std::fs::write(&file, br#"{"format":"fieldkit-backup","version":99}"#).unwrap();
    let out = fieldkit(&["summary", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("newer version of fieldkit"));
}

/// The demo study with two surveys (a choice, a Likert item and a text question) and
/// two responses to the first, as a backup file.
fn survey_backup(name: &str) -> (PathBuf, Vec<u8>) {
    let demo = fieldkit(&["demo", "-o", "-"]).stdout;
    let mut v: serde_json::Value = serde_json::from_slice(&demo).unwrap();
    let study = v["study"]["id"].clone();
    let case = v["cases"][0]["id"].clone();
    let participant = v["participants"][0]["id"].clone();
    let at = "2026-11-23T15:56:45.123Z";
    let survey = |id: &str, name: &str| {
        serde_json::json!({
            "id": id, "study_id": study, "created": at, "modified": at, "name": name,
            "languages": ["en", "cy"], "version": 1, "history": [],
            "pages": [{
                "id": "00000000-0000-0000-0000-0000000000a1",
                "title": {"en": "About you"},
                "questions": [
                    {"id": "00000000-0000-0000-0000-0000000000b1", "name": "q1_org", "label": {"en": "Who runs it?"},
                     "kind": {"type": "single_choice", "options": [{"value": "council", "label": {"en": "Council"}}, {"value": "coop", "label": {"en": "Co-operative"}}]}},
                    {"id": "00000000-0000-0000-0000-0000000000b2", "name": "q2", "label": {"en": "Agree?"},
                     "kind": {"type": "likert", "points": 5, "scale": [{"en": "No!"}, {"en": "No"}, {"en": "Maybe"}, {"en": "Yes"}, {"en": "Yes!"}],
                              "items": [{"id": "00000000-0000-0000-0000-0000000000c1", "name": "q2_heard", "label": {"en": "Heard"}}]}},
                    {"id": "00000000-0000-0000-0000-0000000000b3", "name": "q3_text", "label": {"en": "Say more"},
                     "kind": {"type": "long_text", "max_length": null}}
                ]
            }]
        })
    };
    let response = |id: &str, participant: serde_json::Value, answers: serde_json::Value| {
        serde_json::json!({
            "id": id, "study_id": study, "created": at, "modified": at,
            "survey_id": "00000000-0000-0000-0000-0000000000f1", "survey_version": 1,
            "case_id": case, "participant_id": participant, "language": "en",
            "answers": answers, "status": "complete", "page": 0, "started": at, "completed": at
        })
    };
    v["surveys"] = serde_json::json!([
        survey("00000000-0000-0000-0000-0000000000f1", "Stakeholder survey"),
        survey("00000000-0000-0000-0000-0000000000f2", "Staff survey"),
    ]);
    v["responses"] = serde_json::json!([
        response(
            "00000000-0000-0000-0000-0000000000e1",
            participant,
            serde_json::json!({
                "00000000-0000-0000-0000-0000000000b1": {"type": "choice", "value": "coop"},
                "00000000-0000-0000-0000-0000000000b2": {"type": "scale", "value": {"00000000-0000-0000-0000-0000000000c1": 4}},
                "00000000-0000-0000-0000-0000000000b3": {"type": "text", "value": "=cmd|' /C calc'!A0, \"quoted\"\nnext line"}
            })
        ),
        response(
            "00000000-0000-0000-0000-0000000000e2",
            serde_json::Value::Null,
            serde_json::json!({
                "00000000-0000-0000-0000-0000000000b1": {"type": "choice", "value": "council"}
            })
        ),
    ]);
    // The demo's coded survey answers went with its responses.
    let segments: Vec<serde_json::Value> =
        v["segments"].as_array().unwrap().iter().filter(|s| s["source"]["kind"] != "survey_answer").cloned().collect();
    v["segments"] = segments.into();
    let file = tmp(name);
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    std::fs::write(&file, &bytes).unwrap();
    (file, bytes)
}

#[test]
fn export_responses_gives_the_same_bytes_as_the_core() {
    use fieldkit_core::surveys::export::*;
    let (file, bytes) = survey_backup("survey.json");
    let data = fieldkit_core::exchange::backup::Backup::parse(&bytes).unwrap().into_study();
    let first = data.surveys[0].id;
    let formats: [(&str, fn(&fieldkit_core::StudyData, _) -> Result<Vec<u8>, String>); 4] = [
        ("responses-wide-csv", responses_wide_csv),
        ("responses-long-csv", responses_long_csv),
        ("responses-codebook-csv", responses_codebook_csv),
        ("responses-xlsx", fieldkit_sheets::responses_xlsx),
    ];
    for (format, export) in formats {
        let out_path = tmp(&format!("{format}.out"));
        let out = fieldkit(&["export", format, file.to_str().unwrap(), "-o", out_path.to_str().unwrap()]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert_eq!(std::fs::read(&out_path).unwrap(), export(&data, first).unwrap(), "{format}");
    }
    let out = fieldkit(&["export", "responses-wide-csv", file.to_str().unwrap(), "-o", "-"]);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][col("case")], &data.cases[0].name);
    assert!(!rows[0][col("participant")].is_empty());
    assert_eq!(&rows[0][col("q1_org")], "coop");
    assert_eq!(&rows[0][col("q2_heard")], "4");
    assert_eq!(&rows[0][col("q3_text")], "'=cmd|' /C calc'!A0, \"quoted\"\nnext line");
    assert_eq!([&rows[1][col("participant")], &rows[1][col("role")], &rows[1][col("q2_heard")]], ["", "", ""]);
}

#[test]
fn export_responses_picks_the_survey_by_name() {
    let (file, _) = survey_backup("two-surveys.json");
    let file = file.to_str().unwrap();
    let rows = |args: &[&str]| {
        let out = fieldkit(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        csv::Reader::from_reader(out.stdout.as_slice()).records().count()
    };
    assert_eq!(rows(&["export", "responses-wide-csv", file, "-o", "-"]), 2, "the first survey by default");
    assert_eq!(rows(&["export", "responses-wide-csv", file, "-o", "-", "--survey", "Stakeholder survey"]), 2);
    assert_eq!(rows(&["export", "responses-long-csv", file, "--survey=staff SURVEY", "-o", "-"]), 0, "ignoring case");
    let wide = fieldkit(&["export", "responses-wide-csv", file, "--survey", "Staff survey", "-o", "-"]).stdout;
    let columns = csv::Reader::from_reader(wide.as_slice()).headers().unwrap().len();
    assert_eq!(rows(&["export", "responses-codebook-csv", file, "--survey", "Staff survey", "-o", "-"]), columns);
}

#[test]
fn export_responses_without_a_survey_or_with_an_unknown_name_is_a_clear_error() {
    let (file, _) = survey_backup("unknown-survey.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    v["surveys"] = serde_json::json!([]);
    v["responses"] = serde_json::json!([]);
    let none = tmp("no-survey.json");
    std::fs::write(&none, v.to_string()).unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["export", "responses-xlsx", none.to_str().unwrap(), "-o", "-"], 1, "this study has no survey"),
        (
            vec!["export", "responses-wide-csv", file.to_str().unwrap(), "--survey", "Nope", "-o", "-"],
            1,
            "no survey named 'Nope' (this study has 'Stakeholder survey', 'Staff survey')",
        ),
        (vec!["export", "responses-pdf", file.to_str().unwrap(), "-o", "-"], 2, "unknown export format"),
        (
            vec!["export", "json", file.to_str().unwrap(), "--survey", "Staff survey", "-o", "-"],
            2,
            "--survey only applies",
        ),
        (vec!["export", "responses-wide-csv", file.to_str().unwrap(), "--survey"], 2, "--survey needs a value"),
    ];
    for (args, code, message) in cases {
        let out = fieldkit(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn coding_exports_give_the_same_bytes_as_the_core_and_summary_counts_coding() {
    use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
    let file = tmp("demo-coding.json");
    assert!(fieldkit(&["demo", "-o", file.to_str().unwrap()]).status.success());
    let data = fieldkit_core::exchange::backup::Backup::parse(&std::fs::read(&file).unwrap()).unwrap().into_study();
    let expected: Vec<(&str, Vec<u8>)> = vec![
        ("segments-csv", fieldkit_core::coding::export::segments_csv(&data).unwrap()),
        ("codebook-csv", fieldkit_core::coding::export::codebook_csv(&data).unwrap()),
        ("codebook-json", fieldkit_core::coding::export::codebook_json(&data).unwrap()),
        (
            "matrix-csv",
            fieldkit_core::coding::export::matrix_csv(&data, MatrixRows::Cases, MatrixColumns::Themes).unwrap(),
        ),
        ("matrix-xlsx", fieldkit_sheets::matrix_xlsx(&data, MatrixRows::Cases, MatrixColumns::Themes).unwrap()),
    ];
    for (format, bytes) in expected {
        let out = tmp(&format!("coding-{format}"));
        let run = fieldkit(&["export", format, file.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(run.status.success(), "{format}: {}", text(&run.stderr));
        assert_eq!(std::fs::read(&out).unwrap(), bytes, "{format}");
    }
    let by_question = fieldkit(&[
        "export",
        "matrix-csv",
        file.to_str().unwrap(),
        "--rows",
        "participants",
        "--columns=questions",
        "-o",
        "-",
    ]);
    assert!(by_question.status.success());
    assert_eq!(
        by_question.stdout,
        fieldkit_core::coding::export::matrix_csv(&data, MatrixRows::Participants, MatrixColumns::Questions).unwrap()
    );
    let bad = fieldkit(&["export", "matrix-csv", file.to_str().unwrap(), "--rows", "sites", "-o", "-"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("unknown --rows 'sites'"));
    let misplaced = fieldkit(&["export", "segments-csv", file.to_str().unwrap(), "--columns", "themes", "-o", "-"]);
    assert_eq!(misplaced.status.code(), Some(2));

    let summary: serde_json::Value =
        serde_json::from_slice(&fieldkit(&["summary", file.to_str().unwrap()]).stdout).unwrap();
    assert_eq!(summary["codes"], data.codes.len());
    assert_eq!(summary["themes"], 4);
    assert_eq!(summary["segments"], data.segments.len());
    assert_eq!(summary["memos"], 4);
    assert_eq!(summary["journal_entries"], 1);
    assert_eq!(summary["matrix_cells"], 3);
    assert_eq!(summary["cases"], 4, "the existing keys are still there");
}

// ---------------------------------------------------------------- REFI-QDA and merging

#[test]
fn qdpx_export_import_summary_and_merge() {
    let demo = tmp("refi-demo.json");
    assert!(fieldkit(&["demo", "-o", demo.to_str().unwrap()]).status.success());
    let qdpx = tmp("refi-demo.qdpx");
    let out = fieldkit(&["export", "qdpx", demo.to_str().unwrap(), "-o", qdpx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let qdc = tmp("refi-demo.qdc");
    assert!(fieldkit(&["export", "qdc", demo.to_str().unwrap(), "-o", qdc.to_str().unwrap()]).status.success());
    assert!(std::fs::read_to_string(&qdc).unwrap().contains("urn:QDA-XML:codebook:1.0"));

    // summary reads the .qdpx directly.
    let out = fieldkit(&["summary", qdpx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"], 4);

    // import prints its report on stderr and writes a backup.
    let imported = tmp("refi-imported.json");
    let out = fieldkit(&["import", qdpx.to_str().unwrap(), "-o", imported.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("Imported REFI-QDA project (.qdpx)"), "{}", text(&out.stderr));
    assert!(fieldkit(&["summary", imported.to_str().unwrap()]).status.success());

    // merging the study's own .qdpx into it adds nothing; the summary is JSON on stdout.
    let merged = tmp("refi-merged.json");
    let out = fieldkit(&["merge", demo.to_str().unwrap(), qdpx.to_str().unwrap(), "-o", merged.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let added: u64 = summary["kinds"].as_object().unwrap().values().map(|k| k["added"].as_u64().unwrap()).sum();
    assert_eq!(added, 0, "{summary}");
    // and merging a backup with itself too.
    let out = fieldkit(&["merge", demo.to_str().unwrap(), demo.to_str().unwrap(), "-o", merged.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(summary["conflicts"].as_array().unwrap().is_empty());
}

#[test]
fn bad_refi_files_fail_cleanly() {
    let bad = tmp("bad.qdpx");
    std::fs::write(&bad, b"PK\x03\x04 broken").unwrap();
    let out = fieldkit(&["import", bad.to_str().unwrap(), "-o", tmp("never.json").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("zip"), "{}", text(&out.stderr));
    assert!(!tmp("never.json").exists());
    let out = fieldkit(&["merge", bad.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

/// Reads a CSV's header as a statistics user's script would, with Python's standard
/// `csv` module (and pandas as well, where it is installed), and checks each name
/// against the rules of R, SPSS and Stata: ASCII letters, digits and `_`, starting
/// with a letter, at most 64 characters, not a reserved word, and no two the same
/// ignoring case. Prints `columns: N, rows: N` and one `PROBLEM …` line per problem;
/// exits 1 if there is any.
const READ_HEADER_PY: &str = r#"
import csv, re, sys
path = sys.argv[1]
with open(path, newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f))
header = rows[0]
reserved = {'if', 'else', 'repeat', 'while', 'function', 'for', 'next', 'break', 'true', 'false', 'null',
            'inf', 'nan', 'na', 'na_integer_', 'na_real_', 'na_complex_', 'na_character_', 'in',
            'all', 'and', 'by', 'eq', 'ge', 'gt', 'le', 'lt', 'ne', 'not', 'or', 'to', 'with',
            'byte', 'double', 'float', 'int', 'long', 'strl', 'using'}
problems = []
seen = set()
for name in header:
    if not re.fullmatch(r'[A-Za-z][A-Za-z0-9_]{0,63}', name):
        problems.append('not a valid variable name: %r' % name)
    if name.lower() in reserved:
        problems.append('a reserved word: %r' % name)
    if name.lower() in seen:
        problems.append('repeated (ignoring case): %r' % name)
    seen.add(name.lower())
for n, row in enumerate(rows[1:], start=2):
    if len(row) != len(header):
        problems.append('row %d has %d cells for %d columns' % (n, len(row), len(header)))
try:
    import pandas
except ImportError:
    print('pandas: not installed')
else:
    frame = pandas.read_csv(path, dtype=str, keep_default_na=False)
    if list(frame.columns) != header:
        problems.append('pandas renamed columns: %r' % list(frame.columns))
    print('pandas: %d rows' % len(frame))
print('columns: %d, rows: %d' % (len(header), len(rows) - 1))
print('header: ' + ','.join(header))
for p in problems:
    print('PROBLEM ' + p)
sys.exit(1 if problems else 0)
"#;

/// Runs [`READ_HEADER_PY`] on a file; fails (never skips) if Python cannot be run.
fn python_reads(csv_path: &std::path::Path) -> String {
    // `make test` names the Python that has pandas (scripts/setup.sh) and requires it.
    let python = std::env::var("FIELDKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(&python)
        .args(["-c", READ_HEADER_PY])
        .arg(csv_path)
        .output()
        .expect("python3 is needed to read the export as a statistics user would");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "Python found problems in {}:\n{stdout}{}", csv_path.display(), text(&out.stderr));
    if std::env::var_os("FIELDKIT_REQUIRE_PANDAS").is_some() {
        assert!(stdout.contains("pandas: ") && !stdout.contains("pandas: not installed"), "{python} has no pandas");
    }
    stdout
}

/// Reads a CSV with R's `read.csv`, whose `check.names` rewrites any name R would not
/// accept: the names must come through unchanged. Fails (never skips) without R.
fn r_reads(csv_path: &std::path::Path) -> String {
    let script = "f <- commandArgs(trailingOnly = TRUE)[1]; \
        raw <- strsplit(readLines(f, n = 1, encoding = 'UTF-8'), ',')[[1]]; \
        d <- read.csv(f, check.names = TRUE, encoding = 'UTF-8', colClasses = 'character'); \
        if (!identical(names(d), raw)) stop(paste('R renamed columns:', paste(setdiff(names(d), raw), collapse = ' '))); \
        cat('R: ', nrow(d), ' rows, ', ncol(d), ' columns\n', sep = '')";
    let out =
        Command::new("Rscript").args(["-e", script]).arg(csv_path).output().expect(
            "Rscript (Debian's r-base-core, installed by scripts/setup.sh) reads the export as an R user would",
        );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "R refused {}:\n{stdout}{}", csv_path.display(), text(&out.stderr));
    stdout
}

#[test]
fn the_demo_survey_wide_csv_reads_in_python_with_names_r_spss_and_stata_accept() {
    let demo = tmp("reader-demo.json");
    assert!(fieldkit(&["demo", "-o", demo.to_str().unwrap()]).status.success());
    let wide = tmp("reader-demo-wide.csv");
    let out = fieldkit(&["export", "responses-wide-csv", demo.to_str().unwrap(), "-o", wide.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = python_reads(&wide);
    assert!(r_reads(&wide).starts_with("R: "), "R reads every column under its own name");
    assert!(report.contains("rows: 4"), "{report}");
    let header: Vec<String> =
        csv::Reader::from_path(&wide).unwrap().headers().unwrap().iter().map(String::from).collect();
    assert!(header.contains(&"Language_of_service".to_string()), "a case attribute with spaces: {header:?}");
    assert!(header.contains(&"stakeholder_role".to_string()) && header.contains(&"role".to_string()), "{header:?}");

    // A backup made before the rule: the template's question is still called "role",
    // and a case has the attribute "Year established". It loads and exports.
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&demo).unwrap()).unwrap();
    for page in v["surveys"][0]["pages"].as_array_mut().unwrap() {
        for q in page["questions"].as_array_mut().unwrap() {
            if q["name"] == "stakeholder_role" {
                q["name"] = "role".into();
            }
        }
    }
    let extra = v["cases"][0]["attributes"]["extra"].as_array_mut().unwrap();
    extra.push(serde_json::json!({"key": "Year established", "value": "2015"}));
    let old = tmp("reader-old.json");
    std::fs::write(&old, serde_json::to_vec(&v).unwrap()).unwrap();
    let old_wide = tmp("reader-old-wide.csv");
    let out = fieldkit(&["export", "responses-wide-csv", old.to_str().unwrap(), "-o", old_wide.to_str().unwrap()]);
    assert!(out.status.success(), "an old backup still exports: {}", text(&out.stderr));
    let report = python_reads(&old_wide);
    assert!(r_reads(&old_wide).starts_with("R: "));
    assert!(report.contains("rows: 4"), "{report}");
    let mut reader = csv::Reader::from_path(&old_wide).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for name in ["role", "role_2", "Year_established"] {
        assert!(header.contains(&name.to_string()), "{name} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rowan = rows.iter().find(|r| &r[col("participant")] == "Rowan").unwrap();
    assert_eq!((&rowan[col("role")], &rowan[col("role_2")]), ("Manager / founder", "worker"));
}

#[test]
fn an_encrypted_backup_round_trips_and_every_command_reads_it_with_the_passphrase() {
    let plain = tmp("enc-plain.json");
    let sealed = tmp("enc-sealed.json");
    let pass = tmp("enc-pass.txt");
    std::fs::write(&pass, "our team passphrase\n").unwrap();
    assert!(fieldkit(&["demo", "-o", plain.to_str().unwrap()]).status.success());
    let out = fieldkit(&[
        "export",
        "backup-encrypted",
        plain.to_str().unwrap(),
        "-o",
        sealed.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let envelope: serde_json::Value = serde_json::from_slice(&std::fs::read(&sealed).unwrap()).unwrap();
    assert_eq!(envelope["format"], "fieldkit-encrypted-backup");
    assert_eq!(envelope["kdf"]["iterations"], 600_000);
    let raw = text(&std::fs::read(&sealed).unwrap());
    assert!(!raw.contains("Tŷ") && !raw.contains("interview"), "nothing readable in the file");

    // Summary and a normalised export read it with the passphrase, and match the plain file.
    let from_plain = fieldkit(&["summary", plain.to_str().unwrap()]);
    let from_sealed = fieldkit(&["summary", sealed.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()]);
    assert!(from_sealed.status.success(), "{}", text(&from_sealed.stderr));
    assert_eq!(from_sealed.stdout, from_plain.stdout);
    let json_plain = fieldkit(&["export", "json", plain.to_str().unwrap(), "-o", "-"]);
    let json_sealed =
        fieldkit(&["export", "json", sealed.to_str().unwrap(), "-o", "-", "--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(json_sealed.stdout, json_plain.stdout);
    let merged = fieldkit(&[
        "merge",
        plain.to_str().unwrap(),
        sealed.to_str().unwrap(),
        "-o",
        tmp("enc-merged.json").to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    assert!(merged.status.success(), "{}", text(&merged.stderr));

    // A wrong passphrase and a changed byte: exit 1, one line, nothing written.
    let wrong = tmp("enc-wrong.txt");
    std::fs::write(&wrong, "not our passphrase").unwrap();
    let out = fieldkit(&["summary", sealed.to_str().unwrap(), "--passphrase-file", wrong.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let message = text(&out.stderr);
    assert!(message.contains("passphrase is wrong"), "{message}");
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(out.stdout.is_empty());
    let mut tampered = envelope.clone();
    let ct = tampered["ciphertext"].as_str().unwrap().to_string();
    let flipped = if ct.as_bytes()[10] == b'A' { "B" } else { "A" };
    tampered["ciphertext"] = serde_json::Value::String(format!("{}{flipped}{}", &ct[..10], &ct[11..]));
    let tampered_path = tmp("enc-tampered.json");
    std::fs::write(&tampered_path, serde_json::to_vec(&tampered).unwrap()).unwrap();
    let out = fieldkit(&["summary", tampered_path.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("changed or damaged"));
    // Cut short.
    std::fs::write(&tampered_path, &raw.as_bytes()[..raw.len() / 2]).unwrap();
    let out = fieldkit(&["summary", tampered_path.to_str().unwrap(), "--passphrase-file", pass.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!text(&out.stderr).contains("panicked"));
    // Writing one needs the passphrase file.
    let out = fieldkit(&["export", "backup-encrypted", plain.to_str().unwrap(), "-o", "-"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn agreement_and_cooccurrence_csvs_read_as_numbers_and_match_the_segments() {
    let file = tmp("demo-agreement.json");
    assert!(fieldkit(&["demo", "-o", file.to_str().unwrap()]).status.success());
    let f = file.to_str().unwrap();
    let out = tmp("agreement.csv");
    let run = fieldkit(&["export", "agreement-csv", f, "-o", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(python_reads(&out).contains("pandas: "));
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for column in ["code_path", "source_id", "coder_a", "coder_b", "chars_total", "chars_a", "chars_b", "chars_both"]
        .iter()
        .chain(&["agreement_pct", "kappa", "alpha"])
    {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert!(rows.len() >= 4, "rows: {}", rows.len());
    // Every source id is one the segments CSV uses; every code has one overall row.
    let segments = tmp("agreement-segments.csv");
    assert!(fieldkit(&["export", "segments-csv", f, "-o", segments.to_str().unwrap()]).status.success());
    let segment_sources = std::fs::read_to_string(&segments).unwrap();
    let mut overall = std::collections::BTreeMap::<String, usize>::new();
    for row in &rows {
        assert_eq!((&row[col("coder_a")], &row[col("coder_b")]), ("Researcher A", "Researcher B"));
        if row[col("source_id")].is_empty() {
            *overall.entry(row[col("code_path")].to_string()).or_default() += 1;
        } else {
            assert!(segment_sources.contains(&row[col("source_id")]), "{:?}", row);
        }
        for number in ["agreement_pct", "kappa"] {
            let value: f64 = row[col(number)].parse().unwrap_or_else(|_| panic!("{number}: {:?}", row));
            assert!((-1.0..=100.0).contains(&value));
        }
        let (a, b, both): (usize, usize, usize) = (
            row[col("chars_a")].parse().unwrap(),
            row[col("chars_b")].parse().unwrap(),
            row[col("chars_both")].parse().unwrap(),
        );
        assert!(both <= a.min(b));
    }
    assert!(overall.values().all(|n| *n == 1), "{overall:?}");
    // The demo's second coder agrees fully on one passage at least.
    assert!(rows.iter().any(|r| &r[col("kappa")] == "1.0000" && r[col("chars_both")] != *"0"));

    let refused = fieldkit(&["export", "agreement-csv", f, "-o", "-", "--coders", "Researcher A"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("at least two coders"), "{}", text(&refused.stderr));
    let unknown = fieldkit(&["export", "agreement-csv", f, "-o", "-", "--coders", "Researcher A,Nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("Nobody"));

    let co = tmp("cooccurrence.csv");
    let run = fieldkit(&["export", "cooccurrence-csv", f, "-o", co.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    python_reads(&co);
    let near = fieldkit(&["export", "cooccurrence-csv", f, "-o", "-", "--within", "500"]);
    assert!(near.status.success());
    let count = |bytes: &[u8]| -> usize {
        csv::Reader::from_reader(bytes).records().map(|r| r.unwrap()[4].parse::<usize>().unwrap()).sum()
    };
    let overlapping = count(&std::fs::read(&co).unwrap());
    assert!(overlapping > 0);
    assert!(count(&near.stdout) >= overlapping, "passages within 500 characters include the overlapping ones");
    let bad = fieldkit(&["export", "cooccurrence-csv", f, "-o", "-", "--within", "near"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn text_prints_what_a_word_document_holds_and_reports_what_it_left_out() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../interop/tests/fixtures");
    let run = fieldkit(&["text", fixtures.join("interview.docx").to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = text(&run.stdout);
    assert!(out.starts_with("Interview at Cwm Tŷ, 3 March\nInterviewer: Sut mae'r gwasanaeth yn mynd? 🌿\n"), "{out}");
    assert!(!out.contains("nobody else"));
    assert!(text(&run.stderr).contains("tracked changes"), "{}", text(&run.stderr));
    let odt = fieldkit(&["text", fixtures.join("interview.odt").to_str().unwrap()]);
    assert!(text(&odt.stdout).contains("Hazel: قالت إن الدعم مهم"));
    let protected = fieldkit(&["text", fixtures.join("protected.docx").to_str().unwrap()]);
    assert_eq!(protected.status.code(), Some(1));
    assert!(text(&protected.stderr).contains("protected with a password"));
    assert_eq!(text(&protected.stderr).lines().count(), 1, "one line: {}", text(&protected.stderr));
    let damaged = fieldkit(&["text", fixtures.join("damaged.docx").to_str().unwrap()]);
    assert_eq!(damaged.status.code(), Some(1));
    assert_eq!(fieldkit(&["text"]).status.code(), Some(2));
}

/// Reads a .docx with python-docx (scripts/setup.sh installs it beside pandas) and
/// prints its paragraphs, then every table cell, one per line.
const READ_DOCX_PY: &str = r#"
import sys
import docx
d = docx.Document(sys.argv[1])
print('STYLES ' + ','.join(sorted({p.style.name for p in d.paragraphs})))
for p in d.paragraphs:
    print(p.text)
for t in d.tables:
    for row in t.rows:
        for cell in row.cells:
            print(cell.text)
"#;

#[test]
fn the_study_report_as_html_and_docx_holds_the_same_quotes_by_pseudonym_and_no_real_name() {
    let file = tmp("demo-report.json");
    assert!(fieldkit(&["demo", "-o", file.to_str().unwrap()]).status.success());
    let f = file.to_str().unwrap();
    let html = fieldkit(&["export", "report-html", f, "-o", "-"]);
    assert!(html.status.success(), "{}", text(&html.stderr));
    let html = text(&html.stdout);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("@media print"));
    let out = tmp("report.docx");
    let run = fieldkit(&["export", "report-docx", f, "-o", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let python = std::env::var("FIELDKIT_PYTHON").unwrap_or_else(|_| "python3".into());
    let read = Command::new(&python).args(["-c", READ_DOCX_PY]).arg(&out).output().expect("python to read the .docx");
    assert!(read.status.success(), "python-docx refused the report: {}", text(&read.stderr));
    let docx = text(&read.stdout);
    assert!(
        docx.contains("Heading 1") && docx.contains("Title") && docx.contains("Quote"),
        "{}",
        docx.lines().next().unwrap()
    );

    let backup: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let study = &backup;
    assert!(docx.contains(study["study"]["title"].as_str().unwrap()));
    // The demo's ticked quotes, with their pseudonyms, are in both.
    let segments = study["segments"].as_array().unwrap();
    let mut quoted = 0;
    for cell in study["matrix_cells"].as_array().unwrap() {
        for id in cell["segments"].as_array().unwrap() {
            let words = segments.iter().find(|s| s["id"] == *id).unwrap()["text"].as_str().unwrap().trim();
            assert!(docx.contains(&format!("“{words}”")), "{words} in the .docx");
            assert!(html.contains(&format!("“{}”", words.replace('\'', "&#39;"))), "{words} in the page");
            quoted += 1;
        }
        assert!(docx.contains(cell["synopsis"].as_str().unwrap()));
    }
    assert!(quoted > 0);
    for p in study["participants"].as_array().unwrap() {
        let name = p["pseudonym"].as_str().unwrap();
        if docx.contains(&format!("— {name},")) {
            assert!(html.contains(&format!("— {name},")));
        }
    }
}
