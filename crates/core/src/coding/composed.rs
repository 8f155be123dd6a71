//! An interview or focus group as one text to code: its notes and speaker turns in
//! protocol order, under section headings with the questions and prompts asked and
//! the speakers' names, followed by its transcript. Likewise every open answer to one
//! survey question, each under its respondent's name.
//!
//! Coded segments stay on the underlying note, turn or transcript (so exports keep
//! their per-note and per-turn columns); this module maps between positions in the
//! composed text and positions in those sources. A selection that crosses notes or
//! turns becomes one segment per part: each part is still attributed to the person
//! who said it, which one segment over two speakers could not be. Headings, prompts
//! and speaker labels are not codable: a selection's parts over them are left out.

use std::collections::HashMap;

use uuid::Uuid;

use crate::coding::retrieval::Highlight;
use crate::coding::sources::{SourceFilter, SourceRef};
use crate::fieldwork::{Interview, InterviewKind};
use crate::offsets::code_point_len;
use crate::study::StudyData;

/// What a stretch of the composed text is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PieceKind {
    /// A section's title, a question or prompt asked, "Transcript": not codable.
    Heading,
    /// "Ceri: " before a turn: not codable.
    Speaker,
    /// Codable text: the whole text of one source, from its first code point.
    Text(SourceRef),
}

/// A stretch `start..end` (code points) of the composed text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub kind: PieceKind,
    pub start: usize,
    pub end: usize,
}

/// One interview, or one survey question's answers, as a single text, with where
/// each part came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposedInterview {
    /// The interview's id, or the survey question's list id ([`survey_question_id`]).
    pub interview: Uuid,
    pub text: String,
    pub pieces: Vec<Piece>,
}

const SURVEY_QUESTION_NS: Uuid = Uuid::from_u128(0x6b1f_2d90_73c4_4e8a_9a05_c3e1_58d2_f047);

/// The stable id under which one survey question's open answers are listed.
pub fn survey_question_id(survey: Uuid, question: Uuid) -> Uuid {
    Uuid::new_v5(&SURVEY_QUESTION_NS, format!("{survey}:{question}").as_bytes())
}

/// Part of a selection, on one underlying source (code points in that source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectionPart {
    pub source: SourceRef,
    pub start: usize,
    pub end: usize,
}

struct Builder {
    text: String,
    len: usize,
    pieces: Vec<Piece>,
}

impl Builder {
    fn push(&mut self, kind: PieceKind, text: &str) {
        let n = code_point_len(text);
        self.pieces.push(Piece { kind, start: self.len, end: self.len + n });
        self.text.push_str(text);
        self.len += n;
    }

    /// Separators between pieces belong to no piece.
    fn gap(&mut self, text: &str) {
        self.text.push_str(text);
        self.len += code_point_len(text);
    }
}

/// The questions of every version of a survey, the current one first.
fn all_questions(survey: &crate::surveys::Survey) -> impl Iterator<Item = &crate::surveys::Question> {
    let versions = survey.version_numbers();
    versions
        .into_iter()
        .rev()
        .filter_map(move |v| survey.pages_for(v))
        .flat_map(|pages| pages.iter().flat_map(|p| &p.questions))
}

