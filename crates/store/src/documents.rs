//! Storage of Personalemappe's document metadata and of each municipality's document types. A document's row
//! is written once and never changed; its content lives in [`crate::document_files`].

use crate::hr::{date_text, parse_date};
use crate::{Result, corrupt};
use jiff::civil::Date;
use snitflade_domain::documents::{DocumentType, default_document_types};
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AnyPool, Row};

/// A document's metadata as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    pub municipality: Kommunekode,
    /// The client's id (unique within the municipality).
    pub document_id: String,
    pub pernr: Pernr,
    /// The document type and the folder it mapped to at upload.
    pub doc_type: DocumentType,
    pub title: String,
    pub file_name: String,
    /// The media type without parameters, lower case.
    pub content_type: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    pub document_date: Date,
    pub uploaded_at: String,
    /// The uploading system's name.
    pub uploaded_by: String,
}

const COLUMNS: &str = "municipality, document_id, pernr, type_key, type_text, kle, folder, title, file_name, \
     content_type, size_bytes, sha256, document_date, uploaded_at, uploaded_by";

fn from_row(r: &AnyRow) -> Result<StoredDocument> {
    Ok(StoredDocument {
        municipality: Kommunekode::parse(&r.try_get::<String, _>("municipality")?).map_err(corrupt)?,
        document_id: r.try_get("document_id")?,
        pernr: Pernr::parse(&r.try_get::<String, _>("pernr")?).map_err(corrupt)?,
        doc_type: DocumentType {
            key: r.try_get("type_key")?,
            text: r.try_get("type_text")?,
            kle: r.try_get("kle")?,
            folder: r.try_get("folder")?,
        },
        title: r.try_get("title")?,
        file_name: r.try_get("file_name")?,
        content_type: r.try_get("content_type")?,
        size: u64::try_from(r.try_get::<i64, _>("size_bytes")?).map_err(corrupt)?,
        sha256: r.try_get("sha256")?,
        document_date: parse_date(&r.try_get::<String, _>("document_date")?)?,
        uploaded_at: r.try_get("uploaded_at")?,
        uploaded_by: r.try_get("uploaded_by")?,
    })
}

/// Registers a document (its content must already be stored).
pub async fn insert_document(c: &mut AnyConnection, d: &StoredDocument) -> Result<()> {
    let sql = format!(
        "INSERT INTO documents ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(d.municipality.to_string())
        .bind(&d.document_id)
        .bind(d.pernr.to_string())
        .bind(&d.doc_type.key)
        .bind(&d.doc_type.text)
        .bind(&d.doc_type.kle)
        .bind(&d.doc_type.folder)
        .bind(&d.title)
        .bind(&d.file_name)
        .bind(&d.content_type)
        .bind(i64::try_from(d.size).map_err(corrupt)?)
        .bind(&d.sha256)
        .bind(date_text(d.document_date))
        .bind(&d.uploaded_at)
        .bind(&d.uploaded_by)
        .execute(c)
        .await?;
    Ok(())
}

/// The document a municipality knows by the client's id.
pub async fn document<'e, E>(
    executor: E,
    municipality: Kommunekode,
    document_id: &str,
) -> Result<Option<StoredDocument>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!("SELECT {COLUMNS} FROM documents WHERE municipality = $1 AND document_id = $2");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(document_id)
        .fetch_optional(executor)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Which of an employee's documents to list.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub type_key: Option<String>,
    pub kle: Option<String>,
    /// Document dates from and to (inclusive).
    pub from: Option<Date>,
    pub to: Option<Date>,
}

/// An employee's documents matching `filter`, by document date and upload time, at most `limit`.
pub async fn documents_of(
    pool: &AnyPool,
    municipality: Kommunekode,
    pernr: Pernr,
    filter: &DocumentFilter,
    limit: i64,
) -> Result<Vec<StoredDocument>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM documents WHERE municipality = $1 AND pernr = $2 AND ($3 = '' OR type_key = $3) \
         AND ($4 = '' OR kle = $4) AND document_date >= $5 AND document_date <= $6 \
         ORDER BY document_date, uploaded_at, document_id LIMIT $7"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(municipality.to_string())
        .bind(pernr.to_string())
        .bind(filter.type_key.clone().unwrap_or_default())
        .bind(filter.kle.clone().unwrap_or_default())
        .bind(filter.from.map(date_text).unwrap_or_else(|| "0000-00-00".into()))
        .bind(filter.to.map(date_text).unwrap_or_else(|| "9999-99-99".into()))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    rows.iter().map(from_row).collect()
}

// ---------------------------------------------------------------------------------------------------------------
// The document types

/// A municipality's document types (the built-in ones when it has none of its own).
pub async fn document_types<'e, E>(executor: E, municipality: Kommunekode) -> Result<Vec<DocumentType>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT catalogue FROM document_type_catalogues WHERE municipality = $1")
        .bind(municipality.to_string())
        .fetch_optional(executor)
        .await?;
    match row {
        None => Ok(default_document_types()),
        Some(r) => serde_json::from_str(&r.try_get::<String, _>("catalogue")?).map_err(corrupt),
    }
}

/// Replaces a municipality's document types (validated by the caller).
pub async fn set_document_types(
    c: &mut AnyConnection,
    municipality: Kommunekode,
    types: &[DocumentType],
    actor: &str,
    now: &str,
) -> Result<()> {
    let json = serde_json::to_string(types).map_err(corrupt)?;
    sqlx::query("DELETE FROM document_type_catalogues WHERE municipality = $1")
        .bind(municipality.to_string())
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO document_type_catalogues (municipality, catalogue, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(municipality.to_string())
    .bind(json)
    .bind(now)
    .bind(actor)
    .execute(c)
    .await?;
    Ok(())
}
