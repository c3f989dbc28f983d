//! Command-line interface: clap structs and one function per subcommand. The only place that
//! prints. Each subcommand turns its arguments into library calls.
mod evaluate;
mod featurize;
mod finetune;
mod lab;
mod predict;
mod pretrain;
mod progress;
mod rank;
mod report;
mod run;
mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Exit code: success.
pub const OK: i32 = 0;
/// Exit code: the command failed.
pub const FAILED: i32 = 1;
/// Exit code: invalid input.
pub const INVALID: i32 = 2;
/// Exit code: interrupted (resumable).
pub const INTERRUPTED: i32 = 130;

/// crucible: inverse design of materials.
#[derive(Debug, Parser)]
#[command(name = "crucible", version, about, long_about = None)]
pub struct Cli {
    /// Print only errors and the final result.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More detail (per-batch lines).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run (or continue) a campaign.
    Run {
        /// The campaign file.
        config: PathBuf,
        /// Continue the run in the run directory.
        #[arg(long)]
        resume: bool,
        /// Run directory (default: the config's output.dir).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Resume even though the config changed since the run started.
        #[arg(long, requires = "resume")]
        allow_changed_config: bool,
    },
    /// Check a campaign file, report every problem, and dry-run its design space.
    Validate {
        /// The campaign file.
        config: PathBuf,
    },
    /// Normalised formula, fractions, descriptors and density for every row of a table.
    Featurize {
        /// Input table (CSV or Parquet).
        #[arg(long)]
        data: PathBuf,
        /// Output table (CSV or Parquet, by extension).
        #[arg(long)]
        out: PathBuf,
        /// The column holding formulas.
        #[arg(long, default_value = "formula")]
        formula_col: String,
    },
    /// Pretrain a surrogate on one or more data sets (FILE[:TARGET[:KIND]]).
    Pretrain(pretrain::PretrainArgs),
    /// Fine-tune a checkpoint (or train from scratch) on a labelled data set.
    Finetune(finetune::FinetuneArgs),
    /// Metrics of a model on labelled data.
    Evaluate(evaluate::EvaluateArgs),
    /// Add predictions (<task>_mean, <task>_std) to a table.
    Predict(predict::PredictArgs),
    /// Check that libtorch works (a tensor op and one AdamW step).
    Doctor,
    /// Propose a batch for the lab: recorded as pending and written as CSV.
    Suggest {
        /// The campaign file.
        config: PathBuf,
        /// How many candidates (default: the rest of the initial design, else the batch size).
        #[arg(long)]
        batch: Option<usize>,
        /// Run directory (default: the config's output.dir).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Record the lab's measurements for pending candidates (all rows checked first).
    Ingest {
        /// The run directory.
        run_dir: PathBuf,
        /// Results table: candidate_id, one column per measured property, optional failure.
        results: PathBuf,
    },
    /// Shortlist for synthesis: the best feasible candidates of a run (Pareto rank, then a
    /// stated tie-break), optionally diverse; writes a CSV and prints a table.
    Rank {
        /// The run directory.
        run_dir: PathBuf,
        /// How many candidates to shortlist.
        #[arg(long, default_value_t = crucible::rank::DEFAULT_TOP)]
        top: usize,
        /// Skip candidates closer than --min-distance to a better shortlisted one (atomic-fraction
        /// distance of the compositions; normalised inputs when there are no formulas).
        #[arg(long)]
        diverse: bool,
        /// Minimum distance for --diverse [default: 0.05].
        #[arg(long, requires = "diverse")]
        min_distance: Option<f64>,
        /// Output CSV (default: RUN_DIR/shortlist.csv).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Campaign file to take goals from (default: the run's config.yaml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Plots (convergence, Pareto front, parity, calibration; PNG and SVG) and summary.md in
    /// RUN_DIR/report/.
    Report {
        /// The run directory.
        run_dir: PathBuf,
        /// Campaign file to take goals from (default: the run's config.yaml).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Run the parsed command; returns the exit code.
pub fn dispatch(cli: Cli) -> i32 {
    let verbosity = progress::Verbosity::from_flags(cli.quiet, cli.verbose);
    match cli.command {
        Command::Run { config, resume, out, allow_changed_config } => {
            run::run(&config, resume, out, allow_changed_config, verbosity)
        }
        Command::Validate { config } => validate::validate(&config),
        Command::Featurize { data, out, formula_col } => featurize::featurize(&data, &out, &formula_col, verbosity),
        Command::Rank { run_dir, top, diverse, min_distance, out, config } => {
            rank::rank(rank::RankArgs { run_dir, top, diverse, min_distance, out, config }, verbosity)
        }
        Command::Report { run_dir, config } => report::report(&run_dir, config.as_deref(), verbosity),
        Command::Pretrain(a) => pretrain::pretrain(a, verbosity),
        Command::Finetune(a) => finetune::finetune(a, verbosity),
        Command::Evaluate(a) => evaluate::evaluate(a, verbosity),
        Command::Predict(a) => predict::predict(a, verbosity),
        Command::Suggest { config, batch, out } => lab::suggest(&config, batch, out, verbosity),
        Command::Ingest { run_dir, results } => lab::ingest(&run_dir, &results, verbosity),
        Command::Doctor => match crucible::surrogate::torch_smoke_check() {
            Ok((before, after)) => {
                println!("libtorch OK: tensor arithmetic correct; one AdamW step took the loss from {before:.4} to {after:.4}");
                OK
            }
            Err(e) => {
                eprintln!("error: {e}");
                FAILED
            }
        },
    }
}

/// Print an error chain (`error: outer: inner`) to stderr.
pub fn print_error(e: &dyn std::error::Error) {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !msg.contains(&t) {
            msg.push_str(": ");
            msg.push_str(&t);
        }
        src = s.source();
    }
    eprintln!("error: {msg}");
}
