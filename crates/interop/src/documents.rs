//! Plain text from word-processor files, for transcripts and documents: Word
//! (.docx, Office Open XML), OpenDocument (.odt) and web pages (.html).
//!
//! Each paragraph or heading becomes one line, a line break inside a paragraph a
//! line of its own, a tab a tab; so "Name: text" paragraphs split into speaker turns
//! exactly as a .txt transcript does. What is not the document's current text is
//! left out and said in the import note: deleted tracked changes (inserted ones are
//! kept, as the document now reads), comments, images and other embedded objects.
//!
//! .docx and .odt are read with the zip and quick-xml crates the REFI-QDA exchange
//! already uses. HTML is read by a small tolerant scanner rather than a full HTML5
//! parser (html5ever and its tree would cost far more bytes in the files worker than
//! getting text out of a page needs): tags are dropped, block elements end lines,
//! `script`, `style` and `head` are skipped and character references are decoded.

use std::fmt;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::archive::{Limits, read_zip_within};

/// What kind of file it is, from its name or its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentFormat {
    Docx,
    Odt,
    Html,
}

impl DocumentFormat {
    /// From the file name's extension.
    pub fn from_name(name: &str) -> Option<DocumentFormat> {
        let lower = name.to_lowercase();
        let ext = lower.rsplit('.').next()?;
        match ext {
            "docx" => Some(DocumentFormat::Docx),
            "odt" => Some(DocumentFormat::Odt),
            "html" | "htm" | "xhtml" => Some(DocumentFormat::Html),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentFormat::Docx => "Word document (.docx)",
            DocumentFormat::Odt => "OpenDocument text (.odt)",
            DocumentFormat::Html => "web page (.html)",
        }
    }
}

/// The text read, and what was left out of it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DocumentText {
    pub text: String,
    pub deleted_changes: usize,
    pub inserted_changes: usize,
    pub comments: usize,
    pub images: usize,
}

impl DocumentText {
    /// The import note: one sentence per kind of thing left out or kept; empty when
    /// the file held only text.
    pub fn note(&self) -> Vec<String> {
        let mut note = Vec::new();
        let n = |count: usize, one: &str, many: &str| {
            if count == 1 { format!("1 {one}") } else { format!("{count} {many}") }
        };
        if self.inserted_changes > 0 || self.deleted_changes > 0 {
            note.push(format!(
                "The file has tracked changes: {} kept and {} left out, as the document now reads. Accept or reject them in the word processor to be sure.",
                n(self.inserted_changes, "insertion", "insertions"),
                n(self.deleted_changes, "deletion", "deletions")
            ));
        }
        if self.comments > 0 {
            note.push(format!("{} left out of the text.", n(self.comments, "comment was", "comments were")));
        }
        if self.images > 0 {
            note.push(format!(
                "{} left out: only text is read.",
                n(self.images, "image or embedded object was", "images or embedded objects were")
            ));
        }
        note
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentError {
    /// The file is encrypted with a password.
    Protected(DocumentFormat),
    /// The file is damaged or not what its name says.
    Unreadable { format: DocumentFormat, reason: String },
    /// Not a .docx, .odt or .html file.
    Unsupported(String),
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Protected(format) => write!(
                f,
                "This {} is protected with a password. Save a copy without the password in the word processor, then upload that. Nothing was changed.",
                format.label()
            ),
            DocumentError::Unreadable { format, reason } => write!(
                f,
                "This file cannot be read as a {} ({reason}). It may be damaged; open it in the word processor and save it again. Nothing was changed.",
                format.label()
            ),
            DocumentError::Unsupported(name) => write!(
                f,
                "“{name}” is not a file fieldkit reads text from: use .txt, .md, .docx, .odt or .html. Nothing was changed."
            ),
        }
    }
}

impl std::error::Error for DocumentError {}

/// Word's and OpenDocument's encrypted files are OLE compound files (Word) or carry
/// encryption data in their manifest (OpenDocument).
const OLE_MAGIC: [u8; 8] = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/// A word-processor file holds far less than a REFI-QDA project.
fn limits() -> Limits {
    Limits { max_entries: 10_000, max_unpacked_bytes: 100 * 1024 * 1024 }
}

