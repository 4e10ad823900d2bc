//! `Ret`: changes one employee's Kommunikation (infotype 0105) records, nothing else. Each item is matched
//! against the current records by Kommunikationsart, Sekvensnummer (when given) and overlapping validity:
//! a match with a KommunikationsID is changed, a match without one is deleted, no match with one is created
//! (Sekvensnummer as given or the lowest free one), no match without one is refused. A change or deletion
//! applies to the item's period only: what the old record said before or after that period stays, delimited.
//!
//! The items are planned together on the current records first ([`plan`], pure), so a call is all or nothing:
//! one refused item (StatusKode 101 with the reason) and nothing is written. The plan is then written in one
//! transaction with an audit entry (before/after) and an outbox event per change.

use super::request::{self, AttributesError, EmployeeRef, KommunikationItem, Operation, clip};
use super::response::output;
use super::{Retur, StatusKode, municipality, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use jiff::civil::Date;
use snitflade_domain::hr::{
    Category, CategoryRecord, Employment, EmploymentStatus, KOMMUNIKATIONSARTER, OPEN_END, validate_kommunikation,
};
use snitflade_domain::{InterfaceId, Kommunekode, Pernr};
use snitflade_soap::Element;
use snitflade_store::hr::{self, NewAudit, StoredRecord};
use snitflade_store::outbox::NewEvent;

/// The outbox event of a change.
pub const EVENT_KIND: &str = "employee.communication.changed";

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let req = match request::parse(root, Operation::Ret) {
        Ok(r) => r,
        Err(text) => return SoapReply::client_fault(text),
    };
    let items = match req.attributes.map(request::kommunikation_items) {
        Some(Err(AttributesError::Structure(text))) => return SoapReply::client_fault(text),
        Some(Err(AttributesError::Refused(text))) => Err(text),
        Some(Ok(items)) => Ok(items),
        None => Err("RetInput skal indeholde AttributListe".to_owned()),
    };
    let kommune = match municipality(services, call, req.receiver) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let pernr = match req.employees.as_slice() {
        [id] => match EmployeeRef::parse(id, false) {
            Ok(EmployeeRef::One(p)) => p,
            Ok(_) => {
                return answer(Retur::with(
                    StatusKode::InvalidInput,
                    "MedarbejderRef skal være ét nummer",
                ));
            }
            Err(text) => return answer(Retur::with(StatusKode::InvalidInput, text)),
        },
        _ => {
            return answer(Retur::with(
                StatusKode::InvalidInput,
                "Ret skal angive præcis én MedarbejderRef, fx urn:oio:kmd:lpe:medarbejder:00000101",
            ));
        }
    };
    let items = match items.and_then(|items| {
        items
            .iter()
            .enumerate()
            .map(|(n, i)| Item::new(i, call.day).map_err(|e| numbered(n, items.len(), &e)))
            .collect::<Result<Vec<_>, _>>()
    }) {
        Ok(items) => items,
        Err(text) => return answer(Retur::with(StatusKode::UpdateFailed, text)),
    };
    let outcome = write(services, call, kommune, pernr, items).await;
    match outcome {
        Ok(Outcome::Done) => answer(Retur::ok()),
        Ok(Outcome::NotFound) => answer(Retur::with(
            StatusKode::NotFound,
            format!("Data ikke fundet: medarbejdernummer {pernr} findes ikke i kommune {kommune}"),
        )),
        Ok(Outcome::Deleted(e)) => answer(super::laes::deleted(&e)),
        Ok(Outcome::Refused(text)) => answer(Retur::with(StatusKode::UpdateFailed, text)),
        Err(e) => store_failed("Ret", &e),
    }
}

fn answer(retur: Retur) -> SoapReply {
    SoapReply::ok(output("RetOutput", &retur, String::new()))
}

/// Prefixes an item's error with its number when the call has several.
fn numbered(n: usize, of: usize, text: &str) -> String {
    if of > 1 {
        format!("Kommunikation nr. {}: {text}", n + 1)
    } else {
        text.to_owned()
    }
}

/// One validated Ret item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub start: Date,
    pub stop: Date,
    pub sequence: Option<String>,
    pub art: String,
    /// Absent: delete.
    pub id: Option<String>,
}

