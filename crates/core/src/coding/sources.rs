//! Everything textual in a study that can be coded, with its context: notes taken
//! per interview question, speaker turns recorded during an interview or focus
//! group, transcripts, open-text survey answers, site-visit notes and documents.
//!
//! A [`SourceRef`] names one such text by the ids of what owns it, so it stays
//! valid as long as the text does, and serialises into segments and memos. Each
//! source also has a stable UUID ([`SourceRef::uuid`], version 5 of the owning ids)
//! for exchange formats such as REFI-QDA, which need one GUID per text source.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::Date;
use crate::fieldwork::{DocumentKind, Interview, InterviewKind, Speaker};
use crate::study::StudyData;
use crate::study::{Case, CaseAttributes};
use crate::surveys::{AnswerValue, QuestionKind, Response};

/// Names one codable text.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum SourceRef {
    /// The notes written for one protocol question (prompt None: the section's main
    /// question) of an interview or focus group.
    Notes {
        interview: Uuid,
        section: Uuid,
        #[serde(default)]
        prompt: Option<Uuid>,
    },
    /// One speaker turn recorded during an interview or focus group.
    Turn { interview: Uuid, turn: Uuid },
    /// An interview's or focus group's transcript, whole (`Transcript::text`).
    Transcript { interview: Uuid },
    /// A text answer (short or long) in a survey response.
    SurveyAnswer { response: Uuid, question: Uuid },
    /// Site-visit notes or a document attached to a case.
    Document { document: Uuid },
}

/// Namespace of source UUIDs (a random UUID fixed for fieldkit).
const SOURCE_NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_2c54_93a7_4e0d_9c1e_57d2_8a40_f3b6);

impl SourceRef {
    /// A UUID for this source that is the same every time and on every device.
    pub fn uuid(&self) -> Uuid {
        // The name hashed is `kind:id[:id…]` with hyphenated ids, written without the
        // formatting machinery: a large study works out tens of thousands of these.
        let (kind, ids): (&str, [Option<&Uuid>; 3]) = match self {
            SourceRef::Notes { interview, section, prompt } => {
                ("notes", [Some(interview), Some(section), prompt.as_ref()])
            }
            SourceRef::Turn { interview, turn } => ("turn", [Some(interview), Some(turn), None]),
            SourceRef::Transcript { interview } => ("transcript", [Some(interview), None, None]),
            SourceRef::SurveyAnswer { response, question } => ("answer", [Some(response), Some(question), None]),
            SourceRef::Document { document } => ("document", [Some(document), None, None]),
        };
        let mut name = [0u8; 10 + 3 * 37];
        let mut len = kind.len();
        name[..len].copy_from_slice(kind.as_bytes());
        for id in ids.into_iter().flatten() {
            name[len] = b':';
            len += 1;
            id.hyphenated().encode_lower(&mut name[len..len + 36]);
            len += 36;
        }
        Uuid::new_v5(&SOURCE_NAMESPACE, &name[..len])
    }

    /// The interview this text belongs to, if any.
    pub fn interview(&self) -> Option<Uuid> {
        match self {
            SourceRef::Notes { interview, .. }
            | SourceRef::Turn { interview, .. }
            | SourceRef::Transcript { interview } => Some(*interview),
            _ => None,
        }
    }
}

/// What sort of text a source is, for filters and exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    InterviewNotes,
    SpeakerTurn,
    Transcript,
    SurveyAnswer,
    FieldNotes,
    Document,
}

