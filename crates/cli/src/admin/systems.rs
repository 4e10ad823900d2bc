//! `snitflade admin systems`: the external systems — registering one for a vendor, linking it to one, uploading its
//! certificate, and urgent closing.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use reqwest::Method;
use serde_json::json;
use snitflade_domain::Kommunekode;

use super::request::{Body, Request, Source, json_body, text, write_body};
use crate::zlpe::parse_municipality;

#[derive(Subcommand, Debug)]
pub(crate) enum SystemCommand {
    /// All external systems with vendor and certificate fingerprints.
    List,
    /// Register a system of a vendor.
    Add {
        /// The system's name (as its certificates and grants name it).
        name: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
    },
    /// Link an existing system to a vendor (the CVR must match its certificates').
    SetVendor {
        /// The system's name.
        name: String,
        /// The vendor's id.
        #[arg(long)]
        vendor: String,
    },
    /// Upload a certificate: a .pem (leaf and chain) or a .zip of .pem files, at most 1 MiB.
    UploadCertificate {
        /// The system's name.
        name: String,
        /// The .pem or .zip file.
        file: PathBuf,
    },
    /// Close all of the system's access at once (in one municipality, or everywhere) and drop its connections.
    UrgentClose {
        /// The system's name.
        name: String,
        /// Why, recorded with the closing.
        #[arg(long)]
        reason: String,
        /// Only there [default: every municipality]; the code, e.g. 0751 or 751.
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
    },
    /// In a test environment: a test certificate for the system, issued over the key of a CSR, or over a key pair
    /// made by the server (its private key is printed this once).
    TestCertificate {
        /// The system's name.
        name: String,
        /// A PKCS#10 certificate signing request (PEM file; `-`: standard input).
        #[arg(long)]
        csr: Option<PathBuf>,
        /// Days the certificate is valid [server default: 730].
        #[arg(long)]
        valid_days: Option<u32>,
    },
    /// The startup package: time-limited access to every standard interface in the test municipalities.
    StartupPackage {
        /// The system's name.
        name: String,
        /// How many months [server default: 6].
        #[arg(long)]
        months: Option<u32>,
    },
}

impl SystemCommand {
    pub(crate) fn request(&self, actor: &Option<String>) -> Request {
        let write = |fields| write_body(actor, fields);
        match self {
            Self::List => Request::get("/api/v1/systems", &[]),
            Self::Add { name, vendor } => Request::new(
                Method::POST,
                "/api/v1/systems",
                &[],
                write(json!({"name": name, "vendor": vendor})),
            ),
            Self::SetVendor { name, vendor } => Request::new(
                Method::PUT,
                "/api/v1/systems/{name}",
                &[name],
                write(json!({"vendor": vendor})),
            ),
            Self::UploadCertificate { name, file } => Request::new(
                Method::POST,
                "/api/v1/systems/{name}/certificates",
                &[name],
                Body::File(file.clone(), certificate_type(file)),
            ),
            Self::UrgentClose {
                name,
                reason,
                municipality,
            } => Request::new(
                Method::POST,
                "/api/v1/systems/{name}/urgent-close",
                &[name],
                write(json!({"reason": reason, "municipality": text(municipality)})),
            ),
            Self::TestCertificate { name, csr, valid_days } => {
                let Body::Json(fields) = json_body(json!({"valid_days": valid_days})) else {
                    unreachable!()
                };
                let body = match csr {
                    Some(file) => Body::Filled(fields, "csr", Source::File(file.clone())),
                    None => Body::Json(fields),
                };
                Request::new(Method::POST, "/api/v1/systems/{name}/test-certificate", &[name], body)
            }
            Self::StartupPackage { name, months } => Request::new(
                Method::POST,
                "/api/v1/systems/{name}/startup-package",
                &[name],
                json_body(json!({"months": months})),
            ),
        }
    }
}

/// The Content-Type of an uploaded certificate file.
fn certificate_type(file: &Path) -> &'static str {
    let zip = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if zip {
        "application/zip"
    } else {
        "application/x-pem-file"
    }
}
