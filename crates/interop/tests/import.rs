//! REFI-QDA import: the round trip, each quirk of real files, errors that stop an
//! import, and hostile archives.

use std::collections::HashMap;

use fieldkit_core::coding::sources::*;
use fieldkit_core::coding::*;
use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::exchange::backup::*;
use fieldkit_core::offsets::slice_code_points;
use fieldkit_core::study::*;
use fieldkit_core::*;
use fieldkit_interop::archive::{Limits, read_zip_within, write_zip};
use fieldkit_interop::{
    InteropError, PositionUnit, export_qdc, export_qdpx, import_file, import_qdc, import_qdpx, project_files,
};
use uuid::Uuid;

const NOW: Timestamp = Timestamp::from_millis(1_800_000_000_000);

fn zip(files: &[(&str, &[u8])]) -> Vec<u8> {
    let entries: Vec<(String, Vec<u8>)> = files.iter().map(|(n, b)| (n.to_string(), b.to_vec())).collect();
    write_zip(&entries).unwrap()
}

const CODE_A: &str = "11111111-1111-4111-8111-111111111111";
const CODE_B: &str = "22222222-2222-4222-8222-222222222222";
const SOURCE: &str = "33333333-3333-4333-8333-333333333333";
const SEL: &str = "44444444-4444-4444-8444-444444444444";
const USER: &str = "55555555-5555-4555-8555-555555555555";
const NOTE: &str = "66666666-6666-4666-8666-666666666666";
const CASE: &str = "77777777-7777-4777-8777-777777777777";
const VAR: &str = "88888888-8888-4888-8888-888888888888";

/// A small project: one folder code (not codable) with one code, one text source
/// with one coded selection at `start..end`, a case with a variable, a note.
fn project(namespace: &str, path: &str, start: usize, end: usize) -> String {
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{namespace}" name="Hand-made">
  <Users><User guid="{USER}" name="Ana"/></Users>
  <CodeBook><Codes>
    <Code guid="{CODE_A}" name="Folder" isCodable="false">
      <Code guid="{CODE_B}" name="Trust" isCodable="true" color="#c00"><NoteRef targetGUID="{NOTE}"/></Code>
    </Code>
  </Codes></CodeBook>
  <Variables><Variable guid="{VAR}" name="Region" typeOfVariable="Text"/></Variables>
  <Cases><Case guid="{CASE}" name="North"><VariableValue><VariableRef targetGUID="{VAR}"/><TextValue>Highlands</TextValue></VariableValue><SourceRef targetGUID="{SOURCE}"/></Case></Cases>
  <Sources>
    <TextSource guid="{SOURCE}" name="Interview 1" plainTextPath="internal://{path}">
      <PlainTextSelection guid="{SEL}" startPosition="{start}" endPosition="{end}" creatingUser="{USER}">
        <Coding guid="99999999-9999-4999-8999-999999999999" creatingUser="{USER}"><CodeRef targetGUID="{CODE_B}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
  <Notes><Note guid="{NOTE}" name="On trust"><PlainTextContent>Trust comes up everywhere.</PlainTextContent></Note></Notes>
</Project>"##
    )
}

fn only_segment(data: &StudyData) -> (&Segment, &str) {
    assert_eq!(data.segments.len(), 1);
    let s = &data.segments[0];
    let text = data.source_text(&s.source).unwrap();
    (s, slice_code_points(text, s.start, s.end).unwrap())
}

// ---------------------------------------------------------------- round trip

