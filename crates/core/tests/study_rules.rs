//! The rules of the study model: creating and editing studies, cases and participants.

use fieldkit_core::study::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);

fn study() -> StudyData {
    StudyData::new("Care co-operatives", T0).unwrap()
}

#[test]
fn a_new_study_has_a_title_and_the_default_roles() {
    let s = study();
    assert_eq!(s.study.title, "Care co-operatives");
    let roles: Vec<&str> = s.study.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(roles, DEFAULT_ROLES);
    assert_eq!(s.study.created, T0);
    assert!(s.validate().is_empty());
}

#[test]
fn titles_names_and_pseudonyms_cannot_be_blank() {
    assert_eq!(StudyData::new("   ", T0), Err(ValidationError::EmptyTitle));
    let mut s = study();
    assert_eq!(s.edit_study(StudyEdit::Title(" ".into()), T1), Err(ValidationError::EmptyTitle));
    assert_eq!(s.study.title, "Care co-operatives", "rejected edit changes nothing");
    assert_eq!(s.add_case("", T0), Err(ValidationError::EmptyCaseName));
    assert_eq!(s.add_participant("\t", None, None, T0), Err(ValidationError::EmptyPseudonym));
}

#[test]
fn case_names_and_pseudonyms_are_unique_ignoring_case_and_spaces() {
    let mut s = study();
    let a = s.add_case("Hillside", T0).unwrap();
    assert_eq!(s.add_case(" hillside ", T0), Err(ValidationError::DuplicateCaseName("hillside".into())));
    let b = s.add_case("Riverside", T0).unwrap();
    assert_eq!(
        s.edit_case(b, CaseEdit::Name("HILLSIDE".into()), T1),
        Err(ValidationError::DuplicateCaseName("HILLSIDE".into()))
    );
    // Renaming a case to its own name (different capitals) is fine.
    assert_eq!(s.edit_case(a, CaseEdit::Name("HillSide".into()), T1), Ok(ObjectRef::Case(a)));

    let p = s.add_participant("Rowan", Some(a), None, T0).unwrap();
    assert_eq!(s.add_participant("rowan", None, None, T0), Err(ValidationError::DuplicatePseudonym("rowan".into())));
    let q = s.add_participant("Hazel", None, None, T0).unwrap();
    assert_eq!(
        s.edit_participant(q, ParticipantEdit::Pseudonym("ROWAN ".into()), T1),
        Err(ValidationError::DuplicatePseudonym("ROWAN".into()))
    );
    assert_eq!(s.edit_participant(p, ParticipantEdit::Pseudonym("Rowan".into()), T1), Ok(ObjectRef::Participant(p)));
}

#[test]
fn edits_stamp_the_modified_time() {
    let mut s = study();
    let c = s.add_case("Hillside", T0).unwrap();
    s.edit_case(c, CaseEdit::Setting(Some(Setting::VeryRural)), T1).unwrap();
    assert_eq!(s.case(c).unwrap().modified, T1);
    assert_eq!(s.case(c).unwrap().created, T0);
    s.edit_study(StudyEdit::Description("About care".into()), T1).unwrap();
    assert_eq!(s.study.modified, T1);
}

