//! Today's traffic: the calls the access check let through and the calls it refused, per day, municipality,
//! interface and system — counted in memory as each call is decided and written to the database by the server
//! every few seconds ([`Traffic::take`], `snitflade_store::traffic`), so the console's front page reads it with one
//! query. A refusal before the municipality is known (no grant of the interface at all) counts without one.

use snitflade_access::{Denied, SystemInfo};
use snitflade_domain::{InterfaceId, Kommunekode};
use std::collections::HashMap;
use std::sync::Mutex;

/// What is counted by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TrafficKey {
    /// The caller's (Copenhagen) day.
    pub day: jiff::civil::Date,
    pub municipality: Option<Kommunekode>,
    pub interface: InterfaceId,
    pub system_id: String,
}

/// Calls let through and refused.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrafficCount {
    pub calls: u64,
    pub refused: u64,
}

/// Most keys held between two flushes (a guard: a day has municipalities × interfaces × systems of them).
const MAX_KEYS: usize = 100_000;

#[derive(Default)]
pub struct Traffic {
    counts: Mutex<HashMap<TrafficKey, TrafficCount>>,
}

impl Traffic {
    fn add(&self, key: TrafficKey, count: TrafficCount) {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS && !map.contains_key(&key) {
            tracing::warn!("traffic counts are not being written to the database; dropping a count");
            return;
        }
        let c = map.entry(key).or_default();
        c.calls += count.calls;
        c.refused += count.refused;
    }

    /// A call the access check let through.
    pub fn allowed(
        &self,
        system: &SystemInfo,
        interface: InterfaceId,
        municipality: Kommunekode,
        day: jiff::civil::Date,
    ) {
        let key = TrafficKey {
            day,
            municipality: Some(municipality),
            interface,
            system_id: system.id.clone(),
        };
        self.add(key, TrafficCount { calls: 1, refused: 0 });
    }

    /// A call the access check refused.
    pub fn refused(&self, system: &SystemInfo, interface: InterfaceId, denied: &Denied, day: jiff::civil::Date) {
        let key = TrafficKey {
            day,
            municipality: denied.municipality(),
            interface,
            system_id: system.id.clone(),
        };
        self.add(key, TrafficCount { calls: 0, refused: 1 });
    }

    /// Everything counted since the last take (to be written; [`Traffic::put_back`] when writing failed).
    pub fn take(&self) -> Vec<(TrafficKey, TrafficCount)> {
        let mut map = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *map).into_iter().collect()
    }

    /// Counts taken but not written, added back for the next flush.
    pub fn put_back(&self, counts: Vec<(TrafficKey, TrafficCount)>) {
        for (k, c) in counts {
            self.add(k, c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_and_refusals_are_counted_per_key_and_taken_once() {
        let t = Traffic::default();
        let system = SystemInfo {
            id: "s".into(),
            name: "vikar".into(),
        };
        let day = jiff::civil::date(2026, 12, 7);
        let k = Kommunekode::parse("0340").unwrap();
        let i = InterfaceId::Medarbejderoplysninger;
        t.allowed(&system, i, k, day);
        t.allowed(&system, i, k, day);
        let denied = Denied::NoInterfaceGrant {
            system: "vikar".into(),
            interface: i,
        };
        t.refused(&system, i, &denied, day);
        let mut taken = t.take();
        taken.sort_by_key(|(k, _)| k.municipality.is_none());
        assert_eq!(taken.len(), 2);
        assert_eq!(taken[0].1, TrafficCount { calls: 2, refused: 0 });
        assert_eq!(taken[1].0.municipality, None);
        assert_eq!(taken[1].1, TrafficCount { calls: 0, refused: 1 });
        assert!(t.take().is_empty());
        t.put_back(taken);
        assert_eq!(t.take().len(), 2);
    }
}
