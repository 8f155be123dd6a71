//! Text search across the whole study (like NVivo's text search query): every
//! codable text, ignoring case and accents; hits in context with where they come
//! from; opening a hit selects its words in the source; coding all or the ticked
//! hits in one undoable step.

use fieldkit_core::coding::CodingEdit;
use fieldkit_core::coding::composed::survey_question_id;
use fieldkit_core::coding::search::SearchHit;
use fieldkit_core::coding::sources::{SourceFilter, SourceKind, SourceRef};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::*;
use crate::app::use_ctx;
use crate::autosave::Topic;
use crate::screens::study::use_study;
use crate::widgets::SelectField;

/// Hits listed at once; the total is always given.
const SHOWN_HITS: usize = 200;

/// The address that opens a hit's source with the found words selected.
fn hit_address(study: &fieldkit_core::StudyData, base: &str, hit: &SearchHit) -> String {
    place_address(study, base, &hit.source, Some((hit.start, hit.end)))
}

/// The source screen's address for a source, with `at` (code points) selected.
pub(crate) fn place_address(
    study: &fieldkit_core::StudyData,
    base: &str,
    source: &SourceRef,
    at: Option<(usize, usize)>,
) -> String {
    // The source screen shows an interview's notes and turns, and a survey
    // question's answers, as one text: it is opened under that text's id.
    let page = match source {
        SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => *interview,
        SourceRef::SurveyAnswer { response, question } => study
            .response(*response)
            .map(|r| survey_question_id(r.survey_id, *question))
            .unwrap_or_else(|| source.uuid()),
        other => other.uuid(),
    };
    match at {
        Some((start, end)) => format!("{base}/{page}?at={}:{start}:{end}", source.uuid()),
        None => format!("{base}/{page}"),
    }
}

