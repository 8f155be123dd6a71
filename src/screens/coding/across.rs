//! Codes across cases: a code × attribute table (case, setting, legal form, country,
//! any case attribute, role) counting segments, sources or participants, with row or
//! column percentages, to compare the pattern across cases.

use fieldkit_core::StudyData;
use fieldkit_core::coding::crosstab::{Across, CrossCell, CrossTab};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::autosave::CODED_TEXT_TOPICS;
use crate::screens::study::use_study;
use crate::widgets::SelectField;

fn axis_of(key: &str) -> Across {
    match key {
        "case" => Across::Case,
        "setting" => Across::Setting,
        "legal_form" => Across::LegalForm,
        "country" => Across::Country,
        "role" => Across::Role,
        other => Across::Attribute(other.strip_prefix("attr:").unwrap_or(other).to_string()),
    }
}

fn axis_choices(d: &StudyData) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        ("case", "Case"),
        ("setting", "Setting (rural / urban)"),
        ("legal_form", "Legal form"),
        ("country", "Country"),
        ("role", "Participant's role"),
    ]
    .iter()
    .map(|(k, l)| (k.to_string(), l.to_string()))
    .collect();
    let mut keys: Vec<String> = d.cases.iter().flat_map(|c| c.attributes.extra.iter().map(|a| a.key.clone())).collect();
    keys.sort();
    keys.dedup();
    out.extend(keys.into_iter().map(|k| (format!("attr:{k}"), k)));
    out
}

fn count(cell: &CrossCell, what: &str) -> usize {
    match what {
        "sources" => cell.sources,
        "participants" => cell.participants,
        _ => cell.segments,
    }
}

fn shown(tab: &CrossTab, what: &str, percent: &str, row: usize, column: usize) -> String {
    let Some(cell) = tab.rows.get(row).and_then(|(_, cells)| cells.get(column)) else { return String::new() };
    let n = count(cell, what);
    let total: usize = match percent {
        "row" => tab.rows[row].1.iter().map(|c| count(c, what)).sum(),
        "column" => tab.rows.iter().filter_map(|(_, cells)| cells.get(column)).map(|c| count(c, what)).sum(),
        _ => return n.to_string(),
    };
    if total == 0 { "–".into() } else { format!("{:.0} %", 100.0 * n as f64 / total as f64) }
}

#[component]
pub fn AcrossScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let axis = RwSignal::new("setting".to_string());
    let what = RwSignal::new("segments".to_string());
    let percent = RwSignal::new("none".to_string());
    let table = Memo::new(move |_| {
        let across = axis_of(&axis.get());
        study.read(CODED_TEXT_TOPICS, |d| {
            let tab = d.code_by(&across);
            let labels: Vec<String> = tab.rows.iter().map(|(code, _)| d.code_path(*code).join(" › ")).collect();
            (tab, labels)
        })
    });
    let axes = Signal::derive(move || study.read(&[crate::autosave::Topic::Cases], axis_choices));
    let counts = Signal::derive(|| {
        vec![
            ("segments".to_string(), "Segments".to_string()),
            ("sources".to_string(), "Sources".to_string()),
            ("participants".to_string(), "Participants".to_string()),
        ]
    });
    let percents = Signal::derive(|| {
        vec![
            ("none".to_string(), "Counts".to_string()),
            ("row".to_string(), "Row percentages".to_string()),
            ("column".to_string(), "Column percentages".to_string()),
        ]
    });
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Codes across cases"</h2>
            <p class="hint">"Each code's segments counted under the case their text comes from (or the role of whose words they are). A code's own segments, not its sub-codes'."</p>
            <div class="grid2">
                <SelectField label="Across" options=axes value=Signal::derive(move || axis.get()) on_edit=move |v| { axis.set(v); Ok(()) }/>
                <SelectField label="Count" options=counts value=Signal::derive(move || what.get()) on_edit=move |v| { what.set(v); Ok(()) }/>
                <SelectField label="Show" options=percents value=Signal::derive(move || percent.get()) on_edit=move |v| { percent.set(v); Ok(()) }/>
            </div>
        </section>
        <section class="panel">
            {move || {
                let (tab, labels) = table.get();
                if tab.rows.is_empty() {
                    return view! { <p class="empty">"Nothing is coded yet."</p> }.into_any();
                }
                let (w, p) = (what.get(), percent.get());
                let heads = tab.columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view();
                let rows = labels.iter().enumerate().map(|(r, label)| {
                    let cells = (0..tab.columns.len()).map(|c| view! { <td>{shown(&tab, &w, &p, r, c)}</td> }).collect_view();
                    view! { <tr><th scope="row">{label.clone()}</th>{cells}</tr> }
                }).collect_view();
                view! {
                    <div class="table-scroll">
                        <table class="grid agreement" aria-label="Codes across cases">
                            <thead><tr><th scope="col">"Code"</th>{heads}</tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
    .into_any()
}
