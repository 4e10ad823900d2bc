//! Admission of connections to a listener, decided before any TLS work: per-source-address limits, a bounded
//! handshake stage in which the oldest handshake makes room for a new one, and a cap on established connections
//! at which the oldest idle connection without a grant makes room. Every refusal and eviction is counted in
//! `snitflade_connections_refused_total` / `snitflade_connections_evicted_total` by listener and reason.
//!
//! Nothing here blocks: the accept loop asks, gets a [`Ticket`] or a [`Refusal`], and goes on accepting, so no
//! number of stalled peers can keep the listener from reaching the next one.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Notify;

/// The bounds of one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionLimits {
    /// Established connections (after the handshake).
    pub max_connections: usize,
    /// Connections in the handshake stage. When full, the oldest handshake is cut to make room.
    pub max_handshakes: usize,
    /// Connections (in handshake or established) from one source address.
    pub max_connections_per_ip: usize,
    /// Connections in the handshake stage from one source address.
    pub max_handshakes_per_ip: usize,
}

/// Why a connection was closed at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its source address holds `max_connections_per_ip` connections already.
    PerIpConnections,
    /// Its source address has `max_handshakes_per_ip` handshakes under way already.
    PerIpHandshakes,
    /// `max_connections` are established and none of them is idle without a grant.
    Full,
}

impl Refusal {
    pub fn reason(self) -> &'static str {
        match self {
            Self::PerIpConnections => "per_ip_connections",
            Self::PerIpHandshakes => "per_ip_handshakes",
            Self::Full => "full",
        }
    }
}

/// Why a connection is closed to make room: a handshake when the handshake stage is full, an idle connection
/// without a grant when `max_connections` are established.
const EVICTIONS: [&str; 2] = ["handshake_stage_full", "idle_without_grant"];

/// The admission state of one listener. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Admission {
    listener: &'static str,
    limits: AdmissionLimits,
    state: Arc<Mutex<State>>,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    per_ip: HashMap<IpAddr, PerIp>,
    /// Connections in the handshake stage, oldest first (ids grow).
    handshaking: BTreeMap<u64, Arc<Notify>>,
    /// Established connections, oldest first.
    established: BTreeMap<u64, Established>,
}

#[derive(Debug, Default)]
struct PerIp {
    handshaking: usize,
    total: usize,
}

#[derive(Debug)]
struct Established {
    granted: bool,
    busy: Arc<AtomicUsize>,
    evict: Arc<Notify>,
}

/// One admitted connection. It counts against the limits until dropped; [`Ticket::evicted`] completes when the
/// connection must close to make room for another.
#[derive(Debug)]
pub struct Ticket {
    admission: Admission,
    id: u64,
    ip: IpAddr,
    handshaking: bool,
    evict: Arc<Notify>,
    busy: Arc<AtomicUsize>,
}

impl Admission {
    /// `listener` names it in the metrics (`services`, `admin`).
    /// A listener's admission; its refusal and eviction counters start at 0 (so alerts on them have a series).
    pub fn new(listener: &'static str, limits: AdmissionLimits) -> Self {
        let admission = Self {
            listener,
            limits,
            state: Arc::default(),
        };
        for r in [Refusal::PerIpConnections, Refusal::PerIpHandshakes, Refusal::Full] {
            admission.count_refused(r, 0);
        }
        for reason in EVICTIONS {
            admission.count_evicted(reason, 0);
        }
        admission
    }

    pub fn limits(&self) -> AdmissionLimits {
        self.limits
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Admits a new connection from `ip` into the handshake stage, or refuses it.
    pub fn admit(&self, ip: IpAddr) -> Result<Ticket, Refusal> {
        let mut s = self.lock();
        let per_ip = s.per_ip.get(&ip);
        let refusal = match per_ip {
            Some(p) if p.total >= self.limits.max_connections_per_ip => Some(Refusal::PerIpConnections),
            Some(p) if p.handshaking >= self.limits.max_handshakes_per_ip => Some(Refusal::PerIpHandshakes),
            _ => None,
        };
        if let Some(r) = refusal {
            drop(s);
            self.refused(r);
            return Err(r);
        }
        while s.handshaking.len() >= self.limits.max_handshakes {
            let Some((_, oldest)) = s.handshaking.pop_first() else {
                break;
            };
            // A legitimate handshake takes milliseconds, so the oldest one is the likeliest to be stalled.
            oldest.notify_one();
            self.evicted("handshake_stage_full");
        }
        let id = s.next_id;
        s.next_id += 1;
        let evict = Arc::new(Notify::new());
        s.handshaking.insert(id, evict.clone());
        let p = s.per_ip.entry(ip).or_default();
        p.handshaking += 1;
        p.total += 1;
        self.gauges(&s);
        Ok(Ticket {
            admission: self.clone(),
            id,
            ip,
            handshaking: true,
            evict,
            busy: Arc::default(),
        })
    }

    fn refused(&self, r: Refusal) {
        self.count_refused(r, 1);
    }

    fn count_refused(&self, r: Refusal, n: u64) {
        metrics::counter!("snitflade_connections_refused_total", "listener" => self.listener, "reason" => r.reason())
            .increment(n);
    }

    fn evicted(&self, reason: &'static str) {
        self.count_evicted(reason, 1);
    }

    fn count_evicted(&self, reason: &'static str, n: u64) {
        debug_assert!(EVICTIONS.contains(&reason), "{reason}");
        metrics::counter!("snitflade_connections_evicted_total", "listener" => self.listener, "reason" => reason)
            .increment(n);
    }

    fn gauges(&self, s: &State) {
        metrics::gauge!("snitflade_connections_handshaking", "listener" => self.listener)
            .set(s.handshaking.len() as f64);
        metrics::gauge!("snitflade_connections_open", "listener" => self.listener).set(s.established.len() as f64);
    }

    /// How many connections are established and in the handshake stage.
    pub fn counts(&self) -> (usize, usize) {
        let s = self.lock();
        (s.established.len(), s.handshaking.len())
    }
}

impl Ticket {
    /// Completes when this connection must close to make room (or because it stalled its handshake).
    pub async fn evicted(&self) {
        self.evict.notified().await;
    }

