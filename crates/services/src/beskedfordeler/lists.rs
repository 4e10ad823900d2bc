//! opretvaerdiliste, importvaerdiliste, retvaerdiliste, passivervaerdiliste, sletvaerdiliste: the changes to a
//! list as a whole. Each is one write (checks and change in the same transaction) with an outbox event
//! ([`super::EVENT_KIND`]). Opret chooses the UUID (OpretInput has none), import takes the client's.

use super::answer::{self, Shown};
use super::request::{self, Attributes, RequestError};
use super::{
    EVENT_KIND, MAX_LISTS_PER_SYSTEM, MAX_VALUES_PER_LIST, Retur, StatusKode, not_found, not_owner, passive,
    store_failed,
};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_soap::Element;
use snitflade_store::outbox::NewEvent;
use snitflade_store::vaerdilister::{self, ListState, StoredList};
use snitflade_store::{StoreError, Tx};

/// The answer to a request that could not be read.
pub(super) fn refused(root: &str, e: RequestError) -> SoapReply {
    match e {
        RequestError::Structure(text) => SoapReply::client_fault(text),
        RequestError::Invalid(text) => reply(root, &Retur::with(StatusKode::Invalid, text)),
    }
}

/// A StandardRetur-only answer.
pub(super) fn reply(root: &str, retur: &Retur) -> SoapReply {
    SoapReply::ok(answer::output(root, retur, |_| {}))
}

/// The event of a change to list `id`.
pub(super) fn event(tx: &mut Tx, id: &str, action: &str, owner: &str, detail: serde_json::Value) {
    let mut payload = serde_json::json!({ "list_id": id, "action": action, "owner_system_id": owner });
    if let (Some(p), serde_json::Value::Object(d)) = (payload.as_object_mut(), detail) {
        p.extend(d);
    }
    tx.emit(NewEvent {
        kind: EVENT_KIND,
        interface: "beskedfordeler",
        municipality: None,
        object_id: Some(id.to_owned()),
        payload,
    });
}

/// The list `id` as `owner` may change it: `Err` is the refusal (unknown, another's, passive when `active`).
pub(super) async fn owned(
    tx: &mut Tx,
    id: &str,
    owner: &str,
    active: bool,
) -> Result<Result<StoredList, Retur>, StoreError> {
    Ok(match vaerdilister::get(&mut **tx, id).await? {
        None => Err(not_found(id)),
        Some(l) if l.owner_system_id != owner => Err(not_owner(id)),
        Some(l) if active && l.state == ListState::Passiveret => Err(passive(id)),
        Some(l) => Ok(l),
    })
}

/// Creates list `id` for `owner` with `attrs` (opret and import).
async fn create(
    tx: &mut Tx,
    id: &str,
    owner: &str,
    attrs: &Attributes,
    livscyklus: &str,
) -> Result<Result<StoredList, Retur>, StoreError> {
    if vaerdilister::get(&mut **tx, id).await?.is_some() {
        return Ok(Err(Retur::with(
            StatusKode::Conflict,
            format!("Der findes allerede en værdiliste med UUID {id}"),
        )));
    }
    if vaerdilister::count_owned(&mut **tx, owner).await? >= MAX_LISTS_PER_SYSTEM {
        return Ok(Err(Retur::with(
            StatusKode::Invalid,
            format!("Et it-system kan højst eje {MAX_LISTS_PER_SYSTEM} værdilister; slet nogle først"),
        )));
    }
    let now = snitflade_store::now_text();
    let list = StoredList {
        id: id.to_owned(),
        name: attrs.name.clone(),
        description: attrs.description.clone().unwrap_or_default(),
        owner_system_id: owner.to_owned(),
        state: ListState::Aktiv,
        livscyklus: livscyklus.to_owned(),
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    vaerdilister::insert(tx, &list).await?;
    vaerdilister::add_values(tx, id, &attrs.values, &now).await?;
    let action = if livscyklus == "Importeret" { "import" } else { "opret" };
    event(
        tx,
        id,
        action,
        owner,
        serde_json::json!({ "values": attrs.values.len() }),
    );
    Ok(Ok(list))
}

/// Answers a created list: `root` with StandardRetur and, with 20, what `write` makes of it.
async fn created(
    services: &Services,
    call: &Call<'_>,
    id: String,
    attrs: Attributes,
    livscyklus: &'static str,
    root: &'static str,
    write: fn(&mut snitflade_soap::XmlWriter, &Shown<'_>),
) -> SoapReply {
    let owner = call.system.id.clone();
    let values = attrs.values.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (id, owner, attrs) = (id.clone(), owner.clone(), attrs.clone());
            Box::pin(async move { create(tx, &id, &owner, &attrs, livscyklus).await })
        })
        .await;
    match outcome {
        Ok(Ok(list)) => {
            let mut values = values;
            values.sort();
            let shown = Shown {
                list: &list,
                values: &values,
            };
            SoapReply::ok(answer::output(root, &Retur::ok(), |w| write(w, &shown)))
        }
        Ok(Err(retur)) => reply(root, &retur),
        Err(e) => store_failed(root, &e),
    }
}