/// Reads the text of a file by its name's extension.
pub fn read_document(name: &str, bytes: &[u8]) -> Result<DocumentText, DocumentError> {
    let format = DocumentFormat::from_name(name).ok_or_else(|| DocumentError::Unsupported(name.to_string()))?;
    read_document_as(format, bytes)
}

pub fn read_document_as(format: DocumentFormat, bytes: &[u8]) -> Result<DocumentText, DocumentError> {
    let unreadable = |reason: String| DocumentError::Unreadable { format, reason };
    match format {
        DocumentFormat::Html => {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| unreadable("it is not UTF-8 text".into()))?;
            Ok(html_text(&text))
        }
        DocumentFormat::Docx | DocumentFormat::Odt => {
            if bytes.starts_with(&OLE_MAGIC) {
                return Err(DocumentError::Protected(format));
            }
            let files = read_zip_within(bytes, limits()).map_err(|e| unreadable(e.to_string()))?;
            let entry = |wanted: &str| files.entries.iter().find(|(n, _)| n == wanted).map(|(_, b)| b.as_slice());
            if format == DocumentFormat::Docx {
                let body =
                    entry("word/document.xml").ok_or_else(|| unreadable("it has no word/document.xml".into()))?;
                docx_text(body).map_err(unreadable)
            } else {
                if entry("META-INF/manifest.xml").is_some_and(|m| contains(m, b"encryption-data")) {
                    return Err(DocumentError::Protected(format));
                }
                let body = entry("content.xml").ok_or_else(|| unreadable("it has no content.xml".into()))?;
                odt_text(body).map_err(unreadable)
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn local(name: &[u8]) -> &[u8] {
    match name.iter().position(|b| *b == b':') {
        Some(at) => &name[at + 1..],
        None => name,
    }
}

fn attr(e: &BytesStart, wanted: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == wanted)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Lines joined, trailing spaces of each line and blank lines at the ends removed.
fn finish(lines: Vec<String>) -> String {
    let lines: Vec<&str> = lines.iter().map(|l| l.trim_end()).collect();
    let start = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let end = lines.iter().rposition(|l| !l.is_empty()).map(|e| e + 1).unwrap_or(start);
    lines[start..end].join("\n")
}

fn docx_text(xml: &[u8]) -> Result<DocumentText, String> {
    let mut reader = Reader::from_reader(xml);
    let mut out = DocumentText::default();
    let mut lines = vec![String::new()];
    // Depth inside elements whose text is not the document's (deleted text, comments'
    // references, fields' instructions).
    let mut skipping = 0usize;
    let mut in_text = false;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| format!("its text is not well-formed XML: {e}"))?;
        match event {
            Event::Start(e) => match local(e.name().as_ref()) {
                b"del" | b"instrText" | b"delInstrText" => {
                    if local(e.name().as_ref()) == b"del" {
                        out.deleted_changes += 1;
                    }
                    skipping += 1;
                }
                b"ins" => out.inserted_changes += 1,
                b"t" if skipping == 0 => in_text = true,
                b"drawing" | b"pict" | b"object" => out.images += 1,
                _ if skipping > 0 => skipping += 1,
                _ => {}
            },
            Event::Empty(e) => match local(e.name().as_ref()) {
                b"tab" if skipping == 0 => lines.last_mut().map(|l| l.push('\t')).unwrap_or_default(),
                b"br" | b"cr" if skipping == 0 => lines.push(String::new()),
                b"commentReference" => out.comments += 1,
                b"drawing" | b"pict" | b"object" => out.images += 1,
                _ => {}
            },
            Event::End(e) => match local(e.name().as_ref()) {
                _ if skipping > 0 => skipping -= 1,
                b"t" => in_text = false,
                b"p" => lines.push(String::new()),
                _ => {}
            },
            Event::Text(t) if in_text && skipping == 0 => {
                let text = t.decode().map_err(|e| format!("its text is not UTF-8: {e}"))?;
                if let Some(line) = lines.last_mut() {
                    line.push_str(&text);
                }
            }
            Event::GeneralRef(r) if in_text && skipping == 0 => push_reference(&mut lines, &r)?,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out.text = finish(lines);
    Ok(out)
}

fn odt_text(xml: &[u8]) -> Result<DocumentText, String> {
    let mut reader = Reader::from_reader(xml);
    let mut out = DocumentText::default();
    let mut lines = vec![String::new()];
    let mut skipping = 0usize;
    let mut in_body = false;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| format!("its text is not well-formed XML: {e}"))?;
        match event {
            Event::Start(e) => {
                let name = e.name();
                let what = local(name.as_ref());
                match what {
                    b"deletion" => out.deleted_changes += 1,
                    b"insertion" => out.inserted_changes += 1,
                    b"annotation" => out.comments += 1,
                    b"image" | b"object" => out.images += 1,
                    _ => {}
                }
                if name.as_ref() == b"office:text" {
                    in_body = true;
                } else if skipping > 0 || matches!(what, b"tracked-changes" | b"annotation" | b"note-citation") {
                    // Deleted text sits in the tracked-changes list; annotations are comments.
                    skipping += 1;
                }
            }
            Event::Empty(e) => {
                if skipping > 0 || !in_body {
                    continue;
                }
                match local(e.name().as_ref()) {
                    b"tab" => lines.last_mut().map(|l| l.push('\t')).unwrap_or_default(),
                    b"line-break" => lines.push(String::new()),
                    b"s" => {
                        let n = attr(&e, b"text:c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).min(1_000);
                        if let Some(line) = lines.last_mut() {
                            line.push_str(&" ".repeat(n));
                        }
                    }
                    b"image" | b"object" => out.images += 1,
                    _ => {}
                }
            }
            Event::End(e) => {
                let name = e.name();
                match local(name.as_ref()) {
                    _ if skipping > 0 => skipping -= 1,
                    b"text" if name.as_ref() == b"office:text" => in_body = false,
                    b"p" | b"h" if in_body => lines.push(String::new()),
                    _ => {}
                }
            }
            Event::Text(t) if in_body && skipping == 0 => {
                let text = t.decode().map_err(|e| format!("its text is not UTF-8: {e}"))?;
                // OpenDocument collapses white space in text; extra spaces, tabs and
                // breaks are elements of their own.
                if let Some(line) = lines.last_mut() {
                    push_collapsed(line, &text, |c| matches!(c, ' ' | '\n' | '\r' | '\t'));
                }
            }
            Event::GeneralRef(r) if in_body && skipping == 0 => push_reference(&mut lines, &r)?,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    out.text = finish(lines);
    Ok(out)
}

/// A character reference or one of the named ones XML and HTML share most.
fn reference(name: &str) -> Option<char> {
    if let Some(c) = crate::xml::entity(name) {
        return Some(c);
    }
    match name {
        "nbsp" => Some('\u{a0}'),
        "ndash" => Some('–'),
        "mdash" => Some('—'),
        "lsquo" => Some('‘'),
        "rsquo" => Some('’'),
        "ldquo" => Some('“'),
        "rdquo" => Some('”'),
        "hellip" => Some('…'),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code).filter(|c| *c != '\0')
        }
    }
}

/// Elements that end a line of text.
const HTML_BLOCKS: [&str; 24] = [
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "table",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dd",
    "dt",
    "hr",
    "figcaption",
];

/// Elements whose content is not text to read.
const HTML_SKIPPED: [&str; 6] = ["script", "style", "head", "template", "noscript", "svg"];

fn html_text(html: &str) -> DocumentText {
    let mut out = DocumentText::default();
    let mut lines = vec![String::new()];
    let mut skipping: Option<String> = None;
    let mut pre = 0usize;
    let mut rest = html;
    while !rest.is_empty() {
        let Some(open) = rest.find('<') else {
            if skipping.is_none() {
                push_html_text(&mut lines, rest, pre > 0);
            }
            break;
        };
        if skipping.is_none() {
            push_html_text(&mut lines, &rest[..open], pre > 0);
        }
        rest = &rest[open..];
        // Comments and declarations.
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map(|e| &after[e + 3..]).unwrap_or("");
            continue;
        }
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if let Some(skipped) = &skipping {
            if closing && name == *skipped {
                skipping = None;
            }
            continue;
        }
        if !closing && HTML_SKIPPED.contains(&name.as_str()) && !tag.ends_with('/') {
            skipping = Some(name);
            continue;
        }
        match name.as_str() {
            "img" | "object" | "embed" | "iframe" | "video" | "audio" if !closing => out.images += 1,
            "pre" => {
                if closing {
                    pre = pre.saturating_sub(1)
                } else {
                    pre += 1
                }
            }
            _ => {}
        }
        if HTML_BLOCKS.contains(&name.as_str()) && lines.last().is_some_and(|l| !l.trim().is_empty()) {
            lines.push(String::new());
        }
    }
    out.text = finish(lines);
    out
}

/// Text between tags: references decoded; outside `pre`, runs of white space are one
/// space, as a browser shows them.
fn push_html_text(lines: &mut Vec<String>, raw: &str, pre: bool) {
    let mut decoded = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match after.find(';').filter(|e| *e <= 10).and_then(|e| reference(&after[..e]).map(|c| (c, e))) {
            Some((c, e)) => {
                decoded.push(c);
                rest = &after[e + 1..];
            }
            None => {
                decoded.push('&');
                rest = after;
            }
        }
    }
    decoded.push_str(rest);
    if pre {
        let mut parts = decoded.split('\n');
        if let (Some(first), Some(line)) = (parts.next(), lines.last_mut()) {
            line.push_str(first);
        }
        for part in parts {
            lines.push(part.to_string());
        }
        return;
    }
    let Some(line) = lines.last_mut() else { return };
    // A line's first characters never start with a space.
    let start = line.is_empty();
    if start {
        push_collapsed(line, decoded.trim_start_matches(|c: char| c.is_whitespace() && c != '\u{a0}'), |c| {
            c.is_whitespace() && c != '\u{a0}'
        });
    } else {
        push_collapsed(line, &decoded, |c| c.is_whitespace() && c != '\u{a0}');
    }
}

