//! What routing and delivery check every message against — the subscriptions, each dueslag's receiving system, the
//! municipalities' CVR numbers and every system's grants. The router reads them anew for each step (a subscription
//! or grant made a moment before an event applies to it); the pusher and the AMQP forwarder check against the
//! last reading while it is at most [`FRESH_FOR`] old — so a closing stops what is not yet delivered within that
//! time — and a round of delivery costs these reads once, not once per dueslag.

use crate::filter::Filter;
use crate::visibility::Grants;
use snitflade_access::SystemInfo;
use snitflade_store::{Store, StoreError, access, dueslag};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How old a reading may be before it is read again.
pub const FRESH_FOR: Duration = Duration::from_millis(20);

/// One reading.
pub struct Known {
    /// When it was read.
    pub read: Instant,
    /// Each dueslag's subscription filters (those that parse).
    pub subscriptions: Vec<(String, Filter)>,
    /// Kommunekode → CVR.
    pub cvrs: Arc<HashMap<String, String>>,
    /// Dueslag id → its receiving system.
    pub receivers: HashMap<String, SystemInfo>,
    /// Every system's grants.
    pub grants: Grants,
}

impl Known {
    /// The receiving system of dueslag `d` (its system's id alone if the dueslag is newer than the reading).
    pub fn receiver(&self, d: &dueslag::Dueslag) -> SystemInfo {
        self.receivers.get(&d.id).cloned().unwrap_or_else(|| SystemInfo {
            id: d.system_id.clone(),
            name: d.system_id.clone(),
        })
    }

    /// Whether this reading is still fresh enough to check against.
    pub fn is_fresh(&self) -> bool {
        self.read.elapsed() < FRESH_FOR
    }
}

/// The last reading, shared. Cheap to clone.
#[derive(Clone)]
pub struct Readings {
    store: Store,
    last: Arc<Mutex<Option<Arc<Known>>>>,
}

impl Readings {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            last: Arc::default(),
        }
    }

    /// The last reading if it is fresh, else a new one.
    pub async fn get(&self) -> Result<Arc<Known>, StoreError> {
        if let Some(known) = self.last.lock().expect("the last reading").as_ref()
            && known.is_fresh()
        {
            return Ok(known.clone());
        }
        self.read().await
    }

    /// A new reading (which becomes the last).
    pub async fn read(&self) -> Result<Arc<Known>, StoreError> {
        let read = Instant::now();
        let pool = self.store.pool();
        let subscriptions = dueslag::subscriptions(pool, None)
            .await?
            .into_iter()
            .filter_map(|s| Some((s.dueslag_id, serde_json::from_value(s.filter).ok()?)))
            .collect();
        let cvrs = access::municipalities(pool)
            .await?
            .into_iter()
            .map(|m| (m.code, m.cvr))
            .collect();
        let names: HashMap<String, String> = access::systems(pool)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let receivers = dueslag::all(pool)
            .await?
            .into_iter()
            .map(|d| {
                let name = names.get(&d.system_id).cloned().unwrap_or_else(|| d.system_id.clone());
                (d.id, SystemInfo { id: d.system_id, name })
            })
            .collect();
        let known = Arc::new(Known {
            read,
            subscriptions,
            cvrs: Arc::new(cvrs),
            receivers,
            grants: Grants::all(&self.store).await?,
        });
        *self.last.lock().expect("the last reading") = Some(known.clone());
        Ok(known)
    }
}
