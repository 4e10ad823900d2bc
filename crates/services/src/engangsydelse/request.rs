//! Reading the JSON of an Engangsydelser request: the `Header` (`ClientID`, `OpdateringsID`, `Kun_Valider`),
//! the `Medarbejder` (`Medarbejdernummer`, alias `Personalenummer`), each item of `Engangsydelser`, and the read's
//! `VirkningFilter`.
//!
//! Lenient where SAP clients differ: numbers may come as JSON numbers or strings, an empty string or `null` is an
//! absent value, `Startdato` may be an instant (`2024-05-01T00:00:00Z`, taken as the Copenhagen day it falls on) or
//! a plain date. Strict about keys: one the operation does not know, anywhere in the body, refuses the request
//! (909, naming each such key with its path; checked once the caller's access to the municipality is known) — a
//! misspelt `Beloeb` or a `Kun_Valider` outside `Header` must not register a payment as if it had not been sent.

use super::Operation;
use jiff::civil::Date;
use serde_json::Value;
use snitflade_domain::json::{Shape, last_key, unknown_keys, without_nulls};
use snitflade_domain::maskintimer::copenhagen_day;
use snitflade_domain::onetime::{OneTimePayment, Problem};
use snitflade_domain::payroll::parse_value;
use snitflade_domain::{Kommunekode, Pernr};

/// Why a request is refused as a whole (HTTP 400), with snitflade's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    pub code: u16,
    pub text: String,
}

fn refuse<T>(code: u16, text: impl Into<String>) -> Result<T, RequestError> {
    Err(RequestError {
        code,
        text: text.into(),
    })
}

/// The keys of `Header` (both operations).
const HEADER: Shape = Shape::Object(&[
    ("ClientID", Shape::Any),
    ("OpdateringsID", Shape::Any),
    ("Kun_Valider", Shape::Any),
]);
const EMPLOYEE: Shape = Shape::Object(&[("Medarbejdernummer", Shape::Any), ("Personalenummer", Shape::Any)]);
/// The keys of one item of `Engangsydelser`.
const PAYMENT: Shape = Shape::Object(&[
    ("Startdato", Shape::Any),
    ("Loenart", Shape::Any),
    ("Loebenummer", Shape::Any),
    ("Sekvensnummer", Shape::Any),
    ("Beloeb", Shape::Any),
    ("Antal", Shape::Any),
    ("Afv_Timeloen", Shape::Any),
    ("Afv_Omkostningssted", Shape::Any),
    ("Afv_PSP_Element", Shape::Any),
    ("Afsendelses_System", Shape::Any),
    ("Indv_Bemaerkning", Shape::Any),
]);
/// The keys of `VirkningFilter` (read).
const PERIOD: Shape = Shape::Object(&[("FraDatoTid", Shape::Any), ("TilDatoTid", Shape::Any)]);
/// An update request: `Header`, `Medarbejder` and the payments.
const UPDATE: Shape = Shape::Object(&[
    ("Header", HEADER),
    ("Medarbejder", EMPLOYEE),
    ("Engangsydelser", Shape::Array(&PAYMENT)),
]);
/// A read request: `Header`, `Medarbejder` and the period.
const READ: Shape = Shape::Object(&[
    ("Header", HEADER),
    ("Medarbejder", EMPLOYEE),
    ("VirkningFilter", PERIOD),
]);

/// Most unknown keys named in one refusal.
const MAX_UNKNOWN_NAMED: usize = 20;

/// Where a key belongs if it is one of `Header`, `Medarbejder`, a payment or `VirkningFilter` (e.g. `Kun_Valider`
/// sent beside `Header` instead of in it).
fn belongs_in(key: &str) -> Option<&'static str> {
    [
        ("Header", HEADER),
        ("Medarbejder", EMPLOYEE),
        ("Engangsydelser", PAYMENT),
        ("VirkningFilter", PERIOD),
    ]
    .into_iter()
    .find_map(|(place, shape)| match shape {
        Shape::Object(fields) if fields.iter().any(|(k, _)| *k == key) => Some(place),
        _ => None,
    })
}

/// A request's common part.
#[derive(Debug)]
pub struct Envelope {
    pub municipality: Kommunekode,
    pub update_id: Option<String>,
    pub validate_only: bool,
    pub pernr: Pernr,
    /// `Medarbejder` as sent, answered back.
    pub employee: Value,
    pub body: Value,
    /// The paths of the keys the operation does not know (see [`Envelope::unknown_keys`]).
    unknown: Vec<String>,
}

