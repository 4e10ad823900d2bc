//! `snitflade admin sts`: the Security Token Service (Adgangsstyring, SF1514) as operators hand it to vendors.

use clap::Subcommand;
use clap::builder::PossibleValuesParser;
use reqwest::Method;
use serde_json::json;

use super::request::{Request, json_body};

#[derive(Subcommand, Debug)]
pub(crate) enum StsCommand {
    /// The services that accept tokens (their entityIDs), the token endpoint and the STS's signing certificate.
    Services,
    /// In a test environment: a token for your system that is wrong on purpose, to prove your client handles the
    /// refusal.
    TestToken {
        /// The system's name.
        system: String,
        /// The hex SHA-256 of the system's certificate the token is bound to.
        #[arg(long)]
        certificate_sha256: String,
        /// The municipality's CVR.
        #[arg(long)]
        cvr: String,
        /// The service's entityID [server default: the first that accepts tokens].
        #[arg(long)]
        entity_id: Option<String>,
        /// What is wrong with the token.
        #[arg(long, value_parser = PossibleValuesParser::new(["none", "expired", "wrong_audience", "bad_signature"]))]
        flaw: String,
    },
}

impl StsCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::Services => Request::get("/api/v1/sts/services", &[]),
            Self::TestToken {
                system,
                certificate_sha256,
                cvr,
                entity_id,
                flaw,
            } => Request::new(
                Method::POST,
                "/api/v1/systems/{name}/test-token",
                &[system],
                json_body(json!({
                    "certificate_sha256": certificate_sha256, "cvr": cvr, "entity_id": entity_id, "flaw": flaw,
                })),
            ),
        }
    }
}
