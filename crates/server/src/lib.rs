//! The snitflade server: opens the data dir and database, sets up the demo when asked, loads the access table,
//! and runs the two listeners (services over mutual TLS, admin over HTTP) until shutdown.

pub mod admin;
mod admin_access;
mod admin_beskedfordeler;
mod admin_holiday;
mod admin_json;
mod admin_landscape;
mod admin_onboarding;
mod admin_payroll;
mod admin_sts;
mod admin_tokens;
mod admin_traffic;
mod admin_users;
mod auth;
mod coherence;
pub mod console;
pub mod demo;
mod fd_limit;
pub mod health;
mod landscape;
pub mod listener;
pub mod metrics;
pub mod observe;
mod process;
mod reload;
pub mod retention;
mod roles;
mod scope;
pub mod services_http;
mod spooled_body;
mod sts_bus;
mod sts_http;
pub mod tls;
mod traffic;

use anyhow::{Context, Result};
use snitflade_access::AccessControl;
use snitflade_access::certificates::TrustAnchors;
use snitflade_services::{Services, ServicesConfig};
use snitflade_store::Store;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Everything `snitflade serve` needs, after flags, environment and config file are merged. Its `Debug` leaves
/// the passwords in the database and RabbitMQ URLs out.
#[derive(Clone)]
pub struct ServeOptions {
    pub data_dir: PathBuf,
    pub listen: String,
    pub admin_listen: String,
    pub database_url: Option<String>,
    pub amqp_url: Option<String>,
    pub demo: bool,
    pub services: ServicesConfig,
    pub delivery: snitflade_beskedfordeler::DeliveryConfig,
    pub request_timeout: Duration,
    pub connections: listener::ConnectionOptions,
    pub retention: retention::RetentionConfig,
    pub console: console::ConsoleConfig,
    /// TLS on the admin listener: its certificate and key (`None`: plain HTTP, loopback addresses only).
    pub admin_tls: Option<AdminTls>,
    /// Allow plain HTTP on an admin address that is not loopback (behind a TLS-terminating proxy only).
    pub admin_insecure_http: bool,
    /// The test municipalities a startup package grants access in (`--demo` without any: the demo's).
    pub test_municipalities: Vec<String>,
    /// The running build, for `snitflade_build_info`.
    pub build: metrics::BuildInfo,
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("data_dir", &self.data_dir)
            .field("listen", &self.listen)
            .field("admin_listen", &self.admin_listen)
            .field("database_url", &self.database_url.as_deref().map(without_password))
            .field("amqp_url", &self.amqp_url.as_deref().map(without_password))
            .field("demo", &self.demo)
            .field("services", &self.services)
            .field("delivery", &self.delivery)
            .field("request_timeout", &self.request_timeout)
            .field("connections", &self.connections)
            .field("retention", &self.retention)
            .field("console", &self.console)
            .field("admin_tls", &self.admin_tls)
            .field("admin_insecure_http", &self.admin_insecure_http)
            .field("test_municipalities", &self.test_municipalities)
            .field("build", &self.build)
            .finish()
    }
}

/// The admin listener's certificate (with its chain) and key, PEM files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminTls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A URL with the password of its user info replaced by `***` (`amqp://guest:***@host/vhost`).
pub fn without_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        // Not a URL with an authority: if it could hold a password, show none of it.
        return if url.contains('@') {
            "***".into()
        } else {
            url.to_owned()
        };
    };
    let authority_end = url[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| scheme_end + i);
    let authority = &url[scheme_end..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => {
            format!(
                "{}{}:***{}",
                &url[..scheme_end],
                &authority[..colon],
                &url[scheme_end + at..]
            )
        }
        _ => url.to_owned(),
    }
}

