//! Charts of the coding: code frequencies as bars by theme, and codes by case as a
//! heat map (both drawn as SVG by the core), each with its figures as a table for
//! screen readers and downloads as SVG and PNG.

use fieldkit_core::coding::charts::{BarChart, GridMap, MOST_BARS};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::app::use_ctx;
use crate::autosave::CODED_TEXT_TOPICS;
use crate::browser;
use crate::screens::study::use_study;

/// *Name (SVG)* and *Name (PNG)*: the chart `svg` gives, saved as `<study>-<stem>`.
#[component]
pub(crate) fn ChartDownloads(#[prop(into)] name: String, stem: &'static str, svg: Signal<String>) -> impl IntoView {
    let ctx = use_ctx();
    let Some(study) = use_study() else { return ().into_any() };
    let file = move |ext: &str| study.untracked(|d| format!("{}-{stem}.{ext}", browser::file_stem(&d.study.title)));
    let as_svg = move |_| {
        if let Err(e) = browser::download(&file("svg"), "image/svg+xml", &svg.get_untracked()) {
            ctx.error(e);
        }
    };
    let as_png = move |_| {
        let drawn = svg.get_untracked();
        browser::download_when_ready(ctx, file("png"), "image/png", async move { browser::svg_to_png(&drawn).await });
    };
    view! {
        <button class="secondary" on:click=as_svg>{format!("{name} (SVG)")}</button>
        <button class="secondary" on:click=as_png>{format!("{name} (PNG)")}</button>
    }
    .into_any()
}

fn bars_table(chart: &BarChart) -> impl IntoView + use<> {
    let rows = chart
        .groups
        .iter()
        .flat_map(|(theme, bars)| {
            bars.iter().map(move |b| {
                let label = if b.depth == 0 { theme.clone() } else { format!("{theme} › {}", b.label) };
                view! { <tr><th scope="row">{label}</th><td>{b.count}</td></tr> }
            })
        })
        .collect_view();
    view! {
        <table class="grid">
            <caption>"Code frequencies"</caption>
            <thead><tr><th scope="col">"Theme or code"</th><th scope="col">"Coded passages"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn grid_table(map: &GridMap) -> impl IntoView + use<> {
    let heads = map.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view();
    let rows = map
        .rows
        .iter()
        .zip(&map.cells)
        .map(|(label, cells)| {
            let cells = cells.iter().map(|n| view! { <td>{*n}</td> }).collect_view();
            view! { <tr><th scope="row">{label.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <table class="grid">
            <caption>"Codes by case"</caption>
            <thead><tr><th scope="col">"Theme or code"</th>{heads}</tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

#[component]
pub fn ChartsScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    // Both charts from one count of the coded passages.
    let charts = Memo::new(move |_| study.read(CODED_TEXT_TOPICS, |d| d.coding_charts(MOST_BARS)));
    let bars = Memo::new(move |_| charts.with(|(b, _)| b.clone()));
    let grid = Memo::new(move |_| charts.with(|(_, g)| g.clone()));
    let bars_svg = Signal::derive(move || bars.with(|c| c.svg()));
    let grid_svg = Signal::derive(move || grid.with(|m| m.svg()));
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Charts"</h2>
            <p class="hint">"Coded passages of each theme and of each code directly under it (its sub-codes' passages included). Each chart's figures are also given as a table."</p>
        </section>
        {move || {
            let chart = bars.get();
            if chart.groups.is_empty() {
                return view! { <section class="panel"><p class="empty">"Nothing is coded yet."</p></section> }.into_any();
            }
            let left_out = chart.left_out;
            view! {
                <section class="panel" aria-labelledby="chart-frequencies">
                    <h3 id="chart-frequencies">"Code frequencies, by theme"</h3>
                    {(left_out > 0).then(|| view! {
                        <p class="hint">{format!(
                            "The {MOST_BARS} most coded are shown; {} with fewer passages {} left out (the table of codes across cases and the codebook CSV have every code).",
                            fieldkit_core::study::plural(left_out, "code", "codes"),
                            if left_out == 1 { "is" } else { "are" },
                        )}</p>
                    })}
                    <div class="chart" aria-hidden="true" inner_html=bars_svg.get()></div>
                    <details class="help"><summary>"The figures as a table"</summary>{bars_table(&chart)}</details>
                    <div class="row wrap"><ChartDownloads name="Code frequencies" stem="code-frequencies" svg=bars_svg/></div>
                </section>
                <section class="panel" aria-labelledby="chart-by-case">
                    <h3 id="chart-by-case">"Codes by case"</h3>
                    <div class="chart wide" aria-hidden="true" inner_html=grid_svg.get()></div>
                    <details class="help"><summary>"The figures as a table"</summary>
                        <div class="table-scroll">{grid.with(grid_table)}</div>
                    </details>
                    <div class="row wrap"><ChartDownloads name="Codes by case" stem="codes-by-case" svg=grid_svg/></div>
                </section>
            }.into_any()
        }}
    }
    .into_any()
}
