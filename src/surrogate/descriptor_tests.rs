//! Tests of the descriptor branch on tiny models and small data.
use tch::Device;

use super::descriptors::{DescriptorSet, DescriptorSettings, DescriptorSpec};
use super::fit::{attach_embedding_gp, finetune, fit_split, pretrain, Freeze, Start};
use super::model::NeuralSurrogate;
use super::tests::{inputs, max_diff, set_of, settings, steels, synthetic};

fn with(set: DescriptorSet) -> DescriptorSettings {
    DescriptorSettings { set, hidden: 8, dropout: 0.1 }
}

#[test]
fn descriptor_branch_survives_save_and_load_single_gp_and_ensemble() {
    let data = synthetic(60);
    let x = inputs(&["Fe0.5Ni0.5", "Al2O3", "CuZn", "Fe", "Fe0.9Pu0.1"]);
    for (set, members) in [(DescriptorSet::Magpie, 1), (DescriptorSet::MagpieFractions, 2)] {
        let mut s = settings(4);
        s.descriptors = with(set);
        s.members = members;
        let train = set_of(&data);
        let mut m = finetune(train.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
        if members == 1 {
            attach_embedding_gp(&mut m, &train, &s, true, super::GpMean::Network).unwrap();
        }
        let spec = m.card().descriptors.clone().expect("the card records the branch");
        assert_eq!(spec.set, set);
        let n_magpie = 133;
        let train_elements = train.compositions.elements_in(&fit_split(&train, &s).unwrap().train).len();
        let fractions = if set == DescriptorSet::MagpieFractions { train_elements } else { 0 };
        assert_eq!(spec.len(), n_magpie + fractions, "Magpie features (+ one fraction per training element)");
        let vars = m.members()[0].variables();
        assert_eq!(vars["descriptors.l1.weight"].size(), vec![8, spec.len() as i64]);
        let z = m.embed(&x).unwrap();
        assert_eq!(z.ncols(), 2 * 16 + 8, "composition embedding + descriptor branch");
        let p = m.predict(&x).unwrap();
        assert!(p.mean.iter().all(|v| v.is_finite()), "an element outside Magpie's vocabulary still predicts");
        assert!(p.std.as_ref().unwrap().iter().all(|v| v.is_finite() && *v > 0.0));
        let dir = tempfile::tempdir().unwrap();
        m.save(dir.path()).unwrap();
        let card =
            std::fs::read_to_string(dir.path().join(if members == 1 { "card.yaml" } else { "member-0/card.yaml" }))
                .unwrap();
        assert!(card.contains("descriptors:") && card.contains("mean_Number"), "{card}");
        let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
        assert_eq!(back.card().descriptors, m.card().descriptors);
        assert_eq!(back.predict(&x).unwrap(), p, "{set}: identical predictions after a reload");
        // The branch is part of the weights: a card without it does not fit them.
        let path = dir.path().join(if members == 1 { "card.yaml" } else { "member-0/card.yaml" });
        let mut c = super::card::ModelCard::read(&path).unwrap();
        c.descriptors = None;
        std::fs::write(&path, c.to_yaml()).unwrap();
        let e = NeuralSurrogate::load(dir.path(), Device::Cpu).err().unwrap().to_string();
        assert!(e.contains("unexpected tensors") && e.contains("descriptors.l1.weight"), "{e}");
    }
}

#[test]
fn descriptor_scaling_comes_from_the_training_split_only() {
    let set = set_of(&steels(40));
    let mut s = settings(1);
    s.val_frac = 0.2;
    s.test_frac = 0.2;
    s.descriptors = with(DescriptorSet::MagpieFractions);
    let m = finetune(set.clone(), Start::Scratch, &s, &mut |_| {}).unwrap();
    let got = m.card().descriptors.clone().unwrap();
    let split = fit_split(&set, &s).unwrap();
    let want = DescriptorSpec::fit(&s.descriptors, &set.compositions, &split.train).unwrap().unwrap();
    assert_eq!(got, want, "statistics of the training split");
    let all: Vec<usize> = (0..set.len()).collect();
    let everything = DescriptorSpec::fit(&s.descriptors, &set.compositions, &all).unwrap().unwrap();
    assert_ne!(got.columns, everything.columns, "validation and test rows must not move the statistics");
    let held_out_only: Vec<&str> = {
        let train = set.compositions.elements_in(&split.train);
        set.compositions
            .elements_in(&all)
            .into_iter()
            .filter(|e| !train.contains(e))
            .map(|e| crate::chem::ELEMENTS[e])
            .collect()
    };
    for e in held_out_only {
        assert!(!got.columns.iter().any(|c| c.name == format!("x_{e}")), "x_{e} comes from held-out rows only");
    }
}

#[test]
fn finetune_with_descriptors_from_a_checkpoint_without_them() {
    let base = pretrain(set_of(&synthetic(60)), &settings(3), &mut |_| {}).unwrap();
    assert!(base.card().descriptors.is_none());
    let mut s = settings(5);
    s.freeze = Freeze::Heads;
    s.descriptors = with(DescriptorSet::Fractions);
    let data = steels(40);
    let mut m = finetune(set_of(&data), Start::From { model: &base, name: "base".into() }, &s, &mut |_| {}).unwrap();
    let before = base.members()[0].variables();
    let after = m.members()[0].variables();
    for (name, t) in &after {
        match name.strip_prefix("encoder.") {
            Some(_) => assert!(before[name].equal(t), "{name}: copied from the checkpoint and frozen"),
            None => assert!(t.requires_grad(), "{name}: the branches and heads train"),
        }
    }
    assert!(after.keys().any(|k| k.starts_with("descriptors.")));
    let x = inputs(&[&data[0].0, &data[1].0, "Fe0.9Ni0.1"]);
    let p = m.predict(&x).unwrap();
    assert!(p.mean.iter().all(|v| v.is_finite()));
    // The branch learns: the loss falls while the encoder stays frozen.
    let rec = m.card().training.clone().unwrap();
    assert!(rec.fit.train_losses.last().unwrap() < &rec.fit.train_losses[0], "{:?}", rec.fit.train_losses);
    let dir = tempfile::tempdir().unwrap();
    m.save(dir.path()).unwrap();
    let back = NeuralSurrogate::load(dir.path(), Device::Cpu).unwrap();
    assert!(max_diff(&back.predict(&x).unwrap().mean, &p.mean) == 0.0);
    // The evaluate comparison retrains from scratch with the same branch.
    let cmp = super::compare::settings_from_card(back.card(), Device::Cpu).unwrap();
    assert_eq!(cmp.descriptors.set, DescriptorSet::Fractions);
}

#[test]
fn unknown_descriptor_set_and_bad_width_are_errors() {
    let e = "magpies".parse::<DescriptorSet>().unwrap_err().to_string();
    assert!(e.contains("descriptors 'magpies'") && e.contains("magpie"), "{e}");
    let mut s = settings(1);
    s.descriptors = DescriptorSettings { set: DescriptorSet::Magpie, hidden: 0, dropout: 0.1 };
    let e = finetune(set_of(&synthetic(20)), Start::Scratch, &s, &mut |_| {}).err().unwrap().to_string();
    assert!(e.contains("descriptor branch"), "{e}");
}
