//! The study report: what a findings write-up starts from, built from the data.
//!
//! [`study_report`] turns a study into a [`Report`], a plain document model
//! (headings, paragraphs, tables, quotations) that knows nothing of any format;
//! [`html`] draws it as a page to print or save as PDF, and `fieldkit-interop`
//! writes the same model as a `.docx`. One model, so both files say the same.
//!
//! Privacy: the report names participants by pseudonym only (identities are never
//! read), and quotes nobody who did not consent to quotation or who withdrew: those
//! quotes are counted, not shown.

pub mod html;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::coding::retrieval::{Attributor, CodeCount};
use crate::coding::{Code, MatrixColumn, MatrixRow};
use crate::fieldwork::{InterviewKind, InterviewStatus};
use crate::study::{StudyData, plural};
use crate::surveys::ResponseStatus;

/// The key of the built-in micro-provider record template (seed 004's four parts).
pub const MICRO_PROVIDER_TEMPLATE: &str = "micro-provider";

/// What goes in the report; the analyst picks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportChoice {
    /// The study's description and research questions.
    pub questions: bool,
    /// Cases and their attributes, participants by role, fieldwork, consent.
    pub method: bool,
    /// The themes to report, by id; `None`: every theme.
    pub themes: Option<Vec<Uuid>>,
    /// Under each theme, the quotes ticked as supporting it in the framework matrix.
    pub quotes: bool,
    /// The framework matrix's written synopses.
    pub matrix: bool,
    /// The four-part summary of micro-provider records, per provider and by part
    /// (only when the study has such records).
    pub micro_provider: bool,
}

impl Default for ReportChoice {
    fn default() -> Self {
        ReportChoice { questions: true, method: true, themes: None, quotes: true, matrix: true, micro_provider: true }
    }
}

/// One block of the report, in reading order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Block {
    /// Level 1 is the report's title; sections are 2, their parts 3.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// A remark about the data (what was left out, what is empty), set apart.
    Note(String),
    List(Vec<String>),
    /// The first column names each row.
    Table {
        caption: String,
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A participant's words and who said them (pseudonym, role, case).
    Quote {
        words: String,
        by: String,
    },
}

/// The report as a document model (serialised to hand it to the files worker).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Report {
    /// Every word of the report as plain text, a block per paragraph: what a
    /// reader of either file sees (tests compare the two with it).
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for block in &self.blocks {
            match block {
                Block::Heading { text, .. } | Block::Paragraph(text) | Block::Note(text) => out.push_str(text),
                Block::List(items) => out.push_str(&items.join("\n")),
                Block::Table { caption, header, rows } => {
                    out.push_str(caption);
                    out.push('\n');
                    out.push_str(&header.join("\t"));
                    for row in rows {
                        out.push('\n');
                        out.push_str(&row.join("\t"));
                    }
                }
                Block::Quote { words, by } => out.push_str(&format!("“{words}” — {by}")),
            }
            out.push_str("\n\n");
        }
        out
    }
}

/// What the analyst can choose from: the study's themes, and whether it has
/// micro-provider records.
pub fn report_options(data: &StudyData) -> (Vec<(Uuid, String)>, bool) {
    let themes = data.themes().map(|t| (t.id, t.name.clone())).collect();
    (themes, !micro_provider_protocols(data).is_empty())
}

/// Builds the report the analyst chose.
pub fn study_report(data: &StudyData, choice: &ReportChoice) -> Report {
    ReportParts::build(data).assemble(data, choice)
}

/// The costly parts of a report, worked out once per state of the study: the method's
/// tables and every theme's section (its quotes apart). Choosing what goes in
/// ([`ReportParts::assemble`]) then only picks, so a screen that redraws the report at
/// each tick of a box does not count everything again.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportParts {
    questions: Vec<Block>,
    method: Vec<Block>,
    /// Every theme in codebook order: its section, and its quotes.
    themes: Vec<(Uuid, Vec<Block>, Vec<Block>)>,
    micro_provider: Vec<Block>,
}

impl ReportParts {
    pub fn build(data: &StudyData) -> ReportParts {
        let mut questions_part = Vec::new();
        questions(data, &mut questions_part);
        let mut method_part = Vec::new();
        method(data, &mut method_part);
        let mut micro = Vec::new();
        micro_provider(data, &mut micro);
        ReportParts { questions: questions_part, method: method_part, themes: theme_parts(data), micro_provider: micro }
    }

