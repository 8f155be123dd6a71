//! Exports of the coding workspace, byte for byte what the UI downloads and what
//! `fieldkit export` writes: UTF-8, CRLF rows, every text cell formula-safe
//! ([`safe_cell`]). The columns are described in the README.
//!
//! - [`segments_csv`]: one row per coded segment × code;
//! - [`codebook_csv`] and [`codebook_json`]: one entry per code, in codebook order;
//! - [`matrix_csv`]: the framework matrix's synopses, rows × columns;
//! - [`agreement_csv`]: agreement between coders, per code and source and per code;
//! - [`cooccurrence_csv`]: every two codes that meet, with how often and where;
//! - [`matrix_workbook`]: the same as a workbook (sheets `Synopses`,
//!   `Supporting quotes` and `Columns`), written as XLSX by `fieldkit_sheets::matrix_xlsx`.
//!
//! Every header is made of names that R, SPSS and Stata accept, unique ignoring case
//! ([`ColumnNames`]): the fixed columns keep theirs, extra case attributes are made
//! safe (`Language of service` → `Language_of_service`), and so are the matrix's
//! theme and research-question columns (`Relationships and trust` →
//! `Relationships_and_trust`). The matrix workbook's `Columns` sheet and the
//! `column_label` of its quotes give each matrix column's name as the analyst wrote it.

use std::collections::HashMap;

use serde::Serialize;
use uuid::Uuid;

use crate::clock::Timestamp;
use crate::coding::retrieval::{Attributor, MatrixColumns, MatrixRows, RetrievalFilter};
use crate::study::StudyData;
use crate::tabular::safe_cell;
use crate::tabular::{Cell, ColumnNames, Sheet, WorkbookData, unique_variable_names};

fn write_rows(header: &[String], rows: Vec<Vec<String>>) -> Result<Vec<u8>, String> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    // Headers come named already; passing them through the allocator once more is
    // what guarantees that no export ever writes an unsafe or repeated name.
    out.write_record(unique_variable_names(header)).map_err(|e| e.to_string())?;
    for row in rows {
        out.write_record(row.iter().map(|c| if plain_number(c) { c.clone() } else { safe_cell(c) }))
            .map_err(|e| e.to_string())?;
    }
    out.into_inner().map_err(|e| e.to_string())
}

/// A number such as `-0.25` is no formula: it is written as it is, so that R, SPSS
/// and Stata read it as a number.
fn plain_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.chars().filter(|c| *c == '.').count() <= 1
        && digits.chars().next().is_some_and(|c| c.is_ascii_digit())
}

/// The fixed columns of the segments CSV before the extra case attributes.
pub const SEGMENTS_CSV_LEADING: [&str; 8] =
    ["segment_id", "source_id", "source_kind", "source_title", "case", "setting", "legal_form", "country"];
/// The columns after them.
pub const SEGMENTS_CSV_TRAILING: [&str; 14] = [
    "participant",
    "role",
    "speaker",
    "research_question",
    "question",
    "start",
    "end",
    "text",
    "code",
    "code_path",
    "theme",
    "coder",
    "created",
    "anchor",
];

/// Extra case attribute names, in the order they first appear across cases.
fn extra_attribute_keys(data: &StudyData) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for c in &data.cases {
        for a in &c.attributes.extra {
            if !keys.iter().any(|k| k.trim().to_lowercase() == a.key.trim().to_lowercase()) {
                keys.push(a.key.trim().to_string());
            }
        }
    }
    keys
}

