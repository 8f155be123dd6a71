//! Memos on sources, segments and codes and the study journal; counts per code by
//! case or role; copying a codebook from another study.

use fieldkit_core::ObjectRef;
use fieldkit_core::coding::{CodingEdit, MemoTarget};
use fieldkit_core::study::plural;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use super::*;
use crate::app::use_ctx;
use crate::autosave::Topic;
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::TextField;

/// The dated memos on one thing (a segment, a code, a source, or the study journal),
/// each editable, and a box to add one.
#[component]
pub fn Memos(target: MemoTarget, #[prop(into)] title: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = coder();
    let t = target.clone();
    let ids = Memo::new(move |_| {
        study.read(&[Topic::Memos], |d| d.memos.iter().filter(|m| m.target == t).map(|m| m.id).collect::<Vec<_>>())
    });
    let draft = RwSignal::new(String::new());
    let box_id = crate::widgets::field_id("memo");
    let add = move |_| {
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let edit = CodingEdit::AddMemo { target: target.clone(), text, author: h.0.get_untracked() };
        match apply(study, "add a memo", edit) {
            Ok(_) => draft.set(String::new()),
            Err(e) => ctx.error(e),
        }
    };
    view! {
        <div class="memos">
            <h3>{title.clone()}</h3>
            <ul class="plain">
                <For each=move || ids.get() key=|id| *id let:id>
                    {
                        // Memos: typing in one memo redraws only that one.
                        let text = Memo::new(move |_| study.read(&[Topic::Memos], |d| d.memo(id).map(|m| m.text.clone()).unwrap_or_default()));
                        let stamp = Memo::new(move |_| study.read(&[Topic::Memos], |d| d.memo(id).map(|m| {
                            let who = if m.author.is_empty() { String::new() } else { format!(" · {}", m.author) };
                            format!("{}{who}", browser::local_time(m.created))
                        }).unwrap_or_default()));
                        view! {
                            <li class="memo">
                                <TextField label=stamp multiline=true value=text
                                    on_edit=move |t| study.edit(|d, now| d.apply_coding_recorded("edit a memo", CodingEdit::EditMemo { memo: id, text: t }, now)).map(drop)/>
                                <button class="secondary" on:click=move |_| {
                                    let outcome = study.edit_undoable("Memo deleted.", |_| vec![ObjectRef::Memo(id)],
                                        |d, now| d.apply_coding_recorded("delete a memo", CodingEdit::DeleteMemo { memo: id }, now));
                                    if let Err(e) = outcome { ctx.error(e); }
                                }>"Delete memo"</button>
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
pub(crate) fn Counts() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let by_role = RwSignal::new(false);
    // Worked out and drawn once asked for: on a real study it is hundreds of codes
    // by dozens of cases, too much to redo whenever the coding tab opens.
    let shown = RwSignal::new(false);
    let table = Memo::new(move |_| {
        if !shown.get() {
            return (Vec::new(), Vec::new());
        }
        let roles = by_role.get();
        study.read(&[Topic::Codes, Topic::Segments, Topic::Cases, Topic::Participants, Topic::Study], |d| {
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
            <Show when=move || !shown.get()>
                <button class="secondary" on:click=move |_| shown.set(true)>"Show segments and sources per code"</button>
            </Show>
            <Show when=move || shown.get()>
            <div class="check">
                <input type="checkbox" id="counts-by-role" prop:checked=move || by_role.get() on:change=move |ev| by_role.set(event_target_checked(&ev))/>
                <label for="counts-by-role">"By participant role instead of by case"</label>
            </div>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Counts per code, scrollable">
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
            </Show>
        </section>
    }
    .into_any()
}

/// Copies the codebook of another study's backup into this one.
#[component]
pub(crate) fn CopyCodebook() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = browser::picked_file(&ev) else { return };
        spawn_local(async move {
            let other = match browser::read_backup(&file).await {
                Ok(study) => study,
                Err(e) => return ctx.error(e),
            };
            let outcome = study.edit(|d, now| {
                let mut applied = d.import_codebook(&other, now)?;
                d.remember_coding("copy a codebook", &mut applied);
                Ok(applied)
            });
            match outcome {
                Ok(applied) => {
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