impl SourceKind {
    pub const ALL: [SourceKind; 6] = [
        SourceKind::InterviewNotes,
        SourceKind::SpeakerTurn,
        SourceKind::Transcript,
        SourceKind::SurveyAnswer,
        SourceKind::FieldNotes,
        SourceKind::Document,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SourceKind::InterviewNotes => "interview_notes",
            SourceKind::SpeakerTurn => "speaker_turn",
            SourceKind::Transcript => "transcript",
            SourceKind::SurveyAnswer => "survey_answer",
            SourceKind::FieldNotes => "field_notes",
            SourceKind::Document => "document",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SourceKind::InterviewNotes => "Interview notes",
            SourceKind::SpeakerTurn => "Speaker turn",
            SourceKind::Transcript => "Transcript",
            SourceKind::SurveyAnswer => "Survey answer",
            SourceKind::FieldNotes => "Site-visit notes",
            SourceKind::Document => "Document",
        }
    }

    pub fn from_key(key: &str) -> Option<SourceKind> {
        SourceKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A codable text with everything known about where it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceInfo<'a> {
    pub source: SourceRef,
    /// [`SourceRef::uuid`].
    pub uuid: Uuid,
    pub kind: SourceKind,
    /// For interview material: an interview or a focus group.
    pub interview_kind: Option<InterviewKind>,
    /// A short human title ("Rowan · Experience", "Site visit, day 1").
    pub title: String,
    pub case_id: Option<Uuid>,
    /// Whose words these are: an interview's participants, a survey's respondent
    /// (none when anonymous), nobody for documents.
    pub participants: Vec<Uuid>,
    /// The speaker of a turn.
    pub speaker: Option<Speaker>,
    /// The protocol section (interview material).
    pub section: Option<Uuid>,
    pub research_question: Option<Uuid>,
    pub survey_question: Option<Uuid>,
    /// The protocol question or prompt, or the survey question, in English.
    pub question_text: String,
    pub date: Option<Date>,
    pub text: &'a str,
}

impl SourceInfo<'_> {
    /// The one participant a stretch of this text can be attributed to without
    /// looking at transcript turns: a turn's speaker, the only participant of an
    /// interview, a survey's respondent.
    pub fn sole_participant(&self) -> Option<Uuid> {
        match &self.speaker {
            Some(Speaker::Participant(p)) => Some(*p),
            Some(_) => None,
            None => match self.participants.as_slice() {
                [only] => Some(*only),
                _ => None,
            },
        }
    }
}

impl CaseAttributes {
    /// The value of an attribute by name (ignoring case): `setting`, `legal form`
    /// (or `legal_form`), `country`, or one of the extra attributes.
    pub fn value(&self, key: &str) -> Option<String> {
        let key = key.trim().to_lowercase();
        match key.as_str() {
            "setting" => self.setting.map(|s| s.label().to_string()),
            "legal form" | "legal_form" => Some(self.legal_form.clone()),
            "country" => Some(self.country.clone()),
            _ => self.extra.iter().find(|a| a.key.trim().to_lowercase() == key).map(|a| a.value.clone()),
        }
    }

    /// Does the attribute have this value (ignoring case; a setting matches its
    /// label or its key)?
    pub fn has(&self, key: &str, value: &str) -> bool {
        let wanted = value.trim().to_lowercase();
        if key.trim().eq_ignore_ascii_case("setting") {
            return self.setting.is_some_and(|s| s.key() == wanted || s.label().to_lowercase() == wanted);
        }
        self.value(key).is_some_and(|v| v.trim().to_lowercase() == wanted)
    }
}

/// Which sources to list: every non-empty list must match (any of its entries).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SourceFilter {
    pub cases: Vec<Uuid>,
    /// Case attributes as (name, value), e.g. ("setting", "rural").
    pub attributes: Vec<(String, String)>,
    /// Stakeholder roles of the source's participants.
    pub roles: Vec<Uuid>,
    pub research_questions: Vec<Uuid>,
    pub kinds: Vec<SourceKind>,
    pub participants: Vec<Uuid>,
}

