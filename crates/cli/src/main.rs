//! The `snitflade` binary: command-line parsing (flags, `SNITFLADE_*` environment variables and the TOML
//! `--config` file, in that order of precedence), logging set-up, and signal handling. `serve` runs the server;
//! `import zlpe` / `export zlpe` (in [`zlpe`]) move the nightly Opus dump in and out of the same store;
//! `import ind01` (in [`ind01`]) and `export ferie` (in [`ferie`]) serve the legacy files; `admin` (in [`admin`])
//! and `landscape` (in [`landscape`]) are clients of a running server's admin API; `completions` and `man` (in
//! [`manual`]) describe the commands themselves.

mod admin;
mod ferie;
mod ind01;
mod landscape;
mod malloc;
mod manual;
mod zlpe;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use serde::Deserialize;
use snitflade_server::ServeOptions;
use snitflade_server::listener::{AdmissionLimits, ConnectionOptions};
use snitflade_services::ServicesConfig;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "snitflade",
    version,
    about = "The Danish municipal HR-integration platform's standard interfaces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: the services over mutual TLS and the admin API.
    Serve(ServeArgs),
    /// Import data into the store (safe while a server runs on the same data dir or database).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export data from the store.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Talk to a running server's admin API: vendors, systems, certificates, orders, grants, catalogues, the error
    /// table, audit, the Beskedfordeler, tokens.
    Admin(admin::AdminArgs),
    /// The integration landscape of a running server: systems, relations, interfaces, impact, diagrams,
    /// requirements, import and export.
    Landscape(landscape::LandscapeArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(manual::CompletionsArgs),
    /// Print the man page, or write every command's page into a directory.
    Man(manual::ManArgs),
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import ZLPE dumps (ZLPE<yyyyMMddHHmmss>_delta.xml), oldest first. Exit code 0: all imported; 2: imported,
    /// some records skipped; 1: a file could not be read.
    Zlpe(zlpe::ImportZlpeArgs),
    /// Import a legacy IND01 file of one-time payments (layout in the README). Good lines are registered, each
    /// bad line goes to the error-handling table; importing a file again registers nothing twice. Exit code 0:
    /// every line registered (or imported before); 2: some lines went to the error table; 1: the file could not
    /// be read.
    Ind01(ind01::ImportInd01Args),
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write one municipality's HR data as a ZLPE dump, OUT/ZLPE<yyyyMMddHHmmss>_delta.xml.
    Zlpe(zlpe::ExportZlpeArgs),
    /// Write one municipality's holiday balances as the legacy FERIE file (77-character lines; layout in the
    /// README).
    Ferie(ferie::ExportFerieArgs),
}

/// Where the store is: the flags every command that opens it shares.
#[derive(clap::Args, Debug, Clone)]
struct StoreArgs {
    /// Where the database, PKI and admin token live [default: ./snitflade-data].
    #[arg(long, env = "SNITFLADE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL [default: SQLite file snitflade.db in the data dir]; postgres://… selects PostgreSQL.
    #[arg(long, env = "SNITFLADE_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// A TOML file with any of the settings (snake_case keys); see the README.
    #[arg(long, env = "SNITFLADE_CONFIG")]
    config: Option<PathBuf>,
}

/// The store's location after flags, environment and config file are merged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoreLocation {
    data_dir: PathBuf,
    database_url: Option<String>,
}

impl StoreArgs {
    /// Reads the config file, if one was given.
    fn file_config(&self) -> Result<FileConfig> {
        match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                toml::from_str(&text).with_context(|| format!("reading the config file {}", path.display()))
            }
            None => Ok(FileConfig::default()),
        }
    }

    /// Flags and environment variables win over the file.
    fn location(self, file: &mut FileConfig) -> StoreLocation {
        StoreLocation {
            data_dir: self
                .data_dir
                .or(file.data_dir.take())
                .unwrap_or_else(|| PathBuf::from("./snitflade-data")),
            database_url: self.database_url.or(file.database_url.take()),
        }
    }

    /// Resolves the location and opens the store the way `serve` does: the data dir is created if needed (0700;
    /// group and other access to anything in it is removed, with a warning), the
    /// database is `--database-url` or the SQLite file `snitflade.db` in it (WAL; the store's one writer per
    /// process, so a running server and this command can share it).
    async fn open(self) -> Result<snitflade_store::Store> {
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
struct ServeArgs {
    /// Create (on an empty data dir) or reuse the demo PKI, identities and data.
    #[arg(long, env = "SNITFLADE_DEMO")]
    demo: bool,
    #[command(flatten)]
    store: StoreArgs,
    /// The services listener (HTTPS, client certificate required) [default: 127.0.0.1:8443].
    #[arg(long, env = "SNITFLADE_LISTEN")]
    listen: Option<String>,
    /// The admin listener (admin API, health, metrics) [default: 127.0.0.1:8080].
    #[arg(long, env = "SNITFLADE_ADMIN_LISTEN")]
    admin_listen: Option<String>,
    /// RabbitMQ URL (amqp://…) [default: none].
    #[arg(long, env = "SNITFLADE_AMQP_URL", hide_env_values = true)]
    amqp_url: Option<String>,
}

/// The config file. Flags and environment variables win over it.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileConfig {
    demo: Option<bool>,
    data_dir: Option<PathBuf>,
    listen: Option<String>,
    admin_listen: Option<String>,
    database_url: Option<String>,
    amqp_url: Option<String>,
    handshake_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    max_handshakes: Option<usize>,
    max_connections_per_ip: Option<usize>,
    max_handshakes_per_ip: Option<usize>,
    idle_timeout_secs: Option<u64>,
    idle_timeout_without_grant_secs: Option<u64>,
    admin_max_connections: Option<usize>,
    services: ServicesConfig,
    beskedfordeler: snitflade_beskedfordeler::DeliveryConfig,
}

