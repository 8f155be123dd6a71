//! One response with its answers, and corrections recorded with who and when.

use fieldkit_core::surveys::*;
use fieldkit_core::surveys::{answer_words, visible_questions};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::*;
use crate::app::use_ctx;
use crate::browser;
use crate::screens::study::use_study;
use crate::screens::surveys::question_input::QuestionInput;
use crate::widgets::TextField;

#[component]
pub fn ResponseScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let survey_id = param_id("survey");
    let response_id = param_id("response");
    let base = format!("/study/{}/surveys", study.id());
    let meta = Memo::new(move |_| {
        let id = response_id.get()?;
        study.with(|d| {
            let r = d.response(id)?;
            Some((
                respondent(d, r),
                d.case_name(Some(r.case_id)).to_string(),
                status_label(r.status),
                language_name(&r.language),
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
        study.with(|d| {
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
            .and_then(|id| study.with(|d| d.response(id).map(|r| r.corrections.clone())))
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
pub(crate) fn AnswerRow(
    response: Memo<Option<Uuid>>,
    qid: Uuid,
    corrector: RwSignal<String>,
    complete: Signal<bool>,
) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let question = Memo::new(move |_| {
        let id = response.get()?;
        study.with(|d| {
            d.response(id)
                .and_then(|r| d.response_pages(r))
                .and_then(|p| fieldkit_core::surveys::question(p, qid))
                .cloned()
        })
    });
    let answer = Memo::new(move |_| {
        let id = response.get()?;
        study.with(|d| d.response(id).and_then(|r| r.answers.get(&qid).cloned()))
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
