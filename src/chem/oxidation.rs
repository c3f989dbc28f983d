//! Common oxidation states and charge balance.
//!
//! The table lists, for each element, the oxidation states it commonly takes in inorganic
//! solids: the usual state plus the others that occur routinely in materials (e.g. Cu +1 for
//! Cu2O, Ni +3 for LiNiO2, V +3/+4/+5, Ce +3/+4, Eu +2/+3). It is in the spirit of pymatgen's
//! `common_oxidation_states` but a little broader for the transition metals. He, Ne, Ar and
//! the elements from Rf on have no entry, so they never balance.
//!
//! Charge balance assumes, like SMACT and pymatgen's simple guesses, that all atoms of one
//! element share one state: mixed-valence compounds (Fe3O4, La0.7Sr0.3MnO3) and compounds
//! with homonuclear anions (FeS2 with S2²⁻, peroxides) are reported as not balanced.

use super::composition::Composition;
use super::elements::element_index;

/// Common oxidation states by atomic number (index `z - 1`), ascending.
const STATES: [&[i8]; 118] = [
    &[-1, 1],          // H
    &[],               // He
    &[1],              // Li
    &[2],              // Be
    &[3],              // B
    &[-4, 2, 4],       // C
    &[-3, 3, 5],       // N
    &[-2],             // O
    &[-1],             // F
    &[],               // Ne
    &[1],              // Na
    &[2],              // Mg
    &[3],              // Al
    &[-4, 4],          // Si
    &[-3, 3, 5],       // P
    &[-2, 2, 4, 6],    // S
    &[-1, 1, 3, 5, 7], // Cl
    &[],               // Ar
    &[1],              // K
    &[2],              // Ca
    &[3],              // Sc
    &[2, 3, 4],        // Ti
    &[2, 3, 4, 5],     // V
    &[2, 3, 6],        // Cr
    &[2, 3, 4, 7],     // Mn
    &[2, 3],           // Fe
    &[2, 3],           // Co
    &[2, 3],           // Ni
    &[1, 2],           // Cu
    &[2],              // Zn
    &[3],              // Ga
    &[-4, 2, 4],       // Ge
    &[-3, 3, 5],       // As
    &[-2, 2, 4, 6],    // Se
    &[-1, 1, 3, 5],    // Br
    &[2],              // Kr
    &[1],              // Rb
    &[2],              // Sr
    &[3],              // Y
    &[4],              // Zr
    &[3, 5],           // Nb
    &[4, 6],           // Mo
    &[4, 7],           // Tc
    &[3, 4],           // Ru
    &[3],              // Rh
    &[2, 4],           // Pd
    &[1],              // Ag
    &[2],              // Cd
    &[1, 3],           // In
    &[-4, 2, 4],       // Sn
    &[-3, 3, 5],       // Sb
    &[-2, 2, 4, 6],    // Te
    &[-1, 1, 3, 5, 7], // I
    &[2, 4, 6],        // Xe
    &[1],              // Cs
    &[2],              // Ba
    &[3],              // La
    &[3, 4],           // Ce
    &[3, 4],           // Pr
    &[3],              // Nd
    &[3],              // Pm
    &[2, 3],           // Sm
    &[2, 3],           // Eu
    &[3],              // Gd
    &[3, 4],           // Tb
    &[3],              // Dy
    &[3],              // Ho
    &[3],              // Er
    &[3],              // Tm
    &[2, 3],           // Yb
    &[3],              // Lu
    &[4],              // Hf
    &[5],              // Ta
    &[4, 6],           // W
    &[4, 7],           // Re
    &[4, 8],           // Os
    &[3, 4],           // Ir
    &[2, 4],           // Pt
    &[1, 3],           // Au
    &[1, 2],           // Hg
    &[1, 3],           // Tl
    &[2, 4],           // Pb
    &[3, 5],           // Bi
    &[-2, 2, 4],       // Po
    &[-1, 1],          // At
    &[2],              // Rn
    &[1],              // Fr
    &[2],              // Ra
    &[3],              // Ac
    &[4],              // Th
    &[5],              // Pa
    &[3, 4, 6],        // U
    &[3, 4, 5],        // Np
    &[3, 4],           // Pu
    &[3],              // Am
    &[3],              // Cm
    &[3],              // Bk
    &[3],              // Cf
    &[3],              // Es
    &[3],              // Fm
    &[3],              // Md
    &[2],              // No
    &[3],              // Lr
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[],
    &[], // Rf..Og
];

/// Common oxidation states of `symbol`, ascending; empty for an element without common states
/// (He, Ne, Ar, Rf–Og) or a string that is not an element.
pub fn oxidation_states(symbol: &str) -> &'static [i8] {
    element_index(symbol).map_or(&[], |i| STATES[i])
}

