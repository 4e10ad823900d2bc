//! The services in process, without HTTP or TLS: what `Services::handle` answers for situations the demo cannot
//! set up from outside (two systems granted the same interface).

mod common;

use common::{grant, system};
use snitflade_domain::InterfaceId;
use snitflade_domain::maskintimer::seed_example_master_data;
use snitflade_services::{Services, ServicesConfig, find_service};
use tempfile::TempDir;

async fn services() -> (TempDir, Services) {
    let (dir, store) = common::store(&[("0751", "Aarhus Kommune", "55133018")], &["a", "b"]).await;
    store
        .write(|c| {
            Box::pin(async move {
                snitflade_store::maskintimer::upsert_employee(c, "0751", "00012345", "Mads").await?;
                snitflade_store::maskintimer::put_master_data(c, "0751", "00012345", &seed_example_master_data()).await
            })
        })
        .await
        .unwrap();
    let grants = vec![
        grant("a", InterfaceId::Maskintimer, "0751"),
        grant("b", InterfaceId::Maskintimer, "0751"),
    ];
    (dir, common::services(store, grants, ServicesConfig::default()))
}

fn registration(ex_ident: &str, act_work: &str) -> String {
    format!(
        "<s:Envelope xmlns:s='http://schemas.xmlsoap.org/soap/envelope/' xmlns:k='http://kmd.dk/mobile_equipreg/kmd'>\
         <s:Body><k:ZPSA_CN27_DATA_MT><PERSONAL_ID>00012345</PERSONAL_ID><NETWORK>000000519827</NETWORK>\
         <EX_IDENT>{ex_ident}</EX_IDENT><I_CONFIRMATION><ACTIVITY>0300</ACTIVITY><WORK_CNTR>70510004</WORK_CNTR>\
         <PLANT>0020</PLANT><POSTG_DATE>20261120</POSTG_DATE><ACT_TYPE>5117</ACT_TYPE><ACT_WORK>{act_work}</ACT_WORK>\
         </I_CONFIRMATION><KOMMUNEKODE>0751</KOMMUNEKODE></k:ZPSA_CN27_DATA_MT></s:Body></s:Envelope>"
    )
}

#[tokio::test]
async fn an_ex_ident_of_another_system_is_refused_not_swallowed() {
    let (_dir, services) = services().await;
    let def = find_service("MobileEquipRegistration_OS_SI").unwrap();
    let ex = "0123456789ABCDEF0123456789ABCDEF";

    let first = services
        .handle(def, &system("a"), None, registration(ex, "1.00").as_bytes())
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    // The same system's resend is answered as the first was.
    let resend = services
        .handle(def, &system("a"), None, registration(ex, "9.00").as_bytes())
        .await;
    assert_eq!(resend.status, 200, "{}", resend.body);
    // Another system with the same EX_IDENT gets a Client fault naming the clash.
    let other = services
        .handle(def, &system("b"), None, registration(ex, "2.00").as_bytes())
        .await;
    assert_eq!(other.status, 500, "{}", other.body);
    assert!(other.body.contains("SOAP:Client"), "{}", other.body);
    assert!(
        other.body.contains("allerede brugt af et andet system"),
        "{}",
        other.body
    );

    let rows = snitflade_store::maskintimer::registrations(services.store().pool(), Some(ex), None, 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].act_work, "1.00");
    assert_eq!(rows[0].system, "system-a");
}
