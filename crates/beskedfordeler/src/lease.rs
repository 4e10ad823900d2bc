//! The delivery lease: of several snitflade instances on one database, only the one holding the lease routes and
//! delivers (push and the AMQP forwarder), so no message goes out twice because two instances sent it. Reading
//! published messages from RabbitMQ needs no lease (a BeskedId is kept once, whoever reads it).
//!
//! The holder renews the lease when a third of it has passed; it counts itself the holder only until two thirds
//! of the lease after its last renewal (by its own clock), so it stops before another instance may take over.

use snitflade_store::{Store, StoreError, leases, timestamp_text};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The lease's name in the `leases` table.
pub const DELIVERY: &str = "beskedfordeler.delivery";

pub struct Lease {
    store: Store,
    name: &'static str,
    /// This process, for the table (a fresh UUID per start).
    holder: String,
    length: Duration,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Until when this process may act (by its own clock), while it holds the lease.
    valid_until: Option<Instant>,
    /// When the database was last asked.
    asked: Option<Instant>,
}

impl Lease {
    pub fn new(store: Store, name: &'static str, length: Duration) -> Self {
        Self {
            store,
            name,
            holder: uuid::Uuid::new_v4().to_string(),
            length: length.max(Duration::from_secs(3)),
            state: Mutex::new(State::default()),
        }
    }

    /// Whether this process may act now. The database is asked when a third of a held lease has passed (to renew
    /// it), and every sixth of a lease while another instance holds it (to take over once it expires).
    pub async fn held(&self) -> Result<bool, StoreError> {
        let now = Instant::now();
        {
            let state = self.state.lock().expect("lease state");
            let asked_within = |d: Duration| state.asked.is_some_and(|a| now.duration_since(a) < d);
            match state.valid_until {
                Some(until) if now < until && asked_within(self.length / 3) => return Ok(true),
                None if asked_within(self.length / 6) => return Ok(false),
                _ => {}
            }
        }
        let wall = jiff::Timestamp::now();
        let (name, holder) = (self.name, self.holder.clone());
        let (wall, until) = (timestamp_text(wall), timestamp_text(wall + self.length));
        let taken = self
            .store
            .write(move |c| {
                let (holder, wall, until) = (holder.clone(), wall.clone(), until.clone());
                Box::pin(async move { leases::acquire(c, name, &holder, &wall, &until).await })
            })
            .await?;
        let mut state = self.state.lock().expect("lease state");
        if taken != state.valid_until.is_some() {
            tracing::info!(lease = self.name, held = taken, "a lease changed hands");
        }
        state.asked = Some(now);
        state.valid_until = taken.then(|| now + self.length * 2 / 3);
        Ok(taken)
    }

    /// Whether this process holds the lease now, by what it last heard from the database (never asks it).
    pub fn is_held(&self) -> bool {
        let state = self.state.lock().expect("lease state");
        state.valid_until.is_some_and(|until| Instant::now() < until)
    }

    /// Gives the lease up at shutdown.
    pub async fn release(&self) {
        if self.state.lock().expect("lease state").valid_until.take().is_none() {
            return;
        }
        let (name, holder) = (self.name, self.holder.clone());
        let released = self
            .store
            .write(move |c| {
                let holder = holder.clone();
                Box::pin(async move { leases::release(c, name, &holder).await })
            })
            .await;
        if let Err(e) = released {
            tracing::warn!(error = %e, "releasing the delivery lease failed; it expires by itself");
        }
    }
}
