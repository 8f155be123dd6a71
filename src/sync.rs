//! Team sync in the app: the open study's records and a PouchDB replica of the
//! team's CouchDB database on the device (`public/sync.js`), kept in step with the
//! server by PouchDB's live replication.
//!
//! What crosses between the records and the replica is decided by the core
//! (`fieldkit_core::sync::replica`): outgoing after each save (the autosave hook),
//! incoming from the replica's change feed, with the *base* (each document's
//! revision and digest when the two last agreed) so that an object changed on both
//! sides becomes a CouchDB conflict instead of one edit replacing the other.
//!
//! Everything here is in the team sync part (with PouchDB): the first visit
//! carries only the hook. On a protected device what is written to the replica is
//! sealed, and what is read from it opened, so the rules compare clear content.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use fieldkit_core::exchange::merge::{MergeKind, MergeSummary, Resolution};
use fieldkit_core::storage::store::RawRecord;
use fieldkit_core::sync::doc::{SyncDoc, conflicts_of, rev_of, travels};
use fieldkit_core::sync::pull::{PulledDoc, by_id, study_from_docs_in_steps};
use fieldkit_core::sync::push::{PushPlan, SyncBase, Write};
use fieldkit_core::sync::replica::{ReplicaChange, after_outgoing, base_of, plan_incoming, plan_outgoing};
use fieldkit_core::sync::settle::{self, Conflict, Other, SettlePlan};
use fieldkit_core::{ObjectRef, StudyData, Timestamp};
use js_sys::{Function, Promise, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::app::{Ctx, Protection};
use crate::autosave::StudyCtx;
use crate::browser;
use crate::protection::WebCipher;
use fieldkit_core::protection::keyring::Keyring;
use fieldkit_core::protection::sealed::{open_records, seal_records};
use fieldkit_core::sync::doc::{DocBody, KEYRING_DOC, keyring_doc, keyring_from_doc};

/// Where a study syncs to, as this device remembers it (a device note, so
/// protection covers it). The password is never kept: the server's session cookie is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncSettings {
    pub server: String,
    pub database: String,
    pub user: String,
    /// The name of the device's replica (PouchDB database).
    pub replica: String,
    /// The server said this account is no longer a member: the study stays
    /// read-only here until a sync succeeds again or syncing is stopped.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

fn removed_message(database: &str) -> String {
    format!(
        "Your account is no longer a member of the team's database “{database}”. This tablet keeps its copy, \
         read-only: export a backup from the study's overview to keep your work, or stop syncing (Team sync) \
         to edit it on this tablet alone."
    )
}

/// Marks the open study read-only (or writable again) after the server's answer,
/// and remembers it for the next time the study opens.
fn set_removed(engine: &Engine, removed: bool) {
    let was = engine.study.read_only.try_get_untracked().flatten().is_some();
    if was == removed {
        return;
    }
    let _ = engine.study.read_only.try_set(removed.then(|| removed_message(&engine.settings.database)));
    let settings = SyncSettings { removed, ..engine.settings.clone() };
    if let Ok(json) = serde_json::to_string(&settings) {
        engine.study.app().set_device_note(&settings_note(engine.study_id), &json);
    }
}

pub fn settings_note(study: Uuid) -> String {
    format!("sync:{study}")
}

/// How the sync stands, for the status line.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncState {
    Starting,
    Syncing,
    Synced,
    Offline {
        since: Timestamp,
    },
    /// The server's session ended: sign in again (nothing is lost meanwhile).
    SignIn(String),
    /// The account is no longer a member of the study's database.
    Removed(String),
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct SyncStatus {
    pub state: SyncState,
    pub last_synced: Option<Timestamp>,
    /// Saved on this device, not yet in the replica.
    pub waiting: usize,
    /// Documents read during a first sync.
    pub progress: Option<u64>,
    pub conflicts: BTreeSet<String>,
}

thread_local! {
    static ENGINE: RefCell<Option<Rc<Engine>>> = const { RefCell::new(None) };
    // Reference-counted, not owned by whichever view or task touched it first: the
    // sync outlives the screens that show it.
    static STATUS: ArcRwSignal<Option<SyncStatus>> = ArcRwSignal::new(None);
}

/// The status of the running sync (None: this study does not sync on this device),
/// as a handle for a view (it lives as long as the view that asked for it).
pub fn status() -> RwSignal<Option<SyncStatus>> {
    RwSignal::from(shared_status())
}

fn shared_status() -> ArcRwSignal<Option<SyncStatus>> {
    STATUS.with(|s| s.clone())
}

fn conflicts_now() -> BTreeSet<String> {
    shared_status().with_untracked(|s| s.as_ref().map(|s| s.conflicts.clone()).unwrap_or_default())
}

fn set_status(f: impl FnOnce(&mut SyncStatus)) {
    shared_status().update(|s| {
        let status = s.get_or_insert_with(|| SyncStatus {
            state: SyncState::Starting,
            last_synced: None,
            waiting: 0,
            progress: None,
            conflicts: BTreeSet::new(),
        });
        f(status);
    });
}

struct Engine {
    study: StudyCtx,
    study_id: Uuid,
    /// The device's data key when it is protected: what travels is sealed with it,
    /// so the team's server and the replica hold no name or word in clear.
    cipher: Option<Rc<WebCipher>>,
    settings: SyncSettings,
    /// Per document, the replica revision the device's record last agreed with. It
    /// belongs to the device and its replica, not to one run: a restart of the sync
    /// (*Sync now*, *Sign in again*) takes it over from the run it replaces, whose
    /// answers still in flight keep it up to date. Read back from the replica's
    /// stored copy instead, it could miss a change just applied, and the next round
    /// would take the device's copy of the other side's edit for an edit of its own.
    base: Rc<RefCell<SyncBase>>,
    /// Keys saved on the device since they were last sent to the replica.
    outbox: RefCell<BTreeSet<String>>,
    busy: RefCell<bool>,
    base_dirty: Rc<RefCell<bool>>,
    /// The replica's change-feed callback, kept alive while the sync runs.
    _on_event: Closure<dyn FnMut(String)>,
}

// ---------------------------------------------------------------------------
// The JavaScript side
// ---------------------------------------------------------------------------

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| "an error in the sync library".into())
}

