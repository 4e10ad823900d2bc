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
    let token = s.sts_token("dagtilbud", ENTITY, "29189730").await;
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
    let r = s
        .client("dagtilbud")
        .post(format!("https://{}/runtime/api/rest/oauth/v1/issue", s.proc.services))
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
        metrics.contains("snitflade_sts_refused_total{check=\"holder_of_key\",at=\"call\"} 1"),
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

/// Tokens on the standard interfaces, opted in by configuration: `opret-fravaer` and `engangsydelse` listed with
/// snitflade's entityIDs, each refusing a call on the certificate alone, accepting one with a JWT for its own
/// entityID and refusing one for the Beskedfordeler's (wrong audience); a service not opted in (`fravaerskvoter`)
/// is called as before. A `token_required` naming a service that accepts no tokens is refused at start.
#[tokio::test]
async fn standard_interfaces_opted_in_require_their_own_tokens() {
    let s = Server::start_with_config(
        "[services]\ntoken_interfaces = [\"opret-fravaer\", \"engangsydelse\"]\n\
         token_required = [\"opret-fravaer\", \"engangsydelse\"]\n",
    )
    .await;
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (_, listing) = s.admin.get("/api/v1/sts/services").await;
    let services = listing["services"].as_array().unwrap();
    let entity = |interface: &str| {
        services
            .iter()
            .find(|e| e["interface"] == interface)
            .unwrap_or_else(|| panic!("{interface} in {listing}"))
            .clone()
    };
    let fravaer = entity("opret-fravaer");
    assert_eq!(fravaer["entity_id"], "https://snitflade/service/opret-fravaer/1");
    assert_eq!(fravaer["token_required"], true);
    assert!(
        fravaer["paths"]
            .as_array()
            .unwrap()
            .contains(&"/ws/GetReasons_OS_SI".into()),
        "{fravaer}"
    );
    assert_eq!(entity("beskedfordeler")["token_required"], false);
    assert!(services.iter().all(|e| e["interface"] != "fravaerskvoter"));

    let reasons = format!("https://{}/ws/GetReasons_OS_SI", s.proc.services);
    let get_reasons = "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
        <ns0:GetReasonsRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"/></SOAP-ENV:Body></SOAP-ENV:Envelope>";
    let call = |token: Option<String>| {
        let mut r = s
            .client("dagtilbud")
            .post(&reasons)
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(get_reasons);
        if let Some(t) = token {
            r = r.header("Authorization", format!("Holder-of-key {t}"));
        }
        async move {
            let r = r.send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (status, text) = call(None).await;
    assert!(
        status.is_server_error() && text.contains("kræver et token"),
        "{status} {text}"
    );
    let own = s
        .sts_token("dagtilbud", fravaer["entity_id"].as_str().unwrap(), "29189730")
        .await;
    let (status, text) = call(Some(own)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(text.contains("GetReasonsResponse"), "{text}");
    let bus = s.sts_token("dagtilbud", ENTITY, "29189730").await;
    let (_, text) = call(Some(bus)).await;
    assert!(text.contains("en anden service"), "{text}");

    // Engangsydelser (JSON): 401 with the reason, then the same read with a token.
    let lpe = format!("https://{}/lpe/read-onetime-payments", s.proc.services);
    let read = serde_json::json!({"Header": {"ClientID": "0340"}, "Medarbejder": {"Medarbejdernummer": "00000101"}});
    let r = s.client("kantine").post(&lpe).json(&read).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("kræver et token"));
    let engangsydelse = entity("engangsydelse");
    let token = s
        .sts_token("kantine", engangsydelse["entity_id"].as_str().unwrap(), "29189730")
        .await;
    let r = s
        .client("kantine")
        .post(&lpe)
        .header("Authorization", format!("Bearer {token}"))
        .json(&read)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());

    // Not opted in: the quota service is called on the certificate alone, as ever.
    let quotas = format!("https://{}/ws/GetAbsenceQuotas_OS_SI", s.proc.services);
    let r = post_soap(&s.client("dagtilbud"), &quotas, "<x/>").await;
    assert!(!r.body.contains("kræver et token"), "{}", r.body);

    let (_, _, metrics) = s.admin.get_text("/metrics").await;
    assert!(
        metrics.contains("snitflade_sts_refused_total{check=\"required\",at=\"call\"} 2"),
        "{metrics}"
    );
}

#[test]
fn requiring_tokens_where_none_are_accepted_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[services]\ntoken_required = [\"maskintimer\"]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_snitflade"))
        .args(["serve", "--demo", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("token_required: 'maskintimer' accepts no tokens"),
        "{stderr}"
    );
}

/// The landscape's requirement check counts snitflade's STS as Adgangsstyring: once `dagtilbud` holds a grant of a
/// service that accepts tokens, its relation with `sts-adgangsstyring` (SF1514) meets that general requirement.
#[tokio::test]
async fn the_requirement_check_sees_the_sts_as_adgangsstyring() {
    let s = Server::start().await;
    let met = |check: &serde_json::Value, id: &str| {
        check["coverage"]["met"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["interfaces"][0] == id)
            .cloned()
    };
    let query = serde_json::json!({"system": "dagtilbud", "information_objects": ["Fravær"]});
    let (status, before) = s
        .admin
        .post("/api/v1/landscape/requirements", Some(query.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{before}");
    assert!(met(&before, "SF1514").is_none(), "{before}");
    s.admin.grant("dagtilbud", "beskedfordeler", "0340").await;
    let (_, after) = s.admin.post("/api/v1/landscape/requirements", Some(query)).await;
    let entry = met(&after, "SF1514").unwrap_or_else(|| panic!("SF1514 met: {after}"));
    assert_eq!(
        entry["relations"],
        serde_json::json!(["snitflade-0340-dagtilbud-adgangsstyring"])
    );
    let (status, relation) = s
        .admin
        .get("/api/v1/landscape/relations/snitflade-0340-dagtilbud-adgangsstyring")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(relation["system"], "sts-adgangsstyring");
    assert_eq!(relation["source"], "snitflade");
}
