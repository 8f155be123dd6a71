//! The app shell: opening storage, the one channel for messages to the user,
//! the confirmation dialog, and the routes.

use std::rc::Rc;

use fieldkit_core::protection::SealedStore;
use fieldkit_core::protection::keyring::{KEYRING_KEY, Keyring};
use fieldkit_core::storage::Repo;
use fieldkit_core::storage::store::{Store, WriteOp};
use fieldkit_core::surveys::participant_lock::{LOCK_KEY, LockState, ParticipantLock};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, ParentRoute, Route, Router, Routes};
use leptos_router::path;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::parts::{self, lazy};
use crate::protection::WebCipher;
use crate::screens::protection::{IdleLock, LockButton, RewriteProgress, UnlockScreen};
use crate::screens::study::{overview, shell, studies};
use crate::storage::IdbStore;

/// Asks every open study to write what is pending now (see `StudyCtx::new`).
pub const FLUSH_EVENT: &str = "fieldkit-flush";

/// Where device notes are kept (`Ctx::device_note`).
const DEVICE_NOTE: &str = "meta:device:";

/// The IndexedDB database the app uses.
pub const DB_NAME: &str = "fieldkit";

/// Records are sealed on the way in and opened on the way out once the device is
/// unlocked (`fieldkit_core::protection`); until then, or without protection, they pass through.
pub type AppRepo = Repo<SealedStore<IdbStore, WebCipher>>;

/// Whether this device's data is protected by a passphrase, and whether it is unlocked.
#[derive(Clone, Debug, PartialEq)]
pub enum Protection {
    /// Not read yet.
    Unknown,
    Off,
    /// Protected and not yet unlocked: only the unlock screen shows.
    Locked(Keyring),
    Unlocked(Keyring),
    /// A keyring is there but cannot be read: stay locked and say why.
    Unreadable(String),
}

