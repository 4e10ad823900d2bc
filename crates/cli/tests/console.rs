//! The console (issue 19) as people use it: Debian's Chromium driven through chromedriver (WebDriver) against the
//! real `serve --demo`. Sign-in (a wrong password refused), every page of every role rendered with no browser
//! console errors and no serious or critical accessibility violation (axe-core, injected into each page), the
//! resubmit flow of a machine-hours registration with a bad field, one order walked by three people ending in a
//! working SOAP call, urgent closing, a vendor who cannot see another vendor's systems (also by guessing URLs), a
//! change refused without its CSRF token, and an expired session. Screenshots of every page are written to
//! `target/console-screenshots/`.
//!
//! Needs `chromium` and `chromium-driver` (Debian's; `.ci/run` installs them) and npm (axe-core is fetched once
//! with `npm pack` into the target dir). Without them the tests fail, never pass silently.

mod common;

use common::*;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{Value, json};
use snitflade_bench::Registration;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const AXE_VERSION: &str = "4.14.1";
const PASSWORD: &str = "en lang og god adgangskode";

/// axe-core's `axe.min.js`, fetched with `npm pack` into the target dir the first time.
fn axe_source() -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("axe-core-{AXE_VERSION}"));
    let file = dir.join("package").join("axe.min.js");
    if !file.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let packed = Command::new("npm")
            .args(["pack", &format!("axe-core@{AXE_VERSION}"), "--silent"])
            .current_dir(&dir)
            .output()
            .expect("npm is needed to fetch axe-core");
        assert!(
            packed.status.success(),
            "npm pack: {}",
            String::from_utf8_lossy(&packed.stderr)
        );
        let tgz = String::from_utf8_lossy(&packed.stdout).trim().to_owned();
        let untar = Command::new("tar")
            .args(["xzf", &tgz])
            .current_dir(&dir)
            .status()
            .unwrap();
        assert!(untar.success());
    }
    std::fs::read_to_string(file).unwrap()
}

