//! A study: its shell (loading, save status, tabs) and the overview, cases and
//! participants tabs.

use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::study::{Setting, StudyEdit};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::{A, Outlet};
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::{SaveState, StudyCtx};
use crate::browser;
use crate::widgets::{AddByName, TextField};

pub fn use_study() -> Option<StudyCtx> {
    use_context::<StudyCtx>()
}

#[derive(Clone, Debug, PartialEq)]
enum Loading {
    Busy,
    Failed(String),
    Open,
}

/// Loads the study named in the URL and provides it to the tabs and detail screens.
#[component]
pub fn StudyShell() -> impl IntoView {
    let ctx = use_ctx();
    let params = use_params_map();
    // A memo, so moving between the study's own pages (which changes other params) does not reload it.
    let study_id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| Uuid::parse_str(&id).ok())));
    let state = RwSignal::new(Loading::Busy);
    let owner = Owner::current();

    Effect::new(move |_| {
        let Some(id) = study_id.get() else {
            state.set(Loading::Failed("This address does not name a study.".into()));
            return;
        };
        let Some(repo) = ctx.repo() else { return };
        let owner = owner.clone();
        state.set(Loading::Busy);
        spawn_local(async move {
            match repo.load(id, browser::now()).await {
                Ok(loaded) => {
                    for p in &loaded.problems {
                        ctx.error(p.message());
                    }
                    if let Some(owner) = owner {
                        owner.with(|| provide_context(StudyCtx::new(ctx, loaded.data)));
                    }
                    let _ = state.try_set(Loading::Open);
                }
                Err(e) => drop(state.try_set(Loading::Failed(e.to_string()))),
            }
        });
    });

    view! {
        {move || match state.get() {
            Loading::Busy => view! { <p class="muted">"Opening the study…"</p> }.into_any(),
            Loading::Failed(e) => view! {
                <section class="panel error-panel" role="alert">
                    <h1>"This study cannot be opened"</h1>
                    <p>{e}</p>
                    <A href="/">"Back to your studies"</A>
                </section>
            }.into_any(),
            Loading::Open => view! { <StudyFrame/> }.into_any(),
        }}
    }
}

#[component]
fn StudyFrame() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let base = format!("/study/{}", study.id());
    // The undo list of coding actions lives as long as the study is open.
    provide_context(crate::screens::coding::CodingHistory::new());
    view! {
        <div class="study-head">
            <p class="crumbs"><A href="/">"Studies"</A></p>
            <h1 class="study-title">{move || study.data.with(|d| d.study.title.clone())}</h1>
            <SaveIndicator state=study.save_state/>
        </div>
        <nav class="tabs" aria-label="Study sections">
            <A href=base.clone() exact=true>"Overview"</A>
            <A href=format!("{base}/cases")>"Cases"</A>
            <A href=format!("{base}/participants")>"Participants"</A>
            <A href=format!("{base}/protocols")>"Protocols"</A>
            <A href=format!("{base}/interviews")>"Interviews"</A>
            <A href=format!("{base}/surveys")>"Surveys"</A>
            <A href=format!("{base}/coding")>"Coding"</A>
        </nav>
        <Outlet/>
    }
    .into_any()
}

#[component]
fn SaveIndicator(state: RwSignal<SaveState>) -> impl IntoView {
    view! {
        <p class="save-state" role="status" data-state=move || match state.get() {
            SaveState::Saved => "saved",
            SaveState::Pending => "pending",
            SaveState::Failed(_) => "failed",
        }>
            {move || match state.get() {
                SaveState::Saved => "✓ All changes saved on this device".to_string(),
                SaveState::Pending => "Saving…".to_string(),
                SaveState::Failed(_) => "⚠ Not saved yet — retrying".to_string(),
            }}
        </p>
    }
}