#[test]
fn round_trip_keeps_codes_codings_cases_variables_and_memos() {
    let data = demo_study(DemoSize::Small);
    assert!(!data.segments.is_empty() && !data.memos.is_empty());
    let imported = import_qdpx(&export_qdpx(&data).unwrap(), NOW).unwrap();
    let back = &imported.data;
    assert!(back.validate().is_empty());

    assert_eq!(back.codes.len(), data.codes.len());
    for c in &data.codes {
        let b = back.code(c.id).expect("code kept with its id");
        assert_eq!((&b.name, b.parent, &b.colour), (&c.name, c.parent, &c.colour));
        assert_eq!(
            (&b.definition, &b.inclusion, &b.exclusion, &b.example),
            (&c.definition, &c.inclusion, &c.exclusion, &c.example)
        );
    }

    // Interviews travel as one text each (GUID: the interview's id); their notes and
    // turns sit in it at an offset.
    let exported = |source: &SourceRef| -> (uuid::Uuid, usize) {
        match source {
            SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => {
                let c = data.compose_interview(*interview).unwrap();
                (*interview, c.offset_of(source).unwrap())
            }
            other => (other.uuid(), 0),
        }
    };
    let placed: Vec<&Segment> = data.segments.iter().filter(|s| s.anchor != Anchor::Lost).collect();
    assert_eq!(back.segments.len(), placed.len());
    for s in placed {
        let b = back.segment(s.id).expect("segment kept with its id");
        let original = slice_code_points(data.source_text(&s.source).unwrap(), s.start, s.end).unwrap();
        let now = slice_code_points(back.source_text(&b.source).unwrap(), b.start, b.end).unwrap();
        assert_eq!(now, original, "same text");
        let (document, at) = exported(&s.source);
        assert_eq!((b.start, b.end), (s.start + at, s.end + at), "same place");
        assert_eq!(b.source, SourceRef::Document { document }, "on the exported source");
        assert_eq!(b.codings, s.codings, "same codes, coders and times");
    }

    // Site cases come back; survey respondents are not turned into cases.
    assert_eq!(back.cases.len(), data.cases.len());
    for c in &data.cases {
        let b = back.case(c.id).expect("case kept with its id");
        assert_eq!((&b.name, &b.description, &b.attributes), (&c.name, &c.description, &c.attributes));
    }
    // Every exported text is a document of its case: a whole interview, or a source.
    for s in data.sources() {
        let (document, _) = exported(&s.source);
        let d = back.document(document).expect("source imported as a document");
        match s.source.interview().filter(|_| !matches!(s.source, SourceRef::Transcript { .. })) {
            Some(i) => assert_eq!(d.text, data.compose_interview(i).unwrap().text),
            None => assert_eq!(d.text, s.text),
        }
        assert_eq!(Some(d.case_id), s.case_id);
    }

    assert_eq!(back.memos.len(), data.memos.len());
    for m in &data.memos {
        let b = back.memo(m.id).expect("memo kept with its id");
        assert_eq!((&b.text, &b.author, b.created, b.modified), (&m.text, &m.author, m.created, m.modified));
        let expected = match &m.target {
            MemoTarget::Source(s) => MemoTarget::Source(SourceRef::Document { document: exported(s).0 }),
            other => other.clone(),
        };
        assert_eq!(b.target, expected);
    }
    assert!(imported.report.position_units.keys().all(|u| *u == PositionUnit::CodePoints));
    // Exporting the imported study again keeps the codes' and selections' GUIDs.
    let again = project_files(back).qde;
    for s in &back.segments {
        assert!(again.contains(&s.id.to_string()));
    }
}

#[test]
fn codebook_round_trip() {
    let data = demo_study(DemoSize::Small);
    let imported = import_qdc(export_qdc(&data).unwrap().as_bytes(), NOW).unwrap();
    assert_eq!(imported.data.codes.len(), data.codes.len());
    for c in &data.codes {
        let b = imported.data.code(c.id).unwrap();
        assert_eq!(
            (&b.name, b.parent, &b.colour, &b.definition, &b.example),
            (&c.name, c.parent, &c.colour, &c.definition, &c.example)
        );
    }
    // The codebook goes into an existing study with the core's codebook import.
    let mut other = StudyData::new("Another study", NOW).unwrap();
    other.import_codebook(&imported.data, NOW).unwrap();
    assert_eq!(other.codes.len(), data.codes.len());
}

// ---------------------------------------------------------------- quirks

#[test]
fn standard_file_imports() {
    let text = "We trust the carers completely.";
    let file = zip(&[
        ("project.qde", project("urn:QDA-XML:project:1.0", "a.txt", 3, 8).as_bytes()),
        ("sources/a.txt", text.as_bytes()),
    ]);
    let imported = import_qdpx(&file, NOW).unwrap();
    let d = &imported.data;
    let (seg, words) = only_segment(d);
    assert_eq!(words, "trust");
    assert_eq!(seg.codings[0].coder, "Ana");
    assert_eq!(d.codes.len(), 2);
    let trust = d.codes.iter().find(|c| c.name == "Trust").unwrap();
    assert_eq!(trust.colour, "#cc0000", "#rgb colours are expanded");
    assert_eq!(d.memos[0].target, MemoTarget::Code(trust.id));
    let case = d.cases.iter().find(|c| c.name == "North").unwrap();
    assert_eq!(case.attributes.value("Region").as_deref(), Some("Highlands"));
    assert_eq!(d.documents[0].case_id, case.id);
    let report = imported.report.to_string();
    assert!(report.contains("not codable"), "{report}");
    assert!(!report.contains("namespace"), "{report}");
}

