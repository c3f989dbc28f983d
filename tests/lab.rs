use crate::*;

const LAB: &str = "name: lab
seed: 4
space:
  composition:
    balance: Fe
    components: {Ni: [0, 0.3], Co: [0, 0.2]}
properties:
  hardness: {unit: HV}
  density: {derived: density}
objectives:
  - {property: hardness, goal: maximize}
constraints:
  - {property: density, max: 8.0}
oracle: {kind: command, command: {argv: [no-such-lab-robot]}}
optimizer: {kind: random, initial: 3, batch_size: 2}
budget: {evaluations: 20}
output: {dir: run}
";

fn csv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| l.split(',').map(str::to_string).collect()).collect()
}

#[test]
fn suggest_then_ingest_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "lab.yaml", LAB);
    // the lab's robot is not installed here: suggest must not need the oracle
    let o = crucible(dir.path(), &["suggest", "lab.yaml"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("suggested 3 candidates (ids 0..=2"), "initial design first: {t}");
    let sheet = dir.path().join("run/suggestions/iteration-0000.csv");
    let rows = csv_rows(&sheet);
    assert_eq!(rows[0], ["candidate_id", "formula", "Ni", "Co", "Fe", "density", "hardness", "failure"]);
    assert_eq!(rows.len(), 4);
    // a second suggest while the first batch is pending proposes new candidates
    let o = crucible(dir.path(), &["suggest", "lab.yaml", "--batch", "2"]);
    assert!(text(&o).contains("ids 3..=4") && text(&o).contains("3 earlier candidates"), "{}", text(&o));

    // bad results: every problem reported with its row, nothing recorded
    write(dir.path(), "bad.csv", "candidate_id,hardness\n0,410\n0,415\n1,12 HV\n9,300\n2,\n");
    let o = crucible(dir.path(), &["ingest", "run", "bad.csv"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    for needle in [
        "row 2: candidate 0 appears more than once",
        "row 3: hardness is '12 HV'",
        "row 4: candidate 9 is not in this run",
        "row 5: hardness is empty",
        "nothing recorded",
    ] {
        assert!(t.contains(needle), "missing '{needle}' in: {t}");
    }
    write(dir.path(), "typo.csv", "candidate_id,hardnes\n0,410\n");
    let t = text(&crucible(dir.path(), &["ingest", "run", "typo.csv"]));
    assert!(t.contains("no column 'hardness'") && t.contains("did you mean 'hardnes'"), "{t}");
    let parts_before = std::fs::read_dir(dir.path().join("run/candidates")).unwrap().count();

    // good results, one candidate could not be made
    write(dir.path(), "good.csv", "candidate_id,hardness,failure\n0,410,\n1,,cracked during quench\n2,455.5,\n");
    let o = crucible(dir.path(), &["ingest", "run", "good.csv"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("recorded 2 measured and 1 failed") && t.contains("2 candidates are still waiting"), "{t}");
    assert_eq!(std::fs::read_dir(dir.path().join("run/candidates")).unwrap().count(), parts_before + 1);
    // ingesting the same results again is refused: they already have results
    let t = text(&crucible(dir.path(), &["ingest", "run", "good.csv"]));
    assert!(t.contains("candidate 0 already has a result (evaluated)"), "{t}");

    let rows = crucible::store::RunDir::inspect(&dir.path().join("run")).unwrap().log().history().unwrap();
    let by_id = |id: u64| rows.iter().find(|r| r.candidate_id == id).unwrap();
    assert_eq!(by_id(0).status, crucible::store::Status::Evaluated);
    assert_eq!(by_id(0).properties.iter().find(|p| p.name == "hardness").unwrap().value, Some(410.0));
    assert_eq!(by_id(1).status, crucible::store::Status::Failed);
    assert_eq!(by_id(1).failure.as_deref(), Some("cracked during quench"));
    assert_eq!(by_id(3).status, crucible::store::Status::Proposed);

    // the next suggestion skips everything seen and continues the ids
    let o = crucible(dir.path(), &["suggest", "lab.yaml"]);
    assert!(text(&o).contains("suggested 2 candidates (ids 5..=6"), "{}", text(&o));
}
