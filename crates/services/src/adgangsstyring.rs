//! Adgangsstyring (SF1514): snitflade as KOMBIT's Security Token Service, and the check a service makes of the
//! token it is called with. A system asks the STS for a token for one service (its entityID) and one municipality
//! (its CVR, the *anvenderkontekst*); the STS identifies the system by its client certificate, issues a token only
//! where the system holds a grant, with the privileges its grants give, and binds the token to that certificate. A
//! service called with a token checks the STS's signature, that the token is for this service, still valid, bound
//! to the certificate of the connection it came on, and that the grant still stands. Mutual TLS alone stays
//! accepted as today's alternative.
//!
//! This module holds the decisions; the HTTP of the token endpoint is the server's, the token format
//! `snitflade-sts`'s.

use crate::dispatch::Services;
use snitflade_access::SystemInfo;
use snitflade_domain::{AccessLevel, InterfaceId, Kommunekode};
use snitflade_sts::jwt::{self, Claims, Confirmation};
use snitflade_sts::{Refusal, StsKey, privileges};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// A service that accepts tokens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Entity {
    /// The entityID a token names as its audience.
    pub entity_id: String,
    /// The interface whose grants decide who gets a token.
    pub interface: InterfaceId,
    /// What it is, for listings.
    pub service: String,
    /// Where it is called, on the services listener (the first of `paths`).
    pub path: String,
    /// Every path it is called at.
    pub paths: Vec<String>,
    /// Whether a call without a token is refused (mutual TLS alone is otherwise enough).
    pub token_required: bool,
}

/// KOMBIT's entityID of the Beskedfordeler's receiving side (its value lists, SF1460_B, are how a receiver manages
/// what it receives; the AMQP connection of SF1460_D and the `token` header of SF1460_C name it too).
pub const BESKEDFORDELER_ENTITY_ID: &str = "http://entityid.kombit.dk/service/bfo_modtag/2";

/// The entityID of a standard interface's services when they accept tokens: snitflade's own, since KMD's platform
/// has none.
pub fn standard_entity_id(interface: InterfaceId) -> String {
    format!("https://snitflade/service/{}/1", interface.as_str())
}

/// The services that accept tokens: the Beskedfordeler's value lists, and the standard interfaces of
/// `interfaces` (from [`crate::ServicesConfig::token_interfaces`]: each with whether it requires a token).
pub fn entities(interfaces: &[(InterfaceId, bool)]) -> Vec<Entity> {
    interfaces
        .iter()
        .map(|&(interface, token_required)| {
            if interface == InterfaceId::Beskedfordeler {
                Entity {
                    entity_id: BESKEDFORDELER_ENTITY_ID.into(),
                    interface,
                    service: "Beskedfordeler, værdilister (SF1460_B)".into(),
                    path: crate::beskedfordeler::PATH.into(),
                    paths: vec![crate::beskedfordeler::PATH.into()],
                    token_required,
                }
            } else {
                let paths: Vec<String> = if interface == InterfaceId::Engangsydelse {
                    ["/lpe/update-onetime-payments", "/lpe/read-onetime-payments"]
                        .map(String::from)
                        .into()
                } else {
                    crate::registry::SERVICES
                        .iter()
                        .filter(|d| d.interface == interface)
                        .map(|d| format!("/ws/{}", d.name))
                        .collect()
                };
                Entity {
                    entity_id: standard_entity_id(interface),
                    interface,
                    service: format!("{} (standardsnitflade)", interface.as_str()),
                    path: paths.first().cloned().unwrap_or_default(),
                    paths,
                    token_required,
                }
            }
        })
        .collect()
}

/// The header entries a call carrying an assertion brings with `mustUnderstand="1"`, which the check of the
/// assertion processes (WS-Security, the Liberty framework header, WS-Addressing).
pub const UNDERSTOOD: &[(&str, &str)] = &[
    (snitflade_sts::dsig::WSSE, "Security"),
    ("urn:liberty:sb:2006-08", "Framework"),
    (snitflade_sts::wstrust::WSA, "Action"),
    (snitflade_sts::wstrust::WSA, "To"),
    (snitflade_sts::wstrust::WSA, "MessageID"),
    (snitflade_sts::wstrust::WSA, "ReplyTo"),
];

