//! Hostile and broken input: invalid records are reported with their line and skipped, everything that is not
//! well-formed (or breaks a limit) ends the stream with one fatal error carrying the line.

mod common;

use common::*;
use snitflade_opus_dump::{DumpReader, EmployeeRecord, FatalKind, InvalidRecord, Limits, Problem, Record, RecordError};

const UNIT: &str = " <orgUnit id=\"1\" client=\"813\" lastChanged=\"2020-09-16\">\n  <parentOrgUnit/>\n </orgUnit>\n";
const LEAVE: &str = " <employee id=\"999\" client=\"813\" action=\"leave\"/>\n";

/// A valid active employee with `inner` as its children (one per line).
fn employee(attrs: &str, inner: &str) -> String {
    format!(" <employee {attrs}>\n{inner} </employee>\n")
}

/// Whether a fatal error is of the expected kind.
type KindCheck = fn(&FatalKind) -> bool;

fn invalid(item: &Result<Record, RecordError>) -> &InvalidRecord {
    match item {
        Err(RecordError::Invalid(e)) => e,
        other => panic!("expected an invalid record, got {other:?}"),
    }
}

fn fatal(items: &[Result<Record, RecordError>]) -> (u64, FatalKind) {
    match items.last() {
        Some(Err(RecordError::Fatal(e))) => (e.line, e.kind.clone()),
        other => panic!("expected a fatal error last, got {other:?}"),
    }
}

/// `bad` (spanning any number of lines) between a valid unit and a valid leave record: three items come out,
/// the middle one the error. Line 3 is the unit's start, `bad` starts on line 6.
fn one_bad_record(bad: &str) -> InvalidRecord {
    let items = read_items(&dump(&format!("{UNIT}{bad}{LEAVE}")));
    assert_eq!(items.len(), 3, "{items:?}");
    assert!(matches!(items[0], Ok(Record::OrgUnit(_))));
    assert!(
        matches!(items[2], Ok(Record::Employee(EmployeeRecord::Leave(_)))),
        "reading went on"
    );
    let e = invalid(&items[1]).clone();
    assert_eq!(e.record_line, 6);
    e
}

#[test]
fn non_numeric_employee_id() {
    let e = one_bad_record(&employee(
        r#"id="10x0" client="813" lastChanged="2020-01-01""#,
        "  <firstName>A</firstName>\n",
    ));
    assert_eq!(
        (e.element.as_str(), e.id.as_deref(), e.line),
        ("employee", Some("10x0"), 6)
    );
    assert!(matches!(e.problem, Problem::InvalidAttribute { name: "id", .. }));
    let msg = e.to_string();
    assert!(msg.starts_with("line 6: <employee id=\"10x0\"> skipped: @id:"), "{msg}");
}

