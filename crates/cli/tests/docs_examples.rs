//! The example messages in docs/examples/, which the book's getting-started chapter and interface chapters send
//! with curl: each one is sent, as the book says, to a fresh demo server and must be accepted — so the examples
//! cannot rot — and every file in the folder is one of them.

mod common;

use common::{Server, post_soap_as};

/// File, demo system, path on the services listener, and what the answer must contain (checked in this order:
/// `onetime-read.json` reads what `onetime-update.json` registered).
const EXAMPLES: &[(&str, &str, &str, &str)] = &[
    (
        "masterdata-request.xml",
        "maskinregistrering",
        "/ws/MobileEquipMasterdata_OS_SI",
        "<PERNR>00012345</PERNR>",
    ),
    (
        "registration-request.xml",
        "maskinregistrering",
        "/ws/MobileEquipRegistration_OS_SI",
        "<SOAP:Body",
    ),
    (
        "employee-laes-request.xml",
        "vikarsystem",
        "/ws/Employee_Provide_Out",
        "StatusKode>0<",
    ),
    (
        "absence-request.xml",
        "dagtilbud",
        "/ws/SetAbsenceAttendance_OS_SI",
        "StatusType>S<",
    ),
    (
        "quotas-request.xml",
        "dagtilbud",
        "/ws/GetAbsenceQuotas_OS_SI",
        "StatusType>S<",
    ),
    (
        "work-schedule-request.xml",
        "dagtilbud",
        "/ws/GetWorkSchedule_OS_SI",
        "StatusType>S<",
    ),
    (
        "supplements-request.xml",
        "loen",
        "/ws/SetFixedSupplement_OS_SI?kommune=0340",
        "StatusType>S<",
    ),
    (
        "document-upload.xml",
        "rekruttering",
        "/ws/UploadDocument_OS_SI",
        "StatusType>S<",
    ),
    (
        "onetime-update.json",
        "kantine",
        "/lpe/update-onetime-payments",
        "\"Status\":\"0\"",
    ),
    (
        "onetime-read.json",
        "kantine",
        "/lpe/read-onetime-payments",
        "\"Indv_Bemaerkning_1\":\"Frokost\"",
    ),
];

fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

#[tokio::test]
async fn every_example_message_in_the_book_is_accepted_by_the_demo() {
    let s = Server::start().await;
    for (file, system, path, expected) in EXAMPLES {
        let body = std::fs::read(examples_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let content_type = if file.ends_with(".json") {
            "application/json"
        } else {
            "text/xml; charset=utf-8"
        };
        let url = format!("https://{}{path}", s.proc.services);
        let reply = post_soap_as(&s.client(system), &url, content_type, body).await;
        assert_eq!(reply.status, reqwest::StatusCode::OK, "{file}: {}", reply.body);
        assert!(reply.body.contains(expected), "{file}: no {expected} in {}", reply.body);
        assert!(!reply.body.contains("StatusType>E<"), "{file}: {}", reply.body);
    }
    // The registration was registered, not filed in the error-handling table.
    let registered = s.admin.registrations_for("D72AA18BC8C9417E83C77F7CF55C7FC3").await;
    assert_eq!(registered.len(), 1, "{registered:?}");
}

#[test]
fn every_file_in_the_examples_folder_is_tested() {
    let mut files: Vec<String> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut tested: Vec<String> = EXAMPLES.iter().map(|(f, ..)| (*f).to_owned()).collect();
    tested.sort();
    assert_eq!(files, tested);
}
