//! Fixed supplements (faste tillæg): a wage type paid every month (or year) over a period — an amount, or a
//! quantity such as on-call hours — optionally booked on a deviating cost centre or PSP element, and the rules
//! a supplement must meet. Two supplements of the same wage type may not overlap for one employee.

use crate::payroll::PayrollCatalogue;
use crate::payroll_rules::{self as rules, Employment, Problem, Usage, Values};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Longest supplement text.
pub const TEXT_MAX: usize = 40;

/// How often the supplement's value is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every month (the default).
    Monthly,
    /// Once a year (an annual amount, paid out by payroll's rules).
    Yearly,
}

impl Frequency {
    /// The code in the messages: `M` or `Y`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Monthly => "M",
            Self::Yearly => "Y",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "M" | "m" => Some(Self::Monthly),
            "Y" | "y" => Some(Self::Yearly),
            _ => None,
        }
    }
}

/// One fixed supplement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixedSupplement {
    pub wage_type: String,
    pub amount: Option<Decimal>,
    pub quantity: Option<Decimal>,
    pub frequency: Frequency,
    pub valid_from: Date,
    /// `9999-12-31` when open-ended.
    pub valid_to: Date,
    pub cost_centre: Option<String>,
    pub psp_element: Option<String>,
    pub text: String,
}

impl FixedSupplement {
    pub fn overlaps(&self, other: &FixedSupplement) -> bool {
        self.wage_type == other.wage_type && self.valid_from <= other.valid_to && other.valid_from <= self.valid_to
    }
}

/// The SOAP field names of the values.
const NAMES: [&str; 3] = ["Amount", "Quantity", "HourlyRate"];

/// The rules of one supplement against the catalogue and the employment; `others` are the employee's other
/// current supplements, `(id, supplement)`, for the overlap rule.
pub fn check(
    catalogue: &PayrollCatalogue,
    employment: &Employment,
    s: &FixedSupplement,
    others: &[(String, FixedSupplement)],
) -> Vec<Problem> {
    let mut problems = Vec::new();
    if employment.locked {
        problems.push(Problem::Locked);
    }
    let values = Values {
        amount: s.amount,
        quantity: s.quantity,
        hourly_rate: None,
        names: NAMES,
    };
    problems.extend(rules::wage_type(catalogue, &s.wage_type, Usage::Fixed, &values));
    if s.valid_to < s.valid_from {
        problems.push(Problem::EndBeforeStart {
            from: s.valid_from,
            to: s.valid_to,
        });
    }
    if !employment.employed_on(s.valid_from) {
        problems.push(Problem::OutsideEmployment(s.valid_from));
    }
    problems.extend(rules::booking(
        catalogue,
        s.cost_centre.as_deref(),
        s.psp_element.as_deref(),
    ));
    problems.extend(rules::text("Text", &s.text, TEXT_MAX));
    if let Some((id, o)) = others.iter().find(|(_, o)| o.overlaps(s)) {
        problems.push(Problem::Overlap {
            id: id.clone(),
            from: o.valid_from,
            to: o.valid_to,
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hr::OPEN_END;
    use crate::payroll::{default_catalogue, parse_value};
    use jiff::civil::date;

    fn supplement(wage_type: &str) -> FixedSupplement {
        FixedSupplement {
            wage_type: wage_type.into(),
            amount: Some(parse_value("1250").unwrap()),
            quantity: None,
            frequency: Frequency::Monthly,
            valid_from: date(2026, 1, 1),
            valid_to: OPEN_END,
            cost_centre: None,
            psp_element: None,
            text: "Funktionstillæg".into(),
        }
    }

    const EMPLOYED: Employment = Employment {
        entry_date: Some(date(2020, 1, 1)),
        leave_date: None,
        locked: false,
    };

    fn codes(s: &FixedSupplement, others: &[(String, FixedSupplement)]) -> Vec<u16> {
        check(&default_catalogue(), &EMPLOYED, s, others)
            .iter()
            .map(Problem::code)
            .collect()
    }

    #[test]
    fn a_function_supplement_passes() {
        assert!(codes(&supplement("2010"), &[]).is_empty());
        let mut hours = supplement("2030");
        (hours.amount, hours.quantity) = (None, Some(parse_value("4").unwrap()));
        assert!(codes(&hours, &[]).is_empty());
        let mut wrong = supplement("2030");
        wrong.quantity = None;
        let problems = check(&default_catalogue(), &EMPLOYED, &wrong, &[]);
        assert_eq!(problems.iter().map(Problem::code).collect::<Vec<_>>(), [922, 930]);
        assert_eq!(problems[0].text(), "Lønart 2030 opgøres i timer: angiv Quantity");
    }

    #[test]
    fn the_catalogue_and_the_period() {
        assert_eq!(codes(&supplement("6001"), &[]), [933]);
        assert_eq!(codes(&supplement("4711"), &[]), [920]);
        let mut s = supplement("2010");
        s.valid_to = date(2025, 12, 31);
        assert_eq!(codes(&s, &[]), [935]);
        s.valid_from = date(2019, 1, 1);
        s.valid_to = OPEN_END;
        assert_eq!(codes(&s, &[]), [925]);
        let mut s = supplement("2010");
        s.cost_centre = Some("1000000001".into());
        s.psp_element = Some("XG-0000000001-00001".into());
        assert_eq!(codes(&s, &[]), [167]);
    }

    #[test]
    fn the_same_wage_type_may_not_overlap() {
        let mut earlier = supplement("2010");
        earlier.valid_to = date(2026, 3, 31);
        let others = [("A".to_owned(), earlier.clone())];
        let mut s = supplement("2010");
        assert_eq!(codes(&s, &others), [934]);
        s.valid_from = date(2026, 4, 1);
        assert!(codes(&s, &others).is_empty());
        let other_type = [("B".to_owned(), supplement("2020"))];
        assert!(codes(&supplement("2010"), &other_type).is_empty());
    }
}
