use super::*;
use crate::chars::{push_attr, push_text};
use crate::reader::{Limits, parse_document};
use proptest::prelude::*;

const MAX: usize = 1024 * 1024;

fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
        .collect()
}

fn utf16(s: &str, little_endian: bool) -> Vec<u8> {
    std::iter::once('\u{FEFF}')
        .chain(s.chars())
        .collect::<String>()
        .encode_utf16()
        .flat_map(|u| {
            if little_endian {
                u.to_le_bytes()
            } else {
                u.to_be_bytes()
            }
        })
        .collect()
}

/// As many spaces as `s` has bytes: what the decoder leaves of the declaration's `encoding`.
fn spaces(s: &str) -> String {
    " ".repeat(s.len())
}

fn decoded(body: &[u8], content_type: Option<&str>) -> String {
    let text = decode_request(body, content_type, MAX).unwrap_or_else(|e| panic!("{e}"));
    String::from_utf8(text.into_owned()).unwrap()
}

fn refused(body: &[u8], content_type: Option<&str>) -> XmlError {
    decode_request(body, content_type, MAX).expect_err("refused")
}

#[test]
fn the_charset_parameter_is_read_from_the_content_type() {
    assert_eq!(charset_parameter("text/xml; charset=ISO-8859-1"), Some("ISO-8859-1"));
    assert_eq!(
        charset_parameter("text/xml;action=\"x\"; CharSet=\"utf-16\""),
        Some("utf-16")
    );
    assert_eq!(charset_parameter("text/xml"), None);
    assert_eq!(charset_parameter("text/xml; charset=\"\""), None, "empty: not said");
    assert_eq!(charset_parameter("charset=utf-8"), None, "a media type comes first");
}

#[test]
fn utf8_is_read_as_it_is() {
    let body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>æøå</r>".as_bytes();
    assert!(matches!(decode_request(body, Some("text/xml; charset=utf-8"), MAX), Ok(Cow::Borrowed(b)) if b == body));
    let bom = b"\xEF\xBB\xBF<r/>";
    assert!(matches!(decode_request(bom, None, MAX), Ok(Cow::Borrowed(_))));
    // Undeclared bytes that are not UTF-8 stay refused, by the reader.
    let undeclared = latin1("<r>æøå</r>");
    let text = decode_request(&undeclared, None, MAX).unwrap();
    assert_eq!(parse_document(&text, &Limits::DEFAULT), Err(XmlError::NotUtf8));
    let text = decode_request(&undeclared, Some("text/xml; charset=utf-8"), MAX).unwrap();
    assert_eq!(parse_document(&text, &Limits::DEFAULT), Err(XmlError::NotUtf8));
}

#[test]
fn latin1_declared_in_the_document_or_the_header_is_decoded() {
    let body = latin1("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r a='Æble'>Søren Ågård</r>");
    let text = decoded(&body, None);
    let blank = spaces(" encoding=\"ISO-8859-1\"");
    assert_eq!(
        text,
        format!("<?xml version=\"1.0\"{blank}?><r a='Æble'>Søren Ågård</r>")
    );
    let root = parse_document(text.as_bytes(), &Limits::DEFAULT).unwrap();
    assert_eq!((root.text.as_str(), root.attribute("a")), ("Søren Ågård", Some("Æble")));

    let plain = latin1("<r>blå</r>");
    assert_eq!(decoded(&plain, Some("text/xml; charset=iso-8859-1")), "<r>blå</r>");
    assert_eq!(decoded(&plain, Some("text/xml; charset=\"latin1\"")), "<r>blå</r>");
    // Both say the same, in other words.
    let both = latin1("<?xml version='1.0' encoding='windows-1252'?><r>blå</r>");
    assert_eq!(
        decoded(&both, Some("text/xml; charset=ISO-8859-1")),
        format!("<?xml version='1.0'{}?><r>blå</r>", spaces(" encoding='windows-1252'"))
    );
}

#[test]
fn c1_bytes_are_read_as_windows_1252_and_its_undefined_bytes_refused() {
    let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>\x80 \x96 \x93x\x94</r>";
    assert!(decoded(body, None).ends_with("<r>€ – “x”</r>"));
    let body = b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><r>a\x81</r>";
    assert_eq!(
        refused(body, None),
        XmlError::NotInEncoding {
            encoding: "windows-1252".into(),
            position: body.len() - b"\x81</r>".len()
        }
    );
    // A control character XML does not allow is refused after decoding.
    let body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r>\x01</r>";
    let text = decode_request(body, None, MAX).unwrap();
    assert!(matches!(parse_document(&text, &Limits::DEFAULT), Err(XmlError::Malformed(m)) if m.contains("U+0001")));
}

