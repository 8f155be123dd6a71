//! Fieldwork objects: interview protocols, interviews and focus groups, documents
//! and field notes, and member-check accounts.
//!
//! The rules that work on them live beside them: `protocol.rs` (editing and
//! versions, built-in templates), `interview.rs` (starting, recording, completing,
//! corrections), `transcript.rs` (speaker turns from pasted or uploaded text),
//! `account.rs` (the interview account sent for member checking, its versions and
//! differences).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::{Date, Timestamp};

/// An interview protocol: one section per research question, used identically at every case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Protocol {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The current version. Starts at 1; editing a version an interview has used
    /// first keeps a copy of it in `history` and then bumps this.
    pub version: u32,
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Earlier versions, kept so old interviews display exactly as they were run.
    #[serde(default)]
    pub history: Vec<ProtocolVersion>,
    /// The built-in template this was copied from, if any (a template key).
    #[serde(default)]
    pub template: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProtocolVersion {
    pub version: u32,
    /// When this version stopped being the current one.
    pub superseded: Timestamp,
    pub name: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: Uuid,
    /// The research question this section answers, if it is tied to one.
    #[serde(default)]
    pub research_question_id: Option<Uuid>,
    pub title: String,
    /// The main question, as asked.
    pub question: String,
    #[serde(default)]
    pub prompts: Vec<Prompt>,
    /// Notes for the interviewer (not read out).
    #[serde(default)]
    pub guidance: String,
    /// A display colour such as `#2a7f62` (the micro-provider framework colours its parts).
    #[serde(default)]
    pub colour: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub id: Uuid,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterviewKind {
    Interview,
    FocusGroup,
}

impl InterviewKind {
    pub fn label(self) -> &'static str {
        match self {
            InterviewKind::Interview => "Interview",
            InterviewKind::FocusGroup => "Focus group",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            InterviewKind::Interview => "interview",
            InterviewKind::FocusGroup => "focus_group",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    FaceToFace,
    Telephone,
    Video,
}

impl Mode {
    pub const ALL: [Mode; 3] = [Mode::FaceToFace, Mode::Telephone, Mode::Video];

    pub fn label(self) -> &'static str {
        match self {
            Mode::FaceToFace => "Face to face",
            Mode::Telephone => "Telephone",
            Mode::Video => "Video call",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Mode::FaceToFace => "face_to_face",
            Mode::Telephone => "telephone",
            Mode::Video => "video",
        }
    }

    pub fn from_key(key: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.key() == key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterviewStatus {
    /// Arranged but not started.
    Planned,
    InProgress,
    Complete,
}

impl InterviewStatus {
    pub fn label(self) -> &'static str {
        match self {
            InterviewStatus::Planned => "Planned",
            InterviewStatus::InProgress => "In progress",
            InterviewStatus::Complete => "Complete",
        }
    }
}

/// An interview or focus group, run from one version of a protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interview {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub kind: InterviewKind,
    pub case_id: Uuid,
    /// One participant for an interview, several for a focus group.
    pub participant_ids: Vec<Uuid>,
    pub mode: Mode,
    #[serde(default)]
    pub interviewer: String,
    #[serde(default)]
    pub date: Option<Date>,
    pub protocol_id: Uuid,
    pub protocol_version: u32,
    pub status: InterviewStatus,
    /// Notes per section and prompt, in protocol order as they were first written.
    #[serde(default)]
    pub answers: Vec<Answer>,
    /// Where the interviewer was, so reopening returns to the same place.
    #[serde(default)]
    pub current_section: usize,
    #[serde(default)]
    pub started: Option<Timestamp>,
    #[serde(default)]
    pub completed: Option<Timestamp>,
    /// Changes made after the interview was marked complete.
    #[serde(default)]
    pub corrections: Vec<Correction>,
    /// A full transcript pasted or uploaded for the interview.
    #[serde(default)]
    pub transcript: Option<Transcript>,
}

/// What was said in answer to one section's main question (prompt None) or one prompt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub section_id: Uuid,
    #[serde(default)]
    pub prompt_id: Option<Uuid>,
    #[serde(default)]
    pub state: AnswerState,
    /// Free notes (interviews); focus groups use `turns` as well or instead.
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub turns: Vec<Turn>,
    #[serde(default)]
    pub flags: Vec<Flag>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerState {
    #[default]
    Asked,
    NotAsked,
    Skipped,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    FollowUp,
    GoodQuote,
    Sensitive,
}

impl Flag {
    pub const ALL: [Flag; 3] = [Flag::FollowUp, Flag::GoodQuote, Flag::Sensitive];

    pub fn label(self) -> &'static str {
        match self {
            Flag::FollowUp => "Follow up",
            Flag::GoodQuote => "Good quote",
            Flag::Sensitive => "Sensitive",
        }
    }
}

/// One stretch of speech by one speaker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub id: Uuid,
    pub speaker: Speaker,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Speaker {
    Participant(Uuid),
    Interviewer,
    /// A name from a transcript that matched nobody in the study.
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The text as pasted or read from the file (normalised to `\n` line endings).
    pub text: String,
    /// The text split into speaker turns.
    pub turns: Vec<Turn>,
    /// The file name it came from, or empty when pasted.
    #[serde(default)]
    pub source_name: String,
    pub added: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub at: Timestamp,
    /// What changed, in words ("Section 2 notes edited").
    pub what: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    FieldNotes,
    Report,
    Minutes,
    WebPage,
    Other,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 5] = [
        DocumentKind::FieldNotes,
        DocumentKind::Report,
        DocumentKind::Minutes,
        DocumentKind::WebPage,
        DocumentKind::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::FieldNotes => "Site-visit notes",
            DocumentKind::Report => "Report",
            DocumentKind::Minutes => "Minutes",
            DocumentKind::WebPage => "Web page",
            DocumentKind::Other => "Other document",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::FieldNotes => "field_notes",
            DocumentKind::Report => "report",
            DocumentKind::Minutes => "minutes",
            DocumentKind::WebPage => "web_page",
            DocumentKind::Other => "other",
        }
    }

    pub fn from_key(key: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// Site-visit notes or a documentary source attached to a case: codable text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Document {
    pub id: Uuid,
    pub study_id: Uuid,
    pub case_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub kind: DocumentKind,
    pub title: String,
    #[serde(default)]
    pub date: Option<Date>,
    /// Where it came from: an organisation, a URL, "site visit by …".
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    Draft,
    Sent,
    AmendmentsReceived,
    Agreed,
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Draft => "Draft",
            AccountStatus::Sent => "Sent to participant",
            AccountStatus::AmendmentsReceived => "Amendments received",
            AccountStatus::Agreed => "Agreed",
        }
    }
}

/// The account of an interview sent back to the participant for corrections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub id: Uuid,
    pub study_id: Uuid,
    pub interview_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub status: AccountStatus,
    /// Every version of the text, oldest first; the last is current. Never rewritten.
    pub versions: Vec<AccountVersion>,
    /// Status changes, oldest first.
    #[serde(default)]
    pub history: Vec<StatusChange>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountVersion {
    /// 1 for the account as first written.
    pub number: u32,
    pub created: Timestamp,
    pub text: String,
    /// Why this version exists ("amendments from the participant by email").
    #[serde(default)]
    pub note: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: Timestamp,
    pub status: AccountStatus,
}
