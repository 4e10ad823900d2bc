//! SF1460_C: messages other systems publish to `AFSEND_BESKED_EXCHANGE`. Each is checked — the `token` header
//! (a publisher token from the admin API, or a token from Adgangsstyring's STS for the Beskedfordeler, whose CVR
//! must then be the message's), the envelope (a `Haendelsesbesked`), and that the publisher is granted
//! the `beskedfordeler` interface in the municipality its `ObjektAnsvarligMyndighed` names — then kept in the outbox
//! (from where it is routed to the matching dueslag like any event) and answered with a `StandardRetur` on the
//! message's `replyTo`, carrying its `correlationId`. The inbound message is acked only after the answer is sent,
//! and after the outbox transaction has committed: nothing is acked before it is durably kept. If the database
//! cannot be written, the message is not answered but returned to the queue, and the publisher's resend (same
//! `BeskedId`) is answered once it has been kept — a `BeskedId` is kept once, however often it is sent.

use crate::DeliveryConfig;
use crate::envelope::SAGDOK_NS;
use crate::received::Received;
use crate::tokens::{self, StsCheck, StsTokens, TokenCheck};
use futures_lite::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicNackOptions, BasicPublishOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, Consumer};
use snitflade_access::{AccessControl, SystemInfo};
use snitflade_domain::{InterfaceId, Kommunekode};
use snitflade_soap::XmlWriter;
use snitflade_store::retry::RepeatLog;
use snitflade_store::{Store, StoreError, now_text, publishing};
use std::sync::Arc;
use std::time::Duration;

/// The answer codes of SF1460_C as snitflade gives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKode {
    /// 20: received and kept (also for a resend of a message already kept).
    Ok = 20,
    /// 40: the message is not a valid `Haendelsesbesked` (or its `BeskedId` belongs to another publisher).
    InvalidMessage = 40,
    /// 41: the token has expired; get a new one.
    TokenExpired = 41,
    /// 43: no token, an unknown or revoked token, or no `beskedfordeler` grant in the message's municipality (as
    /// the værdiliste service answers 43 for another system's list: not permitted).
    NotAuthorised = 43,
}

/// A `StandardRetur` document (namespace `urn:oio:sagdok:3.0.0`).
pub fn standard_retur(kode: StatusKode, text: &str) -> String {
    let mut w = XmlWriter::with_capacity(256);
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    w.start("sd:StandardRetur")
        .attr("xmlns:sd", SAGDOK_NS)
        .leaf("sd:StatusKode", &(kode as i32).to_string())
        .leaf_opt("sd:FejlbeskedTekst", Some(text).filter(|t| !t.is_empty()))
        .end();
    w.finish()
}

pub(super) struct Inbound {
    store: Store,
    access: AccessControl,
    sts: Option<Arc<dyn StsTokens>>,
    consumer: Consumer,
    replies: Channel,
}

