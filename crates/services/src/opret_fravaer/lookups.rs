//! The four reads that feed an absence registration: `GetChildren` (the child numbers care days name),
//! `GetMaternityCases`, `GetReasons` (reason codes for leave with and without pay) and `GetWorkAccidentCases`.
//! Each answers `ReturnStatus` and its list; an unknown employee is "E", nothing found "S" with a text saying so.

use super::{Request, answer};
use crate::dispatch::{Call, Services};
use crate::employee_time::{audit_read, read, store_failed};
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use jiff::civil::Date;
use serde_json::json;
use snitflade_domain::absence::{Attachment, Reason, reasons};
use snitflade_domain::hr::{Child, MaternityCase, OPEN_END, OPEN_START, WorkAccidentCase};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::{Element, XmlWriter};
use snitflade_store::{StoreError, absence, hr};

/// What one lookup found: the items, written by the operation.
enum Found {
    Children(Vec<Child>),
    Maternity(Pernr, Vec<MaternityCase>),
    Reasons(Vec<&'static Reason>),
    Accidents(Pernr, Vec<WorkAccidentCase>),
}

impl Found {
    fn len(&self) -> usize {
        match self {
            Self::Children(v) => v.len(),
            Self::Maternity(_, v) => v.len(),
            Self::Reasons(v) => v.len(),
            Self::Accidents(_, v) => v.len(),
        }
    }

    /// The list element and one `Item` per entry, as the operation's XSD orders them.
    fn write(&self, w: &mut XmlWriter) {
        if self.len() == 0 {
            return;
        }
        let opt = |d: Option<Date>| d.map(sap::date_text).unwrap_or_default();
        match self {
            Self::Children(children) => {
                w.start("Child");
                for c in children {
                    w.start("Item")
                        .leaf("ChildNumber", &c.child_number)
                        .leaf("FirstName", &c.first_name)
                        .leaf("LastName", &c.last_name)
                        .leaf("ChildCPRNumber", c.cpr.expose())
                        .end();
                }
            }
            Self::Maternity(pernr, cases) => {
                w.start("MaternityCase");
                for c in cases {
                    w.start("Item")
                        .leaf("PersonnelNumber", &pernr.to_string())
                        .leaf("MaternityCaseKey", &c.case_key)
                        .leaf("ValidEndDate", &sap::date_text(c.valid_end))
                        .leaf("ValidStartDate", &sap::date_text(c.valid_start))
                        .leaf("NotificationDate", &opt(c.notification_date))
                        .leaf("ExpectedDeliveryDate", &opt(c.expected_delivery))
                        .leaf("ActualDeliveryDate", &opt(c.actual_delivery))
                        .leaf("AuthorityReportDate", &opt(c.authority_report_date))
                        .leaf("MaternityType", &c.maternity_type)
                        .leaf("MaternityTypeText", &c.maternity_type_text)
                        .end();
                }
            }
            Self::Reasons(list) => {
                w.start("Reason");
                for r in list {
                    w.start("Item")
                        .leaf("ReasonCode", r.code)
                        .leaf("ReasonCodeText", r.text)
                        .end();
                }
            }
            Self::Accidents(pernr, cases) => {
                w.start("AccidentCase");
                for c in cases {
                    w.start("Item")
                        .leaf("PersonnelNumber", &pernr.to_string())
                        .leaf("StartDate", &sap::date_text(c.start_date))
                        .leaf("AccidentNumber", &c.accident_number)
                        .leaf("AccidentDate", &sap::date_text(c.accident_date))
                        .end();
                }
            }
        }
        w.end();
    }
}

/// One lookup operation: its request fields, answer root and audit action (`None`: not employee data).
struct Lookup {
    fields: &'static [&'static str],
    response: &'static str,
    audit: Option<&'static str>,
}

