//! Whether a certificate is fit to authenticate a client: one rule, applied both when a certificate is uploaded
//! and in the TLS handshake of the services listener. The certificate must name `clientAuth` in its extended key
//! usage (an absent EKU is not enough), allow `digitalSignature` if it has a key usage at all, carry an RSA key of
//! at least 2048 bits or an ECDSA key on P-256 or P-384, and be signed with a matching strength (RSA PKCS#1 v1.5
//! or PSS, or ECDSA, with SHA-256, SHA-384 or SHA-512).
//!
//! Chain, validity and revocation are not this rule's business: webpki checks those (and, as RFC 5280 lets it,
//! accepts a certificate without EKU, does not look at an end entity's key usage, and never checks the end
//! entity's own key size — hence this rule).

use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_HASH_SHA256, OID_NIST_HASH_SHA384,
    OID_NIST_HASH_SHA512, OID_PKCS1_RSAENCRYPTION, OID_PKCS1_RSASSAPSS, OID_PKCS1_SHA256WITHRSA,
    OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA, OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384,
    OID_SIG_ECDSA_WITH_SHA512, OID_SIG_ED25519, Oid,
};
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::SignatureAlgorithm;

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;

/// Why a certificate may not authenticate a client. The texts complete "certifikatet må ikke bruges til
/// klientgodkendelse: …".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfit {
    #[error("certifikatet kan ikke læses: {0}")]
    Unreadable(String),
    #[error("udvidet nøglebrug (EKU) mangler clientAuth (certifikatet har ingen EKU)")]
    NoExtendedKeyUsage,
    #[error("udvidet nøglebrug (EKU) mangler clientAuth (har: {0})")]
    NoClientAuth(String),
    #[error("nøglebrug (keyUsage) tillader ikke digitalSignature (har: {0})")]
    NoDigitalSignature(String),
    #[error("RSA-nøglen er på {0} bit; mindst {MIN_RSA_BITS} bit kræves")]
    WeakRsaKey(usize),
    #[error("ECDSA-nøglen er på kurven {0}; kun P-256 og P-384 accepteres")]
    UnsupportedCurve(String),
    #[error("nøgletypen {0} accepteres ikke; kun RSA (mindst {MIN_RSA_BITS} bit) og ECDSA P-256/P-384")]
    UnsupportedKey(String),
    #[error(
        "signaturalgoritmen {0} accepteres ikke; kun RSA (PKCS#1 v1.5 eller PSS) og ECDSA med SHA-256, SHA-384 \
         eller SHA-512"
    )]
    WeakSignature(String),
}

/// Checks that the DER certificate `der` may authenticate a client (see the module's rule). The first reason
/// found is returned.
pub fn check_client_certificate(der: &[u8]) -> Result<(), Unfit> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|e| Unfit::Unreadable(e.to_string()))?;
    check_extended_key_usage(&cert)?;
    check_key_usage(&cert)?;
    check_key(&cert)?;
    check_signature(&cert)
}

fn check_extended_key_usage(cert: &X509Certificate<'_>) -> Result<(), Unfit> {
    let eku = cert
        .extended_key_usage()
        .map_err(|e| Unfit::Unreadable(format!("udvidet nøglebrug (EKU): {e}")))?
        .ok_or(Unfit::NoExtendedKeyUsage)?
        .value;
    if eku.client_auth {
        return Ok(());
    }
    let mut present: Vec<String> = [
        (eku.any, "anyExtendedKeyUsage"),
        (eku.server_auth, "serverAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_owned())
    .collect();
    present.extend(eku.other.iter().map(Oid::to_id_string));
    Err(Unfit::NoClientAuth(listing(present)))
}

fn check_key_usage(cert: &X509Certificate<'_>) -> Result<(), Unfit> {
    let Some(ku) = cert
        .key_usage()
        .map_err(|e| Unfit::Unreadable(format!("nøglebrug (keyUsage): {e}")))?
    else {
        return Ok(());
    };
    let ku = ku.value;
    if ku.digital_signature() {
        return Ok(());
    }
    let present = [
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name.to_owned())
    .collect();
    Err(Unfit::NoDigitalSignature(listing(present)))
}

fn listing(names: Vec<String>) -> String {
    if names.is_empty() {
        "ingen".into()
    } else {
        names.join(", ")
    }
}

/// The bit length of a big-endian unsigned integer (leading zero bytes and bits not counted).
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|b| *b != 0) {
        Some(i) => (bytes.len() - i - 1) * 8 + (8 - bytes[i].leading_zeros() as usize),
        None => 0,
    }
}

