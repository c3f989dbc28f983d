//! Training data for the surrogate: labelled tables in, a [`TrainingSet`] out.
//!
//! A [`LabeledTable`] is what `io::dataset` reads from a file (formulas, target columns,
//! numeric input columns, as plain vectors). [`TrainingSet::build`] turns one or more of them
//! into model rows, with these policies (also written into the model card):
//!
//! - **Bad formulas** (missing, unparsable, unknown elements): the row is skipped and reported
//!   with its 1-based row number and reason ([`BadRow`]).
//! - **Missing inputs** (a NaN or empty structure/processing value): the row is skipped and
//!   counted — a model input cannot be guessed.
//! - **Missing targets** (NaN or empty): the cell is *masked* (no loss for that task on that
//!   row) and counted; a row with no target at all is skipped and counted.
//! - **Repeated compositions** (same normalised composition — `Fe2O3` and `Fe4O6` are one —
//!   and the same input values, e.g. polymorphs in Materials Project data): merged into one
//!   row; regression targets are averaged, classification targets take the majority class
//!   (ties: the lower class). Several files are merged the same way, so a composition that
//!   appears in `mp_gap` and `mp_is_metal` becomes one row with two targets.
//!
//! Splits are by unique composition ([`TrainingSet::groups`]), so rows that share a
//! composition (with different processing inputs) never straddle train/validation/test.
use std::collections::HashMap;

use super::inputs::CompositionInputs;
use crate::chem::Composition;

use super::SurrogateError;

/// A labelled table as read from a file (built by `io::dataset`); plain data, one entry per row.
#[derive(Debug, Clone, Default)]
pub struct LabeledTable {
    /// The file it came from (for messages and the model card).
    pub source: String,
    /// SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// Formula per row; `None` for an empty cell.
    pub formulas: Vec<Option<String>>,
    /// Target columns: `(column name, values)`; `None` for an empty or NaN cell.
    pub targets: Vec<(String, Vec<Option<f64>>)>,
    /// Numeric input columns (structure/processing parameters): `(name, values)`.
    pub inputs: Vec<(String, Vec<Option<f64>>)>,
}

/// Regression or classification, as asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindChoice {
    /// Classification when every value is 0 or 1, regression otherwise.
    Auto,
    /// A real-valued target.
    Regression,
    /// Integer class labels.
    Classification,
}

/// The kind of a task, with what each needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaskKind {
    /// Real-valued; the network predicts `(y − mean) / std`.
    Regression {
        /// Mean of the training targets (target units).
        mean: f64,
        /// Standard deviation of the training targets (target units; 1 when constant).
        std: f64,
    },
    /// Class labels (the distinct numeric values of the column, ascending); the network
    /// predicts one logit per class.
    Classification {
        /// Label values, ascending; class `k` is `classes[k]`.
        classes: Vec<f64>,
    },
}

impl TaskKind {
    /// Number of network outputs for this task.
    pub fn outputs(&self) -> usize {
        match self {
            TaskKind::Regression { .. } => 1,
            TaskKind::Classification { classes } => classes.len(),
        }
    }

    /// Whether this is a classification task.
    pub fn is_classification(&self) -> bool {
        matches!(self, TaskKind::Classification { .. })
    }
}

/// One prediction target of a model.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Task {
    /// Name (output columns are `<name>_mean`, `<name>_std`).
    pub name: String,
    /// Regression (with scaling) or classification (with labels).
    #[serde(flatten)]
    pub kind: TaskKind,
    /// Unit of the target, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The file and column it was trained on.
    #[serde(default)]
    pub source: String,
}

/// What to train on: a table and, for each of its target columns in order, the task it feeds.
#[derive(Debug, Clone)]
pub struct TaskSource {
    /// The table.
    pub table: LabeledTable,
    /// One request per `table.targets` entry, same order.
    pub tasks: Vec<TaskRequest>,
}

/// How to treat one target column.
#[derive(Debug, Clone)]
pub struct TaskRequest {
    /// Task name; columns of the same name in several tables feed the same task.
    pub name: String,
    /// Regression, classification, or decide from the values.
    pub kind: KindChoice,
    /// Unit, for the card.
    pub unit: Option<String>,
}

