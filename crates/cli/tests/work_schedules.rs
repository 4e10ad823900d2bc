//! Mødetidsplaner against the real server (`serve --demo`), as the outside audit found it: the part-timer
//! 00000111 (32 hours a week) gets a new schedule by INS, which is then deleted — the demo schedule must run on as
//! before, so that a sick day costs the part-timer's 6.40 hours and not the standard week's 7.40.

mod common;

use reqwest::StatusCode;

const SCHEDULES_NS: &str = "urn:snitflade:opus:moedetidsplaner:1";
const ABSENCE_NS: &str = "urn:kmd.dk:LPT:VACAB:external";

fn envelope(root: &str, ns: &str, body: &str) -> String {
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:{root} xmlns:ns0=\"{ns}\">{body}</ns0:{root}></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    )
}

/// Calls `service` as the demo's daycare system; the answer's payload (HTTP 200 required).
async fn call(server: &common::Server, service: &str, ns: &str, body: &str) -> common::Node {
    let root = service.replace("_OS_SI", "Request_MT");
    let reply = common::post_soap(
        &server.client("dagtilbud"),
        &server.ws_url(service),
        envelope(&root, ns, body),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let node = common::parse_xml(&reply.body).expect("a SOAP answer");
    let body = node.children.iter().find(|c| c.name == "Body").expect("Body");
    body.children[0].clone()
}

/// `(StatusType, MessageText)`.
fn status(payload: &common::Node) -> (String, String) {
    let rs = payload.child("ReturnStatus").expect("ReturnStatus");
    let t = |n: &str| rs.child_text(n).unwrap_or_default().to_owned();
    (t("StatusType"), t("MessageText"))
}

/// 00000111's schedules: (ScheduleId, StartDate, EndDate, WeeklyHours).
async fn schedules(server: &common::Server) -> Vec<[String; 4]> {
    let e = call(
        server,
        "GetWorkSchedule_OS_SI",
        SCHEDULES_NS,
        "<PersonnelNumber>00000111</PersonnelNumber>",
    )
    .await;
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    e.child("WorkSchedule")
        .map(|w| {
            w.children
                .iter()
                .map(|i| {
                    ["ScheduleId", "StartDate", "EndDate", "WeeklyHours"]
                        .map(|n| i.child_text(n).unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn deleting_a_new_schedule_restores_the_part_timers_schedule() {
    let server = common::Server::start().await;
    let before = schedules(&server).await;
    assert_eq!(before.len(), 1, "{before:?}");
    let demo = before[0][0].clone();
    assert_eq!(before[0][1..], ["2013-01-01", "9999-12-31", "32.00"].map(str::to_owned));

    // 37 hours from 1 December, then deleted again.
    let week: String = (1..=5)
        .map(|d| format!("<item><Weekday>{d}</Weekday><Hours>7.40</Hours></item>"))
        .collect();
    let ins = format!(
        "<Operation>INS</Operation><PersonnelNumber>00000111</PersonnelNumber><StartDate>2026-12-01</StartDate>\
         <Day>{week}</Day>"
    );
    let e = call(&server, "SetWorkSchedule_OS_SI", SCHEDULES_NS, &ins).await;
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));
    let new = e.child_text("ScheduleId").expect("a ScheduleId").to_owned();
    assert_eq!(schedules(&server).await[0][2], "2026-11-30");
    let del =
        format!("<Operation>DEL</Operation><PersonnelNumber>00000111</PersonnelNumber><ScheduleId>{new}</ScheduleId>");
    let e = call(&server, "SetWorkSchedule_OS_SI", SCHEDULES_NS, &del).await;
    assert_eq!(status(&e).0, "S", "{:?}", status(&e));

    // The demo schedule runs on, open-ended, as before the INS.
    assert_eq!(schedules(&server).await, before, "the schedule {demo} is restored");
    // And a sick day in December costs the part-timer's 6.40 hours.
    let sick = "<StartDate>2026-12-07</StartDate><EndDate>2026-12-07</EndDate><Operation>INS</Operation>\
                <PersonnelNumber>00000111</PersonnelNumber><AbsenceAttendanceType>SY</AbsenceAttendanceType>";
    let e = call(&server, "SetAbsenceAttendance_OS_SI", ABSENCE_NS, sick).await;
    assert_eq!(
        status(&e),
        ("S".into(), "Fravær SY 2026-12-07 oprettet (1 dag, 6,40 timer)".into())
    );
}
