//! Member checking: the account of an interview, its status and versions, and the
//! word-level differences between versions.

use fieldkit_core::fieldwork::account::{DiffPart, account_html, account_text, account_version_html, diff_versions};
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);
const T2: Timestamp = Timestamp::from_millis(1_700_000_120_000);

const REAL_NAME: &str = "Margaret Thompson";
const CONTACT: &str = "07700 900123, margaret@example.org";

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

// Sections and prompts of the protocol version the interview was run with (1).
const ORIGINS: u128 = 0x51;
const GOVERNANCE: u128 = 0x52;
const FUTURE: u128 = 0x53;
const WHO: u128 = 0x61;
const MONEY: u128 = 0x62;
const LEADER: u128 = 0x63;

struct Fixture {
    data: StudyData,
    interview: Uuid,
    rowan: Uuid,
}

fn section(n: u128, title: &str, question: &str, prompts: &[(u128, &str)]) -> Section {
    Section {
        id: id(n),
        research_question_id: None,
        title: title.into(),
        question: question.into(),
        prompts: prompts.iter().map(|(p, text)| Prompt { id: id(*p), text: (*text).into() }).collect(),
        guidance: "Interviewer guidance is never shown.".into(),
        colour: None,
    }
}

fn turn(n: u128, speaker: Speaker, text: &str) -> Turn {
    Turn { id: id(n), speaker, text: text.into() }
}

fn answer(section: u128, prompt: Option<u128>, state: AnswerState, text: &str, turns: Vec<Turn>) -> Answer {
    Answer {
        section_id: id(section),
        prompt_id: prompt.map(id),
        state,
        text: text.into(),
        turns,
        flags: vec![Flag::Sensitive],
    }
}

/// A study with one case, Rowan (with identifying details stored), a protocol now at
/// version 2 whose version 1 the interview used, and a complete interview.
fn fixture() -> Fixture {
    let mut data = StudyData::new("Care co-operatives", T0).unwrap();
    let case = data.add_case("Hillside", T0).unwrap();
    let rowan = data.add_participant("Rowan", Some(case), None, T0).unwrap();
    data.edit_participant(rowan, ParticipantEdit::RealName(REAL_NAME.into()), T0).unwrap();
    data.edit_participant(rowan, ParticipantEdit::Contact(CONTACT.into()), T0).unwrap();

    let version_1 = vec![
        section(
            ORIGINS,
            "Origins",
            "How did the co-operative start?",
            &[(WHO, "Who was involved?"), (MONEY, "What money was there?")],
        ),
        section(GOVERNANCE, "Governance", "How are decisions made?", &[]),
        section(FUTURE, "Future", "What comes next?", &[(LEADER, "Who will lead it?")]),
    ];
    let protocol = Protocol {
        id: id(0x40),
        study_id: data.id(),
        created: T0,
        modified: T1,
        name: "Care co-operatives".into(),
        description: String::new(),
        version: 2,
        sections: vec![section(ORIGINS, "Beginnings (edited later)", "What was the spark?", &[])],
        history: vec![ProtocolVersion {
            version: 1,
            superseded: T1,
            name: "Care co-operatives".into(),
            sections: version_1,
        }],
        template: None,
    };
    let interview = Interview {
        id: id(0x70),
        study_id: data.id(),
        created: T0,
        modified: T0,
        kind: InterviewKind::Interview,
        case_id: case,
        participant_ids: vec![rowan],
        mode: Mode::FaceToFace,
        interviewer: "Sam".into(),
        date: Date::from_ymd(2026, 3, 5),
        protocol_id: protocol.id,
        protocol_version: 1,
        status: InterviewStatus::Complete,
        answers: vec![
            answer(
                ORIGINS,
                None,
                AnswerState::Asked,
                "Started in 2015 by carers.",
                vec![turn(1, Speaker::Interviewer, "And then?"), turn(2, Speaker::Participant(rowan), "We grew.")],
            ),
            answer(ORIGINS, Some(WHO), AnswerState::Asked, "Six families.", vec![]),
            answer(ORIGINS, Some(MONEY), AnswerState::NotAsked, "NOT ASKED: must not appear", vec![]),
            // Skipped, yet noted: kept, marked as skipped.
            answer(GOVERNANCE, None, AnswerState::Skipped, "No time; Rowan said the board votes.", vec![]),
            // Skipped with nothing noted: left out.
            answer(FUTURE, None, AnswerState::Skipped, "", vec![]),
            answer(
                FUTURE,
                Some(LEADER),
                AnswerState::Asked,
                "",
                vec![turn(3, Speaker::Participant(rowan), "The members.")],
            ),
        ],
        current_section: 2,
        started: Some(T0),
        completed: Some(T1),
        corrections: Vec::new(),
        transcript: Some(Transcript {
            text: String::new(),
            turns: vec![
                turn(4, Speaker::Other(String::new()), "Transcript of the Hillside interview"),
                turn(5, Speaker::Interviewer, "Welcome."),
                turn(6, Speaker::Participant(rowan), "Diolch."),
            ],
            source_name: "hillside.txt".into(),
            added: T1,
        }),
    };
    let interview_id = interview.id;
    data.protocols.push(protocol);
    data.interviews.push(interview);
    Fixture { data, interview: interview_id, rowan }
}

