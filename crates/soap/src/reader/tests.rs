//! Tests for the hardened reader: hostile input, limits, namespaces, text handling.

use super::*;
use std::time::{Duration, Instant};

fn parse(xml: &str) -> Result<Element, XmlError> {
    parse_document(xml.as_bytes(), &Limits::default())
}

fn malformed(xml: &str) -> String {
    match parse(xml) {
        Err(XmlError::Malformed(msg)) => msg,
        other => panic!("expected Malformed for {xml:?}, got {other:?}"),
    }
}

// ---------------------------------------------------------------- basics

#[test]
fn default_limits_are_as_documented() {
    let l = Limits::default();
    assert_eq!(
        (
            l.max_depth,
            l.max_elements,
            l.max_text_len,
            l.max_attributes,
            l.max_name_len
        ),
        (64, 20_000, 1 << 20, 64, 256)
    );
}

#[test]
fn builds_tree_with_text_attributes_and_children() {
    let root = parse(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <r a=\"1\" b='x &amp; y'><c>one</c><!-- hi --><c>two</c><d/>tail</r>\n",
    )
    .unwrap();
    assert!(root.is(None, "r"));
    assert_eq!(root.attribute("a"), Some("1"));
    assert_eq!(root.attribute("b"), Some("x & y"));
    assert_eq!(root.attribute("zz"), None);
    assert_eq!(root.children.len(), 3);
    let texts: Vec<_> = root.children_named("c").map(|c| c.text.as_str()).collect();
    assert_eq!(texts, ["one", "two"]);
    assert_eq!(root.child_text("c"), Some("one"));
    assert_eq!(root.child_text("d"), Some(""));
    assert_eq!(root.child_text("missing"), None);
    assert_eq!(root.text, "tail");
}

#[test]
fn text_is_raw_and_child_text_trims() {
    let root = parse("<r>\n  <a>  12345 \n</a>\n</r>").unwrap();
    assert_eq!(root.text, "\n  \n");
    assert_eq!(root.children[0].text, "  12345 \n");
    assert_eq!(root.child_text("a"), Some("12345"));
}

#[test]
fn predefined_entities_and_char_refs_are_resolved() {
    let root = parse("<r>&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#xe6;&#128512;</r>").unwrap();
    assert_eq!(root.text, "<>&\"'ABæ😀");
}

#[test]
fn entity_text_is_not_reinterpreted() {
    let root = parse("<r a='&amp;lt;'>&amp;lt;&amp;#65;</r>").unwrap();
    assert_eq!(root.text, "&lt;&#65;");
    assert_eq!(root.attribute("a"), Some("&lt;"));
}

#[test]
fn cdata_is_kept_verbatim_and_concatenated() {
    let root = parse("<r>a<![CDATA[<b>&amp;</b>]]>c</r>").unwrap();
    assert_eq!(root.text, "a<b>&amp;</b>c");
}

#[test]
fn line_ends_are_normalised_but_char_ref_cr_survives() {
    let root = parse("<r>a\r\nb\rc&#13;d</r>").unwrap();
    assert_eq!(root.text, "a\nb\nc\rd");
}

#[test]
fn attribute_values_are_normalised() {
    let root = parse("<r a=\"x\ty\r\nz\nw\" b=\"&#10;&#9;&#13;\" c=\"&quot;'\"/>").unwrap();
    assert_eq!(root.attribute("a"), Some("x y z w"));
    assert_eq!(root.attribute("b"), Some("\n\t\r"));
    assert_eq!(root.attribute("c"), Some("\"'"));
}

#[test]
fn bom_and_comments_around_root_are_fine() {
    let mut xml = b"\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8'?>".to_vec();
    xml.extend_from_slice(b"<!-- before --><r/>\n<!-- after -->\n  ");
    let root = parse_document(&xml, &Limits::default()).unwrap();
    assert!(root.is(None, "r"));
}

#[test]
fn xml_declaration_variants() {
    assert!(parse("<?xml version=\"1.0\"?><r/>").is_ok());
    assert!(parse("<?xml version=\"1.1\" standalone=\"yes\"?><r/>").is_ok());
    assert!(malformed("<?xml version=\"2.0\"?><r/>").contains("2.0"));
    let msg = malformed("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>");
    assert!(msg.contains("ISO-8859-1") && msg.contains("UTF-8"), "{msg}");
    malformed("<?xml encoding=\"UTF-8\"?><r/>");
}

