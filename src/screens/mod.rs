//! The app's screens, grouped by feature like the core: a folder per feature with
//! several screens, one module per screen (or per sub-screen of a large one).
//! Shared widgets are in `crate::widgets`.

pub mod coding;
pub mod fieldwork;
pub mod merge;
pub mod protection;
pub mod storage;
pub mod study;
pub mod surveys;
pub mod sync;
