//! Convergence plot: the best feasible value of the first objective after each evaluation.
use std::collections::HashSet;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{self, Figure};
use crate::config::spec::{CampaignSpec, Goal};
use crate::goals::utility;
use crate::rank::{describe_goal, values_of, Ranking};
use crate::store::{CandidateRow, Status};

/// The first objective over the run, in candidate_id order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Convergence {
    /// Property name.
    pub name: String,
    /// Its unit, if any.
    pub unit: Option<String>,
    /// Its goal.
    pub goal: Goal,
    /// Every evaluated candidate with a value: (evaluation number, value, qualifies for
    /// ranking, i.e. feasible).
    pub points: Vec<(f64, f64, bool)>,
    /// Best feasible value so far at each evaluation from the first feasible one on.
    pub best: Vec<(f64, f64)>,
    /// Evaluations in the run (failed included).
    pub evaluations: usize,
}

/// `None` when no candidate has a value of the first objective yet.
/// x counts evaluations (evaluated and failed rows, in candidate_id order), 1-based.
pub(super) fn convergence(rows: &[CandidateRow], spec: &CampaignSpec, ranking: &Ranking) -> Option<Convergence> {
    let objective = spec.objectives.first()?;
    let i = spec.properties.iter().position(|p| p.name == objective.property)?;
    let qualifying: HashSet<usize> = ranking.order.iter().map(|r| r.index).collect();
    let (mut x, mut points, mut best) = (0usize, Vec::new(), Vec::new());
    let mut current: Option<f64> = None;
    for (k, row) in rows.iter().enumerate() {
        if row.status == Status::Proposed {
            continue;
        }
        x += 1;
        let value = values_of(row, spec)[i].filter(|v| v.is_finite());
        if let (Status::Evaluated, Some(y)) = (row.status, value) {
            let ok = qualifying.contains(&k);
            points.push((x as f64, y, ok));
            if ok && current.is_none_or(|c| utility(&objective.goal, y) > utility(&objective.goal, c)) {
                current = Some(y);
            }
        }
        if let Some(c) = current {
            best.push((x as f64, c));
        }
    }
    if points.is_empty() {
        return None;
    }
    let unit = spec.properties[i].unit.clone();
    Some(Convergence { name: objective.property.clone(), unit, goal: objective.goal, points, best, evaluations: x })
}

impl Convergence {
    /// Horizontal reference lines: the target value, or the two ends of a range.
    fn references(&self) -> Vec<f64> {
        match self.goal {
            Goal::Target { value, .. } => vec![value],
            Goal::Range { min, max } => vec![min, max],
            _ => vec![],
        }
    }
}

/// The corners of the best-so-far staircase: its start, two points at each improvement, its
/// end. No three consecutive points are collinear (thick collinear polylines render badly).
fn step_corners(best: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (k, &(x, y)) in best.iter().enumerate() {
        if k == 0 {
            out.push((x, y));
        } else if y != best[k - 1].1 {
            out.push((x, best[k - 1].1));
            out.push((x, y));
        }
    }
    if let (Some(&last), Some(&end)) = (out.last(), best.last()) {
        if last != end {
            out.push(end);
        }
    }
    out
}

impl Figure for Convergence {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let xr = plot::padded([1.0, self.evaluations.max(1) as f64]);
        let yr = plot::padded(self.points.iter().map(|p| p.1).chain(self.references()));
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!("Convergence: best feasible {} ({})", self.name, describe_goal(&self.goal)),
                plot::text(plot::TITLE_PX),
            )
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .map_err(err)?;
        plot::draw_mesh(&mut chart, "evaluations", &plot::axis_name(&self.name, self.unit.as_deref()), &|x| {
            format!("{x:.0}")
        })?;
        let grey = plot::GREY_PT.stroke_width(2);
        let infeasible: Vec<(f64, f64)> = self.points.iter().filter(|p| !p.2).map(|p| (p.0, p.1)).collect();
        if !infeasible.is_empty() {
            chart
                .draw_series(infeasible.iter().map(|&p| Cross::new(p, 5, grey)))
                .map_err(err)?
                .label("infeasible")
                .legend(move |(x, y)| Cross::new((x, y), 5, grey));
        }
        let blue = plot::BLUE_PT.mix(0.55).filled();
        chart
            .draw_series(self.points.iter().filter(|p| p.2).map(|p| Circle::new((p.0, p.1), 5, blue)))
            .map_err(err)?
            .label("feasible")
            .legend(move |(x, y)| Circle::new((x, y), 5, blue));
        for (k, r) in self.references().into_iter().enumerate() {
            let s = chart
                .draw_series(DashedLineSeries::new(
                    [(1.0, r), (self.evaluations.max(1) as f64, r)],
                    10,
                    6,
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?;
            if k == 0 {
                let label = if matches!(self.goal, Goal::Range { .. }) { "range" } else { "target" };
                s.label(label).legend(|(x, y)| PathElement::new([(x - 12, y), (x + 12, y)], BLACK.stroke_width(2)));
            }
        }
        let step = step_corners(&self.best);
        let red = plot::RED_PT.stroke_width(3);
        chart
            .draw_series(LineSeries::new(step, red))
            .map_err(err)?
            .label("best feasible so far")
            .legend(move |(x, y)| PathElement::new([(x - 12, y), (x + 12, y)], red));
        let preferred = match self.goal {
            Goal::Minimize => SeriesLabelPosition::UpperRight,
            _ => SeriesLabelPosition::LowerRight,
        };
        let pts = self.points.iter().map(|p| (p.0, p.1)).chain(self.best.iter().copied());
        plot::legend(&mut chart, plot::emptiest_corner(pts, &xr, &yr, preferred))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staircase_keeps_only_corners() {
        let best = [(1.0, 5.0), (2.0, 5.0), (3.0, 7.0), (4.0, 7.0), (5.0, 7.0), (6.0, 8.0)];
        assert_eq!(step_corners(&best), vec![(1.0, 5.0), (3.0, 5.0), (3.0, 7.0), (6.0, 7.0), (6.0, 8.0)]);
        let flat = [(1.0, 5.0), (2.0, 5.0), (3.0, 5.0)];
        assert_eq!(step_corners(&flat), vec![(1.0, 5.0), (3.0, 5.0)]);
        assert_eq!(step_corners(&[]), vec![]);
    }
}
