//! The end of a write batch in as few statements as the engine allows: the rows the batch's writes appended
//! ([`crate::writer::Tx::append`]), on PostgreSQL the writers' turn, and the batch's outbox events. Every statement
//! is a round trip — to PostgreSQL's server, or a hand-off to sqlx's SQLite worker thread — so all of a batch's
//! inserts go in one: on PostgreSQL the inserts before the last are data-modifying `WITH` clauses of the last one
//! (each runs exactly once, to completion); on SQLite, which has no INSERT inside `WITH`, they are statements of
//! one text, run in order in one hand-off. Every value is bound; a statement's text holds only table and column
//! names from the code and generated placeholders.
//!
//! Two parts end a statement: the outbox events (numbered from `MAX(seq)` as the statement sees it, so a second
//! chunk of events must come in a statement of its own, after the first) and the turn (the outbox's number must
//! be read by a statement that starts after the turn was taken, under READ COMMITTED).

use crate::Result;
use crate::outbox::NewEvent;
use crate::writer::Table;
use sqlx::AnyConnection;
use std::fmt::Write as _;

/// Most values bound in one multi-row INSERT.
const VALUES_PER_INSERT: usize = 1024;

/// Most events in one INSERT (8 values each).
const EVENTS_PER_INSERT: usize = 128;

/// Most values bound in one statement of several inserts (PostgreSQL takes up to 65,535 per statement; SQLite
/// 32,766 per statement of a text).
const VALUES_PER_STATEMENT: usize = 16_384;

/// The key of PostgreSQL's advisory lock the writers of several instances take turns by ("snitflade writer", as
/// eight bytes; see [`crate::writer`]).
pub(crate) const WRITE_LOCK: i64 = 0x736e_6974_7772_6974;

/// A bound value.
enum Value {
    Text(Option<String>),
    Int(i64),
}

/// One statement being built: its parts (each an INSERT or a SELECT) and their values in order.
#[derive(Default)]
struct Statement {
    parts: Vec<String>,
    values: Vec<Value>,
    /// Ended by a part that must be the last of its statement.
    ended: bool,
}

/// The statements that end a batch, built part by part and run in order by [`Tail::run`].
pub(crate) struct Tail {
    postgres: bool,
    statements: Vec<Statement>,
}

impl Tail {
    pub(crate) fn new(c: &AnyConnection) -> Tail {
        Tail {
            postgres: c.backend_name() != "SQLite",
            statements: Vec::new(),
        }
    }

    /// The statement the next part of `values` values goes into: the last one, unless it is ended or full.
    fn room(&mut self, values: usize) -> &mut Statement {
        let full = self
            .statements
            .last()
            .is_none_or(|s| s.ended || (!s.values.is_empty() && s.values.len() + values > VALUES_PER_STATEMENT));
        if full {
            self.statements.push(Statement::default());
        }
        self.statements.last_mut().expect("pushed above")
    }