#[component]
pub(crate) fn TextSearch() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = coder();
    let base = format!("/study/{}/coding/source", study.id());
    // Ready before the first search, without a long pause at it.
    study.build_search_in_idle();
    let query = RwSignal::new(String::new());
    let kind = RwSignal::new(String::new());
    let case = RwSignal::new(String::new());
    let attribute = RwSignal::new(String::new());
    let filter = Memo::new(move |_| SourceFilter {
        attributes: attribute_filter(&attribute.get()),
        kinds: SourceKind::from_key(&kind.get()).into_iter().collect(),
        cases: Uuid::parse_str(&case.get()).ok().into_iter().collect(),
        ..SourceFilter::default()
    });
    let results = Memo::new(move |_| {
        let q = query.get();
        if q.trim().is_empty() {
            return None;
        }
        Some(study.search(&q, &filter.get(), SHOWN_HITS))
    });
    // Ticked hits by place; cleared when the search changes.
    let ticked = RwSignal::new(Vec::<(SourceRef, usize, usize)>::new());
    Effect::new(move |_| {
        results.track();
        ticked.set(Vec::new());
    });
    let code = RwSignal::new(String::new());
    let codes = Memo::new(move |_| study.read(&[Topic::Codes], |d| code_options(d, "Choose a code", None)));
    let apply_to = move |all: bool| {
        let Ok(code) = Uuid::parse_str(&code.get_untracked()) else {
            ctx.error("Choose the code to apply to the hits.");
            return;
        };
        let places = if all {
            study.search_places(&query.get_untracked(), &filter.get_untracked())
        } else {
            ticked.get_untracked()
        };
        if places.is_empty() {
            ctx.error(if all { "The search found nothing to code." } else { "Tick the hits to code first." });
            return;
        }
        let n = places.len();
        let edit = CodingEdit::ApplyCodesMany { places, codes: vec![code], coder: h.0.get_untracked() };
        match apply(study, "code search hits", edit) {
            Ok(_) => {
                ticked.set(Vec::new());
                ctx.info(format!("Coded {}. Undo puts them all back.", plural(n, "hit", "hits")));
            }
            Err(e) => ctx.error(e),
        }
    };
    let kinds = std::iter::once((String::new(), "Every kind".to_string()))
        .chain(SourceKind::ALL.iter().map(|k| (k.key().to_string(), k.label().to_string())))
        .collect::<Vec<_>>();
    let cases = Memo::new(move |_| {
        study.read(&[Topic::Cases], |d| {
            std::iter::once((String::new(), "Every case".to_string()))
                .chain(d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())))
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="panel text-search">
            <h2>"Search the text"</h2>
            <div class="field">
                <label for="text-search">"Search the text of the study"</label>
                <input id="text-search" type="search" autocomplete="off" spellcheck="false"
                    placeholder="A word or phrase" prop:value=move || query.get() on:focus=move |_| study.prepare_search()
                    on:input=move |ev| query.set(event_target_value(&ev))/>
                <p class="hint">"Finds words in every note, turn, transcript, answer and document, ignoring capitals and accents (dwr finds dŵr)."</p>
            </div>
            <div class="grid2">
                <SelectField label="Search in" options=kinds value=Signal::derive(move || kind.get()) on_edit=move |v| { kind.set(v); Ok(()) }/>
                <SelectField label="Search case" options=cases value=Signal::derive(move || case.get()) on_edit=move |v| { case.set(v); Ok(()) }/>
                <SelectField label="Search cases with" options=Signal::derive(move || study.read(&[Topic::Cases], attribute_choices))
                    value=Signal::derive(move || attribute.get()) on_edit=move |v| { attribute.set(v); Ok(()) }/>
            </div>
            {move || results.get().map(|r| {
                let shown = r.hits.len();
                let summary = if r.total == 0 {
                    "Nothing found.".to_string()
                } else if shown < r.total {
                    format!("{} in {}; the first {shown} are listed.", plural(r.total, "hit", "hits"), plural(r.sources, "source", "sources"))
                } else {
                    format!("{} in {}.", plural(r.total, "hit", "hits"), plural(r.sources, "source", "sources"))
                };
                let total = r.total;
                let hits = r.hits.into_iter().map(|hit| {
                    let place = hit.place();
                    let href = study.untracked(|d| hit_address(d, &base, &hit));
                    let box_id = format!("hit-{}-{}-{}", hit.source.uuid(), hit.start, hit.end);
                    let where_from = fieldkit_core::study::join_present(&[hit.title.clone(), hit.case_name.clone(), hit.people.join(", ")]);
                    let p = place.clone();
                    view! {
                        <li class="search-hit check">
                            <input type="checkbox" id=box_id.clone() prop:checked=move || ticked.with(|t| t.contains(&p))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let place = place.clone();
                                    ticked.update(|t| { t.retain(|x| *x != place); if on { t.push(place); } });
                                }/>
                            <label for=box_id>
                                <span class="hit-text" dir="auto">{hit.before}<mark>{hit.matched}</mark>{hit.after}</span>
                                <span class="muted small">{where_from}</span>
                            </label>
                            <A href=href attr:class="button secondary">"Open"</A>
                        </li>
                    }
                }).collect_view();
                view! {
                    <p class="muted" role="status">{summary}</p>
                    <Show when=move || { total > 0 }>
                        <div class="add-row">
                            <SelectField label="Code to apply" options=codes value=Signal::derive(move || code.get()) on_edit=move |v| { code.set(v); Ok(()) }/>
                            <button class="secondary" disabled=move || ticked.with(Vec::is_empty) on:click=move |_| apply_to(false)>
                                {move || format!("Code the ticked hits ({})", ticked.with(Vec::len))}
                            </button>
                            <button class="secondary" on:click=move |_| apply_to(true)>{format!("Code all {}", plural(total, "hit", "hits"))}</button>
                        </div>
                    </Show>
                    <ul class="plain search-hits" aria-label="Search hits">{hits}</ul>
                }
            })}
        </section>
    }
    .into_any()
}
