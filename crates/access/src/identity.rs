//! The identity carried by an OCES3-style certificate: leaf SHA-256, CVR from `organizationIdentifier`
//! (`NTRDK-<CVR>`), `serialNumber` (`UI:DK-O:G:<uuid>`), organisation and common name.

use snitflade_domain::Cvr;
use x509_parser::prelude::*;

/// OID 2.5.4.97, organizationIdentifier.
const ORGANIZATION_IDENTIFIER: &str = "2.5.4.97";

/// Who is on the other end of a services connection, as proven by its certificate in the TLS handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// Lower-case hex SHA-256 of the leaf certificate's DER: the key grants are looked up by.
    pub fingerprint: String,
    pub cvr: Option<Cvr>,
    pub serial_number: Option<String>,
    pub organisation: Option<String>,
    pub common_name: Option<String>,
}

/// Everything snitflade records about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    pub identity: PeerIdentity,
    pub subject: String,
    pub not_before: jiff::Timestamp,
    pub not_after: jiff::Timestamp,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("certifikatet kan ikke læses: {0}")]
    Unreadable(String),
}

fn attr(name: &X509Name<'_>, oid: &str) -> Option<String> {
    name.iter_attributes()
        .find(|a| a.attr_type().to_id_string() == oid)
        .and_then(|a| a.as_str().ok())
        .map(str::to_owned)
}

pub fn sha256_hex(der: &[u8]) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, der))
}

impl CertificateInfo {
    /// Reads a DER certificate. It does not verify anything: the TLS layer has already verified the chain.
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertificateError::Unreadable(e.to_string()))?;
        let subject = cert.subject();
        let cvr = attr(subject, ORGANIZATION_IDENTIFIER)
            .and_then(|v| v.strip_prefix("NTRDK-").map(str::to_owned))
            .and_then(|v| Cvr::parse(&v).ok());
        let ts = |t: ASN1Time| jiff::Timestamp::from_second(t.timestamp()).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Ok(Self {
            identity: PeerIdentity {
                fingerprint: sha256_hex(der),
                cvr,
                serial_number: attr(subject, "2.5.4.5"),
                organisation: subject
                    .iter_organization()
                    .next()
                    .and_then(|a| a.as_str().ok())
                    .map(str::to_owned),
                common_name: subject
                    .iter_common_name()
                    .next()
                    .and_then(|a| a.as_str().ok())
                    .map(str::to_owned),
            },
            subject: subject.to_string(),
            not_before: ts(cert.validity().not_before),
            not_after: ts(cert.validity().not_after),
        })
    }
}

impl PeerIdentity {
    pub fn from_der(der: &[u8]) -> Result<Self, CertificateError> {
        CertificateInfo::from_der(der).map(|c| c.identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{CertificateParams, DnType, DnValue, KeyPair};

    #[test]
    fn reads_an_oces3_style_subject() {
        let mut p = CertificateParams::new(vec![]).unwrap();
        p.distinguished_name.push(DnType::CountryName, "DK");
        p.distinguished_name.push(
            DnType::CustomDnType(vec![2, 5, 4, 97]),
            DnValue::Utf8String("NTRDK-29189730".into()),
        );
        p.distinguished_name.push(DnType::OrganizationName, "Leverandør A/S");
        p.distinguished_name.push(
            DnType::CustomDnType(vec![2, 5, 4, 5]),
            DnValue::PrintableString("UI:DK-O:G:5b9fd5a4-0e7c-4a38-9a2f-111111111111".try_into().unwrap()),
        );
        p.distinguished_name.push(DnType::CommonName, "vikarsystem");
        let key = KeyPair::generate().unwrap();
        let cert = p.self_signed(&key).unwrap();
        let info = CertificateInfo::from_der(cert.der()).unwrap();
        assert_eq!(info.identity.cvr.unwrap().to_string(), "29189730");
        assert_eq!(
            info.identity.serial_number.as_deref(),
            Some("UI:DK-O:G:5b9fd5a4-0e7c-4a38-9a2f-111111111111")
        );
        assert_eq!(info.identity.common_name.as_deref(), Some("vikarsystem"));
        assert_eq!(info.identity.organisation.as_deref(), Some("Leverandør A/S"));
        assert_eq!(info.identity.fingerprint.len(), 64);
        assert!(info.not_after > info.not_before);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(CertificateInfo::from_der(b"not a certificate").is_err());
    }
}
