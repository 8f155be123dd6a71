//! Typed validation errors. Their `Display` text is shown to users as is.

use thiserror::Error;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ValidationError {
    #[error("The study needs a title.")]
    EmptyTitle,
    #[error("A research question cannot be empty.")]
    EmptyResearchQuestion,
    #[error("A role needs a name.")]
    EmptyRoleName,
    #[error("There is already a role called “{0}”.")]
    DuplicateRoleName(String),
    #[error("A case needs a name.")]
    EmptyCaseName,
    #[error("There is already a case called “{0}”.")]
    DuplicateCaseName(String),
    #[error("An attribute needs a name.")]
    EmptyAttributeName,
    #[error("This case already has an attribute called “{0}”.")]
    DuplicateAttributeName(String),
    #[error("“{0}” is one of the built-in attributes; use its own field.")]
    ReservedAttributeName(String),
    #[error("A participant needs a pseudonym.")]
    EmptyPseudonym,
    #[error("Another participant already has the pseudonym “{0}”.")]
    DuplicatePseudonym(String),
    #[error("No case with id {0} in this study.")]
    UnknownCase(Uuid),
    #[error("No participant with id {0} in this study.")]
    UnknownParticipant(Uuid),
    #[error("No role with id {0} in this study.")]
    UnknownRole(Uuid),
    #[error("No research question with id {0} in this study.")]
    UnknownResearchQuestion(Uuid),
    #[error("{0}")]
    InvalidDate(String),
    #[error("The id {0} is used by more than one object.")]
    DuplicateId(Uuid),
    #[error("{kind} {id} belongs to another study.")]
    WrongStudy { kind: &'static str, id: Uuid },
    #[error("Identifying details refer to a participant ({0}) who is not in the study.")]
    OrphanIdentity(Uuid),
}
