//! Operating the error-handling table (through the admin API,
//! docs/src/interfaces/maskintimer.md#the-error-handling-table): resubmit with a correction (revalidated by the entry's
//! own interface), discard, or mark resolved. Each step is recorded in the entry's history.

use crate::dispatch::Services;
use crate::{engangsydelse, maskintimer};
use snitflade_domain::maskintimer::Rejection;
use snitflade_domain::{ErrorStatus, ErrorType};
use snitflade_store::StoreError;
use snitflade_store::errors::{self, ErrorItem, HistoryEntry};

/// Why an operator's request could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("findes ikke")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("intern fejl: {0}")]
    Store(StoreError),
}

impl From<StoreError> for AdminError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(m) => Self::Conflict(m),
            other => Self::Store(other),
        }
    }
}

/// Applies a correction to a payload: the correction's fields replace the original's; `null` removes a field.
pub fn merge_payload(
    original: &serde_json::Value,
    correction: Option<&serde_json::Value>,
) -> Result<serde_json::Value, AdminError> {
    let Some(correction) = correction else {
        return Ok(original.clone());
    };
    let (Some(base), Some(fix)) = (original.as_object(), correction.as_object()) else {
        return Err(AdminError::BadRequest("payload skal være et JSON-objekt".into()));
    };
    let mut merged = base.clone();
    for (k, v) in fix {
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    Ok(serde_json::Value::Object(merged))
}

/// The history entry of a resubmission of a machine-hours registration.
pub fn resubmitted_entry(actor: &str, rejection: Option<&Rejection>, payload: &serde_json::Value) -> HistoryEntry {
    resubmitted_entry_with(actor, rejection.map(|r| (r.error_type, r.message())), payload)
}

/// The history entry of a resubmission: with the new reason (kind and text) if it still fails.
pub fn resubmitted_entry_with(
    actor: &str,
    failure: Option<(ErrorType, String)>,
    payload: &serde_json::Value,
) -> HistoryEntry {
    HistoryEntry {
        at: String::new(),
        action: if failure.is_some() {
            "resubmitted_failed"
        } else {
            "resubmitted_registered"
        }
        .into(),
        actor: actor.into(),
        error_type: failure.as_ref().map(|f| f.0),
        message: failure.map(|f| f.1),
        payload: Some(payload.clone()),
    }
}

impl Services {
    /// Resubmits an open entry, optionally with a corrected payload.
    pub async fn resubmit_error(
        &self,
        id: &str,
        correction: Option<serde_json::Value>,
        actor: &str,
    ) -> Result<ErrorItem, AdminError> {
        let item = errors::get(self.store().pool(), id).await?;
        if item.status != ErrorStatus::Open {
            return Err(AdminError::Conflict(format!(
                "fejlen har status {} og kan ikke genindsendes",
                item.status
            )));
        }
        let payload = merge_payload(&item.payload, correction.as_ref())?;
        match item.interface.as_str() {
            "maskintimer" => maskintimer::revalidate(self, item, payload, actor.to_owned()).await,
            "engangsydelse" => engangsydelse::ind01::resubmit(self, item, payload, actor.to_owned()).await,
            other => Err(AdminError::BadRequest(format!(
                "genindsendelse understøttes ikke for {other}"
            ))),
        }
    }

    /// Closes an open entry without registering it: `discarded` or `resolved` (handled elsewhere).
    pub async fn close_error(
        &self,
        id: &str,
        status: ErrorStatus,
        note: Option<String>,
        actor: &str,
    ) -> Result<ErrorItem, AdminError> {
        debug_assert!(matches!(status, ErrorStatus::Discarded | ErrorStatus::Resolved));
        let (id, actor) = (id.to_owned(), actor.to_owned());
        self.store()
            .write(move |c| {
                let (id, actor, note) = (id.clone(), actor.clone(), note.clone());
                Box::pin(async move {
                    let current = errors::get(&mut **c, &id).await?;
                    if current.status != ErrorStatus::Open {
                        return Err(StoreError::Conflict(format!(
                            "fejlen har allerede status {}",
                            current.status
                        )));
                    }
                    let entry = HistoryEntry {
                        at: String::new(),
                        action: status.as_str().into(),
                        actor,
                        error_type: None,
                        message: note,
                        payload: None,
                    };
                    errors::update(c, &current, status, entry, None, None).await?;
                    let updated = errors::get(&mut **c, &id).await?;
                    Ok(updated)
                })
            })
            .await
            .map_err(AdminError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merge_replaces_and_removes() {
        let m = merge_payload(
            &json!({"A": "1", "B": "2"}),
            Some(&json!({"B": "3", "A": null, "C": "4"})),
        )
        .unwrap();
        assert_eq!(m, json!({"B": "3", "C": "4"}));
        assert!(merge_payload(&json!({}), Some(&json!([1]))).is_err());
        assert_eq!(merge_payload(&json!({"A": "1"}), None).unwrap(), json!({"A": "1"}));
    }
}
