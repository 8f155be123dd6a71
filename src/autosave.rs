//! The open study and its autosave.
//!
//! Every edit goes through a core operation; the objects it changed are encoded at
//! once into pending writes (the latest write per record wins) and written to
//! IndexedDB in one transaction at most [`FLUSH_AFTER_MS`] later, and at once when
//! the page is hidden or closed. So a killed page loses at most that much typing.

use std::collections::BTreeMap;

use fieldkit_core::coding::index::CodingIndex;
use fieldkit_core::coding::search::{SearchIndex, SearchIndexBuilder, SearchResults};
use fieldkit_core::coding::sources::{SourceFilter, SourceRef};
use fieldkit_core::storage::store::{Store, WriteOp};
use fieldkit_core::{ObjectRef, StudyData, Timestamp, ValidationError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Ctx;
use crate::browser;

/// Longest time an edit waits before it is written.
pub const FLUSH_AFTER_MS: i32 = 250;
/// The longest slice of building the search index in idle moments. Each slice is a
/// task of its own, so input and frames go in between.
const SEARCH_SLICE_MS: f64 = 10.0;
/// After a failed save, when to try again.
const RETRY_AFTER_MS: i32 = 5_000;

#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    Saved,
    Pending,
    Failed(String),
}

/// What an edit changed, so the right records are written.
pub trait Changed {
    fn refs(&self) -> Vec<ObjectRef>;
}

impl Changed for ObjectRef {
    fn refs(&self) -> Vec<ObjectRef> {
        vec![*self]
    }
}

impl Changed for Vec<ObjectRef> {
    fn refs(&self) -> Vec<ObjectRef> {
        self.clone()
    }
}

impl Changed for fieldkit_core::coding::Applied {
    /// Changed objects are written, removed ones deleted.
    fn refs(&self) -> Vec<ObjectRef> {
        self.touched()
    }
}

/// An undo or redo: what it changed, if there was a step to take.
impl Changed for Option<(String, fieldkit_core::coding::Applied)> {
    fn refs(&self) -> Vec<ObjectRef> {
        self.as_ref().map(|(_, applied)| applied.touched()).unwrap_or_default()
    }
}

impl<T> Changed for (T, ObjectRef) {
    fn refs(&self) -> Vec<ObjectRef> {
        vec![self.1]
    }
}

/// One part of the open study that views read and edits change. A view tracks only
/// the parts it reads, so an edit wakes only the views that read what it changed
/// (typing a memo does not recompute the source list or redraw a transcript).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    Study,
    Cases,
    Participants,
    Identities,
    Protocols,
    Interviews,
    Documents,
    Accounts,
    Surveys,
    Responses,
    Codes,
    Segments,
    Memos,
    Matrix,
    History,
}

const TOPICS: usize = 15;

/// What views derived from coded text read: where each segment comes from (its
/// source, case, participant, protocol question), the codebook and the segments.
/// The source list, a code's segments and the matrix.
pub const CODED_TEXT_TOPICS: &[Topic] = &[
    Topic::Study,
    Topic::Cases,
    Topic::Participants,
    Topic::Protocols,
    Topic::Interviews,
    Topic::Documents,
    Topic::Surveys,
    Topic::Responses,
    Topic::Codes,
    Topic::Segments,
];

/// What the codable texts are made of (and their titles, for search hits).
pub const TEXT_TOPICS: &[Topic] = &[
    Topic::Interviews,
    Topic::Documents,
    Topic::Responses,
    Topic::Surveys,
    Topic::Participants,
    Topic::Protocols,
    Topic::Cases,
];