fn screenshots() -> PathBuf {
    // target/tmp → target/console-screenshots
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("console-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A headless Chromium session through its own chromedriver.
struct Browser {
    driver: Client,
    chromedriver: Child,
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

/// chromedriver's log endpoint (not in the W3C protocol): the browser's console since the last call.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type": "browser"}"#.to_owned()))
    }
}

impl Browser {
    async fn start(admin: std::net::SocketAddr) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let port = free_port();
        let chromedriver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .env("XDG_CONFIG_HOME", profile.path().join("config"))
            .env("XDG_CACHE_HOME", profile.path().join("cache"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian's chromium-driver) is needed");
        let url = format!("http://127.0.0.1:{port}");
        let user_data = format!("--user-data-dir={}", profile.path().join("chrome").display());
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                         "--lang=da", user_data],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        });
        let caps = match caps {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let mut driver = None;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    driver = Some(c);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        Browser {
            driver: driver.expect("a Chromium session through chromedriver"),
            chromedriver,
            base: format!("http://{admin}"),
            _profile: profile,
        }
    }

    async fn goto(&self, path: &str) {
        self.driver.goto(&format!("{}{path}", self.base)).await.unwrap();
    }

    async fn path(&self) -> String {
        let url = self.driver.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    async fn text(&self) -> String {
        self.driver
            .find(Locator::Css("body"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn click(&self, css: &str) {
        self.driver
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    /// Submits a form by its button and waits for the answering page to have loaded.
    async fn submit(&self, css: &str) {
        let before = self.driver.find(Locator::Css("html")).await.unwrap();
        self.click(css).await;
        for _ in 0..100 {
            // The old document's element goes stale once the new page replaced it.
            if before.tag_name().await.is_err() {
                let ready = self
                    .driver
                    .execute("return document.readyState", Vec::<Value>::new())
                    .await;
                if ready.is_ok_and(|r| r == "complete") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("submitting {css} loaded no page");
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self
            .driver
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        e.clear().await.unwrap();
        e.send_keys(value).await.unwrap();
    }

    async fn sign_in(&self, name: &str, password: &str) {
        self.goto("/logind").await;
        self.fill("#name", name).await;
        self.fill("#password", password).await;
        self.submit("main button[type=submit]").await;
    }

    async fn sign_out(&self) {
        self.submit("header form button").await;
        assert_eq!(self.path().await, "/logind?ude=1");
    }

    /// The browser's console since the last call: entries at SEVERE (errors, CSP violations, failed loads).
    async fn console_errors(&self) -> Vec<String> {
        let log = self.driver.issue_cmd(BrowserLog).await.unwrap();
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// axe-core's violations of serious or critical impact on the open page.
    async fn accessibility_violations(&self, axe: &str) -> Vec<Value> {
        self.driver.execute(axe, Vec::new()).await.unwrap();
        let run = "const done = arguments[arguments.length - 1];\
                   axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map(v => \
                   ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html).slice(0, 3)}))));";
        let found = self.driver.execute_async(run, Vec::new()).await.unwrap();
        found
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect()
    }

    async fn screenshot(&self, name: &str) {
        let png = self.driver.screenshot().await.unwrap();
        std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
    }

    /// Drops `file` on a system's upload field on Adgang (WebDriver sends a file input its path) and submits it.
    async fn upload_certificate(&self, system: &str, file: &Path) {
        self.goto("/adgang").await;
        let field = self.driver.find(Locator::Id(&format!("fil-{system}"))).await.unwrap();
        field.send_keys(file.to_str().unwrap()).await.unwrap();
        self.submit(&format!(
            "form[action^='/adgang/systemer/{system}/certifikater'] button"
        ))
        .await;
    }

    /// The checks of [`Browser::check_page`] on the page that is open.
    async fn check_page_here(&self, shot: &str, axe: &str) {
        self.screenshot(shot).await;
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "{shot}: console errors {errors:?}");
        let violations = self.accessibility_violations(axe).await;
        assert!(violations.is_empty(), "{shot}: accessibility {violations:#?}");
    }

    /// Opens `path` as the signed-in person and checks it as a person would meet it: it is the page asked for
    /// (not the sign-in page), the browser reports no console error, axe finds nothing serious; the screenshot is
    /// `<shot>.png`.
    async fn check_page(&self, path: &str, shot: &str, axe: &str) -> String {
        self.goto(path).await;
        let at = self.path().await;
        assert!(
            path.starts_with("/logind") || !at.starts_with("/logind"),
            "{path} sent the person to {at}"
        );
        self.screenshot(shot).await;
        let errors = self.console_errors().await;
        assert!(errors.is_empty(), "{path}: console errors {errors:?}");
        let violations = self.accessibility_violations(axe).await;
        assert!(violations.is_empty(), "{path}: accessibility {violations:#?}");
        self.text().await
    }
}

async fn add_person(s: &Server, name: &str, role: &str, scope: Option<&str>) {
    let (status, body) = s
        .admin
        .post(
            "/api/v1/users",
            Some(json!({"name": name, "role": role, "scope": scope, "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn vendor_of(s: &Server, system: &str) -> String {
    let systems = s.admin.list("/api/v1/systems").await;
    let found = systems.iter().find(|x| x["name"] == system).unwrap();
    found["vendor_id"].as_str().unwrap().to_owned()
}

const LAES: &str = "Employee_Provide_Out";

/// A Medarbejderoplysninger Laes of 00000101 (municipality 0340) as `kantine` on a fresh connection: its status,
/// or `None` when the connection itself was refused.
async fn kantine_reads(s: &Server) -> Option<StatusCode> {
    let client = s.client("kantine");
    client
        .post(s.ws_url(LAES))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(laes_envelope("00000101"))
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

#[tokio::test]
async fn people_run_their_integrations_in_the_console() {
    let s = Server::start().await;
    let t0 = std::time::Instant::now();
    let axe = axe_source();
    eprintln!("axe in {:?}", t0.elapsed());
    let kantinedata = vendor_of(&s, "kantine").await;
    add_person(&s, "ole", "operator", None).await;
    add_person(&s, "mette", "municipality", Some("0340")).await;
    add_person(&s, "kim", "municipality", Some("0751")).await;
    add_person(&s, "vera", "vendor", Some(&kantinedata)).await;
    add_person(&s, "revisor", "auditor", None).await;
    // A machine-hours registration with a bad field, into the error-handling table.
    let bad = Registration {
        postg_date: "x".into(),
        ..valid_registration()
    };
    s.register(&bad).await.assert_accepted();

    let started = std::time::Instant::now();
    let b = Browser::start(s.proc.admin).await;
    eprintln!("browser started in {:?}", started.elapsed());

    // A stranger meets the sign-in page; a wrong password is refused there.
    b.goto("/").await;
    assert_eq!(b.path().await, "/logind");
    b.check_page("/logind", "00-sign-in", &axe).await;
    b.sign_in("ole", "not the password at all").await;
    assert_eq!(b.path().await, "/logind");
    assert!(b.text().await.contains("Forkert navn, adgangskode eller engangskode."));
    assert!(b.driver.find(Locator::Css(".notice.fejl")).await.is_ok());
    // The refusal's 401 is the only thing in the browser's console.
    let errors = b.console_errors().await;
    assert!(errors.iter().all(|e| e.contains("401")), "{errors:?}");

    // The operator: every page.
    b.sign_in("ole", PASSWORD).await;
    assert_eq!(b.path().await, "/");
    for (path, shot) in [
        ("/", "01-overblik"),
        ("/fejl", "02-fejlhaandtering"),
        ("/adgang", "03-adgang"),
        ("/beskedfordeler", "04-beskedfordeler"),
        ("/landskab", "05-landskab"),
        ("/revision", "06-revision"),
        ("/brugere", "07-brugere"),
    ] {
        let text = b.check_page(path, shot, &axe).await;
        assert!(text.contains("ole"), "{path} names who is signed in");
    }
    // English is one click away.
    b.goto("/sprog/en").await;
    assert!(b.check_page("/", "08-overview-en", &axe).await.contains("Open errors"));
    b.goto("/sprog/da").await;
    b.sign_out().await;

    // The municipality's person corrects the registration field by field and resubmits it.
    b.sign_in("kim", PASSWORD).await;
    let text = b.check_page("/fejl?status=open", "10-kim-fejl", &axe).await;
    assert!(text.contains("maskintimer"), "{text}");
    b.click("tbody a").await;
    let field = b.driver.find(Locator::Css("input[name='f.POSTG_DATE']")).await.unwrap();
    assert_eq!(field.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    let reason = b
        .driver
        .find(Locator::Id("r-POSTG_DATE"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(reason.contains("POSTG_DATE"), "{reason}");
    b.screenshot("11-fejl-felt-for-felt").await;
    assert!(b.accessibility_violations(&axe).await.is_empty());
    b.fill("input[name='f.POSTG_DATE']", &valid_registration().postg_date)
        .await;
    b.submit("form[action$='/genindsend'] button").await;
    let text = b.text().await;
    assert!(text.contains("Genindsendt."), "{text}");
    assert!(text.contains("resubmitted"), "{text}");
    let entries = s.admin.list("/api/v1/errors").await;
    assert_eq!(entries[0]["status"], "resubmitted", "{entries:?}");
    let registrations = s.admin.get_ok("/api/v1/maskintimer/registrations").await;
    assert!(registrations.to_string().contains(&bad.ex_ident), "{registrations}");
    // The admin audit log names the person.
    let log = s.admin.list("/api/v1/audit/admin?limit=100").await;
    assert!(
        log.iter()
            .any(|e| e["actor"] == "municipality:0751 (person kim)"
                && e["action"].as_str().unwrap().contains("resubmit")),
        "{log:?}"
    );
    b.sign_out().await;

    // One order, three people: the vendor indicates it, the municipality signs, the operator sets it up.
    assert_eq!(
        kantine_reads(&s).await,
        Some(StatusCode::FORBIDDEN),
        "no access before the order"
    );
    b.sign_in("vera", PASSWORD).await;
    let text = b.check_page("/adgang", "20-vera-adgang", &axe).await;
    assert!(text.contains("kantine"));
    // Another vendor's systems are not shown …
    assert!(
        !text.contains("vikarsystem") && !text.contains("Vikarsystemer"),
        "{text}"
    );
    b.click("details summary").await;
    b.driver
        .find(Locator::Css("#o-m option[value='0340']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.fill("#o-i", "medarbejderoplysninger").await;
    b.fill("#o-n", "Kantinen vil læse stamdata").await;
    b.submit("form[action='/adgang/ordrer'] button").await;
    let order = b.path().await;
    assert!(order.starts_with("/adgang/ordrer/"), "{order}: {}", b.text().await);
    let order = order.split('?').next().unwrap().to_owned();
    assert_eq!(
        b.driver.find(Locator::Id("state")).await.unwrap().text().await.unwrap(),
        "proposed"
    );
    // … nor reachable by guessing: another vendor's order and another vendor's system.
    let others = s.admin.list("/api/v1/orders?system=vikarsystem").await;
    let other = others[0]["id"].as_str().unwrap();
    b.goto(&format!("/adgang/ordrer/{other}")).await;
    assert!(b.text().await.contains("Findes ikke."), "{}", b.text().await);
    b.goto("/adgang/systemer/vikarsystem/luk").await;
    assert!(b.text().await.contains("Findes ikke."));
    assert!(b.console_errors().await.iter().all(|e| e.contains("404")));
    b.sign_out().await;

    let take_my_step = |expected: &'static str| {
        let b = &b;
        let order = order.clone();
        async move {
            b.goto(&order).await;
            let button = b
                .driver
                .find(Locator::Id("my-step"))
                .await
                .unwrap_or_else(|_| panic!("no step for me at {expected}"));
            assert!(button.text().await.unwrap().ends_with(expected));
            drop(button);
            b.submit("#my-step").await;
            let text = b.text().await;
            assert!(text.contains("Trinnet er udført."), "{expected}: {text}");
            assert_eq!(
                b.driver.find(Locator::Id("state")).await.unwrap().text().await.unwrap(),
                expected
            );
        }
    };
    b.sign_in("ole", PASSWORD).await;
    take_my_step("clarified").await;
    let state = s
        .admin
        .get_ok(&format!("/api/v1{}", order.replace("/adgang/ordrer", "/orders")))
        .await;
    if state["kind"] == "individual" {
        take_my_step("certificates_clarified").await;
    }
    // The municipality's step is not the operator's to take here.
    b.goto(&order).await;
    assert!(b.driver.find(Locator::Id("my-step")).await.is_err() || b.text().await.contains("addendum_signed"));
    b.sign_out().await;
    b.sign_in("mette", PASSWORD).await;
    take_my_step("addendum_signed").await;
    b.check_page(&order, "21-mette-ordre", &axe).await;
    b.sign_out().await;
    b.sign_in("ole", PASSWORD).await;
    take_my_step("delivery_ordered").await;
    assert_eq!(
        kantine_reads(&s).await,
        Some(StatusCode::FORBIDDEN),
        "not before access is set up"
    );
    take_my_step("access_set_up").await;
    b.check_page(&order, "22-ordre-tidslinje", &axe).await;
    assert_eq!(
        kantine_reads(&s).await,
        Some(StatusCode::OK),
        "the order ends in a working SOAP call"
    );
    let steps = s
        .admin
        .get_ok(&format!("/api/v1{}", order.replace("/adgang/ordrer", "/orders")))
        .await;
    let actors: Vec<&str> = steps["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.contains(&format!("vendor:{kantinedata} (person vera)").as_str()),
        "{actors:?}"
    );
    assert!(actors.contains(&"municipality:0340 (person mette)"), "{actors:?}");
    assert!(actors.contains(&"operator (person ole)"), "{actors:?}");

    // A system on the map opens its own map.
    b.goto("/landskab").await;
    let link = b.driver.find(Locator::Css(".map svg a")).await.unwrap();
    let href = link.attr("href").await.unwrap().unwrap();
    link.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.path().await, format!("/landskab{href}"));
    let shown = href.trim_start_matches("?system=");
    assert!(b.text().await.contains(&format!("Kort: {shown}")), "{}", b.text().await);

    // A CSV import: checked row by row, then applied.
    b.goto("/landskab").await;
    b.fill(
        "#import-csv",
        "id;name;vendor;kind;lifecycle;replaced_by;description\ncsv-arkiv;Arkivsystem;Leverandør A/S;ekstern;i drift;;fra CSV\ncsv-bad;Uden type;;rumskib;;;\n",
    )
    .await;
    b.submit("form[action^='/landskab/import'] button").await;
    let report = b
        .driver
        .find(Locator::Id("import-rows"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("csv-arkiv") && report.contains("created"), "{report}");
    assert!(
        report.contains("csv-bad") && report.contains("rejected") && report.contains("rumskib"),
        "{report}"
    );
    b.driver
        .execute("document.getElementById('import').scrollIntoView()", Vec::new())
        .await
        .unwrap();
    b.screenshot("24-csv-import-kontrol").await;
    assert!(b.accessibility_violations(&axe).await.is_empty());
    let (status, _) = s.admin.get("/api/v1/landscape/systems/csv-arkiv").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a check stores nothing");
    b.submit("#apply-import").await;
    assert!(b.text().await.contains("Importeret"));
    let (status, _) = s.admin.get("/api/v1/landscape/systems/csv-arkiv").await;
    assert_eq!(status, StatusCode::OK, "applied");

    // Urgent closing: the confirmation names what is cut off; after it the system is refused.
    let text = b
        .check_page("/adgang/systemer/kantine/luk", "23-akut-lukning", &axe)
        .await;
    assert!(
        text.contains("medarbejderoplysninger") && text.contains("engangsydelse"),
        "{text}"
    );
    b.fill("#reason", "Mistanke om kompromitteret certifikat").await;
    b.submit("#confirm-close").await;
    assert!(b.text().await.contains("Systemets adgang er lukket."));
    assert_ne!(kantine_reads(&s).await, Some(StatusCode::OK), "closed at once");
    b.sign_out().await;

    // The vendor uploads a certificate for its system: a file that is none is refused with the reason, a new
    // certificate from the CA is added.
    b.sign_in("vera", PASSWORD).await;
    let upload_dir = tempfile::tempdir().unwrap();
    let junk = upload_dir.path().join("ikke-et-certifikat.pem");
    std::fs::write(&junk, "dette er ikke et certifikat\n").unwrap();
    b.upload_certificate("kantine", &junk).await;
    let text = b.text().await;
    assert!(text.contains("Handlingen blev afvist"), "{text}");
    let _ = b.console_errors().await;
    let pki = s.data_dir().join("pki");
    let (cert, _key) =
        snitflade_server::demo::pki::issue_client_certificate(&pki, "kantine", "Kantinedata ApS", "18838737", 400)
            .unwrap();
    let good = upload_dir.path().join("kantine-ny.pem");
    std::fs::write(&good, cert).unwrap();
    b.upload_certificate("kantine", &good).await;
    assert!(
        b.text().await.contains("Certifikatet er tilføjet."),
        "{}",
        b.text().await
    );
    let certificates = s.admin.list("/api/v1/certificates").await;
    assert_eq!(
        certificates.iter().filter(|c| c["system"] == "kantine").count(),
        2,
        "{certificates:?}"
    );
    // In this test environment the vendor gets a test certificate with a key pair made once.
    b.goto("/adgang").await;
    b.click("details:has(form[action$='/kantine/testcertifikat']) summary")
        .await;
    b.submit("form[action$='/kantine/testcertifikat'] button").await;
    let key = b
        .driver
        .find(Locator::Id("private-key-pem"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert!(key.unwrap_or_default().contains("PRIVATE KEY"));
    b.check_page_here("25-testcertifikat", &axe).await;
    let certificates = s.admin.list("/api/v1/certificates").await;
    assert_eq!(certificates.iter().filter(|c| c["system"] == "kantine").count(), 3);
    b.sign_out().await;

    // The operator gives rekruttering its startup package; a grant ending soon is on the front page.
    b.sign_in("ole", PASSWORD).await;
    b.goto("/adgang").await;
    b.submit("form[action$='/rekruttering/opstartspakke'] button").await;
    assert!(b.text().await.contains("Opstartspakken er givet."));
    let grants = s.admin.list("/api/v1/grants").await;
    let rekruttering = s
        .admin
        .list("/api/v1/systems")
        .await
        .into_iter()
        .find(|x| x["name"] == "rekruttering")
        .unwrap();
    let package: Vec<_> = grants
        .iter()
        .filter(|g| g["system_id"] == rekruttering["id"] && !g["valid_to"].is_null())
        .collect();
    assert_eq!(
        package.len(),
        13,
        "seven interfaces in two test municipalities, but personalemappe in 0340: {package:?}"
    );
    let soon = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(10))
        .unwrap()
        .to_string();
    let (status, body) = s
        .admin
        .post(
            "/api/v1/grants",
            Some(json!({"system": "vikarsystem", "municipality": "0751", "interface": "fravaerskvoter", "valid_to": soon})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    b.goto("/").await;
    let ending = b
        .driver
        .find(Locator::Id("ending-grants"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(ending.contains("vikarsystem") && ending.contains(&soon), "{ending}");
    b.sign_out().await;

    // A change without the page's CSRF token is refused, and changes nothing.
    b.sign_in("vera", PASSWORD).await;
    b.goto("/brugere").await;
    b.click("details:last-of-type summary").await;
    b.fill("#t-name", "uden-csrf").await;
    b.driver
        .execute(
            "document.querySelectorAll('input[name=csrf]').forEach(e => e.remove());\
             document.body.removeAttribute('hx-headers');",
            Vec::new(),
        )
        .await
        .unwrap();
    b.submit("form[action='/brugere/tokens'] button").await;
    assert!(b.text().await.contains("CSRF"), "{}", b.text().await);
    let tokens = s.admin.list("/api/v1/tokens").await;
    assert!(tokens.iter().all(|t| t["name"] != "uden-csrf"), "{tokens:?}");
    let _ = b.console_errors().await;
    // With the token, the same form works and shows the secret once.
    b.goto("/brugere").await;
    b.click("details:last-of-type summary").await;
    b.fill("#t-name", "med-csrf").await;
    b.submit("form[action='/brugere/tokens'] button").await;
    let secret = b
        .driver
        .find(Locator::Id("shown-secret"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(secret.starts_with("snf_"), "{secret}");
    // … and revokes it again.
    b.goto("/brugere").await;
    b.submit("form[action$='/tilbagekald'] button").await;
    assert!(b.text().await.contains("Nøglen er tilbagekaldt."));
    let tokens = s.admin.list("/api/v1/tokens").await;
    let revoked = tokens.iter().find(|t| t["name"] == "med-csrf").unwrap();
    assert!(!revoked["revoked_at"].is_null(), "{revoked}");
    b.sign_out().await;

    // The municipality closes a delivered order normally, its access ending in 30 days.
    b.sign_in("mette", PASSWORD).await;
    let vikar = s.admin.list("/api/v1/orders?system=vikarsystem").await;
    let vikar = vikar[0]["id"].as_str().unwrap();
    b.goto(&format!("/adgang/ordrer/{vikar}")).await;
    let on = jiff::Zoned::now()
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();
    // A date field is typed in the browser's locale's order; its value is the ISO date either way.
    b.driver
        .execute(
            &format!("document.getElementById('close-on').value = '{on}'"),
            Vec::new(),
        )
        .await
        .unwrap();
    b.fill("#close-reason", "Kontrakten udløber").await;
    b.submit("#close-order").await;
    assert!(b.text().await.contains("Ordren er lukket."), "{}", b.text().await);
    let closed = s.admin.get_ok(&format!("/api/v1/orders/{vikar}")).await;
    assert_eq!(closed["closed"]["kind"], "normal", "{closed}");
    assert_eq!(closed["closed"]["on"], on.to_string(), "{closed}");
    assert_eq!(closed["closed"]["actor"], "municipality:0340 (person mette)");
    b.sign_out().await;

    // The operator builds a subscription for a dueslag from the message types and an authority.
    let (status, dueslag) = s
        .admin
        .post(
            "/api/v1/dueslag",
            Some(json!({"name": "Dagtilbud-fravær", "system": "dagtilbud", "push_url": "https://127.0.0.1:9/ind"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{dueslag}");
    let dueslag = dueslag["id"].as_str().unwrap().to_owned();
    b.sign_in("ole", PASSWORD).await;
    b.goto("/beskedfordeler").await;
    b.click("details:has(form[action$='/abonnementer']) summary").await;
    b.click("input[name=beskedtype][value='absence.created']").await;
    b.fill(&format!("#myn-{dueslag}"), "0340").await;
    b.check_page_here("26-abonnement", &axe).await;
    b.submit("form[action$='/abonnementer'] button").await;
    assert!(b.text().await.contains("Abonnementet er oprettet."));
    let subscriptions = s.admin.list(&format!("/api/v1/dueslag/{dueslag}/subscriptions")).await;
    assert_eq!(
        subscriptions[0]["filter"],
        json!({"beskedtype": ["absence.created"], "myndighed": ["0340"]}),
        "{subscriptions:?}"
    );
    b.sign_out().await;

    // The auditor reads the logs and nothing else.
    b.sign_in("revisor", PASSWORD).await;
    let text = b.check_page("/revision", "30-revisor", &axe).await;
    assert!(text.contains("person kim"), "the admin log shows who did what: {text}");
    let nav = b
        .driver
        .find(Locator::Css("nav.main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!nav.contains("Adgang") && !nav.contains("Fejlhåndtering"), "{nav}");
    // A page outside the role is refused with the reason, not shown empty.
    b.goto("/fejl").await;
    assert!(
        b.text().await.contains("Du har ikke adgang til denne side."),
        "{}",
        b.text().await
    );
    let _ = b.console_errors().await;
    b.sign_out().await;

    // Every page in every role's menu renders cleanly for that role.
    for (person, pages) in [
        (
            "mette",
            &[
                "/",
                "/fejl",
                "/adgang",
                "/beskedfordeler",
                "/landskab",
                "/revision",
                "/brugere",
            ][..],
        ),
        ("vera", &["/", "/fejl", "/adgang", "/beskedfordeler", "/brugere"][..]),
        ("revisor", &["/", "/revision"][..]),
    ] {
        b.sign_in(person, PASSWORD).await;
        let nav = b
            .driver
            .find(Locator::Css("nav.main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(nav.lines().count(), pages.len(), "{person}: {nav}");
        for page in pages {
            let shot = format!("50-{person}{}", page.replace('/', "-"));
            b.check_page(page, &shot, &axe).await;
        }
        b.sign_out().await;
    }
    b.driver.clone().close().await.unwrap();
}

#[tokio::test]
async fn an_idle_session_expires_and_the_person_is_told() {
    let s = Server::start_with_config("[console]\nidle_timeout_secs = 2\n").await;
    add_person(&s, "ole", "operator", None).await;
    let b = Browser::start(s.proc.admin).await;
    b.sign_in("ole", PASSWORD).await;
    assert_eq!(b.path().await, "/");
    tokio::time::sleep(Duration::from_secs(3)).await;
    b.goto("/fejl").await;
    assert_eq!(b.path().await, "/logind?udloebet=1");
    assert!(b.text().await.contains("Din session er udløbet."));
    b.screenshot("40-udloebet").await;
    b.driver.clone().close().await.unwrap();
}

/// A real OpenID Connect provider (node `oidc-provider`, `tests/oidc/provider.mjs`), installed with `npm ci` into
/// the target dir the first time.
struct IdentityProvider {
    child: Child,
    port: u16,
}

impl Drop for IdentityProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl IdentityProvider {
    fn start(
        client_secret: &str,
    ) -> (
        IdentityProvider,
        std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
    ) {
        use std::io::BufRead;
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("oidc");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oidc-provider");
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["package.json", "package-lock.json", "provider.mjs"] {
            std::fs::copy(source.join(file), dir.join(file)).unwrap();
        }
        if !dir.join("node_modules").join("oidc-provider").exists() {
            let installed = Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--silent"])
                .current_dir(&dir)
                .status()
                .expect("npm is needed to install oidc-provider");
            assert!(installed.success(), "npm ci of oidc-provider");
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .current_dir(&dir)
            .env("OIDC_CLIENT_SECRET", client_secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node is needed for the OpenID Connect provider");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let port = first.strip_prefix("port ").unwrap().parse().unwrap();
        (IdentityProvider { child, port }, lines)
    }

    fn issuer(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Registers the console's redirect URI and waits for the provider to take sign-ins.
    fn register(&mut self, lines: &mut impl Iterator<Item = std::io::Result<String>>, redirect_uri: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{redirect_uri}").unwrap();
        stdin.flush().unwrap();
        assert_eq!(lines.next().unwrap().unwrap(), "ready");
    }
}

impl Browser {
    /// Signs in at the provider's development pages as `login` (its `sub`) and consents.
    async fn sign_in_at_provider(&self, login: &str) {
        self.click("a[href='/logind/oidc/aarhus']").await;
        for _ in 0..100 {
            if self.driver.find(Locator::Css("input[name='login']")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let at = self.driver.current_url().await.unwrap();
        assert_eq!(at.host_str(), Some("localhost"), "{at}: at the provider");
        self.fill("input[name='login']", login).await;
        self.fill("input[name='password']", "hvad som helst").await;
        self.submit("button[type='submit']").await;
        // The provider asks for consent the first time.
        if self.driver.current_url().await.unwrap().host_str() == Some("localhost") {
            self.submit("button[type='submit']").await;
        }
        // The console's callback page goes on to the overview by itself.
        for _ in 0..100 {
            let url = self.driver.current_url().await.unwrap();
            if url.host_str() == Some("127.0.0.1") && !url.path().ends_with("/callback") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

#[tokio::test]
async fn a_person_signs_in_through_their_municipalitys_openid_connect_provider() {
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("oidc-secret");
    std::fs::write(&secret_file, "en hemmelighed kun konsollen og udbyderen kender\n").unwrap();
    let (mut idp, mut lines) = IdentityProvider::start("en hemmelighed kun konsollen og udbyderen kender");
    let s = Server::start_with_config(&format!(
        "[[console.oidc]]\nname = \"aarhus\"\nlabel = \"Aarhus Kommunes login\"\nissuer = \"{}\"\n\
         client_id = \"snitflade-console\"\nclient_secret_file = \"{}\"\n",
        idp.issuer(),
        secret_file.display()
    ))
    .await;
    idp.register(
        &mut lines,
        &format!("http://{}/logind/oidc/aarhus/callback", s.proc.admin),
    );

    // A person linked to their identity at Aarhus' provider (with the command line), with no password of their own
    // in snitflade; an issuer that is not a configured provider's is refused, and so are half an identity and a
    // person with neither password nor identity.
    let added = Command::new(env!("CARGO_BIN_EXE_snitflade"))
        .args([
            "admin",
            "--admin-url",
            &format!("http://{}", s.proc.admin),
            "--data-dir",
        ])
        .arg(s.data_dir())
        .args([
            "users",
            "add",
            "mette",
            "--role",
            "municipality",
            "--scope",
            "0751",
            "--oidc-issuer",
        ])
        .args([idp.issuer().as_str(), "--oidc-subject", "mette@aarhus"])
        .env_remove("SNITFLADE_ADMIN_TOKEN")
        .env_remove("SNITFLADE_ADMIN_URL")
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let listed: Value = serde_json::from_slice(&added.stdout).unwrap();
    assert_eq!(listed["oidc_subject"], "mette@aarhus", "{listed}");
    for (person, why) in [
        (
            json!({"name": "x", "role": "auditor", "oidc_issuer": idp.issuer()}),
            "together",
        ),
        (
            json!({"name": "y", "role": "auditor"}),
            "a password or an OpenID Connect identity",
        ),
    ] {
        let (status, body) = s.admin.post("/api/v1/users", Some(person)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(body.to_string().contains(why), "{body}");
    }
    let (status, body) = s
        .admin
        .post(
            "/api/v1/users",
            Some(json!({"name": "mallory", "role": "operator",
                        "oidc_issuer": "https://login.example", "oidc_subject": "mallory"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("not a configured provider"), "{body}");

    let axe = axe_source();
    let b = Browser::start(s.proc.admin).await;
    b.goto("/logind").await;
    let text = b.text().await;
    assert!(text.contains("Aarhus Kommunes login"), "{text}");
    b.check_page_here("50-logind-oidc", &axe).await;

    // Through the provider and back: signed in as mette, a municipality's person of 0751. (The provider's
    // development pages ask the internet for a font and have no icon; those are their console errors, not the
    // console's.)
    b.sign_in_at_provider("mette@aarhus").await;
    let errors = b.console_errors().await;
    assert!(
        errors
            .iter()
            .all(|e| e.contains("fonts.googleapis.com") || e.starts_with(&idp.issuer())),
        "{errors:?}"
    );
    assert_eq!(b.path().await, "/");
    let text = b.text().await;
    assert!(text.contains("mette"), "{text}");
    b.check_page("/fejl", "51-oidc-fejl", &axe).await;
    // Brugere og nøgler offers the provider for a new person, and lists mette's subject there.
    let text = b.check_page("/brugere", "52-oidc-brugere", &axe).await;
    assert!(text.contains("mette@aarhus"), "{text}");
    let options = b.driver.find_all(Locator::Css("#p-provider option")).await.unwrap();
    assert_eq!(options.len(), 2, "none and aarhus");
    b.click("details summary").await;
    b.screenshot("53-oidc-ny-person").await;
    let log = s.admin.list("/api/v1/audit/admin?limit=100").await;
    assert!(
        log.iter().any(|e| e["action"] == "console.sign_in"
            && e["actor"] == "municipality:0751 (person mette)"
            && e["detail"]["method"] == "oidc:aarhus"),
        "{log:?}"
    );
    b.sign_out().await;

    // Someone the provider knows but snitflade does not (the provider's own session forgotten first): refused, and
    // told why.
    b.driver
        .goto(&format!("{}/.well-known/openid-configuration", idp.issuer()))
        .await
        .unwrap();
    b.driver.delete_all_cookies().await.unwrap();
    b.goto("/logind").await;
    b.sign_in_at_provider("fremmed@aarhus").await;
    let text = b.text().await;
    assert!(text.contains("ikke knyttet til en aktiv bruger"), "{text}");
    b.goto("/").await;
    assert_eq!(b.path().await, "/logind", "not signed in");

    // A callback the console did not start (a forged or replayed one) signs no one in.
    b.goto("/logind/oidc/aarhus/callback?code=stjaalet&state=gaettet").await;
    assert!(b.text().await.contains("Log ind blev ikke gennemført"));
    b.goto("/").await;
    assert_eq!(b.path().await, "/logind");
    let _ = b.console_errors().await;
    b.driver.clone().close().await.unwrap();
}
