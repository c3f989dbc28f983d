//! The surrogate commands end to end on small data: the GP on the embedding through
//! finetune → predict → evaluate, and evaluate's calibration and side-by-side comparison.
use std::path::Path;

use crate::*;

/// A learnable table: binary Fe–Ni–Co–Cr alloys, y smooth in the fractions, plus one NaN row.
fn alloys(dir: &Path, n: usize) -> String {
    let mut csv = String::from("formula,y\n");
    let els = ["Ni", "Co", "Cr", "Mn"];
    for i in 0..n {
        let x = 0.05 + 0.9 * ((i * 37) % n) as f64 / n as f64;
        let e = els[i % els.len()];
        let y = 3.0 * x + (i % els.len()) as f64 * 0.5 + (5.0 * x).sin();
        csv.push_str(&format!("Fe{x:.4}{e}{:.4},{y:.4}\n", 1.0 - x));
    }
    csv.push_str("FeNi,NaN\n");
    write(dir, "alloys.csv", &csv).display().to_string()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = crucible(dir, args);
    let t = text(&o);
    assert!(o.status.success(), "{args:?}: {t}");
    t
}

#[test]
fn finetune_with_a_gp_on_the_embedding_predicts_and_evaluates_a_std() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = alloys(d, 200);
    let fast = ["--epochs", "4", "--batch-size", "32", "--threads", "1", "--seed", "3"];
    let mut args = vec!["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out", "m"];
    args.extend(["--uncertainty", "gp"]);
    args.extend(fast);
    let t = ok(d, &args);
    assert!(t.contains("uncertainty gp") && t.contains("GP on the embedding for 'y'"), "{t}");
    assert!(t.contains("std recalibrated on"), "{t}");
    assert!(d.join("m/gp.safetensors").is_file());
    let card = std::fs::read_to_string(d.join("m/card.yaml")).unwrap();
    assert!(card.contains("method: gp") && card.contains("std_scale:") && card.contains("calibration:"), "{card}");
    let t = ok(d, &["predict", "--model", "m", "--data", &data, "--out", "p.csv"]);
    assert!(t.contains("GP on the embedding"), "{t}");
    let out = std::fs::read_to_string(d.join("p.csv")).unwrap();
    let header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "y_std").unwrap();
    for line in out.lines().skip(1).take(200) {
        let sd: f64 = line.split(',').nth(col).unwrap().parse().unwrap();
        assert!(sd > 0.0 && sd.is_finite(), "{line}");
    }
    assert!(t.contains("streamed in chunks"), "{t}");
    // The table path (taken when the input already has an output column) gives the same numbers.
    let text_in = std::fs::read_to_string(&data).unwrap();
    let with_col: Vec<String> = text_in
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { format!("{l},y_mean") } else { format!("{l},") })
        .collect();
    write(d, "again.csv", &(with_col.join("\n") + "\n"));
    let t = ok(d, &["predict", "--model", "m", "--data", "again.csv", "--out", "q.csv"]);
    assert!(!t.contains("streamed"), "{t}");
    let column = |file: &str, name: &str| -> Vec<Option<f64>> {
        let body = std::fs::read_to_string(d.join(file)).unwrap();
        let mut lines = body.lines();
        let c = lines.next().unwrap().split(',').position(|h| h == name).unwrap();
        lines.map(|l| l.split(',').nth(c).and_then(|v| v.parse().ok())).collect()
    };
    for name in ["y_mean", "y_std"] {
        let (a, b) = (column("p.csv", name), column("q.csv", name));
        assert_eq!(a.len(), 201);
        for (x, y) in a.iter().zip(&b) {
            match (x, y) {
                (Some(x), Some(y)) => assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{name}: {x} vs {y}"),
                _ => assert_eq!(x.is_some(), y.is_some(), "{name}"),
            }
        }
    }
    let t = ok(d, &["evaluate", "--model", "m", "--data", &data, "--target", "y"]);
    assert!(t.contains("calibration (GP on the embedding): NLL"), "{t}");
    assert!(t.contains("trained from scratch: there is no pretrained encoder"), "{t}");
    // One method at a time.
    let mut both = args.clone();
    both[8] = "m2";
    both.extend(["--ensemble", "3"]);
    let o = crucible(d, &both);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("choose one method"), "{}", text(&o));
    // --gp-mean gp: the same network and GP, the mean taken from the GP
    let mut gpm = args.clone();
    gpm[8] = "m3";
    gpm.extend(["--gp-mean", "gp"]);
    ok(d, &gpm);
    let card = std::fs::read_to_string(d.join("m3/card.yaml")).unwrap();
    assert!(card.contains("mean: gp"), "{card}");
    ok(d, &["predict", "--model", "m3", "--data", &data, "--out", "g.csv"]);
    let (net, gpmean) = (column("p.csv", "y_mean"), column("g.csv", "y_mean"));
    let moved = net.iter().zip(&gpmean).filter(|(a, b)| matches!((a, b), (Some(a), Some(b)) if (a - b).abs() > 1e-6));
    assert!(moved.count() > 100, "the GP's mean replaces the network's");
    // the same GP std, scaled by a calibration factor fitted to the GP mean's residuals
    let (a, b) = (column("p.csv", "y_std"), column("g.csv", "y_std"));
    let ratios: Vec<f64> = a.iter().zip(&b).filter_map(|(x, y)| Some(y.as_ref()? / x.as_ref()?)).collect();
    assert!(ratios.len() > 100 && ratios.iter().all(|r| (r - ratios[0]).abs() < 1e-6 * ratios[0]), "{ratios:?}");
    let mut no_gp = vec!["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out", "m4"];
    no_gp.extend(["--ensemble", "1", "--gp-mean", "gp"]);
    let o = crucible(d, &no_gp);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--gp-mean gp needs --uncertainty gp or an ensemble"), "{}", text(&o));
    // with an ensemble, every member takes its mean from its own GP; the std is their spread
    let mut ens = vec!["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out", "m5"];
    ens.extend(["--ensemble", "2", "--gp-mean", "gp"]);
    ens.extend(fast);
    let t = ok(d, &ens);
    assert!(t.contains("GP mean per member: each of the 2 members"), "{t}");
    assert!(t.contains("std recalibrated on"), "{t}");
    assert!(d.join("m5/member-1/gp.safetensors").is_file() && !d.join("m5/gp.safetensors").exists());
    let card = std::fs::read_to_string(d.join("m5/card.yaml")).unwrap();
    assert!(card.contains("method: ensemble") && card.contains("member_gp_mean: true"), "{card}");
    let t = ok(d, &["predict", "--model", "m5", "--data", &data, "--out", "e.csv"]);
    assert!(!t.contains("GP on the embedding"), "{t}");
    let (mean, std) = (column("e.csv", "y_mean"), column("e.csv", "y_std"));
    assert!(mean.iter().zip(&std).all(|(m, s)| m.is_some() && s.is_some_and(|s| s > 0.0)));
    let t = ok(d, &["evaluate", "--model", "m5", "--data", &data, "--target", "y"]);
    assert!(t.contains("calibration (ensemble of 2 members"), "{t}");
}

