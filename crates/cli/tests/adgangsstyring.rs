//! Adgangsstyring from outside, the parts a vendor's client does not see: a token issued and used over the real
//! listener never appears in the server's log (only its id does), the STS's key file is private (0600), and the
//! issued and refused tokens are counted in `/metrics` by the check that failed. (The clients' view — the JWT and
//! WS-Trust flows and every refusal — is in `zeep.rs`, run by Python clients.)

mod common;

use common::*;
use reqwest::StatusCode;

const ENTITY: &str = "http://entityid.kombit.dk/service/bfo_modtag/2";

#[tokio::test]
async fn tokens_stay_out_of_the_log_and_the_key_is_private() {
    // Everything of snitflade's own at debug: not even there is a token written.
    let s = Server::start_logging("info,snitflade=debug,snitflade_server=debug,snitflade_services=debug").await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let client = s.client("dagtilbud");
    let issue = format!("https://{}/runtime/api/rest/oauth/v1/issue", s.proc.services);
    let r = client
        .post(&issue)
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", &format!("entityid:{ENTITY},anvenderkontekst:29189730")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: serde_json::Value = r.json().await.unwrap();
    let token = answer["access_token"].as_str().unwrap().to_owned();
    // Used once well, once on another system's connection (refused: holder-of-key).
    let url = format!("https://{}/sts-bf-soap/StsbeskedfordelerImpl", s.proc.services);
    for system in ["dagtilbud", "vikarsystem"] {
        let r = s
            .client(system)
            .post(&url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("Authorization", format!("Holder-of-key {token}"))
            .body("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body/></s:Envelope>")
            .send()
            .await
            .unwrap();
        assert!(r.status().is_server_error() || r.status().is_success());
    }
    // A refusal by the STS too.
    let r = client
        .post(&issue)
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "entityid:x,anvenderkontekst:1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let (_, _, metrics) = s.admin.get_text("/metrics").await;
    assert!(
        metrics.contains("snitflade_sts_issued_total{variant=\"jwt\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("snitflade_sts_refused_total{check=\"holder_of_key\",at=\"bfo_modtag\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("snitflade_sts_refused_total{check=\"malformed\",at=\"issue\"} 1"),
        "{metrics}"
    );
    let log = s.proc.output_tail().join("\n");
    assert!(log.contains("token issued"), "{log}");
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !log.contains(signature) && !log.contains(&token[..40]),
        "the token is in the log:\n{log}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = s.data_dir().join("pki").join("sts-key.pem");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key.display());
    }
}

/// The negative-test switches a vendor proves its client with: each flawed token is refused by the service with the
/// check the switch names; the unflawed one is accepted; and the switch is refused for another vendor's system.
#[tokio::test]
async fn a_vendor_gets_each_flawed_token_and_the_service_refuses_it_by_its_check() {
    let s = Server::start().await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let certificates = s.admin.list("/api/v1/certificates").await;
    let fingerprint = certificates
        .iter()
        .find(|c| c["system"] == "dagtilbud")
        .and_then(|c| c["fingerprint"].as_str())
        .unwrap()
        .to_owned();
    let url = format!("https://{}/sts-bf-soap/StsbeskedfordelerImpl", s.proc.services);
    for (flaw, check_text) in [
        ("none", None),
        ("expired", Some("udløbet")),
        ("wrong_audience", Some("en anden service")),
        ("bad_signature", Some("ikke signeret af en STS")),
    ] {
        let (status, body) = s
            .admin
            .post(
                "/api/v1/systems/dagtilbud/test-token",
                Some(serde_json::json!({"certificate_sha256": fingerprint, "cvr": "29189730", "flaw": flaw})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{flaw}: {body}");
        let token = body["access_token"].as_str().unwrap();
        let r = s
            .client("dagtilbud")
            .post(&url)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("Authorization", format!("Holder-of-key {token}"))
            .body(
                "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>\
                 <vl:ListInput xmlns:vl=\"urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0\"/></s:Body></s:Envelope>",
            )
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        match check_text {
            None => assert!(!text.contains("Tokenet"), "{flaw}: {text}"),
            Some(reason) => assert!(text.contains("Fault") && text.contains(reason), "{flaw}: {text}"),
        }
    }
    let (status, body) = s
        .admin
        .post(
            "/api/v1/systems/dagtilbud/test-token",
            Some(serde_json::json!({"certificate_sha256": "00", "cvr": "29189730", "flaw": "expired"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s
        .admin
        .post(
            "/api/v1/systems/dagtilbud/test-token",
            Some(serde_json::json!({"certificate_sha256": fingerprint, "cvr": "29189730", "flaw": "replayed"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.to_string().contains("send the same signed"), "{body}");
}