#[test]
fn case_attributes_are_typed_and_free_pairs_are_checked() {
    let mut s = study();
    let c = s.add_case("Hillside", T0).unwrap();
    s.edit_case(c, CaseEdit::Setting(Some(Setting::Rural)), T1).unwrap();
    s.edit_case(c, CaseEdit::LegalForm("Community interest company".into()), T1).unwrap();
    s.edit_case(c, CaseEdit::Country("England".into()), T1).unwrap();
    s.edit_case(c, CaseEdit::AddAttribute { key: "Stage".into(), value: "Trading".into() }, T1).unwrap();
    assert_eq!(
        s.edit_case(c, CaseEdit::AddAttribute { key: "stage".into(), value: "x".into() }, T1),
        Err(ValidationError::DuplicateAttributeName("stage".into()))
    );
    assert_eq!(
        s.edit_case(c, CaseEdit::AddAttribute { key: "Country".into(), value: "x".into() }, T1),
        Err(ValidationError::ReservedAttributeName("Country".into()))
    );
    assert_eq!(
        s.edit_case(c, CaseEdit::AddAttribute { key: " ".into(), value: "x".into() }, T1),
        Err(ValidationError::EmptyAttributeName)
    );
    s.edit_case(c, CaseEdit::AttributeValue { index: 0, value: "Converting".into() }, T1).unwrap();
    assert!(s.edit_case(c, CaseEdit::AttributeValue { index: 5, value: "x".into() }, T1).is_err());
    let a = &s.case(c).unwrap().attributes;
    assert_eq!(a.setting, Some(Setting::Rural));
    assert_eq!(a.extra, vec![Attribute { key: "Stage".into(), value: "Converting".into() }]);
    s.edit_case(c, CaseEdit::RemoveAttribute(0), T1).unwrap();
    assert!(s.case(c).unwrap().attributes.extra.is_empty());
    assert_eq!(Setting::from_key("very_rural"), Some(Setting::VeryRural));
    assert_eq!(Setting::VeryRural.label(), "Very rural");
}

#[test]
fn research_questions_keep_their_order_and_can_move() {
    let mut s = study();
    let ids: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    for (i, id) in ids.iter().enumerate() {
        s.edit_study(StudyEdit::AddQuestion { id: *id, text: format!("Q{}", i + 1) }, T0).unwrap();
    }
    s.edit_study(StudyEdit::MoveQuestion { id: ids[3], by: -1 }, T1).unwrap();
    s.edit_study(StudyEdit::MoveQuestion { id: ids[0], by: -1 }, T1).unwrap(); // already first: no-op
    let order: Vec<&str> = s.study.research_questions.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(order, ["Q1", "Q2", "Q4", "Q3"]);
    s.edit_study(StudyEdit::RemoveQuestion(ids[1]), T1).unwrap();
    assert_eq!(s.study.research_questions.len(), 3);
    assert_eq!(
        s.edit_study(StudyEdit::QuestionText { id: ids[0], text: "".into() }, T1),
        Err(ValidationError::EmptyResearchQuestion)
    );
    assert_eq!(
        s.edit_study(StudyEdit::RemoveQuestion(ids[1]), T1),
        Err(ValidationError::UnknownResearchQuestion(ids[1]))
    );
}

#[test]
fn roles_are_editable_and_removing_one_clears_it_from_participants() {
    let mut s = study();
    let id = Uuid::new_v4();
    s.edit_study(StudyEdit::AddRole { id, name: "Trustee".into() }, T0).unwrap();
    assert_eq!(
        s.edit_study(StudyEdit::AddRole { id: Uuid::new_v4(), name: "trustee".into() }, T0),
        Err(ValidationError::DuplicateRoleName("trustee".into()))
    );
    let p = s.add_participant("Rowan", None, Some(id), T0).unwrap();
    assert_eq!(s.role_name(Some(id)), "Trustee");
    assert_eq!(s.role_holders(id).len(), 1);
    let changed = s.remove_role(id, T1).unwrap();
    assert_eq!(changed, vec![ObjectRef::Study, ObjectRef::Participant(p)]);
    assert_eq!(s.participant(p).unwrap().role_id, None);
    assert_eq!(s.add_participant("Hazel", None, Some(id), T0), Err(ValidationError::UnknownRole(id)));
}

