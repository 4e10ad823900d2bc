//! A municipality's payroll catalogue — the wage types (lønarter) external systems may report, with the unit each
//! is counted in, and the cost centres (omkostningssteder) and PSP elements a payment may be booked on — and the
//! decimal values (amounts, quantities, rates) the payment interfaces carry.
//!
//! One-time payments (Engangsydelser, IND01) and fixed supplements (Faste tillæg) are checked against the same
//! catalogue; a municipality without one of its own uses [`default_catalogue`].

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What a wage type counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// An amount in kroner (`Beloeb`).
    Amount,
    /// Hours (`Antal`), paid at the employee's or a deviating hourly rate.
    Hours,
    /// Kilometres (`Antal`), paid at the state's mileage rate.
    Kilometres,
    /// A number of pieces (`Antal`).
    Pieces,
}

impl Unit {
    /// Whether a payment of this unit is given as an amount (`Beloeb`) rather than a quantity (`Antal`).
    pub fn is_amount(self) -> bool {
        self == Self::Amount
    }

    pub fn text(self) -> &'static str {
        match self {
            Self::Amount => "beløb",
            Self::Hours => "timer",
            Self::Kilometres => "km",
            Self::Pieces => "stk.",
        }
    }
}

/// One wage type of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WageType {
    /// Four digits, e.g. `6001`.
    pub code: String,
    pub text: String,
    pub unit: Unit,
    /// May be reported as a one-time payment (Engangsydelser, IND01).
    #[serde(default)]
    pub one_time: bool,
    /// May be registered as a fixed supplement (Faste tillæg).
    #[serde(default)]
    pub fixed: bool,
}

/// A municipality's payroll catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayrollCatalogue {
    pub wage_types: Vec<WageType>,
    /// Cost centres, 10 digits each.
    pub cost_centres: Vec<String>,
    /// PSP elements (WBS elements), e.g. `XG-0000000001-00001`.
    pub psp_elements: Vec<String>,
}

impl PayrollCatalogue {
    pub fn wage_type(&self, code: &str) -> Option<&WageType> {
        self.wage_types.iter().find(|w| w.code == code)
    }

    pub fn has_cost_centre(&self, code: &str) -> bool {
        self.cost_centres.iter().any(|c| c == code)
    }

    pub fn has_psp_element(&self, code: &str) -> bool {
        self.psp_elements.iter().any(|c| c == code)
    }
}

fn wage_type(code: &str, text: &str, unit: Unit, one_time: bool, fixed: bool) -> WageType {
    WageType {
        code: code.into(),
        text: text.into(),
        unit,
        one_time,
        fixed,
    }
}

/// The built-in catalogue (with the demo examples' `6001`, `1100` and `6666`, cost centre `1000000001` and PSP element
/// `XG-0000000001-00001`; listed in docs/src/interfaces/engangsydelser.md), plus the usual fixed supplements.
pub fn default_catalogue() -> PayrollCatalogue {
    PayrollCatalogue {
        wage_types: vec![
            wage_type("1100", "Timeløn, vikar", Unit::Hours, true, false),
            wage_type("1200", "Overarbejde 50 %", Unit::Hours, true, false),
            wage_type("2010", "Funktionstillæg", Unit::Amount, false, true),
            wage_type("2020", "Kvalifikationstillæg", Unit::Amount, false, true),
            wage_type("2030", "Rådighedstillæg", Unit::Hours, false, true),
            wage_type("2040", "Tillæg for særlige opgaver", Unit::Amount, true, true),
            wage_type("6001", "Kantinetræk", Unit::Amount, true, false),
            wage_type("6002", "Frugtordning", Unit::Amount, true, false),
            wage_type("6666", "Kørselsgodtgørelse", Unit::Kilometres, true, false),
            wage_type("6700", "Telefonudgifter", Unit::Pieces, true, true),
        ],
        cost_centres: vec!["1000000001".into(), "1000000002".into(), "2000000001".into()],
        psp_elements: vec!["XG-0000000001-00001".into(), "XG-0000000002-00001".into()],
    }
}

/// Why a catalogue cannot be used (Danish, for the admin API).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogueError(pub String);

