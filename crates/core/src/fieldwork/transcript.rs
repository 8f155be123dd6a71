//! Transcripts: reading a pasted or uploaded text, and splitting it into speaker turns.
//!
//! Transcripts arrive in every shape: typed up in Word and saved as text, exported
//! from a transcription service, pasted from an email. The rules here are forgiving
//! about layout and strict about one thing only: a file that is not text at all is
//! refused with a message that says so, rather than stored as garbage.
//!
//! How a transcript is split (see [`parse_turns`]):
//!
//! - a line `Name: what they said` starts a new turn. The name is matched, ignoring
//!   capitals and extra spaces, against the interview's participants' pseudonyms,
//!   then against the usual interviewer labels (`Interviewer`, `Int`, `I`, `Q`,
//!   `Researcher`, `Facilitator`); any other short, name-like label becomes
//!   [`Speaker::Other`] so nothing said is lost. A full-width colon `：` works too,
//!   and `**Name:**` (bold in Markdown) is read as `Name:`;
//! - a time stamp at the start of a line (`[00:01:23]`, `(12:05)`, `00:01:23`) may
//!   come before the name; it stays in the turn's text;
//! - lines without a name continue the turn before them (joined with `\n`);
//! - text before the first named speaker (a heading, say) becomes one turn of
//!   `Speaker::Other("")`, so the transcript's own preamble is kept, not dropped;
//! - turns with no text are left out.

use std::fmt;

use thiserror::Error;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::sources::SourceRef;
use crate::fieldwork::{Correction, InterviewStatus, Speaker, Transcript, Turn};
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

/// The largest transcript accepted, in bytes (2 MiB). An hour's interview is about
/// 60 kB of text; anything near this size is almost certainly the wrong file.
/// The same as the limit on any one text field, so an imported transcript can be edited.
pub const MAX_TEXT_BYTES: usize = 2 * 1024 * 1024;

const BYTES_PER_MB: usize = 1024 * 1024;

/// Where a text came from, for messages: a file by name, or a paste.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextOrigin {
    File(String),
    Pasted,
}

impl fmt::Display for TextOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextOrigin::File(name) => write!(f, "The file “{name}”"),
            TextOrigin::Pasted => f.write_str("The pasted text"),
        }
    }
}

/// Why a text cannot be used as a transcript. The `Display` text is shown to users as is.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum TextError {
    #[error("{origin} is empty.")]
    Empty { origin: TextOrigin },
    #[error(
        "The file “{name}” does not look like a text file. If it is a Word or PDF document, \
         save it as plain text (.txt, UTF-8) and choose that file, or copy the text and paste it."
    )]
    NotText { name: String },
    #[error(
        "{origin} is {} MB; the largest transcript fieldkit accepts is {} MB.",
        megabytes_rounded_up(*.bytes),
        MAX_TEXT_BYTES / BYTES_PER_MB
    )]
    TooLarge { origin: TextOrigin, bytes: usize },
}

/// One decimal, rounded up so a text just over the limit never reads as "2.0 MB of 2 MB".
fn megabytes_rounded_up(bytes: usize) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(BYTES_PER_MB);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// Reads an uploaded file as text: UTF-8 (a byte-order mark is dropped) or UTF-16
/// with a byte-order mark (what Windows Notepad calls "Unicode"). Line endings
/// become `\n`. Refuses empty files, files that are not text, and files over
/// [`MAX_TEXT_BYTES`].
pub fn read_text_file(bytes: &[u8], name: &str) -> Result<String, TextError> {
    let origin = || TextOrigin::File(name.to_string());
    let not_text = || TextError::NotText { name: name.to_string() };
    // Checked before decoding, so a huge file is refused without copying it.
    if bytes.len() > MAX_TEXT_BYTES {
        return Err(TextError::TooLarge { origin: origin(), bytes: bytes.len() });
    }
    let decoded = decode(bytes).ok_or_else(not_text)?;
    if !looks_like_text(&decoded) {
        return Err(not_text());
    }
    let text = normalise_line_endings(&decoded);
    // UTF-16 can grow when it becomes UTF-8; the limit is on what is stored.
    if text.len() > MAX_TEXT_BYTES {
        return Err(TextError::TooLarge { origin: origin(), bytes: text.len() });
    }
    if text.trim().is_empty() {
        return Err(TextError::Empty { origin: origin() });
    }
    Ok(text)
}

