//! The model card (`card.yaml` next to `model.safetensors`): everything needed to rebuild the
//! network and to trace a prediction back to its data — architecture sizes, tasks (kind,
//! units, target scaling, class labels), input scaling, the descriptor branch's scaling, the
//! element vocabulary seen in
//! training, data provenance (files, row counts, SHA-256), the training record (settings,
//! split, seed, epochs), held-out metrics, the crucible version and the creation time.
use std::path::Path;

use super::data::{SourceReport, Task};
use super::descriptors::DescriptorSpec;
use super::encoder::Architecture;
use super::metrics::{Calibration, ClassificationMetrics, RegressionMetrics};
use super::split::SplitSpec;
use super::train::{FitReport, TrainSettings};
use super::uncertainty::UncertaintyRecord;
use super::SurrogateError;

/// Version of the card layout this crucible writes and reads.
pub const CARD_FORMAT: u32 = 1;

/// Scaling of one structure/processing input (the network sees `(x − mean) / std`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputSpec {
    /// Column name.
    pub name: String,
    /// Training mean.
    pub mean: f64,
    /// Training standard deviation.
    pub std: f64,
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainingRecord {
    /// `pretrain` or `finetune`.
    pub stage: String,
    /// The checkpoint fine-tuned from (`scratch` when none).
    pub from: String,
    /// SHA-256 of that checkpoint's weights (member 0 for an ensemble).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_sha256: Option<String>,
    /// Freeze strategy (`none`, `heads`, `top_k:N`).
    pub freeze: String,
    /// Optimiser, schedule, loss, batch size, patience, seed.
    pub settings: TrainSettings,
    /// Split fractions and seed.
    pub split: SplitSpec,
    /// Rows in the training split (after bootstrap, for an ensemble member).
    pub train_rows: usize,
    /// Rows in the validation split.
    pub val_rows: usize,
    /// Rows in the test split.
    pub test_rows: usize,
    /// Bootstrap member index, when trained on a bootstrap resample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<u64>,
    /// The member's validation part, when ensemble members validate on different parts
    /// (`FitSettings::rotate_val`; part 0 is the plain validation split).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val_part: Option<usize>,
    /// Top attention blocks re-initialised instead of copied from the checkpoint (0: none).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reinit_top: usize,
    /// Epochs, best epoch, losses and wall time.
    pub fit: FitReport,
    /// libtorch threads used.
    pub threads: usize,
    /// `cpu` or `cuda`.
    pub device: String,
}

/// Metrics of one task on a held-out split.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeldOut {
    /// Task name.
    pub task: String,
    /// Which split (`test`, or `val` when there is no test split).
    pub split: String,
    /// Regression metrics (target units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regression: Option<RegressionMetrics>,
    /// Classification report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<ClassificationMetrics>,
    /// Calibration of the predicted std (regression; ensembles and GPs on the embedding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// The model card.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelCard {
    /// Card layout version ([`CARD_FORMAT`]).
    pub format: u32,
    /// The crucible version that wrote it.
    pub crucible_version: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// Network sizes.
    pub architecture: Architecture,
    /// Tasks, in head order.
    pub tasks: Vec<Task>,
    /// Structure/processing inputs, in the order the network takes them.
    #[serde(default)]
    pub inputs: Vec<InputSpec>,
    /// The descriptor branch: its descriptor set, size and the training statistics of its
    /// columns (absent: no branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub descriptors: Option<DescriptorSpec>,
    /// Element symbols seen in training (others are still predicted, and flagged).
    pub elements: Vec<String>,
    /// Training data provenance, one entry per file.
    #[serde(default)]
    pub data: Vec<SourceReport>,
    /// How it was trained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingRecord>,
    /// Held-out metrics.
    #[serde(default)]
    pub metrics: Vec<HeldOut>,
    /// SHA-256 of `model.safetensors` (single models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights_sha256: Option<String>,
    /// Member subdirectories (ensembles); empty for a single model.
    #[serde(default)]
    pub members: Vec<String>,
    /// How the model states its uncertainty (`ensemble`, or `gp` with the GP's record);
    /// absent for a single model without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<UncertaintyRecord>,
}

