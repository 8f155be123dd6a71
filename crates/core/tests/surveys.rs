//! The rules of stakeholder surveys: answers of every kind, skip-logic conditions
//! (evaluation, validation, plain words), editing and versions, the built-in
//! template, page flow, completion and corrections.

use std::collections::BTreeMap;

use fieldkit_core::fieldwork::*;
use fieldkit_core::study::*;
use fieldkit_core::summary::Summary;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use uuid::Uuid;

const T0: Timestamp = Timestamp::from_millis(1_700_000_000_000);
const T1: Timestamp = Timestamp::from_millis(1_700_000_060_000);
const T2: Timestamp = Timestamp::from_millis(1_700_000_120_000);

fn new_question(kind: QuestionKind) -> Question {
    Question {
        id: Uuid::new_v4(),
        name: "q".to_string(),
        label: Text::en("A question"),
        help: Text::default(),
        required: false,
        required_message: Text::default(),
        kind,
        condition: None,
    }
}

fn required(kind: QuestionKind) -> Question {
    Question { required: true, ..new_question(kind) }
}

fn choice_kind(multiple: bool) -> QuestionKind {
    let options = vec![
        Choice { value: "council".into(), label: Text::en("The council") },
        Choice { value: "charity".into(), label: Text::en("A charity") },
    ];
    if multiple { QuestionKind::MultipleChoice { options } } else { QuestionKind::SingleChoice { options } }
}

/// A study with one case, a participant there and one elsewhere.
struct Fixture {
    s: StudyData,
    case: Uuid,
    person: Uuid,
    survey: Uuid,
    p1: Uuid,
    p2: Uuid,
    p3: Uuid,
    help: Uuid,
    volunteers: Uuid,
    kinds: Uuid,
    comment: Uuid,
    rating: Uuid,
}

fn edit(s: &mut StudyData, survey: Uuid, e: SurveyEdit) {
    s.edit_survey(survey, e, T0).unwrap();
}

/// Page 1: help (yes/no, required), volunteers (number 0..=100, whole).
/// Page 2, shown when help is yes: kinds (multiple choice), comment (short text,
/// shown when kinds includes council).
/// Page 3: rating (1..=5, required).
fn fixture() -> Fixture {
    let mut s = StudyData::new("Care co-operatives", T0).unwrap();
    let case = s.add_case("Riverside", T0).unwrap();
    let person = s.add_participant("P1", Some(case), None, T0).unwrap();
    let survey = s.add_survey("Stakeholders", T0).unwrap();
    let [p1, p2, p3] = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
    let [help, volunteers, kinds, comment, rating] = [(); 5].map(|()| Uuid::new_v4());
    for p in [p1, p2, p3] {
        edit(&mut s, survey, SurveyEdit::AddPage { id: p });
    }
    let add = |s: &mut StudyData, page, id, name: &str, label: &str, kind| {
        edit(s, survey, SurveyEdit::AddQuestion { page, id, name: name.into(), label: label.into(), kind });
    };
    add(&mut s, p1, help, "council_help", "Did you get help from the council?", QuestionKind::YesNo);
    edit(&mut s, survey, SurveyEdit::Required { id: help, required: true });
    add(
        &mut s,
        p1,
        volunteers,
        "volunteers",
        "How many volunteers?",
        QuestionKind::Number { min: Some(0.0), max: Some(100.0), integer: true },
    );
    add(&mut s, p2, kinds, "help_kind", "What kind of help?", choice_kind(true));
    add(&mut s, p2, comment, "comment", "Tell us more", QuestionKind::ShortText { max_length: Some(20) });
    add(&mut s, p3, rating, "rating", "Overall rating", QuestionKind::Rating { max: 5 });
    edit(&mut s, survey, SurveyEdit::Required { id: rating, required: true });
    edit(
        &mut s,
        survey,
        SurveyEdit::PageCondition {
            id: p2,
            condition: Some(Condition::Equals { question: help, value: "yes".into() }),
        },
    );
    edit(
        &mut s,
        survey,
        SurveyEdit::QuestionCondition {
            id: comment,
            condition: Some(Condition::OneOf { question: kinds, values: vec!["council".into()] }),
        },
    );
    Fixture { s, case, person, survey, p1, p2, p3, help, volunteers, kinds, comment, rating }
}