/// One row per coded segment × code: in the order of the study's sources, then by
/// position; codes in the order they were applied.
pub fn segments_csv(data: &StudyData) -> Result<Vec<u8>, String> {
    let extra = extra_attribute_keys(data);
    // The fixed columns keep their names; the attributes are named after them.
    let mut names = ColumnNames::new();
    for h in SEGMENTS_CSV_LEADING.iter().chain(&SEGMENTS_CSV_TRAILING) {
        names.name(h);
    }
    let mut header: Vec<String> = SEGMENTS_CSV_LEADING.iter().map(|h| h.to_string()).collect();
    header.extend(extra.iter().map(|k| names.name(k)));
    header.extend(SEGMENTS_CSV_TRAILING.iter().map(|h| h.to_string()));
    let paths: HashMap<Uuid, (String, String, String)> = data
        .codes
        .iter()
        .map(|c| {
            let theme = data.theme_of(c.id).and_then(|t| data.code(t)).map(|t| t.name.clone()).unwrap_or_default();
            (c.id, (c.name.clone(), data.code_path(c.id).join(" > "), theme))
        })
        .collect();
    let by_id: HashMap<Uuid, &crate::coding::Segment> = data.segments.iter().map(|s| (s.id, s)).collect();
    let mut rows = Vec::new();
    for r in data.retrieve(&RetrievalFilter::default()) {
        let Some(segment) = by_id.get(&r.segment) else { continue };
        let case = r.case_id.and_then(|c| data.case(c));
        let attrs = case.map(|c| &c.attributes);
        let mut base = vec![
            r.segment.to_string(),
            r.source_uuid.to_string(),
            r.source_kind.key().to_string(),
            r.source_title.clone(),
            r.case.clone(),
            attrs.and_then(|a| a.setting).map(|s| s.key().to_string()).unwrap_or_default(),
            attrs.map(|a| a.legal_form.clone()).unwrap_or_default(),
            attrs.map(|a| a.country.clone()).unwrap_or_default(),
        ];
        base.extend(extra.iter().map(|k| attrs.and_then(|a| a.value(k)).unwrap_or_default()));
        base.extend([
            r.pseudonym.clone(),
            r.role.clone(),
            r.speaker.clone(),
            r.research_question.clone(),
            r.question.clone(),
            r.start.to_string(),
            r.end.to_string(),
            r.text.clone(),
        ]);
        for coding in &segment.codings {
            let (name, path, theme) = paths.get(&coding.code).cloned().unwrap_or_default();
            let mut row = base.clone();
            row.extend([
                name,
                path,
                theme,
                coding.coder.clone(),
                coding.created.to_string(),
                r.anchor.key().to_string(),
            ]);
            rows.push(row);
        }
    }
    write_rows(&header, rows)
}

pub const CODEBOOK_CSV_HEADER: [&str; 12] = [
    "code_id",
    "name",
    "path",
    "level",
    "parent_id",
    "colour",
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "segments",
    "segments_with_sub_codes",
];

/// One code of the codebook export.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodebookEntry {
    pub id: Uuid,
    pub name: String,
    /// Names from the theme down to this code.
    pub path: Vec<String>,
    /// 0 for a theme.
    pub level: usize,
    pub parent: Option<Uuid>,
    pub colour: String,
    pub definition: String,
    pub inclusion: String,
    pub exclusion: String,
    pub example: String,
    /// Segments coded with this code.
    pub segments: usize,
    /// Segments coded with it or any code below it.
    pub segments_with_sub_codes: usize,
}

/// The codebook in order (each theme, then its codes depth first) with counts.
pub fn codebook_entries(data: &StudyData) -> Vec<CodebookEntry> {
    let counts: HashMap<Uuid, (usize, usize)> =
        data.code_counts().into_iter().map(|c| (c.code, (c.direct_segments, c.total.segments))).collect();
    data.codebook()
        .into_iter()
        .map(|(level, c)| {
            let (segments, with_sub) = counts.get(&c.id).copied().unwrap_or_default();
            CodebookEntry {
                id: c.id,
                name: c.name.clone(),
                path: data.code_path(c.id).into_iter().map(String::from).collect(),
                level,
                parent: c.parent,
                colour: c.colour.clone(),
                definition: c.definition.clone(),
                inclusion: c.inclusion.clone(),
                exclusion: c.exclusion.clone(),
                example: c.example.clone(),
                segments,
                segments_with_sub_codes: with_sub,
            }
        })
        .collect()
}

pub fn codebook_csv(data: &StudyData) -> Result<Vec<u8>, String> {
    let header: Vec<String> = CODEBOOK_CSV_HEADER.iter().map(|h| h.to_string()).collect();
    let rows = codebook_entries(data)
        .into_iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.name,
                e.path.join(" > "),
                e.level.to_string(),
                e.parent.map(|p| p.to_string()).unwrap_or_default(),
                e.colour,
                e.definition,
                e.inclusion,
                e.exclusion,
                e.example,
                e.segments.to_string(),
                e.segments_with_sub_codes.to_string(),
            ]
        })
        .collect();
    write_rows(&header, rows)
}

pub const CODEBOOK_FORMAT: &str = "fieldkit-codebook";

#[derive(Serialize)]
struct CodebookFile<'a> {
    format: &'static str,
    version: u32,
    study: &'a str,
    codes: Vec<CodebookEntry>,
}

/// The codebook as pretty JSON: `{"format": "fieldkit-codebook", "version": 1,
/// "study": title, "codes": [...]}`, one object per code with the CSV's fields
/// (`path` as a list of names). Text is kept as typed (JSON is not opened by
/// spreadsheets).
pub fn codebook_json(data: &StudyData) -> Result<Vec<u8>, String> {
    let file =
        CodebookFile { format: CODEBOOK_FORMAT, version: 1, study: &data.study.title, codes: codebook_entries(data) };
    let mut out = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

/// What a matrix cell with no data at all says in exports.
pub const NO_DATA: &str = "(no data)";

fn rows_word(rows: MatrixRows) -> &'static str {
    match rows {
        MatrixRows::Cases => "case",
        MatrixRows::Participants => "participant",
    }
}

