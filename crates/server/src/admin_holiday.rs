//! Admin API of holiday transfers (overførsel af ferie), `/api/v1/municipalities/{code}/employees/{pernr}/
//! holiday-transfers`: the HR office registers a written agreement to move holiday beyond 4 weeks to the next holiday
//! year (Ferieloven §21) or days of the first 4 weeks a hindrance kept the employee from taking (§22); the quota
//! rules move at most what the act allows of what is left at the end of the holding period, and the quotas
//! (Hent fraværskvoter) and the FERIE export show it. Each answer names the days that move (`moved_days`).

use crate::admin::{AdminState, error, store_error};
use crate::admin_json::Body;
use crate::admin_payroll::employee;
use crate::auth::Caller;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};
use snitflade_domain::quotas::{
    AppliedTransfer, FOUR_WEEKS_DAYS, HOLIDAY_PER_YEAR, HolidayTransfer, HolidayYear, TransferReason, applied_transfers,
};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_services::fravaerskvoter::{EVENT_TRANSFER_DELETED, EVENT_TRANSFER_REGISTERED};
use snitflade_store::holiday_transfers::{self, StoredTransfer};
use snitflade_store::outbox::NewEvent;
use snitflade_store::time_data::TimeData;

/// The first holiday year of the 2020 holiday act (1 September 2020 – 31 August 2021).
const FIRST_YEAR: i16 = 2020;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    /// The holiday year the days come from, by its start (2025 = 2025/26).
    holiday_year: i16,
    /// `agreement` (§21) or `hindrance` (§22).
    reason: String,
    /// Days, a decimal string such as "5" or "2.5".
    days: Decimal,
    /// The agreement's date (agreements only).
    agreed_on: Option<Date>,
    #[serde(default)]
    note: String,
}

/// Checks a new transfer; the Danish act's limits in English for the admin.
fn check(t: &NewTransfer) -> Result<HolidayTransfer, String> {
    if !(FIRST_YEAR..=9997).contains(&t.holiday_year) {
        return Err(format!(
            "holiday_year must be a holiday year of the 2020 holiday act, {FIRST_YEAR} or later (2025 = 2025/26)"
        ));
    }
    let from = HolidayYear { start: t.holiday_year };
    let Some(reason) = TransferReason::parse(&t.reason) else {
        return Err("reason must be agreement (Ferieloven §21) or hindrance (§22)".into());
    };
    let max = match reason {
        TransferReason::Agreement => HOLIDAY_PER_YEAR,
        TransferReason::Hindrance => FOUR_WEEKS_DAYS,
    };
    if t.days <= Decimal::ZERO || t.days > max || t.days.normalize().scale() > 2 {
        return Err(format!(
            "days must be more than 0 and at most {max} for {}, with at most 2 decimals",
            reason.code()
        ));
    }
    match (reason, t.agreed_on) {
        (TransferReason::Agreement, None) => {
            return Err("agreed_on (yyyy-mm-dd) is required for an agreement (Ferieloven §21)".into());
        }
        (TransferReason::Agreement, Some(d)) if d < from.accrual_start() || d > from.taking_end() => {
            return Err(format!(
                "an agreement to transfer holiday of {}/{:02} must be made between {} and {} (by 31 December of the \
                 holding period, Ferieloven §21)",
                from.start,
                (from.start + 1).rem_euclid(100),
                from.accrual_start(),
                from.taking_end()
            ));
        }
        (TransferReason::Hindrance, Some(_)) => {
            return Err("agreed_on is for agreements; a hindrance (§22) needs no agreement".into());
        }
        _ => {}
    }
    if t.note.chars().count() > 200 || t.note.chars().any(char::is_control) {
        return Err("note must be at most 200 characters of text".into());
    }
    Ok(HolidayTransfer {
        from,
        reason,
        days: t.days.normalize(),
    })
}

