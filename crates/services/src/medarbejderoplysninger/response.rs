//! Writing LaesOutput, ListOutput and RetOutput, element for element in the schema's order: `StandardRetur`
//! first, then the `LaesResultat`s, each `sd:MedarbejderRef` then `Registrering` { `AttributListe` {
//! `Egenskaber` { the records, category by category in `EgenskaberType` order } }, `RelationListe` {
//! `Personaleleder`* } }. The medarbejder namespace is the default namespace of the answer, sagdok has `sd:`.

use super::selection::Employee;
use super::{MEDARBEJDER_NS, Retur, SAGDOK_NS};
use snitflade_domain::hr::{Employment, OPEN_END, OPEN_START};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_soap::{XmlWriter, envelope_with};

/// The namespace of snitflade's employee UUIDs (a fixed, random UUID).
const EMPLOYEE_UUID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x5d1c_9a3e_7b2f_4c61_a8e4_3f0b_92d7_61ac);

/// The employee's `UUIDIdentifikator`: a name-based (v5) UUID of municipality and number, so it is the same in
/// every answer and on every server.
pub fn employee_uuid(municipality: Kommunekode, pernr: Pernr) -> String {
    uuid::Uuid::new_v5(&EMPLOYEE_UUID_NAMESPACE, format!("{municipality}/{pernr}").as_bytes()).to_string()
}

/// The employee's `URNIdentifikator` as KMD's responses write it.
pub fn employee_urn(pernr: Pernr) -> String {
    format!("URN:OIO:KMD:LPE:MEDARBEJDERNR:{pernr}")
}

fn employee_ref(w: &mut XmlWriter, municipality: Kommunekode, pernr: Pernr) {
    w.start("sd:MedarbejderRef")
        .leaf("sd:UUIDIdentifikator", &employee_uuid(municipality, pernr))
        .leaf("sd:URNIdentifikator", &employee_urn(pernr))
        .end();
}

/// One `LaesResultat`: the employee's reference, records and managers.
pub fn write_result(w: &mut XmlWriter, e: &Employee, managers: &[&Employment]) {
    let emp = &e.employment;
    w.start("LaesResultat");
    employee_ref(w, emp.municipality, emp.pernr);
    w.start("Registrering").start("AttributListe").start("Egenskaber");
    for r in &e.records {
        w.start(r.category.element())
            .leaf("Gyldighedsstart", &r.valid_from.to_string())
            .leaf("Gyldighedsstop", &r.valid_to.to_string());
        for (name, value) in r.values() {
            w.leaf(name, value);
        }
        w.end();
    }
    w.end().end(); // Egenskaber, AttributListe
    w.start("RelationListe");
    for m in managers {
        w.start("Personaleleder");
        employee_ref(w, m.municipality, m.pernr);
        w.leaf("Gyldighedsstart", &m.entry_date.unwrap_or(OPEN_START).to_string())
            .leaf("Gyldighedsstop", &m.leave_date.unwrap_or(OPEN_END).to_string())
            .leaf("FornavnOverordnet", &m.first_name)
            .leaf("EfternavnOverordnet", &m.last_name)
            .leaf("SammensatNavnOverordnet", &m.full_name())
            .end();
    }
    w.end().end().end(); // RelationListe, Registrering, LaesResultat
}

/// Where the results go in the envelope (a character no XML text can hold, so it cannot clash).
const RESULTS_MARK: &str = "\u{0}";

/// An output message: `root` (`LaesOutput`, `ListOutput`, `RetOutput`) with the StandardRetur and the
/// already written `LaesResultat`s. The envelope is built around `results` in place (its text moves up, it is not
/// copied into a second buffer), so a large List answer is held in memory about once, not twice.
pub fn output(root: &str, retur: &Retur, mut results: String) -> String {
    let (frame, at) = frame(root, retur);
    results.reserve_exact(frame.len());
    results.insert_str(0, &frame[..at]);
    results.push_str(&frame[at..]);
    results
}

/// An output message without its results, and the byte where they go (for results kept in a file).
pub fn frame(root: &str, retur: &Retur) -> (String, usize) {
    let mut frame = envelope_with(|w| {
        w.start(root).attr("xmlns", MEDARBEJDER_NS).attr("xmlns:sd", SAGDOK_NS);
        w.start("sd:StandardRetur")
            .leaf("sd:StatusKode", &(retur.status as u8).to_string());
        w.leaf_opt("sd:FejlbeskedTekst", retur.text.as_deref());
        w.end();
        w.raw(RESULTS_MARK);
        w.end();
    });
    let at = frame.find(RESULTS_MARK).expect("the mark is written once");
    frame.replace_range(at..at + RESULTS_MARK.len(), "");
    (frame, at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medarbejderoplysninger::StatusKode;

    #[test]
    fn uuids_are_stable_and_distinct() {
        let k = Kommunekode::parse("0340").unwrap();
        let p = Pernr::parse("101").unwrap();
        assert_eq!(employee_uuid(k, p), employee_uuid(k, p));
        assert_ne!(
            employee_uuid(k, p),
            employee_uuid(Kommunekode::parse("0751").unwrap(), p)
        );
        assert_eq!(employee_uuid(k, p).len(), 36);
        assert_eq!(employee_urn(p), "URN:OIO:KMD:LPE:MEDARBEJDERNR:00000101");
    }

    #[test]
    fn standard_retur_comes_first_and_text_is_optional() {
        let xml = output("RetOutput", &Retur::ok(), String::new());
        assert!(xml.contains(
            "<RetOutput xmlns=\"urn:oio:medarbejder:1.0.0\" xmlns:sd=\"urn:oio:sagdok:3.0.0\"><sd:StandardRetur>\
             <sd:StatusKode>0</sd:StatusKode></sd:StandardRetur></RetOutput>"
        ));
        let xml = output(
            "LaesOutput",
            &Retur::with(StatusKode::NotFound, "Data ikke fundet <x>"),
            String::new(),
        );
        assert!(xml.contains("<sd:StatusKode>1</sd:StatusKode><sd:FejlbeskedTekst>Data ikke fundet &lt;x&gt;"));
        // Results sit after the StandardRetur, inside the root, and the envelope closes after them.
        let xml = output("ListOutput", &Retur::ok(), "<LaesResultat/>".to_owned());
        assert!(xml.starts_with("<SOAP:Envelope"), "{xml}");
        assert!(
            xml.contains("</sd:StandardRetur><LaesResultat/></ListOutput></SOAP:Body></SOAP:Envelope>"),
            "{xml}"
        );
        assert!(!xml.contains('\u{0}'));
    }
}
