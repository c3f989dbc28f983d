//! Trained models: one network with its card ([`Model`]), and a model directory of one or more
//! members ([`NeuralSurrogate`]; several members form a deep ensemble whose spread is the
//! predicted std). Batch-first prediction and embeddings with `ndarray` at the boundary.
use ndarray::Array2;
use tch::{nn, Device, Kind, Tensor};

use super::card::ModelCard;
use super::data::TaskKind;
use super::inputs::CompositionInputs;
use super::network::{to_vec, Branches, Mode, Network};
use super::uncertainty::EmbeddingGps;
use super::SurrogateError;
use crate::chem::{Composition, ELEMENTS};

/// Rows to predict: compositions and, when the model has inputs, their raw values.
#[derive(Debug, Clone)]
pub struct ModelInputs {
    /// Encoded compositions (n rows).
    pub compositions: CompositionInputs,
    /// Raw structure/processing inputs, n × p, in the card's input order (p may be 0).
    pub inputs: Array2<f64>,
}

impl ModelInputs {
    /// Inputs from compositions and (n × p) raw input values (`None`: no inputs).
    pub fn new(comps: &[Composition], inputs: Option<Array2<f64>>) -> ModelInputs {
        let inputs = inputs.unwrap_or_else(|| Array2::zeros((comps.len(), 0)));
        ModelInputs { compositions: CompositionInputs::new(comps), inputs }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.compositions.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.compositions.is_empty()
    }
}

/// Predictions for n rows and t tasks.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// Task names, in column order.
    pub tasks: Vec<String>,
    /// n × t. Regression: the predicted value in target units. Binary classification: the
    /// probability of the second (positive) class. More classes: the most probable label.
    pub mean: Array2<f64>,
    /// n × t ensemble standard deviation (of the value, or of the positive-class probability);
    /// `None` for a single model.
    pub std: Option<Array2<f64>>,
    /// Per task: class probabilities (n × classes) for classification tasks.
    pub probabilities: Vec<Option<Array2<f64>>>,
}

/// One trained network with its card.
pub struct Model {
    pub(crate) card: ModelCard,
    pub(crate) vs: nn::VarStore,
    pub(crate) net: Network,
}

/// Rows per forward pass when predicting.
const PREDICT_BATCH: usize = 2048;

impl Model {
    /// A freshly initialised network for `card` on `device` (seed with `tch::manual_seed` first
    /// for reproducible weights).
    pub fn init(card: ModelCard, device: Device) -> Result<Model, SurrogateError> {
        card.architecture.validate()?;
        let vs = nn::VarStore::new(device);
        let outputs: Vec<usize> = card.tasks.iter().map(|t| t.kind.outputs()).collect();
        let d = card.descriptors.as_ref();
        let branches = Branches {
            inputs: card.inputs.len(),
            descriptors: d.map_or(0, |d| d.len()),
            descriptor_hidden: d.map_or(0, |d| d.hidden),
            descriptor_dropout: d.map_or(0.0, |d| d.dropout),
        };
        let net = Network::new(&vs.root(), &card.architecture, &branches, &outputs);
        Ok(Model { card, vs, net })
    }

    /// The model card.
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// Variables by name (`encoder.*`, `params.*`, `heads.<k>.*`), shallow handles.
    pub fn variables(&self) -> std::collections::HashMap<String, Tensor> {
        self.vs.variables()
    }

    fn check(&self, x: &ModelInputs) -> Result<(), SurrogateError> {
        let p = self.card.inputs.len();
        if x.inputs.nrows() != x.len() || x.inputs.ncols() != p {
            let names: Vec<&str> = self.card.inputs.iter().map(|i| i.name.as_str()).collect();
            return Err(SurrogateError::Inputs(format!(
                "the model takes {p} inputs [{}] per row but got {} × {} values for {} rows",
                names.join(", "),
                x.inputs.nrows(),
                x.inputs.ncols(),
                x.len()
            )));
        }
        Ok(())
    }