/// A transfer as answered: as registered, with the days the rules move (by today's registrations).
fn answer(t: &StoredTransfer, applied: &[AppliedTransfer]) -> Value {
    let mut v = serde_json::to_value(t.view()).unwrap_or_default();
    let moved = applied
        .iter()
        .find(|a| a.transfer.from == t.transfer.from && a.transfer.reason == t.transfer.reason)
        .map(|a| a.days);
    v["moved_days"] = moved.map_or(Value::Null, |d| d.normalize().to_string().into());
    v
}

/// The employee's transfers as the rules apply them.
async fn applied(state: &AdminState, m: Kommunekode, p: Pernr) -> Result<Vec<AppliedTransfer>, Response> {
    match TimeData::read(state.services.store().pool(), m, p).await {
        Ok(Some(d)) => Ok(applied_transfers(&d.current_quota_input())),
        Ok(None) => Ok(Vec::new()),
        Err(e) => Err(store_error(e)),
    }
}

fn event(kind: &'static str, m: Kommunekode, t: &StoredTransfer) -> NewEvent {
    let mut payload = serde_json::to_value(t.view()).unwrap_or_default();
    if let Some(o) = payload.as_object_mut() {
        o.remove("note");
        o.remove("registered_by");
    }
    NewEvent {
        kind,
        interface: InterfaceId::Fravaerskvoter.as_str(),
        municipality: Some(m.to_string()),
        object_id: Some(t.pernr.to_string()),
        payload,
    }
}

/// `GET …/employees/{pernr}/holiday-transfers`: the employee's transfers, with the days that move.
pub async fn list(State(state): State<AdminState>, Path((code, pernr)): Path<(String, String)>) -> Response {
    let (m, p) = match employee(&state, &code, &pernr).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let stored = match holiday_transfers::of(state.services.store().pool(), m, p).await {
        Ok(s) => s,
        Err(e) => return store_error(e),
    };
    let applied = match applied(&state, m, p).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    Json(stored.iter().map(|t| answer(t, &applied)).collect::<Vec<_>>()).into_response()
}

/// `POST …/employees/{pernr}/holiday-transfers`: registers a transfer (201); 409 if the employee has one of that
/// year and reason.
pub async fn add(
    State(state): State<AdminState>,
    caller: Caller,
    Path((code, pernr)): Path<(String, String)>,
    Body(body): Body<NewTransfer>,
) -> Response {
    let transfer = match check(&body) {
        Ok(t) => t,
        Err(e) => return error(StatusCode::BAD_REQUEST, e),
    };
    let (m, p) = match employee(&state, &code, &pernr).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let stored = StoredTransfer {
        id: uuid::Uuid::now_v7().to_string(),
        pernr: p,
        transfer,
        agreed_on: body.agreed_on,
        note: body.note.trim().to_owned(),
        registered_at: snitflade_store::now_text(),
        registered_by: caller.actor(),
    };
    let written = stored.clone();
    let result = state
        .services
        .store()
        .write(move |tx| {
            let t = written.clone();
            Box::pin(async move {
                holiday_transfers::insert(tx, m, &t).await?;
                tx.emit(event(EVENT_TRANSFER_REGISTERED, m, &t));
                Ok(())
            })
        })
        .await;
    if let Err(e) = result {
        return store_error(e);
    }
    match applied(&state, m, p).await {
        Ok(a) => (StatusCode::CREATED, Json(answer(&stored, &a))).into_response(),
        Err(r) => r,
    }
}

/// `DELETE …/employees/{pernr}/holiday-transfers/{id}`: removes a transfer; answers it.
pub async fn delete(
    State(state): State<AdminState>,
    Path((code, pernr, id)): Path<(String, String, String)>,
) -> Response {
    let (m, p) = match employee(&state, &code, &pernr).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = state
        .services
        .store()
        .write(move |tx| {
            let id = id.clone();
            Box::pin(async move {
                let removed = holiday_transfers::delete(tx, m, p, &id).await?;
                if let Some(t) = &removed {
                    tx.emit(event(EVENT_TRANSFER_DELETED, m, t));
                }
                Ok(removed)
            })
        })
        .await;
    match result {
        Ok(Some(t)) => Json(json!(t.view())).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("employee {p} has no such holiday transfer"),
        ),
        Err(e) => store_error(e),
    }
}
