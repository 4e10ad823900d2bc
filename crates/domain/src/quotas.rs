//! Absence quotas (fraværskvoter) by the Danish rules the municipal agreements use: holiday (ferie) accrued
//! monthly under the 2020 holiday act, the 6th holiday week, care days (omsorgsdage) per child and senior days
//! (seniordage) by age. Pure arithmetic over civil dates; day counts are decimals, never floats.
//!
//! Groundwork for the absence issue: the services will feed it employments, children and registered absences.

use jiff::civil::{Date, date};
use rust_decimal::Decimal;

/// Holiday accrued per month of employment, full time.
pub const HOLIDAY_PER_MONTH: Decimal = Decimal::from_parts(208, 0, 0, false, 2);
/// Holiday days per holiday year, full time.
pub const HOLIDAY_PER_YEAR: Decimal = Decimal::from_parts(25, 0, 0, false, 0);
/// Days of the 6th holiday week per calendar year, full time.
pub const SIXTH_WEEK_DAYS: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// A holiday year, named by the calendar year it starts in: accrual ("optjening") runs 1 September of `start`
/// to 31 August of `start + 1`; the days can be taken from 1 September of `start` until 31 December of
/// `start + 1` (concurrent holiday, 16 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HolidayYear {
    pub start: i16,
}

impl HolidayYear {
    /// The holiday year whose accrual period contains `day`.
    pub fn of(day: Date) -> Self {
        Self {
            start: if day.month() >= 9 { day.year() } else { day.year() - 1 },
        }
    }
    pub fn accrual_start(self) -> Date {
        date(self.start, 9, 1)
    }
    pub fn accrual_end(self) -> Date {
        date(self.start + 1, 8, 31)
    }
    /// The last day the year's holiday can be taken.
    pub fn taking_end(self) -> Date {
        date(self.start + 1, 12, 31)
    }
}

/// An employment as the quota rules see it: first day, last day (if it has ended or will end), and the
/// part-time fraction (hours / full-time hours, 1 for full time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmploymentPeriod {
    pub entry: Date,
    pub leave: Option<Date>,
    pub fraction: Decimal,
}

impl EmploymentPeriod {
    fn covers(&self, day: Date) -> bool {
        self.entry <= day && self.leave.is_none_or(|l| day <= l)
    }
}

fn last_day_of_month(year: i16, month: i8) -> Date {
    date(year, month, 1).last_of_month()
}

