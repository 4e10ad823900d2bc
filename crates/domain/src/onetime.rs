//! One-time payments (engangsydelser): what an external system reports for one employee — a wage type, a date,
//! an amount or a quantity, optionally booked on a deviating cost centre or PSP element — and the rules every
//! payment must meet, whichever way it arrives (the Engangsydelser web service or an IND01 file).
//!
//! A payment is identified, as in the payroll system, by employee, wage type, start date and sequence number
//! (`Sekvensnummer`, 0-based): a second canteen deduction on the same day needs the next sequence number.

use crate::payroll::PayrollCatalogue;
use crate::payroll_rules::{self as rules, Usage, Values};
pub use crate::payroll_rules::{Employment, Problem};
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

/// The rules of a single payment against the catalogue and the employment. Keys (duplicates, existing
/// registrations) are the caller's to check, since they need the other payments.
pub fn check(catalogue: &PayrollCatalogue, employment: &Employment, p: &OneTimePayment) -> Vec<Problem> {
    let mut problems = Vec::new();
    if employment.locked {
        problems.push(Problem::Locked);
    }
    let values = Values {
        amount: p.amount,
        quantity: p.quantity,
        hourly_rate: p.hourly_rate,
        names: ONE_TIME_NAMES,
    };
    problems.extend(rules::wage_type(catalogue, &p.wage_type, Usage::OneTime, &values));
    if !employment.employed_on(p.start_date) {
        problems.push(Problem::OutsideEmployment(p.start_date));
    }
    problems.extend(rules::booking(
        catalogue,
        p.cost_centre.as_deref(),
        p.psp_element.as_deref(),
    ));
    if p.seq > SEQ_MAX {
        problems.push(Problem::BadNumber { field: "Sekvensnummer" });
    }
    problems.extend(rules::text("Indv_Bemaerkning", &p.remark, REMARK_MAX));
    problems.extend(rules::text("Afsendelses_System", &p.sender, SENDER_MAX));
    problems
}

/// The web service's names of the value fields.
const ONE_TIME_NAMES: [&str; 3] = ["Beloeb", "Antal", "Afv_Timeloen"];

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
