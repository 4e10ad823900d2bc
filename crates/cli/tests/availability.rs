//! Availability of the two listeners under hostile connections (issue 16 items 1, 2 and 9b), from outside:
//! thousands of bare TCP connections, stalled TLS handshakes and idle connections with a valid certificate but no
//! grant must not delay a granted system's call; a flooded admin listener must not take the services listener
//! down; a one-way message whose body arrived is stored even when the client leaves without reading the answer;
//! a client that sends its whole body before reading sees the fault the URL alone decided.

mod common;

use common::{REGISTRATION, RawConn, Server, bin, wait_until};
use snitflade_bench::{Registration, ServerProcess, registration_xml};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::net::{TcpSocket, TcpStream};

/// Raises this test process's soft open-files limit to its hard limit: the tests hold thousands of sockets.
fn raise_own_fd_limit() {
    let mut l = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed by pointer.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max.min(1 << 20);
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
    }
}

/// A TCP connection to `addr` from the loopback address 127.0.0.`source`.
async fn tcp_from(source: u8, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::from([127, 0, 0, source]), 0))?;
    socket.connect(addr).await
}

/// A completed mutual-TLS connection as `system`, from 127.0.0.`source`, that then sends nothing.
async fn idle_tls(
    data_dir: &Path,
    system: &str,
    source: u8,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let config = snitflade_bench::mtls_client_config(data_dir, system).expect("client config");
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tcp_from(source, addr).await.expect("connecting");
    let name = rustls_pki_types::ServerName::IpAddress(addr.ip().into());
    connector.connect(name, tcp).await.expect("TLS handshake")
}

/// The sum of a Prometheus counter's samples whose labels contain every one of `labels`.
fn metric(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l[name.len()..].starts_with(['{', ' ']))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn metrics(s: &Server) -> String {
    s.admin.get_text("/metrics").await.2
}

