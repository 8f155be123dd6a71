//! Team sync screens: a study's sync (publish it, its status, sync now, stop) and
//! joining a study from the team's server onto this device.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::app::{Confirm, use_ctx};
use crate::screens::study::shell::use_study;
use crate::sync::{self, SyncSettings, describe, settings_note};
use crate::widgets::SecretField;

/// The fields every sign-in form has.
#[derive(Clone, Copy)]
struct Account {
    server: RwSignal<String>,
    database: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
}

impl Account {
    fn new() -> Account {
        Account {
            server: RwSignal::new(String::new()),
            database: RwSignal::new(String::new()),
            user: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
        }
    }

    fn filled(&self) -> Result<(String, String, String, String), String> {
        let (server, database, user, password) = (
            self.server.get_untracked().trim().to_string(),
            self.database.get_untracked().trim().to_string(),
            self.user.get_untracked().trim().to_string(),
            self.password.get_untracked(),
        );
        if server.is_empty() || database.is_empty() || user.is_empty() || password.is_empty() {
            return Err("Fill in the server's address, the study's database, your user name and your password.".into());
        }
        Ok((server, database, user, password))
    }
}

#[component]
fn AccountFields(account: Account) -> impl IntoView {
    let plain = |id: &'static str, label: &'static str, hint: &'static str, value: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id type="text" autocomplete="off" spellcheck="false" autocapitalize="none"
                    prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
                <p class="muted small">{hint}</p>
            </div>
        }
    };
    view! {
        {plain("sync-server", "Server address", "For example https://couch.example.ac.uk", account.server)}
        {plain("sync-database", "The study's database", "One database per study, as named by whoever runs the server", account.database)}
        {plain("sync-user", "Your user name on the server", "", account.user)}
        <SecretField id="sync-password" label="Your password (not kept: the server remembers the sign-in)" autocomplete="current-password" value=account.password/>
    }
}