fn answers(list: &[(Uuid, AnswerValue)]) -> BTreeMap<Uuid, AnswerValue> {
    list.iter().cloned().collect()
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

#[test]
fn required_answers_use_the_question_message_or_a_default() {
    let mut q = required(QuestionKind::ShortText { max_length: None });
    assert_eq!(validate_answer(&q, None), Err(AnswerProblem::Required(Text::default())));
    assert_eq!(validate_answer(&q, None).unwrap_err().message("en"), "This question needs an answer.");
    assert_eq!(validate_answer(&q, None).unwrap_err().message("cy"), "Mae angen ateb i'r cwestiwn hwn.");
    // Blank text counts as no answer.
    assert!(validate_answer(&q, Some(&AnswerValue::Text("   ".into()))).is_err());
    q.required_message = Text::en("Please tell us your role.").with("cy", "Dywedwch wrthym beth yw eich rôl.");
    let problem = validate_answer(&q, None).unwrap_err();
    assert_eq!(problem.message("en"), "Please tell us your role.");
    assert_eq!(problem.message("cy"), "Dywedwch wrthym beth yw eich rôl.");
    assert_eq!(problem.to_string(), "Please tell us your role.");
    // Not required: nothing is fine.
    assert_eq!(validate_answer(&new_question(QuestionKind::YesNo), None), Ok(()));
}

#[test]
fn numbers_respect_bounds_and_whole_numbers() {
    let q = new_question(QuestionKind::Number { min: Some(0.0), max: Some(10.0), integer: true });
    let n = |v: f64| validate_answer(&q, Some(&AnswerValue::Number(v)));
    assert_eq!(n(5.0), Ok(()));
    assert_eq!(n(0.0), Ok(()));
    assert_eq!(n(10.0), Ok(()));
    assert_eq!(n(-1.0), Err(AnswerProblem::TooSmall(0.0)));
    assert_eq!(n(11.0), Err(AnswerProblem::TooLarge(10.0)));
    assert_eq!(n(2.5), Err(AnswerProblem::NotWhole));
    assert_eq!(n(f64::INFINITY), Err(AnswerProblem::NotANumber));
    assert_eq!(n(11.0).unwrap_err().to_string(), "Enter a number no larger than 10.");
    let decimals = new_question(QuestionKind::Number { min: None, max: None, integer: false });
    assert_eq!(validate_answer(&decimals, Some(&AnswerValue::Number(2.5))), Ok(()));
    assert_eq!(validate_answer(&q, Some(&AnswerValue::Text("5".into()))), Err(AnswerProblem::WrongShape));
}

#[test]
fn text_length_is_counted_in_characters() {
    for kind in [QuestionKind::ShortText { max_length: Some(5) }, QuestionKind::LongText { max_length: Some(5) }] {
        let q = new_question(kind);
        assert_eq!(validate_answer(&q, Some(&AnswerValue::Text("Llŷn!".into()))), Ok(()));
        assert_eq!(
            validate_answer(&q, Some(&AnswerValue::Text("Cymru".repeat(2)))),
            Err(AnswerProblem::TooLong { length: 10, max: 5 })
        );
    }
    let unlimited = new_question(QuestionKind::LongText { max_length: None });
    assert_eq!(validate_answer(&unlimited, Some(&AnswerValue::Text("x".repeat(10_000)))), Ok(()));
}

#[test]
fn choices_must_be_among_the_options() {
    let single = new_question(choice_kind(false));
    assert_eq!(validate_answer(&single, Some(&AnswerValue::Choice("council".into()))), Ok(()));
    assert_eq!(
        validate_answer(&single, Some(&AnswerValue::Choice("bank".into()))),
        Err(AnswerProblem::NotAnOption("bank".into()))
    );
    let multiple = required(choice_kind(true));
    assert_eq!(
        validate_answer(&multiple, Some(&AnswerValue::Choices(vec!["council".into(), "charity".into()]))),
        Ok(())
    );
    assert_eq!(
        validate_answer(&multiple, Some(&AnswerValue::Choices(vec!["council".into(), "bank".into()]))),
        Err(AnswerProblem::NotAnOption("bank".into()))
    );
    // Nothing ticked is no answer.
    assert!(matches!(validate_answer(&multiple, Some(&AnswerValue::Choices(vec![]))), Err(AnswerProblem::Required(_))));
}

#[test]
fn likert_points_and_completeness() {
    let items: Vec<LikertItem> = ["a", "b", "c"]
        .iter()
        .map(|n| LikertItem { id: Uuid::new_v4(), name: (*n).into(), label: Text::en(n) })
        .collect();
    let kind = QuestionKind::Likert { points: 5, scale: agreement_scale(5), items: items.clone() };
    let scale = |pairs: &[(usize, u8)]| AnswerValue::Scale(pairs.iter().map(|(i, p)| (items[*i].id, *p)).collect());
    let optional = new_question(kind.clone());
    let needed = required(kind);
    assert_eq!(validate_answer(&optional, Some(&scale(&[(0, 1), (1, 5)]))), Ok(()));
    assert_eq!(
        validate_answer(&needed, Some(&scale(&[(0, 1), (1, 5)]))),
        Err(AnswerProblem::Incomplete { missing: 1 })
    );
    assert_eq!(validate_answer(&needed, Some(&scale(&[(0, 1), (1, 5), (2, 3)]))), Ok(()));
    assert_eq!(validate_answer(&optional, Some(&scale(&[(0, 6)]))), Err(AnswerProblem::OutOfScale { points: 5 }));
    assert_eq!(validate_answer(&optional, Some(&scale(&[(0, 0)]))), Err(AnswerProblem::OutOfScale { points: 5 }));
    let stranger = AnswerValue::Scale(BTreeMap::from([(Uuid::new_v4(), 3)]));
    assert_eq!(validate_answer(&optional, Some(&stranger)), Err(AnswerProblem::OutOfScale { points: 5 }));
}

#[test]
fn ratings_yes_no_dates_and_information() {
    let rating = new_question(QuestionKind::Rating { max: 5 });
    let r = |v: f64| validate_answer(&rating, Some(&AnswerValue::Number(v)));
    assert_eq!(r(1.0), Ok(()));
    assert_eq!(r(5.0), Ok(()));
    assert_eq!(r(0.0), Err(AnswerProblem::OutOfRange { max: 5 }));
    assert_eq!(r(6.0), Err(AnswerProblem::OutOfRange { max: 5 }));
    assert_eq!(r(2.5), Err(AnswerProblem::OutOfRange { max: 5 }));

    let yes_no = required(QuestionKind::YesNo);
    assert_eq!(validate_answer(&yes_no, Some(&AnswerValue::Bool(false))), Ok(()));
    assert_eq!(validate_answer(&yes_no, Some(&AnswerValue::Choice("yes".into()))), Err(AnswerProblem::WrongShape));

    let date = required(QuestionKind::Date);
    let day = Date::parse("2024-03-01").unwrap();
    assert_eq!(validate_answer(&date, Some(&AnswerValue::Date(day))), Ok(()));
    assert!(validate_answer(&date, None).is_err());

    let info = required(QuestionKind::Info);
    assert_eq!(validate_answer(&info, None), Ok(()));
    assert_eq!(validate_answer(&info, Some(&AnswerValue::Bool(true))), Err(AnswerProblem::NotAnswerable));
}

// ---------------------------------------------------------------------------
// Conditions: evaluation
// ---------------------------------------------------------------------------

#[test]
fn each_operator_evaluates_and_unanswered_is_false() {
    let (a, b, c, d) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let given = answers(&[
        (a, AnswerValue::Bool(true)),
        (b, AnswerValue::Number(4.0)),
        (c, AnswerValue::Choices(vec!["council".into(), "charity".into()])),
        (d, AnswerValue::Choice("council".into())),
    ]);
    let none = BTreeMap::new();
    let eq = |q, v: &str| Condition::Equals { question: q, value: v.into() };
    assert!(eq(a, "yes").evaluate(&given));
    assert!(!eq(a, "no").evaluate(&given));
    assert!(eq(b, "4").evaluate(&given));
    assert!(eq(c, "charity").evaluate(&given));
    assert!(eq(d, "council").evaluate(&given));
    assert!(!eq(d, "charity").evaluate(&given));
    let one_of = |q, vs: &[&str]| Condition::OneOf { question: q, values: vs.iter().map(|v| (*v).into()).collect() };
    assert!(one_of(d, &["charity", "council"]).evaluate(&given));
    assert!(!one_of(d, &["charity"]).evaluate(&given));
    assert!(one_of(c, &["bank", "charity"]).evaluate(&given));
    assert!(Condition::GreaterThan { question: b, value: 3.0 }.evaluate(&given));
    assert!(!Condition::GreaterThan { question: b, value: 4.0 }.evaluate(&given));
    assert!(Condition::LessThan { question: b, value: 5.0 }.evaluate(&given));
    assert!(!Condition::LessThan { question: b, value: 4.0 }.evaluate(&given));
    assert!(Condition::Answered { question: a }.evaluate(&given));

    // Nothing answered: every comparison is false, and Not negates.
    for cond in [
        eq(a, "yes"),
        one_of(d, &["council"]),
        Condition::GreaterThan { question: b, value: -100.0 },
        Condition::LessThan { question: b, value: 100.0 },
        Condition::Answered { question: a },
    ] {
        assert!(!cond.evaluate(&none), "{cond:?}");
        assert!(Condition::Not { condition: Box::new(cond) }.evaluate(&none));
    }
    // Blank answers count as unanswered.
    assert!(!Condition::Answered { question: a }.evaluate(&answers(&[(a, AnswerValue::Text(" ".into()))])));
}

#[test]
fn and_or_not_combine() {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let yes = Condition::Equals { question: a, value: "yes".into() };
    let many = Condition::GreaterThan { question: b, value: 3.0 };
    let all = Condition::All { conditions: vec![yes.clone(), many.clone()] };
    let any = Condition::Any { conditions: vec![yes.clone(), many.clone()] };
    let cases = [
        (answers(&[(a, AnswerValue::Bool(true)), (b, AnswerValue::Number(5.0))]), true, true),
        (answers(&[(a, AnswerValue::Bool(true)), (b, AnswerValue::Number(1.0))]), false, true),
        (answers(&[(a, AnswerValue::Bool(false)), (b, AnswerValue::Number(5.0))]), false, true),
        (answers(&[(a, AnswerValue::Bool(false))]), false, false),
    ];
    for (given, all_holds, any_holds) in cases {
        assert_eq!(all.evaluate(&given), all_holds);
        assert_eq!(any.evaluate(&given), any_holds);
        assert_eq!(Condition::Not { condition: Box::new(all.clone()) }.evaluate(&given), !all_holds);
    }
    let nested = Condition::All {
        conditions: vec![yes, Condition::Not { condition: Box::new(Condition::Any { conditions: vec![many] }) }],
    };
    assert!(nested.evaluate(&answers(&[(a, AnswerValue::Bool(true)), (b, AnswerValue::Number(2.0))])));
    assert!(!nested.evaluate(&answers(&[(a, AnswerValue::Bool(true)), (b, AnswerValue::Number(9.0))])));
}

// ---------------------------------------------------------------------------
// Conditions: validation when saved
// ---------------------------------------------------------------------------

#[test]
fn a_condition_may_not_point_forward_at_itself_or_at_nothing() {
    let mut f = fixture();
    let (help, volunteers, rating) = (f.help, f.volunteers, f.rating);
    let set = |f: &mut Fixture, id, condition| {
        f.s.edit_survey(f.survey, SurveyEdit::QuestionCondition { id, condition: Some(condition) }, T1)
    };
    // Forward: the help question depending on the rating, on a later page.
    let err = set(&mut f, help, Condition::Answered { question: rating }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "“Did you get help from the council?” can only depend on questions shown before it, and “Overall rating” comes after it."
    );
    // Forward within the same page.
    let err = set(&mut f, help, Condition::Answered { question: volunteers }).unwrap_err();
    assert!(matches!(err, ValidationError::ConditionNotBefore { .. }));
    // Itself.
    let err = set(&mut f, help, Condition::Answered { question: help }).unwrap_err();
    assert_eq!(err.to_string(), "“Did you get help from the council?” cannot depend on its own answer.");
    // Missing.
    let err = set(&mut f, rating, Condition::Answered { question: Uuid::new_v4() }).unwrap_err();
    assert!(matches!(err, ValidationError::ConditionUnknownQuestion { .. }));
    // Nested inside a combination too.
    let nested = Condition::All {
        conditions: vec![
            Condition::Answered { question: help },
            Condition::Not { condition: Box::new(Condition::Answered { question: rating }) },
        ],
    };
    assert!(matches!(set(&mut f, volunteers, nested), Err(ValidationError::ConditionNotBefore { .. })));
    assert!(matches!(set(&mut f, rating, Condition::All { conditions: vec![] }), Err(ValidationError::EmptyCondition)));
    // A page cannot depend on a question on itself.
    let err =
        f.s.edit_survey(
            f.survey,
            SurveyEdit::PageCondition { id: f.p3, condition: Some(Condition::Answered { question: rating }) },
            T1,
        )
        .unwrap_err();
    assert!(err.to_string().starts_with("Page 3 can only depend"), "{err}");
    // Refused edits change nothing.
    assert_eq!(f.s.survey(f.survey).unwrap().question(f.help).unwrap().condition, None);
    // A valid one is stored.
    set(&mut f, rating, Condition::GreaterThan { question: volunteers, value: 3.0 }).unwrap();
}

#[test]
fn the_operator_must_fit_the_question_kind() {
    let mut f = fixture();
    let mut set = |condition| {
        f.s.edit_survey(f.survey, SurveyEdit::QuestionCondition { id: f.rating, condition: Some(condition) }, T1)
    };
    let err = set(Condition::GreaterThan { question: f.help, value: 1.0 }).unwrap_err();
    assert_eq!(err.to_string(), "“Did you get help from the council?” cannot be used with “is more than”.");
    assert!(matches!(
        set(Condition::OneOf { question: f.volunteers, values: vec!["1".into()] }),
        Err(ValidationError::ConditionOperator { .. })
    ));
    assert!(matches!(
        set(Condition::LessThan { question: f.comment, value: 1.0 }),
        Err(ValidationError::ConditionOperator { .. })
    ));
    // Values must be possible answers.
    assert_eq!(
        set(Condition::Equals { question: f.help, value: "maybe".into() }).unwrap_err().to_string(),
        "“maybe” is not a possible answer to “Did you get help from the council?”."
    );
    assert!(matches!(
        set(Condition::OneOf { question: f.kinds, values: vec!["bank".into()] }),
        Err(ValidationError::ConditionValue { .. })
    ));
    assert!(matches!(
        set(Condition::Equals { question: f.volunteers, value: "lots".into() }),
        Err(ValidationError::ConditionValue { .. })
    ));
    set(Condition::Equals { question: f.volunteers, value: "3".into() }).unwrap();
    set(Condition::OneOf { question: f.help, values: vec!["no".into()] }).unwrap();
    set(Condition::LessThan { question: f.volunteers, value: 10.0 }).unwrap();
}

#[test]
fn moving_or_removing_what_a_condition_depends_on_is_refused() {
    let mut f = fixture();
    // The comment depends on the kinds question just above it.
    let err = f.s.edit_survey(f.survey, SurveyEdit::MoveQuestion { id: f.comment, by: -1 }, T1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "“Tell us more” can only depend on questions shown before it, and “What kind of help?” comes after it."
    );
    // Moving the help question to page 2, on which page 2's condition depends.
    let err =
        f.s.edit_survey(f.survey, SurveyEdit::MoveQuestionTo { id: f.help, page: f.p2, position: 0 }, T1).unwrap_err();
    assert!(err.to_string().starts_with("Page 2"), "{err}");
    // Moving page 2 before page 1.
    assert!(f.s.edit_survey(f.survey, SurveyEdit::MovePage { id: f.p2, by: -1 }, T1).is_err());
    // Removing a question something depends on names it.
    let err = f.s.edit_survey(f.survey, SurveyEdit::RemoveQuestion(f.kinds), T1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "“Tell us more” depends on “What kind of help?”, which would no longer be in the survey. Change that condition first."
    );
    assert!(f.s.edit_survey(f.survey, SurveyEdit::RemovePage(f.p1), T1).is_err());
    // Nothing changed.
    let survey = f.s.survey(f.survey).unwrap();
    assert_eq!(survey.pages.iter().map(|p| p.id).collect::<Vec<_>>(), vec![f.p1, f.p2, f.p3]);
    assert_eq!(survey.pages[1].questions.iter().map(|q| q.id).collect::<Vec<_>>(), vec![f.kinds, f.comment]);
    // Moves that keep the order of dependencies are fine, across pages too.
    f.s.edit_survey(f.survey, SurveyEdit::MoveQuestionTo { id: f.rating, page: f.p1, position: 0 }, T1).unwrap();
    f.s.edit_survey(f.survey, SurveyEdit::MoveQuestion { id: f.volunteers, by: -1 }, T1).unwrap();
    let survey = f.s.survey(f.survey).unwrap();
    assert_eq!(
        survey.pages[0].questions.iter().map(|q| q.id).collect::<Vec<_>>(),
        vec![f.rating, f.volunteers, f.help]
    );
    assert!(survey.pages[2].questions.is_empty());
    // Changing a question's kind so the condition no longer fits is refused as well.
    let err =
        f.s.edit_survey(f.survey, SurveyEdit::QuestionKind { id: f.help, kind: QuestionKind::Rating { max: 5 } }, T1)
            .unwrap_err();
    assert!(matches!(err, ValidationError::ConditionValue { .. }), "{err}");
}

#[test]
fn conditions_are_described_in_plain_words() {
    let f = fixture();
    let pages = &f.s.survey(f.survey).unwrap().pages;
    let both = Condition::All {
        conditions: vec![
            Condition::Equals { question: f.help, value: "yes".into() },
            Condition::GreaterThan { question: f.volunteers, value: 3.0 },
        ],
    };
    assert_eq!(
        both.describe(pages, "en"),
        "Shown when “Did you get help from the council?” is Yes and “How many volunteers?” is more than 3"
    );
    let either = Condition::Any {
        conditions: vec![
            Condition::OneOf { question: f.kinds, values: vec!["council".into(), "charity".into()] },
            Condition::Not { condition: Box::new(Condition::Answered { question: f.volunteers }) },
            Condition::All {
                conditions: vec![
                    Condition::LessThan { question: f.volunteers, value: 2.5 },
                    Condition::Not { condition: Box::new(Condition::Equals { question: f.help, value: "no".into() }) },
                ],
            },
        ],
    };
    assert_eq!(
        either.describe(pages, "en"),
        "Shown when “What kind of help?” includes “The council” or “A charity” or “How many volunteers?” has not \
         been answered or (“How many volunteers?” is less than 2.5 and “Did you get help from the council?” is not No)"
    );
    // Labels come in the chosen language, falling back to English.
    let mut s = f.s.clone();
    s.edit_survey(f.survey, SurveyEdit::AddLanguage("cy".into()), T1).unwrap();
    s.edit_survey(
        f.survey,
        SurveyEdit::QuestionLabel { id: f.help, language: "cy".into(), text: "Gawsoch chi help gan y cyngor?".into() },
        T1,
    )
    .unwrap();
    let pages = &s.survey(f.survey).unwrap().pages;
    assert_eq!(
        both.describe(pages, "cy"),
        "Shown when “Gawsoch chi help gan y cyngor?” is Yes and “How many volunteers?” is more than 3"
    );
}

// ---------------------------------------------------------------------------
// Editing, names, languages, versions
// ---------------------------------------------------------------------------

#[test]
fn the_builder_refuses_a_name_that_every_export_has_as_a_column() {
    use fieldkit_core::surveys::builder::suggest_question_name;
    use fieldkit_core::surveys::export::WIDE_CSV_FIXED;
    let mut f = fixture();
    let add = |f: &mut Fixture, name: &str, kind| {
        f.s.edit_survey(
            f.survey,
            SurveyEdit::AddQuestion { page: f.p3, id: Uuid::new_v4(), name: name.into(), label: "New".into(), kind },
            T1,
        )
    };
    let before = f.s.clone();
    for reserved in WIDE_CSV_FIXED {
        assert_eq!(
            add(&mut f, reserved, QuestionKind::YesNo),
            Err(ValidationError::ReservedMachineName(reserved.into())),
            "{reserved}"
        );
    }
    assert_eq!(f.s, before, "nothing changed");
    let refused = add(&mut f, "role", QuestionKind::YesNo).unwrap_err();
    assert_eq!(refused.to_string(), "“role” is used by a column every export has; choose another name.");
    // Renaming a question or a Likert statement to one, or making one from a
    // multiple-choice question's name and an option (survey + version).
    let rename = SurveyEdit::QuestionName { id: f.rating, name: "language".into() };
    assert_eq!(f.s.edit_survey(f.survey, rename, T1), Err(ValidationError::ReservedMachineName("language".into())));
    let likert = Uuid::new_v4();
    let kind = QuestionKind::Likert { points: 5, scale: vec![], items: vec![] };
    f.s.edit_survey(
        f.survey,
        SurveyEdit::AddQuestion { page: f.p3, id: likert, name: "agree".into(), label: "Agree?".into(), kind },
        T1,
    )
    .unwrap();
    let item =
        SurveyEdit::AddLikertItem { question: likert, id: Uuid::new_v4(), name: "status".into(), label: "x".into() };
    assert_eq!(f.s.edit_survey(f.survey, item, T1), Err(ValidationError::ReservedMachineName("status".into())));
    let survey_q = Uuid::new_v4();
    let kind = QuestionKind::MultipleChoice { options: vec![] };
    f.s.edit_survey(
        f.survey,
        SurveyEdit::AddQuestion { page: f.p3, id: survey_q, name: "survey".into(), label: "Which?".into(), kind },
        T1,
    )
    .unwrap();
    let option = SurveyEdit::AddChoice { question: survey_q, value: "version".into(), label: "Version".into() };
    assert_eq!(
        f.s.edit_survey(f.survey, option, T1),
        Err(ValidationError::ReservedMachineName("survey_version".into()))
    );
    // Names that only contain one are fine.
    for fine in ["stakeholder_role", "roles", "case_study", "q1_status"] {
        assert!(add(&mut f, fine, QuestionKind::YesNo).is_ok(), "{fine}");
    }
    // The builder never suggests one, whatever the label.
    for label in ["Role", "role", "Case", "Status", "Language", "Started", ""] {
        let pages = &f.s.survey(f.survey).unwrap().pages;
        let name = suggest_question_name(pages, label);
        assert!(!is_reserved_column(&name) && is_machine_name(&name), "{label}: {name}");
    }
}

#[test]
fn a_survey_that_already_has_a_reserved_name_still_loads_edits_and_exports() {
    use fieldkit_core::exchange::backup::Backup;
    use fieldkit_core::surveys::export::responses_wide_csv;
    let mut f = fixture();
    // As made before the rule: the rating question is called "role".
    for q in f.s.surveys[0].pages.iter_mut().flat_map(|p| p.questions.iter_mut()) {
        if q.id == f.rating {
            q.name = "role".into();
        }
    }
    assert_eq!(f.s.validate(), vec![], "loading checks do not refuse it");
    let json = Backup::of(&f.s, true, T1).to_json();
    let loaded = Backup::parse(json.as_bytes()).expect("an old backup still loads").into_study();
    assert_eq!(loaded.surveys, f.s.surveys);
    // Other edits go on, and so does editing that question, without renaming it.
    let label = SurveyEdit::QuestionLabel { id: f.help, language: "en".into(), text: "Any help?".into() };
    assert!(f.s.edit_survey(f.survey, label, T1).is_ok());
    let required = SurveyEdit::Required { id: f.rating, required: false };
    assert!(f.s.edit_survey(f.survey, required, T1).is_ok());
    // A second reserved name is still refused.
    let rename = SurveyEdit::QuestionName { id: f.comment, name: "case".into() };
    assert_eq!(f.s.edit_survey(f.survey, rename, T1), Err(ValidationError::ReservedMachineName("case".into())));
    // The export keeps both columns apart.
    let r = f.s.start_response(f.survey, f.case, Some(f.person), "en", T1).unwrap();
    f.s.answer(r, f.rating, Some(AnswerValue::Number(4.0)), T1).unwrap();
    let bytes = responses_wide_csv(&f.s, f.survey).unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header.iter().filter(|h| h.eq_ignore_ascii_case("role")).count(), 1, "{header:?}");
    let row = reader.records().next().unwrap().unwrap();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!((&row[col("role")], &row[col("role_2")]), ("", "4"), "{header:?}");
}

