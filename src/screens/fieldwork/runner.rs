//! Running one interview or focus group on the tablet, section by section: the clock,
//! notes per question and prompt, answer states and flags, speaker turns, completion
//! and corrections, and the transcript.

use std::time::Duration;

use fieldkit_core::fieldwork::transcript::check_pasted_text;
use fieldkit_core::fieldwork::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;
use wasm_bindgen::JsCast;

use crate::app::{Confirm, use_ctx};
use crate::autosave::StudyCtx;
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{SelectField, TextField, field_id};

pub(crate) fn interview_id() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("interview").and_then(|c| Uuid::parse_str(&c).ok())))
}

/// "00:14:05"
pub(crate) fn elapsed(ms: i64) -> String {
    let s = (ms / 1000).max(0);
    format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

#[component]
pub fn InterviewScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let id = interview_id();
    // A memo, so the runner is built once per interview, not on every keystroke.
    let shown = Memo::new(move |_| id.get().filter(|i| study.with(|d| d.interview(*i).is_some())));
    view! {
        {move || match shown.get() {
            None => view! { <section class="panel"><p>"This interview is not in the study (it may have been deleted)."</p></section> }.into_any(),
            Some(id) => view! { <InterviewRunner id=id/> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
pub(crate) fn InterviewRunner(id: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let read = move |f: fn(&StudyData, &Interview) -> String| {
        Memo::new(move |_| study.with(|d| d.interview(id).map(|i| f(d, i)).unwrap_or_default()))
    };
    let edit = move |e: InterviewEdit| study.edit(|d, now| d.edit_interview(id, e, now)).map(drop);
    let sections = Memo::new(move |_| {
        study.with(|d| d.interview(id).map(|i| d.interview_sections(i).to_vec()).unwrap_or_default())
    });
    let current = Memo::new(move |_| study.with(|d| d.interview(id).map(|i| i.current_section).unwrap_or(0)));
    let status = Memo::new(move |_| study.with(|d| d.interview(id).map(|i| i.status)));
    let focus_group = study.untracked(|d| d.interview(id).is_some_and(|i| i.kind == InterviewKind::FocusGroup));

    // The clock: time since the interview started, ticking every second.
    let tick = RwSignal::new(js_sys::Date::now() as i64);
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let _ = tick.try_set(js_sys::Date::now() as i64);
        },
        Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let clock = move || {
        study.with(|d| match d.interview(id) {
            Some(i) if i.status == InterviewStatus::InProgress => i
                .started
                .map(|s| {
                    format!("⏱ {} since the start at {}", elapsed(tick.get() - s.millis()), browser::local_time(s))
                })
                .unwrap_or_default(),
            Some(i) if i.status == InterviewStatus::Complete => {
                format!("Completed {}", i.completed.map(browser::local_time).unwrap_or_default())
            }
            _ => "Not started".to_string(),
        })
    };
    let go = move |index: usize| {
        if let Err(e) = edit(InterviewEdit::GoTo(index)) {
            ctx.error(e);
        }
        if let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    };
    let account_link = format!("{base}/interviews/{id}/account");
    let account_nav = navigate.clone();
    let create_account =
        move |_| match study.edit(|d, now| d.create_account(id, now).map(|a| (a, ObjectRef::Account(a)))) {
            Ok(_) => account_nav(&account_link, Default::default()),
            Err(e) => ctx.error(e),
        };
    let list = format!("{base}/interviews");
    let delete = move |_| {
        let navigate = navigate.clone();
        let list = list.clone();
        ctx.ask(Confirm {
            title: "Delete this interview?".into(),
            body: "Its notes, speaker turns, transcript and member-check account are deleted. This cannot be undone."
                .into(),
            action: "Delete interview".into(),
            on_confirm: Box::new(move || match study.remove(|d| d.delete_interview(id)) {
                Ok(()) => navigate(&list, Default::default()),
                Err(e) => ctx.error(e),
            }),
        });
    };
    let mode_options: Vec<(String, String)> =
        Mode::ALL.iter().map(|m| (m.key().to_string(), m.label().to_string())).collect();
    let back = format!("{base}/interviews");
    let account_base = base.clone();

    view! {
        <section class="panel interview-head">
            <p class="crumbs"><A href=back>"← All interviews"</A></p>
            <h2>{move || study.with(|d| d.interview(id).map(|i| format!("{} with {}", i.kind.label(), d.interview_people(i))).unwrap_or_default())}</h2>
            <p class="muted">{read(|d, i| format!("{} · {} · protocol {} (version {})", d.case_name(Some(i.case_id)), i.status.label(),
                d.protocol(i.protocol_id).map(|p| p.name.clone()).unwrap_or_default(), i.protocol_version))}</p>
            <p class="clock" role="timer" aria-live="off">{clock}</p>
            <details>
                <summary>"Interview details"</summary>
                <div class="grid2">
                    <TextField label="Interviewer" value=read(|_, i| i.interviewer.clone()) on_edit=move |v| edit(InterviewEdit::Interviewer(v))/>
                    <TextField label="Date" input_type="date" value=read(|_, i| i.date.map(|x| x.to_string()).unwrap_or_default())
                        on_edit=move |v| edit(InterviewEdit::Date(v))/>
                    <SelectField label="Mode" options=mode_options value=read(|_, i| i.mode.key().to_string())
                        on_edit=move |v| Mode::from_key(&v).map_or(Ok(()), |m| edit(InterviewEdit::Mode(m)))/>
                </div>
            </details>
            <Show when=move || status.get() == Some(InterviewStatus::Planned)>
                <button on:click=move |_| if let Err(e) = edit(InterviewEdit::Start) { ctx.error(e) }>"Start interview"</button>
            </Show>
            <Show when=move || status.get() == Some(InterviewStatus::Complete)>
                <p class="warning" role="status">"This interview is complete. You can still correct it; every change is recorded."</p>
            </Show>
        </section>

        <nav class="steps" aria-label="Sections">
            {move || sections.get().into_iter().enumerate().map(|(n, s)| {
                let has_data = study.with(|d| d.interview(id).is_some_and(|i| i.covers_section(s.id)));
                view! {
                    <button class=move || if current.get() == n { "step current" } else { "step" }
                        aria-current=move || if current.get() == n { "step" } else { "false" }
                        on:click=move |_| go(n)>
                        {format!("{} {}{}", n + 1, s.title, if has_data { " ✓" } else { "" })}
                    </button>
                }
            }).collect_view()}
        </nav>

        {move || {
            let all = sections.get();
            let n = current.get().min(all.len().saturating_sub(1));
            let Some(section) = all.get(n).cloned() else {
                return view! { <section class="panel"><p class="empty">"This protocol has no sections."</p></section> }.into_any();
            };
            // Untracked: this block must not be rebuilt (losing the cursor) on every edit.
            let question = study.untracked(|d| section.research_question_id
                .and_then(|q| d.study.research_questions.iter().find(|x| x.id == q))
                .map(|q| q.text.clone()));
            let last = n + 1 >= all.len();
            let colour = section.colour.clone().unwrap_or_else(|| "#1f5f5b".into());
            view! {
                <section class="panel section-run" style=format!("border-top: 6px solid {colour}")>
                    <h3>{format!("Section {} of {}: {}", n + 1, all.len(), section.title)}</h3>
                    {question.map(|q| view! { <p class="muted">"Research question: " {q}</p> })}
                    {(!section.guidance.trim().is_empty()).then(|| view! {
                        <details><summary>"Guidance for the interviewer"</summary><p>{section.guidance.clone()}</p></details>
                    })}
                    <SlotEditor interview=id at=Slot { section: section.id, prompt: None } question=section.question.clone() main=true focus_group=focus_group/>
                    {section.prompts.iter().map(|p| view! {
                        <SlotEditor interview=id at=Slot { section: section.id, prompt: Some(p.id) } question=p.text.clone() main=false focus_group=focus_group/>
                    }).collect_view()}
                    <div class="row wrap nav-row">
                        <button class="secondary" disabled=move || { n == 0 } on:click=move |_| go(n.saturating_sub(1))>"← Previous section"</button>
                        {if last {
                            view! {
                                <button disabled=move || { status.get() == Some(InterviewStatus::Complete) }
                                    on:click=move |_| match edit(InterviewEdit::Complete) {
                                        Ok(()) => ctx.info("Interview marked complete."),
                                        Err(e) => ctx.error(e),
                                    }>"Mark interview complete"</button>
                            }.into_any()
                        } else {
                            view! { <button on:click=move |_| go(n + 1)>"Next section →"</button> }.into_any()
                        }}
                    </div>
                </section>
            }.into_any()
        }}

        <TranscriptPanel interview=id/>

        <section class="panel">
            <h2>"Member check"</h2>
            {move || study.with(|d| match d.account_for_interview(id) {
                Some(a) => {
                    let href = format!("{account_base}/interviews/{id}/account");
                    view! {
                        <p>"Account status: " <strong>{a.status.label()}</strong> {format!(" · {} version(s)", a.versions.len())}</p>
                        <A href=href attr:class="button secondary">"Open the interview account"</A>
                    }.into_any()
                }
                None => view! {
                    <p class="muted">"Write up a clean account of this interview (pseudonyms only) for the participant to check."</p>
                    <button on:click=create_account.clone()>"Create interview account"</button>
                }.into_any(),
            })}
        </section>

        {move || study.with(|d| {
            let corrections = d.interview(id).map(|i| i.corrections.clone()).unwrap_or_default();
            (!corrections.is_empty()).then(|| view! {
                <section class="panel">
                    <h2>"Corrections after completion"</h2>
                    <ul class="plain">
                        {corrections.into_iter().map(|c| view! { <li>{browser::local_time(c.at)} " — " {c.what}</li> }).collect_view()}
                    </ul>
                </section>
            })
        })}

        <section class="panel danger-zone">
            <button class="danger" on:click=delete>"Delete interview…"</button>
        </section>
    }
    .into_any()
}

/// Notes, state, flags and (in focus groups) speaker turns for one question or prompt.
#[component]
pub(crate) fn SlotEditor(interview: Uuid, at: Slot, question: String, main: bool, focus_group: bool) -> impl IntoView {
    let slot = at;
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let answer = move |f: fn(&Answer) -> String| {
        Memo::new(move |_| {
            study.with(|d| d.interview(interview).and_then(|i| i.answer(slot)).map(f).unwrap_or_default())
        })
    };
    // None until the question is touched: "not yet asked".
    let state =
        Memo::new(move |_| study.with(|d| d.interview(interview).and_then(|i| i.answer(slot)).map(|a| a.state)));
    let flags = Memo::new(move |_| {
        study.with(|d| d.interview(interview).and_then(|i| i.answer(slot)).map(|a| a.flags.clone()).unwrap_or_default())
    });
    let edit = move |e: InterviewEdit| study.edit(|d, now| d.edit_interview(interview, e, now)).map(drop);
    let act = move |e: InterviewEdit| {
        if let Err(err) = edit(e) {
            ctx.error(err)
        }
    };
    let turn_ids = Memo::new(move |_| {
        study.with(|d| {
            d.interview(interview)
                .and_then(|i| i.answer(slot))
                .map(|a| a.turns.iter().map(|t| t.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    });
    let speakers = study.untracked(|d| {
        let mut s: Vec<(Speaker, String)> = d
            .interview(interview)
            .map(|i| {
                i.participant_ids
                    .iter()
                    .filter_map(|p| d.participant(*p))
                    .map(|p| (Speaker::Participant(p.id), p.pseudonym.clone()))
                    .collect()
            })
            .unwrap_or_default();
        s.push((Speaker::Interviewer, "Interviewer".into()));
        s
    });
    let speaker_name = move |speaker: &Speaker| {
        study.with(|d| match speaker {
            Speaker::Participant(p) => d.participant(*p).map(|p| p.pseudonym.clone()).unwrap_or_default(),
            Speaker::Interviewer => "Interviewer".into(),
            Speaker::Other(name) => name.clone(),
        })
    };
    let label = question.clone();
    let notes_label = format!("Notes: {}", question.trim());
    view! {
        <div class=if main { "slot main" } else { "slot prompt" } role="group" aria-label=label>
            <p class=if main { "question-text" } else { "prompt-text" }>{if main { question.clone() } else { format!("Prompt: {question}") }}</p>
            <div class="row wrap answer-state" role="group" aria-label=format!("Was it asked? {label}")>
                <span class="state-caption">{move || match state.get() {
                    None => "Not yet asked",
                    Some(AnswerState::Asked) => "Asked",
                    Some(AnswerState::NotAsked) => "Not asked",
                    Some(AnswerState::Skipped) => "Skipped",
                }}</span>
                {[(AnswerState::Asked, "Asked"), (AnswerState::NotAsked, "Not asked"), (AnswerState::Skipped, "Skipped")].map(|(s, text)| view! {
                    <button class="toggle" aria-pressed=move || if state.get() == Some(s) { "true" } else { "false" }
                        on:click=move |_| act(InterviewEdit::State { slot, state: s })>{text}</button>
                }).collect_view()}
            </div>
            <div class="row wrap flags" role="group" aria-label=format!("Flags: {}", question.clone())>
                {Flag::ALL.map(|f| view! {
                    <button class="toggle flag" aria-pressed=move || if flags.with(|x| x.contains(&f)) { "true" } else { "false" }
                        on:click=move |_| act(InterviewEdit::ToggleFlag { slot, flag: f })>{f.label()}</button>
                }).collect_view()}
            </div>
            // Notes can be taken until the question is marked not asked or skipped.
            <Show when=move || matches!(state.get(), None | Some(AnswerState::Asked))>
                {if focus_group {
                    let speakers = speakers.clone();
                    view! {
                        <ol class="turns">
                            <For each=move || turn_ids.get() key=|t| *t let:turn>
                                {
                                    let who = Memo::new(move |_| study.with(|d| d.interview(interview).and_then(|i| i.answer(slot))
                                        .and_then(|a| a.turns.iter().find(|t| t.id == turn)).map(|t| speaker_name(&t.speaker)).unwrap_or_default()));
                                    let text = Memo::new(move |_| study.with(|d| d.interview(interview).and_then(|i| i.answer(slot))
                                        .and_then(|a| a.turns.iter().find(|t| t.id == turn)).map(|t| t.text.clone()).unwrap_or_default()));
                                    view! {
                                        <li class="turn">
                                            <TextField label=Signal::derive(move || format!("{} said", who.get())) multiline=true value=text
                                                on_edit=move |t| edit(InterviewEdit::TurnText { slot, turn, text: t })/>
                                            <button class="secondary" on:click=move |_| {
                                                let message = format!("{}'s turn removed.", who.get_untracked());
                                                let outcome = study.edit_undoable(&message, |d| d.interview_objects(interview),
                                                    |d, now| d.edit_interview(interview, InterviewEdit::RemoveTurn { slot, turn }, now));
                                                if let Err(e) = outcome { ctx.error(e) }
                                            }>"Remove turn"</button>
                                        </li>
                                    }
                                }
                            </For>
                        </ol>
                        <p class="small muted">"Tap who speaks next:"</p>
                        <div class="row wrap speakers">
                            {speakers.into_iter().map(|(speaker, name)| {
                                let speaker2 = speaker.clone();
                                view! {
                                    <button class="secondary" on:click=move |_| {
                                        let turn = Uuid::new_v4();
                                        act(InterviewEdit::AddTurn { slot, id: turn, speaker: speaker2.clone(), text: String::new() });
                                        focus_last_turn();
                                    }>{format!("+ {name}")}</button>
                                }
                            }).collect_view()}
                        </div>
                        <TextField label=notes_label.clone() multiline=true value=answer(|a| a.text.clone())
                            on_edit=move |t| edit(InterviewEdit::Notes { slot, text: t })/>
                    }.into_any()
                } else {
                    view! {
                        <TextField label=notes_label.clone() multiline=true value=answer(|a| a.text.clone())
                            on_edit=move |t| edit(InterviewEdit::Notes { slot, text: t })/>
                    }.into_any()
                }}
            </Show>
        </div>
    }
    .into_any()
}

/// Puts the cursor in the newest speaker turn, so the researcher can type at once.
pub(crate) fn focus_last_turn() {
    let focus = wasm_bindgen::closure::Closure::once_into_js(|| {
        // The speaker button just tapped is still focused: find its question's turn list.
        let document = web_sys::window().and_then(|w| w.document());
        let textarea = document
            .and_then(|d| d.active_element())
            .and_then(|button| button.closest(".slot").ok().flatten())
            .and_then(|slot| slot.query_selector(".turns > li:last-child textarea").ok().flatten());
        if let Some(el) = textarea.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(focus.unchecked_ref(), 30);
    }
}

/// Paste or upload a transcript; "Name: text" lines become speaker turns.
#[component]
pub(crate) fn TranscriptPanel(interview: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let pasted = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let store = move |study: StudyCtx, text: String, name: String| {
        match study.edit(|d, now| d.set_transcript(interview, text, name, now)) {
            Ok(_) => {
                // May run after an upload finished on a page the user has left.
                let _ = error.try_set(None);
                let _ = pasted.try_set(String::new());
                ctx.info("Transcript saved and split into speaker turns.");
            }
            Err(e) => drop(error.try_set(Some(e))),
        }
    };
    let use_pasted = move |_| match check_pasted_text(&pasted.get_untracked()) {
        Ok(text) => store(study, text, String::new()),
        Err(e) => error.set(Some(e.to_string())),
    };
    let upload = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        spawn_local(async move {
            match browser::read_text_upload(&file).await {
                Ok((text, note)) => {
                    store(study, text, file.name());
                    for line in note {
                        ctx.note(line);
                    }
                }
                Err(e) => drop(error.try_set(Some(e))),
            }
        });
    };
    // A Memo: typing notes changes the interview but not its transcript, which then
    // is not drawn again.
    let summary = Memo::new(move |_| {
        study.with(|d| {
            d.interview(interview).and_then(|i| i.transcript.as_ref()).map(|t| {
                let turns: Vec<(String, String)> = t
                    .turns
                    .iter()
                    .map(|turn| {
                        let who = match &turn.speaker {
                            Speaker::Participant(p) => {
                                d.participant(*p).map(|p| p.pseudonym.clone()).unwrap_or_default()
                            }
                            Speaker::Interviewer => "Interviewer".into(),
                            Speaker::Other(name) => name.clone(),
                        };
                        (who, turn.text.clone())
                    })
                    .collect();
                let source = if t.source_name.is_empty() { "pasted text".to_string() } else { t.source_name.clone() };
                (source, turns)
            })
        })
    });
    let paste_id = field_id("paste");
    view! {
        <section class="panel">
            <h2>"Transcript"</h2>
            {move || summary.get().map(|(source, turns)| view! {
                <p>{format!("From {source}: {} speaker turns.", turns.len())}</p>
                <details>
                    <summary>"Show the turns"</summary>
                    <ol class="transcript">
                        {turns.into_iter().map(|(who, text)| view! { <li><strong>{who}</strong>": " <span dir="auto">{text}</span></li> }).collect_view()}
                    </ol>
                </details>
            })}
            <div class="field">
                <label for=paste_id.clone()>"Paste a transcript (lines like “Name: what they said”)"</label>
                <textarea id=paste_id rows="6" prop:value=move || pasted.get() on:input=move |ev| pasted.set(event_target_value(&ev))></textarea>
            </div>
            <div class="row wrap">
                <button class="secondary" on:click=use_pasted>"Use pasted text"</button>
                <label class="button secondary file-button">
                    "Upload a transcript (.txt, .docx, .odt, .html)"
                    <input type="file" accept=browser::TEXT_UPLOADS class="visually-hidden" on:change=upload/>
                </label>
            </div>
            <Show when=move || error.with(|e| e.is_some())>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </Show>
        </section>
    }
    .into_any()
}
