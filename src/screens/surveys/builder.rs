//! The survey builder: pages, questions of every kind, options, Likert scales,
//! skip-logic conditions as clauses in plain words, and Welsh texts.
//!
//! Every change goes through `StudyData::edit_survey`, which starts a new version on
//! the first change to a version responses have used.

use fieldkit_core::study::plural;
use fieldkit_core::surveys::builder::suggest_question_name;
use fieldkit_core::surveys::*;
use fieldkit_core::surveys::{SurveyEdit, WELSH, agreement_scale};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use super::conditions::ConditionEditor;
use super::*;
use crate::app::{Confirm, use_ctx};
use crate::autosave::StudyCtx;
use crate::screens::study::use_study;
use crate::widgets::{AddByName, CheckField, SelectField, TextField};

/// One value read from a survey's current version, passed on only when it changes.
pub(crate) fn survey_memo<T>(
    study: StudyCtx,
    survey: Uuid,
    read: impl Fn(&Survey) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.with(|d| d.survey(survey).map(&read).unwrap_or_default()))
}

pub(crate) fn question_memo<T>(
    study: StudyCtx,
    survey: Uuid,
    q: Uuid,
    read: impl Fn(&Question) -> T + Send + Sync + 'static,
) -> Memo<T>
where
    T: Default + PartialEq + Send + Sync + 'static,
{
    Memo::new(move |_| study.with(|d| d.survey(survey).and_then(|s| s.question(q)).map(&read).unwrap_or_default()))
}

/// An English field and, when the survey offers Welsh, a Welsh one.
#[component]
pub(crate) fn Translated<F>(
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

pub(crate) const KINDS: [(&str, &str); 11] = [
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

pub(crate) fn new_kind(key: &str) -> QuestionKind {
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

pub(crate) fn kind_label(kind: &QuestionKind) -> &'static str {
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
        {move || match survey_id.get().filter(|id| study.untracked(|d| d.survey(*id).is_some())) {
            None => view! { <p class="empty">"This survey is not in the study."</p> }.into_any(),
            Some(survey) => view! { <Builder survey=survey base=base.clone()/> }.into_any(),
        }}
    }
    .into_any()
}

#[component]
pub(crate) fn Builder(survey: Uuid, base: String) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let name = survey_memo(study, survey, |s| s.name.clone());
    let description = survey_memo(study, survey, |s| s.description.clone());
    let welsh = survey_memo(study, survey, |s| s.languages.iter().any(|l| l == WELSH));
    let pages = survey_memo(study, survey, |s| s.pages.iter().map(|p| p.id).collect::<Vec<_>>());
    let version_note = Memo::new(move |_| {
        study.with(|d| {
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
pub(crate) fn PageEditor(survey: Uuid, page: Uuid, welsh: Memo<bool>) -> impl IntoView {
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
        let name =
            study.untracked(|d| d.survey(survey).map(|s| suggest_question_name(&s.pages, &label)).unwrap_or_default());
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
pub(crate) fn QuestionEditor(survey: Uuid, question: Uuid, welsh: Memo<bool>) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let q = question;
    let name = question_memo(study, survey, q, |x| x.name.clone());
    let label = question_memo(study, survey, q, |x| x.label.clone());
    let help = question_memo(study, survey, q, |x| x.help.clone());
    let required = question_memo(study, survey, q, |x| x.required);
    let message = question_memo(study, survey, q, |x| x.required_message.clone());
    let condition = question_memo(study, survey, q, |x| x.condition.clone());
    let kind = Memo::new(move |_| study.with(|d| d.survey(survey).and_then(|s| s.question(q)).map(|x| x.kind.clone())));
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
pub(crate) fn option_value(label: &str, taken: &[String]) -> String {
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
pub(crate) fn KindEditor(
    survey: Uuid,
    question: Uuid,
    kind: Memo<Option<QuestionKind>>,
    welsh: Memo<bool>,
) -> impl IntoView {
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
                        let name = study.untracked(|d| d.survey(survey).map(|s| suggest_question_name(&s.pages, &label)).unwrap_or_default());
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