    /// The report with what `choice` keeps. The matrix is drawn here: its columns
    /// are the chosen themes, and it reads only the written cells.
    pub fn assemble(&self, data: &StudyData, choice: &ReportChoice) -> Report {
        let mut out = vec![Block::Heading { level: 1, text: data.study.title.clone() }];
        if choice.questions {
            out.extend(self.questions.iter().cloned());
        }
        if choice.method {
            out.extend(self.method.iter().cloned());
        }
        let wanted: Vec<Uuid> = self
            .themes
            .iter()
            .map(|(id, _, _)| *id)
            .filter(|id| choice.themes.as_ref().is_none_or(|ids| ids.contains(id)))
            .collect();
        if !wanted.is_empty() {
            out.push(Block::Heading { level: 2, text: "Themes".into() });
            for (_, section, quotes) in self.themes.iter().filter(|(id, _, _)| wanted.contains(id)) {
                out.extend(section.iter().cloned());
                if choice.quotes {
                    out.extend(quotes.iter().cloned());
                }
            }
        }
        if choice.matrix {
            matrix(data, &wanted, &mut out);
        }
        if choice.micro_provider {
            out.extend(self.micro_provider.iter().cloned());
        }
        Report { title: data.study.title.clone(), blocks: out }
    }
}

fn questions(data: &StudyData, out: &mut Vec<Block>) {
    out.push(Block::Heading { level: 2, text: "The study".into() });
    for paragraph in paragraphs(&data.study.description) {
        out.push(Block::Paragraph(paragraph));
    }
    if data.study.research_questions.is_empty() {
        out.push(Block::Note("The study has no research questions written down.".into()));
        return;
    }
    out.push(Block::Heading { level: 3, text: "Research questions".into() });
    out.push(Block::List(
        data.study
            .research_questions
            .iter()
            .enumerate()
            .map(|(n, q)| format!("RQ{}. {}", n + 1, q.text.trim()))
            .collect(),
    ));
}

