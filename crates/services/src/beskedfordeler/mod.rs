//! The Beskedfordeler's value-list service, SF1460_B (interface id `beskedfordeler`): KOMBIT's
//! `Beskedfordeler.wsdl` at its real path `POST /sts-bf-soap/StsbeskedfordelerImpl`, all eleven operations.
//!
//! A value list (værdiliste) is a named set of strings (e.g. `urn:oio:kmd:lpe:medarbejder:00000101`) that the
//! delivery engine's subscription filters test messages against. It belongs to the calling system that created
//! it: only that system reads or changes it. The files by job: `request` reads the input messages, `answer`
//! writes the outputs, `lists` creates, changes, passivates and deletes lists, `reads` answers laes, list and
//! soeg, `values` adds and removes values, `fejlkoe` records flytbeskedtilfejlkoe requests, `wsdl` serves the
//! reference WSDL and its XSDs.
//!
//! Every outcome the service describes is an OIO `StandardRetur` (HTTP 200) with a [`StatusKode`]; only a
//! message that does not match the schema or a refused grant gets a SOAP fault (and a storage failure a
//! `Server` fault that names nothing).

mod answer;
mod fejlkoe;
mod lists;
mod reads;
mod request;
mod values;
mod wsdl;

pub use wsdl::{PATH, XSD_PATH, schema_file, wsdl_for};

use crate::dispatch::{Call, Services};
use crate::registry::ServiceInterfaceDef;
use crate::reply::SoapReply;
use snitflade_domain::InterfaceId;
use snitflade_soap::Element;

/// The WSDL's target namespace.
pub const WSDL_NS: &str = "urn:dk:kombit:vl:beskedfordeler:wsdl:1.0.0";
/// The value-list operations' messages (`VaerdilisteOperationer.xsd`, `VaerdiListe.xsd`).
pub const VL_NS: &str = "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0";
/// The Beskedfordeler's own messages (`BeskedfordelerOperationer.xsd`: flytbeskedtilfejlkoe).
pub const BF_NS: &str = "urn:oio:sts:beskedfordeler:1.0.0";
/// The OIO "sagdok" namespace of the shared elements (UUIDIdentifikator, StandardRetur, Virkning).
pub const SAGDOK_NS: &str = "urn:oio:sagdok:3.0.0";
/// The event envelope (`Beskedkuvert.xsd`).
pub const KUVERT_NS: &str = "urn:oio:besked:kuvert:1.0";

/// The outbox event of every change to a value list.
pub const EVENT_KIND: &str = "vaerdiliste.changed";

/// Most values in one request (Vaerdi or Vaerdier elements).
pub const MAX_VALUES_PER_REQUEST: usize = 1000;
/// Longest value, in characters.
pub const MAX_VALUE_CHARS: usize = 1024;
/// Most values one list holds.
pub const MAX_VALUES_PER_LIST: i64 = 10_000;
/// Most lists one system owns.
pub const MAX_LISTS_PER_SYSTEM: i64 = 1000;
/// Longest name (Navn) and description (BrugervendtNoegleTekst), in characters.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 1000;
/// Most lists in one ListInput, and most values one ListOutput carries in all.
pub const MAX_LIST_IDS: usize = 50;
pub const MAX_LIST_ANSWER_VALUES: i64 = 20_000;
/// Soeg: ids answered when MaksimalAntalKvantitet is absent, and at most.
pub const SOEG_DEFAULT: usize = 100;
pub const SOEG_MAX: usize = 1000;

/// The request roots: the ten value-list inputs, and flytbeskedtilfejlkoe's in the Beskedfordeler namespace.
const REQUEST_ROOTS: &[&str] = &[
    "OpretInput",
    "ImportInput",
    "RetInput",
    "LaesInput",
    "SletInput",
    "PassiverInput",
    "ListInput",
    "SoegInput",
    "TilfoejVaerdierInput",
    "FjernVaerdierInput",
    "{urn:oio:sts:beskedfordeler:1.0.0}FlytBeskedTilFejlkoeInput",
];

pub const BESKEDFORDELER: ServiceInterfaceDef = ServiceInterfaceDef {
    name: "Beskedfordeler",
    interface: InterfaceId::Beskedfordeler,
    namespace: WSDL_NS,
    request_namespace: VL_NS,
    request_roots: REQUEST_ROOTS,
    wsdl: wsdl::WSDL,
};

/// The `StandardRetur/StatusKode` values answered: the OIO codes, two digits after HTTP's status classes, as
/// KOMBIT's støttesystemer use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKode {
    Ok = 20,
    /// The input is invalid: a malformed UUID, a missing name, a bound exceeded.
    Invalid = 40,
    /// The list belongs to another system.
    Forbidden = 43,
    /// No such list (or message).
    NotFound = 44,
    /// The list's state forbids the change (passiveret), or the id is taken (import).
    Conflict = 49,
}

impl crate::retur::OkStatus for StatusKode {
    const OK: Self = Self::Ok;
}

/// A `StandardRetur` of this service.
pub type Retur = crate::retur::Retur<StatusKode>;

/// Routes a request whose root element the dispatcher has already matched to its operation.
pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    if request::is_flyt(root) {
        return fejlkoe::handle(services, call, root).await;
    }
    match root.name.as_str() {
        "OpretInput" => lists::opret(services, call, root).await,
        "ImportInput" => lists::import(services, call, root).await,
        "RetInput" => lists::ret(services, call, root).await,
        "PassiverInput" => lists::passiver(services, call, root).await,
        "SletInput" => lists::slet(services, call, root).await,
        "LaesInput" => reads::laes(services, call, root).await,
        "ListInput" => reads::list(services, call, root).await,
        "SoegInput" => reads::soeg(services, call, root).await,
        "TilfoejVaerdierInput" => values::tilfoej(services, call, root).await,
        _ => values::fjern(services, call, root).await,
    }
}

use crate::reply::store_failed;

/// The refusal of a change to another system's list.
fn not_owner(id: &str) -> Retur {
    Retur::with(
        StatusKode::Forbidden,
        format!("Værdilisten {id} ejes af et andet it-system; kun ejeren kan læse og ændre den"),
    )
}

fn not_found(id: &str) -> Retur {
    Retur::with(StatusKode::NotFound, format!("Værdilisten {id} findes ikke"))
}

fn passive(id: &str) -> Retur {
    Retur::with(
        StatusKode::Conflict,
        format!("Værdilisten {id} er passiveret og kan ikke ændres; den kan læses eller slettes"),
    )
}
