//! Text as REFI-QDA files carry it: line endings, byte-order marks, and the units
//! selection positions are counted in.

use std::fmt;

use serde::Serialize;

/// A text with `\r\n` and lone `\r` turned into `\n` and a leading byte-order mark
/// removed, with where each code point of the original went.
pub struct Normalised {
    pub text: String,
    /// For each code-point position 0..=len of the original, the position in `text`.
    /// None when nothing changed (positions are the same).
    map: Option<Vec<usize>>,
}

impl Normalised {
    pub fn of(original: &str) -> Normalised {
        if !original.contains('\r') && !original.starts_with('\u{feff}') {
            return Normalised { text: original.to_string(), map: None };
        }
        let mut text = String::with_capacity(original.len());
        let mut map = Vec::with_capacity(original.len() + 1);
        let mut out = 0usize;
        let mut chars = original.chars().peekable();
        let mut first = true;
        while let Some(c) = chars.next() {
            map.push(out);
            if first && c == '\u{feff}' {
                first = false;
                continue;
            }
            first = false;
            if c == '\r' {
                if chars.peek() == Some(&'\n') {
                    // The `\r` of a pair disappears: it maps to where the `\n` lands.
                    continue;
                }
                text.push('\n');
            } else {
                text.push(c);
            }
            out += 1;
        }
        map.push(out);
        Normalised { text, map: Some(map) }
    }

    /// Where a code-point position of the original text is in the normalised one.
    pub fn position(&self, original: usize) -> usize {
        match &self.map {
            None => original,
            Some(map) => map.get(original).copied().unwrap_or_else(|| map.last().copied().unwrap_or(0)),
        }
    }

    pub fn changed(&self) -> bool {
        self.map.is_some()
    }
}

/// What selection positions in a text source were counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionUnit {
    /// Unicode code points, as the standard says.
    CodePoints,
    /// UTF-16 code units, as .NET and browser-based tools count.
    Utf16,
    /// UTF-8 bytes.
    Utf8Bytes,
}

impl fmt::Display for PositionUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PositionUnit::CodePoints => "Unicode code points (as the standard says)",
            PositionUnit::Utf16 => "UTF-16 code units (as .NET and browser-based programs count)",
            PositionUnit::Utf8Bytes => "UTF-8 bytes",
        })
    }
}

/// The code-point position of every valid position in another unit, for one text.
struct UnitIndex {
    /// For each unit position 0..=len: the code point it starts, or None inside a character.
    to_cp: Vec<Option<usize>>,
}

impl UnitIndex {
    fn new(text: &str, unit: PositionUnit) -> UnitIndex {
        let mut to_cp = Vec::new();
        for (cp, c) in text.chars().enumerate() {
            let width = match unit {
                PositionUnit::CodePoints => 1,
                PositionUnit::Utf16 => c.len_utf16(),
                PositionUnit::Utf8Bytes => c.len_utf8(),
            };
            to_cp.push(Some(cp));
            to_cp.extend(std::iter::repeat_n(None, width - 1));
        }
        to_cp.push(Some(text.chars().count()));
        UnitIndex { to_cp }
    }

    fn convert(&self, position: u64) -> Option<usize> {
        usize::try_from(position).ok().and_then(|p| self.to_cp.get(p).copied().flatten())
    }
}

fn is_word(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// How many selection bounds fall at the edge of a word: a tie-breaker between units
/// that all keep the selections inside the text.
fn word_edges(chars: &[char], spans: &[(usize, usize)]) -> usize {
    spans
        .iter()
        .map(|&(s, e)| {
            let start_ok = !(is_word(chars.get(s)) && s > 0 && is_word(chars.get(s - 1)));
            let end_ok = !(e > 0 && is_word(chars.get(e - 1)) && is_word(chars.get(e)));
            usize::from(start_ok) + usize::from(end_ok)
        })
        .sum()
}

/// Finds the unit in which every `(start, end)` falls on the text (inside it, on
/// character boundaries) and returns the positions in code points. Code points win a
/// tie unless another unit puts clearly more bounds at word edges. None when no
/// unit fits.
pub fn detect_unit(text: &str, positions: &[(u64, u64)]) -> Option<(PositionUnit, Vec<(usize, usize)>, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut fitting: Vec<(PositionUnit, Vec<(usize, usize)>, usize)> = Vec::new();
    let ascii = text.is_ascii();
    for unit in [PositionUnit::CodePoints, PositionUnit::Utf16, PositionUnit::Utf8Bytes] {
        if ascii && unit != PositionUnit::CodePoints {
            break; // every unit counts the same
        }
        let index = UnitIndex::new(text, unit);
        let converted: Option<Vec<(usize, usize)>> = positions
            .iter()
            .map(|&(s, e)| Some((index.convert(s)?, index.convert(e)?)).filter(|(s, e)| s <= e))
            .collect();
        if let Some(spans) = converted {
            if fitting.iter().any(|(_, other, _)| *other == spans) {
                continue; // the same positions: no need to tell the units apart
            }
            let score = word_edges(&chars, &spans);
            fitting.push((unit, spans, score));
        }
    }
    let ambiguous = fitting.len() > 1;
    let best = fitting.iter().map(|f| f.2).max()?;
    let (unit, spans, _) = fitting.into_iter().find(|f| f.2 == best)?;
    Some((unit, spans, ambiguous))
}

/// Characters XML 1.0 cannot carry (controls other than tab, line feed and carriage
/// return) replaced by U+FFFD, so a stray control character cannot break the file.
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let bad =
        |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().any(bad) {
        text.chars().map(|c| if bad(c) { '\u{fffd}' } else { c }).collect::<String>().into()
    } else {
        text.into()
    }
}

pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in xml_safe(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

pub fn escape_attr(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in xml_safe(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bom_map_positions() {
        let n = Normalised::of("\u{feff}ab\r\ncd\re");
        assert_eq!(n.text, "ab\ncd\ne");
        // original: BOM a b \r \n c d \r e
        assert_eq!(n.position(1), 0);
        assert_eq!(n.position(3), 2);
        assert_eq!(n.position(4), 2);
        assert_eq!(n.position(5), 3);
        assert_eq!(n.position(9), 7);
    }

    #[test]
    fn units_are_told_apart() {
        let text = "😀 café au lait";
        // "lait" in code points is 10..14, in UTF-16 11..15, in UTF-8 bytes 14..18.
        assert_eq!(detect_unit(text, &[(10, 14)]).map(|x| x.0), Some(PositionUnit::CodePoints));
        assert_eq!(detect_unit(text, &[(11, 15)]).map(|x| (x.0, x.1)), Some((PositionUnit::Utf16, vec![(10, 14)])));
        assert_eq!(detect_unit(text, &[(14, 18)]).map(|x| (x.0, x.1)), Some((PositionUnit::Utf8Bytes, vec![(10, 14)])));
        assert_eq!(detect_unit(text, &[(3, 40)]), None);
    }
}
