//! REFI-QDA exchange for fieldkit: export a study as a `.qdpx` project or a `.qdc`
//! codebook, and import those files from other qualitative analysis programs.
//!
//! Kept apart from `fieldkit-core` because the zip library would pull browser crates
//! into the app's wasm build; the core stays pure and this crate is used by the CLI
//! (and by the app only if it ever takes on the zip dependency).
//!
//! - [`export_qdpx`], [`export_qdc`], [`project_files`]: writing;
//! - [`import_file`], [`import_qdpx`], [`import_qdpx_into`], [`import_qde`],
//!   [`import_qdc`]: reading, with an [`ImportReport`] of what was assumed and what
//!   could not be brought in. Merging into an existing study is
//!   `fieldkit_core::exchange::merge`.

pub mod archive;
pub mod documents;
pub mod export;
pub mod import;
pub mod report_docx;
pub mod text;
pub mod xml;

use thiserror::Error;

pub use export::{ProjectFiles, export_qdc, export_qdpx, project_files, user_guid};
pub use import::{
    FileKind, ImportReport, Imported, NotImported, import_file, import_qdc, import_qde, import_qdpx, import_qdpx_into,
};
pub use text::PositionUnit;

/// The namespace of REFI-QDA 1.0 project files.
pub const PROJECT_NAMESPACE: &str = "urn:QDA-XML:project:1.0";
/// The namespace of REFI-QDA 1.0 codebook files.
pub const CODEBOOK_NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";

/// Why an export or import failed. The text is shown to users as is; an import that
/// fails changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum InteropError {
    #[error("{0}")]
    NothingToExport(String),
    #[error("The file could not be written: {0}")]
    Write(String),
    #[error("The file is empty.")]
    Empty,
    #[error("This is not a .qdpx project, .qde, .qdc or fieldkit backup file.")]
    UnknownFormat,
    #[error("The file is not a readable zip archive (a .qdpx project is one): {0}")]
    NotAZip(String),
    #[error("The archive has {count} entries; at most {limit} are accepted.")]
    TooManyEntries { count: usize, limit: usize },
    #[error("The archive unpacks to more than {} MB, the most fieldkit accepts.", .limit / (1024 * 1024))]
    TooLarge { limit: u64 },
    #[error("The archive contains an unsafe file name, “{0}” (it points outside the archive), so it was not opened.")]
    UnsafePath(String),
    #[error("The archive holds no project file (.qde).")]
    NoProject,
    #[error("The archive holds more than one project file ({0}); fieldkit cannot tell which to read.")]
    SeveralProjects(String),
    #[error("{file} is not valid XML: {message}")]
    Xml { file: String, message: String },
    #[error("{file} nests elements more than {limit} levels deep, so it was not read.")]
    TooDeep { file: String, limit: usize },
    #[error("{file} is not a REFI-QDA {expected} (its root element is <{found}>).")]
    WrongRoot { file: String, expected: &'static str, found: String },
    #[error("{what} has no valid GUID (“{guid}”).")]
    BadGuid { what: String, guid: String },
    #[error("{what} refers to {target_kind} {guid}, which is not in the file.")]
    MissingReference { what: String, target_kind: &'static str, guid: String },
    #[error("The text of source “{source_name}” is not in the archive (it should be at {path}).")]
    MissingSourceFile { source_name: String, path: String },
    #[error("Source “{source_name}”: {problem}")]
    BadSource { source_name: String, problem: String },
    #[error(
        "Selection {selection} ({start}–{end}) in source “{source_name}” does not fall on its text ({length} characters), counted in code points, UTF-16 units or UTF-8 bytes."
    )]
    SelectionOutside { selection: String, source_name: String, start: String, end: String, length: usize },
    #[error("The imported study is inconsistent, so nothing was imported: {0}")]
    Invalid(String),
    #[error("{0}")]
    Backup(String),
}
