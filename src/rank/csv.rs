//! `shortlist.csv`: RFC 4180 CSV written by hand (no polars outside `store/`/`io/`).
//!
//! Columns: `rank, candidate_id, formula, pool_index`, one per input (as in the log), per
//! property `p, p_mean, p_std` (measured value, predicted mean, predicted std), then
//! `pareto_rank, reason`. Missing values are empty fields; numbers are written in full
//! precision (shortest text that reads back to the same f64). Fields holding a comma, a
//! double quote, a line break or leading/trailing spaces are quoted, with `"` doubled.
use std::io::Write;
use std::path::Path;

use super::{RankError, Shortlist};
use crate::store::Cell;

pub use crate::io::csv_field;

fn num(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

/// The shortlist as CSV text (header + one line per entry, `\n` line ends).
pub fn shortlist_csv(s: &Shortlist) -> String {
    let mut header: Vec<String> = ["rank", "candidate_id", "formula", "pool_index"].map(String::from).to_vec();
    header.extend(s.inputs.iter().cloned());
    for p in &s.properties {
        header.extend([p.clone(), format!("{p}_mean"), format!("{p}_std")]);
    }
    header.extend(["pareto_rank".to_string(), "reason".to_string()]);
    if s.coverage.is_some() {
        header.push("outside_training".into());
    }
    let mut out = line(&header);
    for e in &s.entries {
        let r = &e.row;
        let mut f = vec![
            e.rank.to_string(),
            r.candidate_id.to_string(),
            r.formula.clone().unwrap_or_default(),
            r.pool_index.map_or(String::new(), |i| i.to_string()),
        ];
        for name in &s.inputs {
            f.push(match r.inputs.iter().find(|(n, _)| n == name).map(|(_, c)| c) {
                Some(Cell::F64(v)) => v.to_string(),
                Some(Cell::I64(v)) => v.to_string(),
                Some(Cell::Str(v)) => v.clone(),
                None => String::new(),
            });
        }
        for p in &s.properties {
            let c = r.properties.iter().find(|c| &c.name == p);
            f.push(num(c.and_then(|c| c.value)));
            f.push(num(c.and_then(|c| c.mean)));
            f.push(num(c.and_then(|c| c.std)));
        }
        f.push(e.pareto_rank.to_string());
        f.push(e.reason.clone());
        if s.coverage.is_some() {
            f.push(e.outside_training.join("; "));
        }
        out.push_str(&line(&f));
    }
    out
}

fn line(fields: &[String]) -> String {
    let mut s = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    s.push('\n');
    s
}

/// Parse RFC 4180 CSV text into records of fields (a final line without `\n` counts; `\r\n`
/// line ends are accepted).
fn parse(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field, mut quoted) = (Vec::new(), Vec::new(), String::new(), false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// One line of a shortlist CSV, as read back (by `report`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortlistRecord {
    /// The `rank` column.
    pub rank: usize,
    /// The `candidate_id` column.
    pub candidate_id: u64,
    /// The `reason` column (empty when absent).
    pub reason: String,
}

/// Read the `rank`, `candidate_id` and `reason` columns of a shortlist CSV written by
/// [`write_shortlist`]. Errors name the file and the line.
pub fn read_shortlist(path: &Path) -> Result<Vec<ShortlistRecord>, RankError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| RankError::Io { action: "read", path: path.into(), source })?;
    let bad = |reason: String| RankError::BadShortlist { path: path.into(), reason };
    let records = parse(&text);
    let header = records.first().ok_or_else(|| bad("it is empty".into()))?;
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(rank), Some(id)) = (col("rank"), col("candidate_id")) else {
        return Err(bad("no `rank` and `candidate_id` columns".into()));
    };
    let reason = col("reason");
    records[1..]
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let field = |c: usize| r.get(c).map(String::as_str).unwrap_or("");
            let line = k + 2;
            Ok(ShortlistRecord {
                rank: field(rank)
                    .parse()
                    .map_err(|_| bad(format!("line {line}: rank `{}` is not a number", field(rank))))?,
                candidate_id: field(id)
                    .parse()
                    .map_err(|_| bad(format!("line {line}: candidate_id `{}` is not a number", field(id))))?,
                reason: reason.map(|c| field(c).to_string()).unwrap_or_default(),
            })
        })
        .collect()
}

/// Write the shortlist CSV to `path` atomically (a temp file in the same folder, then rename),
/// creating the parent folder if needed.
pub fn write_shortlist(s: &Shortlist, path: &Path) -> Result<(), RankError> {
    write_atomic(path, shortlist_csv(s).as_bytes())
}

/// Write `bytes` to `path` through `<name>.tmp` (same folder, fsynced) + rename, so readers
/// see all or nothing; creates the parent folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RankError> {
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| RankError::Io { action, path: p, source }
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io("create folder", dir))?;
    }
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut f = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
    f.write_all(bytes).map_err(io("write", &tmp))?;
    f.sync_all().map_err(io("flush", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("rename into place", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_needed_and_round_trip() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(" padded"), "\" padded\"");
        let fields: Vec<String> =
            ["x", "Pareto rank 1 of 3; ys 1530 MPa (2nd best), \"quoted\"", "", "a\r\nb", "≤ 7.9"]
                .map(String::from)
                .to_vec();
        let text = line(&fields) + &line(&fields);
        assert_eq!(parse(&text), vec![fields.clone(), fields.clone()]);
        assert_eq!(parse(text.trim_end()), vec![fields.clone(), fields], "no final line end");
    }

    #[test]
    fn atomic_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/out.csv");
        write_atomic(&p, b"a,b\n").unwrap();
        write_atomic(&p, b"c,d\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "c,d\n");
        assert_eq!(std::fs::read_dir(dir.path().join("sub")).unwrap().count(), 1);
    }
}
