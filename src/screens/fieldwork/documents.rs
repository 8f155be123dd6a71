//! Site-visit notes and documentary sources attached to a case.

use fieldkit_core::ObjectRef;
use fieldkit_core::fieldwork::interview::DocumentEdit;
use fieldkit_core::fieldwork::{Document, DocumentKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::app::{Confirm, use_ctx};
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, SelectField, TextField};

/// The documents panel on a case's page.
#[component]
pub fn CaseDocuments(case: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let base = format!("/study/{}/cases/{case}/documents", study.id());
    let rows = move || {
        study.with(|d| {
            d.documents
                .iter()
                .filter(|x| x.case_id == case)
                .map(|x| {
                    (
                        x.id,
                        x.title.clone(),
                        x.kind.label(),
                        x.date.map(|d| d.to_string()).unwrap_or_default(),
                        x.text.chars().count(),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let add = {
        let base = base.clone();
        let navigate = navigate.clone();
        move |kind: DocumentKind, title: String| -> Result<(), String> {
            let (id, _) =
                study.edit(|d, now| d.add_document(case, kind, &title, now).map(|id| (id, ObjectRef::Document(id))))?;
            navigate(&format!("{base}/{id}"), Default::default());
            Ok(())
        }
    };
    let add_notes = add.clone();
    let visit = move |_| {
        let title = format!("Site visit {}", browser::now().date().map(|d| d.to_string()).unwrap_or_default());
        if let Err(e) = add_notes(DocumentKind::FieldNotes, title) {
            ctx.error(e);
        }
    };
    let list_base = base.clone();
    view! {
        <section class="panel">
            <h2>"Site-visit notes and documents"</h2>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    return view! { <p class="empty">"None yet."</p> }.into_any();
                }
                let base = list_base.clone();
                view! {
                    <ul class="plain" aria-label="Documents">
                        {rows.into_iter().map(|(id, title, kind, date, chars)| view! {
                            <li><A href=format!("{base}/{id}")>{title}</A>
                                <span class="muted">{format!(" {kind} · {date} · {chars} characters")}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <div class="row wrap">
                <button class="secondary" on:click=visit>"Add site-visit notes"</button>
            </div>
            <AddByName label="New document title (report, minutes, web page…)" button="Add document"
                on_add=move |title| add(DocumentKind::Report, title)/>
        </section>
    }
    .into_any()
}

#[component]
pub fn DocumentScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let params = use_params_map();
    let navigate = use_navigate();
    // A memo of the shown document, so the page is not rebuilt on every keystroke.
    let doc_id = Memo::new(move |_| {
        params
            .with(|p| p.get("document").and_then(|c| Uuid::parse_str(&c).ok()))
            .filter(|id| study.with(|d| d.document(*id).is_some()))
    });
    let base = format!("/study/{}", study.id());

    let body = move || {
        let Some(id) = doc_id.get() else {
            return view! { <section class="panel"><p>"This document is not in the study (it may have been deleted)."</p></section> }.into_any();
        };
        let read = move |f: fn(&Document) -> String| {
            Signal::derive(move || study.with(|d| d.document(id).map(f).unwrap_or_default()))
        };
        let edit = move |e: DocumentEdit| study.edit(|d, now| d.edit_document(id, e, now)).map(drop);
        let case = study.untracked(|d| d.document(id).map(|x| x.case_id));
        let back = case.map(|c| format!("{base}/cases/{c}")).unwrap_or_else(|| format!("{base}/cases"));
        let kinds: Vec<(String, String)> =
            DocumentKind::ALL.iter().map(|k| (k.key().to_string(), k.label().to_string())).collect();
        let upload = move |ev: leptos::ev::Event| {
            let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
            let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
            input.set_value("");
            spawn_local(async move {
                let (text, note) = match browser::read_text_upload(&file).await {
                    Ok((text, note)) => (Ok(text), note),
                    Err(e) => (Err(e), Vec::new()),
                };
                let apply = move |text: String| match edit(DocumentEdit::Text(text)) {
                    Ok(_) => note.iter().for_each(|line| ctx.note(line.clone())),
                    Err(e) => ctx.error(e),
                };
                match text {
                    Err(e) => ctx.error(e),
                    Ok(text) if study.untracked(|d| d.document(id).is_some_and(|x| x.text.trim().is_empty())) => {
                        apply(text)
                    }
                    Ok(text) => ctx.ask(Confirm {
                        title: "Replace the text?".into(),
                        body: format!("The text of this document is replaced by the contents of “{}”.", file.name()),
                        action: "Replace text".into(),
                        on_confirm: Box::new(move || apply(text)),
                    }),
                }
            });
        };
        let navigate = navigate.clone();
        let back_after = back.clone();
        let delete = move |_| {
            let navigate = navigate.clone();
            let back = back_after.clone();
            let title = study.untracked(|d| d.document(id).map(|x| x.title.clone()).unwrap_or_default());
            ctx.ask(Confirm {
                title: format!("Delete “{title}”?"),
                body: "Its text is deleted from this device. This cannot be undone.".into(),
                action: "Delete document".into(),
                on_confirm: Box::new(move || match study.remove(|d| d.delete_document(id)) {
                    Ok(()) => navigate(&back, Default::default()),
                    Err(e) => ctx.error(e),
                }),
            });
        };
        view! {
            <section class="panel">
                <p class="crumbs"><A href=back>"← Back to the case"</A></p>
                <h2>{move || study.with(|d| d.document(id).map(|x| x.title.clone()).unwrap_or_default())}</h2>
                <div class="grid2">
                    <TextField label="Title" value=read(|x| x.title.clone()) on_edit=move |t| edit(DocumentEdit::Title(t))/>
                    <SelectField label="Type" options=kinds value=read(|x| x.kind.key().to_string())
                        on_edit=move |k| DocumentKind::from_key(&k).map_or(Ok(()), |k| edit(DocumentEdit::Kind(k)))/>
                    <TextField label="Date" input_type="date" value=read(|x| x.date.map(|d| d.to_string()).unwrap_or_default())
                        on_edit=move |t| edit(DocumentEdit::Date(t))/>
                    <TextField label="Origin" hint="Who wrote it or where it came from: an organisation, a web address, a visit."
                        value=read(|x| x.origin.clone()) on_edit=move |t| edit(DocumentEdit::Origin(t))/>
                </div>
                <TextField label="Text" multiline=true value=read(|x| x.text.clone()) on_edit=move |t| edit(DocumentEdit::Text(t))/>
                <div class="row wrap">
                    <label class="button secondary file-button">
                        "Upload text (.txt, .md, .docx, .odt, .html)"
                        <input type="file" accept=browser::TEXT_UPLOADS class="visually-hidden" on:change=upload/>
                    </label>
                </div>
            </section>
            <section class="panel danger-zone">
                <button class="danger" on:click=delete>"Delete document…"</button>
            </section>
        }
        .into_any()
    };
    view! { {body} }.into_any()
}
