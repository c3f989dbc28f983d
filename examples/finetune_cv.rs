//! The `experiments/finetune-steels` study: 5-fold cross-validation on `steels_yield.csv`
//! of the fine-tuned surrogate (from `surrogates/base`), the same architecture from scratch, a
//! linear probe, and Magpie-descriptor baselines (ridge regression, a random forest), plus the
//! calibration of the two uncertainty methods (deep ensemble, GP on the fine-tuned embedding).
//!
//! Two more network variants carry a **descriptor branch** (`surrogate::descriptors`: Magpie
//! features and/or element fractions, standardised on the training rows, through a small MLP
//! trained from scratch and concatenated with the composition embedding): fine-tuned from the
//! base model with the branch, and from scratch with the same branch, so that the comparison
//! stays fair.
//!
//! Hyperparameters of the networks are chosen per outer fold by nested validation: each
//! candidate is trained on the fold's training part with its own inner split (70 % train,
//! 15 % early stopping, 20 % inner test, by composition) and scored on the inner test; the
//! outer test fold is touched only by the final model. The ridge penalty is chosen by 5-fold
//! CV inside the training part; the forest is untuned (100 trees, a third of the features per
//! split, leaves of one row — the usual defaults).
//!
//! ```text
//! cargo run --example finetune_cv -- [--data data/matbench/steels_yield.csv] [--base surrogates/base]
//!     [--folds 5] [--seed 0] [--members 5] [--quick] [--out experiments/finetune-steels/results.json]
//!     [--lrs 3e-4,1e-3,3e-3] [--wds 1e-4] [--freezes none,top_k:1,heads] [--probe-lrs 1e-3,3e-3,1e-2]
//!     [--models ft,scratch,probe,ft-desc,scratch-desc] [--desc-sets magpie]
//!     [--desc-lrs 1e-3,3e-3] [--desc-wds 1e-4,1e-2] [--desc-freezes none] [--no-ensembles]
//!     [--l2sp 0,10] [--reinit 0,1] [--no-bootstrap] [--member-lrs 1e-3,3e-3,1e-2] [--member-gp]
//!     [--rotate-val] [--scratch-init mat2vec|learned] [--member-gp-own] [--unit MPa]
//!     [--train-size N]
//! ```
//! `--base` may list several checkpoints separated by commas (e.g. encoders pretrained with
//! different seeds): ensemble member k then starts from checkpoint k mod n; single networks
//! and the probe start from the first.
//! `--l2sp` lists the L2-SP strengths tried for the fine-tuned variants (decay toward the
//! pretrained weights, `TrainSettings::l2sp`), `--reinit` the numbers of top attention blocks
//! re-initialised instead of copied (`FitSettings::reinit_top`); `--no-bootstrap` trains the
//! ensemble members on the same rows (seeds differ); `--member-lrs` gives the members of every
//! ensemble these learning rates in turn (`FitSettings::member_lrs`; single networks keep the
//! candidate's); `--member-gp` also scores every ensemble with each member's own GP on its
//! embedding as that member's mean (`NeuralSurrogate::into_members`), the means averaged,
//! each GP fitted on the fold's shared training split; `--member-gp-own` scores the product's
//! version instead (`fit::attach_member_gps`: each member's GP on the rows that member trained
//! on, the std recalibrated as `crucible finetune --ensemble N --gp-mean gp` does).
//! `--rotate-val` makes the ensemble members early-stop on different parts of the fold's
//! training rows (`FitSettings::rotate_val`); `--scratch-init learned` trains the from-scratch
//! networks with learned element embeddings instead of mat2vec's (`ElementInit::Learned`).
//! `--train-size N` keeps a seeded draw of N rows of each fold's training part (every model,
//! the descriptor baselines too) and the test fold as it is: a point on a learning curve.
//! A variant with a single candidate is not
//! tuned: it trains once per fold, on the fold's training part.
//! `--models` picks the networks to run (the descriptor baselines always run: they are
//! cheap); the `--desc-*` grids are those of the two descriptor-branch variants (the set of
//! descriptors is tuned like a hyperparameter when `--desc-sets` lists several).
//! `--bench-predict MODEL` instead times `NeuralSurrogate::predict` on in-memory batches of
//! the steels compositions (as an optimizer scores candidates), for several batch sizes.
//!
//! The grids (learning rates and weight decays for the fine-tuned and from-scratch networks,
//! freeze strategies for the fine-tuned one, learning rates for the probe) default to the
//! first round of the study.
//! `--quick` (2 folds, 15 epochs, one candidate each) checks the driver end to end in a minute.
use std::path::PathBuf;
use std::time::Instant;

