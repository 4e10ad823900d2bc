//! TLS for the services listener: the server certificate, and client certificates required and verified
//! against the configured trust anchors (the demo CA in the demo).

use anyhow::{Context, Result, bail};
use rustls::RootCertStore;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// Builds the services' TLS configuration from `pki/`: `server.pem` (chain), `server-key.pem`, and `ca.pem`
/// (the CAs whose client certificates are accepted).
pub fn server_config(pki_dir: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let ca_path = pki_dir.join("ca.pem");
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&ca_path).with_context(|| format!("reading {}", ca_path.display()))? {
        roots.add(cert?)?;
    }
    if roots.is_empty() {
        bail!("{} holds no CA certificate", ca_path.display());
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .context("building the client-certificate verifier")?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(pki_dir.join("server.pem"))
        .context("reading pki/server.pem")?
        .collect::<Result<_, _>>()?;
    let key = PrivateKeyDer::from_pem_file(pki_dir.join("server-key.pem")).context("reading pki/server-key.pem")?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .context("the server certificate and key do not match")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
