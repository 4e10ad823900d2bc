//! A deterministic generator of large ZLPE dumps, for benchmarks and tests: the same arguments always give the
//! same bytes.
//!
//! `employees` active employments in one municipality over `max(3, employees / 250)` org units (a root, its
//! children, and grandchildren), with every field the samples have: valid synthetic CPR numbers (every 40th
//! person has a second employment, ekstraciffer 1), names, addresses, a work phone for every third, managers
//! (the first employee of each unit), part-timers, pay grades; every 500th employment is cancelled
//! (Annulleret) and replaced by the next; plus `employees / 100` leave records for numbers not in the file.
//! `revision` > 0 gives the same population a day later with every 100th employee changed (another position)
//! and every 1000th (the 999th, 1999th, …) missing, for measuring an import with changes.

use std::io::Write;

use jiff::civil::{Date, date};
use snitflade_domain::{Cpr, Kommunekode, Pernr};
use snitflade_opus_dump::{
    DumpFileName, DumpWriter, Employee, EmployeeCpr, Leave, OrgUnit, OrgUnitId, Quantity, WriteError,
};

/// The first personnel number generated.
pub const FIRST_PERNR: u32 = 100_000;

const FIRST_NAMES: [&str; 12] = [
    "Anna", "Bo", "Camilla", "Didde", "Emil", "Freja", "Gustav", "Helle", "Ib", "Jens", "Karen", "Lars",
];
const LAST_NAMES: [&str; 10] = [
    "Andersen",
    "Bech",
    "Christensen",
    "Dahl",
    "Eriksen",
    "Frandsen",
    "Hansen",
    "Jensen",
    "Møller",
    "Østergaard",
];
const POSITIONS: [(&str, &str, &str); 6] = [
    ("500", "Pædagog", "PÆD"),
    ("510", "Pædagogmedhjælper", "PMH"),
    ("520", "Socialrådgiver", "SOC"),
    ("530", "Sygeplejerske", "SPL"),
    ("540", "Kontorelev", "KEL"),
    ("550", "Vejmand", "VEJ"),
];

/// What a generated dump holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generated {
    pub org_units: u32,
    pub employees: u32,
    pub cancelled: u32,
    pub leave_records: u32,
}

/// The name the generated dump of `revision` should have (2024-01-01 plus `revision` days, 02:00:00).
pub fn file_name(revision: u32) -> DumpFileName {
    let day = date(2024, 1, 1)
        .checked_add(jiff::Span::new().days(i64::from(revision)))
        .unwrap_or(date(2024, 1, 1));
    DumpFileName::new(day.at(2, 0, 0, 0))
}

fn units_for(employees: u32) -> u32 {
    (employees / 250).max(3)
}

/// The CPR number of person `n` (a real birth date 1950–1999, a 1900s serial).
fn cpr(n: u32) -> Cpr {
    let day = n % 28 + 1;
    let month = (n / 28) % 12 + 1;
    let year = 50 + (n / 336) % 50;
    Cpr::parse(&format!("{day:02}{month:02}{year:02}{:04}", n % 4000)).expect("a valid synthetic CPR number")
}

fn employee(i: u32, client: Kommunekode, units: u32, revision: u32, last_changed: Date) -> Employee {
    let pernr = Pernr::parse(&(FIRST_PERNR + i).to_string()).expect("at most 8 digits");
    // Every 40th employment is a second one of the person before; a cancelled one's replacement is the same
    // person too.
    let second = i % 40 == 38 || (i > 0 && i.is_multiple_of(500));
    let person = if second { i - 1 } else { i };
    let mut e = Employee::new(pernr, client, last_changed);
    let unit = 2 + i % (units - 1);
    let (position_id, position, short) = POSITIONS[(i as usize / 7) % POSITIONS.len()];
    let changed = revision > 0 && i % 100 == 7;
    e.entry_date = Some(date(1990 + (i % 34) as i16, (i % 12 + 1) as i8, (i % 28 + 1) as i8));
    e.leave_date = None;
    e.cpr = Some(EmployeeCpr {
        cpr: cpr(person),
        supp_id: Some(u8::from(second)),
    });
    e.first_name = Some(FIRST_NAMES[person as usize % FIRST_NAMES.len()].into());
    e.last_name = Some(LAST_NAMES[(person as usize / 12) % LAST_NAMES.len()].into());
    e.address = Some(format!("Testvej {}", person % 300 + 1));
    e.postal_code = Some("9900".into());
    e.city = Some("Frederikshavn".into());
    e.country = Some("DK".into());
    e.work_phone = Some(if i.is_multiple_of(3) {
        format!("9845{:04}", i % 10_000)
    } else {
        String::new()
    });
    e.work_contract = Some(if i % 5 == 4 { "01" } else { "08" }.into());
    let cancelled = i % 500 == 499;
    e.work_contract_text = Some(
        if cancelled {
            "Annulleret"
        } else if i % 5 == 4 {
            "Timelønnet"
        } else {
            "Ansat"
        }
        .into(),
    );
    e.position_id = Some(position_id.into());
    e.position = Some(if changed { "Afdelingsleder" } else { position }.into());
    e.position_short = Some(short.into());
    let manager = i < units - 1;
    e.is_manager = Some(manager);
    e.superior_level = Some(if manager { "1" } else { "0" }.into());
    e.subordinate_level = Some("00".into());
    e.org_unit = Some(OrgUnitId::new(u64::from(unit)));
    e.pay_grade_text = Some(format!("{}.{}", 20 + i % 30, i % 4));
    let hours = if i % 4 == 3 { "30" } else { "37" };
    e.numerator = Some(Quantity::parse(hours).expect("a number"));
    e.denominator = Some(Quantity::parse("37").expect("a number"));
    e
}