#[test]
fn xml_declaration_not_at_start_is_refused() {
    let msg = malformed(" <?xml version=\"1.0\"?><r/>");
    assert!(msg.contains("allerførst"), "{msg}");
    malformed("<!-- c --><?xml version=\"1.0\"?><r/>");
    malformed("<?xml version=\"1.0\"?><?xml version=\"1.0\"?><r/>");
    assert_eq!(parse("<r/><?xml version=\"1.0\"?>"), Err(XmlError::TrailingContent));
}

#[test]
fn error_messages_are_danish_and_positioned() {
    assert_eq!(
        XmlError::DoctypeForbidden.to_string(),
        "DOCTYPE er ikke tilladt i SOAP-beskeder"
    );
    assert_eq!(
        XmlError::TooDeep { limit: 64 }.to_string(),
        "XML-dokumentet er for dybt indlejret (højst 64 niveauer)"
    );
    let msg = parse("<r><a></b></r>").unwrap_err().to_string();
    assert!(msg.starts_with("Ugyldig XML: "), "{msg}");
    assert!(msg.contains("(position "), "{msg}");
}

// ---------------------------------------------------------------- hostile input

#[test]
fn doctype_with_internal_entities_is_refused() {
    let xml = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e \"boom\">]><r>&e;</r>";
    assert_eq!(parse(xml), Err(XmlError::DoctypeForbidden));
    assert_eq!(parse("<!DOCTYPE r><r/>"), Err(XmlError::DoctypeForbidden));
    assert_eq!(parse("<!doctype r><r/>"), Err(XmlError::DoctypeForbidden));
}

