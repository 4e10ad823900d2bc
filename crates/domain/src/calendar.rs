//! The Danish public holidays (helligdage) that no work schedule plans hours on: New Year's Day, Maundy
//! Thursday, Good Friday, Easter Sunday and Monday, Ascension Day, Whit Sunday and Monday, Christmas Day and
//! Boxing Day. Great Prayer Day (store bededag) was abolished from 2024. Constitution Day, Christmas Eve and
//! New Year's Eve are days off only by local agreement, so they are ordinary days here.

use jiff::ToSpan;
use jiff::civil::{Date, date};

/// Easter Sunday of `year` (Gregorian; the anonymous algorithm of Meeus/Jones/Butcher).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as i8, day as i8)
}

/// Whether `day` is a Danish public holiday.
pub fn is_public_holiday(day: Date) -> bool {
    if matches!((day.month(), day.day()), (1, 1) | (12, 25) | (12, 26)) {
        return true;
    }
    let easter = easter_sunday(day.year());
    match (day - easter).get_days() {
        -3 | -2 | 0 | 1 | 39 | 49 | 50 => true,
        // Store bededag, the 4th Friday after Easter, until it was abolished.
        26 => day.year() < 2024,
        _ => false,
    }
}

/// The day after `day` (saturating at the end of the calendar).
pub fn next_day(day: Date) -> Date {
    day.checked_add(1.day()).unwrap_or(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_matches_known_dates() {
        for (y, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2000, 4, 23),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), date(y, m, d), "{y}");
        }
    }

    #[test]
    fn the_2026_holidays() {
        let holidays: Vec<Date> = (0..365)
            .map(|n| date(2026, 1, 1).checked_add(n.days()).unwrap())
            .filter(|d| is_public_holiday(*d))
            .collect();
        let want = [
            date(2026, 1, 1),
            date(2026, 4, 2),
            date(2026, 4, 3),
            date(2026, 4, 5),
            date(2026, 4, 6),
            date(2026, 5, 14),
            date(2026, 5, 24),
            date(2026, 5, 25),
            date(2026, 12, 25),
            date(2026, 12, 26),
        ];
        assert_eq!(holidays, want);
    }

    #[test]
    fn great_prayer_day_only_before_2024() {
        assert!(is_public_holiday(date(2023, 5, 5)));
        assert!(!is_public_holiday(date(2024, 4, 26)));
        assert!(
            !is_public_holiday(date(2026, 6, 5)),
            "Constitution Day is not a public holiday"
        );
    }
}
