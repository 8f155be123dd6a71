//! Running interviews and focus groups, documents, and the coverage grid.

use fieldkit_core::demo::{DemoSize, demo_study};
use fieldkit_core::exchange::backup::*;
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);
const LATER: Timestamp = Timestamp::from_millis(1_700_003_600_000);

/// The demo study with a two-section protocol tied to the first two research questions.
fn study() -> (StudyData, Uuid) {
    let mut data = demo_study(DemoSize::Small);
    // The demo's people and cases, without its fieldwork.
    data.protocols.clear();
    data.interviews.clear();
    data.codes.clear();
    data.segments.clear();
    data.memos.clear();
    data.matrix_cells.clear();
    data.documents.clear();
    data.accounts.clear();
    data.surveys.clear();
    data.responses.clear();
    let rq: Vec<Uuid> = data.study.research_questions.iter().map(|q| q.id).collect();
    let protocol = Protocol {
        id: Uuid::new_v4(),
        study_id: data.id(),
        created: T0,
        modified: T0,
        name: "Test protocol".into(),
        description: String::new(),
        version: 1,
        sections: vec![
            Section {
                id: Uuid::new_v4(),
                research_question_id: Some(rq[0]),
                title: "Experience".into(),
                question: "How has it been?".into(),
                prompts: vec![Prompt { id: Uuid::new_v4(), text: "Why this model?".into() }],
                guidance: String::new(),
                colour: None,
            },
            Section {
                id: Uuid::new_v4(),
                research_question_id: Some(rq[1]),
                title: "Barriers".into(),
                question: "What got in the way?".into(),
                prompts: vec![],
                guidance: String::new(),
                colour: None,
            },
        ],
        history: vec![],
        template: None,
    };
    let id = protocol.id;
    data.protocols.push(protocol);
    (data, id)
}

fn person(data: &StudyData, name: &str) -> Uuid {
    data.participants.iter().find(|p| p.pseudonym == name).unwrap().id
}

fn new(data: &StudyData, protocol: Uuid, kind: InterviewKind, names: &[&str]) -> NewInterview {
    let first = data.participant(person(data, names[0])).unwrap();
    NewInterview {
        kind,
        case_id: first.case_id.unwrap(),
        participant_ids: names.iter().map(|n| person(data, n)).collect(),
        mode: Mode::FaceToFace,
        interviewer: "Researcher A".into(),
        date: "2017-01-10".into(),
        protocol_id: protocol,
        planned: false,
    }
}

#[test]
fn only_participants_whose_consent_covers_an_interview_can_be_chosen() {
    let (mut data, protocol) = study();
    // Elm withdrew; Nia never consented to interview; Birch is at the same case as Elm.
    let elm = new(&data, protocol, InterviewKind::Interview, &["Elm"]);
    assert_eq!(data.start_interview(elm, T0), Err(ValidationError::ConsentWithdrawn("Elm".into())));
    let nia = new(&data, protocol, InterviewKind::Interview, &["Nia"]);
    assert_eq!(data.start_interview(nia, T0), Err(ValidationError::NoInterviewConsent("Nia".into())));
    let case = data.participant(person(&data, "Alder")).unwrap().case_id.unwrap();
    let eligible: Vec<&str> = data.eligible_participants(case).iter().map(|p| p.pseudonym.as_str()).collect();
    assert_eq!(eligible, ["Alder", "Birch"], "Elm (withdrawn) is not offered");
    let ok = new(&data, protocol, InterviewKind::Interview, &["Alder"]);
    assert!(data.start_interview(ok, T0).is_ok());
}

#[test]
fn interviews_have_one_participant_and_focus_groups_several_from_the_same_case() {
    let (mut data, protocol) = study();
    let two = new(&data, protocol, InterviewKind::Interview, &["Alder", "Birch"]);
    assert_eq!(data.start_interview(two, T0), Err(ValidationError::InterviewNeedsOneParticipant));
    let one = new(&data, protocol, InterviewKind::FocusGroup, &["Alder"]);
    assert_eq!(data.start_interview(one, T0), Err(ValidationError::FocusGroupNeedsSeveral));
    let mut none = new(&data, protocol, InterviewKind::FocusGroup, &["Alder"]);
    none.participant_ids.clear();
    assert_eq!(data.start_interview(none, T0), Err(ValidationError::NoParticipants));
    let mixed = new(&data, protocol, InterviewKind::FocusGroup, &["Alder", "Rowan"]);
    assert_eq!(data.start_interview(mixed, T0), Err(ValidationError::ParticipantElsewhere("Rowan".into())));
    let group = new(&data, protocol, InterviewKind::FocusGroup, &["Ceri", "Dylan"]);
    let id = data.start_interview(group, T0).unwrap();
    let i = data.interview(id).unwrap();
    assert_eq!(i.status, InterviewStatus::InProgress);
    assert_eq!(i.protocol_version, 1);
    assert_eq!(i.date, Date::from_ymd(2017, 1, 10));
    assert_eq!(data.interview_people(i), "Ceri, Dylan");
}

