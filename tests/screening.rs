//! The surrogate inside campaigns: fine-tuned at the start of a run from the shipped checkpoint,
//! predicting every candidate (`<prop>_mean`, `<prop>_std`, `model_hash`), as the oracle of
//! an in-silico campaign, reloaded on resume, and re-trained by `ingest`.
use std::path::Path;

use crate::*;

fn latest(run: &Path) -> Vec<crucible::store::CandidateRow> {
    crucible::store::RunDir::inspect(run).unwrap().log().history().unwrap()
}

/// An in-silico campaign over Fe-based compositions; a small, quick fine-tune (tests only).
fn screening_config(dir: &Path, oracle: &str, evals: usize) -> String {
    steels_pool(dir, 150);
    let base = repo().join("surrogates/base");
    format!(
        "name: screen
seed: 11
space:
  composition:
    components: {{Fe: [0.6, 0.9], Ni: [0, 0.2], Co: [0, 0.2], Cr: [0, 0.2], Mo: [0, 0.06]}}
properties:
  yield_strength: {{unit: MPa}}
  density: {{derived: density, unit: g/cm3}}
objectives:
  - {{property: yield_strength, goal: maximize}}
constraints:
  - {{property: density, max: 8.1}}
surrogate:
  kind: finetuned
  pretrained: {base}
  data: steels.csv
  targets: {{yield_strength: target}}
  finetune: {{epochs: 15, batch_size: 32}}
  uncertainty: {{method: ensemble, members: 2}}
optimizer: {{kind: random, initial: 6, batch_size: 6}}
oracle: {oracle}
budget: {{evaluations: {evals}}}
output: {{dir: out}}
",
        base = base.display()
    )
}

fn prop<'a>(r: &'a crucible::store::CandidateRow, name: &str) -> &'a crucible::store::PropertyCells {
    r.properties.iter().find(|p| p.name == name).unwrap()
}