#[test]
fn other_project_name_capital_sources_bom_and_crlf() {
    let text = "\u{feff}First line\r\nWe trust the carers.\r\n";
    // Positions counted on the text as stored (after the mark): "trust" at 15..20.
    let file = zip(&[
        ("My Project.qde", project("urn:QDA-XML:project:1.0", "b.txt", 15, 20).as_bytes()),
        ("Sources/b.txt", text.as_bytes()),
    ]);
    let imported = import_qdpx(&file, NOW).unwrap();
    let (seg, words) = only_segment(&imported.data);
    assert_eq!(words, "trust");
    assert_eq!(imported.data.source_text(&seg.source).unwrap(), "First line\nWe trust the carers.\n");
    let report = imported.report.to_string();
    for expected in ["My Project.qde", "Sources", "byte-order mark", "line endings"] {
        assert!(report.contains(expected), "report mentions {expected}: {report}");
    }
}

#[test]
fn older_namespace_and_missing_optional_attributes() {
    let qde = format!(
        r#"<Project xmlns="urn:QDA-XML:project:0:4" name="Old">
  <CodeBook><Codes><Code guid="{CODE_B}" name="Trust" isCodable="true"/></Codes></CodeBook>
  <Sources><TextSource guid="{SOURCE}"><PlainTextContent>We trust them.</PlainTextContent>
    <PlainTextSelection guid="{SEL}" startPosition="3" endPosition="8"><Coding guid="{NOTE}"><CodeRef targetGUID="{CODE_B}"/></Coding></PlainTextSelection>
  </TextSource></Sources>
</Project>"#
    );
    let file = zip(&[("project.qde", qde.as_bytes())]);
    let imported = import_qdpx(&file, NOW).unwrap();
    let (seg, words) = only_segment(&imported.data);
    assert_eq!(words, "trust");
    assert_eq!(seg.codings[0].coder, "", "no user given");
    assert!(imported.report.to_string().contains("urn:QDA-XML:project:0:4"));
    // The source had no case and no name: a case is made for it and it gets a name.
    assert_eq!(imported.data.cases.len(), 1);
    assert!(!imported.data.documents[0].title.is_empty());
    assert!(imported.data.codes[0].colour.starts_with('#'));
}

#[test]
fn utf16_positions_are_detected_and_converted() {
    // Emoji take two UTF-16 units: "trust" is at code points 7..12, UTF-16 units 9..14.
    let text = "😀 😀 We trust them.";
    assert_eq!(slice_code_points(text, 7, 12), Some("trust"));
    let file = zip(&[
        ("project.qde", project("urn:QDA-XML:project:1.0", "c.txt", 9, 14).as_bytes()),
        ("sources/c.txt", text.as_bytes()),
    ]);
    let imported = import_qdpx(&file, NOW).unwrap();
    let (seg, words) = only_segment(&imported.data);
    assert_eq!(words, "trust");
    assert_eq!((seg.start, seg.end), (7, 12));
    assert!(imported.report.position_units.contains_key(&PositionUnit::Utf16));
    assert!(imported.report.to_string().contains("UTF-16"));
}

#[test]
fn utf8_byte_positions_are_detected_and_converted() {
    let text = "Café à côté: we trust them.";
    let at = text.find("trust").unwrap();
    let file = zip(&[
        ("project.qde", project("urn:QDA-XML:project:1.0", "d.txt", at, at + 5).as_bytes()),
        ("sources/d.txt", text.as_bytes()),
    ]);
    let imported = import_qdpx(&file, NOW).unwrap();
    let (_, words) = only_segment(&imported.data);
    assert_eq!(words, "trust");
    assert!(imported.report.position_units.contains_key(&PositionUnit::Utf8Bytes));
}

