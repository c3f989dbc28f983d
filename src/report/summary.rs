//! `summary.md`: campaign, status counts, best values, the shortlist's top 5, failures grouped
//! by reason, calibration numbers, and the plots (or why each was skipped).
use std::collections::BTreeMap;
use std::fmt::Write;

use super::calibration::Curve;
use super::parity::Parity;
use super::PlotOutcome;
use crate::config::spec::CampaignSpec;
use crate::rank::{describe_goal, fmt_num, values_of, Ranking};
use crate::store::{CandidateRow, Status};

/// Everything the summary shows.
pub(super) struct SummaryInput<'a> {
    pub spec: &'a CampaignSpec,
    pub rows: &'a [CandidateRow],
    pub run_dir: &'a std::path::Path,
    pub config_path: &'a std::path::Path,
    pub ranking: &'a Ranking,
    /// (shortlist rank, row index, reason), best first.
    pub shortlist: &'a [(usize, usize, String)],
    /// Where the shortlist came from, one sentence.
    pub shortlist_source: &'a str,
    pub parity: &'a [Parity],
    pub calibration: &'a [Curve],
    pub plots: &'a [PlotOutcome],
}

/// Markdown table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn with_unit(spec: &CampaignSpec, name: &str, x: Option<f64>) -> String {
    let Some(x) = x else { return "–".into() };
    match spec.property(name).and_then(|p| p.unit.as_deref()).filter(|u| !u.is_empty()) {
        Some(u) => format!("{} {u}", fmt_num(x)),
        None => fmt_num(x),
    }
}