#[test]
fn machine_names_are_checked_across_questions_likert_items_and_choice_columns() {
    let mut f = fixture();
    let add = |f: &mut Fixture, name: &str, kind| {
        f.s.edit_survey(
            f.survey,
            SurveyEdit::AddQuestion { page: f.p3, id: Uuid::new_v4(), name: name.into(), label: "New".into(), kind },
            T1,
        )
    };
    for bad in ["", "Q1", "1q", "q-1", "q 1", "é"] {
        assert!(matches!(add(&mut f, bad, QuestionKind::YesNo), Err(ValidationError::InvalidMachineName(_))), "{bad}");
    }
    assert_eq!(add(&mut f, "rating", QuestionKind::YesNo), Err(ValidationError::DuplicateMachineName("rating".into())));
    // help_kind is multiple choice with option council: help_kind_council is an export column.
    assert_eq!(
        add(&mut f, "help_kind_council", QuestionKind::YesNo),
        Err(ValidationError::DuplicateMachineName("help_kind_council".into()))
    );
    let likert = Uuid::new_v4();
    f.s.edit_survey(
        f.survey,
        SurveyEdit::AddQuestion {
            page: f.p3,
            id: likert,
            name: "agree".into(),
            label: "Agree?".into(),
            kind: QuestionKind::Likert { points: 5, scale: vec![], items: vec![] },
        },
        T1,
    )
    .unwrap();
    // The scale got one label per point.
    let scale_len = |s: &StudyData| match &s.survey(f.survey).unwrap().question(likert).unwrap().kind {
        QuestionKind::Likert { scale, .. } => scale.len(),
        _ => 0,
    };
    assert_eq!(scale_len(&f.s), 5);
    let item = Uuid::new_v4();
    let add_item = |s: &mut StudyData, id, name: &str| {
        s.edit_survey(
            f.survey,
            SurveyEdit::AddLikertItem { question: likert, id, name: name.into(), label: "x".into() },
            T1,
        )
    };
    assert_eq!(add_item(&mut f.s, item, "volunteers"), Err(ValidationError::DuplicateMachineName("volunteers".into())));
    add_item(&mut f.s, item, "agree_a").unwrap();
    assert!(add_item(&mut f.s, Uuid::new_v4(), "agree_a").is_err());
    assert_eq!(
        add(&mut f, "agree_a", QuestionKind::YesNo),
        Err(ValidationError::DuplicateMachineName("agree_a".into()))
    );
    f.s.edit_survey(f.survey, SurveyEdit::LikertItemName { id: item, name: "agree_b".into() }, T1).unwrap();
    f.s.edit_survey(
        f.survey,
        SurveyEdit::ScaleLabel { question: likert, point: 5, language: "en".into(), text: "Very much".into() },
        T1,
    )
    .unwrap();
    assert!(
        f.s.edit_survey(
            f.survey,
            SurveyEdit::ScaleLabel { question: likert, point: 6, language: "en".into(), text: "x".into() },
            T1
        )
        .is_err()
    );
    assert_eq!(
        f.s.edit_survey(
            f.survey,
            SurveyEdit::QuestionKind {
                id: likert,
                kind: QuestionKind::Likert { points: 4, scale: vec![], items: vec![] }
            },
            T1
        ),
        Err(ValidationError::InvalidLikertPoints(4))
    );
    f.s.edit_survey(f.survey, SurveyEdit::RemoveLikertItem(item), T1).unwrap();
    assert_eq!(f.s.validate(), vec![]);
}

