//! Certificate uploads (issue 6): reading the public part of an external system's OCES3 certificate with its chain
//! (PEM, DER, or a ZIP holding such files), verifying the chain to the configured trust anchors at a given time,
//! applying CRLs, and requiring the OCES3 identity (`NTRDK-<CVR>`, `UI:DK-O:G:<uuid>`) and fitness for client
//! authentication ([`crate::fitness`], the rule the TLS handshake applies too). Reading the identity itself is
//! [`CertificateInfo::from_der`]'s job; this module decides whether a certificate may be accepted.

use crate::fitness::{Unfit, check_client_certificate};
use crate::identity::CertificateInfo;
use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, SignatureVerificationAlgorithm, TrustAnchor, UnixTime,
};
use std::io::{Cursor, Read};
use std::path::Path;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_parser::prelude::*;
use x509_parser::revocation_list::CertificateRevocationList;

/// The largest upload read, whether PEM, DER or ZIP.
pub const MAX_UPLOAD_BYTES: usize = 1 << 20;
/// The most entries a ZIP upload may have (files, directories and others alike).
pub const MAX_ZIP_ENTRIES: usize = 32;
/// The largest uncompressed size of one ZIP entry, enforced while decompressing.
pub const MAX_ENTRY_BYTES: u64 = 256 << 10;
/// The most distinct certificates in one upload: a leaf and its chain need a handful.
pub const MAX_CERTIFICATES: usize = 32;

/// Why an uploaded certificate (or CRL) is refused; each is a 422 answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("filen kan ikke læses: {0}")]
    Unreadable(String),
    #[error("filen er for stor: {0}")]
    TooLarge(String),
    #[error("filen indeholder ingen certifikater (PEM eller DER, evt. som .pem/.crt/.cer-filer i en zip-fil)")]
    NoCertificate,
    #[error("filen indeholder kun CA-certifikater, intet certifikat til selve systemet")]
    NoEndEntity,
    #[error("filen indeholder {0} certifikater til systemer; der må kun være ét, med dets kæde")]
    SeveralEndEntities(usize),
    #[error("certifikatkæden kan ikke verificeres til en betroet udsteder: {0}")]
    Untrusted(String),
    #[error("certifikatet er udløbet: det var gyldigt til {not_after}")]
    Expired { not_after: jiff::Timestamp },
    #[error("certifikatet er endnu ikke gyldigt: det er gyldigt fra {not_before}")]
    NotYetValid { not_before: jiff::Timestamp },
    #[error("certifikatet er spærret (revokeret)")]
    Revoked,
    #[error("certifikatet må ikke bruges til klientgodkendelse: {0}")]
    Unfit(Unfit),
    #[error("certifikatet har intet gyldigt CVR-nummer (organizationIdentifier NTRDK-<CVR>)")]
    MissingCvr,
    #[error("certifikatet har intet serialNumber på formen UI:DK-O:G:<uuid>")]
    MissingSerialNumber,
    #[error("spærrelisten (CRL) kan ikke bruges: {0}")]
    BadCrl(String),
}

use UploadError::*;

/// The CA certificates that uploaded chains must lead to (in the demo: `<data-dir>/pki/ca.pem`).
#[derive(Debug, Clone, Default)]
pub struct TrustAnchors {
    certs: Vec<CertificateDer<'static>>,
    anchors: Vec<TrustAnchor<'static>>,
}

impl TrustAnchors {
    /// Every `CERTIFICATE` block in `pem`; other blocks are ignored. No blocks gives an empty set, which trusts nothing.
    pub fn from_pem(pem: &[u8]) -> Result<Self, UploadError> {
        let mut result = Self::default();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| Unreadable(format!("ugyldig PEM: {e}")))?;
            let anchor = webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| Unreadable(format!("ugyldigt CA-certifikat: {e}")))?
                .to_owned();
            result.anchors.push(anchor);
            result.certs.push(cert);
        }
        Ok(result)
    }

    pub fn from_pem_file(path: &Path) -> Result<Self, UploadError> {
        let pem = std::fs::read(path).map_err(|e| Unreadable(format!("{}: {e}", path.display())))?;
        Self::from_pem(&pem)
    }

    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The anchors' certificates, DER.
    pub fn certificates(&self) -> &[CertificateDer<'static>] {
        &self.certs
    }
}

/// An uploaded certificate that passed [`verify_upload`]: what snitflade records about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCertificate {
    pub info: CertificateInfo,
    /// The issuer's distinguished name, as [`CertificateInfo::subject`] is written.
    pub issuer: String,
    /// The certificate's serial number, lower-case hex without leading zero bytes.
    pub serial_hex: String,
    pub leaf_der: Vec<u8>,
    /// The leaf, then the intermediates of the verified path up to (not including) the trust anchor, as PEM.
    pub chain_pem: String,
}

