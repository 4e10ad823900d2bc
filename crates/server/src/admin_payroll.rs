//! Admin API of the payroll side (`/api/v1/municipalities/{code}/…`): the payroll catalogue (wage types, cost
//! centres, PSP elements) that Engangsydelser, IND01 and Faste tillæg check against, and the employees locked for
//! payroll changes (KMD's code 138, "Medarbejderen er låst").

use crate::admin::{AdminState, error, known_municipality, store_error};
use crate::admin_json::Body;
use crate::auth::Caller;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;
use snitflade_domain::payroll::{PayrollCatalogue, validate_catalogue};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::catalogues::Catalogue;
use snitflade_store::{hr, payroll};

/// `GET …/payroll-catalogue`: the catalogue in force (the built-in one if the municipality has none).
pub async fn catalogue(State(state): State<AdminState>, Path(code): Path<String>) -> Response {
    let m = match known_municipality(&state, &code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match payroll::catalogue(state.services.store().pool(), m).await {
        Ok(c) => Json(c).into_response(),
        Err(e) => store_error(e),
    }
}

/// `PUT …/payroll-catalogue`: replaces the catalogue (validated whole). Registered payments keep their codes.
pub async fn put_catalogue(
    State(state): State<AdminState>,
    caller: Caller,
    Path(code): Path<String>,
    body: Body<PayrollCatalogue>,
) -> Response {
    crate::admin::put_catalogue(&state, &caller, &code, body, Catalogue::Payroll, |c| {
        validate_catalogue(c).map_err(|e| e.to_string())
    })
    .await
}

/// `GET …/employee-locks`: the locked employees.
pub async fn locks(State(state): State<AdminState>, Path(code): Path<String>) -> Response {
    let m = match known_municipality(&state, &code).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    match payroll::locks(state.services.store().pool(), m).await {
        Ok(l) => Json(l).into_response(),
        Err(e) => store_error(e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockBody {
    reason: String,
}

/// The municipality and an employee it has, or the answer that refuses them.
pub(crate) async fn employee(state: &AdminState, code: &str, pernr: &str) -> Result<(Kommunekode, Pernr), Response> {
    let m = known_municipality(state, code).await?;
    let p = Pernr::parse(pernr).map_err(|e| error(StatusCode::BAD_REQUEST, e.to_string()))?;
    match hr::employment(state.services.store().pool(), m, p).await {
        Ok(Some(_)) => Ok((m, p)),
        Ok(None) => Err(error(
            StatusCode::NOT_FOUND,
            format!("employee {p} does not exist in {m}"),
        )),
        Err(e) => Err(store_error(e)),
    }
}

/// `PUT …/employee-locks/{pernr}` with `{"reason": "…"}`: locks the employee for payroll changes.
pub async fn lock(
    State(state): State<AdminState>,
    caller: Caller,
    Path((code, pernr)): Path<(String, String)>,
    Body(body): Body<LockBody>,
) -> Response {
    let reason = body.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 200 || reason.chars().any(char::is_control) {
        return error(StatusCode::BAD_REQUEST, "reason must be 1-200 characters of text");
    }
    let (m, p) = match employee(&state, &code, &pernr).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let actor = caller.actor();
    let result = state
        .services
        .store()
        .write(move |c| {
            let (reason, actor) = (reason.clone(), actor.clone());
            Box::pin(async move { payroll::lock(c, m, p, &reason, &actor).await })
        })
        .await;
    match result {
        Ok(()) => Json(json!({"pernr": p.to_string(), "locked": true})).into_response(),
        Err(e) => store_error(e),
    }
}

/// `DELETE …/employee-locks/{pernr}`: lifts the lock (404 if there was none).
pub async fn unlock(State(state): State<AdminState>, Path((code, pernr)): Path<(String, String)>) -> Response {
    let (m, p) = match employee(&state, &code, &pernr).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = state
        .services
        .store()
        .write(move |c| Box::pin(async move { payroll::unlock(c, m, p).await }))
        .await;
    match result {
        Ok(true) => Json(json!({"pernr": p.to_string(), "locked": false})).into_response(),
        Ok(false) => error(StatusCode::NOT_FOUND, format!("employee {p} is not locked")),
        Err(e) => store_error(e),
    }
}
