//! Progress for long runs: a bar on a terminal, one plain line per batch otherwise.
use std::io::IsTerminal;
use std::path::Path;

use crucible::campaign::{fmt_duration, BatchRecord, Budget, ModelEvent, Observer};
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

impl Verbosity {
    pub fn from_flags(quiet: bool, verbose: bool) -> Self {
        if quiet {
            Verbosity::Quiet
        } else if verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }
}

pub struct Progress {
    verbosity: Verbosity,
    bar: Option<ProgressBar>,
}

impl Progress {
    pub fn new(verbosity: Verbosity) -> Self {
        Progress { verbosity, bar: None }
    }

    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress {
    /// A line above the bar, or on stderr without one.
    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Observer for Progress {
    fn on_model(&mut self, e: &ModelEvent) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        match e {
            ModelEvent::Training { rows, members, from } => self.line(format!(
                "surrogate: fine-tuning from {from} on {rows} labelled compositions ({members} member{})",
                if *members == 1 { "" } else { "s" }
            )),
            ModelEvent::Epoch(p) => {
                let text = format!(
                    "surrogate member {}/{} epoch {}: train {:.4}{}",
                    p.member + 1,
                    p.members,
                    p.epoch.epoch,
                    p.epoch.train_loss,
                    p.epoch.val_loss.map_or(String::new(), |v| format!(", validation {v:.4}"))
                );
                if let Some(bar) = &self.bar {
                    bar.set_message(text);
                } else if self.verbosity == Verbosity::Verbose && p.epoch.epoch % 25 == 0 {
                    eprintln!("{text}");
                }
            }
            ModelEvent::Ready { description, how } => self.line(format!("{description} ({how})")),
        }
    }

    fn on_start(&mut self, run_dir: &Path, done: usize, budget: &Budget) {
        if self.verbosity == Verbosity::Quiet {
            return;
        }
        eprintln!(
            "run directory: {}{}",
            run_dir.display(),
            if done > 0 { format!(" (resuming after {done} evaluations)") } else { String::new() }
        );
        if std::io::stderr().is_terminal() {
            let bar = match budget.evaluations {
                Some(n) => ProgressBar::new(n as u64),
                None => ProgressBar::no_length(),
            };
            bar.set_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} evaluations  ETA {eta}  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_position(done as u64);
            self.bar = Some(bar);
        }
    }

    fn on_batch(&mut self, b: &BatchRecord) {
        let best = b.best.map_or("-".to_string(), |v| format!("{v:.4}"));
        if let Some(bar) = &self.bar {
            bar.set_position(b.evaluations as u64);
            bar.set_message(format!("iteration {}  best {best}", b.iteration));
            if self.verbosity == Verbosity::Verbose {
                bar.println(format!("iteration {}: {} evaluated, {} failed", b.iteration, b.size, b.failed));
            }
        } else if self.verbosity != Verbosity::Quiet {
            let of = b.budget_evaluations.map_or(String::new(), |n| format!("/{n}"));
            eprintln!(
                "iteration {}{}: {} evaluated ({} failed); {}{} evaluations; best {best}; elapsed {}",
                b.iteration,
                if b.recovered { " (recovered in-flight batch)" } else { "" },
                b.size,
                b.failed,
                b.evaluations,
                of,
                fmt_duration(b.elapsed)
            );
        }
    }
}