/// A certificate revocation list, read by [`read_crl`]. Its signature is not checked by reading it: see
/// [`crl_signed_by`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    pub issuer: String,
    pub this_update: jiff::Timestamp,
    /// Required: a CRL without nextUpdate is refused (RFC 5280 §5.1.2.5; webpki cannot use it either).
    pub next_update: jiff::Timestamp,
    /// The revoked certificates' serial numbers, written as [`VerifiedCertificate::serial_hex`].
    pub revoked_serials_hex: Vec<String>,
    pub der: Vec<u8>,
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn is_zip(bytes: &[u8]) -> bool {
    // A local file header, or the end of central directory record of an empty archive.
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The certificates in one file: PEM (every `CERTIFICATE` block) or a single DER certificate.
fn read_certificates(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, UploadError> {
    let certs = if looks_like_pem(bytes) {
        CertificateDer::pem_slice_iter(bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Unreadable(format!("ugyldig PEM: {e}")))?
    } else {
        vec![CertificateDer::from(bytes.to_vec())]
    };
    for cert in &certs {
        match X509Certificate::from_der(cert) {
            Ok(([], _)) => {}
            Ok(_) => return Err(Unreadable("der er data efter certifikatet".into())),
            Err(e) => return Err(Unreadable(format!("hverken et PEM- eller DER-certifikat: {e}"))),
        }
    }
    Ok(certs)
}

/// Whether a ZIP entry is read: `.pem`, `.crt` or `.cer` files, not macOS's `__MACOSX/` and `._` companions.
fn is_certificate_entry(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    let file = name.rsplit('/').next().unwrap_or(&name);
    !name.starts_with("__macosx/")
        && !file.starts_with("._")
        && [".pem", ".crt", ".cer"].iter().any(|ext| file.ends_with(ext))
}

fn read_zip(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, UploadError> {
    let unreadable = |e: zip::result::ZipError| Unreadable(format!("zip-filen kan ikke læses: {e}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(TooLarge(format!(
            "zip-filen har {} filer; højst {MAX_ZIP_ENTRIES} er tilladt",
            archive.len()
        )));
    }
    let mut certs = Vec::new();
    for index in 0..archive.len() {
        let name = match archive.name_for_index(index) {
            Some(name) => name.map_err(unreadable)?.into_owned(),
            None => continue,
        };
        if name.ends_with('/') || !is_certificate_entry(&name) {
            continue;
        }
        let too_large = || TooLarge(format!("{name} fylder udpakket over {MAX_ENTRY_BYTES} byte"));
        let mut entry = archive.by_index(index).map_err(unreadable)?;
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(too_large());
        }
        // The declared size is the sender's word (zip refuses to inflate past it, too): the limit also holds while
        // decompressing.
        let mut data = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| Unreadable(format!("{name} kan ikke pakkes ud: {e}")))?;
        if data.len() as u64 > MAX_ENTRY_BYTES {
            return Err(too_large());
        }
        certs.extend(read_certificates(&data).map_err(|e| match e {
            Unreadable(why) => Unreadable(format!("{name}: {why}")),
            other => other,
        })?);
    }
    Ok(certs)
}

/// Reads an upload: PEM text (one or more certificates, leaf and chain in any order), one DER certificate, or a ZIP
/// holding `.pem`/`.crt`/`.cer` files (PEM or DER; other files and directories are ignored, nothing is written to
/// disk). Duplicates are dropped; the order is kept.
pub fn read_bundle(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, UploadError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(TooLarge(format!(
            "filen fylder {} byte; højst {MAX_UPLOAD_BYTES} er tilladt",
            bytes.len()
        )));
    }
    let certs = if is_zip(bytes) {
        read_zip(bytes)?
    } else {
        read_certificates(bytes)?
    };
    let mut unique: Vec<CertificateDer<'static>> = Vec::new();
    for cert in certs {
        if !unique.contains(&cert) {
            unique.push(cert);
        }
    }
    match unique.len() {
        0 => Err(NoCertificate),
        n if n > MAX_CERTIFICATES => Err(TooLarge(format!(
            "filen indeholder {n} certifikater; højst {MAX_CERTIFICATES} er tilladt"
        ))),
        _ => Ok(unique),
    }
}

/// The end-entity certificate of a bundle (not a CA, issuing none of the others) and the rest.
fn split_end_entity<'a>(
    bundle: &'a [CertificateDer<'a>],
) -> Result<(&'a CertificateDer<'a>, Vec<CertificateDer<'a>>), UploadError> {
    let parsed = bundle
        .iter()
        .map(|der| X509Certificate::from_der(der).map(|(_, cert)| cert))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Unreadable(e.to_string()))?;
    let issues_another = |i: usize| {
        parsed
            .iter()
            .enumerate()
            .any(|(j, other)| j != i && other.issuer().as_raw() == parsed[i].subject().as_raw())
    };
    let leaves: Vec<usize> = (0..parsed.len())
        .filter(|&i| !parsed[i].is_ca() && !issues_another(i))
        .collect();
    match leaves[..] {
        [] if bundle.is_empty() => Err(NoCertificate),
        [] => Err(NoEndEntity),
        [leaf] => {
            let rest = bundle
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != leaf)
                .map(|(_, der)| der.clone())
                .collect();
            Ok((&bundle[leaf], rest))
        }
        _ => Err(SeveralEndEntities(leaves.len())),
    }
}

