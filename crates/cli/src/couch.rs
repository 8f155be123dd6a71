//! `fieldkit pull` and `fieldkit push`: a study file to and from a team's CouchDB
//! database, over CouchDB's HTTP API (ureq: a small blocking client with rustls, so
//! a team's HTTPS server works without the system's OpenSSL).
//!
//! The rules (which documents travel, what a push may write) are the core's
//! (`fieldkit_core::sync`); this file only talks to the server and words its answers.

use std::io::{BufRead, IsTerminal, Write as _};
use std::time::Duration;

use base64::Engine as _;
use fieldkit_core::Timestamp;
use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::sync::doc::{DocError, SyncDoc, conflicts_of, rev_of};
use fieldkit_core::sync::pull::{PulledDoc, by_id, docs_of, study_from_docs};
use fieldkit_core::sync::push::{PushPlan, Write, plan_push};
use serde_json::{Value, json};

/// Documents per `_all_docs` page and per `_bulk_docs` request: a few MB each.
const PAGE: usize = 1_000;
/// The largest answer read from the server (one page of documents).
const MAX_ANSWER: u64 = 512 * 1024 * 1024;

/// A database on a server, with the user's credentials (kept in memory only).
pub struct Couch {
    agent: ureq::Agent,
    server: String,
    db: String,
    user: Option<String>,
    auth: Option<String>,
}

/// The server's answer: status and JSON body (null when it was not JSON).
struct Answer {
    status: u16,
    body: Value,
}

