//! The coding tab: the source list with its filters, the codebook, the coded-data
//! and REFI-QDA downloads.

use fieldkit_core::coding::export as coding_export;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::coding::sources::{SourceFilter, SourceKind};
use fieldkit_core::coding::{CodingEdit, MemoTarget};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::memos::{CopyCodebook, Counts};
use super::*;
use crate::app::use_ctx;
use crate::autosave::{CODED_TEXT_TOPICS, Topic};
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{SelectField, TextField, drawn_rows};

#[component]
pub fn CodingTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let h = coder();
    let ctx = use_ctx();
    view! {
        <section class="panel">
            <h2>"Coding"</h2>
            <div class="row wrap">
                <TextField label="Your name as coder" value=Signal::derive(move || h.0.get())
                    hint="Recorded with every code you apply."
                    on_edit=move |t| { ctx.set_device_note(super::CODER_NOTE, &t); h.0.set(t); Ok(()) }/>
                <UndoButton/>
                <A href=format!("/study/{}/coding/matrix", study.id()) attr:class="button secondary">"Framework matrix"</A>
                <A href=format!("/study/{}/coding/agreement", study.id()) attr:class="button secondary">"Agreement between coders"</A>
                <A href=format!("/study/{}/coding/together", study.id()) attr:class="button secondary">"Codes that go together"</A>
                <A href=format!("/study/{}/coding/across", study.id()) attr:class="button secondary">"Codes across cases"</A>
                <A href=format!("/study/{}/coding/charts", study.id()) attr:class="button secondary">"Charts"</A>
                <A href=format!("/study/{}/coding/report", study.id()) attr:class="button secondary">"Study report"</A>
                <A href=format!("/study/{}/coding/review", study.id()) attr:class="button secondary">
                    {move || {
                        let n = study.read(CODED_TEXT_TOPICS, |d| d.segments.iter().filter(|s| s.anchor != fieldkit_core::coding::Anchor::Placed).count());
                        if n == 0 { "Segments to check".to_string() } else { format!("Segments to check ({n})") }
                    }}
                </A>
            </div>
        </section>
        <Codebook/>
        <section class="panel"><CopyCodebook/></section>
        <super::search::TextSearch/>
        <SourceList/>
        <Counts/>
        <section class="panel"><Memos target=MemoTarget::Journal title="Study journal"/></section>
        <CodingDownloads/>
    }
    .into_any()
}