fn the_interview(f: &Fixture) -> &Interview {
    f.data.interviews.iter().find(|i| i.id == f.interview).unwrap()
}

fn interview_mut(f: &mut Fixture) -> &mut Interview {
    let id = f.interview;
    f.data.interviews.iter_mut().find(|i| i.id == id).unwrap()
}

const EXPECTED_TEXT: &str = "\
Interview account
=================
Study: Care co-operatives
Date: 2026-03-05
Mode: Face to face
Case: Hillside
Participant: Rowan
Interviewer: Sam

Origins
-------
Question: How did the co-operative start?
Started in 2015 by carers.
Interviewer: And then?
Rowan: We grew.

Prompt: Who was involved?
Six families.

Governance
----------
Question: How are decisions made?
(Marked as skipped in the interview.)
No time; Rowan said the board votes.

Future
------
Prompt: Who will lead it?
Rowan: The members.

Transcript
----------
Transcript of the Hillside interview
Interviewer: Welcome.
Rowan: Diolch.
";

// ---------- the account text ----------

#[test]
fn the_account_covers_what_was_asked_in_the_interviews_protocol_version() {
    let f = fixture();
    let text = account_text(&f.data, the_interview(&f));
    assert_eq!(text, EXPECTED_TEXT);
}

#[test]
fn sections_and_prompts_not_asked_are_left_out_and_so_is_guidance() {
    let f = fixture();
    let text = account_text(&f.data, the_interview(&f));
    for absent in ["NOT ASKED", "What money was there?", "guidance", "Sensitive", "Beginnings"] {
        assert!(!text.contains(absent), "{absent} appears in\n{text}");
    }
    // Future appears through its prompt alone; its main question was skipped with nothing noted.
    assert!(!text.contains("What comes next?"));
    // Governance was skipped but noted: it stays, marked once.
    assert_eq!(text.matches("(Marked as skipped in the interview.)").count(), 1, "{text}");
}