/// Appends `text` with each run of the characters `space` accepts written as one
/// space (none where the line already ends with one).
fn push_collapsed(line: &mut String, text: &str, space: impl Fn(char) -> bool) {
    let mut last_space = line.ends_with(' ');
    for c in text.chars() {
        if space(c) {
            if !last_space {
                line.push(' ');
                last_space = true;
            }
        } else {
            line.push(c);
            last_space = false;
        }
    }
}

/// A character reference (`&amp;`, `&#233;`) at the end of the current line.
fn push_reference(lines: &mut [String], r: &quick_xml::events::BytesRef) -> Result<(), String> {
    if let Some(c) = reference(&r.decode().map_err(|e| e.to_string())?)
        && let Some(line) = lines.last_mut()
    {
        line.push(c);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_blocks_end_lines_and_scripts_are_skipped() {
        let page = "<html><head><title>x</title><style>p{}</style></head><body><h1>Visit</h1>\
                    <p>Rowan:   we&nbsp;met at the <b>hall</b>.</p><script>alert(1)</script>\
                    <p>Interviewer: how&#x2019;s it going?<br>Second line &amp; more</p><img src=a.png></body></html>";
        let d = html_text(page);
        assert_eq!(d.text, "Visit\nRowan: we\u{a0}met at the hall.\nInterviewer: how’s it going?\nSecond line & more");
        assert_eq!(d.images, 1);
    }

    #[test]
    fn references_decode_or_stay_as_typed() {
        assert_eq!(reference("#233"), Some('é'));
        assert_eq!(reference("#x1F33F"), Some('🌿'));
        assert_eq!(reference("#0"), None);
        assert_eq!(html_text("a &unknown; b & c").text, "a &unknown; b & c");
    }
}
