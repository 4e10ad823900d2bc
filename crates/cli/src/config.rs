//! The settings of the commands that open the store: the flags and their `SNITFLADE_*` environment variables
//! ([`StoreArgs`], [`ServeArgs`]), the TOML `--config` file ([`FileConfig`]), and merging them into the server's
//! options — flags win over the environment, which wins over the file, which wins over the defaults. The file's
//! keys, their defaults and their meanings are documented from these definitions (see `config_doc`).

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use snitflade_beskedfordeler::DeliveryConfig;
use snitflade_server::AdminTls;
use snitflade_server::ServeOptions;
use snitflade_server::console::ConsoleConfig;
use snitflade_server::listener::{AdmissionLimits, ConnectionOptions};
use snitflade_server::retention::RetentionConfig;
use snitflade_services::ServicesConfig;
use std::path::PathBuf;
use std::time::Duration;

/// Where the store is: the flags every command that opens it shares.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct StoreArgs {
    /// Where the database, PKI and admin token live [default: ./snitflade-data].
    #[arg(long, env = "SNITFLADE_DATA_DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Database URL [default: SQLite file snitflade.db in the data dir]; postgres://… selects PostgreSQL.
    #[arg(long, env = "SNITFLADE_DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
    /// A TOML file with any of the settings (snake_case keys); see the configuration reference in the book.
    #[arg(long, env = "SNITFLADE_CONFIG")]
    pub(crate) config: Option<PathBuf>,
}

/// The store's location after flags, environment and config file are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreLocation {
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: Option<String>,
}

impl StoreArgs {
    /// Reads the config file, if one was given.
    pub(crate) fn file_config(&self) -> Result<FileConfig> {
        match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("reading the config file {}", path.display()))
            }
            None => Ok(FileConfig::default()),
        }
    }

    /// Flags and environment variables win over the file.
    pub(crate) fn location(self, file: &mut FileConfig) -> StoreLocation {
        StoreLocation {
            data_dir: self.data_dir.unwrap_or_else(|| std::mem::take(&mut file.data_dir)),
            database_url: self.database_url.or(file.database_url.take()),
        }
    }

    /// Resolves the location and opens the store the way `serve` does: the data dir is created if needed (0700;
    /// group and other access to anything in it is removed, with a warning), the
    /// database is `--database-url` or the SQLite file `snitflade.db` in it (WAL; the store's one writer per
    /// process, so a running server and this command can share it).
    pub(crate) async fn open(self) -> Result<snitflade_store::Store> {
        let location = self.clone().location(&mut self.file_config()?);
        let (data_dir, _) = snitflade_store::data_dir::prepare(&location.data_dir)
            .with_context(|| format!("preparing the data dir {}", location.data_dir.display()))?;
        let url = location
            .database_url
            .unwrap_or_else(|| snitflade_store::db::sqlite_url_in(&data_dir));
        snitflade_store::Store::open(&url)
            .await
            .with_context(|| format!("opening the database {}", snitflade_store::db::redact(&url)))
    }
}

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Create (on an empty data dir) or reuse the demo PKI, identities and data.
    #[arg(long, env = "SNITFLADE_DEMO")]
    pub(crate) demo: bool,
    #[command(flatten)]
    pub(crate) store: StoreArgs,
    /// The services listener (HTTPS, client certificate required) [default: 127.0.0.1:8443].
    #[arg(long, env = "SNITFLADE_LISTEN")]
    pub(crate) listen: Option<String>,
    /// The admin listener (admin API, console, health, metrics) [default: 127.0.0.1:8080].
    #[arg(long, env = "SNITFLADE_ADMIN_LISTEN")]
    pub(crate) admin_listen: Option<String>,
    /// TLS on the admin listener, with the server's own certificate (pki/server.pem) unless --admin-tls-cert and
    /// --admin-tls-key name others. Needed for an admin address that is not loopback.
    #[arg(long, env = "SNITFLADE_ADMIN_TLS")]
    pub(crate) admin_tls: bool,
    /// The admin listener's certificate with its chain (PEM); implies --admin-tls.
    #[arg(long, env = "SNITFLADE_ADMIN_TLS_CERT", requires = "admin_tls_key")]
    pub(crate) admin_tls_cert: Option<PathBuf>,
    /// The admin listener's private key (PEM); implies --admin-tls.
    #[arg(long, env = "SNITFLADE_ADMIN_TLS_KEY", requires = "admin_tls_cert")]
    pub(crate) admin_tls_key: Option<PathBuf>,
    /// Allow plain HTTP on an admin address that is not loopback: only behind a proxy that terminates TLS.
    #[arg(long, env = "SNITFLADE_ADMIN_INSECURE_HTTP")]
    pub(crate) admin_insecure_http: bool,
    /// RabbitMQ URL (amqp://…) [default: none].
    #[arg(long, env = "SNITFLADE_AMQP_URL", hide_env_values = true)]
    pub(crate) amqp_url: Option<String>,
}

