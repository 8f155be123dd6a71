//! Transcripts: reading uploaded and pasted text, splitting it into speaker turns,
//! and storing it on an interview.

use fieldkit_core::fieldwork::transcript::{
    MAX_TEXT_BYTES, TextError, TextOrigin, check_pasted_text, normalise_line_endings, parse_turns, read_text_file,
};
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);

const ROWAN: Uuid = Uuid::from_u128(0x1001);
const HAZEL: Uuid = Uuid::from_u128(0x1002);

/// Ids 1, 2, 3… so tests can name the turns they expect.
fn counter() -> impl FnMut() -> Uuid {
    let mut n = 0u128;
    move || {
        n += 1;
        Uuid::from_u128(n)
    }
}

fn names() -> Vec<(Uuid, String)> {
    vec![(ROWAN, "Rowan".to_string()), (HAZEL, "Hazel Ap Rhys".to_string())]
}

fn parse(text: &str) -> Vec<Turn> {
    parse_turns(text, &names(), counter())
}

/// (speaker, text) pairs, easier to compare than whole turns.
fn said(turns: &[Turn]) -> Vec<(Speaker, &str)> {
    turns.iter().map(|t| (t.speaker.clone(), t.text.as_str())).collect()
}

fn other(name: &str) -> Speaker {
    Speaker::Other(name.to_string())
}

// ---------- reading files ----------

#[test]
fn a_utf8_file_is_read_as_is() {
    let text = read_text_file("Rowan: hello\nInterviewer: hi\n".as_bytes(), "t.txt").unwrap();
    assert_eq!(text, "Rowan: hello\nInterviewer: hi\n");
}

#[test]
fn the_byte_order_mark_is_dropped_and_line_endings_become_newlines() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(b"one\r\ntwo\rthree\n\r\nfour");
    assert_eq!(read_text_file(&bytes, "win.txt").unwrap(), "one\ntwo\nthree\n\nfour");
}

#[test]
fn utf16_files_with_a_byte_order_mark_are_decoded() {
    let text = "Siân: ŵy ŷ 👍🏽\r\nمريم: نعم";
    let mut le = vec![0xFF, 0xFE];
    let mut be = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        le.extend_from_slice(&unit.to_le_bytes());
        be.extend_from_slice(&unit.to_be_bytes());
    }
    let expected = "Siân: ŵy ŷ 👍🏽\nمريم: نعم";
    assert_eq!(read_text_file(&le, "notepad.txt").unwrap(), expected);
    assert_eq!(read_text_file(&be, "mac.txt").unwrap(), expected);
    // An odd number of bytes, or an unpaired surrogate, is not UTF-16 text.
    le.push(0x41);
    assert!(matches!(read_text_file(&le, "cut.txt"), Err(TextError::NotText { .. })));
    assert!(matches!(read_text_file(&[0xFF, 0xFE, 0x00, 0xD8, 0x41, 0x00], "s.txt"), Err(TextError::NotText { .. })));
}

#[test]
fn empty_and_blank_files_are_refused_by_name() {
    for bytes in [&b""[..], b"   \n\t\r\n ", &[0xEF, 0xBB, 0xBF]] {
        let err = read_text_file(bytes, "blank.txt").unwrap_err();
        assert_eq!(err, TextError::Empty { origin: TextOrigin::File("blank.txt".into()) });
        assert_eq!(err.to_string(), "The file “blank.txt” is empty.");
    }
}

#[test]
fn binary_files_are_refused_by_name() {
    let word_doc = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00word/document.xml";
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let latin1 = b"caf\xe9 au lait"; // Not UTF-8: refused rather than shown as garbage.
    let with_nul = b"Rowan: hello\x00 there";
    let controls = "a\u{1}b\u{2}c\u{3}d\u{4}e\u{5}".as_bytes(); // Valid UTF-8, but control codes.
    for (bytes, name) in [
        (&word_doc[..], "interview.docx"),
        (&png[..], "photo.png"),
        (&latin1[..], "old.txt"),
        (&with_nul[..], "nul.txt"),
        (controls, "ctl.txt"),
    ] {
        let err = read_text_file(bytes, name).unwrap_err();
        assert_eq!(err, TextError::NotText { name: name.into() }, "{name}");
        let message = err.to_string();
        assert!(message.contains(&format!("“{name}”")), "{message}");
        assert!(message.contains("does not look like a text file"), "{message}");
    }
}

