use crate::*;

const GOOD: &str = "name: t
seed: 1
space:
  composition:
    components: {Fe: [0, 1], Ni: [0, 1], Co: [0, 0.5]}
properties:
  score: {}
objectives:
  - {property: score, goal: maximize}
oracle: {kind: function, functions: {score: mixture_peaks}}
optimizer: {kind: random, initial: 4, batch_size: 4}
budget: {evaluations: 8}
output: {dir: out}
";

#[test]
fn every_problem_is_reported_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = GOOD
        .replace("objectives:", "objectivs:")
        .replace("Co: [0, 0.5]", "Xx: [0, 0.5]")
        .replace("evaluations: 8", "evaluations: 0");
    write(dir.path(), "bad.yaml", &bad);
    let o = crucible(dir.path(), &["validate", "bad.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("bad.yaml:8:1") && t.contains("objectives"), "typo with line/col and suggestion: {t}");
    assert!(t.contains("bad.yaml:5:42") && t.contains("Xx"), "unknown element located: {t}");
    assert!(t.contains("bad.yaml:12:23") && t.contains("evaluations"), "zero budget located: {t}");
}

#[test]
fn infeasible_space_is_an_error_not_a_run() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "c.yaml",
        &GOOD.replace("{Fe: [0, 1], Ni: [0, 1], Co: [0, 0.5]}", "{Fe: [0.6, 1], Ni: [0.5, 1]}"),
    );
    let o = crucible(dir.path(), &["run", "c.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("c.yaml:") && t.contains("1.1"), "names the sum of minimums: {t}");
    assert!(!dir.path().join("out").exists(), "nothing written for an invalid campaign");
}

#[test]
fn malformed_yaml_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.yaml", "name: t\nspace: [unclosed\n");
    let o = crucible(dir.path(), &["validate", "m.yaml"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    assert!(t.contains("m.yaml:"), "{t}");
}

#[test]
fn a_run_directory_from_another_config_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", GOOD);
    assert!(crucible(dir.path(), &["run", "a.yaml", "-q"]).status.success());
    // same run dir, fresh run: refused (would mix two runs)
    let o = crucible(dir.path(), &["run", "a.yaml", "-q"]);
    assert!(!o.status.success() && text(&o).contains("--resume"), "{}", text(&o));
    // resume with a changed config: refused unless asked for
    write(dir.path(), "a.yaml", &GOOD.replace("seed: 1", "seed: 2").replace("evaluations: 8", "evaluations: 12"));
    let o = crucible(dir.path(), &["run", "a.yaml", "--resume", "-q"]);
    let t = text(&o);
    assert!(!o.status.success() && t.contains("config"), "{t}");
    let parts_before = std::fs::read_dir(dir.path().join("out/candidates")).unwrap().count();
    assert!(parts_before >= 4, "earlier parts kept");
}
