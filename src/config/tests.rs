//! Campaign-file tests: the PRODUCT.md example, typos, positions, every error at once.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::space::spec::{
    AliasSpec, ComponentSpec, DesignSpec, MixtureSpec, ParameterSpec, PoolSpec, PrototypeSpec, SpaceSpec,
};

const PRODUCT_EXAMPLE: &str = r#"name: steel-strength            # required
seed: 7                         # default 0
space:                          # exactly one of composition/parameters (together) or pool
  composition:
    balance: Fe
    components: {C: [0, 0.01], Ni: [0, 0.25], Co: [0, 0.2], Mo: [0, 0.06], Cr: [0, 0.2]}
    max_components: 6
  parameters:
    - {name: aging_temp, type: continuous, range: [700, 900], unit: K}
    - {name: passes, type: integer, range: [1, 6]}
    - {name: phase, type: categorical, choices: [martensite, austenite]}
  # pool: {path: data/candidates.csv, inputs: [colA, colB]}   # inputs default: all non-property columns
  # structure:                      # instead of composition: a prototype with a mixture per site
  #   prototype: perovskite         # ABX3 (site multiplicities A:1 B:1 X:3); or {sites: {A: 1, B: 2, X: 4}}
  #   sites: {A: {Cs: [0, 1], FA: [0, 1]}, B: {Pb: [0.5, 1], Sn: [0, 0.5]}, X: {I: [0, 1], Br: [0, 1]}}
  #   charge_balance: true          # reject candidates that common oxidation states cannot balance
  # aliases: {FA: CH5N2, MA: CH6N}  # component names that stand for formulas
properties:
  yield_strength: {unit: MPa}           # predicted by the surrogate / returned by the oracle
  density: {derived: density}           # computed from composition
  # conductivity: {column: "Conductivity (S/cm)"}   # name of the column in a pool / table
objectives:
  - {property: yield_strength, goal: maximize}
  - {property: density, goal: minimize}
  # {property: gap, goal: target, value: 1.34, tolerance: 0.05} ; {goal: range, min: 1.1, max: 1.5}
constraints:
  - {property: density, max: 7.9}
surrogate:
  kind: finetuned               # finetuned | gp | ensemble
  pretrained: surrogates/base   # a shipped checkpoint
  data: data/steels_yield.csv   # labelled data; columns map to properties
  targets: {yield_strength: target}
  finetune: {freeze: backbone, epochs: 300, lr: 1.0e-3, weight_decay: 1.0e-4, dropout: 0.1,
             early_stopping: {patience: 30}}
  uncertainty: {method: ensemble, members: 5}
optimizer:
  kind: bayesian                # bayesian | genetic | cmaes | nsga2 | random
  initial: 8
  batch_size: 4
  acquisition: {kind: log_ei}   # ei | log_ei | ucb (beta) | pi | thompson | ehvi | parego
oracle:
  kind: surrogate               # surrogate | table | command | function
  # command: {argv: [python3, sim.py], timeout: 10m, parallel: 4, launcher: local}  # or slurm
budget: {evaluations: 200, wall_time: 8h}
output: {dir: runs/steel-strength}
"#;

/// A small valid campaign; tests splice their own sections in.
const BASE: &str = "name: t
space:
  composition:
    balance: Fe
    components: {Ni: [0, 0.3], Cr: [0, 0.2]}
properties:
  y: {unit: MPa}
objectives:
  - {property: y, goal: maximize}
oracle: {kind: function, functions: {y: sphere}}
budget: {evaluations: 10}
";

/// A folder holding the files the PRODUCT example names.
fn product_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("surrogates/base")).unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/steels_yield.csv"), "formula,target\nFe,1\n").unwrap();
    std::fs::write(dir.path().join("data/pool.csv"), "formula,band_gap\nCsPbI3,1.7\n").unwrap();
    dir
}

fn parse(yaml: &str) -> Result<CampaignSpec, ConfigError> {
    parse_str(yaml, "campaign.yaml", Path::new("/nonexistent"))
}

fn errors(yaml: &str) -> Vec<Diagnostic> {
    match parse(yaml) {
        Ok(spec) => panic!("expected errors, got {spec:#?}"),
        Err(e) => e.diagnostics,
    }
}

/// The diagnostic at `key_path` (panics with all diagnostics if absent).
fn at<'a>(diags: &'a [Diagnostic], key_path: &str) -> &'a Diagnostic {
    diags.iter().find(|d| d.key_path == key_path).unwrap_or_else(|| {
        let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
        panic!("no diagnostic at {key_path}; got:\n{}", all.join("\n"))
    })
}

