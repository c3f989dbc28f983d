//! Composition descriptors computed inside the model's input pipeline, for the optional
//! **descriptor branch**: a small MLP, trained from scratch at fine-tuning time and never
//! frozen, whose output is concatenated with the composition embedding before the heads.
//!
//! Why: a pretrained embedding learned from DFT data of crystalline compounds may say little
//! about what matters in a user's data set (minor-fraction differences in Fe-rich steels, in
//! `experiments/finetune-steels`), while hand-made descriptors are what strong small-data
//! baselines (a random forest on Magpie features) exploit. The branch lets the heads use both.
//!
//! **Off by default.** Measured on steels (5-fold nested CV, round 3 of that study), the Magpie
//! branch left the fine-tuned model's MAE where it was (106.5 ± 12.1 MPa against 106.8 ± 18.9
//! without, on the same grid) and did not make it beat the Magpie random forest (103.5 ± 7.6);
//! it helped the from-scratch network more. Turn it on where measurements say it helps.
//!
//! Two sets, or both ([`DescriptorSet`]):
//! - **Magpie**: the 133 features of `chem::Featurizer::magpie` (what `crucible featurize`
//!   writes): fraction-weighted statistics of 22 element properties and the element count;
//! - **fractions**: the atomic fraction of every element present in the *training split*
//!   (`x_Fe`, …). Elements absent there would be columns that are constant 0 in training,
//!   whose weights no gradient reaches; an element outside the vocabulary is left out of the
//!   vector (and flagged by [`NeuralSurrogate::unseen_elements`](super::NeuralSurrogate)).
//!
//! **Standardisation** uses statistics of the training split only, stored in the card
//! ([`DescriptorSpec::columns`]): NaN cells (a composition none of whose elements has a
//! property) are ignored when fitting and become 0 (the training mean) when encoding; a column
//! that is constant (or all NaN) in training gets std 1. Standardised values are clipped to
//! ±[`CLIP`], so that a candidate far outside the training data (a fraction 50 standard
//! deviations off) cannot drive the branch into a regime it never saw.
use std::fmt;
use std::str::FromStr;

use crate::chem::{Composition, Featurizer, ELEMENTS};

use super::card::InputSpec;
use super::inputs::CompositionInputs;
use super::SurrogateError;

/// Standardised descriptor values are clipped to `[−CLIP, CLIP]`.
pub const CLIP: f64 = 10.0;

/// Prefix of element-fraction column names (`x_Fe`).
const FRACTION_PREFIX: &str = "x_";

/// Which descriptors feed the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DescriptorSet {
    /// No descriptor branch.
    #[default]
    None,
    /// The 133 Magpie features.
    Magpie,
    /// Element fractions over the training split's elements.
    Fractions,
    /// Magpie features, then element fractions.
    #[serde(rename = "magpie+fractions")]
    MagpieFractions,
}

/// The names [`DescriptorSet`] parses, for messages and config validation.
pub const DESCRIPTOR_SETS: &[&str] = &["none", "magpie", "fractions", "magpie+fractions"];

impl FromStr for DescriptorSet {
    type Err = SurrogateError;
    /// `none`, `magpie`, `fractions` or `magpie+fractions` (alias `fractions+magpie`).
    fn from_str(s: &str) -> Result<DescriptorSet, SurrogateError> {
        match s.trim() {
            "none" => Ok(DescriptorSet::None),
            "magpie" => Ok(DescriptorSet::Magpie),
            "fractions" => Ok(DescriptorSet::Fractions),
            "magpie+fractions" | "fractions+magpie" => Ok(DescriptorSet::MagpieFractions),
            o => Err(SurrogateError::Settings(format!("descriptors '{o}': expected {}", DESCRIPTOR_SETS.join(", ")))),
        }
    }
}

impl fmt::Display for DescriptorSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = match self {
            DescriptorSet::None => 0,
            DescriptorSet::Magpie => 1,
            DescriptorSet::Fractions => 2,
            DescriptorSet::MagpieFractions => 3,
        };
        f.write_str(DESCRIPTOR_SETS[i])
    }
}

