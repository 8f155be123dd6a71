//! Interviews: the coverage grid, the list of interviews and focus groups, and
//! starting one now or planning it for later.

use fieldkit_core::fieldwork::*;
use fieldkit_core::*;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::{SelectField, TextField, field_id};

pub(crate) fn status_line(data: &StudyData, interview: &Interview) -> String {
    let account = data
        .account_for_interview(interview.id)
        .map(|a| format!(" · account: {}", a.status.label()))
        .unwrap_or_default();
    format!("{}{account}", interview.status.label())
}

#[component]
pub fn InterviewsTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.with(|d| {
            d.interviews
                .iter()
                .map(|i| {
                    (
                        i.id,
                        i.kind.label(),
                        d.case_name(Some(i.case_id)).to_string(),
                        d.interview_people(i),
                        i.date.map(|x| x.to_string()).unwrap_or_default(),
                        status_line(d, i),
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let list_base = base.clone();
    let ctx = use_ctx();
    let download = move |_| {
        let result = study.untracked(|d| {
            let name = format!("{}-interviews.csv", browser::file_stem(&d.study.title));
            fieldkit_core::fieldwork::export::interviews_csv(d).map(|bytes| (name, bytes))
        });
        let outcome = result.and_then(|(name, bytes)| {
            let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
            browser::download(&name, "text/csv;charset=utf-8", &text)
        });
        if let Err(e) = outcome {
            ctx.error(format!("The export failed: {e}"));
        }
    };
    view! {
        <CoverageGrid/>
        <section class="panel">
            <h2>"Interviews and focus groups"</h2>
            <div class="row wrap"><button class="secondary" on:click=download>"Download interviews (CSV)"</button></div>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    return view! { <p class="empty">"None yet. Start one below."</p> }.into_any();
                }
                let base = list_base.clone();
                view! {
                    <table class="list" aria-label="Interviews">
                        <thead><tr><th scope="col">"Who"</th><th scope="col">"Kind"</th><th scope="col">"Case"</th><th scope="col">"Date"</th><th scope="col">"Status"</th></tr></thead>
                        <tbody>
                            {rows.into_iter().map(|(id, kind, case, people, date, status)| view! {
                                <tr>
                                    <td><A href=format!("{base}/interviews/{id}")>{people}</A></td>
                                    <td>{kind}</td><td>{case}</td><td>{date}</td><td>{status}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <StartInterview base=base/>
    }
    .into_any()
}

/// Cases × research questions: where data exists, so gaps show before leaving a site.
#[component]
pub(crate) fn CoverageGrid() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let grid = Memo::new(move |_| study.with(|d| d.coverage()));
    view! {
        <section class="panel">
            <h2>"Coverage: cases × research questions"</h2>
            <p class="muted">"Each cell counts the interviews with notes for that question. Empty cells are gaps."</p>
            <div class="table-scroll">
                <table class="grid" aria-label="Coverage">
                    <thead>
                        <tr>
                            <th scope="col">"Case"</th>
                            {move || grid.with(|g| g.questions.iter().enumerate().map(|(n, (_, text))| view! {
                                <th scope="col" title=text.clone()>{format!("Q{}", n + 1)}</th>
                            }).collect_view())}
                            <th scope="col">"Done"</th>
                            <th scope="col">"Planned"</th>
                            <th scope="col">"Documents"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {move || grid.with(|g| g.rows.iter().map(|row| view! {
                            <tr>
                                <th scope="row">{row.case_name.clone()}</th>
                                {row.cells.iter().map(|n| if *n == 0 {
                                    view! { <td class="gap" aria-label="no data">"—"</td> }.into_any()
                                } else {
                                    view! { <td class="has-data">{n.to_string()}</td> }.into_any()
                                }).collect_view()}
                                <td>{format!("{}", row.done)}{(row.in_progress > 0).then(|| format!(" (+{} in progress)", row.in_progress))}</td>
                                <td>{row.planned.to_string()}</td>
                                <td>{row.documents.to_string()}</td>
                            </tr>
                        }).collect_view())}
                    </tbody>
                </table>
            </div>
            <ol class="small muted">
                {move || grid.with(|g| g.questions.iter().map(|(_, t)| view! { <li>{t.clone()}</li> }).collect_view())}
            </ol>
        </section>
    }
    .into_any()
}

#[component]
pub(crate) fn StartInterview(base: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let kind = RwSignal::new(InterviewKind::Interview);
    let case = RwSignal::new(study.untracked(|d| d.cases.first().map(|c| c.id)));
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let mode = RwSignal::new(Mode::FaceToFace);
    let interviewer = RwSignal::new(String::new());
    let date = RwSignal::new(browser::now().date().map(|d| d.to_string()).unwrap_or_default());
    let protocol = RwSignal::new(study.untracked(|d| d.protocols.first().map(|p| p.id)));
    let error = RwSignal::new(None::<String>);

    let people = move || {
        study.with(|d| {
            let Some(case) = case.get() else { return Vec::new() };
            d.participants_of_case(case)
                .map(|p| {
                    let why_not = if p.consent.withdrawn {
                        Some("consent withdrawn")
                    } else if !p.consent.interview {
                        Some("no interview consent")
                    } else {
                        None
                    };
                    (p.id, p.pseudonym.clone(), d.role_name(p.role_id).to_string(), why_not)
                })
                .collect::<Vec<_>>()
        })
    };
    let submit = move |planned: bool| {
        let (Some(case_id), Some(protocol_id)) = (case.get_untracked(), protocol.get_untracked()) else {
            error.set(Some("Choose a case and a protocol.".into()));
            return;
        };
        let new = NewInterview {
            kind: kind.get_untracked(),
            case_id,
            participant_ids: chosen.get_untracked(),
            mode: mode.get_untracked(),
            interviewer: interviewer.get_untracked(),
            date: date.get_untracked(),
            protocol_id,
            planned,
        };
        match study.edit(|d, now| d.start_interview(new, now).map(|id| (id, ObjectRef::Interview(id)))) {
            Ok((id, _)) => {
                error.set(None);
                chosen.set(Vec::new());
                if planned {
                    ctx.info("The interview is planned; start it from the list when the time comes.");
                } else {
                    navigate(&format!("{base}/interviews/{id}"), Default::default());
                }
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let submit_later = submit.clone();
    let no_protocols = move || study.with(|d| d.protocols.is_empty());
    let protocol_options = Signal::derive(move || {
        study.with(|d| {
            d.protocols
                .iter()
                .map(|p| (p.id.to_string(), format!("{} (version {})", p.name, p.version)))
                .collect::<Vec<_>>()
        })
    });
    let case_options = Signal::derive(move || {
        study.with(|d| d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())).collect::<Vec<_>>())
    });
    let mode_options: Vec<(String, String)> =
        Mode::ALL.iter().map(|m| (m.key().to_string(), m.label().to_string())).collect();
    let kind_name = field_id("kind");
    view! {
        <section class="panel">
            <h2>"Start an interview or focus group"</h2>
            <Show when=no_protocols>
                <p class="warning">"Add an interview protocol first (Protocols tab): every interview follows one."</p>
            </Show>
            <fieldset>
                <legend>"Kind"</legend>
                <div class="segmented">
                    {[InterviewKind::Interview, InterviewKind::FocusGroup].map(|k| {
                        let id = field_id("kind-option");
                        view! {
                            <span class="option">
                                <input type="radio" id=id.clone() name=kind_name.clone() prop:checked=move || kind.get() == k
                                    on:change=move |_| { kind.set(k); chosen.set(Vec::new()); }/>
                                <label for=id>{k.label()}</label>
                            </span>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <div class="grid2">
                <SelectField label="Case" options=case_options
                    value=Signal::derive(move || case.get().map(|c| c.to_string()).unwrap_or_default())
                    on_edit=move |v| { case.set(Uuid::parse_str(&v).ok()); chosen.set(Vec::new()); Ok(()) }/>
                <SelectField label="Protocol" options=protocol_options
                    value=Signal::derive(move || protocol.get().map(|c| c.to_string()).unwrap_or_default())
                    on_edit=move |v| { protocol.set(Uuid::parse_str(&v).ok()); Ok(()) }/>
                <SelectField label="Mode" options=mode_options
                    value=Signal::derive(move || mode.get().key().to_string())
                    on_edit=move |v| { if let Some(m) = Mode::from_key(&v) { mode.set(m) }; Ok(()) }/>
                <TextField label="Interviewer" value=Signal::derive(move || interviewer.get())
                    on_edit=move |v| { interviewer.set(v); Ok(()) }/>
                <TextField label="Date" input_type="date" value=Signal::derive(move || date.get())
                    on_edit=move |v| { date.set(v); Ok(()) }/>
            </div>
            <fieldset>
                <legend>{move || if kind.get() == InterviewKind::Interview { "Participant (one)" } else { "Participants (two or more)" }}</legend>
                {move || {
                    let people = people();
                    if people.is_empty() {
                        return view! { <p class="empty">"Nobody is registered at this case yet."</p> }.into_any();
                    }
                    people.into_iter().map(|(id, name, role, why_not)| {
                        let input_id = field_id("who");
                        let label = match why_not {
                            Some(reason) => format!("{name} — {role} ({reason})"),
                            None => format!("{name} — {role}"),
                        };
                        view! {
                            <div class="check">
                                // One participant for an interview (radio buttons), several for a focus group.
                                <input type=move || if kind.get() == InterviewKind::Interview { "radio" } else { "checkbox" }
                                    name="participants" id=input_id.clone() disabled=why_not.is_some()
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            if kind.get_untracked() == InterviewKind::Interview { c.clear(); }
                                            c.retain(|x| *x != id);
                                            if on { c.push(id); }
                                        });
                                    }/>
                                <label for=input_id>{label}</label>
                            </div>
                        }
                    }).collect_view().into_any()
                }}
            </fieldset>
            <Show when=move || error.with(|e| e.is_some())>
                <p class="field-error" role="alert">{move || error.get()}</p>
            </Show>
            <div class="row wrap">
                <button on:click=move |_| submit(false)>"Start now"</button>
                <button class="secondary" on:click=move |_| submit_later(true)>"Plan for later"</button>
            </div>
        </section>
    }
    .into_any()
}
