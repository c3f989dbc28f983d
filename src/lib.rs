//! crucible: inverse design of materials.
//!
//! A campaign (YAML, [`config`]) defines a design [`space`] over compositions, structures and
//! processing parameters, the properties wanted, and how candidates are evaluated ([`oracle`]).
//! The [`campaign`] loop asks a [`strategy`] for candidates, evaluates them and records every
//! candidate in an append-only Parquet log ([`store`]). Chemistry ([`chem`]) is pure and shared
//! by everything above it.
#![deny(missing_docs)]

pub mod acquisition;
pub mod bo;
pub mod campaign;
pub mod chem;
pub mod config;
pub mod error;
pub mod evo;
pub mod goals;
pub mod gp;
pub mod io;
pub mod oracle;
pub mod pareto;
pub mod rank;
pub mod report;
pub mod rng;
pub mod space;
pub mod stop;
pub mod store;
pub mod strategy;
pub mod surrogate;

pub use error::Error;
