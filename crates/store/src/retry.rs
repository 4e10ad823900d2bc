//! Living with a backend that fails for a while: [`Backoff`] spaces reconnection attempts (exponential, with
//! jitter, so that many clients do not come back in step), and [`RepeatLog`] logs a failure that repeats in a
//! loop once when it starts, then at most once per [`RepeatLog::EVERY`] with the number of failures in between,
//! and once when it ends.

use std::fmt::Display;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Exponential backoff with jitter: each wait is between half and all of the current step; the step starts at
/// `first` and doubles after every wait, up to `max`.
#[derive(Debug, Clone)]
pub struct Backoff {
    first: Duration,
    max: Duration,
    step: Duration,
}

impl Backoff {
    pub fn new(first: Duration, max: Duration) -> Self {
        let first = first.max(Duration::from_millis(1));
        Self {
            first,
            max: max.max(first),
            step: first,
        }
    }

    /// The policy for reconnecting to the database or RabbitMQ: 100 ms doubling up to 2 s, so that a backend
    /// that is back is used again within about 2 s, while one that stays away is tried only every 1–2 s.
    pub fn reconnect() -> Self {
        Self::new(Duration::from_millis(100), Duration::from_secs(2))
    }

    /// The next wait; the step after it is twice as long (up to the maximum).
    pub fn next_wait(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.max);
        let half = step / 2;
        half + half.mul_f64(unit_random())
    }

    /// Starts again from the first step (after a success).
    pub fn reset(&mut self) {
        self.step = self.first;
    }
}

/// A random number in `[0, 1)` (from the operating system's randomness, via a v4 UUID).
fn unit_random() -> f64 {
    let (bits, _) = uuid::Uuid::new_v4().as_u64_pair();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Logs a failure that repeats (a loop against a backend that is away): the first failure at once, then at most
/// one line per [`RepeatLog::EVERY`] counting the failures not logged, and one line when it works again.
#[derive(Debug)]
pub struct RepeatLog {
    what: &'static str,
    every: Duration,
    state: Mutex<Failing>,
}

#[derive(Debug, Default)]
struct Failing {
    /// Since when it fails; `None` while it works.
    since: Option<Instant>,
    failures: u64,
    logged_at: Option<Instant>,
    /// Failures since the last line.
    unlogged: u64,
}

impl RepeatLog {
    /// How often a failure that goes on is logged again.
    pub const EVERY: Duration = Duration::from_secs(10);

    /// `what` names what fails, e.g. "routing events to dueslag".
    pub const fn new(what: &'static str) -> Self {
        Self::every(what, Self::EVERY)
    }

    pub const fn every(what: &'static str, every: Duration) -> Self {
        Self {
            what,
            every,
            state: Mutex::new(Failing {
                since: None,
                failures: 0,
                logged_at: None,
                unlogged: 0,
            }),
        }
    }

    /// Records a failure; answers whether it was logged.
    pub fn failed(&self, error: &dyn Display) -> bool {
        let now = Instant::now();
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.failures += 1;
        let Some(since) = s.since else {
            s.since = Some(now);
            s.logged_at = Some(now);
            s.unlogged = 0;
            tracing::error!(error = %error, "{} failed", self.what);
            return true;
        };
        if s.logged_at.is_some_and(|at| now.duration_since(at) < self.every) {
            s.unlogged += 1;
            return false;
        }
        tracing::error!(error = %error, failures = s.failures, not_logged = s.unlogged,
            failing_for = ?now.duration_since(since), "{} still failing", self.what);
        s.logged_at = Some(now);
        s.unlogged = 0;
        true
    }

    /// Records a success: if it was failing, logs that it works again.
    pub fn succeeded(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(since) = s.since.take() {
            tracing::warn!(failures = s.failures, failed_for = ?since.elapsed(), "{} works again", self.what);
            *s = Failing::default();
        }
    }

    /// Whether the last outcome was a failure.
    pub fn is_failing(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).since.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_the_maximum_with_jitter_below_each_step() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1000));
        for step in [100, 200, 400, 800, 1000, 1000] {
            let wait = b.next_wait();
            let step = Duration::from_millis(step);
            assert!(wait >= step / 2 && wait <= step, "{wait:?} for a step of {step:?}");
        }
        b.reset();
        assert!(b.next_wait() <= Duration::from_millis(100));
        // The jitter spreads the waits out.
        let waits: std::collections::HashSet<Duration> = (0..20).map(|_| Backoff::reconnect().next_wait()).collect();
        assert!(waits.len() > 1);
    }

    #[test]
    fn a_repeated_failure_is_logged_when_it_starts_then_at_most_once_per_interval() {
        let log = RepeatLog::every("a test loop", Duration::from_millis(200));
        assert!(log.failed(&"down"), "the first failure");
        assert!(log.is_failing());
        assert!((0..100).all(|_| !log.failed(&"down")), "repeats within the interval");
        std::thread::sleep(Duration::from_millis(250));
        assert!(log.failed(&"down"), "once the interval has passed");
        assert!(!log.failed(&"down"));
        log.succeeded();
        assert!(!log.is_failing());
        assert!(log.failed(&"down again"), "a new failure after a success");
    }
}
