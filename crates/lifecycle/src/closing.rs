//! Urgent closing (KMD: "akut lukning", e.g. a security breach at the vendor): every grant of a system — in one
//! municipality or everywhere — ends now, the orders behind them are closed as urgent, and the access table is reloaded
//! before this answers. The caller (the server) then drops the system's open connections, using the certificate
//! fingerprints this returns.

use crate::{Lifecycle, LifecycleError, Result, actor_or_default, system_named, today};
use serde::{Deserialize, Serialize};
use serde_json::json;
use snitflade_domain::Kommunekode;
use snitflade_store::access::{self, GrantScope};
use snitflade_store::orders as store_orders;
use snitflade_store::{admin_audit, now_text};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgentClose {
    pub reason: String,
    pub municipality: Option<String>,
    pub actor: Option<String>,
}

/// What an urgent closing did.
#[derive(Debug, Clone, Serialize)]
pub struct UrgentClosed {
    pub system: String,
    pub grants_closed: u64,
    pub orders_closed: Vec<String>,
    /// The system's certificates: the server drops their connections and fills in `connections_dropped`.
    #[serde(skip)]
    pub fingerprints: Vec<String>,
    pub connections_dropped: usize,
}

impl Lifecycle {
    pub async fn urgent_close(&self, system: &str, input: UrgentClose) -> Result<UrgentClosed> {
        let reason = input.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(LifecycleError::BadRequest(
                "reason skal udfyldes (højst 2000 tegn): hvorfor lukkes adgangen akut?".into(),
            ));
        }
        let municipality = input
            .municipality
            .as_deref()
            .map(|m| Kommunekode::parse(m).map(|k| k.to_string()))
            .transpose()
            .map_err(|e| LifecycleError::BadRequest(format!("municipality: {e}")))?;
        let system = system_named(&self.store, system).await?;
        let actor = actor_or_default(input.actor.as_deref());
        let (sys, m, why) = (system.clone(), municipality.clone(), reason.clone());
        let (grants_closed, orders_closed) = self
            .store
            .write(move |c| {
                let (sys, m, why, actor) = (sys.clone(), m.clone(), why.clone(), actor.clone());
                Box::pin(async move {
                    let now = now_text();
                    let ends = today().to_string();
                    let scope = GrantScope::System(&sys.id, m.as_deref());
                    let grants = access::close_grants(c, scope, &ends, &format!("akut lukning: {why}"), &now).await?;
                    let mut closed = Vec::new();
                    for mut o in store_orders::list(&mut **c, m.as_deref(), Some(&sys.id), None).await? {
                        // A normal closing still ahead is overtaken by this one.
                        let closed_already = o.closed_on.as_deref().is_some_and(|on| on <= ends.as_str());
                        if o.delivered_on.is_none() || closed_already {
                            continue;
                        }
                        o.closed_kind = Some("urgent".into());
                        o.closed_on = Some(ends.clone());
                        o.closed_at = Some(now.clone());
                        o.closed_by = Some(actor.clone());
                        o.closed_reason = Some(why.clone());
                        o.updated_at = now.clone();
                        store_orders::save(c, &o).await?;
                        crate::orders::emit_closed(c, &o);
                        closed.push(o.id);
                    }
                    let detail = json!({ "reason": why, "municipality": m, "grants_closed": grants, "orders": closed });
                    admin_audit::record(c, &actor, "system.urgent_close", "system", &sys.name, &detail, &now).await?;
                    Ok((grants, closed))
                })
            })
            .await?;
        self.access_changed().await?;
        let fingerprints = access::certificates(self.store.pool())
            .await?
            .into_iter()
            .filter(|c| c.system_id == system.id)
            .map(|c| c.fingerprint)
            .collect();
        tracing::warn!(system = %system.name, grants = grants_closed, "access closed urgently");
        Ok(UrgentClosed {
            system: system.name,
            grants_closed,
            orders_closed,
            fingerprints,
            connections_dropped: 0,
        })
    }
}
