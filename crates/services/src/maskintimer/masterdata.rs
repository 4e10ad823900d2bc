//! `MobileEquipMasterdata_OS_SI`: an employee's machine-hours master data (§7.1.1 of KMD's machine-hours service
//! description), at most once per day per employee, and its `CN27_FaultMsg_FMT_OB` fault.

use super::MASTERDATA_NS;
use crate::dispatch::{Call, Services};
use crate::reply::SoapReply;
use crate::wire::text_fields;
use snitflade_domain::maskintimer::{MasterData, parse_dats};
use snitflade_domain::{Guid32, InterfaceId, Kommunekode, Pernr};
use snitflade_soap::{Element, Fault, FaultCode, XmlWriter, envelope_with};

const FIELDS: &[&str] = &["PERSONAL_ID", "DEVICE_TYPE", "REQUESTED_DATE", "GUID", "KOMMUNEKODE"];

/// The service description's fault: `CN27_FaultMsg_FMT_OB` / `standard` / `faultText` + one `faultDetail`.
fn cn27_fault(code: FaultCode, id: &str, url: &str, text: &str) -> SoapReply {
    let mut w = XmlWriter::new();
    w.start("ns0:CN27_FaultMsg_FMT_OB").attr("xmlns:ns0", MASTERDATA_NS);
    w.start("standard").leaf("faultText", "Der er opstået en fejl");
    w.start("faultDetail")
        .leaf("severity", "High")
        .leaf("text", text)
        .leaf("url", url)
        .leaf("id", id);
    let detail = w.finish();
    let fault = Fault {
        code,
        string: if code == FaultCode::Server {
            "Server Error"
        } else {
            "Client Error"
        }
        .to_owned(),
        detail: Some(detail),
    };
    SoapReply::fault(fault)
}

fn bad_request(text: &str) -> SoapReply {
    cn27_fault(FaultCode::Client, "03", "", text)
}

pub async fn handle(services: &Services, call: &Call<'_>, root: &Element) -> SoapReply {
    let fields = match text_fields(root, FIELDS, &[]) {
        Ok(f) => f.text,
        Err(e) => return bad_request(&e.0),
    };
    let named = match fields.get("KOMMUNEKODE").map(|k| Kommunekode::parse(k)).transpose() {
        Ok(k) => k,
        Err(e) => return bad_request(&e.to_string()),
    };
    let kommune = match call.municipality(services, InterfaceId::Maskintimer, named) {
        Ok(k) => k,
        Err(reply) => return reply,
    };
    let Some(personal_id) = fields.get("PERSONAL_ID") else {
        return bad_request("PERSONAL_ID skal udfyldes");
    };
    let pernr = match Pernr::parse(personal_id) {
        Ok(p) => p,
        Err(e) => return bad_request(&e.to_string()),
    };
    if let Some(d) = fields.get("REQUESTED_DATE")
        && parse_dats(d).is_none()
    {
        return bad_request("REQUESTED_DATE skal være en gyldig dato på formen ÅÅÅÅMMDD");
    }
    if let Some(g) = fields.get("GUID")
        && let Err(e) = Guid32::parse(g)
    {
        return bad_request(&e.to_string());
    }
    let md = match services.master_data(kommune, pernr).await {
        Ok(Some(md)) => md,
        Ok(None) => {
            return cn27_fault(
                FaultCode::Server,
                "01",
                "Usernull",
                &format!("Medarbejdernummer {pernr} findes ikke i systemet"),
            );
        }
        Err(e) => {
            crate::reply::log_store_failure("master data look-up", &e);
            return SoapReply::server_error();
        }
    };
    if services.config().masterdata_once_per_day {
        let (system_id, k, p, day) = (
            call.system.id.clone(),
            kommune.to_string(),
            pernr.to_string(),
            call.day.to_string(),
        );
        let first = services
            .store()
            .write(move |c| {
                let (system_id, k, p, day) = (system_id.clone(), k.clone(), p.clone(), day.clone());
                Box::pin(async move { snitflade_store::maskintimer::record_fetch(c, &system_id, &k, &p, &day).await })
            })
            .await;
        match first {
            Ok(true) => {}
            Ok(false) => {
                metrics::counter!("snitflade_maskintimer_masterdata_refused_total").increment(1);
                return cn27_fault(
                    FaultCode::Client,
                    "02",
                    "",
                    &format!(
                        "Masterdata for medarbejdernummer {pernr} er allerede hentet i dag ({}). Masterdata må kun \
                         hentes én gang pr. dag pr. medarbejder",
                        call.day
                    ),
                );
            }
            Err(e) => {
                crate::reply::log_store_failure("recording the master-data fetch", &e);
                return SoapReply::server_error();
            }
        }
    }
    let detail = serde_json::json!({ "networks": md.networks.len() });
    if let Err(reply) = crate::employee_time::audit_read(
        services,
        call,
        InterfaceId::Maskintimer,
        "masterdata",
        kommune,
        Some(pernr),
        detail,
    )
    .await
    {
        return reply;
    }
    SoapReply::ok(response(pernr, &md))
}

