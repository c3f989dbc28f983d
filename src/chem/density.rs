//! Rule-of-mixtures density: the composition's mass over the sum of its atoms' volumes.

use super::composition::Composition;
use super::elements::{magpie, oliynyk, ELEMENTS};

/// Avogadro's number × 1e-24 cm³/Å³: converts g/mol per Å³ into g/cm³.
const AVOGADRO_CM3_PER_A3: f64 = 0.602_214_076;

/// Elements that are gases at room temperature: their measured densities are those of a gas,
/// so their volume per atom comes from the DFT ground-state solid instead.
const GASES: &[&str] = &["H", "He", "N", "O", "F", "Ne", "Cl", "Ar", "Kr", "Xe", "Rn"];

/// Volume per atom (Å³) used for element `index` (Z − 1): from the measured room-temperature
/// density of the element (Oliynyk `Density_(g/mL)`, `V = M / (0.6022 ρ)`) for solids and
/// liquids, else the Magpie `GSvolume_pa` (DFT ground state). `None` when neither is known.
pub fn atomic_volume(index: usize) -> Option<f64> {
    let symbol = *ELEMENTS.get(index)?;
    if !GASES.contains(&symbol) {
        let t = oliynyk();
        if let (Some(m), Some(rho)) = (t.value(symbol, "Atomic_Weight"), t.value(symbol, "Density_(g/mL)")) {
            if m.is_finite() && rho.is_finite() && rho > 0.0 {
                return Some(m / (AVOGADRO_CM3_PER_A3 * rho));
            }
        }
    }
    let v = magpie().value(symbol, "GSvolume_pa")?;
    (v.is_finite() && v > 0.0).then_some(v)
}

/// Rule-of-mixtures density in g/cm³: `ρ = Σ xᵢ Mᵢ / (0.6022 · Σ xᵢ Vᵢ)`, with `Mᵢ` the Magpie
/// `AtomicWeight` (g/mol) and `Vᵢ` the volume per atom of the element ([`atomic_volume`]:
/// measured elemental density for solids and liquids, DFT ground-state volume for gases).
/// Amounts need not be normalized. `None` when an element lacks a weight or a volume.
///
/// For alloys this is the classic ideal-mixing rule (`1/ρ = Σ wᵢ/ρᵢ` over mass fractions) and
/// reproduces pure elements exactly (Fe 7.86, Al 2.70); it ignores the volume change on mixing
/// and is only a rough estimate for ionic compounds (e.g. Al2O3 gives ≈ 2.8 against 3.95).
pub fn density(c: &Composition) -> Option<f64> {
    let table = magpie();
    let mw = table.column_index("AtomicWeight")?;
    let (mut mass, mut volume) = (0.0, 0.0);
    for (index, amount) in c.iter_indexed() {
        let m = table.row_by_index(index)?[mw];
        let v = atomic_volume(index)?;
        if !m.is_finite() {
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

    fn element_index_of(s: &str) -> usize {
        crate::chem::element_index(s).unwrap()
    }

    fn rho(s: &str) -> Option<f64> {
        density(&Composition::parse(s).unwrap())
    }

    #[test]
    fn pure_elements() {
        // measured densities are reproduced (up to the two tables' atomic weights)
        let fe = rho("Fe").unwrap();
        assert!((fe - 7.86).abs() < 0.01, "{fe}");
        let al = rho("Al").unwrap();
        assert!((al - 2.70).abs() < 0.01, "{al}");
        assert!((rho("W").unwrap() - 19.3).abs() < 0.1);
        // a gas takes its DFT solid volume, not the gas density
        let o = atomic_volume(element_index_of("O")).unwrap();
        assert!((o - 9.105).abs() < 1e-9, "{o}");
    }

    #[test]
    fn mixtures() {
        assert_eq!(rho("Fe2"), rho("Fe"));
        let (fe, ni) = (rho("Fe").unwrap(), rho("Ni").unwrap());
        let mix = rho("Fe0.5Ni0.5").unwrap();
        assert!(mix > fe.min(ni) && mix < fe.max(ni));
        // a maraging steel with N and C traces: real alloys of this kind are 7.8-8.1 g/cm³
        let steel = rho("Fe0.623C0.00854Mn0.000104Si0.000203Cr0.147Ni0.0000971Mo0.0179V0.00515N0.00163Nb0.0000614Co0.188W0.00729Al0.000845").unwrap();
        assert!((7.7..8.2).contains(&steel), "{steel}");
        // an oxide is a rough estimate but finite and positive
        let alumina = rho("Al2O3").unwrap();
        assert!((2.0..4.5).contains(&alumina), "{alumina}");
        assert_eq!(rho("Cf"), None);
        assert_eq!(rho("FeCf"), None);
    }
}