#[test]
fn options_have_unique_safe_values_and_can_be_edited() {
    let mut f = fixture();
    let mut e = |edit| f.s.edit_survey(f.survey, edit, T1);
    let (question, c) = (f.kinds, |v: &str| v.to_string());
    assert!(matches!(
        e(SurveyEdit::AddChoice { question, value: c("council"), label: c("Again") }),
        Err(ValidationError::DuplicateChoiceValue { .. })
    ));
    assert_eq!(
        e(SurveyEdit::AddChoice { question, value: c("Big Bank"), label: c("Bank") }),
        Err(ValidationError::InvalidChoiceValue("Big Bank".into()))
    );
    e(SurveyEdit::AddChoice { question, value: c("health"), label: c("The health board") }).unwrap();
    e(SurveyEdit::MoveChoice { question, value: c("health"), by: -2 }).unwrap();
    e(SurveyEdit::ChoiceLabel { question, value: c("health"), language: c("en"), text: c("NHS") }).unwrap();
    assert_eq!(
        e(SurveyEdit::ChoiceLabel { question, value: c("health"), language: c("en"), text: c(" ") }),
        Err(ValidationError::EmptyChoiceLabel)
    );
    // Removing an option a condition uses is refused.
    assert!(matches!(
        e(SurveyEdit::RemoveChoice { question, value: c("council") }),
        Err(ValidationError::ConditionValue { .. })
    ));
    e(SurveyEdit::RemoveChoice { question, value: c("charity") }).unwrap();
    let survey = f.s.survey(f.survey).unwrap();
    let QuestionKind::MultipleChoice { options } = &survey.question(f.kinds).unwrap().kind else { panic!() };
    let values: Vec<&str> = options.iter().map(|o| o.value.as_str()).collect();
    assert_eq!(values, ["health", "council"]);
    assert_eq!(options[0].label.get("en"), ("NHS", false));
}

