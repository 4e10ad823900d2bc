//! What an operator meets when running the server (issue 18): JSON logs that parse line by line, configuration
//! values that would make the server spin or stall refused at start with the key's name, and start-up errors that
//! say what is wrong and what to do (an unsupported database URL, a missing PKI).

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

/// `serve --demo` with this config file; answers its exit status and what it printed. A server that accepts the
/// config runs on: it is stopped after a while, and answers as a success.
fn serve_with_config(toml: &str) -> (std::process::ExitStatus, String) {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, toml).unwrap();
    let mut cmd = ServerProcess::demo_command(&bin(), &dir.path().join("data"));
    cmd.arg("--config").arg(&cfg);
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("running snitflade");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for snitflade") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().expect("stopping snitflade");
            child.wait().expect("waiting for snitflade");
            break std::process::ExitStatus::default();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .unwrap();
    (status, stderr)
}

#[test]
fn zero_intervals_and_limits_are_refused_at_start_by_name() {
    for (toml, key) in [
        ("[beskedfordeler]\npoll_ms = 0\n", "poll_ms"),
        ("[beskedfordeler]\nlease_seconds = 0\n", "lease_seconds"),
        ("[beskedfordeler]\nreceived_keep_days = 0\n", "received_keep_days"),
        ("max_connections = 0\n", "max_connections"),
        ("handshake_timeout_secs = 0\n", "handshake_timeout_secs"),
        ("request_timeout_secs = 0\n", "request_timeout_secs"),
        ("[services]\nmax_body_bytes = 0\n", "max_body_bytes"),
        ("[services]\nmax_elements = 0\n", "max_elements"),
        ("[services]\nemployee_list_budget_ms = 0\n", "employee_list_budget_ms"),
        ("[services]\nmax_document_bytes = 0\n", "max_document_bytes"),
    ] {
        let (status, stderr) = serve_with_config(toml);
        assert!(!status.success(), "{toml} was accepted");
        assert!(
            stderr.contains(&format!("{key} must be at least 1")),
            "{toml}: {stderr}"
        );
    }
}

#[test]
fn negative_values_are_refused_at_start_by_name() {
    for (toml, key) in [
        ("[beskedfordeler]\npoll_ms = -50\n", "poll_ms"),
        ("idle_timeout_secs = -1\n", "idle_timeout_secs"),
        ("request_timeout_secs = -30\n", "request_timeout_secs"),
        ("[services]\nmax_depth = -1\n", "max_depth"),
    ] {
        let (status, stderr) = serve_with_config(toml);
        assert!(!status.success(), "{toml} was accepted");
        assert!(stderr.contains(key) && stderr.contains("-"), "{toml}: {stderr}");
    }
}

