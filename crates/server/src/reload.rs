//! What SIGHUP reloads without a restart (`systemctl reload snitflade`): the services' TLS material in the data
//! dir's `pki/` (a renewed server certificate and key, a changed CA bundle — the trust anchors client certificates,
//! uploads and CRLs are verified against), the admin listener's certificate and key when it has TLS, and the access
//! table from the database. Each part is read whole before it replaces the running one: a file that fails to load
//! (a renewal half copied, a key that does not match) leaves the running configuration in place and is logged, so a
//! reload can never take the service down. Open connections keep the configuration they started with.

use crate::{AdminTls, tls};
use snitflade_access::certificates::TrustAnchors;
use snitflade_lifecycle::Lifecycle;
use std::future::Future;
use std::path::PathBuf;

/// What there is to reload, and where from.
pub struct Reloader {
    pub pki_dir: PathBuf,
    pub services: tls::Acceptor,
    pub admin: Option<(AdminTls, tls::Acceptor)>,
    pub lifecycle: Lifecycle,
}

impl Reloader {
    /// Reloads every part; answers whether all of them loaded.
    pub async fn reload(&self) -> bool {
        let mut all = true;
        let ca = self.pki_dir.join("ca.pem");
        let services =
            tls::server_config(&self.pki_dir).and_then(|config| Ok((config, TrustAnchors::from_pem_file(&ca)?)));
        match services {
            Ok((config, anchors)) => {
                self.services.replace(config);
                self.lifecycle.replace_anchors(anchors);
                tracing::info!(pki_dir = %self.pki_dir.display(), "reloaded the services' certificate and trust anchors");
            }
            Err(e) => {
                all = false;
                tracing::error!(pki_dir = %self.pki_dir.display(), error = format!("{e:#}"),
                    "reloading the services' TLS material failed; the running one stays in force");
            }
        }
        if let Some((files, acceptor)) = &self.admin {
            match tls::admin_server_config(&files.cert, &files.key) {
                Ok(config) => {
                    acceptor.replace(config);
                    tracing::info!(cert = %files.cert.display(), "reloaded the admin listener's certificate");
                }
                Err(e) => {
                    all = false;
                    tracing::error!(cert = %files.cert.display(), error = format!("{e:#}"),
                        "reloading the admin listener's TLS material failed; the running one stays in force");
                }
            }
        }
        match self.lifecycle.reload_access().await {
            Ok(()) => tracing::info!("reloaded the access table"),
            Err(e) => {
                all = false;
                tracing::error!(error = %e, "reloading the access table failed");
            }
        }
        all
    }
}

/// Reloads on every SIGHUP until `shutdown` completes.
pub async fn on_hangup(reloader: Reloader, shutdown: impl Future<Output = ()>) {
    let mut hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; reloading needs a restart");
            return;
        }
    };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            got = hangups.recv() => {
                if got.is_none() {
                    return;
                }
                tracing::info!("SIGHUP: reloading");
                metrics::counter!("snitflade_reloads_total", "outcome" => if reloader.reload().await { "ok" } else { "failed" })
                    .increment(1);
            }
        }
    }
}
