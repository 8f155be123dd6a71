//! Interview protocols: the list with built-in templates, and the protocol editor.
//!
//! Every change goes through `StudyData::edit_protocol`, which keeps the version an
//! interview has used and starts a new one on the first change to it. Field values are
//! read through memos, so a keystroke that changes nothing stored (a trailing space the
//! core trims) does not write the field back and the typing is not disturbed.

use fieldkit_core::fieldwork::Section;
use fieldkit_core::fieldwork::protocol::{ProtocolEdit, TEMPLATES};
use fieldkit_core::study::plural;
use fieldkit_core::{ObjectRef, ValidationError};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use uuid::Uuid;

use crate::app::{Confirm, use_ctx};
use crate::autosave::StudyCtx;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, SelectField, TextField, field_id};

/// Applies one edit to a protocol; the message is shown next to the field or via `ctx.error`.
fn edit_protocol(study: StudyCtx, protocol: Uuid, edit: ProtocolEdit) -> Result<(), String> {
    study.edit(|d, now| d.edit_protocol(protocol, edit, now)).map(drop)
}

/// One value read from a section of the current version, recomputed on every change
/// but only passed on when it differs.
fn section_memo<T>(
    study: StudyCtx,
    protocol: Uuid,
    section: Uuid,
    read: impl Fn(&Section) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| {
        study.with(|d| d.protocol(protocol).and_then(|p| p.section(section)).map(&read).unwrap_or_default())
    })
}

