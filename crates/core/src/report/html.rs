//! The report as one self-contained HTML page with print styles: the browser's
//! *Print* makes the PDF. Every piece of text is escaped; the page runs no script.

use crate::fieldwork::account::{escape, printable_page};
use crate::report::{Block, Report};

const STYLE: &str = "\
body { font-family: Georgia, 'Times New Roman', serif; font-size: 1.05rem; line-height: 1.55; \
color: #111; background: #fff; margin: 0 auto; max-width: 52rem; padding: 1.5rem; }
h1 { font-size: 1.7rem; margin: 0 0 0.75rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #999; }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.4rem; }
h4 { font-size: 1rem; margin: 1rem 0 0.25rem; }
p { margin: 0.4rem 0; white-space: pre-wrap; }
.note { color: #444; font-style: italic; }
blockquote { margin: 0.6rem 0 0.6rem 1.25rem; padding-left: 0.75rem; border-left: 3px solid #999; }
blockquote p { margin: 0; }
blockquote footer { color: #333; font-size: 0.92rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.92rem; width: 100%; }
caption { text-align: left; font-weight: bold; margin-bottom: 0.25rem; }
th, td { border: 1px solid #999; padding: 0.25rem 0.4rem; text-align: left; vertical-align: top; white-space: pre-wrap; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.print-hint { color: #555; }
@media print {
  .print-hint { display: none; }
  @page { margin: 2cm; }
  body { font-size: 11pt; max-width: none; padding: 0; }
  h2, h3, h4, caption { break-after: avoid; }
  blockquote, tr { break-inside: avoid; }
  th { background: none; }
}
";

/// The report as a complete HTML page.
pub fn report_html(report: &Report) -> String {
    let mut body = String::new();
    for block in &report.blocks {
        push_block(&mut body, block);
    }
    let main = format!(
        "<p class=\"print-hint\">To keep this report as a PDF, use the browser's Print command and choose Save as \
         PDF (on a tablet: Share, then Print).</p>\n{body}"
    );
    printable_page(&report.title, STYLE, &main)
}

fn push_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text } => {
            let level = (*level).clamp(1, 6);
            out.push_str(&format!("<h{level} dir=\"auto\">{}</h{level}>\n", escape(text)));
        }
        Block::Paragraph(text) => out.push_str(&format!("<p dir=\"auto\">{}</p>\n", escape(text))),
        Block::Note(text) => out.push_str(&format!("<p class=\"note\" dir=\"auto\">{}</p>\n", escape(text))),
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                out.push_str(&format!("<li dir=\"auto\">{}</li>\n", escape(item)));
            }
            out.push_str("</ul>\n");
        }
        Block::Table { caption, header, rows } => {
            out.push_str(&format!("<table>\n<caption dir=\"auto\">{}</caption>\n<thead><tr>", escape(caption)));
            for h in header {
                out.push_str(&format!("<th scope=\"col\" dir=\"auto\">{}</th>", escape(h)));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for row in rows {
                out.push_str("<tr>");
                for (n, cell) in row.iter().enumerate() {
                    if n == 0 {
                        out.push_str(&format!("<th scope=\"row\" dir=\"auto\">{}</th>", escape(cell)));
                    } else if is_number(cell) {
                        out.push_str(&format!("<td class=\"n\">{}</td>", escape(cell)));
                    } else {
                        out.push_str(&format!("<td dir=\"auto\">{}</td>", escape(cell)));
                    }
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Quote { words, by } => out.push_str(&format!(
            "<blockquote>\n<p dir=\"auto\">“{}”</p>\n<footer dir=\"auto\">— {}</footer>\n</blockquote>\n",
            escape(words),
            escape(by)
        )),
    }
}

fn is_number(cell: &str) -> bool {
    !cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit())
}
