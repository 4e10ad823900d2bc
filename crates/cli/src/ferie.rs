//! `snitflade export ferie`: the legacy FERIE holiday-balance file, so consumers of the old file keep working
//! while they move to Hent fraværskvoter. One line per employee and holiday year still open on the file date,
//! with the balances the quota service computes (earned by the file date, used by registered absences).
//!
//! The layout: 77 characters a line, `\n` line ends, 0-based column ranges, end exclusive. Numbers are right
//! aligned, zero padded, in hundredths (`003700` = 37.00); a negative one (an overdrawn balance) carries a
//! leading `-` (`-00740`). The ranges marked * are the ones the old file's readers use; the rest is snitflade's.
//!
//! | columns | header line (first line) | employee lines |
//! |---|---|---|
//! | [0,1) | `F` | `1` (record type) |
//! | [1,5) | `ERIE` | personnel number, first 4 digits |
//! | [5,9) | * file date `yyyy-MM-dd` [5,15) | personnel number, last 4 digits |
//! | [9,19) | | * CPR number |
//! | [15,19) | municipality code | |
//! | [19,20) | | * ekstraciffer |
//! | [21,25) | | * earning (holiday) year, the year its accrual starts |
//! | [25,29) | | municipality code |
//! | [29,35) | | holiday days earned |
//! | [35,41) | | * holiday hours with pay left |
//! | [41,47) | | holiday days left |
//! | [47,53) | | holiday hours used |
//! | [53,59) | | holiday days used |
//! | [59,65) | | * transferred hours: holiday days transferred into this year from the one before (an agreement,
//! Ferieloven §21, or a hindrance, §22; part of the days left) by the file date, in hours |
//! | [65,71) | | 6th holiday week days left |
//! | [71,77) | | * extra holiday hours total (6th holiday week hours left) |

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use jiff::civil::Date;
use rust_decimal::Decimal;
use snitflade_domain::absence::QuotaKind;
use snitflade_domain::hr::EmploymentStatus;
use snitflade_domain::quotas::{Balance, HolidayYear, balances};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::hr;
use snitflade_store::time_data::TimeData;

use crate::StoreArgs;

/// The width of every line.
pub const LINE_WIDTH: usize = 77;

#[derive(clap::Args)]
pub struct ExportFerieArgs {
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The municipality's code (e.g. 0340 or 340).
    #[arg(long, value_parser = crate::zlpe::parse_municipality)]
    municipality: Kommunekode,
    /// The file to write [default: standard output].
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The balances as of this day, yyyy-MM-dd [default: today].
    #[arg(long)]
    date: Option<Date>,
}

/// One employee line's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FerieLine {
    pub pernr: Pernr,
    pub cpr: String,
    pub ekstraciffer: u8,
    pub year: i16,
    pub municipality: Kommunekode,
    pub earned_days: Decimal,
    pub hours_left: Decimal,
    pub days_left: Decimal,
    pub hours_used: Decimal,
    pub days_used: Decimal,
    pub transferred_hours: Decimal,
    pub sixth_week_days_left: Decimal,
    pub sixth_week_hours_left: Decimal,
}

/// A number in hundredths, six wide: `003700`, `-00740`; out of range values saturate.
fn hundredths(d: Decimal) -> String {
    let n = (d * Decimal::from(100)).round();
    let n = i64::try_from(n).unwrap_or(if d.is_sign_negative() { -99_999 } else { 999_999 });
    if n < 0 {
        format!("-{:05}", (-n).min(99_999))
    } else {
        format!("{:06}", n.min(999_999))
    }
}

/// The header line.
pub fn header(date: Date, municipality: Kommunekode) -> String {
    format!("FERIE{date}{municipality}{:58}", "")
}

impl FerieLine {
    pub fn render(&self) -> String {
        let pernr = self.pernr.to_string();
        let line = format!(
            "1{pernr}{cpr}{extra} {year:04}{m}{a}{b}{c}{d}{e}{f}{g}{h}",
            cpr = self.cpr,
            extra = self.ekstraciffer % 10,
            year = self.year,
            m = self.municipality,
            a = hundredths(self.earned_days),
            b = hundredths(self.hours_left),
            c = hundredths(self.days_left),
            d = hundredths(self.hours_used),
            e = hundredths(self.days_used),
            f = hundredths(self.transferred_hours),
            g = hundredths(self.sixth_week_days_left),
            h = hundredths(self.sixth_week_hours_left),
        );
        debug_assert_eq!(line.len(), LINE_WIDTH, "{line}");
        line
    }
}

