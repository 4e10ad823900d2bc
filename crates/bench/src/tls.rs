//! TLS and HTTP client construction: rustls client configurations (ring
//! provider, trust anchored only in the demo CA, optional client certificate)
//! and reqwest clients built on top of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

/// The calling system used for machine-hours registrations in the demo setup
/// (granted `maskintimer` for kommunekode 0340 and 0751).
pub const DEFAULT_SYSTEM: &str = "maskinregistrering";

/// Connect timeout used by every client built here.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Whole-request timeout used by every client built here, so that no request
/// loop can hang forever.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// `DIR/pki/ca.pem`.
pub fn ca_path(data_dir: &Path) -> PathBuf {
    data_dir.join("pki").join("ca.pem")
}

/// `DIR/pki/clients/<system>.pem`.
pub fn client_cert_path(data_dir: &Path, system: &str) -> PathBuf {
    data_dir.join("pki").join("clients").join(format!("{system}.pem"))
}

/// `DIR/pki/clients/<system>-key.pem`.
pub fn client_key_path(data_dir: &Path, system: &str) -> PathBuf {
    data_dir.join("pki").join("clients").join(format!("{system}-key.pem"))
}

/// Root store holding exactly the certificates of `DIR/pki/ca.pem`.
fn demo_roots(data_dir: &Path) -> Result<RootCertStore> {
    let path = ca_path(data_dir);
    let mut roots = RootCertStore::empty();
    let iter =
        CertificateDer::pem_file_iter(&path).with_context(|| format!("opening CA certificate {}", path.display()))?;
    for cert in iter {
        let cert = cert.with_context(|| format!("parsing {}", path.display()))?;
        roots
            .add(cert)
            .with_context(|| format!("adding CA certificate from {}", path.display()))?;
    }
    if roots.is_empty() {
        bail!("no certificate found in {}", path.display());
    }
    Ok(roots)
}

/// Builder stage shared by all configurations: ring provider, safe default
/// protocol versions, demo CA as the only trust anchor.
fn base_builder(data_dir: &Path) -> Result<rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("ring provider does not support the default protocol versions")?
        .with_root_certificates(demo_roots(data_dir)?))
}

/// rustls configuration that trusts only the demo CA and authenticates as
/// `system` with `DIR/pki/clients/<system>.pem` and its key.
///
/// The key may be PKCS#8, SEC1 or PKCS#1 PEM. If `<system>-key.pem` does not
/// exist, the key is looked for in `<system>.pem` itself. No ALPN protocol is
/// offered (like the legacy SOAP clients); the connection is HTTP/1.1.
pub fn mtls_client_config(data_dir: &Path, system: &str) -> Result<ClientConfig> {
    let cert_path = client_cert_path(data_dir, system);
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .with_context(|| format!("opening client certificate {}", cert_path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing {}", cert_path.display()))?;
    if certs.is_empty() {
        bail!("no certificate found in {}", cert_path.display());
    }
    let key_path = client_key_path(data_dir, system);
    let key_source = if key_path.exists() { &key_path } else { &cert_path };
    let key = PrivateKeyDer::from_pem_file(key_source)
        .with_context(|| format!("reading private key from {}", key_source.display()))?;
    base_builder(data_dir)?
        .with_client_auth_cert(certs, key)
        .with_context(|| format!("client certificate/key for system {system:?} rejected"))
}

/// rustls configuration that trusts the demo CA but presents no client
/// certificate (for negative tests, and for the plain-HTTP admin client).
pub fn trust_only_client_config(data_dir: &Path) -> Result<ClientConfig> {
    Ok(base_builder(data_dir)?.with_no_client_auth())
}

/// A reqwest builder using exactly `config` for TLS: no proxy, HTTP/1.1 only,
/// `TCP_NODELAY`, and the connect/request timeouts above. Callers may tune
/// pooling further before `build()`.
pub fn client_builder(config: ClientConfig) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
}

/// Build a reqwest client from a rustls configuration (see [`client_builder`]).
pub fn client_from_config(config: ClientConfig) -> Result<reqwest::Client> {
    client_builder(config).build().context("building HTTP client")
}

/// HTTPS client authenticating as `system` (see [`mtls_client_config`]).
pub fn mtls_client(data_dir: &Path, system: &str) -> Result<reqwest::Client> {
    client_from_config(mtls_client_config(data_dir, system)?)
}

/// HTTPS client that trusts the demo CA but presents no certificate; the
/// services listener must refuse it.
pub fn client_without_certificate(data_dir: &Path) -> Result<reqwest::Client> {
    client_from_config(trust_only_client_config(data_dir)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_the_demo_layout() {
        let dir = Path::new("/d");
        assert_eq!(ca_path(dir), Path::new("/d/pki/ca.pem"));
        assert_eq!(
            client_cert_path(dir, "maskinregistrering"),
            Path::new("/d/pki/clients/maskinregistrering.pem")
        );
        assert_eq!(
            client_key_path(dir, "maskinregistrering"),
            Path::new("/d/pki/clients/maskinregistrering-key.pem")
        );
    }

    #[test]
    fn missing_data_dir_is_a_readable_error() {
        let err = mtls_client_config(Path::new("/nonexistent/snitflade"), DEFAULT_SYSTEM).expect_err("must fail");
        assert!(format!("{err:#}").contains("maskinregistrering.pem"), "{err:#}");
        let err = trust_only_client_config(Path::new("/nonexistent/snitflade")).expect_err("must fail");
        assert!(format!("{err:#}").contains("ca.pem"), "{err:#}");
    }
}