impl StudyData {
    /// The interview as one text to code; None if there is no such interview.
    pub fn compose_interview(&self, interview: Uuid) -> Option<ComposedInterview> {
        let i = self.interview(interview)?;
        let mut b = Builder { text: String::new(), len: 0, pieces: Vec::new() };
        let sections = self.interview_sections(i);
        let mut placed = std::collections::HashSet::new();
        for (n, section) in sections.iter().enumerate() {
            let asked: Vec<(Option<Uuid>, &str)> = std::iter::once((None, section.question.as_str()))
                .chain(section.prompts.iter().map(|p| (Some(p.id), p.text.as_str())))
                .collect();
            let answers: Vec<_> = asked
                .iter()
                .filter_map(|(prompt, words)| {
                    i.answers.iter().find(|a| a.section_id == section.id && a.prompt_id == *prompt).map(|a| (a, *words))
                })
                .filter(|(a, _)| !a.text.trim().is_empty() || a.turns.iter().any(|t| !t.text.trim().is_empty()))
                .collect();
            if answers.is_empty() {
                continue;
            }
            let title =
                if section.title.trim().is_empty() { format!("Section {}", n + 1) } else { section.title.clone() };
            b.push(PieceKind::Heading, &format!("{}. {}", n + 1, title.trim()));
            b.gap("\n");
            for (answer, words) in answers {
                placed.insert((answer.section_id, answer.prompt_id));
                self.compose_answer(&mut b, i, answer, words);
            }
            b.gap("\n");
        }
        // Notes recorded against sections the protocol no longer has.
        let rest: Vec<_> = i.answers.iter().filter(|a| !placed.contains(&(a.section_id, a.prompt_id))).collect();
        if rest.iter().any(|a| !a.text.trim().is_empty() || !a.turns.is_empty()) {
            b.push(PieceKind::Heading, "Other notes");
            b.gap("\n");
            for a in rest {
                self.compose_answer(&mut b, i, a, "");
            }
            b.gap("\n");
        }
        if let Some(t) = &i.transcript
            && !t.text.trim().is_empty()
        {
            b.push(PieceKind::Heading, "Transcript");
            b.gap("\n");
            b.push(PieceKind::Text(SourceRef::Transcript { interview }), &t.text);
            b.gap("\n");
        }
        Some(ComposedInterview { interview, text: b.text, pieces: b.pieces })
    }

    fn compose_answer(&self, b: &mut Builder, i: &Interview, a: &crate::fieldwork::Answer, asked: &str) {
        if !asked.trim().is_empty() {
            b.push(PieceKind::Heading, asked.trim());
            b.gap("\n");
        }
        if !a.text.trim().is_empty() {
            let source = SourceRef::Notes { interview: i.id, section: a.section_id, prompt: a.prompt_id };
            b.push(PieceKind::Text(source), &a.text);
            b.gap("\n");
        }
        for t in a.turns.iter().filter(|t| !t.text.trim().is_empty()) {
            b.push(PieceKind::Speaker, &format!("{}: ", self.speaker_label(&t.speaker)));
            b.push(PieceKind::Text(SourceRef::Turn { interview: i.id, turn: t.id }), &t.text);
            b.gap("\n");
        }
    }

    /// The whole text behind a listed id: an interview, or a survey question's answers.
    pub fn compose(&self, id: Uuid) -> Option<ComposedInterview> {
        if self.interview(id).is_some() {
            return self.compose_interview(id);
        }
        // Any version's questions: older responses may answer one no longer asked.
        let (survey, question) = self.surveys.iter().find_map(|s| {
            let q = all_questions(s).find(|q| survey_question_id(s.id, q.id) == id)?;
            Some((s.id, q.id))
        })?;
        self.compose_survey_question(survey, question)
    }

    /// Every open answer to one survey question, each after its respondent's name.
    pub fn compose_survey_question(&self, survey: Uuid, question: Uuid) -> Option<ComposedInterview> {
        let q = all_questions(self.survey(survey)?).find(|q| q.id == question)?;
        let mut b = Builder { text: String::new(), len: 0, pieces: Vec::new() };
        b.push(PieceKind::Heading, q.label.get(crate::surveys::DEFAULT_LANGUAGE).0.trim());
        b.gap("\n");
        for r in self.responses_to(survey) {
            let source = SourceRef::SurveyAnswer { response: r.id, question };
            let Some(text) = self.source_text(&source).filter(|t| !t.trim().is_empty()) else { continue };
            let who = r.participant_id.and_then(|p| self.participant(p)).map_or("Anonymous", |p| p.pseudonym.as_str());
            let case = self.case_name(Some(r.case_id));
            let label = if case.is_empty() { format!("{who}: ") } else { format!("{who} ({case}): ") };
            b.push(PieceKind::Speaker, &label);
            b.push(PieceKind::Text(source), text);
            b.gap("\n");
        }
        Some(ComposedInterview { interview: survey_question_id(survey, question), text: b.text, pieces: b.pieces })
    }