#[test]
fn languages_labels_and_visible_fallback() {
    let mut f = fixture();
    let mut e = |edit| f.s.edit_survey(f.survey, edit, T1);
    assert_eq!(e(SurveyEdit::RemoveLanguage("en".into())), Err(ValidationError::DefaultLanguageRequired));
    assert_eq!(
        e(SurveyEdit::QuestionLabel { id: f.help, language: "cy".into(), text: "Help?".into() }),
        Err(ValidationError::LanguageNotOffered("cy".into()))
    );
    assert!(matches!(e(SurveyEdit::AddLanguage("Welsh!".into())), Err(ValidationError::InvalidLanguage(_))));
    e(SurveyEdit::AddLanguage("cy".into())).unwrap();
    e(SurveyEdit::QuestionLabel { id: f.help, language: "cy".into(), text: "Gawsoch chi help?".into() }).unwrap();
    e(SurveyEdit::QuestionHelp { id: f.help, language: "en".into(), text: "Any kind".into() }).unwrap();
    e(SurveyEdit::PageTitle { id: f.p1, language: "cy".into(), text: "Dechrau".into() }).unwrap();
    e(SurveyEdit::Description { language: "cy".into(), text: "Disgrifiad".into() }).unwrap();
    assert_eq!(
        e(SurveyEdit::QuestionLabel { id: f.help, language: "en".into(), text: "".into() }),
        Err(ValidationError::EmptyQuestionLabel)
    );
    let survey = f.s.survey(f.survey).unwrap();
    let q = survey.question(f.help).unwrap();
    assert_eq!(q.label.get("cy"), ("Gawsoch chi help?", false));
    assert_eq!(q.label.get("en"), ("Did you get help from the council?", false));
    // Missing Welsh falls back to English, and says so.
    assert_eq!(q.help.get("cy"), ("Any kind", true));
    assert_eq!(survey.question(f.rating).unwrap().label.get("cy"), ("Overall rating", true));
    assert_eq!(survey.pages[0].title.get("cy"), ("Dechrau", false));
    // Blank text removes a translation, so it falls back again.
    f.s.edit_survey(f.survey, SurveyEdit::QuestionLabel { id: f.help, language: "cy".into(), text: " ".into() }, T1)
        .unwrap();
    assert!(f.s.survey(f.survey).unwrap().question(f.help).unwrap().label.get("cy").1);
    // Removing Welsh stops offering it; a response in Welsh is then refused.
    f.s.edit_survey(f.survey, SurveyEdit::RemoveLanguage("cy".into()), T1).unwrap();
    assert_eq!(
        f.s.start_response(f.survey, f.case, None, "cy", T1),
        Err(ValidationError::LanguageNotOffered("cy".into()))
    );
}