#[test]
fn evaluate_compares_a_fine_tuned_model_with_a_probe_and_scratch() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = alloys(d, 160);
    let tiny = ["--d-model", "16", "--heads", "2", "--blocks", "1", "--ff-dim", "32", "--head-hidden", "16"];
    let spec = format!("{data}:y");
    let mut pre = vec!["pretrain", "--data", &spec, "--out", "base", "--epochs", "2", "--threads", "1"];
    pre.extend(tiny);
    ok(d, &pre);
    let base = d.join("base").display().to_string();
    let mut ft = vec!["finetune", "--from", &base, "--data", &data, "--target", "y", "--out", "ft"];
    ft.extend(["--epochs", "3", "--threads", "1", "--ensemble", "2", "--test-frac", "0.2", "--freeze", "top_k:1"]);
    ok(d, &ft);
    // members train on the same rows by default; --rotate-validation gives each its own
    // validation part, --bootstrap a resample
    let member_card = |dir: &str| std::fs::read_to_string(d.join(dir).join("member-1").join("card.yaml")).unwrap();
    assert!(!member_card("ft").contains("bootstrap:"), "{}", member_card("ft"));
    assert!(!member_card("ft").contains("val_part"), "{}", member_card("ft"));
    let mut rotated = ft.clone();
    rotated[8] = "ft-rotated";
    rotated.push("--rotate-validation");
    let t = ok(d, &rotated);
    assert!(member_card("ft-rotated").contains("val_part: 1"), "{}", member_card("ft-rotated"));
    assert!(t.contains("std recalibrated on"), "{t}");
    let mut boot = ft.clone();
    boot[8] = "ft-boot";
    boot.push("--bootstrap");
    ok(d, &boot);
    assert!(member_card("ft-boot").contains("bootstrap: 1"), "{}", member_card("ft-boot"));
    assert!(!member_card("ft-boot").contains("val_part"), "{}", member_card("ft-boot"));
    let t = ok(d, &["evaluate", "--model", "ft", "--data", &data, "--target", "y"]);
    assert!(t.contains("calibration (ensemble of 2 members): NLL"), "{t}");
    assert!(t.contains("(a) linear probe: the encoder of") && t.contains("(b) from scratch"), "{t}");
    // like for like: the baselines' std is recalibrated as this model's is
    let recipe = "both with this model's uncertainty: an ensemble of 2, std recalibrated on the validation split";
    assert!(t.contains(recipe), "{t}");
    assert!(t.contains("side by side on the same 160 rows"), "{t}");
    // the evaluated file is the training file: the overlap is said, not hidden
    assert!(t.contains("are compositions in that training/validation split"), "{t}");
    let lines: Vec<&str> = t
        .lines()
        .filter(|l| l.contains("fine-tuned from") || l.contains("linear probe (") || l.contains("from scratch ("))
        .collect();
    assert_eq!(lines.len(), 3, "{t}");
    for l in &lines {
        let after_name = l.split(')').nth(1).unwrap();
        let mae: f64 = after_name.split_whitespace().next().unwrap().parse().unwrap_or_else(|_| panic!("{l}"));
        assert!(mae.is_finite() && mae > 0.0, "{l}");
    }
    let t = ok(d, &["evaluate", "--model", "ft", "--data", &data, "--target", "y", "--no-compare"]);
    assert!(!t.contains("side by side"), "{t}");
    // classification: the comparison reports accuracy, macro F1 and ROC-AUC per model
    let body = std::fs::read_to_string(&data).unwrap();
    let cls: Vec<String> = body
        .lines()
        .enumerate()
        .map(|(i, l)| match (i, l.rsplit_once(',')) {
            (0, _) => "formula,hard".to_string(),
            (_, Some((f, y))) => {
                format!("{f},{}", y.parse::<f64>().map_or(String::new(), |v| ((v > 2.5) as u8).to_string()))
            }
            _ => unreachable!(),
        })
        .collect();
    let cdata = write(d, "cls.csv", &(cls.join("\n") + "\n")).display().to_string();
    let mut fc = vec!["finetune", "--from", &base, "--data", &cdata, "--target", "hard", "--out", "fc"];
    fc.extend(["--epochs", "2", "--threads", "1", "--test-frac", "0.2"]);
    ok(d, &fc);
    let t = ok(d, &["evaluate", "--model", "fc", "--data", &cdata, "--target", "hard"]);
    assert!(t.contains("accuracy") && t.contains("macro F1") && t.contains("ROC-AUC"), "{t}");
    assert!(t.contains("linear probe (frozen encoder, linear head)") && t.contains("from scratch (same"), "{t}");
}

