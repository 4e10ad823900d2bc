//! `GET /traffic`: one day's calls and refusals per municipality, interface and system, as the access checks
//! decided them (`snitflade_services::traffic`; written every few seconds) — a municipality's own, a vendor's of its
//! own systems.

use crate::admin::{AdminState, error, store_error};
use crate::auth::Caller;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

pub fn routes() -> Router<AdminState> {
    Router::new().route("/traffic", get(traffic))
}

#[derive(Deserialize)]
struct TrafficQuery {
    /// `YYYY-MM-DD` [default: today in Copenhagen].
    day: Option<String>,
    municipality: Option<String>,
}

async fn traffic(State(s): State<AdminState>, caller: Caller, Query(q): Query<TrafficQuery>) -> Response {
    let day = match q.day.as_deref() {
        None => snitflade_domain::maskintimer::copenhagen_day(jiff::Timestamp::now()),
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Ok(d) => d,
            Err(_) => return error(StatusCode::BAD_REQUEST, format!("day: '{d}' is no date (YYYY-MM-DD)")),
        },
    };
    let municipality = match caller.municipality_filter(q.municipality.as_deref()) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let vendor = caller.own_vendor();
    let pool = s.services.store().pool();
    match snitflade_store::traffic::on_day(pool, &day.to_string(), municipality.as_deref(), vendor.as_deref()).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}
