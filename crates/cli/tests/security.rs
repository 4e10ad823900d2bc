//! Access to the services (docs/src/interfaces/conventions.md): the TLS handshake refuses connections without a
//! certificate from the trusted CA; systems without the grant for the interface or the municipality get HTTP 403 with a
//! Client fault.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::*;
use reqwest::StatusCode;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use snitflade_bench::{Registration, client_from_config, client_without_certificate, mtls_client, registration_xml};

/// A client that trusts the CA of `trust_dir` and presents `system`'s certificate from `cert_dir`.
fn client_trusting(trust_dir: &Path, cert_dir: &Path, system: &str) -> reqwest::Client {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(trust_dir.join("pki/ca.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let clients = cert_dir.join("pki/clients");
    let certs: Vec<_> = CertificateDer::pem_file_iter(clients.join(format!("{system}.pem")))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(clients.join(format!("{system}-key.pem"))).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .unwrap();
    client_from_config(config).unwrap()
}

/// Posts a registration with `client` and asserts the TLS handshake refused it: a transport error, no HTTP status.
async fn assert_handshake_refused(client: &reqwest::Client, url: &str, reg: &Registration, who: &str) {
    match client.post(url).body(registration_xml(reg)).send().await {
        Ok(r) => panic!("{who} got an HTTP answer: {}", r.status()),
        Err(e) => assert!(e.status().is_none(), "{who}: {e:?}"),
    }
}

async fn nothing_stored(s: &Server, ex_ident: &str) {
    assert!(s.admin.registrations_for(ex_ident).await.is_empty(), "registered");
    assert!(s.admin.errors_for(ex_ident).await.is_empty(), "kept in the error table");
}

#[tokio::test]
async fn a_connection_without_a_client_certificate_fails_in_the_handshake() {
    let s = Server::start().await;
    let client = client_without_certificate(&s.data_dir()).unwrap();
    let reg = valid_registration();
    for url in [s.ws_url(REGISTRATION), s.ws_url(REGISTRATION) + "?wsdl"] {
        assert_handshake_refused(&client, &url, &reg, "a client without a certificate").await;
    }
    let result = client.get(s.ws_url(REGISTRATION) + "?wsdl").send().await;
    assert!(result.is_err(), "WSDL without a client certificate: {result:?}");
    nothing_stored(&s, &reg.ex_ident).await;
    s.assert_healthy().await;
    // The listener still serves a proper client.
    s.register(&reg).await.assert_accepted();
}

#[tokio::test]
async fn a_certificate_from_another_ca_fails_in_the_handshake() {
    let s = Server::start().await;
    // A second demo server has a PKI of its own: its client certificates come from a different CA.
    let other = Server::start().await;
    let ca = std::fs::read(s.data_dir().join("pki/ca.pem")).unwrap();
    let other_ca = std::fs::read(other.data_dir().join("pki/ca.pem")).unwrap();
    assert_ne!(ca, other_ca, "the two demo CAs must differ");

    // Control: this way of building the client works with the server's own certificate.
    let own = client_trusting(&s.data_dir(), &s.data_dir(), "maskinregistrering");
    let reg = valid_registration();
    post_soap(&own, &s.ws_url(REGISTRATION), registration_xml(&reg))
        .await
        .assert_accepted();

    for system in ["maskinregistrering", "ingen-adgang"] {
        let foreign = client_trusting(&s.data_dir(), &other.data_dir(), system);
        let reg = valid_registration();
        assert_handshake_refused(
            &foreign,
            &s.ws_url(REGISTRATION),
            &reg,
            &format!("{system} of another CA"),
        )
        .await;
        nothing_stored(&s, &reg.ex_ident).await;
    }
    s.assert_healthy().await;
}

#[tokio::test]
async fn a_system_without_any_grant_gets_403_naming_the_interface() {
    let s = Server::start().await;
    let client = s.client("ingen-adgang");
    let reg = valid_registration();
    for (url, body) in [
        (s.ws_url(REGISTRATION), registration_xml(&reg)),
        (s.sap_pi_url(REGISTRATION, REGISTRATION_NS), registration_xml(&reg)),
        (s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST.to_owned()),
    ] {
        let r = post_soap(&client, &url, body).await;
        let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
        assert!(f.string.contains("maskintimer"), "{}", f.string);
        assert!(f.string.contains("ingen-adgang"), "{}", f.string);
        assert!(!r.body.contains("NETWORK_TBL"), "{}", r.body);
    }
    nothing_stored(&s, &reg.ex_ident).await;
    s.assert_healthy().await;
}

#[tokio::test]
async fn a_system_granted_other_interfaces_gets_403() {
    let s = Server::start().await;
    let reg = valid_registration();
    for system in ["vikarsystem", "loen", "dagtilbud"] {
        let client = s.client(system);
        let r = post_soap(&client, &s.ws_url(REGISTRATION), registration_xml(&reg)).await;
        let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
        assert!(f.string.contains("maskintimer"), "{system}: {}", f.string);
        let r = post_soap(&client, &s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST).await;
        r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    }
    nothing_stored(&s, &reg.ex_ident).await;
    // The refused master-data calls did not use up maskinregistrering's fetch of the day.
    let r = post_soap(&s.maskinregistrering(), &s.ws_url(MASTERDATA), SEED_MASTERDATA_REQUEST).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.assert_healthy().await;
}

#[tokio::test]
async fn a_municipality_outside_the_grant_gets_403() {
    let s = Server::start().await;
    let client = s.maskinregistrering();
    let mut reg = valid_registration();
    reg.kommunekode = "0101".into();
    let r = s.register(&reg).await;
    let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    assert!(f.string.contains("0101"), "{}", f.string);
    assert!(f.string.contains("maskintimer"), "{}", f.string);
    nothing_stored(&s, &reg.ex_ident).await;

    // The same municipality as KMD's example messages write it (no leading zero).
    reg.kommunekode = "101".into();
    s.register(&reg)
        .await
        .assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    nothing_stored(&s, &reg.ex_ident).await;

    let md = SEED_MASTERDATA_REQUEST.replace("<KOMMUNEKODE>751</KOMMUNEKODE>", "<KOMMUNEKODE>0101</KOMMUNEKODE>");
    let r = post_soap(&client, &s.ws_url(MASTERDATA), md).await;
    let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    assert!(f.string.contains("0101"), "{}", f.string);

    // A municipality named only in the URL is checked too.
    let md = SEED_MASTERDATA_REQUEST.replace("<KOMMUNEKODE>751</KOMMUNEKODE>", "");
    let r = post_soap(&client, &(s.ws_url(MASTERDATA) + "?kommune=0101"), md).await;
    r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    s.assert_healthy().await;
}

#[tokio::test]
async fn a_system_granted_several_municipalities_must_name_one() {
    let s = Server::start().await;
    let client = s.maskinregistrering();
    let md = SEED_MASTERDATA_REQUEST.replace("<KOMMUNEKODE>751</KOMMUNEKODE>", "");
    let r = post_soap(&client, &s.ws_url(MASTERDATA), md.clone()).await;
    let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    assert!(f.string.contains("kommune="), "{}", f.string);
    let r = post_soap(&client, &(s.ws_url(MASTERDATA) + "?kommune=0751"), md).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("<PERNR>00012345</PERNR>"), "{}", r.body);

    // A registration without KOMMUNEKODE: refused without kommune=, accepted with it.
    let reg = valid_registration();
    let xml = registration_xml(&reg).replace("<KOMMUNEKODE>0751</KOMMUNEKODE>", "");
    let r = post_soap(&client, &s.ws_url(REGISTRATION), xml.clone()).await;
    r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    nothing_stored(&s, &reg.ex_ident).await;
    post_soap(&client, &(s.ws_url(REGISTRATION) + "?kommune=751"), xml)
        .await
        .assert_accepted();
    let rows = s.admin.registrations_for(&reg.ex_ident).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["municipality"], "0751");
}

