//! The rules of stakeholder surveys (the types are in [`crate::surveys`]):
//! editing surveys, versions kept for responses already given, skip-logic
//! conditions (checked when saved, evaluated here, described in plain words),
//! validation of answers, the page flow of a response, corrections, and the
//! built-in stakeholder template (English and Welsh).
//!
//! Versions follow the protocol rule: the first change to the pages or questions of
//! a version that a response has used keeps a copy of that version in the survey's
//! `history` and starts a new version. Every response records its version, so it is
//! always shown (and exported) with the questions that were actually asked.
//!
//! Visibility: a page or question is shown when its condition holds, evaluated only
//! against answers to questions that are themselves shown (an answer to a question
//! that is now hidden counts as unanswered). Answers to hidden questions stay in an
//! in-progress response, so going back and changing one's mind loses nothing, but
//! **completing a response removes answers to questions hidden at that moment**, so
//! exports never hold them.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use thiserror::Error;
use uuid::Uuid;

use crate::clock::{Date, Timestamp};
use crate::coding::sources::SourceRef;
use crate::fieldwork::interview::MAX_FIELD_BYTES;
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};
use crate::surveys::model::*;

/// The language a survey can be translated into besides English.
pub const WELSH: &str = "cy";

/// One change to a survey. Pages, questions and Likert statements are named by ids,
/// which stay the same across versions; options by their value. Text edits name a
/// language; blank text removes that translation (the English text cannot be blank
/// for labels).
#[derive(Clone, Debug, PartialEq)]
pub enum SurveyEdit {
    Name(String),
    Description {
        language: String,
        text: String,
    },
    /// Offer another language (a short code such as `cy`).
    AddLanguage(String),
    /// Stop offering a language; its translations are kept. English stays.
    RemoveLanguage(String),
    AddPage {
        id: Uuid,
    },
    PageTitle {
        id: Uuid,
        language: String,
        text: String,
    },
    PageCondition {
        id: Uuid,
        condition: Option<Condition>,
    },
    /// Move by -1 (up) or +1 (down); moving past either end does nothing.
    MovePage {
        id: Uuid,
        by: isize,
    },
    RemovePage(Uuid),
    /// `label` is the English label.
    AddQuestion {
        page: Uuid,
        id: Uuid,
        name: String,
        label: String,
        kind: QuestionKind,
    },
    QuestionName {
        id: Uuid,
        name: String,
    },
    QuestionLabel {
        id: Uuid,
        language: String,
        text: String,
    },
    QuestionHelp {
        id: Uuid,
        language: String,
        text: String,
    },
    RequiredMessage {
        id: Uuid,
        language: String,
        text: String,
    },
    Required {
        id: Uuid,
        required: bool,
    },
    QuestionKind {
        id: Uuid,
        kind: QuestionKind,
    },
    QuestionCondition {
        id: Uuid,
        condition: Option<Condition>,
    },
    /// Within its page, by -1 or +1; past either end does nothing.
    MoveQuestion {
        id: Uuid,
        by: isize,
    },
    /// To another (or the same) page, at `position` (past the end: last).
    MoveQuestionTo {
        id: Uuid,
        page: Uuid,
        position: usize,
    },
    RemoveQuestion(Uuid),
    /// `label` is the English label.
    AddChoice {
        question: Uuid,
        value: String,
        label: String,
    },
    ChoiceLabel {
        question: Uuid,
        value: String,
        language: String,
        text: String,
    },
    RemoveChoice {
        question: Uuid,
        value: String,
    },
    MoveChoice {
        question: Uuid,
        value: String,
        by: isize,
    },
    AddLikertItem {
        question: Uuid,
        id: Uuid,
        name: String,
        label: String,
    },
    LikertItemName {
        id: Uuid,
        name: String,
    },
    LikertItemLabel {
        id: Uuid,
        language: String,
        text: String,
    },
    RemoveLikertItem(Uuid),
    /// The label of one point (1-based) of a Likert question's scale.
    ScaleLabel {
        question: Uuid,
        point: u8,
        language: String,
        text: String,
    },
}

/// Why one answer is not acceptable. `Display` is English; [`AnswerProblem::message`]
/// gives the text for the respondent's language.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum AnswerProblem {
    /// A required question left empty; carries the question's own message (may be empty).
    #[error("{}", required_message(.0, DEFAULT_LANGUAGE))]
    Required(Text),
    #[error("This answer does not fit the question.")]
    WrongShape,
    #[error("Enter a number.")]
    NotANumber,
    #[error("Enter a whole number.")]
    NotWhole,
    #[error("Enter a number no smaller than {0}.")]
    TooSmall(f64),
    #[error("Enter a number no larger than {0}.")]
    TooLarge(f64),
    #[error("This answer is too long: {length} characters, and the most is {max}.")]
    TooLong { length: usize, max: u32 },
    #[error("“{0}” is not one of the options.")]
    NotAnOption(String),
    #[error("Choose a point from 1 to {points} for each statement.")]
    OutOfScale { points: u8 },
    #[error("Answer every statement ({missing} left).")]
    Incomplete { missing: usize },
    #[error("Choose from 1 to {max}.")]
    OutOfRange { max: u8 },
    #[error("This is information only and takes no answer.")]
    NotAnswerable,
}

fn required_message(own: &Text, language: &str) -> String {
    if !own.is_empty() {
        return own.get(language).0.to_string();
    }
    if language == WELSH {
        "Mae angen ateb i'r cwestiwn hwn.".to_string()
    } else {
        "This question needs an answer.".to_string()
    }
}

impl AnswerProblem {
    /// The message to show next to the question, in `language` (English and Welsh;
    /// other languages get English, and a question's own required message falls
    /// back like any [`Text`]).
    pub fn message(&self, language: &str) -> String {
        if language != WELSH {
            return match self {
                AnswerProblem::Required(own) => required_message(own, language),
                other => other.to_string(),
            };
        }
        match self {
            AnswerProblem::Required(own) => required_message(own, language),
            AnswerProblem::WrongShape => "Nid yw'r ateb hwn yn addas i'r cwestiwn.".to_string(),
            AnswerProblem::NotANumber => "Rhowch rif.".to_string(),
            AnswerProblem::NotWhole => "Rhowch rif cyfan.".to_string(),
            AnswerProblem::TooSmall(min) => format!("Rhowch rif sydd ddim yn llai na {min}."),
            AnswerProblem::TooLarge(max) => format!("Rhowch rif sydd ddim yn fwy na {max}."),
            AnswerProblem::TooLong { length, max } => {
                format!("Mae'r ateb hwn yn rhy hir: {length} nod, a'r uchafswm yw {max}.")
            }
            AnswerProblem::NotAnOption(value) => format!("Nid yw “{value}” yn un o'r dewisiadau."),
            AnswerProblem::OutOfScale { points } => {
                format!("Dewiswch bwynt o 1 i {points} ar gyfer pob datganiad.")
            }
            AnswerProblem::Incomplete { missing } => format!("Atebwch bob datganiad ({missing} ar ôl)."),
            AnswerProblem::OutOfRange { max } => format!("Dewiswch o 1 i {max}."),
            AnswerProblem::NotAnswerable => "Gwybodaeth yn unig yw hon; nid oes angen ateb.".to_string(),
        }
    }
}

/// Where a respondent is: the 1-based position of the current page among the pages
/// shown to them, and how many are shown (this changes as skip logic reacts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub page: usize,
    pub of: usize,
    /// No visible page comes after this one: show "Finish" rather than "Next".
    pub last: bool,
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// The English text, for messages to researchers.
fn en(text: &Text) -> String {
    text.get(DEFAULT_LANGUAGE).0.to_string()
}

/// `[a-z][a-z0-9_]*`: safe as a column name in every export format.
pub fn is_machine_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `name` is (ignoring case) one of the columns every survey export has
/// ([`crate::surveys::export::WIDE_CSV_FIXED`]: `role`, `case`, `status`…), so no
/// question, Likert statement or multiple-choice column may take it.
pub fn is_reserved_column(name: &str) -> bool {
    crate::surveys::export::WIDE_CSV_FIXED.iter().any(|f| f.eq_ignore_ascii_case(name.trim()))
}

/// Every machine name of a set of pages: questions, Likert statements and the
/// columns of multiple-choice questions.
fn machine_names(pages: &[Page]) -> impl Iterator<Item = String> + '_ {
    pages.iter().flat_map(|p| &p.questions).flat_map(|q| {
        let mut names = vec![q.name.clone()];
        match &q.kind {
            QuestionKind::MultipleChoice { options } => {
                names.extend(options.iter().map(|o| choice_column(&q.name, &o.value)));
            }
            QuestionKind::Likert { items, .. } => names.extend(items.iter().map(|i| i.name.clone())),
            _ => {}
        }
        names
    })
}

/// Refuses a machine name that an edit brings in and that is a reserved column (see
/// [`is_reserved_column`]). A name the pages already had is left alone, so a survey
/// made before the rule (a question called `role`) can still be edited and loaded;
/// its exports rename the column.
fn check_reserved_names(pages: &[Page], before_edit: &[Page]) -> Result<(), ValidationError> {
    let before: HashSet<String> = machine_names(before_edit).collect();
    match machine_names(pages).find(|n| is_reserved_column(n) && !before.contains(n)) {
        Some(name) => Err(ValidationError::ReservedMachineName(name)),
        None => Ok(()),
    }
}

