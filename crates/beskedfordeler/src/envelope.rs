//! An outbox event as KOMBIT's `Haendelsesbesked` (`Beskedkuvert.xsd`, namespace `urn:oio:besked:kuvert:1.0`) and as
//! the `ModtagBeskedInput` of SF1460_A push delivery. The envelope is a pure function of the stored event (and the
//! municipality's CVR, the dueslag it goes to and the attempt number), so the envelope of an event is the same
//! whenever it is rendered.
//!
//! The filter fields: `Beskedtype` is a stable UUID per event kind (v5 of `urn:snitflade:beskedtype:<kind>`, listed
//! by [`BESKEDTYPER`]); `ObjektAnsvarligMyndighed` is `urn:oio:cvr-nr:<municipality CVR>`; `ObjektId` names the
//! employee by personnel number (`urn:oio:kmd:lpe:medarbejder:<pernr>`) — never by CPR number; `ObjektType` and
//! `ObjektHandling` are stable UUIDs of the object kind and the action; `OpgaveEmne` is the KLE subject of HR
//! (`urn:oio:kle:81…`). The change itself is in `Beskeddata` as JSON. Rendered for a dueslag, the `Leverancerute` names
//! it (`ErLeveretIHenholdTil`), so that the receiver can send the message back (flytbeskedtilfejlkoe) as it got it.

use crate::visibility::{self, Seen};
use serde::{Deserialize, Serialize};
use snitflade_domain::InterfaceId;
use snitflade_soap::XmlWriter;
use snitflade_store::outbox::Event;
use uuid::Uuid;

pub const KUVERT_NS: &str = "urn:oio:besked:kuvert:1.0";
pub const SAGDOK_NS: &str = "urn:oio:sagdok:3.0.0";
pub const STS_NS: &str = "urn:oio:sts:1.0.0";
/// The namespace of the `Beskeddata` content.
pub const DATA_NS: &str = "urn:snitflade:haendelse:1";

/// An event kind snitflade emits: its Danish Beskedtype name, and who may receive it besides the `beskedfordeler`
/// grant (`crate::visibility`).
#[derive(Debug, Clone, Copy)]
pub struct BeskedtypeInfo {
    pub kind: &'static str,
    pub navn: &'static str,
    pub seen: Seen,
}

const fn bt(kind: &'static str, navn: &'static str, seen: Seen) -> BeskedtypeInfo {
    BeskedtypeInfo { kind, navn, seen }
}

use InterfaceId::{
    Engangsydelse, FasteTillaeg, Fravaerskvoter, Maskintimer, Medarbejderoplysninger, Moedetidsplaner, OpretFravaer,
    Personalemappe,
};
/// Absences: registered through opret-fravaer, read through it and Medarbejderoplysninger's FVNV category.
const ABSENCES: Seen = Seen::Through(&[OpretFravaer, Medarbejderoplysninger]);
/// Work schedules: moedetidsplaner, and Medarbejderoplysninger's MTP category.
const SCHEDULES: Seen = Seen::Through(&[Moedetidsplaner, Medarbejderoplysninger]);
const QUOTAS: Seen = Seen::Through(&[Fravaerskvoter]);
const ONE_TIME: Seen = Seen::Through(&[Engangsydelse]);
const SUPPLEMENTS: Seen = Seen::Through(&[FasteTillaeg]);
const DOCUMENTS: Seen = Seen::Through(&[Personalemappe]);
/// Employees and org units: Medarbejderoplysninger (Persondata, Organisation, Kommunikation, ...).
const EMPLOYEES: Seen = Seen::Through(&[Medarbejderoplysninger]);
const MACHINE_HOURS: Seen = Seen::Through(&[Maskintimer]);

