//! Reading LaesInput, ListInput and RetInput in two steps. [`parse`] checks the structure against the schema
//! (which elements, how often, text or children) and reads `ModtagerRef`; what fails there is a SOAP `Client`
//! fault. The values (employee references, Datakategori, time filters, the Kommunikation items of Ret) are read
//! afterwards by the functions below, whose errors become StatusKode 100 (or 101 in Ret): by then the caller's
//! access to the municipality has been checked.
//!
//! Every local element is `form="qualified"` in the schema: the sagdok elements in `urn:oio:sagdok:3.0.0`, the
//! others in `urn:oio:medarbejder:1.0.0`. Unqualified elements are accepted as well (a common client mistake
//! that changes nothing), elements in any other namespace are not.

use super::{MEDARBEJDER_NS, SAGDOK_NS};
use jiff::civil::Date;
use snitflade_domain::hr::{Category, parse_date};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_soap::Element;

/// Longest client value echoed in an error text.
const ECHO_CHARS: usize = 40;

/// A client value, bounded for an error text.
pub(super) fn clip(s: &str) -> String {
    let mut out: String = s.chars().take(ECHO_CHARS).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The three operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Laes,
    List,
    Ret,
}

/// A `UnikIdType` as sent: both parts optional (clients often leave the UUID empty), trimmed, empty = absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnikId {
    pub uuid: Option<String>,
    pub urn: Option<String>,
}

/// A `TidspunktType` as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tidspunkt {
    pub stamp: Option<String>,
    pub bound: Option<String>,
}

/// A structurally valid request. Values are still text; see the functions below.
#[derive(Debug, Default)]
pub struct Request<'e> {
    /// From `ModtagerRef`, already parsed (a malformed one is a fault).
    pub receiver: Option<Kommunekode>,
    pub employees: Vec<UnikId>,
    pub virkning_fra: Option<Tidspunkt>,
    pub virkning_til: Option<Tidspunkt>,
    pub registrering_fra: Option<Tidspunkt>,
    pub registrering_til: Option<Tidspunkt>,
    pub categories: Vec<String>,
    /// Ret: `AttributListe`.
    pub attributes: Option<&'e Element>,
}

/// The sagdok elements of the inputs, in schema order.
const SAGDOK_CHILDREN: &[&str] = &[
    "AfsenderRef",
    "ModtagerRef",
    "MedarbejderRef",
    "VirkningFraFilter",
    "VirkningTilFilter",
    "RegistreringFraFilter",
    "RegistreringTilFilter",
];

/// Whether `el` is `name` in `ns` (or unqualified).
fn is(el: &Element, ns: &str, name: &str) -> bool {
    el.name == name && el.ns.as_deref().is_none_or(|n| n == ns)
}

fn describe(el: &Element) -> String {
    match &el.ns {
        Some(ns) => format!("{{{ns}}}{}", clip(&el.name)),
        None => clip(&el.name),
    }
}

/// The text of an element that must hold text only.
fn text_of(el: &Element) -> Result<Option<String>, String> {
    if !el.children.is_empty() {
        return Err(format!("Elementet {} skal indeholde tekst, ikke elementer", el.name));
    }
    let t = el.text.trim();
    Ok((!t.is_empty()).then(|| t.to_owned()))
}

/// The children of `parent`, each expected at most once, as `name → element`; anything else is refused.
fn children_once<'e, const N: usize>(
    parent: &'e Element,
    ns: &str,
    names: [&str; N],
) -> Result<[Option<&'e Element>; N], String> {
    let mut found = [None; N];
    for child in &parent.children {
        let Some(i) = names.iter().position(|n| is(child, ns, n)) else {
            return Err(format!("Ukendt element {} i {}", describe(child), parent.name));
        };
        if found[i].replace(child).is_some() {
            return Err(format!(
                "Elementet {} må kun forekomme én gang i {}",
                names[i], parent.name
            ));
        }
    }
    if !parent.text.trim().is_empty() {
        return Err(format!("Elementet {} må ikke indeholde tekst", parent.name));
    }
    Ok(found)
}

fn unik_id(el: &Element) -> Result<UnikId, String> {
    let [uuid, urn] = children_once(el, SAGDOK_NS, ["UUIDIdentifikator", "URNIdentifikator"])?;
    Ok(UnikId {
        uuid: uuid.map(text_of).transpose()?.flatten(),
        urn: urn.map(text_of).transpose()?.flatten(),
    })
}

