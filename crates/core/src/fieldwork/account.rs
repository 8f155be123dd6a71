//! Member checking: the account of an interview written for the participant, its
//! versions as amendments come back, and what changed between versions.
//!
//! An account names people by pseudonym only. It is built from the interview's
//! notes and speaker turns, section by section of the protocol version the
//! interview was run with, followed by the transcript if there is one. A question
//! or prompt marked *Skipped* that still has notes or turns keeps them, under
//! [`SKIPPED_MARK`]; one *Not asked* is left out. It never
//! reads [`StudyData::identities`]: real names and contact details stay out of
//! anything that may be printed or emailed.

use similar::{Algorithm, DiffTag, capture_diff_slices};
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::fieldwork::transcript::{MAX_TEXT_BYTES, normalise_line_endings};
use crate::fieldwork::*;
use crate::study::validate::ValidationError;
use crate::study::{ObjectRef, StudyData};

/// The account as headings and paragraphs, rendered to plain text or to HTML.
struct AccountDoc {
    title: String,
    details: Vec<(&'static str, String)>,
    sections: Vec<SectionDoc>,
    transcript: Vec<SpokenLine>,
}

struct SectionDoc {
    title: String,
    items: Vec<ItemDoc>,
}

/// One asked question (the section's main question or a prompt) with what was said.
struct ItemDoc {
    label: &'static str,
    question: String,
    /// Marked as skipped in the interview, yet with something noted.
    skipped: bool,
    notes: String,
    turns: Vec<SpokenLine>,
}

/// The line under a question or prompt that was marked as skipped in the interview
/// but has notes: they stay in the account, and the participant sees why it is brief.
pub const SKIPPED_MARK: &str = "(Marked as skipped in the interview.)";

/// Whether an answer goes into the account: asked, or skipped with something noted
/// (notes or turns); never one marked "not asked".
fn kept(answer: &Answer) -> bool {
    match answer.state {
        AnswerState::Asked => true,
        AnswerState::Skipped => {
            !answer.text.trim().is_empty() || answer.turns.iter().any(|t| !t.text.trim().is_empty())
        }
        AnswerState::NotAsked => false,
    }
}

/// "Speaker: text"; an empty speaker is a transcript's own preamble, shown as is.
struct SpokenLine {
    speaker: String,
    text: String,
}

/// The sections of the protocol version the interview was run with: the current
/// version, else the stored earlier version with that number, else (when that version
/// is missing) the current sections rather than nothing. None when the protocol is gone.
fn sections_for<'a>(data: &'a StudyData, interview: &Interview) -> Option<&'a [Section]> {
    let protocol = data.protocol(interview.protocol_id)?;
    Some(protocol.sections_for(interview.protocol_version).unwrap_or(&protocol.sections))
}

fn speaker_name(data: &StudyData, speaker: &Speaker) -> String {
    match speaker {
        Speaker::Participant(id) => {
            data.participant(*id).map_or_else(|| "Participant".to_string(), |p| p.pseudonym.clone())
        }
        Speaker::Interviewer => "Interviewer".to_string(),
        Speaker::Other(name) => name.clone(),
    }
}

fn spoken(data: &StudyData, turns: &[Turn]) -> Vec<SpokenLine> {
    turns
        .iter()
        .filter(|t| !t.text.trim().is_empty())
        .map(|t| SpokenLine { speaker: speaker_name(data, &t.speaker), text: t.text.trim().to_string() })
        .collect()
}

fn item(data: &StudyData, label: &'static str, question: &str, answers: &[&Answer]) -> ItemDoc {
    let notes: Vec<&str> = answers.iter().map(|a| a.text.trim()).filter(|t| !t.is_empty()).collect();
    ItemDoc {
        label,
        question: question.trim().to_string(),
        skipped: !answers.is_empty() && answers.iter().all(|a| a.state == AnswerState::Skipped),
        notes: notes.join("\n\n"),
        turns: answers.iter().flat_map(|a| spoken(data, &a.turns)).collect(),
    }
}