/// Every event kind snitflade emits with the Danish name of its Beskedtype, so that subscribers can look up their
/// `Beskedtype` UUIDs (and listings such as `GET /beskedtyper` can name them), and — in this one place — what a
/// receiving system needs besides the `beskedfordeler` grant to receive it (see the README's table).
pub const BESKEDTYPER: &[BeskedtypeInfo] = &[
    bt("absence.created", "Fravær oprettet", ABSENCES),
    bt("absence.changed", "Fravær ændret", ABSENCES),
    bt("absence.deleted", "Fravær slettet", ABSENCES),
    bt("work_schedule.created", "Mødetidsplan oprettet", SCHEDULES),
    bt("work_schedule.changed", "Mødetidsplan ændret", SCHEDULES),
    bt("work_schedule.deleted", "Mødetidsplan slettet", SCHEDULES),
    bt("absence_quota.overdrawn", "Fraværskvote overskredet", QUOTAS),
    bt("holiday_transfer.registered", "Overførsel af ferie registreret", QUOTAS),
    bt("holiday_transfer.deleted", "Overførsel af ferie slettet", QUOTAS),
    bt("onetime_payment.registered", "Engangsydelse registreret", ONE_TIME),
    bt("fixed_supplement.created", "Fast tillæg oprettet", SUPPLEMENTS),
    bt("fixed_supplement.changed", "Fast tillæg ændret", SUPPLEMENTS),
    bt("fixed_supplement.ended", "Fast tillæg afsluttet", SUPPLEMENTS),
    bt("fixed_supplement.deleted", "Fast tillæg slettet", SUPPLEMENTS),
    bt("document.uploaded", "Dokument lagt i personalemappen", DOCUMENTS),
    bt(
        "employee.communication.changed",
        "Medarbejderens kommunikationsoplysninger ændret",
        EMPLOYEES,
    ),
    bt("employee.created", "Medarbejder oprettet", EMPLOYEES),
    bt("employee.changed", "Medarbejder ændret", EMPLOYEES),
    bt("employee.left", "Medarbejder fratrådt", EMPLOYEES),
    bt("employee.deleted", "Ansættelse annulleret", EMPLOYEES),
    bt("org_unit.created", "Organisationsenhed oprettet", EMPLOYEES),
    bt("org_unit.changed", "Organisationsenhed ændret", EMPLOYEES),
    bt(
        "maskintimer.registrering.oprettet",
        "Maskintimeregistrering oprettet",
        MACHINE_HOURS,
    ),
    bt("access.granted", "Adgang givet", Seen::OwnSystem(visibility::access_of)),
    bt("access.closed", "Adgang lukket", Seen::OwnSystem(visibility::access_of)),
    bt(
        "vaerdiliste.changed",
        "Værdiliste ændret",
        Seen::OwnSystem(visibility::list_of),
    ),
    bt(
        "certificate.expiring",
        "Certifikat udløber snart",
        Seen::OwnSystem(visibility::certificate_of),
    ),
];

/// Every event kind snitflade emits.
pub fn beskedtype_kinds() -> impl Iterator<Item = &'static str> {
    BESKEDTYPER.iter().map(|b| b.kind)
}

/// The Danish name of an event kind's Beskedtype.
pub fn beskedtype_navn(kind: &str) -> Option<&'static str> {
    BESKEDTYPER.iter().find(|b| b.kind == kind).map(|b| b.navn)
}

fn v5(name: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, name.as_bytes())
}

/// The `Beskedtype` of an event kind.
pub fn beskedtype(kind: &str) -> Uuid {
    v5(&format!("urn:snitflade:beskedtype:{kind}"))
}

/// The `ObjektType` UUID of an object kind (`medarbejder`, `organisationsenhed`, `adgang`, ...).
pub fn objekttype(object: &str) -> Uuid {
    v5(&format!("urn:snitflade:objekttype:{object}"))
}

/// The `ObjektHandling` UUID of an action (`oprettet`, `aendret`, `slettet`, ...).
pub fn objekthandling(action: &str) -> Uuid {
    v5(&format!("urn:snitflade:objekthandling:{action}"))
}

/// snitflade itself as `BeskedAnsvarligAktoer`, `Kildesystem` and `Fordelingssystem`.
pub fn snitflade_aktoer() -> Uuid {
    v5("urn:snitflade:system")
}

