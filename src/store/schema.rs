//! The candidate-log column layout: rows → DataFrame (one part), DataFrame → rows, and the
//! content checksum stored in each part's footer.
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::row::{CandidateRow, Cell, PropertyCells, Status};
use super::StoreError;

/// Fixed columns before the input columns.
pub(crate) const LEADING: [&str; 4] = ["iteration", "candidate_id", "origin", "formula"];
/// The fixed column between the inputs and the property triples.
pub(crate) const POOL_INDEX: &str = "pool_index";
/// Fixed columns after the property triples.
pub(crate) const TRAILING: [&str; 8] =
    ["acquisition", "feasible", "status", "failure", "created_at", "config_hash", "model_hash", "seed"];

fn is_reserved(name: &str) -> bool {
    LEADING.contains(&name) || TRAILING.contains(&name) || name == POOL_INDEX
}

/// Build the DataFrame of one batch, checking that the batch is consistent.
pub(crate) fn rows_to_frame(rows: &[CandidateRow]) -> Result<DataFrame, StoreError> {
    let first = rows.first().ok_or(StoreError::EmptyBatch)?;
    check_batch(rows)?;
    let n = rows.len();
    let mut cols: Vec<Column> = Vec::new();
    let mut push = |s: Series| cols.push(s.into_column());

    push(Series::new("iteration".into(), rows.iter().map(|r| r.iteration).collect::<Vec<_>>()));
    push(Series::new("candidate_id".into(), rows.iter().map(|r| r.candidate_id).collect::<Vec<_>>()));
    push(Series::new("origin".into(), rows.iter().map(|r| r.origin.as_str()).collect::<Vec<_>>()));
    push(Series::new("formula".into(), rows.iter().map(|r| r.formula.as_deref()).collect::<Vec<_>>()));
    for (j, (name, cell)) in first.inputs.iter().enumerate() {
        let name: PlSmallStr = name.as_str().into();
        let s = match cell {
            Cell::F64(_) => Series::new(name, rows.iter().map(|r| f64_of(&r.inputs[j].1)).collect::<Vec<_>>()),
            Cell::I64(_) => Series::new(name, rows.iter().map(|r| i64_of(&r.inputs[j].1)).collect::<Vec<_>>()),
            Cell::Str(_) => Series::new(name, rows.iter().map(|r| str_of(&r.inputs[j].1)).collect::<Vec<_>>()),
        };
        push(s);
    }
    push(Series::new(POOL_INDEX.into(), rows.iter().map(|r| r.pool_index).collect::<Vec<_>>()));
    for (k, prop) in first.properties.iter().enumerate() {
        let p = &prop.name;
        push(Series::new(format!("{p}_mean").into(), rows.iter().map(|r| r.properties[k].mean).collect::<Vec<_>>()));
        push(Series::new(format!("{p}_std").into(), rows.iter().map(|r| r.properties[k].std).collect::<Vec<_>>()));
        push(Series::new(p.as_str().into(), rows.iter().map(|r| r.properties[k].value).collect::<Vec<_>>()));
    }
    push(Series::new("acquisition".into(), rows.iter().map(|r| r.acquisition).collect::<Vec<_>>()));
    push(Series::new("feasible".into(), rows.iter().map(|r| r.feasible).collect::<Vec<_>>()));
    push(Series::new("status".into(), rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>()));
    push(Series::new("failure".into(), rows.iter().map(|r| r.failure.as_deref()).collect::<Vec<_>>()));
    push(Series::new("created_at".into(), rows.iter().map(|r| format_time(&r.created_at)).collect::<Vec<_>>()));
    push(Series::new("config_hash".into(), rows.iter().map(|r| r.config_hash.as_str()).collect::<Vec<_>>()));
    push(Series::new("model_hash".into(), rows.iter().map(|r| r.model_hash.as_deref()).collect::<Vec<_>>()));
    push(Series::new("seed".into(), rows.iter().map(|r| r.seed).collect::<Vec<_>>()));
    DataFrame::new(n, cols).map_err(|e| StoreError::BadBatch { row: 0, reason: e.to_string() })
}

/// `created_at` as stored: RFC 3339, UTC, nanoseconds (fixed width, so it sorts as text).
pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn f64_of(c: &Cell) -> f64 {
    match c {
        Cell::F64(v) => *v,
        _ => unreachable!("checked by check_batch"),
    }
}
fn i64_of(c: &Cell) -> i64 {
    match c {
        Cell::I64(v) => *v,
        _ => unreachable!("checked by check_batch"),
    }
}
fn str_of(c: &Cell) -> &str {
    match c {
        Cell::Str(v) => v,
        _ => unreachable!("checked by check_batch"),
    }
}

