//! BO benchmarks of issue 4 (see `experiments/bo-benchmarks/README.md`): crucible's
//! `BayesianStrategy` and random search driven in-process, the same ask/tell loop as a
//! campaign, one seed at a time. Results are appended per seed to small CSV files, and seeds
//! already in a file are skipped, so an interrupted run resumes where it stopped.
//!
//! ```text
//! cargo run --example bo_bench -- init     --seeds 0-19 --out DIR/initial_designs.csv
//! cargo run --example bo_bench -- analytic --problem branin|hartmann6|mixture --method bo|random
//!                                          --seeds 0-19 --budget 100 --init DIR/initial_designs.csv --out FILE
//!                                          [--points FILE: every evaluated point, for diagnostics]
//! cargo run --example bo_bench -- pool     --method bo|random --seeds 0-19 --out FILE
//! cargo run --example bo_bench -- timing   --n 50,200,1000 --q 1,4 --reps 3 [--label crucible] --out FILE
//! ```
//!
//! Ablations (analytic, pool, timing): `--ls-median M --ls-sd S` set the GP's length-scale
//! prior (median M·√d, log-sd S), `--fit-starts K` the random starts of a cold GP fit,
//! `--screen-above N` the fitting-set size above which fit starts are screened,
//! `--raw-samples N --restarts K --refine-iters I` the acquisition search, and
//! `--label NAME` the method's name in the output file.
//!
//! Problems (all with crucible's defaults: `BoSettings::new(goals, LogEi)`):
//! - `branin` on [-5, 10] × [0, 15], minimise, f* = 0.397887;
//! - `hartmann6` on [0, 1]^6, minimise, f* = −3.32237;
//! - `mixture`: `mixture_peaks5` on a 5-component simplex (Fe, Ni, Co, Cr, Mn, each in [0, 1])
//!   with at most 3 non-zero components, maximise, f* = `MIXTURE_PEAKS_5_MAX`.
//!
//! Initial designs (`init`) are `Space::sample` draws, 2(d + 1) points (6, 14, 12), from the
//! stream `(seed, "bench-initial-<problem>")`; the BoTorch driver reads the same file, and
//! `analytic --init FILE` checks that the design it regenerates is the one in the file.
use std::collections::HashSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crucible::bo::{BayesianStrategy, BoSettings};
use crucible::config::spec::{AcquisitionKind, Goal};
use crucible::goals::Goals;
use crucible::oracle::functions::{evaluate, MIXTURE_PEAKS_5_MAX};
use crucible::space::spec::{ComponentSpec, DesignSpec, MixtureSpec, ParameterSpec, PoolSpec, SpaceSpec};
use crucible::space::{Candidate, ParamValue, Space};
use crucible::strategy::{AskContext, Evaluated, FeatureMap, RandomStrategy, Strategy};

/// Evaluation counts at which the best-so-far regret is recorded.
const CHECKPOINTS: &[usize] = &[10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100];

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Problem {
    name: &'static str,
    space: Space,
    /// Minimise (true) or maximise.
    minimise: bool,
    optimum: f64,
    n_init: usize,
}

