//! The access lifecycle (docs/src/access/lifecycle.md) from outside (issue 6): the real server started with `--demo`,
//! run through the admin API alone — a vendor and a standard integration for `ingen-adgang`, its certificate uploaded
//! as a zip with the chain, an order walked to delivery and the system's next call allowed; urgent closing dropping an
//! open keep-alive connection; expiry warnings, renewal beside the old certificate and revocation by CRL; prices of
//! single-interface, package and individual orders against the price list by hand, invoices as CSV; and the audit logs.

mod common;

use common::raw::RawConnection;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

const SERVICE: &str = "Employee_Provide_Out";

/// A Medarbejderoplysninger Laes of 00000101 as `system`; the HTTP status.
async fn laes(s: &Server, client: &reqwest::Client) -> StatusCode {
    post_soap(client, &s.ws_url(SERVICE), laes_envelope("00000101"))
        .await
        .status
}

fn pem_of(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join("pki").join(name)).unwrap()
}

/// A zip holding `files` (name, content), as a vendor would send it.
fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in files {
            z.start_file(*name, opts).unwrap();
            z.write_all(content.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

/// Issues a demo-CA client certificate for `system` valid `days` days, saved as `pki/clients/<file>.pem` (+ key)
/// so the bench crate's client builder can use it; the certificate's PEM.
fn issue(dir: &Path, file: &str, system: &str, vendor: &str, cvr: &str, days: i64) -> String {
    let pki = dir.join("pki");
    let (cert, key) = snitflade_server::demo::pki::issue_client_certificate(&pki, system, vendor, cvr, days).unwrap();
    std::fs::write(pki.join("clients").join(format!("{file}.pem")), &cert).unwrap();
    std::fs::write(pki.join("clients").join(format!("{file}-key.pem")), &key).unwrap();
    cert
}

async fn created(admin: &AdminApi, path: &str, body: Value) -> Value {
    let (status, v) = admin.post(path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {v}");
    v
}

async fn advance(admin: &AdminApi, order: &str, body: Value) -> Value {
    let (status, v) = admin.post(&format!("/api/v1/orders/{order}/advance"), Some(body)).await;
    assert_eq!(status, StatusCode::OK, "advance {order}: {v}");
    v
}

/// Registers a vendor (the demo leaves `ingen-adgang` without one) and links the system to it.
async fn vendor_for(admin: &AdminApi, system: &str, name: &str, cvr: &str) -> String {
    let v = created(
        admin,
        "/api/v1/vendors",
        json!({"name": name, "cvr": cvr, "contact_name": "Ida Integration", "contact_phone": "+45 12 34 56 78",
               "contact_email": "ida@example.dk", "actor": "kmd-support"}),
    )
    .await;
    let id = v["id"].as_str().unwrap().to_owned();
    let (status, body) = admin
        .put(&format!("/api/v1/systems/{system}"), json!({"vendor": id}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

fn amount(v: &Value) -> f64 {
    v.as_str().map_or_else(|| v.as_f64().unwrap(), |s| s.parse().unwrap())
}

/// The fees of an order's cost, as (fee, interface, amount).
fn fees(order: &Value) -> Vec<(String, Option<String>, f64)> {
    order["cost"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["fee"].as_str().unwrap().to_owned(),
                l["interface"].as_str().map(str::to_owned),
                amount(&l["amount"]),
            )
        })
        .collect()
}

#[tokio::test]
async fn ingen_adgang_gets_access_through_an_order_made_in_the_admin_api() {
    let s = Server::start().await;
    let dir = s.data_dir();
    let a = &s.admin;
    let client = s.client("ingen-adgang");
    assert_eq!(laes(&s, &client).await, StatusCode::FORBIDDEN);

    // The demo's own grants came from completed orders.
    let demo_orders = a.list("/api/v1/orders").await;
    assert_eq!(demo_orders.len(), 8, "{demo_orders:?}");
    assert!(
        demo_orders
            .iter()
            .all(|o| o["state"] == "notified" && o["kind"] == "standard")
    );

    let vendor = vendor_for(a, "ingen-adgang", "Ingen Adgang ApS", "84847771").await;
    // Someone else's certificate is refused: its CVR is not the vendor's.
    let foreign = zip(&[("kantine.pem", &pem_of(&dir, "clients/kantine.pem"))]);
    let (status, body) = a
        .post_bytes("/api/v1/systems/ingen-adgang/certificates", "application/zip", foreign)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The system's own certificate, with its chain, zipped.
    let upload = zip(&[
        ("ingen-adgang/certifikat.pem", &pem_of(&dir, "clients/ingen-adgang.pem")),
        ("ingen-adgang/kaede.pem", &pem_of(&dir, "ca.pem")),
        ("LAESMIG.txt", "Offentlig del af OCES3-certifikatet med fuld kæde"),
    ]);
    let (status, cert) = a
        .post_bytes("/api/v1/systems/ingen-adgang/certificates", "application/zip", upload)
        .await;
    assert!(
        status == StatusCode::OK || status == StatusCode::CREATED,
        "{status} {cert}"
    );
    assert_eq!(cert["cvr"], "84847771");
    assert_eq!(cert["status"], "valid");
    assert!(cert["serial_number"].as_str().unwrap().starts_with("UI:DK-O:G:"));
    let fingerprint = cert["fingerprint"].as_str().unwrap().to_owned();

    created(
        a,
        "/api/v1/standard-integrations",
        json!({"id": "SI-0042", "vendor": vendor, "system": "ingen-adgang",
               "interfaces": ["medarbejderoplysninger"], "certificate": fingerprint}),
    )
    .await;
    let order = created(
        a,
        "/api/v1/orders",
        json!({"municipality": "0340", "system": "ingen-adgang", "interfaces": ["medarbejderoplysninger"],
               "standard_integration": "SI-0042", "actor": "leverandoer", "note": "Anvist af leverandøren"}),
    )
    .await;
    assert_eq!(order["state"], "proposed");
    assert_eq!(order["vendor"]["cvr"], "84847771");
    assert_eq!(order["vendor"]["contact_email"], "ida@example.dk");
    let id = order["id"].as_str().unwrap().to_owned();

    // Steps are taken in order only.
    let (status, body) = a
        .post(
            &format!("/api/v1/orders/{id}/advance"),
            Some(json!({"to": "addendum_signed"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let clarified = advance(
        a,
        &id,
        json!({"to": "clarified", "actor": "kunde", "covered_by_contract": []}),
    )
    .await;
    // 0340 already pays for medarbejderoplysninger (vikarsystem, dagtilbud): only the new system's set-up.
    assert_eq!(fees(&clarified), [("setup".to_owned(), None, 5000.0)]);
    for to in ["addendum_signed", "delivery_ordered"] {
        advance(a, &id, json!({"to": to, "actor": "kmd-salg"})).await;
        assert_eq!(
            laes(&s, &client).await,
            StatusCode::FORBIDDEN,
            "no access before it is set up ({to})"
        );
    }
    advance(a, &id, json!({"to": "access_set_up", "actor": "kmd-drift"})).await;
    // The same client (and connection pool) is let in at once.
    assert_eq!(laes(&s, &client).await, StatusCode::OK);
    let done = advance(a, &id, json!({"to": "notified", "actor": "kmd-salg"})).await;
    let steps: Vec<(String, String)> = done["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["state"].as_str().unwrap().into(), s["actor"].as_str().unwrap().into()))
        .collect();
    // Every step records the authenticated principal (here the admin token's operator, on the parties' behalf);
    // the free-text `actor` older clients send is ignored.
    let operator = "operator (admin-token)";
    let expected = [
        ("proposed", operator),
        ("clarified", operator),
        ("addendum_signed", operator),
        ("delivery_ordered", operator),
        ("access_set_up", operator),
        ("notified", operator),
    ];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_owned(), b.to_owned())));
    let grants = a.list("/api/v1/grants").await;
    assert!(
        grants
            .iter()
            .any(|g| g["order_id"] == id.as_str() && g["interface"] == "medarbejderoplysninger")
    );

    // The read is in the audit log with system, interface and employee; the admin actions in theirs.
    let audit = a
        .list("/api/v1/audit?system=ingen-adgang&interface=medarbejderoplysninger&municipality=0340")
        .await;
    assert!(
        audit
            .iter()
            .any(|e| e["pernr"] == "00000101" && e["action"] == "laes" && e["outcome"] == "ok"),
        "{audit:?}"
    );
    let admin_log = a.list("/api/v1/audit/admin?limit=1000").await;
    for action in [
        "vendor.add",
        "system.set_vendor",
        "standard_integration.add",
        "order.create",
        "order.advance",
    ] {
        assert!(
            admin_log.iter().any(|e| e["action"] == action),
            "{action} missing: {admin_log:?}"
        );
    }
    assert!(
        admin_log
            .iter()
            .any(|e| e["action"] == "order.advance" && e["actor"] == operator && e["object_id"] == id.as_str())
    );
}

#[tokio::test]
async fn urgent_closing_refuses_the_next_request_on_an_open_connection() {
    let s = Server::start().await;
    let a = &s.admin;
    let mut open = RawConnection::open(&s.data_dir(), s.proc.services, "vikarsystem").await;
    assert_eq!(open.laes().await, Some(200));
    assert_eq!(open.laes().await, Some(200), "the connection is kept alive");

    let (status, closed) = a
        .post(
            "/api/v1/systems/vikarsystem/urgent-close",
            Some(json!({"reason": "Sikkerhedsbrud hos leverandøren", "actor": "kmd-support"})),
        )
        .await;
    let closed_at = Instant::now();
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["grants_closed"], 2, "{closed}");
    assert!(closed["connections_dropped"].as_u64().unwrap() >= 1, "{closed}");

    let answer = tokio::time::timeout(Duration::from_secs(1), open.laes()).await;
    let refused = match answer {
        Ok(None) => true,
        Ok(Some(code)) => code == 403,
        Err(_) => false,
    };
    assert!(refused, "the open connection still served a request: {answer:?}");
    assert!(closed_at.elapsed() < Duration::from_secs(1));
    // A new connection gets in through TLS but is refused: the grants have ended.
    assert_eq!(laes(&s, &s.client("vikarsystem")).await, StatusCode::FORBIDDEN);
    let orders = a.list("/api/v1/orders?system=vikarsystem").await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0]["closed"]["kind"], "urgent");
    assert_eq!(orders[0]["closed"]["reason"], "Sikkerhedsbrud hos leverandøren");
    // Other systems are untouched.
    assert_eq!(laes(&s, &s.client("dagtilbud")).await, StatusCode::OK);
}

#[tokio::test]
async fn expiring_certificates_are_warned_renewals_sit_beside_them_and_crls_revoke() {
    let s = Server::start().await;
    let dir = s.data_dir();
    let a = &s.admin;
    let short = issue(&dir, "kantine-20d", "kantine", "Kantinedata ApS", "18838737", 20);
    let chain = format!("{short}{}", pem_of(&dir, "ca.pem"));
    let (status, cert) = a
        .post_bytes(
            "/api/v1/systems/kantine/certificates",
            "application/x-pem-file",
            chain.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    assert_eq!(cert["status"], "expiring");
    let short_fp = cert["fingerprint"].as_str().unwrap().to_owned();

    let warnings = a.list("/api/v1/certificates/warnings").await;
    let w = warnings
        .iter()
        .find(|w| w["fingerprint"] == short_fp.as_str())
        .unwrap_or_else(|| panic!("no warning: {warnings:?}"));
    assert!((19..=20).contains(&w["days_left"].as_i64().unwrap()), "{w}");
    assert_eq!(w["system"], "kantine");

    // The renewal is accepted beside it; both certificates work.
    let renewed = issue(&dir, "kantine-renewed", "kantine", "Kantinedata ApS", "18838737", 400);
    let (status, cert) = a
        .post_bytes(
            "/api/v1/systems/kantine/certificates",
            "application/x-pem-file",
            renewed.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    let renewed_fp = cert["fingerprint"].as_str().unwrap().to_owned();
    let warnings = a.list("/api/v1/certificates/warnings").await;
    let w = warnings.iter().find(|w| w["fingerprint"] == short_fp.as_str()).unwrap();
    assert!(
        w["renewed_by"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == renewed_fp.as_str()),
        "{w}"
    );
    let read = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": "00000101"}});
    let lpe = format!("https://{}/lpe/read-onetime-payments", s.proc.services);
    for file in ["kantine-20d", "kantine-renewed", "kantine"] {
        let r = s.client(file).post(&lpe).json(&read).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{file}");
    }

    // A CRL from the demo CA revokes the short-lived certificate: it is refused from then on.
    let crl = demo_crl(&dir, &[&short]);
    let (status, added) = a.post_bytes("/api/v1/crls", "application/pkix-crl", crl).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["revoked"], json!([short_fp]));
    let r = s.client("kantine-20d").post(&lpe).json(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = s.client("kantine-renewed").post(&lpe).json(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let certs = a.list("/api/v1/certificates").await;
    let revoked = certs.iter().find(|c| c["fingerprint"] == short_fp.as_str()).unwrap();
    assert_eq!(revoked["status"], "revoked");
    // A CRL signed by an unknown CA is refused.
    let (status, body) = a
        .post_bytes("/api/v1/crls", "application/pkix-crl", foreign_crl())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

fn serial_of(pem: &str) -> rcgen::SerialNumber {
    use rustls_pki_types::pem::PemObject;
    let der = rustls_pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    rcgen::SerialNumber::from_slice(cert.raw_serial())
}

fn crl_params(revoked: &[&str]) -> rcgen::CertificateRevocationListParams {
    let now = jiff::Timestamp::now().as_second();
    let t = |s: i64| time::OffsetDateTime::from_unix_timestamp(s).unwrap();
    rcgen::CertificateRevocationListParams {
        this_update: t(now - 60),
        next_update: t(now + 86_400 * 7),
        crl_number: rcgen::SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: revoked
            .iter()
            .map(|pem| rcgen::RevokedCertParams {
                serial_number: serial_of(pem),
                revocation_time: t(now - 30),
                reason_code: Some(rcgen::RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: rcgen::KeyIdMethod::Sha256,
    }
}

/// A CRL from the demo CA (its key is `pki/ca-key.pem`) revoking `revoked`.
fn demo_crl(dir: &Path, revoked: &[&str]) -> Vec<u8> {
    let key = rcgen::KeyPair::from_pem(&pem_of(dir, "ca-key.pem")).unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(&pem_of(dir, "ca.pem"), key).unwrap();
    crl_params(revoked).signed_by(&issuer).unwrap().der().to_vec()
}

fn foreign_crl() -> Vec<u8> {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "snitflade demo CA");
    let key = rcgen::KeyPair::generate().unwrap();
    let issuer = rcgen::Issuer::new(p, key);
    crl_params(&[]).signed_by(&issuer).unwrap().der().to_vec()
}

#[tokio::test]
async fn prices_match_the_price_list_and_invoices_follow_the_orders() {
    let s = Server::start().await;
    let dir = s.data_dir();
    let a = &s.admin;
    let prices = a.get_ok("/api/v1/price-list").await;
    let price = |path: &[&str]| -> f64 { amount(path.iter().fold(&prices, |v, k| &v[*k])) };

    // 1. A single interface for a system new to 0751, which has never bought it: start-up, running, set-up.
    let vendor = vendor_for(a, "ingen-adgang", "Ingen Adgang ApS", "84847771").await;
    let fp = a
        .list("/api/v1/systems")
        .await
        .into_iter()
        .find(|x| x["name"] == "ingen-adgang")
        .unwrap()["certificates"][0]
        .as_str()
        .unwrap()
        .to_owned();
    created(
        a,
        "/api/v1/standard-integrations",
        json!({"id": "SI-7", "vendor": vendor, "system": "ingen-adgang",
               "interfaces": ["medarbejderoplysninger"], "certificate": fp}),
    )
    .await;
    let single = order_through(
        a,
        json!({"municipality": "0751", "system": "ingen-adgang",
        "interfaces": ["medarbejderoplysninger"], "standard_integration": "SI-7"}),
        &[],
    )
    .await;
    let m = "medarbejderoplysninger";
    assert_eq!(
        fees(&single),
        [
            ("startup".to_owned(), Some(m.to_owned()), price(&["startup_fee", m])),
            ("running".to_owned(), Some(m.to_owned()), price(&["running_fee", m])),
            ("setup".to_owned(), None, price(&["setup_fee_standard"])),
        ]
    );
    assert_eq!(amount(&single["cost"]["one_time"]), 40000.0 + 5000.0);
    assert_eq!(amount(&single["cost"]["running_per_period"]), 2500.0);

    // 2. An integration package for rekruttering in 0751: no start-up fee, the package's running fee, set-up.
    let package = order_through(
        a,
        json!({"municipality": "0751", "system": "rekruttering",
        "interfaces": ["personalemappe"], "package": true, "standard_integration": "SI-rekruttering"}),
        &[],
    )
    .await;
    assert_eq!(
        fees(&package),
        [
            ("running".to_owned(), None, price(&["package_running_fee"])),
            ("setup".to_owned(), None, price(&["setup_fee_standard"])),
        ]
    );

    // 3. An individual integration of a new system: certificates clarified as an extra step, the higher set-up.
    let tid_vendor = created(
        a,
        "/api/v1/vendors",
        json!({"name": "Tidsregistrering A/S", "cvr": "29189692", "contact_name": "Tim Tid",
               "contact_phone": "+45 11 22 33 44", "contact_email": "tim@tid.example"}),
    )
    .await;
    created(
        a,
        "/api/v1/systems",
        json!({"name": "tidsregistrering", "vendor": tid_vendor["id"]}),
    )
    .await;
    let cert = issue(
        &dir,
        "tidsregistrering",
        "tidsregistrering",
        "Tidsregistrering A/S",
        "29189692",
        365,
    );
    let (status, uploaded) = a
        .post_bytes(
            "/api/v1/systems/tidsregistrering/certificates",
            "application/x-pem-file",
            cert.into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    let tid_fp = uploaded["fingerprint"].as_str().unwrap().to_owned();
    let individual = created(
        a,
        "/api/v1/orders",
        json!({"municipality": "0751", "system": "tidsregistrering", "interfaces": ["opret-fravaer"]}),
    )
    .await;
    assert_eq!(individual["kind"], "individual");
    let iid = individual["id"].as_str().unwrap().to_owned();
    let clarified = advance(a, &iid, json!({"to": "clarified"})).await;
    // Without the certificates clarified, the addendum cannot be signed.
    let (status, _) = a
        .post(
            &format!("/api/v1/orders/{iid}/advance"),
            Some(json!({"to": "addendum_signed"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    advance(a, &iid, json!({"to": "certificates_clarified", "certificate": tid_fp})).await;
    for to in ["addendum_signed", "delivery_ordered", "access_set_up", "notified"] {
        advance(a, &iid, json!({"to": to})).await;
    }
    let o = "opret-fravaer";
    assert_eq!(
        fees(&clarified),
        [
            ("startup".to_owned(), Some(o.to_owned()), price(&["startup_fee", o])),
            ("running".to_owned(), Some(o.to_owned()), price(&["running_fee", o])),
            ("setup".to_owned(), None, price(&["setup_fee_individual"])),
        ]
    );
    assert_eq!(amount(&clarified["cost"]["one_time"]), 30000.0 + 18000.0);

    // This month's invoice for 0751 has every line of the three orders; next month only their running fees.
    let this_month = jiff::Zoned::now().date().strftime("%Y-%m").to_string();
    let next_month = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().months(1))
        .unwrap()
        .strftime("%Y-%m")
        .to_string();
    let ours = [&single, &package, &clarified].map(|o| o["id"].as_str().unwrap().to_owned());
    let lines_of = |invoice: &Value| -> Vec<(String, String, f64)> {
        let m = &invoice["municipalities"][0];
        assert_eq!(m["municipality"], "0751");
        let lines = m["lines"].as_array().unwrap();
        let total: f64 = lines.iter().map(|l| amount(&l["amount"])).sum();
        assert_eq!(amount(&m["total"]), total);
        lines
            .iter()
            .filter(|l| ours.iter().any(|id| l["order"] == id.as_str()))
            .map(|l| {
                (
                    l["system"].as_str().unwrap().into(),
                    l["fee"].as_str().unwrap().into(),
                    amount(&l["amount"]),
                )
            })
            .collect()
    };
    let now = a
        .get_ok(&format!("/api/v1/invoices?period={this_month}&municipality=0751"))
        .await;
    let mut expected_now: Vec<(String, String, f64)> = [&single, &package, &clarified]
        .iter()
        .flat_map(|o| {
            fees(o)
                .into_iter()
                .map(|(fee, _, amt)| (o["system"].as_str().unwrap().to_owned(), fee, amt))
        })
        .collect();
    let mut got = lines_of(&now);
    got.sort_by(|x, y| x.partial_cmp(y).unwrap());
    expected_now.sort_by(|x, y| x.partial_cmp(y).unwrap());
    assert_eq!(got, expected_now);
    let next = a
        .get_ok(&format!("/api/v1/invoices?period={next_month}&municipality=0751"))
        .await;
    assert!(lines_of(&next).iter().all(|(_, fee, _)| fee == "running"));
    assert_eq!(lines_of(&next).len(), 3);

    // Normal closing today: no running fee next month for that order, and no more access.
    let sid = single["id"].as_str().unwrap();
    let (status, closed) = a
        .post(
            &format!("/api/v1/orders/{sid}/close"),
            Some(json!({"reason": "Opsagt"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["closed"]["kind"], "normal");
    let next = a
        .get_ok(&format!("/api/v1/invoices?period={next_month}&municipality=0751"))
        .await;
    assert_eq!(lines_of(&next).len(), 2);

    // The same as CSV: a header and one line per invoice line.
    let (status, content_type, csv) = a
        .get_text(&format!("/api/v1/invoices?period={this_month}&format=csv"))
        .await;
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let all = a.get_ok(&format!("/api/v1/invoices?period={this_month}")).await;
    let count: usize = all["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["lines"].as_array().unwrap().len())
        .sum();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("period,municipality,order,system,fee,interface,amount")
    );
    assert_eq!(rows.count(), count);
    assert!(csv.contains(&format!(
        "{this_month},0751,{sid},ingen-adgang,startup,medarbejderoplysninger,40000"
    )));
}

/// A kantine certificate from the demo CA made by changing the demo's own parameters (`change`) and signing
/// `key`'s public half; saved as `pki/clients/<file>.pem` (+ key, when there is one) for the bench client builder.
/// The certificate's PEM.
fn kantine_certificate(
    dir: &Path,
    file: &str,
    change: impl FnOnce(&mut rcgen::CertificateParams),
    key: &dyn rcgen::PublicKeyData,
    private_key: Option<&rcgen::KeyPair>,
) -> String {
    use snitflade_server::demo::pki::{client_params, demo_ca};
    struct Public<'a>(&'a dyn rcgen::PublicKeyData);
    impl rcgen::PublicKeyData for Public<'_> {
        fn der_bytes(&self) -> &[u8] {
            self.0.der_bytes()
        }
        fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
            self.0.algorithm()
        }
    }
    let pki = dir.join("pki");
    let mut params = client_params("kantine", "Kantinedata ApS", "18838737").unwrap();
    change(&mut params);
    let cert = params.signed_by(&Public(key), &demo_ca(&pki).unwrap()).unwrap().pem();
    std::fs::write(pki.join("clients").join(format!("{file}.pem")), &cert).unwrap();
    if let Some(k) = private_key {
        std::fs::write(pki.join("clients").join(format!("{file}-key.pem")), k.serialize_pem()).unwrap();
    }
    cert
}

/// Issue 16, item 5: a certificate without EKU, with key usage keyCertSign only, or with an RSA-1024 key is refused
/// at upload with its reason (nothing stored) and — chained to the trusted demo CA all the same — in the TLS
/// handshake, where before only the chain was checked (such a certificate then authenticated service calls).
#[tokio::test]
async fn certificates_unfit_for_client_authentication_are_refused_at_upload_and_in_the_handshake() {
    let s = Server::start().await;
    let dir = s.data_dir();
    let a = &s.admin;
    let read = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": "00000101"}});
    let lpe = format!("https://{}/lpe/read-onetime-payments", s.proc.services);
    let upload = |pem: String| async move {
        a.post_bytes(
            "/api/v1/systems/kantine/certificates",
            "application/x-pem-file",
            pem.into_bytes(),
        )
        .await
    };
    let before = a.list("/api/v1/certificates").await.len();

    let no_eku_key = rcgen::KeyPair::generate().unwrap();
    let no_eku = kantine_certificate(
        &dir,
        "no-eku",
        |p| p.extended_key_usages.clear(),
        &no_eku_key,
        Some(&no_eku_key),
    );
    let cert_sign_key = rcgen::KeyPair::generate().unwrap();
    let cert_sign = kantine_certificate(
        &dir,
        "cert-sign",
        |p| p.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign],
        &cert_sign_key,
        Some(&cert_sign_key),
    );
    // Only the public half: ring cannot make or use an RSA key under 2048 bits, so no client can present it.
    let rsa =
        rcgen::SubjectPublicKeyInfo::from_pem(include_str!("../../access/tests/data/rsa-1024-public.pem")).unwrap();
    let rsa_1024 = kantine_certificate(&dir, "rsa-1024", |_| {}, &rsa, None);
    for (pem, reason) in [
        (no_eku, "udvidet nøglebrug (EKU) mangler clientAuth"),
        (
            cert_sign,
            "nøglebrug (keyUsage) tillader ikke digitalSignature (har: keyCertSign)",
        ),
        (rsa_1024, "RSA-nøglen er på 1024 bit; mindst 2048 bit kræves"),
    ] {
        let (status, body) = upload(pem).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{reason}: {body}");
        let text = body["error"].as_str().unwrap_or_default();
        assert!(
            text.starts_with("certifikatet må ikke bruges til klientgodkendelse: ") && text.contains(reason),
            "{reason}: {body}"
        );
    }
    assert_eq!(
        a.list("/api/v1/certificates").await.len(),
        before,
        "an unfit certificate was stored"
    );

    // From outside: the unfit certificates with their keys do not get through the handshake.
    for file in ["no-eku", "cert-sign"] {
        match s.client(file).post(&lpe).json(&read).send().await {
            Ok(r) => panic!(
                "{file} got an HTTP answer: {} {}",
                r.status(),
                r.text().await.unwrap_or_default()
            ),
            Err(e) => assert!(e.status().is_none(), "{file}: {e:?}"),
        }
    }
    // The same certificate left as the demo makes it is accepted at upload and authenticates.
    let good_key = rcgen::KeyPair::generate().unwrap();
    let good = kantine_certificate(&dir, "fit", |_| {}, &good_key, Some(&good_key));
    let (status, cert) = upload(good).await;
    assert_eq!(status, StatusCode::CREATED, "{cert}");
    assert_eq!(cert["status"], "valid");
    let r = s.client("fit").post(&lpe).json(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.assert_healthy().await;
}

/// Creates an order and walks it to `notified` (standard integrations); the clarified order (with its cost).
async fn order_through(a: &AdminApi, order: Value, covered: &[&str]) -> Value {
    let o = created(a, "/api/v1/orders", order).await;
    let id = o["id"].as_str().unwrap().to_owned();
    let clarified = advance(a, &id, json!({"to": "clarified", "covered_by_contract": covered})).await;
    for to in ["addendum_signed", "delivery_ordered", "access_set_up", "notified"] {
        advance(a, &id, json!({"to": to})).await;
    }
    clarified
}

/// A vendor's way in (issue 19): test certificates for its own system — over a CSR's key, or over a key pair the
/// server makes and shows once — that the services accept at once, and the operator's startup package of
/// time-limited grants in the test municipalities.
#[tokio::test]
async fn a_vendor_onboards_with_test_certificates_and_a_startup_package() {
    let s = Server::start().await;
    let a = &s.admin;
    let systems = a.list("/api/v1/systems").await;
    let kantinedata = systems.iter().find(|x| x["name"] == "kantine").unwrap()["vendor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, token) = a
        .post(
            "/api/v1/tokens",
            Some(json!({"name": "kantinedata", "role": "vendor", "scope": kantinedata})),
        )
        .await;
    let vendor = a.as_token(token["secret"].as_str().unwrap());
    let clients = s.data_dir().join("pki").join("clients");

    // A key pair made by the server: the private key is in the answer, the certificate has the OCES3 subject.
    let (status, made) = vendor
        .post("/api/v1/systems/kantine/test-certificate", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["cvr"], "18838737");
    assert!(made["serial_number"].as_str().unwrap().starts_with("UI:DK-O:G:"));
    let key = made["private_key_pem"].as_str().expect("the key, once");
    std::fs::write(
        clients.join("kantine-test.pem"),
        made["certificate_pem"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::write(clients.join("kantine-test-key.pem"), key).unwrap();

    // Over a CSR: the key never leaves the vendor.
    let own_key = rcgen::KeyPair::generate().unwrap();
    let csr = rcgen::CertificateParams::new(Vec::<String>::new())
        .unwrap()
        .serialize_request(&own_key)
        .unwrap()
        .pem()
        .unwrap();
    let (status, signed) = vendor
        .post(
            "/api/v1/systems/kantine/test-certificate",
            Some(json!({"csr": csr, "valid_days": 30})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{signed}");
    assert_eq!(signed["private_key_pem"], Value::Null);
    std::fs::write(
        clients.join("kantine-csr.pem"),
        signed["certificate_pem"].as_str().unwrap(),
    )
    .unwrap();
    std::fs::write(clients.join("kantine-csr-key.pem"), own_key.serialize_pem()).unwrap();
    let (status, body) = vendor
        .post(
            "/api/v1/systems/kantine/test-certificate",
            Some(json!({"csr": "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Another vendor's system is not there for it; the startup package is the operator's.
    let (status, _) = vendor
        .post("/api/v1/systems/vikarsystem/test-certificate", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = vendor
        .post("/api/v1/systems/kantine/startup-package", Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Both certificates are the system's at once: refused for want of a grant, not in the handshake.
    for file in ["kantine-test", "kantine-csr"] {
        assert_eq!(laes(&s, &s.client(file)).await, StatusCode::FORBIDDEN, "{file}");
    }

    // The startup package: every standard interface in both test municipalities for six months, but what the
    // system holds already (engangsydelse in 0340).
    let (status, package) = a.post("/api/v1/systems/kantine/startup-package", Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{package}");
    let grants = package["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 7 * 2 - 1, "{package}");
    let until: jiff::civil::Date = package["valid_to"].as_str().unwrap().parse().unwrap();
    let from: jiff::civil::Date = package["valid_from"].as_str().unwrap().parse().unwrap();
    assert_eq!(from.checked_add(jiff::Span::new().months(6)).unwrap(), until);
    assert!(grants.iter().all(|g| g["valid_to"] == package["valid_to"]));
    // (Granted in two municipalities now, a call names its own.)
    let in_0340 = format!("{}?kommune=0340", s.ws_url(SERVICE));
    for file in ["kantine", "kantine-test", "kantine-csr"] {
        let reply = post_soap(&s.client(file), &in_0340, laes_envelope("00000101")).await;
        assert_eq!(reply.status, StatusCode::OK, "{file}: {}", reply.body);
    }
    // Again: nothing new.
    let (status, again) = a
        .post("/api/v1/systems/kantine/startup-package", Some(json!({"months": 3})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(again["grants"].as_array().unwrap().len(), 0, "{again}");
}
