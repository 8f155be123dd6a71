//! Running interviews and focus groups: who may take part, recording notes and
//! speaker turns per section, completing, and corrections after completion.
//! Also documents and site-visit notes attached to cases, and the case ×
//! research-question coverage grid.

use uuid::Uuid;

use crate::clock::{Date, Timestamp};
use crate::coding::sources::SourceRef;
use crate::fieldwork::*;
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

/// The most text one field may hold. A transcript of a long interview is about 60 kB;
/// anything bigger is almost certainly a wrong paste, and would slow autosave.
pub const MAX_FIELD_BYTES: usize = 2 * 1024 * 1024;

/// Edits within this many minutes of the last correction with the same description
/// extend it rather than adding another (each keystroke is an edit).
const CORRECTION_MERGE_MS: i64 = 10 * 60 * 1000;

/// What the researcher chooses when starting (or planning) an interview.
#[derive(Clone, Debug, PartialEq)]
pub struct NewInterview {
    pub kind: InterviewKind,
    pub case_id: Uuid,
    pub participant_ids: Vec<Uuid>,
    pub mode: Mode,
    pub interviewer: String,
    /// `YYYY-MM-DD`, or empty.
    pub date: String,
    pub protocol_id: Uuid,
    /// Arrange it for later instead of starting now.
    pub planned: bool,
}

/// Names the answer an edit is about: a section's main question (prompt None) or a prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    pub section: Uuid,
    pub prompt: Option<Uuid>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum InterviewEdit {
    Notes {
        slot: Slot,
        text: String,
    },
    State {
        slot: Slot,
        state: AnswerState,
    },
    ToggleFlag {
        slot: Slot,
        flag: Flag,
    },
    AddTurn {
        slot: Slot,
        id: Uuid,
        speaker: Speaker,
        text: String,
    },
    TurnText {
        slot: Slot,
        turn: Uuid,
        text: String,
    },
    TurnSpeaker {
        slot: Slot,
        turn: Uuid,
        speaker: Speaker,
    },
    RemoveTurn {
        slot: Slot,
        turn: Uuid,
    },
    /// Where the interviewer is; not a correction.
    GoTo(usize),
    Interviewer(String),
    Date(String),
    Mode(Mode),
    Start,
    Complete,
}

fn check_length(text: &str) -> Result<(), ValidationError> {
    if text.len() > MAX_FIELD_BYTES {
        return Err(ValidationError::TextTooLong { bytes: text.len(), limit: MAX_FIELD_BYTES });
    }
    Ok(())
}

impl Interview {
    pub fn answer(&self, slot: Slot) -> Option<&Answer> {
        self.answers.iter().find(|a| a.section_id == slot.section && a.prompt_id == slot.prompt)
    }

    fn answer_mut(&mut self, slot: Slot) -> &mut Answer {
        match self.answers.iter().position(|a| a.section_id == slot.section && a.prompt_id == slot.prompt) {
            Some(at) => &mut self.answers[at],
            None => {
                self.answers.push(Answer { section_id: slot.section, prompt_id: slot.prompt, ..Answer::default() });
                let last = self.answers.len() - 1;
                &mut self.answers[last]
            }
        }
    }

    /// Was anything recorded for this section (notes or turns in an asked answer)?
    pub fn covers_section(&self, section: Uuid) -> bool {
        self.answers.iter().any(|a| {
            a.section_id == section
                && a.state == AnswerState::Asked
                && (!a.text.trim().is_empty() || a.turns.iter().any(|t| !t.text.trim().is_empty()))
        })
    }

    fn note_correction(&mut self, what: String, now: Timestamp) {
        if self.status != InterviewStatus::Complete {
            return;
        }
        if let Some(last) = self.corrections.last_mut()
            && last.what == what
            && now.millis() - last.at.millis() < CORRECTION_MERGE_MS
        {
            last.at = now;
            return;
        }
        self.corrections.push(Correction { at: now, what });
    }
}

impl StudyData {
    pub fn interview(&self, id: Uuid) -> Option<&Interview> {
        self.interviews.iter().find(|i| i.id == id)
    }

    pub fn document(&self, id: Uuid) -> Option<&Document> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// Participants at a case who may be chosen for an interview now.
    pub fn eligible_participants(&self, case: Uuid) -> Vec<&crate::study::Participant> {
        self.participants_of_case(case).filter(|p| p.consent.allows_interview()).collect()
    }

