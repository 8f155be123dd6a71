//! [`StudyData`]: a whole study in memory, and every operation that changes it.
//!
//! The app keeps one `StudyData` per open study and calls these operations; each
//! returns which objects changed so only their records are written.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::{Date, Timestamp};
use crate::coding::{Code, MatrixCell, MatrixRow, Memo, Segment};
use crate::fieldwork::{Account, Document, Interview, Protocol};
use crate::study::model::*;
use crate::study::validate::ValidationError;
use crate::surveys::{Response, Survey};

/// A study and everything that belongs to it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudyData {
    pub study: Study,
    #[serde(default)]
    pub cases: Vec<Case>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub identities: Vec<Identity>,
    #[serde(default)]
    pub protocols: Vec<Protocol>,
    #[serde(default)]
    pub interviews: Vec<Interview>,
    #[serde(default)]
    pub documents: Vec<Document>,
    #[serde(default)]
    pub accounts: Vec<Account>,
    #[serde(default)]
    pub surveys: Vec<Survey>,
    #[serde(default)]
    pub responses: Vec<Response>,
    /// The codebook: themes, codes and sub-codes.
    #[serde(default)]
    pub codes: Vec<Code>,
    /// Coded stretches of text.
    #[serde(default)]
    pub segments: Vec<Segment>,
    #[serde(default)]
    pub memos: Vec<Memo>,
    /// Written cells of the framework matrix.
    #[serde(default)]
    pub matrix_cells: Vec<MatrixCell>,
    /// Undo and redo of coding actions on this device: stored with the study, never
    /// in a backup or an export.
    #[serde(skip)]
    pub coding_history: crate::coding::CodingHistory,
}

/// Names one stored object of a study; what an operation changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectRef {
    Study,
    Case(Uuid),
    Participant(Uuid),
    Identity(Uuid),
    Protocol(Uuid),
    Interview(Uuid),
    Document(Uuid),
    Account(Uuid),
    Survey(Uuid),
    Response(Uuid),
    Code(Uuid),
    Segment(Uuid),
    Memo(Uuid),
    MatrixCell(Uuid),
    /// The study's coding undo/redo history (one record per study).
    CodingHistory,
}

/// What deleting something takes with it, for the confirmation the user sees first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeletionImpact {
    /// Pseudonyms of participants deleted along with a case.
    pub participants: Vec<String>,
    pub interviews: usize,
    pub documents: usize,
    pub responses: usize,
    /// How many of those have identifying details stored.
    pub identities: usize,
    pub cases: usize,
}

impl DeletionImpact {
    /// A sentence for the confirmation dialog, or None when nothing else goes.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.cases > 0 {
            parts.push(plural(self.cases, "case", "cases"));
        }
        if !self.participants.is_empty() {
            let names = self.participants.join(", ");
            parts.push(format!("{} ({names})", plural(self.participants.len(), "participant", "participants")));
        }
        if self.interviews > 0 {
            parts.push(plural(self.interviews, "interview or focus group", "interviews and focus groups"));
        }
        if self.documents > 0 {
            parts.push(plural(self.documents, "document", "documents"));
        }
        if self.responses > 0 {
            parts.push(plural(self.responses, "survey response", "survey responses"));
        }
        if self.identities > 0 {
            parts
                .push(format!("the identifying details of {}", plural(self.identities, "participant", "participants")));
        }
        if parts.is_empty() { None } else { Some(format!("This also deletes {}.", parts.join(", "))) }
    }
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

/// The parts that have text, joined by " · ": a line of attribution never shows an
/// empty separator ("Case ·  · Question").
pub fn join_present(parts: &[String]) -> String {
    parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ")
}

#[cfg(test)]
mod sentence_tests {
    use super::*;

    #[test]
    fn attribution_lines_skip_empty_parts() {
        let s = |x: &str| x.to_string();
        assert_eq!(join_present(&[s("Glen Care"), s(""), s("Barriers")]), "Glen Care · Barriers");
        assert_eq!(join_present(&[s(""), s(" "), s("")]), "");
        assert_eq!(join_present(&[s("Ceri (Care worker)")]), "Ceri (Care worker)");
    }

    #[test]
    fn counts_read_as_words() {
        assert_eq!(plural(1, "coding", "codings"), "1 coding");
        assert_eq!(plural(0, "coding", "codings"), "0 codings");
    }
}

