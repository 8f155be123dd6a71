//! The first screen: every study on this device, and the ways to start one.

use fieldkit_core::StudyData;
use fieldkit_core::demo::DemoSize;
use fieldkit_core::protection::envelope::EncryptedBackup;
use fieldkit_core::storage::StudyListing;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use wasm_bindgen::JsValue;

use crate::app::{AppRepo, use_ctx};
use crate::browser;
use crate::parts;
use crate::widgets::AddByName;

/// Stores a new study whole, then opens it.
pub async fn create_and_open(repo: &AppRepo, data: &StudyData) -> Result<String, String> {
    repo.create(data).await.map_err(|e| e.to_string())?;
    Ok(format!("/study/{}", data.id()))
}

/// Saves a whole study (an import), showing how far it has got in `progress` and
/// letting the page paint between chunks of records.
async fn save_in_steps(
    repo: &AppRepo,
    data: &StudyData,
    progress: RwSignal<Option<(f64, String)>>,
) -> Result<String, String> {
    repo.create_in_steps(data, |done, total| {
        let share = if total == 0 { 1.0 } else { done as f64 / total as f64 };
        let what = format!("Saving on this device: {done} of {total} records…");
        let _ = progress.try_set(Some((0.5 + 0.45 * share, what)));
        browser::painted()
    })
    .await
    .map_err(|e| e.to_string())?;
    Ok(format!("/study/{}", data.id()))
}

