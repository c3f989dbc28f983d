//! The `crucible` binary: parse the command line, dispatch, print the error chain, exit.
//!
//! Exit codes: 0 success; 1 the command failed (I/O, a run that could not continue);
//! 2 invalid input (a campaign file, data or arguments with problems); 130 interrupted by
//! Ctrl-C (the run directory is consistent and can be resumed).
mod cli;

use clap::Parser;

fn main() {
    let args = cli::Cli::parse();
    std::process::exit(cli::dispatch(args));
}
