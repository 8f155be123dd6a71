//! Text search across every codable text of a study (NVivo's text search query,
//! MAXQDA's lexical search): a phrase, ignoring case and accents, so "dwr" finds
//! "dŵr" and "CAFÉ" finds "café".
//!
//! [`SearchIndex`] keeps each source's text folded (lowercased, canonically
//! decomposed, combining marks dropped, whitespace runs made one space) with a
//! compact map from folded bytes back to the original code points, so a search is a
//! substring scan of the folded texts and every hit selects exactly the original
//! words. After a change to study data, [`SearchIndex::refresh`] re-folds only the
//! texts of the objects touched.
//!
//! The index lists texts per interview, response and document, in
//! [`StudyData::sources`] order, without calling it: `sources()` looks every source's
//! owner up by id, which on a study with thousands of responses costs more than
//! folding the whole study again.

use std::collections::{HashMap, HashSet};

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use uuid::Uuid;

use crate::coding::sources::{SourceFilter, SourceInfo, SourceKind, SourceRef};
use crate::fieldwork::{Document, DocumentKind, Interview, Speaker};
use crate::study::{ObjectRef, StudyData};
use crate::surveys::{AnswerValue, QuestionKind, Response};

/// About this many code points of context either side of a hit.
pub const CONTEXT: usize = 40;

/// One place a search found, in the original text (code points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    pub source: SourceRef,
    pub start: usize,
    pub end: usize,
    /// Original text just before the hit, starting at a word where one is near.
    pub before: String,
    /// The original words found.
    pub matched: String,
    /// Original text just after the hit, ending at a word's end where one is near.
    pub after: String,
    pub kind: SourceKind,
    /// [`SourceInfo::title`].
    pub title: String,
    /// The case's name ("" when the source has no case).
    pub case_name: String,
    /// Pseudonyms of the people whose words these are: a turn's speaker, else the
    /// interview's participants or the survey's respondent.
    pub people: Vec<String>,
}

impl SearchHit {
    /// Where to code the hit, for [`crate::coding::CodingEdit::ApplyCodesMany`].
    pub fn place(&self) -> (SourceRef, usize, usize) {
        (self.source.clone(), self.start, self.end)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    /// The first hits (at most the limit asked for), in source-list order, then by position.
    pub hits: Vec<SearchHit>,
    /// Every hit, however many were returned.
    pub total: usize,
    /// How many sources have at least one hit.
    pub sources: usize,
}

/// A stretch of folded text whose characters map one to one onto consecutive
/// original characters, all of one width in each. Ordinary text makes long runs,
/// so the map costs far less than an entry per character.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    /// Byte offset in the folded text where the run starts.
    folded: u32,
    /// Code point and byte offset in the original text of the run's first character.
    point: u32,
    byte: u32,
    folded_width: u8,
    original_width: u8,
}

/// One source, folded.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Indexed {
    source: SourceRef,
    folded: String,
    runs: Vec<Run>,
    /// The original text's length in bytes: a cheap check that it has not changed.
    original_len: usize,
}

/// The folded texts of one interview, response or document (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Block {
    owner: ObjectRef,
    sources: Vec<Indexed>,
}

/// The folded texts of a study's sources, in [`StudyData::sources`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchIndex {
    blocks: Vec<Block>,
}

/// Builds the folded text and its map.
struct Folder {
    folded: String,
    runs: Vec<Run>,
    /// Whether the last character written is a space standing for whitespace.
    in_space: bool,
}

impl Folder {
    /// Writes one folded character that came from the original character at
    /// `point` (code points) / `byte`.
    fn push(&mut self, c: char, point: u32, byte: u32, original_width: u8) {
        let folded = self.folded.len() as u32;
        // `len_utf8` is 1..=4.
        let folded_width = c.len_utf8() as u8;
        self.folded.push(c);
        if let Some(last) = self.runs.last() {
            let n = (folded - last.folded) / u32::from(last.folded_width);
            if last.folded_width == folded_width
                && last.original_width == original_width
                && last.point + n == point
                && last.byte + n * u32::from(original_width) == byte
            {
                return;
            }
        }
        self.runs.push(Run { folded, point, byte, folded_width, original_width });
    }

    /// Writes ASCII letters, digits and punctuation (no whitespace) at once: they fold
    /// to themselves lowercased, one to one, so only the first can start a run.
    fn push_ascii(&mut self, span: &str, point: u32, byte: u32) {
        let mut chars = span.chars();
        if let Some(first) = chars.next() {
            self.push(first.to_ascii_lowercase(), point, byte, 1);
            let at = self.folded.len();
            self.folded.push_str(chars.as_str());
            if let Some(rest) = self.folded.get_mut(at..) {
                rest.make_ascii_lowercase();
            }
            self.in_space = false;
        }
    }
}

