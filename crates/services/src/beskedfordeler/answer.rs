//! Writing the outputs, element for element in the XSD's order: the root in the value-list (`vl:`) or
//! Beskedfordeler (`bf:`) namespace, `sd:StandardRetur` { `sd:StatusKode`, `sd:FejlbeskedTekst`? } first, then
//! the operation's content: a `vl:Vaerdiliste` (opret), a `vl:Registrering` (import, laes), `vl:LaesResultat`s
//! with a `vl:FiltreretOejebliksbillede` each (list), or an `sd:IdListe` (soeg).

use super::{BF_NS, Retur, SAGDOK_NS, VL_NS};
use snitflade_soap::{XmlWriter, envelope_with};
use snitflade_store::vaerdilister::StoredList;

/// A list with its values, as answered.
pub struct Shown<'a> {
    pub list: &'a StoredList,
    pub values: &'a [String],
}

/// The `UnikIdType` content naming a system: its id as UUIDIdentifikator when it is one, else as a URN.
fn system_ref(w: &mut XmlWriter, element: &str, system_id: &str) {
    w.start(element);
    match uuid::Uuid::try_parse(system_id) {
        Ok(u) => w.leaf("sd:UUIDIdentifikator", &u.hyphenated().to_string()),
        Err(_) => w.leaf("sd:URNIdentifikator", &format!("urn:snitflade:itsystem:{system_id}")),
    };
    w.end();
}

fn tidspunkt(w: &mut XmlWriter, element: &str, at: &str) {
    w.start(element).leaf("sd:TidsstempelDatoTid", at).end();
}

/// `vl:AttributListe` { `vl:Egenskab` }, `vl:TilstandListe`, `vl:RelationListe`.
fn content(w: &mut XmlWriter, s: &Shown<'_>) {
    let l = s.list;
    w.start("vl:AttributListe").start("vl:Egenskab");
    if !l.description.is_empty() {
        w.leaf("sd:BrugervendtNoegleTekst", &l.description);
    }
    w.start("vl:Vaerdiliste").leaf("vl:Navn", &l.name);
    for v in s.values {
        w.leaf("vl:Vaerdi", v);
    }
    w.end(); // Vaerdiliste
    w.start("sd:Virkning");
    tidspunkt(w, "sd:FraTidspunkt", &l.created_at);
    system_ref(w, "sd:AktoerRef", &l.owner_system_id);
    w.leaf("sd:AktoerTypeKode", "ItSystem");
    w.end().end().end(); // Virkning, Egenskab, AttributListe
    w.start("vl:TilstandListe").end();
    w.start("vl:RelationListe").end();
}

/// `vl:Registrering`: the list's current registration, `livscyklus` overriding the stored one (Slettet).
pub fn registrering(w: &mut XmlWriter, s: &Shown<'_>, livscyklus: Option<&str>) {
    w.start("vl:Registrering");
    tidspunkt(w, "sd:FraTidspunkt", &s.list.updated_at);
    w.leaf("sd:LivscyklusKode", livscyklus.unwrap_or(&s.list.livscyklus));
    system_ref(w, "sd:BrugerRef", &s.list.owner_system_id);
    content(w, s);
    w.end();
}

/// `vl:Vaerdiliste` { `sd:UUIDIdentifikator`, `vl:Registrering` }.
pub fn vaerdiliste(w: &mut XmlWriter, s: &Shown<'_>) {
    w.start("vl:Vaerdiliste").leaf("sd:UUIDIdentifikator", &s.list.id);
    registrering(w, s, None);
    w.end();
}

/// `vl:LaesResultat` { `vl:FiltreretOejebliksbillede` { `sd:UUIDIdentifikator`, the content } }.
pub fn oejebliksbillede(w: &mut XmlWriter, s: &Shown<'_>) {
    w.start("vl:LaesResultat").start("vl:FiltreretOejebliksbillede");
    w.leaf("sd:UUIDIdentifikator", &s.list.id);
    content(w, s);
    w.end().end();
}

/// `sd:IdListe` { `sd:UUIDIdentifikator`* }.
pub fn id_liste(w: &mut XmlWriter, ids: &[String]) {
    w.start("sd:IdListe");
    for id in ids {
        w.leaf("sd:UUIDIdentifikator", id);
    }
    w.end();
}

/// A value-list output `root` (e.g. `OpretOutput`): StandardRetur, then what `rest` writes (only with 20).
pub fn output(root: &str, retur: &Retur, rest: impl FnOnce(&mut XmlWriter)) -> String {
    frame(&format!("vl:{root}"), VL_NS, "xmlns:vl", retur, rest)
}

/// `bf:FlytBeskedTilFejlkoeOutput`.
pub fn flyt_output(retur: &Retur) -> String {
    frame("bf:FlytBeskedTilFejlkoeOutput", BF_NS, "xmlns:bf", retur, |_| {})
}

fn frame(root: &str, ns: &str, prefix_attr: &str, retur: &Retur, rest: impl FnOnce(&mut XmlWriter)) -> String {
    envelope_with(|w| {
        w.start(root).attr(prefix_attr, ns).attr("xmlns:sd", SAGDOK_NS);
        w.start("sd:StandardRetur")
            .leaf("sd:StatusKode", &(retur.status as u8).to_string());
        w.leaf_opt("sd:FejlbeskedTekst", retur.text.as_deref());
        w.end();
        if retur.status == super::StatusKode::Ok {
            rest(w);
        }
        w.end();
    })
}
