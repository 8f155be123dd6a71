//! Generated studies: a small one that reads like real fieldwork, for demos and
//! tests, and a larger one for benchmarks. Ids and times are deterministic, so the
//! same command always writes the same file.

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
use crate::surveys::{AnswerValue, QuestionKind};

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

/// Builds the demo study. `Reference` adds many more cases and participants for benchmarks.
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
            cases.push(Case {
                id: ids.uuid(),
                study_id,
                created: at(minute),
                modified: at(minute),
                name: format!("Site {:02}", n + 5),
                description: format!("Generated case study number {} for benchmarks.", n + 5),
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
        let _ = add_reference_transcripts(&mut data, &mut ids);
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
/// first transcript, about 100 on each of the others; some nested or overlapping).
fn add_reference_transcripts(data: &mut StudyData, ids: &mut Ids) -> Result<(), ValidationError> {
    let protocol = data.protocols.first().map(|p| p.id).unwrap_or_default();
    let leaves: Vec<Uuid> = data.codes.iter().filter(|c| c.parent.is_some()).map(|c| c.id).collect();
    if leaves.is_empty() {
        return Ok(());
    }
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
            for k in 0..wanted {
                let first = (ids.next_u64() % words.len().max(1) as u64) as usize;
                let length = 4 + (ids.next_u64() % 40) as usize;
                let last = (first + length).min(words.len().saturating_sub(1));
                let (Some(start), Some(end)) = (words.get(first).map(|w| w.0), words.get(last).map(|w| w.1)) else {
                    continue;
                };
                let covered = transcript_text.get(table[start]..table[end]).unwrap_or("").to_string();
                let mut codings = vec![Coding {
                    code: leaves[(ids.next_u64() % leaves.len() as u64) as usize],
                    coder: "Researcher A".into(),
                    created: at(minute + 1),
                }];
                if k % 3 == 0 {
                    let second = leaves[(ids.next_u64() % leaves.len() as u64) as usize];
                    if second != codings[0].code {
                        codings.push(Coding { code: second, coder: "Researcher B".into(), created: at(minute + 2) });
                    }
                }
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
    let theme_of: std::collections::HashMap<Uuid, Uuid> =
        data.codes.iter().filter_map(|c| data.theme_of(c.id).map(|t| (c.id, t))).collect();
    let case_of: std::collections::HashMap<Uuid, Uuid> = data.interviews.iter().map(|i| (i.id, i.case_id)).collect();
    let mut links: std::collections::HashMap<(Uuid, Uuid), Vec<Uuid>> = std::collections::HashMap::new();
    for s in &data.segments {
        let Some(case) = s.source.interview().and_then(|i| case_of.get(&i)) else { continue };
        for c in &s.codings {
            if let Some(t) = theme_of.get(&c.code) {
                let list = links.entry((*case, *t)).or_default();
                if list.len() < 5 && !list.contains(&s.id) {
                    list.push(s.id);
                }
            }
        }
    }
    for (ci, case) in cases.iter().enumerate() {
        for (ti, theme) in themes.iter().enumerate() {
            let minute = 30_000 + (ci * 10 + ti) as i64;
            if data.matrix_cell(MatrixRow::Case(*case), MatrixColumn::Theme(*theme)).is_some() {
                continue;
            }
            data.matrix_cells.push(MatrixCell {
                id: ids.uuid(),
                study_id: data.study.id,
                created: at(minute),
                modified: at(minute),
                row: MatrixRow::Case(*case),
                column: MatrixColumn::Theme(*theme),
                synopsis: format!("Generated synopsis {ci}.{ti}: what the site's people said on this theme, in brief."),
                segments: links.get(&(*case, *theme)).cloned().unwrap_or_default(),
            });
        }
    }
    Ok(())
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