#[test]
fn editing_a_survey_with_responses_starts_a_new_version() {
    let mut f = fixture();
    // No responses: edits go into version 1.
    f.s.edit_survey(
        f.survey,
        SurveyEdit::QuestionHelp { id: f.rating, language: "en".into(), text: "1 to 5".into() },
        T1,
    )
    .unwrap();
    assert_eq!(f.s.survey(f.survey).unwrap().version, 1);
    let r = f.s.start_response(f.survey, f.case, Some(f.person), "en", T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().survey_version, 1);
    // Name and description do not start a version; an edit that changes nothing neither.
    f.s.edit_survey(f.survey, SurveyEdit::Name("Stakeholder views".into()), T1).unwrap();
    f.s.edit_survey(f.survey, SurveyEdit::MovePage { id: f.p1, by: -1 }, T1).unwrap();
    assert_eq!(f.s.survey(f.survey).unwrap().version, 1);
    // The first real change keeps version 1 in the history.
    f.s.edit_survey(
        f.survey,
        SurveyEdit::QuestionLabel { id: f.rating, language: "en".into(), text: "Rate us".into() },
        T2,
    )
    .unwrap();
    let survey = f.s.survey(f.survey).unwrap();
    assert_eq!(survey.version, 2);
    assert_eq!(survey.history.len(), 1);
    assert_eq!(survey.history[0].version, 1);
    assert_eq!(survey.history[0].superseded, T2);
    assert_eq!(
        fieldkit_core::surveys::question(survey.pages_for(1).unwrap(), f.rating).unwrap().label.get("en").0,
        "Overall rating"
    );
    assert_eq!(
        fieldkit_core::surveys::question(survey.pages_for(2).unwrap(), f.rating).unwrap().label.get("en").0,
        "Rate us"
    );
    assert_eq!(survey.pages_for(3), None);
    assert_eq!(survey.version_numbers(), vec![1, 2]);
    assert_eq!(survey.name_for(1), Some("Stakeholder views"));
    // Further edits to version 2 (nobody has used it) stay in it.
    f.s.edit_survey(f.survey, SurveyEdit::Required { id: f.rating, required: false }, T2).unwrap();
    assert_eq!(f.s.survey(f.survey).unwrap().version, 2);
    // The old response still uses version 1; a new one uses version 2.
    assert_eq!(f.s.response(r).unwrap().survey_version, 1);
    let r2 = f.s.start_response(f.survey, f.case, None, "en", T2).unwrap();
    assert_eq!(f.s.response(r2).unwrap().survey_version, 2);
    f.s.edit_survey(f.survey, SurveyEdit::Required { id: f.rating, required: true }, T2).unwrap();
    assert_eq!(f.s.survey(f.survey).unwrap().version, 3);
    assert_eq!(f.s.validate(), vec![]);
}

#[test]
fn a_survey_with_responses_cannot_be_deleted() {
    let mut f = fixture();
    let empty = f.s.add_survey("Spare", T0).unwrap();
    assert_eq!(f.s.add_survey(" spare ", T0), Err(ValidationError::DuplicateSurveyName("spare".into())));
    assert_eq!(f.s.delete_survey(empty), Ok(vec![ObjectRef::Survey(empty)]));
    f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    let err = f.s.delete_survey(f.survey).unwrap_err();
    assert_eq!(err, ValidationError::SurveyInUse { name: "Stakeholders".into(), responses: 1 });
    assert_eq!(
        err.to_string(),
        "“Stakeholders” cannot be deleted: 1 response was recorded with it, which must keep the survey they answered."
    );
    assert!(f.s.survey(f.survey).is_some());
}

// ---------------------------------------------------------------------------
// Template
// ---------------------------------------------------------------------------

#[test]
fn the_stakeholder_template_is_complete_in_english_and_welsh() {
    let mut s = StudyData::new("Care co-operatives", T0).unwrap();
    assert_eq!(s.add_survey_from_template("nope", T0), Err(ValidationError::UnknownSurveyTemplate("nope".into())));
    let id = s.add_survey_from_template("stakeholder", T0).unwrap();
    let again = s.add_survey_from_template("stakeholder", T0).unwrap();
    assert_eq!(s.survey(again).unwrap().name, "Stakeholder survey (2)");
    let survey = s.survey(id).unwrap();
    assert_eq!(survey.template.as_deref(), Some("stakeholder"));
    assert_eq!(survey.languages, vec!["en", "cy"]);
    assert_eq!(survey.version, 1);

    let mut texts: Vec<&Text> = vec![&survey.description];
    let mut names = std::collections::HashSet::new();
    let mut likert_items = 0;
    let mut open = 0;
    for page in &survey.pages {
        texts.push(&page.title);
        for q in &page.questions {
            texts.push(&q.label);
            for t in [&q.help, &q.required_message] {
                if !t.0.is_empty() {
                    texts.push(t);
                }
            }
            assert!(is_machine_name(&q.name), "{}", q.name);
            assert!(!is_reserved_column(&q.name), "{} is a column every export has", q.name);
            assert!(names.insert(q.name.clone()), "{}", q.name);
            match &q.kind {
                QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                    texts.extend(options.iter().map(|o| &o.label));
                    if matches!(q.kind, QuestionKind::MultipleChoice { .. }) {
                        for o in options {
                            assert!(!is_reserved_column(&choice_column(&q.name, &o.value)));
                            assert!(names.insert(choice_column(&q.name, &o.value)));
                        }
                    }
                }
                QuestionKind::Likert { points, scale, items } => {
                    assert_eq!(usize::from(*points), scale.len());
                    texts.extend(scale.iter());
                    for item in items {
                        texts.push(&item.label);
                        assert!(is_machine_name(&item.name));
                        assert!(!is_reserved_column(&item.name), "{}", item.name);
                        assert!(names.insert(item.name.clone()), "{}", item.name);
                        likert_items += 1;
                    }
                }
                QuestionKind::LongText { .. } => open += 1,
                _ => {}
            }
        }
    }
    assert!(likert_items >= 5, "Likert statements present");
    assert!(open >= 4, "open questions present");
    for text in &texts {
        for language in ["en", "cy"] {
            let (value, fell_back) = text.get(language);
            assert!(!fell_back && !value.trim().is_empty(), "{text:?} lacks {language}");
        }
        assert_ne!(text.get("en").0, text.get("cy").0, "{text:?} is not translated");
    }
    // Topics: experience, barriers, non-financial support, leadership.
    let titles: Vec<&str> = survey.pages.iter().map(|p| p.title.get("en").0).collect();
    for topic in ["experience", "Barriers", "other than money", "leadership"] {
        assert!(titles.iter().any(|t| t.contains(topic)), "{topic} in {titles:?}");
    }
    // Nothing about income or ethnicity (in either language).
    let all_text: String =
        texts.iter().flat_map(|t| t.0.values()).cloned().collect::<Vec<_>>().join(" ").to_lowercase();
    for word in ["income", "salary", "wage", "earn", "ethnic", "race", "religion", "incwm", "cyflog", "ethnig"] {
        assert!(!all_text.contains(word), "the template mentions {word}");
    }
    // Its skip logic is valid, and the whole study checks out.
    assert_eq!(check_pages(&survey.pages, None), Ok(()));
    assert_eq!(s.validate(), vec![]);
}

