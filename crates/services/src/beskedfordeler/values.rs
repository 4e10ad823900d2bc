//! tilfoejvaerdier, fjernvaerdier: a list's values are a set, so adding a value it holds or removing one it does
//! not is no error (20, nothing changes, no event). Only the owner changes a list, and a passive list not at all.

use super::lists::{event, owned, refused, reply, room_for};
use super::{Retur, request, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_soap::Element;
use snitflade_store::vaerdilister;

#[derive(Clone, Copy)]
enum Change {
    Add,
    Remove,
}

pub async fn tilfoej(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    change(services, call, root, Change::Add, "TilfoejVaerdierOutput").await
}

pub async fn fjern(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    change(services, call, root, Change::Remove, "FjernVaerdierOutput").await
}

async fn change(services: &Services, call: &Call<'_>, root: &Element, how: Change, out: &str) -> SoapReply {
    let (id, values) = match request::vaerdier(root) {
        Ok(r) => r,
        Err(e) => return refused(out, e),
    };
    let owner = call.system.id.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (id, owner, values) = (id.clone(), owner.clone(), values.clone());
            Box::pin(async move {
                if let Err(r) = owned(tx, &id, &owner, true).await? {
                    return Ok(r);
                }
                let now = snitflade_store::now_text();
                let (action, changed) = match how {
                    Change::Add => {
                        let current = vaerdilister::count_values(&mut **tx, &id).await?;
                        let mut new = 0;
                        for v in &values {
                            if !vaerdilister::values_include(&mut **tx, &id, v).await? {
                                new += 1;
                            }
                        }
                        if let Err(r) = room_for(current, new) {
                            return Ok(r);
                        }
                        (
                            "tilfoejvaerdier",
                            vaerdilister::add_values(tx, &id, &values, &now).await?,
                        )
                    }
                    Change::Remove => ("fjernvaerdier", vaerdilister::remove_values(tx, &id, &values).await?),
                };
                if changed > 0 {
                    vaerdilister::touch(tx, &id, &now).await?;
                    event(tx, &id, action, &owner, serde_json::json!({ "values": changed }));
                }
                Ok(Retur::ok())
            })
        })
        .await;
    match outcome {
        Ok(retur) => reply(out, &retur),
        Err(e) => store_failed(out, &e),
    }
}
