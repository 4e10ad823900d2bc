//! The HR master data every standard interface shares: org units, employments (a person's CPR number with an
//! ekstraciffer and a personnel number) and the data categories (SAP infotypes) of *Medarbejderoplysninger*,
//! each a list of records with a validity period; plus children, maternity cases and work-accident cases.
//!
//! A category record is a small, validated map of the category's XSD fields (in XSD order), so one storage
//! shape and one XML writer serve all fifteen categories.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{Cpr, Kommunekode, Pernr};

/// `9999-12-31`: the end date SAP uses for "no end".
pub const OPEN_END: Date = jiff::civil::date(9999, 12, 31);
/// `1900-01-01`: the start date SAP uses for "since always".
pub const OPEN_START: Date = jiff::civil::date(1900, 1, 1);

/// Longest value accepted in a category field (the XSD says `xsd:string`; SAP's fields are at most 241).
pub const MAX_VALUE_CHARS: usize = 241;

/// The XSD type of a category field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// `xsd:date`, `yyyy-MM-dd`.
    Date,
    /// `xsd:time`, `hh:mm:ss`.
    Time,
    /// `xsd:boolean`, written `true` / `false`.
    Boolean,
}

/// One field of a category, after `Gyldighedsstart` and `Gyldighedsstop` (which every category has).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    /// `maxOccurs="unbounded"` (only `Organisation/LederOrgEnhed`).
    pub repeated: bool,
}

const fn text(name: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Text,
        repeated: false,
    }
}
const fn date(name: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Date,
        repeated: false,
    }
}
const fn time(name: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Time,
        repeated: false,
    }
}
const fn boolean(name: &'static str) -> Field {
    Field {
        name,
        kind: FieldKind::Boolean,
        repeated: false,
    }
}

/// A data category (`Datakategori`) of Medarbejderoplysninger, in the order of `EgenskaberType` in the WSDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Category {
    Aktiviteter,
    Organisation,
    Persondata,
    Adresse,
    Arbejdstid,
    Kontraktindhold,
    Kommunikation,
    Skattedata,
    Loenindplacering,
    Tilslutninger,
    Pensionsordninger,
    Moedetidsplan,
    FravaerNaervaer,
    Arbejdsfunktion,
    TjenesteplansIndplacering,
}

impl Category {
    /// Every category, in XSD order (the order of the response).
    pub const ALL: [Category; 15] = [
        Self::Aktiviteter,
        Self::Organisation,
        Self::Persondata,
        Self::Adresse,
        Self::Arbejdstid,
        Self::Kontraktindhold,
        Self::Kommunikation,
        Self::Skattedata,
        Self::Loenindplacering,
        Self::Tilslutninger,
        Self::Pensionsordninger,
        Self::Moedetidsplan,
        Self::FravaerNaervaer,
        Self::Arbejdsfunktion,
        Self::TjenesteplansIndplacering,
    ];

