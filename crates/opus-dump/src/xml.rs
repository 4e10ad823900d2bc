//! Small helpers shared by the reader and the writer: dates and clipping. The XML character and name rules
//! and escaping are [`snitflade_soap::chars`]'s.

use jiff::civil::Date;

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
}