#[test]
fn page_breaks_and_tabs_are_text() {
    let text = "Rowan:\tyes\u{c}\nHazel Ap Rhys: no\u{c}";
    assert_eq!(read_text_file(text.as_bytes(), "word.txt").unwrap(), text);
}

#[test]
fn files_over_two_megabytes_are_refused_with_their_size() {
    let at_limit = "a".repeat(MAX_TEXT_BYTES);
    assert_eq!(read_text_file(at_limit.as_bytes(), "big.txt").unwrap().len(), MAX_TEXT_BYTES);

    let over = "a".repeat(MAX_TEXT_BYTES + 1);
    let err = read_text_file(over.as_bytes(), "huge.txt").unwrap_err();
    assert_eq!(err, TextError::TooLarge { origin: TextOrigin::File("huge.txt".into()), bytes: MAX_TEXT_BYTES + 1 });
    assert_eq!(err.to_string(), "The file “huge.txt” is 2.1 MB; the largest transcript fieldkit accepts is 2 MB.");

    let much_bigger = vec![b'x'; 7 * 1024 * 1024 + 300_000];
    let message = read_text_file(&much_bigger, "audio.txt").unwrap_err().to_string();
    assert!(message.contains("is 7.3 MB") && message.contains("2 MB"), "{message}");
}

#[test]
fn the_text_limit_matches_the_field_limit() {
    // A transcript that was accepted must also be editable as a text field.
    assert_eq!(MAX_TEXT_BYTES, 2 * 1024 * 1024);
    assert_eq!(MAX_TEXT_BYTES, fieldkit_core::fieldwork::interview::MAX_FIELD_BYTES);
}

// ---------- pasted text ----------

#[test]
fn pasted_text_is_normalised_and_must_not_be_empty() {
    assert_eq!(check_pasted_text("\u{feff}a\r\nb\rc").unwrap(), "a\nb\nc");
    for blank in ["", "  ", "\r\n\r\n", "\u{feff}"] {
        let err = check_pasted_text(blank).unwrap_err();
        assert_eq!(err, TextError::Empty { origin: TextOrigin::Pasted });
        assert_eq!(err.to_string(), "The pasted text is empty.");
    }
    let err = check_pasted_text(&"é".repeat(MAX_TEXT_BYTES)).unwrap_err();
    assert_eq!(err.to_string(), "The pasted text is 4.0 MB; the largest transcript fieldkit accepts is 2 MB.");
    // Line endings are counted as stored: a Windows paste just over the limit in \r\n fits in \n.
    let windows = "ab\r\n".repeat(MAX_TEXT_BYTES / 3);
    assert!(windows.len() > MAX_TEXT_BYTES);
    assert!(check_pasted_text(&windows).is_ok());
}

#[test]
fn normalising_line_endings_leaves_other_text_alone() {
    assert_eq!(normalise_line_endings("a\r\n\r\nb\r\rc\n"), "a\n\nb\n\nc\n");
    assert_eq!(normalise_line_endings("no breaks 👍"), "no breaks 👍");
}

// ---------- speaker turns ----------

#[test]
fn named_lines_start_turns_and_other_lines_continue_them() {
    let turns = parse(
        "Interviewer: How did the co-operative start?\n\
         Rowan: A group of us met in the village hall.\n\
         We had no money at first.\n\
         \n\
         Then the council helped.\n\
         hazel ap rhys: That's right.",
    );
    assert_eq!(
        said(&turns),
        vec![
            (Speaker::Interviewer, "How did the co-operative start?"),
            (
                Speaker::Participant(ROWAN),
                "A group of us met in the village hall.\nWe had no money at first.\n\nThen the council helped."
            ),
            (Speaker::Participant(HAZEL), "That's right."),
        ]
    );
    let ids: Vec<Uuid> = turns.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3)]);
}

#[test]
fn pseudonyms_match_ignoring_capitals_and_spacing() {
    let turns = parse("ROWAN: one\n  rowan  : two\nHazel   ap  RHYS: three\n**Rowan:** four\n**Rowan**: five");
    assert!(turns.iter().take(2).all(|t| t.speaker == Speaker::Participant(ROWAN)));
    assert_eq!(turns[2].speaker, Speaker::Participant(HAZEL));
    assert_eq!(said(&turns[3..]), vec![(Speaker::Participant(ROWAN), "four"), (Speaker::Participant(ROWAN), "five")]);
    assert_eq!(turns[1].text, "two");
}