    /// Checks consent and the shape of the group, then starts or plans the interview.
    pub fn start_interview(&mut self, new: NewInterview, now: Timestamp) -> Result<Uuid, ValidationError> {
        if self.case(new.case_id).is_none() {
            return Err(ValidationError::UnknownCase(new.case_id));
        }
        let protocol = self
            .protocols
            .iter()
            .find(|p| p.id == new.protocol_id)
            .ok_or(ValidationError::UnknownProtocol(new.protocol_id))?;
        let mut people = new.participant_ids.clone();
        people.dedup();
        match (new.kind, people.len()) {
            (_, 0) => return Err(ValidationError::NoParticipants),
            (InterviewKind::Interview, n) if n > 1 => return Err(ValidationError::InterviewNeedsOneParticipant),
            (InterviewKind::FocusGroup, 1) => return Err(ValidationError::FocusGroupNeedsSeveral),
            _ => {}
        }
        for id in &people {
            let p = self.participant(*id).ok_or(ValidationError::UnknownParticipant(*id))?;
            if p.consent.withdrawn {
                return Err(ValidationError::ConsentWithdrawn(p.pseudonym.clone()));
            }
            if !p.consent.interview {
                return Err(ValidationError::NoInterviewConsent(p.pseudonym.clone()));
            }
            if p.case_id != Some(new.case_id) {
                return Err(ValidationError::ParticipantElsewhere(p.pseudonym.clone()));
            }
        }
        let date = if new.date.trim().is_empty() {
            if new.planned { None } else { now.date() }
        } else {
            Some(Date::parse(&new.date).map_err(ValidationError::InvalidDate)?)
        };
        let id = Uuid::new_v4();
        self.interviews.push(Interview {
            id,
            study_id: self.study.id,
            created: now,
            modified: now,
            kind: new.kind,
            case_id: new.case_id,
            participant_ids: people,
            mode: new.mode,
            interviewer: new.interviewer.trim().to_string(),
            date,
            protocol_id: protocol.id,
            protocol_version: protocol.version,
            status: if new.planned { InterviewStatus::Planned } else { InterviewStatus::InProgress },
            answers: Vec::new(),
            current_section: 0,
            started: (!new.planned).then_some(now),
            completed: None,
            corrections: Vec::new(),
            transcript: None,
        });
        Ok(id)
    }

    /// The sections an interview was run with (its own protocol version); empty if
    /// that protocol version is gone.
    pub fn interview_sections(&self, interview: &Interview) -> &[Section] {
        self.protocols
            .iter()
            .find(|p| p.id == interview.protocol_id)
            .and_then(|p| p.sections_for(interview.protocol_version))
            .unwrap_or(&[])
    }

