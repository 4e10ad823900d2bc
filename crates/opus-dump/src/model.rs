//! The records of a ZLPE dump: org units, employees (active or left) and the small value types they use.
//!
//! Every element that occurs in the reference samples has a field; anything else found in a record is kept in
//! `extra` / `extra_attributes` and written back, so a read–write round trip loses nothing but formatting.
//!
//! Field conventions (the same in reader and writer):
//! - free text is `Option<String>`: `None` = the element is absent, `Some("")` = present but empty (`<workPhone/>`);
//!   the text is kept exactly as read (not trimmed);
//! - typed values (dates, ids, booleans, numbers) are `Option<T>`: `None` = absent *or* empty; they are trimmed
//!   before parsing, and the writer always writes them, as an empty element when `None` (as the samples do);
//! - dates are `yyyy-MM-dd`; `9999-12-31` ([`OPEN_END`]) means "open-ended".

use std::fmt;

use jiff::civil::Date;
use snitflade_domain::{Cpr, Kommunekode, Pernr};

/// `9999-12-31`: the end date Opus (SAP) uses for "no end".
pub const OPEN_END: Date = jiff::civil::date(9999, 12, 31);

/// Whether `date` is [`OPEN_END`], i.e. means "open-ended".
pub fn is_open_ended(date: Date) -> bool {
    date == OPEN_END
}

/// The child elements of `<orgUnit>` that have a field, in the order the samples (and the writer) use.
pub(crate) const ORG_UNIT_ELEMENTS: &[&str] = &[
    "startDate",
    "endDate",
    "parentOrgUnit",
    "shortName",
    "longName",
    "street",
    "zipCode",
    "city",
    "phoneNumber",
    "cvrNr",
    "eanNr",
    "seNr",
    "pNr",
    "costCenter",
    "orgType",
    "orgTypeTxt",
];

/// The child elements of an active `<employee>` that have a field, in the order the samples (and the writer) use.
pub const EMPLOYEE_ELEMENTS: &[&str] = &[
    "entryDate",
    "leaveDate",
    "cpr",
    "firstName",
    "lastName",
    "address",
    "postalCode",
    "city",
    "country",
    "workPhone",
    "workContract",
    "workContractText",
    "positionId",
    "position",
    "positionShort",
    "isManager",
    "superiorLevel",
    "subordinateLevel",
    "orgUnit",
    "payGradeText",
    "numerator",
    "denominator",
];

/// Why a single value could not be accepted (the reader turns it into a record error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub(crate) String);

fn parse_number(s: &str, what: &str, max_digits: usize) -> Result<u64, ValueError> {
    let s = s.trim();
    if s.is_empty() || s.len() > max_digits || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValueError(format!("{what} must be 1–{max_digits} digits")));
    }
    s.parse()
        .map_err(|_| ValueError(format!("{what} must be 1–{max_digits} digits")))
}

/// An org unit's Opus id (`orgUnit/@id`, and the value of `parentOrgUnit` and `employee/orgUnit`): a number,
/// written without leading zeros.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgUnitId(u64);

impl OrgUnitId {
    pub const fn new(number: u64) -> Self {
        Self(number)
    }
    /// 1–18 digits, surrounding whitespace ignored.
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        parse_number(s, "an org unit id", 18).map(Self)
    }
    pub const fn number(self) -> u64 {
        self.0
    }
}

impl fmt::Display for OrgUnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A non-negative decimal number as Opus writes it (`numerator`, `denominator`): digits with an optional
/// `.fraction`. Read trimmed (Opus pads with a trailing blank, SAP's sign position); written back padded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Quantity(String);

