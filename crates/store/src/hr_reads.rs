//! Narrow reads of the HR master data for the read interfaces (Medarbejderoplysninger), where `hr` has only
//! the whole-object form: here just the columns an answer needs.

use crate::Result;
use snitflade_domain::Kommunekode;
use sqlx::{AnyPool, Row};
use std::collections::HashMap;

/// A municipality's org-unit tree as `unit id → parent id` (without parsing the units' data).
pub async fn org_unit_parents(pool: &AnyPool, municipality: Kommunekode) -> Result<HashMap<String, Option<String>>> {
    let rows = sqlx::query("SELECT id, parent FROM org_units WHERE municipality = $1")
        .bind(municipality.to_string())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get::<String, _>("id")?, r.try_get::<Option<String>, _>("parent")?)))
        .collect()
}
