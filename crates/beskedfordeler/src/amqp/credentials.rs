//! Per-system broker credentials for the pull queues (SF1460_D, issue 17): each system reads only its own dueslag's
//! queues, enforced by RabbitMQ itself. snitflade manages a RabbitMQ user per system through the broker's management
//! HTTP API (`PUT /api/users/{user}`, `PUT /api/permissions/{vhost}/{user}`, `DELETE /api/users/{user}`) — the
//! broker's own user and permission model, so the broker refuses a foreign queue whatever the client does; the
//! AMQP protocol itself has no way to create users. The user's permissions are regular expressions anchored to the
//! system's queue names (`snitflade.dueslag.<system id>.<dueslag id>`), so a dueslag created later is covered
//! without touching the broker. The password is random, returned once, and stored nowhere on our side (the broker
//! keeps only its hash); issuing again replaces it.

use crate::dueslag::{DueslagError, audited};
use lapin::uri::{AMQPScheme, AMQPUri};
use serde::Serialize;
use serde_json::json;
use snitflade_store::{Store, dueslag};
use std::time::Duration;

/// The queue of a pull dueslag: named by its system and its own UUID, so that one anchored pattern per system
/// covers exactly that system's queues.
pub fn queue_name(system_id: &str, dueslag_id: &str) -> String {
    format!("snitflade.dueslag.{system_id}.{dueslag_id}")
}

/// The broker user of a system.
pub fn username(system_name: &str) -> String {
    format!("system.{system_name}")
}

/// A system's permissions on the broker (RabbitMQ's configure / write / read regular expressions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Permissions {
    /// Declare (and delete) its own queues.
    pub configure: String,
    /// Publish to `AFSEND_BESKED_EXCHANGE` (SF1460_C, with its publisher token) and nothing else.
    pub write: String,
    /// Consume from its own queues.
    pub read: String,
}

/// The permissions of the system `system_id`: its own queues only (with their error queues, `….fejl`).
pub fn permissions(system_id: &str) -> Permissions {
    let uuid = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    let own = format!("^{}{uuid}(\\.fejl)?$", regex_escape(&queue_name(system_id, "")));
    Permissions {
        configure: own.clone(),
        write: format!("^{}$", regex_escape(super::AFSEND_EXCHANGE)),
        read: own,
    }
}

/// `s` with every regular-expression metacharacter escaped.
fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// One of the system's pull dueslag and its queue.
#[derive(Debug, Clone, Serialize)]
pub struct QueueInfo {
    pub dueslag: String,
    pub name: String,
    pub queue: String,
}

/// What a receiving system gets once: its broker login and what it may read.
#[derive(Debug, Clone, Serialize)]
pub struct Credentials {
    pub system: String,
    pub username: String,
    /// Shown this once; snitflade keeps no copy.
    pub password: String,
    pub host: String,
    pub port: u16,
    pub vhost: String,
    pub tls: bool,
    pub queues: Vec<QueueInfo>,
    pub permissions: Permissions,
}

