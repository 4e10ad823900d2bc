//! The demo HR data for 0340 Sorø (docs/src/getting-started.md): an org-unit tree, 30 active employments (plus one that
//! has left and one cancelled and replaced), every Medarbejderoplysninger data category filled in for each, managers
//! per unit, children, a maternity case and work-accident cases. Generated deterministically: the same every time, with
//! synthetic CPR numbers that are valid dates and pass the mod-11 check.

use jiff::civil::{Date, date};
use snitflade_domain::hr::{
    Category, CategoryRecord, Child, Employment, EmploymentStatus, MaternityCase, OPEN_END, OrgUnit, WorkAccidentCase,
};
use snitflade_domain::{Cpr, Kommunekode, Pernr};
use snitflade_store::Tx;
use snitflade_store::hr;

pub(super) const SOROE: &str = "0340";

/// Who registers the demo records (`registered_by`).
pub(super) const ACTOR: &str = "demo";

/// An org unit of the demo tree: id, parent, short name, long name, street.
const UNITS: &[(&str, Option<&str>, &str, &str, &str)] = &[
    ("1", None, "SORØ", "Sorø Kommune", "Rådhusvej 8"),
    ("10", Some("1"), "BOU", "Børn og Unge", "Rådhusvej 8"),
    ("11", Some("10"), "DT-NORD", "Dagtilbud Sorø Nord", "Frederiksvej 21"),
    ("12", Some("10"), "DT-SYD", "Dagtilbud Sorø Syd", "Slagelsevej 40"),
    ("20", Some("1"), "TOM", "Teknik og Miljø", "Rådhusvej 8"),
    ("21", Some("20"), "VEJPARK", "Vej og Park", "Topstykket 18"),
    ("30", Some("1"), "ÆOS", "Ældre og Sundhed", "Rådhusvej 8"),
    ("31", Some("30"), "HJPL", "Hjemmeplejen Sorø", "Ringstedvej 3"),
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Pay {
    /// Monthly salary, full or part time (numerator of 37 hours).
    Monthly(&'static str),
    /// A substitute paid by the hour (no fixed hours).
    Hourly,
}

/// One demo employment.
pub(super) struct Person {
    pub(super) pernr: u32,
    first: &'static str,
    last: &'static str,
    pub(super) unit: &'static str,
    /// Stilling code, text, short text.
    position: (&'static str, &'static str, &'static str),
    manager: bool,
    pub(super) entry: Date,
    birth: Date,
    street: &'static str,
    pub(super) pay: Pay,
    salary_grade: &'static str,
}

#[expect(clippy::too_many_arguments, reason = "one row of the PEOPLE table")]
const fn p(
    pernr: u32,
    first: &'static str,
    last: &'static str,
    unit: &'static str,
    position: (&'static str, &'static str, &'static str),
    manager: bool,
    entry: Date,
    birth: Date,
    street: &'static str,
    pay: Pay,
    salary_grade: &'static str,
) -> Person {
    Person {
        pernr,
        first,
        last,
        unit,
        position,
        manager,
        entry,
        birth,
        street,
        pay,
        salary_grade,
    }
}

const OPERATOR: (&str, &str, &str) = ("51101", "Maskinfører", "MASKFØR");
const PEDAGOGUE: (&str, &str, &str) = ("61201", "Pædagog", "PÆD");
const ASSISTANT: (&str, &str, &str) = ("61301", "Pædagogmedhjælper", "PÆDMED");
const CARER: (&str, &str, &str) = ("71201", "Social- og sundhedshjælper", "SOSU-H");
const SUBSTITUTE: (&str, &str, &str) = ("61901", "Vikar", "VIKAR");
const FULL: Pay = Pay::Monthly("37.00");

/// The demo employments. 00000101–00000105 are also the machine operators of the machine-hours demo.
#[rustfmt::skip]
pub(super) const PEOPLE: &[Person] = &[
    p(101, "Anders", "Holm", "21", OPERATOR, false, date(2012, 4, 1), date(1978, 3, 14), "Storgade 12", FULL, "21"),
    p(102, "Birgitte", "Lund", "21", OPERATOR, false, date(2015, 8, 1), date(1983, 11, 2), "Søgade 4", FULL, "21"),
    p(103, "Carsten", "Dahl", "21", OPERATOR, false, date(2009, 1, 1), date(1971, 6, 23), "Ringstedvej 55", FULL, "22"),
    p(104, "Dorte", "Friis", "21", OPERATOR, false, date(2018, 3, 1), date(1990, 1, 9), "Alléen 7", FULL, "21"),
    p(105, "Erik", "Skov", "21", OPERATOR, false, date(2020, 5, 1), date(1995, 9, 30), "Parkvej 19", FULL, "20"),
    p(106, "Frederik", "Vang", "21", ("51001", "Driftsleder", "DRIFTSL"), true, date(2010, 2, 1), date(1969, 12, 5), "Skovvej 2", FULL, "35"),
    p(107, "Gitte", "Mølgaard", "1", ("10001", "Kommunaldirektør", "KOMDIR"), true, date(2016, 9, 1), date(1966, 4, 17), "Holbækvej 101", FULL, "52"),
    p(108, "Hans", "Kjær", "10", ("20001", "Børne- og ungechef", "BUCHEF"), true, date(2017, 1, 1), date(1972, 7, 28), "Bakkevej 14", FULL, "48"),
    p(109, "Inge", "Bach", "11", ("60001", "Dagtilbudsleder", "DTLEDER"), true, date(2011, 8, 1), date(1975, 2, 11), "Frederiksvej 30", FULL, "41"),
    p(110, "Jens", "Thomsen", "11", PEDAGOGUE, false, date(2014, 8, 1), date(1986, 5, 3), "Lilletorv 3", FULL, "31"),
    p(111, "Karen", "Poulsen", "11", PEDAGOGUE, false, date(2013, 1, 1), date(1984, 10, 21), "Kirkevej 8", Pay::Monthly("32.00"), "31"),
    p(112, "Lene", "Winther", "11", PEDAGOGUE, false, date(2019, 8, 1), date(1993, 3, 27), "Vestergade 16", FULL, "30"),
    p(113, "Mikkel", "Rask", "11", ASSISTANT, false, date(2021, 2, 1), date(1999, 8, 15), "Østergade 22", Pay::Monthly("30.00"), "17"),
    p(114, "Nanna", "Juhl", "11", ASSISTANT, false, date(2022, 6, 1), date(2001, 12, 1), "Møllevej 5", Pay::Monthly("25.00"), "17"),
    p(115, "Ole", "Kristiansen", "11", PEDAGOGUE, false, date(2008, 8, 1), date(1968, 1, 19), "Engvej 9", FULL, "32"),
    p(116, "Pia", "Sørensen", "12", ("60001", "Dagtilbudsleder", "DTLEDER"), true, date(2015, 1, 1), date(1977, 9, 6), "Slagelsevej 44", FULL, "41"),
    p(117, "Rasmus", "Eriksen", "12", PEDAGOGUE, false, date(2016, 8, 1), date(1988, 4, 12), "Birkevej 13", FULL, "31"),
    p(118, "Sofie", "Lauridsen", "12", PEDAGOGUE, false, date(2020, 1, 1), date(1994, 7, 7), "Egevej 1", Pay::Monthly("34.00"), "30"),
    p(119, "Thomas", "Berg", "12", ASSISTANT, false, date(2023, 3, 1), date(2000, 2, 29), "Ahornvej 6", FULL, "17"),
    p(120, "Ulla", "Nørgaard", "12", PEDAGOGUE, false, date(2005, 8, 1), date(1965, 11, 30), "Bøgevej 21", Pay::Monthly("30.00"), "32"),
    p(121, "Vibeke", "Holst", "12", ASSISTANT, false, date(2024, 8, 1), date(2003, 5, 18), "Granvej 2", Pay::Monthly("28.00"), "16"),
    p(122, "William", "Knudsen", "20", ("30001", "Teknik- og miljøchef", "TMCHEF"), true, date(2014, 4, 1), date(1970, 10, 10), "Teglværksvej 4", FULL, "48"),
    p(123, "Yvonne", "Damgaard", "30", ("40001", "Ældre- og sundhedschef", "ÆSCHEF"), true, date(2018, 10, 1), date(1974, 3, 3), "Haraldsvej 17", FULL, "48"),
    p(124, "Åse", "Mortensen", "31", ("70001", "Hjemmeplejeleder", "HJPLEDER"), true, date(2012, 11, 1), date(1973, 8, 24), "Ringstedvej 9", FULL, "40"),
    p(125, "Bo", "Jeppesen", "31", CARER, false, date(2017, 5, 1), date(1982, 6, 6), "Frederiksbergvej 3", FULL, "22"),
    p(126, "Camilla", "Frost", "31", CARER, false, date(2019, 9, 1), date(1991, 12, 24), "Tuelsøvej 11", Pay::Monthly("32.00"), "22"),
    p(127, "David", "Iversen", "31", CARER, false, date(2022, 1, 1), date(1997, 4, 4), "Pedersborg Torv 2", Pay::Monthly("30.00"), "21"),
    p(128, "Emma", "Bruun", "31", CARER, false, date(2016, 3, 1), date(1989, 2, 14), "Absalonsgade 6", FULL, "22"),
    p(129, "Freja", "Hald", "11", SUBSTITUTE, false, date(2025, 1, 1), date(2004, 9, 9), "Storgade 40", Pay::Hourly, "11"),
    p(130, "Freja", "Hald", "11", SUBSTITUTE, false, date(2025, 1, 1), date(2004, 9, 9), "Storgade 40", Pay::Hourly, "11"),
    p(131, "Gustav", "Lind", "12", SUBSTITUTE, false, date(2024, 9, 1), date(2002, 1, 26), "Fægangen 8", Pay::Hourly, "11"),
    p(132, "Helle", "Ravn", "31", SUBSTITUTE, false, date(2023, 6, 1), date(1960, 7, 1), "Skælskørvej 30", Pay::Hourly, "11"),
];

/// 00000128 left on this day.
pub(super) const LEFT_PERNR: u32 = 128;
pub(super) const LEFT_ON: Date = date(2025, 6, 30);
/// 00000127 is locked for payroll changes (one-time payments get KMD's code 138).
pub(super) const LOCKED_PERNR: u32 = 127;
/// 00000129 was created by mistake and cancelled; 00000130 replaces it (same person).
pub(super) const CANCELLED_PERNR: u32 = 129;
const REPLACEMENT_PERNR: u32 = 130;

/// Aarhus's one employee, 00012345 (the employee of the master-data example in KMD's machine-hours service
/// description), as an employment: a CPR number and an entry date, so that the payroll interfaces (Engangsydelser,
/// granted to `loen` for 0751) find an employee in 0751 too. No data categories: no demo system reads Aarhus's employee
/// data.
pub(super) fn aarhus_employment() -> Employment {
    Employment {
        municipality: Kommunekode::parse("0751").expect("a code"),
        pernr: Pernr::parse("12345").expect("a number"),
        cpr: synthetic_cpr(date(1980, 5, 17), 0),
        ekstraciffer: 0,
        first_name: "Mads".into(),
        last_name: "Mobil".into(),
        org_unit: None,
        entry_date: Some(date(2011, 3, 1)),
        leave_date: None,
        is_manager: false,
        status: EmploymentStatus::Active,
        replaced_by: None,
    }
}

/// A synthetic CPR number for a birth date: the 7th digit fits the century, and the serial is the `n`-th that
/// passes the mod-11 check.
pub fn synthetic_cpr(birth: Date, n: u16) -> Cpr {
    let century_digit = if birth.year() >= 2000 { 4 } else { 1 };
    let prefix = format!("{:02}{:02}{:02}", birth.day(), birth.month(), birth.year() % 100);
    let weights = [4, 3, 2, 7, 6, 5, 4, 3, 2];
    let mut found = 0;
    for serial in 0..100u16 {
        let first9 = format!("{prefix}{century_digit}{serial:02}");
        let sum: u32 = first9.bytes().zip(weights).map(|(b, w)| u32::from(b - b'0') * w).sum();
        let check = (11 - sum % 11) % 11;
        if check == 10 {
            continue;
        }
        if found == n {
            return Cpr::parse(&format!("{first9}{check}")).expect("a valid date and digits");
        }
        found += 1;
    }
    unreachable!("every date has about 90 mod-11 serials; callers ask for fewer than 50")
}

/// The CPR number of `PEOPLE[i]`. The cancelled employment and its replacement are the same person.
fn cpr_of(i: usize) -> Cpr {
    let i = if PEOPLE[i].pernr == REPLACEMENT_PERNR { i - 1 } else { i };
    synthetic_cpr(PEOPLE[i].birth, i as u16 % 7)
}

fn unit(
    id: &str,
) -> &'static (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
) {
    UNITS.iter().find(|u| u.0 == id).expect("a demo unit")
}

fn record<const N: usize>(category: Category, from: Date, to: Date, values: [(&str, &str); N]) -> CategoryRecord {
    CategoryRecord::new(category, from, to, values.into_iter().filter(|(_, v)| !v.is_empty()))
        .expect("valid demo record")
}

/// ASCII e-mail local part of a Danish name.
fn mail_name(s: &str) -> String {
    s.to_lowercase()
        .replace('æ', "ae")
        .replace('ø', "oe")
        .replace('å', "aa")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// Every data category of one employment, valid from its entry to `to`.
fn categories(person: &Person, cpr: &Cpr, to: Date) -> Vec<CategoryRecord> {
    use Category::*;
    let from = person.entry;
    let (_, parent, short, long, unit_street) = *unit(person.unit);
    let pernr = format!("{:08}", person.pernr);
    let status = if to == OPEN_END { "3" } else { "0" };
    let leave = if to == OPEN_END { String::new() } else { to.to_string() };
    let initials = format!(
        "{}{}",
        person.first.chars().next().unwrap_or('X'),
        person.last.chars().take(2).collect::<String>()
    )
    .to_uppercase();
    let hours = match person.pay {
        Pay::Monthly(h) => h,
        Pay::Hourly => "0.00",
    };
    let mut out = vec![
        record(
            Aktiviteter,
            from,
            to,
            [
                ("Aktivitetsart", "01"),
                ("AktivitetsAarsag", "01"),
                ("StatusBeskaeftigelse", status),
                ("Ansaettelsesdato", &from.to_string()),
                ("Fratraedelsesdato", &leave),
            ],
        ),
        record(
            Persondata,
            from,
            to,
            [
                ("CPR-nummer", cpr.expose()),
                ("Efternavn", person.last),
                ("Fornavn", person.first),
                ("PersonaleIdentifikator", &initials),
            ],
        ),
        record(
            Adresse,
            from,
            to,
            [
                ("Adresseart", "1"),
                ("GadeVejNr", person.street),
                ("Postnummer", "4180"),
                ("By", "Sorø"),
                ("Land", "DK"),
            ],
        ),
        record(
            Kontraktindhold,
            from,
            to,
            [
                ("FoersteTiltraedelse", &from.to_string()),
                ("TiltraedelsesdatoKoncern", &from.to_string()),
            ],
        ),
        record(
            Kommunikation,
            from,
            to,
            [
                ("Sekvensnummer", "000"),
                ("Kommunikationsart", "0010"),
                (
                    "KommunikationsID",
                    &format!("{}.{}@soroe.dk", mail_name(person.first), mail_name(person.last)),
                ),
            ],
        ),
        record(
            Kommunikation,
            from,
            to,
            [
                ("Sekvensnummer", "000"),
                ("Kommunikationsart", "0020"),
                ("KommunikationsID", &format!("5787{:04}", 6000 + person.pernr)),
            ],
        ),
        record(
            Skattedata,
            from,
            to,
            [
                ("Traekprocent", if person.pay == Pay::Hourly { "40" } else { "38" }),
                ("FradragMaaned", if person.pay == Pay::Hourly { "0" } else { "4650" }),
            ],
        ),
        record(
            Loenindplacering,
            from,
            to,
            [
                ("DecentralAnsaettelse", if person.manager { "true" } else { "false" }),
                ("Loenklassenummer", person.salary_grade),
            ],
        ),
        record(
            Tilslutninger,
            from,
            to,
            [
                ("Brugernummer", &format!("SOR{pernr}")),
                ("Tidsadministration", "true"),
                (
                    "Vagtplan",
                    if matches!(person.unit, "11" | "12" | "31") {
                        "true"
                    } else {
                        "false"
                    },
                ),
                ("Ekstraciffer", "0"),
            ],
        ),
        record(
            Pensionsordninger,
            from,
            to,
            [
                ("Pensionsart", "AM"),
                (
                    "Pensionskassenummer",
                    if person.unit.starts_with('1') && person.unit != "1" {
                        "PKA-BUPL"
                    } else {
                        "PKA"
                    },
                ),
                ("Pensionsmedlemsnummer", &format!("{:07}", 4_100_000 + person.pernr)),
                (
                    "ArbejdsgiverBidragPct",
                    if person.pay == Pay::Hourly { "0.00" } else { "12.50" },
                ),
                ("EgetBidragPct", if person.pay == Pay::Hourly { "0.00" } else { "4.50" }),
            ],
        ),
        record(
            Arbejdsfunktion,
            from,
            to,
            [
                ("Arbejdsfunktion", person.position.0),
                ("ArbejdsfunktionTekstKort", person.position.2),
                ("ArbejdsfunktionTekst", person.position.1),
            ],
        ),
        record(
            TjenesteplansIndplacering,
            from,
            to,
            [
                ("Organisationsenhed", person.unit),
                ("OrganisationsenhedTekst", long),
                ("OrganisationsenhedTekstKort", short),
            ],
        ),
    ];
    // Organisation, with the unit this manager leads.
    let mut org: Vec<(&str, String)> = vec![
        (
            "Medarbejderkreds",
            if person.pay == Pay::Hourly { "04" } else { "01" }.into(),
        ),
        (
            "Ansaettelsesforhold",
            if person.pay == Pay::Hourly { "10" } else { "08" }.into(),
        ),
        ("Organisationsenhed", person.unit.into()),
        ("OrganisationsenhedTekst", long.into()),
        ("Stilling", person.position.0.into()),
        ("StillingTekst", person.position.1.into()),
        ("OrganisationAdresse", unit_street.into()),
        ("OrganisationBy", "Sorø".into()),
        ("OrganisationPostnr", "4180".into()),
        ("OrganisationTelefonnr", "57876000".into()),
        ("Ledermarkering", if person.manager { "X" } else { "" }.into()),
        ("OrganisationsenhedTekstKort", short.into()),
        ("StillingTekstKort", person.position.2.into()),
    ];
    if person.manager {
        org.push(("LederOrgEnhed", person.unit.into()));
    }
    if let Some(parent) = parent {
        org.push(("OvenliggendeOrgEnhed", parent.into()));
    }
    out.push(
        CategoryRecord::new(Organisation, from, to, org.into_iter().filter(|(_, v)| !v.is_empty()))
            .expect("valid demo record"),
    );
    // Working time, with a history for part-timers: full time until 2024, then their current hours.
    let arbejdstid = |from: Date, to: Date, hours: &str| {
        let yearly = format!("{:.0}", hours.parse::<f64>().unwrap_or(0.0) * 52.0);
        record(
            Arbejdstid,
            from,
            to,
            [
                ("ArbejdstimerAar", yearly.as_str()),
                ("TimetalTaeller", hours),
                ("TimetalNaevner", "37.00"),
                ("TimetalTaellerTid", hours),
                ("TimetalNaevnerTid", "37.00"),
                ("Reduktionskode", if hours == "37.00" { "" } else { "D" }),
            ],
        )
    };
    let change = date(2024, 1, 1);
    if hours != "37.00" && hours != "0.00" && from < change && to >= change {
        out.push(arbejdstid(from, change.yesterday().expect("a date"), "37.00"));
        out.push(arbejdstid(change, to, hours));
    } else {
        out.push(arbejdstid(from, to, hours));
    }
    out
}

/// The org units of the demo tree.
fn org_units() -> Vec<OrgUnit> {
    UNITS
        .iter()
        .map(|(id, parent, short, long, street)| OrgUnit {
            id: (*id).into(),
            parent: parent.map(Into::into),
            short_name: (*short).into(),
            long_name: (*long).into(),
            valid_from: date(2007, 1, 1),
            valid_to: OPEN_END,
            street: Some((*street).into()),
            zip_code: Some("4180".into()),
            city: Some("Sorø".into()),
            phone: Some("57876000".into()),
            cost_center: Some(if *id == "1" {
                "1000000001".into()
            } else {
                format!("10000001{id:0>2}")
            }),
        })
        .collect()
}

/// Writes the demo HR data of 0340 inside the demo's write.
pub async fn write(c: &mut Tx) -> snitflade_store::Result<()> {
    let soroe = Kommunekode::parse(SOROE).expect("a code");
    let now = snitflade_store::now_text();
    for u in org_units() {
        hr::upsert_org_unit(c, soroe, &u, None).await?;
    }
    for (i, person) in PEOPLE.iter().enumerate() {
        let pernr = Pernr::parse(&person.pernr.to_string()).expect("a number");
        let cpr = cpr_of(i);
        let left = person.pernr == LEFT_PERNR;
        let cancelled = person.pernr == CANCELLED_PERNR;
        let to = if left { LEFT_ON } else { OPEN_END };
        let employment = Employment {
            municipality: soroe,
            pernr,
            cpr: cpr.clone(),
            ekstraciffer: 0,
            first_name: person.first.into(),
            last_name: person.last.into(),
            org_unit: Some(person.unit.into()),
            entry_date: Some(person.entry),
            leave_date: left.then_some(LEFT_ON),
            is_manager: person.manager,
            status: if left {
                EmploymentStatus::Left
            } else if cancelled {
                EmploymentStatus::Deleted
            } else {
                EmploymentStatus::Active
            },
            replaced_by: cancelled.then(|| Pernr::parse(&REPLACEMENT_PERNR.to_string()).expect("a number")),
        };
        hr::upsert_employment(c, &employment, None).await?;
        let records = if cancelled {
            // Only what was keyed before the mistake was noticed.
            categories(person, &cpr, to)
                .into_iter()
                .filter(|r| r.category == Category::Persondata)
                .collect()
        } else {
            categories(person, &cpr, to)
        };
        for r in &records {
            hr::insert_record(c, soroe, pernr, r, ACTOR, &now).await?;
        }
    }
    write_cases(c, soroe).await?;
    let locked = Pernr::parse(&LOCKED_PERNR.to_string()).expect("a number");
    snitflade_store::payroll::lock(c, soroe, locked, "Lønnen genberegnes (demo)", ACTOR).await?;
    super::time::write(c).await
}

/// Adds `n` synthetic employments to 0340, numbered from `first_pernr`, spread over the demo units, each with
/// every data category (the demo's shape at scale; the List benchmark uses it). Call in batches of at most a few
/// thousand per write.
pub async fn write_synthetic(c: &mut Tx, first_pernr: u32, n: u32) -> snitflade_store::Result<()> {
    const FIRST: &[&str] = &[
        "Anne", "Bent", "Cecilie", "Dennis", "Eva", "Finn", "Gry", "Henrik", "Ida", "Jonas",
    ];
    const LAST: &[&str] = &[
        "Nielsen",
        "Jensen",
        "Hansen",
        "Pedersen",
        "Andersen",
        "Christensen",
        "Larsen",
    ];
    const STREETS: &[&str] = &["Storgade 1", "Søgade 2", "Parkvej 3", "Skovvej 4", "Bakkevej 5"];
    const STAFF_UNITS: &[&str] = &["11", "12", "21", "31"];
    let soroe = Kommunekode::parse(SOROE).expect("a code");
    let now = snitflade_store::now_text();
    let catalogue = snitflade_domain::absence::default_catalogue();
    for k in 0..n {
        let number = first_pernr + k;
        let i = number as usize;
        let person = Person {
            pernr: number,
            first: FIRST[i % FIRST.len()],
            last: LAST[(i / FIRST.len()) % LAST.len()],
            unit: STAFF_UNITS[i % STAFF_UNITS.len()],
            position: [PEDAGOGUE, ASSISTANT, OPERATOR, CARER][i % 4],
            manager: false,
            entry: date(2000 + (i % 25) as i16, 1 + (i % 12) as i8, 1),
            birth: date(1960 + (i % 40) as i16, 1 + (i % 12) as i8, 1 + (i % 28) as i8),
            street: STREETS[i % STREETS.len()],
            pay: if i.is_multiple_of(5) {
                Pay::Monthly("30.00")
            } else {
                FULL
            },
            salary_grade: "31",
        };
        let cpr = synthetic_cpr(person.birth, (i % 50) as u16);
        let pernr = Pernr::parse(&number.to_string()).expect("a number");
        let employment = Employment {
            municipality: soroe,
            pernr,
            cpr: cpr.clone(),
            ekstraciffer: 0,
            first_name: person.first.into(),
            last_name: person.last.into(),
            org_unit: Some(person.unit.into()),
            entry_date: Some(person.entry),
            leave_date: None,
            is_manager: false,
            status: EmploymentStatus::Active,
            replaced_by: None,
        };
        hr::upsert_employment(c, &employment, None).await?;
        for r in categories(&person, &cpr, OPEN_END) {
            hr::insert_record(c, soroe, pernr, &r, ACTOR, &now).await?;
        }
        super::time::write_synthetic(c, soroe, &person, &catalogue, &now).await?;
    }
    Ok(())
}

/// Children (for care days), one maternity case, two work-accident cases.
async fn write_cases(c: &mut Tx, soroe: Kommunekode) -> snitflade_store::Result<()> {
    let pernr = |n: u32| Pernr::parse(&n.to_string()).expect("a number");
    let children: &[(u32, &str, &str, Date)] = &[
        (110, "Alma", "Thomsen", date(2016, 4, 2)),
        (110, "Carl", "Thomsen", date(2019, 10, 14)),
        (111, "Ida", "Poulsen", date(2014, 1, 30)),
        (117, "Oscar", "Eriksen", date(2021, 6, 8)),
        (125, "Ella", "Jeppesen", date(2012, 9, 17)),
        (125, "Noah", "Jeppesen", date(2015, 3, 5)),
        (112, "Vigga", "Winther", date(2026, 2, 3)),
    ];
    let mut numbers: std::collections::HashMap<u32, u8> = std::collections::HashMap::new();
    for (i, (parent, first, last, birth)) in children.iter().enumerate() {
        let n = numbers.entry(*parent).or_insert(0);
        *n += 1;
        let child = Child {
            child_number: format!("{n:02}"),
            cpr: synthetic_cpr(*birth, (i % 5) as u16),
            first_name: (*first).into(),
            last_name: (*last).into(),
        };
        hr::insert_child(c, soroe, pernr(*parent), &child).await?;
    }
    let maternity = MaternityCase {
        case_key: "0001".into(),
        maternity_type: "01".into(),
        maternity_type_text: "Barsel (mor)".into(),
        valid_start: date(2026, 1, 5),
        valid_end: date(2026, 12, 4),
        notification_date: Some(date(2025, 9, 1)),
        expected_delivery: Some(date(2026, 2, 1)),
        actual_delivery: Some(date(2026, 2, 3)),
        authority_report_date: Some(date(2026, 2, 10)),
    };
    hr::insert_maternity_case(c, soroe, pernr(112), &maternity).await?;
    let accidents: &[(u32, &str, Date)] = &[
        (103, "2025-000417", date(2025, 11, 3)),
        (126, "2026-000052", date(2026, 3, 19)),
    ];
    for (p, number, day) in accidents {
        let case = WorkAccidentCase {
            accident_number: (*number).into(),
            accident_date: *day,
            start_date: *day,
        };
        hr::insert_work_accident_case(c, soroe, pernr(*p), &case).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_cprs_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for (i, person) in PEOPLE.iter().enumerate() {
            let cpr = cpr_of(i);
            assert!(cpr.passes_mod11(), "{cpr:?}");
            assert_eq!(cpr.birth_date(), person.birth);
            seen.insert(cpr);
        }
        // 129 and 130 are one person on purpose; everyone else is distinct.
        assert_eq!(seen.len(), PEOPLE.len() - 1);
    }

    #[test]
    fn every_active_employee_has_every_category() {
        let active = PEOPLE
            .iter()
            .filter(|p| p.pernr != LEFT_PERNR && p.pernr != CANCELLED_PERNR);
        assert!(active.clone().count() >= 25);
        for person in active {
            let cpr = synthetic_cpr(person.birth, 0);
            let records = categories(person, &cpr, OPEN_END);
            // MTP and FVNV are derived from the schedules and absences (`time`), which its tests check.
            let own = |c: &Category| !matches!(c, Category::Moedetidsplan | Category::FravaerNaervaer);
            for c in Category::ALL.iter().filter(|c| own(c)) {
                assert!(records.iter().any(|r| r.category == *c), "{} lacks {c}", person.pernr);
            }
        }
        let units: std::collections::HashSet<_> = PEOPLE.iter().map(|p| p.unit).collect();
        assert!(units.len() >= 3);
        for (id, ..) in UNITS.iter().filter(|u| PEOPLE.iter().any(|p| p.unit == u.0)) {
            assert!(
                PEOPLE.iter().any(|p| p.unit == *id && p.manager),
                "unit {id} has no manager"
            );
        }
    }
}
