//! The surrogate-driven two-objective study of `experiments/evo-benchmarks`: reads finished
//! runs of `configs/quickstart.yaml` (and of its random-search twin) and prints, per
//! generation, the hypervolume of the feasible front found so far and the time the
//! generation took (from the rows' `created_at`), as CSV.
//!
//!     cargo run --example front_study -- RUN_DIR [RUN_DIR ...] > front.csv
//!
//! Objectives as in the quickstart: maximise predicted yield strength (MPa), minimise density
//! (g/cm³), density ≤ 7.9. The hypervolume is measured in the minimisation view
//! (−yield strength, density) against the reference point (0 MPa, 7.9 g/cm³): the area of the
//! objective space, in MPa·g/cm³, that the feasible candidates found so far dominate. Same
//! reference for every run, so the numbers compare.
use std::collections::BTreeMap;
use std::path::PathBuf;

use crucible::evo::hypervolume::hypervolume;
use crucible::store::{RunDir, Status};

const REFERENCE: [f64; 2] = [0.0, 7.9];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if runs.is_empty() {
        return Err("usage: front_study RUN_DIR [RUN_DIR ...]".into());
    }
    println!("run,generation,evaluations,hypervolume,front_size,seconds");
    for dir in runs {
        let name = dir.file_name().map_or("run".into(), |n| n.to_string_lossy().to_string());
        let rows = RunDir::inspect(&dir)?.log().history()?;
        let mut by_gen: BTreeMap<u64, Vec<&crucible::store::CandidateRow>> = BTreeMap::new();
        for r in &rows {
            by_gen.entry(r.iteration).or_default().push(r);
        }
        let mut points: Vec<Vec<f64>> = Vec::new();
        let mut evaluations = 0;
        let mut last_end = None;
        for (generation, rs) in by_gen {
            for r in &rs {
                evaluations += 1;
                let value = |name: &str| r.properties.iter().find(|p| p.name == name).and_then(|p| p.value);
                if r.status != Status::Evaluated || r.feasible != Some(true) {
                    continue;
                }
                if let (Some(ys), Some(rho)) = (value("yield_strength"), value("density")) {
                    points.push(vec![-ys, rho]);
                }
            }
            let end = rs.iter().map(|r| r.created_at).max().expect("a generation has rows");
            // The first generation's time includes nothing before its own rows were written.
            let seconds =
                last_end.map_or(0.0, |t: chrono::DateTime<chrono::Utc>| (end - t).num_milliseconds() as f64 / 1e3);
            last_end = Some(end);
            let front: Vec<Vec<f64>> = points
                .iter()
                .filter(|p| !points.iter().any(|q| q[0] <= p[0] && q[1] <= p[1] && (q[0] < p[0] || q[1] < p[1])))
                .cloned()
                .collect();
            println!(
                "{name},{generation},{evaluations},{:.1},{},{seconds:.3}",
                hypervolume(&points, &REFERENCE),
                front.len()
            );
        }
    }
    Ok(())
}
