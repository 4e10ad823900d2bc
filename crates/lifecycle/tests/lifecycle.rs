//! The access lifecycle's operations on every engine (SQLite always, PostgreSQL when `SNITFLADE_TEST_DATABASE_URL`
//! is set): parties, certificate upload (chain, CVR, renewal, revocation by CRL), standard and individual orders
//! through every step with their prices, grants in force at delivery and gone at closing, urgent closing,
//! invoices per month, and the admin audit log.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DnType, DnValue, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevocationReason, RevokedCertParams, SerialNumber,
};
use serde_json::json;
use snitflade_access::SystemInfo;
use snitflade_access::certificates::TrustAnchors;
use snitflade_domain::orders::{OrderState, Party};
use snitflade_domain::{AccessLevel, InterfaceId, Kommunekode};
use snitflade_lifecycle::closing::UrgentClose;
use snitflade_lifecycle::orders::{Advance, Close, NewOrder, PriceListInput};
use snitflade_lifecycle::parties::{CustomerInput, StandardIntegrationInput, SystemInput, VendorInput};
use snitflade_lifecycle::{Lifecycle, LifecycleError, today};
use snitflade_store::Store;
use snitflade_store::testing::TestDb;

struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

fn ca(name: &str) -> Ca {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name.push(DnType::CommonName, name);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = p.self_signed(&key).unwrap();
    Ca {
        pem: cert.pem(),
        issuer: Issuer::new(p, key),
    }
}

/// An OCES3-style system certificate issued by `ca`, valid `days` from yesterday; (PEM, serial).
fn system_cert(ca: &Ca, cvr: &str, cn: &str, days: i64, serial: u64) -> (String, u64) {
    let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
    p.distinguished_name = rcgen::DistinguishedName::new();
    p.distinguished_name.push(DnType::CountryName, "DK");
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 97]),
        DnValue::Utf8String(format!("NTRDK-{cvr}")),
    );
    p.distinguished_name.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        DnValue::PrintableString(format!("UI:DK-O:G:{}", uuid::Uuid::new_v4()).try_into().unwrap()),
    );
    p.distinguished_name.push(DnType::CommonName, cn);
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.serial_number = Some(SerialNumber::from(serial));
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(1);
    p.not_after = now + time::Duration::days(days);
    let cert = p.signed_by(&KeyPair::generate().unwrap(), &ca.issuer).unwrap();
    (cert.pem(), serial)
}

