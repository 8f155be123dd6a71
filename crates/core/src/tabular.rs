//! What every tabular export (CSV, XLSX) shares: cells that a spreadsheet will
//! never run as a formula, column names that R, SPSS and Stata accept, and
//! workbooks described as data for the XLSX writer.

use std::collections::HashSet;

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

// ---------------------------------------------------------------------------
// Column names
// ---------------------------------------------------------------------------

/// The longest column name any export writes (SPSS's limit, in bytes; every name is ASCII).
pub const MAX_VARIABLE_NAME: usize = 64;

/// Words that R, SPSS or Stata do not accept as a variable name, whatever their case
/// (R's reserved words, SPSS's reserved keywords, Stata's reserved names).
#[rustfmt::skip]
const RESERVED_WORDS: &[&str] = &[
    // R
    "if", "else", "repeat", "while", "function", "for", "next", "break", "true", "false", "null", "inf", "nan", "na",
    "na_integer_", "na_real_", "na_complex_", "na_character_", "in",
    // SPSS
    "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with",
    // Stata (those not starting with an underscore, which no name here does)
    "byte", "double", "float", "int", "long", "strl", "using",
];

/// The plain ASCII letters for a common accented Latin letter (`ŵ` → `w`, `é` → `e`,
/// `ß` → `ss`), or None for any other character.
fn ascii_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' => "ae",
        'Æ' => "AE",
        'ç' | 'ć' | 'ĉ' | 'č' => "c",
        'Ç' | 'Ć' | 'Ĉ' | 'Č' => "C",
        'ď' | 'đ' | 'ð' => "d",
        'Ď' | 'Đ' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'ĥ' => "h",
        'Ĥ' => "H",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'ĵ' => "j",
        'Ĵ' => "J",
        'ķ' => "k",
        'Ķ' => "K",
        'ĺ' | 'ļ' | 'ľ' | 'ł' => "l",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ł' => "L",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'œ' => "oe",
        'Œ' => "OE",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ß' => "ss",
        'ţ' | 'ť' | 'ț' => "t",
        'Ţ' | 'Ť' | 'Ț' => "T",
        'þ' => "th",
        'Þ' => "TH",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'ŵ' | 'ẁ' | 'ẃ' | 'ẅ' => "w",
        'Ŵ' | 'Ẁ' | 'Ẃ' | 'Ẅ' => "W",
        'ý' | 'ÿ' | 'ŷ' | 'ỳ' => "y",
        'Ý' | 'Ÿ' | 'Ŷ' | 'Ỳ' => "Y",
        'ź' | 'ż' | 'ž' => "z",
        'Ź' | 'Ż' | 'Ž' => "Z",
        _ => return None,
    })
}

/// A combining accent (as in a decomposed `e` + `◌́`): dropped, leaving its letter.
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}')
}

/// The first `max` bytes of an ASCII name, without the underscores that would end it.
fn cut(name: &str, max: usize) -> &str {
    let end = name.char_indices().map(|(i, c)| i + c.len_utf8()).take_while(|end| *end <= max).last().unwrap_or(0);
    name[..end].trim_end_matches('_')
}

/// Whether R, SPSS and Stata all accept `name` as a variable name: ASCII letters,
/// digits and `_` only, starting with a letter, at most [`MAX_VARIABLE_NAME`]
/// characters, and not a reserved word of any of them.
pub fn is_safe_variable_name(name: &str) -> bool {
    name.len() <= MAX_VARIABLE_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(name))
}

/// `raw` (a question name, a case attribute, a theme…) as a variable name that R,
/// SPSS and Stata accept (see [`is_safe_variable_name`]): accented Latin letters lose
/// their accents (`ŵ` → `w`), every other run of characters that is not an ASCII
/// letter, digit or `_` becomes one `_`, underscores are trimmed from both ends, a
/// name that starts with a digit or is a reserved word gets `v_` in front, an empty
/// one becomes `v`, and the result is cut to 64 characters. Already-safe names are
/// returned unchanged. Not unique: see [`ColumnNames`].
pub fn safe_variable_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut gap = false;
    for c in raw.chars() {
        let letters = if c.is_ascii_alphanumeric() || c == '_' {
            None
        } else if let Some(plain) = ascii_letters(c) {
            Some(plain)
        } else {
            if !is_combining_mark(c) {
                gap = true;
            }
            continue;
        };
        if gap && !out.ends_with('_') && c != '_' {
            out.push('_');
        }
        gap = false;
        match letters {
            Some(plain) => out.push_str(plain),
            None => out.push(c),
        }
    }
    let name = cut(out.trim_start_matches('_'), MAX_VARIABLE_NAME);
    if name.is_empty() {
        "v".to_string()
    } else if name.starts_with(|c: char| c.is_ascii_digit())
        || RESERVED_WORDS.iter().any(|w| w.eq_ignore_ascii_case(name))
    {
        cut(&format!("v_{name}"), MAX_VARIABLE_NAME).to_string()
    } else {
        name.to_string()
    }
}