impl Quantity {
    pub fn parse(s: &str) -> Result<Self, ValueError> {
        let s = s.trim();
        let (int, frac) = match s.split_once('.') {
            Some((int, frac)) => (int, Some(frac)),
            None => (s, None),
        };
        let digits = |p: &str| !p.is_empty() && p.len() <= 15 && p.bytes().all(|b| b.is_ascii_digit());
        if digits(int) && frac.is_none_or(digits) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValueError(
                "must be a non-negative decimal number (digits, optionally .digits)".into(),
            ))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn to_f64(&self) -> f64 {
        self.0.parse().expect("validated decimal")
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `cpr` element: the person's CPR number and, in `@suppId`, the ekstraciffer that tells several
/// employments of one person apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmployeeCpr {
    pub cpr: Cpr,
    /// `cpr/@suppId`; `None` when the attribute is absent.
    pub supp_id: Option<u8>,
}

/// An element the model has no field for, kept so that it is written back (after the known elements, in the
/// order read). Only elements with text content can be kept; an unknown element with child elements makes the
/// record invalid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExtraElement {
    pub name: String,
    /// Its attributes in document order (unescaped).
    pub attributes: Vec<(String, String)>,
    /// Its text, unescaped and not trimmed (empty for `<name/>`).
    pub text: String,
}

impl ExtraElement {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            attributes: Vec::new(),
            text: text.into(),
        }
    }
}

/// `<orgUnit id=".." client=".." lastChanged="..">`: one organisational unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    /// `@id`.
    pub id: OrgUnitId,
    /// `@client`: the municipality (written without the leading zero, e.g. `813`).
    pub client: Kommunekode,
    /// `@lastChanged`: when Opus last registered a change (not always bumped when a field changes).
    pub last_changed: Date,
    /// `startDate`: first day the unit is valid.
    pub start_date: Option<Date>,
    /// `endDate`: last day the unit is valid; [`OPEN_END`] = open-ended.
    pub end_date: Option<Date>,
    /// `parentOrgUnit`: the parent unit; `None` (`<parentOrgUnit/>`) for the root of the tree.
    pub parent: Option<OrgUnitId>,
    /// `shortName`.
    pub short_name: Option<String>,
    /// `longName`.
    pub long_name: Option<String>,
    /// `street`: postal address, street and number.
    pub street: Option<String>,
    /// `zipCode`.
    pub zip_code: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `phoneNumber`.
    pub phone_number: Option<String>,
    /// `cvrNr`: CVR number (free text: the samples hold 7- and 10-digit values that are no valid CVR).
    pub cvr_nr: Option<String>,
    /// `eanNr`: EAN (GLN) location number for e-invoicing.
    pub ean_nr: Option<String>,
    /// `seNr`: SE number (tax registration).
    pub se_nr: Option<String>,
    /// `pNr`: production unit number (P-nummer).
    pub p_nr: Option<String>,
    /// `costCenter`: cost centre (omkostningssted).
    pub cost_center: Option<String>,
    /// `orgType`: unit type code (e.g. `00001`).
    pub org_type: Option<String>,
    /// `orgTypeTxt`: unit type text (e.g. `Direktion`).
    pub org_type_txt: Option<String>,
    /// Attributes other than `id`, `client`, `lastChanged`, in document order.
    pub extra_attributes: Vec<(String, String)>,
    /// Child elements other than the above, in document order.
    pub extra: Vec<ExtraElement>,
}