    /// Applies an edit to an interview. Returns the interview and any coded segments
    /// that moved because the text they are on changed (see `StudyData::reanchor_source`).
    pub fn edit_interview(
        &mut self,
        id: Uuid,
        edit: InterviewEdit,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        // Text that coded segments may sit on, as it was before the edit.
        let follow = match (&edit, self.interview(id)) {
            (InterviewEdit::Notes { slot, .. }, Some(i)) => {
                let source = SourceRef::Notes { interview: id, section: slot.section, prompt: slot.prompt };
                Some((source, i.answer(*slot).map(|a| a.text.clone()).unwrap_or_default(), false))
            }
            (InterviewEdit::TurnText { turn, .. }, Some(i)) => {
                let old = i.answers.iter().flat_map(|a| &a.turns).find(|t| t.id == *turn).map(|t| t.text.clone());
                old.map(|old| (SourceRef::Turn { interview: id, turn: *turn }, old, false))
            }
            (InterviewEdit::RemoveTurn { turn, .. }, Some(_)) => {
                Some((SourceRef::Turn { interview: id, turn: *turn }, String::new(), true))
            }
            _ => None,
        };
        let section_titles: Vec<(Uuid, String)> = match self.interview(id) {
            Some(i) => self.interview_sections(i).iter().map(|s| (s.id, s.title.clone())).collect(),
            None => return Err(ValidationError::UnknownInterview(id)),
        };
        let participants: Vec<Uuid> = self.interview(id).map(|i| i.participant_ids.clone()).unwrap_or_default();
        let interview = self.interviews.iter_mut().find(|i| i.id == id).ok_or(ValidationError::UnknownInterview(id))?;
        let section_name = |slot: &Slot| {
            section_titles
                .iter()
                .position(|(s, _)| *s == slot.section)
                .map(|at| format!("Section {} ({})", at + 1, section_titles[at].1))
                .unwrap_or_else(|| "A section".into())
        };
        let check_slot = |slot: &Slot| {
            if section_titles.iter().any(|(s, _)| *s == slot.section) {
                Ok(())
            } else {
                Err(ValidationError::UnknownSection(slot.section))
            }
        };
        let check_speaker = |speaker: &Speaker| match speaker {
            Speaker::Participant(p) if !participants.contains(p) => Err(ValidationError::UnknownParticipant(*p)),
            _ => Ok(()),
        };
        match edit {
            InterviewEdit::Notes { slot, text } => {
                check_slot(&slot)?;
                check_length(&text)?;
                interview.answer_mut(slot).text = text;
                interview.note_correction(format!("{} notes edited", section_name(&slot)), now);
            }
            InterviewEdit::State { slot, state } => {
                check_slot(&slot)?;
                interview.answer_mut(slot).state = state;
                interview.note_correction(format!("{} marked {state:?}", section_name(&slot)), now);
            }
            InterviewEdit::ToggleFlag { slot, flag } => {
                check_slot(&slot)?;
                let flags = &mut interview.answer_mut(slot).flags;
                if let Some(at) = flags.iter().position(|f| *f == flag) {
                    flags.remove(at);
                } else {
                    flags.push(flag);
                }
            }
            InterviewEdit::AddTurn { slot, id: turn, speaker, text } => {
                check_slot(&slot)?;
                check_speaker(&speaker)?;
                check_length(&text)?;
                interview.answer_mut(slot).turns.push(Turn { id: turn, speaker, text });
                interview.note_correction(format!("{} turn added", section_name(&slot)), now);
            }
            InterviewEdit::TurnText { slot, turn, text } => {
                check_length(&text)?;
                let what = format!("{} turn edited", section_name(&slot));
                turn_mut(interview, slot, turn)?.text = text;
                interview.note_correction(what, now);
            }
            InterviewEdit::TurnSpeaker { slot, turn, speaker } => {
                check_speaker(&speaker)?;
                let what = format!("{} speaker changed", section_name(&slot));
                turn_mut(interview, slot, turn)?.speaker = speaker;
                interview.note_correction(what, now);
            }
            InterviewEdit::RemoveTurn { slot, turn } => {
                let answer = interview.answer_mut(slot);
                let before = answer.turns.len();
                answer.turns.retain(|t| t.id != turn);
                if answer.turns.len() == before {
                    return Err(ValidationError::UnknownTurn(turn));
                }
                interview.note_correction(format!("{} turn removed", section_name(&slot)), now);
            }
            InterviewEdit::GoTo(index) => {
                interview.current_section = index.min(section_titles.len().saturating_sub(1));
            }
            InterviewEdit::Interviewer(name) => {
                interview.interviewer = name;
                interview.note_correction("Interviewer changed".into(), now);
            }
            InterviewEdit::Date(text) => {
                interview.date = if text.trim().is_empty() {
                    None
                } else {
                    Some(Date::parse(&text).map_err(ValidationError::InvalidDate)?)
                };
                interview.note_correction("Date changed".into(), now);
            }
            InterviewEdit::Mode(mode) => {
                interview.mode = mode;
                interview.note_correction("Mode changed".into(), now);
            }
            InterviewEdit::Start => {
                if interview.status == InterviewStatus::Planned {
                    interview.status = InterviewStatus::InProgress;
                    interview.started = Some(now);
                    if interview.date.is_none() {
                        interview.date = now.date();
                    }
                }
            }
            InterviewEdit::Complete => {
                if interview.status != InterviewStatus::Complete {
                    interview.status = InterviewStatus::Complete;
                    interview.completed = Some(now);
                }
            }
        }
        interview.modified = now;
        let mut changed = vec![ObjectRef::Interview(id)];
        match follow {
            Some((source, _, true)) => changed.extend(self.lose_source(&source, now)),
            Some((source, old, false)) => changed.extend(self.reanchor_source(&source, &old, now)),
            None => {}
        }
        Ok(changed)
    }

    /// Deletes an interview with its member-check account, and the coded segments
    /// and memos on its notes, turns and transcript.
    pub fn delete_interview(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        if self.interview(id).is_none() {
            return Err(ValidationError::UnknownInterview(id));
        }
        let mut removed = vec![ObjectRef::Interview(id)];
        removed.extend(self.accounts.iter().filter(|a| a.interview_id == id).map(|a| ObjectRef::Account(a.id)));
        removed.extend(self.drop_coding_of(|s| s.interview() == Some(id)));
        self.interviews.retain(|i| i.id != id);
        self.accounts.retain(|a| a.interview_id != id);
        Ok(removed)
    }

    pub fn interviews_of_case(&self, case: Uuid) -> impl Iterator<Item = &Interview> {
        self.interviews.iter().filter(move |i| i.case_id == case)
    }

    pub fn interviews_of_participant(&self, participant: Uuid) -> impl Iterator<Item = &Interview> {
        self.interviews.iter().filter(move |i| i.participant_ids.contains(&participant))
    }

