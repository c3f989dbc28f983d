//! Structure and processing parameters: validation, sampling from a unit coordinate,
//! encoding (scaled to `[0, 1]`, categoricals one-hot), decoding, repair and checks.
use super::error::SpaceError;
use super::spec::ParameterSpec;
use super::{Cell, ParamValue};

/// A validated parameter.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Real { name: String, min: f64, max: f64 },
    Int { name: String, min: i64, max: i64 },
    Cat { name: String, choices: Vec<String> },
}

impl Param {
    /// Validates the `index`-th parameter of `space.parameters`.
    pub(crate) fn build(spec: &ParameterSpec, index: usize) -> Result<Param, SpaceError> {
        let path = format!("space.parameters.{index}");
        let err = |message: String| SpaceError::Parameter { path: path.clone(), message };
        let name = spec.name().to_string();
        if name.is_empty() {
            return Err(err("a parameter needs a name".into()));
        }
        Ok(match spec {
            ParameterSpec::Continuous { min, max, .. } => {
                if !(min.is_finite() && max.is_finite()) {
                    return Err(err(format!("{name}: range [{min}, {max}] must be finite")));
                }
                if min > max {
                    return Err(err(format!("{name}: minimum {min} is above maximum {max}")));
                }
                Param::Real { name, min: *min, max: *max }
            }
            ParameterSpec::Integer { min, max, .. } => {
                if min > max {
                    return Err(err(format!("{name}: minimum {min} is above maximum {max}")));
                }
                Param::Int { name, min: *min, max: *max }
            }
            ParameterSpec::Categorical { choices, .. } => {
                if choices.is_empty() {
                    return Err(err(format!("{name}: no choices")));
                }
                for (k, c) in choices.iter().enumerate() {
                    if choices[..k].contains(c) {
                        return Err(err(format!("{name}: choice '{c}' is listed twice")));
                    }
                }
                Param::Cat { name, choices: choices.clone() }
            }
        })
    }

