//! A vendor's way into the test environment (KMD's startup package for new vendors): in a test environment — the
//! demo CA's key is in the PKI directory — a vendor gets a test certificate for its own system, issued over the
//! public key of its CSR or over a key pair made here and shown once, with the OCES3-shaped subject snitflade
//! checks, and added to the system; and the operator gives a system its startup package in one step: time-limited
//! access (six months by default) to every standard interface in the test municipalities, ending by itself.

use crate::admin::{AdminState, error, store_error};
use crate::admin_access::lifecycle_error;
use crate::admin_json::Body;
use crate::auth::Caller;
use crate::scope::own_system;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use snitflade_domain::InterfaceId;
use snitflade_store::{access, vendors};

/// Longest validity of a test certificate (three years, as OCES3's own).
const MAX_CERTIFICATE_DAYS: i64 = 3 * 365;
/// Longest startup package.
const MAX_MONTHS: i64 = 24;

/// The seven standard interfaces a startup package opens (not the machine-hours service, not the Beskedfordeler).
const STANDARD_INTERFACES: [InterfaceId; 7] = [
    InterfaceId::Medarbejderoplysninger,
    InterfaceId::OpretFravaer,
    InterfaceId::Fravaerskvoter,
    InterfaceId::Moedetidsplaner,
    InterfaceId::Personalemappe,
    InterfaceId::Engangsydelse,
    InterfaceId::FasteTillaeg,
];

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/systems/{name}/test-certificate", post(test_certificate))
        .route("/systems/{name}/startup-package", post(startup_package))
}

