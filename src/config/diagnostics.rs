//! Problems found in a campaign file: where (file, line, column, key path), what, what was
//! expected, and the nearest valid alternative.
//!
//! Owns formatting of one diagnostic and the "did you mean" search. Knows nothing of YAML.
use std::fmt;

/// One problem in a campaign file.
///
/// Displays as
/// `campaign.yaml:12:3: space.composition.components.Xx: unknown element 'Xx' (expected an
/// element symbol, alias or formula); did you mean 'Xe'?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file as named by the caller (e.g. `configs/steel.yaml`).
    pub file: String,
    /// 1-based line; 0 when the problem has no position (e.g. the file cannot be read).
    pub line: usize,
    /// 1-based column, in characters; 0 when the problem has no position.
    pub column: usize,
    /// Where in the document: `space.composition.components.Ni`, `objectives[1].property`;
    /// empty for the document as a whole.
    pub key_path: String,
    /// What is wrong.
    pub message: String,
    /// What would have been accepted, e.g. `a number in [0, 1]`.
    pub expected: Option<String>,
    /// The nearest valid key or value, for typos.
    pub suggestion: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": ")?;
        if !self.key_path.is_empty() {
            write!(f, "{}: ", self.key_path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(expected) = &self.expected {
            write!(f, " (expected {expected})")?;
        }
        if let Some(suggestion) = &self.suggestion {
            write!(f, "; did you mean '{suggestion}'?")?;
        }
        Ok(())
    }
}

/// A campaign file that cannot be used, with every problem found in it (never only the first).
///
/// Diagnostics are sorted by line and column. Display: a header line, then one diagnostic per
/// line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    /// All problems, in file order; never empty.
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// An error for a single problem that has no position in the file (e.g. unreadable file).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ConfigError {
            diagnostics: vec![Diagnostic {
                file: file.to_string(),
                line: 0,
                column: 0,
                key_path: String::new(),
                message: message.into(),
                expected: None,
                suggestion: None,
            }],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        let file = self.diagnostics.first().map_or("campaign file", |d| d.file.as_str());
        write!(f, "{file}: {n} problem{}", if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            write!(f, "\n  {d}")?;
        }
        Ok(())
    }
}

/// The candidate nearest to `word`, if it is near enough to be a plausible typo.
///
/// Case-insensitive equality wins outright (`NI` → `Ni`); otherwise the smallest
/// Damerau–Levenshtein distance within a third of the word's length (at least 1, at most 3),
/// with Jaro–Winkler similarity ≥ 0.85 as a second chance for long words, and ties broken
/// by Jaro–Winkler similarity, then by candidate order.
pub fn suggest<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = word.to_lowercase();
    let max_dist = (word.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, f64, &str)> = None;
    for cand in candidates {
        if cand == word {
            continue;
        }
        let cand_lower = cand.to_lowercase();
        if cand_lower == lower {
            return Some(cand.to_string());
        }
        let dist = strsim::damerau_levenshtein(&lower, &cand_lower);
        let jw = strsim::jaro_winkler(&lower, &cand_lower);
        let near = dist <= max_dist || (jw >= 0.85 && lower.chars().count() >= 5);
        if !near {
            continue;
        }
        let better = match best {
            None => true,
            Some((d, j, _)) => dist < d || (dist == d && jw > j),
        };
        if better {
            best = Some((dist, jw, cand));
        }
    }
    best.map(|(_, _, c)| c.to_string())
}

/// `a, b or c` for messages.
pub fn one_of(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_keys_only() {
        let keys = ["name", "objectives", "optimizer", "oracle", "output"];
        assert_eq!(suggest("objectivs", keys), Some("objectives".into()));
        assert_eq!(suggest("optimiser", keys), Some("optimizer".into()));
        assert_eq!(suggest("OBJECTIVES", keys), Some("objectives".into()));
        assert_eq!(suggest("zzz", keys), None);
        assert_eq!(suggest("Xx", ["Xe", "Zn", "Xa1"]), Some("Xe".into()));
    }

    #[test]
    fn display_matches_contract() {
        let d = Diagnostic {
            file: "campaign.yaml".into(),
            line: 12,
            column: 3,
            key_path: "space.composition.components.Xx".into(),
            message: "unknown element 'Xx'".into(),
            expected: Some("an element symbol, alias or formula".into()),
            suggestion: Some("Xe".into()),
        };
        assert_eq!(
            d.to_string(),
            "campaign.yaml:12:3: space.composition.components.Xx: unknown element 'Xx' \
             (expected an element symbol, alias or formula); did you mean 'Xe'?"
        );
        let e = ConfigError { diagnostics: vec![d.clone(), d] };
        assert!(e.to_string().starts_with("campaign.yaml: 2 problems\n  campaign.yaml:12:3"));
        assert_eq!(one_of(&["a", "b", "c"]), "a, b or c");
    }
}