impl ModelCard {
    /// A card for a fresh model: format, version and time filled in.
    pub fn new(architecture: Architecture, tasks: Vec<Task>, inputs: Vec<InputSpec>) -> ModelCard {
        ModelCard {
            format: CARD_FORMAT,
            crucible_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            architecture,
            tasks,
            inputs,
            descriptors: None,
            elements: Vec::new(),
            data: Vec::new(),
            training: None,
            metrics: Vec::new(),
            weights_sha256: None,
            members: Vec::new(),
            uncertainty: None,
        }
    }

    /// The card as YAML.
    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a model card serialises")
    }

    /// Read `path` (a `card.yaml`), checking its format version and architecture.
    pub fn read(path: &Path) -> Result<ModelCard, SurrogateError> {
        let err = |message: String| SurrogateError::Checkpoint { path: path.to_owned(), message };
        let text = std::fs::read_to_string(path).map_err(|e| {
            err(format!("cannot read the model card ({e}); a model directory holds card.yaml and model.safetensors"))
        })?;
        let card: ModelCard = serde_yaml::from_str(&text).map_err(|e| err(format!("not a valid model card: {e}")))?;
        if card.format != CARD_FORMAT {
            return Err(err(format!(
                "card format {} but this crucible ({}) reads format {CARD_FORMAT}",
                card.format,
                env!("CARGO_PKG_VERSION")
            )));
        }
        card.architecture.validate().map_err(|e| err(e.to_string()))?;
        if card.tasks.is_empty() {
            return Err(err("the card lists no tasks".into()));
        }
        Ok(card)
    }

    /// Width of the representation the heads see (and a GP on the embedding takes):
    /// 2·d_model, plus the parameter branch with inputs, plus the descriptor branch.
    pub fn embedding_width(&self) -> usize {
        let a = &self.architecture;
        let params = if self.inputs.is_empty() { 0 } else { a.param_hidden };
        let desc = self.descriptors.as_ref().filter(|d| !d.is_empty()).map_or(0, |d| d.hidden);
        2 * a.d_model + params + desc
    }

    /// Index of the task named `name`.
    pub fn task_index(&self, name: &str) -> Option<usize> {
        self.tasks.iter().position(|t| t.name == name)
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

// Sizes files are YAML, and YAML lives here and in `config/` (tests/architecture.rs).
impl Architecture {
    /// Read sizes from YAML text (`source` names it in errors): a model card (its
    /// `architecture:` mapping is used, e.g. `surrogates/base/card.yaml`) or a mapping of sizes.
    /// Keys left out keep their [`Default`]; an unknown key, a value of the wrong type and sizes
    /// that do not fit together are refused with the key and the reason.
    pub fn from_yaml(text: &str, source: &str) -> Result<Architecture, SurrogateError> {
        let bad = |m: String| SurrogateError::Architecture(format!("{source}: {m}"));
        let doc: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| bad(format!("not YAML: {e}")))?;
        let given = match doc.get("architecture") {
            Some(a) => a,
            None => &doc,
        };
        let serde_yaml::Value::Mapping(given) = given else {
            return Err(bad("expected a mapping of sizes (d_model, heads, …) or a model card".into()));
        };
        let serde_yaml::Value::Mapping(mut merged) =
            serde_yaml::to_value(Architecture::default()).expect("an architecture serialises")
        else {
            unreachable!("an architecture serialises to a mapping")
        };
        let keys: Vec<String> = merged.keys().filter_map(|k| k.as_str().map(str::to_string)).collect();
        for (k, v) in given {
            let name = k.as_str().unwrap_or_default();
            if !keys.iter().any(|known| known == name) {
                return Err(bad(format!("unknown key '{}' (expected one of {})", name, keys.join(", "))));
            }
            merged.insert(k.clone(), v.clone());
            // one key at a time, so that a wrong type is reported with its key
            serde_yaml::from_value::<Architecture>(serde_yaml::Value::Mapping(merged.clone()))
                .map_err(|e| bad(format!("{name}: {e}")))?;
        }
        let arch: Architecture = serde_yaml::from_value(serde_yaml::Value::Mapping(merged))
            .map_err(|e| bad(format!("not an architecture: {e}")))?;
        arch.validate().map_err(|e| match e {
            SurrogateError::Architecture(m) => bad(m),
            other => other,
        })?;
        Ok(arch)
    }
}
