//! [`DryRun`]: what `crucible validate` reports about a space without running anything.
use std::fmt;

use rand_chacha::ChaCha8Rng;

use super::design::Design;
use super::mixture::Mixture;

/// Raw draws used to estimate the feasible fraction.
const DRAWS: usize = 1000;
/// Largest grid (1 / resolution) whose points are counted.
const GRID_COUNT_LIMIT: i64 = 100_000;

/// What kind of space this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceKind {
    /// A composition mixture (with or without parameters).
    Composition,
    /// A prototype structure with a mixture per site (with or without parameters).
    Structure,
    /// Parameters only.
    Parameters,
    /// Rows of a pool file.
    Pool,
}

/// A dry run of a space: its size and how much of it is feasible. `Display` gives a short
/// human summary.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// Kind of space.
    pub kind: SpaceKind,
    /// Encoded width ([`super::Space::dim`]).
    pub dim: usize,
    /// Number of log columns ([`super::Space::input_columns`]).
    pub input_columns: usize,
    /// Mixture components, all sites together.
    pub components: usize,
    /// Site names (structures only).
    pub sites: Vec<String>,
    /// Number of parameters.
    pub parameters: usize,
    /// Distinct combinations of the discrete (integer, categorical) parameters, if any.
    pub discrete_combinations: Option<u128>,
    /// Number of composition grid points (with a resolution; product over sites), counting
    /// bounds and cardinality; an upper bound when there are forbidden combinations.
    pub grid_points: Option<f64>,
    /// Rows of the pool.
    pub pool_rows: Option<usize>,
    /// Fraction of the unconstrained simplex that the upper bounds keep (product over
    /// mixtures; `None` when not computable).
    pub bounds_fraction: Option<f64>,
    /// Estimated fraction of raw uniform draws (over the bounded simplex faces and parameter
    /// ranges) that pass every rule, charge balance and rounding included.
    pub feasible_fraction: f64,
    /// Draws behind [`DryRun::feasible_fraction`] (0 for pools).
    pub draws: usize,
    /// Whether sampling is exact (otherwise some face uses hit-and-run, approximately uniform).
    pub exact_sampling: bool,
    /// Remarks worth a user's attention (low acceptance, approximations).
    pub notes: Vec<String>,
}

impl fmt::Display for DryRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SpaceKind::Composition => "composition",
            SpaceKind::Structure => "structure",
            SpaceKind::Parameters => "parameters",
            SpaceKind::Pool => "pool",
        };
        write!(f, "{kind} space: encoded width {}, {} columns", self.dim, self.input_columns)?;
        if let Some(rows) = self.pool_rows {
            return write!(f, ", {rows} candidate rows");
        }
        if self.components > 0 {
            write!(f, ", {} components", self.components)?;
        }
        if !self.sites.is_empty() {
            write!(f, " on sites {}", self.sites.join(", "))?;
        }
        write!(f, ", {} parameters", self.parameters)?;
        if let Some(d) = self.discrete_combinations {
            write!(f, "\n  discrete parameter combinations: {d}")?;
        }
        if let Some(g) = self.grid_points {
            write!(f, "\n  composition grid points: {g:.4e}")?;
        }
        if let Some(b) = self.bounds_fraction {
            write!(f, "\n  bounds keep {:.3}% of the simplex", 100.0 * b)?;
        }
        write!(
            f,
            "\n  feasible: {:.1}% of {} raw draws; sampling {}",
            100.0 * self.feasible_fraction,
            self.draws,
            if self.exact_sampling { "exact" } else { "approximate (hit-and-run)" }
        )?;
        for n in &self.notes {
            write!(f, "\n  note: {n}")?;
        }
        Ok(())
    }
}