#[tokio::test]
async fn refusals_are_counted_and_the_server_stays_healthy() {
    let s = Server::start().await;
    let reg = valid_registration();
    for _ in 0..3 {
        post_soap(
            &s.client("ingen-adgang"),
            &s.ws_url(REGISTRATION),
            registration_xml(&reg),
        )
        .await
        .assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
        let result = client_without_certificate(&s.data_dir())
            .unwrap()
            .post(s.ws_url(REGISTRATION))
            .body(registration_xml(&reg))
            .send()
            .await;
        assert!(result.is_err());
    }
    s.assert_healthy().await;
    let (status, text) = s.admin.get_unauthenticated("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    let text = text.as_str().expect("metrics are text").to_owned();
    for counted in [
        "snitflade_access_denied_total{interface=\"maskintimer\",reason=\"no_interface_grant\"} 3",
        "snitflade_tls_handshake_failures_total{reason=\"no_certificate\"} 3",
    ] {
        assert!(text.contains(counted), "no {counted} in\n{text}");
    }
    s.register(&reg).await.assert_accepted();
}

/// A client presenting a certificate and key from arbitrary files, trusting the CA of `trust_dir`.
fn client_with_files(trust_dir: &Path, cert: &Path, key: &Path) -> reqwest::Client {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(trust_dir.join("pki/ca.pem")).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let certs: Vec<_> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_client_auth_cert(certs, key)
        .unwrap();
    client_from_config(config).unwrap()
}

#[tokio::test]
async fn the_server_certificate_is_no_client_certificate() {
    let s = Server::start().await;
    let pki = s.data_dir().join("pki");
    let client = client_with_files(&s.data_dir(), &pki.join("server.pem"), &pki.join("server-key.pem"));
    let reg = valid_registration();
    assert_handshake_refused(
        &client,
        &s.ws_url(REGISTRATION),
        &reg,
        "a server certificate used as a client's",
    )
    .await;
    nothing_stored(&s, &reg.ex_ident).await;
    s.assert_healthy().await;
}

/// A certificate from the trusted CA that belongs to no known system: through the handshake, then 403. Made by
/// giving a second server (whose database knows only its own demo certificates) the first server's PKI.
#[tokio::test]
async fn a_trusted_certificate_of_no_known_system_gets_403() {
    let first = Server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut second = spawn(&data, &[]).await;
    second.kill9().unwrap();
    for name in ["ca.pem", "server.pem", "server-key.pem"] {
        std::fs::copy(first.data_dir().join("pki").join(name), data.join("pki").join(name)).unwrap();
    }
    let second = spawn(&data, &[]).await;
    let client = mtls_client(&first.data_dir(), "maskinregistrering").unwrap();
    let reg = valid_registration();
    let r = post_soap(
        &client,
        &format!("https://{}/ws/{REGISTRATION}", second.services),
        registration_xml(&reg),
    )
    .await;
    let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    assert!(f.string.contains("SHA-256"), "{}", f.string);
    let r = read_reply(
        client
            .get(format!("https://{}/ws/{REGISTRATION}?wsdl", second.services))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
    let admin = AdminApi::new(&data, second.admin);
    assert!(admin.registrations_for(&reg.ex_ident).await.is_empty());
    assert!(admin.list("/api/v1/errors").await.is_empty());
}

#[tokio::test]
async fn without_demo_an_empty_data_dir_is_a_clear_start_failure() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = snitflade_bench::ServerProcess::serve_command(&bin(), &dir.path().join("data"));
    let err = snitflade_bench::ServerProcess::spawn_async(cmd)
        .await
        .expect_err("the server must not start without a PKI");
    let msg = format!("{err:#}");
    assert!(msg.contains("--demo"), "{msg}");
    assert!(!msg.contains("exit status: 0"), "{msg}");
}

// ---------------------------------------------------------------------------------------------------------------
// The demo identities (the demo PKI and systems, docs/src/getting-started.md#the-demo-systems).

/// One DER element: tag, contents, and what follows it.
fn der(b: &[u8]) -> (u8, &[u8], &[u8]) {
    let tag = b[0];
    let (len, header) = if b[1] < 0x80 {
        (b[1] as usize, 2)
    } else {
        let n = (b[1] & 0x7f) as usize;
        (b[2..2 + n].iter().fold(0usize, |acc, x| acc << 8 | *x as usize), 2 + n)
    };
    (tag, &b[header..header + len], &b[header + len..])
}

fn oid(b: &[u8]) -> String {
    let mut parts = vec![(b[0] / 40) as u64, (b[0] % 40) as u64];
    let mut acc = 0u64;
    for x in &b[1..] {
        acc = acc << 7 | (x & 0x7f) as u64;
        if x & 0x80 == 0 {
            parts.push(acc);
            acc = 0;
        }
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

/// The subject of a DER certificate as (attribute, value) pairs in encoded order.
fn subject(cert: &[u8]) -> Vec<(String, String)> {
    let (_, certificate, _) = der(cert);
    let (_, mut tbs, _) = der(certificate);
    let mut fields = Vec::new();
    while !tbs.is_empty() {
        let (tag, content, rest) = der(tbs);
        if tag != 0xA0 {
            fields.push(content);
        }
        tbs = rest;
    }
    // serialNumber, signature, issuer, validity, subject
    let mut name = fields[4];
    let mut out = Vec::new();
    while !name.is_empty() {
        let (_, set, rest) = der(name);
        let (_, atv, _) = der(set);
        let (_, id, value) = der(atv);
        let (_, value, _) = der(value);
        let short = match oid(id).as_str() {
            "2.5.4.6" => "C".to_owned(),
            "2.5.4.97" => "organizationIdentifier".to_owned(),
            "2.5.4.10" => "O".to_owned(),
            "2.5.4.5" => "serialNumber".to_owned(),
            "2.5.4.3" => "CN".to_owned(),
            other => other.to_owned(),
        };
        out.push((short, String::from_utf8_lossy(value).into_owned()));
        name = rest;
    }
    out
}

fn cvr_is_valid(cvr: &str) -> bool {
    cvr.len() == 8
        && !cvr.starts_with('0')
        && cvr.bytes().all(|b| b.is_ascii_digit())
        && cvr
            .bytes()
            .zip([2, 7, 6, 5, 4, 3, 2, 1])
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum::<u32>()
            .is_multiple_of(11)
}

#[tokio::test]
async fn the_demo_systems_and_grants_are_those_of_the_contract() {
    let s = Server::start().await;
    let systems = s.admin.list("/api/v1/systems").await;
    let names: std::collections::HashMap<String, String> = systems
        .iter()
        .map(|x| {
            (
                x["id"].as_str().unwrap().to_owned(),
                x["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut grants: Vec<(String, String, String)> = s
        .admin
        .list("/api/v1/grants")
        .await
        .iter()
        .map(|g| {
            (
                names[g["system_id"].as_str().unwrap()].clone(),
                g["interface"].as_str().unwrap().to_owned(),
                g["municipality"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    grants.sort();
    let mut expected: Vec<(String, String, String)> = [
        ("maskinregistrering", "maskintimer", &["0340", "0751"][..]),
        ("vikarsystem", "medarbejderoplysninger", &["0340"]),
        ("vikarsystem", "engangsydelse", &["0340"]),
        ("dagtilbud", "medarbejderoplysninger", &["0340"]),
        ("dagtilbud", "opret-fravaer", &["0340"]),
        ("dagtilbud", "fravaerskvoter", &["0340"]),
        ("dagtilbud", "moedetidsplaner", &["0340"]),
        ("kantine", "engangsydelse", &["0340"]),
        ("rekruttering", "personalemappe", &["0340"]),
        ("loen", "engangsydelse", &["0340", "0751"]),
        ("loen", "faste-tillaeg", &["0340", "0751"]),
    ]
    .iter()
    .flat_map(|(s, i, ms)| ms.iter().map(|m| (s.to_string(), i.to_string(), m.to_string())))
    .collect();
    expected.sort();
    assert_eq!(grants, expected);
    assert!(names.values().any(|n| n == "ingen-adgang"));
    for system in &systems {
        let cvr = system["vendor_cvr"].as_str().unwrap();
        assert!(cvr_is_valid(cvr), "{system}");
    }
    let municipalities = s.admin.list("/api/v1/municipalities").await;
    let mut codes: Vec<_> = municipalities.iter().map(|m| m["code"].as_str().unwrap()).collect();
    codes.sort();
    assert_eq!(codes, ["0340", "0751"]);
    for m in &municipalities {
        assert!(cvr_is_valid(m["cvr"].as_str().unwrap()), "{m}");
    }
}

/// The demo client certificates' subject is shaped like an OCES3 system certificate's
/// (docs/src/operations/certificates.md): `C=DK, organizationIdentifier=NTRDK-<vendor CVR>, O=<vendor>,
/// serialNumber=UI:DK-O:G:<uuid>, CN=<system>`, in that order, with nothing else.
#[tokio::test]
async fn the_demo_client_certificates_look_like_oces3_system_certificates() {
    let s = Server::start().await;
    let systems = s.admin.list("/api/v1/systems").await;
    assert_eq!(systems.len(), 7);
    for system in systems {
        let name = system["name"].as_str().unwrap();
        let path = s.data_dir().join(format!("pki/clients/{name}.pem"));
        let cert = CertificateDer::from_pem_file(&path).unwrap();
        let got = subject(&cert);
        let serial = got
            .iter()
            .find(|(k, _)| k == "serialNumber")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let uuid = serial.strip_prefix("UI:DK-O:G:").unwrap_or_default();
        assert!(uuid::Uuid::parse_str(uuid).is_ok(), "{name}: serialNumber {serial:?}");
        let expected: Vec<(String, String)> = [
            ("C", "DK".to_owned()),
            (
                "organizationIdentifier",
                format!("NTRDK-{}", system["vendor_cvr"].as_str().unwrap()),
            ),
            ("O", system["vendor_name"].as_str().unwrap().to_owned()),
            ("serialNumber", serial.clone()),
            ("CN", name.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let (mut a, mut b) = (got.clone(), expected.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{name}: the subject's attributes");
        assert_eq!(got, expected, "{name}: the subject's attribute order");
        // The key next to it is an unencrypted PEM key.
        let key = std::fs::read_to_string(s.data_dir().join(format!("pki/clients/{name}-key.pem"))).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"), "{name}");
    }
}
