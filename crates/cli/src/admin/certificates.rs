//! `snitflade admin certificates|crls`: the systems' certificates, the ones about to expire, and the certificate
//! revocation lists.

use std::path::PathBuf;

use clap::Subcommand;
use reqwest::Method;

use super::request::{Body, Request, text};

#[derive(Subcommand, Debug)]
pub(crate) enum CertificateCommand {
    /// All certificates with their status.
    List,
    /// Certificates expired or expiring within --days, and the certificates that renew them.
    Warnings {
        /// Days ahead to look [server default: 30].
        #[arg(long)]
        days: Option<u32>,
    },
}

impl CertificateCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::List => Request::get("/api/v1/certificates", &[]),
            Self::Warnings { days } => Request::get("/api/v1/certificates/warnings", &[]).query([("days", text(days))]),
        }
    }
}

#[derive(Subcommand, Debug)]
pub(crate) enum CrlCommand {
    /// The CRLs loaded.
    List,
    /// Load a CRL (DER or PEM); certificates it lists are marked revoked.
    Upload {
        /// The CRL file.
        file: PathBuf,
    },
}

impl CrlCommand {
    pub(crate) fn request(&self) -> Request {
        match self {
            Self::List => Request::get("/api/v1/crls", &[]),
            Self::Upload { file } => Request::new(
                Method::POST,
                "/api/v1/crls",
                &[],
                Body::File(file.clone(), "application/pkix-crl"),
            ),
        }
    }
}