fn is_valid_db_name(name: &str) -> bool {
    // CouchDB's rule: a lowercase letter, then lowercase letters, digits and _$()+-/
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_$()+-/".contains(c))
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

impl Couch {
    /// Credentials come from FIELDKIT_USER and FIELDKIT_PASSWORD, or are asked on the
    /// terminal; without either the requests are anonymous.
    pub fn connect(url: &str, db: &str) -> Result<Couch, String> {
        let server = url.trim().trim_end_matches('/').to_string();
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(format!("{url} is not a server address (it should start with https:// or http://)"));
        }
        if !is_valid_db_name(db) {
            return Err(format!(
                "“{db}” is not a CouchDB database name (lowercase letters, digits and _$()+-/, starting with a letter)"
            ));
        }
        let (user, password) = credentials()?;
        let auth = match (&user, password) {
            (Some(user), Some(password)) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            _ => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(300)))
            .build()
            .into();
        Ok(Couch { agent, server, db: db.to_string(), user, auth })
    }

    fn url(&self, path: &str) -> String {
        if path.is_empty() {
            format!("{}/{}", self.server, encode(&self.db))
        } else {
            format!("{}/{}/{path}", self.server, encode(&self.db))
        }
    }

    fn unreachable(&self, e: ureq::Error) -> String {
        format!("cannot reach the server at {}: {e}", self.server)
    }

    fn answer(&self, response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Answer, String> {
        let mut response = response.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(|e| format!("the server's answer could not be read: {e}"))?;
        Ok(Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::Null) })
    }

    fn get(&self, url: &str) -> Result<Answer, String> {
        let mut request = self.agent.get(url).header("Accept", "application/json");
        if let Some(auth) = &self.auth {
            request = request.header("Authorization", auth);
        }
        self.answer(request.call())
    }

    fn send(&self, method: &str, url: &str, body: Option<&Value>) -> Result<Answer, String> {
        let mut request = match method {
            "PUT" => self.agent.put(url),
            _ => self.agent.post(url),
        }
        .header("Accept", "application/json")
        .header("Content-Type", "application/json");
        if let Some(auth) = &self.auth {
            request = request.header("Authorization", auth);
        }
        let response = match body {
            Some(body) => request.send(body.to_string()),
            None => request.send_empty(),
        };
        self.answer(response)
    }

    /// Whether the server accepts the credentials (asked when it refused something:
    /// some servers answer 401 both for a wrong password and for a non-member).
    fn signed_in(&self) -> bool {
        let Ok(answer) = self.get(&format!("{}/_session", self.server)) else { return false };
        answer.status == 200 && answer.body["userCtx"]["name"].as_str() == self.user.as_deref()
    }

    /// A refusal or failure, in words.
    fn refused(&self, answer: &Answer, doing: &str) -> String {
        let reason = answer.body.get("reason").and_then(Value::as_str).unwrap_or("");
        let status = if answer.status == 401 && self.user.is_some() && self.signed_in() { 403 } else { answer.status };
        match (status, &self.user) {
            (401, None) => format!(
                "the server asks for a team member's user name and password to {doing}: set FIELDKIT_USER and FIELDKIT_PASSWORD"
            ),
            (401, Some(user)) => format!("the server refused the user name or password for {user}"),
            (403, Some(user)) => format!(
                "{user} is not a member of the team's database {} (ask whoever runs the server to add you){}",
                self.db,
                if reason.is_empty() { String::new() } else { format!(": {reason}") }
            ),
            (403, None) => format!("anonymous requests may not {doing}: set FIELDKIT_USER and FIELDKIT_PASSWORD"),
            (status, _) => format!(
                "the server answered {status} when asked to {doing}{}",
                if reason.is_empty() { String::new() } else { format!(": {reason}") }
            ),
        }
    }

    /// Checks that the address answers as CouchDB (or a server speaking its API).
    pub fn check_server(&self) -> Result<(), String> {
        let answer = self.get(&format!("{}/", self.server))?;
        let speaks_couch = answer.body.get("couchdb").is_some() || answer.body.get("express-pouchdb").is_some();
        if answer.status == 200 && speaks_couch {
            return Ok(());
        }
        if answer.status == 401 || answer.status == 403 {
            return Err(self.refused(&answer, "connect"));
        }
        Err(format!("{} does not answer as a CouchDB server (status {})", self.server, answer.status))
    }

    /// The database's `update_seq`, or None when there is no such database.
    pub fn update_seq(&self) -> Result<Option<Value>, String> {
        let answer = self.get(&self.url(""))?;
        match answer.status {
            200 => Ok(Some(answer.body.get("update_seq").cloned().unwrap_or(Value::Null))),
            404 => Ok(None),
            _ => Err(self.refused(&answer, &format!("open the database {}", self.db))),
        }
    }

    pub fn create_database(&self) -> Result<(), String> {
        let answer = self.send("PUT", &self.url(""), None)?;
        match answer.status {
            201 | 202 | 412 => Ok(()),
            401 | 403 => Err(format!(
                "there is no database {} on the server, and {} may not create one: ask whoever runs the server to create it and add the team as its members",
                self.db,
                self.user.as_deref().unwrap_or("an anonymous user")
            )),
            _ => Err(self.refused(&answer, &format!("create the database {}", self.db))),
        }
    }

    /// Every live document, page by page (design documents left out), with the
    /// revisions each is in conflict with.
    fn all_docs(&self) -> Result<Vec<(Value, Vec<String>)>, String> {
        let mut docs = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut url = format!("{}?include_docs=true&conflicts=true&limit={PAGE}", self.url("_all_docs"));
            if let Some(last) = &after {
                url.push_str(&format!("&skip=1&startkey={}", encode(&Value::String(last.clone()).to_string())));
            }
            let answer = self.get(&url)?;
            if answer.status != 200 {
                return Err(self.refused(&answer, &format!("read the database {}", self.db)));
            }
            let rows = answer.body.get("rows").and_then(Value::as_array).cloned().unwrap_or_default();
            let count = rows.len();
            for row in rows {
                let Some(id) = row.get("id").and_then(Value::as_str) else { continue };
                after = Some(id.to_string());
                if id.starts_with('_') {
                    continue;
                }
                let Some(doc) = row.get("doc").filter(|d| d.is_object()) else { continue };
                docs.push((doc.clone(), conflicts_of(doc)));
            }
            if count < PAGE {
                return Ok(docs);
            }
        }
    }

    /// Sends writes in batches; returns how many the server refused, with the first reason.
    fn bulk(&self, writes: &[&Write], new_edits: bool) -> Result<(usize, Option<String>), String> {
        let mut refused = 0;
        let mut first = None;
        for batch in writes.chunks(PAGE) {
            let docs: Vec<Value> = batch.iter().map(|w| w.to_json()).collect();
            let mut body = json!({ "docs": docs });
            if !new_edits {
                body["new_edits"] = json!(false);
            }
            let answer = self.send("POST", &self.url("_bulk_docs"), Some(&body))?;
            if answer.status != 201 && answer.status != 200 {
                return Err(self.refused(&answer, &format!("write to the database {}", self.db)));
            }
            for row in answer.body.as_array().into_iter().flatten() {
                if let Some(error) = row.get("error").and_then(Value::as_str) {
                    refused += 1;
                    if first.is_none() {
                        let id = row.get("id").and_then(Value::as_str).unwrap_or("?");
                        let reason = row.get("reason").and_then(Value::as_str).unwrap_or("");
                        first = Some(format!("{id}: {error} {reason}").trim().to_string());
                    }
                }
            }
        }
        Ok((refused, first))
    }
}