/// The config file. A key left out has its default; flags and environment variables win over the file.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct FileConfig {
    /// Create (on an empty data dir) or reuse the demo PKI, identities and data. Never on a production data dir.
    pub(crate) demo: bool,
    /// The data dir: the SQLite database, the PKI (`pki/`), the admin token and the document files.
    pub(crate) data_dir: PathBuf,
    /// The services listener's address (HTTPS, a client certificate required).
    pub(crate) listen: String,
    /// The admin listener's address (the admin API, the console, `/healthz`, `/readyz`, `/metrics`): plain HTTP on
    /// a loopback address, else TLS (`admin_tls`).
    pub(crate) admin_listen: String,
    /// TLS on the admin listener, with the server's own certificate (`pki/server.pem`, `pki/server-key.pem`) unless
    /// `admin_tls_cert` and `admin_tls_key` name others.
    pub(crate) admin_tls: bool,
    /// The admin listener's certificate with its chain (PEM); implies `admin_tls`.
    pub(crate) admin_tls_cert: Option<PathBuf>,
    /// The admin listener's private key (PEM); implies `admin_tls`.
    pub(crate) admin_tls_key: Option<PathBuf>,
    /// Allow plain HTTP on an admin address that is not loopback (only behind a proxy that terminates TLS).
    pub(crate) admin_insecure_http: bool,
    /// The test municipalities (kommunekoder) a startup package grants a new system access in [with `demo` and
    /// none given: the demo's].
    pub(crate) test_municipalities: Vec<String>,
    /// The database: `postgres://…` for PostgreSQL; none means the SQLite file `snitflade.db` in the data dir.
    pub(crate) database_url: Option<String>,
    /// RabbitMQ (`amqp://…`) for the Beskedfordeler's pull queues and publishing; none means push delivery from
    /// the database alone.
    pub(crate) amqp_url: Option<String>,
    /// Services listener: seconds from accepting a connection to the end of its TLS handshake.
    pub(crate) handshake_timeout_secs: u64,
    /// Seconds a request may take to be processed; also how long requests in flight get to finish at shutdown.
    pub(crate) request_timeout_secs: u64,
    /// Services listener: most established connections; when full, the oldest idle connection whose system holds
    /// no grant makes room, else the newcomer is refused.
    pub(crate) max_connections: usize,
    /// Services listener: most connections in the TLS handshake; when full, the oldest handshake is cut.
    pub(crate) max_handshakes: usize,
    /// Services listener: most connections (handshaking or established) from one source address.
    pub(crate) max_connections_per_ip: usize,
    /// Services listener: most handshakes under way from one source address.
    pub(crate) max_handshakes_per_ip: usize,
    /// Seconds a kept-alive connection of a system with a grant may wait for its next request.
    pub(crate) idle_timeout_secs: u64,
    /// Seconds a kept-alive connection may wait for its next request when its certificate's system holds no
    /// grant, and for admin connections.
    pub(crate) idle_timeout_without_grant_secs: u64,
    /// Admin listener: most open connections; when full, the oldest idle one makes room.
    pub(crate) admin_max_connections: usize,
    /// The standard interfaces.
    pub(crate) services: ServicesConfig,
    /// The Beskedfordeler: delivery of events, RabbitMQ, certificate expiry checks.
    pub(crate) beskedfordeler: DeliveryConfig,
    /// Retention: how long events, closed error-table entries and audit rows are kept.
    pub(crate) retention: RetentionConfig,
    /// The console: people's sessions.
    pub(crate) console: ConsoleConfig,
}

impl Default for FileConfig {
    fn default() -> Self {
        let c = ConnectionOptions::default();
        Self {
            demo: false,
            data_dir: PathBuf::from("./snitflade-data"),
            listen: "127.0.0.1:8443".into(),
            admin_listen: "127.0.0.1:8080".into(),
            admin_tls: false,
            admin_tls_cert: None,
            admin_tls_key: None,
            admin_insecure_http: false,
            test_municipalities: Vec::new(),
            database_url: None,
            amqp_url: None,
            handshake_timeout_secs: c.handshake_timeout.as_secs(),
            request_timeout_secs: 30,
            max_connections: c.services.max_connections,
            max_handshakes: c.services.max_handshakes,
            max_connections_per_ip: c.services.max_connections_per_ip,
            max_handshakes_per_ip: c.services.max_handshakes_per_ip,
            idle_timeout_secs: c.idle_timeout.as_secs(),
            idle_timeout_without_grant_secs: c.idle_timeout_without_grant.as_secs(),
            admin_max_connections: c.admin_max_connections,
            services: ServicesConfig::default(),
            beskedfordeler: DeliveryConfig::default(),
            retention: RetentionConfig::default(),
            console: ConsoleConfig::default(),
        }
    }
}