fn build(data: &StudyData, interview: &Interview) -> AccountDoc {
    let kind = interview.kind.label();
    let people: Vec<String> =
        interview.participant_ids.iter().map(|id| speaker_name(data, &Speaker::Participant(*id))).collect();
    let mut details = vec![("Study", data.study.title.clone())];
    details.push(("Date", interview.date.map_or_else(|| "Not recorded".to_string(), |d| d.to_string())));
    details.push(("Mode", interview.mode.label().to_string()));
    details.push(("Case", data.case_name(Some(interview.case_id)).to_string()));
    details.push((if people.len() == 1 { "Participant" } else { "Participants" }, people.join(", ")));
    if !interview.interviewer.trim().is_empty() {
        details.push(("Interviewer", interview.interviewer.trim().to_string()));
    }

    let asked = |section: Uuid, prompt: Option<Uuid>| -> Vec<&Answer> {
        interview.answers.iter().filter(|a| a.section_id == section && a.prompt_id == prompt && kept(a)).collect()
    };
    let sections = match sections_for(data, interview) {
        Some(sections) => sections
            .iter()
            .filter_map(|section| {
                let mut items = Vec::new();
                let main = asked(section.id, None);
                if !main.is_empty() {
                    items.push(item(data, "Question", &section.question, &main));
                }
                for prompt in &section.prompts {
                    let answers = asked(section.id, Some(prompt.id));
                    if !answers.is_empty() {
                        items.push(item(data, "Prompt", &prompt.text, &answers));
                    }
                }
                (!items.is_empty()).then(|| SectionDoc { title: section.title.trim().to_string(), items })
            })
            .collect(),
        // The protocol was deleted: keep what was said, in the order it was recorded.
        None => {
            let (asked, skipped): (Vec<&Answer>, Vec<&Answer>) =
                interview.answers.iter().filter(|a| kept(a)).partition(|a| a.state == AnswerState::Asked);
            let items: Vec<ItemDoc> = [asked, skipped]
                .iter()
                .filter(|answers| !answers.is_empty())
                .map(|answers| item(data, "Question", "", answers))
                .collect();
            if items.is_empty() { Vec::new() } else { vec![SectionDoc { title: "Notes".to_string(), items }] }
        }
    };
    let transcript = interview.transcript.as_ref().map(|t| spoken(data, &t.turns)).unwrap_or_default();
    AccountDoc { title: format!("{kind} account"), details, sections, transcript }
}

fn push_heading(out: &mut String, text: &str, underline: char) {
    out.push_str(text);
    out.push('\n');
    out.extend(std::iter::repeat_n(underline, text.chars().count().max(1)));
    out.push('\n');
}

fn push_spoken(out: &mut String, lines: &[SpokenLine]) {
    for line in lines {
        if line.speaker.is_empty() {
            out.push_str(&line.text);
        } else {
            out.push_str(&format!("{}: {}", line.speaker, line.text));
        }
        out.push('\n');
    }
}

