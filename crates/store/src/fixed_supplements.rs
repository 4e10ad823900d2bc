//! Storage of fixed supplements (Faste tillæg). A supplement is never updated in place: a change closes its
//! current registration and inserts the new one under the same `supplement_id`; a deletion only closes it.

use crate::hr::{date_text, parse_date};
use crate::onetime::decimal;
use crate::{Result, corrupt};
use snitflade_domain::fixed::{FixedSupplement, Frequency};
use snitflade_domain::payroll::value_text;
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

/// A current registration of a supplement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSupplement {
    /// The registration's row id.
    pub id: String,
    /// The supplement's id across changes.
    pub supplement_id: String,
    pub pernr: Pernr,
    pub supplement: FixedSupplement,
}

/// Inserts a registration of `supplement_id`; answers its row id.
pub async fn insert(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    pernr: Pernr,
    supplement_id: &str,
    s: &FixedSupplement,
    actor: &str,
    now: &str,
) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO fixed_supplements (id, supplement_id, municipality, pernr, wage_type, amount, quantity, \
         frequency, valid_from, valid_to, cost_centre, psp_element, text, registered_from, registered_to, \
         registered_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, $15)",
    )
    .bind(&id)
    .bind(supplement_id)
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(&s.wage_type)
    .bind(s.amount.map(value_text))
    .bind(s.quantity.map(value_text))
    .bind(s.frequency.code())
    .bind(date_text(s.valid_from))
    .bind(date_text(s.valid_to))
    .bind(s.cost_centre.clone())
    .bind(s.psp_element.clone())
    .bind(&s.text)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(id)
}

/// Ends the current registration `id` (a change or a deletion of the supplement).
pub async fn close(c: &mut AnyConnection, id: &str, now: &str) -> Result<()> {
    crate::hr::close_registration(c, crate::hr::Registrations::FixedSupplements, id, now).await
}

/// The query of [`current`].
pub(crate) const CURRENT_SQL: &str = "SELECT id, supplement_id, pernr, wage_type, amount, quantity, frequency, \
     valid_from, valid_to, cost_centre, psp_element, text FROM fixed_supplements \
     WHERE municipality = $1 AND pernr = $2 AND registered_to IS NULL ORDER BY valid_from, wage_type, id";

/// An employee's current supplements, by start date and wage type.
pub async fn current<'e, E>(executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<StoredSupplement>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(CURRENT_SQL)
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .fetch_all(executor)
        .await?;
    rows.iter().map(from_row).collect()
}

fn from_row(r: &AnyRow) -> Result<StoredSupplement> {
    let frequency: String = r.try_get("frequency")?;
    Ok(StoredSupplement {
        id: r.try_get("id")?,
        supplement_id: r.try_get("supplement_id")?,
        pernr: Pernr::parse(&r.try_get::<String, _>("pernr")?).map_err(corrupt)?,
        supplement: FixedSupplement {
            wage_type: r.try_get("wage_type")?,
            amount: decimal(r, "amount")?,
            quantity: decimal(r, "quantity")?,
            frequency: Frequency::parse(&frequency).ok_or_else(|| corrupt(format!("frequency '{frequency}'")))?,
            valid_from: parse_date(&r.try_get::<String, _>("valid_from")?)?,
            valid_to: parse_date(&r.try_get::<String, _>("valid_to")?)?,
            cost_centre: r.try_get("cost_centre")?,
            psp_element: r.try_get("psp_element")?,
            text: r.try_get("text")?,
        },
    })
}
