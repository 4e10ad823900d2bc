//! The JWT variant of KOMBIT's tokens: a compact JWS signed `PS256` by the STS, bound to the caller's client
//! certificate (`cnf.x5t#S256`, RFC 8705) and valid for one service (`aud`, its entityID) and one municipality
//! (`cvr`). Verifying takes the algorithm from here, never from the token's header (`alg: none` or `HS256` with the
//! public key as secret are refused), and refuses a `crit` header it would not understand.

use crate::refusal::Refusal;
use crate::{CLOCK_SKEW_SECS, StsKey, TrustedSts};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

/// Longest token read (a privilege list for many municipalities is still far below).
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// The confirmation claim: the SHA-256 of the client certificate the token is bound to, base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    #[serde(rename = "x5t#S256")]
    pub x5t_s256: String,
}

/// A token's claims, in the order KOMBIT's STS writes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The municipality the caller acts for (its *anvenderkontekst*).
    pub cvr: String,
    /// `1.0`.
    pub spec_ver: String,
    /// The privileges granted for `cvr` at `aud`: base64 of the JSON of [`crate::privileges::json_base64`].
    pub r#priv: String,
    /// Unique per token.
    pub jti: String,
    /// The service's entityID (as KOMBIT's STS writes it).
    pub sub: String,
    pub cnf: Confirmation,
    pub nbf: i64,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    /// The service's entityID.
    pub aud: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    x5t: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crit: Option<serde_json::Value>,
}

/// `x5t#S256` of a certificate given by its SHA-256.
pub fn thumbprint(cert_sha256: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(cert_sha256)
}

/// The signed token of `claims`.
pub fn issue(key: &StsKey, claims: &Claims) -> String {
    // As KOMBIT's STS: `kid` and `x5t` both the signing certificate's SHA-1 thumbprint, base64url.
    let sha1 = URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        &key.cert_der,
    ));
    let header = Header {
        alg: "PS256".into(),
        kid: Some(sha1.clone()),
        x5t: Some(sha1),
        typ: Some("JWT".into()),
        crit: None,
    };
    let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).expect("a header"));
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims")));
    let signature = key.sign_pss(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(signature));
    token
}

/// What a service expects of a token it is called with.
pub struct Expect<'a> {
    /// The STSs whose signature the service accepts.
    pub trusted: &'a [TrustedSts],
    /// This service's entityID.
    pub audience: &'a str,
    /// SHA-256 of the client certificate of the connection the call came on; `None` where the token arrives without
    /// one (a message published over AMQP): the holder is then the certificate the token names, found by the caller.
    pub client_cert_sha256: Option<&'a [u8]>,
    /// Now, in seconds since the epoch.
    pub now: i64,
}

/// The SHA-256 of the certificate a token's claims bind it to (`cnf.x5t#S256`), if readable.
pub fn bound_certificate(claims: &Claims) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(&claims.cnf.x5t_s256)
        .ok()
        .filter(|d| d.len() == 32)
}

/// The claims of a token that passes every check, or the first check it fails (signature first: nothing of an
/// unsigned token is believed).
pub fn verify(token: &str, expect: &Expect<'_>) -> Result<Claims, Refusal> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Refusal::Malformed(format!("længere end {MAX_TOKEN_BYTES} bytes")));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(Refusal::Malformed("ikke tre dele adskilt af punktum".into()));
    };
    let decode = |part: &str, what: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| Refusal::Malformed(format!("{what} er ikke base64url")))
    };
    let header: Header =
        serde_json::from_slice(&decode(h, "headeren")?).map_err(|e| Refusal::Malformed(format!("headeren: {e}")))?;
    if header.alg != "PS256" {
        return Err(Refusal::Malformed(format!("algoritmen {} (kun PS256)", header.alg)));
    }
    if header.crit.is_some() {
        return Err(Refusal::Malformed("crit-headeren understøttes ikke".into()));
    }
    let signature = decode(s, "signaturen")?;
    let signed = &token[..h.len() + 1 + c.len()];
    if !expect
        .trusted
        .iter()
        .any(|sts| sts.verify_pss(signed.as_bytes(), &signature))
    {
        return Err(Refusal::NotTrusted);
    }
    let claims: Claims =
        serde_json::from_slice(&decode(c, "claims")?).map_err(|e| Refusal::Malformed(format!("claims: {e}")))?;
    check_time(claims.nbf, claims.exp, expect.now)?;
    if claims.aud != expect.audience {
        return Err(Refusal::WrongAudience(claims.aud, expect.audience.to_owned()));
    }
    let bound = URL_SAFE_NO_PAD.decode(&claims.cnf.x5t_s256).unwrap_or_default();
    if expect.client_cert_sha256.is_some_and(|c| c != bound) {
        return Err(Refusal::HolderOfKey);
    }
    Ok(claims)
}

