//! Tests of the surrogate on tiny models and small data (each runs in about a second).
use ndarray::Array2;
use tch::{Device, Tensor};

use super::data::{KindChoice, LabeledTable, TaskKind, TaskRequest, TaskSource, TrainingSet};
use super::encoder::{Architecture, ElementInit, TokenBatch};
use super::fit::{finetune, pretrain, FitSettings, Freeze, Start};
use super::model::{Model, ModelInputs, NeuralSurrogate};
use super::network::{to_vec, Batch, Mode};
use super::train::{fit, Prepared, RegressionLoss, Rows, TrainSettings};
use crate::chem::Composition;

pub(super) fn tiny() -> Architecture {
    Architecture {
        d_model: 16,
        heads: 2,
        blocks: 2,
        ff_dim: 32,
        dropout: 0.0,
        head_hidden: 16,
        param_hidden: 8,
        element_init: ElementInit::Mat2vec,
    }
}

fn table(name: &str, rows: &[(&str, f64)]) -> LabeledTable {
    LabeledTable {
        source: name.into(),
        sha256: "0".repeat(64),
        formulas: rows.iter().map(|r| Some(r.0.to_string())).collect(),
        targets: vec![("target".into(), rows.iter().map(|r| Some(r.1).filter(|v| !v.is_nan())).collect())],
        inputs: vec![],
    }
}

fn source(t: LabeledTable, task: &str, kind: KindChoice) -> TaskSource {
    TaskSource { table: t, tasks: vec![TaskRequest { name: task.into(), kind, unit: None }] }
}

/// The first `n` steels of the bundled Matbench set (formula, yield strength in MPa).
pub(super) fn steels(n: usize) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/matbench/steels_yield.csv")).unwrap();
    text.lines()
        .skip(1)
        .take(n)
        .map(|l| {
            let (f, y) = l.rsplit_once(',').unwrap();
            (f.to_string(), y.parse().unwrap())
        })
        .collect()
}

/// A learnable synthetic target over binary and ternary compositions.
pub(super) fn synthetic(n: usize) -> Vec<(String, f64)> {
    let els = ["Fe", "Ni", "Co", "Cr", "Al", "Ti", "Cu", "Mn"];
    (0..n)
        .map(|i| {
            let a = els[i % els.len()];
            let b = els[(i / els.len() + 1 + i % els.len()) % els.len()];
            let x = 0.1 + 0.8 * ((i * 37) % 97) as f64 / 97.0;
            let c = Composition::from_amounts([(a, x), (b, 1.0 - x)]).unwrap();
            let y = c.fraction("Fe") * 3.0 + c.fraction("Ni") - 2.0 * c.fraction("Al") + x * x;
            (c.formula(), y)
        })
        .collect()
}

pub(super) fn set_of(rows: &[(String, f64)]) -> TrainingSet {
    let r: Vec<(&str, f64)> = rows.iter().map(|(f, y)| (f.as_str(), *y)).collect();
    TrainingSet::build(&[source(table("t.csv", &r), "y", KindChoice::Auto)]).unwrap()
}

pub(super) fn settings(epochs: usize) -> FitSettings {
    super::set_threads(Some(1)); // tiny models: one thread is fastest, and tests run in parallel
    FitSettings {
        architecture: tiny(),
        train: TrainSettings {
            epochs,
            batch_size: 16,
            lr: 3e-3,
            patience: 0,
            loss: RegressionLoss::Mse,
            ..Default::default()
        },
        val_frac: 0.2,
        test_frac: 0.0,
        ..Default::default()
    }
}

pub(super) fn inputs(formulas: &[&str]) -> ModelInputs {
    let comps: Vec<Composition> = formulas.iter().map(|f| Composition::parse(f).unwrap()).collect();
    ModelInputs::new(&comps, None)
}

fn fresh_model(arch: Architecture) -> Model {
    super::set_threads(Some(1));
    let set = set_of(&synthetic(8));
    tch::manual_seed(1);
    let card = super::card::ModelCard::new(arch, set.tasks.clone(), vec![]);
    Model::init(card, Device::Cpu).unwrap()
}

