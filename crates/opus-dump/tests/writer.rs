//! The writer: layout, escaping, and the records it refuses to write (leaving the output untouched).

mod common;

use common::*;
use snitflade_domain::Cpr;
use snitflade_opus_dump::{
    DumpReader, DumpWriter, Employee, EmployeeCpr, ExtraElement, Leave, OrgUnit, OrgUnitId, Quantity, Record,
    WriteError,
};

fn unit() -> OrgUnit {
    OrgUnit::new(OrgUnitId::new(1), client("813"), date(2020, 9, 16))
}

fn active() -> Employee {
    Employee::new(pernr("00001000"), client("0813"), date(2020, 10, 1))
}

#[test]
fn layout_of_minimal_records() {
    let mut e = active();
    e.cpr = Some(EmployeeCpr {
        cpr: Cpr::parse("0101010000").unwrap(),
        supp_id: Some(1),
    });
    e.numerator = Some(Quantity::parse("18.5").unwrap());
    e.denominator = Some(Quantity::parse("37").unwrap());
    let xml = write_records(&[unit().into(), e.into(), Leave::new(pernr("999"), client("813")).into()]);
    assert_eq!(
        xml,
        r#"<?xml version="1.0" encoding="utf-8"?>
<kmd>
 <orgUnit id="1" client="813" lastChanged="2020-09-16">
  <startDate/>
  <endDate/>
  <parentOrgUnit/>
 </orgUnit>
 <employee id="1000" client="813" lastChanged="2020-10-01">
  <entryDate/>
  <leaveDate/>
  <cpr suppId="1">0101010000</cpr>
  <isManager/>
  <orgUnit/>
  <numerator>18.5 </numerator>
  <denominator>37 </denominator>
 </employee>
 <employee id="999" client="813" action="leave"/>
</kmd>
"#
    );
}

#[test]
fn escapes_text_and_attributes() {
    let mut u = unit();
    u.short_name = Some("A & B <C> \"D\" 'E' ]]>".into());
    u.long_name = Some(" padded\r\nand\ttabbed ".into());
    u.extra_attributes = vec![("note".into(), "x\"y\n\tz & <w>".into())];
    u.extra = vec![ExtraElement {
        name: "email".into(),
        attributes: vec![("scope".into(), "SECRET".into())],
        text: "a&b@example.dk".into(),
    }];
    let xml = write_records(&[u.clone().into()]);
    assert!(xml.contains(r#" note="x&quot;y&#10;&#9;z &amp; &lt;w&gt;">"#), "{xml}");
    assert!(
        xml.contains("<shortName>A &amp; B &lt;C&gt; \"D\" 'E' ]]&gt;</shortName>"),
        "{xml}"
    );
    assert!(xml.contains("<longName> padded&#13;\nand\ttabbed </longName>"), "{xml}");
    assert!(
        xml.contains("<email scope=\"SECRET\">a&amp;b@example.dk</email>"),
        "{xml}"
    );
    assert_eq!(read_records(&xml), [Record::OrgUnit(u)]);
}

#[test]
fn refused_records_leave_the_output_untouched() {
    let mut writer = DumpWriter::new(Vec::new());
    writer.write_org_unit(&unit()).unwrap();
    let before = writer.records_written();

    let mut control = unit();
    control.city = Some("bad\u{1}".into());
    let err = writer.write_org_unit(&control).unwrap_err();
    assert!(matches!(err, WriteError::InvalidChar { code: 1, .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "<city>: the character U+0001 cannot be represented in XML 1.0"
    );

    let mut shadow = active();
    shadow.extra = vec![ExtraElement::new("firstName", "X")];
    assert!(matches!(
        writer.write_employee(&shadow.into()),
        Err(WriteError::ShadowsKnownElement(_))
    ));

    let mut bad_name = active();
    bad_name.extra = vec![ExtraElement::new("1x", "X")];
    assert!(matches!(
        writer.write_employee(&bad_name.into()),
        Err(WriteError::InvalidName(_))
    ));

    let mut dup = active();
    dup.extra_attributes = vec![("id".into(), "2".into())];
    assert!(matches!(
        writer.write_employee(&dup.into()),
        Err(WriteError::DuplicateAttribute(_))
    ));
    let mut action = active();
    action.extra_attributes = vec![("action".into(), "leave".into())];
    assert!(matches!(
        writer.write_employee(&action.into()),
        Err(WriteError::DuplicateAttribute(_))
    ));

    let ancient = Employee::new(pernr("1"), client("813"), date(-5, 1, 1));
    assert!(matches!(
        writer.write_employee(&ancient.into()),
        Err(WriteError::DateOutOfRange(_))
    ));

    assert_eq!(writer.records_written(), before);
    writer.write_employee(&active().into()).unwrap();
    assert!(matches!(
        writer.write_org_unit(&unit()),
        Err(WriteError::OrgUnitAfterEmployee)
    ));
    assert!(matches!(
        writer.set_root_attributes(vec![]),
        Err(WriteError::AlreadyStarted)
    ));

    let xml = String::from_utf8(writer.finish().unwrap()).unwrap();
    assert_eq!(read_records(&xml), [Record::OrgUnit(unit()), active().into()]);
}

#[test]
fn empty_dump_and_root_attributes() {
    let xml = String::from_utf8(DumpWriter::new(Vec::new()).finish().unwrap()).unwrap();
    assert_eq!(xml, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd>\n</kmd>\n");
    assert!(read_records(&xml).is_empty());

    let mut writer = DumpWriter::new(Vec::new());
    writer
        .set_root_attributes(vec![("version".into(), "2".into())])
        .unwrap();
    writer.write_org_unit(&unit()).unwrap();
    let xml = String::from_utf8(writer.finish().unwrap()).unwrap();
    let mut reader = DumpReader::new(xml.as_bytes());
    assert!(reader.next().unwrap().is_ok());
    assert_eq!(reader.root_attributes(), [("version".to_string(), "2".to_string())]);
}
