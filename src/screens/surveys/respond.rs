//! Participant mode: the locked, full-screen view in which a participant fills in
//! one survey on the researcher's tablet.
//!
//! The app renders this instead of every researcher screen while the lock record
//! exists (see `app.rs`), so neither the address bar nor the back button nor a new
//! tab reaches anything else. Every answer is saved as it is given, and the
//! response remembers its page, so a reload or crash resumes exactly there.

use std::collections::BTreeMap;

use fieldkit_core::storage::store::Store as _;
use fieldkit_core::surveys::participant_lock::{LockState, ParticipantLock};
use fieldkit_core::surveys::pin::{PIN_KEY, PinHash};
use fieldkit_core::surveys::visible_questions;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;

use crate::app::{Notices, use_ctx};
use crate::autosave::StudyCtx;
use crate::browser;
use crate::screens::surveys::question_input::QuestionInput;

/// Words of the participant screens, in English and Welsh.
#[derive(Clone, Copy)]
pub enum Word {
    Next,
    Back,
    Finish,
    ChooseLanguage,
    ThankYou,
    HandBack,
    Saved,
    PageOf,
    FixProblems,
    NotAvailable,
}

pub fn word(language: &str, word: Word) -> &'static str {
    let welsh = language == fieldkit_core::surveys::WELSH;
    match (word, welsh) {
        (Word::Next, false) => "Next",
        (Word::Next, true) => "Nesaf",
        (Word::Back, false) => "Back",
        (Word::Back, true) => "Yn ôl",
        (Word::Finish, false) => "Finish",
        (Word::Finish, true) => "Gorffen",
        (Word::ChooseLanguage, _) => "Choose your language · Dewiswch eich iaith",
        (Word::ThankYou, false) => "Thank you for taking part.",
        (Word::ThankYou, true) => "Diolch am gymryd rhan.",
        (Word::HandBack, false) => "Your answers are saved. Please hand the tablet back to the researcher.",
        (Word::HandBack, true) => {
            "Mae eich atebion wedi'u cadw. Rhowch y dabled yn ôl i'r ymchwilydd, os gwelwch yn dda."
        }
        (Word::Saved, false) => "Your answers are saved as you go.",
        (Word::Saved, true) => "Caiff eich atebion eu cadw wrth i chi fynd.",
        (Word::PageOf, false) => "Page {} of {}",
        (Word::PageOf, true) => "Tudalen {} o {}",
        (Word::FixProblems, false) => "Please check the answers marked below.",
        (Word::FixProblems, true) => "Gwiriwch yr atebion sydd wedi'u marcio isod.",
        (Word::NotAvailable, false) => "This survey is not available. Please hand the tablet back to the researcher.",
        (Word::NotAvailable, true) => "Nid yw'r arolwg hwn ar gael. Rhowch y dabled yn ôl i'r ymchwilydd.",
    }
}

fn page_of(language: &str, page: usize, of: usize) -> String {
    word(language, Word::PageOf).replacen("{}", &page.to_string(), 1).replacen("{}", &of.to_string(), 1)
}

#[derive(Clone)]
enum Opened {
    Busy,
    Ready(Box<StudyCtx>),
    Failed(String),
}

#[component]
pub fn ParticipantMode() -> impl IntoView {
    let ctx = use_ctx();
    let study_id =
        Memo::new(move |_| ctx.lock.with(|l| if let LockState::Locked(l) = l { Some(l.study_id) } else { None }));
    let opened = RwSignal::new(Opened::Busy);
    let owner = Owner::current();
    // A study that syncs goes on syncing the answers, out of the participant's sight.
    let syncing = crate::screens::study::shell::sync_stops_on_cleanup();
    Effect::new(move |_| {
        let Some(id) = study_id.get() else {
            opened.set(Opened::Failed("The participant-mode record cannot be read.".into()));
            return;
        };
        let Some(repo) = ctx.repo() else { return };
        let owner = owner.clone();
        spawn_local(async move {
            match repo.load(id, browser::now()).await {
                Ok(loaded) => {
                    if let Some(owner) = owner {
                        let study = owner.with(|| StudyCtx::new(ctx, loaded.data));
                        crate::screens::study::shell::resume_sync(ctx, study, syncing, true);
                        let _ = opened.try_set(Opened::Ready(Box::new(study)));
                    }
                }
                Err(e) => drop(opened.try_set(Opened::Failed(e.to_string()))),
            }
        });
    });
    keep_history_here();

    let unlocking = RwSignal::new(false);
    view! {
        <div class="participant-mode">
            <Notices/>
            <main id="main" class="participant-main">
                {move || match opened.get() {
                    Opened::Busy => view! { <p class="muted">"…"</p> }.into_any(),
                    Opened::Failed(e) => view! {
                        <section class="participant-card" role="alert">
                            <p class="lead">{word("en", Word::NotAvailable)}</p>
                            <p lang="cy" class="lead">{word("cy", Word::NotAvailable)}</p>
                            <p class="muted small" lang="en">{e}</p>
                        </section>
                    }.into_any(),
                    Opened::Ready(study) => view! { <SurveyFlow study=*study/> }.into_any(),
                }}
            </main>
            <footer class="participant-foot" lang="en">
                <button class="ghost researcher-exit" on:click=move |_| unlocking.set(true)>"Researcher"</button>
            </footer>
            <Show when=move || unlocking.get()>
                <PinUnlock opened=opened on_cancel=move || unlocking.set(false)/>
            </Show>
        </div>
    }
}