/// Every row must have the first row's input names/kinds and property names; all column
/// names must be distinct and non-empty.
fn check_batch(rows: &[CandidateRow]) -> Result<(), StoreError> {
    let first = &rows[0];
    let bad = |row: usize, reason: String| StoreError::BadBatch { row, reason };
    let mut names: Vec<String> = Vec::new();
    for (name, _) in &first.inputs {
        names.push(name.clone());
    }
    for p in &first.properties {
        names.extend([format!("{}_mean", p.name), format!("{}_std", p.name), p.name.clone()]);
    }
    let mut seen = std::collections::HashSet::new();
    for name in &names {
        if name.is_empty() {
            return Err(bad(0, "an input or property has an empty name".into()));
        }
        if is_reserved(name) {
            return Err(bad(0, format!("column `{name}` is reserved for the log's own columns")));
        }
        if !seen.insert(name.as_str()) {
            return Err(bad(
                0,
                format!("column `{name}` appears twice (inputs and properties must have distinct names)"),
            ));
        }
    }
    for (i, row) in rows.iter().enumerate() {
        if row.inputs.len() != first.inputs.len() {
            return Err(bad(i, format!("{} inputs, but row 0 has {}", row.inputs.len(), first.inputs.len())));
        }
        for ((n, c), (n0, c0)) in row.inputs.iter().zip(&first.inputs) {
            if n != n0 || std::mem::discriminant(c) != std::mem::discriminant(c0) {
                return Err(bad(i, format!("input `{n}` ({}) where row 0 has `{n0}` ({})", c.kind(), c0.kind())));
            }
        }
        let props: Vec<&str> = row.properties.iter().map(|p| p.name.as_str()).collect();
        let props0: Vec<&str> = first.properties.iter().map(|p| p.name.as_str()).collect();
        if props != props0 {
            return Err(bad(i, format!("properties {props:?}, but row 0 has {props0:?}")));
        }
    }
    Ok(())
}