fn line_col(d: &Diagnostic) -> (usize, usize) {
    (d.line, d.column)
}

#[test]
fn product_example_parses_into_the_expected_spec() {
    let dir = product_dir();
    let spec = parse_str(PRODUCT_EXAMPLE, "steel.yaml", dir.path()).unwrap();
    let c = |name: &str, min: f64, max: f64| ComponentSpec { name: name.into(), min, max };
    let expected = CampaignSpec {
        name: "steel-strength".into(),
        seed: 7,
        space: SpaceSpec::Design(DesignSpec {
            composition: Some(MixtureSpec {
                components: vec![
                    c("C", 0.0, 0.01),
                    c("Ni", 0.0, 0.25),
                    c("Co", 0.0, 0.2),
                    c("Mo", 0.0, 0.06),
                    c("Cr", 0.0, 0.2),
                ],
                balance: Some("Fe".into()),
                max_components: Some(6),
                ..MixtureSpec::default()
            }),
            structure: None,
            parameters: vec![
                ParameterSpec::Continuous { name: "aging_temp".into(), min: 700.0, max: 900.0, unit: Some("K".into()) },
                ParameterSpec::Integer { name: "passes".into(), min: 1, max: 6, unit: None },
                ParameterSpec::Categorical {
                    name: "phase".into(),
                    choices: vec!["martensite".into(), "austenite".into()],
                },
            ],
            aliases: BTreeMap::new(),
        }),
        properties: vec![
            PropertySpec { name: "yield_strength".into(), unit: Some("MPa".into()), source: PropertySource::Oracle },
            PropertySpec { name: "density".into(), unit: None, source: PropertySource::Derived(Derived::Density) },
        ],
        objectives: vec![
            Objective { property: "yield_strength".into(), goal: Goal::Maximize },
            Objective { property: "density".into(), goal: Goal::Minimize },
        ],
        constraints: vec![Constraint { property: "density".into(), min: None, max: Some(7.9) }],
        surrogate: Some(SurrogateSpec {
            kind: SurrogateKind::Finetuned,
            pretrained: Some(dir.path().join("surrogates/base")),
            data: Some(dir.path().join("data/steels_yield.csv")),
            targets: BTreeMap::from([("yield_strength".into(), "target".into())]),
            finetune: FinetuneSpec {
                freeze: Freeze::Backbone,
                epochs: 300,
                lr: 1e-3,
                weight_decay: 1e-4,
                dropout: 0.1,
                batch_size: 32,
                optimizer: TrainOptimizer::AdamW,
                early_stopping: Some(EarlyStopping { patience: 30 }),
                descriptors: Descriptors::None,
            },
            uncertainty: Some(UncertaintySpec {
                method: UncertaintyMethod::Ensemble,
                members: 5,
                bootstrap: false,
                rotate_validation: false,
                gp_mean: false,
            }),
            device: Device::Cpu,
            retrain_every: None,
        }),
        optimizer: OptimizerSpec {
            kind: OptimizerKind::Bayesian,
            initial: 8,
            batch_size: 4,
            acquisition: Some(AcquisitionSpec { kind: AcquisitionKind::LogEi }),
            population: None,
            uncertainty: None,
            length_scale_prior: None,
        },
        oracle: OracleSpec::Surrogate,
        budget: Budget {
            evaluations: Some(200),
            iterations: None,
            wall_time: Some(Duration::from_secs(8 * 3600)),
            stagnation: None,
        },
        output: OutputSpec { dir: PathBuf::from("runs/steel-strength") },
    };
    assert_eq!(spec, expected);
}

#[test]
fn load_resolves_inputs_against_the_file_and_hashes_canonically() {
    let dir = product_dir();
    let path = dir.path().join("steel.yaml");
    std::fs::write(&path, PRODUCT_EXAMPLE).unwrap();
    let loaded = load(&path).unwrap();
    assert_eq!(loaded.text, PRODUCT_EXAMPLE);
    assert_eq!(loaded.hash.len(), 64);
    let s = loaded.spec.surrogate.as_ref().unwrap();
    assert_eq!(s.data.as_deref(), Some(dir.path().join("data/steels_yield.csv").as_path()));
    // output.dir stays relative to the working directory.
    assert_eq!(loaded.spec.output.dir, Path::new("runs/steel-strength"));
    // Comments and whitespace do not change the hash; values do.
    let stripped: String = PRODUCT_EXAMPLE
        .lines()
        .map(|l| l.split(" #").next().unwrap().trim_end())
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, &stripped).unwrap();
    assert_eq!(load(&path).unwrap().hash, loaded.hash);
    std::fs::write(&path, stripped.replace("seed: 7", "seed: 8")).unwrap();
    assert_ne!(load(&path).unwrap().hash, loaded.hash);
    let missing = load(&dir.path().join("nope.yaml")).unwrap_err();
    assert_eq!(missing.diagnostics[0].line, 0);
    assert!(missing.to_string().contains("cannot read the campaign file"));
}