use crucible::chem::{Composition, Featurizer};
use crucible::gp::Cholesky;
use crucible::io::dataset::{read_labeled, DatasetColumns, InputColumns};
use crucible::surrogate::fit::{self, attach_embedding_gp, inputs_for, linear_probe, recalibrate_on_validation};
use crucible::surrogate::metrics::{self, Calibration};
use crucible::surrogate::{
    set_threads, DescriptorSet, DescriptorSettings, Device, ElementInit, FitSettings, Freeze, GpMean, KindChoice,
    LabeledTable, NeuralSurrogate, RegressionLoss, Start, TaskRequest, TaskSource, TrainSettings, TrainingSet,
};
#[path = "common/forest.rs"]
mod forest;
#[path = "common/study.rs"]
mod study;

use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use study::{col_stats, mean_sd, slice};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Args {
    data: PathBuf,
    base: PathBuf,
    folds: usize,
    seed: u64,
    members: usize,
    quick: bool,
    out: PathBuf,
    lrs: Vec<f64>,
    wds: Vec<f64>,
    freezes: Vec<Freeze>,
    probe_lrs: Vec<f64>,
    bench: Option<PathBuf>,
    models: Vec<String>,
    desc_sets: Vec<DescriptorSet>,
    desc_lrs: Vec<f64>,
    desc_wds: Vec<f64>,
    desc_freezes: Vec<Freeze>,
    ensembles: bool,
    /// L2-SP strengths tried for the fine-tuned variants.
    l2sps: Vec<f64>,
    /// Ensemble members train on bootstrap resamples (else: same rows, different seeds).
    bootstrap: bool,
    /// Ensemble members' learning rates, cycled (empty: the candidate's).
    member_lrs: Vec<f64>,
    /// Also score each ensemble with every member's own GP on its embedding as that member's
    /// mean, the members' GP means averaged.
    member_gp: bool,
    /// Also score each ensemble with every member's own GP, fitted on the rows that member
    /// trained on, as its mean (`fit::attach_member_gps`, what `--gp-mean gp` does).
    member_gp_own: bool,
    /// Numbers of top blocks re-initialised, tried for the fine-tuned variants.
    reinits: Vec<usize>,
    /// Ensemble members early-stop on different parts of the training rows.
    rotate_val: bool,
    /// Element embeddings of the from-scratch networks.
    scratch_init: ElementInit,
    /// Unit of the target, for the tables.
    unit: String,
    /// Train on only this many rows of each fold's training part (a seeded draw; the test
    /// fold is unchanged): a point on the learning curve. None: all of it.
    train_size: Option<usize>,
}

/// The network variants `--models` may name.
const MODELS: &[&str] = &["ft", "scratch", "probe", "ft-desc", "scratch-desc"];

impl Args {
    /// Decimals printed for errors: 1 for MPa, 3 for the small units of the other sets.
    fn digits(&self) -> usize {
        if self.unit == "MPa" {
            1
        } else {
            3
        }
    }
}

fn list<T: std::str::FromStr>(v: &str) -> Res<Vec<T>>
where
    T::Err: std::fmt::Display,
{
    v.split(',').map(|x| x.trim().parse::<T>().map_err(|e| format!("{x}: {e}").into())).collect()
}