pub(super) fn max_diff(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    a.iter().zip(b.iter()).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

#[test]
fn padding_does_not_change_the_embedding() {
    for init in [ElementInit::Mat2vec, ElementInit::Learned] {
        let m = fresh_model(Architecture { element_init: init, ..tiny() });
        let alone = m.embed(&inputs(&["Fe2O3"])).unwrap();
        let padded = m.embed(&inputs(&["Fe2O3", "LiMnNiCoAlO4"])).unwrap();
        let d = alone.row(0).iter().zip(padded.row(0)).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let scale = alone.iter().fold(1.0f64, |m, v| m.max(v.abs()));
        assert!(d < 1e-6 * scale, "{init:?}: padding changed the embedding by {d} (scale {scale})");
    }
}

#[test]
fn element_order_does_not_change_the_output() {
    let m = fresh_model(tiny());
    let tokens = |els: &[i64], fr: &[f32]| {
        let n = els.len() as i64;
        Batch {
            tokens: TokenBatch {
                elements: Tensor::from_slice(els).view([1, n]),
                fractions: Tensor::from_slice(fr).view([1, n]),
                padding: Tensor::from_slice(&vec![false; els.len()]).view([1, n]),
            },
            inputs: None,
            descriptors: None,
        }
    };
    let a = tokens(&[25, 27, 12, 7], &[0.4, 0.3, 0.2, 0.1]);
    let b = tokens(&[7, 12, 25, 27], &[0.1, 0.2, 0.4, 0.3]);
    let (za, zb) = tch::no_grad(|| (m.net.embed(&a, Mode::EVAL), m.net.embed(&b, Mode::EVAL)));
    let d: f64 = to_vec(&za).iter().zip(to_vec(&zb)).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
    let scale = to_vec(&za).iter().fold(1.0f64, |m, v| m.max(v.abs()));
    assert!(d < 1e-6 * scale, "shuffling the elements changed the embedding by {d} (scale {scale}, f32)");
    let (ha, hb) = tch::no_grad(|| (m.net.head(0, &za, Mode::EVAL), m.net.head(0, &zb, Mode::EVAL)));
    assert!((ha - hb).abs().max().double_value(&[]) < 1e-6);
}

#[test]
fn overfits_a_small_steels_subset() {
    let set = set_of(&steels(32));
    let mut s = settings(200);
    s.val_frac = 0.0;
    s.train.lr = 5e-3;
    s.train.batch_size = 8;
    let mut losses = Vec::new();
    let model = pretrain(set, &s, &mut |p| losses.push(p.epoch.train_loss)).unwrap();
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(last < 0.15 * first, "training loss went only from {first} to {last}");
    assert_eq!(model.card().training.as_ref().unwrap().fit.epochs_run, 200);
}

#[test]
fn save_load_predict_round_trip_and_same_seed_same_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = synthetic(60);
    let mut a = pretrain(set_of(&data), &settings(3), &mut |_| {}).unwrap();
    let b = pretrain(set_of(&data), &settings(3), &mut |_| {}).unwrap();
    let x = inputs(&["Fe0.5Ni0.5", "Al2O3", "CuZn", "Fe"]);
    let pa = a.predict(&x).unwrap();
    assert_eq!(pa.mean, b.predict(&x).unwrap().mean, "same seed, same data: same predictions");
    assert!(pa.std.is_none());
    a.save(dir.path()).unwrap();
    let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
    assert_eq!(back.predict(&x).unwrap().mean, pa.mean);
    assert_eq!(back.card().tasks, a.card().tasks);
    assert!(back.card().weights_sha256.is_some());
    let unseen = back.unseen_elements(&x);
    assert_eq!(unseen[1], vec!["O"]);
    assert!(unseen[0].is_empty());
    let e = back.embed(&x).unwrap();
    assert_eq!(e.dim(), (4, 32), "2 × d_model: weighted and plain means");
}

#[test]
fn card_mismatches_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = pretrain(set_of(&synthetic(40)), &settings(1), &mut |_| {}).unwrap();
    m.save(dir.path()).unwrap();
    let card = dir.path().join("card.yaml");
    let text = std::fs::read_to_string(&card).unwrap();
    // a card whose architecture does not fit the weights (the sha check passes: weights untouched)
    std::fs::write(&card, text.replace("d_model: 16", "d_model: 32")).unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("do not fit") && e.contains("shape"), "{e}");
    // weights from another model
    let sha = m.card().weights_sha256.clone().unwrap();
    std::fs::write(&card, text.replace(&sha, &"a".repeat(64))).unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("does not match card.yaml"), "{e}");
    std::fs::write(&card, "format: 1\nnot a card").unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("not a valid model card"), "{e}");
    std::fs::write(&card, &text).unwrap();
    std::fs::remove_file(dir.path().join("model.safetensors")).unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("model.safetensors") && e.contains("missing"), "{e}");
    let e = NeuralSurrogate::load(&dir.path().join("nope"), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("no such model directory"), "{e}");
}

#[test]
fn freeze_heads_leaves_the_encoder_unchanged() {
    let base = pretrain(set_of(&synthetic(60)), &settings(2), &mut |_| {}).unwrap();
    let data = set_of(&steels(40));
    let mut s = settings(2);
    s.freeze = Freeze::Heads;
    let start = Start::From { model: &base, name: "base".into() };
    let tuned = finetune(data.clone(), start, &s, &mut |_| {}).unwrap();
    let (before, after) = (base.members()[0].variables(), tuned.members()[0].variables());
    for (name, t) in &after {
        if name.starts_with("encoder.") {
            assert_eq!(before[name], *t, "{name} changed under freeze=heads");
        }
    }
    assert_eq!(tuned.card().training.as_ref().unwrap().freeze, "heads");
    s.freeze = Freeze::TopBlocks(1);
    let top = finetune(data, Start::From { model: &base, name: "base".into() }, &s, &mut |_| {}).unwrap();
    let v = top.members()[0].variables();
    assert_eq!(before["encoder.block0.qkv.weight"], v["encoder.block0.qkv.weight"]);
    assert_ne!(before["encoder.block1.qkv.weight"], v["encoder.block1.qkv.weight"], "the top block trains");
    assert_eq!("top_k:2".parse::<Freeze>().unwrap(), Freeze::TopBlocks(2));
    assert!("all".parse::<Freeze>().is_err());
}

#[test]
fn reinit_top_replaces_the_top_blocks_and_keeps_the_rest() {
    let base = pretrain(set_of(&synthetic(60)), &settings(2), &mut |_| {}).unwrap();
    let mut s = settings(1);
    s.freeze = Freeze::Heads; // the encoder stays as it was after copying
    s.reinit_top = 1;
    s.members = 2;
    s.bootstrap = false;
    let m = finetune(set_of(&steels(40)), Start::From { model: &base, name: "base".into() }, &s, &mut |_| {}).unwrap();
    let before = base.members()[0].variables();
    let (a, b) = (m.members()[0].variables(), m.members()[1].variables());
    for name in ["encoder.elem.proj.weight", "encoder.frac.weight", "encoder.block0.qkv.weight"] {
        assert_eq!(a[name], before[name], "{name} is copied");
    }
    for name in ["encoder.block1.qkv.weight", "encoder.block1.ff2.weight"] {
        assert_ne!(a[name], before[name], "{name} is re-initialised");
        assert_ne!(a[name], b[name], "{name}: each member draws its own");
    }
    assert_eq!(m.members()[0].card().training.as_ref().unwrap().reinit_top, 1, "the card records it");
}

