//! Reading REFI-QDA files (`.qdpx`, `.qde`, `.qdc`) and fieldkit backups into a study.
//!
//! All or nothing: any problem that would leave the study wrong (a broken archive or
//! XML, a selection outside its text, a reference to a GUID that is not in the file)
//! ends the import with a message naming it, and nothing is returned to store. What
//! fieldkit cannot hold (PDF, picture, audio and video sources and their selections,
//! graphs, links, sets) is listed in the [`ImportReport`] instead.
//!
//! Quirks of real files that are accepted: a `.qde` with any name, a `Sources/`
//! folder with a capital S (or files found by name anywhere), a byte-order mark in
//! text files, `\r\n` line endings, the older `0:4` namespace (or none), missing
//! optional attributes, `isCodable="false"` folders, and selection positions counted
//! in UTF-16 code units or UTF-8 bytes instead of code points (detected per source).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use fieldkit_core::coding::Memo;
use fieldkit_core::coding::composed::ComposedInterview;
use fieldkit_core::coding::sources::SourceRef;
use fieldkit_core::coding::{Code, Coding, MemoTarget, Segment};
use fieldkit_core::exchange::backup::Backup;
use fieldkit_core::fieldwork::{Document, DocumentKind};
use fieldkit_core::offsets::CodePointIndex;
use fieldkit_core::study::{Attribute, Case, CaseAttributes, Setting};
use fieldkit_core::{Date, StudyData, Timestamp};
use serde::Serialize;
use uuid::Uuid;

use crate::archive::{Files, read_zip};
use crate::export::{
    CASE_TYPE, CASE_TYPE_RESPONDENT, EXAMPLE, PARTICIPANT, SITE, SOURCE_DATE, SOURCE_TYPE, WHEN_NOT_TO_USE, WHEN_TO_USE,
};
use crate::text::{Normalised, PositionUnit, detect_unit};
use crate::xml::{El, parse};
use crate::{CODEBOOK_NAMESPACE, InteropError, PROJECT_NAMESPACE};

const IMPORT_NS: Uuid = Uuid::from_u128(0x1e9b_52c7_a0f3_4d86_b74e_0c2d_61a8_f5e3);

/// What kind of file was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Qdpx,
    Qde,
    Qdc,
    Backup,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Qdpx => "REFI-QDA project (.qdpx)",
            FileKind::Qde => "REFI-QDA project file (.qde)",
            FileKind::Qdc => "REFI-QDA codebook (.qdc)",
            FileKind::Backup => "fieldkit backup (.json)",
        }
    }
}

/// Something in the file that was not brought into the study, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotImported {
    /// What it is ("PDF source", "graph", "set", …).
    pub kind: String,
    pub name: String,
    pub reason: String,
}

/// What an import did: counts, what was assumed, what was left out.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ImportReport {
    pub file_kind: FileKind,
    /// The project's name in the file.
    pub project: String,
    /// The program that wrote the file, when it says.
    pub origin: String,
    /// How many of each kind of object were imported ("codes", "cases", …).
    pub imported: BTreeMap<String, usize>,
    /// Assumptions made to read the file (namespace, line endings, position units…).
    pub assumptions: Vec<String>,
    /// How selection positions were counted, with the sources' names.
    pub position_units: BTreeMap<PositionUnit, Vec<String>>,
    pub not_imported: Vec<NotImported>,
}

impl ImportReport {
    fn new(file_kind: FileKind) -> ImportReport {
        ImportReport {
            file_kind,
            project: String::new(),
            origin: String::new(),
            imported: BTreeMap::new(),
            assumptions: Vec::new(),
            position_units: BTreeMap::new(),
            not_imported: Vec::new(),
        }
    }

    fn count(&mut self, what: &str, n: usize) {
        *self.imported.entry(what.to_string()).or_insert(0) += n;
    }

    fn skip(&mut self, kind: &str, name: &str, reason: impl Into<String>) {
        self.not_imported.push(NotImported { kind: kind.into(), name: name.into(), reason: reason.into() });
    }

    fn assume(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.assumptions.contains(&text) {
            self.assumptions.push(text);
        }
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Imported {}: “{}”{}",
            self.file_kind.label(),
            self.project,
            if self.origin.is_empty() { String::new() } else { format!(" (written by {})", self.origin) }
        )?;
        let counts: Vec<String> = self.imported.iter().map(|(k, v)| format!("{v} {k}")).collect();
        writeln!(f, "  Imported: {}", if counts.is_empty() { "nothing".to_string() } else { counts.join(", ") })?;
        for (unit, sources) in &self.position_units {
            if *unit != PositionUnit::CodePoints {
                let shown: Vec<&str> = sources.iter().take(5).map(String::as_str).collect();
                let more = if sources.len() > 5 { format!(" and {} more", sources.len() - 5) } else { String::new() };
                writeln!(
                    f,
                    "  Positions counted in {unit}, converted to code points, in {} source(s): {}{more}",
                    sources.len(),
                    shown.join(", ")
                )?;
            }
        }
        for a in &self.assumptions {
            writeln!(f, "  Assumed: {a}")?;
        }
        if self.not_imported.is_empty() {
            writeln!(f, "  Everything in the file was imported.")?;
        } else {
            writeln!(f, "  Not imported ({}):", self.not_imported.len())?;
            for n in &self.not_imported {
                writeln!(f, "    - {} “{}”: {}", n.kind, n.name, n.reason)?;
            }
        }
        Ok(())
    }
}

/// A study read from a file, with its report. Nothing is stored yet: the caller
/// stores `data` as a new study, or merges it into an existing one
/// (`fieldkit_core::exchange::merge`).
#[derive(Clone, Debug)]
pub struct Imported {
    pub data: StudyData,
    pub report: ImportReport,
}

fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// Reads any file fieldkit imports, told apart by content: a `.qdpx` (zip), a `.qde`
/// or `.qdc` (XML), or a fieldkit backup (JSON). `base`: the study it will be merged
/// into, if any (see [`import_qdpx_into`]).
pub fn import_file(bytes: &[u8], base: Option<&StudyData>, now: Timestamp) -> Result<Imported, InteropError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(InteropError::Empty);
    }
    if is_zip(bytes) {
        return import_archive(bytes, base, now);
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    match first {
        Some(b'{') => {
            let backup = Backup::parse(bytes).map_err(|e| InteropError::Backup(e.to_string()))?;
            let mut report = ImportReport::new(FileKind::Backup);
            report.project = backup.study.title.clone();
            report.origin = backup.generator.clone();
            let data = backup.into_study();
            for (what, n) in [
                ("cases", data.cases.len()),
                ("participants", data.participants.len()),
                ("interviews", data.interviews.len()),
                ("documents", data.documents.len()),
                ("survey responses", data.responses.len()),
                ("codes", data.codes.len()),
                ("coded segments", data.segments.len()),
                ("memos", data.memos.len()),
            ] {
                report.count(what, n);
            }
            Ok(Imported { data, report })
        }
        Some(b'<') => {
            let root = parse(bytes, "the file")?;
            match root.name.as_str() {
                "Project" => build_project(&root, None, base, now, FileKind::Qde),
                "CodeBook" => import_qdc_root(&root, now),
                other => Err(InteropError::WrongRoot {
                    file: "the file".into(),
                    expected: "project or codebook",
                    found: other.into(),
                }),
            }
        }
        _ => Err(InteropError::UnknownFormat),
    }
}

/// Reads a `.qdpx` project into a new study.
pub fn import_qdpx(bytes: &[u8], now: Timestamp) -> Result<Imported, InteropError> {
    import_archive(bytes, None, now)
}

/// Reads a `.qdpx` project to merge into `base`: its study record is `base`'s, sources
/// and cases that `base` already has (same GUID, same text) are recognised rather than
/// imported again as documents, and survey respondents that `base` holds are skipped.
/// Pass the result to `fieldkit_core::exchange::merge::plan(base, &imported.data)`.
pub fn import_qdpx_into(base: &StudyData, bytes: &[u8], now: Timestamp) -> Result<Imported, InteropError> {
    import_archive(bytes, Some(base), now)
}

/// Reads a bare `.qde` (XML) project; sources must hold their text inline.
pub fn import_qde(bytes: &[u8], now: Timestamp) -> Result<Imported, InteropError> {
    let root = parse(bytes, "the project file")?;
    if root.name != "Project" {
        return Err(InteropError::WrongRoot { file: "the project file".into(), expected: "project", found: root.name });
    }
    build_project(&root, None, None, now, FileKind::Qde)
}

fn import_archive(bytes: &[u8], base: Option<&StudyData>, now: Timestamp) -> Result<Imported, InteropError> {
    let files = read_zip(bytes)?;
    let qdes: Vec<&(String, Vec<u8>)> =
        files.entries.iter().filter(|(n, _)| n.to_lowercase().ends_with(".qde")).collect();
    // The standard's name first; any other single .qde at the top, or anywhere.
    let qde = qdes
        .iter()
        .find(|(n, _)| n == "project.qde")
        .or_else(|| {
            let top: Vec<_> = qdes.iter().filter(|(n, _)| !n.contains('/')).collect();
            if top.len() == 1 { top.first().copied() } else { None }
        })
        .or_else(|| if qdes.len() == 1 { qdes.first() } else { None });
    let Some((name, xml)) = qde.copied() else {
        if qdes.is_empty() {
            return Err(InteropError::NoProject);
        }
        let names: Vec<&str> = qdes.iter().map(|(n, _)| n.as_str()).collect();
        return Err(InteropError::SeveralProjects(names.join(", ")));
    };
    let root = parse(xml, name)?;
    if root.name != "Project" {
        return Err(InteropError::WrongRoot { file: name.clone(), expected: "project", found: root.name });
    }
    let mut imported = build_project(&root, Some(&files), base, now, FileKind::Qdpx)?;
    if name != "project.qde" {
        imported.report.assume(format!("the project file is {name} (the standard calls it project.qde)"));
    }
    imported.report.file_kind = FileKind::Qdpx;
    Ok(imported)
}

/// Reads a `.qdc` codebook into a new study holding just the codes (import them into
/// an existing study with `StudyData::import_codebook` or a merge).
pub fn import_qdc(bytes: &[u8], now: Timestamp) -> Result<Imported, InteropError> {
    let root = parse(bytes, "the codebook")?;
    if root.name != "CodeBook" {
        return Err(InteropError::WrongRoot { file: "the codebook".into(), expected: "codebook", found: root.name });
    }
    import_qdc_root(&root, now)
}

fn import_qdc_root(root: &El, now: Timestamp) -> Result<Imported, InteropError> {
    let mut report = ImportReport::new(FileKind::Qdc);
    report.origin = root.attr("origin").unwrap_or("").to_string();
    check_namespace(root, CODEBOOK_NAMESPACE, &mut report);
    report.project = "Imported codebook".into();
    let mut data = StudyData::new("Imported codebook", now).map_err(|e| InteropError::Invalid(e.to_string()))?;
    let mut ids = Ids::default();
    let mut codes = CodeReader::default();
    if let Some(list) = root.child("Codes") {
        for el in list.all("Code") {
            codes.read(el, None, &mut ids, &data, now, &mut report)?;
        }
    }
    for set in root.child("Sets").into_iter().flat_map(|s| s.all("Set")) {
        report.skip("set", set.attr("name").unwrap_or(""), "fieldkit has no code sets");
    }
    data.codes = codes.codes;
    finish_codes_report(&codes.uncodable, &codes.recoloured, &mut report);
    report.count("codes", data.codes.len());
    check(&data)?;
    Ok(Imported { data, report })
}

fn check_namespace(root: &El, expected: &str, report: &mut ImportReport) {
    match root.namespace.as_deref() {
        Some(ns) if ns == expected => {}
        Some(ns) => report.assume(format!("the file uses the namespace {ns}; it was read as {expected}")),
        None => report.assume(format!("the file declares no namespace; it was read as {expected}")),
    }
}

fn check(data: &StudyData) -> Result<(), InteropError> {
    let problems = data.validate();
    if problems.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = problems.iter().take(5).map(|p| p.to_string()).collect();
    Err(InteropError::Invalid(shown.join(" ")))
}

/// Ids handed out: a GUID is kept as the object's id unless already taken.
#[derive(Default)]
struct Ids {
    used: HashSet<Uuid>,
}

impl Ids {
    fn claim(&mut self, guid: Uuid) -> Uuid {
        if self.used.insert(guid) {
            return guid;
        }
        let mut n = 0u32;
        loop {
            let id = Uuid::new_v5(&IMPORT_NS, format!("{guid}:{n}").as_bytes());
            if self.used.insert(id) {
                return id;
            }
            n += 1;
        }
    }
}