/// The lines of one employee: one per holiday year open on `date` that has holiday or 6th-week days.
pub fn lines_of(data: &TimeData, date: Date) -> Vec<FerieLine> {
    let all: Vec<Balance> = balances(&data.current_quota_input(), date);
    let day_hours = data.schedules.pattern_on(date).average_day_hours();
    let find = |kind: QuotaKind, year: i16| all.iter().find(|b| b.key.kind == kind && b.key.year == year);
    let e = &data.employment;
    HolidayYear::open_on(date)
        .into_iter()
        .filter_map(|y| {
            let holiday = find(QuotaKind::Holiday, y.start);
            let sixth = find(QuotaKind::SixthWeek, y.start);
            if holiday.is_none() && sixth.is_none() {
                return None;
            }
            let zero = Decimal::ZERO;
            let days_left = holiday.map_or(zero, Balance::remaining);
            let sixth_left = sixth.map_or(zero, Balance::remaining);
            Some(FerieLine {
                pernr: e.pernr,
                cpr: e.cpr.expose().to_owned(),
                ekstraciffer: e.ekstraciffer,
                year: y.start,
                municipality: e.municipality,
                earned_days: holiday.map_or(zero, |b| b.accrued),
                hours_left: days_left * day_hours,
                days_left,
                hours_used: holiday.map_or(zero, |b| b.used_hours),
                days_used: holiday.map_or(zero, |b| b.used),
                transferred_hours: holiday.map_or(zero, |b| b.transferred_in) * day_hours,
                sixth_week_days_left: sixth_left,
                sixth_week_hours_left: sixth_left * day_hours,
            })
        })
        .collect()
}

pub async fn export(args: ExportFerieArgs) -> Result<ExitCode> {
    let date = args.date.unwrap_or_else(|| jiff::Zoned::now().date());
    let store = args.store.open().await?;
    let result = write_file(&store, args.municipality, date, args.out.as_ref()).await;
    store.close().await;
    let (employees, lines) = result.with_context(|| format!("exporting FERIE for {}", args.municipality))?;
    if let Some(out) = &args.out {
        eprintln!(
            "wrote {}: {employees} employees, {lines} lines, balances as of {date}",
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn write_file(
    store: &snitflade_store::Store,
    municipality: Kommunekode,
    date: Date,
    out: Option<&PathBuf>,
) -> Result<(usize, usize)> {
    let mut text = header(date, municipality);
    text.push('\n');
    let (mut employees, mut lines) = (0, 0);
    for pernr in hr::employment_numbers_with_status(store.pool(), municipality, EmploymentStatus::Active).await? {
        let Some(data) = TimeData::read(store.pool(), municipality, pernr).await? else {
            continue;
        };
        let employed = data.employment.entry_date.is_none_or(|d| d <= date)
            && data.employment.leave_date.is_none_or(|d| d >= date);
        if !employed {
            continue;
        }
        employees += 1;
        for line in lines_of(&data, date) {
            text.push_str(&line.render());
            text.push('\n');
            lines += 1;
        }
    }
    match out {
        Some(path) => {
            let tmp = path.with_extension("tmp");
            std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("renaming to {}", path.display()))?;
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    Ok((employees, lines))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn lines_have_the_documented_layout() {
        let m = Kommunekode::parse("0340").unwrap();
        let h = header(jiff::civil::date(2026, 11, 22), m);
        assert_eq!(h.len(), LINE_WIDTH);
        assert_eq!(&h[5..15], "2026-11-22");
        let line = FerieLine {
            pernr: Pernr::parse("110").unwrap(),
            cpr: "0305861234".into(),
            ekstraciffer: 0,
            year: 2025,
            municipality: m,
            earned_days: dec("25"),
            hours_left: dec("148.00"),
            days_left: dec("20"),
            hours_used: dec("37"),
            days_used: dec("5"),
            transferred_hours: dec("37.00"),
            sixth_week_days_left: dec("5"),
            sixth_week_hours_left: dec("-7.4"),
        }
        .render();
        assert_eq!(line.len(), LINE_WIDTH);
        assert_eq!(&line[1..9], "00000110");
        assert_eq!(&line[9..19], "0305861234");
        assert_eq!(&line[19..20], "0");
        assert_eq!(&line[21..25], "2025");
        assert_eq!(&line[35..41], "014800");
        assert_eq!(&line[59..65], "003700");
        assert_eq!(&line[71..77], "-00740");
    }
}
