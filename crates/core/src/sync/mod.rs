//! Team sync through a CouchDB database, one per study: how records travel as
//! documents (`doc`), what a push of a study file writes without overwriting
//! anyone's work (`push`), a study read back from its documents (`pull`), and
//! what crosses between a device's records and its replica of the database
//! (`replica`).
//! The HTTP itself is the caller's (the CLI's client, the app's replicator); this
//! module holds the rules, so they are tested natively.

pub mod doc;
pub mod pull;
pub mod push;
pub mod replica;
pub mod settle;
