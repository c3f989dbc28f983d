//! `crucible report RUN_DIR [--config FILE]`: plots and `summary.md` in `RUN_DIR/report/`.
use std::path::Path;

use crucible::report::{self, ReportError};

use super::progress::Verbosity;

pub fn report(run_dir: &Path, config: Option<&Path>, v: Verbosity) -> i32 {
    let view = match crucible::rank::open_run(run_dir, config) {
        Ok(view) => view,
        Err(e) => return super::rank::fail(&e),
    };
    let out = match report::write_report(&view) {
        Ok(out) => out,
        Err(ReportError::Rank(e)) => return super::rank::fail(&e),
        Err(e) => {
            super::print_error(&e);
            return super::FAILED;
        }
    };
    if v != Verbosity::Quiet {
        for p in &out.plots {
            match &p.skipped {
                Some(why) => println!("  {}: skipped ({why})", p.title),
                None => {
                    let files: Vec<String> = p.files.iter().map(|f| f.display().to_string()).collect();
                    println!("  {}: {}", p.title, files.join(", "));
                }
            }
        }
    }
    println!("wrote {}", out.summary.display());
    super::OK
}