/// Folds a text for matching; see the module docs. None for a text too long to map
/// with 32-bit offsets (fields are limited far below that).
fn fold(text: &str) -> Option<(String, Vec<Run>)> {
    // Folding can lengthen a character (a Hangul syllable becomes three letters).
    if u32::try_from(text.len().saturating_mul(8)).is_err() {
        return None;
    }
    let mut f = Folder { folded: String::with_capacity(text.len()), runs: Vec::new(), in_space: false };
    let plain = |b: &u8| b.is_ascii() && !(*b as char).is_whitespace();
    let (mut byte, mut point) = (0usize, 0u32);
    while let Some(rest) = text.get(byte..).filter(|r| !r.is_empty()) {
        let span = rest.bytes().take_while(plain).count();
        if span > 0 {
            f.push_ascii(&rest[..span], point, byte as u32);
            byte += span;
            point += span as u32;
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        let width = c.len_utf8() as u8;
        if c.is_whitespace() {
            if !f.in_space {
                f.push(' ', point, byte as u32, width);
                f.in_space = true;
            }
        } else {
            for lower in c.to_lowercase() {
                // Case folding, unlike lowercasing, knows final sigma is sigma.
                let lower = if lower == 'ς' { 'σ' } else { lower };
                decompose_canonical(lower, |d| {
                    if !is_combining_mark(d) {
                        f.push(d, point, byte as u32, width);
                        f.in_space = false;
                    }
                });
            }
        }
        byte += usize::from(width);
        point += 1;
    }
    Some((f.folded, f.runs))
}

/// A query folded like the texts, without leading or trailing space.
fn fold_query(query: &str) -> String {
    fold(query).map(|(q, _)| q.trim_matches(' ').to_string()).unwrap_or_default()
}

impl Indexed {
    fn new(source: SourceRef, text: &str) -> Indexed {
        let (folded, runs) = fold(text).unwrap_or_default();
        Indexed { source, folded, runs, original_len: text.len() }
    }

    /// The original (code point, byte offset, byte width) of the folded character
    /// starting at byte `at`.
    fn original(&self, at: usize) -> Option<(usize, usize, usize)> {
        let at = u32::try_from(at).ok()?;
        let run = self.runs.get(self.runs.partition_point(|r| r.folded <= at).checked_sub(1)?)?;
        let n = (at - run.folded) / u32::from(run.folded_width.max(1));
        let width = u32::from(run.original_width);
        Some(((run.point + n) as usize, (run.byte + n * width) as usize, width as usize))
    }

    /// Original code points and bytes of a match at folded bytes `from..to`: from its
    /// first folded character's original to just past its last one's, and past any
    /// combining marks after that (folded away), so a decomposed "y\u{302}" is whole.
    fn original_span(&self, text: &str, from: usize, to: usize) -> Option<((usize, usize), (usize, usize))> {
        let last = to - self.folded.get(..to)?.chars().next_back()?.len_utf8();
        let (start, start_byte, _) = self.original(from)?;
        let (end, end_byte, width) = self.original(last)?;
        let marks = text.get(end_byte + width..)?.chars().take_while(|c| is_combining_mark(*c));
        let end = marks.fold((end + 1, end_byte + width), |(end, byte), c| (end + 1, byte + c.len_utf8()));
        Some(((start, start_byte), end))
    }
}

/// Changes that cannot change which texts there are or what they say.
/// The owners whose texts a change that touched these objects may have changed
/// (all of a survey's responses or a protocol's interviews when that is touched);
/// None when the change cannot have changed, added or removed any text.
fn to_fold_again(d: &StudyData, touched: &[ObjectRef]) -> Option<HashSet<ObjectRef>> {
    let mut owners: HashSet<ObjectRef> = HashSet::new();
    for r in touched {
        match r {
            ObjectRef::Interview(_) | ObjectRef::Response(_) | ObjectRef::Document(_) => {
                owners.insert(*r);
            }
            // Which questions a response shows, and the order of an interview's notes.
            ObjectRef::Survey(s) => {
                owners.extend(d.responses.iter().filter(|x| x.survey_id == *s).map(|x| ObjectRef::Response(x.id)));
            }
            ObjectRef::Protocol(p) => {
                owners.extend(d.interviews.iter().filter(|x| x.protocol_id == *p).map(|x| ObjectRef::Interview(x.id)))
            }
            _ => {}
        }
    }
    // Anything else may have deleted texts with it (a case, a participant's data):
    // the owners no longer in the study are dropped by `blocks` whatever the refs say.
    (!owners.is_empty() || !touched.iter().all(coding_only)).then_some(owners)
}

/// A [`SearchIndex`] built a few texts at a time, so that it can be built in idle
/// moments before the first search instead of in one long pause at it.
///
/// **Invariant**: any sequence of [`step`](Self::step)s and, after every change to
/// the study, [`forget`](Self::forget) with what it touched, then
/// [`finish`](Self::finish), gives the index [`SearchIndex::build`] gives.
#[derive(Debug, Default)]
pub struct SearchIndexBuilder {
    /// Owners folded so far, with their texts as they were folded.
    done: HashMap<ObjectRef, Block>,
    /// Where the next step starts among the study's owners (interviews, responses,
    /// documents, in that order).
    next: usize,
}

impl SearchIndexBuilder {
    /// Folds the texts of one owner after another while `more()` says so (checked
    /// after each); returns true once every owner has been folded.
    pub fn step(&mut self, d: &StudyData, mut more: impl FnMut() -> bool) -> bool {
        let owners = d.interviews.len() + d.responses.len() + d.documents.len();
        while self.next < owners {
            let at = self.next;
            self.next += 1;
            let (owner, texts) = if let Some(i) = d.interviews.get(at) {
                (ObjectRef::Interview(i.id), interview_texts(d, i))
            } else if let Some(r) = d.responses.get(at - d.interviews.len()) {
                (ObjectRef::Response(r.id), response_texts(d, r))
            } else if let Some(x) = d.documents.get(at - d.interviews.len() - d.responses.len()) {
                (ObjectRef::Document(x.id), document_texts(x))
            } else {
                continue;
            };
            if self.done.contains_key(&owner) {
                continue;
            }
            if let Some(block) = Block::new(owner, texts) {
                self.done.insert(owner, block);
            }
            if !more() {
                break;
            }
        }
        self.next >= owners
    }

    /// Forgets what a change that touched these objects may have changed, to fold it again.
    pub fn forget(&mut self, d: &StudyData, touched: &[ObjectRef]) {
        if let Some(owners) = to_fold_again(d, touched) {
            self.done.retain(|owner, _| !owners.contains(owner));
            // Folded again by `finish` if a step does not come back to it.
        }
    }

    /// The whole index: what the steps folded, and the rest folded now.
    pub fn finish(self, d: &StudyData) -> SearchIndex {
        let done = self.done;
        let folded: HashSet<ObjectRef> = done.keys().copied().collect();
        SearchIndex { blocks: blocks(d, |owner| !folded.contains(owner), done) }
    }
}

fn coding_only(r: &ObjectRef) -> bool {
    matches!(
        r,
        ObjectRef::Code(_)
            | ObjectRef::Segment(_)
            | ObjectRef::Memo(_)
            | ObjectRef::MatrixCell(_)
            | ObjectRef::CodingHistory
    )
}

fn is_text_question(kind: &QuestionKind) -> bool {
    matches!(kind, QuestionKind::ShortText { .. } | QuestionKind::LongText { .. })
}

/// An interview's texts, as `StudyData::sources` lists them: notes by protocol order
/// (then notes on sections no longer in it), each followed by its turns; the transcript.
fn interview_texts<'a>(d: &'a StudyData, interview: &'a Interview) -> Vec<(SourceRef, &'a str)> {
    let id = interview.id;
    let mut seen = HashSet::new();
    let mut answers = Vec::new();
    for s in d.interview_sections(interview) {
        for prompt in std::iter::once(None).chain(s.prompts.iter().map(|p| Some(p.id))) {
            if let Some(a) = interview.answers.iter().find(|a| a.section_id == s.id && a.prompt_id == prompt) {
                seen.insert((a.section_id, a.prompt_id));
                answers.push(a);
            }
        }
    }
    answers.extend(interview.answers.iter().filter(|a| !seen.contains(&(a.section_id, a.prompt_id))));
    let mut out = Vec::new();
    for a in answers {
        if !a.text.trim().is_empty() {
            // A source names its answer by slot: the first answer with it, as `source_text` reads.
            let first = interview.answers.iter().find(|x| x.section_id == a.section_id && x.prompt_id == a.prompt_id);
            let text = first.map_or(a.text.as_str(), |x| x.text.as_str());
            out.push((SourceRef::Notes { interview: id, section: a.section_id, prompt: a.prompt_id }, text));
        }
        for t in a.turns.iter().filter(|t| !t.text.trim().is_empty()) {
            let first = interview.answers.iter().flat_map(|a| &a.turns).find(|x| x.id == t.id);
            let text = first.map_or(t.text.as_str(), |x| x.text.as_str());
            out.push((SourceRef::Turn { interview: id, turn: t.id }, text));
        }
    }
    if let Some(t) = &interview.transcript {
        out.push((SourceRef::Transcript { interview: id }, t.text.as_str()));
    }
    out
}

