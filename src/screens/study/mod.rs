//! The study itself: the list of studies, a study's shell with its tabs and the
//! overview, and the cases and participants.

pub mod case;
pub mod overview;
pub mod participant;
pub mod shell;
pub mod studies;

pub use shell::use_study;