fn check_key(cert: &X509Certificate<'_>) -> Result<(), Unfit> {
    let spki = cert.public_key();
    let algorithm = &spki.algorithm.algorithm;
    if *algorithm == OID_PKCS1_RSAENCRYPTION {
        let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
            return Err(Unfit::Unreadable("RSA-nøglen kan ikke læses".into()));
        };
        let bits = bit_length(rsa.modulus);
        return if bits >= MIN_RSA_BITS {
            Ok(())
        } else {
            Err(Unfit::WeakRsaKey(bits))
        };
    }
    if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == OID_EC_P256 || c == OID_NIST_EC_P384 => Ok(()),
            Some(c) => Err(Unfit::UnsupportedCurve(curve_name(&c))),
            None => Err(Unfit::UnsupportedCurve("(ikke angivet)".into())),
        };
    }
    Err(Unfit::UnsupportedKey(key_name(algorithm)))
}

fn curve_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.3.132.0.35" => "P-521".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.33" => "P-224".into(),
        other => other.into(),
    }
}

fn key_name(oid: &Oid<'_>) -> String {
    if *oid == OID_SIG_ED25519 {
        return "Ed25519".into();
    }
    match oid.to_id_string().as_str() {
        "1.3.101.113" => "Ed448".into(),
        "1.2.840.10040.4.1" => "DSA".into(),
        "1.2.840.113549.1.1.10" => "RSASSA-PSS".into(),
        other => other.into(),
    }
}

fn is_strong_hash(oid: &Oid<'_>) -> bool {
    [OID_NIST_HASH_SHA256, OID_NIST_HASH_SHA384, OID_NIST_HASH_SHA512]
        .iter()
        .any(|h| h == oid)
}

fn check_signature(cert: &X509Certificate<'_>) -> Result<(), Unfit> {
    let algorithm = &cert.signature_algorithm;
    let oid = &algorithm.algorithm;
    let strong = [
        OID_PKCS1_SHA256WITHRSA,
        OID_PKCS1_SHA384WITHRSA,
        OID_PKCS1_SHA512WITHRSA,
        OID_SIG_ECDSA_WITH_SHA256,
        OID_SIG_ECDSA_WITH_SHA384,
        OID_SIG_ECDSA_WITH_SHA512,
    ]
    .iter()
    .any(|s| s == oid);
    if strong {
        return Ok(());
    }
    if *oid == OID_PKCS1_RSASSAPSS {
        return match SignatureAlgorithm::try_from(algorithm) {
            Ok(SignatureAlgorithm::RSASSA_PSS(params)) if is_strong_hash(params.hash_algorithm_oid()) => Ok(()),
            Ok(SignatureAlgorithm::RSASSA_PSS(params)) => Err(Unfit::WeakSignature(format!(
                "RSASSA-PSS med hash {}",
                params.hash_algorithm_oid().to_id_string()
            ))),
            _ => Err(Unfit::WeakSignature("RSASSA-PSS (parametrene kan ikke læses)".into())),
        };
    }
    Err(Unfit::WeakSignature(signature_name(oid)))
}