/// A validity window checked against `now` with the allowed clock skew.
pub fn check_time(not_before: i64, expires: i64, now: i64) -> Result<(), Refusal> {
    let text = |t: i64| jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |t| t.to_string());
    if now >= expires + CLOCK_SKEW_SECS {
        return Err(Refusal::Expired(text(expires)));
    }
    if now + CLOCK_SKEW_SECS < not_before {
        return Err(Refusal::NotYetValid(text(not_before)));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> &'static StsKey {
        static KEY: std::sync::OnceLock<(tempfile::TempDir, StsKey)> = std::sync::OnceLock::new();
        &KEY.get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let key = StsKey::load_or_create(dir.path()).unwrap();
            (dir, key)
        })
        .1
    }

    const CLIENT: [u8; 32] = [7; 32];
    const AUD: &str = "http://entityid.kombit.dk/service/beskedfordeler/1";

    fn claims(now: i64) -> Claims {
        Claims {
            cvr: "29189730".into(),
            spec_ver: "1.0".into(),
            r#priv: String::new(),
            jti: "id-1".into(),
            sub: AUD.into(),
            cnf: Confirmation {
                x5t_s256: thumbprint(&CLIENT),
            },
            nbf: now,
            exp: now + 3600,
            iat: now,
            iss: crate::ISSUER.into(),
            aud: AUD.into(),
        }
    }

    /// The one public token of KOMBIT's STS (its signing certificate is not published, so only its shape is
    /// checked): its header and claims read as ours are written.
    #[test]
    fn kombits_sample_token_has_the_shape_we_issue() {
        let token = include_str!("../tests/data/kombit-access-token-2023-10-05.jwt").trim();
        let mut parts = token.split('.');
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
        assert_eq!(header.alg, "PS256");
        assert_eq!(header.kid, header.x5t);
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap()).unwrap();
        assert_eq!(claims.cvr, "11111111");
        assert_eq!(claims.exp - claims.iat, 28_800);
        let ours = serde_json::to_value(&claims).unwrap();
        let keys: Vec<&str> = ours.as_object().unwrap().keys().map(String::as_str).collect();
        let theirs = String::from_utf8(URL_SAFE_NO_PAD.decode(token.split('.').nth(1).unwrap()).unwrap()).unwrap();
        for key in keys {
            assert!(theirs.contains(&format!("\"{key}\"")), "{key}");
        }
        let groups = crate::privileges::groups(&claims.r#priv).unwrap();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].scope, "urn:dk:gov:saml:cvrNumberIdentifier:11111111");
        // And the sample is refused by a service that does not trust its (unpublished) signer.
        let refused = check(token, claims.iat, &CLIENT).unwrap_err();
        assert_eq!(refused.check(), "not_trusted");
    }

    fn check(token: &str, now: i64, client: &[u8]) -> Result<Claims, Refusal> {
        verify(
            token,
            &Expect {
                trusted: &[key().public()],
                audience: AUD,
                client_cert_sha256: Some(client),
                now,
            },
        )
    }

    #[test]
    fn a_token_is_accepted_only_as_issued() {
        let now = 1_800_000_000;
        let token = issue(key(), &claims(now));
        assert_eq!(check(&token, now + 10, &CLIENT).unwrap(), claims(now));
        assert_eq!(check(&token, now + 3600 + 301, &CLIENT).unwrap_err().check(), "expired");
        assert_eq!(check(&token, now - 301, &CLIENT).unwrap_err().check(), "not_yet_valid");
        assert_eq!(check(&token, now, &[8; 32]).unwrap_err().check(), "holder_of_key");
        let mut other = claims(now);
        other.aud = "http://entityid.kombit.dk/service/andet/1".into();
        assert_eq!(
            check(&issue(key(), &other), now, &CLIENT).unwrap_err().check(),
            "wrong_audience"
        );
        // A changed claim breaks the signature.
        let (h, rest) = token.split_once('.').unwrap();
        let (_, s) = rest.split_once('.').unwrap();
        let mut forged = claims(now);
        forged.cvr = "55133018".into();
        let forged = format!(
            "{h}.{}.{s}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap())
        );
        assert_eq!(check(&forged, now, &CLIENT).unwrap_err().check(), "not_trusted");
    }

    #[test]
    fn the_algorithm_is_not_the_tokens_to_choose() {
        let now = 1_800_000_000;
        let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(now)).unwrap());
        for header in [
            r#"{"alg":"none"}"#,
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"PS256","crit":["exp"]}"#,
        ] {
            let token = format!("{}.{body}.", URL_SAFE_NO_PAD.encode(header));
            assert_eq!(
                check(&token, now, &CLIENT).unwrap_err().check(),
                "malformed",
                "{header}"
            );
        }
        assert_eq!(check("a.b", now, &CLIENT).unwrap_err().check(), "malformed");
    }
}
