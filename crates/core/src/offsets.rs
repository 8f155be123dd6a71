//! Positions in text, as stored by the coding workspace: **Unicode code points**
//! (Rust `char`s), counted from the start of the source text. That is what
//! REFI-QDA's plain-text selections use, and it does not depend on how a program
//! stores strings. Browsers count UTF-16 code units instead (an emoji outside the
//! Basic Multilingual Plane is two of them), so the UI converts at the edge with
//! [`utf16_to_code_points`] and [`code_points_to_utf16`].
//!
//! A combining accent (`w` + U+0302 for a decomposed `ŵ`) is a code point of its
//! own; an emoji sequence joined with U+200D or a flag (two regional indicators)
//! is several. Positions are never silently normalised: the text is coded as it
//! is stored.

use std::ops::Range;

/// The number of code points in `text`.
pub fn code_point_len(text: &str) -> usize {
    text.chars().count()
}

/// The code-point position of a UTF-16 offset. An offset in the middle of a
/// surrogate pair counts as the start of that character; one past the end of the
/// text counts as its end.
pub fn utf16_to_code_points(text: &str, utf16_offset: usize) -> usize {
    let mut units = 0usize;
    for (at, c) in text.chars().enumerate() {
        let next = units + c.len_utf16();
        if utf16_offset < next {
            return at;
        }
        units = next;
    }
    code_point_len(text)
}

/// The UTF-16 offset of a code-point position (clamped to the end of the text).
pub fn code_points_to_utf16(text: &str, code_point: usize) -> usize {
    text.chars().take(code_point).map(char::len_utf16).sum()
}

/// [`code_points_to_utf16`] for many positions of one text in a single pass (for
/// drawing a source's highlights in the browser). Positions may come in any order;
/// those past the end give the text's UTF-16 length.
pub fn code_points_to_utf16_many(text: &str, positions: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|i| positions[*i]);
    let mut out = vec![0; positions.len()];
    let mut chars = text.chars();
    let (mut cp, mut units) = (0usize, 0usize);
    for i in order {
        while cp < positions[i] {
            match chars.next() {
                Some(c) => {
                    units += c.len_utf16();
                    cp += 1;
                }
                None => break,
            }
        }
        out[i] = units;
    }
    out
}

/// The byte offset of a code-point position, or None past the end of the text.
pub fn byte_offset(text: &str, code_point: usize) -> Option<usize> {
    if code_point == 0 {
        return Some(0);
    }
    let mut seen = 0usize;
    for (byte, _) in text.char_indices() {
        if seen == code_point {
            return Some(byte);
        }
        seen += 1;
    }
    (seen == code_point).then_some(text.len())
}

/// The byte range of code points `start..end`, or None when it is reversed or
/// reaches past the end of the text.
pub fn byte_range(text: &str, start: usize, end: usize) -> Option<Range<usize>> {
    if start > end {
        return None;
    }
    let from = byte_offset(text, start)?;
    let to = from + byte_offset(&text[from..], end - start)?;
    Some(from..to)
}

/// The text between code points `start` and `end`, or None when out of range.
pub fn slice_code_points(text: &str, start: usize, end: usize) -> Option<&str> {
    byte_range(text, start, end).map(|r| &text[r])
}

/// Code-point offsets of every character boundary: `table[i]` is the byte offset of
/// code point `i`, and the last entry is the text's length in bytes. For converting
/// many positions in one text at once.
pub fn boundaries(text: &str) -> Vec<usize> {
    let mut table: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
    table.push(text.len());
    table
}

/// Byte offsets of every [`CodePointIndex::STEP`]th code point of a text, so that
/// many positions in one long text (a transcript with hundreds of segments) are
/// found without walking it from the start each time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CodePointIndex {
    checkpoints: Vec<usize>,
    len: usize,
}

impl CodePointIndex {
    pub const STEP: usize = 64;

    pub fn new(text: &str) -> CodePointIndex {
        let mut checkpoints = Vec::with_capacity(text.len() / Self::STEP + 1);
        let mut len = 0;
        // Bytes rather than chars: a code point starts at every byte that is not a
        // continuation byte (0b10xxxxxx), and a byte loop is several times quicker.
        for (byte, b) in text.bytes().enumerate() {
            if (b & 0xC0) != 0x80 {
                if len % Self::STEP == 0 {
                    checkpoints.push(byte);
                }
                len += 1;
            }
        }
        CodePointIndex { checkpoints, len }
    }

    /// The number of code points in the text.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The byte offset of a code point of `text` (the text the index was made from).
    pub fn byte_offset(&self, text: &str, code_point: usize) -> Option<usize> {
        if code_point > self.len {
            return None;
        }
        let from = *self.checkpoints.get(code_point / Self::STEP).unwrap_or(&text.len());
        let rest = text.get(from..)?;
        byte_offset(rest, code_point % Self::STEP).map(|b| from + b)
    }

    /// [`slice_code_points`] using the index.
    pub fn slice<'t>(&self, text: &'t str, start: usize, end: usize) -> Option<&'t str> {
        if start > end {
            return None;
        }
        text.get(self.byte_offset(text, start)?..self.byte_offset(text, end)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_the_same_in_every_unit() {
        let text = "hello";
        assert_eq!(utf16_to_code_points(text, 3), 3);
        assert_eq!(code_points_to_utf16(text, 3), 3);
        assert_eq!(slice_code_points(text, 1, 4), Some("ell"));
        assert_eq!(slice_code_points(text, 4, 6), None);
        assert_eq!(slice_code_points(text, 3, 2), None);
        assert_eq!(slice_code_points(text, 5, 5), Some(""));
    }

    #[test]
    fn the_index_agrees_with_walking_the_text() {
        let text: String = "Tŷ 👩🏽‍⚕️ cafe\u{301} مرحبا ".repeat(40);
        let index = CodePointIndex::new(&text);
        let n = code_point_len(&text);
        assert_eq!(index.len(), n);
        for start in (0..=n).step_by(7) {
            for end in [start, start + 1, start + 70, n, n + 1] {
                assert_eq!(index.slice(&text, start, end), slice_code_points(&text, start, end), "{start}..{end}");
            }
        }
        assert_eq!(CodePointIndex::new("").slice("", 0, 0), Some(""));
        let many = code_points_to_utf16_many(&text, &[n + 5, 3, 0, n, 40]);
        assert_eq!(many, [n + 5, 3, 0, n, 40].map(|p| code_points_to_utf16(&text, p)));
    }
}
