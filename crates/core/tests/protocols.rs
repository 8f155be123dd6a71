//! The rules of interview protocols: editing sections and prompts, validation,
//! versions kept for interviews already run, deletion, and the built-in templates.

use fieldkit_core::fieldwork::protocol::{ProtocolDeletionImpact, ProtocolEdit, TEMPLATES, template};
use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);
const T2: Timestamp = Timestamp::from_millis(1_700_000_120_000);
const T3: Timestamp = Timestamp::from_millis(1_700_000_180_000);

fn study() -> StudyData {
    StudyData::new("Care co-operatives", T0).unwrap()
}

fn study_with_questions(count: usize) -> StudyData {
    let mut s = study();
    for n in 0..count {
        s.edit_study(StudyEdit::AddQuestion { id: Uuid::new_v4(), text: format!("Research question {}", n + 1) }, T0)
            .unwrap();
    }
    s
}

/// Records that an interview was run with one version of a protocol.
fn interview_on(s: &mut StudyData, protocol: Uuid, version: u32) -> Uuid {
    let id = Uuid::new_v4();
    s.interviews.push(Interview {
        id,
        study_id: s.id(),
        created: T0,
        modified: T0,
        kind: InterviewKind::Interview,
        case_id: Uuid::new_v4(),
        participant_ids: vec![Uuid::new_v4()],
        mode: Mode::FaceToFace,
        interviewer: String::new(),
        date: None,
        protocol_id: protocol,
        protocol_version: version,
        status: InterviewStatus::Complete,
        answers: Vec::new(),
        current_section: 0,
        started: Some(T0),
        completed: Some(T0),
        corrections: Vec::new(),
        transcript: None,
    });
    id
}

fn add_section(s: &mut StudyData, protocol: Uuid, question: &str) -> Uuid {
    let id = Uuid::new_v4();
    s.edit_protocol(
        protocol,
        ProtocolEdit::AddSection { id, title: String::new(), question: question.into(), research_question_id: None },
        T1,
    )
    .unwrap();
    id
}

fn add_prompt(s: &mut StudyData, protocol: Uuid, section: Uuid, text: &str) -> Uuid {
    let id = Uuid::new_v4();
    s.edit_protocol(protocol, ProtocolEdit::AddPrompt { section, id, text: text.into() }, T1).unwrap();
    id
}

fn questions(p: &Protocol) -> Vec<&str> {
    p.sections.iter().map(|s| s.question.as_str()).collect()
}

fn prompts(p: &Protocol, section: Uuid) -> Vec<&str> {
    p.section(section).unwrap().prompts.iter().map(|x| x.text.as_str()).collect()
}

/// A protocol with three sections, the first with two prompts.
fn sample() -> (StudyData, Uuid, [Uuid; 3]) {
    let mut s = study();
    let p = s.add_protocol("Stakeholder interview", T0).unwrap();
    let a = add_section(&mut s, p, "First?");
    let b = add_section(&mut s, p, "Second?");
    let c = add_section(&mut s, p, "Third?");
    add_prompt(&mut s, p, a, "Prompt one");
    add_prompt(&mut s, p, a, "Prompt two");
    (s, p, [a, b, c])
}

// --- creating and naming ---

#[test]
fn a_new_protocol_starts_empty_at_version_one() {
    let mut s = study();
    let id = s.add_protocol("  Stakeholder interview ", T0).unwrap();
    let p = s.protocol(id).unwrap();
    assert_eq!(p.name, "Stakeholder interview");
    assert_eq!(p.version, 1);
    assert!(p.sections.is_empty() && p.history.is_empty());
    assert_eq!(p.study_id, s.id());
    assert_eq!((p.created, p.modified), (T0, T0));
    assert_eq!(p.template, None);
    assert!(s.validate_protocols().is_empty());
}

#[test]
fn protocol_names_are_required_and_unique_ignoring_case() {
    let mut s = study();
    assert_eq!(s.add_protocol(" ", T0), Err(ValidationError::EmptyProtocolName));
    let a = s.add_protocol("Founder interview", T0).unwrap();
    assert_eq!(
        s.add_protocol(" founder INTERVIEW ", T0),
        Err(ValidationError::DuplicateProtocolName("founder INTERVIEW".into()))
    );
    let b = s.add_protocol("Stakeholder interview", T0).unwrap();
    assert_eq!(
        s.edit_protocol(b, ProtocolEdit::Name("FOUNDER interview".into()), T1),
        Err(ValidationError::DuplicateProtocolName("FOUNDER interview".into()))
    );
    assert_eq!(s.edit_protocol(b, ProtocolEdit::Name("".into()), T1), Err(ValidationError::EmptyProtocolName));
    assert_eq!(s.protocol(b).unwrap().name, "Stakeholder interview");
    // Renaming a protocol to its own name with other capitals is fine.
    assert_eq!(s.edit_protocol(a, ProtocolEdit::Name("Founder Interview".into()), T1), Ok(ObjectRef::Protocol(a)));
    assert_eq!(s.protocol(a).unwrap().name, "Founder Interview");
    assert_eq!(s.protocol(a).unwrap().modified, T1);
}

#[test]
fn the_description_is_kept_as_typed() {
    let mut s = study();
    let p = s.add_protocol("Protocol", T0).unwrap();
    s.edit_protocol(p, ProtocolEdit::Description("  For all four sites.\n".into()), T1).unwrap();
    assert_eq!(s.protocol(p).unwrap().description, "  For all four sites.\n");
    assert_eq!(s.protocol(p).unwrap().modified, T1);
}