#[test]
fn an_ensemble_fine_tuned_from_a_pool_starts_each_member_from_its_own_source() {
    let pre = |seed: u64| {
        let mut s = settings(2);
        s.train.seed = seed;
        pretrain(set_of(&synthetic(60)), &s, &mut |_| {}).unwrap()
    };
    let pool = NeuralSurrogate::pool(vec![pre(1), pre(2)]).unwrap();
    assert_eq!(pool.members().len(), 2);
    let mut s = settings(1);
    s.freeze = Freeze::Heads; // encoders stay as copied
    s.members = 3;
    let m = finetune(set_of(&steels(40)), Start::From { model: &pool, name: "pool".into() }, &s, &mut |_| {}).unwrap();
    let name = "encoder.block0.qkv.weight";
    let src: Vec<Tensor> = pool.members().iter().map(|p| p.variables()[name].shallow_clone()).collect();
    assert_ne!(src[0], src[1], "the two sources differ");
    for (k, member) in m.members().iter().enumerate() {
        assert_eq!(member.variables()[name], src[k % 2], "member {k} starts from source {}", k % 2);
        let rec = member.card().training.as_ref().unwrap();
        assert_eq!(rec.from_sha256, pool.members()[k % 2].card().weights_sha256, "member {k}'s card names its source");
    }
    let other = pretrain(
        set_of(&synthetic(60)),
        &FitSettings { architecture: Architecture { d_model: 8, ..tiny() }, ..settings(1) },
        &mut |_| {},
    )
    .unwrap();
    let e = NeuralSurrogate::pool(vec![pre(1), other]).err().unwrap();
    assert!(e.to_string().contains("model 1 of the pool differs"), "{e}");
}

#[test]
fn l2sp_keeps_the_encoder_near_the_pretrained_weights() {
    let base = pretrain(set_of(&synthetic(60)), &settings(2), &mut |_| {}).unwrap();
    let data = set_of(&steels(40));
    let before = base.members()[0].variables();
    // squared distance of the fine-tuned encoder's trainable weights from the pretrained ones
    let drift = |l2sp: f64| {
        let mut s = settings(12);
        s.train.l2sp = l2sp;
        let m = finetune(data.clone(), Start::From { model: &base, name: "base".into() }, &s, &mut |_| {}).unwrap();
        assert_eq!(m.card().training.as_ref().unwrap().settings.l2sp, l2sp, "the card records the strength");
        let after = m.members()[0].variables();
        let d: f64 = after
            .iter()
            .filter(|(n, t)| n.starts_with("encoder.") && t.requires_grad())
            .map(|(n, t)| (t - &before[n]).square().sum(tch::Kind::Double).double_value(&[]))
            .sum();
        d
    };
    let (free, held) = (drift(0.0), drift(100.0));
    assert!(free > 0.0, "fine-tuning moved nothing");
    assert!(held < 0.25 * free, "L2-SP 100 drifted {held}, not far below the {free} without it");
    let mut s = settings(1);
    s.train.l2sp = -1.0;
    let e = finetune(data, Start::From { model: &base, name: "base".into() }, &s, &mut |_| {}).err().unwrap();
    assert!(e.to_string().contains("l2sp"), "{e}");
}

#[test]
fn early_stopping_restores_the_best_epoch() {
    // Noise targets: the validation loss bottoms out early, then rises as the model memorises.
    let rows: Vec<(String, f64)> =
        synthetic(80).into_iter().enumerate().map(|(i, (f, _))| (f, ((i * 7919) % 13) as f64)).collect();
    let set = set_of(&rows);
    let split =
        super::split::Split::by_group(&set.groups, &super::split::SplitSpec { val_frac: 0.3, test_frac: 0.0, seed: 0 })
            .unwrap();
    let mut set = set;
    set.set_scaling(&split.train);
    tch::manual_seed(0);
    let m = Model::init(super::card::ModelCard::new(tiny(), set.tasks.clone(), vec![]), Device::Cpu).unwrap();
    let prep = Prepared::new(&set, &[], None).unwrap();
    let s = TrainSettings { epochs: 60, batch_size: 8, lr: 1e-2, patience: 8, warmup: 0.0, ..Default::default() };
    let rep = fit(
        &m.net,
        &m.vs,
        &prep,
        &Rows { train: &split.train, val: &split.val },
        &s,
        Mode { encoder: true, heads: true },
        &mut |_| {},
    )
    .unwrap();
    assert!(rep.best_epoch < rep.epochs_run, "{rep:?}");
    let now = prep.eval_loss(&m.net, &split.val, 1024, s.loss);
    assert!((now - rep.best_loss).abs() < 1e-6, "restored weights give {now}, best was {}", rep.best_loss);
    assert!((now - rep.val_losses.last().unwrap()).abs() > 1e-6);
}

#[test]
fn missing_targets_are_masked() {
    let data = synthetic(60);
    let a: Vec<(&str, f64)> = data.iter().map(|(f, y)| (f.as_str(), *y)).collect();
    // second task: NaN on every other row, and a binary label
    let b: Vec<(&str, f64)> = data
        .iter()
        .enumerate()
        .map(|(i, (f, y))| (f.as_str(), if i % 2 == 0 { f64::NAN } else { (*y > 1.0) as u8 as f64 }))
        .collect();
    let set = TrainingSet::build(&[
        source(table("a.csv", &a), "a", KindChoice::Auto),
        source(table("b.csv", &b), "b", KindChoice::Auto),
    ])
    .unwrap();
    assert_eq!(set.reports[1].missing_targets, 30);
    assert!(set.tasks[1].kind.is_classification());
    let mut losses = Vec::new();
    let m = pretrain(set, &settings(2), &mut |p| losses.push((p.epoch.train_loss, p.epoch.val_loss.unwrap()))).unwrap();
    assert!(losses.iter().all(|(t, v)| t.is_finite() && v.is_finite()), "{losses:?}");
    let p = m.predict(&inputs(&["FeNi", "Al"])).unwrap();
    assert!(p.mean.iter().all(|v| v.is_finite()));
    assert!((0.0..=1.0).contains(&p.mean[[0, 1]]), "binary task predicts a probability");
    assert_eq!(p.probabilities[1].as_ref().unwrap().dim(), (2, 2));
}

