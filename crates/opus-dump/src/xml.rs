//! Small XML helpers shared by the reader and the writer: character and name rules, escaping, dates.

use jiff::civil::Date;

/// XML 1.0 `Char` production (surrogates cannot occur in a `char`).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// The first character of `s` XML 1.0 cannot carry (not even as a character reference).
pub(crate) fn invalid_char(s: &str) -> Option<char> {
    // Fast path: printable ASCII and common whitespace are always fine.
    if s.bytes()
        .all(|b| (0x20..0x7F).contains(&b) || matches!(b, b'\t' | b'\n' | b'\r'))
    {
        return None;
    }
    s.chars().find(|c| !is_xml_char(*c))
}

/// An XML 1.0 `Name` (a prefix with one colon is allowed, as it is for any namespace-unaware reader).
pub(crate) fn is_name(name: &str) -> bool {
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

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Appends `s` as element content: `&`, `<`, `>` escaped, and CR as `&#13;` so that it survives the reader's
/// line-end normalisation.
pub(crate) fn push_text(out: &mut String, s: &str) {
    push_escaped(out, s, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'\r' => Some("&#13;"),
        _ => None,
    });
}

/// Appends `s` as a double-quoted attribute value; tab, LF and CR become character references so that
/// attribute-value normalisation gives them back unchanged.
pub(crate) fn push_attr(out: &mut String, s: &str) {
    push_escaped(out, s, |b| match b {
        b'&' => Some("&amp;"),
        b'<' => Some("&lt;"),
        b'>' => Some("&gt;"),
        b'"' => Some("&quot;"),
        b'\t' => Some("&#9;"),
        b'\n' => Some("&#10;"),
        b'\r' => Some("&#13;"),
        _ => None,
    });
}

/// Copies `s` in runs, replacing the (ASCII, hence never inside a multi-byte character) bytes `escape` maps.
fn push_escaped(out: &mut String, s: &str, escape: impl Fn(u8) -> Option<&'static str>) {
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        if let Some(replacement) = escape(b) {
            out.push_str(&s[run..i]);
            out.push_str(replacement);
            run = i + 1;
        }
    }
    out.push_str(&s[run..]);
}

/// Strict `yyyy-MM-dd` (the only form the dump uses), surrounding whitespace ignored.
pub(crate) fn parse_date(s: &str) -> Result<Date, String> {
    let t = s.trim();
    let b = t.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return Err(format!("'{}' is not a date (yyyy-MM-dd)", clip(t)));
    }
    let n = |r: std::ops::Range<usize>| t[r].parse::<i16>().expect("ascii digits");
    Date::new(n(0..4), n(5..7) as i8, n(8..10) as i8).map_err(|_| format!("'{t}' is not a real date"))
}

/// `yyyy-MM-dd`, or `None` for a year the format cannot hold (before year 0).
pub(crate) fn format_date(d: Date) -> Option<String> {
    (d.year() >= 0).then(|| format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
}

/// Outside text echoed in a message, cut to a sensible length.
pub(crate) fn clip(s: &str) -> String {
    const MAX: usize = 40;
    match s.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_owned(),
    }
}

pub(crate) fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_strict() {
        assert_eq!(parse_date(" 2020-01-31 ").unwrap(), jiff::civil::date(2020, 1, 31));
        assert_eq!(parse_date("9999-12-31").unwrap(), crate::OPEN_END);
        for bad in [
            "2020-02-30",
            "2020-1-01",
            "20200101",
            "2020/01/01",
            "",
            "2020-01-01T00:00",
            "-020-01-01",
        ] {
            assert!(parse_date(bad).is_err(), "{bad:?}");
        }
        assert_eq!(format_date(jiff::civil::date(7, 3, 4)).unwrap(), "0007-03-04");
        assert_eq!(format_date(jiff::civil::date(-1, 3, 4)), None);
    }

    #[test]
    fn names_and_chars() {
        assert!(is_name("orgUnit") && is_name("a-b.c_d") && is_name("æble") && is_name("x:y"));
        assert!(!is_name("") && !is_name("1a") && !is_name("a b") && !is_name("a&b"));
        assert_eq!(invalid_char("ok\t\r\n æ"), None);
        assert_eq!(invalid_char("a\u{1}b"), Some('\u{1}'));
        assert_eq!(invalid_char("\u{FFFE}"), Some('\u{FFFE}'));
    }

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_text(&mut s, "a&b<c>d\"e'\r\n\t");
        assert_eq!(s, "a&amp;b&lt;c&gt;d\"e'&#13;\n\t");
        s.clear();
        push_attr(&mut s, "a&b<c>d\"e'\r\n\t");
        assert_eq!(s, "a&amp;b&lt;c&gt;d&quot;e'&#13;&#10;&#9;");
    }
}