impl Problem {
    fn new(name: &str) -> Res<Problem> {
        let boxed = |ranges: &[(f64, f64)]| {
            let parameters = ranges
                .iter()
                .enumerate()
                .map(|(i, &(min, max))| ParameterSpec::Continuous { name: format!("x{i}"), min, max, unit: None })
                .collect();
            Space::new(&SpaceSpec::Design(DesignSpec { parameters, ..DesignSpec::default() }), None)
        };
        Ok(match name {
            "branin" => Problem {
                name: "branin",
                space: boxed(&[(-5.0, 10.0), (0.0, 15.0)])?,
                minimise: true,
                optimum: 0.397_887_357_729_738,
                n_init: 6,
            },
            "hartmann6" => Problem {
                name: "hartmann6",
                space: boxed(&[(0.0, 1.0); 6])?,
                minimise: true,
                optimum: -3.322_368_011_415_515,
                n_init: 14,
            },
            "mixture" => {
                let m = MixtureSpec {
                    components: ["Fe", "Ni", "Co", "Cr", "Mn"]
                        .iter()
                        .map(|n| ComponentSpec { name: n.to_string(), min: 0.0, max: 1.0 })
                        .collect(),
                    max_components: Some(3),
                    ..MixtureSpec::default()
                };
                let spec = SpaceSpec::Design(DesignSpec { composition: Some(m), ..DesignSpec::default() });
                Problem {
                    name: "mixture",
                    space: Space::new(&spec, None)?,
                    minimise: false,
                    optimum: MIXTURE_PEAKS_5_MAX,
                    n_init: 12,
                }
            }
            other => return Err(format!("unknown problem '{other}' (branin, hartmann6, mixture)").into()),
        })
    }

    /// The candidate's inputs in natural units (fractions, then parameters).
    fn inputs(c: &Candidate) -> Vec<f64> {
        let mut x = c.fractions.clone();
        x.extend(c.params.iter().map(|p| match *p {
            ParamValue::Real(v) => v,
            ParamValue::Int(i) => i as f64,
            ParamValue::Cat(i) => i as f64,
        }));
        x
    }

    fn value(&self, c: &Candidate) -> f64 {
        let f = if self.name == "mixture" { "mixture_peaks5" } else { self.name };
        evaluate(f, &Self::inputs(c)).expect("benchmark inputs are valid")
    }

    fn regret(&self, best: f64) -> f64 {
        if self.minimise {
            best - self.optimum
        } else {
            self.optimum - best
        }
    }

    fn goals(&self) -> Goals {
        let g = if self.minimise { Goal::Minimize } else { Goal::Maximize };
        Goals { objectives: vec![(0, g)], constraints: vec![] }
    }

    /// The initial design of `seed` (deterministic; the `init` command writes it out).
    fn initial(&self, seed: u64) -> Res<Vec<Candidate>> {
        let mut rng = crucible::rng::stream(seed, &format!("bench-initial-{}", self.name), 0);
        Ok(self.space.sample(self.n_init, &mut rng)?)
    }
}

struct Args {
    cmd: String,
    opts: Vec<(String, String)>,
}