/// A line of the quick-add table on a case's page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewParticipant {
    pub pseudonym: String,
    pub role: Option<Uuid>,
    pub interview: bool,
    pub survey: bool,
    pub consent_date: Option<Date>,
}

/// Edits to the study's own fields and lists.
#[derive(Clone, Debug, PartialEq)]
pub enum StudyEdit {
    Title(String),
    Description(String),
    AddQuestion {
        id: Uuid,
        text: String,
    },
    QuestionText {
        id: Uuid,
        text: String,
    },
    QuestionDetail {
        id: Uuid,
        detail: String,
    },
    /// Move by -1 (up) or +1 (down); moving past either end does nothing.
    MoveQuestion {
        id: Uuid,
        by: isize,
    },
    RemoveQuestion(Uuid),
    AddRole {
        id: Uuid,
        name: String,
    },
    RenameRole {
        id: Uuid,
        name: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum CaseEdit {
    Name(String),
    Description(String),
    Setting(Option<Setting>),
    LegalForm(String),
    Country(String),
    AddAttribute { key: String, value: String },
    AttributeValue { index: usize, value: String },
    AttributeKey { index: usize, key: String },
    RemoveAttribute(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ParticipantEdit {
    Pseudonym(String),
    Role(Option<Uuid>),
    Case(Option<Uuid>),
    Notes(String),
    /// Empty text clears the date.
    ConsentDate(String),
    ConsentInterview(bool),
    ConsentAudio(bool),
    ConsentQuotation(bool),
    Withdrawn(bool),
    ConsentFormVersion(String),
    ConsentSurvey(bool),
    /// The date consent was withdrawn (YYYY-MM-DD, or empty).
    WithdrawnOn(String),
    RealName(String),
    Contact(String),
    IdentityNotes(String),
}

/// Built-in attribute names that the free key–value list may not shadow.
const RESERVED_ATTRIBUTES: [&str; 3] = ["setting", "legal form", "country"];

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn non_empty(text: &str, err: ValidationError) -> Result<String, ValidationError> {
    let trimmed = text.trim();
    if trimmed.is_empty() { Err(err) } else { Ok(trimmed.to_string()) }
}

impl StudyData {
    /// A new, empty study with the default stakeholder roles.
    pub fn new(title: &str, now: Timestamp) -> Result<Self, ValidationError> {
        let title = non_empty(title, ValidationError::EmptyTitle)?;
        let roles = DEFAULT_ROLES
            .iter()
            .map(|name| StakeholderRole { id: Uuid::new_v4(), name: (*name).to_string() })
            .collect();
        Ok(StudyData {
            study: Study {
                id: Uuid::new_v4(),
                created: now,
                modified: now,
                title,
                description: String::new(),
                research_questions: Vec::new(),
                roles,
                share_identifying_details: false,
            },
            ..StudyData::empty_parts()
        })
    }

    /// A study with nothing in it, not even a title: what a view reads once the
    /// study it showed was closed (never saved).
    pub fn nothing() -> StudyData {
        Self::empty_parts()
    }

    /// The collections of a study with nothing in them, to fill in with `..`.
    pub(crate) fn empty_parts() -> StudyData {
        StudyData {
            study: Study {
                id: Uuid::nil(),
                created: Timestamp::default(),
                modified: Timestamp::default(),
                title: String::new(),
                description: String::new(),
                research_questions: Vec::new(),
                roles: Vec::new(),
                share_identifying_details: false,
            },
            cases: Vec::new(),
            participants: Vec::new(),
            identities: Vec::new(),
            protocols: Vec::new(),
            interviews: Vec::new(),
            documents: Vec::new(),
            accounts: Vec::new(),
            surveys: Vec::new(),
            responses: Vec::new(),
            codes: Vec::new(),
            segments: Vec::new(),
            memos: Vec::new(),
            matrix_cells: Vec::new(),
            coding_history: Default::default(),
        }
    }

    pub fn id(&self) -> Uuid {
        self.study.id
    }

    pub fn case(&self, id: Uuid) -> Option<&Case> {
        self.cases.iter().find(|c| c.id == id)
    }

    pub fn participant(&self, id: Uuid) -> Option<&Participant> {
        self.participants.iter().find(|p| p.id == id)
    }

    pub fn identity(&self, participant: Uuid) -> Option<&Identity> {
        self.identities.iter().find(|i| i.participant_id == participant)
    }

    pub fn role(&self, id: Uuid) -> Option<&StakeholderRole> {
        self.study.roles.iter().find(|r| r.id == id)
    }

    pub fn role_name(&self, id: Option<Uuid>) -> &str {
        id.and_then(|id| self.role(id)).map(|r| r.name.as_str()).unwrap_or("")
    }

    pub fn case_name(&self, id: Option<Uuid>) -> &str {
        id.and_then(|id| self.case(id)).map(|c| c.name.as_str()).unwrap_or("")
    }

    pub fn participants_of_case(&self, case: Uuid) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(move |p| p.case_id == Some(case))
    }

    /// Applies an edit to the study record. Text that fails validation is not applied.
    pub fn edit_study(&mut self, edit: StudyEdit, now: Timestamp) -> Result<ObjectRef, ValidationError> {
        let study = &mut self.study;
        match edit {
            StudyEdit::Title(t) => study.title = non_empty(&t, ValidationError::EmptyTitle)?,
            StudyEdit::Description(d) => study.description = d,
            StudyEdit::AddQuestion { id, text } => {
                let text = non_empty(&text, ValidationError::EmptyResearchQuestion)?;
                if study.research_questions.iter().any(|q| q.id == id) {
                    return Err(ValidationError::DuplicateId(id));
                }
                study.research_questions.push(ResearchQuestion { id, text, detail: String::new() });
            }
            StudyEdit::QuestionText { id, text } => {
                let text = non_empty(&text, ValidationError::EmptyResearchQuestion)?;
                question_mut(study, id)?.text = text;
            }
            StudyEdit::QuestionDetail { id, detail } => question_mut(study, id)?.detail = detail,
            StudyEdit::MoveQuestion { id, by } => {
                let from = study
                    .research_questions
                    .iter()
                    .position(|q| q.id == id)
                    .ok_or(ValidationError::UnknownResearchQuestion(id))?;
                let to = from.checked_add_signed(by).filter(|to| *to < study.research_questions.len());
                if let Some(to) = to {
                    let q = study.research_questions.remove(from);
                    study.research_questions.insert(to, q);
                }
            }
            StudyEdit::RemoveQuestion(id) => {
                let before = study.research_questions.len();
                study.research_questions.retain(|q| q.id != id);
                if study.research_questions.len() == before {
                    return Err(ValidationError::UnknownResearchQuestion(id));
                }
            }
            StudyEdit::AddRole { id, name } => {
                let name = non_empty(&name, ValidationError::EmptyRoleName)?;
                if study.roles.iter().any(|r| same_name(&r.name, &name)) {
                    return Err(ValidationError::DuplicateRoleName(name));
                }
                study.roles.push(StakeholderRole { id, name });
            }
            StudyEdit::RenameRole { id, name } => {
                let name = non_empty(&name, ValidationError::EmptyRoleName)?;
                if study.roles.iter().any(|r| r.id != id && same_name(&r.name, &name)) {
                    return Err(ValidationError::DuplicateRoleName(name));
                }
                study.roles.iter_mut().find(|r| r.id == id).ok_or(ValidationError::UnknownRole(id))?.name = name;
            }
        }
        study.modified = now;
        Ok(ObjectRef::Study)
    }

    /// Participants who hold a role, so removing it can say who loses it.
    pub fn role_holders(&self, role: Uuid) -> Vec<&Participant> {
        self.participants.iter().filter(|p| p.role_id == Some(role)).collect()
    }

    /// Removes a role; participants who held it are left without a role.
    pub fn remove_role(&mut self, role: Uuid, now: Timestamp) -> Result<Vec<ObjectRef>, ValidationError> {
        if self.role(role).is_none() {
            return Err(ValidationError::UnknownRole(role));
        }
        self.study.roles.retain(|r| r.id != role);
        self.study.modified = now;
        let mut changed = vec![ObjectRef::Study];
        for p in self.participants.iter_mut().filter(|p| p.role_id == Some(role)) {
            p.role_id = None;
            p.modified = now;
            changed.push(ObjectRef::Participant(p.id));
        }
        Ok(changed)
    }

    pub fn add_case(&mut self, name: &str, now: Timestamp) -> Result<Uuid, ValidationError> {
        let name = non_empty(name, ValidationError::EmptyCaseName)?;
        if self.cases.iter().any(|c| same_name(&c.name, &name)) {
            return Err(ValidationError::DuplicateCaseName(name));
        }
        let id = Uuid::new_v4();
        self.cases.push(Case {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            name,
            description: String::new(),
            attributes: CaseAttributes::default(),
        });
        Ok(id)
    }

    pub fn edit_case(&mut self, id: Uuid, edit: CaseEdit, now: Timestamp) -> Result<ObjectRef, ValidationError> {
        if let CaseEdit::Name(name) = &edit {
            let name = non_empty(name, ValidationError::EmptyCaseName)?;
            if self.cases.iter().any(|c| c.id != id && same_name(&c.name, &name)) {
                return Err(ValidationError::DuplicateCaseName(name));
            }
        }
        let case = self.cases.iter_mut().find(|c| c.id == id).ok_or(ValidationError::UnknownCase(id))?;
        let attrs = &mut case.attributes;
        match edit {
            CaseEdit::Name(name) => case.name = name.trim().to_string(),
            CaseEdit::Description(d) => case.description = d,
            CaseEdit::Setting(s) => attrs.setting = s,
            CaseEdit::LegalForm(v) => attrs.legal_form = v,
            CaseEdit::Country(v) => attrs.country = v,
            CaseEdit::AddAttribute { key, value } => {
                let key = check_attribute_name(attrs, None, &key)?;
                attrs.extra.push(Attribute { key, value });
            }
            CaseEdit::AttributeKey { index, key } => {
                let key = check_attribute_name(attrs, Some(index), &key)?;
                attribute_mut(attrs, index, id)?.key = key;
            }
            CaseEdit::AttributeValue { index, value } => attribute_mut(attrs, index, id)?.value = value,
            CaseEdit::RemoveAttribute(index) => {
                attribute_mut(attrs, index, id)?;
                attrs.extra.remove(index);
            }
        }
        case.modified = now;
        Ok(ObjectRef::Case(id))
    }

    /// What deleting a case takes with it: its participants and their identifying details.
    pub fn case_deletion_impact(&self, id: Uuid) -> DeletionImpact {
        let participants: Vec<&Participant> = self.participants_of_case(id).collect();
        DeletionImpact {
            identities: participants.iter().filter(|p| self.identity(p.id).is_some()).count(),
            participants: participants.iter().map(|p| p.pseudonym.clone()).collect(),
            interviews: self.interviews.iter().filter(|i| i.case_id == id).count(),
            documents: self.documents.iter().filter(|d| d.case_id == id).count(),
            responses: self.responses.iter().filter(|r| r.case_id == id).count(),
            cases: 0,
        }
    }

    /// Deletes a case with its participants; returns the objects to delete from storage.
    pub fn delete_case(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        if self.case(id).is_none() {
            return Err(ValidationError::UnknownCase(id));
        }
        let gone: Vec<Uuid> = self.participants_of_case(id).map(|p| p.id).collect();
        let mut removed = vec![ObjectRef::Case(id)];
        let interviews: Vec<Uuid> = self.interviews.iter().filter(|i| i.case_id == id).map(|i| i.id).collect();
        for interview in interviews {
            removed.extend(self.delete_interview(interview)?);
        }
        let documents: HashSet<Uuid> = self.documents.iter().filter(|d| d.case_id == id).map(|d| d.id).collect();
        let responses: HashSet<Uuid> = self.responses.iter().filter(|r| r.case_id == id).map(|r| r.id).collect();
        removed.extend(self.drop_coding_of(|s| match s {
            crate::coding::sources::SourceRef::Document { document } => documents.contains(document),
            crate::coding::sources::SourceRef::SurveyAnswer { response, .. } => responses.contains(response),
            _ => false,
        }));
        removed.extend(documents.iter().map(|d| ObjectRef::Document(*d)));
        self.documents.retain(|d| d.case_id != id);
        removed.extend(responses.iter().map(|r| ObjectRef::Response(*r)));
        self.responses.retain(|r| r.case_id != id);
        removed.extend(
            self.matrix_cells.iter().filter(|c| c.row == MatrixRow::Case(id)).map(|c| ObjectRef::MatrixCell(c.id)),
        );
        self.matrix_cells.retain(|c| c.row != MatrixRow::Case(id));
        for pid in &gone {
            removed.extend(self.take_participant(*pid));
        }
        self.cases.retain(|c| c.id != id);
        Ok(removed)
    }

    pub fn participant_deletion_impact(&self, id: Uuid) -> DeletionImpact {
        DeletionImpact { identities: usize::from(self.identity(id).is_some()), ..DeletionImpact::default() }
    }

    /// Deletes a participant who has not taken part in any interview: their words
    /// would otherwise lose their speaker.
    pub fn delete_participant(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        let Some(p) = self.participant(id) else {
            return Err(ValidationError::UnknownParticipant(id));
        };
        let count = self.interviews_of_participant(id).count()
            + self.responses.iter().filter(|r| r.participant_id == Some(id)).count();
        if count > 0 {
            return Err(ValidationError::ParticipantInInterviews { name: p.pseudonym.clone(), count });
        }
        Ok(self.take_participant(id))
    }

    fn take_participant(&mut self, id: Uuid) -> Vec<ObjectRef> {
        let mut removed = vec![ObjectRef::Participant(id)];
        if self.identity(id).is_some() {
            removed.push(ObjectRef::Identity(id));
        }
        self.participants.retain(|p| p.id != id);
        self.identities.retain(|i| i.participant_id != id);
        removed.extend(
            self.matrix_cells
                .iter()
                .filter(|c| c.row == MatrixRow::Participant(id))
                .map(|c| ObjectRef::MatrixCell(c.id)),
        );
        self.matrix_cells.retain(|c| c.row != MatrixRow::Participant(id));
        removed
    }

    /// What deleting the whole study takes with it.
    pub fn study_deletion_impact(&self) -> DeletionImpact {
        DeletionImpact {
            cases: self.cases.len(),
            participants: self.participants.iter().map(|p| p.pseudonym.clone()).collect(),
            identities: self.identities.len(),
            interviews: self.interviews.len(),
            documents: self.documents.len(),
            responses: self.responses.len(),
        }
    }

    pub fn add_participant(
        &mut self,
        pseudonym: &str,
        case: Option<Uuid>,
        role: Option<Uuid>,
        now: Timestamp,
    ) -> Result<Uuid, ValidationError> {
        let pseudonym = self.check_pseudonym(None, pseudonym)?;
        self.check_refs(case, role)?;
        let id = Uuid::new_v4();
        self.participants.push(Participant {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            pseudonym,
            role_id: role,
            case_id: case,
            consent: Consent::default(),
            notes: String::new(),
        });
        Ok(id)
    }

    /// Adds several participants to a case at once (the quick-add table), all or
    /// none: a refused row is named by its index and nothing is added. Rows with an
    /// empty pseudonym are skipped.
    pub fn add_participants(
        &mut self,
        case: Uuid,
        rows: &[NewParticipant],
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, (usize, ValidationError)> {
        let mut trial = self.participants.clone();
        let mut added = Vec::new();
        for (at, row) in rows.iter().enumerate().filter(|(_, r)| !r.pseudonym.trim().is_empty()) {
            let id = self.add_participant(&row.pseudonym, Some(case), row.role, now).map_err(|e| (at, e));
            match id {
                Ok(id) => {
                    if let Some(p) = self.participants.iter_mut().find(|p| p.id == id) {
                        p.consent.interview = row.interview;
                        p.consent.survey = row.survey;
                        p.consent.date = row.consent_date;
                    }
                    added.push(ObjectRef::Participant(id));
                }
                Err(e) => {
                    std::mem::swap(&mut self.participants, &mut trial);
                    return Err(e);
                }
            }
        }
        Ok(added)
    }

    fn check_pseudonym(&self, own: Option<Uuid>, pseudonym: &str) -> Result<String, ValidationError> {
        let pseudonym = non_empty(pseudonym, ValidationError::EmptyPseudonym)?;
        if self.participants.iter().any(|p| Some(p.id) != own && same_name(&p.pseudonym, &pseudonym)) {
            return Err(ValidationError::DuplicatePseudonym(pseudonym));
        }
        Ok(pseudonym)
    }

    fn check_refs(&self, case: Option<Uuid>, role: Option<Uuid>) -> Result<(), ValidationError> {
        if let Some(c) = case.filter(|c| self.case(*c).is_none()) {
            return Err(ValidationError::UnknownCase(c));
        }
        if let Some(r) = role.filter(|r| self.role(*r).is_none()) {
            return Err(ValidationError::UnknownRole(r));
        }
        Ok(())
    }

    pub fn edit_participant(
        &mut self,
        id: Uuid,
        edit: ParticipantEdit,
        now: Timestamp,
    ) -> Result<ObjectRef, ValidationError> {
        let study_id = self.study.id;
        // Checks that need the whole study come first, before borrowing the participant.
        let edit = match edit {
            ParticipantEdit::Pseudonym(p) => ParticipantEdit::Pseudonym(self.check_pseudonym(Some(id), &p)?),
            ParticipantEdit::Role(r) => {
                self.check_refs(None, r)?;
                ParticipantEdit::Role(r)
            }
            ParticipantEdit::Case(c) => {
                self.check_refs(c, None)?;
                ParticipantEdit::Case(c)
            }
            other => other,
        };
        if self.participant(id).is_none() {
            return Err(ValidationError::UnknownParticipant(id));
        }
        let identity_edit = matches!(
            edit,
            ParticipantEdit::RealName(_) | ParticipantEdit::Contact(_) | ParticipantEdit::IdentityNotes(_)
        );
        if identity_edit {
            let identity = match self.identities.iter_mut().position(|i| i.participant_id == id) {
                Some(at) => &mut self.identities[at],
                None => {
                    self.identities.push(Identity { participant_id: id, study_id, ..Identity::default() });
                    let last = self.identities.len() - 1;
                    &mut self.identities[last]
                }
            };
            match edit {
                ParticipantEdit::RealName(v) => identity.real_name = v,
                ParticipantEdit::Contact(v) => identity.contact = v,
                ParticipantEdit::IdentityNotes(v) => identity.notes = v,
                _ => {}
            }
            identity.modified = now;
            return Ok(ObjectRef::Identity(id));
        }
        let Some(p) = self.participants.iter_mut().find(|p| p.id == id) else {
            return Err(ValidationError::UnknownParticipant(id));
        };
        match edit {
            ParticipantEdit::Pseudonym(v) => p.pseudonym = v,
            ParticipantEdit::Role(r) => p.role_id = r,
            ParticipantEdit::Case(c) => p.case_id = c,
            ParticipantEdit::Notes(v) => p.notes = v,
            ParticipantEdit::ConsentDate(text) => {
                p.consent.date = if text.trim().is_empty() {
                    None
                } else {
                    Some(Date::parse(&text).map_err(ValidationError::InvalidDate)?)
                }
            }
            ParticipantEdit::ConsentInterview(v) => p.consent.interview = v,
            ParticipantEdit::ConsentAudio(v) => p.consent.audio_recording = v,
            ParticipantEdit::ConsentQuotation(v) => p.consent.quotation = v,
            ParticipantEdit::Withdrawn(v) => p.consent.withdrawn = v,
            ParticipantEdit::ConsentFormVersion(v) => p.consent.form_version = v.trim().to_string(),
            ParticipantEdit::ConsentSurvey(v) => p.consent.survey = v,
            ParticipantEdit::WithdrawnOn(text) => {
                p.consent.withdrawn_on = if text.trim().is_empty() {
                    None
                } else {
                    Some(Date::parse(&text).map_err(ValidationError::InvalidDate)?)
                };
                // A withdrawal date means consent is withdrawn.
                if p.consent.withdrawn_on.is_some() {
                    p.consent.withdrawn = true;
                }
            }
            ParticipantEdit::RealName(_) | ParticipantEdit::Contact(_) | ParticipantEdit::IdentityNotes(_) => {}
        }
        p.modified = now;
        Ok(ObjectRef::Participant(id))
    }

    /// Checks a whole study, as read from a backup: every rule the edit operations
    /// enforce one at a time, plus ids and references. Returns every problem found.
    pub fn validate(&self) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let study_id = self.study.id;
        if self.study.title.trim().is_empty() {
            errors.push(ValidationError::EmptyTitle);
        }
        let mut ids = HashSet::new();
        ids.insert(study_id);
        let mut seen = |id: Uuid, errors: &mut Vec<ValidationError>| {
            if !ids.insert(id) {
                errors.push(ValidationError::DuplicateId(id));
            }
        };
        for q in &self.study.research_questions {
            seen(q.id, &mut errors);
            if q.text.trim().is_empty() {
                errors.push(ValidationError::EmptyResearchQuestion);
            }
        }
        let mut names = HashSet::new();
        for r in &self.study.roles {
            seen(r.id, &mut errors);
            if r.name.trim().is_empty() {
                errors.push(ValidationError::EmptyRoleName);
            } else if !names.insert(r.name.trim().to_lowercase()) {
                errors.push(ValidationError::DuplicateRoleName(r.name.clone()));
            }
        }
        let mut names = HashSet::new();
        for c in &self.cases {
            seen(c.id, &mut errors);
            if c.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Case", id: c.id });
            }
            if c.name.trim().is_empty() {
                errors.push(ValidationError::EmptyCaseName);
            } else if !names.insert(c.name.trim().to_lowercase()) {
                errors.push(ValidationError::DuplicateCaseName(c.name.clone()));
            }
            let mut keys = HashSet::new();
            for a in &c.attributes.extra {
                if a.key.trim().is_empty() {
                    errors.push(ValidationError::EmptyAttributeName);
                } else if !keys.insert(a.key.trim().to_lowercase()) {
                    errors.push(ValidationError::DuplicateAttributeName(a.key.clone()));
                }
            }
        }
        let mut names = HashSet::new();
        for p in &self.participants {
            seen(p.id, &mut errors);
            if p.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Participant", id: p.id });
            }
            if p.pseudonym.trim().is_empty() {
                errors.push(ValidationError::EmptyPseudonym);
            } else if !names.insert(p.pseudonym.trim().to_lowercase()) {
                errors.push(ValidationError::DuplicatePseudonym(p.pseudonym.clone()));
            }
            if let Err(e) = self.check_refs(p.case_id, p.role_id) {
                errors.push(e);
            }
        }
        for x in &self.protocols {
            seen(x.id, &mut errors);
            if x.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Protocol", id: x.id });
            }
        }
        for x in &self.interviews {
            seen(x.id, &mut errors);
            if x.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Interview", id: x.id });
            }
            if self.case(x.case_id).is_none() {
                errors.push(ValidationError::UnknownCase(x.case_id));
            }
            if let Some(p) = x.participant_ids.iter().find(|p| self.participant(**p).is_none()) {
                errors.push(ValidationError::UnknownParticipant(*p));
            }
            let known_version = self.protocols.iter().find(|p| p.id == x.protocol_id).is_some_and(|p| {
                p.version == x.protocol_version || p.history.iter().any(|h| h.version == x.protocol_version)
            });
            if !known_version {
                errors.push(ValidationError::UnknownProtocol(x.protocol_id));
            }
        }
        for x in &self.documents {
            seen(x.id, &mut errors);
            if x.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Document", id: x.id });
            }
            if self.case(x.case_id).is_none() {
                errors.push(ValidationError::UnknownCase(x.case_id));
            }
        }
        for x in &self.accounts {
            seen(x.id, &mut errors);
            if x.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Account", id: x.id });
            }
            if self.interviews.iter().all(|i| i.id != x.interview_id) {
                errors.push(ValidationError::UnknownInterview(x.interview_id));
            }
        }
        errors.extend(self.validate_protocols());
        errors.extend(self.validate_surveys());
        errors.extend(self.validate_coding(&mut ids));
        let mut owners = HashSet::new();
        for i in &self.identities {
            if i.study_id != study_id {
                errors.push(ValidationError::WrongStudy { kind: "Identity", id: i.participant_id });
            }
            if self.participant(i.participant_id).is_none() {
                errors.push(ValidationError::OrphanIdentity(i.participant_id));
            } else if !owners.insert(i.participant_id) {
                errors.push(ValidationError::DuplicateId(i.participant_id));
            }
        }
        errors
    }

    /// Participants whose consent allows an interview now.
    pub fn interviewable(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().filter(|p| p.consent.allows_interview())
    }
}

fn question_mut(study: &mut Study, id: Uuid) -> Result<&mut ResearchQuestion, ValidationError> {
    study.research_questions.iter_mut().find(|q| q.id == id).ok_or(ValidationError::UnknownResearchQuestion(id))
}

fn attribute_mut(attrs: &mut CaseAttributes, index: usize, case: Uuid) -> Result<&mut Attribute, ValidationError> {
    attrs.extra.get_mut(index).ok_or(ValidationError::UnknownCase(case))
}

fn check_attribute_name(attrs: &CaseAttributes, own: Option<usize>, key: &str) -> Result<String, ValidationError> {
    let key = non_empty(key, ValidationError::EmptyAttributeName)?;
    if RESERVED_ATTRIBUTES.iter().any(|r| same_name(r, &key)) {
        return Err(ValidationError::ReservedAttributeName(key));
    }
    if attrs.extra.iter().enumerate().any(|(i, a)| Some(i) != own && same_name(&a.key, &key)) {
        return Err(ValidationError::DuplicateAttributeName(key));
    }
    Ok(key)
}
