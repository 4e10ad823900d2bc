//! The STS's signing key and certificate: an RSA key (KOMBIT's tokens are RSA-signed: RS256 in SAML, PS256 in
//! JWTs) made the first time it is needed and kept in the PKI directory as `sts-key.pem` (mode 0600) with its
//! certificate `sts.pem` — the certificate operators hand to vendors and services trust tokens by.

use anyhow::{Context, Result};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, KeyUsagePurpose, PKCS_RSA_SHA256};
use ring::rand::SystemRandom;
use ring::signature::{self, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use std::path::Path;

/// The key's size in bits.
const BITS: usize = 3072;

/// The STS's key pair and certificate.
pub struct StsKey {
    key: RsaKeyPair,
    /// The certificate's DER.
    pub cert_der: Vec<u8>,
    /// The certificate in PEM, as published.
    pub cert_pem: String,
}

impl std::fmt::Debug for StsKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StsKey")
            .field("cert_sha256", &self.cert_sha256_hex())
            .finish_non_exhaustive()
    }
}

impl StsKey {
    /// The key of `pki_dir`, made and stored now when there is none.
    pub fn load_or_create(pki_dir: &Path) -> Result<StsKey> {
        let (cert_path, key_path) = (pki_dir.join("sts.pem"), pki_dir.join("sts-key.pem"));
        if !key_path.exists() || !cert_path.exists() {
            create(pki_dir).context("making the STS key")?;
        }
        let key_der =
            PrivatePkcs8KeyDer::from_pem_file(&key_path).with_context(|| format!("reading {}", key_path.display()))?;
        let key = RsaKeyPair::from_pkcs8(key_der.secret_pkcs8_der())
            .map_err(|e| anyhow::anyhow!("{} is not an RSA key ring accepts: {e}", key_path.display()))?;
        let cert_pem =
            std::fs::read_to_string(&cert_path).with_context(|| format!("reading {}", cert_path.display()))?;
        let cert_der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
            .with_context(|| format!("{} holds no certificate", cert_path.display()))?
            .to_vec();
        Ok(StsKey {
            key,
            cert_der,
            cert_pem,
        })
    }

    /// An RSASSA-PSS signature with SHA-256 (JWT `PS256`).
    pub fn sign_pss(&self, message: &[u8]) -> Vec<u8> {
        self.sign(&signature::RSA_PSS_SHA256, message)
    }

    /// An RSASSA-PKCS1-v1_5 signature with SHA-256 (XML-DSig `rsa-sha256`).
    pub fn sign_pkcs1(&self, message: &[u8]) -> Vec<u8> {
        self.sign(&signature::RSA_PKCS1_SHA256, message)
    }

    fn sign(&self, padding: &'static dyn signature::RsaEncoding, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; self.key.public().modulus_len()];
        self.key
            .sign(padding, &SystemRandom::new(), message, &mut out)
            .expect("signing with a loaded RSA key");
        out
    }

    /// Lower-case hex SHA-256 of the certificate (how it is named in listings).
    pub fn cert_sha256_hex(&self) -> String {
        hex::encode(ring::digest::digest(&ring::digest::SHA256, &self.cert_der))
    }

    /// The public key as verifiers use it.
    pub fn public(&self) -> crate::TrustedSts {
        crate::TrustedSts::from_cert_der(&self.cert_der).expect("the STS's own certificate")
    }
}

/// Makes the key and a self-signed certificate for it (ten years), the key file private.
fn create(pki_dir: &Path) -> Result<()> {
    let rsa = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, BITS)?;
    let der = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&rsa)?;
    let key = KeyPair::from_pkcs8_der_and_sign_algo(&PrivatePkcs8KeyDer::from(der.as_bytes()), &PKCS_RSA_SHA256)?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name = DistinguishedName::new();
    params.distinguished_name.push(DnType::CountryName, "DK");
    params.distinguished_name.push(DnType::OrganizationName, "snitflade");
    params
        .distinguished_name
        .push(DnType::CommonName, "snitflade STS (Adgangsstyring)");
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let now = jiff::Timestamp::now();
    let year = |y: i16| rcgen::date_time_ymd(i32::from(y), 1, 1);
    let this_year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    params.not_before = year(this_year - 1);
    params.not_after = year(this_year + 10);
    let cert = params.self_signed(&key)?;
    std::fs::create_dir_all(pki_dir)?;
    write_pem(&pki_dir.join("sts-key.pem"), &key.serialize_pem(), true)?;
    write_pem(&pki_dir.join("sts.pem"), &cert.pem(), false)?;
    Ok(())
}

/// Writes a PEM file whole (through a temporary file and a rename), mode 0600 when `private` (a key).
pub fn write_pem(path: &Path, text: &str, private: bool) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_made_once_private_and_loaded_again() {
        let dir = tempfile::tempdir().unwrap();
        let made = StsKey::load_or_create(dir.path()).unwrap();
        let again = StsKey::load_or_create(dir.path()).unwrap();
        assert_eq!(made.cert_der, again.cert_der, "made once");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("sts-key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let signed = made.sign_pss(b"besked");
        assert!(made.public().verify_pss(b"besked", &signed));
        assert!(!made.public().verify_pss(b"en anden besked", &signed));
        assert!(!format!("{made:?}").contains("PRIVATE"));
    }
}
