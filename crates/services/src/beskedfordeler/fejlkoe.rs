//! flytbeskedtilfejlkoe: a system asks to move a message (its BeskedId) of a dueslag (the message's
//! `Leverancerute/ErLeveretIHenholdTil`) into that dueslag's error queue. The request is recorded in
//! `fejlkoe_requests`; the delivery engine honours it. A message is known when the outbox holds it (the
//! Beskedfordeler's messages are its events, BeskedId = the event's id); an unknown one is answered 44. Asking
//! again for the same message and dueslag is no error and records nothing new.

use super::answer;
use super::request::{self, RequestError};
use super::{Retur, StatusKode, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_soap::Element;
use snitflade_store::vaerdilister::{self, FejlkoeRequest};

fn reply(retur: &Retur) -> SoapReply {
    SoapReply::ok(answer::flyt_output(retur))
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let (besked_id, dueslag) = match request::flyt(root) {
        Ok(r) => r,
        Err(RequestError::Structure(text)) => return SoapReply::client_fault(text),
        Err(RequestError::Invalid(text)) => return reply(&Retur::with(StatusKode::Invalid, text)),
    };
    let requested_by = call.system.id.clone();
    let outcome = services
        .store()
        .write(move |tx| {
            let (besked_id, dueslag, requested_by) = (besked_id.clone(), dueslag.clone(), requested_by.clone());
            Box::pin(async move {
                if !vaerdilister::message_known(&mut **tx, &besked_id).await? {
                    return Ok(Retur::with(
                        StatusKode::NotFound,
                        format!("Beskeden {besked_id} findes ikke i dueslaget {dueslag}"),
                    ));
                }
                let earlier = vaerdilister::fejlkoe_requests(&mut **tx, &dueslag).await?;
                if !earlier.iter().any(|r| r.besked_id == besked_id) {
                    let r = FejlkoeRequest {
                        id: uuid::Uuid::now_v7().to_string(),
                        dueslag,
                        besked_id,
                        requested_by,
                        requested_at: snitflade_store::now_text(),
                    };
                    vaerdilister::insert_fejlkoe_request(tx, &r).await?;
                }
                Ok(Retur::ok())
            })
        })
        .await;
    match outcome {
        Ok(retur) => reply(&retur),
        Err(e) => store_failed("flytbeskedtilfejlkoe", &e),
    }
}
