//! Absence quotas (fraværskvoter) by the Danish rules the municipal agreements use: holiday (ferie) accrued
//! monthly under the 2020 holiday act, the 6th holiday week, care days (omsorgsdage) per child and senior days
//! (seniordage) by age, and the balances of an employee around a day: what was earned, what the registered
//! absences used (oldest holiday first) and what is left. Pure arithmetic over civil dates; day counts are
//! decimals, never floats. Holiday is earned in days whatever the weekly hours (Ferieloven §5): a part-timer's
//! day is just shorter, which the hours (from the work schedule) show.
//!
//! Rounding: a holiday year's earned days are rounded up to a whole day once they are final (the accrual period
//! is over, or the employment ends in it), so a full year gives 25 days, not 12 × 2.08 = 24.96; the month-by-month
//! balance before that is not rounded. Transfer (overførsel): holiday left at the end of a holiday year's holding
//! period moves to the next holiday year by an agreement on the days beyond 4 weeks (Ferieloven §21) or because a
//! hindrance (illness, maternity) kept the employee from taking days of the first 4 weeks (§22); the days move on
//! the day after the holding period, at most what the rule allows of what is left then.

use crate::absence::QuotaKind;
use crate::calendar::next_day;
use crate::schedule::DayCost;
use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Holiday accrued per month of employment.
pub const HOLIDAY_PER_MONTH: Decimal = Decimal::from_parts(208, 0, 0, false, 2);
/// Holiday days per holiday year.
pub const HOLIDAY_PER_YEAR: Decimal = Decimal::from_parts(25, 0, 0, false, 0);
/// The days of the first 4 weeks of holiday (which must be taken; only what lies beyond can be transferred by
/// agreement).
pub const FOUR_WEEKS_DAYS: Decimal = Decimal::from_parts(20, 0, 0, false, 0);
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
/// by then and whose last day the employment covers; once every month the employment gives the year has been
/// counted, the total is rounded up to a whole day (25 for a full year); at most 25 days.
pub fn holiday_accrued(period: &EmploymentPeriod, year: HolidayYear, as_of: Date) -> Decimal {
    let months = counted_month_ends(period, year, as_of).len();
    let whole = counted_month_ends(period, year, year.accrual_end()).len();
    if months == whole {
        holiday_total(whole)
    } else {
        holiday_months(months)
    }
}

/// 2.08 days a month, at most 25 (the running balance, not rounded).
fn holiday_months(months: usize) -> Decimal {
    (HOLIDAY_PER_MONTH * Decimal::from(months as u32)).min(HOLIDAY_PER_YEAR)
}

/// A holiday year's final earning after `months` counted months: rounded up to a whole day, at most 25.
pub fn holiday_total(months: usize) -> Decimal {
    holiday_months(months).ceil().min(HOLIDAY_PER_YEAR)
}

/// Why holiday moves to the next holiday year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TransferReason {
    /// Ferieloven §21: a written agreement, made by 31 December of the holding period, on days beyond 4 weeks.
    Agreement,
    /// Ferieloven §22: days of the first 4 weeks the employee could not take because of a hindrance (illness,
    /// maternity leave, …) lasting to the end of the holding period.
    Hindrance,
}

impl TransferReason {
    pub const ALL: [TransferReason; 2] = [Self::Agreement, Self::Hindrance];

    /// The code in the admin API and the store: `agreement`, `hindrance`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::Hindrance => "hindrance",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }

    /// In Danish, with the act's section.
    pub fn text(self) -> &'static str {
        match self {
            Self::Agreement => "aftale om overførsel, ferielovens § 21",
            Self::Hindrance => "feriehindring, ferielovens § 22",
        }
    }
}

/// Holiday of one holiday year to be moved to the next (an agreement or a hindrance, as registered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolidayTransfer {
    /// The holiday year the days come from.
    pub from: HolidayYear,
    pub reason: TransferReason,
    /// The days agreed or registered; what moves is at most what the rule allows of what is left.
    pub days: Decimal,
}

