//! Metrics: MAE, RMSE and R² for regression; a per-class report (precision, recall, F1,
//! support; micro, macro and weighted averages) and ROC-AUC for classification; Gaussian
//! calibration (NLL, coverage of ±1σ and ±2σ) for predictions with an uncertainty.
//!
//! Conventions follow scikit-learn: a class never predicted has precision 0, a class absent
//! from the truth has recall 0; macro averages are over all classes of the task; ROC-AUC is the
//! Mann–Whitney statistic with ties counted as half, one-vs-rest and macro-averaged over
//! classes with both positives and negatives when there are more than two classes.

/// Regression metrics (target units).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RegressionMetrics {
    /// Number of rows.
    pub n: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Coefficient of determination, 1 − SS_res/SS_tot (`None` when the truth is constant).
    pub r2: Option<f64>,
}

/// Regression metrics of `pred` against `truth`.
///
/// # Panics
/// If the lengths differ.
pub fn regression(truth: &[f64], pred: &[f64]) -> RegressionMetrics {
    assert_eq!(truth.len(), pred.len(), "truth and predictions differ in length");
    let n = truth.len();
    if n == 0 {
        return RegressionMetrics { n, mae: f64::NAN, rmse: f64::NAN, r2: None };
    }
    let mae = truth.iter().zip(pred).map(|(t, p)| (t - p).abs()).sum::<f64>() / n as f64;
    let ss_res: f64 = truth.iter().zip(pred).map(|(t, p)| (t - p).powi(2)).sum();
    let mean = truth.iter().sum::<f64>() / n as f64;
    let ss_tot: f64 = truth.iter().map(|t| (t - mean).powi(2)).sum();
    let r2 = (ss_tot > 0.0).then(|| 1.0 - ss_res / ss_tot);
    RegressionMetrics { n, mae, rmse: (ss_res / n as f64).sqrt(), r2 }
}

/// One class's line of the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassLine {
    /// The label value.
    pub label: f64,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Rows whose true label is this class.
    pub support: usize,
}

/// An averaged line (micro, macro or weighted).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AverageLine {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

/// Classification report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClassificationMetrics {
    /// Number of rows.
    pub n: usize,
    /// Fraction predicted correctly (equal to the micro averages).
    pub accuracy: f64,
    /// Per class, in label order.
    pub classes: Vec<ClassLine>,
    /// Micro average.
    pub micro: AverageLine,
    /// Unweighted mean over classes.
    pub macro_avg: AverageLine,
    /// Mean over classes weighted by support.
    pub weighted: AverageLine,
    /// ROC-AUC (`None` when only one class is present in the truth).
    pub roc_auc: Option<f64>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Classification report for true class indices `truth` and class probabilities `probs`
/// (`n × k`, row-major); `labels[k]` is class `k`'s label. The prediction is the most probable
/// class (ties: the lower index).
///
/// # Panics
/// If `probs.len() != truth.len() * labels.len()` or a true index is out of range.
pub fn classification(truth: &[usize], probs: &[f64], labels: &[f64]) -> ClassificationMetrics {
    let (n, k) = (truth.len(), labels.len());
    assert_eq!(probs.len(), n * k, "probabilities must be n × classes");
    let pred: Vec<usize> = (0..n)
        .map(|i| {
            let row = &probs[i * k..(i + 1) * k];
            (0..k).fold(0, |b, c| if row[c] > row[b] { c } else { b })
        })
        .collect();
    let mut classes = Vec::with_capacity(k);
    for (c, &label) in labels.iter().enumerate() {
        let tp = (0..n).filter(|&i| truth[i] == c && pred[i] == c).count();
        let predicted = pred.iter().filter(|&&p| p == c).count();
        let support = truth.iter().filter(|&&t| t == c).count();
        let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
        classes.push(ClassLine { label, precision, recall, f1: f1(precision, recall), support });
    }
    let correct = (0..n).filter(|&i| truth[i] == pred[i]).count();
    let accuracy = ratio(correct, n);
    let avg = |w: &dyn Fn(&ClassLine) -> f64| {
        let total: f64 = classes.iter().map(w).sum();
        let m = |f: &dyn Fn(&ClassLine) -> f64| {
            if total == 0.0 {
                0.0
            } else {
                classes.iter().map(|c| w(c) * f(c)).sum::<f64>() / total
            }
        };
        AverageLine { precision: m(&|c| c.precision), recall: m(&|c| c.recall), f1: m(&|c| c.f1) }
    };
    let macro_avg = avg(&|_| 1.0);
    let weighted = avg(&|c| c.support as f64);
    let aucs: Vec<f64> = (0..k)
        .filter_map(|c| {
            let scores: Vec<f64> = (0..n).map(|i| probs[i * k + c]).collect();
            let pos: Vec<bool> = truth.iter().map(|&t| t == c).collect();
            roc_auc(&scores, &pos)
        })
        .collect();
    let roc_auc = if k == 2 {
        let scores: Vec<f64> = (0..n).map(|i| probs[i * k + 1]).collect();
        roc_auc(&scores, &truth.iter().map(|&t| t == 1).collect::<Vec<_>>())
    } else {
        (!aucs.is_empty()).then(|| aucs.iter().sum::<f64>() / aucs.len() as f64)
    };
    let micro = AverageLine { precision: accuracy, recall: accuracy, f1: accuracy };
    ClassificationMetrics { n, accuracy, classes, micro, macro_avg, weighted, roc_auc }
}