    /// The number of requests in flight on this connection; while it is not 0 the connection is not idle.
    pub fn busy(&self) -> Arc<AtomicUsize> {
        self.busy.clone()
    }

    /// Moves the connection from the handshake stage to the established ones. `granted` says whether its peer
    /// holds any grant: an idle connection without one is the first to make room when the listener is full.
    /// Refused when the listener is full and nothing can make room.
    pub fn establish(&mut self, granted: bool) -> Result<(), Refusal> {
        let admission = self.admission.clone();
        let mut s = admission.lock();
        if s.established.len() >= admission.limits.max_connections {
            let idle = s
                .established
                .iter()
                .find(|(_, c)| !c.granted && c.busy.load(Ordering::Acquire) == 0)
                .map(|(id, _)| *id);
            match idle {
                Some(id) => {
                    if let Some(c) = s.established.remove(&id) {
                        c.evict.notify_one();
                    }
                    admission.evicted("idle_without_grant");
                }
                None => {
                    drop(s);
                    admission.refused(Refusal::Full);
                    return Err(Refusal::Full);
                }
            }
        }
        s.handshaking.remove(&self.id);
        if self.handshaking {
            self.handshaking = false;
            if let Some(p) = s.per_ip.get_mut(&self.ip) {
                p.handshaking -= 1;
            }
        }
        s.established.insert(
            self.id,
            Established {
                granted,
                busy: self.busy.clone(),
                evict: self.evict.clone(),
            },
        );
        admission.gauges(&s);
        Ok(())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut s = self.admission.lock();
        s.handshaking.remove(&self.id);
        s.established.remove(&self.id);
        if let Some(p) = s.per_ip.get_mut(&self.ip) {
            p.total -= 1;
            if self.handshaking {
                p.handshaking -= 1;
            }
            if p.total == 0 {
                s.per_ip.remove(&self.ip);
            }
        }
        self.admission.gauges(&s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> AdmissionLimits {
        AdmissionLimits {
            max_connections: 2,
            max_handshakes: 3,
            max_connections_per_ip: 3,
            max_handshakes_per_ip: 2,
        }
    }

    fn ip(n: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, n])
    }

    #[test]
    fn one_address_cannot_take_more_than_its_share() {
        let a = Admission::new("test", limits());
        let mut t1 = a.admit(ip(2)).unwrap();
        let mut t2 = a.admit(ip(2)).unwrap();
        assert_eq!(a.admit(ip(2)).unwrap_err(), Refusal::PerIpHandshakes);
        t1.establish(true).unwrap();
        let _t3 = a.admit(ip(2)).unwrap();
        assert_eq!(a.admit(ip(2)).unwrap_err(), Refusal::PerIpConnections);
        // Another address is not affected.
        let _t4 = a.admit(ip(3)).unwrap();
        // A finished handshake and a closed connection each give their place back.
        t2.establish(true).unwrap();
        assert_eq!(a.admit(ip(2)).unwrap_err(), Refusal::PerIpConnections);
        drop(t1);
        let _t5 = a.admit(ip(2)).unwrap();
    }

    #[tokio::test]
    async fn a_full_handshake_stage_cuts_its_oldest_handshake() {
        let a = Admission::new("test", limits());
        let oldest = a.admit(ip(2)).unwrap();
        let _b = a.admit(ip(3)).unwrap();
        let _c = a.admit(ip(4)).unwrap();
        let _d = a.admit(ip(5)).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(1), oldest.evicted())
            .await
            .expect("the oldest handshake was told to close");
        assert_eq!(a.counts(), (0, 3));
    }

    #[tokio::test]
    async fn a_full_listener_drops_an_idle_connection_without_grant_never_a_granted_or_busy_one() {
        let a = Admission::new("test", limits());
        let mut granted = a.admit(ip(2)).unwrap();
        granted.establish(true).unwrap();
        let mut ungranted = a.admit(ip(3)).unwrap();
        ungranted.establish(false).unwrap();
        ungranted.busy().fetch_add(1, Ordering::AcqRel);
        let mut newcomer = a.admit(ip(4)).unwrap();
        assert_eq!(
            newcomer.establish(true).unwrap_err(),
            Refusal::Full,
            "nothing idle without a grant"
        );
        ungranted.busy().fetch_sub(1, Ordering::AcqRel);
        newcomer.establish(true).unwrap();
        tokio::time::timeout(std::time::Duration::from_secs(1), ungranted.evicted())
            .await
            .expect("the idle connection without a grant made room");
        assert_eq!(a.counts(), (2, 0));
    }

    #[test]
    fn dropped_tickets_give_their_places_back() {
        let a = Admission::new("test", limits());
        for _ in 0..10 {
            let mut t = a.admit(ip(2)).unwrap();
            t.establish(false).unwrap();
        }
        assert_eq!(a.counts(), (0, 0));
        assert!(a.lock().per_ip.is_empty());
    }
}
