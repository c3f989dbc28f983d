//! `surrogate:` and `optimizer:`: the model, how it is fine-tuned, and the search strategy.
use std::collections::BTreeMap;
use std::path::Path;

use serde_yaml::Value;

use super::raw::{Map, Problem, Reader};
use super::read_goals::check_property;
use super::spec::{
    AcquisitionKind, AcquisitionSpec, Descriptors, Device, EarlyStopping, FinetuneSpec, Freeze, LengthScalePriorSpec,
    OptimizerKind, OptimizerSpec, PropertySpec, SurrogateKind, SurrogateSpec, TrainOptimizer, UncertaintyMethod,
    UncertaintyMode, UncertaintySpec,
};

const SURROGATE_KEYS: &[&str] =
    &["kind", "pretrained", "data", "targets", "finetune", "uncertainty", "device", "retrain_every"];
const FINETUNE_KEYS: &[&str] =
    &["freeze", "epochs", "lr", "weight_decay", "dropout", "batch_size", "optimizer", "early_stopping", "descriptors"];
const DESCRIPTORS: &[&str] = &["none", "magpie", "fractions", "magpie+fractions"];
const OPTIMIZER_KEYS: &[&str] =
    &["kind", "initial", "batch_size", "acquisition", "population", "uncertainty", "length_scale_prior"];
const ACQUISITIONS: &[&str] = &["ei", "log_ei", "ucb", "pi", "thompson", "ehvi", "parego"];
/// Optimizer kinds, as written in the file.
pub const OPTIMIZERS: &[&str] = &["bayesian", "genetic", "cmaes", "nsga2", "random"];

/// Reads `surrogate`.
pub fn read_surrogate(
    r: &mut Reader,
    path: &str,
    v: &Value,
    base: &Path,
    props: &[PropertySpec],
) -> Option<SurrogateSpec> {
    let m = r.map(path, v, Some(SURROGATE_KEYS))?;
    let before = r.count();
    let kind = match m.get("kind") {
        None => Some(SurrogateKind::Finetuned),
        Some(k) => r.word(&m.path("kind"), k, &["finetuned", "gp", "ensemble"], "surrogate kind").map(|k| match k {
            "gp" => SurrogateKind::Gp,
            "ensemble" => SurrogateKind::Ensemble,
            _ => SurrogateKind::Finetuned,
        }),
    };
    let pretrained = m
        .get("pretrained")
        .and_then(|p| existing(r, &m.path("pretrained"), p, base, Path::is_dir, "an existing checkpoint folder"));
    if kind == Some(SurrogateKind::Finetuned) && !m.has("pretrained") {
        r.require(&m, "pretrained", "a pretrained checkpoint folder to fine-tune, e.g. surrogates/base");
    }
    let data = m
        .get("data")
        .and_then(|d| existing(r, &m.path("data"), d, base, Path::is_file, "an existing CSV or Parquet file"));
    let mut targets = BTreeMap::new();
    if let Some(t) = m.get("targets") {
        if let Some(tm) = r.map(&m.path("targets"), t, None) {
            for (prop, col) in tm.entries() {
                let p = tm.path(prop);
                let known = check_property(r, &p, prop, props);
                let col = if col.is_null() { Some(prop.clone()) } else { r.name(&p, col) };
                if let (true, Some(col)) = (known, col) {
                    targets.insert(prop.clone(), col);
                }
            }
        }
    }
    let finetune = match m.get("finetune") {
        Some(f) => read_finetune(r, &m.path("finetune"), f).unwrap_or_default(),
        None => FinetuneSpec::default(),
    };
    let uncertainty = m.get("uncertainty").and_then(|u| read_uncertainty(r, &m.path("uncertainty"), u));
    let device = match m.get("device") {
        None => Some(Device::Cpu),
        Some(d) => r.word(&m.path("device"), d, &["cpu", "cuda", "auto"], "device").map(|d| match d {
            "cuda" => Device::Cuda,
            "auto" => Device::Auto,
            _ => Device::Cpu,
        }),
    };
    let retrain_every = m.get("retrain_every").map(|x| r.count_at_least(&m.path("retrain_every"), x, 1));
    if kind == Some(SurrogateKind::Gp) && m.has("retrain_every") {
        r.report(
            Problem::value(&m.path("retrain_every"), "a 'gp' surrogate is not trained, so it cannot be re-trained")
                .expected(
                "kind finetuned or ensemble, or no retrain_every (the optimizer's GPs refit every iteration anyway)",
            ),
        );
    }
    let spec = SurrogateSpec {
        kind: kind?,
        pretrained,
        data,
        targets,
        finetune,
        uncertainty,
        device: device?,
        retrain_every: retrain_every.unwrap_or(None),
    };
    (r.count() == before).then_some(spec)
}