/// The values an envelope is filtered by (subscriptions match on these). A message received over AMQP (SF1460_C)
/// keeps its own values, read from its envelope; it has no object or action *name*, only their UUIDs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterFields {
    pub kind: String,
    pub beskedtype: Uuid,
    /// `urn:oio:cvr-nr:<CVR>` of the municipality, when the event has one.
    pub myndighed: Option<String>,
    /// The municipality's code, for filters written with kommunekoder.
    pub kommune: Option<String>,
    /// The object kind (`medarbejder`, ...) and its UUID.
    pub objekt: String,
    pub objekttype: Uuid,
    pub handling: String,
    pub objekthandling: Uuid,
    /// `urn:oio:kmd:lpe:medarbejder:<pernr>` and the like.
    pub objekt_id: Option<String>,
    /// KLE subject, e.g. `81.03.00`.
    pub kle: String,
}

/// What an event kind is about: (object kind, action, KLE subject).
fn classify(kind: &str) -> (&'static str, &'static str, &'static str) {
    let action = match kind.rsplit('.').next().unwrap_or("") {
        "created" | "oprettet" | "registered" | "uploaded" | "granted" => "oprettet",
        "deleted" => "slettet",
        "ended" | "left" | "closed" => "afsluttet",
        _ => "aendret",
    };
    let (object, kle) = match kind.split('.').next().unwrap_or("") {
        "absence" => ("fravaer", "81.03.00"),
        "absence_quota" | "holiday_transfer" => ("fravaerskvote", "81.03.00"),
        "work_schedule" => ("moedetidsplan", "81.03.00"),
        "onetime_payment" | "fixed_supplement" => ("loenart", "81.05.00"),
        "document" => ("personalesag", "81.02.00"),
        "org_unit" => ("organisationsenhed", "81.01.00"),
        "maskintimer" => ("tidsregistrering", "81.03.00"),
        "access" => ("adgang", "81.00.00"),
        "vaerdiliste" => ("vaerdiliste", "81.00.00"),
        "certificate" => ("certifikat", "81.00.00"),
        _ => ("medarbejder", "81.02.00"),
    };
    (object, action, kle)
}

/// The filter fields of `event` in a municipality with CVR `cvr`.
pub fn filter_fields(event: &Event, cvr: Option<&str>) -> FilterFields {
    if let Some(received) = crate::received::Received::of(event) {
        return received.fields;
    }
    let (objekt, handling, kle) = classify(&event.kind);
    let objekt_id = event
        .object_id
        .as_deref()
        .filter(|o| !o.is_empty())
        .map(|id| match objekt {
            "organisationsenhed" => format!("urn:oio:kmd:lpe:organisationsenhed:{id}"),
            "adgang" | "vaerdiliste" | "certifikat" => format!("urn:snitflade:{objekt}:{id}"),
            _ => format!("urn:oio:kmd:lpe:medarbejder:{id}"),
        });
    FilterFields {
        beskedtype: beskedtype(&event.kind),
        kind: event.kind.clone(),
        myndighed: cvr.map(|c| format!("urn:oio:cvr-nr:{c}")),
        kommune: event.municipality.clone(),
        objekt: objekt.to_owned(),
        objekttype: objekttype(objekt),
        handling: handling.to_owned(),
        objekthandling: objekthandling(handling),
        objekt_id,
        kle: kle.to_owned(),
    }
}

fn uuid_id(w: &mut XmlWriter, element: &str, id: &Uuid) {
    w.start(element).leaf("sd:UUIDIdentifikator", &id.to_string()).end();
}

fn urn_id(w: &mut XmlWriter, element: &str, urn: &str) {
    w.start(element).leaf("sd:URNIdentifikator", urn).end();
}

fn time(w: &mut XmlWriter, element: &str, at: &str) {
    // Stored times are RFC 3339 UTC; xsd:dateTime takes them as they are.
    w.start(element).leaf("sd:TidsstempelDatoTid", at).end();
}

