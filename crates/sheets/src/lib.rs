//! Writes the core's export workbooks ([`fieldkit_core::tabular::WorkbookData`])
//! as XLSX files with rust_xlsxwriter: a bold, frozen header row, set column widths,
//! numbers as numbers and every text cell neutralised against formulas.

use fieldkit_core::StudyData;
use fieldkit_core::coding::export::matrix_workbook;
use fieldkit_core::coding::retrieval::{MatrixColumns, MatrixRows};
use fieldkit_core::surveys::export::responses_workbook;
use fieldkit_core::tabular::safe_cell;
use fieldkit_core::tabular::{Cell, Sheet, WorkbookData};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet};
use uuid::Uuid;

pub use fieldkit_core::surveys::export::XLSX_SHEETS;

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> String {
    format!("Could not write the workbook: {e}")
}

fn write_cell(sheet: &mut Worksheet, row: u32, col: u16, cell: &Cell) -> Result<(), String> {
    match cell {
        Cell::Empty => {}
        Cell::Text(t) => {
            sheet.write_string(row, col, safe_cell(t)).map_err(xlsx_error)?;
        }
        Cell::Number(n) => {
            sheet.write_number(row, col, *n).map_err(xlsx_error)?;
        }
    }
    Ok(())
}

fn write_sheet(workbook: &mut Workbook, data: &Sheet) -> Result<(), String> {
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(&data.name).map_err(xlsx_error)?;
    for (c, h) in data.header.iter().enumerate() {
        let col = u16::try_from(c).map_err(|_| "Too many columns for a spreadsheet.".to_string())?;
        sheet.write_string_with_format(0, col, safe_cell(h), &bold).map_err(xlsx_error)?;
        if let Some(w) = data.widths.get(c) {
            sheet.set_column_width(col, *w).map_err(xlsx_error)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    for (r, row) in data.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| "Too many rows for a spreadsheet.".to_string())?;
        for (c, cell) in row.iter().enumerate() {
            let col = u16::try_from(c).map_err(|_| "Too many columns for a spreadsheet.".to_string())?;
            write_cell(sheet, r, col, cell)?;
        }
    }
    Ok(())
}

/// The workbook as XLSX bytes.
pub fn to_xlsx(book: &WorkbookData) -> Result<Vec<u8>, String> {
    let mut workbook = Workbook::new();
    let created = ExcelDateTime::from_timestamp(book.created.millis().div_euclid(1000))
        .or_else(|_| ExcelDateTime::from_timestamp(0))
        .map_err(xlsx_error)?;
    workbook.set_properties(&DocProperties::new().set_title(book.title.as_str()).set_creation_datetime(&created));
    for sheet in &book.sheets {
        write_sheet(&mut workbook, sheet)?;
    }
    workbook.save_to_buffer().map_err(xlsx_error)
}

/// The framework matrix workbook: sheets `Synopses`, `Supporting quotes` and `Columns`.
pub fn matrix_xlsx(data: &StudyData, rows: MatrixRows, columns: MatrixColumns) -> Result<Vec<u8>, String> {
    to_xlsx(&matrix_workbook(data, rows, columns))
}

/// The survey responses workbook: sheets `Data`, `Codebook` and `Value labels`.
pub fn responses_xlsx(data: &StudyData, survey: Uuid) -> Result<Vec<u8>, String> {
    to_xlsx(&responses_workbook(data, survey)?)
}
