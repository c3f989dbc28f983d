use std::path::{Path, PathBuf};

use crucible::campaign::{self, fmt_duration, CampaignError, RunOptions, StopReason, Summary};
use crucible::stop::StopFlag;

use super::progress::{Progress, Verbosity};

pub fn run(config: &Path, resume: bool, out: Option<PathBuf>, allow_changed_config: bool, v: Verbosity) -> i32 {
    let stop = StopFlag::new();
    let handler_stop = stop.clone();
    let presses = std::sync::atomic::AtomicUsize::new(0);
    // First Ctrl-C/SIGTERM: finish the evaluations in progress, start no new ones, record and
    // stop cleanly. Second: exit now (the log is still consistent: parts are written
    // atomically, and whatever was in flight stays `proposed` for --resume).
    let _ = ctrlc::set_handler(move || {
        if presses.fetch_add(1, std::sync::atomic::Ordering::SeqCst) > 0 {
            eprintln!("\nstopping now; resume with --resume");
            std::process::exit(super::INTERRUPTED);
        }
        eprintln!(
            "\ninterrupt: finishing the evaluations in progress, then stopping; candidates not started stay \
             pending for --resume (Ctrl-C again to stop at once)"
        );
        handler_stop.stop();
    });
    let opts = RunOptions { out, resume, allow_changed_config };
    let mut progress = Progress::new(v);
    let result = campaign::run(config, &opts, &stop, &mut progress);
    progress.finish();
    match result {
        Ok(summary) => {
            print_summary(&summary, config, v);
            if summary.stop == StopReason::Interrupted {
                super::INTERRUPTED
            } else {
                super::OK
            }
        }
        Err(CampaignError::Config(e)) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            super::INVALID
        }
        Err(e @ (CampaignError::Space(_) | CampaignError::Io(_) | CampaignError::Unsupported(_))) => {
            super::print_error(&e);
            super::INVALID
        }
        Err(e) => {
            super::print_error(&e);
            super::FAILED
        }
    }
}

fn print_summary(s: &Summary, config: &Path, v: Verbosity) {
    println!(
        "stopped: {}. {} evaluated ({} feasible), {} failed, {} iterations in {}.",
        s.stop,
        s.evaluated,
        s.feasible,
        s.failed,
        s.iterations,
        fmt_duration(s.elapsed)
    );
    if s.stop == StopReason::Interrupted {
        println!("resume with: crucible run {} --resume --out {}", config.display(), s.run_dir.display());
    }
    if v == Verbosity::Quiet || s.best.is_empty() {
        return;
    }
    println!("\nbest candidates:");
    let first = &s.best[0];
    let mut header = vec!["id".to_string()];
    if first.formula.is_some() {
        header.push("formula".into());
    }
    if first.pool_index.is_some() {
        header.push("pool_row".into());
    }
    header.extend(first.values.iter().map(|(n, _)| n.clone()));
    let show_inputs = first.formula.is_none() && first.pool_index.is_none();
    if show_inputs {
        header.extend(first.inputs.iter().map(|(n, _)| n.clone()));
    }
    let mut table = vec![header];
    for b in &s.best {
        let mut row = vec![b.candidate_id.to_string()];
        if let Some(f) = &b.formula {
            row.push(f.clone());
        }
        if let Some(i) = b.pool_index {
            row.push(i.to_string());
        }
        row.extend(b.values.iter().map(|(_, v)| v.map_or("-".into(), |x| format!("{x:.4}"))));
        if show_inputs {
            row.extend(b.inputs.iter().map(|(_, x)| x.clone()));
        }
        table.push(row);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|j| table.iter().map(|r| r.get(j).map_or(0, |c| c.chars().count())).max().unwrap_or(0))
        .collect();
    for r in &table {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("  {}", line.join("  ").trim_end());
    }
    println!("\nlog: {}", s.run_dir.join("candidates").display());
}