#[test]
fn the_template_can_be_answered_end_to_end() {
    let mut s = StudyData::new("Care co-operatives", T0).unwrap();
    let case = s.add_case("Riverside", T0).unwrap();
    let id = s.add_survey_from_template("stakeholder", T0).unwrap();
    let r = s.start_response(id, case, None, "cy", T1).unwrap();
    let pages = s.survey(id).unwrap().pages.clone();
    let named = |n: &str| pages.iter().flat_map(|p| &p.questions).find(|q| q.name == n).unwrap().id;
    // The required role question stops the first page, with its Welsh message.
    let problems = s.go_next(r, T1).unwrap_err();
    assert_eq!(
        problems,
        vec![(named("stakeholder_role"), "Dewiswch yr opsiwn sydd agosaf at eich cysylltiad.".to_string())]
    );
    s.answer(r, named("stakeholder_role"), Some(AnswerValue::Choice("worker".into())), T1).unwrap();
    s.go_next(r, T1).unwrap();
    s.go_next(r, T1).unwrap();
    s.go_next(r, T1).unwrap();
    s.answer(r, named("local_help"), Some(AnswerValue::Bool(false)), T1).unwrap();
    for _ in 0..3 {
        s.go_next(r, T1).unwrap();
    }
    assert!(s.response_progress(r).unwrap().last);
    s.complete_response(r, T2).unwrap();
    let summary = Summary::of(&s);
    assert_eq!((summary.surveys, summary.responses, summary.responses_complete), (1, 1, 1));
    assert_eq!(s.validate(), vec![]);
}

// ---------------------------------------------------------------------------
// Responses: starting, page flow, completion, corrections
// ---------------------------------------------------------------------------

#[test]
fn who_may_respond_and_in_which_language() {
    let mut f = fixture();
    let other_case = f.s.add_case("Hillside", T0).unwrap();
    let elsewhere = f.s.add_participant("P2", Some(other_case), None, T0).unwrap();
    assert_eq!(
        f.s.start_response(f.survey, f.case, Some(elsewhere), "en", T1),
        Err(ValidationError::ParticipantElsewhere("P2".into()))
    );
    f.s.edit_participant(f.person, ParticipantEdit::Withdrawn(true), T0).unwrap();
    assert_eq!(
        f.s.start_response(f.survey, f.case, Some(f.person), "en", T1),
        Err(ValidationError::SurveyConsentWithdrawn("P1".into()))
    );
    assert_eq!(
        f.s.start_response(f.survey, f.case, None, "fr", T1),
        Err(ValidationError::LanguageNotOffered("fr".into()))
    );
    assert!(matches!(
        f.s.start_response(f.survey, Uuid::new_v4(), None, "en", T1),
        Err(ValidationError::UnknownCase(_))
    ));
    let empty = f.s.add_survey("Empty", T0).unwrap();
    assert_eq!(f.s.start_response(empty, f.case, None, "en", T1), Err(ValidationError::EmptySurvey));
    let r = f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    let response = f.s.response(r).unwrap();
    assert_eq!((response.page, response.status, response.participant_id), (0, ResponseStatus::InProgress, None));
}

#[test]
fn answers_must_fit_the_question_kind() {
    let mut f = fixture();
    let r = f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    assert_eq!(
        f.s.answer(r, f.help, Some(AnswerValue::Text("yes".into())), T1),
        Err(ValidationError::AnswerShape("Did you get help from the council?".into()))
    );
    assert!(matches!(f.s.answer(r, Uuid::new_v4(), None, T1), Err(ValidationError::UnknownSurveyQuestion(_))));
    f.s.answer(r, f.volunteers, Some(AnswerValue::Number(4.0)), T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().answers.get(&f.volunteers), Some(&AnswerValue::Number(4.0)));
    // Clearing, explicitly or with an empty value.
    f.s.answer(r, f.volunteers, None, T2).unwrap();
    assert!(f.s.response(r).unwrap().answers.is_empty());
    f.s.answer(r, f.kinds, Some(AnswerValue::Choices(vec!["council".into(), "council".into()])), T2).unwrap();
    assert_eq!(f.s.response(r).unwrap().answers.get(&f.kinds), Some(&AnswerValue::Choices(vec!["council".into()])));
    f.s.answer(r, f.kinds, Some(AnswerValue::Choices(vec![])), T2).unwrap();
    assert!(f.s.response(r).unwrap().answers.is_empty());
    let huge = "x".repeat(interview::MAX_FIELD_BYTES + 1);
    assert!(matches!(
        f.s.answer(r, f.comment, Some(AnswerValue::Text(huge)), T2),
        Err(ValidationError::TextTooLong { .. })
    ));
}

#[test]
fn skip_logic_takes_different_paths_through_the_pages() {
    let mut f = fixture();
    let pages = f.s.survey(f.survey).unwrap().pages.clone();
    assert_eq!(visible_pages(&pages, &BTreeMap::new()), vec![0, 2]);

    // Path 1: no help from the council → page 2 is skipped.
    let r = f.s.start_response(f.survey, f.case, Some(f.person), "en", T1).unwrap();
    let problems = f.s.go_next(r, T1).unwrap_err();
    assert_eq!(problems, vec![(f.help, "This question needs an answer.".to_string())]);
    f.s.answer(r, f.help, Some(AnswerValue::Bool(false)), T1).unwrap();
    f.s.answer(r, f.volunteers, Some(AnswerValue::Number(3.5)), T1).unwrap();
    assert_eq!(f.s.go_next(r, T1).unwrap_err(), vec![(f.volunteers, "Enter a whole number.".to_string())]);
    f.s.answer(r, f.volunteers, Some(AnswerValue::Number(3.0)), T1).unwrap();
    assert_eq!(f.s.response_progress(r), Some(Progress { page: 1, of: 2, last: false }));
    f.s.go_next(r, T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().page, 2);
    assert_eq!(f.s.response_progress(r), Some(Progress { page: 2, of: 2, last: true }));
    // Next on the last page stays there.
    assert!(f.s.go_next(r, T1).is_err()); // the rating is required
    f.s.answer(r, f.rating, Some(AnswerValue::Number(4.0)), T1).unwrap();
    f.s.go_next(r, T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().page, 2);
    f.s.go_back(r, T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().page, 0);
    f.s.go_back(r, T1).unwrap();
    assert_eq!(f.s.response(r).unwrap().page, 0);

    // Path 2: help from the council → page 2, where the comment appears only when
    // the council is ticked.
    let r2 = f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    f.s.answer(r2, f.help, Some(AnswerValue::Bool(true)), T1).unwrap();
    assert_eq!(f.s.response_progress(r2), Some(Progress { page: 1, of: 3, last: false }));
    f.s.go_next(r2, T1).unwrap();
    assert_eq!(f.s.response(r2).unwrap().page, 1);
    let answers_now = f.s.response(r2).unwrap().answers.clone();
    assert!(!visible_questions(&pages, &answers_now).contains(&f.comment));
    f.s.answer(r2, f.kinds, Some(AnswerValue::Choices(vec!["charity".into(), "council".into()])), T1).unwrap();
    let answers_now = f.s.response(r2).unwrap().answers.clone();
    assert!(visible_questions(&pages, &answers_now).contains(&f.comment));
    f.s.answer(r2, f.comment, Some(AnswerValue::Text("far too long for the limit".into())), T1).unwrap();
    assert_eq!(
        f.s.go_next(r2, T1).unwrap_err(),
        vec![(f.comment, "This answer is too long: 26 characters, and the most is 20.".to_string())]
    );
    f.s.answer(r2, f.comment, Some(AnswerValue::Text("Good advice".into())), T1).unwrap();
    f.s.go_next(r2, T1).unwrap();
    assert_eq!(f.s.response(r2).unwrap().page, 2);
    f.s.go_back(r2, T1).unwrap();
    assert_eq!(f.s.response(r2).unwrap().page, 1);
    // Going back to page 1 and changing the answer hides page 2 again.
    f.s.go_back(r2, T1).unwrap();
    f.s.answer(r2, f.help, Some(AnswerValue::Bool(false)), T1).unwrap();
    f.s.go_next(r2, T1).unwrap();
    assert_eq!(f.s.response(r2).unwrap().page, 2);
    // The hidden answers are still there while in progress…
    assert!(f.s.response(r2).unwrap().answers.contains_key(&f.comment));
    // …and a hidden question's answer does not count for later conditions.
    let r2_answers = f.s.response(r2).unwrap().answers.clone();
    assert_eq!(visible_pages(&pages, &r2_answers), vec![0, 2]);
    let _ = (f.p1, f.p2, f.p3);
}

