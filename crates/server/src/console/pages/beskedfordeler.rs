//! Beskedfordeler: the dueslag in the signed-in person's scope with their subscriptions' filters, their deliveries
//! by state, the fejlkø with requeue, and publisher tokens (issued here, shown once).

use super::{Ok_, done, frame, unavailable};
use crate::console::api;
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

/// Deliveries shown per dueslag and state.
const SHOWN: usize = 20;

#[derive(Template)]
#[template(path = "beskedfordeler.html")]
struct BeskedfordelerPage<'a> {
    page: Page,
    /// Each dueslag with its subscriptions, pending deliveries and fejlkø.
    boxes: Vec<(J<'a>, J<'a>, J<'a>, J<'a>)>,
    systems: J<'a>,
    /// Every message type (`GET /beskedtyper`), for the subscription filter builder.
    kinds: J<'a>,
    /// A publisher token just issued (shown this once).
    issued: Option<String>,
}

impl BeskedfordelerPage<'_> {
    fn may_issue(&self) -> bool {
        matches!(self.page.role, "operator" | "vendor")
    }
}

async fn render(s: &ConsoleState, signed: &Signed, page: Page, issued: Option<String>) -> Response {
    let (boxes, systems, kinds) = match tokio::try_join!(
        api::get(s, &signed.principal, "/api/v1/dueslag"),
        api::get(s, &signed.principal, "/api/v1/systems"),
        api::get(s, &signed.principal, "/api/v1/beskedtyper"),
    ) {
        Ok(r) => r,
        Err(f) => return unavailable(signed, "/beskedfordeler", f),
    };
    let mut data: Vec<(Value, Value, Value, Value)> = Vec::new();
    for d in boxes.as_array().cloned().unwrap_or_default() {
        let id = api::segment(d["id"].as_str().unwrap_or_default());
        let read = |path: String| async move { api::get(s, &signed.principal, &path).await.unwrap_or(json!([])) };
        let subs = read(format!("/api/v1/dueslag/{id}/subscriptions")).await;
        let pending = read(format!("/api/v1/dueslag/{id}/deliveries?state=pending&limit={SHOWN}")).await;
        let fejlkoe = read(format!("/api/v1/dueslag/{id}/deliveries?state=dead&limit={SHOWN}")).await;
        data.push((d, subs, pending, fejlkoe));
    }
    let page = BeskedfordelerPage {
        page,
        boxes: data.iter().map(|(a, b, c, d)| (J(a), J(b), J(c), J(d))).collect(),
        systems: J(&systems),
        kinds: J(&kinds),
        issued,
    };
    html(StatusCode::OK, page.render())
}

/// `GET /beskedfordeler`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Ok_>) -> Response {
    let page = frame(&signed, "/beskedfordeler", q.ok.as_deref());
    render(&s, &signed, page, None).await
}

/// `POST /beskedfordeler/{id}/fejlkoe/{seq}/genkoe`: a delivery from the fejlkø back into the queue.
pub(crate) async fn requeue(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path((id, seq)): Path<(String, i64)>,
) -> Response {
    let path = format!("/api/v1/dueslag/{}/deliveries/{seq}/requeue", api::segment(&id));
    match api::call(&s, &signed.principal, Method::POST, &path, None).await {
        Ok(_) => done("/beskedfordeler", "genkoet"),
        Err(f) => unavailable(&signed, "/beskedfordeler", f),
    }
}

#[derive(Deserialize)]
pub(crate) struct NewToken {
    system: String,
    #[serde(default)]
    valid_days: String,
}

/// `POST /beskedfordeler/tokens`: a publisher token for the chosen system, shown on the page this once.
pub(crate) async fn publisher_token(
    State(s): State<ConsoleState>,
    signed: Signed,
    Form(f): Form<NewToken>,
) -> Response {
    let system = f.system;
    let mut body = json!({});
    if let Ok(days) = f.valid_days.trim().parse::<u32>() {
        body["valid_days"] = days.into();
    }
    let path = format!("/api/v1/systems/{}/publisher-tokens", api::segment(&system));
    match api::call(&s, &signed.principal, Method::POST, &path, Some(body)).await {
        Ok(t) => {
            let token = t["token"].as_str().map(str::to_owned);
            render(&s, &signed, Page::new(&signed, "/beskedfordeler"), token).await
        }
        Err(f) => unavailable(&signed, "/beskedfordeler", f),
    }
}

/// `POST /beskedfordeler/{id}/abonnementer`: a subscription built from the ticked message types (`beskedtype`, one
/// field per box) and the authorities written (`myndighed`): every field given must match, none chosen matches
/// everything — the API's filter.
pub(crate) async fn subscribe(
    State(s): State<ConsoleState>,
    signed: Signed,
    Path(id): Path<String>,
    axum::extract::RawForm(form): axum::extract::RawForm,
) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&form).into_owned().collect();
    let kinds: Vec<&str> = fields
        .iter()
        .filter(|(k, v)| k == "beskedtype" && !v.is_empty())
        .map(|(_, v)| v.as_str())
        .collect();
    let authorities: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "myndighed")
        .flat_map(|(_, v)| v.split([',', ' ']))
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    let mut filter = json!({});
    if !kinds.is_empty() {
        filter["beskedtype"] = kinds.into();
    }
    if !authorities.is_empty() {
        filter["myndighed"] = authorities.into();
    }
    let path = format!("/api/v1/dueslag/{}/subscriptions", api::segment(&id));
    match api::call(
        &s,
        &signed.principal,
        Method::POST,
        &path,
        Some(json!({ "filter": filter })),
    )
    .await
    {
        Ok(_) => done("/beskedfordeler", "abonnement"),
        Err(f) => unavailable(&signed, "/beskedfordeler", f),
    }
}
