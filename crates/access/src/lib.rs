//! Who is calling and what they may do: the identity in a client certificate, the verification of uploaded
//! certificates and CRLs, the grants that decide access per system × interface × municipality, and the principals
//! (role and scope) of the admin API.

pub mod certificates;
pub mod fitness;
pub mod grants;
pub mod identity;
pub mod passwords;
pub mod principal;

pub use certificates::{Crl, TrustAnchors, UploadError, VerifiedCertificate};
pub use fitness::{Unfit, check_client_certificate};
pub use grants::{AccessControl, Denied, SystemInfo};
pub use identity::{CertificateInfo, PeerIdentity};
pub use principal::{Credential, Owner, Principal, Role, RoleKind};
