//! `snitflade-load`: command-line load driver and crash (durability) check
//! for the snitflade machine-hours registration service. See the crate
//! README for usage.

use std::ffi::OsString;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Result, bail};
use clap::{Args, Parser, Subcommand};
use snitflade_bench::crash::{CrashCheckConfig, run_crash_check};
use snitflade_bench::hostile::{DEFAULT_IDLE_SYSTEM, HostileConfig, MAX_SOURCES, Mix};
use snitflade_bench::load::{LoadConfig, StopCondition, start_load};
use snitflade_bench::zlpe_import::{ZlpeImportConfig, run_zlpe_import};
use snitflade_bench::{DEFAULT_SYSTEM, mtls_client_config, parse_duration};

/// Default measured duration when neither `--duration` nor `--requests` is
/// given.
const DEFAULT_DURATION: Duration = Duration::from_secs(20);

/// Default warm-up in duration mode.
const DEFAULT_WARMUP: Duration = Duration::from_secs(1);

/// Exit code when acknowledged registrations are missing after a crash.
const EXIT_MISSING: u8 = 2;

/// Exit code when a run acknowledged nothing (so it proved nothing).
const EXIT_NOTHING_ACKED: u8 = 3;

/// Exit code when the hostile check missed its goal (p99 too high or a call
/// failed).
const EXIT_GOAL_MISSED: u8 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "snitflade-load",
    version,
    about = "Load driver and crash check for snitflade"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send valid machine-hours registrations over K connections and report
    /// throughput and latency.
    Load(LoadArgs),
    /// Repeatedly SIGKILL a server under load, restart it and verify that
    /// every acknowledged registration survived.
    CrashCheck(CrashArgs),
    /// Generate an N-employee ZLPE dump, import it with `snitflade import
    /// zlpe` into a fresh data dir and again (no changes); report wall time,
    /// employees/s and peak memory.
    ZlpeImport(ZlpeImportArgs),
    /// For each size N: a fresh demo data dir with N more employees (every
    /// data category), a server on it, and a Medarbejderoplysninger List of
    /// all N and of 100; report time, answer size and the server's memory.
    EmployeeList(EmployeeListArgs),
    /// A fresh demo data dir with N employees and a year of absences each;
    /// SetAbsenceAttendance throughput and GetAbsenceAttendanceByPeriod
    /// latency as `dagtilbud`.
    Absence(AbsenceArgs),
    /// A fresh demo data dir; Engangsydelser update-onetime-payments with
    /// up to 999 items per request by C clients as `kantine` (items/s and
    /// latency), then the same with `Kun_Valider`.
    Onetime(OnetimeArgs),
    /// A fresh demo server; sequential Personalemappe uploads of each size as
    /// `rekruttering`; report content MB/s and the server's peak memory
    /// (VmHWM).
    Personalemappe(PersonalemappeArgs),
    /// A fresh demo data dir with N employees and D dueslag subscribed to
    /// absence.created (push receivers here, or AMQP queues with
    /// --amqp-url); one absence per employee as `dagtilbud`; report events/s
    /// from change to delivery and the end-to-end latency.
    Beskedfordeler(BeskedfordelerArgs),
    /// Hold thousands of hostile connections (bare TCP, stalled handshakes,
    /// idle mTLS of a system without grants) open from many loopback source
    /// addresses and measure a granted system's calls meanwhile; fail unless
    /// p99 < --p99-limit (overall and per path) and no call failed.
    Hostile(HostileArgs),
    /// A fresh demo data dir with N more employees and E open error-table entries, a server on it and an operator
    /// signed in to the console; every page fetched R times: time to the last byte.
    Console(ConsoleArgs),
    /// Serve a do-nothing target on the services listener's own TLS and HTTP stack (DATA_DIR's server certificate
    /// and CA), answering 200 at once; prints `ready <address>`. Load it like the server to measure the ceiling.
    Ceiling(CeilingArgs),
    /// A fresh demo data dir with N employees and `serve --demo` on it; a paced mix of registrations, absence
    /// INS+DEL, one employee's absences and one employee's List for M minutes, printing the server's CPU, RSS and
    /// p50/p99 per call kind every interval; fails if CPU per request or a p50 drifts beyond --max-drift.
    Soak(SoakArgs),
}

