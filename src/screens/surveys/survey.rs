//! One survey's page: handing the tablet to a participant (participant mode and
//! its PIN), the responses so far, and the downloads.

use fieldkit_core::storage::store::{Store as _, WriteOp};
use fieldkit_core::surveys::participant_lock::ParticipantLock;
use fieldkit_core::surveys::pin::{PIN_KEY, PinHash, check_new_pin};
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use super::*;
use crate::app::{Confirm, use_ctx};
use crate::autosave::Topic;
use crate::browser;
use crate::screens::study::use_study;
use crate::screens::surveys::respond::enter_full_screen;
use crate::widgets::{SelectField, drawn_rows};

#[component]
pub fn SurveyScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let survey_id = param_id("survey");
    let base = format!("/study/{}", study.id());
    let exists = Memo::new(move |_| survey_id.get().is_some_and(|id| study.with(|d| d.survey(id).is_some())));
    let header = Memo::new(move |_| {
        survey_id
            .get()
            .and_then(|id| study.with(|d| d.survey(id).map(|s| (s.name.clone(), s.version, s.languages.join(", ")))))
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
pub(crate) fn salt() -> Vec<u8> {
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
pub(crate) fn HandOver(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let case = RwSignal::new(study.untracked(|d| d.cases.first().map(|c| c.id)));
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
        study.with(|d| {
            std::iter::once((String::new(), "Choose a case".to_string()))
                .chain(d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())))
                .collect::<Vec<_>>()
        })
    });
    let people = Signal::derive(move || {
        let Some(c) = case.get() else { return vec![(String::new(), "Anonymous respondent".to_string())] };
        study.with(|d| {
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
        let empty =
            study.untracked(|d| d.survey(survey).is_none_or(|s| s.pages.iter().all(|p| p.questions.is_empty())));
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
pub(crate) fn Responses(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let base = format!("/study/{}/surveys/{survey}/responses", study.id());
    let rows = Memo::new(move |_| {
        study.read(&[Topic::Responses, Topic::Cases, Topic::Participants], |d| {
            d.responses_to(survey)
                .map(|r| {
                    (
                        r.id,
                        r.status,
                        d.case_name(Some(r.case_id)).to_string(),
                        respondent(d, r),
                        language_name(&r.language),
                        r.survey_version,
                        browser::local_time(r.started),
                        r.completed.map(browser::local_time).unwrap_or_default(),
                    )
                })
                .collect::<Vec<_>>()
        })
    });
    let drawn = drawn_rows(rows);
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let resume = move |response: Uuid| {
        let Some((case_id, participant_id)) =
            study.untracked(|d| d.response(response).map(|r| (r.case_id, r.participant_id)))
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
                if empty.get() {
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
                                <For each=move || drawn.get() key=|row| format!("{row:?}") let((id, status, case, who, language, version, started, completed))>
                                    <tr>
                                        <td><A href=format!("{base}/{id}")>{who}</A></td>
                                        <td>{case}</td><td>{status_label(status)}</td><td>{language}</td>
                                        <td>{version}</td><td>{started}</td><td>{completed}</td>
                                        <td>{(status == ResponseStatus::InProgress).then(|| view! {
                                            <button class="secondary" on:click=move |_| resume(id)>"Continue in participant mode"</button>
                                        })}</td>
                                    </tr>
                                </For>
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
pub(crate) fn Downloads(survey: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let download = move |what: &'static str| {
        let outcome = study.untracked(|d| {
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
            <p class="muted">"Complete and in-progress responses, with case attributes and respondents' pseudonyms."</p>
            <details class="help">
                <summary>"What each file contains"</summary>
                <ul>
                    <li>"Wide CSV: one row per response; the case and its attributes, the participant and role, language, version and times, then one column per question (a choice as its code, each option of a multiple choice as 0/1, each Likert statement as 1 to the number of points)."</li>
                    <li>"Long CSV: one row per answer: response, question, value and its label."</li>
                    <li>"Codebook CSV: every column with its question, type and allowed values, for SPSS, Stata or R."</li>
                    <li>"XLSX: the three tables above as sheets (Data, Codebook, Value labels)."</li>
                    <li>"Column names use only letters, digits and _, start with a letter and are unique, so R, SPSS and Stata read them as they are."</li>
                </ul>
            </details>
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
