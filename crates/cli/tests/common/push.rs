//! An SF1460_A push receiver for the integration tests: HTTPS with a certificate from the demo CA, client
//! certificates required, every request body kept and answered with `ModtagBeskedOutput` (20, or 50 when told to
//! refuse); and reading the pushed bodies (BeskedId, Sekvensnummer, AntalLeveranceforsoeg).

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::between;

/// What the receiver answers.
#[derive(Clone, Copy, PartialEq)]
pub enum Answer {
    Ok,
    Error,
}

/// A push receiver: HTTPS with a demo-CA server certificate, client certificates required (the demo CA), every
/// request body kept, answered with `ModtagBeskedOutput`.
pub struct Receiver {
    pub port: u16,
    bodies: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

fn receiver_tls(dir: &Path) -> Arc<rustls::ServerConfig> {
    let pki = dir.join("pki");
    let ca_pem = std::fs::read_to_string(pki.join("ca.pem")).unwrap();
    let ca_key = rcgen::KeyPair::from_pem(&std::fs::read_to_string(pki.join("ca-key.pem")).unwrap()).unwrap();
    let issuer = rcgen::Issuer::from_ca_cert_pem(&ca_pem, ca_key).unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    p.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, &issuer).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![cert.der().clone()],
            PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).unwrap(),
        )
        .unwrap();
    Arc::new(config)
}

/// Reads one HTTP/1.1 request's body; `None` at the end of the connection.
async fn read_request<S: tokio::io::AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Option<String> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                buf.drain(..end + 4 + length);
                return Some(body);
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

impl Receiver {
    pub async fn start(dir: &Path, port: u16, answer: Answer) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let acceptor = tokio_rustls::TlsAcceptor::from(receiver_tls(dir));
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let kept = bodies.clone();
        let task =
            tokio::spawn(async move {
                let mut connections = tokio::task::JoinSet::new();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else { return };
                    let (acceptor, kept) = (acceptor.clone(), kept.clone());
                    connections.spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut buf = Vec::new();
                    while let Some(body) = read_request(&mut tls, &mut buf).await {
                        kept.lock().unwrap().push(body);
                        let (status, kode) = match answer {
                            Answer::Ok => ("200 OK", 20),
                            Answer::Error => ("500 Internal Server Error", 50),
                        };
                        let out = format!(
                            "<sts:ModtagBeskedOutput xmlns:sts=\"urn:oio:sts:1.0.0\" xmlns=\"urn:oio:sagdok:3.0.0\">\
                             <StandardRetur><StatusKode>{kode}</StatusKode><FejlbeskedTekst></FejlbeskedTekst>\
                             </StandardRetur></sts:ModtagBeskedOutput>"
                        );
                        let response = format!(
                            "HTTP/1.1 {status}\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{out}",
                            out.len()
                        );
                        if tls.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
                }
            });
        Receiver { port, bodies, task }
    }

    /// Stops listening and drops every open connection (the listener is closed when this returns).
    pub async fn stop(self) -> Vec<String> {
        self.task.abort();
        let _ = self.task.await;
        self.bodies.lock().unwrap().clone()
    }

    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

/// (BeskedId, Sekvensnummer, AntalLeveranceforsoeg) of a pushed body.
pub fn facts(body: &str) -> (String, i64, i64) {
    let id = between(body, "<kuvert:BeskedId><sd:UUIDIdentifikator>", "<")
        .unwrap()
        .to_owned();
    let seq = between(body, "<h:Sekvensnummer>", "<").unwrap().parse().unwrap();
    let attempt = between(body, "<kuvert:AntalLeveranceforsoeg>", "<")
        .unwrap()
        .parse()
        .unwrap();
    (id, seq, attempt)
}

/// The distinct messages in first-arrival order.
pub fn distinct(bodies: &[String]) -> Vec<(String, i64, i64)> {
    let mut seen = Vec::<(String, i64, i64)>::new();
    for b in bodies {
        let f = facts(b);
        if !seen.iter().any(|s| s.0 == f.0) {
            seen.push(f);
        }
    }
    seen
}

/// Waits until `done`, failing the test after `limit`.
pub async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
