//! A designed space: a composition (one mixture) or a structure (a mixture per site), plus
//! parameters, plus the charge-balance rule. Sampling, repair, checks and the encoding.
use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::error::SpaceError;
use super::mixture::Mixture;
use super::params::Param;
use super::simplex::latin_hypercube;
use super::spec::{DesignSpec, MixtureSpec};
use super::species::{self, Component};
use super::Candidate;
use crate::chem::Composition;

/// Charge-balanced feasible points kept for repair.
const ANCHORS: usize = 64;
/// Draws after which an acceptance below [`MIN_ACCEPTANCE`] is an error.
const MIN_TRIES: usize = 10_000;
/// Lowest acceptance of the rejection rules that sampling tolerates.
const MIN_ACCEPTANCE: f64 = 1e-3;

/// One mixture with what its components are: the composition, or one structure site.
#[derive(Debug)]
pub(crate) struct Site {
    /// Site name (`None` for a composition).
    pub name: Option<String>,
    /// Site multiplicity per formula unit (1 for a composition).
    pub multiplicity: f64,
    pub mix: Mixture,
    pub comps: Vec<Component>,
    /// Offset of this mixture's fractions in a candidate.
    pub offset: usize,
}

/// A validated designed space.
#[derive(Debug)]
pub(crate) struct Design {
    pub sites: Vec<Site>,
    pub params: Vec<Param>,
    pub structure: bool,
    /// Key path of the charge-balance setting, when it is on.
    pub charge: Option<String>,
    /// Charge-balanced feasible fraction vectors; repair falls back to the nearest.
    anchors: Vec<Vec<f64>>,
    pub nfrac: usize,
}

fn build_site(
    spec: &MixtureSpec,
    path: &str,
    name: Option<&str>,
    multiplicity: f64,
    aliases: &BTreeMap<String, super::spec::AliasSpec>,
    offset: usize,
) -> Result<Site, SpaceError> {
    let prefix = name.map(|n| format!("{n}:")).unwrap_or_default();
    let mix = Mixture::build(spec, path, &prefix)?;
    let mut comps = Vec::new();
    for n in &mix.names {
        let p = if spec.components.iter().any(|c| &c.name == n) {
            format!("{path}.components.{n}")
        } else {
            format!("{path}.balance")
        };
        comps.push(species::resolve(n, aliases, &p)?);
    }
    let name = name.map(str::to_string);
    Ok(Site { name, multiplicity, mix, comps, offset })
}

impl Design {
    /// Validates `spec` and, with charge balance on, finds charge-balanced anchor points.
    pub(crate) fn build(spec: &DesignSpec) -> Result<Design, SpaceError> {
        let invalid = |path: &str, m: &str| SpaceError::Invalid { path: path.into(), message: m.into() };
        if spec.composition.is_some() && spec.structure.is_some() {
            return Err(invalid("space.structure", "composition and structure are mutually exclusive"));
        }
        for (name, alias) in &spec.aliases {
            species::resolve(name, &BTreeMap::from([(name.clone(), alias.clone())]), "space.aliases")?;
        }
        let mut sites = Vec::new();
        let mut charge = None;
        if let Some(m) = &spec.composition {
            if m.components.is_empty() && m.balance.is_none() {
                return Err(invalid("space.composition.components", "the composition has no components"));
            }
            sites.push(build_site(m, "space.composition", None, 1.0, &spec.aliases, 0)?);
            if m.charge_balance {
                charge = Some("space.composition.charge_balance".to_string());
            }
        }
        if let Some(st) = &spec.structure {
            let proto = species::prototype_sites(&st.prototype)?;
            for (k, (name, _)) in st.sites.iter().enumerate() {
                let path = format!("space.structure.sites.{name}");
                if st.sites[..k].iter().any(|(n, _)| n == name) {
                    let context = String::new();
                    return Err(SpaceError::DuplicateName { path, name: name.clone(), context });
                }
                if !proto.iter().any(|(p, _)| p == name) {
                    let known: Vec<&str> = proto.iter().map(|(p, _)| p.as_str()).collect();
                    let message = format!("'{name}' is not a site of the prototype (sites: {})", known.join(", "));
                    return Err(SpaceError::Structure { path, message });
                }
            }
            let mut offset = 0;
            for (name, mult) in &proto {
                let path = format!("space.structure.sites.{name}");
                let spec_site = st.sites.iter().find(|(n, _)| n == name).map(|(_, m)| m);
                let Some(m) = spec_site.filter(|m| !m.components.is_empty() || m.balance.is_some()) else {
                    let message = format!("site {name} has no species");
                    return Err(SpaceError::Structure { path, message });
                };
                let site = build_site(m, &path, Some(name), *mult, &spec.aliases, offset)?;
                offset += site.mix.len();
                sites.push(site);
            }
            if st.charge_balance || st.sites.iter().any(|(_, m)| m.charge_balance) {
                charge = Some("space.structure.charge_balance".to_string());
            }
        }
        let mut params = Vec::new();
        for (k, p) in spec.parameters.iter().enumerate() {
            params.push(Param::build(p, k)?);
        }
        if sites.is_empty() && params.is_empty() {
            return Err(invalid("space", "nothing to vary: give a composition, a structure or parameters"));
        }
        let nfrac = sites.iter().map(|s| s.mix.len()).sum();
        let mut design =
            Design { sites, params, structure: spec.structure.is_some(), charge, anchors: Vec::new(), nfrac };
        let cols = design.input_columns();
        for (k, c) in cols.iter().enumerate() {
            if cols[..k].contains(c) {
                let j = k.saturating_sub(design.nfrac);
                let path = format!("space.parameters.{j}");
                let first = cols[..k].iter().position(|x| x == c).unwrap_or(0);
                let context = if first < design.nfrac { " (also a component column)" } else { " (another parameter)" };
                let context = context.to_string();
                return Err(SpaceError::DuplicateName { path, name: c.clone(), context });
            }
        }
        if design.charge.is_some() {
            let mut rng = ChaCha8Rng::seed_from_u64(0x5eed);
            design.anchors = design.sample(ANCHORS, &mut rng)?.into_iter().map(|c| c.fractions).collect();
        }
        Ok(design)
    }