#[test]
fn task_weights_scale_the_losses_and_each_task_is_reported() {
    // two regression tasks on the same compositions
    let data = synthetic(60);
    let a: Vec<(&str, f64)> = data.iter().map(|(f, y)| (f.as_str(), *y)).collect();
    let b: Vec<(&str, f64)> = data.iter().map(|(f, y)| (f.as_str(), y * y)).collect();
    let set = TrainingSet::build(&[
        source(table("a.csv", &a), "a", KindChoice::Regression),
        source(table("b.csv", &b), "b", KindChoice::Regression),
    ])
    .unwrap();
    let mut s = settings(4);
    s.train.weight_decay = 0.0; // so that a weight-0 head cannot move at all
    s.train.task_weights = vec![1.0, 0.0];
    let mut epochs = Vec::new();
    let m = pretrain(set.clone(), &s, &mut |p| epochs.push(p.epoch.clone())).unwrap();
    // the monitored loss is the weighted sum of the per-task losses, and both are reported
    for e in &epochs {
        assert_eq!(e.val_tasks.len(), 2, "{e:?}");
        let (va, vb) = (e.val_tasks[0].unwrap(), e.val_tasks[1].unwrap());
        assert!(vb > 0.0);
        assert!((e.val_loss.unwrap() - va).abs() < 1e-9, "weight 0 drops b from the sum: {e:?}");
    }
    let rec = m.card().training.as_ref().unwrap();
    assert_eq!(rec.settings.task_weights, vec![1.0, 0.0], "the card records the weights");
    assert_eq!(rec.fit.val_task_losses.len(), rec.fit.epochs_run);
    let best = rec.fit.task_best();
    assert_eq!(best.len(), 2);
    let (e, low) = best[0].unwrap();
    assert!((rec.fit.val_task_losses[e - 1][0].unwrap() - low).abs() < 1e-12);
    assert!(rec.fit.val_task_losses.iter().all(|v| v[0].unwrap() >= low));
    // weight 0: task b's head gets no gradient, so with no weight decay it never moves
    let fresh = {
        let mut s0 = s.clone();
        s0.train.epochs = 1;
        s0.train.lr = 1e-12;
        pretrain(set.clone(), &s0, &mut |_| {}).unwrap()
    };
    let (trained, init) = (m.members()[0].variables(), fresh.members()[0].variables());
    let head_b: Vec<&String> = trained.keys().filter(|n| n.starts_with("heads.1.")).collect();
    assert!(!head_b.is_empty(), "no variables of head 1 among {:?}", trained.keys().collect::<Vec<_>>());
    for n in head_b {
        let d = (&trained[n] - &init[n]).abs().max().double_value(&[]);
        assert!(d < 1e-6, "{n} moved by {d} at weight 0");
    }
    // bad weights are refused, naming the problem
    for (w, msg) in
        [(vec![1.0], "1 task weights for 2 tasks (a, b)"), (vec![-1.0, 1.0], "≥ 0"), (vec![0.0, 0.0], "> 0")]
    {
        let mut bad = settings(1);
        bad.train.task_weights = w;
        let e = pretrain(set.clone(), &bad, &mut |_| {}).err().unwrap();
        assert!(e.to_string().contains(msg), "{e}");
    }
}

#[test]
fn data_policies_duplicates_bad_rows_and_kinds() {
    let rows = [("Fe2O3", 1.0), ("Fe4O6", 3.0), ("Xx2O", 5.0), ("NaCl", f64::NAN), ("NaCl", 4.0), ("Fe2(O3", 1.0)];
    let set = TrainingSet::build(&[source(table("d.csv", &rows), "y", KindChoice::Auto)]).unwrap();
    assert_eq!(set.len(), 2, "Fe2O3 and Fe4O6 are one composition; NaCl once");
    assert_eq!(set.target(0, 0), 2.0, "duplicates are averaged");
    assert_eq!(set.target(1, 0), 4.0);
    let rep = &set.reports[0];
    assert_eq!((rep.rows, rep.used, rep.bad_formulas, rep.missing_targets, rep.duplicates_merged), (6, 3, 2, 1, 1));
    assert_eq!(set.bad_rows.iter().map(|b| b.row).collect::<Vec<_>>(), vec![3, 6]);
    assert!(set.bad_rows[0].reason.contains("Xx"), "{:?}", set.bad_rows[0]);
    let cls = [("Fe", 1.0), ("Ni", 0.0), ("Fe", 1.0), ("Fe", 0.0)];
    let set = TrainingSet::build(&[source(table("c.csv", &cls), "m", KindChoice::Auto)]).unwrap();
    assert_eq!(set.tasks[0].kind, TaskKind::Classification { classes: vec![0.0, 1.0] });
    assert_eq!(set.target(0, 0), 1.0, "majority vote");
    let reg = TrainingSet::build(&[source(table("c.csv", &cls), "m", KindChoice::Regression)]).unwrap();
    assert!(!reg.tasks[0].kind.is_classification());
    let e = TrainingSet::build(&[source(table("r.csv", &[("Fe", 0.5)]), "m", KindChoice::Classification)]).unwrap_err();
    assert!(e.to_string().contains("non-integer"), "{e}");
    let e = TrainingSet::build(&[source(table("n.csv", &[("Fe", f64::NAN)]), "m", KindChoice::Auto)]).unwrap_err();
    assert!(e.to_string().contains("no values"), "{e}");
}

