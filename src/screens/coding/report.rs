//! The study report: the analyst ticks what goes in (the study, the method in
//! figures, which themes, their quotes, the matrix, the micro-provider summary),
//! sees its outline, and opens it to print or save as PDF, or downloads it as a
//! Word document (written in the files worker) or an HTML page.

use fieldkit_core::report::html::report_html;
use fieldkit_core::report::{Block, Report, ReportChoice, ReportParts, report_options};
use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::app::use_ctx;
use crate::autosave::{StudyCtx, Topic};
use crate::browser;
use crate::screens::study::use_study;
use crate::widgets::CheckField;

/// Everything a report reads.
const REPORT_TOPICS: &[Topic] = &[
    Topic::Study,
    Topic::Cases,
    Topic::Participants,
    Topic::Protocols,
    Topic::Interviews,
    Topic::Documents,
    Topic::Surveys,
    Topic::Responses,
    Topic::Codes,
    Topic::Segments,
    Topic::Matrix,
];

/// The analyst's choice, one signal per box.
#[derive(Clone, Copy)]
struct Choice {
    questions: RwSignal<bool>,
    method: RwSignal<bool>,
    quotes: RwSignal<bool>,
    matrix: RwSignal<bool>,
    micro_provider: RwSignal<bool>,
    /// Themes left out (so a theme added later is in by default).
    left_out: RwSignal<Vec<Uuid>>,
}

impl Choice {
    /// The choice as it is now; `tracked`: the caller re-runs when it changes (a view),
    /// else it is read once (a button's action).
    fn read(&self, themes: &[(Uuid, String)], tracked: bool) -> ReportChoice {
        let on = |s: RwSignal<bool>| if tracked { s.get() } else { s.get_untracked() };
        let out = if tracked { self.left_out.get() } else { self.left_out.get_untracked() };
        ReportChoice {
            questions: on(self.questions),
            method: on(self.method),
            themes: Some(themes.iter().map(|(id, _)| *id).filter(|id| !out.contains(id)).collect()),
            quotes: on(self.quotes),
            matrix: on(self.matrix),
            micro_provider: on(self.micro_provider),
        }
    }
}

/// What the outline shows: each section and part heading, and how many quotes and tables.
fn outline(report: &Report) -> (Vec<(u8, String)>, usize, usize) {
    let heads = report
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, text } if (2..=3).contains(level) => Some((*level, text.clone())),
            _ => None,
        })
        .collect();
    let quotes = report.blocks.iter().filter(|b| matches!(b, Block::Quote { .. })).count();
    let tables = report.blocks.iter().filter(|b| matches!(b, Block::Table { .. })).count();
    (heads, quotes, tables)
}

fn build(study: StudyCtx, parts: Memo<ReportParts>, choice: &ReportChoice) -> Report {
    parts.with_untracked(|p| study.untracked(|d| p.assemble(d, choice)))
}

#[component]
pub fn ReportScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let choice = Choice {
        questions: RwSignal::new(true),
        method: RwSignal::new(true),
        quotes: RwSignal::new(true),
        matrix: RwSignal::new(true),
        micro_provider: RwSignal::new(true),
        left_out: RwSignal::new(Vec::new()),
    };
    let options = Memo::new(move |_| study.read(&[Topic::Codes, Topic::Protocols], report_options));
    // Counted once per state of the study; a tick only picks among the parts.
    let parts = Memo::new(move |_| study.read(REPORT_TOPICS, ReportParts::build));
    let summary = Memo::new(move |_| {
        let picked = options.with(|(themes, _)| choice.read(themes, true));
        parts.with(|p| study.untracked(|d| outline(&p.assemble(d, &picked))))
    });

    let open = move |_| {
        let report = build(study, parts, &options.with_untracked(|(t, _)| choice.read(t, false)));
        if let Err(e) = browser::open_html_page(&report_html(&report)) {
            ctx.error(e);
        }
    };
    let download_html = move |_| {
        let report = build(study, parts, &options.with_untracked(|(t, _)| choice.read(t, false)));
        let name = format!("{}-report.html", browser::file_stem(&report.title));
        if let Err(e) = browser::download(&name, "text/html;charset=utf-8", &report_html(&report)) {
            ctx.error(format!("The export failed: {e}"));
        }
    };
    let download_docx = move |_| {
        let report = build(study, parts, &options.with_untracked(|(t, _)| choice.read(t, false)));
        let name = format!("{}-report.docx", browser::file_stem(&report.title));
        ctx.info("Writing the report…");
        browser::download_when_ready(ctx, name, DOCX_MIME, async move { browser::report_docx(&report).await });
    };

    let check = move |label: &'static str, signal: RwSignal<bool>| {
        view! { <CheckField label=label checked=Signal::derive(move || signal.get()) on_edit=move |on| { signal.set(on); Ok(()) }/> }
    };
    view! {
        <section class="panel">
            <p><A href=format!("/study/{}/coding", study.id())>"← Coding"</A></p>
            <h2>"Study report"</h2>
            <p class="hint">"A findings report drawn from the data: tick what goes in. Participants appear by pseudonym only, and only the quotes of those who consented to being quoted."</p>
            <fieldset class="report-choice">
                <legend>"What goes in"</legend>
                {check("The study and its research questions", choice.questions)}
                {check("Method in figures: cases, participants by role, fieldwork, consent", choice.method)}
                {check("Under each theme, the quotes ticked in the framework matrix", choice.quotes)}
                {check("The framework matrix's synopses", choice.matrix)}
                <Show when=move || options.with(|(_, micro)| *micro)>
                    {check("The micro-provider records' four-part summary, per provider and by part", choice.micro_provider)}
                </Show>
            </fieldset>
            <fieldset class="report-choice">
                <legend>"Themes"</legend>
                {move || {
                    let (themes, _) = options.get();
                    if themes.is_empty() {
                        return view! { <p class="empty">"The codebook has no themes yet."</p> }.into_any();
                    }
                    themes.into_iter().map(|(id, name)| {
                        let ticked = Signal::derive(move || !choice.left_out.with(|o| o.contains(&id)));
                        let on_edit = move |on: bool| {
                            choice.left_out.update(|o| {
                                o.retain(|x| *x != id);
                                if !on { o.push(id); }
                            });
                            Ok(())
                        };
                        view! { <CheckField label=name checked=ticked on_edit=on_edit/> }
                    }).collect_view().into_any()
                }}
            </fieldset>
            <div class="row wrap">
                <button on:click=open>"Open to print or save as PDF"</button>
                <button class="secondary" on:click=download_docx>"Download as Word (.docx)"</button>
                <button class="secondary" on:click=download_html>"Download as a web page (.html)"</button>
            </div>
        </section>
        <section class="panel" aria-labelledby="report-outline">
            <h3 id="report-outline">"Outline"</h3>
            {move || {
                let (heads, quotes, tables) = summary.get();
                view! {
                    <p class="report-counts">{format!(
                        "{} and {}.",
                        fieldkit_core::study::plural(quotes, "quote", "quotes"),
                        fieldkit_core::study::plural(tables, "table", "tables"),
                    )}</p>
                    <ul class="report-outline">
                        {heads.into_iter().map(|(level, text)| view! {
                            <li class=if level == 2 { "section" } else { "part" }>{text}</li>
                        }).collect_view()}
                    </ul>
                }
            }}
        </section>
    }
    .into_any()
}

const DOCX_MIME: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