/// A field's value as text: strings as they are, numbers written out, empty, `null` or absent as `None`.
pub fn text(v: &Value, field: &str) -> Option<String> {
    match v.get(field)? {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => Some(String::new()),
    }
}

/// The refusal of a body holding keys `op` does not know: one 909 per key (at most [`MAX_UNKNOWN_NAMED`]).
fn unknown(paths: &[String]) -> Vec<RequestError> {
    paths
        .iter()
        .take(MAX_UNKNOWN_NAMED)
        .map(|path| {
            let key = last_key(path);
            let hint = match belongs_in(key) {
                Some(place) if !path.starts_with(place) => format!("; det hører til i {place}"),
                _ => String::new(),
            };
            RequestError {
                code: 909,
                text: format!("Ukendt felt \"{key}\" ({path}){hint}; intet er gemt"),
            }
        })
        .collect()
}

impl Envelope {
    /// Reads a request of operation `op` (`null` counts as absent): the first thing wrong with its `Header` or
    /// `Medarbejder` is the error. Keys the operation does not know are kept for [`Envelope::unknown_keys`].
    pub fn parse(body: &[u8], op: Operation) -> Result<Self, RequestError> {
        let body: Value = match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => without_nulls(v),
            Ok(_) => return refuse(900, "Anmodningen skal være et JSON-objekt"),
            Err(e) => return refuse(900, format!("Anmodningen er ikke gyldig JSON: {e}")),
        };
        let shape = match op {
            Operation::Update => UPDATE,
            Operation::Read => READ,
        };
        let unknown = unknown_keys(&body, &shape);
        let mut envelope = Self::read(body)?;
        envelope.unknown = unknown;
        Ok(envelope)
    }

    /// The refusal of the keys the operation does not know, anywhere in the body: one 909 per key (at most
    /// [`MAX_UNKNOWN_NAMED`]), none if there are none.
    pub fn unknown_keys(&self) -> Vec<RequestError> {
        unknown(&self.unknown)
    }

    fn read(body: Value) -> Result<Self, RequestError> {
        let header = body.get("Header").filter(|h| h.is_object());
        let Some(header) = header else {
            return refuse(901, "Header mangler");
        };
        let municipality = match text(header, "ClientID").map(|c| Kommunekode::parse(&c)) {
            Some(Ok(k)) => k,
            _ => return refuse(901, "Header.ClientID mangler eller er ikke et kommunenummer"),
        };
        let update_id = text(header, "OpdateringsID");
        if let Some(id) = &update_id
            && !(id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b)))
        {
            return refuse(902, "Header.OpdateringsID skal være 32 tegn 0-9 og A-F");
        }
        let validate_only = match text(header, "Kun_Valider").as_deref() {
            None | Some("0") => false,
            Some("1") => true,
            Some(_) => return refuse(906, "Header.Kun_Valider skal være \"1\", \"0\" eller udeladt"),
        };
        let employee = body.get("Medarbejder").cloned().unwrap_or(Value::Null);
        let number = text(&employee, "Medarbejdernummer").or_else(|| text(&employee, "Personalenummer"));
        let pernr = match number.map(|n| Pernr::parse(&n)) {
            Some(Ok(p)) => p,
            _ => {
                return refuse(
                    903,
                    "Medarbejder.Medarbejdernummer mangler eller er ikke et medarbejdernummer",
                );
            }
        };
        Ok(Self {
            municipality,
            update_id,
            validate_only,
            pernr,
            employee,
            body,
            unknown: Vec::new(),
        })
    }

    /// The update's items: 1 to `max` of them.
    pub fn items(&self, max: usize) -> Result<&[Value], RequestError> {
        match self.body.get("Engangsydelser") {
            Some(Value::Array(items)) if items.is_empty() => refuse(905, "Engangsydelser er tom"),
            Some(Value::Array(items)) if items.len() > max => refuse(
                905,
                format!("Højst {max} engangsydelser pr. kald (modtaget {})", items.len()),
            ),
            Some(Value::Array(items)) => Ok(items),
            _ => refuse(905, "Engangsydelser mangler eller er ikke en liste"),
        }
    }

    /// The read's `VirkningFilter` as days (either end open; see [`bound_of`]).
    pub fn period(&self) -> Result<(Option<Date>, Option<Date>), RequestError> {
        let Some(filter) = self.body.get("VirkningFilter") else {
            return Ok((None, None));
        };
        let day = |field, upper| match text(filter, field) {
            None => Ok(None),
            Some(s) => bound_of(&s, upper).map(Some).ok_or_else(|| RequestError {
                code: 908,
                text: format!("VirkningFilter.{field} er ikke et tidspunkt (fx 2024-05-01T00:00:00Z)"),
            }),
        };
        let (from, to) = (day("FraDatoTid", false)?, day("TilDatoTid", true)?);
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return refuse(908, "VirkningFilter.FraDatoTid ligger efter TilDatoTid");
        }
        Ok((from, to))
    }
}

