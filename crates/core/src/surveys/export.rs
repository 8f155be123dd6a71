//! Survey responses as tables: a wide CSV, a long CSV, a codebook CSV, and an XLSX
//! workbook with all three, byte for byte what the UI downloads and what
//! `fieldkit export responses-…` writes.
//!
//! UTF-8, CRLF line ends, one header row of names (never internal ids), and every text
//! cell through [`safe_cell`], so a spreadsheet never runs one as a formula. Numbers
//! are written as numbers (and are never neutralised: `-1` stays minus one).
//!
//! # Column names
//!
//! Every column name is one that R, SPSS and Stata accept, and no two are the same
//! ignoring case (see [`crate::tabular::ColumnNames`]): the fixed columns
//! ([`WIDE_CSV_FIXED`]) keep their names; case attributes and questions are made safe
//! ([`crate::tabular::safe_variable_name`]: `Year established` → `Year_established`)
//! and, when that clashes with a column before them, get `_2`, `_3`… (a question
//! named `role`, as older surveys may have, gives `role_2`; the builder no longer
//! accepts such a name). A multiple-choice option's column is `<question>_<code>`
//! built from the question's export name. The long CSV's `question`, the codebook's
//! `column` and every sheet of the workbook use the same names as the wide CSV.
//!
//! # Wide CSV ([`responses_wide_csv`])
//!
//! One row per response of the survey (oldest first), with these columns:
//!
//! | column | content |
//! |---|---|
//! | `response_id` | the response's id |
//! | `case` | case name |
//! | `setting` | `urban`, `rural`, `very_rural` or empty |
//! | `legal_form`, `country` | the case's attributes |
//! | one per extra case attribute | named by its key, made safe (`Year_established`); every key used by any case, in first-seen order (cases in study order); empty for cases without it |
//! | `participant` | pseudonym; empty for an anonymous respondent |
//! | `role` | the participant's stakeholder role; empty if none or anonymous |
//! | `language` | the language the survey was answered in (`en`, `cy`, …) |
//! | `survey_version` | the survey version the respondent answered |
//! | `status` | `in_progress` or `complete` |
//! | `started`, `completed` | RFC 3339 UTC times; `completed` empty while in progress |
//!
//! then the questions, in page order:
//!
//! | question type | columns | value |
//! |---|---|---|
//! | single choice | `name` | the chosen option's code |
//! | multiple choice | `name_<code>` per option | `1` ticked, `0` not ticked |
//! | Likert | one per item, named by the item | the point, `1`..=points |
//! | rating, number | `name` | the number |
//! | yes/no | `name` | `1` yes, `0` no |
//! | date | `name` | `YYYY-MM-DD` |
//! | short and long text | `name` | the text as typed |
//! | information | none | |
//!
//! An unanswered question leaves its cells empty (for multiple choice: every option's).
//!
//! Versions: each response is read with the questions of the version it answered. The
//! columns are those of the current version, in its order, followed by any columns
//! that exist only in older versions (oldest version first), so nothing a respondent
//! answered is lost. A response leaves empty the columns its version did not ask.
//!
//! # Long CSV ([`responses_long_csv`])
//!
//! `response_id, question, value, label`: one row per answered item, responses oldest
//! first, questions in the page order of the response's version. `question` is the
//! question's export name: its wide column's name (a Likert item's for Likert rows;
//! for multiple choice, the name its `<name>_<code>` columns start with); multiple choice gives one
//! row per ticked option. `label` is the English label of the option, Likert point or
//! yes/no (`value` `1`/`0`), empty for free values (numbers, dates, text). Open-text
//! answers appear here with their response id; the wide file gives case, participant
//! and role for the id.
//!
//! # Codebook CSV ([`responses_codebook_csv`])
//!
//! `column, question, type, values`: one row per wide column, in the same order.
//! `question` is the English question text (for Likert and multiple-choice columns
//! `question — item/option`; columns only in older versions end in `(only in version
//! N)`). `type` is `single_choice`, `multiple_choice`, `likert`, `rating`, `number`,
//! `yes_no`, `date`, `short_text`, `long_text`, or for the fixed columns `id`, `text`,
//! `category`, `integer`, `timestamp`. `values` lists the allowed values and their
//! labels, e.g. `1 = Strongly disagree; 2 = Disagree`, `0 = not ticked; 1 = ticked`.
//!
//! # XLSX ([`responses_workbook`], written by `fieldkit_sheets::responses_xlsx`)
//!
//! Sheets `Data` (the wide table, numbers as numbers), `Codebook` (the codebook) and
//! `Value labels` (`column, value, label`: one row per coded value of every
//! column), each with a bold, frozen header row. The workbook's creation time is the
//! last change to the survey or its responses, so the same data gives the same bytes.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::study::StudyData;
use crate::study::{Case, Setting};
use crate::surveys::{AnswerValue, Page, Question, QuestionKind, Response, ResponseStatus, Survey, Text};
use crate::tabular::{Cell, ColumnNames, Sheet, WorkbookData, number_text, safe_cell, safe_variable_name};