impl HolidayTransfer {
    /// The day the days move: the day after the holding period of the year they come from.
    pub fn effective(&self) -> Date {
        next_day(self.from.taking_end())
    }
}

/// A transfer as the rules apply it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedTransfer {
    pub transfer: HolidayTransfer,
    /// The days that move (at most `transfer.days`).
    pub days: Decimal,
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
    /// Holiday transfer agreements and hindrances registered for the employee.
    pub transfers: Vec<HolidayTransfer>,
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
    /// Holiday: days transferred in from the year before by the key date (part of `accrued`).
    pub transferred_in: Decimal,
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

/// The accruals of a quota by `as_of`, and its entitlement for the whole period; `transfers` are the holiday
/// transfers as applied.
fn accruals(input: &QuotaInput, key: &QuotaKey, as_of: Date, transfers: &[AppliedTransfer]) -> (Decimal, Vec<Accrual>) {
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
            if key.kind == QuotaKind::SixthWeek {
                return (sixth_week_after(whole), lines);
            }
            let mut entitlement = holiday_total(whole);
            if ends.len() == whole
                && let Some(last) = ends.last()
                && entitlement > total
            {
                lines.push(Accrual {
                    date: *last,
                    days: entitlement - total,
                    text: format!("Afrundet op til hele feriedage: {} dage i alt", entitlement.normalize()),
                });
            }
            for t in transfers
                .iter()
                .filter(|t| t.transfer.from.start + 1 == key.year && t.days > Decimal::ZERO)
            {
                entitlement += t.days;
                let date = t.transfer.effective();
                if date <= as_of {
                    let from = t.transfer.from;
                    lines.push(Accrual {
                        date,
                        days: t.days,
                        text: format!(
                            "Overført fra ferieåret {}/{:02} ({})",
                            from.start,
                            (from.start + 1).rem_euclid(100),
                            t.transfer.reason.text()
                        ),
                    });
                }
            }
            lines.sort_by_key(|l| l.date);
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

/// What a quota period has earned by `day` (care and senior days: granted at the start of the year); `credits`
/// are the holiday days transferred into each holiday year so far.
fn earned(input: &QuotaInput, key: &QuotaKey, day: Date, credits: &BTreeMap<i16, Decimal>) -> Decimal {
    let year = HolidayYear { start: key.year };
    match key.kind {
        QuotaKind::Holiday => {
            holiday_accrued(&input.employment, year, day) + credits.get(&key.year).copied().unwrap_or_default()
        }
        QuotaKind::SixthWeek => sixth_week(&input.employment, year, day),
        QuotaKind::CareDay | QuotaKind::SeniorDay => accruals(input, key, day, &[]).0,
    }
}

/// Every usage charged to its quota period: per period the usage lines and the days overdrawn; and the holiday
/// transfers as applied.
#[derive(Debug, Default)]
struct Allocation {
    periods: BTreeMap<QuotaKey, (Vec<UsageLine>, Decimal)>,
    transfers: Vec<AppliedTransfer>,
}

/// The transfers still to apply, in the order they take effect.
struct Transfers<'a> {
    pending: std::collections::VecDeque<&'a HolidayTransfer>,
    /// Days transferred into each holiday year so far.
    credits: BTreeMap<i16, Decimal>,
    applied: Vec<AppliedTransfer>,
}

impl<'a> Transfers<'a> {
    fn new(input: &'a QuotaInput) -> Self {
        let mut pending: Vec<&HolidayTransfer> = input.transfers.iter().collect();
        pending.sort_by_key(|t| (t.from, t.reason));
        Self {
            pending: pending.into(),
            credits: BTreeMap::new(),
            applied: Vec::new(),
        }
    }