#[component]
pub(crate) fn SourceList() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let base = format!("/study/{}/coding/source", study.id());
    let kind = RwSignal::new(String::new());
    let case = RwSignal::new(String::new());
    let role = RwSignal::new(String::new());
    let question = RwSignal::new(String::new());
    let attribute = RwSignal::new(String::new());
    let rows = Memo::new(move |_| {
        let filter = SourceFilter {
            attributes: attribute_filter(&attribute.get()),
            kinds: SourceKind::from_key(&kind.get()).into_iter().collect(),
            cases: Uuid::parse_str(&case.get()).ok().into_iter().collect(),
            roles: Uuid::parse_str(&role.get()).ok().into_iter().collect(),
            research_questions: Uuid::parse_str(&question.get()).ok().into_iter().collect(),
            ..SourceFilter::default()
        };
        // One line per interview or focus group (its notes and turns are coded as one text).
        study.read(CODED_TEXT_TOPICS, |d| {
            d.listed_sources(&filter)
                .into_iter()
                .map(|s| (s.id, s.title, s.kind, d.case_name(s.case_id).to_string(), s.segments))
                .collect::<Vec<_>>()
        })
    });
    let drawn = drawn_rows(rows);
    let options = move |all: &str, list: Vec<(String, String)>| {
        std::iter::once((String::new(), all.to_string())).chain(list).collect::<Vec<_>>()
    };
    let kinds =
        options("Every kind", SourceKind::ALL.iter().map(|k| (k.key().to_string(), k.label().to_string())).collect());
    let cases = Signal::derive(move || {
        options(
            "Every case",
            study.read(&[Topic::Cases], |d| d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())).collect()),
        )
    });
    let roles = Signal::derive(move || {
        options(
            "Every role",
            study.read(&[Topic::Study], |d| d.study.roles.iter().map(|r| (r.id.to_string(), r.name.clone())).collect()),
        )
    });
    let questions = Signal::derive(move || {
        options(
            "Every research question",
            study.read(&[Topic::Study], |d| {
                d.study.research_questions.iter().map(|q| (q.id.to_string(), q.text.clone())).collect()
            }),
        )
    });
    view! {
        <section class="panel">
            <h2>"Sources"</h2>
            <div class="grid2">
                <SelectField label="Kind" options=kinds value=Signal::derive(move || kind.get()) on_edit=move |v| { kind.set(v); Ok(()) }/>
                <SelectField label="Case" options=cases value=Signal::derive(move || case.get()) on_edit=move |v| { case.set(v); Ok(()) }/>
                <SelectField label="Participant role" options=roles value=Signal::derive(move || role.get()) on_edit=move |v| { role.set(v); Ok(()) }/>
                <SelectField label="Research question" options=questions value=Signal::derive(move || question.get()) on_edit=move |v| { question.set(v); Ok(()) }/>
                <SelectField label="Case attribute" options=Signal::derive(move || study.read(&[Topic::Cases], attribute_choices))
                    value=Signal::derive(move || attribute.get()) on_edit=move |v| { attribute.set(v); Ok(()) }/>
            </div>
            <p class="muted small">{move || plural(rows.with(|r| r.len()), "source", "sources")}</p>
            <div class="table-scroll">
                <table class="list" aria-label="Sources">
                    <thead><tr><th scope="col">"Source"</th><th scope="col">"Kind"</th><th scope="col">"Case"</th><th scope="col">"Segments"</th></tr></thead>
                    <tbody>
                        <For each=move || drawn.get() key=|row| row.clone() let((id, title, kind, case, coded))>
                            <tr>
                                <td><A href=format!("{base}/{id}")>{title}</A></td>
                                <td>{kind}</td><td>{case}</td><td>{coded}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
pub(crate) fn Codebook() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let base = format!("/study/{}/coding/code", study.id());
    let rows = Memo::new(move |_| {
        // Counts from the index that each edit keeps up to date (not a pass over
        // every segment per code).
        study
            .read_indexed(&[Topic::Codes, Topic::Segments], |index, d| {
                d.codebook()
                    .into_iter()
                    .map(|(depth, c)| (c.id, depth, c.name.clone(), c.colour.clone(), index.segments_with_code(c.id)))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let drawn = drawn_rows(rows);
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let parent = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let parents = Memo::new(move |_| study.read(&[Topic::Codes], |d| code_options(d, "(a new theme)", None)));
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let colour = PALETTE[rows.with_untracked(|r| r.len()) % PALETTE.len()].to_string();
        let edit = CodingEdit::AddCode {
            parent: Uuid::parse_str(&parent.get_untracked()).ok(),
            name: name.get_untracked(),
            colour,
        };
        match apply(study, "add a code", edit) {
            Ok(_) => name.set(String::new()),
            Err(e) => ctx.error(e),
        }
    };
    view! {
        <section class="panel">
            <h2>"Codebook"</h2>
            {move || {
                if empty.get() {
                    return view! { <p class="empty">"No codes yet. Add themes, then codes under them."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <ul class="codebook" aria-label="Codebook">
                        <For each=move || drawn.get() key=|row| row.clone() let((id, depth, name, colour, n))>
                            <li class=format!("code-row depth-{}", depth.min(3))>
                                <span class="swatch" style=format!("background:{colour}") aria-hidden="true"></span>
                                <A href=format!("{base}/{id}")>{name}</A>
                                <span class="muted small">{plural(n, "segment", "segments")}</span>
                            </li>
                        </For>
                    </ul>
                }.into_any()
            }}
            <form class="add-row" on:submit=add>
                <SelectField label="Under" options=parents value=Signal::derive(move || parent.get()) on_edit=move |v| { parent.set(v); Ok(()) }/>
                <div class="field grow">
                    <label for="new-code-name">"New code or theme"</label>
                    <input id="new-code-name" type="text" autocomplete="off" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                </div>
                <button type="submit">"Add code"</button>
            </form>
        </section>
    }
    .into_any()
}

#[component]
pub(crate) fn CodingDownloads() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let download = move |what: &'static str| {
        let outcome = study.untracked(|d| {
            let stem = browser::file_stem(&d.study.title);
            let csv = "text/csv;charset=utf-8";
            match what {
                "segments" => browser::download_bytes(
                    &format!("{stem}-coded-segments.csv"),
                    csv,
                    &coding_export::segments_csv(d)?,
                ),
                "codebook-csv" => {
                    browser::download_bytes(&format!("{stem}-codebook.csv"), csv, &coding_export::codebook_csv(d)?)
                }
                "codebook-json" => browser::download_bytes(
                    &format!("{stem}-codebook.json"),
                    "application/json",
                    &coding_export::codebook_json(d)?,
                ),
                "matrix-csv" => browser::download_bytes(
                    &format!("{stem}-framework-matrix.csv"),
                    csv,
                    &coding_export::matrix_csv(d, MatrixRows::Cases, MatrixColumns::Themes)?,
                ),
                "qdpx" | "qdc" => {
                    // Without identifying details: REFI-QDA files go to other software.
                    let backup = fieldkit_core::exchange::backup::Backup::of(d, false, browser::now()).to_json();
                    let mime = if what == "qdc" { "application/xml" } else { "application/zip" };
                    browser::download_when_ready(ctx, format!("{stem}.{what}"), mime, async move {
                        browser::refi_qda(what, &backup).await
                    });
                    Ok(())
                }
                _ => {
                    let book = coding_export::matrix_workbook(d, MatrixRows::Cases, MatrixColumns::Themes);
                    browser::download_when_ready(
                        ctx,
                        format!("{stem}-framework-matrix.xlsx"),
                        browser::XLSX_MIME,
                        async move { browser::xlsx(&book).await },
                    );
                    Ok(())
                }
            }
        });
        if let Err(e) = outcome {
            ctx.error(format!("The export failed: {e}"));
        }
    };
    view! {
        <section class="panel">
            <h2>"Download coded data"</h2>
            <details class="help">
                <summary>"What each file contains"</summary>
                <ul>
                    <li>"Coded segments: one row per segment and code, with the source, case and its attributes, participant, role, speaker, question, position (in characters), the words, the code and its theme, and the coder."</li>
                    <li>"Codebook: every code with its path, definition, inclusion and exclusion criteria, example and how many segments it has."</li>
                    <li>"Framework matrix: cases down, themes across, a synopsis per cell; the XLSX adds the supporting quotes and the column labels. The matrix screen downloads its other views."</li>
                    <li>"REFI-QDA: the whole project or the codebook for NVivo, MAXQDA or ATLAS.ti; pseudonyms only, never identifying details."</li>
                </ul>
            </details>
            <div class="row wrap">
                <button class="secondary" on:click=move |_| download("segments")>"Coded segments (CSV)"</button>
                <button class="secondary" on:click=move |_| download("codebook-csv")>"Codebook (CSV)"</button>
                <button class="secondary" on:click=move |_| download("codebook-json")>"Codebook (JSON)"</button>
                <button class="secondary" on:click=move |_| download("matrix-csv")>"Framework matrix (CSV)"</button>
                <button class="secondary" on:click=move |_| download("matrix-xlsx")>"Framework matrix (XLSX)"</button>
            </div>
            <h3>"For NVivo, MAXQDA and ATLAS.ti (REFI-QDA)"</h3>
            <div class="row wrap">
                <button class="secondary" on:click=move |_| download("qdpx")>"Whole project (.qdpx)"</button>
                <button class="secondary" on:click=move |_| download("qdc")>"Codebook only (.qdc)"</button>
            </div>
        </section>
    }
    .into_any()
}
