//! Publisher tokens for SF1460_C: a system that publishes over AMQP puts one in each message's `token` header.
//! Issued through the admin API (shown once; only its SHA-256 is stored), valid for a set time, revocable.

use crate::dueslag::{DueslagError, actor, audited};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_store::publishing::{self, PublisherToken};
use snitflade_store::{Store, StoreError, now_text, timestamp_text};

/// Longest validity an operator may give a token: a year.
pub const MAX_VALID_DAYS: i64 = 366;

/// A newly issued token: the secret itself is only ever in this answer (and never in its `Debug`).
#[derive(Clone, Serialize)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub stored: PublisherToken,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"***")
            .field("stored", &self.stored)
            .finish()
    }
}

/// A token from Adgangsstyring's Security Token Service presented in a message's `token` header in place of a
/// publisher token (a JWT, or a SAML assertion as XML or base64): checked by the server's STS, which this crate does
/// not hold.
pub trait StsTokens: Send + Sync {
    fn check(&self, token: &str) -> StsCheck;
}

/// What an STS token in a `token` header turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StsCheck {
    /// Issued to `system` (the owner of the certificate it is bound to) for the municipality with `cvr`.
    Valid {
        system: snitflade_access::SystemInfo,
        cvr: String,
    },
    /// Expired: the text says since when.
    Expired(String),
    /// Refused: the text names the check that failed.
    Refused(String),
}

/// Whether a `token` header holds a publisher token (`bf_…`) rather than one from the STS.
pub fn is_publisher_token(token: &str) -> bool {
    token.starts_with("bf_")
}

/// What a presented token turns out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenCheck {
    Valid(PublisherToken),
    Expired(PublisherToken),
    /// Unknown or revoked.
    Refused,
}

fn digest(token: &str) -> String {
    hex::encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()))
}

/// How long a new token is valid: `valid_days` (default 30) or, for short-lived tokens, `valid_seconds`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub valid_days: Option<i64>,
    pub valid_seconds: Option<i64>,
    pub actor: Option<String>,
}

impl TokenRequest {
    fn validity(&self) -> Result<jiff::SignedDuration, DueslagError> {
        let max = MAX_VALID_DAYS * 24 * 3600;
        let seconds = match (self.valid_days, self.valid_seconds) {
            (Some(_), Some(_)) => {
                return Err(DueslagError::BadRequest(
                    "angiv enten valid_days eller valid_seconds, ikke begge".into(),
                ));
            }
            (Some(d), None) => d.saturating_mul(24 * 3600),
            (None, Some(s)) => s,
            (None, None) => 30 * 24 * 3600,
        };
        if !(1..=max).contains(&seconds) {
            return Err(DueslagError::BadRequest(format!(
                "et token kan gælde fra 1 sekund til {MAX_VALID_DAYS} dage"
            )));
        }
        Ok(jiff::SignedDuration::from_secs(seconds))
    }
}

/// Issues a token for `system`.
pub async fn issue(store: &Store, system: &str, req: &TokenRequest) -> Result<IssuedToken, DueslagError> {
    let validity = req.validity()?;
    let who = req.actor.as_deref();
    let sys = snitflade_store::access::system_by_name(store.pool(), system)
        .await?
        .ok_or_else(|| DueslagError::NotFound(format!("systemet '{system}'")))?;
    let mut secret = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut secret)
        .map_err(|_| DueslagError::Store(StoreError::Corrupt("no system randomness".into())))?;
    let token = format!("bf_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret));
    let now = jiff::Timestamp::now();
    let stored = PublisherToken {
        id: uuid::Uuid::new_v4().to_string(),
        system_id: sys.id,
        system_name: sys.name,
        created_at: timestamp_text(now),
        expires_at: timestamp_text(now + validity),
        revoked_at: None,
    };
    let (rec, hash) = (stored.clone(), digest(&token));
    let detail = json!({ "system": system, "expires_at": stored.expires_at });
    audited(
        store,
        actor(who),
        "token.issue",
        "token",
        stored.id.clone(),
        detail,
        move |c| {
            let (rec, hash) = (rec.clone(), hash.clone());
            Box::pin(async move { publishing::add_token(c, &rec, &hash).await })
        },
    )
    .await?;
    Ok(IssuedToken { token, stored })
}

/// A system's tokens (without secrets).
pub async fn list(store: &Store, system: &str) -> Result<Vec<PublisherToken>, DueslagError> {
    let sys = snitflade_store::access::system_by_name(store.pool(), system)
        .await?
        .ok_or_else(|| DueslagError::NotFound(format!("systemet '{system}'")))?;
    Ok(publishing::tokens(store.pool(), &sys.id).await?)
}

/// Revokes one of a system's tokens.
pub async fn revoke(store: &Store, system: &str, id: &str, who: Option<&str>) -> Result<(), DueslagError> {
    let sys = snitflade_store::access::system_by_name(store.pool(), system)
        .await?
        .ok_or_else(|| DueslagError::NotFound(format!("systemet '{system}'")))?;
    let id_owned = id.to_owned();
    let detail = json!({ "system": system });
    audited(
        store,
        actor(who),
        "token.revoke",
        "token",
        id.to_owned(),
        detail,
        move |c| {
            let (sys, id) = (sys.id.clone(), id_owned.clone());
            Box::pin(async move {
                match publishing::revoke_token(c, &sys, &id, &now_text()).await? {
                    true => Ok(()),
                    false => Err(StoreError::NotFound),
                }
            })
        },
    )
    .await
}

/// Checks a presented token at `now`.
pub async fn check(store: &Store, token: &str, now: &str) -> Result<TokenCheck, DueslagError> {
    if token.is_empty() || token.len() > 200 {
        return Ok(TokenCheck::Refused);
    }
    Ok(match publishing::token_by_digest(store.pool(), &digest(token)).await? {
        Some(t) if t.revoked_at.is_some() => TokenCheck::Refused,
        Some(t) if t.expires_at.as_str() <= now => TokenCheck::Expired(t),
        Some(t) => TokenCheck::Valid(t),
        None => TokenCheck::Refused,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_bounded_and_defaults_to_30_days() {
        let req = |d: Option<i64>, s: Option<i64>| TokenRequest {
            valid_days: d,
            valid_seconds: s,
            actor: None,
        };
        assert_eq!(req(None, None).validity().unwrap().as_secs(), 30 * 24 * 3600);
        assert_eq!(req(None, Some(5)).validity().unwrap().as_secs(), 5);
        assert_eq!(req(Some(2), None).validity().unwrap().as_secs(), 2 * 24 * 3600);
        assert!(req(Some(0), None).validity().is_err());
        assert!(req(Some(MAX_VALID_DAYS + 1), None).validity().is_err());
        assert!(req(Some(1), Some(1)).validity().is_err());
        assert!(req(None, Some(-3)).validity().is_err());
    }

    #[test]
    fn only_the_digest_identifies_a_token() {
        assert_eq!(digest("bf_x"), digest("bf_x"));
        assert_ne!(digest("bf_x"), digest("bf_y"));
        assert_eq!(digest("bf_x").len(), 64);
    }
}