    /// Run the network on every row in batches; `f` gets each batch's embedding and row range.
    fn run(&self, x: &ModelInputs, mut f: impl FnMut(&Tensor, std::ops::Range<usize>)) -> Result<(), SurrogateError> {
        self.check(x)?;
        let p = self.card.inputs.len();
        tch::no_grad(|| -> Result<(), SurrogateError> {
            for start in (0..x.len()).step_by(PREDICT_BATCH) {
                let end = (start + PREDICT_BATCH).min(x.len());
                let rows: Vec<usize> = (start..end).collect();
                let vals: Vec<f32> = rows
                    .iter()
                    .flat_map(|&r| {
                        (0..p).map(move |j| {
                            ((x.inputs[[r, j]] - self.card.inputs[j].mean) / self.card.inputs[j].std) as f32
                        })
                    })
                    .collect();
                let desc = match &self.card.descriptors {
                    Some(d) => Some(d.encode(&x.compositions, &rows)?),
                    None => None,
                };
                let batch = self.net.batch(&x.compositions, &rows, Some(&vals), desc.as_deref());
                f(&self.net.embed(&batch, Mode::EVAL), start..end);
            }
            Ok(())
        })
    }

    /// The learned representation the heads see, n × w (w = 2·d_model, plus the parameter
    /// branch width when the model has inputs, plus the descriptor branch width when it has
    /// one). For Gaussian processes on the embedding.
    pub fn embed(&self, x: &ModelInputs) -> Result<Array2<f64>, SurrogateError> {
        let mut out: Vec<f64> = Vec::new();
        let mut w = 0;
        self.run(x, |z, _| {
            w = z.size()[1] as usize;
            out.extend(to_vec(z));
        })?;
        Ok(Array2::from_shape_vec((x.len(), w), out).expect("n × w embedding"))
    }

    /// Predictions for every row (std `None`).
    pub fn predict(&self, x: &ModelInputs) -> Result<Predictions, SurrogateError> {
        Ok(self.predict_embed(x, false)?.0)
    }

    /// Predictions and, when `want_embedding`, the embedding (n × w) from the same pass.
    pub(crate) fn predict_embed(
        &self,
        x: &ModelInputs,
        want_embedding: bool,
    ) -> Result<(Predictions, Option<Array2<f64>>), SurrogateError> {
        let n = x.len();
        let mut emb: Vec<f64> = Vec::new();
        let mut w = 0;
        let nt = self.card.tasks.len();
        let mut mean = Array2::<f64>::zeros((n, nt));
        let mut probabilities: Vec<Option<Array2<f64>>> = self
            .card
            .tasks
            .iter()
            .map(|t| t.kind.is_classification().then(|| Array2::zeros((n, t.kind.outputs()))))
            .collect();
        self.run(x, |z, range| {
            if want_embedding {
                w = z.size()[1] as usize;
                emb.extend(to_vec(z));
            }
            for (t, task) in self.card.tasks.iter().enumerate() {
                let out = self.net.head(t, z, Mode::EVAL);
                match &task.kind {
                    TaskKind::Regression { mean: m, std: s } => {
                        for (i, v) in range.clone().zip(to_vec(&out)) {
                            mean[[i, t]] = v * s + m;
                        }
                    }
                    TaskKind::Classification { classes } => {
                        let k = classes.len();
                        let probs = to_vec(&out.softmax(-1, Kind::Float));
                        let pr = probabilities[t].as_mut().expect("classification task has probabilities");
                        for (j, i) in range.clone().enumerate() {
                            for c in 0..k {
                                pr[[i, c]] = probs[j * k + c];
                            }
                        }
                    }
                }
            }
        })?;
        summarise_classes(&self.card, &mut mean, &probabilities);
        let pred = Predictions {
            tasks: self.card.tasks.iter().map(|t| t.name.clone()).collect(),
            mean,
            std: None,
            probabilities,
        };
        let z = want_embedding.then(|| Array2::from_shape_vec((n, w), emb).expect("n × w embedding"));
        Ok((pred, z))
    }
}