    /// Column names: fractions (`Ni`, or `A:Cs` for site A), then parameters.
    pub(crate) fn input_columns(&self) -> Vec<String> {
        let fr = self.sites.iter().flat_map(|s| s.mix.names.iter().map(|n| format!("{}{n}", s.mix.prefix)));
        fr.chain(self.params.iter().map(|p| p.name().to_string())).collect()
    }

    /// Encoded width.
    pub(crate) fn dim(&self) -> usize {
        self.nfrac + self.params.iter().map(Param::width).sum::<usize>()
    }

    /// Unit-cube coordinates one draw consumes.
    pub(crate) fn latent_dim(&self) -> usize {
        self.sites.iter().map(|s| s.mix.latent_dim()).sum::<usize>() + self.params.len()
    }

    /// Maps latent coordinates `u` to a candidate (uniform on the polytopes when `u` is).
    pub(crate) fn realize(&self, u: &[f64], rng: &mut ChaCha8Rng) -> Candidate {
        let mut fractions = Vec::with_capacity(self.nfrac);
        let mut k = 0;
        for s in &self.sites {
            let d = s.mix.latent_dim();
            fractions.extend(s.mix.draw(&u[k..k + d], rng));
            k += d;
        }
        let params = self.params.iter().enumerate().map(|(j, p)| p.at_unit(u[k + j])).collect();
        Candidate { fractions, params, pool_index: None }
    }

    /// The rule a drawn candidate breaks (key path and reason), if any.
    pub(crate) fn rejection(&self, c: &Candidate) -> Option<(String, String)> {
        for s in &self.sites {
            let r = s.mix.check(&c.fractions[s.offset..s.offset + s.mix.len()]);
            if let Some(first) = r.into_iter().next() {
                let rule = if first.contains("min_components") { ".min_components" } else { "" };
                return Some((format!("{}{rule}", s.mix.path), first));
            }
        }
        let path = self.charge.as_ref()?;
        (!self.charge_ok(&c.fractions)).then(|| (path.clone(), "not charge balanced".to_string()))
    }

