//! Adgang: vendors, systems and their certificates, standard integrations, orders as a timeline of the ordering
//! steps with the button for the step that is the signed-in person's, urgent closing behind a confirmation that
//! names what will be cut off, the price list and invoices (CSV).

use super::{Ok_, done, frame, unavailable};
use crate::console::api::{self, query};
use crate::console::view::{J, Page, html, local_time};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use snitflade_domain::orders::{IntegrationKind, OrderState, step_parties};

#[derive(Template)]
#[template(path = "access.html")]
struct AccessPage<'a> {
    page: Page,
    vendors: J<'a>,
    systems: J<'a>,
    integrations: J<'a>,
    orders: J<'a>,
    prices: J<'a>,
    municipalities: J<'a>,
    period: String,
}

impl AccessPage<'_> {
    fn operator(&self) -> bool {
        self.page.role == "operator"
    }
    fn invoices(&self) -> bool {
        matches!(self.page.role, "operator" | "municipality")
    }
    fn uploads(&self) -> bool {
        matches!(self.page.role, "operator" | "vendor")
    }
}

/// A list the page shows, or `[]` when the role may not read it (the API's 403: the section stays empty).
async fn list(s: &ConsoleState, signed: &Signed, path: &str) -> Result<Value, api::Failed> {
    match api::get(s, &signed.principal, path).await {
        Err(f) if f.status == StatusCode::FORBIDDEN => Ok(json!([])),
        other => other,
    }
}

/// `GET /adgang`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Ok_>) -> Response {
    let reads = tokio::try_join!(
        list(&s, &signed, "/api/v1/vendors"),
        list(&s, &signed, "/api/v1/systems"),
        list(&s, &signed, "/api/v1/standard-integrations"),
        list(&s, &signed, "/api/v1/orders"),
        list(&s, &signed, "/api/v1/price-list"),
        list(&s, &signed, "/api/v1/municipalities"),
    );
    let (vendors, systems, integrations, orders, prices, municipalities) = match reads {
        Ok(r) => r,
        Err(f) => return unavailable(&signed, "/adgang", f),
    };
    let period = jiff::Zoned::now().strftime("%Y-%m").to_string();
    let page = AccessPage {
        page: frame(&signed, "/adgang", q.ok.as_deref()),
        vendors: J(&vendors),
        systems: J(&systems),
        integrations: J(&integrations),
        orders: J(&orders),
        prices: J(&prices),
        municipalities: J(&municipalities),
        period,
    };
    html(StatusCode::OK, page.render())
}

#[derive(Deserialize)]
pub(crate) struct NewOrder {
    municipality: String,
    system: String,
    #[serde(default)]
    standard_integration: String,
    #[serde(default)]
    interfaces: String,
    #[serde(default)]
    note: String,
}

