//! [`ChemError`]: everything that can go wrong when reading a formula or building a composition.
//!
//! Positions are 0-based *character* indices into the formula as given (not byte offsets), so
//! `"CuSO4·5H2O"` reports the `5` at position 6 even though `·` takes two bytes in UTF-8.

use thiserror::Error;

/// Errors of the chemistry module: formula syntax, unknown elements and invalid amounts.
///
/// Every variant that comes from a formula carries the 0-based character `position` of the
/// offending text, and the text itself, so a caller can point at it.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ChemError {
    /// The formula is empty or only whitespace.
    #[error("empty formula")]
    Empty,
    /// The formula is a missing-value marker such as `NaN`, `nan`, `inf`, `None`, `null` or `N/A`
    /// (as written by spreadsheets and data-frame libraries), not a composition.
    #[error("'{text}' is a missing-value marker, not a formula")]
    MissingValue {
        /// The formula as given, trimmed.
        text: String,
    },
    /// A capitalised symbol in a formula that is not one of the 118 elements.
    #[error("unknown element '{symbol}' at position {position}")]
    UnknownElement {
        /// The symbol as written.
        symbol: String,
        /// Character position of its first letter.
        position: usize,
    },
    /// A symbol passed directly (not inside a formula) that is not an element.
    #[error("unknown element symbol '{symbol}'{}", suggest(.suggestion))]
    UnknownSymbol {
        /// The symbol as given.
        symbol: String,
        /// The correctly capitalised element, when there is one (`"fe"` → `Fe`).
        suggestion: Option<&'static str>,
    },
    /// An element symbol written without its capital letter, e.g. `fe2o3`.
    #[error("element symbols start with an uppercase letter: '{text}' at position {position}{}", suggest(.suggestion))]
    LowercaseSymbol {
        /// The lowercase text (one or two letters).
        text: String,
        /// Character position of its first letter.
        position: usize,
        /// The element it probably means (`fe` → `Fe`), if any.
        suggestion: Option<&'static str>,
    },
    /// An opening bracket that is never closed, e.g. `Fe2(O3`.
    #[error("unclosed '{open}' at position {position}")]
    UnclosedBracket {
        /// `(` or `[`.
        open: char,
        /// Character position of the opening bracket.
        position: usize,
    },
    /// A closing bracket without a matching opening one, e.g. `Fe2O3)`.
    #[error("unmatched '{close}' at position {position}")]
    UnmatchedBracket {
        /// `)` or `]`.
        close: char,
        /// Character position of the closing bracket.
        position: usize,
    },
    /// A closing bracket of the wrong kind, e.g. `(Fe2]`.
    #[error("'{close}' at position {position} does not match '{open}' at position {open_position}")]
    MismatchedBracket {
        /// The opening bracket.
        open: char,
        /// Character position of the opening bracket.
        open_position: usize,
        /// The closing bracket found.
        close: char,
        /// Character position of the closing bracket.
        position: usize,
    },
    /// A bracket pair with nothing inside, e.g. `Fe()`.
    #[error("empty group '{open}{close}' at position {position}")]
    EmptyGroup {
        /// The opening bracket.
        open: char,
        /// The closing bracket.
        close: char,
        /// Character position of the opening bracket.
        position: usize,
    },
    /// A negative amount, e.g. `Fe-1` in a formula (position given) or a negative amount passed
    /// to [`Composition::from_amounts`](crate::chem::Composition::from_amounts) (no position).
    #[error("negative amount '{text}'{}", at(.position))]
    NegativeAmount {
        /// The amount as written (or formatted), with the element when known, e.g. `Fe: -1`.
        text: String,
        /// Character position of the minus sign, for formulas.
        position: Option<usize>,
    },
    /// An amount that is not a finite number (NaN, infinite, or too large for `f64`).
    #[error("invalid amount '{text}'{}: amounts must be finite numbers", at(.position))]
    InvalidAmount {
        /// The amount as written (or formatted), with the element when known.
        text: String,
        /// Character position of the amount, for formulas.
        position: Option<usize>,
    },
    /// A character that cannot appear at this point of a formula.
    #[error("unexpected '{found}' at position {position}: expected {expected}")]
    UnexpectedChar {
        /// The character found.
        found: char,
        /// Its character position.
        position: usize,
        /// What the parser expected instead, in words.
        expected: &'static str,
    },
    /// The formula ends too early, e.g. after a hydrate dot: `CuSO4·`.
    #[error("formula ends at position {position}: expected {expected}")]
    UnexpectedEnd {
        /// Character position just past the end.
        position: usize,
        /// What the parser expected, in words.
        expected: &'static str,
    },
    /// All amounts are zero (or no element was given), e.g. `Fe0O0`.
    #[error("composition has zero total amount")]
    ZeroTotal,
}

fn at(position: &Option<usize>) -> String {
    position.map(|p| format!(" at position {p}")).unwrap_or_default()
}

fn suggest(suggestion: &Option<&'static str>) -> String {
    suggestion.map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default()
}
