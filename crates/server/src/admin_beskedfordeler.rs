//! The Beskedfordeler's admin API: dueslag (create, change, activate/deactivate), their subscriptions, deliveries
//! and fejlkø (requeue, move to the fejlkø), the list of Beskedtype UUIDs, an event's envelope as delivered, and
//! the publisher tokens systems put in the messages they publish over AMQP (SF1460_C), and each system's own
//! RabbitMQ login for its pull queues (SF1460_D). A vendor acts on its own systems' dueslag, tokens and logins; a
//! municipality reads the dueslag of the systems it has granted (issue 17).

use crate::admin::{AdminState, error, store_error};
use crate::admin_json::{Body, BodyOrDefault, refused};
use crate::auth::Caller;
use crate::scope::{hidden, own_system, systems_granted_by, vendors_by_system};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_access::Role;
use snitflade_beskedfordeler::dueslag::{self, DueslagChange, DueslagError, DueslagView, NewDueslag};
use snitflade_beskedfordeler::envelope::{BESKEDTYPER, beskedtype, filter_fields, haendelsesbesked};
use snitflade_beskedfordeler::filter::Filter;
use snitflade_beskedfordeler::tokens;

pub fn routes() -> Router<AdminState> {
    Router::new()
        .route("/dueslag", get(list).post(create))
        .route("/dueslag/{id}", get(one).put(change))
        .route("/dueslag/{id}/subscriptions", get(subscriptions).post(subscribe))
        .route("/dueslag/{id}/subscriptions/{sid}", delete(unsubscribe))
        .route("/dueslag/{id}/deliveries", get(deliveries))
        .route("/dueslag/{id}/deliveries/{seq}/requeue", post(requeue))
        .route("/dueslag/{id}/deliveries/{seq}/fejlkoe", post(to_fejlkoe))
        .route("/beskedtyper", get(beskedtyper))
        .route("/events/{seq}/envelope", get(envelope))
        .route("/systems/{name}/publisher-tokens", get(tokens).post(issue_token))
        .route("/systems/{name}/publisher-tokens/{id}", delete(revoke_token))
        .route(
            "/systems/{name}/amqp-credentials",
            post(issue_amqp_credentials).delete(revoke_amqp_credentials),
        )
}

fn fail(e: DueslagError) -> Response {
    match e {
        DueslagError::NotFound(what) => error(StatusCode::NOT_FOUND, format!("{what} findes ikke")),
        DueslagError::BadRequest(m) => error(StatusCode::BAD_REQUEST, m),
        DueslagError::Conflict(m) => error(StatusCode::CONFLICT, m),
        DueslagError::Broker(m) => error(StatusCode::BAD_GATEWAY, m),
        DueslagError::Store(e) => store_error(e),
    }
}

fn reply<T: Serialize>(status: StatusCode, r: Result<T, DueslagError>) -> Response {
    match r {
        Ok(v) => (status, Json(v)).into_response(),
        Err(e) => fail(e),
    }
}

/// Which systems' dueslag the caller sees: `None` all (the operator); a vendor's systems; the systems a
/// municipality has granted.
async fn seen_systems(s: &AdminState, caller: &Caller) -> Result<Option<std::collections::HashSet<String>>, Response> {
    Ok(match &caller.role {
        Role::Vendor(v) => Some(
            vendors_by_system(s)
                .await?
                .into_iter()
                .filter(|(_, vendor)| vendor.as_deref() == Some(v.as_str()))
                .map(|(id, _)| id)
                .collect(),
        ),
        Role::Municipality(m) => Some(systems_granted_by(s, &m.to_string()).await?),
        Role::Operator | Role::Auditor => None,
    })
}

/// A dueslag the caller sees (404 for another's).
async fn seen(s: &AdminState, caller: &Caller, id: &str) -> Result<DueslagView, Response> {
    let d = dueslag::get(s.services.store(), id).await.map_err(fail)?;
    match seen_systems(s, caller).await? {
        Some(systems) if !systems.contains(&d.dueslag.system_id) => Err(hidden(&format!("dueslaget {id}"))),
        _ => Ok(d),
    }
}

