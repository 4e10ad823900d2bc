//! The queries of today's state use the partial indexes of the current registrations (migration 0025), checked
//! with SQLite's `EXPLAIN QUERY PLAN` on a migrated database: with the full indexes they would visit every closed
//! registration of the employee too, and slow down as history grows.

#[cfg(test)]
mod tests {
    use crate::Store;
    use sqlx::Row;

    /// SQLite's plan of `sql` (its `$n` bound to text), one line per step.
    async fn plan(store: &Store, sql: &str) -> String {
        let params = sql.matches('$').count();
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
        for _ in 0..params {
            q = q.bind("0");
        }
        q.fetch_all(store.pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>("detail").unwrap())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn todays_state_is_read_through_the_current_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::db::sqlite_url_in(dir.path())).await.unwrap();
        for (sql, index) in [
            (crate::absence::CURRENT.sql(), "absences_current"),
            (
                // The period read of named employees (the municipality-wide one reads a week or a month by date,
                // through the full period index: closed rows of that span only).
                format!(
                    "{} AND pernr IN ($4, $5) ORDER BY pernr, start_date",
                    crate::absence::period_sql()
                ),
                "absences_current",
            ),
            (crate::schedules::CURRENT.sql(), "work_schedules_current"),
            (
                crate::fixed_supplements::CURRENT_SQL.to_owned(),
                "fixed_supplements_current",
            ),
            (crate::hr::current_records_sql(), "employee_records_current"),
        ] {
            let plan = plan(&store, &sql).await;
            assert!(plan.contains(&format!("USING INDEX {index} ")), "{sql}\n{plan}");
        }
        store.close().await;
    }
}
