//! Protection at rest on screen: unlocking at start, the progress while records are
//! rewritten, locking (on demand and when idle), and the storage screen's panel to
//! turn protection on or off and change the passphrase. The keys and formats are
//! in `crate::protection` and `fieldkit_core::protection`.

use fieldkit_core::protection::keyring::{Keyring, ProtectionState, RecoveryKey, check_new_passphrase};
use fieldkit_core::protection::rewrite::{self, BATCH};
use fieldkit_core::storage::store::{Store, WriteOp};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Confirm, Ctx, Protection, use_ctx};
use crate::browser;
use crate::protection::{NewProtection, Secret, protect};
use crate::widgets::SecretField;

/// What was typed in a "passphrase or recovery key" field: a recovery key if it reads as one.
pub fn secret_from(text: &str) -> Secret {
    if RecoveryKey::parse(text).is_ok() {
        Secret::RecoveryKey(text.to_string())
    } else {
        Secret::Passphrase(text.to_string())
    }
}

/// Checks a passphrase or recovery key against the keyring without changing anything.
pub async fn verify_secret(ctx: Ctx, text: &str) -> Result<(), String> {
    let keyring = ctx.protection.with_untracked(|p| p.keyring().cloned()).ok_or("This device is not protected.")?;
    secret_from(text).unlock(&keyring).await.map(drop)
}

/// Rewrites every record (turning protection on or off, or finishing that after a
/// restart) while only the progress shows. Returns the keyring as it then is.
pub async fn run_rewrite(
    ctx: Ctx,
    start_as: Option<ProtectionState>,
    keyring: Keyring,
) -> Result<Option<Keyring>, String> {
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    let cipher = repo.store().cipher().ok_or("The device is locked.")?;
    let sealing = start_as.unwrap_or(keyring.state) == ProtectionState::Sealing;
    let label = if sealing { "Protecting this device's data…" } else { "Removing the protection…" };
    let _ = ctx.rewriting.try_set(Some((label.to_string(), 0, 0)));
    browser::painted().await;
    let between = move |done: usize, total: usize| {
        let _ = ctx.rewriting.try_set(Some((label.to_string(), done, total)));
        browser::painted()
    };
    let inner = repo.store().inner();
    let result = match start_as {
        Some(state) => rewrite::start(inner, cipher.as_ref(), keyring, state, BATCH, between).await,
        None => rewrite::finish(inner, cipher.as_ref(), keyring, BATCH, between).await,
    };
    let _ = ctx.rewriting.try_set(None);
    let (keyring, done) = result.map_err(|e| {
        format!(
            "The change stopped before the end: {e}. Every record is whole (each is either protected or not yet), \
             and fieldkit finishes the change the next time it is unlocked."
        )
    })?;
    if done.quarantined > 0 {
        ctx.note(format!(
            "{} record(s) could not be decrypted and were set aside in quarantine, as stored (see Storage).",
            done.quarantined
        ));
    }
    Ok(keyring)
}

async fn unlock(ctx: Ctx, secret: Secret) -> Result<(), String> {
    let Some(keyring) = ctx.protection.with_untracked(|p| match p {
        Protection::Locked(k) => Some(k.clone()),
        _ => None,
    }) else {
        return Ok(());
    };
    let cipher = secret.unlock(&keyring).await?;
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    repo.store().set_cipher(Some(cipher));
    // A change that a closed page left half done is finished before anything opens.
    let keyring = if keyring.state == ProtectionState::On {
        Some(keyring)
    } else {
        crate::parts::finish_protection_change(ctx, keyring).await.map_err(|m| m.to_string())?.await?
    };
    match keyring {
        Some(k) => ctx.protection.set(Protection::Unlocked(k)),
        None => {
            repo.store().set_cipher(None);
            ctx.protection.set(Protection::Off);
        }
    }
    ctx.finish_opening().await;
    Ok(())
}

