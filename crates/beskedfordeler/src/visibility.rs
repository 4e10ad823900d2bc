//! Who may receive an event (issue 17). A dueslag belongs to a system, and an event reaches it only if that system
//! holds, on the event's day (in Copenhagen) and again on the day of delivery, the `beskedfordeler` grant for the
//! event's municipality plus what the event's kind asks for ([`Seen`], given per Beskedtype in
//! `crate::envelope::BESKEDTYPER`). The router checks this when it queues a delivery, and the pusher and the AMQP
//! forwarder check it again before they deliver (the pusher against grants at most 20 ms old, the forwarder per
//! batch), so a closing (normal or urgent) stops the messages not yet delivered: they become `filtered` with the
//! reason, and are never delivered later. Grants are read from the database, not from the process's access table,
//! so the delivering instance sees a closing made through another instance at once.

use crate::envelope::BESKEDTYPER;
use crate::received::RECEIVED_KIND;
use snitflade_access::{AccessControl, SystemInfo};
use snitflade_domain::{InterfaceId, Kommunekode};
use snitflade_store::outbox::Event;
use snitflade_store::{Store, StoreError, access};

/// What a system needs, besides the `beskedfordeler` grant, to receive an event of a kind.
#[derive(Debug, Clone, Copy)]
pub enum Seen {
    /// A grant, in the event's municipality, for one of these interfaces: those whose own reads show the data.
    Through(&'static [InterfaceId]),
    /// Nothing more, but only the system the event is about (`about` tells): its access, its værdiliste, its
    /// certificate. Without a municipality in the event, the `beskedfordeler` grant may be for any municipality.
    OwnSystem(fn(&Event, &SystemInfo) -> bool),
    /// Nothing more: a message another system published on the bus (SF1460_C), which is the bus's own content.
    Bus,
}

impl Seen {
    /// The interfaces a grant may be for (besides `beskedfordeler`), for listings; empty for the other forms.
    pub fn interfaces(&self) -> &'static [InterfaceId] {
        match self {
            Seen::Through(i) => i,
            _ => &[],
        }
    }

    /// Whether only the system the event is about receives it.
    pub fn own_system_only(&self) -> bool {
        matches!(self, Seen::OwnSystem(_))
    }
}

/// An access event (`access.granted`, `access.closed`) is about the system whose access changed (its `ObjektId`).
pub fn access_of(e: &Event, s: &SystemInfo) -> bool {
    e.object_id.as_deref() == Some(s.id.as_str())
}

/// A `vaerdiliste.changed` event is about the system that owns the list.
pub fn list_of(e: &Event, s: &SystemInfo) -> bool {
    e.payload.get("owner_system_id").and_then(|v| v.as_str()) == Some(s.id.as_str())
}

/// A `certificate.expiring` event is about the system (by name) whose certificate expires.
pub fn certificate_of(e: &Event, s: &SystemInfo) -> bool {
    e.payload.get("system").and_then(|v| v.as_str()) == Some(s.name.as_str())
}

/// What an event kind asks for; `None` for a kind nobody may receive (unknown to this version).
pub fn seen(kind: &str) -> Option<Seen> {
    if kind == RECEIVED_KIND {
        return Some(Seen::Bus);
    }
    BESKEDTYPER.iter().find(|b| b.kind == kind).map(|b| b.seen)
}

/// How a delivery's reason starts when it is `filtered` for want of a grant.
pub const NO_GRANT: &str = "no grant";

/// The grants as they are now, to check events against.
pub struct Grants {
    table: AccessControl,
    today: jiff::civil::Date,
}

impl Grants {
    /// Every system's grants (the router's check, and delivery's through `crate::readings`).
    pub async fn all(store: &Store) -> Result<Self, StoreError> {
        Ok(Self::of(access::grants(store.pool()).await?))
    }

    fn of(records: Vec<access::GrantRecord>) -> Self {
        let table = AccessControl::new();
        table.replace([], snitflade_lifecycle::grants_of(records));
        Self {
            table,
            today: snitflade_lifecycle::today(),
        }
    }

