//! What editing left behind: segments whose words changed (*needs review*) or were
//! removed (*lost*), with the words as coded and the text now there; each can be
//! accepted on the text now there, placed again in its source, or removed, and
//! every one of those is undone by Undo.

use fieldkit_core::StudyData;
use fieldkit_core::coding::{Anchor, CodingEdit};
use fieldkit_core::offsets::slice_code_points;
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::search::place_address;
use super::{UndoButton, apply};
use crate::app::use_ctx;
use crate::autosave::CODED_TEXT_TOPICS;
use crate::screens::study::use_study;

#[derive(Clone, Debug, PartialEq)]
struct Left {
    id: Uuid,
    anchor: Anchor,
    source: String,
    codes: String,
    as_coded: String,
    /// None: the words are gone (nothing at those bounds).
    now: Option<String>,
    start: usize,
    end: usize,
    href: String,
}

fn left_behind(d: &StudyData, base: &str) -> Vec<Left> {
    d.segments
        .iter()
        .filter(|s| s.anchor != Anchor::Placed)
        .map(|s| {
            let text = d.source_text(&s.source);
            let now =
                text.filter(|_| s.start < s.end).and_then(|t| slice_code_points(t, s.start, s.end)).map(str::to_string);
            let codes: Vec<String> = s
                .codings
                .iter()
                .map(|c| {
                    let name = d.code(c.code).map(|x| x.name.clone()).unwrap_or_default();
                    if c.coder.is_empty() { name } else { format!("{name} ({})", c.coder) }
                })
                .collect();
            Left {
                id: s.id,
                anchor: s.anchor,
                source: d.source(&s.source).map(|x| x.title).unwrap_or_else(|| "(the source was removed)".into()),
                codes: codes.join(", "),
                as_coded: s.text.clone(),
                now,
                start: s.start,
                end: s.end,
                href: place_address(d, base, &s.source, (s.start < s.end).then_some((s.start, s.end))),
            }
        })
        .collect()
}

#[component]
pub fn ReviewScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let base = format!("/study/{}/coding/source", study.id());
    let list = Memo::new(move |_| study.read(CODED_TEXT_TOPICS, |d| left_behind(d, &base)));
    let act = move |what: &str, edit: CodingEdit| {
        if let Err(e) = apply(study, what, edit) {
            ctx.error(e);
        }
    };
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Segments to check"</h2>
            <p class="hint">"When a note, turn, transcript, answer or document is edited, a segment whose words changed is marked to check, and one whose words were removed is lost. Accept the text now there, place it again on other words in its source, or remove it. Undo takes each step back."</p>
            <div class="row wrap"><UndoButton/></div>
        </section>
        <section class="panel">
            {move || {
                let items = list.get();
                if items.is_empty() {
                    return view! { <p class="empty">"Nothing to check: every segment sits on the words it was coded on."</p> }.into_any();
                }
                let count = items.len();
                let rows = items.into_iter().map(|item| {
                    let id = item.id;
                    let (start, end) = (item.start, item.end);
                    let can_accept = item.now.is_some();
                    let now = match item.now {
                        Some(now) => view! { <p><span class="muted small">"Now there: "</span><q dir="auto">{now}</q></p> }.into_any(),
                        None => view! { <p class="muted">"The words were removed from the source."</p> }.into_any(),
                    };
                    view! {
                        <li class="segment left-behind">
                            <p><strong>{item.anchor.label()}</strong>" · "{item.source}" · "<span class="muted">{item.codes}</span></p>
                            <p><span class="muted small">"As coded: "</span><q dir="auto">{item.as_coded}</q></p>
                            {now}
                            <div class="row wrap">
                                <button class="secondary" disabled=!can_accept
                                    on:click=move |_| act("accept a segment's new text", CodingEdit::AdjustBounds { segment: id, start, end })>
                                    "Accept the text now there"
                                </button>
                                <A href=item.href attr:class="button secondary">"Place it again in the source"</A>
                                <button class="secondary danger" on:click=move |_| act("remove a segment", CodingEdit::RemoveSegment { segment: id })>
                                    "Remove"
                                </button>
                            </div>
                        </li>
                    }
                }).collect_view();
                view! {
                    <p>{plural(count, "segment to check", "segments to check")}</p>
                    <ul class="plain segments" aria-label="Segments to check">{rows}</ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