impl Item {
    /// Checks an item's values; `today` is the default Gyldighedsstart. `Err` is the text of StatusKode 101.
    pub fn new(raw: &KommunikationItem, today: Date) -> Result<Self, String> {
        let Some(art) = raw.art.clone() else {
            return Err("Kommunikationsart skal angives".into());
        };
        if !KOMMUNIKATIONSARTER.iter().any(|(a, _)| *a == art) {
            let known: Vec<_> = KOMMUNIKATIONSARTER.iter().map(|(a, _)| *a).collect();
            return Err(format!(
                "Ukendt Kommunikationsart '{}' (kendte: {})",
                clip(&art),
                known.join(", ")
            ));
        }
        let start = request::item_date(raw.start.as_deref(), "Gyldighedsstart", today)?;
        let stop = request::item_date(raw.stop.as_deref(), "Gyldighedsstop", OPEN_END)?;
        if start > stop {
            return Err(format!("Gyldighedsstart {start} ligger efter Gyldighedsstop {stop}"));
        }
        let sequence = raw
            .sequence
            .as_deref()
            .map(|s| {
                snitflade_domain::ids::pad_digits(s, 3)
                    .ok_or_else(|| format!("Sekvensnummer '{}' skal være 1-3 cifre", clip(s)))
            })
            .transpose()?;
        if let Some(id) = &raw.id {
            validate_kommunikation(&art, id).map_err(|e| e.0)?;
        }
        Ok(Self {
            start,
            stop,
            sequence,
            art,
            id: raw.id.clone(),
        })
    }

    fn describe(&self) -> String {
        match &self.sequence {
            Some(s) => format!("Kommunikationsart {} med Sekvensnummer {s}", self.art),
            None => format!("Kommunikationsart {}", self.art),
        }
    }
}

/// What a change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Opret,
    Ret,
    Slet,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Opret => "opret",
            Self::Ret => "ret",
            Self::Slet => "slet",
        }
    }
}

/// One item's effect, for the audit trail and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub action: Action,
    pub art: String,
    pub sequence: Option<String>,
    pub before: Vec<CategoryRecord>,
    pub after: Option<CategoryRecord>,
}

/// What to write: registrations to close, records to insert, and the changes they make.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub close: Vec<String>,
    pub insert: Vec<CategoryRecord>,
    pub changes: Vec<Change>,
}

fn kommunikation(
    start: Date,
    stop: Date,
    sequence: Option<&str>,
    art: &str,
    id: &str,
) -> Result<CategoryRecord, String> {
    let mut values = vec![("Kommunikationsart", art), ("KommunikationsID", id)];
    if let Some(s) = sequence {
        values.push(("Sekvensnummer", s));
    }
    CategoryRecord::new(Category::Kommunikation, start, stop, values).map_err(|e| e.0)
}

/// The lowest Sekvensnummer not used by a record of this Kommunikationsart.
fn free_sequence(state: &[(Option<String>, CategoryRecord)], art: &str) -> Result<String, String> {
    (0..1000)
        .map(|n| format!("{n:03}"))
        .find(|s| {
            !state
                .iter()
                .any(|(_, r)| r.get("Kommunikationsart") == Some(art) && r.get("Sekvensnummer") == Some(s))
        })
        .ok_or_else(|| format!("Der er ingen ledige Sekvensnumre for Kommunikationsart {art}"))
}