/// The account as plain text, for the participant: what the interview covered and
/// what was said, naming people by pseudonym only. This is version 1 of an account.
pub fn account_text(data: &StudyData, interview: &Interview) -> String {
    let doc = build(data, interview);
    let mut out = String::new();
    push_heading(&mut out, &doc.title, '=');
    for (label, value) in &doc.details {
        out.push_str(&format!("{label}: {value}\n"));
    }
    for section in &doc.sections {
        out.push('\n');
        push_heading(&mut out, &section.title, '-');
        for (at, item) in section.items.iter().enumerate() {
            if at > 0 {
                out.push('\n');
            }
            if !item.question.is_empty() {
                out.push_str(&format!("{}: {}\n", item.label, item.question));
            }
            if item.skipped {
                out.push_str(SKIPPED_MARK);
                out.push('\n');
            }
            if !item.notes.is_empty() {
                out.push_str(&item.notes);
                out.push('\n');
            }
            push_spoken(&mut out, &item.turns);
        }
    }
    if !doc.transcript.is_empty() {
        out.push('\n');
        push_heading(&mut out, "Transcript", '-');
        push_spoken(&mut out, &doc.transcript);
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Screen and print styles: plain, large type, room to write corrections in the margin.
const PAGE_STYLE: &str = "\
body { font-family: Georgia, 'Times New Roman', serif; font-size: 1.05rem; line-height: 1.6; \
color: #111; background: #fff; margin: 0 auto; max-width: 44rem; padding: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.5rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 0.5rem; border-bottom: 1px solid #999; }
.request { border: 2px solid #111; padding: 0.75rem 1rem; margin: 1rem 0; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1rem; }
dl.details dt { font-weight: bold; }
dl.details dd { margin: 0; }
.question { font-weight: bold; margin: 1rem 0 0.25rem; }
.notes, .turn, .text { white-space: pre-wrap; margin: 0.25rem 0; }
.skipped { font-style: italic; margin: 0.25rem 0; }
.speaker { font-weight: bold; }
.print-button { color: #555; }
@media print {
  .print-button { display: none; }
  @page { margin: 2cm 4cm 2cm 2cm; }
  body { font-size: 12pt; max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  .question { break-after: avoid; }
  .request { border-width: 1pt; }
}
";

const CORRECTIONS_REQUEST: &str = "This is our account of the conversation, written from the interview notes. \
Please read it and mark anything that is wrong or missing, or that you would like left out: write on the \
printed page or reply with your changes. Nothing is used until you are happy with it.";

fn page(title: &str, body: &str) -> String {
    let main = format!(
        "<h1>{}</h1>\n<p class=\"print-button\">To print, use the browser's Print command (Share, then Print, on a tablet).</p>\n\
         <p class=\"request\">{}</p>\n{body}",
        escape(title),
        escape(CORRECTIONS_REQUEST),
    );
    printable_page(title, PAGE_STYLE, &main)
}

/// A complete page to read and print: its own styles, no script (its policy
/// refuses any), `main` as the content. Every text in `main` must be escaped.
pub(crate) fn printable_page(title: &str, style: &str, main: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n{style}</style>\n</head>\n<body>\n<main>\n{main}</main>\n</body>\n</html>\n",
        escape(title)
    )
}

fn push_spoken_html(out: &mut String, lines: &[SpokenLine]) {
    for line in lines {
        if line.speaker.is_empty() {
            out.push_str(&format!("<p class=\"turn\" dir=\"auto\">{}</p>\n", escape(&line.text)));
        } else {
            out.push_str(&format!(
                "<p class=\"turn\" dir=\"auto\"><span class=\"speaker\">{}:</span> {}</p>\n",
                escape(&line.speaker),
                escape(&line.text)
            ));
        }
    }
}

/// The account as a complete, print-friendly HTML page (the same content as
/// [`account_text`]), with a note asking the participant to mark corrections.
/// All text is escaped.
pub fn account_html(data: &StudyData, interview: &Interview) -> String {
    let doc = build(data, interview);
    let mut body = String::from("<dl class=\"details\">\n");
    for (label, value) in &doc.details {
        body.push_str(&format!("<dt>{}</dt><dd dir=\"auto\">{}</dd>\n", escape(label), escape(value)));
    }
    body.push_str("</dl>\n");
    for section in &doc.sections {
        body.push_str(&format!("<section>\n<h2 dir=\"auto\">{}</h2>\n", escape(&section.title)));
        for item in &section.items {
            if !item.question.is_empty() {
                body.push_str(&format!(
                    "<p class=\"question\" dir=\"auto\">{}: {}</p>\n",
                    escape(item.label),
                    escape(&item.question)
                ));
            }
            if item.skipped {
                body.push_str(&format!("<p class=\"skipped\">{}</p>\n", escape(SKIPPED_MARK)));
            }
            if !item.notes.is_empty() {
                body.push_str(&format!("<p class=\"notes\" dir=\"auto\">{}</p>\n", escape(&item.notes)));
            }
            push_spoken_html(&mut body, &item.turns);
        }
        body.push_str("</section>\n");
    }
    if !doc.transcript.is_empty() {
        body.push_str("<section>\n<h2>Transcript</h2>\n");
        push_spoken_html(&mut body, &doc.transcript);
        body.push_str("</section>\n");
    }
    page(&doc.title, &body)
}

/// Any version of an account (plain text, perhaps amended) as the same printable
/// page as [`account_html`], for sending an amended version back: blank lines part
/// paragraphs, a short line followed by a paragraph is a heading, "Name: words"
/// lines stay lines.
pub fn account_version_html(title: &str, text: &str) -> String {
    let mut body = String::new();
    for block in text.replace("\r\n", "\n").split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<&str> = block.lines().map(str::trim_end).collect();
        let heading = lines.len() > 1 && lines[0].chars().count() <= 80 && !lines[0].ends_with(['.', '?', '!', ':']);
        let (first, rest) = if heading { (Some(lines[0]), &lines[1..]) } else { (None, &lines[..]) };
        if let Some(h) = first {
            body.push_str(&format!("<h2 dir=\"auto\">{}</h2>\n", escape(h)));
        }
        let paragraph: Vec<String> = rest.iter().map(|l| escape(l)).collect();
        body.push_str(&format!("<p dir=\"auto\">{}</p>\n", paragraph.join("<br>\n")));
    }
    page(title, &body)
}

/// A stretch of text in a comparison of two versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffPart {
    Same(String),
    Added(String),
    Removed(String),
}

impl DiffPart {
    pub fn text(&self) -> &str {
        match self {
            DiffPart::Same(t) | DiffPart::Added(t) | DiffPart::Removed(t) => t,
        }
    }
}

/// The paragraphs (stretches between blank lines) of a comparison that hold a
/// change, each as its parts: what a reader checks, without the unchanged rest.
pub fn changed_paragraphs(parts: &[DiffPart]) -> Vec<Vec<DiffPart>> {
    let mut paragraphs: Vec<Vec<DiffPart>> = vec![Vec::new()];
    for part in parts {
        match part {
            DiffPart::Same(text) => {
                let mut pieces = text.split("\n\n").peekable();
                while let Some(piece) = pieces.next() {
                    if !piece.is_empty()
                        && let Some(p) = paragraphs.last_mut()
                    {
                        p.push(DiffPart::Same(piece.to_string()));
                    }
                    if pieces.peek().is_some() {
                        paragraphs.push(Vec::new());
                    }
                }
            }
            changed => {
                if let Some(p) = paragraphs.last_mut() {
                    p.push(changed.clone());
                }
            }
        }
    }
    paragraphs.retain(|p| p.iter().any(|x| !matches!(x, DiffPart::Same(_))));
    paragraphs
}

/// Word diffs cost up to (old words + new words) × changes; changed paragraphs
/// longer than this (in words and spaces) are shown as removed and added whole,
/// so a tablet never stalls on a long rewrite.
const MAX_WORD_DIFF_TOKENS: usize = 8_000;

/// What changed between two versions, word by word. Whitespace is kept:
/// concatenating `Same` and `Added` parts gives `new`, `Same` and `Removed` give `old`.
/// Where a stretch was replaced, the removed part comes before the added one.
///
/// Lines are compared first and only changed stretches word by word: quick on a long
/// account with a few amendments.
pub fn diff_versions(old: &str, new: &str) -> Vec<DiffPart> {
    let mut parts = Vec::new();
    let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
    let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
    for op in compare(&old_lines, &new_lines) {
        let (removed, added) = (old_lines[op.0.clone()].concat(), new_lines[op.1.clone()].concat());
        if op.2 {
            push_part(&mut parts, DiffPart::Same(added));
        } else {
            diff_changed_lines(&mut parts, &removed, &added);
        }
    }
    parts
}

/// Token runs of two sequences: (old range, new range, equal?). One generic
/// instantiation of the diff for every caller keeps the wasm bundle small.
pub(crate) fn compare(old: &[&str], new: &[&str]) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>, bool)> {
    capture_diff_slices(Algorithm::Myers, old, new)
        .into_iter()
        .map(|op| {
            let (tag, old_range, new_range) = op.as_tag_tuple();
            (old_range, new_range, tag == DiffTag::Equal)
        })
        .collect()
}

/// Words and the whitespace between them, as separate tokens.
pub(crate) fn words(text: &str) -> Vec<&str> {
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut in_space = None;
    for (at, c) in text.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|was| was != space) {
            tokens.push(&text[start..at]);
            start = at;
        }
        in_space = Some(space);
    }
    if start < text.len() {
        tokens.push(&text[start..]);
    }
    tokens
}

