//! A supervised `snitflade serve` child process: start it, wait for its
//! `snitflade ready services=… admin=…` line, keep draining its output so it
//! never blocks on a full pipe, and SIGKILL it on demand or when dropped.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// How long to wait for the ready line by default.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Number of output lines kept for error messages.
const TAIL_LINES: usize = 200;

/// Options for [`ServerProcess::spawn_with`].
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Give up (and kill the child) if no ready line arrives within this.
    pub ready_timeout: Duration,
    /// Copy the child's stdout/stderr lines to our stderr, prefixed with
    /// `[snitflade <pid>]`.
    pub forward_output: bool,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            ready_timeout: READY_TIMEOUT,
            forward_output: true,
        }
    }
}

/// A running server child process. Dropping it kills the child (SIGKILL).
pub struct ServerProcess {
    child: Child,
    /// Address of the HTTPS services listener (from the ready line).
    pub services: SocketAddr,
    /// Address of the plain-HTTP admin listener (from the ready line).
    pub admin: SocketAddr,
    tail: Arc<Mutex<VecDeque<String>>>,
}

impl ServerProcess {
    /// `BIN serve --demo --data-dir DIR --listen 127.0.0.1:0 --admin-listen
    /// 127.0.0.1:0` with `SNITFLADE_LOG=warn` (unless already set in our
    /// environment). Callers may add arguments such as `--config FILE`.
    /// [`demo_command`](Self::demo_command) on `database_url` (an empty database) when given, else on SQLite in
    /// the data dir.
    pub fn demo_command_on(bin: &Path, data_dir: &Path, database_url: Option<&str>) -> Command {
        let mut cmd = Self::demo_command(bin, data_dir);
        if let Some(url) = database_url {
            cmd.arg("--database-url").arg(url);
        }
        cmd
    }

    /// `snitflade serve --demo` on `data_dir`: [`Self::serve_command`] with the demo PKI and data.
    pub fn demo_command(bin: &Path, data_dir: &Path) -> Command {
        let mut cmd = Self::serve_command(bin, data_dir);
        cmd.arg("--demo");
        cmd
    }

    /// `snitflade serve` on `data_dir` with both listeners on free loopback ports, logging at warn unless
    /// `SNITFLADE_LOG` says otherwise.
    pub fn serve_command(bin: &Path, data_dir: &Path) -> Command {
        let mut cmd = Command::new(bin);
        cmd.arg("serve").arg("--data-dir").arg(data_dir).args([
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ]);
        if std::env::var_os("SNITFLADE_LOG").is_none() {
            cmd.env("SNITFLADE_LOG", "warn");
        }
        cmd
    }

    /// Start [`ServerProcess::demo_command`] and wait until it is ready.
    pub fn start_demo(bin: &Path, data_dir: &Path) -> Result<Self> {
        Self::spawn(Self::demo_command(bin, data_dir))
    }

    /// Spawn `cmd` with default [`ServerOptions`] and wait until it is ready.
    pub fn spawn(cmd: Command) -> Result<Self> {
        Self::spawn_with(cmd, &ServerOptions::default())
    }

