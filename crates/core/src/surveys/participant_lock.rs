//! Participant mode: while a participant fills in a survey on the researcher's
//! tablet, the device is locked to that one survey.
//!
//! The lock is a device record (not part of any study, never exported). The app
//! reads it before showing anything, so a reload, the back button, an edited
//! address or a new tab all land on the same survey; only the researcher's PIN
//! (see [`crate::surveys::pin`]) removes it. A lock record that cannot be read keeps the
//! device locked: failing open would show researcher screens to a participant.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::storage::store::RawRecord;

pub const LOCK_KEY: &str = "meta:participant-lock";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantLock {
    pub study_id: Uuid,
    pub survey_id: Uuid,
    pub case_id: Uuid,
    /// None for an anonymous respondent.
    #[serde(default)]
    pub participant_id: Option<Uuid>,
    /// None until the participant has picked a language and started.
    #[serde(default)]
    pub response_id: Option<Uuid>,
    pub locked_at: Timestamp,
}

/// What the app knows about the lock at start-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LockState {
    Unlocked,
    Locked(ParticipantLock),
    /// A lock record exists but cannot be read: stay locked, offer only the PIN.
    Damaged(String),
}

impl ParticipantLock {
    pub fn to_record(&self) -> RawRecord {
        RawRecord {
            key: LOCK_KEY.into(),
            kind: "meta".into(),
            study: String::new(),
            schema: crate::SCHEMA_VERSION,
            body: serde_json::to_string(self).unwrap_or_default(),
        }
    }

    /// The state a stored record (or its absence) means.
    pub fn state_of(record: Option<&RawRecord>) -> LockState {
        match record {
            None => LockState::Unlocked,
            Some(r) => match serde_json::from_str::<ParticipantLock>(&r.body) {
                Ok(lock) => LockState::Locked(lock),
                Err(e) => LockState::Damaged(e.to_string()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock() -> ParticipantLock {
        ParticipantLock {
            study_id: Uuid::from_u128(1),
            survey_id: Uuid::from_u128(2),
            case_id: Uuid::from_u128(3),
            participant_id: None,
            response_id: Some(Uuid::from_u128(4)),
            locked_at: Timestamp::from_millis(1_700_000_000_000),
        }
    }

    #[test]
    fn a_lock_round_trips_through_its_record() {
        let record = lock().to_record();
        assert_eq!(record.key, LOCK_KEY);
        assert_eq!(ParticipantLock::state_of(Some(&record)), LockState::Locked(lock()));
        assert_eq!(ParticipantLock::state_of(None), LockState::Unlocked);
    }

    #[test]
    fn a_damaged_lock_stays_locked() {
        let mut record = lock().to_record();
        record.body = "{\"study_id\": 12".into();
        assert!(matches!(ParticipantLock::state_of(Some(&record)), LockState::Damaged(_)));
    }
}
