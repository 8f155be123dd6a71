//! Which codes go together: for every two codes, the passages where text coded with
//! one overlaps text coded with the other (or, with `within`, comes within that many
//! characters of it).
//!
//! On each source, each code's coverage is the union of its segments (any coder;
//! segments whose words were removed are left out). A passage is one stretch of the
//! first code's coverage meeting one stretch of the second's: two codes applied to
//! the same segment make one passage, and so does a stretch of one code that two
//! separate stretches of the other overlap twice.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::coding::Anchor;
use crate::coding::sources::SourceRef;
use crate::study::StudyData;

/// Where two codes meet: `start..end` spans both stretches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passage {
    pub source: SourceRef,
    pub start: usize,
    pub end: usize,
}

/// Two codes (in codebook order) and where they meet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cooccurrence {
    pub a: Uuid,
    pub b: Uuid,
    pub passages: Vec<Passage>,
}

impl Cooccurrence {
    /// How many sources the passages are on.
    pub fn sources(&self) -> usize {
        self.passages.iter().map(|p| &p.source).collect::<BTreeSet<_>>().len()
    }
}

fn merged(mut spans: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    spans.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Pairs of stretches, one from each list (sorted and disjoint), that overlap or,
/// when `within` is above 0, are at most `within` characters apart.
fn meetings(xs: &[(usize, usize)], ys: &[(usize, usize)], within: usize) -> Vec<(usize, usize)> {
    // Two stretches meet when each starts before the other's end plus `reach`.
    let reach = if within == 0 { 0 } else { within + 1 };
    let mut out = Vec::new();
    let mut first = 0;
    for &(xs_, xe) in xs {
        // ys before this x (and so before every later x) can be skipped for good.
        while first < ys.len() && ys[first].1 + reach <= xs_ {
            first += 1;
        }
        for &(ys_, ye) in &ys[first..] {
            if ys_ >= xe + reach {
                break;
            }
            out.push((xs_.min(ys_), xe.max(ye)));
        }
    }
    out
}

impl StudyData {
    /// Every two codes that meet somewhere, in codebook order, with their passages.
    pub fn cooccurrence(&self, within: usize) -> Vec<Cooccurrence> {
        let mut covers: BTreeMap<&SourceRef, BTreeMap<Uuid, Vec<(usize, usize)>>> = BTreeMap::new();
        for segment in self.segments.iter().filter(|s| s.anchor != Anchor::Lost && s.start < s.end) {
            let by_code = covers.entry(&segment.source).or_default();
            for coding in &segment.codings {
                by_code.entry(coding.code).or_default().push((segment.start, segment.end));
            }
        }
        let order: BTreeMap<Uuid, usize> = self.codebook().iter().enumerate().map(|(i, (_, c))| (c.id, i)).collect();
        let mut pairs: BTreeMap<(usize, usize), Vec<Passage>> = BTreeMap::new();
        for (source, by_code) in covers {
            let mut codes: Vec<(usize, Vec<(usize, usize)>)> = by_code
                .into_iter()
                .filter_map(|(code, spans)| order.get(&code).map(|&at| (at, merged(spans))))
                .collect();
            codes.sort_by_key(|(at, _)| *at);
            for (i, (a, xs)) in codes.iter().enumerate() {
                for (b, ys) in &codes[i + 1..] {
                    for (start, end) in meetings(xs, ys, within) {
                        pairs.entry((*a, *b)).or_default().push(Passage { source: source.clone(), start, end });
                    }
                }
            }
        }
        let codes = self.codebook();
        pairs
            .into_iter()
            .map(|((a, b), passages)| Cooccurrence { a: codes[a].1.id, b: codes[b].1.id, passages })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stretches_meet_when_they_overlap_or_come_close_enough() {
        let xs = [(0, 10), (20, 30)];
        let ys = [(5, 8), (9, 22), (40, 50)];
        assert_eq!(meetings(&xs, &ys, 0), vec![(0, 10), (0, 22), (9, 30)]);
        assert_eq!(meetings(&[(0, 10)], &[(10, 20)], 0), vec![], "touching is not overlapping");
        assert_eq!(meetings(&[(0, 10)], &[(13, 20)], 3), vec![(0, 20)], "three apart is within 3");
        assert_eq!(meetings(&[(0, 10)], &[(14, 20)], 3), vec![], "four apart is not");
        assert_eq!(meetings(&xs, &ys, 10), vec![(0, 10), (0, 22), (9, 30), (20, 50)]);
    }
}
