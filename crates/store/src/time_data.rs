//! An employee's time data as the absence, quota and schedule services need it, read in one go (inside a
//! write, so the rules see exactly what the write will change): the employment, the municipality's absence
//! types, the schedules, the current absences, the children and the holiday transfers; and the quota rules' input
//! built from them.

use crate::absence::{self, StoredAbsence};
use crate::catalogues::{self, Catalogue};
use crate::holiday_transfers::{self, StoredTransfer};
use crate::hr::StoredRecord;
use crate::schedules::{self, StoredSchedule};
use crate::{Result, hr};
use snitflade_domain::absence::{Absence, AbsenceType, default_catalogue};
use snitflade_domain::hr::{Category, Child, Employment, OPEN_START};
use snitflade_domain::quotas::{EmploymentPeriod, QuotaInput, Usage};
use snitflade_domain::schedule::{Schedules, day_costs};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::{AnyConnection, AnyPool, Row};

/// Everything the absence rules read about one employee.
#[derive(Debug, Clone)]
pub struct TimeData {
    pub employment: Employment,
    pub catalogue: Vec<AbsenceType>,
    pub stored_schedules: Vec<StoredSchedule>,
    pub schedules: Schedules,
    pub absences: Vec<StoredAbsence>,
    pub children: Vec<Child>,
    pub transfers: Vec<StoredTransfer>,
}

impl TimeData {
    /// Reads an employee's time data; `None` if the municipality has no such employment.
    pub async fn load(c: &mut AnyConnection, municipality: Kommunekode, pernr: Pernr) -> Result<Option<Self>> {
        Ok(Self::load_gathered(c, municipality, pernr, false)
            .await?
            .map(|(data, _)| data))
    }

    /// [`TimeData::load`] for a change of the employee's absences: also its current FVNV records (what the change
    /// re-derives), read in the same statement.
    pub async fn load_for_absence_change(
        c: &mut AnyConnection,
        municipality: Kommunekode,
        pernr: Pernr,
    ) -> Result<Option<(Self, Vec<StoredRecord>)>> {
        Self::load_gathered(c, municipality, pernr, true).await
    }

    /// One statement, one row: each table's rows gathered into a JSON text by the database (see
    /// [`crate::gathered`]) — six round trips and dozens of driver rows fewer per absence written.
    async fn load_gathered(
        c: &mut AnyConnection,
        municipality: Kommunekode,
        pernr: Pernr,
        with_fvnv: bool,
    ) -> Result<Option<(Self, Vec<StoredRecord>)>> {
        let sqlite = c.backend_name() == "SQLite";
        let fvnv = if with_fvnv {
            hr::gather_current_records_sql(sqlite)
        } else {
            "CAST(NULL AS TEXT)".to_owned()
        };
        let sql = format!(
            "SELECT {} AS employment, {} AS catalogue, {} AS schedules, {} AS absences, {} AS children, {} AS \
             transfers, {fvnv} AS fvnv",
            hr::EMPLOYMENT_ROWS.gather_sql(sqlite),
            catalogues::get_sql(Catalogue::Absence),
            schedules::CURRENT.gather_sql(sqlite),
            absence::CURRENT.gather_sql(sqlite),
            hr::CHILDREN.gather_sql(sqlite),
            holiday_transfers::OF.gather_sql(sqlite),
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(municipality.to_string())
            .bind(pernr.to_string());
        if with_fvnv {
            q = q.bind(Category::FravaerNaervaer.code());
        }
        let row = q.fetch_one(&mut *c).await?;
        let column = |name: &str| -> Result<Option<String>> { Ok(row.try_get::<Option<String>, _>(name)?) };
        let Some(stored) = hr::EMPLOYMENT_ROWS.gathered(column("employment")?.as_deref())?.pop() else {
            return Ok(None);
        };
        let catalogue = catalogues::parse(column("catalogue")?.as_deref())?.unwrap_or_else(default_catalogue);
        let stored_schedules = schedules::CURRENT.gathered(column("schedules")?.as_deref())?;
        let schedules = Schedules::new(stored_schedules.iter().map(|s| s.schedule.clone()).collect());
        let data = Self {
            employment: stored.employment,
            catalogue,
            stored_schedules,
            schedules,
            absences: absence::CURRENT.gathered(column("absences")?.as_deref())?,
            children: hr::CHILDREN.gathered(column("children")?.as_deref())?,
            transfers: holiday_transfers::OF.gathered(column("transfers")?.as_deref())?,
        };
        let fvnv = hr::gathered_current_records(column("fvnv")?.as_deref())?;
        Ok(Some((data, fvnv)))
    }

    /// [`TimeData::load`] on a connection of the read pool.
    pub async fn read(pool: &AnyPool, municipality: Kommunekode, pernr: Pernr) -> Result<Option<Self>> {
        let mut conn = pool.acquire().await?;
        Self::load(&mut conn, municipality, pernr).await
    }

    /// The absence type with this code, if the catalogue has it.
    pub fn absence_type(&self, code: &str) -> Option<&AbsenceType> {
        self.catalogue.iter().find(|t| t.code == code)
    }

    /// The quota rules' input with `absences` as the registered ones (the current ones, or what they would be
    /// after a change).
    pub fn quota_input<'a>(&self, absences: impl IntoIterator<Item = &'a Absence>) -> QuotaInput {
        let usages = absences
            .into_iter()
            .filter_map(|a| {
                let quota = self.absence_type(&a.type_code)?.quota?;
                Some(Usage {
                    object_id: a.object_id.clone(),
                    type_code: a.type_code.clone(),
                    quota,
                    child: (!a.additional.is_empty()).then(|| a.additional.clone()),
                    start: a.period.start,
                    end: a.period.end,
                    days: day_costs(&a.period, &self.schedules),
                })
            })
            .collect();
        QuotaInput {
            employment: EmploymentPeriod {
                entry: self.employment.entry_date.unwrap_or(OPEN_START),
                leave: self.employment.leave_date,
            },
            birth: self.employment.cpr.birth_date(),
            children: self
                .children
                .iter()
                .map(|c| (c.child_number.clone(), c.cpr.birth_date()))
                .collect(),
            usages,
            transfers: self.transfers.iter().map(|t| t.transfer.clone()).collect(),
        }
    }

    /// The quota input of the current absences.
    pub fn current_quota_input(&self) -> QuotaInput {
        self.quota_input(self.absences.iter().map(|a| &a.absence))
    }
}
