//! Property: any records the model can hold come back unchanged through writer → reader, whatever their text
//! (markup characters, blanks, line ends, non-ASCII) and extra elements.

mod common;

use common::*;
use jiff::civil::Date;
use proptest::collection::{btree_map, vec};
use proptest::option;
use proptest::prelude::*;
use snitflade_domain::{Cpr, Kommunekode, Pernr};
use snitflade_opus_dump::{
    Employee, EmployeeCpr, EmployeeRecord, ExtraElement, Leave, OrgUnit, OrgUnitId, Quantity, Record,
};

/// Any text XML 1.0 can carry: printable characters of any script plus tab, LF, CR and the markup characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[\\PC\t\n\r]{0,24}",
        "[ &<>\"'\\]\\r\\n\\t;#a-z]{0,12}",
        Just(String::new()),
    ]
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    option::of(text())
}

fn date() -> impl Strategy<Value = Date> {
    (0i16..=9999, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| jiff::civil::date(y, m, d))
}

fn client() -> impl Strategy<Value = Kommunekode> {
    (1u16..=9999).prop_map(|n| Kommunekode::parse(&n.to_string()).unwrap())
}

fn pernr() -> impl Strategy<Value = Pernr> {
    (0u32..=99_999_999).prop_map(|n| Pernr::parse(&n.to_string()).unwrap())
}

fn org_unit_id() -> impl Strategy<Value = OrgUnitId> {
    (0u64..=999_999_999_999_999_999).prop_map(OrgUnitId::new)
}

fn quantity() -> impl Strategy<Value = Quantity> {
    "[0-9]{1,4}(\\.[0-9]{1,2})?".prop_map(|s| Quantity::parse(&s).unwrap())
}

fn cpr() -> impl Strategy<Value = EmployeeCpr> {
    (1u8..=28, 1u8..=12, 0u8..=99, 0u16..=9999, option::of(0u8..=9)).prop_map(|(d, m, y, serial, supp_id)| {
        EmployeeCpr {
            cpr: Cpr::parse(&format!("{d:02}{m:02}{y:02}{serial:04}")).unwrap(),
            supp_id,
        }
    })
}

/// Extra attributes with unique names that cannot collide with the known ones.
fn extra_attributes() -> impl Strategy<Value = Vec<(String, String)>> {
    btree_map("x[A-Za-z0-9_.-]{0,6}", text(), 0..3).prop_map(|m| m.into_iter().collect())
}

/// Extra elements whose names cannot collide with the known ones (none starts with an x).
fn extras() -> impl Strategy<Value = Vec<ExtraElement>> {
    vec(
        ("x[A-Za-zæøå0-9_.-]{0,8}", extra_attributes(), text()).prop_map(|(name, attributes, text)| ExtraElement {
            name,
            attributes,
            text,
        }),
        0..3,
    )
}

prop_compose! {
    fn org_unit()(
        head in (org_unit_id(), client(), date()),
        dates in (option::of(date()), option::of(date()), option::of(org_unit_id())),
        names in (opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        numbers in (opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        extra_attributes in extra_attributes(),
        extra in extras(),
    ) -> OrgUnit {
        let mut u = OrgUnit::new(head.0, head.1, head.2);
        (u.start_date, u.end_date, u.parent) = dates;
        (u.short_name, u.long_name, u.street, u.zip_code, u.city, u.phone_number) = names;
        (u.cvr_nr, u.ean_nr, u.se_nr, u.p_nr, u.cost_center, u.org_type, u.org_type_txt) = numbers;
        u.extra_attributes = extra_attributes;
        u.extra = extra;
        u
    }
}

prop_compose! {
    fn employee()(
        head in (pernr(), client(), date()),
        typed in (option::of(date()), option::of(date()), option::of(cpr()), any::<Option<bool>>(),
            option::of(org_unit_id()), option::of(quantity()), option::of(quantity())),
        person in (opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        job in (opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text(), opt_text()),
        extra_attributes in extra_attributes(),
        extra in extras(),
    ) -> Employee {
        let mut e = Employee::new(head.0, head.1, head.2);
        (e.entry_date, e.leave_date, e.cpr, e.is_manager, e.org_unit, e.numerator, e.denominator) = typed;
        (e.first_name, e.last_name, e.address, e.postal_code, e.city, e.country, e.work_phone) = person;
        (e.work_contract, e.work_contract_text, e.position_id, e.position, e.position_short, e.superior_level,
            e.subordinate_level, e.pay_grade_text) = job;
        e.extra_attributes = extra_attributes;
        e.extra = extra;
        e
    }
}

prop_compose! {
    fn leave()(
        id in pernr(),
        client in client(),
        last_changed in option::of(date()),
        extra_attributes in extra_attributes(),
        children in extras(),
    ) -> Leave {
        Leave { id, client, last_changed, extra_attributes, children }
    }
}

fn employee_record() -> impl Strategy<Value = EmployeeRecord> {
    prop_oneof![
        3 => employee().prop_map(EmployeeRecord::Active),
        1 => leave().prop_map(EmployeeRecord::Leave),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_records_round_trip(units in vec(org_unit(), 0..3), employees in vec(employee_record(), 0..6)) {
        let records: Vec<Record> = units
            .into_iter()
            .map(Record::OrgUnit)
            .chain(employees.into_iter().map(Record::Employee))
            .collect();
        let xml = write_records(&records);
        let read = read_records(&xml);
        prop_assert_eq!(&read, &records);
        // Writing what was read gives the same bytes.
        prop_assert_eq!(write_records(&read), xml);
    }
}
