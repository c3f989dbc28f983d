//! Chemistry: formulas, compositions, element property tables, oxidation states, composition
//! features and rule-of-mixtures density.
//!
//! Owns everything that knows about elements. Pure and deterministic: no randomness, no
//! models, no I/O beyond the element tables compiled into the binary; must not depend on any
//! other crucible module.
//!
//! # Formula grammar
//!
//! ```text
//! formula   := unit (separator multiplier? unit)*
//! unit      := item+
//! item      := (symbol | '(' item+ ')' | '[' item+ ']') amount?
//! symbol    := uppercase letter, optionally one lowercase letter   (one of the 118 elements)
//! amount    := digits | digits '.' digits | '.' digits             (≥ 0; no sign, no exponent)
//! separator := '·' (U+00B7) | '•' (U+2022) | '∙' (U+2219) | '⋅' (U+22C5) | '*' | '.'
//! ```
//!
//! Whitespace is allowed between any two tokens (`Fe2 O3`, `CuSO4 · 5 H2O`), not inside a
//! symbol or a number. Brackets nest to any depth and multiply what they hold
//! (`Ag(W3Br7)2` = Ag W6 Br14, `K4[Fe(CN)6]`); `(` must close with `)` and `[` with `]`.
//! Hydrate (adduct) units are separated only at the top level, each with an optional
//! multiplier, and are added up: `CuSO4·5H2O` = Cu S O9 H10. Zero amounts are allowed and
//! dropped (`Fe1Ni0` = Fe), but not a zero total.
//!
//! **The `.` rule.** A `.` followed by a digit is a decimal point (`Fe0.5Ni0.5`,
//! `Li1.2Mn0.54Ni0.13Co0.13O2`, `Fe.5Ni.5`), with one exception: it separates a water unit
//! when what follows it is a multiplier, then `H2O`, then the end of the formula or another
//! separator (`CuSO4.5H2O`, `Na2CO3.10H2O`, `CaSO4.0.5H2O`, `MgSO4.7H2O.KCl`), unless the
//! digits before the `.` are all zeros (`Fe0.5H2O` is Fe0.5 H2 O). A `.` not followed by a
//! digit is always a separator (`Na2CO3.H2O`). For any other adduct written with a dot and
//! a multiplier (`CaCl2.8NH3` reads as Ca Cl2.8 N H3), use `·` or `*`:
//! `CaCl2·8NH3`.
//!
//! Missing-value markers (`NaN`, `nan`, `inf`, `None`, `null`, `N/A`, …, ignoring case) are
//! rejected with [`ChemError::MissingValue`] rather than read as elements (`NaN` would
//! otherwise be Na N; write `NNa` for that).
//!
//! # Canonical order
//!
//! Elements are stored and printed by ascending Pauling electronegativity (ties by atomic
//! number; He, Ne, Ar and Rf–Og last): `Al2O3`, `NaCl`, `CsPbI3`, `CuSO4`. See
//! [`Composition::formula`].

mod composition;
mod density;
mod elements;
mod error;
mod featurize;
mod oxidation;
mod parser;

pub use composition::Composition;
pub use density::density;
pub use elements::{element_index, is_element, magpie, mat2vec, oliynyk, ElementTable, ELEMENTS};
pub use error::ChemError;
pub use featurize::{Featurizer, STATS};
pub use oxidation::{charge_balance, composition_charge_balanced, oxidation_states, Species};
