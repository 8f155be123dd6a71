//! The study's surveys: the list, a blank survey or the built-in template.

use fieldkit_core::surveys::SURVEY_TEMPLATES;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use crate::app::use_ctx;
use crate::screens::study::use_study;
use crate::widgets::AddByName;

#[component]
pub fn SurveysTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.with(|d| {
            d.surveys
                .iter()
                .map(|s| {
                    let all: Vec<&Response> = d.responses_to(s.id).collect();
                    let done = all.iter().filter(|r| r.status == ResponseStatus::Complete).count();
                    (
                        s.id,
                        s.name.clone(),
                        s.version,
                        s.languages.iter().map(|l| language_name(l)).collect::<Vec<_>>().join(", "),
                        done,
                        all.len() - done,
                    )
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