#[test]
fn finetune_with_a_descriptor_branch_predicts_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = alloys(d, 120);
    let tiny = ["--d-model", "16", "--heads", "2", "--blocks", "1", "--ff-dim", "32", "--head-hidden", "16"];
    let spec = format!("{data}:y");
    let mut pre = vec!["pretrain", "--data", &spec, "--out", "base", "--epochs", "1", "--threads", "1"];
    pre.extend(tiny);
    ok(d, &pre);
    let base = d.join("base").display().to_string();
    let mut ft = vec!["finetune", "--from", &base, "--data", &data, "--target", "y", "--out", "ft"];
    ft.extend(["--epochs", "3", "--threads", "1", "--test-frac", "0.2", "--uncertainty", "gp"]);
    ft.extend(["--descriptors", "magpie+fractions"]);
    let t = ok(d, &ft);
    assert!(t.contains("descriptors magpie+fractions"), "{t}");
    let card = std::fs::read_to_string(d.join("ft/card.yaml")).unwrap();
    assert!(card.contains("set: magpie+fractions") && card.contains("name: x_Fe"), "{card}");
    // Per-command learning-rate defaults: 3e-3 to fine-tune, 1e-3 to pretrain.
    assert!(card.contains("lr: 0.003"), "{card}");
    let base_card = std::fs::read_to_string(d.join("base/card.yaml")).unwrap();
    assert!(base_card.contains("lr: 0.001"), "{base_card}");
    ok(d, &["predict", "--model", "ft", "--data", &data, "--out", "p.csv"]);
    let out = std::fs::read_to_string(d.join("p.csv")).unwrap();
    assert_eq!(out.lines().count(), 122, "header + every row");
    let t = ok(d, &["evaluate", "--model", "ft", "--data", &data, "--target", "y"]);
    assert!(t.contains("with the same magpie+fractions descriptor branch"), "{t}");
    assert!(t.contains("calibration (GP on the embedding): NLL"), "{t}");
    // An unknown descriptor set is refused, naming the flag.
    ft[8] = "bad";
    *ft.last_mut().unwrap() = "magpi";
    let o = crucible(d, &ft);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--descriptors") && text(&o).contains("descriptors 'magpi'"), "{}", text(&o));
}