#[component]
pub fn OverviewTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let include_identifying = RwSignal::new(false);

    let export = move |_| {
        let (json, name) = study.data.with_untracked(|d| {
            let now = browser::now();
            let date = now.date().map(|d| d.to_string()).unwrap_or_default();
            let json = Backup::of(d, include_identifying.get_untracked(), now).to_json();
            (json, format!("{}-backup-{date}.json", browser::file_stem(&d.study.title)))
        });
        if let Err(e) = browser::download(&name, "application/json", &json) {
            ctx.error(e);
        }
    };

    let delete_study = move |_| {
        let (title, impact) = study.data.with_untracked(|d| (d.study.title.clone(), d.study_deletion_impact()));
        let navigate = navigate.clone();
        ctx.ask(Confirm {
            title: format!("Delete “{title}”?"),
            body: format!(
                "{} This cannot be undone; export a backup first if you may need it.",
                impact.describe().unwrap_or_else(|| "The study is empty.".into())
            ),
            action: "Delete study".into(),
            on_confirm: Box::new(move || {
                let Some(repo) = ctx.repo() else { return };
                let id = study.id();
                spawn_local(async move {
                    match repo.delete_study(id).await {
                        Ok(_) => {
                            ctx.info(format!("“{title}” was deleted."));
                            navigate("/", Default::default());
                        }
                        Err(e) => ctx.error(e.to_string()),
                    }
                });
            }),
        });
    };

    let edit = move |e: StudyEdit| study.edit(|d, now| d.edit_study(e, now)).map(drop);

    view! {
        <section class="panel">
            <h2>"About the study"</h2>
            <TextField label="Title" value=Signal::derive(move || study.data.with(|d| d.study.title.clone()))
                on_edit=move |t| edit(StudyEdit::Title(t))/>
            <TextField label="Description" multiline=true
                value=Signal::derive(move || study.data.with(|d| d.study.description.clone()))
                on_edit=move |t| edit(StudyEdit::Description(t))/>
            <p class="muted small">{move || study.data.with(|d| format!(
                "{} · {}", fieldkit_core::study::plural(d.cases.len(), "case", "cases"),
                fieldkit_core::study::plural(d.participants.len(), "participant", "participants")))}</p>
        </section>
        <ResearchQuestions/>
        <Roles/>
        <section class="panel">
            <h2>"Backup"</h2>
            <p>"Download the whole study as one JSON file, to keep it safe or move it to another device."</p>
            <div class="check">
                <input type="checkbox" id="include-identifying" prop:checked=move || include_identifying.get()
                    on:change=move |ev| include_identifying.set(event_target_checked(&ev))/>
                <label for="include-identifying">"Include participants' identifying details (names, contacts)"</label>
            </div>
            <button on:click=export>"Export backup"</button>
        </section>
        <crate::screens::merge::MergePanel/>
        <section class="panel danger-zone">
            <h2>"Delete this study"</h2>
            <button class="danger" on:click=delete_study>"Delete study…"</button>
        </section>
    }
    .into_any()
}

#[component]
fn ResearchQuestions() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let ids = move || study.data.with(|d| d.study.research_questions.iter().map(|q| q.id).collect::<Vec<_>>());
    let edit = move |e: StudyEdit| study.edit(|d, now| d.edit_study(e, now)).map(drop);
    view! {
        <section class="panel">
            <h2>"Research questions"</h2>
            <p class="muted">"Every interview protocol and the findings matrix follow this order."</p>
            <ol class="questions">
                <For each=ids key=|id| *id let:id>
                    {
                        let text = Signal::derive(move || study.data.with(|d| {
                            d.study.research_questions.iter().find(|q| q.id == id).map(|q| q.text.clone()).unwrap_or_default()
                        }));
                        let detail = Signal::derive(move || study.data.with(|d| {
                            d.study.research_questions.iter().find(|q| q.id == id).map(|q| q.detail.clone()).unwrap_or_default()
                        }));
                        let position = move || study.data.with(|d| d.study.research_questions.iter().position(|q| q.id == id).map(|p| p + 1).unwrap_or(0));
                        let count = move || study.data.with(|d| d.study.research_questions.len());
                        let act = move |e: StudyEdit| if let Err(err) = edit(e) { ctx.error(err) };
                        view! {
                            <li class="question">
                                <TextField label=Signal::derive(move || format!("Question {}", position()))
                                    value=text on_edit=move |t| edit(StudyEdit::QuestionText { id, text: t })/>
                                <TextField label="What it covers" multiline=true value=detail
                                    on_edit=move |t| edit(StudyEdit::QuestionDetail { id, detail: t })/>
                                <div class="row">
                                    <button class="secondary" disabled=move || { position() <= 1 }
                                        on:click=move |_| act(StudyEdit::MoveQuestion { id, by: -1 })>"Move up"</button>
                                    <button class="secondary" disabled=move || { position() >= count() }
                                        on:click=move |_| act(StudyEdit::MoveQuestion { id, by: 1 })>"Move down"</button>
                                    <button class="secondary" on:click=move |_| act(StudyEdit::RemoveQuestion(id))>"Remove"</button>
                                </div>
                            </li>
                        }
                    }
                </For>
            </ol>
            <AddByName label="New research question" button="Add question"
                on_add=move |text| edit(StudyEdit::AddQuestion { id: Uuid::new_v4(), text })/>
        </section>
    }
    .into_any()
}

