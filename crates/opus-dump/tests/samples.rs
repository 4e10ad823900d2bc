//! The two reference samples (`ZLPE20200101_delta.xml`, `ZLPE20200102_delta.xml`): parsed completely with concrete
//! values, round-tripped through the writer, and compared with each other the way an importer diffs two snapshots.

mod common;

use std::collections::BTreeMap;

use common::*;
use snitflade_opus_dump::{
    DumpFileName, DumpReader, Employee, EmployeeRecord, Leave, OrgUnit, OrgUnitId, Record, is_open_ended,
};

struct Snapshot {
    units: Vec<OrgUnit>,
    active: Vec<Employee>,
    leaves: Vec<Leave>,
}

fn snapshot(xml: &str) -> Snapshot {
    let mut s = Snapshot {
        units: Vec::new(),
        active: Vec::new(),
        leaves: Vec::new(),
    };
    let mut seen_employee = false;
    for record in read_records(xml) {
        match record {
            Record::OrgUnit(u) => {
                assert!(!seen_employee, "org units come before employees");
                s.units.push(u);
            }
            Record::Employee(EmployeeRecord::Active(e)) => {
                seen_employee = true;
                s.active.push(e);
            }
            Record::Employee(EmployeeRecord::Leave(l)) => {
                seen_employee = true;
                s.leaves.push(l);
            }
        }
    }
    s
}

fn unit(s: &Snapshot, id: u64) -> &OrgUnit {
    s.units.iter().find(|u| u.id == OrgUnitId::new(id)).unwrap()
}

fn employee<'a>(s: &'a Snapshot, id: &str) -> &'a Employee {
    s.active.iter().find(|e| e.id == pernr(id)).unwrap()
}

fn ids<T>(items: &[T], id: impl Fn(&T) -> String) -> Vec<String> {
    items.iter().map(id).collect()
}

#[test]
fn file_names_of_the_samples() {
    let first = DumpFileName::parse("ZLPE20200101_delta.xml").unwrap();
    let second = DumpFileName::parse("ZLPE20200102_delta.xml").unwrap();
    assert!(first < second);
    assert_eq!(second.exported(), date(2020, 1, 2).at(0, 0, 0, 0));
    assert_eq!(second.to_string(), "ZLPE20200102000000_delta.xml");
}