/// The dry run of a designed space.
pub(crate) fn design(d: &Design, rng: &mut ChaCha8Rng) -> DryRun {
    let feasible = (0..DRAWS).filter(|_| d.rejection(&d.raw_draw(rng)).is_none()).count();
    let feasible_fraction = feasible as f64 / DRAWS as f64;
    let mut notes = Vec::new();
    if feasible_fraction < 0.05 {
        notes.push(format!(
            "only {:.1}% of draws pass every rule; sampling will be slow or fail",
            100.0 * feasible_fraction
        ));
    }
    let mut grid = Some(1.0);
    let mut bounds = Some(1.0);
    for s in &d.sites {
        grid = match (grid, grid_points(&s.mix)) {
            (Some(a), Some(b)) => Some(a * b),
            _ => None,
        };
        bounds = match (bounds, s.mix.bounds_fraction()) {
            (Some(a), Some(b)) => Some(a * b),
            _ => None,
        };
        if !s.mix.forbidden.is_empty() && s.mix.grid.is_some() {
            notes.push(format!("{}: grid count ignores the forbidden combinations", s.mix.path));
        }
        if s.mix.support_count().is_none() {
            notes.push(format!("{}: too many component subsets to list; drawn at random", s.mix.path));
        }
    }
    let has_grid = d.sites.iter().any(|s| s.mix.grid.is_some());
    let kind = if d.structure {
        SpaceKind::Structure
    } else if d.sites.is_empty() {
        SpaceKind::Parameters
    } else {
        SpaceKind::Composition
    };
    DryRun {
        kind,
        dim: d.dim(),
        input_columns: d.input_columns().len(),
        components: d.nfrac,
        sites: d.sites.iter().filter_map(|s| s.name.clone()).collect(),
        parameters: d.params.len(),
        discrete_combinations: d.discrete_combinations(),
        grid_points: if has_grid { grid } else { None },
        pool_rows: None,
        bounds_fraction: if d.sites.is_empty() { None } else { bounds },
        feasible_fraction,
        draws: DRAWS,
        exact_sampling: d.sites.iter().all(|s| s.mix.exact()),
        notes,
    }
}

/// The dry run of a pool.
pub(crate) fn pool(rows: usize, columns: usize, dim: usize) -> DryRun {
    DryRun {
        kind: SpaceKind::Pool,
        dim,
        input_columns: columns,
        components: 0,
        sites: Vec::new(),
        parameters: 0,
        discrete_combinations: None,
        grid_points: None,
        pool_rows: Some(rows),
        bounds_fraction: None,
        feasible_fraction: 1.0,
        draws: 0,
        exact_sampling: true,
        notes: Vec::new(),
    }
}

/// Grid points of a mixture with a resolution: integer vectors `kl ≤ k ≤ kh`, `Σk = total`,
/// with between `min_components` and `max_components` non-zero entries (dynamic programming
/// over components, states = partial sum × count).
pub(crate) fn grid_points(m: &Mixture) -> Option<f64> {
    let g = m.grid.as_ref()?;
    if g.total > GRID_COUNT_LIMIT {
        return None;
    }
    let t = g.total as usize;
    let kmax = m.kmax;
    // ways[c][s]: ways to reach sum s with c non-zero components so far.
    let mut ways = vec![vec![0.0f64; t + 1]; kmax + 1];
    ways[0][0] = 1.0;
    for i in 0..m.len() {
        let (kl, kh) = (g.kl[i].max(0) as usize, (g.kh[i].max(0) as usize).min(t));
        let mut next = vec![vec![0.0f64; t + 1]; kmax + 1];
        for c in 0..=kmax {
            if kl == 0 {
                next[c].clone_from(&ways[c]);
            }
            if c == 0 {
                continue;
            }
            // Σ_{k=max(kl,1)}^{kh} ways[c−1][s−k] with a prefix sum over s.
            let prev = &ways[c - 1];
            let mut prefix = vec![0.0; t + 2];
            for s in 0..=t {
                prefix[s + 1] = prefix[s] + prev[s];
            }
            let lo = kl.max(1);
            for (s, slot) in next[c].iter_mut().enumerate().skip(lo) {
                let (a, b) = (s.saturating_sub(kh), s - lo);
                if a <= b {
                    *slot += prefix[b + 1] - prefix[a];
                }
            }
        }
        ways = next;
    }
    Some((m.kmin..=kmax).map(|c| ways[c][t]).sum())
}
