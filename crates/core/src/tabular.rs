//! What every tabular export (CSV, XLSX) shares: cells that a spreadsheet will
//! never run as a formula, and workbooks described as data for the XLSX writer.

use crate::clock::Timestamp;

/// Spreadsheet programs run a cell starting with these as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Makes text safe to open in a spreadsheet: a leading formula character gets an
/// apostrophe in front, which spreadsheets show as text and do not evaluate.
pub fn safe_cell(text: &str) -> String {
    if text.starts_with(FORMULA_STARTS) { format!("'{text}") } else { text.to_string() }
}

/// One exported cell.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
}

impl Cell {
    pub(crate) fn text(text: impl Into<String>) -> Cell {
        let text = text.into();
        if text.is_empty() { Cell::Empty } else { Cell::Text(text) }
    }

    /// As written in a CSV: text neutralised, numbers plain.
    pub(crate) fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(t) => safe_cell(t),
            Cell::Number(n) => number_text(*n),
        }
    }
}

/// `3` rather than `3.0`; other numbers in Rust's shortest exact form, never with an exponent.
pub(crate) fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

/// A sheet of a workbook, as data: the XLSX writer lives in its own crate
/// (`fieldkit-sheets`) so that this core stays free of its browser dependencies.
///
/// Serialisable, because the app hands workbooks to a web worker that writes the
/// XLSX (the writer is too large for the main bundle).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Sheet {
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    /// Column widths in characters, for the columns that have one.
    pub widths: Vec<f64>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkbookData {
    pub title: String,
    /// Written as the workbook's creation time: the last change to the data, so the
    /// same data always gives the same file.
    pub created: Timestamp,
    pub sheets: Vec<Sheet>,
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formula_like_cells_are_neutralised() {
        for bad in ["=1+1", "+44 7700", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        for fine in ["Hello", "", "1+1=2", "'quoted", "ŵ"] {
            assert_eq!(safe_cell(fine), fine);
        }
    }
}