#[test]
fn notes_turns_flags_and_place_are_recorded() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::FocusGroup, &["Ceri", "Dylan"]), T0).unwrap();
    let sections = data.interview_sections(data.interview(id).unwrap()).to_vec();
    let main = Slot { section: sections[0].id, prompt: None };
    let prompt = Slot { section: sections[0].id, prompt: Some(sections[0].prompts[0].id) };
    let ceri = person(&data, "Ceri");
    data.edit_interview(id, InterviewEdit::Notes { slot: main, text: "Warm welcome 🌿".into() }, T1).unwrap();
    let turn = Uuid::new_v4();
    data.edit_interview(
        id,
        InterviewEdit::AddTurn {
            slot: prompt,
            id: turn,
            speaker: Speaker::Participant(ceri),
            text: "We wanted a say.".into(),
        },
        T1,
    )
    .unwrap();
    data.edit_interview(id, InterviewEdit::TurnText { slot: prompt, turn, text: "We wanted a real say.".into() }, T1)
        .unwrap();
    data.edit_interview(id, InterviewEdit::ToggleFlag { slot: prompt, flag: Flag::GoodQuote }, T1).unwrap();
    data.edit_interview(
        id,
        InterviewEdit::State { slot: Slot { section: sections[1].id, prompt: None }, state: AnswerState::Skipped },
        T1,
    )
    .unwrap();
    data.edit_interview(id, InterviewEdit::GoTo(7), T1).unwrap();
    let i = data.interview(id).unwrap();
    assert_eq!(i.answer(main).unwrap().text, "Warm welcome 🌿");
    assert_eq!(i.answer(prompt).unwrap().turns[0].text, "We wanted a real say.");
    assert_eq!(i.answer(prompt).unwrap().flags, [Flag::GoodQuote]);
    assert_eq!(i.current_section, 1, "clamped to the last section");
    assert!(i.corrections.is_empty(), "not complete yet, so nothing counts as a correction");
    // A speaker who is not in the group is refused.
    let outsider = person(&data, "Rowan");
    assert_eq!(
        data.edit_interview(
            id,
            InterviewEdit::AddTurn {
                slot: main,
                id: Uuid::new_v4(),
                speaker: Speaker::Participant(outsider),
                text: "x".into()
            },
            T1
        ),
        Err(ValidationError::UnknownParticipant(outsider))
    );
    let stranger = Uuid::new_v4();
    assert_eq!(
        data.edit_interview(
            id,
            InterviewEdit::Notes { slot: Slot { section: stranger, prompt: None }, text: "x".into() },
            T1
        ),
        Err(ValidationError::UnknownSection(stranger))
    );
}

#[test]
fn a_completed_interview_can_be_corrected_and_the_change_is_recorded() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::Interview, &["Rowan"]), T0).unwrap();
    let section = data.interview_sections(data.interview(id).unwrap())[0].id;
    let slot = Slot { section, prompt: None };
    data.edit_interview(id, InterviewEdit::Notes { slot, text: "First".into() }, T0).unwrap();
    data.edit_interview(id, InterviewEdit::Complete, T1).unwrap();
    assert_eq!(data.interview(id).unwrap().completed, Some(T1));
    // Typing a correction: many keystrokes, one recorded correction.
    for (n, text) in ["F", "Fi", "Fixed"].iter().enumerate() {
        let at = Timestamp::from_millis(T1.millis() + 1000 * n as i64);
        data.edit_interview(id, InterviewEdit::Notes { slot, text: (*text).into() }, at).unwrap();
    }
    let i = data.interview(id).unwrap();
    assert_eq!(i.status, InterviewStatus::Complete);
    assert_eq!(i.corrections.len(), 1, "{:?}", i.corrections);
    assert_eq!(i.corrections[0].what, "Section 1 (Experience) notes edited");
    // Much later, the same kind of edit is a new correction.
    data.edit_interview(id, InterviewEdit::Notes { slot, text: "Fixed again".into() }, LATER).unwrap();
    assert_eq!(data.interview(id).unwrap().corrections.len(), 2);
}

