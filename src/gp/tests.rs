//! GP tests: closed-form posterior, gradients, fantasies, length-scale recovery, jitter.
use ndarray::{array, Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::kernel::matern52;
use super::*;

fn hyper(ls: &[f64], sf2: f64, sn2: f64) -> Hyper {
    Hyper { log_ls: ls.iter().map(|l| l.ln()).collect(), log_sf2: sf2.ln(), log_sn2: sn2.ln() }
}

#[test]
fn posterior_matches_two_point_closed_form() {
    // Inputs 0 and 1 are already the unit interval; y = [1, 3] standardises to [−1, 1]
    // (mean 2, sd 1). With ℓ = 0.5, σ² = 1, σₙ² = 0.01, at x* = 0.25:
    // K = [[1.01, k12], [k12, 1.01]], k* = [k(0.5), k(1.5)] (distances over ℓ),
    // mean = 2 + k*ᵀK⁻¹[−1, 1], var = 1 − k*ᵀK⁻¹k*.
    let x = array![[0.0], [1.0]];
    let y = array![1.0, 3.0];
    let gp = Gp::new(x.view(), y.view(), hyper(&[0.5], 1.0, 0.01)).unwrap();
    let m = |r: f64| matern52(r).0;
    let (a, b) = (1.01, m(2.0));
    let det = a * a - b * b;
    let kinv = [[a / det, -b / det], [-b / det, a / det]];
    let ks = [m(0.5), m(1.5)];
    let ys = [-1.0, 1.0];
    let mut mean = 2.0;
    let mut var = 1.0;
    for i in 0..2 {
        for j in 0..2 {
            mean += ks[i] * kinv[i][j] * ys[j];
            var -= ks[i] * kinv[i][j] * ks[j];
        }
    }
    let p = gp.predict(array![[0.25]].view());
    assert!((p.mean[0] - mean).abs() < 1e-12, "{} vs {mean}", p.mean[0]);
    assert!((p.std[0] - var.sqrt()).abs() < 1e-12, "{} vs {}", p.std[0], var.sqrt());
    // Raw-unit scaling: doubling y's spread doubles the std, shifts the mean.
    let y2 = array![2.0, 6.0];
    let gp2 = Gp::new(x.view(), y2.view(), hyper(&[0.5], 1.0, 0.01)).unwrap();
    let p2 = gp2.predict(array![[0.25]].view());
    assert!((p2.std[0] - 2.0 * p.std[0]).abs() < 1e-12 && (p2.mean[0] - 2.0 * mean).abs() < 1e-12);
}

#[test]
fn two_dim_inputs_are_normalised_by_training_range() {
    // The same data on a scaled grid give the same posterior at corresponding points.
    let x = array![[0.0, 0.0], [1.0, 0.5], [0.3, 1.0]];
    let y = array![0.5, -1.0, 2.0];
    let h = hyper(&[0.4, 0.7], 1.3, 1e-3);
    let g1 = Gp::new(x.view(), y.view(), h.clone()).unwrap();
    let xs = x.mapv(|v| 10.0 + 200.0 * v);
    let g2 = Gp::new(xs.view(), y.view(), h).unwrap();
    let q = array![[0.4, 0.2]];
    let (p1, p2) = (g1.predict(q.view()), g2.predict(q.mapv(|v| 10.0 + 200.0 * v).view()));
    assert!((p1.mean[0] - p2.mean[0]).abs() < 1e-10 && (p1.std[0] - p2.std[0]).abs() < 1e-10);
}

#[test]
fn input_gradients_match_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let x = Array2::from_shape_fn((8, 3), |_| rng.random::<f64>() * 4.0);
    let y = Array1::from_shape_fn(8, |i| (x[[i, 0]] - x[[i, 2]]).sin() + x[[i, 1]]);
    let gp = Gp::new(x.view(), y.view(), hyper(&[0.5, 0.8, 0.3], 1.0, 1e-4)).unwrap();
    let q = array![[1.1, 2.3, 0.7], [3.0, 0.5, 2.5]];
    let g = gp.predict_grad(q.view());
    let h = 1e-6;
    for i in 0..2 {
        for k in 0..3 {
            let mut a = q.clone();
            let mut b = q.clone();
            a[[i, k]] += h;
            b[[i, k]] -= h;
            let (pa, pb) = (gp.predict(a.view()), gp.predict(b.view()));
            let dm = (pa.mean[i] - pb.mean[i]) / (2.0 * h);
            let ds = (pa.std[i] - pb.std[i]) / (2.0 * h);
            assert!((dm - g.dmean[[i, k]]).abs() < 1e-5, "mean {i},{k}: {dm} vs {}", g.dmean[[i, k]]);
            assert!((ds - g.dstd[[i, k]]).abs() < 1e-5, "std {i},{k}: {ds} vs {}", g.dstd[[i, k]]);
        }
    }
    assert_eq!(g.posterior, gp.predict(q.view()));
}

#[test]
fn joint_covariance_and_fantasies_are_consistent() {
    let x = array![[0.1], [0.4], [0.9]];
    let y = array![1.0, 0.2, -0.5];
    let h = hyper(&[0.3], 1.0, 1e-3);
    let gp = Gp::new(x.view(), y.view(), h.clone()).unwrap();
    let q = array![[0.2], [0.6], [0.7]];
    let (mean, cov) = gp.joint(q.view());
    let p = gp.predict(q.view());
    for i in 0..3 {
        assert!((mean[i] - p.mean[i]).abs() < 1e-12 && (cov[[i, i]].sqrt() - p.std[i]).abs() < 1e-9);
    }
    // A fantasy equals conditioning from scratch on the augmented data with the same scaling.
    let f = gp.fantasize(array![0.6].view(), 0.3).unwrap();
    assert_eq!(f.len(), 4);
    let fp = f.predict(q.view());
    assert!(fp.std[1] < 0.05 * p.std[1], "the fantasy pins x = 0.6");
    assert!((fp.mean[1] - 0.3).abs() < 0.01);
}