fn method(data: &StudyData, out: &mut Vec<Block>) {
    out.push(Block::Heading { level: 2, text: "Method in figures".into() });
    let interviews = data.interviews.iter().filter(|i| i.kind == InterviewKind::Interview);
    let groups = data.interviews.iter().filter(|i| i.kind == InterviewKind::FocusGroup);
    let done = |kind: InterviewKind| {
        data.interviews.iter().filter(|i| i.kind == kind && i.status == InterviewStatus::Complete).count()
    };
    let complete = data.responses.iter().filter(|r| r.status == ResponseStatus::Complete).count();
    out.push(Block::Paragraph(format!(
        "{} and {}. Fieldwork: {} ({} complete), {} ({} complete) and {} ({} complete).",
        plural(data.cases.len(), "case study", "case studies"),
        plural(data.participants.len(), "participant", "participants"),
        plural(interviews.count(), "interview", "interviews"),
        done(InterviewKind::Interview),
        plural(groups.count(), "focus group", "focus groups"),
        done(InterviewKind::FocusGroup),
        plural(data.responses.len(), "survey response", "survey responses"),
        complete,
    )));

    // Cases with their attributes: the typed ones, then every extra key in first-seen order.
    let mut extra_keys: Vec<&str> = Vec::new();
    for case in &data.cases {
        for a in &case.attributes.extra {
            if !extra_keys.contains(&a.key.as_str()) {
                extra_keys.push(&a.key);
            }
        }
    }
    let mut header: Vec<String> = ["Case", "Setting", "Legal form", "Country"].map(String::from).to_vec();
    header.extend(extra_keys.iter().map(|k| k.to_string()));
    header.extend(["Participants", "Interviews and focus groups", "Survey responses"].map(String::from));
    let rows = data
        .cases
        .iter()
        .map(|case| {
            let a = &case.attributes;
            let mut row = vec![
                case.name.clone(),
                a.setting.map(|s| s.label().to_string()).unwrap_or_default(),
                a.legal_form.clone(),
                a.country.clone(),
            ];
            for key in &extra_keys {
                row.push(a.extra.iter().find(|x| x.key == *key).map(|x| x.value.clone()).unwrap_or_default());
            }
            row.push(data.participants_of_case(case.id).count().to_string());
            row.push(data.interviews.iter().filter(|i| i.case_id == case.id).count().to_string());
            row.push(data.responses.iter().filter(|r| r.case_id == case.id).count().to_string());
            row
        })
        .collect();
    out.push(Block::Table { caption: "Cases and their attributes".into(), header, rows });

    // Participants by role, with what they consented to.
    let mut roles: Vec<(Option<Uuid>, String)> =
        data.study.roles.iter().map(|r| (Some(r.id), r.name.clone())).collect();
    roles.push((None, "No role recorded".into()));
    let rows: Vec<Vec<String>> = roles
        .into_iter()
        .filter_map(|(role, name)| {
            let people: Vec<_> = data.participants.iter().filter(|p| p.role_id == role).collect();
            (!people.is_empty()).then(|| {
                vec![
                    name,
                    people.len().to_string(),
                    people.iter().filter(|p| p.consent.interview).count().to_string(),
                    people.iter().filter(|p| p.consent.quotation).count().to_string(),
                    people.iter().filter(|p| p.consent.withdrawn).count().to_string(),
                ]
            })
        })
        .collect();
    out.push(Block::Table {
        caption: "Participants by stakeholder role".into(),
        header: ["Role", "Participants", "Consented to interview", "Consented to quotation", "Withdrew"]
            .map(String::from)
            .to_vec(),
        rows,
    });

    let consent = |f: fn(&crate::study::Consent) -> bool| data.participants.iter().filter(|p| f(&p.consent)).count();
    out.push(Block::List(vec![
        format!("Consented to be interviewed: {}", consent(|c| c.interview)),
        format!("Consented to audio recording: {}", consent(|c| c.audio_recording)),
        format!("Consented to being quoted: {}", consent(|c| c.quotation)),
        format!("Consented to the survey: {}", consent(|c| c.survey)),
        format!("Withdrew from the study: {}", consent(|c| c.withdrawn)),
    ]));
}

/// Participants who may be quoted: consented to quotation and did not withdraw.
fn quotable(data: &StudyData) -> HashSet<Uuid> {
    data.participants.iter().filter(|p| p.consent.quotation && !p.consent.withdrawn).map(|p| p.id).collect()
}

/// Every theme's section (heading, definition, counts by case, its codes' definitions)
/// and, apart, its ticked quotes.
fn theme_parts(data: &StudyData) -> Vec<(Uuid, Vec<Block>, Vec<Block>)> {
    let mut parts = Vec::new();
    let counts: HashMap<Uuid, CodeCount> = data.code_counts().into_iter().map(|c| (c.code, c)).collect();
    let codebook = data.codebook();
    let quotable = quotable(data);
    let mut at = Attributor::new(data);
    for theme in data.themes() {
        let theme_id = &theme.id;
        let mut out: Vec<Block> = Vec::new();
        out.push(Block::Heading { level: 3, text: theme.name.clone() });
        if !theme.definition.trim().is_empty() {
            out.push(Block::Paragraph(theme.definition.trim().to_string()));
        }
        // The theme and every code below it, in codebook order, with segments by case.
        let under: HashSet<Uuid> = data.code_and_descendants(*theme_id).into_iter().collect();
        let codes: Vec<(usize, &Code)> =
            codebook.iter().filter(|(_, c)| under.contains(&c.id)).map(|(d, c)| (*d, *c)).collect();
        let mut header = vec!["Code".to_string()];
        header.extend(data.cases.iter().map(|c| c.name.clone()));
        header.push("All".into());
        let rows = codes
            .iter()
            .map(|(depth, code)| {
                let count = counts.get(&code.id);
                let by_case: HashMap<Uuid, usize> =
                    count.map(|c| c.by_case.iter().map(|(id, t)| (*id, t.segments)).collect()).unwrap_or_default();
                let mut row = vec![format!("{}{}", "– ".repeat(*depth), code.name)];
                row.extend(data.cases.iter().map(|c| by_case.get(&c.id).copied().unwrap_or(0).to_string()));
                row.push(count.map(|c| c.total.segments).unwrap_or(0).to_string());
                row
            })
            .collect();
        out.push(Block::Table {
            caption: format!("Coded passages for “{}” by case (a code counts those of its sub-codes)", theme.name),
            header,
            rows,
        });
        let defined: Vec<String> = codes
            .iter()
            .skip(1)
            .filter(|(_, c)| !c.definition.trim().is_empty())
            .map(|(_, c)| format!("{}: {}", c.name, c.definition.trim()))
            .collect();
        if !defined.is_empty() {
            out.push(Block::List(defined));
        }
        let mut quotes = Vec::new();
        theme_quotes(data, *theme_id, &quotable, &mut at, &mut quotes);
        parts.push((*theme_id, out, quotes));
    }
    parts
}

