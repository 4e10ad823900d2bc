//! Medarbejderoplysninger in process (no HTTP or TLS), on a small fixture of its own: Laes, List and Ret through
//! `Services::handle` exactly as the server calls it — employee references in every spelling, ranges and
//! exclusions, categories and time filters, StatusKode 1/100/101/102/103, the manager relation, Ret's create /
//! change / delete with its all-or-nothing rule, the audit trail and the outbox event.

mod common;

use common::{grant, system};
use jiff::civil::{Date, date};
use snitflade_domain::hr::{Category, CategoryRecord, Employment, EmploymentStatus, OPEN_END, OrgUnit};
use snitflade_domain::{Cpr, InterfaceId, Kommunekode, Pernr};
use snitflade_services::{Services, ServicesConfig, SoapReply, find_service};
use snitflade_soap::{Element, Limits, parse_envelope};
use snitflade_store::hr;
use tempfile::TempDir;

const MD: &str = "urn:oio:medarbejder:1.0.0";
const SD: &str = "urn:oio:sagdok:3.0.0";

fn k(s: &str) -> Kommunekode {
    Kommunekode::parse(s).unwrap()
}

fn p(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).unwrap()
}

/// Sorø (0340): units 1 ⊃ 2 ⊃ 3; 101 manages 1, 102 manages 2; 103, 104 in 2; 105 and 108 in 3; 106 has left;
/// 107 is cancelled and replaced by 108; 110–129 in 3 (for the limits). Aarhus (0751): 201.
fn employees() -> Vec<(Employment, bool)> {
    let e = |m: &str, n: u32, unit: &str, first: &str, manager: bool, status: EmploymentStatus| Employment {
        municipality: k(m),
        pernr: p(n),
        cpr: Cpr::parse("0101901234").unwrap(),
        ekstraciffer: 0,
        first_name: first.into(),
        last_name: "Hansen".into(),
        org_unit: Some(unit.into()),
        entry_date: Some(date(2015, 8, 1)),
        leave_date: (status == EmploymentStatus::Left).then_some(date(2025, 12, 31)),
        is_manager: manager,
        status,
        replaced_by: (n == 107).then(|| p(108)),
    };
    use EmploymentStatus::*;
    let mut all = vec![
        (e("0340", 101, "1", "Direktør", true, Active), true),
        (e("0340", 102, "2", "Leder", true, Active), true),
        (e("0340", 103, "2", "Anna", false, Active), true),
        (e("0340", 104, "2", "Bo", false, Active), true),
        (e("0340", 105, "3", "Cecilie", false, Active), true),
        (e("0340", 106, "2", "Dan", false, Left), true),
        (e("0340", 107, "3", "Eva", false, Deleted), false),
        (e("0340", 108, "3", "Eva", false, Active), true),
        (e("0751", 201, "9", "Frede", false, Active), true),
    ];
    for n in 110..130 {
        all.push((e("0340", n, "3", "Ansat", false, Active), true));
    }
    all
}

fn records(n: u32) -> Vec<CategoryRecord> {
    let r = |c, from: Date, to: Date, values: Vec<(&str, String)>| CategoryRecord::new(c, from, to, values).unwrap();
    let communication = |art: &str, id: String| {
        let values = vec![
            ("Sekvensnummer", "000".into()),
            ("Kommunikationsart", art.into()),
            ("KommunikationsID", id),
        ];
        r(Category::Kommunikation, date(2020, 1, 1), OPEN_END, values)
    };
    let tax = |from: Date, to: Date, rate: &str| r(Category::Skattedata, from, to, vec![("Traekprocent", rate.into())]);
    vec![
        r(
            Category::Persondata,
            date(2015, 8, 1),
            OPEN_END,
            vec![("Fornavn", format!("F{n}")), ("Efternavn", "Hansen".into())],
        ),
        communication("0010", format!("m{n}@soroe.dk")),
        communication("0020", format!("57870{n:03}")),
        tax(date(2024, 1, 1), date(2024, 12, 31), "37"),
        tax(date(2025, 1, 1), OPEN_END, "38"),
    ]
}