#[test]
fn the_usual_interviewer_labels_are_the_interviewer() {
    for label in ["Interviewer", "INT", "I", "q", "Researcher", "facilitator"] {
        let turns = parse(&format!("{label}: a question"));
        assert_eq!(said(&turns), vec![(Speaker::Interviewer, "a question")], "{label}");
    }
}

#[test]
fn a_pseudonym_wins_over_an_interviewer_label() {
    let turns = parse_turns("Q: who?", &[(ROWAN, "Q".into())], counter());
    assert_eq!(turns[0].speaker, Speaker::Participant(ROWAN));
}

#[test]
fn other_short_names_are_kept_as_other_speakers() {
    let turns = parse(
        "Mum: She likes it here.\n\
         Speaker 2: Me too.\n\
         Dr. Jones : Clinically fine.\n\
         Ann van Dijk: Ja.\n\
         Care Worker (Night): Quiet nights.",
    );
    assert_eq!(
        said(&turns),
        vec![
            (other("Mum"), "She likes it here."),
            (other("Speaker 2"), "Me too."),
            (other("Dr. Jones"), "Clinically fine."),
            (other("Ann van Dijk"), "Ja."),
            (other("Care Worker (Night)"), "Quiet nights."),
        ]
    );
}

#[test]
fn sentences_times_and_links_with_colons_are_not_speakers() {
    let turns = parse(
        "Rowan: We meet at\n\
         10:30 every Tuesday.\n\
         The main thing is this: we own it.\n\
         Well, basically: yes.\n\
         See https://example.org/coop for more.\n\
         https://example.org: the site\n\
         Files are in C:\\coop\\notes\n\
         12: twelve members\n\
         What did you say? Then: nothing\n\
         This is far too long a label to be anybody's name at all: really",
    );
    assert_eq!(turns.len(), 1, "{turns:#?}");
    assert_eq!(turns[0].speaker, Speaker::Participant(ROWAN));
    assert!(turns[0].text.ends_with("This is far too long a label to be anybody's name at all: really"));
    assert_eq!(turns[0].text.lines().count(), 10);
}

#[test]
fn names_are_limited_to_five_words_and_forty_characters() {
    let turns = parse("Rowan: x\nOne Two Three Four Five: five words\nOne Two Three Four Five Six: six words");
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1].speaker, other("One Two Three Four Five"));
    assert!(turns[1].text.ends_with("Six: six words"));

    let forty = format!("A{}", "b".repeat(39));
    let turns = parse(&format!("{forty}: yes\nA{forty}: no"));
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].speaker, other(&forty));
}

#[test]
fn time_stamps_before_or_after_the_name_stay_in_the_text() {
    let turns = parse(
        "[00:01:23] Interviewer: Tell me about the start.\n\
         [00:01:30] Rowan: It was 2015.\n\
         (00:02:10)Hazel Ap Rhys: I joined later.\n\
         00:02:45.5 Rowan: Yes.\n\
         Rowan: [00:03:00] And then\n\
         [00:03:10] we grew.",
    );
    assert_eq!(
        said(&turns),
        vec![
            (Speaker::Interviewer, "[00:01:23] Tell me about the start."),
            (Speaker::Participant(ROWAN), "[00:01:30] It was 2015."),
            (Speaker::Participant(HAZEL), "(00:02:10) I joined later."),
            (Speaker::Participant(ROWAN), "00:02:45.5 Yes."),
            (Speaker::Participant(ROWAN), "[00:03:00] And then\n[00:03:10] we grew."),
        ]
    );
}

#[test]
fn a_time_stamp_line_without_a_speaker_continues_the_turn() {
    let turns = parse("Rowan: first\n[00:05:00]\n00:05:01 and more\nAnn 0:03");
    assert_eq!(said(&turns), vec![(Speaker::Participant(ROWAN), "first\n[00:05:00]\n00:05:01 and more\nAnn 0:03")]);
}