#[component]
pub fn SyncScreen() -> impl IntoView {
    let ctx = use_ctx();
    let Some(study) = use_study() else { return ().into_any() };
    let study_id = study.id();
    let settings = RwSignal::new(None::<SyncSettings>);
    let loaded = RwSignal::new(false);
    let account = Account::new();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(String::new());
    spawn_local(async move {
        let saved = ctx.device_note(&settings_note(study_id)).await.and_then(|t| serde_json::from_str(&t).ok());
        let _ = settings.try_set(saved);
        let _ = loaded.try_set(true);
    });

    let publish = move |_| {
        let (server, database, user, password) = match account.filled() {
            Ok(fields) => fields,
            Err(e) => return problem.set(e),
        };
        busy.set(true);
        problem.set(String::new());
        spawn_local(async move {
            let result = match sync::sign_in(&server, &database, &user, &password).await {
                Ok(_) => sync::publish(ctx, study, server.clone(), database.clone(), user.clone()).await,
                Err(e) => Err(e),
            };
            let _ = busy.try_set(false);
            match result {
                Ok(()) => {
                    let _ = account.password.try_set(String::new());
                    let _ =
                        settings.try_set(Some(SyncSettings { server, database, user, replica: study_id.to_string() }));
                    ctx.info("The study is on the team's server and syncs from now on.");
                }
                Err(e) => drop(problem.try_set(e)),
            }
        });
    };

    let sign_in_again = move |_| {
        let Some(current) = settings.get_untracked() else { return };
        let password = account.password.get_untracked();
        if password.is_empty() {
            return problem.set("Type your password.".into());
        }
        busy.set(true);
        spawn_local(async move {
            let result = sync::sign_in(&current.server, &current.database, &current.user, &password).await;
            let _ = busy.try_set(false);
            match result {
                Ok(_) => {
                    let _ = account.password.try_set(String::new());
                    let _ = problem.try_set(String::new());
                    sync_now(ctx, study, current);
                }
                Err(e) => drop(problem.try_set(e)),
            }
        });
    };

    let stop_syncing = move |_| {
        ctx.ask(Confirm {
            title: "Stop syncing this study on this tablet?".into(),
            body: "The study stays on this tablet as it is now, and on the server for the rest of the team. \
                   Changes made here from now on are not sent."
                .into(),
            action: "Stop syncing".into(),
            on_confirm: Box::new(move || {
                sync::stop();
                ctx.set_device_note(&settings_note(study_id), "");
                let _ = settings.try_set(None);
            }),
        });
    };

    let status = sync::status();
    view! {
        <section class="panel">
            <h2>"Team sync"</h2>
            {move || match (loaded.get(), settings.get()) {
                (false, _) => view! { <p class="muted">"Reading the sync settings…"</p> }.into_any(),
                (true, None) => view! {
                    <p>"Share this study with your team through the team's CouchDB server. Every tablet keeps \
                        working without a network, and sends and receives changes when it is online. The same \
                        object changed on two tablets is kept both ways, as a conflict to settle."</p>
                    <p class="muted">"Participants' identifying details (real names, contacts) stay on this tablet."</p>
                    <AccountFields account=account/>
                    <p class="field-error" role="alert">{move || problem.get()}</p>
                    <button on:click=publish disabled=move || busy.get()>"Publish this study to the server"</button>
                }.into_any(),
                (true, Some(current)) => view! {
                    <p>{format!("Syncs with the database “{}” on {} as {}.", current.database, current.server, current.user)}</p>
                    <p class="sync-status" role="status" aria-live="polite">
                        {move || status.get().map(|s| describe(&s)).unwrap_or_else(|| "Not syncing at the moment.".into())}
                    </p>
                    {move || status.get().filter(|s| !s.conflicts.is_empty()).map(|s| view! {
                        <div class="sync-conflicts">
                            <p>{format!(
                                "{} changed on two devices while apart. Every device shows the same version; the other \
                                 is kept on the team's server (fieldkit pull reports it) until someone settles it:",
                                fieldkit_core::study::plural(s.conflicts.len(), "object was", "objects were"),
                            )}</p>
                            <ul>{s.conflicts.iter().take(20).map(|id| view! { <li>{conflict_label(id)}</li> }).collect_view()}</ul>
                        </div>
                    })}
                    {move || status.get().filter(|s| matches!(s.state, sync::SyncState::SignIn(_))).map(|_| view! {
                        <SecretField id="sync-password-again" label="Your password" autocomplete="current-password" value=account.password/>
                        <button on:click=sign_in_again disabled=move || busy.get()>"Sign in again"</button>
                    })}
                    <p class="field-error" role="alert">{move || problem.get()}</p>
                    <div class="row wrap">
                        <button on:click={let current = current.clone(); move |_| sync_now(ctx, study, current.clone())}>"Sync now"</button>
                        <button class="secondary" on:click=stop_syncing>"Stop syncing on this tablet…"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
    .into_any()
}

/// “the study”, “a case (3f2a…)”: which object is in conflict, in words.
fn conflict_label(id: &str) -> String {
    let (kind, rest) = id.split_once(':').unwrap_or((id, ""));
    match fieldkit_core::storage::records::RecordKind::parse(kind) {
        Some(fieldkit_core::storage::records::RecordKind::Study) => {
            "the study's title, description or questions".into()
        }
        Some(kind) => format!("a {} ({}…)", kind.label(), rest.chars().take(8).collect::<String>()),
        None => id.to_string(),
    }
}

fn sync_now(ctx: crate::app::Ctx, study: crate::autosave::StudyCtx, settings: SyncSettings) {
    let Ok(json) = serde_json::to_string(&settings) else { return };
    spawn_local(async move {
        ctx.flush_all().await;
        if let Err(e) = sync::resume(ctx, study, json).await {
            ctx.error(e);
        }
    });
}

#[component]
pub fn JoinScreen() -> impl IntoView {
    let ctx = use_ctx();
    let account = Account::new();
    let busy = RwSignal::new(false);
    let problem = RwSignal::new(String::new());
    let navigate = use_navigate();
    let status = sync::status();
    let join = move |_| {
        let (server, database, user, password) = match account.filled() {
            Ok(fields) => fields,
            Err(e) => return problem.set(e),
        };
        busy.set(true);
        problem.set(String::new());
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = match sync::sign_in(&server, &database, &user, &password).await {
                Ok(_) => sync::join(ctx, server, database, user).await,
                Err(e) => Err(e),
            };
            let _ = busy.try_set(false);
            match result {
                Ok(id) => {
                    ctx.info("The team's study is on this tablet and syncs from now on.");
                    navigate(&format!("/study/{id}"), Default::default());
                }
                Err(e) => drop(problem.try_set(e)),
            }
        });
    };
    view! {
        <p class="crumbs"><A href="/">"Studies"</A></p>
        <section class="panel">
            <h1>"Join a team study"</h1>
            <p>"Bring a study your team shares on its CouchDB server onto this tablet. It then syncs while \
                the study is open and the tablet is online."</p>
            <AccountFields account=account/>
            <p class="field-error" role="alert">{move || problem.get()}</p>
            <button on:click=join disabled=move || busy.get()>"Join the study"</button>
            {move || busy.get().then(|| view! {
                <p role="status">{move || status.get().and_then(|s| s.progress).map(|n| format!("First sync: {n} documents read…")).unwrap_or_else(|| "Connecting…".into())}</p>
            })}
        </section>
    }
}