fn rows_label(rows: MatrixRows) -> &'static str {
    match rows {
        MatrixRows::Cases => "Case",
        MatrixRows::Participants => "Participant (pseudonym)",
    }
}

/// The matrix's column names: the row column (`case` or `participant`), then one per
/// theme or research question, made safe and unique from its name or text.
fn matrix_header<T>(rows: MatrixRows, columns: &[(T, String)]) -> Vec<String> {
    let mut names = ColumnNames::new();
    std::iter::once(rows_word(rows))
        .chain(columns.iter().map(|(_, label)| label.as_str()))
        .map(|n| names.name(n))
        .collect()
}

/// The synopses as a grid: a first column naming the row (`case` or `participant`),
/// then one column per theme or research question (see [`matrix_header`]). A cell
/// with no data at all says `(no data)`; one with data but no synopsis yet is empty.
fn synopsis_grid(data: &StudyData, rows: MatrixRows, columns: MatrixColumns) -> (Vec<String>, Vec<Vec<String>>) {
    let m = data.framework_matrix(rows, columns);
    let header = matrix_header(rows, &m.columns);
    let grid = m
        .rows
        .iter()
        .zip(&m.cells)
        .map(|((_, name), cells)| {
            let mut row = vec![name.clone()];
            row.extend(cells.iter().map(|c| {
                if c.empty && c.synopsis.trim().is_empty() { NO_DATA.to_string() } else { c.synopsis.clone() }
            }));
            row
        })
        .collect();
    (header, grid)
}

/// The columns of the agreement CSV.
pub const AGREEMENT_CSV_COLUMNS: [&str; 15] = [
    "code_id",
    "code_path",
    "source_id",
    "source_kind",
    "source_title",
    "coder_a",
    "coder_b",
    "chars_total",
    "chars_a",
    "chars_b",
    "chars_both",
    "agreement_pct",
    "kappa",
    "alpha",
    "coders",
];

/// A coefficient with `decimals` places; empty when undefined. Never "-0.0000".
fn figure(value: Option<f64>, decimals: usize) -> String {
    value
        .map(|v| {
            let text = format!("{v:.decimals$}");
            if text.trim_start_matches('-').chars().all(|c| c == '0' || c == '.') {
                format!("{:.decimals$}", 0.0)
            } else {
                text
            }
        })
        .unwrap_or_default()
}

/// Agreement between `coders` (all the study's coders when None): one row per code
/// and source and one overall row per code (empty `source_id`), for every pair of
/// coders; `alpha` is over all the coders compared (listed in `coders`).
pub fn agreement_csv(data: &StudyData, coders: Option<Vec<String>>) -> Result<Vec<u8>, String> {
    let coders = coders.unwrap_or_else(|| data.coders());
    let query = crate::coding::agreement::AgreementQuery { coders, ..Default::default() };
    let agreement = data.agreement(&query).map_err(|e| e.to_string())?;
    let header: Vec<String> = AGREEMENT_CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
    let everyone = agreement.coders.join("; ");
    let mut rows = Vec::new();
    for row in &agreement.rows {
        let path = data.code_path(row.code).join(" > ");
        let (source_id, kind, title) = match &row.source {
            Some(source) => match data.source(source) {
                Some(info) => (info.uuid.to_string(), info.kind.key().to_string(), info.title),
                None => (source.uuid().to_string(), String::new(), String::new()),
            },
            None => Default::default(),
        };
        let f = &row.figures;
        for pair in &f.pairs {
            rows.push(vec![
                row.code.to_string(),
                path.clone(),
                source_id.clone(),
                kind.clone(),
                title.clone(),
                agreement.coders[pair.a].clone(),
                agreement.coders[pair.b].clone(),
                f.chars_total.to_string(),
                f.chars_by_coder[pair.a].to_string(),
                f.chars_by_coder[pair.b].to_string(),
                pair.chars_both.to_string(),
                figure(pair.agreement_pct, 2),
                figure(pair.kappa, 4),
                figure(f.alpha, 4),
                everyone.clone(),
            ]);
        }
    }
    write_rows(&header, rows)
}

/// The columns of the co-occurrence CSV.
pub const COOCCURRENCE_CSV_COLUMNS: [&str; 7] =
    ["code_a_id", "code_a_path", "code_b_id", "code_b_path", "passages", "sources", "within_chars"];