    /// Applies the transfers taking effect on or before `day` (all of them for `None`): of what is left of the year
    /// at the end of its holding period — its own final days and what was transferred into it, less what was used
    /// — the days used are counted against the first 4 weeks first; a hindrance moves at most the days of the
    /// first 4 weeks left, an agreement at most the rest.
    fn apply_until(&mut self, input: &QuotaInput, day: Option<Date>, used: &BTreeMap<QuotaKey, Decimal>) {
        while let Some(t) = self.pending.front().copied() {
            if day.is_some_and(|d| t.effective() > d) {
                break;
            }
            self.pending.pop_front();
            let key = QuotaKey {
                kind: QuotaKind::Holiday,
                year: t.from.start,
                child: None,
            };
            let own = holiday_accrued(&input.employment, t.from, t.from.accrual_end());
            let transferred_in = self.credits.get(&t.from.start).copied().unwrap_or_default();
            let used = used.get(&key).copied().unwrap_or_default();
            let left = (own + transferred_in - used).max(Decimal::ZERO);
            let first_weeks_left = (own.min(FOUR_WEEKS_DAYS) - used).max(Decimal::ZERO).min(left);
            let allowed = match t.reason {
                TransferReason::Hindrance => first_weeks_left,
                TransferReason::Agreement => left - first_weeks_left,
            };
            let days = t.days.min(allowed).max(Decimal::ZERO);
            *self.credits.entry(t.from.start + 1).or_default() += days;
            self.applied.push(AppliedTransfer {
                transfer: t.clone(),
                days,
            });
        }
    }
}