/// Writes the generated dump (see the module comment) to `out`.
pub fn write_dump<W: Write>(out: W, employees: u32, revision: u32) -> Result<(W, Generated), WriteError> {
    let client = Kommunekode::parse("813").expect("a municipality code");
    let last_changed = file_name(revision).exported().date();
    let units = units_for(employees);
    let mut writer = DumpWriter::new(out);
    for id in 1..=units {
        let mut u = OrgUnit::new(OrgUnitId::new(u64::from(id)), client, date(2020, 9, 16));
        u.start_date = Some(date(1900, 1, 1));
        u.end_date = Some(date(9999, 12, 31));
        u.parent = match id {
            1 => None,
            2..=10 => Some(OrgUnitId::new(1)),
            _ => Some(OrgUnitId::new(u64::from(2 + id % 9))),
        };
        u.short_name = Some(format!("ENH{id}"));
        u.long_name = Some(if id == 1 {
            "Frederikshavn Kommune".to_owned()
        } else {
            format!("Enhed {id}")
        });
        u.street = Some(format!("Rådhus Allé {id}"));
        u.zip_code = Some("9900".into());
        u.city = Some("Frederikshavn".into());
        u.phone_number = Some(format!("9845{id:04}"));
        u.cvr_nr = Some("29189129".into());
        u.ean_nr = Some(format!("57980{id:08}"));
        u.se_nr = Some("29189129".into());
        u.p_nr = Some(format!("10{id:08}"));
        if id > 1 {
            u.cost_center = Some(format!("{:012}", 345_300_000_000u64 + u64::from(id)));
        }
        u.org_type = Some(if id == 1 { "00000" } else { "00002" }.into());
        u.org_type_txt = Some(if id == 1 { "Organisation" } else { "Center" }.into());
        writer.write_org_unit(&u)?;
    }
    let mut generated = Generated {
        org_units: units,
        employees: 0,
        cancelled: 0,
        leave_records: 0,
    };
    for i in 0..employees {
        if revision > 0 && i % 1000 == 998 {
            continue;
        }
        let e = employee(i, client, units, revision, last_changed);
        if e.work_contract_text.as_deref() == Some("Annulleret") {
            generated.cancelled += 1;
        }
        writer.write_employee(&e.into())?;
        generated.employees += 1;
    }
    for j in 0..employees / 100 {
        let pernr = Pernr::parse(&(90_000_000 + j).to_string()).expect("8 digits");
        writer.write_employee(&Leave::new(pernr, client).into())?;
        generated.leave_records += 1;
    }
    Ok((writer.finish()?, generated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_opus_dump::DumpReader;

    #[test]
    fn deterministic_and_readable() {
        let (a, g) = write_dump(Vec::new(), 1200, 0).unwrap();
        let (b, _) = write_dump(Vec::new(), 1200, 0).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            g,
            Generated {
                org_units: 4,
                employees: 1200,
                cancelled: 2,
                leave_records: 12
            }
        );
        let records: Vec<_> = DumpReader::new(&a[..]).collect::<Result<_, _>>().unwrap();
        assert_eq!(records.len(), 4 + 1200 + 12);
        let (c, g1) = write_dump(Vec::new(), 1200, 1).unwrap();
        assert_ne!(a, c);
        assert_eq!(g1.employees, 1199);
        assert_eq!(file_name(1).to_string(), "ZLPE20240102020000_delta.xml");
    }
}