/// opretvaerdiliste: a new list with a new UUID; the answer's Vaerdiliste carries it.
pub async fn opret(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let attrs = match request::opret(root) {
        Ok(a) => a,
        Err(e) => return refused("OpretOutput", e),
    };
    let id = uuid::Uuid::new_v4().to_string();
    created(
        services,
        call,
        id,
        attrs,
        "Opstaaet",
        "OpretOutput",
        answer::vaerdiliste,
    )
    .await
}

/// importvaerdiliste: a new list with the client's UUID (49 when it is taken), values included.
pub async fn import(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let (id, attrs) = match request::import(root) {
        Ok(r) => r,
        Err(e) => return refused("ImportOutput", e),
    };
    created(services, call, id, attrs, "Importeret", "ImportOutput", |w, s| {
        answer::registrering(w, s, None)
    })
    .await
}

/// retvaerdiliste: a new name and description; Vaerdi elements, when given, replace the values. Without an
/// AttributListe nothing changes.
pub async fn ret(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let (id, attrs) = match request::ret(root) {
        Ok(r) => r,
        Err(e) => return refused("RetOutput", e),
    };
    let owner = call.system.id.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (id, owner, attrs) = (id.clone(), owner.clone(), attrs.clone());
            Box::pin(async move {
                let list = match owned(tx, &id, &owner, true).await? {
                    Ok(l) => l,
                    Err(r) => return Ok(r),
                };
                let Some(attrs) = attrs else {
                    return Ok(Retur::ok());
                };
                let now = snitflade_store::now_text();
                let description = attrs.description.unwrap_or(list.description);
                vaerdilister::update_attributes(tx, &id, &attrs.name, &description, "Rettet", &now).await?;
                let replaced = !attrs.values.is_empty();
                if replaced {
                    let old = vaerdilister::values(&mut **tx, &id).await?;
                    let gone: Vec<String> = old.into_iter().filter(|v| !attrs.values.contains(v)).collect();
                    vaerdilister::remove_values(tx, &id, &gone).await?;
                    vaerdilister::add_values(tx, &id, &attrs.values, &now).await?;
                }
                event(
                    tx,
                    &id,
                    "ret",
                    &owner,
                    serde_json::json!({ "values_replaced": replaced }),
                );
                Ok(Retur::ok())
            })
        })
        .await;
    match outcome {
        Ok(retur) => reply("RetOutput", &retur),
        Err(e) => store_failed("RetOutput", &e),
    }
}

/// passivervaerdiliste: the list stays but contains nothing for the subscription filters. Passivating a
/// passive list again is no error.
pub async fn passiver(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let id = match request::uuid_note(root) {
        Ok(id) => id,
        Err(e) => return refused("PassiverOutput", e),
    };
    let owner = call.system.id.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (id, owner) = (id.clone(), owner.clone());
            Box::pin(async move {
                let list = match owned(tx, &id, &owner, false).await? {
                    Ok(l) => l,
                    Err(r) => return Ok(r),
                };
                if list.state == ListState::Aktiv {
                    let now = snitflade_store::now_text();
                    vaerdilister::set_state(tx, &id, ListState::Passiveret, "Passiveret", &now).await?;
                    event(tx, &id, "passiver", &owner, serde_json::json!({}));
                }
                Ok(Retur::ok())
            })
        })
        .await;
    match outcome {
        Ok(retur) => reply("PassiverOutput", &retur),
        Err(e) => store_failed("PassiverOutput", &e),
    }
}

/// sletvaerdiliste: the list and its values are gone.
pub async fn slet(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let id = match request::uuid_note(root) {
        Ok(id) => id,
        Err(e) => return refused("SletOutput", e),
    };
    let owner = call.system.id.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (id, owner) = (id.clone(), owner.clone());
            Box::pin(async move {
                if let Err(r) = owned(tx, &id, &owner, false).await? {
                    return Ok(r);
                }
                vaerdilister::delete(tx, &id).await?;
                event(tx, &id, "slet", &owner, serde_json::json!({}));
                Ok(Retur::ok())
            })
        })
        .await;
    match outcome {
        Ok(retur) => reply("SletOutput", &retur),
        Err(e) => store_failed("SletOutput", &e),
    }
}

/// Whether a list with `current` values may take `adding` more (at most [`MAX_VALUES_PER_LIST`]).
pub(super) fn room_for(current: i64, adding: usize) -> Result<(), Retur> {
    if current + adding as i64 > MAX_VALUES_PER_LIST {
        return Err(Retur::with(
            StatusKode::Invalid,
            format!("En værdiliste kan højst indeholde {MAX_VALUES_PER_LIST} værdier (den har {current})"),
        ));
    }
    Ok(())
}
