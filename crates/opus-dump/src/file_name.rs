//! The dump's file name, `ZLPE<yyyyMMddHHmmss>_delta.xml`: its export time, parsed and produced.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use jiff::civil::DateTime;

const PREFIX: &str = "ZLPE";
const SUFFIX: &str = "_delta.xml";

/// Why a file name is not a ZLPE dump's name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{name}' is not a ZLPE dump file name (ZLPE<yyyyMMddHHmmss>_delta.xml): {reason}")]
pub struct FileNameError {
    name: String,
    reason: &'static str,
}

/// The name of one dump file, i.e. the time Opus exported it (local Danish time, as written).
///
/// Ordered by that time, so sorting a directory listing of parsed names gives the order to import them in.
/// [`DumpFileName::parse`] also accepts the date-only form `ZLPE<yyyyMMdd>_delta.xml` used by the public test
/// samples (time 00:00:00); [`fmt::Display`] always produces the 14-digit form consumers such as OS2mo expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DumpFileName {
    exported: DateTime,
}

impl DumpFileName {
    /// The name for a dump exported at `exported` (fractions of a second are dropped).
    pub fn new(exported: DateTime) -> Self {
        Self {
            exported: exported.with().subsec_nanosecond(0).build().unwrap_or(exported),
        }
    }

    /// Parses a bare file name (no directory).
    pub fn parse(name: &str) -> Result<Self, FileNameError> {
        let err = |reason| FileNameError {
            name: name.chars().take(80).collect(),
            reason,
        };
        let stamp = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.strip_suffix(SUFFIX))
            .ok_or_else(|| err("expected the prefix ZLPE and the suffix _delta.xml"))?;
        if !(stamp.len() == 14 || stamp.len() == 8) || !stamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("expected 14 digits (yyyyMMddHHmmss) or 8 digits (yyyyMMdd)"));
        }
        let n = |from: usize, to: usize| -> i16 { stamp[from..to].parse().expect("ascii digits") };
        let (hour, minute, second) = if stamp.len() == 14 {
            (n(8, 10), n(10, 12), n(12, 14))
        } else {
            (0, 0, 0)
        };
        let exported = DateTime::new(
            n(0, 4),
            n(4, 6) as i8,
            n(6, 8) as i8,
            hour as i8,
            minute as i8,
            second as i8,
            0,
        )
        .map_err(|_| err("the timestamp is not a real date and time"))?;
        Ok(Self { exported })
    }

    /// Parses the last component of `path`.
    pub fn from_path(path: &Path) -> Result<Self, FileNameError> {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        Self::parse(name)
    }

    /// When the dump was exported.
    pub fn exported(&self) -> DateTime {
        self.exported
    }
}

impl fmt::Display for DumpFileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.exported;
        write!(
            f,
            "{PREFIX}{:04}{:02}{:02}{:02}{:02}{:02}{SUFFIX}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

impl FromStr for DumpFileName {
    type Err = FileNameError;
    fn from_str(s: &str) -> Result<Self, FileNameError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn full_form_round_trips() {
        let name = DumpFileName::parse("ZLPE20190902224224_delta.xml").unwrap();
        assert_eq!(name.exported(), date(2019, 9, 2).at(22, 42, 24, 0));
        assert_eq!(name.to_string(), "ZLPE20190902224224_delta.xml");
        assert_eq!("ZLPE20190902224224_delta.xml".parse::<DumpFileName>().unwrap(), name);
    }

    #[test]
    fn date_only_form_of_the_samples_is_midnight() {
        let name = DumpFileName::parse("ZLPE20200101_delta.xml").unwrap();
        assert_eq!(name.exported(), date(2020, 1, 1).at(0, 0, 0, 0));
        assert_eq!(name.to_string(), "ZLPE20200101000000_delta.xml");
    }

    #[test]
    fn new_drops_fractions_and_orders_by_time() {
        let a = DumpFileName::new(date(2020, 1, 1).at(23, 59, 59, 999));
        assert_eq!(a.to_string(), "ZLPE20200101235959_delta.xml");
        let b = DumpFileName::parse("ZLPE20200102_delta.xml").unwrap();
        assert!(a < b);
        let path = Path::new("/srv/opus/ZLPE20200102_delta.xml");
        assert_eq!(DumpFileName::from_path(path).unwrap(), b);
    }

    #[test]
    fn refuses_other_names() {
        for bad in [
            "",
            "ZLPE_delta.xml",
            "ZLPE2020010_delta.xml",
            "ZLPE20201301000000_delta.xml",
            "ZLPE20200101250000_delta.xml",
            "ZLPE20200101000000_delta.XML",
            "zlpe20200101000000_delta.xml",
            "ZLPE20200101000000.xml",
            "ZLPETESTER2_delta.xml",
            "ZLPE２０２００１０１_delta.xml",
        ] {
            assert!(DumpFileName::parse(bad).is_err(), "{bad:?}");
        }
        let msg = DumpFileName::parse("x.xml").unwrap_err().to_string();
        assert!(msg.contains("'x.xml'"), "{msg}");
    }
}
