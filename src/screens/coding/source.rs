//! Coding one source: its text with highlights, selecting words (UTF-16 offsets from
//! the browser, converted to code points here), the code palette, its segments.

use fieldkit_core::coding::sources::{SourceFilter, SourceRef};
use fieldkit_core::coding::{CodingEdit, MemoTarget};
use fieldkit_core::offsets::{code_points_to_utf16, slice_code_points, utf16_to_code_points};
use fieldkit_core::study::join_present;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};
use uuid::Uuid;

use super::*;
use crate::app::use_ctx;
use crate::autosave::Topic;
use crate::screens::study::use_study;
use crate::widgets::drawn_rows;

/// What composing a text reads: its notes and turns, who said them, the survey.
const TEXT_TOPICS: &[Topic] =
    &[Topic::Interviews, Topic::Documents, Topic::Responses, Topic::Surveys, Topic::Participants, Topic::Protocols];
/// What the highlights and the segment list read.
const CODING_TOPICS: &[Topic] = &[Topic::Segments, Topic::Codes];

/// One stretch of a source's text as drawn: plain, highlighted by codes, or a label.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Piece {
    start: usize,
    end: usize,
    look: Look,
}

/// A piece on one line, with its words (cut once, in one pass over the text).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Drawn {
    words: String,
    look: Look,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Look {
    Plain,
    /// Colour of the first code, names of all, and how many.
    Coded(String, String, usize),
    Heading,
    Speaker,
}

/// The current selection inside `container`, as UTF-16 offsets into its text.
pub(crate) fn selection_in(container: &web_sys::Element) -> Option<(u32, u32)> {
    let window = web_sys::window()?;
    let selection = window.get_selection().ok()??;
    if selection.range_count() == 0 || selection.is_collapsed() {
        return None;
    }
    let range = selection.get_range_at(0).ok()?;
    let common = range.common_ancestor_container().ok()?;
    if !container.contains(Some(&common)) {
        return None;
    }
    let before = window.document()?.create_range().ok()?;
    before.select_node_contents(container).ok()?;
    before.set_end(&range.start_container().ok()?, range.start_offset().ok()?).ok()?;
    let start = String::from(before.to_string()).encode_utf16().count() as u32;
    let length = String::from(range.to_string()).encode_utf16().count() as u32;
    Some((start, start + length))
}

