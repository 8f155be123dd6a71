//! Member checking: the interview account, its status, amendments as new versions,
//! and what changed between versions.

use fieldkit_core::ObjectRef;
use fieldkit_core::fieldwork::AccountStatus;
use fieldkit_core::fieldwork::account::{DiffPart, account_version_html, changed_paragraphs, diff_versions};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::field_id;

fn status_action(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Draft => "Back to draft",
        AccountStatus::Sent => "Mark as sent to the participant",
        AccountStatus::AmendmentsReceived => "Amendments received",
        AccountStatus::Agreed => "Mark as agreed",
    }
}

#[component]
pub fn AccountScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let params = use_params_map();
    let interview = Memo::new(move |_| params.with(|p| p.get("interview").and_then(|c| Uuid::parse_str(&c).ok())));
    let account = Memo::new(move |_| interview.get().and_then(|i| study.with(|d| d.account_for_interview(i).cloned())));
    let base = format!("/study/{}", study.id());
    let amendment = RwSignal::new(None::<String>);
    let note = RwSignal::new(String::new());
    let compare = RwSignal::new(None::<u32>);
    let error = RwSignal::new(None::<String>);

    let set_status = move |to: AccountStatus| {
        let Some(a) = account.get_untracked() else { return };
        if to == AccountStatus::AmendmentsReceived {
            // Amendments arrive as a new version of the text.
            amendment.set(a.current().map(|v| v.text.clone()));
            return;
        }
        if let Err(e) = study.edit(|d, now| d.set_account_status(a.id, to, now)) {
            ctx.error(e);
        }
    };
    let save_amendment = move |_| {
        let (Some(a), Some(text)) = (account.get_untracked(), amendment.get_untracked()) else { return };
        match study.edit(|d, now| d.record_amendment(a.id, text, note.get_untracked(), now)) {
            Ok(ObjectRef::Account(_)) | Ok(_) => {
                amendment.set(None);
                note.set(String::new());
                error.set(None);
                let latest = account.get_untracked().map(|a| a.versions.len() as u32).unwrap_or(1);
                compare.set(Some(latest));
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let print = move |_| {
        let Some(a) = account.get_untracked() else { return };
        let title = study.untracked(|d| {
            d.interview(a.interview_id)
                .map(|i| format!("Interview account: {} ({})", d.interview_people(i), d.case_name(Some(i.case_id))))
                .unwrap_or_else(|| "Interview account".into())
        });
        let text = a.current().map(|v| v.text.clone()).unwrap_or_default();
        if let Err(e) = browser::open_html_page(&account_version_html(&title, &text)) {
            ctx.error(e);
        }
    };
    let refresh = move |_| {
        let Some(a) = account.get_untracked() else { return };
        match study.edit(|d, now| d.refresh_account_draft(a.id, now)) {
            Ok(_) => ctx.info("The draft now matches the interview as corrected."),
            Err(e) => ctx.error(e),
        }
    };
    let amend_id = field_id("amend");
    let note_id = field_id("amend-note");

    view! {
        {move || match account.get() {
            None => view! {
                <section class="panel"><p>"This interview has no account yet. Create one from the interview screen."</p></section>
            }.into_any(),
            Some(a) => {
                let back = interview.get().map(|i| format!("{base}/interviews/{i}")).unwrap_or_default();
                let current = a.current().cloned();
                let versions = a.versions.clone();
                let amend_id = amend_id.clone();
                let note_id = note_id.clone();
                view! {
                    <section class="panel">
                        <p class="crumbs"><A href=back>"← Back to the interview"</A></p>
                        <h2>"Interview account"</h2>
                        <p>"Status: " <strong data-testid="account-status">{a.status.label()}</strong>
                            {format!(" · version {} of {}", current.as_ref().map(|v| v.number).unwrap_or(1), versions.len())}</p>
                        <div class="row wrap">
                            <button class="secondary" on:click=print>"Open printable account"</button>
                            {(a.status == AccountStatus::Draft && versions.len() == 1).then(|| view! {
                                <button class="secondary" on:click=refresh>"Rewrite the draft from the interview"</button>
                            })}
                            {a.status.next_statuses().iter().map(|s| {
                                let s = *s;
                                view! { <button on:click=move |_| set_status(s)>{status_action(s)}</button> }
                            }).collect_view()}
                        </div>
                        <ul class="plain small muted">
                            {a.history.iter().map(|h| view! { <li>{browser::local_time(h.at)} " — " {h.status.label()}</li> }).collect_view()}
                        </ul>
                    </section>
                    <Show when=move || amendment.with(|x| x.is_some())>
                        <section class="panel">
                            <h2>"Record the participant's amendments"</h2>
                            <p class="muted">"Edit the text as the participant asked. It is saved as a new version; the earlier text is kept."</p>
                            <div class="field">
                                <label for=amend_id.clone()>"Amended account"</label>
                                <textarea id=amend_id.clone() rows="14" prop:value=move || amendment.get().unwrap_or_default()
                                    on:input=move |ev| amendment.set(Some(event_target_value(&ev)))></textarea>
                            </div>
                            <div class="field">
                                <label for=note_id.clone()>"How the amendments came (e.g. by phone, marked on paper)"</label>
                                <input id=note_id.clone() type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                            </div>
                            <Show when=move || error.with(|e| e.is_some())>
                                <p class="field-error" role="alert">{move || error.get()}</p>
                            </Show>
                            <div class="row">
                                <button class="secondary" on:click=move |_| amendment.set(None)>"Cancel"</button>
                                <button on:click=save_amendment>"Save as a new version"</button>
                            </div>
                        </section>
                    </Show>
                    <section class="panel">
                        <h2>{format!("Current text (version {})", current.as_ref().map(|v| v.number).unwrap_or(1))}</h2>
                        <pre class="account-text" dir="auto">{current.as_ref().map(|v| v.text.clone()).unwrap_or_default()}</pre>
                    </section>
                    <section class="panel">
                        <h2>"Versions"</h2>
                        <ol class="plain">
                            {versions.iter().map(|v| {
                                let number = v.number;
                                view! {
                                    <li class="row wrap">
                                        <span>{format!("Version {} · {}", v.number, browser::local_time(v.created))}
                                            {(!v.note.is_empty()).then(|| format!(" · {}", v.note))}</span>
                                        {(number > 1).then(|| view! {
                                            <button class="secondary" on:click=move |_| compare.set(Some(number))>
                                                {format!("Compare version {} with {}", number - 1, number)}
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ol>
                        {move || compare.get().and_then(|n| {
                            let a = account.get()?;
                            let old = a.version(n.checked_sub(1)?)?.text.clone();
                            let new = a.version(n)?.text.clone();
                            Some(view! {
                                <h3>{format!("Changes from version {} to {}", n - 1, n)}</h3>
                                <p class="small muted">"The paragraphs that changed: removed words are struck through, added words underlined."</p>
                                <div class="diff" dir="auto" data-testid="diff">
                                    {changed_paragraphs(&diff_versions(&old, &new)).into_iter().map(|paragraph| view! {
                                        <p class="diff-paragraph">
                                            {paragraph.into_iter().map(|part| match part {
                                                DiffPart::Same(t) => view! { <span>{t}</span> }.into_any(),
                                                DiffPart::Added(t) => view! { <ins>{t}</ins> }.into_any(),
                                                DiffPart::Removed(t) => view! { <del>{t}</del> }.into_any(),
                                            }).collect_view()}
                                        </p>
                                    }).collect_view()}
                                </div>
                            })
                        })}
                    </section>
                }.into_any()
            }
        }}
    }
    .into_any()
}