/// Every signature algorithm webpki's *ring* backend offers.
static SIGNATURE_ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] = {
    use webpki::ring::*;
    &[
        ECDSA_P256_SHA256,
        ECDSA_P256_SHA384,
        ECDSA_P384_SHA256,
        ECDSA_P384_SHA384,
        ED25519,
        RSA_PKCS1_2048_8192_SHA256,
        RSA_PKCS1_2048_8192_SHA384,
        RSA_PKCS1_2048_8192_SHA512,
        RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
        RSA_PKCS1_3072_8192_SHA384,
        RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    ]
};

fn unix_time(t: jiff::Timestamp) -> UnixTime {
    UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(t.as_second()).unwrap_or(0),
    ))
}

fn timestamp(seconds: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(seconds).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn from_unix_time(t: UnixTime) -> jiff::Timestamp {
    timestamp(i64::try_from(t.as_secs()).unwrap_or(i64::MAX))
}

/// Why webpki refused a path, as an [`UploadError`].
fn refused(e: webpki::Error) -> UploadError {
    use webpki::Error as E;
    match e {
        E::CertExpired { not_after, .. } => Expired {
            not_after: from_unix_time(not_after),
        },
        E::CertNotValidYet { not_before, .. } => NotYetValid {
            not_before: from_unix_time(not_before),
        },
        E::CertRevoked => Revoked,
        E::UnknownIssuer => {
            Untrusted("ingen betroet udsteder har udstedt kæden (mangler et mellemliggende certifikat i filen?)".into())
        }
        // The leaf's EKU is checked before (fitness): this is an intermediate's.
        E::RequiredEkuNotFoundContext(_) => Untrusted(
            "et mellemliggende certifikat i kæden må ikke udstede certifikater til klientgodkendelse \
             (extendedKeyUsage uden clientAuth)"
                .into(),
        ),
        E::InvalidCrlSignatureForPublicKey
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_)
        | E::IssuerNotCrlSigner => BadCrl(e.to_string()),
        other => Untrusted(other.to_string()),
    }
}

/// Verifies `leaf` for client authentication at `now` along a path through `intermediates` to one of `anchors`,
/// checking every certificate on the path against `crls` (the newest CRL of an issuer decides; a certificate whose
/// issuer has no CRL here passes). Returns the path's intermediates, nearest the leaf first.
fn verify_path(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &TrustAnchors,
    crls: &[Crl],
    now: jiff::Timestamp,
) -> Result<Vec<CertificateDer<'static>>, UploadError> {
    if anchors.is_empty() {
        return Err(Untrusted("der er ingen betroede udstedere sat op".into()));
    }
    let end_entity = EndEntityCert::try_from(leaf).map_err(|e| Unreadable(e.to_string()))?;
    let mut newest_first: Vec<&Crl> = crls.iter().collect();
    newest_first.sort_by_key(|crl| std::cmp::Reverse(crl.this_update));
    let crls = newest_first
        .into_iter()
        .map(|crl| BorrowedCertRevocationList::from_der(&crl.der).map(CertRevocationList::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| BadCrl(e.to_string()))?;
    let crls: Vec<&CertRevocationList<'_>> = crls.iter().collect();
    let revocation = RevocationOptionsBuilder::new(&crls).ok().map(|options| {
        options
            .with_depth(RevocationCheckDepth::Chain)
            .with_status_policy(UnknownStatusPolicy::Allow)
            // A CRL past its nextUpdate still tells which certificates were revoked.
            .with_expiration_policy(ExpirationPolicy::Ignore)
            .build()
    });
    let path = end_entity
        .verify_for_usage(
            SIGNATURE_ALGORITHMS,
            &anchors.anchors,
            intermediates,
            unix_time(now),
            KeyUsage::client_auth(),
            revocation,
            None,
        )
        .map_err(refused)?;
    Ok(path
        .intermediate_certificates()
        .map(|cert| cert.der().into_owned())
        .collect())
}

/// `UI:DK-O:G:` and a UUID in its hyphenated form.
fn is_oces3_serial_number(value: &str) -> bool {
    value.strip_prefix("UI:DK-O:G:").is_some_and(|uuid| {
        uuid.len() == 36
            && uuid.char_indices().all(|(i, c)| match i {
                8 | 13 | 18 | 23 => c == '-',
                _ => c.is_ascii_hexdigit(),
            })
    })
}

