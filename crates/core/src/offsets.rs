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
}