/// One entry of a charge-balance problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Species<'a> {
    /// An element: takes any one of its [`oxidation_states`]; all atoms of that element (all
    /// entries with the same symbol) share the one state.
    Element(&'a str),
    /// A species of fixed charge, e.g. a molecular ion: `Ion(1)` for NH4⁺ or methylammonium,
    /// `Ion(-2)` for SO4²⁻.
    Ion(i32),
}

/// Whether some assignment of common oxidation states makes the total charge
/// `Σ amount · charge` zero within `tol` (absolute, in elementary charges per the amounts
/// given). Entries for the same element are merged; entries with amount 0 are ignored.
///
/// Returns `false` when an element is unknown or has no common state, or an amount is negative
/// or not finite. Exact: enumerates state combinations meet-in-the-middle (two halves, sorted,
/// binary search), so ten species of up to five states each cost a few thousand sums.
pub fn charge_balance(items: &[(Species<'_>, f64)], tol: f64) -> bool {
    let tol = if tol.is_nan() { 0.0 } else { tol.max(0.0) };
    let mut fixed = 0.0;
    let mut amounts = [0.0f64; 118];
    for &(species, amount) in items {
        if !amount.is_finite() || amount < 0.0 {
            return false;
        }
        match species {
            Species::Ion(q) => fixed += f64::from(q) * amount,
            Species::Element(symbol) => match element_index(symbol) {
                Some(i) => amounts[i] += amount,
                None => return false,
            },
        }
    }
    let mut choices: Vec<Vec<f64>> = Vec::new();
    for (i, &a) in amounts.iter().enumerate() {
        if a > 0.0 {
            if STATES[i].is_empty() {
                return false;
            }
            choices.push(STATES[i].iter().map(|&q| f64::from(q) * a).collect());
        }
    }
    // Fewest options first in one half keeps both halves balanced in size.
    choices.sort_by_key(Vec::len);
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let (mut size_l, mut size_r) = (1usize, 1usize);
    for c in choices.into_iter().rev() {
        if size_l <= size_r {
            size_l = size_l.saturating_mul(c.len());
            left.push(c);
        } else {
            size_r = size_r.saturating_mul(c.len());
            right.push(c);
        }
    }
    let left = sums(fixed, &left);
    let right = sums(0.0, &right);
    left.iter().any(|&l| {
        // Any r in [-l - tol, -l + tol]?
        let k = right.partition_point(|&r| r < -l - tol);
        right.get(k).is_some_and(|&r| r <= -l + tol)
    })
}

/// All sums `start + Σ pick(choice)`, sorted, with exact duplicates removed.
fn sums(start: f64, choices: &[Vec<f64>]) -> Vec<f64> {
    let mut out = vec![start];
    for c in choices {
        let mut next = Vec::with_capacity(out.len() * c.len());
        for &s in &out {
            next.extend(c.iter().map(|&q| s + q));
        }
        next.sort_by(f64::total_cmp);
        next.dedup();
        out = next;
    }
    out
}

/// Whether the composition can be charge balanced from common oxidation states (one state per
/// element), within 1e-5 elementary charges per atom, which absorbs the rounding of amounts
/// printed to 6 significant digits.
pub fn composition_charge_balanced(c: &Composition) -> bool {
    let items: Vec<(Species<'_>, f64)> = c.iter().map(|(symbol, amount)| (Species::Element(symbol), amount)).collect();
    charge_balance(&items, 1e-5 * c.total())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chem::ELEMENTS;

    fn balanced(s: &str) -> bool {
        composition_charge_balanced(&Composition::parse(s).unwrap())
    }

    #[test]
    fn table() {
        assert_eq!(oxidation_states("H"), &[-1, 1]);
        assert_eq!(oxidation_states("O"), &[-2]);
        assert_eq!(oxidation_states("Fe"), &[2, 3]);
        assert_eq!(oxidation_states("Pb"), &[2, 4]);
        assert_eq!(oxidation_states("Sn"), &[-4, 2, 4]);
        assert!(oxidation_states("He").is_empty() && oxidation_states("Xx").is_empty());
        for s in ["F", "Cl", "Br", "I"] {
            assert!(oxidation_states(s).contains(&-1), "{s}");
        }
        for s in ["Li", "Na", "K", "Rb", "Cs"] {
            assert_eq!(oxidation_states(s), &[1], "{s}");
        }
        for s in ["Be", "Mg", "Ca", "Sr", "Ba"] {
            assert_eq!(oxidation_states(s), &[2], "{s}");
        }
        for (i, states) in STATES.iter().enumerate() {
            assert!(states.windows(2).all(|w| w[0] < w[1]), "{} ascending", ELEMENTS[i]);
            assert!(states.iter().all(|&q| q != 0 && (-4..=8).contains(&q)));
        }
    }

    #[test]
    fn compositions() {
        for s in [
            "Fe2O3",
            "FeO",
            "CsPbI3",
            "NaCl",
            "Al2O3",
            "LiNiO2",
            "Cu2O",
            "LiCoO2",
            "CaTiO3",
            "SnO2",
            "PbO2",
            "Fe0.4O0.6",
            "Li7La3Zr2O12",
            "NaH",
            "CH4",
            "CuSO4·5H2O",
            "(Ba0.5Sr0.5)TiO3",
            "K4[Fe(CN)6]",
        ] {
            assert!(balanced(s), "{s}");
            let n = Composition::parse(s).unwrap().normalized();
            assert!(composition_charge_balanced(&n), "{s} normalized");
            let printed = Composition::parse(&format!("{n:.6}")).unwrap();
            assert!(composition_charge_balanced(&printed), "{s} printed {printed:.6}");
        }
        // FeO2 needs Fe(+4); Fe3O4 is mixed valence; FeS2 has S2²⁻; He has no states.
        for s in ["NaCl2", "FeO2", "Fe3O4", "FeS2", "Fe", "Fe0.7Ni0.3", "HeO", "NaO"] {
            assert!(!balanced(s), "{s}");
        }
    }

    #[test]
    fn species() {
        use Species::{Element, Ion};
        assert!(charge_balance(&[(Ion(1), 1.0), (Element("Pb"), 1.0), (Element("I"), 3.0)], 0.0));
        assert!(charge_balance(&[(Ion(2), 1.0), (Element("Pb"), 1.0), (Element("I"), 4.0)], 0.0));
        assert!(!charge_balance(&[(Ion(1), 1.0), (Element("Pb"), 1.0), (Element("I"), 4.0)], 0.0));
        assert!(charge_balance(&[(Ion(1), 2.0), (Ion(-2), 1.0)], 0.0));
        assert!(charge_balance(&[], 0.0));
        // All Fe atoms share one state, even when listed twice: Fe2O2.5 would need Fe(+2.5).
        let fe = [(Element("Fe"), 1.0), (Element("Fe"), 1.0), (Element("O"), 2.5)];
        assert!(!charge_balance(&fe, 1e-9));
        assert!(charge_balance(&fe, 1.0));
        assert!(!charge_balance(&[(Element("Xx"), 1.0), (Element("O"), 1.0)], 0.0));
        assert!(!charge_balance(&[(Element("Fe"), -1.0), (Element("O"), 1.0)], 0.0));
        assert!(!charge_balance(&[(Element("Fe"), f64::NAN), (Element("O"), 1.0)], 0.0));
        assert!(charge_balance(&[(Element("Fe"), 0.0), (Element("Na"), 1.0), (Element("Cl"), 1.0)], 0.0));
    }

    /// Meet-in-the-middle agrees with plain enumeration on many small systems.
    #[test]
    fn matches_brute_force() {
        let mut seed = 0x2545F4914F6CDD1Du64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let pool = ["Fe", "O", "Cl", "Mn", "Na", "S", "Pb", "I", "V", "N", "H", "Cu", "Sn"];
        for _ in 0..400 {
            let k = 1 + next(5) as usize;
            let items: Vec<(Species, f64)> = (0..k)
                .map(|_| (Species::Element(pool[next(pool.len() as u64) as usize]), (1 + next(6)) as f64))
                .collect();
            let mut merged: Vec<(&str, f64)> = Vec::new();
            for &(s, a) in &items {
                let Species::Element(s) = s else { unreachable!() };
                match merged.iter_mut().find(|m| m.0 == s) {
                    Some(m) => m.1 += a,
                    None => merged.push((s, a)),
                }
            }
            let mut brute = false;
            let mut idx = vec![0usize; merged.len()];
            'outer: loop {
                let total: f64 = merged.iter().zip(&idx).map(|(m, &i)| m.1 * f64::from(oxidation_states(m.0)[i])).sum();
                brute |= total.abs() < 1e-9;
                for d in 0..idx.len() {
                    idx[d] += 1;
                    if idx[d] < oxidation_states(merged[d].0).len() {
                        continue 'outer;
                    }
                    idx[d] = 0;
                }
                break;
            }
            assert_eq!(charge_balance(&items, 1e-9), brute, "{merged:?}");
        }
    }

    #[test]
    fn many_species_is_fast_enough() {
        // 12 elements with up to 5 states each: ~2.4e6 combinations, a few thousand per half.
        let syms = ["Cl", "I", "Br", "S", "Se", "Te", "Mn", "V", "N", "P", "As", "Sb"];
        let items: Vec<(Species, f64)> =
            syms.iter().enumerate().map(|(i, &s)| (Species::Element(s), 0.01 + i as f64 * 0.137)).collect();
        let _ = charge_balance(&items, 1e-9);
    }
}
