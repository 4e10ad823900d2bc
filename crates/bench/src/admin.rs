//! Client for the server's admin API (plain HTTP, bearer token): health
//! probe and read access to stored machine-hours registrations.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use crate::tls::{client_from_config, trust_only_client_config};

/// Page size used when listing all registrations.
pub const PAGE_LIMIT: usize = 1000;

/// The admin bearer token of a data directory (`DIR/admin-token`, trimmed).
pub fn admin_token(data_dir: &Path) -> Result<String> {
    let path = data_dir.join("admin-token");
    let raw = std::fs::read_to_string(&path).with_context(|| format!("reading admin token {}", path.display()))?;
    let token = raw.trim();
    if token.is_empty() {
        bail!("admin token file {} is empty", path.display());
    }
    Ok(token.to_owned())
}

/// Admin API client bound to one admin listener address.
#[derive(Debug, Clone)]
pub struct Admin {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Admin {
    /// Admin client for the server using `data_dir`, listening at `admin`.
    /// Reads the token from `DIR/admin-token`.
    pub fn new(data_dir: &Path, admin: SocketAddr) -> Result<Self> {
        // The admin listener is plain HTTP; the TLS configuration is only
        // given so that reqwest never needs a process-wide crypto provider.
        let client = client_from_config(trust_only_client_config(data_dir)?)?;
        Ok(Self::with_client(client, admin, admin_token(data_dir)?))
    }

    /// Admin client with an explicit HTTP client and token.
    pub fn with_client(client: reqwest::Client, admin: SocketAddr, token: String) -> Self {
        Admin {
            client,
            base: format!("http://{admin}"),
            token,
        }
    }

    /// `http://<admin>` without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Whether `GET /healthz` answers 200 (no token needed).
    pub async fn healthz(&self) -> Result<bool> {
        let response = self
            .client
            .get(format!("{}/healthz", self.base))
            .send()
            .await
            .context("GET /healthz")?;
        Ok(response.status() == reqwest::StatusCode::OK)
    }

    /// Authenticated GET of `path` (starting with `/`), e.g. `/metrics`;
    /// fails unless the answer is 200. Returns the body as text.
    pub async fn get_text(&self, path: &str) -> Result<String> {
        let url = format!("{}{path}", self.base);
        let response = self
            .client
            .get(&url)
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let body = response.text().await.with_context(|| format!("reading {url}"))?;
        if status != reqwest::StatusCode::OK {
            bail!("GET {url} answered {status}: {}", truncate(&body, 500));
        }
        Ok(body)
    }

    /// Authenticated GET of `path` (starting with `/`) with the given query
    /// parameters; fails unless the answer is 200 with a JSON body.
    pub async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value> {
        let mut url =
            reqwest::Url::parse(&format!("{}{path}", self.base)).with_context(|| format!("bad admin path {path:?}"))?;
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let response = self
            .client
            .get(url.clone())
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("GET {url}"))?;
        let status = response.status();
        let body = response.text().await.with_context(|| format!("reading {url}"))?;
        if status != reqwest::StatusCode::OK {
            bail!("GET {url} answered {status}: {}", truncate(&body, 500));
        }
        serde_json::from_str(&body).with_context(|| format!("GET {url}: not JSON: {}", truncate(&body, 500)))
    }

    /// The stored registrations with this EX_IDENT, as JSON objects (empty if
    /// unknown).
    pub async fn registrations_for(&self, ex_ident: &str) -> Result<Vec<Value>> {
        let v = self
            .get_json("/api/v1/maskintimer/registrations", &[("ex_ident", ex_ident)])
            .await?;
        Ok(registrations_array(&v)?.clone())
    }

    /// Whether a registration with this EX_IDENT is stored.
    pub async fn registration_exists(&self, ex_ident: &str) -> Result<bool> {
        let found = self.registrations_for(ex_ident).await?;
        Ok(found
            .iter()
            .any(|r| r.get("ex_ident").and_then(Value::as_str) == Some(ex_ident)))
    }

    /// The EX_IDENTs of all stored registrations, in the server's order
    /// (sorted), collected by paging with `after` (the last EX_IDENT of the
    /// previous page) until a page is shorter than the limit.
    pub async fn registrations_all(&self) -> Result<Vec<String>> {
        let limit = PAGE_LIMIT.to_string();
        let mut all: Vec<String> = Vec::new();
        loop {
            let mut query = vec![("limit", limit.as_str())];
            if let Some(a) = all.last() {
                query.push(("after", a.as_str()));
            }
            let page = self.get_json("/api/v1/maskintimer/registrations", &query).await?;
            let idents = parse_page(&page)?;
            if let (Some(first), Some(last)) = (idents.first(), all.last())
                && first <= last
            {
                bail!("admin paging does not advance ({first} after {last})")
            }
            let done = idents.len() < PAGE_LIMIT;
            all.extend(idents);
            if done {
                return Ok(all);
            }
        }
    }

    /// [`Admin::registrations_all`] as a set.
    pub async fn registration_set(&self) -> Result<HashSet<String>> {
        Ok(self.registrations_all().await?.into_iter().collect())
    }
}

fn registrations_array(v: &Value) -> Result<&Vec<Value>> {
    v.as_array().with_context(|| {
        format!(
            "expected a JSON array of registrations, got {}",
            truncate(&v.to_string(), 300)
        )
    })
}

/// The EX_IDENTs of one page of `GET /api/v1/maskintimer/registrations`
/// (a JSON array of registrations).
pub fn parse_page(v: &Value) -> Result<Vec<String>> {
    registrations_array(v)?
        .iter()
        .map(|r| {
            r.get("ex_ident")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .with_context(|| format!("registration without ex_ident: {r}"))
        })
        .collect()
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn page_parsing() {
        let v = json!([{"ex_ident":"A","kommunekode":"0751"},{"ex_ident":"B"}]);
        assert_eq!(parse_page(&v).unwrap(), vec!["A".to_owned(), "B".to_owned()]);
        assert_eq!(parse_page(&json!([])).unwrap(), Vec::<String>::new());
        assert!(parse_page(&json!({"registrations":[]})).is_err());
        assert!(parse_page(&json!([{"id":1}])).is_err());
    }

    #[test]
    fn token_is_trimmed() {
        let dir = std::env::temp_dir().join(format!("snitflade-bench-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("admin-token"), "  s3cret \n").unwrap();
        assert_eq!(admin_token(&dir).unwrap(), "s3cret");
        std::fs::write(dir.join("admin-token"), "\n").unwrap();
        assert!(admin_token(&dir).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn truncation_respects_chars() {
        assert_eq!(truncate("æøå", 2), "æø");
        assert_eq!(truncate("ab", 5), "ab");
    }
}
