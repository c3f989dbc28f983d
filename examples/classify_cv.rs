//! The `experiments/classify-metals` study: 5-fold cross-validation of a binary classification
//! (by default `expt_is_metal.csv`, experimental metal / non-metal) with the fine-tuned
//! surrogate (from `surrogates/base`), the same architecture from scratch, a linear probe on
//! the frozen pretrained encoder, the base model's own `mp_is_metal` head with no training
//! (zero-shot transfer from DFT labels), Magpie-descriptor baselines (L2 logistic regression,
//! a random forest) and the majority class. Each model gets the library's classification
//! report (`surrogate::metrics::classification`): accuracy, per-class precision / recall / F1 /
//! support, micro / macro / weighted averages and ROC-AUC.
//!
//! Folds are over *unique compositions* (formulas that normalise to the same composition stay
//! in one fold; `TrainingSet::build` then merges them with a majority vote) and stratified by
//! class. The learning rate of the fine-tuned and from-scratch networks is chosen per outer
//! fold by nested validation (inner split of the fold's training part: 65 % train, 15 % early
//! stopping, 20 % inner test, by composition; highest inner-test ROC-AUC); the outer test fold
//! is touched only by the final models. The logistic-regression penalty is chosen by 5-fold CV
//! (log loss) inside the training part; the forest is untuned (100 trees, √d features per split,
//! leaves of one row — the usual classification defaults).
//!
//! ```text
//! cargo run --example classify_cv -- [--data data/matbench/expt_is_metal.csv]
//!     [--base surrogates/base] [--folds 5] [--seed 0] [--only-fold K] [--quick]
//!     [--lrs 1e-3,3e-3] [--probe-lr 3e-3] [--epochs 100] [--patience 15] [--batch 64]
//!     [--zero-shot mp_is_metal|none] [--out experiments/classify-metals/results-<data file stem>.json]
//!     [--write-split DIR]
//! ```
//! `--write-split DIR` writes fold 0's training and test rows as `DIR/train.csv` and
//! `DIR/test.csv` (for running the `crucible finetune` / `evaluate` CLI on the same split) and
//! exits. `--quick` (2 folds, 5 epochs, one learning rate) checks the driver end to end.
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use crucible::chem::{Composition, Featurizer};
use crucible::gp::Cholesky;
use crucible::io::dataset::{read_labeled, DatasetColumns, InputColumns};
use crucible::surrogate::fit::{self, fit_split, inputs_for, linear_probe};
use crucible::surrogate::metrics::{self, ClassificationMetrics};
use crucible::surrogate::{
    set_threads, Device, FitSettings, Freeze, KindChoice, LabeledTable, NeuralSurrogate, Start, TaskKind, TaskRequest,
    TaskSource, TrainSettings, TrainingSet,
};
#[path = "common/forest.rs"]
mod forest;
#[path = "common/study.rs"]
mod study;

use ndarray::{Array2, Axis};
use rand::seq::SliceRandom;
use study::{col_stats, mean_sd, slice};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    data: PathBuf,
    base: PathBuf,
    folds: usize,
    seed: u64,
    only_fold: Option<usize>,
    quick: bool,
    lrs: Vec<f64>,
    probe_lr: f64,
    epochs: usize,
    patience: usize,
    batch: usize,
    zero_shot: Option<String>,
    out: Option<PathBuf>,
    write_split: Option<PathBuf>,
}

