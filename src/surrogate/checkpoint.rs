//! Model directories on disk.
//!
//! A single model is `DIR/model.safetensors` (the weights; keys `encoder.*`, `params.*`,
//! `heads.<k>.*`) plus `DIR/card.yaml` ([`ModelCard`], which records the weights' SHA-256).
//! An ensemble is `DIR/card.yaml` listing its members, each a single-model subdirectory
//! (`member-0/`, `member-1/`, …). Files are written to a temporary name and renamed.
//!
//! Loading checks, and says plainly what is wrong: a missing directory or file, a card that is
//! not valid YAML or of another format, weights that are not the ones the card was written
//! with (SHA-256), and tensors missing, unexpected or of the wrong shape for the card's
//! architecture.
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tch::{Device, Tensor};

use super::card::ModelCard;
use super::model::{Model, NeuralSurrogate};
use super::SurrogateError;

/// The weights file of a single model.
pub const WEIGHTS_FILE: &str = "model.safetensors";
/// The card file.
pub const CARD_FILE: &str = "card.yaml";

fn ck(path: &Path, message: impl Into<String>) -> SurrogateError {
    SurrogateError::Checkpoint { path: path.to_owned(), message: message.into() }
}

/// SHA-256 of a file's bytes, hex.
pub fn sha256_file(path: &Path) -> Result<String, SurrogateError> {
    let bytes = std::fs::read(path).map_err(|e| ck(path, format!("cannot read: {e}")))?;
    Ok(format!("{:x}", Sha256::digest(&bytes)))
}