#[test]
fn notes_on_a_skipped_prompt_stay_in_the_account_marked_as_skipped() {
    let mut f = fixture();
    let rowan = f.rowan;
    interview_mut(&mut f).answers = vec![
        answer(ORIGINS, None, AnswerState::Asked, "Started in 2015 by carers.", vec![]),
        answer(
            ORIGINS,
            Some(MONEY),
            AnswerState::Skipped,
            "No time to ask; Rowan mentioned the grant ended.",
            vec![turn(7, Speaker::Participant(rowan), "Money is for another day.")],
        ),
        // Skipped with nothing noted: nothing to keep.
        answer(FUTURE, Some(LEADER), AnswerState::Skipped, "  ", vec![]),
    ];
    let text = account_text(&f.data, the_interview(&f));
    assert!(
        text.contains(
            "Prompt: What money was there?\n(Marked as skipped in the interview.)\n\
             No time to ask; Rowan mentioned the grant ended.\nRowan: Money is for another day.\n"
        ),
        "{text}"
    );
    assert!(!text.contains("Who will lead it?") && !text.contains("Future"), "{text}");
    assert_eq!(text.matches("Marked as skipped").count(), 1, "{text}");
    let html = account_html(&f.data, the_interview(&f));
    assert!(
        html.contains(
            "<p class=\"question\" dir=\"auto\">Prompt: What money was there?</p>\n\
             <p class=\"skipped\">(Marked as skipped in the interview.)</p>\n\
             <p class=\"notes\" dir=\"auto\">No time to ask; Rowan mentioned the grant ended.</p>"
        ),
        "{html}"
    );
    // Without the protocol, a skipped note is kept too, and still marked.
    f.data.protocols.clear();
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.contains("Started in 2015 by carers.\n"), "{text}");
    assert!(
        text.contains("(Marked as skipped in the interview.)\nNo time to ask; Rowan mentioned the grant ended.\n"),
        "{text}"
    );
}

#[test]
fn identifying_details_never_appear_in_the_account() {
    let f = fixture();
    assert!(f.data.identity(f.rowan).is_some_and(|i| i.real_name == REAL_NAME));
    let text = account_text(&f.data, the_interview(&f));
    let html = account_html(&f.data, the_interview(&f));
    for output in [&text, &html] {
        assert!(!output.contains("Margaret"), "real name leaked");
        assert!(!output.contains("Thompson"), "real name leaked");
        assert!(!output.contains("07700"), "contact leaked");
        assert!(!output.contains("example.org"), "contact leaked");
        assert!(output.contains("Rowan"));
    }
}

#[test]
fn an_interview_on_the_current_version_uses_the_current_sections() {
    let mut f = fixture();
    let i = interview_mut(&mut f);
    i.protocol_version = 2;
    i.answers = vec![answer(ORIGINS, None, AnswerState::Asked, "A spark.", vec![])];
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.contains("Beginnings (edited later)\n"), "{text}");
    assert!(text.contains("Question: What was the spark?\nA spark.\n"), "{text}");
}

#[test]
fn a_missing_protocol_version_falls_back_to_the_current_sections() {
    let mut f = fixture();
    interview_mut(&mut f).protocol_version = 7;
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.contains("Beginnings (edited later)"), "{text}");
    assert!(text.contains("Started in 2015 by carers."));
}

#[test]
fn a_deleted_protocol_still_gives_what_was_said() {
    let mut f = fixture();
    f.data.protocols.clear();
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.contains("Started in 2015 by carers.\n"), "{text}");
    assert!(text.contains("Rowan: The members.\n"));
    assert!(!text.contains("NOT ASKED"));
}

#[test]
fn a_focus_group_lists_its_participants_and_an_unrecorded_date_says_so() {
    let mut f = fixture();
    let case = the_interview(&f).case_id;
    let hazel = f.data.add_participant("Hazel", Some(case), None, T0).unwrap();
    let i = interview_mut(&mut f);
    i.kind = InterviewKind::FocusGroup;
    i.participant_ids.push(hazel);
    i.date = None;
    i.interviewer = String::new();
    i.transcript = None;
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.starts_with("Focus group account\n===================\n"), "{text}");
    assert!(text.contains("Participants: Rowan, Hazel\n"));
    assert!(text.contains("Date: Not recorded\n"));
    assert!(!text.contains("Interviewer: \n") && !text.contains("Transcript"));
}

#[test]
fn a_speaker_no_longer_in_the_study_is_called_participant() {
    let mut f = fixture();
    let gone = id(0xdead);
    interview_mut(&mut f).answers[1].turns.push(turn(9, Speaker::Participant(gone), "I said that."));
    let text = account_text(&f.data, the_interview(&f));
    assert!(text.contains("Participant: I said that.\n"), "{text}");
}