/// Hands out the column names of one table, in column order: each made safe with
/// [`safe_variable_name`] and unique ignoring case (SPSS and Stata do not tell `Role`
/// from `role`). The first column to ask for a name gets it; a later one that clashes
/// gets `_2`, `_3`… (the name shortened so that it stays within 64 characters).
/// Deterministic: the same names asked for in the same order give the same answers.
#[derive(Clone, Debug, Default)]
pub struct ColumnNames {
    /// Names handed out, in lower case.
    taken: HashSet<String>,
}

impl ColumnNames {
    pub fn new() -> ColumnNames {
        ColumnNames::default()
    }

    /// The next column's name, from what it would be called (`raw`).
    pub fn name(&mut self, raw: &str) -> String {
        let base = safe_variable_name(raw);
        if self.taken.insert(base.to_ascii_lowercase()) {
            return base;
        }
        let mut n: u32 = 2;
        loop {
            let suffix = format!("_{n}");
            let candidate = format!("{}{suffix}", cut(&base, MAX_VARIABLE_NAME - suffix.len()));
            if self.taken.insert(candidate.to_ascii_lowercase()) {
                return candidate;
            }
            n += 1;
        }
    }

    /// Whether a name was handed out already (ignoring case).
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(&name.to_ascii_lowercase())
    }
}