/// A row skipped because of its formula.
#[derive(Debug, Clone, PartialEq)]
pub struct BadRow {
    /// The file.
    pub source: String,
    /// 1-based data row.
    pub row: usize,
    /// Why.
    pub reason: String,
}

/// What happened to one table's rows.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SourceReport {
    /// The file.
    pub file: String,
    /// SHA-256 of the file (hex).
    pub sha256: String,
    /// Rows in the file.
    pub rows: usize,
    /// Rows that contributed a target.
    pub used: usize,
    /// Rows skipped for a missing or invalid formula.
    pub bad_formulas: usize,
    /// Target cells that were missing/NaN (masked; a row with none left is skipped).
    pub missing_targets: usize,
    /// Rows skipped for a missing/NaN input value.
    pub missing_inputs: usize,
    /// Rows folded into an earlier row with the same composition and inputs (targets averaged
    /// or majority-voted).
    pub duplicates_merged: usize,
}

/// Model rows: encoded compositions, raw input values and targets (NaN = missing), with the
/// composition group of each row for splitting.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    /// The tasks (targets), in column order of `targets`.
    pub tasks: Vec<Task>,
    /// Names of the numeric inputs, in column order of `inputs`.
    pub input_names: Vec<String>,
    /// Encoded compositions, one per row.
    pub compositions: CompositionInputs,
    /// Canonical formula (normalised composition) per row.
    pub formulas: Vec<String>,
    /// Raw input values, `n × p` row-major (p = `input_names.len()`).
    pub inputs: Vec<f64>,
    /// Targets, `n × t` row-major (t = `tasks.len()`): target units for regression, the class
    /// index for classification, NaN where missing.
    pub targets: Vec<f64>,
    /// Composition group of each row (rows with equal normalised composition share it).
    pub groups: Vec<usize>,
    /// One report per source table.
    pub reports: Vec<SourceReport>,
    /// Rows skipped for their formula, in order.
    pub bad_rows: Vec<BadRow>,
}

/// A composition key: element indices with fractions to 7 significant digits.
fn composition_key(c: &Composition) -> String {
    let t = c.total();
    c.iter_indexed().map(|(i, a)| format!("{i}:{:.6e}", a / t)).collect::<Vec<_>>().join(" ")
}

struct Acc {
    sum: f64,
    count: usize,
    votes: Vec<usize>,
}