/// User and password: the environment, else the terminal, else anonymous.
fn credentials() -> Result<(Option<String>, Option<String>), String> {
    let user = std::env::var("FIELDKIT_USER").ok().filter(|u| !u.is_empty());
    let password = std::env::var("FIELDKIT_PASSWORD").ok().filter(|p| !p.is_empty());
    match (user, password) {
        (Some(user), Some(password)) => Ok((Some(user), Some(password))),
        (user, None) if std::io::stdin().is_terminal() => {
            let user = match user {
                Some(user) => user,
                None => {
                    eprint!("User name on the server (empty for none): ");
                    let _ = std::io::stderr().flush();
                    let mut line = String::new();
                    std::io::stdin()
                        .lock()
                        .read_line(&mut line)
                        .map_err(|e| format!("cannot read the user name: {e}"))?;
                    line.trim().to_string()
                }
            };
            if user.is_empty() {
                return Ok((None, None));
            }
            let password = rpassword::prompt_password(format!("Password for {user}: "))
                .map_err(|e| format!("cannot read the password: {e}"))?;
            Ok((Some(user), Some(password)))
        }
        (Some(user), None) => {
            Err(format!("no password for {user}: set FIELDKIT_PASSWORD, or run on a terminal to type it"))
        }
        (None, _) => Ok((None, None)),
    }
}

/// The documents on the server as fieldkit reads them, by id, with what was not fieldkit's.
fn read_server(couch: &Couch) -> Result<(Vec<PulledDoc>, Vec<String>), String> {
    let mut docs = Vec::new();
    let mut foreign = Vec::new();
    for (doc, conflicts) in couch.all_docs()? {
        let rev = rev_of(&doc).unwrap_or_default().to_string();
        match SyncDoc::from_json(&doc) {
            Ok(parsed) => docs.push(PulledDoc { rev, doc: parsed, conflicts }),
            Err(DocError::NotFieldkit(id)) => foreign.push(id),
            Err(other) => foreign.push(other.to_string()),
        }
    }
    Ok((docs, foreign))
}

