//! TLS for the services listener: the server certificate, and client certificates required, verified against
//! the configured trust anchors (the demo CA in the demo) and held to the fitness rule of uploads
//! ([`snitflade_access::fitness`]); the admin listener's TLS; an acceptor whose configuration can be replaced while
//! its listener runs; and the client side of SF1460_A push delivery.

use anyhow::{Context, Result, bail};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use std::path::Path;
use std::sync::Arc;

/// A listener's TLS acceptor whose configuration can be replaced while it runs (SIGHUP: a renewed certificate, a
/// changed CA bundle). Each connection takes the configuration current when it arrives; open ones keep theirs.
#[derive(Clone)]
pub struct Acceptor(Arc<std::sync::RwLock<Arc<rustls::ServerConfig>>>);

impl Acceptor {
    pub fn new(config: Arc<rustls::ServerConfig>) -> Self {
        Self(Arc::new(std::sync::RwLock::new(config)))
    }

    /// The acceptor for a new connection.
    pub fn current(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.0.read().expect("TLS configuration").clone())
    }

    /// Puts `config` into force for the connections that follow.
    pub fn replace(&self, config: Arc<rustls::ServerConfig>) {
        *self.0.write().expect("TLS configuration") = config;
    }
}

/// The services' client-certificate verifier: webpki's (chain to the trust anchors, validity, EKU if present),
/// then the fitness rule uploads are held to, so a certificate that could not be uploaded cannot authenticate
/// either. webpki alone accepts a certificate without EKU and does not look at the end entity's key usage or key
/// size (an RSA key under 2048 bits only fails later, when it signs the handshake).
#[derive(Debug)]
struct FitClientVerifier {
    webpki: Arc<dyn ClientCertVerifier>,
}

