//! Absence (fravær) as Opret fravær knows it: a municipality's catalogue of absence types (which quota each draws
//! on and what `AdditionalData` must name), the reason codes of leave with and without pay (GetReasons), and a
//! registered absence.

use crate::schedule::AbsencePeriod;
use serde::{Deserialize, Serialize};

/// The quotas absences draw on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaKind {
    /// Ferie: 25 days per holiday year.
    Holiday,
    /// 6. ferieuge: 5 days per holiday year.
    SixthWeek,
    /// Omsorgsdage: 2 per child per calendar year.
    CareDay,
    /// Seniordage: 2/3/4 per calendar year from 60/61/62.
    SeniorDay,
}

impl QuotaKind {
    pub const ALL: [QuotaKind; 4] = [Self::Holiday, Self::SixthWeek, Self::CareDay, Self::SeniorDay];

    /// The quota's code in the quota service (the absence type code that draws on it by default).
    pub fn code(self) -> &'static str {
        match self {
            Self::Holiday => "FE",
            Self::SixthWeek => "6F",
            Self::CareDay => "OS",
            Self::SeniorDay => "SO",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::Holiday => "Ferie",
            Self::SixthWeek => "6. ferieuge",
            Self::CareDay => "Omsorgsdage",
            Self::SeniorDay => "Seniordage",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|q| q.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// Whether leave is with or without pay (GetReasons' `leaveType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pay {
    WithPay,
    WithoutPay,
}

/// What `AdditionalData` of an absence of a type names. (The field-less variants are written `{}` so that
/// `deny_unknown_fields` holds for them too: serde ignores the other keys of an internally tagged unit variant.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Attachment {
    /// Nothing; `AdditionalData` must be empty.
    None {},
    /// A child's number from GetChildren (two digits); `max_age_year`: the child must turn at most this many
    /// years in the absence's calendar year.
    Child { max_age_year: Option<u8> },
    /// A maternity case key from GetMaternityCases.
    MaternityCase {},
    /// A reason code from GetReasons for leave of this kind.
    Reason { pay: Pay },
    /// A work-accident number from GetWorkAccidentCases; `required: false` lets it be left out.
    WorkAccident { required: bool },
}

/// One absence type of a municipality's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbsenceType {
    /// `AbsenceAttendanceType`, 1–4 characters (`FE`, `6F`, …).
    pub code: String,
    /// `AbsenceAttendanceTypeText`.
    pub text: String,
    /// The quota it draws on, if any.
    pub quota: Option<QuotaKind>,
    pub attachment: Attachment,
    /// Whether the employee is paid while away (informational; leave without pay also has `Reason`).
    pub paid: bool,
}

/// Why a catalogue is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(pub String);

/// Checks a catalogue: codes 1–4 characters of A–Z/0–9, unique, texts 1–40 characters, reasons only on leave.
pub fn validate_catalogue(types: &[AbsenceType]) -> Result<(), CatalogueError> {
    if types.is_empty() {
        return Err(CatalogueError("Kataloget skal have mindst én fraværsart".into()));
    }
    for (i, t) in types.iter().enumerate() {
        if t.code.is_empty()
            || t.code.len() > 4
            || !t.code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            return Err(CatalogueError(format!(
                "Fraværsart {:?}: koden skal være 1-4 tegn A-Z/0-9",
                t.code
            )));
        }
        if types[..i].iter().any(|o| o.code == t.code) {
            return Err(CatalogueError(format!("Fraværsart {} findes to gange", t.code)));
        }
        let len = t.text.chars().count();
        if len == 0 || len > 40 {
            return Err(CatalogueError(format!(
                "Fraværsart {}: teksten skal være 1-40 tegn",
                t.code
            )));
        }
        if t.quota == Some(QuotaKind::CareDay) && !matches!(t.attachment, Attachment::Child { .. }) {
            return Err(CatalogueError(format!(
                "Fraværsart {}: omsorgsdage kræver et barn i AdditionalData",
                t.code
            )));
        }
    }
    Ok(())
}

