//! Tests of the run directory and candidate log (a temp dir per test).
use std::fs;
use std::path::Path;

use chrono::DateTime;
use polars::prelude::*;

use super::*;

fn meta() -> RunMeta {
    RunMeta { config_hash: config_hash("name: t\n"), seed: 7, name: "t".into() }
}

fn new_run(dir: &Path) -> RunDir {
    RunDir::create(&dir.join("run"), "name: t\n", &meta()).unwrap()
}

fn row(cid: u64, status: Status) -> CandidateRow {
    let evaluated = status == Status::Evaluated;
    CandidateRow {
        iteration: cid / 2,
        candidate_id: cid,
        origin: if cid == 0 { "initial".into() } else { "bayesian".into() },
        formula: (cid % 3 != 0).then(|| format!("Fe0.9Ni0.{cid}")),
        inputs: vec![
            ("Fe".into(), Cell::F64(0.9 - cid as f64 * 1e-3)),
            ("passes".into(), Cell::I64(-(cid as i64))),
            ("phase".into(), Cell::Str(if cid % 2 == 0 { "martensite" } else { "austenite" }.into())),
        ],
        pool_index: (cid % 2 == 1).then_some(cid * 10),
        properties: vec![
            PropertyCells {
                name: "yield_strength".into(),
                mean: Some(1500.0 + cid as f64),
                std: (cid % 2 == 0).then_some(12.5),
                value: evaluated.then_some(1499.25),
            },
            PropertyCells { name: "density".into(), mean: None, std: None, value: evaluated.then_some(7.85) },
        ],
        acquisition: (cid != 1).then_some(-0.1 * cid as f64),
        feasible: match cid % 3 {
            0 => None,
            1 => Some(true),
            _ => Some(false),
        },
        status,
        failure: (status == Status::Failed).then(|| "oracle timed out after 10m".into()),
        created_at: DateTime::from_timestamp(1_700_000_000 + cid as i64, 123_456_789).unwrap(),
        config_hash: meta().config_hash,
        model_hash: (cid % 2 == 0).then(|| "abc123".into()),
        seed: 7,
    }
}

fn torn_path(err: StoreError) -> std::path::PathBuf {
    match err {
        StoreError::TornPart { path, .. } => path,
        other => panic!("expected TornPart, got {other:?}"),
    }
}

#[test]
fn round_trip_is_exact_including_nulls() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    let rows: Vec<_> =
        (0..6).map(|c| row(c, [Status::Proposed, Status::Evaluated, Status::Failed][c as usize % 3])).collect();
    let part = run.log().append(&rows).unwrap();
    assert_eq!(part, run.path().join("candidates/part-000000.parquet"));
    assert_eq!(run.log().history().unwrap(), rows);

    let df = run.log().read_all().unwrap();
    let names: Vec<&str> = df.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(
        names,
        [
            "iteration",
            "candidate_id",
            "origin",
            "formula",
            "Fe",
            "passes",
            "phase",
            "pool_index",
            "yield_strength_mean",
            "yield_strength_std",
            "yield_strength",
            "density_mean",
            "density_std",
            "density",
            "acquisition",
            "feasible",
            "status",
            "failure",
            "created_at",
            "config_hash",
            "model_hash",
            "seed"
        ]
    );
    let dtype = |n: &str| df.column(n).unwrap().dtype().clone();
    assert_eq!(dtype("candidate_id"), DataType::UInt64);
    assert_eq!(dtype("Fe"), DataType::Float64);
    assert_eq!(dtype("passes"), DataType::Int64);
    assert_eq!(dtype("phase"), DataType::String);
    assert_eq!(dtype("feasible"), DataType::Boolean);
    assert_eq!(dtype("created_at"), DataType::String);
    let created = df.column("created_at").unwrap().str().unwrap().get(0).unwrap().to_string();
    assert_eq!(created, "2023-11-14T22:13:20.123456789Z");
    assert_eq!(df.column("density").unwrap().null_count(), 4);
}