/// Every two codes whose passages overlap (or are at most `within` characters
/// apart), in codebook order: how many passages and on how many sources.
pub fn cooccurrence_csv(data: &StudyData, within: usize) -> Result<Vec<u8>, String> {
    let header: Vec<String> = COOCCURRENCE_CSV_COLUMNS.iter().map(|c| c.to_string()).collect();
    let rows = data
        .cooccurrence(within)
        .iter()
        .map(|c| {
            vec![
                c.a.to_string(),
                data.code_path(c.a).join(" > "),
                c.b.to_string(),
                data.code_path(c.b).join(" > "),
                c.passages.len().to_string(),
                c.sources().to_string(),
                within.to_string(),
            ]
        })
        .collect();
    write_rows(&header, rows)
}

pub fn matrix_csv(data: &StudyData, rows: MatrixRows, columns: MatrixColumns) -> Result<Vec<u8>, String> {
    let (header, grid) = synopsis_grid(data, rows, columns);
    write_rows(&header, grid)
}

pub const MATRIX_SHEETS: [&str; 3] = ["Synopses", "Supporting quotes", "Columns"];
pub const QUOTES_HEADER: [&str; 10] =
    ["row", "column", "column_label", "segment_id", "quote", "text", "participant", "role", "case", "source_title"];
pub const MATRIX_COLUMNS_HEADER: [&str; 2] = ["column", "label"];

/// The framework matrix workbook: `Synopses` (as [`matrix_csv`]), `Supporting
/// quotes` (one row per linked segment, in matrix order, with its quotation and
/// attribution; `column` is the Synopses column, `column_label` the theme's name or
/// the research question's text) and `Columns` (each Synopses column's name and
/// what it stands for, as written in the study). Its creation time is the last
/// change to the codebook, the coding or the matrix, so the same data gives the same file.
pub fn matrix_workbook(data: &StudyData, rows: MatrixRows, columns: MatrixColumns) -> WorkbookData {
    let (header, grid) = synopsis_grid(data, rows, columns);
    let widths = std::iter::once(24.0).chain(header.iter().skip(1).map(|_| 48.0)).collect();
    let synopses = Sheet {
        name: MATRIX_SHEETS[0].into(),
        header,
        rows: grid.into_iter().map(|r| r.into_iter().map(text_cell).collect()).collect(),
        widths,
    };
    let m = data.framework_matrix(rows, columns);
    let names = matrix_header(rows, &m.columns);
    let mut at = Attributor::new(data);
    let mut quotes = Vec::new();
    for ((_, row_name), cells) in m.rows.iter().zip(&m.cells) {
        for ((cell, (_, column_label)), column_name) in cells.iter().zip(&m.columns).zip(names.iter().skip(1)) {
            for seg in &cell.linked {
                let Some(r) = data.segment(*seg).and_then(|s| at.retrieve(s)) else { continue };
                quotes.push(
                    [
                        row_name.clone(),
                        column_name.clone(),
                        column_label.clone(),
                        r.segment.to_string(),
                        r.quote(),
                        r.text.clone(),
                        r.pseudonym.clone(),
                        r.role.clone(),
                        r.case.clone(),
                        r.source_title.clone(),
                    ]
                    .into_iter()
                    .map(text_cell)
                    .collect(),
                );
            }
        }
    }
    let quotes = Sheet {
        name: MATRIX_SHEETS[1].into(),
        header: QUOTES_HEADER.iter().map(|h| h.to_string()).collect(),
        rows: quotes,
        widths: vec![24.0, 30.0, 40.0, 38.0, 70.0, 50.0, 16.0, 20.0, 24.0, 30.0],
    };
    let labels = std::iter::once(rows_label(rows).to_string()).chain(m.columns.iter().map(|(_, label)| label.clone()));
    let columns_sheet = Sheet {
        name: MATRIX_SHEETS[2].into(),
        header: MATRIX_COLUMNS_HEADER.iter().map(|h| h.to_string()).collect(),
        rows: names.iter().zip(labels).map(|(name, label)| vec![text_cell(name.clone()), text_cell(label)]).collect(),
        widths: vec![40.0, 80.0],
    };
    let created = data
        .codes
        .iter()
        .map(|c| c.modified)
        .chain(data.segments.iter().map(|s| s.modified))
        .chain(data.matrix_cells.iter().map(|c| c.modified))
        .max()
        .unwrap_or(data.study.modified);
    WorkbookData {
        title: format!("Framework matrix: {}", data.study.title),
        created: created.max(Timestamp::default()),
        sheets: vec![synopses, quotes, columns_sheet],
    }
}

fn text_cell(text: String) -> Cell {
    if text.is_empty() { Cell::Empty } else { Cell::Text(text) }
}