fn args() -> Res<Args> {
    let mut a = Args {
        data: "data/matbench/steels_yield.csv".into(),
        base: "surrogates/base".into(),
        folds: 5,
        seed: 0,
        members: 5,
        quick: false,
        out: "experiments/finetune-steels/results.json".into(),
        lrs: vec![3e-4, 1e-3, 3e-3],
        wds: vec![1e-4],
        freezes: vec![Freeze::None, Freeze::TopBlocks(1), Freeze::Heads],
        probe_lrs: vec![1e-3, 3e-3, 1e-2],
        bench: None,
        models: MODELS.iter().map(|m| m.to_string()).collect(),
        desc_sets: vec![DescriptorSet::Magpie],
        desc_lrs: vec![1e-3, 3e-3],
        desc_wds: vec![1e-4, 1e-2],
        desc_freezes: vec![Freeze::None],
        ensembles: true,
        member_lrs: Vec::new(),
        member_gp: false,
        member_gp_own: false,
        l2sps: vec![0.0],
        bootstrap: true,
        unit: "MPa".into(),
        reinits: vec![0],
        rotate_val: false,
        scratch_init: ElementInit::Mat2vec,
        train_size: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--data" => a.data = v()?.into(),
            "--base" => a.base = v()?.into(),
            "--folds" => a.folds = v()?.parse()?,
            "--seed" => a.seed = v()?.parse()?,
            "--members" => a.members = v()?.parse()?,
            "--out" => a.out = v()?.into(),
            "--quick" => a.quick = true,
            "--lrs" => a.lrs = list(&v()?)?,
            "--wds" => a.wds = list(&v()?)?,
            "--freezes" => a.freezes = list(&v()?)?,
            "--probe-lrs" => a.probe_lrs = list(&v()?)?,
            "--bench-predict" => a.bench = Some(v()?.into()),
            "--models" => a.models = list(&v()?)?,
            "--desc-sets" => a.desc_sets = list(&v()?)?,
            "--desc-lrs" => a.desc_lrs = list(&v()?)?,
            "--desc-wds" => a.desc_wds = list(&v()?)?,
            "--desc-freezes" => a.desc_freezes = list(&v()?)?,
            "--no-ensembles" => a.ensembles = false,
            "--l2sp" => a.l2sps = list(&v()?)?,
            "--no-bootstrap" => a.bootstrap = false,
            "--member-lrs" => a.member_lrs = list(&v()?)?,
            "--member-gp" => a.member_gp = true,
            "--member-gp-own" => a.member_gp_own = true,
            "--unit" => a.unit = v()?,
            "--reinit" => a.reinits = list(&v()?)?,
            "--rotate-val" => a.rotate_val = true,
            "--train-size" => a.train_size = Some(v()?.parse()?),
            "--scratch-init" => {
                a.scratch_init = match v()?.as_str() {
                    "mat2vec" => ElementInit::Mat2vec,
                    "learned" => ElementInit::Learned,
                    o => return Err(format!("--scratch-init {o}: expected mat2vec or learned").into()),
                }
            }
            o => return Err(format!("unknown argument {o}").into()),
        }
    }
    if let Some(m) = a.models.iter().find(|m| !MODELS.contains(&m.as_str())) {
        return Err(format!("--models {m}: expected some of {}", MODELS.join(",")).into());
    }
    if a.quick {
        a.folds = 2;
        a.desc_lrs.truncate(1);
        a.desc_wds.truncate(1);
        a.desc_freezes.truncate(1);
        a.lrs.truncate(1);
        a.wds.truncate(1);
        a.freezes.truncate(1);
        a.probe_lrs.truncate(1);
        a.l2sps.truncate(1);
        a.reinits.truncate(1);
    }
    Ok(a)
}

/// How a network is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    FineTuned(Freeze),
    Scratch,
    Probe,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    kind: Kind,
    lr: f64,
    wd: f64,
    desc: DescriptorSet,
    /// L2-SP strength (fine-tuned only; 0 off).
    l2sp: f64,
    /// Top blocks re-initialised (fine-tuned only).
    reinit: usize,
}

impl Candidate {
    fn label(&self) -> String {
        let d = match self.desc {
            DescriptorSet::None => String::new(),
            d => format!("descriptors {d}, "),
        };
        match self.kind {
            Kind::FineTuned(f) => {
                let l2sp = if self.l2sp > 0.0 { format!(", l2sp {}", self.l2sp) } else { String::new() };
                let reinit = if self.reinit > 0 { format!(", reinit top {}", self.reinit) } else { String::new() };
                format!("{d}freeze {f}, lr {:.0e}, wd {:.0e}{l2sp}{reinit}", self.lr, self.wd)
            }
            _ => format!("{d}lr {:.0e}, wd {:.0e}", self.lr, self.wd),
        }
    }
}

