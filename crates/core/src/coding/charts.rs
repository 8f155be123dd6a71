//! Charts drawn as SVG text by fieldkit itself (no charting library in any bundle):
//! a heat map of counts between labelled rows and columns. Each chart has a title
//! for screen readers; the screens that show one also show its figures as a table.

/// A square heat map: `cells[r][c]` for labels `labels[r]` and `labels[c]`. The
/// diagonal is left blank (a code with itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeatMap {
    pub title: String,
    pub labels: Vec<String>,
    pub cells: Vec<Vec<usize>>,
}

use crate::fieldwork::account::escape;

/// At most `keep` characters, the end kept (a code's own name ends its path).
fn tail(text: &str, keep: usize) -> String {
    let n = text.chars().count();
    if n <= keep { text.to_string() } else { format!("…{}", text.chars().skip(n - keep + 1).collect::<String>()) }
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
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" \
             height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\" role=\"img\">\
             <title>{}</title><rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
            escape(&self.title)
        );
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
                let (x, y) = (LABELS + c * CELL, TOP + r * CELL);
                let share = if r == c { 0.0 } else { *count as f64 / most as f64 };
                // From white to a dark green (#1f5c58).
                let mix = |to: f64| (255.0 + (to - 255.0) * share).round() as u8;
                svg.push_str(&format!(
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{CELL}\" height=\"{CELL}\" fill=\"#{:02x}{:02x}{:02x}\" \
                     stroke=\"#d0d7d5\"/>",
                    mix(31.0),
                    mix(92.0),
                    mix(88.0)
                ));
                if r != c && *count > 0 {
                    let ink = if share > 0.5 { "#ffffff" } else { "#1a1a1a" };
                    svg.push_str(&format!(
                        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{ink}\">{count}</text>",
                        x + CELL / 2,
                        y + CELL / 2 + 5
                    ));
                }
            }
        }
        svg.push_str("</svg>");
        svg
    }
}

impl crate::StudyData {
    /// The `most` codes that meet others most often, and how often each two meet.
    pub fn cooccurrence_map(&self, within: usize, most: usize) -> HeatMap {
        let all = self.cooccurrence(within);
        let mut totals: Vec<(uuid::Uuid, usize)> = Vec::new();
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
        let ids: Vec<uuid::Uuid> = totals.iter().map(|t| t.0).collect();
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