/// Fill the `mean` column of classification tasks from their probabilities.
fn summarise_classes(card: &ModelCard, mean: &mut Array2<f64>, probabilities: &[Option<Array2<f64>>]) {
    for (t, task) in card.tasks.iter().enumerate() {
        let (TaskKind::Classification { classes }, Some(pr)) = (&task.kind, &probabilities[t]) else { continue };
        for i in 0..mean.nrows() {
            mean[[i, t]] = if classes.len() == 2 {
                pr[[i, 1]]
            } else {
                let best = (0..classes.len()).fold(0, |b, c| if pr[[i, c]] > pr[[i, b]] { c } else { b });
                classes[best]
            };
        }
    }
}

/// A model directory: one model, or a deep ensemble of members that share tasks and inputs,
/// optionally with a GP on the embedding per regression task (see `uncertainty`).
pub struct NeuralSurrogate {
    pub(crate) card: ModelCard,
    pub(crate) members: Vec<Model>,
    pub(crate) gp: Option<EmbeddingGps>,
    /// Per member, a GP on its own embedding that gives that member's mean (empty: none).
    pub(crate) member_gps: Vec<EmbeddingGps>,
}

impl NeuralSurrogate {
    /// A single model.
    pub fn single(model: Model) -> NeuralSurrogate {
        NeuralSurrogate { card: model.card.clone(), members: vec![model], gp: None, member_gps: Vec::new() }
    }

    /// An ensemble of members sharing tasks and inputs (the card: member 0's).
    pub(crate) fn ensemble(members: Vec<Model>) -> NeuralSurrogate {
        let mut card = members[0].card.clone();
        card.uncertainty = Some(super::uncertainty::UncertaintyRecord {
            method: "ensemble".into(),
            gp: None,
            std_scale: None,
            member_gp_mean: false,
        });
        NeuralSurrogate { card, members, gp: None, member_gps: Vec::new() }
    }

    /// Several trained models as one ensemble, e.g. encoders pretrained with different seeds
    /// as the starting point of a fine-tuned ensemble (member `k` fine-tunes from member
    /// `k mod n`). Every member must have the same architecture, tasks and inputs.
    pub fn pool(sources: Vec<NeuralSurrogate>) -> Result<NeuralSurrogate, SurrogateError> {
        let members: Vec<Model> = sources.into_iter().flat_map(|s| s.members).collect();
        let Some(first) = members.first() else {
            return Err(SurrogateError::Settings("no models to pool".into()));
        };
        let names = |c: &ModelCard| c.tasks.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
        let (arch, tasks, inputs) = (first.card.architecture.clone(), names(&first.card), first.card.inputs.len());
        for (i, m) in members.iter().enumerate().skip(1) {
            if m.card.architecture != arch || names(&m.card) != tasks || m.card.inputs.len() != inputs {
                return Err(SurrogateError::Architecture(format!(
                    "model {i} of the pool differs from model 0 in architecture, tasks or inputs"
                )));
            }
        }
        Ok(if members.len() == 1 {
            NeuralSurrogate::single(members.into_iter().next().expect("one model"))
        } else {
            NeuralSurrogate::ensemble(members)
        })
    }

    /// Split into one single-model surrogate per member (each with its own card; a GP on
    /// member 0's embedding is dropped, a member's own GP for its mean is kept), e.g. to fit
    /// a GP on each member's embedding.
    pub fn into_members(self) -> Vec<NeuralSurrogate> {
        let mut gps = self.member_gps.into_iter();
        self.members
            .into_iter()
            .map(|m| {
                let mut s = NeuralSurrogate::single(m);
                s.gp = gps.next();
                s
            })
            .collect()
    }

    /// The directory's card (for an ensemble: tasks and inputs of member 0, ensemble metrics).
    pub fn card(&self) -> &ModelCard {
        &self.card
    }

    /// The members (one for a single model).
    pub fn members(&self) -> &[Model] {
        &self.members
    }

    /// Task names.
    pub fn task_names(&self) -> Vec<String> {
        self.card.tasks.iter().map(|t| t.name.clone()).collect()
    }

