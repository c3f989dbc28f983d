//! Deterministic train/validation/test splits by composition group, and bootstrap resamples.
//!
//! Groups (unique normalised compositions) are shuffled with the seed's `surrogate-split`
//! stream; the first `round(test_frac · G)` groups are the test split, the next
//! `round(val_frac · G)` the validation split, the rest training. A non-zero fraction gets at
//! least one group when there are at least three groups. Rows sharing a composition never
//! straddle splits. The same seed and data give the same split on every platform.
//!
//! [`Split::rotated`] gives ensemble member `k` its own validation part: the non-test groups,
//! in the same shuffled order, are cut into consecutive blocks of the validation size and
//! member `k` validates on block `k` (cyclically), so member 0's split is [`Split::by_group`]'s
//! and the test split is the same for every member.
use rand::seq::SliceRandom;
use rand::Rng;

use super::SurrogateError;

/// Row indices of each split, ascending.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows for early stopping.
    pub val: Vec<usize>,
    /// Held-out rows for the card's metrics.
    pub test: Vec<usize>,
}

/// How to split: fractions of the composition groups and the seed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SplitSpec {
    /// Fraction of groups for validation (early stopping), in [0, 1).
    pub val_frac: f64,
    /// Fraction of groups held out for testing, in [0, 1).
    pub test_frac: f64,
    /// Seed of the shuffle.
    pub seed: u64,
}

impl Split {
    /// Split rows by group (see the module docs). `groups[r]` is row `r`'s group.
    pub fn by_group(groups: &[usize], spec: &SplitSpec) -> Result<Split, SurrogateError> {
        Split::rotated(groups, spec, 0)
    }

    /// The split of ensemble member `member` when members validate on different parts (see
    /// the module docs): the test split is [`Split::by_group`]'s, the validation split is the
    /// `member`-th block (mod the number of whole blocks) of the other groups.
    pub fn rotated(groups: &[usize], spec: &SplitSpec, member: usize) -> Result<Split, SurrogateError> {
        let ok = |f: f64| (0.0..1.0).contains(&f);
        if !ok(spec.val_frac) || !ok(spec.test_frac) || spec.val_frac + spec.test_frac >= 1.0 {
            return Err(SurrogateError::data(format!(
                "validation fraction {} and test fraction {} must each be in [0, 1) and sum to less than 1",
                spec.val_frac, spec.test_frac
            )));
        }
        let ng = groups.iter().map(|g| g + 1).max().unwrap_or(0);
        let mut order: Vec<usize> = (0..ng).collect();
        order.shuffle(&mut crate::rng::stream(spec.seed, "surrogate-split", 0));
        let count = |f: f64| {
            let n = (f * ng as f64).round() as usize;
            if f > 0.0 && ng >= 3 {
                n.max(1)
            } else {
                n
            }
        };
        let (nt, nv) = (count(spec.test_frac), count(spec.val_frac));
        // 0 = train, 1 = val, 2 = test
        let mut which = vec![0u8; ng];
        order.iter().take(nt).for_each(|&g| which[g] = 2);
        let blocks = (ng - nt).checked_div(nv).unwrap_or(1).max(1);
        order.iter().skip(nt + (member % blocks) * nv).take(nv).for_each(|&g| which[g] = 1);
        let mut s = Split::default();
        for (r, &g) in groups.iter().enumerate() {
            match which[g] {
                0 => s.train.push(r),
                1 => s.val.push(r),
                _ => s.test.push(r),
            }
        }
        if s.train.is_empty() {
            return Err(SurrogateError::data(format!(
                "the training split is empty ({} rows, {ng} distinct compositions; validation {} and test {})",
                groups.len(),
                s.val.len(),
                s.test.len()
            )));
        }
        Ok(s)
    }
}

/// A bootstrap resample of `rows` (same size, drawn with replacement) from the seed's
/// `surrogate-bootstrap` stream `member`.
pub fn bootstrap(rows: &[usize], seed: u64, member: u64) -> Vec<usize> {
    let mut rng = crate::rng::stream(seed, "surrogate-bootstrap", member);
    let mut out: Vec<usize> = (0..rows.len()).map(|_| rows[rng.random_range(0..rows.len())]).collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_deterministic_by_group_and_complete() {
        let groups: Vec<usize> = (0..200).map(|r| r / 2).collect(); // pairs share a composition
        let spec = SplitSpec { val_frac: 0.1, test_frac: 0.2, seed: 3 };
        let a = Split::by_group(&groups, &spec).unwrap();
        assert_eq!(a, Split::by_group(&groups, &spec).unwrap());
        assert_ne!(a, Split::by_group(&groups, &SplitSpec { seed: 4, ..spec }).unwrap());
        assert_eq!((a.train.len(), a.val.len(), a.test.len()), (140, 20, 40));
        for part in [&a.train, &a.val, &a.test] {
            for &r in part.iter() {
                assert!(part.contains(&(r ^ 1)), "row {r} and its duplicate straddle splits");
            }
        }
        let e = Split::by_group(&groups, &SplitSpec { val_frac: 0.6, test_frac: 0.5, seed: 0 }).unwrap_err();
        assert!(e.to_string().contains("sum to less than 1"), "{e}");
        // rotated validation parts: member 0 is the plain split; each member keeps the test
        // split, validates on 20 fresh rows, and the members' parts cover the non-test rows
        assert_eq!(Split::rotated(&groups, &spec, 0).unwrap(), a);
        let parts: Vec<Split> = (0..9).map(|k| Split::rotated(&groups, &spec, k).unwrap()).collect();
        let mut seen = Vec::new();
        for p in &parts[..8] {
            assert_eq!(p.test, a.test);
            assert_eq!((p.train.len(), p.val.len()), (140, 20));
            assert!(p.val.iter().all(|r| !seen.contains(r)), "validation parts overlap");
            seen.extend(p.val.iter().copied());
            for &r in &p.val {
                assert!(p.val.contains(&(r ^ 1)), "row {r} and its duplicate straddle splits");
            }
        }
        assert_eq!(parts[8], a, "the parts cycle after the last whole block");
        let mut nontest: Vec<usize> = a.train.iter().chain(&a.val).copied().collect();
        nontest.sort_unstable();
        seen.sort_unstable();
        assert_eq!(seen, nontest, "every non-test row validates some member");
        let b = bootstrap(&a.train, 1, 0);
        assert_eq!(b.len(), a.train.len());
        assert!(b.iter().all(|r| a.train.contains(r)));
        assert_ne!(b, bootstrap(&a.train, 1, 1));
    }
}
