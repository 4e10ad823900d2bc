//! Several instances on one PostgreSQL database behave as one (issue 22): each listens for the changes the others
//! announce ([`snitflade_store::changes`]) and applies them within moments — a change to who may call what reloads
//! the access table, an urgent close or a revocation cuts the named certificates' open connections here too. A
//! lost listener connection is made again with backoff, and the access table is reloaded each time (announcements
//! sent meanwhile are lost) and every `reload_every` anyway, as a safety net.

use crate::listener::Connections;
use snitflade_lifecycle::Lifecycle;
use snitflade_store::changes::{Change, Listener};
use snitflade_store::retry::{Backoff, RepeatLog};
use std::time::Duration;

/// Listens and applies until `shutdown` completes; returns at once for a database that is not PostgreSQL.
pub async fn run(
    url: String,
    lifecycle: Lifecycle,
    connections: Connections,
    reload_every: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let log = RepeatLog::new("listening for other instances' changes");
    let mut backoff = Backoff::reconnect();
    loop {
        let mut listener = match Listener::connect(&url).await {
            Ok(Some(l)) => l,
            Ok(None) => return,
            Err(e) => {
                log.failed(&e);
                tokio::select! {
                    _ = &mut shutdown => return,
                    _ = tokio::time::sleep(backoff.next_wait()) => continue,
                }
            }
        };
        log.succeeded();
        backoff.reset();
        reload(&lifecycle).await;
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tokio::time::sleep(reload_every) => reload(&lifecycle).await,
                next = listener.next() => match next {
                    Ok(Some(change)) => apply(change, &lifecycle, &connections).await,
                    Ok(None) => {}
                    Err(e) => {
                        log.failed(&e);
                        break;
                    }
                },
            }
        }
    }
}

async fn apply(change: Change, lifecycle: &Lifecycle, connections: &Connections) {
    metrics::counter!("snitflade_changes_applied_total", "change" => match change {
        Change::Access => "access",
        Change::DropConnections(_) => "drop_connections",
    })
    .increment(1);
    match change {
        Change::Access => reload(lifecycle).await,
        Change::DropConnections(fingerprints) => {
            let cut = connections.drop_certificates(&fingerprints);
            if cut > 0 {
                tracing::info!(connections = cut, "connections cut on another instance's announcement");
            }
        }
    }
}

async fn reload(lifecycle: &Lifecycle) {
    if let Err(e) = lifecycle.reload_access().await {
        tracing::warn!(error = %e, "reloading the access table failed");
    }
}