async fn services_with(config: ServicesConfig) -> (TempDir, Services) {
    let municipalities = [
        ("0340", "Sorø Kommune", "29189730"),
        ("0751", "Aarhus Kommune", "55133018"),
    ];
    let (dir, store) = common::store(&municipalities, &["a", "b", "c"]).await;
    store
        .write(|c| {
            Box::pin(async move {
                for (id, parent) in [("1", None), ("2", Some("1")), ("3", Some("2")), ("9", None)] {
                    let unit = OrgUnit {
                        id: id.into(),
                        parent: parent.map(Into::into),
                        short_name: format!("U{id}"),
                        long_name: format!("Enhed {id}"),
                        valid_from: date(2000, 1, 1),
                        valid_to: OPEN_END,
                        street: None,
                        zip_code: None,
                        city: None,
                        phone: None,
                        cost_center: None,
                    };
                    let m = if id == "9" { k("0751") } else { k("0340") };
                    hr::upsert_org_unit(c, m, &unit, None).await?;
                }
                for (e, with_records) in employees() {
                    hr::upsert_employment(c, &e, None).await?;
                    if with_records {
                        for r in records(e.pernr.number()) {
                            hr::insert_record(c, e.municipality, e.pernr, &r, "fixture", "2024-01-01T00:00:00.000000Z")
                                .await?;
                        }
                    }
                }
                Ok(())
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("a", InterfaceId::Medarbejderoplysninger, "0340"),
        grant("b", InterfaceId::Medarbejderoplysninger, "0340"),
        grant("b", InterfaceId::Medarbejderoplysninger, "0751"),
        grant("c", InterfaceId::Maskintimer, "0340"),
    ];
    (dir, common::services(store, grants, config))
}

async fn services() -> (TempDir, Services) {
    services_with(ServicesConfig::default()).await
}

fn envelope(root: &str, body: &str) -> String {
    format!(
        "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/'><s:Body>\
         <m:{root} xmlns:m='{MD}' xmlns:sd='{SD}'>{body}</m:{root}></s:Body></s:Envelope>"
    )
}

fn employee_ref(urn: &str) -> String {
    format!(
        "<sd:MedarbejderRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>{urn}</sd:URNIdentifikator></sd:MedarbejderRef>"
    )
}

fn receiver(urn: &str) -> String {
    format!("<sd:ModtagerRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>{urn}</sd:URNIdentifikator></sd:ModtagerRef>")
}

fn filter(name: &str, stamp: &str, inclusive: bool) -> String {
    format!(
        "<sd:{name}><sd:TidsstempelDatoTid>{stamp}</sd:TidsstempelDatoTid><sd:GraenseIndikator>{inclusive}\
         </sd:GraenseIndikator></sd:{name}>"
    )
}

async fn call(s: &Services, who: &str, root: &str, body: &str) -> SoapReply {
    let def = find_service("Employee_Provide_Out").unwrap();
    s.handle(def, &system(who), None, envelope(root, body).as_bytes()).await
}

/// What system `a` is answered for `body` in the operation `root`.
async fn ask(s: &Services, root: &str, body: &str) -> Answer {
    answer(&call(s, "a", root, body).await)
}

/// An answer's payload, with its StatusKode and FejlbeskedTekst.
struct Answer {
    payload: Element,
    status: i64,
    text: String,
}

fn answer(reply: &SoapReply) -> Answer {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let env = parse_envelope(reply.body.as_bytes(), &Limits::default()).unwrap();
    let payload = env.payload;
    assert_eq!(payload.ns.as_deref(), Some(MD), "{}", reply.body);
    let retur = &payload.children[0];
    assert!(retur.is(Some(SD), "StandardRetur"), "{}", reply.body);
    let status = retur.child_ns(Some(SD), "StatusKode").unwrap().text.parse().unwrap();
    let text = retur
        .child_ns(Some(SD), "FejlbeskedTekst")
        .map(|t| t.text.clone())
        .unwrap_or_default();
    Answer { payload, status, text }
}

impl Answer {
    fn results(&self) -> Vec<&Element> {
        self.payload
            .children
            .iter()
            .filter(|c| c.is(Some(MD), "LaesResultat"))
            .collect()
    }

    fn numbers(&self) -> Vec<u32> {
        self.results()
            .iter()
            .map(|r| {
                let urn = &r
                    .child_ns(Some(SD), "MedarbejderRef")
                    .unwrap()
                    .child_ns(Some(SD), "URNIdentifikator")
                    .unwrap()
                    .text;
                urn.strip_prefix("URN:OIO:KMD:LPE:MEDARBEJDERNR:")
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    }
}

fn path<'e>(e: &'e Element, names: &[&str]) -> &'e Element {
    names.iter().fold(e, |e, n| {
        e.child_ns(Some(MD), n)
            .unwrap_or_else(|| panic!("no {n} in {}", e.name))
    })
}

fn egenskaber(result: &Element) -> &Element {
    path(result, &["Registrering", "AttributListe", "Egenskaber"])
}

/// `(element, Gyldighedsstart, field values…)` of each record.
fn records_of(result: &Element) -> Vec<(String, Vec<String>)> {
    egenskaber(result)
        .children
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                r.children.iter().map(|f| format!("{}={}", f.name, f.text)).collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn laes_reads_one_employee_in_schema_order_with_managers() {
    let (_dir, s) = services().await;
    let a = ask(&s, "LaesInput", &employee_ref("urn:oio:kmd:lpe:medarbejder:105")).await;
    assert_eq!((a.status, a.text.as_str()), (0, ""));
    assert_eq!(a.numbers(), [105]);
    let result = a.results()[0];
    let uuid = &result.child_ns(Some(SD), "MedarbejderRef").unwrap().children[0];
    assert!(uuid.is(Some(SD), "UUIDIdentifikator") && uuid.text.len() == 36);
    let recs = records_of(result);
    let order: Vec<&str> = recs.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        order,
        [
            "Persondata",
            "Kommunikation",
            "Kommunikation",
            "Skattedata",
            "Skattedata"
        ]
    );
    assert_eq!(
        recs[1].1,
        [
            "Gyldighedsstart=2020-01-01",
            "Gyldighedsstop=9999-12-31",
            "Sekvensnummer=000",
            "Kommunikationsart=0010",
            "KommunikationsID=m105@soroe.dk"
        ]
    );
    // Unit 3 has no manager: the nearest ancestor's (unit 2: 102).
    let leaders: Vec<&Element> = path(result, &["Registrering", "RelationListe"])
        .children
        .iter()
        .collect();
    assert_eq!(leaders.len(), 1);
    assert_eq!(
        leaders[0]
            .child_ns(Some(SD), "MedarbejderRef")
            .unwrap()
            .child_ns(Some(SD), "URNIdentifikator")
            .unwrap()
            .text,
        "URN:OIO:KMD:LPE:MEDARBEJDERNR:00000102"
    );
    assert_eq!(
        leaders[0].child_ns(Some(MD), "SammensatNavnOverordnet").unwrap().text,
        "Leder Hansen"
    );
    // The manager's own manager is the parent unit's.
    let a = ask(&s, "LaesInput", &employee_ref("urn:oio:kmd:lpe:medarbejder:102")).await;
    let rel = path(a.results()[0], &["Registrering", "RelationListe"]);
    assert!(
        rel.children[0].child_ns(Some(SD), "MedarbejderRef").unwrap().children[1]
            .text
            .ends_with("00000101")
    );

    // Every URN spelling, case-insensitive, and an empty UUID or none.
    for urn in [
        "urn:oio:kmd:lpe:medarbejdernummer:00000105",
        "URN:OIO:KMD:LPE:MEDARBEJDERNR:00000105",
        "Urn:Oio:Kmd:Lpe:Medarbejder:105",
    ] {
        let a = ask(&s, "LaesInput", &employee_ref(urn)).await;
        assert_eq!((a.status, a.numbers()), (0, vec![105]), "{urn}");
    }
    let without_uuid = "<sd:MedarbejderRef><sd:URNIdentifikator>urn:oio:kmd:lpe:medarbejder:105</sd:URNIdentifikator></sd:MedarbejderRef>";
    let a = ask(&s, "LaesInput", without_uuid).await;
    assert_eq!(a.status, 0);
    // A left employment is still read.
    let a = ask(&s, "LaesInput", &employee_ref("urn:oio:kmd:lpe:medarbejder:106")).await;
    assert_eq!(a.numbers(), [106]);
}

#[tokio::test]
async fn laes_status_codes() {
    let (_dir, s) = services().await;
    let laes = |body: String| {
        let s = s.clone();
        async move { ask(&s, "LaesInput", &body).await }
    };
    let a = laes(employee_ref("urn:oio:kmd:lpe:medarbejder:77736333")).await;
    assert_eq!(a.status, 1, "{}", a.text);
    assert!(a.text.starts_with("Data ikke fundet"));
    assert!(a.results().is_empty());
    // In another municipality than the one asked for: not found there.
    let a = laes(employee_ref("urn:oio:kmd:lpe:medarbejder:201")).await;
    assert_eq!(a.status, 1);
    let a = laes(employee_ref("urn:oio:kmd:lpe:medarbejder:107")).await;
    assert_eq!(a.status, 102);
    assert!(a.text.contains("00000107") && a.text.contains("00000108"), "{}", a.text);
    assert!(a.results().is_empty());
    for (body, want) in [
        (employee_ref("urn:oio:kmd:lpe:medarbejder:12x"), "12x"),
        (employee_ref("urn:oio:kmd:lpe:medarbejder:123456789"), "123456789"),
        (employee_ref("urn:oio:kmd:lpe:person:105"), "person"),
        (employee_ref("urn:oio:kmd:lpe:medarbejder:10-20"), "10-20"),
        (String::new(), "MedarbejderRef skal angives"),
        (
            employee_ref("urn:oio:kmd:lpe:medarbejder:105") + "<m:Datakategori>0003</m:Datakategori>",
            "Ukendt Datakategori '0003'",
        ),
        (
            employee_ref("urn:oio:kmd:lpe:medarbejder:105") + &filter("VirkningFraFilter", "i går", true),
            "VirkningFraFilter",
        ),
    ] {
        let a = laes(body.clone()).await;
        assert_eq!(a.status, 100, "{body}: {}", a.text);
        assert!(a.text.contains(want), "{body}: {}", a.text);
    }
    // A hostile value is echoed bounded.
    let a = laes(employee_ref(&format!(
        "urn:oio:kmd:lpe:medarbejder:{}",
        "x".repeat(10_000)
    )))
    .await;
    assert_eq!(a.status, 100);
    assert!(a.text.len() < 300);
}

#[tokio::test]
async fn categories_and_time_filters() {
    let (_dir, s) = services().await;
    let me = employee_ref("urn:oio:kmd:lpe:medarbejder:103");
    let names = |a: &Answer| {
        records_of(a.results()[0])
            .into_iter()
            .map(|(n, v)| format!("{n} {}", v[0]))
            .collect::<Vec<_>>()
    };

    let a = ask(
        &s,
        "LaesInput",
        &format!("{me}<m:Datakategori>0765</m:Datakategori><m:Datakategori>105</m:Datakategori>"),
    )
    .await;
    assert_eq!(
        names(&a),
        [
            "Kommunikation Gyldighedsstart=2020-01-01",
            "Kommunikation Gyldighedsstart=2020-01-01",
            "Skattedata Gyldighedsstart=2024-01-01",
            "Skattedata Gyldighedsstart=2025-01-01"
        ]
    );
    let tax = "<m:Datakategori>0765</m:Datakategori>";
    let with = |f: String| format!("{me}{f}{tax}");
    let (y2024, y2025) = (
        "Skattedata Gyldighedsstart=2024-01-01",
        "Skattedata Gyldighedsstart=2025-01-01",
    );
    for (name, stamp, inclusive, want) in [
        // From the last day of 2024, inclusive: both; exclusive: only 2025's.
        ("VirkningFraFilter", "2024-12-31T00:00:00", true, vec![y2024, y2025]),
        ("VirkningFraFilter", "2024-12-31T00:00:00", false, vec![y2025]),
        // Up to 1 January 2025, inclusive: both; exclusive: only 2024's.
        ("VirkningTilFilter", "2025-01-01T00:00:00Z", true, vec![y2024, y2025]),
        ("VirkningTilFilter", "2025-01-01T00:00:00", false, vec![y2024]),
        // A registration filter before anything was registered: nothing.
        ("RegistreringTilFilter", "2023-01-01T00:00:00Z", true, vec![]),
    ] {
        let a = ask(&s, "LaesInput", &with(filter(name, stamp, inclusive))).await;
        assert_eq!(a.status, 0, "{name} {stamp} {inclusive}: {}", a.text);
        assert_eq!(names(&a), want, "{name} {stamp} {inclusive}");
    }
}

#[tokio::test]
async fn list_with_ranges_exclusions_and_limits() {
    let (_dir, s) = services().await;
    let list = |refs: &[&str]| {
        let body: String = refs
            .iter()
            .map(|r| employee_ref(&format!("urn:oio:kmd:lpe:medarbejder:{r}")))
            .collect();
        let s = s.clone();
        async move { ask(&s, "ListInput", &(body + "<m:Datakategori>0002</m:Datakategori>")).await }
    };
    // The cancelled 107 is left out; the left 106 is not.
    let a = list(&["101-108"]).await;
    assert_eq!((a.status, a.numbers()), (0, vec![101, 102, 103, 104, 105, 106, 108]));
    let a = list(&["101-120", "!103-105", "!110", "129"]).await;
    let want: Vec<u32> = [101, 102, 106, 108].into_iter().chain(111..=120).chain([129]).collect();
    assert_eq!(a.numbers(), want);
    // Only exclusions: everyone in the municipality (not Aarhus' 201) but those.
    let a = list(&["!110-129"]).await;
    assert_eq!(a.numbers(), [101, 102, 103, 104, 105, 106, 108]);
    assert_eq!(ask(&s, "ListInput", "").await.numbers().len(), 27);
    // Nothing matched: 1. One cancelled number: as Laes, 102.
    let a = list(&["300-400"]).await;
    assert_eq!((a.status, a.results().len()), (1, 0));
    let a = list(&["107"]).await;
    assert_eq!(a.status, 102);
    assert!(a.text.contains("00000108"));
    // Malformed: 100 naming the value.
    for bad in ["20-10", "!x", "1-2-3"] {
        let a = list(&["101", bad]).await;
        assert_eq!(a.status, 100, "{bad}");
        assert!(a.text.contains(bad), "{}", a.text);
    }

    // More employees than employee_list_max: the first ones with 103, naming the last number; continuing
    // from the next number gets the rest.
    let (_dir, s) = services_with(ServicesConfig {
        employee_list_max: 10,
        ..Default::default()
    })
    .await;
    let a = ask(&s, "ListInput", "").await;
    assert_eq!(a.status, 103, "{}", a.text);
    assert_eq!(a.numbers(), [101, 102, 103, 104, 105, 106, 108, 110, 111, 112]);
    assert!(a.text.contains("00000112"), "{}", a.text);
    let a = ask(
        &s,
        "ListInput",
        &employee_ref("urn:oio:kmd:lpe:medarbejder:113-99999999"),
    )
    .await;
    assert_eq!((a.status, a.numbers().len()), (103, 10));
    let a = ask(
        &s,
        "ListInput",
        &employee_ref("urn:oio:kmd:lpe:medarbejder:123-99999999"),
    )
    .await;
    assert_eq!((a.status, a.numbers()), (0, (123..130).collect::<Vec<_>>()));

    // Past the time budget: what was processed so far (at least one employee), 103.
    let (_dir, s) = services_with(ServicesConfig {
        employee_list_budget_ms: 0,
        ..Default::default()
    })
    .await;
    let a = ask(&s, "ListInput", "").await;
    assert_eq!((a.status, a.numbers()), (103, vec![101]), "{}", a.text);
    assert!(
        a.text.contains("Tidsgrænsen") && a.text.contains("00000101"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn municipality_from_modtager_ref_and_the_grant() {
    let (_dir, s) = services().await;
    let aarhus = receiver("urn:oio:kmd:lpe:modtager:751") + &employee_ref("urn:oio:kmd:lpe:medarbejder:201");
    // `a` has only 0340: 403 with a Client fault.
    let r = call(&s, "a", "LaesInput", &aarhus).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("0751"), "{}", r.body);
    // `b` has both: ModtagerRef picks; without it, several grants are ambiguous.
    let a = answer(&call(&s, "b", "LaesInput", &aarhus).await);
    assert_eq!((a.status, a.numbers()), (0, vec![201]));
    let r = call(&s, "b", "LaesInput", &employee_ref("urn:oio:kmd:lpe:medarbejder:201")).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains("kommune="), "{}", r.body);
    let def = find_service("Employee_Provide_Out").unwrap();
    let r = s
        .handle(
            def,
            &system("b"),
            Some(k("0751")),
            envelope("LaesInput", &employee_ref("urn:oio:kmd:lpe:medarbejder:201")).as_bytes(),
        )
        .await;
    assert_eq!(answer(&r).numbers(), [201]);
    // `a` with its own municipality named explicitly.
    let a = ask(
        &s,
        "LaesInput",
        &(receiver("URN:OIO:KMD:LPE:MODTAGER:0340") + &employee_ref("urn:oio:kmd:lpe:medarbejder:101")),
    )
    .await;
    assert_eq!(a.status, 0);
    // A malformed ModtagerRef: a Client fault.
    let r = call(&s, "a", "LaesInput", &receiver("urn:oio:kmd:lpe:kommune:340")).await;
    assert_eq!(r.status, 500);
    assert!(
        r.body.contains("SOAP:Client") && r.body.contains("ModtagerRef"),
        "{}",
        r.body
    );
    // No grant for the interface at all.
    assert_eq!(call(&s, "c", "ListInput", "").await.status, 403);
    // Structure errors are Client faults.
    let r = call(&s, "a", "ListInput", "<m:Ukendt/>").await;
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Ukendt element"), "{}", r.body);
}

fn kommunikation(fields: &[(&str, &str)]) -> String {
    let inner: String = fields.iter().map(|(n, v)| format!("<m:{n}>{v}</m:{n}>")).collect();
    format!("<m:Kommunikation>{inner}</m:Kommunikation>")
}

fn ret_body(pernr: u32, items: &[String]) -> String {
    format!(
        "{}<m:AttributListe><m:Egenskaber>{}</m:Egenskaber></m:AttributListe>",
        employee_ref(&format!("urn:oio:kmd:lpe:medarbejder:{pernr}")),
        items.concat()
    )
}

async fn communication(s: &Services, pernr: u32) -> Vec<Vec<String>> {
    let a = ask(
        s,
        "LaesInput",
        &format!(
            "{}<m:Datakategori>0105</m:Datakategori>",
            employee_ref(&format!("urn:oio:kmd:lpe:medarbejder:{pernr}"))
        ),
    )
    .await;
    records_of(a.results()[0]).into_iter().map(|(_, v)| v).collect()
}

#[tokio::test]
async fn ret_creates_changes_and_deletes_with_audit_and_events() {
    let (_dir, s) = services().await;
    let pool = s.store().pool();

    // Create a private e-mail (first free Sekvensnummer 000) from 2026-01-01.
    let item = kommunikation(&[
        ("Gyldighedsstart", "2026-01-01"),
        ("Kommunikationsart", "PMAI"),
        ("KommunikationsID", "anna@privat.dk"),
    ]);
    let a = ask(&s, "RetInput", &ret_body(103, &[item])).await;
    assert_eq!((a.status, a.text.as_str()), (0, ""));
    let comm = communication(&s, 103).await;
    assert!(comm.contains(&vec![
        "Gyldighedsstart=2026-01-01".into(),
        "Gyldighedsstop=9999-12-31".into(),
        "Sekvensnummer=000".into(),
        "Kommunikationsart=PMAI".into(),
        "KommunikationsID=anna@privat.dk".into(),
    ]));

    // Change the work e-mail from 2026-03-01: the old one stays until the day before.
    let item = kommunikation(&[
        ("Gyldighedsstart", "2026-03-01"),
        ("Sekvensnummer", "000"),
        ("Kommunikationsart", "0010"),
        ("KommunikationsID", "anna.hansen@soroe.dk"),
    ]);
    assert_eq!(ask(&s, "RetInput", &ret_body(103, &[item])).await.status, 0);
    let mails: Vec<Vec<String>> = communication(&s, 103)
        .await
        .into_iter()
        .filter(|r| r.contains(&"Kommunikationsart=0010".to_owned()))
        .collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(
        mails[0][..2],
        ["Gyldighedsstart=2020-01-01", "Gyldighedsstop=2026-02-28"]
    );
    assert_eq!(mails[0][4], "KommunikationsID=m103@soroe.dk");
    assert_eq!(
        mails[1][..2],
        ["Gyldighedsstart=2026-03-01", "Gyldighedsstop=9999-12-31"]
    );
    assert_eq!(mails[1][4], "KommunikationsID=anna.hansen@soroe.dk");

    // Delete the private e-mail (empty KommunikationsID) from its first day: gone.
    let item = kommunikation(&[
        ("Gyldighedsstart", "2026-01-01"),
        ("Kommunikationsart", "PMAI"),
        ("KommunikationsID", ""),
    ]);
    assert_eq!(ask(&s, "RetInput", &ret_body(103, &[item])).await.status, 0);
    assert!(
        !communication(&s, 103)
            .await
            .iter()
            .any(|r| r.contains(&"Kommunikationsart=PMAI".to_owned()))
    );

    // Audit: one entry per change (before/after), newest first; the Laes calls are audited as well.
    let audit = hr::audit(pool, k("0340"), Some(p(103)), 100).await.unwrap();
    let rets: Vec<_> = audit.iter().filter(|e| e.action == "ret").collect();
    assert_eq!(rets.len(), 3);
    assert_eq!(rets[0].detail["action"], "slet");
    assert_eq!(rets[0].detail["before"][0]["KommunikationsID"], "anna@privat.dk");
    assert_eq!(rets[1].detail["action"], "ret");
    assert_eq!(rets[1].detail["after"]["KommunikationsID"], "anna.hansen@soroe.dk");
    assert_eq!(rets[2].detail["action"], "opret");
    assert!(
        rets.iter()
            .all(|e| e.actor == "system-a" && e.interface == "medarbejderoplysninger")
    );
    assert_eq!(audit.iter().filter(|e| e.action == "laes").count(), 3);

    // Events: one per change, no CPR, no values.
    let events = snitflade_store::outbox::after(pool, 0, 100).await.unwrap();
    let actions: Vec<_> = events.iter().map(|e| e.payload["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["opret", "ret", "slet"]);
    for e in &events {
        assert_eq!(e.kind, "employee.communication.changed");
        assert_eq!(e.interface, "medarbejderoplysninger");
        assert_eq!(e.object_id.as_deref(), Some("00000103"));
        assert_eq!(e.payload["pernr"], "00000103");
        let text = e.payload.to_string();
        assert!(!text.contains("0101901234") && !text.contains('@'), "{text}");
    }
    assert_eq!(events[0].payload["Kommunikationsart"], "PMAI");
    assert_eq!(events[1].payload["Sekvensnummer"], "000");
}

#[tokio::test]
async fn ret_is_all_or_nothing_and_refuses_what_it_cannot_do() {
    let (_dir, s) = services().await;
    let pool = s.store().pool();
    let before = communication(&s, 104).await;
    let good = kommunikation(&[("Kommunikationsart", "CELL"), ("KommunikationsID", "20304050")]);
    for (items, want) in [
        (
            vec![
                good.clone(),
                kommunikation(&[("Kommunikationsart", "0010"), ("KommunikationsID", "ikke-en-mail")]),
            ],
            "Kommunikation nr. 2: KommunikationsID er ikke en gyldig værdi",
        ),
        (
            vec![
                good.clone(),
                kommunikation(&[("Kommunikationsart", "MPHN"), ("KommunikationsID", "")]),
            ],
            "Kommunikation nr. 2: Kommunikationsart MPHN findes ikke",
        ),
        (
            vec![good.clone(), "<m:Adresse><m:By>Sorø</m:By></m:Adresse>".into()],
            "Kun Kommunikation (0105) kan rettes",
        ),
        (
            vec![kommunikation(&[("KommunikationsID", "20304050")])],
            "Kommunikationsart skal angives",
        ),
        (vec![], "ingen Kommunikation"),
    ] {
        let a = ask(&s, "RetInput", &ret_body(104, &items)).await;
        assert_eq!(a.status, 101, "{items:?}: {}", a.text);
        assert!(a.text.contains(want), "{}", a.text);
    }
    assert_eq!(communication(&s, 104).await, before);
    assert!(snitflade_store::outbox::after(pool, 0, 10).await.unwrap().is_empty());

    // Not one employee: 100; unknown: 1; cancelled: 102; left: allowed.
    let a = ask(&s, "RetInput", "<m:AttributListe/>").await;
    assert_eq!(a.status, 100);
    let a = ask(&s, "RetInput", &ret_body(999, std::slice::from_ref(&good))).await;
    assert_eq!(a.status, 1);
    let a = ask(&s, "RetInput", &ret_body(107, std::slice::from_ref(&good))).await;
    assert_eq!(a.status, 102);
    assert!(a.text.contains("00000108"));
    let a = ask(&s, "RetInput", &ret_body(106, std::slice::from_ref(&good))).await;
    assert_eq!(a.status, 0);
    // Two items in one call, the second building on the first; a resend changes nothing.
    let items = [
        good.clone(),
        kommunikation(&[
            ("Sekvensnummer", "0"),
            ("Kommunikationsart", "CELL"),
            ("KommunikationsID", "20304051"),
        ]),
    ];
    assert_eq!(ask(&s, "RetInput", &ret_body(104, &items)).await.status, 0);
    let cells = || async {
        communication(&s, 104)
            .await
            .into_iter()
            .filter(|r| r.contains(&"Kommunikationsart=CELL".to_owned()))
            .collect::<Vec<_>>()
    };
    let now = cells().await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0][4], "KommunikationsID=20304051");
    let events = snitflade_store::outbox::after(pool, 0, 100).await.unwrap().len();
    let resend = kommunikation(&[
        ("Gyldighedsstart", &now[0][0]["Gyldighedsstart=".len()..]),
        ("Sekvensnummer", "000"),
        ("Kommunikationsart", "CELL"),
        ("KommunikationsID", "20304051"),
    ]);
    assert_eq!(ask(&s, "RetInput", &ret_body(104, &[resend])).await.status, 0);
    assert_eq!(
        snitflade_store::outbox::after(pool, 0, 100).await.unwrap().len(),
        events
    );
}

#[tokio::test]
async fn reads_are_audited() {
    let (_dir, s) = services().await;
    call(
        &s,
        "a",
        "LaesInput",
        &(employee_ref("urn:oio:kmd:lpe:medarbejder:105") + "<m:Datakategori>0105</m:Datakategori>"),
    )
    .await;
    call(
        &s,
        "a",
        "ListInput",
        &employee_ref("urn:oio:kmd:lpe:medarbejder:101-105"),
    )
    .await;
    let audit = hr::audit(s.store().pool(), k("0340"), None, 10).await.unwrap();
    assert_eq!(audit.len(), 2);
    let (list, laes) = (&audit[0], &audit[1]);
    assert_eq!(
        (laes.action.as_str(), laes.pernr.as_deref()),
        ("laes", Some("00000105"))
    );
    assert_eq!(laes.detail["categories"], serde_json::json!(["0105"]));
    assert_eq!(laes.detail["count"], 1);
    assert_eq!((list.action.as_str(), list.pernr.as_deref()), ("list", None));
    assert_eq!(list.detail["count"], 5);
    assert_eq!(list.detail["categories"], "alle");
    assert_eq!(
        (list.detail["first"].as_str(), list.detail["last"].as_str()),
        (Some("00000101"), Some("00000105"))
    );
    assert_eq!(list.actor, "system-a");
}
