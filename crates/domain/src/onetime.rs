//! One-time payments (engangsydelser): what an external system reports for one employee — a wage type, a date,
//! an amount or a quantity, optionally booked on a deviating cost centre or PSP element — and the rules every
//! payment must meet, whichever way it arrives (the Engangsydelser web service or an IND01 file).
//!
//! A payment is identified, as in the payroll system, by employee, wage type, start date and sequence number
//! (`Sekvensnummer`, 0-based): a second canteen deduction on the same day needs the next sequence number.

use crate::payroll::{DecimalError, PayrollCatalogue, Unit};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest individual remark (`Indv_Bemaerkning`): two lines of 40, as the read answer splits it.
pub const REMARK_MAX: usize = 80;
/// Longest sender system name (`Afsendelses_System`).
pub const SENDER_MAX: usize = 30;
/// Highest sequence number.
pub const SEQ_MAX: u32 = 999;

/// One payment, as registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OneTimePayment {
    pub wage_type: String,
    pub start_date: Date,
    /// `Loebenummer`: the sender's own running number, kept and answered back.
    pub running_no: i64,
    /// `Sekvensnummer`, 0-based.
    pub seq: u32,
    pub amount: Option<Decimal>,
    pub quantity: Option<Decimal>,
    /// `Afv_Timeloen`: a deviating hourly rate (hour-based wage types only).
    pub hourly_rate: Option<Decimal>,
    pub cost_centre: Option<String>,
    pub psp_element: Option<String>,
    /// `Afsendelses_System`.
    pub sender: String,
    /// `Indv_Bemaerkning`.
    pub remark: String,
}

impl OneTimePayment {
    /// The key that identifies the payment within its employee.
    pub fn key(&self) -> PaymentKey {
        PaymentKey {
            wage_type: self.wage_type.clone(),
            start_date: self.start_date,
            seq: self.seq,
        }
    }
}

/// Employee-local identity of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaymentKey {
    pub wage_type: String,
    pub start_date: Date,
    pub seq: u32,
}

/// The employment a payment is checked against.
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
    /// 922: the value the wage type is counted in is missing (`Beloeb` for amounts, `Antal` otherwise).
    ValueMissing { wage_type: String, unit: Unit },
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
        }
    }

    /// The error-handling table's kind of error (seed 004 §8.2).
    pub fn error_type(&self) -> crate::ErrorType {
        use crate::ErrorType::*;
        match self {
            Self::CostCentre(_) | Self::PspElement(_) | Self::UnknownWageType(_) | Self::NotOneTime(_) => MasterData,
            Self::Locked | Self::OutsideEmployment(_) | Self::Exists(_) | Self::Duplicate(_) => MasterData,
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
            Self::ValueMissing { wage_type, unit } => {
                let field = if unit.is_amount() { "Beloeb" } else { "Antal" };
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
        }
    }
}

/// The rules of a single payment against the catalogue and the employment. Keys (duplicates, existing
/// registrations) are the caller's to check, since they need the other payments.
pub fn check(catalogue: &PayrollCatalogue, employment: &Employment, p: &OneTimePayment) -> Vec<Problem> {
    let mut problems = Vec::new();
    if employment.locked {
        problems.push(Problem::Locked);
    }
    match catalogue.wage_type(&p.wage_type) {
        None => problems.push(Problem::UnknownWageType(p.wage_type.clone())),
        Some(w) if !w.one_time => problems.push(Problem::NotOneTime(p.wage_type.clone())),
        Some(w) => {
            let (given, other, other_field) = if w.unit.is_amount() {
                (p.amount, p.quantity, "Antal")
            } else {
                (p.quantity, p.amount, "Beloeb")
            };
            if given.is_none() {
                problems.push(Problem::ValueMissing {
                    wage_type: w.code.clone(),
                    unit: w.unit,
                });
            }
            let not_allowed = |field| Problem::ValueNotAllowed {
                field,
                wage_type: w.code.clone(),
                unit: w.unit,
            };
            if other.is_some() {
                problems.push(not_allowed(other_field));
            }
            if p.hourly_rate.is_some() && w.unit != Unit::Hours {
                problems.push(not_allowed("Afv_Timeloen"));
            }
        }
    }
    let outside = employment.entry_date.is_some_and(|e| p.start_date < e)
        || employment.leave_date.is_some_and(|l| p.start_date > l);
    if outside {
        problems.push(Problem::OutsideEmployment(p.start_date));
    }
    match (&p.cost_centre, &p.psp_element) {
        (Some(_), Some(_)) => problems.push(Problem::CostCentreAndPsp),
        (Some(cc), None) if !catalogue.has_cost_centre(cc) => problems.push(Problem::CostCentre(cc.clone())),
        (None, Some(psp)) if !catalogue.has_psp_element(psp) => problems.push(Problem::PspElement(psp.clone())),
        _ => {}
    }
    if p.seq > SEQ_MAX {
        problems.push(Problem::BadNumber { field: "Sekvensnummer" });
    }
    for (field, text) in [("Indv_Bemaerkning", &p.remark), ("Afsendelses_System", &p.sender)] {
        if text.chars().any(char::is_control) {
            problems.push(Problem::BadText { field });
        }
    }
    if p.remark.chars().count() > REMARK_MAX {
        problems.push(Problem::TextTooLong {
            field: "Indv_Bemaerkning",
            max: REMARK_MAX,
        });
    }
    if p.sender.chars().count() > SENDER_MAX {
        problems.push(Problem::TextTooLong {
            field: "Afsendelses_System",
            max: SENDER_MAX,
        });
    }
    problems
}