#[test]
fn finetune_with_inputs_and_an_ensemble_gives_a_spread() {
    let data = synthetic(48);
    let mut t = table("p.csv", &data.iter().map(|(f, y)| (f.as_str(), *y)).collect::<Vec<_>>());
    let temp: Vec<Option<f64>> = (0..data.len()).map(|i| Some(300.0 + (i % 5) as f64 * 50.0)).collect();
    for (i, y) in t.targets[0].1.iter_mut().enumerate() {
        *y = y.map(|v| v + temp[i].unwrap() / 100.0);
    }
    t.inputs = vec![("temp".into(), temp)];
    let set = TrainingSet::build(&[source(t, "y", KindChoice::Auto)]).unwrap();
    let mut s = settings(3);
    s.members = 3;
    s.test_frac = 0.2;
    let mut seen = std::collections::BTreeSet::new();
    let mut ens = finetune(set, Start::Scratch, &s, &mut |p| {
        seen.insert(p.member);
    })
    .unwrap();
    assert_eq!(seen.len(), 3);
    assert_eq!(ens.uncertainty_method(), "ensemble");
    assert_eq!(ens.card().uncertainty.as_ref().unwrap().method, "ensemble");
    assert_eq!(ens.input_names(), vec!["temp"]);
    let comps = vec![Composition::parse("FeNi").unwrap(); 2];
    let x = ModelInputs::new(&comps, Some(Array2::from_shape_vec((2, 1), vec![300.0, 500.0]).unwrap()));
    let p = ens.predict(&x).unwrap();
    assert!(p.std.as_ref().unwrap().iter().all(|&s| s > 0.0), "members differ");
    assert!(ens.card().metrics[0].calibration.is_some());
    let dir = tempfile::tempdir().unwrap();
    ens.save(dir.path()).unwrap();
    assert!(dir.path().join("member-2/model.safetensors").is_file());
    let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
    assert!(max_diff(&back.predict(&x).unwrap().mean, &p.mean) < 1e-12);
    let wrong = ModelInputs::new(&comps, None);
    let e = back.predict(&wrong).unwrap_err().to_string();
    assert!(e.contains("temp"), "{e}");
}

#[test]
fn ensemble_members_take_their_learning_rates_in_turn() {
    let set = set_of(&synthetic(40));
    let mut s = settings(2);
    s.members = 3;
    s.member_lrs = vec![1e-3, 1e-2];
    let ens = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let lrs: Vec<f64> = ens.members().iter().map(|m| m.card.training.as_ref().unwrap().settings.lr).collect();
    assert_eq!(lrs, vec![1e-3, 1e-2, 1e-3], "member k uses member_lrs[k % 2], recorded in its card");
    // without member_lrs every member uses train.lr
    s.member_lrs.clear();
    let ens = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    assert!(ens.members().iter().all(|m| m.card.training.as_ref().unwrap().settings.lr == s.train.lr));
    // a bad rate is refused like a bad train.lr
    s.member_lrs = vec![1e-3, 0.0];
    let e = finetune(set, Start::Scratch, &s, &mut |_| {}).err().unwrap();
    assert!(e.to_string().contains("learning rate must be > 0"), "{e}");
}

#[test]
fn gp_on_the_embedding_gives_a_std_and_survives_save_and_load() {
    let data = synthetic(120);
    let set = set_of(&data);
    let mut s = settings(30);
    s.test_frac = 0.2;
    let mut m = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    assert_eq!(m.uncertainty_method(), "none");
    assert!(m.predict(&inputs(&["FeNi"])).unwrap().std.is_none());
    super::fit::attach_embedding_gp(&mut m, &set, &s, false, super::GpMean::Network).unwrap();
    assert_eq!(m.uncertainty_method(), "gp");
    let rec = m.card().uncertainty.as_ref().unwrap().gp.as_ref().unwrap();
    assert_eq!(rec.tasks[0].rows, super::fit::fit_split(&set, &s).unwrap().train.len(), "training rows only");
    assert!(rec.tasks[0].components >= 1 && rec.tasks[0].components <= 10);
    let cal = m.card().metrics[0].calibration.as_ref().expect("held-out calibration with the GP's std");
    assert!(cal.within_2sigma > 0.5, "{cal:?}");
    let x = inputs(&["Fe0.5Ni0.5", "Fe0.2Al0.8", "CuZn", "Cr0.3Ti0.7"]);
    let p = m.predict(&x).unwrap();
    let sd = p.std.clone().unwrap();
    assert!(sd.iter().all(|v| v.is_finite() && *v > 0.0), "{sd:?}");
    // The network's mean by default; the GP's mean on request.
    let net = m.members()[0].predict(&x).unwrap();
    assert_eq!(p.mean, net.mean);
    m.set_gp_mean(super::GpMean::Gp);
    assert!(max_diff(&m.predict(&x).unwrap().mean, &net.mean) > 0.0);
    m.set_gp_mean(super::GpMean::Network);
    // Recalibration on held-out rows: afterwards the mean squared z-score there is exactly 1.
    let split = super::fit::fit_split(&set, &s).unwrap();
    let (xv, yv) = (super::fit::inputs_for(&set, &split.val), super::fit::targets_for(&set, &m, &split.val).unwrap());
    let raw = m.predict(&xv).unwrap();
    let f = m.recalibrate_std(&xv, &yv).unwrap();
    let cal = m.predict(&xv).unwrap();
    let z2 = |p: &super::Predictions| {
        (0..xv.len()).map(|i| ((yv[[i, 0]] - p.mean[[i, 0]]) / p.std.as_ref().unwrap()[[i, 0]]).powi(2)).sum::<f64>()
            / xv.len() as f64
    };
    assert!((z2(&cal) - 1.0).abs() < 1e-9, "{} (factor {f:?})", z2(&cal));
    assert!((z2(&raw).sqrt() - f[0]).abs() < 1e-9);
    let p = m.predict(&x).unwrap();
    let dir = tempfile::tempdir().unwrap();
    m.save(dir.path()).unwrap();
    assert!(dir.path().join("gp.safetensors").is_file());
    let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
    assert_eq!(back.uncertainty_method(), "gp");
    assert_eq!(back.card().uncertainty.as_ref().unwrap().std_scale.as_ref().unwrap().factors, f);
    assert_eq!(back.predict(&x).unwrap(), p, "identical predictions after a reload");
    // A GP file that is not the one the card recorded is refused.
    std::fs::write(dir.path().join("gp.safetensors"), b"junk").unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("gp.safetensors") && e.contains("does not match"), "{e}");
    // Targets of the wrong shape, and too few rows, are clear errors.
    let e = m.fit_embedding_gp(&x, &Array2::zeros((3, 1)), 0).unwrap_err().to_string();
    assert!(e.contains("targets"), "{e}");
    let e = m.fit_embedding_gp(&x, &Array2::from_elem((4, 1), f64::NAN), 0).unwrap_err().to_string();
    assert!(e.contains("at least 3"), "{e}");
}

