//! Codes that go together: every two codes whose passages overlap (or come within
//! N characters), most often first, with a heat map of the codes that meet most,
//! and the passages of any pair, each opening its source at that place.

use fieldkit_core::StudyData;
use fieldkit_core::coding::cooccurrence::Cooccurrence;
use fieldkit_core::coding::export as coding_export;
use fieldkit_core::offsets::slice_code_points;
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::search::place_address;
use crate::app::use_ctx;
use crate::autosave::CODED_TEXT_TOPICS;
use crate::browser;
use crate::screens::study::use_study;

/// Pairs listed at most (the CSV has them all).
const LISTED: usize = 100;
/// Codes in the heat map at most: beyond this a tablet's screen cannot show a cell.
const MAPPED: usize = 12;

#[derive(Clone, Debug, PartialEq)]
struct Pair {
    a: Uuid,
    b: Uuid,
    label_a: String,
    label_b: String,
    passages: usize,
    sources: usize,
}

fn pairs(d: &StudyData, all: &[Cooccurrence]) -> Vec<Pair> {
    let mut out: Vec<Pair> = all
        .iter()
        .map(|c| Pair {
            a: c.a,
            b: c.b,
            label_a: d.code_path(c.a).join(" › "),
            label_b: d.code_path(c.b).join(" › "),
            passages: c.passages.len(),
            sources: c.sources(),
        })
        .collect();
    out.sort_by(|x, y| y.passages.cmp(&x.passages).then_with(|| x.label_a.cmp(&y.label_a)));
    out
}

#[component]
pub fn CooccurrenceScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let within = RwSignal::new(0usize);
    let all = Memo::new(move |_| {
        let n = within.get();
        study.read(CODED_TEXT_TOPICS, |d| d.cooccurrence(n))
    });
    let listed = Memo::new(move |_| all.with(|all| study.untracked(|d| pairs(d, all))));
    let open = RwSignal::new(None::<(Uuid, Uuid)>);
    let passages = Memo::new(move |_| {
        let (a, b) = open.get()?;
        let base = format!("/study/{}/coding/source", study.id());
        all.with(|all| {
            let found = all.iter().find(|c| c.a == a && c.b == b)?;
            Some(study.untracked(|d| {
                found
                    .passages
                    .iter()
                    .map(|p| {
                        let words = d
                            .source_text(&p.source)
                            .and_then(|t| slice_code_points(t, p.start, p.end))
                            .map(str::to_string)
                            .unwrap_or_default();
                        let title = d.source(&p.source).map(|s| s.title).unwrap_or_default();
                        (title, words, place_address(d, &base, &p.source, Some((p.start, p.end))))
                    })
                    .collect::<Vec<_>>()
            }))
        })
    });
    let download_csv = move |_| {
        let n = within.get_untracked();
        let outcome = study.untracked(|d| {
            let name = format!("{}-cooccurrence.csv", browser::file_stem(&d.study.title));
            coding_export::cooccurrence_csv(d, n)
                .and_then(|bytes| browser::download_bytes(&name, "text/csv;charset=utf-8", &bytes))
        });
        if let Err(e) = outcome {
            ctx.error(e);
        }
    };
    let map = Memo::new(move |_| {
        let n = within.get();
        study.read(CODED_TEXT_TOPICS, |d| d.cooccurrence_map(n, MAPPED))
    });
    let map_svg = Signal::derive(move || map.with(|m| m.svg()));
    let set_within = move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<usize>() {
        Ok(n) if n <= 100_000 => within.set(n),
        _ => ctx.error("Give a number of characters from 0 to 100,000."),
    };
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Codes that go together"</h2>
            <p class="hint">"Two codes meet where text coded with one overlaps text coded with the other (any coder). Each meeting is one passage."</p>
            <div class="field narrow">
                <label for="within">"Or are at most this many characters apart"</label>
                <input id="within" type="number" min="0" max="100000" inputmode="numeric" prop:value=move || within.get().to_string()
                    on:change=set_within/>
            </div>
            <div class="row wrap">
                <button class="secondary" on:click=download_csv>"All pairs (CSV)"</button>
                <super::charts::ChartDownloads name="Heat map" stem="cooccurrence" svg=map_svg/>
            </div>
        </section>
        {move || {
            let m = map.get();
            if m.labels.len() < 2 {
                return None;
            }
            Some(view! {
                <section class="panel">
                    <h3>"The codes that meet most"</h3>
                    // The table below gives the same figures in words, for screen readers.
                    <div class="chart" aria-hidden="true" inner_html=map_svg.get()></div>
                </section>
            })
        }}
        <section class="panel">
            {move || {
                let list = listed.get();
                let total = list.len();
                if total == 0 {
                    return view! { <p class="empty">"No two codes meet yet."</p> }.into_any();
                }
                let rows = list.into_iter().take(LISTED).map(|p| {
                    let (a, b) = (p.a, p.b);
                    let label = format!("{} with {}", p.label_a, p.label_b);
                    view! {
                        <tr class:open=move || open.get() == Some((a, b))>
                            <th scope="row">
                                <button class="link" aria-expanded=move || (open.get() == Some((a, b))).to_string()
                                    on:click=move |_| open.update(|o| *o = if *o == Some((a, b)) { None } else { Some((a, b)) })>
                                    {label}
                                </button>
                            </th>
                            <td>{p.passages.to_string()}</td>
                            <td>{p.sources.to_string()}</td>
                        </tr>
                    }
                }).collect_view();
                let summary = if total > LISTED {
                    format!("{} meet; the {LISTED} that meet most are listed (the CSV has them all).", plural(total, "pair of codes", "pairs of codes"))
                } else {
                    format!("{} meet.", plural(total, "pair of codes", "pairs of codes"))
                };
                view! {
                    <p>{summary}</p>
                    <div class="table-scroll">
                        <table class="grid agreement" aria-label="Codes that go together">
                            <thead><tr><th scope="col">"Codes"</th><th scope="col">"Passages"</th><th scope="col">"Sources"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        {move || passages.get().map(|list| {
            let items = list.into_iter().map(|(title, words, href)| view! {
                <li class="disagreement">
                    <span class="muted small">{title}</span>
                    <q dir="auto">{words}</q>
                    <A href=href attr:class="button secondary">"Open"</A>
                </li>
            }).collect_view();
            view! {
                <section class="panel" aria-label="Passages where the two codes meet">
                    <h3>"Where they meet"</h3>
                    <ul class="disagreements">{items}</ul>
                </section>
            }
        })}
    }
    .into_any()
}
