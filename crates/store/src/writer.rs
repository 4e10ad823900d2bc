//! The single writer: one task owns the write connection and commits queued writes in batches (group commit).
//!
//! Each queued write runs inside a savepoint of the batch's transaction, so one failing write does not undo the
//! others; its caller is answered after `COMMIT` returns, never before.

use crate::db::Engine;
use crate::{Result, StoreError};
use sqlx::{AnyConnection, Executor};
use std::future::Future;
use std::pin::Pin;
use tokio::sync::{mpsc, oneshot};

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a job hands back after running: whether it succeeded, and how to answer its caller once the batch's
/// fate is known.
type Finish = Box<dyn FnOnce(Result<()>) + Send>;
type Job = Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, (bool, Finish)> + Send>;

enum Msg {
    Job(Job),
    Close(oneshot::Sender<()>),
}

/// Most writes committed in one transaction.
const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct Writer {
    tx: mpsc::Sender<Msg>,
}

impl Writer {
    pub fn start(conn: AnyConnection, engine: Engine) -> Self {
        let (tx, rx) = mpsc::channel(4096);
        tokio::spawn(run(conn, engine, rx));
        Self { tx }
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFuture<'c, Result<T>> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T>>();
        let job: Job = Box::new(move |conn| {
            Box::pin(async move {
                let outcome = f(conn).await;
                let ok = outcome.is_ok();
                let finish: Finish = Box::new(move |committed| {
                    let _ = reply.send(committed.and(outcome));
                });
                (ok, finish)
            })
        });
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

async fn run(mut conn: AnyConnection, engine: Engine, mut rx: mpsc::Receiver<Msg>) {
    let begin = match engine {
        Engine::Sqlite => "BEGIN IMMEDIATE",
        Engine::Postgres => "BEGIN",
    };
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    let mut closing: Option<oneshot::Sender<()>> = None;
    loop {
        match rx.recv().await {
            Some(Msg::Job(j)) => batch.push(j),
            Some(Msg::Close(done)) => closing = Some(done),
            None => break,
        }
        while batch.len() < MAX_BATCH && closing.is_none() {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Close(done)) => closing = Some(done),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            commit_batch(&mut conn, begin, &mut batch).await;
        }
        if let Some(done) = closing.take() {
            rx.close();
            while let Ok(Msg::Job(j)) = rx.try_recv() {
                batch.push(j);
            }
            if !batch.is_empty() {
                commit_batch(&mut conn, begin, &mut batch).await;
            }
            let _ = done.send(());
            break;
        }
    }
}

async fn commit_batch(conn: &mut AnyConnection, begin: &'static str, batch: &mut Vec<Job>) {
    let size = batch.len();
    let mut finishers: Vec<Finish> = Vec::with_capacity(size);
    let started = std::time::Instant::now();
    let result: Result<()> = async {
        conn.execute(begin).await?;
        for job in batch.drain(..) {
            conn.execute("SAVEPOINT w").await?;
            let (ok, finish) = job(conn).await;
            finishers.push(finish);
            if ok {
                conn.execute("RELEASE SAVEPOINT w").await?;
            } else {
                conn.execute("ROLLBACK TO SAVEPOINT w").await?;
                conn.execute("RELEASE SAVEPOINT w").await?;
            }
        }
        conn.execute("COMMIT").await?;
        Ok(())
    }
    .await;
    if let Err(e) = &result {
        tracing::error!(error = %e, batch = size, "write batch failed; rolled back");
        let _ = conn.execute("ROLLBACK").await;
    }
    metrics::histogram!("snitflade_store_batch_size").record(size as f64);
    metrics::histogram!("snitflade_store_commit_seconds").record(started.elapsed().as_secs_f64());
    for finish in finishers {
        finish(match &result {
            Ok(()) => Ok(()),
            Err(e) => Err(StoreError::Corrupt(format!("the batch was rolled back: {e}"))),
        });
    }
    // Jobs that never ran because the batch failed early are dropped; their callers get `StoreError::Closed`
    // (not committed), which they report as a retryable server error.
    batch.clear();
}