/// The quotes ticked as supporting `theme` in any framework matrix cell, each once,
/// in the matrix's row order.
fn theme_quotes(data: &StudyData, theme: Uuid, quotable: &HashSet<Uuid>, at: &mut Attributor, out: &mut Vec<Block>) {
    let order: HashMap<MatrixRow, usize> = data
        .cases
        .iter()
        .map(|c| MatrixRow::Case(c.id))
        .chain(data.participants.iter().map(|p| MatrixRow::Participant(p.id)))
        .enumerate()
        .map(|(n, r)| (r, n))
        .collect();
    let mut cells: Vec<_> = data.matrix_cells.iter().filter(|c| c.column == MatrixColumn::Theme(theme)).collect();
    cells.sort_by_key(|c| order.get(&c.row).copied().unwrap_or(usize::MAX));
    let mut seen = HashSet::new();
    let mut shown = Vec::new();
    let mut held_back = 0;
    for id in cells.iter().flat_map(|c| c.segments.iter()) {
        if !seen.insert(*id) {
            continue;
        }
        let Some(segment) = data.segment(*id) else { continue };
        let Some(r) = at.retrieve(segment) else { continue };
        match r.participant_id {
            Some(p) if !quotable.contains(&p) => held_back += 1,
            _ => shown.push(r),
        }
    }
    if shown.is_empty() && held_back == 0 {
        out.push(Block::Note("No quotes are ticked as supporting this theme in the framework matrix.".into()));
        return;
    }
    for r in shown {
        out.push(Block::Quote { words: r.text.trim().to_string(), by: r.attribution() });
    }
    if held_back > 0 {
        out.push(Block::Note(format!(
            "{} left out: the participant did not consent to being quoted, or withdrew.",
            plural(held_back, "ticked quote is", "ticked quotes are")
        )));
    }
}

