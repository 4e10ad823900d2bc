//! The rules one-time payments (Engangsydelser, IND01) and fixed supplements (Faste tillæg) share, and the
//! problems they report: the wage type must be in the municipality's catalogue for that use and be given in its
//! unit, the date inside the employment, a deviating booking on a known cost centre *or* PSP element, texts
//! bounded. Each problem has a code: KMD's where known (119, 138, 151, 167), snitflade's own (9xx) otherwise.

use crate::onetime::PaymentKey;
use crate::payroll::{DecimalError, PayrollCatalogue, Unit};
use jiff::civil::Date;
use rust_decimal::Decimal;

/// The employment a payment or supplement is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Employment {
    pub entry_date: Option<Date>,
    pub leave_date: Option<Date>,
    /// The employee is locked for payroll changes (e.g. while a pay run is being corrected).
    pub locked: bool,
}

/// Why a payment cannot be registered. The codes 119, 138, 151 and 167 are KMD's; the 9xx codes are
/// snitflade's own (documented in the README).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// 119: the deviating cost centre is not one of the municipality's.
    CostCentre(String),
    /// 138
    Locked,
    /// 151: the PSP element is not one of the municipality's.
    PspElement(String),
    /// 167: both a deviating cost centre and a PSP element.
    CostCentreAndPsp,
    /// 920
    UnknownWageType(String),
    /// 921: the wage type exists but may not be reported as a one-time payment.
    NotOneTime(String),
    /// 922: the value the wage type is counted in is missing (`field`: the amount for amounts, the quantity
    /// otherwise).
    ValueMissing {
        wage_type: String,
        unit: Unit,
        field: &'static str,
    },
    /// 923: a decimal field is not a valid value.
    BadValue { field: &'static str, error: DecimalError },
    /// 924: a date is missing or not a date.
    BadDate { field: &'static str },
    /// 925: the date lies outside the employment.
    OutsideEmployment(Date),
    /// 926: a number field is missing or out of range.
    BadNumber { field: &'static str },
    /// 927: the request holds two payments with the same key.
    Duplicate(PaymentKey),
    /// 928: a payment with this key is registered already.
    Exists(PaymentKey),
    /// 929: a text field is too long.
    TextTooLong { field: &'static str, max: usize },
    /// 930: a value the wage type's unit does not allow (`Beloeb` on a quantity, `Antal` on an amount,
    /// `Afv_Timeloen` on anything but hours).
    ValueNotAllowed {
        field: &'static str,
        wage_type: String,
        unit: Unit,
    },
    /// 931: a required field is missing.
    Missing(&'static str),
    /// 932: a text holds control characters.
    BadText { field: &'static str },
    /// 933: the wage type exists but may not be registered as a fixed supplement.
    NotFixed(String),
    /// 934: a fixed supplement of the same wage type covers part of the period already.
    Overlap { id: String, from: Date, to: Date },
    /// 935: the period ends before it starts.
    EndBeforeStart { from: Date, to: Date },
}

impl Problem {
    pub fn code(&self) -> u16 {
        match self {
            Self::CostCentre(_) => 119,
            Self::Locked => 138,
            Self::PspElement(_) => 151,
            Self::CostCentreAndPsp => 167,
            Self::UnknownWageType(_) => 920,
            Self::NotOneTime(_) => 921,
            Self::ValueMissing { .. } => 922,
            Self::BadValue { .. } => 923,
            Self::BadDate { .. } => 924,
            Self::OutsideEmployment(_) => 925,
            Self::BadNumber { .. } => 926,
            Self::Duplicate(_) => 927,
            Self::Exists(_) => 928,
            Self::TextTooLong { .. } => 929,
            Self::ValueNotAllowed { .. } => 930,
            Self::Missing(_) => 931,
            Self::BadText { .. } => 932,
            Self::NotFixed(_) => 933,
            Self::Overlap { .. } => 934,
            Self::EndBeforeStart { .. } => 935,
        }
    }

    /// The error-handling table's kind of error (§8.2 of KMD's machine-hours service description).
    pub fn error_type(&self) -> crate::ErrorType {
        use crate::ErrorType::*;
        match self {
            Self::CostCentre(_)
            | Self::PspElement(_)
            | Self::UnknownWageType(_)
            | Self::NotOneTime(_)
            | Self::NotFixed(_) => MasterData,
            Self::Locked | Self::OutsideEmployment(_) | Self::Exists(_) | Self::Duplicate(_) | Self::Overlap { .. } => {
                MasterData
            }
            Self::EndBeforeStart { .. } => InvalidData,
            Self::CostCentreAndPsp | Self::ValueMissing { .. } | Self::ValueNotAllowed { .. } => FieldDependency,
            Self::BadValue { .. }
            | Self::BadDate { .. }
            | Self::BadNumber { .. }
            | Self::TextTooLong { .. }
            | Self::Missing(_)
            | Self::BadText { .. } => InvalidData,
        }
    }

    /// The text, without the "Engangsydelse Nr. NNN: " the web service puts in front.
    pub fn text(&self) -> String {
        match self {
            Self::CostCentre(_) => "Angiv gyldigt omkostningssted".into(),
            Self::Locked => "Medarbejderen er låst".into(),
            Self::PspElement(p) => format!("PSP element {p} er ikke gyldigt"),
            Self::CostCentreAndPsp => {
                "Der kan ikke angives både afvigende omkostningssted og afvigende PSP element".into()
            }
            Self::UnknownWageType(w) => format!("Lønart {w} findes ikke i kommunens lønartskatalog"),
            Self::NotOneTime(w) => format!("Lønart {w} kan ikke indberettes som engangsydelse"),
            Self::ValueMissing { wage_type, unit, field } => {
                format!("Lønart {wage_type} opgøres i {}: angiv {field}", unit.text())
            }
            Self::BadValue { field, error } => format!("{field} er ikke gyldig: {error}"),
            Self::BadDate { field } => format!("{field} mangler eller er ikke en gyldig dato"),
            Self::OutsideEmployment(d) => format!("Medarbejderen er ikke ansat den {d}"),
            Self::BadNumber { field } => format!("{field} mangler eller er ikke et gyldigt tal"),
            Self::Duplicate(k) => format!(
                "Lønart {} den {} med sekvensnummer {} findes to gange i anmodningen",
                k.wage_type, k.start_date, k.seq
            ),
            Self::Exists(k) => format!(
                "Lønart {} den {} med sekvensnummer {} er allerede registreret; brug næste sekvensnummer",
                k.wage_type, k.start_date, k.seq
            ),
            Self::TextTooLong { field, max } => format!("{field} må højst være {max} tegn"),
            Self::ValueNotAllowed { field, wage_type, unit } => {
                format!(
                    "{field} kan ikke angives for lønart {wage_type}, der opgøres i {}",
                    unit.text()
                )
            }
            Self::Missing(field) => format!("{field} skal angives"),
            Self::BadText { field } => format!("{field} indeholder ugyldige tegn"),
            Self::NotFixed(w) => format!("Lønart {w} kan ikke registreres som fast tillæg"),
            Self::Overlap { id, from, to } => {
                format!("Perioden overlapper fast tillæg {id} med samme lønart ({from}–{to}); afslut det først")
            }
            Self::EndBeforeStart { from, to } => format!("Slutdato {to} ligger før startdato {from}"),
        }
    }
}

impl Employment {
    /// Whether `day` lies inside the employment.
    pub fn employed_on(&self, day: Date) -> bool {
        !(self.entry_date.is_some_and(|e| day < e) || self.leave_date.is_some_and(|l| day > l))
    }
}

/// What a wage type is reported as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    OneTime,
    Fixed,
}

/// The value fields of an entry and the names the interface gives them (amount, quantity, hourly rate).
#[derive(Debug, Clone, Copy)]
pub struct Values {
    pub amount: Option<Decimal>,
    pub quantity: Option<Decimal>,
    pub hourly_rate: Option<Decimal>,
    pub names: [&'static str; 3],
}

/// The wage type is in the catalogue for this use, and the entry gives the value of its unit and no other.
pub fn wage_type(catalogue: &PayrollCatalogue, code: &str, usage: Usage, v: &Values) -> Vec<Problem> {
    let Some(w) = catalogue.wage_type(code) else {
        return vec![Problem::UnknownWageType(code.to_owned())];
    };
    match usage {
        Usage::OneTime if !w.one_time => return vec![Problem::NotOneTime(code.to_owned())],
        Usage::Fixed if !w.fixed => return vec![Problem::NotFixed(code.to_owned())],
        _ => {}
    }
    let [amount_name, quantity_name, rate_name] = v.names;
    let (given, given_name, other, other_name) = if w.unit.is_amount() {
        (v.amount, amount_name, v.quantity, quantity_name)
    } else {
        (v.quantity, quantity_name, v.amount, amount_name)
    };
    let mut problems = Vec::new();
    if given.is_none() {
        problems.push(Problem::ValueMissing {
            wage_type: w.code.clone(),
            unit: w.unit,
            field: given_name,
        });
    }
    let not_allowed = |field| Problem::ValueNotAllowed {
        field,
        wage_type: w.code.clone(),
        unit: w.unit,
    };
    if other.is_some() {
        problems.push(not_allowed(other_name));
    }
    if v.hourly_rate.is_some() && w.unit != Unit::Hours {
        problems.push(not_allowed(rate_name));
    }
    problems
}

/// A deviating booking: a known cost centre or a known PSP element, not both (KMD's 119, 151, 167).
pub fn booking(catalogue: &PayrollCatalogue, cost_centre: Option<&str>, psp: Option<&str>) -> Option<Problem> {
    match (cost_centre, psp) {
        (Some(_), Some(_)) => Some(Problem::CostCentreAndPsp),
        (Some(cc), None) if !catalogue.has_cost_centre(cc) => Some(Problem::CostCentre(cc.to_owned())),
        (None, Some(p)) if !catalogue.has_psp_element(p) => Some(Problem::PspElement(p.to_owned())),
        _ => None,
    }
}

/// A free text: no control characters, at most `max` characters.
pub fn text(field: &'static str, value: &str, max: usize) -> Vec<Problem> {
    let mut problems = Vec::new();
    if value.chars().any(char::is_control) {
        problems.push(Problem::BadText { field });
    }
    if value.chars().count() > max {
        problems.push(Problem::TextTooLong { field, max });
    }
    problems
}
