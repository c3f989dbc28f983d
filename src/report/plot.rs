//! Shared plotting: the embedded font, sizes and colours, axis ranges, and saving one figure
//! as PNG and SVG (each written to a temp name and renamed into place).
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::ReportError;

/// DejaVu Sans (Bitstream Vera licence, see `data/fonts/DejaVuSans-LICENSE.txt`), embedded so
/// that plots render the same on every machine without a system font lookup.
static FONT_BYTES: &[u8] = include_bytes!("../../data/fonts/DejaVuSans.ttf");

/// Family name every text style uses.
pub(super) const FONT: &str = "sans-serif";
/// Figure size in pixels (PNG) and user units (SVG).
pub(super) const SIZE: (u32, u32) = (1000, 720);
/// Text sizes in pixels: title, axis names, tick labels and legend.
pub(super) const TITLE_PX: u32 = 30;
pub(super) const AXIS_PX: u32 = 24;
pub(super) const TICK_PX: u32 = 19;

/// Colours: plain points, highlighted points, points that do not count.
pub(super) const BLUE_PT: RGBColor = RGBColor(31, 119, 180);
pub(super) const RED_PT: RGBColor = RGBColor(214, 39, 40);
pub(super) const GREY_PT: RGBColor = RGBColor(150, 150, 150);
/// One colour per series when a figure has several.
pub(super) const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Something that can draw itself on any plotters backend.
pub(super) trait Figure {
    /// Draw on `root` (already filled white).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Register the embedded font under [`FONT`] (once per process).
fn ensure_font() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ReportError::Plot {
            path: PathBuf::from("data/fonts/DejaVuSans.ttf"),
            reason: "embedded font is invalid".into(),
        })
    }
}

/// Draw `fig` to `dir/stem.png` and `dir/stem.svg`; returns both paths.
pub(super) fn save(fig: &impl Figure, dir: &Path, stem: &str) -> Result<Vec<PathBuf>, ReportError> {
    ensure_font()?;
    let png = dir.join(format!("{stem}.png"));
    let tmp = dir.join(format!("{stem}.tmp.png"));
    let fail = |path: &Path| {
        let path = path.to_path_buf();
        move |reason: String| ReportError::Plot { path, reason }
    };
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string()).map_err(fail(&png))?;
        fig.draw(&root).map_err(fail(&png))?;
        root.present().map_err(|e| e.to_string()).map_err(fail(&png))?;
    }
    std::fs::rename(&tmp, &png).map_err(|e| fail(&png)(e.to_string()))?;
    let svg_path = dir.join(format!("{stem}.svg"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string()).map_err(fail(&svg_path))?;
        fig.draw(&root).map_err(fail(&svg_path))?;
        root.present().map_err(|e| e.to_string()).map_err(fail(&svg_path))?;
    }
    crate::rank::write_atomic(&svg_path, svg.as_bytes())?;
    Ok(vec![png, svg_path])
}

/// `lo..hi` covering `values` with 6 % padding each side (a unit-wide range around a single
/// value; `0..1` when there are none).
pub(super) fn padded(values: impl IntoIterator<Item = f64>) -> Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        return 0.0..1.0;
    }
    let span = hi - lo;
    let pad = if span > 0.0 { 0.06 * span } else { 0.5 * lo.abs().max(1.0) * 0.1 };
    (lo - pad)..(hi + pad)
}

/// `name (unit)`, or `name`.
pub(super) fn axis_name(name: &str, unit: Option<&str>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{name} ({u})"),
        _ => name.to_string(),
    }
}

/// `points` without the middle points of collinear runs (thick polylines through collinear
/// points render with kinks in plotters' bitmap backend).
pub(super) fn drop_collinear(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len());
    for &p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if out.len() >= 2 {
            let (a, b) = (out[out.len() - 2], out[out.len() - 1]);
            let cross = (b.0 - a.0) * (p.1 - a.1) - (b.1 - a.1) * (p.0 - a.0);
            let scale = ((b.0 - a.0).abs() + (b.1 - a.1).abs()) * ((p.0 - a.0).abs() + (p.1 - a.1).abs());
            if cross.abs() <= 1e-12 * scale {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// Plain f64 x–y coordinates.
pub(super) type Xy = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// Tick label text: see [`crate::rank::fmt_num`].
pub(super) fn tick(x: &f64) -> String {
    crate::rank::fmt_num(*x)
}

/// Text style at `px` pixels in the embedded font.
pub(super) fn text(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().into()
}

/// The corner of the plot (a box of 40 % × 30 % of the axes) holding the fewest of `points`,
/// preferring `preferred` on ties, so the legend hides as little data as possible.
pub(super) fn emptiest_corner(
    points: impl IntoIterator<Item = (f64, f64)>,
    x: &Range<f64>,
    y: &Range<f64>,
    preferred: SeriesLabelPosition,
) -> SeriesLabelPosition {
    use SeriesLabelPosition::*;
    let (w, h) = (x.end - x.start, y.end - y.start);
    let mut counts = [0usize; 4]; // upper right, upper left, lower right, lower left
    for (px, py) in points {
        let (fx, fy) = ((px - x.start) / w, (py - y.start) / h);
        let (right, left, upper, lower) = (fx > 0.6, fx < 0.4, fy > 0.7, fy < 0.3);
        for (k, inside) in [right && upper, left && upper, right && lower, left && lower].into_iter().enumerate() {
            counts[k] += usize::from(inside);
        }
    }
    let corners = [UpperRight, UpperLeft, LowerRight, LowerLeft];
    let first =
        corners.iter().position(|c| std::mem::discriminant(c) == std::mem::discriminant(&preferred)).unwrap_or(0);
    let order = (0..4).map(|k| (first + k) % 4);
    let best = order.min_by_key(|&k| counts[k]).unwrap_or(0);
    match best {
        0 => UpperRight,
        1 => UpperLeft,
        2 => LowerRight,
        _ => LowerLeft,
    }
}

/// Draws the legend of `chart` in the given corner.
pub(super) fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Xy>,
    pos: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.5))
        .label_font(text(TICK_PX))
        .margin(12)
        .draw()
        .map_err(|e| e.to_string())
}

/// The house style for a chart's axes: light grid, labelled axes, tick labels formatted by
/// `x_tick` and [`tick`] (y). Errors as text, like every drawing step of a figure.
pub(super) fn draw_mesh<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
    x_tick: &dyn Fn(&f64) -> String,
) -> Result<(), String> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(text(AXIS_PX))
        .label_style(text(TICK_PX))
        .x_label_formatter(x_tick)
        .y_label_formatter(&tick)
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .draw()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collinear_middle_points_go() {
        let p = [(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (2.0, 1.0), (3.0, 2.0), (4.0, 3.0)];
        assert_eq!(drop_collinear(&p), vec![(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (4.0, 3.0)]);
    }

    #[test]
    fn legend_goes_where_the_data_is_not() {
        let pts = [(0.9, 0.9), (0.95, 0.95), (0.1, 0.9), (0.9, 0.1)];
        let pos = emptiest_corner(pts, &(0.0..1.0), &(0.0..1.0), SeriesLabelPosition::UpperRight);
        assert!(matches!(pos, SeriesLabelPosition::LowerLeft));
        assert!(matches!(padded([2.0, 2.0]), r if r.start < 2.0 && r.end > 2.0));
    }
}