/// Checks pasted text the way [`read_text_file`] checks a file: line endings become
/// `\n`, a leading byte-order mark is dropped, and empty or oversized text is refused.
pub fn check_pasted_text(text: &str) -> Result<String, TextError> {
    let text = normalise_line_endings(text.strip_prefix('\u{feff}').unwrap_or(text));
    if text.len() > MAX_TEXT_BYTES {
        return Err(TextError::TooLarge { origin: TextOrigin::Pasted, bytes: text.len() });
    }
    if text.trim().is_empty() {
        return Err(TextError::Empty { origin: TextOrigin::Pasted });
    }
    Ok(text)
}

/// `\r\n` (Windows) and lone `\r` (old Mac) both become `\n`.
pub fn normalise_line_endings(text: &str) -> String {
    if text.contains('\r') { text.replace("\r\n", "\n").replace('\r', "\n") } else { text.to_string() }
}

/// Decodes by byte-order mark; without one, the bytes must be valid UTF-8.
fn decode(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest).ok().map(str::to_string);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return decode_utf16(rest, u16::from_le_bytes);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return decode_utf16(rest, u16::from_be_bytes);
    }
    std::str::from_utf8(bytes).ok().map(str::to_string)
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units).collect::<Result<String, _>>().ok()
}

/// Text has no NUL bytes and hardly any other control characters; binary data that
/// happens to be valid UTF-8 has plenty.
fn looks_like_text(text: &str) -> bool {
    let mut chars = 0usize;
    let mut controls = 0usize;
    for c in text.chars() {
        if c == '\0' {
            return false;
        }
        chars += 1;
        // Tabs, line breaks and form feeds (page breaks from word processors) are text.
        if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0c}') {
            controls += 1;
        }
    }
    // More than 1 in 20 characters being control codes is not a transcript.
    controls * 20 <= chars
}

/// Labels transcribers use for the researcher asking the questions.
const INTERVIEWER_LABELS: [&str; 6] = ["interviewer", "int", "i", "q", "researcher", "facilitator"];

/// Lower-case words that may start a word of a name ("Ann van Dijk", "Rhys ap Gwyn").
const NAME_PARTICLES: [&str; 14] =
    ["van", "von", "der", "den", "de", "del", "della", "da", "di", "du", "la", "le", "ap", "ferch"];

const MAX_NAME_CHARS: usize = 40;
const MAX_NAME_WORDS: usize = 5;

/// Splits a transcript into speaker turns; see the module documentation for the rules.
/// `names` are the participants' pseudonyms; `new_id` gives each turn its id, in order.
/// Never panics, whatever the text.
pub fn parse_turns(text: &str, names: &[(Uuid, String)], mut new_id: impl FnMut() -> Uuid) -> Vec<Turn> {
    let text = normalise_line_endings(text);
    let known: Vec<(Uuid, String)> =
        names.iter().map(|(id, name)| (*id, fold_name(name))).filter(|(_, name)| !name.is_empty()).collect();

    let mut turns = Vec::new();
    let mut current: Option<(Speaker, String)> = None;
    for line in text.split('\n') {
        let started = split_speaker(line).and_then(|labelled| {
            classify(labelled.name, &known).map(|speaker| {
                let said = match labelled.stamp {
                    Some(stamp) if labelled.rest.is_empty() => stamp.to_string(),
                    Some(stamp) => format!("{stamp} {}", labelled.rest),
                    None => labelled.rest.to_string(),
                };
                (speaker, said)
            })
        });
        match (started, current.as_mut()) {
            (Some(turn), _) => {
                finish_turn(current.take(), &mut turns, &mut new_id);
                current = Some(turn);
            }
            (None, Some((_, said))) => {
                said.push('\n');
                said.push_str(line);
            }
            // Text before the first speaker: kept as a turn with no speaker name.
            (None, None) => current = Some((Speaker::Other(String::new()), line.to_string())),
        }
    }
    finish_turn(current, &mut turns, &mut new_id);
    turns
}

fn finish_turn(turn: Option<(Speaker, String)>, turns: &mut Vec<Turn>, new_id: &mut impl FnMut() -> Uuid) {
    if let Some((speaker, said)) = turn {
        let said = said.trim();
        if !said.is_empty() {
            turns.push(Turn { id: new_id(), speaker, text: said.to_string() });
        }
    }
}

/// A line that may start with a speaker label.
struct Labelled<'a> {
    stamp: Option<&'a str>,
    name: &'a str,
    rest: &'a str,
}