impl SourceFilter {
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
            && self.attributes.is_empty()
            && self.roles.is_empty()
            && self.research_questions.is_empty()
            && self.kinds.is_empty()
            && self.participants.is_empty()
    }

    /// Does a case pass the case and attribute parts of the filter?
    pub fn matches_case(&self, case: Option<&Case>) -> bool {
        if !self.cases.is_empty() && !case.is_some_and(|c| self.cases.contains(&c.id)) {
            return false;
        }
        self.attributes.iter().all(|(k, v)| case.is_some_and(|c| c.attributes.has(k, v)))
    }

    pub fn matches(&self, data: &StudyData, source: &SourceInfo) -> bool {
        if !self.kinds.is_empty() && !self.kinds.contains(&source.kind) {
            return false;
        }
        if !self.research_questions.is_empty()
            && !source.research_question.is_some_and(|q| self.research_questions.contains(&q))
        {
            return false;
        }
        if !self.matches_case(source.case_id.and_then(|c| data.case(c))) {
            return false;
        }
        let people: Vec<Uuid> = match &source.speaker {
            Some(Speaker::Participant(p)) => vec![*p],
            Some(_) => Vec::new(),
            None => source.participants.clone(),
        };
        if !self.participants.is_empty() && !people.iter().any(|p| self.participants.contains(p)) {
            return false;
        }
        if !self.roles.is_empty()
            && !people
                .iter()
                .any(|p| data.participant(*p).and_then(|p| p.role_id).is_some_and(|r| self.roles.contains(&r)))
        {
            return false;
        }
        true
    }
}

fn is_text_question(kind: &QuestionKind) -> bool {
    matches!(kind, QuestionKind::ShortText { .. } | QuestionKind::LongText { .. })
}