impl DescriptorSet {
    fn magpie(self) -> bool {
        matches!(self, DescriptorSet::Magpie | DescriptorSet::MagpieFractions)
    }

    fn fractions(self) -> bool {
        matches!(self, DescriptorSet::Fractions | DescriptorSet::MagpieFractions)
    }
}

/// How to build a descriptor branch when fine-tuning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DescriptorSettings {
    /// Which descriptors (`None`: no branch).
    pub set: DescriptorSet,
    /// Width of the branch (`Linear(k → hidden) → SiLU → Dropout → Linear(hidden → hidden)
    /// → SiLU`).
    pub hidden: usize,
    /// Dropout inside the branch.
    pub dropout: f64,
}

impl Default for DescriptorSettings {
    /// No branch; when one is asked for: 64 wide, dropout 0.1.
    fn default() -> Self {
        DescriptorSettings { set: DescriptorSet::None, hidden: 64, dropout: 0.1 }
    }
}

impl DescriptorSettings {
    /// Settings for `set` with the default width and dropout.
    pub fn of(set: DescriptorSet) -> DescriptorSettings {
        DescriptorSettings { set, ..Default::default() }
    }

    /// Check the values make sense.
    pub fn validate(&self) -> Result<(), SurrogateError> {
        if self.set != DescriptorSet::None && self.hidden == 0 {
            return Err(SurrogateError::Settings("the descriptor branch needs a width ≥ 1".into()));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(SurrogateError::Settings(format!("descriptor dropout {} must be in [0, 1)", self.dropout)));
        }
        Ok(())
    }
}

/// A model's descriptor branch, as recorded in its card: the set, the branch's size and the
/// training statistics of every column (the branch sees `(x − mean) / std`, clipped).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DescriptorSpec {
    /// Which descriptors.
    pub set: DescriptorSet,
    /// Branch width.
    pub hidden: usize,
    /// Branch dropout.
    pub dropout: f64,
    /// Columns in the order the branch takes them (Magpie names, then `x_<element>`), with
    /// training mean and std.
    pub columns: Vec<InputSpec>,
}

