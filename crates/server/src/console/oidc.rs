//! Signing in through an organisation's own OpenID Connect provider — a municipality's identity provider, say —
//! configured as `[[console.oidc]]`: the authorization code flow with PKCE (RFC 7636), a nonce in the ID token and
//! the `iss` response parameter checked (RFC 9207). The provider proves who the person is; snitflade decides what they
//! may do: the ID token's issuer and subject must be those of a person created in snitflade (`--oidc-issuer`,
//! `--oidc-subject`), who then has that person's one role and scope like any other.
//!
//! A sign-in in progress is kept in the database ([`snitflade_store::oidc_flows`]: it may come back to another
//! instance) for ten minutes under the digest of a random value in a `SameSite=Lax` cookie (the provider sends the
//! browser back from another site, so a `Strict` cookie would not come along); the callback takes it out, so a
//! state is used once.

use super::ConsoleState;
use super::session;
use super::texts::Lang;
use crate::auth::{constant_time_eq, digest};
use crate::listener::RemoteAddr;
use anyhow::Context;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope,
};
use serde::Deserialize;
use snitflade_store::{Store, StoreError, oidc_flows};
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One OpenID Connect provider people may sign in through (a `[[console.oidc]]` table of the config file).
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// A short name for the console's addresses (`/logind/oidc/{name}`, the redirect URI
    /// `/logind/oidc/{name}/callback`): lower-case letters, digits and `-`.
    pub name: String,
    /// What the sign-in page's button for this provider says (e.g. "Aarhus Kommunes login").
    pub label: String,
    /// The issuer exactly as the provider's discovery document and ID tokens name it. `https://`, or `http://` on a
    /// loopback address only.
    pub issuer: String,
    /// The console's client id at the provider.
    pub client_id: String,
    /// A file holding the client secret (sent with HTTP Basic authentication); without one the console is a public
    /// client, protected by PKCE alone.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Scopes asked for besides `openid`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A PEM file of CA certificates to trust for this provider, besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

impl OidcProviderConfig {
    /// Refuses a name unfit for a URL and an issuer in clear text off loopback, naming the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 40
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !name_ok {
            anyhow::bail!(
                "[[console.oidc]] name '{}' must be 1 to 40 lower-case letters, digits and '-'",
                self.name
            );
        }
        let issuer = url::Url::parse(&self.issuer)
            .with_context(|| format!("[[console.oidc]] {}: issuer '{}' is not a URL", self.name, self.issuer))?;
        let loopback = match issuer.host() {
            Some(url::Host::Ipv4(a)) => a.is_loopback(),
            Some(url::Host::Ipv6(a)) => a.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        };
        if issuer.scheme() != "https" && !(issuer.scheme() == "http" && loopback) {
            anyhow::bail!(
                "[[console.oidc]] {}: issuer '{}' must use https (http only on a loopback address)",
                self.name,
                self.issuer
            );
        }
        if self.label.trim().is_empty() || self.client_id.is_empty() {
            anyhow::bail!("[[console.oidc]] {}: label and client_id must not be empty", self.name);
        }
        Ok(())
    }
}

/// How long a started sign-in may take at the provider.
const FLOW_LIFETIME: Duration = Duration::from_secs(600);
/// Sign-ins in progress kept at most (a stranger can start them; each is a few hundred bytes), in all and from one
/// address.
const MAX_PENDING: oidc_flows::Bounds = oidc_flows::Bounds {
    total: 10_000,
    per_address: 20,
};
/// A provider's discovery document and keys are fetched again after this long.
const METADATA_LIFETIME: Duration = Duration::from_secs(3600);
/// Largest answer read from a provider.
const MAX_ANSWER: usize = 1024 * 1024;

