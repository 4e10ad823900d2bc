//! Reading the input messages. A message that does not match the XSD (an unknown element, a required one
//! missing, one repeated that may not be) is a `Structure` error (a SOAP Client fault); values the schema allows
//! but the service refuses (a malformed UUID, an empty name, a bound exceeded) are `Invalid` (StatusKode 40).
//! Elements the service has no use for (NoteTekst, Virkning, the LokalUdvidelse and the time filters) are
//! accepted and ignored.

use super::{
    BF_NS, KUVERT_NS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_VALUE_CHARS, MAX_VALUES_PER_REQUEST, SAGDOK_NS, VL_NS,
};
use snitflade_soap::Element;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// Not the XSD's message: a SOAP Client fault.
    Structure(String),
    /// StatusKode 40.
    Invalid(String),
}

type Result<T> = std::result::Result<T, RequestError>;

fn structure<T>(text: impl Into<String>) -> Result<T> {
    Err(RequestError::Structure(text.into()))
}

fn invalid<T>(text: impl Into<String>) -> Result<T> {
    Err(RequestError::Invalid(text.into()))
}

/// A text clipped for an error message.
pub fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(80).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// One allowed child: namespace, name, at most once.
type Allowed<'a> = (&'a str, &'a str, bool);

/// Refuses children of `parent` other than `allowed` and repeats of the single ones.
fn only(parent: &Element, allowed: &[Allowed<'_>]) -> Result<()> {
    for (i, child) in parent.children.iter().enumerate() {
        let ns = child.ns.as_deref().unwrap_or("");
        let Some(&(_, _, single)) = allowed
            .iter()
            .find(|(a_ns, name, _)| *a_ns == ns && *name == child.name)
        else {
            return structure(format!(
                "Ukendt element {} (navnerum {}) i {}",
                child.name,
                if ns.is_empty() { "(intet)" } else { ns },
                parent.name
            ));
        };
        if single
            && parent.children[..i]
                .iter()
                .any(|c| c.is(child.ns.as_deref(), &child.name))
        {
            return structure(format!(
                "Elementet {} må kun forekomme én gang i {}",
                child.name, parent.name
            ));
        }
    }
    Ok(())
}

fn required<'e>(parent: &'e Element, ns: &str, name: &str) -> Result<&'e Element> {
    match parent.child_ns(Some(ns), name) {
        Some(e) => Ok(e),
        None => structure(format!("{} skal indeholde {name}", parent.name)),
    }
}

/// The trimmed text of a leaf element.
fn leaf_text(e: &Element) -> Result<&str> {
    if let Some(c) = e.children.first() {
        return structure(format!(
            "Elementet {} skal indeholde tekst, ikke elementet {}",
            e.name, c.name
        ));
    }
    Ok(e.text.trim())
}

/// A list id: a UUID, answered in its lower-case hyphenated form.
pub fn list_id(e: &Element) -> Result<String> {
    let text = leaf_text(e)?;
    match uuid::Uuid::try_parse(text) {
        Ok(u) => Ok(u.hyphenated().to_string()),
        Err(_) => invalid(format!("UUIDIdentifikator '{}' er ikke et UUID", clip(text))),
    }
}

fn uuid_child(parent: &Element) -> Result<String> {
    list_id(required(parent, SAGDOK_NS, "UUIDIdentifikator")?)
}

/// The attributes of a list as a message gives them (one `Egenskab`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub name: String,
    /// `BrugervendtNoegleTekst`; `None` when absent.
    pub description: Option<String>,
    /// `Vaerdi`, trimmed, without repeats, in the message's order.
    pub values: Vec<String>,
}

