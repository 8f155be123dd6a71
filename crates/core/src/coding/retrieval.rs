//! Reviewing the coding: retrieval of coded segments with their attribution
//! (case, participant, role, research question), quotes, counts per code by case and
//! by role, the highlights of one source, and the framework matrix.
//!
//! A segment is attributed to one participant where that is known: the speaker of a
//! recorded turn, the speaker of the transcript turn it starts in (none when that is
//! the interviewer), the only participant of an interview's notes, a survey's
//! respondent. Focus-group notes and documents are attributed to their case only.

use std::collections::{BTreeMap, HashMap, HashSet};

use uuid::Uuid;

use crate::coding::model::*;
use crate::coding::sources::{SourceFilter, SourceInfo, SourceKind, SourceRef, speaker_at};
use crate::fieldwork::Speaker;
use crate::offsets::CodePointIndex;
use crate::study::StudyData;

/// Which segments to retrieve. Every part that is set must match.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetrievalFilter {
    /// Segments coded with any of these codes or a code below them; empty: every
    /// coded segment.
    pub codes: Vec<Uuid>,
    /// Case, case attribute, research question and kind apply to the segment's
    /// source; role and participant to the participant it is attributed to.
    pub sources: SourceFilter,
    /// Only segments that are in place (leave out those to review or lost).
    pub placed_only: bool,
}

/// A coded segment with everything needed to read it in context.
#[derive(Clone, Debug, PartialEq)]
pub struct Retrieved {
    pub segment: Uuid,
    pub source: SourceRef,
    pub source_uuid: Uuid,
    pub source_kind: SourceKind,
    pub source_title: String,
    pub case_id: Option<Uuid>,
    pub case: String,
    pub participant_id: Option<Uuid>,
    /// The participant's pseudonym, or empty.
    pub pseudonym: String,
    /// The participant's role, or empty.
    pub role: String,
    pub role_id: Option<Uuid>,
    /// Who is speaking, where the text records it (turns, transcripts), including
    /// "Interviewer".
    pub speaker: String,
    pub research_question_id: Option<Uuid>,
    pub research_question: String,
    /// The protocol question or prompt, or the survey question.
    pub question: String,
    pub survey_question_id: Option<Uuid>,
    pub start: usize,
    pub end: usize,
    /// The words: the source's text at `start..end` when in place, else as coded.
    pub text: String,
    pub codes: Vec<Uuid>,
    pub anchor: Anchor,
}

/// Context of one source, worked out once per retrieval.
struct SourceContext<'a> {
    info: SourceInfo<'a>,
    /// Transcript turns by position, worked out when first needed.
    speakers: Option<Vec<(usize, Speaker)>>,
    /// For slicing the text many times, made when first needed.
    index: Option<CodePointIndex>,
}

/// Attributes segments to cases and participants, caching per source.
pub struct Attributor<'a> {
    data: &'a StudyData,
    sources: HashMap<SourceRef, Option<SourceContext<'a>>>,
}

impl<'a> Attributor<'a> {
    pub fn new(data: &'a StudyData) -> Self {
        Attributor { data, sources: HashMap::new() }
    }

