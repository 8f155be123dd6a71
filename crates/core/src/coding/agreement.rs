//! Agreement between coders who coded the same sources: per code and source, and
//! per code over all the sources compared, counted over characters.
//!
//! Each character of a source is a unit; for one code, each coder either coded
//! it (a segment of theirs with that code covers it) or did not.
//! - **Percentage agreement** (two coders): characters both coded plus characters
//!   neither coded, over all characters, as NVivo's coding comparison counts.
//! - **Cohen's kappa** (two coders): `(po − pe) / (1 − pe)` on the same counts,
//!   with `pe` from each coder's share of coded characters. When `pe` is 1 (both
//!   coded everything, or nothing) the coders agree fully and kappa is 1, as NVivo
//!   reports it.
//! - **Krippendorff's alpha** (two or more coders): the nominal alpha with every
//!   character as a unit and each coder's value coded / not coded, which is the
//!   character-level form of alpha for unitized data on one code. Undefined (None)
//!   when no character varies at all.
//!
//! The sources compared are those picked, or by default every source that each
//! chosen coder coded something in (a source only one of them was given says
//! nothing about agreement). Segments whose words were removed are left out.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use crate::coding::Anchor;
use crate::coding::sources::SourceRef;
use crate::study::StudyData;

/// What to compare.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgreementQuery {
    /// Two or more coders, by user name.
    pub coders: Vec<String>,
    /// None: every source that each coder coded something in.
    pub sources: Option<BTreeSet<SourceRef>>,
    /// None: every code that one of the coders applied.
    pub codes: Option<BTreeSet<Uuid>>,
}

/// Character counts and coefficients for one code on one source (or over all the
/// sources compared).
#[derive(Clone, Debug, PartialEq)]
pub struct AgreementFigures {
    pub chars_total: usize,
    /// Characters each coder coded, in the order of [`AgreementQuery::coders`].
    pub chars_by_coder: Vec<usize>,
    /// Characters every coder coded.
    pub chars_all: usize,
    /// Characters no coder coded.
    pub chars_none: usize,
    /// Every pair of coders, (0, 1), (0, 2) … (1, 2) …: the first is the first two.
    pub pairs: Vec<PairFigures>,
    /// All the coders.
    pub alpha: Option<f64>,
}

/// Two coders' figures: indexes into [`AgreementQuery::coders`].
#[derive(Clone, Debug, PartialEq)]
pub struct PairFigures {
    pub a: usize,
    pub b: usize,
    /// Characters both coded.
    pub chars_both: usize,
    /// Percentage agreement, 0 to 100.
    pub agreement_pct: Option<f64>,
    pub kappa: Option<f64>,
}

impl AgreementFigures {
    /// The first two coders' figures.
    pub fn first_pair(&self) -> Option<&PairFigures> {
        self.pairs.first()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgreementRow {
    pub code: Uuid,
    /// None: the overall row of the code.
    pub source: Option<SourceRef>,
    pub figures: AgreementFigures,
}

/// A stretch of a source that some of the coders coded with a code and others did not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disagreement {
    pub code: Uuid,
    pub source: SourceRef,
    /// Code-point offsets, `start < end`.
    pub start: usize,
    pub end: usize,
    /// Who coded it (the others did not).
    pub coded_by: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Agreement {
    pub coders: Vec<String>,
    /// The sources compared, in a stable order.
    pub sources: Vec<SourceRef>,
    /// Per code (in codebook order): its overall row first, then one row per source
    /// where one of the coders applied it.
    pub rows: Vec<AgreementRow>,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AgreementError {
    #[error("Pick at least two coders to compare.")]
    TooFewCoders,
    #[error("Compare at most {max} coders at a time.")]
    TooManyCoders { max: usize },
    #[error("Nobody called “{0}” coded anything in this study.")]
    UnknownCoder(String),
}

/// Coders compared at once: a character's coders are kept as bits of a `u32`.
pub const MAX_CODERS: usize = 32;

/// Cohen's kappa for two raters over `total` units from the four cells of their
/// table: both yes, only the first, only the second (the rest are both no). NVivo's
/// convention for full agreement by chance: 1.
pub fn cohen_kappa(total: u64, both: u64, first_only: u64, second_only: u64) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let n = total as f64;
    let neither = total.saturating_sub(both + first_only + second_only) as f64;
    let observed = (both as f64 + neither) / n;
    let first = (both + first_only) as f64 / n;
    let second = (both + second_only) as f64 / n;
    let chance = first * second + (1.0 - first) * (1.0 - second);
    if (1.0 - chance).abs() < 1e-12 {
        return Some(1.0);
    }
    Some((observed - chance) / (1.0 - chance))
}

/// Krippendorff's alpha for nominal values. Each unit is the values the coders gave
/// it (missing ones left out) and how many times the unit occurs; units with fewer
/// than two values are not pairable and do not count. None when there is no
/// variation at all (alpha is undefined).
pub fn krippendorff_alpha_nominal<'a>(units: impl IntoIterator<Item = (&'a [u32], u64)>) -> Option<f64> {
    // Coincidences o[c][k], as sums of weights.
    let mut coincidences: BTreeMap<(u32, u32), f64> = BTreeMap::new();
    for (values, weight) in units {
        let m = values.len();
        if m < 2 || weight == 0 {
            continue;
        }
        let mut counts: BTreeMap<u32, f64> = BTreeMap::new();
        for v in values {
            *counts.entry(*v).or_default() += 1.0;
        }
        let w = weight as f64 / (m as f64 - 1.0);
        for (&c, &nc) in &counts {
            for (&k, &nk) in &counts {
                let pairs = if c == k { nc * (nc - 1.0) } else { nc * nk };
                *coincidences.entry((c, k)).or_default() += w * pairs;
            }
        }
    }
    let mut marginals: BTreeMap<u32, f64> = BTreeMap::new();
    for (&(c, _), &o) in &coincidences {
        *marginals.entry(c).or_default() += o;
    }
    let n: f64 = marginals.values().sum();
    if n <= 1.0 {
        return None;
    }
    let observed: f64 = coincidences.iter().filter(|((c, k), _)| c != k).map(|(_, o)| o).sum();
    let mut expected = 0.0;
    for (&c, &nc) in &marginals {
        for (&k, &nk) in &marginals {
            if c != k {
                expected += nc * nk;
            }
        }
    }
    expected /= n - 1.0;
    if expected <= 0.0 {
        return None;
    }
    Some(1.0 - observed / expected)
}