#[component]
pub fn StudiesScreen() -> impl IntoView {
    let ctx = use_ctx();
    let studies = RwSignal::new(None::<Vec<StudyListing>>);
    let navigate = use_navigate();

    let load = move || {
        let Some(repo) = ctx.repo() else { return };
        spawn_local(async move {
            match repo.list(browser::now()).await {
                Ok(list) => {
                    for p in &list.problems {
                        ctx.error(p.message());
                    }
                    let _ = studies.try_set(Some(list.studies));
                }
                Err(e) => ctx.error(e.to_string()),
            }
        });
    };
    load();

    // What an import is doing, shown with a progress bar until it is done.
    let importing = RwSignal::new(None::<(f64, String)>);
    // An encrypted backup being imported: its name, and what went wrong last time.
    let asking = RwSignal::new(None::<(String, Option<String>)>);
    let answer: StoredValue<Option<js_sys::Function>, LocalStorage> = StoredValue::new_local(None);
    let typed = RwSignal::new(String::new());
    let reply = move |value: JsValue| {
        if let Some(resolve) = answer.try_update_value(|a| a.take()).flatten() {
            let _ = resolve.call1(&JsValue::NULL, &value);
        }
    };
    let open = {
        let navigate = navigate.clone();
        move |data: StudyData| {
            let Some(repo) = ctx.repo() else { return };
            let navigate = navigate.clone();
            spawn_local(async move {
                let saved = if importing.get_untracked().is_some() {
                    save_in_steps(&repo, &data, importing).await
                } else {
                    create_and_open(&repo, &data).await
                };
                match saved {
                    Ok(path) => {
                        ctx.hand_over(data);
                        navigate(&path, Default::default())
                    }
                    Err(e) => ctx.error(e),
                }
                let _ = importing.try_set(None);
            });
        }
    };

    let create = {
        let open = open.clone();
        move |title: String| {
            let data = StudyData::new(&title, browser::now()).map_err(|e| e.to_string())?;
            open(data);
            Ok(())
        }
    };

    let import = {
        let open = open.clone();
        move |ev: leptos::ev::Event| {
            let Some(file) = browser::picked_file(&ev) else { return };
            let open = open.clone();
            spawn_local(async move {
                let name = file.name();
                let step = |done: f64, what: String| {
                    let _ = importing.try_set(Some((done, what)));
                };
                step(0.05, format!("Reading “{name}”…"));
                browser::painted().await;
                let bytes = match browser::read_file(&file).await {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = importing.try_set(None);
                        return ctx.error(e);
                    }
                };
                let bytes = if EncryptedBackup::looks_like(&bytes) {
                    let _ = importing.try_set(None);
                    let mut problem = None;
                    loop {
                        let _ = asking.try_set(Some((name.clone(), problem.take())));
                        let promise = js_sys::Promise::new(&mut |resolve, _| answer.set_value(Some(resolve)));
                        let given =
                            wasm_bindgen_futures::JsFuture::from(promise).await.ok().and_then(|v| v.as_string());
                        let Some(passphrase) = given else {
                            let _ = asking.try_set(None);
                            return;
                        };
                        step(0.1, format!("Decrypting “{name}”…"));
                        browser::painted().await;
                        let decrypted = match parts::decrypt_backup(bytes.clone(), passphrase).await {
                            Err(missing) => Err(missing.to_string()),
                            Ok(decrypting) => decrypting.await,
                        };
                        match decrypted {
                            Ok(plain) => break plain,
                            Err(e) => {
                                let _ = importing.try_set(None);
                                problem = Some(e);
                            }
                        }
                    }
                } else {
                    bytes
                };
                let _ = asking.try_set(None);
                step(0.2, format!("Checking “{name}” ({})…", browser::human_bytes(bytes.len() as f64)));
                browser::painted().await;
                let json = name.to_lowercase().ends_with(".json");
                // REFI-QDA files are read in the files worker into the same backup form.
                let parsed = if json {
                    parts::parse_backup(bytes).await.unwrap_or_else(|missing| Err(missing.to_string()))
                } else {
                    match browser::import_refi_qda(&bytes).await {
                        Ok((backup, text)) => {
                            // What the import assumed and left out, shown until dismissed.
                            let lines: Vec<&str> = text.lines().collect();
                            let shown = if lines.len() > 14 {
                                format!(
                                    "{}\n… and {} more lines (the command-line import prints them all).",
                                    lines[..14].join("\n"),
                                    lines.len() - 14
                                )
                            } else {
                                text.clone()
                            };
                            ctx.note(format!("Import report for “{name}”:\n{shown}"));
                            parts::parse_backup(backup.into_bytes())
                                .await
                                .unwrap_or_else(|missing| Err(missing.to_string()))
                        }
                        Err(e) => Err(e),
                    }
                };
                match parsed {
                    Ok(data) => {
                        step(0.5, format!("Saving “{}” on this device…", data.study.title));
                        browser::painted().await;
                        open(data);
                    }
                    Err(e) => {
                        let _ = importing.try_set(None);
                        ctx.error(format!("“{name}” was not imported: {e}"))
                    }
                }
            });
        }
    };

    let demo = move |_| {
        let open = open.clone();
        spawn_local(async move {
            match parts::demo_study(DemoSize::Small).await {
                Ok(data) => open(data),
                Err(missing) => ctx.error(format!("The demo study could not be made: {missing}")),
            }
        });
    };

    view! {
        <section class="panel">
            <h1>"Your studies"</h1>
            <p class="muted">"Everything is stored on this device only, and leaves it only when you export it."</p>
            {move || match studies.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! {
                    <p class="empty">"No studies yet. Create one below, import a backup, or open the demo study."</p>
                }.into_any(),
                Some(list) => view! {
                    <ul class="cards" aria-label="Studies">
                        {list.into_iter().map(|s| view! {
                            <li class="card">
                                <A href=format!("/study/{}", s.id)>
                                    <span class="card-title">{s.title.clone()}</span>
                                </A>
                                <p class="muted clamp">{s.description.clone()}</p>
                                <p class="muted small">"Last changed " {browser::local_time(s.modified)}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
        </section>
        <section class="panel">
            <h2>"Start a study"</h2>
            <AddByName label="Study title" button="Create study" on_add=create/>
            <div class="row wrap">
                <label class="button secondary file-button">
                    "Import a backup (.json) or a REFI-QDA project (.qdpx, .qdc)"
                    <input type="file" accept=".json,application/json,.qdpx,.qde,.qdc" class="visually-hidden" on:change=import/>
                </label>
                <button class="secondary" on:click=demo>"Open the demo study"</button>
                <leptos_router::components::A href="/join" attr:class="button secondary">"Join a team study…"</leptos_router::components::A>
            </div>
            {move || asking.get().map(|(name, problem)| view! {
                <form class="passphrase-prompt" on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    reply(JsValue::from_str(&typed.get_untracked()));
                    typed.set(String::new());
                }>
                    <p>{format!("“{name}” is an encrypted backup. Enter the passphrase it was saved with.")}</p>
                    <div class="field">
                        <label for="backup-passphrase">"Passphrase of the backup"</label>
                        <input id="backup-passphrase" type="password" autocomplete="off" autofocus
                            prop:value=move || typed.get() on:input=move |ev| typed.set(event_target_value(&ev))/>
                        <p class="field-error" role="alert">{problem}</p>
                    </div>
                    <div class="row">
                        <button type="submit">"Open the backup"</button>
                        <button type="button" class="secondary" on:click=move |_| reply(JsValue::NULL)>"Cancel"</button>
                    </div>
                </form>
            })}
            {move || importing.get().map(|(done, what)| view! {
                <div class="import-progress" role="status">
                    <progress max="1" value=done.to_string() aria-label="Import progress"></progress>
                    <p>{what}</p>
                </div>
            })}
        </section>
    }
}
