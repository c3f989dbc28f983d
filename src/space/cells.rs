//! Candidate-log cells of a designed space: one value per input column, and back.
use super::design::Design;
use super::error::SpaceError;
use super::{Candidate, Cell};

impl Design {
    /// Log cells, in [`Design::input_columns`] order.
    pub(crate) fn cells(&self, c: &Candidate) -> Vec<(String, Cell)> {
        let cols = self.input_columns();
        let fr = (0..self.nfrac).map(|i| Cell::F64(c.fractions.get(i).copied().unwrap_or(f64::NAN)));
        let ps = self
            .params
            .iter()
            .enumerate()
            .map(|(j, p)| c.params.get(j).map_or(Cell::Str(String::new()), |v| p.cell(v)));
        cols.into_iter().zip(fr.chain(ps)).collect()
    }

    /// The candidate a row of log cells holds.
    pub(crate) fn candidate_from_cells(&self, cells: &[(String, Cell)]) -> Result<Candidate, SpaceError> {
        let cols = self.input_columns();
        let get = |name: &str| cells.iter().find(|(n, _)| n == name).map(|(_, c)| c);
        let missing = |name: &str| SpaceError::Row { message: format!("column '{name}' is missing") };
        let mut fractions = Vec::with_capacity(self.nfrac);
        for name in &cols[..self.nfrac] {
            fractions.push(match get(name).ok_or_else(|| missing(name))? {
                Cell::F64(x) => *x,
                Cell::I64(k) => *k as f64,
                Cell::Str(s) => {
                    let message = format!("column '{name}' holds '{s}', not a fraction");
                    return Err(SpaceError::Row { message });
                }
            });
        }
        let mut params = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let cell = get(p.name()).ok_or_else(|| missing(p.name()))?;
            params.push(p.value_of_cell(cell).ok_or_else(|| SpaceError::Row {
                message: format!("column '{}' holds {cell:?}, not a value of this parameter", p.name()),
            })?);
        }
        Ok(Candidate { fractions, params, pool_index: None })
    }
}