#[test]
fn utf16_with_a_byte_order_mark_is_decoded() {
    let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><r>Ærø 😀</r>";
    let want = format!("<?xml version=\"1.0\"{}?><r>Ærø 😀</r>", spaces(" encoding=\"UTF-16\""));
    for little_endian in [true, false] {
        let body = utf16(doc, little_endian);
        assert_eq!(decoded(&body, None), want);
        assert_eq!(decoded(&body, Some("text/xml; charset=utf-16")), want);
        assert_eq!(decoded(&utf16("<r>å</r>", little_endian), None), "<r>å</r>");
        let root = parse_document(decoded(&body, None).as_bytes(), &Limits::DEFAULT).unwrap();
        assert_eq!(root.text, "Ærø 😀");
    }
    let named = utf16("<?xml version='1.0' encoding='utf-16le'?><r/>", true);
    assert_eq!(
        decoded(&named, None),
        format!("<?xml version='1.0'{}?><r/>", spaces(" encoding='utf-16le'"))
    );
    assert_eq!(
        refused(&named, Some("text/xml; charset=UTF-16BE")),
        XmlError::EncodingConflict("byte order mark (BOM) siger UTF-16LE, men Content-Type siger UTF-16BE".into())
    );
}

#[test]
fn utf16_without_a_byte_order_mark_is_refused() {
    let no_bom = &utf16("<?xml version=\"1.0\" encoding=\"UTF-16\"?><r/>", true)[2..];
    assert_eq!(refused(no_bom, None), XmlError::MissingByteOrderMark("UTF-16LE".into()));
    let no_bom = &utf16("<r/>", false)[2..];
    assert_eq!(refused(no_bom, None), XmlError::MissingByteOrderMark("UTF-16BE".into()));
    // Declared UTF-16, but the bytes are ASCII-compatible: no byte order mark.
    let ascii = b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><r/>";
    assert_eq!(refused(ascii, None), XmlError::MissingByteOrderMark("UTF-16".into()));
    assert_eq!(
        refused(b"<r/>", Some("text/xml; charset=utf-16")),
        XmlError::MissingByteOrderMark("utf-16".into())
    );
    assert!(
        refused(b"<r/>", Some("text/xml; charset=utf-16"))
            .to_string()
            .contains("byte order mark")
    );
}

#[test]
fn malformed_utf16_is_refused_with_its_position() {
    let mut body = utf16("<r>ab</r>", true);
    // An unpaired high surrogate in place of "b" (bytes 8..10).
    body[8..10].copy_from_slice(&0xD800u16.to_le_bytes());
    assert_eq!(
        refused(&body, None),
        XmlError::NotInEncoding {
            encoding: "UTF-16LE".into(),
            position: 8
        }
    );
    let odd = &utf16("<r/>", false)[..9];
    assert!(matches!(
        refused(odd, None),
        XmlError::NotInEncoding { position: 8, .. }
    ));
}

#[test]
fn conflicting_declarations_are_refused() {
    let cases: [(Vec<u8>, Option<&str>, &str); 4] = [
        (
            b"\xEF\xBB\xBF<?xml version='1.0' encoding='ISO-8859-1'?><r/>".to_vec(),
            None,
            "byte order mark (BOM) siger UTF-8, men XML-erklæringen siger ISO-8859-1",
        ),
        (
            b"<?xml version='1.0' encoding='ISO-8859-1'?><r/>".to_vec(),
            Some("text/xml; charset=utf-8"),
            "XML-erklæringen siger ISO-8859-1, men Content-Type siger utf-8",
        ),
        (
            utf16("<?xml version='1.0' encoding='UTF-8'?><r/>", false),
            None,
            "byte order mark (BOM) siger UTF-16BE, men XML-erklæringen siger UTF-8",
        ),
        (
            utf16("<r/>", true),
            Some("text/xml; charset=windows-1252"),
            "byte order mark (BOM) siger UTF-16LE, men Content-Type siger windows-1252",
        ),
    ];
    for (body, content_type, why) in cases {
        let e = refused(&body, content_type);
        assert_eq!(e, XmlError::EncodingConflict(why.into()));
        assert!(e.to_string().starts_with("Tegnsættet er angivet modstridende"), "{e}");
    }
}

#[test]
fn unsupported_encodings_are_named() {
    let e = refused(b"<?xml version='1.0' encoding='ISO-8859-15'?><r/>", None);
    assert_eq!(e, XmlError::UnsupportedEncoding("ISO-8859-15".into()));
    assert!(e.to_string().contains("UTF-16, ISO-8859-1 eller windows-1252"), "{e}");
    assert_eq!(
        refused(b"<r/>", Some("text/xml; charset=EBCDIC-DK")),
        XmlError::UnsupportedEncoding("EBCDIC-DK".into())
    );
    assert_eq!(
        refused(b"\xFF\xFE\0\0<\0\0\0", None),
        XmlError::UnsupportedEncoding("UTF-32".into())
    );
}