// --- sections and prompts ---

#[test]
fn sections_are_added_in_order_with_their_fields() {
    let mut s = study_with_questions(2);
    let rq = s.study.research_questions[1].id;
    let p = s.add_protocol("Protocol", T0).unwrap();
    let id = Uuid::new_v4();
    let changed = s.edit_protocol(
        p,
        ProtocolEdit::AddSection {
            id,
            title: " Barriers ".into(),
            question: " What got in the way? ".into(),
            research_question_id: Some(rq),
        },
        T1,
    );
    assert_eq!(changed, Ok(ObjectRef::Protocol(p)));
    let section = s.protocol(p).unwrap().section(id).unwrap();
    assert_eq!(section.title, "Barriers");
    assert_eq!(section.question, "What got in the way?");
    assert_eq!(section.research_question_id, Some(rq));
    assert!(section.prompts.is_empty() && section.guidance.is_empty() && section.colour.is_none());
    add_section(&mut s, p, "Then?");
    assert_eq!(questions(s.protocol(p).unwrap()), ["What got in the way?", "Then?"]);
    assert_eq!(s.protocol(p).unwrap().modified, T1);
}

#[test]
fn section_fields_can_be_edited() {
    let (mut s, p, [a, _, _]) = sample();
    let s_rq = s.edit_study(StudyEdit::AddQuestion { id: Uuid::new_v4(), text: "RQ".into() }, T0);
    assert!(s_rq.is_ok());
    let rq = s.study.research_questions[0].id;
    let edits = [
        ProtocolEdit::SectionTitle { id: a, title: " Experience ".into() },
        ProtocolEdit::SectionQuestion { id: a, question: "How has it been?".into() },
        ProtocolEdit::SectionGuidance { id: a, guidance: "Go slowly.\nListen.".into() },
        ProtocolEdit::SectionColour { id: a, colour: Some(" #2A7F62 ".into()) },
        ProtocolEdit::SectionResearchQuestion { id: a, research_question_id: Some(rq) },
    ];
    for edit in edits {
        assert_eq!(s.edit_protocol(p, edit, T2), Ok(ObjectRef::Protocol(p)));
    }
    let section = s.protocol(p).unwrap().section(a).unwrap();
    assert_eq!(section.title, "Experience");
    assert_eq!(section.question, "How has it been?");
    assert_eq!(section.guidance, "Go slowly.\nListen.");
    assert_eq!(section.colour.as_deref(), Some("#2a7f62"), "colours are stored lower case");
    assert_eq!(section.research_question_id, Some(rq));
    assert_eq!(s.protocol(p).unwrap().modified, T2);

    // Clearing the colour and the link.
    s.edit_protocol(p, ProtocolEdit::SectionColour { id: a, colour: Some("  ".into()) }, T2).unwrap();
    assert_eq!(s.protocol(p).unwrap().section(a).unwrap().colour, None);
    s.edit_protocol(p, ProtocolEdit::SectionColour { id: a, colour: Some("#123abc".into()) }, T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::SectionColour { id: a, colour: None }, T2).unwrap();
    assert_eq!(s.protocol(p).unwrap().section(a).unwrap().colour, None);
    s.edit_protocol(p, ProtocolEdit::SectionResearchQuestion { id: a, research_question_id: None }, T2).unwrap();
    assert_eq!(s.protocol(p).unwrap().section(a).unwrap().research_question_id, None);
    // A section title may be left empty; the question is what matters.
    s.edit_protocol(p, ProtocolEdit::SectionTitle { id: a, title: " ".into() }, T2).unwrap();
    assert_eq!(s.protocol(p).unwrap().section(a).unwrap().title, "");
}

#[test]
fn sections_move_up_and_down_and_stop_at_the_ends() {
    let (mut s, p, [a, b, c]) = sample();
    s.edit_protocol(p, ProtocolEdit::MoveSection { id: c, by: -1 }, T2).unwrap();
    assert_eq!(questions(s.protocol(p).unwrap()), ["First?", "Third?", "Second?"]);
    s.edit_protocol(p, ProtocolEdit::MoveSection { id: a, by: 1 }, T2).unwrap();
    assert_eq!(questions(s.protocol(p).unwrap()), ["Third?", "First?", "Second?"]);
    s.edit_protocol(p, ProtocolEdit::MoveSection { id: a, by: 1 }, T2).unwrap();
    assert_eq!(questions(s.protocol(p).unwrap()), ["Third?", "Second?", "First?"]);
    assert_eq!(s.protocol(p).unwrap().modified, T2);

    // Past either end: nothing changes, not even the modified time.
    assert_eq!(s.edit_protocol(p, ProtocolEdit::MoveSection { id: a, by: 1 }, T3), Ok(ObjectRef::Protocol(p)));
    assert_eq!(s.edit_protocol(p, ProtocolEdit::MoveSection { id: c, by: -1 }, T3), Ok(ObjectRef::Protocol(p)));
    assert_eq!(s.edit_protocol(p, ProtocolEdit::MoveSection { id: b, by: isize::MIN }, T3), Ok(ObjectRef::Protocol(p)));
    assert_eq!(s.edit_protocol(p, ProtocolEdit::MoveSection { id: b, by: isize::MAX }, T3), Ok(ObjectRef::Protocol(p)));
    assert_eq!(questions(s.protocol(p).unwrap()), ["Third?", "Second?", "First?"]);
    assert_eq!(s.protocol(p).unwrap().modified, T2);
    // Prompts travel with their section.
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt one", "Prompt two"]);
}