    fn context(&mut self, source: &SourceRef) -> Option<&SourceContext<'a>> {
        let data = self.data;
        self.sources
            .entry(source.clone())
            .or_insert_with(|| data.source(source).map(|info| SourceContext { info, speakers: None, index: None }))
            .as_ref()
    }

    fn context_mut(&mut self, source: &SourceRef) -> Option<&mut SourceContext<'a>> {
        self.context(source)?;
        self.sources.get_mut(source).and_then(|c| c.as_mut())
    }

    /// The words at `start..end` of a source, or None when out of range.
    pub fn words(&mut self, source: &SourceRef, start: usize, end: usize) -> Option<&'a str> {
        let ctx = self.context_mut(source)?;
        let text: &'a str = ctx.info.text;
        let index = ctx.index.get_or_insert_with(|| CodePointIndex::new(text));
        index.slice(text, start, end)
    }

    /// The source's context, or None when it no longer exists.
    pub fn source(&mut self, source: &SourceRef) -> Option<&SourceInfo<'a>> {
        self.context(source).map(|c| &c.info)
    }

    /// Who said the words at `position` of a source, and the participant it is
    /// attributed to.
    fn who(&mut self, source: &SourceRef, position: usize) -> (Option<Speaker>, Option<Uuid>) {
        let data = self.data;
        let Some(ctx) = self.context_mut(source) else { return (None, None) };
        if let SourceRef::Transcript { interview } = source
            && !ctx.speakers.get_or_insert_with(|| data.transcript_speakers(*interview)).is_empty()
        {
            let speakers = ctx.speakers.as_deref().unwrap_or(&[]);
            let speaker = speaker_at(speakers, position).cloned();
            let participant = match &speaker {
                Some(Speaker::Participant(p)) => Some(*p),
                _ => None,
            };
            return (speaker, participant);
        }
        (ctx.info.speaker.clone(), ctx.info.sole_participant())
    }

    /// The participant a segment is attributed to.
    pub fn participant(&mut self, segment: &Segment) -> Option<Uuid> {
        self.who(&segment.source, segment.start).1
    }

    /// A segment in context; None when its source no longer exists.
    pub fn retrieve(&mut self, segment: &Segment) -> Option<Retrieved> {
        let data = self.data;
        let (speaker, participant_id) = self.who(&segment.source, segment.start);
        let placed = match segment.anchor {
            Anchor::Placed => self.words(&segment.source, segment.start, segment.end),
            _ => None,
        };
        let info = self.source(&segment.source)?.clone();
        let participant = participant_id.and_then(|p| data.participant(p));
        let role_id = participant.and_then(|p| p.role_id);
        let text = placed.unwrap_or(&segment.text).to_string();
        let research_question = info
            .research_question
            .and_then(|q| data.study.research_questions.iter().find(|x| x.id == q))
            .map(|q| q.text.clone())
            .unwrap_or_default();
        Some(Retrieved {
            segment: segment.id,
            source: segment.source.clone(),
            source_uuid: info.uuid,
            source_kind: info.kind,
            source_title: info.title.clone(),
            case_id: info.case_id,
            case: data.case_name(info.case_id).to_string(),
            participant_id,
            pseudonym: participant.map(|p| p.pseudonym.clone()).unwrap_or_default(),
            role: data.role_name(role_id).to_string(),
            role_id,
            speaker: speaker.map(|s| data.speaker_label(&s)).unwrap_or_default(),
            research_question_id: info.research_question,
            research_question,
            question: info.question_text.clone(),
            survey_question_id: info.survey_question,
            start: segment.start,
            end: segment.end,
            text,
            codes: segment.codings.iter().map(|c| c.code).collect(),
            anchor: segment.anchor,
        })
    }
}

impl Retrieved {
    /// The segment as a quotation with its attribution:
    /// `“words” — Pseudonym, Role, Case` (see [`Retrieved::attribution`]).
    pub fn quote(&self) -> String {
        format!("“{}” — {}", self.text.trim(), self.attribution())
    }

    /// Whose words these are: `Pseudonym, Role, Case`, parts that are unknown left
    /// out; a segment with nobody to attribute it to names its source instead.
    pub fn attribution(&self) -> String {
        let mut by: Vec<&str> = Vec::new();
        if self.pseudonym.is_empty() {
            by.push(&self.source_title);
        } else {
            by.push(&self.pseudonym);
            if !self.role.is_empty() {
                by.push(&self.role);
            }
        }
        if !self.case.is_empty() {
            by.push(&self.case);
        }
        by.join(", ")
    }
}

/// Segments and distinct sources.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub segments: usize,
    pub sources: usize,
}

/// Counts for one code, its sub-codes included.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeCount {
    pub code: Uuid,
    /// 0 for a theme.
    pub depth: usize,
    /// Segments coded with exactly this code.
    pub direct_segments: usize,
    /// Segments coded with this code or one below it, and their sources.
    pub total: Tally,
    /// By case (cases in study order; only those with any).
    pub by_case: Vec<(Uuid, Tally)>,
    /// By the attributed participant's role (None: no participant or no role).
    pub by_role: Vec<(Option<Uuid>, Tally)>,
}

