//! One code's page: definition and criteria, colour, moving, merging, splitting,
//! deleting after saying what goes, and its segments as quotes.

use fieldkit_core::coding::CodeField;
use fieldkit_core::coding::retrieval::RetrievalFilter;
use fieldkit_core::coding::sources::SourceFilter;
use fieldkit_core::coding::{CodingEdit, MemoTarget};
use fieldkit_core::study::join_present;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use super::*;
use crate::app::{Confirm, use_ctx};
use crate::autosave::{CODED_TEXT_TOPICS, StudyCtx, Topic};
use crate::screens::study::use_study;
use crate::widgets::{SelectField, TextField, drawn_rows};

#[component]
pub fn CodeScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let navigate = use_navigate();
    let params = use_params_map();
    let code = Memo::new(move |_| {
        let id = params.with(|p| p.get("code").and_then(|v| Uuid::parse_str(&v).ok()))?;
        study.with(|d| d.code(id).map(|c| c.id))
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

pub(crate) fn code_memo<T>(
    study: StudyCtx,
    id: Uuid,
    read: impl Fn(&fieldkit_core::coding::Code) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.with(|d| d.code(id).map(&read).unwrap_or_default()))
}

#[component]
pub(crate) fn CodeDetail(id: Uuid, base: String, on_gone: impl Fn() + Clone + 'static) -> impl IntoView {
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
    let others = Signal::derive(move || study.with(|d| code_options(d, "Choose a code", Some(id))));
    let parent_options = Signal::derive(move || study.with(|d| code_options(d, "(none: a theme)", Some(id))));
    let parent = code_memo(study, id, |c| c.parent.map(|p| p.to_string()).unwrap_or_default());
    // Where the code stands among its siblings: (place from 1, how many).
    let place = Memo::new(move |_| {
        study.read(&[Topic::Codes], |d| {
            let parent = d.code(id).and_then(|c| c.parent);
            let siblings: Vec<Uuid> = d.child_codes(parent).map(|c| c.id).collect();
            (siblings.iter().position(|c| *c == id).map_or(0, |n| n + 1), siblings.len())
        })
    });
    let reorder = move |by: i32| {
        let what = if by < 0 { "move a code up" } else { "move a code down" };
        if let Err(e) = edit(what, CodingEdit::ReorderCode { code: id, by }) {
            ctx.error(e);
        }
    };
    let merge_into = RwSignal::new(String::new());
    let gone = on_gone.clone();
    let merge = move |_| {
        let Ok(into) = Uuid::parse_str(&merge_into.get_untracked()) else {
            ctx.error("Choose the code to merge into.");
            return;
        };
        let (from_name, into_name) = study.untracked(|d| {
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
        let impact = study.untracked(|d| d.code_deletion_impact(id));
        let impact = match impact {
            Ok(i) => i,
            Err(e) => return ctx.error(e.to_string()),
        };
        let gone = gone.clone();
        ctx.ask(Confirm {
            title: format!("Delete “{}”?", name.get_untracked()),
            body: format!("{} Undo puts it back.", impact.describe()),
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
        study.read(CODED_TEXT_TOPICS, |d| {
            d.retrieve(&RetrievalFilter { codes: vec![id], sources, ..RetrievalFilter::default() })
                .into_iter()
                .map(|r| {
                    (
                        r.segment,
                        r.source_uuid,
                        r.text.clone(),
                        r.quote(),
                        join_present(&[
                            r.case.clone(),
                            if r.pseudonym.is_empty() {
                                String::new()
                            } else if r.role.is_empty() {
                                r.pseudonym.clone()
                            } else {
                                format!("{} ({})", r.pseudonym, r.role)
                            },
                            r.research_question.clone(),
                        ]),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let source_base = format!("{base}/source");
    let drawn = drawn_rows(retrieved);
    let ticked = RwSignal::new(Vec::<Uuid>::new());
    let split_name = RwSignal::new(String::new());
    let split = move |_| {
        let segments = ticked.get_untracked();
        if segments.is_empty() {
            ctx.error("Tick the segments that go to the new code.");
            return;
        }
        let colour = PALETTE[study.untracked(|d| d.codes.len()) % PALETTE.len()].to_string();
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
            <div class="row wrap" role="group" aria-label="Order among its siblings">
                <span class="muted">{move || { let (at, of) = place.get(); format!("{at} of {of} in its place in the codebook") }}</span>
                <button class="secondary" disabled=move || place.get().0 <= 1 on:click=move |_| reorder(-1)>"Move up"</button>
                <button class="secondary" disabled=move || { let (at, of) = place.get(); at >= of } on:click=move |_| reorder(1)>"Move down"</button>
            </div>
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
                <SelectField label="Only cases with" options=Signal::derive(move || study.with(attribute_choices))
                    value=Signal::derive(move || by_attribute.get()) on_edit=move |v| { by_attribute.set(v); Ok(()) }/>
                <SelectField label="Only participants who are" value=Signal::derive(move || by_role.get()) on_edit=move |v| { by_role.set(v); Ok(()) }
                    options=Signal::derive(move || study.with(|d| std::iter::once((String::new(), "Any role".to_string()))
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
                <For each=move || drawn.get() key=|row| row.clone() let((segment, source, text, quote, attribution))>
                {
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
                }
                </For>
            </ul>
        </section>
    }
    .into_any()
}