/// A provider at run time: its settings, secret, HTTP client and discovered metadata.
struct Provider {
    config: OidcProviderConfig,
    secret: Option<ClientSecret>,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

/// A sign-in started and not yet come back.
struct Pending {
    provider: String,
    state: CsrfToken,
    nonce: Nonce,
    verifier: PkceCodeVerifier,
    redirect: String,
    address: Option<IpAddr>,
}

/// The configured providers and the sign-ins in progress.
pub struct Oidc {
    providers: Vec<Provider>,
    /// The address people reach the console at (`[console] public_url`); the request's `Host` otherwise.
    public_url: Option<String>,
}

impl Oidc {
    /// The providers of the `[console]` config, their client secrets read now (a missing file stops the start).
    pub fn new(config: &super::ConsoleConfig) -> anyhow::Result<Oidc> {
        let mut providers = Vec::new();
        for p in &config.oidc {
            let secret = match &p.client_secret_file {
                Some(file) => {
                    let text = std::fs::read_to_string(file).with_context(|| {
                        format!(
                            "[[console.oidc]] {}: reading client_secret_file {}",
                            p.name,
                            file.display()
                        )
                    })?;
                    Some(ClientSecret::new(text.trim().to_owned()))
                }
                None => None,
            };
            providers.push(Provider {
                config: p.clone(),
                secret,
                http: http_client(p)?,
                metadata: tokio::sync::Mutex::new(None),
            });
        }
        Ok(Oidc {
            providers,
            public_url: config.public_url.as_ref().map(|u| u.trim_end_matches('/').to_owned()),
        })
    }

    /// (name, label) of each provider, for the sign-in page's buttons.
    pub(crate) fn buttons(&self) -> Vec<(String, String)> {
        self.providers
            .iter()
            .map(|p| (p.config.name.clone(), p.config.label.clone()))
            .collect()
    }

    /// Whether a provider with this issuer is configured (a person's `oidc_issuer` must name one).
    pub fn knows_issuer(&self, issuer: &str) -> bool {
        self.providers.iter().any(|p| p.config.issuer == issuer)
    }

    /// The issuer of the provider with this name.
    pub(crate) fn issuer_of(&self, name: &str) -> Option<&str> {
        self.provider(name).map(|p| p.config.issuer.as_str())
    }

    /// The configured issuers, for an error message.
    pub fn issuers(&self) -> Vec<&str> {
        self.providers.iter().map(|p| p.config.issuer.as_str()).collect()
    }

    fn provider(&self, name: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.config.name == name)
    }

    /// Keeps a started sign-in under the digest of `flow`; `false` when too many are in progress (from this address
    /// or in all).
    async fn remember(&self, store: &Store, flow: &str, pending: Pending) -> Result<bool, StoreError> {
        let now = jiff::Timestamp::now().as_second();
        let digest = digest(flow);
        let kept = oidc_flows::Flow {
            provider: pending.provider,
            state: pending.state.secret().clone(),
            nonce: pending.nonce.secret().clone(),
            verifier: pending.verifier.secret().clone(),
            redirect: pending.redirect,
            address: pending.address.map(|a| a.to_string()),
            started_at: now,
        };
        let forget_before = now - FLOW_LIFETIME.as_secs() as i64;
        store
            .write(move |c| {
                let (digest, kept) = (digest.clone(), kept.clone());
                Box::pin(async move { oidc_flows::remember(c, &digest, &kept, MAX_PENDING, forget_before).await })
            })
            .await
    }

    /// Takes out the started sign-in of a flow cookie, if it is still young enough.
    async fn take(&self, store: &Store, flow: &str) -> Result<Option<Pending>, StoreError> {
        let digest = digest(flow);
        let started_after = jiff::Timestamp::now().as_second() - FLOW_LIFETIME.as_secs() as i64;
        let taken = store
            .write(move |c| {
                let digest = digest.clone();
                Box::pin(async move { oidc_flows::take(c, &digest, started_after).await })
            })
            .await?;
        Ok(taken.map(|f| Pending {
            provider: f.provider,
            state: CsrfToken::new(f.state),
            nonce: Nonce::new(f.nonce),
            verifier: PkceCodeVerifier::new(f.verifier),
            redirect: f.redirect,
            address: f.address.and_then(|a| a.parse().ok()),
        }))
    }

    /// The redirect URI of a provider as this request reaches the console.
    fn redirect_uri(&self, headers: &HeaderMap, tls: bool, name: &str) -> Option<String> {
        let base = match &self.public_url {
            Some(u) => u.clone(),
            None => {
                let host = headers.get(header::HOST)?.to_str().ok()?;
                if host.is_empty() || host.contains(['/', '\\', '@', ' ']) {
                    return None;
                }
                format!("{}://{host}", if tls { "https" } else { "http" })
            }
        };
        Some(format!("{base}/logind/oidc/{name}/callback"))
    }
}