    /// Spawn `cmd` (stdin closed, stdout/stderr piped) and block until it
    /// prints its ready line. Fails, with the last output lines, if the child
    /// exits first or the timeout passes (the child is then killed).
    pub fn spawn_with(mut cmd: Command, opts: &ServerOptions) -> Result<Self> {
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .with_context(|| format!("starting {:?}", cmd.get_program()))?;
        let pid = child.id();
        let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
        let forward = opts.forward_output.then(|| format!("[snitflade {pid}] "));

        let (ready_tx, ready_rx) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut readers = Vec::with_capacity(2);
        {
            let tail = tail.clone();
            let forward = forward.clone();
            readers.push(spawn_reader("snitflade-stdout", stdout, move |line| {
                if let Some(addrs) = parse_ready_line(line) {
                    let _ = ready_tx.send(addrs);
                }
                remember(&tail, forward.as_deref(), line);
            })?);
        }
        {
            let tail = tail.clone();
            readers.push(spawn_reader("snitflade-stderr", stderr, move |line| {
                remember(&tail, forward.as_deref(), line);
            })?);
        }

        let mut process = ServerProcess {
            child,
            services: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            admin: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            tail,
        };
        match ready_rx.recv_timeout(opts.ready_timeout) {
            Ok((services, admin)) => {
                process.services = services;
                process.admin = admin;
                Ok(process)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                // stdout closed without a ready line: the child is (most
                // likely) exiting. Give it a moment, then make sure.
                let mut status = None;
                for _ in 0..50 {
                    status = process.try_wait()?;
                    if status.is_some() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                let status = match status {
                    Some(s) => s,
                    None => process.kill9()?,
                };
                wait_for_readers(&readers);
                bail!(
                    "server exited with {status} before it was ready; last output:\n{}",
                    process.output_tail().join("\n")
                )
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = process.kill9();
                wait_for_readers(&readers);
                bail!(
                    "server not ready within {:?}; last output:\n{}",
                    opts.ready_timeout,
                    process.output_tail().join("\n")
                )
            }
        }
    }

    /// [`ServerProcess::spawn`] for async callers: the blocking wait for the
    /// ready line runs on tokio's blocking pool.
    pub async fn spawn_async(cmd: Command) -> Result<Self> {
        tokio::task::spawn_blocking(move || Self::spawn(cmd))
            .await
            .context("server start task panicked")?
    }

    /// Process id of the child.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Kill the child with SIGKILL (no chance to clean up) and reap it.
    pub fn kill9(&mut self) -> Result<ExitStatus> {
        if let Some(status) = self.child.try_wait().context("polling server")? {
            return Ok(status);
        }
        self.child.kill().context("killing server")?;
        self.child.wait().context("waiting for killed server")
    }

    /// The exit status if the child has exited.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        self.child.try_wait().context("polling server")
    }

    /// The last lines the child printed (stdout and stderr interleaved).
    pub fn output_tail(&self) -> Vec<String> {
        self.tail
            .lock()
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.kill9();
    }
}

impl std::fmt::Debug for ServerProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerProcess")
            .field("pid", &self.child.id())
            .field("services", &self.services)
            .field("admin", &self.admin)
            .finish()
    }
}

/// Read `source` line by line (lossy UTF-8, without the line end) on a
/// background thread until EOF.
fn spawn_reader(
    name: &str,
    source: impl Read + Send + 'static,
    mut on_line: impl FnMut(&str) + Send + 'static,
) -> Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let mut reader = BufReader::new(source);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let line = String::from_utf8_lossy(&buf);
                        on_line(line.trim_end_matches(['\n', '\r']));
                    }
                }
            }
        })
        .with_context(|| format!("starting thread {name}"))
}