    /// A title that says what the interview is: kind, people, case and date.
    pub fn interview_title(&self, interview: &Interview) -> String {
        let kind = match interview.kind {
            InterviewKind::Interview => "Interview",
            InterviewKind::FocusGroup => "Focus group",
        };
        let mut title = format!("{kind} with {}", self.interview_people(interview));
        let case = self.case_name(Some(interview.case_id));
        if !case.is_empty() {
            title.push_str(&format!(", {case}"));
        }
        if let Some(date) = interview.date {
            title.push_str(&format!(", {date}"));
        }
        title
    }
}

/// A line of the coding workspace's source list: an interview or focus group as one
/// source, or any other source (transcript, document, site notes, survey answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedSource {
    /// The interview's id for a whole interview, else the source's own stable id.
    pub id: Uuid,
    pub title: String,
    pub kind: &'static str,
    pub case_id: Option<Uuid>,
    pub segments: usize,
}

impl StudyData {
    /// The sources to code, in order, each interview's notes and turns listed once as
    /// the whole interview. An interview is listed when any of its parts matches the
    /// filter.
    pub fn listed_sources(&self, filter: &SourceFilter) -> Vec<ListedSource> {
        let mut per_interview: HashMap<Uuid, usize> = HashMap::new();
        // Survey answers are listed one line per question: segments counted per
        // (survey, question), looked up through one map of responses (thousands).
        let survey_of: HashMap<Uuid, Uuid> = self.responses.iter().map(|r| (r.id, r.survey_id)).collect();
        let mut per_question: HashMap<(Uuid, Uuid), usize> = HashMap::new();
        let mut per_source: HashMap<&SourceRef, usize> = HashMap::new();
        for s in &self.segments {
            match &s.source {
                SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => {
                    *per_interview.entry(*interview).or_insert(0) += 1;
                }
                SourceRef::SurveyAnswer { response, question } => {
                    if let Some(survey) = survey_of.get(response) {
                        *per_question.entry((*survey, *question)).or_insert(0) += 1;
                    }
                }
                _ => *per_source.entry(&s.source).or_insert(0) += 1,
            }
        }
        let mut out = Vec::new();
        let mut listed = std::collections::HashSet::new();
        let mut listed_questions = std::collections::HashSet::new();
        for s in self.filtered_sources(filter).into_iter().filter(|s| !s.text.trim().is_empty()) {
            match &s.source {
                SourceRef::Notes { interview, .. } | SourceRef::Turn { interview, .. } => {
                    if !listed.insert(*interview) {
                        continue;
                    }
                    let Some(i) = self.interview(*interview) else { continue };
                    out.push(ListedSource {
                        id: *interview,
                        title: self.interview_title(i),
                        kind: i.kind.label(),
                        case_id: Some(i.case_id),
                        segments: per_interview.get(interview).copied().unwrap_or(0),
                    });
                }
                SourceRef::SurveyAnswer { response, question } => {
                    let Some(survey) = survey_of.get(response).copied() else { continue };
                    // Thousands of answers, a few questions: the id (a hash) once per question.
                    if !listed_questions.insert((survey, *question)) {
                        continue;
                    }
                    let id = survey_question_id(survey, *question);
                    let name = self.survey(survey).map(|s| s.name.as_str()).unwrap_or("Survey");
                    out.push(ListedSource {
                        id,
                        title: format!("{name}: answers to “{}”", s.question_text.trim()),
                        kind: s.kind.label(),
                        case_id: None,
                        segments: per_question.get(&(survey, *question)).copied().unwrap_or(0),
                    });
                }
                other => out.push(ListedSource {
                    id: s.uuid,
                    title: s.title.clone(),
                    kind: s.kind.label(),
                    case_id: s.case_id,
                    segments: per_source.get(other).copied().unwrap_or(0),
                }),
            }
        }
        out
    }
}

