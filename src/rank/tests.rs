use super::*;
use crate::store::{Cell, PropertyCells};

/// A two-property campaign over one parameter; `objectives` and `constraints` are YAML.
pub(crate) fn spec(objectives: &str, constraints: &str) -> CampaignSpec {
    let yaml = format!(
        "name: t\nspace:\n  parameters:\n    - {{name: x, type: continuous, range: [0, 1]}}\n\
         properties:\n  ys: {{unit: MPa}}\n  density: {{unit: g/cm3}}\n\
         objectives: {objectives}\nconstraints: {constraints}\n\
         oracle: {{kind: function, functions: {{ys: sphere, density: sphere}}}}\nbudget: {{evaluations: 5}}\n"
    );
    crate::config::parse_str(&yaml, "t.yaml", std::path::Path::new(".")).unwrap()
}

/// An evaluated row with values (ys, density) and input x.
pub(crate) fn row(id: u64, ys: Option<f64>, density: Option<f64>, x: f64) -> CandidateRow {
    let cells = |name: &str, v: Option<f64>| PropertyCells { name: name.into(), mean: None, std: None, value: v };
    CandidateRow {
        iteration: 0,
        candidate_id: id,
        origin: "initial".into(),
        formula: None,
        inputs: vec![("x".into(), Cell::F64(x))],
        pool_index: None,
        properties: vec![cells("ys", ys), cells("density", density)],
        acquisition: None,
        feasible: Some(true),
        status: Status::Evaluated,
        failure: None,
        created_at: chrono::Utc::now(),
        config_hash: "h".into(),
        model_hash: None,
        seed: 0,
    }
}

fn ids(s: &Shortlist) -> Vec<u64> {
    s.entries.iter().map(|e| e.row.candidate_id).collect()
}

#[test]
fn one_objective_sorts_by_utility_with_id_tie_break_and_counts_exclusions() {
    let sp = spec("[{property: ys, goal: maximize}]", "[{property: density, max: 7.9}]");
    let mut rows = vec![
        row(0, Some(1000.0), Some(7.8), 0.1),
        row(1, Some(1500.0), Some(8.1), 0.2), // infeasible
        row(2, Some(1200.0), Some(7.0), 0.3),
        row(3, Some(1200.0), Some(7.5), 0.4), // ties with 2: id order
        row(4, None, Some(7.0), 0.5),         // no objective value
        row(5, Some(1300.0), None, 0.6),      // constrained value missing
        row(6, Some(900.0), Some(7.0), 0.7),
        row(7, Some(2000.0), Some(7.0), 0.8),
        row(8, Some(1250.0), Some(7.0), 0.9),
    ];
    rows[7].status = Status::Failed;
    rows[8].status = Status::Proposed;
    let s = shortlist(&rows, &sp, &RankOptions::default());
    assert_eq!(ids(&s), vec![2, 3, 0, 6]);
    assert_eq!(s.qualified, 4);
    let x = &s.excluded;
    assert_eq!((x.infeasible, x.failed, x.proposed, x.missing_objective), (2, 1, 1, 1));
    assert_eq!(x.violations, vec![("density > 7.9".to_string(), 1), ("density missing".to_string(), 1)]);
    assert_eq!(x.describe(), "2 infeasible (density > 7.9: 1, density missing: 1), 1 failed, 1 without an objective value, 1 not yet evaluated");
    assert_eq!(s.entries[0].reason, "best ys: 1200 MPa, tied with candidate 3; density 7 g/cm3 <= 7.9");
    assert_eq!(s.entries[1].reason, "ys 1200 MPa (1st best of 4), tied with the best; density 7.5 g/cm3 <= 7.9");
    assert_eq!(s.entries[2].reason, "ys 1000 MPa (3rd best of 4), 200 MPa behind the best; density 7.8 g/cm3 <= 7.9");
    let top2 = shortlist(&rows, &sp, &RankOptions::new(2, None).unwrap());
    assert_eq!(ids(&top2), vec![2, 3]);
    // the row's own feasible flag is honoured
    rows[0].feasible = Some(false);
    let s = shortlist(&rows, &sp, &RankOptions::default());
    assert_eq!(ids(&s), vec![2, 3, 6]);
    assert_eq!(s.excluded.violations.last().unwrap(), &("marked infeasible in the log".to_string(), 1));
}

#[test]
fn minimize_and_target_goals_use_utilities() {
    let sp = spec("[{property: density, goal: minimize}]", "[]");
    let rows =
        vec![row(0, Some(1.0), Some(7.5), 0.0), row(1, Some(1.0), Some(7.1), 0.0), row(2, Some(1.0), Some(7.3), 0.0)];
    let s = shortlist(&rows, &sp, &RankOptions::default());
    assert_eq!(ids(&s), vec![1, 2, 0]);
    assert_eq!(s.entries[0].reason, "best density: 7.1 g/cm3, 0.2 g/cm3 ahead of the next");
    let sp = spec("[{property: ys, goal: target, value: 1000, tolerance: 50}]", "[]");
    let rows = vec![
        row(0, Some(1200.0), None, 0.0),
        row(1, Some(1040.0), None, 0.0),
        row(2, Some(900.0), None, 0.0),
        row(3, Some(990.0), None, 0.0), // also on target, closer to 1000: first
    ];
    let s = shortlist(&rows, &sp, &RankOptions::default());
    assert_eq!(ids(&s), vec![3, 1, 2, 0]);
    assert!(s.rule.contains("closeness to the target value"), "{}", s.rule);
    assert!(
        s.entries[0].reason.starts_with("best ys: 990 MPa, on target 1000 ± 50, tied with candidate 1"),
        "{}",
        s.entries[0].reason
    );
    assert!(
        s.entries[2].reason.starts_with("ys 900 MPa, 50 MPa outside target 1000 ± 50 (3rd best of 4), 50 MPa behind"),
        "{}",
        s.entries[2].reason
    );
}