fn tidspunkt(el: &Element) -> Result<Tidspunkt, String> {
    let [stamp, bound] = children_once(el, SAGDOK_NS, ["TidsstempelDatoTid", "GraenseIndikator"])?;
    Ok(Tidspunkt {
        stamp: stamp.map(text_of).transpose()?.flatten(),
        bound: bound.map(text_of).transpose()?.flatten(),
    })
}

/// Checks the structure of an input message and reads its `ModtagerRef`. `Err` is the text of a `Client` fault.
pub fn parse(root: &Element, op: Operation) -> Result<Request<'_>, String> {
    let mut req = Request::default();
    let mut seen: Vec<&str> = Vec::new();
    let mut once = |name: &'static str| -> Result<(), String> {
        if seen.contains(&name) {
            return Err(format!("Elementet {name} må kun forekomme én gang i {}", root.name));
        }
        seen.push(name);
        Ok(())
    };
    if !root.text.trim().is_empty() {
        return Err(format!("Elementet {} må ikke indeholde tekst", root.name));
    }
    for child in &root.children {
        let sagdok = SAGDOK_CHILDREN.iter().find(|n| is(child, SAGDOK_NS, n)).copied();
        match sagdok {
            Some("AfsenderRef") => {
                once("AfsenderRef")?;
                unik_id(child)?;
            }
            Some("ModtagerRef") => {
                once("ModtagerRef")?;
                let id = unik_id(child)?;
                req.receiver = match (&id.urn, &id.uuid) {
                    (Some(urn), _) => Some(parse_receiver_urn(urn)?),
                    (None, Some(_)) => {
                        return Err("ModtagerRef skal angives med URNIdentifikator \
                                    urn:oio:kmd:lpe:modtager:<kommunenummer>, fx urn:oio:kmd:lpe:modtager:340"
                            .into());
                    }
                    (None, None) => None,
                };
            }
            Some("MedarbejderRef") => {
                if op != Operation::List {
                    once("MedarbejderRef")?;
                }
                req.employees.push(unik_id(child)?);
            }
            Some(filter) if op != Operation::Ret => {
                once(filter)?;
                let t = Some(tidspunkt(child)?);
                match filter {
                    "VirkningFraFilter" => req.virkning_fra = t,
                    "VirkningTilFilter" => req.virkning_til = t,
                    "RegistreringFraFilter" => req.registrering_fra = t,
                    _ => req.registrering_til = t,
                }
            }
            None if op != Operation::Ret && is(child, MEDARBEJDER_NS, "Datakategori") => {
                req.categories.push(text_of(child)?.unwrap_or_default());
            }
            None if op == Operation::Ret && is(child, MEDARBEJDER_NS, "AttributListe") => {
                once("AttributListe")?;
                req.attributes = Some(child);
            }
            _ => return Err(format!("Ukendt element {} i {}", describe(child), root.name)),
        }
    }
    if op == Operation::Ret && req.attributes.is_none() {
        return Err("RetInput skal indeholde AttributListe".into());
    }
    Ok(req)
}

/// `urn:oio:kmd:lpe:modtager:<client>`: the municipality number without (or with) leading zeros,
/// case-insensitive.
pub fn parse_receiver_urn(urn: &str) -> Result<Kommunekode, String> {
    const PREFIX: &str = "urn:oio:kmd:lpe:modtager:";
    let urn = urn.trim();
    let bad = || {
        format!(
            "ModtagerRef '{}' er ugyldig: forventet urn:oio:kmd:lpe:modtager:<kommunenummer>, fx \
             urn:oio:kmd:lpe:modtager:340",
            clip(urn)
        )
    };
    let client = strip_prefix_ci(urn, PREFIX).ok_or_else(bad)?;
    Kommunekode::parse(client).map_err(|_| bad())
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// The URN forms of an employee reference, case-insensitive: the documented `medarbejder`, the
/// `medarbejdernummer` clients send, and `medarbejdernr` (how responses echo it).
const EMPLOYEE_PREFIXES: &[&str] = &[
    "urn:oio:kmd:lpe:medarbejdernummer:",
    "urn:oio:kmd:lpe:medarbejdernr:",
    "urn:oio:kmd:lpe:medarbejder:",
];

/// The part after an employee URN's prefix (`00000101`, `10-20`, `!12`), or the text of StatusKode 100.
pub fn parse_employee_urn(urn: &str) -> Result<&str, String> {
    let urn = urn.trim();
    EMPLOYEE_PREFIXES
        .iter()
        .find_map(|p| strip_prefix_ci(urn, p))
        .map(str::trim)
        .ok_or_else(|| {
            format!(
                "MedarbejderRef '{}' er ugyldig: forventet urn:oio:kmd:lpe:medarbejder:<medarbejdernummer>",
                clip(urn)
            )
        })
}

/// One employee reference: a number, or in List a range or an exclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmployeeRef {
    One(Pernr),
    /// `10-20`, both ends included.
    Range(Pernr, Pernr),
    /// `!12` or `!12-14`, both ends included.
    Exclude(Pernr, Pernr),
}

