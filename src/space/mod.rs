//! The design space: what a candidate is, which candidates are feasible, how to draw them,
//! repair them and turn them into model inputs. One feasibility-and-repair engine serves every
//! optimizer. Knows chemistry ([`crate::chem`]); knows nothing of models, strategies, files or
//! the campaign loop (a pool's table is read by `io` and handed in as a [`PoolTable`]).
//!
//! # Spaces and candidates
//! A [`Space`] is built from a validated [`spec::SpaceSpec`]:
//! * a **composition** mixture: named components (elements, compound formulas such as `Fe2O3`,
//!   or aliases such as `FA → CH5N2`), each with bounds, an optional balance component (bounds
//!   `[0, 1]` unless listed), fractions summing to 1, `min_components`/`max_components`
//!   (non-zero components, the balance included), forbidden combinations (sets that must not
//!   all be non-zero at once), a resolution (fractions are multiples of it), charge balance;
//! * or a **structure**: a prototype (`perovskite` A1 B1 X3, `spinel` A1 B2 X4, `rocksalt`
//!   A1 X1, or explicit sites with multiplicities) with such a mixture on every site, and an
//!   optional charge balance of the overall formula;
//! * plus **parameters**: continuous, integer, categorical;
//! * or a **pool**: the rows of a table.
//!
//! A [`Candidate`] holds every mixture fraction (sites concatenated in prototype order, each
//! site's components in file order with the balance last unless listed), the parameter values
//! in file order, or, for a pool, the row index.
//!
//! **Columns** ([`Space::input_columns`], [`Space::cells`]): the component names (`Ni`); for a
//! structure `site:species` (`A:Cs`, `X:I`); then the parameter names. For a pool: its input
//! columns.
//!
//! # Sampling: uniform over the feasible set, space-filling
//! The feasible fractions of a mixture form a union of polytope faces: for each allowed
//! *support* (set of possibly non-zero components) the face `{x : lo ≤ x ≤ hi, Σx = 1, x = 0
//! off the support}`. [`Space::sample`] is uniform with respect to the top-dimensional
//! measure of that union:
//! 1. The supports of the largest feasible size (by `max_components`, forbidden combinations
//!    and bounds) are listed and one is chosen with probability proportional to its face's
//!    volume (exact inclusion–exclusion). Smaller supports have measure zero and are not drawn
//!    (repair still reaches them). Beyond 100 000 supports, random subsets are accepted with
//!    probability volume / simplex volume, which is also exact.
//! 2. A point of the face is the image of a unit-cube point under the **Rosenblatt
//!    transform**: each coordinate in turn is drawn from its exact conditional distribution
//!    given the ones before (inverse CDF of a piecewise polynomial), so a uniform cube point
//!    maps to a uniform face point. Faces whose inclusion–exclusion sums would be too long
//!    (many tight upper bounds) use hit-and-run instead (approximately uniform; the dry run
//!    says so).
//! 3. **Space-filling**: the `n` unit-cube points of one call form a **Latin hypercube** over
//!    all latent coordinates (support choice, face coordinates, one per parameter). Each
//!    sample is still exactly uniform; together they are stratified along every latent axis.
//! 4. With a resolution, points are rounded to the grid (largest remainder within bounds,
//!    summing exactly to 1), so grid points are drawn approximately uniformly.
//! 5. Rows that then break a rule (charge balance; `min_components` after rounding) are
//!    redrawn with fresh uniform coordinates; if fewer than 0.1% of 10 000 draws pass, sampling
//!    fails with [`SpaceError::Sampling`] naming the rule. A structure samples its sites
//!    independently (a product of uniforms is uniform on the product).
//!
//! Continuous parameters are uniform on their range, integers and categories equally likely.
//! Pools draw distinct rows uniformly without replacement (at most all rows).
//!
//! # Repair (projection)
//! [`Space::repair`] returns feasible candidates unchanged (so it is idempotent) and
//! otherwise, per mixture: NaN → 0; Euclidean projection onto `{lo ≤ x ≤ hi, Σx = 1}` (exact:
//! `x = clamp(v − λ, lo, hi)` with λ solved between sorted breakpoints); if the support breaks
//! `max_components` or a forbidden combination, keep the components with a minimum, then the
//! largest allowed ones, and project again onto that face; raise absent components to
//! `1e-3` (or one resolution step) until `min_components` hold; round to the resolution.
//! Parameters are clamped and rounded, categories clamped to the last choice. With charge
//! balance, a projection that is not balanced is replaced by the nearest of 64 balanced
//! feasible points found when the space was built. Pool candidates: the index is clamped.
//!
//! # Encoding ([`Space::encode`], n × [`Space::dim`])
//! Fractions as they are (all sites, in column order); each continuous and integer parameter
//! scaled by `(v − min)/(max − min)` (0 when `min = max`); each categorical one-hot over its
//! choices ([`Space::encoded_columns`] names them `name=choice`). [`Space::decode`] inverts
//! this: fractions as given (repair makes them feasible), reals unscaled and clamped (equal to
//! the original within a few ulps), integers rounded, categories by the largest entry. A pool
//! row is encoded as its input columns scaled to `[0, 1]` by the column's min and max in the
//! pool (constant columns → 0), followed, when the pool has formulas, by its atomic fractions
//! over the elements present in the pool (`frac:Fe`, …); decoding picks the nearest row (the
//! first of duplicates).
//!
//! # Chemistry
//! [`Space::composition`]: for a composition mixture, the atomic fractions of
//! `Σ xᵢ · formulaᵢ` (normalized to sum 1); for a structure, the composition **per formula
//! unit**, `Σ_sites multiplicity × Σ occupancy × formula` (`Cs0.5FA0.5PbI3` with `FA → CH5N2`
//! gives C0.5 H2.5 N Cs0.5 Pb I3); for a pool, the row's formula, normalized. Charge balance
//! asks [`crate::chem::charge_balance`] with charged aliases as fixed-charge ions and other
//! components through their elements (one common oxidation state per element).
use ndarray::{Array2, ArrayView2};
use rand_chacha::ChaCha8Rng;