impl StudyData {
    /// Every codable text of the study that has any text, in a stable order:
    /// interviews (notes by protocol order, recorded turns, transcript), survey
    /// answers, documents.
    pub fn sources(&self) -> Vec<SourceInfo<'_>> {
        let mut out = Vec::new();
        for interview in &self.interviews {
            self.interview_sources(interview, &mut out);
        }
        // Thousands of responses: their respondents' names are looked up in one map.
        let pseudonyms: HashMap<Uuid, &str> = self.participants.iter().map(|p| (p.id, p.pseudonym.as_str())).collect();
        for response in &self.responses {
            let Some(pages) = self.response_pages(response) else { continue };
            let who = response.participant_id.and_then(|p| pseudonyms.get(&p).copied());
            for q in pages.iter().flat_map(|p| &p.questions) {
                if !is_text_question(&q.kind) {
                    continue;
                }
                if let Some(AnswerValue::Text(t)) = response.answers.get(&q.id)
                    && !t.trim().is_empty()
                {
                    out.push(self.answer_info(response, q, t, who));
                }
            }
        }
        for d in &self.documents {
            if !d.text.trim().is_empty()
                && let Some(info) = self.source(&SourceRef::Document { document: d.id })
            {
                out.push(info);
            }
        }
        out
    }

    /// The order of `wanted` in [`StudyData::sources`] (ranks, not positions), worked out only for
    /// the interviews, responses and documents they belong to (listing every source
    /// of a large study takes long). Sources `sources()` leaves out are not in the map.
    pub(crate) fn source_ranks(&self, wanted: &HashSet<&SourceRef>) -> HashMap<SourceRef, usize> {
        let interviews: HashSet<Uuid> = wanted.iter().filter_map(|s| s.interview()).collect();
        let responses: HashSet<Uuid> = wanted
            .iter()
            .filter_map(|s| match s {
                SourceRef::SurveyAnswer { response, .. } => Some(*response),
                _ => None,
            })
            .collect();
        let mut ranks = HashMap::new();
        let mut rank = 0;
        let mut put = |source: SourceRef, rank: usize| {
            if wanted.contains(&source) {
                ranks.insert(source, rank);
            }
        };
        for interview in &self.interviews {
            if !interviews.contains(&interview.id) {
                continue;
            }
            let mut out = Vec::new();
            self.interview_sources(interview, &mut out);
            for info in out {
                put(info.source, rank);
                rank += 1;
            }
        }
        for response in &self.responses {
            if !responses.contains(&response.id) {
                continue;
            }
            let Some(pages) = self.response_pages(response) else { continue };
            for q in pages.iter().flat_map(|p| &p.questions) {
                if !is_text_question(&q.kind) {
                    continue;
                }
                if let Some(AnswerValue::Text(t)) = response.answers.get(&q.id)
                    && !t.trim().is_empty()
                {
                    put(SourceRef::SurveyAnswer { response: response.id, question: q.id }, rank);
                    rank += 1;
                }
            }
        }
        for d in &self.documents {
            if !d.text.trim().is_empty() {
                put(SourceRef::Document { document: d.id }, rank);
            }
            rank += 1;
        }
        ranks
    }

    fn interview_sources<'a>(&'a self, interview: &'a Interview, out: &mut Vec<SourceInfo<'a>>) {
        let sections = self.interview_sections(interview);
        let mut seen = HashSet::new();
        // Protocol order first, then anything recorded against sections no longer known.
        let mut answers: Vec<&crate::fieldwork::Answer> = Vec::new();
        for s in sections {
            for prompt in std::iter::once(None).chain(s.prompts.iter().map(|p| Some(p.id))) {
                if let Some(a) = interview.answers.iter().find(|a| a.section_id == s.id && a.prompt_id == prompt) {
                    seen.insert((a.section_id, a.prompt_id));
                    answers.push(a);
                }
            }
        }
        answers.extend(interview.answers.iter().filter(|a| !seen.contains(&(a.section_id, a.prompt_id))));
        for a in answers {
            if !a.text.trim().is_empty()
                && let Some(info) = self.source(&SourceRef::Notes {
                    interview: interview.id,
                    section: a.section_id,
                    prompt: a.prompt_id,
                })
            {
                out.push(info);
            }
            for t in &a.turns {
                if !t.text.trim().is_empty()
                    && let Some(info) = self.source(&SourceRef::Turn { interview: interview.id, turn: t.id })
                {
                    out.push(info);
                }
            }
        }
        if interview.transcript.is_some()
            && let Some(info) = self.source(&SourceRef::Transcript { interview: interview.id })
        {
            out.push(info);
        }
    }

    /// The text of a source as it is now; None when the source no longer exists.
    pub fn source_text(&self, source: &SourceRef) -> Option<&str> {
        match source {
            SourceRef::Notes { interview, section, prompt } => self
                .interview(*interview)?
                .answers
                .iter()
                .find(|a| a.section_id == *section && a.prompt_id == *prompt)
                .map(|a| a.text.as_str()),
            SourceRef::Turn { interview, turn } => self
                .interview(*interview)?
                .answers
                .iter()
                .flat_map(|a| &a.turns)
                .find(|t| t.id == *turn)
                .map(|t| t.text.as_str()),
            SourceRef::Transcript { interview } => {
                self.interview(*interview)?.transcript.as_ref().map(|t| t.text.as_str())
            }
            SourceRef::SurveyAnswer { response, question } => match self.response(*response)?.answers.get(question)? {
                AnswerValue::Text(t) => Some(t.as_str()),
                _ => None,
            },
            SourceRef::Document { document } => self.document(*document).map(|d| d.text.as_str()),
        }
    }

    /// A source with its context; None when it no longer exists.
    pub fn source(&self, source: &SourceRef) -> Option<SourceInfo<'_>> {
        let text = self.source_text(source)?;
        let mut info = SourceInfo {
            source: source.clone(),
            uuid: source.uuid(),
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
            text,
        };
        if let Some(id) = source.interview() {
            let interview = self.interview(id)?;
            info.interview_kind = Some(interview.kind);
            info.case_id = Some(interview.case_id);
            info.participants = interview.participant_ids.clone();
            info.date = interview.date;
            let people = self.interview_people(interview);
            let sections = self.interview_sections(interview);
            let section_of =
                |section: Uuid| sections.iter().position(|s| s.id == section).map(|at| (at, &sections[at]));
            match source {
                SourceRef::Notes { section, prompt, .. } => {
                    info.kind = SourceKind::InterviewNotes;
                    info.section = Some(*section);
                    if let Some((at, s)) = section_of(*section) {
                        info.research_question = s.research_question_id;
                        info.question_text = match prompt {
                            Some(p) => {
                                s.prompts.iter().find(|x| x.id == *p).map(|x| x.text.clone()).unwrap_or_default()
                            }
                            None => s.question.clone(),
                        };
                        let part = if prompt.is_some() { " (prompt)" } else { "" };
                        info.title = format!("{people} · {}. {}{part}", at + 1, s.title);
                    } else {
                        info.title = format!("{people} · notes");
                    }
                }
                SourceRef::Turn { turn, .. } => {
                    info.kind = SourceKind::SpeakerTurn;
                    let answer = interview.answers.iter().find(|a| a.turns.iter().any(|t| t.id == *turn))?;
                    let speaker = answer.turns.iter().find(|t| t.id == *turn).map(|t| t.speaker.clone())?;
                    info.section = Some(answer.section_id);
                    let who = self.speaker_label(&speaker);
                    info.speaker = Some(speaker);
                    if let Some((at, s)) = section_of(answer.section_id) {
                        info.research_question = s.research_question_id;
                        info.question_text = match answer.prompt_id {
                            Some(p) => s.prompts.iter().find(|x| x.id == p).map(|x| x.text.clone()).unwrap_or_default(),
                            None => s.question.clone(),
                        };
                        info.title = format!("{people} · {}. {} · {who}", at + 1, s.title);
                    } else {
                        info.title = format!("{people} · {who}");
                    }
                }
                SourceRef::Transcript { .. } => {
                    info.kind = SourceKind::Transcript;
                    info.title = format!("{people} · transcript");
                }
                _ => {}
            }
            return Some(info);
        }
        match source {
            SourceRef::SurveyAnswer { response, question } => {
                let r = self.response(*response)?;
                let pages = self.response_pages(r)?;
                let q = pages.iter().flat_map(|p| &p.questions).find(|q| q.id == *question)?;
                let who = r.participant_id.and_then(|p| self.participant(p)).map(|p| p.pseudonym.as_str());
                return Some(self.answer_info(r, q, text, who));
            }
            SourceRef::Document { document } => {
                let d = self.document(*document)?;
                info.kind =
                    if d.kind == DocumentKind::FieldNotes { SourceKind::FieldNotes } else { SourceKind::Document };
                info.case_id = Some(d.case_id);
                info.date = d.date;
                info.title = d.title.clone();
            }
            _ => {}
        }
        Some(info)
    }

    /// A survey answer as a source; `who` is the respondent's pseudonym (None: anonymous).
    fn answer_info<'a>(
        &self,
        r: &Response,
        q: &crate::surveys::Question,
        text: &'a str,
        who: Option<&str>,
    ) -> SourceInfo<'a> {
        let source = SourceRef::SurveyAnswer { response: r.id, question: q.id };
        let survey = self.survey(r.survey_id).map(|s| s.name.as_str()).unwrap_or("Survey");
        SourceInfo {
            uuid: source.uuid(),
            source,
            kind: SourceKind::SurveyAnswer,
            interview_kind: None,
            title: format!("{survey} · {} · {}", who.unwrap_or("Anonymous"), q.name),
            case_id: Some(r.case_id),
            participants: r.participant_id.into_iter().collect(),
            speaker: None,
            section: None,
            research_question: None,
            survey_question: Some(q.id),
            question_text: q.label.get(crate::surveys::DEFAULT_LANGUAGE).0.to_string(),
            date: r.completed.unwrap_or(r.started).date(),
            text,
        }
    }

    /// A speaker's name for titles and attribution.
    pub fn speaker_label(&self, speaker: &Speaker) -> String {
        match speaker {
            Speaker::Participant(p) => {
                self.participant(*p).map_or_else(|| "(deleted participant)".to_string(), |p| p.pseudonym.clone())
            }
            Speaker::Interviewer => "Interviewer".to_string(),
            Speaker::Other(name) if name.is_empty() => "(no speaker)".to_string(),
            Speaker::Other(name) => name.clone(),
        }
    }

    /// Sources matching a filter.
    pub fn filtered_sources(&self, filter: &SourceFilter) -> Vec<SourceInfo<'_>> {
        self.sources().into_iter().filter(|s| filter.matches(self, s)).collect()
    }

    /// Where each turn of an interview's transcript starts in its text (code points),
    /// with its speaker, in order. Turns that cannot be found in the text (it was
    /// edited by hand) are left out; a position belongs to the last turn starting at
    /// or before it.
    pub fn transcript_speakers(&self, interview: Uuid) -> Vec<(usize, Speaker)> {
        let Some(t) = self.interview(interview).and_then(|i| i.transcript.as_ref()) else { return Vec::new() };
        let mut out = Vec::new();
        let mut cursor = 0usize; // bytes: the start of the last turn found
        let mut search_from = 0usize; // bytes: just after the last turn's first words
        let mut counted = 0usize; // code points up to `cursor`
        for turn in &t.turns {
            let first_line = turn.text.lines().next().unwrap_or("").trim();
            // A time stamp kept at the start of a turn comes before the name in the text.
            let probe = match first_line.split_once(' ') {
                Some((stamp, rest))
                    if stamp.starts_with(['[', '(']) || stamp.chars().next().is_some_and(|c| c.is_ascii_digit()) =>
                {
                    rest
                }
                _ => first_line,
            };
            if probe.is_empty() {
                continue;
            }
            let Some(found) = t.text.get(search_from..).and_then(|rest| find_long(rest, probe)) else { continue };
            // The turn starts at the beginning of its line (the speaker's name).
            let at = search_from + found;
            let line_start = t.text[..at].rfind('\n').map_or(0, |n| n + 1).max(cursor);
            counted += t.text[cursor..line_start].chars().count();
            out.push((counted, turn.speaker.clone()));
            cursor = line_start;
            search_from = at + probe.len();
        }
        out
    }
}