#[test]
fn two_parts_read_back_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    run.log().append(&[row(0, Status::Proposed), row(1, Status::Proposed)]).unwrap();
    let p1 = run.log().append(&[row(2, Status::Proposed), row(3, Status::Proposed)]).unwrap();
    assert!(p1.ends_with("part-000001.parquet"));
    assert_eq!(run.log().next_part_index(), 2);
    let df = run.log().read_all().unwrap();
    let ids: Vec<_> = df.column("candidate_id").unwrap().u64().unwrap().into_no_null_iter().collect();
    assert_eq!(ids, [0, 1, 2, 3]);
    assert_eq!(run.log().parts().unwrap().len(), 2);
}

#[test]
fn latest_status_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    run.log().append(&[row(0, Status::Proposed), row(1, Status::Proposed)]).unwrap();
    let done = row(0, Status::Evaluated);
    run.log().append(std::slice::from_ref(&done)).unwrap();

    assert_eq!(run.log().read_all().unwrap().height(), 3);
    let latest = run.log().latest().unwrap();
    assert_eq!(latest.height(), 2);
    let status: Vec<_> = latest.column("status").unwrap().str().unwrap().iter().flatten().collect();
    assert_eq!(status, ["evaluated", "proposed"]);
    assert_eq!(latest.column("yield_strength").unwrap().f64().unwrap().get(0), Some(1499.25));

    let history = run.log().history().unwrap();
    assert_eq!(history, vec![done, row(1, Status::Proposed)]);
}

/// Append two good parts and a third; damage the third with `damage`; every read must name
/// it as torn and the earlier parts must be byte-for-byte untouched.
fn check_torn(damage: impl Fn(&Path)) {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    let p0 = run.log().append(&[row(0, Status::Proposed)]).unwrap();
    let p1 = run.log().append(&[row(1, Status::Evaluated)]).unwrap();
    let (b0, b1) = (fs::read(&p0).unwrap(), fs::read(&p1).unwrap());
    let p2 = run.log().append(&[row(2, Status::Evaluated), row(3, Status::Failed)]).unwrap();
    run.log().read_all().unwrap(); // validated (and cached) while intact
    damage(&p2);
    assert_eq!(torn_path(run.log().read_all().unwrap_err()), p2);
    assert_eq!(torn_path(run.log().latest().unwrap_err()), p2);
    assert_eq!(torn_path(run.log().history().unwrap_err()), p2);
    let reopened = RunDir::open(run.path(), &meta(), false).unwrap();
    assert_eq!(torn_path(reopened.log().read_all().unwrap_err()), p2);
    assert_eq!(reopened.log().next_part_index(), 3, "a torn part is never overwritten");
    assert_eq!(fs::read(&p0).unwrap(), b0);
    assert_eq!(fs::read(&p1).unwrap(), b1);
}

#[test]
fn truncated_part_is_reported_torn() {
    for cut in [1, 4, 8, 9, 100, 400] {
        check_torn(|p| {
            let len = fs::metadata(p).unwrap().len();
            fs::OpenOptions::new().write(true).open(p).unwrap().set_len(len - cut).unwrap();
        });
    }
    check_torn(|p| fs::write(p, b"").unwrap());
    check_torn(|p| {
        let len = fs::metadata(p).unwrap().len();
        fs::OpenOptions::new().write(true).open(p).unwrap().set_len(len / 2).unwrap();
    });
}

#[test]
fn garbage_tail_is_reported_torn() {
    for n in [4usize, 32, 300] {
        check_torn(|p| {
            let mut bytes = fs::read(p).unwrap();
            let len = bytes.len();
            for (i, b) in bytes[len - n..].iter_mut().enumerate() {
                *b = (i as u8).wrapping_mul(37).wrapping_add(11);
            }
            fs::write(p, bytes).unwrap();
        });
    }
    // Garbage in the footer or in the data pages, with both magics intact.
    for (from_end, n) in [(8usize, 24usize), (8, 200)] {
        check_torn(|p| {
            let mut bytes = fs::read(p).unwrap();
            let end = bytes.len() - from_end;
            bytes[end - n..end].fill(0xA5);
            fs::write(p, bytes).unwrap();
        });
    }
    check_torn(|p| {
        let mut bytes = fs::read(p).unwrap();
        let half = bytes.len() / 2;
        bytes[4..half].fill(0x5A);
        fs::write(p, bytes).unwrap();
    });
}

