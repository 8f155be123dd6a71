//! One module per screen.

pub mod case;
pub mod participant;
pub mod storage;
pub mod studies;
pub mod study;