impl TrainingSet {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.formulas.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.formulas.is_empty()
    }

    /// Target of row `r` for task `t` (NaN when missing).
    pub fn target(&self, r: usize, t: usize) -> f64 {
        self.targets[r * self.tasks.len() + t]
    }

    /// Input `j` of row `r`.
    pub fn input(&self, r: usize, j: usize) -> f64 {
        self.inputs[r * self.input_names.len() + j]
    }

    /// Build the rows from one or more sources (policies in the module docs). Every source must
    /// have the same input columns. Task kinds are resolved here; regression scaling is left
    /// at mean 0, std 1 until [`set_scaling`](Self::set_scaling) is called on a split.
    pub fn build(sources: &[TaskSource]) -> Result<TrainingSet, SurrogateError> {
        let input_names: Vec<String> =
            sources.first().map(|s| s.table.inputs.iter().map(|c| c.0.clone()).collect()).unwrap_or_default();
        let mut tasks: Vec<Task> = Vec::new();
        let mut task_of: Vec<Vec<usize>> = Vec::new();
        for s in sources {
            let names: Vec<String> = s.table.inputs.iter().map(|c| c.0.clone()).collect();
            if names != input_names {
                return Err(SurrogateError::data(format!(
                    "{}: input columns [{}] differ from [{}] of {}; every data set must have the same inputs",
                    s.table.source,
                    names.join(", "),
                    input_names.join(", "),
                    sources[0].table.source
                )));
            }
            if s.tasks.len() != s.table.targets.len() {
                return Err(SurrogateError::data(format!("{}: one task per target column", s.table.source)));
            }
            let mut ids = Vec::new();
            for (req, (col, values)) in s.tasks.iter().zip(&s.table.targets) {
                let kind = resolve_kind(req.kind, values, &s.table.source, col)?;
                let id = match tasks.iter().position(|t| t.name == req.name) {
                    Some(id) => {
                        merge_kinds(&mut tasks[id], kind)?;
                        id
                    }
                    None => {
                        let source = format!("{}:{col}", s.table.source);
                        tasks.push(Task { name: req.name.clone(), kind, unit: req.unit.clone(), source });
                        tasks.len() - 1
                    }
                };
                ids.push(id);
            }
            task_of.push(ids);
        }
        let nt = tasks.len();
        let mut rows: HashMap<String, usize> = HashMap::new();
        let mut groups_of: HashMap<String, usize> = HashMap::new();
        let (mut comps, mut formulas, mut inputs, mut groups) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut acc: Vec<Acc> = Vec::new();
        let mut reports = Vec::new();
        let mut bad_rows = Vec::new();
        for (s, ids) in sources.iter().zip(&task_of) {
            let t = &s.table;
            let mut rep = SourceReport {
                file: t.source.clone(),
                sha256: t.sha256.clone(),
                rows: t.formulas.len(),
                ..Default::default()
            };
            for (i, f) in t.formulas.iter().enumerate() {
                let c = match parse_formula(f.as_deref()) {
                    Ok(c) => c,
                    Err(reason) => {
                        rep.bad_formulas += 1;
                        bad_rows.push(BadRow { source: t.source.clone(), row: i + 1, reason });
                        continue;
                    }
                };
                let x: Option<Vec<f64>> = t.inputs.iter().map(|(_, v)| v[i]).collect();
                let Some(x) = x else {
                    rep.missing_inputs += 1;
                    continue;
                };
                let ys: Vec<Option<f64>> = t.targets.iter().map(|(_, v)| v[i]).collect();
                rep.missing_targets += ys.iter().filter(|y| y.is_none()).count();
                if ys.iter().all(Option::is_none) {
                    continue;
                }
                rep.used += 1;
                let ckey = composition_key(&c);
                let key = x.iter().fold(ckey.clone(), |k, v| format!("{k}|{:x}", v.to_bits()));
                let r = *rows.entry(key).or_insert_with(|| {
                    let ng = groups_of.len();
                    groups.push(*groups_of.entry(ckey).or_insert(ng));
                    formulas.push(c.normalized().formula());
                    comps.push(c.clone());
                    inputs.extend_from_slice(&x);
                    acc.extend((0..nt).map(|_| Acc { sum: 0.0, count: 0, votes: Vec::new() }));
                    formulas.len() - 1
                });
                let mut merged = false;
                for (&id, y) in ids.iter().zip(&ys) {
                    let Some(y) = *y else { continue };
                    let a = &mut acc[r * nt + id];
                    merged |= a.count > 0;
                    a.count += 1;
                    match &tasks[id].kind {
                        TaskKind::Regression { .. } => a.sum += y,
                        TaskKind::Classification { classes } => {
                            a.votes.resize(classes.len(), 0);
                            a.votes[classes.iter().position(|&c| c == y).expect("labels were collected")] += 1;
                        }
                    }
                }
                rep.duplicates_merged += merged as usize;
            }
            reports.push(rep);
        }
        let targets = acc
            .iter()
            .enumerate()
            .map(|(k, a)| match (&tasks[k % nt].kind, a.count) {
                (_, 0) => f64::NAN,
                (TaskKind::Regression { .. }, n) => a.sum / n as f64,
                (TaskKind::Classification { .. }, _) => {
                    let best = a.votes.iter().copied().max().unwrap_or(0);
                    a.votes.iter().position(|&v| v == best).unwrap_or(0) as f64
                }
            })
            .collect();
        Ok(TrainingSet {
            tasks,
            input_names,
            compositions: CompositionInputs::new(&comps),
            formulas,
            inputs,
            targets,
            groups,
            reports,
            bad_rows,
        })
    }

    /// Set each regression task's mean and std from the present targets of `rows` (the
    /// training split); a constant or absent target gets std 1.
    pub fn set_scaling(&mut self, rows: &[usize]) {
        for t in 0..self.tasks.len() {
            let ys: Vec<f64> = rows.iter().map(|&r| self.target(r, t)).filter(|y| !y.is_nan()).collect();
            if let TaskKind::Regression { mean, std } = &mut self.tasks[t].kind {
                (*mean, *std) = mean_std(&ys);
            }
        }
    }

    /// Per input column: mean and std over `rows` (std 1 for a constant column).
    pub fn input_scaling(&self, rows: &[usize]) -> Vec<(f64, f64)> {
        (0..self.input_names.len())
            .map(|j| mean_std(&rows.iter().map(|&r| self.input(r, j)).collect::<Vec<_>>()))
            .collect()
    }

    /// Number of present targets per task among `rows`.
    pub fn present(&self, rows: &[usize]) -> Vec<usize> {
        (0..self.tasks.len()).map(|t| rows.iter().filter(|&&r| !self.target(r, t).is_nan()).count()).collect()
    }
}