/// Loads PouchDB and the glue the first time a study syncs.
async fn ensure_loaded() -> Result<(), String> {
    let global = js_sys::global();
    if Reflect::has(&global, &"fieldkitSync".into()).unwrap_or(false) {
        return Ok(());
    }
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    // The build lists its files (these two among them) for the offline copy.
    let listed: Vec<String> = document
        .get_element_by_id("fieldkit-parts")
        .and_then(|e| e.text_content())
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    for name in ["pouchdb.min.js", "sync.js"] {
        let src =
            listed.iter().find(|p| p.rsplit('/').next() == Some(name)).cloned().unwrap_or_else(|| format!("/{name}"));
        let script = document.create_element("script").map_err(js_error)?;
        script.set_attribute("src", &src).map_err(js_error)?;
        let loaded = Promise::new(&mut |resolve, reject| {
            let _ = Reflect::set(&script, &"onload".into(), &resolve);
            let _ = Reflect::set(&script, &"onerror".into(), &reject);
        });
        document.head().ok_or("no head")?.append_child(&script).map_err(js_error)?;
        JsFuture::from(loaded).await.map_err(|_| {
            "The sync library could not be loaded (is this device offline before it was saved for offline use?)."
                .to_string()
        })?;
    }
    Ok(())
}

async fn glue(method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    ensure_loaded().await?;
    let result = call_now(method, args)?;
    match result.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(js_error),
        Err(value) => Ok(value),
    }
}

/// Calls the glue at once (it must be loaded), without awaiting what it returns.
fn call_now(method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let glue = Reflect::get(&js_sys::global(), &"fieldkitSync".into()).map_err(js_error)?;
    let function: Function = Reflect::get(&glue, &method.into()).map_err(js_error)?.dyn_into().map_err(js_error)?;
    let array = js_sys::Array::new();
    for a in args {
        array.push(a);
    }
    function.apply(&glue, &array).map_err(js_error)
}

async fn glue_json<T: serde::de::DeserializeOwned>(method: &str, args: &[JsValue]) -> Result<T, String> {
    let value = glue(method, args).await?;
    let text = value.as_string().unwrap_or_else(|| "null".into());
    serde_json::from_str(&text).map_err(|e| format!("the sync library answered something unexpected: {e}"))
}

#[derive(Deserialize)]
struct Answer {
    status: u16,
    #[serde(default)]
    body: Value,
}

async fn request(server: &str, path: &str, method: &str, body: Option<Value>) -> Result<Answer, String> {
    let body = body.map(|b| JsValue::from_str(&b.to_string())).unwrap_or(JsValue::NULL);
    glue_json("request", &[server.into(), path.into(), method.into(), body]).await
}

#[derive(Deserialize)]
struct Row {
    id: String,
    rev: Option<String>,
    #[serde(default)]
    deleted: bool,
    doc: Option<Value>,
    /// Deletions that lost to an edit and are not settled (change feed only).
    #[serde(default)]
    deleted_conflicts: Vec<String>,
}

/// The replica's live documents (all, or those of `ids`) that fieldkit can read.
async fn replica_docs(replica: &str, ids: Option<&BTreeSet<String>>) -> Result<Vec<PulledDoc>, String> {
    let ids = match ids {
        Some(ids) => JsValue::from_str(&serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())),
        None => JsValue::NULL,
    };
    let rows: Vec<Row> = glue_json("docs", &[replica.into(), ids]).await?;
    Ok(rows.into_iter().filter_map(pulled_doc).collect())
}

#[derive(Deserialize)]
struct Page {
    last: Option<String>,
    rows: Vec<Row>,
}

/// Every live document of the replica, read a page at a time with a pause between
/// pages, so that reading a large study does not hold the page for seconds.
async fn replica_docs_paged(replica: &str) -> Result<Vec<PulledDoc>, String> {
    let mut docs = Vec::new();
    let mut after = JsValue::NULL;
    loop {
        let page: Page = glue_json("docsPage", &[replica.into(), after, JsValue::from_f64(2_000.0)]).await?;
        docs.extend(page.rows.into_iter().filter_map(pulled_doc));
        set_status(|s| s.progress = Some(docs.len() as u64));
        match page.last {
            Some(last) => after = JsValue::from_str(&last),
            None => break,
        }
        browser::sleep_ms(0).await;
    }
    Ok(docs)
}

fn pulled_doc(row: Row) -> Option<PulledDoc> {
    let doc = row.doc?;
    let parsed = SyncDoc::from_json(&doc).ok()?;
    Some(PulledDoc { rev: row.rev.unwrap_or_default(), conflicts: conflicts_of(&doc), doc: parsed })
}