/// The management API of the broker snitflade forwards to, with the operator's login.
#[derive(Clone)]
pub struct Broker {
    http: reqwest::Client,
    /// The management API's base URL (no user info).
    base: reqwest::Url,
    user: String,
    password: String,
    /// The AMQP side, for the receiving systems.
    host: String,
    port: u16,
    vhost: String,
    tls: bool,
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("base", &self.base.as_str())
            .field("user", &self.user)
            .field("vhost", &self.vhost)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// `management_url`: the management API (`http://host:15672`, optionally with its own user info); without one,
    /// the AMQP URL's host on port 15672 (15671 over TLS for `amqps://`), with the AMQP URL's login. The errors
    /// never repeat a URL (it may hold a password).
    pub fn new(amqp_url: &str, management_url: Option<&str>) -> Result<Self, String> {
        let uri: AMQPUri = amqp_url
            .parse()
            .map_err(|_| "not a valid amqp:// or amqps:// URL".to_owned())?;
        let tls = matches!(uri.scheme, AMQPScheme::AMQPS);
        let host = uri.authority.host.clone();
        let mut base = match management_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(u) => reqwest::Url::parse(u)
                .map_err(|_| "[beskedfordeler] amqp_management_url is not a valid URL".to_owned())?,
            None => {
                let (scheme, port) = if tls { ("https", 15671) } else { ("http", 15672) };
                let h = if host.contains(':') {
                    format!("[{host}]")
                } else {
                    host.clone()
                };
                reqwest::Url::parse(&format!("{scheme}://{h}:{port}/"))
                    .map_err(|_| "the AMQP URL's host makes no management URL".to_owned())?
            }
        };
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err("[beskedfordeler] amqp_management_url must be an http:// or https:// URL".into());
        }
        let (user, password) = if base.username().is_empty() {
            (
                uri.authority.userinfo.username.clone(),
                uri.authority.userinfo.password.clone(),
            )
        } else {
            let decode = |s: &str| {
                percent_decode(s).ok_or_else(|| "[beskedfordeler] amqp_management_url: bad user info".to_owned())
            };
            (decode(base.username())?, decode(base.password().unwrap_or(""))?)
        };
        let _ = base.set_username("");
        let _ = base.set_password(None);
        // reqwest builds a TLS configuration even for plain HTTP and needs a crypto provider for it.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .no_proxy()
            .build()
            .map_err(|e| format!("building the management API client: {e}"))?;
        Ok(Self {
            http,
            base,
            user,
            password,
            host,
            port: uri.authority.port,
            vhost: uri.vhost,
            tls,
        })
    }

    /// `<base>/api/<segments…>`, each segment percent-encoded (the default vhost `/` is `%2F`).
    fn api(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().expect("checked in new");
            path.pop_if_empty().push("api");
            path.extend(segments);
        }
        url
    }

    /// Sends one management request; `Err` names what failed (never the password).
    async fn call(
        &self,
        method: reqwest::Method,
        url: reqwest::Url,
        body: Option<serde_json::Value>,
        what: &str,
    ) -> Result<reqwest::StatusCode, DueslagError> {
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(&self.user, Some(&self.password));
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request
            .send()
            .await
            .map_err(|e| DueslagError::Broker(format!("RabbitMQ's management API svarer ikke ({what}): {e}")))?;
        let status = response.status();
        if status.is_success() || status == reqwest::StatusCode::NOT_FOUND {
            return Ok(status);
        }
        let text: String = response.text().await.unwrap_or_default().chars().take(300).collect();
        Err(DueslagError::Broker(format!(
            "RabbitMQ's management API afviste {what}: HTTP {status} {text}"
        )))
    }

    /// (Re)creates the broker user of system `name` with a fresh random password and its permissions; answers the
    /// credentials (the password this once). Recorded in the admin audit log, without the password.
    pub async fn issue(&self, store: &Store, name: &str, who: Option<&str>) -> Result<Credentials, DueslagError> {
        let system = snitflade_store::access::system_by_name(store.pool(), name)
            .await?
            .ok_or_else(|| DueslagError::NotFound(format!("systemet '{name}'")))?;
        let user = username(&system.name);
        let password = random_password()?;
        let permissions = permissions(&system.id);
        let put = reqwest::Method::PUT;
        let created = self
            .call(
                put.clone(),
                self.api(&["users", &user]),
                Some(json!({ "password": password, "tags": "" })),
                "oprettelsen af brugeren",
            )
            .await?;
        if created == reqwest::StatusCode::NOT_FOUND {
            return Err(DueslagError::Broker(
                "RabbitMQ's management API kender ikke /api/users".into(),
            ));
        }
        let set = self
            .call(
                put,
                self.api(&["permissions", &self.vhost, &user]),
                Some(json!(permissions)),
                "brugerens rettigheder",
            )
            .await?;
        if set == reqwest::StatusCode::NOT_FOUND {
            return Err(DueslagError::Broker(format!(
                "vhost '{}' findes ikke i RabbitMQ",
                self.vhost
            )));
        }
        let queues = dueslag::all(store.pool())
            .await?
            .into_iter()
            .filter(|d| d.system_id == system.id && d.push_url.is_none())
            .map(|d| QueueInfo {
                queue: queue_name(&system.id, &d.id),
                dueslag: d.id,
                name: d.name,
            })
            .collect();
        let detail = json!({ "system": system.name, "username": user, "permissions": permissions });
        audited(
            store,
            crate::dueslag::actor(who),
            "amqp.credentials.issue",
            "system",
            system.name.clone(),
            detail,
            |_| Box::pin(async { Ok(()) }),
        )
        .await?;
        tracing::info!(system = %system.name, username = %user, "broker credentials issued");
        Ok(Credentials {
            system: system.name,
            username: user,
            password,
            host: self.host.clone(),
            port: self.port,
            vhost: self.vhost.clone(),
            tls: self.tls,
            queues,
            permissions,
        })
    }

    /// Deletes the broker user of system `name` (its open connections are closed by the broker); answers whether
    /// there was one.
    pub async fn revoke(&self, store: &Store, name: &str, who: Option<&str>) -> Result<bool, DueslagError> {
        let system = snitflade_store::access::system_by_name(store.pool(), name)
            .await?
            .ok_or_else(|| DueslagError::NotFound(format!("systemet '{name}'")))?;
        let user = username(&system.name);
        let status = self
            .call(
                reqwest::Method::DELETE,
                self.api(&["users", &user]),
                None,
                "sletningen af brugeren",
            )
            .await?;
        let existed = status != reqwest::StatusCode::NOT_FOUND;
        let detail = json!({ "system": system.name, "username": user, "existed": existed });
        audited(
            store,
            crate::dueslag::actor(who),
            "amqp.credentials.revoke",
            "system",
            system.name.clone(),
            detail,
            |_| Box::pin(async { Ok(()) }),
        )
        .await?;
        Ok(existed)
    }
}