impl Protection {
    pub fn keyring(&self) -> Option<&Keyring> {
        match self {
            Protection::Locked(k) | Protection::Unlocked(k) => Some(k),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum StoreState {
    Opening,
    Ready,
    Failed(String),
    /// Another tab or window of fieldkit on this device is the one that edits.
    Elsewhere,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub level: Level,
    pub text: String,
    /// Whether the message offers Undo (its action is kept in `Ctx::undo_actions`).
    pub undo: bool,
    /// A passing confirmation or Undo offer belongs to the page (path) it was shown
    /// on and goes when the user moves to another. Errors and notes (None) stay
    /// until dismissed.
    pub page: Option<String>,
    /// When it was shown (ms since the epoch): one shown while a page changes
    /// belongs to the page that follows.
    pub shown_at: f64,
}

/// A question the user must answer before something irreversible happens.
pub struct Confirm {
    pub title: String,
    pub body: String,
    pub action: String,
    pub on_confirm: Box<dyn FnOnce()>,
}

/// What every screen can reach: storage, messages, confirmation.
#[derive(Clone, Copy)]
pub struct Ctx {
    repo: StoredValue<Option<Rc<AppRepo>>, LocalStorage>,
    pub store_state: RwSignal<StoreState>,
    /// Participant mode: while locked, only the participant's survey is shown.
    pub lock: RwSignal<LockState>,
    pub protection: RwSignal<Protection>,
    /// While protection is turned on or off: what is happening, done, of how many.
    pub rewriting: RwSignal<Option<(String, usize, usize)>>,
    /// Writes handed to storage and not yet finished (locking waits for them).
    writes_in_flight: StoredValue<u32>,
    /// Whether the last write of an open study failed (its changes are still only in memory).
    pub save_failed: StoredValue<bool>,
    notices: RwSignal<Vec<Notice>>,
    next_notice: StoredValue<u64>,
    confirm: RwSignal<Option<(String, String, String)>>,
    confirm_action: StoredValue<Option<Box<dyn FnOnce()>>, LocalStorage>,
    undo_actions: StoredValue<Vec<(u64, Box<dyn FnOnce()>)>, LocalStorage>,
    /// A study just written whole (an import, the demo), handed to the study screen
    /// so it opens without reading back what was just saved.
    handed_over: StoredValue<Option<fieldkit_core::StudyData>, LocalStorage>,
}

impl Ctx {
    pub fn repo(&self) -> Option<Rc<AppRepo>> {
        self.repo.get_value()
    }

    /// Counts a write handed to storage; call [`Ctx::write_done`] when it ends.
    pub fn write_started(&self) {
        let _ = self.writes_in_flight.try_update_value(|n| *n += 1);
    }

    pub fn write_done(&self) {
        let _ = self.writes_in_flight.try_update_value(|n| *n = n.saturating_sub(1));
    }

    /// Asks every open study to write what is pending, and waits (up to five
    /// seconds) until storage has it all.
    pub async fn flush_all(&self) {
        if let Ok(event) = web_sys::Event::new(FLUSH_EVENT) {
            let _ = window().dispatch_event(&event);
        }
        for _ in 0..250 {
            if self.writes_in_flight.try_get_value().unwrap_or(0) == 0 {
                return;
            }
            crate::browser::sleep_ms(20).await;
        }
    }

    /// Ends the key's life in this page: everything pending is written, then the
    /// page is reloaded, which drops the key and every decrypted view with the
    /// page's memory and opens on the unlock screen.
    pub async fn lock_now(&self) {
        self.flush_all().await;
        let _ = window().location().reload();
    }

    /// Keeps a study that was just saved whole for the study screen to open.
    pub fn hand_over(&self, data: fieldkit_core::StudyData) {
        let _ = self.handed_over.try_set_value(Some(data));
    }

    /// The study handed over, if it is the one asked for (taken: it is given once).
    pub fn take_handed_over(&self, id: uuid::Uuid) -> Option<fieldkit_core::StudyData> {
        self.handed_over
            .try_update_value(|slot| if slot.as_ref().is_some_and(|d| d.id() == id) { slot.take() } else { None })
            .flatten()
    }

    fn notify(&self, level: Level, text: String) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        self.notices.update(|n| {
            // The same message twice in a row (e.g. a failing autosave) is shown once.
            if n.last().is_some_and(|last| last.text == text) {
                return;
            }
            n.push(Notice { id, level, text, undo: false, page: None, shown_at: js_sys::Date::now() });
            if n.len() > 5 {
                n.remove(0);
            }
        });
    }

    /// Shows an error to the user. Every failure the user should know about goes here.
    pub fn error(&self, text: impl Into<String>) {
        self.notify(Level::Error, text.into());
    }

    /// Shows a confirmation that goes away by itself after a few seconds.
    pub fn info(&self, text: impl Into<String>) {
        self.notify(Level::Info, text.into());
        let id = self.next_notice.get_value().saturating_sub(1);
        self.notices.update(|n| n.iter_mut().filter(|x| x.id == id).for_each(|x| x.page = Some(current_path())));
        let ctx = *self;
        set_timeout(
            move || {
                let _ = ctx.notices.try_update(|n| n.retain(|x| x.id != id || x.level == Level::Error));
            },
            std::time::Duration::from_secs(6),
        );
    }

    /// A message that stays until dismissed (e.g. an import report).
    pub fn note(&self, text: impl Into<String>) {
        self.notify(Level::Info, text.into());
    }

    pub fn dismiss(&self, id: u64) {
        self.notices.update(|n| n.retain(|x| x.id != id));
        self.undo_actions.update_value(|a| a.retain(|(x, _)| *x != id));
    }

    /// Shows what was just deleted with an Undo button, for 15 seconds.
    pub fn offer_undo(&self, text: String, undo: Box<dyn FnOnce()>) {
        let id = self.next_notice.get_value();
        self.next_notice.set_value(id + 1);
        self.undo_actions.update_value(|a| a.push((id, undo)));
        self.notices.update(|n| {
            n.push(Notice {
                id,
                level: Level::Info,
                text,
                undo: true,
                page: Some(current_path()),
                shown_at: js_sys::Date::now(),
            });
            if n.len() > 5 {
                n.remove(0);
            }
        });
        let ctx = *self;
        set_timeout(move || ctx.dismiss_quietly(id), std::time::Duration::from_secs(15));
    }

    fn dismiss_quietly(&self, id: u64) {
        let _ = self.notices.try_update(|n| n.retain(|x| x.id != id));
        let _ = self.undo_actions.try_update_value(|a| a.retain(|(x, _)| *x != id));
    }

    /// Closes the messages that belong to the page the user just left.
    pub fn leave_page(&self, path: &str) {
        let gone: Vec<u64> = self.notices.with_untracked(|n| {
            let settled = js_sys::Date::now() - 500.0;
            n.iter()
                .filter(|x| x.shown_at < settled && x.page.as_deref().is_some_and(|p| p != path))
                .map(|x| x.id)
                .collect()
        });
        for id in gone {
            self.dismiss_quietly(id);
        }
    }

    /// Runs the Undo of a message and closes it.
    pub fn run_undo(&self, id: u64) {
        let action = self
            .undo_actions
            .try_update_value(|a| a.iter().position(|(x, _)| *x == id).map(|at| a.remove(at).1))
            .flatten();
        self.dismiss(id);
        if let Some(action) = action {
            action();
        }
    }

    /// Writes (Some) or removes (None) the participant-mode lock, then shows the
    /// matching screens. The lock is stored before anything changes on screen, so a
    /// reload at any moment shows the same thing.
    pub async fn set_lock(&self, lock: Option<ParticipantLock>) -> Result<(), String> {
        let repo = self.repo().ok_or("Storage is not open.")?;
        let op = match &lock {
            Some(l) => WriteOp::Put(l.to_record()),
            None => WriteOp::Delete(LOCK_KEY.to_string()),
        };
        repo.store().apply(vec![op]).await.map_err(|e| e.to_string())?;
        let _ = self.lock.try_set(lock.map_or(LockState::Unlocked, LockState::Locked));
        Ok(())
    }

    /// Opens storage: the keyring first (a protected device then waits for the
    /// passphrase), then everything else. Also listens for another tab asking to take over.
    pub async fn open_storage(&self) {
        let ctx = *self;
        crate::tabs::listen(move || spawn_local(async move { ctx.hand_over_to_another_tab().await }));
        match IdbStore::open(DB_NAME).await {
            Ok(store) => {
                // Prove we can write before the user types anything.
                if let Err(e) = store.probe().await {
                    ctx.store_state.set(StoreState::Failed(e.to_string()));
                    return;
                }
                // The keyring is the one record read before unlocking: it says whether
                // anything else can be read at all.
                let keyring = store.get(KEYRING_KEY).await;
                ctx.repo.set_value(Some(Rc::new(Repo::new(SealedStore::new(store, None)))));
                match keyring {
                    Ok(None) => {
                        ctx.protection.set(Protection::Off);
                        ctx.finish_opening().await;
                    }
                    Ok(Some(record)) => ctx.protection.set(match Keyring::from_record(&record) {
                        Ok(keyring) => Protection::Locked(keyring),
                        Err(e) => Protection::Unreadable(e),
                    }),
                    Err(e) => ctx.store_state.set(StoreState::Failed(e.to_string())),
                }
            }
            Err(e) => ctx.store_state.set(StoreState::Failed(e.to_string())),
        }
    }

    /// Another tab asked to edit: write out everything pending, leave storage, let go.
    async fn hand_over_to_another_tab(&self) {
        if self.store_state.get_untracked() == StoreState::Elsewhere {
            return;
        }
        self.flush_all().await;
        if self.save_failed.get_value() {
            // Letting go now would strand changes that are only in this page.
            self.error(
                "Another tab asked to use fieldkit, but this tab has changes it could not save yet. It keeps them \
                 and goes on trying; use that tab once they are saved.",
            );
            return;
        }
        // The screens go (each writes what it still holds as it goes), then storage.
        self.store_state.set(StoreState::Elsewhere);
        self.flush_all().await;
        if let Some(repo) = self.repo() {
            repo.store().set_cipher(None);
        }
        self.repo.set_value(None);
        crate::tabs::release();
    }

    /// A small per-device draft or setting (a half-typed list, the coder's name), kept
    /// as a device record so that protection covers it (localStorage would keep it in
    /// clear). None when there is none or it cannot be read.
    pub async fn device_note(&self, name: &str) -> Option<String> {
        let record = self.repo()?.store().get(&format!("{DEVICE_NOTE}{name}")).await.ok()??;
        serde_json::from_str(&record.body).ok()
    }

    /// Saves (or, when `value` is empty, removes) a device note; a failure is shown.
    pub fn set_device_note(&self, name: &str, value: &str) {
        let Some(repo) = self.repo() else { return };
        let key = format!("{DEVICE_NOTE}{name}");
        let op = if value.is_empty() {
            WriteOp::Delete(key)
        } else {
            WriteOp::Put(fieldkit_core::storage::store::RawRecord {
                key,
                kind: "meta".into(),
                study: String::new(),
                schema: fieldkit_core::SCHEMA_VERSION,
                body: serde_json::to_string(value).unwrap_or_default(),
            })
        };
        let ctx = *self;
        spawn_local(async move {
            if let Err(e) = repo.store().apply(vec![op]).await {
                ctx.error(e.to_string());
            }
        });
    }

    /// Opening, once storage can be read (at once, or after unlocking): participant
    /// mode is read before any screen shows.
    pub async fn finish_opening(&self) {
        let Some(repo) = self.repo() else { return };
        // Participant mode survives reloads, crashes and new tabs. A lock that cannot
        // be read stays locked.
        let lock = match repo.store().get(LOCK_KEY).await {
            Ok(record) => ParticipantLock::state_of(record.as_ref()),
            Err(e) => LockState::Damaged(e.to_string()),
        };
        let _ = self.lock.try_set(lock);
        crate::browser::guard_plain_exports(
            self.protection.with_untracked(|p| matches!(p, Protection::Unlocked(_))).then_some(*self),
        );
        let _ = self.store_state.try_set(StoreState::Ready);
        // Ask the browser not to evict our data; the storage screen shows the answer.
        let _ = browser::request_persistence().await;
    }

    pub fn ask(&self, confirm: Confirm) {
        self.confirm_action.set_value(Some(confirm.on_confirm));
        self.confirm.set(Some((confirm.title, confirm.body, confirm.action)));
    }
}

/// The page's path now, for tying a message to the page it was shown on.
fn current_path() -> String {
    window().location().pathname().unwrap_or_default()
}

pub fn use_ctx() -> Ctx {
    // Provided at the root before any screen renders; a missing context is a programming error
    // that would show immediately in every test, so fall back to a fresh one rather than panic.
    use_context::<Ctx>().unwrap_or_else(new_ctx)
}

fn new_ctx() -> Ctx {
    Ctx {
        repo: StoredValue::new_local(None),
        store_state: RwSignal::new(StoreState::Opening),
        lock: RwSignal::new(LockState::Unlocked),
        protection: RwSignal::new(Protection::Unknown),
        rewriting: RwSignal::new(None),
        writes_in_flight: StoredValue::new(0),
        save_failed: StoredValue::new(false),
        notices: RwSignal::new(Vec::new()),
        next_notice: StoredValue::new(0),
        confirm: RwSignal::new(None),
        confirm_action: StoredValue::new_local(None),
        undo_actions: StoredValue::new_local(Vec::new()),
        handed_over: StoredValue::new_local(None),
    }
}

#[component]
pub fn App() -> impl IntoView {
    let ctx = new_ctx();
    provide_context(ctx);
    spawn_local(async move {
        // One tab edits at a time (see `tabs`): take the lock before opening anything.
        if crate::tabs::try_take().await == Some(false) {
            ctx.store_state.set(StoreState::Elsewhere);
            return;
        }
        ctx.open_storage().await;
    });

    let locked = Memo::new(move |_| ctx.lock.with(|l| *l != LockState::Unlocked));
    let needs_unlock =
        Memo::new(move |_| ctx.protection.with(|p| matches!(p, Protection::Locked(_) | Protection::Unreadable(_))));
    let rewriting = Memo::new(move |_| ctx.rewriting.with(|r| r.is_some()));
    let elsewhere = Memo::new(move |_| ctx.store_state.get() == StoreState::Elsewhere);
    view! {
        <Show when=move || !elsewhere.get() fallback=|| view! { <main id="main" class="unlock"><OpenElsewhere/></main> }>
        <Show when=move || !needs_unlock.get() fallback=|| view! { <UnlockScreen/> }>
            <Show when=move || !rewriting.get() fallback=|| view! { <RewriteProgress/> }>
                <Show when=move || ctx.store_state.get() == StoreState::Ready && locked.get()
                    fallback=move || view! { <ResearcherApp/> }>
                    {lazy(parts::participant_mode)}
                </Show>
            </Show>
        </Show>
        </Show>
    }
}

/// Everything the researcher sees. Not rendered at all in participant mode, so no
/// address, back button or link can reach it then.
#[component]
fn ResearcherApp() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"fieldkit"</A>
                <nav aria-label="Main">
                    <A href="/">"Studies"</A>
                    <A href="/storage">"Storage"</A>
                    <LockButton/>
                </nav>
            </header>
            <IdleLock/>
            <Notices/>
            <ConfirmDialog/>
            <main id="main">
                {move || match ctx.store_state.get() {
                    StoreState::Opening => view! { <p class="muted">"Opening storage…"</p> }.into_any(),
                    // Drawn by `App` instead of all of this.
                    StoreState::Elsewhere => ().into_any(),
                    StoreState::Failed(e) => view! {
                        <section class="panel error-panel" role="alert">
                            <h1>"Storage is not available"</h1>
                            <p>{e}</p>
                            <p>"fieldkit keeps your work in this browser's storage. Private browsing or a \
                                blocked storage setting can prevent that. Nothing has been saved or changed."</p>
                        </section>
                    }.into_any(),
                    StoreState::Ready => view! {
                        <Routes fallback=|| view! { <p>"This page does not exist. "<A href="/">"Go to your studies"</A></p> }>
                            <Route path=path!("/") view=studies::StudiesScreen/>
                            <Route path=path!("/storage") view=|| lazy(parts::storage_screen)/>
                            <Route path=path!("/join") view=|| lazy(parts::join_screen)/>
                            <ParentRoute path=path!("/study/:id") view=shell::StudyShell>
                                <Route path=path!("") view=overview::OverviewTab/>
                                <Route path=path!("sync") view=|| lazy(parts::sync_screen)/>
                                <Route path=path!("cases") view=|| lazy(parts::cases_tab)/>
                                <Route path=path!("participants") view=|| lazy(parts::participants_tab)/>
                                <Route path=path!("cases/:case") view=|| lazy(parts::case_screen)/>
                                <Route path=path!("participants/:participant") view=|| lazy(parts::participant_screen)/>
                                <Route path=path!("cases/:case/documents/:document") view=|| lazy(parts::document_screen)/>
                                <Route path=path!("protocols") view=|| lazy(parts::protocols_tab)/>
                                <Route path=path!("protocols/:protocol") view=|| lazy(parts::protocol_screen)/>
                                <Route path=path!("interviews") view=|| lazy(parts::interviews_tab)/>
                                <Route path=path!("interviews/:interview") view=|| lazy(parts::interview_screen)/>
                                <Route path=path!("interviews/:interview/account") view=|| lazy(parts::account_screen)/>
                                <Route path=path!("coding") view=|| lazy(parts::coding_tab)/>
                                <Route path=path!("coding/source/:source") view=|| lazy(parts::source_screen)/>
                                <Route path=path!("coding/code/:code") view=|| lazy(parts::code_screen)/>
                                <Route path=path!("coding/matrix") view=|| lazy(parts::matrix_screen)/>
                                <Route path=path!("coding/agreement") view=|| lazy(parts::agreement_screen)/>
                                <Route path=path!("coding/together") view=|| lazy(parts::cooccurrence_screen)/>
                                <Route path=path!("coding/review") view=|| lazy(parts::review_screen)/>
                                <Route path=path!("coding/report") view=|| lazy(parts::report_screen)/>
                                <Route path=path!("coding/charts") view=|| lazy(parts::charts_screen)/>
                                <Route path=path!("coding/across") view=|| lazy(parts::across_screen)/>
                                <Route path=path!("surveys") view=|| lazy(parts::surveys_tab)/>
                                <Route path=path!("surveys/:survey") view=|| lazy(parts::survey_screen)/>
                                <Route path=path!("surveys/:survey/edit") view=|| lazy(parts::survey_builder)/>
                                <Route path=path!("surveys/:survey/responses/:response") view=|| lazy(parts::response_screen)/>
                            </ParentRoute>
                        </Routes>
                    }.into_any(),
                }}
            </main>
        </Router>
    }
}

