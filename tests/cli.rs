use crate::*;

#[test]
fn featurize_keeps_good_rows_and_names_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "in.csv", "formula,target\nFe2O3,1\nXx2O,2\n(Ba0.5Sr0.5)TiO3,3\nFe2(O3,4\nCuSO4·5H2O,5\n");
    let o = crucible(dir.path(), &["featurize", "--data", "in.csv", "--out", "out.csv"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("row 2") && t.contains("Xx"), "{t}");
    assert!(t.contains("row 4"), "{t}");
    assert!(t.contains("featurized 3 of 5 rows"), "{t}");
    let out = std::fs::read_to_string(dir.path().join("out.csv")).unwrap();
    assert_eq!(out.lines().count(), 6, "header + every input row");
}

#[test]
fn validate_reports_space_summary_for_shipped_configs() {
    for cfg in ["configs/steels-random.yaml", "configs/mixture-random.yaml", "configs/quickstart.yaml"] {
        let o = crucible(&repo(), &["validate", cfg]);
        let t = text(&o);
        assert!(o.status.success(), "{cfg}: {t}");
        assert!(t.contains("OK") && t.contains("space:"), "{cfg}: {t}");
    }
    let o = crucible(&repo(), &["validate", "configs/steels-random.yaml"]);
    assert!(text(&o).contains("312"), "pool row count is reported: {}", text(&o));
}

#[test]
fn doctor_checks_libtorch() {
    let dir = tempfile::tempdir().unwrap();
    let o = crucible(dir.path(), &["doctor"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("libtorch OK"));
}

#[test]
fn every_shipped_config_runs_as_shipped() {
    let dir = tempfile::tempdir().unwrap();
    let mut ran = 0;
    for entry in std::fs::read_dir(repo().join("configs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let out = dir.path().join(path.file_stem().unwrap());
        let o = crucible(&repo(), &["run", path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let t = text(&o);
        assert!(o.status.success(), "{}: {t}", path.display());
        assert!(t.contains("budget reached") && t.contains("best candidates"), "{}: {t}", path.display());
        ran += 1;
    }
    assert!(ran >= 4, "configs/ holds the shipped examples");
}