/// The catalogue every municipality starts with (an administrator can replace it per municipality).
pub fn default_catalogue() -> Vec<AbsenceType> {
    let t = |code: &str, text: &str, quota, attachment, paid| AbsenceType {
        code: code.into(),
        text: text.into(),
        quota,
        attachment,
        paid,
    };
    vec![
        t("FE", "Ferie", Some(QuotaKind::Holiday), Attachment::None {}, true),
        t(
            "6F",
            "6. ferieuge",
            Some(QuotaKind::SixthWeek),
            Attachment::None {},
            true,
        ),
        t("SO", "Seniordag", Some(QuotaKind::SeniorDay), Attachment::None {}, true),
        t(
            "OS",
            "Omsorgsdag",
            Some(QuotaKind::CareDay),
            Attachment::Child { max_age_year: Some(7) },
            true,
        ),
        t("SY", "Sygdom", None, Attachment::WorkAccident { required: false }, true),
        t(
            "BS",
            "Barns 1. og 2. sygedag",
            None,
            Attachment::Child { max_age_year: Some(17) },
            true,
        ),
        t(
            "AS",
            "Arbejdsskade",
            None,
            Attachment::WorkAccident { required: true },
            true,
        ),
        t("BA", "Barsel", None, Attachment::MaternityCase {}, true),
        t(
            "TM",
            "Tjenestefri med løn",
            None,
            Attachment::Reason { pay: Pay::WithPay },
            true,
        ),
        t(
            "TU",
            "Tjenestefri uden løn",
            None,
            Attachment::Reason { pay: Pay::WithoutPay },
            false,
        ),
    ]
}

/// A reason code for leave (GetReasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub text: &'static str,
    pub pay: Pay,
}

/// The reasons for leave with and without pay, from the municipal agreements' grounds for time off.
pub const REASONS: &[Reason] = &[
    Reason {
        code: "01",
        text: "Flytning",
        pay: Pay::WithPay,
    },
    Reason {
        code: "02",
        text: "Eget bryllup",
        pay: Pay::WithPay,
    },
    Reason {
        code: "03",
        text: "Nærtståendes begravelse",
        pay: Pay::WithPay,
    },
    Reason {
        code: "04",
        text: "Lægebesøg og behandling",
        pay: Pay::WithPay,
    },
    Reason {
        code: "05",
        text: "Tillidsrepræsentantarbejde",
        pay: Pay::WithPay,
    },
    Reason {
        code: "06",
        text: "Kursus og efteruddannelse",
        pay: Pay::WithPay,
    },
    Reason {
        code: "07",
        text: "Pasning af alvorligt syg nærtstående",
        pay: Pay::WithPay,
    },
    Reason {
        code: "11",
        text: "Orlov uden løn",
        pay: Pay::WithoutPay,
    },
    Reason {
        code: "12",
        text: "Ekstern uddannelse",
        pay: Pay::WithoutPay,
    },
    Reason {
        code: "13",
        text: "Ansættelse i anden stilling på prøve",
        pay: Pay::WithoutPay,
    },
    Reason {
        code: "14",
        text: "Andet tjenestefri uden løn",
        pay: Pay::WithoutPay,
    },
];

/// The reasons for one kind of leave.
pub fn reasons(pay: Option<Pay>) -> impl Iterator<Item = &'static Reason> {
    REASONS.iter().filter(move |r| pay.is_none_or(|p| r.pay == p))
}

/// An absence as registered: stable object id, type, period and what `AdditionalData` named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    /// `ObjectId`: stays the same when the absence is changed.
    pub object_id: String,
    pub type_code: String,
    pub period: AbsencePeriod,
    /// `AdditionalData` as sent (trimmed), empty when none.
    pub additional: String,
    /// Who registered it (the system's name).
    pub registered_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalogue_is_valid_and_complete() {
        let c = default_catalogue();
        validate_catalogue(&c).unwrap();
        for code in ["FE", "6F", "SO", "OS", "SY", "BA", "TM", "TU"] {
            assert!(c.iter().any(|t| t.code == code), "{code}");
        }
        let os = c.iter().find(|t| t.code == "OS").unwrap();
        assert_eq!(os.quota, Some(QuotaKind::CareDay));
    }

    #[test]
    fn catalogue_errors() {
        let mut c = default_catalogue();
        c.push(c[0].clone());
        assert!(validate_catalogue(&c).unwrap_err().0.contains("to gange"));
        let mut c = default_catalogue();
        c[0].code = "fe".into();
        assert!(validate_catalogue(&c).is_err());
        let mut c = default_catalogue();
        c[3].attachment = Attachment::None {};
        assert!(validate_catalogue(&c).unwrap_err().0.contains("barn"));
        assert!(validate_catalogue(&[]).is_err());
    }

    #[test]
    fn reasons_by_pay() {
        assert!(reasons(Some(Pay::WithPay)).all(|r| r.pay == Pay::WithPay));
        assert_eq!(reasons(None).count(), REASONS.len());
        let codes: Vec<_> = REASONS.iter().map(|r| r.code).collect();
        let mut dedup = codes.clone();
        dedup.dedup();
        assert_eq!(codes, dedup);
    }

    #[test]
    fn quota_codes_round_trip() {
        for q in QuotaKind::ALL {
            assert_eq!(QuotaKind::parse(q.code()), Some(q));
        }
        assert_eq!(QuotaKind::parse("xx"), None);
    }
}