fn word_and_space_count(text: &str) -> usize {
    text.split_whitespace().count() * 2 + 1
}

/// Compares a changed stretch of lines word by word (or whole, when very long).
fn diff_changed_lines(parts: &mut Vec<DiffPart>, removed: &str, added: &str) {
    if removed.is_empty()
        || added.is_empty()
        || word_and_space_count(removed) + word_and_space_count(added) > MAX_WORD_DIFF_TOKENS
    {
        if !removed.is_empty() {
            push_part(parts, DiffPart::Removed(removed.to_string()));
        }
        if !added.is_empty() {
            push_part(parts, DiffPart::Added(added.to_string()));
        }
        return;
    }
    let (old_words, new_words) = (words(removed), words(added));
    for (old_range, new_range, equal) in compare(&old_words, &new_words) {
        if equal {
            push_part(parts, DiffPart::Same(new_words[new_range].concat()));
        } else {
            push_part(parts, DiffPart::Removed(old_words[old_range].concat()));
            push_part(parts, DiffPart::Added(new_words[new_range].concat()));
        }
    }
}

/// Appends, joining onto the last part when it is the same kind.
fn push_part(parts: &mut Vec<DiffPart>, part: DiffPart) {
    match (parts.last_mut(), &part) {
        (Some(DiffPart::Same(last)), DiffPart::Same(more))
        | (Some(DiffPart::Added(last)), DiffPart::Added(more))
        | (Some(DiffPart::Removed(last)), DiffPart::Removed(more)) => last.push_str(more),
        _ if part.text().is_empty() => {}
        _ => parts.push(part),
    }
}