fn args() -> Res<Args> {
    let mut a = Args {
        data: "data/matbench/expt_is_metal.csv".into(),
        base: "surrogates/base".into(),
        folds: 5,
        seed: 0,
        only_fold: None,
        quick: false,
        lrs: vec![1e-3, 3e-3],
        probe_lr: 3e-3,
        epochs: 100,
        patience: 15,
        batch: 64,
        zero_shot: Some("mp_is_metal".into()),
        out: None,
        write_split: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => a.data = v()?.into(),
            "--base" => a.base = v()?.into(),
            "--folds" => a.folds = v()?.parse()?,
            "--seed" => a.seed = v()?.parse()?,
            "--only-fold" => a.only_fold = Some(v()?.parse()?),
            "--quick" => a.quick = true,
            "--lrs" => a.lrs = v()?.split(',').map(|x| x.trim().parse()).collect::<Result<_, _>>()?,
            "--probe-lr" => a.probe_lr = v()?.parse()?,
            "--epochs" => a.epochs = v()?.parse()?,
            "--patience" => a.patience = v()?.parse()?,
            "--batch" => a.batch = v()?.parse()?,
            "--zero-shot" => a.zero_shot = Some(v()?).filter(|t| t != "none"),
            "--out" => a.out = Some(v()?.into()),
            "--write-split" => a.write_split = Some(v()?.into()),
            o => return Err(format!("unknown argument {o}").into()),
        }
    }
    if a.quick {
        a.folds = 2;
        a.epochs = 5;
        a.lrs.truncate(1);
    }
    if a.folds < 2 || a.lrs.is_empty() {
        return Err("need at least 2 folds and one learning rate".into());
    }
    Ok(a)
}

// ---------- data: unique compositions, stratified folds ----------

/// Table rows grouped by normalised composition (6 significant digits), with the group's
/// majority label (ties: 0), as `TrainingSet::build` merges them.
struct Groups {
    rows: Vec<Vec<usize>>,
    label: Vec<usize>,
    conflicting: usize,
}

fn groups(t: &LabeledTable) -> Res<Groups> {
    let mut index: HashMap<String, usize> = HashMap::new();
    let (mut rows, mut votes): (Vec<Vec<usize>>, Vec<[usize; 2]>) = (Vec::new(), Vec::new());
    for (r, f) in t.formulas.iter().enumerate() {
        let (Some(f), Some(y)) = (f, t.targets[0].1[r]) else { continue };
        let Ok(c) = Composition::parse(f.trim()) else { continue };
        if y != 0.0 && y != 1.0 {
            return Err(format!("row {}: target {y} is not 0 or 1", r + 1).into());
        }
        let g = *index.entry(format!("{:.6}", c.normalized())).or_insert_with(|| {
            rows.push(Vec::new());
            votes.push([0, 0]);
            rows.len() - 1
        });
        rows[g].push(r);
        votes[g][y as usize] += 1;
    }
    let conflicting = votes.iter().filter(|v| v[0] > 0 && v[1] > 0).count();
    let label = votes.iter().map(|v| usize::from(v[1] > v[0])).collect();
    Ok(Groups { rows, label, conflicting })
}

/// Fold of each group: per class, groups shuffled with the `cv-folds` stream and dealt in turn.
fn folds(g: &Groups, k: usize, seed: u64) -> Vec<usize> {
    let mut fold = vec![0; g.rows.len()];
    for class in 0..2 {
        let mut ids: Vec<usize> = (0..g.rows.len()).filter(|&i| g.label[i] == class).collect();
        ids.shuffle(&mut crucible::rng::stream(seed, "cv-folds", class as u64));
        for (pos, &i) in ids.iter().enumerate() {
            fold[i] = pos % k;
        }
    }
    fold
}

fn set_of(t: LabeledTable, task: &str) -> Res<TrainingSet> {
    let req = TaskRequest { name: task.into(), kind: KindChoice::Classification, unit: None };
    Ok(TrainingSet::build(&[TaskSource { table: t, tasks: vec![req] }])?)
}

/// True labels (0/1) of every row of a one-task set.
fn labels_of(set: &TrainingSet) -> Vec<usize> {
    let TaskKind::Classification { classes } = &set.tasks[0].kind else { unreachable!("classification set") };
    (0..set.len()).map(|r| classes[set.target(r, 0) as usize] as usize).collect()
}