#[derive(Deserialize)]
struct Written {
    id: String,
    rev: Option<String>,
    error: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Writes a plan to the replica; returns the revisions it accepted.
async fn write_plan(replica: &str, plan: &PushPlan) -> Result<BTreeMap<String, String>, String> {
    let mut accepted = BTreeMap::new();
    for branches in [false, true] {
        let writes: Vec<&Write> = plan.writes.iter().filter(|w| w.is_branch() == branches).collect();
        for batch in writes.chunks(1_000) {
            let docs = Value::Array(batch.iter().map(|w| w.to_json()).collect());
            let answer: Vec<Written> =
                glue_json("bulk", &[replica.into(), docs.to_string().into(), JsValue::from_bool(!branches)]).await?;
            for (w, written) in batch.iter().zip(answer) {
                match (written.rev, written.error) {
                    (Some(rev), None) => drop(accepted.insert(written.id, rev)),
                    // A branch the replica already has: nothing to do.
                    (_, Some(_)) if branches => drop(accepted.insert(w.id().to_string(), branch_rev(w))),
                    (_, error) => {
                        return Err(format!(
                            "the device's copy of the team database refused {}: {} {}",
                            written.id,
                            error.unwrap_or_default(),
                            written.reason
                        ));
                    }
                }
            }
        }
    }
    Ok(accepted)
}

fn branch_rev(write: &Write) -> String {
    match write {
        Write::Branch { rev, .. } => rev.clone(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Signing in and checking the server
// ---------------------------------------------------------------------------

/// Signs in (the server keeps a session cookie; the password is not kept) and
/// checks the study's database. Returns the database's document count.
pub async fn sign_in(server: &str, database: &str, user: &str, password: &str) -> Result<u64, String> {
    let server = server.trim().trim_end_matches('/');
    if !(server.starts_with("https://") || server.starts_with("http://")) {
        return Err("The server address should start with https:// (for example https://couch.example.ac.uk).".into());
    }
    let hello = request(server, "/", "GET", None).await?;
    if hello.status == 0 {
        return Err(format!("The server at {server} cannot be reached. Check the address and the network."));
    }
    if hello.body.get("couchdb").is_none() && hello.body.get("express-pouchdb").is_none() {
        return Err(format!("{server} does not answer as a CouchDB server. Check the address."));
    }
    let session =
        request(server, "/_session", "POST", Some(json!({ "name": user.trim(), "password": password }))).await?;
    match session.status {
        200 => {}
        401 => return Err("The server refused this user name or password.".into()),
        status => return Err(format!("The server could not sign you in (status {status}).")),
    }
    check_database(server, database).await
}

async fn check_database(server: &str, database: &str) -> Result<u64, String> {
    let path = format!("/{}", js_sys::encode_uri_component(database));
    let info = request(server, &path, "GET", None).await?;
    match info.status {
        200 => Ok(info.body.get("doc_count").and_then(Value::as_u64).unwrap_or(0)),
        404 => Err(format!(
            "There is no database “{database}” on the server. Ask whoever runs it to create it and add you as a member."
        )),
        401 | 403 => Err(format!("Your account is not a member of the team's database “{database}”.")),
        0 => Err("The server cannot be reached.".into()),
        status => Err(format!("The server answered {status} for the database “{database}”.")),
    }
}

// ---------------------------------------------------------------------------
// Publishing, joining, resuming
// ---------------------------------------------------------------------------

fn device_docs(data: &StudyData) -> Result<Vec<SyncDoc>, String> {
    fieldkit_core::sync::pull::docs_of(data, data.study.share_identifying_details)
}

/// Publishes the open study to an empty database (or one that holds this study),
/// then syncs it continuously.
pub async fn publish(ctx: Ctx, study: StudyCtx, server: String, database: String, user: String) -> Result<(), String> {
    let cipher = device_cipher(ctx)?;
    let study_id = study.id();
    let server = server.trim().trim_end_matches('/').to_string();
    let path = format!(
        "/{}/{}",
        js_sys::encode_uri_component(&database),
        js_sys::encode_uri_component(&format!("study:{study_id}"))
    );
    let count = check_database(&server, &database).await?;
    let here = request(&server, &path, "GET", None).await?;
    if count > 0 && here.status != 200 {
        return Err(format!(
            "The database “{database}” already holds another study. Each study needs its own database."
        ));
    }
    let encrypted_there = team_keyring(&server, &database).await?.is_some();
    match (&cipher, encrypted_there, count > 0) {
        (None, true, _) => {
            return Err("The team's copy of this study is encrypted: protect this device with the team's \
                        passphrase first (Join a team study does it)."
                .into());
        }
        (Some(_), false, true) => {
            return Err("The team's copy of this study is not encrypted, and this device is protected: \
                        publishing would mix the two. Ask the team which it wants."
                .into());
        }
        _ => {}
    }
    let settings =
        SyncSettings { server, database: database.clone(), user, replica: study_id.to_string(), removed: false };
    if let (Some(_), Some(keyring)) = (&cipher, ctx.protection.with_untracked(|p| p.keyring().cloned())) {
        // The key goes first, wrapped, so a team member can open what follows.
        let doc = keyring_doc(&study_id.to_string(), &keyring);
        let answer: Vec<Written> = glue_json(
            "bulk",
            &[settings.replica.clone().into(), Value::Array(vec![doc]).to_string().into(), JsValue::TRUE],
        )
        .await?;
        if let Some(w) = answer.iter().find(|w| w.error.as_deref().is_some_and(|e| e != "conflict")) {
            return Err(format!(
                "The team's key could not be written: {} {}",
                w.error.clone().unwrap_or_default(),
                w.reason
            ));
        }
    }
    let docs = study.try_untracked(device_docs).ok_or("This study is closed.")??;
    let keys: BTreeSet<String> = docs.iter().map(|d| d.id.clone()).collect();
    let (replica_now, _) = open_docs(cipher.as_deref(), replica_docs(&settings.replica, None).await?).await?;
    let replica = by_id(replica_now);
    let mut base = base_of(&database, &replica);
    let plan = plan_outgoing(
        &keys,
        &docs,
        &replica,
        &base,
        study.try_untracked(|d| d.study.share_identifying_details).unwrap_or(false),
    );
    let accepted = write_plan(&settings.replica, &sealed_plan(cipher.as_deref(), &plan).await?).await?;
    after_outgoing(&mut base, &plan, &accepted);
    save_base(&settings.replica, &base).await?;
    let seq = replica_seq(&settings.replica).await?;
    save_applied(&settings.replica, &seq).await?;
    ctx.set_device_note(&settings_note(study_id), &serde_json::to_string(&settings).map_err(|e| e.to_string())?);
    start(study, settings, base, seq, cipher, false).await
}

/// The device's data key, when the device is protected (None: it is not).
fn device_cipher(ctx: Ctx) -> Result<Option<Rc<WebCipher>>, String> {
    match ctx.protection.get_untracked() {
        Protection::Unlocked(_) => ctx.repo().and_then(|r| r.store().cipher()).map(Some).ok_or_else(locked),
        Protection::Locked(_) | Protection::Unreadable(_) => Err(locked()),
        Protection::Off | Protection::Unknown => Ok(None),
    }
}

fn locked() -> String {
    "This device is locked: unlock it to sync.".into()
}

/// Each document in clear: sealed ones opened with the device's key, one result per
/// document, so one that does not open does not hide the others.
async fn open_sealed(cipher: Option<&WebCipher>, docs: Vec<SyncDoc>) -> Vec<Result<SyncDoc, &'static str>> {
    let is_sealed = |d: &SyncDoc| matches!(d.body, DocBody::Sealed(_));
    let Some(cipher) = cipher else {
        return docs
            .into_iter()
            .map(|d| if is_sealed(&d) { Err("it is encrypted and this device has no key") } else { Ok(d) })
            .collect();
    };
    let mut records: Vec<RawRecord> = docs.iter().filter(|d| is_sealed(d)).map(|d| d.clone().into_record()).collect();
    open_records(cipher, &mut records).await;
    let mut opened = records.into_iter();
    docs.into_iter()
        .map(|d| {
            if !is_sealed(&d) {
                return Ok(d);
            }
            match opened.next().map(|r| SyncDoc::from_record(&r)) {
                Some(Ok(clear)) if !is_sealed(&clear) => Ok(clear),
                _ => Err("it cannot be opened with this device's key"),
            }
        })
        .collect()
}

/// Opens the sealed documents among `docs` (a protected study's). Returns the
/// documents in clear and the ids of those that did not open.
async fn open_docs(cipher: Option<&WebCipher>, docs: Vec<PulledDoc>) -> Result<(Vec<PulledDoc>, Vec<String>), String> {
    if cipher.is_none() && docs.iter().any(|d| matches!(d.doc.body, DocBody::Sealed(_))) {
        return Err(
            "The team's study is encrypted, and this device is not protected: it cannot read it (see Join a team study)."
                .into(),
        );
    }
    let (meta, bodies): (Vec<(String, Vec<String>)>, Vec<SyncDoc>) =
        docs.into_iter().map(|d| ((d.rev, d.conflicts), d.doc)).unzip();
    let ids: Vec<String> = bodies.iter().map(|d| d.id.clone()).collect();
    let mut opened = Vec::with_capacity(ids.len());
    let mut failed = Vec::new();
    for (((rev, conflicts), id), result) in meta.into_iter().zip(ids).zip(open_sealed(cipher, bodies).await) {
        match result {
            Ok(doc) => opened.push(PulledDoc { rev, conflicts, doc }),
            Err(_) => failed.push(id),
        }
    }
    Ok((opened, failed))
}

/// One document in clear (opened when sealed), or None when it does not open.
async fn open_one(cipher: Option<&WebCipher>, doc: SyncDoc) -> Option<SyncDoc> {
    open_sealed(cipher, vec![doc]).await.pop()?.ok()
}

/// The plan with every document it writes sealed (a protected device's), for the
/// replica; the plan in clear keeps the digests the base is made of.
async fn sealed_plan(cipher: Option<&WebCipher>, plan: &PushPlan) -> Result<PushPlan, String> {
    let Some(cipher) = cipher else { return Ok(plan.clone()) };
    let mut records: Vec<RawRecord> = plan
        .writes
        .iter()
        .filter_map(|w| match w {
            Write::Create(doc) | Write::Update { doc, .. } | Write::Branch { doc, .. } => {
                Some(doc.clone().into_record())
            }
            Write::Delete { .. } => None,
        })
        .collect();
    seal_records(cipher, &mut records).await.map_err(|e| e.to_string())?;
    let mut sealed = records.into_iter().map(|r| SyncDoc::from_record(&r));
    let mut out = plan.clone();
    for write in &mut out.writes {
        if let Write::Create(doc) | Write::Update { doc, .. } | Write::Branch { doc, .. } = write {
            *doc = sealed.next().ok_or("sealing lost a document")?.map_err(|e| e.to_string())?;
        }
    }
    Ok(out)
}

/// The team's keyring, when the study on the server is encrypted.
pub async fn team_keyring(server: &str, database: &str) -> Result<Option<Keyring>, String> {
    let server = server.trim().trim_end_matches('/');
    let path = format!("/{}/{KEYRING_DOC}", js_sys::encode_uri_component(database));
    let answer = request(server, &path, "GET", None).await?;
    match answer.status {
        200 => keyring_from_doc(&answer.body).map(Some),
        404 => Ok(None),
        0 => Err("The server cannot be reached.".into()),
        status => Err(format!("The server answered {status} for the team's key.")),
    }
}

/// Protects this device with the team's key (unwrapped by the team's passphrase or
/// recovery key): every record on the device is rewritten sealed, as turning
/// protection on does, and from then on the passphrase unlocks this device too.
pub async fn adopt_team_key(ctx: Ctx, keyring: Keyring, secret: &str) -> Result<(), String> {
    let cipher = crate::screens::protection::secret_from(secret).unlock(&keyring).await.map_err(|e| {
        if e.contains("does not unlock") { "That is not the team's passphrase or recovery key.".to_string() } else { e }
    })?;
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    ctx.flush_all().await;
    repo.store().set_cipher(Some(cipher));
    let sealing = fieldkit_core::protection::keyring::ProtectionState::Sealing;
    let started = Keyring { state: sealing, ..keyring };
    match crate::screens::protection::run_rewrite(ctx, Some(sealing), started.clone()).await {
        Ok(Some(k)) => ctx.protection.set(Protection::Unlocked(k)),
        Ok(None) => {}
        Err(e) => {
            // The keyring says "sealing": the next unlock finishes the job.
            ctx.protection.set(Protection::Unlocked(started));
            browser::guard_plain_exports(Some(ctx));
            return Err(e);
        }
    }
    browser::guard_plain_exports(Some(ctx));
    Ok(())
}

async fn replica_seq(replica: &str) -> Result<Value, String> {
    let info: Value = glue_json("info", &[replica.into()]).await?;
    Ok(info.get("update_seq").cloned().unwrap_or(json!(0)))
}

/// How far the replica's change feed has been applied to the device's records.
async fn save_applied(replica: &str, seq: &Value) -> Result<(), String> {
    glue("putLocal", &[replica.into(), "fieldkit-applied".into(), seq.to_string().into()]).await.map(|_| ())
}

async fn save_base(replica: &str, base: &SyncBase) -> Result<(), String> {
    let json = serde_json::to_string(base).map_err(|e| e.to_string())?;
    glue("putLocal", &[replica.into(), "fieldkit-base".into(), json.into()]).await.map(|_| ())
}

/// Joins a study from the team's database onto this device: one replication with
/// progress, then the study is stored whole (all or nothing). Returns its id.
pub async fn join(ctx: Ctx, server: String, database: String, user: String) -> Result<Uuid, String> {
    let cipher = device_cipher(ctx)?;
    let server = server.trim().trim_end_matches('/').to_string();
    // A first sync that stopped (offline, the page closed) goes on from where it
    // was, in the same replica: PouchDB's checkpoint knows what it already has.
    let unfinished = format!("fieldkit.join:{server}|{database}");
    let replica = browser::local_setting(&unfinished).unwrap_or_else(|| format!("join-{}", Uuid::new_v4()));
    browser::set_local_setting(&unfinished, &replica);
    set_status(|s| {
        s.state = SyncState::Starting;
        s.progress = Some(0);
    });
    let on_progress = Closure::<dyn FnMut(f64)>::new(move |read: f64| set_status(|s| s.progress = Some(read as u64)));
    let answer: Value = glue_json(
        "pull",
        &[replica.clone().into(), server.clone().into(), database.clone().into(), on_progress.as_ref().clone()],
    )
    .await?;
    drop(on_progress);
    if answer.get("ok").and_then(Value::as_bool) != Some(true) {
        let status = answer.get("status").and_then(Value::as_u64).unwrap_or(0);
        let reason = answer.get("reason").and_then(Value::as_str).unwrap_or("");
        return Err(match status {
            401 | 403 => format!("Your account may not read the team's database “{database}”."),
            0 => format!(
                "The first sync stopped: the server could not be reached ({reason}). Try again; what was read is kept."
            ),
            _ => format!("The first sync stopped: {reason}"),
        });
    }
    let (docs, unopened) = open_docs(cipher.as_deref(), replica_docs_paged(&replica).await?).await?;
    if !unopened.is_empty() && docs.is_empty() {
        return Err("This tablet is protected with another key than the team's: it cannot open the team's \
                    study. Join it on a tablet that is not protected yet, with the team's passphrase."
            .into());
    }
    if !unopened.is_empty() {
        ctx.error(format!(
            "{} of the team's documents could not be opened with the team's key and were left on the server.",
            unopened.len()
        ));
    }
    browser::painted().await;
    // Decoded a chunk at a time with a paint between, so the page stays responsive.
    let pulled =
        study_from_docs_in_steps(&database, &docs, browser::now(), |_, _| browser::painted()).await.map_err(|e| {
            let text = e.to_string();
            let mut chars = text.chars();
            chars.next().map(|c| c.to_uppercase().collect::<String>() + chars.as_str()).unwrap_or(text)
        })?;
    for problem in &pulled.problems {
        ctx.error(problem.message());
    }
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    // Encoded a chunk at a time with a paint between: still one write, all or nothing.
    repo.create_in_steps(&pulled.data, |_, _| browser::painted()).await.map_err(|e| e.to_string())?;
    let id = pulled.data.id();
    let server_docs = by_id(docs);
    let mut base = base_of(&database, &server_docs);
    for problem in &pulled.problems {
        base.revisions.remove(&problem.key);
    }
    save_base(&replica, &base).await?;
    let seq = replica_seq(&replica).await?;
    save_applied(&replica, &seq).await?;
    let settings = SyncSettings { server, database, user, replica, removed: false };
    ctx.set_device_note(&settings_note(id), &serde_json::to_string(&settings).map_err(|e| e.to_string())?);
    browser::remove_local_setting(&unfinished);
    shared_status().set(None);
    // The study opens as it is in memory, not read back from storage.
    ctx.hand_over(pulled.data);
    Ok(id)
}

/// Starts syncing a study that syncs on this device, when it is opened.
pub async fn resume(ctx: Ctx, study: StudyCtx, settings_json: String) -> Result<(), String> {
    let settings: SyncSettings = serde_json::from_str(&settings_json).map_err(|e| e.to_string())?;
    let cipher = match device_cipher(ctx) {
        Ok(cipher) => cipher,
        Err(e) => {
            set_status(|s| s.state = SyncState::Failed(e));
            return Ok(());
        }
    };
    let base: SyncBase =
        match glue("getLocal", &[settings.replica.clone().into(), "fieldkit-base".into()]).await?.as_string() {
            Some(text) => serde_json::from_str(&text).map_err(|e| e.to_string())?,
            None => SyncBase { database: settings.database.clone(), ..SyncBase::default() },
        };
    let seq = match glue("getLocal", &[settings.replica.clone().into(), "fieldkit-applied".into()]).await?.as_string() {
        Some(text) => serde_json::from_str(&text).unwrap_or(json!(0)),
        None => json!(0),
    };
    if settings.removed {
        let _ = study.read_only.try_set(Some(removed_message(&settings.database)));
    }
    start(study, settings, base, seq, cipher, true).await?;
    // Whatever was saved while the page was closed (or killed before it reached
    // the replica) goes now: every record is compared once.
    reconcile();
    Ok(())
}

/// Stops syncing the open study (the device keeps its copy).
pub fn stop() {
    if let Some(engine) = ENGINE.with(|e| e.borrow_mut().take()) {
        trace(|| "stop".into());
        // At once, not in a task: a task could run after the next start and stop it.
        let _ = call_now("stop", &[engine.settings.replica.clone().into()]);
    }
    crate::autosave::on_written(None);
    shared_status().set(None);
}

/// Stops syncing if the running sync is that of `study` as it was opened (a screen
/// that closes must not stop the sync another one started since).
pub fn stop_for(study: StudyCtx) {
    if current().is_some_and(|engine| engine.study == study) {
        stop();
    }
}

/// Starts syncing `study`. `take_over`: a restart of the running sync of the same
/// study keeps its base (see [`Engine::base`]) rather than `base`.
async fn start(
    study: StudyCtx,
    settings: SyncSettings,
    base: SyncBase,
    seq: Value,
    cipher: Option<Rc<WebCipher>>,
    take_over: bool,
) -> Result<(), String> {
    let known: BTreeSet<String> =
        match glue("getLocal", &[settings.replica.clone().into(), "fieldkit-conflicts".into()]).await?.as_string() {
            Some(text) => serde_json::from_str(&text).unwrap_or_default(),
            None => BTreeSet::new(),
        };
    let (base, base_dirty) = match current() {
        Some(running)
            if take_over && running.study_id == study.id() && running.settings.replica == settings.replica =>
        {
            (running.base.clone(), running.base_dirty.clone())
        }
        _ => (Rc::new(RefCell::new(base)), Rc::new(RefCell::new(false))),
    };
    stop();
    set_status(|s| {
        s.state = SyncState::Starting;
        s.conflicts = known;
    });
    let on_event = Closure::<dyn FnMut(String)>::new(move |event: String| handle_event(&event));
    let callback: JsValue = on_event.as_ref().clone();
    let engine = Rc::new(Engine {
        study,
        study_id: study.id(),
        cipher,
        settings: settings.clone(),
        base,
        outbox: RefCell::new(BTreeSet::new()),
        busy: RefCell::new(false),
        base_dirty,
        _on_event: on_event,
    });
    trace(|| format!("start: seq {seq}, base of {} documents", engine.base.borrow().revisions.len()));
    ENGINE.with(|e| *e.borrow_mut() = Some(engine));
    crate::autosave::on_written(Some(Rc::new(|study: Uuid, keys: Vec<String>| {
        let Some(engine) = current() else { return };
        if engine.study_id != study {
            return;
        }
        engine.outbox.borrow_mut().extend(keys);
        set_status(|s| s.waiting = engine.outbox.borrow().len());
        schedule_outgoing();
    })));
    glue(
        "start",
        &[
            settings.replica.clone().into(),
            settings.server.clone().into(),
            settings.database.clone().into(),
            seq_js(&seq),
            callback,
        ],
    )
    .await?;
    Ok(())
}

/// A change-feed position as PouchDB takes it (a number, or a string on CouchDB).
fn seq_js(seq: &Value) -> JsValue {
    match seq {
        Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => JsValue::from_str(s),
        _ => JsValue::from_f64(0.0),
    }
}

/// A trace of sync decisions in the browser console, when this device's
/// `localStorage["fieldkit.sync-trace"]` is "1": what arrived, what the device held,
/// what it wrote. For support, and for the end-to-end tests when one fails.
fn trace(line: impl FnOnce() -> String) {
    thread_local! {
        static ON: bool = browser::local_setting("fieldkit.sync-trace").as_deref() == Some("1");
    }
    if ON.with(|on| *on) {
        web_sys::console::debug_1(&JsValue::from_str(&format!("sync: {}", line())));
    }
}

fn short(text: Option<&str>) -> String {
    text.map(|t| t.chars().take(10).collect()).unwrap_or_else(|| "-".into())
}

/// The base of one document, for the trace.
fn base_line(base: &SyncBase, id: &str) -> String {
    base.revisions.get(id).map(|b| format!("{}/{}", short(Some(&b.rev)), short(Some(&b.digest)))).unwrap_or("-".into())
}

fn current() -> Option<Rc<Engine>> {
    ENGINE.with(|e| e.borrow().clone())
}

/// Whether `engine` is still the running sync. An answer that arrives after the
/// sync was restarted (after *Sign in again*, say) speaks of the old one and must
/// not overwrite the status of the new one.
fn still_running(engine: &Rc<Engine>) -> bool {
    current().is_some_and(|now| Rc::ptr_eq(&now, engine))
}

/// Sends every record of the study that differs from the replica (after a restart).
pub fn reconcile() {
    let Some(engine) = current() else { return };
    let keys: Option<Vec<String>> =
        engine.study.try_untracked(|d| d.all_objects().into_iter().map(|o| o.key(d.id())).collect());
    let mut all: BTreeSet<String> = keys.unwrap_or_default().into_iter().collect();
    all.extend(engine.base.borrow().revisions.keys().cloned());
    engine.outbox.borrow_mut().extend(all);
    schedule_outgoing();
}

fn schedule_outgoing() {
    let Some(engine) = current() else { return };
    if *engine.busy.borrow() {
        return;
    }
    *engine.busy.borrow_mut() = true;
    spawn_local(async move {
        // A short pause gathers the saves of one burst of typing into one write.
        browser::sleep_ms(300).await;
        loop {
            let keys: BTreeSet<String> = std::mem::take(&mut *engine.outbox.borrow_mut());
            if keys.is_empty() {
                break;
            }
            if let Err(e) = send(&engine, keys.clone()).await {
                engine.outbox.borrow_mut().extend(keys);
                if still_running(&engine) {
                    set_status(|s| s.state = SyncState::Failed(e));
                }
                break;
            }
        }
        *engine.busy.borrow_mut() = false;
        set_status(|s| s.waiting = engine.outbox.borrow().len());
        persist_base(&engine).await;
    });
}

async fn send(engine: &Engine, keys: BTreeSet<String>) -> Result<(), String> {
    let share = engine.study.try_untracked(|d| d.study.share_identifying_details).unwrap_or(false);
    let keys: BTreeSet<String> =
        keys.into_iter().filter(|k| k.split_once(':').is_some_and(|(kind, _)| travels(kind, share))).collect();
    if keys.is_empty() {
        return Ok(());
    }
    let study_id = engine.study_id;
    let device: Vec<SyncDoc> = engine
        .study
        .try_untracked(|d| {
            keys.iter()
                .filter_map(|k| ObjectRef::from_key(k, study_id))
                .filter_map(|obj| d.encode(obj))
                .filter_map(|r| r.ok())
                .filter_map(|r| SyncDoc::from_record(&r).ok())
                .collect()
        })
        .ok_or("This study is closed.")?;
    let (replica_now, unopened) =
        open_docs(engine.cipher.as_deref(), replica_docs(&engine.settings.replica, Some(&keys)).await?).await?;
    if let Some(id) = unopened.first() {
        return Err(format!("{} in the team's database cannot be opened with this device's key.", conflict_label(id)));
    }
    let replica = by_id(replica_now);
    let plan = plan_outgoing(&keys, &device, &replica, &engine.base.borrow(), share);
    trace(|| {
        let base = engine.base.borrow();
        let writes: Vec<String> = plan
            .writes
            .iter()
            .map(|w| {
                let kind = match w {
                    Write::Create(_) => "create",
                    Write::Update { .. } => "update",
                    Write::Branch { .. } => "branch",
                    Write::Delete { .. } => "delete",
                };
                let rev = match w {
                    Write::Update { rev, .. } | Write::Branch { rev, .. } | Write::Delete { rev, .. } => rev.as_str(),
                    Write::Create(_) => "",
                };
                let digest = match w {
                    Write::Create(doc) | Write::Update { doc, .. } | Write::Branch { doc, .. } => doc.digest(),
                    Write::Delete { .. } => String::new(),
                };
                let there =
                    replica.get(w.id()).map(|d| format!("{}/{}", short(Some(&d.rev)), short(Some(&d.doc.digest()))));
                format!(
                    "{kind} {} on {} with {} (replica {}, base {})",
                    w.id(),
                    short(Some(rev)),
                    short(Some(&digest)),
                    there.unwrap_or("-".into()),
                    base_line(&base, w.id())
                )
            })
            .collect();
        format!("send {} keys: {}", keys.len(), if writes.is_empty() { "nothing".into() } else { writes.join("; ") })
    });
    if plan.writes_nothing() {
        return Ok(());
    }
    let accepted = write_plan(&engine.settings.replica, &sealed_plan(engine.cipher.as_deref(), &plan).await?).await?;
    after_outgoing(&mut engine.base.borrow_mut(), &plan, &accepted);
    *engine.base_dirty.borrow_mut() = true;
    if !plan.conflicts.is_empty() {
        set_status(|s| s.conflicts.extend(plan.conflicts.iter().cloned()));
    }
    Ok(())
}

/// Changes the set of documents in conflict, and keeps it in the replica when it
/// changed, so that a restarted app shows it before any change arrives.
async fn change_conflicts(engine: &Engine, f: impl FnOnce(&mut BTreeSet<String>)) -> Result<(), String> {
    let before = conflicts_now();
    set_status(|s| f(&mut s.conflicts));
    let now = conflicts_now();
    if now == before {
        return Ok(());
    }
    let json = serde_json::to_string(&now).map_err(|e| e.to_string())?;
    glue("putLocal", &[engine.settings.replica.clone().into(), "fieldkit-conflicts".into(), json.into()])
        .await
        .map(|_| ())
}

async fn persist_base(engine: &Engine) {
    if !std::mem::take(&mut *engine.base_dirty.borrow_mut()) {
        return;
    }
    let base = engine.base.borrow().clone();
    if let Err(e) = save_base(&engine.settings.replica, &base).await {
        *engine.base_dirty.borrow_mut() = true;
        set_status(|s| s.state = SyncState::Failed(e));
    }
}

#[derive(Deserialize)]
struct Event {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    seq: Value,
    #[serde(default)]
    docs: Value,
}

fn went_offline() {
    set_status(|s| {
        if !matches!(s.state, SyncState::Offline { .. }) {
            s.state = SyncState::Offline { since: browser::now() };
        }
    });
}

/// How the server answers for the study's database now (0: it cannot be reached).
async fn database_answer(engine: &Engine) -> u16 {
    let path = format!("/{}", js_sys::encode_uri_component(&engine.settings.database));
    request(&engine.settings.server, &path, "GET", None).await.map(|a| a.status).unwrap_or(0)
}

/// The server refused the account. CouchDB answers 403 to a signed-in account that
/// is not a member; pouchdb-server answers 401 to both, so the session tells apart
/// an ended session from an account removed from the team.
async fn refused(engine: &Rc<Engine>) {
    let session = request(&engine.settings.server, "/_session", "GET", None).await;
    if !still_running(engine) {
        return;
    }
    let signed_in = session
        .ok()
        .is_some_and(|s| s.body.pointer("/userCtx/name").and_then(Value::as_str).is_some_and(|n| !n.is_empty()));
    if signed_in {
        set_removed(engine, true);
        set_status(|s| s.state = SyncState::Removed(removed_message(&engine.settings.database)));
    } else {
        set_status(|s| {
            s.state = SyncState::SignIn(
                "Your session with the team's server has ended: sign in again to go on syncing. Nothing is lost \
                 meanwhile."
                    .into(),
            )
        });
    }
}

fn handle_event(text: &str) {
    let Ok(event) = serde_json::from_str::<Event>(text) else { return };
    match event.kind.as_str() {
        "active" => set_status(|s| s.state = SyncState::Syncing),
        "change" => {
            // Documents went through: whatever the server said before, this account may sync.
            if let Some(engine) = current() {
                set_removed(&engine, false);
            }
            set_status(|s| s.state = SyncState::Syncing)
        }
        // PouchDB also pauses without an error when the server cannot be reached at
        // all (its retry loop): one small request says which it is.
        "paused" => {
            let Some(engine) = current() else { return };
            let offline = event.error.is_some();
            spawn_local(async move {
                let answer = if offline { 0 } else { database_answer(&engine).await };
                if !still_running(&engine) {
                    return;
                }
                match answer {
                    200 => {
                        set_removed(&engine, false);
                        set_status(|s| {
                            s.state = SyncState::Synced;
                            s.last_synced = Some(browser::now());
                        })
                    }
                    401 | 403 => refused(&engine).await,
                    _ => went_offline(),
                }
            });
        }
        "denied" => {
            set_status(|s| s.state = SyncState::Failed(format!("The server refused a change: {}", event.reason)))
        }
        "error" => {
            let Some(engine) = current() else { return };
            match event.status {
                401 | 403 => spawn_local(async move { refused(&engine).await }),
                _ => went_offline(),
            }
        }
        "docs" => {
            let Value::Array(rows) = event.docs else { return };
            let seq = event.seq;
            spawn_local(async move {
                if let Err(e) = receive(rows, seq).await {
                    set_status(|s| s.state = SyncState::Failed(e));
                }
            });
        }
        _ => {}
    }
}

/// Applies a batch of the replica's changes to the open study.
async fn receive(rows: Vec<Value>, seq: Value) -> Result<(), String> {
    let Some(engine) = current() else { return Ok(()) };
    let study_id = engine.study_id;
    let mut changes = Vec::new();
    let mut unreadable = Vec::new();
    for row in rows {
        let Ok(row) = serde_json::from_value::<Row>(row) else { continue };
        if row.id == KEYRING_DOC {
            continue;
        }
        let doc = match (&row.doc, row.deleted) {
            (_, true) | (None, _) => None,
            (Some(doc), false) => match SyncDoc::from_json(doc) {
                Ok(d) if d.study == study_id.to_string() => Some(d),
                Ok(_) => continue,
                Err(e) => {
                    unreadable.push((row.id.clone(), e.to_string()));
                    continue;
                }
            },
        };
        let conflicts = row.doc.as_ref().map(conflicts_of).unwrap_or_default();
        changes.push(ReplicaChange {
            id: row.id,
            rev: row.rev.unwrap_or_default(),
            doc,
            conflicts,
            deleted_conflicts: row.deleted_conflicts,
        });
    }
    // A protected study's documents arrive sealed: opened here, compared in clear.
    // Without a key (this device is not protected) they stay in the replica, unread.
    let had_doc: Vec<bool> = changes.iter().map(|c| c.doc.is_some()).collect();
    let docs: Vec<SyncDoc> = changes.iter_mut().filter_map(|c| c.doc.take()).collect();
    let mut opened = open_sealed(engine.cipher.as_deref(), docs).await.into_iter();
    let mut had = had_doc.into_iter();
    changes.retain_mut(|c| {
        if !had.next().unwrap_or(false) {
            return true;
        }
        match opened.next() {
            Some(Ok(doc)) => {
                c.doc = Some(doc);
                true
            }
            Some(Err(why)) => {
                unreadable.push((c.id.clone(), why.to_string()));
                false
            }
            None => false,
        }
    });
    let device: BTreeMap<String, RawRecord> = engine
        .study
        .try_untracked(|d| {
            changes
                .iter()
                .filter_map(|c| ObjectRef::from_key(&c.id, study_id))
                .filter_map(|obj| d.encode(obj).and_then(|r| r.ok()))
                .map(|r| (r.key.clone(), r))
                .collect()
        })
        .unwrap_or_default();
    trace(|| {
        let base = engine.base.borrow();
        let lines: Vec<String> = changes
            .iter()
            .map(|c| {
                let mine = device.get(&c.id).and_then(fieldkit_core::sync::replica::record_digest);
                format!(
                    "{} {} theirs {} mine {} base {} conflicts {}",
                    c.id,
                    short(Some(&c.rev)),
                    short(c.doc.as_ref().map(|d| d.digest()).as_deref()),
                    short(mine.as_deref()),
                    base_line(&base, &c.id),
                    c.conflicts.len() + c.deleted_conflicts.len()
                )
            })
            .collect();
        format!("receive at {seq}: {}", lines.join("; "))
    });
    let incoming = plan_incoming(&changes, &device, &mut engine.base.borrow_mut(), &unreadable);
    trace(|| {
        let applied: Vec<&str> = incoming.apply.iter().map(|(k, _)| k.as_str()).collect();
        format!("applied {applied:?}, held {:?}", incoming.held)
    });
    *engine.base_dirty.borrow_mut() = true;
    if let Some((id, why)) = incoming.unreadable.first() {
        engine.study.app().error(format!(
            "{} from the team could not be read on this device and {} left as {} on the server ({}: {why}).",
            fieldkit_core::study::plural(incoming.unreadable.len(), "document", "documents"),
            if incoming.unreadable.len() == 1 { "is" } else { "are" },
            if incoming.unreadable.len() == 1 { "it is" } else { "they are" },
            conflict_label(id),
        ));
    }
    let saved: Vec<(ObjectRef, Option<RawRecord>)> = incoming
        .apply
        .iter()
        .filter_map(|(key, record)| Some((ObjectRef::from_key(key, study_id)?, record.clone())))
        .collect();
    if !saved.is_empty() {
        engine.study.apply_incoming(&saved)?;
    }
    change_conflicts(&engine, |conflicts| {
        for id in &incoming.resolved {
            conflicts.remove(id);
        }
        conflicts.extend(incoming.conflicted.iter().cloned());
    })
    .await?;
    if !incoming.held.is_empty() {
        engine.outbox.borrow_mut().extend(incoming.held.iter().cloned());
        schedule_outgoing();
    }
    save_applied(&engine.settings.replica, &seq).await?;
    persist_base(&engine).await;
    Ok(())
}

/// A short line saying how the sync stands.
pub fn describe(status: &SyncStatus) -> String {
    let when = |t: &Timestamp| t.to_string().replace('T', " ").chars().take(16).collect::<String>();
    let mut line = match &status.state {
        SyncState::Starting => "Starting to sync…".to_string(),
        SyncState::Syncing => match status.progress {
            Some(n) => format!("Syncing… {n} documents read"),
            None => "Syncing…".into(),
        },
        SyncState::Synced if status.waiting > 0 => format!("{} changes waiting", status.waiting),
        SyncState::Synced => match &status.last_synced {
            Some(t) => format!("Synced · last synced at {} UTC", when(t)),
            None => "Synced".into(),
        },
        SyncState::Offline { since } => {
            format!("Offline since {} UTC · changes are kept and sent when the server is back", when(since))
        }
        SyncState::SignIn(text) | SyncState::Removed(text) | SyncState::Failed(text) => text.clone(),
    };
    if !status.conflicts.is_empty() {
        line.push_str(&format!(" · {} in conflict", status.conflicts.len()));
    }
    line
}

// ---------------------------------------------------------------------------
// Settling conflicts
// ---------------------------------------------------------------------------

#[derive(Deserialize)]
struct Versions {
    id: String,
    winner: Option<Value>,
    #[serde(default)]
    others: Vec<Value>,
}

/// Reads, from the replica, the other version of every document in conflict (one
/// per document per round) and plans settling them with the merge's choices.
pub async fn plan_settling(study: StudyCtx) -> Result<SettlePlan, String> {
    let engine = current().ok_or("This study does not sync on this device.")?;
    let ids = conflicts_now();
    let ids_json = serde_json::to_string(&ids).map_err(|e| e.to_string())?;
    let found: Vec<Versions> = glue_json("others", &[engine.settings.replica.clone().into(), ids_json.into()]).await?;
    let mut conflicts = Vec::new();
    let mut settled = Vec::new();
    let mut unreadable = Vec::new();
    for versions in found {
        let (Some(winner), Some(other)) = (versions.winner, versions.others.into_iter().next()) else {
            // Settled meanwhile (on another device), or deleted everywhere.
            settled.push(versions.id);
            continue;
        };
        let (Ok(winner_doc), Some(rev), Some(other_rev)) =
            (SyncDoc::from_json(&winner), rev_of(&winner), rev_of(&other).map(str::to_string))
        else {
            unreadable.push((versions.id, "the version in use cannot be read here".to_string()));
            continue;
        };
        let Some(winner_doc) = open_one(engine.cipher.as_deref(), winner_doc).await else {
            unreadable.push((versions.id, "the version in use cannot be opened with this device's key".into()));
            continue;
        };
        let other = if other.get("_deleted").and_then(Value::as_bool) == Some(true) {
            Other::Deleted { rev: other_rev }
        } else {
            match SyncDoc::from_json(&other) {
                Ok(doc) => match open_one(engine.cipher.as_deref(), doc).await {
                    Some(doc) => Other::Edited { rev: other_rev, doc },
                    None => {
                        unreadable.push((versions.id, "it cannot be opened with this device's key".into()));
                        continue;
                    }
                },
                Err(e) => {
                    unreadable.push((versions.id, e.to_string()));
                    continue;
                }
            }
        };
        conflicts.push(Conflict { id: versions.id, rev: rev.to_string(), winner: winner_doc, other });
    }
    if !settled.is_empty() {
        change_conflicts(&engine, |conflicts| conflicts.retain(|id| !settled.contains(id))).await?;
    }
    let mut plan = study.try_untracked(|d| settle::plan(d, conflicts)).ok_or("This study is closed.")?;
    plan.unreadable.extend(unreadable);
    Ok(plan)
}

/// Settles the planned conflicts as chosen: the replica first (so the device's
/// save that follows finds it already agreeing), then the device's objects. The
/// replica sends both to the team's server, and every device sees them settled.
pub async fn apply_settling(
    study: StudyCtx,
    plan: &SettlePlan,
    resolutions: &HashMap<(MergeKind, Uuid), Resolution>,
    delete: &BTreeSet<String>,
) -> Result<MergeSummary, String> {
    let engine = current().ok_or("This study does not sync on this device.")?;
    let settled = settle::settle(plan, resolutions, delete)?;
    let replica = engine.settings.replica.clone();
    let updates = PushPlan { writes: settled.updates.clone(), ..PushPlan::default() };
    let mut writes: Vec<Value> =
        sealed_plan(engine.cipher.as_deref(), &updates).await?.writes.iter().map(Write::to_json).collect();
    writes.extend(settled.writes.iter().cloned());
    if !writes.is_empty() {
        let docs = Value::Array(writes).to_string();
        let answer: Vec<Written> = glue_json("bulk", &[replica.clone().into(), docs.into(), JsValue::TRUE]).await?;
        if let Some(refused) = answer.iter().find(|w| w.error.is_some()) {
            return Err(format!(
                "{} changed again while you chose (it was {}): open the conflicts again to see it as it is now.",
                conflict_label(&refused.id),
                refused.error.clone().unwrap_or_default()
            ));
        }
    }
    if !settled.branches.is_empty() {
        let docs = Value::Array(settled.branches.clone()).to_string();
        glue("bulk", &[replica.into(), docs.into(), JsValue::FALSE]).await?;
    }
    if !settled.saved.is_empty() {
        study.apply_incoming(&settled.saved)?;
    }
    change_conflicts(&engine, |conflicts| conflicts.retain(|id| !plan.conflicts.iter().any(|c| &c.id == id))).await?;
    Ok(settled.summary)
}

/// “the study's title, description or questions”, “a case (3f2a…)”: which object
/// a document holds, in words.
pub fn conflict_label(id: &str) -> String {
    let (kind, rest) = id.split_once(':').unwrap_or((id, ""));
    match fieldkit_core::storage::records::RecordKind::parse(kind) {
        Some(fieldkit_core::storage::records::RecordKind::Study) => {
            "the study's title, description or questions".into()
        }
        Some(kind) => format!("a {} ({}…)", kind.label(), rest.chars().take(8).collect::<String>()),
        None => id.to_string(),
    }
}
