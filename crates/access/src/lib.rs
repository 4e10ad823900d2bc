//! Who is calling and what they may do: the identity in a client certificate, and the grants that decide access
//! per system × interface × municipality.

pub mod grants;
pub mod identity;

pub use grants::{AccessControl, Denied, SystemInfo};
pub use identity::{CertificateInfo, PeerIdentity};
