//! [`SpaceError`] (a space that cannot be built or sampled) and [`Infeasibility`] (why one
//! candidate is outside the space).
use thiserror::Error;

/// Why a design space cannot be built or sampled. Every variant names the key path of the
/// campaign-file entry at fault (see [`SpaceError::key_path`]), and its message says what is
/// wrong with the numbers involved.
///
/// Key paths are dotted, mapping keys by name and sequence items by 0-based index:
/// `space.composition.components.Ni`, `space.composition.forbidden.0`,
/// `space.structure.sites.A.Cs`, `space.parameters.2`, `space.aliases.FA`, `space.pool.inputs`.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SpaceError {
    /// The minimum fractions alone add up to more than 1.
    #[error("{path}: minimum fractions add up to {total} (> 1): {terms}")]
    MinimumsExceedOne {
        /// Key path of the mixture.
        path: String,
        /// Σ min.
        total: f64,
        /// The non-zero minimums, e.g. `C 0.05 + Ni 0.8 + Cr 0.3`.
        terms: String,
    },
    /// The maximum fractions cannot reach 1 (no balance component takes the rest).
    #[error("{path}: maximum fractions add up to only {total} (< 1){hint}: {terms}")]
    MaximumsBelowOne {
        /// Key path of the mixture.
        path: String,
        /// Σ max.
        total: f64,
        /// The maximums.
        terms: String,
        /// A hint, e.g. " and there is no balance component".
        hint: String,
    },
    /// A bound outside `[0, 1]`, not finite, or a minimum above its maximum.
    #[error("{path}: {message}")]
    Bounds {
        /// Key path of the component.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A component that is neither an element, an alias nor a readable formula.
    #[error("{path}: unknown component '{name}': {reason}{}", suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default())]
    UnknownComponent {
        /// Key path of the component.
        path: String,
        /// The name as written.
        name: String,
        /// Why it could not be read.
        reason: String,
        /// The nearest element or alias, if one is close.
        suggestion: Option<String>,
    },
    /// Two components, sites, parameters or columns with the same name.
    #[error("{path}: duplicate name '{name}'{context}")]
    DuplicateName {
        /// Key path of the second occurrence.
        path: String,
        /// The repeated name.
        name: String,
        /// Where the first one is, e.g. " (also a parameter)".
        context: String,
    },
    /// `min_components`/`max_components` (with the bounds and forbidden combinations) leave no
    /// feasible set of components.
    #[error("{path}: {message}")]
    Cardinality {
        /// Key path of the setting at fault.
        path: String,
        /// What is impossible and why.
        message: String,
    },
    /// Forbidden combinations that are malformed or leave nothing.
    #[error("{path}: {message}")]
    Forbidden {
        /// Key path of the rule.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A structure site with no species, a site missing from the prototype, an unknown
    /// prototype or a bad multiplicity.
    #[error("{path}: {message}")]
    Structure {
        /// Key path of the site or prototype.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A resolution that is not a positive divisor of 1 or leaves no grid point in the bounds.
    #[error("{path}: {message}")]
    Resolution {
        /// Key path of the resolution.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A parameter with bad bounds or choices.
    #[error("{path}: {message}")]
    Parameter {
        /// Key path of the parameter.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Charge balance (or another rejection rule) leaves (almost) no candidates.
    #[error("{path}: {message}")]
    Sampling {
        /// Key path of the rule that rejects.
        path: String,
        /// Acceptance observed and the rule to loosen.
        message: String,
    },
    /// A pool that is missing, empty, lacks an input column or holds non-finite inputs.
    #[error("{path}: {message}")]
    Pool {
        /// Key path (`space.pool`, `space.pool.inputs`, …).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The space has nothing to vary, or another inconsistency in the specification.
    #[error("{path}: {message}")]
    Invalid {
        /// Key path of the entry at fault.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A row of values (e.g. read back from the candidate log) that does not fit the space.
    #[error("{message}")]
    Row {
        /// What is missing or malformed.
        message: String,
    },
}

impl SpaceError {
    /// The key path of the campaign-file entry at fault (e.g.
    /// `space.composition.components.Ni`), so that `config` can point at file, line and
    /// column; `None` for errors about data rather than the specification.
    pub fn key_path(&self) -> Option<&str> {
        match self {
            SpaceError::MinimumsExceedOne { path, .. }
            | SpaceError::MaximumsBelowOne { path, .. }
            | SpaceError::Bounds { path, .. }
            | SpaceError::UnknownComponent { path, .. }
            | SpaceError::DuplicateName { path, .. }
            | SpaceError::Cardinality { path, .. }
            | SpaceError::Forbidden { path, .. }
            | SpaceError::Structure { path, .. }
            | SpaceError::Resolution { path, .. }
            | SpaceError::Parameter { path, .. }
            | SpaceError::Sampling { path, .. }
            | SpaceError::Pool { path, .. }
            | SpaceError::Invalid { path, .. } => Some(path),
            SpaceError::Row { .. } => None,
        }
    }
}

/// Why a candidate is outside the space: every rule it breaks, in human-readable form (e.g.
/// `"Ni = 0.3 is above its maximum 0.25"`, `"fractions add up to 0.97, not 1"`).
#[derive(Debug, Clone, PartialEq, Error)]
#[error("infeasible candidate: {}", reasons.join("; "))]
pub struct Infeasibility {
    /// One line per broken rule, never empty.
    pub reasons: Vec<String>,
}
