//! Changes announced to the other instances on one PostgreSQL database (issue 22): a change to who may call what is
//! put into force in the process that made it, then announced with `NOTIFY snitflade_changes`; every instance
//! listens (`LISTEN`) and applies it — reloads its access table, or cuts the named certificates' connections. A
//! notification sent while an instance was not listening is lost, so the listener reloads whenever it (re)connects,
//! and the server reloads now and then anyway. SQLite serves one process: nothing to announce.

use crate::db::Engine;
use crate::{Result, Store, StoreError};

/// The channel of the notifications.
pub const CHANNEL: &str = "snitflade_changes";

/// The longest payload PostgreSQL takes is 8,000 bytes; connections are cut in announcements of at most this many
/// certificates (a SHA-256 fingerprint is 64 characters).
const FINGERPRINTS_PER_NOTIFY: usize = 100;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Systems, certificates, grants or closings: reload the access table.
    Access,
    /// Cut the open connections of these certificates (SHA-256 fingerprints, hex) at once: an urgent close, or a
    /// revocation.
    DropConnections(Vec<String>),
}

impl Change {
    fn payloads(&self) -> Vec<String> {
        match self {
            Change::Access => vec!["access".into()],
            Change::DropConnections(fingerprints) => fingerprints
                .chunks(FINGERPRINTS_PER_NOTIFY)
                .map(|chunk| format!("drop:{}", chunk.join(",")))
                .collect(),
        }
    }

    /// The change a notification's payload announces; `None` for one this version does not know.
    pub fn parse(payload: &str) -> Option<Change> {
        match payload.split_once(':') {
            None if payload == "access" => Some(Change::Access),
            Some(("drop", list)) => Some(Change::DropConnections(
                list.split(',')
                    .filter(|f| f.len() == 64 && f.bytes().all(|b| b.is_ascii_hexdigit()))
                    .map(str::to_owned)
                    .collect(),
            )),
            _ => None,
        }
    }
}

/// Announces `change` to every instance listening on `store`'s database (this one too); nothing on SQLite.
pub async fn announce(store: &Store, change: &Change) -> Result<()> {
    if store.engine() != Engine::Postgres {
        return Ok(());
    }
    for payload in change.payloads() {
        // pg_notify answers `void`, which the Any driver cannot decode: it is called in a subquery.
        sqlx::query("SELECT 1 AS sent FROM (SELECT pg_notify($1, $2)) AS n")
            .bind(CHANNEL)
            .bind(payload)
            .fetch_one(store.pool())
            .await?;
    }
    Ok(())
}

/// A connection listening to the announcements on the PostgreSQL database at `url`.
pub struct Listener(sqlx::postgres::PgListener);

impl Listener {
    /// Connects and listens; `Ok(None)` for a database that is not PostgreSQL.
    pub async fn connect(url: &str) -> Result<Option<Listener>> {
        if Engine::of_url(url) != Some(Engine::Postgres) {
            return Ok(None);
        }
        let mut listener = tokio::time::timeout(crate::db::CONNECT_TIMEOUT, sqlx::postgres::PgListener::connect(url))
            .await
            .map_err(|_| StoreError::Unavailable("no answer from PostgreSQL".into()))??;
        listener.listen(CHANNEL).await?;
        Ok(Some(Listener(listener)))
    }

    /// The next announcement (`None`: one this version does not know). An error means the connection is lost:
    /// connect again, and reload, since announcements may have been missed.
    pub async fn next(&mut self) -> Result<Option<Change>> {
        let n = self
            .0
            .try_recv()
            .await?
            .ok_or_else(|| StoreError::Unavailable("the listener's connection was lost".into()))?;
        Ok(Change::parse(n.payload()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back() {
        assert_eq!(Change::parse("access"), Some(Change::Access));
        let fps: Vec<String> = (0..250).map(|i| format!("{i:064x}")).collect();
        let payloads = Change::DropConnections(fps.clone()).payloads();
        assert_eq!(payloads.len(), 3);
        assert!(payloads.iter().all(|p| p.len() < 8000));
        let back: Vec<String> = payloads
            .iter()
            .flat_map(|p| match Change::parse(p) {
                Some(Change::DropConnections(f)) => f,
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(back, fps);
        assert_eq!(
            Change::parse("drop:not-a-fingerprint"),
            Some(Change::DropConnections(vec![]))
        );
        assert_eq!(Change::parse("something-new"), None);
    }
}
