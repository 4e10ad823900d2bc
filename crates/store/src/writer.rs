//! The single writer: one task owns the write connection and commits queued writes in batches (group commit).
//!
//! A batch is first tried without savepoints (fast: each statement is a hand-off to the database). If a write in
//! it fails, the batch is rolled back and run again with one savepoint per write, so the failing write is undone
//! alone. Writes are therefore re-runnable closures (`Fn`). Every caller is answered after `COMMIT` returns, never
//! before. Events a write emits are buffered and inserted into the outbox at the end of the batch, in the same
//! transaction; so are the rows a write appends to an append-only table ([`Tx::append`]: audit entries,
//! registrations), with the rows the batch's other writes append to it — all in one statement
//! ([`crate::batch_tail`]) instead of one per write, since every statement is a round trip to the database's own
//! thread or server.
//!
//! The connection may be lost (the database restarts, the network drops). A batch that loses it before `COMMIT`
//! was sent committed nothing: it is run again once on a new connection. One that loses it while committing may or
//! may not be stored; its callers get an error (never success), and a resend is safe because every interface
//! keys its writes (EX_IDENT and the like) and answers a resend of a stored write as the first one. Without a
//! connection the writer reconnects with backoff and jitter ([`Backoff::reconnect`]); writes arriving meanwhile
//! are answered at once with [`StoreError::Unavailable`] rather than queued.
//!
//! Several instances may write to one PostgreSQL database, each with its own writer. Their batches take turns by a
//! transaction-level advisory lock (`WRITE_LOCK`), held from when a batch takes it until it commits. Every rule a
//! write checks (an overlapping absence, the current FVNV record, a quota) reads and then writes; under PostgreSQL's
//! READ COMMITTED two instances could otherwise both pass the same check (the same absence stored twice, two current
//! records). A batch with such a write takes its turn with its `BEGIN`, so the instances behave as the one writer each
//! rule was written for, with no deadlock (one lock) and no serialisation failures to retry. A write that checks no
//! rule against other writes — its only conflict a unique key the database enforces, like a machine-hours
//! registration's EX_IDENT — is submitted as *independent* ([`Writer::run_independent`]) and does not wait for the
//! turn; a batch of only such writes takes it at its end, after its appended rows and before its events go in: the
//! outbox is numbered in commit order under the same lock. SQLite needs none of it: one process serves a file ([`crate::db::ServeLock`]) and its
//! `BEGIN IMMEDIATE` already excludes other writers.

