//! `snitflade admin sts`: the Security Token Service (Adgangsstyring, SF1514) as operators hand it to vendors.

use clap::Subcommand;

use super::request::Request;

#[derive(Subcommand, Debug)]
pub(crate) enum StsCommand {
    /// The services that accept tokens (their entityIDs), the token endpoint and the STS's signing certificate.
    Services,
}

impl StsCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::Services => Request::get("/api/v1/sts/services", &[]),
        }
    }
}