/// Option values: `[a-z0-9_]+` (they become part of multiple-choice column names).
pub fn is_choice_value(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The export column of one option of a multiple-choice question: `{name}_{value}`.
pub fn choice_column(question_name: &str, value: &str) -> String {
    format!("{question_name}_{value}")
}

fn check_language(code: &str) -> Result<String, ValidationError> {
    let code = code.trim().to_ascii_lowercase();
    let valid = (2..=8).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code.chars().all(|c| c.is_ascii_lowercase() || c == '-');
    if valid { Ok(code) } else { Err(ValidationError::InvalidLanguage(code)) }
}

/// Sets one translation; blank removes it. `needed`: English may not be blank.
fn set_text(
    text: &mut Text,
    language: &str,
    value: &str,
    needed: Option<ValidationError>,
) -> Result<(), ValidationError> {
    let value = value.trim();
    if value.is_empty() {
        if language == DEFAULT_LANGUAGE
            && let Some(err) = needed
        {
            return Err(err);
        }
        text.0.remove(language);
    } else {
        text.0.insert(language.to_string(), value.to_string());
    }
    Ok(())
}

fn move_by<T>(items: &mut Vec<T>, from: usize, by: isize) {
    let to = from.checked_add_signed(by).filter(|to| *to < items.len());
    if let Some(to) = to {
        let item = items.remove(from);
        items.insert(to, item);
    }
}

fn all_questions(pages: &[Page]) -> impl Iterator<Item = &Question> {
    pages.iter().flat_map(|p| p.questions.iter())
}

fn find_question(pages: &[Page], id: Uuid) -> Option<(usize, usize)> {
    pages.iter().enumerate().find_map(|(p, page)| page.questions.iter().position(|q| q.id == id).map(|q| (p, q)))
}

/// A question of these pages, by id.
pub fn question(pages: &[Page], id: Uuid) -> Option<&Question> {
    all_questions(pages).find(|q| q.id == id)
}

fn question_mut(pages: &mut [Page], id: Uuid) -> Result<&mut Question, ValidationError> {
    pages
        .iter_mut()
        .flat_map(|p| p.questions.iter_mut())
        .find(|q| q.id == id)
        .ok_or(ValidationError::UnknownSurveyQuestion(id))
}

fn page_mut(pages: &mut [Page], id: Uuid) -> Result<&mut Page, ValidationError> {
    pages.iter_mut().find(|p| p.id == id).ok_or(ValidationError::UnknownSurveyPage(id))
}

fn options_mut(q: &mut Question) -> Result<&mut Vec<Choice>, ValidationError> {
    match &mut q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => Ok(options),
        _ => Err(ValidationError::UnknownSurveyQuestion(q.id)),
    }
}

fn options(kind: &QuestionKind) -> Option<&[Choice]> {
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => Some(options),
        _ => None,
    }
}

fn likert_item_mut(pages: &mut [Page], id: Uuid) -> Result<&mut LikertItem, ValidationError> {
    pages
        .iter_mut()
        .flat_map(|p| p.questions.iter_mut())
        .filter_map(|q| match &mut q.kind {
            QuestionKind::Likert { items, .. } => Some(items.iter_mut()),
            _ => None,
        })
        .flatten()
        .find(|i| i.id == id)
        .ok_or(ValidationError::UnknownLikertItem(id))
}

fn id_in_use(pages: &[Page], id: Uuid) -> bool {
    pages.iter().any(|p| {
        p.id == id
            || p.questions.iter().any(|q| {
                q.id == id || matches!(&q.kind, QuestionKind::Likert { items, .. } if items.iter().any(|i| i.id == id))
            })
    })
}

/// A Likert scale always has one (possibly blank) label per point.
fn normalise_kind(kind: &mut QuestionKind) {
    if let QuestionKind::Likert { points, scale, .. } = kind {
        scale.resize(usize::from(*points), Text::default());
    }
}

/// Agree–disagree labels in English and Welsh for a 5- or 7-point scale (empty otherwise).
pub fn agreement_scale(points: u8) -> Vec<Text> {
    let t = |e: &str, c: &str| Text::en(e).with(WELSH, c);
    match points {
        5 => vec![
            t("Strongly disagree", "Anghytuno'n gryf"),
            t("Disagree", "Anghytuno"),
            t("Neither agree nor disagree", "Ddim yn cytuno nac yn anghytuno"),
            t("Agree", "Cytuno"),
            t("Strongly agree", "Cytuno'n gryf"),
        ],
        7 => vec![
            t("Strongly disagree", "Anghytuno'n gryf"),
            t("Disagree", "Anghytuno"),
            t("Somewhat disagree", "Anghytuno rhywfaint"),
            t("Neither agree nor disagree", "Ddim yn cytuno nac yn anghytuno"),
            t("Somewhat agree", "Cytuno rhywfaint"),
            t("Agree", "Cytuno"),
            t("Strongly agree", "Cytuno'n gryf"),
        ],
        _ => Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/// How a page or question carrying a condition is named in messages.
fn owner_name(pages: &[Page], owner: Uuid) -> String {
    if let Some(q) = question(pages, owner) {
        return format!("“{}”", en(&q.label));
    }
    match pages.iter().position(|p| p.id == owner) {
        Some(at) => {
            let title = pages.get(at).map(|p| en(&p.title)).unwrap_or_default();
            if title.is_empty() { format!("Page {}", at + 1) } else { format!("Page {} (“{title}”)", at + 1) }
        }
        None => "This condition".to_string(),
    }
}

/// The questions shown before a page (those on earlier pages) or before a question
/// (those on earlier pages and earlier on its own page). None for an unknown id.
pub fn questions_before(pages: &[Page], owner: Uuid) -> Option<Vec<&Question>> {
    let mut before = Vec::new();
    for page in pages {
        if page.id == owner {
            return Some(before);
        }
        for q in &page.questions {
            if q.id == owner {
                return Some(before);
            }
            before.push(q);
        }
    }
    None
}

fn is_empty_answer(value: &AnswerValue) -> bool {
    match value {
        AnswerValue::Text(t) | AnswerValue::Choice(t) => t.trim().is_empty(),
        AnswerValue::Choices(c) => c.is_empty(),
        AnswerValue::Scale(s) => s.is_empty(),
        AnswerValue::Number(n) => n.is_nan(),
        AnswerValue::Date(_) | AnswerValue::Bool(_) => false,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl Condition {
    /// Every question this condition refers to.
    pub fn questions(&self) -> Vec<Uuid> {
        match self {
            Condition::Equals { question, .. }
            | Condition::OneOf { question, .. }
            | Condition::GreaterThan { question, .. }
            | Condition::LessThan { question, .. }
            | Condition::Answered { question } => vec![*question],
            Condition::All { conditions } | Condition::Any { conditions } => {
                conditions.iter().flat_map(Condition::questions).collect()
            }
            Condition::Not { condition } => condition.questions(),
        }
    }

    /// Whether the condition holds for these answers (keyed by question id). An
    /// unanswered (or blank) question makes every comparison false and `Answered`
    /// false; `Not` negates; `All` of nothing holds, `Any` of nothing does not.
    pub fn evaluate(&self, answers: &BTreeMap<Uuid, AnswerValue>) -> bool {
        let get = |q: &Uuid| answers.get(q).filter(|a| !is_empty_answer(a));
        match self {
            Condition::Equals { question, value } => get(question).is_some_and(|a| matches_value(a, value)),
            Condition::OneOf { question, values } => {
                get(question).is_some_and(|a| values.iter().any(|v| matches_value(a, v)))
            }
            Condition::GreaterThan { question, value } => {
                matches!(get(question), Some(AnswerValue::Number(n)) if n > value)
            }
            Condition::LessThan { question, value } => {
                matches!(get(question), Some(AnswerValue::Number(n)) if n < value)
            }
            Condition::Answered { question } => get(question).is_some(),
            Condition::All { conditions } => conditions.iter().all(|c| c.evaluate(answers)),
            Condition::Any { conditions } => conditions.iter().any(|c| c.evaluate(answers)),
            Condition::Not { condition } => !condition.evaluate(answers),
        }
    }

    /// Checks a condition carried by the page or question `owner` of `pages`: every
    /// question it refers to must exist, be shown before `owner` (on an earlier page,
    /// or earlier on the same page for a question), and fit the operator (greater/less
    /// only for numbers and ratings, one-of for choices and yes/no, values that are
    /// possible answers). Messages name the questions.
    pub fn validate(&self, owner: Uuid, pages: &[Page]) -> Result<(), ValidationError> {
        let before = questions_before(pages, owner).unwrap_or_default();
        self.check(owner, &before, pages)
    }

    fn check(&self, owner: Uuid, before: &[&Question], pages: &[Page]) -> Result<(), ValidationError> {
        let target = |id: &Uuid| -> Result<&Question, ValidationError> {
            if let Some(q) = before.iter().find(|q| q.id == *id) {
                return Ok(q);
            }
            if *id == owner {
                return Err(ValidationError::ConditionSelfReference { owner: owner_name(pages, owner) });
            }
            match question(pages, *id) {
                Some(later) => Err(ValidationError::ConditionNotBefore {
                    owner: owner_name(pages, owner),
                    question: en(&later.label),
                }),
                None => Err(ValidationError::ConditionUnknownQuestion { owner: owner_name(pages, owner) }),
            }
        };
        let wrong = |q: &Question, operator: &'static str| ValidationError::ConditionOperator {
            question: en(&q.label),
            operator,
        };
        let check_value = |q: &Question, value: &str| -> Result<(), ValidationError> {
            let ok = match &q.kind {
                QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                    options.iter().any(|o| o.value == value)
                }
                QuestionKind::YesNo => value == "yes" || value == "no",
                QuestionKind::Number { .. } | QuestionKind::Rating { .. } => {
                    value.trim().parse::<f64>().is_ok_and(f64::is_finite)
                }
                QuestionKind::Date => Date::parse(value.trim()).is_ok(),
                QuestionKind::ShortText { .. } | QuestionKind::LongText { .. } => !value.trim().is_empty(),
                QuestionKind::Likert { .. } | QuestionKind::Info => false,
            };
            if ok {
                Ok(())
            } else {
                Err(ValidationError::ConditionValue { question: en(&q.label), value: value.to_string() })
            }
        };
        match self {
            Condition::Equals { question, value } => {
                let q = target(question)?;
                if matches!(q.kind, QuestionKind::Likert { .. } | QuestionKind::Info) {
                    return Err(wrong(q, "is"));
                }
                check_value(q, value)
            }
            Condition::OneOf { question, values } => {
                let q = target(question)?;
                if !matches!(
                    q.kind,
                    QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } | QuestionKind::YesNo
                ) {
                    return Err(wrong(q, "is one of"));
                }
                if values.is_empty() {
                    return Err(ValidationError::EmptyCondition);
                }
                values.iter().try_for_each(|v| check_value(q, v))
            }
            Condition::GreaterThan { question, value } | Condition::LessThan { question, value } => {
                let q = target(question)?;
                let operator =
                    if matches!(self, Condition::GreaterThan { .. }) { "is more than" } else { "is less than" };
                if !matches!(q.kind, QuestionKind::Number { .. } | QuestionKind::Rating { .. }) || !value.is_finite() {
                    return Err(wrong(q, operator));
                }
                Ok(())
            }
            Condition::Answered { question } => {
                let q = target(question)?;
                if matches!(q.kind, QuestionKind::Info) {
                    return Err(wrong(q, "has been answered"));
                }
                Ok(())
            }
            Condition::All { conditions } | Condition::Any { conditions } => {
                if conditions.is_empty() {
                    return Err(ValidationError::EmptyCondition);
                }
                conditions.iter().try_for_each(|c| c.check(owner, before, pages))
            }
            Condition::Not { condition } => condition.check(owner, before, pages),
        }
    }

    /// The condition in plain words for the survey builder, with question labels and
    /// option labels in `language` (falling back to English), e.g.
    /// `Shown when “Did you get help from the council?” is Yes and “How many volunteers?” is more than 3`.
    pub fn describe(&self, pages: &[Page], language: &str) -> String {
        format!("Shown when {}", self.phrase(pages, language, false))
    }

    fn phrase(&self, pages: &[Page], language: &str, nested: bool) -> String {
        let q = |id: &Uuid| question(pages, *id);
        let label = |id: &Uuid| match q(id) {
            Some(q) => format!("“{}”", q.label.get(language).0),
            None => "(a question no longer in the survey)".to_string(),
        };
        let multiple = |id: &Uuid| matches!(q(id).map(|q| &q.kind), Some(QuestionKind::MultipleChoice { .. }));
        let value = |id: &Uuid, v: &str| value_words(q(id), v, language);
        match self {
            Condition::Equals { question, value: v } => {
                let verb = if multiple(question) { "includes" } else { "is" };
                format!("{} {verb} {}", label(question), value(question, v))
            }
            Condition::OneOf { question, values } => {
                let verb = if multiple(question) { "includes" } else { "is" };
                let words: Vec<String> = values.iter().map(|v| value(question, v)).collect();
                format!("{} {verb} {}", label(question), join_or(&words, "or"))
            }
            Condition::GreaterThan { question, value } => format!("{} is more than {value}", label(question)),
            Condition::LessThan { question, value } => format!("{} is less than {value}", label(question)),
            Condition::Answered { question } => format!("{} has been answered", label(question)),
            Condition::All { conditions } | Condition::Any { conditions } => {
                let joiner = if matches!(self, Condition::All { .. }) { " and " } else { " or " };
                let parts: Vec<String> = conditions.iter().map(|c| c.phrase(pages, language, true)).collect();
                let text = parts.join(joiner);
                if nested && parts.len() > 1 { format!("({text})") } else { text }
            }
            Condition::Not { condition } => match condition.as_ref() {
                Condition::Equals { question, value: v } => {
                    let verb = if multiple(question) { "does not include" } else { "is not" };
                    format!("{} {verb} {}", label(question), value(question, v))
                }
                Condition::OneOf { question, values } => {
                    let verb = if multiple(question) { "includes none of" } else { "is none of" };
                    let words: Vec<String> = values.iter().map(|v| value(question, v)).collect();
                    format!("{} {verb} {}", label(question), join_or(&words, "or"))
                }
                Condition::GreaterThan { question, value } => format!("{} is not more than {value}", label(question)),
                Condition::LessThan { question, value } => format!("{} is not less than {value}", label(question)),
                Condition::Answered { question } => format!("{} has not been answered", label(question)),
                other => format!("not ({})", other.phrase(pages, language, false)),
            },
        }
    }
}

fn join_or(words: &[String], word: &str) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} {word} {last}", rest.join(", ")),
    }
}