    /// The `Datakategori` code a client sends: the infotype number, or `MTP` / `FVNV` / `TPI`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Aktiviteter => "0000",
            Self::Organisation => "0001",
            Self::Persondata => "0002",
            Self::Adresse => "0006",
            Self::Arbejdstid => "0007",
            Self::Kontraktindhold => "0016",
            Self::Kommunikation => "0105",
            Self::Skattedata => "0765",
            Self::Loenindplacering => "9001",
            Self::Tilslutninger => "9013",
            Self::Pensionsordninger => "9015",
            Self::Moedetidsplan => "MTP",
            Self::FravaerNaervaer => "FVNV",
            Self::Arbejdsfunktion => "9039",
            Self::TjenesteplansIndplacering => "TPI",
        }
    }

    /// The element name inside `Egenskaber`.
    pub fn element(self) -> &'static str {
        match self {
            Self::Aktiviteter => "Aktiviteter",
            Self::Organisation => "Organisation",
            Self::Persondata => "Persondata",
            Self::Adresse => "Adresse",
            Self::Arbejdstid => "Arbejdstid",
            Self::Kontraktindhold => "Kontraktindhold",
            Self::Kommunikation => "Kommunikation",
            Self::Skattedata => "Skattedata",
            Self::Loenindplacering => "Loenindplacering",
            Self::Tilslutninger => "Tilslutninger",
            Self::Pensionsordninger => "Pensionsordninger",
            Self::Moedetidsplan => "Moedetidsplan",
            Self::FravaerNaervaer => "Fravaer-Naervaer",
            Self::Arbejdsfunktion => "Arbejdsfunktion",
            Self::TjenesteplansIndplacering => "TjenesteplansIndplacering",
        }
    }

    /// A `Datakategori` value: the code (`0105`, `MTP`, …; numeric codes may omit leading zeros), the element
    /// name (`Kommunikation`) or, for TjenesteplansIndplacering, its name; case-insensitive.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let padded = crate::ids::pad_digits(s, 4);
        Self::ALL.into_iter().find(|c| {
            padded.as_deref() == Some(c.code())
                || s.eq_ignore_ascii_case(c.code())
                || s.eq_ignore_ascii_case(c.element())
                || (*c == Self::FravaerNaervaer && s.eq_ignore_ascii_case("FravaerNaervaer"))
        })
    }

    /// The category's fields after the validity period, in XSD order.
    pub fn fields(self) -> &'static [Field] {
        match self {
            Self::Aktiviteter => {
                const {
                    &[
                        text("Aktivitetsart"),
                        text("AktivitetsAarsag"),
                        text("StatusBeskaeftigelse"),
                        text("Ansaettelsesdato"),
                        text("Fratraedelsesdato"),
                    ]
                }
            }
            Self::Organisation => {
                const {
                    &[
                        text("Medarbejderkreds"),
                        text("Ansaettelsesforhold"),
                        text("Organisationsenhed"),
                        text("OrganisationsenhedTekst"),
                        text("Stilling"),
                        text("StillingTekst"),
                        text("OrganisationAdresse"),
                        text("OrganisationBy"),
                        text("OrganisationPostnr"),
                        text("OrganisationTelefonnr"),
                        text("Ledermarkering"),
                        Field {
                            name: "LederOrgEnhed",
                            kind: FieldKind::Text,
                            repeated: true,
                        },
                        text("OvenliggendeOrgEnhed"),
                        text("OrganisationsenhedTekstKort"),
                        text("StillingTekstKort"),
                    ]
                }
            }
            Self::Persondata => {
                const {
                    &[
                        text("CPR-nummer"),
                        text("Efternavn"),
                        text("Fornavn"),
                        text("PersonaleIdentifikator"),
                    ]
                }
            }
            Self::Adresse => {
                const {
                    &[
                        text("Adresseart"),
                        text("GadeVejNr"),
                        text("Postnummer"),
                        text("By"),
                        text("Land"),
                    ]
                }
            }
            Self::Arbejdstid => {
                const {
                    &[
                        text("ArbejdstimerAar"),
                        text("TimetalTaeller"),
                        text("TimetalNaevner"),
                        text("TimetalTaellerTid"),
                        text("TimetalNaevnerTid"),
                        text("Reduktionskode"),
                    ]
                }
            }
            Self::Kontraktindhold => const { &[date("FoersteTiltraedelse"), date("TiltraedelsesdatoKoncern")] },
            Self::Kommunikation => {
                const {
                    &[
                        text("Sekvensnummer"),
                        text("Kommunikationsart"),
                        text("KommunikationsID"),
                    ]
                }
            }
            Self::Skattedata => const { &[text("Traekprocent"), text("FradragMaaned")] },
            Self::Loenindplacering => const { &[boolean("DecentralAnsaettelse"), text("Loenklassenummer")] },
            Self::Tilslutninger => {
                const {
                    &[
                        text("Brugernummer"),
                        boolean("Tidsadministration"),
                        boolean("Vagtplan"),
                        text("Ekstraciffer"),
                    ]
                }
            }
            Self::Pensionsordninger => {
                const {
                    &[
                        text("Pensionsart"),
                        text("Pensionskassenummer"),
                        text("Pensionsmedlemsnummer"),
                        text("ArbejdsgiverBidragPct"),
                        text("EgetBidragPct"),
                    ]
                }
            }
            Self::Moedetidsplan => {
                const {
                    &[
                        text("Arbejdstidstype"),
                        text("Arbejdstidstypetekst"),
                        text("Arbejdstid"),
                        time("Starttid"),
                        time("Sluttid"),
                    ]
                }
            }
            Self::FravaerNaervaer => {
                const {
                    &[
                        text("FravaersNaervaersart"),
                        text("FravaersNaervaerstekst"),
                        text("FravaersNaervaerstimer"),
                        text("FravaersNaervaersdage"),
                        time("Starttid"),
                        time("Sluttid"),
                    ]
                }
            }
            Self::Arbejdsfunktion => {
                const {
                    &[
                        text("Arbejdsfunktion"),
                        text("ArbejdsfunktionTekstKort"),
                        text("ArbejdsfunktionTekst"),
                    ]
                }
            }
            Self::TjenesteplansIndplacering => {
                const {
                    &[
                        text("Organisationsenhed"),
                        text("OrganisationsenhedTekst"),
                        text("OrganisationsenhedTekstKort"),
                    ]
                }
            }
        }
    }

    fn field(self, name: &str) -> Option<(usize, &'static Field)> {
        self.fields().iter().enumerate().find(|(_, f)| f.name == name)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.element())
    }
}

