//! A study's overview tab: title and description, research questions in order,
//! stakeholder roles, the backup, merging another tablet's work, deleting the study.

use fieldkit_core::ObjectRef;
use fieldkit_core::study::StudyEdit;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use fieldkit_core::protection::keyring::check_new_passphrase;

use crate::app::{Confirm, Protection, use_ctx};
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, SecretField, TextField};

#[component]
pub fn OverviewTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let include_identifying = RwSignal::new(false);
    // A protected device writes encrypted backups unless the user chooses otherwise.
    let encrypt = RwSignal::new(ctx.protection.with_untracked(|p| matches!(p, Protection::Unlocked(_))));
    let backup_pass = RwSignal::new(String::new());
    let backup_again = RwSignal::new(String::new());
    let backup_error = RwSignal::new(None::<String>);

    let export = move |_| {
        let identifying = include_identifying.get_untracked();
        let passphrase = if encrypt.get_untracked() {
            let (p, a) = (backup_pass.get_untracked(), backup_again.get_untracked());
            if let Err(e) = check_new_passphrase(&p, &a) {
                return backup_error.set(Some(e));
            }
            Some(p)
        } else {
            None
        };
        backup_error.set(None);
        spawn_local(async move {
            match crate::parts::backup_json(study, identifying, browser::now()).await {
                Ok(Some((json, name))) => {
                    let saved = match passphrase {
                        Some(p) => {
                            let envelope = match crate::parts::encrypt_backup(json.into_bytes(), p).await {
                                Err(missing) => Err(missing.to_string()),
                                Ok(encrypting) => encrypting.await,
                            };
                            envelope.and_then(|e| {
                                let name = name.replace(".json", ".encrypted.json");
                                browser::download_protected(&name, "application/json", e.as_bytes())
                            })
                        }
                        None => browser::download(&name, "application/json", &json),
                    };
                    match saved {
                        Ok(()) => {
                            let _ = backup_pass.try_set(String::new());
                            let _ = backup_again.try_set(String::new());
                        }
                        Err(e) => ctx.error(e),
                    }
                }
                Ok(None) => {}
                Err(missing) => ctx.error(format!("The backup could not be made: {missing}")),
            }
        });
    };

    let delete_study = move |_| {
        let (title, impact) = study.untracked(|d| (d.study.title.clone(), d.study_deletion_impact()));
        let navigate = navigate.clone();
        ctx.ask(Confirm {
            title: format!("Delete “{title}”?"),
            body: format!(
                "{} This cannot be undone; export a backup first if you may need it.",
                impact.describe().unwrap_or_else(|| "The study is empty.".into())
            ),
            action: "Delete study".into(),
            on_confirm: Box::new(move || {
                let Some(repo) = ctx.repo() else { return };
                let id = study.id();
                spawn_local(async move {
                    match repo.delete_study(id).await {
                        Ok(_) => {
                            // The message belongs to the page it lands on.
                            navigate("/", Default::default());
                            ctx.info(format!("“{title}” was deleted."));
                        }
                        Err(e) => ctx.error(e.to_string()),
                    }
                });
            }),
        });
    };

    let edit = move |e: StudyEdit| study.edit(|d, now| d.edit_study(e, now)).map(drop);

    view! {
        <section class="panel">
            <h2>"About the study"</h2>
            <TextField label="Title" value=Signal::derive(move || study.with(|d| d.study.title.clone()))
                on_edit=move |t| edit(StudyEdit::Title(t))/>
            <TextField label="Description" multiline=true
                value=Signal::derive(move || study.with(|d| d.study.description.clone()))
                on_edit=move |t| edit(StudyEdit::Description(t))/>
            <p class="muted small">{move || study.with(|d| format!(
                "{} · {}", fieldkit_core::study::plural(d.cases.len(), "case", "cases"),
                fieldkit_core::study::plural(d.participants.len(), "participant", "participants")))}</p>
        </section>
        <ResearchQuestions/>
        <Roles/>
        <section class="panel">
            <h2>"Backup"</h2>
            <p>"Download the whole study as one JSON file, to keep it safe or move it to another device."</p>
            <div class="check">
                <input type="checkbox" id="include-identifying" prop:checked=move || include_identifying.get()
                    on:change=move |ev| include_identifying.set(event_target_checked(&ev))/>
                <label for="include-identifying">"Include participants' identifying details (names, contacts)"</label>
            </div>
            <div class="check">
                <input type="checkbox" id="encrypt-backup" prop:checked=move || encrypt.get()
                    on:change=move |ev| encrypt.set(event_target_checked(&ev))/>
                <label for="encrypt-backup">"Encrypt the file with a passphrase (AES-256-GCM)"</label>
            </div>
            <Show when=move || encrypt.get()>
                <p class="muted small">"Whoever imports the file needs this passphrase: tell it to them another                     way than the file. It may differ from this device's passphrase."</p>
                <SecretField id="backup-pass" label="Passphrase for the file" autocomplete="new-password" value=backup_pass/>
                <SecretField id="backup-pass-again" label="The same passphrase again" autocomplete="new-password" value=backup_again/>
            </Show>
            <p class="field-error" role="alert">{move || backup_error.get()}</p>
            <button on:click=export>"Export backup"</button>
        </section>
        <section class="panel">
            <h2>"Team sync"</h2>
            <p>"Share this study with your team through its CouchDB server, and see how the sync stands."</p>
            <leptos_router::components::A href=format!("/study/{}/sync", study.id()) attr:class="button secondary">"Team sync…"</leptos_router::components::A>
        </section>
        <crate::screens::merge::MergePanel/>
        <section class="panel danger-zone">
            <h2>"Delete this study"</h2>
            <button class="danger" on:click=delete_study>"Delete study…"</button>
        </section>
    }
    .into_any()
}