/// The Copenhagen day of an instant, or a plain `yyyy-MM-dd` date.
pub fn day_of(s: &str) -> Option<Date> {
    if let Some(d) = snitflade_domain::hr::parse_date(s) {
        return Some(d);
    }
    s.parse::<jiff::Timestamp>().ok().map(copenhagen_day)
}

/// A `VirkningFilter` bound as a day. The answers write a payment's `Startdato` as midnight UTC of its day, so an
/// instant selects exactly the payments whose answered `Startdato` lies within the filter: from the first day whose
/// midnight UTC is not before `FraDatoTid`, to the last day whose midnight UTC is not after `TilDatoTid` (`upper`).
/// A month given either in UTC (`…-01T00:00:00Z` to `…-30T23:59:59Z`) or as Copenhagen midnights
/// (`…-31T23:00:00Z` to `…-30T22:59:59Z`) is that month. A plain date is that day.
pub fn bound_of(s: &str, upper: bool) -> Option<Date> {
    if let Some(d) = snitflade_domain::hr::parse_date(s) {
        return Some(d);
    }
    let utc = s.parse::<jiff::Timestamp>().ok()?.to_zoned(jiff::tz::TimeZone::UTC);
    if upper || utc.time() == jiff::civil::Time::midnight() {
        Some(utc.date())
    } else {
        utc.date().tomorrow().ok()
    }
}

