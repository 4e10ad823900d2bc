//! Leave records that carry the ended employment's last data: written in the form of an active employee,
//! read back verbatim, and turned into the employment again by `Leave::employment`.

mod common;

use common::*;
use snitflade_opus_dump::{DumpWriter, Employee, EmployeeRecord, ExtraElement, Leave, Problem, Record};

/// Sample 1's first active employee, ended on 2025-06-30, with an extra attribute and element.
fn ended() -> Employee {
    let mut e = read_records(SAMPLE_1)
        .into_iter()
        .find_map(|r| match r {
            Record::Employee(EmployeeRecord::Active(e)) => Some(e),
            _ => None,
        })
        .unwrap();
    e.entry_date = Some(date(2019, 3, 1));
    e.leave_date = Some(date(2025, 6, 30));
    e.extra_attributes = vec![("source".into(), "x".into())];
    e.extra = vec![ExtraElement::new("userId", "AB12")];
    e
}

fn leave_of(xml: &str) -> Leave {
    match read_records(xml).pop() {
        Some(Record::Employee(EmployeeRecord::Leave(l))) => l,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_leave_record_with_data_round_trips() {
    let e = ended();
    let mut writer = DumpWriter::new(Vec::new());
    writer.write_ended_employment(&e).unwrap();
    let xml = String::from_utf8(writer.finish().unwrap()).unwrap();

    // The children are exactly those of the active record; only the start tag differs.
    let active = write_records(&[e.clone().into()]);
    let active_tag = format!(
        " <employee id=\"{}\" client=\"813\" lastChanged=\"{}\" source=\"x\">\n",
        e.id.number(),
        e.last_changed
    );
    let leave_tag = format!(
        " <employee id=\"{}\" client=\"813\" lastChanged=\"{}\" action=\"leave\" source=\"x\">\n",
        e.id.number(),
        e.last_changed
    );
    assert!(active.contains(&active_tag), "{active}");
    assert_eq!(xml, active.replace(&active_tag, &leave_tag));
    assert!(
        xml.contains("  <leaveDate>2025-06-30</leaveDate>\n  <cpr suppId=\"0\">"),
        "{xml}"
    );

    let leave = leave_of(&xml);
    assert!(leave.has_employment());
    assert_eq!(leave.last_changed, Some(e.last_changed));
    assert_eq!(leave.child_text("leaveDate"), Some("2025-06-30"));
    assert_eq!(leave.employment(), Some(Ok(e)));
    // Written again as a leave record (children verbatim), the record is unchanged.
    assert_eq!(write_records(&[leave.into()]), xml);
}

#[test]
fn a_childless_leave_record_has_no_employment() {
    let leave = leave_of(&dump(" <employee id=\"999\" client=\"813\" action=\"leave\"/>\n"));
    assert!(!leave.has_employment());
    assert_eq!(leave.employment(), None);
    // Children without a CPR number are no employment either (kept verbatim as before).
    let leave = leave_of(&dump(
        " <employee id=\"999\" client=\"813\" action=\"leave\">\n  <leaveDate>2020-01-31</leaveDate>\n </employee>\n",
    ));
    assert_eq!(leave.employment(), None);
    assert_eq!(leave.child_text("leaveDate"), Some("2020-01-31"));
}

#[test]
fn malformed_data_in_a_leave_record_is_an_error() {
    let record = |attrs: &str, children: &str| {
        leave_of(&dump(&format!(
            " <employee id=\"7\" client=\"813\"{attrs} action=\"leave\">\n  <cpr>0101010000</cpr>\n{children} </employee>\n"
        )))
    };
    let changed = " lastChanged=\"2020-01-01\"";
    // The reader accepts the record (children verbatim); reading its employment refuses the bad child.
    let bad_date = record(changed, "  <leaveDate>2020-13-01</leaveDate>\n");
    assert!(
        matches!(bad_date.employment(), Some(Err(Problem::InvalidValue { ref element, .. })) if element == "leaveDate"),
        "{:?}",
        bad_date.employment()
    );
    let twice = record(changed, "  <firstName>A</firstName>\n  <firstName>B</firstName>\n");
    assert_eq!(twice.employment(), Some(Err(Problem::Duplicate("firstName".into()))));
    let bad_cpr = leave_of(&dump(
        " <employee id=\"7\" client=\"813\" lastChanged=\"2020-01-01\" action=\"leave\">\n  <cpr suppId=\"x\">0101010000</cpr>\n </employee>\n",
    ));
    assert!(matches!(bad_cpr.employment(), Some(Err(Problem::InvalidValue { .. }))));
    let no_last_changed = record("", "");
    assert_eq!(
        no_last_changed.employment(),
        Some(Err(Problem::MissingAttribute("lastChanged")))
    );
    let good = record(changed, "  <firstName>A</firstName>\n")
        .employment()
        .unwrap()
        .unwrap();
    assert_eq!(good.first_name.as_deref(), Some("A"));
    assert_eq!(good.last_changed, date(2020, 1, 1));
}
