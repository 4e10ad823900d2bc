//! Medarbejderoplysninger (interface id `medarbejderoplysninger`): KMD's service interface `Employee_Provide_Out`
//! with the operations Laes (one employee), List (many) and Ret (an employee's Kommunikation, infotype 0105).
//!
//! The files by job: `request` reads the three input messages, `selection` decides which employees and records
//! an answer holds (references, ranges, filters, the manager relation), `response` writes the outputs, `audit`
//! records who read or changed what, and `laes`, `list`, `ret` are the operations. What the operations share:
//! the municipality comes from `ModtagerRef` (checked against the grant), and every outcome the interface
//! describes is a `StandardRetur` (HTTP 200) with a [`StatusKode`]; only a message that does not match the
//! schema, a malformed `ModtagerRef` or a refused grant gets a SOAP fault.

mod audit;
mod laes;
mod list;
mod request;
mod response;
mod ret;
mod selection;

pub use response::{employee_urn, employee_uuid};
pub use ret::EVENT_KIND;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::{InterfaceId, Kommunekode};
use snitflade_soap::Element;

/// `interfaceNamespace` of the SAP PI URL and the WSDL's target namespace.
pub const INTERFACE_NS: &str = "urn:kmd.dk:LPE:EMPLOYEE:external";
/// The namespace of the payload: root elements and their `form="qualified"` local elements.
pub const MEDARBEJDER_NS: &str = "urn:oio:medarbejder:1.0.0";
/// The OIO "sagdok" namespace of the shared elements (references, filters, StandardRetur).
pub const SAGDOK_NS: &str = "urn:oio:sagdok:3.0.0";

pub const EMPLOYEE_PROVIDE_OUT: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "Employee_Provide_Out",
    interface: InterfaceId::Medarbejderoplysninger,
    namespace: INTERFACE_NS,
    request_namespace: MEDARBEJDER_NS,
    request_roots: &["LaesInput", "ListInput", "RetInput"],
    wsdl: include_str!("../../wsdl/Employee_Provide_Out.wsdl"),
};

/// The `StandardRetur/StatusKode` values snitflade answers with (KMD's 2, 3 and 99 concern its proxy and queue,
/// which snitflade does not have).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKode {
    Ok = 0,
    /// "Data ikke fundet".
    NotFound = 1,
    /// Invalid person input (references, categories, filters).
    InvalidInput = 100,
    /// Ret: the communication update failed (the text says why).
    UpdateFailed = 101,
    /// The employee number is deleted (cancelled); the text names the replacement, if any.
    Deleted = 102,
    /// List: the time or size limit was reached; the text names the last employee number processed.
    LimitReached = 103,
}

impl crate::retur::OkStatus for StatusKode {
    const OK: Self = Self::Ok;
}

/// A `StandardRetur` of this service.
pub type Retur = crate::retur::Retur<StatusKode>;

/// Routes a request whose root element the dispatcher has already matched to one of the three operations.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "LaesInput" => laes::handle(services, call, root).await,
        "ListInput" => list::handle(services, call, root).await,
        _ => ret::handle(services, call, root).await,
    }
}

/// The municipality of a call: `ModtagerRef` when given (checked against the grant), else the rule for calls that name
/// none (docs/src/interfaces/conventions.md#the-municipality-of-a-call).
fn municipality(services: &Services, call: &Call<'_>, named: Option<Kommunekode>) -> Result<Kommunekode, SoapReply> {
    call.municipality(services, InterfaceId::Medarbejderoplysninger, named)
}

use crate::reply::store_failed;