/// A value as the builder shows it: option labels quoted, Yes/No, numbers as typed.
fn value_words(q: Option<&Question>, value: &str, language: &str) -> String {
    match q.map(|q| &q.kind) {
        Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }) => {
            match options.iter().find(|o| o.value == value) {
                Some(o) => format!("“{}”", o.label.get(language).0),
                None => format!("“{value}”"),
            }
        }
        Some(QuestionKind::YesNo) => match value {
            "yes" => "Yes".to_string(),
            "no" => "No".to_string(),
            other => format!("“{other}”"),
        },
        Some(QuestionKind::Number { .. } | QuestionKind::Rating { .. }) => value.trim().to_string(),
        _ => format!("“{value}”"),
    }
}

fn matches_value(answer: &AnswerValue, value: &str) -> bool {
    match answer {
        AnswerValue::Choice(c) => c == value,
        AnswerValue::Choices(c) => c.iter().any(|c| c == value),
        AnswerValue::Bool(b) => yes_no(*b) == value,
        AnswerValue::Number(n) => value.trim().parse::<f64>().is_ok_and(|v| v == *n),
        AnswerValue::Text(t) => same_name(t, value),
        AnswerValue::Date(d) => d.to_string() == value.trim(),
        AnswerValue::Scale(_) => false,
    }
}

// ---------------------------------------------------------------------------
// Checking a whole set of pages (after every edit, and for backups)
// ---------------------------------------------------------------------------

/// Every rule about the pages of one survey version: ids, machine names, options,
/// scales, bounds and conditions. `before_edit`, when given, is used only to name a
/// question that an edit removed but a condition still refers to.
pub fn check_pages(pages: &[Page], before_edit: Option<&[Page]>) -> Result<(), ValidationError> {
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    let mut name = |n: &str| -> Result<(), ValidationError> {
        if !is_machine_name(n) {
            return Err(ValidationError::InvalidMachineName(n.to_string()));
        }
        if !names.insert(n.to_string()) {
            return Err(ValidationError::DuplicateMachineName(n.to_string()));
        }
        Ok(())
    };
    for page in pages {
        if !ids.insert(page.id) {
            return Err(ValidationError::DuplicateId(page.id));
        }
        for q in &page.questions {
            if !ids.insert(q.id) {
                return Err(ValidationError::DuplicateId(q.id));
            }
            if q.label.get(DEFAULT_LANGUAGE).0.trim().is_empty() {
                return Err(ValidationError::EmptyQuestionLabel);
            }
            name(&q.name)?;
            match &q.kind {
                QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                    let mut values = HashSet::new();
                    for o in options {
                        if !is_choice_value(&o.value) {
                            return Err(ValidationError::InvalidChoiceValue(o.value.clone()));
                        }
                        if !values.insert(o.value.as_str()) {
                            return Err(ValidationError::DuplicateChoiceValue {
                                question: en(&q.label),
                                value: o.value.clone(),
                            });
                        }
                        if o.label.get(DEFAULT_LANGUAGE).0.trim().is_empty() {
                            return Err(ValidationError::EmptyChoiceLabel);
                        }
                        if matches!(q.kind, QuestionKind::MultipleChoice { .. }) {
                            name(&choice_column(&q.name, &o.value))?;
                        }
                    }
                }
                QuestionKind::Likert { points, scale, items } => {
                    if *points != 5 && *points != 7 {
                        return Err(ValidationError::InvalidLikertPoints(*points));
                    }
                    if scale.len() != usize::from(*points) {
                        return Err(ValidationError::InvalidLikertPoints(*points));
                    }
                    for item in items {
                        if !ids.insert(item.id) {
                            return Err(ValidationError::DuplicateId(item.id));
                        }
                        if item.label.get(DEFAULT_LANGUAGE).0.trim().is_empty() {
                            return Err(ValidationError::EmptyLikertLabel);
                        }
                        name(&item.name)?;
                    }
                }
                QuestionKind::Rating { max } => {
                    if !(2..=10).contains(max) {
                        return Err(ValidationError::InvalidRatingMax(*max));
                    }
                }
                QuestionKind::Number { min, max, .. } => {
                    let finite = min.is_none_or(f64::is_finite) && max.is_none_or(f64::is_finite);
                    if !finite || matches!((min, max), (Some(a), Some(b)) if a > b) {
                        return Err(ValidationError::InvalidNumberBounds(en(&q.label)));
                    }
                }
                QuestionKind::ShortText { .. }
                | QuestionKind::LongText { .. }
                | QuestionKind::Date
                | QuestionKind::YesNo
                | QuestionKind::Info => {}
            }
        }
    }
    for page in pages {
        check_condition(page.condition.as_ref(), page.id, pages, before_edit)?;
        for q in &page.questions {
            check_condition(q.condition.as_ref(), q.id, pages, before_edit)?;
        }
    }
    Ok(())
}

fn check_condition(
    condition: Option<&Condition>,
    owner: Uuid,
    pages: &[Page],
    before_edit: Option<&[Page]>,
) -> Result<(), ValidationError> {
    let Some(condition) = condition else { return Ok(()) };
    match condition.validate(owner, pages) {
        Err(ValidationError::ConditionUnknownQuestion { owner: name }) => {
            // Name the question the edit removed, if that is what happened.
            let removed = before_edit.and_then(|old| {
                condition
                    .questions()
                    .into_iter()
                    .find(|id| question(pages, *id).is_none())
                    .and_then(|id| question(old, id))
            });
            Err(match removed {
                Some(q) => ValidationError::ConditionRemovedQuestion { owner: name, question: en(&q.label) },
                None => ValidationError::ConditionUnknownQuestion { owner: name },
            })
        }
        other => other,
    }
}