#[test]
fn text_before_the_first_speaker_is_kept_without_a_speaker() {
    let turns = parse("Transcript of interview 4\nRecorded at Hillside\n\nRowan: Hello.");
    assert_eq!(
        said(&turns),
        vec![(other(""), "Transcript of interview 4\nRecorded at Hillside"), (Speaker::Participant(ROWAN), "Hello.")]
    );
    // Blank lines before the first speaker make no turn.
    assert_eq!(said(&parse("\n\n   \nRowan: Hello.")), vec![(Speaker::Participant(ROWAN), "Hello.")]);
}

#[test]
fn turns_with_nothing_said_are_left_out() {
    let turns = parse("Interviewer:\nRowan:   \n\nHazel Ap Rhys:\nYes, I think so.\nRowan: ok");
    assert_eq!(
        said(&turns),
        vec![(Speaker::Participant(HAZEL), "Yes, I think so."), (Speaker::Participant(ROWAN), "ok")]
    );
    assert!(parse("").is_empty());
    assert!(parse("\n\n").is_empty());
}

#[test]
fn windows_line_endings_are_handled_inside_parse_turns_too() {
    let turns = parse("Rowan: a\r\nb\r\nInterviewer: c\r");
    assert_eq!(said(&turns), vec![(Speaker::Participant(ROWAN), "a\nb"), (Speaker::Interviewer, "c")]);
}

#[test]
fn emoji_accents_welsh_and_right_to_left_names_and_text() {
    let decomposed = "Jose\u{301}"; // "José" typed with a combining accent
    let names = vec![
        (ROWAN, "Ŵyn".to_string()),
        (HAZEL, decomposed.to_string()),
        (Uuid::from_u128(0x1003), "مريم".to_string()),
        (Uuid::from_u128(0x1004), "Siân".to_string()),
    ];
    let text = format!(
        "ŵYN: Mae'n dda 👍🏽 — ŷ ŵ\n\
         {decomposed}: Olé 🇪🇸👨‍👩‍👧\n\
         \u{200f}مريم\u{200f}: نعم، هذا صحيح\n\
         SIÂN：Full-width colon.\n\
         أحمد: مرحبا\n\
         👍: thumbs up\n\
         Ñandú Ñ: ok"
    );
    let turns = parse_turns(&text, &names, counter());
    assert_eq!(
        said(&turns),
        vec![
            (Speaker::Participant(ROWAN), "Mae'n dda 👍🏽 — ŷ ŵ"),
            (Speaker::Participant(HAZEL), "Olé 🇪🇸👨‍👩‍👧"),
            (Speaker::Participant(Uuid::from_u128(0x1003)), "نعم، هذا صحيح"),
            (Speaker::Participant(Uuid::from_u128(0x1004)), "Full-width colon."),
            (other("أحمد"), "مرحبا\n👍: thumbs up"),
            (other("Ñandú Ñ"), "ok"),
        ]
    );
}

#[test]
fn odd_inputs_never_panic() {
    let long_line = "x".repeat(100_000);
    let many_colons = ":".repeat(10_000);
    let odd = [
        "",
        ":",
        "::::",
        ": : :",
        "：：",
        "\n:\n:\n",
        "[",
        "[00",
        "[00:",
        "[00:00",
        "[00:00]",
        "[00:00] :",
        "00:00:",
        "(1:2)",
        "0:00:00:00:00:00:00 a: b",
        "*:*",
        "**:**",
        "_: _",
        "\u{200f}:",
        "\u{feff}Rowan: bom",
        "\u{301}: lone combining mark",
        "a\u{301}\u{301}\u{301}: stacked marks",
        "\u{10FFFF}: last code point",
        "\u{0}: nul",
        "\r\r\r",
        "Rowan:",
        "I:",
        "\t:\t",
        "ŵ:ŷ:ŵ:ŷ",
        "👨‍👩‍👧‍👦👨‍👩‍👧‍👦: 👨‍👩‍👧‍👦",
        "https://",
        "//:",
        "1:",
        ":1",
        "9:9",
        "[99:99:99.]",
        "[12:34.5]",
        long_line.as_str(),
        many_colons.as_str(),
    ];
    for text in odd {
        let turns = parse(text);
        for turn in &turns {
            assert!(!turn.text.trim().is_empty(), "{text:?} made an empty turn");
        }
    }
    let with_long_name = format!("{long_line}: {long_line}\nRowan: {many_colons}");
    assert_eq!(parse(&with_long_name).len(), 2);
}