#[derive(Debug, Args)]
struct CeilingArgs {
    /// A data dir whose `pki/` (server certificate, key, CA) the target uses, e.g. one `serve --demo` made.
    #[arg(long)]
    data_dir: PathBuf,
    /// Where to listen, e.g. 127.0.0.1:19444 (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: SocketAddr,
}

#[derive(Debug, Args)]
struct SoakArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (a data dir left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// Use this (empty) database instead of SQLite in DIR.
    #[arg(long)]
    database_url: Option<String>,
    /// Synthetic employees in 0340 whose absences churn.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    employees: u32,
    /// Requests per second, all kinds together.
    #[arg(long, default_value_t = 150, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    rate: u32,
    /// How long to run, e.g. 30m.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    duration: Duration,
    /// How often to print a line, e.g. 30s.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    interval: Duration,
    /// Allowed drift of CPU per request and of each p50 from the second interval to the last (0.15 = ±15 %).
    #[arg(long, default_value_t = 0.15)]
    max_drift: f64,
    /// Print one JSON line per interval on stdout (the table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ConsoleArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (replaced if present).
    #[arg(long)]
    dir: PathBuf,
    /// Employees beyond the demo's.
    #[arg(long, default_value_t = 50_000)]
    employees: u32,
    /// Open error-table entries.
    #[arg(long, default_value_t = 10_000)]
    errors: u32,
    /// Measured fetches of each page (after three to warm up).
    #[arg(long, default_value_t = 30)]
    rounds: usize,
    /// Print one JSON line per page on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["bin", "services"])))]
struct HostileArgs {
    /// Path of the snitflade binary: start `serve --demo` on a fresh --dir.
    #[arg(long, requires = "dir", conflicts_with_all = ["services", "admin", "data_dir"])]
    bin: Option<PathBuf>,
    /// Working directory for the started server's data dir (replaced if present).
    #[arg(long, requires = "bin")]
    dir: Option<PathBuf>,
    /// Configuration file passed to the started server as `--config`.
    #[arg(long, requires = "bin")]
    config: Option<PathBuf>,
    /// Attach instead to this running services listener (IPv4 loopback).
    #[arg(long, requires = "data_dir")]
    services: Option<SocketAddr>,
    /// The running server's admin listener, for `/metrics`.
    #[arg(long, requires = "services")]
    admin: Option<SocketAddr>,
    /// The running server's data dir (CA, client certificates, admin token).
    #[arg(long, requires = "services")]
    data_dir: Option<PathBuf>,
    /// Hostile connections to hold open.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(0..=15_000))]
    connections: u32,
    /// Relative weights of the hostile kinds.
    #[arg(long, default_value_t = Mix::default())]
    mix: Mix,
    /// Distinct source addresses 127.0.0.2, 127.0.0.3, … (connections spread evenly).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_SOURCES)))]
    sources: u32,
    /// Open the population over this long (reconnects are paced at the same rate).
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    ramp: Duration,
    /// Wait this long after the population is up before measuring.
    #[arg(long, value_parser = parse_duration, default_value = "3s")]
    warmup: Duration,
    /// Measured duration.
    #[arg(long, value_parser = parse_duration, default_value = "20s")]
    duration: Duration,
    /// Start a granted call this often on each path (keep-alive, new connection).
    #[arg(long, value_parser = parse_duration, default_value = "50ms")]
    interval: Duration,
    /// The goal: p99 of all granted calls, and of each path, below this.
    #[arg(long, value_parser = parse_duration, default_value = "100ms")]
    p99_limit: Duration,
    /// The granted calling system.
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    system: String,
    /// The system whose certificate the idle connections present.
    #[arg(long, default_value = DEFAULT_IDLE_SYSTEM)]
    idle_system: String,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct BeskedfordelerArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (a data dir left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// Changes (one absence per synthetic employee).
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    events: u32,
    /// Dueslag, each subscribed to every change.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=1000))]
    dueslag: u32,
    /// Concurrent clients making the changes.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Changes per second in total (0 = as fast as the clients go).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// The server's [beskedfordeler] poll_ms.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    poll_ms: u64,
    /// RabbitMQ: the dueslag are AMQP queues read here instead of push receivers.
    #[arg(long)]
    amqp_url: Option<String>,
    /// Use this (empty) database instead of SQLite in DIR.
    #[arg(long)]
    database_url: Option<String>,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct PersonalemappeArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (a data dir left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// Document sizes in MiB, comma-separated, ascending (the server's
    /// high-water mark only grows).
    #[arg(long, value_delimiter = ',', default_values_t = [1u32, 20])]
    sizes_mib: Vec<u32>,
    /// Uploads per size.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    uploads: u32,
    /// Use this (empty) database instead of SQLite in DIR.
    #[arg(long)]
    database_url: Option<String>,
    /// Print one JSON line per size on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct OnetimeArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (a data dir left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// update-onetime-payments requests (and as many Kun_Valider requests).
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    requests: u32,
    /// Concurrent clients.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Payments per request.
    #[arg(long, default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..=999))]
    items: u32,
    /// Use this (empty) database instead of SQLite in DIR.
    #[arg(long)]
    database_url: Option<String>,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct AbsenceArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory (a data dir left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// Synthetic employees in 0340.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    employees: u32,
    /// Absences per employee over the year from December 2025 (every 15 days).
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(0..=24))]
    absences_per_employee: u32,
    /// SetAbsenceAttendance INS requests.
    #[arg(long, default_value_t = 5_000)]
    requests: u32,
    /// Concurrent clients for the INS.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Sequential one-employee reads.
    #[arg(long, default_value_t = 1_000)]
    reads: u32,
    /// Use this (empty) database instead of SQLite in DIR.
    #[arg(long)]
    database_url: Option<String>,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct EmployeeListArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory; each size gets DIR/n<N> (replaced if present).
    #[arg(long)]
    dir: PathBuf,
    /// Sizes to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000u32, 10_000, 50_000])]
    sizes: Vec<u32>,
    /// Print one JSON line per measurement on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ZlpeImportArgs {
    /// Path of the snitflade binary.
    #[arg(long)]
    bin: PathBuf,
    /// Working directory for the dump and the data dir DIR/data (a data dir
    /// left there by an earlier run is replaced).
    #[arg(long)]
    dir: PathBuf,
    /// Active employees in the generated dump.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    employees: u32,
    /// Import into this (empty) database instead of SQLite in DIR/data.
    #[arg(long)]
    database_url: Option<String>,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct LoadArgs {
    /// Server data directory (for the CA and the client certificate).
    #[arg(long)]
    data_dir: PathBuf,
    /// Services listener address, e.g. 127.0.0.1:8443 (loopback only).
    #[arg(long)]
    services: SocketAddr,
    /// Concurrent connections, one request in flight on each.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=4096))]
    connections: u16,
    /// Measured duration after the warm-up, e.g. 20s, 500ms, 2m [default: 20s].
    #[arg(long, value_parser = parse_duration, conflicts_with = "requests")]
    duration: Option<Duration>,
    /// Send this many requests in total (warm-up included) instead.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Initial period not counted in the statistics [default: 1s with
    /// --duration, 0 with --requests].
    #[arg(long, value_parser = parse_duration)]
    warmup: Option<Duration>,
    /// Calling system whose client certificate is used.
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    system: String,
    /// Append every acknowledged EX_IDENT to this file, one per line.
    #[arg(long)]
    acked_out: Option<PathBuf>,
    /// Print the report as one JSON line on stdout (table goes to stderr).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct CrashArgs {
    /// Path of the snitflade server binary.
    #[arg(long)]
    bin: PathBuf,
    /// Data directory for the server (created on first start if empty).
    #[arg(long)]
    data_dir: PathBuf,
    /// Server configuration file, passed on as `--config`.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Concurrent connections, one request in flight on each.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=4096))]
    connections: u16,
    /// Time from the start of the load to the SIGKILL.
    #[arg(long, value_parser = parse_duration, default_value = "5s")]
    kill_after: Duration,
    /// Number of kill/restart rounds.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    rounds: u32,
    /// Calling system whose client certificate is used.
    #[arg(long, default_value = DEFAULT_SYSTEM)]
    system: String,
    /// Append every acknowledged EX_IDENT to this file, one per line.
    #[arg(long)]
    acked_out: Option<PathBuf>,
    /// Print one JSON line per round on stdout (summaries go to stderr).
    #[arg(long)]
    json: bool,
}

impl LoadArgs {
    fn warmup(&self) -> Duration {
        match (self.warmup, self.requests) {
            (Some(w), _) => w,
            (None, Some(_)) => Duration::ZERO,
            (None, None) => DEFAULT_WARMUP,
        }
    }

    fn stop_condition(&self) -> StopCondition {
        match (self.requests, self.duration) {
            (Some(n), _) => StopCondition::Requests(n),
            (None, d) => StopCondition::Duration(d.unwrap_or(DEFAULT_DURATION)),
        }
    }
}

impl CrashArgs {
    fn to_config(&self) -> CrashCheckConfig {
        let mut extra_args = Vec::new();
        if let Some(config) = &self.config {
            extra_args.push(OsString::from("--config"));
            extra_args.push(config.clone().into_os_string());
        }
        CrashCheckConfig {
            bin: self.bin.clone(),
            data_dir: self.data_dir.clone(),
            extra_args,
            connections: usize::from(self.connections),
            kill_after: self.kill_after,
            rounds: self.rounds,
            system: self.system.clone(),
            acked_out: self.acked_out.clone(),
        }
    }
}

/// Print a human-readable block: to stdout normally, to stderr when stdout
/// carries JSON.
fn human(json_mode: bool, text: &str) {
    if json_mode {
        eprint!("{text}");
    } else {
        print!("{text}");
        let _ = std::io::stdout().flush();
    }
}

async fn load(args: LoadArgs) -> Result<ExitCode> {
    let handle = start_load(LoadConfig {
        services: args.services,
        connections: usize::from(args.connections),
        stop: args.stop_condition(),
        warmup: args.warmup(),
        tls: mtls_client_config(&args.data_dir, &args.system)?,
        acked_out: args.acked_out.clone(),
    })?;
    let control = handle.control();
    let join = handle.join();
    tokio::pin!(join);
    let outcome = tokio::select! {
        outcome = &mut join => outcome?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: finishing requests in flight");
            control.stop();
            join.await?
        }
    };
    let report = outcome.report;
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.json_line());
    }
    if report.total_acked == 0 {
        eprintln!("no request was acknowledged");
        return Ok(ExitCode::from(EXIT_NOTHING_ACKED));
    }
    Ok(ExitCode::SUCCESS)
}