impl AccountStatus {
    /// The statuses an account may move to from this one, in the order to offer them.
    pub fn next_statuses(self) -> &'static [AccountStatus] {
        use AccountStatus::*;
        match self {
            Draft => &[Sent],
            Sent => &[AmendmentsReceived, Agreed],
            AmendmentsReceived => &[Sent, Agreed],
            Agreed => &[],
        }
    }

    pub fn can_become(self, to: AccountStatus) -> bool {
        self.next_statuses().contains(&to)
    }
}

impl Account {
    /// The latest version: the text as it stands now.
    pub fn current(&self) -> Option<&AccountVersion> {
        self.versions.last()
    }

    pub fn version(&self, number: u32) -> Option<&AccountVersion> {
        self.versions.iter().find(|v| v.number == number)
    }
}

impl StudyData {
    pub fn account(&self, id: Uuid) -> Option<&Account> {
        self.accounts.iter().find(|a| a.id == id)
    }

    pub fn account_for_interview(&self, interview: Uuid) -> Option<&Account> {
        self.accounts.iter().find(|a| a.interview_id == interview)
    }

    fn account_mut(&mut self, id: Uuid) -> Result<&mut Account, ValidationError> {
        self.accounts.iter_mut().find(|a| a.id == id).ok_or(ValidationError::UnknownAccount(id))
    }

