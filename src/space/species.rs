//! What mixture components stand for (elements, compound formulas, aliases with an optional
//! ionic charge), the built-in structure prototypes, and the chemistry derived from a
//! candidate: overall composition and charge balance.
use std::collections::BTreeMap;

use crate::chem::{self, Composition};

use super::error::SpaceError;
use super::spec::{AliasSpec, PrototypeSpec};

/// Charge balance tolerance, per unit of amount (as `chem::composition_charge_balanced`).
const CHARGE_TOL: f64 = 1e-5;

/// One resolved component: its elements per unit, and a fixed charge if it is a charged alias.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub elements: Vec<(&'static str, f64)>,
    pub charge: Option<i32>,
}

/// Resolves `name` (at key path `path`): an alias, an element or a compound formula.
pub(crate) fn resolve(name: &str, aliases: &BTreeMap<String, AliasSpec>, path: &str) -> Result<Component, SpaceError> {
    if let Some(alias) = aliases.get(name) {
        let comp = Composition::parse(&alias.formula).map_err(|e| SpaceError::UnknownComponent {
            path: format!("space.aliases.{name}"),
            name: alias.formula.clone(),
            reason: format!("alias {name}: {e}"),
            suggestion: None,
        })?;
        return Ok(Component { elements: comp.iter().collect(), charge: alias.charge });
    }
    match Composition::parse(name) {
        Ok(comp) => Ok(Component { elements: comp.iter().collect(), charge: None }),
        Err(e) => {
            let known = aliases.keys().map(String::as_str).chain(chem::ELEMENTS.iter().copied());
            let suggestion = known
                .map(|k| (strsim::normalized_levenshtein(&name.to_lowercase(), &k.to_lowercase()), k))
                .filter(|(score, _)| *score >= 0.5)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| k.to_string());
            Err(SpaceError::UnknownComponent {
                path: path.into(),
                name: name.into(),
                reason: format!("not an element, alias or formula ({e})"),
                suggestion,
            })
        }
    }
}

/// The sites and multiplicities of a prototype (checked: names unique and usable as column
/// prefixes, multiplicities positive).
pub(crate) fn prototype_sites(p: &PrototypeSpec) -> Result<Vec<(String, f64)>, SpaceError> {
    let path = "space.structure.prototype".to_string();
    let sites: Vec<(String, f64)> = match p {
        PrototypeSpec::Named(name) => {
            let table: &[(&str, &[(&str, f64)])] = &[
                ("perovskite", &[("A", 1.0), ("B", 1.0), ("X", 3.0)]),
                ("spinel", &[("A", 1.0), ("B", 2.0), ("X", 4.0)]),
                ("rocksalt", &[("A", 1.0), ("X", 1.0)]),
            ];
            let key = name.to_lowercase().replace(['-', '_', ' '], "");
            let Some((_, s)) = table.iter().find(|(n, _)| *n == key) else {
                let message = format!(
                    "unknown prototype '{name}' (built-in: perovskite (ABX3), spinel (AB2X4), \
                     rocksalt (AX); or give explicit sites)"
                );
                return Err(SpaceError::Structure { path, message });
            };
            s.iter().map(|&(n, m)| (n.to_string(), m)).collect()
        }
        PrototypeSpec::Sites(sites) => sites.clone(),
    };
    if sites.is_empty() {
        return Err(SpaceError::Structure { path, message: "no sites".into() });
    }
    for (k, (name, m)) in sites.iter().enumerate() {
        let p = format!("{path}.sites.{name}");
        if name.is_empty() || name.contains(':') {
            let message = format!("site name '{name}' must be non-empty and contain no ':'");
            return Err(SpaceError::Structure { path: p, message });
        }
        if sites[..k].iter().any(|(n, _)| n == name) {
            let context = String::new();
            return Err(SpaceError::DuplicateName { path: p, name: name.clone(), context });
        }
        if !(m.is_finite() && *m > 0.0) {
            let message = format!("site {name}: multiplicity {m} must be a positive number");
            return Err(SpaceError::Structure { path: p, message });
        }
    }
    Ok(sites)
}

/// Element amounts of `Σ weight · component` (weights: fraction × site multiplicity).
pub(crate) fn element_amounts<'a>(
    parts: impl IntoIterator<Item = (&'a Component, f64)>,
) -> BTreeMap<&'static str, f64> {
    let mut acc: BTreeMap<&'static str, f64> = BTreeMap::new();
    for (c, weight) in parts {
        if weight > 0.0 {
            for &(el, n) in &c.elements {
                *acc.entry(el).or_insert(0.0) += weight * n;
            }
        }
    }
    acc
}

/// The composition of `Σ weight · component`; `None` if nothing is present.
pub(crate) fn composition<'a>(parts: impl IntoIterator<Item = (&'a Component, f64)>) -> Option<Composition> {
    let acc = element_amounts(parts);
    Composition::from_amounts(acc.iter().map(|(&k, &v)| (k, v))).ok()
}

/// Whether `Σ weight · component` can be charge balanced from common oxidation states (charged
/// aliases count with their fixed charge, other components through their elements).
pub(crate) fn charge_balanced<'a>(parts: impl IntoIterator<Item = (&'a Component, f64)>) -> bool {
    let mut items: Vec<(chem::Species<'static>, f64)> = Vec::new();
    let mut elements: BTreeMap<&'static str, f64> = BTreeMap::new();
    let mut total = 0.0;
    for (c, weight) in parts {
        if weight <= 0.0 {
            continue;
        }
        total += weight;
        match c.charge {
            Some(q) => items.push((chem::Species::Ion(q), weight)),
            None => {
                for &(el, n) in &c.elements {
                    *elements.entry(el).or_insert(0.0) += weight * n;
                }
            }
        }
    }
    items.extend(elements.into_iter().map(|(el, a)| (chem::Species::Element(el), a)));
    chem::charge_balance(&items, CHARGE_TOL * total.max(1e-300))
}