/// Finds `[stamp] Name: rest` in a line; whether `Name` is a speaker is decided by [`classify`].
fn split_speaker(line: &str) -> Option<Labelled<'_>> {
    let (stamp, body) = leading_timestamp(line.trim_start());
    let (at, colon) = find_label_colon(body)?;
    let raw_name = &body[..at];
    let mut rest = &body[at + colon.len_utf8()..];
    // "https://…", "C:\…": a colon, but not a speaker.
    if rest.starts_with("//") || rest.starts_with('\\') {
        return None;
    }
    let name = trim_name(raw_name);
    // "**Ann:** text": the closing bold marker follows the colon.
    if raw_name.trim_start().starts_with(['*', '_']) {
        rest = rest.trim_start_matches(['*', '_']);
    }
    Some(Labelled { stamp, name, rest: rest.trim() })
}

/// The first colon that could end a speaker label, searching only as far as a name
/// could reach. Colons between digits ("10:30", "Ann 0:03") belong to times.
fn find_label_colon(body: &str) -> Option<(usize, char)> {
    // Room for the longest name plus markup and spacing around it.
    const SEARCH_CHARS: usize = MAX_NAME_CHARS + 20;
    let mut previous: Option<char> = None;
    let mut chars = body.char_indices().take(SEARCH_CHARS).peekable();
    while let Some((at, c)) = chars.next() {
        if c == ':' || c == '：' {
            let next = chars.peek().map(|(_, n)| *n);
            let in_a_time =
                c == ':' && previous.is_some_and(|p| p.is_ascii_digit()) && next.is_some_and(|n| n.is_ascii_digit());
            if !in_a_time {
                return Some((at, c));
            }
        }
        previous = Some(c);
    }
    None
}

/// A time stamp at the start of a line: `[00:01:23]`, `(1:05)`, `00:01:23.5`, with
/// the text after it. Only ASCII is matched, so slicing stays on char boundaries.
fn leading_timestamp(line: &str) -> (Option<&str>, &str) {
    let bytes = line.as_bytes();
    let closer = match bytes.first() {
        Some(b'[') => Some(b']'),
        Some(b'(') => Some(b')'),
        _ => None,
    };
    let mut at = usize::from(closer.is_some());
    let digits = |from: usize| bytes[from.min(bytes.len())..].iter().take_while(|b| b.is_ascii_digit()).count();

    let first = digits(at);
    if first == 0 || first > 2 {
        return (None, line);
    }
    at += first;
    let mut groups = 0;
    while bytes.get(at) == Some(&b':') && digits(at + 1) == 2 {
        at += 3;
        groups += 1;
    }
    if groups == 0 {
        return (None, line);
    }
    if matches!(bytes.get(at), Some(b'.' | b',')) && digits(at + 1) > 0 {
        at += 1 + digits(at + 1);
    }
    if let Some(close) = closer {
        if bytes.get(at) != Some(&close) {
            return (None, line);
        }
        at += 1;
    } else if bytes.get(at).is_some_and(|b| !b.is_ascii_whitespace()) {
        // "10:30am…" or "12:00:" is not a bare stamp followed by a name.
        return (None, line);
    }
    (Some(&line[..at]), line[at..].trim_start())
}

/// Direction marks and zero-width spaces that editors leave around names, invisible on screen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

fn trim_name(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || is_invisible(c) || c == '*' || c == '_')
}

