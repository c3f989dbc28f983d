//! Uncertainty calibration: for z from 0 to 3, the fraction of evaluated candidates whose
//! measured value lies within z predicted standard deviations of the predicted mean
//! (|y − μ| ≤ zσ), against the fraction a Gaussian predicts, erf(z/√2) (68.3 % at 1σ,
//! 95.4 % at 2σ, 99.7 % at 3σ). On the diagonal: calibrated; below: overconfident (σ too
//! small); above: underconfident.
use plotters::coord::Shift;
use plotters::prelude::*;

use super::parity::Parity;
use super::plot::{self, Figure};

/// z values of the curve: 0 to 3 in steps of 0.05.
const STEPS: usize = 60;
const Z_MAX: f64 = 3.0;

/// The calibration curve of one property.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Curve {
    /// Property name.
    pub name: String,
    /// Points with a positive std.
    pub n: usize,
    /// (z, expected fraction, observed fraction), z from 0 to 3.
    pub points: Vec<(f64, f64, f64)>,
}

impl Curve {
    /// (expected, observed) at z = 1, 2, 3.
    pub fn at_sigmas(&self) -> [(f64, f64); 3] {
        [1.0, 2.0, 3.0].map(|z| {
            let k = ((z / Z_MAX) * STEPS as f64).round() as usize;
            (self.points[k].1, self.points[k].2)
        })
    }

    /// Mean |observed − expected| over the z grid (0: perfectly calibrated).
    pub fn miscalibration(&self) -> f64 {
        self.points.iter().map(|p| (p.2 - p.1).abs()).sum::<f64>() / self.points.len() as f64
    }
}

/// One curve per property whose predictions carry a positive std.
pub(super) fn curves(parity: &[Parity]) -> Vec<Curve> {
    parity
        .iter()
        .filter_map(|p| {
            let scaled: Vec<f64> = p.points.iter().filter(|q| q.2 > 0.0).map(|q| (q.0 - q.1).abs() / q.2).collect();
            if scaled.is_empty() {
                return None;
            }
            let n = scaled.len() as f64;
            let points = (0..=STEPS)
                .map(|k| {
                    let z = Z_MAX * k as f64 / STEPS as f64;
                    let observed = scaled.iter().filter(|&&s| s <= z).count() as f64 / n;
                    (z, erf(z / std::f64::consts::SQRT_2), observed)
                })
                .collect();
            Some(Curve { name: p.name.clone(), n: scaled.len(), points })
        })
        .collect()
}

/// The error function, |error| < 1.2e-7 (Numerical Recipes `erfcc`, Chebyshev fit).
pub(super) fn erf(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.26551223
        + t * (1.00002368
            + t * (0.37409196
                + t * (0.09678418
                    + t * (-0.18628806
                        + t * (0.27886807
                            + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
    let erfc = t * poly.exp();
    if x >= 0.0 {
        1.0 - erfc
    } else {
        erfc - 1.0
    }
}

/// Pixel offset of the `zσ` label (s = z − 1) of curve `k` from its marker: 1σ and 2σ to the
/// left, 3σ below (it sits close to 2σ); later curves shifted down a line each.
fn label_offset(s: usize, k: usize) -> (i32, i32) {
    let down = 22 * k as i32;
    match s {
        0 | 1 => (-34, -10 + down),
        _ => (-12, 10 + down),
    }
}

/// All curves in one figure.
pub(super) struct Calibration(pub Vec<Curve>);

impl Figure for Calibration {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        let mut chart = ChartBuilder::on(root)
            .caption("Uncertainty calibration", plot::text(plot::TITLE_PX))
            .margin(24)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d(0.0..1.0, 0.0..1.02)
            .map_err(err)?;
        plot::draw_mesh(
            &mut chart,
            "expected fraction within z std (Gaussian)",
            "observed fraction |y − μ| ≤ z std",
            &plot::tick,
        )?;
        chart
            .draw_series(DashedLineSeries::new([(0.0, 0.0), (1.0, 1.0)], 10, 6, BLACK.stroke_width(2)))
            .map_err(err)?
            .label("calibrated")
            .legend(|(x, y)| PathElement::new([(x - 12, y), (x + 12, y)], BLACK.stroke_width(2)));
        for (k, c) in self.0.iter().enumerate() {
            let colour = plot::PALETTE[k % plot::PALETTE.len()];
            let line = colour.stroke_width(3);
            chart
                .draw_series(LineSeries::new(
                    plot::drop_collinear(&c.points.iter().map(|p| (p.1, p.2)).collect::<Vec<_>>()),
                    line,
                ))
                .map_err(err)?
                .label(format!("{} (n = {})", c.name, c.n))
                .legend(move |(x, y)| PathElement::new([(x - 12, y), (x + 12, y)], line));
            let marks = c.at_sigmas();
            let style = plot::text(plot::TICK_PX);
            chart
                .draw_series(marks.iter().enumerate().map(|(s, &(e, o))| {
                    EmptyElement::at((e, o))
                        + Circle::new((0, 0), 6, colour.filled())
                        + Text::new(format!("{}σ", s + 1), label_offset(s, k), style.clone())
                }))
                .map_err(err)?;
        }
        plot::legend(&mut chart, SeriesLabelPosition::UpperLeft)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in
            [(0.0, 0.0), (0.5, 0.5204998778), (1.0, 0.8427007929), (2.0, 0.9953222650), (-1.0, -0.8427007929)]
        {
            assert!((erf(x) - want).abs() < 2e-7, "erf({x}) = {}", erf(x));
        }
        assert!((erf(1.0 / std::f64::consts::SQRT_2) - 0.6826894921).abs() < 2e-7);
    }

    #[test]
    fn gaussian_errors_are_calibrated_and_halved_stds_are_not() {
        // deterministic standard-normal quantiles as residuals
        let n = 2000;
        let q: Vec<f64> = (0..n).map(|i| probit((i as f64 + 0.5) / n as f64)).collect();
        let honest = Parity { name: "y".into(), unit: None, points: q.iter().map(|&r| (r, 0.0, 1.0)).collect() };
        let proud = Parity { name: "y".into(), unit: None, points: q.iter().map(|&r| (r, 0.0, 0.5)).collect() };
        let c = curves(&[honest, proud]);
        assert!(c[0].miscalibration() < 0.01, "{}", c[0].miscalibration());
        let [one, two, _] = c[0].at_sigmas();
        assert!((one.0 - 0.6827).abs() < 1e-3 && (one.1 - 0.6827).abs() < 0.01);
        assert!((two.1 - 0.9545).abs() < 0.01);
        assert!(c[1].at_sigmas()[0].1 < 0.45, "overconfident: {:?}", c[1].at_sigmas());
        assert!(c[1].miscalibration() > 0.1);
    }

    /// Inverse standard normal CDF by bisection on erf (test helper).
    fn probit(p: f64) -> f64 {
        let (mut lo, mut hi) = (-10.0, 10.0);
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if 0.5 * (1.0 + erf(mid / std::f64::consts::SQRT_2)) < p {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }
}