#[test]
fn sources_fieldkit_cannot_hold_are_listed_not_dropped() {
    let qde = format!(
        r#"<Project xmlns="urn:QDA-XML:project:1.0" name="Media">
  <CodeBook><Codes><Code guid="{CODE_B}" name="Trust" isCodable="true"/></Codes></CodeBook>
  <Sources>
    <PDFSource guid="{SOURCE}" name="Report.pdf" path="internal://r.pdf"><PDFSelection guid="{SEL}" page="1" firstX="0" firstY="0" secondX="5" secondY="5"><Coding guid="{NOTE}"><CodeRef targetGUID="{CODE_B}"/></Coding></PDFSelection></PDFSource>
    <PictureSource guid="{CASE}" name="Photo.jpg" path="internal://p.jpg"/>
    <AudioSource guid="{VAR}" name="Tape.mp3" path="internal://t.mp3"/>
    <TextSource guid="{USER}" name="Notes"><PlainTextContent>Some notes.</PlainTextContent></TextSource>
  </Sources>
  <Graphs><Graph guid="{CODE_A}" name="Map"/></Graphs>
</Project>"#
    );
    let imported = import_qdpx(&zip(&[("project.qde", qde.as_bytes())]), NOW).unwrap();
    assert_eq!(imported.data.documents.len(), 1);
    let listed: Vec<(&str, &str)> =
        imported.report.not_imported.iter().map(|n| (n.kind.as_str(), n.name.as_str())).collect();
    for expected in
        [("PDF source", "Report.pdf"), ("picture source", "Photo.jpg"), ("audio source", "Tape.mp3"), ("graph", "Map")]
    {
        assert!(listed.contains(&expected), "{expected:?} listed in {listed:?}");
    }
    assert!(imported.report.to_string().contains("1 coded selection"));
}