#[test]
fn bad_dates() {
    let e = one_bad_record(&employee(r#"id="1" client="813" lastChanged="2020-13-01""#, ""));
    assert!(
        matches!(
            e.problem,
            Problem::InvalidAttribute {
                name: "lastChanged",
                ..
            }
        ),
        "{e}"
    );

    let inner = "  <entryDate/>\n  <leaveDate>2020-02-30</leaveDate>\n";
    let e = one_bad_record(&employee(r#"id="1" client="813" lastChanged="2020-01-01""#, inner));
    assert_eq!(e.line, 8, "the line of <leaveDate>");
    assert_eq!(
        e.to_string(),
        "line 8: <employee id=\"1\"> (record starting at line 6) skipped: <leaveDate>: '2020-02-30' is not a real date"
    );

    let unit = " <orgUnit id=\"7\" client=\"813\" lastChanged=\"2020-01-01\">\n  <startDate>1.1.1900</startDate>\n </orgUnit>\n";
    let e = one_bad_record(unit);
    assert_eq!((e.element.as_str(), e.line), ("orgUnit", 7));
    assert!(e.to_string().contains("'1.1.1900' is not a date (yyyy-MM-dd)"), "{e}");
}

#[test]
fn unknown_child_with_nested_elements() {
    let inner = "  <firstName>A</firstName>\n  <phones>\n   <phone>\n    <n>1</n>\n   </phone>\n  </phones>\n";
    let e = one_bad_record(&employee(r#"id="1" client="813" lastChanged="2020-01-01""#, inner));
    assert_eq!(e.line, 9, "the line of the first nested element");
    assert_eq!(
        e.problem,
        Problem::NestedElement {
            element: "phones".into(),
            child: "phone".into()
        }
    );
}

#[test]
fn bad_cpr_is_reported_without_the_number() {
    let inner = "  <cpr suppId=\"0\">3213019999</cpr>\n";
    let e = one_bad_record(&employee(r#"id="1" client="813" lastChanged="2020-01-01""#, inner));
    assert_eq!(e.line, 7);
    let msg = e.to_string();
    assert!(msg.contains("<cpr>: not a CPR number"), "{msg}");
    assert!(
        !msg.contains("3213019999") && !msg.contains("321301"),
        "no CPR digits in messages: {msg}"
    );

    let e = one_bad_record(&employee(
        r#"id="1" client="813" lastChanged="2020-01-01""#,
        "  <cpr suppId=\"x\">0101010000</cpr>\n",
    ));
    assert!(e.to_string().contains("@suppId 'x'"), "{e}");
    let e = one_bad_record(&employee(
        r#"id="1" client="813" lastChanged="2020-01-01""#,
        "  <cpr suppId=\"1\"/>\n",
    ));
    assert!(e.to_string().contains("without a CPR number"), "{e}");
}

#[test]
fn other_invalid_records() {
    let attrs = r#"id="1" client="813" lastChanged="2020-01-01""#;
    let cases: Vec<(String, &str)> = vec![
        (
            employee(attrs, "  <isManager>maybe</isManager>\n"),
            "'maybe' is not a boolean",
        ),
        (
            employee(attrs, "  <orgUnit>U3</orgUnit>\n"),
            "<orgUnit>: 'U3' is not an org unit id",
        ),
        (
            employee(attrs, "  <numerator>1-</numerator>\n"),
            "<numerator>: '1-' must be a non-negative decimal",
        ),
        (
            employee(attrs, "  <city>A</city>\n  <city>B</city>\n"),
            "<city> occurs more than once",
        ),
        (
            employee(attrs, "  <city lang=\"da\">A</city>\n"),
            "<city> has the unexpected attribute lang",
        ),
        (employee(attrs, "  stray\n"), "unexpected text 'stray'"),
        (
            employee(r#"id="1" lastChanged="2020-01-01""#, ""),
            "the attribute client is missing",
        ),
        (
            employee(r#"id="1" client="0" lastChanged="2020-01-01""#, ""),
            "@client: '0' is not a municipality",
        ),
        (
            employee(r#"id="1" client="813""#, ""),
            "the attribute lastChanged is missing",
        ),
        (
            employee(r#"client="813" action="leave""#, ""),
            "the attribute id is missing",
        ),
        (
            employee(r#"id="1" client="813" action="hire""#, ""),
            "@action=\"hire\" is not known",
        ),
        (" <person id=\"1\"/>\n".into(), "not a record of the dump"),
        (
            " <orgUnit id=\"-1\" client=\"813\" lastChanged=\"2020-01-01\"/>\n".into(),
            "@id: '-1' is not an org unit id",
        ),
    ];
    for (bad, expected) in cases {
        let e = one_bad_record(&bad);
        assert!(e.to_string().contains(expected), "{e} should contain {expected:?}");
    }
}

#[test]
fn text_and_child_limits_make_the_record_invalid() {
    let limits = Limits {
        max_text_len: 10,
        max_children: 3,
        ..Limits::DEFAULT
    };
    let attrs = r#"id="1" client="813" lastChanged="2020-01-01""#;
    let long = employee(attrs, "  <firstName>abcdefghij&amp;</firstName>\n");
    let many = employee(attrs, "  <a/>\n  <b/>\n  <c/>\n  <d/>\n");
    let xml = dump(&format!("{long}{many}{LEAVE}"));
    let items: Vec<_> = DumpReader::with_limits(xml.as_bytes(), limits).collect();
    assert_eq!(items.len(), 3);
    assert_eq!(
        invalid(&items[0]).problem,
        Problem::TextTooLong {
            element: "firstName".into(),
            limit: 10
        }
    );
    assert_eq!(invalid(&items[1]).problem, Problem::TooManyChildren { limit: 3 });
    assert_eq!(invalid(&items[1]).line, 10, "the fourth child");
    assert!(items[2].is_ok());
}

#[test]
fn stray_text_between_records_is_reported_once_and_skipped() {
    let items = read_items(&dump(&format!("{UNIT}garbage &amp; more\n{LEAVE}")));
    assert_eq!(items.len(), 3);
    let e = invalid(&items[1]);
    assert_eq!((e.element.as_str(), e.line), ("kmd", 6));
    assert!(items[2].is_ok());
}

#[test]
fn unknown_elements_and_attributes_are_kept() {
    let inner = "  <firstName>A</firstName>\n  <email type=\"work\">a@example.dk</email>\n  <userId/>\n";
    let xml = dump(&employee(
        r#"id="1" client="813" lastChanged="2020-01-01" source="opus""#,
        inner,
    ));
    let records = read_records(&xml);
    let Record::Employee(EmployeeRecord::Active(e)) = &records[0] else {
        panic!()
    };
    assert_eq!(e.extra_attributes, [("source".to_string(), "opus".to_string())]);
    assert_eq!(e.extra.len(), 2);
    assert_eq!(e.extra[0].name, "email");
    assert_eq!(e.extra[0].attributes, [("type".to_string(), "work".to_string())]);
    assert_eq!(e.extra[0].text, "a@example.dk");
    assert_eq!((e.extra[1].name.as_str(), e.extra[1].text.as_str()), ("userId", ""));
    let written = write_records(&records);
    assert!(
        written.contains("  <email type=\"work\">a@example.dk</email>\n  <userId/>\n </employee>"),
        "{written}"
    );
    assert_eq!(read_records(&written), records);

    let leave = " <employee id=\"5\" client=\"813\" lastChanged=\"2020-02-01\" action=\"leave\">\n  <leaveDate>2020-01-31</leaveDate>\n </employee>\n";
    let records = read_records(&dump(leave));
    let Record::Employee(EmployeeRecord::Leave(l)) = &records[0] else {
        panic!()
    };
    assert_eq!(l.last_changed, Some(date(2020, 2, 1)));
    assert_eq!(l.child_text("leaveDate"), Some("2020-01-31"));
    assert_eq!(write_records(&records), dump(leave));
}

#[test]
fn doctype_is_refused() {
    let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!DOCTYPE kmd [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<kmd>\n <employee id=\"1\" client=\"813\" action=\"leave\">&x;</employee>\n</kmd>\n";
    let items = read_items(xml);
    assert_eq!(items.len(), 1, "nothing is read past the DOCTYPE");
    assert_eq!(fatal(&items), (2, FatalKind::Doctype));
    assert!(items[0].as_ref().unwrap_err().is_fatal());
    assert_eq!(items[0].as_ref().unwrap_err().line(), 2);

    // Inside the document too.
    let items = read_items(&dump(&format!("{UNIT}<!DOCTYPE kmd>\n")));
    assert_eq!(items.len(), 2);
    assert_eq!(fatal(&items), (6, FatalKind::Doctype));
}

#[test]
fn processing_instructions_and_misplaced_declarations_are_refused() {
    let xml = "<?xml version=\"1.0\"?>\n<?xml-stylesheet href=\"x.xsl\"?>\n<kmd/>\n";
    assert_eq!(fatal(&read_items(xml)), (2, FatalKind::ProcessingInstruction));
    let xml = dump(&format!("{UNIT}<?php system('x') ?>\n"));
    assert_eq!(fatal(&read_items(&xml)), (6, FatalKind::ProcessingInstruction));
    let xml = "\n<?xml version=\"1.0\"?>\n<kmd/>\n";
    assert_eq!(fatal(&read_items(xml)), (2, FatalKind::MisplacedDeclaration));
    let xml = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<kmd/>\n";
    assert!(matches!(fatal(&read_items(xml)), (1, FatalKind::Declaration(_))));
    let xml = "<?xml version=\"1.1\"?>\n<kmd/>\n";
    assert!(matches!(fatal(&read_items(xml)), (1, FatalKind::Declaration(_))));
}

#[test]
fn not_well_formed_ends_the_stream_with_the_line() {
    let attrs = r#"id="1" client="813" lastChanged="2020-01-01""#;
    let bad = employee(attrs, "  <firstName>A</lastName>\n");
    let xml = dump(&format!("{UNIT}{bad}{LEAVE}"));
    let mut reader = DumpReader::new(xml.as_bytes());
    assert!(reader.next().unwrap().is_ok());
    let err = reader.next().unwrap().unwrap_err();
    assert!(err.is_fatal());
    assert_eq!(err.line(), 7);
    assert_eq!(
        err.to_string(),
        "line 7: not well-formed XML: </lastName> does not close <firstName>"
    );
    assert!(reader.next().is_none(), "the stream has ended");
    assert!(reader.next().is_none());

    let cases: Vec<(String, u64, KindCheck)> = vec![
        (dump(&format!("{UNIT}<employee id=\"1\" id=\"2\"/>\n")), 6, |k| {
            matches!(k, FatalKind::Malformed(_))
        }),
        (dump(&format!("{UNIT}<employee id='1/>\n")), 6, |k| {
            matches!(k, FatalKind::Malformed(_))
        }),
        (dump(&format!("{UNIT}<a>&bogus;</a>\n")), 6, |k| {
            *k == FatalKind::UnknownEntity("bogus".into())
        }),
        (dump(&format!("{UNIT}<a b=\"&bogus;\"/>\n")), 6, |k| {
            *k == FatalKind::UnknownEntity("bogus".into())
        }),
        (dump(&format!("{UNIT}<a>&#1;</a>\n")), 6, |k| {
            *k == FatalKind::InvalidChar(1)
        }),
        (dump(&format!("{UNIT}<a>\u{1}</a>\n")), 6, |k| {
            *k == FatalKind::InvalidChar(1)
        }),
        (dump(&format!("{UNIT}<a>x & y</a>\n")), 6, |k| {
            matches!(k, FatalKind::Malformed(_))
        }),
        (format!("<?xml version=\"1.0\"?>\n<kmd>\n{UNIT}"), 6, |k| {
            *k == FatalKind::UnexpectedEof
        }),
        (
            "<?xml version=\"1.0\"?>\n<kmd>\n <orgUnit id=\"1\">\n  <x>".to_string(),
            4,
            |k| *k == FatalKind::UnexpectedEof,
        ),
        (format!("{}<kmd/>\n", dump("")), 4, |k| *k == FatalKind::TrailingContent),
        (format!("{}junk\n", dump("")), 4, |k| *k == FatalKind::TrailingContent),
        ("<?xml version=\"1.0\"?>\n<html/>\n".into(), 2, |k| {
            *k == FatalKind::WrongRoot("html".into())
        }),
        ("<?xml version=\"1.0\"?>\n<!-- nothing -->\n".into(), 3, |k| {
            *k == FatalKind::NoRoot
        }),
        ("".into(), 1, |k| *k == FatalKind::NoRoot),
        ("just text".into(), 1, |k| matches!(k, FatalKind::Malformed(_))),
    ];
    for (xml, line, kind) in cases {
        let items = read_items(&xml);
        let (got_line, got_kind) = fatal(&items);
        assert!(
            kind(&got_kind) && got_line == line,
            "{xml:?}: got line {got_line}: {got_kind}"
        );
    }
}

#[test]
fn invalid_utf8_is_fatal() {
    let mut xml = dump(&format!("{UNIT}<a>x</a>\n")).into_bytes();
    let at = xml.windows(3).position(|w| w == b">x<").unwrap();
    xml[at + 1] = 0xFF;
    let items: Vec<_> = DumpReader::new(&xml[..]).collect();
    assert_eq!(fatal(&items), (6, FatalKind::NotUtf8));
}

#[test]
fn depth_is_bounded() {
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let xml = dump(&format!(
        " <employee id=\"1\" client=\"813\" lastChanged=\"2020-01-01\">\n  <x>{deep}</x>\n </employee>\n"
    ));
    let items = read_items(&xml);
    assert_eq!(items.len(), 1);
    assert_eq!(fatal(&items), (4, FatalKind::TooDeep { limit: 16 }));
}

#[test]
fn huge_text_is_refused_while_reading() {
    let limits = Limits {
        max_event_len: 4096,
        ..Limits::DEFAULT
    };
    // Without any '<' in sight; the reader must stop early rather than buffer it all.
    let text = "x".repeat(10 * 1024 * 1024);
    let xml = dump(&format!(
        "{UNIT} <employee id=\"1\" client=\"813\" lastChanged=\"2020-01-01\">\n  <firstName>{text}</firstName>\n </employee>\n"
    ));
    let mut reader = DumpReader::with_limits(xml.as_bytes(), limits);
    assert!(reader.next().unwrap().is_ok());
    let err = reader.next().unwrap().unwrap_err();
    assert_eq!(
        err,
        RecordError::Fatal(snitflade_opus_dump::FatalError {
            line: 7,
            kind: FatalKind::TooLong { limit: 4096 }
        })
    );
    assert!(
        reader.bytes_read() < 200 * 1024,
        "stopped after {} bytes",
        reader.bytes_read()
    );
    assert!(reader.buffer_capacity() < 200 * 1024);

    // Same for a giant comment or attribute.
    for bad in [format!("<!--{text}-->"), format!("<a b=\"{text}\"/>")] {
        let xml = dump(&format!("{UNIT}{bad}\n"));
        let items: Vec<_> = DumpReader::with_limits(xml.as_bytes(), limits).collect();
        assert_eq!(fatal(&items), (6, FatalKind::TooLong { limit: 4096 }));
    }
}

#[test]
fn too_many_attributes_is_fatal() {
    let attrs: String = (0..40).map(|i| format!(" a{i}=\"v\"")).collect();
    let items = read_items(&dump(&format!("<employee{attrs}/>\n")));
    assert_eq!(fatal(&items), (3, FatalKind::TooManyAttributes { limit: 32 }));
}

#[test]
fn tolerated_variations() {
    // BOM, CRLF line ends, comments, CDATA, character references, an empty <kmd/>.
    let xml = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- export -->\r\n<kmd>\r\n <employee id=\"00001000\" client=\"0813\" lastChanged=\" 2020-01-01 \">\r\n  <firstName><![CDATA[Å<&>]]>&#x42;&#67;</firstName>\r\n  <address>Line 1\r\nLine 2</address>\r\n  <!-- a comment -->\r\n  <isManager> true </isManager>\r\n  <bad>&lt;</bad>\r\n </employee>\r\n</kmd>\r\n<!-- end -->\r\n";
    let mut reader = DumpReader::new(xml.as_bytes());
    let Some(Ok(Record::Employee(EmployeeRecord::Active(e)))) = reader.next() else {
        panic!()
    };
    assert_eq!(reader.record_line(), 4);
    assert_eq!(e.id, pernr("1000"));
    assert_eq!(e.client.client(), "813");
    assert_eq!(e.first_name.as_deref(), Some("Å<&>BC"));
    assert_eq!(e.address.as_deref(), Some("Line 1\nLine 2"), "line ends normalised");
    assert_eq!(e.is_manager, Some(true));
    assert_eq!(e.extra[0].text, "<");
    assert!(reader.next().is_none());
    assert_eq!(reader.bytes_read(), xml.len() as u64);

    assert!(read_items("<kmd/>").is_empty());
    assert!(read_items("<?xml version=\"1.0\"?><kmd></kmd>").is_empty());
}

#[test]
fn org_units_after_employees_are_read() {
    // The format puts org units first; the reader does not insist (the writer does).
    let xml = dump(&format!("{LEAVE}{UNIT}"));
    let records = read_records(&xml);
    assert!(matches!(records[1], Record::OrgUnit(_)));
}