/// A path that must exist (checked with `exists`), resolved against `base`.
fn existing(
    r: &mut Reader,
    path: &str,
    v: &Value,
    base: &Path,
    exists: fn(&Path) -> bool,
    what: &str,
) -> Option<std::path::PathBuf> {
    let s = r.string(path, v)?;
    let resolved = super::resolve(base, &s);
    if !exists(&resolved) {
        r.report(
            Problem::value(path, format!("'{}' does not exist", resolved.display()))
                .expected(format!("{what}; relative paths are relative to the campaign file's folder")),
        );
        return None;
    }
    Some(resolved)
}

fn read_finetune(r: &mut Reader, path: &str, v: &Value) -> Option<FinetuneSpec> {
    let m = r.map(path, v, Some(FINETUNE_KEYS))?;
    let mut f = FinetuneSpec::default();
    if let Some(x) = m.get("freeze") {
        f.freeze = read_freeze(r, &m.path("freeze"), x).unwrap_or(f.freeze);
    }
    let count = |r: &mut Reader, key: &str| m.get(key).and_then(|x| r.count_at_least(&m.path(key), x, 1));
    f.epochs = count(r, "epochs").unwrap_or(f.epochs);
    f.batch_size = count(r, "batch_size").unwrap_or(f.batch_size);
    if let Some(x) = m.get("lr") {
        f.lr = r.positive(&m.path("lr"), x).unwrap_or(f.lr);
    }
    if let Some(x) = m.get("weight_decay") {
        f.weight_decay = fraction(r, &m, "weight_decay", x, f64::INFINITY, "a number >= 0").unwrap_or(f.weight_decay);
    }
    if let Some(x) = m.get("dropout") {
        f.dropout = fraction(r, &m, "dropout", x, 1.0, "a probability in [0, 1)").unwrap_or(f.dropout);
    }
    if let Some(x) = m.get("optimizer") {
        f.optimizer = match r.word(&m.path("optimizer"), x, &["adamw", "sgd"], "training optimizer") {
            Some("sgd") => TrainOptimizer::Sgd,
            _ => TrainOptimizer::AdamW,
        };
    }
    if let Some(x) = m.get("descriptors") {
        f.descriptors = match r.word(&m.path("descriptors"), x, DESCRIPTORS, "descriptor set") {
            Some("magpie") => Descriptors::Magpie,
            Some("fractions") => Descriptors::Fractions,
            Some("magpie+fractions") => Descriptors::MagpieFractions,
            Some(_) => Descriptors::None,
            None => f.descriptors,
        };
    }
    if let Some(x) = m.get("early_stopping") {
        let em = r.map(&m.path("early_stopping"), x, Some(&["patience"]))?;
        let patience = r
            .require(&em, "patience", "epochs without improvement, e.g. 30")
            .and_then(|p| r.count_at_least(&em.path("patience"), p, 1));
        f.early_stopping = patience.map(|patience| EarlyStopping { patience });
    }
    Some(f)
}

/// A number in `[0, below)`.
fn fraction(r: &mut Reader, m: &Map, key: &str, v: &Value, below: f64, expected: &str) -> Option<f64> {
    let x = r.number(&m.path(key), v)?;
    if (0.0..below).contains(&x) {
        return Some(x);
    }
    r.report(Problem::value(&m.path(key), format!("{x} is out of range")).expected(expected.to_string()));
    None
}

fn read_freeze(r: &mut Reader, path: &str, v: &Value) -> Option<Freeze> {
    if let Value::Mapping(_) = v {
        let m = r.map(path, v, Some(&["top_k"]))?;
        let k = r.require(&m, "top_k", "the number of top encoder blocks to train")?;
        return r.count_at_least(&m.path("top_k"), k, 1).map(Freeze::TopK);
    }
    let expected = &["backbone", "heads", "none"];
    r.word(path, v, expected, "freeze strategy").map(|w| match w {
        "none" => Freeze::None,
        _ => Freeze::Backbone,
    })
}