#[test]
fn typo_of_a_top_level_key_suggests_the_key_at_its_position() {
    let yaml = BASE.replace("objectives:", "objectivs:");
    let d = errors(&yaml);
    assert_eq!(d.len(), 1, "the missing 'objectives' is not reported twice: {d:#?}");
    let o = at(&d, "objectivs");
    assert_eq!(line_col(o), (8, 1));
    assert_eq!(o.suggestion.as_deref(), Some("objectives"));
    assert!(o.to_string().starts_with("campaign.yaml:8:1: objectivs: unknown key 'objectivs' (expected one of: name,"));
    assert!(o.to_string().ends_with("did you mean 'objectives'?"));
}

#[test]
fn every_problem_is_reported_at_once() {
    let yaml = "name: t
seed: -1
space:
  composition:
    balance: Fe
    components: {Ni: [0, 1.5], Xx: [0, 0.1]}
    max_componets: 3
properties:
  y: {}
objectives:
  - {property: yy, goal: maximise}
oracle: {kind: function, functions: {y: spherr}}
budget: {evaluations: 0}
optimizer: {kind: bayesian, batch_size: 0}
";
    let d = errors(yaml);
    assert_eq!(line_col(at(&d, "seed")), (2, 7));
    assert!(at(&d, "space.composition.components.Ni").message.contains("outside [0, 1]"));
    assert_eq!(line_col(at(&d, "space.composition.components.Xx")), (6, 32));
    assert_eq!(at(&d, "space.composition.max_componets").suggestion.as_deref(), Some("max_components"));
    assert_eq!(at(&d, "objectives[0].property").suggestion.as_deref(), Some("y"));
    assert_eq!(at(&d, "objectives[0].goal").suggestion.as_deref(), Some("maximize"));
    assert_eq!(at(&d, "oracle.functions.y").suggestion.as_deref(), Some("sphere"));
    assert!(at(&d, "budget.evaluations").message.contains("zero"));
    assert_eq!(line_col(at(&d, "optimizer.batch_size")), (14, 41));
    assert_eq!(d.len(), 9, "{d:#?}");
    // Sorted by position.
    assert!(d.windows(2).all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)));
    let shown = ConfigError { diagnostics: d }.to_string();
    assert!(shown.starts_with("campaign.yaml: 9 problems\n  campaign.yaml:2:7: seed:"));
}

#[test]
fn unknown_element_points_at_its_line_with_a_suggestion() {
    let yaml = BASE.replace("{Ni: [0, 0.3], Cr: [0, 0.2]}", "\n      Ni: [0, 0.3]\n      Xx: [0, 0.2]");
    let d = errors(&yaml);
    let x = at(&d, "space.composition.components.Xx");
    assert_eq!(line_col(x), (7, 7));
    assert_eq!(
        x.to_string(),
        "campaign.yaml:7:7: space.composition.components.Xx: unknown element 'Xx' \
         (expected an element symbol, alias or formula); did you mean 'Xe'?"
    );
    // Formulas are checked too, and the wrong case of a symbol is caught.
    let d = errors(&BASE.replace("Cr: [0, 0.2]", "Xx2O: [0, 0.2], cr: [0, 0.1]"));
    assert!(at(&d, "space.composition.components.Xx2O").message.contains("not a valid formula"));
    assert_eq!(at(&d, "space.composition.components.cr").suggestion.as_deref(), Some("Cr"));
    // Compound formulas are fine.
    parse(&BASE.replace("Cr: [0, 0.2]", "Fe2O3: [0, 0.2]")).unwrap();
}

#[test]
fn objective_on_an_undefined_property() {
    let yaml = BASE
        .replace("{property: y, goal: maximize}", "{property: strength, goal: maximize}")
        .replace("y: {unit: MPa}", "yield_strength: {unit: MPa}")
        .replace("{y: sphere}", "{yield_strength: sphere}");
    let d = errors(&yaml);
    assert_eq!(d.len(), 1, "{d:#?}");
    let o = at(&d, "objectives[0].property");
    assert_eq!(line_col(o), (9, 16));
    assert!(o.message.contains("property 'strength' is not defined"));
    assert!(o.expected.as_deref().unwrap().contains("yield_strength"));
}

