//! Both quota operations: read the request (key date, one or up to 500 employees, for the details an optional
//! quota type), compute every employee's balances around the key date, audit the read and answer.

use super::QUOTAS_NS;
use super::answer::write_item;
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::wire::{text_fields, text_fields_repeated};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde_json::json;
use snitflade_domain::absence::QuotaKind;
use snitflade_domain::hr::OPEN_START;
use snitflade_domain::quotas::{Balance, balances};
use snitflade_domain::{InterfaceId, Pernr};
use snitflade_soap::Element;

/// Most employees in one GetAbsenceQuotas call (the WSDL's maxOccurs).
pub const MAX_EMPLOYEES: usize = 500;
/// The last key date the quota rules can answer for (holiday years run into the following year, and the
/// calendar ends in 9999).
const LAST_KEY_DATE: Date = jiff::civil::date(9998, 12, 31);

/// A checked request.
struct Request {
    key_date: Date,
    pernrs: Vec<Pernr>,
    kind: Option<QuotaKind>,
}

fn parse(root: &Element, details: bool, today: Date) -> Result<Result<Request, String>, SoapReply> {
    let (text, numbers) = if details {
        let f = text_fields(root, &["PersonnelNumber", "KeyDate", "QuotaType"], &[])
            .map_err(|e| SoapReply::client_fault(e.0))?;
        let numbers = f.text.get("PersonnelNumber").cloned().into_iter().collect();
        (f.text, numbers)
    } else {
        let (f, numbers) = text_fields_repeated(root, &["KeyDate"], &[], "PersonnelNumber")
            .map_err(|e| SoapReply::client_fault(e.0))?;
        (f.text, numbers)
    };
    Ok((|| {
        let key_date = text
            .get("KeyDate")
            .map(|v| sap::parse_date("KeyDate", v))
            .transpose()?
            .unwrap_or(today);
        if !(OPEN_START..=LAST_KEY_DATE).contains(&key_date) {
            return Err(format!(
                "KeyDate skal ligge mellem {OPEN_START} og {LAST_KEY_DATE} (modtaget: {key_date})"
            ));
        }
        if numbers.is_empty() {
            return Err("PersonnelNumber skal angives".to_owned());
        }
        if numbers.len() > MAX_EMPLOYEES {
            return Err(format!(
                "Højst {MAX_EMPLOYEES} medarbejdere pr. kald ({} angivet)",
                numbers.len()
            ));
        }
        let mut pernrs = Vec::with_capacity(numbers.len());
        for n in &numbers {
            let p = sap::parse_pernr("PersonnelNumber", n)?;
            if pernrs.contains(&p) {
                return Err(format!("Medarbejdernummer {p} er angivet flere gange"));
            }
            pernrs.push(p);
        }
        let kind = match text.get("QuotaType") {
            None => None,
            Some(code) => Some(
                QuotaKind::parse(code)
                    .ok_or_else(|| format!("QuotaType {} findes ikke; gyldige: FE, 6F, OS, SO", sap::clip(code)))?,
            ),
        };
        Ok(Request { key_date, pernrs, kind })
    })())
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element, details: bool) -> SoapReply {
    let response = if details {
        "GetAbsenceQuotaDetailsResponse_MT"
    } else {
        "GetAbsenceQuotasResponse_MT"
    };
    let req = match parse(root, details, call.day) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let k = match call.municipality(services, InterfaceId::Fravaerskvoter, None) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let answer = |status: ReturnStatus, found: Vec<(Pernr, Vec<Balance>, Decimal)>| {
        SoapReply::ok(sap::response(response, QUOTAS_NS, |w| {
            status.write(w);
            if found.iter().any(|(_, b, _)| !b.is_empty()) {
                w.start("Quota");
                for (pernr, list, day_hours) in &found {
                    for b in list {
                        write_item(w, (!details).then_some(*pernr), b, *day_hours, details);
                    }
                }
                w.end();
            }
        }))
    };
    let req = match req {
        Ok(r) => r,
        Err(text) => return answer(ReturnStatus::error(text), Vec::new()),
    };
    let mut found = Vec::with_capacity(req.pernrs.len());
    for p in &req.pernrs {
        let data = match read(services, k, *p).await {
            Err(e) => return store_failed("reading quotas", &e),
            Ok(Err(text)) => return answer(ReturnStatus::error(text), Vec::new()),
            Ok(Ok(d)) => d,
        };
        let list: Vec<Balance> = balances(&data.current_quota_input(), req.key_date)
            .into_iter()
            .filter(|b| req.kind.is_none_or(|kind| b.key.kind == kind))
            .collect();
        found.push((*p, list, data.schedules.pattern_on(req.key_date).average_day_hours()));
    }
    let single = (req.pernrs.len() == 1).then(|| req.pernrs[0]);
    let mut detail = json!({"key_date": req.key_date.to_string(), "employees": req.pernrs.len(), "details": details});
    if single.is_none() {
        detail["pernrs"] = req.pernrs.iter().map(ToString::to_string).collect();
    }
    if let Err(reply) = audit_read(
        services,
        call,
        InterfaceId::Fravaerskvoter,
        "quota.read",
        k,
        single,
        detail,
    )
    .await
    {
        return reply;
    }
    let n = req.pernrs.len();
    let text = format!(
        "Kvoter for {n} {} pr. {}",
        if n == 1 { "medarbejder" } else { "medarbejdere" },
        req.key_date
    );
    answer(ReturnStatus::success(text), found)
}
