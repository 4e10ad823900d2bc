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
    /// Time-limited grants (a startup package's, say) ending within 30 days: (system, municipality, interface, to).
    ending: Vec<(String, String, String, String)>,
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
        part(&s, &signed, "/api/v1/grants"),
        part(&s, &signed, "/api/v1/systems"),
    );
    let (traffic, errors, dueslag, certificates, orders, grants, systems) = match reads {
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
    let ending = ending_grants(&grants, &systems, jiff::Zoned::now().date());
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
        ending,
    };
    html(StatusCode::OK, page.render())
}

/// The grants in force whose end lies within 30 days of `today`, soonest first, with their system's name.
fn ending_grants(grants: &Value, systems: &Value, today: jiff::civil::Date) -> Vec<(String, String, String, String)> {
    let horizon = today
        .checked_add(jiff::Span::new().days(30))
        .unwrap_or(today)
        .to_string();
    let today = today.to_string();
    let name = |id: &str| {
        systems
            .as_array()
            .and_then(|a| a.iter().find(|s| s["id"] == id))
            .and_then(|s| s["name"].as_str())
            .unwrap_or(id)
            .to_owned()
    };
    let mut out: Vec<_> = grants
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter(|g| g["closed_at"].is_null())
        .filter_map(|g| {
            let to = g["valid_to"].as_str()?;
            (today.as_str() <= to && to <= horizon.as_str()).then(|| {
                (
                    name(g["system_id"].as_str().unwrap_or_default()),
                    g["municipality"].as_str().unwrap_or_default().to_owned(),
                    g["interface"].as_str().unwrap_or_default().to_owned(),
                    to.to_owned(),
                )
            })
        })
        .collect();
    out.sort_by(|a, b| a.3.cmp(&b.3).then_with(|| a.cmp(b)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_ending_within_30_days_are_listed_soonest_first() {
        let today = jiff::civil::date(2026, 12, 7);
        let grants = json!([
            {"system_id": "s1", "municipality": "0340", "interface": "fravaer", "valid_to": "2027-01-06", "closed_at": null},
            {"system_id": "s1", "municipality": "0751", "interface": "fravaer", "valid_to": "2026-12-10", "closed_at": null},
            {"system_id": "s1", "municipality": "0751", "interface": "x", "valid_to": "2027-01-07", "closed_at": null},
            {"system_id": "s1", "municipality": "0751", "interface": "y", "valid_to": "2026-12-06", "closed_at": null},
            {"system_id": "s1", "municipality": "0751", "interface": "z", "valid_to": null, "closed_at": null},
            {"system_id": "s1", "municipality": "0751", "interface": "w", "valid_to": "2026-12-20", "closed_at": "2026-12-01T00:00:00Z"},
        ]);
        let systems = json!([{"id": "s1", "name": "kantine"}]);
        let ending = ending_grants(&grants, &systems, today);
        let ends: Vec<&str> = ending.iter().map(|e| e.3.as_str()).collect();
        assert_eq!(ends, ["2026-12-10", "2027-01-06"]);
        assert_eq!(ending[0].0, "kantine");
    }
}