/// The calendar months from `from`'s month to `to`'s month (inclusive) that count for accrual: the month has
/// ended on or before `as_of` and the employment covers its last day.
fn counted_months(period: &EmploymentPeriod, from: Date, to: Date, as_of: Date) -> u32 {
    let mut n = 0;
    let (mut y, mut m) = (from.year(), from.month());
    while (y, m) <= (to.year(), to.month()) {
        let end = last_day_of_month(y, m);
        if end <= as_of && period.covers(end) {
            n += 1;
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    n
}

/// Holiday days accrued in `year` as of `as_of`: 2.08 days for every month of the accrual period that has ended
/// by then and whose last day the employment covers, times the part-time fraction; at most 25 days times the
/// fraction. Rounded to two decimals.
pub fn holiday_accrued(period: &EmploymentPeriod, year: HolidayYear, as_of: Date) -> Decimal {
    let months = counted_months(period, year.accrual_start(), year.accrual_end(), as_of);
    let days = (HOLIDAY_PER_MONTH * Decimal::from(months)).min(HOLIDAY_PER_YEAR);
    (days * period.fraction.max(Decimal::ZERO)).round_dp(2)
}

/// Days of the 6th holiday week for calendar `year`: 5 days for a whole year, pro rata (5/12 per month whose
/// last day the employment covers) for a year it starts or ends in, times the part-time fraction. Rounded to two
/// decimals.
pub fn sixth_week(period: &EmploymentPeriod, year: i16) -> Decimal {
    let months = counted_months(period, date(year, 1, 1), date(year, 12, 31), date(year, 12, 31));
    (SIXTH_WEEK_DAYS * Decimal::from(months) / Decimal::from(12) * period.fraction.max(Decimal::ZERO)).round_dp(2)
}

/// Care days (omsorgsdage) for one child in calendar `year`: 2 from the year of birth up to and including the
/// year the child turns 7, else 0.
pub fn care_days(child_birth: Date, year: i16) -> u8 {
    if (child_birth.year()..=child_birth.year() + 7).contains(&year) {
        2
    } else {
        0
    }
}

/// Senior days (seniordage) in calendar `year`: 2 from the year the employee turns 60, 3 from 61, 4 from 62.
pub fn senior_days(birth: Date, year: i16) -> u8 {
    match year - birth.year() {
        62.. => 4,
        61 => 3,
        60 => 2,
        _ => 0,
    }
}

/// What is left of a quota after `used` days (negative when overdrawn, which the absence rules refuse).
pub fn remaining(entitlement: Decimal, used: Decimal) -> Decimal {
    entitlement - used
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    fn full(entry: Date) -> EmploymentPeriod {
        EmploymentPeriod {
            entry,
            leave: None,
            fraction: Decimal::ONE,
        }
    }

    #[test]
    fn holiday_years_run_from_september() {
        assert_eq!(HolidayYear::of(date(2026, 11, 22)).start, 2026);
        assert_eq!(HolidayYear::of(date(2026, 8, 31)).start, 2025);
        let y = HolidayYear { start: 2026 };
        assert_eq!(
            (y.accrual_start(), y.accrual_end(), y.taking_end()),
            (date(2026, 9, 1), date(2027, 8, 31), date(2027, 12, 31))
        );
    }

    #[test]
    fn holiday_accrues_2_08_per_ended_month() {
        let year = HolidayYear { start: 2026 };
        // Employed since 2020; on 2026-11-22 September and October have ended.
        assert_eq!(
            holiday_accrued(&full(date(2020, 1, 1)), year, date(2026, 11, 22)),
            dec("4.16")
        );
        // The whole accrual period: 12 × 2.08 = 24.96.
        assert_eq!(
            holiday_accrued(&full(date(2020, 1, 1)), year, date(2027, 9, 1)),
            dec("24.96")
        );
        // Started 2026-03-15: the previous holiday year counts March–August (6 months) by 2026-11-22.
        let march = full(date(2026, 3, 15));
        assert_eq!(
            holiday_accrued(&march, HolidayYear { start: 2025 }, date(2026, 11, 22)),
            dec("12.48")
        );
        // Part time 30/37 of the full year: 24.96 × 30/37 = 20.237… → 20.24.
        let part = EmploymentPeriod {
            fraction: dec("30") / dec("37"),
            ..full(date(2020, 1, 1))
        };
        assert_eq!(holiday_accrued(&part, year, date(2027, 9, 1)), dec("20.24"));
        // Left 2026-10-15: only September counts.
        let left = EmploymentPeriod {
            leave: Some(date(2026, 10, 15)),
            ..full(date(2020, 1, 1))
        };
        assert_eq!(holiday_accrued(&left, year, date(2027, 9, 1)), dec("2.08"));
    }

    #[test]
    fn sixth_week_is_pro_rata() {
        assert_eq!(sixth_week(&full(date(2020, 1, 1)), 2026), dec("5"));
        // Started 2026-03-15: March–December = 10 months → 5 × 10 / 12 = 4.1666… → 4.17.
        assert_eq!(sixth_week(&full(date(2026, 3, 15)), 2026), dec("4.17"));
        assert_eq!(sixth_week(&full(date(2027, 1, 1)), 2026), dec("0"));
    }

    #[test]
    fn care_days_until_the_year_the_child_turns_7() {
        let child = date(2019, 5, 1);
        assert_eq!(care_days(child, 2026), 2);
        assert_eq!(care_days(child, 2027), 0);
        assert_eq!(care_days(child, 2019), 2);
        assert_eq!(care_days(child, 2018), 0);
    }

    #[test]
    fn senior_days_by_age() {
        let born = date(1965, 6, 1);
        assert_eq!(
            [2024, 2025, 2026, 2027, 2030].map(|y| senior_days(born, y)),
            [0, 2, 3, 4, 4]
        );
    }

    #[test]
    fn remaining_is_entitlement_minus_use() {
        assert_eq!(remaining(dec("4.16"), dec("1.5")), dec("2.66"));
        assert_eq!(remaining(dec("2"), dec("3")), dec("-1"));
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i16..2040, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    proptest! {
        #[test]
        fn holiday_accrual_is_bounded_and_monotone(
            entry in any_date(), tenure in proptest::option::of(0i32..5000), start in 2000i16..2040,
            as_of in any_date(), later in 0i32..800, num in 0u32..=37,
        ) {
            let period = EmploymentPeriod {
                entry,
                leave: tenure.map(|d| entry.checked_add(jiff::Span::new().days(d)).unwrap()),
                fraction: Decimal::from(num) / Decimal::from(37),
            };
            let year = HolidayYear { start };
            let a = holiday_accrued(&period, year, as_of);
            let b = holiday_accrued(&period, year, as_of.checked_add(jiff::Span::new().days(later)).unwrap());
            prop_assert!(a >= Decimal::ZERO);
            prop_assert!(b <= HOLIDAY_PER_YEAR);
            prop_assert!(a <= b, "{a} then {b}");
            prop_assert!(sixth_week(&period, start) >= Decimal::ZERO);
            prop_assert!(sixth_week(&period, start) <= SIXTH_WEEK_DAYS);
        }

        #[test]
        fn care_days_are_two_or_none(birth in any_date(), year in 1990i16..2060) {
            let d = care_days(birth, year);
            prop_assert!(d == 0 || d == 2);
            prop_assert_eq!(d == 2, year >= birth.year() && year <= birth.year() + 7);
        }
    }
}