#[test]
fn fitted_length_scales_find_the_irrelevant_input() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let n = 30;
    let x = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>());
    let y = Array1::from_shape_fn(n, |i| (6.0 * x[[i, 0]]).sin());
    let (gp, report) = fit(x.view(), y.view(), &FitOptions::default(), &mut rng).unwrap();
    let ls = gp.hyper().length_scales();
    assert!(ls[1] > 5.0 * ls[0], "ℓ = {ls:?} ({report:?})");
    // And it predicts well off the data.
    let q = array![[0.33, 0.1], [0.33, 0.9]];
    let p = gp.predict(q.view());
    for i in 0..2 {
        assert!((p.mean[i] - (6.0f64 * 0.33).sin()).abs() < 0.05, "{:?}", p.mean);
    }
    assert!(report.log_posterior.is_finite() && report.starts >= 4);
}

#[test]
fn duplicated_inputs_need_jitter_and_still_fit() {
    // Identical rows with different outputs and noise forced to its floor: K is singular.
    let x = array![[0.2, 0.3], [0.2, 0.3], [0.2, 0.3], [0.8, 0.1]];
    let y = array![1.0, 1.0, 1.0, 0.0];
    let gp = Gp::new(x.view(), y.view(), hyper(&[0.5, 0.5], 1.0, 1e-300)).unwrap();
    assert!(gp.jittered() && gp.relative_jitter() <= 1e-2, "{}", gp.relative_jitter());
    let p = gp.predict(array![[0.2, 0.3]].view());
    assert!((p.mean[0] - 1.0).abs() < 1e-3 && p.std[0].is_finite());
    // A MAP fit on the same data works too (the noise prior keeps it well posed).
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let (gp, _) = fit(x.view(), y.view(), &FitOptions::default(), &mut rng).unwrap();
    let m = gp.predict(array![[0.2, 0.3], [0.8, 0.1]].view()).mean;
    assert!(m[0] > m[1] && m.iter().all(|v| (-0.1..1.1).contains(v)), "{m:?}");
    // Bad data are errors, not panics.
    let bad = array![[f64::NAN, 0.0]];
    assert!(matches!(fit(bad.view(), array![1.0].view(), &FitOptions::default(), &mut rng), Err(GpError::NonFinite)));
    let empty = Array2::<f64>::zeros((0, 2));
    assert!(matches!(
        Gp::new(empty.view(), Array1::zeros(0).view(), hyper(&[1.0, 1.0], 1.0, 0.1)),
        Err(GpError::Empty)
    ));
}

#[test]
fn subset_fitting_and_warm_starts_run() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let n = 60;
    let x = Array2::from_shape_fn((n, 2), |_| rng.random::<f64>());
    let y = Array1::from_shape_fn(n, |i| x[[i, 0]] * 2.0 - x[[i, 1]]);
    let opts = FitOptions { max_fit_points: 20, random_starts: 1, ..FitOptions::default() };
    let (gp, r) = fit(x.view(), y.view(), &opts, &mut rng).unwrap();
    assert_eq!(gp.len(), n);
    let warm = FitOptions { warm: Some(gp.hyper().clone()), random_starts: 0, ..opts };
    let (_, r2) = fit(x.view(), y.view(), &warm, &mut rng).unwrap();
    assert_eq!((r.starts, r2.starts), (2, 2));
}

#[test]
fn screened_fits_reach_the_full_multistart_optimum_for_less() {
    // Above `screen_above` points only the best-scoring start is refined: on smooth 4-D data
    // with a little noise it must reach the optimum that refining every start reaches.
    for seed in 0..3 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let n = 160;
        let x = Array2::from_shape_fn((n, 4), |_| rng.random::<f64>());
        let y = Array1::from_shape_fn(n, |i| {
            (3.0 * x[[i, 0]]).sin() + x[[i, 1]].powi(2) - 0.5 * x[[i, 2]] + 0.05 * (rng.random::<f64>() - 0.5)
        });
        let screened = FitOptions::default();
        assert!(n > screened.screen_above && screened.refine_starts == 1);
        let full = FitOptions { screen_above: usize::MAX, ..FitOptions::default() };
        let (_, rs) = fit(x.view(), y.view(), &screened, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        let (_, rf) = fit(x.view(), y.view(), &full, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        assert!(rs.log_posterior >= rf.log_posterior - 0.05, "seed {seed}: screened {rs:?}, full {rf:?}");
        assert!(2 * rs.evaluations < rf.evaluations, "seed {seed}: screened {rs:?}, full {rf:?}");
    }
}

#[test]
fn default_length_scale_prior_is_the_ablations_choice() {
    // Median 0.25·√d (README of experiments/bo-benchmarks, "Ablation"); the prior median is
    // also the first start of every fit.
    let p = mll::Prior::for_dim(6);
    assert!((p.log_ls_mean - (0.25 * 6f64.sqrt()).ln()).abs() < 1e-12);
    assert_eq!(p.log_ls_sd, 1.25);
    assert_eq!(p, mll::Prior::with_length_scale(6, FitOptions::default().length_scale));
    let long = mll::Prior::with_length_scale(6, LengthScalePrior { median: 2.0, log_sd: 1.0 });
    assert!((long.median()[0] - (2.0 * 6f64.sqrt()).ln()).abs() < 1e-12 && long.log_ls_sd == 1.0);
}
