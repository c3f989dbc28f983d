//! The second uncertainty method: a Gaussian process on the fine-tuned embedding, one per
//! regression task, fitted, saved next to the weights (`gp.safetensors`, f64 arrays, so a
//! reload predicts bit-for-bit the same) and applied by [`NeuralSurrogate::predict`].
//!
//! The GP numerics (standardisation, principal-component projection of the embedding, ARD
//! Matérn-5/2 fit, predictive std) live in [`crate::gp::embedded`]; this file only feeds it
//! member 0's embedding (members of an ensemble are not aligned with each other) and the raw
//! structure/processing inputs, and stores the result.
//!
//! **Mean.** With a GP the std always comes from the GP. The mean comes from the network by
//! default ([`GpMean::Network`]): in the steels 5-fold study the GP's mean was no better
//! (MAE 120.3 ± 15.2 MPa against the network's 120.0 ± 17.8; `experiments/finetune-steels`),
//! and the network's mean is the one the ensemble and the no-uncertainty model report, so the
//! method changes only the std. [`GpMean::Gp`] (`crucible finetune --gp-mean gp`) helps where
//! the embedding carries parts trained from scratch or the property is new to the encoder:
//! over 15 folds, 106.6 → 101.9 MPa on steels with a descriptor branch, 0.143 → 0.136 and
//! 0.178 → 0.168 log10 GPa on 300 bulk / shear moduli; level on plain steels (106.6 → 106.2)
//! and perovskites (0.470 → 0.474 eV) (`experiments/finetune-steels` round 4,
//! `experiments/transfer-small-data`).
//!
//! **Calibration.** The GP is fitted on the rows the network was trained on, whose embeddings
//! the network has shaped to fit them, so its noise estimate is far too small: raw, only 38 %
//! of held-out steels fell within 1σ. [`NeuralSurrogate::recalibrate_std`] fits one factor per
//! task on held-out (validation) rows; after it, 70 % / 92 % fell within 1σ / 2σ (ensemble:
//! 80 % / 96 %). `crucible finetune` does this by default for both methods.
use std::path::Path;

use ndarray::{Array1, Array2, Axis};
use tch::Tensor;

use super::checkpoint::sha256_file;
use super::model::{ModelInputs, NeuralSurrogate, Predictions};
use super::SurrogateError;
use crate::gp::embedded::{EmbeddingGp, EmbeddingGpOptions, EmbeddingGpParts};
use crate::gp::pca::Projection;
use crate::gp::Hyper;

/// The GP file in a model directory.
pub const GP_FILE: &str = "gp.safetensors";

/// Where the predicted mean comes from when a model has a GP on its embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GpMean {
    /// The network (or ensemble) mean; the GP gives only the std.
    #[default]
    Network,
    /// The GP's posterior mean.
    Gp,
}

/// The card's record of how a model states its uncertainty.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UncertaintyRecord {
    /// `ensemble` (the members' spread) or `gp` (a GP on the embedding).
    pub method: String,
    /// The GP, when `method` is `gp`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gp: Option<GpRecord>,
    /// Per task, the factor the raw std is multiplied by, fitted on held-out rows by
    /// [`NeuralSurrogate::recalibrate_std`] (absent: not recalibrated, factor 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std_scale: Option<StdScale>,
    /// An ensemble whose members each take their mean from their own GP on their own
    /// embedding ([`NeuralSurrogate::fit_member_gps`]; recorded in each member's card).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub member_gp_mean: bool,
}

/// A variance-scaling recalibration of the predicted std.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StdScale {
    /// Per task (card order): the factor; 1 for tasks without a std or held-out targets.
    pub factors: Vec<f64>,
    /// Held-out rows it was fitted on, per task.
    pub rows: Vec<usize>,
}

/// A GP on the embedding, as recorded in the card.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpRecord {
    /// The arrays' file in the model directory.
    pub file: String,
    /// Its SHA-256 (filled in when saved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Which member's embedding the GP sees.
    pub member: usize,
    /// Where the predicted mean comes from.
    pub mean: GpMean,
    /// The seed of the hyperparameter fit.
    pub seed: u64,
    /// One entry per regression task with a GP.
    pub tasks: Vec<GpTaskRecord>,
}