impl OrgUnit {
    /// A unit with the required attributes and every other field empty.
    pub fn new(id: OrgUnitId, client: Kommunekode, last_changed: Date) -> Self {
        Self {
            id,
            client,
            last_changed,
            start_date: None,
            end_date: None,
            parent: None,
            short_name: None,
            long_name: None,
            street: None,
            zip_code: None,
            city: None,
            phone_number: None,
            cvr_nr: None,
            ean_nr: None,
            se_nr: None,
            p_nr: None,
            cost_center: None,
            org_type: None,
            org_type_txt: None,
            extra_attributes: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// Whether the unit has no end date or ends on [`OPEN_END`].
    pub fn is_open_ended(&self) -> bool {
        self.end_date.is_none_or(is_open_ended)
    }
}

/// `<employee id=".." client=".." lastChanged="..">` without `@action`: one active employment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    /// `@id`: the employment's personnel number (medarbejdernummer), written without leading zeros.
    pub id: Pernr,
    /// `@client`: the municipality.
    pub client: Kommunekode,
    /// `@lastChanged`.
    pub last_changed: Date,
    /// `entryDate`: first day of the employment.
    pub entry_date: Option<Date>,
    /// `leaveDate`: last day of the employment (a future or [`OPEN_END`] date while active).
    pub leave_date: Option<Date>,
    /// `cpr` with `@suppId`.
    pub cpr: Option<EmployeeCpr>,
    /// `firstName`.
    pub first_name: Option<String>,
    /// `lastName`.
    pub last_name: Option<String>,
    /// `address`: the employee's home address, street and number.
    pub address: Option<String>,
    /// `postalCode`.
    pub postal_code: Option<String>,
    /// `city`.
    pub city: Option<String>,
    /// `country`: country code (`DK`).
    pub country: Option<String>,
    /// `workPhone`.
    pub work_phone: Option<String>,
    /// `workContract`: employment-type code (e.g. `08`).
    pub work_contract: Option<String>,
    /// `workContractText`: employment-type text (`Ansat`, … ; `Annulleret` = cancelled).
    pub work_contract_text: Option<String>,
    /// `positionId`: job (stilling) code.
    pub position_id: Option<String>,
    /// `position`: job title.
    pub position: Option<String>,
    /// `positionShort`: short job title.
    pub position_short: Option<String>,
    /// `isManager`: whether the employment is a manager position.
    pub is_manager: Option<bool>,
    /// `superiorLevel`: manager level code (kept verbatim: `0`).
    pub superior_level: Option<String>,
    /// `subordinateLevel`: sub-level code (kept verbatim: `00`); OS2mo joins the two into one manager level.
    pub subordinate_level: Option<String>,
    /// `orgUnit`: the unit the employment belongs to.
    pub org_unit: Option<OrgUnitId>,
    /// `payGradeText`: pay grade (lønindplacering) text.
    pub pay_grade_text: Option<String>,
    /// `numerator`: working time of this employment; with `denominator` the part-time fraction.
    pub numerator: Option<Quantity>,
    /// `denominator`: full-time working time.
    pub denominator: Option<Quantity>,
    /// Attributes other than `id`, `client`, `lastChanged`, in document order.
    pub extra_attributes: Vec<(String, String)>,
    /// Child elements other than the above, in document order.
    pub extra: Vec<ExtraElement>,
}

impl Employee {
    /// An employment with the required attributes and every other field empty.
    pub fn new(id: Pernr, client: Kommunekode, last_changed: Date) -> Self {
        Self {
            id,
            client,
            last_changed,
            entry_date: None,
            leave_date: None,
            cpr: None,
            first_name: None,
            last_name: None,
            address: None,
            postal_code: None,
            city: None,
            country: None,
            work_phone: None,
            work_contract: None,
            work_contract_text: None,
            position_id: None,
            position: None,
            position_short: None,
            is_manager: None,
            superior_level: None,
            subordinate_level: None,
            org_unit: None,
            pay_grade_text: None,
            numerator: None,
            denominator: None,
            extra_attributes: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// `numerator / denominator`: 1.0 = full time; `None` if either is missing or the denominator is zero.
    pub fn part_time_fraction(&self) -> Option<f64> {
        let (n, d) = (self.numerator.as_ref()?.to_f64(), self.denominator.as_ref()?.to_f64());
        (d != 0.0).then(|| n / d)
    }
}

/// `<employee id=".." client=".." action="leave"/>`: the employment has ended. The samples show no children and
/// no `@lastChanged`; if present they are kept (children verbatim). A leave record may carry the ended
/// employment's last data as children, in the element form and order of an active `<employee>`
/// ([`crate::DumpWriter::write_ended_employment`] writes such a record); [`Leave::employment`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leave {
    /// `@id`.
    pub id: Pernr,
    /// `@client`.
    pub client: Kommunekode,
    /// `@lastChanged`, if present.
    pub last_changed: Option<Date>,
    /// Attributes other than `id`, `client`, `lastChanged`, `action`, in document order.
    pub extra_attributes: Vec<(String, String)>,
    /// All child elements, verbatim, in document order.
    pub children: Vec<ExtraElement>,
}

impl Leave {
    pub fn new(id: Pernr, client: Kommunekode) -> Self {
        Self {
            id,
            client,
            last_changed: None,
            extra_attributes: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Whether the record carries an ended employment's data: it has a `cpr` child.
    pub fn has_employment(&self) -> bool {
        self.children.iter().any(|c| c.name == "cpr")
    }

    /// The ended employment this record carries as children, parsed exactly as the reader parses an active
    /// `<employee>` (same fields, same checks), with the record's `id`, `client`, `lastChanged` and other
    /// attributes. `None` when the record has no `cpr` child (Opus's own leave records have no children);
    /// an error when a child is not acceptable or `lastChanged` is missing.
    pub fn employment(&self) -> Option<Result<Employee, crate::Problem>> {
        crate::reader::leave_employment(self)
    }

    /// The text of the first child named `name` (e.g. `leaveDate`), if any.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.children.iter().find(|c| c.name == name).map(|c| c.text.as_str())
    }
}

/// One `<employee>` element: an active employment or a leave record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "nearly every record is Active; boxing it would cost an allocation per record for nothing"
)]
pub enum EmployeeRecord {
    Active(Employee),
    Leave(Leave),
}

impl EmployeeRecord {
    pub fn id(&self) -> Pernr {
        match self {
            Self::Active(e) => e.id,
            Self::Leave(l) => l.id,
        }
    }
    pub fn client(&self) -> Kommunekode {
        match self {
            Self::Active(e) => e.client,
            Self::Leave(l) => l.client,
        }
    }
    pub fn last_changed(&self) -> Option<Date> {
        match self {
            Self::Active(e) => Some(e.last_changed),
            Self::Leave(l) => l.last_changed,
        }
    }
    pub fn is_leave(&self) -> bool {
        matches!(self, Self::Leave(_))
    }
}

impl From<Employee> for EmployeeRecord {
    fn from(e: Employee) -> Self {
        Self::Active(e)
    }
}

impl From<Leave> for EmployeeRecord {
    fn from(l: Leave) -> Self {
        Self::Leave(l)
    }
}

/// One record of the dump, in document order: org units come first, then employees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    OrgUnit(OrgUnit),
    Employee(EmployeeRecord),
}

