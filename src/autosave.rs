//! The open study and its autosave.
//!
//! Every edit goes through a core operation; the objects it changed are encoded at
//! once into pending writes (the latest write per record wins) and written to
//! IndexedDB in one transaction at most [`FLUSH_AFTER_MS`] later, and at once when
//! the page is hidden or closed. So a killed page loses at most that much typing.

use std::collections::BTreeMap;

use fieldkit_core::storage::store::{Store, WriteOp};
use fieldkit_core::{ObjectRef, StudyData, Timestamp, ValidationError};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::Ctx;
use crate::browser;

/// Longest time an edit waits before it is written.
pub const FLUSH_AFTER_MS: i32 = 250;
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

#[derive(Clone, Copy)]
pub struct StudyCtx {
    pub data: RwSignal<StudyData>,
    pub save_state: RwSignal<SaveState>,
    pending: StoredValue<BTreeMap<String, WriteOp>>,
    timer_armed: StoredValue<bool>,
    app: Ctx,
}

impl StudyCtx {
    pub fn new(app: Ctx, data: StudyData) -> Self {
        let ctx = StudyCtx {
            data: RwSignal::new(data),
            save_state: RwSignal::new(SaveState::Saved),
            pending: StoredValue::new(BTreeMap::new()),
            timer_armed: StoredValue::new(false),
            app,
        };
        // Write everything out when the tablet sleeps, the tab is hidden or closed.
        let hidden = window_event_listener(leptos::ev::pagehide, move |_| ctx.flush());
        // visibilitychange bubbles from the document to the window.
        let visibility = window_event_listener_untyped("visibilitychange", move |_| ctx.flush());
        on_cleanup(move || {
            ctx.flush();
            hidden.remove();
            visibility.remove();
        });
        ctx
    }

    pub fn id(&self) -> uuid::Uuid {
        self.data.with_untracked(|d| d.id())
    }

    /// Applies a core operation and queues what it changed for saving.
    /// A rejected edit changes nothing and returns the message to show.
    pub fn edit<T: Changed>(
        &self,
        op: impl FnOnce(&mut StudyData, Timestamp) -> Result<T, ValidationError>,
    ) -> Result<T, String> {
        let now = browser::now();
        let outcome = self
            .data
            .try_maybe_update(|data| match op(data, now) {
                Ok(value) => {
                    let writes = encode(data, &value.refs());
                    (true, Ok((value, writes)))
                }
                Err(e) => (false, Err(e.to_string())),
            })
            .unwrap_or_else(|| Err("This study is closed.".into()));
        let (value, writes) = outcome?;
        self.queue(writes?, false);
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
        let saved = self.data.with_untracked(|d| d.save_objects(&affected(d)))?;
        let value = self.edit(op)?;
        let study = *self;
        self.app.offer_undo(
            message.to_string(),
            Box::new(move || {
                if let Err(e) = study.restore(&saved) {
                    study.app.error(format!("Could not undo: {e}"));
                }
            }),
        );
        Ok(value)
    }

    /// Puts saved objects back (see `edit_undoable`) and queues them for saving.
    fn restore(&self, saved: &fieldkit_core::storage::records::SavedObjects) -> Result<(), String> {
        let writes = self
            .data
            .try_maybe_update(|data| match data.restore_saved(saved) {
                Ok(refs) => (true, encode(data, &refs)),
                Err(e) => (false, Err(e)),
            })
            .unwrap_or_else(|| Err("This study is closed.".into()))?;
        self.queue(writes, false);
        Ok(())
    }

    /// Applies a deletion and writes it at once.
    pub fn remove(
        &self,
        op: impl FnOnce(&mut StudyData) -> Result<Vec<ObjectRef>, ValidationError>,
    ) -> Result<(), String> {
        let outcome = self
            .data
            .try_maybe_update(|data| match op(data) {
                Ok(removed) => {
                    let study = data.id();
                    let writes: Vec<WriteOp> = removed.iter().map(|r| WriteOp::Delete(r.key(study))).collect();
                    (true, Ok(writes))
                }
                Err(e) => (false, Err(e.to_string())),
            })
            .unwrap_or_else(|| Err("This study is closed.".into()));
        self.queue(outcome?, true);
        Ok(())
    }

    fn queue(&self, writes: Vec<WriteOp>, now: bool) {
        let _ = self.pending.try_update_value(|pending| {
            for op in writes {
                let key = match &op {
                    WriteOp::Put(r) => r.key.clone(),
                    WriteOp::Delete(k) => k.clone(),
                    WriteOp::Quarantine(q) => q.key.clone(),
                    WriteOp::Release(k) => k.clone(),
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

    /// Writes every pending change in one transaction.
    pub fn flush(&self) {
        let _ = self.timer_armed.try_set_value(false);
        let Some(batch) = self.pending.try_update_value(std::mem::take) else { return };
        if batch.is_empty() {
            return;
        }
        let Some(repo) = self.app.repo() else { return };
        let ctx = *self;
        spawn_local(async move {
            let ops: Vec<WriteOp> = batch.values().cloned().collect();
            match repo.store().apply(ops).await {
                Ok(()) => {
                    let idle = ctx.pending.try_with_value(|p| p.is_empty()).unwrap_or(true);
                    if idle {
                        let _ = ctx.save_state.try_set(SaveState::Saved);
                    }
                }
                Err(e) => {
                    // Keep the unsaved writes (unless a newer edit replaced them) and retry later.
                    let _ = ctx.pending.try_update_value(|pending| {
                        for (key, op) in batch {
                            pending.entry(key).or_insert(op);
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

/// Writes what exists and deletes what an edit removed (e.g. a segment whose last
/// code was taken off), so nothing deleted comes back on the next load.
fn encode(data: &StudyData, refs: &[ObjectRef]) -> Result<Vec<WriteOp>, String> {
    data.write_ops(refs)
}