#[test]
fn the_declaration_is_found_as_the_reader_would() {
    let found =
        |s: &str| declared_encoding(s.as_bytes()).map(|d| (String::from_utf8_lossy(d.label).into_owned(), d.attribute));
    assert_eq!(
        found("<?xml version=\"1.0\" encoding=\"latin1\"?>"),
        Some(("latin1".into(), 19..37))
    );
    assert_eq!(
        found("<?xml\n version = '1.0'\tencoding\n=\n'x' standalone='yes'?>").map(|f| f.0),
        Some("x".into())
    );
    assert_eq!(found("<?xml version=\"1.0\"?><r encoding='x'/>"), None);
    assert_eq!(found("<?xml-stylesheet encoding='x'?>"), None);
    assert_eq!(found("<r/>"), None);
    assert_eq!(found("<?xml version=\"1.0\" encoding=\"x"), None);
}

#[test]
fn the_decoded_text_is_held_to_the_byte_limit() {
    // 10 bytes of Latin-1 are 20 bytes of UTF-8.
    let body = latin1("æøåæøåæøåæ");
    assert_eq!(
        decode_request(&body, Some("text/xml; charset=iso-8859-1"), 19),
        Err(XmlError::DecodedTooLarge { limit: 19 })
    );
    let text = decode_request(&body, Some("text/xml; charset=iso-8859-1"), 20).unwrap();
    assert_eq!(text.len(), 20);
    // windows-1252 grows up to 3×: "€" is 3 bytes of UTF-8.
    let euros = [0x80u8; 100];
    assert!(decode_request(&euros, Some("text/xml; charset=windows-1252"), 299).is_err());
    assert_eq!(
        decode_request(&euros, Some("text/xml; charset=windows-1252"), 300).map(|t| t.len()),
        Ok(300)
    );
    let e = XmlError::DecodedTooLarge { limit: 19 };
    assert!(e.to_string().contains("UTF-8"), "{e}");
}

/// A document holding `s` as text and as an attribute value, declared as `label` (`Err(n)`: the declaration's
/// `encoding` blanked out, as the decoder leaves it, for a label of `n` bytes).
fn document(label: Result<&str, usize>, s: &str) -> String {
    let encoding = match label {
        Ok(label) => format!(" encoding=\"{label}\""),
        Err(blank) => " ".repeat(blank + " encoding=\"\"".len()),
    };
    let mut xml = format!("<?xml version=\"1.0\"{encoding}?><r a=\"");
    push_attr(&mut xml, s);
    xml.push_str("\">");
    push_text(&mut xml, s);
    xml.push_str("</r>");
    xml
}

/// What the reader makes of a UTF-8 document with these limits: the text or the refusal.
fn read(xml: &[u8], max_text_len: usize) -> Result<(String, String), XmlError> {
    let limits = Limits {
        max_text_len,
        ..Limits::DEFAULT
    };
    let root = parse_document(xml, &limits)?;
    Ok((root.text.clone(), root.attribute("a").unwrap_or_default().to_owned()))
}

proptest! {
    /// Every supported encoding of a document decodes to the UTF-8 document, within `max_bytes` of UTF-8 (and no
    /// more allocated), and the reader's byte limits then hold exactly as for the UTF-8 document.
    #[test]
    fn decoding_keeps_the_text_and_every_limit(
        s in "[ -~\u{A0}-\u{FF}€–“”‘’…Œœ]{0,80}",
        wide in "\\PC{0,40}",
        encoding in 0..4usize,
        max_bytes in 0..600usize,
        max_text_len in 0..300usize,
    ) {
        let (label, text) = match encoding {
            0 => ("ISO-8859-1", s),
            1 => ("windows-1252", s),
            _ => ("UTF-16", format!("{s}{wide}")),
        };
        let sent = document(Ok(label), &text);
        let body = match encoding {
            0 | 1 => WINDOWS_1252.encode(&sent).0.into_owned(),
            little => utf16(&sent, little == 2),
        };
        let utf8 = document(Err(label.len()), &text);
        match decode_request(&body, None, max_bytes) {
            Ok(text) => {
                prop_assert!(utf8.len() <= max_bytes);
                prop_assert_eq!(text.as_ref(), utf8.as_bytes());
                if let Cow::Owned(v) = &text {
                    prop_assert!(v.capacity() <= max_bytes + 4, "allocated {} for {}", v.capacity(), max_bytes);
                }
                prop_assert_eq!(read(&text, max_text_len), read(utf8.as_bytes(), max_text_len));
            }
            Err(e) => {
                prop_assert_eq!(e, XmlError::DecodedTooLarge { limit: max_bytes });
                prop_assert!(utf8.len() > max_bytes);
            }
        }
    }
}
