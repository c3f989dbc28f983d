//! Rule-of-mixtures density from the Magpie table.

use super::composition::Composition;
use super::elements::magpie;

/// Avogadro's number × 1e-24 cm³/Å³: converts g/mol per Å³ into g/cm³.
const AVOGADRO_CM3_PER_A3: f64 = 0.602_214_076;

/// Rule-of-mixtures density in g/cm³:
/// `ρ = Σ xᵢ Mᵢ / (0.6022 · Σ xᵢ Vᵢ)`, with `Mᵢ` the Magpie `AtomicWeight` (g/mol) and `Vᵢ` the
/// Magpie `GSvolume_pa` (DFT ground-state volume per atom of the elemental solid, Å³).
/// Amounts need not be normalized. `None` when an element lacks either value (Magpie covers
/// H..Bk).
///
/// An estimate: it ignores the volume change on mixing, and the DFT volumes make it a few
/// per cent off for some pure elements (Fe gives ≈ 8.64 against the measured 7.87).
pub fn density(c: &Composition) -> Option<f64> {
    let table = magpie();
    let (mw, vol) = (table.column_index("AtomicWeight")?, table.column_index("GSvolume_pa")?);
    let (mut mass, mut volume) = (0.0, 0.0);
    for (index, amount) in c.iter_indexed() {
        let row = table.row_by_index(index)?;
        let (m, v) = (row[mw], row[vol]);
        if !(m.is_finite() && v.is_finite() && v > 0.0) {
            return None;
        }
        mass += amount * m;
        volume += amount * v;
    }
    Some(mass / (AVOGADRO_CM3_PER_A3 * volume))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rho(s: &str) -> Option<f64> {
        density(&Composition::parse(s).unwrap())
    }

    #[test]
    fn pure_elements() {
        let fe = rho("Fe").unwrap();
        assert!((fe - 55.845 / (0.602214076 * 10.73)).abs() < 1e-12);
        assert!((fe - 8.642).abs() < 1e-3, "{fe}");
        let al = rho("Al").unwrap();
        assert!((al - 2.7187).abs() < 1e-3, "{al}");
        assert!((rho("W").unwrap() - 19.3).abs() < 1.0);
    }

    #[test]
    fn mixtures() {
        assert_eq!(rho("Fe2"), rho("Fe"));
        let (fe, ni) = (rho("Fe").unwrap(), rho("Ni").unwrap());
        let mix = rho("Fe0.5Ni0.5").unwrap();
        assert!(mix > fe.min(ni) && mix < fe.max(ni));
        let steel = rho("Fe0.620C0.000953Mn0.000521Si0.00102Cr0.000110Ni0.192Mo0.0176").unwrap();
        assert!((7.5..9.5).contains(&steel), "{steel}");
        assert_eq!(rho("Cf"), None);
        assert_eq!(rho("FeCf"), None);
    }
}
