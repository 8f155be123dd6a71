//! Merging another tablet's backup into the open study: what would be added, what is
//! unchanged, and each object edited on both tablets as a conflict the user resolves
//! (keep mine, keep theirs, or keep both where that makes sense). Nothing is dropped
//! silently; the summary at the end counts everything per kind.

use std::collections::{BTreeMap, HashMap};

use fieldkit_core::exchange::merge::{
    self, MergeKind, MergePlan, MergeStatus, MergeSummary, Resolution, default_resolution,
};
use fieldkit_core::sync::settle::Difference;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::browser;
use crate::screens::study::use_study;

fn resolution_label(r: Resolution) -> &'static str {
    match r {
        Resolution::KeepMine => "Keep this tablet's",
        Resolution::KeepTheirs => "Keep the other tablet's",
        Resolution::KeepBoth => "Keep both",
    }
}

/// One object changed on both sides, as the conflict view shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ConflictRow {
    pub kind: MergeKind,
    pub id: Uuid,
    pub label: String,
    /// What each version says, where it is known (team sync), so both can be read.
    pub differences: Vec<Difference>,
}

/// The conflict view of merging a backup and of settling team sync: per object
/// changed on both sides, its choices (keep both only where that makes sense).
#[component]
pub fn ConflictChoices(
    conflicts: Vec<ConflictRow>,
    choices: RwSignal<HashMap<(MergeKind, Uuid), Resolution>>,
    labels: fn(Resolution) -> &'static str,
) -> impl IntoView {
    conflicts
        .into_iter()
        .map(|row| {
            let ConflictRow { kind, id, label, differences } = row;
            let name = format!("conflict-{id}");
            let options: Vec<Resolution> = if kind.can_keep_both() {
                vec![Resolution::KeepMine, Resolution::KeepTheirs, Resolution::KeepBoth]
            } else {
                vec![Resolution::KeepMine, Resolution::KeepTheirs]
            };
            view! {
                <fieldset class="conflict">
                    <legend>{format!("{}: {label}", kind.label())}</legend>
                    {(!differences.is_empty()).then(|| view! {
                        <table class="list conflict-versions" aria-label=format!("The two versions of {label}")>
                            <thead><tr><th scope="col">"Field"</th><th scope="col">{labels(Resolution::KeepMine)}</th><th scope="col">{labels(Resolution::KeepTheirs)}</th></tr></thead>
                            <tbody>
                                {differences.into_iter().map(|d| view! {
                                    <tr><th scope="row">{d.field}</th><td>{d.in_use}</td><td>{d.other}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    })}
                    <div class="segmented">
                        {options.into_iter().map(|r| {
                            let id_attr = format!("{name}-{r:?}");
                            view! {
                                <span class="option">
                                    <input type="radio" id=id_attr.clone() name=name.clone()
                                        prop:checked=move || choices.with(|c| c.get(&(kind, id)) == Some(&r))
                                        on:change=move |_| choices.update(|c| { c.insert((kind, id), r); })/>
                                    <label for=id_attr>{labels(r)}</label>
                                </span>
                            }
                        }).collect_view()}
                    </div>
                </fieldset>
            }
        })
        .collect_view()
}

/// Per kind: (added, unchanged, conflicts) in a plan.
fn plan_counts(plan: &MergePlan) -> Vec<(MergeKind, usize, usize, usize)> {
    let mut counts: BTreeMap<MergeKind, (usize, usize, usize)> = BTreeMap::new();
    for item in &plan.items {
        let c = counts.entry(item.kind).or_default();
        match item.status {
            MergeStatus::Added => c.0 += 1,
            MergeStatus::Unchanged => c.1 += 1,
            MergeStatus::Conflict => c.2 += 1,
        }
    }
    counts.into_iter().map(|(k, (a, u, c))| (k, a, u, c)).collect()
}

/// The overview's merge section. Choosing a file loads the merging part of the
/// app (its own wasm file), which reads the file and shows the plan.
#[component]
pub fn MergePanel() -> impl IntoView {
    // The file chosen last, with a count so that choosing the same file again starts over.
    let picked = RwSignal::new(None::<(u32, SendWrapper<web_sys::File>)>);
    let pick = move |ev: leptos::ev::Event| {
        let Some(file) = browser::picked_file(&ev) else { return };
        let count = picked.with_untracked(|p| p.as_ref().map_or(0, |(n, _)| n + 1));
        picked.set(Some((count, SendWrapper::new(file))));
    };
    view! {
        <section class="panel">
            <h2>"Merge work from another tablet"</h2>
            <p>"Choose a backup (.json) of this study exported on another tablet. You see what it adds and decide every conflict before anything changes."</p>
            <label class="button secondary file-button">
                "Choose a backup to merge"
                <input type="file" accept=".json,application/json" class="visually-hidden" on:change=pick/>
            </label>
            {move || picked.get().map(|(_, file)| crate::parts::lazy(move || crate::parts::merge_review(file.clone())))}
        </section>
    }
}

/// What merging `file` into the open study would do, the conflicts to decide, and
/// after *Merge* the summary.
#[component]
pub fn MergeReview(file: SendWrapper<web_sys::File>) -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    // The plan is large (two copies of a study): kept out of the reactive graph's clones.
    let plan = StoredValue::new(None::<MergePlan>);
    let shown =
        RwSignal::new(None::<(String, bool, Vec<(MergeKind, usize, usize, usize)>, Vec<(MergeKind, Uuid, String)>)>);
    let choices = RwSignal::new(HashMap::<(MergeKind, Uuid), Resolution>::new());
    let summary = RwSignal::new(None::<MergeSummary>);

    {
        let file = file.take();
        spawn_local(async move {
            let incoming = match browser::read_backup(&file).await {
                Ok(study) => study,
                Err(e) => return ctx.error(e),
            };
            let Some(made) = study.try_untracked(|d| merge::plan(d, &incoming)) else { return };
            let conflicts: Vec<(MergeKind, Uuid, String)> =
                made.conflicts().map(|i| (i.kind, i.id, i.label.clone())).collect();
            choices.set(conflicts.iter().map(|(k, id, _)| ((*k, *id), default_resolution(*k))).collect());
            shown.set(Some((incoming.study.title.clone(), made.other_study, plan_counts(&made), conflicts)));
            summary.set(None);
            plan.set_value(Some(made));
        });
    }

    let cancel = move |_| {
        plan.set_value(None);
        shown.set(None);
    };

    let run = move |_| {
        let Some(made) = plan.get_value() else { return };
        let merged = match merge::apply(&made, &choices.get_untracked()) {
            Ok(m) => m,
            Err(e) => return ctx.error(e.to_string()),
        };
        let touched = merged.touched.clone();
        let data = merged.data;
        match study.edit(move |d, _| {
            *d = data;
            Ok(touched)
        }) {
            Ok(_) => {
                study.flush();
                summary.set(Some(merged.summary));
                plan.set_value(None);
                shown.set(None);
            }
            Err(e) => ctx.error(e),
        }
    };

    view! {
            {move || shown.get().map(|(title, other, counts, conflicts)| view! {
                <div class="merge-plan" role="region" aria-label="Merge plan">
                    <h3>{format!("From “{title}”")}</h3>
                    {other.then(|| view! { <p class="warning">"This backup is of another study: what it adds becomes part of this one."</p> })}
                    <table class="list" aria-label="What the merge does">
                        <thead><tr><th scope="col">"Kind"</th><th scope="col">"New"</th><th scope="col">"Unchanged"</th><th scope="col">"Conflicts"</th></tr></thead>
                        <tbody>
                            {counts.into_iter().map(|(k, a, u, c)| view! {
                                <tr><th scope="row">{k.label()}</th><td>{a}</td><td>{u}</td><td>{c}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    {if conflicts.is_empty() {
                        view! { <p>"No conflicts."</p> }.into_any()
                    } else {
                        view! {
                            <h4>"Edited on both tablets: choose what to keep"</h4>
                            <ConflictChoices
                                conflicts=conflicts.into_iter().map(|(kind, id, label)| ConflictRow { kind, id, label, differences: vec![] }).collect()
                                choices=choices labels=resolution_label/>
                        }.into_any()
                    }}
                    <div class="row wrap">
                        <button class="secondary" on:click=cancel>"Cancel"</button>
                        <button on:click=run>"Merge"</button>
                    </div>
                </div>
            })}
            {move || summary.get().map(|s| view! {
                <div class="merge-summary" role="status">
                    <h3>"Merged"</h3>
                    <table class="list" aria-label="Merge summary">
                        <thead><tr><th scope="col">"Kind"</th><th scope="col">"Added"</th><th scope="col">"Unchanged"</th><th scope="col">"Conflicts resolved"</th><th scope="col">"Skipped"</th></tr></thead>
                        <tbody>
                            {s.kinds.iter().map(|(k, v)| view! {
                                <tr><th scope="row">{k.label()}</th><td>{v.added}</td><td>{v.unchanged}</td><td>{v.conflicts_resolved}</td><td>{v.skipped}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <ul class="plain">
                        {s.conflicts.iter().map(|c| view! { <li>{format!("{}: {} — {}", c.kind.label(), c.label, resolution_label(c.resolution))}</li> }).collect_view()}
                        {s.adjustments.iter().map(|a| view! { <li>{a.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            })}
    }
    .into_any()
}
