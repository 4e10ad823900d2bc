//! Tests for the XML writer: escaping, self-closing, envelopes, round trips through the reader.

use super::*;
use crate::reader::{Limits, parse_document};
use crate::{SOAP11_NS, parse_envelope};

#[test]
fn escapes_text_and_attributes() {
    let mut w = XmlWriter::new();
    w.start("a")
        .attr("v", "x&y<z>\"q\"'\n\r\t")
        .text("1 & 2 < 3 > 0 \"q\" 'a'\n\tb\rc");
    assert_eq!(
        w.finish(),
        "<a v=\"x&amp;y&lt;z&gt;&quot;q&quot;'&#10;&#13;&#9;\">\
         1 &amp; 2 &lt; 3 &gt; 0 \"q\" 'a'\n\tb&#13;c</a>"
    );
}

#[test]
fn characters_xml_cannot_carry_become_replacement_chars() {
    let mut w = XmlWriter::new();
    w.start("a")
        .attr("v", "\u{0}x")
        .leaf("b", "\u{1}\u{1F}\u{FFFE}\u{FFFF}\u{FFFD}æ😀");
    let xml = w.finish();
    assert_eq!(
        xml,
        "<a v=\"\u{FFFD}x\"><b>\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}æ😀</b></a>"
    );
    assert!(parse_document(xml.as_bytes(), &Limits::default()).is_ok());
}

#[test]
fn empty_elements_self_close() {
    let mut w = XmlWriter::new();
    w.start("r").start("e").end().start("f").attr("k", "v").end();
    w.start("g").text("").end();
    assert_eq!(w.finish(), "<r><e/><f k=\"v\"/><g></g></r>");
}

#[test]
fn leaf_leaf_opt_raw_and_nesting() {
    let mut w = XmlWriter::with_capacity(64);
    w.start("ns0:R")
        .attr("xmlns:ns0", "urn:x")
        .leaf("A", "1")
        .leaf("E", "")
        .leaf_opt("B", None)
        .leaf_opt("C", Some("c"))
        .start("T")
        .raw("<pre>x</pre>")
        .end()
        .start("U");
    assert_eq!(
        w.finish(),
        "<ns0:R xmlns:ns0=\"urn:x\"><A>1</A><E></E><C>c</C><T><pre>x</pre></T><U/></ns0:R>"
    );
}

#[test]
fn finish_closes_everything_in_order() {
    let mut w = XmlWriter::new();
    w.start("a").start("bb").text("t").start("ccc");
    assert_eq!(w.finish(), "<a><bb>t<ccc/></bb></a>");
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "outside a start tag")]
fn attr_after_content_panics_in_debug() {
    let mut w = XmlWriter::new();
    w.start("a").text("x").attr("k", "v");
}

#[test]
fn envelope_with_wraps_payload() {
    let xml = envelope_with(|w| {
        w.start("ns0:P").attr("xmlns:ns0", "urn:p").leaf("X", "1");
    });
    assert_eq!(
        xml,
        "<SOAP:Envelope xmlns:SOAP=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP:Header/>\
         <SOAP:Body><ns0:P xmlns:ns0=\"urn:p\"><X>1</X></ns0:P></SOAP:Body></SOAP:Envelope>"
    );
    let env = parse_envelope(xml.as_bytes(), &Limits::default()).unwrap();
    assert!(env.payload.is(Some("urn:p"), "P"));
    assert_eq!(env.payload.child_text("X"), Some("1"));
}

#[test]
fn empty_response_is_the_seed_answer() {
    assert_eq!(
        EMPTY_RESPONSE,
        "<SOAP:Envelope xmlns:SOAP='http://schemas.xmlsoap.org/soap/envelope/'><SOAP:Header/><SOAP:Body/></SOAP:Envelope>"
    );
    let root = parse_document(EMPTY_RESPONSE.as_bytes(), &Limits::default()).unwrap();
    assert!(root.is(Some(SOAP11_NS), "Envelope"));
    assert!(root.children[1].is(Some(SOAP11_NS), "Body"));
}

#[test]
fn round_trip_writer_to_reader() {
    let xml = envelope_with(|w| {
        w.start("ns0:ZPSA_CN27_MASTERDATA_RESPONSE_MT")
            .attr("xmlns:ns0", "http://kmd.dk/mobile_equip_masterdata/kmd")
            .attr("note", "a\"b\n<c>\t&")
            .leaf("PERNR", "00012345");
        for (n, a) in [("000000519827", "0300"), ("000000519827", "0410")] {
            w.start("NETWORK_ACTIVITY_TBL")
                .leaf("NETWORK", n)
                .leaf("ACTIVITY", a)
                .end();
        }
        w.leaf("KTEXT", "Tromle <stor> & \"tung\"\r\n");
    });
    let env = parse_envelope(xml.as_bytes(), &Limits::default()).unwrap();
    let p = env.payload;
    assert!(p.is(
        Some("http://kmd.dk/mobile_equip_masterdata/kmd"),
        "ZPSA_CN27_MASTERDATA_RESPONSE_MT"
    ));
    assert_eq!(p.attribute("note"), Some("a\"b\n<c>\t&"));
    assert_eq!(p.child_text("PERNR"), Some("00012345"));
    assert_eq!(p.children_named("NETWORK_ACTIVITY_TBL").count(), 2);
    assert_eq!(p.child("KTEXT").unwrap().text, "Tromle <stor> & \"tung\"\r\n");
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    /// What the writer is expected to make of characters XML cannot carry.
    fn xml_safe(s: &str) -> String {
        s.chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => '\u{FFFD}',
                _ => c,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn leaf_text_round_trips(text in "\\PC*|[\t\r\n &<>\"'\u{0}-\u{1f}a\u{e6}\u{fffe}\u{ffff}\u{1F600}]{0,40}") {
            let mut w = XmlWriter::new();
            w.start("r").leaf("t", &text);
            let xml = w.finish();
            let root = parse_document(xml.as_bytes(), &Limits::default()).unwrap();
            prop_assert_eq!(&root.children[0].text, &xml_safe(&text));
        }

        #[test]
        fn arbitrary_text_round_trips(text in any::<String>()) {
            let mut w = XmlWriter::new();
            w.start("r").attr("a", &text).leaf("t", &text);
            let xml = w.finish();
            let root = parse_document(xml.as_bytes(), &Limits::default()).unwrap();
            let expected = xml_safe(&text);
            prop_assert_eq!(&root.children[0].text, &expected);
            prop_assert_eq!(root.attribute("a"), Some(expected.as_str()));
        }
    }
}

#[test]
fn written_text_can_be_taken_piece_by_piece() {
    let mut w = XmlWriter::new();
    w.start("a").leaf("b", "1").start("c");
    let first = w.take_written();
    assert!(w.is_empty());
    w.leaf("d", "2").end();
    let rest = w.finish();
    assert_eq!(first + &rest, "<a><b>1</b><c><d>2</d></c></a>");
}