fn lookup(root: &str) -> Lookup {
    match root {
        "GetChildrenRequest_MT" => Lookup {
            fields: &["PersonnelNumber", "StartDate"],
            response: "GetChildrenResponse_MT",
            audit: Some("children.read"),
        },
        "GetMaternityCasesRequest_MT" => Lookup {
            fields: &["MaternityType", "StartDate", "EndDate", "PersonnelNumber"],
            response: "GetMaternityCasesResponse_MT",
            audit: Some("maternity.read"),
        },
        "GetReasonsRequest_MT" => Lookup {
            fields: &["PersonnelNumber", "leaveType"],
            response: "GetReasonsResponse_MT",
            audit: None,
        },
        _ => Lookup {
            fields: &["StartDate", "EndDate", "PersonnelNumber"],
            response: "GetWorkAccidentCasesResponse_MT",
            audit: Some("work_accident.read"),
        },
    }
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let op = lookup(&root.name);
    let req = match Request::read(services, call, root, op.fields) {
        Ok(r) => r,
        Err(reply) => return reply,
    };
    let k = req.municipality;
    let found = match find(services, &root.name, &req, k).await {
        Err(e) => return store_failed(&root.name, &e),
        Ok(Err(text)) => return answer(op.response, &ReturnStatus::error(text), |_| {}),
        Ok(Ok(found)) => found,
    };
    if let Some(action) = op.audit {
        let pernr = req.pernr().ok().flatten();
        if let Err(reply) = audit_read(
            services,
            call,
            InterfaceId::OpretFravaer,
            action,
            k,
            pernr,
            json!({"count": found.len()}),
        )
        .await
        {
            return reply;
        }
    }
    let status = match found.len() {
        0 => ReturnStatus::success("Ingen data fundet"),
        n => ReturnStatus::success(format!("{n} fundet")),
    };
    answer(op.response, &status, |w| found.write(w))
}

/// The optional period filter of a lookup (open ends when not given).
fn period(req: &Request) -> Result<(Date, Date), String> {
    let from = req.date("StartDate")?.unwrap_or(OPEN_START);
    let to = req.date("EndDate")?.unwrap_or(OPEN_END);
    if to < from {
        return Err(format!("EndDate {to} ligger før StartDate {from}"));
    }
    Ok((from, to))
}

async fn find(
    services: &Services,
    root: &str,
    req: &Request,
    k: Kommunekode,
) -> Result<Result<Found, String>, StoreError> {
    let pool = services.store().pool();
    let pernr = match req.pernr() {
        Ok(p) => p,
        Err(text) => return Ok(Err(text)),
    };
    if let Some(p) = pernr
        && let Err(text) = read(services, k, p).await?
    {
        return Ok(Err(text));
    }
    if root == "GetReasonsRequest_MT" {
        let leave = req.get("leaveType").unwrap_or_default();
        if leave.is_empty() {
            return Ok(Ok(Found::Reasons(reasons(None).collect())));
        }
        let types = absence::catalogue(pool, k).await?;
        let pay = types
            .iter()
            .find(|t| t.code.eq_ignore_ascii_case(leave))
            .and_then(|t| match t.attachment {
                Attachment::Reason { pay } => Some(pay),
                _ => None,
            });
        return Ok(match pay {
            Some(pay) => Ok(Found::Reasons(reasons(Some(pay)).collect())),
            None => {
                let leave_types: Vec<&str> = types
                    .iter()
                    .filter(|t| matches!(t.attachment, Attachment::Reason { .. }))
                    .map(|t| t.code.as_str())
                    .collect();
                Err(format!(
                    "leaveType {} er ikke en orlovsart med årsager; gyldige: {}",
                    sap::clip(leave),
                    leave_types.join(", ")
                ))
            }
        });
    }
    let Some(p) = pernr else {
        return Ok(Err("PersonnelNumber skal angives".to_owned()));
    };
    let (from, to) = match root {
        "GetChildrenRequest_MT" => (OPEN_START, OPEN_END),
        _ => match period(req) {
            Ok(x) => x,
            Err(text) => return Ok(Err(text)),
        },
    };
    Ok(Ok(match root {
        "GetChildrenRequest_MT" => {
            let born_by = match req.date("StartDate") {
                Ok(d) => d.unwrap_or(OPEN_END),
                Err(text) => return Ok(Err(text)),
            };
            let children = hr::children(pool, k, p).await?;
            Found::Children(children.into_iter().filter(|c| c.cpr.birth_date() <= born_by).collect())
        }
        "GetMaternityCasesRequest_MT" => {
            let kind = req.get("MaternityType");
            let cases = hr::maternity_cases(pool, k, p).await?;
            Found::Maternity(
                p,
                cases
                    .into_iter()
                    .filter(|c| kind.is_none_or(|t| t == c.maternity_type))
                    .filter(|c| c.valid_start <= to && c.valid_end >= from)
                    .collect(),
            )
        }
        _ => {
            let cases = hr::work_accident_cases(pool, k, p).await?;
            Found::Accidents(
                p,
                cases
                    .into_iter()
                    .filter(|c| from <= c.accident_date && c.accident_date <= to)
                    .collect(),
            )
        }
    }))
}
