//! Plain-data description of a design space, as validated from a campaign file.
//!
//! `config` produces these (it owns YAML and spans); [`crate::space::Space::new`] turns them
//! into a usable space or explains why the space is empty. Key paths in errors (e.g.
//! `space.composition.components.Ni`) let `config` point back at file, line and column.
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole design space: a designed space (composition or structure, plus parameters) or a
/// pool of enumerated candidates.
#[derive(Debug, Clone, PartialEq)]
pub enum SpaceSpec {
    /// Candidates are generated: a mixture and/or a structure, plus parameters.
    Design(DesignSpec),
    /// Candidates are rows of a table.
    Pool(PoolSpec),
}

/// A generated space. At least one of `composition`, `structure`, `parameters` is non-empty;
/// `composition` and `structure` are mutually exclusive.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DesignSpec {
    /// A composition mixture (`space.composition`).
    pub composition: Option<MixtureSpec>,
    /// A crystal prototype with a mixture per site (`space.structure`).
    pub structure: Option<StructureSpec>,
    /// Structure/processing parameters (`space.parameters`), in file order.
    pub parameters: Vec<ParameterSpec>,
    /// Component names that stand for formulas (`space.aliases`), e.g. `FA -> CH5N2`.
    pub aliases: BTreeMap<String, AliasSpec>,
}

/// What an alias stands for: `FA: CH5N2` or `FA: {formula: CH5N2, charge: 1}`.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasSpec {
    /// The formula the alias expands to.
    pub formula: String,
    /// The ion's charge, for charge balance of molecular ions (e.g. formamidinium +1). When
    /// absent, charge balance assigns oxidation states to the alias's elements.
    pub charge: Option<i32>,
}

/// A mixture of named components (elements, compound formulas or aliases) whose fractions sum
/// to 1.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MixtureSpec {
    /// Components with their bounds, in file order. Does not include the balance component.
    pub components: Vec<ComponentSpec>,
    /// The component that takes whatever the others leave (`balance: Fe`); bounds [0, 1]
    /// unless it is also listed in `components`, in which case those bounds apply.
    pub balance: Option<String>,
    /// At most this many non-zero components (the balance included).
    pub max_components: Option<usize>,
    /// At least this many non-zero components.
    pub min_components: Option<usize>,
    /// Fractions are multiples of this step (e.g. 0.01).
    pub resolution: Option<f64>,
    /// Sets of components that must not all be present (non-zero) at once.
    pub forbidden: Vec<Vec<String>>,
    /// Reject compositions that common oxidation states cannot balance.
    pub charge_balance: bool,
}

/// One mixture component and its fraction bounds, `0 <= min <= max <= 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentSpec {
    /// Element symbol, compound formula or alias.
    pub name: String,
    /// Lower bound on the fraction.
    pub min: f64,
    /// Upper bound on the fraction.
    pub max: f64,
}

/// A prototype structure: sites with multiplicities and a mixture on each site.
#[derive(Debug, Clone, PartialEq)]
pub struct StructureSpec {
    /// Named prototype (`perovskite`, `spinel`, `rocksalt`) or explicit site multiplicities.
    pub prototype: PrototypeSpec,
    /// Mixture per site, keyed by site name, in file order.
    pub sites: Vec<(String, MixtureSpec)>,
    /// Reject candidates whose overall formula common oxidation states cannot balance.
    pub charge_balance: bool,
}

/// Which sites a structure has and how many of each per formula unit.
#[derive(Debug, Clone, PartialEq)]
pub enum PrototypeSpec {
    /// A built-in prototype by name.
    Named(String),
    /// Explicit sites: name and multiplicity, e.g. `{A: 1, B: 2, X: 4}`.
    Sites(Vec<(String, f64)>),
}

/// A structure or processing parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterSpec {
    /// A real number in `[min, max]`.
    Continuous {
        /// Column name.
        name: String,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
        /// Unit, for reports.
        unit: Option<String>,
    },
    /// An integer in `[min, max]`.
    Integer {
        /// Column name.
        name: String,
        /// Lower bound.
        min: i64,
        /// Upper bound.
        max: i64,
        /// Unit, for reports.
        unit: Option<String>,
    },
    /// One of a list of named choices.
    Categorical {
        /// Column name.
        name: String,
        /// The choices, in file order; at least one, no duplicates.
        choices: Vec<String>,
    },
}

impl ParameterSpec {
    /// The parameter's column name.
    pub fn name(&self) -> &str {
        match self {
            ParameterSpec::Continuous { name, .. }
            | ParameterSpec::Integer { name, .. }
            | ParameterSpec::Categorical { name, .. } => name,
        }
    }
}

/// A pool: a CSV or Parquet file of enumerated candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolSpec {
    /// The file, relative paths resolved against the campaign file's folder.
    pub path: PathBuf,
    /// Input columns; `None` means every column that is not a property column.
    pub inputs: Option<Vec<String>>,
}