/// `POST /adgang/ordrer`: an order (a vendor's first step: it indicates the integration to its customer).
pub(crate) async fn new_order(State(s): State<ConsoleState>, signed: Signed, Form(f): Form<NewOrder>) -> Response {
    let interfaces: Vec<&str> = f
        .interfaces
        .split([',', ' '])
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .collect();
    let mut body =
        json!({ "municipality": f.municipality.trim(), "system": f.system.trim(), "interfaces": interfaces });
    if !f.standard_integration.trim().is_empty() {
        body["standard_integration"] = f.standard_integration.trim().into();
    }
    if !f.note.trim().is_empty() {
        body["note"] = f.note.trim().into();
    }
    match api::call(&s, &signed.principal, Method::POST, "/api/v1/orders", Some(body)).await {
        Ok(o) => done(
            &format!("/adgang/ordrer/{}", api::segment(o["id"].as_str().unwrap_or_default())),
            "ordre",
        ),
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

/// One step of an order's kind: (state, who took it, when, whether it is taken).
type TimelineStep = (&'static str, String, String, bool);

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage<'a> {
    page: Page,
    o: J<'a>,
    timeline: Vec<TimelineStep>,
    /// The next step, when it is the signed-in person's to take.
    mine: Option<&'static str>,
    /// The next step and who takes it, when it is someone else's.
    waiting: Option<(&'static str, String)>,
    /// The system's certificates (fingerprints), for the step that settles which one the access is set up on.
    certificates: Vec<String>,
    /// Whether the signed-in person is offered the normal close.
    closable: bool,
}

/// The timeline of an order: each step of its kind with who took it and when, and the next step.
fn timeline(o: &Value) -> (Vec<TimelineStep>, Option<OrderState>) {
    let kind: IntegrationKind = serde_json::from_value(o["kind"].clone()).unwrap_or(IntegrationKind::Standard);
    let state: Option<OrderState> = serde_json::from_value(o["state"].clone()).ok();
    let steps = o["steps"].as_array().cloned().unwrap_or_default();
    let taken = |s: OrderState| {
        steps.iter().find(|st| st["state"] == s.as_str()).map(|st| {
            (
                st["actor"].as_str().unwrap_or_default().to_owned(),
                st["at"].as_str().unwrap_or_default().to_owned(),
            )
        })
    };
    let mut out = Vec::new();
    let mut at = Some(OrderState::Proposed);
    while let Some(s) = at {
        let (who, when) = taken(s).unwrap_or_default();
        out.push((s.as_str(), who, local_time(&when), taken(s).is_some()));
        at = s.next(kind);
    }
    if let Some((who, when)) = taken(OrderState::Cancelled) {
        out.push((OrderState::Cancelled.as_str(), who, local_time(&when), true));
    }
    let next = state.and_then(|s| s.next(kind));
    (out, next)
}

async fn order_page(s: &ConsoleState, signed: &Signed, id: &str, page: Page, status: StatusCode) -> Response {
    let o = match api::get(s, &signed.principal, &format!("/api/v1/orders/{}", api::segment(id))).await {
        Ok(o) => o,
        Err(f) => return unavailable(signed, "/adgang", f),
    };
    let (timeline, next) = timeline(&o);
    let state: Option<OrderState> = serde_json::from_value(o["state"].clone()).ok();
    let party = signed.principal.role.party_in(
        o["municipality"].as_str().unwrap_or_default(),
        o["vendor"]["id"].as_str(),
    );
    let (mut mine, mut waiting) = (None, None);
    if let (Some(from), Some(to)) = (state, next) {
        let parties = step_parties(from, to);
        if party.is_some_and(|p| parties.contains(&p)) {
            mine = Some(to.as_str());
        } else {
            let who: Vec<&str> = parties.iter().map(|p| p.danish()).collect();
            waiting = Some((to.as_str(), who.join(", ")));
        }
    }
    let mut certificates = Vec::new();
    if mine == Some(OrderState::CertificatesClarified.as_str())
        && let Ok(systems) = api::get(s, &signed.principal, "/api/v1/systems").await
    {
        let name = o["system"].as_str().unwrap_or_default();
        if let Some(system) = J(&systems).items().into_iter().find(|x| x.f("name").eq(name)) {
            certificates = system
                .f("certificates")
                .items()
                .iter()
                .map(ToString::to_string)
                .collect();
        }
    }
    // A delivered order may be closed normally by the municipality (and the operator); the API decides.
    let closable = o["closed"].is_null()
        && matches!(state, Some(OrderState::AccessSetUp | OrderState::Notified))
        && matches!(signed.principal.role.kind().as_str(), "operator" | "municipality");
    let page = OrderPage {
        page,
        o: J(&o),
        timeline,
        mine,
        waiting,
        certificates,
        closable,
    };
    html(status, page.render())
}

/// `GET /adgang/ordrer/{id}`.
pub(crate) async fn order(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(q): Query<Ok_>,
) -> Response {
    let page = frame(&signed, "/adgang", q.ok.as_deref());
    order_page(&s, &signed, &id, page, StatusCode::OK).await
}

#[derive(Deserialize)]
pub(crate) struct Step {
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    certificate: String,
}

/// `POST /adgang/ordrer/{id}/trin`: the signed-in person's step (the lifecycle decides whether it is theirs).
pub(crate) async fn advance(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(f): Form<Step>,
) -> Response {
    let mut body = json!({ "to": f.to });
    if !f.certificate.trim().is_empty() {
        body["certificate"] = f.certificate.trim().into();
    }
    if !f.note.trim().is_empty() {
        body["note"] = f.note.trim().into();
    }
    let path = format!("/api/v1/orders/{}/advance", api::segment(&id));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(body)).await {
        Ok(_) => done(&format!("/adgang/ordrer/{}", api::segment(&id)), "trin"),
        Err(f) if f.status.is_client_error() && f.status != StatusCode::NOT_FOUND => {
            let page = Page::new(&signed, "/adgang").refused(f.message);
            order_page(&s, &signed, &id, page, f.status).await
        }
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

#[derive(Template)]
#[template(path = "close.html")]
struct ConfirmClose<'a> {
    page: Page,
    system: &'a str,
    /// The grants in force that closing cuts off.
    grants: Vec<J<'a>>,
}

/// `GET /adgang/systemer/{name}/luk`: what urgent closing will cut off, and the button.
pub(crate) async fn confirm_close(State(s): State<ConsoleState>, signed: Signed, Path(name): Path<String>) -> Response {
    let reads = tokio::try_join!(
        api::get(&s, &signed.principal, "/api/v1/systems"),
        api::get(&s, &signed.principal, "/api/v1/grants"),
    );
    let (systems, grants) = match reads {
        Ok(r) => r,
        Err(f) => return unavailable(&signed, "/adgang", f),
    };
    // A system out of the person's scope is not there for them (as the API answers for it).
    let Some(id) = J(&systems)
        .items()
        .into_iter()
        .find(|x| x.f("name").eq(&name))
        .map(|x| x.f("id").to_string())
    else {
        let f = api::Failed::new(StatusCode::NOT_FOUND, format!("systemet '{name}' findes ikke"));
        return unavailable(&signed, "/adgang", f);
    };
    let affected: Vec<J> = J(&grants)
        .items()
        .into_iter()
        .filter(|g| g.f("system_id").eq(&id) && !g.f("closed_at").is())
        .collect();
    html(
        StatusCode::OK,
        ConfirmClose {
            page: Page::new(&signed, "/adgang"),
            system: &name,
            grants: affected,
        }
        .render(),
    )
}

#[derive(Deserialize)]
pub(crate) struct Close {
    reason: String,
    #[serde(default)]
    municipality: String,
}

/// `POST /adgang/systemer/{name}/luk`: urgent closing (the operator's; the API refuses others).
pub(crate) async fn urgent_close(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<Close>,
) -> Response {
    let mut body = json!({ "reason": f.reason.trim() });
    if !f.municipality.trim().is_empty() {
        body["municipality"] = f.municipality.trim().into();
    }
    let path = format!("/api/v1/systems/{}/urgent-close", api::segment(&name));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(body)).await {
        Ok(_) => done("/adgang", "lukket"),
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct Period {
    #[serde(default)]
    period: String,
}

/// `GET /adgang/fakturaer.csv?period=yyyy-mm`: the invoices as the API writes them in CSV.
pub(crate) async fn invoices_csv(State(s): State<ConsoleState>, signed: Signed, Query(p): Query<Period>) -> Response {
    let path = format!("/api/v1/invoices{}", query(&[("period", &p.period), ("format", "csv")]));
    match api::send(&s, &signed.principal, Method::GET, &path, None).await {
        Ok(raw) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, raw.content_type),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"fakturaer-{}.csv\"",
                        p.period.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "")
                    ),
                ),
            ],
            raw.body,
        )
            .into_response(),
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

