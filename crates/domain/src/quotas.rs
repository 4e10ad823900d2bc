//! Absence quotas (fraværskvoter) by the Danish rules the municipal agreements use: holiday (ferie) accrued
//! monthly under the 2020 holiday act, the 6th holiday week, care days (omsorgsdage) per child and senior days
//! (seniordage) by age, and the balances of an employee around a day: what was earned, what the registered
//! absences used (oldest holiday first) and what is left. Pure arithmetic over civil dates; day counts are
//! decimals, never floats. Holiday is earned in days whatever the weekly hours (Ferieloven §5): a part-timer's
//! day is just shorter, which the hours (from the work schedule) show.

use crate::absence::QuotaKind;
use crate::schedule::DayCost;
use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Holiday accrued per month of employment.
pub const HOLIDAY_PER_MONTH: Decimal = Decimal::from_parts(208, 0, 0, false, 2);
/// Holiday days per holiday year.
pub const HOLIDAY_PER_YEAR: Decimal = Decimal::from_parts(25, 0, 0, false, 0);
/// Days of the 6th holiday week per holiday year.
pub const SIXTH_WEEK_DAYS: Decimal = Decimal::from_parts(5, 0, 0, false, 0);

/// A holiday year, named by the calendar year it starts in: accrual ("optjening") runs 1 September of `start`
/// to 31 August of `start + 1`; the days can be taken from 1 September of `start` until 31 December of
/// `start + 1` (concurrent holiday, 16 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
    /// The holiday years whose days can be taken on `day`, oldest first.
    pub fn open_on(day: Date) -> Vec<HolidayYear> {
        let this = Self::of(day);
        let previous = Self { start: this.start - 1 };
        if day <= previous.taking_end() {
            vec![previous, this]
        } else {
            vec![this]
        }
    }
}

/// An employment as the quota rules see it: first day and last day (if it has ended or will end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmploymentPeriod {
    pub entry: Date,
    pub leave: Option<Date>,
}

impl EmploymentPeriod {
    fn covers(&self, day: Date) -> bool {
        self.entry <= day && self.leave.is_none_or(|l| day <= l)
    }
    fn covers_any_of(&self, year: i16) -> bool {
        self.entry <= date(year, 12, 31) && self.leave.is_none_or(|l| l >= date(year, 1, 1))
    }
}

fn last_day_of_month(year: i16, month: i8) -> Date {
    date(year, month, 1).last_of_month()
}

/// The month ends of the accrual period of `year` that count by `as_of`: the month has ended on or before
/// `as_of` and the employment covers its last day.
fn counted_month_ends(period: &EmploymentPeriod, year: HolidayYear, as_of: Date) -> Vec<Date> {
    let mut out = Vec::new();
    let (mut y, mut m) = (year.start, 9);
    for _ in 0..12 {
        let end = last_day_of_month(y, m);
        if end <= as_of && period.covers(end) {
            out.push(end);
        }
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

/// Holiday days accrued in `year` as of `as_of`: 2.08 days for every month of the accrual period that has ended
/// by then and whose last day the employment covers; at most 25 days.
pub fn holiday_accrued(period: &EmploymentPeriod, year: HolidayYear, as_of: Date) -> Decimal {
    let months = counted_month_ends(period, year, as_of).len();
    (HOLIDAY_PER_MONTH * Decimal::from(months as u32)).min(HOLIDAY_PER_YEAR)
}

/// Days of the 6th holiday week earned in `year` as of `as_of`: 5/12 day per counted month (as for holiday),
/// rounded to two decimals; 5 for a whole year.
pub fn sixth_week(period: &EmploymentPeriod, year: HolidayYear, as_of: Date) -> Decimal {
    sixth_week_after(counted_month_ends(period, year, as_of).len())
}

fn sixth_week_after(months: usize) -> Decimal {
    (SIXTH_WEEK_DAYS * Decimal::from(months as u32) / Decimal::from(12)).round_dp(2)
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

/// A registered absence that draws on a quota, costed day by day under the work schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage {
    pub object_id: String,
    pub type_code: String,
    pub quota: QuotaKind,
    /// Care days: the child's number.
    pub child: Option<String>,
    pub start: Date,
    pub end: Date,
    pub days: Vec<DayCost>,
}

/// Everything the balances of one employee depend on.
#[derive(Debug, Clone)]
pub struct QuotaInput {
    pub employment: EmploymentPeriod,
    /// The employee's birth date (senior days).
    pub birth: Date,
    /// The children: number (GetChildren's `ChildNumber`) and birth date.
    pub children: Vec<(String, Date)>,
    pub usages: Vec<Usage>,
}

/// The period a balance is kept for: a holiday year (holiday, 6th week) or a calendar year (care and senior
/// days), and for care days the child.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QuotaKey {
    pub kind: QuotaKind,
    /// The holiday year's start or the calendar year.
    pub year: i16,
    pub child: Option<String>,
}

impl QuotaKey {
    /// The period the days are earned for.
    pub fn period(&self) -> (Date, Date) {
        match self.kind {
            QuotaKind::Holiday | QuotaKind::SixthWeek => {
                let y = HolidayYear { start: self.year };
                (y.accrual_start(), y.accrual_end())
            }
            QuotaKind::CareDay | QuotaKind::SeniorDay => (date(self.year, 1, 1), date(self.year, 12, 31)),
        }
    }

    /// The period as a person reads it, in Danish: "ferie 2026/27", "omsorgsdage 2026 for barn 02".
    pub fn describe(&self) -> String {
        let name = self.kind.text().to_lowercase();
        match self.kind {
            QuotaKind::Holiday | QuotaKind::SixthWeek => {
                format!("{name} {}/{:02}", self.year, (self.year + 1).rem_euclid(100))
            }
            QuotaKind::CareDay => match &self.child {
                Some(c) => format!("{name} {} for barn {c}", self.year),
                None => format!("{name} {}", self.year),
            },
            QuotaKind::SeniorDay => format!("{name} {}", self.year),
        }
    }

    /// The period the days can be taken in.
    pub fn deduction(&self) -> (Date, Date) {
        match self.kind {
            QuotaKind::Holiday | QuotaKind::SixthWeek => {
                let y = HolidayYear { start: self.year };
                (y.accrual_start(), y.taking_end())
            }
            QuotaKind::CareDay | QuotaKind::SeniorDay => self.period(),
        }
    }
}

/// Days earned on a day, with a text saying for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accrual {
    pub date: Date,
    pub days: Decimal,
    pub text: String,
}