/// The wide CSV's fixed columns, in order; the extra case attributes go between
/// `country` and `participant`. No question may take one of these names (see
/// [`crate::surveys::is_reserved_column`]); any that does in an older survey is
/// renamed in the exports.
pub const WIDE_CSV_FIXED: [&str; 12] = [
    "response_id",
    "case",
    "setting",
    "legal_form",
    "country",
    "participant",
    "role",
    "language",
    "survey_version",
    "status",
    "started",
    "completed",
];

fn english(text: &Text) -> &str {
    text.get(crate::surveys::DEFAULT_LANGUAGE).0
}

/// The pages of the version `version` of `survey`: the current pages for the current
/// version, else the matching history entry (the current pages if none matches).
fn version_pages(survey: &Survey, version: u32) -> &[Page] {
    survey.pages_for(version).unwrap_or(&survey.pages)
}

fn questions(pages: &[Page]) -> impl Iterator<Item = &Question> {
    pages.iter().flat_map(|p| p.questions.iter())
}

/// What a question's column is named after.
#[derive(Clone, Debug)]
enum NamedAfter {
    /// Its own name (a question's or a Likert item's): the key.
    Key,
    /// An option of the multiple-choice question `question`: `<question>_<value>`.
    Option { question: String, value: String },
}

/// A column of the wide table, with its codebook entry.
#[derive(Clone, Debug)]
struct Column {
    /// The name in every export (safe and unique, see [`Names`]).
    name: String,
    /// What the survey calls the column (`name`, `name_<code>`, a Likert item's name):
    /// the same key in two versions is the same column.
    key: String,
    named_after: NamedAfter,
    question: String,
    kind: &'static str,
    /// Coded values and their labels (for the codebook and the value-labels sheet).
    labels: Vec<(String, String)>,
    /// Free description of the allowed values when they are not coded.
    note: String,
}

impl Column {
    fn values(&self) -> String {
        if self.labels.is_empty() {
            self.note.clone()
        } else {
            self.labels.iter().map(|(v, l)| format!("{v} = {l}")).collect::<Vec<_>>().join("; ")
        }
    }
}

fn kind_key(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice { .. } => "single_choice",
        QuestionKind::MultipleChoice { .. } => "multiple_choice",
        QuestionKind::Likert { .. } => "likert",
        QuestionKind::Rating { .. } => "rating",
        QuestionKind::Number { .. } => "number",
        QuestionKind::ShortText { .. } => "short_text",
        QuestionKind::LongText { .. } => "long_text",
        QuestionKind::Date => "date",
        QuestionKind::YesNo => "yes_no",
        QuestionKind::Info => "info",
    }
}

fn yes_no_labels() -> Vec<(String, String)> {
    vec![("0".into(), "No".into()), ("1".into(), "Yes".into())]
}

