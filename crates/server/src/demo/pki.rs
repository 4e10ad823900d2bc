//! The demo PKI (`pki/` in the data dir, docs/src/operations/data-dir.md): a CA, a server certificate for
//! `localhost`/`127.0.0.1`, and one OCES3-style system certificate per demo system. Created once; an existing PKI is
//! reused as it is.

// Files are written whole (temp file + rename), private keys readable by the owner only — as the STS's key is.
use super::SYSTEMS;
use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SanType,
};
use snitflade_sts::keys::write_pem as write_file;
use std::path::Path;

/// OID 2.5.4.97 organizationIdentifier and 2.5.4.5 serialNumber, as OCES3 system certificates carry them.
const ORGANIZATION_IDENTIFIER: [u64; 4] = [2, 5, 4, 97];
const SERIAL_NUMBER: [u64; 4] = [2, 5, 4, 5];

/// Sets a certificate's validity: from the start of `from` to the start of `until` (UTC).
fn set_validity(p: &mut CertificateParams, from: jiff::civil::Date, until: jiff::civil::Date) {
    let at = |d: jiff::civil::Date| rcgen::date_time_ymd(i32::from(d.year()), d.month() as u8, d.day() as u8);
    p.not_before = at(from);
    p.not_after = at(until);
}

fn yesterday() -> jiff::civil::Date {
    let today = jiff::Zoned::now().date();
    today.yesterday().unwrap_or(today)
}

/// Valid from yesterday for `years` years.
fn validity(p: &mut CertificateParams, years: i16) {
    let from = yesterday();
    let until = jiff::civil::date(from.year() + years, from.month(), from.day().min(28));
    set_validity(p, from, until);
}

/// Creates the demo PKI under `pki_dir` unless its CA already exists.
pub fn ensure(pki_dir: &Path) -> Result<()> {
    if pki_dir.join("ca.pem").exists() {
        return Ok(());
    }
    std::fs::create_dir_all(pki_dir.join("clients"))?;

    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name.push(DnType::CountryName, "DK");
    ca.distinguished_name.push(DnType::OrganizationName, "snitflade demo");
    ca.distinguished_name.push(DnType::CommonName, "snitflade demo CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca, 10);
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut server = CertificateParams::new(vec!["localhost".to_owned()])?;
    server.distinguished_name = DistinguishedName::new();
    server.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse()?));
    server.distinguished_name.push(DnType::CountryName, "DK");
    server.distinguished_name.push(DnType::CommonName, "localhost");
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    validity(&mut server, 3);
    let server_key = KeyPair::generate()?;
    let server_cert = server.signed_by(&server_key, &issuer)?;
    write_file(
        &pki_dir.join("server.pem"),
        &(server_cert.pem() + &ca_cert.pem()),
        false,
    )?;
    write_file(&pki_dir.join("server-key.pem"), &server_key.serialize_pem(), true)?;

    for system in SYSTEMS {
        let mut p = client_params(system.name, system.vendor, system.vendor_cvr)?;
        validity(&mut p, 3);
        let (cert, key) = sign(&p, &issuer)?;
        let dir = pki_dir.join("clients");
        write_file(&dir.join(format!("{}.pem", system.name)), &cert, false)?;
        write_file(&dir.join(format!("{}-key.pem", system.name)), &key, true)?;
    }
    // The CA's key, so that further demo certificates can be issued (`issue_client_certificate`).
    write_file(&pki_dir.join("ca-key.pem"), &issuer.key().serialize_pem(), true)?;
    // The CA last: its presence marks the PKI as complete.
    write_file(&pki_dir.join("ca.pem"), &ca_cert.pem(), false)?;
    Ok(())
}

/// The parameters of an OCES3-style system certificate (C, organizationIdentifier `NTRDK-<CVR>`, O, serialNumber
/// `UI:DK-O:G:<uuid>`, CN; EKU clientAuth, key usage digitalSignature), without validity: rcgen's defaults, valid
/// from 1975 to 4096.
pub fn client_params(system_name: &str, vendor_name: &str, vendor_cvr: &str) -> Result<CertificateParams> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    // A fresh name: `new` starts with a default CN, which would otherwise come first in the subject.
    p.distinguished_name = DistinguishedName::new();
    let dn = &mut p.distinguished_name;
    dn.push(DnType::CountryName, "DK");
    dn.push(
        DnType::CustomDnType(ORGANIZATION_IDENTIFIER.to_vec()),
        DnValue::Utf8String(format!("NTRDK-{vendor_cvr}")),
    );
    dn.push(DnType::OrganizationName, vendor_name);
    dn.push(
        DnType::CustomDnType(SERIAL_NUMBER.to_vec()),
        DnValue::PrintableString(format!("UI:DK-O:G:{}", uuid::Uuid::new_v4()).try_into()?),
    );
    dn.push(DnType::CommonName, system_name);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    Ok(p)
}