use crate::batch_tail::{Tail, WRITE_LOCK, placeholder_rows};
use crate::db::{CONNECT_TIMEOUT, Engine, is_connection_error};
use crate::outbox::NewEvent;
use crate::retry::{Backoff, RepeatLog};
use crate::{Result, StoreError, now_text};
use sqlx::{AnyConnection, Connection, Executor};
use std::any::Any;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The write transaction a job runs in: the connection (store functions take it as `&mut AnyConnection` through
/// deref) plus the events the job emits.
pub struct Tx {
    conn: AnyConnection,
    events: Vec<NewEvent>,
    rows: Vec<(&'static Table, Vec<Option<String>>)>,
    isolated: bool,
}

/// A table rows are appended to ([`Tx::append`]): its name and the columns a row gives, in order.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

impl Tx {
    fn new(conn: AnyConnection) -> Tx {
        Tx {
            conn,
            events: Vec::new(),
            rows: Vec::new(),
            isolated: false,
        }
    }

    /// Whether this try at the batch runs each write in a savepoint of its own: the batch's first try failed, so
    /// a write that optimistically deferred a check (e.g. [`crate::idempotency::claim_in`]) makes it now.
    pub fn isolated(&self) -> bool {
        self.isolated
    }

    /// Records an event of this write; it reaches the outbox in the same transaction, or not at all.
    pub fn emit(&mut self, event: NewEvent) {
        self.events.push(event);
    }

    /// Inserts a row into `table` (its columns' values, text or NULL) at the end of the batch, in the same
    /// transaction, together with the rows the batch's other writes append to it. For append-only tables that no
    /// write reads back within its batch; a failing insert fails the write that appended the row, as a statement
    /// of its own would.
    pub fn append(&mut self, table: &'static Table, row: Vec<Option<String>>) {
        debug_assert_eq!(row.len(), table.columns.len(), "a row of {}", table.name);
        self.rows.push((table, row));
    }
}

/// The placeholders of `rows` rows of `width` values for `c`'s engine: `(?, ?), (?, ?)` on SQLite and
/// `($1, $2), ($3, $4)` on PostgreSQL (see [`placeholder_rows`] for why SQLite's are anonymous).
pub(crate) fn placeholders(c: &AnyConnection, rows: usize, width: usize) -> String {
    placeholder_rows(c.backend_name() != "SQLite", 0, rows, width, |_| None)
}

/// `n` parameters for `c`'s engine, one per value in the order they are bound: `$1`… on PostgreSQL, `?` on SQLite
/// (see [`placeholders`]).
pub(crate) fn parameters(c: &AnyConnection, n: usize) -> Vec<String> {
    let numbered = c.backend_name() != "SQLite";
    (1..=n)
        .map(|i| if numbered { format!("${i}") } else { "?".to_owned() })
        .collect()
}

/// Inserts `rows` into `table` now, in one statement (or as few as the values allow).
pub async fn insert_rows(c: &mut AnyConnection, table: &Table, rows: &[Vec<Option<String>>]) -> Result<()> {
    insert_tables(c, vec![(table, rows.to_vec())]).await
}

/// Inserts rows into several tables at once, in as few statements as the engine allows (one, unless there are
/// thousands of values), table by table in the order given.
pub(crate) async fn insert_tables(
    c: &mut AnyConnection,
    tables: Vec<(&Table, Vec<Vec<Option<String>>>)>,
) -> Result<()> {
    let mut tail = Tail::new(c);
    for (table, rows) in tables {
        tail.rows(table, rows);
    }
    tail.run(c).await
}

/// Adds the rows appended so far to `tail`, table by table in the order the tables were first appended to.
fn take_rows(tx: &mut Tx, tail: &mut Tail) {
    let mut by_table: Vec<(&'static Table, Vec<Vec<Option<String>>>)> = Vec::new();
    for (table, row) in std::mem::take(&mut tx.rows) {
        match by_table.iter_mut().find(|(t, _)| std::ptr::eq(*t, table)) {
            Some((_, rows)) => rows.push(row),
            None => by_table.push((table, vec![row])),
        }
    }
    for (table, rows) in by_table {
        tail.rows(table, rows);
    }
}

/// Inserts the rows appended so far.
async fn flush_rows(tx: &mut Tx) -> Result<()> {
    let mut tail = Tail::new(&tx.conn);
    take_rows(tx, &mut tail);
    tail.run(&mut tx.conn).await
}

impl Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// What a write produces, type-erased for the queue.
type Outcome = Result<Box<dyn Any + Send>>;

/// Runs a write in the current transaction.
type Run = Box<dyn for<'c> Fn(&'c mut Tx) -> BoxFuture<'c, Outcome> + Send + Sync>;

/// A queued write: how to run it (possibly more than once, see the module comment) and how to answer its caller.
struct Job {
    run: Run,
    reply: Box<dyn FnOnce(Outcome) + Send>,
    /// Checks no rule against other writes: runs without waiting for other instances' turns (see the module).
    independent: bool,
}

enum Msg {
    Job(Job),
    Close(oneshot::Sender<()>),
}

/// Opens and prepares a connection (settings; with `true`, the first time, also the migrations).
pub type Connect = Box<dyn Fn(bool) -> BoxFuture<'static, Result<AnyConnection>> + Send>;

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 256;

/// The longest the check of a connection after a failed batch may take.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
    /// Changes each time a batch with outbox events has committed ([`Writer::events_committed`]).
    committed: watch::Receiver<u64>,
}

impl Writer {
    /// Starts the writer on a thread of its own (so its many short awaits never queue behind request handling),
    /// with a connection that `connect(true)` opens and prepares there (e.g. runs the migrations); after a lost
    /// connection it opens a new one with `connect(false)`.
    pub async fn start(engine: Engine, connect: Connect) -> Result<Self> {
        let (tx, rx) = mpsc::channel(4096);
        let (committed_tx, committed) = watch::channel(0);
        let (ready_tx, ready_rx) = oneshot::channel::<Result<()>>();
        std::thread::Builder::new()
            .name("snitflade-writer".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = ready_tx.send(Err(StoreError::Corrupt(format!("writer runtime: {e}"))));
                        return;
                    }
                };
                runtime.block_on(async move {
                    let conn = match connect(true).await {
                        Ok(c) => c,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    Task {
                        tx: Some(Tx::new(conn)),
                        begin: match engine {
                            Engine::Sqlite => "BEGIN IMMEDIATE",
                            Engine::Postgres => "BEGIN",
                        },
                        connect,
                        rx,
                        backoff: Backoff::reconnect(),
                        log: RepeatLog::new("writing to the database"),
                        lost: String::new(),
                        committed: committed_tx,
                    }
                    .run()
                    .await;
                });
            })
            .map_err(|e| StoreError::Corrupt(format!("starting the writer thread: {e}")))?;
        ready_rx.await.map_err(|_| StoreError::Closed)??;
        Ok(Self { tx, committed })
    }

    /// Changes each time a batch that inserted outbox events has committed in this process: what the event router
    /// waits on, so that an event is routed as soon as it is stored rather than at the next poll. Other instances'
    /// events are not seen here (they are found by polling).
    pub fn events_committed(&self) -> watch::Receiver<u64> {
        self.committed.clone()
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Tx) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        self.submit(f, false).await
    }

    /// [`Writer::run`] for a write that checks no rule against other writes (see the module's documentation): on
    /// PostgreSQL it does not wait for other instances' writers.
    pub async fn run_independent<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Tx) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        self.submit(f, true).await
    }

    async fn submit<T, F>(&self, f: F, independent: bool) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> Fn(&'c mut Tx) -> BoxFuture<'c, Result<T>> + Send + Sync + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job = Job {
            run: Box::new(move |tx| {
                let write = f(tx);
                Box::pin(async move { write.await.map(|t| Box::new(t) as Box<dyn Any + Send>) })
            }),
            reply: Box::new(move |outcome| {
                let typed = outcome.map(|b| *b.downcast::<T>().expect("a write answers with its own type"));
                let _ = reply.send(typed);
            }),
            independent,
        };
        self.tx.send(Msg::Job(job)).await.map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    /// Whether the writer task is still taking writes.
    pub fn is_running(&self) -> bool {
        !self.tx.is_closed()
    }

    pub async fn close(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// The writer task's state.
struct Task {
    /// The connection (with the batch's events); `None` while it is lost.
    tx: Option<Tx>,
    begin: &'static str,
    connect: Connect,
    rx: mpsc::Receiver<Msg>,
    backoff: Backoff,
    /// Failing batches and reconnection attempts, logged without flooding the log.
    log: RepeatLog,
    /// Why the connection was lost (for the answers while it is).
    lost: String,
    /// Told when a batch with outbox events has committed.
    committed: watch::Sender<u64>,
}

impl Task {
    async fn run(mut self) {
        let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
        let mut closing: Option<oneshot::Sender<()>> = None;
        loop {
            if self.tx.is_none() && !self.reconnect().await {
                return;
            }
            match self.rx.recv().await {
                Some(Msg::Job(j)) => batch.push(j),
                Some(Msg::Close(done)) => closing = Some(done),
                None => break,
            }
            while batch.len() < MAX_BATCH && closing.is_none() {
                match self.rx.try_recv() {
                    Ok(Msg::Job(j)) => batch.push(j),
                    Ok(Msg::Close(done)) => closing = Some(done),
                    Err(_) => break,
                }
            }
            if !batch.is_empty() {
                self.commit_batch(&mut batch).await;
            }
            if let Some(done) = closing.take() {
                self.rx.close();
                while let Ok(Msg::Job(j)) = self.rx.try_recv() {
                    batch.push(j);
                }
                if !batch.is_empty() {
                    self.commit_batch(&mut batch).await;
                }
                let _ = done.send(());
                break;
            }
        }
    }

    /// The answer to a write while there is no connection.
    fn unavailable(&self) -> StoreError {
        StoreError::Unavailable(format!("no connection to the database ({})", self.lost))
    }

    /// Waits (backoff) and connects, again and again, until connected (`true`) or closed (`false`). Writes that
    /// arrive meanwhile are answered at once with [`StoreError::Unavailable`].
    async fn reconnect(&mut self) -> bool {
        loop {
            let wait = self.backoff.next_wait();
            let connect = &self.connect;
            let attempt = async move {
                tokio::time::sleep(wait).await;
                match tokio::time::timeout(CONNECT_TIMEOUT, connect(false)).await {
                    Ok(connected) => connected,
                    Err(_) => Err(StoreError::Unavailable(format!(
                        "no connection within {} s",
                        CONNECT_TIMEOUT.as_secs()
                    ))),
                }
            };
            tokio::pin!(attempt);
            let connected = loop {
                tokio::select! {
                    connected = &mut attempt => break connected,
                    msg = self.rx.recv() => match msg {
                        Some(Msg::Job(j)) => (j.reply)(Err(self.unavailable())),
                        Some(Msg::Close(done)) => {
                            self.rx.close();
                            while let Ok(Msg::Job(j)) = self.rx.try_recv() {
                                (j.reply)(Err(self.unavailable()));
                            }
                            let _ = done.send(());
                            return false;
                        }
                        None => return false,
                    },
                }
            };
            match connected {
                Ok(conn) => {
                    self.log.succeeded();
                    self.backoff.reset();
                    self.tx = Some(Tx::new(conn));
                    return true;
                }
                Err(e) => {
                    self.log.failed(&e);
                    self.lost = e.to_string();
                }
            }
        }
    }

    /// Commits a batch and answers its callers. A batch that lost the connection before committing is run again
    /// once on a new connection; if that fails too, or the connection was lost while committing, the callers get
    /// [`StoreError::Unavailable`] and the writer reconnects.
    async fn commit_batch(&mut self, batch: &mut Vec<Job>) {
        let size = batch.len();
        let started = std::time::Instant::now();
        let mut retried = false;
        let outcome = loop {
            let Some(tx) = self.tx.as_mut() else {
                break Err(self.unavailable());
            };
            let tried = match attempt(tx, self.begin, batch, false).await {
                Tried::WriteFailed => {
                    metrics::counter!("snitflade_store_isolated_retries_total").increment(1);
                    attempt(tx, self.begin, batch, true).await
                }
                other => other,
            };
            match tried {
                Tried::Committed { outcomes, events } => {
                    if events > 0 {
                        self.committed.send_modify(|n| *n = n.wrapping_add(1));
                    }
                    break Ok(outcomes);
                }
                Tried::WriteFailed => unreachable!("an isolated attempt runs every write"),
                Tried::Failed { error, committing } => {
                    let lost = is_lost(&error) || !alive(tx).await;
                    if !lost {
                        break Err(StoreError::Corrupt(format!("the batch was rolled back: {error}")));
                    }
                    self.tx = None;
                    self.lost = error.to_string();
                    metrics::counter!("snitflade_store_connections_lost_total").increment(1);
                    if committing {
                        break Err(StoreError::Unavailable(format!(
                            "the connection was lost while committing, so the write may or may not be stored; \
                             a resend is answered as the first ({error})"
                        )));
                    }
                    if retried {
                        break Err(self.unavailable());
                    }
                    // Nothing was committed: run the batch again on a new connection, if there is one at once.
                    retried = true;
                    match tokio::time::timeout(CONNECT_TIMEOUT, (self.connect)(false)).await {
                        Ok(Ok(conn)) => {
                            tracing::warn!(error = %error, "the database connection was lost; reconnected");
                            self.tx = Some(Tx::new(conn));
                        }
                        Ok(Err(e)) => self.lost = e.to_string(),
                        Err(_) => {}
                    }
                }
            }
        };
        metrics::histogram!("snitflade_store_batch_size").record(size as f64);
        metrics::histogram!("snitflade_store_commit_seconds").record(started.elapsed().as_secs_f64());
        match outcome {
            Ok(outcomes) => {
                self.log.succeeded();
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    (job.reply)(outcome);
                }
            }
            Err(e) => {
                self.log.failed(&e);
                let message = e.to_string();
                for job in batch.drain(..) {
                    (job.reply)(Err(match &e {
                        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
                        _ => StoreError::Corrupt(message.clone()),
                    }));
                }
            }
        }
    }
}

/// Whether an error means the connection is lost (as opposed to a statement failing on a working one).
fn is_lost(e: &StoreError) -> bool {
    match e {
        StoreError::Db(e) => is_connection_error(e),
        StoreError::Unavailable(_) => true,
        _ => false,
    }
}

/// Whether the connection still answers, after a batch failed for a reason that does not say it is lost.
async fn alive(tx: &mut Tx) -> bool {
    matches!(tokio::time::timeout(PING_TIMEOUT, tx.conn.ping()).await, Ok(Ok(())))
}

/// The outcome of one try at a batch.
enum Tried {
    /// Committed; each write's own outcome, and how many outbox events the batch inserted.
    Committed { outcomes: Vec<Outcome>, events: usize },
    /// A write failed (without isolation): rolled back, to be tried again with a savepoint per write.
    WriteFailed,
    /// The batch failed as a whole (rolled back unless the connection is lost); `committing` when it failed on
    /// `COMMIT` itself, so that whether it was committed is unknown.
    Failed { error: StoreError, committing: bool },
}

/// One try at committing `batch`. Without isolation the first failing write ends the try (rolled back); with it,
/// each write runs in a savepoint and a failing one is rolled back alone.
///
/// Round trips on PostgreSQL: a batch with a rule-checking write begins and takes its turn in one (a simple query
/// of two statements), runs its writes, then inserts its appended rows and events in one statement and commits.
/// A batch of independent writes begins, inserts its rows and takes the turn in one statement, then inserts its
/// events and commits. On SQLite: `BEGIN IMMEDIATE`, the writes, the rows and events in one text, `COMMIT`.
async fn attempt(tx: &mut Tx, begin: &'static str, batch: &[Job], isolated: bool) -> Tried {
    tx.events.clear();
    tx.rows.clear();
    tx.isolated = isolated;
    let postgres = tx.conn.backend_name() != "SQLite";
    // Retried isolated, a batch takes its turn first: its rows then go in per write, and it must not hold a row
    // another instance's writer (holding the turn) waits for while it waits for the turn itself.
    let turn_first = postgres && (isolated || batch.iter().any(|job| !job.independent));
    let mut committing = false;
    let result: Result<Option<(Vec<Outcome>, usize)>> = async {
        if turn_first {
            // Only constants: one simple-query round trip.
            tx.execute(sqlx::AssertSqlSafe(format!(
                "BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})"
            )))
            .await?;
        } else {
            tx.execute(begin).await?;
        }
        let mut outcomes = Vec::with_capacity(batch.len());
        for job in batch {
            if isolated {
                tx.execute("SAVEPOINT w").await?;
            }
            let events_before = tx.events.len();
            let mut outcome = (job.run)(tx).await;
            // Isolated, each write's rows go in at once, inside its savepoint, so a failing insert is its own.
            if isolated
                && outcome.is_ok()
                && let Err(e) = flush_rows(tx).await
            {
                outcome = Err(e);
            }
            if let Err(e) = &outcome {
                if is_lost(e) {
                    return Err(StoreError::Unavailable(e.to_string()));
                }
                if !isolated {
                    return Ok(None);
                }
                tx.events.truncate(events_before);
                tx.rows.clear();
                tx.execute("ROLLBACK TO SAVEPOINT w").await?;
            }
            outcomes.push(outcome);
        }
        let events = std::mem::take(&mut tx.events);
        let inserted = events.len();
        if isolated {
            // Every write's rows are in; events failing now fail the batch.
            let mut tail = Tail::new(&tx.conn);
            tail.events(events, &now_text());
            tail.run(&mut tx.conn).await?;
        } else {
            let mut tail = Tail::new(&tx.conn);
            take_rows(tx, &mut tail);
            // A batch of independent writes takes its turn last, after its rows (which go in beside other
            // instances' batches) and before its events. Should the holder of the turn insert a unique key this
            // batch holds (a resend reaching two instances at once), the database ends the deadlock by failing one
            // of them; this one then runs again isolated, taking its turn first.
            if postgres && !turn_first {
                tail.turn();
            }
            tail.events(events, &now_text());
            if let Err(e) = tail.run(&mut tx.conn).await {
                // Which write's row failed is not known: the batch is run again isolated.
                if is_lost(&e) {
                    return Err(StoreError::Unavailable(e.to_string()));
                }
                return Ok(None);
            }
        }
        committing = true;
        tx.execute("COMMIT").await?;
        Ok(Some((outcomes, inserted)))
    }
    .await;
    tx.events.clear();
    tx.rows.clear();
    match result {
        Ok(Some((outcomes, events))) => Tried::Committed { outcomes, events },
        Ok(None) => {
            let _ = tx.execute("ROLLBACK").await;
            Tried::WriteFailed
        }
        Err(error) => {
            if !is_lost(&error) {
                let _ = tx.execute("ROLLBACK").await;
            }
            Tried::Failed { error, committing }
        }
    }
}