impl From<OrgUnit> for Record {
    fn from(u: OrgUnit) -> Self {
        Self::OrgUnit(u)
    }
}

impl From<EmployeeRecord> for Record {
    fn from(e: EmployeeRecord) -> Self {
        Self::Employee(e)
    }
}

impl From<Employee> for Record {
    fn from(e: Employee) -> Self {
        Self::Employee(e.into())
    }
}

impl From<Leave> for Record {
    fn from(l: Leave) -> Self {
        Self::Employee(l.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_is_trimmed_and_validated() {
        assert_eq!(Quantity::parse("1 ").unwrap().as_str(), "1");
        assert_eq!(Quantity::parse(" 37.00 ").unwrap().to_f64(), 37.0);
        for bad in ["", " ", "1-", "-1", "1.", ".5", "1,5", "abc", "1.2.3"] {
            assert!(Quantity::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn org_unit_id_is_numeric() {
        assert_eq!(OrgUnitId::parse(" 0042 ").unwrap(), OrgUnitId::new(42));
        assert_eq!(OrgUnitId::new(42).to_string(), "42");
        assert!(OrgUnitId::parse("4a").is_err());
        assert!(OrgUnitId::parse("").is_err());
        assert!(OrgUnitId::parse("1234567890123456789").is_err());
    }

    #[test]
    fn part_time_fraction() {
        let mut e = Employee::new(
            Pernr::parse("1").unwrap(),
            Kommunekode::parse("813").unwrap(),
            jiff::civil::date(2020, 1, 1),
        );
        assert_eq!(e.part_time_fraction(), None);
        e.numerator = Some(Quantity::parse("18.5").unwrap());
        e.denominator = Some(Quantity::parse("37").unwrap());
        assert_eq!(e.part_time_fraction(), Some(0.5));
        e.denominator = Some(Quantity::parse("0").unwrap());
        assert_eq!(e.part_time_fraction(), None);
    }
}
