//! The integration landscape (issue 8; docs/src/landscape.md): which systems a municipality runs, which interfaces
//! connect them, how strongly each relation binds (dependency class), what happens to it when a system is phased out
//! (transition decision), and what KOMBIT requires of a supplier's system.
//!
//! This crate is pure: no database, no HTTP. The server stores a [`Landscape`] and adds snitflade's own traffic
//! (derived from the grants) before it asks the questions answered here.

pub mod csv_export;
pub mod data;
pub mod diagram;
pub mod exchange;
pub mod impact;
pub mod model;
pub mod naming;
pub mod own_traffic;
pub mod requirements;

pub use data::{CATALOGUE, DEMO, DataError};
pub use model::*;