fn pernr(s: &str, urn: &str) -> Result<Pernr, String> {
    let s = s.trim();
    if s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "MedarbejderRef '{}' er ugyldig: et medarbejdernummer er 1-8 cifre",
            clip(urn)
        ));
    }
    Pernr::parse(s).map_err(|e| e.to_string())
}

impl EmployeeRef {
    /// An employee reference's URN; ranges and exclusions only when `ranges` (List).
    pub fn parse(id: &UnikId, ranges: bool) -> Result<Self, String> {
        let Some(urn) = id.urn.as_deref() else {
            return Err("MedarbejderRef skal have en URNIdentifikator, fx urn:oio:kmd:lpe:medarbejder:00000101".into());
        };
        let tail = parse_employee_urn(urn)?;
        if !ranges {
            return pernr(tail, urn).map(Self::One);
        }
        let (exclude, body) = match tail.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, tail),
        };
        let (from, to) = match body.split_once('-') {
            Some((a, b)) => (pernr(a, urn)?, pernr(b, urn)?),
            None => {
                let p = pernr(body, urn)?;
                (p, p)
            }
        };
        if from > to {
            return Err(format!(
                "MedarbejderRef '{}' er ugyldig: intervallet slutter før det begynder",
                clip(urn)
            ));
        }
        Ok(match (exclude, from == to && !body.contains('-')) {
            (true, _) => Self::Exclude(from, to),
            (false, true) => Self::One(from),
            (false, false) => Self::Range(from, to),
        })
    }
}

/// The selected categories (`Datakategori`; none = all, in XSD order), or the text of StatusKode 100.
pub fn categories(values: &[String]) -> Result<Vec<Category>, String> {
    if values.is_empty() {
        return Ok(Category::ALL.to_vec());
    }
    let mut out = Vec::new();
    for v in values {
        let c = Category::parse(v).ok_or_else(|| {
            format!(
                "Ukendt Datakategori '{}' (kendte: {})",
                clip(v),
                Category::ALL.map(|c| c.code()).join(", ")
            )
        })?;
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out.sort();
    Ok(out)
}

/// A time filter's instant (xsd:dateTime; without a zone it is Copenhagen time) and whether the bound is
/// included (`GraenseIndikator`, default true). `Err` is the text of StatusKode 100.
pub fn tidspunkt_value(t: &Tidspunkt, what: &str) -> Result<(jiff::Zoned, bool), String> {
    let Some(stamp) = t.stamp.as_deref() else {
        return Err(format!("{what} mangler TidsstempelDatoTid"));
    };
    let zoned = parse_date_time(stamp).ok_or_else(|| {
        format!(
            "{what}: TidsstempelDatoTid '{}' er ikke et gyldigt tidspunkt (xsd:dateTime, fx 2024-01-31T00:00:00)",
            clip(stamp)
        )
    })?;
    let inclusive = match t.bound.as_deref() {
        None | Some("true" | "1") => true,
        Some("false" | "0") => false,
        Some(other) => {
            return Err(format!(
                "{what}: GraenseIndikator '{}' skal være true eller false",
                clip(other)
            ));
        }
    };
    Ok((zoned, inclusive))
}

fn copenhagen() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get("Europe/Copenhagen").unwrap_or(jiff::tz::TimeZone::UTC)
}

