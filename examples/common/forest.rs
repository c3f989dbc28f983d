//! The random forest the study drivers use as a descriptor baseline (`finetune_cv` for
//! regression, `classify_cv` on 0/1 labels): CART trees on bootstrap resamples, grown to
//! single-row leaves, `mtry` random features tried per split, split by the largest decrease in
//! the sum of squares (for 0/1 labels that is the Gini decrease, Gini = 2p(1 − p) being twice
//! the variance), prediction = mean over the trees of the leaf means. Shared by both drivers
//! through `#[path]`; not an example of its own.
use ndarray::Array2;
use rand::seq::SliceRandom;
use rand::Rng;

enum Node {
    Leaf(f64),
    Split { feature: usize, threshold: f64, left: usize, right: usize },
}

/// Grow a tree on the rows `idx` of `x`; returns its root's index in `nodes`. With
/// `stop_when_pure`, a node whose targets are all 0 or all 1 is a leaf (classification).
fn grow(
    x: &Array2<f64>,
    y: &[f64],
    idx: &mut [usize],
    mtry: usize,
    stop_when_pure: bool,
    rng: &mut rand_chacha::ChaCha8Rng,
    nodes: &mut Vec<Node>,
) -> usize {
    let n = idx.len();
    let total: f64 = idx.iter().map(|&r| y[r]).sum();
    let me = nodes.len();
    nodes.push(Node::Leaf(total / n as f64));
    if n < 2 || (stop_when_pure && (total == 0.0 || total == n as f64)) {
        return me;
    }
    let mut feats: Vec<usize> = (0..x.ncols()).collect();
    feats.shuffle(rng);
    let mut best: Option<(f64, usize, f64)> = None; // (score, feature, threshold)
    let mut sorted = idx.to_vec();
    for &f in feats.iter().take(mtry) {
        sorted.sort_by(|&a, &b| x[[a, f]].total_cmp(&x[[b, f]]));
        let mut left = 0.0;
        for i in 0..n - 1 {
            left += y[sorted[i]];
            let (a, b) = (x[[sorted[i], f]], x[[sorted[i + 1], f]]);
            if a == b {
                continue;
            }
            let (nl, nr) = ((i + 1) as f64, (n - i - 1) as f64);
            // maximise the between-groups sum of squares ⇔ minimise the SSE
            let score = left * left / nl + (total - left) * (total - left) / nr;
            if best.is_none_or(|(s, _, _)| score > s) {
                // the midpoint, unless a and b are so close that it rounds to b (then a, so
                // that neither side is empty)
                let mid = 0.5 * (a + b);
                best = Some((score, f, if mid < b { mid } else { a }));
            }
        }
    }
    let Some((_, feature, threshold)) = best else { return me };
    let (mut l, mut r): (Vec<usize>, Vec<usize>) = idx.iter().partition(|&&row| x[[row, feature]] <= threshold);
    let left = grow(x, y, &mut l, mtry, stop_when_pure, rng, nodes);
    let right = grow(x, y, &mut r, mtry, stop_when_pure, rng, nodes);
    nodes[me] = Node::Split { feature, threshold, left, right };
    me
}

/// Fit 100 trees on (`xs`, `y`) and predict the rows of `xts` (both already scaled as the
/// caller wants). Tree `t` draws its bootstrap and features from `rng::stream(seed, "forest", t)`.
pub fn fit_predict(
    xs: &Array2<f64>,
    y: &[f64],
    xts: &Array2<f64>,
    mtry: usize,
    stop_when_pure: bool,
    seed: u64,
) -> Vec<f64> {
    let trees = 100;
    let mut pred = vec![0.0; xts.nrows()];
    for t in 0..trees {
        let mut rng = crucible::rng::stream(seed, "forest", t);
        let mut idx: Vec<usize> = (0..y.len()).map(|_| rng.random_range(0..y.len())).collect();
        let mut nodes = Vec::new();
        grow(xs, y, &mut idx, mtry, stop_when_pure, &mut rng, &mut nodes);
        for (i, p) in pred.iter_mut().enumerate() {
            let mut k = 0;
            loop {
                match nodes[k] {
                    Node::Leaf(v) => {
                        *p += v / trees as f64;
                        break;
                    }
                    Node::Split { feature, threshold, left, right } => {
                        k = if xts[[i, feature]] <= threshold { left } else { right };
                    }
                }
            }
        }
    }
    pred
}
