//! The Beskedfordeler's admin API: dueslag (create, change, activate/deactivate), their subscriptions, deliveries
//! and fejlkø (requeue, move to the fejlkø), the list of Beskedtype UUIDs, an event's envelope as delivered, and
//! the publisher tokens systems put in the messages they publish over AMQP (SF1460_C), and each system's own
//! RabbitMQ login for its pull queues (SF1460_D).

use crate::admin::{ActorQuery, AdminState, error, store_error};
use crate::admin_json::{Body, BodyOrDefault, refused};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_beskedfordeler::dueslag::{self, DueslagChange, DueslagError, NewDueslag};
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

async fn list(State(s): State<AdminState>) -> Response {
    reply(StatusCode::OK, dueslag::list(s.services.store()).await)
}

async fn one(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    reply(StatusCode::OK, dueslag::get(s.services.store(), &id).await)
}

async fn create(State(s): State<AdminState>, Body(b): Body<NewDueslag>) -> Response {
    reply(StatusCode::CREATED, dueslag::create(s.services.store(), b).await)
}

async fn change(State(s): State<AdminState>, Path(id): Path<String>, Body(b): Body<DueslagChange>) -> Response {
    reply(StatusCode::OK, dueslag::change(s.services.store(), &id, b).await)
}

async fn subscriptions(State(s): State<AdminState>, Path(id): Path<String>) -> Response {
    reply(StatusCode::OK, dueslag::subscriptions(s.services.store(), &id).await)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSubscription {
    /// A JSON object (an array would be read field by field into the filter).
    filter: serde_json::Value,
    actor: Option<String>,
}

async fn subscribe(State(s): State<AdminState>, Path(id): Path<String>, Body(b): Body<NewSubscription>) -> Response {
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
        dueslag::subscribe(s.services.store(), &id, filter, n.actor.as_deref()).await,
    )
}

async fn unsubscribe(
    State(s): State<AdminState>,
    Path((id, sid)): Path<(String, String)>,
    Query(q): Query<ActorQuery>,
) -> Response {
    match dueslag::unsubscribe(s.services.store(), &id, &sid, q.actor.as_deref()).await {
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

async fn deliveries(State(s): State<AdminState>, Path(id): Path<String>, Query(q): Query<DeliveryQuery>) -> Response {
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

async fn requeue(
    State(s): State<AdminState>,
    Path((id, seq)): Path<(String, i64)>,
    Query(q): Query<ActorQuery>,
) -> Response {
    reply(
        StatusCode::OK,
        dueslag::move_message(s.services.store(), &id, seq, true, q.actor.as_deref())
            .await
            .map(|()| json!({ "dueslag": id, "seq": seq, "state": "pending" })),
    )
}

async fn to_fejlkoe(
    State(s): State<AdminState>,
    Path((id, seq)): Path<(String, i64)>,
    Query(q): Query<ActorQuery>,
) -> Response {
    reply(
        StatusCode::OK,
        dueslag::move_message(s.services.store(), &id, seq, false, q.actor.as_deref())
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

/// `GET /events/{seq}/envelope`: the event as the `Haendelsesbesked` a subscriber receives (first attempt).
async fn envelope(State(s): State<AdminState>, Path(seq): Path<i64>) -> Response {
    let pool = s.services.store().pool();
    let event = match snitflade_store::dueslag::event(pool, seq).await {
        Ok(Some(e)) => e,
        Ok(None) => return error(StatusCode::NOT_FOUND, format!("hændelsen {seq} findes ikke")),
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

async fn tokens(State(s): State<AdminState>, Path(name): Path<String>) -> Response {
    reply(StatusCode::OK, tokens::list(s.services.store(), &name).await)
}

/// Issues a token; the answer is the only place the token itself ever appears. An empty body takes the defaults.
async fn issue_token(
    State(s): State<AdminState>,
    Path(name): Path<String>,
    BodyOrDefault(req): BodyOrDefault<tokens::TokenRequest>,
) -> Response {
    reply(
        StatusCode::CREATED,
        tokens::issue(s.services.store(), &name, &req).await,
    )
}

async fn revoke_token(
    State(s): State<AdminState>,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<ActorQuery>,
) -> Response {
    match tokens::revoke(s.services.store(), &name, &id, q.actor.as_deref()).await {
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
async fn issue_amqp_credentials(
    State(s): State<AdminState>,
    Path(name): Path<String>,
    Query(q): Query<ActorQuery>,
) -> Response {
    match &s.broker {
        Some(b) => reply(
            StatusCode::CREATED,
            b.issue(s.services.store(), &name, q.actor.as_deref()).await,
        ),
        None => no_broker(),
    }
}

/// `DELETE /systems/{name}/amqp-credentials`: deletes the system's RabbitMQ user.
async fn revoke_amqp_credentials(
    State(s): State<AdminState>,
    Path(name): Path<String>,
    Query(q): Query<ActorQuery>,
) -> Response {
    match &s.broker {
        Some(b) => match b.revoke(s.services.store(), &name, q.actor.as_deref()).await {
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