impl Topic {
    /// The part of the study an object belongs to.
    pub fn of(object: &ObjectRef) -> Topic {
        match object {
            ObjectRef::Study => Topic::Study,
            ObjectRef::Case(_) => Topic::Cases,
            ObjectRef::Participant(_) => Topic::Participants,
            ObjectRef::Identity(_) => Topic::Identities,
            ObjectRef::Protocol(_) => Topic::Protocols,
            ObjectRef::Interview(_) => Topic::Interviews,
            ObjectRef::Document(_) => Topic::Documents,
            ObjectRef::Account(_) => Topic::Accounts,
            ObjectRef::Survey(_) => Topic::Surveys,
            ObjectRef::Response(_) => Topic::Responses,
            ObjectRef::Code(_) => Topic::Codes,
            ObjectRef::Segment(_) => Topic::Segments,
            ObjectRef::Memo(_) => Topic::Memos,
            ObjectRef::MatrixCell(_) => Topic::Matrix,
            ObjectRef::CodingHistory => Topic::History,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

#[derive(Clone, Copy)]
pub struct StudyCtx {
    /// The study itself; never read directly by views (see [`StudyCtx::read`]).
    data: StoredValue<StudyData>,
    /// One trigger per [`Topic`]: what views subscribe to. Kept behind one handle so
    /// the context stays small (every closure that uses the study copies it).
    topics: StoredValue<[ArcTrigger; TOPICS]>,
    /// The search and coding indexes (see [`Indexes`]).
    indexes: StoredValue<Indexes>,
    pub save_state: RwSignal<SaveState>,
    pending: StoredValue<BTreeMap<String, Pending>>,
    timer_armed: StoredValue<bool>,
    /// Why the study may not be changed on this device (an account removed from
    /// the team's database): every edit is refused with this, exports still work.
    pub read_only: RwSignal<Option<String>>,
    app: Ctx,
}

/// The same open study (not merely the same study id: participant mode opens its own).
impl PartialEq for StudyCtx {
    fn eq(&self, other: &StudyCtx) -> bool {
        self.data == other.data
    }
}

impl StudyCtx {
    pub fn new(app: Ctx, data: StudyData) -> Self {
        let ctx = StudyCtx {
            data: StoredValue::new(data),
            topics: StoredValue::new(std::array::from_fn(|_| ArcTrigger::new())),
            indexes: StoredValue::new(Indexes::default()),
            save_state: RwSignal::new(SaveState::Saved),
            pending: StoredValue::new(BTreeMap::new()),
            timer_armed: StoredValue::new(false),
            read_only: RwSignal::new(None),
            app,
        };
        // Write everything out when the tablet sleeps, the tab is hidden or closed.
        let hidden = window_event_listener(leptos::ev::pagehide, move |_| ctx.flush());
        // visibilitychange bubbles from the document to the window.
        let visibility = window_event_listener_untyped("visibilitychange", move |_| ctx.flush());
        // Before locking or turning protection on or off.
        let asked = window_event_listener_untyped(crate::app::FLUSH_EVENT, move |_| ctx.flush());
        on_cleanup(move || {
            ctx.flush();
            hidden.remove();
            visibility.remove();
            asked.remove();
        });
        ctx
    }

    pub fn id(&self) -> uuid::Uuid {
        self.untracked(|d| d.id())
    }

    /// Reads the study and subscribes the running view to the parts `topics` names:
    /// it runs again only when an edit changes one of them.
    pub fn read<T>(&self, topics: &[Topic], f: impl FnOnce(&StudyData) -> T) -> T {
        self.topics.try_with_value(|all| {
            for topic in topics {
                if let Some(trigger) = all.get(topic.slot()) {
                    trigger.track();
                }
            }
        });
        self.untracked(f)
    }

    /// Reads the study and subscribes to every part of it: for views that show a
    /// little of everything (cheap to recompute). Prefer [`StudyCtx::read`].
    pub fn with<T>(&self, f: impl FnOnce(&StudyData) -> T) -> T {
        self.topics.try_with_value(|all| all.iter().for_each(Track::track));
        self.untracked(f)
    }

    /// Reads the study without subscribing (event handlers, one-off lookups).
    /// A closed study reads as an empty one.
    pub fn untracked<T>(&self, f: impl FnOnce(&StudyData) -> T) -> T {
        // Checked first: `with_value` needs the value to exist (single-threaded, so it
        // cannot go in between).
        if self.data.is_disposed() {
            return f(&StudyData::nothing());
        }
        self.data.with_value(f)
    }

    /// Like [`StudyCtx::untracked`], None once the study is closed.
    pub fn try_untracked<T>(&self, f: impl FnOnce(&StudyData) -> T) -> Option<T> {
        self.data.try_with_value(f)
    }

    /// Finds words in every codable text (see `coding::search`); subscribes to the
    /// texts, so the hits follow edits.
    pub fn search(&self, query: &str, filter: &SourceFilter, limit: usize) -> SearchResults {
        self.read(TEXT_TOPICS, |_| ());
        self.with_search_index(|index, d| index.search(d, query, filter, limit)).unwrap_or_default()
    }

    /// Builds the search index ahead of the first search (when the box is focused),
    /// so the first letters typed find at once.
    pub fn prepare_search(&self) {
        let _ = self.with_search_index(|_, _| ());
    }

    /// Builds the search index in idle moments, a few texts at a time (tasks of at
    /// most [`SEARCH_SLICE_MS`] each, after the screen's first frame), so that the first search finds at once
    /// without one long pause while the analyst codes. Edits in between are
    /// followed (see `SearchIndexBuilder`); a search before it is done finishes it.
    pub fn build_search_in_idle(&self) {
        let started = self.with_indexes(|indexes, _| {
            if indexes.search.is_some() || indexes.search_builder.is_some() {
                return false;
            }
            indexes.refresh = Some(Indexes::refresh_all);
            indexes.search_builder = Some(SearchIndexBuilder::default());
            true
        });
        if started == Some(true) {
            // After the screen's first frame.
            let ctx = *self;
            request_animation_frame(move || ctx.search_slice_later());
        }
    }

    fn search_slice_later(&self) {
        let ctx = *self;
        set_timeout(move || ctx.search_slice(), std::time::Duration::ZERO);
    }

    fn search_slice(&self) {
        let until = js_sys::Date::now() + SEARCH_SLICE_MS;
        let more = self.with_indexes(|indexes, d| {
            let Some(builder) = indexes.search_builder.as_mut() else { return false };
            if builder.step(d, || js_sys::Date::now() < until) {
                if let Some(builder) = indexes.search_builder.take() {
                    indexes.search = Some(builder.finish(d));
                }
                return false;
            }
            true
        });
        if more == Some(true) {
            self.search_slice_later();
        }
    }

    /// Where every hit of a search is, to code them all.
    pub fn search_places(&self, query: &str, filter: &SourceFilter) -> Vec<(SourceRef, usize, usize)> {
        self.with_search_index(|index, d| index.places(d, query, filter)).unwrap_or_default()
    }

    /// Reads the study with its coding index (built on first use), subscribing to
    /// `topics` like [`StudyCtx::read`].
    pub fn read_indexed<T>(&self, topics: &[Topic], f: impl FnOnce(&CodingIndex, &StudyData) -> T) -> Option<T> {
        self.read(topics, |_| ());
        self.with_indexes(|indexes, d| {
            indexes.refresh = Some(Indexes::refresh_all);
            f(indexes.coding.get_or_insert_with(|| CodingIndex::build(d)), d)
        })
    }

    fn with_search_index<T>(&self, f: impl FnOnce(&SearchIndex, &StudyData) -> T) -> Option<T> {
        self.with_indexes(|indexes, d| {
            indexes.refresh = Some(Indexes::refresh_all);
            let building = &mut indexes.search_builder;
            let index = indexes.search.get_or_insert_with(|| match building.take() {
                Some(builder) => builder.finish(d),
                None => SearchIndex::build(d),
            });
            f(index, d)
        })
    }

    /// The indexes with the study they index; None once the study is closed.
    fn with_indexes<T>(&self, f: impl FnOnce(&mut Indexes, &StudyData) -> T) -> Option<T> {
        let data = self.data;
        self.indexes.try_update_value(|indexes| data.try_with_value(|d| f(indexes, d))).flatten()
    }

    /// Wakes the views that read what `refs` names and brings the indexes up to date.
    fn changed(&self, refs: &[ObjectRef]) {
        self.with_indexes(|indexes, d| {
            if let Some(refresh) = indexes.refresh {
                refresh(indexes, d, refs);
            }
        });
        let mut woken = [false; TOPICS];
        for r in refs {
            if let Some(seen) = woken.get_mut(Topic::of(r).slot()) {
                *seen = true;
            }
        }
        self.topics.try_with_value(|all| {
            for (trigger, _) in all.iter().zip(woken).filter(|(_, woken)| *woken) {
                trigger.notify();
            }
        });
    }

    /// Applies a core operation, wakes the views that read what it changed and
    /// queues those objects for saving. A rejected edit changes nothing and returns
    /// the message to show.
    pub fn edit<T: Changed>(
        &self,
        op: impl FnOnce(&mut StudyData, Timestamp) -> Result<T, ValidationError>,
    ) -> Result<T, String> {
        self.writable()?;
        let now = browser::now();
        let value = self
            .data
            .try_update_value(|data| op(data, now).map_err(|e| e.to_string()))
            .unwrap_or_else(|| Err("This study is closed.".into()))?;
        let refs = value.refs();
        self.changed(&refs);
        self.queue(refs.into_iter().map(Pending::Object).collect(), false);
        Ok(value)
    }

    /// Applies an edit that deletes something the user typed, then shows `message`
    /// with an Undo that puts back the objects `affected` names, as they were.
    pub fn edit_undoable<T: Changed>(
        &self,
        message: &str,
        affected: impl FnOnce(&StudyData) -> Vec<ObjectRef>,
        op: impl FnOnce(&mut StudyData, Timestamp) -> Result<T, ValidationError>,
    ) -> Result<T, String> {
        let saved = self.untracked(|d| d.save_objects(&affected(d)))?;
        let value = self.edit(op)?;
        let study = *self;
        self.app.offer_undo(
            message.to_string(),
            Box::new(move || {
                if let Err(e) = study.writable().and_then(|_| study.restore(&saved)) {
                    study.app.error(format!("Could not undo: {e}"));
                }
            }),
        );
        Ok(value)
    }

    /// Puts saved objects back (see `edit_undoable`) and queues them for saving.
    fn restore(&self, saved: &fieldkit_core::storage::records::SavedObjects) -> Result<(), String> {
        let refs = self
            .data
            .try_update_value(|data| data.restore_saved(saved))
            .unwrap_or_else(|| Err("This study is closed.".into()))?;
        self.changed(&refs);
        self.queue(refs.into_iter().map(Pending::Object).collect(), false);
        Ok(())
    }

    /// Puts records that came from the team (team sync) into the open study: the
    /// views that read them wake, and they are saved like any edit.
    pub fn apply_incoming(&self, saved: &fieldkit_core::storage::records::SavedObjects) -> Result<(), String> {
        self.restore(saved)
    }

    pub fn app(&self) -> Ctx {
        self.app
    }

    fn writable(&self) -> Result<(), String> {
        match self.read_only.try_get_untracked().flatten() {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }

    /// Applies a deletion and writes it at once.
    pub fn remove(
        &self,
        op: impl FnOnce(&mut StudyData) -> Result<Vec<ObjectRef>, ValidationError>,
    ) -> Result<(), String> {
        self.writable()?;
        let removed = self
            .data
            .try_update_value(|data| op(data).map_err(|e| e.to_string()))
            .unwrap_or_else(|| Err("This study is closed.".into()))?;
        self.changed(&removed);
        let study = self.id();
        self.queue(removed.iter().map(|r| Pending::Write(WriteOp::Delete(r.key(study)))).collect(), true);
        Ok(())
    }

    /// Queues writes; the latest per record wins. Objects are encoded when written,
    /// not here, so a keystroke costs no serialising (see `flush`).
    fn queue(&self, writes: Vec<Pending>, now: bool) {
        let study = self.id();
        let _ = self.pending.try_update_value(|pending| {
            for op in writes {
                let key = match &op {
                    Pending::Object(r) => r.key(study),
                    Pending::Write(WriteOp::Put(r)) => r.key.clone(),
                    Pending::Write(WriteOp::Delete(k)) => k.clone(),
                    Pending::Write(WriteOp::Quarantine(q)) => q.key.clone(),
                    // Kept apart from a live write of the same key.
                    Pending::Write(WriteOp::PutQuarantined(q)) => format!("quarantine/{}", q.key),
                    Pending::Write(WriteOp::Release(k)) => k.clone(),
                };
                pending.insert(key, op);
            }
        });
        let _ = self.save_state.try_set(SaveState::Pending);
        if now {
            self.flush();
        } else {
            self.arm(FLUSH_AFTER_MS);
        }
    }

    fn arm(&self, delay_ms: i32) {
        if self.timer_armed.try_get_value() != Some(false) {
            return; // already armed, or the study was closed
        }
        let _ = self.timer_armed.try_set_value(true);
        let ctx = *self;
        let tick = wasm_bindgen::closure::Closure::once_into_js(move || ctx.flush());
        let armed = web_sys::window().is_some_and(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                wasm_bindgen::JsCast::unchecked_ref(&tick),
                delay_ms,
            )
            .is_ok()
        });
        if !armed {
            let _ = self.timer_armed.try_set_value(false);
            self.flush();
        }
    }

    /// Writes every pending change in one transaction, encoding each object as it
    /// is now (the latest state: what a later edit changed is in it).
    pub fn flush(&self) {
        let _ = self.timer_armed.try_set_value(false);
        let Some(batch) = self.pending.try_update_value(std::mem::take) else { return };
        if batch.is_empty() {
            return;
        }
        let Some(repo) = self.app.repo() else { return };
        let encoded: Result<Vec<(String, WriteOp)>, String> = self.untracked(|data| {
            batch
                .iter()
                .map(|(key, op)| match op {
                    Pending::Write(w) => Ok((key.clone(), w.clone())),
                    Pending::Object(r) => encode(data, &[*r])
                        .and_then(|ops| ops.into_iter().next().ok_or_else(|| "Nothing to write.".to_string()))
                        .map(|w| (key.clone(), w)),
                })
                .collect()
        });
        let batch = match encoded {
            Ok(batch) => batch,
            Err(e) => {
                // Nothing is dropped: the writes stay queued for the next try.
                let _ = self.pending.try_update_value(|pending| {
                    for (key, op) in batch {
                        pending.entry(key).or_insert(op);
                    }
                });
                let _ = self.save_state.try_set(SaveState::Failed(e.clone()));
                self.app.error(format!("Could not save: {e}"));
                self.arm(RETRY_AFTER_MS);
                return;
            }
        };
        let ctx = *self;
        ctx.app.write_started();
        spawn_local(async move {
            let ops: Vec<WriteOp> = batch.iter().map(|(_, op)| op.clone()).collect();
            let result = repo.store().apply(ops).await;
            ctx.app.write_done();
            let _ = ctx.app.save_failed.try_set_value(result.is_err());
            match result {
                Ok(()) => {
                    if let Some(study) = ctx.try_untracked(|d| d.id()) {
                        written(study, &batch);
                    }
                    let idle = ctx.pending.try_with_value(|p| p.is_empty()).unwrap_or(true);
                    if idle {
                        let _ = ctx.save_state.try_set(SaveState::Saved);
                    }
                }
                Err(e) => {
                    // Keep the unsaved writes (unless a newer edit replaced them) and retry later.
                    let _ = ctx.pending.try_update_value(|pending| {
                        for (key, op) in batch {
                            pending.entry(key).or_insert(Pending::Write(op));
                        }
                    });
                    let message = e.to_string();
                    let _ = ctx.save_state.try_set(SaveState::Failed(message.clone()));
                    ctx.app.error(message);
                    ctx.arm(RETRY_AFTER_MS);
                }
            }
        });
    }
}

/// Indexes over the open study, each built on first use and then kept up to date
/// from what every edit touched (never recomputed over the whole study).
#[derive(Default)]
struct Indexes {
    /// The text search index.
    search: Option<SearchIndex>,
    /// The text search index while it is built in idle moments.
    search_builder: Option<SearchIndexBuilder>,
    /// Segments per code and per source.
    coding: Option<CodingIndex>,
    /// Brings the indexes up to date after an edit. Set by whatever builds an
    /// index (the coding screens), so that the index code stays in their part of
    /// the app and out of the first visit's download.
    refresh: Option<fn(&mut Indexes, &StudyData, &[ObjectRef])>,
}

impl Indexes {
    fn refresh_all(&mut self, d: &StudyData, refs: &[ObjectRef]) {
        if let Some(index) = self.search.as_mut() {
            index.refresh(d, refs);
        }
        if let Some(builder) = self.search_builder.as_mut() {
            builder.forget(d, refs);
        }
        if let Some(index) = self.coding.as_mut() {
            index.refresh(d, refs);
        }
    }
}

/// A queued write: an object to encode when written, or a write already made.
#[derive(Clone, Debug)]
enum Pending {
    Object(ObjectRef),
    Write(WriteOp),
}

/// Writes what exists and deletes what an edit removed (e.g. a segment whose last
/// code was taken off), so nothing deleted comes back on the next load.
fn encode(data: &StudyData, refs: &[ObjectRef]) -> Result<Vec<WriteOp>, String> {
    data.write_ops(refs)
}

/// Told which records of which study were just saved (team sync sends them on).
pub type WrittenHook = std::rc::Rc<dyn Fn(uuid::Uuid, Vec<String>)>;

thread_local! {
    static ON_WRITTEN: std::cell::RefCell<Option<WrittenHook>> = const { std::cell::RefCell::new(None) };
}

/// Sets (or clears) the hook called after each successful save.
pub fn on_written(hook: Option<WrittenHook>) {
    ON_WRITTEN.with(|h| *h.borrow_mut() = hook);
}

/// Tells the hook, if one is set, which records were just saved.
fn written(study: uuid::Uuid, batch: &[(String, WriteOp)]) {
    if let Some(hook) = ON_WRITTEN.with(|h| h.borrow().clone()) {
        hook(study, batch.iter().map(|(key, _)| key.clone()).collect());
    }
}