/// How names are compared: without invisible marks, in lower case, single-spaced.
fn fold_name(name: &str) -> String {
    trim_name(name)
        .split_whitespace()
        .map(|word| word.chars().filter(|c| !is_invisible(*c)).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Who a label names: a participant, the interviewer, someone else, or nobody (the
/// colon was part of a sentence).
fn classify(name: &str, known: &[(Uuid, String)]) -> Option<Speaker> {
    if name.is_empty() {
        return None;
    }
    let folded = fold_name(name);
    // Participants first: the researcher chose their pseudonyms, even one like "Q".
    if let Some((id, _)) = known.iter().find(|(_, pseudonym)| *pseudonym == folded) {
        return Some(Speaker::Participant(*id));
    }
    if INTERVIEWER_LABELS.contains(&folded.as_str()) {
        return Some(Speaker::Interviewer);
    }
    looks_like_a_name(name).then(|| Speaker::Other(name.split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// A short label of one to five words, with a letter in it, without sentence
/// punctuation, each word starting with a capital (or a letter that has no capitals,
/// as in Arabic or Chinese) unless it is a particle such as "van" or "ap".
/// "Ann", "Speaker 2", "Dr. Jones", "Siân ap Rhys", "مريم" pass; "so what I said
/// was", "10", "Well, yes" do not.
fn looks_like_a_name(name: &str) -> bool {
    if name.chars().count() > MAX_NAME_CHARS || name.split_whitespace().count() > MAX_NAME_WORDS {
        return false;
    }
    if !name.chars().any(char::is_alphabetic) {
        return false;
    }
    const SENTENCE_PUNCTUATION: [char; 17] =
        ['?', '!', ';', ',', '"', '“', '”', '<', '>', '{', '}', '[', ']', '=', '|', '\\', '…'];
    if name.contains(SENTENCE_PUNCTUATION) || name.contains("://") {
        return false;
    }
    name.split_whitespace().all(|word| {
        let first_letter = word.chars().find(|c| c.is_alphanumeric());
        match first_letter {
            Some(c) if c.is_lowercase() => NAME_PARTICLES.contains(&word.to_lowercase().as_str()),
            _ => true,
        }
    })
}

/// Other labels that, in an interview with one participant, mean that participant:
/// transcripts written as questions and answers use "Q:" and "A:".
const SOLE_PARTICIPANT_LABELS: [&str; 5] = ["a", "r", "respondent", "interviewee", "participant"];

impl StudyData {
    /// Stores a transcript for an interview, split into speaker turns matched against
    /// the interview's participants (by pseudonym). Replaces any earlier transcript.
    ///
    /// Besides [`parse_turns`]' rules: a speaker named like the interview's
    /// interviewer counts as the interviewer, and in a one-participant interview
    /// "A", "R", "Respondent", "Interviewee" and "Participant" mean that participant.
    /// Changing a completed interview's transcript is recorded as a correction.
    /// Coded segments on an earlier transcript are moved onto the same words of the
    /// new one, or marked for review or lost; they are returned after the interview.
    pub fn set_transcript(
        &mut self,
        interview: Uuid,
        text: String,
        source_name: String,
        now: Timestamp,
    ) -> Result<Vec<ObjectRef>, ValidationError> {
        let Some(found) = self.interviews.iter().find(|i| i.id == interview) else {
            return Err(ValidationError::UnknownInterview(interview));
        };
        let text = normalise_line_endings(text.strip_prefix('\u{feff}').unwrap_or(&text));
        if text.trim().is_empty() {
            return Err(ValidationError::EmptyTranscript);
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(ValidationError::TextTooLong { bytes: text.len(), limit: MAX_TEXT_BYTES });
        }
        let names: Vec<(Uuid, String)> = found
            .participant_ids
            .iter()
            .filter_map(|id| self.participant(*id).map(|p| (p.id, p.pseudonym.clone())))
            .collect();
        let interviewer = fold_name(&found.interviewer);
        let sole_participant = match found.participant_ids.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        let mut turns = parse_turns(&text, &names, Uuid::new_v4);
        for turn in &mut turns {
            if let Speaker::Other(name) = &turn.speaker {
                let folded = fold_name(name);
                if !interviewer.is_empty() && folded == interviewer {
                    turn.speaker = Speaker::Interviewer;
                } else if let Some(only) =
                    sole_participant.filter(|_| SOLE_PARTICIPANT_LABELS.contains(&folded.as_str()))
                {
                    turn.speaker = Speaker::Participant(only);
                }
            }
        }

        let Some(interview_mut) = self.interviews.iter_mut().find(|i| i.id == interview) else {
            return Err(ValidationError::UnknownInterview(interview));
        };
        if interview_mut.status == InterviewStatus::Complete {
            let what = if interview_mut.transcript.is_some() { "Transcript replaced" } else { "Transcript added" };
            interview_mut.corrections.push(Correction { at: now, what: what.to_string() });
        }
        let old = interview_mut.transcript.as_ref().map(|t| t.text.clone()).unwrap_or_default();
        interview_mut.transcript =
            Some(Transcript { text, turns, source_name: source_name.trim().to_string(), added: now });
        interview_mut.modified = now;
        let mut changed = vec![ObjectRef::Interview(interview)];
        changed.extend(self.reanchor_source(&SourceRef::Transcript { interview }, &old, now));
        Ok(changed)
    }

    /// Removes an interview's transcript (recorded as a correction once complete).
    /// Coded segments on it are marked lost (and returned after the interview).
    pub fn remove_transcript(&mut self, interview: Uuid, now: Timestamp) -> Result<Vec<ObjectRef>, ValidationError> {
        let Some(found) = self.interviews.iter_mut().find(|i| i.id == interview) else {
            return Err(ValidationError::UnknownInterview(interview));
        };
        if found.transcript.take().is_some() {
            if found.status == InterviewStatus::Complete {
                found.corrections.push(Correction { at: now, what: "Transcript removed".to_string() });
            }
            found.modified = now;
        }
        let mut changed = vec![ObjectRef::Interview(interview)];
        changed.extend(self.lose_source(&SourceRef::Transcript { interview }, now));
        Ok(changed)
    }
}
