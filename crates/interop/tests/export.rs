//! REFI-QDA export: schema validation with xmllint, stable GUIDs, file layout.

use std::path::PathBuf;
use std::process::Command;

use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_interop::archive::read_zip;
use fieldkit_interop::{export_qdc, export_qdpx, project_files};

fn schema(name: &str) -> Option<PathBuf> {
    // A copy of the standard's schemas (REFI-QDA 1.5, unchanged) lives beside the tests.
    Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas").join(name)).filter(|p| p.exists())
}

/// Validates an XML document against a schema with xmllint; None when xmllint or
/// the schema is missing (the test then says so and passes).
fn xmllint(xml: &str, xsd: &str) -> Option<Result<(), String>> {
    let Some(schema) = schema(xsd) else {
        eprintln!("SKIPPED schema check: {xsd} not found");
        return None;
    };
    if Command::new("xmllint").arg("--version").output().is_err() {
        eprintln!("SKIPPED schema check: xmllint is not installed");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("fieldkit-interop-{}-{xsd}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let file = dir.join("doc.xml");
    std::fs::write(&file, xml).ok()?;
    let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(&file).output().ok()?;
    let _ = std::fs::remove_dir_all(&dir);
    Some(if out.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&out.stderr).into_owned()) })
}

#[test]
fn project_validates_against_the_schema() {
    let data = demo_study(DemoSize::Small);
    let files = project_files(&data);
    if let Some(result) = xmllint(&files.qde, "Project.xsd") {
        result.unwrap();
    }
}

#[test]
fn codebook_validates_against_the_schema() {
    let data = demo_study(DemoSize::Small);
    let qdc = export_qdc(&data).unwrap();
    if let Some(result) = xmllint(&qdc, "Codebook.xsd") {
        result.unwrap();
    }
}

/// The TextSources a study exports: one per interview or focus group (its notes and
/// turns as one text), one per other codable text.
fn text_source_guids(data: &fieldkit_core::StudyData) -> Vec<uuid::Uuid> {
    use fieldkit_core::coding::sources::SourceRef;
    let mut guids = Vec::new();
    for s in data.sources() {
        let guid = match s.source {
            SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => interview,
            _ => s.uuid,
        };
        if !guids.contains(&guid) {
            guids.push(guid);
        }
    }
    guids
}

#[test]
fn a_focus_group_is_one_text_source_with_each_turn_said_by_its_speaker() {
    use fieldkit_core::fieldwork::InterviewKind;
    let data = demo_study(DemoSize::Small);
    let group = data.interviews.iter().find(|i| i.kind == InterviewKind::FocusGroup).unwrap();
    let files = project_files(&data);
    let composed = data.compose_interview(group.id).unwrap();
    let file = files.sources.iter().find(|(n, _)| n == &format!("sources/{}.txt", group.id)).unwrap();
    assert_eq!(std::str::from_utf8(&file.1).unwrap(), composed.text, "the whole focus group in protocol order");
    assert!(files.qde.contains(&format!("<TextSource guid=\"{}\" name=\"{}\"", group.id, data.interview_title(group))));
    assert!(files.qde.contains("<Description>Said by Ceri</Description>"));
    // Every segment on its turns sits on the same words in the whole text.
    for seg in data.segments.iter().filter(|s| s.source.interview() == Some(group.id)) {
        let at = composed.offset_of(&seg.source).unwrap();
        let words: String = composed.text.chars().skip(at + seg.start).take(seg.end - seg.start).collect();
        assert_eq!(words, seg.text);
        assert!(files.qde.contains(&format!("startPosition=\"{}\" endPosition=\"{}\"", at + seg.start, at + seg.end)));
    }
}

#[test]
fn the_same_study_exports_the_same_bytes_and_guids() {
    let data = demo_study(DemoSize::Small);
    let a = export_qdpx(&data).unwrap();
    let b = export_qdpx(&data).unwrap();
    assert_eq!(a, b, "exporting twice gives the same archive");
    // An interview's GUID is the interview's id; any other source's is its SourceRef's
    // stable UUID; a code's is its id.
    let qde = project_files(&data).qde;
    for guid in text_source_guids(&data) {
        assert!(qde.contains(&format!("<TextSource guid=\"{guid}\"")), "source {guid} has its stable GUID");
    }
    for c in &data.codes {
        assert!(qde.contains(&format!("guid=\"{}\"", c.id)));
    }
}

#[test]
fn archive_holds_project_and_flat_utf8_sources() {
    let mut data = demo_study(DemoSize::Small);
    // A document with Windows line endings and a byte-order mark is written cleanly.
    let doc = data.documents.iter_mut().next().unwrap();
    doc.text = "\u{feff}Line one\r\nLine two\r\n".into();
    let files = read_zip(&export_qdpx(&data).unwrap()).unwrap();
    let names: Vec<&str> = files.entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[0], "project.qde");
    let sources: Vec<&(String, Vec<u8>)> = files.entries.iter().filter(|(n, _)| n.starts_with("sources/")).collect();
    assert_eq!(sources.len(), text_source_guids(&data).len(), "one file per interview and per other source");
    for (name, bytes) in &sources {
        assert!(name.ends_with(".txt") && name.matches('/').count() == 1, "{name} is flat");
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(!text.starts_with('\u{feff}') && !text.contains('\r'), "{name}: no BOM, \\n line endings");
    }
    assert!(sources.iter().any(|(_, b)| b == b"Line one\nLine two\n"));
    let qde = std::str::from_utf8(&files.entries[0].1).unwrap();
    for (name, _) in &sources {
        let file = name.trim_start_matches("sources/");
        assert!(qde.contains(&format!("plainTextPath=\"internal://{file}\"")));
    }
}

#[test]
fn reference_study_validates_too() {
    let data = demo_study(DemoSize::Reference);
    let qde = project_files(&data).qde;
    if let Some(result) = xmllint(&qde, "Project.xsd") {
        result.unwrap();
    }
}
