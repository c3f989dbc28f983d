//! Pareto plot: every evaluated candidate on the first two objectives, the Pareto front of the
//! feasible ones highlighted, the shortlist marked with its ranks.
use std::collections::{HashMap, HashSet};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{self, Figure};
use crate::config::spec::CampaignSpec;
use crate::rank::{describe_goal, values_of, Ranking};
use crate::store::{CandidateRow, Status};

/// Points on the first two objectives, in property units.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Front {
    /// Axis names: `name (unit), goal`.
    pub axes: [String; 2],
    /// How many objectives the campaign has (the front is over all of them).
    pub objectives: usize,
    /// Evaluated candidates that do not qualify (infeasible).
    pub infeasible: Vec<(f64, f64)>,
    /// Feasible candidates off the front.
    pub dominated: Vec<(f64, f64)>,
    /// Feasible candidates of Pareto rank 1, sorted by the first objective.
    pub front: Vec<(f64, f64)>,
    /// Shortlisted candidates: (shortlist rank, x, y).
    pub shortlist: Vec<(usize, f64, f64)>,
}

/// `None` for a single objective or when nothing has both values yet. `shortlist` holds
/// (rank, candidate_id).
pub(super) fn front(
    rows: &[CandidateRow],
    spec: &CampaignSpec,
    ranking: &Ranking,
    shortlist: &[(usize, u64)],
) -> Option<Front> {
    if spec.objectives.len() < 2 {
        return None;
    }
    let idx: Vec<usize> = spec.objectives[..2]
        .iter()
        .map(|o| spec.properties.iter().position(|p| p.name == o.property).expect("validated"))
        .collect();
    let axes = [0, 1].map(|k| {
        let p = &spec.properties[idx[k]];
        format!("{}, {}", plot::axis_name(&p.name, p.unit.as_deref()), describe_goal(&spec.objectives[k].goal))
    });
    let rank_of: HashMap<usize, usize> = ranking.order.iter().map(|r| (r.index, r.pareto_rank)).collect();
    let listed: HashMap<u64, usize> = shortlist.iter().map(|&(r, id)| (id, r)).collect();
    let mut f = Front {
        axes,
        objectives: spec.objectives.len(),
        infeasible: vec![],
        dominated: vec![],
        front: vec![],
        shortlist: vec![],
    };
    let mut seen = HashSet::new();
    for (k, row) in rows.iter().enumerate() {
        if row.status != Status::Evaluated {
            continue;
        }
        let v = values_of(row, spec);
        let (Some(x), Some(y)) = (v[idx[0]], v[idx[1]]) else { continue };
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        seen.insert(k);
        match rank_of.get(&k) {
            None => f.infeasible.push((x, y)),
            Some(1) => f.front.push((x, y)),
            Some(_) => f.dominated.push((x, y)),
        }
        if let Some(&r) = listed.get(&row.candidate_id) {
            f.shortlist.push((r, x, y));
        }
    }
    if seen.is_empty() {
        return None;
    }
    f.front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    f.shortlist.sort_by_key(|s| s.0);
    Some(f)
}

impl Figure for Front {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let all = || self.infeasible.iter().chain(&self.dominated).chain(&self.front);
        let xr = plot::padded(all().map(|p| p.0));
        let yr = plot::padded(all().map(|p| p.1));
        let title = if self.objectives > 2 {
            format!("Pareto front (over all {} objectives), first two shown", self.objectives)
        } else {
            "Pareto front of the feasible candidates".to_string()
        };
        let mut chart = ChartBuilder::on(root)
            .caption(title, plot::text(plot::TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(xr.clone(), yr.clone())
            .map_err(err)?;
        plot::draw_mesh(&mut chart, self.axes[0].as_str(), self.axes[1].as_str(), &plot::tick)?;
        let grey = plot::GREY_PT.stroke_width(2);
        if !self.infeasible.is_empty() {
            chart
                .draw_series(self.infeasible.iter().map(|&p| Cross::new(p, 5, grey)))
                .map_err(err)?
                .label("infeasible")
                .legend(move |(x, y)| Cross::new((x, y), 5, grey));
        }
        let blue = plot::BLUE_PT.mix(0.5).filled();
        if !self.dominated.is_empty() {
            chart
                .draw_series(self.dominated.iter().map(|&p| Circle::new(p, 5, blue)))
                .map_err(err)?
                .label("feasible, dominated")
                .legend(move |(x, y)| Circle::new((x, y), 5, blue));
        }
        let red = plot::RED_PT.filled();
        if self.objectives == 2 && self.front.len() > 1 {
            chart
                .draw_series(LineSeries::new(self.front.iter().copied(), plot::RED_PT.stroke_width(2)))
                .map_err(err)?;
        }
        chart
            .draw_series(self.front.iter().map(|&p| Circle::new(p, 7, red)))
            .map_err(err)?
            .label("Pareto front (feasible)")
            .legend(move |(x, y)| Circle::new((x, y), 7, red));
        if !self.shortlist.is_empty() {
            let ring = BLACK.stroke_width(2);
            chart
                .draw_series(self.shortlist.iter().map(|&(_, x, y)| Circle::new((x, y), 12, ring)))
                .map_err(err)?
                .label("shortlist (rank)")
                .legend(move |(x, y)| Circle::new((x, y), 9, ring));
            let style = plot::text(plot::TICK_PX);
            chart
                .draw_series(
                    self.shortlist.iter().take(10).map(|&(r, x, y)| {
                        EmptyElement::at((x, y)) + Text::new(r.to_string(), (12, -26), style.clone())
                    }),
                )
                .map_err(err)?;
        }
        let pos = plot::emptiest_corner(all().copied(), &xr, &yr, SeriesLabelPosition::UpperRight);
        plot::legend(&mut chart, pos)
    }
}
