//! The append-only candidate log: one Parquet part per batch under `RUN_DIR/candidates/`.
use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use polars::prelude::*;

use super::atomic::{io_err, write_atomic, Existing};
use super::row::CandidateRow;
use super::schema::{content_hash, frame_to_rows, rows_to_frame};
use super::StoreError;

/// Footer key holding the SHA-256 of the part's content (see `schema::content_hash`).
const KV_SHA256: &str = "crucible.content_sha256";
/// Footer key holding the number of rows written.
const KV_ROWS: &str = "crucible.rows";
/// Footer key holding the layout version.
const KV_FORMAT: &str = "crucible.log_format";
/// Parquet magic at both ends of a complete file.
const MAGIC: &[u8; 4] = b"PAR1";

/// The candidate log of one run: `RUN_DIR/candidates/part-000000.parquet`, `part-000001…`.
///
/// Parts are immutable once written; appends go through `&self` (serialised by a lock) and
/// never overwrite an existing part. Every read validates every part first (see
/// [`CandidateLog::read_all`]); a part that cannot be fully trusted is an error, never skipped.
#[derive(Debug)]
pub struct CandidateLog {
    dir: PathBuf,
    next: Mutex<usize>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `part-<index>.parquet` → index.
fn part_index(name: &str) -> Option<usize> {
    let digits = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl CandidateLog {
    /// Open the log in `dir` (created if missing) and find where the part sequence continues.
    pub(crate) fn open(dir: PathBuf) -> Result<CandidateLog, StoreError> {
        fs::create_dir_all(&dir).map_err(io_err("create folder", &dir))?;
        let log = CandidateLog { dir, next: Mutex::new(0) };
        let next = log.part_list()?.last().map_or(0, |(i, _)| i + 1);
        *lock(&log.next) = next;
        Ok(log)
    }

    /// The folder holding the parts (`RUN_DIR/candidates`).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Index the next appended part will get (one past the highest existing part).
    pub fn next_part_index(&self) -> usize {
        *lock(&self.next)
    }

    /// Path of part `index`: `candidates/part-{index:06}.parquet`.
    pub fn part_path(&self, index: usize) -> PathBuf {
        self.dir.join(format!("part-{index:06}.parquet"))
    }

    fn part_list(&self) -> Result<Vec<(usize, PathBuf)>, StoreError> {
        let mut parts = Vec::new();
        for entry in fs::read_dir(&self.dir).map_err(io_err("list", &self.dir))? {
            let entry = entry.map_err(io_err("list", &self.dir))?;
            if let Some(i) = entry.file_name().to_str().and_then(part_index) {
                parts.push((i, entry.path()));
            }
        }
        parts.sort();
        Ok(parts)
    }

    /// Every part, in append order. `*.tmp` files (unfinished writes) are not parts.
    pub fn parts(&self) -> Result<Vec<PathBuf>, StoreError> {
        Ok(self.part_list()?.into_iter().map(|(_, p)| p).collect())
    }

    /// Write one batch as a new part, atomically (temp name in the same folder, write, fsync
    /// file, rename, fsync folder): after a crash the part is either complete or absent.
    /// Returns the part's path.
    ///
    /// Rows may differ in their input and property columns from other batches, but not within
    /// one batch ([`StoreError::BadBatch`]); an empty batch is [`StoreError::EmptyBatch`].
    pub fn append(&self, rows: &[CandidateRow]) -> Result<PathBuf, StoreError> {
        let mut df = rows_to_frame(rows)?;
        let hash = content_hash(&df).map_err(|reason| StoreError::BadBatch { row: 0, reason })?;
        let kv = KeyValueMetadata::from_static(vec![
            (KV_FORMAT.to_string(), "1".to_string()),
            (KV_ROWS.to_string(), df.height().to_string()),
            (KV_SHA256.to_string(), hash),
        ]);
        let mut next = lock(&self.next);
        let path = self.part_path(*next);
        write_atomic(&path, Existing::Refuse, |file| {
            ParquetWriter::new(file)
                .with_key_value_metadata(Some(kv))
                .finish(&mut df)
                .map(|_| ())
                .map_err(|source| StoreError::Polars { path: path.clone(), source })
        })?;
        *next += 1;
        Ok(path)
    }

    /// Every part, read completely and validated, in append order. What is returned is
    /// exactly what was checked: there is no window between validation and reading.
    fn validated_parts(&self) -> Result<Vec<(PathBuf, DataFrame)>, StoreError> {
        let parts = self.parts()?;
        let mut out = Vec::with_capacity(parts.len());
        for path in parts {
            let df = validate_part(&path)?;
            out.push((path, df));
        }
        Ok(out)
    }

    /// A LazyFrame over every part, in append order, concatenated diagonally with relaxed
    /// dtypes (a column missing from a part reads as null; differing dtypes go to their
    /// supertype). Every part is read and validated first (torn → [`StoreError::TornPart`]),
    /// and the frame is built from exactly the validated data. With no parts: an empty frame
    /// with no columns.
    pub fn scan(&self) -> Result<LazyFrame, StoreError> {
        let parts = self.validated_parts()?;
        if parts.is_empty() {
            return Ok(DataFrame::empty().lazy());
        }
        let frames: Vec<LazyFrame> = parts.into_iter().map(|(_, df)| df.lazy()).collect();
        let args = UnionArgs { diagonal: true, to_supertypes: true, maintain_order: true, ..Default::default() };
        concat(frames, args).map_err(|source| StoreError::Polars { path: self.dir.clone(), source })
    }

    /// All rows of all parts, in append order (part order, then row order), validated first:
    /// a torn, truncated or corrupt part is [`StoreError::TornPart`] naming it — never skipped.
    /// Columns as in the module docs; with no parts, an empty frame with no columns.
    pub fn read_all(&self) -> Result<DataFrame, StoreError> {
        self.scan()?.collect().map_err(|source| StoreError::Polars { path: self.dir.clone(), source })
    }

    /// The current state of each candidate: its latest row (by part order, then row order),
    /// one row per `candidate_id`, sorted by `candidate_id`.
    pub fn latest(&self) -> Result<DataFrame, StoreError> {
        let df = self.read_all()?;
        if df.height() == 0 {
            return Ok(df);
        }
        let pe = |source| StoreError::Polars { path: self.dir.clone(), source };
        let ids = df.column("candidate_id").map_err(pe)?.u64().map_err(pe)?;
        let mut last: HashMap<u64, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            let id = id.ok_or_else(|| StoreError::BadPart {
                path: self.dir.clone(),
                reason: format!("row {i} of the log has a null candidate_id"),
            })?;
            last.insert(id, i);
        }
        let mut pairs: Vec<(u64, usize)> = last.into_iter().collect();
        pairs.sort_unstable();
        let idx = IdxCa::from_vec("idx".into(), pairs.iter().map(|&(_, i)| i as IdxSize).collect());
        df.take(&idx).map_err(pe)
    }

    /// Typed reload for resume: the latest row of each candidate, in `candidate_id` order.
    /// Validates every part like [`CandidateLog::read_all`].
    pub fn history(&self) -> Result<Vec<CandidateRow>, StoreError> {
        let mut latest = BTreeMap::new();
        for (path, df) in self.validated_parts()? {
            for row in frame_to_rows(&df, &path)? {
                latest.insert(row.candidate_id, row);
            }
        }
        Ok(latest.into_values().collect())
    }
}

/// Read one part completely and check it: Parquet magic at both ends, a footer length that
/// fits, a parseable footer carrying crucible's row count and content checksum, data pages
/// that decode, and a content checksum that matches. Any failure is `TornPart`.
pub(crate) fn validate_part(path: &Path) -> Result<DataFrame, StoreError> {
    let torn = |reason: String| StoreError::TornPart { path: path.to_path_buf(), reason };
    let bytes = fs::read(path).map_err(io_err("read", path))?;
    check_envelope(&bytes).map_err(torn)?;
    match catch_unwind(AssertUnwindSafe(|| decode_checked(bytes))) {
        Ok(result) => result.map_err(torn),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(torn(format!("the Parquet decoder failed on it: {msg}")))
        }
    }
}

