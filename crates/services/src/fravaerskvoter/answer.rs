//! Writing the quota items of both operations, field for field in the WSDL's order: the balance of a quota
//! period, and for the details operation its accrual and usage lines.

use crate::sap::{self, date_text, decimal_text};
use rust_decimal::Decimal;
use snitflade_domain::Pernr;
use snitflade_domain::quotas::Balance;
use snitflade_soap::XmlWriter;

/// One quota item. `pernr` only in the multi-employee answer; `day_hours` turns days into hours.
pub fn write_item(w: &mut XmlWriter, pernr: Option<Pernr>, b: &Balance, day_hours: Decimal, details: bool) {
    let (period_start, period_end) = b.key.period();
    let (deduction_start, deduction_end) = b.key.deduction();
    w.start("item");
    if let Some(p) = pernr {
        w.leaf("PersonnelNumber", &p.to_string());
    }
    w.leaf("QuotaType", b.key.kind.code())
        .leaf("QuotaTypeText", b.key.kind.text())
        .leaf_opt("ChildNumber", b.key.child.as_deref())
        .leaf("PeriodStartDate", &date_text(period_start))
        .leaf("PeriodEndDate", &date_text(period_end))
        .leaf("DeductionStartDate", &date_text(deduction_start))
        .leaf("DeductionEndDate", &date_text(deduction_end))
        .leaf("Entitlement", &decimal_text(b.entitlement))
        .leaf("Accrued", &decimal_text(b.accrued))
        .leaf("Used", &decimal_text(b.used))
        .leaf("UsedHours", &decimal_text(b.used_hours))
        .leaf("Remaining", &decimal_text(b.remaining()))
        .leaf("RemainingHours", &decimal_text(b.remaining() * day_hours))
        .leaf("Unit", "DAG");
    if details {
        if !b.accruals.is_empty() {
            w.start("Accrual");
            for a in &b.accruals {
                w.start("item")
                    .leaf("Date", &date_text(a.date))
                    .leaf("Days", &decimal_text(a.days))
                    .leaf("Text", &a.text)
                    .end();
            }
            w.end();
        }
        if !b.usage.is_empty() {
            w.start("Usage");
            for u in &b.usage {
                w.start("item")
                    .leaf("ObjectId", &u.object_id)
                    .leaf("AbsenceAttendanceType", &u.type_code)
                    .leaf("StartDate", &sap::date_text(u.start))
                    .leaf("EndDate", &sap::date_text(u.end))
                    .leaf("Days", &decimal_text(u.days))
                    .leaf("Hours", &decimal_text(u.hours))
                    .end();
            }
            w.end();
        }
    }
    w.end();
}
