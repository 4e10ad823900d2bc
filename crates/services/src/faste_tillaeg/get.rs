//! `GetFixedSupplements`: an employee's current fixed supplements overlapping a period (open-ended when not
//! given), by start date, each with its wage type's text and unit from the catalogue. Each read is audited.

use super::SUPPLEMENTS_NS;
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, cancelled, store_failed, unknown};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::set_flow::employee_period;
use serde_json::json;
use snitflade_domain::InterfaceId;
use snitflade_domain::payroll::{PayrollCatalogue, value_text};
use snitflade_soap::Element;
use snitflade_store::fixed_supplements::{self as stored, StoredSupplement};
use snitflade_store::{hr, payroll};

const ROOT: &str = "GetFixedSupplementsResponse_MT";

fn answer(status: &ReturnStatus, found: &[StoredSupplement], catalogue: Option<&PayrollCatalogue>) -> SoapReply {
    SoapReply::ok(sap::response(ROOT, SUPPLEMENTS_NS, |w| {
        status.write(w);
        if found.is_empty() {
            return;
        }
        w.start("FixedSupplement");
        for s in found {
            let sup = &s.supplement;
            let wage_type = catalogue.and_then(|c| c.wage_type(&sup.wage_type));
            w.start("item")
                .leaf("SupplementId", &s.supplement_id)
                .leaf("PersonnelNumber", &s.pernr.to_string())
                .leaf("WageType", &sup.wage_type)
                .leaf_opt("WageTypeText", wage_type.map(|t| t.text.as_str()))
                .leaf_opt("Unit", wage_type.map(|t| t.unit.text()))
                .leaf_opt("Amount", sup.amount.map(value_text).as_deref())
                .leaf_opt("Quantity", sup.quantity.map(value_text).as_deref())
                .leaf("Frequency", sup.frequency.code())
                .leaf("StartDate", &sap::date_text(sup.valid_from))
                .leaf("EndDate", &sap::date_text(sup.valid_to))
                .leaf_opt("CostCenter", sup.cost_centre.as_deref())
                .leaf_opt("PspElement", sup.psp_element.as_deref());
            if !sup.text.is_empty() {
                w.leaf("Text", &sup.text);
            }
            w.end();
        }
        w.end();
    }))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let parsed = match employee_period(root) {
        Ok(p) => p,
        Err(reply) => return reply,
    };
    let k = match call.municipality(services, InterfaceId::FasteTillaeg, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let (pernr, from, to) = match parsed {
        Ok(p) => p,
        Err(text) => return answer(&ReturnStatus::error(text), &[], None),
    };
    let pool = services.store().pool();
    match hr::employment(pool, k, pernr).await {
        Err(e) => return store_failed("GetFixedSupplements", &e),
        Ok(None) => return answer(&ReturnStatus::error(unknown(pernr, k)), &[], None),
        Ok(Some(e)) => {
            if let Some(text) = cancelled(&e.employment) {
                return answer(&ReturnStatus::error(text), &[], None);
            }
        }
    }
    let (current, catalogue) = match tokio::try_join!(stored::current(pool, k, pernr), payroll::catalogue(pool, k)) {
        Ok(v) => v,
        Err(e) => return store_failed("GetFixedSupplements", &e),
    };
    let found: Vec<StoredSupplement> = current
        .into_iter()
        .filter(|s| s.supplement.valid_from <= to && s.supplement.valid_to >= from)
        .collect();
    if let Err(reply) = audit_read(
        services,
        call,
        InterfaceId::FasteTillaeg,
        "fixed_supplement.read",
        k,
        Some(pernr),
        json!({"count": found.len()}),
    )
    .await
    {
        return reply;
    }
    let status = if found.is_empty() {
        ReturnStatus::success("Ingen faste tillæg i perioden")
    } else {
        ReturnStatus::success(format!("{} fast(e) tillæg fundet", found.len()))
    };
    answer(&status, &found, Some(&catalogue))
}
