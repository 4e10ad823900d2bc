//! Hent fraværskvoter (interface id `fravaerskvoter`): snitflade's own SAP PI style interfaces in the namespace
//! `urn:snitflade:opus:fravaerskvoter:1` — the quotas employees can take around a day
//! (`GetAbsenceQuotas_OS_SI`) and one employee's accrual and usage per quota (`GetAbsenceQuotaDetails_OS_SI`).
//!
//! `read` turns the request into employees and a key date and computes their balances with the quota rules of
//! `snitflade_domain::quotas` from the registered absences; `answer` writes the quota items. An unknown or
//! cancelled employee makes the whole call "E" (no partial answers); every answer is audited.

mod answer;
mod read;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;

pub const QUOTAS_NS: &str = "urn:snitflade:opus:fravaerskvoter:1";

pub const GET_ABSENCE_QUOTAS: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "GetAbsenceQuotas_OS_SI",
    interface: InterfaceId::Fravaerskvoter,
    namespace: QUOTAS_NS,
    request_namespace: QUOTAS_NS,
    request_roots: &["GetAbsenceQuotasRequest_MT"],
    wsdl: include_str!("../../wsdl/GetAbsenceQuotas_OS_SI.wsdl"),
};

pub const GET_ABSENCE_QUOTA_DETAILS: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "GetAbsenceQuotaDetails_OS_SI",
    interface: InterfaceId::Fravaerskvoter,
    namespace: QUOTAS_NS,
    request_namespace: QUOTAS_NS,
    request_roots: &["GetAbsenceQuotaDetailsRequest_MT"],
    wsdl: include_str!("../../wsdl/GetAbsenceQuotaDetails_OS_SI.wsdl"),
};

/// The outbox events of holiday transfers registered and removed (admin API), which change the quotas.
pub const EVENT_TRANSFER_REGISTERED: &str = "holiday_transfer.registered";
pub const EVENT_TRANSFER_DELETED: &str = "holiday_transfer.deleted";

/// Routes a request whose root element the dispatcher has already matched to one of the two interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    read::handle(services, call, root, root.name == "GetAbsenceQuotaDetailsRequest_MT").await
}
