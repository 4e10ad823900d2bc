//! Sign-in throttling: failed sign-ins are counted per (name, address) and per address within a window; past the
//! limit (per address: ten times it, for one source trying many names) further tries are refused without checking
//! the password until the oldest failure leaves the window. Kept in memory (a restart forgets it) and bounded.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most keys remembered; when full, the key whose last failure is oldest is forgotten.
const MAX_KEYS: usize = 100_000;

pub(crate) struct Throttle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Throttle {
    pub(crate) fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(name: &str, ip: Option<IpAddr>) -> [(String, u32); 2] {
        let ip = ip.map_or_else(|| "-".to_owned(), |i| i.to_string());
        [
            (format!("{}|{ip}", name.trim().to_lowercase()), 1),
            (format!("|{ip}"), 10),
        ]
    }

    /// Whether a try for `name` from `ip` may go ahead at `now`.
    pub(crate) fn allows(&self, name: &str, ip: Option<IpAddr>, now: Instant) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::keys(name, ip).iter().all(|(key, factor)| {
            let Some(q) = map.get_mut(key) else { return true };
            while q.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
                q.pop_front();
            }
            q.len() < (self.limit * factor) as usize
        })
    }

    /// Records a failed try.
    pub(crate) fn failed(&self, name: &str, ip: Option<IpAddr>, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            let oldest = map
                .iter()
                .min_by_key(|(_, q)| q.back().copied())
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        for (key, factor) in Self::keys(name, ip) {
            let q = map.entry(key).or_default();
            q.push_back(now);
            while q.len() > (self.limit * factor) as usize {
                q.pop_front();
            }
        }
    }

    /// Forgets a name's failures from an address after a successful sign-in.
    pub(crate) fn succeeded(&self, name: &str, ip: Option<IpAddr>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&Self::keys(name, ip)[0].0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_limit_are_refused_until_the_window_passes() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let ip = Some("10.0.0.1".parse().unwrap());
        let other = Some("10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.allows("Anna", ip, t0));
            t.failed("anna", ip, t0);
        }
        assert!(!t.allows("ANNA", ip, t0), "the name is compared without case");
        assert!(t.allows("anna", other, t0), "another address is not held back");
        assert!(
            t.allows("bent", ip, t0),
            "another name from the address is not held back yet"
        );
        assert!(t.allows("anna", ip, t0 + Duration::from_secs(61)));
        // One address trying many names is held back at ten times the limit.
        for i in 0..30 {
            t.failed(&format!("n{i}"), other, t0);
        }
        assert!(!t.allows("someone-new", other, t0));
        t.succeeded("anna", ip);
        assert!(t.allows("anna", ip, t0));
    }
}