/// Non-overlapping stretch of a source with the segments and codes covering it,
/// for drawing overlapping and nested highlights.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Highlight {
    pub start: usize,
    pub end: usize,
    /// Segments covering this stretch, outermost (earliest start, longest) first.
    pub segments: Vec<Uuid>,
    /// Their codes, each once, in the order of `segments`.
    pub codes: Vec<Uuid>,
}

/// What the framework matrix's rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixRows {
    Cases,
    Participants,
}

/// What the framework matrix's columns are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatrixColumns {
    Themes,
    Questions,
}

/// One cell of the framework matrix as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct MatrixCellView {
    pub row: MatrixRow,
    pub column: MatrixColumn,
    /// The stored cell, if a synopsis was written or segments linked.
    pub cell: Option<Uuid>,
    pub synopsis: String,
    /// Linked supporting segments that still exist.
    pub linked: Vec<Uuid>,
    /// Every segment that falls in this row and column, to choose supporting ones from.
    pub available: Vec<Uuid>,
    /// No data at all for this row and column (no segment falls in it).
    pub empty: bool,
}

/// Rows × columns with the analyst's synopses.
#[derive(Clone, Debug, PartialEq)]
pub struct FrameworkMatrix {
    pub rows: Vec<(MatrixRow, String)>,
    pub columns: Vec<(MatrixColumn, String)>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<MatrixCellView>>,
}

impl StudyData {
    /// Coded segments matching a filter, in the order of the study's sources and
    /// then by position; segments whose source is gone come last.
    pub fn retrieve(&self, filter: &RetrievalFilter) -> Vec<Retrieved> {
        let wanted: Option<HashSet<Uuid>> = (!filter.codes.is_empty())
            .then(|| filter.codes.iter().flat_map(|c| self.code_and_descendants(*c)).collect());
        let source_level = SourceFilter { roles: Vec::new(), participants: Vec::new(), ..filter.sources.clone() };
        let mut at = Attributor::new(self);
        let mut source_ok: HashMap<SourceRef, bool> = HashMap::new();
        let mut out = Vec::new();
        for s in &self.segments {
            if filter.placed_only && s.anchor != Anchor::Placed {
                continue;
            }
            if let Some(w) = &wanted
                && !s.codings.iter().any(|c| w.contains(&c.code))
            {
                continue;
            }
            let ok = *source_ok.entry(s.source.clone()).or_insert_with(|| {
                source_level.is_empty() || at.source(&s.source).is_some_and(|info| source_level.matches(self, info))
            });
            if !ok {
                continue;
            }
            let needs_person = !filter.sources.roles.is_empty() || !filter.sources.participants.is_empty();
            if needs_person {
                let person = at.participant(s);
                if !filter.sources.participants.is_empty()
                    && !person.is_some_and(|p| filter.sources.participants.contains(&p))
                {
                    continue;
                }
                let role = person.and_then(|p| self.participant(p)).and_then(|p| p.role_id);
                if !filter.sources.roles.is_empty() && !role.is_some_and(|r| filter.sources.roles.contains(&r)) {
                    continue;
                }
            }
            if let Some(r) = at.retrieve(s) {
                out.push(r);
            }
        }
        let order = self.source_ranks(&out.iter().map(|r| &r.source).collect());
        out.sort_by_key(|r| (order.get(&r.source).copied().unwrap_or(usize::MAX), r.start, r.end));
        out
    }

    /// A segment as a quotation with its attribution (see [`Retrieved::quote`]).
    pub fn quote(&self, segment: Uuid) -> Option<String> {
        let s = self.segment(segment)?;
        Attributor::new(self).retrieve(s).map(|r| r.quote())
    }