fn settings(c: &Candidate, seed: u64, test_frac: f64, members: usize, a: &Args) -> FitSettings {
    FitSettings {
        train: TrainSettings {
            epochs: if a.quick { 15 } else { 300 },
            batch_size: 32,
            lr: c.lr,
            weight_decay: c.wd,
            warmup: 0.05,
            loss: RegressionLoss::Mae,
            patience: 30,
            seed,
            l2sp: c.l2sp,
            ..TrainSettings::default()
        },
        val_frac: 0.15,
        test_frac,
        freeze: match c.kind {
            Kind::FineTuned(f) => f,
            _ => Freeze::None,
        },
        members,
        bootstrap: a.bootstrap,
        device: Device::Cpu,
        descriptors: DescriptorSettings::of(c.desc),
        reinit_top: c.reinit,
        member_lrs: if members > 1 { a.member_lrs.clone() } else { Vec::new() },
        rotate_val: a.rotate_val,
        ..FitSettings::default()
    }
}

fn train(set: &TrainingSet, c: &Candidate, base: &NeuralSurrogate, s: &FitSettings, a: &Args) -> Res<NeuralSurrogate> {
    let name = "surrogates/base".to_string();
    Ok(match c.kind {
        Kind::FineTuned(_) => fit::finetune(set.clone(), Start::From { model: base, name }, s, &mut |_| {})?,
        Kind::Scratch => {
            let mut architecture = base.card().architecture.clone();
            architecture.element_init = a.scratch_init;
            let s = FitSettings { architecture, ..s.clone() };
            fit::finetune(set.clone(), Start::Scratch, &s, &mut |_| {})?
        }
        Kind::Probe => linear_probe(set.clone(), base, name, s, &mut |_| {})?,
    })
}

/// Pick the candidate with the lowest inner-test MAE (never the outer test fold).
fn tune(
    pool: &TrainingSet,
    cands: &[Candidate],
    base: &NeuralSurrogate,
    a: &Args,
) -> Res<(Candidate, Vec<(String, f64)>)> {
    let mut tried = Vec::new();
    if let [only] = cands {
        return Ok((*only, tried)); // nothing to choose: no inner training
    }
    let mut best: Option<(f64, Candidate)> = None;
    for c in cands {
        let s = settings(c, a.seed + 1000, 0.2, 1, a);
        let m = train(pool, c, base, &s, a)?;
        let mae = m.card().metrics[0].regression.as_ref().ok_or("no inner-test metrics")?.mae;
        tried.push((c.label(), mae));
        if best.is_none_or(|(b, _)| mae < b) {
            best = Some((mae, *c));
        }
    }
    Ok((best.expect("at least one candidate").1, tried))
}

fn set_of(t: LabeledTable, unit: &str) -> Res<TrainingSet> {
    let req = TaskRequest { name: "target".into(), kind: KindChoice::Regression, unit: Some(unit.into()) };
    Ok(TrainingSet::build(&[TaskSource { table: t, tasks: vec![req] }])?)
}

// ---------- descriptor baselines (Magpie features) ----------

fn standardise(x: &Array2<f64>, (m, s): &(Vec<f64>, Vec<f64>)) -> Array2<f64> {
    Array2::from_shape_fn(x.dim(), |(i, j)| if x[[i, j]].is_finite() { (x[[i, j]] - m[j]) / s[j] } else { 0.0 })
}

/// Ridge regression on standardised features: predictions for `xt`.
fn ridge(x: &Array2<f64>, y: &[f64], xt: &Array2<f64>, lambda: f64) -> Vec<f64> {
    let st = col_stats(x);
    let (xs, xts) = (standardise(x, &st), standardise(xt, &st));
    let ym = y.iter().sum::<f64>() / y.len() as f64;
    let d = xs.ncols();
    let mut a = xs.t().dot(&xs);
    for j in 0..d {
        a[[j, j]] += lambda;
    }
    let mut b: Vec<f64> = (0..d).map(|j| xs.column(j).iter().zip(y).map(|(u, v)| u * (v - ym)).sum()).collect();
    let ch = Cholesky::new(a.as_slice().expect("standard layout"), d).expect("ridge system is positive definite");
    ch.solve(&mut b);
    let beta = Array1::from(b);
    xts.dot(&beta).iter().map(|v| v + ym).collect()
}