#[test]
fn prompts_are_added_edited_moved_and_removed_within_their_section() {
    let (mut s, p, [a, b, _]) = sample();
    let first = s.protocol(p).unwrap().section(a).unwrap().prompts[0].id;
    let third = add_prompt(&mut s, p, a, "  Prompt three ");
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt one", "Prompt two", "Prompt three"]);

    s.edit_protocol(p, ProtocolEdit::PromptText { id: third, text: " Prompt 3 ".into() }, T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::MovePrompt { id: third, by: -2 }, T2).unwrap();
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt 3", "Prompt one", "Prompt two"]);
    s.edit_protocol(p, ProtocolEdit::MovePrompt { id: first, by: -1 }, T2).unwrap();
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt one", "Prompt 3", "Prompt two"]);
    // Moving past the end of its own section does not carry it into the next one.
    s.edit_protocol(p, ProtocolEdit::MovePrompt { id: first, by: 5 }, T2).unwrap();
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt one", "Prompt 3", "Prompt two"]);
    assert!(prompts(s.protocol(p).unwrap(), b).is_empty());

    assert_eq!(s.edit_protocol(p, ProtocolEdit::RemovePrompt(third), T3), Ok(ObjectRef::Protocol(p)));
    assert_eq!(prompts(s.protocol(p).unwrap(), a), ["Prompt one", "Prompt two"]);
    assert_eq!(s.protocol(p).unwrap().modified, T3);

    let in_b = add_prompt(&mut s, p, b, "Only prompt of b");
    assert_eq!(prompts(s.protocol(p).unwrap(), b), ["Only prompt of b"]);
    s.edit_protocol(p, ProtocolEdit::RemovePrompt(in_b), T3).unwrap();
    assert!(prompts(s.protocol(p).unwrap(), b).is_empty());
}

#[test]
fn removing_a_section_removes_its_prompts() {
    let (mut s, p, [a, b, c]) = sample();
    let prompt = s.protocol(p).unwrap().section(a).unwrap().prompts[0].id;
    assert_eq!(s.edit_protocol(p, ProtocolEdit::RemoveSection(a), T2), Ok(ObjectRef::Protocol(p)));
    let protocol = s.protocol(p).unwrap();
    assert_eq!(questions(protocol), ["Second?", "Third?"]);
    assert!(protocol.section(a).is_none());
    assert_eq!(
        s.edit_protocol(p, ProtocolEdit::PromptText { id: prompt, text: "x".into() }, T2),
        Err(ValidationError::UnknownPrompt(prompt))
    );
    s.edit_protocol(p, ProtocolEdit::RemoveSection(b), T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::RemoveSection(c), T2).unwrap();
    assert!(s.protocol(p).unwrap().sections.is_empty());
    assert_eq!(s.edit_protocol(p, ProtocolEdit::RemoveSection(c), T2), Err(ValidationError::UnknownProtocolSection(c)));
}

// --- validation ---

#[test]
fn questions_and_prompts_cannot_be_blank() {
    let (mut s, p, [a, _, _]) = sample();
    let before = s.protocol(p).unwrap().clone();
    let prompt = before.sections[0].prompts[0].id;
    let rejected = [
        (
            ProtocolEdit::AddSection {
                id: Uuid::new_v4(),
                title: "T".into(),
                question: " \n".into(),
                research_question_id: None,
            },
            ValidationError::EmptySectionQuestion,
        ),
        (ProtocolEdit::SectionQuestion { id: a, question: "\t".into() }, ValidationError::EmptySectionQuestion),
        (ProtocolEdit::AddPrompt { section: a, id: Uuid::new_v4(), text: "".into() }, ValidationError::EmptyPromptText),
        (ProtocolEdit::PromptText { id: prompt, text: "  ".into() }, ValidationError::EmptyPromptText),
    ];
    for (edit, error) in rejected {
        assert_eq!(s.edit_protocol(p, edit, T2), Err(error));
    }
    assert_eq!(s.protocol(p).unwrap(), &before, "rejected edits change nothing");
}

#[test]
fn colours_must_be_six_digit_hex() {
    let (mut s, p, [a, _, _]) = sample();
    for bad in ["red", "#12345", "#1234567", "2a7f62", "#2a7f6g", "#２a7f62"] {
        assert_eq!(
            s.edit_protocol(p, ProtocolEdit::SectionColour { id: a, colour: Some(bad.into()) }, T2),
            Err(ValidationError::InvalidColour(bad.into())),
            "{bad}"
        );
    }
    assert_eq!(s.protocol(p).unwrap().section(a).unwrap().colour, None);
    assert_eq!(
        ValidationError::InvalidColour("red".into()).to_string(),
        "“red” is not a colour; use the form #2a7f62."
    );
}