fn scale_labels(points: u8, scale: &[Text]) -> Vec<(String, String)> {
    (1..=points)
        .map(|p| {
            let label = scale.get(usize::from(p) - 1).map(english).unwrap_or("");
            (p.to_string(), label.to_string())
        })
        .collect()
}

fn length_note(max: Option<u32>) -> String {
    max.map(|m| format!("text, up to {m} characters")).unwrap_or_else(|| "text".into())
}

/// The wide columns of one question (none for information text), not yet named.
fn question_columns(q: &Question) -> Vec<Column> {
    let label = english(&q.label).to_string();
    let kind = kind_key(&q.kind);
    let column = |key: String, question: String, labels: Vec<(String, String)>, note: String| Column {
        name: String::new(),
        key,
        named_after: NamedAfter::Key,
        question,
        kind,
        labels,
        note,
    };
    match &q.kind {
        QuestionKind::Info => Vec::new(),
        QuestionKind::SingleChoice { options } => {
            let labels = options.iter().map(|o| (o.value.clone(), english(&o.label).to_string())).collect();
            vec![column(q.name.clone(), label, labels, String::new())]
        }
        QuestionKind::MultipleChoice { options } => options
            .iter()
            .map(|o| {
                let labels = vec![("0".into(), "not ticked".into()), ("1".into(), "ticked".into())];
                let mut c = column(
                    format!("{}_{}", q.name, o.value),
                    format!("{label} — {}", english(&o.label)),
                    labels,
                    String::new(),
                );
                c.named_after = NamedAfter::Option { question: q.name.clone(), value: o.value.clone() };
                c
            })
            .collect(),
        QuestionKind::Likert { points, scale, items } => items
            .iter()
            .map(|i| {
                column(
                    i.name.clone(),
                    format!("{label} — {}", english(&i.label)),
                    scale_labels(*points, scale),
                    String::new(),
                )
            })
            .collect(),
        QuestionKind::Rating { max } => vec![column(q.name.clone(), label, Vec::new(), format!("1 to {max}"))],
        QuestionKind::Number { min, max, integer } => {
            let what = if *integer { "whole number" } else { "number" };
            let note = match (min, max) {
                (Some(a), Some(b)) => format!("{what} from {} to {}", number_text(*a), number_text(*b)),
                (Some(a), None) => format!("{what}, at least {}", number_text(*a)),
                (None, Some(b)) => format!("{what}, at most {}", number_text(*b)),
                (None, None) => what.to_string(),
            };
            vec![column(q.name.clone(), label, Vec::new(), note)]
        }
        QuestionKind::YesNo => vec![column(q.name.clone(), label, yes_no_labels(), String::new())],
        QuestionKind::Date => vec![column(q.name.clone(), label, Vec::new(), "YYYY-MM-DD".into())],
        QuestionKind::ShortText { max_length } | QuestionKind::LongText { max_length } => {
            vec![column(q.name.clone(), label, Vec::new(), length_note(*max_length))]
        }
    }
}

/// A generic cell for an answer whose shape does not need splitting.
fn plain_cell(answer: &AnswerValue) -> Cell {
    match answer {
        AnswerValue::Text(t) | AnswerValue::Choice(t) => Cell::text(t.clone()),
        AnswerValue::Number(n) => Cell::Number(*n),
        AnswerValue::Date(d) => Cell::Text(d.to_string()),
        AnswerValue::Bool(b) => Cell::Number(if *b { 1.0 } else { 0.0 }),
        AnswerValue::Choices(values) => Cell::text(values.join("; ")),
        AnswerValue::Scale(_) => Cell::Empty,
    }
}

