//! Hypervolume of a point set in the *minimisation* view (the convention of the benchmark
//! literature): the measure of the region dominated by the points and bounded by a reference
//! point. Exact: a sweep in two dimensions, slicing along the last objective above (HSO),
//! which is fine for the few hundred points of a front in three or four dimensions.

/// Hypervolume of `points` (each minimised, length m) with respect to `reference`. Points not
/// strictly better than the reference in every objective contribute nothing.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let m = reference.len();
    let pts: Vec<Vec<f64>> = points
        .iter()
        .filter(|p| p.len() == m && p.iter().zip(reference).all(|(x, r)| x.is_finite() && x < r))
        .cloned()
        .collect();
    match m {
        0 => 0.0,
        1 => pts.iter().map(|p| reference[0] - p[0]).fold(0.0, f64::max),
        _ => slice(pts, reference),
    }
}

fn sweep2(mut pts: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut area = 0.0;
    let mut best_y = reference[1];
    for p in &pts {
        if p[1] < best_y {
            area += (reference[0] - p[0]) * (best_y - p[1]);
            best_y = p[1];
        }
    }
    area
}

fn slice(mut pts: Vec<Vec<f64>>, reference: &[f64]) -> f64 {
    let m = reference.len();
    if m == 2 {
        return sweep2(pts, reference);
    }
    if pts.is_empty() {
        return 0.0;
    }
    pts.sort_by(|a, b| a[m - 1].total_cmp(&b[m - 1]));
    let mut vol = 0.0;
    for i in 0..pts.len() {
        let top = if i + 1 < pts.len() { pts[i + 1][m - 1] } else { reference[m - 1] };
        let depth = top - pts[i][m - 1];
        if depth <= 0.0 {
            continue;
        }
        let lower: Vec<Vec<f64>> = pts[..=i].iter().map(|p| p[..m - 1].to_vec()).collect();
        vol += depth * slice(lower, &reference[..m - 1]);
    }
    vol
}
