//! Machine-hours time registration (KMD's machine-hours service description, interface id `maskintimer`;
//! docs/src/interfaces/maskintimer.md): two SAP PI service interfaces, master data (`MobileEquipMasterdata_OS_SI`) and
//! registration (`MobileEquipRegistration_OS_SI`).

mod masterdata;
mod registration;

pub use registration::{parse_registration, revalidate};

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;

pub const MASTERDATA_NS: &str = "http://kmd.dk/mobile_equip_masterdata/kmd";
pub const REGISTRATION_NS: &str = "http://kmd.dk/mobile_equipreg/kmd";

pub const MASTERDATA: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "MobileEquipMasterdata_OS_SI",
    interface: InterfaceId::Maskintimer,
    namespace: MASTERDATA_NS,
    request_namespace: MASTERDATA_NS,
    request_roots: &["ZPSA_CN27_MASTERDATA_REQUEST_MT"],
    wsdl: include_str!("../../wsdl/MobileEquipMasterdata_OS_SI.wsdl"),
};

pub const REGISTRATION: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "MobileEquipRegistration_OS_SI",
    interface: InterfaceId::Maskintimer,
    namespace: REGISTRATION_NS,
    request_namespace: REGISTRATION_NS,
    request_roots: &["ZPSA_CN27_DATA_MT"],
    wsdl: include_str!("../../wsdl/MobileEquipRegistration_OS_SI.wsdl"),
};

/// Routes a request whose root element the dispatcher has already matched to one of the two interfaces.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    match root.name.as_str() {
        "ZPSA_CN27_MASTERDATA_REQUEST_MT" => masterdata::handle(services, call, root).await,
        _ => registration::handle(services, call, root).await,
    }
}