/// A response's open answers that have any text, in question order.
fn response_texts<'a>(d: &'a StudyData, response: &'a Response) -> Vec<(SourceRef, &'a str)> {
    let Some(pages) = d.response_pages(response) else { return Vec::new() };
    let questions = pages.iter().flat_map(|p| &p.questions).filter(|q| is_text_question(&q.kind));
    questions
        .filter_map(|q| match response.answers.get(&q.id) {
            Some(AnswerValue::Text(t)) if !t.trim().is_empty() => {
                Some((SourceRef::SurveyAnswer { response: response.id, question: q.id }, t.as_str()))
            }
            _ => None,
        })
        .collect()
}

fn document_texts(document: &Document) -> Vec<(SourceRef, &str)> {
    if document.text.trim().is_empty() {
        return Vec::new();
    }
    vec![(SourceRef::Document { document: document.id }, document.text.as_str())]
}

impl Block {
    fn new(owner: ObjectRef, texts: Vec<(SourceRef, &str)>) -> Option<Block> {
        let sources: Vec<Indexed> = texts.into_iter().map(|(source, text)| Indexed::new(source, text)).collect();
        (!sources.is_empty()).then_some(Block { owner, sources })
    }
}

/// Every owner of texts in the study, in `sources()` order, with its texts folded
/// when `fresh` says so and taken from `old` otherwise (none there: it has no text).
fn blocks<'a>(d: &'a StudyData, fresh: impl Fn(&ObjectRef) -> bool, mut old: HashMap<ObjectRef, Block>) -> Vec<Block> {
    let mut out = Vec::new();
    let mut add = |owner: ObjectRef, texts: &dyn Fn() -> Vec<(SourceRef, &'a str)>| {
        let block = if fresh(&owner) { Block::new(owner, texts()) } else { old.remove(&owner) };
        out.extend(block);
    };
    for i in &d.interviews {
        add(ObjectRef::Interview(i.id), &|| interview_texts(d, i));
    }
    for r in &d.responses {
        add(ObjectRef::Response(r.id), &|| response_texts(d, r));
    }
    for doc in &d.documents {
        add(ObjectRef::Document(doc.id), &|| document_texts(doc));
    }
    out
}

/// The study's interviews, responses and documents by id (the first of an id, as
/// the study's own look-ups find), for answering questions about many sources.
struct Lookup<'a> {
    d: &'a StudyData,
    interviews: HashMap<Uuid, &'a Interview>,
    responses: HashMap<Uuid, &'a Response>,
    documents: HashMap<Uuid, &'a Document>,
}

fn by_id<T>(items: &[T], id: impl Fn(&T) -> Uuid) -> HashMap<Uuid, &T> {
    let mut map = HashMap::with_capacity(items.len());
    for x in items {
        map.entry(id(x)).or_insert(x);
    }
    map
}

impl<'a> Lookup<'a> {
    fn new(d: &'a StudyData) -> Lookup<'a> {
        Lookup {
            d,
            interviews: by_id(&d.interviews, |i| i.id),
            responses: by_id(&d.responses, |r| r.id),
            documents: by_id(&d.documents, |x| x.id),
        }
    }

    /// [`StudyData::source_text`].
    fn text(&self, source: &SourceRef) -> Option<&'a str> {
        match source {
            SourceRef::Notes { interview, section, prompt } => self
                .interviews
                .get(interview)?
                .answers
                .iter()
                .find(|a| a.section_id == *section && a.prompt_id == *prompt)
                .map(|a| a.text.as_str()),
            SourceRef::Turn { interview, turn } => self
                .interviews
                .get(interview)?
                .answers
                .iter()
                .flat_map(|a| &a.turns)
                .find(|t| t.id == *turn)
                .map(|t| t.text.as_str()),
            SourceRef::Transcript { interview } => {
                self.interviews.get(interview)?.transcript.as_ref().map(|t| t.text.as_str())
            }
            SourceRef::SurveyAnswer { response, question } => {
                match self.responses.get(response)?.answers.get(question)? {
                    AnswerValue::Text(t) => Some(t.as_str()),
                    _ => None,
                }
            }
            SourceRef::Document { document } => self.documents.get(document).map(|x| x.text.as_str()),
        }
    }

    /// What [`StudyData::source`] says about a source, as far as a [`SourceFilter`]
    /// reads it (kind, case, participants, speaker, section and research question);
    /// no title, text or UUID.
    fn facts(&self, source: &SourceRef) -> Option<SourceInfo<'a>> {
        let mut info = SourceInfo {
            source: source.clone(),
            uuid: Uuid::nil(),
            kind: SourceKind::Document,
            interview_kind: None,
            title: String::new(),
            case_id: None,
            participants: Vec::new(),
            speaker: None,
            section: None,
            research_question: None,
            survey_question: None,
            question_text: String::new(),
            date: None,
            text: "",
        };
        if let Some(id) = source.interview() {
            let interview = self.interviews.get(&id)?;
            info.interview_kind = Some(interview.kind);
            info.case_id = Some(interview.case_id);
            info.participants = interview.participant_ids.clone();
            let section = match source {
                SourceRef::Notes { section, .. } => {
                    info.kind = SourceKind::InterviewNotes;
                    Some(*section)
                }
                SourceRef::Turn { turn, .. } => {
                    info.kind = SourceKind::SpeakerTurn;
                    let answer = interview.answers.iter().find(|a| a.turns.iter().any(|t| t.id == *turn))?;
                    info.speaker = answer.turns.iter().find(|t| t.id == *turn).map(|t| t.speaker.clone());
                    Some(answer.section_id)
                }
                _ => {
                    info.kind = SourceKind::Transcript;
                    None
                }
            };
            info.section = section;
            info.research_question = section.and_then(|section| {
                self.d.interview_sections(interview).iter().find(|s| s.id == section)?.research_question_id
            });
            return Some(info);
        }
        match source {
            SourceRef::SurveyAnswer { response, question } => {
                let r = self.responses.get(response)?;
                info.kind = SourceKind::SurveyAnswer;
                info.case_id = Some(r.case_id);
                info.participants = r.participant_id.into_iter().collect();
                info.survey_question = Some(*question);
            }
            SourceRef::Document { document } => {
                let x = self.documents.get(document)?;
                info.kind =
                    if x.kind == DocumentKind::FieldNotes { SourceKind::FieldNotes } else { SourceKind::Document };
                info.case_id = Some(x.case_id);
            }
            _ => {}
        }
        Some(info)
    }
}

