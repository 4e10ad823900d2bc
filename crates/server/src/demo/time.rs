//! The demo's work schedules and absences for 0340: a weekly schedule for every employment (their hours spread
//! over Monday–Friday; none for substitutes paid by the hour) and a handful of absences of every kind — a
//! week's holiday in July, a senior day, maternity leave, sick days linked to work accidents, leave without pay
//! and a half day. Medarbejderoplysninger's MTP and FVNV categories are derived from them.

use super::hr::{ACTOR, CANCELLED_PERNR, LEFT_ON, LEFT_PERNR, PEOPLE, Pay, Person, SOROE};
use jiff::civil::{Date, Time, date, time};
use snitflade_domain::absence::Absence;
use snitflade_domain::hr::OPEN_END;
use snitflade_domain::schedule::{AbsencePeriod, DayPlan, Schedules, WeekPattern, WorkSchedule};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::{Tx, absence, hr_derived, schedules};

/// The namespace of the demo's object ids (fixed, so the demo is the same every time).
const DEMO_IDS: uuid::Uuid = uuid::Uuid::from_u128(0x2b7e_51a0_93c4_4d8e_b1f6_0c3a_5e9d_7f12);

/// A stable id for demo object `name`: 32 upper-case hex digits, the form the services give new ones.
pub fn demo_id(name: &str) -> String {
    uuid::Uuid::new_v5(&DEMO_IDS, name.as_bytes())
        .simple()
        .to_string()
        .to_uppercase()
}

/// The schedule of a demo employment: its weekly hours over Monday–Friday from 07:00 (road crew) or 08:00.
pub(super) fn schedule_of(unit: &str, entry: Date, pay: Pay, to: Date) -> WorkSchedule {
    let start = if unit == "21" {
        time(7, 0, 0, 0)
    } else {
        time(8, 0, 0, 0)
    };
    match pay {
        Pay::Monthly(hours) => WorkSchedule {
            valid_from: entry,
            valid_to: to,
            kind: "DAG".into(),
            text: "Dagarbejde".into(),
            pattern: WeekPattern::weekdays(hours.parse().unwrap_or_default(), start),
        },
        Pay::Hourly => WorkSchedule {
            valid_from: entry,
            valid_to: to,
            kind: "VIK".into(),
            text: "Vikar efter behov".into(),
            pattern: WeekPattern {
                days: [DayPlan::OFF; 7],
            },
        },
    }
}

fn absence(
    pernr: u32,
    n: u8,
    code: &str,
    start: Date,
    end: Date,
    times: (Option<Time>, Option<Time>),
    extra: &str,
) -> Absence {
    Absence {
        object_id: demo_id(&format!("absence/{pernr}/{n}")),
        type_code: code.into(),
        period: AbsencePeriod {
            start,
            end,
            start_time: times.0,
            end_time: times.1,
        },
        additional: extra.into(),
        registered_by: ACTOR.into(),
    }
}

/// The absences of one demo employment.
fn absences_of(person: &Person) -> Vec<Absence> {
    let n = person.pernr;
    let whole = (None, None);
    let mut out = Vec::new();
    match n {
        // On maternity leave (case 0001) all year, so no summer holiday.
        112 => out.push(absence(n, 1, "BA", date(2026, 1, 5), date(2026, 12, 4), whole, "0001")),
        _ if person.pay == Pay::Hourly => {
            out.push(absence(n, 1, "SY", date(2026, 6, 15), date(2026, 6, 15), whole, ""));
        }
        _ => out.push(absence(n, 1, "FE", date(2026, 7, 6), date(2026, 7, 10), whole, "")),
    }
    match n {
        103 => out.push(absence(
            n,
            2,
            "SY",
            date(2025, 11, 3),
            date(2025, 11, 5),
            whole,
            "2025-000417",
        )),
        126 => out.push(absence(
            n,
            2,
            "SY",
            date(2026, 3, 19),
            date(2026, 3, 20),
            whole,
            "2026-000052",
        )),
        120 => out.push(absence(n, 2, "SO", date(2026, 2, 2), date(2026, 2, 2), whole, "")),
        113 => out.push(absence(n, 2, "TU", date(2026, 9, 1), date(2026, 9, 30), whole, "11")),
        // A half day off in the afternoon (32 hours a week: 08:00–14:24).
        111 => out.push(absence(
            n,
            2,
            "FE",
            date(2026, 10, 2),
            date(2026, 10, 2),
            (Some(time(11, 12, 0, 0)), None),
            "",
        )),
        _ => {}
    }
    out
}