/// The server's options: flags and environment over the config file over the defaults.
pub(crate) fn options(args: ServeArgs) -> Result<ServeOptions> {
    let mut file = args.store.file_config()?;
    let location = args.store.location(&mut file);
    let connections = connection_options(&file)?;
    file.beskedfordeler.validate().map_err(anyhow::Error::msg)?;
    file.services.validate().map_err(anyhow::Error::msg)?;
    file.retention.validate()?;
    file.console.validate()?;
    let admin_tls = admin_tls(
        args.admin_tls || file.admin_tls,
        args.admin_tls_cert.or(file.admin_tls_cert.take()),
        args.admin_tls_key.or(file.admin_tls_key.take()),
        &location.data_dir,
    )?;
    Ok(ServeOptions {
        demo: args.demo || file.demo,
        data_dir: location.data_dir,
        listen: args.listen.unwrap_or(file.listen),
        admin_listen: args.admin_listen.unwrap_or(file.admin_listen),
        admin_tls,
        admin_insecure_http: args.admin_insecure_http || file.admin_insecure_http,
        test_municipalities: file.test_municipalities,
        database_url: location.database_url,
        amqp_url: args.amqp_url.or(file.amqp_url),
        services: file.services,
        delivery: file.beskedfordeler,
        request_timeout: Duration::from_secs(file.request_timeout_secs),
        connections,
        retention: file.retention,
        console: file.console,
        build: crate::build_info::build(),
    })
}

/// The admin listener's certificate and key: those named (both, or neither), else the server's own when TLS is
/// asked for.
fn admin_tls(
    on: bool,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
    data_dir: &std::path::Path,
) -> Result<Option<AdminTls>> {
    match (cert, key) {
        (Some(cert), Some(key)) => Ok(Some(AdminTls { cert, key })),
        (None, None) if on => Ok(Some(AdminTls {
            cert: data_dir.join("pki").join("server.pem"),
            key: data_dir.join("pki").join("server-key.pem"),
        })),
        (None, None) => Ok(None),
        _ => anyhow::bail!("admin_tls_cert and admin_tls_key go together"),
    }
}

