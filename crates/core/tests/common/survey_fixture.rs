//! The survey used by the export tests (CSV here, XLSX in fieldkit-sheets): every
//! question type, an older version, three kinds of respondent and hostile text.
#![allow(dead_code)]

use std::collections::BTreeMap;

use fieldkit_core::study::*;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn t(ms: i64) -> Timestamp {
    Timestamp::from_millis(1_795_449_405_000 + ms)
}

pub fn choice(value: &str, en: &str) -> Choice {
    Choice { value: value.into(), label: Text::en(en) }
}

pub fn question(n: u128, name: &str, label: Text, kind: QuestionKind) -> Question {
    Question {
        id: id(n),
        name: name.into(),
        label,
        help: Text::default(),
        required: false,
        required_message: Text::default(),
        kind,
        condition: None,
    }
}

pub fn page(n: u128, questions: Vec<Question>) -> Page {
    Page { id: id(n), title: Text::en("Page"), condition: None, questions }
}

pub fn likert() -> Question {
    let scale = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"];
    question(
        300,
        "q3_voice",
        Text::en("How far do you agree?").with("cy", "I ba raddau rydych chi'n cytuno?"),
        QuestionKind::Likert {
            points: 5,
            scale: scale.iter().map(|s| Text::en(s)).collect(),
            items: vec![
                LikertItem { id: id(301), name: "q3_listened".into(), label: Text::en("I am listened to") },
                LikertItem { id: id(302), name: "q3_trusted".into(), label: Text::en("I trust the board, \"mostly\"") },
            ],
        },
    )
}

pub fn org(extra_option: Option<Choice>) -> Question {
    let mut options = vec![choice("council", "Council =run"), choice("cooperative", "Co-operative, member-owned")];
    options.extend(extra_option);
    question(
        100,
        "q1_org",
        Text::en("Who runs your care?").with("cy", "Pwy sy'n rhedeg eich gofal?"),
        QuestionKind::SingleChoice { options },
    )
}

pub fn services(old: bool) -> Question {
    let mut options = vec![choice("care", "Personal care"), choice("transport", "Transport"), choice("meals", "Meals")];
    if old {
        options.retain(|o| o.value != "meals");
        options.push(choice("other", "Other"));
    }
    question(200, "q2_services", Text::en("Which services do you use?"), QuestionKind::MultipleChoice { options })
}

pub fn survey() -> Survey {
    let current = vec![
        page(10, vec![question(1, "intro", Text::en("Welcome"), QuestionKind::Info), org(None), services(false)]),
        page(11, vec![likert()]),
        page(
            12,
            vec![
                question(400, "q4_rating", Text::en("Rate the service"), QuestionKind::Rating { max: 5 }),
                question(
                    500,
                    "q5_staff",
                    Text::en("Change in staff"),
                    QuestionKind::Number { min: Some(-10.0), max: Some(10.0), integer: true },
                ),
                question(600, "q6_member", Text::en("Are you a member?"), QuestionKind::YesNo),
                question(700, "q7_joined", Text::en("When did you join?"), QuestionKind::Date),
                question(
                    800,
                    "q8_name",
                    Text::en("What do you call the group?"),
                    QuestionKind::ShortText { max_length: Some(80) },
                ),
                question(900, "q9_comments", Text::en("Anything else?"), QuestionKind::LongText { max_length: None }),
            ],
        ),
    ];
    let v1 = vec![
        page(10, vec![org(None), services(true)]),
        page(
            11,
            vec![
                likert(),
                question(
                    1000,
                    "q10_old",
                    Text::en("What changed since last year?"),
                    QuestionKind::ShortText { max_length: None },
                ),
            ],
        ),
    ];
    Survey {
        id: id(50),
        study_id: id(1_000),
        created: t(0),
        modified: t(5_000),
        name: "Stakeholder survey".into(),
        description: Text::default(),
        languages: vec!["en".into(), "cy".into()],
        version: 2,
        pages: current,
        history: vec![SurveyVersion { version: 1, superseded: t(4_000), name: "Stakeholder survey".into(), pages: v1 }],
        template: None,
    }
}

