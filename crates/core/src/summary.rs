//! Counts that describe a study at a glance (`fieldkit summary`).

use serde::Serialize;

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
        }
    }
}
