//! The console's people, through the admin API (issue 19): created for one role and scope (by the operator for any,
//! by a municipality or vendor only for itself — the rule of API tokens), with a password (argon2id) and optionally
//! a TOTP second factor whose secret is shown once, or an identity at a configured OpenID Connect provider, or both; listed within the caller's scope; a password reset; disabled
//! (which ends their sessions at once).

use crate::admin::{AdminState, error, store_error};
use crate::admin_json::Body;
use crate::admin_tokens::{end_credential, name, role};
use crate::auth::Caller;
use crate::scope::hidden;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use snitflade_access::passwords;
use snitflade_store::users::{self, NewUser, User};
use snitflade_store::{admin_audit, now_text};

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{id}", delete(disable))
        .route("/users/{id}/password", put(set_password))
}

/// `POST /users`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUserBody {
    name: String,
    role: String,
    /// The kommunekode (municipality) or vendor id (vendor); a municipality or vendor may leave out its own.
    scope: Option<String>,
    /// 12 to 256 characters; may be left out for a person who signs in only through OpenID Connect.
    password: Option<String>,
    /// Ask for a TOTP code after the password (the secret is in the answer, once).
    #[serde(default)]
    totp: bool,
    /// The issuer of a configured `[[console.oidc]]` provider the person may sign in through …
    oidc_issuer: Option<String>,
    /// … as this subject (the `sub` of the provider's ID tokens).
    oidc_subject: Option<String>,
}

/// The OpenID Connect identity of a new person: both parts or neither, the issuer a configured provider's (the
/// reason for a 400 otherwise).
fn oidc_identity(s: &AdminState, b: &NewUserBody) -> Result<Option<(String, String)>, String> {
    match (&b.oidc_issuer, &b.oidc_subject) {
        (None, None) => Ok(None),
        (Some(issuer), Some(subject)) => {
            if !s.oidc.knows_issuer(issuer) {
                let known = s.oidc.issuers();
                return Err(if known.is_empty() {
                    format!(
                        "oidc_issuer: no OpenID Connect provider is configured ([[console.oidc]]), so '{issuer}' is not one"
                    )
                } else {
                    format!(
                        "oidc_issuer: '{issuer}' is not a configured provider's issuer ({})",
                        known.join(", ")
                    )
                });
            }
            if subject.is_empty() || subject.len() > 255 {
                return Err("oidc_subject: 1 to 255 characters".into());
            }
            Ok(Some((issuer.clone(), subject.clone())))
        }
        _ => Err("oidc_issuer and oidc_subject are given together or not at all".into()),
    }
}

/// The PHC string of a password, hashed off the async threads (argon2id takes tens of milliseconds on purpose).
pub(crate) async fn hash_password(password: String) -> Result<String, Response> {
    tokio::task::spawn_blocking(move || passwords::hash(&password))
        .await
        .map_err(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?
        .map_err(|e| error(StatusCode::BAD_REQUEST, format!("password: {e}")))
}

async fn create(State(s): State<AdminState>, caller: Caller, Body(b): Body<NewUserBody>) -> Response {
    let name = match name(&b.name) {
        Ok(n) => n,
        Err(r) => return r.into_response(),
    };
    let role = match role(&s, &caller, &b.role, b.scope.as_deref()).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let oidc = match oidc_identity(&s, &b) {
        Ok(o) => o,
        Err(reason) => return error(StatusCode::BAD_REQUEST, reason),
    };
    let hash = match (b.password, &oidc) {
        (Some(p), _) => match hash_password(p).await {
            Ok(h) => Some(h),
            Err(r) => return r,
        },
        (None, Some(_)) => None,
        (None, None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "password: a person needs a password or an OpenID Connect identity (oidc_issuer, oidc_subject)",
            );
        }
    };
    if b.totp && hash.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "totp: a TOTP code is asked for after a password, and there is none",
        );
    }
    let totp = b.totp.then(passwords::new_totp_secret);
    let (oidc_issuer, oidc_subject) = oidc.unzip();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        role: role.kind().as_str().into(),
        scope: role.scope(),
        totp: totp.is_some(),
        oidc_issuer,
        oidc_subject,
        created_at: now_text(),
        created_by: caller.actor(),
        last_signed_in_at: None,
        disabled_at: None,
    };
    let (u, hash2, totp2) = (user.clone(), hash.clone(), totp.clone());
    let stored = s
        .services
        .store()
        .write(move |c| {
            let (u, hash, totp) = (u.clone(), hash2.clone(), totp2.clone());
            Box::pin(async move {
                users::insert(
                    c,
                    NewUser {
                        user: &u,
                        password_hash: hash.as_deref(),
                        totp_secret: totp.as_deref(),
                    },
                )
                .await?;
                let detail = json!({
                    "name": u.name, "role": u.role, "scope": u.scope, "totp": u.totp,
                    "oidc_issuer": u.oidc_issuer, "oidc_subject": u.oidc_subject,
                });
                admin_audit::record(c, &u.created_by, "user.create", "user", &u.id, &detail, &u.created_at).await
            })
        })
        .await;
    if let Err(e) = stored {
        return store_error(e);
    }
    let mut answer = serde_json::to_value(&user).unwrap_or_default();
    if let Some(secret) = totp {
        // The only place the TOTP secret is shown.
        answer["totp_url"] = passwords::totp_url(&secret, &user.name).into();
        answer["totp_secret"] = secret.into();
    }
    (StatusCode::CREATED, Json(answer)).into_response()
}

/// `GET /users`.
async fn list(State(s): State<AdminState>, caller: Caller) -> Response {
    let filter = caller.credential_filter();
    let filter = filter.as_ref().map(|(r, scope)| (*r, scope.as_deref()));
    match users::list(s.services.store().pool(), filter).await {
        Ok(rows) => Json(rows).into_response(),
        Err(e) => store_error(e),
    }
}

/// A person the caller may manage (404 otherwise, as for one that does not exist).
async fn in_scope(s: &AdminState, caller: &Caller, id: &str) -> Result<User, Response> {
    let found = users::by_id(s.services.store().pool(), id).await.map_err(store_error)?;
    let Some((user, _)) = found else {
        return Err(hidden(&format!("brugeren {id}")));
    };
    if caller.manages(&user.role, user.scope.as_deref()) {
        Ok(user)
    } else {
        Err(hidden(&format!("brugeren {id}")))
    }
}

/// `DELETE /users/{id}`: disabled (kept for the audit trail), their sessions ended.
async fn disable(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(r) = in_scope(&s, &caller, &id).await {
        return r;
    }
    end_credential(&s, &caller, id, ("user", "user.disable"), |c, id, now| {
        Box::pin(users::disable(c, id, now))
    })
    .await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewPassword {
    password: String,
}

/// `PUT /users/{id}/password`: a new password; the person's sessions end.
async fn set_password(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(b): Body<NewPassword>,
) -> Response {
    if let Err(r) = in_scope(&s, &caller, &id).await {
        return r;
    }
    let hash = match hash_password(b.password).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    let actor = caller.actor();
    let done = s
        .services
        .store()
        .write(move |c| {
            let (id, actor, hash) = (id.clone(), actor.clone(), hash.clone());
            Box::pin(async move {
                let now = now_text();
                users::set_password(c, &id, &hash, &now).await?;
                admin_audit::record(c, &actor, "user.password", "user", &id, &json!({}), &now).await
            })
        })
        .await;
    match done {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => store_error(e),
    }
}