/// Applies an edit that changes pages to a working copy. `languages`: those offered.
fn apply_to_pages(pages: &mut Vec<Page>, languages: &[String], edit: SurveyEdit) -> Result<(), ValidationError> {
    let offered = |language: &str| -> Result<(), ValidationError> {
        if languages.iter().any(|l| l == language) {
            Ok(())
        } else {
            Err(ValidationError::LanguageNotOffered(language.to_string()))
        }
    };
    match edit {
        SurveyEdit::Name(_)
        | SurveyEdit::Description { .. }
        | SurveyEdit::AddLanguage(_)
        | SurveyEdit::RemoveLanguage(_) => {}
        SurveyEdit::AddPage { id } => {
            if id_in_use(pages, id) {
                return Err(ValidationError::DuplicateId(id));
            }
            pages.push(Page { id, title: Text::default(), condition: None, questions: Vec::new() });
        }
        SurveyEdit::PageTitle { id, language, text } => {
            offered(&language)?;
            set_text(&mut page_mut(pages, id)?.title, &language, &text, None)?;
        }
        SurveyEdit::PageCondition { id, condition } => page_mut(pages, id)?.condition = condition,
        SurveyEdit::MovePage { id, by } => {
            let from = pages.iter().position(|p| p.id == id).ok_or(ValidationError::UnknownSurveyPage(id))?;
            move_by(pages, from, by);
        }
        SurveyEdit::RemovePage(id) => {
            let at = pages.iter().position(|p| p.id == id).ok_or(ValidationError::UnknownSurveyPage(id))?;
            pages.remove(at);
        }
        SurveyEdit::AddQuestion { page, id, name, label, mut kind } => {
            if id_in_use(pages, id) {
                return Err(ValidationError::DuplicateId(id));
            }
            let label = label.trim();
            if label.is_empty() {
                return Err(ValidationError::EmptyQuestionLabel);
            }
            normalise_kind(&mut kind);
            page_mut(pages, page)?.questions.push(Question {
                id,
                name: name.trim().to_string(),
                label: Text::en(label),
                help: Text::default(),
                required: false,
                required_message: Text::default(),
                kind,
                condition: None,
            });
        }
        SurveyEdit::QuestionName { id, name } => question_mut(pages, id)?.name = name.trim().to_string(),
        SurveyEdit::QuestionLabel { id, language, text } => {
            offered(&language)?;
            set_text(&mut question_mut(pages, id)?.label, &language, &text, Some(ValidationError::EmptyQuestionLabel))?;
        }
        SurveyEdit::QuestionHelp { id, language, text } => {
            offered(&language)?;
            set_text(&mut question_mut(pages, id)?.help, &language, &text, None)?;
        }
        SurveyEdit::RequiredMessage { id, language, text } => {
            offered(&language)?;
            set_text(&mut question_mut(pages, id)?.required_message, &language, &text, None)?;
        }
        SurveyEdit::Required { id, required } => question_mut(pages, id)?.required = required,
        SurveyEdit::QuestionKind { id, mut kind } => {
            normalise_kind(&mut kind);
            question_mut(pages, id)?.kind = kind;
        }
        SurveyEdit::QuestionCondition { id, condition } => question_mut(pages, id)?.condition = condition,
        SurveyEdit::MoveQuestion { id, by } => {
            let (p, q) = find_question(pages, id).ok_or(ValidationError::UnknownSurveyQuestion(id))?;
            if let Some(page) = pages.get_mut(p) {
                move_by(&mut page.questions, q, by);
            }
        }
        SurveyEdit::MoveQuestionTo { id, page, position } => {
            if !pages.iter().any(|p| p.id == page) {
                return Err(ValidationError::UnknownSurveyPage(page));
            }
            let (p, q) = find_question(pages, id).ok_or(ValidationError::UnknownSurveyQuestion(id))?;
            let Some(moved) = pages.get_mut(p).map(|page| page.questions.remove(q)) else {
                return Err(ValidationError::UnknownSurveyQuestion(id));
            };
            let target = page_mut(pages, page)?;
            let at = position.min(target.questions.len());
            target.questions.insert(at, moved);
        }
        SurveyEdit::RemoveQuestion(id) => {
            let (p, q) = find_question(pages, id).ok_or(ValidationError::UnknownSurveyQuestion(id))?;
            if let Some(page) = pages.get_mut(p) {
                page.questions.remove(q);
            }
        }
        SurveyEdit::AddChoice { question, value, label } => {
            let value = value.trim().to_string();
            let label = label.trim();
            if label.is_empty() {
                return Err(ValidationError::EmptyChoiceLabel);
            }
            let q = question_mut(pages, question)?;
            let q_label = en(&q.label);
            let options = options_mut(q)?;
            if options.iter().any(|o| o.value == value) {
                return Err(ValidationError::DuplicateChoiceValue { question: q_label, value });
            }
            options.push(Choice { value, label: Text::en(label) });
        }
        SurveyEdit::ChoiceLabel { question, value, language, text } => {
            offered(&language)?;
            let q = question_mut(pages, question)?;
            let q_label = en(&q.label);
            let choice = options_mut(q)?
                .iter_mut()
                .find(|o| o.value == value)
                .ok_or(ValidationError::UnknownChoice { question: q_label, value })?;
            set_text(&mut choice.label, &language, &text, Some(ValidationError::EmptyChoiceLabel))?;
        }
        SurveyEdit::RemoveChoice { question, value } => {
            let q = question_mut(pages, question)?;
            let q_label = en(&q.label);
            let options = options_mut(q)?;
            let at = options
                .iter()
                .position(|o| o.value == value)
                .ok_or(ValidationError::UnknownChoice { question: q_label, value })?;
            options.remove(at);
        }
        SurveyEdit::MoveChoice { question, value, by } => {
            let q = question_mut(pages, question)?;
            let q_label = en(&q.label);
            let options = options_mut(q)?;
            let at = options
                .iter()
                .position(|o| o.value == value)
                .ok_or(ValidationError::UnknownChoice { question: q_label, value })?;
            move_by(options, at, by);
        }
        SurveyEdit::AddLikertItem { question, id, name, label } => {
            if id_in_use(pages, id) {
                return Err(ValidationError::DuplicateId(id));
            }
            let label = label.trim();
            if label.is_empty() {
                return Err(ValidationError::EmptyLikertLabel);
            }
            match &mut question_mut(pages, question)?.kind {
                QuestionKind::Likert { items, .. } => {
                    items.push(LikertItem { id, name: name.trim().to_string(), label: Text::en(label) });
                }
                _ => return Err(ValidationError::UnknownSurveyQuestion(question)),
            }
        }
        SurveyEdit::LikertItemName { id, name } => likert_item_mut(pages, id)?.name = name.trim().to_string(),
        SurveyEdit::LikertItemLabel { id, language, text } => {
            offered(&language)?;
            set_text(
                &mut likert_item_mut(pages, id)?.label,
                &language,
                &text,
                Some(ValidationError::EmptyLikertLabel),
            )?;
        }
        SurveyEdit::RemoveLikertItem(id) => {
            likert_item_mut(pages, id)?;
            for q in pages.iter_mut().flat_map(|p| p.questions.iter_mut()) {
                if let QuestionKind::Likert { items, .. } = &mut q.kind {
                    items.retain(|i| i.id != id);
                }
            }
        }
        SurveyEdit::ScaleLabel { question, point, language, text } => {
            offered(&language)?;
            match &mut question_mut(pages, question)?.kind {
                QuestionKind::Likert { points, scale, .. } => {
                    let points = *points;
                    let label = usize::from(point)
                        .checked_sub(1)
                        .and_then(|at| scale.get_mut(at))
                        .ok_or(ValidationError::UnknownScalePoint { point, points })?;
                    set_text(label, &language, &text, None)?;
                }
                _ => return Err(ValidationError::UnknownSurveyQuestion(question)),
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// Whether a value has the shape a question's kind stores (not whether it is valid).
pub fn answer_fits(kind: &QuestionKind, value: &AnswerValue) -> bool {
    matches!(
        (kind, value),
        (QuestionKind::SingleChoice { .. }, AnswerValue::Choice(_))
            | (QuestionKind::MultipleChoice { .. }, AnswerValue::Choices(_))
            | (QuestionKind::Likert { .. }, AnswerValue::Scale(_))
            | (QuestionKind::Rating { .. } | QuestionKind::Number { .. }, AnswerValue::Number(_))
            | (QuestionKind::ShortText { .. } | QuestionKind::LongText { .. }, AnswerValue::Text(_))
            | (QuestionKind::Date, AnswerValue::Date(_))
            | (QuestionKind::YesNo, AnswerValue::Bool(_))
    )
}

/// Checks one answer (None: unanswered; blank text, no choices or no Likert points
/// count as unanswered) against its question: required, number bounds and whole
/// numbers, text length in characters, choice values among the options, Likert points
/// within the scale (and every statement answered when required), ratings 1..=max,
/// yes/no as a boolean. Information text takes no answer.
pub fn validate_answer(question: &Question, answer: Option<&AnswerValue>) -> Result<(), AnswerProblem> {
    if matches!(question.kind, QuestionKind::Info) {
        return if answer.is_some() { Err(AnswerProblem::NotAnswerable) } else { Ok(()) };
    }
    let Some(answer) = answer.filter(|a| !is_empty_answer(a)) else {
        return if question.required {
            Err(AnswerProblem::Required(question.required_message.clone()))
        } else {
            Ok(())
        };
    };
    if !answer_fits(&question.kind, answer) {
        return Err(AnswerProblem::WrongShape);
    }
    match (&question.kind, answer) {
        (QuestionKind::SingleChoice { options }, AnswerValue::Choice(c)) if !options.iter().any(|o| &o.value == c) => {
            return Err(AnswerProblem::NotAnOption(c.clone()));
        }
        (QuestionKind::MultipleChoice { options }, AnswerValue::Choices(cs)) => {
            if let Some(c) = cs.iter().find(|c| !options.iter().any(|o| &o.value == *c)) {
                return Err(AnswerProblem::NotAnOption(c.clone()));
            }
        }
        (QuestionKind::Likert { points, items, .. }, AnswerValue::Scale(scale)) => {
            let known = scale.keys().all(|k| items.iter().any(|i| i.id == *k));
            if !known || scale.values().any(|p| *p < 1 || p > points) {
                return Err(AnswerProblem::OutOfScale { points: *points });
            }
            let missing = items.iter().filter(|i| !scale.contains_key(&i.id)).count();
            if question.required && missing > 0 {
                return Err(AnswerProblem::Incomplete { missing });
            }
        }
        (QuestionKind::Rating { max }, AnswerValue::Number(n))
            if !n.is_finite() || n.fract() != 0.0 || *n < 1.0 || *n > f64::from(*max) =>
        {
            return Err(AnswerProblem::OutOfRange { max: *max });
        }
        (QuestionKind::Number { min, max, integer }, AnswerValue::Number(n)) => {
            if !n.is_finite() {
                return Err(AnswerProblem::NotANumber);
            }
            if *integer && n.fract() != 0.0 {
                return Err(AnswerProblem::NotWhole);
            }
            if let Some(min) = min.filter(|m| n < m) {
                return Err(AnswerProblem::TooSmall(min));
            }
            if let Some(max) = max.filter(|m| n > m) {
                return Err(AnswerProblem::TooLarge(max));
            }
        }
        (
            QuestionKind::ShortText { max_length: Some(max) } | QuestionKind::LongText { max_length: Some(max) },
            AnswerValue::Text(t),
        ) => {
            let length = t.trim().chars().count();
            if u32::try_from(length).map_or(true, |l| l > *max) {
                return Err(AnswerProblem::TooLong { length, max: *max });
            }
        }
        _ => {}
    }
    Ok(())
}

/// An answer in a few words, for correction records and review screens.
pub fn answer_words(question: Option<&Question>, answer: Option<&AnswerValue>) -> String {
    let Some(answer) = answer else { return "(no answer)".to_string() };
    let option = |v: &str| -> String {
        question
            .and_then(|q| options(&q.kind))
            .and_then(|os| os.iter().find(|o| o.value == v))
            .map_or_else(|| v.to_string(), |o| en(&o.label))
    };
    match answer {
        AnswerValue::Text(t) => format!("“{}”", t.trim()),
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Choice(c) => option(c),
        AnswerValue::Choices(cs) => cs.iter().map(|c| option(c)).collect::<Vec<_>>().join(", "),
        AnswerValue::Date(d) => d.to_string(),
        AnswerValue::Bool(b) => if *b { "Yes" } else { "No" }.to_string(),
        // Statements and points in words ("Staff listen to me: Agree (4)"), not codes.
        AnswerValue::Scale(s) => {
            let (items, scale) = match question.map(|q| &q.kind) {
                Some(QuestionKind::Likert { items, scale, .. }) => (items.as_slice(), scale.as_slice()),
                _ => (&[][..], &[][..]),
            };
            let item = |id: &Uuid| {
                items.iter().find(|i| i.id == *id).map_or_else(|| "(a removed statement)".into(), |i| en(&i.label))
            };
            let point = |p: u8| {
                let label = usize::from(p).checked_sub(1).and_then(|i| scale.get(i)).map(en).unwrap_or_default();
                if label.trim().is_empty() { p.to_string() } else { format!("{} ({p})", label.trim()) }
            };
            s.iter().map(|(id, p)| format!("{}: {}", item(id), point(*p))).collect::<Vec<_>>().join("; ")
        }
    }
}

/// Tidies a value before storing it: trims nothing of text (kept as typed), drops
/// repeated choices; an empty answer becomes None (cleared).
fn normalise_answer(value: Option<AnswerValue>) -> Option<AnswerValue> {
    match value {
        Some(AnswerValue::Choices(cs)) => {
            let mut seen = HashSet::new();
            let cs: Vec<String> = cs.into_iter().filter(|c| seen.insert(c.clone())).collect();
            Some(AnswerValue::Choices(cs))
        }
        other => other,
    }
    .filter(|a| !is_empty_answer(a))
}

// ---------------------------------------------------------------------------
// Visibility and page flow
// ---------------------------------------------------------------------------

/// Pages and questions shown for these answers. Conditions are evaluated in order,
/// against answers to questions already found to be shown.
fn visibility(pages: &[Page], answers: &BTreeMap<Uuid, AnswerValue>) -> (Vec<usize>, BTreeSet<Uuid>) {
    let mut seen = BTreeMap::new();
    let mut shown_pages = Vec::new();
    let mut shown = BTreeSet::new();
    for (at, page) in pages.iter().enumerate() {
        if !page.condition.as_ref().is_none_or(|c| c.evaluate(&seen)) {
            continue;
        }
        shown_pages.push(at);
        for q in &page.questions {
            if q.condition.as_ref().is_none_or(|c| c.evaluate(&seen)) {
                shown.insert(q.id);
                if let Some(a) = answers.get(&q.id) {
                    seen.insert(q.id, a.clone());
                }
            }
        }
    }
    (shown_pages, shown)
}

/// Indexes (into `pages`) of the pages shown for these answers, in order.
pub fn visible_pages(pages: &[Page], answers: &BTreeMap<Uuid, AnswerValue>) -> Vec<usize> {
    visibility(pages, answers).0
}

/// Ids of the questions shown for these answers (on shown pages, with their own
/// condition holding).
pub fn visible_questions(pages: &[Page], answers: &BTreeMap<Uuid, AnswerValue>) -> BTreeSet<Uuid> {
    visibility(pages, answers).1
}

/// Problems with the shown questions of one page, as (question id, message in
/// `language`), in page order. Empty when the page may be left.
pub fn page_problems(
    pages: &[Page],
    page: usize,
    answers: &BTreeMap<Uuid, AnswerValue>,
    language: &str,
) -> Vec<(Uuid, String)> {
    let (shown_pages, shown) = visibility(pages, answers);
    if !shown_pages.contains(&page) {
        return Vec::new();
    }
    pages
        .get(page)
        .map(|p| {
            p.questions
                .iter()
                .filter(|q| shown.contains(&q.id))
                .filter_map(|q| validate_answer(q, answers.get(&q.id)).err().map(|e| (q.id, e.message(language))))
                .collect()
        })
        .unwrap_or_default()
}

impl Survey {
    /// The pages of one version, current or earlier; None for a version never stored.
    pub fn pages_for(&self, version: u32) -> Option<&[Page]> {
        if version == self.version {
            return Some(&self.pages);
        }
        self.history.iter().find(|v| v.version == version).map(|v| v.pages.as_slice())
    }

    /// The name the survey had in one version, current or earlier.
    pub fn name_for(&self, version: u32) -> Option<&str> {
        if version == self.version {
            return Some(&self.name);
        }
        self.history.iter().find(|v| v.version == version).map(|v| v.name.as_str())
    }

    /// Every stored version number, oldest first.
    pub fn version_numbers(&self) -> Vec<u32> {
        let mut numbers: Vec<u32> = self.history.iter().map(|v| v.version).collect();
        numbers.push(self.version);
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// A question of the current version.
    pub fn question(&self, id: Uuid) -> Option<&Question> {
        question(&self.pages, id)
    }
}

// ---------------------------------------------------------------------------
// StudyData operations
// ---------------------------------------------------------------------------

impl StudyData {
    pub fn survey(&self, id: Uuid) -> Option<&Survey> {
        self.surveys.iter().find(|s| s.id == id)
    }

    pub fn response(&self, id: Uuid) -> Option<&Response> {
        self.responses.iter().find(|r| r.id == id)
    }

    /// Responses to any version of a survey.
    pub fn responses_to(&self, survey: Uuid) -> impl Iterator<Item = &Response> {
        self.responses.iter().filter(move |r| r.survey_id == survey)
    }

    /// Whether any response records this version; editing it then starts a new one.
    pub fn survey_version_in_use(&self, id: Uuid, version: u32) -> bool {
        self.responses_to(id).any(|r| r.survey_version == version)
    }

    /// The pages a response was given with (its own survey version).
    pub fn response_pages(&self, response: &Response) -> Option<&[Page]> {
        self.survey(response.survey_id).and_then(|s| s.pages_for(response.survey_version))
    }

    fn check_survey_name(&self, own: Option<Uuid>, name: &str) -> Result<String, ValidationError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ValidationError::EmptySurveyName);
        }
        if self.surveys.iter().any(|s| Some(s.id) != own && same_name(&s.name, name)) {
            return Err(ValidationError::DuplicateSurveyName(name.to_string()));
        }
        Ok(name.to_string())
    }

    fn free_survey_name(&self, base: &str) -> String {
        let taken = |name: &str| self.surveys.iter().any(|s| same_name(&s.name, name));
        if !taken(base) {
            return base.to_string();
        }
        (2..).map(|n| format!("{base} ({n})")).find(|name| !taken(name)).unwrap_or_else(|| base.to_string())
    }

    /// A new, empty survey at version 1, offered in English.
    pub fn add_survey(&mut self, name: &str, now: Timestamp) -> Result<Uuid, ValidationError> {
        let name = self.check_survey_name(None, name)?;
        let id = Uuid::new_v4();
        self.surveys.push(Survey {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            name,
            description: Text::default(),
            languages: vec![DEFAULT_LANGUAGE.to_string()],
            version: 1,
            pages: Vec::new(),
            history: Vec::new(),
            template: None,
        });
        Ok(id)
    }

    /// Copies a built-in survey (see [`SURVEY_TEMPLATES`]) into the study as version 1
    /// with fresh ids, offered in English and Welsh. The name gets " (2)"… if taken.
    pub fn add_survey_from_template(&mut self, key: &str, now: Timestamp) -> Result<Uuid, ValidationError> {
        let info = SURVEY_TEMPLATES
            .iter()
            .find(|t| t.key == key)
            .ok_or_else(|| ValidationError::UnknownSurveyTemplate(key.to_string()))?;
        let pages = stakeholder_pages();
        check_pages(&pages, None)?;
        check_reserved_names(&pages, &[])?;
        let id = Uuid::new_v4();
        self.surveys.push(Survey {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            name: self.free_survey_name(info.name),
            description: Text::en(info.summary).with(WELSH, info.summary_cy),
            languages: vec![DEFAULT_LANGUAGE.to_string(), WELSH.to_string()],
            version: 1,
            pages,
            history: Vec::new(),
            template: Some(info.key.to_string()),
        });
        Ok(id)
    }

    /// Applies one edit. A rejected edit changes nothing; an edit that changes nothing
    /// neither starts a version nor stamps the modified time. Every edit to pages is
    /// checked as a whole afterwards (machine names, options, scales, and every
    /// condition: an edit that would leave a condition pointing at a missing or later
    /// question is refused, naming it). The first real change to the pages of a
    /// version that a response has used keeps that version in `history` and bumps
    /// `version`. Name, description and languages never start a version.
    pub fn edit_survey(&mut self, id: Uuid, edit: SurveyEdit, now: Timestamp) -> Result<ObjectRef, ValidationError> {
        let new_name = match &edit {
            SurveyEdit::Name(name) => Some(self.check_survey_name(Some(id), name)?),
            _ => None,
        };
        let version = self.survey(id).ok_or(ValidationError::UnknownSurvey(id))?.version;
        let in_use = self.survey_version_in_use(id, version);
        let Some(survey) = self.surveys.iter_mut().find(|s| s.id == id) else {
            return Err(ValidationError::UnknownSurvey(id));
        };
        let before = (survey.name.clone(), survey.description.clone(), survey.languages.clone());
        match edit {
            SurveyEdit::Name(_) => {
                if let Some(name) = new_name {
                    survey.name = name;
                }
            }
            SurveyEdit::Description { language, text } => {
                if !survey.languages.contains(&language) {
                    return Err(ValidationError::LanguageNotOffered(language));
                }
                set_text(&mut survey.description, &language, &text, None)?;
            }
            SurveyEdit::AddLanguage(code) => {
                let code = check_language(&code)?;
                if !survey.languages.contains(&code) {
                    survey.languages.push(code);
                }
            }
            SurveyEdit::RemoveLanguage(code) => {
                if code == DEFAULT_LANGUAGE {
                    return Err(ValidationError::DefaultLanguageRequired);
                }
                survey.languages.retain(|l| *l != code);
            }
            edit => {
                let mut pages = survey.pages.clone();
                apply_to_pages(&mut pages, &survey.languages, edit)?;
                if pages == survey.pages {
                    return Ok(ObjectRef::Survey(id));
                }
                check_pages(&pages, Some(&survey.pages))?;
                check_reserved_names(&pages, &survey.pages)?;
                if in_use {
                    let old_pages = std::mem::replace(&mut survey.pages, pages);
                    survey.history.push(SurveyVersion {
                        version: survey.version,
                        superseded: now,
                        name: survey.name.clone(),
                        pages: old_pages,
                    });
                    let highest = survey.history.iter().map(|v| v.version).max().unwrap_or(0).max(survey.version);
                    survey.version = highest.saturating_add(1);
                } else {
                    survey.pages = pages;
                }
                survey.modified = now;
                return Ok(ObjectRef::Survey(id));
            }
        }
        if (survey.name.clone(), survey.description.clone(), survey.languages.clone()) != before {
            survey.modified = now;
        }
        Ok(ObjectRef::Survey(id))
    }

    /// Deletes a survey with all its versions. Refused while any response uses it.
    pub fn delete_survey(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        let survey = self.survey(id).ok_or(ValidationError::UnknownSurvey(id))?;
        let responses = self.responses_to(id).count();
        if responses > 0 {
            return Err(ValidationError::SurveyInUse { name: survey.name.clone(), responses });
        }
        self.surveys.retain(|s| s.id != id);
        Ok(vec![ObjectRef::Survey(id)])
    }

    /// Starts a response to the survey's current version at a case, by a participant
    /// of that case (who has not withdrawn consent) or anonymously (`None`), in one of
    /// the languages offered. The response opens on the first shown page.
    pub fn start_response(
        &mut self,
        survey: Uuid,
        case: Uuid,
        participant: Option<Uuid>,
        language: &str,
        now: Timestamp,
    ) -> Result<Uuid, ValidationError> {
        let s = self.survey(survey).ok_or(ValidationError::UnknownSurvey(survey))?;
        if self.case(case).is_none() {
            return Err(ValidationError::UnknownCase(case));
        }
        if let Some(pid) = participant {
            let p = self.participant(pid).ok_or(ValidationError::UnknownParticipant(pid))?;
            if p.case_id != Some(case) {
                return Err(ValidationError::ParticipantElsewhere(p.pseudonym.clone()));
            }
            if p.consent.withdrawn {
                return Err(ValidationError::SurveyConsentWithdrawn(p.pseudonym.clone()));
            }
        }
        if !s.languages.iter().any(|l| l == language) {
            return Err(ValidationError::LanguageNotOffered(language.to_string()));
        }
        if all_questions(&s.pages).next().is_none() {
            return Err(ValidationError::EmptySurvey);
        }
        let first = visible_pages(&s.pages, &BTreeMap::new()).first().copied().unwrap_or(0);
        let version = s.version;
        let id = Uuid::new_v4();
        self.responses.push(Response {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            survey_id: survey,
            survey_version: version,
            case_id: case,
            participant_id: participant,
            language: language.to_string(),
            answers: BTreeMap::new(),
            status: ResponseStatus::InProgress,
            page: first,
            started: now,
            completed: None,
            corrections: Vec::new(),
        });
        Ok(id)
    }

    /// Pages of a response's version, cloned so the response can then be changed.
    fn pages_of_response(&self, id: Uuid) -> Result<(Vec<Page>, &Response), ValidationError> {
        let r = self.response(id).ok_or(ValidationError::UnknownResponse(id))?;
        let pages = self
            .response_pages(r)
            .ok_or(ValidationError::UnknownSurveyVersion { survey: r.survey_id, version: r.survey_version })?;
        Ok((pages.to_vec(), r))
    }

    fn response_mut(&mut self, id: Uuid) -> Result<&mut Response, ValidationError> {
        self.responses.iter_mut().find(|r| r.id == id).ok_or(ValidationError::UnknownResponse(id))
    }

    /// Stores (Some) or clears (None, or a blank value) the answer to one question of
    /// an in-progress response. Only the shape is checked here (it must fit the
    /// question's kind); whether the answer is acceptable is shown with
    /// [`page_problems`] and enforced by [`StudyData::go_next`] and completion.
    pub fn answer(
        &mut self,
        response: Uuid,
        question_id: Uuid,
        value: Option<AnswerValue>,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        let (pages, r) = self.pages_of_response(response)?;
        if r.status == ResponseStatus::Complete {
            return Err(ValidationError::ResponseComplete);
        }
        let old_text = answer_text(r.answers.get(&question_id));
        let q = question(&pages, question_id).ok_or(ValidationError::UnknownSurveyQuestion(question_id))?;
        let value = check_value_shape(q, value)?;
        let r = self.response_mut(response)?;
        let changed = match value {
            Some(v) => r.answers.insert(question_id, v.clone()).as_ref() != Some(&v),
            None => r.answers.remove(&question_id).is_some(),
        };
        if changed {
            r.modified = now;
        }
        let mut refs = vec![ObjectRef::Response(response)];
        if changed {
            refs.extend(self.follow_answer(response, question_id, old_text, now));
        }
        Ok(refs)
    }

    /// Keeps coded segments on an answer's words after it changed (or marks them lost
    /// when the answer is gone).
    fn follow_answer(
        &mut self,
        response: Uuid,
        question: Uuid,
        old_text: Option<String>,
        now: Timestamp,
    ) -> Vec<ObjectRef> {
        let source = SourceRef::SurveyAnswer { response, question };
        match (old_text, self.source_text(&source).is_some()) {
            (Some(old), true) => self.reanchor_source(&source, &old, now),
            (_, false) => self.lose_source(&source, now),
            (None, true) => Vec::new(),
        }
    }

    /// Where a response is, among the pages shown for its answers.
    pub fn response_progress(&self, response: Uuid) -> Option<Progress> {
        let r = self.response(response)?;
        let pages = self.response_pages(r)?;
        let shown = visible_pages(pages, &r.answers);
        let position = shown.iter().filter(|p| **p <= r.page).count().max(1);
        Some(Progress { page: position, of: shown.len(), last: !shown.iter().any(|p| *p > r.page) })
    }

    /// Moves to the next shown page if the shown questions of the current page are
    /// acceptable; otherwise returns the problems as (question id, message in the
    /// response's language) and stays. On the last shown page it stays and succeeds
    /// (offer "Finish", i.e. [`StudyData::complete_response`]). A structural problem
    /// (unknown or complete response) comes back as one entry keyed by the response id.
    pub fn go_next(&mut self, response: Uuid, now: Timestamp) -> Result<ObjectRef, Vec<(Uuid, String)>> {
        let as_list = |e: ValidationError| vec![(response, e.to_string())];
        let (pages, r) = self.pages_of_response(response).map_err(as_list)?;
        if r.status == ResponseStatus::Complete {
            return Err(as_list(ValidationError::ResponseComplete));
        }
        let problems = page_problems(&pages, r.page, &r.answers, &r.language);
        if !problems.is_empty() {
            return Err(problems);
        }
        let next = visible_pages(&pages, &r.answers).into_iter().find(|p| *p > r.page);
        if let Some(next) = next {
            let r = self.response_mut(response).map_err(as_list)?;
            r.page = next;
            r.modified = now;
        }
        Ok(ObjectRef::Response(response))
    }

    /// Moves to the previous shown page (no checks: going back never loses answers).
    /// On the first shown page it stays.
    pub fn go_back(&mut self, response: Uuid, now: Timestamp) -> Result<ObjectRef, ValidationError> {
        let (pages, r) = self.pages_of_response(response)?;
        if r.status == ResponseStatus::Complete {
            return Err(ValidationError::ResponseComplete);
        }
        let previous = visible_pages(&pages, &r.answers).into_iter().rev().find(|p| *p < r.page);
        if let Some(previous) = previous {
            let r = self.response_mut(response)?;
            r.page = previous;
            r.modified = now;
        }
        Ok(ObjectRef::Response(response))
    }

    /// Completes a response when every shown page is acceptable (else returns all the
    /// problems, page by page, and changes nothing). **Answers to questions hidden at
    /// this moment are removed**, so exports never hold answers to questions the
    /// respondent was not shown.
    /// Coded segments on removed text answers are marked lost (and returned after the response).
    pub fn complete_response(&mut self, response: Uuid, now: Timestamp) -> Result<Vec<ObjectRef>, Vec<(Uuid, String)>> {
        let as_list = |e: ValidationError| vec![(response, e.to_string())];
        let (pages, r) = self.pages_of_response(response).map_err(as_list)?;
        if r.status == ResponseStatus::Complete {
            return Err(as_list(ValidationError::ResponseComplete));
        }
        let (shown_pages, shown) = visibility(&pages, &r.answers);
        let problems: Vec<(Uuid, String)> =
            shown_pages.iter().flat_map(|p| page_problems(&pages, *p, &r.answers, &r.language)).collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let r = self.response_mut(response).map_err(as_list)?;
        let hidden: Vec<Uuid> = r.answers.keys().filter(|q| !shown.contains(*q)).copied().collect();
        r.answers.retain(|q, _| shown.contains(q));
        r.status = ResponseStatus::Complete;
        r.completed = Some(now);
        r.modified = now;
        let mut refs = vec![ObjectRef::Response(response)];
        for question in hidden {
            refs.extend(self.lose_source(&SourceRef::SurveyAnswer { response, question }, now));
        }
        Ok(refs)
    }

    /// Changes one answer of a complete response, recording who, when and what. The new
    /// value must be acceptable and the question shown; if the change hides other
    /// questions, their answers are removed too and the record says so. Setting the
    /// same value again records nothing.
    pub fn correct_response(
        &mut self,
        response: Uuid,
        question_id: Uuid,
        value: Option<AnswerValue>,
        by: &str,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        let by = by.trim();
        if by.is_empty() {
            return Err(ValidationError::EmptyCorrector);
        }
        let (pages, r) = self.pages_of_response(response)?;
        if r.status != ResponseStatus::Complete {
            return Err(ValidationError::ResponseNotComplete);
        }
        let q = question(&pages, question_id).ok_or(ValidationError::UnknownSurveyQuestion(question_id))?;
        let value = check_value_shape(q, value)?;
        validate_answer(q, value.as_ref())
            .map_err(|p| ValidationError::InvalidAnswer { question: en(&q.label), problem: p.to_string() })?;
        let old = r.answers.get(&question_id).cloned();
        if old == value {
            return Ok(vec![ObjectRef::Response(response)]);
        }
        let old_texts: Vec<(Uuid, Option<String>)> =
            r.answers.iter().map(|(q, v)| (*q, answer_text(Some(v)))).collect();
        let mut answers = r.answers.clone();
        match &value {
            Some(v) => answers.insert(question_id, v.clone()),
            None => answers.remove(&question_id),
        };
        let shown = visible_questions(&pages, &answers);
        if !shown.contains(&question_id) {
            return Err(ValidationError::QuestionHidden(en(&q.label)));
        }
        let hidden: Vec<String> = all_questions(&pages)
            .filter(|q| answers.contains_key(&q.id) && !shown.contains(&q.id))
            .map(|q| q.name.clone())
            .collect();
        answers.retain(|k, _| shown.contains(k));
        let mut what =
            format!("{}: {} → {}", q.name, answer_words(Some(q), old.as_ref()), answer_words(Some(q), value.as_ref()));
        if !hidden.is_empty() {
            what.push_str(&format!("; removed answers no longer shown: {}", hidden.join(", ")));
        }
        let r = self.response_mut(response)?;
        r.answers = answers;
        r.corrections.push(ResponseCorrection { at: now, by: by.to_string(), what });
        r.modified = now;
        let mut refs = vec![ObjectRef::Response(response)];
        for (q, old_text) in old_texts {
            if q == question_id || self.response(response).is_some_and(|r| !r.answers.contains_key(&q)) {
                refs.extend(self.follow_answer(response, q, old_text, now));
            }
        }
        Ok(refs)
    }

    /// Checks the surveys and responses of a study as read from a backup: ids unique
    /// (also against the study's other objects), names, languages, every stored
    /// version's pages (see [`check_pages`]), and that every response points at an
    /// existing survey and stored version, case and participant.
    pub fn validate_surveys(&self) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let mut ids: HashSet<Uuid> = [self.study.id]
            .into_iter()
            .chain(self.cases.iter().map(|c| c.id))
            .chain(self.participants.iter().map(|p| p.id))
            .chain(self.protocols.iter().map(|p| p.id))
            .chain(self.interviews.iter().map(|i| i.id))
            .chain(self.documents.iter().map(|d| d.id))
            .chain(self.accounts.iter().map(|a| a.id))
            .collect();
        let mut names = HashSet::new();
        for s in &self.surveys {
            if !ids.insert(s.id) {
                errors.push(ValidationError::DuplicateId(s.id));
            }
            if s.study_id != self.study.id {
                errors.push(ValidationError::WrongStudy { kind: "Survey", id: s.id });
            }
            if s.name.trim().is_empty() {
                errors.push(ValidationError::EmptySurveyName);
            } else if !names.insert(s.name.trim().to_lowercase()) {
                errors.push(ValidationError::DuplicateSurveyName(s.name.clone()));
            }
            if !s.languages.iter().any(|l| l == DEFAULT_LANGUAGE) {
                errors.push(ValidationError::DefaultLanguageRequired);
            }
            let mut versions = HashSet::new();
            for v in s.history.iter().map(|v| v.version).chain([s.version]) {
                if !versions.insert(v) {
                    errors.push(ValidationError::DuplicateId(s.id));
                }
            }
            for pages in s.history.iter().map(|v| v.pages.as_slice()).chain([s.pages.as_slice()]) {
                if let Err(e) = check_pages(pages, None) {
                    errors.push(e);
                }
            }
        }
        for r in &self.responses {
            if !ids.insert(r.id) {
                errors.push(ValidationError::DuplicateId(r.id));
            }
            if r.study_id != self.study.id {
                errors.push(ValidationError::WrongStudy { kind: "Response", id: r.id });
            }
            match self.survey(r.survey_id) {
                None => errors.push(ValidationError::UnknownSurvey(r.survey_id)),
                Some(s) if s.pages_for(r.survey_version).is_none() => {
                    errors.push(ValidationError::UnknownSurveyVersion { survey: s.id, version: r.survey_version });
                }
                Some(_) => {}
            }
            if self.case(r.case_id).is_none() {
                errors.push(ValidationError::UnknownCase(r.case_id));
            }
            if let Some(p) = r.participant_id.filter(|p| self.participant(*p).is_none()) {
                errors.push(ValidationError::UnknownParticipant(p));
            }
        }
        errors
    }
}

/// The text of a text answer, for keeping coded segments on it.
fn answer_text(value: Option<&AnswerValue>) -> Option<String> {
    match value {
        Some(AnswerValue::Text(t)) => Some(t.clone()),
        _ => None,
    }
}

fn check_value_shape(q: &Question, value: Option<AnswerValue>) -> Result<Option<AnswerValue>, ValidationError> {
    let value = normalise_answer(value);
    if let Some(v) = &value {
        if !answer_fits(&q.kind, v) {
            return Err(ValidationError::AnswerShape(en(&q.label)));
        }
        if let AnswerValue::Text(t) = v
            && t.len() > MAX_FIELD_BYTES
        {
            return Err(ValidationError::TextTooLong { bytes: t.len(), limit: MAX_FIELD_BYTES });
        }
    }
    Ok(value)
}

// ---------------------------------------------------------------------------
// Built-in template
// ---------------------------------------------------------------------------

/// A built-in survey a study can start from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SurveyTemplateInfo {
    /// Stable key, stored in [`Survey::template`].
    pub key: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub summary_cy: &'static str,
}