/// Plans `items`, in order, on the employee's current Kommunikation records. `Err` is the text of StatusKode
/// 101 for the first item that cannot be done; then nothing is done.
pub fn plan(current: &[StoredRecord], items: &[Item]) -> Result<Plan, String> {
    let mut state: Vec<(Option<String>, CategoryRecord)> =
        current.iter().map(|r| (Some(r.id.clone()), r.record.clone())).collect();
    let mut changes = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let fail = |text: String| numbered(n, items.len(), &text);
        let matched: Vec<usize> = state
            .iter()
            .enumerate()
            .filter(|(_, (_, r))| {
                r.get("Kommunikationsart") == Some(item.art.as_str())
                    && item
                        .sequence
                        .as_deref()
                        .is_none_or(|s| r.get("Sekvensnummer") == Some(s))
                    && r.overlaps(item.start, item.stop)
            })
            .map(|(i, _)| i)
            .collect();
        if matched.is_empty() {
            let Some(id) = &item.id else {
                return Err(fail(format!(
                    "{} findes ikke i perioden {} - {} og kan ikke slettes",
                    item.describe(),
                    item.start,
                    item.stop
                )));
            };
            let sequence = match &item.sequence {
                Some(s) => s.clone(),
                None => free_sequence(&state, &item.art).map_err(fail)?,
            };
            let record = kommunikation(item.start, item.stop, Some(&sequence), &item.art, id).map_err(fail)?;
            state.push((None, record.clone()));
            changes.push(Change {
                action: Action::Opret,
                art: item.art.clone(),
                sequence: Some(sequence),
                before: Vec::new(),
                after: Some(record),
            });
            continue;
        }
        let mut sequences: Vec<Option<&str>> = matched.iter().map(|&i| state[i].1.get("Sekvensnummer")).collect();
        sequences.dedup();
        if sequences.len() > 1 {
            return Err(fail(format!(
                "Flere Kommunikation med Kommunikationsart {} gælder i perioden {} - {}; angiv Sekvensnummer",
                item.art, item.start, item.stop
            )));
        }
        let sequence = sequences[0].map(str::to_owned);
        let new = item
            .id
            .as_deref()
            .map(|id| kommunikation(item.start, item.stop, sequence.as_deref(), &item.art, id))
            .transpose()
            .map_err(fail)?;
        if let (Some(new), [only]) = (&new, matched.as_slice())
            && state[*only].1 == *new
        {
            continue; // already so: a resend changes nothing
        }
        let mut before = Vec::new();
        for &i in matched.iter().rev() {
            let (_, old) = state.remove(i);
            if old.valid_from < item.start {
                let end = item.start.yesterday().map_err(|e| fail(e.to_string()))?;
                state.push((None, old.with_validity(old.valid_from, end).map_err(|e| fail(e.0))?));
            }
            if old.valid_to > item.stop {
                let begin = item.stop.tomorrow().map_err(|e| fail(e.to_string()))?;
                state.push((None, old.with_validity(begin, old.valid_to).map_err(|e| fail(e.0))?));
            }
            before.insert(0, old);
        }
        if let Some(new) = &new {
            state.push((None, new.clone()));
        }
        changes.push(Change {
            action: if new.is_some() { Action::Ret } else { Action::Slet },
            art: item.art.clone(),
            sequence,
            before,
            after: new,
        });
    }
    let kept: Vec<&String> = state.iter().filter_map(|(id, _)| id.as_ref()).collect();
    Ok(Plan {
        close: current
            .iter()
            .filter(|r| !kept.contains(&&r.id))
            .map(|r| r.id.clone())
            .collect(),
        insert: state
            .into_iter()
            .filter(|(id, _)| id.is_none())
            .map(|(_, r)| r)
            .collect(),
        changes,
    })
}

enum Outcome {
    Done,
    NotFound,
    Deleted(Employment),
    Refused(String),
}

fn record_json(r: &CategoryRecord) -> serde_json::Value {
    let mut o = serde_json::json!({
        "Gyldighedsstart": r.valid_from.to_string(),
        "Gyldighedsstop": r.valid_to.to_string(),
    });
    for (name, value) in r.values() {
        o[name] = value.into();
    }
    o
}