#[test]
fn linear_probe_trains_a_linear_head_on_a_frozen_encoder() {
    let base = pretrain(set_of(&synthetic(60)), &settings(2), &mut |_| {}).unwrap();
    let mut probe =
        super::fit::linear_probe(set_of(&steels(40)), &base, "base".into(), &settings(3), &mut |_| {}).unwrap();
    let (before, after) = (base.members()[0].variables(), probe.members()[0].variables());
    for (name, t) in &after {
        if name.starts_with("encoder.") {
            assert_eq!(before[name], *t, "{name} changed in a linear probe");
        }
    }
    let head: Vec<&String> = after.keys().filter(|k| k.starts_with("heads.")).collect();
    assert_eq!(head.len(), 2, "one linear layer (weight, bias): {head:?}");
    assert_eq!(after["heads.0.l2.weight"].size(), vec![1, 32]);
    let t = probe.card().training.clone().unwrap();
    assert_eq!((t.stage.as_str(), t.freeze.as_str()), ("linear_probe", "heads"));
    let dir = tempfile::tempdir().unwrap();
    probe.save(dir.path()).unwrap();
    let x = inputs(&["Fe0.7Ni0.2Co0.1"]);
    assert_eq!(
        NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap().predict(&x).unwrap(),
        probe.predict(&x).unwrap()
    );
}

#[test]
fn gp_on_the_embedding_takes_the_processing_inputs_too() {
    let data = synthetic(64);
    let mut t = table("p.csv", &data.iter().map(|(f, y)| (f.as_str(), *y)).collect::<Vec<_>>());
    let temp: Vec<Option<f64>> = (0..data.len()).map(|i| Some(300.0 + (i % 4) as f64 * 100.0)).collect();
    for (i, y) in t.targets[0].1.iter_mut().enumerate() {
        *y = y.map(|v| v + temp[i].unwrap() / 100.0);
    }
    t.inputs = vec![("temp".into(), temp)];
    let set = TrainingSet::build(&[source(t, "y", KindChoice::Auto)]).unwrap();
    let s = settings(10);
    let mut m = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    super::fit::attach_embedding_gp(&mut m, &set, &s, true, super::GpMean::Network).unwrap();
    let rec = m.card().uncertainty.clone().unwrap();
    let g = &rec.gp.as_ref().unwrap().tasks[0];
    assert_eq!((g.inputs, g.embedding_width), (1, 32 + 8), "temp appended; embedding = 2·d_model + branch");
    assert_eq!(g.length_scales.len(), g.components + 1);
    assert!(rec.std_scale.is_some(), "recalibrated on the validation split");
    let comps = vec![Composition::parse("FeNi").unwrap(); 2];
    let x = ModelInputs::new(&comps, Some(Array2::from_shape_vec((2, 1), vec![300.0, 3000.0]).unwrap()));
    let sd = m.predict(&x).unwrap().std.unwrap();
    assert!(sd[[1, 0]] > sd[[0, 0]], "a temperature far outside the data is less certain: {sd:?}");
    let dir = tempfile::tempdir().unwrap();
    m.save(dir.path()).unwrap();
    assert_eq!(NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap().predict(&x).unwrap(), m.predict(&x).unwrap());
}

#[test]
fn architecture_is_read_from_a_sizes_file_or_a_model_card() {
    // A partial mapping: the keys given, the rest default.
    let a = Architecture::from_yaml("d_model: 128\nblocks: 6\nelement_init: learned\n", "big.yaml").unwrap();
    assert_eq!(
        a,
        Architecture { d_model: 128, blocks: 6, element_init: ElementInit::Learned, ..Architecture::default() }
    );
    // A model card: its architecture mapping, not its other keys.
    let card = super::card::ModelCard::new(tiny(), Vec::new(), Vec::new()).to_yaml();
    assert!(card.contains("architecture:") && card.contains("tasks:"), "{card}");
    assert_eq!(Architecture::from_yaml(&card, "card.yaml").unwrap(), tiny());
    // The shipped base's card gives the shipped sizes.
    let base = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/surrogates/base/card.yaml")).unwrap();
    assert_eq!(Architecture::from_yaml(&base, "base").unwrap(), Architecture::default());
    // Refusals name the file, the key and the reason.
    let err = |y: &str| Architecture::from_yaml(y, "arch.yaml").unwrap_err().to_string();
    let e = err("d_modle: 128\n");
    assert!(e.contains("arch.yaml") && e.contains("unknown key 'd_modle'") && e.contains("d_model"), "{e}");
    let e = err("heads: four\n");
    assert!(e.contains("arch.yaml") && e.contains("heads:") && e.contains("invalid type"), "{e}");
    let e = err("d_model: 64\nheads: 5\n");
    assert!(e.contains("arch.yaml") && e.contains("divisible by heads 5"), "{e}");
    let e = err("- 64\n- 4\n");
    assert!(e.contains("expected a mapping of sizes"), "{e}");
    let e = err("d_model: [\n");
    assert!(e.contains("not YAML"), "{e}");
}

