//! The accept loop both listeners share: every connection is admitted or refused before any TLS work
//! ([`admission`]), the services' TLS handshake runs in a bounded stage with a short deadline, the peer's
//! certificate becomes a [`PeerIdentity`] on every request of the connection, and HTTP/1.1 runs with a
//! header-and-idle deadline that is short for peers without any grant. A request is handled on its own task, so a
//! request whose body arrived in full is processed to its commit even when the client leaves without reading the
//! answer (PHP's SoapClient does so for one-way operations). Graceful shutdown lets in-flight requests finish.

pub mod admission;
mod drain;
mod registry;

pub use admission::{Admission, AdmissionLimits, Refusal};
pub use registry::Connections;

use axum::Router;
use axum::body::Body;
use drain::DrainOnDrop;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use snitflade_access::{AccessControl, PeerIdentity};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The verified identity of the connection a request came in on (a request extension).
#[derive(Debug, Clone)]
pub struct Peer(pub Arc<PeerIdentity>);

/// The deadlines and bounds of the two listeners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionOptions {
    /// From accepting a connection to the end of its TLS handshake.
    pub handshake_timeout: Duration,
    /// How long a connection of a system holding a grant may wait for (the head of) its next request.
    pub idle_timeout: Duration,
    /// The same for a certificate whose system holds no grant, and for every admin connection.
    pub idle_timeout_without_grant: Duration,
    /// The services listener's bounds.
    pub services: AdmissionLimits,
    /// Open admin connections; when full, the oldest idle one makes room.
    pub admin_max_connections: usize,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(30),
            idle_timeout_without_grant: Duration::from_secs(5),
            services: AdmissionLimits {
                max_connections: 4096,
                max_handshakes: 1024,
                max_connections_per_ip: 1024,
                max_handshakes_per_ip: 64,
            },
            admin_max_connections: 256,
        }
    }
}

impl ConnectionOptions {
    /// The admin listener's bounds: one cap and no per-address limits (it serves operators, scripts and the
    /// console, usually from one address or through one proxy; the oldest idle connection makes room).
    pub fn admin(&self) -> AdmissionLimits {
        let n = self.admin_max_connections;
        AdmissionLimits {
            max_connections: n,
            max_handshakes: n,
            max_connections_per_ip: usize::MAX,
            max_handshakes_per_ip: usize::MAX,
        }
    }

    /// The most file descriptors the listeners may hold at once.
    pub fn max_sockets(&self) -> usize {
        self.services.max_connections + self.services.max_handshakes + self.admin_max_connections
    }
}

/// What a listener puts between TCP and HTTP.
#[derive(Clone)]
pub enum Security {
    /// Mutual TLS: client certificates verified by the acceptor's configuration, the peer's identity on every
    /// request, its connections registered by certificate so that closing its access drops them.
    MutualTls {
        acceptor: crate::tls::Acceptor,
        access: AccessControl,
        connections: Connections,
    },
    /// Plain HTTP (the admin listener on a loopback address, which authenticates each request itself).
    Plain,
    /// TLS without client certificates (the admin listener reached over the network: the console's people sign
    /// in with passwords and the API's callers present tokens, so neither crosses the network in clear).
    Tls { acceptor: crate::tls::Acceptor },
}

/// The address a request's connection comes from (in every request's extensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddr(pub SocketAddr);

/// One listener: its socket, what runs on its connections and its bounds.
pub struct Listener {
    pub name: &'static str,
    pub tcp: TcpListener,
    pub security: Security,
    pub options: ConnectionOptions,
    pub limits: AdmissionLimits,
}