/// Ridge with the penalty chosen by 5-fold CV on the training rows.
fn ridge_cv(x: &Array2<f64>, y: &[f64], xt: &Array2<f64>, seed: u64) -> (Vec<f64>, f64) {
    let n = y.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut crucible::rng::stream(seed, "ridge-cv", 0));
    let lambdas = [1e-2, 1e-1, 1.0, 10.0, 100.0, 1000.0];
    let mut best = (f64::INFINITY, 1.0);
    for &l in &lambdas {
        let mut err = 0.0;
        for k in 0..5 {
            let te: Vec<usize> =
                order.iter().copied().enumerate().filter(|(i, _)| i % 5 == k).map(|(_, r)| r).collect();
            let tr: Vec<usize> =
                order.iter().copied().enumerate().filter(|(i, _)| i % 5 != k).map(|(_, r)| r).collect();
            let p = ridge(
                &x.select(ndarray::Axis(0), &tr),
                &tr.iter().map(|&r| y[r]).collect::<Vec<_>>(),
                &x.select(ndarray::Axis(0), &te),
                l,
            );
            err += te.iter().zip(&p).map(|(&r, v)| (y[r] - v).abs()).sum::<f64>();
        }
        if err < best.0 {
            best = (err, l);
        }
    }
    (ridge(x, y, xt, best.1), best.1)
}

/// Random forest regression: 100 trees, a third of the features tried per split, on the
/// training rows' standardisation.
fn forest(x: &Array2<f64>, y: &[f64], xt: &Array2<f64>, seed: u64) -> Vec<f64> {
    let st = col_stats(x);
    let (xs, xts) = (standardise(x, &st), standardise(xt, &st));
    let mtry = (xs.ncols() / 3).max(1);
    forest::fit_predict(&xs, y, &xts, mtry, false, seed)
}

// ---------- the study ----------

/// Per model (in the order first seen), one value per fold.
struct Tally<T> {
    rows: Vec<(String, Vec<T>)>,
}

impl<T> Tally<T> {
    fn new() -> Tally<T> {
        Tally { rows: Vec::new() }
    }

    fn push(&mut self, name: &str, v: T) {
        match self.rows.iter_mut().find(|(n, _)| n == name) {
            Some((_, vals)) => vals.push(v),
            None => self.rows.push((name.to_string(), vec![v])),
        }
    }
}

fn scores(model: &NeuralSurrogate, test: &TrainingSet, y: &[f64]) -> Res<(f64, Option<Calibration>)> {
    let all: Vec<usize> = (0..test.len()).collect();
    let p = model.predict(&inputs_for(test, &all))?;
    let mean = p.mean.column(0).to_vec();
    let mae = metrics::regression(y, &mean).mae;
    let cal = p.std.map(|s| metrics::calibration(y, &mean, &s.column(0).to_vec()));
    Ok((mae, cal))
}

/// Rows per second of `predict` on in-memory batches (each size repeated for ≥ 2 s).
fn bench_predict(model: &std::path::Path, data: &std::path::Path) -> Res<()> {
    let m = NeuralSurrogate::load(model, Device::Cpu)?;
    let targets = ["target".to_string()];
    let t = read_labeled(data, &DatasetColumns { formula: "formula", targets: &targets, inputs: InputColumns::None })?;
    let comps: Vec<Composition> =
        t.formulas.iter().flatten().map(|f| Composition::parse(f)).collect::<Result<_, _>>()?;
    println!("{}: uncertainty {}, {} members", model.display(), m.uncertainty_method(), m.members().len());
    for b in [1usize, 16, 256, 4096] {
        let batch: Vec<Composition> = (0..b).map(|i| comps[i % comps.len()].clone()).collect();
        let x = crucible::surrogate::ModelInputs::new(&batch, None);
        let t0 = Instant::now();
        let mut calls = 0;
        while t0.elapsed().as_secs_f64() < 2.0 {
            m.predict(&x)?;
            calls += 1;
        }
        let s = t0.elapsed().as_secs_f64();
        println!("batch {b:>5}: {:>8.2} ms per call, {:>8.0} rows/s", 1e3 * s / calls as f64, (calls * b) as f64 / s);
    }
    Ok(())
}

/// One network variant of the study: its name in the tables, its candidates, and whether its
/// uncertainty (GP on the embedding, deep ensemble) is measured too.
struct Variant {
    key: &'static str,
    name: &'static str,
    cands: Vec<Candidate>,
    uncertainty: bool,
}

/// One outer fold: its training part (`pool`), test fold and test targets.
struct FoldData<'a> {
    k: usize,
    pool: &'a TrainingSet,
    test: &'a TrainingSet,
    y: &'a [f64],
}

