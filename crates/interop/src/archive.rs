//! Reading and writing the .qdpx zip, with limits against hostile archives.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::InteropError;

/// At most this many entries in an archive.
pub const MAX_ENTRIES: usize = 100_000;
/// At most this many bytes once unpacked, all entries together.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;

/// The files of an archive, unpacked, by their names in it.
pub struct Files {
    pub entries: Vec<(String, Vec<u8>)>,
}

fn unsafe_name(name: &str) -> bool {
    let name = name.replace('\\', "/");
    name.starts_with('/')
        || name.split('/').any(|part| part == "..")
        || name.as_bytes().get(1) == Some(&b':')
        || name.contains('\0')
}

/// How much an archive may hold.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_entries: usize,
    pub max_unpacked_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_entries: MAX_ENTRIES, max_unpacked_bytes: MAX_UNPACKED_BYTES }
    }
}

/// Unpacks a zip within the default [`Limits`].
pub fn read_zip(bytes: &[u8]) -> Result<Files, InteropError> {
    read_zip_within(bytes, Limits::default())
}

/// Unpacks a zip, refusing unsafe names, too many entries and too much data (counted
/// as it is actually decompressed, not as the archive claims).
pub fn read_zip_within(bytes: &[u8], limits: Limits) -> Result<Files, InteropError> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| InteropError::NotAZip(e.to_string()))?;
    if zip.len() > limits.max_entries {
        return Err(InteropError::TooManyEntries { count: zip.len(), limit: limits.max_entries });
    }
    let mut total = 0u64;
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| InteropError::NotAZip(e.to_string()))?;
        let name = file.name().map_err(|e| InteropError::NotAZip(e.to_string()))?.into_owned();
        if unsafe_name(&name) || file.enclosed_name().is_none() {
            return Err(InteropError::UnsafePath(name));
        }
        if file.is_dir() {
            continue;
        }
        let left = limits.max_unpacked_bytes.saturating_sub(total);
        let mut data = Vec::new();
        (&mut file).take(left + 1).read_to_end(&mut data).map_err(|e| InteropError::NotAZip(format!("{name}: {e}")))?;
        total += data.len() as u64;
        if total > limits.max_unpacked_bytes {
            return Err(InteropError::TooLarge { limit: limits.max_unpacked_bytes });
        }
        entries.push((name, data));
    }
    Ok(Files { entries })
}

/// Writes a zip with fixed times, so the same content gives the same bytes.
pub fn write_zip(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, InteropError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644);
    for (name, data) in files {
        zip.start_file(name.as_str(), options).map_err(|e| InteropError::Write(e.to_string()))?;
        zip.write_all(data).map_err(|e| InteropError::Write(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| InteropError::Write(e.to_string()))?;
    Ok(cursor.into_inner())
}
