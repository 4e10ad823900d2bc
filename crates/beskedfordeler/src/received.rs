//! Messages published to snitflade by other systems (SF1460_C): reading and checking a published
//! `Haendelsesbesked`, and keeping it in the outbox as an event of kind [`RECEIVED_KIND`] so that it is routed and
//! delivered exactly like snitflade's own events — but as the publisher wrote it, with its own `BeskedId` and
//! filter values.

use crate::envelope::{FilterFields, KUVERT_NS, SAGDOK_NS, beskedtype as beskedtype_of, beskedtype_kinds};
use serde::{Deserialize, Serialize};
use snitflade_soap::{Element, Limits, parse_document};
use snitflade_store::outbox::{Event, NewEvent};
use uuid::Uuid;

/// The outbox kind of a received message.
pub const RECEIVED_KIND: &str = "besked.modtaget";

/// The largest message accepted (the envelope with its `Beskeddata`).
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// A checked, published message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Received {
    pub besked_id: Uuid,
    /// The CVR number of `ObjektAnsvarligMyndighed` (the publisher must be granted that municipality).
    pub cvr: String,
    pub fields: FilterFields,
    /// The `Haendelsesbesked` element as published, without an XML declaration.
    pub envelope: String,
}

/// Why a published message is refused (the `FejlbeskedTekst` of StatusKode 40).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("Beskeden er større end {MAX_MESSAGE_BYTES} bytes")]
    TooLarge,
    #[error("Beskeden er ikke gyldig XML: {0}")]
    Xml(String),
    #[error("Beskeden er ikke en Haendelsesbesked ({KUVERT_NS})")]
    NotHaendelsesbesked,
    #[error("{0} mangler eller er ugyldig")]
    Field(&'static str),
    #[error("Beskedtype {0} er snitflades egen; andre systemer kan ikke aflevere den")]
    ReservedBeskedtype(Uuid),
}

impl Received {
    /// Reads and checks a published message (bounded, no DOCTYPE: the hardened SOAP reader).
    pub fn parse(body: &[u8]) -> Result<Received, Invalid> {
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(Invalid::TooLarge);
        }
        let root = parse_document(body, &Limits::DEFAULT).map_err(|e| Invalid::Xml(e.to_string()))?;
        if !root.is(Some(KUVERT_NS), "Haendelsesbesked") {
            return Err(Invalid::NotHaendelsesbesked);
        }
        let k = |e: &'_ Element, name: &str| e.child_ns(Some(KUVERT_NS), name).cloned();
        let besked_id = uuid_of(k(&root, "BeskedId").as_ref()).ok_or(Invalid::Field("BeskedId"))?;
        let filtrering = k(&root, "Beskedkuvert")
            .and_then(|b| k(&b, "Filtreringsdata"))
            .ok_or(Invalid::Field("Beskedkuvert/Filtreringsdata"))?;
        let beskedtype = uuid_of(k(&filtrering, "Beskedtype").as_ref()).ok_or(Invalid::Field("Beskedtype"))?;
        if beskedtype_kinds().any(|kind| beskedtype_of(kind) == beskedtype) {
            // Subscribers trust these to come from snitflade's own changes.
            return Err(Invalid::ReservedBeskedtype(beskedtype));
        }
        let reg = k(&filtrering, "ObjektRegistrering").ok_or(Invalid::Field("ObjektRegistrering"))?;
        let myndighed = urn_of(k(&reg, "ObjektAnsvarligMyndighed").as_ref())
            .filter(|m| cvr_of(m).is_some())
            .ok_or(Invalid::Field("ObjektAnsvarligMyndighed (urn:oio:cvr-nr:<CVR>)"))?;
        let cvr = cvr_of(&myndighed).unwrap_or_default().to_owned();
        let objekttype = uuid_of(k(&reg, "ObjektType").as_ref()).ok_or(Invalid::Field("ObjektType"))?;
        let objekthandling = uuid_of(k(&reg, "ObjektHandling").as_ref()).ok_or(Invalid::Field("ObjektHandling"))?;
        let objekt_id =
            k(&reg, "ObjektId").and_then(|o| urn_of(Some(&o)).or_else(|| uuid_of(Some(&o)).map(|u| u.to_string())));
        let kle = urn_of(k(&reg, "OpgaveEmne").as_ref())
            .map(|u| u.strip_prefix("urn:oio:kle:").unwrap_or(&u).to_owned())
            .unwrap_or_default();
        let text = std::str::from_utf8(body).map_err(|e| Invalid::Xml(e.to_string()))?;
        Ok(Received {
            besked_id,
            cvr,
            fields: FilterFields {
                kind: RECEIVED_KIND.to_owned(),
                beskedtype,
                myndighed: Some(myndighed),
                kommune: None,
                objekt: String::new(),
                objekttype,
                handling: String::new(),
                objekthandling,
                objekt_id,
                kle,
            },
            envelope: without_declaration(text).to_owned(),
        })
    }

    /// The outbox event that carries this message, published by `publisher` in `municipality`.
    pub fn event(mut self, publisher: &str, municipality: &str) -> NewEvent {
        self.fields.kommune = Some(municipality.to_owned());
        let object_id = self.fields.objekt_id.clone();
        NewEvent {
            kind: RECEIVED_KIND,
            interface: "beskedfordeler",
            municipality: Some(municipality.to_owned()),
            object_id,
            payload: serde_json::json!({ "publisher": publisher, "message": self }),
        }
    }

    /// The received message an outbox event carries, if it is one.
    pub fn of(event: &Event) -> Option<Received> {
        if event.kind != RECEIVED_KIND {
            return None;
        }
        serde_json::from_value(event.payload.get("message")?.clone()).ok()
    }
}

