//! XML 1.0 character and name rules and escaping, shared by every XML reader and writer in snitflade.
//!
//! Characters: [`is_xml_char`] is the `Char` production; in a `&str` (where surrogates cannot
//! occur) the only characters it refuses are the C0 controls other than tab, LF and CR, and
//! U+FFFE / U+FFFF, which [`find_invalid_char`] finds eight bytes at a time.
//!
//! Names: [`is_name`] is the namespace-unaware `Name` production (colons allowed anywhere),
//! [`is_ncname`] and [`is_qname`] are those of Namespaces in XML 1.0.
//!
//! Escaping: [`push_text`] writes `&amp; &lt; &gt;` and `&#13;` (so a CR survives a reader's
//! line-end normalisation); [`push_attr`], for a double-quoted attribute value, additionally
//! `&quot;`, `&#10;` and `&#9;` (so attribute-value normalisation gives them back unchanged).
//! Characters XML 1.0 cannot carry at all are written as U+FFFD, so the output is always
//! well-formed; writers that must refuse such text check it with [`invalid_char`] first.

/// XML 1.0 `Char` production (surrogates cannot occur in a `char`).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Whether `s` consists of XML white space only (space, tab, LF, CR); true for `""`.
pub fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// The first character of `s` XML 1.0 cannot carry (not even as a character reference).
pub fn invalid_char(s: &str) -> Option<char> {
    find_invalid_char(s).map(|(_, c)| c)
}

/// The byte offset and value of the first character of `text` XML 1.0 cannot carry: a C0
/// control other than tab, LF and CR, or U+FFFE / U+FFFF. Scans eight bytes at a time and
/// looks closer only at words that contain a byte below 0x20 or 0xEF (the lead byte of
/// U+FFFE / U+FFFF).
pub fn find_invalid_char(text: &str) -> Option<(usize, char)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let bytes = text.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let x = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
        let y = x ^ (ONES * 0xEF);
        let lead_ef = y.wrapping_sub(ONES) & !y & HIGHS;
        if below_space | lead_ef != 0 {
            for i in offset..offset + 8 {
                if let Some(c) = invalid_char_at(bytes, i) {
                    return Some((i, c));
                }
            }
        }
        offset += 8;
    }
    (offset..bytes.len()).find_map(|i| invalid_char_at(bytes, i).map(|c| (i, c)))
}

/// The character starting at byte `i` if it is one XML 1.0 cannot carry.
fn invalid_char_at(bytes: &[u8], i: usize) -> Option<char> {
    let b = bytes[i];
    if b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') {
        return Some(char::from(b));
    }
    if b == 0xEF && bytes.get(i + 1) == Some(&0xBF) {
        return match bytes.get(i + 2) {
            Some(0xBE) => Some('\u{FFFE}'),
            Some(0xBF) => Some('\u{FFFF}'),
            _ => None,
        };
    }
    None
}

/// An XML 1.0 `Name` (a prefix with one colon is allowed, as it is for any namespace-unaware reader).
pub fn is_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_ascii() {
        return bytes
            .first()
            .is_some_and(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b':'))
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b'-' | b'.'));
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| is_name_start_char(c) || c == ':') && chars.all(|c| is_name_char(c) || c == ':')
}

/// `QName ::= (NCName ':')? NCName` (Namespaces in XML 1.0).
pub fn is_qname(name: &str) -> bool {
    match name.split_once(':') {
        Some((prefix, local)) => is_ncname(prefix) && is_ncname(local),
        None => is_ncname(name),
    }
}

