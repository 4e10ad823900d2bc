//! Quotas a change overdraws without an absence being registered: a change of the work schedule can make the
//! absences already registered cost more days (a 4-day week becoming a 5-day week, a day off becoming a working
//! day), so that they exceed a quota. Such a change is not refused — the schedule is a fact of the employment —
//! but it is reported: a Danish warning for the `ReturnStatus` ("W") naming each quota and its overdraft, and an
//! outbox event `absence_quota.overdrawn` per quota period, so that nobody is left with a negative balance
//! unnoticed.

use crate::sap::days_phrase;
use rust_decimal::Decimal;
use serde_json::json;
use snitflade_domain::quotas::{QuotaInput, QuotaKey, overdrawn_by_key};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_store::outbox::NewEvent;

/// The outbox event of a quota overdrawn by a change that was not an absence.
pub const EVENT_OVERDRAWN: &str = "absence_quota.overdrawn";

/// One quota period a change overdrew (further).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overdraft {
    pub key: QuotaKey,
    /// Days overdrawn after the change.
    pub days: Decimal,
    /// Days overdrawn before it.
    pub before: Decimal,
}

/// The quota periods overdrawn more after the change than before, by period.
pub fn overdrafts(before: &QuotaInput, after: &QuotaInput) -> Vec<Overdraft> {
    let was = overdrawn_by_key(before);
    overdrawn_by_key(after)
        .into_iter()
        .filter_map(|(key, days)| {
            let before = was.get(&key).copied().unwrap_or_default();
            (days > before).then_some(Overdraft { key, days, before })
        })
        .collect()
}

/// The warning: "Advarsel: det registrerede fravær overskrider nu ferie 2026/27 med 0,84 dag; …".
pub fn warning(overdrafts: &[Overdraft]) -> String {
    let each: Vec<String> = overdrafts
        .iter()
        .map(|o| format!("{} med {}", o.key.describe(), days_phrase(o.days)))
        .collect();
    format!(
        "Advarsel: det registrerede fravær overskrider nu {}; ret fraværet eller kvoten",
        each.join(", ")
    )
}

/// The outbox event of one overdrawn quota period; `cause` says what changed (e.g. the schedule and its id).
pub fn event(
    interface: InterfaceId,
    k: Kommunekode,
    pernr: Pernr,
    o: &Overdraft,
    cause: serde_json::Value,
) -> NewEvent {
    let (from, to) = o.key.period();
    NewEvent {
        kind: EVENT_OVERDRAWN,
        interface: interface.as_str(),
        municipality: Some(k.to_string()),
        object_id: Some(pernr.to_string()),
        payload: json!({
            "pernr": pernr.to_string(),
            "quota_type": o.key.kind.code(),
            "quota_text": o.key.kind.text(),
            "child": o.key.child,
            "period_start": from.to_string(),
            "period_end": to.to_string(),
            "overdrawn_days": crate::sap::decimal_text(o.days),
            "overdrawn_days_before": crate::sap::decimal_text(o.before),
            "cause": cause,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::absence::QuotaKind;

    #[test]
    fn the_warning_names_each_quota_and_its_overdraft() {
        let o = |kind, year, child: Option<&str>, days: &str| Overdraft {
            key: QuotaKey {
                kind,
                year,
                child: child.map(Into::into),
            },
            days: days.parse().unwrap(),
            before: Decimal::ZERO,
        };
        assert_eq!(
            warning(&[
                o(QuotaKind::Holiday, 2026, None, "0.84"),
                o(QuotaKind::CareDay, 2026, Some("02"), "3")
            ]),
            "Advarsel: det registrerede fravær overskrider nu ferie 2026/27 med 0,84 dag, omsorgsdage 2026 for \
             barn 02 med 3 dage; ret fraværet eller kvoten"
        );
    }
}