pub mod spec;

mod cells;
mod design;
mod dryrun;
mod error;
mod mixture;
mod params;
mod pool;
mod simplex;
mod species;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_prop;

pub use dryrun::{DryRun, SpaceKind};
pub use error::{Infeasibility, SpaceError};

use crate::chem::Composition;
use design::Design;
use pool::Pool;
use spec::SpaceSpec;

/// One point of a design space.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Every mixture fraction, in [`Space::input_columns`] order (balance included; structure
    /// sites concatenated). Each mixture sums to 1. Empty for pool candidates.
    pub fractions: Vec<f64>,
    /// One value per parameter, in file order. Empty for pool candidates.
    pub params: Vec<ParamValue>,
    /// The 0-based row of the pool, for pool candidates.
    pub pool_index: Option<usize>,
}

/// The value of one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// A continuous parameter, in its unit.
    Real(f64),
    /// An integer parameter.
    Int(i64),
    /// A categorical parameter: the index of the choice.
    Cat(usize),
}

/// One value of a candidate-log row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// A fraction, a continuous parameter or a pool input.
    F64(f64),
    /// An integer parameter.
    I64(i64),
    /// A categorical parameter's choice.
    Str(String),
}

/// A pool's table as read by `io`: numeric input columns (rows = candidates) and, if the file
/// has one, the formula column.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolTable {
    /// Column names, one per column of `values`.
    pub columns: Vec<String>,
    /// rows × columns input values.
    pub values: Array2<f64>,
    /// One formula per row, when the pool has a formula column.
    pub formulas: Option<Vec<String>>,
}

#[derive(Debug)]
enum Inner {
    Design(Box<Design>),
    Pool(Box<Pool>),
}

/// A validated design space: sampling, repair, checks, encoding (see the module docs).
#[derive(Debug)]
pub struct Space {
    inner: Inner,
}

impl Space {
    /// Builds the space, checking that it is not empty: bounds (`min > max`, minimums adding up
    /// to more than 1, maximums to less than 1 without a balance), unknown elements or
    /// aliases, duplicate names, cardinality and forbidden combinations that leave nothing,
    /// resolution, sites without species, parameters, pool columns, and charge balance that
    /// rejects (almost) everything. `pool` is required for a pool spec and ignored otherwise.
    pub fn new(spec: &SpaceSpec, pool: Option<PoolTable>) -> Result<Space, SpaceError> {
        let inner = match spec {
            SpaceSpec::Design(d) => Inner::Design(Box::new(Design::build(d)?)),
            SpaceSpec::Pool(p) => Inner::Pool(Box::new(Pool::build(p, pool)?)),
        };
        Ok(Space { inner })
    }