fn parse_guid(text: &str) -> Option<Uuid> {
    Uuid::parse_str(text.trim()).ok()
}

fn guid_of(el: &El, what: &str) -> Result<Uuid, InteropError> {
    let raw = el.attr("guid").unwrap_or("");
    parse_guid(raw).ok_or_else(|| InteropError::BadGuid { what: what.to_string(), guid: raw.to_string() })
}

fn target_of(el: &El) -> Option<Uuid> {
    el.attr("targetGUID").and_then(parse_guid)
}

fn timestamp(el: &El, attr: &str) -> Option<Timestamp> {
    el.attr(attr).and_then(|t| Timestamp::parse(t.trim()).ok())
}

/// `#rgb` or `#rrggbb` as fieldkit's `#rrggbb`.
fn colour(text: &str) -> Option<String> {
    let hex = text.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        6 => Some(format!("#{}", hex.to_lowercase())),
        3 => Some(format!("#{}", hex.chars().flat_map(|c| [c, c]).collect::<String>().to_lowercase())),
        _ => None,
    }
}

const PALETTE: [&str; 8] = ["#2a7f62", "#3b6fb6", "#b5543c", "#8a5fb8", "#c28a1a", "#2f8f9d", "#b8476e", "#6b7f2a"];

/// Splits a REFI-QDA description into definition, inclusion, exclusion and example
/// (the paragraphs fieldkit writes; anything else stays in the definition).
fn split_description(text: &str) -> [String; 4] {
    let mut parts: [Vec<&str>; 4] = Default::default();
    let mut at = 0;
    for paragraph in text.split("\n\n") {
        let mut body = paragraph;
        for (i, label) in [(1, WHEN_TO_USE), (2, WHEN_NOT_TO_USE), (3, EXAMPLE)] {
            if let Some(rest) = paragraph.strip_prefix(label) {
                at = i;
                body = rest;
            }
        }
        parts[at].push(body);
    }
    parts.map(|p| p.join("\n\n"))
}

fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while !taken.insert(candidate.trim().to_lowercase()) {
        candidate = format!("{name} ({n})");
        n += 1;
    }
    candidate
}

#[derive(Default)]
struct CodeReader {
    codes: Vec<Code>,
    by_guid: HashMap<Uuid, Uuid>,
    names: HashMap<Option<Uuid>, HashSet<String>>,
    uncodable: Vec<String>,
    recoloured: usize,
    notes: Vec<(Uuid, Uuid)>,
}

impl CodeReader {
    fn read(
        &mut self,
        el: &El,
        parent: Option<Uuid>,
        ids: &mut Ids,
        data: &StudyData,
        now: Timestamp,
        report: &mut ImportReport,
    ) -> Result<(), InteropError> {
        let name = el.attr("name").unwrap_or("").trim().to_string();
        let guid = guid_of(el, &format!("Code “{name}”"))?;
        if self.by_guid.contains_key(&guid) {
            return Err(InteropError::BadGuid {
                what: format!("Code “{name}” (its GUID is used twice)"),
                guid: guid.to_string(),
            });
        }
        let id = ids.claim(guid);
        self.by_guid.insert(guid, id);
        let name = if name.is_empty() { "Unnamed code".to_string() } else { name };
        let name = unique_name(&name, self.names.entry(parent).or_default());
        if el.attr("isCodable").is_some_and(|v| v.trim() == "false" || v.trim() == "0") {
            self.uncodable.push(name.clone());
        }
        let colour = el.attr("color").and_then(colour).unwrap_or_else(|| {
            self.recoloured += 1;
            PALETTE[self.codes.len() % PALETTE.len()].to_string()
        });
        let [definition, inclusion, exclusion, example] = split_description(el.child_text("Description").unwrap_or(""));
        self.codes.push(Code {
            id,
            study_id: data.study.id,
            created: now,
            modified: now,
            parent,
            name,
            colour,
            definition,
            inclusion,
            exclusion,
            example,
            order: 0,
        });
        for n in el.all("NoteRef") {
            if let Some(t) = target_of(n) {
                self.notes.push((t, id));
            }
        }
        let _ = report;
        for child in el.all("Code") {
            self.read(child, Some(id), ids, data, now, report)?;
        }
        Ok(())
    }
}

fn finish_codes_report(uncodable: &[String], recoloured: &usize, report: &mut ImportReport) {
    if !uncodable.is_empty() {
        report.assume(format!(
            "{} code(s) marked not codable (folders) were imported as ordinary codes, which fieldkit lets you code with: {}",
            uncodable.len(),
            uncodable.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
        ));
    }
    if *recoloured > 0 {
        report.assume(format!("{recoloured} code(s) without a colour were given one"));
    }
}

/// Decodes a text file: UTF-8 (a byte-order mark removed), UTF-16 with a byte-order
/// mark, or, failing those, Latin-1.
fn decode_text(bytes: &[u8], name: &str, report: &mut ImportReport) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        report.assume("text files with a UTF-8 byte-order mark: the mark was removed");
        return String::from_utf8_lossy(rest).into_owned();
    }
    let utf16 = |rest: &[u8], le: bool| -> String {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) })
            .collect();
        String::from_utf16_lossy(&units)
    };
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        report.assume("text files in UTF-16 (little-endian) were converted to UTF-8");
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        report.assume("text files in UTF-16 (big-endian) were converted to UTF-8");
        return utf16(rest, false);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => {
            report.assume(format!("{name} is not UTF-8; it was read as Latin-1"));
            bytes.iter().map(|&b| b as char).collect()
        }
    }
}

/// The file an internal path points to: `sources/NAME` or `Sources/NAME`, or NAME
/// anywhere in the archive.
fn find_source<'a>(files: &'a Files, path: &str, report: &mut ImportReport) -> Option<&'a [u8]> {
    let name = path.trim().trim_start_matches('/');
    let exact = format!("sources/{name}");
    if let Some((_, data)) = files.entries.iter().find(|(n, _)| *n == exact) {
        return Some(data);
    }
    let lower = exact.to_lowercase();
    if let Some((n, data)) = files.entries.iter().find(|(n, _)| n.to_lowercase() == lower) {
        report
            .assume(format!("source files are in {} (the standard says sources/)", n.split('/').next().unwrap_or("")));
        return Some(data);
    }
    let base = name.rsplit('/').next().unwrap_or(name).to_lowercase();
    files.entries.iter().find(|(n, _)| n.rsplit('/').next().is_some_and(|b| b.to_lowercase() == base)).map(
        |(n, data)| {
            report.assume(format!("source files were looked for by name anywhere in the archive (found {n})"));
            data.as_slice()
        },
    )
}

