//! flytbeskedtilfejlkoe: a receiving system hands back a message it got (its `Haendelsesbesked` as received: the
//! `BeskedId`, and the dueslag in `Leverancerute/ErLeveretIHenholdTil`, which every delivery names) to have it moved
//! into that dueslag's fejlkø — whether it is still pending or was already delivered (a receiver that took a message
//! it cannot process). The move happens in the request's transaction; an attempt under way then records nothing, as
//! only pending deliveries are recorded. From the fejlkø an operator requeues it. Only the dueslag's own system may
//! ask (43 otherwise); an unknown dueslag, or a message that was not routed to it, is answered 44. Asking again for
//! a message already in the fejlkø is no error and changes nothing. Each move is recorded in `fejlkoe_requests`.

use super::answer;
use super::request::{self, RequestError};
use super::{Retur, StatusKode, store_failed};
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use snitflade_soap::Element;
use snitflade_store::dueslag;
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
            let (besked_id, dueslag_id, requested_by) = (besked_id.clone(), dueslag.clone(), requested_by.clone());
            Box::pin(async move {
                match dueslag::by_id(&mut **tx, &dueslag_id).await? {
                    None => {
                        return Ok(Retur::with(
                            StatusKode::NotFound,
                            format!("Dueslaget {dueslag_id} findes ikke"),
                        ));
                    }
                    Some(d) if d.system_id != requested_by => {
                        return Ok(Retur::with(
                            StatusKode::Forbidden,
                            format!(
                                "Dueslaget {dueslag_id} tilhører et andet it-system; kun dets eget kan flytte \
                                 beskeder til fejlkøen"
                            ),
                        ));
                    }
                    Some(_) => {}
                }
                let Some(delivery) = dueslag::delivery_of_message(&mut **tx, &dueslag_id, &besked_id).await? else {
                    return Ok(Retur::with(
                        StatusKode::NotFound,
                        format!("Beskeden {besked_id} findes ikke i dueslaget {dueslag_id}"),
                    ));
                };
                let now = snitflade_store::now_text();
                if dueslag::to_fejlkoe_on_request(tx, &dueslag_id, delivery.seq, &now).await? {
                    let r = FejlkoeRequest {
                        id: uuid::Uuid::now_v7().to_string(),
                        dueslag: dueslag_id,
                        besked_id,
                        requested_by,
                        requested_at: now,
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