/// `fieldkit pull URL DB`: the team's study as a backup file's JSON, with a report for standard error.
pub fn pull(url: &str, db: &str, now: Timestamp) -> Result<(String, String), String> {
    let couch = Couch::connect(url, db)?;
    couch.check_server()?;
    if couch.update_seq()?.is_none() {
        return Err(format!("there is no database {db} on {}", couch.server));
    }
    let (docs, foreign) = read_server(&couch)?;
    let count = docs.len();
    let pulled = study_from_docs(db, docs, now).map_err(|e| e.to_string())?;
    let mut report = format!("pulled {count} documents of “{}” from {db}\n", pulled.data.study.title);
    if !pulled.conflicted.is_empty() {
        report.push_str(&format!(
            "{} objects have versions in conflict; the file holds the version the server shows first. Resolve them in the app: {}\n",
            pulled.conflicted.len(),
            pulled.conflicted.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    for problem in &pulled.problems {
        report.push_str(&format!("left out: {}\n", problem.message()));
    }
    if !foreign.is_empty() {
        report.push_str(&format!(
            "left out {} documents fieldkit did not write: {}\n",
            foreign.len(),
            foreign.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    let mut base = pulled.base;
    // What could not be read is not in the file: a later push must not take it for deleted.
    for problem in &pulled.problems {
        base.revisions.remove(&problem.key);
    }
    let mut backup = Backup::of(&pulled.data, !pulled.data.identities.is_empty(), now);
    backup.sync = Some(base);
    Ok((backup.to_json(), report))
}

/// `fieldkit push FILE URL DB`: what was written, as JSON for standard output.
pub fn push(backup: Backup, url: &str, db: &str) -> Result<Value, String> {
    let couch = Couch::connect(url, db)?;
    couch.check_server()?;
    let created = match couch.update_seq()? {
        Some(_) => false,
        None => {
            couch.create_database()?;
            true
        }
    };
    let base = backup.sync.clone().filter(|b| b.database == db);
    let data = backup.into_study();
    let share = data.study.share_identifying_details;
    let local = docs_of(&data, share)?;
    let (server_docs, foreign) = read_server(&couch)?;
    if foreign.iter().any(|id| id == fieldkit_core::sync::doc::KEYRING_DOC)
        || server_docs.iter().any(|d| matches!(d.doc.body, fieldkit_core::sync::doc::DocBody::Sealed(_)))
    {
        return Err(format!(
            "the study in {db} is encrypted end to end, and fieldkit push would write in clear; nothing was written. Make the changes in the app"
        ));
    }
    let study_id = data.study.id.to_string();
    if let Some(other) = server_docs.iter().find(|d| d.doc.kind == "study" && d.doc.study != study_id) {
        return Err(format!(
            "the database {db} holds another study ({}); nothing was written. Each study has its own database",
            other.doc.study
        ));
    }
    if server_docs.is_empty() && !foreign.is_empty() {
        return Err(format!(
            "the database {db} holds {} documents that fieldkit did not write; nothing was written. Publish the study to an empty database",
            foreign.len()
        ));
    }
    let server = by_id(server_docs);
    let plan: PushPlan = plan_push(&local, base.as_ref(), &server, share);
    let (ordinary, branches): (Vec<&Write>, Vec<&Write>) = plan.writes.iter().partition(|w| !w.is_branch());
    let (refused_a, first_a) = couch.bulk(&ordinary, true)?;
    let (refused_b, first_b) = couch.bulk(&branches, false)?;
    let refused = refused_a + refused_b;
    let count = |f: fn(&Write) -> bool| plan.writes.iter().filter(|w| f(w)).count();
    let summary = json!({
        "database": db,
        "database_created": created,
        "written": plan.writes.len() - refused,
        "created": count(|w| matches!(w, Write::Create(_))),
        "updated": count(|w| matches!(w, Write::Update { .. })),
        "deleted": count(|w| matches!(w, Write::Delete { .. })),
        "conflicts": plan.conflicts,
        "unchanged": plan.unchanged,
        "newer_on_server": plan.newer_on_server.len(),
        "deleted_on_server": plan.deleted_on_server.len(),
        "kept_on_server": plan.kept_on_server.len(),
        "refused": refused,
    });
    if refused > 0 {
        let why = first_a.or(first_b).unwrap_or_default();
        return Err(format!(
            "the server refused {refused} of {} writes (first: {why}); run the push again to retry them",
            plan.writes.len()
        ));
    }
    Ok(summary)
}