impl ComposedInterview {
    /// The codable parts of a selection `start..end` of the composed text, one per
    /// note, turn or transcript it touches, in order. Empty when it covers only
    /// headings and names.
    pub fn split_selection(&self, start: usize, end: usize) -> Vec<SelectionPart> {
        self.pieces
            .iter()
            .filter_map(|p| match &p.kind {
                PieceKind::Text(source) if start < p.end && end > p.start => {
                    let (a, b) = (start.max(p.start), end.min(p.end));
                    (a < b).then(|| SelectionPart { source: source.clone(), start: a - p.start, end: b - p.start })
                }
                _ => None,
            })
            .collect()
    }

    /// Where a source's text starts in the composed text.
    pub fn offset_of(&self, source: &SourceRef) -> Option<usize> {
        self.pieces.iter().find(|p| p.kind == PieceKind::Text(source.clone())).map(|p| p.start)
    }

    /// Every source the composed text shows.
    pub fn sources(&self) -> impl Iterator<Item = &SourceRef> {
        self.pieces.iter().filter_map(|p| match &p.kind {
            PieceKind::Text(s) => Some(s),
            _ => None,
        })
    }

    /// The highlights of every part, moved to their place in the composed text.
    pub fn highlights(&self, data: &StudyData) -> Vec<Highlight> {
        let mut by_source = data.highlights_of_sources(&self.sources().collect::<Vec<_>>());
        let mut out = Vec::new();
        for p in &self.pieces {
            if let PieceKind::Text(source) = &p.kind {
                for mut h in by_source.remove(source).unwrap_or_default() {
                    h.start += p.start;
                    h.end = (h.end + p.start).min(p.end);
                    if h.start < h.end {
                        out.push(h);
                    }
                }
            }
        }
        out
    }

