//! Engangsydelser from outside: the real server started with `--demo`, called over HTTPS with mutual TLS by the demo
//! systems of the integration cases in KMD's brochure "Integration til KMD Opus Personale" — the canteen system posting
//! a month of deductions, the school substitute system reading a substitute through Medarbejderoplysninger and posting
//! hours — plus the grants, KMD's codes (119, 138, 151, 167) and snitflade's request codes produced over the wire, and
//! the admin API's payroll catalogue and employee locks.

mod common;

use common::*;
use jiff::ToSpan;
use jiff::civil::{Date, Weekday, date};
use reqwest::StatusCode;
use serde_json::{Value, json};

const UPDATE: &str = "update-onetime-payments";
const READ: &str = "read-onetime-payments";

/// An Engangsydelser answer: HTTP status, content type and the parsed JSON.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
    json: Value,
}

impl Answer {
    fn header_status(&self) -> &str {
        self.json["Header"]["Status"].as_str().unwrap_or_default()
    }

    /// `(Kode, Tekst)` of each `Meddelelse`.
    fn messages(&self) -> Vec<(String, String)> {
        self.json["Meddelelse"]
            .as_array()
            .unwrap_or_else(|| panic!("no Meddelelse: {}", self.body))
            .iter()
            .map(|m| {
                (
                    m["Kode"].as_str().unwrap().to_owned(),
                    m["Tekst"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn codes(&self) -> Vec<String> {
        self.messages().into_iter().map(|(c, _)| c).collect()
    }

    fn items(&self) -> &Vec<Value> {
        self.json["Engangsydelser"]
            .as_array()
            .unwrap_or_else(|| panic!("no Engangsydelser: {}", self.body))
    }

    /// Asserts HTTP `status`, a JSON content type and `Header.Status`.
    fn assert(&self, status: StatusCode, header_status: &str) -> &Self {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(
            self.content_type.starts_with("application/json"),
            "content type {:?}: {}",
            self.content_type,
            self.body
        );
        assert_eq!(self.header_status(), header_status, "{}", self.body);
        self
    }
}

impl Server {
    fn lpe_url(&self, operation: &str) -> String {
        format!("https://{}/lpe/{operation}", self.proc.services)
    }

    /// POSTs `body` (sent as is) to `/lpe/<operation>` as `system`.
    async fn post_raw(&self, system: &str, operation: &str, body: impl Into<reqwest::Body>) -> Answer {
        let response = self
            .client(system)
            .post(self.lpe_url(operation))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {operation}: {e:?}"));
        let reply = read_reply(response).await;
        let json = serde_json::from_str(&reply.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", reply.status, reply.body));
        Answer {
            status: reply.status,
            content_type: reply.content_type,
            body: reply.body,
            json,
        }
    }

    async fn post(&self, system: &str, operation: &str, body: &Value) -> Answer {
        self.post_raw(system, operation, body.to_string()).await
    }

    /// Reads `employee`'s payments in 0340 as `system`, with this `VirkningFilter` (or none).
    async fn read(&self, system: &str, employee: u32, filter: Option<Value>) -> Answer {
        let mut body = json!({"Header": {"ClientID": "0340"},
                              "Medarbejder": {"Medarbejdernummer": format!("{employee:08}")}});
        if let Some(f) = filter {
            body["VirkningFilter"] = f;
        }
        self.post(system, READ, &body).await
    }
}

/// An update for `employee` in `client`.
fn update(client: &str, employee: u32, items: Vec<Value>) -> Value {
    json!({"Header": {"ClientID": client}, "Medarbejder": {"Medarbejdernummer": format!("{employee:08}")},
           "Engangsydelser": items})
}

/// A 32-character upper-case hex `OpdateringsID`.
fn update_id(a: u64, b: u64) -> String {
    format!("{a:016X}{b:016X}")
}

fn instant(d: Date) -> String {
    format!("{d}T00:00:00Z")
}

/// A canteen deduction (wage type 6001, an amount) on `day`.
fn canteen(day: Date, seq: u32, amount: &str) -> Value {
    json!({"Startdato": instant(day), "Loenart": "6001", "Loebenummer": 1, "Sekvensnummer": seq,
           "Beloeb": amount, "Afsendelses_System": "KANTINE", "Indv_Bemaerkning": "Frokost"})
}

/// Monday to Friday of the month starting `first`.
fn working_days(first: Date) -> Vec<Date> {
    let mut days = Vec::new();
    let mut d = first;
    while d.month() == first.month() {
        if !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday) {
            days.push(d);
        }
        d = d.checked_add(1.day()).unwrap();
    }
    days
}

/// A day's canteen amount for an employee, in øre: 28.00–55.50 kr.
fn amount_ore(employee: u32, day: Date) -> i64 {
    2800 + i64::from((employee * 7 + day.day() as u32 * 13) % 12) * 250
}

fn kroner(ore: i64) -> String {
    format!("{}.{:02}", ore / 100, ore % 100)
}

/// "45.50" → 4550.
fn ore(value: &Value) -> i64 {
    let s = value.as_str().unwrap_or_else(|| panic!("not a string: {value}"));
    let (kr, ore) = s.split_once('.').unwrap_or_else(|| panic!("no decimals: {s}"));
    assert_eq!(ore.len(), 2, "{s}");
    kr.parse::<i64>().unwrap() * 100 + ore.parse::<i64>().unwrap()
}

#[tokio::test]
async fn kantine_posts_a_month_of_canteen_deductions() {
    let s = Server::start().await;
    let november = date(2026, 11, 1);
    let days = working_days(november);
    assert_eq!(days.len(), 21);
    // 20 employees of 0340, none of them locked, left or cancelled (127, 128, 129).
    let employees: Vec<u32> = (101..=120).collect();
    let mut first_answers = Vec::new();
    for &e in &employees {
        let items: Vec<Value> = days
            .iter()
            .map(|d| canteen(*d, 0, &kroner(amount_ore(e, *d))))
            .collect();
        let mut body = update("0340", e, items);
        body["Header"]["OpdateringsID"] = update_id(0x6001_2026_1100, u64::from(e)).into();
        let a = s.post("kantine", UPDATE, &body).await;
        a.assert(StatusCode::OK, "0");
        assert_eq!(
            a.messages(),
            [("0".to_owned(), "21 engangsydelse(r) er registreret".to_owned())]
        );
        assert_eq!(a.json["Header"]["OpdateringsID"], body["Header"]["OpdateringsID"]);
        assert_eq!(a.json["Medarbejder"]["Medarbejdernummer"], format!("{e:08}"));
        first_answers.push((body, a.body));
    }
    // A deduction on 1 December for 101, which a read of November must not include.
    let december = s
        .post(
            "kantine",
            UPDATE,
            &update("340", 101, vec![canteen(date(2026, 12, 1), 0, "99.00")]),
        )
        .await;
    december.assert(StatusCode::OK, "0");

    // November read back, the month given as UTC instants: every day, the right sum.
    let month = json!({"FraDatoTid": "2026-11-01T00:00:00Z", "TilDatoTid": "2026-11-30T23:59:59Z"});
    for &e in &employees {
        let a = s.read("kantine", e, Some(month.clone())).await;
        a.assert(StatusCode::OK, "0");
        let items = a.items();
        assert_eq!(items.len(), days.len(), "{e}: {}", a.body);
        let sum: i64 = items.iter().map(|i| ore(&i["Beloeb"])).sum();
        let expected: i64 = days.iter().map(|d| amount_ore(e, *d)).sum();
        assert_eq!(sum, expected, "{e}");
        for (item, day) in items.iter().zip(&days) {
            assert_eq!(item["Startdato"], instant(*day), "{e}: in date order");
            assert_eq!(
                (&item["Loenart"], &item["Antal"], &item["Afsendelses_System"]),
                (&json!("6001"), &json!("0.00"), &json!("KANTINE"))
            );
            assert_eq!(item["Indv_Bemaerkning_1"], "Frokost");
            assert_eq!(item["Objekt_id"].as_str().unwrap().len(), 36);
        }
    }
    // The same month as Copenhagen instants (midnight local time is 23:00 UTC the day before in winter).
    let local = json!({"FraDatoTid": "2026-10-31T23:00:00Z", "TilDatoTid": "2026-11-30T22:59:59Z"});
    assert_eq!(s.read("kantine", 101, Some(local)).await.items().len(), 21);
    // Without a filter: November and December.
    assert_eq!(s.read("kantine", 101, None).await.items().len(), 22);
    // A week in the middle: 9–13 November.
    let week = json!({"FraDatoTid": "2026-11-09T00:00:00Z", "TilDatoTid": "2026-11-13T00:00:00Z"});
    let a = s.read("kantine", 102, Some(week)).await;
    assert_eq!(a.items().len(), 5, "{}", a.body);
    // A period without payments: Status 1 "Data ikke fundet.".
    let empty = json!({"FraDatoTid": "2027-01-01T00:00:00Z", "TilDatoTid": "2027-01-31T00:00:00Z"});
    let a = s.read("kantine", 101, Some(empty)).await;
    a.assert(StatusCode::OK, "1");
    assert_eq!(a.messages(), [("1".to_owned(), "Data ikke fundet.".to_owned())]);
    assert!(a.items().is_empty());

    // Resending a request (a client that lost the answer) registers nothing and gets the very same answer.
    let (body, first) = &first_answers[4];
    let again = s.post("kantine", UPDATE, body).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(&again.body, first, "the first answer, byte for byte");
    assert_eq!(s.read("kantine", 105, None).await.items().len(), 21);
    // The same OpdateringsID with other content is refused (907); the same items without it collide (928).
    let mut other = body.clone();
    other["Engangsydelser"][0]["Beloeb"] = "1.00".into();
    let a = s.post("kantine", UPDATE, &other).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(a.codes(), ["907"]);
    let mut no_id = body.clone();
    no_id["Header"].as_object_mut().unwrap().remove("OpdateringsID");
    let a = s.post("kantine", UPDATE, &no_id).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(a.codes(), vec!["928".to_owned(); 21]);
    assert!(
        a.messages()[20]
            .1
            .starts_with("Engangsydelse Nr. 021: Lønart 6001 den 2026-11-30"),
        "{}",
        a.body
    );
    assert_eq!(s.read("kantine", 105, None).await.items().len(), 21);

    // Kun_Valider: validated, nothing saved; the OpdateringsID is answered back but not used up.
    let mut check = update("0340", 121, vec![canteen(date(2026, 11, 2), 0, "45.50")]);
    check["Header"]["Kun_Valider"] = "1".into();
    check["Header"]["OpdateringsID"] = update_id(0x4B56, 121).into();
    let a = s.post("kantine", UPDATE, &check).await;
    a.assert(StatusCode::OK, "0");
    assert!(a.messages()[0].1.contains("intet er gemt"), "{}", a.body);
    assert_eq!(a.json["Header"]["OpdateringsID"], check["Header"]["OpdateringsID"]);
    s.read("kantine", 121, None).await.assert(StatusCode::OK, "1");
    // … and a bad one is still checked in full.
    check["Engangsydelser"][0]["Beloeb"] = "45,50".into();
    let a = s.post("kantine", UPDATE, &check).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(a.codes(), ["923"]);

    // Every registration is an outbox event.
    let events = s.admin.events().await;
    let registered = events
        .iter()
        .filter(|e| e["kind"] == "onetime_payment.registered")
        .count();
    assert_eq!(registered, 20 * 21 + 1);
}

/// A Medarbejderoplysninger Laes of one employee in 0340, one data category.
async fn laes(s: &Server, system: &str, pernr: &str, category: &str) -> Node {
    const MD: &str = "urn:oio:medarbejder:1.0.0";
    const SD: &str = "urn:oio:sagdok:3.0.0";
    let reference = |element: &str, urn: String| {
        format!("<sd:{element}><sd:UUIDIdentifikator/><sd:URNIdentifikator>{urn}</sd:URNIdentifikator></sd:{element}>")
    };
    let body = format!(
        "<s:Envelope xmlns:s=\"{SOAP11_NS}\"><s:Body><m:LaesInput xmlns:m=\"{MD}\" xmlns:sd=\"{SD}\">{}{}\
         <m:Datakategori>{category}</m:Datakategori></m:LaesInput></s:Body></s:Envelope>",
        reference("ModtagerRef", "urn:oio:kmd:lpe:modtager:340".into()),
        reference("MedarbejderRef", format!("urn:oio:kmd:lpe:medarbejder:{pernr}")),
    );
    let reply = post_soap(&s.client(system), &s.ws_url("Employee_Provide_Out"), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let env = parse_xml(&reply.body).unwrap();
    env.child_ns(Some(SOAP11_NS), "Body").unwrap().children[0].clone()
}

/// The StatusKode of a LaesOutput and the text of `field` in its first `record` element (if any).
fn laes_field(out: &Node, record: &str, field: &str) -> (String, Option<String>) {
    const MD: &str = "urn:oio:medarbejder:1.0.0";
    const SD: &str = "urn:oio:sagdok:3.0.0";
    let status = out.children[0]
        .child_ns(Some(SD), "StatusKode")
        .unwrap()
        .text
        .trim()
        .to_owned();
    let value = out.children.get(1).and_then(|result| {
        result
            .child_ns(Some(MD), "Registrering")?
            .child_ns(Some(MD), "AttributListe")?
            .child_ns(Some(MD), "Egenskaber")?
            .child_ns(Some(MD), record)?
            .child_ns(Some(MD), field)
            .map(|f| f.text.trim().to_owned())
    });
    (status, value)
}

#[tokio::test]
async fn vikarsystem_reads_a_substitute_and_posts_hours() {
    let s = Server::start().await;
    // The substitute system looks the substitute up first: 00000131 is a "VIKAR".
    let out = laes(&s, "vikarsystem", "00000131", "0001").await;
    assert_eq!(
        laes_field(&out, "Organisation", "StillingTekstKort"),
        ("0".to_owned(), Some("VIKAR".to_owned()))
    );
    let out = laes(&s, "vikarsystem", "00000131", "0002").await;
    assert_eq!(laes_field(&out, "Persondata", "Fornavn").1.as_deref(), Some("Gustav"));

    // Then the hours of three school days: with the employee's own rate, and with a deviating one.
    let hours = |day: Date, seq: u32, antal: &str, rate: Option<&str>| {
        let mut item = json!({"Startdato": instant(day), "Loenart": "1100", "Loebenummer": 4711, "Sekvensnummer": seq,
                              "Antal": antal, "Afsendelses_System": "VIKARSYS",
                              "Indv_Bemaerkning": "Vikartimer 5.B, dansk og matematik for syg lærer"});
        if let Some(r) = rate {
            item["Afv_Timeloen"] = r.into();
        }
        item
    };
    let items = vec![
        hours(date(2026, 11, 2), 0, "4.5", None),
        hours(date(2026, 11, 3), 0, "6.25", Some("215.40")),
        // A second registration on the same day takes the next sequence number.
        hours(date(2026, 11, 3), 1, "1", Some("240")),
    ];
    let mut body = update("0340", 131, items);
    body["Header"]["OpdateringsID"] = update_id(0x1100, 131).into();
    let a = s.post("vikarsystem", UPDATE, &body).await;
    a.assert(StatusCode::OK, "0");
    assert_eq!(a.messages()[0].1, "3 engangsydelse(r) er registreret");

    let a = s
        .read(
            "vikarsystem",
            131,
            Some(json!({"FraDatoTid": "2026-11-01T00:00:00Z", "TilDatoTid": "2026-11-30T00:00:00Z"})),
        )
        .await;
    a.assert(StatusCode::OK, "0");
    let got: Vec<(&str, u64, &str, &str, &str)> = a
        .items()
        .iter()
        .map(|i| {
            (
                i["Startdato"].as_str().unwrap(),
                i["Sekvensnummer"].as_u64().unwrap(),
                i["Antal"].as_str().unwrap(),
                i["Afv_Timeloen"].as_str().unwrap(),
                i["Beloeb"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("2026-11-02T00:00:00Z", 0, "4.50", "0.00", "0.00"),
            ("2026-11-03T00:00:00Z", 0, "6.25", "215.40", "0.00"),
            ("2026-11-03T00:00:00Z", 1, "1.00", "240.00", "0.00"),
        ]
    );
    let first = &a.items()[0];
    assert_eq!(first["Loebenummer"], 4711);
    assert_eq!(first["Loenart"], "1100");
    assert_eq!(first["Indv_Bemaerkning_1"], "Vikartimer 5.B, dansk og matematik for s");
    assert_eq!(first["Indv_Bemaerkning_2"], "yg lærer");

    // A rate on a wage type that is not hours is refused (930), as are hours on a cancelled number (904,
    // naming its replacement — Medarbejderoplysninger says the same with StatusKode 102).
    let mut km = hours(date(2026, 11, 4), 0, "12", Some("3.51"));
    km["Loenart"] = "6666".into();
    let a = s.post("vikarsystem", UPDATE, &update("0340", 131, vec![km])).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(a.codes(), ["930"]);
    let out = laes(&s, "vikarsystem", "00000129", "0002").await;
    assert_eq!(laes_field(&out, "Persondata", "Fornavn").0, "102");
    let a = s
        .post(
            "vikarsystem",
            UPDATE,
            &update("0340", 129, vec![hours(date(2026, 11, 2), 0, "3", None)]),
        )
        .await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(
        a.messages(),
        [(
            "904".to_owned(),
            "Medarbejdernummer 00000129 er slettet; brug medarbejdernummer 00000130".to_owned()
        )]
    );
    // The employee who left in June 2025 cannot be paid for November 2026 (925).
    let a = s
        .post(
            "vikarsystem",
            UPDATE,
            &update("0340", 128, vec![hours(date(2026, 11, 2), 0, "3", None)]),
        )
        .await;
    assert_eq!(a.codes(), ["925"]);
}

#[tokio::test]
async fn grants_are_enforced() {
    let s = Server::start().await;
    let soroe = update("0340", 101, vec![canteen(date(2026, 11, 2), 0, "10.00")]);
    let mut aarhus = update("0751", 12345, vec![canteen(date(2026, 11, 2), 0, "10.00")]);
    aarhus["Header"]["ClientID"] = "751".into();
    let read_soroe = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": "00000101"}});

    // No grant at all, no engangsydelse grant, or not for this municipality: HTTP 403 with a JSON body.
    for (system, body) in [
        ("ingen-adgang", &soroe),
        ("rekruttering", &soroe),
        ("dagtilbud", &soroe),
        ("kantine", &aarhus),
        ("vikarsystem", &aarhus),
    ] {
        for operation in [UPDATE, READ] {
            let a = s.post(system, operation, body).await;
            a.assert(StatusCode::FORBIDDEN, "2");
            let messages = a.messages();
            assert_eq!(messages.len(), 1, "{system}: {}", a.body);
            assert_eq!(messages[0].0, "403", "{system}: {}", a.body);
            assert!(!messages[0].1.is_empty());
            assert_eq!(a.json["Meddelelse"][0]["Type"], "E");
        }
    }
    let a = s.post("ingen-adgang", READ, &read_soroe).await;
    a.assert(StatusCode::FORBIDDEN, "2");
    assert!(a.messages()[0].1.contains("har ikke adgang"), "{}", a.body);
    // Nothing of it was registered.
    s.read("kantine", 101, None).await.assert(StatusCode::OK, "1");

    // `loen` is granted both municipalities: Aarhus's 00012345, and Sorø's 101.
    let a = s.post("loen", UPDATE, &aarhus).await;
    a.assert(StatusCode::OK, "0");
    let a = s
        .post(
            "loen",
            READ,
            &json!({"Header": {"ClientID": "751"}, "Medarbejder": {"Personalenummer": "12345"}}),
        )
        .await;
    a.assert(StatusCode::OK, "0");
    assert_eq!(a.items().len(), 1);
    assert_eq!(a.items()[0]["Beloeb"], "10.00");
    s.post("loen", UPDATE, &soroe).await.assert(StatusCode::OK, "0");
    // 00012345 is Aarhus's: Sorø does not have it (904).
    let mut wrong = aarhus.clone();
    wrong["Header"]["ClientID"] = "0340".into();
    let a = s.post("loen", UPDATE, &wrong).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(
        a.messages(),
        [(
            "904".to_owned(),
            "Medarbejdernummer 00012345 findes ikke i kommune 0340".to_owned()
        )]
    );
    // An access refusal is counted.
    let (_, metrics) = s.admin.get_unauthenticated("/metrics").await;
    assert!(
        metrics
            .as_str()
            .unwrap()
            .contains("snitflade_access_denied_total{interface=\"engangsydelse\",reason=\"no_municipality_grant\"}"),
        "{metrics}"
    );
}

/// An update changes data: with a `read` grant it is refused with the service's JSON 403, naming the missing
/// level, and nothing is registered; the read works. With `read-write` the update goes through.
#[tokio::test]
async fn an_update_needs_a_read_write_grant() {
    let s = Server::start().await;
    let grant = |access: &str, valid_from: &str| {
        json!({"system": "ingen-adgang", "interface": "engangsydelse", "municipality": "0340",
               "access": access, "valid_from": valid_from})
    };
    let (status, made) = s.admin.post("/api/v1/grants", Some(grant("read", "2020-01-01"))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["access"], "read");
    let soroe = update("0340", 101, vec![canteen(date(2026, 11, 2), 0, "10.00")]);

    let a = s.post("ingen-adgang", UPDATE, &soroe).await;
    a.assert(StatusCode::FORBIDDEN, "2");
    let messages = a.messages();
    assert_eq!(messages.len(), 1, "{}", a.body);
    assert_eq!(messages[0].0, "403");
    assert!(
        messages[0].1.contains("kun læseadgang (read)")
            && messages[0].1.contains("'engangsydelse'")
            && messages[0].1.contains("kræver adgangsniveauet read-write"),
        "{}",
        a.body
    );
    s.read("ingen-adgang", 101, None).await.assert(StatusCode::OK, "1");
    s.read("kantine", 101, None).await.assert(StatusCode::OK, "1");

    let today = jiff::Zoned::now().date().to_string();
    let (status, made) = s.admin.post("/api/v1/grants", Some(grant("read-write", &today))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    s.post("ingen-adgang", UPDATE, &soroe).await.assert(StatusCode::OK, "0");
    let a = s.read("kantine", 101, None).await;
    a.assert(StatusCode::OK, "0");
    assert_eq!(a.items().len(), 1);
}

#[tokio::test]
async fn the_documented_codes_over_the_wire() {
    let s = Server::start().await;
    let day = date(2026, 11, 2);
    let one = |employee: u32, change: Value| {
        let mut item = canteen(day, 0, "25.00");
        for (k, v) in change.as_object().unwrap() {
            item[k] = v.clone();
        }
        update("0340", employee, vec![item])
    };
    let cases = [
        (
            one(101, json!({"Afv_Omkostningssted": "9999999999"})),
            "119",
            "Engangsydelse Nr. 001: Angiv gyldigt omkostningssted",
        ),
        (
            one(127, json!({})),
            "138",
            "Engangsydelse Nr. 001: Medarbejderen er låst",
        ),
        (
            one(101, json!({"Afv_PSP_Element": "XG-0000000009-00001"})),
            "151",
            "Engangsydelse Nr. 001: PSP element XG-0000000009-00001 er ikke gyldigt",
        ),
        (
            one(
                101,
                json!({"Afv_Omkostningssted": "1000000001", "Afv_PSP_Element": "XG-0000000001-00001"}),
            ),
            "167",
            "Engangsydelse Nr. 001: Der kan ikke angives både afvigende omkostningssted og afvigende PSP element",
        ),
    ];
    for (body, code, text) in &cases {
        let a = s.post("kantine", UPDATE, body).await;
        a.assert(StatusCode::OK, "2");
        assert_eq!(a.messages(), [(code.to_string(), text.to_string())]);
        assert_eq!(a.json["Meddelelse"][0]["Type"], "E");
    }
    // All or nothing: one bad item among good ones refuses the request, numbered by its position.
    let mut mixed = update("0340", 101, (0..5).map(|i| canteen(day, i, "25.00")).collect());
    mixed["Engangsydelser"][3]["Afv_PSP_Element"] = "XG-0000000009-00001".into();
    let a = s.post("kantine", UPDATE, &mixed).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(
        a.messages(),
        [(
            "151".to_owned(),
            "Engangsydelse Nr. 004: PSP element XG-0000000009-00001 er ikke gyldigt".to_owned()
        )]
    );
    // The valid booking on the cost centre and on the PSP element are accepted.
    let a = s
        .post(
            "kantine",
            UPDATE,
            &one(101, json!({"Afv_Omkostningssted": "1000000001"})),
        )
        .await;
    a.assert(StatusCode::OK, "0");
    let a = s
        .post(
            "kantine",
            UPDATE,
            &one(
                101,
                json!({"Afv_PSP_Element": "XG-0000000001-00001", "Sekvensnummer": 1}),
            ),
        )
        .await;
    a.assert(StatusCode::OK, "0");
    let read = s.read("kantine", 101, None).await;
    let got: Vec<(&Value, &Value)> = read
        .items()
        .iter()
        .map(|i| (&i["Afv_Omkostningssted"], &i["Afv_PSP_Element"]))
        .collect();
    assert_eq!(
        got,
        [
            (&json!("1000000001"), &json!("")),
            (&json!(""), &json!("XG-0000000001-00001"))
        ]
    );

    // 1000 items: HTTP 400, code 905, nothing registered.
    let many: Vec<Value> = (0..1000u32)
        .map(|i| canteen(date(2026, 12, 1 + (i / 999) as i8), i % 999, "1.00"))
        .collect();
    let a = s.post("kantine", UPDATE, &update("0340", 102, many)).await;
    a.assert(StatusCode::BAD_REQUEST, "2");
    assert_eq!(
        a.messages(),
        [(
            "905".to_owned(),
            "Højst 999 engangsydelser pr. kald (modtaget 1000)".to_owned()
        )]
    );
    s.read("kantine", 102, None).await.assert(StatusCode::OK, "1");
    // 999 are accepted.
    let most: Vec<Value> = (0..999u32).map(|i| canteen(date(2026, 12, 1), i, "1.00")).collect();
    s.post("kantine", UPDATE, &update("0340", 102, most))
        .await
        .assert(StatusCode::OK, "0");
    assert_eq!(s.read("kantine", 102, None).await.items().len(), 999);

    // Malformed JSON: HTTP 400, code 900, on both operations.
    for operation in [UPDATE, READ] {
        for body in ["{\"Header\": {", "", "[1, 2]", "<xml/>"] {
            let a = s.post_raw("kantine", operation, body).await;
            a.assert(StatusCode::BAD_REQUEST, "2");
            assert_eq!(a.codes(), ["900"], "{body:?}");
        }
    }
    // The other request codes.
    let good = one(101, json!({"Sekvensnummer": 7}));
    let mutate = |f: &dyn Fn(&mut Value)| {
        let mut b = good.clone();
        f(&mut b);
        b
    };
    let requests = [
        (
            mutate(&|b| {
                b.as_object_mut().unwrap().remove("Header");
            }),
            400,
            "901",
        ),
        (mutate(&|b| b["Header"]["OpdateringsID"] = "abc".into()), 400, "902"),
        (mutate(&|b| b["Medarbejder"] = json!({"Navn": "x"})), 400, "903"),
        (mutate(&|b| b["Engangsydelser"] = json!([])), 400, "905"),
        (mutate(&|b| b["Header"]["Kun_Valider"] = "true".into()), 400, "906"),
        (
            mutate(&|b| b["Medarbejder"]["Medarbejdernummer"] = "77736333".into()),
            200,
            "904",
        ),
    ];
    for (body, status, code) in &requests {
        let a = s.post("kantine", UPDATE, body).await;
        a.assert(StatusCode::from_u16(*status).unwrap(), "2");
        assert_eq!(a.codes(), [code.to_string()], "{body}");
    }
    let a = s.read("kantine", 77736333, None).await;
    a.assert(StatusCode::OK, "1");
    assert_eq!(
        a.messages(),
        [(
            "904".to_owned(),
            "Medarbejdernummer 77736333 findes ikke i kommune 0340".to_owned()
        )]
    );
    let a = s.read("kantine", 101, Some(json!({"FraDatoTid": "i går"}))).await;
    a.assert(StatusCode::BAD_REQUEST, "2");
    assert_eq!(a.codes(), ["908"]);

    // A body over the limit (1 MiB by default): HTTP 413 with a JSON answer.
    let big = format!(
        "{{\"Header\":{{\"ClientID\":\"0340\"}},\"x\":\"{}\"}}",
        "a".repeat(1_100_000)
    );
    let a = s.post_raw("kantine", UPDATE, big).await;
    a.assert(StatusCode::PAYLOAD_TOO_LARGE, "2");
    assert_eq!(a.codes(), ["900"]);
    s.assert_healthy().await;
}

#[tokio::test]
async fn locks_and_the_payroll_catalogue_through_the_admin_api() {
    let s = Server::start().await;
    let locks = s.admin.list("/api/v1/municipalities/0340/employee-locks").await;
    assert!(locks.iter().any(|l| l.to_string().contains("00000127")), "{locks:?}");
    let item = |seq: u32| update("0340", 110, vec![canteen(date(2026, 11, 2), seq, "30.00")]);

    // Locking 110 gives 138; lifting the lock lets the same request through.
    let (status, body) = s
        .admin
        .put(
            "/api/v1/municipalities/0340/employee-locks/00000110",
            json!({"reason": "Efterregulering"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let a = s.post("kantine", UPDATE, &item(0)).await;
    a.assert(StatusCode::OK, "2");
    assert_eq!(a.codes(), ["138"]);
    let lock = "/api/v1/municipalities/0340/employee-locks/00000110";
    let (status, body) = s.admin.delete(lock).await;
    assert_eq!(
        (status, body),
        (StatusCode::OK, json!({"pernr": "00000110", "locked": false}))
    );
    let (status, _) = s.admin.delete(lock).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no lock to lift");
    s.post("kantine", UPDATE, &item(0)).await.assert(StatusCode::OK, "0");
    // An unknown employee cannot be locked.
    let (status, _) = s
        .admin
        .put(
            "/api/v1/municipalities/0340/employee-locks/77736333",
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The catalogue: 6001, 1100, 6666, cost centre 1000000001, PSP XG-0000000001-00001.
    let mut catalogue = s.admin.get_ok("/api/v1/municipalities/0340/payroll-catalogue").await;
    let codes: Vec<&str> = catalogue["wage_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert!(["6001", "1100", "6666"].iter().all(|c| codes.contains(c)), "{codes:?}");
    assert!(catalogue["cost_centres"].to_string().contains("1000000001"));
    assert!(catalogue["psp_elements"].to_string().contains("XG-0000000001-00001"));
    // A new cost centre makes 119 go away for it.
    let mut booked = item(1);
    booked["Engangsydelser"][0]["Afv_Omkostningssted"] = "3000000001".into();
    assert_eq!(s.post("kantine", UPDATE, &booked).await.codes(), ["119"]);
    catalogue["cost_centres"]
        .as_array_mut()
        .unwrap()
        .push("3000000001".into());
    let (status, body) = s
        .admin
        .put("/api/v1/municipalities/0340/payroll-catalogue", catalogue.clone())
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s.post("kantine", UPDATE, &booked).await.assert(StatusCode::OK, "0");
    // An invalid catalogue is refused whole.
    catalogue["cost_centres"].as_array_mut().unwrap().push("12".into());
    let (status, _) = s
        .admin
        .put("/api/v1/municipalities/0340/payroll-catalogue", catalogue)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Only POST: anything else is a 405 with a JSON answer.
    let response = s.client("kantine").get(s.lpe_url(UPDATE)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[reqwest::header::ALLOW], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["Meddelelse"][0]["Kode"], "900");

    // The OpenAPI document describes these endpoints.
    let doc = s.admin.get_ok("/api/v1/openapi.json").await;
    for (path, methods) in [
        ("/api/v1/municipalities/{code}/payroll-catalogue", &["get", "put"][..]),
        ("/api/v1/municipalities/{code}/employee-locks", &["get"][..]),
        (
            "/api/v1/municipalities/{code}/employee-locks/{pernr}",
            &["put", "delete"][..],
        ),
    ] {
        for m in methods {
            assert!(doc["paths"][path][m].is_object(), "{m} {path} not documented");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_resends_and_collisions_register_once() {
    let s = Server::start().await;
    let items: Vec<Value> = (0..50).map(|i| canteen(date(2026, 11, 2), i, "12.50")).collect();
    let mut body = update("0340", 111, items);
    body["Header"]["OpdateringsID"] = update_id(0xC0C0, 111).into();
    // Eight clients send the same request at once: one registers, all get that answer.
    let answers = post_concurrently(&s, vec![body; 8]).await;
    for a in &answers {
        a.assert(StatusCode::OK, "0");
        assert_eq!(a.body, answers[0].body);
    }
    assert_eq!(s.read("kantine", 111, None).await.items().len(), 50);
    // Eight requests with the same keys but their own ids: one registers, the others get 928.
    let bodies: Vec<Value> = (0..8u64)
        .map(|i| {
            let items = (0..50).map(|k| canteen(date(2026, 11, 3), k, "12.50")).collect();
            let mut b = update("0340", 111, items);
            b["Header"]["OpdateringsID"] = update_id(0xC1C1, i).into();
            b
        })
        .collect();
    let answers = post_concurrently(&s, bodies).await;
    let statuses: Vec<&str> = answers.iter().map(Answer::header_status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == "0").count(), 1, "{statuses:?}");
    for a in answers.iter().filter(|a| a.header_status() == "2") {
        assert_eq!(a.codes(), vec!["928".to_owned(); 50], "{}", a.body);
    }
    assert_eq!(s.read("kantine", 111, None).await.items().len(), 100);
}

/// Posts the bodies to `/lpe/update-onetime-payments` as `kantine`, all at once (one task each).
async fn post_concurrently(s: &Server, bodies: Vec<Value>) -> Vec<Answer> {
    let client = s.client("kantine");
    let url = s.lpe_url(UPDATE);
    let tasks: Vec<_> = bodies
        .into_iter()
        .map(|b| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let response = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.to_string())
                    .send()
                    .await
                    .expect("POST");
                let reply = read_reply(response).await;
                Answer {
                    status: reply.status,
                    content_type: reply.content_type,
                    json: serde_json::from_str(&reply.body).expect("JSON"),
                    body: reply.body,
                }
            })
        })
        .collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("the task"));
    }
    answers
}

/// Issue 16, item 8, from outside: a key the service does not know refuses the whole request (HTTP 400, 909 naming
/// the key and its path) and registers nothing — before, a misspelt `Beloebb` was dropped and the rest registered,
/// and a `Kun_Valider` beside `Header` registered a real payment instead of only validating. `null` counts as absent.
#[tokio::test]
async fn unknown_keys_register_nothing_and_null_is_absent() {
    let s = Server::start().await;
    let day = date(2026, 11, 9);
    let nothing_on = |answer: &Answer| {
        answer.assert(StatusCode::OK, "1");
        assert!(answer.items().is_empty(), "{}", answer.body);
    };

    // Hours with a stray `Beloebb`.
    let hours = json!({"Startdato": instant(day), "Loenart": "1100", "Loebenummer": 4711, "Antal": "6.25",
                       "Beloebb": "1000.00"});
    let a = s.post("vikarsystem", UPDATE, &update("0340", 131, vec![hours])).await;
    a.assert(StatusCode::BAD_REQUEST, "2");
    assert_eq!(
        a.messages(),
        [(
            "909".to_owned(),
            "Ukendt felt \"Beloebb\" (Engangsydelser[0].Beloebb); intet er gemt".to_owned()
        )]
    );
    let filter = json!({"FraDatoTid": instant(day), "TilDatoTid": instant(day)});
    let read = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": "00000131"},
                      "VirkningFilter": filter});
    nothing_on(&s.post("vikarsystem", READ, &read).await);

    // A validation whose `Kun_Valider` is beside `Header` instead of in it.
    let mut validate = update("0340", 101, vec![canteen(day, 0, "45.50")]);
    validate["Kun_Valider"] = "1".into();
    let a = s.post("kantine", UPDATE, &validate).await;
    a.assert(StatusCode::BAD_REQUEST, "2");
    assert_eq!(
        a.messages(),
        [(
            "909".to_owned(),
            "Ukendt felt \"Kun_Valider\" (Kun_Valider); det hører til i Header; intet er gemt".to_owned()
        )]
    );
    nothing_on(&s.read("kantine", 101, Some(filter.clone())).await);

    // An unknown key in a read is refused too (the read would otherwise ignore a misspelt period).
    let mut misspelt = read.clone();
    misspelt["VirkningFilter"] = json!({"FraDato": instant(day)});
    let a = s.post("vikarsystem", READ, &misspelt).await;
    a.assert(StatusCode::BAD_REQUEST, "2");
    assert_eq!(a.codes(), ["909"]);
    assert!(a.messages()[0].1.contains("VirkningFilter.FraDato"), "{}", a.body);

    // `null` is absent: no `OpdateringsID`, not only validating, no cost centre.
    let mut item = canteen(day, 0, "45.50");
    item["Afv_Omkostningssted"] = Value::Null;
    item["Sekvensnummer"] = Value::Null;
    let body = json!({"Header": {"ClientID": "340", "OpdateringsID": null, "Kun_Valider": null},
                      "Medarbejder": {"Medarbejdernummer": "00000101", "Personalenummer": null},
                      "Engangsydelser": [item]});
    let a = s.post("kantine", UPDATE, &body).await;
    a.assert(StatusCode::OK, "0");
    let items = s.read("kantine", 101, Some(filter)).await;
    assert_eq!(items.items().len(), 1, "{}", items.body);
    assert_eq!(items.items()[0]["Beloeb"], "45.50");
    assert_eq!(items.items()[0]["Afv_Omkostningssted"], "");
}
