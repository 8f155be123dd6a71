//! The JSON backup: lossless round trips, and clear refusals of bad files.

use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::exchange::backup::*;
use fieldkit_core::study::*;
use fieldkit_core::summary::Summary;
use fieldkit_core::*;

const NOW: Timestamp = Timestamp::from_millis(1_795_449_405_000);

/// A study with every field filled in, including identifying details and awkward text.
fn rich_study() -> StudyData {
    let mut s = demo_study(DemoSize::Small);
    let p = s.participants[0].id;
    s.edit_participant(p, ParticipantEdit::RealName("Jane Example".into()), NOW).unwrap();
    s.edit_participant(p, ParticipantEdit::Contact("jane@example.org".into()), NOW).unwrap();
    s.edit_participant(p, ParticipantEdit::Notes("Prefers mornings ☀️ — “quotes” & <tags>".into()), NOW).unwrap();
    let c = s.cases[3].id;
    s.edit_case(c, CaseEdit::AddAttribute { key: "לשון".into(), value: "עברית (RTL)".into() }, NOW).unwrap();
    s.edit_case(c, CaseEdit::Description("e\u{301} combining, Welsh ŵ ŷ, emoji 👩🏽‍⚕️".into()), NOW).unwrap();
    s
}

#[test]
fn a_rich_study_round_trips_losslessly_with_identifying_details() {
    let s = rich_study();
    let json = Backup::of(&s, true, NOW).to_json();
    let back = Backup::parse(json.as_bytes()).unwrap();
    assert!(back.includes_identifying_details);
    assert_eq!(back.exported_at, NOW);
    assert_eq!(back.into_study(), s);
}

#[test]
fn identifying_details_are_left_out_by_default() {
    let s = rich_study();
    let json = Backup::of(&s, false, NOW).to_json();
    assert!(!json.contains("Jane Example"));
    assert!(!json.contains("jane@example.org"));
    assert!(!json.contains("\"identities\""));
    let back = Backup::parse(json.as_bytes()).unwrap().into_study();
    assert!(back.identities.is_empty());
    assert_eq!(back.participants, s.participants, "everything else is kept");
}

#[test]
fn the_backup_names_its_format_and_version() {
    let json = Backup::of(&rich_study(), false, NOW).to_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format"], "fieldkit-backup");
    assert_eq!(v["version"], 4);
    assert_eq!(v["exported_at"], "2026-11-23T15:56:45.000Z");
    assert_eq!(v["cases"][0]["attributes"]["setting"], "rural");
    assert_eq!(v["participants"][0]["consent"]["date"], "2017-01-09");
}

#[test]
fn export_is_stable() {
    let s = rich_study();
    assert_eq!(Backup::of(&s, true, NOW).to_json(), Backup::of(&s, true, NOW).to_json());
}

#[test]
fn bad_files_get_clear_messages() {
    assert_eq!(Backup::parse(b""), Err(BackupError::Empty));
    assert_eq!(Backup::parse(b"  \n"), Err(BackupError::Empty));
    assert!(matches!(Backup::parse(b"{\"format\": "), Err(BackupError::NotJson { line: 1, .. })));
    assert!(matches!(Backup::parse(&[0xff, 0xfe, 0x00, 0x12]), Err(BackupError::NotJson { .. })));
    assert_eq!(Backup::parse(b"[1,2,3]"), Err(BackupError::NotABackup));
    assert_eq!(Backup::parse(b"{\"title\": \"x\"}"), Err(BackupError::NotABackup));
    assert_eq!(Backup::parse(b"{\"format\": \"fieldkit-backup\"}"), Err(BackupError::NotABackup));
    let newer = b"{\"format\": \"fieldkit-backup\", \"version\": 7}";
    let err = Backup::parse(newer).unwrap_err();
    assert_eq!(err, BackupError::NewerVersion { found: 7, supported: 4 });
    assert!(err.to_string().contains("newer version of fieldkit"));
    let missing_study =
        b"{\"format\": \"fieldkit-backup\", \"version\": 1, \"exported_at\": \"2026-11-23T15:56:45.000Z\"}";
    assert!(matches!(Backup::parse(missing_study), Err(BackupError::BadContent(m)) if m.contains("study")));
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let json = Backup::of(&rich_study(), false, NOW).to_json();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(json.as_bytes());
    assert!(Backup::parse(&bytes).is_ok());
}