/// One absence's use of a quota.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageLine {
    pub object_id: String,
    pub type_code: String,
    pub start: Date,
    pub end: Date,
    pub days: Decimal,
    pub hours: Decimal,
}

/// A quota's balance as of a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub key: QuotaKey,
    /// Days for the whole period (as far as the employment is known to cover it).
    pub entitlement: Decimal,
    /// Days earned by the key date.
    pub accrued: Decimal,
    pub used: Decimal,
    pub used_hours: Decimal,
    /// Days used beyond what was available when they were taken.
    pub overdrawn: Decimal,
    pub accruals: Vec<Accrual>,
    pub usage: Vec<UsageLine>,
}

impl Balance {
    pub fn remaining(&self) -> Decimal {
        remaining(self.accrued, self.used)
    }
}

const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];

/// The accruals of a quota by `as_of`, and its entitlement for the whole period.
fn accruals(input: &QuotaInput, key: &QuotaKey, as_of: Date) -> (Decimal, Vec<Accrual>) {
    let period = &input.employment;
    match key.kind {
        QuotaKind::Holiday | QuotaKind::SixthWeek => {
            let year = HolidayYear { start: key.year };
            let whole = counted_month_ends(period, year, year.accrual_end()).len();
            let ends = counted_month_ends(period, year, as_of);
            let mut lines = Vec::new();
            let mut total = Decimal::ZERO;
            for (k, end) in ends.iter().enumerate() {
                let days = if key.kind == QuotaKind::Holiday {
                    HOLIDAY_PER_MONTH.min(HOLIDAY_PER_YEAR - total)
                } else {
                    sixth_week_after(k + 1) - sixth_week_after(k)
                };
                total += days;
                lines.push(Accrual {
                    date: *end,
                    days,
                    text: format!("Optjent for {} {}", MONTHS[end.month() as usize - 1], end.year()),
                });
            }
            let entitlement = if key.kind == QuotaKind::Holiday {
                (HOLIDAY_PER_MONTH * Decimal::from(whole as u32)).min(HOLIDAY_PER_YEAR)
            } else {
                sixth_week_after(whole)
            };
            (entitlement, lines)
        }
        QuotaKind::CareDay | QuotaKind::SeniorDay => {
            if !period.covers_any_of(key.year) {
                return (Decimal::ZERO, Vec::new());
            }
            let (days, text) = if key.kind == QuotaKind::CareDay {
                let Some((_, birth)) = input.children.iter().find(|(n, _)| Some(n) == key.child.as_ref()) else {
                    return (Decimal::ZERO, Vec::new());
                };
                let n = care_days(*birth, key.year);
                let child = key.child.as_deref().unwrap_or_default();
                (
                    n,
                    format!("Omsorgsdage {} for barn {child} (født {})", key.year, birth.year()),
                )
            } else {
                let n = senior_days(input.birth, key.year);
                (
                    n,
                    format!("Seniordage {} (fylder {} år)", key.year, key.year - input.birth.year()),
                )
            };
            let days = Decimal::from(days);
            if days.is_zero() {
                return (Decimal::ZERO, Vec::new());
            }
            let granted = period.entry.max(date(key.year, 1, 1));
            let lines = if granted <= as_of {
                vec![Accrual {
                    date: granted,
                    days,
                    text,
                }]
            } else {
                Vec::new()
            };
            (days, lines)
        }
    }
}