/// Keeps the back button on this page: a history entry is added, and each time the
/// browser goes back it is added again. The address shows `/respond`.
fn keep_history_here() {
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else { return };
    let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/respond"));
    let handle = window_event_listener(leptos::ev::popstate, move |_| {
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/respond"));
        }
    });
    on_cleanup(move || handle.remove());
}

/// Where the response stands, for choosing the screen.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Welcome { languages: Vec<String>, name: String },
    Answering { response: Uuid, language: String },
    Done { language: String },
    Unavailable,
}

#[component]
fn SurveyFlow(study: StudyCtx) -> impl IntoView {
    let ctx = use_ctx();
    let lock = Memo::new(move |_| ctx.lock.with(|l| if let LockState::Locked(l) = l { Some(l.clone()) } else { None }));
    let stage = Memo::new(move |_| {
        let Some(lock) = lock.get() else { return Stage::Unavailable };
        study.with(|d| {
            let response = lock.response_id.and_then(|r| d.response(r));
            match (response, d.survey(lock.survey_id)) {
                (Some(r), _) if r.status == ResponseStatus::Complete => Stage::Done { language: r.language.clone() },
                (Some(r), _) => Stage::Answering { response: r.id, language: r.language.clone() },
                (None, Some(s)) => Stage::Welcome { languages: s.languages.clone(), name: s.name.clone() },
                (None, None) => Stage::Unavailable,
            }
        })
    });
    let start = move |language: String| {
        let Some(lock) = lock.get_untracked() else { return };
        let started = study.edit(|d, now| {
            d.start_response(lock.survey_id, lock.case_id, lock.participant_id, &language, now)
                .map(|id| (id, ObjectRef::Response(id)))
        });
        match started {
            Ok((id, _)) => {
                study.flush();
                let next = ParticipantLock { response_id: Some(id), ..lock };
                spawn_local(async move {
                    if let Err(e) = ctx.set_lock(Some(next)).await {
                        ctx.error(format!("Could not save the start of the survey: {e}"));
                    }
                });
            }
            Err(e) => ctx.error(e),
        }
    };
    view! {
        {move || match stage.get() {
            Stage::Welcome { languages, name } => view! {
                <section class="participant-card" aria-labelledby="welcome-title">
                    <h1 id="welcome-title">{name}</h1>
                    <p class="lead">{word("en", Word::ChooseLanguage)}</p>
                    <div class="language-choice">
                        {languages.into_iter().map(|l| {
                            let code = l.clone();
                            view! {
                                <button class="big" lang=l.clone() on:click=move |_| start(code.clone())>
                                    {language_name(&l)}
                                </button>
                            }
                        }).collect_view()}
                    </div>
                </section>
            }.into_any(),
            Stage::Answering { response, language } => view! { <PageView study=study response=response language=language/> }.into_any(),
            Stage::Done { language } => view! {
                <section class="participant-card done" lang=language.clone() aria-labelledby="thanks-title">
                    <h1 id="thanks-title" tabindex="-1">{word(&language, Word::ThankYou)}</h1>
                    <p class="lead">{word(&language, Word::HandBack)}</p>
                </section>
            }.into_any(),
            Stage::Unavailable => view! {
                <section class="participant-card" role="alert"><p class="lead">{word("en", Word::NotAvailable)}</p></section>
            }.into_any(),
        }}
    }
}