/// The caller's own system `name`, in a test environment (the demo CA's key present) only: `what` is refused
/// elsewhere with 409.
pub(crate) async fn own_system_in_test(
    s: &AdminState,
    caller: &Caller,
    name: &str,
    what: &str,
) -> Result<access::SystemRecord, Response> {
    let system = own_system(s, caller, name).await?;
    if !s.pki_dir.join("ca-key.pem").exists() {
        return Err(error(
            StatusCode::CONFLICT,
            format!("dette er ikke et testmiljø: {what} are issued only where the demo CA's key is present"),
        ));
    }
    Ok(system)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCertificateRequest {
    /// A PKCS#10 certificate signing request (PEM); none: a key pair is made here and its private key answered once.
    csr: Option<String>,
    /// Days the certificate is valid [default 730, at most 1095].
    valid_days: Option<i64>,
}

/// `POST /systems/{name}/test-certificate`.
async fn test_certificate(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    Body(b): Body<TestCertificateRequest>,
) -> Response {
    let system = match own_system_in_test(&s, &caller, &name, "test certificates").await {
        Ok(system) => system,
        Err(r) => return r,
    };
    let days = b.valid_days.unwrap_or(730);
    if !(1..=MAX_CERTIFICATE_DAYS).contains(&days) {
        return error(
            StatusCode::BAD_REQUEST,
            format!("valid_days: 1 to {MAX_CERTIFICATE_DAYS}"),
        );
    }
    let vendor = match &system.vendor_id {
        Some(id) => match vendors::vendor_by_id(s.services.store().pool(), id).await {
            Ok(Some(v)) => v,
            Ok(None) => return error(StatusCode::CONFLICT, format!("the vendor of '{name}' is unknown")),
            Err(e) => return store_error(e),
        },
        None => return error(StatusCode::CONFLICT, format!("'{name}' is linked to no vendor")),
    };
    let pki = s.pki_dir.to_path_buf();
    let (system_name, vendor_name, cvr) = (system.name.clone(), vendor.name.clone(), vendor.cvr.clone());
    let issued = tokio::task::spawn_blocking(
        move || match b.csr.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(csr) => crate::demo::pki::issue_for_csr(&pki, csr, &system_name, &vendor_name, &cvr, days)
                .map(|cert| (cert, None)),
            None => crate::demo::pki::issue_client_certificate(&pki, &system_name, &vendor_name, &cvr, days)
                .map(|(cert, key)| (cert, Some(key))),
        },
    )
    .await;
    let (certificate, private_key) = match issued {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, format!("{e:#}")),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    };
    let uploaded = s
        .lifecycle
        .upload_certificate(&name, certificate.as_bytes(), Some(&caller.actor()))
        .await;
    match uploaded {
        Ok(u) => {
            let mut answer = serde_json::to_value(&u.certificate).unwrap_or_default();
            answer["certificate_pem"] = certificate.into();
            // The only time a key made here is shown; it is not kept.
            answer["private_key_pem"] = private_key.into();
            (StatusCode::CREATED, Json(answer)).into_response()
        }
        Err(e) => lifecycle_error(e),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartupPackageRequest {
    /// How long the access lasts, in months [default 6, at most 24].
    months: Option<i64>,
}

/// `POST /systems/{name}/startup-package`: grants of every standard interface (at its default level) in every test
/// municipality, from today until `months` later; grants the system already has there are left as they are.
async fn startup_package(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    Body(b): Body<StartupPackageRequest>,
) -> Response {
    let months = b.months.unwrap_or(6);
    if !(1..=MAX_MONTHS).contains(&months) {
        return error(StatusCode::BAD_REQUEST, format!("months: 1 to {MAX_MONTHS}"));
    }
    if s.test_municipalities.is_empty() {
        return error(
            StatusCode::CONFLICT,
            "no test municipalities are configured (test_municipalities in the config file)",
        );
    }
    let system = match own_system(&s, &caller, &name).await {
        Ok(system) => system,
        Err(r) => return r,
    };
    let today = snitflade_domain::maskintimer::copenhagen_day(jiff::Timestamp::now());
    let Ok(until) = today.checked_add(jiff::Span::new().months(months)) else {
        return error(StatusCode::BAD_REQUEST, "months out of range");
    };
    let existing = match access::grants_of_system(s.services.store().pool(), &system.id).await {
        Ok(g) => g,
        Err(e) => return store_error(e),
    };
    let mut grants = Vec::new();
    for municipality in s.test_municipalities.iter() {
        for interface in STANDARD_INTERFACES {
            let held = existing.iter().any(|g| {
                g.municipality == *municipality
                    && g.interface == interface.as_str()
                    && g.closed_at.is_none()
                    && g.valid_to.as_deref().is_none_or(|to| to >= today.to_string().as_str())
            });
            if held {
                continue;
            }
            grants.push(access::GrantRecord {
                id: uuid::Uuid::new_v4().to_string(),
                system_id: system.id.clone(),
                interface: interface.as_str().into(),
                municipality: municipality.clone(),
                access: interface.default_level(),
                valid_from: today.to_string(),
                valid_to: Some(until.to_string()),
                ..access::GrantRecord::default()
            });
        }
    }
    let (insert, actor, system_name) = (grants.clone(), caller.actor(), name.clone());
    let detail = json!({ "system": name, "months": months, "until": until.to_string(), "grants": grants.len() });
    let stored = s
        .services
        .store()
        .write(move |c| {
            let (grants, actor, detail, system_name) =
                (insert.clone(), actor.clone(), detail.clone(), system_name.clone());
            Box::pin(async move {
                for g in &grants {
                    access::insert_grant(c, g).await?;
                }
                let now = snitflade_store::now_text();
                snitflade_store::admin_audit::record(
                    c,
                    &actor,
                    "system.startup_package",
                    "system",
                    &system_name,
                    &detail,
                    &now,
                )
                .await
            })
        })
        .await;
    if let Err(e) = stored {
        return store_error(e);
    }
    if let Err(e) = s.lifecycle.access_changed().await {
        tracing::error!(error = %e, "reloading the access table failed");
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the grants are stored but not yet in force",
        );
    }
    (
        StatusCode::CREATED,
        Json(
            json!({ "system": name, "valid_from": today.to_string(), "valid_to": until.to_string(), "grants": grants }),
        ),
    )
        .into_response()
}