    /// Rewrites a draft account from its interview as it is now, after corrections.
    /// Only a draft that was never sent: once the participant has seen a version,
    /// it is never rewritten and changes go in as amendments.
    pub fn refresh_account_draft(&mut self, id: Uuid, now: Timestamp) -> Result<ObjectRef, ValidationError> {
        let account = self.account(id).ok_or(ValidationError::UnknownAccount(id))?;
        if account.status != AccountStatus::Draft || account.versions.len() != 1 {
            return Err(ValidationError::DraftAlreadySent);
        }
        let interview = self
            .interviews
            .iter()
            .find(|i| i.id == account.interview_id)
            .ok_or(ValidationError::UnknownInterview(account.interview_id))?;
        let text = account_text(self, interview);
        let account = self.account_mut(id)?;
        if let Some(first) = account.versions.first_mut() {
            first.text = text;
            first.created = now;
        }
        account.modified = now;
        Ok(ObjectRef::Account(id))
    }

    /// Writes the account of an interview as version 1 (from [`account_text`]), as a
    /// draft. An interview has at most one account; its history holds the rest.
    pub fn create_account(&mut self, interview: Uuid, now: Timestamp) -> Result<Uuid, ValidationError> {
        let Some(found) = self.interviews.iter().find(|i| i.id == interview) else {
            return Err(ValidationError::UnknownInterview(interview));
        };
        if self.account_for_interview(interview).is_some() {
            return Err(ValidationError::AccountExists(interview));
        }
        let text = account_text(self, found);
        let id = Uuid::new_v4();
        self.accounts.push(Account {
            id,
            study_id: self.study.id,
            interview_id: interview,
            created: now,
            modified: now,
            status: AccountStatus::Draft,
            versions: vec![AccountVersion {
                number: 1,
                created: now,
                text,
                note: "Written from the interview notes".to_string(),
            }],
            // The history starts with the draft, so it reads as a complete timeline.
            history: vec![StatusChange { at: now, status: AccountStatus::Draft }],
        });
        Ok(id)
    }

    /// Moves an account on: Draft → Sent → Amendments received ⇄ Sent, and Sent or
    /// Amendments received → Agreed. Anything else is refused; each change is recorded.
    pub fn set_account_status(
        &mut self,
        id: Uuid,
        status: AccountStatus,
        now: Timestamp,
    ) -> Result<ObjectRef, ValidationError> {
        let account = self.account_mut(id)?;
        if !account.status.can_become(status) {
            return Err(ValidationError::AccountStatusChange { from: account.status, to: status });
        }
        account.status = status;
        account.history.push(StatusChange { at: now, status });
        account.modified = now;
        Ok(ObjectRef::Account(id))
    }

    /// Records the participant's amendments as a new version (earlier versions are
    /// never changed) and marks the account "Amendments received". Only once the
    /// account has been sent and before it is agreed; the text must differ from the
    /// current version.
    pub fn record_amendment(
        &mut self,
        id: Uuid,
        new_text: String,
        note: String,
        now: Timestamp,
    ) -> Result<ObjectRef, ValidationError> {
        let text = normalise_line_endings(&new_text);
        let account = self.account_mut(id)?;
        if !matches!(account.status, AccountStatus::Sent | AccountStatus::AmendmentsReceived) {
            return Err(ValidationError::AmendmentNotExpected(account.status));
        }
        if text.trim().is_empty() {
            return Err(ValidationError::EmptyAmendment);
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(ValidationError::TextTooLong { bytes: text.len(), limit: MAX_TEXT_BYTES });
        }
        if account.current().is_some_and(|v| v.text == text) {
            return Err(ValidationError::AmendmentUnchanged);
        }
        let number = account.versions.iter().map(|v| v.number).max().unwrap_or(0).saturating_add(1);
        account.versions.push(AccountVersion { number, created: now, text, note: note.trim().to_string() });
        if account.status != AccountStatus::AmendmentsReceived {
            account.status = AccountStatus::AmendmentsReceived;
            account.history.push(StatusChange { at: now, status: AccountStatus::AmendmentsReceived });
        }
        account.modified = now;
        Ok(ObjectRef::Account(id))
    }
}