#[test]
fn content_that_differs_from_its_checksum_is_torn() {
    // A well-formed Parquet file whose data no longer matches the checksum in its footer.
    check_torn(|p| {
        let mut reader = ParquetReader::new(fs::File::open(p).unwrap());
        let kv: Vec<(String, String)> = reader
            .get_metadata()
            .unwrap()
            .key_value_metadata
            .iter()
            .flatten()
            .filter(|kv| kv.key.starts_with("crucible."))
            .map(|kv| (kv.key.clone(), kv.value.clone().unwrap()))
            .collect();
        let df = reader.finish().unwrap();
        let mut df = df.lazy().with_column(lit(99u64).cast(DataType::UInt64).alias("seed")).collect().unwrap();
        let file = fs::File::create(p).unwrap();
        ParquetWriter::new(file)
            .with_key_value_metadata(Some(KeyValueMetadata::from_static(kv)))
            .finish(&mut df)
            .unwrap();
    });
    // A valid Parquet file not written by the log at all.
    check_torn(|p| {
        let mut df = df!("candidate_id" => [5u64]).unwrap();
        ParquetWriter::new(fs::File::create(p).unwrap()).finish(&mut df).unwrap();
    });
}

#[test]
fn leftover_tmp_is_ignored_and_removed_by_open() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    run.log().append(&[row(0, Status::Proposed)]).unwrap();
    run.log().append(&[row(1, Status::Proposed)]).unwrap();
    let stale = run.log().dir().join("part-000002.parquet.tmp");
    let valid_bytes = fs::read(run.log().part_path(1)).unwrap();
    fs::write(&stale, &valid_bytes[..valid_bytes.len() / 2]).unwrap(); // crash mid-write
    assert_eq!(run.log().read_all().unwrap().height(), 2);
    assert_eq!(run.log().history().unwrap().len(), 2);

    let reopened = RunDir::open(run.path(), &meta(), false).unwrap();
    assert_eq!(reopened.stale_tmp_removed(), 1);
    assert!(!stale.exists());
    assert_eq!(reopened.log().next_part_index(), 2);
    let p = reopened.log().append(&[row(2, Status::Proposed)]).unwrap();
    assert!(p.ends_with("part-000002.parquet"));
    assert_eq!(reopened.log().read_all().unwrap().height(), 3);
}

