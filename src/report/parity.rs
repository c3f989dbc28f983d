//! Parity plot per property: predicted mean (± 1 std as an error bar) against the measured
//! value, with the y = x line and MAE, RMSE, R².
use plotters::coord::Shift;
use plotters::prelude::*;

use super::plot::{self, Figure};
use crate::config::spec::CampaignSpec;
use crate::rank::fmt_num;
use crate::store::{CandidateRow, Status};

/// Predictions against measurements for one property.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Parity {
    /// Property name.
    pub name: String,
    /// Its unit, if any.
    pub unit: Option<String>,
    /// (measured, predicted mean, predicted std ≥ 0; 0 when none was logged).
    pub points: Vec<(f64, f64, f64)>,
}

/// Evaluated candidates with both a measured value and a predicted mean, per property that
/// has any; properties without predictions are left out.
pub(super) fn parity(rows: &[CandidateRow], spec: &CampaignSpec) -> Vec<Parity> {
    spec.properties
        .iter()
        .filter_map(|p| {
            let points: Vec<(f64, f64, f64)> = rows
                .iter()
                .filter(|r| r.status == Status::Evaluated)
                .filter_map(|r| r.properties.iter().find(|c| c.name == p.name))
                .filter_map(|c| {
                    let (y, m) = (c.value?, c.mean?);
                    let s = c.std.filter(|s| s.is_finite() && *s >= 0.0).unwrap_or(0.0);
                    (y.is_finite() && m.is_finite()).then_some((y, m, s))
                })
                .collect();
            (!points.is_empty()).then(|| Parity { name: p.name.clone(), unit: p.unit.clone(), points })
        })
        .collect()
}

/// Error metrics of predictions against measurements.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Metrics {
    /// Points.
    pub n: usize,
    /// Mean absolute error, property units.
    pub mae: f64,
    /// Root-mean-square error, property units.
    pub rmse: f64,
    /// Coefficient of determination, 1 − SS_res / SS_tot (NaN when the measurements are constant).
    pub r2: f64,
}

impl Parity {
    /// MAE, RMSE and R² of the means.
    pub fn metrics(&self) -> Metrics {
        let n = self.points.len() as f64;
        let mae = self.points.iter().map(|p| (p.0 - p.1).abs()).sum::<f64>() / n;
        let ss_res: f64 = self.points.iter().map(|p| (p.0 - p.1).powi(2)).sum();
        let mean = self.points.iter().map(|p| p.0).sum::<f64>() / n;
        let ss_tot: f64 = self.points.iter().map(|p| (p.0 - mean).powi(2)).sum();
        let r2 = if ss_tot > 0.0 { 1.0 - ss_res / ss_tot } else { f64::NAN };
        Metrics { n: self.points.len(), mae, rmse: (ss_res / n).sqrt(), r2 }
    }

    /// `n = 40, MAE = 12.3 MPa, RMSE = 15 MPa, R² = 0.87`.
    pub fn metrics_text(&self) -> String {
        let m = self.metrics();
        let u = self.unit.as_deref().filter(|u| !u.is_empty()).map(|u| format!(" {u}")).unwrap_or_default();
        let r2 = if m.r2.is_nan() { "n/a".to_string() } else { format!("{:.3}", m.r2) };
        format!("n = {}, MAE = {}{u}, RMSE = {}{u}, R² = {r2}", m.n, fmt_num(m.mae), fmt_num(m.rmse))
    }
}

impl Figure for Parity {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let r = plot::padded(self.points.iter().flat_map(|p| [p.0, p.1 - p.2, p.1 + p.2]));
        let mut chart = ChartBuilder::on(root)
            .caption(format!("Parity: {}", self.name), plot::text(plot::TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(r.clone(), r.clone())
            .map_err(err)?;
        let axis = plot::axis_name(&self.name, self.unit.as_deref());
        plot::draw_mesh(&mut chart, &format!("measured {axis}"), &format!("predicted {axis}"), &plot::tick)?;
        chart
            .draw_series(DashedLineSeries::new([(r.start, r.start), (r.end, r.end)], 10, 6, BLACK.stroke_width(2)))
            .map_err(err)?
            .label("y = x")
            .legend(|(x, y)| PathElement::new([(x - 12, y), (x + 12, y)], BLACK.stroke_width(2)));
        let bar = plot::BLUE_PT.mix(0.45).stroke_width(2);
        chart
            .draw_series(
                self.points
                    .iter()
                    .filter(|p| p.2 > 0.0)
                    .map(|p| PathElement::new([(p.0, p.1 - p.2), (p.0, p.1 + p.2)], bar)),
            )
            .map_err(err)?
            .label("± 1 std")
            .legend(move |(x, y)| PathElement::new([(x, y - 9), (x, y + 9)], bar));
        let dot = plot::BLUE_PT.filled();
        chart
            .draw_series(self.points.iter().map(|p| Circle::new((p.0, p.1), 5, dot)))
            .map_err(err)?
            .label("predicted mean")
            .legend(move |(x, y)| Circle::new((x, y), 5, dot));
        let span = r.end - r.start;
        chart
            .draw_series(std::iter::once(Text::new(
                self.metrics_text(),
                (r.start + 0.03 * span, r.end - 0.03 * span),
                plot::text(plot::TICK_PX),
            )))
            .map_err(err)?;
        // the metrics text sits in the upper left: keep the legend away from it
        let text_at = (r.start + 0.1 * span, r.end - 0.05 * span);
        let pts = self.points.iter().map(|p| (p.0, p.1)).chain(std::iter::repeat_n(text_at, self.points.len() + 1));
        plot::legend(&mut chart, plot::emptiest_corner(pts, &r, &r, SeriesLabelPosition::LowerRight))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_are_the_usual_ones() {
        let p =
            Parity { name: "y".into(), unit: None, points: vec![(1.0, 2.0, 0.1), (2.0, 2.0, 0.1), (3.0, 2.0, 0.1)] };
        let m = p.metrics();
        assert!((m.mae - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.rmse - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((m.r2 - 0.0).abs() < 1e-12);
        assert!(p.metrics_text().starts_with("n = 3, MAE = 0.6667, RMSE = 0.8165, R² = 0.000"));
    }
}
