//! Keeping coded segments on the same words when a source's text is edited (a
//! corrected transcript, notes amended after member checking).
//!
//! The old and new texts are compared line by line and then, inside changed
//! lines, word by word (the same diff as the account comparison). A position in
//! unchanged text moves with it exactly. A segment whose words are all still
//! there, unchanged, is placed on them; one whose bounds survive but whose words
//! were partly changed is kept on the changed stretch and marked for review; one
//! whose words were all removed is marked lost. Nothing is ever moved silently
//! onto other words.

use std::ops::Range;

use crate::fieldwork::account::{compare, words};
use crate::offsets::boundaries;

/// Changed stretches longer than this many words and spaces are treated as replaced
/// whole rather than compared word by word, so a rewrite never stalls a tablet.
const MAX_WORD_DIFF_TOKENS: usize = 8_000;

/// Where a span of the old text lies in the new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// The same words, at `start..end` of the new text.
    Placed { start: usize, end: usize },
    /// Some words inside were changed; the changed stretch is `start..end`.
    NeedsReview { start: usize, end: usize },
    /// Every word was removed; they were at `at`.
    Lost { at: usize },
}

/// One stretch of the comparison, in code points of the old and new texts.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Op {
    old: Range<usize>,
    new: Range<usize>,
    equal: bool,
    /// The old text here is only whitespace: keeping it does not keep any words.
    blank: bool,
}

/// The correspondence between an old and a new version of a text.
pub struct TextMap {
    ops: Vec<Op>,
    old_len: usize,
    new_len: usize,
}

fn cp_len(parts: &[&str]) -> usize {
    parts.iter().map(|p| p.chars().count()).sum()
}

impl TextMap {
    pub fn new(old: &str, new: &str) -> TextMap {
        let old_lines: Vec<&str> = old.split_inclusive('\n').collect();
        let new_lines: Vec<&str> = new.split_inclusive('\n').collect();
        let mut ops = Vec::new();
        let (mut o, mut n) = (0usize, 0usize);
        let push = |ops: &mut Vec<Op>, o: &mut usize, n: &mut usize, old: &[&str], new: &[&str], equal: bool| {
            let (old_len, new_len) = (cp_len(old), cp_len(new));
            if old_len == 0 && new_len == 0 {
                return;
            }
            let blank = old.iter().all(|t| t.trim().is_empty());
            ops.push(Op { old: *o..*o + old_len, new: *n..*n + new_len, equal, blank });
            *o += old_len;
            *n += new_len;
        };
        for (old_range, new_range, equal) in compare(&old_lines, &new_lines) {
            let removed = &old_lines[old_range];
            let added = &new_lines[new_range];
            if equal {
                push(&mut ops, &mut o, &mut n, removed, added, true);
                continue;
            }
            let (removed, added) = (removed.concat(), added.concat());
            let tokens = removed.split_whitespace().count() * 2 + added.split_whitespace().count() * 2 + 2;
            if removed.is_empty() || added.is_empty() || tokens > MAX_WORD_DIFF_TOKENS {
                push(&mut ops, &mut o, &mut n, &[removed.as_str()], &[added.as_str()], false);
                continue;
            }
            let (old_words, new_words) = (words(&removed), words(&added));
            for (ow, nw, equal) in compare(&old_words, &new_words) {
                push(&mut ops, &mut o, &mut n, &old_words[ow], &new_words[nw], equal);
            }
        }
        TextMap { ops, old_len: o, new_len: n }
    }

    /// Where a span's start goes: exactly, inside unchanged text; else to the start
    /// of what replaced the changed stretch it was in.
    fn map_start(&self, s: usize) -> usize {
        let i = self.ops.partition_point(|op| op.old.end <= s);
        match self.ops.get(i) {
            Some(op) if op.equal => op.new.start + (s - op.old.start),
            Some(op) => op.new.start,
            None => self.new_len,
        }
    }

    /// Where a span's end goes (exclusive): exactly, or to the end of the replacement.
    fn map_end(&self, e: usize) -> usize {
        if e == 0 {
            return 0;
        }
        let i = self.ops.partition_point(|op| op.old.end < e);
        match self.ops.get(i) {
            Some(op) if op.equal => op.new.start + (e - op.old.start),
            Some(op) => op.new.end,
            None => self.new_len,
        }
    }

    /// How many code points of `s..e` lie in unchanged text other than whitespace.
    fn kept(&self, s: usize, e: usize) -> usize {
        let first = self.ops.partition_point(|op| op.old.end <= s);
        self.ops[first.min(self.ops.len())..]
            .iter()
            .take_while(|op| op.old.start < e)
            .filter(|op| op.equal && !op.blank)
            .map(|op| op.old.end.min(e).saturating_sub(op.old.start.max(s)))
            .sum()
    }
}

/// Where each span (code points `start..end` of `old`) lies in `new`. A span is
/// [`Placement::Placed`] only when the new text there is exactly the old text.
pub fn reanchor(old: &str, new: &str, spans: &[(usize, usize)]) -> Vec<Placement> {
    let map = TextMap::new(old, new);
    let (old_at, new_at) = (boundaries(old), boundaries(new));
    let slice = |text: &str, table: &[usize], s: usize, e: usize| -> Option<String> {
        Some(text.get(*table.get(s)?..*table.get(e)?)?.to_string())
    };
    spans
        .iter()
        .map(|&(s, e)| {
            let (s, e) = (s.min(map.old_len), e.min(map.old_len));
            let (ms, me) = (map.map_start(s), map.map_end(e).max(map.map_start(s)));
            if s >= e || ms >= me || map.kept(s, e) == 0 {
                return Placement::Lost { at: ms.min(me) };
            }
            if slice(old, &old_at, s, e) == slice(new, &new_at, ms, me) {
                Placement::Placed { start: ms, end: me }
            } else {
                Placement::NeedsReview { start: ms, end: me }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unchanged_text_keeps_everything() {
        let text = "one two three\nfour five";
        assert_eq!(
            reanchor(text, text, &[(4, 7), (14, 18)]),
            [Placement::Placed { start: 4, end: 7 }, Placement::Placed { start: 14, end: 18 }]
        );
    }

    #[test]
    fn insertion_before_shifts_onto_the_same_words() {
        let old = "The council helped.";
        let new = "In 2016 the council helped.";
        // "council"
        assert_eq!(reanchor(old, new, &[(4, 11)]), [Placement::Placed { start: 12, end: 19 }]);
    }

    #[test]
    fn changed_word_inside_needs_review_and_removed_words_are_lost() {
        let old = "alpha beta gamma delta";
        let new = "alpha BETA gamma";
        let got = reanchor(old, new, &[(0, 16), (17, 22), (6, 10)]);
        assert_eq!(got[0], Placement::NeedsReview { start: 0, end: 16 });
        assert!(matches!(got[1], Placement::Lost { .. }), "{got:?}");
        assert!(matches!(got[2], Placement::Lost { .. } | Placement::NeedsReview { .. }), "{got:?}");
    }
}
