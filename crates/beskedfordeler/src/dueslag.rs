//! Operating the distribution: dueslag for receiving systems (active or not, with an HTTPS push endpoint or read
//! over AMQP), their subscriptions, and the fejlkø (messages that could not be delivered) from which an operator
//! requeues. Every change is one transaction with its admin audit entry.

use crate::filter::Filter;
use serde::Deserialize;
use serde_json::json;
use snitflade_store::dueslag::{self, Delivery, Dueslag, Subscription};
use snitflade_store::{Store, StoreError, admin_audit, now_text};

/// Why an operation was not carried out.
#[derive(Debug, thiserror::Error)]
pub enum DueslagError {
    #[error("{0} findes ikke")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Conflict(String),
    /// The broker (RabbitMQ's management API) failed or refused: 502.
    #[error("{0}")]
    Broker(String),
    #[error("intern fejl: {0}")]
    Store(#[from] StoreError),
}

type Result<T> = std::result::Result<T, DueslagError>;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDueslag {
    pub name: String,
    /// The receiving system's name.
    pub system: String,
    pub push_url: Option<String>,
    pub active: Option<bool>,
    pub max_attempts: Option<i64>,
    /// Chosen by the caller when it must match an existing queue; otherwise a fresh UUID.
    pub id: Option<String>,
    pub actor: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueslagChange {
    pub name: Option<String>,
    pub active: Option<bool>,
    /// `""` removes the push endpoint.
    pub push_url: Option<String>,
    pub max_attempts: Option<i64>,
    pub actor: Option<String>,
}

pub(crate) fn actor(a: Option<&str>) -> String {
    a.map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or("admin")
        .chars()
        .take(200)
        .collect()
}

fn push_url(url: Option<&str>) -> Result<Option<String>> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(None);
    };
    let ok = url.len() <= 2000 && reqwest::Url::parse(url).is_ok_and(|u| u.scheme() == "https" && u.host().is_some());
    if !ok {
        return Err(DueslagError::BadRequest(format!(
            "push_url skal være en https-adresse (SF1460_A leverer med gensidig TLS), ikke '{url}'"
        )));
    }
    Ok(Some(url.to_owned()))
}

fn attempts(n: Option<i64>) -> Result<i64> {
    match n.unwrap_or(10) {
        n @ 1..=1000 => Ok(n),
        n => Err(DueslagError::BadRequest(format!(
            "max_attempts skal være 1–1000, ikke {n}"
        ))),
    }
}

fn name(n: &str) -> Result<String> {
    let n = n.trim();
    if n.is_empty() || n.chars().count() > 200 {
        return Err(DueslagError::BadRequest("name skal udfyldes (højst 200 tegn)".into()));
    }
    Ok(n.to_owned())
}

/// Runs `f` in one transaction with its admin audit entry (`action` on `kind` `object`).
pub(crate) async fn audited<T, F>(
    store: &Store,
    who: String,
    action: &'static str,
    kind: &'static str,
    object: String,
    detail: serde_json::Value,
    f: F,
) -> Result<T>
where
    T: Send + 'static,
    F: for<'c> Fn(&'c mut snitflade_store::Tx) -> snitflade_store::BoxFuture<'c, snitflade_store::Result<T>>
        + Send
        + Sync
        + 'static,
{
    let f = std::sync::Arc::new(f);
    let what = match kind {
        "dueslag" => format!("dueslaget {object}"),
        _ => format!("{kind} {object}"),
    };
    store
        .write(move |c| {
            let (f, who, object, detail) = (f.clone(), who.clone(), object.clone(), detail.clone());
            Box::pin(async move {
                let out = f(c).await?;
                admin_audit::record(c, &who, action, kind, &object, &detail, &now_text()).await?;
                Ok(out)
            })
        })
        .await
        .map_err(|e| match e {
            StoreError::NotFound => DueslagError::NotFound(what),
            StoreError::Conflict(m) => DueslagError::Conflict(m),
            e if e.is_unique_violation() => DueslagError::Conflict("findes allerede".into()),
            e => DueslagError::Store(e),
        })
}

/// A dueslag as the admin API shows it: with the name of its AMQP queue when it is read over AMQP (no push
/// endpoint).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DueslagView {
    #[serde(flatten)]
    pub dueslag: Dueslag,
    pub amqp_queue: Option<String>,
}

impl From<Dueslag> for DueslagView {
    fn from(d: Dueslag) -> Self {
        let amqp_queue = d
            .push_url
            .is_none()
            .then(|| crate::amqp::queue_name(&d.system_id, &d.id));
        Self { dueslag: d, amqp_queue }
    }
}

pub async fn list(store: &Store) -> Result<Vec<DueslagView>> {
    Ok(dueslag::all(store.pool()).await?.into_iter().map(Into::into).collect())
}

pub async fn get(store: &Store, id: &str) -> Result<DueslagView> {
    Ok(fetch(store, id).await?.into())
}

async fn fetch(store: &Store, id: &str) -> Result<Dueslag> {
    dueslag::by_id(store.pool(), id)
        .await?
        .ok_or_else(|| DueslagError::NotFound(format!("dueslaget {id}")))
}