/// The wide cells of one question's answer, by column key.
fn question_cells(q: &Question, answer: Option<&AnswerValue>) -> Vec<(String, Cell)> {
    let Some(answer) = answer else { return Vec::new() };
    match (&q.kind, answer) {
        (QuestionKind::Info, _) => Vec::new(),
        (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(ticked)) => options
            .iter()
            .map(|o| {
                let on = ticked.contains(&o.value);
                (format!("{}_{}", q.name, o.value), Cell::Number(if on { 1.0 } else { 0.0 }))
            })
            .collect(),
        (QuestionKind::Likert { items, .. }, AnswerValue::Scale(points)) => items
            .iter()
            .filter_map(|i| points.get(&i.id).map(|p| (i.name.clone(), Cell::Number(f64::from(*p)))))
            .collect(),
        (QuestionKind::MultipleChoice { .. } | QuestionKind::Likert { .. }, _) => Vec::new(),
        _ => vec![(q.name.clone(), plain_cell(answer))],
    }
}

/// The survey's responses, oldest first.
fn survey_responses<'a>(data: &'a StudyData, survey: &Survey) -> Vec<&'a Response> {
    let mut responses: Vec<&Response> = data.responses.iter().filter(|r| r.survey_id == survey.id).collect();
    responses.sort_by_key(|r| (r.created, r.id));
    responses
}

fn find_survey(data: &StudyData, survey: Uuid) -> Result<&Survey, String> {
    data.surveys.iter().find(|s| s.id == survey).ok_or_else(|| format!("This study has no survey with id {survey}."))
}

/// Extra case-attribute keys used by any case, first-seen spelling and order.
fn extra_keys(cases: &[Case]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut keys = Vec::new();
    for case in cases {
        for a in &case.attributes.extra {
            let key = a.key.trim();
            if !key.is_empty() && seen.insert(key.to_lowercase()) {
                keys.push(key.to_string());
            }
        }
    }
    keys
}

/// The export names of one survey's columns, and of its questions and Likert items
/// (which the long CSV names), handed out in column order by one [`ColumnNames`].
struct Names {
    columns: ColumnNames,
    /// By what the survey calls it: a question's, Likert item's or option column's key.
    by_key: HashMap<String, String>,
}

impl Names {
    /// The export name for `key`: the one it already has, else a new one from `proposal`.
    fn get(&mut self, key: &str, proposal: &str) -> String {
        if let Some(name) = self.by_key.get(key) {
            return name.clone();
        }
        let name = self.columns.name(proposal);
        self.by_key.insert(key.to_string(), name.clone());
        name
    }

    /// The export name of a question or Likert item.
    fn of(&self, key: &str) -> String {
        self.by_key.get(key).cloned().unwrap_or_else(|| safe_variable_name(key))
    }

    /// Names the columns of one question. A multiple-choice question's own name is
    /// handed out first (the long CSV uses it), then its options' from it.
    fn name_columns(&mut self, q: &Question, columns: &mut [Column]) {
        if matches!(q.kind, QuestionKind::MultipleChoice { .. }) {
            self.get(&q.name, &q.name);
        }
        for c in columns {
            c.name = match &c.named_after {
                NamedAfter::Key => self.get(&c.key, &c.key),
                NamedAfter::Option { question, value } => {
                    let stem = self.get(question, question);
                    self.get(&c.key, &format!("{stem}_{value}"))
                }
            };
        }
    }
}

/// Everything the wide table, codebook and value labels are made of.
struct Wide {
    columns: Vec<Column>,
    rows: Vec<Vec<Cell>>,
    names: Names,
}

fn fixed(name: &str, question: &str, kind: &'static str, labels: Vec<(String, String)>) -> Column {
    Column {
        name: name.into(),
        key: name.into(),
        named_after: NamedAfter::Key,
        question: question.into(),
        kind,
        labels,
        note: String::new(),
    }
}