#[test]
fn completing_removes_answers_to_hidden_questions() {
    let mut f = fixture();
    let r = f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    f.s.answer(r, f.help, Some(AnswerValue::Bool(true)), T1).unwrap();
    f.s.answer(r, f.kinds, Some(AnswerValue::Choices(vec!["council".into()])), T1).unwrap();
    f.s.answer(r, f.comment, Some(AnswerValue::Text("Useful".into())), T1).unwrap();
    f.s.answer(r, f.help, Some(AnswerValue::Bool(false)), T1).unwrap();
    // Not valid yet: the rating is required. Nothing changes.
    let problems = f.s.complete_response(r, T2).unwrap_err();
    assert_eq!(problems, vec![(f.rating, "This question needs an answer.".to_string())]);
    assert_eq!(f.s.response(r).unwrap().status, ResponseStatus::InProgress);
    assert_eq!(f.s.response(r).unwrap().answers.len(), 3);
    f.s.answer(r, f.rating, Some(AnswerValue::Number(5.0)), T1).unwrap();
    f.s.complete_response(r, T2).unwrap();
    let response = f.s.response(r).unwrap();
    assert_eq!(response.status, ResponseStatus::Complete);
    assert_eq!(response.completed, Some(T2));
    let mut kept: Vec<Uuid> = response.answers.keys().copied().collect();
    kept.sort();
    let mut expected = vec![f.help, f.rating];
    expected.sort();
    assert_eq!(kept, expected);
    // A complete response is not answered directly any more.
    assert_eq!(f.s.answer(r, f.rating, None, T2), Err(ValidationError::ResponseComplete));
    assert!(f.s.go_next(r, T2).is_err());
    assert_eq!(Summary::of(&f.s).responses_complete, 1);
}

#[test]
fn corrections_to_complete_responses_are_recorded() {
    let mut f = fixture();
    let r = f.s.start_response(f.survey, f.case, None, "en", T1).unwrap();
    f.s.answer(r, f.help, Some(AnswerValue::Bool(true)), T1).unwrap();
    f.s.answer(r, f.kinds, Some(AnswerValue::Choices(vec!["council".into()])), T1).unwrap();
    f.s.answer(r, f.comment, Some(AnswerValue::Text("Useful".into())), T1).unwrap();
    f.s.answer(r, f.rating, Some(AnswerValue::Number(2.0)), T1).unwrap();
    assert_eq!(
        f.s.correct_response(r, f.rating, Some(AnswerValue::Number(3.0)), "Alex", T2),
        Err(ValidationError::ResponseNotComplete)
    );
    f.s.complete_response(r, T1).unwrap();
    assert_eq!(
        f.s.correct_response(r, f.rating, Some(AnswerValue::Number(3.0)), " ", T2),
        Err(ValidationError::EmptyCorrector)
    );
    assert_eq!(
        f.s.correct_response(r, f.rating, Some(AnswerValue::Number(9.0)), "Alex", T2),
        Err(ValidationError::InvalidAnswer {
            question: "Overall rating".into(),
            problem: "Choose from 1 to 5.".into()
        })
    );
    f.s.correct_response(r, f.rating, Some(AnswerValue::Number(3.0)), "Alex", T2).unwrap();
    // The same value again records nothing.
    f.s.correct_response(r, f.rating, Some(AnswerValue::Number(3.0)), "Alex", T2).unwrap();
    let response = f.s.response(r).unwrap();
    assert_eq!(response.answers.get(&f.rating), Some(&AnswerValue::Number(3.0)));
    assert_eq!(
        response.corrections,
        vec![ResponseCorrection { at: T2, by: "Alex".into(), what: "rating: 2 → 3".into() }]
    );
    // A correction that hides other questions removes their answers and says so.
    f.s.correct_response(r, f.help, Some(AnswerValue::Bool(false)), "Sam", T2).unwrap();
    let response = f.s.response(r).unwrap();
    assert!(!response.answers.contains_key(&f.kinds) && !response.answers.contains_key(&f.comment));
    assert_eq!(
        response.corrections[1].what,
        "council_help: Yes → No; removed answers no longer shown: help_kind, comment"
    );
    // A hidden question cannot be given an answer.
    assert_eq!(
        f.s.correct_response(r, f.comment, Some(AnswerValue::Text("x".into())), "Sam", T2),
        Err(ValidationError::QuestionHidden("Tell us more".into()))
    );
}

// ---------------------------------------------------------------------------
// Whole-study checks
// ---------------------------------------------------------------------------

#[test]
fn study_validation_checks_surveys_and_responses() {
    let mut f = fixture();
    let r = f.s.start_response(f.survey, f.case, Some(f.person), "en", T1).unwrap();
    assert_eq!(f.s.validate(), vec![]);
    let round_trip: StudyData = serde_json::from_str(&serde_json::to_string(&f.s).unwrap()).unwrap();
    assert_eq!(round_trip, f.s);

    let mut broken = f.s.clone();
    broken.responses[0].survey_version = 7;
    broken.responses[0].participant_id = Some(Uuid::new_v4());
    let errors = broken.validate();
    assert!(errors.contains(&ValidationError::UnknownSurveyVersion { survey: f.survey, version: 7 }), "{errors:?}");
    assert!(errors.iter().any(|e| matches!(e, ValidationError::UnknownParticipant(_))), "{errors:?}");

    let mut broken = f.s.clone();
    broken.responses[0].survey_id = Uuid::new_v4();
    broken.responses[0].case_id = Uuid::new_v4();
    let errors = broken.validate();
    assert!(errors.iter().any(|e| matches!(e, ValidationError::UnknownSurvey(_))), "{errors:?}");
    assert!(errors.iter().any(|e| matches!(e, ValidationError::UnknownCase(_))), "{errors:?}");

    // A condition made to point forward in stored data is caught.
    let mut broken = f.s.clone();
    broken.surveys[0].pages[0].questions[0].condition = Some(Condition::Answered { question: f.rating });
    assert!(broken.validate().iter().any(|e| matches!(e, ValidationError::ConditionNotBefore { .. })));

    // Ids unique across the study.
    let mut broken = f.s.clone();
    broken.responses[0].id = f.case;
    assert!(broken.validate().contains(&ValidationError::DuplicateId(f.case)));
    let mut broken = f.s.clone();
    broken.surveys[0].pages[1].id = f.p1;
    assert!(broken.validate().contains(&ValidationError::DuplicateId(f.p1)));
    let _ = r;
}

#[test]
fn answers_read_as_words_with_labels_not_codes() {
    use fieldkit_core::surveys::answer_words;
    let item = Uuid::from_u128(7);
    let q = Question {
        kind: QuestionKind::Likert {
            points: 5,
            scale: agreement_scale(5),
            items: vec![LikertItem {
                id: item,
                name: "listened".into(),
                label: Text::en("Staff listen to what I say"),
            }],
        },
        ..new_question(QuestionKind::Info)
    };
    let answer = AnswerValue::Scale([(item, 4u8)].into_iter().collect());
    let words = answer_words(Some(&q), Some(&answer));
    assert!(words.starts_with("Staff listen to what I say: "), "{words}");
    assert!(words.ends_with("(4)") && !words.contains("listened"), "{words}");
}