fn crl(ca: &Ca, serials: &[u64]) -> Vec<u8> {
    let now = time::OffsetDateTime::now_utc();
    CertificateRevocationListParams {
        this_update: now - time::Duration::minutes(1),
        next_update: now + time::Duration::days(7),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: serials
            .iter()
            .map(|s| RevokedCertParams {
                serial_number: SerialNumber::from(*s),
                revocation_time: now,
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect(),
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&ca.issuer)
    .unwrap()
    .der()
    .to_vec()
}

fn vendor(name: &str, cvr: &str) -> VendorInput {
    VendorInput {
        name: name.into(),
        cvr: cvr.into(),
        contact_name: "Kim Kontakt".into(),
        contact_phone: "+45 11 22 33 44".into(),
        contact_email: "kim@example.dk".into(),
        actor: Some("test".into()),
    }
}

fn advance(to: OrderState) -> Advance {
    Advance {
        to,
        actor: Some("kmd".into()),
        note: None,
        covered_by_contract: None,
        certificate: None,
    }
}

/// The party whose step `to` is (in KMD's ordering process): the one that takes it in these tests.
fn party(to: OrderState) -> Party {
    match to {
        OrderState::Proposed | OrderState::CertificatesClarified => Party::Vendor,
        OrderState::AddendumSigned | OrderState::Cancelled => Party::Municipality,
        _ => Party::Operator,
    }
}

fn price_list() -> PriceListInput {
    serde_json::from_value(json!({
        "startup_fee": {"medarbejderoplysninger": "40000", "opret-fravaer": "30000"},
        "running_fee": {"medarbejderoplysninger": "2500", "opret-fravaer": "2000"},
        "package_running_fee": "3000", "setup_fee_standard": "5000", "setup_fee_individual": "18000",
        "valid_from": "2020-01-01"
    }))
    .unwrap()
}

fn allowed(l: &Lifecycle, system: &SystemInfo, interface: InterfaceId) -> bool {
    let k = Kommunekode::parse("0340").unwrap();
    l.access().resolve(system, interface, Some(k), today()).is_ok()
}

fn level(l: &Lifecycle, system: &SystemInfo, interface: InterfaceId) -> Option<AccessLevel> {
    l.access()
        .level(system, interface, Kommunekode::parse("0340").unwrap(), today())
}

fn amounts(cost: &serde_json::Value) -> (String, String) {
    (
        cost["one_time"].as_str().unwrap().to_owned(),
        cost["running_per_period"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_lifecycle_on_every_engine() {
    for db in TestDb::all().await {
        scenario(&db.url).await;
        db.cleanup().await;
    }
}

async fn scenario(url: &str) {
    let store = Store::open(url).await.unwrap();
    let trusted = ca("Test OCES3 rod");
    let anchors = TrustAnchors::from_pem(trusted.pem.as_bytes()).unwrap();
    let l = Lifecycle::new(store.clone(), snitflade_access::AccessControl::new(), anchors);

    let customer = CustomerInput {
        name: "Sorø Kommune".into(),
        cvr: "29189730".into(),
        contact_name: "HR".into(),
        contact_phone: String::new(),
        contact_email: "hr@soroe.example".into(),
        actor: None,
    };
    assert!(l.put_municipality("0340", customer.clone()).await.unwrap().0);
    assert!(
        !l.put_municipality("340", customer).await.unwrap().0,
        "the second put updates"
    );

    let v = l.add_vendor(vendor("Vikarsystemer A/S", "93478878")).await.unwrap();
    assert!(matches!(
        l.add_vendor(vendor("Kopi", "93478878")).await,
        Err(LifecycleError::Conflict(_))
    ));
    assert!(matches!(
        l.add_vendor(vendor("Forkert", "12345678")).await,
        Err(LifecycleError::BadRequest(_))
    ));
    let sys = l
        .add_system(SystemInput {
            name: Some("vikar".into()),
            vendor: v.id.clone(),
            actor: None,
        })
        .await
        .unwrap();
    let info = SystemInfo {
        id: sys.id.clone(),
        name: sys.name.clone(),
    };

    // Certificates: the chain must lead to the anchor, the CVR must be the vendor's.
    let (leaf, _) = system_cert(&trusted, "93478878", "vikar", 365, 1001);
    let bundle = format!("{leaf}{}", trusted.pem);
    let first = l.upload_certificate("vikar", bundle.as_bytes(), None).await.unwrap();
    assert!(first.created);
    assert_eq!(first.certificate.status, "valid");
    assert!(
        !l.upload_certificate("vikar", bundle.as_bytes(), None)
            .await
            .unwrap()
            .created
    );
    let (wrong_cvr, _) = system_cert(&trusted, "29189730", "vikar", 365, 1002);
    assert!(matches!(
        l.upload_certificate("vikar", wrong_cvr.as_bytes(), None).await,
        Err(LifecycleError::Refused(_))
    ));
    let (untrusted, _) = system_cert(&ca("Ukendt CA"), "93478878", "vikar", 365, 1003);
    assert!(matches!(
        l.upload_certificate("vikar", untrusted.as_bytes(), None).await,
        Err(LifecycleError::Refused(_))
    ));
    let fp = first.certificate.fingerprint.clone();

    // Without a price list nothing can be clarified; with it, orders are priced.
    l.add_standard_integration(StandardIntegrationInput {
        id: "SI-1".into(),
        vendor: v.id.clone(),
        system: "vikar".into(),
        interfaces: vec!["medarbejderoplysninger".into()],
        certificate: fp.clone(),
        actor: None,
    })
    .await
    .unwrap();
    let new_order = |interfaces: &[&str], si: Option<&str>| NewOrder {
        municipality: "0340".into(),
        system: "vikar".into(),
        interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
        access: Default::default(),
        package: false,
        standard_integration: si.map(str::to_owned),
        certificate: None,
        valid_from: None,
        note: None,
        actor: Some("leverandør".into()),
    };
    assert!(matches!(
        l.create_order(new_order(&["opret-fravaer"], Some("SI-1")), Party::Vendor)
            .await,
        Err(LifecycleError::Conflict(_))
    ));
    let o = l
        .create_order(new_order(&["medarbejderoplysninger"], Some("SI-1")), Party::Vendor)
        .await
        .unwrap();
    assert_eq!(
        o.certificate.as_deref(),
        Some(fp.as_str()),
        "the standard integration's certificate"
    );
    assert!(matches!(
        l.advance_order(&o.id, advance(OrderState::Clarified), party(OrderState::Clarified))
            .await,
        Err(LifecycleError::Conflict(_))
    ));
    l.set_price_list(price_list()).await.unwrap();
    // Each step belongs to its party: the vendor does not clarify, nor the municipality set up its own access.
    assert!(matches!(
        l.advance_order(&o.id, advance(OrderState::Clarified), Party::Vendor)
            .await,
        Err(LifecycleError::Forbidden(_))
    ));
    let mut walked = None;
    for to in [
        OrderState::Clarified,
        OrderState::AddendumSigned,
        OrderState::DeliveryOrdered,
    ] {
        walked = Some(l.advance_order(&o.id, advance(to), party(to)).await.unwrap());
        assert!(!allowed(&l, &info, InterfaceId::Medarbejderoplysninger));
    }
    let cost = walked.unwrap().cost.unwrap();
    assert_eq!(amounts(&cost), ("45000".into(), "2500".into()));
    assert!(matches!(
        l.advance_order(&o.id, advance(OrderState::Notified), party(OrderState::Notified))
            .await,
        Err(LifecycleError::Conflict(_))
    ));
    let refused = l
        .advance_order(&o.id, advance(OrderState::AccessSetUp), Party::Municipality)
        .await;
    assert!(matches!(refused, Err(LifecycleError::Forbidden(m)) if m.contains("operatøren")));
    let delivered = l
        .advance_order(&o.id, advance(OrderState::AccessSetUp), party(OrderState::AccessSetUp))
        .await
        .unwrap();
    assert_eq!(delivered.delivered_on, Some(today().to_string()));
    assert!(allowed(&l, &info, InterfaceId::Medarbejderoplysninger));
    // Ordered without a level, Medarbejderoplysninger reads only (Ret must be ordered).
    assert_eq!(
        delivered.access,
        [("medarbejderoplysninger".to_owned(), AccessLevel::Read)].into()
    );
    assert_eq!(
        level(&l, &info, InterfaceId::Medarbejderoplysninger),
        Some(AccessLevel::Read)
    );
    assert!(matches!(
        l.advance_order(&o.id, advance(OrderState::Cancelled), party(OrderState::Cancelled))
            .await,
        Err(LifecycleError::Conflict(_))
    ));
    l.advance_order(&o.id, advance(OrderState::Notified), party(OrderState::Notified))
        .await
        .unwrap();

    // An individual order needs the certificates clarified; the set-up fee is the individual one, and no second
    // set-up for a system that has access already... except that it is a new purchase of another interface.
    // A level the interface cannot have, or one for an interface not ordered, is refused.
    let mut wrong = new_order(&["opret-fravaer", "fravaerskvoter"], None);
    wrong.access = [("fravaerskvoter".to_owned(), AccessLevel::ReadWrite)].into();
    let refused = l.create_order(wrong, Party::Vendor).await;
    assert!(
        matches!(&refused, Err(LifecycleError::BadRequest(t)) if t.contains("fravaerskvoter")),
        "{refused:?}"
    );
    let mut wrong = new_order(&["opret-fravaer"], None);
    wrong.access = [("medarbejderoplysninger".to_owned(), AccessLevel::ReadWrite)].into();
    assert!(matches!(
        l.create_order(wrong, Party::Vendor).await,
        Err(LifecycleError::BadRequest(_))
    ));
    let ind = l
        .create_order(new_order(&["opret-fravaer"], None), Party::Vendor)
        .await
        .unwrap();
    assert_eq!(ind.kind, "individual");
    // Opret fravær exists to register absence: without a level it is read-write.
    assert_eq!(
        ind.access,
        [("opret-fravaer".to_owned(), AccessLevel::ReadWrite)].into()
    );
    let c = l
        .advance_order(&ind.id, advance(OrderState::Clarified), party(OrderState::Clarified))
        .await
        .unwrap();
    assert_eq!(
        amounts(&c.cost.unwrap()),
        ("30000".into(), "2000".into()),
        "no set-up: the system has access"
    );
    assert!(matches!(
        l.advance_order(
            &ind.id,
            advance(OrderState::AddendumSigned),
            party(OrderState::AddendumSigned)
        )
        .await,
        Err(LifecycleError::Conflict(_))
    ));
    let mut step = advance(OrderState::CertificatesClarified);
    step.certificate = Some(fp.clone());
    l.advance_order(&ind.id, step, Party::Vendor).await.unwrap();
    for to in [
        OrderState::AddendumSigned,
        OrderState::DeliveryOrdered,
        OrderState::AccessSetUp,
    ] {
        l.advance_order(&ind.id, advance(to), party(to)).await.unwrap();
    }
    assert!(allowed(&l, &info, InterfaceId::OpretFravaer));
    assert_eq!(
        level(&l, &info, InterfaceId::OpretFravaer),
        Some(AccessLevel::ReadWrite)
    );

    // A cancelled order creates nothing.
    let cancelled = l
        .create_order(new_order(&["medarbejderoplysninger"], Some("SI-1")), Party::Vendor)
        .await
        .unwrap();
    let gone = l
        .advance_order(
            &cancelled.id,
            advance(OrderState::Cancelled),
            party(OrderState::Cancelled),
        )
        .await
        .unwrap();
    assert_eq!(gone.state, "cancelled");

    // This month: every fee of both orders; next month: the running fees only.
    let month = |d: jiff::civil::Date| d.strftime("%Y-%m").to_string();
    let this = l.invoices(&month(today()), None).await.unwrap();
    assert_eq!(this.municipalities.len(), 1);
    assert_eq!(this.municipalities[0].total.to_string(), "79500");
    let next_month = today().checked_add(jiff::Span::new().months(1)).unwrap();
    let next = l.invoices(&month(next_month), Some("0340")).await.unwrap();
    assert_eq!(next.municipalities[0].total.to_string(), "4500");
    assert_eq!(this.to_csv().lines().count(), 1 + this.municipalities[0].lines.len());

    // Normal closing on a later day keeps access until then; the running fee stops after that month.
    let later = next_month.checked_add(jiff::Span::new().months(1)).unwrap();
    let closed = l
        .close_order(
            &ind.id,
            Close {
                on: Some(later),
                reason: Some("Opsagt".into()),
                actor: None,
            },
            Party::Municipality,
        )
        .await
        .unwrap();
    assert_eq!(closed.closed.unwrap().kind, "normal");
    assert!(allowed(&l, &info, InterfaceId::OpretFravaer));
    let after = l
        .invoices(&month(later.checked_add(jiff::Span::new().months(1)).unwrap()), None)
        .await
        .unwrap();
    assert_eq!(after.municipalities[0].total.to_string(), "2500");

    // Renewal beside the old certificate; expiry warnings; a CRL revokes.
    let (short, short_serial) = system_cert(&trusted, "93478878", "vikar", 20, 1004);
    let short_fp = l
        .upload_certificate("vikar", short.as_bytes(), None)
        .await
        .unwrap()
        .certificate
        .fingerprint;
    let warnings = l.expiry_warnings(30).await.unwrap();
    let w = warnings.iter().find(|w| w.fingerprint == short_fp).expect("a warning");
    assert!((19..=20).contains(&w.days_left), "{}", w.days_left);
    assert_eq!(w.renewed_by.as_slice(), std::slice::from_ref(&fp));
    assert!(l.access().system(&short_fp).is_ok() && l.access().system(&fp).is_ok());
    assert!(matches!(
        l.add_crl(&crl(&ca("Ukendt CA"), &[short_serial]), None).await,
        Err(LifecycleError::Refused(_))
    ));
    let added = l.add_crl(&crl(&trusted, &[short_serial]), None).await.unwrap();
    assert_eq!(added.revoked.as_slice(), std::slice::from_ref(&short_fp));
    assert!(l.access().system(&short_fp).is_err());
    assert!(l.access().system(&fp).is_ok());

    // Urgent closing: everything of the system ends now.
    let urgent = l
        .urgent_close(
            "vikar",
            UrgentClose {
                reason: "Sikkerhedsbrud".into(),
                municipality: None,
                actor: Some("support".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(urgent.grants_closed, 2);
    assert_eq!(urgent.orders_closed.len(), 2);
    assert!(!allowed(&l, &info, InterfaceId::Medarbejderoplysninger));
    assert!(!allowed(&l, &info, InterfaceId::OpretFravaer));
    let o = l.order(&o.id).await.unwrap();
    assert_eq!(o.closed.unwrap().kind, "urgent");

    let log = snitflade_store::admin_audit::list(store.pool(), None, 1000)
        .await
        .unwrap();
    for action in [
        "municipality.put",
        "vendor.add",
        "system.add",
        "certificate.add",
        "standard_integration.add",
        "price_list.set",
        "order.create",
        "order.advance",
        "order.close",
        "crl.add",
        "system.urgent_close",
    ] {
        assert!(log.iter().any(|e| e.action == action), "{action} not logged");
    }
    store.close().await;
}