/// Convert the DataFrame of ONE part (our own layout, positional) back into rows.
pub(crate) fn frame_to_rows(df: &DataFrame, path: &Path) -> Result<Vec<CandidateRow>, StoreError> {
    let schema_err = |reason: String| StoreError::BadPart { path: path.to_path_buf(), reason };
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    let w = names.len();
    if w < LEADING.len() + 1 + TRAILING.len()
        || names[..LEADING.len()] != LEADING
        || names[w - TRAILING.len()..] != TRAILING
    {
        return Err(schema_err(format!("columns {names:?} do not follow the candidate-log layout")));
    }
    let pool_at = names[LEADING.len()..w - TRAILING.len()]
        .iter()
        .position(|n| *n == POOL_INDEX)
        .map(|p| p + LEADING.len())
        .ok_or_else(|| schema_err("no `pool_index` column".into()))?;
    let input_names = &names[LEADING.len()..pool_at];
    let prop_cols = &names[pool_at + 1..w - TRAILING.len()];
    if prop_cols.len() % 3 != 0 {
        return Err(schema_err(format!("property columns {prop_cols:?} are not <p>_mean, <p>_std, <p> triples")));
    }
    let mut prop_names = Vec::new();
    for t in prop_cols.chunks(3) {
        if t[0] != format!("{}_mean", t[2]) || t[1] != format!("{}_std", t[2]) {
            return Err(schema_err(format!("property columns {t:?} are not <p>_mean, <p>_std, <p>")));
        }
        prop_names.push(t[2]);
    }

    let pe = |e: PolarsError| schema_err(e.to_string());
    let col = |n: &str| df.column(n).map_err(pe);
    let iteration = col("iteration")?.u64().map_err(pe)?;
    let candidate_id = col("candidate_id")?.u64().map_err(pe)?;
    let origin = col("origin")?.str().map_err(pe)?;
    let formula = col("formula")?.str().map_err(pe)?;
    let inputs: Vec<&Column> = input_names.iter().map(|n| col(n)).collect::<Result<_, _>>()?;
    let pool_index = col(POOL_INDEX)?.u64().map_err(pe)?;
    let props: Vec<[&Float64Chunked; 3]> = prop_cols
        .chunks(3)
        .map(|t| Ok([col(t[0])?.f64().map_err(pe)?, col(t[1])?.f64().map_err(pe)?, col(t[2])?.f64().map_err(pe)?]))
        .collect::<Result<_, StoreError>>()?;
    let acquisition = col("acquisition")?.f64().map_err(pe)?;
    let feasible = col("feasible")?.bool().map_err(pe)?;
    let status = col("status")?.str().map_err(pe)?;
    let failure = col("failure")?.str().map_err(pe)?;
    let created_at = col("created_at")?.str().map_err(pe)?;
    let config_hash = col("config_hash")?.str().map_err(pe)?;
    let model_hash = col("model_hash")?.str().map_err(pe)?;
    let seed = col("seed")?.u64().map_err(pe)?;

    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let row_err = |what: &str| schema_err(format!("row {i}: {what}"));
        let need = |v: Option<u64>, what: &str| v.ok_or_else(|| row_err(&format!("`{what}` is null")));
        let mut cells = Vec::with_capacity(inputs.len());
        for (name, c) in input_names.iter().zip(&inputs) {
            let cell = match c.dtype() {
                DataType::Float64 => c.f64().map_err(pe)?.get(i).map(Cell::F64),
                DataType::Int64 => c.i64().map_err(pe)?.get(i).map(Cell::I64),
                DataType::String => c.str().map_err(pe)?.get(i).map(|s| Cell::Str(s.to_string())),
                other => return Err(row_err(&format!("input `{name}` has unsupported dtype {other}"))),
            };
            cells.push((name.to_string(), cell.ok_or_else(|| row_err(&format!("input `{name}` is null")))?));
        }
        let status_text = status.get(i).ok_or_else(|| row_err("`status` is null"))?;
        let created = created_at.get(i).ok_or_else(|| row_err("`created_at` is null"))?;
        out.push(CandidateRow {
            iteration: need(iteration.get(i), "iteration")?,
            candidate_id: need(candidate_id.get(i), "candidate_id")?,
            origin: origin.get(i).ok_or_else(|| row_err("`origin` is null"))?.to_string(),
            formula: formula.get(i).map(str::to_string),
            inputs: cells,
            pool_index: pool_index.get(i),
            properties: prop_names
                .iter()
                .zip(&props)
                .map(|(name, [m, s, v])| PropertyCells {
                    name: name.to_string(),
                    mean: m.get(i),
                    std: s.get(i),
                    value: v.get(i),
                })
                .collect(),
            acquisition: acquisition.get(i),
            feasible: feasible.get(i),
            status: Status::parse(status_text).ok_or_else(|| row_err(&format!("unknown status `{status_text}`")))?,
            failure: failure.get(i).map(str::to_string),
            created_at: DateTime::parse_from_rfc3339(created)
                .map_err(|e| row_err(&format!("`created_at` {created:?} is not RFC 3339: {e}")))?
                .with_timezone(&Utc),
            config_hash: config_hash.get(i).ok_or_else(|| row_err("`config_hash` is null"))?.to_string(),
            model_hash: model_hash.get(i).map(str::to_string),
            seed: need(seed.get(i), "seed")?,
        });
    }
    Ok(out)
}

/// SHA-256 (hex) over the frame's column names, dtypes and every value (nulls marked, floats by
/// bit pattern). Written into the part's footer on append and recomputed on read, so a part
/// whose pages decode to different values is caught even when its footer is intact.
pub(crate) fn content_hash(df: &DataFrame) -> Result<String, String> {
    let mut h = Sha256::new();
    h.update((df.height() as u64).to_le_bytes());
    let bytes = |h: &mut Sha256, b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    fn opt<T>(h: &mut Sha256, v: Option<T>, f: impl FnOnce(&mut Sha256, T)) {
        match v {
            None => h.update([0u8]),
            Some(x) => {
                h.update([1u8]);
                f(h, x)
            }
        }
    }
    for c in df.columns() {
        bytes(&mut h, c.name().as_bytes());
        bytes(&mut h, c.dtype().to_string().as_bytes());
        let e = |e: PolarsError| e.to_string();
        match c.dtype() {
            DataType::UInt64 => {
                c.u64().map_err(e)?.iter().for_each(|v| opt(&mut h, v, |h, x| h.update(x.to_le_bytes())))
            }
            DataType::Int64 => {
                c.i64().map_err(e)?.iter().for_each(|v| opt(&mut h, v, |h, x| h.update(x.to_le_bytes())))
            }
            DataType::Float64 => {
                c.f64().map_err(e)?.iter().for_each(|v| opt(&mut h, v, |h, x| h.update(x.to_bits().to_le_bytes())))
            }
            DataType::Boolean => c.bool().map_err(e)?.iter().for_each(|v| opt(&mut h, v, |h, x| h.update([x as u8]))),
            DataType::String => c.str().map_err(e)?.iter().for_each(|v| opt(&mut h, v, |h, x| bytes(h, x.as_bytes()))),
            other => {
                return Err(format!("column `{}` has dtype {other}, which the candidate log never writes", c.name()))
            }
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
