//! The study itself: its research questions and stakeholder roles, case studies
//! with their attributes, participants with consent and identifying details, and
//! [`StudyData`], the aggregate that holds every feature's objects for one study.
//!
//! May depend on `clock` and on the *model* types of the other features (StudyData
//! holds them); each feature adds its own operations to StudyData in its own module.

mod data;
mod model;
pub mod validate;
mod withdrawal;

pub use data::*;
pub use model::*;
pub use withdrawal::WithdrawalImpact;