/// What a quota period has earned by `day` (care and senior days: granted at the start of the year).
fn earned(input: &QuotaInput, key: &QuotaKey, day: Date) -> Decimal {
    let year = HolidayYear { start: key.year };
    match key.kind {
        QuotaKind::Holiday => holiday_accrued(&input.employment, year, day),
        QuotaKind::SixthWeek => sixth_week(&input.employment, year, day),
        QuotaKind::CareDay | QuotaKind::SeniorDay => accruals(input, key, day).0,
    }
}

/// Charges every usage day to a quota period (holiday and the 6th week: the oldest open holiday year that still
/// has days earned by that day, SAP's deduction order; what none has goes to the newest) and returns, per
/// period, the usage lines and the days overdrawn: the deepest the period went below what it had earned.
fn allocate(input: &QuotaInput) -> BTreeMap<QuotaKey, (Vec<UsageLine>, Decimal)> {
    let mut out: BTreeMap<QuotaKey, (Vec<UsageLine>, Decimal)> = BTreeMap::new();
    let mut days: Vec<(&Usage, &DayCost)> = input
        .usages
        .iter()
        .flat_map(|u| u.days.iter().map(move |d| (u, d)))
        .collect();
    days.sort_by(|a, b| (a.1.day, &a.0.object_id).cmp(&(b.1.day, &b.0.object_id)));
    let mut used: BTreeMap<QuotaKey, Decimal> = BTreeMap::new();
    for (usage, cost) in days {
        let keys: Vec<QuotaKey> = match usage.quota {
            QuotaKind::Holiday | QuotaKind::SixthWeek => HolidayYear::open_on(cost.day)
                .into_iter()
                .map(|y| QuotaKey {
                    kind: usage.quota,
                    year: y.start,
                    child: None,
                })
                .collect(),
            QuotaKind::CareDay | QuotaKind::SeniorDay => vec![QuotaKey {
                kind: usage.quota,
                year: cost.day.year(),
                child: usage.child.clone().filter(|_| usage.quota == QuotaKind::CareDay),
            }],
        };
        // (key, days, hours) charged; the last key takes whatever the others cannot.
        let mut charges: Vec<(&QuotaKey, Decimal, Decimal)> = Vec::new();
        let mut left = cost.days;
        for (i, key) in keys.iter().enumerate() {
            let available =
                (earned(input, key, cost.day) - used.get(key).copied().unwrap_or_default()).max(Decimal::ZERO);
            let take = if i + 1 == keys.len() { left } else { left.min(available) };
            if take > Decimal::ZERO {
                charges.push((key, take, Decimal::ZERO));
                left -= take;
            }
        }
        // Hours in proportion to the days, the last charge taking the rounding.
        let mut hours_left = cost.hours;
        let n = charges.len();
        for (i, c) in charges.iter_mut().enumerate() {
            c.2 = if i + 1 == n {
                hours_left
            } else {
                (cost.hours * c.1 / cost.days).round_dp(2)
            };
            hours_left -= c.2;
        }
        for (key, d, h) in charges {
            let total = used.entry(key.clone()).or_default();
            *total += d;
            let deficit = *total - earned(input, key, cost.day);
            let entry = out.entry(key.clone()).or_default();
            entry.1 = entry.1.max(deficit);
            match entry.0.iter_mut().find(|l| l.object_id == usage.object_id) {
                Some(line) => {
                    line.days += d;
                    line.hours += h;
                }
                None => entry.0.push(UsageLine {
                    object_id: usage.object_id.clone(),
                    type_code: usage.type_code.clone(),
                    start: usage.start,
                    end: usage.end,
                    days: d,
                    hours: h,
                }),
            }
        }
    }
    out
}