/// One page of the survey: its shown questions, progress, back and next.
#[component]
fn PageView(study: StudyCtx, response: Uuid, language: String) -> impl IntoView {
    let ctx = use_ctx();
    let lang = language.clone();
    // (page index, title, fell back, shown question ids); recomputed on every answer,
    // passed on only when it changes, so inputs being typed in are not rebuilt.
    let page = Memo::new(move |_| {
        study.with(|d| {
            let r = d.response(response)?;
            let pages = d.response_pages(r)?;
            let page = pages.get(r.page)?;
            let shown = visible_questions(pages, &r.answers);
            let (title, fell_back) = page.title.get(&r.language);
            let ids: Vec<Uuid> = page.questions.iter().filter(|q| shown.contains(&q.id)).map(|q| q.id).collect();
            Some((r.page, title.to_string(), fell_back, ids))
        })
    });
    let progress = Memo::new(move |_| study.with(|d| d.response_progress(response)));
    let problems = RwSignal::new(BTreeMap::<Uuid, String>::new());
    let summary_ref = NodeRef::<leptos::html::Div>::new();
    let heading_ref = NodeRef::<leptos::html::H1>::new();

    let moved = move || {
        let _ = problems.try_set(BTreeMap::new());
        if let Some(w) = web_sys::window() {
            w.scroll_to_with_x_and_y(0.0, 0.0);
        }
        // Tell screen-reader and keyboard users the page changed.
        request_animation_frame(move || {
            // The page may be gone by now (after Finish): never touch a disposed ref.
            if let Some(Some(h)) = heading_ref.try_get_untracked() {
                let _ = h.focus();
            }
        });
    };
    let refused = move |list: Vec<(Uuid, String)>| {
        let _ = problems.try_set(list.into_iter().collect());
        request_animation_frame(move || {
            if let Some(Some(s)) = summary_ref.try_get_untracked() {
                let _ = s.focus();
            }
        });
    };
    let step = move |forward: bool| {
        let last = progress.get_untracked().is_some_and(|p| p.last);
        let mut refusal = Vec::new();
        let outcome = study.edit(|d, now| {
            let result = if !forward {
                return d.go_back(response, now).map(|r| vec![r]);
            } else if last {
                d.complete_response(response, now)
            } else {
                d.go_next(response, now).map(|r| vec![r])
            };
            result.map_err(|list| {
                refusal = list;
                ValidationError::EmptyCondition
            })
        });
        match outcome {
            Ok(_) => {
                if forward && last {
                    study.flush();
                }
                moved();
            }
            Err(e) if refusal.is_empty() => ctx.error(e),
            Err(_) => refused(refusal),
        }
    };
    let lang_for_progress = lang.clone();
    let lang_for_buttons = lang.clone();
    let lang_for_summary = lang.clone();
    let section_lang = lang.clone();
    view! {
        <section class="participant-card" lang=section_lang aria-labelledby="page-title">
            {move || progress.get().map(|p| {
                let text = page_of(&lang_for_progress, p.page, p.of);
                view! {
                    <div class="progress-wrap">
                        <progress max=p.of value=p.page aria-label=text.clone()></progress>
                        <p class="muted small">{text}</p>
                    </div>
                }
            })}
            <h1 id="page-title" tabindex="-1" node_ref=heading_ref>
                {move || page.with(|p| p.as_ref().map(|(_, title, fell_back, _)| {
                    let fell_back = *fell_back && !title.is_empty();
                    view! { <span lang=if fell_back { "en" } else { "" }>{title.clone()}</span>
                        {fell_back.then(|| view! { <span class="fallback">" (English)"</span> })} }
                }))}
            </h1>
            <div class="error-summary" tabindex="-1" node_ref=summary_ref role="alert"
                hidden=move || problems.with(|p| p.is_empty())>
                {move || (!problems.with(|p| p.is_empty())).then(|| word(&lang_for_summary, Word::FixProblems))}
            </div>
            <For each=move || page.with(|p| p.as_ref().map(|(_, _, _, ids)| ids.clone()).unwrap_or_default()) key=|id| *id let:qid>
                {
                    let question = study.untracked(|d| {
                        d.response(response).and_then(|r| d.response_pages(r)).and_then(|pages| fieldkit_core::surveys::question(pages, qid)).cloned()
                    });
                    let value = Signal::derive(move || study.with(|d| d.response(response).and_then(|r| r.answers.get(&qid).cloned())));
                    let problem = Signal::derive(move || problems.with(|p| p.get(&qid).cloned()));
                    let language = lang.clone();
                    question.map(|q| view! {
                        <QuestionInput question=q language=language value=value problem=problem
                            on_change=move |v| {
                                problems.update(|p| { p.remove(&qid); });
                                if let Err(e) = study.edit(|d, now| d.answer(response, qid, v, now)) {
                                    ctx.error(e);
                                }
                            }/>
                    })
                }
            </For>
            <div class="participant-nav">
                {
                    let lang = lang_for_buttons.clone();
                    let lang2 = lang_for_buttons.clone();
                    view! {
                        <button class="secondary big" disabled=move || progress.get().is_none_or(|p| p.page <= 1)
                            on:click=move |_| step(false)>{word(&lang, Word::Back)}</button>
                        <button class="big" on:click=move |_| step(true)>
                            {move || word(&lang2, if progress.get().is_some_and(|p| p.last) { Word::Finish } else { Word::Next })}
                        </button>
                    }
                }
            </div>
            <p class="muted small">{word(&language, Word::Saved)}</p>
        </section>
    }
}