/// Whether a request body carries a WS-Security header (and so must pass the check of its assertion).
pub fn carries_security(body: &[u8]) -> bool {
    let ns = snitflade_sts::dsig::WSSE.as_bytes();
    body.windows(ns.len()).any(|w| w == ns)
}

/// The STS: its key, made when first needed, how long its tokens live, and the services that accept its tokens.
/// (The message IDs it has answered are in the database: [`Services::first_use`].)
pub struct TokenService {
    pki_dir: PathBuf,
    entities: Vec<Entity>,
    key: OnceLock<Result<Arc<StsKey>, String>>,
    lifetime_secs: u64,
}

/// The longest message ID remembered; a longer one is refused as malformed.
const MAX_MESSAGE_ID: usize = 256;

impl TokenService {
    pub fn new(pki_dir: PathBuf, lifetime_secs: u64, entities: Vec<Entity>) -> TokenService {
        TokenService {
            pki_dir,
            entities,
            key: OnceLock::new(),
            lifetime_secs,
        }
    }

    /// The services that accept tokens.
    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    /// The service with this entityID.
    pub fn entity(&self, entity_id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.entity_id == entity_id)
    }

    /// The service an interface is called as, if it accepts tokens.
    pub fn entity_of(&self, interface: InterfaceId) -> Option<&Entity> {
        self.entities.iter().find(|e| e.interface == interface)
    }

    /// Checks a token presented without a connection certificate — the `token` header of a message published to
    /// the Beskedfordeler over AMQP — for `interface`: a JWT or a SAML assertion (its XML or base64) by this STS, for
    /// the interface's entityID, valid at `now`. Nothing binds it to the connection it came on, so the holder is the
    /// certificate it names: whoever presents it acts as that certificate's system, as with a publisher token.
    pub fn check_detached(&self, interface: InterfaceId, token: &str, now: i64) -> Result<Detached, Refusal> {
        let entity = self
            .entity_of(interface)
            .ok_or_else(|| Refusal::UnknownService(interface.to_string()))?;
        let key = self.key().map_err(|_| Refusal::NotTrusted)?;
        if token.starts_with("eyJ") {
            let claims = jwt::verify(
                token,
                &jwt::Expect {
                    trusted: &[key.public()],
                    audience: &entity.entity_id,
                    client_cert_sha256: None,
                    now,
                },
            )?;
            let holder_sha256 = jwt::bound_certificate(&claims).ok_or(Refusal::HolderOfKey)?;
            return Ok(Detached {
                holder_sha256,
                cvr: claims.cvr,
            });
        }
        let trusted = [snitflade_sts::dsig::PublicKey::of_cert(&key.cert_der).map_err(|_| Refusal::NotTrusted)?];
        let checked = snitflade_sts::assertion::read_token(token, now, &trusted, &entity.entity_id)?;
        Ok(Detached {
            holder_sha256: ring::digest::digest(&ring::digest::SHA256, &checked.holder_cert)
                .as_ref()
                .to_vec(),
            cvr: checked.cvr,
        })
    }

    /// The STS's key (made and stored the first time).
    pub fn key(&self) -> Result<Arc<StsKey>, String> {
        self.key
            .get_or_init(|| {
                StsKey::load_or_create(&self.pki_dir)
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"))
            })
            .clone()
    }
}

/// A token request's scope: `entityid:<entityID>,anvenderkontekst:<CVR>`.
#[derive(Debug, PartialEq, Eq)]
pub struct Scope {
    pub entity_id: String,
    pub cvr: String,
}

