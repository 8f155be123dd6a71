//! Generated studies: a small one that reads like real fieldwork, for demos and
//! tests, and a larger one for benchmarks. Ids and times are deterministic, so the
//! same command always writes the same file.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use crate::clock::{Date, Timestamp};
use crate::coding::sources::{SourceKind, SourceRef};
use crate::coding::*;
use crate::coding::{CodeField, CodingEdit};
use crate::fieldwork::interview::{DocumentEdit, InterviewEdit, NewInterview, Slot};
use crate::fieldwork::*;
use crate::study::StudyData;
use crate::study::validate::ValidationError;
use crate::study::*;
use crate::surveys::{
    AnswerValue, Choice, Condition, DEFAULT_LANGUAGE, LikertItem, Page, Question, QuestionKind, Response,
    ResponseStatus, Survey, Text, WELSH, agreement_scale, check_pages, validate_answer, visible_pages,
    visible_questions,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoSize {
    Small,
    Reference,
}

impl DemoSize {
    pub fn parse(text: &str) -> Option<DemoSize> {
        match text {
            "small" => Some(DemoSize::Small),
            "reference" => Some(DemoSize::Reference),
            _ => None,
        }
    }
}

/// SplitMix64: a tiny, well-known generator; enough for stable demo ids.
struct Ids(u64);

impl Ids {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// 2017-01-09T09:00:00Z: fieldwork time for the demo study.
const DEMO_START_MS: i64 = 1_483_952_400_000;

fn at(minutes: i64) -> Timestamp {
    Timestamp::from_millis(DEMO_START_MS + minutes * 60_000)
}

const QUESTIONS: [(&str, &str); 4] = [
    (
        "How do the people who use, work in and run the service experience it?",
        "Why they chose to organise care this way, what difference it has made to them, and how it has felt overall.",
    ),
    (
        "What barriers and challenges have come up, and how are they being overcome?",
        "Difficulties met so far or still ahead, and the solutions tried or planned.",
    ),
    (
        "Which kinds of non-financial support from local agencies help most?",
        "Help from councils, health bodies, advice services and networks: what worked, what could have been better.",
    ),
    (
        "What kind of community leadership works alongside existing agencies?",
        "Who led, how they worked with local agencies, and the policy setting that made it possible or harder.",
    ),
];

struct DemoCase {
    name: &'static str,
    description: &'static str,
    setting: Setting,
    legal_form: &'static str,
    country: &'static str,
    extra: &'static [(&'static str, &'static str)],
}

const CASES: [DemoCase; 4] = [
    DemoCase {
        name: "Hillside Community Care",
        description: "Home care across a group of villages, started by a parish councillor with local residents as members.",
        setting: Setting::Rural,
        legal_form: "Community interest company",
        country: "England",
        extra: &[("Membership", "Community members with a vote"), ("Stage", "Trading")],
    },
    DemoCase {
        name: "Riverside Home Support",
        description: "A city charity supporting older people at home, exploring ownership by workers and the people it supports.",
        setting: Setting::Urban,
        legal_form: "Charitable company",
        country: "England",
        extra: &[("Stage", "Trading")],
    },
    DemoCase {
        name: "Glen Care Partnership",
        description: "A care service inside a larger organisation, part-way through becoming a co-operative so that it can serve remote glens.",
        setting: Setting::Rural,
        legal_form: "Converting to a co-operative",
        country: "Scotland",
        extra: &[("Stage", "Converting")],
    },
    DemoCase {
        name: "Gofal Cwm Tŷ Gwyn",
        description: "Self-employed care workers in upland valleys sharing back-office work through a co-operative they own together.",
        setting: Setting::VeryRural,
        legal_form: "Secondary co-operative",
        country: "Wales",
        extra: &[("Language of service", "Welsh and English"), ("Stage", "Trading")],
    },
];

/// (pseudonym, role index in DEFAULT_ROLES, case index, interview, audio, quotation, withdrawn)
type DemoPerson = (&'static str, usize, usize, bool, bool, bool, bool);

const PEOPLE: [DemoPerson; 10] = [
    ("Rowan", 3, 0, true, true, true, false),
    ("Hazel", 0, 0, true, false, true, false),
    ("Alder", 2, 1, true, true, true, false),
    ("Birch", 1, 1, true, true, false, false),
    ("Elm", 7, 1, true, true, true, true),
    ("Heather", 3, 2, true, true, true, false),
    ("Juniper", 6, 2, true, true, true, false),
    ("Ceri", 2, 3, true, true, true, false),
    ("Dylan", 8, 3, true, false, false, false),
    ("Nia", 0, 3, false, false, false, false),
];

/// Places the 36 generated sites are named after: nine per country, in the order
/// England, Scotland, Wales, Northern Ireland (the order of the sites' countries).
const SITE_PLACES: [[&str; 9]; 4] = [
    [
        "Ashcombe",
        "Brackenfold",
        "Elmstead Green",
        "Fernleigh",
        "Harrowdale",
        "Kestrel Ridge",
        "Marlow Bank",
        "Oakenshaw",
        "Whitcliffe",
    ],
    [
        "Ardmore",
        "Balnacraig",
        "Glenbrae",
        "Inverlair",
        "Kilbrannan",
        "Lochside",
        "Dunmorran",
        "Strathcarrick",
        "Craigend",
    ],
    [
        "Cwm Derwen",
        "Bryn Eithin",
        "Llanfair Isaf",
        "Pen-y-bont Uchaf",
        "Nant Gwyn",
        "Dyffryn Aur",
        "Y Foel",
        "Glan Alaw",
        "Rhos Helyg",
    ],
    [
        "Ballykeel",
        "Drumcarn",
        "Rathmore",
        "Tullyvar",
        "Annaghbeg",
        "Kilcreggan Road",
        "Lisdrum",
        "Carnbeg",
        "Mullaghmore Cross",
    ],
];

/// What each kind of generated site is (by legal form), and where it works (by setting).
const SITE_KINDS: [&str; 3] = [
    "A home care co-operative owned by its care workers and the people they support",
    "A community interest company providing home care, with local residents as members",
    "A charity supporting older and disabled people at home, with a members' forum",
];
const SITE_AREAS: [&str; 3] =
    ["a city neighbourhood", "a group of villages and a market town", "scattered upland farms and hamlets"];

/// Builds the demo study. `Reference` adds what a large project has, for benchmarks:
/// 40 cases, 1,000 participants, 200 long transcripts, a codebook of about 600 codes,
/// about 26,000 codings by three coders, over 2,000 memos, 5,200 survey responses
/// and a synopsis in every case × theme cell.
pub fn demo_study(size: DemoSize) -> StudyData {
    let mut ids = Ids(0x000F_1E1D_4B17);
    let study_id = ids.uuid();
    let roles: Vec<StakeholderRole> =
        DEFAULT_ROLES.iter().map(|name| StakeholderRole { id: ids.uuid(), name: (*name).to_string() }).collect();
    let research_questions = QUESTIONS
        .iter()
        .map(|(text, detail)| ResearchQuestion { id: ids.uuid(), text: (*text).into(), detail: (*detail).into() })
        .collect();
    let study = Study {
        id: study_id,
        created: at(0),
        modified: at(5),
        title: "Co-operative care in rural and urban communities".into(),
        description:
            "Four case studies of community-owned care services in England, Scotland and Wales, comparing how \
                      the people who use, provide and govern them experience co-operative ways of organising care."
                .into(),
        research_questions,
        roles,
        share_identifying_details: false,
    };
    let mut cases: Vec<Case> = CASES
        .iter()
        .enumerate()
        .map(|(i, c)| Case {
            id: ids.uuid(),
            study_id,
            created: at(10 + i as i64),
            modified: at(10 + i as i64),
            name: c.name.into(),
            description: c.description.into(),
            attributes: CaseAttributes {
                setting: Some(c.setting),
                legal_form: c.legal_form.into(),
                country: c.country.into(),
                extra: c.extra.iter().map(|(k, v)| Attribute { key: (*k).into(), value: (*v).into() }).collect(),
            },
        })
        .collect();
    let consent_date = Date::from_ymd(2017, 1, 9);
    let mut participants: Vec<Participant> = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, (name, role, case, interview, audio, quotation, withdrawn))| Participant {
            id: ids.uuid(),
            study_id,
            created: at(20 + i as i64),
            modified: at(20 + i as i64),
            pseudonym: (*name).into(),
            role_id: Some(study.roles[*role].id),
            case_id: Some(cases[*case].id),
            consent: Consent {
                date: consent_date,
                interview: *interview,
                audio_recording: *audio,
                quotation: *quotation,
                withdrawn: *withdrawn,
                ..Consent::default()
            },
            notes: String::new(),
        })
        .collect();

    if size == DemoSize::Reference {
        // The benchmark study: 40 sites and 25 participants at each.
        const SETTINGS: [Setting; 3] = [Setting::Urban, Setting::Rural, Setting::VeryRural];
        const COUNTRIES: [&str; 4] = ["England", "Scotland", "Wales", "Northern Ireland"];
        for n in 0..36 {
            let minute = 100 + n as i64;
            let place = SITE_PLACES[n % 4][n / 4];
            let name = match (n % 3, n % 4) {
                (0, 2) => format!("Gofal {place}"),
                (0, _) => format!("{place} Care Co-operative"),
                (1, _) => format!("{place} Community Care"),
                _ => format!("{place} Home Support"),
            };
            cases.push(Case {
                id: ids.uuid(),
                study_id,
                created: at(minute),
                modified: at(minute),
                name,
                description: format!("{} serving {}.", SITE_KINDS[n % 3], SITE_AREAS[n % 3]),
                attributes: CaseAttributes {
                    setting: Some(SETTINGS[n % 3]),
                    legal_form: ["Co-operative", "Community interest company", "Charitable company"][n % 3].into(),
                    country: COUNTRIES[n % 4].into(),
                    extra: vec![Attribute { key: "Stage".into(), value: "Trading".into() }],
                },
            });
        }
        let mut seq = 0usize;
        for (ci, case_id) in cases.iter().map(|c| c.id).enumerate().collect::<Vec<_>>() {
            let existing = participants.iter().filter(|p| p.case_id == Some(case_id)).count();
            for k in existing..25 {
                seq += 1;
                let minute = 1_000 + seq as i64;
                participants.push(Participant {
                    id: ids.uuid(),
                    study_id,
                    created: at(minute),
                    modified: at(minute),
                    pseudonym: format!("P{ci:02}-{k:02}"),
                    role_id: Some(study.roles[(ci + k) % study.roles.len()].id),
                    case_id: Some(case_id),
                    consent: Consent {
                        date: consent_date,
                        interview: true,
                        audio_recording: k % 4 != 0,
                        quotation: k % 5 != 0,
                        withdrawn: k % 23 == 22,
                        survey: k % 4 != 3,
                        ..Consent::default()
                    },
                    notes: String::new(),
                });
            }
        }
    }

    let mut data = StudyData { study, cases, participants, ..StudyData::empty_parts() };
    // Fieldwork and surveys are added through the same operations the app uses;
    // should one ever fail, the demo is simply without it (the tests check it is there).
    let _ = add_fieldwork(&mut data);
    let _ = add_survey_responses(&mut data);
    let _ = add_coding(&mut data);
    if size == DemoSize::Reference {
        add_reference_codebook(&mut data, &mut ids);
        let _ = add_reference_transcripts(&mut data, &mut ids);
        add_reference_survey(&mut data, &mut ids);
        add_reference_memos(&mut data, &mut ids);
    }
    renumber(&mut data, &mut ids);
    data
}

fn who(data: &StudyData, pseudonym: &str) -> Uuid {
    data.participants.iter().find(|p| p.pseudonym == pseudonym).map(|p| p.id).unwrap_or_default()
}

/// Interviews, a focus group, documents and a member-checked account, in the demo's own words.
fn add_fieldwork(data: &mut StudyData) -> Result<(), ValidationError> {
    let protocol = data.add_protocol_from_template("four-question", at(30))?;
    let sections: Vec<(Uuid, Vec<Uuid>)> = data
        .protocol(protocol)
        .map(|p| p.sections.iter().map(|s| (s.id, s.prompts.iter().map(|x| x.id).collect())).collect())
        .unwrap_or_default();
    let case_of =
        |data: &StudyData, name: &str| data.participant(who(data, name)).and_then(|p| p.case_id).unwrap_or_default();
    let interview = |data: &mut StudyData, kind, names: &[&str], date: &str, planned, minute| {
        let new = NewInterview {
            kind,
            case_id: case_of(data, names[0]),
            participant_ids: names.iter().map(|n| who(data, n)).collect(),
            mode: Mode::FaceToFace,
            interviewer: "Researcher A".into(),
            date: date.into(),
            protocol_id: protocol,
            planned,
        };
        data.start_interview(new, at(minute))
    };
    let notes = |data: &mut StudyData, id, section: usize, text: &str, minute| {
        let slot = Slot { section: sections.get(section).map(|s| s.0).unwrap_or_default(), prompt: None };
        data.edit_interview(id, InterviewEdit::Notes { slot, text: text.into() }, at(minute))
    };

    // A founder interview at the village service, complete and member-checked.
    let rowan = interview(data, InterviewKind::Interview, &["Rowan"], "2017-01-10", false, 2000)?;
    notes(
        data,
        rowan,
        0,
        "Set up after the last agency pulled out of the villages. Members vote at an annual meeting; \
        carers say they feel listened to for the first time.",
        2001,
    )?;
    notes(
        data,
        rowan,
        1,
        "Recruiting carers who drive is the hardest part. Mileage eats the margin on short visits. \
        Solved partly by grouping visits by hamlet.",
        2002,
    )?;
    notes(
        data,
        rowan,
        2,
        "The council's community development worker helped with the constitution; \
        the business advice line was too generic.",
        2003,
    )?;
    notes(
        data,
        rowan,
        3,
        "The parish council lent credibility. Needed someone known locally to knock on doors.",
        2004,
    )?;
    let slot = Slot { section: sections.first().map(|s| s.0).unwrap_or_default(), prompt: None };
    data.edit_interview(rowan, InterviewEdit::ToggleFlag { slot, flag: Flag::GoodQuote }, at(2005))?;
    data.edit_interview(rowan, InterviewEdit::Complete, at(2006))?;
    let account = data.create_account(rowan, at(2010))?;
    data.set_account_status(account, AccountStatus::Sent, at(2011))?;
    let amended = data
        .account(account)
        .and_then(|a| a.current())
        .map(|v| v.text.replace("too generic", "too generic for a care service"))
        .unwrap_or_default();
    data.record_amendment(account, amended, "Changes marked on the printed copy".into(), at(3000))?;
    data.set_account_status(account, AccountStatus::Agreed, at(3001))?;

    // A care worker at the city charity, still in progress.
    let alder = interview(data, InterviewKind::Interview, &["Alder"], "2017-02-02", false, 2100)?;
    notes(data, alder, 0, "Likes having a say in rotas. Unsure what ownership would change day to day.", 2101)?;

    // A focus group at the Welsh co-operative, with speaker turns.
    let group = interview(data, InterviewKind::FocusGroup, &["Ceri", "Dylan"], "2017-03-01", false, 2200)?;
    let first = Slot { section: sections.first().map(|s| s.0).unwrap_or_default(), prompt: None };
    for (minute, speaker, text) in [
        (
            2201,
            Speaker::Participant(who(data, "Ceri")),
            "Sharing the paperwork means I spend my time with people, not forms.",
        ),
        (
            2202,
            Speaker::Participant(who(data, "Dylan")),
            "From the support side, the shared back office made them easier to fund.",
        ),
        (2203, Speaker::Interviewer, "What would you tell someone starting out?"),
        (2204, Speaker::Participant(who(data, "Ceri")), "Dechrau'n fach — start small, and talk to the council early."),
    ] {
        data.edit_interview(
            group,
            InterviewEdit::AddTurn { slot: first, id: Uuid::new_v4(), speaker, text: text.into() },
            at(minute),
        )?;
    }
    let barriers = Slot { section: sections.get(1).map(|s| s.0).unwrap_or_default(), prompt: None };
    data.edit_interview(group, InterviewEdit::State { slot: barriers, state: AnswerState::Skipped }, at(2205))?;

    // A planned interview at the Scottish site.
    interview(data, InterviewKind::Interview, &["Heather"], "", true, 2300)?;

    // Documents and site-visit notes.
    let hillside = data.cases.first().map(|c| c.id).unwrap_or_default();
    let glen = data.cases.get(2).map(|c| c.id).unwrap_or_default();
    let visit = data.add_document(hillside, DocumentKind::FieldNotes, "Site visit, day 1", at(2400))?;
    data.edit_document(
        visit,
        DocumentEdit::Text(
            "Met the committee in the village hall. Rota board on the wall; \
        tea urn always on. Two carers arrived by bicycle."
                .into(),
        ),
        at(2401),
    )?;
    let report =
        data.add_document(glen, DocumentKind::Report, "Options appraisal for a care co-operative", at(2402))?;
    data.edit_document(report, DocumentEdit::Origin("Published by the parent organisation".into()), at(2403))?;
    data.edit_document(
        report,
        DocumentEdit::Text(
            "Summary: three options were weighed; the board favoured \
        a co-operative owned by workers and the people they support."
                .into(),
        ),
        at(2404),
    )?;
    Ok(())
}

/// The stakeholder survey with four responses: in English and Welsh, by participants
/// and anonymously, one still in progress, and text that tries to be a formula.
fn add_survey_responses(data: &mut StudyData) -> Result<(), ValidationError> {
    let survey = data.add_survey_from_template("stakeholder", at(4000))?;
    let pages = data.survey(survey).map(|s| s.pages.clone()).unwrap_or_default();
    let question = |name: &str| pages.iter().flat_map(|p| &p.questions).find(|q| q.name == name);
    let id = |name: &str| question(name).map(|q| q.id).unwrap_or_default();
    let scale = |name: &str, points: &[u8]| {
        let items = match question(name).map(|q| &q.kind) {
            Some(QuestionKind::Likert { items, .. }) => items.iter().map(|i| i.id).collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        AnswerValue::Scale(items.into_iter().zip(points.iter().copied()).collect())
    };
    let text = |t: &str| AnswerValue::Text(t.to_string());
    let choice = |c: &str| AnswerValue::Choice(c.to_string());
    let choices = |cs: &[&str]| AnswerValue::Choices(cs.iter().map(|c| c.to_string()).collect());
    let case = |data: &StudyData, n: usize| data.cases.get(n).map(|c| c.id).unwrap_or_default();

    type Answers = Vec<(Uuid, AnswerValue)>;
    let respond =
        |data: &mut StudyData, case_id, who: Option<&str>, language: &str, answers: Answers, complete: bool, minute| {
            let participant = who.map(|w| crate::demo::who(data, w));
            let response = data.start_response(survey, case_id, participant, language, at(minute))?;
            for (n, (question, value)) in answers.into_iter().enumerate() {
                data.answer(response, question, Some(value), at(minute + 1 + n as i64))?;
            }
            if complete {
                data.complete_response(response, at(minute + 30))
                    .map_err(|_| ValidationError::UnknownSurvey(survey))?;
            }
            Ok::<(), ValidationError>(())
        };
    let hillside = case(data, 0);
    respond(
        data,
        hillside,
        Some("Rowan"),
        "en",
        vec![
            (id("stakeholder_role"), choice("worker")),
            (id("involvement_length"), choice("over_3")),
            (id("experience"), scale("experience", &[5, 4, 5, 5])),
            (id("overall"), AnswerValue::Number(5.0)),
            (id("barriers"), choices(&["paperwork", "staffing"])),
            (id("barrier_story"), text("Registration took eleven months; the parish clerk helped with the forms.")),
            (id("barrier_resolved"), AnswerValue::Bool(true)),
            (id("local_help"), AnswerValue::Bool(true)),
            (id("help_kind"), choices(&["advice", "space"])),
            (id("help_useful"), AnswerValue::Number(4.0)),
            (id("volunteers"), AnswerValue::Number(12.0)),
        ],
        true,
        4100,
    )?;
    respond(
        data,
        case(data, 3),
        Some("Ceri"),
        "cy",
        vec![
            (id("stakeholder_role"), choice("worker")),
            (id("experience"), scale("experience", &[4, 4, 5, 4])),
            (id("barriers"), choices(&["travel"])),
            (
                id("barrier_story"),
                text("Mae'r ffyrdd i'r cwm yn gul; rydym yn rhannu ceir. Dŵr ar y ffordd bob gaeaf."),
            ),
            (id("local_help"), AnswerValue::Bool(false)),
            (id("help_wanted"), text("Hyfforddiant gyrru yn y gaeaf.")),
        ],
        true,
        4200,
    )?;
    respond(
        data,
        case(data, 1),
        None,
        "en",
        vec![
            (id("stakeholder_role"), choice("partner")),
            (id("local_help"), AnswerValue::Bool(true)),
            (id("help_kind"), choices(&["contacts"])),
            (id("help_wanted"), text("=HYPERLINK(\"http://example.com\",\"click\")")),
            (
                id("anything_else"),
                text("+44 7700 900123 — مرحبا 👍🏽 cafe\u{301}; -1 @SUM(A1)\ttab, \"quoted\"\nnew line"),
            ),
        ],
        true,
        4300,
    )?;
    respond(data, hillside, Some("Hazel"), "en", vec![(id("stakeholder_role"), choice("supported"))], false, 4400)?;
    Ok(())
}

/// The codebook (themes and codes about care co-operatives, in the demo's own
/// words), coded passages in notes, focus-group turns, survey answers and site-visit
/// notes, memos, a journal entry and framework-matrix synopses.
fn add_coding(data: &mut StudyData) -> Result<(), ValidationError> {
    const CODEBOOK: [(&str, &str, &[&str], &str); 4] = [
        (
            "Relationships and trust",
            "#2a7f62",
            &["Being listened to", "Continuity of carers"],
            "How people describe the relationships care rests on: between carers and the people they support, and with the organisation.",
        ),
        (
            "Barriers",
            "#b5542d",
            &["Funding and margins", "Regulation and registration", "Travel and distance"],
            "What makes setting up or running the service harder than it should be.",
        ),
        (
            "Non-financial support",
            "#3b6ea8",
            &["Advice and development workers", "Shared back office"],
            "Help that is not money: advice, people's time, premises, shared systems.",
        ),
        (
            "Community leadership",
            "#7a4fa0",
            &["Local credibility"],
            "Who led the service locally and how they worked alongside existing agencies.",
        ),
    ];
    let mut minute = 5000;
    let mut tick = || {
        minute += 1;
        at(minute)
    };
    let mut code_ids: Vec<(String, Uuid)> = Vec::new();
    for (theme, colour, codes, definition) in CODEBOOK {
        let made =
            data.apply_coding(CodingEdit::AddCode { parent: None, name: theme.into(), colour: colour.into() }, tick())?;
        let theme_id = made.created.unwrap_or_default();
        data.apply_coding(
            CodingEdit::CodeText { code: theme_id, field: CodeField::Definition, text: definition.into() },
            tick(),
        )?;
        code_ids.push((theme.to_string(), theme_id));
        for code in codes {
            let made = data.apply_coding(
                CodingEdit::AddCode { parent: Some(theme_id), name: (*code).into(), colour: colour.into() },
                tick(),
            )?;
            code_ids.push((code.to_string(), made.created.unwrap_or_default()));
        }
    }
    let code = |name: &str| code_ids.iter().find(|(n, _)| n == name).map(|(_, id)| *id).unwrap_or_default();
    for (name, field, text) in [
        (
            "Being listened to",
            CodeField::Inclusion,
            "Someone says their view changed what happened, or that they were asked.",
        ),
        (
            "Being listened to",
            CodeField::Exclusion,
            "Formal consultation with no sign it was heard: code under governance instead.",
        ),
        ("Being listened to", CodeField::Example, "Care workers deciding their own rotas together."),
        (
            "Funding and margins",
            CodeField::Definition,
            "Money that does not cover the cost of care: rates, mileage, short visits.",
        ),
        ("Travel and distance", CodeField::Definition, "Time and cost of getting to people in scattered places."),
    ] {
        data.apply_coding(CodingEdit::CodeText { code: code(name), field, text: text.into() }, tick())?;
    }

    // Passages to code: (which source, words, codes).
    let sources: Vec<(SourceKind, String, SourceRef)> =
        data.sources().into_iter().map(|s| (s.kind, s.text.to_string(), s.source)).collect();
    let passages: [(&str, &[&str]); 11] = [
        ("carers say they feel listened to for the first time", &["Being listened to"]),
        ("Members vote at an annual meeting", &["Community leadership"]),
        ("Recruiting carers who drive is the hardest part", &["Travel and distance"]),
        ("Mileage eats the margin on short visits", &["Funding and margins", "Travel and distance"]),
        ("community development worker helped with the constitution", &["Advice and development workers"]),
        ("The parish council lent credibility", &["Local credibility"]),
        ("Sharing the paperwork means I spend my time with people, not forms.", &["Shared back office"]),
        ("the shared back office made them easier to fund", &["Shared back office", "Funding and margins"]),
        ("Registration took eleven months", &["Regulation and registration"]),
        ("Mae'r ffyrdd i'r cwm yn gul", &["Travel and distance"]),
        ("Two carers arrived by bicycle", &["Travel and distance"]),
    ];
    let mut segments = Vec::new();
    for (words, codes) in passages {
        let Some((_, text, source)) = sources.iter().find(|(_, t, _)| t.contains(words)) else { continue };
        let byte = text.find(words).unwrap_or(0);
        let start = text[..byte].chars().count();
        let edit = CodingEdit::ApplyCodes {
            source: source.clone(),
            start,
            end: start + words.chars().count(),
            codes: codes.iter().map(|c| code(c)).collect(),
            coder: "Researcher A".into(),
        };
        segments.push(data.apply_coding(edit, tick())?.created.unwrap_or_default());
    }
    // A second coder goes over one interview again, so agreement between coders
    // has something to show: mostly the same codes on the same words, some passages
    // on more words (to the end of the sentence), one in four left out.
    let found = |words: &str| sources.iter().find(|(_, t, _)| t.contains(words));
    let reviewed = passages.iter().filter_map(|(w, _)| found(w)).find_map(|(_, _, s)| s.interview());
    for (n, (words, codes)) in passages.iter().enumerate() {
        let Some((_, text, source)) = found(words) else { continue };
        if reviewed.is_none() || source.interview() != reviewed || n % 4 == 3 {
            continue;
        }
        let byte = text.find(words).unwrap_or(0);
        let start = text[..byte].chars().count();
        let mut end = start + words.chars().count();
        if n % 2 == 1 {
            let after = &text[byte + words.len()..];
            end += after.find('.').map(|b| after[..b].chars().count() + 1).unwrap_or(0);
        }
        let edit = CodingEdit::ApplyCodes {
            source: source.clone(),
            start,
            end,
            codes: codes.iter().take(1).map(|c| code(c)).collect(),
            coder: "Researcher B".into(),
        };
        data.apply_coding(edit, tick())?;
    }
    // A nested segment: the whole sentence around "listened to" as a theme.
    if let Some((_, text, source)) = sources.iter().find(|(_, t, _)| t.contains("feel listened to")) {
        let end = text.chars().count();
        let start = text.find("Members").map(|b| text[..b].chars().count()).unwrap_or(0);
        data.apply_coding(
            CodingEdit::ApplyCodes {
                source: source.clone(),
                start,
                end,
                codes: vec![code("Relationships and trust")],
                coder: "Researcher B".into(),
            },
            tick(),
        )?;
    }

    let memo = |target, text: &str| CodingEdit::AddMemo { target, text: text.into(), author: "Researcher A".into() };
    data.apply_coding(
        memo(
            MemoTarget::Code(code("Travel and distance")),
            "Comes up at every rural site, and in Welsh as well as English. Compare with the city case.",
        ),
        tick(),
    )?;
    if let Some(first) = segments.get(3) {
        data.apply_coding(
            memo(
                MemoTarget::Segment(*first),
                "Ask the treasurer for the actual mileage figures before the next visit.",
            ),
            tick(),
        )?;
    }
    if let Some((_, _, source)) = sources.iter().find(|(k, _, _)| *k == SourceKind::FieldNotes) {
        data.apply_coding(
            memo(
                MemoTarget::Source(source.clone()),
                "Written up the same evening; the rota board is worth a photograph next time.",
            ),
            tick(),
        )?;
    }
    data.apply_coding(memo(MemoTarget::Journal, "First pass through the codebook: barriers split into money, rules and distance. Leadership may need a second look once the Scottish interviews are in."), tick())?;

    // Framework matrix: cases × themes.
    let case_rows: Vec<MatrixRow> = data.cases.iter().map(|c| MatrixRow::Case(c.id)).collect();
    let case = |n: usize| case_rows.get(n).copied();
    let theme = |name: &str| MatrixColumn::Theme(code(name));
    let synopses = [
        (0, "Relationships and trust", "Members and carers feel heard; the annual meeting matters to them.", 0usize),
        (0, "Barriers", "Drivers are scarce and mileage costs more than short visits earn.", 3),
        (3, "Non-financial support", "Sharing the back office frees carers' time and helps with funders.", 6),
    ];
    for (row, column, text, supporting) in synopses {
        let Some(row) = case(row) else { continue };
        data.apply_coding(CodingEdit::SetSynopsis { row, column: theme(column), text: text.into() }, tick())?;
        if let Some(seg) = segments.get(supporting) {
            data.apply_coding(CodingEdit::LinkSegments { row, column: theme(column), segments: vec![*seg] }, tick())?;
        }
    }
    Ok(())
}

/// How a sub-code of the reference codebook is split one level further, if at all.
#[derive(Clone, Copy)]
enum Facet {
    No,
    /// By who is speaking.
    Who,
    /// By kind of place.
    Where,
    /// Going well, going badly, ideas.
    How,
    /// By stage of the service's life.
    When,
}

impl Facet {
    /// The sub-sub-codes: name, and a definition where `{}` is the sub-code's name.
    fn children(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Facet::No => &[],
            Facet::Who => &[
                ("Care workers", "“{}” as care workers describe it."),
                ("Family carers", "“{}” as relatives and unpaid carers describe it."),
                ("People supported", "“{}” as the people receiving care describe it."),
                ("Managers and board members", "“{}” as those running the service describe it."),
                ("Partner agencies", "“{}” as councils, health bodies and other partners describe it."),
            ],
            Facet::Where => &[
                ("Rural areas", "“{}” in villages, farms and remote places."),
                ("Towns and cities", "“{}” in towns and cities."),
                ("Welsh-speaking communities", "“{}” where Welsh is the everyday language."),
            ],
            Facet::How => &[
                ("What works", "Accounts of “{}” going well."),
                ("What gets in the way", "Accounts of problems with “{}”."),
                ("Ideas for change", "Suggestions for improving “{}”."),
            ],
            Facet::When => &[
                ("Setting up", "“{}” while the service was being set up."),
                ("Early years", "“{}” in the first years of running."),
                ("Looking ahead", "Hopes and worries about “{}” in future."),
            ],
        }
    }
}

/// A sub-code: name, definition, how it splits further.
type RefSub = (&'static str, &'static str, Facet);
/// A code under a theme: name, definition, sub-codes.
type RefCode = (&'static str, &'static str, &'static [RefSub]);

/// The reference study's codebook, under the small demo's four themes (whose codes
/// it reuses by name): codes, sub-codes and, for some, sub-sub-codes.
fn add_reference_codebook(data: &mut StudyData, ids: &mut Ids) {
    use Facet::*;
    const RELATIONSHIPS: [RefCode; 12] = [
        (
            "Being listened to",
            "People describing whether their views are sought and acted on.",
            &[
                ("Asked before changes", "Being consulted before visits, rotas or carers change.", How),
                ("Complaints taken seriously", "Raising a concern and seeing something done about it.", Who),
                ("Views ignored", "Feeling unheard, or consulted only for show.", Who),
                ("Everyday conversations", "Small talk with carers and office staff that lets needs be known.", No),
            ],
        ),
        (
            "Continuity of carers",
            "Seeing the same carers over time, and what happens when that breaks.",
            &[
                ("Same carer each week", "A familiar face on most visits.", Where),
                ("Handover between carers", "How information passes when a carer changes.", How),
                ("Cover for sickness and holidays", "Who comes when the usual carer cannot.", Where),
                ("Carers leaving", "When a known carer moves on, and how people cope.", No),
            ],
        ),
        (
            "Choice and control",
            "How far people shape their own care and support.",
            &[
                ("Choosing visit times", "Fixing visits around a person's day rather than the rota.", How),
                ("Choosing who visits", "Having a say in which carers come.", No),
                ("Deciding what help looks like", "Agreeing tasks and priorities together.", Who),
                ("Direct payments", "Using a personal budget to buy care from the service.", When),
                ("Saying no", "Turning down help, a carer or a change.", No),
            ],
        ),
        (
            "Dignity and respect",
            "Being treated as a person, especially during intimate care.",
            &[
                ("Personal care", "Washing, dressing and toileting done with dignity.", No),
                ("Privacy at home", "Carers respecting the home as someone's own space.", Where),
                ("Being treated as a person", "Not being reduced to a task list or a condition.", Who),
                ("Tone and manner", "How carers and staff speak to people.", No),
            ],
        ),
        (
            "Home care visits",
            "What happens on visits: timing, length and tasks.",
            &[
                ("Length of visits", "Whether visits are long enough for what is needed.", How),
                ("Late or missed visits", "Visits that came late, were cut short or did not happen.", Where),
                ("Tasks beyond the care plan", "Small extras carers do that are not written down.", Who),
                ("Time to talk", "Room in a visit for conversation.", No),
            ],
        ),
        (
            "Care workers' working lives",
            "Pay, hours and how it feels to do the job.",
            &[
                ("Pay and conditions", "Wages, mileage, sick pay and contracts.", When),
                ("Rotas and hours", "How shifts are planned and shared.", How),
                ("Feeling valued", "Recognition from the organisation and the people supported.", No),
                ("Stress and burnout", "Strain from the work and how it is handled.", No),
                ("Working alone", "Visiting on one's own, often far from help.", Where),
            ],
        ),
        (
            "Unpaid carers and families",
            "Relatives and friends who care, and how the service works with them.",
            &[
                ("Caring alongside paid carers", "Sharing care between family and the service.", How),
                ("Breaks for family carers", "Time off caring, planned or in a crisis.", Where),
                ("Family carers' own health", "The toll of caring on relatives.", No),
                ("Keeping families informed", "How news about a person's care reaches relatives.", How),
            ],
        ),
        (
            "Loneliness and connection",
            "Isolation, company and links with the wider community.",
            &[
                ("Visits as company", "Care visits that are also the main social contact.", Where),
                ("Links to community groups", "Lunch clubs, chapels, cafés and other groups.", Where),
                ("Winter isolation", "Being cut off by weather and dark evenings.", No),
                ("Friendships among members", "Relationships formed through the co-operative itself.", When),
            ],
        ),
        (
            "Wellbeing and outcomes",
            "What difference care makes to people's lives.",
            &[
                ("Staying at home", "Being able to remain in one's own home for longer.", Who),
                ("Avoiding hospital", "Care that prevents admissions or speeds discharge.", No),
                ("Confidence and independence", "Regaining skills and doing more for oneself.", No),
                ("End of life care", "Support in the last weeks, and for families afterwards.", Where),
            ],
        ),
        (
            "Welsh-language care",
            "Receiving care and support in Welsh.",
            &[
                ("Care in a first language", "Why being cared for in one's first language matters.", Who),
                ("Matching Welsh-speaking carers", "Arranging rotas so Welsh speakers visit Welsh speakers.", How),
                ("Bilingual paperwork", "Care plans, letters and forms in Welsh and English.", No),
                ("Dementia and language", "People returning to their first language as dementia progresses.", No),
            ],
        ),
        (
            "Why people chose the service",
            "Reasons for using, working for or joining the service.",
            &[
                ("No other provider", "Nothing else was available locally.", Where),
                ("Local reputation", "What neighbours and friends said about it.", No),
                ("Co-operative values", "Being drawn by ownership, fairness or democracy.", Who),
                ("Word of mouth", "Hearing about it from someone who used it.", No),
            ],
        ),
        (
            "Trust in the organisation",
            "Confidence in how the service is run.",
            &[
                ("Openness about money", "Knowing where the money goes.", When),
                ("Keeping promises", "Doing what was promised.", No),
                ("Knowing who runs it", "The faces and names behind the organisation.", Where),
                ("Trust after a problem", "How trust was rebuilt after something went wrong.", How),
            ],
        ),
    ];
    const BARRIERS: [RefCode; 12] = [
        (
            "Funding and margins",
            "Money that does not cover the cost of care: rates, mileage, short visits.",
            &[
                ("Council hourly rates", "Rates paid by commissioners that do not cover costs.", When),
                ("Cost of mileage", "Paying for travel between visits.", Where),
                ("Short visits that lose money", "Fifteen- and thirty-minute calls that do not pay their way.", No),
                ("Cash flow", "Waiting for payments while wages are due.", When),
                ("Reserves and risk", "Having nothing put by for a bad month.", No),
            ],
        ),
        (
            "Regulation and registration",
            "Registering with the care regulator and meeting its rules.",
            &[
                ("Time taken to register", "Months spent waiting for registration.", When),
                ("Inspection", "Visits from the regulator and preparing for them.", No),
                ("Registered manager post", "Finding and paying for a registered manager.", No),
                ("Policies and procedures", "The written policies a care provider must hold.", How),
            ],
        ),
        (
            "Travel and distance",
            "Time and cost of getting to people in scattered places.",
            &[
                ("Roads and weather", "Narrow roads, floods and snow.", No),
                ("Drivers and cars", "Carers who can drive, and cars that can cope.", How),
                ("Public transport", "Buses and trains that do not fit care work.", Where),
                ("Scattered households", "People living far apart from one another.", No),
            ],
        ),
        (
            "Recruitment and retention",
            "Finding care workers and keeping them.",
            &[
                ("Competition from other employers", "Supermarkets, hospitals and agencies paying more.", Where),
                ("Young people leaving the area", "Few younger workers staying locally.", Where),
                ("Training new carers", "The time and cost of getting new staff ready.", How),
                ("Housing for workers", "Carers unable to afford to live near their work.", Where),
            ],
        ),
        (
            "Commissioning and contracts",
            "How councils and health bodies buy care.",
            &[
                ("Tendering rules", "Procurement processes written for large firms.", No),
                ("Framework agreements", "Getting on, and staying on, approved provider lists.", When),
                ("Contract size", "Contracts too large or too small for a local provider.", No),
                ("Late payment", "Invoices paid weeks after the work is done.", No),
            ],
        ),
        (
            "Setting up the organisation",
            "The work of founding a co-operative care service.",
            &[
                ("Choosing a legal form", "Deciding between a co-operative, a company or a charity.", No),
                ("Writing the rules", "Drafting the constitution and membership rules.", How),
                ("Start-up costs", "Money needed before the first visit is paid for.", No),
                ("Insurance", "Finding and paying for cover.", No),
            ],
        ),
        (
            "Skills and capacity",
            "Gaps in know-how and in people's time.",
            &[
                ("Business planning", "Working out whether the service can pay its way.", When),
                ("Financial management", "Budgets, accounts and forecasts.", No),
                ("Payroll and staffing admin", "Wages, tax and employment paperwork.", How),
                ("Digital systems", "Rota software, phones and records.", When),
            ],
        ),
        (
            "Information and awareness",
            "Knowing what is possible and where to find help.",
            &[
                ("Not knowing co-operatives exist", "People unaware that care can be organised this way.", Where),
                ("Confusing advice", "Conflicting or unclear guidance.", Who),
                ("Jargon", "Language from policy and law that puts people off.", No),
                ("Finding the right person", "Not knowing whom to ask at the council or health board.", No),
            ],
        ),
        (
            "Volunteer fatigue",
            "The strain of relying on unpaid effort.",
            &[
                ("Too few doing too much", "A handful of people carrying the work.", When),
                ("Unpaid hours", "Managers and board members working without pay.", No),
                ("Stepping back", "Volunteers reducing or ending their involvement.", No),
                ("Founders' burnout", "Exhaustion among the people who started it.", No),
            ],
        ),
        (
            "Rural and urban differences",
            "How place changes the difficulties faced.",
            &[
                ("Low demand spread thinly", "Too few clients in one area to fill a round.", No),
                ("Urban competition for contracts", "Many providers chasing the same work in cities.", No),
                ("Unpaid travel time", "Time between visits that nobody pays for.", No),
                ("Local knowledge", "Knowing the area, the families and the short cuts.", No),
            ],
        ),
        (
            "Language barriers",
            "Difficulties that come from language.",
            &[
                ("Too few Welsh-speaking staff", "Not enough carers able to work in Welsh.", When),
                ("English-only systems", "Forms and software available only in English.", No),
                ("Translation costs", "Paying to produce material in two languages.", No),
                (
                    "Other community languages",
                    "Care for people whose first language is neither English nor Welsh.",
                    Where,
                ),
            ],
        ),
        (
            "Attitudes of agencies",
            "How public bodies see and treat the service.",
            &[
                ("Scepticism about co-operatives", "Doubt that a small co-operative can deliver.", Who),
                ("Risk aversion", "Officers unwilling to try something new.", No),
                ("Seen as competition", "Other providers or in-house services treating it as a rival.", Where),
                ("Turnover of officers", "Contacts at the council changing often.", No),
            ],
        ),
    ];
    const SUPPORT: [RefCode; 12] = [
        (
            "Advice and development workers",
            "Help from people whose job is to support new enterprises.",
            &[
                ("Co-operative development bodies", "Specialist agencies that support co-operatives.", When),
                ("Community development workers", "Council or voluntary-sector staff supporting local groups.", Where),
                ("General business advice", "Advice services for any small business.", How),
                ("One-to-one mentoring", "A named person to call on.", No),
            ],
        ),
        (
            "Shared back office",
            "Administration shared with other providers.",
            &[
                ("Shared payroll", "One payroll run for several small providers.", No),
                ("Shared rota software", "A common system for planning visits.", How),
                ("Shared training records", "Keeping certificates and refreshers in one place.", No),
                ("Shared quality systems", "Policies, audits and checks done once for all.", When),
            ],
        ),
        (
            "Training and peer learning",
            "Learning from trainers and from each other.",
            &[
                ("Care qualifications", "Induction and accredited training for carers.", No),
                ("Visits to other co-operatives", "Seeing how others run their services.", No),
                ("Peer networks", "Regular contact with people doing similar work.", Where),
                ("Training for board members", "Learning the duties of directors and trustees.", How),
            ],
        ),
        (
            "Premises and equipment",
            "Rooms, buildings and things lent or given.",
            &[
                ("Office space", "A base for the office and the phone.", Where),
                ("Meeting rooms", "Somewhere to hold team and members' meetings.", No),
                ("Loaned equipment", "Hoists, laptops or cars lent by others.", No),
                ("Community buildings", "Village halls, chapels and health centres used by the service.", When),
            ],
        ),
        (
            "Introductions and networks",
            "Being put in touch with the right people.",
            &[
                ("Introductions to commissioners", "Meeting the people who buy care.", How),
                ("Links with GP practices", "Working relationships with local surgeries.", Where),
                ("Regional networks", "Forums that bring providers and agencies together.", No),
                ("Links with housing providers", "Housing associations and sheltered schemes.", No),
            ],
        ),
        (
            "Council officers",
            "Practical help from named people at the local authority.",
            &[
                ("A named contact", "One officer who knows the service.", No),
                ("Help with tenders", "Officers explaining how to bid.", When),
                ("Referrals from social workers", "Social workers suggesting the service to families.", Who),
                ("Flexible arrangements", "Officers adapting processes to fit a small provider.", How),
            ],
        ),
        (
            "Health services",
            "Help from health boards, trusts and community health staff.",
            &[
                ("District nurses", "Working alongside community nursing.", Where),
                ("Hospital discharge teams", "Planning care for people leaving hospital.", How),
                ("Health board planning", "Being included in local health plans.", No),
                ("Therapists", "Occupational therapists and physiotherapists sharing advice.", No),
            ],
        ),
        (
            "Publicity and outreach",
            "Getting the word out about the service.",
            &[
                ("Local newsletters", "Parish magazines and community papers.", Where),
                ("Social media", "Facebook groups and local pages.", No),
                ("Open days and events", "Coffee mornings, shows and stalls.", No),
                ("Recommendations from partners", "Agencies suggesting the service to people.", No),
            ],
        ),
        (
            "Legal and professional help",
            "Specialist help given free or at low cost.",
            &[
                ("Legal advice", "Solicitors helping with rules and contracts.", When),
                ("Accountants", "Help with accounts, tax and audit.", No),
                ("Employment advice", "Help with staff contracts, disputes and policies.", No),
                ("Model rules", "Ready-made governing documents to adapt.", How),
            ],
        ),
        (
            "Welsh-language support",
            "Help to work in Welsh.",
            &[
                ("Translation help", "Others translating documents for the service.", No),
                ("Welsh lessons for staff", "Courses for carers who are learning Welsh.", How),
                ("Bilingual materials", "Leaflets and forms shared by other bodies.", No),
                ("Welsh-language organisations", "Links with local bodies that promote Welsh.", Where),
            ],
        ),
        (
            "Volunteering support",
            "Help to find, train and keep volunteers.",
            &[
                ("Volunteer centres", "Local centres that match volunteers to groups.", Where),
                ("Befriending schemes", "Volunteers who visit people for company.", Who),
                ("Volunteer drivers", "Lifts to appointments and events.", Where),
                ("Background checks", "Help arranging checks for volunteers.", No),
            ],
        ),
        (
            "Data and evidence",
            "Information that helps to plan and to make the case.",
            &[
                ("Needs assessments", "Studies of local care needs.", No),
                ("Help with evaluation", "Support to measure what the service achieves.", When),
                ("Population figures", "Data on older and disabled people in the area.", No),
                ("Stories to share", "Case studies used to explain the model to others.", No),
            ],
        ),
    ];
    const LEADERSHIP: [RefCode; 12] = [
        (
            "Local credibility",
            "Standing in the community that helps the service start and keep going.",
            &[
                ("Known faces", "Leaders people already know and trust.", Where),
                ("Track record", "Past work that shows the leaders can deliver.", No),
                ("Backing from councillors", "Elected members speaking up for the service.", How),
                ("Trust from families", "Relatives' confidence in the people in charge.", No),
            ],
        ),
        (
            "Founders and champions",
            "The people who started the service and pushed it forward.",
            &[
                ("Personal motivation", "Why founders took it on.", Who),
                ("Professional background", "Experience from nursing, social work, business or elsewhere.", No),
                ("Lone champions", "One person driving the work.", When),
                ("Founding groups", "A small group sharing the early work.", When),
            ],
        ),
        (
            "Governance and membership",
            "How members own and control the service.",
            &[
                ("Member voice", "How members raise issues and influence decisions.", Who),
                ("Annual general meetings", "The yearly meeting, and who comes.", Where),
                ("Multi-stakeholder boards", "Boards with workers, people supported and the community.", How),
                ("Worker ownership", "Care workers as owners.", When),
            ],
        ),
        (
            "Board and committee",
            "The people who direct the service and how they work.",
            &[
                ("Recruiting board members", "Finding people willing to serve.", Where),
                ("Skills on the board", "The mix of experience around the table.", No),
                ("Chairing", "Leading meetings and holding the board together.", No),
                ("Conflicts of interest", "Members with more than one role.", How),
            ],
        ),
        (
            "Working with agencies",
            "How local leaders work alongside councils and health bodies.",
            &[
                ("Partnership agreements", "Written arrangements for working together.", When),
                ("Joint planning", "Planning services together with public bodies.", No),
                ("Tension with agencies", "Disagreements, and how they were handled.", Who),
                ("Keeping independence", "Working with agencies without being absorbed by them.", No),
            ],
        ),
        (
            "Policy setting",
            "Laws, strategies and politics that make the work easier or harder.",
            &[
                ("National policy", "Laws and strategies of the four nations' governments.", When),
                ("Local strategies", "Council and health board plans.", No),
                ("Procurement policy", "Rules on buying services, including social value.", How),
                ("Political support", "Backing from elected politicians.", Where),
            ],
        ),
        (
            "Succession and sustainability",
            "Keeping leadership going beyond the first people.",
            &[
                ("Handing over", "Passing leadership to new people.", No),
                ("Growing new leaders", "Encouraging others to take on roles.", How),
                ("Depending on one person", "The risk of relying on a single leader.", No),
                ("Planning ahead", "Thinking about the next five or ten years.", Who),
            ],
        ),
        (
            "Community anchors",
            "Local bodies that give the work a home and a voice.",
            &[
                ("Parish and community councils", "The smallest tier of local government.", No),
                ("Churches and chapels", "Faith groups lending rooms, people and trust.", Where),
                ("Village halls and community centres", "Buildings and committees at the heart of a place.", No),
                ("Local businesses", "Shops, pubs and farms that help out.", No),
            ],
        ),
        (
            "Shared leadership",
            "Leadership spread among several groups.",
            &[
                ("Care workers leading", "Carers taking on leadership roles.", How),
                ("People supported leading", "People receiving care shaping the service.", How),
                ("Family carers leading", "Relatives taking a lead.", No),
                ("Rotating roles", "Sharing chairing and other roles over time.", No),
            ],
        ),
        (
            "Power and influence",
            "Getting heard by those who make decisions.",
            &[
                ("Influencing commissioners", "Changing how care is bought.", When),
                ("Speaking at forums", "Presenting at meetings and conferences.", No),
                ("Campaigning", "Public campaigns and lobbying.", No),
                ("Being taken seriously", "Recognition as a real provider.", Who),
            ],
        ),
        (
            "Place and leadership",
            "How leading differs between rural and urban settings.",
            &[
                ("Everyone knows everyone", "Small places where leaders are visible to all.", No),
                ("Leading across villages", "Bringing several communities together.", How),
                ("Neighbourhood groups in cities", "Leadership rooted in an urban neighbourhood.", No),
                ("Leading in two languages", "Moving between Welsh and English with members and agencies.", No),
            ],
        ),
        (
            "Values and ethos",
            "The beliefs that guide how the service is led.",
            &[
                ("Co-operative principles", "Democracy, equality and concern for community.", Who),
                ("Social value", "Benefits to the community beyond the care itself.", No),
                ("Care as part of community life", "Care as something neighbours do for one another.", Where),
                ("Fairness for workers", "Decent pay and a voice for carers, as a value.", No),
            ],
        ),
    ];
    let themes: [(&str, &[RefCode]); 4] = [
        ("Relationships and trust", &RELATIONSHIPS),
        ("Barriers", &BARRIERS),
        ("Non-financial support", &SUPPORT),
        ("Community leadership", &LEADERSHIP),
    ];
    let mut minute = 6_000;
    for (theme, codes) in themes {
        let found = data.codes.iter().find(|c| c.parent.is_none() && c.name == theme);
        // Codes take their theme's colour, as in the small demo.
        let Some((theme, colour)) = found.map(|c| (c.id, c.colour.clone())) else { continue };
        for (name, definition, subs) in codes {
            let code = place_code(data, ids, theme, name, definition, &colour, &mut minute);
            for (sub_name, sub_definition, facet) in *subs {
                let sub = place_code(data, ids, code, sub_name, sub_definition, &colour, &mut minute);
                for (leaf, definition) in facet.children() {
                    let definition = definition.replace("{}", sub_name);
                    place_code(data, ids, sub, leaf, &definition, &colour, &mut minute);
                }
            }
        }
    }
}

/// The code called `name` under `parent`, made if missing (the small demo's codes are
/// kept, and given a definition if they had none).
fn place_code(
    data: &mut StudyData,
    ids: &mut Ids,
    parent: Uuid,
    name: &str,
    definition: &str,
    colour: &str,
    minute: &mut i64,
) -> Uuid {
    if let Some(c) = data.codes.iter_mut().find(|c| c.parent == Some(parent) && c.name == name) {
        if c.definition.is_empty() {
            c.definition = definition.into();
        }
        return c.id;
    }
    *minute += 1;
    let id = ids.uuid();
    data.codes.push(Code {
        id,
        study_id: data.study.id,
        created: at(*minute),
        modified: at(*minute),
        parent: Some(parent),
        name: name.into(),
        colour: colour.into(),
        definition: definition.into(),
        inclusion: String::new(),
        exclusion: String::new(),
        example: String::new(),
        order: 0,
    });
    id
}

/// The three analysts who code the reference study.
const CODERS: [&str; 3] = ["Researcher A", "Researcher B", "Researcher C"];

/// Chooses codes for generated codings: some codes much more often than others, as
/// in real coding, and codes near another one in the codebook.
struct CodePicks {
    /// Every code but the themes, in a shuffled order: earlier ones are picked more.
    order: Vec<Uuid>,
    /// Each code's parent and children, among codes that can be picked.
    near: HashMap<Uuid, Vec<Uuid>>,
}

impl CodePicks {
    fn new(data: &StudyData, ids: &mut Ids) -> Option<CodePicks> {
        let mut order: Vec<Uuid> = data.codes.iter().filter(|c| c.parent.is_some()).map(|c| c.id).collect();
        if order.is_empty() {
            return None;
        }
        for i in (1..order.len()).rev() {
            order.swap(i, (ids.next_u64() % (i as u64 + 1)) as usize);
        }
        let pickable: HashSet<Uuid> = order.iter().copied().collect();
        let mut near: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for c in &data.codes {
            if let Some(parent) = c.parent.filter(|p| pickable.contains(p)) {
                near.entry(c.id).or_default().push(parent);
                near.entry(parent).or_default().push(c.id);
            }
        }
        Some(CodePicks { order, near })
    }

    fn any(&self, ids: &mut Ids) -> Uuid {
        let n = self.order.len() as u64;
        let at = (ids.next_u64() % n).min(ids.next_u64() % n);
        self.order[at as usize]
    }

    /// The code's parent or one of its sub-codes (another code when it has neither).
    fn near(&self, code: Uuid, ids: &mut Ids) -> Uuid {
        match self.near.get(&code).filter(|v| !v.is_empty()) {
            Some(list) => list[(ids.next_u64() % list.len() as u64) as usize],
            None => self.any(ids),
        }
    }
}

/// Words the benchmark transcripts are made of (some with letters outside ASCII).
const WORDS: [&str; 48] = [
    "the",
    "care",
    "workers",
    "members",
    "council",
    "we",
    "they",
    "said",
    "rota",
    "visits",
    "village",
    "money",
    "time",
    "people",
    "support",
    "because",
    "and",
    "really",
    "board",
    "meeting",
    "gofal",
    "cymuned",
    "tŷ",
    "co-operative",
    "funding",
    "contract",
    "travel",
    "miles",
    "evening",
    "weekend",
    "family",
    "trust",
    "listened",
    "decided",
    "together",
    "training",
    "advice",
    "paperwork",
    "registration",
    "months",
    "hard",
    "good",
    "local",
    "leader",
    "agency",
    "café",
    "hours",
    "started",
];

/// The benchmark material: 200 interviews (five at each of the 40 cases) with
/// transcripts of about 8,000 words, and 20,000 coded segments on them (200 on the
/// first transcript, about 100 on each of the others; some nested or overlapping)
/// carrying about 26,000 codings by three coders, and a written synopsis in every
/// case × theme cell of the framework matrix.
fn add_reference_transcripts(data: &mut StudyData, ids: &mut Ids) -> Result<(), ValidationError> {
    let protocol = data.protocols.first().map(|p| p.id).unwrap_or_default();
    let Some(picks) = CodePicks::new(data, ids) else { return Ok(()) };
    let cases: Vec<Uuid> = data.cases.iter().map(|c| c.id).collect();
    let mut n = 0usize;
    for (ci, case) in cases.iter().enumerate() {
        let people: Vec<(Uuid, String)> =
            data.eligible_participants(*case).iter().take(5).map(|p| (p.id, p.pseudonym.clone())).collect();
        for (pi, (person, name)) in people.into_iter().enumerate() {
            let minute = 20_000 + (ci * 10 + pi) as i64;
            let new = NewInterview {
                kind: InterviewKind::Interview,
                case_id: *case,
                participant_ids: vec![person],
                mode: Mode::Video,
                interviewer: "Researcher A".into(),
                date: "2017-06-01".into(),
                protocol_id: protocol,
                planned: false,
            };
            let interview = data.start_interview(new, at(minute))?;
            // The text, and where each answer's words are (code points).
            let mut text = String::new();
            let mut chars = 0usize;
            let mut words: Vec<(usize, usize)> = Vec::new();
            let push = |text: &mut String, chars: &mut usize, s: &str| {
                text.push_str(s);
                *chars += s.chars().count();
            };
            let mut count = 0usize;
            while count < 8_000 {
                push(&mut text, &mut chars, "Interviewer: Could you say more about that?\n");
                count += 6;
                push(&mut text, &mut chars, &format!("{name}:"));
                for w in 0..(60 + (ids.next_u64() % 80) as usize) {
                    push(&mut text, &mut chars, " ");
                    let word = WORDS[(ids.next_u64() % WORDS.len() as u64) as usize];
                    words.push((chars, chars + word.chars().count()));
                    push(&mut text, &mut chars, word);
                    if w % 12 == 11 {
                        push(&mut text, &mut chars, ".");
                    }
                    count += 1;
                }
                push(&mut text, &mut chars, ".\n");
            }
            data.set_transcript(interview, text, format!("interview-{n:03}.txt"), at(minute))?;
            let wanted = if n == 0 {
                200
            } else if n < 100 {
                100
            } else {
                99
            };
            let source = SourceRef::Transcript { interview };
            let transcript_text = data
                .interview(interview)
                .and_then(|i| i.transcript.as_ref())
                .map(|t| t.text.clone())
                .unwrap_or_default();
            let table = crate::offsets::boundaries(&transcript_text);
            // Each transcript has a main coder; the next coder codes every ninth
            // passage again on their own (for agreement), on slightly different words.
            let main = CODERS[n % CODERS.len()];
            let second = CODERS[(n + 1) % CODERS.len()];
            let last_word = words.len().saturating_sub(1);
            let mut previous: Option<(usize, usize, Uuid)> = None;
            for k in 0..wanted {
                let r = ids.next_u64();
                let (first, last, codings) = match previous.take().filter(|_| k % 9 == 8) {
                    Some((first, last, code)) => {
                        let from = (first + (r % 3) as usize).saturating_sub(1).min(last_word);
                        let mut to = (last + ((r >> 8) % 4) as usize).saturating_sub(2).clamp(from, last_word);
                        if (from, to) == (first, last) {
                            to = (to + 1).min(last_word);
                        }
                        // Four times in five the second coder agrees on the code.
                        let code = if !(r >> 16).is_multiple_of(5) { code } else { picks.near(code, ids) };
                        (from, to, vec![Coding { code, coder: second.into(), created: at(minute + 3) }])
                    }
                    None => {
                        let first = (ids.next_u64() % words.len().max(1) as u64) as usize;
                        let length = 4 + (ids.next_u64() % 40) as usize;
                        let last = (first + length).min(last_word);
                        let code = picks.any(ids);
                        let mut codings = vec![Coding { code, coder: main.into(), created: at(minute + 1) }];
                        let extra = match r % 50 {
                            0..=33 => 0,
                            34..=48 => 1,
                            _ => 2,
                        };
                        for e in 0..extra {
                            let more = if (r >> (8 + e)) & 1 == 0 { picks.near(code, ids) } else { picks.any(ids) };
                            // Now and then a code added when another coder reviewed the passage.
                            let coder = if (r >> (12 + e)).is_multiple_of(4) { second } else { main };
                            if codings.iter().all(|c| c.code != more) {
                                codings.push(Coding { code: more, coder: coder.into(), created: at(minute + 2) });
                            }
                        }
                        previous = Some((first, last, code));
                        (first, last, codings)
                    }
                };
                let (Some(start), Some(end)) = (words.get(first).map(|w| w.0), words.get(last).map(|w| w.1)) else {
                    continue;
                };
                let covered = transcript_text.get(table[start]..table[end]).unwrap_or("").to_string();
                data.segments.push(Segment {
                    id: ids.uuid(),
                    study_id: data.study.id,
                    created: at(minute + 1),
                    modified: at(minute + 1),
                    source: source.clone(),
                    start,
                    end,
                    text: covered,
                    codings,
                    anchor: Anchor::Placed,
                });
            }
            n += 1;
        }
    }
    // A synopsis in every case × theme cell, each linked to a few of its segments.
    let themes: Vec<Uuid> = data.codes.iter().filter(|c| c.parent.is_none()).map(|c| c.id).collect();
    let theme_of: HashMap<Uuid, Uuid> =
        data.codes.iter().filter_map(|c| data.theme_of(c.id).map(|t| (c.id, t))).collect();
    let case_of: HashMap<Uuid, Uuid> = data.interviews.iter().map(|i| (i.id, i.case_id)).collect();
    let mut links: HashMap<(Uuid, Uuid), Vec<Uuid>> = HashMap::new();
    // Per case and theme: how often each code was applied, and how many passages.
    let mut uses: HashMap<(Uuid, Uuid), HashMap<Uuid, usize>> = HashMap::new();
    let mut passages: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    // Sub-sub-codes (by who, where…) count towards their sub-code, whose name says more.
    let parents: HashMap<Uuid, Option<Uuid>> = data.codes.iter().map(|c| (c.id, c.parent)).collect();
    let parent = |c: Uuid| parents.get(&c).copied().flatten();
    let rolled_up = |c: Uuid| match parent(c) {
        Some(p) if parent(p).and_then(parent).is_some() => p,
        _ => c,
    };
    for s in &data.segments {
        let Some(case) = s.source.interview().and_then(|i| case_of.get(&i)) else { continue };
        let mut counted = HashSet::new();
        for c in &s.codings {
            if let Some(t) = theme_of.get(&c.code) {
                let list = links.entry((*case, *t)).or_default();
                if list.len() < 5 && !list.contains(&s.id) {
                    list.push(s.id);
                }
                *uses.entry((*case, *t)).or_default().entry(rolled_up(c.code)).or_default() += 1;
                if counted.insert(*t) {
                    *passages.entry((*case, *t)).or_default() += 1;
                }
            }
        }
    }
    let position: HashMap<Uuid, usize> = data.codes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for (ci, case) in cases.iter().enumerate() {
        for (ti, theme) in themes.iter().enumerate() {
            let minute = 30_000 + (ci * 10 + ti) as i64;
            if data.matrix_cell(MatrixRow::Case(*case), MatrixColumn::Theme(*theme)).is_some() {
                continue;
            }
            let mut top: Vec<(Uuid, usize)> =
                uses.get(&(*case, *theme)).map(|m| m.iter().map(|(c, n)| (*c, *n)).collect()).unwrap_or_default();
            top.sort_by_key(|(c, n)| (std::cmp::Reverse(*n), position.get(c).copied().unwrap_or(usize::MAX)));
            let names: Vec<&str> =
                top.iter().take(2).filter_map(|(c, _)| data.code(*c)).map(|c| c.name.as_str()).collect();
            let Some(site) = data.case(*case) else { continue };
            let synopsis = synopsis(ti, site, &names, passages.get(&(*case, *theme)).copied().unwrap_or(0), ci);
            data.matrix_cells.push(MatrixCell {
                id: ids.uuid(),
                study_id: data.study.id,
                created: at(minute),
                modified: at(minute),
                row: MatrixRow::Case(*case),
                column: MatrixColumn::Theme(*theme),
                synopsis,
                segments: links.get(&(*case, *theme)).cloned().unwrap_or_default(),
            });
        }
    }
    Ok(())
}

/// An analyst's synopsis of one case on one theme (by its place among the small
/// demo's themes), built from the codes used most there and the case's setting.
fn synopsis(theme: usize, case: &Case, top: &[&str], passages: usize, variant: usize) -> String {
    const OPENINGS: [[&str; 3]; 4] = [
        [
            "People here talked most about “{a}” and “{b}”.",
            "Relationships rest on “{a}”; “{b}” comes up nearly as often.",
            "“{a}” is the thread through these interviews, with “{b}” close behind.",
        ],
        [
            "The barriers named most often are “{a}” and “{b}”.",
            "“{a}” dominates the talk of difficulties, ahead of “{b}”.",
            "Two problems recur: “{a}” and “{b}”.",
        ],
        [
            "The help valued most is “{a}”, followed by “{b}”.",
            "Support other than money centres on “{a}” and “{b}”.",
            "Interviewees credit “{a}” and “{b}” with keeping the service going.",
        ],
        [
            "Leadership is described mainly through “{a}” and “{b}”.",
            "“{a}” stands out in how this site is led, with “{b}” not far behind.",
            "Accounts of leadership turn on “{a}” and “{b}”.",
        ],
    ];
    const PLACES: [[&str; 3]; 4] = [
        [
            "Living close together makes short visits workable, but staff turnover unsettles people.",
            "Carers are often neighbours, which builds trust but blurs the line between work and friendship.",
            "With few carers covering long distances, people know each carer well and notice when one leaves.",
        ],
        [
            "Competition for staff from other employers is sharper than at the rural sites.",
            "Mileage between villages eats into the margin on every short visit.",
            "Distance and winter roads make every other difficulty worse.",
        ],
        [
            "Introductions through the council's networks mattered more than premises.",
            "The village hall and the parish council's contacts did much of the early work.",
            "Sharing the back office with other small providers is what makes the sums add up.",
        ],
        [
            "Leadership is spread across a board of workers, families and people supported.",
            "A few well-known local figures carry much of the weight, which worries some about succession.",
            "Leaders are trusted because everyone knows them, but there are few people to share the load.",
        ],
    ];
    const WALES: [&str; 4] = [
        "Care in Welsh is part of what people value.",
        "Finding Welsh-speaking carers adds to the pressure.",
        "Help with bilingual materials came up more than once.",
        "Local leaders move easily between Welsh and English settings.",
    ];
    let theme = theme.min(3);
    let opening = match top {
        [a, b, ..] => OPENINGS[theme][variant % 3].replace("{a}", a).replace("{b}", b),
        [a] => format!("Almost everything coded here is “{a}”."),
        [] => return "Little was coded under this theme here; read the transcripts again before writing it up.".into(),
    };
    let place = match case.attributes.setting {
        Some(Setting::Urban) => PLACES[theme][0],
        Some(Setting::Rural) | None => PLACES[theme][1],
        Some(Setting::VeryRural) => PLACES[theme][2],
    };
    let wales = if case.attributes.country == "Wales" { format!(" {}", WALES[theme]) } else { String::new() };
    format!("{opening} {place}{wales} From {passages} coded passages across the site's interviews.")
}

/// English and Welsh.
fn bilingual(en: &str, cy: &str) -> Text {
    Text::en(en).with(WELSH, cy)
}

fn survey_question(ids: &mut Ids, name: &str, label: (&str, &str), kind: QuestionKind) -> Question {
    Question {
        id: ids.uuid(),
        name: name.into(),
        label: bilingual(label.0, label.1),
        help: Text::default(),
        required: false,
        required_message: Text::default(),
        kind,
        condition: None,
    }
}

fn survey_options(list: &[(&str, &str, &str)]) -> Vec<Choice> {
    list.iter().map(|(value, en, cy)| Choice { value: (*value).into(), label: bilingual(en, cy) }).collect()
}

fn survey_likert(ids: &mut Ids, items: &[(&str, &str, &str)]) -> QuestionKind {
    QuestionKind::Likert {
        points: 5,
        scale: agreement_scale(5),
        items: items
            .iter()
            .map(|(name, en, cy)| LikertItem { id: ids.uuid(), name: (*name).into(), label: bilingual(en, cy) })
            .collect(),
    }
}

const AGREE: (&str, &str) =
    ("How far do you agree with each statement?", "I ba raddau ydych chi'n cytuno â phob datganiad?");

/// The reference survey's 30 questions on eight pages, with skip logic: questions
/// about home care for people supported and families, about work for care workers.
fn reference_survey_pages(ids: &mut Ids) -> Vec<Page> {
    let long = || QuestionKind::LongText { max_length: Some(4000) };
    let mut role = survey_question(
        ids,
        "s_role",
        (
            "Which of these best describes your connection with the service?",
            "Pa un o'r rhain sy'n disgrifio orau eich cysylltiad â'r gwasanaeth?",
        ),
        QuestionKind::SingleChoice {
            options: survey_options(&[
                ("supported", "I receive care or support", "Rwy'n derbyn gofal neu gymorth"),
                ("family", "I am a relative or unpaid carer", "Rwy'n berthynas neu'n ofalwr di-dâl"),
                ("worker", "I work for the service", "Rwy'n gweithio i'r gwasanaeth"),
                ("board", "I am a board or committee member", "Rwy'n aelod o'r bwrdd neu'r pwyllgor"),
                ("volunteer", "I volunteer with the service", "Rwy'n gwirfoddoli gyda'r gwasanaeth"),
                ("partner", "I work for another local organisation", "Rwy'n gweithio i sefydliad lleol arall"),
                ("other", "Something else", "Rhywbeth arall"),
            ]),
        },
    );
    role.required = true;
    let years = survey_question(
        ids,
        "s_years",
        ("How long have you been involved?", "Ers faint ydych chi wedi bod yn rhan ohono?"),
        QuestionKind::SingleChoice {
            options: survey_options(&[
                ("under_1", "Less than a year", "Llai na blwyddyn"),
                ("1_to_3", "One to three years", "Rhwng blwyddyn a thair blynedd"),
                ("3_to_5", "Three to five years", "Rhwng tair a phum mlynedd"),
                ("over_5", "More than five years", "Mwy na phum mlynedd"),
            ]),
        },
    );
    let area = survey_question(
        ids,
        "s_area",
        ("Which best describes where you live?", "Pa un sy'n disgrifio orau ble rydych chi'n byw?"),
        QuestionKind::SingleChoice {
            options: survey_options(&[
                ("remote", "A remote or upland area", "Ardal anghysbell neu ucheldir"),
                ("village", "A village", "Pentref"),
                ("town", "A market town", "Tref farchnad"),
                ("city", "A city or large town", "Dinas neu dref fawr"),
            ]),
        },
    );
    let language = survey_question(
        ids,
        "s_language",
        (
            "In which language would you prefer to receive care and support?",
            "Ym mha iaith fyddai'n well gennych chi dderbyn gofal a chymorth?",
        ),
        QuestionKind::SingleChoice {
            options: survey_options(&[
                ("english", "English", "Saesneg"),
                ("welsh", "Welsh", "Cymraeg"),
                ("either", "Either", "Y naill neu'r llall"),
                ("other", "Another language", "Iaith arall"),
            ]),
        },
    );
    let started = survey_question(
        ids,
        "s_started",
        ("When did you first become involved with the service?", "Pryd wnaethoch chi ddechrau ymwneud â'r gwasanaeth?"),
        QuestionKind::Date,
    );
    let about_you = Page {
        id: ids.uuid(),
        title: bilingual("About you", "Amdanoch chi"),
        condition: None,
        questions: vec![role.clone(), years, area, language.clone(), started],
    };

    let kind = survey_likert(
        ids,
        &[
            ("e_listened", "People in the service listen to me", "Mae pobl yn y gwasanaeth yn gwrando arnaf"),
            ("e_respect", "I am treated with respect", "Rwy'n cael fy nhrin â pharch"),
            ("e_same_people", "I usually see the same people", "Fel arfer rwy'n gweld yr un bobl"),
            (
                "e_on_time",
                "Visits and shifts happen when they should",
                "Mae ymweliadau a shifftiau'n digwydd pan ddylen nhw",
            ),
            (
                "e_recommend",
                "I would suggest the service to someone in a similar position",
                "Byddwn yn awgrymu'r gwasanaeth i rywun mewn sefyllfa debyg",
            ),
        ],
    );
    let statements = survey_question(ids, "e_statements", AGREE, kind);
    let mut overall = survey_question(
        ids,
        "e_overall",
        ("Overall, how would you rate your experience?", "At ei gilydd, sut fyddech chi'n graddio eich profiad?"),
        QuestionKind::Rating { max: 5 },
    );
    overall.help = bilingual("1 is very poor and 5 is excellent.", "Mae 1 yn wael iawn a 5 yn ardderchog.");
    let best = survey_question(
        ids,
        "e_best",
        ("What is the best thing about the service?", "Beth yw'r peth gorau am y gwasanaeth?"),
        long(),
    );
    let change = survey_question(
        ids,
        "e_change",
        ("If you could change one thing, what would it be?", "Pe gallech newid un peth, beth fyddai hwnnw?"),
        long(),
    );
    let experience = Page {
        id: ids.uuid(),
        title: bilingual("Your experience", "Eich profiad"),
        condition: None,
        questions: vec![statements, overall, best, change],
    };

    let hours = survey_question(
        ids,
        "h_hours",
        (
            "About how many hours of paid care are provided each week?",
            "Tua faint o oriau o ofal â thâl sy'n cael eu darparu bob wythnos?",
        ),
        QuestionKind::Number { min: Some(0.0), max: Some(168.0), integer: true },
    );
    let late = survey_question(
        ids,
        "h_late",
        (
            "In the last month, was a visit late, cut short or missed?",
            "Yn ystod y mis diwethaf, a oedd ymweliad yn hwyr, yn rhy fyr neu wedi'i golli?",
        ),
        QuestionKind::YesNo,
    );
    let mut late_story = survey_question(
        ids,
        "h_late_story",
        ("What happened, and how was it put right?", "Beth ddigwyddodd, a sut cafodd ei gywiro?"),
        long(),
    );
    late_story.condition = Some(Condition::Equals { question: late.id, value: "yes".into() });
    let unpaid = survey_question(
        ids,
        "h_unpaid",
        ("Does a relative or friend also give unpaid care?", "Ydy perthynas neu ffrind hefyd yn rhoi gofal di-dâl?"),
        QuestionKind::YesNo,
    );
    let at_home = Page {
        id: ids.uuid(),
        title: bilingual("Care and support at home", "Gofal a chymorth yn y cartref"),
        condition: Some(Condition::OneOf { question: role.id, values: vec!["supported".into(), "family".into()] }),
        questions: vec![hours, late, late_story, unpaid],
    };

    let work_hours = survey_question(
        ids,
        "w_hours",
        (
            "How many hours a week do you usually work for the service?",
            "Faint o oriau'r wythnos ydych chi'n gweithio i'r gwasanaeth fel arfer?",
        ),
        QuestionKind::Number { min: Some(0.0), max: Some(80.0), integer: true },
    );
    let kind = survey_likert(
        ids,
        &[
            ("w_pay_fair", "My pay reflects the work I do", "Mae fy nghyflog yn adlewyrchu'r gwaith rwy'n ei wneud"),
            ("w_rota_say", "I have a say in my rota", "Mae gen i lais yn fy rota"),
            (
                "w_supported",
                "I feel supported when things are difficult",
                "Rwy'n teimlo bod cefnogaeth i mi pan fydd pethau'n anodd",
            ),
            (
                "w_stay",
                "I expect to be working here in two years",
                "Rwy'n disgwyl bod yn gweithio yma ymhen dwy flynedd",
            ),
        ],
    );
    let work_statements = survey_question(ids, "w_statements", AGREE, kind);
    let why = survey_question(
        ids,
        "w_why",
        (
            "Why did you choose to work here rather than for another provider?",
            "Pam wnaethoch chi ddewis gweithio yma yn hytrach nag i ddarparwr arall?",
        ),
        long(),
    );
    let work = Page {
        id: ids.uuid(),
        title: bilingual("Working for the service", "Gweithio i'r gwasanaeth"),
        condition: Some(Condition::Equals { question: role.id, value: "worker".into() }),
        questions: vec![work_hours, work_statements, why],
    };

    let barriers = survey_question(
        ids,
        "b_list",
        ("Which of these have made things harder?", "Pa rai o'r rhain sydd wedi gwneud pethau'n anoddach?"),
        QuestionKind::MultipleChoice {
            options: survey_options(&[
                ("funding", "Money and rates of pay", "Arian a chyfraddau tâl"),
                ("staffing", "Finding or keeping workers", "Dod o hyd i weithwyr neu eu cadw"),
                ("travel", "Travel and distance", "Teithio a phellter"),
                ("paperwork", "Paperwork and rules", "Gwaith papur a rheolau"),
                ("council", "Working with the council", "Gweithio gyda'r cyngor"),
                ("language", "Getting care in my language", "Cael gofal yn fy iaith i"),
                ("premises", "A place to meet or work", "Lle i gyfarfod neu weithio"),
                ("other", "Something else", "Rhywbeth arall"),
            ]),
        },
    );
    let mut hardest = survey_question(
        ids,
        "b_hardest",
        (
            "Tell us about the hardest of these and what was done about it.",
            "Soniwch wrthym am yr anoddaf o'r rhain a beth a wnaed yn ei gylch.",
        ),
        long(),
    );
    hardest.condition = Some(Condition::Answered { question: barriers.id });
    let mut resolved = survey_question(
        ids,
        "b_resolved",
        ("Has that difficulty been sorted out?", "Ydy'r anhawster hwnnw wedi'i ddatrys?"),
        QuestionKind::YesNo,
    );
    resolved.condition = Some(Condition::Answered { question: barriers.id });
    let mut welsh_staff = survey_question(
        ids,
        "b_welsh_staff",
        (
            "Has it been hard to find carers who speak Welsh?",
            "Ydy hi wedi bod yn anodd dod o hyd i ofalwyr sy'n siarad Cymraeg?",
        ),
        QuestionKind::YesNo,
    );
    welsh_staff.condition =
        Some(Condition::OneOf { question: language.id, values: vec!["welsh".into(), "either".into()] });
    let barriers_page = Page {
        id: ids.uuid(),
        title: bilingual("Barriers and challenges", "Rhwystrau a heriau"),
        condition: None,
        questions: vec![barriers, hardest, resolved, welsh_staff],
    };

    let mut help = survey_question(
        ids,
        "n_help",
        (
            "Leaving money aside, have local organisations helped the service in other ways?",
            "Gan roi arian o'r neilltu, ydy sefydliadau lleol wedi helpu'r gwasanaeth mewn ffyrdd eraill?",
        ),
        QuestionKind::YesNo,
    );
    help.required = true;
    let helped = Condition::Equals { question: help.id, value: "yes".into() };
    let mut kinds = survey_question(
        ids,
        "n_kinds",
        ("What kind of help was it?", "Pa fath o help oedd e?"),
        QuestionKind::MultipleChoice {
            options: survey_options(&[
                ("advice", "Advice", "Cyngor"),
                ("training", "Training", "Hyfforddiant"),
                ("premises", "Rooms or premises", "Ystafelloedd neu adeiladau"),
                ("contacts", "Introductions to people or groups", "Cyflwyniadau i bobl neu grwpiau"),
                ("publicity", "Spreading the word", "Rhannu'r neges"),
                ("legal", "Legal or financial know-how", "Arbenigedd cyfreithiol neu ariannol"),
                ("volunteers", "Volunteers", "Gwirfoddolwyr"),
            ]),
        },
    );
    kinds.condition = Some(helped.clone());
    let mut useful = survey_question(
        ids,
        "n_useful",
        ("How useful was that help?", "Pa mor ddefnyddiol oedd yr help hwnnw?"),
        QuestionKind::Rating { max: 5 },
    );
    useful.condition = Some(helped);
    let wanted = survey_question(
        ids,
        "n_wanted",
        (
            "What other help, apart from money, would make a difference?",
            "Pa help arall, heblaw arian, fyddai'n gwneud gwahaniaeth?",
        ),
        long(),
    );
    let support = Page {
        id: ids.uuid(),
        title: bilingual("Support other than money", "Cymorth heblaw arian"),
        condition: None,
        questions: vec![help, kinds, useful, wanted],
    };

    let kind = survey_likert(
        ids,
        &[
            ("l_local", "Local people lead this work", "Pobl leol sy'n arwain y gwaith hwn"),
            (
                "l_partner",
                "The council treats the service as a partner",
                "Mae'r cyngor yn trin y gwasanaeth fel partner",
            ),
            (
                "l_decisions",
                "People who use the service take part in decisions",
                "Mae pobl sy'n defnyddio'r gwasanaeth yn cymryd rhan mewn penderfyniadau",
            ),
            ("l_know_board", "I know who sits on the board", "Rwy'n gwybod pwy sydd ar y bwrdd"),
        ],
    );
    let lead_statements = survey_question(ids, "l_statements", AGREE, kind);
    let member = survey_question(
        ids,
        "l_member",
        ("Are you a member of the co-operative, with a vote?", "Ydych chi'n aelod o'r gydweithfa, gyda phleidlais?"),
        QuestionKind::YesNo,
    );
    let mut meetings = survey_question(
        ids,
        "l_meetings",
        ("How often do you go to members' meetings?", "Pa mor aml ydych chi'n mynd i gyfarfodydd aelodau?"),
        QuestionKind::SingleChoice {
            options: survey_options(&[
                ("never", "Never", "Byth"),
                ("sometimes", "Sometimes", "Weithiau"),
                ("most", "To most of them", "I'r rhan fwyaf ohonyn nhw"),
                ("all", "To every one", "I bob un"),
            ]),
        },
    );
    meetings.condition = Some(Condition::Equals { question: member.id, value: "yes".into() });
    let leaders = survey_question(
        ids,
        "l_leaders",
        (
            "Who has moved this work forward locally, and how?",
            "Pwy sydd wedi symud y gwaith hwn yn ei flaen yn lleol, a sut?",
        ),
        long(),
    );
    let leadership = Page {
        id: ids.uuid(),
        title: bilingual("Leadership and running the service", "Arweinyddiaeth a rhedeg y gwasanaeth"),
        condition: None,
        questions: vec![lead_statements, member, meetings, leaders],
    };

    let heard = survey_question(
        ids,
        "x_heard",
        ("How did you first hear about the service?", "Sut clywsoch chi am y gwasanaeth gyntaf?"),
        QuestionKind::ShortText { max_length: Some(200) },
    );
    let anything = survey_question(
        ids,
        "x_else",
        ("Is there anything else you would like to tell us?", "Oes unrhyw beth arall yr hoffech ei ddweud wrthym?"),
        long(),
    );
    let close = Page {
        id: ids.uuid(),
        title: bilingual("Anything else", "Unrhyw beth arall"),
        condition: None,
        questions: vec![heard, anything],
    };
    vec![about_you, experience, at_home, work, barriers_page, support, leadership, close]
}

/// Open answers to the reference survey, by question: sentences in English, then in Welsh.
const OPEN_ANSWERS: [(&str, &[&str], &[&str]); 9] = [
    (
        "e_best",
        &[
            "The carers are local and they know my mother's ways.",
            "Seeing the same two faces most weeks.",
            "They ring ahead if they are going to be late.",
            "It feels like ours, not something done to us.",
            "Having a say at the members' meeting.",
            "The office answers the phone and knows who you are.",
            "My father gets his visits in Welsh, which matters to him more than anything.",
            "Nobody rushes. There is time for a cup of tea and a chat.",
            "They are flexible when plans change at short notice.",
            "The workers are paid properly, so they stay.",
        ],
        &[
            "Mae'r gofalwyr yn lleol ac yn nabod Mam yn dda.",
            "Cael gofal yn Gymraeg.",
            "Maen nhw'n ffonio os ydyn nhw'n mynd i fod yn hwyr.",
            "Mae'n teimlo fel ein gwasanaeth ni.",
            "Does neb ar frys.",
        ],
    ),
    (
        "e_change",
        &[
            "Longer visits in the evening.",
            "More notice when the rota changes.",
            "Better cover at weekends and over Christmas.",
            "Fewer forms to fill in.",
            "I would like more say in which carer comes.",
            "Pay the carers for the time they spend driving.",
            "Clearer information about what the service costs.",
            "More workers who can speak Welsh.",
        ],
        &[
            "Ymweliadau hirach gyda'r nos.",
            "Mwy o rybudd pan fydd y rota'n newid.",
            "Mwy o ofalwyr sy'n siarad Cymraeg.",
            "Llai o waith papur.",
        ],
    ),
    (
        "h_late_story",
        &[
            "The carer's car would not start in the snow. The office rang within the hour and someone else came.",
            "A visit was missed over the bank holiday. The manager apologised and it has not happened since.",
            "She was an hour late because of a road closure. We were told, which helped.",
            "Two visits were squeezed together and the second was very short. I raised it at the meeting.",
        ],
        &[
            "Roedd y ffordd ar gau oherwydd llifogydd. Ffoniodd y swyddfa i ddweud.",
            "Roedd y gofalwr yn hwyr ond fe arhosodd yn hirach i wneud iawn.",
        ],
    ),
    (
        "w_why",
        &[
            "I get a vote and a share of any surplus.",
            "The rota is worked out together, not handed down.",
            "I could not go back to agency work; here I have time with people.",
            "It is close to home, so there is less driving.",
            "I was asked what I thought on my first day.",
            "The training is paid for and done in work time.",
        ],
        &["Dw i'n cael gweithio yn Gymraeg.", "Mae gen i lais yn y rota.", "Mae'n agos at adref."],
    ),
    (
        "b_hardest",
        &[
            "The council's hourly rate does not cover mileage between villages. We now group visits by area.",
            "Registration took most of a year. A development worker helped us with the policies.",
            "Two carers left in the same month and we had to turn people away.",
            "The tender was written for big providers. We joined with another co-operative to bid.",
            "Finding a registered manager. In the end one of our own carers trained for it.",
            "Winter roads. We share cars and keep a list of who can reach which farm.",
            "Nobody at the council knew what a co-operative was, so every meeting started from scratch.",
            "The insurance quote was far higher than we expected.",
        ],
        &[
            "Mae'r ffyrdd yn gul a does dim digon o yrwyr. Rydyn ni'n rhannu ceir.",
            "Roedd y gwaith papur yn ddiddiwedd. Cawson ni help gan weithiwr datblygu.",
            "Mae'n anodd dod o hyd i ofalwyr sy'n siarad Cymraeg.",
            "Doedd y tendr ddim yn addas i gydweithfa fach.",
        ],
    ),
    (
        "n_wanted",
        &[
            "Someone to help with payroll and the accounts.",
            "A room in the health centre for team meetings.",
            "Training for board members on their legal duties.",
            "Introductions to the GP practices and district nurses.",
            "Help writing bids, even just someone to read them through.",
            "A shared rota system with the other co-operatives nearby.",
            "Publicity in the local paper and at the library.",
            "Welsh lessons for the carers who are learning.",
        ],
        &[
            "Help gyda'r gyflogres a'r cyfrifon.",
            "Hyfforddiant i aelodau'r bwrdd.",
            "Gwersi Cymraeg i'r gofalwyr sy'n dysgu.",
            "Ystafell i gynnal cyfarfodydd.",
        ],
    ),
    (
        "l_leaders",
        &[
            "The chair of the parish council knocked on every door in the valley.",
            "A retired district nurse who knew everyone and would not take no for an answer.",
            "A group of carers who were fed up with agency work.",
            "Our development worker kept us going when we were ready to give up.",
            "Families of people with dementia, who met at the memory café.",
            "The minister at the chapel lent us the vestry and spread the word.",
            "A councillor on the social care committee who opened doors for us.",
        ],
        &[
            "Cadeirydd y cyngor cymuned, a aeth o ddrws i ddrws.",
            "Grŵp o ofalwyr oedd wedi cael llond bol ar weithio i asiantaethau.",
            "Gweinidog y capel, a roddodd le i ni gyfarfod.",
        ],
    ),
    (
        "x_heard",
        &[
            "From a neighbour.",
            "At the GP surgery.",
            "Through the parish newsletter.",
            "My social worker told me.",
            "On Facebook.",
            "At the village show.",
            "From the district nurse.",
            "A poster in the shop.",
        ],
        &["Gan gymydog.", "Yn y feddygfa.", "Ym mhapur bro'r ardal.", "Gan fy ngweithiwr cymdeithasol."],
    ),
    (
        "x_else",
        &[
            "Thank you for asking. Nobody has before.",
            "Please make sure the council reads this.",
            "I worry about what happens when the founders retire.",
            "It has made a real difference to our family.",
            "We need more young people involved.",
            "The service is good but it is stretched thin.",
        ],
        &["Diolch am ofyn.", "Mae wedi gwneud gwahaniaeth mawr i'n teulu ni.", "Rydyn ni angen mwy o bobl ifanc."],
    ),
];

/// How many responses the reference survey gets at each case (40 cases: 5,200).
const RESPONSES_PER_CASE: usize = 130;

/// A 30-question survey, in English and Welsh, with 5,200 responses: participants
/// of each case who agreed to the survey, then anonymous respondents; one in twenty
/// still in progress. Every response is checked as completion would check it, and
/// left out if it would not pass.
fn add_reference_survey(data: &mut StudyData, ids: &mut Ids) {
    let pages = reference_survey_pages(ids);
    if check_pages(&pages, None).is_err() {
        return;
    }
    let survey = ids.uuid();
    data.surveys.push(Survey {
        id: survey,
        study_id: data.study.id,
        created: at(39_000),
        modified: at(39_000),
        name: "Care co-operatives survey 2017".into(),
        description: bilingual(
            "For everyone connected with the 40 services in the study: experience, barriers, help other than money and leadership.",
            "I bawb sy'n gysylltiedig â'r 40 gwasanaeth yn yr astudiaeth: profiad, rhwystrau, help heblaw arian ac arweinyddiaeth.",
        ),
        languages: vec![DEFAULT_LANGUAGE.into(), WELSH.into()],
        version: 1,
        pages: pages.clone(),
        history: Vec::new(),
        template: None,
    });
    let questions: HashMap<&str, &Question> =
        pages.iter().flat_map(|p| &p.questions).map(|q| (q.name.as_str(), q)).collect();
    let id = |name: &str| questions.get(name).map(|q| q.id).unwrap_or_default();
    let items = |name: &str| match questions.get(name).map(|q| &q.kind) {
        Some(QuestionKind::Likert { items, .. }) => items.iter().map(|i| i.id).collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let values = |name: &str| match questions.get(name).map(|q| &q.kind) {
        Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }) => {
            options.iter().map(|o| o.value.clone()).collect::<Vec<_>>()
        }
        _ => Vec::new(),
    };
    let (experience, work, leadership) = (items("e_statements"), items("w_statements"), items("l_statements"));
    let (barrier_values, help_values) = (values("b_list"), values("n_kinds"));
    // The survey role of each study role (DEFAULT_ROLES order).
    const ROLE_ANSWERS: [&str; 9] =
        ["supported", "family", "worker", "board", "board", "volunteer", "partner", "partner", "partner"];
    const ANONYMOUS_ROLES: [&str; 20] = [
        "supported",
        "supported",
        "supported",
        "supported",
        "supported",
        "family",
        "family",
        "family",
        "family",
        "worker",
        "worker",
        "worker",
        "worker",
        "worker",
        "worker",
        "board",
        "volunteer",
        "volunteer",
        "partner",
        "other",
    ];
    let roles: Vec<Uuid> = data.study.roles.iter().map(|r| r.id).collect();
    let cases: Vec<(Uuid, Option<Setting>, bool)> =
        data.cases.iter().map(|c| (c.id, c.attributes.setting, c.attributes.country == "Wales")).collect();
    let mut minute = 40_000i64;
    let mut responses = Vec::new();
    for (case, setting, wales) in cases {
        let respondents: Vec<(Uuid, Option<Uuid>)> = data
            .participants
            .iter()
            .filter(|p| p.case_id == Some(case) && p.consent.survey && !p.consent.withdrawn)
            .map(|p| (p.id, p.role_id))
            .collect();
        for k in 0..RESPONSES_PER_CASE {
            minute += 15;
            let mut r = || ids.next_u64();
            let chance = |r: &mut dyn FnMut() -> u64, percent: u64| r() % 100 < percent;
            let pick = |r: &mut dyn FnMut() -> u64, list: &[&'static str]| list[(r() % list.len() as u64) as usize];
            let participant = respondents.get(k).map(|p| p.0);
            let role = match respondents.get(k) {
                Some((_, role)) => {
                    let at = role.and_then(|role| roles.iter().position(|x| *x == role)).unwrap_or(0);
                    ROLE_ANSWERS[at.min(ROLE_ANSWERS.len() - 1)]
                }
                None => pick(&mut r, &ANONYMOUS_ROLES),
            };
            let language = if wales && chance(&mut r, 45) { WELSH } else { DEFAULT_LANGUAGE };
            let welsh = language == WELSH;
            // How the respondent feels overall (1–5, mostly positive); ratings follow it.
            let mood = [1u8, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5][(r() % 20) as usize];
            let rating =
                |r: &mut dyn FnMut() -> u64| mood.saturating_add((r() % 3) as u8).saturating_sub(1).clamp(1, 5);
            let open = |r: &mut dyn FnMut() -> u64, name: &str| {
                let (_, en, cy) = OPEN_ANSWERS.iter().find(|(n, _, _)| *n == name).copied().unwrap_or(("", &[], &[]));
                let pool = if welsh && !cy.is_empty() && r() % 100 < 85 { cy } else { en };
                if pool.is_empty() {
                    return AnswerValue::Text(String::new());
                }
                let first = (r() % pool.len() as u64) as usize;
                let mut text = pool[first].to_string();
                let second = (r() % pool.len() as u64) as usize;
                if second != first && r().is_multiple_of(3) {
                    text.push(' ');
                    text.push_str(pool[second]);
                }
                AnswerValue::Text(text)
            };
            let mut answers: BTreeMap<Uuid, AnswerValue> = BTreeMap::new();
            // Blank answers are not stored, as in the app.
            let mut put = |name: &str, value: AnswerValue| {
                let blank = match &value {
                    AnswerValue::Text(t) => t.trim().is_empty(),
                    AnswerValue::Choices(c) => c.is_empty(),
                    AnswerValue::Scale(s) => s.is_empty(),
                    _ => false,
                };
                if !blank {
                    answers.insert(id(name), value);
                }
            };
            put("s_role", AnswerValue::Choice(role.into()));
            if chance(&mut r, 90) {
                put(
                    "s_years",
                    AnswerValue::Choice(pick(&mut r, &["under_1", "1_to_3", "1_to_3", "3_to_5", "over_5"]).into()),
                );
            }
            if chance(&mut r, 88) {
                let areas: &[&str] = match setting {
                    Some(Setting::Urban) => &["city", "city", "city", "town"],
                    Some(Setting::VeryRural) => &["remote", "remote", "village", "town"],
                    _ => &["village", "village", "town", "remote"],
                };
                put("s_area", AnswerValue::Choice(pick(&mut r, areas).into()));
            }
            let preference = if wales {
                pick(&mut r, &["welsh", "welsh", "either", "either", "english"])
            } else {
                pick(&mut r, &["english", "english", "english", "english", "english", "english", "either", "other"])
            };
            if chance(&mut r, 85) {
                put("s_language", AnswerValue::Choice(preference.into()));
            }
            if chance(&mut r, 70) {
                let date = Date::from_ymd(2011 + (r() % 6) as i32, 1 + (r() % 12) as u8, 1 + (r() % 28) as u8);
                if let Some(date) = date {
                    put("s_started", AnswerValue::Date(date));
                }
            }
            let scale = |r: &mut dyn FnMut() -> u64, items: &[Uuid], rating: &dyn Fn(&mut dyn FnMut() -> u64) -> u8| {
                let mut points = BTreeMap::new();
                for item in items {
                    if r() % 100 < 95 {
                        points.insert(*item, rating(r));
                    }
                }
                AnswerValue::Scale(points)
            };
            if chance(&mut r, 95) {
                put("e_statements", scale(&mut r, &experience, &rating));
            }
            if chance(&mut r, 92) {
                put("e_overall", AnswerValue::Number(f64::from(rating(&mut r))));
            }
            if chance(&mut r, 65) {
                put("e_best", open(&mut r, "e_best"));
            }
            if chance(&mut r, 50) {
                put("e_change", open(&mut r, "e_change"));
            }
            if role == "supported" || role == "family" {
                if chance(&mut r, 80) {
                    put("h_hours", AnswerValue::Number((2 + r() % 34) as f64));
                }
                if chance(&mut r, 90) {
                    let late = r() % 4 == 0;
                    put("h_late", AnswerValue::Bool(late));
                    if late && chance(&mut r, 70) {
                        put("h_late_story", open(&mut r, "h_late_story"));
                    }
                }
                if chance(&mut r, 85) {
                    put("h_unpaid", AnswerValue::Bool(r() % 5 < 3));
                }
            }
            if role == "worker" {
                if chance(&mut r, 85) {
                    put("w_hours", AnswerValue::Number((4 + r() % 42) as f64));
                }
                if chance(&mut r, 90) {
                    put("w_statements", scale(&mut r, &work, &rating));
                }
                if chance(&mut r, 55) {
                    put("w_why", open(&mut r, "w_why"));
                }
            }
            if chance(&mut r, 75) {
                let mut ticked: Vec<String> = Vec::new();
                for _ in 0..1 + r() % 3 {
                    let mut choice = barrier_values[(r() % barrier_values.len().max(1) as u64) as usize].clone();
                    // Travel weighs more in the country.
                    if setting != Some(Setting::Urban) && r() % 3 == 0 {
                        choice = "travel".into();
                    }
                    if !ticked.contains(&choice) {
                        ticked.push(choice);
                    }
                }
                put("b_list", AnswerValue::Choices(ticked));
                if chance(&mut r, 55) {
                    put("b_hardest", open(&mut r, "b_hardest"));
                }
                if chance(&mut r, 80) {
                    put("b_resolved", AnswerValue::Bool(r() % 5 < 2));
                }
            }
            if (preference == "welsh" || preference == "either") && chance(&mut r, 80) {
                put("b_welsh_staff", AnswerValue::Bool(r() % 3 != 0));
            }
            let helped = r() % 3 != 0;
            put("n_help", AnswerValue::Bool(helped));
            if helped {
                if chance(&mut r, 85) {
                    let mut ticked: Vec<String> = Vec::new();
                    for _ in 0..1 + r() % 3 {
                        let choice = help_values[(r() % help_values.len().max(1) as u64) as usize].clone();
                        if !ticked.contains(&choice) {
                            ticked.push(choice);
                        }
                    }
                    put("n_kinds", AnswerValue::Choices(ticked));
                }
                if chance(&mut r, 80) {
                    put("n_useful", AnswerValue::Number(f64::from(rating(&mut r))));
                }
            }
            if chance(&mut r, 40) {
                put("n_wanted", open(&mut r, "n_wanted"));
            }
            if chance(&mut r, 85) {
                put("l_statements", scale(&mut r, &leadership, &rating));
            }
            if role != "partner" && role != "other" && chance(&mut r, 80) {
                let member = r() % 10 < if role == "worker" || role == "board" { 8 } else { 4 };
                put("l_member", AnswerValue::Bool(member));
                if member && chance(&mut r, 85) {
                    put(
                        "l_meetings",
                        AnswerValue::Choice(pick(&mut r, &["never", "sometimes", "sometimes", "most", "all"]).into()),
                    );
                }
            }
            if chance(&mut r, 30) {
                put("l_leaders", open(&mut r, "l_leaders"));
            }
            if chance(&mut r, 45) {
                put("x_heard", open(&mut r, "x_heard"));
            }
            if chance(&mut r, 20) {
                put("x_else", open(&mut r, "x_else"));
            }
            let in_progress = chance(&mut r, 5);
            let stop = r();
            let took = 8 + (r() % 35) as i64;
            // Only what the respondent was shown is kept, as completion does.
            let shown = visible_questions(&pages, &answers);
            answers.retain(|q, _| shown.contains(q));
            let visible = visible_pages(&pages, &answers);
            let (status, page) = if in_progress && visible.len() > 1 {
                // Stopped part-way: answers only on the pages before the current one.
                let page = visible[1 + (stop % (visible.len() as u64 - 1)) as usize];
                let before: HashSet<Uuid> = pages.iter().take(page).flat_map(|p| &p.questions).map(|q| q.id).collect();
                answers.retain(|q, _| before.contains(q));
                (ResponseStatus::InProgress, page)
            } else {
                (ResponseStatus::Complete, visible.last().copied().unwrap_or(0))
            };
            // What completing (or going on from each page) checks: every shown question.
            let shown = visible_questions(&pages, &answers);
            let mut checked = visible_pages(&pages, &answers)
                .into_iter()
                .filter(|p| status == ResponseStatus::Complete || *p < page)
                .filter_map(|p| pages.get(p))
                .flat_map(|p| &p.questions)
                .filter(|q| shown.contains(&q.id));
            if checked.any(|q| validate_answer(q, answers.get(&q.id)).is_err()) {
                continue;
            }
            let started = at(minute);
            let finished = at(minute + took);
            responses.push(Response {
                id: ids.uuid(),
                study_id: data.study.id,
                created: started,
                modified: finished,
                survey_id: survey,
                survey_version: 1,
                case_id: case,
                participant_id: participant,
                language: language.into(),
                answers,
                status,
                page,
                started,
                completed: (status == ResponseStatus::Complete).then_some(finished),
                corrections: Vec::new(),
            });
        }
    }
    data.responses.extend(responses);
}

/// Memos as analysts write them: `{code}`, `{other}` (a code nearby), `{parent}`, `{theme}`,
/// `{person}`, `{case}`, `{elsewhere}` (another case), `{setting}`, `{country}` and
/// `{colleague}` are filled in.
const SEGMENT_MEMOS: [&str; 12] = [
    "A clear example of “{code}”. Worth quoting if {person}'s consent covers it.",
    "Not sure this is “{code}” rather than “{other}”. Bring it to the next coding meeting.",
    "{person} comes back to this later in the interview; read the two passages together.",
    "Compare with what people at {elsewhere} said about the same thing.",
    "Strong feeling in this passage. Listen to the recording for tone before using it.",
    "This does not match the board's account at {case}. Follow up on the next visit.",
    "Short but telling. Could go in the synopsis for “{theme}”.",
    "Ask {person} about this at the member check.",
    "Coded “{code}” for now; the passage also touches on “{other}”.",
    "Typical of the {setting} sites: the same point comes up almost word for word elsewhere.",
    "Check the dates {person} gives here against the board minutes.",
    "Worth double-coding: ask {colleague} to look at it without seeing my codes.",
];
const CODE_MEMOS: [&str; 8] = [
    "Used more at the {setting} sites than elsewhere. Check that all three of us apply it the same way.",
    "Overlaps with “{other}”. Keep both for now and look again after the next batch of transcripts.",
    "Definition tightened at the coding meeting: only code it when the speaker gives a concrete example.",
    "Candidate for merging into “{parent}” if it stays this small.",
    "Often coded alongside “{other}”; worth a matrix query by case.",
    "Came up unprompted in several interviews; it was not in the original framework.",
    "{colleague} and I read this code differently at first. The agreed reading is now in its definition.",
    "Split off once its parent grew too broad. Recode the early transcripts with it.",
];
const TRANSCRIPT_MEMOS: [&str; 9] = [
    "Interview with {person} at {case}. Good rapport; most of the coding falls under “{theme}”.",
    "Transcript checked against the recording; a few place names corrected.",
    "Long answers on the first two questions; the last section felt rushed.",
    "{person} asked for the account to be sent by post rather than by email.",
    "Background noise in the middle third; some words are marked as unclear.",
    "The {country} policy context comes through strongly here. Compare with the other sites in {country}.",
    "The video call dropped twice; the gaps are marked in the transcript.",
    "{person} spoke freely once the recorder was forgotten. Several good quotations.",
    "Second pass done by {colleague}; codes from the first pass left in place for comparison.",
];
const ANSWER_MEMOS: [&str; 4] = [
    "Echoes what was said in the interviews at {case}.",
    "Too short to code on its own; read it with the rest of this response.",
    "A good example for the report, and anonymous, so safe to quote.",
    "Mentions “{theme}” without being asked. Count how many answers do.",
];
const WELSH_ANSWER_MEMO: &str = "Answered in Welsh; a working translation is in the team's notes.";
const JOURNAL: [&str; 10] = [
    "Coding meeting with {colleague}: agreed to double-code every ninth passage from now on.",
    "Finished the first pass of the transcripts from {case}.",
    "Barriers still dominate the coding; leadership is thinner than expected. Look at the prompts again.",
    "Reflexive note: my years in home care make me quick to see “{code}”. Ask the others to check my coding.",
    "Codebook review: “{code}” and “{other}” may be the same thing seen from two sides.",
    "Agreement on “{theme}” is lower than on the other themes. Revisit the definitions before coding more.",
    "Fed back early findings to the advisory group; they asked for more on unpaid carers.",
    "Survey responses from the Welsh sites are coming in faster than expected, many of them in Welsh.",
    "Started the framework matrix: synopses for {case} drafted, to be checked against the transcripts.",
    "Keep the rural and urban comparison in view; it is easy to slide into describing each site on its own.",
];

/// Fills a memo template (see [`SEGMENT_MEMOS`]).
fn fill(template: &str, slots: &[(&str, &str)]) -> String {
    let mut text = template.to_string();
    for (name, value) in slots {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// About 2,400 memos: on one coded passage in twelve, on two codes in five, on every
/// transcript (a second on every third), on some open survey answers, and a
/// journal of about 120 entries. Each is written by one of the three coders.
fn add_reference_memos(data: &mut StudyData, ids: &mut Ids) {
    let setting_word = |s: Option<Setting>| match s {
        Some(Setting::Urban) => "urban",
        Some(Setting::VeryRural) => "very rural",
        _ => "rural",
    };
    let cases: HashMap<Uuid, (&str, &'static str, &str)> = data
        .cases
        .iter()
        .map(|c| (c.id, (c.name.as_str(), setting_word(c.attributes.setting), c.attributes.country.as_str())))
        .collect();
    let case_names: Vec<&str> = data.cases.iter().map(|c| c.name.as_str()).collect();
    let people: HashMap<Uuid, &str> = data.participants.iter().map(|p| (p.id, p.pseudonym.as_str())).collect();
    let interviews: HashMap<Uuid, (Uuid, &str)> = data
        .interviews
        .iter()
        .map(|i| (i.id, (i.case_id, i.participant_ids.first().and_then(|p| people.get(p)).copied().unwrap_or(""))))
        .collect();
    let codes: HashMap<Uuid, &Code> = data.codes.iter().map(|c| (c.id, c)).collect();
    let mut children: HashMap<Option<Uuid>, Vec<Uuid>> = HashMap::new();
    for c in &data.codes {
        children.entry(c.parent).or_default().push(c.id);
    }
    let name = |id: Uuid| codes.get(&id).map_or("", |c| c.name.as_str());
    let parent = |id: Uuid| codes.get(&id).and_then(|c| c.parent);
    // Sub-sub-codes ("What works") are named with their sub-code, to make sense alone.
    let label = |id: Uuid| match parent(id) {
        Some(p) if parent(p).and_then(parent).is_some() => format!("{}: {}", name(p), name(id)),
        _ => name(id).to_string(),
    };
    let theme_of = |id: Uuid| {
        let mut at = codes.get(&id).copied();
        for _ in 0..8 {
            match at.and_then(|c| c.parent).and_then(|p| codes.get(&p)) {
                Some(parent) => at = Some(*parent),
                None => break,
            }
        }
        at.map_or("", |c| c.name.as_str())
    };
    // A sibling when there is one, else the parent.
    let other = |id: Uuid, r: u64| {
        let parent = parent(id);
        let siblings: Vec<Uuid> =
            children.get(&parent).map(|v| v.iter().copied().filter(|c| *c != id).collect()).unwrap_or_default();
        match (siblings.is_empty(), parent) {
            (false, _) => label(siblings[(r % siblings.len() as u64) as usize]),
            (true, Some(p)) => label(p),
            (true, None) => label(id),
        }
    };
    let mut memos: Vec<(MemoTarget, &str, String)> = Vec::new();
    let mut n = 0usize;
    for s in &data.segments {
        let SourceRef::Transcript { interview } = &s.source else { continue };
        n += 1;
        if n % 12 != 5 {
            continue;
        }
        let Some((case, person)) = interviews.get(interview).copied() else { continue };
        let Some(coding) = s.codings.first() else { continue };
        let r = ids.next_u64();
        let (case_name, setting, _) = cases.get(&case).copied().unwrap_or(("", "rural", ""));
        let author = CODERS.iter().position(|c| *c == coding.coder).unwrap_or(0);
        let text = fill(
            SEGMENT_MEMOS[(r % SEGMENT_MEMOS.len() as u64) as usize],
            &[
                ("code", &label(coding.code)),
                ("other", &other(coding.code, r >> 8)),
                ("theme", theme_of(coding.code)),
                ("person", person),
                ("case", case_name),
                ("elsewhere", case_names[((r >> 16) % case_names.len().max(1) as u64) as usize]),
                ("setting", setting),
                ("colleague", CODERS[(author + 1) % CODERS.len()]),
            ],
        );
        memos.push((MemoTarget::Segment(s.id), CODERS[author], text));
    }
    let settings = ["urban", "rural", "very rural"];
    for (i, c) in data.codes.iter().enumerate().filter(|(i, c)| c.parent.is_some() && (i % 5 == 0 || i % 5 == 3)) {
        let r = ids.next_u64();
        let author = i % CODERS.len();
        let text = fill(
            CODE_MEMOS[(r % CODE_MEMOS.len() as u64) as usize],
            &[
                ("setting", settings[((r >> 8) % 3) as usize]),
                ("other", &other(c.id, r >> 16)),
                ("parent", &c.parent.map(label).unwrap_or_default()),
                ("colleague", CODERS[(author + 1) % CODERS.len()]),
            ],
        );
        memos.push((MemoTarget::Code(c.id), CODERS[author], text));
    }
    // The theme each transcript was coded under most.
    let mut coded: HashMap<Uuid, HashMap<&str, usize>> = HashMap::new();
    for s in &data.segments {
        if let (SourceRef::Transcript { interview }, Some(c)) = (&s.source, s.codings.first()) {
            *coded.entry(*interview).or_default().entry(theme_of(c.code)).or_default() += 1;
        }
    }
    let transcripts: Vec<Uuid> = data.interviews.iter().filter(|i| i.transcript.is_some()).map(|i| i.id).collect();
    for (t, interview) in transcripts.iter().enumerate() {
        let Some((case, person)) = interviews.get(interview).copied() else { continue };
        let (case_name, _, country) = cases.get(&case).copied().unwrap_or(("", "rural", ""));
        let theme = coded
            .get(interview)
            .and_then(|m| m.iter().max_by_key(|(name, n)| (**n, std::cmp::Reverse(**name))).map(|(name, _)| *name))
            .unwrap_or("");
        for extra in 0..if t % 3 == 0 { 2 } else { 1 } {
            let r = ids.next_u64();
            let author = (t + extra) % CODERS.len();
            let text = fill(
                TRANSCRIPT_MEMOS[(r % TRANSCRIPT_MEMOS.len() as u64) as usize],
                &[
                    ("person", person),
                    ("case", case_name),
                    ("theme", theme),
                    ("country", country),
                    ("colleague", CODERS[(author + 1) % CODERS.len()]),
                ],
            );
            memos.push((MemoTarget::Source(SourceRef::Transcript { interview: *interview }), CODERS[author], text));
        }
    }
    let open_answers = data.responses.iter().filter(|r| r.status == crate::surveys::ResponseStatus::Complete);
    for (i, response) in open_answers.enumerate().filter(|(i, _)| i % 35 == 17) {
        let Some(question) = response.answers.iter().find(|(_, a)| matches!(a, AnswerValue::Text(_))).map(|(q, _)| *q)
        else {
            continue;
        };
        let r = ids.next_u64();
        let (case_name, _, _) = cases.get(&response.case_id).copied().unwrap_or(("", "rural", ""));
        let themes = ["Relationships and trust", "Barriers", "Non-financial support", "Community leadership"];
        let text = if response.language == "cy" && r.is_multiple_of(2) {
            WELSH_ANSWER_MEMO.to_string()
        } else {
            fill(
                ANSWER_MEMOS[((r >> 4) % ANSWER_MEMOS.len() as u64) as usize],
                &[("case", case_name), ("theme", themes[((r >> 8) % 4) as usize])],
            )
        };
        let target = MemoTarget::Source(SourceRef::SurveyAnswer { response: response.id, question });
        memos.push((target, CODERS[i % CODERS.len()], text));
    }
    let coded_codes: Vec<Uuid> = data.codes.iter().filter(|c| c.parent.is_some()).map(|c| c.id).collect();
    for j in 0..120usize {
        let r = ids.next_u64();
        let author = j % CODERS.len();
        let code = coded_codes.get((r % coded_codes.len().max(1) as u64) as usize).copied().unwrap_or_default();
        let text = fill(
            JOURNAL[(j * 7 + (r % 3) as usize) % JOURNAL.len()],
            &[
                ("colleague", CODERS[(author + 1 + j % 2) % CODERS.len()]),
                ("case", case_names[((r >> 8) % case_names.len().max(1) as u64) as usize]),
                ("code", &label(code)),
                ("other", &other(code, r >> 16)),
                ("theme", theme_of(code)),
            ],
        );
        memos.push((MemoTarget::Journal, CODERS[author], text));
    }
    let study_id = data.study.id;
    let made: Vec<Memo> = memos
        .into_iter()
        .enumerate()
        .map(|(i, (target, author, text))| {
            // Memos are written while coding, spread over the weeks after the interviews.
            let when = at(32_000 + (i as i64) * 30);
            Memo { id: ids.uuid(), study_id, created: when, modified: when, target, author: author.into(), text }
        })
        .collect();
    data.memos.extend(made);
}

/// Replaces every id in the study with the next deterministic one, in order of
/// appearance, so the demo file is the same every time. Works on the JSON text:
/// every quoted UUID is an id.
fn renumber(data: &mut StudyData, ids: &mut Ids) {
    let Ok(json) = serde_json::to_string(&*data) else { return };
    let mut map = std::collections::HashMap::new();
    let mut out = String::with_capacity(json.len());
    let mut rest = json.as_str();
    while let Some(at) = rest.find('"') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let candidate = rest.get(..36).filter(|c| rest[36..].starts_with('"') && Uuid::parse_str(c).is_ok());
        if let Some(old) = candidate {
            let new = map.entry(old.to_string()).or_insert_with(|| ids.uuid().to_string());
            out.push_str(new);
            rest = &rest[36..];
        }
    }
    out.push_str(rest);
    if let Ok(renumbered) = serde_json::from_slice(out.as_bytes()) {
        *data = renumbered;
    }
}

/// The time written into demo backups, so the same demo is the same file.
pub fn demo_exported_at() -> Timestamp {
    at(60 * 24 * 90)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::Summary;
    use crate::surveys::page_problems;

    #[test]
    fn the_reference_study_is_as_large_as_a_real_project_and_valid() {
        let d = demo_study(DemoSize::Reference);
        let problems = d.validate();
        assert!(problems.is_empty(), "{:?}", &problems[..problems.len().min(3)]);
        let s = Summary::of(&d);
        assert_eq!((s.cases, s.participants, s.themes), (40, 1000, 4));
        assert_eq!(d.interviews.iter().filter(|i| i.transcript.is_some()).count(), 200);

        // The codebook: about 600 codes in four levels, each with a definition.
        assert!((500..=700).contains(&s.codes), "{} codes", s.codes);
        assert_eq!(d.codebook().iter().map(|(depth, _)| *depth).max(), Some(3), "themes and three levels below");
        assert!(d.codes.iter().all(|c| !c.definition.trim().is_empty() && check_code_colour(&c.colour).is_ok()));

        // About 26,000 codings on 20,000 segments by three coders, many with several codes.
        assert!((19_900..=20_100).contains(&s.segments), "{} segments", s.segments);
        assert!((25_000..=27_000).contains(&s.codings), "{} codings", s.codings);
        let coders: HashSet<&str> = d.segments.iter().flat_map(|s| &s.codings).map(|c| c.coder.as_str()).collect();
        assert_eq!(coders.len(), 3, "{coders:?}");
        assert!(d.segments.iter().filter(|s| s.codings.len() > 1).count() >= 4_000);
        // Passages coded twice, by different coders on overlapping words, with the same code.
        let agreed = d
            .segments
            .windows(2)
            .filter(|w| {
                let (a, b) = (&w[0], &w[1]);
                a.source == b.source
                    && a.start < b.end
                    && b.start < a.end
                    && (a.start, a.end) != (b.start, b.end)
                    && a.codings.iter().any(|x| b.codings.iter().any(|y| x.code == y.code && x.coder != y.coder))
            })
            .count();
        assert!(agreed >= 1_000, "{agreed} double-coded passages that agree");

        // Memos of every kind, filled in.
        assert!(s.memos >= 2_000, "{} memos", s.memos);
        for kind in ["segment", "code", "source", "journal"] {
            let n = d.memos.iter().filter(|m| format!("{:?}", m.target).to_lowercase().starts_with(kind)).count();
            assert!(n >= 100, "{n} memos on a {kind}");
        }
        assert!(d.memos.iter().all(|m| !m.text.contains('{') && m.text.ends_with('.') && !m.author.is_empty()));

        // A 30-question survey with 5,200 responses, each as the survey's rules allow.
        let survey = d.surveys.iter().find(|v| d.responses_to(v.id).count() >= 5_000).expect("the large survey");
        let questions: HashMap<Uuid, &Question> =
            survey.pages.iter().flat_map(|p| &p.questions).map(|q| (q.id, q)).collect();
        assert_eq!(questions.len(), 30);
        for kind in ["single_choice", "multiple_choice", "likert", "rating", "number", "short_text", "long_text"] {
            let found = questions.values().any(|q| serde_json::to_value(&q.kind).is_ok_and(|v| v["type"] == kind));
            assert!(found, "a {kind} question");
        }
        let mut open = 0;
        for r in d.responses_to(survey.id) {
            let shown = visible_questions(&survey.pages, &r.answers);
            for (id, answer) in &r.answers {
                let q = questions.get(id).expect("answers a question of the survey");
                assert!(shown.contains(id), "{} answered but not shown", q.name);
                assert!(validate_answer(q, Some(answer)).is_ok(), "{}: {answer:?}", q.name);
                open += usize::from(matches!(answer, AnswerValue::Text(_)));
            }
            if r.status == ResponseStatus::Complete {
                for page in visible_pages(&survey.pages, &r.answers) {
                    assert!(page_problems(&survey.pages, page, &r.answers, &r.language).is_empty());
                }
            }
        }
        assert!(open >= 10_000, "{open} open answers");
        let welsh = d.responses_to(survey.id).filter(|r| r.language == WELSH).count();
        assert!(welsh >= 300, "{welsh} responses in Welsh");

        // A written synopsis in every case × theme cell.
        assert_eq!(s.matrix_cells, 160);
        let places: HashSet<(MatrixRow, MatrixColumn)> = d.matrix_cells.iter().map(|c| (c.row, c.column)).collect();
        assert_eq!(places.len(), 160);
        assert!(d.matrix_cells.iter().all(|c| !c.synopsis.trim().is_empty() && !c.synopsis.contains('{')));

        assert!(d == demo_study(DemoSize::Reference), "the same study every time");
    }
}
