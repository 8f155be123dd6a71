//! Team sync screens: a study's sync (publish it, its status, sync now, stop) and
//! joining a study from the team's server onto this device.

use std::collections::{BTreeSet, HashMap};

use fieldkit_core::exchange::merge::{MergeKind, Resolution, default_resolution};
use fieldkit_core::sync::settle::{DeletedElsewhere, SettlePlan};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::{StudyCtx, Topic};
use crate::screens::merge::{ConflictChoices, ConflictRow};
use crate::screens::study::shell::use_study;
use crate::sync::{self, SyncSettings, conflict_label, describe, settings_note};
use crate::widgets::{CheckField, SecretField};
use fieldkit_core::ObjectRef;

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
                    let _ = settings.try_set(Some(SyncSettings {
                        server,
                        database,
                        user,
                        replica: study_id.to_string(),
                        removed: false,
                    }));
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
                let _ = study.read_only.try_set(None);
                let _ = settings.try_set(None);
            }),
        });
    };

    let status = sync::status();
    let needs_sign_in =
        Memo::new(move |_| status.with(|s| s.as_ref().is_some_and(|s| matches!(s.state, sync::SyncState::SignIn(_)))));
    let conflicts = Memo::new(move |_| status.with(|s| s.as_ref().map(|s| s.conflicts.clone()).unwrap_or_default()));
    view! {
        <section class="panel">
            <h2>"Team sync"</h2>
            {move || match (loaded.get(), settings.get()) {
                (false, _) => view! { <p class="muted">"Reading the sync settings…"</p> }.into_any(),
                (true, None) => view! {
                    <p>"Share this study with your team through the team's CouchDB server. Every tablet keeps \
                        working without a network, and sends and receives changes when it is online. The same \
                        object changed on two tablets is kept both ways, as a conflict to settle."</p>
                    <ShareIdentifying study=study/>
                    <AccountFields account=account/>
                    <p class="field-error" role="alert">{move || problem.get()}</p>
                    <button on:click=publish disabled=move || busy.get()>"Publish this study to the server"</button>
                }.into_any(),
                (true, Some(current)) => view! {
                    <p>{format!("Syncs with the database “{}” on {} as {}.", current.database, current.server, current.user)}</p>
                    <p class="sync-status" role="status" aria-live="polite">
                        {move || status.get().map(|s| describe(&s)).unwrap_or_else(|| "Not syncing at the moment.".into())}
                    </p>
                    // Only the set of conflicts redraws this: a status change must not
                    // wipe choices being made below.
                    {move || {
                        let ids = conflicts.get();
                        (!ids.is_empty()).then(|| view! {
                            <div class="sync-conflicts">
                                <p>{format!(
                                    "{} changed on two devices while apart. Every device uses the same version; the other \
                                     is kept, on every device and on the team's server, until someone settles it:",
                                    fieldkit_core::study::plural(ids.len(), "object was", "objects were"),
                                )}</p>
                                <ul>{ids.iter().take(20).map(|id| view! { <li>{conflict_label(id)}</li> }).collect_view()}</ul>
                            </div>
                        })
                    }}
                    <Show when=move || !conflicts.with(|c| c.is_empty())>
                        <SettleConflicts study=study/>
                    </Show>
                    // Drawn when sign-in is needed, not at every status change: the
                    // status changes while the password is typed, which must not lose it.
                    <Show when=move || needs_sign_in.get()>
                        <SecretField id="sync-password-again" label="Your password" autocomplete="current-password" value=account.password/>
                        <button on:click=sign_in_again disabled=move || busy.get()>"Sign in again"</button>
                    </Show>
                    <ShareIdentifying study=study/>
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

/// The study's setting for identifying details (real names, contacts): off unless
/// the team ticks it, after a warning. Turning it on sends them at once.
#[component]
fn ShareIdentifying(study: StudyCtx) -> impl IntoView {
    let ctx = use_ctx();
    let shared = Signal::derive(move || study.read(&[Topic::Study], |d| d.study.share_identifying_details));
    let set = move |on: bool| {
        study.edit(move |d, now| {
            d.study.share_identifying_details = on;
            d.study.modified = now;
            Ok(ObjectRef::Study)
        })?;
        if on {
            // What was kept back until now goes with the next round.
            sync::reconcile();
        }
        Ok(())
    };
    let change = move |on: bool| -> Result<(), String> {
        if !on {
            return set(false);
        }
        ctx.ask(Confirm {
            title: "Share participants' identifying details with the team?".into(),
            body: "Real names and contact details then go to the team's server and to every device that syncs \
                   this study. Do this only if your ethics approval and consent forms allow it, and the server \
                   is one your institution trusts with personal data."
                .into(),
            action: "Share identifying details".into(),
            on_confirm: Box::new(move || {
                if let Err(e) = set(true) {
                    ctx.error(e);
                }
            }),
        });
        Ok(())
    };
    view! {
        <div class="share-identifying">
            <CheckField label="Share participants' identifying details (real names, contacts) with the team"
                checked=shared on_edit=change/>
            <p class="muted small">{move || if shared.get() {
                "Identifying details sync with the team. Turning this off stops sending them; those already \
                 shared stay on the server until whoever runs it removes them."
            } else {
                "Identifying details stay on this tablet: pseudonyms, consent and everything else sync."
            }}</p>
        </div>
    }
}

fn settle_label(r: Resolution) -> &'static str {
    match r {
        Resolution::KeepMine => "Keep the version in use",
        Resolution::KeepTheirs => "Keep the other version",
        Resolution::KeepBoth => "Keep both",
    }
}

/// The conflicts of team sync in the merge's conflict view: both versions side by
/// side, the choice per object, and *Settle* (every device then sees it settled).
#[component]
fn SettleConflicts(study: StudyCtx) -> impl IntoView {
    let ctx = use_ctx();
    // The plan holds two copies of the study: kept out of the reactive graph's clones.
    let plan = StoredValue::new(None::<SettlePlan>);
    let shown = RwSignal::new(None::<(Vec<ConflictRow>, Vec<DeletedElsewhere>, Vec<(String, String)>)>);
    let choices = RwSignal::new(HashMap::<(MergeKind, Uuid), Resolution>::new());
    let delete = RwSignal::new(BTreeSet::<String>::new());
    let busy = RwSignal::new(false);
    let open = move |_| {
        busy.set(true);
        spawn_local(async move {
            let result = sync::plan_settling(study).await;
            let _ = busy.try_set(false);
            match result {
                Ok(made) => {
                    let rows: Vec<ConflictRow> = made
                        .choices()
                        .into_iter()
                        .map(|(kind, id, label, doc)| ConflictRow {
                            kind,
                            id,
                            label,
                            differences: made.differences.get(&doc).cloned().unwrap_or_default(),
                        })
                        .collect();
                    let _ =
                        choices.try_set(rows.iter().map(|r| ((r.kind, r.id), default_resolution(r.kind))).collect());
                    let _ = delete.try_set(BTreeSet::new());
                    let _ = shown.try_set(Some((rows, made.deleted_elsewhere.clone(), made.unreadable.clone())));
                    plan.set_value(Some(made));
                }
                Err(e) => ctx.error(e),
            }
        });
    };
    let run = move |_| {
        let Some(made) = plan.get_value() else { return };
        busy.set(true);
        spawn_local(async move {
            let result = sync::apply_settling(study, &made, &choices.get_untracked(), &delete.get_untracked()).await;
            let _ = busy.try_set(false);
            match result {
                Ok(_) => {
                    plan.set_value(None);
                    let _ = shown.try_set(None);
                    let settled = made.conflicts.len();
                    ctx.info(format!(
                        "Settled {}. Every device of the team sees it at its next sync.",
                        fieldkit_core::study::plural(settled.max(1), "conflict", "conflicts")
                    ));
                }
                Err(e) => ctx.error(e),
            }
        });
    };
    view! {
        {move || match shown.get() {
            None => view! {
                <button on:click=open disabled=move || busy.get()>"Settle the conflicts…"</button>
            }.into_any(),
            Some((rows, deleted, unreadable)) => view! {
                <div class="merge-plan" role="region" aria-label="Conflicts to settle">
                    {(rows.is_empty() && deleted.is_empty()).then(|| view! {
                        <p>"The other versions say the same as the ones in use: settling only tidies them away."</p>
                    })}
                    <ConflictChoices conflicts=rows choices=choices labels=settle_label/>
                    {deleted.into_iter().map(|d| {
                        let id = d.id.clone();
                        let name = format!("deleted-{}", d.id);
                        let option = move |gone: bool, text: &'static str| {
                            let id = id.clone();
                            let id_attr = format!("{name}-{gone}");
                            view! {
                                <span class="option">
                                    <input type="radio" id=id_attr.clone() name=name.clone()
                                        prop:checked={let id = id.clone(); move || delete.with(|set| set.contains(&id) == gone)}
                                        on:change=move |_| delete.update(|set| { if gone { set.insert(id.clone()); } else { set.remove(&id); } })/>
                                    <label for=id_attr>{text}</label>
                                </span>
                            }
                        };
                        view! {
                            <fieldset class="conflict">
                                <legend>{format!("{}: {}", d.kind.label(), d.label)}</legend>
                                <p>"Deleted on one device and changed on another. The changed version is in use."</p>
                                <div class="segmented">
                                    {option(false, "Keep it, as changed")}
                                    {option(true, "Delete it")}
                                </div>
                            </fieldset>
                        }
                    }).collect_view()}
                    {(!unreadable.is_empty()).then(|| view! {
                        <p class="warning">"These cannot be settled on this device (a newer fieldkit may have written them); they stay as they are:"</p>
                        <ul>{unreadable.into_iter().map(|(id, why)| view! { <li>{format!("{}: {why}", conflict_label(&id))}</li> }).collect_view()}</ul>
                    })}
                    <div class="row wrap">
                        <button class="secondary" on:click=move |_| { plan.set_value(None); shown.set(None); }>"Cancel"</button>
                        <button on:click=run disabled=move || busy.get()>"Settle"</button>
                    </div>
                </div>
            }.into_any(),
        }}
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
    // An encrypted study: the team's passphrase (or recovery key) protects this tablet.
    let needs_team_key = RwSignal::new(false);
    let team_secret = RwSignal::new(String::new());
    let join = move |_| {
        let (server, database, user, password) = match account.filled() {
            Ok(fields) => fields,
            Err(e) => return problem.set(e),
        };
        busy.set(true);
        problem.set(String::new());
        let navigate = navigate.clone();
        spawn_local(async move {
            let result = async {
                sync::sign_in(&server, &database, &user, &password).await?;
                let protected = ctx.protection.with_untracked(|p| p.keyring().is_some());
                if let (Some(keyring), false) = (sync::team_keyring(&server, &database).await?, protected) {
                    let secret = team_secret.get_untracked();
                    if secret.trim().is_empty() {
                        let _ = needs_team_key.try_set(true);
                        return Err("The team's study is encrypted. Type the team's passphrase (or its recovery \
                                    key) below: this tablet is then protected by it, and everything fieldkit \
                                    keeps here is encrypted."
                            .to_string());
                    }
                    sync::adopt_team_key(ctx, keyring, secret.trim()).await?;
                    let _ = team_secret.try_set(String::new());
                    // Protecting the tablet showed its progress in place of every
                    // screen, this one too: the router this task knew is gone.
                    let id = sync::join(ctx, server, database, user).await?;
                    ctx.info("The team's study is on this tablet and syncs from now on.");
                    crate::browser::go_to(&format!("/study/{id}"));
                    return Ok(None);
                }
                sync::join(ctx, server, database, user).await.map(Some)
            }
            .await;
            let _ = busy.try_set(false);
            match result {
                Ok(Some(id)) => {
                    ctx.info("The team's study is on this tablet and syncs from now on.");
                    navigate(&format!("/study/{id}"), Default::default());
                }
                Ok(None) => {}
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
            {move || needs_team_key.get().then(|| view! {
                <SecretField id="team-passphrase" label="The team's passphrase or recovery key" autocomplete="off" value=team_secret/>
            })}
            <p class="field-error" role="alert">{move || problem.get()}</p>
            <button on:click=join disabled=move || busy.get()>"Join the study"</button>
            {move || {
                let progress = status.get().and_then(|s| s.progress);
                (busy.get() || progress.is_some()).then(|| view! {
                    <p role="status">{progress.map(|n| format!("First sync: {n} documents read…")).unwrap_or_else(|| "Connecting…".into())}</p>
                })
            }}
        </section>
    }
}
