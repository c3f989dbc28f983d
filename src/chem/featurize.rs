//! Composition features: fraction-weighted statistics of element properties (Magpie-style).

use ndarray::Array2;

use super::composition::Composition;
use super::elements::{magpie, mat2vec, oliynyk, ElementTable};

/// The statistics computed for every property, in output order.
pub const STATS: [&str; 6] = ["mean", "min", "max", "range", "avgdev", "mode"];

/// Turns a composition into a fixed-length feature vector.
///
/// For each column `p` of an [`ElementTable`], in table order, six statistics over the
/// elements of the composition weighted by their atomic fractions `xᵢ` (named
/// `{stat}_{column}`, e.g. `mean_AtomicWeight`):
///
/// - `mean` = `Σ xᵢ pᵢ`;
/// - `min`, `max` of `pᵢ` over the elements present, and `range` = `max − min`;
/// - `avgdev` = `Σ xᵢ |pᵢ − mean|` (mean absolute deviation);
/// - `mode` = `pᵢ` of the element with the largest fraction (ties: the smallest such `pᵢ`).
///
/// followed by one last feature, `n_elements` (number of distinct elements).
///
/// **Missing values**: an element the table does not cover, or a `NaN` cell, is skipped for that
/// property and the weights of the remaining elements are renormalized to sum to 1; when no
/// element of the composition has the property, its six statistics are `NaN`. Use
/// [`covers`](Featurizer::covers) to reject compositions with uncovered elements.
#[derive(Debug, Clone)]
pub struct Featurizer {
    table: &'static ElementTable,
    names: Vec<String>,
}

impl Featurizer {
    /// Statistics over every column of `table`.
    pub fn new(table: &'static ElementTable) -> Featurizer {
        let mut names = Vec::with_capacity(table.columns.len() * STATS.len() + 1);
        for column in &table.columns {
            names.extend(STATS.iter().map(|stat| format!("{stat}_{column}")));
        }
        names.push("n_elements".to_string());
        Featurizer { table, names }
    }

    /// Over the 22 Magpie properties: 22 × 6 + 1 = 133 features.
    pub fn magpie() -> Featurizer {
        Featurizer::new(magpie())
    }

    /// Over the 44 Oliynyk properties: 44 × 6 + 1 = 265 features.
    pub fn oliynyk() -> Featurizer {
        Featurizer::new(oliynyk())
    }

    /// Over the 200 mat2vec dimensions: 200 × 6 + 1 = 1201 features.
    pub fn mat2vec() -> Featurizer {
        Featurizer::new(mat2vec())
    }

    /// The element table the features come from.
    pub fn table(&self) -> &'static ElementTable {
        self.table
    }

    /// Feature names, in output order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of features.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always `false`: there is at least the `n_elements` feature.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Whether the table has a row for every element of `c`.
    pub fn covers(&self, c: &Composition) -> bool {
        c.iter_indexed().all(|(i, _)| self.table.row_by_index(i).is_some())
    }

    /// The features of `c`, in [`names`](Self::names) order.
    pub fn featurize(&self, c: &Composition) -> Vec<f64> {
        let mut out = vec![0.0; self.len()];
        self.featurize_into(c, &mut out);
        out
    }

    /// Features of many compositions: n × [`len`](Self::len), one row per composition.
    pub fn featurize_batch(&self, cs: &[Composition]) -> Array2<f64> {
        let mut out = Array2::zeros((cs.len(), self.len()));
        for (c, mut row) in cs.iter().zip(out.rows_mut()) {
            let slice = row.as_slice_mut().expect("rows of a standard-layout array are contiguous");
            self.featurize_into(c, slice);
        }
        out
    }

    /// Writes the features of `c` into `out`.
    ///
    /// # Panics
    /// If `out.len() != self.len()`.
    pub fn featurize_into(&self, c: &Composition, out: &mut [f64]) {
        assert_eq!(out.len(), self.len(), "Featurizer::featurize_into: output length");
        let total = c.total();
        let rows: Vec<(f64, Option<&[f64]>)> =
            c.iter_indexed().map(|(i, a)| (a / total, self.table.row_by_index(i))).collect();
        let mut present: Vec<(f64, f64)> = Vec::with_capacity(rows.len());
        for (j, chunk) in out.chunks_exact_mut(STATS.len()).enumerate() {
            present.clear();
            present.extend(rows.iter().filter_map(|&(x, row)| Some((x, row?[j]))).filter(|&(_, p)| !p.is_nan()));
            chunk.copy_from_slice(&stats(&present));
        }
        out[self.len() - 1] = c.len() as f64;
    }
}