#[component]
pub fn ProtocolsTab() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let base = format!("/study/{}", study.id());
    let rows = move || {
        study.with(|d| {
            d.protocols
                .iter()
                .map(|p| (p.id, p.name.clone(), p.version, p.sections.len(), d.interviews_using_protocol(p.id).count()))
                .collect::<Vec<_>>()
        })
    };

    let create_base = base.clone();
    let create_navigate = navigate.clone();
    let create = move |name: String| {
        let id = study.edit(|d, now| d.add_protocol(&name, now).map(|id| (id, ObjectRef::Protocol(id))))?.0;
        create_navigate(&format!("{create_base}/protocols/{id}"), Default::default());
        Ok(())
    };

    let template_base = base.clone();
    let from_template = move |key: &'static str| match study
        .edit(|d, now| d.add_protocol_from_template(key, now).map(|id| (id, ObjectRef::Protocol(id))))
    {
        Ok((id, _)) => navigate(&format!("{template_base}/protocols/{id}"), Default::default()),
        Err(e) => ctx.error(e),
    };

    view! {
        <section class="panel">
            <h2>"Interview protocols"</h2>
            <p class="muted">
                "A protocol is asked the same way at every case. Each interview keeps the version it was run with."
            </p>
            {move || {
                let rows = rows();
                if rows.is_empty() {
                    view! { <p class="empty">"No protocols yet. Start from a template below or create a blank one."</p> }
                        .into_any()
                } else {
                    let base = base.clone();
                    view! {
                        <ul class="cards" aria-label="Protocols">
                            {rows.into_iter().map(|(id, name, version, sections, interviews)| view! {
                                <li class="card">
                                    <A href=format!("{base}/protocols/{id}")><span class="card-title">{name}</span></A>
                                    <p class="muted">{format!("Version {version} · {}", plural(sections, "section", "sections"))}</p>
                                    <p class="muted small">
                                        {if interviews == 0 {
                                            "Not used by any interview yet".to_string()
                                        } else {
                                            format!("Used by {}", plural(interviews, "interview", "interviews"))
                                        }}
                                    </p>
                                </li>
                            }).collect_view()}
                        </ul>
                    }
                    .into_any()
                }
            }}
            <AddByName label="New protocol name" button="Create protocol" on_add=create/>
        </section>
        <section class="panel">
            <h2>"Start from a template"</h2>
            <p class="muted">
                "Adds a copy to this study for you to edit; the built-in template itself never changes."
            </p>
            <ul class="plain templates">
                {TEMPLATES.iter().map(|t| {
                    let from_template = from_template.clone();
                    let key = t.key;
                    let detail = if t.links_research_questions {
                        format!("{} · section N follows the study's research question N", plural(t.sections.len(), "section", "sections"))
                    } else {
                        plural(t.sections.len(), "section", "sections")
                    };
                    view! {
                        <li>
                            <button class="secondary template-choice" on:click=move |_| from_template(key)>
                                <span class="template-name">{t.name}</span>
                                <span class="template-summary">{t.summary}</span>
                                <span class="template-detail">{detail}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
pub fn ProtocolScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let params = use_params_map();
    let base = format!("/study/{}", study.id());
    // A memo, so the editor is built once per protocol and not again on every keystroke.
    let current = Memo::new(move |_| {
        params
            .with(|p| p.get("protocol").and_then(|id| Uuid::parse_str(&id).ok()))
            .filter(|id| study.with(|d| d.protocol(*id).is_some()))
    });
    view! {
        {move || match current.get() {
            Some(id) => view! { <ProtocolEditor protocol=id base=base.clone()/> }.into_any(),
            None => view! {
                <section class="panel">
                    <p class="crumbs"><A href=format!("{base}/protocols")>"← All protocols"</A></p>
                    <p>"This protocol is not in the study (it may have been deleted)."</p>
                </section>
            }
            .into_any(),
        }}
    }
    .into_any()
}

/// The version line, what the next change will do, and whether the current version is in use.
#[derive(Clone, Debug, Default, PartialEq)]
struct VersionInfo {
    line: String,
    next_change: String,
    in_use: bool,
}

#[component]
fn ProtocolEditor(protocol: Uuid, base: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let navigate = use_navigate();
    let id = protocol;
    let edit = move |e: ProtocolEdit| edit_protocol(study, id, e);

    let name = Memo::new(move |_| study.with(|d| d.protocol(id).map(|p| p.name.clone()).unwrap_or_default()));
    let description =
        Memo::new(move |_| study.with(|d| d.protocol(id).map(|p| p.description.clone()).unwrap_or_default()));
    let versions = Memo::new(move |_| {
        study.with(|d| {
            let Some(p) = d.protocol(id) else { return VersionInfo::default() };
            let used_by =
                |version: u32| d.interviews_using_protocol(id).filter(|i| i.protocol_version == version).count();
            let earlier: Vec<String> = p
                .version_numbers()
                .into_iter()
                .filter(|v| *v != p.version)
                .map(|v| format!("version {v} ({})", plural(used_by(v), "interview", "interviews")))
                .collect();
            let line = if earlier.is_empty() {
                format!("Version {}.", p.version)
            } else {
                format!(
                    "Version {}. Earlier versions are kept for the interviews that used them: {}.",
                    p.version,
                    earlier.join(", ")
                )
            };
            let current_users = used_by(p.version);
            let next_change = if current_users > 0 {
                format!(
                    "Version {} is used by {}, so your next change to the name, sections or prompts starts version {}.",
                    p.version,
                    plural(current_users, "interview", "interviews"),
                    p.version_numbers().last().copied().unwrap_or(p.version).saturating_add(1)
                )
            } else {
                format!("No interview uses version {} yet, so changes go straight into it.", p.version)
            };
            VersionInfo { line, next_change, in_use: current_users > 0 }
        })
    });
    let section_ids = move || {
        study.with(|d| d.protocol(id).map(|p| p.sections.iter().map(|s| s.id).collect::<Vec<_>>()).unwrap_or_default())
    };
    let impact = Memo::new(move |_| study.with(|d| d.protocol_deletion_impact(id)));
    let blocked_reason = move || {
        let impact = impact.get();
        impact
            .blocked()
            .then(|| ValidationError::ProtocolInUse { name: name.get(), interviews: impact.interviews }.to_string())
    };
    let delete_note_id = field_id("delete-protocol-note");

    let list = format!("{base}/protocols");
    let back = list.clone();
    let delete = move |_| {
        let Some((title, impact)) =
            study.try_untracked(|d| (d.protocol(id).map(|p| p.name.clone()), d.protocol_deletion_impact(id)))
        else {
            return;
        };
        let title = title.unwrap_or_default();
        if impact.blocked() {
            ctx.error(ValidationError::ProtocolInUse { name: title, interviews: impact.interviews }.to_string());
            return;
        }
        let navigate = navigate.clone();
        let back = back.clone();
        ctx.ask(Confirm {
            title: format!("Delete the protocol “{title}”?"),
            body: format!(
                "{} This cannot be undone.",
                impact.describe().unwrap_or_else(|| "No interview uses it.".into())
            ),
            action: "Delete protocol".into(),
            on_confirm: Box::new(move || match study.remove(|d| d.delete_protocol(id)) {
                Ok(()) => navigate(&back, Default::default()),
                Err(e) => ctx.error(e),
            }),
        });
    };

    let add_section = move |title: String| {
        if title.trim().is_empty() {
            return Err("Type a title for the new section.".to_string());
        }
        // The core needs a main question: start with the title, for the user to replace.
        edit(ProtocolEdit::AddSection {
            id: Uuid::new_v4(),
            title: title.clone(),
            question: title,
            research_question_id: None,
        })
    };

    view! {
        <section class="panel">
            <p class="crumbs"><A href=list>"← All protocols"</A></p>
            <h2>{move || name.get()}</h2>
            <TextField label="Protocol name" value=name on_edit=move |t| edit(ProtocolEdit::Name(t))/>
            <TextField label="Description" multiline=true value=description
                hint="A note for the research team. It is not read out, and changing it never starts a new version."
                on_edit=move |t| edit(ProtocolEdit::Description(t))/>
            <p class="version-line">{move || versions.with(|v| v.line.clone())}</p>
            <p class="muted">
                "Editing a protocol that an interview already uses starts a new version automatically, \
                 so every interview keeps the questions that were actually asked."
            </p>
            <p class=move || if versions.with(|v| v.in_use) { "warning" } else { "muted small" }>
                {move || versions.with(|v| v.next_change.clone())}
            </p>
        </section>
        <div class="protocol-sections">
            <For each=section_ids key=|s| *s children=move |section| view! { <SectionPanel protocol=id section=section/> }/>
        </div>
        <section class="panel">
            <h2>"Add a section"</h2>
            <p class="muted">"The title is used as the main question to begin with; edit the question once the section is added."</p>
            <AddByName label="New section title" button="Add section" on_add=add_section/>
        </section>
        <section class="panel danger-zone">
            <h2>"Delete this protocol"</h2>
            {
                let note_id = delete_note_id.clone();
                move || blocked_reason().map(|reason| view! { <p class="muted" id=note_id.clone()>{reason}</p> })
            }
            <button class="danger" on:click=delete
                disabled=move || impact.with(|i| i.blocked())
                aria-describedby=move || impact.with(|i| i.blocked()).then(|| delete_note_id.clone())>
                "Delete protocol…"
            </button>
        </section>
    }
    .into_any()
}

#[component]
fn SectionPanel(protocol: Uuid, section: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let (pid, sid) = (protocol, section);
    let edit = move |e: ProtocolEdit| edit_protocol(study, pid, e);
    let act = move |e: ProtocolEdit| {
        if let Err(err) = edit_protocol(study, pid, e) {
            ctx.error(err)
        }
    };

    let position = Memo::new(move |_| {
        study.with(|d| {
            d.protocol(pid).and_then(|p| p.sections.iter().position(|s| s.id == sid)).map(|i| i + 1).unwrap_or(0)
        })
    });
    let count = Memo::new(move |_| study.with(|d| d.protocol(pid).map(|p| p.sections.len()).unwrap_or(0)));
    let title = section_memo(study, pid, sid, |s| s.title.clone());
    let question = section_memo(study, pid, sid, |s| s.question.clone());
    let guidance = section_memo(study, pid, sid, |s| s.guidance.clone());
    let colour = section_memo(study, pid, sid, |s| s.colour.clone());
    let research_question =
        section_memo(study, pid, sid, |s| s.research_question_id.map(|q| q.to_string()).unwrap_or_default());
    let placeholder_question = Memo::new(move |_| {
        let q = question.get();
        !q.is_empty() && q == title.get()
    });
    let question_options = Memo::new(move |_| {
        let chosen = research_question.get();
        study.with(|d| {
            let questions = &d.study.research_questions;
            let mut options: Vec<(String, String)> = vec![(String::new(), "Not tied to a question".to_string())];
            options.extend(
                questions.iter().enumerate().map(|(n, q)| (q.id.to_string(), format!("{}. {}", n + 1, q.text))),
            );
            if !chosen.is_empty() && !questions.iter().any(|q| q.id.to_string() == chosen) {
                options.push((chosen, "A research question no longer in the study".to_string()));
            }
            options
        })
    });
    let no_questions = move || study.with(|d| d.study.research_questions.is_empty());
    let prompt_ids = move || {
        study.with(|d| {
            d.protocol(pid)
                .and_then(|p| p.section(sid))
                .map(|s| s.prompts.iter().map(|p| p.id).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };

    let remove = move |_| {
        let Some(Some((n, title, prompts, has_text, in_use))) = study.try_untracked(|d| {
            let p = d.protocol(pid)?;
            let n = p.sections.iter().position(|s| s.id == sid)? + 1;
            let s = p.section(sid)?;
            // A section just added has its title as a placeholder question and nothing else.
            let has_text = !s.guidance.trim().is_empty() || s.question != s.title;
            Some((n, s.title.clone(), s.prompts.len(), has_text, d.protocol_version_in_use(pid, p.version)))
        }) else {
            return;
        };
        if prompts == 0 && !has_text {
            act(ProtocolEdit::RemoveSection(sid));
            return;
        }
        let named = if title.is_empty() { format!("section {n}") } else { format!("section {n}, “{title}”") };
        let mut body = if prompts == 0 {
            "Its main question and guidance go with it.".to_string()
        } else {
            format!(
                "Its main question, guidance and {} go with it.",
                plural(prompts, "follow-up prompt", "follow-up prompts")
            )
        };
        if in_use {
            body.push_str(" Interviews already run keep the version they used.");
        }
        ctx.ask(Confirm {
            title: format!("Remove {named}?"),
            body,
            action: "Remove section".into(),
            on_confirm: Box::new(move || act(ProtocolEdit::RemoveSection(sid))),
        });
    };

    let heading_id = field_id("section-heading");
    let picker_id = field_id("colour-picker");
    view! {
        <section class="panel protocol-section" aria-labelledby=heading_id.clone()
            style=move || colour.get().map(|c| format!("border-left: 8px solid {c};")).unwrap_or_default()>
            <h3 id=heading_id.clone()>{move || format!("Section {}", position.get())}</h3>
            <TextField label="Title" value=title on_edit=move |t| edit(ProtocolEdit::SectionTitle { id: sid, title: t })/>
            <SelectField label="Research question" value=research_question options=question_options
                on_edit=move |v: String| {
                    let chosen = if v.is_empty() {
                        None
                    } else {
                        Some(Uuid::parse_str(&v).map_err(|_| "Choose a research question from the list.".to_string())?)
                    };
                    edit(ProtocolEdit::SectionResearchQuestion { id: sid, research_question_id: chosen })
                }/>
            <Show when=no_questions>
                <p class="hint">"Add the study's research questions on the Overview tab to tie sections to them."</p>
            </Show>
            <TextField label="Main question" multiline=true value=question
                on_edit=move |t| edit(ProtocolEdit::SectionQuestion { id: sid, question: t })/>
            <Show when=move || placeholder_question.get()>
                <p class="hint">"The main question is still the section title; replace it with the question as you will ask it."</p>
            </Show>
            <TextField label="Guidance for the interviewer" multiline=true value=guidance
                hint="Notes for the interviewer; not read out."
                on_edit=move |t| edit(ProtocolEdit::SectionGuidance { id: sid, guidance: t })/>
            <div class="row colour-row">
                <TextField label="Colour" value=Signal::derive(move || colour.get().unwrap_or_default())
                    hint="Optional. A colour code such as #2a7f62; leave blank for none."
                    on_edit=move |t| edit(ProtocolEdit::SectionColour { id: sid, colour: Some(t) })/>
                <div class="field">
                    <label for=picker_id.clone()>"Pick a colour"</label>
                    <input type="color" id=picker_id class="colour-picker"
                        prop:value=move || colour.get().unwrap_or_else(|| "#1f5f5b".to_string())
                        on:change=move |ev| act(ProtocolEdit::SectionColour { id: sid, colour: Some(event_target_value(&ev)) })/>
                </div>
            </div>
            <h4>"Follow-up prompts"</h4>
            <ol class="prompts">
                <For each=prompt_ids key=|p| *p children=move |prompt| view! { <PromptRow protocol=pid section=sid prompt=prompt/> }/>
            </ol>
            <AddByName label="New follow-up prompt" button="Add prompt"
                on_add=move |text| edit(ProtocolEdit::AddPrompt { section: sid, id: Uuid::new_v4(), text })/>
            <div class="row wrap section-actions">
                <button class="secondary" disabled=move || { position.get() <= 1 }
                    on:click=move |_| act(ProtocolEdit::MoveSection { id: sid, by: -1 })>"Move up"</button>
                <button class="secondary" disabled=move || { position.get() >= count.get() }
                    on:click=move |_| act(ProtocolEdit::MoveSection { id: sid, by: 1 })>"Move down"</button>
                <button class="danger" on:click=remove>"Remove section"</button>
            </div>
        </section>
    }
    .into_any()
}

#[component]
fn PromptRow(protocol: Uuid, section: Uuid, prompt: Uuid) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let act = move |e: ProtocolEdit| {
        if let Err(err) = edit_protocol(study, protocol, e) {
            ctx.error(err)
        }
    };
    let position = Memo::new(move |_| {
        study.with(|d| {
            d.protocol(protocol)
                .and_then(|p| p.section(section))
                .and_then(|s| s.prompts.iter().position(|p| p.id == prompt))
                .map(|i| i + 1)
                .unwrap_or(0)
        })
    });
    let count = section_memo(study, protocol, section, |s| s.prompts.len());
    let text = section_memo(study, protocol, section, move |s| {
        s.prompts.iter().find(|p| p.id == prompt).map(|p| p.text.clone()).unwrap_or_default()
    });
    view! {
        <li class="prompt">
            <TextField label=Signal::derive(move || format!("Prompt {}", position.get())) value=text
                on_edit=move |t| edit_protocol(study, protocol, ProtocolEdit::PromptText { id: prompt, text: t })/>
            <div class="row">
                <button class="secondary" disabled=move || { position.get() <= 1 }
                    on:click=move |_| act(ProtocolEdit::MovePrompt { id: prompt, by: -1 })>"Move up"</button>
                <button class="secondary" disabled=move || { position.get() >= count.get() }
                    on:click=move |_| act(ProtocolEdit::MovePrompt { id: prompt, by: 1 })>"Move down"</button>
                <button class="secondary" on:click=move |_| act(ProtocolEdit::RemovePrompt(prompt))>"Remove"</button>
            </div>
        </li>
    }
    .into_any()
}