fn write_atomic(path: &Path, text: &str) -> Result<(), SurrogateError> {
    let tmp = path.with_extension("yaml.tmp");
    std::fs::write(&tmp, text).map_err(|e| ck(&tmp, format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, path).map_err(|e| ck(path, format!("cannot rename into place: {e}")))
}

impl Model {
    /// Write `dir/model.safetensors` and `dir/card.yaml` (the card gets the weights' SHA-256).
    pub fn save(&mut self, dir: &Path) -> Result<(), SurrogateError> {
        std::fs::create_dir_all(dir).map_err(|e| ck(dir, format!("cannot create the directory: {e}")))?;
        let weights = dir.join(WEIGHTS_FILE);
        let tmp = dir.join("model.tmp.safetensors");
        self.vs.save(&tmp).map_err(|e| ck(&tmp, format!("cannot write the weights: {e}")))?;
        std::fs::rename(&tmp, &weights).map_err(|e| ck(&weights, format!("cannot rename into place: {e}")))?;
        self.card.weights_sha256 = Some(sha256_file(&weights)?);
        write_atomic(&dir.join(CARD_FILE), &self.card.to_yaml())
    }

    /// Load a single model directory on `device`, with every check in the module docs.
    pub fn load(dir: &Path, device: Device) -> Result<Model, SurrogateError> {
        if !dir.is_dir() {
            return Err(ck(dir, "no such model directory"));
        }
        let card = ModelCard::read(&dir.join(CARD_FILE))?;
        if !card.members.is_empty() {
            return Err(ck(dir, "this is an ensemble directory; load it with NeuralSurrogate::load"));
        }
        let weights = dir.join(WEIGHTS_FILE);
        if !weights.is_file() {
            return Err(ck(&weights, "missing: a model directory holds card.yaml and model.safetensors"));
        }
        if let Some(want) = &card.weights_sha256 {
            let got = sha256_file(&weights)?;
            if &got != want {
                return Err(ck(
                    &weights,
                    format!("does not match card.yaml (weights sha256 {got}, the card says {want}); were the files mixed from two models?"),
                ));
            }
        }
        let model = Model::init(card, device)?;
        let tensors =
            Tensor::read_safetensors(&weights).map_err(|e| ck(&weights, format!("not a safetensors file: {e}")))?;
        copy_checked(&model, tensors, &weights)?;
        Ok(model)
    }
}

/// Copy `tensors` into the model's variables, requiring the same names and shapes.
fn copy_checked(model: &Model, tensors: Vec<(String, Tensor)>, path: &Path) -> Result<(), SurrogateError> {
    let vars = model.vs.variables();
    let mut problems: Vec<String> = Vec::new();
    let mut missing: Vec<&String> = vars.keys().filter(|k| !tensors.iter().any(|(n, _)| n == *k)).collect();
    missing.sort();
    if !missing.is_empty() {
        problems.push(format!("missing tensors {missing:?}"));
    }
    let mut extra: Vec<&String> = tensors.iter().map(|(n, _)| n).filter(|n| !vars.contains_key(*n)).collect();
    extra.sort();
    if !extra.is_empty() {
        problems.push(format!("unexpected tensors {extra:?}"));
    }
    for (name, t) in &tensors {
        if let Some(v) = vars.get(name) {
            if v.size() != t.size() {
                problems.push(format!("{name} has shape {:?}, the card's architecture needs {:?}", t.size(), v.size()));
            }
        }
    }
    if !problems.is_empty() {
        problems.sort();
        return Err(ck(
            path,
            format!("the weights do not fit the card's architecture and tasks: {}", problems.join("; ")),
        ));
    }
    tch::no_grad(|| {
        for (name, t) in &tensors {
            let mut v = vars[name].shallow_clone();
            v.copy_(&t.to_device(v.device()));
        }
    });
    Ok(())
}

impl NeuralSurrogate {
    /// Write the model directory: a single model, or an ensemble card plus `member-<k>/`.
    /// A GP on the embedding goes to `gp.safetensors` next to the card (its record and
    /// SHA-256 in the card); a stale one from an earlier save is removed. Members' own GPs
    /// (GP means per member) go to `member-<k>/gp.safetensors`, recorded in the member's card.
    pub fn save(&mut self, dir: &Path) -> Result<(), SurrogateError> {
        std::fs::create_dir_all(dir).map_err(|e| ck(dir, format!("cannot create the directory: {e}")))?;
        self.save_gp(dir)?;
        if self.members.len() == 1 {
            self.members[0].card.uncertainty = self.card.uncertainty.clone();
            self.members[0].card.metrics = self.card.metrics.clone();
            self.members[0].save(dir)?;
            self.card = self.members[0].card.clone();
            return Ok(());
        }
        self.card.members.clear();
        for k in 0..self.members.len() {
            let name = format!("member-{k}");
            let sub = dir.join(&name);
            std::fs::create_dir_all(&sub).map_err(|e| ck(&sub, format!("cannot create the directory: {e}")))?;
            self.save_member_gp(k, &sub)?;
            self.members[k].save(&sub)?;
            self.card.members.push(name);
        }
        self.card.weights_sha256 = None;
        // A single model's weights left over from an earlier save would be misleading.
        let _ = std::fs::remove_file(dir.join(WEIGHTS_FILE));
        write_atomic(&dir.join(CARD_FILE), &self.card.to_yaml())
    }

    /// Load a model directory (single or ensemble) on `device`.
    pub fn load(dir: &Path, device: Device) -> Result<NeuralSurrogate, SurrogateError> {
        if !dir.is_dir() {
            return Err(ck(dir, "no such model directory"));
        }
        let card = ModelCard::read(&dir.join(CARD_FILE))?;
        if card.members.is_empty() {
            let mut m = NeuralSurrogate::single(Model::load(dir, device)?);
            m.load_gp(dir)?;
            return Ok(m);
        }
        let mut members = Vec::new();
        let dirs: Vec<PathBuf> = card.members.iter().map(|name| dir.join(name)).collect();
        for sub in &dirs {
            let m = Model::load(sub, device)?;
            let same = m.card.tasks.iter().map(|t| &t.name).eq(card.tasks.iter().map(|t| &t.name))
                && m.card.inputs.iter().map(|i| &i.name).eq(card.inputs.iter().map(|i| &i.name));
            if !same {
                return Err(ck(sub, "this member's tasks or inputs differ from the ensemble card's"));
            }
            members.push(m);
        }
        let mut m = NeuralSurrogate { card, members, gp: None, member_gps: Vec::new() };
        m.load_gp(dir)?;
        m.load_member_gps(&dirs)?;
        Ok(m)
    }
}