/// The quota periods that hold around `key_date`: the open holiday years (holiday and 6th week), the calendar
/// year's care days per child and senior days, where there is anything earned or used.
fn keys_around(input: &QuotaInput, key_date: Date) -> Vec<QuotaKey> {
    let mut keys = Vec::new();
    for kind in [QuotaKind::Holiday, QuotaKind::SixthWeek] {
        for y in HolidayYear::open_on(key_date) {
            keys.push(QuotaKey {
                kind,
                year: y.start,
                child: None,
            });
        }
    }
    let year = key_date.year();
    for (number, _) in &input.children {
        keys.push(QuotaKey {
            kind: QuotaKind::CareDay,
            year,
            child: Some(number.clone()),
        });
    }
    keys.push(QuotaKey {
        kind: QuotaKind::SeniorDay,
        year,
        child: None,
    });
    keys
}

/// The balances of one employee around `key_date` (see [`keys_around`]); periods with nothing earned, nothing
/// used and no entitlement are left out.
pub fn balances(input: &QuotaInput, key_date: Date) -> Vec<Balance> {
    let allocated = allocate(input);
    keys_around(input, key_date)
        .into_iter()
        .filter_map(|key| {
            let (entitlement, accruals) = accruals(input, &key, key_date);
            let (usage, overdrawn) = allocated.get(&key).cloned().unwrap_or_default();
            if entitlement.is_zero() && usage.is_empty() {
                return None;
            }
            Some(Balance {
                accrued: accruals.iter().map(|a| a.days).sum(),
                used: usage.iter().map(|u| u.days).sum(),
                used_hours: usage.iter().map(|u| u.hours).sum(),
                key,
                entitlement,
                overdrawn,
                accruals,
                usage,
            })
        })
        .collect()
}

/// The days overdrawn in all, over every period (an absence that raises this is refused).
pub fn total_overdrawn(input: &QuotaInput) -> Decimal {
    allocate(input).values().map(|(_, over)| *over).sum()
}

/// The days overdrawn per quota period (periods never overdrawn are left out).
pub fn overdrawn_by_key(input: &QuotaInput) -> BTreeMap<QuotaKey, Decimal> {
    allocate(input)
        .into_iter()
        .filter(|(_, (_, over))| *over > Decimal::ZERO)
        .map(|(key, (_, over))| (key, over))
        .collect()
}