/// The first place of `needle` in `haystack`, as `str::find` gives it, quicker for a
/// long needle (a turn's first line): setting up a search for a long needle costs in
/// proportion to its length, so the places of its first words are searched for and
/// the rest compared there.
fn find_long(haystack: &str, needle: &str) -> Option<usize> {
    const HEAD: usize = 32;
    if needle.len() <= 2 * HEAD {
        return haystack.find(needle);
    }
    let mut cut = HEAD;
    while !needle.is_char_boundary(cut) {
        cut += 1;
    }
    let head = &needle[..cut];
    haystack.match_indices(head).map(|(at, _)| at).find(|at| haystack[*at..].starts_with(needle))
}

/// The speaker at a position, from [`StudyData::transcript_speakers`].
pub fn speaker_at(speakers: &[(usize, Speaker)], position: usize) -> Option<&Speaker> {
    let after = speakers.partition_point(|(start, _)| *start <= position);
    after.checked_sub(1).map(|at| &speakers[at].1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_uuid_hashes_its_name_as_written_out() {
        let [a, b, c] = [Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4()];
        let named = [
            (SourceRef::Notes { interview: a, section: b, prompt: Some(c) }, format!("notes:{a}:{b}:{c}")),
            (SourceRef::Notes { interview: a, section: b, prompt: None }, format!("notes:{a}:{b}")),
            (SourceRef::Turn { interview: a, turn: b }, format!("turn:{a}:{b}")),
            (SourceRef::Transcript { interview: a }, format!("transcript:{a}")),
            (SourceRef::SurveyAnswer { response: a, question: b }, format!("answer:{a}:{b}")),
            (SourceRef::Document { document: a }, format!("document:{a}")),
        ];
        for (source, name) in named {
            assert_eq!(source.uuid(), Uuid::new_v5(&SOURCE_NAMESPACE, name.as_bytes()), "{name}");
        }
    }

    #[test]
    fn finding_a_long_needle_gives_the_place_find_gives() {
        let long = "Well, the rota is the thing: when the rota works, everything else works too, and it rarely does";
        let cases = [
            (format!("Ceri: {long}\nDylan: ok"), long.to_string()),
            // Its first words come earlier without the rest: the later, whole one is found.
            (format!("{}… no\nCeri: {long}", &long[..40]), long.to_string()),
            (format!("dŵr a thân {long}"), long.to_string()),
            ("short needle here".to_string(), "needle".to_string()),
            (long[..70].to_string(), long.to_string()),
        ];
        for (hay, needle) in cases {
            assert_eq!(find_long(&hay, &needle), hay.find(needle.as_str()), "{hay:?}");
        }
        let welsh = "ŵ".repeat(40);
        assert_eq!(find_long(&format!("a{welsh}b"), &welsh), Some(1), "a head cut inside a letter moves to its end");
    }
}