/// This tab is not the one that edits: say so, and offer to take over.
#[component]
fn OpenElsewhere() -> impl IntoView {
    let ctx = use_ctx();
    let waiting = RwSignal::new(false);
    let take_over = move |_| {
        waiting.set(true);
        spawn_local(async move {
            if crate::tabs::take_over().await {
                ctx.store_state.set(StoreState::Opening);
                ctx.open_storage().await;
            } else {
                ctx.error("The other tab did not let go. Close it, then try again.");
            }
            let _ = waiting.try_set(false);
        });
    };
    view! {
        <section class="panel" role="status">
            <h1>"fieldkit is open in another tab or window"</h1>
            <p>"On one device fieldkit is used in one tab at a time, so that one never writes over the \
                other's work. Everything done there is saved."</p>
            <button on:click=take_over disabled=move || waiting.get()>
                {move || if waiting.get() { "Waiting for the other tab…" } else { "Use fieldkit here" }}
            </button>
        </section>
    }
}

/// The one visible channel for errors and confirmations.
#[component]
pub fn Notices() -> impl IntoView {
    let ctx = use_ctx();
    let location = leptos_router::hooks::use_location();
    Effect::new(move |previous: Option<String>| {
        // The router goes away when participant mode starts: read nothing then.
        let Some(path) = location.pathname.try_get() else { return previous.unwrap_or_default() };
        if previous.is_some_and(|p| p != path) {
            ctx.leave_page(&path);
        }
        path
    });
    view! {
        <div class="notices" aria-live="polite">
            <For each=move || ctx.notices.get() key=|n| n.id let:notice>
                <div
                    class=if notice.level == Level::Error { "notice notice-error" } else { "notice notice-info" }
                    role=if notice.level == Level::Error { "alert" } else { "status" }
                >
                    <span>{notice.text.clone()}</span>
                    <Show when=move || notice.undo>
                        <button class="secondary" on:click=move |_| ctx.run_undo(notice.id)>"Undo"</button>
                    </Show>
                    <button class="ghost" aria-label="Dismiss message" on:click=move |_| ctx.dismiss(notice.id)>
                        "✕"
                    </button>
                </div>
            </For>
        </div>
    }
}