#[test]
fn zero_and_missing_budgets() {
    let d = errors(&BASE.replace("{evaluations: 10}", "{evaluations: 0, wall_time: 0s}"));
    assert_eq!(line_col(at(&d, "budget.evaluations")), (11, 23));
    assert!(at(&d, "budget.wall_time").message.contains("zero"));
    let d = errors(&BASE.replace("{evaluations: 10}", "{}"));
    assert!(at(&d, "budget").message.contains("no limit"));
    let d = errors(&BASE.replace("budget: {evaluations: 10}\n", ""));
    assert_eq!(at(&d, "").message, "missing required key 'budget'");
    let spec = parse(&BASE.replace("{evaluations: 10}", "{iterations: 3, wall_time: 1h30m}")).unwrap();
    assert_eq!(
        spec.budget,
        Budget { evaluations: None, iterations: Some(3), wall_time: Some(Duration::from_secs(5400)), stagnation: None }
    );
    let d = errors(&BASE.replace("{evaluations: 10}", "{wall_time: 3 fortnights}"));
    assert!(at(&d, "budget.wall_time").message.contains("unknown unit 'fortnights'"));
}

#[test]
fn min_above_max_and_out_of_range_values() {
    let yaml = BASE
        .replace("Ni: [0, 0.3]", "Ni: [0.3, 0.1]")
        .replace("budget:", "constraints:\n  - {property: y, min: 5, max: 1}\n  - {property: y}\nbudget:");
    let d = errors(&yaml);
    let ni = at(&d, "space.composition.components.Ni");
    assert_eq!(line_col(ni), (5, 22));
    assert!(ni.message.contains("min 0.3 is greater than max 0.1"));
    assert!(at(&d, "constraints[0].min").message.contains("greater than max"));
    assert!(at(&d, "constraints[1]").message.contains("no bound"));
    let d =
        errors(&BASE.replace("{property: y, goal: maximize}", "{property: y, goal: target, value: 1.3, tolerance: 0}"));
    assert!(at(&d, "objectives[0].tolerance").expected.as_deref().unwrap().contains("> 0"));
    let d =
        errors(&BASE.replace("{property: y, goal: maximize}", "{property: y, goal: range, min: 2, max: 1, value: 3}"));
    assert!(at(&d, "objectives[0].min").message.contains("not below max"));
    assert!(at(&d, "objectives[0].value").message.contains("does not apply"));
}

#[test]
fn malformed_yaml_gives_a_position() {
    let d = errors("name: t\nspace:\n\tcomposition: {}\n");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].line, 3);
    assert!(d[0].message.starts_with("invalid YAML"), "{}", d[0]);
    assert!(!d[0].message.contains("at line"), "{}", d[0]);
    let d = errors("name: t\nspace: {composition: [1, 2\nbudget: 3\n");
    assert_eq!(d[0].line, 3);
    let d = errors("name: t\nseed: 1\nseed: 2\n");
    assert_eq!((d[0].line, d[0].column, d[0].key_path.as_str()), (3, 1, "seed"));
    let d = errors("");
    assert!(d[0].message.contains("empty"));
    let d = errors("- a\n- b\n");
    assert!(d[0].expected.as_deref().unwrap().contains("mapping"));
}

#[test]
fn anchors_and_merge_keys_are_expanded() {
    let yaml = BASE
        .replace(
            "objectives:\n  - {property: y, goal: maximize}",
            "objectives:\n  - &obj {property: y, goal: target, value: 2}\n  - {<<: *obj, property: z}",
        )
        .replace("y: {unit: MPa}", "y: {unit: MPa}\n  z: {}")
        .replace("{y: sphere}", "{y: sphere, z: sphere}");
    let spec = parse(&yaml).unwrap();
    assert_eq!(spec.objectives[1].goal, Goal::Target { value: 2.0, tolerance: None });
    assert_eq!(spec.objectives[1].property, "z");
}

#[test]
fn wrong_types_say_what_was_expected() {
    let yaml = BASE.replace("name: t", "name: t\nseed: seven").replace("{Ni: [0, 0.3]", "{Ni: 0.3");
    let d = errors(&yaml);
    let seed = at(&d, "seed");
    assert_eq!(seed.message, "found the string 'seven'");
    assert_eq!(seed.expected.as_deref(), Some("a non-negative integer"));
    assert_eq!(at(&d, "space.composition.components.Ni").expected.as_deref(), Some("a [min, max] pair of numbers"));
}