#[test]
fn ten_thousand_lines_parse_in_order() {
    let mut text = String::new();
    for n in 0..10_000 {
        let speaker = match n % 3 {
            0 => "Interviewer",
            1 => "Rowan",
            _ => "Hazel Ap Rhys",
        };
        text.push_str(&format!("{speaker}: line {n}\n"));
    }
    let turns = parse(&text);
    assert_eq!(turns.len(), 10_000);
    assert_eq!(turns[9_999].text, "line 9999");
    assert_eq!(turns[9_997].speaker, Speaker::Participant(ROWAN));
    assert_eq!(turns[9_998].speaker, Speaker::Participant(HAZEL));
    // And one turn of 10,000 lines.
    let one = format!("Rowan: start\n{}", "more\n".repeat(10_000));
    let turns = parse(&one);
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].text.lines().count(), 10_001);
}

// ---------- storing on an interview ----------

struct Fixture {
    data: StudyData,
    interview: Uuid,
    focus_group: Uuid,
    rowan: Uuid,
    hazel: Uuid,
}

fn protocol(study: Uuid) -> Protocol {
    Protocol {
        id: Uuid::new_v4(),
        study_id: study,
        created: T0,
        modified: T0,
        name: "Care co-operatives".into(),
        description: String::new(),
        version: 1,
        sections: vec![Section {
            id: Uuid::new_v4(),
            research_question_id: None,
            title: "Origins".into(),
            question: "How did it start?".into(),
            prompts: Vec::new(),
            guidance: String::new(),
            colour: None,
        }],
        history: Vec::new(),
        template: None,
    }
}

fn interview(data: &StudyData, case: Uuid, protocol: Uuid, people: Vec<Uuid>) -> Interview {
    Interview {
        id: Uuid::new_v4(),
        study_id: data.id(),
        created: T0,
        modified: T0,
        kind: if people.len() == 1 { InterviewKind::Interview } else { InterviewKind::FocusGroup },
        case_id: case,
        participant_ids: people,
        mode: Mode::FaceToFace,
        interviewer: "Sam Jones".into(),
        date: Date::from_ymd(2026, 3, 5),
        protocol_id: protocol,
        protocol_version: 1,
        status: InterviewStatus::InProgress,
        answers: Vec::new(),
        current_section: 0,
        started: Some(T0),
        completed: None,
        corrections: Vec::new(),
        transcript: None,
    }
}

fn fixture() -> Fixture {
    let mut data = StudyData::new("Care co-operatives", T0).unwrap();
    let case = data.add_case("Hillside", T0).unwrap();
    let rowan = data.add_participant("Rowan", Some(case), None, T0).unwrap();
    let hazel = data.add_participant("Hazel", Some(case), None, T0).unwrap();
    let protocol = protocol(data.id());
    let one = interview(&data, case, protocol.id, vec![rowan]);
    let group = interview(&data, case, protocol.id, vec![rowan, hazel]);
    let (interview, focus_group) = (one.id, group.id);
    data.protocols.push(protocol);
    data.interviews.push(one);
    data.interviews.push(group);
    Fixture { data, interview, focus_group, rowan, hazel }
}

fn stored(data: &StudyData, id: Uuid) -> &Interview {
    data.interviews.iter().find(|i| i.id == id).unwrap()
}

#[test]
fn a_transcript_is_stored_with_turns_matched_to_the_participants() {
    let mut f = fixture();
    let text = "Sam Jones: Welcome.\r\nRowan: Thanks.\r\nHAZEL: Hello.\r\nVisitor: Sorry!".to_string();
    assert_eq!(
        f.data.set_transcript(f.focus_group, text, " group.txt ".into(), T1),
        Ok(vec![ObjectRef::Interview(f.focus_group)])
    );
    let i = stored(&f.data, f.focus_group);
    let t = i.transcript.as_ref().unwrap();
    assert_eq!(t.text, "Sam Jones: Welcome.\nRowan: Thanks.\nHAZEL: Hello.\nVisitor: Sorry!");
    assert_eq!(t.source_name, "group.txt");
    assert_eq!(t.added, T1);
    assert_eq!(
        said(&t.turns),
        vec![
            (Speaker::Interviewer, "Welcome."), // the interview's interviewer, by name
            (Speaker::Participant(f.rowan), "Thanks."),
            (Speaker::Participant(f.hazel), "Hello."),
            (other("Visitor"), "Sorry!"),
        ]
    );
    assert_eq!(i.modified, T1);
    assert!(i.corrections.is_empty(), "not complete, so not a correction");
    // Turn ids are all different.
    let mut ids: Vec<Uuid> = t.turns.iter().map(|t| t.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 4);
}

