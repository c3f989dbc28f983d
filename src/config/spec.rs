//! The validated campaign: plain data, every default filled in, every path resolved.
//!
//! Produced only by [`crate::config::load`] / [`crate::config::parse_str`]; everything past
//! `config` reads these types and never YAML. Units: fractions in [0, 1], durations as
//! [`Duration`], paths as given in the file but resolved (see each field).
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::space::spec::SpaceSpec;

/// A whole campaign file, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    /// Campaign name (`name`); no path separators.
    pub name: String,
    /// Master seed (`seed`, default 0); every random stream derives from it.
    pub seed: u64,
    /// The design space (`space`).
    pub space: SpaceSpec,
    /// Properties, in file order (`properties`).
    pub properties: Vec<PropertySpec>,
    /// Objectives, in file order (`objectives`); at least one, each on a distinct property.
    pub objectives: Vec<Objective>,
    /// Constraints, in file order (`constraints`, default none).
    pub constraints: Vec<Constraint>,
    /// The surrogate model (`surrogate`); `None` when the file has none (then a Bayesian
    /// optimizer models the oracle's results with a GP on the encoded inputs).
    pub surrogate: Option<SurrogateSpec>,
    /// The search strategy (`optimizer`, default Bayesian).
    pub optimizer: OptimizerSpec,
    /// What evaluates candidates (`oracle`).
    pub oracle: OracleSpec,
    /// When to stop (`budget`); at least one limit.
    pub budget: Budget,
    /// Where results go (`output`).
    pub output: OutputSpec,
}

impl CampaignSpec {
    /// The property called `name`.
    pub fn property(&self, name: &str) -> Option<&PropertySpec> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// One property of a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertySpec {
    /// Property name (the key under `properties`).
    pub name: String,
    /// Unit, for reports (`unit`).
    pub unit: Option<String>,
    /// Where its values come from.
    pub source: PropertySource,
}

/// Where a property's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertySource {
    /// Predicted by the surrogate and measured by the oracle (no `derived`/`column` key).
    Oracle,
    /// Computed from the composition (`derived: density`).
    Derived(Derived),
    /// Read from this column of the pool / table (`column: "Conductivity (S/cm)"`).
    Column(String),
}

/// Properties crucible computes itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    /// Rule-of-mixtures density, g/cm³.
    Density,
}

/// One objective.
#[derive(Debug, Clone, PartialEq)]
pub struct Objective {
    /// A defined property.
    pub property: String,
    /// What is wanted of it.
    pub goal: Goal,
}

/// What is wanted of an objective's property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// As large as possible.
    Maximize,
    /// As small as possible.
    Minimize,
    /// As close to `value` as possible; within `tolerance` (> 0) counts as on target.
    Target {
        /// The wanted value.
        value: f64,
        /// Half-width of the acceptable band.
        tolerance: Option<f64>,
    },
    /// Anywhere in `[min, max]` (`min < max`).
    Range {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
    },
}

/// A feasibility constraint on a property: `min <= value <= max`; at least one bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// A defined property.
    pub property: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
}

/// The surrogate model and how it is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct SurrogateSpec {
    /// Model family (`kind`).
    pub kind: SurrogateKind,
    /// Pretrained checkpoint folder (`pretrained`), resolved against the config's folder;
    /// required for `finetuned`.
    pub pretrained: Option<PathBuf>,
    /// Labelled data file, CSV or Parquet (`data`), resolved against the config's folder.
    pub data: Option<PathBuf>,
    /// Property → column in `data` (`targets`); a property not listed uses its own name.
    pub targets: BTreeMap<String, String>,
    /// Fine-tuning settings (`finetune`, all defaulted).
    pub finetune: FinetuneSpec,
    /// Uncertainty method (`uncertainty`); `None`: the model kind's own.
    pub uncertainty: Option<UncertaintySpec>,
    /// Where to train and predict (`device`, default CPU).
    pub device: Device,
    /// Re-train the model during a run after every this many new measurements
    /// (`retrain_every`, ≥ 1); `None`: trained once at the start (and by `ingest`).
    pub retrain_every: Option<usize>,
}

/// Surrogate model families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurrogateKind {
    /// A pretrained network fine-tuned on the campaign's data (`finetuned`).
    Finetuned,
    /// A Gaussian process (`gp`): on the pretrained embedding when `pretrained` is given,
    /// else on the encoded inputs.
    Gp,
    /// A deep ensemble (`ensemble`).
    Ensemble,
}