#[test]
fn links_must_be_to_research_questions_of_the_study() {
    let (mut s, p, [a, _, _]) = sample();
    let stranger = Uuid::new_v4();
    assert_eq!(
        s.edit_protocol(p, ProtocolEdit::SectionResearchQuestion { id: a, research_question_id: Some(stranger) }, T2),
        Err(ValidationError::UnknownResearchQuestion(stranger))
    );
    assert_eq!(
        s.edit_protocol(
            p,
            ProtocolEdit::AddSection {
                id: Uuid::new_v4(),
                title: String::new(),
                question: "Q?".into(),
                research_question_id: Some(stranger)
            },
            T2
        ),
        Err(ValidationError::UnknownResearchQuestion(stranger))
    );
    assert_eq!(s.protocol(p).unwrap().sections.len(), 3);
}

#[test]
fn new_sections_and_prompts_cannot_reuse_an_id() {
    let (mut s, p, [a, b, _]) = sample();
    let prompt = s.protocol(p).unwrap().sections[0].prompts[0].id;
    for taken in [a, prompt] {
        assert_eq!(
            s.edit_protocol(
                p,
                ProtocolEdit::AddSection {
                    id: taken,
                    title: String::new(),
                    question: "Q?".into(),
                    research_question_id: None
                },
                T2
            ),
            Err(ValidationError::DuplicateId(taken))
        );
        assert_eq!(
            s.edit_protocol(p, ProtocolEdit::AddPrompt { section: b, id: taken, text: "P".into() }, T2),
            Err(ValidationError::DuplicateId(taken))
        );
    }
    assert_eq!(s.protocol(p).unwrap().sections.len(), 3);
}

#[test]
fn unknown_ids_are_errors_never_panics() {
    let (mut s, p, [a, _, _]) = sample();
    let nobody = Uuid::new_v4();
    let before = s.clone();

    // Every kind of edit on a protocol that does not exist.
    let all_edits = |id: Uuid| {
        vec![
            ProtocolEdit::Name("New name".into()),
            ProtocolEdit::Description("d".into()),
            ProtocolEdit::AddSection {
                id: Uuid::new_v4(),
                title: "t".into(),
                question: "q".into(),
                research_question_id: None,
            },
            ProtocolEdit::SectionTitle { id, title: "t".into() },
            ProtocolEdit::SectionQuestion { id, question: "q".into() },
            ProtocolEdit::SectionGuidance { id, guidance: "g".into() },
            ProtocolEdit::SectionColour { id, colour: Some("#000000".into()) },
            ProtocolEdit::SectionResearchQuestion { id, research_question_id: None },
            ProtocolEdit::MoveSection { id, by: 1 },
            ProtocolEdit::RemoveSection(id),
            ProtocolEdit::AddPrompt { section: id, id: Uuid::new_v4(), text: "p".into() },
            ProtocolEdit::PromptText { id, text: "p".into() },
            ProtocolEdit::MovePrompt { id, by: 1 },
            ProtocolEdit::RemovePrompt(id),
        ]
    };
    for edit in all_edits(a) {
        assert_eq!(s.edit_protocol(nobody, edit, T2), Err(ValidationError::UnknownProtocol(nobody)));
    }

    // Section edits naming a section that is not there.
    for edit in all_edits(nobody).into_iter().skip(3).take(8) {
        assert_eq!(s.edit_protocol(p, edit, T2), Err(ValidationError::UnknownProtocolSection(nobody)));
    }
    // Prompt edits naming a prompt that is not there (a section id is not a prompt id).
    for id in [nobody, a] {
        for edit in all_edits(id).into_iter().skip(11) {
            assert_eq!(s.edit_protocol(p, edit, T2), Err(ValidationError::UnknownPrompt(id)));
        }
    }
    assert_eq!(s, before, "failed edits change nothing");

    assert_eq!(s.delete_protocol(nobody), Err(ValidationError::UnknownProtocol(nobody)));
    assert_eq!(s.protocol_deletion_impact(nobody), ProtocolDeletionImpact::default());
    assert!(s.protocol(nobody).is_none());
    assert!(s.protocol(p).unwrap().section(nobody).is_none());
    assert!(!s.protocol_version_in_use(nobody, 1));
    assert_eq!(s.interviews_using_protocol(nobody).count(), 0);
}

// --- versions ---

#[test]
fn editing_an_unused_protocol_never_starts_a_new_version() {
    let (mut s, p, [a, b, _]) = sample();
    // An interview on another protocol does not count.
    let other = s.add_protocol("Other", T0).unwrap();
    interview_on(&mut s, other, 1);
    s.edit_protocol(p, ProtocolEdit::Name("Renamed".into()), T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "Changed?".into() }, T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::RemoveSection(b), T2).unwrap();
    let protocol = s.protocol(p).unwrap();
    assert_eq!(protocol.version, 1);
    assert!(protocol.history.is_empty());
}