#[test]
fn sample_1_parses_completely() {
    let s = snapshot(SAMPLE_1);
    assert_eq!(ids(&s.units, |u| u.id.to_string()), ["1", "2", "3"]);
    assert_eq!(
        ids(&s.active, |e| e.id.number().to_string()),
        ["1000", "1001", "1002", "1006"]
    );
    assert_eq!(ids(&s.leaves, |l| l.id.number().to_string()), ["999"]);

    // The org tree: 1 is the root, 2 under 1, 3 under 2.
    let root = unit(&s, 1);
    assert_eq!(root.parent, None);
    assert_eq!(root.client, client("0813"));
    assert_eq!(root.client.client(), "813");
    assert_eq!(root.last_changed, date(2020, 9, 16));
    assert_eq!(root.start_date, Some(date(1900, 1, 1)));
    assert_eq!(root.end_date, Some(date(9999, 12, 31)));
    assert!(root.is_open_ended() && is_open_ended(root.end_date.unwrap()));
    assert_eq!(root.short_name.as_deref(), Some("AND.K"));
    assert_eq!(root.long_name.as_deref(), Some("Andeby Kommune"));
    assert_eq!(root.street.as_deref(), Some("Paradisæblevej 1"));
    assert_eq!(root.zip_code.as_deref(), Some("8880"));
    assert_eq!(root.city.as_deref(), Some("Andeby"));
    assert_eq!(root.phone_number.as_deref(), Some("9109384"));
    assert_eq!(root.cvr_nr.as_deref(), Some("1829458"));
    assert_eq!(root.ean_nr.as_deref(), Some("345839"));
    assert_eq!(root.se_nr.as_deref(), Some("39583495"));
    assert_eq!(root.p_nr.as_deref(), Some("0000000000"));
    assert_eq!(root.cost_center, None, "the root has no costCenter element");
    assert_eq!(root.org_type.as_deref(), Some("00000"));
    assert_eq!(root.org_type_txt.as_deref(), Some("Organisation"));
    assert!(root.extra.is_empty() && root.extra_attributes.is_empty());

    let direktion = unit(&s, 2);
    assert_eq!(direktion.parent, Some(OrgUnitId::new(1)));
    assert_eq!(direktion.cost_center.as_deref(), Some("345300000000"));
    assert_eq!(direktion.cvr_nr.as_deref(), Some("3459345788"));
    assert_eq!(direktion.se_nr.as_deref(), Some("34590365"));
    assert_eq!(direktion.org_type_txt.as_deref(), Some("Direktion"));
    let center = unit(&s, 3);
    assert_eq!(center.parent, Some(OrgUnitId::new(2)));
    assert_eq!(center.last_changed, date(2015, 1, 16));
    assert_eq!(center.org_type.as_deref(), Some("00002"));

    // Employee 1000, every field.
    let e = employee(&s, "1000");
    assert_eq!(e.client.client(), "813");
    assert_eq!(e.last_changed, date(2020, 10, 1));
    assert_eq!(
        (e.entry_date, e.leave_date),
        (None, None),
        "<entryDate/> and <leaveDate/> are empty"
    );
    let cpr = e.cpr.as_ref().unwrap();
    assert_eq!(cpr.cpr.expose(), "0101010000");
    assert_eq!(cpr.supp_id, Some(0));
    assert!(
        !cpr.cpr.passes_mod11(),
        "a post-2007-style number (or a fake one) is still accepted"
    );
    assert_eq!(e.first_name.as_deref(), Some("Fornavn"));
    assert_eq!(e.last_name.as_deref(), Some("Efteravn"));
    assert_eq!(e.address.as_deref(), Some("Testvej 10"));
    assert_eq!(e.postal_code.as_deref(), Some("9900"));
    assert_eq!(e.city.as_deref(), Some("Frederikshavn"));
    assert_eq!(e.country.as_deref(), Some("DK"));
    assert_eq!(e.work_phone.as_deref(), Some(""), "<workPhone/> is present but empty");
    assert_eq!(e.work_contract.as_deref(), Some("08"));
    assert_eq!(e.work_contract_text.as_deref(), Some("Ansat"));
    assert_eq!(e.position_id.as_deref(), Some("500"));
    assert_eq!(e.position.as_deref(), Some("Ansat"));
    assert_eq!(e.position_short.as_deref(), Some("TESTER"));
    assert_eq!(e.is_manager, Some(false));
    assert_eq!(e.superior_level.as_deref(), Some("0"));
    assert_eq!(e.subordinate_level.as_deref(), Some("00"));
    assert_eq!(e.org_unit, Some(OrgUnitId::new(3)));
    assert_eq!(e.pay_grade_text.as_deref(), Some("TEST."));
    assert_eq!(e.numerator.as_ref().unwrap().as_str(), "1", "'1 ' is trimmed");
    assert_eq!(e.denominator.as_ref().unwrap().as_str(), "1");
    assert_eq!(e.part_time_fraction(), Some(1.0));
    assert!(e.extra.is_empty() && e.extra_attributes.is_empty());

    // Three employments of one person (same CPR), all with ekstraciffer 0, under two different names.
    for id in ["1001", "1002"] {
        let e = employee(&s, id);
        assert_eq!(e.cpr, employee(&s, "1000").cpr);
        assert_eq!(
            (e.first_name.as_deref(), e.last_name.as_deref()),
            (Some("Fornavn1"), Some("Efteravn2"))
        );
        assert_eq!(e.last_changed, date(2020, 1, 19));
    }
    let cancelled = employee(&s, "1006");
    assert_eq!(cancelled.cpr.as_ref().unwrap().cpr.expose(), "0201010000");
    assert_eq!(cancelled.work_contract_text.as_deref(), Some("Annulleret"));
    assert_eq!(cancelled.position_short.as_deref(), Some("Annulleret"));
    assert_eq!(cancelled.address.as_deref(), Some("Testvej 11"));

    let leave = &s.leaves[0];
    assert_eq!(leave.client.client(), "813");
    assert_eq!(leave.last_changed, None, "the leave record has no lastChanged");
    assert!(leave.children.is_empty() && leave.extra_attributes.is_empty());
}