/// The HTTPS client for one provider: the system's CAs and the provider's `ca_file`, no redirects followed (a
/// redirect could point the server at an internal address), bounded time.
fn http_client(p: &OidcProviderConfig) -> anyhow::Result<reqwest::Client> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(native.certs);
    if let Some(file) = &p.ca_file {
        use rustls_pki_types::pem::PemObject;
        for cert in rustls_pki_types::CertificateDer::pem_file_iter(file)
            .with_context(|| format!("[[console.oidc]] {}: reading ca_file {}", p.name, file.display()))?
        {
            roots.add(cert?)?;
        }
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .build()
        .context("building the OpenID Connect client")
}

/// Why a request to a provider failed.
#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    #[error(transparent)]
    Http(#[from] axum::http::Error),
    #[error("the provider's answer is larger than {MAX_ANSWER} bytes")]
    TooLarge,
}

/// One request of the openidconnect crate, sent with reqwest (its own reqwest support is of another version).
async fn send(
    client: reqwest::Client,
    request: openidconnect::HttpRequest,
) -> Result<openidconnect::HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let mut answer = client
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await? {
        if bytes.len() + chunk.len() > MAX_ANSWER {
            return Err(HttpError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut response = axum::http::Response::builder().status(answer.status()).body(bytes)?;
    *response.headers_mut() = answer.headers().clone();
    Ok(response)
}

impl Provider {
    /// The provider's discovery document and keys, fetched when not known or old.
    async fn metadata(&self) -> Result<CoreProviderMetadata, String> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, m)) = cached.as_ref()
            && at.elapsed() < METADATA_LIFETIME
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(|e| e.to_string())?;
        let http = self.http.clone();
        let client = move |r| send(http.clone(), r);
        let m = CoreProviderMetadata::discover_async(issuer, &client)
            .await
            .map_err(|e| error_chain(&e))?;
        *cached = Some((Instant::now(), m.clone()));
        Ok(m)
    }

    /// Forgets the metadata (after a failed check of an ID token: the provider may have rotated its keys).
    async fn forget_metadata(&self) {
        *self.metadata.lock().await = None;
    }
}

/// An error and its causes on one line (for the log).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The flow cookie's name (`__Host-` under TLS, like the session's).
fn flow_cookie_name(tls: bool) -> &'static str {
    if tls { "__Host-snitflade-oidc" } else { "snitflade_oidc" }
}

fn flow_cookie(tls: bool, value: &str, max_age: u64) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        flow_cookie_name(tls)
    ))
    .expect("a cookie of hex is a header value")
}

/// `GET /logind/oidc/{name}`: to the provider's sign-in, with a fresh state, nonce and PKCE challenge.
pub(crate) async fn start(
    State(state): State<ConsoleState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    remote: Option<axum::Extension<RemoteAddr>>,
) -> Response {
    let t = Lang::of(&headers);
    let oidc = &state.admin.oidc;
    let Some(provider) = oidc.provider(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let tls = state.admin.admin_tls;
    let Some(redirect) = oidc.redirect_uri(&headers, tls, &name) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let metadata = match provider.metadata().await {
        Ok(m) => m,
        Err(e) => {
            tracing::warn!(provider = %name, error = %e, "OpenID Connect discovery failed");
            return super::signin::refused(
                &state,
                t,
                StatusCode::BAD_GATEWAY,
                "Udbyderen af log ind svarer ikke. Prøv igen senere.",
            );
        }
    };
    let Ok(redirect_url) = RedirectUrl::new(redirect.clone()) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.config.client_id.clone()),
        provider.secret.clone(),
    )
    .set_redirect_uri(redirect_url);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge);
    for scope in &provider.config.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.url();
    let flow = session::random_hex();
    let address = remote.map(|r| r.0.0.ip());
    let pending = Pending {
        provider: name.clone(),
        state: csrf,
        nonce,
        verifier,
        redirect,
        address,
    };
    let kept = match oidc.remember(state.admin.services.store(), &flow, pending).await {
        Ok(kept) => kept,
        Err(e) => {
            tracing::error!(provider = %name, error = %e, "keeping an OpenID Connect sign-in failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    if !kept {
        tracing::warn!(provider = %name, ip = ?address, "too many OpenID Connect sign-ins in progress");
        return super::signin::refused(
            &state,
            t,
            StatusCode::TOO_MANY_REQUESTS,
            "For mange forsøg. Prøv igen senere.",
        );
    }
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, url.as_str())]).into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, flow_cookie(tls, &flow, FLOW_LIFETIME.as_secs()));
    r
}

