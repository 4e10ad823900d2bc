//! Rows the database gathers into one JSON array, so that a read of many rows — or of several tables at once —
//! costs one result row. Every row the driver returns costs a hand-off between threads (SQLite's worker) and an
//! allocation per column; a write that reads an employee's tables once per request (an absence) pays that for
//! each of dozens of rows. [`gather_sql`] turns a query's columns, `FROM … WHERE …` and order into a scalar
//! subquery giving `[[col, …], …]` (`json_group_array` on SQLite, `json_agg` on PostgreSQL); [`rows`] reads it
//! back as [`GatheredRow`]s, which a table's row parser reads through [`Fields`] exactly as it reads a driver row.

use crate::{Result, corrupt};
use serde_json::Value;
use snitflade_domain::{Kommunekode, Pernr};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::rc::Rc;

/// A row's columns by name, from the driver or from a gathered row: one parser per table serves both.
pub(crate) trait Fields {
    fn text(&self, column: &str) -> Result<String>;
    fn opt_text(&self, column: &str) -> Result<Option<String>>;
    fn int(&self, column: &str) -> Result<i64>;
}

impl Fields for AnyRow {
    fn text(&self, column: &str) -> Result<String> {
        Ok(self.try_get(column)?)
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn int(&self, column: &str) -> Result<i64> {
        Ok(self.try_get(column)?)
    }
}

/// The rows one employee has in one table, described once for both ways of reading them: by the driver
/// ([`EmployeeRows::read`]) or gathered into a subquery of a larger statement ([`EmployeeRows::gather_sql`], then
/// [`EmployeeRows::gathered`]). `row` and `gathered_row` are the table's one generic row parser, once per kind of
/// row.
pub(crate) struct EmployeeRows<T: 'static> {
    /// Plain column names, comma-separated.
    pub columns: &'static str,
    /// `table WHERE …`, with `$1` the municipality and `$2` the employee.
    pub from_where: &'static str,
    pub order: &'static str,
    pub row: fn(&AnyRow) -> Result<T>,
    pub gathered_row: fn(&GatheredRow) -> Result<T>,
}

impl<T> EmployeeRows<T> {
    /// The plain query.
    pub fn sql(&self) -> String {
        format!(
            "SELECT {} FROM {} ORDER BY {}",
            self.columns, self.from_where, self.order
        )
    }

    /// Reads the employee's rows.
    pub async fn read<'e, E>(&self, executor: E, municipality: Kommunekode, pernr: Pernr) -> Result<Vec<T>>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let rows = sqlx::query(sqlx::AssertSqlSafe(self.sql()))
            .bind(municipality.to_string())
            .bind(pernr.to_string())
            .fetch_all(executor)
            .await?;
        rows.iter().map(self.row).collect()
    }

    /// The rows as a scalar subquery of one JSON text (same parameters).
    pub fn gather_sql(&self, sqlite: bool) -> String {
        gather_sql(sqlite, self.columns, self.from_where, self.order)
    }

    /// The rows of a [`EmployeeRows::gather_sql`] subquery's text.
    pub fn gathered(&self, text: Option<&str>) -> Result<Vec<T>> {
        rows(text, self.columns, self.gathered_row)
    }
}

/// A scalar subquery gathering `columns` (a comma-separated list of plain column names) of the rows of
/// `from_where` (`table WHERE …`), in `order`, into one JSON text: an array of arrays, `[]` or NULL when there are
/// none.
pub(crate) fn gather_sql(sqlite: bool, columns: &str, from_where: &str, order: &str) -> String {
    if sqlite {
        format!("(SELECT json_group_array(json_array({columns}) ORDER BY {order}) FROM {from_where})")
    } else {
        format!("(SELECT json_agg(json_build_array({columns}) ORDER BY {order})::text FROM {from_where})")
    }
}

/// One gathered row: its values in the order of the gathering's column list.
pub(crate) struct GatheredRow {
    /// The column names, in the order of the list given to [`gather_sql`].
    columns: Rc<[&'static str]>,
    values: Vec<Value>,
}

impl GatheredRow {
    fn value(&self, column: &str) -> Result<&Value> {
        self.columns
            .iter()
            .position(|c| *c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| corrupt(format!("gathered row without column {column}")))
    }
}

impl Fields for GatheredRow {
    fn text(&self, column: &str) -> Result<String> {
        self.opt_text(column)?
            .ok_or_else(|| corrupt(format!("gathered column {column} is NULL")))
    }

    fn opt_text(&self, column: &str) -> Result<Option<String>> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            // The value itself stays out of the message: it may be personal data.
            _ => Err(corrupt(format!("gathered column {column} is not text"))),
        }
    }

    fn int(&self, column: &str) -> Result<i64> {
        self.value(column)?
            .as_i64()
            .ok_or_else(|| corrupt(format!("gathered column {column} is not an integer")))
    }
}

/// The rows of a [`gather_sql`] subquery's text (NULL: none), each read by `parse`.
pub(crate) fn rows<T>(
    gathered: Option<&str>,
    columns: &'static str,
    parse: impl Fn(&GatheredRow) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(text) = gathered else {
        return Ok(Vec::new());
    };
    let names: Rc<[&'static str]> = columns.split(',').map(str::trim).collect();
    let values: Vec<Vec<Value>> = serde_json::from_str(text).map_err(corrupt)?;
    values
        .into_iter()
        .map(|values| {
            if values.len() != names.len() {
                return Err(corrupt(format!(
                    "gathered row of {} values for {} columns",
                    values.len(),
                    names.len()
                )));
            }
            parse(&GatheredRow {
                columns: names.clone(),
                values,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathered_rows_read_by_name() {
        let got = rows(Some(r#"[["a", 1, null], ["b", 2, "x"]]"#), "name, n, note", |r| {
            Ok((r.text("name")?, r.int("n")?, r.opt_text("note")?))
        })
        .unwrap();
        assert_eq!(got, vec![("a".into(), 1, None), ("b".into(), 2, Some("x".into()))]);
        assert!(rows(None, "name", |r| r.text("name")).unwrap().is_empty());
    }

    #[test]
    fn a_wrong_shape_is_corrupt_not_a_panic() {
        assert!(rows(Some(r#"[["a"]]"#), "name, n", |r| r.text("name")).is_err());
        assert!(rows(Some(r#"[[1]]"#), "name", |r| r.text("name")).is_err());
        assert!(rows(Some(r#"[[null]]"#), "name", |r| r.text("name")).is_err());
        assert!(rows(Some(r#"[["x"]]"#), "n", |r| r.int("n")).is_err());
        assert!(rows(Some("{"), "n", |r| r.int("n")).is_err());
        let Err(e) = rows(Some("[[1505751234]]"), "cpr", |r| r.text("cpr")) else {
            panic!("a number is not text");
        };
        assert!(!e.to_string().contains("1505751234"), "no value in the message: {e}");
    }
}
