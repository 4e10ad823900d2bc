//! Work schedules (mødetidsplaner): an employee's weekly pattern of planned hours with start and end times,
//! valid for a period, and what an absence costs under it — working days, hours and calendar days, with the
//! Danish public holidays planned as days off.

use crate::calendar::{is_public_holiday, next_day};
use jiff::civil::{Date, Time, time};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Full-time hours a week under the municipal agreements.
pub const FULL_TIME_WEEKLY_HOURS: Decimal = Decimal::from_parts(37, 0, 0, false, 0);
/// Most hours one day of a schedule may plan.
const MAX_DAY_HOURS: Decimal = Decimal::from_parts(24, 0, 0, false, 0);

/// One weekday of a schedule: the planned hours and, when known, the planned start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DayPlan {
    pub hours: Decimal,
    pub start: Option<Time>,
    pub end: Option<Time>,
}

impl DayPlan {
    pub const OFF: DayPlan = DayPlan {
        hours: Decimal::ZERO,
        start: None,
        end: None,
    };

    /// A working day of `hours` from `start` (the end follows from the hours).
    pub fn from(start: Time, hours: Decimal) -> Self {
        let minutes = (hours * Decimal::from(60)).round();
        let minutes = i64::try_from(minutes).unwrap_or(0);
        let end = start
            .checked_add(jiff::SignedDuration::from_mins(minutes))
            .ok()
            .filter(|e| *e > start);
        Self {
            hours,
            start: Some(start),
            end,
        }
    }
}

/// A weekly pattern, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekPattern {
    pub days: [DayPlan; 7],
}

impl WeekPattern {
    /// `weekly_hours` spread evenly over Monday–Friday from `start`.
    pub fn weekdays(weekly_hours: Decimal, start: Time) -> Self {
        let daily = (weekly_hours / Decimal::from(5)).round_dp(2);
        let mut days = [DayPlan::OFF; 7];
        for d in days.iter_mut().take(5) {
            *d = DayPlan::from(start, daily);
        }
        Self { days }
    }

    pub fn weekly_hours(&self) -> Decimal {
        self.days.iter().map(|d| d.hours).sum()
    }

    /// The average hours of a working day (the weekly hours over the days with hours), for turning quota days
    /// into hours; zero for an empty week.
    pub fn average_day_hours(&self) -> Decimal {
        let working = self.days.iter().filter(|d| d.hours > Decimal::ZERO).count();
        if working == 0 {
            Decimal::ZERO
        } else {
            (self.weekly_hours() / Decimal::from(working as u32)).round_dp(2)
        }
    }
}

/// A schedule as registered: who defined it (type code and text) and when it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkSchedule {
    pub valid_from: Date,
    pub valid_to: Date,
    /// `Arbejdstidstype`, e.g. `DAG`.
    pub kind: String,
    /// `Arbejdstidstypetekst`.
    pub text: String,
    pub pattern: WeekPattern,
}

/// Why a schedule is refused, in Danish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