/// Area under the ROC curve of `scores` for the positives `positive` (ties count half);
/// `None` without both positives and negatives.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let n_pos = positive.iter().filter(|&&p| p).count();
    let n_neg = positive.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum += (i..=j).filter(|&m| positive[order[m]]).count() as f64 * avg_rank;
        i = j + 1;
    }
    let u = rank_sum - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos * n_neg) as f64)
}

/// Calibration of Gaussian predictions.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Calibration {
    /// Mean negative log-likelihood of the truth under N(mean, std²).
    pub nll: f64,
    /// Fraction of rows with |truth − mean| ≤ std (ideal ≈ 0.683).
    pub within_1sigma: f64,
    /// Fraction with |truth − mean| ≤ 2·std (ideal ≈ 0.954).
    pub within_2sigma: f64,
}

/// Calibration of `mean ± std` against `truth`; std is floored at 1e-9.
pub fn calibration(truth: &[f64], mean: &[f64], std: &[f64]) -> Calibration {
    let n = truth.len().max(1) as f64;
    let (mut nll, mut c1, mut c2) = (0.0, 0usize, 0usize);
    for ((t, m), s) in truth.iter().zip(mean).zip(std) {
        let s = s.max(1e-9);
        let z = (t - m) / s;
        nll += 0.5 * z * z + s.ln() + 0.5 * (2.0 * std::f64::consts::PI).ln();
        c1 += (z.abs() <= 1.0) as usize;
        c2 += (z.abs() <= 2.0) as usize;
    }
    Calibration { nll: nll / n, within_1sigma: c1 as f64 / n, within_2sigma: c2 as f64 / n }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn regression_metrics_by_hand() {
        // errors 1, -1, 0, 2: MAE 1, MSE 6/4, mean truth 2.5, SS_tot 5, R² = 1 - 6/5
        let m = regression(&[1.0, 2.0, 3.0, 4.0], &[2.0, 1.0, 3.0, 6.0]);
        assert!(close(m.mae, 1.0) && close(m.rmse, 1.5f64.sqrt()), "{m:?}");
        assert!(close(m.r2.unwrap(), 1.0 - 6.0 / 5.0));
        assert!(regression(&[2.0, 2.0], &[1.0, 3.0]).r2.is_none());
    }

    #[test]
    fn classification_report_by_hand() {
        // truth 0 0 1 1 1, predicted 0 1 1 1 0
        let truth = [0, 0, 1, 1, 1];
        let p1 = [0.2, 0.6, 0.9, 0.7, 0.4];
        let probs: Vec<f64> = p1.iter().flat_map(|&p| [1.0 - p, p]).collect();
        let r = classification(&truth, &probs, &[0.0, 1.0]);
        // class 0: tp 1, predicted 2, support 2 → P 0.5 R 0.5; class 1: tp 2, predicted 3, support 3 → P 2/3 R 2/3
        assert!(close(r.classes[0].precision, 0.5) && close(r.classes[0].recall, 0.5));
        assert!(close(r.classes[1].f1, 2.0 / 3.0));
        assert!(close(r.accuracy, 0.6) && close(r.micro.f1, 0.6));
        assert!(close(r.macro_avg.f1, (0.5 + 2.0 / 3.0) / 2.0));
        assert!(close(r.weighted.f1, (2.0 * 0.5 + 3.0 * 2.0 / 3.0) / 5.0));
        // positives 0.9 0.7 0.4 vs negatives 0.2 0.6: pairs won 3 + 2 + 1 = 5 of 6
        assert!(close(r.roc_auc.unwrap(), 5.0 / 6.0), "{:?}", r.roc_auc);
        assert!(close(roc_auc(&[0.5, 0.5], &[true, false]).unwrap(), 0.5), "ties count half");
        assert!(roc_auc(&[0.1, 0.2], &[true, true]).is_none());
        // a class never predicted has precision 0, not NaN
        let never = classification(&[0, 1], &[1.0, 0.0, 1.0, 0.0], &[0.0, 1.0]);
        assert_eq!(never.classes[1].precision, 0.0);
    }

    #[test]
    fn calibration_by_hand() {
        let c = calibration(&[0.0, 1.5, 3.0], &[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0]);
        assert!(close(c.within_1sigma, 1.0 / 3.0) && close(c.within_2sigma, 2.0 / 3.0));
        let nll = (0.0 + 1.125 + 4.5) / 3.0 + 0.5 * (2.0 * std::f64::consts::PI).ln();
        assert!(close(c.nll, nll));
    }
}