// ---------- the printable page ----------

#[test]
fn the_html_page_is_complete_and_printable() {
    let f = fixture();
    let html = account_html(&f.data, the_interview(&f));
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("<title>Interview account</title>"));
    assert!(html.contains("<h1>Interview account</h1>"));
    assert!(html.contains("@media print"));
    assert!(html.contains("mark anything that is wrong or missing"), "asks for corrections");
    assert!(html.contains("<h2 dir=\"auto\">Origins</h2>"));
    assert!(html.contains("<span class=\"speaker\">Rowan:</span> We grew."));
    assert!(html.contains("<h2>Transcript</h2>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("NOT ASKED") && !html.contains("What comes next?"));
    assert!(html.contains("<p class=\"skipped\">(Marked as skipped in the interview.)</p>"), "{html}");
}

#[test]
fn hostile_text_is_escaped_everywhere_in_the_page() {
    let mut f = fixture();
    let hostile = "<script>alert('x')</script> & \"quoted\" <img src=x onerror=alert(1)>";
    let rowan = f.rowan;
    f.data.edit_participant(rowan, ParticipantEdit::Pseudonym("<b>Rowan</b>".into()), T1).unwrap();
    f.data.study.title = hostile.into();
    f.data.protocols[0].history[0].sections[0].title = hostile.into();
    f.data.protocols[0].history[0].sections[0].question = hostile.into();
    let i = interview_mut(&mut f);
    i.interviewer = hostile.into();
    i.answers[0].text = hostile.into();
    i.answers[0].turns.push(turn(10, Speaker::Other(hostile.into()), hostile));
    if let Some(t) = i.transcript.as_mut() {
        t.turns.push(turn(11, Speaker::Interviewer, hostile));
    }
    let html = account_html(&f.data, the_interview(&f));
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
    assert!(html.contains("&lt;b&gt;Rowan&lt;/b&gt;"));
    // Every tag in the page is one the page itself writes.
    let allowed = [
        "!DOCTYPE", "html", "/html", "head", "/head", "meta", "title", "/title", "style", "/style", "body", "/body",
        "main", "/main", "h1", "/h1", "h2", "/h2", "p", "/p", "dl", "/dl", "dt", "/dt", "dd", "/dd", "section",
        "/section", "span", "/span",
    ];
    // No script at all, and a policy that would refuse one: the hint to print is hidden on paper.
    assert!(!html.contains("onclick") && !html.contains("<button"));
    assert!(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
    assert!(html.contains(".print-button { display: none; }"));
    for tag in html.split('<').skip(1) {
        let name: String = tag.chars().take_while(|c| !c.is_whitespace() && *c != '>').collect();
        assert!(allowed.contains(&name.as_str()), "unexpected tag <{name}");
    }
}

#[test]
fn any_version_prints_as_the_same_kind_of_page() {
    let html = account_version_html("Interview account (version 2)", "Line one\n<script>x</script>\nمرحبا");
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.contains("<h1>Interview account (version 2)</h1>"));
    // Formatted as a document now: a heading, then the paragraph, escaped.
    assert!(html.contains("<h2 dir=\"auto\">Line one</h2>"), "{html}");
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt;<br>\nمرحبا"), "{html}");
    assert!(!html.contains("<script>"));
    assert!(html.contains("@media print") && html.contains("mark anything that is wrong"));
}

// ---------- accounts: creating, status, amendments ----------

#[test]
fn creating_an_account_writes_version_one_as_a_draft() {
    let mut f = fixture();
    let account = f.data.create_account(f.interview, T1).unwrap();
    let a = f.data.account(account).unwrap();
    assert_eq!(a.interview_id, f.interview);
    assert_eq!(a.study_id, f.data.id());
    assert_eq!(a.status, AccountStatus::Draft);
    assert_eq!((a.created, a.modified), (T1, T1));
    assert_eq!(a.versions.len(), 1);
    let v1 = a.current().unwrap();
    assert_eq!((v1.number, v1.created), (1, T1));
    assert_eq!(v1.text, EXPECTED_TEXT);
    assert_eq!(a.history, vec![StatusChange { at: T1, status: AccountStatus::Draft }]);
    assert_eq!(f.data.account_for_interview(f.interview).map(|a| a.id), Some(account));
    assert!(f.data.validate().is_empty(), "{:?}", f.data.validate());
}

#[test]
fn an_interview_has_at_most_one_account() {
    let mut f = fixture();
    f.data.create_account(f.interview, T1).unwrap();
    let before = f.data.clone();
    let err = f.data.create_account(f.interview, T2).unwrap_err();
    assert_eq!(err, ValidationError::AccountExists(f.interview));
    assert!(err.to_string().starts_with("This interview already has an account"));
    assert_eq!(f.data, before);
}

#[test]
fn unknown_ids_are_typed_errors() {
    let mut f = fixture();
    let nobody = id(0xbad);
    assert_eq!(f.data.create_account(nobody, T1), Err(ValidationError::UnknownInterview(nobody)));
    assert_eq!(
        f.data.set_account_status(nobody, AccountStatus::Sent, T1),
        Err(ValidationError::UnknownAccount(nobody))
    );
    assert_eq!(
        f.data.record_amendment(nobody, "x".into(), String::new(), T1),
        Err(ValidationError::UnknownAccount(nobody))
    );
    assert!(f.data.account(nobody).is_none());
    assert!(f.data.account_for_interview(nobody).is_none());
    assert!(f.data.accounts.is_empty());
}

#[test]
fn only_the_allowed_status_changes_are_accepted() {
    use AccountStatus::*;
    let all = [Draft, Sent, AmendmentsReceived, Agreed];
    let allowed = [
        (Draft, Sent),
        (Sent, AmendmentsReceived),
        (Sent, Agreed),
        (AmendmentsReceived, Sent),
        (AmendmentsReceived, Agreed),
    ];
    for from in all {
        for to in all {
            let mut f = fixture();
            let account = f.data.create_account(f.interview, T0).unwrap();
            f.data.accounts[0].status = from;
            let before = f.data.clone();
            let result = f.data.set_account_status(account, to, T1);
            if allowed.contains(&(from, to)) {
                assert_eq!(result, Ok(ObjectRef::Account(account)), "{from:?} → {to:?}");
                let a = f.data.account(account).unwrap();
                assert_eq!(a.status, to);
                assert_eq!(a.history.last(), Some(&StatusChange { at: T1, status: to }));
                assert_eq!(a.modified, T1);
                assert!(from.can_become(to));
            } else {
                assert_eq!(result, Err(ValidationError::AccountStatusChange { from, to }), "{from:?} → {to:?}");
                assert_eq!(f.data, before, "a refused change changes nothing");
                assert!(!from.can_become(to));
            }
        }
    }
    assert_eq!(
        ValidationError::AccountStatusChange { from: Draft, to: Agreed }.to_string(),
        "An account that is “Draft” cannot be marked “Agreed”."
    );
    assert_eq!(Agreed.next_statuses(), &[] as &[AccountStatus]);
}

#[test]
fn the_history_records_each_change_in_order() {
    let mut f = fixture();
    let account = f.data.create_account(f.interview, T0).unwrap();
    f.data.set_account_status(account, AccountStatus::Sent, T1).unwrap();
    f.data.record_amendment(account, "Amended.".into(), "By email".into(), T1).unwrap();
    f.data.set_account_status(account, AccountStatus::Sent, T2).unwrap();
    f.data.set_account_status(account, AccountStatus::Agreed, T2).unwrap();
    let statuses: Vec<(Timestamp, AccountStatus)> =
        f.data.account(account).unwrap().history.iter().map(|c| (c.at, c.status)).collect();
    assert_eq!(
        statuses,
        vec![
            (T0, AccountStatus::Draft),
            (T1, AccountStatus::Sent),
            (T1, AccountStatus::AmendmentsReceived),
            (T2, AccountStatus::Sent),
            (T2, AccountStatus::Agreed),
        ]
    );
}

#[test]
fn an_amendment_adds_a_version_and_never_edits_the_old_ones() {
    let mut f = fixture();
    let account = f.data.create_account(f.interview, T0).unwrap();
    f.data.set_account_status(account, AccountStatus::Sent, T0).unwrap();
    let amended = EXPECTED_TEXT.replace("Six families.", "Seven families, not six.");
    let result = f.data.record_amendment(account, amended.replace('\n', "\r\n"), "  Phone call  ".into(), T1);
    assert_eq!(result, Ok(ObjectRef::Account(account)));
    let a = f.data.account(account).unwrap();
    assert_eq!(a.status, AccountStatus::AmendmentsReceived);
    assert_eq!(a.versions.len(), 2);
    assert_eq!(a.versions[0].text, EXPECTED_TEXT, "version 1 unchanged");
    let v2 = a.version(2).unwrap();
    assert_eq!((v2.number, v2.created, v2.note.as_str()), (2, T1, "Phone call"));
    assert_eq!(v2.text, amended, "line endings normalised");
    assert_eq!(a.modified, T1);

    // A second amendment before re-sending: version 3, still "Amendments received", no repeated history entry.
    let history = a.history.len();
    f.data.record_amendment(account, format!("{amended}PS."), String::new(), T2).unwrap();
    let a = f.data.account(account).unwrap();
    assert_eq!(a.versions.iter().map(|v| v.number).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(a.current().map(|v| v.number), Some(3));
    assert_eq!(a.history.len(), history);
    assert_eq!(a.versions[1].text, amended, "version 2 unchanged");
}

#[test]
fn amendments_that_change_nothing_or_come_at_the_wrong_time_are_refused() {
    let mut f = fixture();
    let account = f.data.create_account(f.interview, T0).unwrap();
    let before = f.data.clone();
    assert_eq!(
        f.data.record_amendment(account, "New".into(), String::new(), T1),
        Err(ValidationError::AmendmentNotExpected(AccountStatus::Draft))
    );
    assert_eq!(f.data, before);
    f.data.set_account_status(account, AccountStatus::Sent, T0).unwrap();
    let before = f.data.clone();
    assert_eq!(
        f.data.record_amendment(account, EXPECTED_TEXT.into(), String::new(), T1),
        Err(ValidationError::AmendmentUnchanged)
    );
    assert_eq!(
        f.data.record_amendment(account, EXPECTED_TEXT.replace('\n', "\r\n"), String::new(), T1),
        Err(ValidationError::AmendmentUnchanged),
        "only line endings differ"
    );
    assert_eq!(
        f.data.record_amendment(account, " \n ".into(), String::new(), T1),
        Err(ValidationError::EmptyAmendment)
    );
    let huge = "a".repeat(fieldkit_core::fieldwork::transcript::MAX_TEXT_BYTES + 1);
    assert!(matches!(
        f.data.record_amendment(account, huge, String::new(), T1),
        Err(ValidationError::TextTooLong { .. })
    ));
    assert_eq!(f.data, before);
    f.data.set_account_status(account, AccountStatus::Agreed, T1).unwrap();
    let err = f.data.record_amendment(account, "Too late".into(), String::new(), T2).unwrap_err();
    assert_eq!(err, ValidationError::AmendmentNotExpected(AccountStatus::Agreed));
    assert_eq!(err.to_string(), "Amendments can only be recorded once the account has been sent (it is “Agreed”).");
}

#[test]
fn accounts_survive_a_backup_round_trip() {
    let mut f = fixture();
    let account = f.data.create_account(f.interview, T0).unwrap();
    f.data.set_account_status(account, AccountStatus::Sent, T1).unwrap();
    f.data.record_amendment(account, "Amended 🙂".into(), "Post".into(), T2).unwrap();
    let back: StudyData = serde_json::from_str(&serde_json::to_string(&f.data).unwrap()).unwrap();
    assert_eq!(back, f.data);
}

// ---------- differences between versions ----------

fn rebuild(parts: &[DiffPart]) -> (String, String) {
    let mut old = String::new();
    let mut new = String::new();
    for part in parts {
        match part {
            DiffPart::Same(t) => {
                old.push_str(t);
                new.push_str(t);
            }
            DiffPart::Removed(t) => old.push_str(t),
            DiffPart::Added(t) => new.push_str(t),
        }
    }
    (old, new)
}

fn assert_reproduces(old: &str, new: &str) -> Vec<DiffPart> {
    let parts = diff_versions(old, new);
    assert_eq!(rebuild(&parts), (old.to_string(), new.to_string()), "{parts:#?}");
    for pair in parts.windows(2) {
        assert!(std::mem::discriminant(&pair[0]) != std::mem::discriminant(&pair[1]), "unmerged parts {pair:?}");
    }
    assert!(parts.iter().all(|p| !p.text().is_empty()), "empty part in {parts:?}");
    parts
}

#[test]
fn a_changed_word_shows_as_removed_and_added() {
    let parts = assert_reproduces("We had six families at the start.", "We had seven families at the start.");
    assert_eq!(
        parts,
        vec![
            DiffPart::Same("We had ".into()),
            DiffPart::Removed("six".into()),
            DiffPart::Added("seven".into()),
            DiffPart::Same(" families at the start.".into()),
        ]
    );
}

#[test]
fn identical_texts_are_one_same_part_and_empty_texts_nothing() {
    assert_eq!(diff_versions("Same\ntext", "Same\ntext"), vec![DiffPart::Same("Same\ntext".into())]);
    assert_eq!(diff_versions("", ""), vec![]);
    assert_eq!(diff_versions("", "new"), vec![DiffPart::Added("new".into())]);
    assert_eq!(diff_versions("old", ""), vec![DiffPart::Removed("old".into())]);
}

#[test]
fn concatenating_parts_reproduces_both_versions() {
    let cases = [
        ("", "a"),
        ("a b c", "a  b c"),
        ("a b c", "a\tb\nc"),
        ("one\ntwo\nthree\n", "one\n2\nthree\nfour\n"),
        ("no trailing newline", "no trailing newline\n"),
        ("  leading and trailing  ", "leading and trailing"),
        ("Diolch yn fawr 👍🏽 ŵ ŷ", "Diolch yn fawr iawn 👍🏽👨‍👩‍👧 ŵ ŷ"),
        ("José e\u{301} café", "Jose\u{301} é cafe\u{301}"),
        ("مرحبا بكم في التعاونية", "مرحبا بكم جميعا في التعاونية"),
        ("Mixed English and עברית text", "Mixed English and עברית מילים text"),
        ("\u{200f}RTL mark\u{200f}", "RTL mark"),
        ("line\r\nwindows", "line\nwindows"),
        ("中文没有空格的句子", "中文没有空格的长句子"),
        ("\n\n\n", "\n"),
        ("a\u{a0}b", "a b"),
        (EXPECTED_TEXT, &EXPECTED_TEXT.replace("Six families.", "Seven families.\nAnd friends.")),
        (EXPECTED_TEXT, "Entirely different."),
    ];
    for (old, new) in cases {
        assert_reproduces(old, new);
        assert_reproduces(new, old);
    }
}

#[test]
fn random_edits_are_reproduced() {
    // A small deterministic generator: random words, spaces, newlines and emoji, edited at random.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let tokens = ["care", "co-op", " ", "  ", "\n", "\n\n", "ŵ", "👍🏽", "مرحبا", "é", "\t", "member", ","];
    for _ in 0..200 {
        let old: Vec<&str> = (0..next(60)).map(|_| tokens[next(tokens.len())]).collect();
        let mut new = old.clone();
        for _ in 0..next(8) {
            match next(3) {
                0 if !new.is_empty() => {
                    let at = next(new.len());
                    new.remove(at);
                }
                1 => {
                    let at = next(new.len() + 1);
                    new.insert(at, tokens[next(tokens.len())]);
                }
                _ if !new.is_empty() => {
                    let at = next(new.len());
                    new[at] = tokens[next(tokens.len())];
                }
                _ => {}
            }
        }
        assert_reproduces(&old.concat(), &new.concat());
    }
}

#[test]
fn a_long_rewrite_is_shown_whole_and_quickly() {
    let old: String = (0..6_000).map(|n| format!("word{n} ")).collect();
    let new: String = (0..6_000).map(|n| format!("other{n} ")).collect();
    let parts = assert_reproduces(&old, &new);
    assert_eq!(parts, vec![DiffPart::Removed(old.clone()), DiffPart::Added(new.clone())]);
    // A small change in a long multi-paragraph account is still word by word.
    let paragraphs: String = (0..3_000).map(|n| format!("Paragraph {n} says something.\n")).collect();
    let edited = paragraphs.replace("Paragraph 1500 says something.", "Paragraph 1500 says something else.");
    let parts = assert_reproduces(&paragraphs, &edited);
    // Words are split at whitespace, so punctuation stays with its word.
    assert_eq!(parts.len(), 4, "the change is one small stretch");
    assert!(parts[0].text().ends_with("\nParagraph 1500 says "));
    assert_eq!(parts[1], DiffPart::Removed("something.".into()));
    assert_eq!(parts[2], DiffPart::Added("something else.".into()));
    assert!(parts[3].text().starts_with("\nParagraph 1501 says"));
}

#[test]
fn a_draft_can_be_rewritten_from_the_corrected_interview_but_a_sent_one_cannot() {
    let Fixture { mut data, interview, .. } = fixture();
    let slot = Slot { section: id(ORIGINS), prompt: None };
    let id = data.create_account(interview, T1).unwrap();
    data.edit_interview(interview, InterviewEdit::Notes { slot, text: "Corrected notes".into() }, T1).unwrap();
    assert!(!data.account(id).unwrap().versions[0].text.contains("Corrected notes"));
    data.refresh_account_draft(id, T1).unwrap();
    assert!(data.account(id).unwrap().versions[0].text.contains("Corrected notes"));
    assert_eq!(data.account(id).unwrap().versions.len(), 1);
    data.set_account_status(id, AccountStatus::Sent, T1).unwrap();
    assert_eq!(data.refresh_account_draft(id, T1), Err(ValidationError::DraftAlreadySent));
}

#[test]
fn a_comparison_lists_only_the_paragraphs_that_changed() {
    use fieldkit_core::fieldwork::account::{DiffPart, changed_paragraphs, diff_versions};
    let old = "First part stays.\n\nThe officer came to every meeting.\n\nLast part stays.";
    let new = "First part stays.\n\nThe officer came to most meetings.\n\nLast part stays.";
    let changed = changed_paragraphs(&diff_versions(old, new));
    assert_eq!(changed.len(), 1, "{changed:?}");
    let text: String = changed[0].iter().map(|p| p.text()).collect();
    assert!(text.contains("officer") && !text.contains("First part"), "{text}");
    assert!(changed[0].iter().any(|p| matches!(p, DiffPart::Removed(t) if t == "every")));
    assert!(changed[0].iter().any(|p| matches!(p, DiffPart::Added(t) if t == "most")));
}

#[test]
fn an_amended_version_prints_as_headings_and_paragraphs_with_everything_escaped() {
    use fieldkit_core::fieldwork::account::account_version_html;
    let html = account_version_html(
        "Account",
        "Barriers and challenges\nFunding was <hard>.\n\nCeri: We started small.\nDylan: Yes.",
    );
    assert!(html.contains("<h2 dir=\"auto\">Barriers and challenges</h2>"), "{html}");
    assert!(html.contains("<p dir=\"auto\">Funding was &lt;hard&gt;.</p>"), "{html}");
    assert!(html.contains("Ceri: We started small.<br>\nDylan: Yes."), "{html}");
    assert!(!html.contains("<hard>"));
}