/// `NCName`: an XML 1.0 `Name` without any ':'.
pub fn is_ncname(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_ascii() {
        return bytes.first().is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    }
    let mut chars = name.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// XML 1.0 `NameStartChar` without ':'.
pub fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// XML 1.0 `NameChar` without ':'.
pub fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Appends `s` as element content: `&`, `<`, `>` escaped, CR as `&#13;`, tab and LF as they
/// are, characters XML cannot carry as U+FFFD.
pub fn push_text(out: &mut String, s: &str) {
    escape_into(out, s, false);
}

/// Appends `s` as a double-quoted attribute value: like [`push_text`], plus `"` as `&quot;`
/// and tab and LF as `&#9;` and `&#10;`.
pub fn push_attr(out: &mut String, s: &str) {
    escape_into(out, s, true);
}

/// Copies `s` in runs, replacing the bytes (ASCII, hence never inside a multi-byte character)
/// and the U+FFFE / U+FFFF sequences that need it.
fn escape_into(out: &mut String, s: &str, attr: bool) {
    let bytes = s.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let (replacement, width) = match b {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'\r' => ("&#13;", 1),
            b'"' if attr => ("&quot;", 1),
            b'\n' if attr => ("&#10;", 1),
            b'\t' if attr => ("&#9;", 1),
            b'\n' | b'\t' => {
                i += 1;
                continue;
            }
            0..0x20 => ("\u{FFFD}", 1),
            // U+FFFE and U+FFFF are not XML characters.
            0xEF if bytes.get(i + 1) == Some(&0xBF) && matches!(bytes.get(i + 2), Some(0xBE | 0xBF)) => ("\u{FFFD}", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[copied..i]);
        out.push_str(replacement);
        i += width;
        copied = i;
    }
    out.push_str(&s[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names() {
        assert!(is_name("orgUnit") && is_name("a-b.c_d") && is_name("æble") && is_name("x:y"));
        assert!(is_name(":a") && is_name("a:b:c"));
        assert!(!is_name("") && !is_name("1a") && !is_name("a b") && !is_name("a&b"));
        assert!(is_qname("ns0:R") && is_qname("æble-1.x_y") && is_ncname("_a"));
        assert!(!is_qname(":a") && !is_qname("a:") && !is_qname("a:b:c") && !is_ncname("x:y"));
        assert!(!is_qname("") && !is_qname("-a") && !is_qname("a b"));
    }

    #[test]
    fn chars() {
        assert_eq!(invalid_char("ok\t\r\n æ"), None);
        assert_eq!(invalid_char("a\u{1}b"), Some('\u{1}'));
        assert_eq!(invalid_char("\u{FFFE}"), Some('\u{FFFE}'));
        assert_eq!(find_invalid_char("0123456789\u{FFFF}"), Some((10, '\u{FFFF}')));
        assert_eq!(find_invalid_char("\u{FFFD}\u{EFFF}x\u{1F}"), Some((7, '\u{1F}')));
        assert!(is_xml_char('\u{10FFFF}') && !is_xml_char('\u{0}') && !is_xml_char('\u{FFFE}'));
        assert!(is_xml_whitespace(" \t\r\n") && is_xml_whitespace("") && !is_xml_whitespace(" x"));
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_text(&mut s, "a&b<c>d\"e'\r\n\t");
        assert_eq!(s, "a&amp;b&lt;c&gt;d\"e'&#13;\n\t");
        s.clear();
        push_attr(&mut s, "a&b<c>d\"e'\r\n\t");
        assert_eq!(s, "a&amp;b&lt;c&gt;d&quot;e'&#13;&#10;&#9;");
        s.clear();
        push_text(&mut s, "\u{0}x\u{FFFE}\u{FFFF}\u{FFFD}æ😀");
        assert_eq!(s, "\u{FFFD}x\u{FFFD}\u{FFFD}\u{FFFD}æ😀");
    }

    proptest! {
        #[test]
        fn find_invalid_char_is_the_first_non_xml_char(s in "(\\PC|[\\x00-\\x1F\u{FFFE}\u{FFFF}\u{EFBF}])*") {
            let expected = s.char_indices().find(|(_, c)| !is_xml_char(*c));
            prop_assert_eq!(find_invalid_char(&s), expected);
        }

        #[test]
        fn escaped_text_has_only_xml_chars(s in "(\\PC|[\\x00-\\x1F\u{FFFE}\u{FFFF}])*", attr: bool) {
            let mut out = String::new();
            escape_into(&mut out, &s, attr);
            prop_assert_eq!(invalid_char(&out), None);
        }
    }
}