/// The remark as the read answer gives it: two lines of at most 40 characters.
pub fn remark_lines(remark: &str) -> (String, String) {
    let first: String = remark.chars().take(REMARK_MAX / 2).collect();
    let second: String = remark.chars().skip(REMARK_MAX / 2).collect();
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payroll::{default_catalogue, parse_value};
    use jiff::civil::date;

    fn payment(wage_type: &str) -> OneTimePayment {
        OneTimePayment {
            wage_type: wage_type.into(),
            start_date: date(2026, 5, 1),
            running_no: 1,
            seq: 0,
            amount: None,
            quantity: None,
            hourly_rate: None,
            cost_centre: None,
            psp_element: None,
            sender: "KANTINE".into(),
            remark: String::new(),
        }
    }

    const EMPLOYED: Employment = Employment {
        entry_date: Some(date(2020, 1, 1)),
        leave_date: None,
        locked: false,
    };

    fn codes(p: &OneTimePayment, e: &Employment) -> Vec<u16> {
        check(&default_catalogue(), e, p).iter().map(Problem::code).collect()
    }

    #[test]
    fn a_canteen_deduction_needs_an_amount_and_nothing_else() {
        let mut p = payment("6001");
        assert_eq!(codes(&p, &EMPLOYED), [922]);
        p.amount = Some(parse_value("45.50").unwrap());
        assert_eq!(codes(&p, &EMPLOYED), Vec::<u16>::new());
        p.quantity = Some(parse_value("2").unwrap());
        assert_eq!(codes(&p, &EMPLOYED), [930]);
    }

    #[test]
    fn hours_take_a_quantity_and_may_take_a_rate() {
        let mut p = payment("1100");
        p.quantity = Some(parse_value("7.5").unwrap());
        p.hourly_rate = Some(parse_value("210.35").unwrap());
        assert!(codes(&p, &EMPLOYED).is_empty());
        let mut km = payment("6666");
        km.quantity = Some(parse_value("123.5").unwrap());
        km.hourly_rate = Some(parse_value("1").unwrap());
        assert_eq!(codes(&km, &EMPLOYED), [930]);
        let mut amount = payment("1100");
        amount.amount = Some(parse_value("100").unwrap());
        assert_eq!(codes(&amount, &EMPLOYED), [922, 930]);
    }

    #[test]
    fn the_kmd_codes() {
        let mut p = payment("6001");
        p.amount = Some(parse_value("10").unwrap());
        p.cost_centre = Some("9999999999".into());
        assert_eq!(codes(&p, &EMPLOYED), [119]);
        p.cost_centre = None;
        p.psp_element = Some("XG-0000000009-00001".into());
        let problems = check(&default_catalogue(), &EMPLOYED, &p);
        assert_eq!(problems[0].code(), 151);
        assert_eq!(problems[0].text(), "PSP element XG-0000000009-00001 er ikke gyldigt");
        p.cost_centre = Some("1000000001".into());
        assert_eq!(codes(&p, &EMPLOYED), [167]);
        p.cost_centre = None;
        p.psp_element = Some("XG-0000000001-00001".into());
        assert!(codes(&p, &EMPLOYED).is_empty());
        let locked = Employment {
            locked: true,
            ..EMPLOYED
        };
        assert_eq!(codes(&p, &locked), [138]);
    }

    #[test]
    fn catalogue_and_employment_rules() {
        let mut p = payment("4711");
        assert_eq!(codes(&p, &EMPLOYED), [920]);
        p.wage_type = "2010".into();
        assert_eq!(codes(&p, &EMPLOYED), [921]);
        let mut p = payment("6001");
        p.amount = Some(parse_value("1").unwrap());
        p.start_date = date(2019, 12, 31);
        assert_eq!(codes(&p, &EMPLOYED), [925]);
        let left = Employment {
            leave_date: Some(date(2026, 4, 30)),
            ..EMPLOYED
        };
        p.start_date = date(2026, 4, 30);
        assert!(codes(&p, &left).is_empty());
        p.start_date = date(2026, 5, 1);
        assert_eq!(codes(&p, &left), [925]);
    }

    #[test]
    fn texts_and_numbers_are_bounded() {
        let mut p = payment("6001");
        p.amount = Some(parse_value("1").unwrap());
        p.remark = "x".repeat(REMARK_MAX + 1);
        p.sender = "y".repeat(SENDER_MAX + 1);
        p.seq = SEQ_MAX + 1;
        assert_eq!(codes(&p, &EMPLOYED), [926, 929, 929]);
        p.remark = "a\u{0}b".into();
        p.sender = "S".into();
        p.seq = 0;
        assert_eq!(codes(&p, &EMPLOYED), [932]);
        p.remark = "æ".repeat(REMARK_MAX);
        let (a, b) = remark_lines(&p.remark);
        assert_eq!((a.chars().count(), b.chars().count()), (40, 40));
        assert_eq!(remark_lines("kort"), ("kort".into(), String::new()));
    }
}