async fn crash_check(args: CrashArgs) -> Result<ExitCode> {
    let cfg = args.to_config();
    let json_mode = args.json;
    let results = run_crash_check(&cfg, |r| {
        human(json_mode, &format!("{}\n", r.summary_line()));
        if json_mode {
            println!("{}", r.to_json());
        }
        for e in r.missing.iter().chain(&r.missing_earlier).take(20) {
            eprintln!("  missing: {e}");
        }
    })
    .await?;
    let missing: usize = results.iter().map(|r| r.missing.len() + r.missing_earlier.len()).sum();
    let acked: usize = results.iter().map(|r| r.acked).sum();
    let idle_rounds = results.iter().filter(|r| r.acked == 0).count();
    eprintln!(
        "crash check: {} round(s), {acked} acknowledged, {missing} missing",
        results.len()
    );
    if missing > 0 {
        eprintln!("FAIL: acknowledged registrations were lost");
        return Ok(ExitCode::from(EXIT_MISSING));
    }
    if idle_rounds > 0 {
        eprintln!("FAIL: {idle_rounds} round(s) acknowledged nothing before the kill; raise --kill-after");
        return Ok(ExitCode::from(EXIT_NOTHING_ACKED));
    }
    eprintln!("PASS");
    Ok(ExitCode::SUCCESS)
}