/// Context before a hit at byte `at`: up to [`CONTEXT`] code points, from the start
/// of a word when cut inside one and a later word starts within it. Whitespace next
/// to the hit is kept, so `before + matched + after` reads as the text does.
fn context_before(text: &str, at: usize) -> &str {
    let head = text.get(..at).unwrap_or("");
    let Some((mut from, _)) = head.char_indices().rev().nth(CONTEXT - 1) else { return head.trim_start() };
    let cut_in_word = head[..from].chars().next_back().is_some_and(|c| !c.is_whitespace());
    if cut_in_word && let Some(space) = head[from..].find(char::is_whitespace) {
        from += space;
    }
    head[from..].trim_start_matches(char::is_whitespace)
}

/// Context after a hit ending at byte `at`, likewise up to the end of a word.
fn context_after(text: &str, at: usize) -> &str {
    let tail = text.get(at..).unwrap_or("");
    let Some((to, _)) = tail.char_indices().nth(CONTEXT) else { return tail.trim_end() };
    let cut_in_word = tail[to..].chars().next().is_some_and(|c| !c.is_whitespace());
    let to = match tail[..to].rfind(char::is_whitespace) {
        Some(space) if cut_in_word && space > 0 => space,
        _ => to,
    };
    tail[..to].trim_end_matches(char::is_whitespace)
}

/// Pseudonyms of the people a source's words belong to (as [`SourceFilter`] sees them).
fn people(d: &StudyData, info: &SourceInfo) -> Vec<String> {
    let ids: &[Uuid] = match &info.speaker {
        Some(Speaker::Participant(p)) => std::slice::from_ref(p),
        Some(_) => &[],
        None => &info.participants,
    };
    ids.iter()
        .map(|p| d.participant(*p).map_or("(deleted participant)", |p| p.pseudonym.as_str()).to_string())
        .collect()
}

impl SearchIndex {
    /// Folds every codable text of the study.
    pub fn build(d: &StudyData) -> SearchIndex {
        SearchIndex { blocks: blocks(d, |_| true, HashMap::new()) }
    }

    /// Brings the index up to date after a change that touched these objects: the
    /// texts of touched interviews, responses and documents are folded again (all of
    /// a survey's responses or a protocol's interviews when that is touched), and
    /// those of objects no longer in the study are dropped. Coding changes cost nothing;
    /// others a pass over the study's interviews, responses and documents.
    pub fn refresh(&mut self, d: &StudyData, touched: &[ObjectRef]) {
        let Some(owners) = to_fold_again(d, touched) else { return };
        let old: HashMap<ObjectRef, Block> =
            std::mem::take(&mut self.blocks).into_iter().map(|b| (b.owner, b)).collect();
        self.blocks = blocks(d, |owner| owners.contains(owner), old);
    }

    /// How many texts are indexed.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(|b| b.sources.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Calls `each` with every source passing the filter that has a hit, with its hits
    /// (folded byte ranges), in order. An empty query finds nothing.
    fn scan<'s, 'd>(
        &'s self,
        d: &'d StudyData,
        query: &str,
        filter: &SourceFilter,
        mut each: impl FnMut(&'s Indexed, &mut dyn Iterator<Item = (usize, usize)>, &Lookup<'d>),
    ) {
        let query = fold_query(query);
        if query.is_empty() {
            return;
        }
        let mut lookup = None;
        for s in self.blocks.iter().flat_map(|b| &b.sources) {
            // A quick test first: most texts do not have the words at all.
            if !s.folded.contains(query.as_str()) {
                continue;
            }
            let lookup = lookup.get_or_insert_with(|| Lookup::new(d));
            if !filter.is_empty() && !lookup.facts(&s.source).is_some_and(|info| filter.matches(d, &info)) {
                continue;
            }
            let mut found = s.folded.match_indices(query.as_str()).map(|(at, m)| (at, at + m.len()));
            each(s, &mut found, lookup);
        }
    }

    /// Finds a phrase (whitespace in it matches any whitespace in the text), ignoring
    /// case and accents, in the sources passing the filter. Returns the first `limit`
    /// hits with their context, and how many there are in all. Hits do not overlap.
    pub fn search(&self, d: &StudyData, query: &str, filter: &SourceFilter, limit: usize) -> SearchResults {
        let mut out = SearchResults::default();
        let mut wanted: Vec<(&Indexed, Vec<(usize, usize)>)> = Vec::new();
        self.scan(d, query, filter, |s, found, _| {
            out.sources += 1;
            let room = limit.saturating_sub(out.total);
            let first: Vec<(usize, usize)> = (&mut *found).take(room).collect();
            out.total += first.len() + found.count();
            if !first.is_empty() {
                wanted.push((s, first));
            }
        });
        for (s, found) in wanted {
            let Some(info) = d.source(&s.source) else { continue };
            // A text changed since the index was refreshed would give wrong offsets.
            if info.text.len() != s.original_len {
                continue;
            }
            let case_name = d.case_name(info.case_id).to_string();
            let people = people(d, &info);
            for (from, to) in found {
                let Some(((start, start_byte), (end, end_byte))) = s.original_span(info.text, from, to) else {
                    continue;
                };
                let Some(matched) = info.text.get(start_byte..end_byte) else { continue };
                out.hits.push(SearchHit {
                    source: s.source.clone(),
                    start,
                    end,
                    before: context_before(info.text, start_byte).to_string(),
                    matched: matched.to_string(),
                    after: context_after(info.text, end_byte).to_string(),
                    kind: info.kind,
                    title: info.title.clone(),
                    case_name: case_name.clone(),
                    people: people.clone(),
                });
            }
        }
        out
    }

