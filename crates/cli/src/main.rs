//! The `snitflade` binary: command-line parsing (the settings of the commands that open the store — flags,
//! `SNITFLADE_*` environment variables and the TOML `--config` file — are in [`config`]), logging set-up, and signal
//! handling. `serve` runs the server;
//! `import zlpe` / `export zlpe` (in [`zlpe`]) move the nightly Opus dump in and out of the same store;
//! `import ind01` (in [`ind01`]) and `export ferie` (in [`ferie`]) serve the legacy files; `admin` (in [`admin`])
//! and `landscape` (in [`landscape`]) are clients of a running server's admin API; `completions` and `man` (in
//! [`manual`]) describe the commands themselves.

mod admin;
mod backup;
mod build_info;
mod config;
#[cfg(test)]
mod config_doc;
mod ferie;
mod ind01;
mod landscape;
mod malloc;
mod manual;
#[cfg(test)]
mod test_args;
mod zlpe;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand};
use config::{ServeArgs, StoreArgs};

#[derive(Parser)]
#[command(
    name = "snitflade",
    version = build_info::VERSION,
    long_version = build_info::LONG_VERSION,
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
    /// Copy the database (an online snapshot; pg_dump for PostgreSQL) and the data dir's files into a new
    /// directory, while the server runs. A SQLite backup is itself a data dir.
    Backup(backup::BackupArgs),
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
    if matches!(
        cli.command,
        Command::Serve(_) | Command::Import(_) | Command::Export(_) | Command::Backup(_)
    ) {
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
            let opts = config::options(args)?;
            runtime.block_on(snitflade_server::serve(opts, shutdown_signal()))?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Zlpe(args)) => runtime.block_on(zlpe::import(args)),
        Command::Import(ImportCommand::Ind01(args)) => runtime.block_on(ind01::import(args)),
        Command::Export(ExportCommand::Zlpe(args)) => runtime.block_on(zlpe::export(args)),
        Command::Export(ExportCommand::Ferie(args)) => runtime.block_on(ferie::export(args)),
        Command::Admin(args) => runtime.block_on(admin::run(args)),
        Command::Landscape(args) => runtime.block_on(landscape::run(args)),
        Command::Backup(args) => runtime.block_on(backup::run(args)),
        Command::Completions(args) => manual::completions(args),
        Command::Man(args) => manual::man(args),
    }
}