impl Args {
    fn parse() -> Res<Args> {
        let mut it = std::env::args().skip(1);
        let cmd = it.next().ok_or("usage: bo_bench init|analytic|pool|timing [--key value]...")?;
        let mut opts = Vec::new();
        while let Some(k) = it.next() {
            let key = k.strip_prefix("--").ok_or(format!("expected --option, got '{k}'"))?;
            opts.push((key.to_string(), it.next().ok_or(format!("--{key} needs a value"))?));
        }
        Ok(Args { cmd, opts })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.opts.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn need(&self, key: &str) -> Res<&str> {
        self.get(key).ok_or_else(|| format!("--{key} is required").into())
    }

    /// `0-19` or `0,3,5`.
    fn seeds(&self) -> Res<Vec<u64>> {
        let s = self.get("seeds").unwrap_or("0-19");
        if let Some((a, b)) = s.split_once('-') {
            return Ok((a.parse()?..=b.parse()?).collect());
        }
        Ok(s.split(',').map(str::parse).collect::<Result<_, _>>()?)
    }

    /// `BoSettings::new(goals, LogEi)` with the ablation flags applied: `--ls-median M` and
    /// `--ls-sd S` (length-scale prior: median M·√d, log-sd S), `--fit-starts K` (random starts
    /// of a cold GP fit), `--screen-above N` (refine every fit start up to N points),
    /// `--raw-samples N`, `--restarts K`, `--refine-iters I` (acquisition search).
    fn settings(&self, goals: Goals) -> Res<BoSettings> {
        let mut s = BoSettings::new(goals, AcquisitionKind::LogEi);
        if let Some(m) = self.get("ls-median") {
            s.fit.length_scale.median = m.parse()?;
        }
        if let Some(v) = self.get("ls-sd") {
            s.fit.length_scale.log_sd = v.parse()?;
        }
        if let Some(k) = self.get("fit-starts") {
            s.fit.random_starts = k.parse()?;
        }
        if let Some(v) = self.get("screen-above") {
            s.fit.screen_above = v.parse()?;
        }
        if let Some(v) = self.get("raw-samples") {
            s.raw_samples = v.parse()?;
        }
        if let Some(v) = self.get("restarts") {
            s.restarts = v.parse()?;
        }
        if let Some(v) = self.get("refine-iters") {
            s.refine_iters = v.parse()?;
        }
        Ok(s)
    }

    /// The method's name in the output (`--label`, default the method).
    fn label(&self, method: &str) -> String {
        self.get("label").unwrap_or(method).to_string()
    }

    fn list(&self, key: &str, default: &str) -> Res<Vec<usize>> {
        Ok(self.get(key).unwrap_or(default).split(',').map(str::parse).collect::<Result<_, _>>()?)
    }
}

/// Appends lines to a CSV (header written when the file is new) and knows which keys
/// (the first `key_cols` fields of each line) are already there.
struct Sink {
    path: PathBuf,
    done: HashSet<String>,
}

impl Sink {
    fn open(path: &Path, header: &str, key_cols: usize) -> Res<Sink> {
        let mut done = HashSet::new();
        if let Ok(text) = std::fs::read_to_string(path) {
            for line in text.lines().skip(1) {
                let key: Vec<&str> = line.split(',').take(key_cols).collect();
                done.insert(key.join(","));
            }
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, format!("{header}\n"))?;
        }
        Ok(Sink { path: path.to_owned(), done })
    }

    fn has(&self, key: &str) -> bool {
        self.done.contains(key)
    }

    fn append(&mut self, lines: &[String]) -> Res<()> {
        let mut f = OpenOptions::new().append(true).open(&self.path)?;
        let mut text = lines.join("\n");
        text.push('\n');
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        Ok(())
    }
}

fn evaluated(c: &Candidate, v: f64) -> Evaluated {
    Evaluated { candidate: c.clone(), values: Some(vec![v]), feasible: true, stds: None }
}

/// `init`: the initial designs of every problem and seed, one row per point.
fn init(args: &Args) -> Res<()> {
    let out = PathBuf::from(args.need("out")?);
    let mut lines = vec!["problem,seed,index,x0,x1,x2,x3,x4,x5".to_string()];
    for name in ["branin", "hartmann6", "mixture"] {
        let p = Problem::new(name)?;
        for seed in args.seeds()? {
            for (i, c) in p.initial(seed)?.iter().enumerate() {
                let mut x: Vec<String> = Problem::inputs(c).iter().map(|v| format!("{v:.17e}")).collect();
                x.resize(6, String::new());
                lines.push(format!("{name},{seed},{i},{}", x.join(",")));
            }
        }
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, lines.join("\n") + "\n")?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

/// The initial design regenerated here must be the one in `file` (what BoTorch reads).
fn check_initial(file: &Path, problem: &str, seed: u64, init: &[Candidate]) -> Res<()> {
    let text = std::fs::read_to_string(file)?;
    let mut rows: Vec<(usize, Vec<f64>)> = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if f.len() > 3 && f[0] == problem && f[1].parse::<u64>().ok() == Some(seed) {
            let x = f[3..].iter().filter(|v| !v.is_empty()).map(|v| v.parse::<f64>()).collect::<Result<_, _>>()?;
            rows.push((f[2].parse()?, x));
        }
    }
    rows.sort_by_key(|r| r.0);
    let same = rows.len() == init.len()
        && rows.iter().zip(init).all(|((_, x), c)| {
            let y = Problem::inputs(c);
            x.len() == y.len() && x.iter().zip(&y).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1.0))
        });
    if same {
        Ok(())
    } else {
        Err(format!("{}: the initial design of {problem} seed {seed} differs from this build's", file.display()).into())
    }
}

