//! One survey question as a participant answers it (and as a researcher corrects it):
//! a labelled control for each question kind, in the response's language, with help
//! text and the validation message tied to the control for screen readers.

use std::collections::BTreeMap;

use fieldkit_core::surveys::WELSH;
use fieldkit_core::surveys::*;
use fieldkit_core::*;
use leptos::prelude::*;
use uuid::Uuid;

use crate::widgets::field_id;

/// Text in the respondent's language; a missing translation shows the English text,
/// marked as English so it is visible (and read out in the right voice).
fn localised(text: &Text, language: &str) -> AnyView {
    let (shown, fell_back) = text.get(language);
    let shown = shown.to_string();
    if fell_back && !shown.is_empty() {
        view! { <span lang="en">{shown}</span><span class="fallback">" (English)"</span> }.into_any()
    } else {
        view! { <span>{shown}</span> }.into_any()
    }
}

fn required_mark(language: &str) -> &'static str {
    if language == WELSH { " (angen ateb)" } else { " (required)" }
}

fn yes_no_words(language: &str) -> (&'static str, &'static str) {
    if language == WELSH { ("Ie", "Na") } else { ("Yes", "No") }
}

#[component]
pub fn QuestionInput<F>(
    question: Question,
    language: String,
    /// The stored answer.
    #[prop(into)]
    value: Signal<Option<AnswerValue>>,
    /// The message to show next to the question, if any.
    #[prop(into)]
    problem: Signal<Option<String>>,
    on_change: F,
) -> impl IntoView
where
    F: Fn(Option<AnswerValue>) + Clone + 'static,
{
    let base = field_id(&format!("q-{}", question.name));
    let help_id = format!("{base}-help");
    let error_id = format!("{base}-error");
    let has_help = !question.help.is_empty();
    // Local problems (e.g. "Enter a number" while typing) come before the stored ones.
    let local = RwSignal::new(None::<String>);
    let shown_problem = Signal::derive(move || local.get().or_else(|| problem.get()));
    let invalid = move || if shown_problem.with(|p| p.is_some()) { "true" } else { "false" };
    let described = {
        let help_id = help_id.clone();
        let error_id = error_id.clone();
        move || {
            let mut ids = Vec::new();
            if has_help {
                ids.push(help_id.clone());
            }
            if shown_problem.with(|p| p.is_some()) {
                ids.push(error_id.clone());
            }
            ids.join(" ")
        }
    };
    let label = view! {
        {localised(&question.label, &language)}
        {(question.required && !matches!(question.kind, QuestionKind::Info)).then(|| view! { <span class="required">{required_mark(&language)}</span> })}
    };
    let help =
        has_help.then(|| view! { <p class="hint" id=help_id.clone()>{localised(&question.help, &language)}</p> });
    let error = view! {
        <p class="field-error" id=error_id.clone() hidden=move || shown_problem.with(|p| p.is_none())>{move || shown_problem.get()}</p>
    };
    let initial = value.get_untracked();
    let lang = language.clone();
    let group_name = base.clone();

    // A set of radio buttons, one per (value, label view).
    let radios = move |choices: Vec<(String, AnyView)>, current: Option<String>, pick: Box<dyn Fn(String)>| {
        let pick = std::rc::Rc::new(pick);
        let name = group_name.clone();
        choices
            .into_iter()
            .map(|(v, text)| {
                let id = field_id("opt");
                let checked = current.as_deref() == Some(v.as_str());
                let pick = pick.clone();
                let chosen = v.clone();
                view! {
                    <div class="choice">
                        <input type="radio" id=id.clone() name=name.clone() value=v prop:checked=checked
                            on:change=move |_| pick(chosen.clone())/>
                        <label for=id>{text}</label>
                    </div>
                }
            })
            .collect_view()
    };

    let control = match question.kind.clone() {
        QuestionKind::Info => view! {
            <div class="info-text" id=base.clone()>{label}{help}</div>
        }
        .into_any(),
        QuestionKind::SingleChoice { options } => {
            let current = match &initial {
                Some(AnswerValue::Choice(c)) => Some(c.clone()),
                _ => None,
            };
            let change = on_change.clone();
            let choices = options.iter().map(|o| (o.value.clone(), localised(&o.label, &lang))).collect();
            view! {
                <fieldset class="question-group" aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>{help}
                    {radios(choices, current, Box::new(move |v| change(Some(AnswerValue::Choice(v)))))}
                    {error}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::YesNo => {
            let current = match &initial {
                Some(AnswerValue::Bool(b)) => Some(if *b { "yes" } else { "no" }.to_string()),
                _ => None,
            };
            let (yes, no) = yes_no_words(&lang);
            let change = on_change.clone();
            let choices =
                vec![("yes".to_string(), view! { {yes} }.into_any()), ("no".to_string(), view! { {no} }.into_any())];
            view! {
                <fieldset class="question-group yes-no" aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>{help}
                    <div class="segmented">{radios(choices, current, Box::new(move |v| change(Some(AnswerValue::Bool(v == "yes")))))}</div>
                    {error}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::Rating { max } => {
            let current = match &initial {
                Some(AnswerValue::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            let change = on_change.clone();
            let choices = (1..=max).map(|n| (n.to_string(), view! { {n.to_string()} }.into_any())).collect();
            view! {
                <fieldset class="question-group rating" aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>{help}
                    <div class="segmented">{radios(choices, current, Box::new(move |v| change(v.parse::<f64>().ok().map(AnswerValue::Number))))}</div>
                    {error}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::MultipleChoice { options } => {
            let ticked = RwSignal::new(match &initial {
                Some(AnswerValue::Choices(c)) => c.clone(),
                _ => Vec::new(),
            });
            let order: Vec<String> = options.iter().map(|o| o.value.clone()).collect();
            let boxes = options
                .iter()
                .map(|o| {
                    let id = field_id("opt");
                    let v = o.value.clone();
                    let checked = ticked.with_untracked(|t| t.contains(&v));
                    let change = on_change.clone();
                    let order = order.clone();
                    view! {
                        <div class="choice">
                            <input type="checkbox" id=id.clone() value=v.clone() prop:checked=checked
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    ticked.update(|t| { t.retain(|x| x != &v); if on { t.push(v.clone()); } });
                                    let list: Vec<String> = order.iter().filter(|x| ticked.with_untracked(|t| t.contains(x))).cloned().collect();
                                    change(if list.is_empty() { None } else { Some(AnswerValue::Choices(list)) });
                                }/>
                            <label for=id>{localised(&o.label, &lang)}</label>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="question-group" aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>{help}{boxes}{error}
                </fieldset>
            }
            .into_any()
        }
        QuestionKind::Likert { points, scale, items } => {
            let chosen = RwSignal::new(match &initial {
                Some(AnswerValue::Scale(s)) => s.clone(),
                _ => BTreeMap::<Uuid, u8>::new(),
            });
            let point_label = |p: u8| -> AnyView {
                match scale.get(usize::from(p) - 1).filter(|t| !t.is_empty()) {
                    Some(t) => localised(t, &lang),
                    None => view! { {p.to_string()} }.into_any(),
                }
            };
            let header =
                (1..=points).map(|p| view! { <span class="likert-point">{point_label(p)}</span> }).collect_view();
            let rows = items
                .iter()
                .map(|item| {
                    let name = field_id("likert");
                    let item_id = item.id;
                    let current = chosen.with_untracked(|c| c.get(&item_id).copied());
                    let cells = (1..=points)
                        .map(|p| {
                            let id = field_id("pt");
                            let change = on_change.clone();
                            view! {
                                <span class="likert-cell">
                                    <input type="radio" id=id.clone() name=name.clone() value=p.to_string() prop:checked=current == Some(p)
                                        on:change=move |_| {
                                            chosen.update(|c| { c.insert(item_id, p); });
                                            change(Some(AnswerValue::Scale(chosen.get_untracked())));
                                        }/>
                                    <label for=id>{point_label(p)}</label>
                                </span>
                            }
                        })
                        .collect_view();
                    let statement_id = field_id("statement");
                    let labelled_by = statement_id.clone();
                    view! {
                        <div class="likert-item" role="radiogroup" aria-labelledby=labelled_by>
                            <span class="likert-statement" id=statement_id>{localised(&item.label, &lang)}</span>
                            <div class="likert-scale">{cells}</div>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="question-group likert" style=format!("--points: {points}") aria-describedby=described aria-invalid=invalid>
                    <legend>{label}</legend>{help}
                    <div class="likert-head" aria-hidden="true"><span></span>{header}</div>
                    {rows}
                    {error}
                </fieldset>
            }
            .into_any()
        }
        kind => {
            // One input: text, long text, number or date.
            let text = match &initial {
                Some(AnswerValue::Text(t)) => t.clone(),
                Some(AnswerValue::Number(n)) => n.to_string(),
                Some(AnswerValue::Date(d)) => d.to_string(),
                _ => String::new(),
            };
            let change = on_change.clone();
            let lang2 = lang.clone();
            let kind2 = kind.clone();
            let handle = move |raw: String| {
                let trimmed = raw.trim();
                let parsed = if trimmed.is_empty() {
                    Ok(None)
                } else {
                    match &kind2 {
                        QuestionKind::Number { .. } => trimmed
                            .replace(',', ".")
                            .parse::<f64>()
                            .ok()
                            .filter(|n| n.is_finite())
                            .map(|n| Some(AnswerValue::Number(n)))
                            .ok_or(AnswerProblem::NotANumber.message(&lang2)),
                        QuestionKind::Date => {
                            Date::parse(trimmed).map(|d| Some(AnswerValue::Date(d))).map_err(|e| e.to_string())
                        }
                        _ => Ok(Some(AnswerValue::Text(raw.clone()))),
                    }
                };
                match parsed {
                    Ok(v) => {
                        local.set(None);
                        change(v);
                    }
                    Err(message) => {
                        local.set(Some(message));
                        change(None);
                    }
                }
            };
            let id = base.clone();
            let input = match kind {
                QuestionKind::LongText { .. } => view! {
                    <textarea id=id.clone() rows="5" aria-describedby=described aria-invalid=invalid
                        aria-required=question.required.then_some("true")
                        // A property, not the default text: a field reused for another
                        // question on the next page must show that question's answer.
                        prop:value=text on:input=move |ev| handle(event_target_value(&ev))></textarea>
                }
                .into_any(),
                other => {
                    let (input_type, mode) = match other {
                        QuestionKind::Number { integer: true, .. } => ("text", "numeric"),
                        QuestionKind::Number { .. } => ("text", "decimal"),
                        QuestionKind::Date => ("date", "none"),
                        _ => ("text", "text"),
                    };
                    view! {
                        <input id=id.clone() type=input_type inputmode=mode prop:value=text autocomplete="off"
                            aria-describedby=described aria-invalid=invalid
                            aria-required=question.required.then_some("true")
                            on:input=move |ev| handle(event_target_value(&ev))/>
                    }
                    .into_any()
                }
            };
            view! {
                <div class="question-group field">
                    <label for=id>{label}</label>{help}{input}{error}
                </div>
            }
            .into_any()
        }
    };
    view! { <div class="question" data-question=question.name.clone()>{control}</div> }
}
