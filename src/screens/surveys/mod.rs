//! Stakeholder surveys, researcher side: the list and templates, a survey's page
//! (handing the tablet to a participant, responses, downloads), the builder, and
//! one response with its corrections.
//!
//! Every change goes through `StudyData::edit_survey`, which starts a new version on
//! the first change to a version responses have used. Participant mode (the locked
//! survey a participant fills in) is `respond`; `question_input` draws one question
//! for it and for corrections.

mod builder;
mod conditions;
mod list;
pub mod question_input;
pub mod respond;
mod response;
mod survey;

pub use builder::SurveyBuilder;
pub use list::SurveysTab;
pub use response::ResponseScreen;
pub use survey::SurveyScreen;

use fieldkit_core::surveys::SurveyEdit;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::autosave::StudyCtx;

pub(crate) fn edit(study: StudyCtx, survey: Uuid, e: SurveyEdit) -> Result<(), String> {
    // Removing what the researcher wrote (a question, an option, a statement) can be
    // undone from the message that follows; other edits save as they are typed.
    let removed = match &e {
        SurveyEdit::RemoveQuestion(_) => Some("Question removed."),
        SurveyEdit::RemoveChoice { .. } => Some("Option removed."),
        SurveyEdit::RemoveLikertItem(_) => Some("Statement removed."),
        _ => None,
    };
    match removed {
        Some(message) => study
            .edit_undoable(message, |_| vec![ObjectRef::Survey(survey)], |d, now| d.edit_survey(survey, e, now))
            .map(drop),
        None => study.edit(|d, now| d.edit_survey(survey, e, now)).map(drop),
    }
}

pub(crate) fn param_id(name: &'static str) -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get(name).and_then(|v| Uuid::parse_str(&v).ok())))
}

pub(crate) fn respondent(d: &StudyData, r: &Response) -> String {
    match r.participant_id {
        Some(p) => d.participant(p).map(|p| p.pseudonym.clone()).unwrap_or_else(|| "(removed participant)".into()),
        None => "Anonymous".into(),
    }
}

pub(crate) fn status_label(s: ResponseStatus) -> &'static str {
    match s {
        ResponseStatus::InProgress => "In progress",
        ResponseStatus::Complete => "Complete",
    }
}