    /// "Rowan, Hazel": the pseudonyms of an interview's participants.
    pub fn interview_people(&self, interview: &Interview) -> String {
        interview
            .participant_ids
            .iter()
            .map(|id| self.participant(*id).map(|p| p.pseudonym.as_str()).unwrap_or("(deleted participant)"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn add_document(
        &mut self,
        case: Uuid,
        kind: DocumentKind,
        title: &str,
        now: Timestamp,
    ) -> Result<Uuid, ValidationError> {
        if self.case(case).is_none() {
            return Err(ValidationError::UnknownCase(case));
        }
        let title = title.trim();
        if title.is_empty() {
            return Err(ValidationError::EmptyDocumentTitle);
        }
        let id = Uuid::new_v4();
        self.documents.push(Document {
            id,
            study_id: self.study.id,
            case_id: case,
            created: now,
            modified: now,
            kind,
            title: title.to_string(),
            date: now.date(),
            origin: String::new(),
            text: String::new(),
        });
        Ok(id)
    }

    /// Applies an edit to a document; a new text moves the coded segments on it along
    /// (returned after the document).
    pub fn edit_document(
        &mut self,
        id: Uuid,
        edit: DocumentEdit,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        let old_text = match &edit {
            DocumentEdit::Text(_) => self.document(id).map(|d| d.text.clone()),
            _ => None,
        };
        let doc = self.documents.iter_mut().find(|d| d.id == id).ok_or(ValidationError::UnknownDocument(id))?;
        match edit {
            DocumentEdit::Title(t) => {
                let t = t.trim();
                if t.is_empty() {
                    return Err(ValidationError::EmptyDocumentTitle);
                }
                doc.title = t.to_string();
            }
            DocumentEdit::Kind(k) => doc.kind = k,
            DocumentEdit::Date(text) => {
                doc.date = if text.trim().is_empty() {
                    None
                } else {
                    Some(Date::parse(&text).map_err(ValidationError::InvalidDate)?)
                }
            }
            DocumentEdit::Origin(o) => doc.origin = o,
            DocumentEdit::Text(text) => {
                check_length(&text)?;
                doc.text = text;
            }
        }
        doc.modified = now;
        let mut changed = vec![ObjectRef::Document(id)];
        if let Some(old) = old_text {
            changed.extend(self.reanchor_source(&SourceRef::Document { document: id }, &old, now));
        }
        Ok(changed)
    }

    pub fn delete_document(&mut self, id: Uuid) -> Result<Vec<ObjectRef>, ValidationError> {
        if self.document(id).is_none() {
            return Err(ValidationError::UnknownDocument(id));
        }
        self.documents.retain(|d| d.id != id);
        let mut removed = vec![ObjectRef::Document(id)];
        removed.extend(self.drop_coding_of(|s| *s == SourceRef::Document { document: id }));
        Ok(removed)
    }

    /// Which research questions each case has data for, so gaps show before leaving the site.
    pub fn coverage(&self) -> Coverage {
        let questions: Vec<(Uuid, String)> =
            self.study.research_questions.iter().map(|q| (q.id, q.text.clone())).collect();
        let rows = self
            .cases
            .iter()
            .map(|case| {
                let interviews: Vec<&Interview> = self.interviews_of_case(case.id).collect();
                let cells = questions
                    .iter()
                    .map(|(q, _)| {
                        interviews
                            .iter()
                            .filter(|i| {
                                self.interview_sections(i)
                                    .iter()
                                    .any(|s| s.research_question_id == Some(*q) && i.covers_section(s.id))
                            })
                            .count()
                    })
                    .collect();
                CoverageRow {
                    case_id: case.id,
                    case_name: case.name.clone(),
                    cells,
                    done: interviews.iter().filter(|i| i.status == InterviewStatus::Complete).count(),
                    in_progress: interviews.iter().filter(|i| i.status == InterviewStatus::InProgress).count(),
                    planned: interviews.iter().filter(|i| i.status == InterviewStatus::Planned).count(),
                    documents: self.documents.iter().filter(|d| d.case_id == case.id).count(),
                }
            })
            .collect();
        Coverage { questions, rows }
    }
}

fn turn_mut(interview: &mut Interview, slot: Slot, turn: Uuid) -> Result<&mut Turn, ValidationError> {
    interview
        .answers
        .iter_mut()
        .find(|a| a.section_id == slot.section && a.prompt_id == slot.prompt)
        .and_then(|a| a.turns.iter_mut().find(|t| t.id == turn))
        .ok_or(ValidationError::UnknownTurn(turn))
}

#[derive(Clone, Debug, PartialEq)]
pub enum DocumentEdit {
    Title(String),
    Kind(DocumentKind),
    Date(String),
    Origin(String),
    Text(String),
}

/// Cases × research questions: how many interviews have data for each.
#[derive(Clone, Debug, PartialEq)]
pub struct Coverage {
    pub questions: Vec<(Uuid, String)>,
    pub rows: Vec<CoverageRow>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CoverageRow {
    pub case_id: Uuid,
    pub case_name: String,
    /// One count per research question, in order.
    pub cells: Vec<usize>,
    pub done: usize,
    pub in_progress: usize,
    pub planned: usize,
    pub documents: usize,
}