fn write_split(t: &LabeledTable, rows: &[usize], path: &std::path::Path) -> Res<()> {
    let mut s = String::from("formula,target\n");
    for &r in rows {
        let f = t.formulas[r].as_deref().unwrap_or("");
        s.push_str(&format!("{f},{}\n", t.targets[0].1[r].map_or(String::new(), |y| y.to_string())));
    }
    std::fs::write(path, s)?;
    Ok(())
}

// ---------- networks ----------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Net {
    FineTuned,
    Scratch,
    Probe,
}

fn settings(a: &Args, lr: f64, seed: u64, test_frac: f64) -> FitSettings {
    FitSettings {
        train: TrainSettings {
            epochs: a.epochs,
            batch_size: a.batch,
            lr,
            weight_decay: 1e-4,
            warmup: 0.05,
            patience: a.patience,
            seed,
            ..TrainSettings::default()
        },
        val_frac: 0.15,
        test_frac,
        freeze: Freeze::None,
        members: 1,
        device: Device::Cpu,
        ..FitSettings::default()
    }
}

fn train(set: &TrainingSet, net: Net, base: &NeuralSurrogate, s: &FitSettings) -> Res<NeuralSurrogate> {
    let name = "surrogates/base".to_string();
    Ok(match net {
        Net::FineTuned => fit::finetune(set.clone(), Start::From { model: base, name }, s, &mut |_| {})?,
        Net::Scratch => {
            let s = FitSettings { architecture: base.card().architecture.clone(), ..s.clone() };
            fit::finetune(set.clone(), Start::Scratch, &s, &mut |_| {})?
        }
        Net::Probe => linear_probe(set.clone(), base, name, s, &mut |_| {})?,
    })
}

/// P(class 1) of task `task` of `model` for every row of `set`.
fn positive_prob(model: &NeuralSurrogate, set: &TrainingSet, task: &str) -> Res<Vec<f64>> {
    let all: Vec<usize> = (0..set.len()).collect();
    let p = model.predict(&inputs_for(set, &all))?;
    let t = model.card().task_index(task).ok_or_else(|| format!("the model has no task {task}"))?;
    let TaskKind::Classification { classes } = &model.card().tasks[t].kind else {
        return Err(format!("task {task} is not a classification").into());
    };
    let one = classes.iter().position(|&c| c == 1.0).ok_or("no class 1")?;
    let pr = p.probabilities[t].as_ref().ok_or("no probabilities")?;
    Ok(pr.column(one).to_vec())
}

/// The learning rate with the highest inner-test ROC-AUC (the outer test fold is not used).
fn tune(pool: &TrainingSet, net: Net, base: &NeuralSurrogate, a: &Args) -> Res<(f64, Vec<(f64, f64)>)> {
    let mut tried = Vec::new();
    for &lr in &a.lrs {
        let s = settings(a, lr, a.seed + 1000, 0.2);
        let m = train(pool, net, base, &s)?;
        let test = fit_split(pool, &s)?.test;
        let p = positive_prob(&m, pool, &pool.tasks[0].name)?;
        let y = labels_of(pool);
        let auc = metrics::roc_auc(
            &test.iter().map(|&r| p[r]).collect::<Vec<_>>(),
            &test.iter().map(|&r| y[r] == 1).collect::<Vec<_>>(),
        )
        .unwrap_or(f64::NAN);
        tried.push((lr, auc));
    }
    let best = tried.iter().fold(tried[0], |b, &c| if c.1 > b.1 { c } else { b });
    Ok((best.0, tried))
}

// ---------- descriptor baselines (Magpie features) ----------