fn read_uncertainty(r: &mut Reader, path: &str, v: &Value) -> Option<UncertaintySpec> {
    let m = r.map(path, v, Some(&["method", "members", "bootstrap", "rotate_validation", "mean"]))?;
    let method = r
        .require(&m, "method", "ensemble or gp")
        .and_then(|x| r.word(&m.path("method"), x, &["ensemble", "gp"], "uncertainty method"))
        .map(|w| if w == "gp" { UncertaintyMethod::Gp } else { UncertaintyMethod::Ensemble });
    let members = match m.get("members") {
        Some(x) => r.count_at_least(&m.path("members"), x, 2)?,
        None => 5,
    };
    let bootstrap = match m.get("bootstrap") {
        Some(x) => r.boolean(&m.path("bootstrap"), x)?,
        None => false,
    };
    let rotate_validation = match m.get("rotate_validation") {
        Some(x) => {
            let rotate = r.boolean(&m.path("rotate_validation"), x)?;
            if rotate && bootstrap {
                r.report(
                    Problem::value(&m.path("rotate_validation"), "bootstrap members share one validation split")
                        .expected("false, or leave bootstrap out"),
                );
                return None;
            }
            rotate
        }
        None => false,
    };
    let gp_mean = match m.get("mean") {
        Some(x) => r.word(&m.path("mean"), x, &["network", "gp"], "source of the predicted mean")? == "gp",
        None => false,
    };
    Some(UncertaintySpec { method: method?, members, bootstrap, rotate_validation, gp_mean })
}

/// Reads `optimizer` (absent: every default). `objectives` is the number of objectives,
/// which picks the default acquisition.
pub fn read_optimizer(r: &mut Reader, path: &str, v: Option<&Value>, objectives: usize) -> Option<OptimizerSpec> {
    let empty = Value::Mapping(Default::default());
    let m = r.map(path, v.unwrap_or(&empty), Some(OPTIMIZER_KEYS))?;
    let before = r.count();
    let kind = match m.get("kind") {
        None => Some(OptimizerKind::Bayesian),
        Some(k) => r.word(&m.path("kind"), k, OPTIMIZERS, "optimizer kind").map(|k| match k {
            "genetic" => OptimizerKind::Genetic,
            "cmaes" => OptimizerKind::Cmaes,
            "nsga2" => OptimizerKind::Nsga2,
            "random" => OptimizerKind::Random,
            _ => OptimizerKind::Bayesian,
        }),
    };
    let initial = match m.get("initial") {
        Some(x) => r.unsigned(&m.path("initial"), x).map(|n| n as usize),
        None => Some(8),
    };
    let batch_size = match m.get("batch_size") {
        Some(x) => r.count_at_least(&m.path("batch_size"), x, 1),
        None => Some(4),
    };
    let population = m.get("population").and_then(|x| r.count_at_least(&m.path("population"), x, 2));
    let kind = kind?;
    let evolutionary = matches!(kind, OptimizerKind::Genetic | OptimizerKind::Cmaes | OptimizerKind::Nsga2);
    let kind_name = OPTIMIZERS[kind as usize];
    let only = |r: &mut Reader, key: &str, ok: bool, for_what: &str| {
        if m.has(key) && !ok {
            r.report(
                Problem::key(&m.path(key), format!("'{key}' does not apply to optimizer '{kind_name}'"))
                    .expected(format!("'{key}' only with {for_what}")),
            );
        }
    };
    if matches!(kind, OptimizerKind::Genetic | OptimizerKind::Cmaes) && objectives > 1 {
        r.report(
            Problem::value(&m.path("kind"), format!("'{kind_name}' optimises one objective; there are {objectives}"))
                .expected("nsga2 or bayesian for several objectives"),
        );
    }
    only(r, "acquisition", kind == OptimizerKind::Bayesian, "kind: bayesian");
    only(r, "population", evolutionary, "kind: genetic, cmaes or nsga2");
    only(r, "uncertainty", evolutionary, "kind: genetic, cmaes or nsga2");
    let acquisition = if kind != OptimizerKind::Bayesian {
        None
    } else if let Some(a) = m.get("acquisition") {
        read_acquisition(r, &m.path("acquisition"), a, objectives)
    } else {
        let kind = if objectives > 1 { AcquisitionKind::Ehvi } else { AcquisitionKind::LogEi };
        Some(AcquisitionSpec { kind })
    };
    let uncertainty = match m.get("uncertainty") {
        Some(u) if evolutionary => read_mode(r, &m.path("uncertainty"), u),
        _ => None,
    };
    only(r, "length_scale_prior", kind == OptimizerKind::Bayesian, "kind: bayesian");
    let length_scale_prior = match m.get("length_scale_prior") {
        Some(v) if kind == OptimizerKind::Bayesian => {
            let p = m.path("length_scale_prior");
            let lm = r.map(&p, v, Some(&["median", "log_sd"]))?;
            let median = lm.get("median").map_or(Some(0.25), |x| r.positive(&lm.path("median"), x));
            let log_sd = lm.get("log_sd").map_or(Some(1.25), |x| r.positive(&lm.path("log_sd"), x));
            Some(LengthScalePriorSpec { median: median?, log_sd: log_sd? })
        }
        _ => None,
    };
    let spec = OptimizerSpec {
        kind,
        initial: initial?,
        batch_size: batch_size?,
        acquisition,
        population,
        uncertainty,
        length_scale_prior,
    };
    (r.count() == before).then_some(spec)
}

