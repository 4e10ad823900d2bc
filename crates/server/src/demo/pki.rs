//! The demo PKI (CONTRACT §2): a CA, a server certificate for `localhost`/`127.0.0.1`, and one OCES3-style
//! system certificate per demo system. Created once; an existing PKI is reused as it is.

use super::SYSTEMS;
use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, SanType,
};
use std::path::Path;

/// OID 2.5.4.97 organizationIdentifier and 2.5.4.5 serialNumber, as OCES3 system certificates carry them.
const ORGANIZATION_IDENTIFIER: [u64; 4] = [2, 5, 4, 97];
const SERIAL_NUMBER: [u64; 4] = [2, 5, 4, 5];

fn validity(p: &mut CertificateParams, years: i16) {
    let today = jiff::Zoned::now().date();
    let from = today.yesterday().unwrap_or(today);
    p.not_before = rcgen::date_time_ymd(i32::from(from.year()), from.month() as u8, from.day() as u8);
    p.not_after = rcgen::date_time_ymd(
        i32::from(from.year() + years),
        from.month() as u8,
        from.day().min(28) as u8,
    );
}

/// Writes `contents` to `path` atomically (temp file + rename), private keys readable by the owner only.
fn write_file(path: &Path, contents: &str, private: bool) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, contents).with_context(|| format!("writing {}", tmp.display()))?;
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
        let mut p = CertificateParams::new(Vec::<String>::new())?;
        // A fresh name: `new` starts with a default CN, which would otherwise come first in the subject.
        p.distinguished_name = DistinguishedName::new();
        let dn = &mut p.distinguished_name;
        dn.push(DnType::CountryName, "DK");
        dn.push(
            DnType::CustomDnType(ORGANIZATION_IDENTIFIER.to_vec()),
            DnValue::Utf8String(format!("NTRDK-{}", system.vendor_cvr)),
        );
        dn.push(DnType::OrganizationName, system.vendor);
        dn.push(
            DnType::CustomDnType(SERIAL_NUMBER.to_vec()),
            DnValue::PrintableString(format!("UI:DK-O:G:{}", uuid::Uuid::new_v4()).try_into()?),
        );
        dn.push(DnType::CommonName, system.name);
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        validity(&mut p, 3);
        let key = KeyPair::generate()?;
        let cert = p.signed_by(&key, &issuer)?;
        let dir = pki_dir.join("clients");
        write_file(&dir.join(format!("{}.pem", system.name)), &cert.pem(), false)?;
        write_file(
            &dir.join(format!("{}-key.pem", system.name)),
            &key.serialize_pem(),
            true,
        )?;
    }
    // The CA last: its presence marks the PKI as complete.
    write_file(&pki_dir.join("ca.pem"), &ca_cert.pem(), false)?;
    Ok(())
}
