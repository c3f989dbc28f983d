//! Campaign files: YAML in, a validated [`CampaignSpec`] out, or every problem at once.
//!
//! Owns YAML: nothing past `config` sees it. Two stages: `raw` reads serde's YAML tree
//! tolerantly (unknown keys, wrong types, missing keys, out-of-range values), positions come
//! from a span-preserving parse (`spans`), and `validate` assembles the [`CampaignSpec`]
//! and runs the checks that span sections (properties that objectives name, oracle needs,
//! space feasibility through [`crate::space::Space::new`]). Every problem becomes a
//! [`Diagnostic`] with file, line, column, key path, what was expected and, for typos, the
//! nearest valid key. Builds no runtime objects and reads no data files (it only checks that
//! input files exist).
//!
//! **Paths.** Input files named in the config (`space.pool.path`, `surrogate.data`,
//! `surrogate.pretrained`, `oracle.path`) are resolved against the config file's folder, so
//! a campaign folder can be moved as a whole. `output.dir` is *not*: it is kept as written
//! and, when relative, is relative to the working directory (users run `crucible run
//! configs/x.yaml` from the project root and expect `runs/x` there).
//!
//! ```
//! let yaml = "name: demo\nspace:\n  parameters:\n    - {name: x, type: continuous, range: [0, 1]}\n\
//!             properties: {y: {}}\nobjectives: [{property: y, goal: minimize}]\n\
//!             oracle: {kind: function, functions: {y: sphere}}\nbudget: {evaluations: 20}\n";
//! let spec = crucible::config::parse_str(yaml, "demo.yaml", std::path::Path::new(".")).unwrap();
//! assert_eq!(spec.output.dir, std::path::Path::new("runs/demo"));
//! ```
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub mod diagnostics;
pub mod duration;
mod external;
mod raw;
mod read_goals;
mod read_model;
mod read_params;
mod read_run;
mod read_space;
mod spans;
pub mod spec;
mod validate;

#[cfg(test)]
mod tests;

pub use diagnostics::{ConfigError, Diagnostic};
pub use spec::*;

/// A campaign file, loaded and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The validated campaign.
    pub spec: CampaignSpec,
    /// The file as read (what `RUN_DIR/config.yaml` stores).
    pub text: String,
    /// Hex SHA-256 of the canonical config: the parsed YAML re-serialised, so comments,
    /// whitespace and flow/block style do not change it, while any value or key order does.
    pub hash: String,
}

/// Reads, parses and validates the campaign file at `path`; relative input paths in it are
/// resolved against its folder. Errors carry every problem found.
pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::whole_file(&label, format!("cannot read the campaign file: {e}")))?;
    let base = path.parent().unwrap_or(Path::new(""));
    let (spec, value) = validate::campaign(&text, &label, base)?;
    Ok(Loaded { spec, hash: canonical_hash(&value, &text), text })
}

/// Parses and validates campaign YAML held in memory; `file_label` names it in diagnostics
/// and `base_dir` resolves relative input paths.
pub fn parse_str(text: &str, file_label: &str, base_dir: &Path) -> Result<CampaignSpec, ConfigError> {
    validate::campaign(text, file_label, base_dir).map(|(spec, _)| spec)
}

fn canonical_hash(value: &serde_yaml::Value, text: &str) -> String {
    let canonical = serde_yaml::to_string(value).unwrap_or_else(|_| text.to_string());
    format!("{:x}", Sha256::digest(canonical.as_bytes()))
}

/// `p` if absolute, else `base/p`.
fn resolve(base: &Path, p: &str) -> PathBuf {
    let p = Path::new(p);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}
