//! A GP on a learned embedding: the second uncertainty method of the fine-tuned surrogate
//! (the first is its deep ensemble).
//!
//! Features: the embedding (n × w, e.g. the 128-d output of `surrogate::NeuralSurrogate::embed`)
//! standardised and projected on its leading principal components ([`Projection`]; by default
//! those explaining 95 % of the variance, at most 10), then the structure/processing inputs
//! appended unprojected (n × p, raw; p may be 0) so that ARD gives each its own length scale.
//! On these an exact ARD Matérn-5/2 GP is fitted by marginal likelihood ([`super::fit`]).
//!
//! The reported standard deviation is *predictive*: the latent function's plus the fitted
//! noise, because it is compared with measurements (calibration, NLL). [`EmbeddingGp::parts`]
//! and [`EmbeddingGp::from_parts`] give the plain arrays that rebuild an identical GP, so a
//! model directory can store it.
//!
//! Owns: numerics on arrays. Must not: know networks, tasks, files or libtorch.
use ndarray::{concatenate, Array1, Array2, ArrayView1, ArrayView2, Axis};
use rand_chacha::ChaCha8Rng;

use super::fit::{fit, FitOptions, FitReport};
use super::model::{output_scaling, Gp, Hyper, Posterior};
use super::pca::Projection;
use super::GpError;

/// Settings of an embedding GP.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingGpOptions {
    /// Keep the fewest principal components explaining this fraction of the variance…
    pub variance: f64,
    /// …but at most this many.
    pub max_components: usize,
    /// The GP fit.
    pub fit: FitOptions,
}

impl Default for EmbeddingGpOptions {
    fn default() -> Self {
        EmbeddingGpOptions { variance: 0.95, max_components: 10, fit: FitOptions::default() }
    }
}

/// Everything that determines an [`EmbeddingGp`], as plain arrays (for saving).
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingGpParts {
    /// The embedding projection.
    pub projection: Projection,
    /// Training features (projected embedding, then the p raw inputs), n × (k + p).
    pub x: Array2<f64>,
    /// Training targets (raw units), n.
    pub y: Array1<f64>,
    /// Fitted hyperparameters.
    pub hyper: Hyper,
}

/// A GP on projected embeddings (see the module docs).
#[derive(Debug, Clone)]
pub struct EmbeddingGp {
    parts: EmbeddingGpParts,
    gp: Gp,
    noise_std: f64,
}

impl EmbeddingGp {
    /// Fit on embeddings `z` (n × w), raw inputs `extra` (n × p, p may be 0) and targets `y`
    /// (n, raw units, finite).
    pub fn fit(
        z: ArrayView2<f64>,
        extra: ArrayView2<f64>,
        y: ArrayView1<f64>,
        opts: &EmbeddingGpOptions,
        rng: &mut ChaCha8Rng,
    ) -> Result<(EmbeddingGp, FitReport), GpError> {
        if z.nrows() != extra.nrows() || z.nrows() != y.len() {
            return Err(GpError::Shape(format!(
                "{} embedding rows, {} input rows, {} targets",
                z.nrows(),
                extra.nrows(),
                y.len()
            )));
        }
        if z.nrows() < 2 {
            return Err(GpError::Shape(format!("an embedding GP needs at least 2 rows, got {}", z.nrows())));
        }
        if z.iter().chain(extra.iter()).chain(y.iter()).any(|v| !v.is_finite()) {
            return Err(GpError::NonFinite);
        }
        let projection = Projection::fit(z, opts.variance, opts.max_components);
        let x = features(&projection, z, extra);
        let (gp, report) = fit(x.view(), y, &opts.fit, rng)?;
        let parts = EmbeddingGpParts { projection, x, y: y.to_owned(), hyper: gp.hyper().clone() };
        let noise_std = noise_std(&parts);
        Ok((EmbeddingGp { parts, gp, noise_std }, report))
    }

    /// Rebuild from saved parts (the same predictions as the GP they came from).
    pub fn from_parts(parts: EmbeddingGpParts) -> Result<EmbeddingGp, GpError> {
        if parts.x.ncols() < parts.projection.len() {
            return Err(GpError::Shape(format!(
                "{} feature columns for {} components",
                parts.x.ncols(),
                parts.projection.len()
            )));
        }
        let gp = Gp::new(parts.x.view(), parts.y.view(), parts.hyper.clone())?;
        let noise_std = noise_std(&parts);
        Ok(EmbeddingGp { parts, gp, noise_std })
    }

    /// The arrays that determine this GP.
    pub fn parts(&self) -> &EmbeddingGpParts {
        &self.parts
    }

    /// Number of raw inputs appended to the projected embedding.
    pub fn extra_inputs(&self) -> usize {
        self.parts.x.ncols() - self.parts.projection.len()
    }

    /// Number of training rows.
    pub fn len(&self) -> usize {
        self.parts.y.len()
    }