fn options(args: ServeArgs) -> Result<ServeOptions> {
    let mut file = args.store.file_config()?;
    let location = args.store.location(&mut file);
    let connections = connection_options(&file)?;
    file.beskedfordeler.validate().map_err(anyhow::Error::msg)?;
    file.services.validate().map_err(anyhow::Error::msg)?;
    Ok(ServeOptions {
        demo: args.demo || file.demo.unwrap_or(false),
        data_dir: location.data_dir,
        listen: args.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8443".into()),
        admin_listen: args
            .admin_listen
            .or(file.admin_listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into()),
        database_url: location.database_url,
        amqp_url: args.amqp_url.or(file.amqp_url),
        services: file.services,
        delivery: file.beskedfordeler,
        request_timeout: Duration::from_secs(file.request_timeout_secs.unwrap_or(30)),
        connections,
    })
}

/// The listeners' bounds: the file's values over the defaults.
fn connection_options(file: &FileConfig) -> Result<ConnectionOptions> {
    let zero = [
        (
            "handshake_timeout_secs",
            file.handshake_timeout_secs.map(|v| v as usize),
        ),
        ("idle_timeout_secs", file.idle_timeout_secs.map(|v| v as usize)),
        ("request_timeout_secs", file.request_timeout_secs.map(|v| v as usize)),
        (
            "idle_timeout_without_grant_secs",
            file.idle_timeout_without_grant_secs.map(|v| v as usize),
        ),
        ("max_connections", file.max_connections),
        ("max_handshakes", file.max_handshakes),
        ("max_connections_per_ip", file.max_connections_per_ip),
        ("max_handshakes_per_ip", file.max_handshakes_per_ip),
        ("admin_max_connections", file.admin_max_connections),
    ]
    .into_iter()
    .find(|(_, v)| *v == Some(0));
    if let Some((key, _)) = zero {
        bail!("{key} must be at least 1");
    }
    let d = ConnectionOptions::default();
    let secs = |v: Option<u64>, default: Duration| v.map_or(default, Duration::from_secs);
    Ok(ConnectionOptions {
        handshake_timeout: secs(file.handshake_timeout_secs, d.handshake_timeout),
        idle_timeout: secs(file.idle_timeout_secs, d.idle_timeout),
        idle_timeout_without_grant: secs(file.idle_timeout_without_grant_secs, d.idle_timeout_without_grant),
        services: AdmissionLimits {
            max_connections: file.max_connections.unwrap_or(d.services.max_connections),
            max_handshakes: file.max_handshakes.unwrap_or(d.services.max_handshakes),
            max_connections_per_ip: file.max_connections_per_ip.unwrap_or(d.services.max_connections_per_ip),
            max_handshakes_per_ip: file.max_handshakes_per_ip.unwrap_or(d.services.max_handshakes_per_ip),
        },
        admin_max_connections: file.admin_max_connections.unwrap_or(d.admin_max_connections),
    })
}

/// Logging to stderr: text (colour only on a terminal, and never with `NO_COLOR` set) or, with
/// `SNITFLADE_LOG_FORMAT=json`, one JSON object per line for log collectors.
fn init_logging(filter: &str) -> Result<()> {
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr);
    match std::env::var("SNITFLADE_LOG_FORMAT").as_deref() {
        Ok("json") => builder.json().flatten_event(true).init(),
        Ok("text") | Err(_) => {
            let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            builder.with_ansi(colour).init();
        }
        Ok(other) => bail!("SNITFLADE_LOG_FORMAT must be json or text, not {other:?}"),
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

fn main() -> Result<std::process::ExitCode> {
    malloc::tune();
    let cli = Cli::parse();
    // The commands that open the data dir write CPR numbers and keys into it: whatever they create is the
    // owner's alone. Set before any thread starts, so it holds for every file (SQLite's -wal/-shm too).
    if matches!(cli.command, Command::Serve(_) | Command::Import(_) | Command::Export(_)) {
        snitflade_store::data_dir::restrict_umask();
    }
    // The server logs its life at info; the one-shot commands print their own summary.
    let default_log = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    let mut filter = std::env::var("SNITFLADE_LOG").unwrap_or_else(|_| default_log.to_owned());
    // rustls reports each peer's mistake at WARN (an IP address as server name, as PHP's SoapClient sends; a
    // failed handshake): the peer's fault, counted in `snitflade_tls_handshake_failures_total` and logged at debug
    // by the listener. Unless the filter asks for rustls by name, only its errors are shown.
    if !filter.contains("rustls") {
        filter.push_str(",rustls=error");
    }
    init_logging(&filter)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Serve(args) => {
            let opts = options(args)?;
            runtime.block_on(snitflade_server::serve(opts, shutdown_signal()))?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Zlpe(args)) => runtime.block_on(zlpe::import(args)),
        Command::Import(ImportCommand::Ind01(args)) => runtime.block_on(ind01::import(args)),
        Command::Export(ExportCommand::Zlpe(args)) => runtime.block_on(zlpe::export(args)),
        Command::Export(ExportCommand::Ferie(args)) => runtime.block_on(ferie::export(args)),
        Command::Admin(args) => runtime.block_on(admin::run(args)),
        Command::Landscape(args) => runtime.block_on(landscape::run(args)),
        Command::Completions(args) => manual::completions(args),
        Command::Man(args) => manual::man(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                Command::Admin(_) | Command::Landscape(_) | Command::Completions(_) | Command::Man(_) => {
                    unreachable!("these open no store")
                }
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
}