#[test]
fn consent_decides_who_can_be_interviewed() {
    let mut s = study();
    let p = s.add_participant("Rowan", None, None, T0).unwrap();
    assert_eq!(s.interviewable().count(), 0, "no consent recorded yet");
    s.edit_participant(p, ParticipantEdit::ConsentInterview(true), T1).unwrap();
    s.edit_participant(p, ParticipantEdit::ConsentDate("2017-01-09".into()), T1).unwrap();
    assert_eq!(s.interviewable().count(), 1);
    s.edit_participant(p, ParticipantEdit::Withdrawn(true), T1).unwrap();
    assert_eq!(s.interviewable().count(), 0, "withdrawn participants cannot be interviewed");
    assert!(matches!(
        s.edit_participant(p, ParticipantEdit::ConsentDate("9 Jan".into()), T1),
        Err(ValidationError::InvalidDate(_))
    ));
    assert_eq!(s.participant(p).unwrap().consent.date, Date::from_ymd(2017, 1, 9), "bad date not applied");
    s.edit_participant(p, ParticipantEdit::ConsentDate("".into()), T1).unwrap();
    assert_eq!(s.participant(p).unwrap().consent.date, None);
}

#[test]
fn identifying_details_live_apart_from_the_participant() {
    let mut s = study();
    let p = s.add_participant("Rowan", None, None, T0).unwrap();
    assert!(s.identity(p).is_none());
    let changed = s.edit_participant(p, ParticipantEdit::RealName("Jane Example".into()), T1).unwrap();
    assert_eq!(changed, ObjectRef::Identity(p));
    s.edit_participant(p, ParticipantEdit::Contact("07700 900123".into()), T1).unwrap();
    assert_eq!(s.identities.len(), 1);
    let id = s.identity(p).unwrap();
    assert_eq!((id.real_name.as_str(), id.contact.as_str()), ("Jane Example", "07700 900123"));
    let encoded = s.encode(ObjectRef::Participant(p)).unwrap().unwrap();
    assert!(!encoded.body.contains("Jane"), "the participant record holds no identifying details");
}

#[test]
fn deleting_a_case_takes_its_participants_and_says_so_first() {
    let mut s = study();
    let a = s.add_case("Hillside", T0).unwrap();
    let b = s.add_case("Riverside", T0).unwrap();
    let p1 = s.add_participant("Rowan", Some(a), None, T0).unwrap();
    let _p2 = s.add_participant("Hazel", Some(a), None, T0).unwrap();
    let p3 = s.add_participant("Alder", Some(b), None, T0).unwrap();
    s.edit_participant(p1, ParticipantEdit::RealName("Jane".into()), T1).unwrap();
    let impact = s.case_deletion_impact(a);
    assert_eq!(impact.participants, ["Rowan", "Hazel"]);
    assert_eq!(impact.identities, 1);
    assert_eq!(
        impact.describe().unwrap(),
        "This also deletes 2 participants (Rowan, Hazel), the identifying details of 1 participant."
    );
    let removed = s.delete_case(a).unwrap();
    assert_eq!(removed.len(), 4, "case, two participants, one identity: {removed:?}");
    assert_eq!(s.participants.len(), 1);
    assert_eq!(s.participants[0].id, p3);
    assert!(s.identities.is_empty());
    assert_eq!(s.case_deletion_impact(b).describe().unwrap(), "This also deletes 1 participant (Alder).");
    assert!(s.validate().is_empty());
    assert_eq!(s.delete_case(a), Err(ValidationError::UnknownCase(a)));
}

#[test]
fn participants_must_point_at_cases_and_roles_of_the_study() {
    let mut s = study();
    let ghost = Uuid::new_v4();
    assert_eq!(s.add_participant("Rowan", Some(ghost), None, T0), Err(ValidationError::UnknownCase(ghost)));
    let p = s.add_participant("Rowan", None, None, T0).unwrap();
    assert_eq!(s.edit_participant(p, ParticipantEdit::Case(Some(ghost)), T1), Err(ValidationError::UnknownCase(ghost)));
    assert_eq!(
        s.edit_participant(ghost, ParticipantEdit::Notes("x".into()), T1),
        Err(ValidationError::UnknownParticipant(ghost))
    );
}