/// The response, element for element as the service description's example.
fn response(pernr: Pernr, md: &MasterData) -> String {
    envelope_with(|w| {
        w.start("ns0:ZPSA_CN27_MASTERDATA_RESPONSE_MT")
            .attr("xmlns:ns0", MASTERDATA_NS);
        w.leaf("PERNR", &pernr.to_string());
        for n in &md.networks {
            w.start("NETWORK_TBL")
                .leaf("NETWORK", &n.network)
                .leaf("KTEXT", &n.ktext)
                .end();
        }
        for a in &md.network_activities {
            w.start("NETWORK_ACTIVITY_TBL")
                .leaf("NETWORK", &a.network)
                .leaf("ACTIVITY", &a.activity);
            w.leaf_opt("SUBACTIVITY", a.subactivity.as_deref());
            w.leaf_opt("ACTIVITY_TEXT", a.activity_text.as_deref());
            w.end();
        }
        for a in &md.activity_types {
            w.start("ACTIVITY_TBL")
                .leaf("ARBPL", &a.arbpl)
                .leaf("LSTAR", &a.lstar)
                .leaf("LTEXT", &a.ltext)
                .end();
        }
        for c in &md.work_centers {
            w.start("WORK_CENTER_TBL")
                .leaf("WERKS", &c.werks)
                .leaf("ARBPL", &c.arbpl)
                .leaf("KTEXT", &c.ktext)
                .end();
        }
        w.end();
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_domain::maskintimer::seed_example_master_data;
    use snitflade_soap::{Limits, parse_envelope};

    /// Compares two XML documents by structure and text, ignoring prefixes and whitespace between elements.
    fn same_tree(a: &Element, b: &Element) -> bool {
        a.ns == b.ns
            && a.name == b.name
            && a.text.trim() == b.text.trim()
            && a.children.len() == b.children.len()
            && a.children.iter().zip(&b.children).all(|(x, y)| same_tree(x, y))
    }

    #[test]
    fn response_matches_the_seed_example_but_for_pernr() {
        let ours = response(Pernr::parse("1").unwrap(), &seed_example_master_data());
        let seed = include_str!("../../../../../shared/reference/seed-004/masterdata-response.xml");
        let a = parse_envelope(ours.as_bytes(), &Limits::default()).unwrap();
        let b = parse_envelope(seed.as_bytes(), &Limits::default()).unwrap();
        assert!(same_tree(&a.payload, &b.payload), "{ours}");
    }

    #[test]
    fn unknown_employee_fault_matches_the_seed() {
        let ours = cn27_fault(
            FaultCode::Server,
            "01",
            "Usernull",
            "Medarbejdernummer 77736333 findes ikke i systemet",
        );
        assert_eq!(ours.status, 500);
        let seed = include_str!("../../../../../shared/reference/seed-004/masterdata-fault-unknown-employee.xml");
        let a = parse_envelope(ours.body.as_bytes(), &Limits::default()).unwrap();
        let b = parse_envelope(seed.as_bytes(), &Limits::default()).unwrap();
        assert!(same_tree(&a.payload, &b.payload), "{}", ours.body);
    }
}
