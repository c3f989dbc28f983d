//! `crucible rank` and `crucible report` on real runs.
use std::collections::HashMap;
use std::path::Path;

use crucible::chem::Composition;
use crucible::store::{CandidateRow, Cell, PropertyCells, RunDir, RunMeta, Status};

use crate::*;

const ONE: &str = "name: steels-one
seed: 5
space: {pool: {path: steels.csv}}
properties:
  ys: {column: target, unit: MPa}
  density: {derived: density, unit: g/cm3}
objectives: [{property: ys, goal: maximize}]
constraints: [{property: density, max: 7.85}]
oracle: {kind: table}
optimizer: {kind: random, initial: 8, batch_size: 8}
budget: {evaluations: 64}
output: {dir: out}
";

fn two_objectives() -> String {
    ONE.replace("steels-one", "steels-two").replace(
        "[{property: ys, goal: maximize}]",
        "[{property: ys, goal: maximize}, {property: density, goal: minimize}]",
    )
}

/// Run a pool campaign over the first 80 bundled steels in `dir` (run directory `dir/out`).
fn pool_run(dir: &Path, config: &str) {
    steels_pool(dir, 80);
    write(dir, "c.yaml", config);
    let o = crucible(dir, &["run", "c.yaml", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// A minimal RFC 4180 reader (independent of the one in the crate): header → column index, records.
fn read_csv(path: &Path) -> (HashMap<String, usize>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
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
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    let header: Vec<String> = rows.remove(0);
    for r in &rows {
        assert_eq!(r.len(), header.len(), "every record has every column: {r:?}");
    }
    (header.into_iter().enumerate().map(|(i, h)| (h, i)).collect(), rows)
}

fn num(r: &[String], cols: &HashMap<String, usize>, name: &str) -> f64 {
    r[cols[name]].parse().unwrap_or_else(|_| panic!("{name} = {:?}", r[cols[name]]))
}

fn value(row: &CandidateRow, name: &str) -> Option<f64> {
    row.properties.iter().find(|p| p.name == name).and_then(|p| p.value)
}

#[test]
fn rank_one_objective_lists_the_best_feasible_in_order() {
    let dir = tempfile::tempdir().unwrap();
    pool_run(dir.path(), ONE);
    let o = crucible(dir.path(), &["rank", "out", "--top", "5"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("left out:") && t.contains("infeasible (density > 7.85"), "{t}");
    assert!(t.contains("best ys:"), "{t}");
    let (cols, recs) = read_csv(&dir.path().join("out/shortlist.csv"));
    for c in
        ["rank", "candidate_id", "formula", "pool_index", "ys", "ys_mean", "ys_std", "density", "pareto_rank", "reason"]
    {
        assert!(cols.contains_key(c), "column {c}");
    }
    assert_eq!(recs.len(), 5);
    let ranks: Vec<f64> = recs.iter().map(|r| num(r, &cols, "rank")).collect();
    assert_eq!(ranks, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    let ys: Vec<f64> = recs.iter().map(|r| num(r, &cols, "ys")).collect();
    assert!(ys.windows(2).all(|w| w[0] >= w[1]), "sorted by ys: {ys:?}");
    assert!(recs.iter().all(|r| num(r, &cols, "density") <= 7.85), "feasible only");
    // the top is the best feasible candidate of the log
    let rows = RunDir::inspect(&dir.path().join("out")).unwrap().log().history().unwrap();
    let best = rows
        .iter()
        .filter(|r| r.status == Status::Evaluated && value(r, "density").unwrap() <= 7.85)
        .map(|r| value(r, "ys").unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(ys[0], best);
    assert!(recs[0][cols["reason"]].starts_with("best ys: "), "{:?}", recs[0]);
    // --out elsewhere; --top larger than the feasible set
    let o = crucible(dir.path(), &["rank", "out", "--top", "500", "--out", "lists/all.csv", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let (_, all) = read_csv(&dir.path().join("lists/all.csv"));
    let feasible = rows.iter().filter(|r| value(r, "density").unwrap() <= 7.85).count();
    assert_eq!(all.len(), feasible);
}

#[test]
fn rank_two_objectives_by_pareto_rank_and_diverse_keeps_its_distance() {
    let dir = tempfile::tempdir().unwrap();
    pool_run(dir.path(), &two_objectives());
    let o = crucible(dir.path(), &["rank", "out", "--top", "12"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("Pareto rank") && t.contains("crowding distance"), "the rule is stated: {t}");
    let (cols, recs) = read_csv(&dir.path().join("out/shortlist.csv"));
    assert!(!recs.is_empty() && recs.len() <= 12);
    let pr: Vec<f64> = recs.iter().map(|r| num(r, &cols, "pareto_rank")).collect();
    assert!(pr.windows(2).all(|w| w[0] <= w[1]), "Pareto ranks ascend: {pr:?}");
    let front: Vec<(f64, f64)> = recs
        .iter()
        .filter(|r| num(r, &cols, "pareto_rank") == 1.0)
        .map(|r| (num(r, &cols, "ys"), num(r, &cols, "density")))
        .collect();
    for a in &front {
        for b in &front {
            let dominates = a.0 >= b.0 && a.1 <= b.1 && (a.0 > b.0 || a.1 < b.1);
            assert!(!dominates, "front members do not dominate each other: {a:?} {b:?}");
        }
    }
    assert!(recs[0][cols["reason"]].starts_with("Pareto rank 1 of "), "{:?}", recs[0]);

    let o =
        crucible(dir.path(), &["rank", "out", "--top", "6", "--diverse", "--min-distance", "0.02", "--out", "div.csv"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("atomic-fraction"), "the distance is named: {t}");
    let (cols, recs) = read_csv(&dir.path().join("div.csv"));
    assert!(!recs.is_empty() && recs.len() <= 6);
    let comps: Vec<Composition> =
        recs.iter().map(|r| Composition::parse(&r[cols["formula"]]).unwrap().normalized()).collect();
    for (i, a) in comps.iter().enumerate() {
        for b in &comps[..i] {
            let els: std::collections::BTreeSet<&str> = a.elements().chain(b.elements()).collect();
            let d = els.iter().map(|e| (a.fraction(e) - b.fraction(e)).powi(2)).sum::<f64>().sqrt();
            assert!(d >= 0.02 - 1e-9, "shortlisted candidates {d} apart");
        }
    }
    assert!(recs.iter().all(|r| num(r, &cols, "density") <= 7.85));
}

#[test]
fn report_draws_convergence_and_pareto_and_explains_what_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    pool_run(dir.path(), &two_objectives());
    assert!(crucible(dir.path(), &["rank", "out", "--top", "4", "-q"]).status.success());
    let o = crucible(dir.path(), &["report", "out"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let rep = dir.path().join("out/report");
    for stem in ["convergence", "pareto"] {
        let png = std::fs::read(rep.join(format!("{stem}.png"))).unwrap();
        assert!(png.len() > 10_000, "{stem}.png has content: {} bytes", png.len());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is a PNG");
        let svg = std::fs::read_to_string(rep.join(format!("{stem}.svg"))).unwrap();
        assert!(svg.len() > 5_000 && svg.contains("<svg"), "{stem}.svg");
        assert!(svg.contains("ys (MPa)"), "axes are labelled with units");
    }
    assert!(!rep.join("parity_ys.png").exists() && !rep.join("calibration.png").exists());
    let md = std::fs::read_to_string(rep.join("summary.md")).unwrap();
    assert!(md.contains("# Report: steels-two"), "{md}");
    assert!(md.contains("| evaluated | 64 |"), "{md}");
    assert!(md.contains("From `") && md.contains("shortlist.csv"), "the shortlist of `crucible rank` is used: {md}");
    assert!(md.contains("![Convergence](convergence.png)") && md.contains("[pareto.svg](pareto.svg)"), "{md}");
    assert!(md.contains("**Parity**: skipped: no predictions"), "{md}");
    assert_eq!(md.matches("\n| 1 | ").count() + md.matches("\n| 4 | ").count(), 2, "top of the shortlist: {md}");
    // running again replaces the files and leaves no temp files behind
    assert!(crucible(dir.path(), &["report", "out", "-q"]).status.success());
    let names: Vec<String> =
        std::fs::read_dir(&rep).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.contains(".tmp")), "{names:?}");
}

/// A run written through the library, with predictions (as a surrogate would log them) and
/// some failures.
fn run_with_predictions(dir: &Path) {
    let config = "name: predicted
space:
  parameters:
    - {name: x, type: continuous, range: [0, 1]}
properties:
  y: {unit: eV}
objectives: [{property: y, goal: target, value: 1.34, tolerance: 0.05}]
oracle: {kind: function, functions: {y: sphere}}
budget: {evaluations: 100}
output: {dir: out}
";
    let meta = RunMeta { config_hash: crucible::store::config_hash(config), seed: 0, name: "predicted".into() };
    let run = RunDir::create(&dir.join("out"), config, &meta).unwrap();
    let rows: Vec<CandidateRow> = (0..60u64)
        .map(|i| {
            let x = i as f64 / 60.0;
            let y = 1.0 + 0.8 * x;
            let noise = ((i * 37 % 11) as f64 - 5.0) / 50.0; // within ±0.1
            let failed = i % 15 == 7;
            CandidateRow {
                iteration: i / 10,
                candidate_id: i,
                origin: "random".into(),
                formula: None,
                inputs: vec![("x".into(), Cell::F64(x))],
                pool_index: None,
                properties: vec![PropertyCells {
                    name: "y".into(),
                    mean: Some(y + noise),
                    std: Some(0.06),
                    value: (!failed).then_some(y),
                }],
                acquisition: None,
                feasible: Some(!failed),
                status: if failed { Status::Failed } else { Status::Evaluated },
                failure: failed
                    .then(|| if i < 30 { "timeout after 10m".to_string() } else { "exit code 3".to_string() }),
                created_at: chrono::Utc::now(),
                config_hash: meta.config_hash.clone(),
                model_hash: Some("m".into()),
                seed: 0,
            }
        })
        .collect();
    run.log().append(&rows).unwrap();
}

#[test]
fn report_with_predictions_draws_parity_and_calibration() {
    let dir = tempfile::tempdir().unwrap();
    run_with_predictions(dir.path());
    let o = crucible(dir.path(), &["report", "out"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let rep = dir.path().join("out/report");
    for stem in ["convergence", "parity_y", "calibration"] {
        let png = std::fs::read(rep.join(format!("{stem}.png"))).unwrap();
        assert!(png.len() > 10_000 && png.starts_with(b"\x89PNG\r\n\x1a\n"), "{stem}.png");
        assert!(rep.join(format!("{stem}.svg")).metadata().unwrap().len() > 3_000, "{stem}.svg");
    }
    assert!(!rep.join("pareto.png").exists(), "one objective: no Pareto plot");
    let md = std::fs::read_to_string(rep.join("summary.md")).unwrap();
    assert!(md.contains("**Pareto front**: skipped: the campaign has one objective"), "{md}");
    assert!(md.contains("## Predictions") && md.contains("| y | n = 56, MAE = "), "{md}");
    assert!(md.contains("| timeout after 10m | 2 | 7, 22 |") && md.contains("| exit code 3 | 2 | 37, 52 |"), "{md}");
    assert!(md.contains("| failed | 4 |"), "{md}");
    assert!(md.contains("No shortlist.csv in the run"), "{md}");
    // the target goal: candidates within 1.34 ± 0.05 rank first
    let o = crucible(dir.path(), &["rank", "out", "--top", "3", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    let (cols, recs) = read_csv(&dir.path().join("out/shortlist.csv"));
    assert!(recs.iter().all(|r| (num(r, &cols, "y") - 1.34).abs() <= 0.05), "{recs:?}");
    assert!(recs.iter().all(|r| !r[cols["y_mean"]].is_empty() && num(r, &cols, "y_std") == 0.06));
}

#[test]
fn rank_and_report_reject_what_is_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for cmd in ["rank", "report"] {
        let o = crucible(dir.path(), &[cmd, "empty"]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("not a crucible run directory"), "{t}");
    }
    let o = crucible(dir.path(), &["rank", "empty", "--min-distance", "0.1"]);
    assert_eq!(o.status.code(), Some(2), "--min-distance needs --diverse: {}", text(&o));
    let o = crucible(dir.path(), &["rank", "empty", "--top", "0"]);
    assert!(text(&o).contains("--top must be at least 1"), "{}", text(&o));
}

#[test]
fn a_moved_run_finds_its_goals_through_config() {
    let dir = tempfile::tempdir().unwrap();
    pool_run(dir.path(), ONE);
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::rename(dir.path().join("out"), elsewhere.path().join("moved")).unwrap();
    // the campaign folder recorded in the run's checkpoint still holds the pool: found
    let o = crucible(elsewhere.path(), &["rank", "moved", "-q"]);
    assert!(o.status.success(), "{}", text(&o));
    // once the pool is gone from there too, the error says to pass the campaign file
    std::fs::rename(dir.path().join("steels.csv"), dir.path().join("steels.bak")).unwrap();
    let o = crucible(elsewhere.path(), &["rank", "moved"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("--config") && t.contains("steels.csv"), "{t}");
    std::fs::rename(dir.path().join("steels.bak"), dir.path().join("steels.csv")).unwrap();
    let cfg = dir.path().join("c.yaml");
    let o = crucible(elsewhere.path(), &["rank", "moved", "--config", cfg.to_str().unwrap(), "--top", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = crucible(elsewhere.path(), &["report", "moved", "--config", cfg.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(elsewhere.path().join("moved/report/convergence.png").exists());
}