#[test]
fn an_inconsistent_backup_is_refused_whole() {
    let s = rich_study();
    let mut v: serde_json::Value = serde_json::from_str(&Backup::of(&s, false, NOW).to_json()).unwrap();
    v["participants"][1]["pseudonym"] = v["participants"][0]["pseudonym"].clone();
    v["participants"][2]["case_id"] = serde_json::json!("00000000-0000-4000-8000-000000000000");
    let err = Backup::parse(v.to_string().as_bytes()).unwrap_err();
    let BackupError::Invalid(problems) = &err else { panic!("expected Invalid, got {err:?}") };
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(err.to_string().starts_with("The backup is inconsistent, so nothing was imported."));
}

#[test]
fn hostile_text_survives_as_text() {
    let mut s = rich_study();
    let p = s.participants[1].id;
    let hostile = "=HYPERLINK(\"http://x\") <script>alert(1)</script> \u{202E}reversed \u{0000} nul";
    s.edit_participant(p, ParticipantEdit::Notes(hostile.into()), NOW).unwrap();
    let back = Backup::parse(Backup::of(&s, false, NOW).to_json().as_bytes()).unwrap().into_study();
    assert_eq!(back.participant(p).unwrap().notes, hostile);
}

#[test]
fn the_demo_studies_are_valid_and_deterministic() {
    let small = demo_study(DemoSize::Small);
    assert!(small.validate().is_empty(), "{:?}", small.validate());
    assert_eq!(small, demo_study(DemoSize::Small), "same ids every time");
    let s = Summary::of(&small);
    assert_eq!((s.cases, s.participants, s.research_questions), (4, 10, 4));
    assert_eq!(s.withdrawn, 1);
    assert_eq!(s.interviewable, 8);
    let countries: Vec<&str> = small.cases.iter().map(|c| c.attributes.country.as_str()).collect();
    assert_eq!(countries, ["England", "England", "Scotland", "Wales"]);
    assert_eq!((s.protocols, s.interviews, s.focus_groups), (1, 3, 1));
    assert_eq!((s.documents, s.field_notes, s.accounts, s.accounts_agreed), (1, 1, 1, 1));
    assert_eq!((s.surveys, s.responses, s.responses_complete), (1, 4, 3));
    let languages: Vec<&str> = small.responses.iter().map(|r| r.language.as_str()).collect();
    assert_eq!(languages, ["en", "cy", "en", "en"]);
    assert_eq!(small.responses.iter().filter(|r| r.participant_id.is_none()).count(), 1, "one anonymous respondent");
    let account = &small.accounts[0];
    assert_eq!(account.versions.len(), 2, "the demo account was amended once");
    let reference = demo_study(DemoSize::Reference);
    assert!(reference.validate().is_empty(), "{:?}", reference.validate().iter().take(3).collect::<Vec<_>>());
    assert_eq!((reference.cases.len(), reference.participants.len()), (40, 1000));
}

#[test]
fn a_version_1_backup_still_imports() {
    let s = rich_study();
    let mut v: serde_json::Value = serde_json::from_str(&Backup::of(&s, false, NOW).to_json()).unwrap();
    v["version"] = 1.into();
    for field in ["protocols", "interviews", "documents", "accounts", "codes", "segments", "memos", "matrix_cells"] {
        v.as_object_mut().unwrap().remove(field);
    }
    let back = Backup::parse(v.to_string().as_bytes()).unwrap().into_study();
    assert_eq!(back.cases, s.cases);
    assert!(back.interviews.is_empty());
}
