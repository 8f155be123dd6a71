//! Stakeholder surveys, researcher side: the list and templates, a survey's page
//! (handing the tablet to a participant, responses, downloads), the builder, and
//! one response with its corrections.
//!
//! Every change goes through `StudyData::edit_survey`, which starts a new version on
//! the first change to a version responses have used.

use fieldkit_core::storage::store::{Store as _, WriteOp};
use fieldkit_core::study::plural;
use fieldkit_core::surveys::builder::{
    Clause, ClauseOp, Combine, clauses_of, condition_from_clauses, suggest_question_name,
};
use fieldkit_core::surveys::participant_lock::ParticipantLock;
use fieldkit_core::surveys::pin::{PIN_KEY, PinHash, check_new_pin};
use fieldkit_core::surveys::*;
use fieldkit_core::surveys::{
    SURVEY_TEMPLATES, SurveyEdit, WELSH, agreement_scale, answer_words, questions_before, visible_questions,
};
use fieldkit_core::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::StudyCtx;
use crate::browser;
use crate::screens::question_input::QuestionInput;
use crate::screens::respond::enter_full_screen;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, CheckField, SelectField, TextField, field_id};

fn edit(study: StudyCtx, survey: Uuid, e: SurveyEdit) -> Result<(), String> {
    study.edit(|d, now| d.edit_survey(survey, e, now)).map(drop)
}

fn param_id(name: &'static str) -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get(name).and_then(|v| Uuid::parse_str(&v).ok())))
}

fn respondent(d: &StudyData, r: &Response) -> String {
    match r.participant_id {
        Some(p) => d.participant(p).map(|p| p.pseudonym.clone()).unwrap_or_else(|| "(removed participant)".into()),
        None => "Anonymous".into(),
    }
}

fn status_label(s: ResponseStatus) -> &'static str {
    match s {
        ResponseStatus::InProgress => "In progress",
        ResponseStatus::Complete => "Complete",
    }
}

// ---------------------------------------------------------------------------
// The list
// ---------------------------------------------------------------------------