/// One granted machine-hours registration on a new connection; answers how long it took.
async fn granted_call(s: &Server) -> Duration {
    let started = Instant::now();
    let reply = tokio::time::timeout(Duration::from_secs(20), s.register(&common::valid_registration()))
        .await
        .expect("the granted call was answered within 20 s");
    reply.assert_accepted();
    started.elapsed()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_tcp_and_stalled_handshakes_do_not_delay_a_granted_call() {
    raise_own_fd_limit();
    let s = Server::start_with_config(
        "handshake_timeout_secs = 10\nmax_connections = 300\nmax_handshakes = 200\nmax_handshakes_per_ip = 40\n",
    )
    .await;
    let addr = s.proc.services;
    let mut hostile = Vec::new();
    // 20 addresses × 50 bare connections that never send a ClientHello.
    for source in 2..22u8 {
        for _ in 0..50 {
            hostile.push(tcp_from(source, addr).await.expect("bare connection"));
        }
    }
    // 20 addresses × 15 handshakes stalled after the first bytes of a ClientHello record.
    for source in 30..50u8 {
        for _ in 0..15 {
            let mut c = tcp_from(source, addr).await.expect("stalled connection");
            tokio::io::AsyncWriteExt::write_all(&mut c, &[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                .await
                .expect("the first bytes of a ClientHello");
            hostile.push(c);
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    for _ in 0..5 {
        let took = granted_call(&s).await;
        assert!(
            took < Duration::from_secs(2),
            "a granted call took {took:?} with {} hostile connections open",
            hostile.len()
        );
    }
    let m = metrics(&s).await;
    assert!(
        metric(
            &m,
            "snitflade_connections_refused_total",
            &["listener=\"services\"", "per_ip_handshakes"]
        ) >= 200.0,
        "each address may hold 40 handshakes; the other 10 of its 50 were refused:\n{m}"
    );
    assert!(
        metric(
            &m,
            "snitflade_connections_evicted_total",
            &["listener=\"services\"", "handshake_stage_full"]
        ) > 0.0,
        "the full handshake stage made room by cutting its oldest handshakes:\n{m}"
    );
    s.assert_healthy().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_without_a_grant_close_soon_and_make_room_for_a_granted_system() {
    let s = Server::start_with_config("max_connections = 20\nidle_timeout_without_grant_secs = 2\n").await;
    let addr = s.proc.services;
    let data = s.data_dir();
    let mut idle = Vec::new();
    for i in 0..20u8 {
        idle.push(idle_tls(&data, "ingen-adgang", 60 + i % 4, addr).await);
    }
    // The listener is full of idle connections without a grant: a granted system still gets in at once.
    let took = granted_call(&s).await;
    assert!(took < Duration::from_secs(2), "the granted call took {took:?}");
    let m = metrics(&s).await;
    assert!(
        metric(&m, "snitflade_connections_evicted_total", &["idle_without_grant"]) >= 1.0,
        "{m}"
    );

    // A kept-alive connection of a granted system outlives the short deadline of those without a grant.
    let data_for_raw = data.clone();
    let granted = tokio::task::spawn_blocking(move || {
        let mut c = RawConn::connect(&data_for_raw, "maskinregistrering", addr, Duration::from_secs(10));
        std::thread::sleep(Duration::from_secs(3));
        let body = registration_xml(&Registration::valid_demo(snitflade_bench::new_ex_ident()));
        let path = format!("/ws/{REGISTRATION}");
        c.write(RawConn::post_head(&path, addr, body.len()).as_bytes())
            .and_then(|()| c.write(body.as_bytes()))
            .and_then(|()| c.read_response())
    });

    // Every idle connection without a grant is closed by the server within its 2 s deadline (and a little).
    let started = Instant::now();
    for mut c in idle {
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(6), c.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0)) | Ok(Err(_))),
            "an idle connection without a grant was still open after {:?}: {read:?}",
            started.elapsed()
        );
    }
    let (status, _) = granted
        .await
        .unwrap()
        .expect("the granted connection kept alive for 3 s still answers");
    assert_eq!(status, 200);
}

/// `serve --demo` with the soft open-files limit at 1024 (as many service managers start it).
async fn spawn_with_low_soft_fd_limit(data_dir: &Path) -> ServerProcess {
    use std::os::unix::process::CommandExt;
    let mut cmd = ServerProcess::demo_command(&bin(), data_dir);
    // SAFETY: the closure only calls async-signal-safe functions (getrlimit, setrlimit).
    unsafe {
        cmd.pre_exec(|| {
            let mut l = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            l.rlim_cur = 1024.min(l.rlim_max);
            if libc::setrlimit(libc::RLIMIT_NOFILE, &l) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    ServerProcess::spawn_async(cmd).await.expect("the server starts")
}

/// The soft and hard "Max open files" of a process.
fn open_files_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).expect("reading /proc/<pid>/limits");
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .expect("a Max open files line");
    let mut fields = line["Max open files".len()..].split_whitespace();
    (fields.next().unwrap().to_owned(), fields.next().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooded_admin_listener_leaves_the_services_working() {
    raise_own_fd_limit();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let proc = spawn_with_low_soft_fd_limit(&data).await;
    let (soft, hard) = open_files_limits(proc.pid());
    assert_eq!(
        soft, hard,
        "the server raised its soft open-files limit to the hard one"
    );
    let admin = common::AdminApi::new(&data, proc.admin);
    let s = Server { proc, admin, dir };

    // 1,500 idle connections to the admin listener: more than the soft limit the server was started with.
    let mut flood = Vec::new();
    for _ in 0..1500 {
        flood.push(TcpStream::connect(s.proc.admin).await.expect("admin connection"));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let took = granted_call(&s).await;
        assert!(
            took < Duration::from_secs(2),
            "a services call took {took:?} during the admin flood"
        );
    }
    // The admin listener itself still answers: the oldest idle connection makes room.
    let started = Instant::now();
    let (status, _) = tokio::time::timeout(Duration::from_secs(5), s.admin.healthz())
        .await
        .expect("healthz answered during the flood");
    assert_eq!(status, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    let m = metrics(&s).await;
    assert!(
        metric(&m, "snitflade_connections_evicted_total", &["listener=\"admin\""]) >= 1000.0,
        "the admin listener held at most its cap of 256 connections:\n{m}"
    );
    assert!(
        metric(&m, "snitflade_connections_open", &["listener=\"admin\""]) <= 256.0,
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_way_message_is_stored_when_the_client_leaves_without_reading_the_answer() {
    let s = Server::start().await;
    let addr = s.proc.services;
    let data = s.data_dir();
    let regs: Vec<Registration> = (0..10)
        .map(|_| Registration::valid_demo(snitflade_bench::new_ex_ident()))
        .collect();
    let sent = regs.clone();
    tokio::task::spawn_blocking(move || {
        for r in &sent {
            // As PHP's SoapClient does for a one-way operation: the whole request, then close at once.
            let mut c = RawConn::connect(&data, "maskinregistrering", addr, Duration::from_secs(5));
            let body = registration_xml(r);
            c.write(RawConn::post_head(&format!("/ws/{REGISTRATION}"), addr, body.len()).as_bytes())
                .unwrap();
            c.write(body.as_bytes()).unwrap();
            drop(c);
        }
    })
    .await
    .unwrap();
    for r in &regs {
        let stored = wait_until(Duration::from_secs(10), || async {
            s.admin.registrations_for(&r.ex_ident).await.len() == 1
        })
        .await;
        assert!(stored, "registration {} was lost when its client left", r.ex_ident);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_its_whole_body_first_sees_the_fault_the_url_decided() {
    let s = Server::start().await;
    let addr = s.proc.services;
    let data = s.data_dir();
    let answers = tokio::task::spawn_blocking(move || {
        let body = format!(
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body>{}\
             </soapenv:Body></soapenv:Envelope>",
            "<x>padding</x>".repeat(800 * 1024 / 14)
        );
        let paths = [
            "/ws/NoSuchService".to_owned(),
            format!("/ws/{REGISTRATION}?kommune=99x"),
            format!("/XISOAPAdapter/MessageServlet?interface={REGISTRATION}&interfaceNamespace=urn%3Awrong"),
        ];
        let mut answers = Vec::new();
        for path in &paths {
            for _ in 0..3 {
                let mut c = RawConn::connect(&data, "maskinregistrering", addr, Duration::from_secs(10));
                // Sent as a client on a real network does, a piece at a time, all of it before reading.
                let answer = c
                    .write(RawConn::post_head(path, addr, body.len()).as_bytes())
                    .and_then(|()| {
                        body.as_bytes().chunks(16 * 1024).try_for_each(|piece| {
                            std::thread::sleep(Duration::from_millis(2));
                            c.write(piece)
                        })
                    })
                    .and_then(|()| c.read_response());
                answers.push((path.clone(), answer.map_err(|e| e.to_string())));
            }
        }
        answers
    })
    .await
    .unwrap();
    for (path, answer) in answers {
        let (status, text) = answer.unwrap_or_else(|e| panic!("{path}: no answer after sending 800 KB: {e}"));
        assert!(status == 404 || status == 500, "{path}: {status} {text}");
        assert!(text.contains("faultstring"), "{path}: {text}");
    }
}

#[tokio::test]
async fn an_ip_address_as_tls_server_name_is_accepted_quietly() {
    let s = Server::start().await;
    let data = s.data_dir();
    let pki = data.join("pki");
    let request = format!(
        "GET /ws/{REGISTRATION}?wsdl HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        s.proc.services
    );
    let output = tokio::task::spawn_blocking({
        let services = s.proc.services;
        move || {
            use std::io::Write;
            let mut child = std::process::Command::new("openssl")
                .args(["s_client", "-quiet", "-connect", &services.to_string()])
                // PHP's SoapClient sends the IP address it connects to as the TLS server name.
                .args(["-servername", &services.ip().to_string()])
                .arg("-cert")
                .arg(pki.join("clients/maskinregistrering.pem"))
                .arg("-key")
                .arg(pki.join("clients/maskinregistrering-key.pem"))
                .arg("-CAfile")
                .arg(pki.join("ca.pem"))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("openssl s_client runs");
            child.stdin.take().unwrap().write_all(request.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        }
    })
    .await
    .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        out.starts_with("HTTP/1.1 200"),
        "{out}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.contains("definitions"), "{out}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logged = s.proc.output_tail().join("\n");
    assert!(
        !logged.contains("SNI"),
        "the server complained about the server name:\n{logged}"
    );
    assert!(!logged.contains(" WARN "), "the server warned:\n{logged}");
}