#[test]
fn in_silico_campaign_predicts_every_candidate_and_reloads_its_model_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.yaml", &screening_config(dir.path(), "{kind: surrogate}", 12));
    let o = crucible(dir.path(), &["run", "s.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("surrogate: fine-tuning from") && t.contains("2 members"), "{t}");
    assert!(t.contains("surrogate predicts yield_strength (2-member ensemble)"), "{t}");
    let run = dir.path().join("out");
    assert!(run.join("model/card.yaml").is_file(), "the fine-tuned model is kept in the run directory");
    let rows = latest(&run);
    assert_eq!(rows.len(), 12);
    let hash = rows[0].model_hash.clone().expect("rows name the model that predicted them");
    for r in &rows {
        assert_eq!(r.status, crucible::store::Status::Evaluated, "{r:?}");
        let y = prop(r, "yield_strength");
        let (mean, std) = (y.mean.expect("mean"), y.std.expect("std"));
        assert_eq!(y.value, Some(mean), "in silico: the value is the prediction");
        assert!((100.0..4000.0).contains(&mean), "a steel's yield strength in MPa: {mean}");
        assert!(std > 0.0 && std.is_finite(), "two members disagree somewhat: {std}");
        assert_eq!(r.model_hash.as_ref(), Some(&hash));
        assert!(prop(r, "density").mean.is_none(), "density is computed, not predicted");
    }
    // The shortlist says which candidates lie outside the compositions the model learned from.
    let o = crucible(dir.path(), &["rank", "out", "--top", "5"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("the surrogate's training data") && t.contains("150 compositions of"), "{t}");
    let csv = std::fs::read_to_string(run.join("shortlist.csv")).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",outside_training"), "{csv}");
    // Fe-balance alloys with up to 20 % Ni, Co, Cr: the steels data has nothing like 20 % Co
    // without the other alloying elements, so something is flagged, element by element.
    assert!(t.contains("extrapolations:\n  rank "), "{t}");
    // Resume with a larger budget: the model is loaded, not trained again.
    let cfg = std::fs::read_to_string(dir.path().join("s.yaml")).unwrap().replace("evaluations: 12", "evaluations: 18");
    write(dir.path(), "s.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "s.yaml", "--resume", "--allow-changed-config"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("loaded from the run directory") && !t.contains("fine-tuning from"), "{t}");
    let rows = latest(&run);
    assert_eq!(rows.len(), 18);
    assert!(rows.iter().all(|r| r.model_hash.as_ref() == Some(&hash)), "the same model throughout");
}

#[test]
fn lab_loop_predicts_suggestions_and_ingest_retrains_the_surrogate() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "lab.yaml",
        &screening_config(dir.path(), "{kind: function, functions: {yield_strength: sphere}}", 50)
            .replace("members: 2}", "members: 2, mean: gp}"),
    );
    let o = crucible(dir.path(), &["suggest", "lab.yaml", "--batch", "3"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    // uncertainty.mean: gp gives each member its own GP on its embedding for its mean
    assert!(t.contains("2-member ensemble, each member's mean from a GP on its embedding"), "{t}");
    let gp_file = dir.path().join("out/model/member-1/gp.safetensors");
    assert!(gp_file.is_file());
    let first_gp = std::fs::read(&gp_file).unwrap();
    let sheet = dir.path().join("out/suggestions/iteration-0000.csv");
    let body = std::fs::read_to_string(&sheet).unwrap();
    let header: Vec<&str> = body.lines().next().unwrap().split(',').collect();
    for col in ["candidate_id", "yield_strength_mean", "yield_strength_std", "yield_strength", "failure"] {
        assert!(header.contains(&col), "lab sheet has {col}: {header:?}");
    }
    let first_hash = latest(&dir.path().join("out"))[0].model_hash.clone().unwrap();
    // The lab measures three steels (made-up values far above the data's range).
    let ids: Vec<String> = body.lines().skip(1).map(|l| l.split(',').next().unwrap().to_string()).collect();
    let results: String = std::iter::once("candidate_id,yield_strength\n".to_string())
        .chain(ids.iter().map(|id| format!("{id},5000\n")))
        .collect();
    write(dir.path(), "results.csv", &results);
    let o = crucible(dir.path(), &["ingest", "out", "results.csv"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("recorded 3 measured"), "{t}");
    assert!(t.contains("surrogate: fine-tuning from"), "ingest re-trains: {t}");
    let card = std::fs::read_to_string(dir.path().join("out/model/card.yaml")).unwrap();
    assert!(card.contains("run log"), "the re-trained model learned from the run's measurements:\n{card}");
    assert!(card.contains("member_gp_mean: true"), "{card}");
    assert_ne!(std::fs::read(&gp_file).unwrap(), first_gp, "the members' GPs are re-fitted too");
    let rows = latest(&dir.path().join("out"));
    assert!(
        rows.iter().all(|r| r.model_hash.as_ref() == Some(&first_hash)),
        "measured rows keep their prediction's model"
    );
    let o = crucible(dir.path(), &["suggest", "lab.yaml", "--batch", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let rows = latest(&dir.path().join("out"));
    let new: Vec<_> = rows.iter().filter(|r| r.candidate_id >= 3).collect();
    assert_eq!(new.len(), 2);
    assert!(
        new.iter().all(|r| r.model_hash.is_some() && r.model_hash.as_ref() != Some(&first_hash)),
        "next suggest uses the new model"
    );
}

#[test]
fn surrogate_set_up_errors_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = screening_config(dir.path(), "{kind: surrogate}", 6)
        .replace("{yield_strength: target}", "{yield_strength: ys_mpa}");
    write(dir.path(), "bad.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "bad.yaml"]);
    let t = text(&o);
    assert!(!o.status.success());
    assert!(t.contains("ys_mpa") && t.contains("steels.csv") && t.contains("formula, target"), "{t}");

    let cfg = screening_config(dir.path(), "{kind: surrogate}", 6);
    let start = cfg.find("surrogate:\n").unwrap();
    let end = cfg.find("optimizer:").unwrap();
    let cfg = format!("{}{}", &cfg[..start], &cfg[end..]).replace("dir: out", "dir: out2");
    write(dir.path(), "nosurrogate.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "nosurrogate.yaml"]);
    let t = text(&o);
    assert!(!o.status.success());
    assert!(t.contains("the surrogate oracle needs a 'surrogate' section") && t.contains("nosurrogate.yaml:"), "{t}");
    assert!(!dir.path().join("out2/candidates").exists() || latest(&dir.path().join("out2")).is_empty());
}

#[test]
fn bayesian_search_on_the_pretrained_embedding_runs_a_pool_campaign() {
    let dir = tempfile::tempdir().unwrap();
    steels_pool(dir.path(), 120);
    let cfg = format!(
        "name: embed
seed: 2
space: {{pool: {{path: steels.csv}}}}
properties:
  yield_strength: {{column: target, unit: MPa}}
objectives: [{{property: yield_strength, goal: maximize}}]
surrogate: {{kind: gp, pretrained: {}}}
optimizer: {{kind: bayesian, initial: 6, batch_size: 2}}
oracle: {{kind: table}}
budget: {{evaluations: 12}}
output: {{dir: out}}
",
        repo().join("surrogates/base").display()
    );
    write(dir.path(), "e.yaml", &cfg);
    let o = crucible(dir.path(), &["run", "e.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("principal components) is the Bayesian optimizer's input"), "{t}");
    let rows = latest(&dir.path().join("out"));
    assert_eq!(rows.len(), 12);
    let mut rows_seen: Vec<u64> = rows.iter().map(|r| r.pool_index.unwrap()).collect();
    rows_seen.sort();
    rows_seen.dedup();
    assert_eq!(rows_seen.len(), 12, "no pool row twice");
    assert_eq!(rows.iter().filter(|r| r.origin == "bayesian").count(), 6);
    assert!(rows.iter().all(|r| prop(r, "yield_strength").value.is_some()));

    let bad = cfg.replace("oracle: {kind: table}", "oracle: {kind: surrogate}").replace("dir: out", "dir: out2");
    write(dir.path(), "bad.yaml", &bad);
    let o = crucible(dir.path(), &["run", "bad.yaml"]);
    let t = text(&o);
    assert!(!o.status.success());
    assert!(t.contains("kind finetuned or ensemble"), "{t}");
}

/// A retrospective pool campaign whose surrogate starts with no labels and is re-trained on
/// the run's own measurements every 4 of them (`surrogate.retrain_every`).
fn retraining_config(evals: usize) -> String {
    format!(
        "name: retrain
seed: 5
space: {{pool: {{path: steels.csv}}}}
properties:
  yield_strength: {{column: target, unit: MPa}}
objectives: [{{property: yield_strength, goal: maximize}}]
surrogate:
  pretrained: {}
  retrain_every: 4
  finetune: {{freeze: none, epochs: 8, batch_size: 8}}
optimizer: {{kind: bayesian, initial: 4, batch_size: 2}}
oracle: {{kind: table}}
budget: {{evaluations: {evals}}}
output: {{dir: out}}
",
        repo().join("surrogates/base").display()
    )
}

#[test]
fn surrogate_is_retrained_during_a_run_and_a_resumed_run_uses_the_same_models() {
    let dir = tempfile::tempdir().unwrap();
    steels_pool(dir.path(), 100);
    write(dir.path(), "r.yaml", &retraining_config(12));
    let o = crucible(dir.path(), &["run", "r.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert_eq!(t.matches("surrogate: fine-tuning from").count(), 2, "trained after 4 and after 8 measurements: {t}");
    let run = dir.path().join("out");
    let rows = latest(&run);
    assert_eq!(rows.len(), 12);
    // No labels at the start: the initial design is proposed without a model.
    assert!(rows[..4].iter().all(|r| r.model_hash.is_none() && prop(r, "yield_strength").mean.is_none()));
    let first = rows[4].model_hash.clone().expect("the model trained on the first 4 measurements");
    let second = rows[8].model_hash.clone().expect("re-trained on 8");
    assert_ne!(first, second);
    assert!(rows[4..8].iter().all(|r| r.model_hash.as_ref() == Some(&first)), "{rows:?}");
    assert!(rows[8..].iter().all(|r| r.model_hash.as_ref() == Some(&second)), "{rows:?}");
    for r in &rows[4..] {
        let y = prop(r, "yield_strength");
        assert!(y.mean.is_some_and(f64::is_finite) && y.value.is_some(), "predicted, then measured: {y:?}");
    }
    let card = std::fs::read_to_string(run.join("model/card.yaml")).unwrap();
    assert!(card.contains("run log"), "trained on the run's measurements: {card}");
    let record = std::fs::read_to_string(run.join("model-trained-on.json")).unwrap();
    assert!(record.contains("\"measurements\": 8"), "{record}");

    // The same campaign stopped at 8 evaluations and resumed to 12 proposes the same rows
    // with the same predictions: the resumed run re-trains on exactly the first 8 measurements.
    let split = dir.path().join("split");
    std::fs::create_dir_all(&split).unwrap();
    steels_pool(&split, 100);
    write(&split, "r.yaml", &retraining_config(8));
    let o = crucible(&split, &["run", "r.yaml"]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(text(&o).matches("surrogate: fine-tuning from").count(), 1, "no re-training at the end of the budget");
    write(&split, "r.yaml", &retraining_config(12));
    let o = crucible(&split, &["run", "r.yaml", "--resume", "--allow-changed-config"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("surrogate: fine-tuning from"), "re-trained on resume, as the full run did: {t}");
    let resumed = latest(&split.join("out"));
    assert_eq!(resumed.len(), 12);
    for (a, b) in rows.iter().zip(&resumed) {
        assert_eq!(a.pool_index, b.pool_index, "same proposals");
        let (ma, mb) = (prop(a, "yield_strength").mean, prop(b, "yield_strength").mean);
        assert!(ma.zip(mb).is_none_or(|(x, y)| (x - y).abs() <= 1e-6 * x.abs()) && ma.is_some() == mb.is_some());
    }
}