#[test]
fn validate_finds_every_problem_in_a_hand_edited_study() {
    let mut s = study();
    let c = s.add_case("Hillside", T0).unwrap();
    s.add_participant("Rowan", Some(c), None, T0).unwrap();
    let mut bad = s.clone();
    bad.cases.push(bad.cases[0].clone()); // duplicate id and name
    bad.participants[0].case_id = Some(Uuid::new_v4());
    bad.participants.push(Participant { pseudonym: "".into(), id: Uuid::new_v4(), ..bad.participants[0].clone() });
    bad.identities.push(Identity { participant_id: Uuid::new_v4(), study_id: s.id(), ..Identity::default() });
    let problems = bad.validate();
    assert!(problems.contains(&ValidationError::DuplicateId(c)), "{problems:?}");
    assert!(problems.contains(&ValidationError::DuplicateCaseName("Hillside".into())));
    assert!(problems.contains(&ValidationError::EmptyPseudonym));
    assert!(problems.iter().any(|p| matches!(p, ValidationError::UnknownCase(_))));
    assert!(problems.iter().any(|p| matches!(p, ValidationError::OrphanIdentity(_))));
}

#[test]
fn the_study_deletion_impact_counts_everything() {
    let data = demo::demo_study(demo::DemoSize::Small);
    let impact = data.study_deletion_impact();
    assert_eq!(impact.cases, 4);
    assert_eq!(impact.participants.len(), 10);
    assert!(impact.describe().unwrap().starts_with("This also deletes 4 cases, 10 participants (Rowan, "));
}

#[test]
fn consent_records_the_form_version_the_survey_and_when_it_was_withdrawn() {
    let mut s = study();
    let p = s.add_participant("Rowan", None, None, T0).unwrap();
    s.edit_participant(p, ParticipantEdit::ConsentFormVersion("  v2, March 2026 ".into()), T1).unwrap();
    s.edit_participant(p, ParticipantEdit::ConsentSurvey(true), T1).unwrap();
    let consent = &s.participant(p).unwrap().consent;
    assert_eq!(consent.form_version, "v2, March 2026");
    assert!(consent.survey && !consent.withdrawn);

    assert!(matches!(
        s.edit_participant(p, ParticipantEdit::WithdrawnOn("last week".into()), T1),
        Err(ValidationError::InvalidDate(_))
    ));
    assert!(!s.participant(p).unwrap().consent.withdrawn, "a refused date changes nothing");
    s.edit_participant(p, ParticipantEdit::WithdrawnOn("2026-11-30".into()), T1).unwrap();
    let consent = &s.participant(p).unwrap().consent;
    assert!(consent.withdrawn, "a withdrawal date withdraws consent");
    assert_eq!(consent.withdrawn_on.map(|d| d.to_string()).as_deref(), Some("2026-11-30"));

    let json = fieldkit_core::exchange::backup::Backup::of(&s, false, T1).to_json();
    let back = fieldkit_core::exchange::backup::Backup::parse(json.as_bytes()).unwrap().into_study();
    assert_eq!(back.participant(p).unwrap().consent, s.participant(p).unwrap().consent);
}

#[test]
fn several_participants_are_added_to_a_case_at_once_or_not_at_all() {
    let mut s = study();
    let case = s.add_case("Glen Care", T0).unwrap();
    let role = s.study.roles.first().map(|r| r.id);
    s.add_participant("Ceri", None, None, T0).unwrap();
    let row =
        |name: &str| NewParticipant { pseudonym: name.into(), role, interview: true, ..NewParticipant::default() };
    let before = s.participants.len();
    let refused = s.add_participants(case, &[row("Alder"), row(""), row("ceri "), row("Birch")], T1);
    assert!(matches!(refused, Err((2, ValidationError::DuplicatePseudonym(_)))), "{refused:?}");
    assert_eq!(s.participants.len(), before, "a refused table adds nobody");

    let added = s.add_participants(case, &[row("Alder"), row(""), row("Birch")], T1).unwrap();
    assert_eq!(added.len(), 2, "the empty line is skipped");
    let alder = s.participants.iter().find(|p| p.pseudonym == "Alder").unwrap();
    assert_eq!((alder.case_id, alder.role_id, alder.consent.interview), (Some(case), role, true));
    assert!(s.validate().is_empty());
}