/// One task's GP.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpTaskRecord {
    /// Task name.
    pub task: String,
    /// Training rows.
    pub rows: usize,
    /// Width of the embedding.
    pub embedding_width: usize,
    /// Principal components kept.
    pub components: usize,
    /// Fraction of the standardised embedding variance they explain.
    pub explained_variance: f64,
    /// Raw structure/processing inputs appended.
    pub inputs: usize,
    /// Fitted noise standard deviation (target units).
    pub noise_std: f64,
    /// Fitted ARD length scales (unit-cube units of the features, components first).
    pub length_scales: Vec<f64>,
}

/// The fitted GPs of a model: one per task (`None` for classification tasks).
#[derive(Debug, Clone)]
pub(crate) struct EmbeddingGps {
    pub tasks: Vec<Option<EmbeddingGp>>,
    pub mean: GpMean,
}

impl EmbeddingGps {
    /// Replace the mean of every task that has a GP with the GP's posterior mean.
    pub fn apply_mean(&self, pred: &mut Predictions, z: &Array2<f64>, inputs: &Array2<f64>) {
        for (t, gp) in self.tasks.iter().enumerate() {
            if let Some(gp) = gp {
                pred.mean.column_mut(t).assign(&gp.predict(z.view(), inputs.view()).mean);
            }
        }
    }

    /// Replace the std (and with [`GpMean::Gp`] the mean) of every task with a GP.
    pub fn apply(&self, pred: &mut Predictions, z: &Array2<f64>, inputs: &Array2<f64>) {
        let (n, nt) = pred.mean.dim();
        let std = pred.std.get_or_insert_with(|| Array2::zeros((n, nt)));
        for (t, gp) in self.tasks.iter().enumerate() {
            let Some(gp) = gp else { continue };
            let post = gp.predict(z.view(), inputs.view());
            std.column_mut(t).assign(&post.std);
            if self.mean == GpMean::Gp {
                pred.mean.column_mut(t).assign(&post.mean);
            }
        }
    }
}

fn ck(path: &Path, message: impl Into<String>) -> SurrogateError {
    SurrogateError::Checkpoint { path: path.to_owned(), message: message.into() }
}

impl NeuralSurrogate {
    /// Fit, per regression task, an exact GP on member 0's embedding of the rows `x` (plus
    /// their raw structure/processing inputs); `targets` is n × tasks in the card's task order,
    /// NaN where missing (classification columns are ignored). Afterwards [`predict`] takes its
    /// std from the GPs, [`uncertainty_method`] says `gp`, and [`save`] writes them next to the
    /// weights. `seed` drives the hyperparameter fit's random starts.
    ///
    /// Pass the rows the network was trained on (not held-out rows you will evaluate on).
    ///
    /// [`predict`]: NeuralSurrogate::predict
    /// [`uncertainty_method`]: NeuralSurrogate::uncertainty_method
    /// [`save`]: NeuralSurrogate::save
    pub fn fit_embedding_gp(
        &mut self,
        x: &ModelInputs,
        targets: &Array2<f64>,
        seed: u64,
    ) -> Result<(), SurrogateError> {
        if !self.member_gps.is_empty() {
            return Err(SurrogateError::Settings(
                "the members already have their own GPs for their means; one GP per model or per member".into(),
            ));
        }
        let (gps, records) = fit_gps(&self.card, &self.members[0], x, targets, seed)?;
        let mean = self.gp.as_ref().map_or(GpMean::default(), |g| g.mean);
        self.gp = Some(EmbeddingGps { tasks: gps, mean });
        let gp = GpRecord { file: GP_FILE.into(), sha256: None, member: 0, mean, seed, tasks: records };
        self.card.uncertainty =
            Some(UncertaintyRecord { method: "gp".into(), gp: Some(gp), std_scale: None, member_gp_mean: false });
        Ok(())
    }