#[test]
fn a_huge_paste_is_refused_and_changes_nothing() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::Interview, &["Rowan"]), T0).unwrap();
    let section = data.interview_sections(data.interview(id).unwrap())[0].id;
    let slot = Slot { section, prompt: None };
    data.edit_interview(id, InterviewEdit::Notes { slot, text: "kept".into() }, T0).unwrap();
    let huge = "é".repeat(3 * 1024 * 1024);
    let err = data.edit_interview(id, InterviewEdit::Notes { slot, text: huge }, T1).unwrap_err();
    assert!(matches!(err, ValidationError::TextTooLong { .. }));
    assert!(err.to_string().contains("6.0 MB; the limit is 2 MB"), "{err}");
    assert_eq!(data.interview(id).unwrap().answer(slot).unwrap().text, "kept");
}

#[test]
fn planned_interviews_start_later() {
    let (mut data, protocol) = study();
    let mut plan = new(&data, protocol, InterviewKind::Interview, &["Heather"]);
    plan.planned = true;
    plan.date = String::new();
    let id = data.start_interview(plan, T0).unwrap();
    assert_eq!(data.interview(id).unwrap().status, InterviewStatus::Planned);
    assert_eq!(data.interview(id).unwrap().date, None);
    data.edit_interview(id, InterviewEdit::Start, T1).unwrap();
    let i = data.interview(id).unwrap();
    assert_eq!((i.status, i.started, i.date), (InterviewStatus::InProgress, Some(T1), T1.date()));
}

#[test]
fn participants_with_interviews_cannot_be_deleted_and_case_deletion_takes_everything() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::Interview, &["Rowan"]), T0).unwrap();
    let rowan = person(&data, "Rowan");
    assert_eq!(
        data.delete_participant(rowan),
        Err(ValidationError::ParticipantInInterviews { name: "Rowan".into(), count: 1 })
    );
    let case = data.interview(id).unwrap().case_id;
    let doc = data.add_document(case, DocumentKind::FieldNotes, "Visit, day 1", T0).unwrap();
    let impact = data.case_deletion_impact(case);
    assert_eq!((impact.interviews, impact.documents), (1, 1));
    assert!(impact.describe().unwrap().contains("1 interview or focus group, 1 document"));
    let removed = data.delete_case(case).unwrap();
    assert!(removed.contains(&ObjectRef::Interview(id)));
    assert!(removed.contains(&ObjectRef::Document(doc)));
    assert!(data.interviews.is_empty() && data.documents.is_empty());
    assert!(data.validate().is_empty(), "{:?}", data.validate());
}

#[test]
fn documents_and_field_notes_belong_to_a_case() {
    let (mut data, _) = study();
    let case = data.cases[0].id;
    assert_eq!(data.add_document(case, DocumentKind::Report, "  ", T0), Err(ValidationError::EmptyDocumentTitle));
    let ghost = Uuid::new_v4();
    assert_eq!(data.add_document(ghost, DocumentKind::Report, "x", T0), Err(ValidationError::UnknownCase(ghost)));
    let id = data.add_document(case, DocumentKind::Minutes, "Board minutes", T0).unwrap();
    data.edit_document(id, DocumentEdit::Origin("Secretary".into()), T1).unwrap();
    data.edit_document(id, DocumentEdit::Date("2016-12-01".into()), T1).unwrap();
    data.edit_document(id, DocumentEdit::Text("Item 1: ŵyr a wyresau — الرعاية".into()), T1).unwrap();
    assert!(matches!(
        data.edit_document(id, DocumentEdit::Date("soon".into()), T1),
        Err(ValidationError::InvalidDate(_))
    ));
    let d = data.document(id).unwrap();
    assert_eq!((d.origin.as_str(), d.date, d.modified), ("Secretary", Date::from_ymd(2016, 12, 1), T1));
    assert_eq!(data.delete_document(id), Ok(vec![ObjectRef::Document(id)]));
}

#[test]
fn the_coverage_grid_shows_which_questions_each_case_has_data_for() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::Interview, &["Rowan"]), T0).unwrap();
    let sections = data.interview_sections(data.interview(id).unwrap()).to_vec();
    data.edit_interview(
        id,
        InterviewEdit::Notes { slot: Slot { section: sections[0].id, prompt: None }, text: "Said a lot".into() },
        T1,
    )
    .unwrap();
    // An empty answer and a skipped one do not count as data.
    data.edit_interview(
        id,
        InterviewEdit::Notes { slot: Slot { section: sections[1].id, prompt: None }, text: "  ".into() },
        T1,
    )
    .unwrap();
    let mut plan = new(&data, protocol, InterviewKind::Interview, &["Alder"]);
    plan.planned = true;
    data.start_interview(plan, T0).unwrap();
    let grid = data.coverage();
    assert_eq!(grid.questions.len(), 4);
    let hillside = &grid.rows[0];
    assert_eq!(hillside.cells, [1, 0, 0, 0]);
    assert_eq!((hillside.done, hillside.in_progress, hillside.planned), (0, 1, 0));
    let riverside = &grid.rows[1];
    assert_eq!(riverside.cells, [0, 0, 0, 0]);
    assert_eq!(riverside.planned, 1);
}

