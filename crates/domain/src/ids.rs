//! Identifier newtypes that validate on construction: CPR, CVR, kommunekode, personnel number, 32-hex GUID.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an identifier was refused. The texts are Danish, as the interfaces' own texts are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error("{field} skal være {expected}, men er '{value}'")]
    Format {
        field: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("{field} '{value}' har ugyldigt kontrolciffer")]
    Checksum { field: &'static str, value: String },
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn format_err(field: &'static str, expected: &'static str, value: &str) -> IdError {
    // Bound what we echo back: a hostile client may send megabytes.
    let value: String = value.chars().take(40).collect();
    IdError::Format { field, expected, value }
}

/// Left-pads a numeric string with zeros to `width` digits (SAP's ALPHA conversion), if it is all digits and fits.
pub fn pad_digits(s: &str, width: usize) -> Option<String> {
    let s = s.trim();
    (all_digits(s) && s.len() <= width).then(|| format!("{s:0>width$}"))
}

/// A municipality code, 4 digits with leading zeros (0340 Sorø, 0751 Aarhus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Kommunekode(u16);

impl Kommunekode {
    /// Accepts 1–4 digits and pads (the example messages of KMD's machine-hours service description send `751`); KMD's
    /// "client" form has no leading zero.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let padded = pad_digits(s, 4).ok_or_else(|| format_err("KOMMUNEKODE", "4 cifre", s))?;
        let n: u16 = padded.parse().map_err(|_| format_err("KOMMUNEKODE", "4 cifre", s))?;
        if n == 0 {
            return Err(format_err("KOMMUNEKODE", "4 cifre", s));
        }
        Ok(Self(n))
    }
    pub fn number(self) -> u16 {
        self.0
    }
    /// KMD's "client" number: the code without leading zeros (e.g. `751`).
    pub fn client(self) -> String {
        self.0.to_string()
    }
}

impl fmt::Display for Kommunekode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl TryFrom<String> for Kommunekode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Kommunekode> for String {
    fn from(k: Kommunekode) -> String {
        k.to_string()
    }
}

/// A KMD Opus personnel number (medarbejdernummer): 8 digits, zero-padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Pernr(u32);

impl Pernr {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let padded = pad_digits(s, 8).ok_or_else(|| format_err("PERSONAL_ID", "højst 8 cifre", s))?;
        Ok(Self(padded.parse().expect("8 digits fit in u32")))
    }
    pub fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Pernr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl TryFrom<String> for Pernr {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Pernr> for String {
    fn from(p: Pernr) -> String {
        p.to_string()
    }
}

/// A transaction GUID as KMD wants it: 32 upper-case hexadecimal characters, no dashes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Guid32(String);

impl Guid32 {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok = s.len() == 32 && s.bytes().all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b));
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(format_err(
                "GUID",
                "32 hexadecimale tegn med store bogstaver uden bindestreger",
                s,
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Guid32 {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Guid32> for String {
    fn from(g: Guid32) -> String {
        g.0
    }
}

fn mod11(digits: &[u8], weights: &[u32]) -> bool {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| u32::from(d - b'0') * w).sum();
    sum.is_multiple_of(11)
}

/// A CVR number: 8 digits passing the mod-11 check (weights 2,7,6,5,4,3,2,1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Cvr(u32);

impl Cvr {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if s.len() != 8 || !all_digits(s) || s.starts_with('0') {
            return Err(format_err("CVR", "8 cifre", s));
        }
        if !mod11(s.as_bytes(), &[2, 7, 6, 5, 4, 3, 2, 1]) {
            return Err(IdError::Checksum {
                field: "CVR",
                value: s.to_owned(),
            });
        }
        Ok(Self(s.parse().expect("8 digits")))
    }
}

impl fmt::Display for Cvr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

impl TryFrom<String> for Cvr {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, IdError> {
        Self::parse(&s)
    }
}

impl From<Cvr> for String {
    fn from(c: Cvr) -> String {
        c.to_string()
    }
}

/// A CPR number (DDMMYY-SSSS, stored without the dash). The date part must be a real date; the mod-11 check is
/// not required (numbers issued since 2007 may fail it). `Debug` and `Display` mask the serial part, so a CPR
/// number cannot reach a log unmasked by accident; use [`Cpr::expose`] where the full number is meant.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cpr(String);

impl Cpr {
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s: String = s.trim().chars().filter(|c| *c != '-').collect();
        if s.len() != 10 || !all_digits(&s) {
            return Err(format_err("CPR", "10 cifre", "**********"));
        }
        let n = |r: std::ops::Range<usize>| s[r].parse::<i8>().expect("digits");
        let (day, month, yy) = (n(0..2), n(2..4), n(4..6));
        // The 7th digit with the year decides the century (CPR office's table).
        let d7 = s.as_bytes()[6] - b'0';
        let century: i16 = match (d7, yy) {
            (0..=3, _) => 1900,
            (4 | 9, 0..=36) => 2000,
            (4 | 9, _) => 1900,
            (5..=8, 0..=57) => 2000,
            (5..=8, _) => 1800,
            _ => unreachable!("a digit"),
        };
        let year = century + i16::from(yy);
        if jiff::civil::Date::new(year, month, day).is_err() {
            return Err(format_err("CPR", "en gyldig fødselsdato", "**********"));
        }
        Ok(Self(s))
    }
    /// The birth date encoded in the number.
    pub fn birth_date(&self) -> jiff::civil::Date {
        let n = |r: std::ops::Range<usize>| self.0[r].parse::<i16>().expect("digits");
        let (day, month, yy) = (n(0..2), n(2..4), n(4..6));
        let d7 = self.0.as_bytes()[6] - b'0';
        let century = match (d7, yy) {
            (0..=3, _) => 1900,
            (4 | 9, 0..=36) => 2000,
            (4 | 9, _) => 1900,
            (5..=8, 0..=57) => 2000,
            _ => 1800,
        };
        jiff::civil::date(century + yy, month as i8, day as i8)
    }
    /// Whether the old mod-11 rule holds (informational only).
    pub fn passes_mod11(&self) -> bool {
        mod11(self.0.as_bytes(), &[4, 3, 2, 7, 6, 5, 4, 3, 2, 1])
    }
    /// The full number, for the places that must carry it (wire messages, storage).
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// DDMMYY-xxxx: safe for logs.
    pub fn masked(&self) -> String {
        format!("{}-xxxx", &self.0[..6])
    }
}