#[test]
fn the_first_edit_after_an_interview_keeps_the_old_version_and_bumps_once() {
    let (mut s, p, [a, b, _]) = sample();
    let old = s.protocol(p).unwrap().clone();
    interview_on(&mut s, p, 1);
    assert!(s.protocol_version_in_use(p, 1));

    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "First, reworded?".into() }, T2).unwrap();
    let protocol = s.protocol(p).unwrap();
    assert_eq!(protocol.version, 2);
    assert_eq!(protocol.modified, T2);
    assert_eq!(protocol.history.len(), 1);
    let kept = &protocol.history[0];
    assert_eq!(kept.version, 1);
    assert_eq!(kept.superseded, T2);
    assert_eq!(kept.name, old.name);
    assert_eq!(kept.sections, old.sections, "the snapshot is the version as it was used");

    // Version 2 is not used yet, so further edits go straight into it.
    s.edit_protocol(p, ProtocolEdit::Name("Stakeholder interview v2".into()), T3).unwrap();
    s.edit_protocol(p, ProtocolEdit::RemoveSection(b), T3).unwrap();
    let new_prompt = add_prompt(&mut s, p, a, "A new prompt");
    let protocol = s.protocol(p).unwrap();
    assert_eq!(protocol.version, 2);
    assert_eq!(protocol.history.len(), 1);
    assert_eq!(protocol.history[0].sections, old.sections, "the kept version never changes");

    // The old interview still shows exactly what it was run with; new ones get the new text.
    let v1 = protocol.sections_for(1).unwrap();
    assert_eq!(v1, old.sections.as_slice());
    assert_eq!(v1[0].question, "First?");
    assert_eq!(v1.len(), 3);
    let v2 = protocol.sections_for(2).unwrap();
    assert_eq!(v2[0].question, "First, reworded?");
    assert_eq!(v2.len(), 2);
    assert!(v2[0].prompts.iter().any(|x| x.id == new_prompt));
    assert_eq!(protocol.name_for(1), Some("Stakeholder interview"));
    assert_eq!(protocol.name_for(2), Some("Stakeholder interview v2"));
    assert_eq!(protocol.sections_for(3), None);
    assert_eq!(protocol.name_for(0), None);
    assert_eq!(protocol.version_numbers(), [1, 2]);
    // Section ids carry over, so answers can be compared across versions.
    assert_eq!(v1[0].id, v2[0].id);
}

#[test]
fn an_interview_on_the_new_version_makes_the_next_edit_bump_again() {
    let (mut s, p, [a, _, _]) = sample();
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "Version 2?".into() }, T1).unwrap();
    let second = interview_on(&mut s, p, 2);
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "Version 3?".into() }, T2).unwrap();
    s.edit_protocol(p, ProtocolEdit::SectionGuidance { id: a, guidance: "Still version 3".into() }, T3).unwrap();

    let protocol = s.protocol(p).unwrap();
    assert_eq!(protocol.version, 3);
    let kept: Vec<(u32, Timestamp)> = protocol.history.iter().map(|v| (v.version, v.superseded)).collect();
    assert_eq!(kept, [(1, T1), (2, T2)]);
    let question = |v: u32| protocol.sections_for(v).unwrap()[0].question.as_str();
    assert_eq!([question(1), question(2), question(3)], ["First?", "Version 2?", "Version 3?"]);
    assert_eq!(protocol.version_numbers(), [1, 2, 3]);

    // Each interview finds its own version.
    let interview = s.interviews.iter().find(|i| i.id == second).unwrap();
    let sections = s.protocol(interview.protocol_id).unwrap().sections_for(interview.protocol_version).unwrap();
    assert_eq!(sections[0].question, "Version 2?");
    assert_eq!(sections[0].guidance, "");
    assert!(s.validate_protocols().is_empty());
}

#[test]
fn every_kind_of_change_to_a_used_version_starts_a_new_one() {
    let mut s = study_with_questions(1);
    let rq = s.study.research_questions[0].id;
    let p = s.add_protocol("Protocol", T0).unwrap();
    let a = add_section(&mut s, p, "A?");
    let b = add_section(&mut s, p, "B?");
    let prompt = add_prompt(&mut s, p, a, "Prompt");
    let second_prompt = add_prompt(&mut s, p, a, "Prompt 2");
    let edits = [
        ProtocolEdit::Name("Protocol, revised".into()),
        ProtocolEdit::AddSection {
            id: Uuid::new_v4(),
            title: String::new(),
            question: "C?".into(),
            research_question_id: None,
        },
        ProtocolEdit::SectionTitle { id: a, title: "Title".into() },
        ProtocolEdit::SectionQuestion { id: a, question: "A, revised?".into() },
        ProtocolEdit::SectionGuidance { id: a, guidance: "Guidance".into() },
        ProtocolEdit::SectionColour { id: a, colour: Some("#abcdef".into()) },
        ProtocolEdit::SectionResearchQuestion { id: a, research_question_id: Some(rq) },
        ProtocolEdit::MoveSection { id: b, by: -1 },
        ProtocolEdit::AddPrompt { section: b, id: Uuid::new_v4(), text: "New".into() },
        ProtocolEdit::PromptText { id: prompt, text: "Prompt, revised".into() },
        ProtocolEdit::MovePrompt { id: second_prompt, by: -1 },
        ProtocolEdit::RemovePrompt(prompt),
        ProtocolEdit::RemoveSection(b),
    ];
    for (n, edit) in edits.into_iter().enumerate() {
        let version = s.protocol(p).unwrap().version;
        interview_on(&mut s, p, version);
        s.edit_protocol(p, edit.clone(), T2).unwrap();
        assert_eq!(s.protocol(p).unwrap().version, version + 1, "edit {n}: {edit:?}");
    }
    assert_eq!(s.protocol(p).unwrap().history.len(), 13);
    assert!(s.validate_protocols().is_empty());
}

