//! Thematic coding: the source list and codebook, coding a source by selecting its
//! text, a code's page (definition, merge, delete, its segments as quotes), the
//! framework matrix, undo, and the coded-data downloads.
//!
//! Positions are code points in the core; the browser's selection gives UTF-16
//! offsets, converted here at the edge (`offsets::utf16_to_code_points`).

mod code;
mod matrix;
mod memos;
mod source;
mod workspace;

pub use code::CodeScreen;
pub use matrix::MatrixScreen;
pub use memos::Memos;
pub use source::SourceScreen;
pub use workspace::CodingTab;

use fieldkit_core::coding::CodingEdit;
use leptos::prelude::*;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::StudyCtx;
use crate::browser;
use crate::screens::study::use_study;

/// Colours offered for new codes, in turn.
const PALETTE: [&str; 8] = ["#2a7f62", "#b5502d", "#3b6fb6", "#8a5a00", "#7a5ea8", "#b03a6f", "#4d7d2a", "#5f6b73"];

/// Coding actions that can be undone, newest last, for the open study.
#[derive(Clone, Copy)]
pub struct CodingHistory {
    undo: RwSignal<Vec<(String, CodingEdit)>>,
    pub coder: RwSignal<String>,
}

impl CodingHistory {
    pub fn new() -> Self {
        let coder = browser::local_setting("fieldkit.coder").unwrap_or_default();
        CodingHistory { undo: RwSignal::new(Vec::new()), coder: RwSignal::new(coder) }
    }
}

impl Default for CodingHistory {
    fn default() -> Self {
        Self::new()
    }
}

pub(crate) fn history() -> CodingHistory {
    use_context::<CodingHistory>().unwrap_or_default()
}

/// Applies a coding edit, saves what it changed or removed, and remembers its undo.
pub(crate) fn apply(study: StudyCtx, what: &str, edit: CodingEdit) -> Result<Option<Uuid>, String> {
    let applied = study.edit(|d, now| d.apply_coding(edit, now))?;
    let h = history();
    h.undo.update(|u| {
        u.push((what.to_string(), applied.undo.clone()));
        if u.len() > 100 {
            u.remove(0);
        }
    });
    Ok(applied.created)
}

#[component]
pub(crate) fn UndoButton() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = history();
    let undo = move |_| {
        let Some((what, edit)) = h.undo.try_update(|u| u.pop()).flatten() else { return };
        match study.edit(|d, now| d.apply_coding(edit, now)) {
            Ok(_) => ctx.info(format!("Undone: {what}.")),
            Err(e) => ctx.error(format!("Could not undo {what}: {e}")),
        }
    };
    view! {
        <button class="secondary" disabled=move || h.undo.with(|u| u.is_empty()) on:click=undo>
            {move || h.undo.with(|u| u.last().map(|(w, _)| format!("Undo: {w}")).unwrap_or_else(|| "Nothing to undo".into()))}
        </button>
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