/// `<x><sd:UUIDIdentifikator>…</sd:UUIDIdentifikator></x>` as a UUID.
fn uuid_of(e: Option<&Element>) -> Option<Uuid> {
    let id = e?.child_ns(Some(SAGDOK_NS), "UUIDIdentifikator")?;
    Uuid::parse_str(id.text.trim()).ok()
}

/// `<x><sd:URNIdentifikator>…</sd:URNIdentifikator></x>`.
fn urn_of(e: Option<&Element>) -> Option<String> {
    let id = e?.child_ns(Some(SAGDOK_NS), "URNIdentifikator")?;
    Some(id.text.trim().to_owned()).filter(|t| !t.is_empty() && t.len() <= 256)
}

/// The CVR number of `urn:oio:cvr-nr:<8 digits>`.
pub fn cvr_of(urn: &str) -> Option<&str> {
    let cvr = urn.strip_prefix("urn:oio:cvr-nr:")?;
    (cvr.len() == 8 && cvr.bytes().all(|b| b.is_ascii_digit())).then_some(cvr)
}

fn without_declaration(xml: &str) -> &str {
    let t = xml.trim_start_matches('\u{feff}').trim_start();
    match t
        .strip_prefix("<?xml")
        .and_then(|rest| rest.find("?>").map(|i| &rest[i + 2..]))
    {
        Some(rest) => rest.trim_start(),
        None => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{filter_fields, haendelsesbesked, modtag_besked_input};

    fn sample(myndighed: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <k:Haendelsesbesked xmlns:k=\"{KUVERT_NS}\" xmlns:sd=\"{SAGDOK_NS}\">\
             <k:BeskedId><sd:UUIDIdentifikator>0d6c7a5e-1b1f-4d36-9a34-3f1a3c2b9e01</sd:UUIDIdentifikator></k:BeskedId>\
             <k:BeskedVersion>1.0</k:BeskedVersion><k:Beskedkuvert><k:Filtreringsdata>\
             <k:Beskedtype><sd:UUIDIdentifikator>9a7b1d2e-0000-4000-8000-000000000001</sd:UUIDIdentifikator></k:Beskedtype>\
             <k:ObjektRegistrering>\
             <k:ObjektAnsvarligMyndighed><sd:URNIdentifikator>{myndighed}</sd:URNIdentifikator></k:ObjektAnsvarligMyndighed>\
             <k:ObjektId><sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:00000110</sd:URNIdentifikator></k:ObjektId>\
             <k:ObjektType><sd:UUIDIdentifikator>9a7b1d2e-0000-4000-8000-000000000002</sd:UUIDIdentifikator></k:ObjektType>\
             <k:ObjektHandling><sd:UUIDIdentifikator>9a7b1d2e-0000-4000-8000-000000000003</sd:UUIDIdentifikator></k:ObjektHandling>\
             <k:OpgaveEmne><sd:URNIdentifikator>urn:oio:kle:81.03.00</sd:URNIdentifikator></k:OpgaveEmne>\
             </k:ObjektRegistrering></k:Filtreringsdata></k:Beskedkuvert></k:Haendelsesbesked>"
        )
    }

    #[test]
    fn a_published_envelope_is_read_with_its_own_filter_values() {
        let r = Received::parse(sample("urn:oio:cvr-nr:29189730").as_bytes()).unwrap();
        assert_eq!(r.besked_id.to_string(), "0d6c7a5e-1b1f-4d36-9a34-3f1a3c2b9e01");
        assert_eq!(r.cvr, "29189730");
        assert_eq!(r.fields.kle, "81.03.00");
        assert_eq!(
            r.fields.objekt_id.as_deref(),
            Some("urn:oio:kmd:lpe:medarbejder:00000110")
        );
        assert!(r.envelope.starts_with("<k:Haendelsesbesked"), "{}", r.envelope);

        // Kept in the outbox and rendered back: the publisher's envelope, inside ModtagBeskedInput for push.
        let new = r.clone().event("dagtilbud", "0340");
        let event = Event {
            seq: 9,
            id: Uuid::new_v4().to_string(),
            kind: new.kind.to_owned(),
            interface: new.interface.to_owned(),
            municipality: new.municipality,
            object_id: new.object_id,
            payload: new.payload,
            created_at: "2026-12-04T10:00:00Z".into(),
        };
        let fields = filter_fields(&event, None);
        assert_eq!(fields.beskedtype, r.fields.beskedtype);
        assert_eq!(fields.kommune.as_deref(), Some("0340"));
        assert_eq!(
            haendelsesbesked(&event, &fields, None, 1).matches(&r.envelope).count(),
            1
        );
        let push = modtag_besked_input(&event, &fields, "6f1c1d9e-7f43-4d6b-9d0b-1a2b3c4d5e6f", 1);
        assert!(push.contains("<sts:ModtagBeskedInput"));
        assert!(push.contains(&r.envelope));
    }

    #[test]
    fn refused_messages_say_why() {
        assert_eq!(
            Received::parse(sample("urn:oio:cvr-nr:123").as_bytes()),
            Err(Invalid::Field("ObjektAnsvarligMyndighed (urn:oio:cvr-nr:<CVR>)"))
        );
        assert_eq!(
            Received::parse(b"<a xmlns=\"urn:x\"/>"),
            Err(Invalid::NotHaendelsesbesked)
        );
        assert!(matches!(
            Received::parse(b"<!DOCTYPE a [<!ENTITY x \"y\">]><a/>"),
            Err(Invalid::Xml(_))
        ));
        assert_eq!(
            Received::parse(&vec![b' '; MAX_MESSAGE_BYTES + 1]),
            Err(Invalid::TooLarge)
        );
        let own = crate::envelope::beskedtype("absence.created");
        let forged =
            sample("urn:oio:cvr-nr:29189730").replace("9a7b1d2e-0000-4000-8000-000000000001", &own.to_string());
        assert_eq!(
            Received::parse(forged.as_bytes()),
            Err(Invalid::ReservedBeskedtype(own))
        );
        let no_id = sample("urn:oio:cvr-nr:29189730").replace("0d6c7a5e-1b1f-4d36-9a34-3f1a3c2b9e01", "x");
        assert_eq!(Received::parse(no_id.as_bytes()), Err(Invalid::Field("BeskedId")));
    }
}