#[test]
fn changes_that_change_nothing_or_are_rejected_do_not_start_a_new_version() {
    let (mut s, p, [a, _, c]) = sample();
    interview_on(&mut s, p, 1);
    let before = s.protocol(p).unwrap().clone();
    let prompt = before.sections[0].prompts[0].id;
    let no_ops = [
        ProtocolEdit::Name(" Stakeholder interview ".into()),
        ProtocolEdit::SectionQuestion { id: a, question: "First?".into() },
        ProtocolEdit::SectionTitle { id: a, title: "".into() },
        ProtocolEdit::SectionColour { id: a, colour: Some(" ".into()) },
        ProtocolEdit::MoveSection { id: a, by: -1 },
        ProtocolEdit::MoveSection { id: c, by: 1 },
        ProtocolEdit::PromptText { id: prompt, text: "Prompt one".into() },
        ProtocolEdit::MovePrompt { id: prompt, by: -1 },
    ];
    for edit in no_ops {
        assert_eq!(s.edit_protocol(p, edit, T2), Ok(ObjectRef::Protocol(p)));
    }
    let rejected = [
        ProtocolEdit::SectionQuestion { id: a, question: "".into() },
        ProtocolEdit::SectionColour { id: a, colour: Some("blue".into()) },
        ProtocolEdit::RemoveSection(Uuid::new_v4()),
    ];
    for edit in rejected {
        assert!(s.edit_protocol(p, edit, T2).is_err());
    }
    assert_eq!(s.protocol(p).unwrap(), &before, "no version, no modified time");
}

#[test]
fn the_description_is_not_part_of_a_version() {
    let (mut s, p, _) = sample();
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::Description("Notes for the team".into()), T2).unwrap();
    let protocol = s.protocol(p).unwrap();
    assert_eq!((protocol.version, protocol.history.len()), (1, 0));
    assert_eq!(protocol.description, "Notes for the team");
    assert_eq!(protocol.modified, T2);
}

#[test]
fn interviews_on_an_old_version_do_not_make_the_current_one_bump() {
    let (mut s, p, [a, _, _]) = sample();
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "v2?".into() }, T1).unwrap();
    // More interviews on version 1 (for example entered late from paper notes).
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "v2, still?".into() }, T2).unwrap();
    assert_eq!(s.protocol(p).unwrap().version, 2);
    assert!(!s.protocol_version_in_use(p, 2));
    assert_eq!(s.interviews_using_protocol(p).count(), 2);
}

#[test]
fn a_versioned_protocol_survives_a_json_round_trip() {
    let (mut s, p, [a, _, _]) = sample();
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::SectionColour { id: a, colour: Some("#2a7f62".into()) }, T2).unwrap();
    let json = serde_json::to_string(&s).unwrap();
    let back: StudyData = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    assert_eq!(back.protocol(p).unwrap().sections_for(1).unwrap()[0].colour, None);
}

// --- deleting ---

#[test]
fn a_protocol_in_use_cannot_be_deleted() {
    let (mut s, p, _) = sample();
    interview_on(&mut s, p, 1);
    interview_on(&mut s, p, 1);
    let impact = s.protocol_deletion_impact(p);
    assert_eq!(impact, ProtocolDeletionImpact { interviews: 2, earlier_versions: 0 });
    assert!(impact.blocked());
    let refused = s.delete_protocol(p);
    assert_eq!(refused, Err(ValidationError::ProtocolInUse { name: "Stakeholder interview".into(), interviews: 2 }));
    assert_eq!(
        refused.unwrap_err().to_string(),
        "“Stakeholder interview” cannot be deleted: it is used by 2 interviews, which must keep the protocol they were run with."
    );
    assert!(s.protocol(p).is_some());

    s.interviews.pop();
    assert_eq!(
        s.delete_protocol(p).unwrap_err().to_string(),
        "“Stakeholder interview” cannot be deleted: it is used by 1 interview, which must keep the protocol they were run with."
    );
}

#[test]
fn an_unused_protocol_is_deleted_with_its_earlier_versions() {
    let (mut s, p, [a, _, _]) = sample();
    let keep = s.add_protocol("Keep me", T0).unwrap();
    assert_eq!(s.protocol_deletion_impact(p), ProtocolDeletionImpact::default());
    assert_eq!(s.protocol_deletion_impact(p).describe(), None);

    // Versions remain after the interviews that caused them are deleted.
    interview_on(&mut s, p, 1);
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: a, question: "v2?".into() }, T1).unwrap();
    s.interviews.clear();
    s.codes.clear();
    s.segments.clear();
    s.memos.clear();
    s.matrix_cells.clear();
    let impact = s.protocol_deletion_impact(p);
    assert_eq!(impact, ProtocolDeletionImpact { interviews: 0, earlier_versions: 1 });
    assert!(!impact.blocked());
    assert_eq!(impact.describe().as_deref(), Some("This also deletes 1 earlier version of it."));

    assert_eq!(s.delete_protocol(p), Ok(vec![ObjectRef::Protocol(p)]));
    assert!(s.protocol(p).is_none());
    assert!(s.protocol(keep).is_some());
    assert_eq!(s.delete_protocol(p), Err(ValidationError::UnknownProtocol(p)));
}

// --- templates ---

fn all_text(p: &Protocol) -> Vec<&str> {
    let mut text = vec![p.name.as_str(), p.description.as_str()];
    for section in &p.sections {
        text.extend([section.title.as_str(), section.question.as_str(), section.guidance.as_str()]);
        text.extend(section.prompts.iter().map(|x| x.text.as_str()));
    }
    text
}

