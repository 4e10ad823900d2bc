//! Mødetidsplaner (interface id `moedetidsplaner`): snitflade's own SAP PI style interfaces in the namespace
//! `urn:snitflade:opus:moedetidsplaner:1` — create, change and delete an employee's work schedule
//! (`SetWorkSchedule_OS_SI`) and read them (`GetWorkSchedule_OS_SI`).
//!
//! `set` validates and writes a change (INS delimits the overlapping schedules around the new one, SAP style)
//! and re-derives the employee's MTP records and — since the schedule decides what an absence costs — its FVNV
//! records in the same transaction; `get` answers the schedules of a period. Without a schedule the standard
//! 37-hour week applies.

mod get;
mod set;

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;

pub const SCHEDULES_NS: &str = "urn:snitflade:opus:moedetidsplaner:1";

pub const SET_WORK_SCHEDULE: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "SetWorkSchedule_OS_SI",
    interface: InterfaceId::Moedetidsplaner,
    namespace: SCHEDULES_NS,
    request_namespace: SCHEDULES_NS,
    request_roots: &["SetWorkScheduleRequest_MT"],
    wsdl: include_str!("../../wsdl/SetWorkSchedule_OS_SI.wsdl"),
};

pub const GET_WORK_SCHEDULE: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "GetWorkSchedule_OS_SI",
    interface: InterfaceId::Moedetidsplaner,
    namespace: SCHEDULES_NS,
    request_namespace: SCHEDULES_NS,
    request_roots: &["GetWorkScheduleRequest_MT"],
    wsdl: include_str!("../../wsdl/GetWorkSchedule_OS_SI.wsdl"),
};

/// The outbox events of schedule changes.
pub const EVENT_CREATED: &str = "work_schedule.created";
pub const EVENT_CHANGED: &str = "work_schedule.changed";
pub const EVENT_DELETED: &str = "work_schedule.deleted";

/// Routes a request whose root element the dispatcher has already matched to one of the two interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "SetWorkScheduleRequest_MT" => set::handle(services, call, root).await,
        _ => get::handle(services, call, root).await,
    }
}
