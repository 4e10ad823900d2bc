//! Overblik: the front page — per municipality and interface today's calls and refusals and the open error-table
//! entries (both counted by the database); the Beskedfordeler's
//! deliveries pending and in the fejlkø; certificates expiring within 30 days; the orders waiting for the signed-in
//! person's step. Each part is read through the API as that person, so each shows only their scope; a part their
//! role may not read is left out.

use super::{Ok_, frame};
use crate::console::api::{self, Failed};
use crate::console::view::{J, Page, html};
use crate::console::{ConsoleState, Signed};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use snitflade_domain::orders::{IntegrationKind, OrderState, step_parties};
use std::collections::BTreeMap;

/// Most deliveries counted per dueslag and state (the count shows "1000+" past it).
const COUNTED: usize = 1000;

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview<'a> {
    page: Page,
    /// (municipality, interface, calls today, refused today, open entries).
    rows: Vec<(String, String, i64, i64, usize)>,
    open_total: usize,
    deliveries_capped: bool,
    pending: usize,
    fejlkoe: usize,
    dueslag: usize,
    certificates: J<'a>,
    waiting: Vec<J<'a>>,
}

/// A read the role may not make is an empty part, not a failed page.
async fn part(s: &ConsoleState, signed: &Signed, path: &str) -> Result<Value, Failed> {
    match api::get(s, &signed.principal, path).await {
        Err(f) if f.status == StatusCode::FORBIDDEN => Ok(json!([])),
        other => other,
    }
}

/// Whether the order's next step is this person's.
fn my_step(signed: &Signed, o: &Value) -> bool {
    let kind: IntegrationKind = serde_json::from_value(o["kind"].clone()).unwrap_or(IntegrationKind::Standard);
    let Ok(state) = serde_json::from_value::<OrderState>(o["state"].clone()) else {
        return false;
    };
    let Some(next) = state.next(kind) else { return false };
    signed
        .principal
        .role
        .party_in(
            o["municipality"].as_str().unwrap_or_default(),
            o["vendor"]["id"].as_str(),
        )
        .is_some_and(|p| step_parties(state, next).contains(&p))
}

/// `GET /`.
pub(crate) async fn page(State(s): State<ConsoleState>, signed: Signed, Query(q): Query<Ok_>) -> Response {
    let reads = tokio::try_join!(
        part(&s, &signed, "/api/v1/traffic"),
        part(&s, &signed, "/api/v1/errors/counts?status=open"),
        part(&s, &signed, "/api/v1/dueslag"),
        part(&s, &signed, "/api/v1/certificates/warnings?days=30"),
        part(&s, &signed, "/api/v1/orders"),
    );
    let (traffic, errors, dueslag, certificates, orders) = match reads {
        Ok(r) => r,
        Err(f) => return super::unavailable(&signed, "/", f),
    };
    // (municipality, interface) → (calls, refused, open entries).
    let mut counts: BTreeMap<(String, String), (i64, i64, usize)> = BTreeMap::new();
    let key = |c: &Value| {
        (
            c["municipality"].as_str().unwrap_or("—").to_owned(),
            c["interface"].as_str().unwrap_or_default().to_owned(),
        )
    };
    for t in traffic.as_array().map(Vec::as_slice).unwrap_or_default() {
        let row = counts.entry(key(t)).or_default();
        row.0 += t["calls"].as_i64().unwrap_or(0);
        row.1 += t["refused"].as_i64().unwrap_or(0);
    }
    for c in errors.as_array().map(Vec::as_slice).unwrap_or_default() {
        counts.entry(key(c)).or_default().2 += usize::try_from(c["entries"].as_i64().unwrap_or(0)).unwrap_or(0);
    }
    let (mut pending, mut fejlkoe, mut deliveries_capped) = (0, 0, false);
    let boxes = dueslag.as_array().cloned().unwrap_or_default();
    for d in &boxes {
        let id = api::segment(d["id"].as_str().unwrap_or_default());
        for (state, n) in [("pending", &mut pending), ("dead", &mut fejlkoe)] {
            let path = format!("/api/v1/dueslag/{id}/deliveries?state={state}&limit={}", COUNTED + 1);
            if let Ok(v) = api::get(&s, &signed.principal, &path).await {
                let found = v.as_array().map_or(0, Vec::len);
                deliveries_capped |= found > COUNTED;
                *n += found.min(COUNTED);
            }
        }
    }
    let waiting: Vec<J> = orders
        .as_array()
        .map(|a| a.iter().filter(|o| my_step(&signed, o)).map(J).collect())
        .unwrap_or_default();
    let open_total = counts.values().map(|c| c.2).sum();
    let page = Overview {
        page: frame(&signed, "/", q.ok.as_deref()),
        open_total,
        rows: counts
            .into_iter()
            .map(|((m, i), (calls, refused, open))| (m, i, calls, refused, open))
            .collect(),
        deliveries_capped,
        pending,
        fejlkoe,
        dueslag: boxes.len(),
        certificates: J(&certificates),
        waiting,
    };
    html(StatusCode::OK, page.render())
}