/// Safe, unique names for a whole header at once (see [`ColumnNames`]).
pub fn unique_variable_names<S: AsRef<str>>(raw: impl IntoIterator<Item = S>) -> Vec<String> {
    let mut names = ColumnNames::new();
    raw.into_iter().map(|r| names.name(r.as_ref())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_cells_are_neutralised() {
        for bad in ["=1+1", "+44 7700", "-5", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(safe_cell(bad), format!("'{bad}"));
        }
        for fine in ["Hello", "", "1+1=2", "'quoted", "ŵ"] {
            assert_eq!(safe_cell(fine), fine);
        }
    }

    #[test]
    fn safe_names_are_left_alone() {
        for name in ["response_id", "q1_org", "Founded", "q2__x", "x9", "Language_of_service"] {
            assert_eq!(safe_variable_name(name), name);
            assert!(is_safe_variable_name(name), "{name}");
        }
    }

    #[test]
    fn a_name_starting_with_a_digit_gets_a_letter_in_front() {
        assert_eq!(safe_variable_name("1st time"), "v_1st_time");
        assert_eq!(safe_variable_name("2024"), "v_2024");
        assert_eq!(safe_variable_name("  9 lives"), "v_9_lives");
    }

    #[test]
    fn spaces_and_punctuation_become_one_underscore_and_ends_are_trimmed() {
        assert_eq!(safe_variable_name("Year established"), "Year_established");
        assert_eq!(safe_variable_name("  Language of service  "), "Language_of_service");
        assert_eq!(safe_variable_name("Members (paid-up), 2024!"), "Members_paid_up_2024");
        assert_eq!(safe_variable_name("a _ b"), "a_b");
        assert_eq!(safe_variable_name("_private_"), "private");
        assert_eq!(safe_variable_name("How do people experience it?"), "How_do_people_experience_it");
        assert_eq!(safe_variable_name("Size\tin\nstaff"), "Size_in_staff");
    }

    #[test]
    fn welsh_and_other_accented_letters_lose_their_accents() {
        assert_eq!(safe_variable_name("Dŵr"), "Dwr");
        assert_eq!(safe_variable_name("Tŷ Gwyn"), "Ty_Gwyn");
        assert_eq!(safe_variable_name("ŴŶ âêîôû"), "WY_aeiou");
        assert_eq!(safe_variable_name("café"), "cafe");
        assert_eq!(safe_variable_name("cafe\u{301}"), "cafe", "a combining accent is dropped");
        assert_eq!(safe_variable_name("Größe"), "Grosse");
        assert_eq!(safe_variable_name("Łódź"), "Lodz");
    }

    #[test]
    fn empty_and_all_symbol_names_become_v() {
        for raw in ["", "   ", "???", "—", "👍🏽", "مرحبا", "___", "¿?"] {
            assert_eq!(safe_variable_name(raw), "v", "{raw:?}");
        }
        assert_eq!(safe_variable_name("👍 ok"), "ok");
    }

    #[test]
    fn reserved_words_get_a_prefix() {
        for (raw, safe) in [("if", "v_if"), ("TO", "v_TO"), ("with", "v_with"), ("NA", "v_NA"), ("in", "v_in")] {
            assert_eq!(safe_variable_name(raw), safe);
            assert!(!is_safe_variable_name(raw));
        }
        assert_eq!(safe_variable_name("into"), "into");
    }

    #[test]
    fn long_names_are_cut_to_64_characters() {
        let long = "a".repeat(100);
        assert_eq!(safe_variable_name(&long), "a".repeat(64));
        let words = "word ".repeat(20);
        let safe = safe_variable_name(&words);
        assert!(safe.len() <= 64 && !safe.ends_with('_'), "{safe}");
        assert!(is_safe_variable_name(&safe));
        // Cut after transliteration, on a character boundary, never mid-way through "ss".
        let welsh = "ŵ".repeat(100);
        assert_eq!(safe_variable_name(&welsh), "w".repeat(64));
        assert_eq!(safe_variable_name(&format!("{}_b", "a".repeat(63))), "a".repeat(63));
        assert_eq!(safe_variable_name(&format!("if{}x", "_".repeat(70))), "v_if", "not a reserved word once cut");
        assert_eq!(safe_variable_name(&format!("1{}", "2".repeat(70))), format!("v_1{}", "2".repeat(61)));
    }

    #[test]
    fn every_name_given_is_safe() {
        for raw in ["", "1", "_", "a-b", "ŵ", "if", "x".repeat(200).as_str(), "9 ŵ ?", "_1", "v", "Ω mega"] {
            let name = safe_variable_name(raw);
            assert!(is_safe_variable_name(&name), "{raw:?} gave {name:?}");
        }
    }

    #[test]
    fn column_names_are_unique_ignoring_case_and_the_first_keeps_its_name() {
        let names = unique_variable_names(["role", "case", "Role", "role", "role_2", "CASE", "Year established"]);
        assert_eq!(names, ["role", "case", "Role_2", "role_3", "role_2_2", "CASE_2", "Year_established"]);
        let mut columns = ColumnNames::new();
        assert_eq!(columns.name("Year established"), "Year_established");
        assert_eq!(columns.name("Year-established"), "Year_established_2");
        assert_eq!(columns.name("year  established"), "year_established_3");
        assert!(columns.is_taken("YEAR_ESTABLISHED"));
        assert!(!columns.is_taken("year"));
        assert_eq!(unique_variable_names(["", "?", "!"]), ["v", "v_2", "v_3"]);
    }

    #[test]
    fn a_suffix_keeps_a_long_name_within_64_characters() {
        let long = "b".repeat(100);
        let names = unique_variable_names(std::iter::repeat_n(long.as_str(), 12));
        assert_eq!(names[0], "b".repeat(64));
        assert_eq!(names[1], format!("{}_2", "b".repeat(62)));
        assert_eq!(names[11], format!("{}_12", "b".repeat(61)));
        let lower: HashSet<String> = names.iter().map(|n| n.to_lowercase()).collect();
        assert_eq!(lower.len(), names.len());
        assert!(names.iter().all(|n| is_safe_variable_name(n)), "{names:?}");
    }

    #[test]
    fn the_same_names_in_the_same_order_give_the_same_columns() {
        let raw = ["a b", "a-b", "A_B", "1", "1"];
        assert_eq!(unique_variable_names(raw), unique_variable_names(raw));
        assert_eq!(unique_variable_names(raw), ["a_b", "a_b_2", "A_B_3", "v_1", "v_1_2"]);
    }
}
