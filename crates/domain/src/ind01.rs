//! The legacy IND01 file (one-time payments as fixed-width lines, being replaced by the Engangsydelser web
//! service): parsing of its header and record lines. Turning a record into a registered payment is the service
//! layer's job.
//!
//! Layout (0-based columns, end exclusive), 55 characters per record:
//!
//! | columns | field | |
//! |---|---|---|
//! | 0–3 | record type | `DA6` |
//! | 3–7 | kommunenummer | 4 digits, zero-padded |
//! | 7–8 | employment type | 1 character, kept as sent |
//! | 8–18 | CPR number | 10 digits |
//! | 18–19 | ekstraciffer | 1 digit: which of the person's employments |
//! | 19–23 | lønart (TF code) | 4 digits |
//! | 23–29 | quantity | 6 digits, two implied decimals (`012350` = 123.50) |
//! | 29–36 | filler | `0000000` |
//! | 36–49 | account | 13 characters, right-aligned, blank-padded: a cost centre, a PSP element or blank |
//! | 49–55 | date | `ddMMyy`, the end of the month paid in (years 00–99 are 2000–2099) |
//!
//! The first line is a header (`026 Test Kommune`): a number and the municipality's name. Trailing blanks and a
//! `\r` are ignored; blank lines are skipped.

use crate::ids::{Cpr, Kommunekode};
use crate::payroll::{is_cost_centre, is_psp_element};
use jiff::civil::Date;
use rust_decimal::Decimal;

/// Length of a record line.
pub const RECORD_LEN: usize = 55;

/// One record line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub municipality: Kommunekode,
    pub employment_type: char,
    pub cpr: Cpr,
    pub ekstraciffer: u8,
    pub wage_type: String,
    /// Amount or quantity, by the wage type's unit.
    pub value: Decimal,
    pub account: Account,
    pub date: Date,
}

/// Where a record books its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Account {
    /// Blank: the employment's own cost centre.
    Default,
    CostCentre(String),
    PspElement(String),
}

/// Why a line is not a record (Danish, for the error-handling table).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LineError(pub String);

fn err<T>(m: impl Into<String>) -> Result<T, LineError> {
    Err(LineError(m.into()))
}

/// The header line: a number and a name (`026 Test Kommune`).
pub fn parse_header(line: &str) -> Result<(String, String), LineError> {
    let line = line.trim_end();
    let (number, name) = line.split_once(' ').unwrap_or((line, ""));
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || line.starts_with("DA6") {
        return err("Første linje skal være filens hoved: et nummer og kommunens navn, fx '026 Test Kommune'");
    }
    Ok((number.to_owned(), name.trim().to_owned()))
}

