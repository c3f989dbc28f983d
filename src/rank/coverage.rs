//! Where a shortlisted candidate lies outside what the campaign's surrogate learned from.
//!
//! A prediction for a composition whose element fractions lie beyond every training
//! composition's is an extrapolation, however confident the model says it is; a scientist
//! choosing what to synthesise wants to know. The training compositions are those of
//! `surrogate.data` plus every measured row of the log (what the campaign trains its model on,
//! `campaign::model`); a candidate is flagged per element whose fraction is outside the
//! training range, or that no training composition contains.
use std::collections::BTreeMap;

use super::{fmt_num, RankError};
use crate::chem::Composition;
use crate::config::spec::{CampaignSpec, OracleSpec, SurrogateKind};
use crate::store::{CandidateRow, Status};

/// Relative slack on a range's ends: formulas in the log are rounded to a few significant
/// digits, so a candidate on the edge of the data must not be flagged for the rounding.
const SLACK: f64 = 0.005;

/// Element-fraction ranges of the compositions a surrogate was trained on.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// Per element present in some training composition: (min, max) fraction over all of them
    /// (0 where a composition lacks it).
    ranges: BTreeMap<&'static str, (f64, f64)>,
    /// How many training compositions.
    pub compositions: usize,
    /// Where they came from, in words.
    pub source: String,
}

impl Coverage {
    /// The ranges of `formulas` (unparsable ones skipped); `None` when none parses.
    pub fn from_formulas<'a>(formulas: impl IntoIterator<Item = &'a str>, source: String) -> Option<Coverage> {
        let comps: Vec<Composition> =
            formulas.into_iter().filter_map(|f| Composition::parse(f).ok()).map(|c| c.normalized()).collect();
        if comps.is_empty() {
            return None;
        }
        let mut ranges: BTreeMap<&'static str, (f64, f64)> = BTreeMap::new();
        for c in &comps {
            for el in c.elements() {
                ranges.entry(el).or_insert((f64::INFINITY, f64::NEG_INFINITY));
            }
        }
        for (el, (lo, hi)) in ranges.iter_mut() {
            for c in &comps {
                let x = c.fraction(el);
                *lo = lo.min(x);
                *hi = hi.max(x);
            }
        }
        Some(Coverage { ranges, compositions: comps.len(), source })
    }

    /// The coverage of a run's trained surrogate: `surrogate.data` (its `formula` column) plus
    /// the measured rows of the log. `None` when the campaign trains no surrogate or nothing
    /// it learned from has a composition.
    pub fn of_run(spec: &CampaignSpec, rows: &[CandidateRow]) -> Result<Option<Coverage>, RankError> {
        let Some(s) = &spec.surrogate else { return Ok(None) };
        if s.kind == SurrogateKind::Gp {
            return Ok(None);
        }
        let mut formulas: Vec<String> = Vec::new();
        let mut parts = Vec::new();
        if let Some(path) = &s.data {
            let df = crate::io::read_table(path).map_err(RankError::Data)?;
            let col =
                crate::io::string_column(&df, path, crate::campaign::model::FORMULA_COLUMN).map_err(RankError::Data)?;
            let before = formulas.len();
            formulas.extend(col.into_iter().flatten());
            parts.push(format!("{} compositions of {}", formulas.len() - before, path.display()));
        }
        if !matches!(spec.oracle, OracleSpec::Surrogate) {
            let measured: Vec<String> =
                rows.iter().filter(|r| r.status == Status::Evaluated).filter_map(|r| r.formula.clone()).collect();
            if !measured.is_empty() {
                parts.push(format!("{} measured in this run", measured.len()));
            }
            formulas.extend(measured);
        }
        Ok(Coverage::from_formulas(formulas.iter().map(String::as_str), parts.join(" and ")))
    }

    /// How `formula` lies outside the training compositions, one phrase per element
    /// (`"Ti 0.052 > 0.031"`, `"W never seen"`); empty when inside (or unparsable).
    pub fn outside(&self, formula: &str) -> Vec<String> {
        let Ok(c) = Composition::parse(formula) else { return Vec::new() };
        let c = c.normalized();
        let mut out = Vec::new();
        for el in c.elements() {
            let x = c.fraction(el);
            match self.ranges.get(el) {
                None => out.push(format!("{el} never seen")),
                Some(&(_, hi)) if x > hi * (1.0 + SLACK) + 1e-12 => {
                    out.push(format!("{el} {} > {}", fmt_num(x), fmt_num(hi)))
                }
                Some(&(lo, _)) if x < lo * (1.0 - SLACK) - 1e-12 => {
                    out.push(format!("{el} {} < {}", fmt_num(x), fmt_num(lo)))
                }
                _ => {}
            }
        }
        // An element every training composition holds, missing here.
        for (el, &(lo, _)) in &self.ranges {
            if lo > 0.0 && !c.contains(el) {
                out.push(format!("{el} 0 < {}", fmt_num(lo)));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_fractions_beyond_the_training_range_and_unseen_elements() {
        let cov = Coverage::from_formulas(["Fe0.9Ni0.1", "Fe0.8Ni0.15Cr0.05", "Fe0.7Ni0.3"], "t".into()).unwrap();
        assert_eq!(cov.compositions, 3);
        assert!(cov.outside("Fe0.8Ni0.2").is_empty(), "inside every range");
        assert!(cov.outside("Fe0.85Ni0.1Cr0.05").is_empty());
        assert_eq!(cov.outside("Fe0.6Ni0.4"), vec!["Fe 0.6 < 0.7", "Ni 0.4 > 0.3"]);
        assert_eq!(cov.outside("Fe0.8Ni0.1W0.1"), vec!["W never seen"]);
        assert_eq!(cov.outside("Fe0.8Ni0.1Cr0.1"), vec!["Cr 0.1 > 0.05"]);
        // Fe is in every training composition (at least 0.7): a candidate without it is outside.
        assert_eq!(cov.outside("Ni0.9Cr0.1"), vec!["Cr 0.1 > 0.05", "Ni 0.9 > 0.3", "Fe 0 < 0.7"]);
    }

    #[test]
    fn rounding_at_the_edge_is_not_an_extrapolation() {
        let cov = Coverage::from_formulas(["Fe0.66113Ni0.33887", "Fe0.9Ni0.1"], "t".into()).unwrap();
        assert!(cov.outside("Fe0.6611Ni0.3389").is_empty(), "{:?}", cov.outside("Fe0.6611Ni0.3389"));
        assert!(Coverage::from_formulas(["not a formula"], "t".into()).is_none());
    }
}
