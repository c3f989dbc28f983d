//! One-line reasons for shortlisted candidates, and number formatting shared with reports.
//!
//! One objective: `best yield_strength: 1530 MPa, 12 MPa ahead of the next` or
//! `yield_strength 1480 MPa (3rd best of 40), 50 MPa behind the best`. Several:
//! `Pareto rank 1 of 3; yield_strength 1530 MPa (2nd best of 40), density 7.71 g/cm3 (5th best)`.
//! Target and range goals say how far outside the band a value is. Constraints follow:
//! `; density 7.71 g/cm3 <= 7.9` (`; meets density <= 7.9` when density is an objective).
use super::{values_of, Ranking};
use crate::config::spec::{CampaignSpec, Goal};
use crate::store::CandidateRow;

/// A number for people: 4 significant digits, trailing zeros dropped (`1530`, `7.712`,
/// `0.1234`), scientific outside [1e-3, 1e6).
pub fn fmt_num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{}", if x == 0.0 { 0.0 } else { x });
    }
    let a = x.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{x:.3e}");
    }
    let decimals = (3 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// `maximize`, `minimize`, `target 1.34 ± 0.05`, `range [1.1, 1.5]`.
pub fn describe_goal(goal: &Goal) -> String {
    match goal {
        Goal::Maximize => "maximize".into(),
        Goal::Minimize => "minimize".into(),
        Goal::Target { value, tolerance: Some(t) } => format!("target {} ± {}", fmt_num(*value), fmt_num(*t)),
        Goal::Target { value, tolerance: None } => format!("target {}", fmt_num(*value)),
        Goal::Range { min, max } => format!("range [{}, {}]", fmt_num(*min), fmt_num(*max)),
    }
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn with_unit(x: f64, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{} {u}", fmt_num(x)),
        _ => fmt_num(x),
    }
}

/// Reasons for the candidates at `picked` positions of `ranking.order`.
pub(super) fn reasons(ranking: &Ranking, rows: &[CandidateRow], spec: &CampaignSpec, picked: &[usize]) -> Vec<String> {
    picked.iter().map(|&p| reason(ranking, rows, spec, p)).collect()
}

fn reason(ranking: &Ranking, rows: &[CandidateRow], spec: &CampaignSpec, p: usize) -> String {
    let me = &ranking.order[p];
    let values = values_of(&rows[me.index], spec);
    let n = ranking.order.len();
    let unit = |name: &str| spec.property(name).and_then(|q| q.unit.as_deref());
    // Position of this candidate's k-th utility among all qualifying ones (1 = best).
    let place = |k: usize| 1 + ranking.order.iter().filter(|r| r.utilities[k] > me.utilities[k]).count();
    // (name, "1530 MPa", ", on target 1.34 ± 0.05" or "") of objective k.
    let value_of = |k: usize| {
        let o = &spec.objectives[k];
        let i = spec.properties.iter().position(|q| q.name == o.property).expect("validated");
        let value = with_unit(values[i].unwrap_or(f64::NAN), unit(&o.property));
        let off = -me.utilities[k];
        let note = match o.goal {
            Goal::Target { .. } | Goal::Range { .. } if off <= 0.0 => format!(", on {}", describe_goal(&o.goal)),
            Goal::Target { .. } | Goal::Range { .. } => {
                format!(", {} outside {}", with_unit(off, unit(&o.property)), describe_goal(&o.goal))
            }
            _ => String::new(),
        };
        (o.property.as_str(), value, note)
    };
    let mut text = if spec.objectives.len() == 1 {
        let (name, value, note) = value_of(0);
        let u = me.utilities[0];
        if p == 0 {
            match ranking.order.get(1) {
                None => format!("best {name}: {value}{note}; the only qualifying candidate"),
                Some(next) if next.utilities[0] == u => {
                    format!("best {name}: {value}{note}, tied with candidate {}", rows[next.index].candidate_id)
                }
                Some(next) => {
                    let ahead = with_unit(u - next.utilities[0], unit(name));
                    format!("best {name}: {value}{note}, {ahead} ahead of the next")
                }
            }
        } else {
            let best = ranking.order[0].utilities[0];
            let behind = if best > u {
                format!(", {} behind the best", with_unit(best - u, unit(name)))
            } else {
                ", tied with the best".into()
            };
            format!("{name} {value}{note} ({} best of {n}){behind}", ordinal(place(0)))
        }
    } else {
        let parts: Vec<String> = (0..spec.objectives.len())
            .map(|k| {
                let (name, value, note) = value_of(k);
                let of = if k == 0 { format!(" of {n}") } else { String::new() };
                format!("{name} {value}{note} ({} best{of})", ordinal(place(k)))
            })
            .collect();
        format!("Pareto rank {} of {}; {}", me.pareto_rank, ranking.fronts, parts.join(", "))
    };
    let constraints: Vec<String> = spec
        .constraints
        .iter()
        .filter_map(|c| {
            let i = spec.properties.iter().position(|q| q.name == c.property)?;
            // an objective's value is already stated: name only the bound then
            let shown = spec.objectives.iter().any(|o| o.property == c.property);
            let y = with_unit(values[i]?, unit(&c.property));
            let (lead, y) = if shown { ("meets ", String::new()) } else { ("", format!(" {y}")) };
            Some(match (c.min, c.max) {
                (Some(lo), Some(hi)) => format!("{lead}{}{y} in [{}, {}]", c.property, fmt_num(lo), fmt_num(hi)),
                (Some(lo), None) => format!("{lead}{}{y} >= {}", c.property, fmt_num(lo)),
                (None, Some(hi)) => format!("{lead}{}{y} <= {}", c.property, fmt_num(hi)),
                (None, None) => return None,
            })
        })
        .collect();
    if !constraints.is_empty() {
        text.push_str("; ");
        text.push_str(&constraints.join(", "));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(fmt_num(1530.4), "1530");
        assert_eq!(fmt_num(7.7123), "7.712");
        assert_eq!(fmt_num(7.9), "7.9");
        assert_eq!(fmt_num(0.12345), "0.1235");
        assert_eq!(fmt_num(-12.0), "-12");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(2.5e-5), "2.500e-5");
        assert_eq!(fmt_num(-0.00001), "-1.000e-5");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(ordinal(103), "103rd");
    }
}