pub fn response(
    n: u128,
    case: u128,
    participant: Option<u128>,
    language: &str,
    version: u32,
    answers: Vec<(u128, AnswerValue)>,
    complete: bool,
) -> Response {
    Response {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64 * 1_000),
        modified: t(n as i64 * 1_000 + 500),
        survey_id: id(50),
        survey_version: version,
        case_id: id(case),
        participant_id: participant.map(id),
        language: language.into(),
        answers: answers.into_iter().map(|(q, a)| (id(q), a)).collect(),
        status: if complete { ResponseStatus::Complete } else { ResponseStatus::InProgress },
        page: 0,
        started: t(n as i64 * 1_000),
        completed: complete.then(|| t(n as i64 * 1_000 + 400)),
        corrections: Vec::new(),
    }
}

pub fn case(n: u128, name: &str, setting: Setting, legal_form: &str, country: &str, extra: &[(&str, &str)]) -> Case {
    Case {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64),
        modified: t(n as i64),
        name: name.into(),
        description: String::new(),
        attributes: CaseAttributes {
            setting: Some(setting),
            legal_form: legal_form.into(),
            country: country.into(),
            extra: extra.iter().map(|(k, v)| Attribute { key: (*k).into(), value: (*v).into() }).collect(),
        },
    }
}

pub fn participant(n: u128, pseudonym: &str, role: Option<u128>, case: u128) -> Participant {
    Participant {
        id: id(n),
        study_id: id(1_000),
        created: t(n as i64),
        modified: t(n as i64),
        pseudonym: pseudonym.into(),
        role_id: role.map(id),
        case_id: Some(id(case)),
        consent: Consent::default(),
        notes: String::new(),
    }
}

pub fn study() -> StudyData {
    let scale =
        |pairs: &[(u128, u8)]| AnswerValue::Scale(pairs.iter().map(|(i, p)| (id(*i), *p)).collect::<BTreeMap<_, _>>());
    let text = |s: &str| AnswerValue::Text(s.into());
    StudyData {
        study: Study {
            id: id(1_000),
            created: t(0),
            modified: t(0),
            title: "Surveys".into(),
            description: String::new(),
            research_questions: Vec::new(),
            roles: vec![StakeholderRole { id: id(20), name: "Manager / founder".into() }],
            share_identifying_details: false,
        },
        cases: vec![
            case(
                30,
                "Gofal Cwm Tŷ Gwyn",
                Setting::VeryRural,
                "Co-operative",
                "Wales",
                &[("Founded", "2019"), ("Members", "=120")],
            ),
            case(
                31,
                "City Care, \"Ltd\"",
                Setting::Urban,
                "CIC",
                "England",
                &[("members", "45"), ("Region", "North\nEast")],
            ),
        ],
        participants: vec![participant(40, "Rowan", Some(20), 30), participant(41, "Ceri", None, 30)],
        identities: Vec::new(),
        protocols: Vec::new(),
        interviews: Vec::new(),
        documents: Vec::new(),
        accounts: Vec::new(),
        surveys: vec![survey()],
        responses: vec![
            // Listed out of order: exports sort responses oldest first.
            response(
                62,
                30,
                Some(41),
                "cy",
                1,
                vec![
                    (100, AnswerValue::Choice("cooperative".into())),
                    (200, AnswerValue::Choices(vec!["other".into(), "care".into()])),
                    (300, scale(&[(301, 2)])),
                    (1000, text("Dechrau'n fach — ŵ ŷ")),
                ],
                true,
            ),
            response(
                60,
                30,
                Some(40),
                "en",
                2,
                vec![
                    (100, AnswerValue::Choice("council".into())),
                    (200, AnswerValue::Choices(vec!["meals".into(), "care".into()])),
                    (300, scale(&[(301, 4), (302, 5)])),
                    (400, AnswerValue::Number(4.0)),
                    (500, AnswerValue::Number(-1.0)),
                    (600, AnswerValue::Bool(true)),
                    (700, AnswerValue::Date(Date::from_ymd(2019, 4, 1).unwrap())),
                    (800, text("=HYPERLINK(\"x\")")),
                    (900, text("+44 7700 900123, \"call me\"\nsecond line")),
                ],
                true,
            ),
            response(
                61,
                31,
                None,
                "en",
                2,
                vec![
                    (200, AnswerValue::Choices(Vec::new())),
                    (600, AnswerValue::Bool(false)),
                    (800, text("-1")),
                    (900, text("@SUM(A1) \tthen tab 👍🏽 مرحبا שלום café")),
                    (1, text("ignored: info")),
                ],
                false,
            ),
        ],
        codes: Vec::new(),
        segments: Vec::new(),
        memos: Vec::new(),
        matrix_cells: Vec::new(),
        coding_history: Default::default(),
    }
}