#[test]
fn an_ensemble_splits_into_its_members_with_their_own_predictions() {
    let mut s = settings(2);
    s.members = 3;
    let ens = finetune(set_of(&steels(40)), Start::Scratch, &s, &mut |_| {}).unwrap();
    let x = inputs(&["Fe0.7Ni0.2Cr0.1", "Fe0.9C0.1", "Fe0.6Co0.3Mo0.1"]);
    let together = ens.predict(&x).unwrap();
    let seeds: Vec<u64> = ens.members().iter().map(|m| m.card().training.as_ref().unwrap().settings.seed).collect();
    let parts = ens.into_members();
    assert_eq!(parts.len(), 3);
    let mut sum = ndarray::Array2::<f64>::zeros(together.mean.raw_dim());
    for (p, seed) in parts.iter().zip(&seeds) {
        assert_eq!(p.members().len(), 1, "each part is a single model");
        assert_eq!(p.card().training.as_ref().unwrap().settings.seed, *seed, "with its own card");
        let one = p.predict(&x).unwrap();
        assert!(one.std.is_none(), "a single model states no spread");
        sum += &one.mean;
    }
    for (a, b) in (sum / 3.0).iter().zip(together.mean.iter()) {
        assert!((a - b).abs() < 1e-9 * b.abs().max(1.0), "the members' mean is the ensemble's: {a} vs {b}");
    }
}

#[test]
fn ensemble_members_can_early_stop_on_their_own_validation_parts() {
    let set = set_of(&synthetic(40));
    let mut s = settings(2);
    s.members = 3;
    let shared = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    s.rotate_val = true;
    let rotated = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let rec = |m: &Model| m.card.training.clone().unwrap();
    let parts: Vec<Option<usize>> = rotated.members().iter().map(|m| rec(m).val_part).collect();
    assert_eq!(parts, vec![Some(0), Some(1), Some(2)], "each member records its part");
    assert!(shared.members().iter().all(|m| rec(m).val_part.is_none()));
    for (a, b) in shared.members().iter().zip(rotated.members()) {
        assert_eq!((rec(a).train_rows, rec(a).val_rows), (rec(b).train_rows, rec(b).val_rows));
    }
    // member 0 keeps the plain split, so it is the same network; the others saw other rows
    let x = inputs(&["Fe2Ni", "NiAl", "Fe3Al"]);
    let p = |m: &Model| m.predict(&x).unwrap().mean;
    assert!(max_diff(&p(&shared.members()[0]), &p(&rotated.members()[0])) < 1e-12);
    for k in 1..3 {
        assert!(max_diff(&p(&shared.members()[k]), &p(&rotated.members()[k])) > 1e-6, "member {k}");
        let (a, b) = (rec(&shared.members()[k]).fit, rec(&rotated.members()[k]).fit);
        assert_ne!(a.val_losses, b.val_losses, "member {k} early-stopped on other rows");
    }
    // recalibration uses every member's part, each row against the member that held it out
    let mut rotated = rotated;
    let f = super::fit::recalibrate_on_validation(&mut rotated, &set, &s).unwrap();
    let spec = super::split::SplitSpec { val_frac: s.val_frac, test_frac: s.test_frac, seed: s.train.seed };
    let parts: Vec<Vec<usize>> =
        (0..3).map(|k| super::split::Split::rotated(&set.groups, &spec, k).unwrap().val).collect();
    let rows = rotated.card().uncertainty.as_ref().unwrap().std_scale.as_ref().unwrap().rows[0];
    assert_eq!(rows, parts.iter().map(Vec::len).sum::<usize>(), "calibrated on all three parts");
    let mut z2 = Vec::new();
    for (k, part) in parts.iter().enumerate() {
        let x = super::fit::inputs_for(&set, part);
        let own = rotated.members()[k].predict(&x).unwrap().mean;
        let std = rotated.predict(&x).unwrap().std.unwrap();
        for (i, &r) in part.iter().enumerate() {
            z2.push(((set.target(r, 0) - own[[i, 0]]) / (std[[i, 0]] / f[0])).powi(2));
        }
    }
    let want = (z2.iter().sum::<f64>() / z2.len() as f64).sqrt();
    assert!((f[0] - want).abs() < 1e-9 * want, "factor {} against {want}", f[0]);
    // the comparison baselines retrain the same way, and a single model ignores the setting
    let back = super::compare::settings_from_card(rotated.card(), Device::Cpu).unwrap();
    assert!(back.rotate_val);
    s.members = 1;
    let single = finetune(set, Start::Scratch, &s, &mut |_| {}).unwrap();
    assert_eq!(rec(&single.members()[0]).val_part, None);
}