fn signature_name(oid: &Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224".into(),
        "1.3.101.112" => "Ed25519".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.840.10040.4.3" => "dsa-with-SHA1".into(),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
        PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519, SubjectPublicKeyInfo,
    };
    use rustls_pki_types::pem::PemObject;

    /// RSA public keys of 1024 and 2048 bits (SubjectPublicKeyInfo, made with `openssl genrsa`): only their public
    /// halves are needed, the certificates being signed by the test CA.
    const RSA_1024: &str = include_str!("../tests/data/rsa-1024-public.pem");
    const RSA_2048: &str = include_str!("../tests/data/rsa-2048-public.pem");
    /// A self-signed RSA-2048 certificate signed with sha1WithRSAEncryption (`openssl req -x509 -sha1`), with
    /// clientAuth and digitalSignature.
    const SHA1_SIGNED: &str = include_str!("../tests/data/sha1-signed.pem");

    fn ca() -> Issuer<'static, KeyPair> {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
        Issuer::new(p, KeyPair::generate().unwrap())
    }

    fn params(eku: Vec<ExtendedKeyUsagePurpose>, ku: Vec<KeyUsagePurpose>) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.extended_key_usages = eku;
        p.key_usages = ku;
        p
    }

    fn good() -> CertificateParams {
        params(
            vec![ExtendedKeyUsagePurpose::ClientAuth],
            vec![KeyUsagePurpose::DigitalSignature],
        )
    }

    fn check(p: &CertificateParams, key: &impl rcgen::PublicKeyData) -> Result<(), Unfit> {
        check_client_certificate(p.signed_by(key, &ca()).unwrap().der())
    }

    fn generated(alg: &'static rcgen::SignatureAlgorithm) -> KeyPair {
        KeyPair::generate_for(alg).unwrap()
    }

    #[test]
    fn a_client_certificate_with_a_strong_key_is_fit() {
        for alg in [&PKCS_ECDSA_P256_SHA256, &PKCS_ECDSA_P384_SHA384] {
            assert_eq!(check(&good(), &generated(alg)), Ok(()));
        }
        let rsa = SubjectPublicKeyInfo::from_pem(RSA_2048).unwrap();
        assert_eq!(check(&good(), &rsa), Ok(()));
        // Key usage is optional; when present, digitalSignature may come with others.
        assert_eq!(
            check(
                &params(vec![ExtendedKeyUsagePurpose::ClientAuth], vec![]),
                &generated(&PKCS_ECDSA_P256_SHA256)
            ),
            Ok(())
        );
        let both = params(
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth],
            vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment],
        );
        assert_eq!(check(&both, &generated(&PKCS_ECDSA_P256_SHA256)), Ok(()));
    }

    #[test]
    fn the_extended_key_usage_must_name_client_auth() {
        let key = generated(&PKCS_ECDSA_P256_SHA256);
        let none = params(vec![], vec![KeyUsagePurpose::DigitalSignature]);
        let e = check(&none, &key).unwrap_err();
        assert_eq!(e, Unfit::NoExtendedKeyUsage);
        assert!(
            e.to_string().contains("udvidet nøglebrug (EKU) mangler clientAuth"),
            "{e}"
        );
        let server = params(
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::Any],
            vec![KeyUsagePurpose::DigitalSignature],
        );
        assert_eq!(
            check(&server, &key),
            Err(Unfit::NoClientAuth("anyExtendedKeyUsage, serverAuth".into()))
        );
    }

    #[test]
    fn a_key_usage_must_allow_digital_signature() {
        let key = generated(&PKCS_ECDSA_P256_SHA256);
        let cert_sign = params(
            vec![ExtendedKeyUsagePurpose::ClientAuth],
            vec![KeyUsagePurpose::KeyCertSign],
        );
        let e = check(&cert_sign, &key).unwrap_err();
        assert_eq!(e, Unfit::NoDigitalSignature("keyCertSign".into()));
        assert!(e.to_string().contains("digitalSignature"), "{e}");
    }

    #[test]
    fn weak_or_unsupported_keys_are_unfit() {
        let rsa = SubjectPublicKeyInfo::from_pem(RSA_1024).unwrap();
        let e = check(&good(), &rsa).unwrap_err();
        assert_eq!(e, Unfit::WeakRsaKey(1024));
        assert!(e.to_string().contains("1024 bit"), "{e}");
        assert_eq!(
            check(&good(), &generated(&PKCS_ED25519)),
            Err(Unfit::UnsupportedKey("Ed25519".into()))
        );
    }

    #[test]
    fn a_weak_signature_is_unfit() {
        let der = rustls_pki_types::CertificateDer::from_pem_slice(SHA1_SIGNED.as_bytes()).unwrap();
        assert_eq!(
            check_client_certificate(&der),
            Err(Unfit::WeakSignature("sha1WithRSAEncryption".into()))
        );
        // An Ed25519 CA's signature is outside the rule too (the key is P-256).
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ed_ca = Issuer::new(p, generated(&PKCS_ED25519));
        let cert = good().signed_by(&generated(&PKCS_ECDSA_P256_SHA256), &ed_ca).unwrap();
        assert_eq!(
            check_client_certificate(cert.der()),
            Err(Unfit::WeakSignature("Ed25519".into()))
        );
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0, 0x80, 0]), 16);
        assert_eq!(bit_length(&[0x7f, 0]), 15);
        assert_eq!(bit_length(&[0, 0]), 0);
        assert!(matches!(check_client_certificate(b"junk"), Err(Unfit::Unreadable(_))));
    }
}