    /// The column name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Param::Real { name, .. } | Param::Int { name, .. } | Param::Cat { name, .. } => name,
        }
    }

    /// Encoded width: 1, or the number of choices.
    pub(crate) fn width(&self) -> usize {
        match self {
            Param::Cat { choices, .. } => choices.len(),
            _ => 1,
        }
    }

    /// Encoded column names: the name, or `name=choice` per choice.
    pub(crate) fn encoded_columns(&self) -> Vec<String> {
        match self {
            Param::Cat { name, choices } => choices.iter().map(|c| format!("{name}={c}")).collect(),
            _ => vec![self.name().to_string()],
        }
    }

    /// The value at unit coordinate `u ∈ [0, 1)`: uniform on the range, integers and choices
    /// each with equal probability.
    pub(crate) fn at_unit(&self, u: f64) -> ParamValue {
        let u = u.clamp(0.0, 1.0);
        match self {
            Param::Real { min, max, .. } => ParamValue::Real((min + u * (max - min)).min(*max)),
            Param::Int { min, max, .. } => {
                let span = (*max as i128 - *min as i128 + 1) as f64;
                let k = ((u * span).floor() as i128).min(*max as i128 - *min as i128);
                ParamValue::Int((*min as i128 + k) as i64)
            }
            Param::Cat { choices, .. } => ParamValue::Cat(((u * choices.len() as f64) as usize).min(choices.len() - 1)),
        }
    }

    /// Writes the encoding of `v` into `out` (length [`Param::width`]): reals and integers
    /// scaled by `(v − min)/(max − min)` (0 when `min = max`), categoricals one-hot.
    pub(crate) fn encode(&self, v: &ParamValue, out: &mut [f64]) {
        let v = self.repair(v);
        match (self, v) {
            (Param::Real { min, max, .. }, ParamValue::Real(x)) => {
                out[0] = if max > min { (x - min) / (max - min) } else { 0.0 };
            }
            (Param::Int { min, max, .. }, ParamValue::Int(k)) => {
                out[0] = if max > min { (k - min) as f64 / (max - min) as f64 } else { 0.0 };
            }
            (Param::Cat { .. }, ParamValue::Cat(k)) => {
                out.iter_mut().for_each(|o| *o = 0.0);
                out[k] = 1.0;
            }
            _ => unreachable!("repair returns the parameter's own kind"),
        }
    }

    /// The value whose encoding is nearest `x` (length [`Param::width`]): reals unscaled and
    /// clamped, integers rounded, categoricals by the largest entry (first on ties).
    pub(crate) fn decode(&self, x: &[f64]) -> ParamValue {
        let x0 = if x[0].is_nan() { 0.0 } else { x[0] };
        match self {
            Param::Real { min, max, .. } => {
                ParamValue::Real((min + x0.clamp(0.0, 1.0) * (max - min)).clamp(*min, *max))
            }
            Param::Int { min, max, .. } => {
                let v = *min as f64 + x0.clamp(0.0, 1.0) * (*max as f64 - *min as f64);
                ParamValue::Int((v.round() as i64).clamp(*min, *max))
            }
            Param::Cat { .. } => {
                let best = (0..x.len())
                    .max_by(|&a, &b| {
                        let (xa, xb) = (nan_low(x[a]), nan_low(x[b]));
                        xa.total_cmp(&xb).then(b.cmp(&a))
                    })
                    .unwrap_or(0);
                ParamValue::Cat(best)
            }
        }
    }

    /// The nearest valid value: clamped, rounded, converted to the parameter's kind (NaN and
    /// other kinds become the lower end).
    pub(crate) fn repair(&self, v: &ParamValue) -> ParamValue {
        let as_f64 = match v {
            ParamValue::Real(x) => *x,
            ParamValue::Int(k) => *k as f64,
            ParamValue::Cat(k) => *k as f64,
        };
        match self {
            Param::Real { min, max, .. } => match v {
                ParamValue::Real(x) if x.is_nan() => ParamValue::Real(*min),
                _ => ParamValue::Real(as_f64.clamp(*min, *max)),
            },
            Param::Int { min, max, .. } => match v {
                ParamValue::Int(k) => ParamValue::Int((*k).clamp(*min, *max)),
                _ if as_f64.is_nan() => ParamValue::Int(*min),
                _ => ParamValue::Int((as_f64.round().clamp(*min as f64, *max as f64)) as i64),
            },
            Param::Cat { choices, .. } => match v {
                ParamValue::Cat(k) => ParamValue::Cat((*k).min(choices.len() - 1)),
                _ => ParamValue::Cat(0),
            },
        }
    }

    /// Why `v` is not a valid value, if it is not.
    pub(crate) fn check(&self, v: &ParamValue) -> Option<String> {
        let name = self.name();
        match (self, v) {
            (Param::Real { min, max, .. }, ParamValue::Real(x)) => {
                (!(x >= min && x <= max)).then(|| format!("{name} = {x} is outside [{min}, {max}]"))
            }
            (Param::Int { min, max, .. }, ParamValue::Int(k)) => {
                (!(k >= min && k <= max)).then(|| format!("{name} = {k} is outside [{min}, {max}]"))
            }
            (Param::Cat { choices, .. }, ParamValue::Cat(k)) => {
                (*k >= choices.len()).then(|| format!("{name}: choice {k} does not exist ({} choices)", choices.len()))
            }
            _ => Some(format!("{name}: {v:?} is the wrong kind of value")),
        }
    }

    /// The log cell for `v`: reals as `F64`, integers as `I64`, choices by name.
    pub(crate) fn cell(&self, v: &ParamValue) -> Cell {
        match (self, self.repair(v)) {
            (Param::Cat { choices, .. }, ParamValue::Cat(k)) => Cell::Str(choices[k].clone()),
            (_, ParamValue::Real(x)) => Cell::F64(x),
            (_, ParamValue::Int(k)) => Cell::I64(k),
            (_, ParamValue::Cat(k)) => Cell::I64(k as i64),
        }
    }

    /// The value a log cell holds (choice names or indices for categoricals).
    pub(crate) fn value_of_cell(&self, c: &Cell) -> Option<ParamValue> {
        match (self, c) {
            (Param::Cat { choices, .. }, Cell::Str(s)) => choices.iter().position(|x| x == s).map(ParamValue::Cat),
            (Param::Cat { .. }, Cell::I64(k)) => usize::try_from(*k).ok().map(ParamValue::Cat),
            (Param::Real { .. }, Cell::F64(x)) => Some(ParamValue::Real(*x)),
            (Param::Real { .. }, Cell::I64(k)) => Some(ParamValue::Real(*k as f64)),
            (Param::Int { .. }, Cell::I64(k)) => Some(ParamValue::Int(*k)),
            (Param::Int { .. }, Cell::F64(x)) if x.fract() == 0.0 => Some(ParamValue::Int(*x as i64)),
            _ => None,
        }
    }

    /// Number of distinct values (`None` for a continuous range).
    pub(crate) fn count(&self) -> Option<u128> {
        match self {
            Param::Real { min, max, .. } => (min == max).then_some(1),
            Param::Int { min, max, .. } => Some((*max as i128 - *min as i128 + 1) as u128),
            Param::Cat { choices, .. } => Some(choices.len() as u128),
        }
    }
}

fn nan_low(x: f64) -> f64 {
    if x.is_nan() {
        f64::NEG_INFINITY
    } else {
        x
    }
}
