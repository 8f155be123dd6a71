//! Thematic coding: the source list and codebook, coding a source by selecting its
//! text, a code's page (definition, merge, delete, its segments as quotes), the
//! framework matrix, undo, and the coded-data downloads.
//!
//! Positions are code points in the core; the browser's selection gives UTF-16
//! offsets, converted here at the edge (`offsets::utf16_to_code_points`).

mod across;
mod agreement;
mod charts;
mod code;
mod cooccurrence;
mod matrix;
mod memos;
mod report;
mod review;
mod search;
mod source;
mod workspace;

pub use across::AcrossScreen;
pub use agreement::AgreementScreen;
pub use charts::ChartsScreen;
pub use code::CodeScreen;
pub use cooccurrence::CooccurrenceScreen;
pub use matrix::MatrixScreen;
pub use memos::Memos;
pub use report::ReportScreen;
pub use review::ReviewScreen;
pub use source::SourceScreen;
pub use workspace::CodingTab;

use fieldkit_core::coding::CodingEdit;
use leptos::prelude::*;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::{StudyCtx, Topic};
use crate::browser;
use crate::screens::study::use_study;

/// Colours offered for new codes, in turn: 24 hues 105° apart in turn, light and dark
/// alternating, so neighbouring codes never look alike.
pub(crate) const PALETTE: [&str; 24] = [
    "#9c1c1c", "#4cc723", "#1c5c9c", "#c7239e", "#9c9c1c", "#23c79e", "#5c1c9c", "#c74c23", "#1c9c1c", "#234cc7",
    "#9c1c5c", "#9ec723", "#1c9c9c", "#9e23c7", "#9c5c1c", "#23c74c", "#1c1c9c", "#c7234c", "#5c9c1c", "#239ec7",
    "#9c1c9c", "#c79e23", "#1c9c5c", "#4c23c7",
];

/// The name recorded with every code applied, kept on this device.
#[derive(Clone, Copy)]
pub struct Coder(pub RwSignal<String>);

/// The device note that holds the coder's name (protected like the data).
pub const CODER_NOTE: &str = "coder";

impl Coder {
    pub fn new() -> Self {
        let name = RwSignal::new(String::new());
        let ctx = crate::app::use_ctx();
        leptos::task::spawn_local(async move {
            // Older versions kept the name in localStorage, in clear: move it.
            let old = browser::local_setting("fieldkit.coder");
            if let Some(old) = old.as_ref().filter(|o| !o.is_empty()) {
                ctx.set_device_note(CODER_NOTE, old);
                browser::remove_local_setting("fieldkit.coder");
            }
            let stored = match old.filter(|o| !o.is_empty()) {
                Some(old) => Some(old),
                None => ctx.device_note(CODER_NOTE).await,
            };
            if let Some(stored) = stored {
                // Typed before it arrived: what was typed wins.
                if name.try_with_untracked(|n| n.is_empty()) == Some(true) {
                    let _ = name.try_set(stored);
                }
            }
        });
        Coder(name)
    }
}

impl Default for Coder {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) fn coder() -> Coder {
    use_context::<Coder>().unwrap_or_default()
}

/// Applies a coding edit, saves what it changed or removed, and records its undo
/// (with the study, so it survives a reload) under `what`.
pub(crate) fn apply(study: StudyCtx, what: &str, edit: CodingEdit) -> Result<Option<Uuid>, String> {
    let applied = study.edit(|d, now| d.apply_coding_recorded(what, edit, now))?;
    Ok(applied.created)
}

/// Undo and Redo, each naming the action it would undo or redo.
#[component]
pub(crate) fn UndoButton() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let next_undo =
        Memo::new(move |_| study.read(&[Topic::History], |d| d.coding_history.next_undo().map(str::to_string)));
    let next_redo =
        Memo::new(move |_| study.read(&[Topic::History], |d| d.coding_history.next_redo().map(str::to_string)));
    let step = move |undo: bool| {
        let outcome = study.edit(|d, now| if undo { d.undo_coding(now) } else { d.redo_coding(now) });
        match outcome {
            Ok(Some((what, _))) => ctx.info(if undo { format!("Undone: {what}.") } else { format!("Redone: {what}.") }),
            Ok(None) => {}
            Err(e) => ctx.error(format!("Could not {}: {e}", if undo { "undo" } else { "redo" })),
        }
    };
    view! {
        <span class="undo-redo">
            <button class="secondary" disabled=move || next_undo.with(Option::is_none) on:click=move |_| step(true)>
                {move || next_undo.get().map(|w| format!("Undo: {w}")).unwrap_or_else(|| "Nothing to undo".into())}
            </button>
            <button class="secondary" disabled=move || next_redo.with(Option::is_none) on:click=move |_| step(false)>
                {move || next_redo.get().map(|w| format!("Redo: {w}")).unwrap_or_else(|| "Nothing to redo".into())}
            </button>
        </span>
    }
    .into_any()
}

/// The codebook as select options, indented by depth, leaving out `except` and
/// everything below it (a code cannot go under itself).
pub(crate) fn code_options(d: &fieldkit_core::StudyData, first: &str, except: Option<Uuid>) -> Vec<(String, String)> {
    let below = except.map(|c| d.code_and_descendants(c)).unwrap_or_default();
    std::iter::once((String::new(), first.to_string()))
        .chain(
            d.codebook()
                .into_iter()
                .filter(|(_, c)| !below.contains(&c.id))
                .map(|(depth, c)| (c.id.to_string(), format!("{}{}", "— ".repeat(depth), c.name))),
        )
        .collect()
}

/// Every case attribute and value in the study, as filter choices ("key=value").
pub(crate) fn attribute_choices(d: &fieldkit_core::StudyData) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for c in &d.cases {
        let a = &c.attributes;
        let mut add = |key: &str, label: &str, value: String| {
            let entry = (format!("{key}={value}"), format!("{label}: {value}"));
            if !value.trim().is_empty() && !pairs.contains(&entry) {
                pairs.push(entry);
            }
        };
        if let Some(s) = a.setting {
            add("setting", "Setting", s.label().to_string());
        }
        add("legal_form", "Legal form", a.legal_form.clone());
        add("country", "Country", a.country.clone());
        for x in &a.extra {
            add(&x.key, &x.key, x.value.clone());
        }
    }
    pairs.sort_by(|a, b| a.1.cmp(&b.1));
    std::iter::once((String::new(), "Any case attribute".to_string())).chain(pairs).collect()
}

/// A chosen "key=value" as a filter entry.
pub(crate) fn attribute_filter(choice: &str) -> Vec<(String, String)> {
    choice.split_once('=').map(|(k, v)| vec![(k.to_string(), v.to_string())]).unwrap_or_default()
}
