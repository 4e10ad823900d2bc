//! The services listener's own accept loop: TLS handshake with a deadline, the peer's certificate turned into a
//! [`PeerIdentity`] attached to every request of the connection, HTTP/1.1 with header and keep-alive deadlines,
//! a bound on open connections, and graceful shutdown that lets in-flight requests finish.

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use snitflade_access::PeerIdentity;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The verified identity of the connection a request came in on (a request extension).
#[derive(Debug, Clone)]
pub struct Peer(pub Arc<PeerIdentity>);

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
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(%remote, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("some service connections were still busy after {drain:?}; closing them");
    }
}