/// Serves `app` on `listener` until `shutdown` completes, then waits (at most `drain`) for open requests to
/// finish.
pub async fn serve(listener: Listener, app: Router, shutdown: impl Future<Output = ()>, drain: Duration) {
    let Listener {
        name,
        tcp,
        security,
        options,
        limits,
    } = listener;
    let admission = Admission::new(name, limits);
    let graceful = GracefulShutdown::new();
    let accept_failures = snitflade_store::retry::RepeatLog::new("accepting connections");
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = tcp.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, mostly: wait a moment rather than spin.
                    accept_failures.failed(&e);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        accept_failures.succeeded();
        let ticket = match admission.admit(remote.ip()) {
            Ok(t) => t,
            Err(refusal) => {
                tracing::debug!(listener = name, %remote, reason = refusal.reason(), "connection refused");
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection {
            name,
            remote,
            ticket,
            options,
            app: app.clone(),
            watcher: graceful.watcher(),
        };
        let security = security.clone();
        tokio::spawn(async move {
            match security {
                Security::Plain => connection.plain(stream).await,
                Security::Tls { acceptor } => connection.tls(stream, &acceptor.current()).await,
                Security::MutualTls {
                    acceptor,
                    access,
                    connections,
                } => {
                    connection
                        .mutual_tls(stream, &acceptor.current(), &access, &connections)
                        .await
                }
            }
        });
    }
    drop(tcp);
    if tokio::time::timeout(drain, graceful.shutdown()).await.is_err() {
        tracing::warn!(
            listener = name,
            "some connections were still busy after {drain:?}; closing them"
        );
    }
}

/// One admitted connection.
struct Connection {
    name: &'static str,
    remote: SocketAddr,
    ticket: admission::Ticket,
    options: ConnectionOptions,
    app: Router,
    watcher: Watcher,
}

impl Connection {
    async fn plain(mut self, stream: TcpStream) {
        if self.ticket.establish(false).is_err() {
            return;
        }
        let idle = self.options.idle_timeout_without_grant;
        self.http(stream, None, idle, None).await;
    }

    /// The TLS handshake within the handshake deadline, unless the ticket is evicted to make room first. A refused or
    /// timed-out handshake is logged (and, with `count`, counted by reason in `snitflade_tls_handshake_failures_total`).
    async fn handshake(
        &mut self,
        stream: TcpStream,
        acceptor: &TlsAcceptor,
        count: bool,
    ) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
        let (remote, name) = (self.remote, self.name);
        let handshake = tokio::time::timeout(self.options.handshake_timeout, acceptor.accept(stream));
        let reason = tokio::select! {
            done = handshake => match done {
                Ok(Ok(s)) => return Some(s),
                Ok(Err(e)) => {
                    let reason = crate::tls::handshake_failure_reason(&e);
                    tracing::debug!(listener = name, %remote, error = %e, reason, "TLS handshake refused");
                    reason
                }
                Err(_) => {
                    tracing::debug!(listener = name, %remote, "TLS handshake timed out");
                    "timeout"
                }
            },
            _ = self.ticket.evicted() => {
                tracing::debug!(listener = name, %remote, "TLS handshake cut to make room for a newer one");
                return None;
            }
        };
        if count {
            metrics::counter!("snitflade_tls_handshake_failures_total", "reason" => reason).increment(1);
        }
        None
    }

    async fn tls(mut self, stream: TcpStream, acceptor: &TlsAcceptor) {
        let Some(stream) = self.handshake(stream, acceptor, false).await else {
            return;
        };
        if self.ticket.establish(false).is_err() {
            return;
        }
        let idle = self.options.idle_timeout_without_grant;
        self.http(stream, None, idle, None).await;
    }

    async fn mutual_tls(
        mut self,
        stream: TcpStream,
        acceptor: &TlsAcceptor,
        access: &AccessControl,
        connections: &Connections,
    ) {
        let remote = self.remote;
        let Some(stream) = self.handshake(stream, acceptor, true).await else {
            return;
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
        let granted = access.has_any_grant(&identity.fingerprint);
        if self.ticket.establish(granted).is_err() {
            return;
        }
        let registration = connections.register(&identity.fingerprint);
        let idle = if granted {
            self.options.idle_timeout
        } else {
            self.options.idle_timeout_without_grant
        };
        let peer = Peer(Arc::new(identity));
        self.http(stream, Some(peer), idle, Some(registration.drop_now.clone()))
            .await;
        drop(registration);
    }

    /// HTTP/1.1 on an established connection until the peer leaves, its idle deadline passes, it is evicted to
    /// make room, or `drop_now` is signalled (its system's access was closed).
    async fn http<I>(self, io: I, peer: Option<Peer>, idle: Duration, drop_now: Option<Arc<Notify>>)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            name,
            remote,
            ticket,
            app,
            watcher,
            ..
        } = self;
        let busy = ticket.busy();
        let service = hyper::service::service_fn(move |req: http::Request<Incoming>| {
            let mut req = req.map(|body| Body::new(DrainOnDrop::new(body)));
            req.extensions_mut().insert(RemoteAddr(remote));
            if let Some(peer) = &peer {
                req.extensions_mut().insert(peer.clone());
            }
            let in_flight = InFlight::new(busy.clone());
            // Its own task: a request whose body has arrived is handled to the end even if the client leaves.
            let handling = tokio::spawn(app.clone().oneshot(req));
            async move {
                let answer = handling.await;
                drop(in_flight);
                Ok::<_, std::convert::Infallible>(match answer {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(e) => {
                        tracing::error!(error = %e, "a request's handler failed");
                        http::Response::builder()
                            .status(http::StatusCode::INTERNAL_SERVER_ERROR)
                            .body(Body::empty())
                            .expect("a plain response")
                    }
                })
            }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        // The header deadline also runs while a kept-alive connection waits for its next request, so it is the
        // idle deadline too.
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(idle)
            .keep_alive(true);
        let conn = builder.serve_connection(TokioIo::new(io), service);
        let dropped = async {
            match drop_now {
                Some(signal) => signal.notified().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ended = watcher.watch(conn) => if let Err(e) = ended {
                tracing::debug!(listener = name, %remote, error = %e, "connection ended with an error");
            },
            _ = ticket.evicted() => {
                tracing::debug!(listener = name, %remote, "idle connection closed to make room");
            }
            _ = dropped => {
                tracing::info!(%remote, "connection dropped: its certificate's access was closed or revoked");
                metrics::counter!("snitflade_connections_dropped_total").increment(1);
            }
        }
    }
}

/// Counts a request in flight on its connection while alive.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(busy: Arc<AtomicUsize>) -> Self {
        busy.fetch_add(1, Ordering::AcqRel);
        Self(busy)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}