/// One coder's coverage of a source with one code: sorted, disjoint `start..end`.
type Cover = Vec<(usize, usize)>;

fn merged(mut spans: Vec<(usize, usize)>) -> Cover {
    spans.sort_unstable();
    let mut out: Cover = Vec::with_capacity(spans.len());
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Characters of `0..len` by which coders cover them: runs of (start, end, bits).
fn runs(covers: &[Cover], len: usize) -> Vec<(usize, usize, u32)> {
    let mut edges: Vec<(usize, u32, bool)> = Vec::new();
    for (i, cover) in covers.iter().enumerate() {
        for &(s, e) in cover {
            edges.push((s, 1 << i, true));
            edges.push((e, 1 << i, false));
        }
    }
    edges.sort_unstable_by_key(|&(at, _, _)| at);
    let mut out = Vec::new();
    let mut mask = 0u32;
    let mut at = 0;
    let mut i = 0;
    while i < edges.len() {
        let position = edges[i].0.min(len);
        if position > at {
            out.push((at, position, mask));
            at = position;
        }
        while i < edges.len() && edges[i].0.min(len) == position {
            let (_, bit, opens) = edges[i];
            if opens {
                mask |= bit
            } else {
                mask &= !bit
            }
            i += 1;
        }
    }
    if len > at {
        out.push((at, len, mask));
    }
    out
}

/// Running character counts by which coders coded them.
#[derive(Clone, Debug, Default)]
struct Tally {
    total: usize,
    /// Characters by the set of coders that coded them (bit i: coder i).
    by_mask: BTreeMap<u32, usize>,
}

impl Tally {
    fn add(&mut self, runs: &[(usize, usize, u32)]) {
        for &(s, e, mask) in runs {
            self.total += e - s;
            *self.by_mask.entry(mask).or_default() += e - s;
        }
    }

    fn add_uncoded(&mut self, chars: usize) {
        self.total += chars;
        *self.by_mask.entry(0).or_default() += chars;
    }

    fn figures(&self, coders: usize) -> AgreementFigures {
        let full = if coders >= 32 { u32::MAX } else { (1u32 << coders) - 1 };
        let count =
            |f: &dyn Fn(u32) -> bool| self.by_mask.iter().filter(|(m, _)| f(**m)).map(|(_, n)| *n).sum::<usize>();
        let total = self.total as u64;
        let mut pairs = Vec::new();
        for a in 0..coders {
            for b in a + 1..coders {
                let (bit_a, bit_b) = (1u32 << a, 1u32 << b);
                let both = count(&|m| m & bit_a != 0 && m & bit_b != 0) as u64;
                let a_only = count(&|m| m & bit_a != 0 && m & bit_b == 0) as u64;
                let b_only = count(&|m| m & bit_a == 0 && m & bit_b != 0) as u64;
                pairs.push(PairFigures {
                    a,
                    b,
                    chars_both: both as usize,
                    agreement_pct: (total > 0).then(|| 100.0 * (total - a_only - b_only) as f64 / total as f64),
                    kappa: cohen_kappa(total, both, a_only, b_only),
                });
            }
        }
        let patterns: Vec<(Vec<u32>, u64)> =
            self.by_mask.iter().map(|(&mask, &n)| ((0..coders).map(|i| (mask >> i) & 1).collect(), n as u64)).collect();
        AgreementFigures {
            chars_total: self.total,
            chars_by_coder: (0..coders).map(|i| count(&|m| m & (1 << i) != 0)).collect(),
            chars_all: count(&|m| m & full == full),
            chars_none: count(&|m| m & full == 0),
            pairs,
            alpha: krippendorff_alpha_nominal(patterns.iter().map(|(v, n)| (v.as_slice(), *n))),
        }
    }
}

impl StudyData {
    /// The coders who applied at least one code, by user name, in name order.
    pub fn coders(&self) -> Vec<String> {
        let names: BTreeSet<&str> = self.segments.iter().flat_map(|s| &s.codings).map(|c| c.coder.as_str()).collect();
        names.into_iter().map(String::from).collect()
    }

    /// Agreement between the coders of `query` (see the module's note for how).
    pub fn agreement(&self, query: &AgreementQuery) -> Result<Agreement, AgreementError> {
        let coders = &query.coders;
        if coders.len() < 2 {
            return Err(AgreementError::TooFewCoders);
        }
        if coders.len() > MAX_CODERS {
            return Err(AgreementError::TooManyCoders { max: MAX_CODERS });
        }
        let known = self.coders();
        if let Some(unknown) = coders.iter().find(|c| !known.contains(c)) {
            return Err(AgreementError::UnknownCoder(unknown.clone()));
        }
        let index: BTreeMap<&str, usize> = coders.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        // Spans by (code, source) and coder; and which sources each coder coded in.
        let mut spans: BTreeMap<(Uuid, &SourceRef), Vec<Vec<(usize, usize)>>> = BTreeMap::new();
        let mut coded_in: BTreeMap<&SourceRef, u32> = BTreeMap::new();
        for segment in self.segments.iter().filter(|s| s.anchor != Anchor::Lost && s.start < s.end) {
            for coding in &segment.codings {
                let Some(&i) = index.get(coding.coder.as_str()) else { continue };
                *coded_in.entry(&segment.source).or_default() |= 1 << i;
                if query.codes.as_ref().is_some_and(|codes| !codes.contains(&coding.code)) {
                    continue;
                }
                let by_coder =
                    spans.entry((coding.code, &segment.source)).or_insert_with(|| vec![vec![]; coders.len()]);
                by_coder[i].push((segment.start, segment.end));
            }
        }
        let everyone = (1u32 << coders.len()) - 1;
        let sources: Vec<SourceRef> = match &query.sources {
            Some(picked) => picked.iter().filter(|s| self.source_text(s).is_some()).cloned().collect(),
            None => coded_in.iter().filter(|(_, mask)| **mask == everyone).map(|(s, _)| (*s).clone()).collect(),
        };
        let lengths: BTreeMap<&SourceRef, usize> =
            sources.iter().map(|s| (s, self.source_text(s).map(|t| t.chars().count()).unwrap_or(0))).collect();
        let all_chars: usize = lengths.values().sum();

        let mut by_code: BTreeMap<Uuid, Vec<(SourceRef, Tally)>> = BTreeMap::new();
        let mut disagreements = Vec::new();
        for ((code, source), by_coder) in spans {
            let Some(&len) = lengths.get(source) else { continue };
            let covers: Vec<Cover> = by_coder.into_iter().map(merged).collect();
            let runs = runs(&covers, len);
            for &(start, end, mask) in &runs {
                if mask != 0 && mask != everyone {
                    let coded_by =
                        (0..coders.len()).filter(|i| mask & (1 << i) != 0).map(|i| coders[i].clone()).collect();
                    match disagreements.last_mut() {
                        // Runs of the same coders that touch are one passage.
                        Some(Disagreement { code: c, source: s, end: e, coded_by: who, .. })
                            if *c == code && s == source && *e == start && *who == coded_by =>
                        {
                            *e = end
                        }
                        _ => disagreements.push(Disagreement { code, source: source.clone(), start, end, coded_by }),
                    }
                }
            }
            let mut tally = Tally::default();
            tally.add(&runs);
            by_code.entry(code).or_default().push((source.clone(), tally));
        }
        let order: BTreeMap<Uuid, usize> = self.codebook().iter().enumerate().map(|(i, (_, c))| (c.id, i)).collect();
        let mut codes: Vec<Uuid> = by_code.keys().copied().filter(|c| order.contains_key(c)).collect();
        codes.sort_by_key(|c| order.get(c).copied().unwrap_or(usize::MAX));
        let mut rows = Vec::new();
        for code in codes {
            let per_source = by_code.remove(&code).unwrap_or_default();
            let mut overall = Tally::default();
            for (_, tally) in &per_source {
                for (&mask, &n) in &tally.by_mask {
                    *overall.by_mask.entry(mask).or_default() += n;
                }
                overall.total += tally.total;
            }
            // Sources compared where nobody applied the code: every character agrees on "not coded".
            overall.add_uncoded(all_chars - overall.total);
            rows.push(AgreementRow { code, source: None, figures: overall.figures(coders.len()) });
            for (source, tally) in per_source {
                rows.push(AgreementRow { code, source: Some(source), figures: tally.figures(coders.len()) });
            }
        }
        disagreements.retain(|d| order.contains_key(&d.code));
        Ok(Agreement { coders: coders.clone(), sources, rows, disagreements })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 5e-4)
    }

    /// The worked example of Cohen's kappa in Wikipedia's article "Cohen's kappa"
    /// (50 proposals, 20 both yes, 5 only A, 10 only B, 15 both no): po 0.7, pe 0.5,
    /// kappa 0.4.
    #[test]
    fn kappa_reproduces_the_published_worked_example() {
        assert!(close(cohen_kappa(50, 20, 5, 10), 0.4));
    }

    /// By hand: 100 units, 10 both, 10 only the first, none only the second:
    /// po = 0.9, p1 = 0.2, p2 = 0.1, pe = 0.02 + 0.72 = 0.74, kappa = 0.16 / 0.26.
    #[test]
    fn kappa_by_hand_and_at_the_edges() {
        assert!(close(cohen_kappa(100, 10, 10, 0), 0.16 / 0.26));
        assert_eq!(cohen_kappa(0, 0, 0, 0), None);
        assert_eq!(cohen_kappa(40, 0, 0, 0), Some(1.0), "nobody coded anything: full agreement");
        assert_eq!(cohen_kappa(40, 40, 0, 0), Some(1.0), "both coded everything");
        assert!(close(cohen_kappa(40, 0, 20, 20), -1.0), "each coded what the other did not");
    }

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the
    /// example with four observers, twelve units and missing values: nominal alpha
    /// 0.743.
    #[test]
    fn alpha_reproduces_krippendorffs_worked_example() {
        let m = None;
        let table: [[Option<u32>; 12]; 4] = [
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), m, m, m],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), m, Some(3)],
            [m, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), m],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), m],
        ];
        let units: Vec<Vec<u32>> = (0..12).map(|u| table.iter().filter_map(|row| row[u]).collect()).collect();
        assert!(close(krippendorff_alpha_nominal(units.iter().map(|v| (v.as_slice(), 1))), 0.743));
    }

    /// By hand, two coders, binary: 10 units, 3 both 1, 5 both 0, 2 disagree (one
    /// each way). Coincidences: o11 = 6, o00 = 10, o01 = o10 = 2; n1 = 8, n0 = 12,
    /// n = 20. alpha = 1 − (n − 1) · o01 / (n0 · n1) = 1 − 19 · 2 / 96.
    #[test]
    fn alpha_by_hand_with_weights_and_without_variation() {
        let units: Vec<(Vec<u32>, u64)> = vec![(vec![1, 1], 3), (vec![0, 0], 5), (vec![1, 0], 1), (vec![0, 1], 1)];
        let alpha = krippendorff_alpha_nominal(units.iter().map(|(v, n)| (v.as_slice(), *n)));
        assert!(close(alpha, 1.0 - 19.0 * 2.0 / 96.0), "{alpha:?}");
        assert_eq!(krippendorff_alpha_nominal([(&[1u32, 1][..], 10)]), None, "no variation: undefined");
        assert_eq!(krippendorff_alpha_nominal([(&[1u32][..], 10)]), None, "nothing pairable");
    }

    #[test]
    fn runs_split_a_source_by_who_coded_each_character() {
        let covers = vec![vec![(0, 25)], vec![(5, 35)]];
        assert_eq!(runs(&covers, 50), vec![(0, 5, 1), (5, 25, 3), (25, 35, 2), (35, 50, 0)]);
        assert_eq!(runs(&[vec![(0, 60)], vec![]], 50), vec![(0, 50, 1)], "clamped to the text");
        assert_eq!(merged(vec![(10, 20), (0, 5), (4, 12), (30, 31)]), vec![(0, 20), (30, 31)]);
    }
}