/// Fine-tuning hyperparameters.
#[derive(Debug, Clone, PartialEq)]
pub struct FinetuneSpec {
    /// What stays fixed (`freeze`, default `none`: every weight trains; training the heads
    /// only was the worst choice in `experiments/finetune-steels`. The same default as
    /// `crucible finetune`).
    pub freeze: Freeze,
    /// Training epochs (`epochs`, default 300, ≥ 1).
    pub epochs: usize,
    /// Learning rate (`lr`, default 3e-3, > 0; the same default as `crucible finetune`, chosen
    /// in `experiments/finetune-settings`).
    pub lr: f64,
    /// Weight decay (`weight_decay`, default 1e-4, ≥ 0).
    pub weight_decay: f64,
    /// Dropout probability (`dropout`, default 0.1, in [0, 1)).
    pub dropout: f64,
    /// Minibatch size (`batch_size`, default 32, ≥ 1).
    pub batch_size: usize,
    /// Gradient optimizer (`optimizer`, default `adamw`).
    pub optimizer: TrainOptimizer,
    /// Early stopping on a validation split (`early_stopping`, default off).
    pub early_stopping: Option<EarlyStopping>,
    /// Composition descriptors for a descriptor branch next to the learned embedding
    /// (`descriptors`, default `none`).
    pub descriptors: Descriptors,
}

impl Default for FinetuneSpec {
    fn default() -> Self {
        FinetuneSpec {
            freeze: Freeze::None,
            epochs: 300,
            lr: 3e-3,
            weight_decay: 1e-4,
            dropout: 0.1,
            batch_size: 32,
            optimizer: TrainOptimizer::AdamW,
            early_stopping: None,
            descriptors: Descriptors::None,
        }
    }
}

/// Freeze strategy while fine-tuning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freeze {
    /// Freeze the encoder; train the task heads (and the input branch) only (`backbone`, or
    /// its alias `heads`, as in `crucible finetune --freeze heads`).
    Backbone,
    /// Train the top `n` encoder blocks and the heads; freeze the rest (`{top_k: n}`).
    TopK(usize),
    /// Train everything (`none`).
    None,
}

/// Composition descriptors computed from each formula and fed, standardised, through their
/// own small branch trained at fine-tuning time (`surrogate::descriptors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptors {
    /// No descriptor branch (`none`).
    None,
    /// The 133 Magpie features (`magpie`).
    Magpie,
    /// Element fractions over the training data's elements (`fractions`).
    Fractions,
    /// Both (`magpie+fractions`).
    MagpieFractions,
}

/// Gradient optimizer for training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainOptimizer {
    /// AdamW (`adamw`).
    AdamW,
    /// Stochastic gradient descent (`sgd`).
    Sgd,
}

/// Early stopping settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EarlyStopping {
    /// Epochs without validation improvement before stopping (`patience`, ≥ 1).
    pub patience: usize,
}

/// How the surrogate estimates its uncertainty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UncertaintySpec {
    /// Method (`method`).
    pub method: UncertaintyMethod,
    /// Ensemble members (`members`, default 5, ≥ 2; ignored by `gp`).
    pub members: usize,
    /// Ensemble members train on bootstrap resamples of the training split (`bootstrap`,
    /// default false: on the same rows, differing only by seed — resampling cost 12–13 MPa on
    /// the steels, `experiments/finetune-steels` round 4).
    pub bootstrap: bool,
    /// Ensemble members early-stop on their own parts of the non-test rows and train on the
    /// rest (`rotate_validation`, default false: all on one split). More accurate (2.5–4.5 MPa
    /// on the steels) but the recalibrated std under-covers (`experiments/finetune-steels`
    /// round 7, `experiments/finetune-settings`); not with `bootstrap`.
    pub rotate_validation: bool,
    /// Where the predicted mean comes from (`mean`, `network` or `gp`; default `network`): with
    /// `gp`, a GP on the embedding gives it — for `method: gp` the model's GP, for an ensemble
    /// each member's own GP on its own embedding (as `crucible finetune --gp-mean gp`).
    pub gp_mean: bool,
}

/// Uncertainty methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncertaintyMethod {
    /// Spread of a deep ensemble (`ensemble`).
    Ensemble,
    /// A Gaussian process on the learned embedding (`gp`).
    Gp,
}

/// Compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// CPU (`cpu`, the default).
    Cpu,
    /// CUDA; an error at run time when libtorch has no CUDA (`cuda`).
    Cuda,
    /// CUDA when available, else CPU (`auto`).
    Auto,
}

/// The search strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct OptimizerSpec {
    /// Strategy (`kind`, default `bayesian`).
    pub kind: OptimizerKind,
    /// Space-filling initial design size (`initial`, default 8).
    pub initial: usize,
    /// Candidates per iteration (`batch_size`, default 4, ≥ 1).
    pub batch_size: usize,
    /// Acquisition function; always `Some` for `bayesian` (default `log_ei` for one
    /// objective, `ehvi` for several), `None` for the others.
    pub acquisition: Option<AcquisitionSpec>,
    /// Population size for `genetic`, `cmaes`, `nsga2` (`population`); `None`: the
    /// strategy's default.
    pub population: Option<usize>,
    /// How evolutionary strategies treat predicted uncertainty (`uncertainty`); `None`
    /// (the mean) for `bayesian` and `random`.
    pub uncertainty: Option<UncertaintyMode>,
    /// The GPs' length-scale prior (`length_scale_prior`, `bayesian` only); `None`: the
    /// default (median 0.25·√d, log-sd 1.25; `experiments/bo-benchmarks`).
    pub length_scale_prior: Option<LengthScalePriorSpec>,
}