/// xsd:dateTime with or without a zone (`Z`, `±hh:mm`); a bare date is accepted as its midnight.
fn parse_date_time(s: &str) -> Option<jiff::Zoned> {
    let s = s.trim();
    if s.len() > 40 {
        return None;
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Some(ts.to_zoned(copenhagen()));
    }
    // No zone: a civil date-time (or date) in Copenhagen. jiff's civil parser would also take a zone suffix
    // and drop it; those were handled above, so anything with one that got here is refused.
    if s.ends_with(['Z', 'z']) || s.get(10..).is_some_and(|rest| rest.contains(['+', '-'])) {
        return None;
    }
    let dt = if s.len() == 10 {
        parse_date(s)?.to_datetime(jiff::civil::Time::midnight())
    } else {
        if s.as_bytes().get(10) != Some(&b'T') {
            return None;
        }
        s.parse::<jiff::civil::DateTime>().ok()?
    };
    dt.to_zoned(copenhagen()).ok()
}

/// One `Kommunikation` item of a Ret, as sent (trimmed, empty = absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KommunikationItem {
    pub start: Option<String>,
    pub stop: Option<String>,
    pub sequence: Option<String>,
    pub art: Option<String>,
    pub id: Option<String>,
}

/// Why a Ret's AttributListe cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributesError {
    /// Not the schema's structure: a `Client` fault.
    Structure(String),
    /// Valid, but not something Ret can do: StatusKode 101.
    Refused(String),
}

/// The Kommunikation items of a Ret's `AttributListe/Egenskaber`, in document order.
pub fn kommunikation_items(attributes: &Element) -> Result<Vec<KommunikationItem>, AttributesError> {
    use AttributesError::*;
    let [egenskaber] = children_once(attributes, MEDARBEJDER_NS, ["Egenskaber"]).map_err(Structure)?;
    let Some(egenskaber) = egenskaber else {
        return Err(Refused("AttributListe indeholder ingen Egenskaber at rette".into()));
    };
    let mut items = Vec::new();
    let mut others = Vec::new();
    for child in &egenskaber.children {
        let category = Category::ALL
            .into_iter()
            .find(|c| is(child, MEDARBEJDER_NS, c.element()))
            .ok_or_else(|| Structure(format!("Ukendt element {} i Egenskaber", describe(child))))?;
        if category != Category::Kommunikation {
            if !others.contains(&category) {
                others.push(category);
            }
            continue;
        }
        let [start, stop, sequence, art, id] = children_once(
            child,
            MEDARBEJDER_NS,
            [
                "Gyldighedsstart",
                "Gyldighedsstop",
                "Sekvensnummer",
                "Kommunikationsart",
                "KommunikationsID",
            ],
        )
        .map_err(Structure)?;
        let text = |e: Option<&Element>| e.map(text_of).transpose().map(Option::flatten).map_err(Structure);
        items.push(KommunikationItem {
            start: text(start)?,
            stop: text(stop)?,
            sequence: text(sequence)?,
            art: text(art)?,
            id: text(id)?,
        });
    }
    if !others.is_empty() {
        let names: Vec<_> = others
            .iter()
            .map(|c| format!("{} ({})", c.element(), c.code()))
            .collect();
        return Err(Refused(format!(
            "Kun Kommunikation (0105) kan rettes; beskeden indeholder også {}",
            names.join(", ")
        )));
    }
    if items.is_empty() {
        return Err(Refused("Egenskaber indeholder ingen Kommunikation at rette".into()));
    }
    Ok(items)
}