/// Writes the `Haendelsesbesked` element (namespaces declared on it) for delivery attempt `attempt` (1-based) to
/// `dueslag`: its UUID is the `Leverancerute`'s `ErLeveretIHenholdTil`, which the receiver's flytbeskedtilfejlkoe
/// (SF1460_B) names the dueslag by when it hands the message back (`None`: rendered for no dueslag, e.g. for the
/// admin API). A message received over AMQP is written as its publisher sent it.
pub fn write_haendelsesbesked(
    w: &mut XmlWriter,
    event: &Event,
    fields: &FilterFields,
    dueslag: Option<&str>,
    attempt: i64,
) {
    if let Some(received) = crate::received::Received::of(event) {
        w.raw(&received.envelope);
        return;
    }
    let message_id = Uuid::parse_str(&event.id).unwrap_or_else(|_| v5(&format!("urn:snitflade:besked:{}", event.id)));
    let now = snitflade_store::now_text();
    w.start("kuvert:Haendelsesbesked")
        .attr("xmlns:kuvert", KUVERT_NS)
        .attr("xmlns:sd", SAGDOK_NS);
    uuid_id(w, "kuvert:BeskedId", &message_id);
    w.leaf("kuvert:BeskedVersion", "1.0");
    w.start("kuvert:Beskedkuvert");
    w.start("kuvert:Filtreringsdata");
    uuid_id(w, "kuvert:Beskedtype", &fields.beskedtype);
    uuid_id(w, "kuvert:BeskedAnsvarligAktoer", &snitflade_aktoer());
    w.start("kuvert:ObjektRegistrering");
    uuid_id(w, "kuvert:ObjektRegistreringId", &message_id);
    uuid_id(w, "kuvert:RegistreringsAktoer", &snitflade_aktoer());
    time(w, "kuvert:Registreringstidspunkt", &event.created_at);
    if let Some(m) = &fields.myndighed {
        urn_id(w, "kuvert:ObjektAnsvarligMyndighed", m);
    }
    if let Some(o) = &fields.objekt_id {
        urn_id(w, "kuvert:ObjektId", o);
    }
    uuid_id(w, "kuvert:ObjektType", &fields.objekttype);
    uuid_id(w, "kuvert:ObjektHandling", &fields.objekthandling);
    urn_id(w, "kuvert:OpgaveEmne", &format!("urn:oio:kle:{}", fields.kle));
    w.end(); // ObjektRegistrering
    w.end(); // Filtreringsdata
    w.start("kuvert:Leveranceinformation");
    time(w, "kuvert:Dannelsestidspunkt", &event.created_at);
    uuid_id(w, "kuvert:TransaktionsId", &message_id);
    uuid_id(w, "kuvert:Kildesystem", &snitflade_aktoer());
    w.start("kuvert:Leveranceruter").start("kuvert:Leverancerute");
    uuid_id(w, "kuvert:Fordelingssystem", &snitflade_aktoer());
    time(w, "kuvert:ModtagelsesTidspunkt", &event.created_at);
    time(w, "kuvert:LeveranceTidspunkt", &now);
    if let Some(dueslag) = dueslag {
        // Beskedkuvert.xsd's order: … LeveranceTidspunkt, ModtagetFraSystem, ErLeveretIHenholdTil, LokalUdvidelse.
        w.start("kuvert:ErLeveretIHenholdTil")
            .leaf("sd:UUIDIdentifikator", dueslag)
            .end();
    }
    w.start("kuvert:LeveranceruteLokalUdvidelse")
        .leaf("kuvert:AntalLeveranceforsoeg", &attempt.to_string())
        .end();
    w.end().end(); // Leverancerute, Leveranceruter
    w.end(); // Leveranceinformation
    w.end(); // Beskedkuvert
    w.start("kuvert:Beskeddata")
        .start("h:Haendelse")
        .attr("xmlns:h", DATA_NS)
        .leaf("h:Art", &event.kind)
        .leaf("h:Sekvensnummer", &event.seq.to_string())
        .leaf("h:Snitflade", &event.interface)
        .leaf_opt("h:Kommune", event.municipality.as_deref())
        .leaf_opt("h:Objekt", event.object_id.as_deref())
        .start("h:Data")
        .attr("contentType", "application/json")
        .text(&event.payload.to_string())
        .end()
        .end()
        .end();
    w.end(); // Haendelsesbesked
}

/// The event as a stand-alone `Haendelsesbesked` document (for `dueslag`, if given: see [`write_haendelsesbesked`]).
pub fn haendelsesbesked(event: &Event, fields: &FilterFields, dueslag: Option<&str>, attempt: i64) -> String {
    let mut w = XmlWriter::with_capacity(2048);
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    write_haendelsesbesked(&mut w, event, fields, dueslag, attempt);
    w.finish()
}