impl Scope {
    pub fn parse(scope: &str) -> Result<Scope, String> {
        let (mut entity_id, mut cvr) = (None, None);
        // The entityID is a URL and may hold ':'; the parts are split on ',' and named by their first ':'.
        for part in scope.split(',') {
            match part.trim().split_once(':') {
                Some(("entityid", v)) if entity_id.is_none() => entity_id = Some(v.to_owned()),
                Some(("anvenderkontekst", v)) if cvr.is_none() => cvr = Some(v.to_owned()),
                _ => {
                    return Err(format!(
                        "scope-delen '{}' forstås ikke",
                        part.chars().take(100).collect::<String>()
                    ));
                }
            }
        }
        let entity_id = entity_id.ok_or("scope mangler entityid:<entityID>")?;
        let cvr = cvr.ok_or("scope mangler anvenderkontekst:<CVR>")?;
        if cvr.len() != 8 || !cvr.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "anvenderkontekst '{}' er ikke et CVR-nummer (8 cifre)",
                cvr.chars().take(20).collect::<String>()
            ));
        }
        Ok(Scope { entity_id, cvr })
    }
}

/// An issued token.
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: String,
    pub expires_in: u64,
    pub claims: Claims,
}

/// What a token presented on its own ([`TokenService::check_detached`]) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detached {
    /// The SHA-256 of the certificate it is bound to.
    pub holder_sha256: Vec<u8>,
    /// The municipality it is for.
    pub cvr: String,
}

/// What a call proved with its token.
#[derive(Debug)]
pub enum TokenUse {
    /// No token: the call stands on its certificate (mutual TLS) alone.
    None,
    /// A JWT in the `Authorization` header.
    Jwt(Box<Claims>),
    /// A SAML assertion in the WS-Security header, with the message signed by its holder (OIO IDWS): the header
    /// entries of [`UNDERSTOOD`] are processed.
    Assertion(Box<snitflade_sts::idws::VerifiedCall>),
}

/// Why a token request or a token was refused, and what the check was.
pub fn note_refusal(refusal: &Refusal, at: &'static str) {
    metrics::counter!("snitflade_sts_refused_total", "check" => refusal.check(), "at" => at).increment(1);
}

