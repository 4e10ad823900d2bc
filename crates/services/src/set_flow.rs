//! What the SAP PI style interfaces of snitflade's own design share beyond the message conventions of [`sap`]:
//! the flow of a "Set" operation (structure faults first, then the municipality, then value errors answered
//! with `StatusType` E, then the change in one write) and the request of a "Get" by employee and period.
//!
//! [`sap`]: crate::sap

use crate::dispatch::{Call, Services};
use crate::employee_time::store_failed;
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::wire::text_fields;
use jiff::civil::Date;
use snitflade_domain::hr::{OPEN_END, OPEN_START};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::{BoxFuture, StoreError, Tx};
use std::collections::HashMap;

/// A change applied inside the write: `(tx, municipality, actor, system id, change)` → the status and the id of
/// the thing changed.
pub type Apply<C> = for<'c> fn(
    &'c mut Tx,
    Kommunekode,
    String,
    String,
    C,
) -> BoxFuture<'c, Result<(ReturnStatus, Option<String>), StoreError>>;

/// A parsed request: `Err(reply)` for a structure fault, `Ok(Err(text))` for a value error.
pub type Parsed<C> = Result<Result<C, String>, SoapReply>;

/// Runs a "Set" operation of `interface`: `parsed` is the request; `answer` writes the response from a status
/// and an id; `apply` makes the change (it may run twice, see `Store::write`).
pub async fn run_set<C>(
    services: &Services,
    call: &Call<'_>,
    interface: InterfaceId,
    service: &'static str,
    parsed: Parsed<C>,
    answer: fn(&ReturnStatus, Option<&str>) -> SoapReply,
    apply: Apply<C>,
) -> SoapReply
where
    C: Clone + Send + Sync + 'static,
{
    let change = match parsed {
        Err(reply) => return reply,
        Ok(c) => c,
    };
    let k = match call.municipality(services, interface, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let change = match change {
        Ok(c) => c,
        Err(text) => return answer(&ReturnStatus::error(text), None),
    };
    let (actor, system_id) = (call.system.name.clone(), call.system.id.clone());
    let outcome = services
        .store()
        .write(move |tx| apply(tx, k, actor.clone(), system_id.clone(), change.clone()))
        .await;
    match outcome {
        Ok((status, id)) => answer(&status, id.as_deref()),
        Err(e) => store_failed(service, &e),
    }
}

/// The `PersonnelNumber` field, required.
pub fn personnel_number(fields: &HashMap<&str, String>) -> Result<Pernr, String> {
    fields
        .get("PersonnelNumber")
        .map(|v| sap::parse_pernr("PersonnelNumber", v))
        .transpose()?
        .ok_or_else(|| "PersonnelNumber skal angives".to_owned())
}

/// The `Operation` field: one of `allowed` (upper-case codes, e.g. `["INS", "MOD", "DEL"]`), case-insensitive;
/// answers the index into `allowed`.
pub fn operation(fields: &HashMap<&str, String>, allowed: &[&str]) -> Result<usize, String> {
    let given = fields
        .get("Operation")
        .map(|o| o.to_ascii_uppercase())
        .unwrap_or_default();
    allowed.iter().position(|a| *a == given).ok_or_else(|| {
        let (last, rest) = allowed.split_last().expect("at least one operation");
        format!(
            "Operation skal være {} eller {last} (modtaget: {})",
            rest.join(", "),
            sap::clip(&given)
        )
    })
}

/// The request of a "Get" by employee and period: `PersonnelNumber` (required), `StartDate` and `EndDate`
/// (open when left out, not reversed).
pub fn employee_period(root: &Element) -> Parsed<(Pernr, Date, Date)> {
    let fields = text_fields(root, &["PersonnelNumber", "StartDate", "EndDate"], &[])
        .map_err(|e| SoapReply::client_fault(e.0))?
        .text;
    Ok((|| {
        let pernr = personnel_number(&fields)?;
        let date = |n: &str| fields.get(n).map(|v| sap::parse_date(n, v)).transpose();
        let (from, to) = (
            date("StartDate")?.unwrap_or(OPEN_START),
            date("EndDate")?.unwrap_or(OPEN_END),
        );
        if to < from {
            return Err(format!("EndDate {to} ligger før StartDate {from}"));
        }
        Ok((pernr, from, to))
    })())
}
