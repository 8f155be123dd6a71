//! Charts drawn as SVG text by fieldkit itself (no charting library in any bundle):
//! a heat map of how often codes meet ([`HeatMap`]), a heat map of codes by case
//! ([`GridMap`]) and code frequencies as bars grouped by theme ([`BarChart`]). Each
//! chart has a title for screen readers; the screens that show one also show its
//! figures as a table.

/// A square heat map: `cells[r][c]` for labels `labels[r]` and `labels[c]`. The
/// diagonal is left blank (a code with itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeatMap {
    pub title: String,
    pub labels: Vec<String>,
    pub cells: Vec<Vec<usize>>,
}

use uuid::Uuid;

use crate::coding::retrieval::CodeCount;
use crate::fieldwork::account::escape;

/// At most `keep` characters, the end kept (a code's own name ends its path).
fn tail(text: &str, keep: usize) -> String {
    let n = text.chars().count();
    if n <= keep { text.to_string() } else { format!("…{}", text.chars().skip(n - keep + 1).collect::<String>()) }
}

/// From white to a dark green (#1f5c58) as `share` goes from 0 to 1.
fn shade(share: f64) -> String {
    let mix = |to: f64| (255.0 + (to - 255.0) * share.clamp(0.0, 1.0)).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(31.0), mix(92.0), mix(88.0))
}

/// One shaded cell with its count written in it (none when 0).
fn push_cell(svg: &mut String, x: usize, y: usize, size: usize, count: usize, share: f64) {
    svg.push_str(&format!(
        "<rect x=\"{x}\" y=\"{y}\" width=\"{size}\" height=\"{size}\" fill=\"{}\" stroke=\"#d0d7d5\"/>",
        shade(share)
    ));
    if count > 0 {
        let ink = if share > 0.5 { "#ffffff" } else { "#1a1a1a" };
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text>",
            x + size / 2,
            y + size / 2 + 5
        ));
    }
}

fn open_svg(width: usize, height: usize, title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
         height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\" role=\"img\">\
         <title>{}</title><rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
        escape(title)
    )
}