/// SF1460_A's push body to `dueslag`: `ModtagBeskedInput` (namespace `urn:oio:sts:1.0.0`) holding the
/// `Haendelsesbesked`.
pub fn modtag_besked_input(event: &Event, fields: &FilterFields, dueslag: &str, attempt: i64) -> String {
    let mut w = XmlWriter::with_capacity(2048);
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    w.start("sts:ModtagBeskedInput").attr("xmlns:sts", STS_NS);
    write_haendelsesbesked(&mut w, event, fields, Some(dueslag), attempt);
    w.end();
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str) -> Event {
        Event {
            seq: 7,
            id: "5b9fd5a4-0e7c-4a38-9a2f-111111111111".into(),
            kind: kind.into(),
            interface: "opret-fravaer".into(),
            municipality: Some("0340".into()),
            object_id: Some("00000101".into()),
            payload: serde_json::json!({"type": "SY", "note": "<&>"}),
            created_at: "2026-12-03T10:00:00.000000Z".into(),
        }
    }

    #[test]
    fn every_beskedtype_has_a_danish_name() {
        for b in BESKEDTYPER {
            assert!(!b.navn.is_empty(), "{} has no name", b.kind);
        }
        assert_eq!(
            beskedtype_navn("certificate.expiring"),
            Some("Certifikat udløber snart")
        );
        assert_eq!(
            beskedtype("certificate.expiring"),
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:snitflade:beskedtype:certificate.expiring")
        );
    }

    #[test]
    fn beskedtyper_are_stable_and_distinct() {
        assert_eq!(beskedtype("absence.created"), beskedtype("absence.created"));
        let all: std::collections::BTreeSet<_> = beskedtype_kinds().map(beskedtype).collect();
        assert_eq!(all.len(), BESKEDTYPER.len());
        // Pinned: a subscriber's configuration must survive upgrades.
        assert_eq!(
            beskedtype("absence.created").to_string(),
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:snitflade:beskedtype:absence.created").to_string()
        );
    }

    #[test]
    fn the_filter_fields_name_the_employee_by_personnel_number() {
        let f = filter_fields(&event("absence.created"), Some("29189730"));
        assert_eq!(f.myndighed.as_deref(), Some("urn:oio:cvr-nr:29189730"));
        assert_eq!(f.objekt_id.as_deref(), Some("urn:oio:kmd:lpe:medarbejder:00000101"));
        assert_eq!(
            (f.objekt.as_str(), f.handling.as_str(), f.kle.as_str()),
            ("fravaer", "oprettet", "81.03.00")
        );
        let q = filter_fields(&event("absence_quota.overdrawn"), Some("29189730"));
        assert_eq!(
            (q.objekt.as_str(), q.handling.as_str(), q.kle.as_str()),
            ("fravaerskvote", "aendret", "81.03.00")
        );
        assert!(beskedtype_navn("absence_quota.overdrawn").is_some());
        let t = filter_fields(&event("holiday_transfer.registered"), None);
        assert_eq!((t.objekt.as_str(), t.handling.as_str()), ("fravaerskvote", "oprettet"));
        assert!(beskedtype_navn("holiday_transfer.deleted").is_some());
        let dueslag = "6f1c1d9e-7f43-4d6b-9d0b-1a2b3c4d5e6f";
        let xml = modtag_besked_input(&event("absence.created"), &f, dueslag, 3);
        assert!(
            xml.contains("<kuvert:AntalLeveranceforsoeg>3</kuvert:AntalLeveranceforsoeg>"),
            "{xml}"
        );
        // The dueslag in the Leverancerute, where Beskedkuvert.xsd puts it.
        let route = format!(
            "</kuvert:LeveranceTidspunkt><kuvert:ErLeveretIHenholdTil><sd:UUIDIdentifikator>{dueslag}\
             </sd:UUIDIdentifikator></kuvert:ErLeveretIHenholdTil><kuvert:LeveranceruteLokalUdvidelse>"
        );
        assert!(xml.contains(&route), "{xml}");
        let admin = haendelsesbesked(&event("absence.created"), &f, None, 1);
        assert!(!admin.contains("ErLeveretIHenholdTil"), "{admin}");
        assert!(xml.contains("&lt;&amp;&gt;"), "the JSON is escaped: {xml}");
        assert!(xml.starts_with("<?xml"));
    }
}
