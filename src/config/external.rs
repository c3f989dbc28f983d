//! The chemistry and design-space checks that config borrows, in one place: whether a name
//! is an element or a formula, and whether a space is feasible (via [`Space::new`]).
use crate::space::spec::SpaceSpec;
use crate::space::Space;

/// Whether `symbol` is an element symbol (case-sensitive).
pub fn is_element(symbol: &str) -> bool {
    crate::chem::is_element(symbol)
}

/// All element symbols, for "did you mean".
pub fn element_symbols() -> &'static [&'static str] {
    crate::chem::ELEMENTS
}

/// Whether `formula` parses; the chemistry error's message if not.
pub fn parse_formula(formula: &str) -> Result<(), String> {
    crate::chem::Composition::parse(formula).map(|_| ()).map_err(|e| e.to_string())
}

/// Builds the space to find out whether it is feasible; on failure, the key path at fault
/// (in config's `a.b[0].c` form) and the message (without the path prefix).
pub fn check_space(spec: &SpaceSpec) -> Result<(), (Option<String>, String)> {
    match Space::new(spec, None) {
        Ok(_) => Ok(()),
        Err(e) => {
            let path = e.key_path().map(bracket_indices);
            let mut message = e.to_string();
            if let Some(p) = e.key_path() {
                if let Some(rest) = message.strip_prefix(p).and_then(|m| m.strip_prefix(": ")) {
                    message = rest.to_string();
                }
            }
            Err((path, message))
        }
    }
}

/// `space.parameters.2.range` → `space.parameters[2].range`.
fn bracket_indices(path: &str) -> String {
    let mut out = String::new();
    for seg in path.split('.') {
        if !out.is_empty() && !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn brackets_numeric_segments() {
        assert_eq!(super::bracket_indices("space.parameters.2.range"), "space.parameters[2].range");
        assert_eq!(super::bracket_indices("space.composition.forbidden.0.1"), "space.composition.forbidden[0][1]");
        assert_eq!(super::bracket_indices("space.composition.components.Ni"), "space.composition.components.Ni");
    }
}