/// One item of `Engangsydelser`, or what is wrong with its fields. `sender` is used when
/// `Afsendelses_System` is absent.
pub fn payment(item: &Value, sender: &str) -> Result<OneTimePayment, Vec<Problem>> {
    let mut problems = Vec::new();
    if !item.is_object() {
        return Err(vec![Problem::Missing("Engangsydelse")]);
    }
    let wage_type = match text(item, "Loenart") {
        Some(w) if w.len() <= 4 && !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) => format!("{w:0>4}"),
        Some(w) => {
            problems.push(Problem::UnknownWageType(w.chars().take(20).collect()));
            String::new()
        }
        None => {
            problems.push(Problem::Missing("Loenart"));
            String::new()
        }
    };
    let start_date = text(item, "Startdato").as_deref().and_then(day_of);
    if start_date.is_none() {
        problems.push(Problem::BadDate { field: "Startdato" });
    }
    let mut number = |field, max: i64, default: Option<i64>| match text(item, field) {
        None if default.is_some() => default.unwrap_or_default(),
        Some(s) if s.parse::<i64>().is_ok_and(|n| (0..=max).contains(&n)) => s.parse().unwrap_or_default(),
        _ => {
            problems.push(Problem::BadNumber { field });
            0
        }
    };
    let running_no = number("Loebenummer", 99_999_999, None);
    let seq = number("Sekvensnummer", 999, Some(0));
    let mut value = |field| {
        text(item, field).and_then(|s| match parse_value(&s) {
            Ok(d) => Some(d),
            Err(error) => {
                problems.push(Problem::BadValue { field, error });
                None
            }
        })
    };
    let (amount, quantity, hourly_rate) = (value("Beloeb"), value("Antal"), value("Afv_Timeloen"));
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(OneTimePayment {
        wage_type,
        start_date: start_date.expect("checked above"),
        running_no,
        seq: u32::try_from(seq).expect("0..=999"),
        amount,
        quantity,
        hourly_rate,
        cost_centre: text(item, "Afv_Omkostningssted"),
        psp_element: text(item, "Afv_PSP_Element"),
        sender: text(item, "Afsendelses_System").unwrap_or_else(|| sender.chars().take(30).collect()),
        remark: item
            .get("Indv_Bemaerkning")
            .and_then(Value::as_str)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(v: Value) -> Result<Envelope, RequestError> {
        envelope_of(v, Operation::Update)
    }

    fn envelope_of(v: Value, op: Operation) -> Result<Envelope, RequestError> {
        Envelope::parse(v.to_string().as_bytes(), op)
    }

    #[test]
    fn header_and_employee() {
        let e = envelope(
            json!({"Header": {"ClientID": "340", "OpdateringsID": "0123456789ABCDEF0123456789ABCDEF",
            "Kun_Valider": "1"}, "Medarbejder": {"Personalenummer": 110}}),
        )
        .unwrap();
        assert_eq!(e.municipality.to_string(), "0340");
        assert_eq!(e.pernr.to_string(), "00000110");
        assert!(e.validate_only);
        assert_eq!(e.update_id.as_deref(), Some("0123456789ABCDEF0123456789ABCDEF"));
        let code = |v: Value| envelope(v).unwrap_err().code;
        assert_eq!(code(json!([1])), 900);
        assert_eq!(Envelope::parse(b"{", Operation::Update).unwrap_err().code, 900);
        assert_eq!(code(json!({"Medarbejder": {}})), 901);
        assert_eq!(code(json!({"Header": {"ClientID": "abc"}})), 901);
        assert_eq!(
            code(json!({"Header": {"ClientID": "340", "OpdateringsID": "0123456789abcdef0123456789abcdef"}})),
            902
        );
        assert_eq!(code(json!({"Header": {"ClientID": "340", "Kun_Valider": "ja"}})), 906);
        assert_eq!(
            code(json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "x"}})),
            903
        );
    }

    #[test]
    fn unknown_keys_refuse_the_request_with_their_paths() {
        let all = |v: Value, op| Envelope::parse(v.to_string().as_bytes(), op).unwrap().unknown_keys();
        let errors = all(
            json!({"Header": {"ClientID": "340", "Kun_Valdier": "1"}, "Kun_Valider": "1",
                   "Medarbejder": {"Medarbejdernummer": "101", "CPR": "x"},
                   "Engangsydelser": [{"Loenart": "6001"}, {"Loenart": "6001", "Beloebb": "45.50", "Beloeb": null}]}),
            Operation::Update,
        );
        let texts: Vec<(u16, &str)> = errors.iter().map(|e| (e.code, e.text.as_str())).collect();
        assert_eq!(
            texts,
            [
                (
                    909,
                    "Ukendt felt \"Beloebb\" (Engangsydelser[1].Beloebb); intet er gemt"
                ),
                (909, "Ukendt felt \"Kun_Valdier\" (Header.Kun_Valdier); intet er gemt"),
                (
                    909,
                    "Ukendt felt \"Kun_Valider\" (Kun_Valider); det hører til i Header; intet er gemt"
                ),
                (909, "Ukendt felt \"CPR\" (Medarbejder.CPR); intet er gemt"),
            ]
        );
        // Each operation knows its own top-level keys.
        let read = json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "101"},
                          "VirkningFilter": {"FraDatoTid": "2026-01-01", "Til": "x"}, "Engangsydelser": []});
        let paths: Vec<String> = all(read, Operation::Read).into_iter().map(|e| e.text).collect();
        assert_eq!(
            paths,
            [
                "Ukendt felt \"Engangsydelser\" (Engangsydelser); intet er gemt",
                "Ukendt felt \"Til\" (VirkningFilter.Til); intet er gemt"
            ]
        );
        let update_with_filter = json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "101"},
                                        "VirkningFilter": {}});
        assert_eq!(
            all(update_with_filter, Operation::Update)[0].text,
            "Ukendt felt \"VirkningFilter\" (VirkningFilter); intet er gemt"
        );
    }

    #[test]
    fn null_counts_as_absent() {
        let e = envelope(
            json!({"Header": {"ClientID": "340", "OpdateringsID": null, "Kun_Valider": null, "Typo": null},
                                "Medarbejder": {"Medarbejdernummer": "110", "Personalenummer": null}}),
        )
        .unwrap();
        assert_eq!((e.update_id, e.validate_only), (None, false));
        let p = payment(
            &json!({"Startdato": "2024-05-01", "Loenart": "6001", "Loebenummer": 1, "Sekvensnummer": null,
                    "Beloeb": "10", "Antal": null, "Afv_Omkostningssted": null, "Indv_Bemaerkning": null}),
            "kantine",
        )
        .unwrap();
        assert_eq!(
            (p.seq, p.quantity, p.cost_centre, p.remark.as_str()),
            (0, None, None, "")
        );
        let read = envelope_of(
            json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
                   "VirkningFilter": {"FraDatoTid": null, "TilDatoTid": "2026-01-31"}}),
            Operation::Read,
        )
        .unwrap();
        assert_eq!(read.period().unwrap(), (None, Some(jiff::civil::date(2026, 1, 31))));
    }

    #[test]
    fn items_and_period() {
        let e = envelope(
            json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
            "Engangsydelser": []}),
        )
        .unwrap();
        assert_eq!(e.items(999).unwrap_err().code, 905);
        let e = envelope_of(
            json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
            "VirkningFilter": {"FraDatoTid": "2026-05-01T00:00:00Z", "TilDatoTid": "2026-04-30T21:59:59Z"}}),
            Operation::Read,
        )
        .unwrap();
        // 21:59:59Z on 30 April is still 30 April, before the start.
        assert_eq!(e.period().unwrap_err().code, 908);
        let e = envelope(
            json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
            "Engangsydelser": [{}, {}]}),
        )
        .unwrap();
        assert_eq!(
            e.items(1).unwrap_err().text,
            "Højst 1 engangsydelser pr. kald (modtaget 2)"
        );
        assert_eq!(e.items(2).unwrap().len(), 2);
        let e = envelope_of(
            json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
            "VirkningFilter": {"FraDatoTid": "2026-04-30T22:00:00Z"}}),
            Operation::Read,
        )
        .unwrap();
        assert_eq!(e.period().unwrap(), (Some(jiff::civil::date(2026, 5, 1)), None));
    }

    #[test]
    fn a_period_holds_exactly_the_startdato_instants_inside_it() {
        let period = |from: &str, to: &str| {
            envelope_of(
                json!({"Header": {"ClientID": "340"}, "Medarbejder": {"Medarbejdernummer": "110"},
                "VirkningFilter": {"FraDatoTid": from, "TilDatoTid": to}}),
                Operation::Read,
            )
            .unwrap()
            .period()
            .unwrap()
        };
        let november = (
            Some(jiff::civil::date(2026, 11, 1)),
            Some(jiff::civil::date(2026, 11, 30)),
        );
        // A UTC month: 1 December's payment (answered as 2026-12-01T00:00:00Z) lies after the end.
        assert_eq!(period("2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z"), november);
        // The same month as Copenhagen midnights (UTC+1 in November).
        assert_eq!(period("2026-10-31T23:00:00Z", "2026-11-30T22:59:59Z"), november);
        assert_eq!(period("2026-11-01", "2026-11-30"), november);
        // Midnight UTC is inside at both ends; a moment later starts the next day.
        assert_eq!(
            period("2026-11-01T00:00:00.001Z", "2026-11-30T00:00:00Z"),
            (
                Some(jiff::civil::date(2026, 11, 2)),
                Some(jiff::civil::date(2026, 11, 30))
            )
        );
    }

    #[test]
    fn an_item() {
        let p = payment(
            &json!({"Startdato": "2024-05-01T00:00:00Z", "Loenart": "1100", "Loebenummer": 7, "Sekvensnummer": "1",
                "Antal": "0.25", "Afv_Omkostningssted": "", "Afv_PSP_Element": "XG-0000000001-00001",
                "Indv_Bemaerkning": " vikar ", "Afv_Timeloen": 210.5}),
            "vikarsystem",
        )
        .unwrap();
        assert_eq!(p.start_date, jiff::civil::date(2024, 5, 1));
        assert_eq!((p.running_no, p.seq), (7, 1));
        assert_eq!(p.quantity.unwrap().to_string(), "0.25");
        assert_eq!(p.hourly_rate.unwrap().to_string(), "210.5");
        assert_eq!(
            (p.cost_centre, p.psp_element.as_deref()),
            (None, Some("XG-0000000001-00001"))
        );
        assert_eq!((p.sender.as_str(), p.remark.as_str()), ("vikarsystem", "vikar"));
        let problems = payment(
            &json!({"Startdato": "maj", "Loenart": "12345", "Sekvensnummer": 1000, "Beloeb": "1,5"}),
            "x",
        )
        .unwrap_err();
        let codes: Vec<u16> = problems.iter().map(Problem::code).collect();
        assert_eq!(codes, [920, 924, 926, 926, 923]);
        assert_eq!(payment(&json!("x"), "x").unwrap_err()[0].code(), 931);
    }
}