/// The first screen of a protected device: nothing else is in the page until it is unlocked.
#[component]
pub fn UnlockScreen() -> impl IntoView {
    let ctx = use_ctx();
    let text = RwSignal::new(String::new());
    let use_recovery = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let unreadable = move || {
        ctx.protection.with(|p| match p {
            Protection::Unreadable(e) => Some(e.clone()),
            _ => None,
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let typed = text.get_untracked();
        let secret = if use_recovery.get_untracked() { Secret::RecoveryKey(typed) } else { Secret::Passphrase(typed) };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let outcome = unlock(ctx, secret).await;
            let _ = text.try_set(String::new());
            let _ = busy.try_set(false);
            if let Err(e) = outcome {
                let _ = error.try_set(Some(e));
            }
        });
    };
    view! {
        <main id="main" class="unlock">
            <form class="panel" on:submit=submit aria-labelledby="unlock-title">
                <h1 id="unlock-title">"fieldkit is locked"</h1>
                {move || match unreadable() {
                    Some(e) => view! {
                        <p role="alert" class="field-error">
                            "The record that holds this device's key cannot be read (" {e} "). Nothing has been \
                             changed; the data stays encrypted. Restore a backup on another device, or ask for help."
                        </p>
                    }.into_any(),
                    None => view! {
                        <p>"This device's research data is encrypted. Enter the passphrase to open it."</p>
                        <div class="field">
                            <label for="unlock-secret">
                                {move || if use_recovery.get() { "Recovery key" } else { "Passphrase" }}
                            </label>
                            <input id="unlock-secret" type="password" autocomplete="current-password" autofocus
                                aria-invalid=move || if error.with(|e| e.is_some()) { "true" } else { "false" }
                                aria-describedby="unlock-secret-error"
                                prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                            <p class="field-error" id="unlock-secret-error" role="alert">{move || error.get()}</p>
                        </div>
                        <div class="row">
                            <button type="submit" disabled=move || busy.get()>
                                {move || if busy.get() { "Unlocking…" } else { "Unlock" }}
                            </button>
                            <button type="button" class="ghost" on:click=move |_| {
                                use_recovery.update(|r| *r = !*r);
                                error.set(None);
                            }>
                                {move || if use_recovery.get() { "Use the passphrase" } else { "Use the recovery key instead" }}
                            </button>
                        </div>
                    }.into_any(),
                }}
            </form>
        </main>
    }
}

/// All that shows while records are rewritten: nothing can be edited meanwhile.
#[component]
pub fn RewriteProgress() -> impl IntoView {
    let ctx = use_ctx();
    let state = move || ctx.rewriting.get().unwrap_or_default();
    view! {
        <main id="main" class="unlock">
            <section class="panel" role="status" aria-live="polite">
                <h1>{move || state().0}</h1>
                <progress max="1" value=move || {
                    let (_, done, total) = state();
                    if total == 0 { 0.0 } else { done as f64 / total as f64 }
                }></progress>
                <p class="muted">{move || {
                    let (_, done, total) = state();
                    format!("{done} of {total} records. Keep this page open; if it closes, fieldkit finishes \
                             the change when it is next unlocked.")
                }}</p>
            </section>
        </main>
    }
}

/// "Lock" in the top bar while the device is protected.
#[component]
pub fn LockButton() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <Show when=move || ctx.protection.with(|p| matches!(p, Protection::Unlocked(_)))>
            <button class="ghost lock-button" on:click=move |_| spawn_local(async move { ctx.lock_now().await })>
                "Lock"
            </button>
        </Show>
    }
}

/// Locks the app after the keyring's idle time without a tap, key or scroll.
#[component]
pub fn IdleLock() -> impl IntoView {
    let ctx = use_ctx();
    let last_activity = StoredValue::new(js_sys::Date::now());
    let touch = move |_: web_sys::Event| last_activity.set_value(js_sys::Date::now());
    let handles: Vec<_> = ["pointerdown", "keydown", "input", "wheel", "touchstart"]
        .into_iter()
        .map(|name| window_event_listener_untyped(name, touch))
        .collect();
    let timer = set_interval_with_handle(
        move || {
            let Some(minutes) = ctx.protection.try_with_untracked(|p| match p {
                Protection::Unlocked(k) => Some(k.idle_minutes),
                _ => None,
            }) else {
                return;
            };
            let Some(minutes) = minutes else { return };
            let idle = js_sys::Date::now() - last_activity.get_value();
            if idle > f64::from(minutes) * 60_000.0 {
                spawn_local(async move { ctx.lock_now().await });
            }
        },
        std::time::Duration::from_secs(10),
    )
    .ok();
    on_cleanup(move || {
        for h in handles {
            h.remove();
        }
        if let Some(t) = timer {
            t.clear();
        }
    });
}

