//! Storage of registered one-time payments (Engangsydelser and IND01): inserted in batches inside the caller's
//! write, read back by employee and period. A payment's key (employee, wage type, start date, sequence number)
//! is unique, so a race between two writers cannot register the same payment twice.

use crate::hr::{date_text, parse_date, rows_per_statement};
use crate::{Result, corrupt};
use jiff::civil::Date;
use rust_decimal::Decimal;
use snitflade_domain::onetime::{OneTimePayment, PaymentKey};
use snitflade_domain::payroll::value_text;
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashSet;

/// A registered payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPayment {
    /// The payment's `Objekt_id`.
    pub id: String,
    pub payment: OneTimePayment,
    /// `api` or `ind01`.
    pub source: String,
    pub registered_at: String,
}

/// Who registers a batch of payments for one employee, and how they arrived.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    pub municipality: Kommunekode,
    pub pernr: Pernr,
    pub system_id: &'a str,
    /// `api` or `ind01`.
    pub source: &'a str,
    /// The request's OpdateringsID or the IND01 file's SHA-256.
    pub update_id: Option<&'a str>,
    pub now: &'a str,
}

const COLUMNS: usize = 18;

/// Inserts the payments of one employee; answers their new ids, in order.
pub async fn insert(c: &mut AnyConnection, r: Registration<'_>, payments: &[OneTimePayment]) -> Result<Vec<String>> {
    let ids: Vec<String> = payments.iter().map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let per = rows_per_statement(c, COLUMNS);
    for (chunk, chunk_ids) in payments.chunks(per).zip(ids.chunks(per)) {
        let values = crate::writer::placeholders(c, chunk.len(), COLUMNS);
        let sql = format!(
            "INSERT INTO onetime_payments (id, municipality, pernr, wage_type, start_date, seq, running_no, amount, \
             quantity, hourly_rate, cost_centre, psp_element, sender, remark, source, update_id, system_id, \
             registered_at) VALUES {values}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (p, id) in chunk.iter().zip(chunk_ids) {
            q = q
                .bind(id.clone())
                .bind(r.municipality.to_string())
                .bind(r.pernr.to_string())
                .bind(p.wage_type.clone())
                .bind(date_text(p.start_date))
                .bind(i64::from(p.seq))
                .bind(p.running_no)
                .bind(p.amount.map(value_text))
                .bind(p.quantity.map(value_text))
                .bind(p.hourly_rate.map(value_text))
                .bind(p.cost_centre.clone())
                .bind(p.psp_element.clone())
                .bind(p.sender.clone())
                .bind(p.remark.clone())
                .bind(r.source.to_owned())
                .bind(r.update_id.map(str::to_owned))
                .bind(r.system_id.to_owned())
                .bind(r.now.to_owned());
        }
        q.execute(&mut *c).await?;
    }
    Ok(ids)
}

/// The keys of an employee's payments with start dates in `[from, to]`.
pub async fn keys_between<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernr: Pernr,
    from: Date,
    to: Date,
) -> Result<HashSet<PaymentKey>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT wage_type, start_date, seq FROM onetime_payments \
         WHERE municipality = $1 AND pernr = $2 AND start_date >= $3 AND start_date <= $4",
    )
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(date_text(from))
    .bind(date_text(to))
    .fetch_all(executor)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PaymentKey {
                wage_type: r.try_get("wage_type")?,
                start_date: parse_date(&r.try_get::<String, _>("start_date")?)?,
                seq: u32::try_from(r.try_get::<i64, _>("seq")?).map_err(corrupt)?,
            })
        })
        .collect()
}

/// Which of `payments`' keys an employee has registered already.
pub async fn registered_keys<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernr: Pernr,
    payments: &[OneTimePayment],
) -> Result<HashSet<PaymentKey>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let dates = payments.iter().map(|p| p.start_date);
    let (Some(from), Some(to)) = (dates.clone().min(), dates.max()) else {
        return Ok(HashSet::new());
    };
    let mut keys = keys_between(executor, municipality, pernr, from, to).await?;
    let wanted: HashSet<PaymentKey> = payments.iter().map(OneTimePayment::key).collect();
    keys.retain(|k| wanted.contains(k));
    Ok(keys)
}

/// An employee's payments with start dates in `[from, to]` (either end open), by start date, wage type and
/// sequence number.
pub async fn read<'e, E>(
    executor: E,
    municipality: Kommunekode,
    pernr: Pernr,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<Vec<StoredPayment>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows = sqlx::query(
        "SELECT id, wage_type, start_date, seq, running_no, amount, quantity, hourly_rate, cost_centre, psp_element, \
         sender, remark, source, registered_at FROM onetime_payments \
         WHERE municipality = $1 AND pernr = $2 AND start_date >= $3 AND start_date <= $4 \
         ORDER BY start_date, wage_type, seq",
    )
    .bind(municipality.to_string())
    .bind(pernr.to_string())
    .bind(from.map_or_else(|| "0000-00-00".to_owned(), date_text))
    .bind(to.map_or_else(|| "9999-99-99".to_owned(), date_text))
    .fetch_all(executor)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A stored decimal column (text with two decimals), `None` when NULL.
pub(crate) fn decimal(r: &AnyRow, column: &str) -> Result<Option<Decimal>> {
    r.try_get::<Option<String>, _>(column)?
        .map(|s| {
            s.parse::<Decimal>()
                .map_err(|_| corrupt(format!("stored decimal '{s}'")))
        })
        .transpose()
}

fn from_row(r: &AnyRow) -> Result<StoredPayment> {
    Ok(StoredPayment {
        id: r.try_get("id")?,
        payment: OneTimePayment {
            wage_type: r.try_get("wage_type")?,
            start_date: parse_date(&r.try_get::<String, _>("start_date")?)?,
            running_no: r.try_get("running_no")?,
            seq: u32::try_from(r.try_get::<i64, _>("seq")?).map_err(corrupt)?,
            amount: decimal(r, "amount")?,
            quantity: decimal(r, "quantity")?,
            hourly_rate: decimal(r, "hourly_rate")?,
            cost_centre: r.try_get("cost_centre")?,
            psp_element: r.try_get("psp_element")?,
            sender: r.try_get("sender")?,
            remark: r.try_get("remark")?,
        },
        source: r.try_get("source")?,
        registered_at: r.try_get("registered_at")?,
    })
}
