//! Fieldwork: interview protocols, running interviews and focus groups with the
//! coverage grid, documents and site-visit notes, and member-check accounts.

pub mod account;
pub mod documents;
pub mod interviews;
pub mod protocols;
pub mod runner;