#[component]
fn ConfirmDialog() -> impl IntoView {
    let ctx = use_ctx();
    let close = move || {
        ctx.confirm.set(None);
        ctx.confirm_action.set_value(None);
    };
    let confirm = move |_| {
        let action = ctx.confirm_action.try_update_value(|a| a.take()).flatten();
        ctx.confirm.set(None);
        if let Some(action) = action {
            action();
        }
    };
    // Focus moves into the dialog when it opens (onto Cancel, the safe choice), Tab
    // stays inside it, Escape cancels, and focus returns where it was on close.
    let cancel_button = NodeRef::<leptos::html::Button>::new();
    let action_button = NodeRef::<leptos::html::Button>::new();
    let opener: StoredValue<Option<web_sys::HtmlElement>, LocalStorage> = StoredValue::new_local(None);
    Effect::new(move |_| {
        let open = ctx.confirm.with(|c| c.is_some());
        if open {
            let active = document().active_element().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            opener.set_value(active);
            request_animation_frame(move || {
                if let Some(b) = cancel_button.get_untracked() {
                    let _ = b.focus();
                }
            });
        } else if let Some(el) = opener.try_update_value(|o| o.take()).flatten() {
            let _ = el.focus();
        }
    });
    let keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" => {
            ev.prevent_default();
            close();
        }
        "Tab" => {
            let (Some(first), Some(last)) = (cancel_button.get_untracked(), action_button.get_untracked()) else {
                return;
            };
            let active = document().active_element();
            let on_first = active.as_ref().is_some_and(|a| a == first.unchecked_ref::<web_sys::Element>());
            let on_last = active.as_ref().is_some_and(|a| a == last.unchecked_ref::<web_sys::Element>());
            if ev.shift_key() && (on_first || !on_last) {
                ev.prevent_default();
                let _ = last.focus();
            } else if !ev.shift_key() && (on_last || !on_first) {
                ev.prevent_default();
                let _ = first.focus();
            }
        }
        _ => {}
    };
    view! {
        <Show when=move || ctx.confirm.with(|c| c.is_some())>
            <div class="backdrop" on:keydown=keydown>
                <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body">
                    <h2 id="confirm-title">{move || ctx.confirm.with(|c| c.as_ref().map(|c| c.0.clone()))}</h2>
                    <p id="confirm-body">{move || ctx.confirm.with(|c| c.as_ref().map(|c| c.1.clone()))}</p>
                    <div class="row">
                        <button class="secondary" node_ref=cancel_button on:click=move |_| close()>"Cancel"</button>
                        <button class="danger" node_ref=action_button on:click=confirm>
                            {move || ctx.confirm.with(|c| c.as_ref().map(|c| c.2.clone()))}
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