    /// Inserts `rows` into `table` (multi-row INSERTs of up to [`VALUES_PER_INSERT`] values).
    pub(crate) fn rows(&mut self, table: &Table, rows: Vec<Vec<Option<String>>>) {
        let width = table.columns.len();
        let per_insert = (VALUES_PER_INSERT / width).max(1);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<Vec<Option<String>>> = rows.by_ref().take(per_insert).collect();
            let postgres = self.postgres;
            let s = self.room(chunk.len() * width);
            let values = placeholder_rows(postgres, s.values.len(), chunk.len(), width, |_| None);
            s.parts.push(format!(
                "INSERT INTO {} ({}) VALUES {values}",
                table.name,
                table.columns.join(", ")
            ));
            s.values.extend(chunk.into_iter().flatten().map(Value::Text));
        }
    }

    /// Waits for the batch's turn among the instances' writers (PostgreSQL only), at the end of its statement.
    pub(crate) fn turn(&mut self) {
        debug_assert!(self.postgres, "SQLite's BEGIN IMMEDIATE is the turn");
        let s = self.room(1);
        s.parts
            .push(format!("SELECT pg_advisory_xact_lock(${})", s.values.len() + 1));
        s.values.push(Value::Int(WRITE_LOCK));
        s.ended = true;
    }

    /// Appends `events` to the outbox, numbered after the highest sequence number the statement sees (this batch's
    /// earlier chunks included). Under the writers' turn that is the latest committed number: numbers follow commit
    /// order without gaps, and a reader following `seq` never passes an event whose transaction commits later.
    pub(crate) fn events(&mut self, events: Vec<NewEvent>, now: &str) {
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<NewEvent> = events.by_ref().take(EVENTS_PER_INSERT).collect();
            let postgres = self.postgres;
            let s = self.room(chunk.len() * 8);
            // `columnN` are the VALUES list's own column names on both engines.
            let values = placeholder_rows(postgres, s.values.len(), chunk.len(), 8, |column| {
                (column == 0).then_some("BIGINT")
            });
            s.parts.push(format!(
                "INSERT INTO outbox (seq, id, kind, interface, municipality, object_id, payload, created_at) \
                 SELECT m.last + v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
                 v.column8 FROM (SELECT COALESCE(MAX(seq), 0) AS last FROM outbox) AS m, (VALUES {values}) AS v"
            ));
            for (i, e) in chunk.into_iter().enumerate() {
                s.values.extend([
                    Value::Int(i as i64 + 1),
                    Value::Text(Some(uuid::Uuid::new_v4().to_string())),
                    Value::Text(Some(e.kind.to_owned())),
                    Value::Text(Some(e.interface.to_owned())),
                    Value::Text(e.municipality),
                    Value::Text(e.object_id),
                    Value::Text(Some(e.payload.to_string())),
                    Value::Text(Some(now.to_owned())),
                ]);
            }
            s.ended = true;
        }
    }

    /// Runs the statements in order; the first failure ends the run.
    pub(crate) async fn run(self, c: &mut AnyConnection) -> Result<()> {
        for s in self.statements {
            let sql = if s.parts.len() == 1 {
                s.parts.into_iter().next().expect("one part")
            } else if self.postgres {
                let (last, with) = s.parts.split_last().expect("parts");
                let mut sql = String::from("WITH ");
                for (i, part) in with.iter().enumerate() {
                    let _ = write!(sql, "{}w{i} AS ({part})", if i > 0 { ", " } else { "" });
                }
                sql.push(' ');
                sql.push_str(last);
                sql
            } else {
                s.parts.join("; ")
            };
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in s.values {
                q = match v {
                    Value::Text(t) => q.bind(t),
                    Value::Int(i) => q.bind(i),
                };
            }
            q.execute(&mut *c).await?;
        }
        Ok(())
    }
}

/// The placeholders of `rows` rows of `width` values, the first numbered `after + 1` on PostgreSQL (`($1, $2),
/// ($3, $4)`) and anonymous on SQLite (`(?, ?), (?, ?)`): SQLite's numbered parameters are resolved by name, with
/// a linear scan for each (sqlx looks up every parameter's name), so a statement of n numbered values costs n²
/// steps to bind; anonymous ones are bound by position. `cast(column)` casts a column's values to a type, for a
/// VALUES list whose values PostgreSQL would otherwise take as text.
pub(crate) fn placeholder_rows(
    numbered: bool,
    after: usize,
    rows: usize,
    width: usize,
    cast: impl Fn(usize) -> Option<&'static str>,
) -> String {
    let mut out = String::with_capacity(rows * width * 5);
    for i in 0..rows {
        if i > 0 {
            out.push(',');
        }
        out.push('(');
        for j in 0..width {
            if j > 0 {
                out.push_str(", ");
            }
            let cast = cast(j);
            if cast.is_some() {
                out.push_str("CAST(");
            }
            if numbered {
                let _ = write!(out, "${}", after + i * width + j + 1);
            } else {
                out.push('?');
            }
            if let Some(t) = cast {
                let _ = write!(out, " AS {t})");
            }
        }
        out.push(')');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_continue_the_statements_numbering() {
        assert_eq!(placeholder_rows(true, 0, 2, 2, |_| None), "($1, $2),($3, $4)");
        assert_eq!(placeholder_rows(true, 4, 1, 2, |_| None), "($5, $6)");
        assert_eq!(placeholder_rows(false, 4, 2, 1, |_| None), "(?),(?)");
        assert_eq!(
            placeholder_rows(true, 0, 1, 2, |c| (c == 0).then_some("BIGINT")),
            "(CAST($1 AS BIGINT), $2)"
        );
    }
}