#[test]
fn two_objectives_rank_by_front_then_crowding_then_balance() {
    let sp = spec("[{property: ys, goal: maximize}, {property: density, goal: minimize}]", "[]");
    // front 1: (ys, density) = (1000, 7.0) (1400, 7.4) (1500, 7.6) (2000, 8.0); front 2: (1300, 7.6) (900, 7.1)
    let rows = vec![
        row(0, Some(1400.0), Some(7.4), 0.0),
        row(1, Some(1300.0), Some(7.6), 0.1),
        row(2, Some(2000.0), Some(8.0), 0.2),
        row(3, Some(1000.0), Some(7.0), 0.3),
        row(4, Some(1500.0), Some(7.6), 0.4),
        row(5, Some(900.0), Some(7.1), 0.5),
    ];
    let ranking = rank_all(&rows, &sp);
    let order: Vec<u64> = ranking.order.iter().map(|r| rows[r.index].candidate_id).collect();
    let pr: Vec<usize> = ranking.order.iter().map(|r| r.pareto_rank).collect();
    assert_eq!(pr, vec![1, 1, 1, 1, 2, 2]);
    assert_eq!(ranking.fronts, 2);
    // extremes 3 and 2 (crowding ∞) first; between them the normalised sum decides: 2 has
    // ys 1 + density 0 = 1.0, 3 has 0.09 + 1 = 1.09. Then 4 (crowding 600/1000 + 0.6/1.0 = 1.2)
    // before 0 (500/1000 + 0.6/1.0 = 1.1).
    assert_eq!(&order[..4], &[3, 2, 4, 0]);
    assert!((ranking.order[2].crowding - 1.2).abs() < 1e-9);
    let s = shortlist(&rows, &sp, &RankOptions::new(3, None).unwrap());
    assert_eq!(ids(&s), vec![3, 2, 4]);
    assert_eq!(s.entries[0].reason, "Pareto rank 1 of 2; ys 1000 MPa (5th best of 6), density 7 g/cm3 (1st best)");
}

#[test]
fn diverse_shortlist_keeps_its_distance() {
    let sp = spec("[{property: ys, goal: maximize}]", "[]");
    // x in [0, 1]; the best ones crowd near x = 0.5
    let xs = [0.5, 0.51, 0.52, 0.9, 0.1, 0.55, 0.0];
    let rows: Vec<CandidateRow> =
        xs.iter().enumerate().map(|(i, &x)| row(i as u64, Some(100.0 - i as f64), None, x)).collect();
    let s = shortlist(&rows, &sp, &RankOptions::new(4, Some(0.1)).unwrap());
    // the inputs span [0, 0.9]: normalised distances are |Δx| / 0.9
    assert_eq!(ids(&s), vec![0, 3, 4, 6]);
    let d = s.diversity.unwrap();
    assert_eq!((d.kind, d.min_distance, d.skipped), (DistanceKind::Inputs, 0.1, 3));
    let plain = shortlist(&rows, &sp, &RankOptions::new(4, None).unwrap());
    assert_eq!(ids(&plain), vec![0, 1, 2, 3]);
    assert!(plain.diversity.is_none());
}

#[test]
fn csv_has_the_documented_columns_and_quotes_reasons() {
    let sp = spec("[{property: ys, goal: maximize}, {property: density, goal: minimize}]", "[]");
    let mut rows = vec![row(0, Some(1400.0), Some(7.4), 0.25), row(1, Some(1000.0), Some(7.0), 0.5)];
    rows[0].properties[0].mean = Some(1390.5);
    rows[0].properties[0].std = Some(20.0);
    rows[0].formula = Some("Fe0.7Ni0.3".into());
    let s = shortlist(&rows, &sp, &RankOptions::default());
    let text = shortlist_csv(&s);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "rank,candidate_id,formula,pool_index,x,ys,ys_mean,ys_std,density,density_mean,density_std,pareto_rank,reason"
    );
    assert_eq!(lines.len(), 3);
    let first = lines.iter().find(|l| l.split(',').nth(1) == Some("0")).unwrap();
    assert!(first.contains(",Fe0.7Ni0.3,,0.25,1400,1390.5,20,7.4,,,1,\"Pareto rank 1 of 1; "), "{first}");
    assert!(first.ends_with('"'));
}

#[test]
fn empty_runs_give_an_empty_shortlist() {
    let sp = spec("[{property: ys, goal: maximize}]", "[]");
    let s = shortlist(&[], &sp, &RankOptions::new(3, Some(0.05)).unwrap());
    assert!(s.entries.is_empty());
    assert_eq!(s.qualified, 0);
    assert_eq!(shortlist_csv(&s).lines().count(), 1);
}