#[test]
fn a_study_with_fieldwork_round_trips_through_a_backup_and_validates() {
    let (mut data, protocol) = study();
    let id = data.start_interview(new(&data, protocol, InterviewKind::FocusGroup, &["Ceri", "Dylan"]), T0).unwrap();
    let section = data.interview_sections(data.interview(id).unwrap())[0].id;
    let ceri = person(&data, "Ceri");
    data.edit_interview(
        id,
        InterviewEdit::AddTurn {
            slot: Slot { section, prompt: None },
            id: Uuid::new_v4(),
            speaker: Speaker::Participant(ceri),
            text: "Hello".into(),
        },
        T1,
    )
    .unwrap();
    data.add_document(data.cases[0].id, DocumentKind::WebPage, "Council page", T0).unwrap();
    assert!(data.validate().is_empty());
    let back = Backup::parse(Backup::of(&data, false, T1).to_json().as_bytes()).unwrap().into_study();
    assert_eq!(back, data);
    // A backup whose interview points at a protocol version that never existed is refused.
    let mut bad = data.clone();
    bad.interviews[0].protocol_version = 9;
    assert!(bad.validate().contains(&ValidationError::UnknownProtocol(protocol)));
}

#[test]
fn a_removed_focus_group_turn_is_put_back_with_its_coding_by_undo() {
    let mut data = demo_study(DemoSize::Small);
    let (interview, slot, turn) = data
        .interviews
        .iter()
        .filter(|i| i.kind == InterviewKind::FocusGroup)
        .find_map(|i| {
            i.answers.iter().find_map(|a| {
                a.turns.first().map(|t| (i.id, Slot { section: a.section_id, prompt: a.prompt_id }, t.id))
            })
        })
        .expect("the demo has a focus group with turns");
    let before = data.clone();
    let saved = data.save_objects(&data.interview_objects(interview)).unwrap();
    let removed = data.edit_interview(interview, InterviewEdit::RemoveTurn { slot, turn }, T1);
    assert!(removed.is_ok(), "{removed:?}");
    assert_ne!(data.interview(interview), before.interview(interview));

    let touched = data.restore_saved(&saved).unwrap();
    assert!(touched.contains(&ObjectRef::Interview(interview)));
    assert_eq!(data.interview(interview), before.interview(interview), "the turn and its text are back");
    assert_eq!(data.segments, before.segments, "segments on the turn are as they were");
}

#[test]
fn removing_a_withdrawn_participants_data_takes_their_words_everywhere_and_keeps_the_others() {
    let mut data = demo_study(DemoSize::Small);
    let dylan = person(&data, "Dylan");
    let ceri = person(&data, "Ceri");
    let said_by = |d: &StudyData, who: Uuid| {
        d.interviews
            .iter()
            .flat_map(|i| &i.answers)
            .flat_map(|a| &a.turns)
            .filter(|t| t.speaker == Speaker::Participant(who))
            .count()
    };
    let ceri_turns = said_by(&data, ceri);
    assert!(said_by(&data, dylan) > 0 && ceri_turns > 0);
    let impact = data.withdrawal_impact(dylan);
    assert!(impact.turns > 0, "{impact:?}");
    let sentence = impact.describe("Dylan");
    assert!(
        sentence.starts_with("This removes ") && sentence.ends_with("Dylan stays listed as withdrawn."),
        "{sentence}"
    );
    assert!(!sentence.contains("..") && !sentence.contains(" 0 "), "{sentence}");

    let touched = data.remove_withdrawn_data(dylan, T1).unwrap();
    assert!(touched.contains(&ObjectRef::Participant(dylan)));
    assert_eq!(said_by(&data, dylan), 0, "none of their turns are left");
    assert_eq!(said_by(&data, ceri), ceri_turns, "the others' words stay");
    assert!(data.responses.iter().all(|r| r.participant_id != Some(dylan)));
    assert!(data.interviews.iter().all(|i| !i.participant_ids.contains(&dylan)));
    assert!(data.participant(dylan).unwrap().consent.withdrawn);
    assert!(data.validate().is_empty(), "{:?}", data.validate());
    assert!(data.withdrawal_impact(dylan).is_empty() || !data.withdrawal_impact(dylan).identity);
    assert_eq!(
        fieldkit_core::study::WithdrawalImpact::default().describe("Nia"),
        "Nothing collected from Nia is in the study."
    );
}
