//! The ceiling of the load figures: a do-nothing target built from the services listener's own stack — its TLS
//! configuration (the data dir's server certificate, mandatory client certificates from its CA), its listener
//! (admission, deadlines, HTTP/1.1 keep-alive) — that answers every request 200 at once. `snitflade-load load`
//! against it measures what TLS, HTTP and the load driver cost on this machine, so that a server's figures can be
//! read as a fraction of it.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::http::{StatusCode, header};
use snitflade_server::listener::{self, ConnectionOptions, Connections, Listener, Security};

/// The answer: a SOAP envelope as small as a registration's receipt, so that the load driver reads it the same way.
const ANSWER: &str = "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\">\
    <SOAP-ENV:Body/></SOAP-ENV:Envelope>";

/// Serves the do-nothing target on `listen` with the TLS material of `data_dir` until Ctrl-C or SIGTERM; prints
/// `ready <address>` on stdout once listening.
pub async fn run(data_dir: &Path, listen: SocketAddr) -> Result<()> {
    let pki = data_dir.join("pki");
    let acceptor = snitflade_server::tls::Acceptor::new(
        snitflade_server::tls::server_config(&pki).with_context(|| format!("the TLS material in {}", pki.display()))?,
    );
    let tcp = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let address = tcp.local_addr()?;
    let options = ConnectionOptions::default();
    let target = Listener {
        name: "ceiling",
        tcp,
        security: Security::MutualTls {
            acceptor,
            access: snitflade_access::AccessControl::new(),
            connections: Connections::default(),
        },
        options,
        limits: options.services,
    };
    let app = axum::Router::new().fallback(|| async {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
            ANSWER,
        )
    });
    println!("ready {address}");
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };
    listener::serve(target, app, shutdown, Duration::from_secs(1)).await;
    Ok(())
}