    /// Give every member of an ensemble its own GP on its own embedding, per regression task,
    /// as that member's mean: member `k` is fitted on `rows[k]` (its inputs and n × tasks
    /// targets, NaN = missing; pass the rows member `k` was trained on). [`predict`] then
    /// averages the members' GP means and states their spread as the std (the method stays
    /// `ensemble`); [`save`] writes each GP into its member's directory. Over 25 steels folds
    /// with a descriptor branch this was 2.9 MPa more accurate than the members' network means
    /// (`experiments/finetune-steels` rounds 6 and 7).
    ///
    /// [`predict`]: NeuralSurrogate::predict
    /// [`save`]: NeuralSurrogate::save
    pub fn fit_member_gps(&mut self, rows: &[(ModelInputs, Array2<f64>)], seed: u64) -> Result<(), SurrogateError> {
        if self.members.len() < 2 {
            return Err(SurrogateError::Settings(
                "GP means per member need an ensemble; a single network takes its GP with fit_embedding_gp".into(),
            ));
        }
        if self.gp.is_some() {
            return Err(SurrogateError::Settings(
                "the model already has a GP on member 0's embedding; one GP per model or per member".into(),
            ));
        }
        if rows.len() != self.members.len() {
            return Err(SurrogateError::Settings(format!(
                "{} sets of rows for {} members",
                rows.len(),
                self.members.len()
            )));
        }
        let mut all = Vec::with_capacity(rows.len());
        for (k, (x, targets)) in rows.iter().enumerate() {
            let m = &self.members[k];
            let (tasks, records) =
                fit_gps(&m.card, m, x, targets, seed).map_err(|e| SurrogateError::data(format!("member {k}: {e}")))?;
            all.push((EmbeddingGps { tasks, mean: GpMean::Gp }, records));
        }
        self.member_gps.clear();
        for (k, (gps, records)) in all.into_iter().enumerate() {
            let gp = GpRecord { file: GP_FILE.into(), sha256: None, member: k, mean: GpMean::Gp, seed, tasks: records };
            self.members[k].card.uncertainty =
                Some(UncertaintyRecord { method: "gp".into(), gp: Some(gp), std_scale: None, member_gp_mean: false });
            self.member_gps.push(gps);
        }
        let rec = self.card.uncertainty.get_or_insert_with(|| UncertaintyRecord {
            method: "ensemble".into(),
            gp: None,
            std_scale: None,
            member_gp_mean: false,
        });
        rec.member_gp_mean = true;
        rec.std_scale = None;
        Ok(())
    }

