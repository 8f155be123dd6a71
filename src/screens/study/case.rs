//! Case studies: the list (cases tab) and one case's page with its name, description,
//! attributes, and who takes part there.

use fieldkit_core::study::{Case, CaseEdit, NewParticipant, Setting};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::screens::fieldwork::documents::CaseDocuments;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, SelectField, TextField};

const LEGAL_FORMS: [&str; 7] = [
    "Co-operative",
    "Multi-stakeholder co-operative",
    "Secondary co-operative",
    "Community interest company",
    "Charitable company",
    "Community benefit society",
    "Sole trader",
];
const COUNTRIES: [&str; 4] = ["England", "Scotland", "Wales", "Northern Ireland"];

#[component]
pub fn CaseScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let params = use_params_map();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let case_id = move || params.with(|p| p.get("case").and_then(|c| Uuid::parse_str(&c).ok()));
    // A memo, so the page is built once per case and not again on every keystroke
    // (rebuilding would take the cursor out of the field being typed in).
    let shown = Memo::new(move |_| case_id().filter(|id| study.with(|d| d.case(*id).is_some())));

    let body = move || {
        let Some(id) = shown.get() else {
            return view! {
                <section class="panel"><p>"This case is not in the study (it may have been deleted)."</p></section>
            }
            .into_any();
        };
        let read =
            move |f: fn(&Case) -> String| Signal::derive(move || study.with(|d| d.case(id).map(f).unwrap_or_default()));
        let edit = move |e: CaseEdit| study.edit(|d, now| d.edit_case(id, e, now)).map(drop);
        let attribute_count = move || study.with(|d| d.case(id).map(|c| c.attributes.extra.len()).unwrap_or(0));
        let setting_options: Vec<(String, String)> = std::iter::once((String::new(), "Not set".to_string()))
            .chain(Setting::ALL.iter().map(|s| (s.key().to_string(), s.label().to_string())))
            .collect();
        let people = move || {
            study.with(|d| {
                d.participants_of_case(id)
                    .map(|p| (p.id, p.pseudonym.clone(), d.role_name(p.role_id).to_string()))
                    .collect::<Vec<_>>()
            })
        };
        let base = base.clone();
        let back = base.clone();
        let navigate = navigate.clone();
        let delete = move |_| {
            let (name, impact) = study.untracked(|d| (d.case_name(Some(id)).to_string(), d.case_deletion_impact(id)));
            let navigate = navigate.clone();
            let back = format!("{back}/cases");
            ctx.ask(Confirm {
                title: format!("Delete the case “{name}”?"),
                body: impact.describe().unwrap_or_else(|| "No participants are linked to it.".into()),
                action: "Delete case".into(),
                on_confirm: Box::new(move || match study.remove(|d| d.delete_case(id)) {
                    Ok(()) => navigate(&back, Default::default()),
                    Err(e) => ctx.error(e),
                }),
            });
        };
        view! {
            <section class="panel">
                <p class="crumbs"><A href=format!("{base}/cases")>"← All cases"</A></p>
                <h2>{move || study.with(|d| d.case_name(Some(id)).to_string())}</h2>
                <TextField label="Case name" value=read(|c| c.name.clone()) on_edit=move |t| edit(CaseEdit::Name(t))/>
                <TextField label="Description" multiline=true value=read(|c| c.description.clone())
                    on_edit=move |t| edit(CaseEdit::Description(t))/>
            </section>
            <section class="panel">
                <h2>"Attributes"</h2>
                <p class="muted">"Used to compare cases, filter sources and group the findings matrix."</p>
                <div class="grid2">
                    <SelectField label="Setting"
                        value=read(|c| c.attributes.setting.map(|s| s.key().to_string()).unwrap_or_default())
                        options=setting_options
                        on_edit=move |key| edit(CaseEdit::Setting(Setting::from_key(&key)))/>
                    <TextField label="Legal form" suggestions="legal-forms" value=read(|c| c.attributes.legal_form.clone())
                        on_edit=move |t| edit(CaseEdit::LegalForm(t))/>
                    <TextField label="Country" suggestions="countries" value=read(|c| c.attributes.country.clone())
                        on_edit=move |t| edit(CaseEdit::Country(t))/>
                </div>
                <datalist id="legal-forms">{LEGAL_FORMS.map(|f| view! { <option value=f></option> }).collect_view()}</datalist>
                <datalist id="countries">{COUNTRIES.map(|f| view! { <option value=f></option> }).collect_view()}</datalist>
                <h3>"Other attributes"</h3>
                <ul class="plain">
                    {move || (0..attribute_count()).map(|index| {
                        let key = Signal::derive(move || study.with(|d| d.case(id).and_then(|c| c.attributes.extra.get(index)).map(|a| a.key.clone()).unwrap_or_default()));
                        let value = Signal::derive(move || study.with(|d| d.case(id).and_then(|c| c.attributes.extra.get(index)).map(|a| a.value.clone()).unwrap_or_default()));
                        view! {
                            <li class="row attr-row">
                                <TextField label="Attribute" value=key on_edit=move |k| edit(CaseEdit::AttributeKey { index, key: k })/>
                                <TextField label=Signal::derive(move || format!("Value of {}", key.get())) value=value
                                    on_edit=move |v| edit(CaseEdit::AttributeValue { index, value: v })/>
                                <button class="secondary" on:click=move |_| if let Err(e) = edit(CaseEdit::RemoveAttribute(index)) { ctx.error(e) }>
                                    "Remove"
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <AddByName label="New attribute name (e.g. Stage)" button="Add attribute"
                    on_add=move |key| edit(CaseEdit::AddAttribute { key, value: String::new() })/>
            </section>
            <section class="panel">
                <h2>"Participants at this case"</h2>
                {move || {
                    let people = people();
                    if people.is_empty() {
                        view! { <p class="empty">"Nobody yet: add them below."</p> }.into_any()
                    } else {
                        let base = base.clone();
                        view! {
                            <ul class="plain">
                                {people.into_iter().map(|(pid, name, role)| view! {
                                    <li><A href=format!("{base}/participants/{pid}")>{name}</A>" "<span class="muted">{role}</span></li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
                <QuickAdd case=id/>
            </section>
            <CaseInterviews case=id/>
            <CaseDocuments case=id/>
            <section class="panel danger-zone">
                <button class="danger" on:click=delete>"Delete case…"</button>
            </section>
        }
        .into_any()
    };
    view! { {body} }.into_any()
}

/// Interviews and focus groups at a case: done and planned, the research questions
/// each covered, and member-check status.
#[component]
fn CaseInterviews(case: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let base = format!("/study/{}/interviews", study.id());
    let rows = move || {
        study.with(|d| {
            d.interviews_of_case(case)
                .map(|i| {
                    let sections = d.interview_sections(i);
                    let covered: Vec<String> = d
                        .study
                        .research_questions
                        .iter()
                        .enumerate()
                        .filter(|(_, q)| {
                            sections.iter().any(|s| s.research_question_id == Some(q.id) && i.covers_section(s.id))
                        })
                        .map(|(n, _)| format!("Q{}", n + 1))
                        .collect();
                    let account = d.account_for_interview(i.id).map(|a| a.status.label()).unwrap_or("no account yet");
                    (
                        i.id,
                        format!("{} with {}", i.kind.label(), d.interview_people(i)),
                        format!(
                            "{} · {} · covers {} · member check: {account}",
                            i.date.map(|x| x.to_string()).unwrap_or_else(|| "no date".into()),
                            i.status.label(),
                            if covered.is_empty() { "no questions yet".to_string() } else { covered.join(", ") },
                        ),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="panel">
            <h2>"Interviews and focus groups here"</h2>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    return view! { <p class="empty">"None yet. Start one on the Interviews tab."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <ul class="plain">
                        {rows.into_iter().map(|(id, title, facts)| view! {
                            <li><A href=format!("{base}/{id}")>{title}</A><br/><span class="muted small">{facts}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
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
        study.with(|d| {
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

/// A line of the quick-add table as typed: kept on this device until added, so a
/// reload or a closed tab loses nothing.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct QuickRow {
    pseudonym: String,
    role: String,
    interview: bool,
    survey: bool,
}

/// Several participants at once: pseudonym, role and consent per line, added to
/// this case together (or, if one line is refused, none).
#[component]
fn QuickAdd(case: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let draft_key = format!("quick-add.{case}");
    let blank = || vec![QuickRow::default(); 3];
    let rows = RwSignal::new(blank());
    let problem = RwSignal::new(None::<(usize, String)>);
    // The lines are drawn again only when one is added, not on every keystroke.
    let count = Memo::new(move |_| rows.with(|r| r.len()));
    // The draft is a device note (protected like everything else), read once; typing
    // before it arrives wins over it.
    let loaded = RwSignal::new(false);
    {
        let key = draft_key.clone();
        spawn_local(async move {
            let saved: Option<Vec<QuickRow>> = ctx.device_note(&key).await.and_then(|t| serde_json::from_str(&t).ok());
            if let Some(saved) = saved.filter(|r| !r.is_empty()) {
                let untouched = rows.try_with_untracked(|r| r.iter().all(|x| *x == QuickRow::default()));
                if untouched == Some(true) {
                    let _ = rows.try_set(saved);
                }
            }
            let _ = loaded.try_set(true);
        });
    }
    let key = draft_key.clone();
    Effect::new(move |_| {
        let text = rows.with(|r| {
            if r.iter().all(|x| *x == QuickRow::default()) {
                String::new()
            } else {
                serde_json::to_string(r).unwrap_or_default()
            }
        });
        if loaded.get() {
            ctx.set_device_note(&key, &text);
        }
    });
    let roles = Signal::derive(move || {
        std::iter::once((String::new(), "(no role yet)".to_string()))
            .chain(study.with(|d| d.study.roles.iter().map(|r| (r.id.to_string(), r.name.clone())).collect::<Vec<_>>()))
            .collect::<Vec<_>>()
    });
    let set = move |at: usize, change: Box<dyn Fn(&mut QuickRow)>| {
        rows.update(|r| {
            if let Some(row) = r.get_mut(at) {
                change(row);
            }
        });
        problem.set(None);
    };
    let add = move |_| {
        let lines: Vec<NewParticipant> = rows.with_untracked(|r| {
            r.iter()
                .map(|x| NewParticipant {
                    pseudonym: x.pseudonym.clone(),
                    role: Uuid::parse_str(&x.role).ok(),
                    interview: x.interview,
                    survey: x.survey,
                    consent_date: None,
                })
                .collect()
        });
        if lines.iter().all(|l| l.pseudonym.trim().is_empty()) {
            problem.set(Some((0, "Type at least one pseudonym.".into())));
            return;
        }
        let refused = std::cell::Cell::new(None);
        let outcome = study.edit(|d, now| {
            d.add_participants(case, &lines, now).map_err(|(at, e)| {
                refused.set(Some(at));
                e
            })
        });
        match outcome {
            Ok(added) => {
                ctx.info(format!(
                    "{} added.",
                    fieldkit_core::study::plural(added.len(), "participant", "participants")
                ));
                rows.set(blank());
            }
            Err(e) => problem.set(Some((refused.get().unwrap_or(0), e))),
        }
    };
    view! {
        <h3>"Add participants"</h3>
        <p class="muted small">"One line each; consent can be completed on each participant's page. Lines left empty are skipped."</p>
        <div class="table-scroll">
            <table class="list quick-add" aria-label="New participants">
                <thead><tr><th scope="col">"Pseudonym"</th><th scope="col">"Role"</th><th scope="col">"Interview consent"</th><th scope="col">"Survey consent"</th></tr></thead>
                <tbody>
                    {move || (0..count.get()).map(|at| {
                        let row = move || rows.with(|r| r.get(at).cloned().unwrap_or_default());
                        let n = at + 1;
                        view! {
                            <tr class=move || if problem.with(|p| p.as_ref().is_some_and(|(i, _)| *i == at)) { "refused" } else { "" }>
                                <td><input type="text" aria-label=format!("Pseudonym, line {n}") prop:value=move || row().pseudonym
                                    on:input=move |ev| { let v = event_target_value(&ev); set(at, Box::new(move |r| r.pseudonym = v.clone())) }/></td>
                                <td><select aria-label=format!("Role, line {n}") on:change=move |ev| { let v = event_target_value(&ev); set(at, Box::new(move |r| r.role = v.clone())) }>
                                    {move || roles.get().into_iter().map(|(value, label)| {
                                        let selected = row().role == value;
                                        view! { <option value=value selected=selected>{label}</option> }
                                    }).collect_view()}
                                </select></td>
                                // A `.check` cell: the whole 44 px cell is the target.
                                <td><div class="check"><input type="checkbox" aria-label=format!("Interview consent, line {n}") prop:checked=move || row().interview
                                    on:change=move |ev| { let v = event_target_checked(&ev); set(at, Box::new(move |r| r.interview = v)) }/></div></td>
                                <td><div class="check"><input type="checkbox" aria-label=format!("Survey consent, line {n}") prop:checked=move || row().survey
                                    on:change=move |ev| { let v = event_target_checked(&ev); set(at, Box::new(move |r| r.survey = v)) }/></div></td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        {move || problem.get().map(|(at, e)| view! { <p class="field-error" role="alert">{format!("Line {}: {e} Nobody was added.", at + 1)}</p> })}
        <div class="row wrap">
            <button class="secondary" on:click=move |_| rows.update(|r| r.push(QuickRow::default()))>"Another line"</button>
            <button on:click=add>"Add these participants"</button>
        </div>
    }
    .into_any()
}