/// One record line.
pub fn parse_record(line: &str) -> Result<Record, LineError> {
    let line = line.trim_end_matches(['\r', '\n']);
    if !line.is_ascii() {
        return err("Linjen indeholder andre tegn end ASCII");
    }
    let line = line.trim_end();
    // The account is right-aligned, so only a line cut short in the middle loses characters here.
    if line.len() != RECORD_LEN {
        return err(format!("Linjen skal være {RECORD_LEN} tegn, men er {}", line.len()));
    }
    let f = |a: usize, b: usize| &line[a..b];
    if f(0, 3) != "DA6" {
        return err(format!("Ukendt posttype '{}' (forventet DA6)", f(0, 3)));
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(f(3, 7)) {
        return err(format!("Kommunenummer '{}' skal være 4 cifre", f(3, 7)));
    }
    let municipality = Kommunekode::parse(f(3, 7)).map_err(|e| LineError(e.to_string()))?;
    let employment_type = line.as_bytes()[7] as char;
    let cpr = Cpr::parse(f(8, 18)).map_err(|_| LineError("CPR-nummeret er ikke gyldigt".into()))?;
    let ekstraciffer = match line.as_bytes()[18] {
        b @ b'0'..=b'9' => b - b'0',
        _ => return err("Ekstraciffer skal være et ciffer"),
    };
    let wage_type = f(19, 23);
    if !digits(wage_type) {
        return err(format!("Lønart '{wage_type}' skal være 4 cifre"));
    }
    let quantity = f(23, 29);
    if !digits(quantity) {
        return err(format!("Antal '{quantity}' skal være 6 cifre"));
    }
    let value = Decimal::new(quantity.parse::<i64>().expect("six digits"), 2);
    if value.is_zero() {
        return err("Antal må ikke være 0");
    }
    if f(29, 36) != "0000000" {
        return err(format!("Kolonne 30-36 skal være 0000000, men er '{}'", f(29, 36)));
    }
    let account = match f(36, 49).trim_start() {
        "" => Account::Default,
        a if is_cost_centre(a) => Account::CostCentre(a.to_owned()),
        a if is_psp_element(a) => Account::PspElement(a.to_owned()),
        a => {
            return err(format!(
                "Kontering '{a}' er hverken et omkostningssted (10 cifre) eller et PSP element"
            ));
        }
    };
    let date = parse_ddmmyy(f(49, 55))
        .ok_or_else(|| LineError(format!("Dato '{}' er ikke en gyldig dato (ddMMyy)", f(49, 55))))?;
    Ok(Record {
        municipality,
        employment_type,
        cpr,
        ekstraciffer,
        wage_type: wage_type.to_owned(),
        value,
        account,
        date,
    })
}

fn parse_ddmmyy(s: &str) -> Option<Date> {
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<i8>().ok();
    Date::new(2000 + i16::from(n(4..6)?), n(2..4)?, n(0..2)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    /// A record with a valid synthetic CPR number (010190-1239 passes the mod-11 check).
    fn line(wage: &str, qty: &str, account: &str, day: &str) -> String {
        format!("DA60340101019012390{wage}{qty}0000000{account:>13}{day}")
    }

    #[test]
    fn the_readme_example_splits_as_documented() {
        // The reference example's CPR number is not a real date, so it is refused for that alone.
        let e = parse_record("DA6012398512481230566660123500000000   9999999999310120").unwrap_err();
        assert!(e.0.contains("CPR"), "{e}");
    }

    #[test]
    fn a_good_record() {
        let r = parse_record(&line("6666", "012350", "1000000001", "310126")).unwrap();
        assert_eq!(r.municipality, Kommunekode::parse("0340").unwrap());
        assert_eq!(r.employment_type, '1');
        assert_eq!(r.ekstraciffer, 0);
        assert_eq!(r.wage_type, "6666");
        assert_eq!(r.value.to_string(), "123.50");
        assert_eq!(r.account, Account::CostCentre("1000000001".into()));
        assert_eq!(r.date, date(2026, 1, 31));
        let blank = parse_record(&format!("{}\r", line("6001", "004550", "", "280226"))).unwrap();
        assert_eq!(blank.account, Account::Default);
        let psp = parse_record(&line("6001", "004550", "XG-0000000001-00001", "280226"));
        // 19 characters do not fit the 13-character account column: the line is too long.
        assert!(psp.is_err());
    }

    #[test]
    fn bad_records_say_what_is_wrong() {
        let cases = [
            (line("6666", "012350", "", "310226"), "gyldig dato"),
            (line("66x6", "012350", "", "310126"), "Lønart"),
            (line("6666", "0123 0", "", "310126"), "Antal"),
            (line("6666", "000000", "", "310126"), "må ikke være 0"),
            (line("6666", "012350", "ABC", "310126"), "Kontering"),
            (
                line("6666", "012350", "", "310126").replacen("DA6", "DA7", 1),
                "posttype",
            ),
            (line("6666", "012350", "", "310126")[..40].to_owned(), "55 tegn"),
            (
                line("6666", "012350", "", "310126").replacen("0000000", "0000001", 1),
                "0000000",
            ),
            (
                line("6666", "012350", "", "310126").replacen("0101901239", "3201901239", 1),
                "CPR",
            ),
        ];
        for (l, want) in cases {
            let e = parse_record(&l).unwrap_err();
            assert!(e.0.contains(want), "{l:?}: {e}");
        }
        assert!(parse_record("DA6ø").is_err());
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("026 Test Kommune\r").unwrap(),
            ("026".into(), "Test Kommune".into())
        );
        assert!(parse_header(&line("6666", "012350", "", "310126")).is_err());
        assert!(parse_header("Test").is_err());
    }
}