/// What one fold of one variant measured, for the tables.
struct Fold<'a> {
    maes: &'a mut Tally<f64>,
    cals: &'a mut Tally<Calibration>,
    json: &'a mut serde_json::Map<String, serde_json::Value>,
}

/// Tune `v` on the fold's training part, train the chosen candidate on all of it, score it on
/// the test fold, and (when `v.uncertainty`) its GP on the embedding and its deep ensemble.
fn run_variant(v: &Variant, f: &FoldData<'_>, base: &NeuralSurrogate, a: &Args, out: &mut Fold<'_>) -> Res<()> {
    let FoldData { k, pool, test, y } = *f;
    let (c, tried) = tune(pool, &v.cands, base, a)?;
    let t: Vec<String> = tried.iter().map(|(l, m)| format!("{l}: {m:.*}", a.digits())).collect();
    println!("fold {k} tuning {}: {} -> {}", v.key, t.join("; "), c.label());
    out.json.insert(format!("tuning_{}", v.key), serde_json::json!({"tried": tried, "chosen": c.label()}));
    let s = settings(&c, a.seed, 0.0, 1, a);
    let mut m = train(pool, &c, base, &s, a)?;
    out.maes.push(v.name, scores(&m, test, y)?.0);
    if !v.uncertainty {
        return Ok(());
    }
    attach_embedding_gp(&mut m, pool, &s, false, GpMean::Network)?;
    let (_, c_raw) = scores(&m, test, y)?;
    recalibrate_on_validation(&mut m, pool, &s)?;
    let (_, c_rec) = scores(&m, test, y)?;
    m.set_gp_mean(GpMean::Gp);
    recalibrate_on_validation(&mut m, pool, &s)?;
    let (gp_mae, c_gpm) = scores(&m, test, y)?;
    out.maes.push(&format!("{}, GP on embedding (GP mean)", v.name), gp_mae);
    out.cals.push(&format!("{}: GP on embedding, raw (network mean)", v.name), c_raw.expect("GP std"));
    out.cals.push(
        &format!("{}: GP on embedding, recalibrated on validation (network mean)", v.name),
        c_rec.expect("GP std"),
    );
    out.cals.push(&format!("{}: GP on embedding, recalibrated (GP mean)", v.name), c_gpm.expect("GP std"));
    if !a.ensembles {
        return Ok(());
    }
    let se = settings(&c, a.seed, 0.0, a.members, a);
    let mut ens = train(pool, &c, base, &se, a)?;
    let (emae, e_raw) = scores(&ens, test, y)?;
    out.maes.push(&format!("{}, deep ensemble", v.name), emae);
    recalibrate_on_validation(&mut ens, pool, &se)?;
    let (_, e_rec) = scores(&ens, test, y)?;
    out.cals.push(&format!("{}: ensemble, raw", v.name), e_raw.expect("ensemble std"));
    out.cals.push(&format!("{}: ensemble, recalibrated on validation", v.name), e_rec.expect("ensemble std"));
    if a.member_gp_own {
        // the product's path: each member's GP on the rows it trained on (attach_member_gps)
        fit::attach_member_gps(&mut ens, pool, &se, true)?;
        let (mae, cal) = scores(&ens, test, y)?;
        out.maes.push(&format!("{}, deep ensemble, GP mean per member (own rows)", v.name), mae);
        out.cals.push(
            &format!("{}: ensemble, GP mean per member (own rows), recalibrated", v.name),
            cal.expect("ensemble std"),
        );
    }
    if a.member_gp {
        let all: Vec<usize> = (0..test.len()).collect();
        let x = inputs_for(test, &all);
        let mut sum = vec![0.0; test.len()];
        let members = ens.into_members();
        for mut m in members.into_iter() {
            attach_embedding_gp(&mut m, pool, &se, false, GpMean::Gp)?;
            let p = m.predict(&x)?;
            sum.iter_mut().zip(p.mean.column(0)).for_each(|(s, v)| *s += v);
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / a.members as f64).collect();
        out.maes.push(&format!("{}, deep ensemble, GP mean per member", v.name), metrics::regression(y, &mean).mae);
    }
    Ok(())
}