    /// Each member's mean for the rows `x` (its GP's mean when it has one), n × tasks each.
    pub fn member_means(&self, x: &ModelInputs) -> Result<Vec<Array2<f64>>, SurrogateError> {
        self.members
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let g = self.member_gps.get(k);
                let (mut p, z) = m.predict_embed(x, g.is_some())?;
                if let (Some(g), Some(z)) = (g, z) {
                    g.apply_mean(&mut p, &z, &x.inputs);
                }
                Ok(p.mean)
            })
            .collect()
    }

    /// Write member `k`'s GP into its directory `dir` (when it has one), noting the SHA-256
    /// in its card; a stale file is removed.
    pub(crate) fn save_member_gp(&mut self, k: usize, dir: &Path) -> Result<(), SurrogateError> {
        let Some(gps) = self.member_gps.get(k) else {
            let _ = std::fs::remove_file(dir.join(GP_FILE));
            return Ok(());
        };
        let sha = write_gps(gps, dir)?;
        if let Some(r) = self.members[k].card.uncertainty.as_mut().and_then(|u| u.gp.as_mut()) {
            r.sha256 = Some(sha);
        }
        Ok(())
    }

    /// Read every member's GP when the card says the members take their means from them.
    pub(crate) fn load_member_gps(&mut self, dirs: &[std::path::PathBuf]) -> Result<(), SurrogateError> {
        if !self.card.uncertainty.as_ref().is_some_and(|u| u.member_gp_mean) {
            return Ok(());
        }
        let mut gps = Vec::with_capacity(self.members.len());
        for (m, dir) in self.members.iter().zip(dirs) {
            let rec = m.card.uncertainty.as_ref().and_then(|u| u.gp.clone()).ok_or_else(|| {
                ck(dir, "the ensemble card says each member has a GP for its mean, but this member's card has none")
            })?;
            gps.push(read_gps(&m.card, &rec, dir)?);
        }
        self.member_gps = gps;
        Ok(())
    }

    /// Fit, per regression task, the factor `s` that makes the predicted std calibrated on the
    /// held-out rows `x` with `targets` (n × tasks, NaN = missing): the maximum-likelihood
    /// variance scale `s² = mean((y − mean)² / std²)` (a variance-scaling recalibration).
    /// [`predict`](NeuralSurrogate::predict) multiplies the std by it from then on (saved in
    /// the card). Use rows the model and its GP were not fitted on (the validation split):
    /// both a network and a GP on its embedding are over-confident on their own training rows.
    /// Tasks with fewer than 5 held-out targets keep factor 1. Returns the factors.
    pub fn recalibrate_std(&mut self, x: &ModelInputs, targets: &Array2<f64>) -> Result<Vec<f64>, SurrogateError> {
        self.recalibrate_std_around(x, targets, None)
    }

    /// [`recalibrate_std`](NeuralSurrogate::recalibrate_std) with the residuals taken from
    /// `held_out_mean` (n × tasks) instead of the model's own mean: for an ensemble whose
    /// members early-stopped on different parts, the mean of the one member that did not
    /// train on each row. The other members did train on those rows, so the std there is
    /// narrower than on new rows; measured on four sets, the factor came out too small
    /// (56–70 % of test rows within 1σ; `experiments/finetune-settings`).
    pub fn recalibrate_std_around(
        &mut self,
        x: &ModelInputs,
        targets: &Array2<f64>,
        held_out_mean: Option<&Array2<f64>>,
    ) -> Result<Vec<f64>, SurrogateError> {
        let nt = self.card.tasks.len();
        check_targets(x, targets, nt)?;
        if let Some(m) = held_out_mean {
            if m.dim() != targets.dim() {
                return Err(SurrogateError::data(format!(
                    "held-out means are {} × {}, the targets {} × {}",
                    m.nrows(),
                    m.ncols(),
                    targets.nrows(),
                    targets.ncols()
                )));
            }
        }
        let method = self.uncertainty_method();
        if method == "none" {
            return Err(SurrogateError::Settings(
                "a single model without a GP states no std to recalibrate (fit a GP or an ensemble)".into(),
            ));
        }
        if let Some(u) = self.card.uncertainty.as_mut() {
            u.std_scale = None;
        }
        let pred = self.predict(x)?;
        let std = pred.std.as_ref().expect("a model with an uncertainty method predicts a std");
        let mean = held_out_mean.unwrap_or(&pred.mean);
        let (mut factors, mut rows) = (vec![1.0; nt], vec![0; nt]);
        for (t, task) in self.card.tasks.iter().enumerate() {
            if task.kind.is_classification() {
                continue;
            }
            let z2: Vec<f64> = (0..x.len())
                .filter(|&i| targets[[i, t]].is_finite())
                .map(|i| ((targets[[i, t]] - mean[[i, t]]) / std[[i, t]].max(1e-12)).powi(2))
                .collect();
            rows[t] = z2.len();
            if z2.len() >= 5 {
                factors[t] = (z2.iter().sum::<f64>() / z2.len() as f64).sqrt().clamp(1e-3, 1e3);
            }
        }
        let rec = self.card.uncertainty.get_or_insert_with(|| UncertaintyRecord {
            method: method.to_string(),
            gp: None,
            std_scale: None,
            member_gp_mean: false,
        });
        rec.std_scale = Some(StdScale { factors: factors.clone(), rows });
        Ok(factors)
    }

    /// How [`predict`](NeuralSurrogate::predict) states its std: `gp` (a GP on the
    /// embedding), `ensemble` (the members' spread) or `none` (a single model; std absent).
    pub fn uncertainty_method(&self) -> &'static str {
        if self.gp.is_some() {
            "gp"
        } else if self.members.len() > 1 {
            "ensemble"
        } else {
            "none"
        }
    }

    /// Where the mean comes from when the model has a GP (no effect without one).
    pub fn set_gp_mean(&mut self, mean: GpMean) {
        if let Some(g) = self.gp.as_mut() {
            g.mean = mean;
        }
        if let Some(r) = self.card.uncertainty.as_mut().and_then(|u| u.gp.as_mut()) {
            r.mean = mean;
        }
    }

    /// Write the GP file (or remove a stale one) and note its SHA-256 in the card.
    pub(crate) fn save_gp(&mut self, dir: &Path) -> Result<(), SurrogateError> {
        let path = dir.join(GP_FILE);
        let Some(gps) = &self.gp else {
            let _ = std::fs::remove_file(&path);
            return Ok(());
        };
        let sha = write_gps(gps, dir)?;
        if let Some(r) = self.card.uncertainty.as_mut().and_then(|u| u.gp.as_mut()) {
            r.sha256 = Some(sha);
        }
        Ok(())
    }

    /// Read the GP the card records, if any, checking its SHA-256 and shapes.
    pub(crate) fn load_gp(&mut self, dir: &Path) -> Result<(), SurrogateError> {
        let Some(rec) = self.card.uncertainty.as_ref().and_then(|u| u.gp.clone()) else { return Ok(()) };
        self.gp = Some(read_gps(&self.card, &rec, dir)?);
        Ok(())
    }
}

