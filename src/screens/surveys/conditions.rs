//! Skip logic in the builder: a condition edited as clauses ("question is / is not /
//! is one of … answer"), joined by all or any, with the refusal shown beside it.

use fieldkit_core::surveys::builder::{Clause, ClauseOp, Combine, clauses_of, condition_from_clauses};
use fieldkit_core::surveys::questions_before;
use fieldkit_core::surveys::*;
use leptos::prelude::*;
use uuid::Uuid;

use crate::screens::study::use_study;
use crate::widgets::field_id;

/// Skip logic for a page or question: shown in words, edited as a list of clauses.
#[component]
pub(crate) fn ConditionEditor<F>(
    survey: Uuid,
    owner: Uuid,
    condition: Memo<Option<Condition>>,
    apply: F,
) -> impl IntoView
where
    F: Fn(Option<Condition>) -> Result<(), String> + Clone + Send + Sync + 'static,
{
    let Some(study) = use_study() else { return ().into_any() };
    let words = Memo::new(move |_| {
        let c = condition.get();
        study.with(|d| match (c, d.survey(survey)) {
            (Some(c), Some(s)) => c.describe(&s.pages, DEFAULT_LANGUAGE),
            _ => "Always shown.".to_string(),
        })
    });
    // (id, label, kind) of the questions before the owner: the ones a condition may use.
    let earlier = Memo::new(move |_| {
        study.with(|d| {
            d.survey(survey)
                .and_then(|s| questions_before(&s.pages, owner))
                .map(|qs| {
                    qs.into_iter()
                        .filter(|q| !matches!(q.kind, QuestionKind::Info))
                        .map(|q| (q.id, q.label.get(DEFAULT_LANGUAGE).0.to_string(), q.kind.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let initial = condition.get_untracked().as_ref().map(clauses_of);
    let editable = !matches!(initial, Some(None));
    let (start_combine, start_clauses) = initial.flatten().unwrap_or((Combine::All, Vec::new()));
    let combine = RwSignal::new(start_combine);
    let clauses = RwSignal::new(start_clauses);
    let error = RwSignal::new(None::<String>);
    let save = {
        let apply = apply.clone();
        move || {
            let outcome = condition_from_clauses(combine.get_untracked(), &clauses.get_untracked()).and_then(&apply);
            error.set(outcome.err());
        }
    };
    let add = {
        let save = save.clone();
        move |_| {
            let Some((id, _, kind)) = earlier.get_untracked().into_iter().last() else {
                error.set(Some("Only questions asked before this one can be used, and there are none.".into()));
                return;
            };
            let op = ClauseOp::for_kind(&kind).first().copied().unwrap_or(ClauseOp::Answered);
            let value = first_value(&kind);
            clauses.update(|c| c.push(Clause { question: id, op, value }));
            save();
        }
    };
    let clear = {
        let apply = apply.clone();
        move |_| {
            clauses.set(Vec::new());
            error.set(apply(None).err());
        }
    };
    let combine_id = field_id("combine");
    view! {
        <fieldset class="sub-editor condition-editor">
            <legend>"When to show"</legend>
            <p class="condition-words">{move || words.get()}</p>
            {if editable {
                let save = save.clone();
                let save2 = save.clone();
                view! {
                    <Show when=move || { clauses.with(|c| c.len()) > 1 }>
                        {
                            let save = save.clone();
                            let combine_id = combine_id.clone();
                            view! {
                                <div class="field">
                                    <label for=combine_id.clone()>"Show when"</label>
                                    <select id=combine_id on:change=move |ev| {
                                        combine.set(if event_target_value(&ev) == "any" { Combine::Any } else { Combine::All });
                                        save();
                                    }>
                                        <option value="all" selected=move || combine.get() == Combine::All>"all of these hold"</option>
                                        <option value="any" selected=move || combine.get() == Combine::Any>"any of these holds"</option>
                                    </select>
                                </div>
                            }
                        }
                    </Show>
                    <ol class="clauses">
                        {move || clauses.get().into_iter().enumerate().map(|(i, clause)| {
                            let save = save2.clone();
                            view! { <ClauseRow index=i clause=clause earlier=earlier clauses=clauses on_change=save/> }
                        }).collect_view()}
                    </ol>
                    <div class="row wrap">
                        <button class="secondary" on:click=add.clone()>"Add a condition"</button>
                        <Show when=move || condition.with(|c| c.is_some())>
                            <button class="secondary" on:click=clear.clone()>"Always show"</button>
                        </Show>
                    </div>
                }.into_any()
            } else {
                view! {
                    <p class="muted">"This condition is nested too deeply to edit here."</p>
                    <button class="secondary" on:click=clear.clone()>"Remove the condition"</button>
                }.into_any()
            }}
            <p class="field-error" role="alert" hidden=move || error.with(|e| e.is_none())>{move || error.get()}</p>
        </fieldset>
    }
    .into_any()
}

pub(crate) fn first_value(kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            options.first().map(|o| o.value.clone()).unwrap_or_default()
        }
        QuestionKind::YesNo => "yes".into(),
        QuestionKind::Rating { .. } | QuestionKind::Number { .. } => "1".into(),
        _ => String::new(),
    }
}

#[component]
pub(crate) fn ClauseRow<F>(
    index: usize,
    clause: Clause,
    earlier: Memo<Vec<(Uuid, String, QuestionKind)>>,
    clauses: RwSignal<Vec<Clause>>,
    on_change: F,
) -> impl IntoView
where
    F: Fn() + Clone + 'static,
{
    let kind =
        earlier.with_untracked(|e| e.iter().find(|(id, _, _)| *id == clause.question).map(|(_, _, k)| k.clone()));
    let ops = kind.as_ref().map(ClauseOp::for_kind).unwrap_or_default();
    let set = {
        let on_change = on_change.clone();
        move |f: &dyn Fn(&mut Clause)| {
            clauses.update(|c| {
                if let Some(x) = c.get_mut(index) {
                    f(x);
                }
            });
            on_change();
        }
    };
    let (q_id, op_id, v_id) = (field_id("cq"), field_id("cop"), field_id("cv"));
    let set_q = set.clone();
    let set_op = set.clone();
    let set_v = set.clone();
    let set_remove = on_change.clone();
    let value_input = match (&kind, clause.op.takes_value(), clause.op) {
        (_, false, _) => None,
        (Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }), true, op)
            if op != ClauseOp::IsOneOf =>
        {
            let current = clause.value.clone();
            Some(view! {
                <div class="field">
                    <label for=v_id.clone()>"Answer"</label>
                    <select id=v_id.clone() on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }>
                        {options.iter().map(|o| view! {
                            <option value=o.value.clone() selected=o.value == current>{o.label.get(DEFAULT_LANGUAGE).0.to_string()}</option>
                        }).collect_view()}
                    </select>
                </div>
            }.into_any())
        }
        (Some(QuestionKind::YesNo), true, op) if op != ClauseOp::IsOneOf => {
            let current = clause.value.clone();
            Some(view! {
                <div class="field">
                    <label for=v_id.clone()>"Answer"</label>
                    <select id=v_id.clone() on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }>
                        <option value="yes" selected=current == "yes">"Yes"</option>
                        <option value="no" selected=current == "no">"No"</option>
                    </select>
                </div>
            }.into_any())
        }
        (k, true, op) => {
            let hint = match (k, op) {
                (
                    Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }),
                    ClauseOp::IsOneOf,
                ) => format!(
                    "Option values separated by commas: {}",
                    options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", ")
                ),
                (Some(QuestionKind::YesNo), _) => "yes, no".to_string(),
                _ => String::new(),
            };
            Some(
                view! {
                    <div class="field">
                        <label for=v_id.clone()>"Value"</label>
                        {(!hint.is_empty()).then(|| view! { <p class="hint">{hint.clone()}</p> })}
                        <input id=v_id.clone() type="text" prop:value=clause.value.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); set_v(&|c| c.value = v.clone()); }/>
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <li class="clause row wrap">
            <div class="field">
                <label for=q_id.clone()>"Question"</label>
                <select id=q_id.clone() on:change=move |ev| {
                    let Ok(id) = Uuid::parse_str(&event_target_value(&ev)) else { return };
                    let kind = earlier.with_untracked(|e| e.iter().find(|(q, _, _)| *q == id).map(|(_, _, k)| k.clone()));
                    let op = kind.as_ref().and_then(|k| ClauseOp::for_kind(k).first().copied()).unwrap_or(ClauseOp::Answered);
                    let value = kind.as_ref().map(first_value).unwrap_or_default();
                    set_q(&|c| { c.question = id; c.op = op; c.value = value.clone(); });
                }>
                    {earlier.get_untracked().into_iter().map(|(id, label, _)| view! {
                        <option value=id.to_string() selected=id == clause.question>{label}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for=op_id.clone()>"Condition"</label>
                <select id=op_id.clone() on:change=move |ev| {
                    if let Some(op) = ClauseOp::parse(&event_target_value(&ev)) { set_op(&|c| c.op = op); }
                }>
                    {ops.into_iter().map(|op| view! { <option value=op.key() selected=op == clause.op>{op.label()}</option> }).collect_view()}
                </select>
            </div>
            {value_input}
            <button class="secondary" on:click=move |_| { clauses.update(|c| { if index < c.len() { c.remove(index); } }); set_remove(); }>"Remove"</button>
        </li>
    }
}
