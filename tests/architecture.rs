//! One home per heavy crate (STYLE.md §6.4): a crate used outside its home is a defect that
//! this test names by file and line. Comments are ignored.
use std::path::{Path, PathBuf};

use crate::*;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().and_then(|e| e.to_str()) == Some("rs") {
            out.push(p);
        }
    }
}

/// (what is used, how it appears in code, the folders/files allowed to use it, relative to src/)
const HOMES: &[(&str, &[&str], &[&str])] = &[
    ("libtorch (tch)", &["tch::", "use tch"], &["surrogate/"]),
    ("polars", &["polars::", "use polars"], &["store/", "io/"]),
    ("plotters", &["plotters::", "use plotters"], &["report/"]),
    ("clap", &["clap::", "use clap"], &["cli/", "main.rs"]),
    ("YAML", &["serde_yaml::", "use serde_yaml", "saphyr"], &["config/", "surrogate/card.rs"]),
    ("argmin", &["argmin::", "use argmin"], &["gp/", "bo/", "acquisition/"]),
    ("terminal output", &["println!", "eprintln!", "indicatif"], &["cli/", "main.rs"]),
    ("an OS random generator", &["thread_rng", "rand::rng()", "OsRng", "from_entropy"], &[]),
];

#[test]
fn heavy_crates_stay_in_their_homes() {
    let src = repo().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 30, "found the sources");
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for (what, needles, homes) in HOMES {
                // test modules (`tests.rs`, `tests_*.rs`) may print their measurements
                let test_module = rel.rsplit('/').next().is_some_and(|f| f.starts_with("tests"));
                if *what == "terminal output" && test_module {
                    continue;
                }
                if needles.iter().any(|s| code.contains(s)) && !homes.iter().any(|h| rel.starts_with(h)) {
                    violations.push(format!("src/{rel}:{}: {what} outside {homes:?}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}
