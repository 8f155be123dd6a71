//! The framework matrix: cases or participants by themes or research questions, a
//! synopsis per cell and the segments behind it.

use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::coding::{CodingEdit, MatrixColumn, MatrixRow};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::{CODED_TEXT_TOPICS, Topic};
use crate::browser;
use crate::screens::study::use_study;

use fieldkit_core::coding::export as coding_export;

fn key_of_row(row: MatrixRow) -> String {
    match row {
        MatrixRow::Case(id) => format!("case-{id}"),
        MatrixRow::Participant(id) => format!("participant-{id}"),
    }
}

fn key_of_column(column: MatrixColumn) -> String {
    match column {
        MatrixColumn::Theme(id) => format!("theme-{id}"),
        MatrixColumn::Question(id) => format!("question-{id}"),
    }
}

const VIEW_SETTING: &str = "fieldkit.matrix-view";

fn view_from_setting() -> (MatrixRows, MatrixColumns) {
    match browser::local_setting(VIEW_SETTING).as_deref() {
        Some("cases-questions") => (MatrixRows::Cases, MatrixColumns::Questions),
        Some("participants-themes") => (MatrixRows::Participants, MatrixColumns::Themes),
        Some("participants-questions") => (MatrixRows::Participants, MatrixColumns::Questions),
        _ => (MatrixRows::Cases, MatrixColumns::Themes),
    }
}

fn view_key(rows: MatrixRows, columns: MatrixColumns) -> &'static str {
    match (rows, columns) {
        (MatrixRows::Cases, MatrixColumns::Themes) => "cases-themes",
        (MatrixRows::Cases, MatrixColumns::Questions) => "cases-questions",
        (MatrixRows::Participants, MatrixColumns::Themes) => "participants-themes",
        (MatrixRows::Participants, MatrixColumns::Questions) => "participants-questions",
    }
}

