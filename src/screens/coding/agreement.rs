//! Agreement between coders: pick the coders, read percentage agreement, Cohen's
//! kappa and Krippendorff's alpha per code (the core works them out over
//! characters), then a code's sources and the passages where the coders differ,
//! each opening the source at that place.

use std::collections::BTreeSet;

use fieldkit_core::StudyData;
use fieldkit_core::coding::agreement::{Agreement, AgreementFigures, AgreementQuery};
use fieldkit_core::coding::export as coding_export;
use fieldkit_core::offsets::slice_code_points;
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::CODED_TEXT_TOPICS;
use crate::browser;
use crate::screens::study::use_study;

use super::search::place_address;

/// One line of the table: a code over all sources, or one source.
#[derive(Clone, Debug, PartialEq)]
struct Line {
    label: String,
    href: Option<String>,
    figures: AgreementFigures,
}

#[derive(Clone, Debug, PartialEq)]
struct Passage {
    who: String,
    words: String,
    href: String,
}

/// What the screen shows, worked out from the study and the coders picked.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    coders: Vec<String>,
    sources: usize,
    /// Per code: its id, its overall line.
    codes: Vec<(Uuid, Line)>,
}

fn percent(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.1} %")).unwrap_or_else(|| "–".into())
}

fn coefficient(v: Option<f64>) -> String {
    v.map(|v| if v.abs() < 0.0005 { "0.000".to_string() } else { format!("{v:.3}") }).unwrap_or_else(|| "–".into())
}

fn shown(d: &StudyData, a: &Agreement) -> Shown {
    let codes = a
        .rows
        .iter()
        .filter(|r| r.source.is_none())
        .map(|r| (r.code, Line { label: d.code_path(r.code).join(" › "), href: None, figures: r.figures.clone() }))
        .collect();
    Shown { coders: a.coders.clone(), sources: a.sources.len(), codes }
}

/// A code's lines per source and the passages where the coders differ.
fn code_detail(d: &StudyData, a: &Agreement, code: Uuid, base: &str) -> (Vec<Line>, Vec<Passage>) {
    let lines = a
        .rows
        .iter()
        .filter(|r| r.code == code)
        .filter_map(|r| {
            let source = r.source.as_ref()?;
            let title = d.source(source).map(|s| s.title).unwrap_or_default();
            Some(Line { label: title, href: Some(place_address(d, base, source, None)), figures: r.figures.clone() })
        })
        .collect();
    let passages = a
        .disagreements
        .iter()
        .filter(|x| x.code == code)
        .map(|x| Passage {
            who: format!("Coded by {} only", x.coded_by.join(" and ")),
            words: d
                .source_text(&x.source)
                .and_then(|t| slice_code_points(t, x.start, x.end))
                .map(str::to_string)
                .unwrap_or_default(),
            href: place_address(d, base, &x.source, Some((x.start, x.end))),
        })
        .collect();
    (lines, passages)
}