#[component]
pub fn SurveysTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.data.with(|d| {
            d.surveys
                .iter()
                .map(|s| {
                    let all: Vec<&Response> = d.responses_to(s.id).collect();
                    let done = all.iter().filter(|r| r.status == ResponseStatus::Complete).count();
                    (s.id, s.name.clone(), s.version, s.languages.join(", "), done, all.len() - done)
                })
                .collect::<Vec<_>>()
        })
    };
    let create_nav = navigate.clone();
    let create_base = base.clone();
    let create = move |name: String| {
        let id = study.edit(|d, now| d.add_survey(&name, now).map(|id| (id, ObjectRef::Survey(id))))?.0;
        create_nav(&format!("{create_base}/surveys/{id}/edit"), Default::default());
        Ok(())
    };
    let template_base = base.clone();
    let from_template = move |key: &'static str| match study
        .edit(|d, now| d.add_survey_from_template(key, now).map(|id| (id, ObjectRef::Survey(id))))
    {
        Ok((id, _)) => navigate(&format!("{template_base}/surveys/{id}"), Default::default()),
        Err(e) => ctx.error(e),
    };
    view! {
        <section class="panel">
            <h2>"Stakeholder surveys"</h2>
            <p class="muted">"Participants fill these in themselves on this tablet, in a locked participant mode."</p>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    return view! { <p class="empty">"No surveys yet. Start from the template below or from scratch."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <ul class="cards" aria-label="Surveys">
                        {rows.into_iter().map(|(id, name, version, languages, done, open)| view! {
                            <li class="card">
                                <A href=format!("{base}/surveys/{id}")><span class="card-title">{name}</span></A>
                                <p class="muted">{format!("Version {version} · languages: {languages}")}</p>
                                <p class="muted small">{format!("{} complete, {} in progress", done, open)}</p>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="panel">
            <h2>"New survey"</h2>
            {SURVEY_TEMPLATES.iter().map(|t| {
                let key = t.key;
                let from_template = from_template.clone();
                view! {
                    <div class="template">
                        <h3>{t.name}</h3>
                        <p>{t.summary}</p>
                        <button on:click=move |_| from_template(key)>{format!("Use “{}”", t.name)}</button>
                    </div>
                }
            }).collect_view()}
            <AddByName label="Or a blank survey called" button="Create survey" on_add=create/>
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// One survey: hand over, responses, downloads
// ---------------------------------------------------------------------------

#[component]
pub fn SurveyScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let survey_id = param_id("survey");
    let base = format!("/study/{}", study.id());
    let exists = Memo::new(move |_| survey_id.get().is_some_and(|id| study.data.with(|d| d.survey(id).is_some())));
    let header = Memo::new(move |_| {
        survey_id.get().and_then(|id| {
            study.data.with(|d| d.survey(id).map(|s| (s.name.clone(), s.version, s.languages.join(", "))))
        })
    });
    let delete = move |_| {
        let Some(id) = survey_id.get_untracked() else { return };
        let name = header.get_untracked().map(|h| h.0).unwrap_or_default();
        let navigate = navigate.clone();
        let list = format!("/study/{}/surveys", study.id());
        ctx.ask(Confirm {
            title: format!("Delete “{name}”?"),
            body: "The survey and all its versions are deleted. A survey with responses cannot be deleted.".into(),
            action: "Delete survey".into(),
            on_confirm: Box::new(move || match study.remove(|d| d.delete_survey(id)) {
                Ok(()) => navigate(&list, Default::default()),
                Err(e) => ctx.error(e),
            }),
        });
    };
    view! {
        <Show when=move || exists.get() fallback=|| view! { <p class="empty">"This survey is not in the study."</p> }>
            {
                let base = base.clone();
                let delete = delete.clone();
                move || survey_id.get().map(|survey| view! {
                    <section class="panel">
                        <p class="crumbs"><A href=format!("{base}/surveys")>"Surveys"</A></p>
                        <h2>{move || header.get().map(|h| h.0)}</h2>
                        <p class="muted">{move || header.get().map(|h| format!("Version {} · languages: {}", h.1, h.2))}</p>
                        <div class="row wrap">
                            <A href=format!("{base}/surveys/{survey}/edit") attr:class="button secondary">"Edit questions"</A>
                            <button class="secondary" on:click=delete.clone()>"Delete survey…"</button>
                        </div>
                    </section>
                    <HandOver survey=survey/>
                    <Responses survey=survey/>
                    <Downloads survey=survey/>
                })
            }
        </Show>
    }
    .into_any()
}

/// Random bytes for a PIN's salt: two v4 UUIDs come from the browser's crypto RNG.
fn salt() -> Vec<u8> {
    let mut bytes = Uuid::new_v4().as_bytes().to_vec();
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    bytes
}

/// Locks the tablet into participant mode for this lock; sets the PIN first if needed.
async fn lock_tablet(ctx: crate::app::Ctx, new_pin: Option<String>, lock: ParticipantLock) -> Result<(), String> {
    let repo = ctx.repo().ok_or("Storage is not open.")?;
    if let Some(pin) = new_pin {
        let record = PinHash::new(&pin, &salt()).to_record();
        repo.store().apply(vec![WriteOp::Put(record)]).await.map_err(|e| e.to_string())?;
    }
    ctx.set_lock(Some(lock)).await
}

/// Starting (or continuing) a response in participant mode.
#[component]
fn HandOver(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let case = RwSignal::new(study.data.with_untracked(|d| d.cases.first().map(|c| c.id)));
    let participant = RwSignal::new(None::<Uuid>);
    let has_pin = RwSignal::new(None::<bool>);
    let pin = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    if let Some(repo) = ctx.repo() {
        spawn_local(async move {
            let found = repo.store().get(PIN_KEY).await.map(|r| r.is_some()).unwrap_or(false);
            let _ = has_pin.try_set(Some(found));
        });
    }
    let case_options = Signal::derive(move || {
        study.data.with(|d| {
            std::iter::once((String::new(), "Choose a case".to_string()))
                .chain(d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())))
                .collect::<Vec<_>>()
        })
    });
    let people = Signal::derive(move || {
        let Some(c) = case.get() else { return vec![(String::new(), "Anonymous respondent".to_string())] };
        study.data.with(|d| {
            std::iter::once((String::new(), "Anonymous respondent".to_string()))
                .chain(
                    d.participants_of_case(c)
                        .filter(|p| !p.consent.withdrawn)
                        .map(|p| (p.id.to_string(), p.pseudonym.clone())),
                )
                .collect::<Vec<_>>()
        })
    });
    let start = move |_| {
        let Some(case_id) = case.get_untracked() else {
            error.set(Some("Choose the case this respondent belongs to.".into()));
            return;
        };
        let empty = study
            .data
            .with_untracked(|d| d.survey(survey).is_none_or(|s| s.pages.iter().all(|p| p.questions.is_empty())));
        if empty {
            error.set(Some(ValidationError::EmptySurvey.to_string()));
            return;
        }
        let new_pin = if has_pin.get_untracked() == Some(true) {
            None
        } else {
            if let Err(e) = check_new_pin(&pin.get_untracked(), &again.get_untracked()) {
                error.set(Some(e.to_string()));
                return;
            }
            Some(pin.get_untracked())
        };
        error.set(None);
        study.flush();
        enter_full_screen();
        let lock = ParticipantLock {
            study_id: study.id(),
            survey_id: survey,
            case_id,
            participant_id: participant.get_untracked(),
            response_id: None,
            locked_at: browser::now(),
        };
        spawn_local(async move {
            if let Err(e) = lock_tablet(ctx, new_pin, lock).await {
                ctx.error(format!("Participant mode could not start: {e}"));
            }
        });
    };
    view! {
        <section class="panel">
            <h2>"Hand the tablet to a participant"</h2>
            <p class="muted">"The tablet then shows only this survey, full screen, until you enter your PIN."</p>
            <div class="grid2">
                <SelectField label="Case" options=case_options
                    value=Signal::derive(move || case.get().map(|c| c.to_string()).unwrap_or_default())
                    on_edit=move |v| { case.set(Uuid::parse_str(&v).ok()); participant.set(None); Ok(()) }/>
                <SelectField label="Respondent" options=people
                    value=Signal::derive(move || participant.get().map(|c| c.to_string()).unwrap_or_default())
                    on_edit=move |v| { participant.set(Uuid::parse_str(&v).ok()); Ok(()) }/>
            </div>
            <Show when=move || has_pin.get() == Some(false)>
                <fieldset>
                    <legend>"Set your researcher PIN (first time on this tablet)"</legend>
                    <p class="hint">"4 to 8 digits. Only you should know it: it is the way out of participant mode. It is stored only as a salted hash."</p>
                    <div class="grid2">
                        <div class="field">
                            <label for="new-pin">"New PIN"</label>
                            <input id="new-pin" type="password" inputmode="numeric" autocomplete="new-password"
                                prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
                        </div>
                        <div class="field">
                            <label for="new-pin-again">"The same PIN again"</label>
                            <input id="new-pin-again" type="password" inputmode="numeric" autocomplete="new-password"
                                prop:value=move || again.get() on:input=move |ev| again.set(event_target_value(&ev))/>
                        </div>
                    </div>
                </fieldset>
            </Show>
            <p class="field-error" role="alert" hidden=move || error.with(|e| e.is_none())>{move || error.get()}</p>
            <button class="big" on:click=start disabled=move || has_pin.get().is_none()>"Start participant mode"</button>
        </section>
    }
    .into_any()
}

#[component]
fn Responses(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let base = format!("/study/{}/surveys/{survey}/responses", study.id());
    let rows = Memo::new(move |_| {
        study.data.with(|d| {
            d.responses_to(survey)
                .map(|r| {
                    (
                        r.id,
                        r.status,
                        d.case_name(Some(r.case_id)).to_string(),
                        respondent(d, r),
                        r.language.clone(),
                        r.survey_version,
                        browser::local_time(r.started),
                        r.completed.map(browser::local_time).unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let resume = move |response: Uuid| {
        let Some((case_id, participant_id)) =
            study.data.with_untracked(|d| d.response(response).map(|r| (r.case_id, r.participant_id)))
        else {
            return;
        };
        study.flush();
        enter_full_screen();
        let lock = ParticipantLock {
            study_id: study.id(),
            survey_id: survey,
            case_id,
            participant_id,
            response_id: Some(response),
            locked_at: browser::now(),
        };
        spawn_local(async move {
            let has_pin = match ctx.repo() {
                Some(repo) => repo.store().get(PIN_KEY).await.map(|r| r.is_some()).unwrap_or(false),
                None => false,
            };
            if !has_pin {
                ctx.error("Set your researcher PIN first (Start participant mode, above).");
                return;
            }
            if let Err(e) = ctx.set_lock(Some(lock)).await {
                ctx.error(format!("Participant mode could not start: {e}"));
            }
        });
    };
    view! {
        <section class="panel">
            <h2>"Responses"</h2>
            {move || {
                let rows = rows.get();
                if rows.is_empty() {
                    return view! { <p class="empty">"No responses yet."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <div class="table-scroll">
                        <table class="list" aria-label="Responses">
                            <thead><tr>
                                <th scope="col">"Respondent"</th><th scope="col">"Case"</th><th scope="col">"Status"</th>
                                <th scope="col">"Language"</th><th scope="col">"Version"</th>
                                <th scope="col">"Started"</th><th scope="col">"Finished"</th><th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|(id, status, case, who, language, version, started, completed)| view! {
                                    <tr>
                                        <td><A href=format!("{base}/{id}")>{who}</A></td>
                                        <td>{case}</td><td>{status_label(status)}</td><td>{language}</td>
                                        <td>{version}</td><td>{started}</td><td>{completed}</td>
                                        <td>{(status == ResponseStatus::InProgress).then(|| view! {
                                            <button class="secondary" on:click=move |_| resume(id)>"Continue in participant mode"</button>
                                        })}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn Downloads(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let download = move |what: &'static str| {
        let outcome = study.data.with_untracked(|d| {
            let stem = format!(
                "{}-{}",
                browser::file_stem(&d.study.title),
                browser::file_stem(d.survey(survey).map(|s| s.name.as_str()).unwrap_or("survey"))
            );
            let csv = "text/csv;charset=utf-8";
            match what {
                "wide" => browser::download_bytes(
                    &format!("{stem}-responses-wide.csv"),
                    csv,
                    &fieldkit_core::surveys::export::responses_wide_csv(d, survey)?,
                ),
                "long" => browser::download_bytes(
                    &format!("{stem}-responses-long.csv"),
                    csv,
                    &fieldkit_core::surveys::export::responses_long_csv(d, survey)?,
                ),
                "codebook" => browser::download_bytes(
                    &format!("{stem}-codebook.csv"),
                    csv,
                    &fieldkit_core::surveys::export::responses_codebook_csv(d, survey)?,
                ),
                _ => {
                    // The workbook is written in a web worker; the download starts when it answers.
                    let book = fieldkit_core::surveys::export::responses_workbook(d, survey)?;
                    browser::download_when_ready(
                        ctx,
                        format!("{stem}-responses.xlsx"),
                        browser::XLSX_MIME,
                        async move { browser::xlsx(&book).await },
                    );
                    Ok(())
                }
            }
        });
        if let Err(e) = outcome {
            ctx.error(format!("The export failed: {e}"));
        }
    };
    view! {
        <section class="panel">
            <h2>"Download responses"</h2>
            <p class="muted">"Complete and in-progress responses, with case attributes and respondents' pseudonyms. The README lists every column."</p>
            <div class="row wrap">
                <button class="secondary" on:click=move |_| download("wide")>"Wide CSV (one row per response)"</button>
                <button class="secondary" on:click=move |_| download("long")>"Long CSV (one row per answer)"</button>
                <button class="secondary" on:click=move |_| download("codebook")>"Codebook CSV"</button>
                <button class="secondary" on:click=move |_| download("xlsx")>"Excel workbook (XLSX)"</button>
            </div>
        </section>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// One response, and corrections
// ---------------------------------------------------------------------------

#[component]
pub fn ResponseScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let survey_id = param_id("survey");
    let response_id = param_id("response");
    let base = format!("/study/{}/surveys", study.id());
    let meta = Memo::new(move |_| {
        let id = response_id.get()?;
        study.data.with(|d| {
            let r = d.response(id)?;
            Some((
                respondent(d, r),
                d.case_name(Some(r.case_id)).to_string(),
                status_label(r.status),
                r.language.clone(),
                r.survey_version,
                browser::local_time(r.started),
                r.completed.map(browser::local_time),
                r.status == ResponseStatus::Complete,
            ))
        })
    });
    // (question id, page title) of the questions shown for this response, in order.
    let questions = Memo::new(move |_| {
        let Some(id) = response_id.get() else { return Vec::new() };
        study.data.with(|d| {
            let Some(r) = d.response(id) else { return Vec::new() };
            let Some(pages) = d.response_pages(r) else { return Vec::new() };
            let shown = visible_questions(pages, &r.answers);
            pages
                .iter()
                .flat_map(|p| p.questions.iter())
                .filter(|q| shown.contains(&q.id) && !matches!(q.kind, QuestionKind::Info))
                .map(|q| q.id)
                .collect::<Vec<_>>()
        })
    });
    let corrections = Memo::new(move |_| {
        response_id
            .get()
            .and_then(|id| study.data.with(|d| d.response(id).map(|r| r.corrections.clone())))
            .unwrap_or_default()
    });
    let corrector = RwSignal::new(String::new());
    view! {
        <section class="panel">
            <p class="crumbs">
                <A href=base.clone()>"Surveys"</A>" › "
                {move || survey_id.get().map(|s| view! { <A href=format!("{base}/{s}")>"Survey"</A> })}
            </p>
            {move || match meta.get() {
                None => view! { <p class="empty">"This response is not in the study."</p> }.into_any(),
                Some((who, case, status, language, version, started, completed, _)) => view! {
                    <h2>{format!("Response: {who}")}</h2>
                    <dl class="facts">
                        <dt>"Case"</dt><dd>{case}</dd>
                        <dt>"Status"</dt><dd>{status}</dd>
                        <dt>"Language"</dt><dd>{language}</dd>
                        <dt>"Survey version"</dt><dd>{version}</dd>
                        <dt>"Started"</dt><dd>{started}</dd>
                        <dt>"Finished"</dt><dd>{completed.unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                }.into_any(),
            }}
        </section>
        <section class="panel">
            <h2>"Answers"</h2>
            <Show when=move || meta.get().is_some_and(|m| m.7)>
                <TextField label="Your name (recorded with each correction)" value=Signal::derive(move || corrector.get())
                    on_edit=move |t| { corrector.set(t); Ok(()) }/>
            </Show>
            <ol class="answers">
                <For each=move || questions.get() key=|id| *id let:qid>
                    <AnswerRow response=response_id qid=qid corrector=corrector complete=Signal::derive(move || meta.get().is_some_and(|m| m.7))/>
                </For>
            </ol>
        </section>
        <section class="panel">
            <h2>"Corrections"</h2>
            {move || {
                let list = corrections.get();
                if list.is_empty() {
                    return view! { <p class="empty">"None."</p> }.into_any();
                }
                view! {
                    <ul class="plain corrections">
                        {list.into_iter().map(|c| view! {
                            <li><strong>{browser::local_time(c.at)}" · "{c.by}</strong>": "{c.what}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}

#[component]
fn AnswerRow(
    response: Memo<Option<Uuid>>,
    qid: Uuid,
    corrector: RwSignal<String>,
    complete: Signal<bool>,
) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let question = Memo::new(move |_| {
        let id = response.get()?;
        study.data.with(|d| {
            d.response(id)
                .and_then(|r| d.response_pages(r))
                .and_then(|p| fieldkit_core::surveys::question(p, qid))
                .cloned()
        })
    });
    let answer = Memo::new(move |_| {
        let id = response.get()?;
        study.data.with(|d| d.response(id).and_then(|r| r.answers.get(&qid).cloned()))
    });
    let editing = RwSignal::new(false);
    let staged = RwSignal::new(None::<AnswerValue>);
    let save = move |_| {
        let Some(id) = response.get_untracked() else { return };
        let by = corrector.get_untracked();
        match study.edit(|d, now| d.correct_response(id, qid, staged.get_untracked(), &by, now)) {
            Ok(_) => {
                editing.set(false);
                ctx.info("Correction saved.");
            }
            Err(e) => ctx.error(e),
        }
    };
    view! {
        <li class="answer">
            {move || question.get().map(|q| {
                let words = answer_words(Some(&q), answer.get().as_ref());
                view! {
                    <p class="answer-label">{q.label.get(DEFAULT_LANGUAGE).0.to_string()}<span class="muted small">{format!(" ({})", q.name)}</span></p>
                    <p class="answer-value">{words}</p>
                }
            })}
            <Show when=move || complete.get() && !editing.get()>
                <button class="secondary" on:click=move |_| { staged.set(answer.get_untracked()); editing.set(true); }>"Correct…"</button>
            </Show>
            <Show when=move || editing.get()>
                {move || question.get_untracked().map(|q| view! {
                    <div class="correction">
                        <QuestionInput question=q language=DEFAULT_LANGUAGE.to_string() value=Signal::derive(move || staged.get())
                            problem=Signal::derive(|| None::<String>) on_change=move |v| staged.set(v)/>
                        <div class="row">
                            <button class="secondary" on:click=move |_| editing.set(false)>"Cancel"</button>
                            <button on:click=save>"Save correction"</button>
                        </div>
                    </div>
                })}
            </Show>
        </li>
    }
    .into_any()
}

// ---------------------------------------------------------------------------
// The builder
// ---------------------------------------------------------------------------

/// One value read from a survey's current version, passed on only when it changes.
fn survey_memo<T>(study: StudyCtx, survey: Uuid, read: impl Fn(&Survey) -> T + Send + Sync + 'static) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.data.with(|d| d.survey(survey).map(&read).unwrap_or_default()))
}

fn question_memo<T>(
    study: StudyCtx,
    survey: Uuid,
    q: Uuid,
    read: impl Fn(&Question) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.data.with(|d| d.survey(survey).and_then(|s| s.question(q)).map(&read).unwrap_or_default()))
}

/// An English field and, when the survey offers Welsh, a Welsh one.
#[component]
fn Translated<F>(
    #[prop(into)] label: String,
    text: Memo<Text>,
    welsh: Memo<bool>,
    on_edit: F,
    #[prop(optional)] multiline: bool,
) -> impl IntoView
where
    F: Fn(&str, String) -> Result<(), String> + Clone + Send + Sync + 'static,
{
    let en_edit = on_edit.clone();
    let cy_edit = on_edit;
    let cy_label = format!("{label} (Welsh)");
    view! {
        <TextField label=label multiline=multiline
            value=Signal::derive(move || text.with(|t| t.0.get(DEFAULT_LANGUAGE).cloned().unwrap_or_default()))
            on_edit=move |t| en_edit(DEFAULT_LANGUAGE, t)/>
        <Show when=move || welsh.get()>
            {
                let cy_edit = cy_edit.clone();
                let cy_label = cy_label.clone();
                view! {
                    <TextField label=cy_label multiline=multiline hint="Left blank, participants who chose Welsh see the English text, marked as English."
                        value=Signal::derive(move || text.with(|t| t.0.get(WELSH).cloned().unwrap_or_default()))
                        on_edit=move |t| cy_edit(WELSH, t)/>
                }
            }
        </Show>
    }
}

const KINDS: [(&str, &str); 11] = [
    ("single", "Single choice"),
    ("multiple", "Multiple choice"),
    ("likert5", "Likert statements, 5-point scale"),
    ("likert7", "Likert statements, 7-point scale"),
    ("rating", "Rating (1 to 5)"),
    ("number", "Number"),
    ("short", "Short text"),
    ("long", "Long text"),
    ("date", "Date"),
    ("yes_no", "Yes / no"),
    ("info", "Information text (no answer)"),
];

fn new_kind(key: &str) -> QuestionKind {
    match key {
        "single" => QuestionKind::SingleChoice { options: Vec::new() },
        "multiple" => QuestionKind::MultipleChoice { options: Vec::new() },
        "likert5" => QuestionKind::Likert { points: 5, scale: agreement_scale(5), items: Vec::new() },
        "likert7" => QuestionKind::Likert { points: 7, scale: agreement_scale(7), items: Vec::new() },
        "rating" => QuestionKind::Rating { max: 5 },
        "number" => QuestionKind::Number { min: None, max: None, integer: false },
        "short" => QuestionKind::ShortText { max_length: Some(200) },
        "date" => QuestionKind::Date,
        "yes_no" => QuestionKind::YesNo,
        "info" => QuestionKind::Info,
        _ => QuestionKind::LongText { max_length: None },
    }
}

fn kind_label(kind: &QuestionKind) -> &'static str {
    match kind {
        QuestionKind::SingleChoice { .. } => "Single choice",
        QuestionKind::MultipleChoice { .. } => "Multiple choice",
        QuestionKind::Likert { .. } => "Likert statements",
        QuestionKind::Rating { .. } => "Rating",
        QuestionKind::Number { .. } => "Number",
        QuestionKind::ShortText { .. } => "Short text",
        QuestionKind::LongText { .. } => "Long text",
        QuestionKind::Date => "Date",
        QuestionKind::YesNo => "Yes / no",
        QuestionKind::Info => "Information text",
    }
}

#[component]
pub fn SurveyBuilder() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let survey_id = param_id("survey");
    let base = format!("/study/{}/surveys", study.id());
    view! {
        {move || match survey_id.get().filter(|id| study.data.with_untracked(|d| d.survey(*id).is_some())) {
            None => view! { <p class="empty">"This survey is not in the study."</p> }.into_any(),
            Some(survey) => view! { <Builder survey=survey base=base.clone()/> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
fn Builder(survey: Uuid, base: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let name = survey_memo(study, survey, |s| s.name.clone());
    let description = survey_memo(study, survey, |s| s.description.clone());
    let welsh = survey_memo(study, survey, |s| s.languages.iter().any(|l| l == WELSH));
    let pages = survey_memo(study, survey, |s| s.pages.iter().map(|p| p.id).collect::<Vec<_>>());
    let version_note = Memo::new(move |_| {
        study.data.with(|d| {
            let s = d.survey(survey)?;
            let used = d.responses_to(survey).filter(|r| r.survey_version == s.version).count();
            Some(if used > 0 {
                format!(
                    "Version {}. {} answered this version, so your next change starts version {}; their answers keep the questions they saw.",
                    s.version,
                    plural(used, "response", "responses"),
                    s.version + 1
                )
            } else {
                format!("Version {}. No responses use it yet: changes apply to it directly.", s.version)
            })
        })
    });
    let add_page = move |_| {
        if let Err(e) = edit(study, survey, SurveyEdit::AddPage { id: Uuid::new_v4() }) {
            ctx.error(e);
        }
    };
    view! {
        <section class="panel">
            <p class="crumbs"><A href=base.clone()>"Surveys"</A>" › "<A href=format!("{base}/{survey}")>{move || name.get()}</A></p>
            <h2>"Edit survey"</h2>
            <p class="notice-inline" role="status">{move || version_note.get()}</p>
            <TextField label="Survey name" value=Signal::derive(move || name.get())
                on_edit=move |t| edit(study, survey, SurveyEdit::Name(t))/>
            <Translated label="Introduction shown to participants" text=description welsh=welsh multiline=true
                on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::Description { language: l.to_string(), text: t })/>
            <CheckField label="Offer Welsh (Cymraeg) to participants" checked=Signal::derive(move || welsh.get())
                on_edit=move |on| edit(study, survey, if on { SurveyEdit::AddLanguage(WELSH.into()) } else { SurveyEdit::RemoveLanguage(WELSH.into()) })/>
        </section>
        <For each=move || pages.get() key=|id| *id let:page>
            <PageEditor survey=survey page=page welsh=welsh/>
        </For>
        <section class="panel">
            <button on:click=add_page>"Add a page"</button>
        </section>
    }
    .into_any()
}

#[component]
fn PageEditor(survey: Uuid, page: Uuid, welsh: Memo<bool>) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let position = survey_memo(study, survey, move |s| s.pages.iter().position(|p| p.id == page).map_or(0, |p| p + 1));
    let count = survey_memo(study, survey, |s| s.pages.len());
    let title = survey_memo(study, survey, move |s| {
        s.pages.iter().find(|p| p.id == page).map(|p| p.title.clone()).unwrap_or_default()
    });
    let condition =
        survey_memo(study, survey, move |s| s.pages.iter().find(|p| p.id == page).and_then(|p| p.condition.clone()));
    let questions = survey_memo(study, survey, move |s| {
        s.pages
            .iter()
            .find(|p| p.id == page)
            .map(|p| p.questions.iter().map(|q| q.id).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let act = move |e: SurveyEdit| {
        if let Err(err) = edit(study, survey, e) {
            ctx.error(err);
        }
    };
    let remove = move |_| {
        let n = questions.get_untracked().len();
        ctx.ask(Confirm {
            title: format!("Remove page {}?", position.get_untracked()),
            body: if n == 0 {
                "The page is empty.".into()
            } else {
                format!("Its {} go too.", plural(n, "question", "questions"))
            },
            action: "Remove page".into(),
            on_confirm: Box::new(move || act(SurveyEdit::RemovePage(page))),
        });
    };
    let new_kind_key = RwSignal::new("single".to_string());
    let add_question = move |label: String| {
        let kind = new_kind(&new_kind_key.get_untracked());
        let name = study
            .data
            .with_untracked(|d| d.survey(survey).map(|s| suggest_question_name(&s.pages, &label)).unwrap_or_default());
        edit(study, survey, SurveyEdit::AddQuestion { page, id: Uuid::new_v4(), name, label, kind })
    };
    let kind_options: Vec<(String, String)> = KINDS.iter().map(|(k, l)| (k.to_string(), l.to_string())).collect();
    view! {
        <section class="panel page-editor" aria-label=move || format!("Page {}", position.get())>
            <h2>{move || format!("Page {}", position.get())}</h2>
            <Translated label="Page title" text=title welsh=welsh
                on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::PageTitle { id: page, language: l.to_string(), text: t })/>
            <ConditionEditor survey=survey owner=page condition=condition
                apply=move |c| edit(study, survey, SurveyEdit::PageCondition { id: page, condition: c })/>
            <ol class="question-editors">
                <For each=move || questions.get() key=|id| *id let:q>
                    <QuestionEditor survey=survey question=q welsh=welsh/>
                </For>
            </ol>
            <div class="add-question">
                <SelectField label="Kind of new question" options=kind_options value=Signal::derive(move || new_kind_key.get())
                    on_edit=move |v| { new_kind_key.set(v); Ok(()) }/>
                <AddByName label="New question (English)" button="Add question" on_add=add_question/>
            </div>
            <div class="row wrap">
                <button class="secondary" disabled=move || { position.get() <= 1 } on:click=move |_| act(SurveyEdit::MovePage { id: page, by: -1 })>"Move page up"</button>
                <button class="secondary" disabled=move || { position.get() >= count.get() } on:click=move |_| act(SurveyEdit::MovePage { id: page, by: 1 })>"Move page down"</button>
                <button class="secondary" on:click=remove>"Remove page…"</button>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn QuestionEditor(survey: Uuid, question: Uuid, welsh: Memo<bool>) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let q = question;
    let name = question_memo(study, survey, q, |x| x.name.clone());
    let label = question_memo(study, survey, q, |x| x.label.clone());
    let help = question_memo(study, survey, q, |x| x.help.clone());
    let required = question_memo(study, survey, q, |x| x.required);
    let message = question_memo(study, survey, q, |x| x.required_message.clone());
    let condition = question_memo(study, survey, q, |x| x.condition.clone());
    let kind =
        Memo::new(move |_| study.data.with(|d| d.survey(survey).and_then(|s| s.question(q)).map(|x| x.kind.clone())));
    let act = move |e: SurveyEdit| {
        if let Err(err) = edit(study, survey, e) {
            ctx.error(err);
        }
    };
    let heading = move || {
        let k = kind.with(|k| k.as_ref().map(kind_label).unwrap_or(""));
        format!("{} · {}", name.get(), k)
    };
    view! {
        <li class="question-editor">
            <details>
                <summary>
                    <span class="q-label">{move || label.with(|l| l.get(DEFAULT_LANGUAGE).0.to_string())}</span>
                    <span class="muted small">" — "{heading}</span>
                </summary>
                <Translated label="Question" text=label welsh=welsh
                    on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::QuestionLabel { id: q, language: l.to_string(), text: t })/>
                <Translated label="Help text" text=help welsh=welsh
                    on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::QuestionHelp { id: q, language: l.to_string(), text: t })/>
                <TextField label="Machine name (export column)" value=Signal::derive(move || name.get())
                    hint="Lower-case letters, digits and _; keep it stable once data is collected."
                    on_edit=move |t| edit(study, survey, SurveyEdit::QuestionName { id: q, name: t })/>
                <Show when=move || !matches!(kind.get(), Some(QuestionKind::Info))>
                    <CheckField label="An answer is required" checked=Signal::derive(move || required.get())
                        on_edit=move |on| edit(study, survey, SurveyEdit::Required { id: q, required: on })/>
                </Show>
                <Show when=move || required.get()>
                    <Translated label="Message when it is left empty" text=message welsh=welsh
                        on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::RequiredMessage { id: q, language: l.to_string(), text: t })/>
                </Show>
                <KindEditor survey=survey question=q kind=kind welsh=welsh/>
                <ConditionEditor survey=survey owner=q condition=condition
                    apply=move |c| edit(study, survey, SurveyEdit::QuestionCondition { id: q, condition: c })/>
                <div class="row wrap">
                    <button class="secondary" on:click=move |_| act(SurveyEdit::MoveQuestion { id: q, by: -1 })>"Move up"</button>
                    <button class="secondary" on:click=move |_| act(SurveyEdit::MoveQuestion { id: q, by: 1 })>"Move down"</button>
                    <button class="secondary" on:click=move |_| act(SurveyEdit::RemoveQuestion(q))>"Remove question"</button>
                </div>
            </details>
        </li>
    }
    .into_any()
}

/// A value for an option from its label: lower-case ASCII words joined by `_`, unique.
fn option_value(label: &str, taken: &[String]) -> String {
    let words: Vec<String> = label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let base = if words.is_empty() { format!("option{}", taken.len() + 1) } else { words.join("_") };
    let mut value = base.clone();
    let mut n = 2;
    while taken.contains(&value) {
        value = format!("{base}_{n}");
        n += 1;
    }
    value
}

#[component]
fn KindEditor(survey: Uuid, question: Uuid, kind: Memo<Option<QuestionKind>>, welsh: Memo<bool>) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let q = question;
    let act = move |e: SurveyEdit| {
        if let Err(err) = edit(study, survey, e) {
            ctx.error(err);
        }
    };
    // Which editor to show changes only with the kind's variant, not its contents.
    let shape = Memo::new(move |_| kind.with(|k| k.as_ref().map(kind_label)));
    let options = Memo::new(move |_| {
        kind.with(|k| match k {
            Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }) => {
                options.iter().map(|o| o.value.clone()).collect()
            }
            _ => Vec::new(),
        })
    });
    let items = Memo::new(move |_| {
        kind.with(|k| match k {
            Some(QuestionKind::Likert { items, .. }) => items.iter().map(|i| i.id).collect(),
            _ => Vec::new(),
        })
    });
    let points =
        Memo::new(move |_| kind.with(|k| if let Some(QuestionKind::Likert { points, .. }) = k { *points } else { 0 }));
    let replace_kind = move |f: &dyn Fn(&QuestionKind) -> Option<QuestionKind>| -> Result<(), String> {
        let Some(new) = kind.with_untracked(|k| k.as_ref().and_then(f)) else { return Ok(()) };
        edit(study, survey, SurveyEdit::QuestionKind { id: q, kind: new })
    };
    let number_field = move |label: &'static str,
                             read: fn(&QuestionKind) -> String,
                             write: fn(&QuestionKind, Option<f64>) -> Option<QuestionKind>| {
        view! {
            <TextField label=label value=Signal::derive(move || kind.with(|k| k.as_ref().map(read).unwrap_or_default()))
                on_edit=move |t| {
                    let t = t.trim().to_string();
                    let n = if t.is_empty() { None } else { Some(t.parse::<f64>().map_err(|_| format!("“{t}” is not a number."))?) };
                    replace_kind(&|k| write(k, n))
                }/>
        }
    };
    view! {
        {move || match shape.get() {
            Some("Single choice") | Some("Multiple choice") => view! {
                <fieldset class="sub-editor">
                    <legend>"Options"</legend>
                    <ol>
                        <For each=move || options.get() key=|v| v.clone() let:value>
                            {
                                let v = value.clone();
                                let text = Memo::new(move |_| kind.with(|k| match k {
                                    Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }) =>
                                        options.iter().find(|o| o.value == v).map(|o| o.label.clone()).unwrap_or_default(),
                                    _ => Text::default(),
                                }));
                                let (v1, v2, v3, v4) = (value.clone(), value.clone(), value.clone(), value.clone());
                                view! {
                                    <li class="option-editor">
                                        <p class="muted small">{format!("Value: {value}")}</p>
                                        <Translated label="Option" text=text welsh=welsh
                                            on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::ChoiceLabel { question: q, value: v1.clone(), language: l.to_string(), text: t })/>
                                        <div class="row">
                                            <button class="secondary" on:click=move |_| act(SurveyEdit::MoveChoice { question: q, value: v2.clone(), by: -1 })>"Up"</button>
                                            <button class="secondary" on:click=move |_| act(SurveyEdit::MoveChoice { question: q, value: v3.clone(), by: 1 })>"Down"</button>
                                            <button class="secondary" on:click=move |_| act(SurveyEdit::RemoveChoice { question: q, value: v4.clone() })>"Remove"</button>
                                        </div>
                                    </li>
                                }
                            }
                        </For>
                    </ol>
                    <AddByName label="New option (English)" button="Add option" on_add=move |label| {
                        let value = option_value(&label, &options.get_untracked());
                        edit(study, survey, SurveyEdit::AddChoice { question: q, value, label })
                    }/>
                </fieldset>
            }.into_any(),
            Some("Likert statements") => view! {
                <fieldset class="sub-editor">
                    <legend>"Scale and statements"</legend>
                    <SelectField label="Points on the scale"
                        options=vec![("5".to_string(), "5 points".to_string()), ("7".to_string(), "7 points".to_string())]
                        value=Signal::derive(move || points.get().to_string())
                        on_edit=move |v| {
                            let p: u8 = v.parse().unwrap_or(5);
                            replace_kind(&|k| match k {
                                QuestionKind::Likert { items, .. } => Some(QuestionKind::Likert { points: p, scale: agreement_scale(p), items: items.clone() }),
                                _ => None,
                            })
                        }/>
                    {move || (1..=points.get()).map(|p| {
                        let text = Memo::new(move |_| kind.with(|k| match k {
                            Some(QuestionKind::Likert { scale, .. }) => scale.get(usize::from(p) - 1).cloned().unwrap_or_default(),
                            _ => Text::default(),
                        }));
                        view! {
                            <Translated label=format!("Point {p}") text=text welsh=welsh
                                on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::ScaleLabel { question: q, point: p, language: l.to_string(), text: t })/>
                        }
                    }).collect_view()}
                    <ol>
                        <For each=move || items.get() key=|id| *id let:item>
                            {
                                let text = Memo::new(move |_| kind.with(|k| match k {
                                    Some(QuestionKind::Likert { items, .. }) => items.iter().find(|i| i.id == item).map(|i| i.label.clone()).unwrap_or_default(),
                                    _ => Text::default(),
                                }));
                                let item_name = Memo::new(move |_| kind.with(|k| match k {
                                    Some(QuestionKind::Likert { items, .. }) => items.iter().find(|i| i.id == item).map(|i| i.name.clone()).unwrap_or_default(),
                                    _ => String::new(),
                                }));
                                view! {
                                    <li class="option-editor">
                                        <Translated label="Statement" text=text welsh=welsh
                                            on_edit=move |l: &str, t| edit(study, survey, SurveyEdit::LikertItemLabel { id: item, language: l.to_string(), text: t })/>
                                        <TextField label="Machine name" value=Signal::derive(move || item_name.get())
                                            on_edit=move |t| edit(study, survey, SurveyEdit::LikertItemName { id: item, name: t })/>
                                        <button class="secondary" on:click=move |_| act(SurveyEdit::RemoveLikertItem(item))>"Remove statement"</button>
                                    </li>
                                }
                            }
                        </For>
                    </ol>
                    <AddByName label="New statement (English)" button="Add statement" on_add=move |label| {
                        let name = study.data.with_untracked(|d| d.survey(survey).map(|s| suggest_question_name(&s.pages, &label)).unwrap_or_default());
                        edit(study, survey, SurveyEdit::AddLikertItem { question: q, id: Uuid::new_v4(), name, label })
                    }/>
                </fieldset>
            }.into_any(),
            Some("Rating") => view! {
                <SelectField label="Highest rating"
                    options={(2..=10u8).map(|n| (n.to_string(), n.to_string())).collect::<Vec<_>>()}
                    value=Signal::derive(move || kind.with(|k| if let Some(QuestionKind::Rating { max }) = k { max.to_string() } else { String::new() }))
                    on_edit=move |v| { let m: u8 = v.parse().unwrap_or(5); replace_kind(&|_| Some(QuestionKind::Rating { max: m })) }/>
            }.into_any(),
            Some("Number") => view! {
                <div class="grid2">
                    {number_field("Smallest allowed (blank: none)",
                        |k| if let QuestionKind::Number { min: Some(m), .. } = k { m.to_string() } else { String::new() },
                        |k, n| if let QuestionKind::Number { max, integer, .. } = k { Some(QuestionKind::Number { min: n, max: *max, integer: *integer }) } else { None })}
                    {number_field("Largest allowed (blank: none)",
                        |k| if let QuestionKind::Number { max: Some(m), .. } = k { m.to_string() } else { String::new() },
                        |k, n| if let QuestionKind::Number { min, integer, .. } = k { Some(QuestionKind::Number { min: *min, max: n, integer: *integer }) } else { None })}
                </div>
                <CheckField label="Whole numbers only"
                    checked=Signal::derive(move || kind.with(|k| matches!(k, Some(QuestionKind::Number { integer: true, .. }))))
                    on_edit=move |on| replace_kind(&|k| if let QuestionKind::Number { min, max, .. } = k { Some(QuestionKind::Number { min: *min, max: *max, integer: on }) } else { None })/>
            }.into_any(),
            Some("Short text") | Some("Long text") => number_field("Most characters (blank: no limit)",
                |k| match k { QuestionKind::ShortText { max_length: Some(m) } | QuestionKind::LongText { max_length: Some(m) } => m.to_string(), _ => String::new() },
                |k, n| {
                    let max_length = n.map(|n| n.clamp(1.0, 1_000_000.0) as u32);
                    match k {
                        QuestionKind::ShortText { .. } => Some(QuestionKind::ShortText { max_length }),
                        QuestionKind::LongText { .. } => Some(QuestionKind::LongText { max_length }),
                        _ => None,
                    }
                }).into_any(),
            _ => ().into_any(),
        }}
    }
    .into_any()
}

/// Skip logic for a page or question: shown in words, edited as a list of clauses.
#[component]
fn ConditionEditor<F>(survey: Uuid, owner: Uuid, condition: Memo<Option<Condition>>, apply: F) -> impl IntoView
where
    F: Fn(Option<Condition>) -> Result<(), String> + Clone + Send + Sync + 'static,
{
    let Some(study) = use_study() else { return ().into_any() };
    let words = Memo::new(move |_| {
        let c = condition.get();
        study.data.with(|d| match (c, d.survey(survey)) {
            (Some(c), Some(s)) => c.describe(&s.pages, DEFAULT_LANGUAGE),
            _ => "Always shown.".to_string(),
        })
    });
    // (id, label, kind) of the questions before the owner: the ones a condition may use.
    let earlier = Memo::new(move |_| {
        study.data.with(|d| {
            d.survey(survey)
                .and_then(|s| questions_before(&s.pages, owner))
                .map(|qs| {
                    qs.into_iter()
                        .filter(|q| !matches!(q.kind, QuestionKind::Info))
                        .map(|q| (q.id, q.label.get(DEFAULT_LANGUAGE).0.to_string(), q.kind.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let initial = condition.get_untracked().as_ref().map(clauses_of);
    let editable = !matches!(initial, Some(None));
    let (start_combine, start_clauses) = initial.flatten().unwrap_or((Combine::All, Vec::new()));
    let combine = RwSignal::new(start_combine);
    let clauses = RwSignal::new(start_clauses);
    let error = RwSignal::new(None::<String>);
    let save = {
        let apply = apply.clone();
        move || {
            let outcome =
                condition_from_clauses(combine.get_untracked(), &clauses.get_untracked()).and_then(|c| apply(c));
            error.set(outcome.err());
        }
    };
    let add = {
        let save = save.clone();
        move |_| {
            let Some((id, _, kind)) = earlier.get_untracked().into_iter().last() else {
                error.set(Some("Only questions asked before this one can be used, and there are none.".into()));
                return;
            };
            let op = ClauseOp::for_kind(&kind).first().copied().unwrap_or(ClauseOp::Answered);
            let value = first_value(&kind);
            clauses.update(|c| c.push(Clause { question: id, op, value }));
            save();
        }
    };
    let clear = {
        let apply = apply.clone();
        move |_| {
            clauses.set(Vec::new());
            error.set(apply(None).err());
        }
    };
    let combine_id = field_id("combine");
    view! {
        <fieldset class="sub-editor condition-editor">
            <legend>"When to show"</legend>
            <p class="condition-words">{move || words.get()}</p>
            {if editable {
                let save = save.clone();
                let save2 = save.clone();
                view! {
                    <Show when=move || { clauses.with(|c| c.len()) > 1 }>
                        {
                            let save = save.clone();
                            let combine_id = combine_id.clone();
                            view! {
                                <div class="field">
                                    <label for=combine_id.clone()>"Show when"</label>
                                    <select id=combine_id on:change=move |ev| {
                                        combine.set(if event_target_value(&ev) == "any" { Combine::Any } else { Combine::All });
                                        save();
                                    }>
                                        <option value="all" selected=move || combine.get() == Combine::All>"all of these hold"</option>
                                        <option value="any" selected=move || combine.get() == Combine::Any>"any of these holds"</option>
                                    </select>
                                </div>
                            }
                        }
                    </Show>
                    <ol class="clauses">
                        {move || clauses.get().into_iter().enumerate().map(|(i, clause)| {
                            let save = save2.clone();
                            view! { <ClauseRow index=i clause=clause earlier=earlier clauses=clauses on_change=save/> }
                        }).collect_view()}
                    </ol>
                    <div class="row wrap">
                        <button class="secondary" on:click=add.clone()>"Add a condition"</button>
                        <Show when=move || condition.with(|c| c.is_some())>
                            <button class="secondary" on:click=clear.clone()>"Always show"</button>
                        </Show>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"This condition is nested too deeply to edit here."</p>
                    <button class="secondary" on:click=clear.clone()>"Remove the condition"</button>
                }.into_any()
            }}
            <p class="field-error" role="alert" hidden=move || error.with(|e| e.is_none())>{move || error.get()}</p>
        </fieldset>
    }
    .into_any()
}

fn first_value(kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            options.first().map(|o| o.value.clone()).unwrap_or_default()
        }
        QuestionKind::YesNo => "yes".into(),
        QuestionKind::Rating { .. } | QuestionKind::Number { .. } => "1".into(),
        _ => String::new(),
    }
}

#[component]
fn ClauseRow<F>(
    index: usize,
    clause: Clause,
    earlier: Memo<Vec<(Uuid, String, QuestionKind)>>,
    clauses: RwSignal<Vec<Clause>>,
    on_change: F,
) -> impl IntoView
where
    F: Fn() + Clone + 'static,
{
    let kind =
        earlier.with_untracked(|e| e.iter().find(|(id, _, _)| *id == clause.question).map(|(_, _, k)| k.clone()));
    let ops = kind.as_ref().map(ClauseOp::for_kind).unwrap_or_default();
    let set = {
        let on_change = on_change.clone();
        move |f: &dyn Fn(&mut Clause)| {
            clauses.update(|c| {
                if let Some(x) = c.get_mut(index) {
                    f(x);
                }
            });
            on_change();
        }
    };
    let (q_id, op_id, v_id) = (field_id("cq"), field_id("cop"), field_id("cv"));
    let set_q = set.clone();
    let set_op = set.clone();
    let set_v = set.clone();
    let set_remove = on_change.clone();
    let value_input = match (&kind, clause.op.takes_value(), clause.op) {
        (_, false, _) => None,
        (Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }), true, op)
            if op != ClauseOp::IsOneOf =>
        {
            let current = clause.value.clone();
            Some(view! {
                <div class="field">
                    <label for=v_id.clone()>"Answer"</label>
                    <select id=v_id.clone() on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }>
                        {options.iter().map(|o| view! {
                            <option value=o.value.clone() selected=o.value == current>{o.label.get(DEFAULT_LANGUAGE).0.to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any())
        }
        (Some(QuestionKind::YesNo), true, op) if op != ClauseOp::IsOneOf => {
            let current = clause.value.clone();
            Some(view! {
                <div class="field">
                    <label for=v_id.clone()>"Answer"</label>
                    <select id=v_id.clone() on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }>
                        <option value="yes" selected=current == "yes">"Yes"</option>
                        <option value="no" selected=current == "no">"No"</option>
                    </select>
                </div>
            }.into_any())
        }
        (k, true, op) => {
            let hint = match (k, op) {
                (
                    Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }),
                    ClauseOp::IsOneOf,
                ) => format!(
                    "Option values separated by commas: {}",
                    options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", ")
                ),
                (Some(QuestionKind::YesNo), _) => "yes, no".to_string(),
                _ => String::new(),
            };
            Some(
                view! {
                    <div class="field">
                        <label for=v_id.clone()>"Value"</label>
                        {(!hint.is_empty()).then(|| view! { <p class="hint">{hint.clone()}</p> })}
                        <input id=v_id.clone() type="text" value=clause.value.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }/>
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <li class="clause row wrap">
            <div class="field">
                <label for=q_id.clone()>"Question"</label>
                <select id=q_id.clone() on:change=move |ev| {
                    let Ok(id) = Uuid::parse_str(&event_target_value(&ev)) else { return };
                    let kind = earlier.with_untracked(|e| e.iter().find(|(q, _, _)| *q == id).map(|(_, _, k)| k.clone()));
                    let op = kind.as_ref().and_then(|k| ClauseOp::for_kind(k).first().copied()).unwrap_or(ClauseOp::Answered);
                    let value = kind.as_ref().map(first_value).unwrap_or_default();
                    set_q(&|c| { c.question = id; c.op = op; c.value = value.clone(); });
                }>
                    {earlier.get_untracked().into_iter().map(|(id, label, _)| view! {
                        <option value=id.to_string() selected=id == clause.question>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=op_id.clone()>"Condition"</label>
                <select id=op_id.clone() on:change=move |ev| {
                    if let Some(op) = ClauseOp::parse(&event_target_value(&ev)) { set_op(&|c| c.op = op); }
                }>
                    {ops.into_iter().map(|op| view! { <option value=op.key() selected=op == clause.op>{op.label()}</option> }).collect_view()}
                </select>
            </div>
            {value_input}
            <button class="secondary" on:click=move |_| { clauses.update(|c| { if index < c.len() { c.remove(index); } }); set_remove(); }>"Remove"</button>
        </li>
    }
}