#[test]
fn pretrain_weights_tasks_and_reports_each_tasks_validation_loss() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = alloys(d, 120);
    // a second, smaller task on the first 40 rows: a 0/1 label
    let body = std::fs::read_to_string(&data).unwrap();
    let cls: Vec<String> = body
        .lines()
        .take(41)
        .enumerate()
        .map(|(i, l)| match (i, l.rsplit_once(',')) {
            (0, _) => "formula,target".to_string(),
            (_, Some((f, y))) => format!("{f},{}", (y.parse::<f64>().unwrap() > 2.5) as u8),
            _ => unreachable!(),
        })
        .collect();
    let small = write(d, "small.csv", &(cls.join("\n") + "\n")).display().to_string();
    let spec = format!("{data}:y");
    let tiny = ["--d-model", "16", "--heads", "2", "--blocks", "1", "--ff-dim", "32", "--head-hidden", "16"];
    let mut pre = vec!["pretrain", "--data", &spec, &small, "--out", "base", "--epochs", "3", "--threads", "1"];
    pre.extend(tiny);
    pre.extend(["--task-weight", "small=0.25"]);
    let t = ok(d, &pre);
    assert!(t.contains("validation loss per task at the kept epoch"), "{t}");
    for task in ["y", "small"] {
        assert!(t.lines().any(|l| l.starts_with(&format!("  {task} ")) && l.contains(", epoch ")), "{task}: {t}");
    }
    let card = std::fs::read_to_string(d.join("base/card.yaml")).unwrap();
    assert!(card.contains("task_weights:") && card.contains("- 0.25"), "{card}");
    assert!(card.contains("val_task_losses:"), "{card}");
    // a name that is not a task, and a negative weight, are refused before any training
    for (w, msg) in [("smal=1", "no task 'smal' (tasks: y, small)"), ("small=-1", "must be a number ≥ 0")] {
        *pre.last_mut().unwrap() = w;
        let o = crucible(d, &pre);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        assert!(text(&o).contains(msg), "{w}: {}", text(&o));
        assert!(!text(&o).contains("epoch "), "{w}: trained before refusing: {}", text(&o));
    }
}