/// `analytic`: best-so-far regret at [`CHECKPOINTS`], one seed at a time.
fn analytic(args: &Args) -> Res<()> {
    let p = Problem::new(args.need("problem")?)?;
    let method = args.need("method")?.to_string();
    let label = args.label(&method);
    let budget: usize = args.get("budget").unwrap_or("100").parse()?;
    let header = "problem,method,seed,evals,regret,wall_s";
    let mut sink = Sink::open(Path::new(args.need("out")?), header, 3)?;
    for seed in args.seeds()? {
        let key = format!("{},{label},{seed}", p.name);
        if sink.has(&key) {
            eprintln!("{key}: done already, skipped");
            continue;
        }
        let t = Instant::now();
        let init = p.initial(seed)?;
        if let Some(file) = args.get("init") {
            check_initial(Path::new(file), p.name, seed, &init)?;
        }
        let mut values: Vec<f64> = init.iter().map(|c| p.value(c)).collect();
        let mut seen = init.clone();
        let mut strategy: Box<dyn Strategy> = match method.as_str() {
            "bo" => Box::new(BayesianStrategy::new(args.settings(p.goals())?)),
            "random" => Box::new(RandomStrategy),
            m => return Err(format!("unknown method '{m}' (bo, random)").into()),
        };
        let told: Vec<Evaluated> = init.iter().zip(&values).map(|(c, &v)| evaluated(c, v)).collect();
        strategy.tell(&told)?;
        let mut it = 0;
        while seen.len() < budget {
            let mut rng = crucible::rng::stream(seed, "ask", it);
            it += 1;
            let ctx = AskContext { space: &p.space, seen: &seen, initial_remaining: 0 };
            let props = strategy.ask(&ctx, 1, &mut rng)?;
            let mut told = Vec::new();
            for prop in props {
                p.space.check(&prop.candidate).map_err(|e| format!("infeasible proposal: {e:?}"))?;
                let v = p.value(&prop.candidate);
                told.push(evaluated(&prop.candidate, v));
                values.push(v);
                seen.push(prop.candidate);
            }
            strategy.tell(&told)?;
        }
        let wall = t.elapsed().as_secs_f64();
        if let Some(path) = args.get("points") {
            // Every evaluated point, for diagnostics (not part of the protocol).
            let mut f = OpenOptions::new().create(true).append(true).open(path)?;
            for (i, (c, v)) in seen.iter().zip(&values).enumerate() {
                let x: Vec<String> = Problem::inputs(c).iter().map(|v| format!("{v:.6}")).collect();
                writeln!(f, "{key},{i},{v:.6},{}", x.join(","))?;
            }
        }
        let mut lines = Vec::new();
        let mut best = if p.minimise { f64::INFINITY } else { f64::NEG_INFINITY };
        for (i, v) in values.iter().enumerate() {
            best = if p.minimise { best.min(*v) } else { best.max(*v) };
            if CHECKPOINTS.contains(&(i + 1)) {
                lines.push(format!("{key},{},{:.6e},{wall:.2}", i + 1, p.regret(best)));
            }
        }
        sink.append(&lines)?;
        let last = lines.last().map(String::as_str).unwrap_or("");
        eprintln!("{key}: {last} ({wall:.1} s)");
    }
    Ok(())
}

