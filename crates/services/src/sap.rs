//! The conventions the SAP PI message types of Opret fravær and snitflade's own absence-quota and
//! work-schedule interfaces share: the qualified root with unqualified fields, `ReturnStatus` with SAP's
//! `StatusType` ("S" success, "W" done with a warning, "E" error) and a Danish `MessageText`, and the strict text
//! formats of the fields (dates `yyyy-MM-dd`, times `hh:mm:ss`, personnel numbers of up to 8 digits).

use jiff::civil::{Date, Time};
use snitflade_domain::Pernr;
use snitflade_soap::{XmlWriter, envelope_with};

/// SAP's `StatusType` values snitflade answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusType {
    Success,
    /// Done, with something the caller should know (SAP's "W").
    Warning,
    Error,
}

impl StatusType {
    pub fn code(self) -> &'static str {
        match self {
            Self::Success => "S",
            Self::Warning => "W",
            Self::Error => "E",
        }
    }
}

/// A `ReturnStatus`: status and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnStatus {
    pub status: StatusType,
    pub text: String,
}

impl ReturnStatus {
    pub fn success(text: impl Into<String>) -> Self {
        Self {
            status: StatusType::Success,
            text: text.into(),
        }
    }

    /// Done, with a warning in the text.
    pub fn warning(text: impl Into<String>) -> Self {
        Self {
            status: StatusType::Warning,
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            status: StatusType::Error,
            text: text.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.status == StatusType::Error
    }

    /// Writes `<ReturnStatus><StatusType/><MessageText/></ReturnStatus>`.
    pub fn write(&self, w: &mut XmlWriter) {
        self.write_fields(w.start("ReturnStatus"));
        w.end();
    }

    /// Writes just `<StatusType/><MessageText/>` (for the list form, `ReturnStatus/item`).
    pub fn write_fields(&self, w: &mut XmlWriter) {
        w.leaf("StatusType", self.status.code());
        if !self.text.is_empty() {
            w.leaf("MessageText", &self.text);
        }
    }
}

/// A response envelope whose payload is `root` in `namespace` (prefix `ns0`, the fields unqualified as the
/// SAP PI schemas have them).
pub fn response(root: &str, namespace: &str, body: impl FnOnce(&mut XmlWriter)) -> String {
    envelope_with(|w| {
        w.start(&format!("ns0:{root}")).attr("xmlns:ns0", namespace);
        body(w);
        w.end();
    })
}

/// A date field, `yyyy-MM-dd`.
pub fn parse_date(field: &str, value: &str) -> Result<Date, String> {
    let ok = value.len() == 10 && value.as_bytes()[4] == b'-' && value.as_bytes()[7] == b'-';
    ok.then(|| value.parse::<Date>().ok()).flatten().ok_or_else(|| {
        format!(
            "{field} skal være en dato på formen åååå-mm-dd, fx 2026-11-23 (modtaget: {})",
            clip(value)
        )
    })
}

/// A time field, `hh:mm:ss`.
pub fn parse_time(field: &str, value: &str) -> Result<Time, String> {
    let b = value.as_bytes();
    let ok = value.len() == 8 && b[2] == b':' && b[5] == b':';
    ok.then(|| value.parse::<Time>().ok()).flatten().ok_or_else(|| {
        format!(
            "{field} skal være et klokkeslæt på formen tt:mm:ss, fx 08:00:00 (modtaget: {})",
            clip(value)
        )
    })
}

/// A personnel number (up to 8 digits; shorter ones are zero-padded).
pub fn parse_pernr(field: &str, value: &str) -> Result<Pernr, String> {
    Pernr::parse(value).map_err(|_| {
        format!(
            "{field} skal være et medarbejdernummer på højst 8 cifre (modtaget: {})",
            clip(value)
        )
    })
}

/// A field value for a message: at most 40 characters of it.
pub fn clip(value: &str) -> String {
    let mut out: String = value.chars().take(40).collect();
    if value.chars().count() > 40 {
        out.push('…');
    }
    out
}

/// A date as the interfaces write it.
pub fn date_text(d: Date) -> String {
    d.to_string()
}

/// A time as the interfaces write it.
pub fn time_text(t: Time) -> String {
    t.strftime("%H:%M:%S").to_string()
}

/// Days as a person reads them: "1 dag", "0,5 dag", "4 dage".
pub fn days_phrase(d: rust_decimal::Decimal) -> String {
    let n = d.normalize().to_string().replace('.', ",");
    if d > rust_decimal::Decimal::ZERO && d <= rust_decimal::Decimal::ONE {
        format!("{n} dag")
    } else {
        format!("{n} dage")
    }
}

/// A decimal with two decimals (hours, days).
pub fn decimal_text(d: rust_decimal::Decimal) -> String {
    snitflade_domain::payroll::value_text(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_formats() {
        assert_eq!(
            parse_date("StartDate", "2026-11-23").unwrap(),
            jiff::civil::date(2026, 11, 23)
        );
        for bad in ["2026-11-31", "23-11-2026", "2026-1-3", "20261123", ""] {
            assert!(parse_date("StartDate", bad).unwrap_err().contains("StartDate"), "{bad}");
        }
        assert_eq!(
            parse_time("StartTime", "07:30:00").unwrap(),
            jiff::civil::time(7, 30, 0, 0)
        );
        for bad in ["7:30:00", "07:30", "25:00:00", "07.30.00"] {
            assert!(parse_time("StartTime", bad).is_err(), "{bad}");
        }
        assert_eq!(parse_pernr("PersonnelNumber", "101").unwrap().to_string(), "00000101");
        assert!(parse_pernr("PersonnelNumber", "123456789").is_err());
        assert_eq!(decimal_text("7.4".parse().unwrap()), "7.40");
    }

    #[test]
    fn return_status_and_envelope() {
        let xml = response("XResponse_MT", "urn:x", |w| {
            ReturnStatus::error("Fejl & mangler").write(w)
        });
        assert!(
            xml.contains(
                "<ns0:XResponse_MT xmlns:ns0=\"urn:x\"><ReturnStatus><StatusType>E</StatusType>\
             <MessageText>Fejl &amp; mangler</MessageText></ReturnStatus></ns0:XResponse_MT>"
            ),
            "{xml}"
        );
    }
}