impl WorkSchedule {
    /// Checks the schedule's own consistency.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.valid_to < self.valid_from {
            return Err(ScheduleError(format!(
                "Slutdato {} ligger før startdato {}",
                self.valid_to, self.valid_from
            )));
        }
        if self.kind.is_empty() || self.kind.len() > 4 {
            return Err(ScheduleError("Arbejdstidstype skal være 1-4 tegn, fx DAG".into()));
        }
        if self.text.chars().count() > 40 {
            return Err(ScheduleError("Teksten må højst være 40 tegn".into()));
        }
        for (i, d) in self.pattern.days.iter().enumerate() {
            let name = WEEKDAY_NAMES[i];
            if d.hours < Decimal::ZERO || d.hours > MAX_DAY_HOURS || d.hours.scale() > 2 {
                return Err(ScheduleError(format!(
                    "Timetallet for {name} skal være mellem 0 og 24 med højst to decimaler"
                )));
            }
            match (d.start, d.end) {
                (Some(s), Some(e)) => {
                    if e <= s {
                        return Err(ScheduleError(format!("Sluttid for {name} skal ligge efter starttid")));
                    }
                    if hours_between(s, e) < d.hours {
                        return Err(ScheduleError(format!(
                            "{name}: {} timer kan ikke ligge mellem {s} og {e}",
                            d.hours
                        )));
                    }
                }
                (None, None) => {}
                _ => {
                    return Err(ScheduleError(format!(
                        "{name}: angiv både starttid og sluttid eller ingen af dem"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The standard full-time schedule used for an employee who has none: 37 hours, Monday–Friday 08:00–15:24.
    pub fn standard(valid_from: Date, valid_to: Date) -> Self {
        Self {
            valid_from,
            valid_to,
            kind: "STD".into(),
            text: "Standard 37 timer".into(),
            pattern: WeekPattern::weekdays(FULL_TIME_WEEKLY_HOURS, time(8, 0, 0, 0)),
        }
    }
}

/// The Danish weekday names, Monday first (for messages).
pub const WEEKDAY_NAMES: [&str; 7] = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"];

fn hours_between(a: Time, b: Time) -> Decimal {
    let secs = b.duration_since(a).as_secs();
    (Decimal::from(secs) / Decimal::from(3600)).round_dp(2)
}

/// An employee's schedules, whichever holds on a day (the first one registered wins on overlap; the store keeps
/// them disjoint).
#[derive(Debug, Clone, Default)]
pub struct Schedules {
    pub schedules: Vec<WorkSchedule>,
}

impl Schedules {
    pub fn new(mut schedules: Vec<WorkSchedule>) -> Self {
        schedules.sort_by_key(|s| s.valid_from);
        Self { schedules }
    }

    /// The schedule holding on `day`, if any.
    pub fn on(&self, day: Date) -> Option<&WorkSchedule> {
        self.schedules.iter().find(|s| s.valid_from <= day && day <= s.valid_to)
    }

    /// The pattern holding on `day`, or the standard one.
    pub fn pattern_on(&self, day: Date) -> WeekPattern {
        self.on(day)
            .map(|s| s.pattern)
            .unwrap_or_else(|| WorkSchedule::standard(day, day).pattern)
    }

    /// The plan of `day`: its weekday under the schedule holding then, nothing on a public holiday.
    pub fn plan(&self, day: Date) -> DayPlan {
        if is_public_holiday(day) {
            return DayPlan::OFF;
        }
        let weekday = day.weekday().to_monday_zero_offset() as usize;
        self.pattern_on(day).days[weekday]
    }
}

/// An absence's period as registered: whole days from `start` to `end`, or part of one day when a start or end
/// time is given (both days equal then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsencePeriod {
    pub start: Date,
    pub end: Date,
    pub start_time: Option<Time>,
    pub end_time: Option<Time>,
}

impl AbsencePeriod {
    /// `00:00:00`–`00:00:00` (how SAP writes a whole day) counts as no times at all.
    pub fn is_partial(&self) -> bool {
        let midnight = Time::midnight();
        match (self.start_time, self.end_time) {
            (None, None) => false,
            (Some(s), Some(e)) => !(s == midnight && e == midnight),
            _ => true,
        }
    }

    /// The days of the period.
    pub fn days(&self) -> impl Iterator<Item = Date> + '_ {
        let end = self.end;
        std::iter::successors(Some(self.start), move |d| {
            let n = next_day(*d);
            (n > *d && n <= end).then_some(n)
        })
        .take_while(move |d| *d <= end)
    }

    /// Whether two periods share time: whole days overlap by date, parts of one day by their times.
    pub fn collides(&self, other: &AbsencePeriod, schedules: &Schedules) -> bool {
        if self.end < other.start || other.end < self.start {
            return false;
        }
        if !(self.is_partial() && other.is_partial() && self.start == other.start) {
            return true;
        }
        let plan = schedules.plan(self.start);
        let (a0, a1) = self.window(plan);
        let (b0, b1) = other.window(plan);
        a0 < b1 && b0 < a1
    }

    /// The part of a day this (one-day) period covers, with the plan filling in a missing start or end.
    fn window(&self, plan: DayPlan) -> (Time, Time) {
        let start = self.start_time.or(plan.start).unwrap_or(Time::midnight());
        let end = match self.end_time {
            Some(e) if e > Time::midnight() => e,
            _ => plan.end.unwrap_or(Time::MAX),
        };
        (start, end)
    }
}

/// What one day of an absence costs: the fraction of a working day and the hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCost {
    pub day: Date,
    pub days: Decimal,
    pub hours: Decimal,
}

/// What an absence costs in all: working days, hours, calendar days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    pub days: Decimal,
    pub hours: Decimal,
    pub calendar_days: u32,
}

/// The cost of an absence day by day (days with nothing planned are left out).
pub fn day_costs(period: &AbsencePeriod, schedules: &Schedules) -> Vec<DayCost> {
    let mut out = Vec::new();
    for day in period.days() {
        let plan = schedules.plan(day);
        if plan.hours <= Decimal::ZERO {
            continue;
        }
        if !period.is_partial() {
            out.push(DayCost {
                day,
                days: Decimal::ONE,
                hours: plan.hours,
            });
            continue;
        }
        let (from, to) = period.window(plan);
        let hours = match (plan.start, plan.end) {
            (Some(ps), Some(pe)) => {
                let (s, e) = (from.max(ps), to.min(pe));
                if e > s { hours_between(s, e) } else { Decimal::ZERO }
            }
            _ => hours_between(from, to),
        }
        .min(plan.hours);
        if hours > Decimal::ZERO {
            out.push(DayCost {
                day,
                days: (hours / plan.hours).round_dp(2),
                hours,
            });
        }
    }
    out
}

/// The total cost of an absence.
pub fn cost(period: &AbsencePeriod, schedules: &Schedules) -> Cost {
    let costs = day_costs(period, schedules);
    Cost {
        days: costs.iter().map(|c| c.days).sum(),
        hours: costs.iter().map(|c| c.hours).sum(),
        calendar_days: (period.end - period.start).get_days() as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn whole(start: Date, end: Date) -> AbsencePeriod {
        AbsencePeriod {
            start,
            end,
            start_time: None,
            end_time: None,
        }
    }

    #[test]
    fn a_week_of_the_standard_schedule() {
        let s = Schedules::default();
        // Monday 2026-11-23 to Sunday 2026-11-29.
        let c = cost(&whole(date(2026, 11, 23), date(2026, 11, 29)), &s);
        assert_eq!(
            c,
            Cost {
                days: dec("5"),
                hours: dec("37.00"),
                calendar_days: 7
            }
        );
    }

    #[test]
    fn public_holidays_cost_nothing() {
        let s = Schedules::default();
        // Easter week 2026: Mon 30 Mar – Mon 6 Apr; Thu 2, Fri 3 and Mon 6 Apr are holidays.
        let c = cost(&whole(date(2026, 3, 30), date(2026, 4, 6)), &s);
        assert_eq!(c.days, dec("3"));
        assert_eq!(c.hours, dec("22.20"));
        assert_eq!(c.calendar_days, 8);
    }

    #[test]
    fn the_schedule_decides_the_hours() {
        let mut pattern = WeekPattern::weekdays(dec("30"), time(7, 0, 0, 0));
        pattern.days[4] = DayPlan::OFF; // no Fridays
        let s = Schedules::new(vec![WorkSchedule {
            valid_from: date(2026, 1, 1),
            valid_to: date(2026, 12, 31),
            kind: "DEL".into(),
            text: "Deltid".into(),
            pattern,
        }]);
        let c = cost(&whole(date(2026, 11, 23), date(2026, 11, 27)), &s);
        assert_eq!(
            c,
            Cost {
                days: dec("4"),
                hours: dec("24.00"),
                calendar_days: 5
            }
        );
    }

    #[test]
    fn half_days_cost_the_hours_inside_the_plan() {
        let s = Schedules::default();
        let morning = AbsencePeriod {
            start: date(2026, 11, 24),
            end: date(2026, 11, 24),
            start_time: None,
            end_time: Some(time(11, 42, 0, 0)),
        };
        let c = cost(&morning, &s);
        assert_eq!(c.hours, dec("3.70"));
        assert_eq!(c.days, dec("0.5"));
        let afternoon = AbsencePeriod {
            start_time: Some(time(11, 42, 0, 0)),
            end_time: None,
            ..morning
        };
        assert!(!morning.collides(&afternoon, &s));
        assert!(morning.collides(&whole(date(2026, 11, 24), date(2026, 11, 25)), &s));
        let midnight = AbsencePeriod {
            start_time: Some(Time::midnight()),
            end_time: Some(Time::midnight()),
            ..morning
        };
        assert!(!midnight.is_partial());
    }

    #[test]
    fn validation_names_the_problem() {
        let mut s = WorkSchedule::standard(date(2026, 1, 1), date(2026, 12, 31));
        assert!(s.validate().is_ok());
        s.pattern.days[0].hours = dec("9");
        assert!(s.validate().unwrap_err().0.contains("mandag"));
        s.pattern.days[0] = DayPlan::from(time(8, 0, 0, 0), dec("7.40"));
        s.valid_to = date(2025, 1, 1);
        assert!(s.validate().unwrap_err().0.contains("før startdato"));
    }
}