/// The days overdrawn per quota kind (for the message that refuses an absence).
pub fn overdrawn_by_kind(input: &QuotaInput) -> BTreeMap<QuotaKind, Decimal> {
    let mut out = BTreeMap::new();
    for (key, (_, over)) in allocate(input) {
        *out.entry(key.kind).or_insert(Decimal::ZERO) += over;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().expect("a decimal")
    }

    fn full(entry: Date) -> EmploymentPeriod {
        EmploymentPeriod { entry, leave: None }
    }

    fn day(d: Date) -> DayCost {
        DayCost {
            day: d,
            days: Decimal::ONE,
            hours: dec("7.40"),
        }
    }

    fn usage(id: &str, quota: QuotaKind, child: Option<&str>, days: &[Date]) -> Usage {
        Usage {
            object_id: id.into(),
            type_code: quota.code().into(),
            quota,
            child: child.map(Into::into),
            start: days[0],
            end: *days.last().unwrap(),
            days: days.iter().map(|d| day(*d)).collect(),
        }
    }

    fn input(usages: Vec<Usage>) -> QuotaInput {
        QuotaInput {
            employment: full(date(2015, 1, 1)),
            birth: date(1965, 6, 1),
            children: vec![("01".into(), date(2016, 4, 2)), ("02".into(), date(2019, 10, 14))],
            usages,
        }
    }

    fn find<'a>(b: &'a [Balance], kind: QuotaKind, year: i16, child: Option<&str>) -> &'a Balance {
        b.iter()
            .find(|x| x.key.kind == kind && x.key.year == year && x.key.child.as_deref() == child)
            .unwrap_or_else(|| panic!("{kind:?} {year} {child:?} in {b:#?}"))
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
        assert_eq!(
            HolidayYear::open_on(date(2026, 11, 22)),
            [HolidayYear { start: 2025 }, y]
        );
        assert_eq!(HolidayYear::open_on(date(2027, 3, 1)), [y]);
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
        // Left 2026-10-15: only September counts.
        let left = EmploymentPeriod {
            leave: Some(date(2026, 10, 15)),
            ..full(date(2020, 1, 1))
        };
        assert_eq!(holiday_accrued(&left, year, date(2027, 9, 1)), dec("2.08"));
    }

    #[test]
    fn sixth_week_is_pro_rata() {
        let y = HolidayYear { start: 2025 };
        assert_eq!(sixth_week(&full(date(2020, 1, 1)), y, date(2026, 9, 1)), dec("5"));
        // Started 2026-03-15: March–August = 6 months → 2.50.
        assert_eq!(sixth_week(&full(date(2026, 3, 15)), y, date(2026, 9, 1)), dec("2.5"));
        // By 2025-11-22, September and October: 5 × 2 / 12 = 0.833… → 0.83.
        assert_eq!(sixth_week(&full(date(2020, 1, 1)), y, date(2025, 11, 22)), dec("0.83"));
        assert_eq!(sixth_week(&full(date(2027, 1, 1)), y, date(2027, 9, 1)), dec("0"));
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

    #[test]
    fn balances_around_a_day_by_hand() {
        // Born 1965 → 61 in 2026: 3 senior days. Child 01 born 2016 (10 in 2026): no care days; child 02 born
        // 2019 (7 in 2026): 2. Holiday: 2025/26 is complete (24.96), 2026/27 has Sep+Oct (4.16) by 22 Nov.
        let july = [6, 7, 8, 9, 10].map(|d| date(2026, 7, d));
        let i = input(vec![
            usage("a", QuotaKind::Holiday, None, &july),
            usage("b", QuotaKind::CareDay, Some("02"), &[date(2026, 3, 2)]),
            usage("c", QuotaKind::SeniorDay, None, &[date(2026, 2, 2), date(2026, 2, 3)]),
        ]);
        let b = balances(&i, date(2026, 11, 22));
        let h25 = find(&b, QuotaKind::Holiday, 2025, None);
        assert_eq!(
            (h25.entitlement, h25.accrued, h25.used, h25.remaining()),
            (dec("24.96"), dec("24.96"), dec("5"), dec("19.96"))
        );
        assert_eq!(h25.used_hours, dec("37.00"));
        assert_eq!(h25.accruals.len(), 12);
        assert_eq!(h25.key.deduction(), (date(2025, 9, 1), date(2026, 12, 31)));
        let h26 = find(&b, QuotaKind::Holiday, 2026, None);
        assert_eq!(
            (h26.accrued, h26.used, h26.entitlement),
            (dec("4.16"), dec("0"), dec("24.96"))
        );
        assert_eq!(find(&b, QuotaKind::SixthWeek, 2025, None).accrued, dec("5"));
        assert_eq!(find(&b, QuotaKind::SixthWeek, 2026, None).accrued, dec("0.83"));
        let care = find(&b, QuotaKind::CareDay, 2026, Some("02"));
        assert_eq!(
            (care.entitlement, care.used, care.remaining()),
            (dec("2"), dec("1"), dec("1"))
        );
        assert!(
            b.iter().all(|x| x.key.child.as_deref() != Some("01")),
            "no care days for a 10-year-old"
        );
        let senior = find(&b, QuotaKind::SeniorDay, 2026, None);
        assert_eq!(
            (senior.entitlement, senior.used, senior.remaining()),
            (dec("3"), dec("2"), dec("1"))
        );
        assert_eq!(total_overdrawn(&i), Decimal::ZERO);
    }

    #[test]
    fn the_oldest_holiday_goes_first_and_overdraws_are_counted() {
        // Autumn 2026: both 2025/26 and 2026/27 are open; days go to 2025/26 first.
        let days: Vec<Date> = (1..=31).map(|d| date(2026, 10, d)).collect();
        let i = input(vec![usage("x", QuotaKind::Holiday, None, &days)]);
        let b = balances(&i, date(2026, 12, 31));
        assert_eq!(find(&b, QuotaKind::Holiday, 2025, None).used, dec("24.96"));
        // 31 days of October: 24.96 from 2025/26 (1–25 Oct), the other 6.04 from 2026/27, which had earned
        // 2.08 (September) until 31 Oct: by 30 Oct it has used 5.04, 2.96 beyond what it had; October's 2.08
        // arrive on the 31st.
        let h26 = find(&b, QuotaKind::Holiday, 2026, None);
        assert_eq!(h26.used, dec("6.04"));
        assert_eq!(h26.overdrawn, dec("2.96"));
        assert_eq!(total_overdrawn(&i), dec("2.96"));
        // A third care day for child 02 is overdrawn.
        let care: Vec<Date> = [2, 3, 4].map(|d| date(2026, 3, d)).to_vec();
        let i = input(vec![usage("y", QuotaKind::CareDay, Some("02"), &care)]);
        assert_eq!(total_overdrawn(&i), Decimal::ONE);
        assert_eq!(overdrawn_by_kind(&i)[&QuotaKind::CareDay], Decimal::ONE);
    }

    fn any_date() -> impl Strategy<Value = Date> {
        (2000i16..2040, 1i8..=12, 1i8..=28).prop_map(|(y, m, d)| date(y, m, d))
    }

    proptest! {
        #[test]
        fn holiday_accrual_is_bounded_and_monotone(
            entry in any_date(), tenure in proptest::option::of(0i32..5000), start in 2000i16..2040,
            as_of in any_date(), later in 0i32..800,
        ) {
            let period = EmploymentPeriod {
                entry,
                leave: tenure.map(|d| entry.checked_add(jiff::Span::new().days(d)).unwrap()),
            };
            let year = HolidayYear { start };
            let later = as_of.checked_add(jiff::Span::new().days(later)).unwrap();
            let a = holiday_accrued(&period, year, as_of);
            let b = holiday_accrued(&period, year, later);
            prop_assert!(a >= Decimal::ZERO);
            prop_assert!(b <= HOLIDAY_PER_YEAR);
            prop_assert!(a <= b, "{a} then {b}");
            let (s, t) = (sixth_week(&period, year, as_of), sixth_week(&period, year, later));
            prop_assert!(Decimal::ZERO <= s && s <= t && t <= SIXTH_WEEK_DAYS);
        }

        #[test]
        fn care_days_are_two_or_none(birth in any_date(), year in 1990i16..2060) {
            let d = care_days(birth, year);
            prop_assert!(d == 0 || d == 2);
            prop_assert_eq!(d == 2, year >= birth.year() && year <= birth.year() + 7);
        }

        /// Whatever is registered, the days used over all periods equal the days of the registered absences,
        /// accruals are never negative and sum to `accrued`, and remaining = accrued − used.
        #[test]
        fn usage_equals_the_registered_absences(
            spans in proptest::collection::vec((0i32..900, 1i32..15, 0usize..4, any::<bool>()), 0..25),
            key_offset in 0i32..900,
        ) {
            let origin = date(2025, 6, 1);
            let usages: Vec<Usage> = spans.iter().enumerate().map(|(n, (offset, len, kind, half))| {
                let quota = QuotaKind::ALL[*kind];
                let start = origin.checked_add(jiff::Span::new().days(*offset)).unwrap();
                let days: Vec<DayCost> = (0..*len).map(|k| DayCost {
                    day: start.checked_add(jiff::Span::new().days(k)).unwrap(),
                    days: if *half { dec("0.5") } else { Decimal::ONE },
                    hours: if *half { dec("3.70") } else { dec("7.40") },
                }).collect();
                Usage {
                    object_id: format!("{n:03}"),
                    type_code: quota.code().into(),
                    quota,
                    child: (quota == QuotaKind::CareDay).then(|| "02".to_owned()),
                    start,
                    end: days.last().unwrap().day,
                    days,
                }
            }).collect();
            let registered: Decimal = usages.iter().flat_map(|u| u.days.iter().map(|d| d.days)).sum();
            let registered_hours: Decimal = usages.iter().flat_map(|u| u.days.iter().map(|d| d.hours)).sum();
            let i = input(usages);
            let allocated = allocate(&i);
            let used: Decimal = allocated.values().flat_map(|(lines, _)| lines.iter().map(|l| l.days)).sum();
            let hours: Decimal = allocated.values().flat_map(|(lines, _)| lines.iter().map(|l| l.hours)).sum();
            prop_assert_eq!(used, registered);
            prop_assert_eq!(hours, registered_hours);
            prop_assert!(total_overdrawn(&i) <= registered);
            let key = origin.checked_add(jiff::Span::new().days(key_offset)).unwrap();
            for b in balances(&i, key) {
                prop_assert!(b.accruals.iter().all(|a| a.days >= Decimal::ZERO));
                prop_assert_eq!(b.accrued, b.accruals.iter().map(|a| a.days).sum::<Decimal>());
                prop_assert!(b.accrued <= b.entitlement);
                prop_assert_eq!(b.remaining(), b.accrued - b.used);
            }
        }
    }
}
