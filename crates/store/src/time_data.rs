//! An employee's time data as the absence, quota and schedule services need it, read in one go (inside a
//! write, so the rules see exactly what the write will change): the employment, the municipality's absence
//! types, the schedules, the current absences, the children and the holiday transfers; and the quota rules' input
//! built from them.

use crate::absence::{self, StoredAbsence};
use crate::holiday_transfers::{self, StoredTransfer};
use crate::schedules::{self, StoredSchedule};
use crate::{Result, hr};
use snitflade_domain::absence::{Absence, AbsenceType};
use snitflade_domain::hr::{Child, Employment, OPEN_START};
use snitflade_domain::quotas::{EmploymentPeriod, QuotaInput, Usage};
use snitflade_domain::schedule::{Schedules, day_costs};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::{AnyConnection, AnyPool};

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
        let Some(stored) = hr::employment(&mut *c, municipality, pernr).await? else {
            return Ok(None);
        };
        let catalogue = absence::catalogue(&mut *c, municipality).await?;
        let stored_schedules = schedules::current_schedules(&mut *c, municipality, pernr).await?;
        let schedules = Schedules::new(stored_schedules.iter().map(|s| s.schedule.clone()).collect());
        let absences = absence::current_absences(&mut *c, municipality, pernr).await?;
        let children = hr::children(&mut *c, municipality, pernr).await?;
        let transfers = holiday_transfers::of(&mut *c, municipality, pernr).await?;
        Ok(Some(Self {
            employment: stored.employment,
            catalogue,
            stored_schedules,
            schedules,
            absences,
            children,
            transfers,
        }))
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