/// A `Gyldighedsstart`/`Gyldighedsstop` of a Ret item (xsd:date), or the text of StatusKode 101.
pub fn item_date(value: Option<&str>, field: &str, default: Date) -> Result<Date, String> {
    match value {
        None => Ok(default),
        Some(v) => parse_date(v).ok_or_else(|| format!("{field} '{}' er ikke en gyldig dato (ÅÅÅÅ-MM-DD)", clip(v))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_soap::{Limits, parse_document};

    fn id(urn: &str) -> UnikId {
        UnikId {
            uuid: None,
            urn: Some(urn.into()),
        }
    }

    fn p(n: u32) -> Pernr {
        Pernr::parse(&n.to_string()).unwrap()
    }

    #[test]
    fn employee_urns_in_every_spelling() {
        for urn in [
            "urn:oio:kmd:lpe:medarbejder:101",
            "URN:OIO:KMD:LPE:MEDARBEJDER:00000101",
            "urn:oio:kmd:lpe:medarbejdernummer:00000101",
            "URN:OIO:KMD:LPE:MEDARBEJDERNR:00000101",
            " urn:oio:kmd:lpe:MedarbejderNr: 101 ",
        ] {
            assert_eq!(
                EmployeeRef::parse(&id(urn), false),
                Ok(EmployeeRef::One(p(101))),
                "{urn}"
            );
        }
        for bad in [
            "urn:oio:kmd:lpe:medarbejder:",
            "urn:oio:kmd:lpe:medarbejder:123456789",
            "urn:oio:kmd:lpe:medarbejder:12a",
            "urn:oio:kmd:lpe:medarbejder:10-20",
            "urn:oio:kmd:lpe:person:101",
            "101",
        ] {
            let e = EmployeeRef::parse(&id(bad), false).unwrap_err();
            assert!(e.contains("MedarbejderRef"), "{bad}: {e}");
        }
        assert!(EmployeeRef::parse(&UnikId::default(), false).is_err());
        // A hostile value is echoed bounded.
        let long = format!("urn:oio:kmd:lpe:medarbejder:{}", "9".repeat(5000));
        assert!(EmployeeRef::parse(&id(&long), false).unwrap_err().len() < 300);
    }

    #[test]
    fn ranges_and_exclusions_in_list() {
        let r = |s: &str| EmployeeRef::parse(&id(&format!("urn:oio:kmd:lpe:medarbejder:{s}")), true);
        assert_eq!(r("10-20"), Ok(EmployeeRef::Range(p(10), p(20))));
        assert_eq!(r("10 - 20"), Ok(EmployeeRef::Range(p(10), p(20))));
        assert_eq!(r("12-12"), Ok(EmployeeRef::Range(p(12), p(12))));
        assert_eq!(r("!12-14"), Ok(EmployeeRef::Exclude(p(12), p(14))));
        assert_eq!(r("!12"), Ok(EmployeeRef::Exclude(p(12), p(12))));
        assert_eq!(r("00000105"), Ok(EmployeeRef::One(p(105))));
        for bad in ["20-10", "!", "1-", "-5", "1-2-3", "!!1", "1,2", "x-y"] {
            assert!(r(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn receiver_urns() {
        let k = |s: &str| parse_receiver_urn(s).map(|k| k.to_string());
        assert_eq!(k("urn:oio:kmd:lpe:modtager:340"), Ok("0340".into()));
        assert_eq!(k("URN:OIO:KMD:LPE:MODTAGER:0751"), Ok("0751".into()));
        for bad in [
            "urn:oio:kmd:lpe:modtager:",
            "urn:oio:kmd:lpe:modtager:abc",
            "340",
            "urn:x:340",
        ] {
            assert!(k(bad).unwrap_err().contains("ModtagerRef"), "{bad}");
        }
    }

    #[test]
    fn categories_by_code_none_is_all() {
        assert_eq!(categories(&[]).unwrap().len(), 15);
        assert_eq!(
            categories(&["0105".into(), "0001".into(), "105".into()]).unwrap(),
            vec![Category::Organisation, Category::Kommunikation]
        );
        assert!(
            categories(&["0003".into()])
                .unwrap_err()
                .contains("Ukendt Datakategori '0003'")
        );
    }

    #[test]
    fn time_stamps_with_and_without_zone() {
        let t = |s: &str, b: Option<&str>| {
            tidspunkt_value(
                &Tidspunkt {
                    stamp: Some(s.into()),
                    bound: b.map(Into::into),
                },
                "VirkningFraFilter",
            )
        };
        let (z, inc) = t("2024-03-01T00:30:00", None).unwrap();
        assert_eq!((z.date(), inc), (jiff::civil::date(2024, 3, 1), true));
        // 23:30 UTC on the last of February is already 1 March in Copenhagen.
        let (z, inc) = t("2024-02-29T23:30:00Z", Some("false")).unwrap();
        assert_eq!((z.date(), inc), (jiff::civil::date(2024, 3, 1), false));
        assert!(t("2024-03-01T00:00:00+01:00", Some("1")).is_ok());
        assert!(t("2024-03-01T00:00:00.123456", None).is_ok());
        assert_eq!(t("2024-03-01", None).unwrap().0.date(), jiff::civil::date(2024, 3, 1));
        for bad in [
            "2024-13-01T00:00:00",
            "01-03-2024",
            "2024-03-01 00:00:00",
            "nu",
            "2024-03-01T00:00:00+99:00",
        ] {
            assert!(t(bad, None).is_err(), "{bad}");
        }
        assert!(
            t("2024-03-01T00:00:00", Some("ja"))
                .unwrap_err()
                .contains("GraenseIndikator")
        );
    }

    fn doc(xml: &str) -> Element {
        parse_document(xml.as_bytes(), &Limits::default()).unwrap()
    }

    const NS: &str = "xmlns:m='urn:oio:medarbejder:1.0.0' xmlns:sd='urn:oio:sagdok:3.0.0'";

    #[test]
    fn structure_is_checked_and_receiver_read() {
        let root = doc(&format!(
            "<m:ListInput {NS}><sd:ModtagerRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>urn:oio:kmd:lpe:modtager:340\
             </sd:URNIdentifikator></sd:ModtagerRef><sd:MedarbejderRef><sd:URNIdentifikator>a</sd:URNIdentifikator>\
             </sd:MedarbejderRef><MedarbejderRef xmlns=''><URNIdentifikator>b</URNIdentifikator></MedarbejderRef>\
             <m:Datakategori>0105</m:Datakategori></m:ListInput>"
        ));
        let req = parse(&root, Operation::List).unwrap();
        assert_eq!(req.receiver.unwrap().to_string(), "0340");
        assert_eq!(req.employees.len(), 2);
        assert_eq!(req.categories, ["0105"]);

        for (op, body, want) in [
            (Operation::Laes, "<m:Foo/>", "Ukendt element"),
            (Operation::Laes, "<x:MedarbejderRef xmlns:x='urn:x'/>", "Ukendt element"),
            (
                Operation::Laes,
                "<sd:MedarbejderRef/><sd:MedarbejderRef/>",
                "kun forekomme én gang",
            ),
            (
                Operation::Laes,
                "<sd:MedarbejderRef><sd:URNIdentifikator><b/></sd:URNIdentifikator></sd:MedarbejderRef>",
                "skal indeholde tekst",
            ),
            (
                Operation::Laes,
                "<sd:ModtagerRef><sd:URNIdentifikator>urn:oio:kmd:lpe:modtager:x</sd:URNIdentifikator>\
                 </sd:ModtagerRef>",
                "ModtagerRef 'urn:oio:kmd:lpe:modtager:x' er ugyldig",
            ),
            (
                Operation::Laes,
                "<sd:ModtagerRef><sd:UUIDIdentifikator>u</sd:UUIDIdentifikator></sd:ModtagerRef>",
                "URNIdentifikator",
            ),
            (Operation::Ret, "<m:Datakategori>1</m:Datakategori>", "Ukendt element"),
            (Operation::Ret, "", "AttributListe"),
            (Operation::List, "<m:AttributListe/>", "Ukendt element"),
        ] {
            let root = doc(&format!("<m:X {NS}>{body}</m:X>"));
            let e = parse(&root, op).unwrap_err();
            assert!(e.contains(want), "{body}: {e}");
        }
    }

    #[test]
    fn ret_items_only_kommunikation() {
        let items = |body: &str| {
            let root = doc(&format!(
                "<m:AttributListe {NS}><m:Egenskaber>{body}</m:Egenskaber></m:AttributListe>"
            ));
            kommunikation_items(&root)
        };
        let ok = items(
            "<m:Kommunikation><m:Kommunikationsart>0010</m:Kommunikationsart><m:KommunikationsID> a@b.dk \
             </m:KommunikationsID><m:Sekvensnummer/></m:Kommunikation>",
        )
        .unwrap();
        assert_eq!(ok[0].art.as_deref(), Some("0010"));
        assert_eq!(ok[0].id.as_deref(), Some("a@b.dk"));
        assert_eq!(ok[0].sequence, None);
        let refused = items("<m:Kommunikation/><m:Adresse><m:By>Sorø</m:By></m:Adresse>").unwrap_err();
        assert!(
            matches!(&refused, AttributesError::Refused(t) if t.contains("Kun Kommunikation (0105)") && t.contains("Adresse (0006)")),
            "{refused:?}"
        );
        assert!(matches!(items(""), Err(AttributesError::Refused(_))));
        assert!(matches!(items("<m:Foo/>"), Err(AttributesError::Structure(_))));
        assert!(matches!(
            items("<m:Kommunikation><m:Bar/></m:Kommunikation>"),
            Err(AttributesError::Structure(_))
        ));
    }
}