/// Charges every usage day to a quota period (holiday and the 6th week: the oldest open holiday year that still
/// has days earned by that day, SAP's deduction order; what none has goes to the newest) and returns, per
/// period, the usage lines and the days overdrawn: the deepest the period went below what it had earned. Holiday
/// transfers are applied as they take effect, between the days.
fn allocate(input: &QuotaInput) -> Allocation {
    let mut out: BTreeMap<QuotaKey, (Vec<UsageLine>, Decimal)> = BTreeMap::new();
    let mut days: Vec<(&Usage, &DayCost)> = input
        .usages
        .iter()
        .flat_map(|u| u.days.iter().map(move |d| (u, d)))
        .collect();
    days.sort_by(|a, b| (a.1.day, &a.0.object_id).cmp(&(b.1.day, &b.0.object_id)));
    let mut used: BTreeMap<QuotaKey, Decimal> = BTreeMap::new();
    let mut transfers = Transfers::new(input);
    for (usage, cost) in days {
        transfers.apply_until(input, Some(cost.day), &used);
        let credits = &transfers.credits;
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
                (earned(input, key, cost.day, credits) - used.get(key).copied().unwrap_or_default()).max(Decimal::ZERO);
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
            let deficit = *total - earned(input, key, cost.day, credits);
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
    transfers.apply_until(input, None, &used);
    Allocation {
        periods: out,
        transfers: transfers.applied,
    }
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
            let (entitlement, accruals) = accruals(input, &key, key_date, &allocated.transfers);
            let (usage, overdrawn) = allocated.periods.get(&key).cloned().unwrap_or_default();
            if entitlement.is_zero() && usage.is_empty() {
                return None;
            }
            let transferred_in = allocated
                .transfers
                .iter()
                .filter(|t| {
                    key.kind == QuotaKind::Holiday
                        && t.transfer.from.start + 1 == key.year
                        && t.transfer.effective() <= key_date
                })
                .map(|t| t.days)
                .sum();
            Some(Balance {
                transferred_in,
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
    allocate(input).periods.values().map(|(_, over)| *over).sum()
}

/// The holiday transfers as the rules apply them: how many of the registered days move.
pub fn applied_transfers(input: &QuotaInput) -> Vec<AppliedTransfer> {
    allocate(input).transfers
}

/// The days overdrawn per quota period (periods never overdrawn are left out).
pub fn overdrawn_by_key(input: &QuotaInput) -> BTreeMap<QuotaKey, Decimal> {
    allocate(input)
        .periods
        .into_iter()
        .filter(|(_, (_, over))| *over > Decimal::ZERO)
        .map(|(key, (_, over))| (key, over))
        .collect()
}

/// The days overdrawn per quota kind (for the message that refuses an absence).
pub fn overdrawn_by_kind(input: &QuotaInput) -> BTreeMap<QuotaKind, Decimal> {
    let mut out = BTreeMap::new();
    for (key, (_, over)) in allocate(input).periods {
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
            transfers: Vec::new(),
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
        // Employed since 2020; on 2026-11-22 September and October have ended (not rounded while running).
        assert_eq!(
            holiday_accrued(&full(date(2020, 1, 1)), year, date(2026, 11, 22)),
            dec("4.16")
        );
        // By 31 July 2027, 11 months: 22.88, still running.
        assert_eq!(
            holiday_accrued(&full(date(2020, 1, 1)), year, date(2027, 7, 31)),
            dec("22.88")
        );
        // The whole accrual period: 12 × 2.08 = 24.96, rounded up to 25 once final.
        assert_eq!(
            holiday_accrued(&full(date(2020, 1, 1)), year, date(2027, 8, 31)),
            dec("25")
        );
        // Started 2026-03-15: the previous holiday year counts March–August (6 months): 12.48 → 13.
        let march = full(date(2026, 3, 15));
        assert_eq!(
            holiday_accrued(&march, HolidayYear { start: 2025 }, date(2026, 11, 22)),
            dec("13")
        );
        // Started 2026-11-01: 10 months by the end of the year, 20.80 → 21.
        assert_eq!(holiday_total(10), dec("21"));
        // Left 2026-10-15: only September counts, final at once: 2.08 → 3.
        let left = EmploymentPeriod {
            leave: Some(date(2026, 10, 15)),
            ..full(date(2020, 1, 1))
        };
        assert_eq!(holiday_accrued(&left, year, date(2026, 9, 30)), dec("3"));
        assert_eq!(holiday_accrued(&left, year, date(2027, 9, 1)), dec("3"));
        assert_eq!(holiday_accrued(&left, year, date(2026, 9, 29)), dec("0"));
        assert_eq!((0..=12).map(holiday_total).max(), Some(dec("25")));
    }

    #[test]
    fn the_rounding_is_an_accrual_line_of_the_last_month() {
        let b = balances(&input(Vec::new()), date(2026, 11, 22));
        let h25 = find(&b, QuotaKind::Holiday, 2025, None);
        assert_eq!((h25.entitlement, h25.accrued), (dec("25"), dec("25")));
        let last = h25.accruals.last().unwrap();
        assert_eq!((last.date, last.days), (date(2026, 8, 31), dec("0.04")));
        assert_eq!(last.text, "Afrundet op til hele feriedage: 25 dage i alt");
        // The running year: entitlement 25, accrued 4.16 without rounding.
        let h26 = find(&b, QuotaKind::Holiday, 2026, None);
        assert_eq!((h26.entitlement, h26.accrued), (dec("25"), dec("4.16")));
    }

    fn transfer(from: i16, reason: TransferReason, days: &str) -> HolidayTransfer {
        HolidayTransfer {
            from: HolidayYear { start: from },
            reason,
            days: dec(days),
        }
    }

    #[test]
    fn transferred_holiday_moves_to_the_next_year_after_the_holding_period() {
        // 2024/25: 25 days earned, 18 taken (in July 2025) — 7 left on 31 December 2025: 2 of the first 4 weeks,
        // 5 beyond them.
        let july: Vec<Date> = (1..=18).map(|d| date(2025, 7, d)).collect();
        let mut i = input(vec![usage("a", QuotaKind::Holiday, None, &july)]);
        i.transfers = vec![
            transfer(2024, TransferReason::Agreement, "5"),
            transfer(2024, TransferReason::Hindrance, "4"),
        ];
        let applied = applied_transfers(&i);
        let moved: Vec<Decimal> = applied.iter().map(|t| t.days).collect();
        // The agreement moves its 5 days; the hindrance only the 2 days of the first 4 weeks left.
        assert_eq!(moved, [dec("5"), dec("2")]);
        assert_eq!(applied[0].transfer.effective(), date(2026, 1, 1));
        // Before 1 January 2026 nothing has moved; from then 2025/26 has 7 more days.
        let before = find(&balances(&i, date(2025, 12, 31)), QuotaKind::Holiday, 2025, None).clone();
        assert_eq!((before.transferred_in, before.entitlement), (dec("0"), dec("32")));
        let after = balances(&i, date(2026, 1, 1));
        let h25 = find(&after, QuotaKind::Holiday, 2025, None);
        assert_eq!(h25.transferred_in, dec("7"));
        assert_eq!(h25.accrued, dec("8.32") + dec("7"));
        let lines: Vec<&str> = h25.accruals.iter().map(|a| a.text.as_str()).collect();
        assert!(
            lines.contains(&"Overført fra ferieåret 2024/25 (aftale om overførsel, ferielovens § 21)"),
            "{lines:?}"
        );
        assert!(lines.contains(&"Overført fra ferieåret 2024/25 (feriehindring, ferielovens § 22)"));
        // The transferred days are there to be taken: 15 days in January 2026 would overdraw 2025/26 (8.32 earned
        // by then) without them.
        let jan: Vec<Date> = (2..=16).map(|d| date(2026, 1, d)).collect();
        i.usages.push(usage("b", QuotaKind::Holiday, None, &jan));
        assert_eq!(total_overdrawn(&i), Decimal::ZERO);
        i.transfers.clear();
        assert_eq!(total_overdrawn(&i), dec("6.68"));
    }

    #[test]
    fn an_agreement_moves_only_what_lies_beyond_four_weeks() {
        // Nothing taken of 2024/25: an agreement on 10 days moves 5 (25 − 20).
        let mut i = input(Vec::new());
        i.transfers = vec![transfer(2024, TransferReason::Agreement, "10")];
        assert_eq!(applied_transfers(&i)[0].days, dec("5"));
        // A hindrance when everything was taken: nothing moves.
        let all: Vec<Date> = (1..=25).map(|d| date(2025, 7, d)).collect();
        let mut i = input(vec![usage("a", QuotaKind::Holiday, None, &all)]);
        i.transfers = vec![transfer(2024, TransferReason::Hindrance, "3")];
        assert_eq!(applied_transfers(&i)[0].days, Decimal::ZERO);
        assert!(
            find(&balances(&i, date(2026, 1, 1)), QuotaKind::Holiday, 2025, None)
                .accruals
                .iter()
                .all(|a| !a.text.starts_with("Overført"))
        );
        // Transferred days can be transferred again: 2025/26 has its 25 and 5 from 2024/25, nothing taken; an
        // agreement moves 10 of them on to 2026/27.
        let mut i = input(Vec::new());
        i.transfers = vec![
            transfer(2024, TransferReason::Agreement, "5"),
            transfer(2025, TransferReason::Agreement, "10"),
        ];
        assert_eq!(
            applied_transfers(&i).iter().map(|t| t.days).collect::<Vec<_>>(),
            [dec("5"), dec("10")]
        );
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
            (dec("25"), dec("25"), dec("5"), dec("20"))
        );
        assert_eq!(h25.used_hours, dec("37.00"));
        // 12 months and the rounding.
        assert_eq!(h25.accruals.len(), 13);
        assert_eq!(h25.key.deduction(), (date(2025, 9, 1), date(2026, 12, 31)));
        let h26 = find(&b, QuotaKind::Holiday, 2026, None);
        assert_eq!(
            (h26.accrued, h26.used, h26.entitlement),
            (dec("4.16"), dec("0"), dec("25"))
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
        assert_eq!(find(&b, QuotaKind::Holiday, 2025, None).used, dec("25"));
        // 31 days of October: 25 from 2025/26 (1–25 Oct), the other 6 from 2026/27, which had earned 2.08
        // (September) until 31 Oct: by 30 Oct it has used 5, 2.92 beyond what it had; October's 2.08 arrive on
        // the 31st.
        let h26 = find(&b, QuotaKind::Holiday, 2026, None);
        assert_eq!(h26.used, dec("6"));
        assert_eq!(h26.overdrawn, dec("2.92"));
        assert_eq!(total_overdrawn(&i), dec("2.92"));
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
            let allocated = allocate(&i).periods;
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