pub const SURVEY_TEMPLATES: [SurveyTemplateInfo; 1] = [SurveyTemplateInfo {
    key: "stakeholder",
    name: "Stakeholder survey",
    summary: "A short questionnaire for everyone with a stake in the service: how it has been for them, \
              what has got in the way, help from local organisations other than money, and who leads the \
              work locally. Statements to rate and space to explain, in English and Welsh.",
    summary_cy: "Holiadur byr i bawb sydd â rhan yn y gwasanaeth: sut brofiad y bu iddyn nhw, beth sydd \
                 wedi bod yn rhwystr, help gan sefydliadau lleol heblaw arian, a phwy sy'n arwain y gwaith \
                 yn lleol. Datganiadau i'w graddio a lle i esbonio, yn Saesneg ac yn Gymraeg.",
}];

fn t(en: &str, cy: &str) -> Text {
    Text::en(en).with(WELSH, cy)
}

fn q(name: &str, label: Text, kind: QuestionKind) -> Question {
    Question {
        id: Uuid::new_v4(),
        name: name.to_string(),
        label,
        help: Text::default(),
        required: false,
        required_message: Text::default(),
        kind,
        condition: None,
    }
}

fn choices(list: &[(&str, &str, &str)]) -> Vec<Choice> {
    list.iter().map(|(value, e, c)| Choice { value: (*value).to_string(), label: t(e, c) }).collect()
}

