//! Thematic coding: the source list and codebook, coding a source by selecting its
//! text, a code's page (definition, merge, delete, its segments as quotes), the
//! framework matrix, undo, and the coded-data downloads.
//!
//! Positions are code points in the core; the browser's selection gives UTF-16
//! offsets, converted here at the edge (`offsets::utf16_to_code_points`).

use fieldkit_core::coding::CodeField;
use fieldkit_core::coding::export as coding_export;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows, RetrievalFilter};
use fieldkit_core::coding::sources::{SourceFilter, SourceKind};
use fieldkit_core::coding::{CodingEdit, MatrixColumn, MatrixRow, MemoTarget};
use fieldkit_core::offsets::{slice_code_points, utf16_to_code_points};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::StudyCtx;
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{SelectField, TextField};

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

fn history() -> CodingHistory {
    use_context::<CodingHistory>().unwrap_or_default()
}

/// Applies a coding edit, saves what it changed or removed, and remembers its undo.
fn apply(study: StudyCtx, what: &str, edit: CodingEdit) -> Result<Option<Uuid>, String> {
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
fn UndoButton() -> impl IntoView {
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
fn code_options(d: &fieldkit_core::StudyData, first: &str, except: Option<Uuid>) -> Vec<(String, String)> {
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
fn attribute_choices(d: &fieldkit_core::StudyData) -> Vec<(String, String)> {
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
fn attribute_filter(choice: &str) -> Vec<(String, String)> {
    choice.split_once('=').map(|(k, v)| vec![(k.to_string(), v.to_string())]).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// The tab: sources, codebook, downloads
// ---------------------------------------------------------------------------

#[component]
pub fn CodingTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let h = history();
    view! {
        <section class="panel">
            <h2>"Coding"</h2>
            <div class="row wrap">
                <TextField label="Your name as coder" value=Signal::derive(move || h.coder.get())
                    hint="Recorded with every code you apply."
                    on_edit=move |t| { browser::set_local_setting("fieldkit.coder", &t); h.coder.set(t); Ok(()) }/>
                <UndoButton/>
                <A href=format!("/study/{}/coding/matrix", study.id()) attr:class="button secondary">"Framework matrix"</A>
            </div>
        </section>
        <Codebook/>
        <section class="panel"><CopyCodebook/></section>
        <SourceList/>
        <Counts/>
        <section class="panel"><Memos target=MemoTarget::Journal title="Study journal"/></section>
        <CodingDownloads/>
    }
    .into_any()
}

#[component]
fn SourceList() -> impl IntoView {
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
        study.data.with(|d| {
            d.filtered_sources(&filter)
                .into_iter()
                .filter(|s| !s.text.trim().is_empty())
                .map(|s| {
                    let coded = d.segments.iter().filter(|g| g.source == s.source).count();
                    (s.uuid, s.title.clone(), s.kind.label(), d.case_name(s.case_id).to_string(), coded)
                })
                .collect::<Vec<_>>()
        })
    });
    let options = move |all: &str, list: Vec<(String, String)>| {
        std::iter::once((String::new(), all.to_string())).chain(list).collect::<Vec<_>>()
    };
    let kinds =
        options("Every kind", SourceKind::ALL.iter().map(|k| (k.key().to_string(), k.label().to_string())).collect());
    let cases = Signal::derive(move || {
        options("Every case", study.data.with(|d| d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())).collect()))
    });
    let roles = Signal::derive(move || {
        options(
            "Every role",
            study.data.with(|d| d.study.roles.iter().map(|r| (r.id.to_string(), r.name.clone())).collect()),
        )
    });
    let questions = Signal::derive(move || {
        options(
            "Every research question",
            study
                .data
                .with(|d| d.study.research_questions.iter().map(|q| (q.id.to_string(), q.text.clone())).collect()),
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
                <SelectField label="Case attribute" options=Signal::derive(move || study.data.with(attribute_choices))
                    value=Signal::derive(move || attribute.get()) on_edit=move |v| { attribute.set(v); Ok(()) }/>
            </div>
            <p class="muted small">{move || plural(rows.with(|r| r.len()), "source", "sources")}</p>
            <div class="table-scroll">
                <table class="list" aria-label="Sources">
                    <thead><tr><th scope="col">"Source"</th><th scope="col">"Kind"</th><th scope="col">"Case"</th><th scope="col">"Segments"</th></tr></thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|(id, title, kind, case, coded)| view! {
                            <tr>
                                <td><A href=format!("{base}/{id}")>{title}</A></td>
                                <td>{kind}</td><td>{case}</td><td>{coded}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn Codebook() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let base = format!("/study/{}/coding/code", study.id());
    let rows = Memo::new(move |_| {
        study.data.with(|d| {
            d.codebook()
                .into_iter()
                .map(|(depth, c)| {
                    let n = d.segments.iter().filter(|s| s.has_code(c.id)).count();
                    (c.id, depth, c.name.clone(), c.colour.clone(), n)
                })
                .collect::<Vec<_>>()
        })
    });
    let parent = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let parents = Signal::derive(move || study.data.with(|d| code_options(d, "(a new theme)", None)));
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
                let rows = rows.get();
                if rows.is_empty() {
                    return view! { <p class="empty">"No codes yet. Add themes, then codes under them."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <ul class="codebook" aria-label="Codebook">
                        {rows.into_iter().map(|(id, depth, name, colour, n)| view! {
                            <li class=format!("code-row depth-{}", depth.min(3))>
                                <span class="swatch" style=format!("background:{colour}") aria-hidden="true"></span>
                                <A href=format!("{base}/{id}")>{name}</A>
                                <span class="muted small">{plural(n, "segment", "segments")}</span>
                            </li>
                        }).collect_view()}
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
fn CodingDownloads() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let download = move |what: &'static str| {
        let outcome = study.data.with_untracked(|d| {
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
            <p class="muted">"The README lists every column."</p>
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

// ---------------------------------------------------------------------------
// Coding one source
// ---------------------------------------------------------------------------

/// The current selection inside `container`, as UTF-16 offsets into its text.
fn selection_in(container: &web_sys::Element) -> Option<(u32, u32)> {
    let window = web_sys::window()?;
    let selection = window.get_selection().ok()??;
    if selection.range_count() == 0 || selection.is_collapsed() {
        return None;
    }
    let range = selection.get_range_at(0).ok()?;
    let common = range.common_ancestor_container().ok()?;
    if !container.contains(Some(&common)) {
        return None;
    }
    let before = window.document()?.create_range().ok()?;
    before.select_node_contents(container).ok()?;
    before.set_end(&range.start_container().ok()?, range.start_offset().ok()?).ok()?;
    let start = String::from(before.to_string()).encode_utf16().count() as u32;
    let length = String::from(range.to_string()).encode_utf16().count() as u32;
    Some((start, start + length))
}

#[component]
pub fn SourceScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = history();
    let params = use_params_map();
    // Which source the address names: worked out when the address changes, not on
    // every edit (listing every source of a large study takes long).
    let source = Memo::new(move |_| {
        let id = params.with(|p| p.get("source").and_then(|v| Uuid::parse_str(&v).ok()))?;
        study.data.with_untracked(|d| d.sources().into_iter().find(|s| s.uuid == id).map(|s| s.source))
    });
    let info = Memo::new(move |_| {
        let src = source.get()?;
        study.data.with(|d| {
            d.source(&src)
                .map(|s| (s.title.clone(), s.kind.label(), d.case_name(s.case_id).to_string(), s.question_text.clone()))
        })
    });
    // (text, highlight spans as (start, end, colour, code names)) in code points.
    let body = Memo::new(move |_| {
        let src = source.get()?;
        study.data.with(|d| {
            let text = d.source_text(&src)?.to_string();
            let spans: Vec<(usize, usize, String, String, usize)> = d
                .highlights(&src)
                .into_iter()
                .map(|hl| {
                    let colour =
                        hl.codes.first().and_then(|c| d.code(*c)).map(|c| c.colour.clone()).unwrap_or_default();
                    let names: Vec<String> =
                        hl.codes.iter().filter_map(|c| d.code(*c)).map(|c| c.name.clone()).collect();
                    (hl.start, hl.end, colour, names.join("; "), hl.codes.len())
                })
                .collect();
            Some((text, spans))
        })
    });
    let container = NodeRef::<leptos::html::Div>::new();
    // The last selection made in the text (code points), kept while the palette is used.
    let chosen = RwSignal::new(None::<(usize, usize)>);
    let on_select = move || {
        let Some(el) = container.get_untracked() else { return };
        let Some((a, b)) = selection_in(&el) else { return };
        let Some((text, _)) = body.get_untracked() else { return };
        let start = utf16_to_code_points(&text, a as usize);
        let end = utf16_to_code_points(&text, b as usize);
        if end > start {
            chosen.set(Some((start, end)));
        }
    };
    // `selectionchange` fires on the document and does not reach the window.
    let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(on_select);
    let function: js_sys::Function = wasm_bindgen::JsCast::unchecked_ref::<js_sys::Function>(listener.as_ref()).clone();
    let _ = document().add_event_listener_with_callback("selectionchange", &function);
    let listener = send_wrapper::SendWrapper::new(listener);
    let function = send_wrapper::SendWrapper::new(function);
    on_cleanup(move || {
        let _ = document().remove_event_listener_with_callback("selectionchange", &function);
        drop(listener);
    });
    let chosen_text = Memo::new(move |_| {
        let (s, e) = chosen.get()?;
        body.with(|b| b.as_ref().and_then(|(t, _)| slice_code_points(t, s, e).map(str::to_string)))
    });
    let search = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<Uuid>::new());
    let codes = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        study.data.with(|d| {
            d.codebook()
                .into_iter()
                .filter(|(_, c)| q.is_empty() || c.name.to_lowercase().contains(&q))
                .map(|(depth, c)| (c.id, depth, c.name.clone(), c.colour.clone()))
                .collect::<Vec<_>>()
        })
    });
    let apply_codes = move |_| {
        let (Some(src), Some((start, end))) = (source.get_untracked(), chosen.get_untracked()) else {
            ctx.error("Select some text first.");
            return;
        };
        let codes = picked.get_untracked();
        if codes.is_empty() {
            ctx.error("Tick one or more codes to apply.");
            return;
        }
        let coder = h.coder.get_untracked();
        match apply(study, "apply codes", CodingEdit::ApplyCodes { source: src, start, end, codes, coder }) {
            Ok(_) => {
                picked.set(Vec::new());
                chosen.set(None);
                if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
                    let _ = sel.remove_all_ranges();
                }
            }
            Err(e) => ctx.error(e),
        }
    };
    let segments = Memo::new(move |_| {
        let Some(src) = source.get() else { return Vec::new() };
        study.data.with(|d| {
            let mut list: Vec<_> = d
                .segments
                .iter()
                .filter(|s| s.source == src)
                .map(|s| {
                    let codes: Vec<(Uuid, String, String)> = s
                        .codings
                        .iter()
                        .filter_map(|c| d.code(c.code))
                        .map(|c| (c.id, c.name.clone(), c.colour.clone()))
                        .collect();
                    (s.id, s.start, s.end, s.text.clone(), s.anchor.label(), codes)
                })
                .collect();
            list.sort_by_key(|x| (x.1, x.2));
            list
        })
    });
    view! {
        <section class="panel">
            <p class="crumbs"><A href=format!("/study/{}/coding", study.id())>"Coding"</A></p>
            {move || info.get().map(|(title, kind, case, question)| view! {
                <h2>{title}</h2>
                <p class="muted">{format!("{kind} · {case}")}{(!question.is_empty()).then(|| format!(" · {question}"))}</p>
            })}
            <div class="row wrap"><UndoButton/></div>
        </section>
        <div class="coding-layout">
            <section class="panel source-panel">
                <h3>"Text"</h3>
                <p class="hint">"Select words with a finger or the mouse, then tick codes and apply them."</p>
                <div class="source-text" node_ref=container aria-label="Source text">
                    {move || body.get().map(|(text, spans)| {
                        let mut out = Vec::new();
                        let mut at = 0;
                        for (s, e, colour, names, n) in spans {
                            if s > at {
                                out.push(view! { <span>{slice_code_points(&text, at, s).unwrap_or("").to_string()}</span> }.into_any());
                            }
                            let words = slice_code_points(&text, s, e).unwrap_or("").to_string();
                            let class = if n > 1 { "hl hl-multi" } else { "hl" };
                            out.push(view! {
                                <mark class=class style=format!("--code:{colour}") title=names.clone() data-codes=names>{words}</mark>
                            }.into_any());
                            at = e;
                        }
                        let len = text.chars().count();
                        if at < len {
                            out.push(view! { <span>{slice_code_points(&text, at, len).unwrap_or("").to_string()}</span> }.into_any());
                        }
                        out
                    })}
                </div>
            </section>
            <section class="panel palette" aria-label="Code the selection">
                <h3>"Code the selection"</h3>
                <p class="selection-preview">{move || chosen_text.get().map(|t| format!("“{t}”")).unwrap_or_else(|| "Nothing selected yet.".into())}</p>
                <div class="field">
                    <label for="code-search">"Find a code"</label>
                    <input id="code-search" type="search" autocomplete="off" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <ul class="plain code-choices">
                    {move || codes.get().into_iter().map(|(id, depth, name, colour)| {
                        let box_id = format!("pick-{id}");
                        view! {
                            <li class=format!("check depth-{}", depth.min(3))>
                                <input type="checkbox" id=box_id.clone() prop:checked=move || picked.with(|p| p.contains(&id))
                                    on:change=move |ev| { let on = event_target_checked(&ev); picked.update(|p| { p.retain(|x| *x != id); if on { p.push(id); } }); }/>
                                <span class="swatch" style=format!("background:{colour}") aria-hidden="true"></span>
                                <label for=box_id>{name}</label>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <button on:click=apply_codes disabled=move || chosen.get().is_none()>"Apply codes"</button>
            </section>
        </div>
        <section class="panel">
            {move || source.get().map(|src| view! { <Memos target=MemoTarget::Source(src) title="Memos on this source"/> })}
        </section>
        <section class="panel">
            <h3>"Coded segments in this source"</h3>
            <ul class="plain segments">
                {move || segments.get().into_iter().map(|(id, start, end, text, anchor, codes)| view! {
                    <li class="segment">
                        <p class="segment-text">{format!("“{text}”")}<span class="muted small">{format!(" ({start}–{end}) · {anchor}")}</span></p>
                        <div class="row wrap">
                            <button class="secondary" disabled=move || chosen.get().is_none() on:click=move |_| {
                                let Some((start, end)) = chosen.get_untracked() else { return };
                                match apply(study, "move a segment", CodingEdit::AdjustBounds { segment: id, start, end }) {
                                    Ok(_) => chosen.set(None),
                                    Err(e) => ctx.error(e),
                                }
                            }>"Set to the selected words"</button>
                        </div>
                        <details class="segment-memos"><summary>"Memos on this segment"</summary>
                            <Memos target=MemoTarget::Segment(id) title=""/>
                        </details>
                        <div class="row wrap chips">
                            {codes.into_iter().map(|(code, name, colour)| {
                                let label = format!("Remove {name} from this segment");
                                view! {
                                    <span class="chip" style=format!("--code:{colour}")>{name.clone()}
                                        <button class="ghost" aria-label=label on:click=move |_| {
                                            if let Err(e) = apply(study, "remove a code", CodingEdit::RemoveCoding { segment: id, code }) { ctx.error(e); }
                                        }>"✕"</button>
                                    </span>
                                }
                            }).collect_view()}
                        </div>
                    </li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// One code
// ---------------------------------------------------------------------------

#[component]
pub fn CodeScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let navigate = use_navigate();
    let params = use_params_map();
    let code = Memo::new(move |_| {
        let id = params.with(|p| p.get("code").and_then(|v| Uuid::parse_str(&v).ok()))?;
        study.data.with(|d| d.code(id).map(|c| c.id))
    });
    let base = format!("/study/{}/coding", study.id());
    view! {
        {move || match code.get() {
            None => view! { <p class="empty">"This code is not in the codebook."</p> }.into_any(),
            Some(id) => {
                let navigate = navigate.clone();
                let list = base.clone();
                view! { <CodeDetail id=id base=base.clone() on_gone=move || navigate(&list, Default::default())/> }.into_any()
            }
        }}
    }
    .into_any()
}

fn code_memo<T>(
    study: StudyCtx,
    id: Uuid,
    read: impl Fn(&fieldkit_core::coding::Code) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.data.with(|d| d.code(id).map(&read).unwrap_or_default()))
}

#[component]
fn CodeDetail(id: Uuid, base: String, on_gone: impl Fn() + Clone + 'static) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let name = code_memo(study, id, |c| c.name.clone());
    let colour = code_memo(study, id, |c| c.colour.clone());
    let field = |f: CodeField| {
        let memo = code_memo(study, id, move |c| match f {
            CodeField::Definition => c.definition.clone(),
            CodeField::Inclusion => c.inclusion.clone(),
            CodeField::Exclusion => c.exclusion.clone(),
            CodeField::Example => c.example.clone(),
        });
        Signal::derive(move || memo.get())
    };
    let edit = move |what: &str, e: CodingEdit| apply(study, what, e).map(drop);
    // Merging into a sub-code is refused by the core, so sub-codes are not offered.
    let others = Signal::derive(move || study.data.with(|d| code_options(d, "Choose a code", Some(id))));
    let parent_options = Signal::derive(move || study.data.with(|d| code_options(d, "(none: a theme)", Some(id))));
    let parent = code_memo(study, id, |c| c.parent.map(|p| p.to_string()).unwrap_or_default());
    let merge_into = RwSignal::new(String::new());
    let gone = on_gone.clone();
    let merge = move |_| {
        let Ok(into) = Uuid::parse_str(&merge_into.get_untracked()) else {
            ctx.error("Choose the code to merge into.");
            return;
        };
        let (from_name, into_name) = study.data.with_untracked(|d| {
            (
                d.code(id).map(|c| c.name.clone()).unwrap_or_default(),
                d.code(into).map(|c| c.name.clone()).unwrap_or_default(),
            )
        });
        let gone = gone.clone();
        ctx.ask(Confirm {
            title: format!("Merge “{from_name}” into “{into_name}”?"),
            body: format!("Every segment coded “{from_name}” will be coded “{into_name}”, and “{from_name}” leaves the codebook. Undo puts it back."),
            action: "Merge".into(),
            on_confirm: Box::new(move || match apply(study, "merge codes", CodingEdit::MergeCodes { from: id, into }) {
                Ok(_) => gone(),
                Err(e) => ctx.error(e),
            }),
        });
    };
    let gone = on_gone.clone();
    let delete = move |_| {
        let impact = study.data.with_untracked(|d| d.code_deletion_impact(id));
        let impact = match impact {
            Ok(i) => i,
            Err(e) => return ctx.error(e.to_string()),
        };
        let gone = gone.clone();
        ctx.ask(Confirm {
            title: format!("Delete “{}”?", name.get_untracked()),
            body: format!("This removes {}. Undo puts it back.", impact.describe()),
            action: "Delete code".into(),
            on_confirm: Box::new(move || match apply(study, "delete a code", CodingEdit::DeleteCode { code: id }) {
                Ok(_) => gone(),
                Err(e) => ctx.error(e),
            }),
        });
    };
    let by_attribute = RwSignal::new(String::new());
    let by_role = RwSignal::new(String::new());
    let retrieved = Memo::new(move |_| {
        let sources = SourceFilter {
            attributes: attribute_filter(&by_attribute.get()),
            roles: Uuid::parse_str(&by_role.get()).ok().into_iter().collect(),
            ..SourceFilter::default()
        };
        study.data.with(|d| {
            d.retrieve(&RetrievalFilter { codes: vec![id], sources, ..RetrievalFilter::default() })
                .into_iter()
                .map(|r| {
                    (
                        r.segment,
                        r.source_uuid,
                        r.text.clone(),
                        r.quote(),
                        format!(
                            "{} · {} · {}",
                            r.case,
                            if r.pseudonym.is_empty() {
                                "—".to_string()
                            } else {
                                format!("{} ({})", r.pseudonym, r.role)
                            },
                            r.research_question
                        ),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let source_base = format!("{base}/source");
    let ticked = RwSignal::new(Vec::<Uuid>::new());
    let split_name = RwSignal::new(String::new());
    let split = move |_| {
        let segments = ticked.get_untracked();
        if segments.is_empty() {
            ctx.error("Tick the segments that go to the new code.");
            return;
        }
        let colour = PALETTE[study.data.with_untracked(|d| d.codes.len()) % PALETTE.len()].to_string();
        match apply(
            study,
            "split a code",
            CodingEdit::SplitCode { code: id, name: split_name.get_untracked(), colour, segments },
        ) {
            Ok(_) => {
                ticked.set(Vec::new());
                split_name.set(String::new());
            }
            Err(e) => ctx.error(e),
        }
    };
    view! {
        <section class="panel">
            <p class="crumbs"><A href=base.clone()>"Coding"</A></p>
            <h2><span class="swatch" style=move || format!("background:{}", colour.get()) aria-hidden="true"></span>{move || name.get()}</h2>
            <div class="row wrap"><UndoButton/></div>
            <TextField label="Name" value=Signal::derive(move || name.get()) on_edit=move |t| edit("rename a code", CodingEdit::RenameCode { code: id, name: t })/>
            <div class="field">
                <label for="code-colour">"Colour"</label>
                <input id="code-colour" class="colour-picker" type="color" prop:value=move || colour.get()
                    on:change=move |ev| { if let Err(e) = edit("recolour a code", CodingEdit::RecolourCode { code: id, colour: event_target_value(&ev) }) { ctx.error(e); } }/>
            </div>
            <TextField label="Definition" multiline=true value=field(CodeField::Definition) on_edit=move |t| edit("edit a definition", CodingEdit::CodeText { code: id, field: CodeField::Definition, text: t })/>
            <TextField label="Include when" multiline=true value=field(CodeField::Inclusion) on_edit=move |t| edit("edit a criterion", CodingEdit::CodeText { code: id, field: CodeField::Inclusion, text: t })/>
            <TextField label="Exclude when" multiline=true value=field(CodeField::Exclusion) on_edit=move |t| edit("edit a criterion", CodingEdit::CodeText { code: id, field: CodeField::Exclusion, text: t })/>
            <TextField label="Example" multiline=true value=field(CodeField::Example) on_edit=move |t| edit("edit an example", CodingEdit::CodeText { code: id, field: CodeField::Example, text: t })/>
            <SelectField label="Under (move)" options=parent_options value=Signal::derive(move || parent.get())
                on_edit=move |v| edit("move a code", CodingEdit::MoveCode { code: id, parent: Uuid::parse_str(&v).ok() })/>
        </section>
        <section class="panel">
            <h3>"Merge or delete"</h3>
            <div class="add-row">
                <SelectField label="Merge into" options=others value=Signal::derive(move || merge_into.get()) on_edit=move |v| { merge_into.set(v); Ok(()) }/>
                <button class="secondary" on:click=merge>"Merge…"</button>
            </div>
            <button class="danger" on:click=delete>"Delete code…"</button>
        </section>
        <section class="panel"><Memos target=MemoTarget::Code(id) title="Memos on this code"/></section>
        <section class="panel">
            <h3>{move || format!("Segments ({})", retrieved.with(|r| r.len()))}</h3>
            <div class="grid2">
                <SelectField label="Only cases with" options=Signal::derive(move || study.data.with(attribute_choices))
                    value=Signal::derive(move || by_attribute.get()) on_edit=move |v| { by_attribute.set(v); Ok(()) }/>
                <SelectField label="Only participants who are" value=Signal::derive(move || by_role.get()) on_edit=move |v| { by_role.set(v); Ok(()) }
                    options=Signal::derive(move || study.data.with(|d| std::iter::once((String::new(), "Any role".to_string()))
                        .chain(d.study.roles.iter().map(|r| (r.id.to_string(), r.name.clone()))).collect::<Vec<_>>()))/>
            </div>
            <div class="add-row">
                <div class="field grow">
                    <label for="split-name">"Split the ticked segments into a new code called"</label>
                    <input id="split-name" type="text" autocomplete="off" prop:value=move || split_name.get() on:input=move |ev| split_name.set(event_target_value(&ev))/>
                </div>
                <button class="secondary" on:click=split>"Split"</button>
            </div>
            <ul class="plain segments" aria-label="Segments of this code">
                {move || retrieved.get().into_iter().map(|(segment, source, text, quote, attribution)| {
                    let copy = move |_| {
                        let quote = quote.clone();
                        if let Some(w) = web_sys::window() {
                            let _ = w.navigator().clipboard().write_text(&quote);
                            ctx.info("Quote copied.");
                        }
                    };
                    let tick_id = format!("tick-{segment}");
                    view! {
                        <li class="segment">
                            <div class="check">
                                <input type="checkbox" id=tick_id.clone() prop:checked=move || ticked.with(|t| t.contains(&segment))
                                    on:change=move |ev| { let on = event_target_checked(&ev); ticked.update(|t| { t.retain(|x| *x != segment); if on { t.push(segment); } }); }/>
                                <label for=tick_id class="segment-text">{format!("“{text}”")}</label>
                            </div>
                            <p class="muted small">{attribution}" · "<A href=format!("{source_base}/{source}")>"open source"</A></p>
                            <button class="secondary" on:click=copy>"Copy as quote"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// Framework matrix
// ---------------------------------------------------------------------------

#[component]
pub fn MatrixScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let by_questions = RwSignal::new(false);
    let by_participants = RwSignal::new(false);
    let matrix = Memo::new(move |_| {
        let columns = if by_questions.get() { MatrixColumns::Questions } else { MatrixColumns::Themes };
        let rows = if by_participants.get() { MatrixRows::Participants } else { MatrixRows::Cases };
        study.data.with(|d| d.framework_matrix(rows, columns))
    });
    let shape = Memo::new(move |_| matrix.with(|m| (m.rows.clone(), m.columns.clone())));
    view! {
        <section class="panel">
            <p class="crumbs"><A href=format!("/study/{}/coding", study.id())>"Coding"</A></p>
            <h2>"Framework matrix"</h2>
            <p class="muted">"Cases down, themes (or research questions) across. Write a synopsis in each cell; cells without coded data say so."</p>
            <div class="check">
                <input type="checkbox" id="matrix-questions" prop:checked=move || by_questions.get() on:change=move |ev| by_questions.set(event_target_checked(&ev))/>
                <label for="matrix-questions">"Columns are research questions"</label>
            </div>
            <div class="check">
                <input type="checkbox" id="matrix-participants" prop:checked=move || by_participants.get() on:change=move |ev| by_participants.set(event_target_checked(&ev))/>
                <label for="matrix-participants">"Rows are participants"</label>
            </div>
            <div class="table-scroll">
                <table class="grid matrix" aria-label="Framework matrix">
                    <thead><tr><th scope="col">{move || if by_participants.get() { "Participant" } else { "Case" }}</th>
                        {move || shape.get().1.into_iter().map(|(_, name)| view! { <th scope="col">{name}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || {
                            let (rows, columns) = shape.get();
                            rows.into_iter().enumerate().map(|(r, (row, row_name))| view! {
                                <tr>
                                    <th scope="row">{row_name.clone()}</th>
                                    {columns.iter().enumerate().map(|(c, (column, column_name))| {
                                        let (row, column) = (row, *column);
                                        let label = format!("{row_name} × {column_name}");
                                        view! { <MatrixCellEditor matrix=matrix r=r c=c row=row column=column label=label/> }
                                    }).collect_view()}
                                </tr>
                            }).collect_view()
                        }}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn MatrixCellEditor(
    matrix: Memo<fieldkit_core::coding::retrieval::FrameworkMatrix>,
    r: usize,
    c: usize,
    row: MatrixRow,
    column: MatrixColumn,
    label: String,
) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let cell = Memo::new(move |_| {
        matrix.with(|m| m.cells.get(r).and_then(|x| x.get(c)).map(|v| (v.empty, v.available.len())))
    });
    // Written once: re-rendering the field on every keystroke would lose the cursor.
    let synopsis = matrix
        .with_untracked(|m| m.cells.get(r).and_then(|x| x.get(c)).map(|v| v.synopsis.clone()).unwrap_or_default());
    let empty = move || cell.get().is_some_and(|x| x.0);
    // (segment, its words, linked as supporting) for the segments in this cell.
    let links = Memo::new(move |_| {
        let (available, linked) = matrix.with(|m| {
            m.cells.get(r).and_then(|x| x.get(c)).map(|v| (v.available.clone(), v.linked.clone())).unwrap_or_default()
        });
        study.data.with(|d| {
            available
                .iter()
                .filter_map(|s| {
                    d.segment(*s)
                        .map(|seg| (seg.id, seg.text.chars().take(120).collect::<String>(), linked.contains(s)))
                })
                .collect::<Vec<_>>()
        })
    });
    let id = format!("cell-{r}-{c}");
    view! {
        <td class=move || if empty() { "gap" } else { "cell" }>
            <label class="sr-only" for=id.clone()>{format!("Synopsis: {label}")}</label>
            <textarea id=id rows="4" placeholder=move || if empty() { "(no data)" } else { "" }
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let _ = study.edit(|d, now| d.apply_coding(CodingEdit::SetSynopsis { row, column, text }, now));
                }>{synopsis}</textarea>
            <p class="muted small">{move || match cell.get() {
                Some((true, _)) | None => "No coded data".to_string(),
                Some((false, n)) => plural(n, "segment", "segments"),
            }}</p>
            <Show when=move || !empty()>
                <details class="supporting">
                    <summary>{move || format!("Supporting quotes ({})", links.with(|l| l.iter().filter(|x| x.2).count()))}</summary>
                    <ul class="plain">
                        {move || links.get().into_iter().map(|(segment, words, linked)| {
                            let box_id = format!("link-{r}-{c}-{segment}");
                            view! {
                                <li class="check">
                                    <input type="checkbox" id=box_id.clone() prop:checked=linked on:change=move |ev| {
                                        let edit = if event_target_checked(&ev) {
                                            CodingEdit::LinkSegments { row, column, segments: vec![segment] }
                                        } else {
                                            CodingEdit::UnlinkSegment { row, column, segment }
                                        };
                                        let _ = study.edit(|d, now| d.apply_coding(edit, now));
                                    }/>
                                    <label for=box_id>{format!("“{words}”")}</label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </details>
            </Show>
        </td>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// Memos, counts, copying a codebook
// ---------------------------------------------------------------------------

/// The dated memos on one thing (a segment, a code, a source, or the study journal),
/// each editable, and a box to add one.
#[component]
pub fn Memos(target: MemoTarget, #[prop(into)] title: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = history();
    let t = target.clone();
    let ids = Memo::new(move |_| {
        study.data.with(|d| d.memos.iter().filter(|m| m.target == t).map(|m| m.id).collect::<Vec<_>>())
    });
    let draft = RwSignal::new(String::new());
    let box_id = crate::widgets::field_id("memo");
    let add = move |_| {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let edit = CodingEdit::AddMemo { target: target.clone(), text, author: h.coder.get_untracked() };
        match apply(study, "add a memo", edit) {
            Ok(_) => draft.set(String::new()),
            Err(e) => ctx.error(e),
        }
    };
    view! {
        <div class="memos">
            <h4>{title.clone()}</h4>
            <ul class="plain">
                <For each=move || ids.get() key=|id| *id let:id>
                    {
                        let text = Signal::derive(move || study.data.with(|d| d.memo(id).map(|m| m.text.clone()).unwrap_or_default()));
                        let stamp = move || study.data.with(|d| d.memo(id).map(|m| {
                            let who = if m.author.is_empty() { String::new() } else { format!(" · {}", m.author) };
                            format!("{}{who}", browser::local_time(m.created))
                        }).unwrap_or_default());
                        view! {
                            <li class="memo">
                                <TextField label=Signal::derive(stamp) multiline=true value=text
                                    on_edit=move |t| study.edit(|d, now| d.apply_coding(CodingEdit::EditMemo { memo: id, text: t }, now)).map(drop)/>
                                <button class="secondary" on:click=move |_| { if let Err(e) = apply(study, "delete a memo", CodingEdit::DeleteMemo { memo: id }) { ctx.error(e); } }>"Delete memo"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <div class="field">
                <label for=box_id.clone()>"New memo"</label>
                <textarea id=box_id rows="3" prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
            </div>
            <button class="secondary" on:click=add>"Add memo"</button>
        </div>
    }
    .into_any()
}

/// Segments and sources per code, by case and by role, as tables with bars.
#[component]
fn Counts() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let by_role = RwSignal::new(false);
    let table = Memo::new(move |_| {
        let roles = by_role.get();
        study.data.with(|d| {
            let counts = d.code_counts();
            let columns: Vec<(Option<Uuid>, String)> = if roles {
                let mut seen: Vec<Option<Uuid>> = Vec::new();
                for c in &counts {
                    for (r, _) in &c.by_role {
                        if !seen.contains(r) {
                            seen.push(*r);
                        }
                    }
                }
                seen.into_iter()
                    .map(|r| (r, r.map(|r| d.role_name(Some(r)).to_string()).unwrap_or_else(|| "No role".into())))
                    .collect()
            } else {
                d.cases.iter().map(|c| (Some(c.id), c.name.clone())).collect()
            };
            let most = counts.iter().map(|c| c.total.segments).max().unwrap_or(0).max(1);
            let rows: Vec<(String, usize, usize, usize, Vec<usize>)> = counts
                .iter()
                .map(|c| {
                    let name =
                        d.code(c.code).map(|x| format!("{}{}", "— ".repeat(c.depth), x.name)).unwrap_or_default();
                    let cells = columns
                        .iter()
                        .map(|(col, _)| {
                            if roles {
                                c.by_role.iter().find(|(r, _)| r == col).map_or(0, |(_, t)| t.segments)
                            } else {
                                c.by_case.iter().find(|(k, _)| Some(*k) == *col).map_or(0, |(_, t)| t.segments)
                            }
                        })
                        .collect();
                    (name, c.total.segments, c.total.sources, c.total.segments * 100 / most, cells)
                })
                .collect();
            (columns.into_iter().map(|(_, n)| n).collect::<Vec<_>>(), rows)
        })
    });
    view! {
        <section class="panel">
            <h2>"Counts"</h2>
            <div class="check">
                <input type="checkbox" id="counts-by-role" prop:checked=move || by_role.get() on:change=move |ev| by_role.set(event_target_checked(&ev))/>
                <label for="counts-by-role">"By participant role instead of by case"</label>
            </div>
            <div class="table-scroll">
                <table class="grid counts" aria-label="Counts per code">
                    <thead><tr>
                        <th scope="col">"Code"</th><th scope="col">"Segments"</th><th scope="col">"Sources"</th>
                        {move || table.get().0.into_iter().map(|n| view! { <th scope="col">{n}</th> }).collect_view()}
                    </tr></thead>
                    <tbody>
                        {move || table.get().1.into_iter().map(|(name, segments, sources, width, cells)| view! {
                            <tr>
                                <th scope="row">{name}</th>
                                <td class="bar-cell"><span class="bar" style=format!("width:{width}%") aria-hidden="true"></span>{segments}</td>
                                <td>{sources}</td>
                                {cells.into_iter().map(|n| view! { <td>{n}</td> }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}

/// Copies the codebook of another study's backup into this one.
#[component]
fn CopyCodebook() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = browser::picked_file(&ev) else { return };
        spawn_local(async move {
            let other = match browser::read_backup(&file).await {
                Ok(study) => study,
                Err(e) => return ctx.error(e),
            };
            let outcome = study.edit(|d, now| d.import_codebook(&other, now));
            match outcome {
                Ok(applied) => {
                    let h = history();
                    h.undo.update(|u| u.push(("copy a codebook".into(), applied.undo.clone())));
                    ctx.info(format!(
                        "{} copied from “{}”.",
                        plural(applied.changed.len(), "code", "codes"),
                        other.study.title
                    ));
                }
                Err(e) => ctx.error(e),
            }
        });
    };
    view! {
        <label class="button secondary file-button">
            "Copy a codebook from another study's backup (.json)"
            <input type="file" accept=".json,application/json" class="visually-hidden" on:change=pick/>
        </label>
    }
    .into_any()
}