/// The values of a message (`Vaerdi` or `Vaerdier` elements): bounded in number and length, trimmed, not empty,
/// repeats dropped.
fn values_of<'e>(elements: impl Iterator<Item = &'e Element>) -> Result<Vec<String>> {
    let mut values: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (n, e) in elements.enumerate() {
        if n >= MAX_VALUES_PER_REQUEST {
            return invalid(format!("Højst {MAX_VALUES_PER_REQUEST} værdier pr. kald"));
        }
        let v = leaf_text(e)?;
        if v.is_empty() {
            return invalid(format!("Værdi nr. {} er tom", n + 1));
        }
        if v.chars().count() > MAX_VALUE_CHARS {
            return invalid(format!(
                "Værdi nr. {} er længere end {MAX_VALUE_CHARS} tegn ('{}')",
                n + 1,
                clip(v)
            ));
        }
        if seen.insert(v.to_owned()) {
            values.push(v.to_owned());
        }
    }
    Ok(values)
}

/// `AttributListe`: exactly one `Egenskab` { `BrugervendtNoegleTekst`?, `Vaerdiliste` { `Navn`, `Vaerdi`* },
/// `Virkning` }.
fn attributes(list: &Element) -> Result<Attributes> {
    only(list, &[(VL_NS, "Egenskab", false), (SAGDOK_NS, "LokalUdvidelse", true)])?;
    let egenskaber: Vec<&Element> = list.children.iter().filter(|c| c.is(Some(VL_NS), "Egenskab")).collect();
    let [egenskab] = egenskaber.as_slice() else {
        return invalid(format!(
            "AttributListe skal indeholde præcis én Egenskab (med Vaerdiliste/Navn), ikke {}",
            egenskaber.len()
        ));
    };
    only(
        egenskab,
        &[
            (SAGDOK_NS, "BrugervendtNoegleTekst", true),
            (VL_NS, "Vaerdiliste", true),
            (SAGDOK_NS, "Virkning", true),
        ],
    )?;
    let vl = required(egenskab, VL_NS, "Vaerdiliste")?;
    only(vl, &[(VL_NS, "Navn", true), (VL_NS, "Vaerdi", false)])?;
    let name = leaf_text(required(vl, VL_NS, "Navn")?)?.to_owned();
    if name.is_empty() {
        return invalid("Vaerdiliste/Navn må ikke være tomt");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return invalid(format!("Navn er længere end {MAX_NAME_CHARS} tegn"));
    }
    let description = egenskab
        .child_ns(Some(SAGDOK_NS), "BrugervendtNoegleTekst")
        .map(|e| leaf_text(e).map(str::to_owned))
        .transpose()?;
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return invalid(format!(
            "BrugervendtNoegleTekst er længere end {MAX_DESCRIPTION_CHARS} tegn"
        ));
    }
    let values = values_of(vl.children.iter().filter(|c| c.is(Some(VL_NS), "Vaerdi")))?;
    Ok(Attributes {
        name,
        description,
        values,
    })
}

