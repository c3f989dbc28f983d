//! The evidence that pretraining helps (or does not): retrain, on the same data and split as a
//! fine-tuned model and with the settings its card records, (a) a **linear probe** — the
//! starting checkpoint's encoder frozen with a fresh linear head — and (b) the same
//! architecture **from scratch**, so that all three can be scored side by side on the same
//! held-out rows.
//!
//! Reads no files: the caller loads the training data the card names (and checks its SHA-256)
//! and the starting checkpoint.
use tch::Device;

use super::card::ModelCard;
use super::descriptors::DescriptorSettings;
use super::fit::{finetune, fit_split, linear_probe, FitProgress, FitSettings, Start};
use super::model::NeuralSurrogate;
use super::split::Split;
use super::{SurrogateError, TrainingSet};

/// The fit settings a card records (architecture, optimisation, split fractions and seed,
/// freeze, dropout, members, bootstrap or rotated validation parts, descriptor branch,
/// re-initialised blocks), to train a comparable model on
/// `device` (the from-scratch baseline gets the same descriptor branch; the probe never has one).
pub fn settings_from_card(card: &ModelCard, device: Device) -> Result<FitSettings, SurrogateError> {
    let t = card.training.as_ref().ok_or_else(|| {
        SurrogateError::Settings("the card has no training record (not trained by crucible finetune)".into())
    })?;
    Ok(FitSettings {
        architecture: card.architecture.clone(),
        train: t.settings.clone(),
        val_frac: t.split.val_frac,
        test_frac: t.split.test_frac,
        freeze: t.freeze.parse()?,
        dropout: Some(card.architecture.dropout),
        members: card.members.len().max(1),
        bootstrap: t.bootstrap.is_some(),
        device,
        descriptors: card.descriptors.as_ref().map_or_else(DescriptorSettings::default, |d| DescriptorSettings {
            set: d.set,
            hidden: d.hidden,
            dropout: d.dropout,
        }),
        reinit_top: t.reinit_top,
        rotate_val: t.val_part.is_some(),
        // the baselines train at member 0's learning rate
        member_lrs: Vec::new(),
    })
}

/// Models retrained for a side-by-side comparison.
pub struct Baselines {
    /// The pretrained encoder frozen with a fresh linear head (`None` without a start).
    pub probe: Option<NeuralSurrogate>,
    /// The same architecture trained from scratch.
    pub scratch: NeuralSurrogate,
    /// The settings both used (the fine-tuned model's).
    pub settings: FitSettings,
    /// The split of the training data they (and the fine-tuned model) used.
    pub split: Split,
}

/// Which baseline is training, for progress lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    /// The linear probe.
    Probe,
    /// From scratch.
    Scratch,
}

/// Retrain the baselines of the fine-tuned `card` on `data` (the data it was fine-tuned on),
/// the probe from `start` (its starting checkpoint; `None` skips the probe).
pub fn retrain_baselines(
    card: &ModelCard,
    data: &TrainingSet,
    start: Option<&NeuralSurrogate>,
    device: Device,
    progress: &mut dyn FnMut(Baseline, &FitProgress),
) -> Result<Baselines, SurrogateError> {
    let settings = settings_from_card(card, device)?;
    let split = fit_split(data, &settings)?;
    let from = card.training.as_ref().map(|t| t.from.clone()).unwrap_or_default();
    let probe = match start {
        Some(m) => Some(linear_probe(data.clone(), m, from, &settings, &mut |p| progress(Baseline::Probe, p))?),
        None => None,
    };
    let scratch = finetune(data.clone(), Start::Scratch, &settings, &mut |p| progress(Baseline::Scratch, p))?;
    Ok(Baselines { probe, scratch, settings, split })
}