#[test]
fn sample_2_parses_completely() {
    let s = snapshot(SAMPLE_2);
    assert_eq!(ids(&s.units, |u| u.id.to_string()), ["1", "2", "3", "4", "5"]);
    assert_eq!(ids(&s.active, |e| e.id.number().to_string()), ["1000", "1001", "1002"]);
    assert_eq!(ids(&s.leaves, |l| l.id.number().to_string()), ["9991", "999"]);
    for id in 2..=5 {
        assert_eq!(
            unit(&s, id).parent,
            Some(OrgUnitId::new(1)),
            "unit {id} hangs directly under the root"
        );
    }
    let new = unit(&s, 5);
    assert_eq!(new.last_changed, date(2022, 3, 22));
    assert_eq!(new.start_date, Some(date(2022, 3, 1)));
    assert!(new.is_open_ended());
    assert_eq!(new.short_name.as_deref(), Some("Ny org.enhed"));
    assert_eq!(new.long_name.as_deref(), Some("Ny organisationsenhed"));
    assert_eq!(
        (
            &new.street,
            &new.zip_code,
            &new.city,
            &new.cost_center,
            &new.org_type,
            &new.org_type_txt
        ),
        (&None, &None, &None, &None, &None, &None),
        "unit 5 has only dates, parent and names"
    );
    assert_eq!(unit(&s, 4).org_type_txt.as_deref(), Some("TestCenter"));
    assert_eq!(unit(&s, 4).long_name.as_deref(), Some("2. Under-under-enhed"));

    let e = employee(&s, "1001");
    assert_eq!(e.last_changed, date(2021, 1, 19));
    assert_eq!(e.work_contract_text.as_deref(), Some("Softwaretester"));
    assert!(
        s.leaves
            .iter()
            .all(|l| l.last_changed.is_none() && l.children.is_empty())
    );
}

#[test]
fn progress_reaches_the_file_size() {
    for sample in [SAMPLE_1, SAMPLE_2] {
        let mut reader = DumpReader::new(sample.as_bytes());
        let mut last = 0;
        let mut lines = Vec::new();
        while let Some(item) = reader.next() {
            item.unwrap();
            assert!(reader.bytes_read() > last, "progress moves forward with every record");
            last = reader.bytes_read();
            lines.push(reader.record_line());
        }
        assert_eq!(reader.bytes_read(), sample.len() as u64);
        assert_eq!(lines[0], 3, "the first org unit starts on line 3");
        assert_eq!(
            *lines.last().unwrap(),
            sample.lines().count() as u64 - 1,
            "the last leave record"
        );
    }
}

#[test]
fn samples_round_trip_through_the_writer() {
    for sample in [SAMPLE_1, SAMPLE_2] {
        let records = read_records(sample);
        let written = write_records(&records);
        // The writer reproduces the sample byte for byte except for the samples' irregular indentation.
        assert_eq!(unindented(&written), unindented(sample));
        assert_eq!(read_records(&written), records);
        // And writing what was read back is stable.
        assert_eq!(write_records(&read_records(&written)), written);
    }
}

macro_rules! changed {
    ($a:expr, $b:expr; $($field:ident),+ $(,)?) => {{
        let mut fields: Vec<&'static str> = Vec::new();
        $(if $a.$field != $b.$field { fields.push(stringify!($field)); })+
        fields
    }};
}

fn unit_changes(a: &OrgUnit, b: &OrgUnit) -> Vec<&'static str> {
    changed!(a, b; client, last_changed, start_date, end_date, parent, short_name, long_name, street, zip_code,
        city, phone_number, cvr_nr, ean_nr, se_nr, p_nr, cost_center, org_type, org_type_txt, extra_attributes,
        extra)
}