#[component]
pub fn MatrixScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let (first_rows, first_columns) = view_from_setting();
    let rows = RwSignal::new(first_rows);
    let columns = RwSignal::new(first_columns);
    Effect::new(move |_| browser::set_local_setting(VIEW_SETTING, view_key(rows.get(), columns.get())));
    let matrix = Memo::new(move |_| {
        let (r, c) = (rows.get(), columns.get());
        // Not the matrix's own cells: typing a synopsis must not work the matrix out
        // again (each cell reads its own synopsis and links).
        study.read(CODED_TEXT_TOPICS, |d| d.framework_matrix(r, c))
    });
    let shape = Memo::new(move |_| matrix.with(|m| (m.rows.clone(), m.columns.clone())));
    let download = move |xlsx: bool| {
        let (r, c) = (rows.get_untracked(), columns.get_untracked());
        let outcome = study.untracked(|d| {
            let stem = format!("{}-framework-matrix-{}", browser::file_stem(&d.study.title), view_key(r, c));
            if xlsx {
                let book = coding_export::matrix_workbook(d, r, c);
                browser::download_when_ready(ctx, format!("{stem}.xlsx"), browser::XLSX_MIME, async move {
                    browser::xlsx(&book).await
                });
                Ok(())
            } else {
                browser::download_bytes(
                    &format!("{stem}.csv"),
                    "text/csv;charset=utf-8",
                    &coding_export::matrix_csv(d, r, c)?,
                )
            }
        });
        if let Err(e) = outcome {
            ctx.error(format!("The export failed: {e}"));
        }
    };
    let switch = move |name: &'static str,
                       legend: &'static str,
                       choices: [(&'static str, bool); 2],
                       pick: Box<dyn Fn(bool) + Send + Sync>,
                       on: Signal<bool>| {
        let pick = std::sync::Arc::new(pick);
        view! {
            <fieldset class="switch">
                <legend>{legend}</legend>
                {choices.into_iter().map(|(label, value)| {
                    let id = format!("{name}-{value}");
                    let pick = pick.clone();
                    view! {
                        <input type="radio" id=id.clone() name=name prop:checked=move || on.get() == value
                            on:change=move |_| pick(value)/>
                        <label for=id>{label}</label>
                    }
                }).collect_view()}
            </fieldset>
        }
    };
    let by_participants = Signal::derive(move || rows.get() == MatrixRows::Participants);
    let by_questions = Signal::derive(move || columns.get() == MatrixColumns::Questions);
    view! {
        <section class="panel matrix-panel">
            <p class="crumbs"><A href=format!("/study/{}/coding", study.id())>"Coding"</A></p>
            <h2>"Framework matrix"</h2>
            <p class="muted">"Write a synopsis in each cell from the coded data behind it; cells without coded data say so. Tick segments to keep them as the cell's supporting quotes."</p>
            <div class="row wrap">
                {switch("matrix-rows", "Rows", [("Cases", false), ("Participants", true)],
                    Box::new(move |p| rows.set(if p { MatrixRows::Participants } else { MatrixRows::Cases })), by_participants)}
                {switch("matrix-columns", "Columns", [("Themes", false), ("Research questions", true)],
                    Box::new(move |q| columns.set(if q { MatrixColumns::Questions } else { MatrixColumns::Themes })), by_questions)}
            </div>
            <div class="row wrap">
                <button class="secondary" on:click=move |_| download(false)>"Download this view (CSV)"</button>
                <button class="secondary" on:click=move |_| download(true)>"Download this view (XLSX)"</button>
            </div>
            <p class="scroll-cue muted small">"Scroll sideways for more columns →"</p>
            <div class="table-scroll matrix-scroll" tabindex="0" role="region" aria-label="Framework matrix, scrollable">
                <table class="grid matrix" aria-label="Framework matrix">
                    <thead><tr><th scope="col" class="sticky">{move || if by_participants.get() { "Participant" } else { "Case" }}</th>
                        <For each=move || shape.get().1 key=|(column, name)| (*column, name.clone()) let((_, name))>
                            <th scope="col">{name}</th>
                        </For>
                    </tr></thead>
                    <tbody>
                        // Keyed by row and column: a cell's editor belongs to that one cell, so
                        // switching views never carries one cell's text into another.
                        <For each=move || shape.get().0 key=|(row, name)| (*row, name.clone()) let((row, row_name))>
                            <tr>
                                <th scope="row" class="sticky">{row_name.clone()}</th>
                                <For each=move || shape.get().1 key=|(column, _)| *column let((column, column_name))>
                                    <MatrixCellEditor matrix=matrix row=row column=column label=format!("{row_name} × {column_name}")/>
                                </For>
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
pub(crate) fn MatrixCellEditor(
    matrix: Memo<fieldkit_core::coding::retrieval::FrameworkMatrix>,
    row: MatrixRow,
    column: MatrixColumn,
    label: String,
) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let find = move |m: &fieldkit_core::coding::retrieval::FrameworkMatrix| {
        let r = m.rows.iter().position(|(x, _)| *x == row)?;
        let c = m.columns.iter().position(|(x, _)| *x == column)?;
        m.cells.get(r).and_then(|x| x.get(c)).cloned()
    };
    let cell = Memo::new(move |_| matrix.with(|m| find(m).map(|v| (v.empty, v.available.len()))));
    // Set once: re-rendering the field on every keystroke would lose the cursor.
    let synopsis = matrix.with_untracked(|m| find(m).map(|v| v.synopsis).unwrap_or_default());
    let empty = move || cell.get().is_some_and(|x| x.0);
    // (segment, its words, linked as supporting) for the segments in this cell.
    // The supporting quotes are listed once the list is opened (160 cells hold every
    // segment of the study between them); the count is kept up to date.
    let quotes_open = RwSignal::new(false);
    let linked = Memo::new(move |_| {
        study.read(&[Topic::Matrix], |d| {
            d.matrix_cells.iter().find(|c| c.row == row && c.column == column).map(|c| c.segments.clone())
        })
    });
    let links = Memo::new(move |_| {
        if !quotes_open.get() {
            return Vec::new();
        }
        let available = matrix.with(|m| find(m).map(|v| v.available).unwrap_or_default());
        let linked = linked.get().unwrap_or_default();
        study.read(&[Topic::Segments], |d| {
            let wanted: std::collections::HashSet<Uuid> = available.iter().copied().collect();
            let words: std::collections::HashMap<Uuid, String> = d
                .segments
                .iter()
                .filter(|s| wanted.contains(&s.id))
                .map(|s| (s.id, s.text.chars().take(120).collect::<String>()))
                .collect();
            available
                .iter()
                .filter_map(|s| words.get(s).map(|w| (*s, w.clone(), linked.contains(s))))
                .collect::<Vec<_>>()
        })
    });
    let supporting = Memo::new(move |_| {
        let available = matrix.with(|m| find(m).map(|v| v.available).unwrap_or_default());
        linked.get().map_or(0, |l| l.iter().filter(|s| available.contains(s)).count())
    });
    let id = format!("cell-{}-{}", key_of_row(row), key_of_column(column));
    view! {
        <td class=move || if empty() { "gap" } else { "cell" }>
            <label class="sr-only" for=id.clone()>{format!("Synopsis: {label}")}</label>
            <textarea id=id rows="5" prop:value=synopsis placeholder=move || if empty() { "(no data)" } else { "" }
                on:input=move |ev| {
                    let text = event_target_value(&ev);
                    let _ = study.edit(|d, now| d.apply_coding_recorded("edit a synopsis", CodingEdit::SetSynopsis { row, column, text }, now));
                }></textarea>
            <p class="muted small">{move || match cell.get() {
                Some((true, _)) | None => "No coded data".to_string(),
                Some((false, n)) => plural(n, "segment", "segments"),
            }}</p>
            <Show when=move || !empty()>
                <details class="supporting" on:toggle=move |ev| quotes_open.set(crate::widgets::details_opened(&ev))>
                    <summary>{move || format!("Supporting quotes ({})", supporting.get())}</summary>
                    <ul class="plain">
                        {move || links.get().into_iter().map(|(segment, words, linked)| {
                            let box_id = format!("link-{}-{}-{segment}", key_of_row(row), key_of_column(column));
                            view! {
                                <li class="check">
                                    <input type="checkbox" id=box_id.clone() prop:checked=linked on:change=move |ev| {
                                        let edit = if event_target_checked(&ev) {
                                            CodingEdit::LinkSegments { row, column, segments: vec![segment] }
                                        } else {
                                            CodingEdit::UnlinkSegment { row, column, segment }
                                        };
                                        let _ = study.edit(|d, now| d.apply_coding_recorded("tick a supporting quote", edit, now));
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