/// What the provider sends the browser back with.
#[derive(Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
}

/// Why a callback did not sign anyone in (for the log; the page says less).
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("no sign-in in progress for this browser (or it took longer than ten minutes)")]
    NoFlow,
    #[error("the sign-in was started for another provider")]
    OtherProvider,
    #[error("the provider answered with the error '{0}'")]
    ProviderSaid(String),
    #[error("the state does not match the one sent")]
    State,
    #[error("the answer names the issuer '{0}', not the provider's")]
    Issuer(String),
    #[error("no code in the answer")]
    NoCode,
    #[error("redeeming the code failed: {0}")]
    Token(String),
    #[error("the ID token was refused: {0}")]
    IdToken(String),
    #[error("no person signs in as '{subject}' at {issuer}")]
    NoPerson { issuer: String, subject: String },
    #[error("the person is disabled")]
    Disabled,
}

/// `GET /logind/oidc/{name}/callback`: checks state and issuer, redeems the code with the PKCE verifier, checks the
/// ID token (signature, issuer, audience, expiry, nonce) and signs in the person with that issuer and subject.
pub(crate) async fn callback(
    State(state): State<ConsoleState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    remote: Option<axum::Extension<RemoteAddr>>,
    Query(q): Query<Callback>,
) -> Response {
    let t = Lang::of(&headers);
    let tls = state.admin.admin_tls;
    let ip = remote.map(|r| r.0.0.ip());
    let flow = session::cookie(&headers, flow_cookie_name(tls));
    let pending = match flow.as_deref() {
        Some(f) => match state.admin.oidc.take(state.admin.services.store(), f).await {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(provider = %name, error = %e, "reading an OpenID Connect sign-in failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        },
        None => None,
    };
    let outcome = match pending {
        None => Err(Failure::NoFlow),
        Some(p) => finish(&state, &name, p, q).await,
    };
    let mut r = match outcome {
        Ok(person) => match super::signin::begin(&state, &person, ip, &format!("oidc:{name}")).await {
            Ok(cookie) => {
                let mut r = continue_page(t);
                r.headers_mut().append(header::SET_COOKIE, cookie);
                r
            }
            Err(r) => r,
        },
        Err(why) => {
            tracing::info!(provider = %name, ip = ?ip, reason = %why, "console sign-in through OpenID Connect refused");
            let text = match why {
                Failure::NoPerson { .. } | Failure::Disabled => {
                    "Din identitet hos udbyderen er ikke knyttet til en aktiv bruger i snitflade. Kontakt din administrator."
                }
                Failure::ProviderSaid(_) => "Log ind hos udbyderen blev afbrudt.",
                _ => "Log ind blev ikke gennemført. Prøv igen.",
            };
            super::signin::refused(&state, t, StatusCode::UNAUTHORIZED, text)
        }
    };
    r.headers_mut().append(header::SET_COOKIE, flow_cookie(tls, "", 0));
    r
}

/// The checks and the code's redemption; the person to sign in.
async fn finish(
    state: &ConsoleState,
    name: &str,
    p: Pending,
    q: Callback,
) -> Result<snitflade_store::users::User, Failure> {
    if p.provider != name {
        return Err(Failure::OtherProvider);
    }
    let provider = state.admin.oidc.provider(name).ok_or(Failure::OtherProvider)?;
    if let Some(e) = q.error {
        return Err(Failure::ProviderSaid(e.chars().take(100).collect()));
    }
    let given = q.state.unwrap_or_default();
    if !constant_time_eq(given.as_bytes(), p.state.secret().as_bytes()) {
        return Err(Failure::State);
    }
    let metadata = provider.metadata().await.map_err(Failure::Token)?;
    let issuer = metadata.issuer().as_str().to_owned();
    if let Some(iss) = q.iss
        && iss != issuer
    {
        return Err(Failure::Issuer(iss.chars().take(200).collect()));
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or(Failure::NoCode)?;
    let redirect = RedirectUrl::new(p.redirect).map_err(|e| Failure::Token(e.to_string()))?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(provider.config.client_id.clone()),
        provider.secret.clone(),
    )
    .set_redirect_uri(redirect);
    let http = provider.http.clone();
    let http = move |r| send(http.clone(), r);
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| Failure::Token(e.to_string()))?
        .set_pkce_verifier(p.verifier)
        .request_async(&http)
        .await
        .map_err(|e| Failure::Token(error_chain(&e)))?;
    let id_token = openidconnect::TokenResponse::id_token(&tokens)
        .ok_or_else(|| Failure::IdToken("no ID token in the answer".into()))?;
    let claims = match id_token.claims(&client.id_token_verifier(), &p.nonce) {
        Ok(c) => c,
        Err(e) => {
            provider.forget_metadata().await;
            return Err(Failure::IdToken(error_chain(&e)));
        }
    };
    let subject = claims.subject().as_str().to_owned();
    let store = state.admin.services.store();
    let found = snitflade_store::users::by_oidc(store.pool(), &issuer, &subject)
        .await
        .map_err(|e| Failure::Token(e.to_string()))?;
    let Some((person, _)) = found else {
        return Err(Failure::NoPerson { issuer, subject });
    };
    if person.disabled_at.is_some() {
        return Err(Failure::Disabled);
    }
    Ok(person)
}

/// The answer that signs the person in: a page that goes on to the overview at once. Not a redirect: the browser
/// came here from the provider's site, and would not send the `SameSite=Strict` session cookie along a redirect
/// chain that began there; a navigation from this page is the console's own.
fn continue_page(t: Lang) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url=/\">\
         <title>snitflade</title><link rel=\"stylesheet\" href=\"/assets/{}\">\
         <link rel=\"icon\" href=\"/assets/icon-1.svg\" type=\"image/svg+xml\"></head><body><main class=\"signin\">\
         <p class=\"notice ok\" role=\"status\">{}</p><p><a href=\"/\">{}</a></p></main></body></html>",
        t.code(),
        super::assets::CSS,
        t.s("Du er logget ind."),
        t.s("Fortsæt til Overblik"),
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(name: &str, issuer: &str) -> OidcProviderConfig {
        OidcProviderConfig {
            name: name.into(),
            label: "Kommunens login".into(),
            issuer: issuer.into(),
            client_id: "snitflade".into(),
            client_secret_file: None,
            scopes: Vec::new(),
            ca_file: None,
        }
    }

    #[test]
    fn issuers_in_clear_text_are_refused_off_loopback() {
        assert!(provider("kommune", "https://login.kommune.dk").validate().is_ok());
        assert!(provider("kommune", "http://127.0.0.1:4000").validate().is_ok());
        assert!(provider("kommune", "http://localhost:4000").validate().is_ok());
        let e = provider("kommune", "http://login.kommune.dk").validate().unwrap_err();
        assert!(e.to_string().contains("must use https"), "{e}");
        assert!(provider("Kommune X", "https://login.kommune.dk").validate().is_err());
        assert!(provider("", "https://login.kommune.dk").validate().is_err());
    }

    #[test]
    fn the_redirect_uri_follows_the_public_url_or_the_host() {
        let mut config = super::super::ConsoleConfig::default();
        let oidc = Oidc::new(&config).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8081"));
        assert_eq!(
            oidc.redirect_uri(&headers, false, "kommune").as_deref(),
            Some("http://127.0.0.1:8081/logind/oidc/kommune/callback")
        );
        assert_eq!(
            oidc.redirect_uri(&headers, true, "kommune").as_deref(),
            Some("https://127.0.0.1:8081/logind/oidc/kommune/callback")
        );
        headers.insert(header::HOST, HeaderValue::from_static("evil.example/x"));
        assert_eq!(oidc.redirect_uri(&headers, false, "kommune"), None);
        config.public_url = Some("https://snitflade.kommune.dk/".into());
        let oidc = Oidc::new(&config).unwrap();
        assert_eq!(
            oidc.redirect_uri(&headers, false, "kommune").as_deref(),
            Some("https://snitflade.kommune.dk/logind/oidc/kommune/callback")
        );
    }
}