fn matrix(data: &StudyData, themes: &[Uuid], out: &mut Vec<Block>) {
    out.push(Block::Heading { level: 2, text: "Framework matrix".into() });
    let written: Vec<_> = data.matrix_cells.iter().filter(|c| !c.synopsis.trim().is_empty()).collect();
    if written.is_empty() {
        out.push(Block::Note("No synopsis is written in the framework matrix yet.".into()));
        return;
    }
    let cases: Vec<(MatrixRow, String)> = data.cases.iter().map(|c| (MatrixRow::Case(c.id), c.name.clone())).collect();
    let people: Vec<(MatrixRow, String)> =
        data.participants.iter().map(|p| (MatrixRow::Participant(p.id), p.pseudonym.clone())).collect();
    let theme_columns: Vec<(MatrixColumn, String)> =
        themes.iter().filter_map(|t| data.code(*t).map(|c| (MatrixColumn::Theme(c.id), c.name.clone()))).collect();
    let question_columns: Vec<(MatrixColumn, String)> = data
        .study
        .research_questions
        .iter()
        .enumerate()
        .map(|(n, q)| (MatrixColumn::Question(q.id), format!("RQ{}. {}", n + 1, q.text.trim())))
        .collect();
    let synopses: BTreeMap<(MatrixRow, MatrixColumn), &str> =
        written.iter().map(|c| ((c.row, c.column), c.synopsis.trim())).collect();
    let views = [
        ("Cases", "Case", &cases, "themes", &theme_columns),
        ("Cases", "Case", &cases, "research questions", &question_columns),
        ("Participants", "Participant", &people, "themes", &theme_columns),
        ("Participants", "Participant", &people, "research questions", &question_columns),
    ];
    for (rows_name, row_label, rows, columns_name, columns) in views {
        let rows: Vec<Vec<String>> = rows
            .iter()
            .filter(|(row, _)| columns.iter().any(|(col, _)| synopses.contains_key(&(*row, *col))))
            .map(|(row, name)| {
                let mut line = vec![name.clone()];
                line.extend(
                    columns.iter().map(|(col, _)| synopses.get(&(*row, *col)).copied().unwrap_or("").to_string()),
                );
                line
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        let mut header = vec![row_label.to_string()];
        header.extend(columns.iter().map(|(_, name)| name.clone()));
        out.push(Block::Table {
            caption: format!("{rows_name} × {columns_name}: the analyst's synopses"),
            header,
            rows,
        });
    }
}

fn micro_provider_protocols(data: &StudyData) -> Vec<&crate::fieldwork::Protocol> {
    data.protocols.iter().filter(|p| p.template.as_deref() == Some(MICRO_PROVIDER_TEMPLATE)).collect()
}

/// The four-part summary of micro-provider records: per provider (case), each part's
/// notes; then by part, each provider's. Notes are the record's written answers and
/// any turns, in protocol order.
fn micro_provider(data: &StudyData, out: &mut Vec<Block>) {
    let protocols = micro_provider_protocols(data);
    if protocols.is_empty() {
        return;
    }
    // Parts by title (a protocol's sections; several protocols from the template share titles).
    let mut parts: Vec<String> = Vec::new();
    let mut part_of: HashMap<Uuid, usize> = HashMap::new();
    for p in &protocols {
        for s in &p.sections {
            let n = parts.iter().position(|t| *t == s.title).unwrap_or_else(|| {
                parts.push(s.title.clone());
                parts.len() - 1
            });
            part_of.insert(s.id, n);
        }
    }
    let ids: HashSet<Uuid> = protocols.iter().map(|p| p.id).collect();
    // notes[case][part]
    let mut notes: BTreeMap<usize, Vec<Vec<String>>> = BTreeMap::new();
    let case_order: HashMap<Uuid, usize> = data.cases.iter().enumerate().map(|(n, c)| (c.id, n)).collect();
    for interview in data.interviews.iter().filter(|i| ids.contains(&i.protocol_id)) {
        let Some(case) = case_order.get(&interview.case_id) else { continue };
        let row = notes.entry(*case).or_insert_with(|| vec![Vec::new(); parts.len()]);
        for answer in &interview.answers {
            let Some(part) = part_of.get(&answer.section_id) else { continue };
            let mut text: Vec<String> = Vec::new();
            if !answer.text.trim().is_empty() {
                text.push(answer.text.trim().to_string());
            }
            for turn in &answer.turns {
                if !turn.text.trim().is_empty() {
                    text.push(format!("{}: {}", data.speaker_label(&turn.speaker), turn.text.trim()));
                }
            }
            row[*part].extend(text);
        }
    }
    out.push(Block::Heading { level: 2, text: "Micro-provider records: the four-part summary".into() });
    if notes.is_empty() {
        out.push(Block::Note("No micro-provider record has been filled in yet.".into()));
        return;
    }
    out.push(Block::Heading { level: 3, text: "Per provider".into() });
    for (case, by_part) in &notes {
        out.push(Block::Heading { level: 4, text: data.cases[*case].name.clone() });
        for (n, title) in parts.iter().enumerate() {
            let said = &by_part[n];
            out.push(Block::Paragraph(format!(
                "{title}: {}",
                if said.is_empty() { "nothing recorded".to_string() } else { said.join(" ") }
            )));
        }
    }
    out.push(Block::Heading { level: 3, text: "By part".into() });
    for (n, title) in parts.iter().enumerate() {
        let mut header = vec!["Provider".to_string()];
        header.push(title.clone());
        let rows: Vec<Vec<String>> =
            notes.iter().map(|(case, by_part)| vec![data.cases[*case].name.clone(), by_part[n].join(" ")]).collect();
        out.push(Block::Table { caption: title.clone(), header, rows });
    }
}

/// Paragraphs of a text typed with blank lines between them.
fn paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n").split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(String::from).collect()
}