/// `snitflade ARGS`; answers its exit status and what it printed on stderr.
fn snitflade(args: &[&std::ffi::OsStr]) -> (std::process::ExitStatus, String) {
    let out = std::process::Command::new(bin())
        .args(args)
        .env_remove("SNITFLADE_DATABASE_URL")
        .env_remove("SNITFLADE_DATA_DIR")
        .output()
        .expect("running snitflade");
    (out.status, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn an_unsupported_database_url_names_the_supported_schemes_and_no_invented_password() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let zlpe = dir.path().join("ZLPE20260101000000_delta.xml");
    std::fs::write(&zlpe, "<x/>").unwrap();
    for (url, shown) in [
        ("mysql://u@h/db", "mysql://u@h/db"),
        ("mysql://u:secret@h/db", "mysql://u:***@h/db"),
    ] {
        let serve: Vec<&std::ffi::OsStr> = vec![
            "serve".as_ref(),
            "--demo".as_ref(),
            "--data-dir".as_ref(),
            data.as_os_str(),
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--admin-listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--database-url".as_ref(),
            url.as_ref(),
        ];
        let import: Vec<&std::ffi::OsStr> = vec![
            "import".as_ref(),
            "zlpe".as_ref(),
            "--data-dir".as_ref(),
            data.as_os_str(),
            "--database-url".as_ref(),
            url.as_ref(),
            zlpe.as_os_str(),
        ];
        for args in [serve, import] {
            let (status, stderr) = snitflade(&args);
            assert!(!status.success(), "{url} {args:?}");
            assert!(stderr.contains(&format!("opening the database {shown}")), "{stderr}");
            assert!(
                stderr.contains("the database URL scheme 'mysql' is not supported"),
                "{stderr}"
            );
            assert!(
                stderr.contains("sqlite://") && stderr.contains("postgres://"),
                "{stderr}"
            );
            assert!(
                !stderr.contains("inconsistent") && !stderr.contains("secret"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn a_missing_pki_is_named_with_its_real_path_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let serve = || {
        snitflade(&[
            "serve".as_ref(),
            "--data-dir".as_ref(),
            data.as_os_str(),
            "--listen".as_ref(),
            "127.0.0.1:0".as_ref(),
            "--admin-listen".as_ref(),
            "127.0.0.1:0".as_ref(),
        ])
    };
    let (status, stderr) = serve();
    assert!(!status.success());
    let pki = data.canonicalize().unwrap().join("pki");
    assert!(
        stderr.contains(&format!("{} is missing", pki.join("ca.pem").display())),
        "{stderr}"
    );
    for says in ["snitflade serve --demo", "OCES3 root CA certificates"] {
        assert!(stderr.contains(says), "{says}: {stderr}");
    }
    assert!(!stderr.contains("<data-dir>") && !stderr.contains("filen"), "{stderr}");
    assert!(
        !data.join("snitflade.db").exists(),
        "nothing is opened before the PKI is there"
    );

    std::fs::create_dir_all(&pki).unwrap();
    std::fs::write(pki.join("ca.pem"), "").unwrap();
    let (_, stderr) = serve();
    assert!(
        stderr.contains(&format!("{} is missing", pki.join("server.pem").display())),
        "{stderr}"
    );
    assert!(stderr.contains("server certificate"), "{stderr}");
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

/// The certificate a TLS server at `addr` presents (DER), seen by a client trusting the data dir's CA.
async fn presented_certificate(data: &std::path::Path, addr: std::net::SocketAddr) -> Vec<u8> {
    let config = snitflade_bench::mtls_client_config(data, "dagtilbud").unwrap();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.expect("TLS handshake");
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

/// A renewed server certificate for `localhost` from the demo CA, written over pki/server.pem and server-key.pem.
fn renew_server_certificate(pki: &std::path::Path) {
    let issuer = snitflade_server::demo::pki::demo_ca(pki).unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .subject_alt_names
        .push(rcgen::SanType::IpAddress("127.0.0.1".parse().unwrap()));
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let ca = std::fs::read_to_string(pki.join("ca.pem")).unwrap();
    std::fs::write(pki.join("server.pem"), cert.pem() + &ca).unwrap();
    std::fs::write(pki.join("server-key.pem"), key.serialize_pem()).unwrap();
}

/// `systemctl reload` (SIGHUP): a renewed server certificate is presented by both listeners' next connections; a
/// broken one is refused and the running one stays in force. And `snitflade admin health` reaches an admin listener
/// with TLS, trusting the data dir's CA by default (the container image's health check).
#[tokio::test]
async fn sighup_reloads_the_certificates_and_admin_health_speaks_tls() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut cmd = ServerProcess::demo_command(&bin(), &data);
    cmd.args(["--admin-tls"]);
    let proc = ServerProcess::spawn_async(cmd).await.expect("the server starts");
    let health = std::process::Command::new(bin())
        .args(["admin", "health", "--admin-url"])
        .arg(format!("https://localhost:{}", proc.admin.port()))
        .arg("--data-dir")
        .arg(&data)
        .output()
        .unwrap();
    assert!(health.status.success(), "{}", String::from_utf8_lossy(&health.stderr));
    assert!(String::from_utf8_lossy(&health.stdout).contains("\"ok\""));

    let first = presented_certificate(&data, proc.services).await;
    assert_eq!(presented_certificate(&data, proc.admin).await, first);
    let pki = data.join("pki");
    renew_server_certificate(&pki);
    let hangup = |pid: u32| {
        let status = std::process::Command::new("kill")
            .args(["-HUP", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    };
    hangup(proc.pid());
    let started = std::time::Instant::now();
    let renewed = loop {
        let now = presented_certificate(&data, proc.services).await;
        if now != first {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the renewed certificate is not presented after SIGHUP"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        presented_certificate(&data, proc.admin).await,
        renewed,
        "the admin listener reloaded too"
    );

    // A broken renewal (the key of another certificate): refused, the running certificate stays.
    let key = std::fs::read(pki.join("server-key.pem")).unwrap();
    renew_server_certificate(&pki);
    std::fs::write(pki.join("server-key.pem"), key).unwrap();
    hangup(proc.pid());
    let started = std::time::Instant::now();
    while !proc
        .output_tail()
        .iter()
        .any(|l| l.contains("reloading the services' TLS material failed"))
    {
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", proc.output_tail());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(presented_certificate(&data, proc.services).await, renewed);
    assert_eq!(presented_certificate(&data, proc.admin).await, renewed);
}