impl ClientCertVerifier for FitClientVerifier {
    fn offer_client_auth(&self) -> bool {
        self.webpki.offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.webpki.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.webpki.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.webpki.verify_client_cert(end_entity, intermediates, now)?;
        snitflade_access::check_client_certificate(end_entity).map_err(|unfit| {
            tracing::debug!(reason = %unfit, "a client certificate unfit for client authentication was refused");
            rustls::Error::InvalidCertificate(rustls::CertificateError::Other(rustls::OtherError(Arc::new(unfit))))
        })?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// The files of `pki/` the services listener cannot start without, each with what it is and where it comes from.
const REQUIRED_PKI: [(&str, &str, &str); 3] = [
    (
        "ca.pem",
        "the CA certificates (PEM) that the systems' client certificates must be issued by",
        "put the OCES3 root CA certificates there",
    ),
    (
        "server.pem",
        "the services listener's certificate chain (PEM, the server's certificate first)",
        "put the server certificate and its chain there",
    ),
    (
        "server-key.pem",
        "the private key (PEM) of the server certificate in server.pem",
        "put the server certificate's key there",
    ),
];

/// Refuses to start, saying which file is missing, what it is and what to do, when `pki_dir` lacks one of the
/// files the services listener needs.
pub fn require_pki(pki_dir: &Path) -> Result<()> {
    for (file, what, production) in REQUIRED_PKI {
        let path = pki_dir.join(file);
        if !path.is_file() {
            bail!(
                "{} is missing: {what}. To try snitflade, `snitflade serve --demo` creates a demo PKI in the data dir; \
                 in production, {production}",
                path.display()
            );
        }
    }
    Ok(())
}

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
    let webpki = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .context("building the client-certificate verifier")?;
    let verifier = Arc::new(FitClientVerifier { webpki });
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

/// The admin listener's TLS (server authentication only): `cert` (the certificate with its chain, PEM) and `key`.
pub fn admin_server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .with_context(|| format!("reading {}", cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("reading {}", cert.display()))?;
    if chain.is_empty() {
        bail!("{} holds no certificate", cert.display());
    }
    let key = PrivateKeyDer::from_pem_file(key).with_context(|| format!("reading {}", key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("the admin listener's certificate and key do not match")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Every reason [`handshake_failure_reason`] answers, and `timeout` (counted by the listener).
pub const HANDSHAKE_FAILURE_REASONS: [&str; 13] = [
    "no_certificate",
    "certificate_expired",
    "certificate_not_yet_valid",
    "certificate_revoked",
    "unknown_issuer",
    "certificate_unfit",
    "bad_certificate",
    "alert_received",
    "incompatible",
    "protocol_error",
    "connection_closed",
    "timeout",
    "other",
];

/// Why a services handshake failed, as one of a fixed set of words (the label of
/// `snitflade_tls_handshake_failures_total`), from the error `tokio_rustls` answered with.
pub fn handshake_failure_reason(e: &std::io::Error) -> &'static str {
    use rustls::{CertificateError as C, Error as E};
    let Some(tls) = e.get_ref().and_then(|inner| inner.downcast_ref::<E>()) else {
        return match e.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe => "connection_closed",
            // Not TLS at all (plain HTTP to the TLS port, say).
            std::io::ErrorKind::InvalidData => "protocol_error",
            _ => "other",
        };
    };
    match tls {
        E::NoCertificatesPresented => "no_certificate",
        E::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => "certificate_expired",
        E::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => "certificate_not_yet_valid",
        E::InvalidCertificate(C::Revoked) => "certificate_revoked",
        E::InvalidCertificate(C::UnknownIssuer) => "unknown_issuer",
        E::InvalidCertificate(C::Other(o)) if o.0.is::<snitflade_access::Unfit>() => "certificate_unfit",
        E::InvalidCertificate(_) => "bad_certificate",
        E::AlertReceived(_) => "alert_received",
        E::PeerIncompatible(_) => "incompatible",
        E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. }
        | E::InvalidMessage(_)
        | E::PeerMisbehaved(_)
        | E::PeerSentOversizedRecord
        | E::DecryptError => "protocol_error",
        _ => "other",
    }
}

/// The HTTPS client of SF1460_A push delivery: snitflade's client certificate `pki/push-client.pem` (+ `-key.pem`),
/// receivers' server certificates verified against `pki/ca.pem`. `None` (push waits, with a warning) when the
/// certificate is not there.
pub fn push_client(pki_dir: &Path) -> Result<Option<reqwest::Client>> {
    let cert_path = pki_dir.join("push-client.pem");
    if !cert_path.exists() {
        tracing::warn!(
            path = %cert_path.display(),
            "no client certificate for push delivery: dueslag with a push_url keep their messages until one is there"
        );
        return Ok(None);
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(pki_dir.join("ca.pem")).context("reading pki/ca.pem")? {
        roots.add(cert?)?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert_path)
        .context("reading pki/push-client.pem")?
        .collect::<Result<_, _>>()?;
    let key =
        PrivateKeyDer::from_pem_file(pki_dir.join("push-client-key.pem")).context("reading pki/push-client-key.pem")?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .context("the push client certificate and key do not match")?;
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .no_proxy()
        .http1_only()
        .connect_timeout(std::time::Duration::from_secs(5))
        .build()
        .context("building the push client")?;
    Ok(Some(client))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};

    #[test]
    fn handshake_failures_get_a_reason_from_a_fixed_set() {
        let tls = |e: rustls::Error| {
            let reason = handshake_failure_reason(&Error::new(ErrorKind::InvalidData, e));
            assert!(HANDSHAKE_FAILURE_REASONS.contains(&reason), "{reason}");
            reason
        };
        assert_eq!(tls(rustls::Error::NoCertificatesPresented), "no_certificate");
        assert_eq!(
            tls(rustls::Error::InvalidCertificate(rustls::CertificateError::Expired)),
            "certificate_expired"
        );
        assert_eq!(
            tls(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer
            )),
            "unknown_issuer"
        );
        let unfit = snitflade_access::Unfit::Unreadable("x".into());
        assert_eq!(
            tls(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
                rustls::OtherError(Arc::new(unfit))
            ))),
            "certificate_unfit"
        );
        assert_eq!(
            tls(rustls::Error::InvalidCertificate(
                rustls::CertificateError::BadSignature
            )),
            "bad_certificate"
        );
        assert_eq!(
            tls(rustls::Error::AlertReceived(rustls::AlertDescription::UnknownCA)),
            "alert_received"
        );
        assert_eq!(tls(rustls::Error::General("x".into())), "other");
        assert_eq!(
            handshake_failure_reason(&Error::from(ErrorKind::UnexpectedEof)),
            "connection_closed"
        );
        assert_eq!(
            handshake_failure_reason(&Error::new(ErrorKind::InvalidData, "not TLS")),
            "protocol_error"
        );
    }
}