    /// Latin hypercube in latent coordinates, mapped through the exact sampler; rejected rows
    /// are redrawn with fresh uniform coordinates.
    pub(crate) fn sample(&self, n: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Candidate>, SpaceError> {
        let dims = self.latent_dim();
        let mut out = Vec::with_capacity(n);
        let (mut tries, mut rejected) = (0usize, BTreeMap::<String, (usize, String)>::new());
        for row in latin_hypercube(n, dims, rng) {
            let mut u = row;
            loop {
                let c = self.realize(&u, rng);
                tries += 1;
                match self.rejection(&c) {
                    None => {
                        out.push(c);
                        break;
                    }
                    Some((path, why)) => rejected.entry(path).or_insert((0, why)).0 += 1,
                }
                if tries >= MIN_TRIES && (out.len() as f64) < MIN_ACCEPTANCE * tries as f64 {
                    let (path, (count, why)) = rejected.into_iter().max_by_key(|(_, (c, _))| *c).unwrap_or_default();
                    let what = if path.ends_with("charge_balance") {
                        "charge balance (common oxidation states, one per element) rejects".to_string()
                    } else {
                        format!("'{why}' rejects")
                    };
                    let message = format!(
                        "{what} {count} of {tries} draws ({} accepted): the space has almost no \
                         feasible candidates; loosen this rule or the bounds",
                        out.len()
                    );
                    return Err(SpaceError::Sampling { path, message });
                }
                u = (0..dims).map(|_| rng.random::<f64>()).collect();
            }
        }
        Ok(out)
    }

    /// Weighted components of the fractions `f`: (component, fraction × multiplicity).
    fn parts<'a>(&'a self, f: &'a [f64]) -> impl Iterator<Item = (&'a Component, f64)> + 'a {
        self.sites.iter().flat_map(move |s| {
            s.comps
                .iter()
                .enumerate()
                .map(move |(j, c)| (c, f.get(s.offset + j).copied().unwrap_or(0.0) * s.multiplicity))
        })
    }

    fn charge_ok(&self, f: &[f64]) -> bool {
        species::charge_balanced(self.parts(f))
    }

    /// Composition: normalized atomic fractions for a mixture, per formula unit for a structure.
    pub(crate) fn composition(&self, c: &Candidate) -> Option<Composition> {
        if self.sites.is_empty() {
            return None;
        }
        let comp = species::composition(self.parts(&c.fractions))?;
        Some(if self.structure { comp } else { comp.normalized() })
    }

    /// Every rule `c` breaks.
    pub(crate) fn check(&self, c: &Candidate) -> Vec<String> {
        let mut out = Vec::new();
        if c.pool_index.is_some() {
            out.push("a pool index on a designed space".to_string());
        }
        if c.fractions.len() != self.nfrac {
            out.push(format!("{} fractions, expected {}", c.fractions.len(), self.nfrac));
        }
        if c.params.len() != self.params.len() {
            out.push(format!("{} parameter values, expected {}", c.params.len(), self.params.len()));
        }
        if !out.is_empty() {
            return out;
        }
        for s in &self.sites {
            out.extend(s.mix.check(&c.fractions[s.offset..s.offset + s.mix.len()]));
        }
        out.extend(self.params.iter().zip(&c.params).filter_map(|(p, v)| p.check(v)));
        if out.is_empty() && self.charge.is_some() && !self.charge_ok(&c.fractions) {
            let f = self.composition(c).map(|c| c.formula()).unwrap_or_default();
            out.push(format!("{f} cannot be charge balanced with common oxidation states"));
        }
        out
    }

    /// The nearest feasible candidate (mixture by mixture, parameters clamped and rounded;
    /// with charge balance, the nearest anchor's fractions if the projection is unbalanced).
    pub(crate) fn repair(&self, c: &Candidate) -> Candidate {
        let mut fractions = Vec::with_capacity(self.nfrac);
        for s in &self.sites {
            let end = (s.offset + s.mix.len()).min(c.fractions.len());
            fractions.extend(s.mix.repair(c.fractions.get(s.offset..end).unwrap_or(&[])));
        }
        let params = self
            .params
            .iter()
            .enumerate()
            .map(|(j, p)| c.params.get(j).map_or_else(|| p.at_unit(0.5), |v| p.repair(v)))
            .collect();
        if self.charge.is_some() && !self.charge_ok(&fractions) {
            let dist = |a: &Vec<f64>| a.iter().zip(&fractions).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
            if let Some(a) = self.anchors.iter().min_by(|a, b| dist(a).total_cmp(&dist(b))) {
                fractions = a.clone();
            }
        }
        Candidate { fractions, params, pool_index: None }
    }

    /// Writes the encoding of `c` into `row` (length [`Design::dim`]).
    pub(crate) fn encode(&self, c: &Candidate, row: &mut [f64]) {
        for (i, r) in row[..self.nfrac].iter_mut().enumerate() {
            *r = c.fractions.get(i).copied().unwrap_or(0.0);
        }
        let mut k = self.nfrac;
        for (j, p) in self.params.iter().enumerate() {
            let w = p.width();
            let v = c.params.get(j).cloned().unwrap_or_else(|| p.at_unit(0.5));
            p.encode(&v, &mut row[k..k + w]);
            k += w;
        }
    }

    /// The candidate whose encoding is `row` (fractions as given, NaN → 0; see `Param::decode`).
    pub(crate) fn decode(&self, row: &[f64]) -> Candidate {
        let fractions = row[..self.nfrac].iter().map(|&x| if x.is_nan() { 0.0 } else { x }).collect();
        let mut k = self.nfrac;
        let mut params = Vec::with_capacity(self.params.len());
        for p in &self.params {
            let w = p.width();
            params.push(p.decode(&row[k..k + w]));
            k += w;
        }
        Candidate { fractions, params, pool_index: None }
    }

    /// Parameter value helper for dry runs: product of the discrete parameters' counts.
    pub(crate) fn discrete_combinations(&self) -> Option<u128> {
        let counts: Vec<u128> = self.params.iter().filter_map(Param::count).collect();
        (!counts.is_empty()).then(|| counts.iter().fold(1u128, |a, &b| a.saturating_mul(b)))
    }

    /// Fresh uniform latent coordinates (a raw, unstratified draw).
    pub(crate) fn raw_draw(&self, rng: &mut ChaCha8Rng) -> Candidate {
        let u: Vec<f64> = (0..self.latent_dim()).map(|_| rng.random::<f64>()).collect();
        self.realize(&u, rng)
    }
}
