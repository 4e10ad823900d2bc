//! `snitflade export ferie` beside a running demo server: the file parses with the documented layout (README,
//! `crates/cli/src/ferie.rs`) and its numbers are the hand-computed balances of the demo employees.

mod common;

use std::collections::HashMap;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

/// One parsed employee line: the fields the old file's readers use.
#[derive(Debug)]
struct Line {
    pernr: String,
    cpr: String,
    ekstraciffer: String,
    year: String,
    hours_with_pay: f64,
    transferred: f64,
    extra_hours: f64,
}

fn hundredths(s: &str) -> f64 {
    let n: i64 = s.trim().parse().unwrap_or_else(|_| panic!("a number: {s:?}"));
    n as f64 / 100.0
}

/// Parses a FERIE file by the documented column ranges.
fn parse(text: &str) -> (String, Vec<Line>) {
    let mut lines = text.lines();
    let header = lines.next().expect("a header line");
    assert_eq!(header.len(), 77, "{header:?}");
    let date = header[5..15].to_owned();
    let body = lines
        .map(|l| {
            assert_eq!(l.len(), 77, "{l:?}");
            assert!(l.is_ascii());
            Line {
                pernr: l[1..9].to_owned(),
                cpr: l[9..19].to_owned(),
                ekstraciffer: l[19..20].to_owned(),
                year: l[21..25].to_owned(),
                hours_with_pay: hundredths(&l[35..41]),
                transferred: hundredths(&l[59..65]),
                extra_hours: hundredths(&l[71..77]),
            }
        })
        .collect();
    (date, body)
}

/// `export ferie` of 0340 as of 22 November 2026, beside the running server: the file's text.
fn export(server: &common::Server) -> String {
    let out = server.dir.path().join("FERIE.txt");
    let run = Command::new(common::bin())
        .args(["export", "ferie", "--municipality", "340", "--date", "2026-11-22"])
        .arg("--data-dir")
        .arg(server.data_dir())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    std::fs::read_to_string(&out).unwrap()
}

#[tokio::test]
async fn the_ferie_file_parses_with_the_documented_layout() {
    let server = common::Server::start().await;
    let (date, lines) = parse(&export(&server));
    assert_eq!(date, "2026-11-22");
    let by_key: HashMap<(String, String), &Line> =
        lines.iter().map(|l| ((l.pernr.clone(), l.year.clone()), l)).collect();
    // 30 employed on the day (of 00000101–00000132, 00000128 has left and 00000129 is cancelled) × the two
    // holiday years open then.
    assert_eq!(lines.len(), 30 * 2, "{lines:#?}");
    for l in &lines {
        assert!(l.cpr.bytes().all(|b| b.is_ascii_digit()), "{l:?}");
        assert_eq!(l.ekstraciffer, "0");
        assert_eq!(l.transferred, 0.0, "no transfers registered");
    }
    // 00000110, 37 hours (7.40 a day), a week's holiday in July 2026 charged to 2025/26: 12 × 2.08 = 24.96
    // rounded up to 25 days, (25 − 5) × 7.40 = 148.00 hours left; the 6th week: 5 × 7.40 = 37.00.
    let y2025 = by_key[&("00000110".to_owned(), "2025".to_owned())];
    assert_eq!((y2025.hours_with_pay, y2025.extra_hours), (148.00, 37.00));
    // 2026/27 by 22 November: September and October, 4.16 days = 30.78 hours; 6th week 0.83 days = 6.14 hours.
    let y2026 = by_key[&("00000110".to_owned(), "2026".to_owned())];
    assert_eq!((y2026.hours_with_pay, y2026.extra_hours), (30.78, 6.14));
    // 00000111 works 32 hours (6.40 a day) and took a half day (0.5) in October 2026 besides the July week:
    // (25 − 5.5) × 6.40 = 124.80.
    let part = by_key[&("00000111".to_owned(), "2025".to_owned())];
    assert_eq!(part.hours_with_pay, 124.80);
    // 00000112 has been on maternity leave all year: nothing taken, 25 × 7.40 = 185.00.
    assert_eq!(
        by_key[&("00000112".to_owned(), "2025".to_owned())].hours_with_pay,
        185.00
    );
}

/// A transfer registered through the admin API moves into the next holiday year's quota and the file's
/// transferred-hours field: 00000110 took nothing of 2024/25, and an agreement moves the days beyond 4 weeks (5 of
/// 25) to 2025/26 on 1 January 2026.
#[tokio::test]
async fn a_holiday_transfer_is_in_the_quota_and_the_ferie_file() {
    let server = common::Server::start().await;
    let path = "/api/v1/municipalities/0340/employees/00000110/holiday-transfers";
    let agreement = json!({"holiday_year": 2024, "reason": "agreement", "days": "10", "agreed_on": "2025-11-15",
        "note": "5. ferieuge overført"});
    let (status, body) = server.admin.post(path, Some(agreement.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // 10 agreed, but only what lies beyond 4 weeks moves.
    assert_eq!(
        (body["days"].as_str(), body["moved_days"].as_str()),
        (Some("10"), Some("5")),
        "{body}"
    );
    assert_eq!(server.admin.list(path).await.len(), 1);
    // One agreement per year; an agreement after 31 December of the holding period; a hindrance with a date.
    assert_eq!(server.admin.post(path, Some(agreement)).await.0, StatusCode::CONFLICT);
    let late = json!({"holiday_year": 2024, "reason": "agreement", "days": "5", "agreed_on": "2026-01-05"});
    let (status, body) = server.admin.post(path.replace("110", "111").as_str(), Some(late)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"].as_str().unwrap().contains("§21"), "{body}");
    let dated = json!({"holiday_year": 2024, "reason": "hindrance", "days": "2", "agreed_on": "2025-11-15"});
    assert_eq!(server.admin.post(path, Some(dated)).await.0, StatusCode::BAD_REQUEST);
    assert!(
        server
            .admin
            .events()
            .await
            .iter()
            .any(|e| e["kind"] == "holiday_transfer.registered" && e["object_id"] == "00000110")
    );

    let (_, lines) = parse(&export(&server));
    let y2025 = lines
        .iter()
        .find(|l| l.pernr == "00000110" && l.year == "2025")
        .unwrap();
    // 5 × 7.40 = 37.00 hours transferred; (25 + 5 − 5) × 7.40 = 185.00 left.
    assert_eq!((y2025.transferred, y2025.hours_with_pay), (37.00, 185.00));
    for l in lines.iter().filter(|l| !(l.pernr == "00000110" && l.year == "2025")) {
        assert_eq!(l.transferred, 0.0, "{l:?}");
    }
}
