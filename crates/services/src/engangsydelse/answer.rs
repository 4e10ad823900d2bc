//! The JSON answers of Engangsydelser: a `Header` with `Timestamp` and `Status`, the `Medarbejder` as sent, the
//! `Meddelelse` entries (`Timestamp`, `Kode`, `Type`, `Tekst`) and, for a read, the `Engangsydelser`. Values are
//! strings, as in the requests; `Loebenummer` is a number.

use serde_json::{Value, json};
use snitflade_domain::onetime::remark_lines;
use snitflade_domain::payroll::value_text;
use snitflade_store::onetime::StoredPayment;

/// `Header.Status`: accepted (registered, validated, or read with data).
pub const STATUS_OK: &str = "0";
/// `Header.Status` of a read: "Data ikke fundet."
pub const STATUS_NOT_FOUND: &str = "1";
/// `Header.Status`: refused; the `Meddelelse` entries of type `E` say why, and nothing was registered.
pub const STATUS_REFUSED: &str = "2";

/// An answer: HTTP status and JSON body.
#[derive(Debug, Clone)]
pub struct JsonReply {
    pub status: u16,
    pub body: String,
}

/// One `Meddelelse` entry.
#[derive(Debug, Clone)]
pub struct Message {
    timestamp: String,
    code: u16,
    kind: &'static str,
    text: String,
}

/// A time as the answers write it: RFC 3339 UTC to the second.
pub fn timestamp_text(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Message {
    pub fn error(now: jiff::Timestamp, code: u16, text: impl Into<String>) -> Self {
        Self::new(now, code, "E", text)
    }

    pub fn success(now: jiff::Timestamp, text: impl Into<String>) -> Self {
        Self::new(now, 0, "S", text)
    }

    pub fn info(now: jiff::Timestamp, code: u16, text: impl Into<String>) -> Self {
        Self::new(now, code, "I", text)
    }

    fn new(now: jiff::Timestamp, code: u16, kind: &'static str, text: impl Into<String>) -> Self {
        Self {
            timestamp: timestamp_text(now),
            code,
            kind,
            text: text.into(),
        }
    }

    fn to_json(&self) -> Value {
        json!({"Timestamp": self.timestamp, "Kode": self.code.to_string(), "Type": self.kind, "Tekst": self.text})
    }
}

fn messages(list: &[Message]) -> Value {
    Value::Array(list.iter().map(Message::to_json).collect())
}

impl JsonReply {
    fn new(status: u16, body: &Value) -> Self {
        Self {
            status,
            body: body.to_string(),
        }
    }

    /// A request refused as a whole before any payment was looked at (HTTP 400, 403 or 413).
    pub fn refused(status: u16, now: jiff::Timestamp, message: Message) -> Self {
        Self::refused_all(status, now, vec![message])
    }

    /// A request refused as a whole for several reasons (e.g. each unknown key).
    pub fn refused_all(status: u16, now: jiff::Timestamp, list: Vec<Message>) -> Self {
        Self::new(
            status,
            &json!({"Header": {"Timestamp": timestamp_text(now), "Status": STATUS_REFUSED},
                    "Meddelelse": messages(&list)}),
        )
    }

    /// A request the transport refused (too large, unreadable, timed out): HTTP `status`, code 900.
    pub fn transport(status: u16, text: impl Into<String>) -> Self {
        let now = jiff::Timestamp::now();
        Self::refused(status, now, Message::error(now, 900, text))
    }

    /// The answer of an update.
    pub fn update(
        now: jiff::Timestamp,
        update_id: Option<&str>,
        status: &str,
        employee: &Value,
        list: &[Message],
    ) -> Self {
        let mut header = json!({"Timestamp": timestamp_text(now), "Status": status});
        if let Some(id) = update_id {
            header["OpdateringsID"] = id.into();
        }
        Self::new(
            200,
            &json!({"Header": header, "Medarbejder": employee, "Meddelelse": messages(list)}),
        )
    }

    /// The answer of a read.
    pub fn read(now: jiff::Timestamp, employee: &Value, payments: &[StoredPayment], list: &[Message]) -> Self {
        let status = if payments.is_empty() {
            STATUS_NOT_FOUND
        } else {
            STATUS_OK
        };
        let items: Vec<Value> = payments.iter().map(payment).collect();
        Self::new(
            200,
            &json!({"Header": {"Timestamp": timestamp_text(now), "Status": status}, "Medarbejder": employee,
                    "Engangsydelser": items, "Meddelelse": messages(list)}),
        )
    }
}

/// A registered payment as the read answer gives it. Absent values are written as SAP does: `"0.00"` and `""`.
fn payment(s: &StoredPayment) -> Value {
    let p = &s.payment;
    let value = |d: Option<rust_decimal::Decimal>| d.map_or_else(|| "0.00".to_owned(), value_text);
    let (remark_1, remark_2) = remark_lines(&p.remark);
    json!({
        "Startdato": format!("{}T00:00:00Z", p.start_date),
        "Objekt_id": s.id,
        "Loenart": p.wage_type,
        "Loebenummer": p.running_no,
        "Sekvensnummer": p.seq,
        "Beloeb": value(p.amount),
        "Antal": value(p.quantity),
        "Afv_Timeloen": value(p.hourly_rate),
        "Afv_Omkostningssted": p.cost_centre.clone().unwrap_or_default(),
        "Afv_PSP_Element": p.psp_element.clone().unwrap_or_default(),
        "Afsendelses_System": p.sender,
        "Indv_Bemaerkning_1": remark_1,
        "Indv_Bemaerkning_2": remark_2,
    })
}