/// A dueslag the caller may change: the operator any, a vendor its systems' (the gate lets no one else here).
async fn own(s: &AdminState, caller: &Caller, id: &str) -> Result<DueslagView, Response> {
    if matches!(caller.role, Role::Municipality(_)) {
        return Err(hidden(&format!("dueslaget {id}")));
    }
    seen(s, caller, id).await
}

async fn list(State(s): State<AdminState>, caller: Caller) -> Response {
    let systems = match seen_systems(&s, &caller).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let r = dueslag::list(s.services.store()).await.map(|mut all| {
        all.retain(|d| systems.as_ref().is_none_or(|x| x.contains(&d.dueslag.system_id)));
        all
    });
    reply(StatusCode::OK, r)
}

async fn one(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    match seen(&s, &caller, &id).await {
        Ok(d) => Json(d).into_response(),
        Err(r) => r,
    }
}

/// A vendor creates dueslag for its own systems only.
async fn create(State(s): State<AdminState>, caller: Caller, Body(mut b): Body<NewDueslag>) -> Response {
    if let Err(r) = own_system(&s, &caller, &b.system).await {
        return r;
    }
    b.actor = Some(caller.actor());
    reply(StatusCode::CREATED, dueslag::create(s.services.store(), b).await)
}

async fn change(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(mut b): Body<DueslagChange>,
) -> Response {
    if let Err(r) = own(&s, &caller, &id).await {
        return r;
    }
    b.actor = Some(caller.actor());
    reply(StatusCode::OK, dueslag::change(s.services.store(), &id, b).await)
}

async fn subscriptions(State(s): State<AdminState>, caller: Caller, Path(id): Path<String>) -> Response {
    if let Err(r) = seen(&s, &caller, &id).await {
        return r;
    }
    reply(StatusCode::OK, dueslag::subscriptions(s.services.store(), &id).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSubscription {
    /// A JSON object (an array would be read field by field into the filter).
    filter: serde_json::Value,
    /// Accepted from older clients and ignored: the caller's principal is recorded.
    #[serde(rename = "actor")]
    _actor: Option<String>,
}

async fn subscribe(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Body(b): Body<NewSubscription>,
) -> Response {
    if let Err(r) = own(&s, &caller, &id).await {
        return r;
    }
    let n = b;
    if !n.filter.is_object() {
        return error(StatusCode::BAD_REQUEST, "filter skal være et JSON-objekt");
    }
    let filter: Filter = match snitflade_domain::json::from_value(n.filter) {
        Ok(f) => f,
        Err(e) => return refused(e.within("filter")),
    };
    reply(
        StatusCode::CREATED,
        dueslag::subscribe(s.services.store(), &id, filter, Some(&caller.actor())).await,
    )
}

async fn unsubscribe(State(s): State<AdminState>, caller: Caller, Path((id, sid)): Path<(String, String)>) -> Response {
    if let Err(r) = own(&s, &caller, &id).await {
        return r;
    }
    match dueslag::unsubscribe(s.services.store(), &id, &sid, Some(&caller.actor())).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e),
    }
}

#[derive(Deserialize)]
struct DeliveryQuery {
    state: Option<String>,
    after: Option<i64>,
    limit: Option<i64>,
}

async fn deliveries(
    State(s): State<AdminState>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<DeliveryQuery>,
) -> Response {
    if let Err(r) = seen(&s, &caller, &id).await {
        return r;
    }
    let r = dueslag::deliveries(
        s.services.store(),
        &id,
        q.state.as_deref(),
        q.after.unwrap_or(0),
        q.limit.unwrap_or(1000),
    )
    .await;
    reply(StatusCode::OK, r)
}

async fn requeue(State(s): State<AdminState>, caller: Caller, Path((id, seq)): Path<(String, i64)>) -> Response {
    if let Err(r) = own(&s, &caller, &id).await {
        return r;
    }
    reply(
        StatusCode::OK,
        dueslag::move_message(s.services.store(), &id, seq, true, Some(&caller.actor()))
            .await
            .map(|()| json!({ "dueslag": id, "seq": seq, "state": "pending" })),
    )
}

async fn to_fejlkoe(State(s): State<AdminState>, caller: Caller, Path((id, seq)): Path<(String, i64)>) -> Response {
    if let Err(r) = own(&s, &caller, &id).await {
        return r;
    }
    reply(
        StatusCode::OK,
        dueslag::move_message(s.services.store(), &id, seq, false, Some(&caller.actor()))
            .await
            .map(|()| json!({ "dueslag": id, "seq": seq, "state": "dead" })),
    )
}

