//! Formula-parsing throughput and failures on a `formula,...` CSV (first column).
//!
//! `cargo run --release --example parse_formulas -- ../shared/data/matbench/mp_e_form.csv`
//! Reads the file as text (no table library), then times `Composition::parse` + `normalized`
//! + `formula` on every row, best of 3 passes, and lists every failure with its row number.
use std::time::Instant;

use crucible::chem::Composition;

fn main() {
    let path = std::env::args().nth(1).expect("usage: parse_formulas FILE.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let formulas: Vec<&str> = text.lines().skip(1).map(|l| l.split(',').next().unwrap_or("")).collect();
    let mut best = f64::INFINITY;
    let mut failures = Vec::new();
    let mut chars = 0usize;
    for pass in 0..3 {
        let t0 = Instant::now();
        let mut fails = Vec::new();
        for (i, f) in formulas.iter().enumerate() {
            match Composition::parse(f) {
                Ok(c) => chars += c.normalized().formula().len(),
                Err(e) => fails.push((i + 1, f.to_string(), e.to_string())),
            }
        }
        best = best.min(t0.elapsed().as_secs_f64());
        if pass == 0 {
            failures = fails;
        }
    }
    println!("{path}: {} formulas, {} failures", formulas.len(), failures.len());
    println!(
        "parse + normalise + canonical formula: best of 3 passes {:.3} s = {:.0} formulas/s ({chars} output chars)",
        best,
        formulas.len() as f64 / best
    );
    for (row, f, e) in failures.iter().take(50) {
        println!("  row {row}: '{f}': {e}");
    }
}