struct Selection {
    guid: Uuid,
    name: String,
    start: u64,
    end: u64,
    user: Option<Uuid>,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
    /// (code GUID, user, time)
    codings: Vec<(Uuid, Option<Uuid>, Option<Timestamp>)>,
    notes: Vec<Uuid>,
}

/// A selection's codings, each code once (the first wins), with its coder: the
/// coding's own user, else the selection's.
fn codings_of(
    sel: &Selection,
    code_ids: &HashMap<Uuid, Uuid>,
    user_name: &mut impl FnMut(Option<Uuid>) -> String,
    created: Timestamp,
) -> Vec<Coding> {
    let default_coder = user_name(sel.user);
    let mut codings: Vec<Coding> = Vec::new();
    for (code, user, at) in &sel.codings {
        let Some(code) = code_ids.get(code).copied() else { continue };
        if !codings.iter().any(|c| c.code == code) {
            let coder = if user.is_some() { user_name(*user) } else { default_coder.clone() };
            codings.push(Coding { code, coder, created: at.unwrap_or(created) });
        }
    }
    codings
}

fn read_codings(
    el: &El,
    what: &str,
    codes: &HashMap<Uuid, Uuid>,
) -> Result<Vec<(Uuid, Option<Uuid>, Option<Timestamp>)>, InteropError> {
    let mut out = Vec::new();
    for c in el.all("Coding") {
        let Some(code) = c.child("CodeRef").and_then(target_of) else {
            return Err(InteropError::MissingReference {
                what: what.to_string(),
                target_kind: "a code",
                guid: "(none given)".into(),
            });
        };
        if !codes.contains_key(&code) {
            return Err(InteropError::MissingReference {
                what: what.to_string(),
                target_kind: "code",
                guid: code.to_string(),
            });
        }
        out.push((code, c.attr("creatingUser").and_then(parse_guid), timestamp(c, "creationDateTime")));
    }
    Ok(out)
}

fn read_position(el: &El, attr: &str) -> Option<u64> {
    el.attr(attr).and_then(|v| v.trim().parse::<u64>().ok())
}

const UNSUPPORTED_SOURCES: [(&str, &str, &str); 4] = [
    ("PDFSource", "PDF source", "PDFSelection"),
    ("PictureSource", "picture source", "PictureSelection"),
    ("AudioSource", "audio source", "AudioSelection"),
    ("VideoSource", "video source", "VideoSelection"),
];

