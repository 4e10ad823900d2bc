//! What an operator meets when running the server (issue 18, first part): JSON logs that parse line by line, and
//! configuration values that would make the server spin or stall refused at start with the key's name.

mod common;

use common::{Server, bin};
use snitflade_bench::ServerProcess;
use std::time::Duration;

#[tokio::test]
async fn json_logs_parse_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = ServerProcess::demo_command(&bin(), &data);
    cmd.env("SNITFLADE_LOG_FORMAT", "json").env("SNITFLADE_LOG", "info");
    let proc = ServerProcess::spawn_async(cmd).await.expect("the server starts");
    let admin = common::AdminApi::new(&data, proc.admin);
    let s = Server { proc, admin, dir };
    s.register(&common::valid_registration()).await.assert_accepted();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = s.proc.output_tail();
    let logged: Vec<&String> = lines.iter().filter(|l| !l.starts_with("snitflade ready ")).collect();
    assert!(logged.len() >= 3, "the server logged its start at info: {lines:?}");
    for line in logged {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(v["level"].is_string() && v["timestamp"].is_string(), "{line}");
        assert!(v["message"].is_string(), "{line}");
        assert!(!line.contains('\u{1b}'), "colour codes in a log line: {line}");
    }
}

/// `serve --demo` with this config file; answers its exit status and what it printed.
fn serve_with_config(toml: &str) -> (std::process::ExitStatus, String) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, toml).unwrap();
    let mut cmd = ServerProcess::demo_command(&bin(), &dir.path().join("data"));
    cmd.arg("--config").arg(&cfg);
    let out = cmd.output().expect("running snitflade");
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn zero_intervals_and_limits_are_refused_at_start_by_name() {
    for (toml, key) in [
        ("[beskedfordeler]\npoll_ms = 0\n", "poll_ms"),
        ("[beskedfordeler]\nlease_seconds = 0\n", "lease_seconds"),
        ("max_connections = 0\n", "max_connections"),
        ("handshake_timeout_secs = 0\n", "handshake_timeout_secs"),
    ] {
        let (status, stderr) = serve_with_config(toml);
        assert!(!status.success(), "{toml} was accepted");
        assert!(
            stderr.contains(&format!("{key} must be at least 1")),
            "{toml}: {stderr}"
        );
    }
}

#[tokio::test]
async fn the_quick_starts_example_message_in_the_repository_is_answered() {
    let s = Server::start().await;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/masterdata-request.xml");
    let body = std::fs::read(&path).expect("the README's example message is in the repository");
    let reply = common::post_soap(&s.maskinregistrering(), &s.ws_url(common::MASTERDATA), body).await;
    assert_eq!(reply.status, reqwest::StatusCode::OK, "{}", reply.body);
    assert!(reply.body.contains("00012345"), "{}", reply.body);
}