#[component]
fn ResearchQuestions() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let ids = move || study.with(|d| d.study.research_questions.iter().map(|q| q.id).collect::<Vec<_>>());
    let edit = move |e: StudyEdit| study.edit(|d, now| d.edit_study(e, now)).map(drop);
    view! {
        <section class="panel">
            <h2>"Research questions"</h2>
            <p class="muted">"Every interview protocol and the findings matrix follow this order."</p>
            <ol class="questions">
                <For each=ids key=|id| *id let:id>
                    {
                        let text = Signal::derive(move || study.with(|d| {
                            d.study.research_questions.iter().find(|q| q.id == id).map(|q| q.text.clone()).unwrap_or_default()
                        }));
                        let detail = Signal::derive(move || study.with(|d| {
                            d.study.research_questions.iter().find(|q| q.id == id).map(|q| q.detail.clone()).unwrap_or_default()
                        }));
                        let position = move || study.with(|d| d.study.research_questions.iter().position(|q| q.id == id).map(|p| p + 1).unwrap_or(0));
                        let count = move || study.with(|d| d.study.research_questions.len());
                        let act = move |e: StudyEdit| if let Err(err) = edit(e) { ctx.error(err) };
                        view! {
                            <li class="question">
                                <TextField label=Signal::derive(move || format!("Question {}", position()))
                                    value=text on_edit=move |t| edit(StudyEdit::QuestionText { id, text: t })/>
                                <TextField label="What it covers" multiline=true value=detail
                                    on_edit=move |t| edit(StudyEdit::QuestionDetail { id, detail: t })/>
                                <div class="row">
                                    <button class="secondary" disabled=move || { position() <= 1 }
                                        on:click=move |_| act(StudyEdit::MoveQuestion { id, by: -1 })>"Move up"</button>
                                    <button class="secondary" disabled=move || { position() >= count() }
                                        on:click=move |_| act(StudyEdit::MoveQuestion { id, by: 1 })>"Move down"</button>
                                    <button class="secondary" on:click=move |_| {
                                    let outcome = study.edit_undoable("Research question removed.", |_| vec![ObjectRef::Study],
                                        |d, now| d.edit_study(StudyEdit::RemoveQuestion(id), now));
                                    if let Err(e) = outcome { ctx.error(e) }
                                }>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            <AddByName label="New research question" button="Add question"
                on_add=move |text| edit(StudyEdit::AddQuestion { id: Uuid::new_v4(), text })/>
        </section>
    }
    .into_any()
}

#[component]
fn Roles() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let ids = move || study.with(|d| d.study.roles.iter().map(|r| r.id).collect::<Vec<_>>());
    let remove = move |id: Uuid| {
        let (name, holders) = study.untracked(|d| {
            (
                d.role_name(Some(id)).to_string(),
                d.role_holders(id).iter().map(|p| p.pseudonym.clone()).collect::<Vec<_>>(),
            )
        });
        let body = if holders.is_empty() {
            "No participant has this role.".to_string()
        } else {
            format!(
                "{} will have no role: {}.",
                fieldkit_core::study::plural(holders.len(), "participant", "participants"),
                holders.join(", ")
            )
        };
        ctx.ask(Confirm {
            title: format!("Remove the role “{name}”?"),
            body,
            action: "Remove role".into(),
            on_confirm: Box::new(move || {
                if let Err(e) = study.edit(|d, now| d.remove_role(id, now)) {
                    ctx.error(e);
                }
            }),
        });
    };
    view! {
        <section class="panel">
            <h2>"Stakeholder roles"</h2>
            <details>
                <summary>{move || study.with(|d| format!("{} roles — edit the list", d.study.roles.len()))}</summary>
                <ul class="plain">
                    <For each=ids key=|id| *id let:id>
                        <li class="row">
                            <TextField label="Role name"
                                value=Signal::derive(move || study.with(|d| d.role_name(Some(id)).to_string()))
                                on_edit=move |name| study.edit(|d, now| d.edit_study(StudyEdit::RenameRole { id, name }, now)).map(drop)/>
                            <button class="secondary" on:click=move |_| remove(id)>"Remove"</button>
                        </li>
                    </For>
                </ul>
                <AddByName label="New role" button="Add role"
                    on_add=move |name| study.edit(|d, now| d.edit_study(StudyEdit::AddRole { id: Uuid::new_v4(), name }, now)).map(drop)/>
            </details>
        </section>
    }
    .into_any()
}