/// Write `gps` to `dir`/[`GP_FILE`]; returns the file's SHA-256.
fn write_gps(gps: &EmbeddingGps, dir: &Path) -> Result<String, SurrogateError> {
    let path = dir.join(GP_FILE);
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    for (t, gp) in gps.tasks.iter().enumerate() {
        let Some(gp) = gp else { continue };
        let p = gp.parts();
        let mat = |a: &Array2<f64>| {
            Tensor::from_slice(&a.iter().copied().collect::<Vec<f64>>()).view([a.nrows() as i64, a.ncols() as i64])
        };
        let vec = |v: &[f64]| Tensor::from_slice(v);
        let h = &p.hyper;
        tensors.extend([
            (format!("task{t}.proj_mean"), vec(&p.projection.mean)),
            (format!("task{t}.proj_scale"), vec(&p.projection.scale)),
            (format!("task{t}.proj_components"), mat(&p.projection.components)),
            (format!("task{t}.proj_explained"), vec(&[p.projection.explained])),
            (format!("task{t}.x"), mat(&p.x)),
            (format!("task{t}.y"), vec(p.y.as_slice().expect("contiguous"))),
            (format!("task{t}.log_ls"), vec(&h.log_ls)),
            (format!("task{t}.log_sf2_sn2"), vec(&[h.log_sf2, h.log_sn2])),
        ]);
    }
    std::fs::create_dir_all(dir).map_err(|e| ck(dir, format!("cannot create the directory: {e}")))?;
    let tmp = dir.join("gp.tmp.safetensors");
    Tensor::write_safetensors(&tensors, &tmp).map_err(|e| ck(&tmp, format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, &path).map_err(|e| ck(&path, format!("cannot rename into place: {e}")))?;
    sha256_file(&path)
}

/// Read the GP that `rec` (in `card`) records from `dir`, checking its SHA-256 and shapes.
fn read_gps(card: &super::card::ModelCard, rec: &GpRecord, dir: &Path) -> Result<EmbeddingGps, SurrogateError> {
    let path = dir.join(&rec.file);
    if !path.is_file() {
        return Err(ck(&path, "missing: the card records a GP on the embedding in this file"));
    }
    if let Some(want) = &rec.sha256 {
        let got = sha256_file(&path)?;
        if &got != want {
            return Err(ck(&path, format!("does not match card.yaml (sha256 {got}, the card says {want})")));
        }
    }
    let tensors = Tensor::read_safetensors(&path).map_err(|e| ck(&path, format!("not a safetensors file: {e}")))?;
    let get = |name: String| -> Result<(Vec<f64>, Vec<i64>), SurrogateError> {
        let t = tensors
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| ck(&path, format!("lacks {name}")))?;
        let v = Vec::<f64>::try_from(t.contiguous().view([-1])).map_err(|e| ck(&path, format!("{name}: {e}")))?;
        Ok((v, t.size()))
    };
    let mat = |name: String| -> Result<Array2<f64>, SurrogateError> {
        let (v, s) = get(name.clone())?;
        if s.len() != 2 {
            return Err(ck(&path, format!("{name} is not a matrix")));
        }
        Array2::from_shape_vec((s[0] as usize, s[1] as usize), v).map_err(|e| ck(&path, format!("{name}: {e}")))
    };
    let mut tasks: Vec<Option<EmbeddingGp>> = vec![None; card.tasks.len()];
    for r in &rec.tasks {
        let t = card.task_index(&r.task).ok_or_else(|| ck(&path, format!("GP for unknown task '{}'", r.task)))?;
        let hs = get(format!("task{t}.log_sf2_sn2"))?.0;
        let parts = EmbeddingGpParts {
            projection: Projection {
                mean: get(format!("task{t}.proj_mean"))?.0,
                scale: get(format!("task{t}.proj_scale"))?.0,
                components: mat(format!("task{t}.proj_components"))?,
                explained: get(format!("task{t}.proj_explained"))?.0.first().copied().unwrap_or(f64::NAN),
            },
            x: mat(format!("task{t}.x"))?,
            y: Array1::from(get(format!("task{t}.y"))?.0),
            hyper: Hyper { log_ls: get(format!("task{t}.log_ls"))?.0, log_sf2: hs[0], log_sn2: hs[1] },
        };
        let width = card.embedding_width();
        if parts.projection.mean.len() != width || parts.x.ncols() != parts.projection.len() + card.inputs.len() {
            return Err(ck(
                &path,
                format!(
                    "task '{}': the GP was fitted on {}-wide embeddings with {} inputs; this model's are {width}-wide with {}",
                    r.task,
                    parts.projection.mean.len(),
                    parts.x.ncols().saturating_sub(parts.projection.len()),
                    card.inputs.len()
                ),
            ));
        }
        let gp = EmbeddingGp::from_parts(parts).map_err(|e| ck(&path, format!("task '{}': {e}", r.task)))?;
        tasks[t] = Some(gp);
    }
    Ok(EmbeddingGps { tasks, mean: rec.mean })
}