    /// Segments and sources per code (sub-codes included), overall, by case and by
    /// role, in codebook order.
    pub fn code_counts(&self) -> Vec<CodeCount> {
        // For each code, the codes whose segments it counts: itself and its descendants.
        let mut at = Attributor::new(self);
        let mut per_code: HashMap<Uuid, Vec<usize>> = HashMap::new();
        let mut people: Vec<(Option<Uuid>, Option<Uuid>)> = Vec::with_capacity(self.segments.len());
        let parents: HashMap<Uuid, Option<Uuid>> = self.codes.iter().map(|c| (c.id, c.parent)).collect();
        for (n, s) in self.segments.iter().enumerate() {
            let case = at.source(&s.source).and_then(|i| i.case_id);
            let role = at.participant(s).and_then(|p| self.participant(p)).and_then(|p| p.role_id);
            people.push((case, role));
            let mut counted = HashSet::new();
            for c in &s.codings {
                let mut next = Some(c.code);
                let mut guard = 0;
                while let Some(code) = next {
                    if counted.insert(code) {
                        per_code.entry(code).or_default().push(n);
                    }
                    guard += 1;
                    if guard > self.codes.len() {
                        break;
                    }
                    next = parents.get(&code).copied().flatten();
                }
            }
        }
        let case_order: HashMap<Uuid, usize> = self.cases.iter().enumerate().map(|(n, c)| (c.id, n)).collect();
        let role_order: HashMap<Uuid, usize> = self.study.roles.iter().enumerate().map(|(n, r)| (r.id, n)).collect();
        /// Segments and distinct sources, counted in one pass.
        #[derive(Default)]
        struct Counter<'s> {
            segments: usize,
            sources: HashSet<&'s SourceRef>,
        }
        impl Counter<'_> {
            fn tally(&self) -> Tally {
                Tally { segments: self.segments, sources: self.sources.len() }
            }
        }
        self.codebook()
            .into_iter()
            .map(|(depth, code)| {
                let hits = per_code.get(&code.id).map(Vec::as_slice).unwrap_or(&[]);
                let mut total = Counter::default();
                let mut by_case: BTreeMap<(usize, Uuid), Counter> = BTreeMap::new();
                let mut by_role: BTreeMap<(usize, Option<Uuid>), Counter> = BTreeMap::new();
                let mut direct = 0;
                for n in hits.iter().copied() {
                    let segment = &self.segments[n];
                    let (case, role) = people[n];
                    if segment.has_code(code.id) {
                        direct += 1;
                    }
                    for counter in [
                        Some(&mut total),
                        case.map(|c| {
                            by_case.entry((case_order.get(&c).copied().unwrap_or(usize::MAX), c)).or_default()
                        }),
                        Some(
                            by_role
                                .entry((role.and_then(|r| role_order.get(&r).copied()).unwrap_or(usize::MAX), role))
                                .or_default(),
                        ),
                    ]
                    .into_iter()
                    .flatten()
                    {
                        counter.segments += 1;
                        counter.sources.insert(&segment.source);
                    }
                }
                CodeCount {
                    code: code.id,
                    depth,
                    direct_segments: direct,
                    total: total.tally(),
                    by_case: by_case.into_iter().map(|((_, c), counter)| (c, counter.tally())).collect(),
                    by_role: by_role.into_iter().map(|((_, r), counter)| (r, counter.tally())).collect(),
                }
            })
            .collect()
    }

    /// The highlights of one source: its text cut where any segment starts or ends,
    /// each stretch with the segments and codes covering it. Segments that are lost
    /// are not drawn.
    pub fn highlights(&self, source: &SourceRef) -> Vec<Highlight> {
        highlights_of(self.segments.iter().filter(|s| s.source == *source).collect())
    }

    /// [`StudyData::highlights`] of several sources, in one pass over the segments
    /// (an interview is made of many notes and turns).
    pub fn highlights_of_sources(&self, sources: &[&SourceRef]) -> HashMap<SourceRef, Vec<Highlight>> {
        let wanted: HashSet<&SourceRef> = sources.iter().copied().collect();
        let mut on: HashMap<&SourceRef, Vec<&Segment>> = HashMap::new();
        for s in &self.segments {
            if wanted.contains(&s.source) {
                on.entry(&s.source).or_default().push(s);
            }
        }
        on.into_iter().map(|(source, segments)| (source.clone(), highlights_of(segments))).collect()
    }

    /// The framework matrix: rows are cases or participants, columns themes or
    /// research questions; each cell has its synopsis, linked segments, the segments
    /// that fall in it, and whether it has no data at all.
    pub fn framework_matrix(&self, rows: MatrixRows, columns: MatrixColumns) -> FrameworkMatrix {
        let row_list: Vec<(MatrixRow, String)> = match rows {
            MatrixRows::Cases => self.cases.iter().map(|c| (MatrixRow::Case(c.id), c.name.clone())).collect(),
            MatrixRows::Participants => {
                self.participants.iter().map(|p| (MatrixRow::Participant(p.id), p.pseudonym.clone())).collect()
            }
        };
        let column_list: Vec<(MatrixColumn, String)> = match columns {
            MatrixColumns::Themes => self.themes().map(|c| (MatrixColumn::Theme(c.id), c.name.clone())).collect(),
            MatrixColumns::Questions => {
                self.study.research_questions.iter().map(|q| (MatrixColumn::Question(q.id), q.text.clone())).collect()
            }
        };
        let mut available: HashMap<(MatrixRow, MatrixColumn), Vec<Uuid>> = HashMap::new();
        let mut at = Attributor::new(self);
        let themes: HashMap<Uuid, Option<Uuid>> = self.codes.iter().map(|c| (c.id, self.theme_of(c.id))).collect();
        for s in &self.segments {
            let row = match rows {
                MatrixRows::Cases => at.source(&s.source).and_then(|i| i.case_id).map(MatrixRow::Case),
                MatrixRows::Participants => at.participant(s).map(MatrixRow::Participant),
            };
            let Some(row) = row else { continue };
            let mut cols: Vec<MatrixColumn> = Vec::new();
            match columns {
                MatrixColumns::Themes => {
                    for c in &s.codings {
                        if let Some(Some(t)) = themes.get(&c.code)
                            && !cols.contains(&MatrixColumn::Theme(*t))
                        {
                            cols.push(MatrixColumn::Theme(*t));
                        }
                    }
                }
                MatrixColumns::Questions => {
                    if let Some(q) = at.source(&s.source).and_then(|i| i.research_question) {
                        cols.push(MatrixColumn::Question(q));
                    }
                }
            }
            for col in cols {
                available.entry((row, col)).or_default().push(s.id);
            }
        }
        let existing: HashSet<Uuid> = self.segments.iter().map(|s| s.id).collect();
        let stored: HashMap<(MatrixRow, MatrixColumn), &MatrixCell> =
            self.matrix_cells.iter().map(|c| ((c.row, c.column), c)).collect();
        let cells = row_list
            .iter()
            .map(|(row, _)| {
                column_list
                    .iter()
                    .map(|(column, _)| {
                        let here = available.get(&(*row, *column)).cloned().unwrap_or_default();
                        let cell = stored.get(&(*row, *column));
                        MatrixCellView {
                            row: *row,
                            column: *column,
                            cell: cell.map(|c| c.id),
                            synopsis: cell.map(|c| c.synopsis.clone()).unwrap_or_default(),
                            linked: cell
                                .map(|c| c.segments.iter().filter(|s| existing.contains(s)).copied().collect())
                                .unwrap_or_default(),
                            empty: here.is_empty(),
                            available: here,
                        }
                    })
                    .collect()
            })
            .collect();
        FrameworkMatrix { rows: row_list, columns: column_list, cells }
    }
}

/// The highlights of one source's segments (see [`StudyData::highlights`]).
fn highlights_of(mut on: Vec<&Segment>) -> Vec<Highlight> {
    on.retain(|s| s.anchor != Anchor::Lost && s.start < s.end);
    on.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)).then(a.id.cmp(&b.id)));
    let mut cuts: Vec<usize> = on.iter().flat_map(|s| [s.start, s.end]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut active: Vec<&Segment> = Vec::new();
    let mut next = 0;
    for pair in cuts.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        active.retain(|s| s.end > a);
        while next < on.len() && on[next].start <= a {
            if on[next].end > a {
                active.push(on[next]);
            }
            next += 1;
        }
        if active.is_empty() {
            continue;
        }
        let mut codes = Vec::new();
        for s in &active {
            for c in &s.codings {
                if !codes.contains(&c.code) {
                    codes.push(c.code);
                }
            }
        }
        out.push(Highlight { start: a, end: b, segments: active.iter().map(|s| s.id).collect(), codes });
    }
    out
}