#[test]
fn billion_laughs_is_refused_fast() {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    xml.push_str("<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n");
    for i in 2..=9 {
        let prev = format!("&lol{};", i - 1);
        xml.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", prev.repeat(10)));
    }
    xml.push_str("]>\n<lolz>&lol9;</lolz>");
    let t = Instant::now();
    assert_eq!(parse(&xml), Err(XmlError::DoctypeForbidden));
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn external_entity_xxe_is_refused() {
    let xml = "<?xml version=\"1.0\"?>\
        <!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
        <foo>&xxe;</foo>";
    assert_eq!(parse(xml), Err(XmlError::DoctypeForbidden));
    // Parameter entities and external DTD subsets never get further either.
    let xml = "<!DOCTYPE foo SYSTEM \"http://evil.example/x.dtd\"><foo/>";
    assert_eq!(parse(xml), Err(XmlError::DoctypeForbidden));
    // Unclosed DOCTYPE is still a DOCTYPE.
    assert_eq!(parse("<!DOCTYPE foo [ <!ENTITY"), Err(XmlError::DoctypeForbidden));
    // Entity reference without a DOCTYPE is just an unknown entity.
    assert_eq!(parse("<foo>&xxe;</foo>"), Err(XmlError::UnknownEntity("xxe".into())));
}

#[test]
fn doctype_inside_root_is_refused() {
    assert!(matches!(
        parse("<r><!DOCTYPE r></r>"),
        Err(XmlError::DoctypeForbidden | XmlError::Malformed(_))
    ));
}

#[test]
fn processing_instructions_are_refused() {
    let xml = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
               <?evil run=\"x\"?><a/></s:Body></s:Envelope>";
    assert_eq!(parse(xml), Err(XmlError::ProcessingInstructionForbidden));
    assert_eq!(
        parse("<?xml-stylesheet href=\"a.xsl\"?><r/>"),
        Err(XmlError::ProcessingInstructionForbidden)
    );
    assert_eq!(parse("<r/><?pi?>"), Err(XmlError::ProcessingInstructionForbidden));
    assert_eq!(parse("<r><?pi "), Err(XmlError::ProcessingInstructionForbidden));
}

#[test]
fn ten_thousand_deep_nesting_is_refused_fast_at_depth_65() {
    let n = 10_000;
    let xml = format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    let t = Instant::now();
    assert_eq!(parse(&xml), Err(XmlError::TooDeep { limit: 64 }));
    assert!(t.elapsed() < Duration::from_millis(500), "{:?}", t.elapsed());

    // Exactly 64 levels are fine, 65 are not.
    let ok = format!("{}{}", "<a>".repeat(64), "</a>".repeat(64));
    assert!(parse(&ok).is_ok());
    let bad = format!("{}<b/>{}", "<a>".repeat(64), "</a>".repeat(64));
    assert_eq!(parse(&bad), Err(XmlError::TooDeep { limit: 64 }));
}

#[test]
fn deep_nesting_refused_even_when_unclosed() {
    let xml = "<a>".repeat(1_000_000);
    let t = Instant::now();
    assert_eq!(parse(&xml), Err(XmlError::TooDeep { limit: 64 }));
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[test]
fn too_many_sibling_elements_are_refused() {
    let xml = format!("<r>{}</r>", "<a/>".repeat(100_000));
    let t = Instant::now();
    assert_eq!(parse(&xml), Err(XmlError::TooManyElements { limit: 20_000 }));
    assert!(t.elapsed() < Duration::from_secs(2));

    // The root counts: 19,999 children + root = 20,000 is the limit exactly.
    let ok = format!("<r>{}</r>", "<a/>".repeat(19_999));
    assert_eq!(parse(&ok).unwrap().children.len(), 19_999);
    let bad = format!("<r>{}</r>", "<a/>".repeat(20_000));
    assert_eq!(parse(&bad), Err(XmlError::TooManyElements { limit: 20_000 }));
}

#[test]
fn huge_attribute_counts_are_refused() {
    let attrs: String = (0..100_000).map(|i| format!(" a{i}=\"x\"")).collect();
    let xml = format!("<r{attrs}/>");
    let t = Instant::now();
    assert_eq!(parse(&xml), Err(XmlError::TooManyAttributes { limit: 64 }));
    assert!(t.elapsed() < Duration::from_secs(2));

    let attrs: String = (0..64).map(|i| format!(" a{i}=\"x\"")).collect();
    assert_eq!(parse(&format!("<r{attrs}/>")).unwrap().attributes.len(), 64);
    let attrs: String = (0..65).map(|i| format!(" a{i}=\"x\"")).collect();
    assert_eq!(
        parse(&format!("<r{attrs}/>")),
        Err(XmlError::TooManyAttributes { limit: 64 })
    );
}

#[test]
fn many_namespace_declarations_are_refused() {
    let decls: String = (0..1000).map(|i| format!(" xmlns:p{i}=\"urn:{i}\"")).collect();
    let msg = malformed(&format!("<r{decls}/>"));
    assert!(msg.contains("navnerumserklæringer"), "{msg}");
    malformed("<r xmlns:xmlns=\"urn:x\"/>");
    malformed("<r xmlns:p=\"http://www.w3.org/XML/1998/namespace\"/>");
}

#[test]
fn duplicate_attributes_are_refused() {
    assert!(malformed("<r a=\"1\" a=\"2\"/>").contains("to gange"));
    // Same expanded name through two prefixes bound to one namespace.
    let msg = malformed("<r xmlns:p=\"urn:x\" xmlns:q=\"urn:x\" p:a=\"1\" q:a=\"2\"/>");
    assert!(msg.contains("to gange"), "{msg}");
}

#[test]
fn long_names_and_texts_are_refused() {
    let name = "a".repeat(257);
    assert_eq!(parse(&format!("<{name}/>")), Err(XmlError::NameTooLong { limit: 256 }));
    assert_eq!(
        parse(&format!("<r {name}=\"1\"/>")),
        Err(XmlError::NameTooLong { limit: 256 })
    );
    assert!(parse(&format!("<{}/>", "a".repeat(256))).is_ok());

    let limits = Limits {
        max_text_len: 10,
        ..Limits::default()
    };
    assert!(parse_document(b"<r>0123456789</r>", &limits).is_ok());
    assert_eq!(
        parse_document(b"<r>0123456789x</r>", &limits),
        Err(XmlError::TextTooLong { limit: 10 })
    );
    // Concatenated pieces count together.
    assert_eq!(
        parse_document(b"<r>012345<!-- -->6789&amp;</r>", &limits),
        Err(XmlError::TextTooLong { limit: 10 })
    );
    assert_eq!(
        parse_document(b"<r a=\"0123456789x\"/>", &limits),
        Err(XmlError::TextTooLong { limit: 10 })
    );
    assert_eq!(
        parse_document(b"<r a=\"0123456789&amp;\"/>", &limits),
        Err(XmlError::TextTooLong { limit: 10 })
    );
}

#[test]
fn unknown_entities_are_refused() {
    assert_eq!(parse("<r>&foo;</r>"), Err(XmlError::UnknownEntity("foo".into())));
    assert_eq!(parse("<r a=\"&foo;\"/>"), Err(XmlError::UnknownEntity("foo".into())));
    assert_eq!(parse("<r>&nbsp;</r>"), Err(XmlError::UnknownEntity("nbsp".into())));
    malformed("<r>a & b</r>");
    malformed("<r a=\"a & b\"/>");
    malformed("<r>&;</r>");
}

#[test]
fn invalid_char_refs_are_refused() {
    for bad in [
        "&#0;",
        "&#1;",
        "&#x1F;",
        "&#xD800;",
        "&#xFFFE;",
        "&#x110000;",
        "&#-1;",
        "&#x;",
        "&#12a;",
    ] {
        malformed(&format!("<r>{bad}</r>"));
        malformed(&format!("<r a=\"{bad}\"/>"));
    }
}

#[test]
fn raw_control_characters_are_refused() {
    assert!(malformed("<r>a\u{1}b</r>").contains("U+0001"));
    malformed("<r a=\"\u{0}\"/>");
    assert!(malformed("<r>\u{FFFF}</r>").contains("U+FFFF"));
    malformed("<r>\u{FFFE}</r>");
    assert!(parse("<r>\t\n\r\u{FFFD}\u{10FFFF}</r>").is_ok());
}

#[test]
fn forbidden_characters_are_found_at_every_offset() {
    for pad in 0..24 {
        let text = "x".repeat(pad);
        for bad in ["\u{1}", "\u{8}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"] {
            let xml = format!("<r>{text}{bad}{text}</r>");
            let msg = malformed(&xml);
            assert!(msg.contains(&format!("(position {})", 3 + pad)), "{msg}");
        }
        for good in ["\t", "\n", "\r", "\u{EFFF}", "\u{FFFD}", "\u{FEFF}", "\u{FFEE}"] {
            let xml = format!("<r>{text}{good}{text}</r>");
            assert!(parse(&xml).is_ok(), "{xml:?}");
        }
    }
}

#[test]
fn unbound_prefixes_are_refused() {
    assert_eq!(parse("<kmd:X><A/></kmd:X>"), Err(XmlError::UnboundPrefix("kmd".into())));
    assert_eq!(parse("<r><p:a/></r>"), Err(XmlError::UnboundPrefix("p".into())));
    assert_eq!(parse("<r p:a=\"1\"/>"), Err(XmlError::UnboundPrefix("p".into())));
    // A prefix bound in a sibling is not in scope.
    assert_eq!(
        parse("<r><a xmlns:p=\"urn:p\"/><p:b/></r>"),
        Err(XmlError::UnboundPrefix("p".into()))
    );
}

#[test]
fn mismatched_end_tags_are_refused() {
    let msg = malformed("<r><a></b></r>");
    assert!(msg.contains("</b>") && msg.contains("<a>"), "{msg}");
    // Same namespace through another prefix still has to match literally.
    malformed("<p:r xmlns:p=\"urn:x\" xmlns:q=\"urn:x\"></q:r>");
    assert_eq!(parse("<r></r></r>"), Err(XmlError::TrailingContent));
    malformed("</r>");
}

#[test]
fn unclosed_elements_are_refused() {
    let msg = malformed("<r><a>");
    assert!(msg.contains("<a>"), "{msg}");
    malformed("<r");
    malformed("<r a=\"1/>");
    malformed("<r><!-- unclosed </r>");
    malformed("<r><![CDATA[ unclosed </r>");
}

#[test]
fn invalid_utf8_is_refused() {
    assert_eq!(
        parse_document(b"<r>\xff\xfe</r>", &Limits::default()),
        Err(XmlError::NotUtf8)
    );
    assert_eq!(
        parse_document(b"<r>\xc3</r>", &Limits::default()),
        Err(XmlError::NotUtf8)
    );
    // Latin-1 encoded "æ" behind a Latin-1 declaration.
    assert_eq!(
        parse_document(
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>\xe6</r>",
            &Limits::default()
        ),
        Err(XmlError::NotUtf8)
    );
    // UTF-16 (with BOM) is not UTF-8.
    let utf16: Vec<u8> = "\u{FEFF}<r/>".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    assert_eq!(parse_document(&utf16, &Limits::default()), Err(XmlError::NotUtf8));
}

#[test]
fn trailing_content_after_root_is_refused() {
    assert_eq!(parse("<r/>garbage"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r/><r/>"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r></r><x>"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r/></x>"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r/>&amp;"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r/><![CDATA[x]]>"), Err(XmlError::TrailingContent));
    assert_eq!(parse("<r/><!DOCTYPE r>"), Err(XmlError::DoctypeForbidden));
    assert!(parse("<r/> \r\n\t<!-- ok -->\n").is_ok());
}

#[test]
fn content_before_root_is_refused() {
    assert!(malformed("junk<r/>").contains("før rodelementet"));
    malformed("&amp;<r/>");
    malformed("<![CDATA[x]]><r/>");
}

#[test]
fn empty_documents_have_no_root() {
    assert_eq!(parse(""), Err(XmlError::NoRootElement));
    assert_eq!(parse("   \n"), Err(XmlError::NoRootElement));
    assert_eq!(
        parse("<?xml version=\"1.0\"?><!-- only a comment -->"),
        Err(XmlError::NoRootElement)
    );
}

#[test]
fn invalid_names_are_refused() {
    malformed("<1a/>");
    malformed("<a:b:c xmlns:a=\"urn:a\"/>");
    malformed("<:a/>");
    malformed("<a: xmlns:a=\"urn:a\"/>");
    malformed("<r 1a=\"x\"/>");
    malformed("<>x</>");
    malformed("<xmlns:a/>");
    assert!(parse("<æble-1.x_y/>").is_ok());
}

#[test]
fn bad_comments_are_refused() {
    malformed("<r><!-- a -- b --></r>");
}

// ---------------------------------------------------------------- namespaces

#[test]
fn default_namespace_and_prefixes() {
    let root = parse("<r xmlns=\"urn:d\" xmlns:p=\"urn:p\"><a/><p:b/><c xmlns=\"urn:e\"><d/></c><e/></r>").unwrap();
    assert_eq!(root.ns.as_deref(), Some("urn:d"));
    let ns: Vec<_> = root.children.iter().map(|c| c.ns.as_deref()).collect();
    assert_eq!(ns, [Some("urn:d"), Some("urn:p"), Some("urn:e"), Some("urn:d")]);
    assert_eq!(root.children[2].children[0].ns.as_deref(), Some("urn:e"));
    // Unqualified lookups do not see qualified children.
    assert!(root.child("a").is_none());
    assert!(root.child_ns(Some("urn:d"), "a").is_some());
}

#[test]
fn prefix_redeclared_in_child() {
    let root = parse("<p:r xmlns:p=\"urn:1\"><p:a xmlns:p=\"urn:2\"><p:b/></p:a><p:c/></p:r>").unwrap();
    assert!(root.is(Some("urn:1"), "r"));
    assert!(root.children[0].is(Some("urn:2"), "a"));
    assert!(root.children[0].children[0].is(Some("urn:2"), "b"));
    assert!(root.children[1].is(Some("urn:1"), "c"));
}

#[test]
fn unqualified_children_under_prefixed_root() {
    let root = parse("<kmd:X xmlns:kmd=\"urn:kmd\"><A>1</A></kmd:X>").unwrap();
    assert!(root.is(Some("urn:kmd"), "X"));
    assert_eq!(root.children[0].ns, None);
    assert_eq!(root.child_text("A"), Some("1"));
}

#[test]
fn empty_default_namespace_undeclares() {
    let root = parse("<r xmlns=\"urn:d\"><a xmlns=\"\"><b/></a><c/></r>").unwrap();
    assert!(root.is(Some("urn:d"), "r"));
    assert!(root.children[0].is(None, "a"));
    assert!(root.children[0].children[0].is(None, "b"));
    assert!(root.children[1].is(Some("urn:d"), "c"));
    assert_eq!(root.child_ns(None, "a").map(|a| a.children.len()), Some(1));
}

#[test]
fn attributes_get_namespaces_and_xmlns_is_dropped() {
    let root = parse("<r xmlns=\"urn:d\" xmlns:p=\"urn:p\" a=\"1\" p:b=\"2\" xml:lang=\"da\"/>").unwrap();
    assert_eq!(
        root.attributes,
        vec![
            (None, "a".to_owned(), "1".to_owned()),
            (Some("urn:p".to_owned()), "b".to_owned(), "2".to_owned()),
            (
                Some("http://www.w3.org/XML/1998/namespace".to_owned()),
                "lang".to_owned(),
                "da".to_owned()
            ),
        ]
    );
    assert_eq!(root.attribute("a"), Some("1"));
    assert_eq!(root.attribute("b"), None);
    assert_eq!(root.attribute_ns(Some("urn:p"), "b"), Some("2"));
}

#[test]
fn namespace_scope_ends_with_empty_element() {
    let root = parse("<r><a xmlns=\"urn:x\"/><b/></r>").unwrap();
    assert!(root.children[0].is(Some("urn:x"), "a"));
    assert!(root.children[1].is(None, "b"));
}

// ---------------------------------------------------------------- fuzzing

fn bulk(max_len: usize) -> Limits {
    Limits {
        max_text_len: 8,
        bulk_text: Some(BulkText {
            ns: Some("urn:d"),
            name: "Content",
            max_len,
        }),
        ..Limits::default()
    }
}

fn joined(e: &Element, input: &[u8]) -> Vec<u8> {
    e.bulk_text(input).flatten().copied().collect()
}

#[test]
fn bulk_text_stays_in_the_input() {
    let xml =
        "\u{feff}<r xmlns:d=\"urn:d\"><d:Content>QUJD\r\nREVG<![CDATA[R0g=]]> </d:Content><Content>x</Content></r>";
    let root = parse_document(xml.as_bytes(), &bulk(100)).unwrap();
    let content = &root.children[0];
    assert_eq!(content.text, "");
    assert_eq!(joined(content, xml.as_bytes()), b"QUJD\r\nREVGR0g= ");
    // Only the named element in its namespace: the unqualified one is ordinary text.
    assert_eq!(root.children[1].text, "x");
    assert!(root.children[1].spans.is_empty());
    // A child inside the bulk element keeps its own text.
    let xml = "<d:Content xmlns:d=\"urn:d\">AB<i>c</i>CD</d:Content>";
    let root = parse_document(xml.as_bytes(), &bulk(100)).unwrap();
    assert_eq!(joined(&root, xml.as_bytes()), b"ABCD");
    assert_eq!(root.children[0].text, "c");
}

#[test]
fn bulk_text_has_its_own_limit_and_no_references() {
    let xml = format!("<d:Content xmlns:d=\"urn:d\">{}</d:Content>", "A".repeat(100));
    assert!(parse_document(xml.as_bytes(), &bulk(100)).is_ok());
    assert_eq!(
        parse_document(xml.as_bytes(), &bulk(99)),
        Err(XmlError::TextTooLong { limit: 99 })
    );
    // Other elements keep max_text_len.
    assert_eq!(
        parse_document(b"<r xmlns:d=\"urn:d\"><x>123456789</x></r>", &bulk(100)),
        Err(XmlError::TextTooLong { limit: 8 })
    );
    let err = parse_document(b"<d:Content xmlns:d=\"urn:d\">AB&#13;CD</d:Content>", &bulk(100)).unwrap_err();
    assert!(
        err.to_string()
            .contains("må ikke indeholde entitets- eller tegnreferencer"),
        "{err}"
    );
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse_document(&bytes, &Limits::default());
        }

        #[test]
        fn xml_like_strings_never_panic(s in "[<>/?!a-c:=\"' &;#x0-9\\[\\]CDATOYPE\\-\n\u{e6}]{0,200}") {
            let _ = parse_document(s.as_bytes(), &Limits::default());
            let wrapped = format!("<a xmlns:b=\"urn:b\">{s}</a>");
            let _ = parse_document(wrapped.as_bytes(), &Limits::default());
        }

        #[test]
        fn small_limits_are_never_exceeded(s in "(<a( b=\"[x&;amp]{0,6}\"){0,3}>|</a>|<a/>|[xyz]{0,5}){0,40}") {
            let limits = Limits { max_depth: 3, max_elements: 5, max_text_len: 4, max_attributes: 2, max_name_len: 4, bulk_text: None };
            if let Ok(root) = parse_document(s.as_bytes(), &limits) {
                // Explicit stack walk: no recursion in tests either.
                let mut stack = vec![(&root, 1usize)];
                let mut count = 0;
                while let Some((e, depth)) = stack.pop() {
                    count += 1;
                    prop_assert!(depth <= 3);
                    prop_assert!(e.text.len() <= 4);
                    prop_assert!(e.attributes.len() <= 2);
                    stack.extend(e.children.iter().map(|c| (c, depth + 1)));
                }
                prop_assert!(count <= 5);
            }
        }
    }
}