#[test]
fn bare_qde_and_backups_are_read_by_content() {
    let qde = project("urn:QDA-XML:project:1.0", "a.txt", 0, 1)
        .replace(r#"plainTextPath="internal://a.txt">"#, r#"><PlainTextContent>We trust them.</PlainTextContent>"#);
    let imported = import_file(qde.as_bytes(), None, NOW).unwrap();
    assert_eq!(only_segment(&imported.data).1, "W");
    let backup = Backup::of(&demo_study(DemoSize::Small), false, NOW).to_json();
    let imported = import_file(backup.as_bytes(), None, NOW).unwrap();
    assert_eq!(imported.data.codes.len(), demo_study(DemoSize::Small).codes.len());
    assert!(matches!(import_file(b"hello", None, NOW), Err(InteropError::UnknownFormat)));
}

// ---------------------------------------------------------------- errors

fn error_of(file: &[u8]) -> String {
    match import_qdpx(file, NOW) {
        Ok(_) => panic!("the import should fail"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_files_end_the_import_with_a_message() {
    let text = b"We trust them.";
    assert!(error_of(b"PK\x03\x04 not really a zip").contains("zip"));
    let broken = project("urn:QDA-XML:project:1.0", "a.txt", 3, 8).replace("</Sources>", "");
    assert!(error_of(&zip(&[("project.qde", broken.as_bytes()), ("sources/a.txt", text)])).contains("not valid XML"));
    let outside = error_of(&zip(&[
        ("project.qde", project("urn:QDA-XML:project:1.0", "a.txt", 3, 80).as_bytes()),
        ("sources/a.txt", text),
    ]));
    assert!(outside.contains(SEL) && outside.contains("does not fall on its text"), "{outside}");
    let missing_code = project("urn:QDA-XML:project:1.0", "a.txt", 3, 8).replace(
        &format!(r#"<CodeRef targetGUID="{CODE_B}"/>"#),
        r#"<CodeRef targetGUID="00000000-0000-4000-8000-000000000001"/>"#,
    );
    let message = error_of(&zip(&[("project.qde", missing_code.as_bytes()), ("sources/a.txt", text)]));
    assert!(message.contains("00000000-0000-4000-8000-000000000001") && message.contains("code"), "{message}");
    let missing_note = project("urn:QDA-XML:project:1.0", "a.txt", 3, 8)
        .replace(&format!(r#"<Note guid="{NOTE}""#), r#"<Note guid="00000000-0000-4000-8000-000000000002""#);
    assert!(error_of(&zip(&[("project.qde", missing_note.as_bytes()), ("sources/a.txt", text)])).contains(NOTE));
    let missing_file = error_of(&zip(&[("project.qde", project("urn:QDA-XML:project:1.0", "a.txt", 3, 8).as_bytes())]));
    assert!(missing_file.contains("a.txt"), "{missing_file}");
    assert!(error_of(&zip(&[("readme.txt", b"no project")])).contains("no project file"));
}

// ---------------------------------------------------------------- hostile archives

#[test]
fn path_traversal_names_are_refused() {
    for name in ["../x", "sources/../../x", "/etc/passwd", "..\\x"] {
        let file = zip(&[("project.qde", project("urn:QDA-XML:project:1.0", "a.txt", 0, 1).as_bytes()), (name, b"x")]);
        let message = error_of(&file);
        assert!(message.contains("unsafe file name"), "{name}: {message}");
    }
}

#[test]
fn zip_bombs_are_refused_by_what_they_unpack_to() {
    let zeros = vec![0u8; 4 * 1024 * 1024];
    let file = zip(&[("project.qde", b"<Project/>"), ("sources/a.txt", &zeros), ("sources/b.txt", &zeros)]);
    assert!(file.len() < 100 * 1024, "it packs small ({} bytes)", file.len());
    let limits = Limits { max_entries: 100, max_unpacked_bytes: 6 * 1024 * 1024 };
    assert!(matches!(read_zip_within(&file, limits), Err(InteropError::TooLarge { .. })));
    let few = Limits { max_entries: 2, max_unpacked_bytes: u64::MAX };
    assert!(matches!(read_zip_within(&file, few), Err(InteropError::TooManyEntries { .. })));
    // The real limit is 200 MB.
    assert_eq!(Limits::default().max_unpacked_bytes, 200 * 1024 * 1024);
}

#[test]
fn deep_nesting_is_refused() {
    let mut codes = String::new();
    for i in 0..1000 {
        codes.push_str(&format!(r#"<Code guid="{}" name="c{i}" isCodable="true">"#, Uuid::from_u128(i + 1)));
    }
    codes.push_str(&"</Code>".repeat(1000));
    let qde = format!(
        r#"<Project xmlns="urn:QDA-XML:project:1.0" name="Deep"><CodeBook><Codes>{codes}</Codes></CodeBook></Project>"#
    );
    let message = error_of(&zip(&[("project.qde", qde.as_bytes())]));
    assert!(message.contains("levels deep"), "{message}");
}

#[test]
fn the_reports_list_is_serialisable() {
    let data = demo_study(DemoSize::Small);
    let imported = import_qdpx(&export_qdpx(&data).unwrap(), NOW).unwrap();
    let json = serde_json::to_value(&imported.report).unwrap();
    let counts: HashMap<String, usize> = serde_json::from_value(json["imported"].clone()).unwrap();
    assert_eq!(counts["codes"], data.codes.len());
}

// ---------------------------------------------------------------- merging a .qdpx

#[test]
fn a_qdpx_of_the_same_study_merges_as_nothing_new() {
    use fieldkit_core::exchange::merge::{merge_with_defaults, plan};
    let data = demo_study(DemoSize::Small);
    let file = export_qdpx(&data).unwrap();
    let imported = fieldkit_interop::import_qdpx_into(&data, &file, NOW).unwrap();
    assert!(imported.data.documents.len() <= data.documents.len(), "the study's own sources are recognised");
    let p = plan(&data, &imported.data);
    let changed: Vec<String> = p
        .items
        .iter()
        .filter(|i| i.status != fieldkit_core::exchange::merge::MergeStatus::Unchanged)
        .map(|i| i.label.clone())
        .collect();
    assert!(changed.is_empty(), "{changed:?}");
    let merged = merge_with_defaults(&data, &imported.data).unwrap();
    assert_eq!(merged.data, data);

    // A memo and a coding added in another program come in; the rest is unchanged.
    let mut other = data.clone();
    let memo = other.memos[0].clone();
    other.memos.push(fieldkit_core::coding::Memo { id: Uuid::new_v4(), text: "From another program".into(), ..memo });
    let imported = fieldkit_interop::import_qdpx_into(&data, &export_qdpx(&other).unwrap(), NOW).unwrap();
    let merged = merge_with_defaults(&data, &imported.data).unwrap();
    assert_eq!(merged.summary.added(), 1, "{:?}", merged.summary);
    assert_eq!(merged.data.memos.len(), data.memos.len() + 1);
}