/// `pool`: the steels of `data/matbench/steels_yield.csv` as a pool, yield strength looked up
/// (as `oracle: table` does), maximised one evaluation at a time from 10 random rows until
/// every top-5% steel is found.
fn pool(args: &Args) -> Res<()> {
    let path = PathBuf::from(args.get("data").unwrap_or("data/matbench/steels_yield.csv"));
    let method = args.need("method")?.to_string();
    let label = args.label(&method);
    let n_init: usize = args.get("initial").unwrap_or("10").parse()?;
    let exclude = vec!["target".to_string()];
    let cols = crucible::io::PoolColumns { inputs: None, exclude: &exclude, formula: Some("formula") };
    let table = crucible::io::load_pool(&path, &cols)?;
    let df = crucible::io::read_table(&path)?;
    let y: Vec<f64> = crucible::io::numeric_column(&df, &path, "target")?
        .into_iter()
        .map(|v| v.ok_or("missing target"))
        .collect::<Result<_, _>>()?;
    let space = Space::new(&SpaceSpec::Pool(PoolSpec { path: path.clone(), inputs: None }), Some(table))?;
    let n = y.len();
    let mut sorted = y.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    // Top k% = every row at least as good as the ceil(k% · n)-th best (ties included).
    let top = |pct: f64| {
        let k = ((pct / 100.0) * n as f64).ceil() as usize;
        let cut = sorted[k - 1];
        (0..n).filter(|&i| y[i] >= cut).collect::<HashSet<usize>>()
    };
    let (top1, top5) = (top(1.0), top(5.0));
    eprintln!("pool: {n} steels, {} in the top 1%, {} in the top 5%", top1.len(), top5.len());
    let header = "method,seed,first_top1,all_top1,first_top5,all_top5,wall_s";
    let mut sink = Sink::open(Path::new(args.need("out")?), header, 2)?;
    let goals = Goals { objectives: vec![(0, Goal::Maximize)], constraints: vec![] };
    // `bo-embed`: the GP sees the shipped pretrained surrogate's embedding of each steel (what a
    // campaign with `surrogate: {kind: gp, pretrained: surrogates/base}` gives the optimizer),
    // reduced to its leading principal components as the campaign does.
    let features = if method == "bo-embed" {
        let df = crucible::io::read_table(&path)?;
        let formulas = crucible::io::string_column(&df, &path, "formula")?;
        let comps: Vec<crucible::chem::Composition> = formulas
            .iter()
            .map(|f| crucible::chem::Composition::parse(f.as_deref().unwrap_or("")))
            .collect::<Result<_, _>>()?;
        let base = args.get("model").unwrap_or("surrogates/base");
        let net = crucible::surrogate::NeuralSurrogate::load(Path::new(base), crucible::surrogate::Device::Cpu)?;
        crucible::surrogate::set_threads(None);
        let z = net.embed(&crucible::surrogate::ModelInputs::new(&comps, None))?;
        let p = crucible::gp::pca::Projection::fit(z.view(), 0.95, 8);
        eprintln!("embedding: {} principal components, {:.0}% of the variance", p.len(), 100.0 * p.explained);
        Some(PoolFeatures(p.apply(z.view())))
    } else {
        None
    };
    for seed in args.seeds()? {
        let key = format!("{label},{seed}");
        if sink.has(&key) {
            eprintln!("{key}: done already, skipped");
            continue;
        }
        let t = Instant::now();
        let init = space.sample(n_init, &mut crucible::rng::stream(seed, "bench-initial-pool", 0))?;
        let mut strategy: Box<dyn Strategy> = match method.as_str() {
            "bo" | "bo-embed" => Box::new(BayesianStrategy::new(args.settings(goals.clone())?)),
            "random" => Box::new(RandomStrategy),
            m => return Err(format!("unknown method '{m}' (bo, bo-embed, random)").into()),
        };
        let row = |c: &Candidate| c.pool_index.expect("pool candidate");
        strategy.tell(&init.iter().map(|c| evaluated(c, y[row(c)])).collect::<Vec<_>>())?;
        let mut order: Vec<usize> = init.iter().map(row).collect();
        let mut seen = init;
        let mut it = 0;
        while !top5.iter().all(|i| order.contains(i)) && seen.len() < n {
            let mut rng = crucible::rng::stream(seed, "ask", it);
            it += 1;
            let ctx = AskContext { space: &space, seen: &seen, initial_remaining: 0 };
            let props = match &features {
                Some(f) => strategy.ask_with_features(&ctx, f, 1, &mut rng)?,
                None => strategy.ask(&ctx, 1, &mut rng)?,
            };
            let told: Vec<Evaluated> = props.iter().map(|p| evaluated(&p.candidate, y[row(&p.candidate)])).collect();
            for p in props {
                order.push(row(&p.candidate));
                seen.push(p.candidate);
            }
            strategy.tell(&told)?;
        }
        let first = |s: &HashSet<usize>| order.iter().position(|i| s.contains(i)).map_or(0, |k| k + 1);
        let all = |s: &HashSet<usize>| {
            let mut left = s.len();
            for (k, i) in order.iter().enumerate() {
                left -= usize::from(s.contains(i));
                if left == 0 {
                    return k + 1;
                }
            }
            0
        };
        let wall = t.elapsed().as_secs_f64();
        let line = format!("{key},{},{},{},{},{wall:.2}", first(&top1), all(&top1), first(&top5), all(&top5));
        eprintln!("{line}");
        sink.append(&[line])?;
    }
    Ok(())
}