/// Fit, per regression task, an exact GP on `model`'s embedding of the rows `x` (see
/// [`NeuralSurrogate::fit_embedding_gp`]).
fn fit_gps(
    card: &super::card::ModelCard,
    model: &super::model::Model,
    x: &ModelInputs,
    targets: &Array2<f64>,
    seed: u64,
) -> Result<(Vec<Option<EmbeddingGp>>, Vec<GpTaskRecord>), SurrogateError> {
    let nt = card.tasks.len();
    check_targets(x, targets, nt)?;
    let z = model.embed(x)?;
    let mut gps = Vec::with_capacity(nt);
    let mut records = Vec::new();
    for (t, task) in card.tasks.iter().enumerate() {
        if task.kind.is_classification() {
            gps.push(None);
            continue;
        }
        let rows: Vec<usize> = (0..x.len()).filter(|&i| targets[[i, t]].is_finite()).collect();
        if rows.len() < 3 {
            return Err(SurrogateError::data(format!(
                "task '{}': a GP on the embedding needs at least 3 rows with a target, got {}",
                task.name,
                rows.len()
            )));
        }
        let zs = z.select(Axis(0), &rows);
        let xs = x.inputs.select(Axis(0), &rows);
        let y: Array1<f64> = rows.iter().map(|&i| targets[[i, t]]).collect();
        let mut rng = crate::rng::stream(seed, "embedding-gp", t as u64);
        let (gp, _) = EmbeddingGp::fit(zs.view(), xs.view(), y.view(), &EmbeddingGpOptions::default(), &mut rng)
            .map_err(|e| SurrogateError::data(format!("task '{}': GP on the embedding: {e}", task.name)))?;
        let p = gp.parts();
        records.push(GpTaskRecord {
            task: task.name.clone(),
            rows: rows.len(),
            embedding_width: z.ncols(),
            components: p.projection.len(),
            explained_variance: p.projection.explained,
            inputs: gp.extra_inputs(),
            noise_std: gp.noise_std(),
            length_scales: p.hyper.length_scales(),
        });
        gps.push(Some(gp));
    }
    if records.is_empty() {
        return Err(SurrogateError::data("the model has no regression task to fit a GP to".into()));
    }
    Ok((gps, records))
}

/// Targets must be one row per input row and one column per task.
fn check_targets(x: &ModelInputs, targets: &Array2<f64>, nt: usize) -> Result<(), SurrogateError> {
    if targets.dim() == (x.len(), nt) {
        return Ok(());
    }
    Err(SurrogateError::Inputs(format!(
        "targets are {} × {} but the rows are {} and the model has {nt} tasks",
        targets.nrows(),
        targets.ncols(),
        x.len()
    )))
}