fn pernr(n: u32) -> Pernr {
    Pernr::parse(&n.to_string()).expect("a number")
}

/// Writes the demo schedules and absences of 0340 and derives the MTP and FVNV records from them (for a data
/// dir whose direct MTP/FVNV records predate this, the derivation replaces them).
pub async fn write(c: &mut Tx) -> snitflade_store::Result<()> {
    let soroe = Kommunekode::parse(SOROE).expect("a code");
    let now = snitflade_store::now_text();
    for person in PEOPLE.iter().filter(|p| p.pernr != CANCELLED_PERNR) {
        let to = if person.pernr == LEFT_PERNR { LEFT_ON } else { OPEN_END };
        let p = pernr(person.pernr);
        let schedule = schedule_of(person.unit, person.entry, person.pay, to);
        let id = demo_id(&format!("schedule/{}", person.pernr));
        schedules::insert_schedule(c, soroe, p, &id, &schedule, ACTOR, &now).await?;
        if person.pernr != LEFT_PERNR {
            for a in absences_of(person) {
                absence::insert_absence(c, soroe, p, &a, &now).await?;
            }
        }
        hr_derived::sync_schedule_records(c, soroe, p, ACTOR, &now).await?;
        hr_derived::sync_absence_records(c, soroe, p, ACTOR, &now).await?;
    }
    Ok(())
}

/// A synthetic employment's schedule and summer holiday, with the MTP and FVNV records derived from them
/// written directly (bulk loading for the benchmarks; the same records `hr_derived` would derive).
pub(super) async fn write_synthetic(
    c: &mut Tx,
    soroe: Kommunekode,
    person: &Person,
    catalogue: &[snitflade_domain::absence::AbsenceType],
    now: &str,
) -> snitflade_store::Result<()> {
    let p = pernr(person.pernr);
    let schedule = schedule_of(person.unit, person.entry, person.pay, OPEN_END);
    let id = demo_id(&format!("schedule/{}", person.pernr));
    schedules::insert_schedule(c, soroe, p, &id, &schedule, ACTOR, now).await?;
    let holiday = absence(
        person.pernr,
        1,
        "FE",
        date(2026, 7, 6),
        date(2026, 7, 10),
        (None, None),
        "",
    );
    absence::insert_absence(c, soroe, p, &holiday, now).await?;
    let derived = [
        hr_derived::schedule_record(&schedule)?,
        hr_derived::absence_record(&holiday, &Schedules::new(vec![schedule]), catalogue)?,
    ];
    for r in &derived {
        snitflade_store::hr::insert_record(c, soroe, p, r, ACTOR, now).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::absence::default_catalogue;
    use snitflade_domain::schedule::cost;

    #[test]
    fn every_demo_absence_fits_its_employment_type_and_schedule() {
        let catalogue = default_catalogue();
        for person in PEOPLE
            .iter()
            .filter(|p| p.pernr != CANCELLED_PERNR && p.pernr != LEFT_PERNR)
        {
            let schedule = schedule_of(person.unit, person.entry, person.pay, OPEN_END);
            schedule.validate().unwrap();
            let absences = absences_of(person);
            assert!(!absences.is_empty(), "{} has no absence (FVNV)", person.pernr);
            let schedules = Schedules::new(vec![schedule]);
            for (i, a) in absences.iter().enumerate() {
                assert!(catalogue.iter().any(|t| t.code == a.type_code), "{}", a.type_code);
                assert!(a.period.start >= person.entry);
                for b in &absences[i + 1..] {
                    assert!(!a.period.collides(&b.period, &schedules), "{} collides", person.pernr);
                }
            }
        }
        let half = absences_of(&PEOPLE[10]);
        assert_eq!(PEOPLE[10].pernr, 111);
        let schedules = Schedules::new(vec![schedule_of("11", PEOPLE[10].entry, PEOPLE[10].pay, OPEN_END)]);
        assert_eq!(cost(&half[1].period, &schedules).hours.to_string(), "3.20");
    }

    #[test]
    fn demo_ids_are_stable_and_distinct() {
        assert_eq!(demo_id("a"), demo_id("a"));
        assert_ne!(demo_id("a"), demo_id("b"));
        assert_eq!(demo_id("a").len(), 32);
    }
}