fn zlpe_import(args: ZlpeImportArgs) -> Result<ExitCode> {
    let report = run_zlpe_import(&ZlpeImportConfig {
        bin: args.bin,
        dir: args.dir,
        employees: args.employees,
        database_url: args.database_url,
    })?;
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.json_line());
    }
    Ok(ExitCode::SUCCESS)
}

async fn console(args: ConsoleArgs) -> Result<ExitCode> {
    use snitflade_bench::console::{TABLE_HEADER, measure, prepare};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let started = std::time::Instant::now();
    prepare(&args.bin, &args.dir, args.employees, args.errors).await?;
    human(
        args.json,
        &format!(
            "prepared {} employees and {} error entries in {:.1} s\n{TABLE_HEADER}\n",
            args.employees,
            args.errors,
            started.elapsed().as_secs_f64()
        ),
    );
    for page in measure(&args.bin, &args.dir, args.rounds).await? {
        human(args.json, &format!("{}\n", page.table_row()));
        if args.json {
            println!("{}", page.to_json());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn employee_list(args: EmployeeListArgs) -> Result<ExitCode> {
    use snitflade_bench::employee_list::{TABLE_HEADER, measure, prepare};
    human(args.json, &format!("{TABLE_HEADER}\n"));
    for n in args.sizes {
        let dir = args.dir.join(format!("n{n}"));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let config = prepare(&args.bin, &dir, n).await?;
        for m in measure(&args.bin, &dir, &config, n).await? {
            human(args.json, &format!("{}\n", m.table_row()));
            if args.json {
                println!("{}", m.to_json());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn absence(args: AbsenceArgs) -> Result<ExitCode> {
    use snitflade_bench::absence::{AbsenceConfig, measure, prepare};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let cfg = AbsenceConfig {
        bin: args.bin,
        dir: args.dir,
        database_url: args.database_url,
        employees: args.employees,
        absences_per_employee: args.absences_per_employee,
        inserts: args.requests,
        concurrency: args.concurrency,
        reads: args.reads,
    };
    let start = std::time::Instant::now();
    prepare(&cfg).await?;
    human(
        args.json,
        &format!("prepared in {:.1} s\n", start.elapsed().as_secs_f64()),
    );
    let report = measure(&cfg).await?;
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.to_json());
    }
    if report.refused > 0 {
        eprintln!(
            "FAIL: {} INS refused, e.g. {}",
            report.refused,
            report.first_refusal.as_deref().unwrap_or_default()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

async fn personalemappe(args: PersonalemappeArgs) -> Result<ExitCode> {
    use snitflade_bench::personalemappe::{TABLE_HEADER, UploadConfig, run};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let cfg = UploadConfig {
        bin: args.bin,
        dir: args.dir,
        database_url: args.database_url,
        sizes: args.sizes_mib.iter().map(|m| *m as usize * 1024 * 1024).collect(),
        uploads: args.uploads,
    };
    human(args.json, &format!("{TABLE_HEADER}\n"));
    for m in run(&cfg).await? {
        human(args.json, &format!("{}\n", m.table_row()));
        if args.json {
            println!("{}", m.to_json());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn onetime(args: OnetimeArgs) -> Result<ExitCode> {
    use snitflade_bench::onetime::{OnetimeConfig, measure};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let report = measure(&OnetimeConfig {
        bin: args.bin,
        dir: args.dir,
        database_url: args.database_url,
        requests: args.requests,
        concurrency: args.concurrency,
        items: args.items,
    })
    .await?;
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.to_json());
    }
    Ok(ExitCode::SUCCESS)
}

async fn beskedfordeler(args: BeskedfordelerArgs) -> Result<ExitCode> {
    use snitflade_bench::beskedfordeler::{BeskedConfig, measure};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let report = measure(&BeskedConfig {
        bin: args.bin,
        dir: args.dir,
        database_url: args.database_url,
        amqp_url: args.amqp_url,
        events: args.events,
        dueslag: args.dueslag,
        concurrency: args.concurrency,
        rate: args.rate,
        poll_ms: args.poll_ms,
    })
    .await?;
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.to_json());
    }
    Ok(ExitCode::SUCCESS)
}

async fn hostile(args: HostileArgs) -> Result<ExitCode> {
    use snitflade_bench::ServerProcess;
    let (soft, hard) = snitflade_bench::hostile::raise_nofile_limit()?;
    let needed = u64::from(args.connections) + 256;
    if soft < needed {
        eprintln!("warning: open-file limit {soft} (hard {hard}) is below the {needed} this run needs");
    }
    let mut server = None;
    let (services, admin, data_dir) = match (&args.bin, &args.dir, &args.services, &args.data_dir) {
        (Some(bin), Some(dir), _, _) => {
            if dir.exists() {
                std::fs::remove_dir_all(dir)?;
            }
            let mut cmd = ServerProcess::demo_command(bin, dir);
            if let Some(config) = &args.config {
                cmd.arg("--config").arg(config);
            }
            let s = ServerProcess::spawn_async(cmd).await?;
            let addrs = (s.services, Some(s.admin), dir.clone());
            server = Some(s);
            addrs
        }
        (_, _, Some(services), Some(data_dir)) => (*services, args.admin, data_dir.clone()),
        _ => bail!("give --bin and --dir, or --services and --data-dir"),
    };
    let cfg = HostileConfig {
        services,
        admin,
        data_dir,
        connections: args.connections as usize,
        mix: args.mix,
        sources: args.sources,
        ramp: args.ramp,
        warmup: args.warmup,
        duration: args.duration,
        interval: args.interval,
        system: args.system,
        idle_system: args.idle_system,
        p99_limit: args.p99_limit,
        server_pid: server.as_ref().map(ServerProcess::pid),
    };
    let report = snitflade_bench::hostile::run(&cfg).await?;
    if let Some(s) = server.as_mut()
        && let Some(status) = s.try_wait()?
    {
        eprintln!("the server exited during the run: {status}");
    }
    human(args.json, &report.table());
    if args.json {
        println!("{}", report.to_json());
    }
    Ok(if report.goal_met() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_GOAL_MISSED)
    })
}

async fn ceiling(args: CeilingArgs) -> Result<ExitCode> {
    snitflade_bench::ceiling::run(&args.data_dir, args.listen).await?;
    Ok(ExitCode::SUCCESS)
}

async fn soak(args: SoakArgs) -> Result<ExitCode> {
    use snitflade_bench::soak::{SoakConfig, drift, run};
    if args.dir.exists() {
        std::fs::remove_dir_all(&args.dir)?;
    }
    let cfg = SoakConfig {
        bin: args.bin,
        dir: args.dir,
        database_url: args.database_url,
        employees: args.employees,
        rate: args.rate,
        duration: args.duration,
        interval: args.interval,
        max_drift: args.max_drift,
    };
    let intervals = run(&cfg, |i| {
        human(args.json, &format!("{}\n", i.line()));
        if args.json {
            println!("{}", i.json());
        }
    })
    .await?;
    let drifted = drift(&intervals, cfg.max_drift);
    if drifted.is_empty() {
        human(args.json, &format!("no drift beyond ±{:.0} %\n", cfg.max_drift * 100.0));
        Ok(ExitCode::SUCCESS)
    } else {
        for d in &drifted {
            eprintln!("drift: {d}");
        }
        Ok(ExitCode::from(EXIT_GOAL_MISSED))
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ceiling(args) => ceiling(args).await,
        Command::Soak(args) => soak(args).await,
        Command::Hostile(args) => hostile(args).await,
        Command::Beskedfordeler(args) => beskedfordeler(args).await,
        Command::Onetime(args) => onetime(args).await,
        Command::Personalemappe(args) => personalemappe(args).await,
        Command::Absence(args) => absence(args).await,
        Command::EmployeeList(args) => employee_list(args).await,
        Command::Console(args) => console(args).await,
        Command::Load(args) => load(args).await,
        Command::ZlpeImport(args) => tokio::task::spawn_blocking(move || zlpe_import(args)).await?,
        Command::CrashCheck(args) => {
            if args.kill_after.is_zero() {
                bail!("--kill-after must be positive");
            }
            crash_check(args).await
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("snitflade-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("snitflade-load").chain(args.iter().copied()))
    }

    fn load_args(args: &[&str]) -> LoadArgs {
        match parse(args).unwrap().command {
            Command::Load(a) => a,
            other => panic!("not load: {other:?}"),
        }
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn load_defaults() {
        let a = load_args(&["load", "--data-dir", "/d", "--services", "127.0.0.1:8443"]);
        assert_eq!(a.services, "127.0.0.1:8443".parse().unwrap());
        assert_eq!(a.connections, 32);
        assert_eq!(a.warmup(), Duration::from_secs(1));
        assert_eq!(a.system, "maskinregistrering");
        assert_eq!(a.stop_condition(), StopCondition::Duration(Duration::from_secs(20)));
        assert!(!a.json);
        assert!(a.acked_out.is_none());
    }

    #[test]
    fn load_durations_and_counts() {
        let a = load_args(&[
            "load",
            "--data-dir",
            "/d",
            "--services",
            "127.0.0.1:1",
            "--duration",
            "500ms",
            "--warmup",
            "0",
            "--connections",
            "8",
            "--json",
            "--acked-out",
            "/tmp/a",
        ]);
        assert_eq!(a.stop_condition(), StopCondition::Duration(Duration::from_millis(500)));
        assert_eq!(a.warmup(), Duration::ZERO);
        assert_eq!(a.connections, 8);
        assert!(a.json);
        assert_eq!(a.acked_out.as_deref(), Some(std::path::Path::new("/tmp/a")));

        let a = load_args(&[
            "load",
            "--data-dir",
            "/d",
            "--services",
            "127.0.0.1:1",
            "--requests",
            "1000",
        ]);
        assert_eq!(a.stop_condition(), StopCondition::Requests(1000));
        assert_eq!(a.warmup(), Duration::ZERO);
        let a = load_args(&[
            "load",
            "--data-dir",
            "/d",
            "--services",
            "127.0.0.1:1",
            "--requests",
            "1000",
            "--warmup",
            "2s",
        ]);
        assert_eq!(a.warmup(), Duration::from_secs(2));
    }

    #[test]
    fn load_rejects_bad_input() {
        let base = ["load", "--data-dir", "/d", "--services", "127.0.0.1:1"];
        let with = |extra: &[&str]| {
            let mut v = base.to_vec();
            v.extend_from_slice(extra);
            parse(&v)
        };
        assert!(with(&["--duration", "20"]).is_err());
        assert!(with(&["--duration", "20s", "--requests", "5"]).is_err());
        assert!(with(&["--requests", "0"]).is_err());
        assert!(with(&["--connections", "0"]).is_err());
        assert!(parse(&["load", "--data-dir", "/d", "--services", "localhost:1"]).is_err());
        assert!(parse(&["load", "--services", "127.0.0.1:1"]).is_err());
    }

    #[test]
    fn zlpe_import_arguments() {
        let cli = parse(&["zlpe-import", "--bin", "b", "--dir", "/tmp/z"]).unwrap();
        let Command::ZlpeImport(a) = cli.command else {
            panic!("not zlpe-import");
        };
        assert_eq!(
            (a.bin, a.dir, a.employees),
            (PathBuf::from("b"), PathBuf::from("/tmp/z"), 50_000)
        );
        assert!(a.database_url.is_none() && !a.json);
        assert!(parse(&["zlpe-import", "--bin", "b", "--dir", "d", "--employees", "0"]).is_err());
        assert!(parse(&["zlpe-import", "--dir", "d"]).is_err());
    }

    #[test]
    fn hostile_arguments() {
        let cli = parse(&["hostile", "--bin", "b", "--dir", "/tmp/h"]).unwrap();
        let Command::Hostile(a) = cli.command else {
            panic!("not hostile");
        };
        assert_eq!((a.connections, a.sources, a.mix), (5_000, 50, Mix([40, 40, 20])));
        assert_eq!(
            (a.duration, a.warmup, a.ramp),
            (Duration::from_secs(20), Duration::from_secs(3), Duration::from_secs(2))
        );
        assert_eq!(a.p99_limit, Duration::from_millis(100));
        assert_eq!(
            (a.system.as_str(), a.idle_system.as_str()),
            ("maskinregistrering", "ingen-adgang")
        );

        let cli = parse(&[
            "hostile",
            "--services",
            "127.0.0.1:8443",
            "--admin",
            "127.0.0.1:8080",
            "--data-dir",
            "/d",
            "--mix",
            "bare=1,idle=1",
            "--connections",
            "100",
            "--sources",
            "3",
            "--p99-limit",
            "250ms",
        ])
        .unwrap();
        let Command::Hostile(a) = cli.command else {
            panic!("not hostile");
        };
        assert_eq!(a.services, Some("127.0.0.1:8443".parse().unwrap()));
        assert_eq!(a.mix, Mix([1, 0, 1]));
        assert_eq!(a.p99_limit, Duration::from_millis(250));

        assert!(parse(&["hostile"]).is_err());
        assert!(parse(&["hostile", "--bin", "b"]).is_err());
        assert!(parse(&["hostile", "--services", "127.0.0.1:1"]).is_err());
        assert!(parse(&["hostile", "--bin", "b", "--dir", "d", "--services", "127.0.0.1:1"]).is_err());
        assert!(parse(&["hostile", "--bin", "b", "--dir", "d", "--mix", "slow=1"]).is_err());
        assert!(parse(&["hostile", "--bin", "b", "--dir", "d", "--sources", "0"]).is_err());
        assert!(parse(&["hostile", "--bin", "b", "--dir", "d", "--sources", "251"]).is_err());
    }

    #[test]
    fn onetime_arguments() {
        let cli = parse(&["onetime", "--bin", "b", "--dir", "/tmp/o"]).unwrap();
        let Command::Onetime(a) = cli.command else {
            panic!("not onetime");
        };
        assert_eq!((a.requests, a.concurrency, a.items), (200, 4, 999));
        assert!(a.database_url.is_none() && !a.json);
        assert!(parse(&["onetime", "--bin", "b", "--dir", "d", "--items", "1000"]).is_err());
        assert!(parse(&["onetime", "--bin", "b", "--dir", "d", "--concurrency", "0"]).is_err());
    }

    #[test]
    fn crash_check_arguments() {
        let cli = parse(&[
            "crash-check",
            "--bin",
            "target/release/snitflade",
            "--data-dir",
            "/tmp/d",
            "--kill-after",
            "2.5s",
            "--rounds",
            "5",
            "--connections",
            "16",
            "--config",
            "/etc/s.toml",
        ])
        .unwrap();
        let Command::CrashCheck(a) = cli.command else {
            panic!("not crash-check");
        };
        let cfg = a.to_config();
        assert_eq!(cfg.bin, PathBuf::from("target/release/snitflade"));
        assert_eq!(cfg.kill_after, Duration::from_millis(2500));
        assert_eq!(cfg.rounds, 5);
        assert_eq!(cfg.connections, 16);
        assert_eq!(cfg.system, "maskinregistrering");
        assert_eq!(
            cfg.extra_args,
            [OsString::from("--config"), OsString::from("/etc/s.toml")]
        );

        let cli = parse(&["crash-check", "--bin", "b", "--data-dir", "d"]).unwrap();
        let Command::CrashCheck(a) = cli.command else {
            panic!("not crash-check");
        };
        assert_eq!(a.kill_after, Duration::from_secs(5));
        assert_eq!(a.rounds, 3);
        assert_eq!(a.connections, 32);
        assert!(a.to_config().extra_args.is_empty());
        assert!(parse(&["crash-check", "--bin", "b", "--data-dir", "d", "--kill-after", "5"]).is_err());
    }
}