impl Services {
    /// Takes the message ID of a signed request valid until `expires` (seconds), in the database: refuses one any
    /// instance has answered before, as a replay.
    pub async fn first_use(&self, message_id: &str, expires: i64, now: i64) -> Result<(), Refusal> {
        if message_id.len() > MAX_MESSAGE_ID {
            return Err(Refusal::Malformed(format!(
                "MessageID er længere end {MAX_MESSAGE_ID} tegn"
            )));
        }
        let (id, forget_before) = (message_id.to_owned(), now - snitflade_sts::CLOCK_SKEW_SECS);
        let taken = self
            .store()
            .write(move |c| {
                let id = id.clone();
                Box::pin(async move { snitflade_store::sts_messages::take(c, &id, expires, forget_before).await })
            })
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "remembering a message ID failed");
                Refusal::Malformed("beskedens MessageID kan ikke huskes lige nu; prøv igen".into())
            })?;
        if taken {
            Ok(())
        } else {
            Err(Refusal::Replay(message_id.chars().take(100).collect()))
        }
    }

    /// The municipality with this CVR.
    async fn municipality_of_cvr(&self, cvr: &str) -> Result<Option<Kommunekode>, Refusal> {
        let all = snitflade_store::access::municipalities(self.store().pool())
            .await
            .map_err(|e| Refusal::Malformed(format!("kommunerne kan ikke læses: {e}")))?;
        Ok(all
            .into_iter()
            .find(|m| m.cvr == cvr)
            .and_then(|m| Kommunekode::parse(&m.code).ok()))
    }

    /// The privileges `system` holds today at `entity` for the municipality with `cvr` (refused when none).
    async fn privileges(&self, system: &SystemInfo, entity: &Entity, cvr: &str) -> Result<Vec<String>, Refusal> {
        let not_granted = || Refusal::NotGranted {
            service: entity.entity_id.clone(),
            cvr: cvr.to_owned(),
        };
        let municipality = self.municipality_of_cvr(cvr).await?.ok_or_else(not_granted)?;
        let day = snitflade_domain::maskintimer::copenhagen_day(jiff::Timestamp::now());
        let level = self
            .access()
            .level(system, entity.interface, municipality, day)
            .ok_or_else(not_granted)?;
        let interface = entity.interface.as_str();
        let mut granted = vec![privileges::privilege(interface, "laes")];
        if level == AccessLevel::ReadWrite {
            granted.push(privileges::privilege(interface, "skriv"));
        }
        Ok(granted)
    }

    /// Issues a JWT for `scope` to `system`, bound to its certificate (given by its SHA-256).
    pub async fn issue_token(
        &self,
        sts: &TokenService,
        system: &SystemInfo,
        client_cert_sha256: &[u8],
        scope: &Scope,
    ) -> Result<Issued, Refusal> {
        let entity = sts
            .entity(&scope.entity_id)
            .ok_or_else(|| Refusal::UnknownService(scope.entity_id.clone()))?;
        let granted = self.privileges(system, entity, &scope.cvr).await?;
        let key = sts.key().map_err(|e| {
            tracing::error!(error = %e, "the STS key cannot be used");
            Refusal::Malformed("STS'ens nøgle kan ikke bruges".into())
        })?;
        let now = jiff::Timestamp::now().as_second();
        let claims = Claims {
            cvr: scope.cvr.clone(),
            spec_ver: "1.0".into(),
            r#priv: privileges::json_base64(&scope.cvr, &granted),
            jti: uuid::Uuid::new_v4().to_string(),
            sub: entity.entity_id.clone(),
            cnf: Confirmation {
                x5t_s256: jwt::thumbprint(client_cert_sha256),
            },
            nbf: now,
            exp: now + i64::try_from(sts.lifetime_secs).unwrap_or(i64::MAX / 2),
            iat: now,
            iss: snitflade_sts::ISSUER.into(),
            aud: entity.entity_id.clone(),
        };
        let token = jwt::issue(&key, &claims);
        metrics::counter!("snitflade_sts_issued_total", "variant" => "jwt").increment(1);
        tracing::info!(system = %system.name, audience = %claims.aud, cvr = %claims.cvr, id = %claims.jti, "token issued");
        Ok(Issued {
            token,
            expires_in: sts.lifetime_secs,
            claims,
        })
    }

    /// Issues a SAML assertion for a WS-Trust request already read and checked (`snitflade_sts::wstrust`) to
    /// `system`, the owner of the certificate that signed it; the whole answer (`RequestSecurityTokenResponse`).
    pub async fn issue_assertion(
        &self,
        sts: &TokenService,
        system: &SystemInfo,
        request: &snitflade_sts::wstrust::IssueRequest,
    ) -> Result<String, Refusal> {
        let entity = sts
            .entity(&request.applies_to)
            .ok_or_else(|| Refusal::UnknownService(request.applies_to.clone()))?;
        let granted = self.privileges(system, entity, &request.cvr).await?;
        let key = sts.key().map_err(|e| {
            tracing::error!(error = %e, "the STS key cannot be used");
            Refusal::Malformed("STS'ens nøgle kan ikke bruges".into())
        })?;
        let subject = x509_subject(&request.certificate);
        let now = jiff::Timestamp::now();
        let until = now + jiff::SignedDuration::from_secs(i64::try_from(sts.lifetime_secs).unwrap_or(i64::MAX / 2));
        let id = format!("_{}", uuid::Uuid::new_v4());
        let privileges = privileges::list_base64(&request.cvr, &granted);
        let broken = |e: snitflade_sts::dsig::DsigError| {
            tracing::error!(error = %e, "signing an assertion failed");
            Refusal::Malformed("tokenet kunne ikke signeres".into())
        };
        let assertion = snitflade_sts::saml::issue(
            &key,
            &snitflade_sts::saml::Assertion {
                id: &id,
                issuer: snitflade_sts::ISSUER,
                audience: &entity.entity_id,
                subject: &subject,
                holder_cert: &request.certificate,
                cvr: &request.cvr,
                privileges_base64: &privileges,
                not_before: now,
                not_on_or_after: until,
            },
        )
        .map_err(broken)?;
        let answer =
            snitflade_sts::wstrust::response(&key, request, &assertion, &id, (now, until), now).map_err(broken)?;
        metrics::counter!("snitflade_sts_issued_total", "variant" => "saml").increment(1);
        tracing::info!(system = %system.name, audience = %entity.entity_id, cvr = %request.cvr, id = %id, "assertion issued");
        Ok(answer)
    }

    /// Checks a SOAP call of `interface` by `system` that carries a SAML assertion (the OIO IDWS profile) on a
    /// connection with the client certificate `client_cert_sha256`: the assertion by this STS for this service, the
    /// message signed by its holder — who must be the connection's certificate —, a message ID used once, and the
    /// grant for the assertion's CVR still standing.
    pub async fn check_assertion_call(
        &self,
        sts: &TokenService,
        interface: InterfaceId,
        system: &SystemInfo,
        client_cert_sha256: &[u8],
        body: &[u8],
    ) -> Result<snitflade_sts::idws::VerifiedCall, Refusal> {
        let entity = sts
            .entity_of(interface)
            .ok_or_else(|| Refusal::UnknownService(interface.to_string()))?;
        let key = sts.key().map_err(|_| Refusal::NotTrusted)?;
        let trusted = [snitflade_sts::dsig::PublicKey::of_cert(&key.cert_der).map_err(|_| Refusal::NotTrusted)?];
        let text = std::str::from_utf8(body).map_err(|_| Refusal::Malformed("beskeden er ikke UTF-8".into()))?;
        let now = jiff::Timestamp::now().as_second();
        let call = snitflade_sts::idws::read_call(text, now, &trusted, &entity.entity_id)?;
        if ring::digest::digest(&ring::digest::SHA256, &call.holder_cert).as_ref() != client_cert_sha256 {
            return Err(Refusal::HolderOfKey);
        }
        self.first_use(&call.message_id, call.expires, now).await?;
        self.privileges(system, entity, &call.cvr).await?;
        Ok(call)
    }

    /// Checks the token of a call of `interface` by `system` on a connection with the client certificate
    /// `client_cert_sha256`, when the interface accepts tokens: the `Authorization` header's token (`bearer`), or
    /// else the assertion in a SOAP body's WS-Security header (`soap_body`). A call without a token passes unless
    /// the interface requires one.
    pub async fn check_call(
        &self,
        sts: &TokenService,
        interface: InterfaceId,
        system: &SystemInfo,
        client_cert_sha256: &[u8],
        bearer: Option<Result<&str, Refusal>>,
        soap_body: Option<&[u8]>,
    ) -> Result<TokenUse, Refusal> {
        let Some(entity) = sts.entity_of(interface) else {
            return Ok(TokenUse::None);
        };
        if let Some(token) = bearer {
            let claims = self
                .check_token(sts, interface, system, client_cert_sha256, token?)
                .await?;
            return Ok(TokenUse::Jwt(Box::new(claims)));
        }
        if let Some(body) = soap_body.filter(|b| carries_security(b)) {
            let call = self
                .check_assertion_call(sts, interface, system, client_cert_sha256, body)
                .await?;
            return Ok(TokenUse::Assertion(Box::new(call)));
        }
        if entity.token_required {
            return Err(Refusal::Required(entity.entity_id.clone()));
        }
        Ok(TokenUse::None)
    }

    /// Checks the bearer token of a call of `interface` by `system` on a connection with the client certificate
    /// `client_cert_sha256`: the token's claims, or why it is refused.
    pub async fn check_token(
        &self,
        sts: &TokenService,
        interface: InterfaceId,
        system: &SystemInfo,
        client_cert_sha256: &[u8],
        token: &str,
    ) -> Result<Claims, Refusal> {
        let entity = sts
            .entity_of(interface)
            .ok_or_else(|| Refusal::UnknownService(interface.to_string()))?;
        let key = sts.key().map_err(|_| Refusal::NotTrusted)?;
        let claims = jwt::verify(
            token,
            &jwt::Expect {
                trusted: &[key.public()],
                audience: &entity.entity_id,
                client_cert_sha256: Some(client_cert_sha256),
                now: jiff::Timestamp::now().as_second(),
            },
        )?;
        // The grant may have ended since the token was issued.
        self.privileges(system, entity, &claims.cvr).await?;
        Ok(claims)
    }
}