fn wide(data: &StudyData, survey: Uuid) -> Result<Wide, String> {
    let survey = find_survey(data, survey)?;
    let keys = extra_keys(&data.cases);
    // The fixed columns keep their names; everything else is named after them.
    let mut names = Names { columns: ColumnNames::new(), by_key: HashMap::new() };
    for name in WIDE_CSV_FIXED {
        names.columns.name(name);
    }
    let mut columns = vec![
        fixed("response_id", "Response identifier", "id", Vec::new()),
        fixed("case", "Case", "text", Vec::new()),
        fixed(
            "setting",
            "Case setting",
            "category",
            Setting::ALL.iter().map(|s| (s.key().into(), s.label().into())).collect(),
        ),
        fixed("legal_form", "Case legal form", "text", Vec::new()),
        fixed("country", "Case country", "text", Vec::new()),
    ];
    for key in &keys {
        let mut c = fixed(key, &format!("Case attribute: {key}"), "text", Vec::new());
        c.name = names.columns.name(key);
        columns.push(c);
    }
    columns.extend([
        fixed("participant", "Participant pseudonym (empty: anonymous)", "text", Vec::new()),
        fixed("role", "Participant's stakeholder role", "text", Vec::new()),
        fixed("language", "Language answered in", "category", Vec::new()),
        fixed("survey_version", "Survey version answered", "integer", Vec::new()),
        fixed(
            "status",
            "Response status",
            "category",
            vec![("in_progress".into(), "In progress".into()), ("complete".into(), "Complete".into())],
        ),
        fixed("started", "Started (UTC)", "timestamp", Vec::new()),
        fixed("completed", "Completed (UTC)", "timestamp", Vec::new()),
    ]);
    // Question columns are told apart from the fixed ones by their key; a question
    // whose name clashes with a column before it gets a name of its own (`role_2`).
    let mut at: HashMap<String, usize> = HashMap::new();
    for q in questions(&survey.pages) {
        let mut new = question_columns(q);
        names.name_columns(q, &mut new);
        for c in new {
            if !at.contains_key(&c.key) {
                at.insert(c.key.clone(), columns.len());
                columns.push(c);
            }
        }
    }
    let mut older: Vec<_> = survey.history.iter().filter(|h| h.version != survey.version).collect();
    older.sort_by_key(|h| h.version);
    for h in &older {
        for q in questions(&h.pages) {
            let mut new = question_columns(q);
            names.name_columns(q, &mut new);
            for mut c in new {
                if !at.contains_key(&c.key) {
                    let versions: Vec<String> = older
                        .iter()
                        .filter(|o| questions(&o.pages).flat_map(question_columns).any(|x| x.key == c.key))
                        .map(|o| o.version.to_string())
                        .collect();
                    let word = if versions.len() > 1 { "versions" } else { "version" };
                    c.question = format!("{} (only in {word} {})", c.question, versions.join(", "));
                    at.insert(c.key.clone(), columns.len());
                    columns.push(c);
                }
            }
        }
    }
    let mut rows = Vec::new();
    for r in survey_responses(data, survey) {
        let mut row = vec![Cell::Empty; columns.len()];
        let case = data.case(r.case_id);
        let attrs = case.map(|c| &c.attributes);
        let (participant, role) = match r.participant_id {
            None => (String::new(), String::new()),
            Some(id) => match data.participant(id) {
                Some(p) => (p.pseudonym.clone(), data.role_name(p.role_id).to_string()),
                None => ("(deleted participant)".into(), String::new()),
            },
        };
        row[0] = Cell::text(r.id.to_string());
        row[1] = Cell::text(data.case_name(Some(r.case_id)));
        row[2] = Cell::text(attrs.and_then(|a| a.setting).map(|s| s.key()).unwrap_or(""));
        row[3] = Cell::text(attrs.map(|a| a.legal_form.clone()).unwrap_or_default());
        row[4] = Cell::text(attrs.map(|a| a.country.clone()).unwrap_or_default());
        for (i, key) in keys.iter().enumerate() {
            let value = attrs
                .and_then(|a| a.extra.iter().find(|x| x.key.trim().to_lowercase() == key.to_lowercase()))
                .map(|x| x.value.clone())
                .unwrap_or_default();
            row[5 + i] = Cell::text(value);
        }
        let base = 5 + keys.len();
        row[base] = Cell::text(participant);
        row[base + 1] = Cell::text(role);
        row[base + 2] = Cell::text(r.language.clone());
        row[base + 3] = Cell::Number(f64::from(r.survey_version));
        row[base + 4] = Cell::text(match r.status {
            ResponseStatus::InProgress => "in_progress",
            ResponseStatus::Complete => "complete",
        });
        row[base + 5] = Cell::text(r.started.to_string());
        row[base + 6] = Cell::text(r.completed.map(|t| t.to_string()).unwrap_or_default());
        for q in questions(version_pages(survey, r.survey_version)) {
            for (key, cell) in question_cells(q, r.answers.get(&q.id)) {
                if let Some(i) = at.get(&key) {
                    row[*i] = cell;
                }
            }
        }
        rows.push(row);
    }
    Ok(Wide { columns, rows, names })
}