fn check_envelope(bytes: &[u8]) -> Result<(), String> {
    let len = bytes.len();
    if len < 12 {
        return Err(format!("the file is {len} bytes, too short for a Parquet file (truncated)"));
    }
    if &bytes[..4] != MAGIC {
        return Err("it does not start with the Parquet magic `PAR1`".into());
    }
    if &bytes[len - 4..] != MAGIC {
        return Err("it does not end with the Parquet magic `PAR1`: truncated or tail overwritten".into());
    }
    let footer = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().expect("4 bytes")) as usize;
    if footer > len - 12 {
        return Err(format!("its footer claims {footer} bytes but the file has {len}: truncated"));
    }
    Ok(())
}

fn decode_checked(bytes: Vec<u8>) -> Result<DataFrame, String> {
    let mut reader = ParquetReader::new(Cursor::new(bytes));
    let meta = reader.get_metadata().map_err(|e| format!("its footer cannot be read: {e}"))?.clone();
    let kv =
        |key: &str| meta.key_value_metadata.iter().flatten().find(|kv| kv.key == key).and_then(|kv| kv.value.clone());
    let not_ours = "its footer has no crucible row count/checksum (not written by the candidate log)";
    let want_hash = kv(KV_SHA256).ok_or(not_ours)?;
    let want_rows: usize = kv(KV_ROWS).and_then(|r| r.parse().ok()).ok_or(not_ours)?;
    if meta.num_rows != want_rows {
        return Err(format!("its footer lists {} rows, but {want_rows} were written", meta.num_rows));
    }
    let df = reader.finish().map_err(|e| format!("its data cannot be decoded: {e}"))?;
    if df.height() != want_rows {
        return Err(format!("it decodes to {} rows, but {want_rows} were written", df.height()));
    }
    if content_hash(&df)? != want_hash {
        return Err("its content checksum does not match: the data differs from what was written".into());
    }
    Ok(df)
}
