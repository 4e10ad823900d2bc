//! Crash check: run load against a real server, SIGKILL it while requests
//! are in flight, restart it on the same data directory and verify that
//! every registration it acknowledged (HTTP 200) is still stored.

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{Value, json};

use crate::admin::Admin;
use crate::load::{LoadConfig, StopCondition, start_load};
use crate::report::LoadReport;
use crate::server::ServerProcess;
use crate::tls::mtls_client_config;

/// Parameters of a crash check.
#[derive(Debug, Clone)]
pub struct CrashCheckConfig {
    /// Path of the `snitflade` binary.
    pub bin: PathBuf,
    /// Data directory, shared by all starts (created by the first one).
    pub data_dir: PathBuf,
    /// Extra arguments for `serve` (e.g. `--config FILE`).
    pub extra_args: Vec<OsString>,
    /// Concurrent connections of the load.
    pub connections: usize,
    /// Time from the start of the load to the SIGKILL.
    pub kill_after: Duration,
    /// Number of kill/restart rounds.
    pub rounds: u32,
    /// Calling system whose certificate the load uses.
    pub system: String,
    /// File to which every acknowledged EX_IDENT is appended.
    pub acked_out: Option<PathBuf>,
}

/// Outcome of one kill/restart round.
#[derive(Debug, Clone)]
pub struct RoundResult {
    /// 1-based round number.
    pub round: u32,
    /// Requests answered 200 in this round.
    pub acked: usize,
    /// Of those, found in the store after the restart.
    pub stored: usize,
    /// Of those, not found (must be empty).
    pub missing: Vec<String>,
    /// Registrations acknowledged in earlier rounds that are no longer
    /// stored (must be empty).
    pub missing_earlier: Vec<String>,
    /// Requests waiting for an answer just before the kill.
    pub in_flight_at_kill: usize,
    /// Load counters of the round (errors are expected from the kill).
    pub load: LoadReport,
    /// Registrations stored in total after the restart.
    pub stored_total: usize,
    /// Time from spawning the restarted server to its ready line.
    pub restart_time: Duration,
}

impl RoundResult {
    /// True when nothing acknowledged was lost.
    pub fn passed(&self) -> bool {
        self.missing.is_empty() && self.missing_earlier.is_empty()
    }

    /// One human-readable line.
    pub fn summary_line(&self) -> String {
        let mut s = format!(
            "round {}: acked {}  stored {}  missing {}",
            self.round,
            self.acked,
            self.stored,
            self.missing.len()
        );
        if !self.missing_earlier.is_empty() {
            s.push_str(&format!("  missing from earlier rounds {}", self.missing_earlier.len()));
        }
        s.push_str(&format!(
            "  (in flight at kill {}, failed requests {}, non-200 {}, stored in total {}, restart {:.2} s)",
            self.in_flight_at_kill,
            self.load.errors,
            self.load.non_200_total(),
            self.stored_total,
            self.restart_time.as_secs_f64()
        ));
        s
    }

    /// The round as one JSON object (missing EX_IDENTs listed, up to 100).
    pub fn to_json(&self) -> Value {
        let first = |v: &[String]| v.iter().take(100).cloned().collect::<Vec<_>>();
        json!({
            "round": self.round,
            "acked": self.acked,
            "stored": self.stored,
            "missing": self.missing.len(),
            "missing_earlier": self.missing_earlier.len(),
            "missing_ex_idents": first(&self.missing),
            "missing_earlier_ex_idents": first(&self.missing_earlier),
            "in_flight_at_kill": self.in_flight_at_kill,
            "stored_total": self.stored_total,
            "restart_s": self.restart_time.as_secs_f64(),
            "load": self.load.to_json(),
        })
    }
}

/// Start the server on the configured data directory and wait for it.
async fn start_server(cfg: &CrashCheckConfig) -> Result<(ServerProcess, Duration)> {
    let mut cmd = ServerProcess::demo_command(&cfg.bin, &cfg.data_dir);
    cmd.args(&cfg.extra_args);
    let begin = Instant::now();
    let server = ServerProcess::spawn_async(cmd).await?;
    Ok((server, begin.elapsed()))
}