/// Give the output readers up to a second to drain what a dead child wrote
/// (they may never finish if a grandchild still holds the pipes).
fn wait_for_readers(readers: &[std::thread::JoinHandle<()>]) {
    for _ in 0..100 {
        if readers.iter().all(|r| r.is_finished()) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn remember(tail: &Mutex<VecDeque<String>>, forward: Option<&str>, line: &str) {
    if let Some(prefix) = forward {
        eprintln!("{prefix}{line}");
    }
    if let Ok(mut t) = tail.lock() {
        if t.len() == TAIL_LINES {
            t.pop_front();
        }
        t.push_back(line.to_owned());
    }
}

/// Parse `snitflade ready services=<ip:port> admin=<ip:port>` (further
/// `key=value` tokens are ignored). Unspecified addresses (`0.0.0.0`, `::`)
/// are replaced by the loopback address of the same family, so the result
/// can be connected to.
pub fn parse_ready_line(line: &str) -> Option<(SocketAddr, SocketAddr)> {
    let rest = line.trim().strip_prefix("snitflade ready")?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let mut services = None;
    let mut admin = None;
    for token in rest.split_whitespace() {
        match token.split_once('=') {
            Some(("services", v)) => services = Some(connectable(v.parse().ok()?)),
            Some(("admin", v)) => admin = Some(connectable(v.parse().ok()?)),
            _ => {}
        }
    }
    Some((services?, admin?))
}

fn connectable(mut addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => addr.set_ip(Ipv4Addr::LOCALHOST.into()),
        IpAddr::V6(ip) if ip.is_unspecified() => addr.set_ip(Ipv6Addr::LOCALHOST.into()),
        _ => {}
    }
    addr
}

/// The engine a benchmark ran on: "sqlite", or the scheme of its database URL.
pub fn engine_of(database_url: Option<&str>) -> &str {
    database_url
        .and_then(|u| u.split_once(':').map(|(scheme, _)| scheme))
        .unwrap_or("sqlite")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ready_line() {
        assert_eq!(
            parse_ready_line("snitflade ready services=127.0.0.1:41234 admin=127.0.0.1:41235"),
            Some((sa("127.0.0.1:41234"), sa("127.0.0.1:41235")))
        );
        assert_eq!(
            parse_ready_line("snitflade ready admin=[::1]:9 services=0.0.0.0:8443 version=0.1.0\r"),
            Some((sa("127.0.0.1:8443"), sa("[::1]:9")))
        );
        assert_eq!(
            parse_ready_line("snitflade ready services=[::]:1 admin=127.0.0.1:2"),
            Some((sa("[::1]:1"), sa("127.0.0.1:2")))
        );
        assert_eq!(parse_ready_line("snitflade ready services=127.0.0.1:1"), None);
        assert_eq!(parse_ready_line("snitflade ready services=x admin=127.0.0.1:2"), None);
        assert_eq!(
            parse_ready_line("snitflade readyish services=127.0.0.1:1 admin=127.0.0.1:2"),
            None
        );
        assert_eq!(parse_ready_line("INFO listening"), None);
    }

    #[test]
    fn demo_command_arguments() {
        let cmd = ServerProcess::demo_command(Path::new("/bin/snitflade"), Path::new("/tmp/d"));
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let serve = [
            "serve",
            "--data-dir",
            "/tmp/d",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "127.0.0.1:0",
        ];
        assert_eq!(args, [&serve[..], &["--demo"]].concat());
        let without = ServerProcess::serve_command(Path::new("/bin/snitflade"), Path::new("/tmp/d"));
        let args: Vec<String> = without.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        assert_eq!(args, serve);
    }

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(script);
        cmd
    }

    fn quiet(timeout: Duration) -> ServerOptions {
        ServerOptions {
            ready_timeout: timeout,
            forward_output: false,
        }
    }

    #[test]
    fn waits_for_ready_line_and_kills() {
        let script = "echo starting; echo noise >&2; \
                      echo 'snitflade ready services=127.0.0.1:1111 admin=127.0.0.1:2222'; \
                      exec sleep 30";
        let mut p = ServerProcess::spawn_with(sh(script), &quiet(Duration::from_secs(10))).unwrap();
        assert_eq!(p.services, sa("127.0.0.1:1111"));
        assert_eq!(p.admin, sa("127.0.0.1:2222"));
        assert!(p.try_wait().unwrap().is_none());
        let status = p.kill9().unwrap();
        assert!(!status.success());
        // Idempotent.
        p.kill9().unwrap();
    }

    #[test]
    fn early_exit_reports_output() {
        let err = ServerProcess::spawn_with(
            sh("echo 'fatal: bad config' >&2; exit 3"),
            &quiet(Duration::from_secs(10)),
        )
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("before it was ready"), "{msg}");
        assert!(msg.contains("exit status: 3"), "{msg}");
        assert!(msg.contains("fatal: bad config"), "{msg}");
    }

    #[test]
    fn timeout_kills_the_child() {
        let err = ServerProcess::spawn_with(sh("exec sleep 30"), &quiet(Duration::from_millis(300))).unwrap_err();
        assert!(format!("{err:#}").contains("not ready"), "{err:#}");
    }
}