fn csv_bytes(header: &[String], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, String> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Already safe and unique (see the module documentation); the allocator once more
    // guarantees that no export ever writes an unsafe or repeated name.
    out.write_record(crate::tabular::unique_variable_names(header)).map_err(|e| e.to_string())?;
    for row in rows {
        out.write_record(&row).map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

/// The wide CSV: one row per response, one column per question (or option or Likert
/// item). Columns are listed in the [module documentation](self).
pub fn responses_wide_csv(data: &StudyData, survey: Uuid) -> Result<Vec<u8>, String> {
    let wide = wide(data, survey)?;
    let header: Vec<String> = wide.columns.iter().map(|c| c.name.clone()).collect();
    csv_bytes(&header, wide.rows.iter().map(|r| r.iter().map(Cell::csv).collect()))
}

pub const LONG_CSV_HEADER: [&str; 4] = ["response_id", "question", "value", "label"];

/// The long CSV: `response_id, question, value, label`, one row per answered item.
pub fn responses_long_csv(data: &StudyData, survey: Uuid) -> Result<Vec<u8>, String> {
    let names = wide(data, survey)?.names;
    let survey = find_survey(data, survey)?;
    let mut rows = Vec::new();
    for r in survey_responses(data, survey) {
        let id = r.id.to_string();
        let mut row = |question: &str, value: Cell, label: &str| {
            rows.push(vec![id.clone(), safe_cell(question), value.csv(), safe_cell(label)]);
        };
        for q in questions(version_pages(survey, r.survey_version)) {
            let Some(answer) = r.answers.get(&q.id) else { continue };
            let name = names.of(&q.name);
            match (&q.kind, answer) {
                (QuestionKind::Info, _) => {}
                (QuestionKind::SingleChoice { options }, AnswerValue::Choice(v)) => {
                    let label = options.iter().find(|o| &o.value == v).map(|o| english(&o.label)).unwrap_or("");
                    row(&name, Cell::text(v.clone()), label);
                }
                (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(ticked)) => {
                    // In the order of the options, then any codes no longer among them.
                    let known = options.iter().filter(|o| ticked.contains(&o.value));
                    for o in known {
                        row(&name, Cell::text(o.value.clone()), english(&o.label));
                    }
                    for v in ticked.iter().filter(|v| options.iter().all(|o| &o.value != *v)) {
                        row(&name, Cell::text(v.clone()), "");
                    }
                }
                (QuestionKind::Likert { scale, items, .. }, AnswerValue::Scale(points)) => {
                    for item in items {
                        if let Some(p) = points.get(&item.id) {
                            let label = scale.get(usize::from(*p).wrapping_sub(1)).map(english).unwrap_or("");
                            row(&names.of(&item.name), Cell::Number(f64::from(*p)), label);
                        }
                    }
                }
                (_, AnswerValue::Bool(b)) => {
                    row(&name, Cell::Number(if *b { 1.0 } else { 0.0 }), if *b { "Yes" } else { "No" });
                }
                (_, answer) => {
                    let cell = plain_cell(answer);
                    if cell != Cell::Empty {
                        row(&name, cell, "");
                    }
                }
            }
        }
    }
    let header: Vec<String> = LONG_CSV_HEADER.iter().map(|h| h.to_string()).collect();
    csv_bytes(&header, rows)
}

pub const CODEBOOK_CSV_HEADER: [&str; 4] = ["column", "question", "type", "values"];

/// The codebook CSV: `column, question, type, values`, one row per wide column.
pub fn responses_codebook_csv(data: &StudyData, survey: Uuid) -> Result<Vec<u8>, String> {
    let wide = wide(data, survey)?;
    let header: Vec<String> = CODEBOOK_CSV_HEADER.iter().map(|h| h.to_string()).collect();
    csv_bytes(
        &header,
        wide.columns
            .iter()
            .map(|c| vec![safe_cell(&c.name), safe_cell(&c.question), c.kind.to_string(), safe_cell(&c.values())]),
    )
}

pub const XLSX_SHEETS: [&str; 3] = ["Data", "Codebook", "Value labels"];

/// The three sheets of the XLSX export (see the [module documentation](self)):
/// `Data`, `Codebook` and `Value labels`. Text cells are not yet neutralised;
/// the writer passes them through [`safe_cell`].
pub fn responses_workbook(data: &StudyData, survey_id: Uuid) -> Result<WorkbookData, String> {
    let wide = wide(data, survey_id)?;
    let survey = find_survey(data, survey_id)?;
    let created =
        survey_responses(data, survey).iter().map(|r| r.modified).chain([survey.modified]).max().unwrap_or_default();

    let header: Vec<String> = wide.columns.iter().map(|c| c.name.clone()).collect();
    let widths: Vec<f64> = wide
        .columns
        .iter()
        .map(|c| if c.name == "response_id" { 38.0 } else { (c.name.chars().count() as f64 + 2.0).clamp(10.0, 40.0) })
        .collect();
    let data_sheet = Sheet { name: XLSX_SHEETS[0].into(), header, rows: wide.rows.clone(), widths };

    let codebook = Sheet {
        name: XLSX_SHEETS[1].into(),
        header: CODEBOOK_CSV_HEADER.iter().map(|h| h.to_string()).collect(),
        rows: wide
            .columns
            .iter()
            .map(|c| {
                vec![
                    Cell::text(c.name.clone()),
                    Cell::text(c.question.clone()),
                    Cell::text(c.kind),
                    Cell::text(c.values()),
                ]
            })
            .collect(),
        widths: vec![24.0, 60.0, 16.0, 60.0],
    };

    let labels = Sheet {
        name: XLSX_SHEETS[2].into(),
        header: ["column", "value", "label"].iter().map(|h| h.to_string()).collect(),
        rows: wide
            .columns
            .iter()
            .flat_map(|c| {
                c.labels.iter().map(|(v, l)| {
                    // Coded numbers as numbers, so they match the Data sheet.
                    let value = match v.parse::<f64>() {
                        Ok(n) if number_text(n) == *v => Cell::Number(n),
                        _ => Cell::text(v.clone()),
                    };
                    vec![Cell::text(c.name.clone()), value, Cell::text(l.clone())]
                })
            })
            .collect(),
        widths: vec![24.0, 14.0, 40.0],
    };
    Ok(WorkbookData { title: survey.name.clone(), created, sheets: vec![data_sheet, codebook, labels] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tabular::is_safe_variable_name;

    #[test]
    fn the_fixed_columns_are_the_listed_ones_and_are_safe() {
        let mut data = StudyData::new("Surveys", crate::clock::Timestamp::default()).unwrap();
        let survey = data.add_survey("Empty", crate::clock::Timestamp::default()).unwrap();
        let names: Vec<String> = wide(&data, survey).unwrap().columns.into_iter().map(|c| c.name).collect();
        assert_eq!(names, WIDE_CSV_FIXED);
        assert!(WIDE_CSV_FIXED.iter().all(|n| is_safe_variable_name(n)));
        for header in [&LONG_CSV_HEADER, &CODEBOOK_CSV_HEADER] {
            assert!(header.iter().all(|n| is_safe_variable_name(n)), "{header:?}");
        }
    }
}
