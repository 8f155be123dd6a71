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
    let turns: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[col("kind")] == "focus_group" && !r[col("speaker")].is_empty()).collect();
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
