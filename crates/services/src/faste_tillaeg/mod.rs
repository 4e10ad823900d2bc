//! Faste tillæg (interface id `faste-tillaeg`): snitflade's own SAP PI style interfaces in the namespace
//! `urn:snitflade:opus:faste-tillaeg:1` — register, change, end and delete an employee's fixed supplements
//! (`SetFixedSupplement_OS_SI`) and read them (`GetFixedSupplements_OS_SI`).
//!
//! A supplement is a wage type from the municipality's payroll catalogue marked for fixed use, paid monthly or
//! yearly as an amount or a quantity over a period, optionally on a deviating cost centre or PSP element; the
//! rules are those of one-time payments (same codes, see `snitflade_domain::payroll_rules`) plus: two
//! supplements of one wage type may not overlap.

mod get;
mod set;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;

pub const SUPPLEMENTS_NS: &str = "urn:snitflade:opus:faste-tillaeg:1";

pub const SET_FIXED_SUPPLEMENT: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "SetFixedSupplement_OS_SI",
    interface: InterfaceId::FasteTillaeg,
    namespace: SUPPLEMENTS_NS,
    request_namespace: SUPPLEMENTS_NS,
    request_roots: &["SetFixedSupplementRequest_MT"],
    wsdl: include_str!("../../wsdl/SetFixedSupplement_OS_SI.wsdl"),
};

pub const GET_FIXED_SUPPLEMENTS: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "GetFixedSupplements_OS_SI",
    interface: InterfaceId::FasteTillaeg,
    namespace: SUPPLEMENTS_NS,
    request_namespace: SUPPLEMENTS_NS,
    request_roots: &["GetFixedSupplementsRequest_MT"],
    wsdl: include_str!("../../wsdl/GetFixedSupplements_OS_SI.wsdl"),
};

/// The outbox events of supplement changes.
pub const EVENT_CREATED: &str = "fixed_supplement.created";
pub const EVENT_CHANGED: &str = "fixed_supplement.changed";
pub const EVENT_ENDED: &str = "fixed_supplement.ended";
pub const EVENT_DELETED: &str = "fixed_supplement.deleted";

/// Routes a request whose root element the dispatcher has already matched to one of the two interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "SetFixedSupplementRequest_MT" => set::handle(services, call, root).await,
        _ => get::handle(services, call, root).await,
    }
}