#[test]
fn ensemble_members_can_take_their_means_from_their_own_gps() {
    let set = set_of(&synthetic(40));
    let mut s = settings(3);
    s.members = 3;
    s.rotate_val = true;
    let mut ens = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let x = inputs(&["Fe2Ni", "NiAl", "Fe3Al", "FeAl"]);
    let net = ens.member_means(&x).unwrap();
    super::fit::attach_member_gps(&mut ens, &set, &s, true).unwrap();
    assert_eq!(ens.uncertainty_method(), "ensemble");
    assert!(ens.card().uncertainty.as_ref().unwrap().member_gp_mean);
    let own = ens.member_means(&x).unwrap();
    let p = ens.predict(&x).unwrap();
    let avg = (&own[0] + &own[1] + &own[2]) / 3.0;
    assert!(max_diff(&p.mean, &avg) < 1e-12, "the mean averages the members' GP means");
    assert!(p.std.as_ref().unwrap().iter().all(|&v| v > 0.0));
    let spec = super::split::SplitSpec { val_frac: s.val_frac, test_frac: s.test_frac, seed: s.train.seed };
    // each member's GP was fitted on the rows that member trained on: refitting member k's GP
    // on its own part's training rows gives the same means
    let dir = tempfile::tempdir().unwrap();
    ens.save(dir.path()).unwrap();
    assert!(dir.path().join("member-2/gp.safetensors").is_file());
    let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
    assert!(max_diff(&back.predict(&x).unwrap().mean, &p.mean) < 1e-12, "save and load keep the GPs");
    for (k, mut m) in back.into_members().into_iter().enumerate() {
        assert!(max_diff(&own[k], &net[k]) > 1e-6, "member {k}'s GP moved its mean");
        assert!(max_diff(&m.predict(&x).unwrap().mean, &own[k]) < 1e-12, "member {k} alone keeps its GP mean");
        let rows = super::split::Split::rotated(&set.groups, &spec, k).unwrap().train;
        let t = super::fit::targets_for(&set, &m, &rows).unwrap();
        m.gp = None;
        m.fit_embedding_gp(&super::fit::inputs_for(&set, &rows), &t, s.train.seed).unwrap();
        m.set_gp_mean(super::GpMean::Gp);
        assert!(max_diff(&m.predict(&x).unwrap().mean, &own[k]) < 1e-9, "member {k} fitted on its own rows");
    }
    // a member's GP file gone is a clear error naming it
    std::fs::remove_file(dir.path().join("member-1/gp.safetensors")).unwrap();
    let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
    assert!(e.contains("member-1") && e.contains("gp.safetensors"), "{e}");
    // a single network has no members to give GPs to, and one GP per model or per member
    s.members = 1;
    let mut single = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let e = super::fit::attach_member_gps(&mut single, &set, &s, false).unwrap_err().to_string();
    assert!(e.contains("need an ensemble"), "{e}");
    let mut again = NeuralSurrogate::load(dir.path().join("member-0").as_path(), Device::Cpu).unwrap();
    assert_eq!(again.uncertainty_method(), "gp", "a member directory is itself a GP-mean model");
    again.gp = None;
}

#[test]
fn comparison_baselines_state_their_uncertainty_as_the_fine_tuned_model_does() {
    use super::compare::{describe_uncertainty, retrain_baselines};
    use super::fit::{attach_embedding_gp, attach_member_gps};
    use super::GpMean;
    let data = set_of(&synthetic(60));
    let mut s = settings(3);
    let base = finetune(data.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let from = || Start::From { model: &base, name: "base".into() };
    let x = inputs(&["Fe2Ni", "NiAl", "Fe3Al", "FeAl"]);
    // as `crucible evaluate` does: the model as saved (its card lists its members)
    let dir = tempfile::tempdir().unwrap();
    let saved = |m: &mut NeuralSurrogate, name: &str| {
        m.save(&dir.path().join(name)).unwrap();
        NeuralSurrogate::load(&dir.path().join(name), Device::Cpu).unwrap()
    };
    // an ensemble whose members take their means from their own GPs, std recalibrated
    s.members = 2;
    let mut ens = finetune(data.clone(), from(), &s, &mut |_| {}).unwrap();
    assert_eq!(describe_uncertainty(saved(&mut ens, "plain").card()), Some("an ensemble of 2".into()));
    attach_member_gps(&mut ens, &data, &s, true).unwrap();
    let ens = saved(&mut ens, "ens");
    let b = retrain_baselines(ens.card(), &data, Some(&base), Device::Cpu, &mut |_, _| {}).unwrap();
    let u = b.scratch.card().uncertainty.clone().unwrap();
    assert!(u.member_gp_mean && u.std_scale.is_some(), "{u:?}");
    let means = b.scratch.member_means(&x).unwrap();
    let avg = (&means[0] + &means[1]) / 2.0;
    assert!(max_diff(&avg, &b.scratch.predict(&x).unwrap().mean) < 1e-9, "scratch's mean is its GPs' mean");
    let p = b.probe.unwrap();
    let u = p.card().uncertainty.clone().unwrap();
    assert!(!u.member_gp_mean && u.std_scale.is_some(), "the probe keeps its heads' mean: {u:?}");
    assert!(describe_uncertainty(ens.card()).unwrap().contains("each member's mean from its own GP"));
    // a single network with a GP on its embedding that gives the mean too
    s.members = 1;
    let mut gp = saved(&mut finetune(data.clone(), from(), &s, &mut |_| {}).unwrap(), "single");
    assert_eq!(describe_uncertainty(gp.card()), None);
    let b = retrain_baselines(gp.card(), &data, Some(&base), Device::Cpu, &mut |_, _| {}).unwrap();
    assert!(b.scratch.card().uncertainty.is_none() && b.probe.unwrap().card().uncertainty.is_none());
    attach_embedding_gp(&mut gp, &data, &s, true, GpMean::Gp).unwrap();
    let b = retrain_baselines(gp.card(), &data, Some(&base), Device::Cpu, &mut |_, _| {}).unwrap();
    let g = |m: &NeuralSurrogate| m.card().uncertainty.clone().unwrap().gp.unwrap().mean;
    assert_eq!(g(&b.scratch), GpMean::Gp);
    assert_eq!(g(b.probe.as_ref().unwrap()), GpMean::Network);
    assert!(b.scratch.card().uncertainty.as_ref().unwrap().std_scale.is_some());
}