/// The [`STATS`] of `(weight, value)` pairs; weights are renormalized to sum to 1.
fn stats(present: &[(f64, f64)]) -> [f64; 6] {
    // Fractions are > 0, so w > 0 whenever something is present.
    let w: f64 = present.iter().map(|e| e.0).sum();
    if present.is_empty() {
        return [f64::NAN; 6];
    }
    let mean = present.iter().map(|&(x, p)| x * p).sum::<f64>() / w;
    let min = present.iter().map(|e| e.1).fold(f64::INFINITY, f64::min);
    let max = present.iter().map(|e| e.1).fold(f64::NEG_INFINITY, f64::max);
    let avgdev = present.iter().map(|&(x, p)| x * (p - mean).abs()).sum::<f64>() / w;
    let top = present.iter().map(|e| e.0).fold(f64::NEG_INFINITY, f64::max);
    let mode = present.iter().filter(|&&(x, _)| x >= top * (1.0 - 1e-12)).map(|e| e.1).fold(f64::INFINITY, f64::min);
    [mean, min, max, max - min, avgdev, mode]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Composition {
        Composition::parse(s).unwrap()
    }

    fn feature(f: &Featurizer, v: &[f64], name: &str) -> f64 {
        v[f.names().iter().position(|n| n == name).unwrap_or_else(|| panic!("{name}"))]
    }

    #[test]
    fn names_and_lengths() {
        let f = Featurizer::magpie();
        assert_eq!((f.len(), f.names().len(), f.is_empty()), (133, 133, false));
        assert_eq!(
            &f.names()[..7],
            &[
                "mean_Number",
                "min_Number",
                "max_Number",
                "range_Number",
                "avgdev_Number",
                "mode_Number",
                "mean_MendeleevNumber"
            ]
        );
        assert_eq!(f.names().last().unwrap(), "n_elements");
        assert_eq!(f.featurize(&c("Fe")).len(), 133);
        assert_eq!(Featurizer::oliynyk().len(), 265);
        assert_eq!(Featurizer::mat2vec().len(), 1201);
        let mut names = f.names().to_vec();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 133);
    }

    #[test]
    fn known_values() {
        let f = Featurizer::magpie();
        let v = f.featurize(&c("NaCl"));
        let (na, cl) = (22.98976928, 35.453);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(close(feature(&f, &v, "mean_AtomicWeight"), (na + cl) / 2.0));
        assert!(close(feature(&f, &v, "min_AtomicWeight"), na));
        assert!(close(feature(&f, &v, "max_AtomicWeight"), cl));
        assert!(close(feature(&f, &v, "range_AtomicWeight"), cl - na));
        assert!(close(feature(&f, &v, "avgdev_AtomicWeight"), (cl - na) / 2.0));
        assert!(close(feature(&f, &v, "mode_AtomicWeight"), na), "tie: smallest value");
        assert_eq!(feature(&f, &v, "n_elements"), 2.0);
        // Scale does not matter; weights are fractions.
        assert_eq!(f.featurize(&c("Na2Cl2")), v);

        let v = f.featurize(&c("Al2O3"));
        let (al, o) = (26.9815386, 15.9994);
        assert!(close(feature(&f, &v, "mean_AtomicWeight"), 0.4 * al + 0.6 * o));
        assert!(close(feature(&f, &v, "mode_AtomicWeight"), o));
        let mean = 0.4 * al + 0.6 * o;
        let dev = 0.4 * (al - mean).abs() + 0.6 * (o - mean).abs();
        assert!(close(feature(&f, &v, "avgdev_AtomicWeight"), dev));

        let v = f.featurize(&c("Fe"));
        for stat in ["mean", "min", "max", "mode"] {
            assert_eq!(feature(&f, &v, &format!("{stat}_AtomicWeight")), 55.845);
        }
        assert_eq!(feature(&f, &v, "range_AtomicWeight"), 0.0);
        assert_eq!(feature(&f, &v, "avgdev_AtomicWeight"), 0.0);
    }

    #[test]
    fn missing_values_are_skipped() {
        let f = Featurizer::oliynyk();
        let fe = oliynyk().value("Fe", "Miracle_Radius_[pm]").unwrap();
        assert!(fe.is_finite());
        let v = f.featurize(&c("H3Fe"));
        assert_eq!(feature(&f, &v, "mean_Miracle_Radius_[pm]"), fe);
        assert_eq!(feature(&f, &v, "mode_Miracle_Radius_[pm]"), fe);
        assert_eq!(feature(&f, &v, "avgdev_Miracle_Radius_[pm]"), 0.0);
        let v = f.featurize(&c("H2"));
        assert!(feature(&f, &v, "mean_Miracle_Radius_[pm]").is_nan());
        assert!(feature(&f, &v, "mean_Atomic_Weight").is_finite());

        let m = Featurizer::magpie();
        assert!(!m.covers(&c("CfO2")) && m.covers(&c("BkO2")));
        let v = m.featurize(&c("Cf"));
        assert!(v[..v.len() - 1].iter().all(|x| x.is_nan()));
        assert_eq!(v[v.len() - 1], 1.0);
        assert_eq!(m.featurize(&c("CfFe"))[..132], m.featurize(&c("Fe"))[..132]);
    }

    #[test]
    fn batch_matches_single() {
        let f = Featurizer::magpie();
        let cs = [c("Fe2O3"), c("CsPbI3"), c("Fe0.62C0.000953Ni0.192")];
        let batch = f.featurize_batch(&cs);
        assert_eq!(batch.dim(), (3, 133));
        for (i, comp) in cs.iter().enumerate() {
            assert_eq!(batch.row(i).to_vec(), f.featurize(comp));
        }
        assert_eq!(f.featurize_batch(&[]).dim(), (0, 133));
    }
}