#[test]
fn there_are_three_templates_with_distinct_keys_and_names() {
    let keys: Vec<&str> = TEMPLATES.iter().map(|t| t.key).collect();
    assert_eq!(keys, ["four-question", "cooperative-founder", "micro-provider"]);
    let counts: Vec<usize> = TEMPLATES.iter().map(|t| t.sections.len()).collect();
    assert_eq!(counts, [4, 7, 4]);
    for t in &TEMPLATES {
        assert!(!t.name.trim().is_empty() && !t.summary.trim().is_empty(), "{}", t.key);
        assert_eq!(template(t.key), Some(t));
        assert_eq!(TEMPLATES.iter().filter(|u| same(u.name, t.name)).count(), 1);
    }
    assert_eq!(template("nonsense"), None);
}

fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

#[test]
fn every_template_section_has_a_question_prompts_and_guidance() {
    let mut s = study();
    for t in &TEMPLATES {
        let id = s.add_protocol_from_template(t.key, T0).unwrap();
        let p = s.protocol(id).unwrap();
        assert_eq!(p.sections.len(), t.sections.len());
        for section in &p.sections {
            let label = format!("{} / {}", t.key, section.title);
            assert!(!section.title.trim().is_empty(), "{label}: title");
            assert!(!section.question.trim().is_empty(), "{label}: question");
            assert!(
                section.question.trim_end().ends_with('?') || section.question.trim_end().ends_with('.'),
                "{label}"
            );
            assert!(!section.guidance.trim().is_empty(), "{label}: guidance");
            assert!((2..=4).contains(&section.prompts.len()), "{label}: {} prompts", section.prompts.len());
            assert!(section.prompts.iter().all(|x| !x.text.trim().is_empty()), "{label}: blank prompt");
        }
        // Template text has no stray spaces from line continuations.
        for text in all_text(p) {
            assert!(!text.contains("  "), "double space in {text:?}");
            assert_eq!(text, text.trim(), "untrimmed {text:?}");
        }
    }
    assert!(s.validate_protocols().is_empty(), "{:?}", s.validate_protocols());
}

#[test]
fn a_template_is_copied_with_fresh_ids_and_a_free_name() {
    let mut s = study();
    let first = s.add_protocol_from_template("cooperative-founder", T0).unwrap();
    let second = s.add_protocol_from_template("cooperative-founder", T1).unwrap();
    let third = s.add_protocol_from_template("cooperative-founder", T1).unwrap();
    let (a, b) = (s.protocol(first).unwrap(), s.protocol(second).unwrap());
    assert_ne!(first, second);
    assert_eq!(a.name, "Co-operative care provider: founder and stakeholder interview");
    assert_eq!(b.name, "Co-operative care provider: founder and stakeholder interview (2)");
    assert_eq!(s.protocol(third).unwrap().name, "Co-operative care provider: founder and stakeholder interview (3)");
    assert_eq!(a.template.as_deref(), Some("cooperative-founder"));
    assert_eq!(a.description, TEMPLATES[1].summary);
    assert_eq!((a.version, a.created, a.modified, a.study_id), (1, T0, T0, s.id()));
    assert!(a.history.is_empty());

    let ids = |p: &Protocol| -> Vec<Uuid> {
        p.sections.iter().flat_map(|x| std::iter::once(x.id).chain(x.prompts.iter().map(|y| y.id))).collect()
    };
    let (ids_a, ids_b) = (ids(a), ids(b));
    assert!(ids_a.iter().all(|id| !ids_b.contains(id)), "copies share no ids");
    let mut unique = ids_a.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids_a.len(), "ids within a copy are distinct");
    // Same text in both copies.
    assert_eq!(questions(a), questions(b));

    let titles: Vec<&str> = a.sections.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Why it was set up",
            "Personalised care in practice",
            "Working with the local authority",
            "Registration and regulation",
            "Recruitment and pay",
            "Finance and unpaid work",
            "Networks and support",
        ]
    );
    assert!(s.validate_protocols().is_empty());
}

#[test]
fn a_copied_template_is_freely_editable() {
    let mut s = study();
    let p = s.add_protocol_from_template("four-question", T0).unwrap();
    let first = s.protocol(p).unwrap().sections[0].id;
    s.edit_protocol(p, ProtocolEdit::Name("Our protocol".into()), T1).unwrap();
    s.edit_protocol(p, ProtocolEdit::SectionQuestion { id: first, question: "In your own words?".into() }, T1).unwrap();
    s.edit_protocol(p, ProtocolEdit::RemoveSection(first), T1).unwrap();
    let protocol = s.protocol(p).unwrap();
    assert_eq!((protocol.name.as_str(), protocol.version, protocol.sections.len()), ("Our protocol", 1, 3));
    // The template itself is untouched: a new copy has all four sections.
    let again = s.add_protocol_from_template("four-question", T1).unwrap();
    assert_eq!(s.protocol(again).unwrap().sections.len(), 4);
    assert_eq!(s.protocol(again).unwrap().name, "Four-question stakeholder protocol");
}

#[test]
fn an_unknown_template_key_is_an_error() {
    let mut s = study();
    assert_eq!(
        s.add_protocol_from_template("no-such-template", T0),
        Err(ValidationError::UnknownTemplate("no-such-template".into()))
    );
    assert!(s.protocols.is_empty());
}