#[test]
fn aliases_in_both_forms() {
    let yaml = "name: pero
space:
  aliases: {FA: CH5N2, MA: {formula: CH6N, charge: 1}}
  structure:
    prototype: perovskite
    sites: {A: {Cs: [0, 1], FA: [0, 1], MA: [0, 0.5]}, B: {Pb: [0.5, 1], Sn: [0, 0.5]}, X: {I: [0, 1], Br: [0, 1]}}
    charge_balance: true
properties:
  gap: {unit: eV}
objectives:
  - {property: gap, goal: target, value: 1.34, tolerance: 0.05}
oracle: {kind: command, command: {argv: [python3, sim.py], timeout: 10m, parallel: 4, launcher: local}}
budget: {evaluations: 50}
optimizer: {kind: genetic, population: 40, uncertainty: {kind: lcb, kappa: 1.5}}
";
    let spec = parse(yaml).unwrap();
    let SpaceSpec::Design(d) = &spec.space else { panic!() };
    assert_eq!(d.aliases["FA"], AliasSpec { formula: "CH5N2".into(), charge: None });
    assert_eq!(d.aliases["MA"], AliasSpec { formula: "CH6N".into(), charge: Some(1) });
    let s = d.structure.as_ref().unwrap();
    assert_eq!(s.prototype, PrototypeSpec::Named("perovskite".into()));
    assert!(s.charge_balance);
    let names: Vec<&str> = s.sites.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["A", "B", "X"]);
    assert_eq!(s.sites[0].1.components[1], ComponentSpec { name: "FA".into(), min: 0.0, max: 1.0 });
    assert_eq!(spec.objectives[0].goal, Goal::Target { value: 1.34, tolerance: Some(0.05) });
    let OracleSpec::Command(c) = &spec.oracle else { panic!() };
    assert_eq!((c.argv.len(), c.timeout, c.parallel, c.retries), (2, Duration::from_secs(600), 4, 0));
    assert_eq!(c.launcher, Launcher::Local);
    assert_eq!(spec.optimizer.uncertainty, Some(UncertaintyMode::Lcb { kappa: 1.5 }));
    assert_eq!(spec.optimizer.acquisition, None);
    // A bad alias formula and an alias hiding an element.
    let d = errors(&yaml.replace("FA: CH5N2", "FA: CH5Xq2, Co: CO"));
    assert!(at(&d, "space.aliases.FA").message.contains("not a valid formula"));
    assert!(at(&d, "space.aliases.Co").message.contains("hides the element"));
}

#[test]
fn structure_with_explicit_sites_and_slurm() {
    let yaml = "name: spinel
space:
  structure:
    prototype: {sites: {A: 1, B: 2, X: 4}}
    sites:
      A: {Mg: [0, 1], Zn: [0, 1]}
      B: {components: {Al: [0, 1], Fe: [0, 1]}, max_components: 2}
      X: {O: [1, 1]}
  parameters:
    - {name: anneal, range: [500, 900], unit: K}
properties: {a: {}, b: {}}
objectives: [{property: a, goal: maximize}, {property: b, goal: minimize}]
optimizer: {kind: nsga2}
oracle:
  kind: command
  command:
    argv: [./relax.sh]
    retries: 2
    launcher: slurm
    slurm: {partition: short, time: 2h, cpus_per_task: 8, mem: 4G, extra_args: [--qos=low]}
budget: {iterations: 5}
";
    let spec = parse(yaml).unwrap();
    let SpaceSpec::Design(d) = &spec.space else { panic!() };
    let s = d.structure.as_ref().unwrap();
    let sites = vec![("A".to_string(), 1.0), ("B".to_string(), 2.0), ("X".to_string(), 4.0)];
    assert_eq!(s.prototype, PrototypeSpec::Sites(sites));
    assert_eq!(s.sites[1].1.max_components, Some(2));
    assert_eq!(s.sites[2].1.components, [ComponentSpec { name: "O".into(), min: 1.0, max: 1.0 }]);
    assert!(matches!(&d.parameters[0], ParameterSpec::Continuous { name, .. } if name == "anneal"));
    let OracleSpec::Command(c) = &spec.oracle else { panic!() };
    let Launcher::Slurm(slurm) = &c.launcher else { panic!() };
    assert_eq!(slurm.partition.as_deref(), Some("short"));
    assert_eq!(slurm.time, Some(Duration::from_secs(7200)));
    assert_eq!((slurm.cpus_per_task, slurm.mem.as_deref()), (Some(8), Some("4G")));
    assert_eq!(slurm.extra_args, ["--qos=low"]);
    assert_eq!(c.retries, 2);
    assert_eq!(spec.output.dir, Path::new("runs/spinel"));
    let d = errors(&yaml.replace("B: 2, X: 4", "B: 0, X: 4").replace("launcher: slurm", "launcher: slurmm"));
    assert!(at(&d, "space.structure.prototype.sites.B").expected.as_deref().unwrap().contains("> 0"));
    assert_eq!(at(&d, "oracle.command.launcher").suggestion.as_deref(), Some("slurm"));
    let d = errors(
        &yaml
            .replace("  composition:", "")
            .replace("  structure:", "  composition: {components: {Fe: [0, 1]}}\n  structure:"),
    );
    assert!(at(&d, "space.structure").message.contains("mutually exclusive"));
}