/// The researcher's way out: the PIN, checked against its salted hash.
#[component]
fn PinUnlock(opened: RwSignal<Opened>, on_cancel: impl Fn() + Clone + 'static) -> impl IntoView {
    let ctx = use_ctx();
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let failures = StoredValue::new(0u32);
    let busy = RwSignal::new(false);
    let input_ref = NodeRef::<leptos::html::Input>::new();
    request_animation_frame(move || {
        if let Some(Some(i)) = input_ref.try_get_untracked() {
            let _ = i.focus();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(repo) = ctx.repo() else { return };
        let typed = pin.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let stored = match repo.store().get(PIN_KEY).await {
                Ok(Some(record)) => PinHash::from_record(&record).map_err(|e| e.to_string()),
                Ok(None) => Err("No researcher PIN is stored on this device.".to_string()),
                Err(e) => Err(e.to_string()),
            };
            let outcome = stored.map(|hash| hash.verify(&typed));
            let _ = pin.try_set(String::new());
            match outcome {
                Ok(true) => unlock(ctx, opened).await,
                Ok(false) => {
                    let n = failures.try_update_value(|n| {
                        *n += 1;
                        *n
                    });
                    let n = n.unwrap_or(1);
                    let _ = error.try_set(Some(if n >= 5 {
                        "That PIN is not right. Wait 30 seconds before trying again.".to_string()
                    } else {
                        "That PIN is not right.".to_string()
                    }));
                    if n >= 5 {
                        failures.set_value(0);
                        set_timeout(
                            move || {
                                let _ = busy.try_set(false);
                            },
                            std::time::Duration::from_secs(30),
                        );
                        return;
                    }
                }
                Err(e) => drop(error.try_set(Some(format!("The PIN cannot be checked: {e}")))),
            }
            let _ = busy.try_set(false);
        });
    };
    let cancel = on_cancel.clone();
    view! {
        <div class="backdrop" lang="en">
            <form class="dialog" role="dialog" aria-modal="true" aria-labelledby="pin-title" on:submit=submit>
                <h2 id="pin-title">"Researcher PIN"</h2>
                <p>"Enter the PIN to leave participant mode."</p>
                <div class="field">
                    <label for="unlock-pin">"PIN"</label>
                    <input id="unlock-pin" type="password" inputmode="numeric" autocomplete="off" node_ref=input_ref
                        aria-invalid=move || if error.with(|e| e.is_some()) { "true" } else { "false" }
                        aria-describedby="unlock-error"
                        prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                    <p class="field-error" id="unlock-error" role="alert">{move || error.get()}</p>
                </div>
                <div class="row">
                    <button type="button" class="secondary" on:click=move |_| cancel()>"Cancel"</button>
                    <button type="submit" disabled=move || busy.get()>"Unlock"</button>
                </div>
                <crate::screens::protection::ForgotPin on_verified=move || spawn_local(unlock(ctx, opened))/>
            </form>
        </div>
    }
}

/// Saves what is pending, removes the lock and shows the researcher the survey's page.
async fn unlock(ctx: crate::app::Ctx, opened: RwSignal<Opened>) {
    let (study, survey) = match ctx.lock.get_untracked() {
        LockState::Locked(l) => (Some(l.study_id), Some(l.survey_id)),
        _ => (None, None),
    };
    if let Some(Opened::Ready(s)) = opened.try_get_untracked() {
        s.flush();
    }
    let target = match (study, survey) {
        (Some(st), Some(su)) => format!("/study/{st}/surveys/{su}"),
        _ => "/".to_string(),
    };
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    }
    if let Some(doc) = web_sys::window().and_then(|w| w.document())
        && doc.fullscreen_element().is_some()
    {
        doc.exit_fullscreen();
    }
    match ctx.set_lock(None).await {
        Ok(()) => ctx.info("Participant mode ended."),
        Err(e) => ctx.error(format!("Participant mode could not be ended: {e}")),
    }
}

/// Asks for full screen while handling the researcher's tap (browsers only allow it then).
pub fn enter_full_screen() {
    let element = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element());
    if let Some(element) = element {
        let _ = element.request_fullscreen();
    }
}