#[test]
fn the_four_question_template_follows_the_research_questions() {
    let mut s = study_with_questions(4);
    let p = s.add_protocol_from_template("four-question", T0).unwrap();
    let linked: Vec<Option<Uuid>> = s.protocol(p).unwrap().sections.iter().map(|x| x.research_question_id).collect();
    let expected: Vec<Option<Uuid>> = s.study.research_questions.iter().map(|q| Some(q.id)).collect();
    assert_eq!(linked, expected);
    let titles: Vec<&str> = s.protocol(p).unwrap().sections.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Overall experience",
            "Barriers and how they are overcome",
            "Non-financial support from local agencies",
            "Community leadership and the policy context",
        ]
    );

    // With fewer questions, only as many sections are linked; with none, none are.
    let mut two = study_with_questions(2);
    let p = two.add_protocol_from_template("four-question", T0).unwrap();
    let linked: Vec<bool> =
        two.protocol(p).unwrap().sections.iter().map(|x| x.research_question_id.is_some()).collect();
    assert_eq!(linked, [true, true, false, false]);
    assert_eq!(two.protocol(p).unwrap().sections[1].research_question_id, Some(two.study.research_questions[1].id));

    let mut none = study();
    let p = none.add_protocol_from_template("four-question", T0).unwrap();
    assert!(none.protocol(p).unwrap().sections.iter().all(|x| x.research_question_id.is_none()));

    // The other templates are not tied to research questions.
    for key in ["cooperative-founder", "micro-provider"] {
        let p = s.add_protocol_from_template(key, T0).unwrap();
        assert!(s.protocol(p).unwrap().sections.iter().all(|x| x.research_question_id.is_none()), "{key}");
    }
}

#[test]
fn the_micro_provider_record_has_four_parts_each_with_its_own_colour() {
    let mut s = study();
    let p = s.add_protocol_from_template("micro-provider", T0).unwrap();
    let protocol = s.protocol(p).unwrap();
    let titles: Vec<&str> = protocol.sections.iter().map(|x| x.title.as_str()).collect();
    assert_eq!(titles, ["Sustainable business", "Social participation", "Diverse markets", "Local work opportunities"]);
    let colours: Vec<&str> = protocol.sections.iter().filter_map(|x| x.colour.as_deref()).collect();
    assert_eq!(colours.len(), 4, "every part has a colour");
    for (i, colour) in colours.iter().enumerate() {
        assert!(colour.len() == 7 && colour.starts_with('#'), "{colour}");
        assert!(colour[1..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{colour}");
        assert!(!colours[..i].contains(colour), "{colour} is used twice");
    }
    // The other templates leave colour to the researcher.
    for key in ["four-question", "cooperative-founder"] {
        assert!(template(key).unwrap().sections.iter().all(|x| x.colour.is_none()), "{key}");
    }
}

#[test]
fn the_micro_provider_record_asks_nothing_about_income_or_ethnicity() {
    let mut s = study();
    let p = s.add_protocol_from_template("micro-provider", T0).unwrap();
    let protocol = s.protocol(p).unwrap();
    let text = all_text(protocol).join("\n").to_lowercase();
    assert!(text.len() > 500, "the scan must see the whole template");
    for word in ["income", "ethnic", "earn", "salary", "turnover", "wage", "race", "benefits"] {
        assert!(!text.contains(word), "micro-provider template mentions “{word}”");
    }
    // The same holds for the template as shown in the chooser.
    let t = template("micro-provider").unwrap();
    let mut raw = vec![t.name, t.summary];
    for part in t.sections {
        raw.extend([part.title, part.question, part.guidance]);
        raw.extend(part.prompts.iter().copied());
    }
    let raw = raw.join("\n").to_lowercase();
    assert!(!raw.contains("income") && !raw.contains("ethnic") && !raw.contains("earn"));
}

// --- checking a whole study ---

#[test]
fn validate_protocols_reports_broken_data_from_a_backup() {
    let (mut s, p, _) = sample();
    assert!(s.validate_protocols().is_empty());
    let other = s.add_protocol("Other", T0).unwrap();
    let missing = interview_on(&mut s, p, 7);
    let copied_sections = s.protocol(p).unwrap().sections.clone();
    let protocol = s.protocols.iter_mut().find(|x| x.id == other).unwrap();
    protocol.name = "stakeholder INTERVIEW".into();
    protocol.sections = copied_sections;
    s.protocols[1].sections[0].question = " ".into();
    s.protocols[1].sections[1].colour = Some("purple".into());
    s.protocols[1].study_id = Uuid::new_v4();
    let prompt_id = s.protocols[1].sections[0].prompts[0].id;
    s.protocols[1].sections[0].prompts[1].id = prompt_id;
    s.protocols[1].sections[0].prompts[1].text = String::new();

    let errors = s.validate_protocols();
    let expect = [
        ValidationError::WrongStudy { kind: "Protocol", id: other },
        ValidationError::DuplicateProtocolName("stakeholder INTERVIEW".into()),
        ValidationError::EmptySectionQuestion,
        ValidationError::InvalidColour("purple".into()),
        ValidationError::DuplicateId(prompt_id),
        ValidationError::EmptyPromptText,
        ValidationError::UnknownProtocolVersion { protocol: p, version: 7 },
    ];
    for e in &expect {
        assert!(errors.contains(e), "missing {e:?} in {errors:?}");
    }
    assert_eq!(errors.len(), expect.len(), "{errors:?}");
    assert!(s.interviews.iter().any(|i| i.id == missing));
}