#[component]
fn Roles() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let ids = move || study.data.with(|d| d.study.roles.iter().map(|r| r.id).collect::<Vec<_>>());
    let remove = move |id: Uuid| {
        let (name, holders) = study.data.with_untracked(|d| {
            (
                d.role_name(Some(id)).to_string(),
                d.role_holders(id).iter().map(|p| p.pseudonym.clone()).collect::<Vec<_>>(),
            )
        });
        let body = if holders.is_empty() {
            "No participant has this role.".to_string()
        } else {
            format!(
                "{} will have no role: {}.",
                fieldkit_core::study::plural(holders.len(), "participant", "participants"),
                holders.join(", ")
            )
        };
        ctx.ask(Confirm {
            title: format!("Remove the role “{name}”?"),
            body,
            action: "Remove role".into(),
            on_confirm: Box::new(move || {
                if let Err(e) = study.edit(|d, now| d.remove_role(id, now)) {
                    ctx.error(e);
                }
            }),
        });
    };
    view! {
        <section class="panel">
            <h2>"Stakeholder roles"</h2>
            <details>
                <summary>{move || study.data.with(|d| format!("{} roles — edit the list", d.study.roles.len()))}</summary>
                <ul class="plain">
                    <For each=ids key=|id| *id let:id>
                        <li class="row">
                            <TextField label="Role name"
                                value=Signal::derive(move || study.data.with(|d| d.role_name(Some(id)).to_string()))
                                on_edit=move |name| study.edit(|d, now| d.edit_study(StudyEdit::RenameRole { id, name }, now)).map(drop)/>
                            <button class="secondary" on:click=move |_| remove(id)>"Remove"</button>
                        </li>
                    </For>
                </ul>
                <AddByName label="New role" button="Add role"
                    on_add=move |name| study.edit(|d, now| d.edit_study(StudyEdit::AddRole { id: Uuid::new_v4(), name }, now)).map(drop)/>
            </details>
        </section>
    }
    .into_any()
}

#[component]
pub fn CasesTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.data.with(|d| {
            d.cases
                .iter()
                .map(|c| {
                    let a = &c.attributes;
                    let facts: Vec<String> = [
                        a.setting.map(Setting::label).unwrap_or_default().to_string(),
                        a.legal_form.clone(),
                        a.country.clone(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect();
                    (c.id, c.name.clone(), facts.join(" · "), d.participants_of_case(c.id).count())
                })
                .collect::<Vec<_>>()
        })
    };
    let base2 = base.clone();
    view! {
        <section class="panel">
            <h2>"Case studies"</h2>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="empty">"No cases yet. Add the sites you will visit."</p> }.into_any()
                } else {
                    view! {
                        <ul class="cards" aria-label="Cases">
                            {rows.into_iter().map(|(id, name, facts, people)| view! {
                                <li class="card">
                                    <A href=format!("{base}/cases/{id}")><span class="card-title">{name}</span></A>
                                    <p class="muted">{facts}</p>
                                    <p class="muted small">{fieldkit_core::study::plural(people, "participant", "participants")}</p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
            <AddByName label="New case name" button="Add case" on_add=move |name| {
                let id = study.edit(|d, now| d.add_case(&name, now).map(|id| (id, fieldkit_core::ObjectRef::Case(id))))?.0;
                navigate(&format!("{base2}/cases/{id}"), Default::default());
                Ok(())
            }/>
        </section>
    }
    .into_any()
}

#[component]
pub fn ParticipantsTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.data.with(|d| {
            d.participants
                .iter()
                .map(|p| {
                    let consent = if p.consent.withdrawn {
                        "Withdrawn"
                    } else if p.consent.interview {
                        "Consented to interview"
                    } else {
                        "No interview consent"
                    };
                    (
                        p.id,
                        p.pseudonym.clone(),
                        d.role_name(p.role_id).to_string(),
                        d.case_name(p.case_id).to_string(),
                        consent,
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let base2 = base.clone();
    view! {
        <section class="panel">
            <h2>"Participants"</h2>
            <p class="muted">"Pseudonyms are shown everywhere; identifying details stay on the participant's own page."</p>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="empty">"No participants yet."</p> }.into_any()
                } else {
                    view! {
                        <table class="list">
                            <thead><tr><th scope="col">"Pseudonym"</th><th scope="col">"Role"</th><th scope="col">"Case"</th><th scope="col">"Consent"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|(id, name, role, case, consent)| view! {
                                    <tr>
                                        <td><A href=format!("{base}/participants/{id}")>{name}</A></td>
                                        <td>{role}</td>
                                        <td>{case}</td>
                                        <td>{consent}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any()
                }
            }}
            <AddByName label="New participant's pseudonym" button="Add participant" on_add=move |name| {
                let id = study.edit(|d, now| d.add_participant(&name, None, None, now)
                    .map(|id| (id, fieldkit_core::ObjectRef::Participant(id))))?.0;
                navigate(&format!("{base2}/participants/{id}"), Default::default());
                Ok(())
            }/>
        </section>
    }
    .into_any()
}