    /// Whether `system` may receive `event` now: `Err` is why not, as the delivery shows it (`no grant: …`).
    pub fn check(&self, system: &SystemInfo, event: &Event) -> Result<(), String> {
        let refuse = |why: String| Err(format!("{NO_GRANT}: {why}"));
        let Some(seen) = seen(&event.kind) else {
            return refuse(format!("hændelsestypen '{}' fordeles ikke", event.kind));
        };
        let municipality = match event.municipality.as_deref().map(Kommunekode::parse) {
            None => None,
            Some(Ok(k)) => Some(k),
            Some(Err(_)) => return refuse("hændelsens kommune er ugyldig".into()),
        };
        if let Seen::OwnSystem(about) = seen
            && !about(event, system)
        {
            return refuse(format!("hændelsen handler om et andet system end '{}'", system.name));
        }
        let event_day = event
            .created_at
            .parse::<jiff::Timestamp>()
            .map(snitflade_domain::maskintimer::copenhagen_day)
            .unwrap_or(self.today);
        let days = if event_day == self.today {
            vec![self.today]
        } else {
            vec![event_day, self.today]
        };
        let place = municipality.map_or_else(|| " i nogen kommune".to_owned(), |k| format!(" for kommune {k}"));
        for day in days {
            let holds = |i: InterfaceId| {
                let granted = self.table.municipalities(system, i, day);
                municipality.map_or(!granted.is_empty(), |k| granted.contains(&k))
            };
            if !holds(InterfaceId::Beskedfordeler) {
                return refuse(format!(
                    "systemet '{}' har ikke adgang til 'beskedfordeler'{place} den {day}",
                    system.name
                ));
            }
            if let Seen::Through(interfaces) = seen
                && !interfaces.iter().any(|i| holds(*i))
            {
                let names: Vec<&str> = interfaces.iter().map(|i| i.as_str()).collect();
                return refuse(format!(
                    "systemet '{}' har ikke adgang til '{}'{place} den {day}",
                    system.name,
                    names.join("' eller '")
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_access::grants::Grant;

    fn k(s: &str) -> Kommunekode {
        Kommunekode::parse(s).unwrap()
    }

    fn system() -> SystemInfo {
        SystemInfo {
            id: "s1".into(),
            name: "dagtilbud".into(),
        }
    }

    fn event(kind: &str, municipality: Option<&str>, created_at: &str) -> Event {
        Event {
            seq: 1,
            id: "e".into(),
            kind: kind.into(),
            interface: "opret-fravaer".into(),
            municipality: municipality.map(Into::into),
            object_id: Some("s1".into()),
            payload: serde_json::json!({"system": "dagtilbud", "owner_system_id": "other"}),
            created_at: created_at.into(),
        }
    }

    fn grants(today: jiff::civil::Date, list: &[(InterfaceId, &str, Option<jiff::civil::Date>)]) -> Grants {
        let table = AccessControl::new();
        let all = list
            .iter()
            .map(|(interface, m, to)| Grant {
                system_id: "s1".into(),
                interface: *interface,
                municipality: k(m),
                access: interface.full_level(),
                valid_from: jiff::civil::date(2026, 1, 1),
                valid_to: *to,
            })
            .collect();
        table.replace([], all);
        Grants { table, today }
    }

    #[test]
    fn every_beskedtype_and_received_messages_say_who_sees_them() {
        for b in BESKEDTYPER {
            assert!(seen(b.kind).is_some(), "{}", b.kind);
            if let Seen::Through(i) = b.seen {
                assert!(!i.is_empty(), "{}: some interface must let it be seen", b.kind);
            }
        }
        assert!(matches!(seen(RECEIVED_KIND), Some(Seen::Bus)));
        assert!(seen("unknown.kind").is_none());
    }

    #[test]
    fn an_absence_needs_the_bus_and_an_absence_interface_in_its_municipality_on_both_days() {
        let today = jiff::civil::date(2026, 5, 4);
        let s = system();
        let absence = event("absence.created", Some("0340"), "2026-05-04T08:00:00.000000Z");
        let bus_only = grants(today, &[(InterfaceId::Beskedfordeler, "0340", None)]);
        let why = bus_only.check(&s, &absence).unwrap_err();
        assert!(why.starts_with("no grant: "), "{why}");
        assert!(why.contains("'opret-fravaer' eller 'medarbejderoplysninger'"), "{why}");
        let read = grants(
            today,
            &[
                (InterfaceId::Beskedfordeler, "0340", None),
                (InterfaceId::Medarbejderoplysninger, "0340", None),
            ],
        );
        assert_eq!(read.check(&s, &absence), Ok(()));
        let elsewhere = event("absence.created", Some("0751"), "2026-05-04T08:00:00.000000Z");
        assert!(read.check(&s, &elsewhere).unwrap_err().contains("kommune 0751"));
        let no_bus = grants(today, &[(InterfaceId::OpretFravaer, "0340", None)]);
        assert!(no_bus.check(&s, &absence).unwrap_err().contains("'beskedfordeler'"));
        // Closed today (urgent closing): yesterday's event, not yet delivered, is no longer delivered.
        let closed = grants(
            today,
            &[
                (InterfaceId::Beskedfordeler, "0340", Some(today)),
                (InterfaceId::OpretFravaer, "0340", None),
            ],
        );
        let yesterday = event("absence.created", Some("0340"), "2026-05-03T08:00:00.000000Z");
        assert!(closed.check(&s, &yesterday).is_err());
        // The Copenhagen day: 23:30 UTC on the 3rd is the 4th in Copenhagen.
        let late = event("absence.created", Some("0340"), "2026-05-03T23:30:00.000000Z");
        let from_today = Grants {
            today,
            table: {
                let t = AccessControl::new();
                t.replace(
                    [],
                    [InterfaceId::Beskedfordeler, InterfaceId::OpretFravaer]
                        .map(|interface| Grant {
                            system_id: "s1".into(),
                            interface,
                            municipality: k("0340"),
                            access: interface.full_level(),
                            valid_from: today,
                            valid_to: None,
                        })
                        .to_vec(),
                );
                t
            },
        };
        assert_eq!(from_today.check(&s, &late), Ok(()));
        assert!(from_today.check(&s, &yesterday).is_err(), "before the grant started");
    }

    #[test]
    fn system_events_reach_only_the_system_they_are_about() {
        let today = jiff::civil::date(2026, 5, 4);
        let s = system();
        let bus = grants(today, &[(InterfaceId::Beskedfordeler, "0340", None)]);
        let at = "2026-05-04T08:00:00.000000Z";
        assert_eq!(bus.check(&s, &event("access.granted", Some("0340"), at)), Ok(()));
        assert!(bus.check(&s, &event("access.granted", Some("0751"), at)).is_err());
        assert_eq!(bus.check(&s, &event("certificate.expiring", None, at)), Ok(()));
        let list = bus.check(&s, &event("vaerdiliste.changed", None, at)).unwrap_err();
        assert!(list.contains("et andet system"), "{list}");
        assert_eq!(bus.check(&s, &event(RECEIVED_KIND, Some("0340"), at)), Ok(()));
        let none = grants(today, &[]);
        assert!(none.check(&s, &event("certificate.expiring", None, at)).is_err());
        assert!(bus.check(&s, &event("unknown.kind", Some("0340"), at)).is_err());
    }
}