/// Whether `s` is a cost centre: 10 digits.
pub fn is_cost_centre(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` is a PSP element: two capital letters, 10 digits and 5 digits, separated by `-`
/// (`XG-0000000001-00001`).
pub fn is_psp_element(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 19
        && b[..2].iter().all(u8::is_ascii_uppercase)
        && b[2] == b'-'
        && b[3..13].iter().all(u8::is_ascii_digit)
        && b[13] == b'-'
        && b[14..].iter().all(u8::is_ascii_digit)
}

/// Checks a catalogue as a whole before it replaces a municipality's.
pub fn validate_catalogue(c: &PayrollCatalogue) -> Result<(), CatalogueError> {
    let err = |m: String| Err(CatalogueError(m));
    if c.wage_types.is_empty() {
        return err("Kataloget skal have mindst én lønart".into());
    }
    for (i, w) in c.wage_types.iter().enumerate() {
        if w.code.len() != 4 || !w.code.bytes().all(|b| b.is_ascii_digit()) {
            return err(format!("Lønart {:?}: koden skal være 4 cifre", w.code));
        }
        if c.wage_types[..i].iter().any(|o| o.code == w.code) {
            return err(format!("Lønart {} findes to gange", w.code));
        }
        let len = w.text.chars().count();
        if len == 0 || len > 40 {
            return err(format!("Lønart {}: teksten skal være 1-40 tegn", w.code));
        }
        if !w.one_time && !w.fixed {
            return err(format!(
                "Lønart {}: skal kunne bruges som engangsydelse, fast tillæg eller begge",
                w.code
            ));
        }
    }
    for (i, cc) in c.cost_centres.iter().enumerate() {
        if !is_cost_centre(cc) {
            return err(format!("Omkostningssted {cc:?}: skal være 10 cifre"));
        }
        if c.cost_centres[..i].contains(cc) {
            return err(format!("Omkostningssted {cc} findes to gange"));
        }
    }
    for (i, psp) in c.psp_elements.iter().enumerate() {
        if !is_psp_element(psp) {
            return err(format!("PSP-element {psp:?}: skal have formen XG-0000000001-00001"));
        }
        if c.psp_elements[..i].contains(psp) {
            return err(format!("PSP-element {psp} findes to gange"));
        }
    }
    Ok(())
}

/// The largest amount, quantity or rate accepted (kroner, hours, km): 9,999,999.99.
pub const MAX_VALUE: Decimal = Decimal::from_parts(999_999_999, 0, 0, false, 2);

/// Why a decimal value was refused (Danish, completes "… er ikke gyldig: ").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("skal være et decimaltal med punktum, fx 12.50")]
    Syntax,
    #[error("højst 2 decimaler")]
    Scale,
    #[error("højst 9999999.99 i absolut værdi")]
    TooLarge,
    #[error("må ikke være 0")]
    Zero,
}

/// Parses a value as the payment interfaces send it: an optional sign, digits, and at most two decimals after a
/// point (`"0.25"`, `"-12.5"`, `"100"`). Zero is refused: a payment of nothing is a client error.
pub fn parse_value(s: &str) -> Result<Decimal, DecimalError> {
    let s = s.trim();
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !all_digits(frac) || (digits.contains('.') && frac.is_empty()) {
        return Err(DecimalError::Syntax);
    }
    if frac.len() > 2 {
        return Err(DecimalError::Scale);
    }
    if int.trim_start_matches('0').len() > 7 {
        return Err(DecimalError::TooLarge);
    }
    let d: Decimal = s.trim_start_matches('+').parse().map_err(|_| DecimalError::Syntax)?;
    if d.is_zero() {
        return Err(DecimalError::Zero);
    }
    if d.abs() > MAX_VALUE {
        return Err(DecimalError::TooLarge);
    }
    Ok(d)
}

/// A value as the interfaces write it back: two decimals, point separator (`"12.50"`).
pub fn value_text(d: Decimal) -> String {
    let mut d = d.round_dp(2);
    d.rescale(2);
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_catalogue_has_the_contract_codes_and_is_valid() {
        let c = default_catalogue();
        validate_catalogue(&c).unwrap();
        assert_eq!(c.wage_type("6001").unwrap().unit, Unit::Amount);
        assert_eq!(c.wage_type("1100").unwrap().unit, Unit::Hours);
        assert_eq!(c.wage_type("6666").unwrap().unit, Unit::Kilometres);
        assert!(
            ["6001", "1100", "6666"]
                .iter()
                .all(|w| c.wage_type(w).unwrap().one_time)
        );
        assert!(c.has_cost_centre("1000000001") && !c.has_cost_centre("9999999999"));
        assert!(c.has_psp_element("XG-0000000001-00001"));
        assert!(c.wage_types.iter().any(|w| w.fixed));
    }

    #[test]
    fn catalogue_errors_name_the_entry() {
        let mut c = default_catalogue();
        c.wage_types.push(c.wage_types[0].clone());
        assert!(validate_catalogue(&c).unwrap_err().0.contains("1100 findes to gange"));
        let mut c = default_catalogue();
        c.wage_types[0].code = "11".into();
        assert!(validate_catalogue(&c).unwrap_err().0.contains("4 cifre"));
        let mut c = default_catalogue();
        c.wage_types[0].one_time = false;
        assert!(validate_catalogue(&c).unwrap_err().0.contains("engangsydelse"));
        let mut c = default_catalogue();
        c.cost_centres.push("12345".into());
        assert!(validate_catalogue(&c).unwrap_err().0.contains("10 cifre"));
        let mut c = default_catalogue();
        c.psp_elements.push("XG-1-1".into());
        assert!(validate_catalogue(&c).unwrap_err().0.contains("PSP-element"));
        let mut c = default_catalogue();
        c.wage_types.clear();
        assert!(validate_catalogue(&c).is_err());
    }

    #[test]
    fn psp_and_cost_centre_shapes() {
        assert!(is_psp_element("XG-0000000001-00001"));
        assert!(!is_psp_element("xg-0000000001-00001"));
        assert!(!is_psp_element("XG-000000001-000001"));
        assert!(is_cost_centre("1000000001"));
        assert!(!is_cost_centre("100000000A"));
    }

    #[test]
    fn values_parse_strictly() {
        assert_eq!(parse_value("0.25").unwrap().to_string(), "0.25");
        assert_eq!(value_text(parse_value("12.5").unwrap()), "12.50");
        assert_eq!(value_text(parse_value("-75").unwrap()), "-75.00");
        assert_eq!(value_text(parse_value("+1").unwrap()), "1.00");
        assert_eq!(value_text(parse_value("9999999.99").unwrap()), "9999999.99");
        assert_eq!(parse_value("0.00"), Err(DecimalError::Zero));
        assert_eq!(parse_value("1.255"), Err(DecimalError::Scale));
        assert_eq!(parse_value("10000000"), Err(DecimalError::TooLarge));
        for bad in ["", "1,5", "1.", ".5", "1e3", "abc", "--1", " - 1", "1.2.3"] {
            assert_eq!(parse_value(bad), Err(DecimalError::Syntax), "{bad:?}");
        }
    }
}