/// The listeners' bounds from the file; a 0 is refused with the key's name.
fn connection_options(file: &FileConfig) -> Result<ConnectionOptions> {
    let zero = [
        ("handshake_timeout_secs", file.handshake_timeout_secs as usize),
        ("idle_timeout_secs", file.idle_timeout_secs as usize),
        ("request_timeout_secs", file.request_timeout_secs as usize),
        (
            "idle_timeout_without_grant_secs",
            file.idle_timeout_without_grant_secs as usize,
        ),
        ("max_connections", file.max_connections),
        ("max_handshakes", file.max_handshakes),
        ("max_connections_per_ip", file.max_connections_per_ip),
        ("max_handshakes_per_ip", file.max_handshakes_per_ip),
        ("admin_max_connections", file.admin_max_connections),
    ]
    .into_iter()
    .find(|(_, v)| *v == 0);
    if let Some((key, _)) = zero {
        bail!("{key} must be at least 1");
    }
    Ok(ConnectionOptions {
        handshake_timeout: Duration::from_secs(file.handshake_timeout_secs),
        idle_timeout: Duration::from_secs(file.idle_timeout_secs),
        idle_timeout_without_grant: Duration::from_secs(file.idle_timeout_without_grant_secs),
        services: AdmissionLimits {
            max_connections: file.max_connections,
            max_handshakes: file.max_handshakes,
            max_connections_per_ip: file.max_connections_per_ip,
            max_handshakes_per_ip: file.max_handshakes_per_ip,
        },
        admin_max_connections: file.admin_max_connections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command, ExportCommand, ImportCommand};
    use clap::Parser;

    #[test]
    fn flags_win_over_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "listen = \"127.0.0.1:9443\"\nadmin_listen = \"127.0.0.1:9080\"\n[services]\nmasterdata_once_per_day = false\n",
        )
        .unwrap();
        let cli = Cli::parse_from([
            "snitflade",
            "serve",
            "--config",
            cfg.to_str().unwrap(),
            "--listen",
            "127.0.0.1:1",
        ]);
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        let o = options(args).unwrap();
        assert_eq!(o.listen, "127.0.0.1:1");
        assert_eq!(o.admin_listen, "127.0.0.1:9080");
        assert!(!o.services.masterdata_once_per_day);
        assert_eq!(o.data_dir, PathBuf::from("./snitflade-data"));
    }

    #[test]
    fn import_and_export_resolve_the_store_as_serve_does() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "data_dir = \"/srv/from-file\"\ndatabase_url = \"postgres://db/x\"\nlisten = \"x\"\n",
        )
        .unwrap();
        let location = |args: &[&str]| {
            let cli = Cli::parse_from(args);
            let store = match cli.command {
                Command::Import(ImportCommand::Zlpe(a)) => a.store,
                Command::Import(ImportCommand::Ind01(a)) => a.store,
                Command::Export(ExportCommand::Zlpe(a)) => a.store,
                Command::Export(ExportCommand::Ferie(a)) => a.store,
                Command::Serve(a) => a.store,
                _ => unreachable!("only the commands that open a store are parsed here"),
            };
            let mut file = store.file_config().unwrap();
            store.location(&mut file)
        };
        let c = cfg.to_str().unwrap();
        let from_file = location(&["snitflade", "import", "zlpe", "--config", c, "f.xml"]);
        assert_eq!(from_file.data_dir, PathBuf::from("/srv/from-file"));
        assert_eq!(from_file.database_url.as_deref(), Some("postgres://db/x"));
        let flag = location(&[
            "snitflade",
            "export",
            "zlpe",
            "--config",
            c,
            "--data-dir",
            "/d",
            "--municipality",
            "813",
            "--out",
            "o",
        ]);
        assert_eq!(flag.data_dir, PathBuf::from("/d"));
        assert_eq!(flag.database_url.as_deref(), Some("postgres://db/x"));
        assert_eq!(
            location(&["snitflade", "serve", "--config", c, "--data-dir", "/d"]),
            flag
        );
        let default = location(&["snitflade", "import", "zlpe", "f.xml"]);
        assert_eq!(default.data_dir, PathBuf::from("./snitflade-data"));
        assert!(Cli::try_parse_from(["snitflade", "import", "zlpe"]).is_err());
        assert!(Cli::try_parse_from(["snitflade", "export", "zlpe", "--municipality", "8x", "--out", "o"]).is_err());
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "lissten = \"x\"\n").unwrap();
        let cli = Cli::parse_from(["snitflade", "serve", "--config", cfg.to_str().unwrap()]);
        let Command::Serve(args) = cli.command else {
            panic!("serve")
        };
        assert!(options(args).is_err());
    }

    #[test]
    fn an_empty_config_gives_the_defaults_the_listeners_had() {
        let o = options(serve_args(&[])).unwrap();
        assert_eq!(o.listen, "127.0.0.1:8443");
        assert_eq!(o.admin_listen, "127.0.0.1:8080");
        assert_eq!(o.request_timeout, Duration::from_secs(30));
        assert!(!o.demo);
        assert_eq!(o.database_url, None);
        assert_eq!(o.amqp_url, None);
        let d = ConnectionOptions::default();
        assert_eq!(o.connections.handshake_timeout, d.handshake_timeout);
        assert_eq!(o.connections.idle_timeout, d.idle_timeout);
        assert_eq!(o.connections.idle_timeout_without_grant, d.idle_timeout_without_grant);
        assert_eq!(o.connections.services.max_connections, d.services.max_connections);
        assert_eq!(
            o.connections.services.max_handshakes_per_ip,
            d.services.max_handshakes_per_ip
        );
        assert_eq!(o.connections.admin_max_connections, d.admin_max_connections);
    }

    #[test]
    fn file_values_reach_the_options_and_zero_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(
            &cfg,
            "demo = true\nrequest_timeout_secs = 7\nmax_handshakes = 9\nidle_timeout_secs = 11\n",
        )
        .unwrap();
        let o = options(serve_args(&["--config", cfg.to_str().unwrap()])).unwrap();
        assert!(o.demo);
        assert_eq!(o.request_timeout, Duration::from_secs(7));
        assert_eq!(o.connections.services.max_handshakes, 9);
        assert_eq!(o.connections.idle_timeout, Duration::from_secs(11));
        std::fs::write(&cfg, "admin_max_connections = 0\n").unwrap();
        let e = options(serve_args(&["--config", cfg.to_str().unwrap()])).err().unwrap();
        assert_eq!(e.to_string(), "admin_max_connections must be at least 1");
    }

    fn serve_args(extra: &[&str]) -> ServeArgs {
        let args = ["snitflade", "serve"].iter().chain(extra).copied();
        match Cli::parse_from(args).command {
            Command::Serve(a) => a,
            _ => unreachable!("serve"),
        }
    }
}