#[test]
fn question_and_answer_transcripts_name_the_only_participant() {
    let mut f = fixture();
    f.data
        .set_transcript(f.interview, "Q: Why?\nA: Because.\nRespondent: Also this.".into(), String::new(), T1)
        .unwrap();
    let t = stored(&f.data, f.interview).transcript.clone().unwrap();
    assert_eq!(
        said(&t.turns),
        vec![
            (Speaker::Interviewer, "Why?"),
            (Speaker::Participant(f.rowan), "Because."),
            (Speaker::Participant(f.rowan), "Also this."),
        ]
    );
    assert_eq!(t.source_name, "", "pasted");
    // In a focus group "A" could be anyone, so it stays as written.
    f.data.set_transcript(f.focus_group, "Q: Why?\nA: Because.".into(), String::new(), T1).unwrap();
    let t = stored(&f.data, f.focus_group).transcript.clone().unwrap();
    assert_eq!(t.turns[1].speaker, other("A"));
}

#[test]
fn a_pseudonym_is_matched_only_among_the_interviews_own_participants() {
    let mut f = fixture();
    // Hazel is in the study but not in this one-to-one interview.
    f.data.set_transcript(f.interview, "Hazel: I wasn't there.".into(), String::new(), T1).unwrap();
    let t = stored(&f.data, f.interview).transcript.clone().unwrap();
    assert_eq!(t.turns[0].speaker, other("Hazel"));
}

#[test]
fn changing_a_completed_interviews_transcript_is_a_correction() {
    let mut f = fixture();
    f.data.interviews.iter_mut().for_each(|i| i.status = InterviewStatus::Complete);
    f.data.set_transcript(f.interview, "Rowan: one".into(), "a.txt".into(), T1).unwrap();
    f.data.set_transcript(f.interview, "Rowan: two".into(), "b.txt".into(), T1).unwrap();
    f.data.remove_transcript(f.interview, T1).unwrap();
    let whats: Vec<&str> = stored(&f.data, f.interview).corrections.iter().map(|c| c.what.as_str()).collect();
    assert_eq!(whats, vec!["Transcript added", "Transcript replaced", "Transcript removed"]);
    assert!(stored(&f.data, f.interview).corrections.iter().all(|c| c.at == T1));
    assert!(stored(&f.data, f.interview).transcript.is_none());
    // Removing when there is none changes nothing.
    f.data.remove_transcript(f.interview, T1).unwrap();
    assert_eq!(stored(&f.data, f.interview).corrections.len(), 3);
}

#[test]
fn bad_transcripts_are_refused_and_change_nothing() {
    let mut f = fixture();
    let before = f.data.clone();
    let nobody = Uuid::from_u128(0xdead);
    assert_eq!(
        f.data.set_transcript(nobody, "Rowan: hi".into(), String::new(), T1),
        Err(ValidationError::UnknownInterview(nobody))
    );
    assert_eq!(f.data.remove_transcript(nobody, T1), Err(ValidationError::UnknownInterview(nobody)));
    assert_eq!(
        f.data.set_transcript(f.interview, " \r\n ".into(), String::new(), T1),
        Err(ValidationError::EmptyTranscript)
    );
    assert_eq!(
        f.data.set_transcript(f.interview, "a".repeat(MAX_TEXT_BYTES + 1), String::new(), T1),
        Err(ValidationError::TextTooLong { bytes: MAX_TEXT_BYTES + 1, limit: MAX_TEXT_BYTES })
    );
    assert_eq!(f.data, before);
    assert_eq!(ValidationError::EmptyTranscript.to_string(), "The transcript is empty.");
}

#[test]
fn a_file_read_and_stored_round_trips_through_a_backup() {
    let mut f = fixture();
    let text = read_text_file("\u{feff}Rowan: Diolch 🙂\r\nInterviewer: Croeso".as_bytes(), "cyf.txt").unwrap();
    f.data.set_transcript(f.interview, text, "cyf.txt".into(), T1).unwrap();
    let json = serde_json::to_string(&f.data).unwrap();
    let back: StudyData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f.data);
}
