//! `snitflade admin …` against a real `serve --demo`: the demo's orders listed, a vendor registered and linked to
//! `ingen-adgang`, its order created and advanced from the command line, the invoice as CSV, and an error answer
//! on stderr with exit code 1.

mod common;

use common::*;
use serde_json::Value;
use std::process::Output;

/// Runs `snitflade admin ARGS` against `s` (token from its data dir).
fn admin(s: &Server, args: &[&str]) -> Output {
    std::process::Command::new(bin())
        .arg("admin")
        .arg("--admin-url")
        .arg(format!("http://{}", s.proc.admin))
        .arg("--data-dir")
        .arg(s.data_dir())
        .args(["--actor", "cli-test"])
        .args(args)
        .env_remove("SNITFLADE_ADMIN_TOKEN")
        .env_remove("SNITFLADE_ADMIN_URL")
        .output()
        .expect("running snitflade admin")
}

/// The JSON printed by a successful `snitflade admin ARGS`.
fn json(s: &Server, args: &[&str]) -> Value {
    let out = admin(s, args);
    assert!(
        out.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: not JSON ({e})"))
}

#[tokio::test]
async fn the_admin_cli_runs_an_order_end_to_end() {
    let s = Server::start().await;
    let orders = json(&s, &["orders", "list", "--municipality", "0340"]);
    assert_eq!(orders.as_array().unwrap().len(), 6, "{orders}");

    let vendor = json(
        &s,
        &[
            "vendors",
            "add",
            "--name",
            "Ingen Adgang ApS",
            "--cvr",
            "84847771",
            "--contact-name",
            "Ida",
            "--contact-phone",
            "+45 12 34 56 78",
            "--contact-email",
            "ida@example.dk",
        ],
    );
    let vendor_id = vendor["id"].as_str().unwrap().to_owned();
    json(&s, &["systems", "set-vendor", "ingen-adgang", "--vendor", &vendor_id]);
    let pem = s.data_dir().join("pki/clients/ingen-adgang.pem");
    let cert = json(
        &s,
        &["systems", "upload-certificate", "ingen-adgang", pem.to_str().unwrap()],
    );
    assert_eq!(cert["cvr"], "84847771");

    // An individual integration: the certificate is clarified as its own step.
    let order = json(
        &s,
        &[
            "orders",
            "create",
            "--municipality",
            "0751",
            "--system",
            "ingen-adgang",
            "--interface",
            "medarbejderoplysninger",
        ],
    );
    assert_eq!(order["kind"], "individual");
    let id = order["id"].as_str().unwrap().to_owned();
    let fp = cert["fingerprint"].as_str().unwrap();
    json(&s, &["orders", "advance", &id, "clarified"]);
    json(
        &s,
        &["orders", "advance", &id, "certificates_clarified", "--certificate", fp],
    );
    for to in ["addendum_signed", "delivery_ordered", "access_set_up", "notified"] {
        let o = json(&s, &["orders", "advance", &id, to]);
        assert_eq!(o["state"], to);
    }
    let shown = json(&s, &["orders", "show", &id]);
    let actors: Vec<&str> = shown["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["cli-test"; 7]);

    let month = jiff::Zoned::now().date().strftime("%Y-%m").to_string();
    let out = admin(&s, &["invoices", "--period", &month, "--municipality", "0751", "--csv"]);
    assert!(out.status.success());
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.starts_with("period,municipality,order,system,fee,interface,amount"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{month},0751,{id},ingen-adgang,setup,,18000")),
        "{csv}"
    );

    let log = json(&s, &["audit-admin", "--limit", "500"]);
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "cli-test" && e["action"] == "order.advance")
    );

    // An error answer: the server's text on stderr, exit code 1.
    let out = admin(&s, &["orders", "show", "no-such-order"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("findes ikke"));
}
