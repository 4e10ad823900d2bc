//! Writes the services' in-memory traffic counts (`snitflade_services::traffic`) to the database every few seconds
//! and once more at shutdown; counts that could not be written are kept for the next round.

use snitflade_services::Services;
use std::future::Future;
use std::time::Duration;

/// How often the counts are written.
const EVERY: Duration = Duration::from_secs(5);

/// Writes what has been counted; answers whether it was written.
pub async fn flush(services: &Services) -> bool {
    let counts = services.traffic().take();
    if counts.is_empty() {
        return true;
    }
    let rows: Vec<_> = counts
        .iter()
        .map(|(k, c)| {
            (
                k.day.to_string(),
                k.municipality.map(|m| m.to_string()),
                k.interface.as_str().to_owned(),
                k.system_id.clone(),
                i64::try_from(c.calls).unwrap_or(i64::MAX),
                i64::try_from(c.refused).unwrap_or(i64::MAX),
            )
        })
        .collect();
    let written = services
        .store()
        .write(move |c| {
            let rows = rows.clone();
            Box::pin(async move {
                for (day, municipality, interface, system, calls, refused) in &rows {
                    snitflade_store::traffic::add(c, day, municipality.as_deref(), interface, system, *calls, *refused)
                        .await?;
                }
                Ok(())
            })
        })
        .await;
    match written {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(error = %e, "writing today's traffic counts failed; kept for the next try");
            services.traffic().put_back(counts);
            false
        }
    }
}

/// Runs until `stopped`, then writes the last counts.
pub async fn run(services: Services, stopped: impl Future<Output = ()>) {
    let mut every = tokio::time::interval(EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            _ = every.tick() => {
                flush(&services).await;
            }
            () = &mut stopped => break,
        }
    }
    flush(&services).await;
}