/// The storage screen's panel: turn protection on, or (when on) lock, idle time,
/// change the passphrase, turn it off.
#[component]
pub fn ProtectionPanel() -> impl IntoView {
    let ctx = use_ctx();
    view! {
        <section class="panel" aria-labelledby="protection-title">
            <h2 id="protection-title">"Protection with a passphrase"</h2>
            {move || match ctx.protection.get() {
                Protection::Unlocked(k) => view! { <ProtectionOn keyring=k/> }.into_any(),
                _ => view! { <TurnOn/> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn TurnOn() -> impl IntoView {
    let ctx = use_ctx();
    let pass = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let understood = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let made: StoredValue<Option<NewProtection>, LocalStorage> = StoredValue::new_local(None);
    let recovery = RwSignal::new(None::<String>);
    let prepare = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (p, a) = (pass.get_untracked(), again.get_untracked());
        if let Err(e) = check_new_passphrase(&p, &a) {
            return error.set(Some(e));
        }
        if !understood.get_untracked() {
            return error.set(Some(
                "Tick the box to confirm you understand that a lost passphrase and recovery key \
                                   mean the data is gone."
                    .into(),
            ));
        }
        error.set(None);
        busy.set(true);
        spawn_local(async move {
            match protect(&p).await {
                Ok(new) => {
                    let _ = recovery.try_set(Some(new.recovery.display()));
                    let _ = made.try_set_value(Some(new));
                    let _ = pass.try_set(String::new());
                    let _ = again.try_set(String::new());
                }
                Err(e) => drop(error.try_set(Some(e.to_string()))),
            }
            let _ = busy.try_set(false);
        });
    };
    let turn_on = move |_| {
        let Some(new) = made.try_update_value(|m| m.take()).flatten() else { return };
        let Some(repo) = ctx.repo() else { return };
        spawn_local(async move {
            ctx.flush_all().await;
            let keyring = new.keyring.clone();
            repo.store().set_cipher(Some(new.cipher));
            match run_rewrite(ctx, Some(ProtectionState::Sealing), new.keyring).await {
                Ok(Some(k)) => {
                    ctx.protection.set(Protection::Unlocked(k));
                    browser::guard_plain_exports(Some(ctx));
                    ctx.info("Protection is on: everything fieldkit keeps on this device is encrypted.");
                }
                Ok(None) => {}
                Err(e) => {
                    // The keyring says "sealing": the next unlock finishes the job.
                    ctx.protection.set(Protection::Unlocked(keyring));
                    browser::guard_plain_exports(Some(ctx));
                    ctx.error(e);
                }
            }
        });
    };
    view! {
        {move || match recovery.get() {
            Some(key) => view! {
                <div class="recovery-key" role="region" aria-labelledby="recovery-title">
                    <h3 id="recovery-title">"Your recovery key"</h3>
                    <p>"Write this down or print it, and keep it apart from the tablet. It is shown only now. \
                        With it you can open the data, set a new passphrase, or end participant mode if the \
                        passphrase or the PIN is forgotten."</p>
                    <p class="recovery-key-text" data-testid="recovery-key">{key}</p>
                    <div class="row">
                        <button type="button" class="secondary" on:click=move |_| { let _ = window().print(); }>"Print"</button>
                        <button type="button" on:click=turn_on>"I have written it down: turn protection on"</button>
                    </div>
                </div>
            }.into_any(),
            None => view! {
                <p>"Encrypts everything fieldkit keeps on this device — every study, note, name, answer and \
                    draft — so that someone who takes the tablet cannot read it. You enter the passphrase when \
                    fieldkit starts, and it locks itself after 15 minutes without use."</p>
                <form on:submit=prepare>
                    <SecretField id="new-passphrase" label="Passphrase" autocomplete="new-password" value=pass/>
                    <SecretField id="new-passphrase-again" label="The same passphrase again" autocomplete="new-password" value=again/>
                    <div class="check">
                        <input type="checkbox" id="protection-understood" prop:checked=move || understood.get()
                            on:change=move |ev| understood.set(event_target_checked(&ev))/>
                        <label for="protection-understood">"I understand: without the passphrase or the recovery \
                            key, nobody can open this data again — not the team, not fieldkit."</label>
                    </div>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                    <button type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Preparing…" } else { "Continue" }}
                    </button>
                </form>
            }.into_any(),
        }}
    }
}

async fn save_keyring(ctx: Ctx, keyring: Keyring) -> Result<(), String> {
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    let record = keyring.to_record()?;
    repo.store().inner().apply(vec![WriteOp::Put(record)]).await.map_err(|e| e.to_string())?;
    ctx.protection.set(Protection::Unlocked(keyring));
    Ok(())
}

#[component]
fn ProtectionOn(keyring: Keyring) -> impl IntoView {
    let ctx = use_ctx();
    let current = RwSignal::new(String::new());
    let pass = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let change_error = RwSignal::new(None::<String>);
    let off_secret = RwSignal::new(String::new());
    let off_error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let idle = keyring.idle_minutes;
    let kr = StoredValue::new(keyring);

    let set_idle = move |ev: leptos::ev::Event| {
        let Ok(minutes) = event_target_value(&ev).parse::<u32>() else { return };
        let next = Keyring { idle_minutes: minutes, ..kr.get_value() };
        spawn_local(async move {
            match save_keyring(ctx, next).await {
                Ok(()) => ctx.info(format!("fieldkit now locks itself after {minutes} minutes without use.")),
                Err(e) => ctx.error(e),
            }
        });
    };
    let change = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (old, p, a) = (current.get_untracked(), pass.get_untracked(), again.get_untracked());
        if let Err(e) = check_new_passphrase(&p, &a) {
            return change_error.set(Some(e));
        }
        busy.set(true);
        spawn_local(async move {
            let outcome = async {
                let next = secret_from(&old).rewrap(&kr.get_value(), &p).await?;
                save_keyring(ctx, next).await
            }
            .await;
            let _ = busy.try_set(false);
            match outcome {
                Ok(()) => {
                    let _ = change_error.try_set(None);
                    for s in [current, pass, again] {
                        let _ = s.try_set(String::new());
                    }
                    ctx.info("The passphrase is changed. The recovery key stays the same.");
                }
                Err(e) => drop(change_error.try_set(Some(e))),
            }
        });
    };
    let turn_off = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = off_secret.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let checked = verify_secret(ctx, &typed).await;
            let _ = busy.try_set(false);
            let _ = off_secret.try_set(String::new());
            if let Err(e) = checked {
                return drop(off_error.try_set(Some(e)));
            }
            let _ = off_error.try_set(None);
            ctx.ask(Confirm {
                title: "Turn protection off?".into(),
                body: "Every record is written back in plain text on this device: anyone with the tablet's \
                       browser profile can then read it. The passphrase and recovery key stop working."
                    .into(),
                action: "Turn protection off".into(),
                on_confirm: Box::new(move || {
                    spawn_local(async move {
                        ctx.flush_all().await;
                        match run_rewrite(ctx, Some(ProtectionState::Unsealing), kr.get_value()).await {
                            Ok(_) => {
                                if let Some(repo) = ctx.repo() {
                                    repo.store().set_cipher(None);
                                }
                                ctx.protection.set(Protection::Off);
                                browser::guard_plain_exports(None);
                                ctx.info("Protection is off. Everything on this device is in plain text again.");
                            }
                            Err(e) => ctx.error(e),
                        }
                    });
                }),
            });
        });
    };
    view! {
        <p class="ok">"On: everything fieldkit keeps on this device is encrypted (AES-256-GCM, key from the \
            passphrase by PBKDF2-SHA256 with 600,000 rounds)."</p>
        <div class="row">
            <button type="button" on:click=move |_| spawn_local(async move { ctx.lock_now().await })>"Lock now"</button>
            <div class="field inline">
                <label for="idle-minutes">"Lock after"</label>
                <select id="idle-minutes" on:change=set_idle>
                    {[5u32, 10, 15, 30, 60].into_iter().map(|m| view! {
                        <option value=m.to_string() selected=m == idle>{format!("{m} minutes without use")}</option>
                    }).collect_view()}
                </select>
            </div>
        </div>
        <form on:submit=change aria-labelledby="change-title">
            <h3 id="change-title">"Change the passphrase"</h3>
            <SecretField id="current-secret" label="Current passphrase or the recovery key" autocomplete="current-password" value=current/>
            <SecretField id="changed-passphrase" label="New passphrase" autocomplete="new-password" value=pass/>
            <SecretField id="changed-passphrase-again" label="The new passphrase again" autocomplete="new-password" value=again/>
            <p class="field-error" role="alert">{move || change_error.get()}</p>
            <button type="submit" disabled=move || busy.get()>"Change passphrase"</button>
        </form>
        <form on:submit=turn_off aria-labelledby="off-title">
            <h3 id="off-title">"Turn protection off"</h3>
            <SecretField id="off-secret" label="Passphrase or recovery key" autocomplete="current-password" value=off_secret/>
            <p class="field-error" role="alert">{move || off_error.get()}</p>
            <button type="submit" class="danger" disabled=move || busy.get()>"Turn protection off…"</button>
        </form>
    }
}

/// In participant mode's PIN dialog, while protected: the passphrase or recovery key
/// also ends participant mode, for when the PIN is forgotten.
#[component]
pub fn ForgotPin(on_verified: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let check = move |_| {
        let typed = text.get_untracked();
        let on_verified = on_verified.clone();
        busy.set(true);
        spawn_local(async move {
            let outcome = verify_secret(ctx, &typed).await;
            let _ = text.try_set(String::new());
            let _ = busy.try_set(false);
            match outcome {
                Ok(()) => on_verified(),
                Err(e) => drop(error.try_set(Some(e))),
            }
        });
    };
    view! {
        <Show when=move || ctx.protection.with(|p| matches!(p, Protection::Unlocked(_)))>
            <details class="forgot-pin">
                <summary>"Forgot the PIN?"</summary>
                <div class="field">
                    <label for="forgot-pin-secret">"Passphrase or recovery key"</label>
                    <input id="forgot-pin-secret" type="password" autocomplete="off"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                </div>
                <button type="button" class="secondary" disabled=move || busy.get() on:click=check.clone()>
                    "Leave participant mode"
                </button>
            </details>
        </Show>
    }
}