/// A log-normal prior on every GP length scale, in the unit cube of the GP's inputs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LengthScalePriorSpec {
    /// Prior median as a multiple of √d (`median`, > 0).
    pub median: f64,
    /// Standard deviation of the log length scale (`log_sd`, > 0).
    pub log_sd: f64,
}

/// Search strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptimizerKind {
    /// Bayesian optimisation (`bayesian`).
    Bayesian,
    /// Genetic algorithm (`genetic`), one objective.
    Genetic,
    /// CMA-ES (`cmaes`), one objective.
    Cmaes,
    /// NSGA-II (`nsga2`).
    Nsga2,
    /// Uniform random sampling (`random`).
    Random,
}

/// An acquisition function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcquisitionSpec {
    /// Which one (`kind`).
    pub kind: AcquisitionKind,
}

/// Acquisition functions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AcquisitionKind {
    /// Expected improvement (`ei`).
    Ei,
    /// Log expected improvement (`log_ei`).
    LogEi,
    /// Upper confidence bound, mean + beta·std (`ucb`, `beta` default 2.0, > 0).
    Ucb {
        /// Exploration weight.
        beta: f64,
    },
    /// Probability of improvement (`pi`).
    Pi,
    /// Thompson sampling (`thompson`).
    Thompson,
    /// Expected hypervolume improvement (`ehvi`), two or more objectives.
    Ehvi,
    /// ParEGO random scalarisations (`parego`), two or more objectives.
    Parego,
}

/// Which statistic of the prediction an evolutionary strategy optimises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UncertaintyMode {
    /// The predicted mean (`mean`).
    Mean,
    /// Mean − kappa·std, pessimistic (`lcb`, `kappa` default 2.0, > 0).
    Lcb {
        /// Weight of the std.
        kappa: f64,
    },
    /// Mean + kappa·std, optimistic (`ucb`, `kappa` default 2.0, > 0).
    Ucb {
        /// Weight of the std.
        kappa: f64,
    },
}

/// What evaluates candidates.
#[derive(Debug, Clone, PartialEq)]
pub enum OracleSpec {
    /// The surrogate's own predictions (in-silico screening); needs a `surrogate`.
    Surrogate,
    /// Look-ups in a table of known results (retrospective benchmarks); needs a pool space.
    Table {
        /// The table, resolved against the config's folder; `None`: the pool file itself.
        path: Option<PathBuf>,
    },
    /// An external program: JSON candidates on stdin, JSON results on stdout.
    Command(CommandSpec),
    /// Built-in analytic test functions.
    Function {
        /// Property → function name (one of [`crate::oracle::functions::NAMES`]).
        functions: BTreeMap<String, String>,
    },
}

/// An external command oracle.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandSpec {
    /// Program and arguments, never shell-interpolated (`argv`, non-empty).
    pub argv: Vec<String>,
    /// Per-evaluation time limit (`timeout`, default 1h).
    pub timeout: Duration,
    /// Extra attempts after a failure (`retries`, default 0).
    pub retries: u32,
    /// Evaluations run at once (`parallel`, default 1, ≥ 1).
    pub parallel: usize,
    /// Where it runs (`launcher`, default local).
    pub launcher: Launcher,
}

/// Where a command oracle runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Launcher {
    /// Child processes on this machine (`local`).
    Local,
    /// Slurm jobs (`slurm`, settings under `slurm:`).
    Slurm(SlurmSpec),
}

/// Slurm job settings; unset fields are left to the cluster's defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlurmSpec {
    /// Partition (`partition`).
    pub partition: Option<String>,
    /// Job time limit (`time`); `None`: the command timeout.
    pub time: Option<Duration>,
    /// CPUs per task (`cpus_per_task`, ≥ 1).
    pub cpus_per_task: Option<u32>,
    /// Memory, in Slurm's syntax (`mem`, e.g. `4G`).
    pub mem: Option<String>,
    /// Extra `srun`/`sbatch` arguments, passed as separate arguments (`extra_args`).
    pub extra_args: Vec<String>,
}

/// When to stop; the first limit reached ends the campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Oracle evaluations in total, initial design included (`evaluations`, ≥ 1).
    pub evaluations: Option<usize>,
    /// Iterations (batches) after the initial design (`iterations`, ≥ 1).
    pub iterations: Option<usize>,
    /// Wall-clock time (`wall_time`, > 0).
    pub wall_time: Option<Duration>,
    /// Stop after this many iterations in a row that found no improvement (`stagnation`, ≥ 1;
    /// not a limit on its own): with one objective, no feasible candidate better than the
    /// best so far; with several, none outside what earlier feasible candidates dominate.
    pub stagnation: Option<usize>,
}

/// Where results go.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputSpec {
    /// Run directory (`dir`, default `runs/<name>`). Relative paths are relative to the
    /// working directory the command runs in, not to the config's folder (users run from
    /// the project root: `output: {dir: runs/steel}` lands in `./runs/steel`).
    pub dir: PathBuf,
}