    /// Whether there are no training rows (never: fitting needs two).
    pub fn is_empty(&self) -> bool {
        self.parts.y.is_empty()
    }

    /// The fitted observation-noise standard deviation (raw units).
    pub fn noise_std(&self) -> f64 {
        self.noise_std
    }

    /// The GP's features of rows: projected embedding, then raw inputs; n × (k + p).
    pub fn features(&self, z: ArrayView2<f64>, extra: ArrayView2<f64>) -> Array2<f64> {
        features(&self.parts.projection, z, extra)
    }

    /// Mean and *predictive* standard deviation (latent ⊕ noise) for embeddings `z` (n × w)
    /// and raw inputs `extra` (n × p).
    ///
    /// # Panics
    /// If the widths differ from the training data's.
    pub fn predict(&self, z: ArrayView2<f64>, extra: ArrayView2<f64>) -> Posterior {
        assert_eq!(extra.ncols(), self.extra_inputs(), "EmbeddingGp::predict: input count");
        let mut p = self.gp.predict(self.features(z, extra).view());
        let n2 = self.noise_std * self.noise_std;
        p.std.mapv_inplace(|s| (s * s + n2).sqrt());
        p
    }
}

fn features(projection: &Projection, z: ArrayView2<f64>, extra: ArrayView2<f64>) -> Array2<f64> {
    let f = projection.apply(z);
    if extra.ncols() == 0 {
        f
    } else {
        concatenate(Axis(1), &[f.view(), extra.view()]).expect("same row count")
    }
}

fn noise_std(parts: &EmbeddingGpParts) -> f64 {
    let (_, y_std) = output_scaling(parts.y.view());
    (parts.hyper.log_sn2.exp()).sqrt() * y_std
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// A 30-wide "embedding" that is a fixed random linear map of a 2-d latent point.
    fn embedding(n: usize, seed: u64) -> (Array2<f64>, Array2<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let latent = Array2::from_shape_fn((n, 2), |_| rng.random_range(-1.0..1.0));
        let mut maprng = ChaCha8Rng::seed_from_u64(99);
        let map = Array2::from_shape_fn((2, 30), |_| maprng.random_range(-1.0..1.0));
        (latent.dot(&map), latent)
    }

    #[test]
    fn learns_a_smooth_target_of_the_latent_and_round_trips() {
        let (z, lat) = embedding(120, 1);
        let temp = Array2::from_shape_fn((120, 1), |(i, _)| 300.0 + (i % 7) as f64 * 50.0);
        let f = |l: ndarray::ArrayView1<f64>, t: f64| (2.0 * l[0]).sin() + l[1] * l[1] + t / 500.0;
        let y: Array1<f64> = (0..120).map(|i| f(lat.row(i), temp[[i, 0]])).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let (gp, _) =
            EmbeddingGp::fit(z.view(), temp.view(), y.view(), &EmbeddingGpOptions::default(), &mut rng).unwrap();
        assert_eq!(gp.parts().projection.len(), 2, "a rank-2 embedding needs two components");
        assert_eq!(gp.parts().x.ncols(), 3, "two components and the raw input");
        let (zt, lt) = embedding(50, 2);
        let tt = Array2::from_shape_fn((50, 1), |(i, _)| 325.0 + (i % 5) as f64 * 40.0);
        let p = gp.predict(zt.view(), tt.view());
        let mae = (0..50).map(|i| (p.mean[i] - f(lt.row(i), tt[[i, 0]])).abs()).sum::<f64>() / 50.0;
        assert!(mae < 0.05, "held-out MAE {mae}");
        assert!(p.std.iter().all(|&s| s >= gp.noise_std() && s.is_finite()));
        // Far from the data the predictive std grows towards the prior.
        let far =
            gp.predict((zt.slice(ndarray::s![0..1, ..]).to_owned() * 6.0).view(), tt.slice(ndarray::s![0..1, ..]));
        assert!(far.std[0] > 5.0 * p.std[0], "far {} vs near {}", far.std[0], p.std[0]);
        let back = EmbeddingGp::from_parts(gp.parts().clone()).unwrap();
        assert_eq!(back.predict(zt.view(), tt.view()), p, "rebuilt from parts: identical");
    }

    #[test]
    fn bad_shapes_and_values_are_errors() {
        let (z, _) = embedding(10, 1);
        let none = Array2::zeros((10, 0));
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let o = EmbeddingGpOptions::default();
        assert!(matches!(
            EmbeddingGp::fit(z.view(), none.view(), Array1::zeros(9).view(), &o, &mut rng),
            Err(GpError::Shape(_))
        ));
        let mut y = Array1::zeros(10);
        y[3] = f64::NAN;
        assert!(matches!(EmbeddingGp::fit(z.view(), none.view(), y.view(), &o, &mut rng), Err(GpError::NonFinite)));
    }
}