/// A certificate's subject as an X.509 subject name (the assertion's `NameID`).
fn x509_subject(der: &[u8]) -> String {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, c)| c.subject().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_names_the_service_and_the_municipality() {
        assert_eq!(
            Scope::parse("entityid:http://entityid.kombit.dk/service/bfo_modtag/2,anvenderkontekst:29189730"),
            Ok(Scope {
                entity_id: "http://entityid.kombit.dk/service/bfo_modtag/2".into(),
                cvr: "29189730".into()
            })
        );
        assert!(Scope::parse("entityid:x").unwrap_err().contains("anvenderkontekst"));
        assert!(
            Scope::parse("anvenderkontekst:29189730")
                .unwrap_err()
                .contains("entityid")
        );
        assert!(
            Scope::parse("entityid:x,anvenderkontekst:123")
                .unwrap_err()
                .contains("8 cifre")
        );
        assert!(Scope::parse("entityid:x,anvenderkontekst:29189730,admin:ja").is_err());
        assert!(Scope::parse("entityid:x,entityid:y,anvenderkontekst:29189730").is_err());
    }

    #[test]
    fn every_entity_is_found_by_its_id_and_interface() {
        let config = crate::ServicesConfig {
            token_interfaces: vec!["opret-fravaer".into(), "engangsydelse".into()],
            token_required: vec!["opret-fravaer".into()],
            ..Default::default()
        };
        let sts = TokenService::new(
            PathBuf::from("/nonexistent"),
            60,
            entities(&config.token_interfaces().unwrap()),
        );
        assert_eq!(sts.entities().len(), 3);
        for e in sts.entities() {
            assert_eq!(sts.entity(&e.entity_id), Some(e));
            assert_eq!(sts.entity_of(e.interface), Some(e));
        }
        let bf = sts.entity_of(InterfaceId::Beskedfordeler).unwrap();
        assert_eq!(
            (bf.entity_id.as_str(), bf.token_required),
            (BESKEDFORDELER_ENTITY_ID, false)
        );
        let fravaer = sts.entity_of(InterfaceId::OpretFravaer).unwrap();
        assert_eq!(fravaer.entity_id, "https://snitflade/service/opret-fravaer/1");
        assert!(fravaer.token_required);
        assert!(
            fravaer.paths.contains(&"/ws/SetAbsenceAttendance_OS_SI".to_string()),
            "{:?}",
            fravaer.paths
        );
        let engangsydelse = sts.entity_of(InterfaceId::Engangsydelse).unwrap();
        assert_eq!(engangsydelse.path, "/lpe/update-onetime-payments");
        assert!(sts.entity_of(InterfaceId::Maskintimer).is_none());
    }

    #[test]
    fn the_token_settings_name_what_is_wrong() {
        let config = |accept: &[&str], require: &[&str]| crate::ServicesConfig {
            token_interfaces: accept.iter().map(|s| s.to_string()).collect(),
            token_required: require.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert!(
            config(&["fravaer"], &[])
                .validate()
                .unwrap_err()
                .contains("token_interfaces: unknown interface 'fravaer'")
        );
        assert!(
            config(&[], &["opret-fravaer"])
                .validate()
                .unwrap_err()
                .contains("add it to token_interfaces")
        );
        assert!(config(&[], &["beskedfordeler"]).validate().is_ok());
        assert_eq!(
            config(&["beskedfordeler", "maskintimer"], &["maskintimer"]).token_interfaces(),
            Ok(vec![
                (InterfaceId::Beskedfordeler, false),
                (InterfaceId::Maskintimer, true)
            ])
        );
    }
}