fn build_project(
    root: &El,
    files: Option<&Files>,
    base: Option<&StudyData>,
    now: Timestamp,
    kind: FileKind,
) -> Result<Imported, InteropError> {
    let mut report = ImportReport::new(kind);
    check_namespace(root, PROJECT_NAMESPACE, &mut report);
    let title = root.attr("name").unwrap_or("").trim().to_string();
    report.project = title.clone();
    report.origin = root.attr("origin").unwrap_or("").trim().to_string();
    let created = timestamp(root, "creationDateTime").unwrap_or(now);
    let mut data = match base {
        Some(base) => {
            let mut d = StudyData::new(&base.study.title, now).map_err(|e| InteropError::Invalid(e.to_string()))?;
            d.study = base.study.clone();
            d
        }
        None => {
            let title = if title.is_empty() { "Imported project".to_string() } else { title.clone() };
            let mut d = StudyData::new(&title, created).map_err(|e| InteropError::Invalid(e.to_string()))?;
            d.study.description = root.child_text("Description").unwrap_or("").trim().to_string();
            d
        }
    };
    let study_id = data.study.id;
    let mut ids = Ids::default();
    ids.used.insert(study_id);
    for r in &data.study.roles {
        ids.used.insert(r.id);
    }

    // Users.
    let mut users: HashMap<Uuid, String> = HashMap::new();
    for (n, u) in root.child("Users").into_iter().flat_map(|u| u.all("User")).enumerate() {
        let guid = guid_of(u, "A user")?;
        let name = u.attr("name").or(u.attr("id")).map(str::trim).filter(|s| !s.is_empty());
        users.insert(guid, name.map_or_else(|| format!("user {}", n + 1), str::to_string));
    }
    let mut unknown_users = 0usize;
    let mut user_name = |guid: Option<Uuid>| -> String {
        match guid {
            None => String::new(),
            Some(g) => users.get(&g).cloned().unwrap_or_else(|| {
                unknown_users += 1;
                String::new()
            }),
        }
    };

    // Codes.
    let mut codes = CodeReader::default();
    if let Some(list) = root.child("CodeBook").and_then(|c| c.child("Codes")) {
        for el in list.all("Code") {
            codes.read(el, None, &mut ids, &data, now, &mut report)?;
        }
    }
    finish_codes_report(&codes.uncodable, &codes.recoloured, &mut report);
    let code_ids = codes.by_guid.clone();
    let mut note_targets: Vec<(Uuid, NoteTarget)> =
        codes.notes.iter().map(|(n, c)| (*n, NoteTarget::Code(*c))).collect();
    data.codes = std::mem::take(&mut codes.codes);

    // Variables.
    let mut variables: HashMap<Uuid, String> = HashMap::new();
    for v in root.child("Variables").into_iter().flat_map(|v| v.all("Variable")) {
        let guid = guid_of(v, "A variable")?;
        variables.insert(guid, v.attr("name").unwrap_or("").trim().to_string());
    }
    let values_of = |el: &El, what: &str| -> Result<Vec<(String, String)>, InteropError> {
        let mut out = Vec::new();
        for vv in el.all("VariableValue") {
            let Some(var) = vv.child("VariableRef").and_then(target_of) else { continue };
            let Some(name) = variables.get(&var) else {
                return Err(InteropError::MissingReference {
                    what: what.to_string(),
                    target_kind: "variable",
                    guid: var.to_string(),
                });
            };
            let value = vv
                .children
                .iter()
                .find(|c| c.name.ends_with("Value"))
                .map(|c| c.text.trim().to_string())
                .unwrap_or_default();
            out.push((name.clone(), value));
        }
        Ok(out)
    };

    // Sources: their text, selections and codings.
    struct Source {
        guid: Uuid,
        name: String,
        text: String,
        description: String,
        selections: Vec<Selection>,
        whole: Vec<(Uuid, Option<Uuid>, Option<Timestamp>)>,
        values: Vec<(String, String)>,
        notes: Vec<Uuid>,
        created: Option<Timestamp>,
        modified: Option<Timestamp>,
    }
    let mut sources: Vec<Source> = Vec::new();
    let mut unsupported: HashSet<Uuid> = HashSet::new();
    let mut unsupported_selections: HashSet<Uuid> = HashSet::new();
    let mut all_selections: HashSet<Uuid> = HashSet::new();
    let mut source_guids: HashSet<Uuid> = HashSet::new();
    if let Some(list) = root.child("Sources") {
        for el in &list.children {
            let name = el.attr("name").unwrap_or("").trim().to_string();
            if let Some((_, label, selection)) = UNSUPPORTED_SOURCES.iter().find(|(tag, _, _)| *tag == el.name) {
                let guid = guid_of(el, &format!("The {label} “{name}”"))?;
                unsupported.insert(guid);
                let mut n = 0;
                for s in el.all(selection) {
                    unsupported_selections.insert(guid_of(s, &format!("A selection in “{name}”"))?);
                    n += 1;
                }
                for s in el.all("Transcript") {
                    n += s.all("TranscriptSelection").count();
                }
                let selections = if n > 0 { format!(" (with {n} coded selection(s))") } else { String::new() };
                report.skip(label, &name, format!("fieldkit holds text sources only{selections}"));
                continue;
            }
            if el.name != "TextSource" {
                continue;
            }
            let what = format!("Source “{name}”");
            let guid = guid_of(el, &what)?;
            if !source_guids.insert(guid) {
                return Err(InteropError::BadGuid {
                    what: format!("{what} (its GUID is used twice)"),
                    guid: guid.to_string(),
                });
            }
            let display = if name.is_empty() { format!("Source {}", sources.len() + 1) } else { name.clone() };
            let text = if let Some(content) = el.child_text("PlainTextContent").filter(|t| !t.is_empty()) {
                content.to_string()
            } else if let Some(path) = el.attr("plainTextPath").map(str::trim).filter(|p| !p.is_empty()) {
                let (scheme, rest) = path.split_once("://").unwrap_or(("", path));
                let found = files.and_then(|f| find_source(f, rest, &mut report));
                match (found, scheme) {
                    (Some(bytes), _) => decode_text(bytes, &display, &mut report),
                    (None, "internal") if files.is_some() => {
                        return Err(InteropError::MissingSourceFile { source_name: display, path: path.to_string() });
                    }
                    (None, _) => {
                        report.skip("text source", &display, format!("its text ({path}) is not in the file"));
                        unsupported.insert(guid);
                        for s in el.all("PlainTextSelection") {
                            unsupported_selections.insert(guid_of(s, &format!("A selection in “{display}”"))?);
                        }
                        continue;
                    }
                }
            } else {
                report.skip("text source", &display, "it has no plain text (only rich text or nothing)");
                unsupported.insert(guid);
                continue;
            };
            let mut selections = Vec::new();
            for s in el.all("PlainTextSelection") {
                let sguid = guid_of(s, &format!("A selection in “{display}”"))?;
                if !all_selections.insert(sguid) {
                    return Err(InteropError::BadGuid {
                        what: format!("A selection in “{display}” (its GUID is used twice)"),
                        guid: sguid.to_string(),
                    });
                }
                let (Some(start), Some(end)) = (read_position(s, "startPosition"), read_position(s, "endPosition"))
                else {
                    return Err(InteropError::SelectionOutside {
                        selection: sguid.to_string(),
                        source_name: display,
                        start: s.attr("startPosition").unwrap_or("?").into(),
                        end: s.attr("endPosition").unwrap_or("?").into(),
                        length: text.chars().count(),
                    });
                };
                selections.push(Selection {
                    guid: sguid,
                    name: s.attr("name").unwrap_or("").to_string(),
                    start: start.min(end),
                    end: start.max(end),
                    user: s.attr("creatingUser").and_then(parse_guid),
                    created: timestamp(s, "creationDateTime"),
                    modified: timestamp(s, "modifiedDateTime"),
                    codings: read_codings(s, &format!("A selection in “{display}”"), &code_ids)?,
                    notes: s.all("NoteRef").filter_map(target_of).collect(),
                });
            }
            sources.push(Source {
                guid,
                name: display.clone(),
                text,
                description: el.child_text("Description").unwrap_or("").trim().to_string(),
                selections,
                whole: read_codings(el, &format!("Source “{display}”"), &code_ids)?,
                values: values_of(el, &format!("Source “{display}”"))?,
                notes: el.all("NoteRef").filter_map(target_of).collect(),
                created: timestamp(el, "creationDateTime"),
                modified: timestamp(el, "modifiedDateTime"),
            });
        }
    }

    // Cases: fieldkit cases, or survey respondents (fieldkit's own exports).
    let base_cases: HashSet<Uuid> = base.map(|b| b.cases.iter().map(|c| c.id).collect()).unwrap_or_default();
    let base_responses: HashSet<Uuid> = base.map(|b| b.responses.iter().map(|r| r.id).collect()).unwrap_or_default();
    let mut case_of_source: HashMap<Uuid, Uuid> = HashMap::new();
    let mut case_names: HashSet<String> = HashSet::new();
    let mut respondents = 0usize;
    let selection_source: HashMap<Uuid, Uuid> =
        sources.iter().flat_map(|s| s.selections.iter().map(move |x| (x.guid, s.guid))).collect();
    for (n, el) in root.child("Cases").into_iter().flat_map(|c| c.all("Case")).enumerate() {
        let name = el.attr("name").unwrap_or("").trim().to_string();
        let what = format!("Case “{name}”");
        let guid = guid_of(el, &what)?;
        let values = values_of(el, &what)?;
        let mut refs = Vec::new();
        for r in el.all("SourceRef") {
            let Some(t) = target_of(r) else { continue };
            if !source_guids.contains(&t) && !unsupported.contains(&t) {
                return Err(InteropError::MissingReference {
                    what: what.clone(),
                    target_kind: "source",
                    guid: t.to_string(),
                });
            }
            refs.push(t);
        }
        for r in el.all("SelectionRef") {
            let Some(t) = target_of(r) else { continue };
            match selection_source.get(&t) {
                Some(s) => refs.push(*s),
                None if unsupported_selections.contains(&t) => {}
                None => {
                    return Err(InteropError::MissingReference {
                        what: what.clone(),
                        target_kind: "selection",
                        guid: t.to_string(),
                    });
                }
            }
        }
        if el.all("CodeRef").next().is_some() {
            report.skip("case coding", &name, "fieldkit does not code whole cases");
        }
        let is_respondent = values.iter().any(|(k, v)| k == CASE_TYPE && v == CASE_TYPE_RESPONDENT);
        if is_respondent {
            respondents += 1;
            if !base_responses.contains(&guid) {
                report.skip("survey respondent", &name, "fieldkit keeps survey answers in its own surveys; the respondent's open answers were imported as documents of their site");
            }
            continue;
        }
        let id = if base_cases.contains(&guid) { guid } else { ids.claim(guid) };
        let display = if name.is_empty() { format!("Case {}", n + 1) } else { name.clone() };
        let case_name = unique_name(&display, &mut case_names);
        let mut attributes = CaseAttributes::default();
        let mut keys = HashSet::new();
        for (key, value) in values {
            if value.is_empty() || key == CASE_TYPE {
                continue;
            }
            match key.to_lowercase().as_str() {
                "setting" if attributes.setting.is_none() => {
                    let found = Setting::ALL
                        .into_iter()
                        .find(|s| s.label().eq_ignore_ascii_case(&value) || s.key() == value.to_lowercase());
                    match found {
                        Some(s) => attributes.setting = Some(s),
                        None => {
                            if keys.insert("setting (imported)".to_string()) {
                                attributes.extra.push(Attribute { key: "Setting (imported)".into(), value });
                            }
                        }
                    }
                }
                "legal form" if attributes.legal_form.is_empty() => attributes.legal_form = value,
                "country" if attributes.country.is_empty() => attributes.country = value,
                "setting" | "legal form" | "legal_form" | "country" => {}
                lower => {
                    if keys.insert(lower.to_string()) {
                        attributes.extra.push(Attribute { key: key.clone(), value });
                    }
                }
            }
        }
        for r in refs {
            case_of_source.entry(r).or_insert(id);
        }
        data.cases.push(Case {
            id,
            study_id,
            created,
            modified: created,
            name: case_name,
            description: el.child_text("Description").unwrap_or("").trim().to_string(),
            attributes,
        });
    }
    let _ = respondents;

    // Sources become documents (or, when merging, the base's own sources).
    let base_sources: HashMap<Uuid, (SourceRef, String)> = base
        .map(|b| b.sources().into_iter().map(|s| (s.uuid, (s.source.clone(), s.text.to_string()))).collect())
        .unwrap_or_default();
    // fieldkit writes an interview as one text (GUID: the interview's id); the base's
    // own interviews, composed the same way, are recognised by GUID and text.
    let base_composed: HashMap<Uuid, ComposedInterview> = base
        .map(|b| b.interviews.iter().filter_map(|i| b.compose_interview(i.id)).map(|c| (c.interview, c)).collect())
        .unwrap_or_default();
    let mut source_refs: HashMap<Uuid, SourceRef> = HashMap::new();
    let mut segment_of_selection: HashMap<Uuid, Uuid> = HashMap::new();
    let mut selection_notes: Vec<(Uuid, Uuid, Uuid)> = Vec::new(); // note, selection, source
    let mut orphan_case: Option<Uuid> = None;
    let mut zero_length = 0usize;
    let mut uncoded = 0usize;
    let mut crlf = false;
    for src in &sources {
        // Positions: find the unit in which they fall on the text, then normalise lines.
        let positions: Vec<(u64, u64)> = src.selections.iter().map(|s| (s.start, s.end)).collect();
        let normalised = Normalised::of(&src.text);
        crlf |= normalised.changed() && src.text.contains('\r');
        let (unit, spans) = if positions.is_empty() {
            (PositionUnit::CodePoints, Vec::new())
        } else if let Some((unit, spans, _)) = detect_unit(&src.text, &positions) {
            (unit, spans.into_iter().map(|(s, e)| (normalised.position(s), normalised.position(e))).collect())
        } else if let Some((unit, spans, _)) =
            normalised.changed().then(|| detect_unit(&normalised.text, &positions)).flatten()
        {
            report.assume(format!("positions in “{}” count a line break as one character", src.name));
            (unit, spans)
        } else {
            let length = src.text.chars().count();
            let worst = src
                .selections
                .iter()
                .max_by_key(|s| s.end)
                .map_or((0, 0, String::new()), |s| (s.start, s.end, s.guid.to_string()));
            return Err(InteropError::SelectionOutside {
                selection: worst.2,
                source_name: src.name.clone(),
                start: worst.0.to_string(),
                end: worst.1.to_string(),
                length,
            });
        };
        if !positions.is_empty() {
            report.position_units.entry(unit).or_default().push(src.name.clone());
        }
        let text = normalised.text;
        // A whole interview of the study's own: its selections go back onto the notes
        // and turns they are in.
        if let (Some(c), Some(base)) = (base_composed.get(&src.guid).filter(|c| c.text == text), base) {
            let Some(first) = c.sources().next().cloned() else { continue };
            source_refs.insert(src.guid, first.clone());
            for (sel, (start, end)) in src.selections.iter().zip(spans) {
                for n in &sel.notes {
                    selection_notes.push((*n, sel.guid, src.guid));
                }
                if start >= end {
                    zero_length += 1;
                    continue;
                }
                if sel.codings.is_empty() {
                    uncoded += 1;
                    continue;
                }
                for (k, part) in c.split_selection(start, end).into_iter().enumerate() {
                    let Some(words) = base.source_text(&part.source).and_then(|t| {
                        fieldkit_core::offsets::slice_code_points(t, part.start, part.end).map(str::to_string)
                    }) else {
                        continue;
                    };
                    let id = if k == 0 {
                        ids.claim(sel.guid)
                    } else {
                        ids.claim(Uuid::new_v5(&IMPORT_NS, format!("{}:part{k}", sel.guid).as_bytes()))
                    };
                    if k == 0 {
                        segment_of_selection.insert(sel.guid, id);
                    }
                    let seg_created = sel.created.unwrap_or(created);
                    let codings = codings_of(sel, &code_ids, &mut user_name, seg_created);
                    data.segments.push(Segment {
                        id,
                        study_id,
                        created: seg_created,
                        modified: sel.modified.unwrap_or(seg_created),
                        source: part.source,
                        start: part.start,
                        end: part.end,
                        text: words,
                        codings,
                        anchor: Default::default(),
                    });
                }
            }
            // A memo on one of its notes or turns keeps that target.
            for n in &src.notes {
                let own = base.memo(*n).and_then(|m| match &m.target {
                    MemoTarget::Source(s) if c.sources().any(|x| x == s) => Some(s.clone()),
                    _ => None,
                });
                note_targets.push((*n, NoteTarget::Source(own.unwrap_or_else(|| first.clone()))));
            }
            continue;
        }
        // The source itself.
        let known = base_sources.get(&src.guid).filter(|(_, t)| *t == text).map(|(r, _)| r.clone());
        let source_ref = match known {
            Some(r) => r,
            None => {
                if base_sources.contains_key(&src.guid) {
                    report.assume(format!(
                        "“{}” differs from the study's own text; it was imported as a separate document",
                        src.name
                    ));
                }
                let id = ids.claim(src.guid);
                let case_id = match case_of_source.get(&src.guid) {
                    Some(c) => *c,
                    None => *orphan_case.get_or_insert_with(|| {
                        let cid = ids.claim(Uuid::new_v5(&IMPORT_NS, b"imported sources case"));
                        data.cases.push(Case {
                            id: cid,
                            study_id,
                            created,
                            modified: created,
                            name: unique_name("Imported sources", &mut case_names),
                            description: "Sources that belonged to no case in the imported file.".into(),
                            attributes: CaseAttributes::default(),
                        });
                        cid
                    }),
                };
                let source_type = src.values.iter().find(|(k, _)| k == SOURCE_TYPE).map(|(_, v)| v.as_str());
                let kind = if source_type == Some("Site-visit notes") {
                    DocumentKind::FieldNotes
                } else {
                    DocumentKind::Other
                };
                let date = src.values.iter().find(|(k, _)| k == SOURCE_DATE).and_then(|(_, v)| Date::parse(v).ok());
                let mut origin = if report.origin.is_empty() {
                    "REFI-QDA import".to_string()
                } else {
                    format!("Imported from {}", report.origin)
                };
                if let Some(t) = source_type {
                    origin.push_str(&format!(" ({t})"));
                }
                if let Some((_, who)) = src.values.iter().find(|(k, _)| k == PARTICIPANT) {
                    origin.push_str(&format!(", {who}"));
                }
                if !src.description.is_empty() {
                    origin.push_str(&format!(": {}", src.description));
                }
                let other_values = src
                    .values
                    .iter()
                    .filter(|(k, _)| ![SOURCE_TYPE, SOURCE_DATE, PARTICIPANT, SITE].contains(&k.as_str()))
                    .count();
                if other_values > 0 {
                    report.skip(
                        "source variable values",
                        &src.name,
                        format!("{other_values} value(s): fieldkit keeps variables on cases"),
                    );
                }
                data.documents.push(Document {
                    id,
                    study_id,
                    case_id,
                    created: src.created.unwrap_or(created),
                    modified: src.modified.or(src.created).unwrap_or(created),
                    kind,
                    title: src.name.clone(),
                    date,
                    origin,
                    text: text.clone(),
                });
                SourceRef::Document { document: id }
            }
        };
        source_refs.insert(src.guid, source_ref.clone());
        // Selections become segments.
        let index = CodePointIndex::new(&text);
        for (sel, (start, end)) in src.selections.iter().zip(spans) {
            for n in &sel.notes {
                selection_notes.push((*n, sel.guid, src.guid));
            }
            if start >= end {
                zero_length += 1;
                continue;
            }
            if sel.codings.is_empty() {
                uncoded += 1;
                continue;
            }
            let Some(words) = index.slice(&text, start, end) else {
                return Err(InteropError::SelectionOutside {
                    selection: sel.guid.to_string(),
                    source_name: src.name.clone(),
                    start: sel.start.to_string(),
                    end: sel.end.to_string(),
                    length: text.chars().count(),
                });
            };
            let id = ids.claim(sel.guid);
            segment_of_selection.insert(sel.guid, id);
            let seg_created = sel.created.unwrap_or(created);
            let codings = codings_of(sel, &code_ids, &mut user_name, seg_created);
            let _ = &sel.name;
            data.segments.push(Segment {
                id,
                study_id,
                created: seg_created,
                modified: sel.modified.unwrap_or(seg_created),
                source: source_ref.clone(),
                start,
                end,
                text: words.to_string(),
                codings,
                anchor: Default::default(),
            });
        }
        // Codings of a whole source become a segment over all of its text.
        if !src.whole.is_empty() && !text.is_empty() {
            let id = ids.claim(Uuid::new_v5(&IMPORT_NS, format!("whole:{}", src.guid).as_bytes()));
            let mut codings: Vec<Coding> = Vec::new();
            for (code, user, at) in &src.whole {
                let code = code_ids[code];
                if !codings.iter().any(|c| c.code == code) {
                    codings.push(Coding { code, coder: user_name(*user), created: at.unwrap_or(created) });
                }
            }
            report.assume("codings of whole sources became segments covering the whole text");
            data.segments.push(Segment {
                id,
                study_id,
                created,
                modified: created,
                source: source_ref.clone(),
                start: 0,
                end: text.chars().count(),
                text: text.clone(),
                codings,
                anchor: Default::default(),
            });
        }
        for n in &src.notes {
            note_targets.push((*n, NoteTarget::Source(source_ref.clone())));
        }
    }
    if crlf {
        report.assume("Windows line endings (\\r\\n) in text were turned into \\n, with positions adjusted");
    }
    if zero_length > 0 {
        report.skip("empty selections", &format!("{zero_length}"), "a selection must cover at least one character");
    }
    if uncoded > 0 {
        report.skip(
            "selections without codes",
            &format!("{uncoded}"),
            "fieldkit keeps coded segments only (memos on them were attached to their source)",
        );
    }
    for (note, sel, src) in selection_notes {
        match segment_of_selection.get(&sel) {
            Some(seg) => note_targets.push((note, NoteTarget::Segment(*seg))),
            None => {
                if let Some(r) = source_refs.get(&src) {
                    note_targets.push((note, NoteTarget::Source(r.clone())));
                }
            }
        }
    }
    for n in root.all("NoteRef") {
        if let Some(t) = target_of(n) {
            note_targets.push((t, NoteTarget::Journal));
        }
    }
    // Notes on things fieldkit does not hold go to the journal, with a word in the report.
    for el in root.child("Sources").into_iter().flat_map(|s| s.children.iter()) {
        if UNSUPPORTED_SOURCES.iter().any(|(tag, _, _)| *tag == el.name) {
            for n in el.all("NoteRef").filter_map(target_of) {
                note_targets.push((n, NoteTarget::Journal));
            }
        }
    }

    // Notes become memos.
    let mut notes_seen: HashSet<Uuid> = HashSet::new();
    let mut note_ids: HashMap<Uuid, Uuid> = HashMap::new();
    let mut memos: Vec<(Uuid, Memo)> = Vec::new();
    for el in root.child("Notes").into_iter().flat_map(|n| n.all("Note")) {
        let name = el.attr("name").unwrap_or("").trim().to_string();
        let guid = guid_of(el, &format!("Note “{name}”"))?;
        if !notes_seen.insert(guid) {
            return Err(InteropError::BadGuid {
                what: format!("Note “{name}” (its GUID is used twice)"),
                guid: guid.to_string(),
            });
        }
        let mut text = el.child_text("PlainTextContent").unwrap_or("").to_string();
        if text.is_empty()
            && let Some(path) = el.attr("plainTextPath")
        {
            let rest = path.split_once("://").map_or(path, |(_, r)| r);
            match files.and_then(|f| find_source(f, rest, &mut report)) {
                Some(bytes) => text = decode_text(bytes, &name, &mut report),
                None => {
                    report.assume(format!("the text of note “{name}” ({path}) is not in the file; its name was kept"))
                }
            }
        }
        let text = Normalised::of(&text).text;
        let text = if text.trim().is_empty() { name.clone() } else { text };
        let id = ids.claim(guid);
        note_ids.insert(guid, id);
        let created_at = timestamp(el, "creationDateTime").unwrap_or(created);
        memos.push((
            guid,
            Memo {
                id,
                study_id,
                created: created_at,
                modified: timestamp(el, "modifiedDateTime").unwrap_or(created_at),
                target: MemoTarget::Journal,
                author: user_name(el.attr("creatingUser").and_then(parse_guid)),
                text,
            },
        ));
    }
    let mut targeted: HashMap<Uuid, NoteTarget> = HashMap::new();
    let mut multiply = 0usize;
    for (note, target) in note_targets {
        if !notes_seen.contains(&note) {
            return Err(InteropError::MissingReference {
                what: "A note reference".into(),
                target_kind: "note",
                guid: note.to_string(),
            });
        }
        match targeted.entry(note) {
            std::collections::hash_map::Entry::Occupied(_) => multiply += 1,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(target);
            }
        }
    }
    if multiply > 0 {
        report.assume(format!("{multiply} note reference(s) to a note already attached elsewhere were not kept: a fieldkit memo is about one thing"));
    }
    for (guid, mut memo) in memos {
        memo.target = match targeted.remove(&guid) {
            Some(NoteTarget::Code(c)) => MemoTarget::Code(c),
            Some(NoteTarget::Segment(s)) => MemoTarget::Segment(s),
            Some(NoteTarget::Source(s)) => MemoTarget::Source(s),
            Some(NoteTarget::Journal) | None => MemoTarget::Journal,
        };
        data.memos.push(memo);
    }

    for (tag, label, reason) in [
        ("Sets", "set", "fieldkit works out groupings (by case, research question, source type) itself"),
        ("Links", "link", "fieldkit has no links between objects"),
        ("Graphs", "graph", "fieldkit has no graphs"),
    ] {
        let item = &tag[..tag.len() - 1];
        for el in root.child(tag).into_iter().flat_map(|s| s.all(item)) {
            report.skip(label, el.attr("name").unwrap_or(""), reason);
        }
    }
    if unknown_users > 0 {
        report.assume(format!(
            "{unknown_users} coding(s) or note(s) named a user not listed in the file; they were kept without a coder"
        ));
    }
    if let Some(base) = base {
        adopt_untransported(&mut data, base);
    }
    report.count("codes", data.codes.len());
    report.count("cases", data.cases.len());
    report.count("documents", data.documents.len());
    report.count("coded segments", data.segments.len());
    report.count("codings", data.segments.iter().map(|s| s.codings.len()).sum());
    report.count("memos", data.memos.len());
    report.count(
        "sources recognised in the study",
        source_refs
            .values()
            .filter(
                |r| !matches!(r, SourceRef::Document { document } if data.documents.iter().any(|d| d.id == *document)),
            )
            .count(),
    );
    report.imported.retain(|_, n| *n > 0);
    match base {
        None => check(&data)?,
        Some(base) => {
            // Segments may sit on the base's own sources: check with those present.
            let mut view = data.clone();
            view.participants = base.participants.clone();
            view.protocols = base.protocols.clone();
            view.interviews = base.interviews.clone();
            view.surveys = base.surveys.clone();
            view.responses = base.responses.clone();
            let mut names: HashSet<String> = view.cases.iter().map(|c| c.name.trim().to_lowercase()).collect();
            for c in &base.cases {
                if !view.cases.iter().any(|x| x.id == c.id) && names.insert(c.name.trim().to_lowercase()) {
                    view.cases.push(c.clone());
                }
            }
            for d in &base.documents {
                if !view.documents.iter().any(|x| x.id == d.id) {
                    view.documents.push(d.clone());
                }
            }
            check(&view)?;
        }
    }
    Ok(Imported { data, report })
}

enum NoteTarget {
    Code(Uuid),
    Segment(Uuid),
    Source(SourceRef),
    Journal,
}

/// For objects `base` already has, takes what REFI-QDA does not carry (creation
/// times of codes and cases, a segment's anchor state) from `base`, so that an
/// unchanged object compares equal when merged.
fn adopt_untransported(data: &mut StudyData, base: &StudyData) {
    for c in &mut data.codes {
        if let Some(b) = base.code(c.id) {
            c.created = b.created;
            c.modified = b.modified;
        }
    }
    for c in &mut data.cases {
        if let Some(b) = base.case(c.id) {
            c.created = b.created;
            c.modified = b.modified;
        }
    }
    for s in &mut data.segments {
        if let Some(b) = base.segment(s.id)
            && b.source == s.source
            && (b.start, b.end) == (s.start, s.end)
        {
            s.anchor = b.anchor;
            s.text = b.text.clone();
        }
    }
}
