//! Storage: is it persistent, how much is used and free, and records that could not be read.

use fieldkit_core::storage::store::QuarantinedRecord;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{Confirm, use_ctx};
use crate::browser::{self, StorageInfo};

#[component]
pub fn StorageScreen() -> impl IntoView {
    let ctx = use_ctx();
    let info = RwSignal::new(None::<StorageInfo>);
    let quarantined = RwSignal::new(Vec::<QuarantinedRecord>::new());

    let refresh = move || {
        spawn_local(async move {
            let _ = info.try_set(Some(browser::storage_info().await));
            if let Some(repo) = ctx.repo() {
                match repo.quarantined().await {
                    Ok(q) => drop(quarantined.try_set(q)),
                    Err(e) => ctx.error(e.to_string()),
                }
            }
        });
    };
    refresh();

    let persist = move |_| {
        spawn_local(async move {
            match browser::request_persistence().await {
                Some(true) => ctx.info("The browser will keep fieldkit's data even when space runs low."),
                _ => ctx.error(
                    "The browser did not agree to keep the data permanently. Installing fieldkit to the home \
                     screen usually allows it. Export backups regularly.",
                ),
            }
            refresh();
        });
    };

    let discard = move |key: String| {
        ctx.ask(Confirm {
            title: "Discard this unreadable record?".into(),
            body: "Download it first if anyone may be able to repair it. Discarding cannot be undone.".into(),
            action: "Discard".into(),
            on_confirm: Box::new(move || {
                let Some(repo) = ctx.repo() else { return };
                spawn_local(async move {
                    if let Err(e) = repo.discard_quarantined(&key).await {
                        ctx.error(e.to_string());
                    }
                    refresh();
                });
            }),
        });
    };

    view! {
        <section class="panel">
            <h1>"Storage on this device"</h1>
            {move || match info.get() {
                None => view! { <p class="muted">"Checking…"</p> }.into_any(),
                Some(i) => {
                    let persistent = match i.persistent {
                        Some(true) => "Yes — the browser will not clear it to save space.",
                        Some(false) => "Not yet — the browser may clear it if the device runs short of space.",
                        None => "Unknown in this browser.",
                    };
                    let used = i.used_bytes.map(browser::human_bytes).unwrap_or_else(|| "unknown".into());
                    let free = match (i.used_bytes, i.quota_bytes) {
                        (Some(u), Some(q)) => browser::human_bytes((q - u).max(0.0)),
                        _ => "unknown".into(),
                    };
                    view! {
                        <dl class="facts">
                            <dt>"Persistent"</dt><dd data-testid="persistent">{persistent}</dd>
                            <dt>"Used"</dt><dd data-testid="used">{used}</dd>
                            <dt>"Available"</dt><dd data-testid="available">{free}</dd>
                        </dl>
                        <Show when=move || i.persistent != Some(true)>
                            <button on:click=persist>"Ask the browser to keep the data"</button>
                        </Show>
                    }.into_any()
                }
            }}
        </section>
        <crate::screens::protection::ProtectionPanel/>
        <section class="panel">
            <h2>"Records that could not be read"</h2>
            {move || {
                let q = quarantined.get();
                if q.is_empty() {
                    view! { <p class="empty">"None. Every stored record could be read."</p> }.into_any()
                } else {
                    view! {
                        <p>"These were set aside, exactly as stored, instead of being replaced by empty data."</p>
                        <ul class="plain">
                            {q.into_iter().map(|r| {
                                let key = r.key.clone();
                                let name = format!("fieldkit-unreadable-{}.txt", r.key.replace(':', "-"));
                                let body = r.body.clone();
                                view! {
                                    <li class="card">
                                        <p><strong>{r.kind.clone()}</strong>" "<code>{r.key.clone()}</code></p>
                                        <p class="muted">{r.reason.clone()}</p>
                                        <div class="row">
                                            <button class="secondary" on:click=move |_| {
                                                if let Err(e) = browser::download(&name, "text/plain", &body) { ctx.error(e) }
                                            }>"Download"</button>
                                            <button class="secondary" on:click=move |_| discard(key.clone())>"Discard…"</button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}
