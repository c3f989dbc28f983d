use std::path::{Path, PathBuf};

use crucible::campaign::{self, CampaignError};

use super::progress::Verbosity;

fn fail(e: &CampaignError) -> i32 {
    match e {
        CampaignError::Config(c) => {
            for d in &c.diagnostics {
                eprintln!("{d}");
            }
            super::INVALID
        }
        CampaignError::Ingest { .. }
        | CampaignError::Io(_)
        | CampaignError::Space(_)
        | CampaignError::Unsupported(_) => {
            super::print_error(e);
            super::INVALID
        }
        _ => {
            super::print_error(e);
            super::FAILED
        }
    }
}

pub fn suggest(config: &Path, batch: Option<usize>, out: Option<PathBuf>, v: Verbosity) -> i32 {
    let mut progress = super::progress::Progress::new(v);
    let result = campaign::suggest(config, batch, out, &mut progress);
    progress.finish();
    match result {
        Ok(s) => {
            let first = s.ids.first().copied().unwrap_or(0);
            let last = s.ids.last().copied().unwrap_or(0);
            println!(
                "suggested {} candidates (ids {first}..={last}, iteration {}) -> {}",
                s.ids.len(),
                s.iteration,
                s.csv.display()
            );
            if v != Verbosity::Quiet {
                if s.pending_before > 0 {
                    println!("{} earlier candidates are still waiting for results", s.pending_before);
                }
                println!(
                    "fill in the measured columns (or a reason in `failure`), then: crucible ingest {} {}",
                    s.run_dir.display(),
                    s.csv.display()
                );
            }
            super::OK
        }
        Err(e) => fail(&e),
    }
}

pub fn ingest(run_dir: &Path, results: &Path, v: Verbosity) -> i32 {
    let mut progress = super::progress::Progress::new(v);
    let result = campaign::ingest(run_dir, results, &mut progress);
    progress.finish();
    match result {
        Ok(r) => {
            println!("recorded {} measured and {} failed candidates", r.evaluated, r.failed);
            if let Some(Err(why)) = &r.model {
                eprintln!(
                    "warning: the measurements are recorded, but re-training the surrogate failed: {why}\n\
                     the next `suggest` uses the previous model"
                );
            }
            if v != Verbosity::Quiet && r.still_pending > 0 {
                println!("{} candidates are still waiting for results", r.still_pending);
            }
            super::OK
        }
        Err(e) => fail(&e),
    }
}