impl fmt::Debug for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cpr({})", self.masked())
    }
}

impl fmt::Display for Cpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kommunekode_pads_and_refuses() {
        assert_eq!(Kommunekode::parse("751").unwrap().to_string(), "0751");
        assert_eq!(Kommunekode::parse("0340").unwrap().client(), "340");
        assert!(Kommunekode::parse("12345").is_err());
        assert!(Kommunekode::parse("07a1").is_err());
        assert!(Kommunekode::parse("").is_err());
        assert!(Kommunekode::parse("0000").is_err());
    }

    #[test]
    fn pernr_pads_to_eight() {
        assert_eq!(Pernr::parse("12345").unwrap().to_string(), "00012345");
        assert_eq!(Pernr::parse(" 77736333 ").unwrap().to_string(), "77736333");
        assert!(Pernr::parse("123456789").is_err());
        assert!(Pernr::parse("12a45").is_err());
    }

    #[test]
    fn guid32_is_strict() {
        assert!(Guid32::parse("D72AA18BC8C9417E83C77F7CF55C7FC3").is_ok());
        assert!(Guid32::parse("d72aa18bc8c9417e83c77f7cf55c7fc3").is_err());
        assert!(Guid32::parse("d72aa18b-c8c9-417e-83c7-7f7cf55c7fc3").is_err());
        assert!(Guid32::parse("D72AA18BC8C9417E83C77F7CF55C7FC").is_err());
        assert!(Guid32::parse("G72AA18BC8C9417E83C77F7CF55C7FC3").is_err());
    }

    #[test]
    fn cvr_mod11() {
        assert!(Cvr::parse("29189730").is_ok()); // Sorø Kommune
        assert!(Cvr::parse("55133018").is_ok()); // Aarhus Kommune
        assert!(matches!(Cvr::parse("29189731"), Err(IdError::Checksum { .. })));
        assert!(Cvr::parse("2918973").is_err());
    }

    #[test]
    fn cpr_masks_and_dates() {
        let c = Cpr::parse("010190-1234").unwrap();
        assert_eq!(format!("{c}"), "010190-xxxx");
        assert_eq!(format!("{c:?}"), "Cpr(010190-xxxx)");
        assert_eq!(c.birth_date(), jiff::civil::date(1990, 1, 1));
        assert_eq!(
            Cpr::parse("0101154123").unwrap().birth_date(),
            jiff::civil::date(2015, 1, 1)
        );
        assert!(Cpr::parse("3102901234").is_err());
        // An error never echoes the number.
        let e = Cpr::parse("31029012345").unwrap_err().to_string();
        assert!(!e.contains("3102"), "{e}");
    }

    proptest! {
        #[test]
        fn pernr_roundtrips(n in 0u32..100_000_000) {
            let p = Pernr::parse(&n.to_string()).unwrap();
            prop_assert_eq!(p.number(), n);
            prop_assert_eq!(Pernr::parse(&p.to_string()).unwrap(), p);
        }

        #[test]
        fn kommunekode_never_panics(s in ".{0,8}") {
            let _ = Kommunekode::parse(&s);
        }
    }
}