const STATE_AND_RELATIONS: [Allowed<'static>; 2] = [(VL_NS, "TilstandListe", true), (VL_NS, "RelationListe", true)];

/// `OpretInput`: NoteTekst?, AttributListe, TilstandListe, RelationListe.
pub fn opret(root: &Element) -> Result<Attributes> {
    only(
        root,
        &[
            (SAGDOK_NS, "NoteTekst", true),
            (VL_NS, "AttributListe", true),
            STATE_AND_RELATIONS[0],
            STATE_AND_RELATIONS[1],
        ],
    )?;
    attributes(required(root, VL_NS, "AttributListe")?)
}

/// `ImportInput`: NoteTekst?, Vaerdiliste { UUIDIdentifikator, Registrering+ }; the last registration is the
/// list's current one.
pub fn import(root: &Element) -> Result<(String, Attributes)> {
    only(root, &[(SAGDOK_NS, "NoteTekst", true), (VL_NS, "Vaerdiliste", true)])?;
    let vl = required(root, VL_NS, "Vaerdiliste")?;
    only(
        vl,
        &[(SAGDOK_NS, "UUIDIdentifikator", true), (VL_NS, "Registrering", false)],
    )?;
    let id = uuid_child(vl)?;
    let Some(registrering) = vl.children.iter().rfind(|c| c.is(Some(VL_NS), "Registrering")) else {
        return structure("Vaerdiliste skal indeholde Registrering");
    };
    only(
        registrering,
        &[
            (SAGDOK_NS, "FraTidspunkt", true),
            (SAGDOK_NS, "LivscyklusKode", true),
            (SAGDOK_NS, "BrugerRef", true),
            (VL_NS, "AttributListe", true),
            STATE_AND_RELATIONS[0],
            STATE_AND_RELATIONS[1],
        ],
    )?;
    Ok((id, attributes(required(registrering, VL_NS, "AttributListe")?)?))
}

/// `RetInput`: UUIDIdentifikator, NoteTekst?, AttributListe?, TilstandListe?, RelationListe?.
pub fn ret(root: &Element) -> Result<(String, Option<Attributes>)> {
    only(
        root,
        &[
            (SAGDOK_NS, "UUIDIdentifikator", true),
            (SAGDOK_NS, "NoteTekst", true),
            (VL_NS, "AttributListe", true),
            STATE_AND_RELATIONS[0],
            STATE_AND_RELATIONS[1],
        ],
    )?;
    let id = uuid_child(root)?;
    let attrs = root
        .child_ns(Some(VL_NS), "AttributListe")
        .map(attributes)
        .transpose()?;
    Ok((id, attrs))
}

/// `PassiverInput`, `SletInput` (`UuidNoteInputType`): UUIDIdentifikator, NoteTekst?.
pub fn uuid_note(root: &Element) -> Result<String> {
    only(
        root,
        &[(SAGDOK_NS, "UUIDIdentifikator", true), (SAGDOK_NS, "NoteTekst", true)],
    )?;
    uuid_child(root)
}

const FILTERS: [Allowed<'static>; 4] = [
    (SAGDOK_NS, "VirkningFraFilter", true),
    (SAGDOK_NS, "VirkningTilFilter", true),
    (SAGDOK_NS, "RegistreringFraFilter", true),
    (SAGDOK_NS, "RegistreringTilFilter", true),
];

/// `LaesInput`: UUIDIdentifikator and the time filters (ignored: a list has no history here).
pub fn laes(root: &Element) -> Result<String> {
    let mut allowed = vec![(SAGDOK_NS, "UUIDIdentifikator", true)];
    allowed.extend(FILTERS);
    only(root, &allowed)?;
    uuid_child(root)
}

/// `ListInput`: UUIDIdentifikator+ and the time filters; the ids without repeats, in the message's order.
pub fn list(root: &Element) -> Result<Vec<String>> {
    let mut allowed = vec![(SAGDOK_NS, "UUIDIdentifikator", false)];
    allowed.extend(FILTERS);
    only(root, &allowed)?;
    let mut ids = Vec::new();
    for e in root
        .children
        .iter()
        .filter(|c| c.is(Some(SAGDOK_NS), "UUIDIdentifikator"))
    {
        let id = list_id(e)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.is_empty() {
        return structure("ListInput skal indeholde mindst én UUIDIdentifikator");
    }
    if ids.len() > super::MAX_LIST_IDS {
        return invalid(format!("Højst {} værdilister pr. List-kald", super::MAX_LIST_IDS));
    }
    Ok(ids)
}

/// What `SoegInput` asks for: every criterion given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    pub first: usize,
    pub max: usize,
    pub id: Option<String>,
    /// `LivscyklusKode` of the current registration.
    pub livscyklus: Option<String>,
    /// Navn: exact (case-insensitive); `*` matches any run of characters.
    pub name: Option<String>,
    /// BrugervendtNoegleTekst, matched like the name.
    pub description: Option<String>,
    /// Values the list must all contain.
    pub values: Vec<String>,
}

fn count(e: Option<&Element>, what: &str) -> Result<Option<usize>> {
    let Some(e) = e else { return Ok(None) };
    let text = leaf_text(e)?;
    match text.parse::<usize>() {
        Ok(n) => Ok(Some(n)),
        Err(_) => invalid(format!("{what} '{}' skal være et ikke-negativt heltal", clip(text))),
    }
}

/// `SoegInput`: FoersteResultatReference?, MaksimalAntalKvantitet?, SoegObjekt? { UUIDIdentifikator?,
/// SoegRegistrering? { FraTidspunkt?, LivscyklusKode?, BrugerRef? }, SoegVirkning?, SoegAttributListe? {
/// SoegEgenskab* { BrugervendtNoegleTekst?, Vaerdiliste? { Navn, Vaerdi* }, SoegVirkning? } }, SoegTilstandListe?,
/// SoegRelationListe? }.
pub fn soeg(root: &Element) -> Result<Search> {
    only(
        root,
        &[
            (SAGDOK_NS, "FoersteResultatReference", true),
            (SAGDOK_NS, "MaksimalAntalKvantitet", true),
            (VL_NS, "SoegObjekt", true),
        ],
    )?;
    let mut s = Search {
        first: count(
            root.child_ns(Some(SAGDOK_NS), "FoersteResultatReference"),
            "FoersteResultatReference",
        )?
        .unwrap_or(0),
        max: count(
            root.child_ns(Some(SAGDOK_NS), "MaksimalAntalKvantitet"),
            "MaksimalAntalKvantitet",
        )?
        .unwrap_or(super::SOEG_DEFAULT),
        ..Search::default()
    };
    if s.max > super::SOEG_MAX {
        return invalid(format!("MaksimalAntalKvantitet må højst være {}", super::SOEG_MAX));
    }
    let Some(obj) = root.child_ns(Some(VL_NS), "SoegObjekt") else {
        return Ok(s);
    };
    only(
        obj,
        &[
            (SAGDOK_NS, "UUIDIdentifikator", true),
            (SAGDOK_NS, "SoegRegistrering", true),
            (SAGDOK_NS, "SoegVirkning", true),
            (VL_NS, "SoegAttributListe", true),
            (VL_NS, "SoegTilstandListe", true),
            (VL_NS, "SoegRelationListe", true),
        ],
    )?;
    s.id = obj
        .child_ns(Some(SAGDOK_NS), "UUIDIdentifikator")
        .map(list_id)
        .transpose()?;
    if let Some(reg) = obj.child_ns(Some(SAGDOK_NS), "SoegRegistrering") {
        only(
            reg,
            &[
                (SAGDOK_NS, "FraTidspunkt", true),
                (SAGDOK_NS, "LivscyklusKode", true),
                (SAGDOK_NS, "BrugerRef", true),
            ],
        )?;
        if let Some(l) = reg.child_ns(Some(SAGDOK_NS), "LivscyklusKode") {
            let l = leaf_text(l)?;
            if !["Opstaaet", "Importeret", "Passiveret", "Slettet", "Rettet"].contains(&l) {
                return structure(format!("Ukendt LivscyklusKode '{}'", clip(l)));
            }
            s.livscyklus = Some(l.to_owned());
        }
    }
    if let Some(attrs) = obj.child_ns(Some(VL_NS), "SoegAttributListe") {
        only(
            attrs,
            &[(VL_NS, "SoegEgenskab", false), (SAGDOK_NS, "LokalUdvidelse", true)],
        )?;
        for e in attrs.children.iter().filter(|c| c.is(Some(VL_NS), "SoegEgenskab")) {
            only(
                e,
                &[
                    (SAGDOK_NS, "BrugervendtNoegleTekst", true),
                    (VL_NS, "Vaerdiliste", true),
                    (SAGDOK_NS, "SoegVirkning", true),
                ],
            )?;
            if let Some(d) = e.child_ns(Some(SAGDOK_NS), "BrugervendtNoegleTekst") {
                s.description = Some(leaf_text(d)?.to_owned()).filter(|d| !d.is_empty());
            }
            if let Some(vl) = e.child_ns(Some(VL_NS), "Vaerdiliste") {
                only(vl, &[(VL_NS, "Navn", true), (VL_NS, "Vaerdi", false)])?;
                let name = leaf_text(required(vl, VL_NS, "Navn")?)?;
                s.name = Some(name.to_owned()).filter(|n| !n.is_empty());
                s.values
                    .extend(values_of(vl.children.iter().filter(|c| c.is(Some(VL_NS), "Vaerdi")))?);
            }
        }
        if s.values.len() > MAX_VALUES_PER_REQUEST {
            return invalid(format!("Højst {MAX_VALUES_PER_REQUEST} værdier pr. kald"));
        }
    }
    Ok(s)
}

/// `TilfoejVaerdierInput`, `FjernVaerdierInput`: UUIDIdentifikator, Vaerdier*.
pub fn vaerdier(root: &Element) -> Result<(String, Vec<String>)> {
    only(
        root,
        &[(SAGDOK_NS, "UUIDIdentifikator", true), (VL_NS, "Vaerdier", false)],
    )?;
    let id = uuid_child(root)?;
    let values = values_of(root.children.iter().filter(|c| c.is(Some(VL_NS), "Vaerdier")))?;
    Ok((id, values))
}

/// A `UnikIdType` (UUIDIdentifikator or URNIdentifikator): its text, a UUID in lower-case hyphenated form.
fn unik_id(e: &Element) -> Result<String> {
    let (Some(child), 1) = (e.children.first(), e.children.len()) else {
        return structure(format!(
            "{} skal indeholde UUIDIdentifikator eller URNIdentifikator",
            e.name
        ));
    };
    let text = leaf_text(child)?;
    match (child.ns.as_deref(), child.name.as_str()) {
        (Some(SAGDOK_NS), "UUIDIdentifikator") => list_id(child),
        (Some(SAGDOK_NS), "URNIdentifikator") if !text.is_empty() && text.len() <= MAX_VALUE_CHARS => {
            Ok(text.to_owned())
        }
        (Some(SAGDOK_NS), "URNIdentifikator") => invalid(format!("{}: URNIdentifikator er tom eller for lang", e.name)),
        _ => structure(format!(
            "{} skal indeholde UUIDIdentifikator eller URNIdentifikator",
            e.name
        )),
    }
}

/// `FlytBeskedTilFejlkoeInput` { `Haendelsesbesked` }: the message's BeskedId and the dueslag it was delivered
/// to, `ErLeveretIHenholdTil` of its (last) `Leverancerute`.
pub fn flyt(root: &Element) -> Result<(String, String)> {
    only(root, &[(KUVERT_NS, "Haendelsesbesked", true)])?;
    let besked = required(root, KUVERT_NS, "Haendelsesbesked")?;
    let besked_id = unik_id(required(besked, KUVERT_NS, "BeskedId")?)?;
    let dueslag = besked
        .child_ns(Some(KUVERT_NS), "Beskedkuvert")
        .and_then(|k| k.child_ns(Some(KUVERT_NS), "Leveranceinformation"))
        .and_then(|l| l.child_ns(Some(KUVERT_NS), "Leveranceruter"))
        .and_then(|r| {
            r.children
                .iter()
                .filter(|c| c.is(Some(KUVERT_NS), "Leverancerute"))
                .filter_map(|c| c.child_ns(Some(KUVERT_NS), "ErLeveretIHenholdTil"))
                .next_back()
        });
    let Some(dueslag) = dueslag else {
        return invalid(
            "Haendelsesbesked skal angive dueslaget i Beskedkuvert/Leveranceinformation/Leveranceruter/\
             Leverancerute/ErLeveretIHenholdTil",
        );
    };
    Ok((besked_id, unik_id(dueslag)?))
}

/// Whether `root` is flytbeskedtilfejlkoe's input (the only root outside the value-list namespace).
pub fn is_flyt(root: &Element) -> bool {
    root.is(Some(BF_NS), "FlytBeskedTilFejlkoeInput")
}