impl Inbound {
    pub(super) async fn start(
        conn: &Connection,
        store: Store,
        access: AccessControl,
        sts: Option<Arc<dyn StsTokens>>,
        config: &DeliveryConfig,
    ) -> Result<Self, lapin::Error> {
        let channel = conn.create_channel().await?;
        channel
            .basic_qos(config.amqp_prefetch, BasicQosOptions::default())
            .await?;
        let consumer = channel
            .basic_consume(
                config.amqp_inbound_queue.as_str().into(),
                "snitflade".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let replies = conn.create_channel().await?;
        Ok(Self {
            store,
            access,
            sts,
            consumer,
            replies,
        })
    }

    pub(super) async fn run(mut self) -> Result<(), lapin::Error> {
        let log = RepeatLog::new("keeping published messages");
        while let Some(delivery) = self.consumer.next().await {
            let delivery = delivery?;
            match self.receive(&delivery).await {
                Ok((kode, text)) => {
                    log.succeeded();
                    self.answer(&delivery, kode, &text).await?;
                    delivery.ack(BasicAckOptions::default()).await?;
                    metrics::counter!("snitflade_amqp_received_total", "status" => (kode as i32).to_string())
                        .increment(1);
                }
                Err(e) => {
                    // The message goes back to the queue, and is read again after a pause.
                    log.failed(&e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    delivery
                        .nack(BasicNackOptions {
                            requeue: true,
                            ..Default::default()
                        })
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// Sends the `StandardRetur` to the message's `replyTo`, if it is a reply queue: direct reply-to
    /// (`amq.rabbitmq.reply-to…`) or a server-named exclusive queue (`amq.gen-…`). Any other name — a dueslag's queue,
    /// say — gets no answer, so that publishing cannot be used to drop messages into other queues.
    async fn answer(&self, delivery: &Delivery, kode: StatusKode, text: &str) -> Result<(), lapin::Error> {
        let Some(reply_to) = delivery.properties.reply_to() else {
            return Ok(());
        };
        if !is_reply_queue(reply_to.as_str()) {
            tracing::warn!(reply_to = %reply_to.as_str().chars().take(100).collect::<String>(),
                "a published message names a replyTo that is not a reply queue: not answered");
            return Ok(());
        }
        let mut properties = BasicProperties::default().with_content_type("application/xml".into());
        if let Some(c) = delivery.properties.correlation_id() {
            properties = properties.with_correlation_id(c.clone());
        }
        self.replies
            .basic_publish(
                "".into(),
                reply_to.clone(),
                BasicPublishOptions::default(),
                standard_retur(kode, text).as_bytes(),
                properties,
            )
            .await?;
        Ok(())
    }

    /// Checks and keeps one message: the answer, or a database error (then the message is retried).
    async fn receive(&self, delivery: &Delivery) -> Result<(StatusKode, String), StoreError> {
        let Some(token) = header_text(delivery.properties.headers().as_ref(), "token") else {
            return Ok((StatusKode::NotAuthorised, "Beskeden har ingen token-header".into()));
        };
        let (system, token_cvr) = match self.publisher(&token).await? {
            Ok(p) => p,
            Err(refused) => return Ok(refused),
        };
        let message = match Received::parse(&delivery.data) {
            Ok(m) => m,
            Err(e) => return Ok((StatusKode::InvalidMessage, e.to_string())),
        };
        let municipality = snitflade_store::access::municipalities(self.store.pool())
            .await?
            .into_iter()
            .find(|m| m.cvr == message.cvr);
        let Some(municipality) = municipality else {
            return Ok((
                StatusKode::NotAuthorised,
                format!("Myndigheden urn:oio:cvr-nr:{} er ikke en kommune her", message.cvr),
            ));
        };
        if let Some(cvr) = token_cvr.filter(|c| *c != message.cvr) {
            return Ok((
                StatusKode::NotAuthorised,
                format!(
                    "Tokenet er udstedt til CVR {cvr}, beskeden er for urn:oio:cvr-nr:{}",
                    message.cvr
                ),
            ));
        }
        let today = snitflade_domain::maskintimer::copenhagen_day(jiff::Timestamp::now());
        let granted = Kommunekode::parse(&municipality.code).is_ok_and(|k| {
            self.access
                .municipalities(&system, InterfaceId::Beskedfordeler, today)
                .contains(&k)
        });
        if !granted {
            return Ok((
                StatusKode::NotAuthorised,
                format!(
                    "Systemet '{}' har ikke adgang til at aflevere beskeder for kommune {}",
                    system.name, municipality.code
                ),
            ));
        }
        let besked_id = message.besked_id.to_string();
        let message_id = delivery.properties.message_id().as_ref().map(|m| m.to_string());
        let event = message.event(&system.name, &municipality.code);
        let system_id = system.id.clone();
        let (id, sys) = (besked_id.clone(), system_id.clone());
        let kept = self
            .store
            .write(move |tx| {
                let (event, id, sys, message_id) = (event.clone(), id.clone(), sys.clone(), message_id.clone());
                Box::pin(async move {
                    let fresh = publishing::record_received(tx, &id, &sys, message_id.as_deref(), &now_text()).await?;
                    if fresh {
                        tx.emit(event);
                    }
                    Ok(fresh)
                })
            })
            .await?;
        if kept {
            return Ok((StatusKode::Ok, String::new()));
        }
        match publishing::received_by(self.store.pool(), &besked_id).await? {
            Some(first) if first == system_id => Ok((StatusKode::Ok, String::new())),
            _ => Ok((
                StatusKode::InvalidMessage,
                format!("BeskedId {besked_id} er allerede afleveret af et andet system"),
            )),
        }
    }
}

impl Inbound {
    /// The system a message's `token` header names, with the CVR an STS token is for; or the answer refusing it.
    async fn publisher(
        &self,
        token: &str,
    ) -> Result<Result<(SystemInfo, Option<String>), (StatusKode, String)>, StoreError> {
        if let Some(sts) = self.sts.as_ref().filter(|_| !tokens::is_publisher_token(token)) {
            return Ok(match sts.check(token) {
                StsCheck::Valid { system, cvr } => Ok((system, Some(cvr))),
                StsCheck::Expired(text) => Err((StatusKode::TokenExpired, text)),
                StsCheck::Refused(text) => Err((StatusKode::NotAuthorised, text)),
            });
        }
        Ok(match tokens::check(&self.store, token, &now_text()).await {
            Ok(TokenCheck::Valid(t)) => Ok((
                SystemInfo {
                    id: t.system_id,
                    name: t.system_name,
                },
                None,
            )),
            Ok(TokenCheck::Expired(t)) => Err((StatusKode::TokenExpired, format!("Token er udløbet {}", t.expires_at))),
            Ok(TokenCheck::Refused) => Err((StatusKode::NotAuthorised, "Token er ukendt eller tilbagekaldt".into())),
            Err(crate::dueslag::DueslagError::Store(e)) => return Err(e),
            Err(e) => Err((StatusKode::NotAuthorised, e.to_string())),
        })
    }
}

/// Whether `name` is a queue replies may go to.
fn is_reply_queue(name: &str) -> bool {
    name.starts_with("amq.rabbitmq.reply-to") || name.starts_with("amq.gen-")
}

/// A header's value as text (publishers send strings as long or short strings, some as bytes).
fn header_text(headers: Option<&FieldTable>, name: &str) -> Option<String> {
    let value = headers?.inner().get(name)?;
    let text = match value {
        AMQPValue::LongString(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
        AMQPValue::ShortString(s) => s.as_str().to_owned(),
        AMQPValue::ByteArray(b) => String::from_utf8_lossy(b.as_slice()).into_owned(),
        _ => return None,
    };
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_is_a_standard_retur() {
        assert_eq!(
            standard_retur(StatusKode::Ok, ""),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sd:StandardRetur xmlns:sd=\"urn:oio:sagdok:3.0.0\">\
             <sd:StatusKode>20</sd:StatusKode></sd:StandardRetur>"
        );
        assert!(
            standard_retur(StatusKode::TokenExpired, "Token er udløbet")
                .contains("<sd:StatusKode>41</sd:StatusKode><sd:FejlbeskedTekst>Token er udløbet</sd:FejlbeskedTekst>")
        );
    }

    #[test]
    fn replies_go_only_to_reply_queues() {
        assert!(is_reply_queue("amq.rabbitmq.reply-to"));
        assert!(is_reply_queue("amq.rabbitmq.reply-to.g1h2AA==.xyz"));
        assert!(is_reply_queue("amq.gen-JzTY20BRgKO-HjmUJj0wLg"));
        assert!(!is_reply_queue("0d6c7a5e-1b1f-4d36-9a34-3f1a3c2b9e01"));
        assert!(!is_reply_queue("snitflade.afsend-besked"));
    }

    #[test]
    fn header_text_reads_the_string_forms() {
        let mut h = FieldTable::default();
        h.insert("token".into(), AMQPValue::LongString("bf_abc ".into()));
        h.insert("other".into(), AMQPValue::LongLongInt(5));
        assert_eq!(header_text(Some(&h), "token").as_deref(), Some("bf_abc"));
        assert_eq!(header_text(Some(&h), "other"), None);
        assert_eq!(header_text(Some(&h), "missing"), None);
        assert_eq!(header_text(None, "token"), None);
    }
}
