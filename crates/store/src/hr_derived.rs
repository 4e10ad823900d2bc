//! The data categories Medarbejderoplysninger shows but other services own: Moedetidsplan (MTP) mirrors the
//! employee's work schedules and Fravaer-Naervaer (FVNV) the registered absences, costed under the schedules.
//! Every write that changes schedules or absences re-derives them in the same transaction; only records that
//! actually change get a new registration, so the category history stays meaningful. Like every category of an
//! ended employment, they end on its leave date (what starts after it is not shown).

use crate::hr::{RECORDS, StoredRecord, close_record, record_row, replace_category, replacement};
use crate::time_data::TimeData;
use crate::writer::{Table, insert_tables};
use crate::{Result, absence, corrupt, schedules};
use jiff::civil::Date;
use rust_decimal::Decimal;
use snitflade_domain::absence::AbsenceType;
use snitflade_domain::hr::{Category, CategoryRecord};
use snitflade_domain::schedule::{Schedules, WorkSchedule, cost};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::AnyConnection;

const WHOLE_DAY: &str = "00:00:00";

fn hours_text(h: Decimal) -> String {
    let mut h = h.round_dp(2);
    h.rescale(2);
    h.to_string()
}

/// The MTP record of one schedule: type, text, weekly hours and the first working day's times.
pub fn schedule_record(s: &WorkSchedule) -> Result<CategoryRecord> {
    let first = s.pattern.days.iter().find(|d| d.hours > Decimal::ZERO);
    let time = |t: Option<jiff::civil::Time>| t.map_or(WHOLE_DAY.to_owned(), |t| t.strftime("%H:%M:%S").to_string());
    CategoryRecord::new(
        Category::Moedetidsplan,
        s.valid_from,
        s.valid_to,
        [
            ("Arbejdstidstype", s.kind.clone()),
            ("Arbejdstidstypetekst", s.text.clone()),
            ("Arbejdstid", hours_text(s.pattern.weekly_hours())),
            ("Starttid", time(first.and_then(|d| d.start))),
            ("Sluttid", time(first.and_then(|d| d.end))),
        ],
    )
    .map_err(corrupt)
}

/// Re-derives an employee's MTP records from its current schedules. Returns whether anything changed.
pub async fn sync_schedule_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    actor: &str,
    now: &str,
) -> Result<bool> {
    let leave = leave_date(c, municipality, pernr).await?;
    let wanted = schedules::current_schedules(&mut *c, municipality, pernr)
        .await?
        .iter()
        .map(|s| schedule_record(&s.schedule))
        .collect::<Result<Vec<_>>>()?;
    let wanted = until(wanted, leave)?;
    replace_category(c, municipality, pernr, Category::Moedetidsplan, &wanted, actor, now).await
}

/// Re-derives an employee's FVNV records from its current absences, costed under its current schedules.
/// Returns whether anything changed (never for a number without an employment: it has no absences).
pub async fn sync_absence_records(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    actor: &str,
    now: &str,
) -> Result<bool> {
    let Some((data, current)) = TimeData::load_for_absence_change(c, municipality, pernr).await? else {
        return Ok(false);
    };
    let known = Known {
        schedules: &data.schedules,
        catalogue: &data.catalogue,
        leave: data.employment.leave_date,
        current: &current,
    };
    let after = data.absences.iter().map(|a| &a.absence);
    write_absence_change(c, municipality, pernr, &known, None, None, after, actor, now).await
}

/// What [`write_absence_change`] needs to know of the employee besides the absences, as the caller has read
/// it already in the same transaction ([`TimeData::load_for_absence_change`]).
pub struct Known<'a> {
    pub schedules: &'a Schedules,
    pub catalogue: &'a [AbsenceType],
    /// The employment's leave date, if it has ended.
    pub leave: Option<Date>,
    /// The current FVNV records (before the change).
    pub current: &'a [StoredRecord],
}