/// Plans and writes the items in one transaction (all or nothing).
async fn write(
    services: &Services,
    call: &Call<'_>,
    kommune: Kommunekode,
    pernr: Pernr,
    items: Vec<Item>,
) -> Result<Outcome, snitflade_store::StoreError> {
    let actor = call.system.name.clone();
    let system_id = call.system.id.clone();
    services
        .store()
        .write(move |tx| {
            let (items, actor, system_id) = (items.clone(), actor.clone(), system_id.clone());
            Box::pin(async move {
                let Some(stored) = hr::employment(&mut **tx, kommune, pernr).await? else {
                    return Ok(Outcome::NotFound);
                };
                if stored.employment.status == EmploymentStatus::Deleted {
                    return Ok(Outcome::Deleted(stored.employment));
                }
                let current = hr::current_records(tx, kommune, pernr, Category::Kommunikation).await?;
                let plan = match plan(&current, &items) {
                    Ok(p) => p,
                    Err(text) => return Ok(Outcome::Refused(text)),
                };
                let now = snitflade_store::now_text();
                for id in &plan.close {
                    hr::close_record(tx, id, &now).await?;
                }
                for record in &plan.insert {
                    hr::insert_record(tx, kommune, pernr, record, &actor, &now).await?;
                }
                for change in &plan.changes {
                    let detail = serde_json::json!({
                        "system_id": system_id,
                        "action": change.action.as_str(),
                        "Kommunikationsart": change.art,
                        "Sekvensnummer": change.sequence,
                        "before": change.before.iter().map(record_json).collect::<Vec<_>>(),
                        "after": change.after.as_ref().map(record_json),
                    });
                    let entry = NewAudit {
                        actor: &actor,
                        interface: InterfaceId::Medarbejderoplysninger.as_str(),
                        action: "ret",
                        municipality: kommune,
                        pernr: Some(pernr),
                        detail,
                    };
                    hr::insert_audit(tx, &entry, &now).await?;
                    tx.emit(NewEvent {
                        kind: EVENT_KIND,
                        interface: InterfaceId::Medarbejderoplysninger.as_str(),
                        municipality: Some(kommune.to_string()),
                        object_id: Some(pernr.to_string()),
                        payload: serde_json::json!({
                            "pernr": pernr.to_string(),
                            "Kommunikationsart": change.art,
                            "Sekvensnummer": change.sequence,
                            "action": change.action.as_str(),
                        }),
                    });
                }
                Ok(Outcome::Done)
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn stored(id: &str, from: Date, to: Date, seq: &str, art: &str, value: &str) -> StoredRecord {
        StoredRecord {
            id: id.into(),
            pernr: Pernr::parse("101").unwrap(),
            record: kommunikation(from, to, Some(seq), art, value).unwrap(),
            registered_from: "2024-01-01T00:00:00.000000Z".into(),
            registered_to: None,
            registered_by: "demo".into(),
        }
    }

    fn item(start: Date, seq: Option<&str>, art: &str, id: Option<&str>) -> Item {
        Item {
            start,
            stop: OPEN_END,
            sequence: seq.map(Into::into),
            art: art.into(),
            id: id.map(Into::into),
        }
    }

    const TODAY: Date = date(2026, 3, 10);

    fn current() -> Vec<StoredRecord> {
        vec![
            stored("mail", date(2020, 1, 1), OPEN_END, "000", "0010", "anna@soroe.dk"),
            stored("phone", date(2020, 1, 1), OPEN_END, "000", "0020", "57876000"),
        ]
    }

    #[test]
    fn create_takes_the_lowest_free_sequence() {
        // Without a Sekvensnummer the existing e-mail overlaps: that is a change, not a create.
        let p = plan(&current(), &[item(TODAY, None, "0010", Some("a2@soroe.dk"))]).unwrap();
        assert_eq!(p.changes[0].action, Action::Ret);
        let p = plan(&current(), &[item(TODAY, None, "PMAI", Some("anna@privat.dk"))]).unwrap();
        assert!(p.close.is_empty());
        assert_eq!(p.insert.len(), 1);
        assert_eq!(p.insert[0].get("Sekvensnummer"), Some("000"));
        assert_eq!(p.changes[0].action, Action::Opret);
        let p = plan(&current(), &[item(TODAY, Some("001"), "0010", Some("a2@soroe.dk"))]).unwrap();
        assert_eq!(p.changes[0].action, Action::Opret);
        assert_eq!(p.insert[0].get("Sekvensnummer"), Some("001"));
    }

    #[test]
    fn change_delimits_the_old_record() {
        let p = plan(&current(), &[item(TODAY, Some("000"), "0010", Some("ny@soroe.dk"))]).unwrap();
        assert_eq!(p.close, ["mail"]);
        assert_eq!(p.insert.len(), 2);
        let old = p
            .insert
            .iter()
            .find(|r| r.get("KommunikationsID") == Some("anna@soroe.dk"))
            .unwrap();
        assert_eq!((old.valid_from, old.valid_to), (date(2020, 1, 1), date(2026, 3, 9)));
        let new = p
            .insert
            .iter()
            .find(|r| r.get("KommunikationsID") == Some("ny@soroe.dk"))
            .unwrap();
        assert_eq!(
            (new.valid_from, new.valid_to, new.get("Sekvensnummer")),
            (TODAY, OPEN_END, Some("000"))
        );
        assert_eq!(p.changes[0].action, Action::Ret);
        assert_eq!(p.changes[0].before.len(), 1);
        // From the record's own start: replaced whole.
        let p = plan(&current(), &[item(date(2020, 1, 1), None, "0010", Some("ny@soroe.dk"))]).unwrap();
        assert_eq!(p.insert.len(), 1);
    }

    #[test]
    fn delete_without_id_and_refusals() {
        let p = plan(&current(), &[item(date(2020, 1, 1), Some("0"), "0020", None)]).unwrap_err();
        // Sekvensnummer is padded by Item::new, not by plan: "0" matches nothing here.
        assert!(p.contains("findes ikke"), "{p}");
        let p = plan(&current(), &[item(date(2020, 1, 1), Some("000"), "0020", None)]).unwrap();
        assert_eq!(p.close, ["phone"]);
        assert!(p.insert.is_empty());
        assert_eq!(p.changes[0].action, Action::Slet);
        assert_eq!(p.changes[0].after, None);
        let e = plan(&current(), &[item(TODAY, None, "CELL", None)]).unwrap_err();
        assert!(e.contains("Kommunikationsart CELL findes ikke"), "{e}");
    }

    #[test]
    fn items_build_on_each_other_and_fail_together() {
        let items = [
            item(TODAY, None, "CELL", Some("20304050")),
            item(TODAY, Some("000"), "CELL", Some("20304051")),
        ];
        let p = plan(&current(), &items).unwrap();
        assert_eq!(p.insert.len(), 1);
        assert_eq!(p.insert[0].get("KommunikationsID"), Some("20304051"));
        assert_eq!(p.changes.len(), 2);
        let e = plan(&current(), &[items[0].clone(), item(TODAY, None, "MPHN", None)]).unwrap_err();
        assert!(e.starts_with("Kommunikation nr. 2:"), "{e}");
    }

    #[test]
    fn ambiguous_and_resent_items() {
        let mut cur = current();
        cur.push(stored("mail2", date(2020, 1, 1), OPEN_END, "001", "0010", "b@soroe.dk"));
        let e = plan(&cur, &[item(TODAY, None, "0010", Some("c@soroe.dk"))]).unwrap_err();
        assert!(e.contains("angiv Sekvensnummer"), "{e}");
        // The same values again: nothing to do.
        let p = plan(&cur, &[item(date(2020, 1, 1), Some("001"), "0010", Some("b@soroe.dk"))]).unwrap();
        assert_eq!(p, Plan::default());
    }

    #[test]
    fn items_are_validated() {
        let raw = |art: Option<&str>, id: Option<&str>, seq: Option<&str>, start: Option<&str>| KommunikationItem {
            start: start.map(Into::into),
            stop: None,
            sequence: seq.map(Into::into),
            art: art.map(Into::into),
            id: id.map(Into::into),
        };
        let ok = Item::new(&raw(Some("0010"), Some("a@b.dk"), Some("1"), None), TODAY).unwrap();
        assert_eq!(
            (ok.start, ok.stop, ok.sequence.as_deref()),
            (TODAY, OPEN_END, Some("001"))
        );
        for (r, want) in [
            (raw(None, Some("a@b.dk"), None, None), "Kommunikationsart skal angives"),
            (raw(Some("XXXX"), None, None, None), "Ukendt Kommunikationsart"),
            (
                raw(Some("0010"), Some("ikke-en-mail"), None, None),
                "ikke en gyldig værdi",
            ),
            (raw(Some("0010"), Some("a@b.dk"), Some("1234"), None), "Sekvensnummer"),
            (
                raw(Some("0010"), Some("a@b.dk"), None, Some("1.1.2026")),
                "Gyldighedsstart",
            ),
        ] {
            let e = Item::new(&r, TODAY).unwrap_err();
            assert!(e.contains(want), "{r:?}: {e}");
        }
    }
}
