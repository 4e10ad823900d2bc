//! The `snitflade` binary: command-line parsing (flags, `SNITFLADE_*` environment variables and the TOML
//! `--config` file, in that order of precedence), logging set-up, and signal handling.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Deserialize;
use snitflade_server::ServeOptions;
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
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Create (on an empty data dir) or reuse the demo PKI, identities and data.
    #[arg(long, env = "SNITFLADE_DEMO")]
    demo: bool,
    /// Where the database, PKI and admin token live [default: ./snitflade-data].
    #[arg(long, env = "SNITFLADE_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// The services listener (HTTPS, client certificate required) [default: 127.0.0.1:8443].
    #[arg(long, env = "SNITFLADE_LISTEN")]
    listen: Option<String>,
    /// The admin listener (admin API, health, metrics) [default: 127.0.0.1:8080].
    #[arg(long, env = "SNITFLADE_ADMIN_LISTEN")]
    admin_listen: Option<String>,
    /// Database URL [default: SQLite file snitflade.db in the data dir]; postgres://… selects PostgreSQL.
    #[arg(long, env = "SNITFLADE_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// RabbitMQ URL (amqp://…) [default: none].
    #[arg(long, env = "SNITFLADE_AMQP_URL", hide_env_values = true)]
    amqp_url: Option<String>,
    /// A TOML file with any of the settings above (snake_case keys) and more; see the README.
    #[arg(long, env = "SNITFLADE_CONFIG")]
    config: Option<PathBuf>,
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
    services: ServicesConfig,
}

fn options(args: ServeArgs) -> Result<ServeOptions> {
    let file: FileConfig = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("reading the config file {}", path.display()))?
        }
        None => FileConfig::default(),
    };
    Ok(ServeOptions {
        demo: args.demo || file.demo.unwrap_or(false),
        data_dir: args
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./snitflade-data")),
        listen: args.listen.or(file.listen).unwrap_or_else(|| "127.0.0.1:8443".into()),
        admin_listen: args
            .admin_listen
            .or(file.admin_listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into()),
        database_url: args.database_url.or(file.database_url),
        amqp_url: args.amqp_url.or(file.amqp_url),
        services: file.services,
        handshake_timeout: Duration::from_secs(file.handshake_timeout_secs.unwrap_or(10)),
        request_timeout: Duration::from_secs(file.request_timeout_secs.unwrap_or(30)),
        max_connections: file.max_connections.unwrap_or(4096),
    })
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

fn main() -> Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SNITFLADE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    match cli.command {
        Command::Serve(args) => {
            let opts = options(args)?;
            runtime.block_on(snitflade_server::serve(opts, shutdown_signal()))
        }
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
        let Command::Serve(args) = cli.command;
        let o = options(args).unwrap();
        assert_eq!(o.listen, "127.0.0.1:1");
        assert_eq!(o.admin_listen, "127.0.0.1:9080");
        assert!(!o.services.masterdata_once_per_day);
        assert_eq!(o.data_dir, PathBuf::from("./snitflade-data"));
    }

    #[test]
    fn unknown_config_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        std::fs::write(&cfg, "lissten = \"x\"\n").unwrap();
        let cli = Cli::parse_from(["snitflade", "serve", "--config", cfg.to_str().unwrap()]);
        let Command::Serve(args) = cli.command;
        assert!(options(args).is_err());
    }
}