/// A serial number's DER content bytes as lower-case hex, without the leading zero bytes of the sign.
fn serial_hex(raw: &[u8]) -> String {
    let start = raw.iter().position(|b| *b != 0).unwrap_or(raw.len().saturating_sub(1));
    hex::encode(&raw[start..])
}

fn pem(der: &[u8]) -> String {
    let base64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for start in (0..base64.len()).step_by(64) {
        out.push_str(&base64[start..(start + 64).min(base64.len())]);
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// Verifies an upload read by [`read_bundle`]: exactly one end-entity certificate, fit for client authentication
/// ([`check_client_certificate`]: checked first, so its reason is the one given), valid at `now` through the
/// bundle's other certificates to one of `anchors`, not revoked by `crls` (see [`crl_signed_by`] for which CRLs to
/// pass), carrying `NTRDK-<CVR>` and `UI:DK-O:G:<uuid>`.
pub fn verify_upload(
    bundle: &[CertificateDer<'_>],
    anchors: &TrustAnchors,
    crls: &[Crl],
    now: jiff::Timestamp,
) -> Result<VerifiedCertificate, UploadError> {
    let (leaf, others) = split_end_entity(bundle)?;
    check_client_certificate(leaf).map_err(UploadError::Unfit)?;
    let intermediates = verify_path(leaf, &others, anchors, crls, now)?;
    let info = CertificateInfo::from_der(leaf).map_err(|e| Unreadable(e.to_string()))?;
    if info.identity.cvr.is_none() {
        return Err(MissingCvr);
    }
    if !info
        .identity
        .serial_number
        .as_deref()
        .is_some_and(is_oces3_serial_number)
    {
        return Err(MissingSerialNumber);
    }
    let (_, cert) = X509Certificate::from_der(leaf).map_err(|e| Unreadable(e.to_string()))?;
    Ok(VerifiedCertificate {
        issuer: cert.issuer().to_string(),
        serial_hex: serial_hex(cert.raw_serial()),
        chain_pem: std::iter::once(leaf)
            .chain(&intermediates)
            .map(|der| pem(der))
            .collect(),
        leaf_der: leaf.to_vec(),
        info,
    })
}

/// Whether `crls` revoke `leaf` or one of the intermediates on its path to `anchors`: for re-checking stored
/// certificates when a new CRL arrives (`read_bundle(chain_pem)` gives the leaf, then the intermediates). Only a
/// path that otherwise verifies at `now` can be found revoked: an expired or no longer trusted certificate answers
/// false, its status being that.
pub fn is_revoked(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    anchors: &TrustAnchors,
    crls: &[Crl],
    now: jiff::Timestamp,
) -> bool {
    !crls.is_empty() && matches!(verify_path(leaf, intermediates, anchors, crls, now), Err(Revoked))
}

/// Reads a CRL, PEM (`X509 CRL`) or DER.
pub fn read_crl(bytes: &[u8]) -> Result<Crl, UploadError> {
    let der = if looks_like_pem(bytes) {
        CertificateRevocationListDer::from_pem_slice(bytes)
            .map_err(|e| BadCrl(format!("ugyldig PEM: {e}")))?
            .to_vec()
    } else {
        bytes.to_vec()
    };
    // webpki must be able to use it when verifying.
    BorrowedCertRevocationList::from_der(&der).map_err(|e| BadCrl(e.to_string()))?;
    let (_, crl) = CertificateRevocationList::from_der(&der).map_err(|e| BadCrl(e.to_string()))?;
    let next_update = crl.next_update().ok_or_else(|| BadCrl("nextUpdate mangler".into()))?;
    Ok(Crl {
        issuer: crl.issuer().to_string(),
        this_update: timestamp(crl.last_update().timestamp()),
        next_update: timestamp(next_update.timestamp()),
        revoked_serials_hex: crl
            .iter_revoked_certificates()
            .map(|revoked| serial_hex(revoked.raw_serial()))
            .collect(),
        der,
    })
}

/// Whether `crl` is signed by one of `anchors` or `extra_issuers` (whose subject is the CRL's issuer and which may
/// sign CRLs). `extra_issuers` must already be trusted, e.g. the intermediates of chains that [`verify_upload`]
/// accepted: this does not verify them.
pub fn crl_signed_by(crl: &Crl, anchors: &TrustAnchors, extra_issuers: &[CertificateDer<'_>]) -> bool {
    let Ok((_, parsed)) = CertificateRevocationList::from_der(&crl.der) else {
        return false;
    };
    anchors.certs.iter().chain(extra_issuers).any(|issuer| {
        let Ok((_, cert)) = X509Certificate::from_der(issuer) else {
            return false;
        };
        cert.subject().as_raw() == parsed.issuer().as_raw()
            && cert.key_usage().ok().flatten().is_none_or(|ku| ku.value.crl_sign())
            && parsed.verify_signature(cert.public_key()).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        BasicConstraints, Certificate, CertificateParams, CertificateRevocationListParams, DistinguishedName, DnType,
        DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams,
        SerialNumber, date_time_ymd,
    };
    use std::io::Write;
    use std::slice::from_ref;
    use zip::CompressionMethod;
    use zip::write::SimpleFileOptions;

    const CVR: &str = "29189730";
    const SERIAL_NUMBER: &str = "UI:DK-O:G:5b9fd5a4-0e7c-4a38-9a2f-111111111111";

    struct Ca {
        cert: Certificate,
        issuer: Issuer<'static, KeyPair>,
    }

    /// A CA named `name`: a root, or an intermediate under `parent`.
    fn ca(name: &str, parent: Option<&Ca>) -> Ca {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = DistinguishedName::new();
        p.distinguished_name.push(DnType::CountryName, "DK");
        p.distinguished_name.push(DnType::CommonName, name);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = match parent {
            Some(parent) => p.signed_by(&key, &parent.issuer),
            None => p.self_signed(&key),
        }
        .unwrap();
        Ca {
            cert,
            issuer: Issuer::new(p, key),
        }
    }

    /// An OCES3-style system certificate as the demo issues them, with the given subject attributes and validity.
    fn leaf_with(
        issuer: &Ca,
        cvr: Option<&str>,
        serial_number: Option<&str>,
        validity: Option<(i32, i32)>,
        usage: ExtendedKeyUsagePurpose,
    ) -> Certificate {
        leaf_params(cvr, serial_number, validity, usage)
            .signed_by(&KeyPair::generate().unwrap(), &issuer.issuer)
            .unwrap()
    }

    /// The parameters of [`leaf_with`]'s certificate.
    fn leaf_params(
        cvr: Option<&str>,
        serial_number: Option<&str>,
        validity: Option<(i32, i32)>,
        usage: ExtendedKeyUsagePurpose,
    ) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = DistinguishedName::new();
        let dn = &mut p.distinguished_name;
        dn.push(DnType::CountryName, "DK");
        if let Some(cvr) = cvr {
            dn.push(
                DnType::CustomDnType(vec![2, 5, 4, 97]),
                DnValue::Utf8String(format!("NTRDK-{cvr}")),
            );
        }
        dn.push(DnType::OrganizationName, "Leverandør A/S");
        if let Some(serial_number) = serial_number {
            dn.push(
                DnType::CustomDnType(vec![2, 5, 4, 5]),
                DnValue::PrintableString(serial_number.try_into().unwrap()),
            );
        }
        dn.push(DnType::CommonName, "vikarsystem");
        p.extended_key_usages = vec![usage];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if let Some((from, until)) = validity {
            p.not_before = date_time_ymd(from, 1, 1);
            p.not_after = date_time_ymd(until, 1, 1);
        }
        p
    }

    fn leaf(issuer: &Ca) -> Certificate {
        leaf_with(
            issuer,
            Some(CVR),
            Some(SERIAL_NUMBER),
            None,
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }

    struct Pki {
        root: Ca,
        intermediate: Ca,
        leaf: Certificate,
    }

    fn pki() -> Pki {
        let root = ca("test root", None);
        let intermediate = ca("test intermediate", Some(&root));
        let leaf = leaf(&intermediate);
        Pki {
            root,
            intermediate,
            leaf,
        }
    }

    impl Pki {
        fn anchors(&self) -> TrustAnchors {
            TrustAnchors::from_pem(self.root.cert.pem().as_bytes()).unwrap()
        }

        /// Intermediate first: the order of a bundle must not matter.
        fn bundle_pem(&self) -> String {
            self.intermediate.cert.pem() + &self.leaf.pem()
        }

        fn verify(&self, pem: &str, crls: &[Crl]) -> Result<VerifiedCertificate, UploadError> {
            verify_upload(
                &read_bundle(pem.as_bytes())?,
                &self.anchors(),
                crls,
                jiff::Timestamp::now(),
            )
        }
    }

    fn raw_serial(cert: &Certificate) -> Vec<u8> {
        X509Certificate::from_der(cert.der()).unwrap().1.raw_serial().to_vec()
    }

    /// A CRL by `ca` revoking `revoked`, issued at the start of `year`.
    fn crl_at(ca: &Ca, revoked: &[&Certificate], year: i32) -> Crl {
        let params = CertificateRevocationListParams {
            this_update: date_time_ymd(year, 1, 1),
            next_update: date_time_ymd(year + 1, 1, 1),
            crl_number: SerialNumber::from(u64::try_from(year).unwrap()),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|cert| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&raw_serial(cert)),
                    revocation_time: date_time_ymd(year, 1, 1),
                    reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        read_crl(params.signed_by(&ca.issuer).unwrap().pem().unwrap().as_bytes()).unwrap()
    }

    fn crl(ca: &Ca, revoked: &[&Certificate]) -> Crl {
        crl_at(ca, revoked, 2024)
    }

    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, contents) in entries {
            if name.ends_with('/') {
                writer.add_directory(*name, SimpleFileOptions::default()).unwrap();
                continue;
            }
            let method = if name.ends_with(".cer") {
                CompressionMethod::Stored
            } else {
                CompressionMethod::Deflated
            };
            writer
                .start_file(*name, SimpleFileOptions::default().compression_method(method))
                .unwrap();
            writer.write_all(contents).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn a_pem_bundle_with_its_chain_is_accepted() {
        let pki = pki();
        let verified = pki.verify(&pki.bundle_pem(), &[]).unwrap();
        assert_eq!(verified.info.identity.cvr.unwrap().to_string(), CVR);
        assert_eq!(verified.info.identity.serial_number.as_deref(), Some(SERIAL_NUMBER));
        assert!(verified.issuer.contains("test intermediate"), "{}", verified.issuer);
        assert_eq!(verified.leaf_der, pki.leaf.der().to_vec());
        assert_eq!(verified.serial_hex, serial_hex(&raw_serial(&pki.leaf)));
        assert!(!verified.serial_hex.starts_with("00"));
        assert_eq!(
            read_bundle(verified.chain_pem.as_bytes()).unwrap(),
            vec![pki.leaf.der().clone(), pki.intermediate.cert.der().clone()]
        );
    }

    #[test]
    fn the_root_in_the_bundle_is_not_part_of_the_recorded_chain() {
        let pki = pki();
        let verified = pki.verify(&(pki.root.cert.pem() + &pki.bundle_pem()), &[]).unwrap();
        assert_eq!(verified.chain_pem, pki.leaf.pem() + &pki.intermediate.cert.pem());
    }

    #[test]
    fn a_zip_with_the_chain_is_accepted() {
        let pki = pki();
        let upload = zip(&[
            ("certifikat/", b""),
            ("certifikat/leaf.PEM", pki.leaf.pem().as_bytes()),
            ("certifikat/intermediate.cer", pki.intermediate.cert.der()),
            ("certifikat/README.txt", b"not a certificate"),
            ("__MACOSX/certifikat/._leaf.PEM", b"resource fork"),
        ]);
        let bundle = read_bundle(&upload).unwrap();
        assert_eq!(bundle.len(), 2);
        let verified = verify_upload(&bundle, &pki.anchors(), &[], jiff::Timestamp::now()).unwrap();
        assert_eq!(verified.leaf_der, pki.leaf.der().to_vec());
    }

    #[test]
    fn a_leaf_from_an_unknown_ca_is_refused() {
        let pki = pki();
        let stranger = ca("test intermediate", Some(&ca("test root", None)));
        let foreign = leaf(&stranger);
        let err = pki.verify(&(stranger.cert.pem() + &foreign.pem()), &[]).unwrap_err();
        assert!(matches!(err, Untrusted(_)), "{err}");
        // Our own leaf without its intermediate cannot be verified either.
        assert!(matches!(pki.verify(&pki.leaf.pem(), &[]), Err(Untrusted(_))));
        // Nor can anything when no anchors are set up.
        let bundle = read_bundle(pki.bundle_pem().as_bytes()).unwrap();
        let none = TrustAnchors::from_pem(b"").unwrap();
        assert!(none.is_empty());
        assert!(matches!(
            verify_upload(&bundle, &none, &[], jiff::Timestamp::now()),
            Err(Untrusted(_))
        ));
    }

    #[test]
    fn an_expired_or_not_yet_valid_certificate_is_refused() {
        let pki = pki();
        let usage = ExtendedKeyUsagePurpose::ClientAuth;
        let expired = leaf_with(
            &pki.intermediate,
            Some(CVR),
            Some(SERIAL_NUMBER),
            Some((2020, 2021)),
            usage.clone(),
        );
        let err = pki
            .verify(&(pki.intermediate.cert.pem() + &expired.pem()), &[])
            .unwrap_err();
        assert_eq!(
            err,
            Expired {
                not_after: "2021-01-01T00:00:00Z".parse().unwrap()
            }
        );
        assert!(err.to_string().contains("2021-01-01"), "{err}");
        let future = leaf_with(
            &pki.intermediate,
            Some(CVR),
            Some(SERIAL_NUMBER),
            Some((2200, 2201)),
            usage,
        );
        let err = pki
            .verify(&(pki.intermediate.cert.pem() + &future.pem()), &[])
            .unwrap_err();
        assert!(matches!(err, NotYetValid { .. }), "{err}");
    }

    #[test]
    fn a_certificate_without_the_oces3_identity_or_for_servers_is_refused() {
        let pki = pki();
        let chain = |leaf: Certificate| pki.intermediate.cert.pem() + &leaf.pem();
        let client = || ExtendedKeyUsagePurpose::ClientAuth;
        let no_cvr = leaf_with(&pki.intermediate, None, Some(SERIAL_NUMBER), None, client());
        assert_eq!(pki.verify(&chain(no_cvr), &[]), Err(MissingCvr));
        let bad_cvr = leaf_with(&pki.intermediate, Some("12345678"), Some(SERIAL_NUMBER), None, client());
        assert_eq!(pki.verify(&chain(bad_cvr), &[]), Err(MissingCvr));
        let no_serial = leaf_with(&pki.intermediate, Some(CVR), None, None, client());
        assert_eq!(pki.verify(&chain(no_serial), &[]), Err(MissingSerialNumber));
        let not_uuid = leaf_with(&pki.intermediate, Some(CVR), Some("UI:DK-O:G:1234"), None, client());
        assert_eq!(pki.verify(&chain(not_uuid), &[]), Err(MissingSerialNumber));
        let server = leaf_with(
            &pki.intermediate,
            Some(CVR),
            Some(SERIAL_NUMBER),
            None,
            ExtendedKeyUsagePurpose::ServerAuth,
        );
        assert_eq!(
            pki.verify(&chain(server), &[]),
            Err(Unfit(crate::fitness::Unfit::NoClientAuth("serverAuth".into())))
        );
    }

    #[test]
    fn a_certificate_unfit_for_client_authentication_is_refused_with_the_reason() {
        use crate::fitness::Unfit as U;
        let pki = pki();
        let unfit = |change: &dyn Fn(&mut CertificateParams), key: &dyn rcgen::PublicKeyData| {
            let mut p = leaf_params(
                Some(CVR),
                Some(SERIAL_NUMBER),
                None,
                ExtendedKeyUsagePurpose::ClientAuth,
            );
            change(&mut p);
            let cert = p.signed_by(&PublicKey(key), &pki.intermediate.issuer).unwrap();
            pki.verify(&(pki.intermediate.cert.pem() + &cert.pem()), &[])
        };
        let key = KeyPair::generate().unwrap();
        let err = unfit(&|p| p.extended_key_usages.clear(), &key).unwrap_err();
        assert_eq!(err, Unfit(U::NoExtendedKeyUsage));
        assert_eq!(
            err.to_string(),
            "certifikatet må ikke bruges til klientgodkendelse: udvidet nøglebrug (EKU) mangler clientAuth \
             (certifikatet har ingen EKU)"
        );
        let err = unfit(&|p| p.key_usages = vec![KeyUsagePurpose::KeyCertSign], &key).unwrap_err();
        assert_eq!(err, Unfit(U::NoDigitalSignature("keyCertSign".into())));
        let rsa = rcgen::SubjectPublicKeyInfo::from_pem(include_str!("../tests/data/rsa-1024-public.pem")).unwrap();
        assert_eq!(unfit(&|_| {}, &rsa), Err(Unfit(U::WeakRsaKey(1024))));
        // The same certificate with a fit key passes.
        assert!(unfit(&|_| {}, &key).is_ok());
    }

    /// A public key as rcgen signs it into a certificate.
    struct PublicKey<'a>(&'a dyn rcgen::PublicKeyData);

    impl rcgen::PublicKeyData for PublicKey<'_> {
        fn der_bytes(&self) -> &[u8] {
            self.0.der_bytes()
        }

        fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
            self.0.algorithm()
        }
    }

    #[test]
    fn a_bundle_needs_exactly_one_end_entity() {
        let pki = pki();
        let other = leaf(&pki.intermediate);
        assert_eq!(
            pki.verify(&(pki.bundle_pem() + &other.pem()), &[]),
            Err(SeveralEndEntities(2))
        );
        assert_eq!(
            pki.verify(&(pki.root.cert.pem() + &pki.intermediate.cert.pem()), &[]),
            Err(NoEndEntity)
        );
    }

    #[test]
    fn a_crl_revoking_the_leaf_or_its_intermediate_refuses_it() {
        let pki = pki();
        let bundle = read_bundle(pki.bundle_pem().as_bytes()).unwrap();
        let intermediates = &bundle[..1];
        let now = jiff::Timestamp::now();
        let revoked = |crls: &[Crl]| is_revoked(pki.leaf.der(), intermediates, &pki.anchors(), crls, now);

        let revoking = crl(&pki.intermediate, &[&pki.leaf]);
        assert_eq!(revoking.revoked_serials_hex, vec![serial_hex(&raw_serial(&pki.leaf))]);
        assert!(revoking.issuer.contains("test intermediate"));
        assert_eq!(revoking.this_update, "2024-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(revoking.next_update, "2025-01-01T00:00:00Z".parse().unwrap());
        assert_eq!(pki.verify(&pki.bundle_pem(), from_ref(&revoking)), Err(Revoked));
        assert!(revoked(from_ref(&revoking)));

        let other = leaf(&pki.intermediate);
        let not_revoking = crl(&pki.intermediate, &[&other]);
        assert!(pki.verify(&pki.bundle_pem(), from_ref(&not_revoking)).is_ok());
        assert!(!revoked(from_ref(&not_revoking)));
        assert!(!revoked(&[]));

        let intermediate_revoked = crl(&pki.root, &[&pki.intermediate.cert]);
        assert_eq!(pki.verify(&pki.bundle_pem(), &[intermediate_revoked]), Err(Revoked));

        // The newest CRL of an issuer decides, whatever the order they are given in.
        let newer_revoking = crl_at(&pki.intermediate, &[&pki.leaf], 2025);
        assert!(revoked(&[not_revoking.clone(), newer_revoking]));
        let newer_not_revoking = crl_at(&pki.intermediate, &[], 2025);
        assert!(!revoked(&[newer_not_revoking, revoking]));
    }

    #[test]
    fn a_crl_is_read_from_der_too() {
        let pki = pki();
        let pem = crl(&pki.intermediate, &[&pki.leaf]);
        assert_eq!(read_crl(&pem.der).unwrap(), pem);
        assert!(matches!(read_crl(b"not a crl"), Err(BadCrl(_))));
        assert!(matches!(
            read_crl(b"-----BEGIN X509 CRL-----\n!!!\n-----END X509 CRL-----\n"),
            Err(BadCrl(_))
        ));
    }

    #[test]
    fn a_crl_must_be_signed_by_a_trusted_issuer() {
        let pki = pki();
        let anchors = pki.anchors();
        let intermediate = pki.intermediate.cert.der().clone();
        assert!(crl_signed_by(&crl(&pki.root, &[]), &anchors, &[]));
        let by_intermediate = crl(&pki.intermediate, &[]);
        assert!(!crl_signed_by(&by_intermediate, &anchors, &[]));
        assert!(crl_signed_by(&by_intermediate, &anchors, from_ref(&intermediate)));

        // Same names, other keys: a forgery.
        let forger = ca("test root", None);
        let forged_intermediate = ca("test intermediate", Some(&forger));
        assert!(!crl_signed_by(&crl(&forger, &[]), &anchors, from_ref(&intermediate)));
        let forged = crl(&forged_intermediate, &[&pki.leaf]);
        assert!(!crl_signed_by(&forged, &anchors, &[intermediate]));
        // Were it passed anyway, verification would not trust it.
        assert!(matches!(pki.verify(&pki.bundle_pem(), &[forged]), Err(BadCrl(_))));
    }

    #[test]
    fn oversized_uploads_and_zip_bombs_are_refused() {
        let pki = pki();
        let huge = vec![b'A'; MAX_UPLOAD_BYTES + 1];
        assert!(matches!(read_bundle(&huge), Err(TooLarge(_))));

        // Compresses to about a kilobyte, unpacks past the entry limit.
        let bomb = vec![b'\n'; usize::try_from(MAX_ENTRY_BYTES).unwrap() + 1];
        let upload = zip(&[("leaf.pem", pki.leaf.pem().as_bytes()), ("bomb.pem", &bomb)]);
        assert!(upload.len() < 4096);
        assert!(matches!(read_bundle(&upload), Err(TooLarge(_))));

        // The same bomb declaring a small size in its local and central headers.
        let mut lying = zip(&[("bomb.pem", &bomb)]);
        for (signature, offset) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
            let at = lying.windows(4).position(|w| w == signature).unwrap() + offset;
            lying[at..at + 4].copy_from_slice(&1000u32.to_le_bytes());
        }
        assert!(matches!(read_bundle(&lying), Err(TooLarge(_) | Unreadable(_))));

        let names: Vec<String> = (0..=MAX_ZIP_ENTRIES).map(|i| format!("{i}.txt")).collect();
        let many: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        assert!(matches!(read_bundle(&zip(&many)), Err(TooLarge(_))));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(read_bundle(b"not a certificate"), Err(Unreadable(_))));
        assert!(matches!(read_bundle(b""), Err(Unreadable(_))));
        let pki = pki();
        let trailing = [pki.leaf.der().as_ref(), b"trailing"].concat();
        assert!(matches!(read_bundle(&trailing), Err(Unreadable(_))));
        assert_eq!(read_bundle(pki.leaf.der()).unwrap(), vec![pki.leaf.der().clone()]);
        assert!(matches!(read_bundle(b"PK\x03\x04garbage"), Err(Unreadable(_))));
        let key_only = KeyPair::generate().unwrap().serialize_pem();
        assert_eq!(read_bundle(key_only.as_bytes()), Err(NoCertificate));
        assert_eq!(read_bundle(&zip(&[("README.txt", b"hello")])), Err(NoCertificate));
        assert_eq!(read_bundle(&zip(&[])), Err(NoCertificate));
        let broken = zip(&[(
            "leaf.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )]);
        assert!(matches!(read_bundle(&broken), Err(Unreadable(why)) if why.starts_with("leaf.pem: ")));
        assert!(matches!(
            TrustAnchors::from_pem(b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"),
            Err(Unreadable(_))
        ));
    }
}
