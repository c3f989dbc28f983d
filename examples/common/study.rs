//! Small helpers both study drivers (`finetune_cv`, `classify_cv`) need; shared through
//! `#[path]`, not an example of its own.
use crucible::surrogate::LabeledTable;
use ndarray::Array2;

/// Per column of `x`: mean and standard deviation of its finite values (an empty column: 0;
/// a constant one: sd 1), for standardising with the training rows' statistics.
pub fn col_stats(x: &Array2<f64>) -> (Vec<f64>, Vec<f64>) {
    (0..x.ncols())
        .map(|j| {
            let v: Vec<f64> = x.column(j).iter().copied().filter(|v| v.is_finite()).collect();
            let m = if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
            let s = (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt();
            (m, if s > 1e-12 { s } else { 1.0 })
        })
        .unzip()
}

/// The rows `rows` of a labelled table.
pub fn slice(t: &LabeledTable, rows: &[usize]) -> LabeledTable {
    let pick = |v: &Vec<Option<f64>>| rows.iter().map(|&r| v[r]).collect();
    LabeledTable {
        source: t.source.clone(),
        sha256: t.sha256.clone(),
        formulas: rows.iter().map(|&r| t.formulas[r].clone()).collect(),
        targets: t.targets.iter().map(|(n, v)| (n.clone(), pick(v))).collect(),
        inputs: t.inputs.iter().map(|(n, v)| (n.clone(), pick(v))).collect(),
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
    let s = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len().max(2) - 1) as f64).sqrt();
    (m, s)
}
