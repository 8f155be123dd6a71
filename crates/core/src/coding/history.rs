//! The coding workspace's undo and redo: every codebook and coding action, in the
//! order done, kept with the study (one record) so that it survives a reload.
//!
//! A step holds the label the Undo button shows ("merge codes") and the snapshot that
//! puts the touched objects back. Undoing a step applies its snapshot and keeps the
//! snapshot that returns, as the redo; a new action empties the redo list. Typing in
//! one text (a memo, a synopsis, a code's definition) is one step however many saves
//! it takes: consecutive edits with the same `merge_key` keep the first snapshot.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::edit::{Applied, CodingEdit, Snapshot};
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

/// How many steps are kept each way; older ones are forgotten.
pub const HISTORY_LIMIT: usize = 100;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryStep {
    /// What the action was, in words: "merge codes", "edit a memo".
    pub label: String,
    /// Applying this puts back what the action changed.
    pub restore: Snapshot,
    /// Edits of the same text share a key and fold into one step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_key: Option<String>,
}

/// The undo and redo lists of one study, newest last.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CodingHistory {
    pub study_id: Uuid,
    #[serde(default)]
    pub undo: Vec<HistoryStep>,
    #[serde(default)]
    pub redo: Vec<HistoryStep>,
}

impl CodingHistory {
    pub fn is_empty(&self) -> bool {
        self.undo.is_empty() && self.redo.is_empty()
    }

    /// The label of the step Undo would undo.
    pub fn next_undo(&self) -> Option<&str> {
        self.undo.last().map(|s| s.label.as_str())
    }

    pub fn next_redo(&self) -> Option<&str> {
        self.redo.last().map(|s| s.label.as_str())
    }
}

fn push_capped(list: &mut Vec<HistoryStep>, step: HistoryStep) {
    list.push(step);
    if list.len() > HISTORY_LIMIT {
        let extra = list.len() - HISTORY_LIMIT;
        list.drain(..extra);
    }
}

/// Edits of one text that fold into a single undo step.
fn merge_key(edit: &CodingEdit) -> Option<String> {
    match edit {
        CodingEdit::EditMemo { memo, .. } => Some(format!("memo:{memo}")),
        CodingEdit::SetSynopsis { row, column, .. } => Some(format!("synopsis:{row:?}:{column:?}")),
        CodingEdit::CodeText { code, field, .. } => Some(format!("code-text:{code}:{field:?}")),
        CodingEdit::RenameCode { code, .. } => Some(format!("rename:{code}")),
        _ => None,
    }
}

fn snapshot_of(edit: CodingEdit) -> Snapshot {
    match edit {
        CodingEdit::Restore(snapshot) => snapshot,
        // apply_coding always answers with a Restore; anything else has nothing to keep.
        _ => Snapshot::default(),
    }
}

impl StudyData {
    /// Applies a coding edit and records its undo under `label`. What it touched
    /// includes the history record.
    pub fn apply_coding_recorded(
        &mut self,
        label: &str,
        edit: CodingEdit,
        now: Timestamp,
    ) -> Result<Applied, ValidationError> {
        let key = merge_key(&edit);
        let mut applied = self.apply_coding(edit, now)?;
        self.record_step(label, key, &mut applied);
        Ok(applied)
    }

    /// Records the undo of a coding change made by another operation (copying a
    /// codebook), under `label`; adds the history record to what it touched.
    pub fn remember_coding(&mut self, label: &str, applied: &mut Applied) {
        self.record_step(label, None, applied);
    }

    fn record_step(&mut self, label: &str, key: Option<String>, applied: &mut Applied) {
        let restore = snapshot_of(applied.undo.clone());
        let history = &mut self.coding_history;
        history.study_id = self.study.id;
        let folds =
            key.is_some() && history.redo.is_empty() && history.undo.last().is_some_and(|last| last.merge_key == key);
        let mut changed = !history.redo.is_empty();
        history.redo.clear();
        if !folds && !restore.is_empty() {
            push_capped(&mut history.undo, HistoryStep { label: label.to_string(), restore, merge_key: key });
            changed = true;
        }
        // Typing on in the same text leaves the history as it was: no need to write it.
        if changed {
            applied.changed.push(ObjectRef::CodingHistory);
        }
    }

    /// Undoes the newest step: its label and what changed, or None when there is
    /// nothing to undo. A step that can no longer be applied is dropped and the error
    /// returned; nothing else changes.
    pub fn undo_coding(&mut self, now: Timestamp) -> Result<Option<(String, Applied)>, ValidationError> {
        self.step_history(now, true)
    }

    /// Redoes the newest undone step.
    pub fn redo_coding(&mut self, now: Timestamp) -> Result<Option<(String, Applied)>, ValidationError> {
        self.step_history(now, false)
    }

    fn step_history(&mut self, now: Timestamp, undo: bool) -> Result<Option<(String, Applied)>, ValidationError> {
        let from = if undo { &mut self.coding_history.undo } else { &mut self.coding_history.redo };
        let Some(step) = from.pop() else { return Ok(None) };
        let mut applied = self.apply_coding(CodingEdit::Restore(step.restore), now)?;
        let back =
            HistoryStep { label: step.label.clone(), restore: snapshot_of(applied.undo.clone()), merge_key: None };
        let to = if undo { &mut self.coding_history.redo } else { &mut self.coding_history.undo };
        push_capped(to, back);
        self.coding_history.study_id = self.study.id;
        applied.changed.push(ObjectRef::CodingHistory);
        Ok(Some((step.label, applied)))
    }

    /// Forgets the history, for when the study changed under it (a merge or an
    /// import into it): old snapshots could put back objects the merge changed.
    pub fn clear_coding_history(&mut self) -> Option<ObjectRef> {
        if self.coding_history.is_empty() {
            return None;
        }
        self.coding_history.undo.clear();
        self.coding_history.redo.clear();
        Some(ObjectRef::CodingHistory)
    }
}