/// Standardised features with a leading intercept column of ones (NaN → the mean).
fn design(x: &Array2<f64>, (m, s): &(Vec<f64>, Vec<f64>)) -> Array2<f64> {
    Array2::from_shape_fn((x.nrows(), x.ncols() + 1), |(i, j)| match j {
        0 => 1.0,
        _ if x[[i, j - 1]].is_finite() => (x[[i, j - 1]] - m[j - 1]) / s[j - 1],
        _ => 0.0,
    })
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// L2-penalised logistic regression (intercept unpenalised) by Newton's method: P(class 1)
/// for the rows of `xt`.
fn logistic(x: &Array2<f64>, y: &[usize], xt: &Array2<f64>, lambda: f64) -> Vec<f64> {
    let st = col_stats(x);
    let (xd, xtd) = (design(x, &st), design(xt, &st));
    let d = xd.ncols();
    let mut w = vec![0.0; d];
    for _ in 0..50 {
        let z = xd.dot(&ndarray::ArrayView1::from(&w[..]));
        let p: Vec<f64> = z.iter().map(|&v| sigmoid(v)).collect();
        let mut grad: Vec<f64> = (0..d)
            .map(|j| {
                let g: f64 = xd.column(j).iter().zip(&p).zip(y).map(|((x, p), &y)| x * (y as f64 - p)).sum();
                g - if j > 0 { lambda * w[j] } else { 0.0 }
            })
            .collect();
        let wts = Array2::from_shape_fn((xd.nrows(), 1), |(i, _)| (p[i] * (1.0 - p[i])).max(1e-9));
        let xw = &xd * &wts;
        let mut h = xd.t().dot(&xw);
        for j in 1..d {
            h[[j, j]] += lambda;
        }
        let h = h.as_standard_layout().to_owned();
        let Some(ch) = Cholesky::new(h.as_slice().expect("standard layout"), d) else { break };
        ch.solve(&mut grad);
        let step = grad.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        w.iter_mut().zip(&grad).for_each(|(w, s)| *w += s);
        if step < 1e-8 {
            break;
        }
    }
    xtd.dot(&ndarray::ArrayView1::from(&w[..])).iter().map(|&v| sigmoid(v)).collect()
}

/// Logistic regression with the penalty chosen by 5-fold CV (log loss) on the training rows.
fn logistic_cv(x: &Array2<f64>, y: &[usize], xt: &Array2<f64>, seed: u64) -> (Vec<f64>, f64) {
    let n = y.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut crucible::rng::stream(seed, "logistic-cv", 0));
    let mut best = (f64::INFINITY, 1.0);
    for lambda in [1e-2, 1e-1, 1.0, 10.0, 100.0] {
        let mut loss = 0.0;
        for k in 0..5 {
            let part = |inside: bool| -> Vec<usize> {
                order.iter().enumerate().filter(|(i, _)| (i % 5 == k) == inside).map(|(_, &r)| r).collect()
            };
            let (te, tr) = (part(true), part(false));
            let ytr: Vec<usize> = tr.iter().map(|&r| y[r]).collect();
            let p = logistic(&x.select(Axis(0), &tr), &ytr, &x.select(Axis(0), &te), lambda);
            loss -= te
                .iter()
                .zip(&p)
                .map(|(&r, &p)| if y[r] == 1 { p.max(1e-12).ln() } else { (1.0 - p).max(1e-12).ln() })
                .sum::<f64>();
        }
        if loss < best.0 {
            best = (loss, lambda);
        }
    }
    (logistic(x, y, xt, best.1), best.1)
}

/// Random forest: mean over 100 bootstrap trees of the leaf's class-1 fraction, √d features
/// tried per split. The trees see the standardised design matrix, whose first column is the
/// constant intercept column: a split never uses it, so a node draws its √d candidates from the
/// d features plus that one dead column (kept as run in `experiments/classify-metals`).
fn forest(x: &Array2<f64>, y: &[usize], xt: &Array2<f64>, seed: u64) -> Vec<f64> {
    let st = col_stats(x);
    let (xs, xts) = (design(x, &st), design(xt, &st));
    let y: Vec<f64> = y.iter().map(|&v| v as f64).collect();
    let mtry = ((x.ncols() as f64).sqrt().round() as usize).max(1);
    forest::fit_predict(&xs, &y, &xts, mtry, true, seed)
}