    /// The headings and speaker labels, for drawing them apart from the words.
    pub fn labels(&self) -> Vec<(usize, usize, bool)> {
        self.pieces
            .iter()
            .filter_map(|p| match p.kind {
                PieceKind::Heading => Some((p.start, p.end, true)),
                PieceKind::Speaker => Some((p.start, p.end, false)),
                PieceKind::Text(_) => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{DemoSize, demo_study};
    use crate::offsets::slice_code_points;

    fn group(d: &StudyData) -> Uuid {
        d.interviews.iter().find(|i| i.kind == InterviewKind::FocusGroup).map(|i| i.id).unwrap_or_default()
    }

    #[test]
    fn the_composed_text_holds_every_part_at_its_place() {
        let d = demo_study(DemoSize::Small);
        for i in &d.interviews {
            let c = d.compose_interview(i.id).unwrap_or_else(|| panic!("interview {}", i.id));
            for p in &c.pieces {
                if let PieceKind::Text(source) = &p.kind {
                    let own = d.source_text(source).unwrap_or_default();
                    assert_eq!(slice_code_points(&c.text, p.start, p.end), Some(own), "{source:?}");
                }
            }
        }
        let c = d.compose_interview(group(&d)).unwrap_or_else(|| panic!("a focus group"));
        assert!(c.text.starts_with("1. "), "{}", c.text);
        assert!(c.text.contains("Ceri: Sharing the paperwork"), "{}", c.text);
    }

    #[test]
    fn a_selection_across_two_turns_is_one_part_per_turn_without_the_names() {
        let d = demo_study(DemoSize::Small);
        let c = d.compose_interview(group(&d)).unwrap_or_else(|| panic!("a focus group"));
        let from = c.text.find("not forms.").map(|b| code_point_len(&c.text[..b])).unwrap_or_default();
        let to = c.text.find("the shared back").map(|b| code_point_len(&c.text[..b]) + 15).unwrap_or_default();
        let parts = c.split_selection(from, to);
        assert_eq!(parts.len(), 2, "{parts:?}");
        let words: Vec<String> = parts
            .iter()
            .map(|p| {
                slice_code_points(d.source_text(&p.source).unwrap_or_default(), p.start, p.end)
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(words[0], "not forms.");
        assert!(words[1].ends_with("the shared back"), "{}", words[1]);
        assert!(!words[1].contains("Dylan:"), "the speaker's name is not coded");
        // Only a heading: nothing to code.
        let heading = c.pieces.iter().find(|p| p.kind == PieceKind::Heading).map(|p| (p.start, p.end));
        let (a, b) = heading.unwrap_or_default();
        assert!(c.split_selection(a, b).is_empty());
    }

    #[test]
    fn the_highlights_of_many_sources_at_once_are_those_of_each_alone() {
        let d = demo_study(DemoSize::Small);
        for i in &d.interviews {
            let Some(c) = d.compose_interview(i.id) else { continue };
            let sources: Vec<&SourceRef> = c.sources().collect();
            let together = d.highlights_of_sources(&sources);
            for source in &sources {
                let alone = d.highlights(source);
                assert_eq!(together.get(*source).cloned().unwrap_or_default(), alone, "{source:?}");
            }
        }
        let coded = d
            .interviews
            .iter()
            .filter_map(|i| d.compose_interview(i.id))
            .map(|c| c.highlights(&d).len())
            .sum::<usize>();
        assert!(coded > 0, "the demo's interviews have highlighted words");
    }

    #[test]
    fn each_interview_is_listed_once_with_all_its_segments() {
        let d = demo_study(DemoSize::Small);
        let listed = d.listed_sources(&SourceFilter::default());
        let g = group(&d);
        let rows: Vec<_> = listed.iter().filter(|l| l.id == g).collect();
        assert_eq!(rows.len(), 1);
        let on_group = d.segments.iter().filter(|s| matches!(s.source, SourceRef::Turn { interview, .. } | SourceRef::Notes { interview, .. } if interview == g)).count();
        assert_eq!(rows[0].segments, on_group);
        assert!(rows[0].title.starts_with("Focus group with "), "{}", rows[0].title);
        let ids: std::collections::HashSet<_> = listed.iter().map(|l| l.id).collect();
        assert_eq!(ids.len(), listed.len(), "no source twice");
        let titles: std::collections::HashSet<_> = listed.iter().map(|l| l.title.as_str()).collect();
        assert_eq!(titles.len(), listed.len(), "titles say which source they are");
    }

    #[test]
    fn a_survey_question_lists_once_with_every_open_answer_under_its_respondent() {
        let d = demo_study(DemoSize::Small);
        let listed = d.listed_sources(&SourceFilter::default());
        let answers: Vec<_> = listed.iter().filter(|l| l.title.contains(": answers to")).collect();
        assert!(!answers.is_empty(), "the demo has open survey answers");
        for l in answers {
            let c = d.compose(l.id).unwrap_or_else(|| panic!("{}", l.title));
            assert!(c.sources().count() >= 1);
            for p in &c.pieces {
                if let PieceKind::Text(source) = &p.kind {
                    assert!(matches!(source, SourceRef::SurveyAnswer { .. }));
                    assert_eq!(slice_code_points(&c.text, p.start, p.end), d.source_text(source));
                }
            }
        }
    }

    #[test]
    fn highlights_move_to_their_place_in_the_composed_text() {
        let d = demo_study(DemoSize::Small);
        let c = d.compose_interview(group(&d)).unwrap_or_else(|| panic!("a focus group"));
        let mine: Vec<_> = d.segments.iter().filter(|s| s.source.interview() == Some(c.interview)).collect();
        assert!(!mine.is_empty(), "the demo codes its focus group");
        let lit = c.highlights(&d);
        for s in mine {
            let at = c.offset_of(&s.source).unwrap_or_default();
            assert!(lit.iter().any(|h| h.segments.contains(&s.id) && h.start >= at + s.start && h.end <= at + s.end));
        }
    }
}
