//! One module per screen.

pub mod account;
pub mod case;
pub mod coding;
pub mod documents;
pub mod interviews;
pub mod merge;
pub mod participant;
pub mod protocols;
pub mod question_input;
pub mod respond;
pub mod storage;
pub mod studies;
pub mod study;
pub mod surveys;