    /// Encoded width: the number of columns of [`Space::encode`].
    pub fn dim(&self) -> usize {
        match &self.inner {
            Inner::Design(d) => d.dim(),
            Inner::Pool(p) => p.width(),
        }
    }

    /// Log column names: one per fraction (`Ni`, or `A:Cs` for species Cs on site A), then one
    /// per parameter; for a pool, its input columns.
    pub fn input_columns(&self) -> Vec<String> {
        match &self.inner {
            Inner::Design(d) => d.input_columns(),
            Inner::Pool(p) => p.columns.clone(),
        }
    }

    /// Names of the [`Space::dim`] encoded columns: like [`Space::input_columns`] but one
    /// `name=choice` column per categorical choice.
    pub fn encoded_columns(&self) -> Vec<String> {
        match &self.inner {
            Inner::Design(d) => {
                let cols = d.input_columns();
                let fr = cols[..d.nfrac].iter().cloned();
                fr.chain(d.params.iter().flat_map(|p| p.encoded_columns())).collect()
            }
            Inner::Pool(p) => p.encoded_columns(),
        }
    }

    /// `n` feasible candidates, uniform over the feasible set and space-filling together (see
    /// the module docs). For a pool, `min(n, rows)` distinct rows. Errors when a rejection rule
    /// (charge balance) accepts almost nothing.
    pub fn sample(&self, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Candidate>, SpaceError> {
        match &self.inner {
            Inner::Design(d) => d.sample(n, rng),
            Inner::Pool(p) => {
                let k = n.min(p.len());
                Ok(rand::seq::index::sample(rng, p.len(), k)
                    .into_iter()
                    .map(|i| Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(i) })
                    .collect())
            }
        }
    }