/// Creates a dueslag for a receiving system.
pub async fn create(store: &Store, input: NewDueslag) -> Result<DueslagView> {
    let system = snitflade_store::access::system_by_name(store.pool(), &input.system)
        .await?
        .ok_or_else(|| DueslagError::NotFound(format!("systemet '{}'", input.system)))?;
    let id = match input.id.as_deref() {
        Some(id) => uuid::Uuid::parse_str(id)
            .map_err(|_| DueslagError::BadRequest(format!("id '{id}' er ikke et UUID")))?
            .to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = now_text();
    let d = Dueslag {
        id,
        name: name(&input.name)?,
        system_id: system.id,
        active: input.active.unwrap_or(true),
        push_url: push_url(input.push_url.as_deref())?,
        max_attempts: attempts(input.max_attempts)?,
        created_at: now.clone(),
        updated_at: now,
    };
    let rec = d.clone();
    let detail = json!({ "name": d.name, "system": input.system, "push_url": d.push_url, "active": d.active });
    audited(
        store,
        actor(input.actor.as_deref()),
        "dueslag.create",
        "dueslag",
        d.id.clone(),
        detail,
        move |c| {
            let d = rec.clone();
            Box::pin(async move { dueslag::save(c, &d).await })
        },
    )
    .await?;
    Ok(d.into())
}

/// Changes a dueslag: name, active/inactive, push endpoint, attempts before the fejlkø.
pub async fn change(store: &Store, id: &str, input: DueslagChange) -> Result<DueslagView> {
    let old = fetch(store, id).await?;
    let d = Dueslag {
        name: input.name.as_deref().map(name).transpose()?.unwrap_or(old.name.clone()),
        active: input.active.unwrap_or(old.active),
        push_url: match input.push_url.as_deref() {
            Some(u) => push_url(Some(u))?,
            None => old.push_url.clone(),
        },
        max_attempts: match input.max_attempts {
            Some(n) => attempts(Some(n))?,
            None => old.max_attempts,
        },
        updated_at: now_text(),
        ..old.clone()
    };
    let rec = d.clone();
    let detail = json!({ "before": old, "after": d });
    audited(
        store,
        actor(input.actor.as_deref()),
        "dueslag.change",
        "dueslag",
        d.id.clone(),
        detail,
        move |c| {
            let d = rec.clone();
            Box::pin(async move { dueslag::save(c, &d).await })
        },
    )
    .await?;
    Ok(d.into())
}

/// Attaches a subscription (see [`Filter`] for the language).
pub async fn subscribe(store: &Store, id: &str, filter: Filter, who: Option<&str>) -> Result<Subscription> {
    fetch(store, id).await?;
    filter.validate().map_err(DueslagError::BadRequest)?;
    let existing = dueslag::subscriptions(store.pool(), Some(id)).await?;
    if existing.len() >= 100 {
        return Err(DueslagError::Conflict(
            "et dueslag kan højst have 100 abonnementer".into(),
        ));
    }
    let s = Subscription {
        id: uuid::Uuid::new_v4().to_string(),
        dueslag_id: id.to_owned(),
        filter: serde_json::to_value(&filter).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        created_at: now_text(),
    };
    let rec = s.clone();
    let detail = json!({ "subscription": s.id, "filter": s.filter });
    audited(
        store,
        actor(who),
        "dueslag.subscribe",
        "dueslag",
        id.to_owned(),
        detail,
        move |c| {
            let s = rec.clone();
            Box::pin(async move { dueslag::add_subscription(c, &s).await })
        },
    )
    .await?;
    Ok(s)
}

pub async fn unsubscribe(store: &Store, id: &str, subscription: &str, who: Option<&str>) -> Result<()> {
    let (d, s) = (id.to_owned(), subscription.to_owned());
    let detail = json!({ "subscription": subscription });
    audited(
        store,
        actor(who),
        "dueslag.unsubscribe",
        "dueslag",
        id.to_owned(),
        detail,
        move |c| {
            let (d, s) = (d.clone(), s.clone());
            Box::pin(async move { dueslag::remove_subscription(c, &d, &s).await })
        },
    )
    .await
    .map_err(|e| match e {
        DueslagError::NotFound(_) => DueslagError::NotFound(format!("abonnementet {subscription}")),
        e => e,
    })
}

pub async fn subscriptions(store: &Store, id: &str) -> Result<Vec<Subscription>> {
    fetch(store, id).await?;
    Ok(dueslag::subscriptions(store.pool(), Some(id)).await?)
}

/// A dueslag's deliveries (`state`: `pending`, `delivered`, `dead` = the fejlkø, or `filtered` = not delivered because
/// the dueslag's system lacks a grant, `last_error` saying which).
pub async fn deliveries(store: &Store, id: &str, state: Option<&str>, after: i64, limit: i64) -> Result<Vec<Delivery>> {
    fetch(store, id).await?;
    if let Some(s) = state
        && !["pending", "delivered", "dead", "filtered"].contains(&s)
    {
        return Err(DueslagError::BadRequest(format!(
            "state skal være pending, delivered, dead eller filtered, ikke '{s}'"
        )));
    }
    Ok(dueslag::deliveries(store.pool(), id, state, after, limit.clamp(1, 10_000)).await?)
}

/// Moves a message between the queue and the fejlkø: `requeue` (dead → pending, attempts start over) or
/// `to_fejlkoe` (pending → dead).
pub async fn move_message(store: &Store, id: &str, seq: i64, requeue: bool, who: Option<&str>) -> Result<()> {
    fetch(store, id).await?;
    let (from, to, action) = if requeue {
        ("dead", "pending", "dueslag.requeue")
    } else {
        ("pending", "dead", "dueslag.to_fejlkoe")
    };
    let d = id.to_owned();
    let moved = audited(
        store,
        actor(who),
        action,
        "dueslag",
        id.to_owned(),
        json!({ "seq": seq }),
        move |c| {
            let d = d.clone();
            Box::pin(async move { dueslag::move_delivery(c, &d, seq, from, to, &now_text()).await })
        },
    )
    .await?;
    if !moved {
        return Err(DueslagError::NotFound(format!(
            "beskeden {seq} i tilstanden {from} i dueslaget {id}"
        )));
    }
    Ok(())
}