/// Run the check. `on_round` is called after every round (for progress
/// output); the results of all rounds are returned. Stops early, returning
/// what it has, when a round loses data.
pub async fn run_crash_check(
    cfg: &CrashCheckConfig,
    mut on_round: impl FnMut(&RoundResult),
) -> Result<Vec<RoundResult>> {
    let (mut server, _) = start_server(cfg).await.context("first start of the server")?;
    let mut earlier: HashSet<String> = HashSet::new();
    let mut results = Vec::new();
    for round in 1..=cfg.rounds {
        let tls = mtls_client_config(&cfg.data_dir, &cfg.system)?;
        let handle = start_load(LoadConfig {
            services: server.services,
            connections: cfg.connections,
            stop: StopCondition::Manual,
            warmup: Duration::ZERO,
            tls,
            acked_out: cfg.acked_out.clone(),
        })?;
        let control = handle.control();
        tokio::time::sleep(cfg.kill_after).await;
        let in_flight_at_kill = control.in_flight();
        server.kill9().context("killing the server")?;
        control.stop();
        let outcome = handle.join().await?;
        drop(server);

        let (restarted, restart_time) = start_server(cfg)
            .await
            .with_context(|| format!("restart after the kill in round {round}"))?;
        server = restarted;
        let admin = Admin::new(&cfg.data_dir, server.admin)?;
        let stored = admin.registration_set().await.context("listing stored registrations")?;

        let missing: Vec<String> = outcome.acked.iter().filter(|e| !stored.contains(*e)).cloned().collect();
        let mut missing_earlier: Vec<String> = earlier.iter().filter(|e| !stored.contains(*e)).cloned().collect();
        missing_earlier.sort();
        let result = RoundResult {
            round,
            acked: outcome.acked.len(),
            stored: outcome.acked.len() - missing.len(),
            missing,
            missing_earlier,
            in_flight_at_kill,
            load: outcome.report,
            stored_total: stored.len(),
            restart_time,
        };
        earlier.extend(outcome.acked);
        on_round(&result);
        let passed = result.passed();
        results.push(result);
        if !passed {
            break;
        }
    }
    Ok(results)
}

/// Convenience for callers that only have paths.
pub fn default_config(bin: &Path, data_dir: &Path) -> CrashCheckConfig {
    CrashCheckConfig {
        bin: bin.to_owned(),
        data_dir: data_dir.to_owned(),
        extra_args: Vec::new(),
        connections: 32,
        kill_after: Duration::from_secs(5),
        rounds: 3,
        system: crate::tls::DEFAULT_SYSTEM.to_owned(),
        acked_out: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(missing: usize) -> RoundResult {
        RoundResult {
            round: 2,
            acked: 100,
            stored: 100 - missing,
            missing: (0..missing).map(|i| format!("M{i}")).collect(),
            missing_earlier: Vec::new(),
            in_flight_at_kill: 32,
            load: LoadReport {
                errors: 32,
                ..LoadReport::default()
            },
            stored_total: 130,
            restart_time: Duration::from_millis(420),
        }
    }

    #[test]
    fn summary_and_verdict() {
        let ok = result(0);
        assert!(ok.passed());
        assert_eq!(
            ok.summary_line(),
            "round 2: acked 100  stored 100  missing 0  (in flight at kill 32, failed requests 32, non-200 0, stored in total 130, restart 0.42 s)"
        );
        let bad = result(3);
        assert!(!bad.passed());
        assert!(bad.summary_line().contains("missing 3"));
        let v = bad.to_json();
        assert_eq!(v["missing"], 3);
        assert_eq!(v["missing_ex_idents"][0], "M0");
        let mut earlier = result(0);
        earlier.missing_earlier.push("OLD".into());
        assert!(!earlier.passed());
        assert!(earlier.summary_line().contains("missing from earlier rounds 1"));
    }

    #[test]
    fn missing_binary_is_an_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let cfg = CrashCheckConfig {
            rounds: 1,
            ..default_config(
                Path::new("/nonexistent/snitflade"),
                &std::env::temp_dir().join("snitflade-bench-none"),
            )
        };
        let err = rt.block_on(run_crash_check(&cfg, |_| {})).unwrap_err();
        assert!(format!("{err:#}").contains("first start"), "{err:#}");
    }
}
