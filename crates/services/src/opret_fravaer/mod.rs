//! Opret fravær (interface id `opret-fravaer`): KMD's six absence service interfaces in the namespace
//! `urn:kmd.dk:LPT:VACAB:external`, exactly as the reference WSDLs define them. The messages name no municipality: it
//! is the one the caller holds the `opret-fravaer` grant for (or `kommune=` on the URL, see
//! docs/src/interfaces/conventions.md#the-municipality-of-a-call).
//!
//! The files by job: `set` registers, changes and deletes absences (with `rules`, the checks SAP HR makes),
//! `period` answers GetAbsenceAttendanceByPeriod, `lookups` the four reads of children, maternity cases, reasons
//! and work accidents. Every outcome the interfaces describe is HTTP 200 with `ReturnStatus` (S or E); only a
//! message that does not match the schema gets a Client fault, and a refused grant HTTP 403.

mod lookups;
mod period;
mod rules;
mod set;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use crate::sap::{self, ReturnStatus};
use crate::wire::text_fields;
use jiff::civil::Date;
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use std::collections::HashMap;

/// The namespace of the interfaces and of their messages' root elements.
pub const VACAB_NS: &str = "urn:kmd.dk:LPT:VACAB:external";

const fn def(name: &'static str, roots: &'static [&'static str], wsdl: &'static str) -> ServiceInterfaceDef {
    ServiceInterfaceDef {
        name,
        interface: InterfaceId::OpretFravaer,
        namespace: VACAB_NS,
        request_namespace: VACAB_NS,
        request_roots: roots,
        wsdl,
    }
}

pub const SET_ABSENCE_ATTENDANCE: ServiceInterfaceDef = def(
    "SetAbsenceAttendance_OS_SI",
    &["SetAbsenceAttendanceRequest_MT"],
    include_str!("../../wsdl/SetAbsenceAttendance_OS_SI.wsdl"),
);
pub const GET_ABSENCE_ATTENDANCE_BY_PERIOD: ServiceInterfaceDef = def(
    "GetAbsenceAttendanceByPeriod_OS_SI",
    &["GetAbsenceAttendanceByPeriodRequest_MT"],
    include_str!("../../wsdl/GetAbsenceAttendanceByPeriod_OS_SI.wsdl"),
);
pub const GET_CHILDREN: ServiceInterfaceDef = def(
    "GetChildren_OS_SI",
    &["GetChildrenRequest_MT"],
    include_str!("../../wsdl/GetChildren_OS_SI.wsdl"),
);
pub const GET_MATERNITY_CASES: ServiceInterfaceDef = def(
    "GetMaternityCases_OS_SI",
    &["GetMaternityCasesRequest_MT"],
    include_str!("../../wsdl/GetMaternityCases_OS_SI.wsdl"),
);
pub const GET_REASONS: ServiceInterfaceDef = def(
    "GetReasons_OS_SI",
    &["GetReasonsRequest_MT"],
    include_str!("../../wsdl/GetReasons_OS_SI.wsdl"),
);
pub const GET_WORK_ACCIDENT_CASES: ServiceInterfaceDef = def(
    "GetWorkAccidentCases_OS_SI",
    &["GetWorkAccidentCasesRequest_MT"],
    include_str!("../../wsdl/GetWorkAccidentCases_OS_SI.wsdl"),
);

/// The outbox events of absence changes.
pub const EVENT_CREATED: &str = "absence.created";
pub const EVENT_CHANGED: &str = "absence.changed";
pub const EVENT_DELETED: &str = "absence.deleted";

/// Routes a request whose root element the dispatcher has already matched to one of the six interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "SetAbsenceAttendanceRequest_MT" => set::handle(services, call, root).await,
        "GetAbsenceAttendanceByPeriodRequest_MT" => period::handle(services, call, root).await,
        _ => lookups::handle(services, call, root).await,
    }
}

/// A request read: its text fields and the municipality of the call; or the reply that refuses it (a Client
/// fault for a message that does not match the schema, 403 for a refused grant).
struct Request {
    fields: HashMap<&'static str, String>,
    municipality: Kommunekode,
}

impl Request {
    fn read(services: &Services, call: &Call<'_>, root: &Element, allowed: &[&'static str]) -> Result<Self, SoapReply> {
        let read = text_fields(root, allowed, &[]).map_err(|e| SoapReply::client_fault(e.0))?;
        let fields = allowed
            .iter()
            .filter_map(|name| read.text.get(name).map(|v| (*name, v.clone())))
            .collect();
        let municipality = call.municipality(services, InterfaceId::OpretFravaer, None)?;
        Ok(Self { fields, municipality })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    fn date(&self, name: &str) -> Result<Option<Date>, String> {
        self.get(name).map(|v| sap::parse_date(name, v)).transpose()
    }

    fn pernr(&self) -> Result<Option<Pernr>, String> {
        self.get("PersonnelNumber")
            .map(|v| sap::parse_pernr("PersonnelNumber", v))
            .transpose()
    }
}

/// An answer with just a `ReturnStatus` (and whatever `rest` writes after it).
fn answer(root: &str, status: &ReturnStatus, rest: impl FnOnce(&mut snitflade_soap::XmlWriter)) -> SoapReply {
    SoapReply::ok(sap::response(root, VACAB_NS, |w| {
        status.write(w);
        rest(w);
    }))
}
