//! The services listener's own accept loop: TLS handshake with a deadline, the peer's certificate turned into a
//! [`PeerIdentity`] attached to every request of the connection, HTTP/1.1 with header and keep-alive deadlines,
//! a bound on open connections, graceful shutdown that lets in-flight requests finish, and a registry of open
//! connections by certificate so that urgent closing and revocation can drop a system's connections at once.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use snitflade_access::PeerIdentity;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The verified identity of the connection a request came in on (a request extension).
#[derive(Debug, Clone)]
pub struct Peer(pub Arc<PeerIdentity>);

/// The open service connections, by the SHA-256 fingerprint of the client certificate they were made with.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    open: Arc<Mutex<ByFingerprint>>,
    next_id: Arc<AtomicU64>,
}

/// Fingerprint → (connection id → the signal that drops it).
type ByFingerprint = HashMap<String, HashMap<u64, Arc<Notify>>>;

/// One registered connection; dropping it unregisters the connection.
struct Registration {
    connections: Connections,
    fingerprint: String,
    id: u64,
    drop_now: Arc<Notify>,
}

impl Connections {
    fn register(&self, fingerprint: &str) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let drop_now = Arc::new(Notify::new());
        self.open
            .lock()
            .expect("connection registry lock")
            .entry(fingerprint.to_owned())
            .or_default()
            .insert(id, drop_now.clone());
        Registration {
            connections: self.clone(),
            fingerprint: fingerprint.to_owned(),
            id,
            drop_now,
        }
    }

    /// Drops every open connection made with one of `fingerprints` (in-flight requests on them are cut off).
    /// Answers how many connections were told to close.
    pub fn drop_certificates(&self, fingerprints: &[String]) -> usize {
        let open = self.open.lock().expect("connection registry lock");
        let mut n = 0;
        for fp in fingerprints {
            for notify in open.get(fp).into_iter().flat_map(|m| m.values()) {
                // `notify_one` keeps a permit, so a connection between registering and waiting still closes.
                notify.notify_one();
                n += 1;
            }
        }
        n
    }

    /// How many connections are open (for tests and metrics).
    pub fn open_count(&self) -> usize {
        self.open
            .lock()
            .expect("connection registry lock")
            .values()
            .map(HashMap::len)
            .sum()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().expect("connection registry lock");
        if let Some(m) = open.get_mut(&self.fingerprint) {
            m.remove(&self.id);
            if m.is_empty() {
                open.remove(&self.fingerprint);
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ListenerLimits {
    pub handshake_timeout: Duration,
    pub header_timeout: Duration,
    pub max_connections: usize,
}

/// Serves `app` on `listener` over mutual TLS until `shutdown` completes, then waits (at most `drain`) for
/// open requests to finish.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    limits: ListenerLimits,
    connections: Connections,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) {
    let acceptor = TlsAcceptor::from(tls);
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = permits.clone().acquire_owned() => p.expect("semaphore never closed"),
        };
        let (tcp, remote) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        let connections = connections.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let stream = match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::debug!(%remote, error = %e, "TLS handshake refused");
                    metrics::counter!("snitflade_tls_handshake_failures_total").increment(1);
                    return;
                }
                Err(_) => {
                    tracing::debug!(%remote, "TLS handshake timed out");
                    metrics::counter!("snitflade_tls_handshake_failures_total").increment(1);
                    return;
                }
            };
            let identity = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|der| PeerIdentity::from_der(der).ok());
            let Some(identity) = identity else {
                tracing::warn!(%remote, "verified connection without a readable client certificate; closing");
                return;
            };
            let registration = connections.register(&identity.fingerprint);
            let peer = Peer(Arc::new(identity));
            let service = hyper::service::service_fn(move |mut req: http::Request<Incoming>| {
                req.extensions_mut().insert(peer.clone());
                app.clone().oneshot(req)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                ended = watcher.watch(conn) => if let Err(e) = ended {
                    tracing::debug!(%remote, error = %e, "connection ended with an error");
                },
                _ = registration.drop_now.notified() => {
                    tracing::info!(%remote, "connection dropped: its certificate's access was closed or revoked");
                    metrics::counter!("snitflade_connections_dropped_total").increment(1);
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("some service connections were still busy after {drain:?}; closing them");
    }
}