/// The whole `summary.md` text.
pub(super) fn render(s: &SummaryInput) -> String {
    let mut out = String::new();
    let spec = s.spec;
    let count = |st: Status| s.rows.iter().filter(|r| r.status == st).count();
    let _ = writeln!(out, "# Report: {}\n", spec.name);
    let _ = writeln!(out, "Run directory: `{}`  \nCampaign file: `{}`\n", s.run_dir.display(), s.config_path.display());
    let goals: Vec<String> =
        spec.objectives.iter().map(|o| format!("{} ({})", o.property, describe_goal(&o.goal))).collect();
    let _ = writeln!(out, "Objectives: {}.  ", goals.join(", "));
    if spec.constraints.is_empty() {
        let _ = writeln!(out, "Constraints: none.\n");
    } else {
        let cons: Vec<String> = spec
            .constraints
            .iter()
            .map(|c| match (c.min, c.max) {
                (Some(a), Some(b)) => format!("{} in [{}, {}]", c.property, fmt_num(a), fmt_num(b)),
                (Some(a), None) => format!("{} >= {}", c.property, fmt_num(a)),
                (None, Some(b)) => format!("{} <= {}", c.property, fmt_num(b)),
                (None, None) => c.property.clone(),
            })
            .collect();
        let _ = writeln!(out, "Constraints: {}.\n", cons.join(", "));
    }

    let _ = writeln!(out, "## Status\n\n| status | candidates |\n|---|---:|");
    let _ = writeln!(out, "| evaluated | {} |", count(Status::Evaluated));
    let _ = writeln!(out, "| – of which feasible (ranked) | {} |", s.ranking.order.len());
    let _ = writeln!(out, "| failed | {} |", count(Status::Failed));
    let _ = writeln!(out, "| proposed (not evaluated) | {} |", count(Status::Proposed));
    let _ = writeln!(out, "| total | {} |\n", s.rows.len());
    let _ = writeln!(out, "Left out of the ranking: {}.\n", s.ranking.excluded.describe());

    let _ = writeln!(out, "## Best values\n");
    if s.ranking.order.is_empty() {
        let _ = writeln!(out, "No feasible evaluated candidate yet.\n");
    } else {
        let _ = writeln!(out, "Best feasible value of each objective on its own.\n");
        let _ = writeln!(out, "| objective | goal | best | candidate | formula |\n|---|---|---:|---:|---|");
        let idx =
            |k: usize| spec.properties.iter().position(|p| p.name == spec.objectives[k].property).expect("validated");
        for (k, o) in spec.objectives.iter().enumerate() {
            // by this objective's utility; ties by closeness to the target, then the earlier id
            let offset = |r: &crate::rank::Ranked| match o.goal {
                crate::config::spec::Goal::Target { value, .. } => {
                    values_of(&s.rows[r.index], spec)[idx(k)].map_or(f64::INFINITY, |y| (y - value).abs())
                }
                _ => 0.0,
            };
            let best = s.ranking.order.iter().max_by(|a, b| {
                a.utilities[k]
                    .total_cmp(&b.utilities[k])
                    .then(offset(b).total_cmp(&offset(a)))
                    .then(s.rows[b.index].candidate_id.cmp(&s.rows[a.index].candidate_id))
            });
            if let Some(b) = best {
                let row = &s.rows[b.index];
                let i = idx(k);
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    o.property,
                    describe_goal(&o.goal),
                    with_unit(spec, &o.property, values_of(row, spec)[i]),
                    row.candidate_id,
                    cell(row.formula.as_deref().unwrap_or("–"))
                );
            }
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Shortlist (top 5)\n\n{}\n", s.shortlist_source);
    if s.shortlist.is_empty() {
        let _ = writeln!(out, "Empty: no feasible evaluated candidate.\n");
    } else {
        let mut header = vec!["rank".to_string(), "candidate".into(), "formula".into()];
        header.extend(spec.properties.iter().map(|p| match p.unit.as_deref().filter(|u| !u.is_empty()) {
            Some(u) => format!("{} ({u})", p.name),
            None => p.name.clone(),
        }));
        header.push("reason".into());
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for (rank, index, reason) in s.shortlist.iter().take(5) {
            let row = &s.rows[*index];
            let mut cells =
                vec![rank.to_string(), row.candidate_id.to_string(), cell(row.formula.as_deref().unwrap_or("–"))];
            cells.extend(values_of(row, spec).iter().map(|v| v.map_or("–".into(), fmt_num)));
            cells.push(cell(reason));
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Failures\n");
    let mut groups: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in s.rows.iter().filter(|r| r.status == Status::Failed) {
        groups.entry(r.failure.as_deref().unwrap_or("(no reason recorded)")).or_default().push(r.candidate_id);
    }
    if groups.is_empty() {
        let _ = writeln!(out, "None.\n");
    } else {
        let mut groups: Vec<(&str, Vec<u64>)> = groups.into_iter().collect();
        groups.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
        let _ = writeln!(out, "| reason | count | candidates |\n|---|---:|---|");
        for (reason, ids) in groups {
            let mut list: Vec<String> = ids.iter().take(8).map(u64::to_string).collect();
            if ids.len() > 8 {
                list.push("…".into());
            }
            let _ = writeln!(out, "| {} | {} | {} |", cell(reason), ids.len(), list.join(", "));
        }
        let _ = writeln!(out);
    }

    if !s.parity.is_empty() {
        let _ = writeln!(
            out,
            "## Predictions\n\n| property | accuracy | within 1σ (68.3 % expected) | within 2σ (95.4 % expected) | \
             miscalibration (mean \\|observed − expected\\|, 0 to 3σ) |\n|---|---|---:|---:|---:|"
        );
        for p in s.parity {
            let c = s.calibration.iter().find(|c| c.name == p.name);
            let pct = |k: usize| c.map_or("–".into(), |c| format!("{:.1} %", 100.0 * c.at_sigmas()[k].1));
            let mis = c.map_or("–".into(), |c| format!("{:.3}", c.miscalibration()));
            let _ = writeln!(out, "| {} | {} | {} | {} | {mis} |", p.name, p.metrics_text(), pct(0), pct(1));
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(out, "## Plots\n");
    for p in s.plots {
        match &p.skipped {
            Some(why) => {
                let _ = writeln!(out, "- **{}**: skipped: {why}", p.title);
            }
            None => {
                let names: Vec<String> =
                    p.files.iter().filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned())).collect();
                let links: Vec<String> = names.iter().map(|n| format!("[{n}]({n})")).collect();
                let _ = writeln!(out, "- **{}**: {}", p.title, links.join(", "));
                if let Some(png) = names.iter().find(|n| n.ends_with(".png")) {
                    let _ = writeln!(out, "\n  ![{}]({png})\n", p.title);
                }
            }
        }
    }
    out
}
