//! Stakeholder surveys: the instrument (pages of typed questions, skip logic,
//! labels in several languages, versions) and the responses.
//!
//! The rules that work on them live in `survey.rs` (editing, versions, conditions,
//! validation of answers, page flow, the built-in template) and `survey_export.rs`
//! (wide, long and codebook CSV, XLSX).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::{Date, Timestamp};

/// A language's own name, for people rather than files: "English", "Cymraeg".
pub fn language_name(code: &str) -> String {
    match code {
        "en" => "English".into(),
        "cy" => "Cymraeg".into(),
        other => other.to_string(),
    }
}

/// The language every survey has; others (e.g. `cy`, Welsh) are optional.
pub const DEFAULT_LANGUAGE: &str = "en";

/// Text in several languages, keyed by language code (`en`, `cy`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<String, String>);

impl Text {
    pub fn en(text: &str) -> Text {
        Text(BTreeMap::from([(DEFAULT_LANGUAGE.to_string(), text.to_string())]))
    }

    pub fn with(mut self, language: &str, text: &str) -> Text {
        self.0.insert(language.to_string(), text.to_string());
        self
    }

    /// The text in `language`, or in English with `true` when that translation is
    /// missing, so the screen can show that it fell back.
    pub fn get(&self, language: &str) -> (&str, bool) {
        match self.0.get(language).filter(|t| !t.trim().is_empty()) {
            Some(text) => (text.as_str(), false),
            None => (self.0.get(DEFAULT_LANGUAGE).map(String::as_str).unwrap_or(""), language != DEFAULT_LANGUAGE),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.values().all(|t| t.trim().is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Survey {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub name: String,
    #[serde(default)]
    pub description: Text,
    /// Languages offered to participants; English first, always present.
    pub languages: Vec<String>,
    /// Current version; editing a version that responses used keeps it in `history`.
    pub version: u32,
    #[serde(default)]
    pub pages: Vec<Page>,
    #[serde(default)]
    pub history: Vec<SurveyVersion>,
    #[serde(default)]
    pub template: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyVersion {
    pub version: u32,
    pub superseded: Timestamp,
    pub name: String,
    pub pages: Vec<Page>,
}

/// A page of questions shown together, with back and next.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub id: Uuid,
    #[serde(default)]
    pub title: Text,
    /// Shown only when this holds (None: always).
    #[serde(default)]
    pub condition: Option<Condition>,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: Uuid,
    /// Stable machine name used for export columns, e.g. `q3_support`. Lower case,
    /// letters, digits and underscores, unique in the survey.
    pub name: String,
    pub label: Text,
    #[serde(default)]
    pub help: Text,
    #[serde(default)]
    pub required: bool,
    /// Shown when a required question is left empty; a sensible default if empty.
    #[serde(default)]
    pub required_message: Text,
    pub kind: QuestionKind,
    /// Shown only when this holds (None: always).
    #[serde(default)]
    pub condition: Option<Condition>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum QuestionKind {
    SingleChoice {
        options: Vec<Choice>,
    },
    MultipleChoice {
        options: Vec<Choice>,
    },
    /// Several items rated on one shared scale (5 or 7 points), exported as numbers 1..=points.
    Likert {
        points: u8,
        scale: Vec<Text>,
        items: Vec<LikertItem>,
    },
    /// 1..=max stars or points.
    Rating {
        max: u8,
    },
    Number {
        min: Option<f64>,
        max: Option<f64>,
        integer: bool,
    },
    ShortText {
        max_length: Option<u32>,
    },
    LongText {
        max_length: Option<u32>,
    },
    Date,
    YesNo,
    /// Information text only; never answered.
    Info,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// The code stored and exported (e.g. `1`, `council`), stable across translations.
    pub value: String,
    pub label: Text,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LikertItem {
    pub id: Uuid,
    /// Export column name, e.g. `q5_listened`.
    pub name: String,
    pub label: Text,
}

/// Skip logic: conditions on answers to earlier questions, as data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "op")]
pub enum Condition {
    /// A choice, yes/no (`yes`/`no`), number or text answer equals `value`.
    Equals {
        question: Uuid,
        value: String,
    },
    /// The answer is one of `values` (for multiple choice: any of them is ticked).
    OneOf {
        question: Uuid,
        values: Vec<String>,
    },
    GreaterThan {
        question: Uuid,
        value: f64,
    },
    LessThan {
        question: Uuid,
        value: f64,
    },
    Answered {
        question: Uuid,
    },
    All {
        conditions: Vec<Condition>,
    },
    Any {
        conditions: Vec<Condition>,
    },
    Not {
        condition: Box<Condition>,
    },
}

/// One answer, shaped by its question's kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "value")]
pub enum AnswerValue {
    Text(String),
    Number(f64),
    Choice(String),
    Choices(Vec<String>),
    Date(Date),
    Bool(bool),
    /// Likert item id → point (1..=points).
    Scale(BTreeMap<Uuid, u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseStatus {
    InProgress,
    Complete,
}

/// One participant's (or an anonymous respondent's) answers to one survey version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Response {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub survey_id: Uuid,
    pub survey_version: u32,
    pub case_id: Uuid,
    /// None for an anonymous respondent.
    #[serde(default)]
    pub participant_id: Option<Uuid>,
    pub language: String,
    /// Keyed by question id.
    #[serde(default)]
    pub answers: BTreeMap<Uuid, AnswerValue>,
    pub status: ResponseStatus,
    /// The page the respondent is on, so a reload resumes exactly there.
    #[serde(default)]
    pub page: usize,
    pub started: Timestamp,
    #[serde(default)]
    pub completed: Option<Timestamp>,
    /// Changes made by a researcher after completion: who, when, what.
    #[serde(default)]
    pub corrections: Vec<ResponseCorrection>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseCorrection {
    pub at: Timestamp,
    pub by: String,
    pub what: String,
}
