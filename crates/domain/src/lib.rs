//! Pure domain types and rules of snitflade: no IO, no async.
//!
//! Outside input becomes these types once, at the edge; past the edge an invalid value cannot exist.

pub mod absence;
pub mod access_level;
pub mod calendar;
pub mod documents;
pub mod errors;
pub mod fixed;
pub mod hr;
pub mod ids;
pub mod ind01;
pub mod interface;
pub mod json;
pub mod maskintimer;
pub mod municipalities;
pub mod onetime;
pub mod orders;
pub mod payroll;
pub mod payroll_rules;
pub mod prices;
pub mod quotas;
pub mod schedule;

pub use access_level::AccessLevel;
pub use errors::{ErrorStatus, ErrorType};
pub use ids::{Cpr, Cvr, Guid32, IdError, Kommunekode, Pernr};
pub use interface::InterfaceId;
