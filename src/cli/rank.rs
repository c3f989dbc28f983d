//! `crucible rank RUN_DIR [--top K] [--diverse [--min-distance D]] [--out FILE] [--config FILE]`:
//! write the shortlist CSV and print it as a table.
use std::path::PathBuf;

use crucible::rank::{self, fmt_num, RankError, RankOptions, Shortlist, DEFAULT_MIN_DISTANCE};
use crucible::store::Cell;

use super::progress::Verbosity;

/// Arguments of `crucible rank`.
pub struct RankArgs {
    pub run_dir: PathBuf,
    pub top: usize,
    pub diverse: bool,
    pub min_distance: Option<f64>,
    pub out: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

pub fn rank(args: RankArgs, v: Verbosity) -> i32 {
    let min_distance = args.diverse.then(|| args.min_distance.unwrap_or(DEFAULT_MIN_DISTANCE));
    let opts = match RankOptions::new(args.top, min_distance) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    let view = match rank::open_run(&args.run_dir, args.config.as_deref()) {
        Ok(v) => v,
        Err(e) => return fail(&e),
    };
    let mut s = rank::shortlist(&view.rows, &view.spec, &opts);
    match rank::Coverage::of_run(&view.spec, &view.rows) {
        Ok(Some(c)) => s.flag_extrapolation(&c),
        Ok(None) => {}
        Err(e) => return fail(&e),
    }
    let out = args.out.unwrap_or_else(|| view.run.shortlist_path());
    if let Err(e) = rank::write_shortlist(&s, &out) {
        return fail(&e);
    }
    if v != Verbosity::Quiet {
        print_shortlist(&s, &view.spec, &opts);
    }
    println!("wrote {} ({} candidate{})", out.display(), s.entries.len(), if s.entries.len() == 1 { "" } else { "s" });
    super::OK
}

/// Print a rank/report error; returns the exit code (2 for bad input, 1 otherwise).
pub fn fail(e: &RankError) -> i32 {
    super::print_error(e);
    match e {
        RankError::Store(crucible::store::StoreError::NotARun { .. })
        | RankError::Config { .. }
        | RankError::BadOption(_) => super::INVALID,
        _ => super::FAILED,
    }
}

fn print_shortlist(s: &Shortlist, spec: &crucible::config::CampaignSpec, opts: &RankOptions) {
    let total = s.qualified + s.excluded.total();
    println!("ranked {} feasible evaluated candidate(s) of {total}; left out: {}.", s.qualified, s.excluded.describe());
    println!("order: {}.", s.rule);
    if let Some(d) = &s.diversity {
        println!(
            "diverse: no two closer than {} by {}; {} skipped as too close to a better one.",
            fmt_num(d.min_distance),
            d.kind.describe(),
            d.skipped
        );
        if s.entries.len() < opts.top() && s.qualified > s.entries.len() {
            println!(
                "only {} of the {} asked for: every other qualifying candidate lies within {} of a better one.",
                s.entries.len(),
                opts.top(),
                fmt_num(d.min_distance)
            );
        }
    }
    let Some(first) = s.entries.first() else {
        println!("\nno candidate qualifies: the shortlist is empty.");
        return;
    };
    let predicted: Vec<bool> =
        s.properties.iter().map(|p| s.entries.iter().any(|e| prop(e, p).is_some_and(|c| c.mean.is_some()))).collect();
    let show_inputs = first.row.formula.is_none() && first.row.pool_index.is_none();
    let mut header = vec!["rank".to_string(), "id".into()];
    if first.row.formula.is_some() {
        header.push("formula".into());
    }
    if first.row.pool_index.is_some() {
        header.push("pool_row".into());
    }
    if show_inputs {
        header.extend(s.inputs.iter().cloned());
    }
    for (p, pred) in s.properties.iter().zip(&predicted) {
        let unit = spec.property(p).and_then(|q| q.unit.clone()).filter(|u| !u.is_empty());
        header.push(unit.map_or(p.clone(), |u| format!("{p} ({u})")));
        if *pred {
            header.push(format!("{p} predicted"));
        }
    }
    if spec.objectives.len() > 1 {
        header.push("pareto".into());
    }
    header.push("reason".into());
    let mut table = vec![header];
    for e in &s.entries {
        let r = &e.row;
        let mut row = vec![e.rank.to_string(), r.candidate_id.to_string()];
        if first.row.formula.is_some() {
            row.push(r.formula.clone().unwrap_or_default());
        }
        if first.row.pool_index.is_some() {
            row.push(r.pool_index.map_or(String::new(), |i| i.to_string()));
        }
        if show_inputs {
            row.extend(r.inputs.iter().map(|(_, c)| match c {
                Cell::F64(x) => fmt_num(*x),
                Cell::I64(x) => x.to_string(),
                Cell::Str(x) => x.clone(),
            }));
        }
        for (p, pred) in s.properties.iter().zip(&predicted) {
            let c = prop(e, p);
            row.push(c.and_then(|c| c.value).map_or("-".into(), fmt_num));
            if *pred {
                row.push(match (c.and_then(|c| c.mean), c.and_then(|c| c.std)) {
                    (Some(m), Some(sd)) => format!("{} ± {}", fmt_num(m), fmt_num(sd)),
                    (Some(m), None) => fmt_num(m),
                    _ => "-".into(),
                });
            }
        }
        if spec.objectives.len() > 1 {
            row.push(e.pareto_rank.to_string());
        }
        row.push(e.reason.clone());
        table.push(row);
    }
    println!();
    print_table(&table);
    println!();
    if let Some(cov) = &s.coverage {
        let flagged: Vec<&rank::ShortlistEntry> = s.entries.iter().filter(|e| !e.outside_training.is_empty()).collect();
        if flagged.is_empty() {
            println!("every candidate above lies within the element-fraction ranges of the surrogate's training data: {cov}.");
        } else {
            println!("outside the element-fraction ranges of the surrogate's training data ({cov}); its predictions there are extrapolations:");
            for e in flagged {
                println!("  rank {} (id {}): {}", e.rank, e.row.candidate_id, e.outside_training.join("; "));
            }
        }
        println!();
    }
}

fn prop<'a>(e: &'a rank::ShortlistEntry, name: &str) -> Option<&'a crucible::store::PropertyCells> {
    e.row.properties.iter().find(|c| c.name == name)
}

/// Left-aligned columns, two spaces apart.
pub fn print_table(table: &[Vec<String>]) {
    let widths: Vec<usize> = (0..table[0].len())
        .map(|j| table.iter().map(|r| r.get(j).map_or(0, |c| c.chars().count())).max().unwrap_or(0))
        .collect();
    for r in table {
        let line: Vec<String> = r.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        println!("  {}", line.join("  ").trim_end());
    }
}