/// `GET /beskedtyper`: every event kind with its stable `Beskedtype` UUID, Danish name, and what a receiving system
/// needs besides the `beskedfordeler` grant: a grant for one of `interfaces`, or (`own_system_only`) to be the
/// system the event is about.
async fn beskedtyper() -> Response {
    let all: Vec<_> = BESKEDTYPER
        .iter()
        .map(|b| {
            let interfaces: Vec<&str> = b.seen.interfaces().iter().map(|i| i.as_str()).collect();
            json!({ "kind": b.kind, "beskedtype": beskedtype(b.kind).to_string(), "navn": b.navn,
                    "interfaces": interfaces, "own_system_only": b.seen.own_system_only() })
        })
        .collect();
    Json(all).into_response()
}

/// `GET /events/{seq}/envelope`: the event as the `Haendelsesbesked` a subscriber receives (first attempt). A
/// municipality sees its own municipality's events.
async fn envelope(State(s): State<AdminState>, caller: Caller, Path(seq): Path<i64>) -> Response {
    let pool = s.services.store().pool();
    let event = match snitflade_store::dueslag::event(pool, seq).await {
        Ok(Some(e)) if caller.sees(&snitflade_access::Owner::new(e.municipality.as_deref(), None)) => e,
        Ok(_) => return error(StatusCode::NOT_FOUND, format!("hændelsen {seq} findes ikke")),
        Err(e) => return store_error(e),
    };
    let cvr = match snitflade_store::access::municipalities(pool).await {
        Ok(all) => all
            .into_iter()
            .find(|m| Some(&m.code) == event.municipality.as_ref())
            .map(|m| m.cvr),
        Err(e) => return store_error(e),
    };
    let fields = filter_fields(&event, cvr.as_deref());
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        haendelsesbesked(&event, &fields, None, 1),
    )
        .into_response()
}

async fn tokens(State(s): State<AdminState>, caller: Caller, Path(name): Path<String>) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    reply(StatusCode::OK, tokens::list(s.services.store(), &name).await)
}

/// Issues a token; the answer is the only place the token itself ever appears. An empty body takes the defaults.
async fn issue_token(
    State(s): State<AdminState>,
    caller: Caller,
    Path(name): Path<String>,
    BodyOrDefault(mut req): BodyOrDefault<tokens::TokenRequest>,
) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    req.actor = Some(caller.actor());
    reply(
        StatusCode::CREATED,
        tokens::issue(s.services.store(), &name, &req).await,
    )
}

async fn revoke_token(
    State(s): State<AdminState>,
    caller: Caller,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    match tokens::revoke(s.services.store(), &name, &id, Some(&caller.actor())).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(e),
    }
}

/// The 409 when there is no broker.
fn no_broker() -> Response {
    error(
        StatusCode::CONFLICT,
        "RabbitMQ er ikke sat op (--amqp-url): dueslag uden push_url læses ikke over AMQP",
    )
}

/// `POST /systems/{name}/amqp-credentials`: (re)creates the system's RabbitMQ user, limited to its own dueslag's
/// queues; the answer is the only place the password ever appears.
async fn issue_amqp_credentials(State(s): State<AdminState>, caller: Caller, Path(name): Path<String>) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    match &s.broker {
        Some(b) => reply(
            StatusCode::CREATED,
            b.issue(s.services.store(), &name, Some(&caller.actor())).await,
        ),
        None => no_broker(),
    }
}

/// `DELETE /systems/{name}/amqp-credentials`: deletes the system's RabbitMQ user.
async fn revoke_amqp_credentials(State(s): State<AdminState>, caller: Caller, Path(name): Path<String>) -> Response {
    if let Err(r) = own_system(&s, &caller, &name).await {
        return r;
    }
    match &s.broker {
        Some(b) => match b.revoke(s.services.store(), &name, Some(&caller.actor())).await {
            Ok(true) => StatusCode::NO_CONTENT.into_response(),
            Ok(false) => error(
                StatusCode::NOT_FOUND,
                format!("systemet '{name}' har ingen RabbitMQ-bruger"),
            ),
            Err(e) => fail(e),
        },
        None => no_broker(),
    }
}