#[test]
fn pool_spaces_and_table_oracles() {
    let dir = product_dir();
    let yaml = "name: gaps
space:
  pool: {path: data/pool.csv, inputs: [formula]}
properties:
  band_gap: {column: band_gap, unit: eV}
objectives: [{property: band_gap, goal: range, min: 1.1, max: 1.5}]
oracle: {kind: table}
optimizer: {kind: random, batch_size: 10}
budget: {evaluations: 100}
";
    let spec = parse_str(yaml, "gaps.yaml", dir.path()).unwrap();
    let expected = PoolSpec { path: dir.path().join("data/pool.csv"), inputs: Some(vec!["formula".into()]) };
    assert_eq!(spec.space, SpaceSpec::Pool(expected));
    assert_eq!(spec.oracle, OracleSpec::Table { path: None });
    assert_eq!(spec.properties[0].source, PropertySource::Column("band_gap".into()));
    assert_eq!(spec.objectives[0].goal, Goal::Range { min: 1.1, max: 1.5 });
    assert_eq!((spec.optimizer.kind, spec.optimizer.batch_size), (OptimizerKind::Random, 10));
    // A missing pool file, and a pool mixed with a composition.
    let bad = yaml
        .replace("data/pool.csv", "data/missing.csv")
        .replace("  pool:", "  composition: {components: {Fe: [0, 1]}}\n  pool:");
    let d = parse_str(&bad, "gaps.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "space.pool.path").message.contains("does not exist"));
    assert!(at(&d, "space.composition").message.contains("cannot be used with 'pool'"));
    // A table oracle needs a pool; a column property needs a table.
    let d = errors(&BASE.replace("{kind: function, functions: {y: sphere}}", "{kind: table}"));
    assert!(at(&d, "oracle.kind").message.contains("needs a pool space"));
    let d = errors(
        &BASE
            .replace("{kind: function, functions: {y: sphere}}", "{kind: command, command: {argv: [x]}}")
            .replace("y: {unit: MPa}", "y: {column: Y}"),
    );
    assert!(at(&d, "properties.y.column").message.contains("needs a table"));
}

#[test]
fn oracle_and_optimizer_consistency() {
    let d = errors(&BASE.replace("{kind: function, functions: {y: sphere}}", "surrogate"));
    assert!(at(&d, "oracle.kind").message.contains("needs a 'surrogate' section"));
    let d = errors(&BASE.replace("budget:", "optimizer: {acquisition: ehvi, population: 10}\nbudget:"));
    assert!(at(&d, "optimizer.acquisition").message.contains("two or more objectives"));
    assert!(at(&d, "optimizer.population").message.contains("does not apply"));
    let d = errors(&BASE.replace("budget:", "optimizer: {kind: bayesian, initial: 0}\nbudget:"));
    assert!(at(&d, "optimizer.initial").message.contains("no data"));
    let two = BASE
        .replace("y: {unit: MPa}", "y: {unit: MPa}\n  z: {}")
        .replace("{y: sphere}", "{y: sphere, z: ackley}")
        .replace("goal: maximize}", "goal: maximize}\n  - {property: z, goal: minimize}");
    let spec = parse(&two).unwrap();
    assert_eq!(spec.optimizer.acquisition, Some(AcquisitionSpec { kind: AcquisitionKind::Ehvi }));
    let d = errors(&two.replace("budget:", "optimizer: {kind: cmaes}\nbudget:").replace(", z: ackley", ""));
    assert!(at(&d, "optimizer.kind").expected.as_deref().unwrap().contains("nsga2"));
    assert!(at(&d, "oracle.functions").message.contains("'z' has no function"));
    let ucb = parse(&BASE.replace("budget:", "optimizer: {acquisition: {kind: ucb, beta: 0.5}}\nbudget:")).unwrap();
    assert_eq!(ucb.optimizer.acquisition, Some(AcquisitionSpec { kind: AcquisitionKind::Ucb { beta: 0.5 } }));
}

#[test]
fn finetune_descriptors_are_read_and_unknown_sets_name_the_key() {
    let dir = product_dir();
    let with = |d: &str| {
        BASE.replace(
            "budget:",
            &format!("surrogate: {{pretrained: surrogates/base, finetune: {{descriptors: {d}}}}}\nbudget:"),
        )
    };
    for (word, want) in [
        ("magpie", Descriptors::Magpie),
        ("fractions", Descriptors::Fractions),
        ("magpie+fractions", Descriptors::MagpieFractions),
        ("none", Descriptors::None),
    ] {
        let spec = parse_str(&with(word), "c.yaml", dir.path()).unwrap();
        assert_eq!(spec.surrogate.unwrap().finetune.descriptors, want, "{word}");
    }
    let d = parse_str(&with("magpi"), "c.yaml", dir.path()).unwrap_err().diagnostics;
    let bad = at(&d, "surrogate.finetune.descriptors");
    assert!(bad.message.contains("descriptor set 'magpi'"), "{bad}");
    assert_eq!(bad.suggestion.as_deref(), Some("magpie"));
    assert!(bad.expected.as_deref().unwrap().contains("magpie+fractions"), "{bad}");
}

#[test]
fn surrogate_settings_and_defaults() {
    let dir = product_dir();
    let yaml = BASE.replace("budget:", "surrogate:\n  kind: gp\n  finetune: {freeze: {top_k: 2}, optimizer: sgd, dropout: 1.5}\n  device: gpu\n  targets: {yy: target}\nbudget:");
    let d = parse_str(&yaml, "c.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "surrogate.finetune.dropout").expected.as_deref().unwrap().contains("[0, 1)"));
    assert_eq!(at(&d, "surrogate.device").expected.as_deref(), Some("cpu, cuda or auto"));
    assert_eq!(at(&d, "surrogate.targets.yy").suggestion.as_deref(), Some("y"));
    let ok = yaml.replace(", dropout: 1.5", "").replace("gpu", "auto").replace("yy", "y");
    let spec = parse_str(&ok, "c.yaml", dir.path()).unwrap();
    let s = spec.surrogate.unwrap();
    assert_eq!((s.kind, s.device, s.finetune.freeze), (SurrogateKind::Gp, Device::Auto, Freeze::TopK(2)));
    assert_eq!((s.finetune.optimizer, s.finetune.epochs), (TrainOptimizer::Sgd, 300));
    assert_eq!((s.finetune.lr, s.finetune.weight_decay), (3e-3, 1e-4), "the defaults of crucible finetune");
    let d = parse_str(&BASE.replace("budget:", "surrogate: {kind: finetuned}\nbudget:"), "c.yaml", dir.path())
        .unwrap_err()
        .diagnostics;
    assert!(at(&d, "surrogate").message.contains("'pretrained'"));
}

#[test]
fn retrain_every_needs_a_trained_model_and_measurements() {
    let dir = product_dir();
    let with = |surrogate: &str| BASE.replace("budget:", &format!("surrogate: {surrogate}\nbudget:"));
    let ok = parse_str(&with("{pretrained: surrogates/base, retrain_every: 16}"), "c.yaml", dir.path()).unwrap();
    assert_eq!(ok.surrogate.unwrap().retrain_every, Some(16));
    let plain = parse_str(&with("{pretrained: surrogates/base}"), "c.yaml", dir.path()).unwrap();
    assert_eq!(plain.surrogate.unwrap().retrain_every, None);

    let d = parse_str(&with("{pretrained: surrogates/base, retrain_every: 0}"), "c.yaml", dir.path())
        .unwrap_err()
        .diagnostics;
    assert!(at(&d, "surrogate.retrain_every").expected.is_some(), "{d:#?}");
    let d = parse_str(&with("{kind: gp, pretrained: surrogates/base, retrain_every: 8}"), "c.yaml", dir.path())
        .unwrap_err()
        .diagnostics;
    assert!(at(&d, "surrogate.retrain_every").message.contains("'gp'"), "{d:#?}");
    let in_silico = with("{pretrained: surrogates/base, retrain_every: 8}")
        .replace("{kind: function, functions: {y: sphere}}", "surrogate");
    let d = parse_str(&in_silico, "c.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "surrogate.retrain_every").message.contains("own predictions"), "{d:#?}");
}

#[test]
fn ensemble_members_resample_by_bootstrap_only_when_told_to() {
    let dir = product_dir();
    let with = |u: &str| {
        BASE.replace("budget:", &format!("surrogate: {{pretrained: surrogates/base, uncertainty: {u}}}\nbudget:"))
    };
    let u = |yaml: &str| parse_str(yaml, "c.yaml", dir.path()).unwrap().surrogate.unwrap().uncertainty.unwrap();
    assert!(!u(&with("{method: ensemble}")).bootstrap, "the same rows by default");
    assert!(u(&with("{method: ensemble, members: 3, bootstrap: true}")).bootstrap);
    let d = parse_str(&with("{method: ensemble, bootstrap: maybe}"), "c.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "surrogate.uncertainty.bootstrap").expected.is_some(), "{d:#?}");
    // members validate on one split unless told to rotate, which resampling excludes
    assert!(!u(&with("{method: ensemble}")).rotate_validation);
    assert!(u(&with("{method: ensemble, rotate_validation: true}")).rotate_validation);
    assert!(!u(&with("{method: ensemble, bootstrap: true}")).rotate_validation);
    let both = with("{method: ensemble, bootstrap: true, rotate_validation: true}");
    let d = parse_str(&both, "c.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "surrogate.uncertainty.rotate_validation").message.contains("share one validation split"), "{d:#?}");
    // the mean from the network by default, from GPs on the embedding when asked
    assert!(!u(&with("{method: ensemble}")).gp_mean);
    assert!(u(&with("{method: ensemble, mean: gp}")).gp_mean);
    assert!(u(&with("{method: gp, mean: gp}")).gp_mean);
    let d = parse_str(&with("{method: ensemble, mean: forest}"), "c.yaml", dir.path()).unwrap_err().diagnostics;
    assert!(at(&d, "surrogate.uncertainty.mean").expected.is_some(), "{d:#?}");
}

#[test]
fn length_scale_prior_is_for_bayesian_optimisation_only() {
    let with = |opt: &str| BASE.replace("budget:", &format!("optimizer: {opt}\nbudget:"));
    let ok = parse(&with("{kind: bayesian, length_scale_prior: {median: 0.5, log_sd: 1.0}}")).unwrap();
    assert_eq!(ok.optimizer.length_scale_prior, Some(LengthScalePriorSpec { median: 0.5, log_sd: 1.0 }));
    assert_eq!(parse(&with("{kind: bayesian}")).unwrap().optimizer.length_scale_prior, None);
    let d = errors(&with("{kind: random, length_scale_prior: {median: 0.5}}"));
    assert!(at(&d, "optimizer.length_scale_prior").message.contains("does not apply"), "{d:#?}");
    let d = errors(&with("{length_scale_prior: {median: -1, sd: 2}}"));
    assert!(at(&d, "optimizer.length_scale_prior.median").expected.is_some(), "{d:#?}");
    assert!(at(&d, "optimizer.length_scale_prior.sd").message.contains("unknown key"), "{d:#?}");
}

#[test]
fn infeasible_space_is_placed_at_the_key_space_names() {
    let d = errors(&BASE.replace("Ni: [0, 0.3], Cr: [0, 0.2]", "Ni: [0.7, 0.9], Cr: [0.5, 0.6]"));
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(d[0].key_path.starts_with("space.composition"), "{}", d[0]);
    assert!(d[0].message.contains("add up to"), "{}", d[0]);
    assert!((3..=5).contains(&d[0].line), "{}", d[0]);
}

#[test]
fn parameters_are_checked() {
    let yaml = BASE.replace(
        "properties:",
        "  parameters:
    - {name: t, type: integer, range: [1.5, 3]}
    - {name: phase, type: categorical, choices: [a, a], unit: K}
    - {name: Ni, range: [0, 1]}
    - {name: p, type: continous, range: [0, 1]}
properties:",
    );
    let d = errors(&yaml);
    assert!(at(&d, "space.parameters[0].range").message.contains("whole numbers"));
    assert!(at(&d, "space.parameters[1].choices[1]").message.contains("twice"));
    assert!(at(&d, "space.parameters[1].unit").message.contains("does not apply"));
    assert!(at(&d, "space.parameters[2].name").message.contains("used twice"));
    assert_eq!(at(&d, "space.parameters[3].type").suggestion.as_deref(), Some("continuous"));
}

#[test]
fn shipped_configs_validate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            if let Err(e) = load(&path) {
                panic!("{e}");
            }
        }
    }
}