    /// Names of the structure/processing inputs the model takes, in order.
    pub fn input_names(&self) -> Vec<String> {
        self.card.inputs.iter().map(|i| i.name.clone()).collect()
    }

    /// Per row, the elements not seen in training (empty when all were seen). Predictions
    /// for such rows extrapolate and deserve less trust.
    pub fn unseen_elements(&self, x: &ModelInputs) -> Vec<Vec<&'static str>> {
        let seen: Vec<bool> = ELEMENTS.iter().map(|e| self.card.elements.iter().any(|s| s == e)).collect();
        (0..x.len())
            .map(|r| {
                x.compositions.row(r).0.iter().filter(|&&e| !seen[e as usize]).map(|&e| ELEMENTS[e as usize]).collect()
            })
            .collect()
    }

    /// Predictions for every row: the members' mean (each member's own GP mean when the
    /// members have GPs, [`fit_member_gps`](Self::fit_member_gps)), and as std the GP's on the embedding
    /// when the model has one ([`uncertainty_method`](Self::uncertainty_method) `gp`; the
    /// predictive std, noise included; tasks without a GP keep the members' spread, or 0 for a
    /// single model), else the members'
    /// standard deviation when there are several, else `None`; times the card's recalibration
    /// factor when [`recalibrate_std`](Self::recalibrate_std) fitted one.
    pub fn predict(&self, x: &ModelInputs) -> Result<Predictions, SurrogateError> {
        let mut z = None;
        let mut preds = Vec::with_capacity(self.members.len());
        for (k, m) in self.members.iter().enumerate() {
            let own = self.member_gps.get(k);
            let (mut p, e) = m.predict_embed(x, (k == 0 && self.gp.is_some()) || own.is_some())?;
            if let (Some(g), Some(e)) = (own, &e) {
                g.apply_mean(&mut p, e, &x.inputs);
            }
            z = z.or(e);
            preds.push(p);
        }
        let mut out = combine(&self.card, preds);
        if let (Some(g), Some(z)) = (&self.gp, &z) {
            g.apply(&mut out, z, &x.inputs);
        }
        let scale = self.card.uncertainty.as_ref().and_then(|u| u.std_scale.as_ref());
        if let (Some(sc), Some(std)) = (scale, out.std.as_mut()) {
            for (t, f) in sc.factors.iter().enumerate().take(std.ncols()) {
                std.column_mut(t).mapv_inplace(|v| v * f);
            }
        }
        Ok(out)
    }

    /// The embedding of member 0 (members' embeddings are not aligned with each other).
    pub fn embed(&self, x: &ModelInputs) -> Result<Array2<f64>, SurrogateError> {
        self.members[0].embed(x)
    }
}

/// The members' predictions combined: the mean (probabilities averaged for classes) and, for
/// several members, their standard deviation.
fn combine(card: &ModelCard, preds: Vec<Predictions>) -> Predictions {
    if preds.len() == 1 {
        return preds.into_iter().next().expect("one member");
    }
    let k = preds.len() as f64;
    let (n, nt) = preds[0].mean.dim();
    // Average probabilities (not labels) for classification, then summarise.
    let probabilities: Vec<Option<Array2<f64>>> = (0..nt)
        .map(|t| {
            let mut sum = preds[0].probabilities[t].clone()?;
            for p in &preds[1..] {
                sum += p.probabilities[t].as_ref().expect("members share tasks");
            }
            Some(sum / k)
        })
        .collect();
    let mut mean = Array2::<f64>::zeros((n, nt));
    let mut std = Array2::<f64>::zeros((n, nt));
    for t in 0..nt {
        for i in 0..n {
            let vals: Vec<f64> = preds.iter().map(|p| p.mean[[i, t]]).collect();
            let m = vals.iter().sum::<f64>() / k;
            mean[[i, t]] = m;
            std[[i, t]] = (vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (k - 1.0)).sqrt();
        }
    }
    summarise_classes(card, &mut mean, &probabilities);
    let tasks = card.tasks.iter().map(|t| t.name.clone()).collect();
    Predictions { tasks, mean, std: Some(std), probabilities }
}
