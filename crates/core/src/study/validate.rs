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
    // --- transcripts and member-check accounts (transcript.rs, account.rs) ---
    #[error("The transcript is empty.")]
    EmptyTranscript,
    #[error("No interview account with id {0} in this study.")]
    UnknownAccount(Uuid),
    #[error("This interview already has an account; open it to send, amend or agree it.")]
    AccountExists(Uuid),
    #[error("An account that is “{}” cannot be marked “{}”.", .from.label(), .to.label())]
    AccountStatusChange { from: crate::fieldwork::AccountStatus, to: crate::fieldwork::AccountStatus },
    #[error("Amendments can only be recorded once the account has been sent (it is “{}”).", .0.label())]
    AmendmentNotExpected(crate::fieldwork::AccountStatus),
    #[error("The amended account is the same as the current version; nothing was changed.")]
    AmendmentUnchanged,
    #[error("The amended account cannot be empty.")]
    EmptyAmendment,
    #[error("This account has already been sent; record the participant's changes as an amendment instead.")]
    DraftAlreadySent,
    // --- fieldwork: interviews and documents ---
    #[error("No interview protocol with id {0} in this study.")]
    UnknownProtocol(Uuid),
    #[error("No interview with id {0} in this study.")]
    UnknownInterview(Uuid),
    #[error("That section is not part of this interview's protocol ({0}).")]
    UnknownSection(Uuid),
    #[error("That speaker turn no longer exists ({0}).")]
    UnknownTurn(Uuid),
    #[error("No document with id {0} in this study.")]
    UnknownDocument(Uuid),
    #[error("Choose who takes part.")]
    NoParticipants,
    #[error("An interview has one participant; choose a focus group for several.")]
    InterviewNeedsOneParticipant,
    #[error("A focus group needs at least two participants.")]
    FocusGroupNeedsSeveral,
    #[error("{0} has withdrawn consent and cannot be interviewed.")]
    ConsentWithdrawn(String),
    #[error("{0} has not consented to be interviewed.")]
    NoInterviewConsent(String),
    #[error("{0} belongs to another case.")]
    ParticipantElsewhere(String),
    #[error("This text is too long ({:.1} MB; the limit is {:.0} MB). Attach long material as a document instead.", *.bytes as f64 / 1_048_576.0, *.limit as f64 / 1_048_576.0)]
    TextTooLong { bytes: usize, limit: usize },
    #[error("A document needs a title.")]
    EmptyDocumentTitle,
    #[error(
        "{name} took part in {count} interview(s) or survey response(s); delete those first, or record that consent was withdrawn."
    )]
    ParticipantInInterviews { name: String, count: usize },
    // --- interview protocols (protocol.rs) ---
    #[error("A protocol needs a name.")]
    EmptyProtocolName,
    #[error("There is already a protocol called “{0}”.")]
    DuplicateProtocolName(String),
    #[error("That section is no longer in this protocol ({0}).")]
    UnknownProtocolSection(Uuid),
    #[error("That follow-up prompt is no longer in this protocol ({0}).")]
    UnknownPrompt(Uuid),
    #[error("A section needs a main question.")]
    EmptySectionQuestion,
    #[error("A follow-up prompt cannot be empty.")]
    EmptyPromptText,
    #[error("“{0}” is not a colour; use the form #2a7f62.")]
    InvalidColour(String),
    #[error("“{name}” cannot be deleted: it is used by {}, which must keep the protocol they were run with.", crate::study::plural(*.interviews, "interview", "interviews"))]
    ProtocolInUse { name: String, interviews: usize },
    #[error("There is no built-in protocol template called “{0}”.")]
    UnknownTemplate(String),
    #[error("An interview refers to version {version} of protocol {protocol}, which is not stored.")]
    UnknownProtocolVersion { protocol: Uuid, version: u32 },
    // --- the coding workspace (coding.rs) ---
    #[error("A code needs a name.")]
    EmptyCodeName,
    #[error("There is already a code called “{0}” in the same place of the codebook.")]
    DuplicateCodeName(String),
    #[error("No code with id {0} in this study.")]
    UnknownCode(Uuid),
    #[error("“{0}” cannot go under itself or one of its own sub-codes.")]
    CodeCycle(String),
    #[error("A code cannot be merged into itself.")]
    MergeIntoSelf,
    #[error("“{0}” cannot be merged into one of its own sub-codes; move that sub-code out first.")]
    MergeIntoDescendant(String),
    #[error("Choose at least one segment to move to the new code.")]
    SplitNothingChosen,
    #[error("That coded segment no longer exists ({0}).")]
    UnknownSegment(Uuid),
    #[error("This segment is not coded “{0}”.")]
    SegmentNotCoded(String),
    #[error("Choose at least one code to apply.")]
    NoCodesChosen,
    #[error("Select some text first.")]
    EmptySelection,
    #[error("The selection ({start}–{end}) is outside the text, which is {len} characters long.")]
    SelectionOutsideText { start: usize, end: usize, len: usize },
    #[error("That text is no longer in the study.")]
    UnknownSource,
    #[error("A coded segment refers to text that is not in the study ({0}).")]
    SegmentSourceMissing(Uuid),
    #[error("Coded segment {0} lies outside its text or has no codes.")]
    InvalidSegment(Uuid),
    #[error("No memo with id {0} in this study.")]
    UnknownMemo(Uuid),
    #[error("A memo cannot be empty.")]
    EmptyMemo,
    #[error("That row or column of the framework matrix is not in the study.")]
    UnknownMatrixCell,
    #[error("The codebook contains a loop: “{0}” is its own ancestor.")]
    CodebookCycle(String),
    // --- stakeholder surveys (survey.rs) ---
    #[error("No survey with id {0} in this study.")]
    UnknownSurvey(Uuid),
    #[error("A survey needs a name.")]
    EmptySurveyName,
    #[error("There is already a survey called “{0}”.")]
    DuplicateSurveyName(String),
    #[error("There is no built-in survey template called “{0}”.")]
    UnknownSurveyTemplate(String),
    #[error("“{name}” cannot be deleted: {} recorded with it, which must keep the survey they answered.", crate::study::plural(*.responses, "response was", "responses were"))]
    SurveyInUse { name: String, responses: usize },
    #[error("That page is no longer in this survey ({0}).")]
    UnknownSurveyPage(Uuid),
    #[error("That question is no longer in this survey ({0}).")]
    UnknownSurveyQuestion(Uuid),
    #[error("That Likert statement is no longer in this survey ({0}).")]
    UnknownLikertItem(Uuid),
    #[error("“{question}” has no option “{value}”.")]
    UnknownChoice { question: String, value: String },
    #[error("A question needs a label in English.")]
    EmptyQuestionLabel,
    #[error("An option needs a label in English.")]
    EmptyChoiceLabel,
    #[error("A Likert statement needs a label in English.")]
    EmptyLikertLabel,
    #[error(
        "“{0}” cannot be used as a machine name: start with a lower-case letter and use only lower-case letters, digits and _ (for example q3_support)."
    )]
    InvalidMachineName(String),
    #[error(
        "The machine name “{0}” is used more than once in this survey (question names, Likert statements and the columns of multiple-choice questions must all differ)."
    )]
    DuplicateMachineName(String),
    /// A machine name equal (ignoring case) to a column every survey export has
    /// (`surveys::export::WIDE_CSV_FIXED`). Refused on edit only, never on load.
    #[error("“{0}” is used by a column every export has; choose another name.")]
    ReservedMachineName(String),
    #[error("“{0}” cannot be used as an option value: use lower-case letters, digits and _ only.")]
    InvalidChoiceValue(String),
    #[error("“{question}” already has an option with the value “{value}”.")]
    DuplicateChoiceValue { question: String, value: String },
    #[error("A Likert scale has 5 or 7 points, not {0}.")]
    InvalidLikertPoints(u8),
    #[error("A rating goes up to between 2 and 10, not {0}.")]
    InvalidRatingMax(u8),
    #[error("The smallest number allowed for “{0}” is larger than the largest.")]
    InvalidNumberBounds(String),
    #[error("Point {point} is not on the {points}-point scale.")]
    UnknownScalePoint { point: u8, points: u8 },
    #[error("“{0}” is not a language code; use a short code such as cy.")]
    InvalidLanguage(String),
    #[error("This survey is not offered in “{0}”; add the language first.")]
    LanguageNotOffered(String),
    #[error("English is the survey's default language and cannot be removed.")]
    DefaultLanguageRequired,
    #[error("{owner} depends on a question that is not in the survey.")]
    ConditionUnknownQuestion { owner: String },
    #[error("{owner} depends on “{question}”, which would no longer be in the survey. Change that condition first.")]
    ConditionRemovedQuestion { owner: String, question: String },
    #[error("{owner} can only depend on questions shown before it, and “{question}” comes after it.")]
    ConditionNotBefore { owner: String, question: String },
    #[error("{owner} cannot depend on its own answer.")]
    ConditionSelfReference { owner: String },
    #[error("“{question}” cannot be used with “{operator}”.")]
    ConditionOperator { question: String, operator: &'static str },
    #[error("“{value}” is not a possible answer to “{question}”.")]
    ConditionValue { question: String, value: String },
    #[error("A combined condition (all of, any of) needs at least one part.")]
    EmptyCondition,
    #[error("This survey has no questions yet.")]
    EmptySurvey,
    #[error("No survey response with id {0} in this study.")]
    UnknownResponse(Uuid),
    #[error("This response is complete; record changes as a correction.")]
    ResponseComplete,
    #[error("Only a complete response can be corrected; change the answer directly.")]
    ResponseNotComplete,
    #[error("That kind of answer does not fit “{0}”.")]
    AnswerShape(String),
    #[error("“{question}”: {problem}")]
    InvalidAnswer { question: String, problem: String },
    #[error("“{0}” is not shown with this response's other answers, so it cannot hold an answer.")]
    QuestionHidden(String),
    #[error("Say who made the correction.")]
    EmptyCorrector,
    #[error("{0} has withdrawn consent and cannot answer a survey.")]
    SurveyConsentWithdrawn(String),
    #[error("A response refers to version {version} of survey {survey}, which is not stored.")]
    UnknownSurveyVersion { survey: Uuid, version: u32 },
}