/// Splits the pieces of a text into lines, each ending after a line break (a piece
/// across a break becomes one piece on each line), each piece with its words. The
/// lines hold every character of the text in order, so offsets read from the page are
/// unchanged. One pass over the text: a transcript has thousands of pieces.
fn in_lines(text: &str, pieces: Vec<Piece>) -> Vec<Vec<Drawn>> {
    // Byte offset of every code point, and of the end.
    let bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect();
    let words = |start: usize, end: usize| match (bytes.get(start), bytes.get(end)) {
        (Some(a), Some(b)) => text.get(*a..*b).unwrap_or_default().to_string(),
        _ => String::new(),
    };
    let breaks: Vec<usize> = text.chars().enumerate().filter(|(_, c)| *c == '\n').map(|(at, _)| at + 1).collect();
    let mut lines = Vec::with_capacity(breaks.len() + 1);
    let mut line = Vec::new();
    let mut next = 0;
    for piece in pieces {
        let mut start = piece.start;
        while start < piece.end {
            while breaks.get(next).is_some_and(|b| *b <= start) {
                next += 1;
            }
            let end = breaks.get(next).map_or(piece.end, |b| (*b).min(piece.end));
            line.push(Drawn { words: words(start, end), look: piece.look.clone() });
            if breaks.get(next) == Some(&end) {
                lines.push(std::mem::take(&mut line));
            }
            start = end;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One line of the text as markup: plain words as text, labels and highlights in
/// their elements. Everything from the study is escaped.
fn line_html(line: &[Drawn]) -> String {
    use fieldkit_core::fieldwork::account::escape;
    let mut html = String::with_capacity(line.iter().map(|d| d.words.len() + 16).sum());
    for Drawn { words, look } in line {
        let words = escape(words);
        match look {
            Look::Plain => html.push_str(&words),
            Look::Heading => {
                html.push_str("<strong class=\"composed-heading\">");
                html.push_str(&words);
                html.push_str("</strong>");
            }
            Look::Speaker => {
                html.push_str("<span class=\"composed-speaker\">");
                html.push_str(&words);
                html.push_str("</span>");
            }
            Look::Coded(colour, names, n) => {
                let class = if *n > 1 { "hl hl-multi" } else { "hl" };
                let names = escape(names);
                html.push_str(&format!(
                    "<mark class=\"{class}\" style=\"--code:{}\" title=\"{names}\" data-codes=\"{names}\">{words}</mark>",
                    escape(colour)
                ));
            }
        }
    }
    html
}

/// Selects `start..end` (UTF-16 offsets into the container's text) and scrolls it
/// into view: how a search hit opens with its words ready to code.
fn select_in(container: &web_sys::Element, start: u32, end: u32) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let walker = document.create_tree_walker_with_what_to_show(container, 4).ok()?; // text nodes
    let range = document.create_range().ok()?;
    let (mut at, mut started) = (0u32, false);
    while let Some(node) = walker.next_node().ok()? {
        let len = node.text_content().map(|t| t.encode_utf16().count() as u32).unwrap_or(0);
        if !started && start < at + len {
            range.set_start(&node, start - at).ok()?;
            started = true;
            if let Some(parent) = node.parent_element() {
                parent.scroll_into_view_with_bool(false);
            }
        }
        if started && end <= at + len {
            range.set_end(&node, end - at).ok()?;
            let selection = web_sys::window()?.get_selection().ok()??;
            selection.remove_all_ranges().ok()?;
            return selection.add_range(&range).ok();
        }
        at += len;
    }
    None
}

#[component]
pub fn SourceScreen() -> impl IntoView {
    let Some(study) = use_study() else { return ().into_any() };
    let ctx = use_ctx();
    let h = coder();
    let params = use_params_map();
    let target = Memo::new(move |_| params.with(|p| p.get("source").and_then(|v| Uuid::parse_str(&v).ok())));
    // An interview or focus group, or one survey question's answers, is coded as one
    // text (see `coding::composed`).
    let whole = Memo::new(move |_| {
        let id = target.get()?;
        study.untracked(|d| d.compose(id).map(|_| id))
    });
    let interview = Memo::new(move |_| whole.get().filter(|id| study.untracked(|d| d.interview(*id).is_some())));
    let composed = Memo::new(move |_| {
        let id = whole.get()?;
        study.read(TEXT_TOPICS, |d| d.compose(id))
    });
    // Which other source the address names: worked out when the address changes, not
    // on every edit (listing every source of a large study takes long).
    let source = Memo::new(move |_| {
        let id = target.get()?;
        if whole.get().is_some() {
            return None;
        }
        study.untracked(|d| {
            // Transcripts and documents first, found without listing every text.
            d.interviews
                .iter()
                .map(|i| SourceRef::Transcript { interview: i.id })
                .chain(d.documents.iter().map(|x| SourceRef::Document { document: x.id }))
                .find(|s| s.uuid() == id)
                .or_else(|| d.sources().into_iter().find(|s| s.uuid == id).map(|s| s.source))
        })
    });
    // The source list, worked out once per address (it lists every source of the study):
    // the title of a whole text and the previous/next links both read it.
    // It waits for the text's first frame: the text is what the user came for.
    // An animation frame runs before its paint: wait for the task after it.
    let first_frame = RwSignal::new(false);
    request_animation_frame(move || {
        set_timeout(
            move || {
                let _ = first_frame.try_set(true);
            },
            std::time::Duration::ZERO,
        );
    });
    let listed = Memo::new(move |_| {
        target.track();
        if !first_frame.get() {
            return Vec::new();
        }
        study.untracked(|d| d.listed_sources(&SourceFilter::default()))
    });
    let info = Memo::new(move |_| {
        if let Some(id) = interview.get() {
            return study.read(&[Topic::Interviews, Topic::Cases, Topic::Participants], |d| {
                d.interview(id).map(|i| {
                    let question = String::new();
                    (d.interview_title(i), i.kind.label(), d.case_name(Some(i.case_id)).to_string(), question)
                })
            });
        }
        if let Some(id) = whole.get() {
            return listed.with(|l| {
                l.iter().find(|l| l.id == id).map(|l| (l.title.clone(), l.kind, String::new(), String::new()))
            });
        }
        let src = source.get()?;
        study.read(&[TEXT_TOPICS, &[Topic::Cases]].concat(), |d| {
            d.source(&src)
                .map(|s| (s.title.clone(), s.kind.label(), d.case_name(s.case_id).to_string(), s.question_text.clone()))
        })
    });
    // Previous and next in the list of sources (whole interviews as one).
    let neighbours = Memo::new(move |_| {
        let id = target.get()?;
        listed.with(|listed| {
            let at = listed.iter().position(|l| l.id == id)?;
            let prev = at.checked_sub(1).and_then(|i| listed.get(i)).map(|l| (l.id, l.title.clone()));
            let next = listed.get(at + 1).map(|l| (l.id, l.title.clone()));
            Some((prev, next))
        })
    });
    // The text and the pieces it is drawn in (code points), plain text between them.
    let body = Memo::new(move |_| {
        let coded = |d: &fieldkit_core::StudyData, hl: fieldkit_core::coding::retrieval::Highlight| {
            let colour = hl.codes.first().and_then(|c| d.code(*c)).map(|c| c.colour.clone()).unwrap_or_default();
            let names: Vec<String> = hl.codes.iter().filter_map(|c| d.code(*c)).map(|c| c.name.clone()).collect();
            (hl.start, hl.end, Look::Coded(colour, names.join("; "), hl.codes.len()))
        };
        let (text, mut spans) = if let Some(c) = composed.get() {
            study.read(CODING_TOPICS, |d| {
                let mut spans: Vec<(usize, usize, Look)> = c.highlights(d).into_iter().map(|hl| coded(d, hl)).collect();
                spans.extend(
                    c.labels()
                        .into_iter()
                        .map(|(s, e, heading)| (s, e, if heading { Look::Heading } else { Look::Speaker })),
                );
                (c.text.clone(), spans)
            })
        } else {
            let src = source.get()?;
            study.read(&[CODING_TOPICS, TEXT_TOPICS].concat(), |d| {
                let text = d.source_text(&src)?.to_string();
                let spans = d.highlights(&src).into_iter().map(|hl| coded(d, hl)).collect::<Vec<_>>();
                Some((text, spans))
            })?
        };
        spans.sort_by_key(|x| (x.0, x.1));
        let mut pieces = Vec::with_capacity(spans.len() * 2 + 1);
        let mut at = 0;
        for (start, end, look) in spans {
            if start < at {
                continue;
            }
            if start > at {
                pieces.push(Piece { start: at, end: start, look: Look::Plain });
            }
            pieces.push(Piece { start, end, look });
            at = end;
        }
        let len = text.chars().count();
        if at < len {
            pieces.push(Piece { start: at, end: len, look: Look::Plain });
        }
        // Keyed by place and markup: identical lines (two blank ones) stay apart, and
        // coding a few words redraws only the lines whose markup changed.
        let lines: Vec<(usize, std::sync::Arc<str>)> =
            in_lines(&text, pieces).iter().enumerate().map(|(at, line)| (at, line_html(line).into())).collect();
        Some((text.clone(), lines))
    });
    let container = NodeRef::<leptos::html::Div>::new();
    // The last selection made in the text (code points), kept while the palette is used.
    let chosen = RwSignal::new(None::<(usize, usize)>);
    let on_select = move || {
        let Some(el) = container.get_untracked() else { return };
        let Some((a, b)) = selection_in(&el) else { return };
        let Some((start, end)) = body.with_untracked(|body| {
            body.as_ref()
                .map(|(text, _)| (utf16_to_code_points(text, a as usize), utf16_to_code_points(text, b as usize)))
        }) else {
            return;
        };
        if end > start {
            chosen.set(Some((start, end)));
        }
    };
    // `selectionchange` fires on the document and does not reach the window.
    let listener = wasm_bindgen::closure::Closure::<dyn Fn()>::new(on_select);
    let function: js_sys::Function = wasm_bindgen::JsCast::unchecked_ref::<js_sys::Function>(listener.as_ref()).clone();
    let _ = document().add_event_listener_with_callback("selectionchange", &function);
    let listener = send_wrapper::SendWrapper::new(listener);
    let function = send_wrapper::SendWrapper::new(function);
    on_cleanup(move || {
        let _ = document().remove_event_listener_with_callback("selectionchange", &function);
        drop(listener);
    });
    let chosen_text = Memo::new(move |_| {
        let (s, e) = chosen.get()?;
        body.with(|b| b.as_ref().and_then(|(t, _)| slice_code_points(t, s, e).map(str::to_string)))
    });
    // `?at=<source uuid>:<start>:<end>` (a search hit): select those words once drawn.
    let query = use_query_map();
    let wanted = Memo::new(move |_| {
        let at = query.with(|q| q.get("at"))?;
        let mut parts = at.split(':');
        let source = Uuid::parse_str(parts.next()?).ok()?;
        let start = parts.next()?.parse::<usize>().ok()?;
        let end = parts.next()?.parse::<usize>().ok()?;
        Some((source, start, end))
    });
    Effect::new(move |done: Option<Option<(Uuid, usize, usize)>>| {
        let wanted = wanted.get();
        let drawn = body.with(Option::is_some);
        if !drawn || wanted.is_none() || done.flatten() == wanted {
            return done.flatten();
        }
        let (source, start, end) = wanted?;
        let offset = match composed.get_untracked() {
            Some(c) => c.sources().find(|s| s.uuid() == source).and_then(|s| c.offset_of(s))?,
            None => 0,
        };
        let (a, b) = body.with_untracked(|b| {
            b.as_ref().map(|(text, _)| {
                (code_points_to_utf16(text, offset + start) as u32, code_points_to_utf16(text, offset + end) as u32)
            })
        })?;
        request_animation_frame(move || {
            if let Some(el) = container.get_untracked() {
                let _ = select_in(&el, a, b);
            }
        });
        wanted
    });
    let search = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<Uuid>::new());
    // One memo for the many buttons that need a selection: they wake when there
    // comes to be one or stops being one, not on every change of it.
    let has_choice = Memo::new(move |_| chosen.with(Option::is_some));
    let palette = NodeRef::<leptos::html::Ul>::new();
    let untick_palette = move || {
        let Some(list) = palette.get_untracked() else { return };
        let Ok(ticked) = list.query_selector_all("input:checked") else { return };
        for at in 0..ticked.length() {
            if let Some(input) =
                ticked.get(at).and_then(|n| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(n).ok())
            {
                input.set_checked(false);
            }
        }
    };
    let codes = Memo::new(move |_| {
        let q = search.get().to_lowercase();
        study.read(&[Topic::Codes], |d| {
            d.codebook()
                .into_iter()
                .filter(|(_, c)| q.is_empty() || c.name.to_lowercase().contains(&q))
                .map(|(depth, c)| (c.id, depth, c.name.clone(), c.colour.clone()))
                .collect::<Vec<_>>()
        })
    });
    // Where a selection goes: one part per note or turn it covers in a whole
    // interview, else the one source.
    let parts_of = move |start: usize, end: usize| -> Vec<(SourceRef, usize, usize)> {
        if let Some(c) = composed.get_untracked() {
            return c.split_selection(start, end).into_iter().map(|p| (p.source, p.start, p.end)).collect();
        }
        source.get_untracked().map(|s| vec![(s, start, end)]).unwrap_or_default()
    };
    let apply_codes = move |_| {
        let Some((start, end)) = chosen.get_untracked() else {
            ctx.error("Select some text first.");
            return;
        };
        let parts = parts_of(start, end);
        if parts.is_empty() {
            ctx.error("That selection holds only headings or speakers' names: select words that were said or noted.");
            return;
        }
        let codes = picked.get_untracked();
        if codes.is_empty() {
            ctx.error("Tick one or more codes to apply.");
            return;
        }
        let coder = h.0.get_untracked();
        let many = parts.len() > 1;
        let outcome = parts.into_iter().try_for_each(|(source, start, end)| {
            let edit = CodingEdit::ApplyCodes { source, start, end, codes: codes.clone(), coder: coder.clone() };
            apply(study, if many { "apply codes (one part)" } else { "apply codes" }, edit).map(drop)
        });
        match outcome {
            Ok(_) => {
                if many {
                    ctx.info("The selection spans several notes or turns: each part is coded as its own segment, attributed to who said it.");
                }
                picked.set(Vec::new());
                untick_palette();
                chosen.set(None);
                if let Some(sel) = web_sys::window().and_then(|w| w.get_selection().ok().flatten()) {
                    let _ = sel.remove_all_ranges();
                }
            }
            Err(e) => ctx.error(e),
        }
    };
    let segments = Memo::new(move |_| {
        let shown: Vec<SourceRef> = match (composed.get(), source.get()) {
            (Some(c), _) => c.sources().cloned().collect(),
            (None, Some(src)) => vec![src],
            (None, None) => return Vec::new(),
        };
        // An interview shows many notes and turns: looked up, not compared with each.
        let shown: std::collections::HashSet<SourceRef> = shown.into_iter().collect();
        study.read(CODING_TOPICS, |d| {
            let mut list: Vec<_> = d
                .segments
                .iter()
                .filter(|s| shown.contains(&s.source))
                .map(|s| {
                    let codes: Vec<(Uuid, String, String)> = s
                        .codings
                        .iter()
                        .filter_map(|c| d.code(c.code))
                        .map(|c| (c.id, c.name.clone(), c.colour.clone()))
                        .collect();
                    (s.id, s.start, s.end, s.text.clone(), s.anchor.label(), codes)
                })
                .collect();
            list.sort_by_key(|x| (x.1, x.2));
            list
        })
    });
    // A long source has hundreds of segments and the codebook hundreds of codes:
    // a screenful is drawn at once, the rest in the frames after.
    let drawn_segments = drawn_rows(segments);
    let drawn_codes = drawn_rows(codes);
    view! {
        <section class="panel">
            <p class="crumbs"><A href=format!("/study/{}/coding", study.id())>"Coding"</A></p>
            {move || info.get().map(|(title, kind, case, question)| view! {
                <h2>{title}</h2>
                <p class="muted">{join_present(&[kind.to_string(), case, question])}</p>
            })}
            <div class="row wrap"><UndoButton/></div>
            {move || neighbours.get().map(|(prev, next)| {
                let base = format!("/study/{}/coding/source", study.id());
                view! {
                    <nav class="row wrap source-nav" aria-label="Other sources">
                        {prev.map(|(id, title)| view! { <A href=format!("{base}/{id}") attr:class="button secondary" attr:title=title.clone()>{format!("← Previous: {title}")}</A> })}
                        {next.map(|(id, title)| view! { <A href=format!("{base}/{id}") attr:class="button secondary" attr:title=title.clone()>{format!("Next: {title} →")}</A> })}
                    </nav>
                }
            })}
        </section>
        <div class="coding-layout">
            <section class="panel source-panel">
                <h3>"Text"</h3>
                <p class="hint">"Select words with a finger or the mouse, then tick codes and apply them."</p>
                <div class="source-text" node_ref=container aria-label="Source text">
                    // One block per line (see `body`): coding a few words redraws that line.
                    <For each=move || body.with(|b| b.as_ref().map(|(_, l)| l.clone()).unwrap_or_default()) key=|line| line.clone() let((_, html))>
                        // Drawn as markup in one step: a transcript has thousands of
                        // stretches, and one DOM call per stretch took most of its opening.
                        <div class="line" inner_html=html.to_string()></div>
                    </For>
                </div>
            </section>
            <section class="panel palette" aria-label="Code the selection">
                <h3>"Code the selection"</h3>
                <p class="selection-preview">{move || chosen_text.get().map(|t| format!("“{t}”")).unwrap_or_else(|| "Nothing selected yet.".into())}</p>
                <div class="field">
                    <label for="code-search">"Find a code"</label>
                    <input id="code-search" type="search" autocomplete="off" prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev))/>
                </div>
                <ul class="plain code-choices" node_ref=palette>
                    <For each=move || drawn_codes.get() key=|c| c.clone() let((id, depth, name, colour))>
                    {
                        let box_id = format!("pick-{id}");
                        view! {
                            <li class=format!("check depth-{}", depth.min(3))>
                                // Not bound to `picked` reactively: hundreds of boxes each
                                // re-subscribing on every change costs a frame.
                                <input type="checkbox" id=box_id.clone() prop:checked=picked.with_untracked(|p| p.contains(&id))
                                    on:change=move |ev| { let on = event_target_checked(&ev); picked.update(|p| { p.retain(|x| *x != id); if on { p.push(id); } }); }/>
                                <span class="swatch" style=format!("background:{colour}") aria-hidden="true"></span>
                                <label for=box_id>{name}</label>
                            </li>
                        }
                    }
                    </For>
                </ul>
                <button on:click=apply_codes disabled=move || !has_choice.get()>"Apply codes"</button>
            </section>
        </div>
        <section class="panel">
            {move || source.get().map(|src| view! { <Memos target=MemoTarget::Source(src) title="Memos on this source"/> })}
        </section>
        <section class="panel">
            <h3>"Coded segments in this source"</h3>
            <ul class="plain segments">
                // Keyed by what a segment shows: an edit redraws only the segments it changed.
                <For each=move || drawn_segments.get() key=|s| s.clone() let((id, start, end, text, anchor, codes))>
                    {
                    let memos_open = RwSignal::new(false);
                    view! {
                    <li class="segment">
                        <p class="segment-text">{format!("“{text}”")}<span class="muted small">{format!(" ({start}–{end}) · {anchor}")}</span></p>
                        <div class="row wrap">
                            <button class="secondary" disabled=move || !has_choice.get() on:click=move |_| {
                                let Some((start, end)) = chosen.get_untracked() else { return };
                                let own = study.untracked(|d| d.segment(id).map(|s| s.source.clone()));
                                let parts = parts_of(start, end);
                                let [(source, start, end)] = parts.as_slice() else {
                                    ctx.error("Select words inside one note or turn: a segment stays on the text it is in.");
                                    return;
                                };
                                if own.as_ref() != Some(source) {
                                    ctx.error("Select words inside the same note or turn as the segment.");
                                    return;
                                }
                                match apply(study, "move a segment", CodingEdit::AdjustBounds { segment: id, start: *start, end: *end }) {
                                    Ok(_) => chosen.set(None),
                                    Err(e) => ctx.error(e),
                                }
                            }>"Set to the selected words"</button>
                        </div>
                        // Its memos are drawn when opened: a long source has hundreds of segments.
                        <details class="segment-memos" on:toggle=move |ev| memos_open.set(crate::widgets::details_opened(&ev))><summary>"Memos on this segment"</summary>
                            {move || memos_open.get().then(|| view! { <Memos target=MemoTarget::Segment(id) title=""/> })}
                        </details>
                        <div class="row wrap chips">
                            {codes.into_iter().map(|(code, name, colour)| {
                                let label = format!("Remove {name} from this segment");
                                view! {
                                    <span class="chip" style=format!("--code:{colour}")>{name.clone()}
                                        <button class="ghost" aria-label=label on:click=move |_| {
                                            if let Err(e) = apply(study, "remove a code", CodingEdit::RemoveCoding { segment: id, code }) { ctx.error(e); }
                                        }>"✕"</button>
                                    </span>
                                }
                            }).collect_view()}
                        </div>
                    </li>
                    }
                    }
                </For>
            </ul>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_escaped_markup_with_the_highlights_in_marks() {
        let line = vec![
            Drawn { words: "Ceri: ".into(), look: Look::Speaker },
            Drawn { words: "a <b> & \"c\"".into(), look: Look::Plain },
            Drawn { words: "care".into(), look: Look::Coded("#9c1c1c".into(), "Trust; \"Care\"".into(), 2) },
        ];
        assert_eq!(
            line_html(&line),
            "<span class=\"composed-speaker\">Ceri: </span>a &lt;b&gt; &amp; &quot;c&quot;\
             <mark class=\"hl hl-multi\" style=\"--code:#9c1c1c\" title=\"Trust; &quot;Care&quot;\" \
             data-codes=\"Trust; &quot;Care&quot;\">care</mark>"
        );
    }

    #[test]
    fn lines_keep_every_character_in_order_and_split_pieces_at_breaks() {
        let text = "ab\ncd\n\nef";
        let pieces = vec![
            Piece { start: 0, end: 1, look: Look::Plain },
            Piece { start: 1, end: 5, look: Look::Heading },
            Piece { start: 5, end: 9, look: Look::Plain },
        ];
        let lines = in_lines(text, pieces);
        let words: Vec<Vec<&str>> = lines.iter().map(|l| l.iter().map(|p| p.words.as_str()).collect()).collect();
        assert_eq!(words, vec![vec!["a", "b\n"], vec!["cd", "\n"], vec!["\n"], vec!["ef"]]);
        assert_eq!(lines[1][0].look, Look::Heading, "a piece across a break keeps its look on both lines");
        let joined: String = lines.iter().flatten().map(|p| p.words.as_str()).collect();
        assert_eq!(joined, text);
    }
}
