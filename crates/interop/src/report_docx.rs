//! The study report ([`fieldkit_core::report::Report`]) as a Word document.
//!
//! A `.docx` is a zip of a few WordprocessingML parts; the report needs only
//! paragraphs with named styles, line breaks and tables, so it is written here with
//! the zip and XML escaping this crate already uses for REFI-QDA (a docx library
//! would bring a second zip and XML stack into the files worker). Word, LibreOffice
//! and python-docx open it; headings use Word's own style names so the navigation
//! pane and a table of contents find them.

use fieldkit_core::report::{Block, Report};

use crate::InteropError;
use crate::archive::write_zip;
use crate::text::{escape_attr, escape_text};

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>
</Types>
"#;

const PACKAGE_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>
</Relationships>
"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>
"#;

/// Word's built-in style names (Title, Heading 1–3, Quote, Caption, Table Grid),
/// defined here so every program draws them the same.
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Georgia" w:hAnsi="Georgia" w:cs="Arial"/><w:sz w:val="22"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:sz w:val="40"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="160" w:after="60"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:sz w:val="22"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:ind w:left="567"/></w:pPr><w:rPr><w:i/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Attribution"><w:name w:val="Quote attribution"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="567"/><w:spacing w:after="200"/></w:pPr><w:rPr><w:sz w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/></w:pPr><w:rPr><w:b/><w:sz w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:rPr><w:i/><w:color w:val="444444"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:ind w:left="360" w:hanging="360"/><w:spacing w:after="40"/></w:pPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:left w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:right w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="999999"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>
"#;

/// The report as the bytes of a `.docx` file.
pub fn report_docx(report: &Report) -> Result<Vec<u8>, InteropError> {
    let mut body = String::new();
    for block in &report.blocks {
        push_block(&mut body, block);
    }
    let document = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"{W}\">\n<w:body>\n{body}\
         <w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" \
         w:left=\"1134\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/></w:sectPr>\n</w:body>\n</w:document>\n"
    );
    let core = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>fieldkit</dc:creator>\
         </cp:coreProperties>\n",
        escape_text(&report.title)
    );
    write_zip(&[
        ("[Content_Types].xml".into(), CONTENT_TYPES.as_bytes().to_vec()),
        ("_rels/.rels".into(), PACKAGE_RELS.as_bytes().to_vec()),
        ("word/_rels/document.xml.rels".into(), DOCUMENT_RELS.as_bytes().to_vec()),
        ("word/document.xml".into(), document.into_bytes()),
        ("word/styles.xml".into(), STYLES.as_bytes().to_vec()),
        ("docProps/core.xml".into(), core.into_bytes()),
    ])
}

/// One paragraph in `style`; line breaks in `text` become `w:br`.
fn paragraph(out: &mut String, style: &str, text: &str) {
    out.push_str(&format!("<w:p><w:pPr><w:pStyle w:val=\"{}\"/></w:pPr>", escape_attr(style)));
    push_runs(out, text);
    out.push_str("</w:p>\n");
}

fn push_runs(out: &mut String, text: &str) {
    out.push_str("<w:r>");
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push_str("<w:br/>");
        }
        if !line.is_empty() {
            out.push_str(&format!("<w:t xml:space=\"preserve\">{}</w:t>", escape_text(line)));
        }
    }
    out.push_str("</w:r>");
}

fn cell(out: &mut String, text: &str, header: bool) {
    out.push_str("<w:tc><w:p>");
    if header {
        out.push_str("<w:r><w:rPr><w:b/></w:rPr>");
        out.push_str(&format!("<w:t xml:space=\"preserve\">{}</w:t></w:r>", escape_text(text)));
    } else {
        push_runs(out, text);
    }
    out.push_str("</w:p></w:tc>");
}

fn push_block(out: &mut String, block: &Block) {
    match block {
        Block::Heading { level, text } => {
            let style = match level {
                0 | 1 => "Title",
                2 => "Heading1",
                3 => "Heading2",
                _ => "Heading3",
            };
            paragraph(out, style, text);
        }
        Block::Paragraph(text) => paragraph(out, "Normal", text),
        Block::Note(text) => paragraph(out, "Note", text),
        Block::List(items) => {
            for item in items {
                paragraph(out, "ListBullet", &format!("•\t{item}"));
            }
        }
        Block::Table { caption, header, rows } => {
            paragraph(out, "Caption", caption);
            out.push_str(
                "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/></w:tblPr>",
            );
            out.push_str("<w:tr><w:trPr><w:tblHeader/></w:trPr>");
            for h in header {
                cell(out, h, true);
            }
            out.push_str("</w:tr>\n");
            for row in rows {
                out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
                for (n, value) in row.iter().enumerate() {
                    cell(out, value, n == 0);
                }
                out.push_str("</w:tr>\n");
            }
            out.push_str("</w:tbl>\n");
        }
        Block::Quote { words, by } => {
            paragraph(out, "Quote", &format!("“{words}”"));
            paragraph(out, "Attribution", &format!("— {by}"));
        }
    }
}