// ---------- the study ----------

/// The library's report for P(class 1) `p` against labels `y`.
fn report(y: &[usize], p: &[f64]) -> ClassificationMetrics {
    let probs: Vec<f64> = p.iter().flat_map(|&q| [1.0 - q, q]).collect();
    metrics::classification(y, &probs, &[0.0, 1.0])
}

fn ms(v: &[f64]) -> String {
    let (m, s) = mean_sd(v);
    format!("{m:.3} ± {s:.3}")
}

const NAMES: [&str; 7] = [
    "fine-tuned from surrogates/base",
    "same architecture from scratch",
    "linear probe (frozen base encoder + linear head)",
    "base model's mp_is_metal head, no training (zero-shot)",
    "Magpie + logistic regression",
    "Magpie + random forest",
    "majority class",
];

fn main() -> Res<()> {
    let a = args()?;
    set_threads(Some(1));
    let t0 = Instant::now();
    let targets = ["target".to_string()];
    let table =
        read_labeled(&a.data, &DatasetColumns { formula: "formula", targets: &targets, inputs: InputColumns::None })?;
    let task = a.data.file_stem().and_then(|s| s.to_str()).unwrap_or("target").to_string();
    let g = groups(&table)?;
    let fold_of = folds(&g, a.folds, a.seed);
    let n1: usize = g.label.iter().sum();
    println!(
        "{}: {} rows, {} unique compositions ({} repeated, {} with conflicting labels), class 1 in {n1} ({:.1} %); {} folds, seed {}",
        a.data.display(),
        table.formulas.len(),
        g.rows.len(),
        g.rows.iter().filter(|r| r.len() > 1).count(),
        g.conflicting,
        100.0 * n1 as f64 / g.rows.len() as f64,
        a.folds,
        a.seed
    );
    let rows_in = |k: usize, inside: bool| -> Vec<usize> {
        let mut r: Vec<usize> =
            (0..g.rows.len()).filter(|&i| (fold_of[i] == k) == inside).flat_map(|i| g.rows[i].clone()).collect();
        r.sort_unstable();
        r
    };
    if let Some(dir) = &a.write_split {
        std::fs::create_dir_all(dir)?;
        write_split(&table, &rows_in(0, false), &dir.join("train.csv"))?;
        write_split(&table, &rows_in(0, true), &dir.join("test.csv"))?;
        println!("fold 0 written to {}/{{train,test}}.csv", dir.display());
        return Ok(());
    }
    let base = NeuralSurrogate::load(&a.base, Device::Cpu)?;
    let zero_shot = a.zero_shot.clone().filter(|t| base.card().task_index(t).is_some());
    let magpie = Featurizer::magpie();
    let mut per_model: Vec<Vec<ClassificationMetrics>> = vec![Vec::new(); NAMES.len()];
    let mut json = Vec::new();
    let fold_list: Vec<usize> = match a.only_fold {
        Some(k) => vec![k],
        None => (0..a.folds).collect(),
    };
    for &k in &fold_list {
        let tf = Instant::now();
        let pool = set_of(slice(&table, &rows_in(k, false)), &task)?;
        let test = set_of(slice(&table, &rows_in(k, true)), &task)?;
        let (ypool, y) = (labels_of(&pool), labels_of(&test));
        let mut fold = serde_json::Map::new();
        fold.insert("fold".into(), k.into());
        fold.insert("train_rows".into(), pool.len().into());
        fold.insert("test_rows".into(), test.len().into());
        let mut probs: Vec<Option<Vec<f64>>> = vec![None; NAMES.len()];
        let mut timing = serde_json::Map::new();
        for (i, net) in [(0, Net::FineTuned), (1, Net::Scratch)] {
            let t = Instant::now();
            let (lr, tried) = tune(&pool, net, &base, &a)?;
            let m = train(&pool, net, &base, &settings(&a, lr, a.seed, 0.0))?;
            let fit = &m.card().training.as_ref().expect("trained").fit;
            println!(
                "fold {k} {}: inner-test ROC-AUC {} -> lr {lr:.0e}; final model best epoch {} of {} ({:.0}s)",
                NAMES[i],
                tried.iter().map(|(l, u)| format!("lr {l:.0e}: {u:.4}")).collect::<Vec<_>>().join(", "),
                fit.best_epoch,
                fit.epochs_run,
                t.elapsed().as_secs_f64()
            );
            fold.insert(
                format!("tuning_{i}"),
                serde_json::json!({"model": NAMES[i], "tried": tried, "chosen_lr": lr, "best_epoch": fit.best_epoch, "epochs_run": fit.epochs_run}),
            );
            timing.insert(NAMES[i].into(), t.elapsed().as_secs_f64().into());
            probs[i] = Some(positive_prob(&m, &test, &task)?);
        }
        let t = Instant::now();
        let probe = train(&pool, Net::Probe, &base, &settings(&a, a.probe_lr, a.seed, 0.0))?;
        timing.insert(NAMES[2].into(), t.elapsed().as_secs_f64().into());
        probs[2] = Some(positive_prob(&probe, &test, &task)?);
        if let Some(zt) = &zero_shot {
            probs[3] = Some(positive_prob(&base, &test, zt)?);
        }
        let comps = |set: &TrainingSet| -> Vec<Composition> {
            set.formulas.iter().map(|f| Composition::parse(f).expect("training formulas parse")).collect()
        };
        let (xp, xt) = (magpie.featurize_batch(&comps(&pool)), magpie.featurize_batch(&comps(&test)));
        let t = Instant::now();
        let (pl, lambda) = logistic_cv(&xp, &ypool, &xt, a.seed);
        timing.insert(NAMES[4].into(), t.elapsed().as_secs_f64().into());
        probs[4] = Some(pl);
        let t = Instant::now();
        probs[5] = Some(forest(&xp, &ypool, &xt, a.seed + k as u64));
        timing.insert(NAMES[5].into(), t.elapsed().as_secs_f64().into());
        let majority = if 2 * ypool.iter().sum::<usize>() > ypool.len() { 1.0 } else { 0.0 };
        probs[6] = Some(vec![majority; y.len()]);
        fold.insert("logistic_lambda".into(), lambda.into());
        fold.insert("seconds".into(), serde_json::Value::Object(timing));
        let mut reports = serde_json::Map::new();
        for (i, p) in probs.iter().enumerate() {
            let Some(p) = p else { continue };
            let r = report(&y, p);
            println!(
                "fold {k} {:<56} acc {:.3}  macro-F1 {:.3}  AUC {:.3}  | 0: P {:.3} R {:.3} F1 {:.3} n {} | 1: P {:.3} R {:.3} F1 {:.3} n {}",
                NAMES[i],
                r.accuracy,
                r.macro_avg.f1,
                r.roc_auc.unwrap_or(f64::NAN),
                r.classes[0].precision,
                r.classes[0].recall,
                r.classes[0].f1,
                r.classes[0].support,
                r.classes[1].precision,
                r.classes[1].recall,
                r.classes[1].f1,
                r.classes[1].support
            );
            reports.insert(NAMES[i].into(), serde_json::to_value(&r)?);
            per_model[i].push(r);
        }
        fold.insert("reports".into(), serde_json::Value::Object(reports));
        println!(
            "fold {k}: {} train / {} test compositions, {:.0}s, logistic λ {lambda}",
            pool.len(),
            test.len(),
            tf.elapsed().as_secs_f64()
        );
        json.push(serde_json::Value::Object(fold));
    }
    let nf = fold_list.len();
    println!("\n| model | accuracy | macro F1 | ROC-AUC | per fold accuracy |  (mean ± std over {nf} folds)");
    println!("|---|---|---|---|---|");
    for (nm, rs) in NAMES.iter().zip(&per_model) {
        if rs.is_empty() {
            continue;
        }
        let f = |g: &dyn Fn(&ClassificationMetrics) -> f64| rs.iter().map(g).collect::<Vec<f64>>();
        let acc = f(&|r| r.accuracy);
        let auc = f(&|r| r.roc_auc.unwrap_or(f64::NAN));
        let per: Vec<String> = acc.iter().map(|v| format!("{v:.3}")).collect();
        println!("| {nm} | {} | {} | {} | {} |", ms(&acc), ms(&f(&|r| r.macro_avg.f1)), ms(&auc), per.join(", "));
    }
    println!("\nper-class report, mean ± std over folds (precision / recall / F1; support per fold)");
    println!("| model | line | precision | recall | F1 | support |");
    println!("|---|---|---|---|---|---|");
    let mut json_summary = serde_json::Map::new();
    for (nm, rs) in NAMES.iter().zip(&per_model) {
        if rs.is_empty() {
            continue;
        }
        let mut lines: Vec<(String, Vec<[f64; 3]>, f64)> = Vec::new();
        for c in 0..2 {
            let label = format!("class {c}");
            let v = rs.iter().map(|r| [r.classes[c].precision, r.classes[c].recall, r.classes[c].f1]).collect();
            let sup = rs.iter().map(|r| r.classes[c].support as f64).sum::<f64>() / rs.len() as f64;
            lines.push((label, v, sup));
        }
        let avg = |get: &dyn Fn(&ClassificationMetrics) -> &metrics::AverageLine| -> Vec<[f64; 3]> {
            rs.iter().map(get).map(|l| [l.precision, l.recall, l.f1]).collect()
        };
        let n = rs.iter().map(|r| r.n as f64).sum::<f64>() / rs.len() as f64;
        lines.push(("micro avg".into(), avg(&|r| &r.micro), n));
        lines.push(("macro avg".into(), avg(&|r| &r.macro_avg), n));
        lines.push(("weighted avg".into(), avg(&|r| &r.weighted), n));
        let mut js = serde_json::Map::new();
        for (label, v, sup) in &lines {
            let col = |j: usize| v.iter().map(|x| x[j]).collect::<Vec<f64>>();
            println!("| {nm} | {label} | {} | {} | {} | {sup:.0} |", ms(&col(0)), ms(&col(1)), ms(&col(2)));
            js.insert(
                label.clone(),
                serde_json::json!({"precision": mean_sd(&col(0)), "recall": mean_sd(&col(1)), "f1": mean_sd(&col(2)), "support_per_fold": sup}),
            );
        }
        let acc: Vec<f64> = rs.iter().map(|r| r.accuracy).collect();
        let auc: Vec<f64> = rs.iter().map(|r| r.roc_auc.unwrap_or(f64::NAN)).collect();
        js.insert("accuracy".into(), serde_json::json!(mean_sd(&acc)));
        js.insert("roc_auc".into(), serde_json::json!(mean_sd(&auc)));
        json_summary.insert((*nm).into(), serde_json::Value::Object(js));
    }
    let minutes = t0.elapsed().as_secs_f64() / 60.0;
    println!("\ntotal {minutes:.1} min");
    let path = a.out.clone().unwrap_or_else(|| format!("experiments/classify-metals/results-{task}.json").into());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let out = serde_json::json!({
        "data": a.data.display().to_string(),
        "rows": table.formulas.len(),
        "unique_compositions": g.rows.len(),
        "conflicting_compositions": g.conflicting,
        "seed": a.seed,
        "folds": a.folds,
        "lrs": a.lrs,
        "probe_lr": a.probe_lr,
        "epochs": a.epochs,
        "patience": a.patience,
        "batch": a.batch,
        "summary_mean_std": json_summary,
        "per_fold": json,
        "minutes": minutes,
    });
    std::fs::write(&path, serde_json::to_string_pretty(&out)?)?;
    Ok(())
}
