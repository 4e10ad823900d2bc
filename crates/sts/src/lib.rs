//! KOMBIT Adgangsstyring (SF1514), the part snitflade plays: a Security Token Service that issues a system a
//! token for one service and one municipality (CVR) it holds a grant for, and the checks a service makes of such a
//! token before it acts on it. This crate holds no HTTP and no storage: the STS's key (`keys`), the JWT variant of
//! the token (`jwt`), the SAML assertion (`saml`) and the XML signatures it rests on (`dsig`), the WS-Trust request
//! (`wstrust`), a service call carrying an assertion (`idws`), the privileges a token carries (`privileges`), and why a token is refused (`refusal`).

pub mod assertion;
pub mod dsig;
pub mod idws;
pub mod jwt;
pub mod keys;
pub mod privileges;
pub mod refusal;
pub mod saml;
pub mod wstrust;

pub use keys::StsKey;
pub use refusal::Refusal;

use ring::signature::{self, UnparsedPublicKey};

/// The issuer name of snitflade's STS in the tokens it issues.
pub const ISSUER: &str = "https://snitflade/sts";

/// How long an issued token is valid unless configured otherwise (KOMBIT's: eight hours).
pub const DEFAULT_LIFETIME_SECS: u64 = 8 * 3600;

/// Clock skew allowed between the STS, the caller and the service when validity times are checked.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// A token issuer a service trusts: its certificate's RSA public key.
#[derive(Debug, Clone)]
pub struct TrustedSts {
    /// PKCS#1 `RSAPublicKey` DER, as ring verifies with it.
    rsa_public_key: Vec<u8>,
    /// The certificate's SHA-256.
    pub cert_sha256: [u8; 32],
}

impl TrustedSts {
    /// The RSA key of a certificate (`None` for another kind of key or a certificate that does not parse).
    pub fn from_cert_der(der: &[u8]) -> Option<TrustedSts> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
        let spki = &cert.tbs_certificate.subject_pki;
        if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
            return None;
        }
        let mut cert_sha256 = [0; 32];
        cert_sha256.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, der).as_ref());
        Some(TrustedSts {
            rsa_public_key: spki.subject_public_key.data.to_vec(),
            cert_sha256,
        })
    }

    /// Whether `signature` is this issuer's RSASSA-PSS SHA-256 signature of `message`.
    pub fn verify_pss(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PSS_2048_8192_SHA256, &self.rsa_public_key)
            .verify(message, signature)
            .is_ok()
    }

    /// Whether `signature` is this issuer's RSASSA-PKCS1-v1_5 SHA-256 signature of `message`.
    pub fn verify_pkcs1(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.rsa_public_key)
            .verify(message, signature)
            .is_ok()
    }
}
