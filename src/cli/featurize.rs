use std::path::Path;
use std::time::Instant;

use super::progress::Verbosity;

pub fn featurize(data: &Path, out: &Path, formula_col: &str, v: Verbosity) -> i32 {
    let t0 = Instant::now();
    match crucible::io::featurize::featurize_file(data, out, formula_col) {
        Ok(rep) => {
            let shown = if v == Verbosity::Verbose { usize::MAX } else { 20 };
            for e in rep.errors.iter().take(shown) {
                eprintln!("{}: row {}: {}", data.display(), e.row, e.reason);
            }
            if rep.errors.len() > shown {
                eprintln!(
                    "... and {} more bad rows (all have an `error` value in {})",
                    rep.errors.len() - shown,
                    out.display()
                );
            }
            if v != Verbosity::Quiet {
                println!(
                    "featurized {} of {} rows ({} descriptors, {} bad rows kept with an error) in {:.2}s -> {}",
                    rep.ok,
                    rep.rows,
                    rep.descriptors,
                    rep.errors.len(),
                    t0.elapsed().as_secs_f64(),
                    out.display()
                );
            }
            super::OK
        }
        Err(e) => {
            super::print_error(&e);
            super::INVALID
        }
    }
}