/// `timing`: one BO iteration (fit + acquisition maximisation) after `n` uniformly random
/// Hartmann-6 evaluations, default settings, q = 1 and 4, `reps` repetitions; wall and CPU
/// time.
fn timing(args: &Args) -> Res<()> {
    let p = Problem::new("hartmann6")?;
    let reps: usize = args.get("reps").unwrap_or("3").parse()?;
    let label = args.get("label").unwrap_or("crucible");
    let header = "impl,n,q,rep,seconds,cpu_s";
    let mut sink = Sink::open(Path::new(args.need("out")?), header, 4)?;
    for n in args.list("n", "50,200,1000")? {
        for q in args.list("q", "1,4")? {
            for rep in 0..reps {
                let key = format!("{label},{n},{q},{rep}");
                if sink.has(&key) {
                    continue;
                }
                let mut rng = crucible::rng::stream(rep as u64, "bench-timing", n as u64);
                let cs = p.space.sample(n, &mut rng)?;
                let mut s = BayesianStrategy::new(args.settings(p.goals())?);
                s.tell(&cs.iter().map(|c| evaluated(c, p.value(c))).collect::<Vec<_>>())?;
                let ctx = AskContext { space: &p.space, seen: &cs, initial_remaining: 0 };
                let (t, c) = (Instant::now(), cpu_seconds());
                let props = s.ask(&ctx, q, &mut rng)?;
                let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
                assert_eq!(props.len(), q);
                eprintln!("n = {n:5}  q = {q}  rep {rep}: {secs:.3} s wall, {cpu:.3} s CPU");
                sink.append(&[format!("{key},{secs:.4},{cpu:.4}")])?;
            }
        }
    }
    Ok(())
}

/// CPU time of this process (all threads), seconds: robust to other processes on a shared
/// machine, unlike wall time.
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() -> Res<()> {
    let args = Args::parse()?;
    match args.cmd.as_str() {
        "init" => init(&args),
        "analytic" => analytic(&args),
        "pool" => pool(&args),
        "timing" => timing(&args),
        c => Err(format!("unknown command '{c}' (init, analytic, pool, timing)").into()),
    }
}

/// Fixed features of pool rows (the pretrained embedding's principal components).
struct PoolFeatures(ndarray::Array2<f64>);

impl FeatureMap for PoolFeatures {
    fn features(&self, cs: &[Candidate]) -> Result<ndarray::Array2<f64>, String> {
        let rows: Vec<usize> =
            cs.iter().map(|c| c.pool_index.ok_or("not a pool candidate")).collect::<Result<_, _>>()?;
        Ok(self.0.select(ndarray::Axis(0), &rows))
    }

    fn describe(&self) -> String {
        format!("{} principal components of the pretrained embedding", self.0.ncols())
    }
}
