//! A TCP proxy the test controls, put between snitflade and PostgreSQL or RabbitMQ: [`Proxy::cut`] closes every
//! connection through it and refuses new ones (the port is closed, as when the server is down or unreachable);
//! [`Proxy::restore`] opens the same port again. [`Proxy::lose_commit_answer`] loses the answer to one `COMMIT`:
//! the server gets it and answers, and the connection is closed before the answer reaches the client.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

pub struct Proxy {
    /// Where clients connect (the same port before and after a cut).
    pub addr: SocketAddr,
    upstream: String,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    open: bool,
    accept: Option<AbortHandle>,
    /// The tasks copying the open connections (client ⇄ upstream), one per connection.
    pairs: Vec<AbortHandle>,
    /// Lose the answer to the first `COMMIT` a client sends after these bytes (on the same connection).
    trap: Option<Vec<u8>>,
    /// Whether the trap went off.
    sprung: bool,
}

impl Proxy {
    /// Listens on a free local port and forwards every connection to `upstream` (`host:port`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding the proxy");
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream: upstream.to_owned(),
            state: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (state, upstream) = (self.state.clone(), self.upstream.clone());
        let mut guard = self.state.lock().unwrap();
        guard.open = true;
        guard.accept = Some(
            tokio::spawn(async move {
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        continue;
                    };
                    let mut s = state.lock().unwrap();
                    if !s.open {
                        return;
                    }
                    let (upstream, state) = (upstream.clone(), state.clone());
                    let pair = tokio::spawn(async move {
                        if let Ok(server) = TcpStream::connect(&upstream).await {
                            pipe(client, server, state).await;
                        }
                    });
                    s.pairs.retain(|p| !p.is_finished());
                    s.pairs.push(pair.abort_handle());
                }
            })
            .abort_handle(),
        );
    }

    /// Closes every connection through the proxy and its port: new connections are refused until [`restore`].
    pub fn cut(&self) {
        let mut s = self.state.lock().unwrap();
        s.open = false;
        if let Some(a) = s.accept.take() {
            a.abort();
        }
        for p in s.pairs.drain(..) {
            p.abort();
        }
    }

    /// Loses the answer to the first `COMMIT` sent after `marker` on one connection: the server receives the
    /// `COMMIT` and answers it, but the connection is closed before the answer reaches the client. Other
    /// connections go on; new ones are accepted.
    pub fn lose_commit_answer(&self, marker: &str) {
        let mut s = self.state.lock().unwrap();
        s.trap = Some(marker.as_bytes().to_vec());
        s.sprung = false;
    }

    /// Whether a `COMMIT`'s answer was lost (see [`Proxy::lose_commit_answer`]).
    pub fn commit_answer_lost(&self) -> bool {
        self.state.lock().unwrap().sprung
    }

    /// Listens on the same port again.
    pub async fn restore(&self) {
        // The accept task drops its listener when aborted; the port may take a moment to be free.
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
            }
        };
        self.serve(listener);
    }
}

/// Copies both ways until either side closes. Client bytes are watched for the trap (see
/// [`Proxy::lose_commit_answer`]): once it goes off, what the server sends is swallowed, and the connection is
/// closed as soon as the server has answered.
async fn pipe(client: TcpStream, server: TcpStream, state: Arc<Mutex<State>>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let trapped = AtomicBool::new(false);
    let up = async {
        let mut buf = vec![0u8; 16 * 1024];
        // What this connection sent since the marker (or the last bytes, to find a marker cut in two).
        let mut seen: Vec<u8> = Vec::new();
        let mut marked = false;
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut spring = false;
            if let Some(marker) = state.lock().unwrap().trap.clone() {
                seen.extend_from_slice(&buf[..n]);
                if !marked && let Some(at) = find(&seen, &marker) {
                    marked = true;
                    seen.drain(..at + marker.len());
                }
                if marked && find(&seen, b"COMMIT").is_some() {
                    spring = true;
                } else if !marked && seen.len() > 4 * marker.len() {
                    seen.drain(..seen.len() - marker.len());
                }
            }
            if spring {
                let mut s = state.lock().unwrap();
                s.trap = None;
                s.sprung = true;
                trapped.store(true, Ordering::SeqCst);
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
            if spring {
                // The server answers the COMMIT; the answer is swallowed below, then the connection closes.
                std::future::pending::<()>().await;
            }
        }
    };
    let down = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if trapped.load(Ordering::SeqCst) {
                return;
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        _ = down => {}
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

/// The `host:port` of `url`'s authority (`default_port` when it names none).
pub fn authority(url: &str, default_port: u16) -> String {
    let (start, end) = host_span(url);
    let host = &url[start..end];
    if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:{default_port}")
    }
}

/// `url` with the host and port of its authority replaced by `via`.
pub fn redirect(url: &str, via: SocketAddr) -> String {
    let (start, end) = host_span(url);
    format!("{}{via}{}", &url[..start], &url[end..])
}

/// Where the host (and port) of `url` start and end.
fn host_span(url: &str) -> (usize, usize) {
    let start = url.find("://").expect("a URL with an authority") + 3;
    let end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let host_start = url[start..end].rfind('@').map_or(start, |i| start + i + 1);
    (host_start, end)
}
