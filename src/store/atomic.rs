//! Crash-safe file writes: temp name in the same folder, write, fsync, rename, fsync folder.
//!
//! A crash at any instant leaves either the old file (or none) plus maybe a stale `*.tmp`, or
//! the complete new file. Stale temps are removed by [`remove_stale_tmps`] when a run is opened.
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::StoreError;

/// Suffix of in-flight files.
pub(crate) const TMP_SUFFIX: &str = ".tmp";

/// `dir/name.tmp` for `dir/name`.
pub(crate) fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(TMP_SUFFIX);
    path.with_file_name(name)
}

/// An I/O error with what was being done and to which path.
pub(crate) fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { action, path, source }
}

/// How an atomic write treats an existing file at the final path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Existing {
    /// Replace it (checkpoints, config).
    Replace,
    /// Refuse with `StoreError::PartExists` (log parts are never overwritten).
    Refuse,
}

/// Write `path` atomically: `write` fills `path.tmp`, which is fsynced and renamed over `path`;
/// then the folder is fsynced so the rename itself is durable. On error the temp is removed.
pub(crate) fn write_atomic<F>(path: &Path, existing: Existing, write: F) -> Result<(), StoreError>
where
    F: FnOnce(&mut BufWriter<File>) -> Result<(), StoreError>,
{
    let tmp = tmp_path(path);
    let result = (|| {
        // Buffered: the Parquet writer issues many small writes (thousands per part unbuffered).
        let mut buf = BufWriter::with_capacity(1 << 20, File::create(&tmp).map_err(io_err("create", &tmp))?);
        write(&mut buf)?;
        buf.flush().map_err(io_err("write", &tmp))?;
        let file = buf.into_inner().map_err(|e| io_err("write", &tmp)(e.into_error()))?;
        file.sync_all().map_err(io_err("fsync", &tmp))?;
        drop(file);
        if existing == Existing::Refuse && path.exists() {
            return Err(StoreError::PartExists { path: path.to_path_buf() });
        }
        fs::rename(&tmp, path).map_err(io_err("rename into place", path))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Write bytes atomically, replacing any existing file.
pub(crate) fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic(path, Existing::Replace, |f| f.write_all(bytes).map_err(io_err("write", path)))
}

/// fsync a folder so that renames and creations in it survive a power loss.
pub(crate) fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(io_err("open folder", dir))?;
        d.sync_all().map_err(io_err("fsync folder", dir))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Remove every `*.tmp` file directly inside `dir` (leftovers of crashed writes); returns how
/// many were removed. A missing folder counts as none.
pub(crate) fn remove_stale_tmps(dir: &Path) -> Result<usize, StoreError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_err("list", dir)(e)),
    };
    let mut removed = 0;
    for entry in entries {
        let entry = entry.map_err(io_err("list", dir))?;
        let path = entry.path();
        let is_tmp = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(TMP_SUFFIX));
        if is_tmp && entry.file_type().map_err(io_err("inspect", &path))?.is_file() {
            fs::remove_file(&path).map_err(io_err("remove stale temp file", &path))?;
            removed += 1;
        }
    }
    if removed > 0 {
        sync_dir(dir)?;
    }
    Ok(removed)
}