/// The writes of a change of one employee's absences, in as few statements as the engine allows. `close` ends a
/// registration (MOD, DEL) and `insert` registers an absence (INS, MOD); the FVNV records are re-derived from
/// `after` — the absences as they are after the change — against `known`, read by the caller in the same
/// transaction ([`TimeData::load_for_absence_change`]), without reading the employee's tables again. Each closing is
/// a statement of its own (it must end exactly one current row); the inserts, the absence's and the new FVNV
/// records', go in one. Returns whether the FVNV records changed.
#[allow(clippy::too_many_arguments)]
pub async fn write_absence_change<'a>(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    known: &Known<'_>,
    close: Option<&str>,
    insert: Option<&snitflade_domain::absence::Absence>,
    after: impl Iterator<Item = &'a snitflade_domain::absence::Absence>,
    actor: &str,
    now: &str,
) -> Result<bool> {
    let wanted = after
        .map(|a| absence_record(a, known.schedules, known.catalogue))
        .collect::<Result<Vec<_>>>()?;
    let wanted = until(wanted, known.leave)?;
    let (closed, inserted) = replacement(known.current, &wanted);
    if let Some(id) = close {
        absence::close_absence(c, id, now).await?;
    }
    for id in &closed {
        close_record(c, id, now).await?;
    }
    let mut rows: Vec<(&'static Table, Vec<Vec<Option<String>>>)> = Vec::new();
    if let Some(a) = insert {
        rows.push((
            &absence::ABSENCES,
            vec![absence::absence_row(municipality, pernr, a, now)],
        ));
    }
    let records = inserted
        .iter()
        .map(|r| record_row(municipality, pernr, r, actor, now))
        .collect::<Result<Vec<_>>>()?;
    rows.push((&RECORDS, records));
    insert_tables(c, rows).await?;
    Ok(!closed.is_empty() || !inserted.is_empty())
}

/// The employment's leave date, if it has ended.
async fn leave_date(c: &mut AnyConnection, municipality: Kommunekode, pernr: Pernr) -> Result<Option<Date>> {
    Ok(crate::hr::employment(&mut *c, municipality, pernr)
        .await?
        .and_then(|e| e.employment.leave_date))
}

/// Records cut at `leave` (SAP's delimiting): ended on it, or left out when they start after it.
fn until(records: Vec<CategoryRecord>, leave: Option<Date>) -> Result<Vec<CategoryRecord>> {
    let Some(leave) = leave else {
        return Ok(records);
    };
    records
        .into_iter()
        .filter(|r| r.valid_from <= leave)
        .map(|r| {
            if r.valid_to > leave {
                r.with_validity(r.valid_from, leave).map_err(corrupt)
            } else {
                Ok(r)
            }
        })
        .collect()
}

/// The FVNV record of one absence.
pub fn absence_record(
    a: &snitflade_domain::absence::Absence,
    schedules: &Schedules,
    catalogue: &[AbsenceType],
) -> Result<CategoryRecord> {
    let c = cost(&a.period, schedules);
    let text = catalogue
        .iter()
        .find(|t| t.code == a.type_code)
        .map_or_else(|| a.type_code.clone(), |t| t.text.clone());
    let time = |t: Option<jiff::civil::Time>| t.map_or(WHOLE_DAY.to_owned(), |t| t.strftime("%H:%M:%S").to_string());
    CategoryRecord::new(
        Category::FravaerNaervaer,
        a.period.start,
        a.period.end,
        [
            ("FravaersNaervaersart", a.type_code.clone()),
            ("FravaersNaervaerstekst", text),
            ("FravaersNaervaerstimer", hours_text(c.hours)),
            ("FravaersNaervaersdage", c.days.normalize().to_string()),
            ("Starttid", time(a.period.start_time)),
            ("Sluttid", time(a.period.end_time)),
        ],
    )
    .map_err(corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use snitflade_domain::absence::{Absence, default_catalogue};
    use snitflade_domain::schedule::AbsencePeriod;

    #[test]
    fn a_week_of_holiday_as_fvnv() {
        let a = Absence {
            object_id: "x".into(),
            type_code: "FE".into(),
            period: AbsencePeriod {
                start: date(2026, 7, 6),
                end: date(2026, 7, 10),
                start_time: None,
                end_time: None,
            },
            additional: String::new(),
            registered_by: "t".into(),
        };
        let r = absence_record(&a, &Schedules::default(), &default_catalogue()).unwrap();
        assert_eq!(r.get("FravaersNaervaerstekst"), Some("Ferie"));
        assert_eq!(r.get("FravaersNaervaerstimer"), Some("37.00"));
        assert_eq!(r.get("FravaersNaervaersdage"), Some("5"));
        assert_eq!(r.get("Starttid"), Some("00:00:00"));
    }

    #[test]
    fn records_end_on_the_leave_date() {
        let s = WorkSchedule::standard(date(2020, 1, 1), date(9999, 12, 31));
        let late = WorkSchedule::standard(date(2026, 1, 1), date(9999, 12, 31));
        let records = vec![schedule_record(&s).unwrap(), schedule_record(&late).unwrap()];
        let cut = until(records.clone(), Some(date(2025, 6, 30))).unwrap();
        assert_eq!(cut.len(), 1);
        assert_eq!(cut[0].valid_to, date(2025, 6, 30));
        assert_eq!(until(records.clone(), None).unwrap(), records);
    }

    #[test]
    fn the_standard_schedule_as_mtp() {
        let r = schedule_record(&WorkSchedule::standard(date(2026, 1, 1), date(9999, 12, 31))).unwrap();
        assert_eq!(r.get("Arbejdstid"), Some("37.00"));
        assert_eq!(r.get("Starttid"), Some("08:00:00"));
        assert_eq!(r.get("Sluttid"), Some("15:24:00"));
    }
}
