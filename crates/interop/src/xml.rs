//! A small element tree read with quick-xml, with limits on depth and size so a
//! hostile file cannot exhaust memory or the stack.

use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::InteropError;

/// Deeper nesting than this is refused (real codebooks nest a handful of levels).
pub const MAX_DEPTH: usize = 200;
/// More elements than this are refused.
pub const MAX_ELEMENTS: usize = 5_000_000;

#[derive(Clone, Debug, Default)]
pub struct El {
    /// The local name, without a namespace prefix.
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<El>,
    pub text: String,
    /// The namespace declared on this element (`xmlns`), if any.
    pub namespace: Option<String>,
}

impl El {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of a child element (e.g. `Description`), if present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name);
    match name.rsplit_once(':') {
        Some((_, local)) => local.to_string(),
        None => name.into_owned(),
    }
}

/// The five entities XML itself names.
pub(crate) fn entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => None,
    }
}

/// Parses a whole document into its root element. `file` names it in messages.
pub fn parse(bytes: &[u8], file: &str) -> Result<El, InteropError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let bad = |message: String| InteropError::Xml { file: file.to_string(), message };
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| bad(format!("{e} (near byte {at})")))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(bad(format!("it has more than {MAX_ELEMENTS} elements")));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(InteropError::TooDeep { file: file.to_string(), limit: MAX_DEPTH });
                }
                if root.is_some() {
                    return Err(bad("there is content after the root element".into()));
                }
                let mut el = El { name: local(e.name().as_ref()), ..El::default() };
                for attr in e.attributes() {
                    let attr = attr.map_err(|e| bad(format!("bad attribute: {e}")))?;
                    let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                    let value =
                        attr.unescape_value().map_err(|e| bad(format!("bad attribute value: {e}")))?.into_owned();
                    if key == "xmlns" {
                        el.namespace = Some(value);
                    } else if key.starts_with("xmlns:") {
                        el.namespace.get_or_insert(value);
                    } else {
                        el.attrs.push((local(key.as_bytes()), value));
                    }
                }
                if matches!(event, Event::Empty(_)) {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| bad("an end tag has no start".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    let text = t.xml10_content().map_err(|e| bad(format!("bad text: {e}")))?;
                    el.text.push_str(&text);
                }
            }
            Event::CData(t) => {
                if let Some(el) = stack.last_mut() {
                    let text = t.decode().map_err(|e| bad(format!("bad text: {e}")))?;
                    el.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                if let Some(el) = stack.last_mut() {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => entity(&String::from_utf8_lossy(r.as_ref())),
                        Err(e) => return Err(bad(format!("bad character reference: {e}"))),
                    };
                    let c =
                        c.ok_or_else(|| bad(format!("unknown entity &{};", String::from_utf8_lossy(r.as_ref()))))?;
                    el.text.push(c);
                }
            }
            Event::DocType(_) => return Err(bad("document type declarations are not accepted".into())),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(bad(format!("the document ends inside <{}>", stack.last().map_or("", |e| e.name.as_str()))));
    }
    root.ok_or_else(|| bad("there is no root element".into()))
}
