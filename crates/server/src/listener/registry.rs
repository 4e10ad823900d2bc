//! The registry of open service connections by the certificate they were made with, so that urgent closing and
//! revocation of a system's access can drop its connections at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The open service connections, by the SHA-256 fingerprint of the client certificate they were made with.
#[derive(Debug, Clone, Default)]
pub struct Connections {
    open: Arc<Mutex<ByFingerprint>>,
    next_id: Arc<AtomicU64>,
}

/// Fingerprint → (connection id → the signal that drops it).
type ByFingerprint = HashMap<String, HashMap<u64, Arc<Notify>>>;

/// One registered connection; dropping it unregisters the connection.
pub(super) struct Registration {
    connections: Connections,
    fingerprint: String,
    id: u64,
    pub(super) drop_now: Arc<Notify>,
}

impl Connections {
    pub(super) fn register(&self, fingerprint: &str) -> Registration {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let drop_now = Arc::new(Notify::new());
        self.open
            .lock()
            .expect("connection registry lock")
            .entry(fingerprint.to_owned())
            .or_default()
            .insert(id, drop_now.clone());
        Registration {
            connections: self.clone(),
            fingerprint: fingerprint.to_owned(),
            id,
            drop_now,
        }
    }

    /// Drops every open connection made with one of `fingerprints` (in-flight requests on them are cut off).
    /// Answers how many connections were told to close.
    pub fn drop_certificates(&self, fingerprints: &[String]) -> usize {
        let open = self.open.lock().expect("connection registry lock");
        let mut n = 0;
        for fp in fingerprints {
            for notify in open.get(fp).into_iter().flat_map(|m| m.values()) {
                // `notify_one` keeps a permit, so a connection between registering and waiting still closes.
                notify.notify_one();
                n += 1;
            }
        }
        n
    }

    /// How many connections are open (for tests and metrics).
    pub fn open_count(&self) -> usize {
        self.open
            .lock()
            .expect("connection registry lock")
            .values()
            .map(HashMap::len)
            .sum()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().expect("connection registry lock");
        if let Some(m) = open.get_mut(&self.fingerprint) {
            m.remove(&self.id);
            if m.is_empty() {
                open.remove(&self.fingerprint);
            }
        }
    }
}