#[test]
fn network_sizes_come_from_a_yaml_file_with_flags_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = alloys(d, 80);
    let spec = format!("{data}:y");
    write(d, "arch.yaml", "# sizes\nd_model: 16\nheads: 2\nblocks: 1\nff_dim: 32\nhead_hidden: 16\n");
    let quick = ["--epochs", "1", "--threads", "1"];
    let mut pre = vec!["pretrain", "--data", &spec, "--out", "base", "--architecture", "arch.yaml", "--blocks", "2"];
    pre.extend(quick);
    let t = ok(d, &pre);
    assert!(t.contains("d_model 16, 2 blocks, 2 heads"), "{t}");
    let card = std::fs::read_to_string(d.join("base/card.yaml")).unwrap();
    assert!(card.contains("d_model: 16") && card.contains("blocks: 2") && card.contains("ff_dim: 32"), "{card}");
    // A model card is a sizes file too: the same architecture again.
    pre[4] = "again";
    pre[6] = "base/card.yaml";
    pre.truncate(7);
    pre.extend(quick);
    let t = ok(d, &pre);
    assert!(t.contains("d_model 16, 2 blocks, 2 heads"), "{t}");
    // From scratch, finetune reads the same file; a checkpoint brings its own sizes.
    let mut ft = vec!["finetune", "--from", "scratch", "--data", &data, "--target", "y", "--out", "s"];
    ft.extend(["--architecture", "arch.yaml"]);
    ft.extend(quick);
    let t = ok(d, &ft);
    // by default, a deep ensemble of 5 with a recalibrated std
    assert!(t.contains("5 member(s), uncertainty ensemble") && t.contains("std recalibrated on"), "{t}");
    assert!(d.join("s/member-4/model.safetensors").is_file() && !d.join("s/member-5").exists());
    let card = std::fs::read_to_string(d.join("s/card.yaml")).unwrap();
    assert!(card.contains("d_model: 16") && card.contains("blocks: 1") && card.contains("from: scratch"), "{card}");
    assert!(card.contains("method: ensemble") && card.contains("std_scale:"), "{card}");
    // --ensemble 1: a single network, without a std
    let mut one = ft.clone();
    one[8] = "one";
    one.extend(["--ensemble", "1"]);
    let t = ok(d, &one);
    assert!(t.contains("1 member(s), uncertainty none"), "{t}");
    assert!(d.join("one/model.safetensors").is_file() && !d.join("one/member-0").exists());
    ft[2] = "base";
    ft[8] = "refused";
    let o = crucible(d, &ft);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--architecture is for --from scratch"), "{}", text(&o));
    assert!(!d.join("refused").exists());
    // A bad file is refused before any training, naming the file, the key and the reason.
    write(d, "bad.yaml", "d_model: 16\nhead: 2\n");
    let bad = ["pretrain", "--data", &spec, "--out", "bad", "--architecture", "bad.yaml"];
    let o = crucible(d, &bad);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let t = text(&o);
    assert!(t.contains("bad.yaml") && t.contains("unknown key 'head'") && t.contains("heads"), "{t}");
    assert!(!t.contains("epoch") && !d.join("bad").exists(), "{t}");
    // The shipped large sizes file parses into a valid architecture.
    let large = concat!(env!("CARGO_MANIFEST_DIR"), "/surrogates/architectures/large.yaml");
    let o = crucible(d, &["pretrain", "--data", &spec, "--out", "L", "--architecture", large, "--epochs", "1"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("d_model 256, 4 blocks, 8 heads"), "{}", text(&o));
}
