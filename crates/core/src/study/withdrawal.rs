//! When a participant withdraws, the researcher chooses: keep what was collected (the
//! default: the participant is only marked withdrawn), or remove it everywhere. This
//! is the second: their interviews, their turns in focus groups, their survey
//! responses, the coded passages and memos on those words, matrix rows about them and
//! their identifying details all go. The participant stays, pseudonym only and marked
//! withdrawn, so the study records that someone withdrew.

use std::collections::HashSet;

use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::MatrixRow;
use crate::coding::sources::SourceRef;
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData, plural};

/// What removing a withdrawn participant's data takes, for the confirmation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WithdrawalImpact {
    /// Interviews with this participant alone, removed whole.
    pub interviews: usize,
    /// Their turns in focus groups with others.
    pub turns: usize,
    pub responses: usize,
    pub segments: usize,
    pub matrix_rows: usize,
    pub identity: bool,
}

impl WithdrawalImpact {
    pub fn is_empty(&self) -> bool {
        *self == WithdrawalImpact::default()
    }

    /// A sentence for the confirmation dialog.
    pub fn describe(&self, pseudonym: &str) -> String {
        let mut parts = Vec::new();
        if self.interviews > 0 {
            parts.push(format!("{} with them alone", plural(self.interviews, "interview", "interviews")));
        }
        if self.turns > 0 {
            parts.push(format!("{} in focus groups", plural(self.turns, "turn of theirs", "turns of theirs")));
        }
        if self.responses > 0 {
            parts.push(plural(self.responses, "survey response", "survey responses"));
        }
        if self.segments > 0 {
            parts.push(format!("{} on their words", plural(self.segments, "coded passage", "coded passages")));
        }
        if self.matrix_rows > 0 {
            parts.push(plural(
                self.matrix_rows,
                "framework-matrix synopsis about them",
                "framework-matrix synopses about them",
            ));
        }
        if self.identity {
            parts.push("their identifying details".to_string());
        }
        if parts.is_empty() {
            return format!("Nothing collected from {pseudonym} is in the study.");
        }
        let list = match parts.as_slice() {
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => String::new(),
        };
        format!("This removes {list} from the study and its exports. {pseudonym} stays listed as withdrawn.")
    }
}

impl StudyData {
    fn withdrawal_plan(&self, participant: Uuid) -> (Vec<Uuid>, HashSet<Uuid>, Vec<Uuid>) {
        let alone: Vec<Uuid> = self
            .interviews
            .iter()
            .filter(|i| i.participant_ids.contains(&participant) && i.participant_ids.len() == 1)
            .map(|i| i.id)
            .collect();
        let turns: HashSet<Uuid> = self
            .interviews
            .iter()
            .filter(|i| i.participant_ids.contains(&participant) && i.participant_ids.len() > 1)
            .flat_map(|i| &i.answers)
            .flat_map(|a| &a.turns)
            .filter(|t| t.speaker == crate::fieldwork::Speaker::Participant(participant))
            .map(|t| t.id)
            .collect();
        let responses: Vec<Uuid> =
            self.responses.iter().filter(|r| r.participant_id == Some(participant)).map(|r| r.id).collect();
        (alone, turns, responses)
    }

    fn on_withdrawn_words(source: &SourceRef, alone: &[Uuid], turns: &HashSet<Uuid>, responses: &[Uuid]) -> bool {
        match source {
            SourceRef::Turn { turn, .. } => turns.contains(turn),
            SourceRef::SurveyAnswer { response, .. } => responses.contains(response),
            other => other.interview().is_some_and(|i| alone.contains(&i)),
        }
    }

    /// What [`StudyData::remove_withdrawn_data`] would remove.
    pub fn withdrawal_impact(&self, participant: Uuid) -> WithdrawalImpact {
        let (alone, turns, responses) = self.withdrawal_plan(participant);
        WithdrawalImpact {
            interviews: alone.len(),
            turns: turns.len(),
            responses: responses.len(),
            segments: self
                .segments
                .iter()
                .filter(|s| Self::on_withdrawn_words(&s.source, &alone, &turns, &responses))
                .count(),
            matrix_rows: self.matrix_cells.iter().filter(|c| c.row == MatrixRow::Participant(participant)).count(),
            identity: self.identity(participant).is_some(),
        }
    }

    /// Removes everything collected from a participant (see the module docs) and marks
    /// them withdrawn. Returns every object changed or removed, to store.
    pub fn remove_withdrawn_data(
        &mut self,
        participant: Uuid,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        if self.participant(participant).is_none() {
            return Err(ValidationError::UnknownParticipant(participant));
        }
        let (alone, turns, responses) = self.withdrawal_plan(participant);
        let mut touched = self.drop_coding_of(|s| Self::on_withdrawn_words(s, &alone, &turns, &responses));
        for id in &alone {
            touched.extend(self.delete_interview(*id)?);
        }
        for interview in self.interviews.iter_mut().filter(|i| i.participant_ids.contains(&participant)) {
            for answer in &mut interview.answers {
                answer.turns.retain(|t| !turns.contains(&t.id));
            }
            interview.participant_ids.retain(|p| *p != participant);
            interview.modified = now;
            touched.push(ObjectRef::Interview(interview.id));
        }
        touched.extend(responses.iter().map(|r| ObjectRef::Response(*r)));
        self.responses.retain(|r| !responses.contains(&r.id));
        let cells: Vec<Uuid> =
            self.matrix_cells.iter().filter(|c| c.row == MatrixRow::Participant(participant)).map(|c| c.id).collect();
        touched.extend(cells.iter().map(|c| ObjectRef::MatrixCell(*c)));
        self.matrix_cells.retain(|c| !cells.contains(&c.id));
        if self.identity(participant).is_some() {
            self.identities.retain(|i| i.participant_id != participant);
            touched.push(ObjectRef::Identity(participant));
        }
        if let Some(p) = self.participants.iter_mut().find(|p| p.id == participant) {
            p.consent.withdrawn = true;
            p.modified = now;
            touched.push(ObjectRef::Participant(participant));
        }
        Ok(touched)
    }
}
