//! Why a token is refused: one variant per check, each with the Danish text the caller reads in the service's own
//! fault form and a fixed label for the `/metrics` counter, so a vendor can tell which check its client failed.

/// A failed check of a token or of a token request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("Tokenet kan ikke læses: {0}")]
    Malformed(String),
    #[error("Tokenet er ikke signeret af en STS, som servicen har tillid til")]
    NotTrusted,
    #[error("Tokenet er udløbet ({0})")]
    Expired(String),
    #[error("Tokenet er endnu ikke gyldigt ({0})")]
    NotYetValid(String),
    #[error("Tokenet er udstedt til en anden service ({0}), ikke denne ({1})")]
    WrongAudience(String, String),
    #[error("Tokenet er bundet til et andet certifikat end det, kaldet kommer med (holder-of-key)")]
    HolderOfKey,
    #[error("Tokenet (id {0}) er allerede brugt")]
    Replay(String),
    #[error("Systemet har ingen adgang til servicen {service} for CVR {cvr}")]
    NotGranted { service: String, cvr: String },
    #[error("Ukendt service (entityID) {0}")]
    UnknownService(String),
    #[error("Servicen {0} kræver et token fra Adgangsstyring (SF1514); hent et hos STS'en og kald med det")]
    Required(String),
}

/// The labels [`Refusal::check`] answers, for the metrics' documentation and tests.
pub const CHECKS: &[&str] = &[
    "malformed",
    "not_trusted",
    "expired",
    "not_yet_valid",
    "wrong_audience",
    "holder_of_key",
    "replay",
    "not_granted",
    "unknown_service",
    "required",
];

impl Refusal {
    /// The check that failed, as a metrics label.
    pub fn check(&self) -> &'static str {
        match self {
            Refusal::Malformed(_) => "malformed",
            Refusal::NotTrusted => "not_trusted",
            Refusal::Expired(_) => "expired",
            Refusal::NotYetValid(_) => "not_yet_valid",
            Refusal::WrongAudience(..) => "wrong_audience",
            Refusal::HolderOfKey => "holder_of_key",
            Refusal::Replay(_) => "replay",
            Refusal::NotGranted { .. } => "not_granted",
            Refusal::UnknownService(_) => "unknown_service",
            Refusal::Required(_) => "required",
        }
    }
}