fn main() -> Res<()> {
    let a = args()?;
    set_threads(Some(1));
    if let Some(model) = &a.bench {
        return bench_predict(model, &a.data);
    }
    let t0 = Instant::now();
    let targets = ["target".to_string()];
    let table =
        read_labeled(&a.data, &DatasetColumns { formula: "formula", targets: &targets, inputs: InputColumns::None })?;
    let n = table.formulas.len();
    // several checkpoints, comma-separated: pooled, so ensemble member k starts from base k mod n
    let bases: Vec<NeuralSurrogate> = a
        .base
        .to_string_lossy()
        .split(',')
        .map(|b| NeuralSurrogate::load(std::path::Path::new(b), Device::Cpu))
        .collect::<Result<_, _>>()?;
    let base = NeuralSurrogate::pool(bases)?;
    println!("{}: {n} rows; base {}; {} folds, seed {}", a.data.display(), a.base.display(), a.folds, a.seed);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut crucible::rng::stream(a.seed, "cv-folds", 0));
    let (l2sps, reinits): (&[f64], &[usize]) = (&a.l2sps, &a.reinits);
    let grid = |kind: Kind, lrs: &[f64], wds: &[f64], descs: &[DescriptorSet]| -> Vec<Candidate> {
        // L2-SP and re-initialised blocks only apply when fine-tuning from a checkpoint
        let (l2sps, reinits): (&[f64], &[usize]) =
            if matches!(kind, Kind::FineTuned(_)) { (l2sps, reinits) } else { (&[0.0], &[0]) };
        let mut cands = Vec::new();
        for &desc in descs {
            for &lr in lrs {
                for &wd in wds {
                    for &l2sp in l2sps {
                        cands.extend(reinits.iter().map(|&reinit| Candidate { kind, lr, wd, desc, l2sp, reinit }));
                    }
                }
            }
        }
        cands
    };
    let none = [DescriptorSet::None];
    let all_variants = [
        Variant {
            key: "ft",
            name: "fine-tuned from base",
            cands: a.freezes.iter().flat_map(|&f| grid(Kind::FineTuned(f), &a.lrs, &a.wds, &none)).collect(),
            uncertainty: true,
        },
        Variant {
            key: "scratch",
            name: "from scratch",
            cands: grid(Kind::Scratch, &a.lrs, &a.wds, &none),
            uncertainty: true,
        },
        Variant {
            key: "probe",
            name: "linear probe",
            cands: grid(Kind::Probe, &a.probe_lrs, &a.wds[..1], &none),
            uncertainty: false,
        },
        Variant {
            key: "ft-desc",
            name: "fine-tuned + descriptors",
            cands: a
                .desc_freezes
                .iter()
                .flat_map(|&f| grid(Kind::FineTuned(f), &a.desc_lrs, &a.desc_wds, &a.desc_sets))
                .collect(),
            uncertainty: true,
        },
        Variant {
            key: "scratch-desc",
            name: "from scratch + descriptors",
            cands: grid(Kind::Scratch, &a.desc_lrs, &a.desc_wds, &a.desc_sets),
            uncertainty: true,
        },
    ];
    let variants: Vec<&Variant> = all_variants.iter().filter(|v| a.models.iter().any(|m| m == v.key)).collect();
    let mut maes: Tally<f64> = Tally::new();
    let mut cals: Tally<Calibration> = Tally::new();
    let mut json = Vec::new();
    let magpie = Featurizer::magpie();
    for k in 0..a.folds {
        let tf = Instant::now();
        let test_rows: Vec<usize> =
            order.iter().copied().enumerate().filter(|(i, _)| i % a.folds == k).map(|(_, r)| r).collect();
        let mut pool_rows: Vec<usize> =
            order.iter().copied().enumerate().filter(|(i, _)| i % a.folds != k).map(|(_, r)| r).collect();
        if let Some(size) = a.train_size {
            // a learning-curve point: a seeded draw of the training part, the test fold as is
            if size > pool_rows.len() {
                return Err(format!("--train-size {size}: fold {k} has only {} training rows", pool_rows.len()).into());
            }
            pool_rows.shuffle(&mut crucible::rng::stream(a.seed, "cv-train-size", k as u64));
            pool_rows.truncate(size);
        }
        let (pool, test) = (set_of(slice(&table, &pool_rows), &a.unit)?, set_of(slice(&table, &test_rows), &a.unit)?);
        let y: Vec<f64> = (0..test.len()).map(|r| test.target(r, 0)).collect();
        let ypool: Vec<f64> = (0..pool.len()).map(|r| pool.target(r, 0)).collect();
        let mut fold = serde_json::Map::new();
        fold.insert("fold".into(), k.into());
        fold.insert("test_rows".into(), test.len().into());
        // networks: tuning is nested (the outer test fold is not used), then the final model
        // trains on the whole training part (85 % train, 15 % early stopping)
        for v in &variants {
            let f = FoldData { k, pool: &pool, test: &test, y: &y };
            run_variant(v, &f, &base, &a, &mut Fold { maes: &mut maes, cals: &mut cals, json: &mut fold })?;
        }
        // descriptors
        let comps = |set: &TrainingSet| -> Vec<Composition> {
            set.formulas.iter().map(|f| Composition::parse(f).expect("training formulas parse")).collect()
        };
        let (xp, xt) = (magpie.featurize_batch(&comps(&pool)), magpie.featurize_batch(&comps(&test)));
        let (rp, lambda) = ridge_cv(&xp, &ypool, &xt, a.seed);
        maes.push("Magpie + ridge", metrics::regression(&y, &rp).mae);
        let fp = forest(&xp, &ypool, &xt, a.seed + k as u64);
        maes.push("Magpie + random forest", metrics::regression(&y, &fp).mae);
        let ym = ypool.iter().sum::<f64>() / ypool.len() as f64;
        maes.push("predict the training mean", metrics::regression(&y, &vec![ym; y.len()]).mae);
        let row: Vec<String> = maes.rows.iter().map(|(n, t)| format!("{n} {:.*}", a.digits(), t[k])).collect();
        println!("fold {k} ({:.0}s, ridge λ {lambda}): {}", tf.elapsed().as_secs_f64(), row.join(", "));
        let c: Vec<String> = cals
            .rows
            .iter()
            .map(|(n, c)| format!("{n} {:.2}/{:.2}/{:.2}", c[k].nll, c[k].within_1sigma, c[k].within_2sigma))
            .collect();
        if !c.is_empty() {
            println!("fold {k} calibration (NLL/1σ/2σ): {}", c.join(", "));
        }
        for (nm, t) in &maes.rows {
            fold.insert(nm.clone(), t[k].into());
        }
        fold.insert("ridge_lambda".into(), lambda.into());
        fold.insert(
            "calibration".into(),
            serde_json::Value::Object(
                cals.rows
                    .iter()
                    .map(|(n, c)| (n.clone(), serde_json::json!([c[k].nll, c[k].within_1sigma, c[k].within_2sigma])))
                    .collect(),
            ),
        );
        json.push(serde_json::Value::Object(fold));
    }
    println!("\n| model | MAE ({}), mean ± std over {} folds | per fold |", a.unit, a.folds);
    println!("|---|---|---|");
    for (nm, t) in &maes.rows {
        let (m, s) = mean_sd(t);
        let per: Vec<String> = t.iter().map(|v| format!("{v:.*}", a.digits())).collect();
        println!("| {nm} | {m:.*} ± {s:.*} | {} |", a.digits(), a.digits(), per.join(", "));
    }
    if !cals.rows.is_empty() {
        println!("\n| uncertainty | NLL | within 1σ | within 2σ |");
        println!("|---|---|---|---|");
    }
    for (nm, c) in &cals.rows {
        let f = |g: &dyn Fn(&Calibration) -> f64| mean_sd(&c.iter().map(g).collect::<Vec<_>>());
        let ((a1, b1), (a2, b2), (a3, b3)) = (f(&|c| c.nll), f(&|c| c.within_1sigma), f(&|c| c.within_2sigma));
        println!(
            "| {nm} | {a1:.2} ± {b1:.2} | {:.1} ± {:.1}% | {:.1} ± {:.1}% |",
            100.0 * a2,
            100.0 * b2,
            100.0 * a3,
            100.0 * b3
        );
    }
    println!("\ntotal {:.1} min", t0.elapsed().as_secs_f64() / 60.0);
    if let Some(dir) = a.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::fs::write(
        &a.out,
        serde_json::to_string_pretty(&serde_json::json!({
            "args": args,
            "folds": json,
            "seed": a.seed,
            "minutes": t0.elapsed().as_secs_f64() / 60.0
        }))?,
    )?;
    Ok(())
}
