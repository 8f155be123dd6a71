//! Participants: the list (participants tab) and one participant's page with pseudonym,
//! role, case, consent, and identifying details kept apart.

use fieldkit_core::study::{Identity, Participant, ParticipantEdit};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::Topic;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, CheckField, SelectField, TextField, drawn_rows};

fn parse_choice(value: &str) -> Option<Uuid> {
    Uuid::parse_str(value).ok()
}

#[component]
pub fn ParticipantScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let params = use_params_map();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let pid = move || params.with(|p| p.get("participant").and_then(|c| Uuid::parse_str(&c).ok()));
    // A memo, so the page is built once per participant, not on every keystroke.
    let shown = Memo::new(move |_| pid().filter(|id| study.with(|d| d.participant(*id).is_some())));

    let body = move || {
        let Some(id) = shown.get() else {
            return view! {
                <section class="panel"><p>"This participant is not in the study (they may have been deleted)."</p></section>
            }
            .into_any();
        };
        let read = move |f: fn(&Participant) -> String| {
            Signal::derive(move || study.with(|d| d.participant(id).map(f).unwrap_or_default()))
        };
        let flag =
            move |f: fn(&Participant) -> bool| Signal::derive(move || study.with(|d| d.participant(id).is_some_and(f)));
        let private = move |f: fn(&Identity) -> String| {
            Signal::derive(move || study.with(|d| d.identity(id).map(f).unwrap_or_default()))
        };
        let edit = move |e: ParticipantEdit| study.edit(|d, now| d.edit_participant(id, e, now)).map(drop);
        let role_options = Signal::derive(move || {
            study.with(|d| {
                std::iter::once((String::new(), "No role".to_string()))
                    .chain(d.study.roles.iter().map(|r| (r.id.to_string(), r.name.clone())))
                    .collect::<Vec<_>>()
            })
        });
        let case_options = Signal::derive(move || {
            study.with(|d| {
                std::iter::once((String::new(), "No case".to_string()))
                    .chain(d.cases.iter().map(|c| (c.id.to_string(), c.name.clone())))
                    .collect::<Vec<_>>()
            })
        });
        let list = format!("{base}/participants");
        let back = list.clone();
        let navigate = navigate.clone();
        let delete = move |_| {
            let (name, impact) = study.untracked(|d| {
                (d.participant(id).map(|p| p.pseudonym.clone()).unwrap_or_default(), d.participant_deletion_impact(id))
            });
            let navigate = navigate.clone();
            let back = back.clone();
            ctx.ask(Confirm {
                title: format!("Delete the participant “{name}”?"),
                body: impact.describe().unwrap_or_else(|| "Nothing else is linked to them yet.".into()),
                action: "Delete participant".into(),
                on_confirm: Box::new(move || match study.remove(|d| d.delete_participant(id)) {
                    Ok(()) => navigate(&back, Default::default()),
                    Err(e) => ctx.error(e),
                }),
            });
        };
        let withdrawn = flag(|p| p.consent.withdrawn);
        // Withdrawal: the researcher may also remove everything collected from them.
        let remove_data = move |_| {
            let (name, impact) = study.untracked(|d| {
                (d.participant(id).map(|p| p.pseudonym.clone()).unwrap_or_default(), d.withdrawal_impact(id))
            });
            if impact.is_empty() {
                ctx.info(impact.describe(&name));
                return;
            }
            ctx.ask(Confirm {
                title: format!("Remove everything collected from “{name}”?"),
                body: format!("{} This cannot be undone.", impact.describe(&name)),
                action: "Remove their data".into(),
                on_confirm: Box::new(move || match study.edit(|d, now| d.remove_withdrawn_data(id, now)) {
                    Ok(_) => {
                        study.flush();
                        ctx.info(format!("What {name} gave the study was removed."));
                    }
                    Err(e) => ctx.error(e),
                }),
            });
        };
        view! {
            <section class="panel">
                <p class="crumbs"><A href=list.clone()>"← All participants"</A></p>
                <h2>{move || study.with(|d| d.participant(id).map(|p| p.pseudonym.clone()).unwrap_or_default())}</h2>
                <TextField label="Pseudonym" hint="Shown everywhere in the study and in exports."
                    value=read(|p| p.pseudonym.clone()) on_edit=move |t| edit(ParticipantEdit::Pseudonym(t))/>
                <div class="grid2">
                    <SelectField label="Stakeholder role" options=role_options
                        value=read(|p| p.role_id.map(|r| r.to_string()).unwrap_or_default())
                        on_edit=move |v| edit(ParticipantEdit::Role(parse_choice(&v)))/>
                    <SelectField label="Case" options=case_options
                        value=read(|p| p.case_id.map(|c| c.to_string()).unwrap_or_default())
                        on_edit=move |v| edit(ParticipantEdit::Case(parse_choice(&v)))/>
                </div>
                <TextField label="Research notes" multiline=true value=read(|p| p.notes.clone())
                    on_edit=move |t| edit(ParticipantEdit::Notes(t))/>
            </section>
            <section class="panel">
                <h2>"Consent"</h2>
                <TextField label="Date of consent" input_type="date"
                    value=read(|p| p.consent.date.map(|d| d.to_string()).unwrap_or_default())
                    on_edit=move |t| edit(ParticipantEdit::ConsentDate(t))/>
                <fieldset>
                    <legend>"Consented to"</legend>
                    <CheckField label="Interview" checked=flag(|p| p.consent.interview)
                        on_edit=move |v| edit(ParticipantEdit::ConsentInterview(v))/>
                    <CheckField label="Audio recording" checked=flag(|p| p.consent.audio_recording)
                        on_edit=move |v| edit(ParticipantEdit::ConsentAudio(v))/>
                    <CheckField label="Being quoted (anonymously)" checked=flag(|p| p.consent.quotation)
                        on_edit=move |v| edit(ParticipantEdit::ConsentQuotation(v))/>
                    <CheckField label="The stakeholder survey" checked=flag(|p| p.consent.survey)
                        on_edit=move |v| edit(ParticipantEdit::ConsentSurvey(v))/>
                </fieldset>
                <TextField label="Consent form version" hint="Which form was signed, e.g. “v2, March 2026”."
                    value=read(|p| p.consent.form_version.clone())
                    on_edit=move |t| edit(ParticipantEdit::ConsentFormVersion(t))/>
                <CheckField label="Consent withdrawn" checked=withdrawn on_edit=move |v| edit(ParticipantEdit::Withdrawn(v))/>
                <Show when=move || withdrawn.get()>
                    <TextField label="Date consent was withdrawn" input_type="date"
                        value=read(|p| p.consent.withdrawn_on.map(|d| d.to_string()).unwrap_or_default())
                        on_edit=move |t| edit(ParticipantEdit::WithdrawnOn(t))/>
                    <p class="muted small">"What was already collected is kept: the participant's interviews, survey answers and coded passages stay in the study and its exports, unless you remove them."</p>
                    <button class="danger" on:click=remove_data>"Remove their data everywhere…"</button>
                </Show>
                <Show when=move || withdrawn.get()>
                    <p class="warning" role="status">"Consent withdrawn: this participant cannot be chosen for new interviews."</p>
                </Show>
            </section>
            <section class="panel private">
                <h2>"Identifying details"</h2>
                <p class="muted">"Kept on this device, stored apart from the research data, and left out of exports unless you ask for them."</p>
                <TextField label="Real name" value=private(|i| i.real_name.clone()) on_edit=move |t| edit(ParticipantEdit::RealName(t))/>
                <TextField label="Contact details" value=private(|i| i.contact.clone()) on_edit=move |t| edit(ParticipantEdit::Contact(t))/>
                <TextField label="Private notes" multiline=true value=private(|i| i.notes.clone())
                    on_edit=move |t| edit(ParticipantEdit::IdentityNotes(t))/>
            </section>
            <section class="panel danger-zone">
                <button class="danger" on:click=delete>"Delete participant…"</button>
            </section>
        }
        .into_any()
    };
    view! { {body} }.into_any()
}

#[component]
pub fn ParticipantsTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = Memo::new(move |_| {
        study.read(&[Topic::Participants, Topic::Cases, Topic::Study], |d| {
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
    });
    let drawn = drawn_rows(rows);
    let empty = Memo::new(move |_| rows.with(Vec::is_empty));
    let base2 = base.clone();
    view! {
        <section class="panel">
            <h2>"Participants"</h2>
            <p class="muted">"Pseudonyms are shown everywhere; identifying details stay on the participant's own page."</p>
            {move || {
                if empty.get() {
                    return view! { <p class="empty">"No participants yet."</p> }.into_any();
                }
                let base = base.clone();
                view! {
                    <table class="list">
                        <thead><tr><th scope="col">"Pseudonym"</th><th scope="col">"Role"</th><th scope="col">"Case"</th><th scope="col">"Consent"</th></tr></thead>
                        <tbody>
                            <For each=move || drawn.get() key=|row| row.clone() let((id, name, role, case, consent))>
                                <tr>
                                    <td><A href=format!("{base}/participants/{id}")>{name}</A></td>
                                    <td>{role}</td>
                                    <td>{case}</td>
                                    <td>{consent}</td>
                                </tr>
                            </For>
                        </tbody>
                    </table>
                }.into_any()
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