/// Signs `p` with a new key: (certificate PEM, private key PEM).
fn sign(p: &CertificateParams, issuer: &Issuer<'_, KeyPair>) -> Result<(String, String)> {
    let key = KeyPair::generate()?;
    let cert = p.signed_by(&key, issuer)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Issues a further OCES3-style system certificate with the demo CA in `pki_dir` (`ca.pem`, `ca-key.pem`), e.g. a
/// renewal or a short-lived one: valid from yesterday until the start of the day `valid_days` from today (UTC), so
/// `valid_days <= 0` gives an expired one (starting a day before it ends). Writes nothing: (certificate PEM, key PEM).
pub fn issue_client_certificate(
    pki_dir: &Path,
    system_name: &str,
    vendor_name: &str,
    vendor_cvr: &str,
    valid_days: i64,
) -> Result<(String, String)> {
    let issuer = demo_ca(pki_dir)?;
    let mut p = client_params(system_name, vendor_name, vendor_cvr)?;
    set_validity_days(&mut p, valid_days)?;
    sign(&p, &issuer)
}

/// Valid from yesterday until the start of the day `valid_days` from today (see [`issue_client_certificate`]).
fn set_validity_days(p: &mut CertificateParams, valid_days: i64) -> Result<()> {
    let today = jiff::Zoned::now().date();
    let until = today
        .checked_add(jiff::Span::new().try_days(valid_days)?)
        .context("valid_days out of range")?;
    let from = yesterday().min(until.yesterday().unwrap_or(until));
    set_validity(p, from, until);
    Ok(())
}

/// Issues an OCES3-style system certificate with the demo CA over the public key of a certificate signing request
/// (PEM; its signature checked, its subject replaced by the one snitflade checks): the certificate PEM. The key never
/// leaves its owner.
pub fn issue_for_csr(
    pki_dir: &Path,
    csr_pem: &str,
    system_name: &str,
    vendor_name: &str,
    vendor_cvr: &str,
    valid_days: i64,
) -> Result<String> {
    let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem).context("reading the CSR")?;
    let issuer = demo_ca(pki_dir)?;
    let mut p = client_params(system_name, vendor_name, vendor_cvr)?;
    set_validity_days(&mut p, valid_days)?;
    Ok(p.signed_by(&csr.public_key, &issuer)?.pem())
}

/// The demo CA in `pki_dir` (`ca.pem`, `ca-key.pem`) as an issuer, to sign certificates of one's own making with
/// (e.g. [`client_params`] changed, signed over any public key).
pub fn demo_ca(pki_dir: &Path) -> Result<Issuer<'static, KeyPair>> {
    let read = |name: &str| {
        let path = pki_dir.join(name);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let key = KeyPair::from_pem(&read("ca-key.pem")?).context("reading the demo CA's key")?;
    Issuer::from_ca_cert_pem(&read("ca.pem")?, key).context("reading the demo CA")
}

/// snitflade's own client certificate for SF1460_A push delivery (`pki/push-client.pem`, `-key.pem`), issued by the
/// demo CA unless it exists. A demo data dir from before this certificate existed gets one if it has the CA's key.
pub fn ensure_push_client(pki_dir: &Path) -> Result<()> {
    let cert = pki_dir.join("push-client.pem");
    if cert.exists() || !pki_dir.join("ca-key.pem").exists() {
        return Ok(());
    }
    // CVR 10000009: a valid mod-11 number standing for the snitflade installation itself.
    let (pem, key) = issue_client_certificate(pki_dir, "snitflade-beskedfordeler", "snitflade", "10000009", 3 * 365)?;
    write_file(&pki_dir.join("push-client-key.pem"), &key, true)?;
    write_file(&cert, &pem, false)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_access::certificates::{TrustAnchors, UploadError, read_bundle, verify_upload};

    #[test]
    fn the_demo_ca_issues_further_verifiable_client_certificates() {
        let dir = tempfile::tempdir().unwrap();
        ensure(dir.path()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("ca-key.pem"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let anchors = TrustAnchors::from_pem_file(&dir.path().join("ca.pem")).unwrap();
        let now = jiff::Timestamp::now();
        let verify = |pem: &str| verify_upload(&read_bundle(pem.as_bytes()).unwrap(), &anchors, &[], now);
        for system in SYSTEMS {
            let pem = std::fs::read_to_string(dir.path().join(format!("clients/{}.pem", system.name))).unwrap();
            let verified = verify(&pem).unwrap();
            assert_eq!(verified.info.identity.cvr.unwrap().to_string(), system.vendor_cvr);
        }

        let (cert, key) =
            issue_client_certificate(dir.path(), "vikarsystem", "Vikarsystemer A/S", "93478878", 10).unwrap();
        assert!(key.contains("PRIVATE KEY"));
        let verified = verify(&cert).unwrap();
        assert_eq!(verified.info.identity.common_name.as_deref(), Some("vikarsystem"));
        assert_eq!(
            verified.info.identity.organisation.as_deref(),
            Some("Vikarsystemer A/S")
        );
        let days_left = (verified.info.not_after - now).get_seconds() / 86_400;
        assert!((8..=11).contains(&days_left), "{days_left}");

        let (expired, _) =
            issue_client_certificate(dir.path(), "vikarsystem", "Vikarsystemer A/S", "93478878", -3).unwrap();
        assert!(matches!(verify(&expired), Err(UploadError::Expired { .. })));
    }
}
