//! One candidate row of the log, as the campaign loop sees it (typed, no polars).
use chrono::{DateTime, Utc};

/// One input value: a component fraction, a parameter value, or a pool column.
///
/// Mirrors `space::Cell` (the campaign loop converts); the store does not depend on `space`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A continuous value (fractions, continuous parameters). Column dtype `Float64`.
    F64(f64),
    /// An integer parameter. Column dtype `Int64`.
    I64(i64),
    /// A categorical choice. Column dtype `String`.
    Str(String),
}

impl Cell {
    /// The kind's name, as used in error messages ("f64", "i64", "string").
    pub fn kind(&self) -> &'static str {
        match self {
            Cell::F64(_) => "f64",
            Cell::I64(_) => "i64",
            Cell::Str(_) => "string",
        }
    }
}

/// A candidate's lifecycle state. The latest row per `candidate_id` holds the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// Proposed by a strategy and logged before evaluation (write-ahead).
    Proposed,
    /// Evaluated by the oracle; property values are set.
    Evaluated,
    /// The oracle failed on it; `failure` says why.
    Failed,
}

impl Status {
    /// The value stored in the `status` column: `proposed`, `evaluated` or `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Proposed => "proposed",
            Status::Evaluated => "evaluated",
            Status::Failed => "failed",
        }
    }

    /// Parse a `status` column value; `None` for anything else.
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "proposed" => Some(Status::Proposed),
            "evaluated" => Some(Status::Evaluated),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The cells of one property: `<name>_mean`, `<name>_std` (prediction) and `<name>` (oracle
/// value, `None` until evaluated). In property units.
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyCells {
    /// Property name as in the campaign file (`yield_strength`).
    pub name: String,
    /// Predicted mean, if a prediction was made.
    pub mean: Option<f64>,
    /// Predicted standard deviation, if a prediction was made.
    pub std: Option<f64>,
    /// Measured/oracle value; `None` until evaluated (and for failures).
    pub value: Option<f64>,
}

/// One row of the candidate log. See the module docs for the column layout.
///
/// Within one appended batch every row must have the same input names and kinds (in the same
/// order) and the same property names (in the same order); batches may differ.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRow {
    /// Campaign iteration that proposed the candidate (0 for the initial design).
    pub iteration: u64,
    /// Unique id of the candidate within the run; later rows with the same id supersede earlier ones.
    pub candidate_id: u64,
    /// `initial`, `random`, or the optimizer's name.
    pub origin: String,
    /// Normalised formula, for composition spaces.
    pub formula: Option<String>,
    /// One cell per component fraction and per parameter, in space order: `(column name, value)`.
    pub inputs: Vec<(String, Cell)>,
    /// For pool campaigns: the 0-based row number in the pool file.
    pub pool_index: Option<u64>,
    /// One entry per property, in campaign order.
    pub properties: Vec<PropertyCells>,
    /// Acquisition score (higher is better), when the strategy produced one.
    pub acquisition: Option<f64>,
    /// Whether the candidate meets the constraints, once known.
    pub feasible: Option<bool>,
    /// Lifecycle state.
    pub status: Status,
    /// Why the evaluation failed (for `Status::Failed`).
    pub failure: Option<String>,
    /// When this row was written (stored as RFC 3339 with nanoseconds, so it round-trips exactly).
    pub created_at: DateTime<Utc>,
    /// Hash of the config the row was produced under.
    pub config_hash: String,
    /// Hash of the surrogate checkpoint that made the prediction, if any.
    pub model_hash: Option<String>,
    /// The campaign seed.
    pub seed: u64,
}
