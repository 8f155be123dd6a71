//! The study model: a study with its research questions and stakeholder roles,
//! its case studies and its participants.
//!
//! Every object has a stable UUID and created/modified times. Identifying details
//! of participants live in their own [`Identity`] objects so that exports can leave
//! them out without having to strip fields.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::{Date, Timestamp};

/// A research study: the root every other object hangs off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Study {
    pub id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// In the order the researcher asks them.
    #[serde(default)]
    pub research_questions: Vec<ResearchQuestion>,
    /// The editable list participants' roles are chosen from.
    #[serde(default)]
    pub roles: Vec<StakeholderRole>,
    /// The team's choice to send participants' identifying details (real names,
    /// contacts) to its sync server too. Off unless ticked, with a warning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub share_identifying_details: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResearchQuestion {
    pub id: Uuid,
    pub text: String,
    /// What the question covers in practice, for the interviewer.
    #[serde(default)]
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StakeholderRole {
    pub id: Uuid,
    pub name: String,
}

/// The roles a new study starts with; the researcher can rename, add and remove.
pub const DEFAULT_ROLES: [&str; 9] = [
    "Service user",
    "Family carer",
    "Care worker",
    "Manager / founder",
    "Board member",
    "Volunteer",
    "Local authority officer",
    "Commissioner",
    "Support organisation",
];

/// A case-study site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub attributes: CaseAttributes,
}

/// Typed attributes used to compare cases, plus free key–value pairs.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseAttributes {
    #[serde(default)]
    pub setting: Option<Setting>,
    #[serde(default)]
    pub legal_form: String,
    #[serde(default)]
    pub country: String,
    /// Anything else the study compares cases by, in the order entered.
    #[serde(default)]
    pub extra: Vec<Attribute>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Setting {
    Urban,
    Rural,
    VeryRural,
}

impl Setting {
    pub const ALL: [Setting; 3] = [Setting::Urban, Setting::Rural, Setting::VeryRural];

    pub fn label(self) -> &'static str {
        match self {
            Setting::Urban => "Urban",
            Setting::Rural => "Rural",
            Setting::VeryRural => "Very rural",
        }
    }

    /// The stable name used in storage, exports and form values.
    pub fn key(self) -> &'static str {
        match self {
            Setting::Urban => "urban",
            Setting::Rural => "rural",
            Setting::VeryRural => "very_rural",
        }
    }

    pub fn from_key(key: &str) -> Option<Setting> {
        Setting::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    pub key: String,
    pub value: String,
}

/// A person taking part, known everywhere by a pseudonym.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Participant {
    pub id: Uuid,
    pub study_id: Uuid,
    pub created: Timestamp,
    pub modified: Timestamp,
    pub pseudonym: String,
    #[serde(default)]
    pub role_id: Option<Uuid>,
    #[serde(default)]
    pub case_id: Option<Uuid>,
    #[serde(default)]
    pub consent: Consent,
    /// Research notes about the participant; never identifying (those go in [`Identity`]).
    #[serde(default)]
    pub notes: String,
}

/// What a participant agreed to, and when.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    #[serde(default)]
    pub date: Option<Date>,
    #[serde(default)]
    pub interview: bool,
    #[serde(default)]
    pub audio_recording: bool,
    #[serde(default)]
    pub quotation: bool,
    #[serde(default)]
    pub withdrawn: bool,
    /// Which consent form was signed ("v2, March 2026"), so a later change to the
    /// form can tell who agreed to which.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub form_version: String,
    /// Agreed to answer the stakeholder survey.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub survey: bool,
    /// When consent was withdrawn, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_on: Option<Date>,
}

impl Consent {
    /// May this person be interviewed now? Consent must cover interviews and not be withdrawn.
    pub fn allows_interview(&self) -> bool {
        self.interview && !self.withdrawn
    }
}

/// Identifying details of a participant, stored apart and left out of exports by default.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    pub participant_id: Uuid,
    pub study_id: Uuid,
    pub modified: Timestamp,
    #[serde(default)]
    pub real_name: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub notes: String,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        self.real_name.trim().is_empty() && self.contact.trim().is_empty() && self.notes.trim().is_empty()
    }
}