/// Mean and standard deviation (population); std 1 when fewer than 2 values or constant.
pub(crate) fn mean_std(xs: &[f64]) -> (f64, f64) {
    if xs.is_empty() {
        return (0.0, 1.0);
    }
    let m = xs.iter().sum::<f64>() / xs.len() as f64;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64;
    let s = v.sqrt();
    (m, if s > 1e-12 && s.is_finite() { s } else { 1.0 })
}

fn resolve_kind(
    choice: KindChoice,
    values: &[Option<f64>],
    source: &str,
    col: &str,
) -> Result<TaskKind, SurrogateError> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    if present.is_empty() {
        return Err(SurrogateError::data(format!("{source}: column '{col}' has no values (all missing or NaN)")));
    }
    let binary = present.iter().all(|&v| v == 0.0 || v == 1.0);
    let classify = match choice {
        KindChoice::Auto => binary,
        KindChoice::Regression => false,
        KindChoice::Classification => true,
    };
    if !classify {
        return Ok(TaskKind::Regression { mean: 0.0, std: 1.0 });
    }
    if let Some(v) = present.iter().find(|v| v.fract() != 0.0) {
        return Err(SurrogateError::data(format!(
            "{source}: column '{col}' is used as classes but holds the non-integer value {v}; use :regression"
        )));
    }
    let mut classes = present;
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    if classes.len() > 100 {
        return Err(SurrogateError::data(format!(
            "{source}: column '{col}' has {} distinct labels; more than 100 classes is not supported",
            classes.len()
        )));
    }
    if classes.len() == 1 {
        classes = if classes[0] == 0.0 { vec![0.0, 1.0] } else { vec![0.0, classes[0]] };
    }
    Ok(TaskKind::Classification { classes })
}

/// A second column feeding an existing task: kinds must agree; class labels are united.
fn merge_kinds(task: &mut Task, kind: TaskKind) -> Result<(), SurrogateError> {
    match (&mut task.kind, kind) {
        (TaskKind::Regression { .. }, TaskKind::Regression { .. }) => Ok(()),
        (TaskKind::Classification { classes }, TaskKind::Classification { classes: more }) => {
            classes.extend(more);
            classes.sort_by(f64::total_cmp);
            classes.dedup();
            Ok(())
        }
        _ => {
            Err(SurrogateError::data(format!("task '{}' is regression in one file and classes in another", task.name)))
        }
    }
}

/// A table cell's formula, or why it cannot be used (empty, or the parser's message with the
/// text), for the bad-row reports of training and prediction.
pub(crate) fn parse_formula(cell: Option<&str>) -> Result<Composition, String> {
    match cell.map(str::trim) {
        None | Some("") => Err("empty formula".to_string()),
        Some(text) => Composition::parse(text).map_err(|e| format!("'{text}': {e}")),
    }
}
