//! The evidence that pretraining helps (or does not): retrain, on the same data and split as a
//! fine-tuned model and with the settings its card records, (a) a **linear probe** — the
//! starting checkpoint's encoder frozen with a fresh linear head — and (b) the same
//! architecture **from scratch**, so that all three can be scored side by side on the same
//! held-out rows.
//!
//! Both baselines also get the uncertainty the card records, so that the comparison is like
//! for like: the same GP on the embedding, the same GP mean per ensemble member, the same
//! recalibrated std. The probe keeps its linear head's mean (that is what a probe is), the
//! from-scratch model takes its mean where the fine-tuned one does.
//!
//! Reads no files: the caller loads the training data the card names (and checks its SHA-256)
//! and the starting checkpoint.
use tch::Device;

use super::card::ModelCard;
use super::descriptors::DescriptorSettings;
use super::fit::{
    attach_uncertainty, finetune, fit_split, linear_probe, FitProgress, FitSettings, Start, UncertaintyRecipe,
};
use super::model::NeuralSurrogate;
use super::split::Split;
use super::uncertainty::GpMean;
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
        Some(m) => {
            let mut probe = linear_probe(data.clone(), m, from, &settings, &mut |p| progress(Baseline::Probe, p))?;
            attach_uncertainty(&mut probe, data, &settings, recipe_of(card, false))?;
            Some(probe)
        }
        None => None,
    };
    let mut scratch = finetune(data.clone(), Start::Scratch, &settings, &mut |p| progress(Baseline::Scratch, p))?;
    attach_uncertainty(&mut scratch, data, &settings, recipe_of(card, true))?;
    Ok(Baselines { probe, scratch, settings, split })
}

/// How the card's model states its uncertainty, in words (`None`: it does not), for the
/// comparison's header: the baselines get the same. The card is a saved model's (it lists the
/// members' directories).
pub fn describe_uncertainty(card: &ModelCard) -> Option<String> {
    let u = card.uncertainty.as_ref()?;
    let what = match (u.method.as_str(), &u.gp) {
        ("gp", Some(g)) if g.mean == GpMean::Gp => "a GP on the embedding, its mean too".to_string(),
        ("gp", _) => "a GP on the embedding".to_string(),
        _ if u.member_gp_mean => format!("an ensemble of {}, each member's mean from its own GP", card.members.len()),
        _ => format!("an ensemble of {}", card.members.len()),
    };
    Some(if u.std_scale.is_some() { format!("{what}, std recalibrated on the validation split") } else { what })
}

/// The uncertainty recipe the fine-tuned model's `card` records, for a retrained baseline:
/// its GP on the embedding, its GP mean per member, its recalibration (fitted with the same
/// split and seed, on the baseline's own embedding). `gp_means`: false keeps the network's
/// mean, for the probe.
fn recipe_of(card: &ModelCard, gp_means: bool) -> UncertaintyRecipe {
    let Some(u) = &card.uncertainty else { return UncertaintyRecipe::default() };
    UncertaintyRecipe {
        gp: u.gp.as_ref().filter(|_| u.method == "gp").map(|g| if gp_means { g.mean } else { GpMean::Network }),
        member_gp_mean: u.member_gp_mean && gp_means,
        recalibrate: u.std_scale.is_some(),
    }
}
