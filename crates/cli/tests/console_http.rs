//! The console's security over plain HTTP requests, as an attacker or a careless setup would meet it (issue 19):
//! the headers every answer carries (CSP without `unsafe-inline`, no framing), the session cookie's flags, sign-in
//! throttling, a change without its CSRF token or from another origin, a disabled person's session, and TLS on the
//! admin listener — required off loopback, with `Secure` `__Host-` cookies when on.

mod common;

use common::*;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use serde_json::json;

const PASSWORD: &str = "en lang og god adgangskode";

/// A client that keeps no cookies and follows no redirects: every header is seen as sent.
fn raw() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn add_person(s: &Server, name: &str, role: &str) -> String {
    let (status, body) = s
        .admin
        .post(
            "/api/v1/users",
            Some(json!({"name": name, "role": role, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Signs in; the session cookie (`name=value`).
async fn sign_in(c: &reqwest::Client, base: &str, name: &str, password: &str) -> Result<String, StatusCode> {
    let r = c
        .post(format!("{base}/logind"))
        .form(&[("name", name), ("password", password)])
        .send()
        .await
        .unwrap();
    if r.status() != StatusCode::SEE_OTHER {
        return Err(r.status());
    }
    let cookie = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    Ok(cookie.split(';').next().unwrap().to_owned())
}

/// The CSRF token of a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form with its CSRF token") + 19;
    html[at..at + 64].to_owned()
}

#[tokio::test]
async fn sessions_are_guarded() {
    let s = Server::start_with_config("[console]\nsignin_failures = 3\n").await;
    let base = s.admin.base.clone();
    let c = raw();
    let id = add_person(&s, "ole", "operator").await;

    // Every answer: the strict CSP and no framing; the sign-in page to a stranger.
    let r = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[LOCATION], "/logind");
    let csp = r.headers()[CONTENT_SECURITY_POLICY].to_str().unwrap().to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    let page = c.get(format!("{base}/logind")).send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.text().await.unwrap();
    assert!(
        !html.contains("<script>") && !html.contains(" style="),
        "no inline script or style: {html}"
    );

    // The session cookie: HttpOnly, SameSite=Strict (not Secure: this listener is plain HTTP on loopback).
    let r = c
        .post(format!("{base}/logind"))
        .form(&[("name", "ole"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set.starts_with("snitflade_session=") && set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let page = c
        .get(format!("{base}/brugere"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = csrf_of(&page.text().await.unwrap());

    // A change without the token, with a wrong one, or from another origin is refused; with it, it is made.
    let token = |name: &str, csrf: Option<&str>| {
        let mut form = vec![("name", name.to_owned()), ("role", "auditor".to_owned())];
        if let Some(t) = csrf {
            form.push(("csrf", t.to_owned()));
        }
        c.post(format!("{base}/brugere/tokens"))
            .header("cookie", &cookie)
            .form(&form)
    };
    assert_eq!(token("a", None).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        token("b", Some(&"0".repeat(64))).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let foreign = token("c", Some(&csrf))
        .header("origin", "https://angriber.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let by_header = c
        .post(format!("{base}/brugere/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .form(&[("name", "d"), ("role", "auditor")])
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), StatusCode::CREATED);
    let made = token("e", Some(&csrf)).send().await.unwrap();
    assert_eq!(made.status(), StatusCode::CREATED);
    let names: Vec<String> = s
        .admin
        .list("/api/v1/tokens")
        .await
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"d".into()) && names.contains(&"e".into()), "{names:?}");
    assert!(
        !names.iter().any(|n| ["a", "b", "c"].contains(&n.as_str())),
        "{names:?}"
    );

    // A disabled person's session ends at once.
    let (status, _) = s.admin.delete(&format!("/api/v1/users/{id}")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let r = c
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(sign_in(&c, &base, "ole", PASSWORD).await, Err(StatusCode::UNAUTHORIZED));

    // Throttling: after three failures for a name, even the right password waits for the window.
    add_person(&s, "bent", "auditor").await;
    for _ in 0..3 {
        assert_eq!(
            sign_in(&c, &base, "bent", "forkert forkert").await,
            Err(StatusCode::UNAUTHORIZED)
        );
    }
    assert_eq!(
        sign_in(&c, &base, "bent", PASSWORD).await,
        Err(StatusCode::TOO_MANY_REQUESTS)
    );
    // An unknown name is answered as a wrong password.
    assert_eq!(
        sign_in(&c, &base, "ukendt", PASSWORD).await,
        Err(StatusCode::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn a_totp_code_is_asked_for_and_works_once() {
    let s = Server::start().await;
    let base = s.admin.base.clone();
    let c = raw();
    let (status, body) = s
        .admin
        .post(
            "/api/v1/users",
            Some(json!({"name": "tove", "role": "auditor", "password": PASSWORD, "totp": true})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let secret = body["totp_secret"].as_str().unwrap().to_owned();
    assert!(
        body["totp_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/snitflade:tove")
    );
    assert!(
        s.admin
            .list("/api/v1/users")
            .await
            .iter()
            .all(|u| u.get("totp_secret").is_none())
    );
    let signin = |code: String| {
        c.post(format!("{base}/logind"))
            .form(&[
                ("name", "tove".to_owned()),
                ("password", PASSWORD.to_owned()),
                ("code", code),
            ])
            .send()
    };
    assert_eq!(signin(String::new()).await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let now = jiff::Timestamp::now().as_second() as u64;
    let code = snitflade_access::passwords::totp_code(&secret, now).unwrap();
    assert_eq!(signin(code.clone()).await.unwrap().status(), StatusCode::SEE_OTHER);
    // The same code again is a replay.
    assert_eq!(signin(code).await.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_admin_listener_off_loopback_needs_tls() {
    let dir = tempfile::tempdir().unwrap();
    // Plain HTTP on every address is refused at start, naming the way out.
    let out = std::process::Command::new(bin())
        .args([
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--admin-listen",
            "0.0.0.0:0",
            "--data-dir",
        ])
        .arg(dir.path().join("plain"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--admin-tls"), "{stderr}");

    // With --admin-tls the server's own certificate serves the admin listener; plain HTTP is not spoken there.
    let data = dir.path().join("tls");
    let mut cmd = std::process::Command::new(bin());
    cmd.args([
        "serve",
        "--demo",
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "0.0.0.0:0",
        "--admin-tls",
        "--data-dir",
    ])
    .arg(&data);
    let proc = snitflade_bench::ServerProcess::spawn_async(cmd)
        .await
        .expect("the server starts");
    let port = proc.admin.port();
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(snitflade_bench::trust_only_client_config(&data).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("https://127.0.0.1:{port}");
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let token = snitflade_bench::admin_token(&data).unwrap();
    let created = client
        .post(format!("{base}/api/v1/users"))
        .bearer_auth(&token)
        .json(&json!({"name": "ole", "role": "operator", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let r = client
        .post(format!("{base}/logind"))
        .form(&[("name", "ole"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set = r.headers()[SET_COOKIE].to_str().unwrap();
    assert!(
        set.starts_with("__Host-snitflade=") && set.contains("; Secure"),
        "{set}"
    );
    assert!(
        raw()
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_err()
    );
    drop(proc);
}

#[tokio::test]
async fn todays_calls_and_refusals_reach_the_front_page() {
    let s = Server::start().await;
    let url = s.ws_url("Employee_Provide_Out");
    let allowed = post_soap(&s.client("dagtilbud"), &url, laes_envelope("00000101")).await;
    assert_eq!(allowed.status, StatusCode::OK, "{}", allowed.body);
    for _ in 0..2 {
        let refused = post_soap(&s.client("kantine"), &url, laes_envelope("00000101")).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    // Written within a few seconds.
    let mut rows = Vec::new();
    for _ in 0..100 {
        rows = s.admin.list("/api/v1/traffic").await;
        if rows.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let today = rows[0]["day"].as_str().unwrap().to_owned();
    let find = |system: &str| rows.iter().find(|r| r["system"] == system).cloned().unwrap_or_default();
    assert_eq!(
        find("dagtilbud"),
        json!({"day": today, "municipality": "0340", "interface": "medarbejderoplysninger", "system": "dagtilbud",
               "calls": 1, "refused": 0})
    );
    assert_eq!(
        find("kantine"),
        json!({"day": today, "municipality": null, "interface": "medarbejderoplysninger", "system": "kantine",
               "calls": 0, "refused": 2})
    );
    assert_eq!(s.admin.list("/api/v1/traffic?day=2020-01-01").await.len(), 0);
    // A municipality sees its own, a vendor its own systems'.
    let token = |role: &str, scope: &str| {
        let admin = s.admin.clone();
        let (role, scope) = (role.to_owned(), scope.to_owned());
        async move {
            let (_, t) = admin
                .post(
                    "/api/v1/tokens",
                    Some(json!({"name": format!("{role}-{scope}"), "role": role, "scope": scope})),
                )
                .await;
            admin.as_token(t["secret"].as_str().unwrap())
        }
    };
    let soroe = token("municipality", "0340").await;
    let seen = soroe.list("/api/v1/traffic").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["system"], "dagtilbud");
    let systems = s.admin.list("/api/v1/systems").await;
    let kantinedata = systems.iter().find(|x| x["name"] == "kantine").unwrap()["vendor_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let vendor = token("vendor", &kantinedata).await;
    let seen = vendor.list("/api/v1/traffic").await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["system"], "kantine");
    // The console's front page shows them per municipality and interface.
    add_person(&s, "ole", "operator").await;
    let c = raw();
    let cookie = sign_in(&c, &s.admin.base, "ole", PASSWORD).await.unwrap();
    let page = c
        .get(format!("{}/", s.admin.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let table = &html[html.find("id=\"per-interface\"").unwrap()..];
    let row = &table[table.find("<td>0340</td>").expect("a row for 0340")..];
    assert!(
        row.starts_with("<td>0340</td><td>medarbejderoplysninger</td><td class=\"num\">1</td>"),
        "{row}"
    );
}