#[component]
pub fn AgreementScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let everyone = Memo::new(move |_| study.read(CODED_TEXT_TOPICS, |d| d.coders()));
    // The first two coders until the analyst picks.
    let picked = RwSignal::new(None::<BTreeSet<String>>);
    let coders = Memo::new(move |_| {
        let all = everyone.get();
        match picked.get() {
            Some(p) => all.into_iter().filter(|c| p.contains(c)).collect::<Vec<_>>(),
            None => all.into_iter().take(2).collect(),
        }
    });
    let agreement = Memo::new(move |_| {
        let query = AgreementQuery { coders: coders.get(), ..AgreementQuery::default() };
        study.read(CODED_TEXT_TOPICS, |d| d.agreement(&query).map_err(|e| e.to_string()))
    });
    let table = Memo::new(move |_| agreement.with(|a| a.as_ref().ok().map(|a| study.untracked(|d| shown(d, a)))));
    let open = RwSignal::new(None::<Uuid>);
    let detail = Memo::new(move |_| {
        let code = open.get()?;
        let base = format!("/study/{}/coding/source", study.id());
        agreement.with(|a| a.as_ref().ok().map(|a| study.untracked(|d| (code, code_detail(d, a, code, &base)))))
    });
    let download = move |_| {
        let wanted = coders.get_untracked();
        let outcome = study.untracked(|d| {
            let name = format!("{}-agreement.csv", browser::file_stem(&d.study.title));
            coding_export::agreement_csv(d, Some(wanted))
                .and_then(|bytes| browser::download_bytes(&name, "text/csv;charset=utf-8", &bytes))
        });
        if let Err(e) = outcome {
            ctx.error(e);
        }
    };
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Agreement between coders"</h2>
            <p class="hint">
                "Counted over characters: for each code, every character of the text is coded or not by each coder. "
                "Agreement and Cohen's kappa compare the first two coders ticked; Krippendorff's alpha is over all of them. "
                "The sources compared are those that every ticked coder coded something in."
            </p>
            {move || {
                let all = everyone.get();
                if all.len() < 2 {
                    return view! { <p class="empty">"Agreement needs the codings of at least two coders. Each coder sets their name on the Coding screen; merge their backups onto one device to compare them."</p> }.into_any();
                }
                let boxes = all.into_iter().map(|name| {
                    let id = format!("coder-{}", name.replace(|c: char| !c.is_alphanumeric(), "-"));
                    let n = name.clone();
                    let checked = move || coders.with(|c| c.contains(&n));
                    let n = name.clone();
                    let toggle = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        let mut now: BTreeSet<String> = coders.get_untracked().into_iter().collect();
                        if on { now.insert(n.clone()); } else { now.remove(&n); }
                        picked.set(Some(now));
                    };
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input type="checkbox" id=id prop:checked=checked on:change=toggle/>
                            {name}
                        </label>
                    }
                }).collect_view();
                view! {
                    <fieldset class="coders">
                        <legend>"Coders to compare"</legend>
                        <div class="row wrap">{boxes}</div>
                    </fieldset>
                }.into_any()
            }}
            {move || agreement.with(|a| a.as_ref().err().cloned()).map(|e| view! { <p class="notice" role="status">{e}</p> })}
        </section>
        {move || table.get().map(|t| {
            let summary = format!(
                "{} compared; {} coded by these coders. Counts are characters.",
                plural(t.sources, "source", "sources"),
                plural(t.codes.len(), "code", "codes")
            );
            let rows = t.codes.into_iter().map(|(code, line)| {
                let label = line.label.clone();
                view! {
                    <tr class:open=move || open.get() == Some(code)>
                        <th scope="row">
                            <button class="link" aria-expanded=move || (open.get() == Some(code)).to_string()
                                on:click=move |_| open.update(|o| *o = if *o == Some(code) { None } else { Some(code) })>
                                {label}
                            </button>
                        </th>
                        <Figures figures=line.figures/>
                    </tr>
                }
            }).collect_view();
            view! {
                <section class="panel">
                    <div class="row wrap">
                        <p>{summary}</p>
                        <button class="secondary" on:click=download>"Agreement table (CSV)"</button>
                    </div>
                    <div class="table-scroll">
                        <table class="grid agreement" aria-label="Agreement per code">
                            <Head first="Code" coders=t.coders.clone()/>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                </section>
            }
        })}
        {move || detail.get().map(|(code, (lines, passages))| {
            let name = study.untracked(|d| d.code_path(code).join(" › "));
            let rows = lines.into_iter().map(|line| view! {
                <tr>
                    <th scope="row">{match line.href {
                        Some(href) => view! { <A href=href>{line.label}</A> }.into_any(),
                        None => line.label.into_any(),
                    }}</th>
                    <Figures figures=line.figures/>
                </tr>
            }).collect_view();
            let count = passages.len();
            let items = passages.into_iter().map(|p| view! {
                <li class="disagreement">
                    <span class="muted small">{p.who}</span>
                    <q dir="auto">{p.words}</q>
                    <A href=p.href attr:class="button secondary">"Open"</A>
                </li>
            }).collect_view();
            view! {
                <section class="panel" aria-label=format!("Agreement on {name}")>
                    <h3>{format!("“{name}” by source")}</h3>
                    <div class="table-scroll">
                        <table class="grid agreement" aria-label="Agreement per source">
                            <Head first="Source" coders=coders.get_untracked()/>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                    <h3>{format!("Where they differ: {}", plural(count, "passage", "passages"))}</h3>
                    <ul class="disagreements">{items}</ul>
                </section>
            }
        })}
    }
    .into_any()
}

/// The header row of both tables: what the rows are, then the figures' columns.
#[component]
fn Head(first: &'static str, coders: Vec<String>) -> impl IntoView {
    let by_coder = coders.into_iter().map(|c| view! { <th scope="col">{format!("Coded by {c}")}</th> }).collect_view();
    view! {
        <thead><tr>
            <th scope="col">{first}</th>
            {by_coder}
            <th scope="col">"Coded by all"</th>
            <th scope="col">"Agreement"</th>
            <th scope="col">"Kappa"</th>
            <th scope="col">"Alpha"</th>
        </tr></thead>
    }
}

#[component]
fn Figures(figures: AgreementFigures) -> impl IntoView {
    let pair = figures.first_pair().cloned();
    let by_coder = figures.chars_by_coder.iter().map(|n| view! { <td>{n.to_string()}</td> }).collect_view();
    view! {
        {by_coder}
        <td>{figures.chars_all.to_string()}</td>
        <td>{percent(pair.as_ref().and_then(|p| p.agreement_pct))}</td>
        <td>{coefficient(pair.as_ref().and_then(|p| p.kappa))}</td>
        <td>{coefficient(figures.alpha)}</td>
    }
}