impl DescriptorSpec {
    /// Fit the standardisation on `rows` of `comps` (the training split only); `None` for
    /// [`DescriptorSet::None`].
    pub fn fit(
        s: &DescriptorSettings,
        comps: &CompositionInputs,
        rows: &[usize],
    ) -> Result<Option<DescriptorSpec>, SurrogateError> {
        s.validate()?;
        if s.set == DescriptorSet::None {
            return Ok(None);
        }
        if rows.is_empty() {
            return Err(SurrogateError::data("no training rows to fit the descriptor scaling on".into()));
        }
        let mut names: Vec<String> = Vec::new();
        if s.set.magpie() {
            names.extend(Featurizer::magpie().names().iter().cloned());
        }
        if s.set.fractions() {
            names.extend(comps.elements_in(rows).iter().map(|&e| format!("{FRACTION_PREFIX}{}", ELEMENTS[e])));
        }
        let mut spec = DescriptorSpec {
            set: s.set,
            hidden: s.hidden,
            dropout: s.dropout,
            columns: names.into_iter().map(|name| InputSpec { name, mean: 0.0, std: 1.0 }).collect(),
        };
        let k = spec.columns.len();
        let raw = spec.raw(comps, rows)?;
        for (j, col) in spec.columns.iter_mut().enumerate() {
            let v: Vec<f64> = (0..rows.len()).map(|i| raw[i * k + j]).filter(|v| v.is_finite()).collect();
            if v.is_empty() {
                continue;
            }
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
            col.mean = m;
            col.std = if sd > 1e-12 * m.abs().max(1.0) { sd } else { 1.0 };
        }
        Ok(Some(spec))
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Raw descriptor values of `rows` of `comps`, `rows.len() × len()` row-major (NaN where a
    /// Magpie property is unknown for every element of the row).
    pub fn raw(&self, comps: &CompositionInputs, rows: &[usize]) -> Result<Vec<f64>, SurrogateError> {
        let k = self.len();
        let magpie = self.set.magpie().then(Featurizer::magpie);
        let nm = magpie.as_ref().map_or(0, Featurizer::len);
        let fraction_cols: Vec<usize> = self.columns[nm..]
            .iter()
            .map(|c| {
                c.name
                    .strip_prefix(FRACTION_PREFIX)
                    .and_then(crate::chem::element_index)
                    .ok_or_else(|| SurrogateError::Inputs(format!("descriptor column '{}' is not x_<element>", c.name)))
            })
            .collect::<Result<_, _>>()?;
        let mut col_of = [usize::MAX; 118];
        for (j, &e) in fraction_cols.iter().enumerate() {
            col_of[e] = nm + j;
        }
        let mut out = vec![0.0; rows.len() * k];
        for (i, &r) in rows.iter().enumerate() {
            let (els, fr) = comps.row(r);
            let row = &mut out[i * k..(i + 1) * k];
            if let Some(f) = &magpie {
                let c = Composition::from_amounts(els.iter().zip(fr).map(|(&e, &x)| (ELEMENTS[e as usize], x as f64)))
                    .map_err(|e| SurrogateError::Inputs(format!("descriptors: {e}")))?;
                f.featurize_into(&c, &mut row[..nm]);
            }
            for (&e, &x) in els.iter().zip(fr) {
                if col_of[e as usize] != usize::MAX {
                    row[col_of[e as usize]] = x as f64;
                }
            }
        }
        Ok(out)
    }

    /// Standardised, clipped values of `rows` of `comps` as the branch takes them,
    /// `rows.len() × len()` row-major (NaN cells → 0).
    pub fn encode(&self, comps: &CompositionInputs, rows: &[usize]) -> Result<Vec<f32>, SurrogateError> {
        let k = self.len();
        let raw = self.raw(comps, rows)?;
        Ok(raw
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let c = &self.columns[i % k];
                if v.is_finite() {
                    ((v - c.mean) / c.std).clamp(-CLIP, CLIP) as f32
                } else {
                    0.0
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(f: &[&str]) -> CompositionInputs {
        CompositionInputs::new(&f.iter().map(|s| Composition::parse(s).unwrap()).collect::<Vec<_>>())
    }

    #[test]
    fn names_parse_and_print() {
        for s in DESCRIPTOR_SETS {
            assert_eq!(s.parse::<DescriptorSet>().unwrap().to_string(), *s);
        }
        let e = "magpi".parse::<DescriptorSet>().unwrap_err().to_string();
        assert!(e.contains("descriptors 'magpi'") && e.contains("magpie+fractions"), "{e}");
    }

    #[test]
    fn statistics_come_from_the_given_rows_only() {
        let c = comps(&["Fe0.9C0.1", "Fe0.8C0.2", "Fe0.7Ni0.3", "Fe0.2Co0.8"]);
        let spec =
            DescriptorSpec::fit(&DescriptorSettings::of(DescriptorSet::Fractions), &c, &[0, 1]).unwrap().unwrap();
        let names: Vec<&str> = spec.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["x_C", "x_Fe"], "vocabulary: the training rows' elements");
        assert!((spec.columns[0].mean - 0.15).abs() < 1e-6 && (spec.columns[0].std - 0.05).abs() < 1e-6);
        let x = spec.encode(&c, &[0, 2, 3]).unwrap();
        assert!((x[0] + 1.0).abs() < 1e-5, "C 0.1 → (0.1 − 0.15)/0.05 = −1, got {}", x[0]);
        assert!((x[2] + 3.0).abs() < 1e-4, "no C → −3, Ni left out, got {}", x[2]);
        assert!((x[5] + 10.0).abs() < 1e-4, "Fe 0.2 is 13 std below: clipped to −10, got {}", x[5]);
    }

    #[test]
    fn magpie_constant_and_nan_columns_are_finite() {
        let c = comps(&["Fe", "Fe", "Fe"]);
        let spec = DescriptorSpec::fit(&DescriptorSettings::of(DescriptorSet::Magpie), &c, &[0, 1]).unwrap().unwrap();
        assert_eq!(spec.len(), 133);
        assert!(spec.columns.iter().all(|c| c.std == 1.0), "every column is constant");
        let x = spec.encode(&c, &[2]).unwrap();
        assert!(x.iter().all(|v| v.is_finite() && v.abs() < 1e-6));
    }
}