fn likert(items: &[(&str, &str, &str)]) -> QuestionKind {
    QuestionKind::Likert {
        points: 5,
        scale: agreement_scale(5),
        items: items
            .iter()
            .map(|(name, e, c)| LikertItem { id: Uuid::new_v4(), name: (*name).to_string(), label: t(e, c) })
            .collect(),
    }
}

fn page(title: Text, questions: Vec<Question>) -> Page {
    Page { id: Uuid::new_v4(), title, condition: None, questions }
}

/// The stakeholder survey's pages, with fresh ids. Every text has English and Welsh.
/// It deliberately asks nothing about anyone's income, ethnicity or other background.
fn stakeholder_pages() -> Vec<Page> {
    let long = || QuestionKind::LongText { max_length: Some(4000) };

    // 1. About you (not "role": the exports have a `role` column of their own)
    let mut role = q(
        "stakeholder_role",
        t(
            "Which of these best describes your connection with the service?",
            "Pa un o'r rhain sy'n disgrifio orau eich cysylltiad â'r gwasanaeth?",
        ),
        QuestionKind::SingleChoice {
            options: choices(&[
                ("supported", "I receive care or support", "Rwy'n derbyn gofal neu gymorth"),
                ("family", "I am a relative or unpaid carer", "Rwy'n berthynas neu'n ofalwr di-dâl"),
                ("worker", "I work for the service", "Rwy'n gweithio i'r gwasanaeth"),
                ("board", "I am a board member or volunteer", "Rwy'n aelod o'r bwrdd neu'n wirfoddolwr"),
                ("partner", "I work for another local organisation", "Rwy'n gweithio i sefydliad lleol arall"),
                ("other", "Something else", "Rhywbeth arall"),
            ]),
        },
    );
    role.required = true;
    role.required_message =
        t("Please choose the option closest to your connection.", "Dewiswch yr opsiwn sydd agosaf at eich cysylltiad.");
    let length = q(
        "involvement_length",
        t("How long have you been involved?", "Ers faint ydych chi wedi bod yn rhan ohono?"),
        QuestionKind::SingleChoice {
            options: choices(&[
                ("under_1", "Less than a year", "Llai na blwyddyn"),
                ("1_to_3", "One to three years", "Rhwng blwyddyn a thair blynedd"),
                ("over_3", "More than three years", "Mwy na thair blynedd"),
            ]),
        },
    );
    let mut intro = q(
        "intro",
        t(
            "This survey asks about your experience of the service. There are no right or wrong answers, and you can skip any question that is not marked as needed.",
            "Mae'r arolwg hwn yn holi am eich profiad o'r gwasanaeth. Does dim atebion cywir nac anghywir, a gallwch hepgor unrhyw gwestiwn sydd heb ei nodi fel un angenrheidiol.",
        ),
        QuestionKind::Info,
    );
    intro.help = t("It takes about ten minutes.", "Mae'n cymryd tua deg munud.");
    let about = page(t("About you", "Amdanoch chi"), vec![intro, role, length]);

    // 2. Experience
    let experience_items = q(
        "experience",
        t("How far do you agree with each statement?", "I ba raddau ydych chi'n cytuno â phob datganiad?"),
        likert(&[
            (
                "exp_listened",
                "People involved in the service listen to me",
                "Mae pobl yn y gwasanaeth yn gwrando arnaf",
            ),
            ("exp_fits", "The support fits what matters to me", "Mae'r cymorth yn gweddu i'r hyn sy'n bwysig i mi"),
            (
                "exp_say",
                "I have a real say in how things are run",
                "Mae gen i lais go iawn yn y ffordd mae pethau'n cael eu rhedeg",
            ),
            (
                "exp_recommend",
                "I would suggest the service to someone in a similar position",
                "Byddwn yn awgrymu'r gwasanaeth i rywun mewn sefyllfa debyg",
            ),
        ]),
    );
    let overall = q(
        "overall",
        t("Overall, how would you rate your experience?", "At ei gilydd, sut fyddech chi'n graddio eich profiad?"),
        QuestionKind::Rating { max: 5 },
    );
    let mut overall_help = overall;
    overall_help.help = t("1 is very poor and 5 is excellent.", "Mae 1 yn wael iawn a 5 yn ardderchog.");
    let difference = q(
        "exp_difference",
        t(
            "What has made the most difference to you, good or bad?",
            "Beth sydd wedi gwneud y gwahaniaeth mwyaf i chi, yn dda neu'n ddrwg?",
        ),
        long(),
    );
    let experience = page(t("Your experience", "Eich profiad"), vec![experience_items, overall_help, difference]);

    // 3. Barriers
    let barriers = q(
        "barriers",
        t("Which of these have made things harder?", "Pa rai o'r rhain sydd wedi gwneud pethau'n anoddach?"),
        QuestionKind::MultipleChoice {
            options: choices(&[
                ("information", "Finding clear information", "Dod o hyd i wybodaeth glir"),
                ("paperwork", "Paperwork and rules", "Gwaith papur a rheolau"),
                (
                    "staffing",
                    "Finding or keeping workers and volunteers",
                    "Dod o hyd i weithwyr a gwirfoddolwyr neu eu cadw",
                ),
                ("travel", "Travel and distance", "Teithio a phellter"),
                ("council", "Working with the council", "Gweithio gyda'r cyngor"),
                ("other", "Something else", "Rhywbeth arall"),
            ]),
        },
    );
    let mut barrier_story = q(
        "barrier_story",
        t(
            "Tell us about the hardest of these and what was done about it.",
            "Soniwch wrthym am yr anoddaf o'r rhain a beth a wnaed yn ei gylch.",
        ),
        long(),
    );
    barrier_story.condition = Some(Condition::Answered { question: barriers.id });
    let mut resolved = q(
        "barrier_resolved",
        t("Has that difficulty been sorted out?", "Ydy'r anhawster hwnnw wedi'i ddatrys?"),
        QuestionKind::YesNo,
    );
    resolved.condition = Some(Condition::Answered { question: barriers.id });
    let barriers_page =
        page(t("Barriers and challenges", "Rhwystrau a heriau"), vec![barriers, barrier_story, resolved]);

    // 4. Non-financial support
    let mut had_help = q(
        "local_help",
        t(
            "Leaving money aside, have local organisations helped the service in other ways?",
            "Gan roi arian o'r neilltu, ydy sefydliadau lleol wedi helpu'r gwasanaeth mewn ffyrdd eraill?",
        ),
        QuestionKind::YesNo,
    );
    had_help.required = true;
    let helped = Condition::Equals { question: had_help.id, value: "yes".to_string() };
    let mut help_kinds = q(
        "help_kind",
        t("What kind of help was it?", "Pa fath o help oedd e?"),
        QuestionKind::MultipleChoice {
            options: choices(&[
                ("advice", "Advice", "Cyngor"),
                ("training", "Training", "Hyfforddiant"),
                ("contacts", "Introductions to people or groups", "Cyflwyniadau i bobl neu grwpiau"),
                ("space", "A place to meet or work", "Lle i gyfarfod neu weithio"),
                ("publicity", "Spreading the word", "Rhannu'r neges"),
            ]),
        },
    );
    help_kinds.condition = Some(helped.clone());
    let mut usefulness = q(
        "help_useful",
        t("How useful was that help?", "Pa mor ddefnyddiol oedd yr help hwnnw?"),
        QuestionKind::Rating { max: 5 },
    );
    usefulness.condition = Some(helped);
    let help_wanted = q(
        "help_wanted",
        t(
            "What other help, apart from money, would make a difference?",
            "Pa help arall, heblaw arian, fyddai'n gwneud gwahaniaeth?",
        ),
        long(),
    );
    let support = page(
        t("Support other than money", "Cymorth heblaw arian"),
        vec![had_help, help_kinds, usefulness, help_wanted],
    );

    // 5. Community leadership
    let leadership_items = q(
        "leadership",
        t("How far do you agree with each statement?", "I ba raddau ydych chi'n cytuno â phob datganiad?"),
        likert(&[
            ("lead_local", "Local people lead this work", "Pobl leol sy'n arwain y gwaith hwn"),
            (
                "lead_partners",
                "The council treats the service as a partner",
                "Mae'r cyngor yn trin y gwasanaeth fel partner",
            ),
            (
                "lead_decisions",
                "People who use the service take part in decisions",
                "Mae pobl sy'n defnyddio'r gwasanaeth yn cymryd rhan mewn penderfyniadau",
            ),
        ]),
    );
    let volunteers = q(
        "volunteers",
        t(
            "Roughly how many volunteers give time to the service?",
            "Tua faint o wirfoddolwyr sy'n rhoi amser i'r gwasanaeth?",
        ),
        QuestionKind::Number { min: Some(0.0), max: Some(10000.0), integer: true },
    );
    let leaders = q(
        "leaders",
        t(
            "Who has moved this work forward locally, and how have they worked with the council and other public bodies?",
            "Pwy sydd wedi symud y gwaith hwn yn ei flaen yn lleol, a sut maen nhw wedi gweithio gyda'r cyngor a chyrff cyhoeddus eraill?",
        ),
        long(),
    );
    let leadership =
        page(t("Community leadership", "Arweinyddiaeth gymunedol"), vec![leadership_items, volunteers, leaders]);

    // 6. Close
    let anything = q(
        "anything_else",
        t("Is there anything else you would like to tell us?", "Oes unrhyw beth arall yr hoffech ei ddweud wrthym?"),
        long(),
    );
    let thanks = q(
        "thanks",
        t(
            "Thank you for your time. Your answers are stored without your name.",
            "Diolch am eich amser. Caiff eich atebion eu cadw heb eich enw.",
        ),
        QuestionKind::Info,
    );
    let close = page(t("Anything else", "Unrhyw beth arall"), vec![anything, thanks]);

    vec![about, experience, barriers_page, support, leadership, close]
}