/// Reads the admin token, creating a random one (owner-readable only) on first start.
fn admin_token(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("admin-token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        let t = t.trim().to_owned();
        if !t.is_empty() {
            return Ok(t);
        }
    }
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let token = hex::encode(bytes);
    // Written whole under a name of this process's own, then linked into place only if no token is there: of
    // several instances starting at once on one data dir, one token wins and every instance uses it.
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    std::fs::write(&tmp, format!("{token}\n"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    match std::fs::hard_link(&tmp, &path) {
        Ok(()) => {
            std::fs::remove_file(&tmp)?;
            Ok(token)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let existing = std::fs::read_to_string(&path)?.trim().to_owned();
            if existing.is_empty() {
                // An empty token file (left by hand): replaced.
                std::fs::rename(&tmp, &path)?;
                return Ok(token);
            }
            std::fs::remove_file(&tmp)?;
            Ok(existing)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e.into())
        }
    }
}

/// How often an instance on PostgreSQL reloads its access table even without an announcement (a safety net for
/// announcements lost while its listener was away).
const ACCESS_RELOAD_EVERY: Duration = Duration::from_secs(10);

/// Runs the server until `shutdown` completes; then lets in-flight requests finish and closes the store.
pub async fn serve(opts: ServeOptions, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
    let (data_dir, _) = snitflade_store::data_dir::prepare(&opts.data_dir)
        .with_context(|| format!("preparing the data dir {}", opts.data_dir.display()))?;
    let url = opts
        .database_url
        .clone()
        .unwrap_or_else(|| snitflade_store::db::sqlite_url_in(&data_dir));
    // One process per SQLite file, taken before anything in the data dir is created or opened.
    let _serving = snitflade_store::db::ServeLock::acquire(&url).map_err(anyhow::Error::msg)?;
    let pki_dir = data_dir.join("pki");
    if opts.demo {
        demo::pki::ensure(&pki_dir).context("creating the demo PKI")?;
    }
    // Before anything else is created or opened: a server without its certificates cannot serve.
    tls::require_pki(&pki_dir)?;
    let tls = tls::server_config(&pki_dir)
        .with_context(|| format!("loading the services' TLS material from {}", pki_dir.display()))?;
    let ca_path = pki_dir.join("ca.pem");
    let anchors = TrustAnchors::from_pem_file(&ca_path)
        .with_context(|| format!("reading the CA certificates in {} as trust anchors", ca_path.display()))?;
    fd_limit::raise(opts.connections.max_sockets());
    let token: Arc<str> = admin_token(&data_dir).context("preparing the admin token")?.into();
    let metrics = metrics::install(&opts.build);
    if let Some(handle) = metrics.clone() {
        // Histogram samples pile up in the recorder until its upkeep drains them; without a scrape nobody else
        // would (metrics-rs/metrics#467).
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(5));
            loop {
                every.tick().await;
                handle.run_upkeep();
            }
        });
    }

    let store = Store::open(&url)
        .await
        .with_context(|| format!("opening the database {}", snitflade_store::db::redact(&url)))?;
    let access = AccessControl::new();
    if opts.demo {
        demo::data::ensure(&store, &pki_dir, &anchors)
            .await
            .context("creating the demo data")?;
    }
    let lifecycle = snitflade_lifecycle::Lifecycle::new(store.clone(), access.clone(), anchors);
    if opts.demo {
        demo::orders::ensure(&lifecycle)
            .await
            .context("creating the demo's orders")?;
        demo::landscape::ensure(&store)
            .await
            .context("storing the demo's landscape")?;
    }
    lifecycle.reload_access().await?;
    let connections = listener::Connections::default();
    let documents_dir = data_dir.join("documents");
    let documents = snitflade_store::document_files::DocumentFiles::open(&documents_dir)
        .with_context(|| format!("opening the document store {}", documents_dir.display()))?;
    let amqp_access = access.clone();
    let services = Services::new(store.clone(), access, opts.services.clone()).with_documents(documents);
    if opts.demo {
        demo::pki::ensure_push_client(&pki_dir).context("creating the demo push client certificate")?;
    }
    let distributor = snitflade_beskedfordeler::Distributor::new(
        store.clone(),
        tls::push_client(&pki_dir).context("building the push client")?,
        opts.delivery.clone(),
    );
    let token_interfaces = opts.services.token_interfaces().map_err(anyhow::Error::msg)?;
    landscape::set_token_interfaces(token_interfaces.iter().map(|(i, _)| *i).collect());
    let sts = Arc::new(snitflade_services::adgangsstyring::TokenService::new(
        pki_dir.clone(),
        opts.services.token_lifetime_secs,
        snitflade_services::adgangsstyring::entities(&token_interfaces),
    ));
    let amqp = opts
        .amqp_url
        .as_deref()
        .map(|url| {
            snitflade_beskedfordeler::amqp::Amqp::new(
                url,
                store.clone(),
                amqp_access.clone(),
                opts.delivery.clone(),
                distributor.lease(),
                distributor.readings(),
                distributor.routed(),
            )
            .map(|a| a.with_sts_tokens(Arc::new(sts_bus::BusTokens::new(sts.clone(), amqp_access.clone()))))
        })
        .transpose()
        .map_err(|e| anyhow::anyhow!("--amqp-url: {e}"))?;
    let broker = opts
        .amqp_url
        .as_deref()
        .map(|url| snitflade_beskedfordeler::amqp::Broker::new(url, opts.delivery.amqp_management_url.as_deref()))
        .transpose()
        .map_err(|e| anyhow::anyhow!("RabbitMQ's management API: {e}"))?;

    let services_listener = TcpListener::bind(&opts.listen)
        .await
        .with_context(|| format!("binding the services listener {}", opts.listen))?;
    let admin_listener = TcpListener::bind(&opts.admin_listen)
        .await
        .with_context(|| format!("binding the admin listener {}", opts.admin_listen))?;
    let services_addr = services_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let admin_security = match &opts.admin_tls {
        Some(t) => listener::Security::Tls {
            acceptor: tls::Acceptor::new(
                tls::admin_server_config(&t.cert, &t.key).context("loading the admin listener's TLS material")?,
            ),
        },
        None if admin_addr.ip().is_loopback() || opts.admin_insecure_http => listener::Security::Plain,
        None => anyhow::bail!(
            "the admin listener {admin_addr} is not a loopback address: passwords and tokens would cross the network \
             in clear. Give --admin-tls (the server's own certificate) or --admin-tls-cert and --admin-tls-key; \
             --admin-insecure-http only behind a proxy that terminates TLS"
        ),
    };

    let services_app = services_http::router(services_http::ServicesState {
        services: services.clone(),
        request_timeout: opts.request_timeout,
        fallback_authority: services_addr.to_string(),
        sts: sts.clone(),
    });
    let readiness = health::Readiness {
        store: store.clone(),
        amqp: amqp.as_ref().map(|a| a.status()),
        lease: distributor.lease(),
    };
    let exporter = metrics.map(|handle| metrics::Exporter {
        handle,
        store: store.clone(),
        lease: distributor.lease(),
    });
    let admin_app = admin::router(admin::AdminState {
        services: services.clone(),
        lifecycle: lifecycle.clone(),
        connections: connections.clone(),
        token,
        metrics: exporter,
        readiness,
        broker,
        console: opts.console.clone(),
        oidc: Arc::new(console::oidc::Oidc::new(&opts.console)?),
        sts,
        admin_tls: opts.admin_tls.is_some(),
        pki_dir: pki_dir.clone().into(),
        test_municipalities: if opts.test_municipalities.is_empty() && opts.demo {
            demo::data::MUNICIPALITIES
                .iter()
                .map(|(code, _, _)| (*code).to_owned())
                .collect()
        } else {
            opts.test_municipalities.clone().into()
        },
    });

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let drain = opts.request_timeout + Duration::from_secs(5);
    let services_acceptor = tls::Acceptor::new(tls);
    let reload_task = tokio::spawn(reload::on_hangup(
        reload::Reloader {
            pki_dir: pki_dir.clone(),
            services: services_acceptor.clone(),
            admin: match (&opts.admin_tls, &admin_security) {
                (Some(files), listener::Security::Tls { acceptor }) => Some((files.clone(), acceptor.clone())),
                _ => None,
            },
            lifecycle: lifecycle.clone(),
        },
        stopped(),
    ));
    let coherence_task = tokio::spawn(coherence::run(
        url.clone(),
        lifecycle.clone(),
        connections.clone(),
        ACCESS_RELOAD_EVERY,
        stopped(),
    ));
    let services_task = tokio::spawn(listener::serve(
        listener::Listener {
            name: "services",
            tcp: services_listener,
            security: listener::Security::MutualTls {
                acceptor: services_acceptor.clone(),
                access: services.access().clone(),
                connections,
            },
            options: opts.connections,
            limits: opts.connections.services,
        },
        services_app,
        stopped(),
        drain,
    ));
    let distributor_task = tokio::spawn(distributor.run(stopped()));
    let retention = Arc::new(retention::Retention::new(
        store.clone(),
        &data_dir,
        opts.retention.clone(),
    ));
    let retention_task = tokio::spawn(retention.run(stopped()));
    let gauges_task = tokio::spawn(metrics::refresh_database_gauges(store.clone(), stopped()));
    let traffic_task = tokio::spawn(traffic::run(services.clone(), stopped()));
    let amqp_task = amqp.map(|a| tokio::spawn(a.run(stopped())));
    let admin_task = tokio::spawn(listener::serve(
        listener::Listener {
            name: "admin",
            tcp: admin_listener,
            security: admin_security,
            options: opts.connections,
            limits: opts.connections.admin(),
        },
        admin_app,
        stopped(),
        drain,
    ));

    tracing::info!(services = %services_addr, admin = %admin_addr, data_dir = %data_dir.display(), "snitflade is ready");
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "snitflade ready services={services_addr} admin={admin_addr}")?;
        out.flush()?;
    }

    shutdown.await;
    tracing::info!("shutting down: finishing in-flight requests");
    let _ = stop_tx.send(true);
    let _ = services_task.await;
    let _ = admin_task.await;
    let _ = distributor_task.await;
    let _ = retention_task.await;
    let _ = gauges_task.await;
    let _ = traffic_task.await;
    let _ = coherence_task.await;
    let _ = reload_task.await;
    // The calls answered while the listeners drained.
    traffic::flush(&services).await;
    if let Some(task) = amqp_task {
        let _ = task.await;
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_stay_out_of_logged_urls() {
        assert_eq!(
            without_password("amqp://guest:s3cret@127.0.0.1:5672/%2f"),
            "amqp://guest:***@127.0.0.1:5672/%2f"
        );
        assert_eq!(without_password("postgres://u:p@w@db/x"), "postgres://u:***@db/x");
        assert_eq!(
            without_password("postgres://postgres@127.0.0.1/test"),
            "postgres://postgres@127.0.0.1/test"
        );
        assert_eq!(without_password("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
        assert_eq!(without_password("amqp:user:pw@host"), "***");
    }
}