/// Why a record, an employment or a value was refused (Danish, as the interface's texts are).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HrError(pub String);

fn err(s: impl Into<String>) -> HrError {
    HrError(s.into())
}

/// Parses `yyyy-MM-dd` (nothing else).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    (s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-')
        .then(|| s.parse::<Date>().ok())
        .flatten()
}

fn valid_value(kind: FieldKind, v: &str) -> bool {
    match kind {
        FieldKind::Text => v.chars().count() <= MAX_VALUE_CHARS && !v.chars().any(char::is_control),
        FieldKind::Date => parse_date(v).is_some(),
        FieldKind::Time => {
            v.len() == 8 && v.as_bytes()[2] == b':' && v.as_bytes()[5] == b':' && v.parse::<jiff::civil::Time>().is_ok()
        }
        FieldKind::Boolean => v == "true" || v == "false",
    }
}

/// One record of a data category: a validity period and the category's field values, in XSD order. Absent
/// fields are absent (not empty strings); a repeated field may occur several times.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CategoryRecord {
    pub category: Category,
    pub valid_from: Date,
    pub valid_to: Date,
    values: Vec<(String, String)>,
}

impl CategoryRecord {
    /// Validates the field names and values against the category and sorts them into XSD order.
    pub fn new(
        category: Category,
        valid_from: Date,
        valid_to: Date,
        values: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Result<Self, HrError> {
        if valid_from > valid_to {
            return Err(err(format!(
                "{}: Gyldighedsstart {valid_from} ligger efter Gyldighedsstop {valid_to}",
                category.element()
            )));
        }
        let mut indexed = Vec::new();
        for (name, value) in values {
            let (name, value): (String, String) = (name.into(), value.into());
            let Some((i, field)) = category.field(&name) else {
                return Err(err(format!("{} har intet felt {name}", category.element())));
            };
            if !valid_value(field.kind, &value) {
                return Err(err(format!("{}/{name}: ugyldig værdi", category.element())));
            }
            if !field.repeated && indexed.iter().any(|(j, _, _)| *j == i) {
                return Err(err(format!("{}/{name} må kun forekomme én gang", category.element())));
            }
            indexed.push((i, name, value));
        }
        indexed.sort_by_key(|(i, _, _)| *i);
        Ok(Self {
            category,
            valid_from,
            valid_to,
            values: indexed.into_iter().map(|(_, n, v)| (n, v)).collect(),
        })
    }

    /// The values in XSD order (a repeated field once per occurrence).
    pub fn values(&self) -> impl Iterator<Item = (&str, &str)> {
        self.values.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The first value of `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.values.iter().find(|(n, _)| n == field).map(|(_, v)| v.as_str())
    }

    /// Whether the record's validity overlaps `[from, to]` (both inclusive).
    pub fn overlaps(&self, from: Date, to: Date) -> bool {
        self.valid_from <= to && self.valid_to >= from
    }

    /// The same values with another validity period.
    pub fn with_validity(&self, valid_from: Date, valid_to: Date) -> Result<Self, HrError> {
        Self::new(self.category, valid_from, valid_to, self.values.clone())
    }
}

/// Where an employment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmploymentStatus {
    Active,
    /// Ended (fratrådt): a leave record, or missing from a full snapshot.
    Left,
    /// Cancelled (annulleret): the number must no longer be used; see `replaced_by`.
    Deleted,
}

impl EmploymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Left => "left",
            Self::Deleted => "deleted",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(Self::Active),
            "left" => Some(Self::Left),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

/// One employment (ansættelse): the personnel number is the key; a person (CPR) with several employments in a
/// municipality has one per number, told apart by the ekstraciffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub municipality: Kommunekode,
    pub pernr: Pernr,
    pub cpr: Cpr,
    pub ekstraciffer: u8,
    pub first_name: String,
    pub last_name: String,
    /// The org unit's id (digits).
    pub org_unit: Option<String>,
    pub entry_date: Option<Date>,
    pub leave_date: Option<Date>,
    /// Whether the employment is the manager (leder) of its org unit.
    pub is_manager: bool,
    pub status: EmploymentStatus,
    /// For a cancelled employment: the number that replaced it, if any.
    pub replaced_by: Option<Pernr>,
}

impl Employment {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name).trim().to_owned()
    }
}

/// An org unit: a node in the municipality's tree, with a validity period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    /// Opus's id (digits, no leading zeros).
    pub id: String,
    pub parent: Option<String>,
    pub short_name: String,
    pub long_name: String,
    pub valid_from: Date,
    pub valid_to: Date,
    pub street: Option<String>,
    pub zip_code: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub cost_center: Option<String>,
}

/// A child of an employee (GetChildren): the number the absence interface refers to on care days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// Two digits, `01`, `02`, …
    pub child_number: String,
    pub cpr: Cpr,
    pub first_name: String,
    pub last_name: String,
}

/// A maternity case (barselssag, GetMaternityCases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaternityCase {
    pub case_key: String,
    pub maternity_type: String,
    pub maternity_type_text: String,
    pub valid_start: Date,
    pub valid_end: Date,
    pub notification_date: Option<Date>,
    pub expected_delivery: Option<Date>,
    pub actual_delivery: Option<Date>,
    pub authority_report_date: Option<Date>,
}

/// A work-accident case (arbejdsskadesag, GetWorkAccidentCases).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkAccidentCase {
    pub accident_number: String,
    pub accident_date: Date,
    pub start_date: Date,
}

/// `Kommunikationsart` values (SAP infotype 0105 subtypes) and what a value of each must look like.
pub const KOMMUNIKATIONSARTER: &[(&str, &str)] = &[
    ("0001", "Brugernavn"),
    ("0010", "E-mail"),
    ("0020", "Telefon (arbejde)"),
    ("CELL", "Mobiltelefon"),
    ("MPHN", "Privat telefon"),
    ("PMAI", "Privat e-mail"),
];

/// Checks a communication value for its kind: an e-mail address for `0010`/`PMAI`, a telephone number (digits,
/// optional leading `+`, 8–15 digits) for `0020`/`CELL`/`MPHN`, a user name of visible characters for `0001`.
pub fn validate_kommunikation(art: &str, id: &str) -> Result<(), HrError> {
    if !KOMMUNIKATIONSARTER.iter().any(|(a, _)| *a == art) {
        let known: Vec<_> = KOMMUNIKATIONSARTER.iter().map(|(a, _)| *a).collect();
        return Err(err(format!(
            "Ukendt Kommunikationsart '{}' (kendte: {})",
            art.chars().take(10).collect::<String>(),
            known.join(", ")
        )));
    }
    let ok = match art {
        "0010" | "PMAI" => is_email(id),
        "0020" | "CELL" | "MPHN" => {
            let digits = id.strip_prefix('+').unwrap_or(id).replace(' ', "");
            (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        }
        _ => !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_graphic()),
    };
    if ok {
        Ok(())
    } else {
        Err(err(format!(
            "KommunikationsID er ikke en gyldig værdi for Kommunikationsart {art}"
        )))
    }
}

fn is_email(s: &str) -> bool {
    if s.len() > MAX_VALUE_CHARS || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn categories_parse_by_code_name_and_short_code() {
        assert_eq!(Category::parse("0105"), Some(Category::Kommunikation));
        assert_eq!(Category::parse("105"), Some(Category::Kommunikation));
        assert_eq!(Category::parse("mtp"), Some(Category::Moedetidsplan));
        assert_eq!(Category::parse("Fravaer-Naervaer"), Some(Category::FravaerNaervaer));
        assert_eq!(Category::parse("TPI"), Some(Category::TjenesteplansIndplacering));
        assert_eq!(
            Category::parse("TjenesteplansIndplacering"),
            Some(Category::TjenesteplansIndplacering)
        );
        assert_eq!(Category::parse("0003"), None);
        assert_eq!(Category::parse(""), None);
        let codes: std::collections::HashSet<_> = Category::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), 15);
    }

    #[test]
    fn records_sort_into_xsd_order_and_refuse_bad_values() {
        let r = CategoryRecord::new(
            Category::Kommunikation,
            date(2020, 1, 1),
            OPEN_END,
            [("KommunikationsID", "a@b.dk"), ("Sekvensnummer", "000")],
        )
        .unwrap();
        let names: Vec<_> = r.values().map(|(n, _)| n).collect();
        assert_eq!(names, ["Sekvensnummer", "KommunikationsID"]);
        assert_eq!(r.get("KommunikationsID"), Some("a@b.dk"));

        let bad = |c, values: Vec<(&str, &str)>| CategoryRecord::new(c, date(2020, 1, 1), OPEN_END, values).is_err();
        assert!(bad(Category::Kommunikation, vec![("Postnummer", "4180")]));
        assert!(bad(
            Category::Kontraktindhold,
            vec![("FoersteTiltraedelse", "01-01-2020")]
        ));
        assert!(bad(Category::Moedetidsplan, vec![("Starttid", "7:00")]));
        assert!(bad(Category::Loenindplacering, vec![("DecentralAnsaettelse", "ja")]));
        assert!(bad(Category::Persondata, vec![("Fornavn", "A"), ("Fornavn", "B")]));
        assert!(
            CategoryRecord::new(
                Category::Persondata,
                date(2021, 1, 1),
                date(2020, 1, 1),
                [("Fornavn", "A")]
            )
            .is_err()
        );
        // The one repeated field may repeat.
        let org = CategoryRecord::new(
            Category::Organisation,
            date(2020, 1, 1),
            OPEN_END,
            [
                ("LederOrgEnhed", "2"),
                ("LederOrgEnhed", "3"),
                ("Organisationsenhed", "2"),
            ],
        )
        .unwrap();
        assert_eq!(org.values().filter(|(n, _)| *n == "LederOrgEnhed").count(), 2);
        assert_eq!(org.values().next(), Some(("Organisationsenhed", "2")));
    }

    #[test]
    fn overlap_is_inclusive() {
        let r = CategoryRecord::new(
            Category::Skattedata,
            date(2020, 1, 1),
            date(2020, 12, 31),
            [("Traekprocent", "38")],
        )
        .unwrap();
        assert!(r.overlaps(date(2020, 12, 31), OPEN_END));
        assert!(r.overlaps(OPEN_START, date(2020, 1, 1)));
        assert!(!r.overlaps(date(2021, 1, 1), OPEN_END));
    }

    #[test]
    fn communication_values_are_checked_by_kind() {
        assert!(validate_kommunikation("0010", "anna@soroe.dk").is_ok());
        assert!(validate_kommunikation("0010", "anna@soroe").is_err());
        assert!(validate_kommunikation("0010", "an na@soroe.dk").is_err());
        assert!(validate_kommunikation("0020", "57876000").is_ok());
        assert!(validate_kommunikation("CELL", "+45 20 30 40 50").is_ok());
        assert!(validate_kommunikation("CELL", "2030").is_err());
        assert!(validate_kommunikation("XXXX", "x").is_err());
    }
}