/// 256 random bits, hex.
fn random_password() -> Result<String, DueslagError> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| DueslagError::Broker("ingen tilfældige tal til adgangskoden".into()))?;
    Ok(hex::encode(bytes))
}

/// Percent-decoding of URL user info.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_anchored_to_the_systems_own_queues() {
        let p = permissions("0d6c7a5e-1b1f-4d36-9a34-3f1a3c2b9e01");
        assert_eq!(
            p.read,
            "^snitflade\\.dueslag\\.0d6c7a5e\\-1b1f\\-4d36\\-9a34\\-3f1a3c2b9e01\\.\
             [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\\.fejl)?$"
        );
        assert_eq!(p.configure, p.read);
        assert_eq!(p.write, "^AFSEND_BESKED_EXCHANGE$");
        assert_eq!(
            queue_name("s", "6f1c1d9e-7f43-4d6b-9d0b-1a2b3c4d5e6f"),
            "snitflade.dueslag.s.6f1c1d9e-7f43-4d6b-9d0b-1a2b3c4d5e6f"
        );
        assert_eq!(regex_escape("a.b*c"), "a\\.b\\*c");
    }

    #[test]
    fn the_management_url_defaults_to_the_amqp_host_on_15672_with_its_login() {
        let b = Broker::new("amqp://guest:s3cret@rabbit.example:5672/%2f", None).unwrap();
        assert_eq!(
            b.api(&["users", "system.x"]).as_str(),
            "http://rabbit.example:15672/api/users/system.x"
        );
        assert_eq!(
            b.api(&["permissions", &b.vhost, "u"]).as_str(),
            "http://rabbit.example:15672/api/permissions/%2F/u"
        );
        assert_eq!((b.user.as_str(), b.password.as_str()), ("guest", "s3cret"));
        let tls = Broker::new("amqps://u:p@rabbit.example/prod", None).unwrap();
        assert_eq!(tls.api(&[]).as_str(), "https://rabbit.example:15671/api");
        let own = Broker::new(
            "amqp://guest:guest@h/%2f",
            Some("http://admin:p%40ss@mgmt:8080/rabbit/"),
        )
        .unwrap();
        assert_eq!(own.api(&["users"]).as_str(), "http://mgmt:8080/rabbit/api/users");
        assert_eq!((own.user.as_str(), own.password.as_str()), ("admin", "p@ss"));
        assert!(!format!("{own:?}").contains("p@ss"), "no password in Debug");
        assert!(Broker::new("amqp://h", Some("ftp://x")).is_err());
    }
}