    /// The nearest feasible candidate (projection; see the module docs). Feasible candidates
    /// come back unchanged, so `repair(repair(c)) == repair(c)`.
    pub fn repair(&self, c: &Candidate) -> Candidate {
        match &self.inner {
            Inner::Design(d) => d.repair(c),
            Inner::Pool(p) => {
                let i = c.pool_index.unwrap_or(0).min(p.len() - 1);
                Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(i) }
            }
        }
    }

    /// `Ok` when `c` is feasible, else every rule it breaks in readable form. Sums and bounds
    /// are checked within 1e-9.
    pub fn check(&self, c: &Candidate) -> Result<(), Infeasibility> {
        let reasons = match &self.inner {
            Inner::Design(d) => d.check(c),
            Inner::Pool(p) => {
                let mut r = Vec::new();
                match c.pool_index {
                    None => r.push("no pool row".to_string()),
                    Some(i) if i >= p.len() => r.push(format!("pool row {i} does not exist ({} rows)", p.len())),
                    Some(_) => {}
                }
                if !c.fractions.is_empty() || !c.params.is_empty() {
                    r.push("a pool candidate has no fractions or parameters".to_string());
                }
                r
            }
        };
        if reasons.is_empty() {
            Ok(())
        } else {
            Err(Infeasibility { reasons })
        }
    }

    /// Model inputs, `cs.len() × dim()` (layout in the module docs).
    pub fn encode(&self, cs: &[Candidate]) -> Array2<f64> {
        let mut x = Array2::zeros((cs.len(), self.dim()));
        for (c, mut row) in cs.iter().zip(x.rows_mut()) {
            let row = row.as_slice_mut().expect("a row of a standard-layout array is contiguous");
            match &self.inner {
                Inner::Design(d) => d.encode(c, row),
                Inner::Pool(p) => match c.pool_index.filter(|&i| i < p.len()) {
                    Some(i) => p.scaled_row(i, row),
                    None => row.fill(f64::NAN),
                },
            }
        }
        x
    }

    /// The candidates whose encodings are the rows of `x` (`n × dim()`): exact inverse of
    /// [`Space::encode`] on feasible points; for other rows the nearest candidate, which
    /// [`Space::repair`] then makes feasible. Panics if `x` has not `dim()` columns.
    pub fn decode(&self, x: ArrayView2<f64>) -> Vec<Candidate> {
        assert_eq!(x.ncols(), self.dim(), "Space::decode: {} columns, expected {}", x.ncols(), self.dim());
        x.rows()
            .into_iter()
            .map(|row| {
                let row: Vec<f64> = row.to_vec();
                match &self.inner {
                    Inner::Design(d) => d.decode(&row),
                    Inner::Pool(p) => {
                        Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(p.nearest(&row)) }
                    }
                }
            })
            .collect()
    }

    /// The overall element composition: normalized atomic fractions for a composition mixture
    /// or a pool formula, per formula unit for a structure (see the module docs). `None` for a
    /// parameters-only space, a pool without formulas, or nothing present.
    pub fn composition(&self, c: &Candidate) -> Option<Composition> {
        match &self.inner {
            Inner::Design(d) => d.composition(c),
            Inner::Pool(p) => {
                let f = p.formulas.as_ref()?.get(c.pool_index?)?;
                Composition::parse(f).ok().map(|c| c.normalized())
            }
        }
    }

    /// The canonical formula of [`Space::composition`] (e.g. `Fe0.7Ni0.2Cr0.1`, `CsPbI3`).
    pub fn formula(&self, c: &Candidate) -> Option<String> {
        self.composition(c).map(|c| c.formula())
    }

    /// Values for the candidate log, in [`Space::input_columns`] order: fractions and reals as
    /// `F64`, integers as `I64`, categories by choice name; pool inputs as `F64`.
    pub fn cells(&self, c: &Candidate) -> Vec<(String, Cell)> {
        match &self.inner {
            Inner::Design(d) => d.cells(c),
            Inner::Pool(p) => {
                let row = c.pool_index.filter(|&i| i < p.len());
                p.columns
                    .iter()
                    .enumerate()
                    .map(|(j, name)| (name.clone(), Cell::F64(row.map_or(f64::NAN, |i| p.values[[i, j]]))))
                    .collect()
            }
        }
    }

    /// The candidate a log row holds (the inverse of [`Space::cells`], columns looked up by
    /// name). For a pool, `pool_index` if given, else the row with equal inputs.
    pub fn candidate_from_cells(
        &self,
        cells: &[(String, Cell)],
        pool_index: Option<usize>,
    ) -> Result<Candidate, SpaceError> {
        match &self.inner {
            Inner::Design(d) => d.candidate_from_cells(cells),
            Inner::Pool(p) => {
                if let Some(i) = pool_index {
                    if i >= p.len() {
                        let message = format!("pool row {i} does not exist ({} rows)", p.len());
                        return Err(SpaceError::Row { message });
                    }
                    return Ok(Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(i) });
                }
                let mut raw = Vec::new();
                for name in &p.columns {
                    match cells.iter().find(|(n, _)| n == name).map(|(_, c)| c) {
                        Some(Cell::F64(x)) => raw.push(*x),
                        Some(Cell::I64(k)) => raw.push(*k as f64),
                        _ => {
                            return Err(SpaceError::Row {
                                message: format!("column '{name}' is missing or not a number"),
                            })
                        }
                    }
                }
                let found = (0..p.len()).find(|&i| (0..raw.len()).all(|j| p.values[[i, j]] == raw[j]));
                let i = found.ok_or_else(|| SpaceError::Row { message: "no pool row has these inputs".into() })?;
                Ok(Candidate { fractions: Vec::new(), params: Vec::new(), pool_index: Some(i) })
            }
        }
    }

    /// A dry run: dimension, kind, components, discrete counts, grid points, pool rows, the
    /// fraction of the simplex the bounds keep and of raw uniform draws that pass every rule.
    pub fn dry_run(&self, rng: &mut ChaCha8Rng) -> DryRun {
        match &self.inner {
            Inner::Design(d) => dryrun::design(d, rng),
            Inner::Pool(p) => dryrun::pool(p.len(), p.columns.len(), p.width()),
        }
    }

    /// Number of pool rows (`None` for a designed space).
    pub fn pool_len(&self) -> Option<usize> {
        match &self.inner {
            Inner::Design(_) => None,
            Inner::Pool(p) => Some(p.len()),
        }
    }

    /// What kind of space this is.
    pub fn kind(&self) -> SpaceKind {
        match &self.inner {
            Inner::Pool(_) => SpaceKind::Pool,
            Inner::Design(d) if d.structure => SpaceKind::Structure,
            Inner::Design(d) if d.sites.is_empty() => SpaceKind::Parameters,
            Inner::Design(_) => SpaceKind::Composition,
        }
    }
}