#[test]
fn create_refuses_an_existing_run_or_a_non_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    let err = RunDir::create(run.path(), "name: t\n", &meta()).unwrap_err();
    assert!(matches!(err, StoreError::AlreadyExists { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(&run.path().display().to_string()) && msg.contains("--resume") && msg.contains("--out"));

    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    fs::write(other.join("notes.txt"), "mine").unwrap();
    assert!(matches!(RunDir::create(&other, "x", &meta()), Err(StoreError::NotEmpty { .. })));
    assert_eq!(fs::read_to_string(other.join("notes.txt")).unwrap(), "mine");

    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    let run2 = RunDir::create(&empty, "name: e\n", &meta()).unwrap();
    assert_eq!(fs::read_to_string(run2.config_path()).unwrap(), "name: e\n");
    assert_eq!(run2.info().seed, 7);
    assert_eq!(run2.info().crucible_version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn open_refuses_a_changed_config_unless_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    let changed = RunMeta { config_hash: config_hash("name: t\nseed: 8\n"), ..meta() };
    match RunDir::open(run.path(), &changed, false).unwrap_err() {
        StoreError::ConfigMismatch { stored, current, .. } => {
            assert_eq!(stored, meta().config_hash);
            assert_eq!(current, changed.config_hash);
        }
        other => panic!("expected ConfigMismatch, got {other:?}"),
    }
    let msg = RunDir::open(run.path(), &changed, false).unwrap_err().to_string();
    assert!(msg.contains(&meta().config_hash) && msg.contains(&changed.config_hash));
    let reopened = RunDir::open(run.path(), &changed, true).unwrap();
    assert_eq!(reopened.info().config_hash, meta().config_hash, "run.json keeps the original");

    let reseeded = RunMeta { seed: 8, ..meta() };
    assert!(matches!(RunDir::open(run.path(), &reseeded, false), Err(StoreError::SeedMismatch { .. })));
    assert!(matches!(RunDir::open(&tmp.path().join("nope"), &meta(), false), Err(StoreError::NotARun { .. })));
    assert!(RunDir::inspect(run.path()).is_ok());
}

#[test]
fn checkpoint_round_trip_and_crash_mid_write() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    assert_eq!(run.load_checkpoint().unwrap(), None);
    let first = serde_json::json!({"iteration": 1, "rng": [1, 2, 3], "strategy": {"kind": "ga"}});
    run.save_checkpoint(&first).unwrap();
    assert_eq!(run.load_checkpoint().unwrap(), Some(first.clone()));
    let second = serde_json::json!({"iteration": 2, "rng": [4, 5, 6], "strategy": null});
    run.save_checkpoint(&second).unwrap();

    // Crash while writing a third: only the temp was (partly) written.
    fs::write(run.path().join("checkpoint.json.tmp"), b"{\"iteration\": 3, \"rng\": [").unwrap();
    assert_eq!(run.load_checkpoint().unwrap(), Some(second.clone()));
    let reopened = RunDir::open(run.path(), &meta(), false).unwrap();
    assert_eq!(reopened.stale_tmp_removed(), 1);
    assert_eq!(reopened.load_checkpoint().unwrap(), Some(second));

    fs::write(reopened.checkpoint_path(), b"{torn").unwrap();
    assert!(matches!(reopened.load_checkpoint(), Err(StoreError::Checkpoint { .. })));
}

#[test]
fn reopen_continues_the_part_sequence() {
    let tmp = tempfile::tempdir().unwrap();
    let path = new_run(tmp.path()).path().to_path_buf();
    {
        let run = RunDir::open(&path, &meta(), false).unwrap();
        assert_eq!(run.log().next_part_index(), 0);
        assert_eq!(run.log().read_all().unwrap().height(), 0);
        assert_eq!(run.log().latest().unwrap().height(), 0);
        assert!(run.log().history().unwrap().is_empty());
        run.log().append(&[row(0, Status::Proposed)]).unwrap();
        run.log().append(&[row(0, Status::Evaluated)]).unwrap();
    }
    let run = RunDir::open(&path, &meta(), false).unwrap();
    assert_eq!(run.log().next_part_index(), 2);
    let before = fs::read(run.log().part_path(1)).unwrap();
    assert!(run.log().append(&[row(1, Status::Proposed)]).unwrap().ends_with("part-000002.parquet"));
    assert_eq!(fs::read(run.log().part_path(1)).unwrap(), before);
    assert_eq!(run.log().read_all().unwrap().height(), 3);
    assert_eq!(run.log().history().unwrap(), vec![row(0, Status::Evaluated), row(1, Status::Proposed)]);
}

#[test]
fn batches_may_differ_but_rows_within_one_may_not() {
    let tmp = tempfile::tempdir().unwrap();
    let run = new_run(tmp.path());
    assert!(matches!(run.log().append(&[]), Err(StoreError::EmptyBatch)));

    let mut odd = row(1, Status::Proposed);
    odd.inputs[1].1 = Cell::F64(2.0);
    let err = run.log().append(&[row(0, Status::Proposed), odd]).unwrap_err();
    assert!(matches!(err, StoreError::BadBatch { row: 1, .. }), "{err:?}");
    let mut fewer = row(1, Status::Proposed);
    fewer.properties.pop();
    assert!(matches!(run.log().append(&[row(0, Status::Proposed), fewer.clone()]), Err(StoreError::BadBatch { .. })));
    let mut reserved = row(0, Status::Proposed);
    reserved.inputs[0].0 = "status".into();
    assert!(matches!(run.log().append(&[reserved]), Err(StoreError::BadBatch { .. })));
    let mut clash = row(0, Status::Proposed);
    clash.inputs[0].0 = "density_std".into();
    assert!(matches!(run.log().append(&[clash]), Err(StoreError::BadBatch { .. })));
    assert_eq!(run.log().next_part_index(), 0, "nothing written by failed appends");

    // A later batch with one property fewer: diagonal read fills nulls; typed reload is exact.
    run.log().append(&[row(0, Status::Proposed)]).unwrap();
    run.log().append(std::slice::from_ref(&fewer)).unwrap();
    let df = run.log().read_all().unwrap();
    assert_eq!(df.height(), 2);
    assert_eq!(df.column("density_mean").unwrap().null_count(), 2);
    assert_eq!(run.log().history().unwrap(), vec![row(0, Status::Proposed), fewer]);
}
