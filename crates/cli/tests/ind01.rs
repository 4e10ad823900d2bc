//! `snitflade import ind01` as an operator runs it: the committed sample file (`tests/data/ind01-sample.txt`, see
//! `tests/data/README.md`) imported into the data dir of a running demo server, the good lines read back over the
//! Engangsydelser JSON service, the bad ones in the error-handling table with their line numbers and reasons, a
//! second import that registers nothing, and corrected lines resubmitted through the admin API.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const FILE_NAME: &str = "ind01-sample.txt";
const MD: &str = "urn:oio:medarbejder:1.0.0";
const SD: &str = "urn:oio:sagdok:3.0.0";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(FILE_NAME)
}

fn import(data_dir: &Path, file: &Path, extra: &[&str]) -> Output {
    Command::new(bin())
        .args(["import", "ind01"])
        .arg(file)
        .args(["--municipality", "0340", "--data-dir"])
        .arg(data_dir)
        .args(extra)
        .env_remove("SNITFLADE_DATABASE_URL")
        .env_remove("SNITFLADE_CONFIG")
        .env_remove("SNITFLADE_DATA_DIR")
        .output()
        .expect("running snitflade import ind01")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// Every 0340 employee's CPR number, by personnel number, as Medarbejderoplysninger gives it (List, Persondata).
async fn cpr_numbers(s: &Server) -> HashMap<String, String> {
    let body = format!(
        "<s:Envelope xmlns:s=\"{SOAP11_NS}\"><s:Body><m:ListInput xmlns:m=\"{MD}\" xmlns:sd=\"{SD}\">\
         <sd:ModtagerRef><sd:UUIDIdentifikator/><sd:URNIdentifikator>urn:oio:kmd:lpe:modtager:340\
         </sd:URNIdentifikator></sd:ModtagerRef><m:Datakategori>0002</m:Datakategori></m:ListInput></s:Body>\
         </s:Envelope>"
    );
    let reply = post_soap(&s.client("vikarsystem"), &s.ws_url("Employee_Provide_Out"), body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let env = parse_xml(&reply.body).unwrap();
    let out = &env.child_ns(Some(SOAP11_NS), "Body").unwrap().children[0];
    let mut numbers = HashMap::new();
    for result in &out.children[1..] {
        let urn = &result
            .child_ns(Some(SD), "MedarbejderRef")
            .and_then(|r| r.child_ns(Some(SD), "URNIdentifikator"))
            .expect("MedarbejderRef")
            .text;
        let pernr = urn.trim().rsplit(':').next().unwrap().to_owned();
        let cpr = [
            "Registrering",
            "AttributListe",
            "Egenskaber",
            "Persondata",
            "CPR-nummer",
        ]
        .iter()
        .try_fold(result, |n, name| n.child_ns(Some(MD), name))
        .map(|n| n.text.trim().to_owned());
        if let Some(cpr) = cpr {
            numbers.insert(pernr, cpr);
        }
    }
    numbers
}

async fn read(s: &Server, employee: u32) -> Value {
    let body = json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": format!("{employee:08}")}});
    let response = s
        .client("loen")
        .post(format!("https://{}/lpe/read-onetime-payments", s.proc.services))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn items(answer: &Value) -> Vec<Value> {
    answer["Engangsydelser"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_ind01_file_imported_beside_a_running_server() {
    let s = Server::start().await;
    let text = std::fs::read_to_string(sample()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 14);

    // The sample's CPR numbers are the demo's (checked, not assumed), and line 9's is nobody's.
    let cprs = cpr_numbers(&s).await;
    assert!(cprs.len() >= 30, "{} employees listed", cprs.len());
    for (line, pernr) in [
        (2, 101),
        (3, 102),
        (4, 131),
        (5, 110),
        (6, 110),
        (7, 127),
        (8, 101),
        (10, 102),
        (11, 128),
        (12, 101),
        (14, 131),
    ] {
        let demo = cprs.get(&format!("{pernr:08}")).expect("a CPR number in Persondata");
        assert!(
            &lines[line - 1][8..18] == demo,
            "line {line}: the sample's CPR number is not {pernr:08}'s in the demo data (see tests/data/README.md)"
        );
    }
    assert!(
        !cprs.values().any(|c| c == &lines[8][8..18]),
        "line 9's CPR number belongs to a demo employee"
    );

    // First import: 5 lines registered, 8 to the error table, exit code 2.
    let data = s.data_dir();
    let first = import(&data, &sample(), &[]);
    let out = stdout(&first);
    assert_eq!(first.status.code(), Some(2), "{out}");
    assert!(
        out.starts_with(&format!(
            "{FILE_NAME}: 13 records, 5 registered, 0 imported before, 8 to the error table\n"
        )),
        "{out}"
    );
    assert_eq!(out.matches("\n  error ").count(), 8, "{out}");
    let printed = format!("{out}{}", String::from_utf8_lossy(&first.stderr));
    for line in &lines[1..] {
        if line.len() >= 18 {
            assert!(!printed.contains(&line[8..18]), "a CPR number is printed by the import");
        }
    }
    s.assert_healthy().await;

    // The good lines over the JSON service, booked as the file says, numbered by their line.
    let got = items(&read(&s, 101).await);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(
        (
            &got[0]["Loenart"],
            &got[0]["Antal"],
            &got[0]["Afv_Omkostningssted"],
            &got[0]["Startdato"],
        ),
        (
            &json!("6666"),
            &json!("123.50"),
            &json!("1000000001"),
            &json!("2026-11-30T00:00:00Z")
        )
    );
    assert_eq!(
        (&got[0]["Loebenummer"], &got[0]["Afsendelses_System"]),
        (&json!(2), &json!("IND01"))
    );
    let got = items(&read(&s, 102).await);
    assert_eq!(
        got.iter()
            .map(|i| (i["Loenart"].clone(), i["Beloeb"].clone(), i["Antal"].clone()))
            .collect::<Vec<_>>(),
        [(json!("6001"), json!("45.50"), json!("0.00"))]
    );
    let got = items(&read(&s, 131).await);
    assert_eq!(
        got.iter()
            .map(|i| (i["Loenart"].clone(), i["Antal"].clone()))
            .collect::<Vec<_>>(),
        [(json!("1100"), json!("7.50"))]
    );
    // Two identical lines are two payments: sequence numbers 0 and 1.
    let got = items(&read(&s, 110).await);
    assert_eq!(
        got.iter()
            .map(|i| (i["Sekvensnummer"].clone(), i["Loebenummer"].clone(), i["Antal"].clone()))
            .collect::<Vec<_>>(),
        [
            (json!(0), json!(5), json!("12.00")),
            (json!(1), json!(6), json!("12.00"))
        ]
    );
    for pernr in [127, 128] {
        assert_eq!(read(&s, pernr).await["Header"]["Status"], "1");
    }

    // The bad lines in the error-handling table, each with `<file>:<line>` and its reason.
    let errors = s.admin.list("/api/v1/errors?interface=engangsydelse").await;
    assert_eq!(errors.len(), 8, "{errors:#?}");
    let by_line: HashMap<usize, &Value> = errors
        .iter()
        .map(|e| {
            let id = e["external_id"].as_str().unwrap();
            let line = id
                .strip_prefix(&format!("{FILE_NAME}:"))
                .unwrap_or_else(|| panic!("external_id {id}"));
            (line.parse().unwrap(), e)
        })
        .collect();
    let expected = [
        (7, "master_data", "Medarbejderen er låst (kode 138)"),
        (8, "master_data", "Angiv gyldigt omkostningssted (kode 119)"),
        (
            9,
            "master_data",
            "Ingen ansættelse med CPR-nummer 010150-xxxx og ekstraciffer 0",
        ),
        (
            10,
            "master_data",
            "Lønart 4711 findes ikke i kommunens lønartskatalog (kode 920)",
        ),
        (
            11,
            "master_data",
            "Medarbejderen er ikke ansat den 2026-11-30 (kode 925)",
        ),
        (
            12,
            "field_dependency",
            "Kommunenummer 0751 passer ikke til kommune 0340",
        ),
        (13, "invalid_data", "Linjen skal være 55 tegn, men er 36"),
        (14, "invalid_data", "Dato '311126' er ikke en gyldig dato (ddMMyy)"),
    ];
    for (line, error_type, reason) in expected {
        let e = by_line.get(&line).unwrap_or_else(|| panic!("no entry for line {line}"));
        assert_eq!(e["error_type"], error_type, "line {line}: {e}");
        assert_eq!(e["message"], format!("Linje {line}: {reason}"), "line {line}");
        assert_eq!((&e["status"], &e["municipality"]), (&json!("open"), &json!("0340")));
        assert_eq!(e["payload"]["line_number"], line);
        assert_eq!(e["payload"]["file"], FILE_NAME);
        assert_eq!(e["payload"]["line"], lines[line - 1].trim_end());
    }

    // Again, as JSON: nothing new registered, no new errors, exit code 0.
    let again = import(&data, &sample(), &["--json"]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let summary: Value = serde_json::from_str(&stdout(&again)).unwrap();
    let sha = summary["sha256"].as_str().unwrap();
    assert!(
        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
        "{summary}"
    );
    assert_eq!(
        summary,
        json!({"sha256": sha, "records": 13, "registered": 0, "already_imported": 13, "errors": []})
    );
    // The text form says the same.
    let third = import(&data, &sample(), &[]);
    assert_eq!(third.status.code(), Some(0));
    assert_eq!(
        stdout(&third),
        format!("{FILE_NAME}: 13 records, 0 registered, 13 imported before, 0 to the error table\n")
    );
    assert_eq!(s.admin.list("/api/v1/errors?interface=engangsydelse").await.len(), 8);
    assert_eq!(items(&read(&s, 110).await).len(), 2);

    // The operator corrects line 8's cost centre and resubmits it: registered, next sequence number.
    let id = |line: usize| by_line[&line]["id"].as_str().unwrap().to_owned();
    let corrected = lines[7].replace("9999999999", "1000000002");
    let (status, item) = s
        .admin
        .post(
            &format!("/api/v1/errors/{}/resubmit", id(8)),
            Some(json!({"payload": {"line": corrected}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["status"], "resubmitted", "{item}");
    let got = items(&read(&s, 101).await);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (
            &got[1]["Afv_Omkostningssted"],
            &got[1]["Sekvensnummer"],
            &got[1]["Loebenummer"]
        ),
        (&json!("1000000002"), &json!(1), &json!(8))
    );
    // A closed entry cannot be resubmitted twice.
    let (status, _) = s.admin.post(&format!("/api/v1/errors/{}/resubmit", id(8)), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A correction that is still wrong keeps the entry open, with the new reason in its history.
    let (status, item) = s
        .admin
        .post(
            &format!("/api/v1/errors/{}/resubmit", id(13)),
            Some(json!({"payload": {"line": "DA6 stadig forkert"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["status"], "open");
    let last = item["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "resubmitted_failed", "{item}");
    // Line 7 unchanged, once 00000127's lock is lifted.
    let (status, body) = s
        .admin
        .delete("/api/v1/municipalities/0340/employee-locks/00000127")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, item) = s.admin.post(&format!("/api/v1/errors/{}/resubmit", id(7)), None).await;
    assert_eq!(
        (status, &item["status"]),
        (StatusCode::OK, &json!("resubmitted")),
        "{item}"
    );
    let got = items(&read(&s, 127).await);
    assert_eq!(
        got.iter()
            .map(|i| (i["Loenart"].clone(), i["Beloeb"].clone()))
            .collect::<Vec<_>>(),
        [(json!("6001"), json!("30.00"))]
    );
    assert_eq!(
        s.admin
            .list("/api/v1/errors?interface=engangsydelse&status=open")
            .await
            .len(),
        6
    );

    // Every registration is an event: 5 from the file and 2 resubmitted.
    let events = s.admin.events().await;
    let from_file = events
        .iter()
        .filter(|e| e["kind"] == "onetime_payment.registered" && e["payload"]["source"] == "ind01")
        .count();
    assert_eq!(from_file, 7);
}

#[test]
fn a_file_without_a_header_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample()).unwrap();
    let headless = dir.path().join("IND01-uden-hoved.txt");
    std::fs::write(&headless, text.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap();
    let out = import(&dir.path().join("data"), &headless, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Første linje skal være filens hoved"), "{stderr}");
    assert!(!stderr.contains("1403781009"), "the CPR number is not echoed");
}