    /// Every hit's place (source, start, end in code points), without context: what
    /// coding all the hits of a search applies to.
    pub fn places(&self, d: &StudyData, query: &str, filter: &SourceFilter) -> Vec<(SourceRef, usize, usize)> {
        let mut out = Vec::new();
        self.scan(d, query, filter, |s, found, lookup| {
            let Some(text) = lookup.text(&s.source).filter(|t| t.len() == s.original_len) else { return };
            for (from, to) in found {
                if let Some(((start, _), (end, _))) = s.original_span(text, from, to) {
                    out.push((s.source.clone(), start, end));
                }
            }
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::clock::Timestamp;
    use crate::coding::CodingEdit;
    use crate::demo::{DemoSize, demo_study};
    use crate::fieldwork::DocumentKind;
    use crate::fieldwork::interview::{DocumentEdit, InterviewEdit, Slot};
    use crate::offsets::slice_code_points;
    use crate::study::validate::ValidationError;
    use crate::surveys::{AnswerValue, DEFAULT_LANGUAGE, QuestionKind};

    const T0: Timestamp = Timestamp::from_millis(1_795_449_405_000);
    const T1: Timestamp = Timestamp::from_millis(1_795_449_465_000);

    fn everything() -> SourceFilter {
        SourceFilter::default()
    }

    /// The small demo study with a new document holding `text`.
    fn with_document(text: &str) -> (StudyData, SourceRef) {
        let mut d = demo_study(DemoSize::Small);
        let case = d.cases[0].id;
        let doc = d.add_document(case, DocumentKind::Report, "Search test", T0).unwrap();
        d.edit_document(doc, DocumentEdit::Text(text.into()), T0).unwrap();
        (d, SourceRef::Document { document: doc })
    }

    /// The words each hit on `source` selects in the original text.
    fn found(d: &StudyData, source: &SourceRef, query: &str) -> Vec<String> {
        let index = SearchIndex::build(d);
        let text = d.source_text(source).unwrap();
        let results = index.search(d, query, &everything(), usize::MAX);
        let hits: Vec<&SearchHit> = results.hits.iter().filter(|h| h.source == *source).collect();
        for h in &hits {
            assert_eq!(slice_code_points(text, h.start, h.end), Some(h.matched.as_str()), "{query}: {h:?}");
        }
        hits.iter().map(|h| h.matched.clone()).collect()
    }

    /// The index lists what `sources()` lists, with the same texts, and says what a
    /// filter needs to know the same way.
    fn check_listing(d: &StudyData, index: &SearchIndex) {
        let sources = d.sources();
        let listed: Vec<&Indexed> = index.blocks.iter().flat_map(|b| &b.sources).collect();
        assert_eq!(
            listed.iter().map(|s| &s.source).collect::<Vec<_>>(),
            sources.iter().map(|s| &s.source).collect::<Vec<_>>()
        );
        let lookup = Lookup::new(d);
        for (s, info) in listed.iter().zip(&sources) {
            assert_eq!(s.original_len, info.text.len());
            assert_eq!(lookup.text(&s.source), Some(info.text));
            let facts = lookup.facts(&s.source).unwrap();
            let view = |i: &SourceInfo| {
                (
                    i.kind,
                    i.interview_kind,
                    i.case_id,
                    i.participants.clone(),
                    i.speaker.clone(),
                    i.section,
                    i.research_question,
                )
            };
            assert_eq!(view(&facts), view(info), "{:?}", s.source);
            assert_eq!(facts.survey_question, info.survey_question);
        }
    }

    #[test]
    fn the_index_lists_the_study_s_sources_in_order() {
        let d = demo_study(DemoSize::Small);
        let index = SearchIndex::build(&d);
        assert!(index.len() > 10, "{}", index.len());
        check_listing(&d, &index);
    }

    #[test]
    fn accents_and_case_are_ignored_both_ways() {
        let (d, doc) = with_document("Mae'r dŵr yn oer. Roedd y CAFÉ ar agor, a'r Dwr yn lân.");
        assert_eq!(found(&d, &doc, "dwr"), ["dŵr", "Dwr"]);
        assert_eq!(found(&d, &doc, "Dŵr"), ["dŵr", "Dwr"]);
        assert_eq!(found(&d, &doc, "café"), ["CAFÉ"]);
        assert_eq!(found(&d, &doc, "LAN"), ["lân"]);
    }

    #[test]
    fn welsh_letters_fold_precomposed_or_decomposed() {
        let (d, doc) = with_document("Tŷ Gwyn, ŵyr Siân. Ty\u{302} Bach a dw\u{302}r.");
        assert_eq!(found(&d, &doc, "TY"), ["Tŷ", "Ty\u{302}"]);
        assert_eq!(found(&d, &doc, "Ŷ gwyn"), ["ŷ Gwyn"]);
        assert_eq!(found(&d, &doc, "wyr"), ["ŵyr"]);
        assert_eq!(found(&d, &doc, "sian"), ["Siân"]);
        assert_eq!(found(&d, &doc, "dŵr"), ["dw\u{302}r"]);
    }

    #[test]
    fn emoji_before_a_hit_keep_the_offsets_right() {
        let text = "Gofal 👩🏽‍⚕️ da 🏴󠁧󠁢󠁷󠁬󠁳󠁿 a 🇬🇧: the council listened 👍🏽 at last";
        let (d, doc) = with_document(text);
        assert_eq!(found(&d, &doc, "council listened"), ["council listened"]);
        assert_eq!(found(&d, &doc, "at last"), ["at last"]);
        assert_eq!(found(&d, &doc, "👍🏽"), ["👍🏽"]);
    }

    #[test]
    fn right_to_left_words_are_found() {
        let (d, doc) = with_document("قال: السَّلَامُ عَلَيْكُمْ يا أصدقاء. ואז אמרה: שלום עולם, and then 🙂 مرحبا");
        assert_eq!(found(&d, &doc, "السلام عليكم"), ["السَّلَامُ عَلَيْكُمْ"]);
        assert_eq!(found(&d, &doc, "עולם"), ["עולם"]);
        assert_eq!(found(&d, &doc, "مرحبا"), ["مرحبا"]);
        let index = SearchIndex::build(&d);
        let results = index.search(&d, "שלום", &everything(), 10);
        let hit = results.hits.iter().find(|h| h.source == doc).unwrap();
        // 40 code points back, harakat included, from the start of a word.
        assert_eq!(hit.before, "عَلَيْكُمْ يا أصدقاء. ואז אמרה: ");
        assert_eq!(hit.after, " עולם, and then 🙂 مرحبا");
    }

    #[test]
    fn characters_that_change_length_map_back_to_the_original() {
        let (d, doc) = with_document("İstanbul'da STRAẞE und straße. 나는 한국어를 배워요. ΟΔΟΣ, οδός. Ångström");
        assert_eq!(found(&d, &doc, "istanbul"), ["İstanbul"]);
        assert_eq!(found(&d, &doc, "İSTANBUL'DA"), ["İstanbul'da"]);
        assert_eq!(found(&d, &doc, "straße"), ["STRAẞE", "straße"]);
        assert_eq!(found(&d, &doc, "한국어"), ["한국어"]);
        assert_eq!(found(&d, &doc, "οδος"), ["ΟΔΟΣ", "οδός"]);
        assert_eq!(found(&d, &doc, "angstrom"), ["Ångström"]);
    }

    #[test]
    fn a_phrase_matches_across_line_breaks_and_runs_of_spaces() {
        let (d, doc) = with_document("and they\nlistened\n\n  to   us, really listened to us");
        assert_eq!(found(&d, &doc, "listened to us"), ["listened\n\n  to   us", "listened to us"]);
        assert_eq!(found(&d, &doc, "  they   LISTENED "), ["they\nlistened"]);
    }

    #[test]
    fn empty_queries_find_nothing_and_hits_do_not_overlap() {
        let (d, doc) = with_document("aaaaa ba\u{301}");
        let index = SearchIndex::build(&d);
        for query in ["", "   ", "\n\t", "\u{301}"] {
            assert_eq!(index.search(&d, query, &everything(), 10), SearchResults::default(), "{query:?}");
            assert!(index.places(&d, query, &everything()).is_empty());
        }
        assert_eq!(found(&d, &doc, "aa"), ["aa", "aa"]);
        let places = index.places(&d, "aa", &everything());
        assert_eq!(places, [(doc.clone(), 0, 2), (doc.clone(), 2, 4)]);
    }

    #[test]
    fn context_is_original_text_cut_at_words() {
        let words = "one two three four five six seven eight nine ten eleven twelve";
        let (d, doc) = with_document(&format!("{words} MIDDLE {words}"));
        let index = SearchIndex::build(&d);
        let results = index.search(&d, "middle", &everything(), 10);
        let hit = results.hits.iter().find(|h| h.source == doc).unwrap();
        assert_eq!(hit.matched, "MIDDLE");
        assert_eq!(hit.before, "six seven eight nine ten eleven twelve ");
        assert_eq!(hit.after, " one two three four five six seven eight");
        assert_eq!(hit.title, "Search test");
        assert_eq!(hit.case_name, d.cases[0].name);
        assert_eq!(hit.kind, SourceKind::Document);
        assert!(hit.people.is_empty());
    }

    #[test]
    fn hits_say_whose_words_they_are() {
        let d = demo_study(DemoSize::Small);
        let index = SearchIndex::build(&d);
        let results = index.search(&d, "the", &everything(), usize::MAX);
        assert!(results.total > 20);
        for h in &results.hits {
            let info = d.source(&h.source).unwrap();
            assert_eq!(h.title, info.title);
            assert_eq!(h.case_name, d.case_name(info.case_id));
            assert_eq!(h.people, people(&d, &info));
        }
        let notes = results.hits.iter().find(|h| h.kind == SourceKind::InterviewNotes).unwrap();
        assert!(!notes.people.is_empty());
    }

    #[test]
    fn filters_limits_and_totals() {
        let d = demo_study(DemoSize::Small);
        let index = SearchIndex::build(&d);
        let all = index.search(&d, "the", &everything(), usize::MAX);
        assert_eq!(all.hits.len(), all.total);
        let sources: HashSet<&SourceRef> = all.hits.iter().map(|h| &h.source).collect();
        assert_eq!(sources.len(), all.sources);
        // Source-list order, then position.
        let order: Vec<SourceRef> = d.sources().into_iter().map(|s| s.source).collect();
        let rank = |s: &SourceRef| order.iter().position(|x| x == s).unwrap();
        assert!(all.hits.windows(2).all(|w| (rank(&w[0].source), w[0].start) < (rank(&w[1].source), w[1].start)));
        assert_eq!(index.places(&d, "the", &everything()), all.hits.iter().map(SearchHit::place).collect::<Vec<_>>());

        let first = index.search(&d, "the", &everything(), 3);
        assert_eq!((first.hits.len(), first.total, first.sources), (3, all.total, all.sources));
        assert_eq!(first.hits, all.hits[..3]);
        assert_eq!(index.search(&d, "the", &everything(), 0).hits.len(), 0);

        let kinds = [SourceKind::SurveyAnswer, SourceKind::InterviewNotes];
        for kind in kinds {
            let filter = SourceFilter { kinds: vec![kind], ..SourceFilter::default() };
            let some = index.search(&d, "the", &filter, usize::MAX);
            assert!(some.total > 0 && some.total < all.total, "{kind:?}");
            assert!(some.hits.iter().all(|h| h.kind == kind));
            assert_eq!(some.total, all.hits.iter().filter(|h| h.kind == kind).count());
        }
        let case = d.source(&all.hits[0].source).unwrap().case_id.unwrap();
        let filter = SourceFilter { cases: vec![case], ..SourceFilter::default() };
        let some = index.search(&d, "the", &filter, usize::MAX);
        assert!(some.total > 0 && some.total < all.total);
        assert!(some.hits.iter().all(|h| d.source(&h.source).unwrap().case_id == Some(case)));
        assert_eq!(some.hits.len(), all.hits.iter().filter(|h| h.case_name == d.case_name(Some(case))).count());
    }

    /// A text answer to a new response, by nobody in particular.
    fn add_response(d: &mut StudyData, text: &str) -> Vec<ObjectRef> {
        let survey = d.surveys[0].id;
        let question = d.surveys[0]
            .pages
            .iter()
            .flat_map(|p| &p.questions)
            .find(|q| matches!(q.kind, QuestionKind::LongText { .. }))
            .unwrap()
            .id;
        let case = d.cases[2].id;
        let response = d.start_response(survey, case, None, DEFAULT_LANGUAGE, T1).unwrap();
        d.answer(response, question, Some(AnswerValue::Text(text.into())), T1).unwrap()
    }

    /// An interview and one of its protocol's questions (the main one or a prompt).
    fn pick_slot(d: &StudyData, next: &mut impl FnMut(usize) -> usize) -> (Uuid, Slot) {
        let interview = &d.interviews[next(d.interviews.len())];
        let sections = d.interview_sections(interview);
        let section = &sections[next(sections.len())];
        let prompt = match next(section.prompts.len() + 1) {
            0 => None,
            n => Some(section.prompts[n - 1].id),
        };
        (interview.id, Slot { section: section.id, prompt })
    }

    #[test]
    fn refreshing_after_edits_gives_the_index_built_afresh() {
        let mut d = demo_study(DemoSize::Small);
        let mut index = SearchIndex::build(&d);
        let mut seed = 0x5eed_u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            ((seed >> 33) as usize) % n.max(1)
        };
        for round in 0..60 {
            let touched = match next(7) {
                0 => {
                    let (interview, slot) = pick_slot(&d, &mut next);
                    let text = if next(3) == 0 { String::new() } else { format!("Notes round {round}: dŵr a thân") };
                    d.edit_interview(interview, InterviewEdit::Notes { slot, text }, T1).unwrap()
                }
                1 if !d.documents.is_empty() => {
                    let doc = d.documents[next(d.documents.len())].id;
                    d.delete_document(doc).unwrap()
                }
                2 => add_response(&mut d, &format!("Ateb {round}: the café was busy")),
                5 if d.interviews.len() > 2 => {
                    let interview = d.interviews[next(d.interviews.len())].id;
                    d.delete_interview(interview).unwrap()
                }
                6 => {
                    let case = d.cases[next(d.cases.len())].id;
                    let doc = d.add_document(case, DocumentKind::Minutes, &format!("Minutes {round}"), T1).unwrap();
                    let mut touched = vec![ObjectRef::Document(doc)];
                    touched.extend(d.edit_document(doc, DocumentEdit::Text(format!("Cofnodion {round}")), T1).unwrap());
                    touched
                }
                3 if !d.documents.is_empty() => {
                    let doc = d.documents[next(d.documents.len())].id;
                    d.edit_document(doc, DocumentEdit::Text(format!("Edited {round} 👍🏽 שלום")), T1).unwrap()
                }
                _ => {
                    let (interview, slot) = pick_slot(&d, &mut next);
                    let edit = InterviewEdit::AddTurn {
                        slot,
                        id: Uuid::new_v4(),
                        speaker: crate::fieldwork::Speaker::Interviewer,
                        text: format!("Turn {round}: İstanbul"),
                    };
                    d.edit_interview(interview, edit, T1).unwrap()
                }
            };
            index.refresh(&d, &touched);
            assert_eq!(index, SearchIndex::build(&d), "round {round}");
        }
        check_listing(&d, &index);
        // Coding changes leave the texts alone.
        let before = index.clone();
        index.refresh(&d, &[ObjectRef::CodingHistory, ObjectRef::Segment(Uuid::new_v4())]);
        assert_eq!(index, before);
    }

    #[test]
    fn building_a_few_texts_at_a_time_between_edits_gives_the_index_built_at_once() {
        let mut d = demo_study(DemoSize::Small);
        let mut builder = SearchIndexBuilder::default();
        let mut rounds = 0;
        // Two texts per step, with an edit after every step: notes, a new response,
        // a deleted document, a new document, a coding change.
        loop {
            let mut left = 2;
            let done = builder.step(&d, || {
                left -= 1;
                left > 0
            });
            let touched = match rounds % 5 {
                0 => {
                    let mut next = |n: usize| rounds % n.max(1);
                    let (interview, slot) = pick_slot(&d, &mut next);
                    d.edit_interview(
                        interview,
                        InterviewEdit::Notes { slot, text: format!("Nodiadau {rounds}: dŵr") },
                        T1,
                    )
                    .unwrap()
                }
                1 => add_response(&mut d, &format!("Ateb {rounds}: the café")),
                2 if !d.documents.is_empty() => d.delete_document(d.documents[0].id).unwrap(),
                3 => {
                    let case = d.cases[0].id;
                    let doc = d.add_document(case, DocumentKind::Minutes, &format!("Minutes {rounds}"), T1).unwrap();
                    d.edit_document(doc, DocumentEdit::Text(format!("Cofnodion {rounds}")), T1).unwrap()
                }
                _ => vec![ObjectRef::CodingHistory],
            };
            builder.forget(&d, &touched);
            rounds += 1;
            if done {
                break;
            }
            assert!(rounds < 1_000, "the steps end");
        }
        assert!(rounds > 3, "it took several steps ({rounds})");
        let index = builder.finish(&d);
        assert_eq!(index, SearchIndex::build(&d));
        check_listing(&d, &index);
        // Finishing early folds the rest.
        let mut early = SearchIndexBuilder::default();
        early.step(&d, || false);
        assert_eq!(early.finish(&d), SearchIndex::build(&d));
    }

    #[test]
    fn a_stale_index_never_gives_wrong_offsets() {
        let (mut d, doc) = with_document("one two three");
        let index = SearchIndex::build(&d);
        let SourceRef::Document { document } = doc else { unreachable!() };
        d.edit_document(document, DocumentEdit::Text("three".into()), T1).unwrap();
        assert!(index.search(&d, "three", &everything(), 10).hits.iter().all(|h| h.source != doc));
        assert!(index.places(&d, "three", &everything()).iter().all(|p| p.0 != doc));
    }

    fn add_code(d: &mut StudyData, name: &str) -> Uuid {
        let edit = CodingEdit::AddCode { parent: None, name: name.into(), colour: "#2a7f62".into() };
        d.apply_coding(edit, T0).unwrap().created.unwrap()
    }

    #[test]
    fn coding_every_hit_is_one_step_to_undo_and_redo() {
        let mut d = demo_study(DemoSize::Small);
        let code = add_code(&mut d, "Searched");
        let index = SearchIndex::build(&d);
        let places = index.places(&d, "the", &everything());
        assert!(places.len() > 20);
        // One hit is coded already by the same coder: it gets the code added rather
        // than a second segment.
        let (source, start, end) = places[3].clone();
        let other = add_code(&mut d, "Earlier");
        let edit = CodingEdit::ApplyCodes { source, start, end, codes: vec![other], coder: "bo".into() };
        let earlier = d.apply_coding(edit, T0).unwrap().created.unwrap();

        let before = d.segments.clone();
        let steps = d.coding_history.undo.len();
        let edit = CodingEdit::ApplyCodesMany { places: places.clone(), codes: vec![code], coder: " bo ".into() };
        let applied = d.apply_coding_recorded("code search hits", edit, T1).unwrap();
        assert_eq!(d.coding_history.undo.len(), steps + 1);
        assert_eq!(d.segments.len(), before.len() + places.len() - 1);
        let changed: Vec<&ObjectRef> = applied.changed.iter().filter(|r| matches!(r, ObjectRef::Segment(_))).collect();
        assert_eq!(changed.len(), places.len());
        for (source, start, end) in &places {
            let s = d.segments.iter().find(|s| s.source == *source && (s.start, s.end) == (*start, *end)).unwrap();
            assert!(s.has_code(code));
            assert_eq!(s.text, slice_code_points(d.source_text(source).unwrap(), *start, *end).unwrap());
        }
        let e = d.segment(earlier).unwrap();
        assert!(e.has_code(other) && e.has_code(code));
        assert_eq!(e.codings.last().unwrap().coder, "bo");
        let after = d.segments.clone();

        let (label, _) = d.undo_coding(T1).unwrap().unwrap();
        assert_eq!(label, "code search hits");
        assert_eq!(d.segments, before);
        d.redo_coding(T1).unwrap().unwrap();
        let sorted = |s: &[crate::coding::Segment]| {
            let mut s = s.to_vec();
            s.sort_by_key(|s| s.id);
            s
        };
        assert_eq!(sorted(&d.segments), sorted(&after));
        d.undo_coding(T1).unwrap().unwrap();
        assert_eq!(d.segments, before);
    }

    #[test]
    fn an_invalid_place_changes_nothing() {
        let mut d = demo_study(DemoSize::Small);
        let code = add_code(&mut d, "Searched");
        let index = SearchIndex::build(&d);
        let mut places = index.places(&d, "the", &everything());
        let len = crate::offsets::code_point_len(d.source_text(&places[0].0).unwrap());
        let unchanged = d.clone();
        let mut refused = |places: Vec<(SourceRef, usize, usize)>, codes: Vec<Uuid>| {
            let edit = CodingEdit::ApplyCodesMany { places, codes, coder: "ana".into() };
            let error = d.apply_coding_recorded("code search hits", edit, T1).unwrap_err();
            assert_eq!(d, unchanged);
            error
        };
        places.push((places[0].0.clone(), len - 1, len + 4));
        let error = refused(places.clone(), vec![code]);
        assert_eq!(error, ValidationError::SelectionOutsideText { start: len - 1, end: len + 4, len });
        places.pop();
        places.push((SourceRef::Document { document: Uuid::new_v4() }, 0, 3));
        assert_eq!(refused(places.clone(), vec![code]), ValidationError::UnknownSource);
        places.pop();
        places.insert(1, (places[0].0.clone(), 5, 5));
        assert_eq!(refused(places.clone(), vec![code]), ValidationError::EmptySelection);
        assert_eq!(refused(Vec::new(), vec![code]), ValidationError::EmptySelection);
        assert_eq!(refused(places.clone(), Vec::new()), ValidationError::NoCodesChosen);
        let unknown = Uuid::new_v4();
        assert_eq!(refused(places, vec![unknown]), ValidationError::UnknownCode(unknown));
    }

    #[test]
    fn a_place_given_twice_makes_one_segment() {
        let mut d = demo_study(DemoSize::Small);
        let code = add_code(&mut d, "Searched");
        let index = SearchIndex::build(&d);
        let place = index.places(&d, "the", &everything())[0].clone();
        let n = d.segments.len();
        let edit =
            CodingEdit::ApplyCodesMany { places: vec![place.clone(), place], codes: vec![code], coder: "".into() };
        d.apply_coding(edit, T1).unwrap();
        assert_eq!(d.segments.len(), n + 1);
    }

    #[test]
    fn coding_places_in_any_order_on_text_of_any_script() {
        let text = "Tŷ 👩🏽‍⚕️ cafe\u{301} مرحبا שלום dŵr 🏴󠁧󠁢󠁷󠁬󠁳󠁿 ".repeat(30);
        let (mut d, doc) = with_document(&text);
        let code = add_code(&mut d, "Searched");
        let len = crate::offsets::code_point_len(&text);
        let mut places: Vec<(SourceRef, usize, usize)> = Vec::new();
        let mut seed = 7u64;
        for _ in 0..200 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let start = (seed >> 33) as usize % len;
            let end = (start + 1 + (seed >> 20) as usize % 90).min(len);
            places.push((doc.clone(), start, end));
        }
        places.push((doc.clone(), len - 3, len));
        places.push((doc.clone(), 0, 1));
        let edit = CodingEdit::ApplyCodesMany { places: places.clone(), codes: vec![code], coder: "ana".into() };
        d.apply_coding(edit, T1).unwrap();
        for (source, start, end) in &places {
            let s = d.segments.iter().find(|s| s.source == *source && (s.start, s.end) == (*start, *end)).unwrap();
            assert_eq!(Some(s.text.as_str()), slice_code_points(&text, *start, *end), "{start}..{end}");
        }
        let edit =
            CodingEdit::ApplyCodesMany { places: vec![(doc, len - 1, len + 1)], codes: vec![code], coder: "".into() };
        let error = d.apply_coding(edit, T1).unwrap_err();
        assert_eq!(error, ValidationError::SelectionOutsideText { start: len - 1, end: len + 1, len });
    }

    /// `cargo test --release -p fieldkit-core --lib search_the_reference_study -- --ignored --nocapture`
    #[test]
    #[ignore = "timing: run in release"]
    fn search_the_reference_study() {
        use std::time::Instant;
        let d = demo_study(DemoSize::Reference);
        let started = Instant::now();
        let index = SearchIndex::build(&d);
        let built = started.elapsed();
        let text: usize = d.sources().iter().map(|s| s.text.len()).sum();
        let indexed = || index.blocks.iter().flat_map(|b| &b.sources);
        let folded: usize = indexed().map(|s| s.folded.len()).sum();
        let runs: usize = indexed().map(|s| s.runs.len()).sum();
        println!(
            "{} sources, {:.1} MB text; index: {:.1} MB folded + {runs} runs ({:.1} MB); built in {built:?}",
            index.len(),
            text as f64 / 1e6,
            folded as f64 / 1e6,
            (runs * std::mem::size_of::<Run>()) as f64 / 1e6
        );
        let case = SourceFilter { cases: vec![d.cases[7].id], ..SourceFilter::default() };
        let kind = SourceFilter { kinds: vec![SourceKind::SurveyAnswer], ..SourceFilter::default() };
        let role = SourceFilter { roles: vec![d.study.roles[0].id], ..SourceFilter::default() };
        let mut slowest = std::time::Duration::ZERO;
        for (query, filter, name) in [
            ("care workers", &everything(), "everything"),
            ("dŵr", &everything(), "everything"),
            ("the", &everything(), "everything"),
            ("cafe", &everything(), "everything"),
            ("the", &case, "one case"),
            ("the", &kind, "survey answers"),
            ("the", &role, "one role"),
            ("zzzz not there", &everything(), "everything"),
        ] {
            // The best of three: the machine may be busy with other work.
            let mut took = std::time::Duration::MAX;
            let mut results = SearchResults::default();
            for _ in 0..3 {
                let started = Instant::now();
                results = index.search(&d, query, filter, 200);
                took = took.min(started.elapsed());
            }
            slowest = slowest.max(took);
            println!("{query:?} in {name}: {} hits in {} sources, {took:?}", results.total, results.sources);
        }
        let started = Instant::now();
        let places = index.places(&d, "care workers", &everything());
        println!("all {} places of \"care workers\": {:?}", places.len(), started.elapsed());
        let mut coded = d.clone();
        let code = add_code(&mut coded, "Searched");
        let edit = CodingEdit::ApplyCodesMany { places: places.clone(), codes: vec![code], coder: "ana".into() };
        let started = Instant::now();
        coded.apply_coding_recorded("code search hits", edit, T1).unwrap();
        let applied = started.elapsed();
        let started = Instant::now();
        coded.undo_coding(T1).unwrap().unwrap();
        println!("coding them: {applied:?}, undoing that: {:?}", started.elapsed());
        assert_eq!(coded.segments, d.segments);
        check_listing(&d, &index);
        let mut refreshed = index.clone();
        let started = Instant::now();
        refreshed.refresh(&d, &[ObjectRef::Interview(d.interviews[0].id)]);
        println!("refresh after one interview changed: {:?}", started.elapsed());
        if !cfg!(debug_assertions) {
            assert!(slowest.as_millis() < 50, "slowest search took {slowest:?}");
        }
    }
}