fn employee_changes(a: &Employee, b: &Employee) -> Vec<&'static str> {
    changed!(a, b; client, last_changed, entry_date, leave_date, cpr, first_name, last_name, address,
        postal_code, city, country, work_phone, work_contract, work_contract_text, position_id, position,
        position_short, is_manager, superior_level, subordinate_level, org_unit, pay_grade_text, numerator,
        denominator, extra_attributes, extra)
}

/// What an importer sees going from one full snapshot to the next, keyed by id.
#[derive(Debug, Default, PartialEq)]
struct Diff {
    new: Vec<String>,
    changed: BTreeMap<String, Vec<&'static str>>,
    unchanged: Vec<String>,
    /// In the old snapshot, absent from the new one without a leave record.
    vanished: Vec<String>,
}

fn diff<T>(old: &[T], new: &[T], key: impl Fn(&T) -> String, fields: impl Fn(&T, &T) -> Vec<&'static str>) -> Diff {
    let old: BTreeMap<String, &T> = old.iter().map(|x| (key(x), x)).collect();
    let new_map: BTreeMap<String, &T> = new.iter().map(|x| (key(x), x)).collect();
    let mut d = Diff::default();
    for (k, n) in &new_map {
        match old.get(k) {
            None => d.new.push(k.clone()),
            Some(o) => match fields(o, n) {
                f if f.is_empty() => d.unchanged.push(k.clone()),
                f => {
                    d.changed.insert(k.clone(), f);
                }
            },
        }
    }
    d.vanished = old.keys().filter(|k| !new_map.contains_key(*k)).cloned().collect();
    d
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn differences_between_the_two_samples() {
    let (a, b) = (snapshot(SAMPLE_1), snapshot(SAMPLE_2));

    let units = diff(&a.units, &b.units, |u| u.id.to_string(), unit_changes);
    assert_eq!(
        units,
        Diff {
            new: strings(&["4", "5"]),
            changed: BTreeMap::from([("2".into(), vec!["se_nr"]), ("3".into(), vec!["parent"])]),
            unchanged: strings(&["1"]),
            vanished: vec![],
        }
    );
    // Both changes came without a new lastChanged: it cannot be trusted to detect changes.
    assert_eq!(unit(&a, 2).se_nr.as_deref(), Some("34590365"));
    assert_eq!(unit(&b, 2).se_nr.as_deref(), Some("34590366"));
    assert_eq!(
        (unit(&a, 3).parent, unit(&b, 3).parent),
        (Some(OrgUnitId::new(2)), Some(OrgUnitId::new(1)))
    );

    let key = |e: &Employee| e.id.number().to_string();
    let employees = diff(&a.active, &b.active, key, employee_changes);
    assert_eq!(
        employees,
        Diff {
            new: vec![],
            changed: BTreeMap::from([
                ("1000".into(), vec!["last_changed", "work_contract_text", "position"]),
                (
                    "1001".into(),
                    vec![
                        "last_changed",
                        "first_name",
                        "last_name",
                        "work_contract_text",
                        "position"
                    ]
                ),
            ]),
            unchanged: strings(&["1002"]),
            // The cancelled ("Annulleret") employment 1006 simply disappears: no leave record for it.
            vanished: strings(&["1006"]),
        }
    );
    assert_eq!(employee(&b, "1000").last_changed, date(2020, 10, 2));
    assert_eq!(employee(&b, "1001").first_name.as_deref(), Some("Fornavn"));
    assert_eq!(employee(&b, "1000").position.as_deref(), Some("Softwaretester"));

    let leave_key = |l: &Leave| l.id.number().to_string();
    let leaves = diff(
        &a.leaves,
        &b.leaves,
        leave_key,
        |x, y| if x == y { vec![] } else { vec!["*"] },
    );
    assert_eq!(
        leaves,
        Diff {
            // 9991 leaves without ever having been active in the first snapshot.
            new: strings(&["9991"]),
            changed: BTreeMap::new(),
            // 999's leave record is repeated in every snapshot.
            unchanged: strings(&["999"]),
            vanished: vec![],
        }
    );
    assert!(a.active.iter().all(|e| e.id != pernr("9991")));
}
