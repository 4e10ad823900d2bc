//! The service interfaces snitflade answers, by the name used in URLs (`interface=` of the SAP PI form and
//! `/ws/<ServiceInterface>`): which interface id they belong to, their namespaces, root elements and WSDL.

use snitflade_domain::InterfaceId;
use snitflade_domain::access_level::{self, Operation};

/// One SOAP service interface.
#[derive(Debug)]
pub struct ServiceInterfaceDef {
    /// The ServiceInterface name, e.g. `MobileEquipRegistration_OS_SI`.
    pub name: &'static str,
    pub interface: InterfaceId,
    /// The service interface's namespace: `interfaceNamespace` of the SAP PI URL and the WSDL's target namespace.
    pub namespace: &'static str,
    /// The namespace of the request root elements. SAP PI's own message types use the interface namespace
    /// (`namespace`); interfaces built on OIO schemas do not (Employee_Provide_Out: `urn:oio:medarbejder:1.0.0`).
    pub request_namespace: &'static str,
    /// The request root elements (in `request_namespace`, or in the namespace written before the name as
    /// `{namespace}Name`) this service interface accepts.
    pub request_roots: &'static [&'static str],
    /// The WSDL, with `{{ADDRESS}}` where the endpoint address goes.
    pub wsdl: &'static str,
}

pub static SERVICES: &[ServiceInterfaceDef] = &[
    crate::maskintimer::MASTERDATA,
    crate::maskintimer::REGISTRATION,
    crate::medarbejderoplysninger::EMPLOYEE_PROVIDE_OUT,
    crate::opret_fravaer::SET_ABSENCE_ATTENDANCE,
    crate::opret_fravaer::GET_ABSENCE_ATTENDANCE_BY_PERIOD,
    crate::opret_fravaer::GET_CHILDREN,
    crate::opret_fravaer::GET_MATERNITY_CASES,
    crate::opret_fravaer::GET_REASONS,
    crate::opret_fravaer::GET_WORK_ACCIDENT_CASES,
    crate::fravaerskvoter::GET_ABSENCE_QUOTAS,
    crate::fravaerskvoter::GET_ABSENCE_QUOTA_DETAILS,
    crate::moedetidsplaner::SET_WORK_SCHEDULE,
    crate::moedetidsplaner::GET_WORK_SCHEDULE,
    crate::faste_tillaeg::SET_FIXED_SUPPLEMENT,
    crate::faste_tillaeg::GET_FIXED_SUPPLEMENTS,
    crate::personalemappe::UPLOAD_DOCUMENT,
    crate::personalemappe::LIST_DOCUMENTS,
    crate::personalemappe::GET_DOCUMENT,
    crate::beskedfordeler::BESKEDFORDELER,
];

pub fn find_service(name: &str) -> Option<&'static ServiceInterfaceDef> {
    SERVICES.iter().find(|s| s.name == name)
}

impl ServiceInterfaceDef {
    /// The operation of a request with root element `root` (local name), from the access table.
    pub fn operation(&self, root: &str) -> Option<&'static Operation> {
        access_level::operation(self.name, Some(root))
    }

    /// The operation of a service interface that has only one (every one but Employee_Provide_Out and the
    /// Beskedfordeler's), known before the message is read.
    pub fn sole_operation(&self) -> Option<&'static Operation> {
        match self.request_roots {
            [root] => self.operation(root.rsplit('}').next().unwrap_or(root)),
            _ => None,
        }
    }

    /// Whether a request root element `name` in namespace `ns` is one of this interface's.
    pub fn accepts_root(&self, ns: Option<&str>, name: &str) -> bool {
        self.request_roots
            .iter()
            .any(|root| match root.strip_prefix('{').and_then(|r| r.split_once('}')) {
                Some((root_ns, root_name)) => ns == Some(root_ns) && name == root_name,
                None => ns == Some(self.request_namespace) && name == *root,
            })
    }

    /// The WSDL with its `soap:address` pointing at `base` (e.g. `https://localhost:8443`), in the SAP PI form.
    pub fn wsdl_for(&self, base: &str) -> String {
        let address = format!(
            "{base}/XISOAPAdapter/MessageServlet?senderParty=&amp;senderService=&amp;receiverParty=&amp;\
             receiverService=&amp;interface={}&amp;interfaceNamespace={}",
            self.name,
            url_encode(self.namespace)
        );
        self.wsdl.replace("{{ADDRESS}}", &address)
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wsdl_address_is_the_sap_pi_form() {
        let d = find_service("MobileEquipMasterdata_OS_SI").unwrap();
        let w = d.wsdl_for("https://localhost:8443");
        assert!(w.contains(
            "location=\"https://localhost:8443/XISOAPAdapter/MessageServlet?senderParty=&amp;senderService=&amp;\
             receiverParty=&amp;receiverService=&amp;interface=MobileEquipMasterdata_OS_SI&amp;\
             interfaceNamespace=http%3A%2F%2Fkmd.dk%2Fmobile_equip_masterdata%2Fkmd\""
        ));
        assert!(!w.contains("{{ADDRESS}}"));
        assert!(find_service("Nope_OS_SI").is_none());
    }

    /// The access table (`snitflade_domain::access_level::OPERATIONS`) names exactly the operations served: every
    /// request root of every service interface, of its interface, and the two JSON paths.
    #[test]
    fn every_operation_served_is_in_the_access_table_and_nothing_else() {
        let mut served = Vec::new();
        for def in SERVICES {
            for root in def.request_roots {
                let local = root.rsplit('}').next().unwrap();
                let op = def
                    .operation(local)
                    .unwrap_or_else(|| panic!("{} {local} is not in the access table", def.name));
                assert_eq!(op.interface, def.interface, "{} {local}", def.name);
                served.push((def.name, Some(local)));
            }
            assert_eq!(
                def.sole_operation().is_some(),
                def.request_roots.len() == 1,
                "{}",
                def.name
            );
        }
        for op in [
            crate::engangsydelse::Operation::Update,
            crate::engangsydelse::Operation::Read,
        ] {
            assert_eq!(op.access().interface, InterfaceId::Engangsydelse);
            served.push((op.path(), None));
        }
        for op in access_level::OPERATIONS {
            assert!(served.contains(&(op.service, op.request)), "{op:?} is not served");
        }
        assert_eq!(served.len(), access_level::OPERATIONS.len());
        let upload = find_service("UploadDocument_OS_SI").unwrap().sole_operation().unwrap();
        assert_eq!(upload.effect, access_level::Effect::Writes);
        assert!(find_service("Employee_Provide_Out").unwrap().sole_operation().is_none());
    }
}
