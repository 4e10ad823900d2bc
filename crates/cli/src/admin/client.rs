//! How a CLI command reaches the admin API (shared by `snitflade admin` and `snitflade landscape`): the connection
//! options, the bearer token, sending one [`Request`] and printing the answer — pretty JSON (CSV and text as they
//! come) on stdout, or the server's `error` text on stderr with exit code 1.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::Value;

use super::request::Request;

#[derive(Args, Debug)]
pub struct AdminConnection {
    /// The admin listener's base URL.
    #[arg(
        long,
        env = "SNITFLADE_ADMIN_URL",
        default_value = "http://127.0.0.1:8080",
        global = true,
        help_heading = "Admin API"
    )]
    pub admin_url: String,
    /// The bearer token: an API token (`snf_…`, acting as its role) or the admin token [default: the contents
    /// of admin-token in the data dir, the operator's break-glass credential].
    #[arg(
        long,
        env = "SNITFLADE_ADMIN_TOKEN",
        hide_env_values = true,
        global = true,
        help_heading = "Admin API"
    )]
    pub token: Option<String>,
    /// The server's data dir, read for admin-token when no --token is given.
    #[arg(
        long,
        env = "SNITFLADE_DATA_DIR",
        default_value = "./snitflade-data",
        global = true,
        help_heading = "Admin API"
    )]
    pub data_dir: PathBuf,
    /// Further CA certificates (PEM) to trust for an `https://` admin URL, besides the system's [default:
    /// pki/ca.pem in the data dir when it exists — the CA of the server's own certificate, which `serve --admin-tls`
    /// presents].
    #[arg(long, env = "SNITFLADE_ADMIN_CA", global = true, help_heading = "Admin API")]
    pub admin_ca: Option<PathBuf>,
    /// Ignored by the server since roles exist (kept so that old scripts still run): order steps and the admin
    /// audit log record the token's principal instead.
    #[arg(long, global = true, help_heading = "Admin API")]
    pub actor: Option<String>,
}

impl AdminConnection {
    /// Sends `request` (with the token — `--token`, else `<data-dir>/admin-token` — unless the route is open) and
    /// hands a 2xx answer to the output: `-o FILE` when given, else stdout. Exit code 1 with the error's text on
    /// stderr for an error answer.
    pub(crate) async fn run(&self, request: &Request, output: Option<&Path>) -> Result<ExitCode> {
        let token = match request.authenticated {
            true => Some(read_token(self.token.as_deref(), &self.data_dir)?),
            false => None,
        };
        let trusted = self.trusted_cas()?;
        let (status, bytes) = send_bytes(request, &self.admin_url, token.as_deref(), trusted).await?;
        if !status.is_success() {
            eprintln!("{}", error_message(status, &String::from_utf8_lossy(&bytes)));
            return Ok(ExitCode::FAILURE);
        }
        if let Some(path) = output {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            return Ok(ExitCode::SUCCESS);
        }
        let printed = match std::str::from_utf8(&bytes) {
            Ok(body) => print_answer(body),
            // A Windows-1252 CSV export: byte for byte.
            Err(_) => {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes).and_then(|()| out.flush())
            }
        };
        match printed {
            // The reader (e.g. `| head`) has had enough.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            r => r.context("writing to stdout")?,
        }
        Ok(ExitCode::SUCCESS)
    }

    /// The CA certificates to trust besides the system's: `--admin-ca`, else the data dir's `pki/ca.pem` if any.
    fn trusted_cas(&self) -> Result<Vec<reqwest::Certificate>> {
        let path = match &self.admin_ca {
            Some(p) => p.clone(),
            None => match self.data_dir.join("pki").join("ca.pem") {
                p if p.exists() => p,
                _ => return Ok(Vec::new()),
            },
        };
        let pem = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .with_context(|| format!("reading {} as PEM certificates", path.display()))?;
        if certs.is_empty() {
            bail!("{} holds no certificate", path.display());
        }
        Ok(certs)
    }
}

/// `token` when given, else `<data_dir>/admin-token` (trimmed).
pub(crate) fn read_token(token: Option<&str>, data_dir: &Path) -> Result<String> {
    if let Some(t) = token {
        return Ok(t.to_owned());
    }
    let path = data_dir.join("admin-token");
    let raw = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the admin token {} (or give --token)", path.display()))?;
    let token = raw.trim();
    if token.is_empty() {
        bail!("the admin token file {} is empty", path.display());
    }
    Ok(token.to_owned())
}

/// What a non-2xx answer says: its `error` text, else the body, else the status.
pub(crate) fn error_message(status: reqwest::StatusCode, body: &str) -> String {
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned());
    if error.is_empty() {
        format!("error: {status}")
    } else {
        format!("error: {error} ({status})")
    }
}

/// Sends `request` to the admin API at `admin_url` with the bearer `token` (if any), trusting `trusted` besides the
/// system's CAs; answers the status and the body as the server sent it (UTF-8, apart from CSV exports in
/// Windows-1252).
async fn send_bytes(
    request: &Request,
    admin_url: &str,
    token: Option<&str>,
    trusted: Vec<reqwest::Certificate>,
) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    let url = request.url(admin_url)?;
    // reqwest builds a TLS configuration even for plain HTTP and needs a crypto provider for it.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .tls_certs_merge(trusted)
        .build()
        .context("building the HTTP client")?;
    let mut builder = client.request(request.method.clone(), url);
    if let Some(token) = token {
        builder = builder.bearer_auth(token);
    }
    if let Some((bytes, content_type)) = request.body.encode()? {
        builder = builder.header(reqwest::header::CONTENT_TYPE, content_type).body(bytes);
    }
    let what = format!("{} {}", request.method, request.path());
    let response = builder.send().await.with_context(|| what.clone())?;
    let status = response.status();
    let body = response.bytes().await.with_context(|| what.clone())?;
    Ok((status, body.to_vec()))
}

/// A 2xx answer on stdout: JSON pretty-printed, anything else (CSV, metrics) as it is, with a final line end.
fn print_answer(body: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            serde_json::to_writer_pretty(&mut out, &v)?;
            writeln!(out)?;
        }
        Err(_) => {
            out.write_all(body.as_bytes())?;
            if !body.is_empty() && !body.ends_with('\n') {
                writeln!(out)?;
            }
        }
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_answers_show_the_servers_text() {
        use reqwest::StatusCode;
        assert_eq!(
            error_message(
                StatusCode::CONFLICT,
                r#"{"error": "a vendor with CVR 12345678 exists"}"#
            ),
            "error: a vendor with CVR 12345678 exists (409 Conflict)"
        );
        assert_eq!(
            error_message(StatusCode::BAD_GATEWAY, "upstream down\n"),
            "error: upstream down (502 Bad Gateway)"
        );
        assert_eq!(error_message(StatusCode::NOT_FOUND, ""), "error: 404 Not Found");
    }
}