/// `POST /adgang/systemer/{name}/certifikater?csrf=`: a certificate file (.pem with its chain, or a .zip of them)
/// dropped on or chosen in the system's upload field, sent to the API as it is; a refusal names the reason.
pub(crate) async fn upload_certificate(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(name): Path<String>,
    form: axum::extract::Multipart,
) -> Response {
    let refused = |message: String| {
        let f = api::Failed::new(StatusCode::UNPROCESSABLE_ENTITY, message);
        unavailable(&signed, "/adgang", f)
    };
    let fields = match super::multipart_fields(form).await {
        Ok(f) => f,
        Err(e) => return refused(e),
    };
    let Some(file) = fields.get("fil").filter(|f| !f.bytes.is_empty()) else {
        return refused("Vælg eller slip en .pem- eller .zip-fil.".into());
    };
    // The API tells a zip from PEM by the bytes; the type only has to be one it takes.
    let zip = file.bytes.starts_with(b"PK\x03\x04");
    let content_type = if zip {
        "application/zip"
    } else {
        "application/x-pem-file"
    };
    let path = format!("/api/v1/systems/{}/certificates", api::segment(&name));
    match api::send(
        &s,
        &signed.principal,
        Method::POST,
        &path,
        Some((content_type, file.bytes.clone())),
    )
    .await
    {
        Ok(_) => done("/adgang", "certifikat"),
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct TestCertificateForm {
    #[serde(default)]
    csr: String,
}

#[derive(Template)]
#[template(path = "test_certificate.html")]
struct TestCertificatePage<'a> {
    page: Page,
    system: &'a str,
    certificate: String,
    /// The private key, when the server made the pair: shown this once.
    key: Option<String>,
}

/// `POST /adgang/systemer/{name}/testcertifikat`: in a test environment, a test certificate over the pasted CSR's
/// key, or over a key pair made by the server — shown this once, with the certificate.
pub(crate) async fn test_certificate(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(name): Path<String>,
    Form(f): Form<TestCertificateForm>,
) -> Response {
    let mut body = json!({});
    if !f.csr.trim().is_empty() {
        body["csr"] = f.csr.trim().into();
    }
    let path = format!("/api/v1/systems/{}/test-certificate", api::segment(&name));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(body)).await {
        Ok(v) => {
            let page = Page::new(&signed, "/adgang").ok(signed.lang.s("Certifikatet er tilføjet."));
            let certificate = v["certificate_pem"].as_str().unwrap_or_default().to_owned();
            let key = v["private_key_pem"].as_str().map(str::to_owned);
            html(
                StatusCode::CREATED,
                TestCertificatePage {
                    page,
                    system: &name,
                    certificate,
                    key,
                }
                .render(),
            )
        }
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

/// `POST /adgang/systemer/{name}/opstartspakke`: the operator gives the system its startup package.
pub(crate) async fn startup_package(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(name): Path<String>,
) -> Response {
    let path = format!("/api/v1/systems/{}/startup-package", api::segment(&name));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(json!({}))).await {
        Ok(_) => done("/adgang", "opstartspakke"),
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct NormalClose {
    #[serde(default)]
    on: String,
    #[serde(default)]
    reason: String,
}

/// `POST /adgang/ordrer/{id}/luk`: a delivered order closed normally — its grants end on the day given (the
/// municipality's or the operator's; the lifecycle says whose).
pub(crate) async fn close_order(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    Form(f): Form<NormalClose>,
) -> Response {
    let mut body = json!({});
    if !f.on.trim().is_empty() {
        body["on"] = f.on.trim().into();
    }
    if !f.reason.trim().is_empty() {
        body["reason"] = f.reason.trim().into();
    }
    let path = format!("/api/v1/orders/{}/close", api::segment(&id));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(body)).await {
        Ok(_) => done(&format!("/adgang/ordrer/{}", api::segment(&id)), "ordre-lukket"),
        Err(f) if f.status.is_client_error() && f.status != StatusCode::NOT_FOUND => {
            let page = Page::new(&signed, "/adgang").refused(f.message);
            order_page(&s, &signed, &id, page, f.status).await
        }
        Err(f) => unavailable(&signed, "/adgang", f),
    }
}