impl HeatMap {
    /// The SVG document: darker cells hold more; each count is written in its cell;
    /// rows are named, columns numbered in the same order.
    pub fn svg(&self) -> String {
        const CELL: usize = 36;
        const LABELS: usize = 280;
        const TOP: usize = 40;
        let n = self.labels.len();
        let width = LABELS + CELL * n + 20;
        let height = TOP + CELL * n + 20;
        let most = self.cells.iter().flatten().copied().max().unwrap_or(0).max(1);
        let mut svg = open_svg(width, height, &self.title);
        for (i, label) in self.labels.iter().enumerate() {
            let y = TOP + i * CELL + CELL / 2 + 5;
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{}. {}</text>",
                LABELS - 8,
                i + 1,
                escape(&tail(label, 34))
            ));
            let x = LABELS + i * CELL + CELL / 2;
            svg.push_str(&format!("<text x=\"{x}\" y=\"{}\" text-anchor=\"middle\">{}</text>", TOP - 10, i + 1));
        }
        for (r, row) in self.cells.iter().enumerate() {
            for (c, count) in row.iter().enumerate() {
                // The diagonal (a code with itself) stays blank.
                let (count, share) = if r == c { (0, 0.0) } else { (*count, *count as f64 / most as f64) };
                push_cell(&mut svg, LABELS + c * CELL, TOP + r * CELL, CELL, count, share);
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// Counts in rows × columns (codes by case): rows named on the left, columns named
/// above at a slant, each cell shaded by its share of the largest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GridMap {
    pub title: String,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `cells[row][column]`.
    pub cells: Vec<Vec<usize>>,
}

impl GridMap {
    pub fn svg(&self) -> String {
        const CELL: usize = 36;
        const LABELS: usize = 280;
        const TOP: usize = 150;
        let width = LABELS + CELL * self.columns.len() + 150;
        let height = TOP + CELL * self.rows.len() + 20;
        let most = self.cells.iter().flatten().copied().max().unwrap_or(0).max(1);
        let mut svg = open_svg(width, height, &self.title);
        for (i, label) in self.rows.iter().enumerate() {
            let y = TOP + i * CELL + CELL / 2 + 5;
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{y}\" text-anchor=\"end\">{}</text>",
                LABELS - 8,
                escape(&tail(label, 36))
            ));
        }
        for (i, label) in self.columns.iter().enumerate() {
            let x = LABELS + i * CELL + CELL / 2;
            svg.push_str(&format!(
                "<text transform=\"translate({x} {}) rotate(-45)\">{}</text>",
                TOP - 8,
                escape(&tail(label, 24))
            ));
        }
        for (r, row) in self.cells.iter().enumerate() {
            for (c, count) in row.iter().enumerate() {
                push_cell(&mut svg, LABELS + c * CELL, TOP + r * CELL, CELL, *count, *count as f64 / most as f64);
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// One bar: a code, how many passages it has, its colour, its depth under the theme.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub count: usize,
    pub colour: String,
    pub depth: usize,
}

/// Horizontal bars grouped under headings (code frequencies by theme).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BarChart {
    pub title: String,
    pub groups: Vec<(String, Vec<Bar>)>,
    /// Codes left out to keep the chart readable (the fewest passages first).
    pub left_out: usize,
}

impl BarChart {
    pub fn svg(&self) -> String {
        const ROW: usize = 24;
        const LABELS: usize = 300;
        const LENGTH: usize = 420;
        let rows: usize = self.groups.iter().map(|(_, bars)| bars.len() + 1).sum();
        let width = LABELS + LENGTH + 70;
        let height = 20 + ROW * rows + 10;
        let most = self.groups.iter().flat_map(|(_, b)| b.iter().map(|b| b.count)).max().unwrap_or(0).max(1);
        let mut svg = open_svg(width, height, &self.title);
        let mut y = 20;
        for (heading, bars) in &self.groups {
            svg.push_str(&format!(
                "<text x=\"8\" y=\"{}\" font-weight=\"bold\">{}</text>",
                y + ROW / 2 + 5,
                escape(&tail(heading, 40))
            ));
            y += ROW;
            for bar in bars {
                let length = (LENGTH * bar.count).div_ceil(most).max(usize::from(bar.count > 0));
                svg.push_str(&format!(
                    "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
                     <rect x=\"{LABELS}\" y=\"{}\" width=\"{length}\" height=\"{}\" fill=\"{}\"/>\
                     <text x=\"{}\" y=\"{}\">{}</text>",
                    LABELS - 8,
                    y + ROW / 2 + 5,
                    escape(&tail(&format!("{}{}", "  ".repeat(bar.depth.saturating_sub(1)), bar.label), 38)),
                    y + 4,
                    ROW - 8,
                    escape(&bar.colour),
                    LABELS + length + 6,
                    y + ROW / 2 + 5,
                    bar.count
                ));
                y += ROW;
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

/// The codes a chart can show at most, so it stays readable on a tablet.
pub const MOST_BARS: usize = 60;

impl crate::StudyData {
    /// The `most` codes that meet others most often, and how often each two meet.
    pub fn cooccurrence_map(&self, within: usize, most: usize) -> HeatMap {
        let all = self.cooccurrence(within);
        let mut totals: Vec<(Uuid, usize)> = Vec::new();
        for c in &all {
            for id in [c.a, c.b] {
                match totals.iter_mut().find(|t| t.0 == id) {
                    Some(t) => t.1 += c.passages.len(),
                    None => totals.push((id, c.passages.len())),
                }
            }
        }
        // Most first; equal counts in codebook order (the order `cooccurrence` meets them).
        totals.sort_by_key(|t| std::cmp::Reverse(t.1));
        totals.truncate(most);
        let ids: Vec<Uuid> = totals.iter().map(|t| t.0).collect();
        let cells = ids
            .iter()
            .map(|row| {
                ids.iter()
                    .map(|column| {
                        all.iter()
                            .find(|c| (c.a == *row && c.b == *column) || (c.a == *column && c.b == *row))
                            .map(|c| c.passages.len())
                            .unwrap_or(0)
                    })
                    .collect()
            })
            .collect();
        HeatMap {
            title: "Code co-occurrence: how many passages each two codes share".into(),
            labels: ids.iter().map(|id| self.code_path(*id).join(" › ")).collect(),
            cells,
        }
    }

    /// Code frequencies and codes by case from one count of the coded passages (what
    /// a screen showing both needs).
    pub fn coding_charts(&self, most: usize) -> (BarChart, GridMap) {
        let counts = self.code_counts();
        let (codes, left_out) = charted_codes(&counts, most);
        (self.frequency_bars(&codes, left_out), self.by_case_grid(&codes))
    }

    /// Coded passages per code (its sub-codes' included), as bars under each theme.
    pub fn code_frequency_chart(&self, most: usize) -> BarChart {
        let counts = self.code_counts();
        let (codes, left_out) = charted_codes(&counts, most);
        self.frequency_bars(&codes, left_out)
    }

    /// Coded passages per theme and code (sub-codes' included) in each case.
    pub fn codes_by_case_map(&self, most: usize) -> GridMap {
        let counts = self.code_counts();
        self.by_case_grid(&charted_codes(&counts, most).0)
    }

    fn frequency_bars(&self, codes: &[&CodeCount], left_out: usize) -> BarChart {
        let mut groups: Vec<(String, Vec<Bar>)> = Vec::new();
        for c in codes {
            let Some(code) = self.code(c.code) else { continue };
            let theme = self.theme_of(c.code).and_then(|t| self.code(t)).map(|t| t.name.clone()).unwrap_or_default();
            if groups.last().is_none_or(|(name, _)| *name != theme) {
                groups.push((theme, Vec::new()));
            }
            if let Some((_, bars)) = groups.last_mut() {
                let label = if c.depth == 0 { "(the theme, all its codes)".to_string() } else { code.name.clone() };
                bars.push(Bar { label, count: c.total.segments, colour: code.colour.clone(), depth: c.depth });
            }
        }
        BarChart { title: "Code frequencies: coded passages per code, by theme".into(), groups, left_out }
    }

    fn by_case_grid(&self, codes: &[&CodeCount]) -> GridMap {
        let cells = codes
            .iter()
            .map(|c| {
                self.cases
                    .iter()
                    .map(|case| c.by_case.iter().find(|(k, _)| *k == case.id).map(|(_, t)| t.segments).unwrap_or(0))
                    .collect()
            })
            .collect();
        GridMap {
            title: "Codes by case: coded passages per theme and code in each case".into(),
            rows: codes.iter().map(|c| self.code_path(c.code).join(" › ")).collect(),
            columns: self.cases.iter().map(|c| c.name.clone()).collect(),
            cells,
        }
    }
}

/// Codes to chart (a theme, or a code directly under one, with any passage), at most
/// `most`: those with the most passages (their sub-codes' included), in codebook order;
/// and how many were left out.
fn charted_codes(counts: &[CodeCount], most: usize) -> (Vec<&CodeCount>, usize) {
    let all: Vec<&CodeCount> = counts.iter().filter(|c| c.depth <= 1 && c.total.segments > 0).collect();
    if all.len() <= most {
        return (all, 0);
    }
    let mut by_count: Vec<usize> = (0..all.len()).collect();
    by_count.sort_by_key(|n| std::cmp::Reverse(all[*n].total.segments));
    let mut keep: Vec<usize> = by_count.into_iter().take(most).collect();
    keep.sort_unstable();
    let left_out = all.len() - keep.len();
    (keep.into_iter().map(|n| all[n]).collect(), left_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_svg_escapes_labels_shortens_long_ones_and_shades_by_count() {
        let map = HeatMap {
            title: "T & t".into(),
            labels: vec!["A & co".into(), "<B>".into(), "x".repeat(50)],
            cells: vec![vec![0, 4, 1], vec![4, 0, 0], vec![1, 0, 0]],
        };
        let svg = map.svg();
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title>T &amp; t</title>"));
        assert!(svg.contains("1. A &amp; co") && svg.contains("2. &lt;B&gt;") && !svg.contains("<B>"));
        assert!(svg.contains(&format!("3. …{}", "x".repeat(33))));
        // The most passages: the darkest green; none: white.
        assert!(svg.contains("fill=\"#1f5c58\"") && svg.contains("fill=\"#ffffff\""));
        assert_eq!(svg.matches("<rect").count(), 1 + 9);
    }
}
