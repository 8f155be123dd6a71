//! The framework matrix: cases or participants by themes or research questions, a
//! synopsis per cell and the segments behind it.

use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::coding::{CodingEdit, MatrixColumn, MatrixRow};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::screens::study::use_study;

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
pub(crate) fn MatrixCellEditor(
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