fn read_acquisition(r: &mut Reader, path: &str, v: &Value, objectives: usize) -> Option<AcquisitionSpec> {
    // `acquisition: log_ei` or `acquisition: {kind: ucb, beta: 2}`.
    let (kind_path, kind_value, m) = match v {
        Value::Mapping(_) => {
            let m = r.map(path, v, Some(&["kind", "beta"]))?;
            let k = r.require(&m, "kind", "ei, log_ei, ucb, pi, thompson, ehvi or parego")?;
            (m.path("kind"), k, Some(m))
        }
        _ => (path.to_string(), v, None),
    };
    let name = r.word(&kind_path, kind_value, ACQUISITIONS, "acquisition")?;
    let beta = m.as_ref().and_then(|m| m.get("beta").map(|b| (m.path("beta"), b)));
    if name != "ucb" {
        if let Some((bp, _)) = &beta {
            r.report(Problem::key(bp, "'beta' only applies to acquisition 'ucb'"));
        }
    }
    let kind = match name {
        "ei" => AcquisitionKind::Ei,
        "log_ei" => AcquisitionKind::LogEi,
        "pi" => AcquisitionKind::Pi,
        "thompson" => AcquisitionKind::Thompson,
        "ehvi" => AcquisitionKind::Ehvi,
        "parego" => AcquisitionKind::Parego,
        _ => AcquisitionKind::Ucb {
            beta: match &beta {
                Some((bp, b)) => r.positive(bp, b)?,
                None => 2.0,
            },
        },
    };
    let multi = matches!(kind, AcquisitionKind::Ehvi | AcquisitionKind::Parego);
    if multi && objectives < 2 {
        r.report(
            Problem::value(&kind_path, format!("'{name}' needs two or more objectives; there is {objectives}"))
                .expected("ei, log_ei, ucb, pi or thompson for one objective"),
        );
        return None;
    }
    Some(AcquisitionSpec { kind })
}

fn read_mode(r: &mut Reader, path: &str, v: &Value) -> Option<UncertaintyMode> {
    // `uncertainty: lcb` or `uncertainty: {kind: lcb, kappa: 1.5}`.
    let (kind_path, kind_value, m) = match v {
        Value::Mapping(_) => {
            let m = r.map(path, v, Some(&["kind", "kappa"]))?;
            let k = r.require(&m, "kind", "mean, lcb or ucb")?;
            (m.path("kind"), k, Some(m))
        }
        _ => (path.to_string(), v, None),
    };
    let name = r.word(&kind_path, kind_value, &["mean", "lcb", "ucb"], "uncertainty mode")?;
    let kappa = match m.as_ref().and_then(|m| m.get("kappa").map(|k| (m.path("kappa"), k))) {
        Some((kp, _)) if name == "mean" => {
            r.report(Problem::key(&kp, "'kappa' does not apply to 'mean'"));
            return None;
        }
        Some((kp, k)) => r.positive(&kp, k)?,
        None => 2.0,
    };
    Some(match name {
        "lcb" => UncertaintyMode::Lcb { kappa },
        "ucb" => UncertaintyMode::Ucb { kappa },
        _ => UncertaintyMode::Mean,
    })
}
