//! Counts that describe a study at a glance (`fieldkit summary`).

use serde::Serialize;

use crate::coding::{Anchor, MemoTarget};
use crate::fieldwork::{AccountStatus, DocumentKind, InterviewKind};
use crate::study::StudyData;

/// Field names are a stable interface: scripts read them. Later kinds of object add fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub title: String,
    pub research_questions: usize,
    pub roles: usize,
    pub cases: usize,
    pub participants: usize,
    /// Participants whose consent covers an interview and is not withdrawn.
    pub interviewable: usize,
    pub withdrawn: usize,
    /// Participants with identifying details stored (never exported by default).
    pub identities: usize,
    pub protocols: usize,
    /// One-to-one interviews, any status.
    pub interviews: usize,
    pub focus_groups: usize,
    /// Documentary sources (reports, minutes, web pages…).
    pub documents: usize,
    /// Site-visit notes.
    pub field_notes: usize,
    /// Member-check accounts, and how many the participant has agreed.
    pub accounts: usize,
    pub accounts_agreed: usize,
    /// Stakeholder surveys, their responses (any status), and how many are complete.
    pub surveys: usize,
    pub responses: usize,
    pub responses_complete: usize,
    /// The codebook: all codes, and how many are themes (top level).
    pub codes: usize,
    pub themes: usize,
    /// Coded segments, the codings on them, and those whose text changed since they
    /// were coded (to review) or was removed (lost).
    pub segments: usize,
    pub codings: usize,
    pub segments_to_review: usize,
    pub segments_lost: usize,
    /// Memos of every kind, and how many are journal entries.
    pub memos: usize,
    pub journal_entries: usize,
    /// Framework matrix cells with a synopsis or links.
    pub matrix_cells: usize,
}

impl Summary {
    pub fn of(data: &StudyData) -> Summary {
        Summary {
            title: data.study.title.clone(),
            research_questions: data.study.research_questions.len(),
            roles: data.study.roles.len(),
            cases: data.cases.len(),
            participants: data.participants.len(),
            interviewable: data.interviewable().count(),
            withdrawn: data.participants.iter().filter(|p| p.consent.withdrawn).count(),
            identities: data.identities.iter().filter(|i| !i.is_empty()).count(),
            protocols: data.protocols.len(),
            interviews: data.interviews.iter().filter(|i| i.kind == InterviewKind::Interview).count(),
            focus_groups: data.interviews.iter().filter(|i| i.kind == InterviewKind::FocusGroup).count(),
            documents: data.documents.iter().filter(|d| d.kind != DocumentKind::FieldNotes).count(),
            field_notes: data.documents.iter().filter(|d| d.kind == DocumentKind::FieldNotes).count(),
            accounts: data.accounts.len(),
            accounts_agreed: data.accounts.iter().filter(|a| a.status == AccountStatus::Agreed).count(),
            surveys: data.surveys.len(),
            responses: data.responses.len(),
            responses_complete: data
                .responses
                .iter()
                .filter(|r| r.status == crate::surveys::ResponseStatus::Complete)
                .count(),
            codes: data.codes.len(),
            themes: data.codes.iter().filter(|c| c.parent.is_none()).count(),
            segments: data.segments.len(),
            codings: data.segments.iter().map(|s| s.codings.len()).sum(),
            segments_to_review: data.segments.iter().filter(|s| s.anchor == Anchor::NeedsReview).count(),
            segments_lost: data.segments.iter().filter(|s| s.anchor == Anchor::Lost).count(),
            memos: data.memos.len(),
            journal_entries: data.memos.iter().filter(|m| m.target == MemoTarget::Journal).count(),
            matrix_cells: data.matrix_cells.len(),
        }
    }
}
