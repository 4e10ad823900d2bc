//! Shared helpers of the integration tests: a demo server in its own temp dir, mTLS clients per demo system, the SOAP
//! and admin calls, and a small namespace-aware XML reader for comparing answers with the example messages of KMD's
//! machine-hours service description.
//!
//! Every test binary uses a different subset of these helpers.
#![allow(dead_code)]

pub mod proxy;
pub mod push;
pub mod python;
pub mod raw;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use snitflade_bench::{Admin, Registration, ServerProcess, client_from_config, mtls_client, trust_only_client_config};

pub const REGISTRATION: &str = "MobileEquipRegistration_OS_SI";
pub const MASTERDATA: &str = "MobileEquipMasterdata_OS_SI";
pub const REGISTRATION_NS: &str = "http://kmd.dk/mobile_equipreg/kmd";
pub const MASTERDATA_NS: &str = "http://kmd.dk/mobile_equip_masterdata/kmd";
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// The example messages of KMD's machine-hours service description, byte for byte (test oracles kept outside the
/// repository, in `reference/seed-004/`).
pub const SEED_MASTERDATA_REQUEST: &str =
    include_str!("../../../../../shared/reference/seed-004/masterdata-request.xml");
pub const SEED_MASTERDATA_RESPONSE: &str =
    include_str!("../../../../../shared/reference/seed-004/masterdata-response.xml");
pub const SEED_MASTERDATA_FAULT: &str =
    include_str!("../../../../../shared/reference/seed-004/masterdata-fault-unknown-employee.xml");
pub const SEED_REGISTRATION_REQUEST: &str =
    include_str!("../../../../../shared/reference/seed-004/registration-request.xml");
const SEED_REGISTRATION_RESPONSE: &str =
    include_str!("../../../../../shared/reference/seed-004/registration-response.xml");

/// The body of an accepted registration: the example response without the file's final line break.
pub fn empty_response() -> &'static str {
    SEED_REGISTRATION_RESPONSE.trim_end_matches(['\r', '\n'])
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_snitflade"))
}

/// A running demo server with its own data dir (removed when dropped, after the server is killed).
pub struct Server {
    pub proc: ServerProcess,
    pub admin: AdminApi,
    // Declared last so the server is killed before its data dir goes.
    pub dir: tempfile::TempDir,
}

/// Writes a config file into `dir` that relaxes the once-a-day master-data rule.
pub fn relaxed_config(dir: &Path) -> PathBuf {
    let path = dir.join("relaxed.toml");
    std::fs::write(&path, "[services]\nmasterdata_once_per_day = false\n").expect("writing the config file");
    path
}

/// `serve --demo` on `data_dir`, with extra arguments, waiting for the ready line.
pub async fn spawn(data_dir: &Path, extra: &[&std::ffi::OsStr]) -> ServerProcess {
    let mut cmd: Command = ServerProcess::demo_command(&bin(), data_dir);
    cmd.args(extra);
    ServerProcess::spawn_async(cmd).await.expect("the server starts")
}

impl Server {
    /// A demo server with the default configuration.
    pub async fn start() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let proc = spawn(&data, &[]).await;
        Self::wrap(dir, proc)
    }

    /// A demo server logging at `filter` (`SNITFLADE_LOG`), for a test of what the log holds.
    pub async fn start_logging(filter: &str) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut cmd: Command = ServerProcess::demo_command(&bin(), &data);
        cmd.env("SNITFLADE_LOG", filter);
        let proc = ServerProcess::spawn_async(cmd).await.expect("the server starts");
        Self::wrap(dir, proc)
    }

    /// A demo server whose config allows fetching master data more than once a day.
    pub async fn start_relaxed() -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let cfg = relaxed_config(dir.path());
        let proc = spawn(&data, &["--config".as_ref(), cfg.as_os_str()]).await;
        Self::wrap(dir, proc)
    }

    /// A demo server with a config file of these contents (TOML, e.g. a `[services]` table).
    pub async fn start_with_config(toml: &str) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let cfg = dir.path().join("config.toml");
        std::fs::write(&cfg, toml).expect("writing the config file");
        let proc = spawn(&data, &["--config".as_ref(), cfg.as_os_str()]).await;
        Self::wrap(dir, proc)
    }

    pub fn wrap(dir: tempfile::TempDir, proc: ServerProcess) -> Server {
        let admin = AdminApi::new(&dir.path().join("data"), proc.admin);
        Server { proc, admin, dir }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// An HTTPS client with the demo client certificate of `system`.
    pub fn client(&self, system: &str) -> reqwest::Client {
        mtls_client(&self.data_dir(), system).expect("mTLS client")
    }

    /// A JWT from snitflade's STS (`POST /runtime/api/rest/oauth/v1/issue`) for `system`, over its mutual TLS, for the
    /// service `entity_id` and the municipality with `cvr`.
    pub async fn sts_token(&self, system: &str, entity_id: &str, cvr: &str) -> String {
        let r = self
            .client(system)
            .post(format!(
                "https://{}/runtime/api/rest/oauth/v1/issue",
                self.proc.services
            ))
            .form(&[
                ("grant_type", "client_credentials"),
                ("scope", &format!("entityid:{entity_id},anvenderkontekst:{cvr}")),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status();
        let answer: serde_json::Value = r.json().await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{answer}");
        answer["access_token"].as_str().unwrap().to_owned()
    }

    /// The client of `maskinregistrering`, the system granted `maskintimer` for 0340 and 0751.
    pub fn maskinregistrering(&self) -> reqwest::Client {
        self.client("maskinregistrering")
    }

    /// `https://<services>/ws/<service>`.
    pub fn ws_url(&self, service: &str) -> String {
        format!("https://{}/ws/{service}", self.proc.services)
    }

    /// The SAP PI form, `interfaceNamespace` URL-encoded.
    pub fn sap_pi_url(&self, service: &str, namespace: &str) -> String {
        format!(
            "https://{}/XISOAPAdapter/MessageServlet?senderParty=&senderService=&receiverParty=&receiverService=\
             &interface={service}&interfaceNamespace={}",
            self.proc.services,
            url_encode(namespace)
        )
    }

    /// The bench crate's admin client (registration paging).
    pub fn bench_admin(&self) -> Admin {
        Admin::new(&self.data_dir(), self.proc.admin).expect("admin client")
    }

    /// Posts a registration to `/ws/MobileEquipRegistration_OS_SI` as `maskinregistrering`.
    pub async fn register(&self, r: &Registration) -> Reply {
        post_soap(
            &self.maskinregistrering(),
            &self.ws_url(REGISTRATION),
            snitflade_bench::registration_xml(r),
        )
        .await
    }

    /// Registers a sick day for `pernr` as `dagtilbud` (granted opret-fravaer for 0340): one `absence.created`
    /// event.
    pub async fn register_sick_day(&self, pernr: &str, day: &str) {
        let reply = post_soap(
            &self.client("dagtilbud"),
            &self.ws_url("SetAbsenceAttendance_OS_SI"),
            sick_day(pernr, day),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert!(reply.body.contains("<StatusType>S</StatusType>"), "{}", reply.body);
    }

    /// Asserts that `/healthz` answers 200 `{"status":"ok"}`.
    pub async fn assert_healthy(&self) {
        let (status, body) = self.admin.get_unauthenticated("/healthz").await;
        assert_eq!(status, StatusCode::OK, "healthz: {body}");
        assert_eq!(body, serde_json::json!({"status": "ok"}));
    }
}

/// A Medarbejderoplysninger Laes of `pernr` (`Employee_Provide_Out`; a read of personal data, in the audit log).
pub fn laes_envelope(pernr: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" \
         xmlns:m=\"urn:oio:medarbejder:1.0.0\" xmlns:sd=\"urn:oio:sagdok:3.0.0\"><soapenv:Header/><soapenv:Body>\
         <m:LaesInput><sd:MedarbejderRef><sd:UUIDIdentifikator></sd:UUIDIdentifikator><sd:URNIdentifikator>\
         urn:oio:kmd:lpe:medarbejder:{pernr}</sd:URNIdentifikator></sd:MedarbejderRef></m:LaesInput>\
         </soapenv:Body></soapenv:Envelope>"
    )
}

/// A SetAbsenceAttendance (opret-fravaer) message registering a sick day (SY) of `pernr` on `day`.
pub fn sick_day(pernr: &str, day: &str) -> String {
    format!(
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\"><SOAP-ENV:Body>\
         <ns0:SetAbsenceAttendanceRequest_MT xmlns:ns0=\"urn:kmd.dk:LPT:VACAB:external\"><StartDate>{day}</StartDate>\
         <EndDate>{day}</EndDate><Operation>INS</Operation><PersonnelNumber>{pernr}</PersonnelNumber>\
         <AbsenceAttendanceType>SY</AbsenceAttendanceType></ns0:SetAbsenceAttendanceRequest_MT></SOAP-ENV:Body>\
         </SOAP-ENV:Envelope>"
    )
}

/// The text between the first `open` and the next `close` after it.
pub fn between<'a>(xml: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = xml.find(open)? + open.len();
    let end = xml[start..].find(close)? + start;
    Some(&xml[start..end])
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTTP answer from the services listener.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Reply {
    /// The parsed SOAP fault of this answer (panics, with the body, if it is none).
    pub fn fault(&self) -> SoapFault {
        SoapFault::parse(&self.body).unwrap_or_else(|e| panic!("not a SOAP fault ({e}): {} {}", self.status, self.body))
    }

    /// Asserts HTTP 200 with the service description's empty SOAP body, byte for byte.
    pub fn assert_accepted(&self) {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        assert_eq!(self.body, empty_response());
        assert!(
            self.content_type.starts_with("text/xml"),
            "content type {}",
            self.content_type
        );
    }

    /// Asserts a SOAP 1.1 fault with `status` and `faultcode` and returns it.
    pub fn assert_fault(&self, status: StatusCode, code: &str) -> SoapFault {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert!(
            self.content_type.starts_with("text/xml"),
            "content type {}",
            self.content_type
        );
        let f = self.fault();
        assert_eq!(f.code, code, "body: {}", self.body);
        assert!(!f.string.trim().is_empty(), "empty faultstring: {}", self.body);
        f
    }
}

/// POSTs `body` as a SOAP 1.1 request (SAP PI's headers) and reads the whole answer.
pub async fn post_soap(client: &reqwest::Client, url: &str, body: impl Into<reqwest::Body>) -> Reply {
    post_soap_as(client, url, "text/xml; charset=utf-8", body).await
}

/// [`post_soap`] with another `Content-Type` (another charset, or none).
pub async fn post_soap_as(
    client: &reqwest::Client,
    url: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> Reply {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .header("SOAPAction", snitflade_bench::SOAP_ACTION)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {url}: {e:?}"));
    read_reply(response).await
}

pub async fn read_reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.text().await.expect("reading the answer");
    Reply {
        status,
        content_type,
        body,
    }
}

/// A SOAP 1.1 fault as read from an answer.
#[derive(Debug, Clone)]
pub struct SoapFault {
    pub code: String,
    pub string: String,
    pub detail: Option<Node>,
}

impl SoapFault {
    pub fn parse(xml: &str) -> Result<SoapFault, String> {
        let env = parse_xml(xml)?;
        if !env.is(Some(SOAP11_NS), "Envelope") {
            return Err(format!("root is {:?}", env.name));
        }
        let body = env.child_ns(Some(SOAP11_NS), "Body").ok_or("no Body")?;
        let fault = body.child_ns(Some(SOAP11_NS), "Fault").ok_or("no Fault")?;
        Ok(SoapFault {
            code: fault.child_text("faultcode").ok_or("no faultcode")?.to_owned(),
            string: fault.child_text("faultstring").ok_or("no faultstring")?.to_owned(),
            detail: fault.child("detail").cloned(),
        })
    }

    /// The whole fault as text, for `contains` checks on faultstring and detail together.
    pub fn all_text(&self) -> String {
        let mut s = self.string.clone();
        if let Some(d) = &self.detail {
            d.collect_text(&mut s);
        }
        s
    }
}

/// A registration of employee 00012345 in 0751 that passes every rule (the bench crate's valid demo message).
pub fn valid_registration() -> Registration {
    Registration::valid_demo(snitflade_bench::new_ex_ident())
}

/// The admin API (plain HTTP, bearer token).
#[derive(Debug, Clone)]
pub struct AdminApi {
    client: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl AdminApi {
    pub fn new(data_dir: &Path, admin: std::net::SocketAddr) -> AdminApi {
        let client = client_from_config(trust_only_client_config(data_dir).expect("client config")).expect("client");
        AdminApi {
            client,
            base: format!("http://{admin}"),
            token: snitflade_bench::admin_token(data_dir).expect("admin token"),
        }
    }

    /// The same API with another bearer token (e.g. an API token acting as its role).
    pub fn as_token(&self, token: &str) -> AdminApi {
        AdminApi {
            token: token.to_owned(),
            ..self.clone()
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = req.send().await.expect("admin request");
        let status = response.status();
        let text = response.text().await.expect("admin answer");
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// GET with the token; the JSON answer (or the text as a JSON string).
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.base)).bearer_auth(&self.token))
            .await
    }

    /// GET without any token.
    pub async fn get_unauthenticated(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(format!("{}{path}", self.base))).await
    }

    /// GET with the given `Authorization` header value.
    pub async fn get_with_authorization(&self, path: &str, authorization: &str) -> (StatusCode, Value) {
        self.send(
            self.client
                .get(format!("{}{path}", self.base))
                .header(reqwest::header::AUTHORIZATION, authorization),
        )
        .await
    }

    /// GET that must answer 200.
    pub async fn get_ok(&self, path: &str) -> Value {
        let (status, v) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}: {v}");
        v
    }

    /// GET of a JSON array that must answer 200.
    pub async fn list(&self, path: &str) -> Vec<Value> {
        match self.get_ok(path).await {
            Value::Array(a) => a,
            other => panic!("GET {path}: expected a JSON array, got {other}"),
        }
    }

    /// POST with the token and an optional JSON body.
    pub async fn post(&self, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }

    /// GET with the token; the status, content type and the answer as text (CSV exports).
    pub async fn get_text(&self, path: &str) -> (StatusCode, String, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("admin request");
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, content_type, response.text().await.expect("admin answer"))
    }

    /// POST with the token and a raw body (a certificate or CRL upload).
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let req = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.send(req).await
    }

    /// PUT with the token and a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let req = self
            .client
            .put(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body);
        self.send(req).await
    }

    /// `GET /healthz` (open), which must answer within a second whatever the database does.
    pub async fn healthz(&self) -> (StatusCode, Value) {
        tokio::time::timeout(Duration::from_secs(1), self.get_unauthenticated("/healthz"))
            .await
            .expect("GET /healthz answers within 1 s")
    }

    /// `GET /readyz` (open), which must answer within a second whatever the database does.
    pub async fn readyz(&self) -> (StatusCode, Value) {
        tokio::time::timeout(Duration::from_secs(1), self.get_unauthenticated("/readyz"))
            .await
            .expect("GET /readyz answers within 1 s")
    }

    /// DELETE with the token.
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(
            self.client
                .delete(format!("{}{path}", self.base))
                .bearer_auth(&self.token),
        )
        .await
    }

    /// Creates a dueslag (`body`: name, system, push_url, …) with one subscription; its UUID.
    pub async fn dueslag(&self, body: Value, filter: Value) -> String {
        let (status, d) = self.post("/api/v1/dueslag", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{d}");
        let id = d["id"].as_str().expect("the dueslag's id").to_owned();
        let (status, sub) = self
            .post(
                &format!("/api/v1/dueslag/{id}/subscriptions"),
                Some(serde_json::json!({ "filter": filter })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sub}");
        id
    }

    /// Grants `system` the interface `interface` for `municipality` from today (`POST /api/v1/grants`); e.g. the
    /// `beskedfordeler` grant without which a system's dueslag receive nothing.
    pub async fn grant(&self, system: &str, interface: &str, municipality: &str) {
        let body = serde_json::json!({"system": system, "interface": interface, "municipality": municipality});
        let (status, g) = self.post("/api/v1/grants", Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{g}");
    }

    /// The error-table entries with this external id.
    pub async fn errors_for(&self, external_id: &str) -> Vec<Value> {
        self.list(&format!("/api/v1/errors?external_id={}", url_encode(external_id)))
            .await
    }

    /// The one error-table entry with this external id.
    pub async fn error_for(&self, external_id: &str) -> Value {
        let mut all = self.errors_for(external_id).await;
        assert_eq!(all.len(), 1, "error entries for {external_id}: {all:?}");
        all.remove(0)
    }

    /// The stored registrations with this EX_IDENT (0 or 1).
    pub async fn registrations_for(&self, ex_ident: &str) -> Vec<Value> {
        self.list(&format!(
            "/api/v1/maskintimer/registrations?ex_ident={}",
            url_encode(ex_ident)
        ))
        .await
    }

    /// All outbox events.
    pub async fn events(&self) -> Vec<Value> {
        self.list("/api/v1/events?limit=10000").await
    }
}

/// The RabbitMQ of the tests that need one (`SNITFLADE_TEST_AMQP_URL`, set by `.ci/run`).
/// A loopback port free a moment ago, for a helper program that must be told its port (a browser driver, HAProxy).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh PostgreSQL database on the server of `SNITFLADE_TEST_DATABASE_URL` (set by `.ci/run`), for a test that
/// needs several instances on one database; `None`, said on stderr, when the variable is not set.
pub async fn test_postgres() -> Option<snitflade_store::testing::TestDb> {
    let Ok(base) = std::env::var(snitflade_store::testing::DATABASE_URL_VAR) else {
        eprintln!("SNITFLADE_TEST_DATABASE_URL is not set: this test needs a shared PostgreSQL (.ci/run sets it)");
        return None;
    };
    Some(snitflade_store::testing::TestDb::postgres(base).await)
}

pub fn test_amqp_url() -> Option<String> {
    std::env::var("SNITFLADE_TEST_AMQP_URL").ok().filter(|u| !u.is_empty())
}

/// Holds a lock (a file in the temp dir, so across test processes) while a test runs a server against the
/// RabbitMQ of `SNITFLADE_TEST_AMQP_URL`: every such server reads the one inbound queue bound to
/// `AFSEND_BESKED_EXCHANGE`, so two at once would answer each other's publishers.
pub async fn amqp_lock() -> std::fs::File {
    tokio::task::spawn_blocking(|| {
        let file = std::fs::File::create(std::env::temp_dir().join("snitflade-tests-rabbitmq.lock"))
            .expect("creating the RabbitMQ test lock");
        file.lock().expect("taking the RabbitMQ test lock");
        file
    })
    .await
    .expect("the lock task")
}

/// Polls `check` until it returns true or `limit` passes.
pub async fn wait_until<F, Fut>(limit: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    loop {
        if check().await {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Sends a signal to a process with `kill -<signal> <pid>`.
pub fn signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("running kill");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

/// Waits (bounded) for the server to exit on its own.
pub async fn wait_for_exit(proc: &mut ServerProcess, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = proc.try_wait().expect("polling the server") {
            return Some(s);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---------------------------------------------------------------------------------------------------------------
// A small namespace-aware XML reader, enough for the server's answers and the service description's examples.

/// One element: resolved namespace, local name, attributes by qualified name, direct text, children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub ns: Option<String>,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn is(&self, ns: Option<&str>, name: &str) -> bool {
        self.name == name && self.ns.as_deref() == ns
    }

    /// First unqualified child named `name`.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.child_ns(None, name)
    }

    pub fn child_ns(&self, ns: Option<&str>, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.is(ns, name))
    }

    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    fn collect_text(&self, out: &mut String) {
        out.push(' ');
        out.push_str(self.text.trim());
        for c in &self.children {
            c.collect_text(out);
        }
    }

    /// A canonical rendering, one element per line, prefixes and whitespace between elements ignored: two trees
    /// render the same exactly when they have the same structure, namespaces and (trimmed) texts.
    pub fn canonical(&self) -> String {
        let mut out = String::new();
        self.render(0, &mut out);
        out
    }

    fn render(&self, depth: usize, out: &mut String) {
        out.push_str(&"  ".repeat(depth));
        if let Some(ns) = &self.ns {
            out.push_str(&format!("{{{ns}}}"));
        }
        out.push_str(&self.name);
        let text = self.text.trim();
        if !text.is_empty() {
            out.push_str(&format!(" = {text:?}"));
        }
        out.push('\n');
        for c in &self.children {
            c.render(depth + 1, out);
        }
    }
}

fn decode_entities(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
        let name = &rest[i + 1..end];
        match name {
            "lt" => out.push('<'),
            "gt" => out.push('>'),
            "amp" => out.push('&'),
            "quot" => out.push('"'),
            "apos" => out.push('\''),
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse::<u32>().map_err(|e| e.to_string())?
                } else {
                    return Err(format!("unknown entity &{name};"));
                };
                out.push(char::from_u32(code).ok_or("bad character reference")?);
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

struct Open {
    node: Node,
    qname: String,
    scope: HashMap<String, String>,
}

fn resolve(prefix: Option<&str>, stack: &[Open], own: &HashMap<String, String>) -> Result<Option<String>, String> {
    let key = prefix.unwrap_or("");
    if let Some(uri) = own.get(key) {
        return Ok((!uri.is_empty()).then(|| uri.clone()));
    }
    for o in stack.iter().rev() {
        if let Some(uri) = o.scope.get(key) {
            return Ok((!uri.is_empty()).then(|| uri.clone()));
        }
    }
    match prefix {
        None => Ok(None),
        Some(p) => Err(format!("unbound prefix {p}")),
    }
}

/// Parses a well-formed XML document (no DTD) into its root element.
pub fn parse_xml(xml: &str) -> Result<Node, String> {
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<Node> = None;
    let mut rest = xml.trim_start_matches('\u{feff}');
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<?") {
            let end = r.find("?>").ok_or("unterminated processing instruction")?;
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
        } else if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").ok_or("unterminated CDATA")?;
            stack
                .last_mut()
                .ok_or("CDATA outside the root")?
                .node
                .text
                .push_str(&r[..end]);
            rest = &r[end + 3..];
        } else if rest.starts_with("<!") {
            return Err("DTDs are not supported".into());
        } else if let Some(r) = rest.strip_prefix("</") {
            let end = r.find('>').ok_or("unterminated end tag")?;
            let name = r[..end].trim();
            let open = stack.pop().ok_or("end tag without start tag")?;
            if open.qname != name {
                return Err(format!("</{name}> closes <{}>", open.qname));
            }
            close(open.node, &mut stack, &mut root)?;
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('<') {
            // Find the end of the tag, skipping quoted attribute values.
            let mut quote = None;
            let mut end = None;
            for (i, c) in r.char_indices() {
                match (quote, c) {
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (None, '>') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or("unterminated start tag")?;
            let mut tag = &r[..end];
            let empty = tag.ends_with('/');
            if empty {
                tag = &tag[..tag.len() - 1];
            }
            let (qname, mut attrs_text) = match tag.find(|c: char| c.is_ascii_whitespace()) {
                Some(i) => (&tag[..i], &tag[i..]),
                None => (tag, ""),
            };
            let mut attrs = Vec::new();
            let mut scope = HashMap::new();
            loop {
                attrs_text = attrs_text.trim_start();
                if attrs_text.is_empty() {
                    break;
                }
                let eq = attrs_text.find('=').ok_or("attribute without value")?;
                let aname = attrs_text[..eq].trim().to_owned();
                let after = attrs_text[eq + 1..].trim_start();
                let q = after.chars().next().ok_or("attribute without value")?;
                if q != '"' && q != '\'' {
                    return Err("unquoted attribute".into());
                }
                let close_at = after[1..].find(q).ok_or("unterminated attribute")? + 1;
                let value = decode_entities(&after[1..close_at])?;
                attrs_text = &after[close_at + 1..];
                if aname == "xmlns" {
                    scope.insert(String::new(), value);
                } else if let Some(p) = aname.strip_prefix("xmlns:") {
                    scope.insert(p.to_owned(), value);
                } else {
                    attrs.push((aname, value));
                }
            }
            let (prefix, local) = match qname.split_once(':') {
                Some((p, l)) => (Some(p.to_owned()), l.to_owned()),
                None => (None, qname.to_owned()),
            };
            let ns = resolve(prefix.as_deref(), &stack, &scope)?;
            let node = Node {
                ns,
                name: local,
                attrs,
                text: String::new(),
                children: Vec::new(),
            };
            let open = Open {
                node,
                qname: qname.to_owned(),
                scope,
            };
            if empty {
                close(open.node, &mut stack, &mut root)?;
            } else {
                stack.push(open);
            }
            rest = &r[end + 1..];
        } else {
            let end = rest.find('<').unwrap_or(rest.len());
            let text = &rest[..end];
            match stack.last_mut() {
                Some(o) => o.node.text.push_str(&decode_entities(text)?),
                None if text.trim().is_empty() => {}
                None => return Err("text outside the root element".into()),
            }
            rest = &rest[end..];
        }
    }
    if !stack.is_empty() {
        return Err(format!(
            "unclosed element {}",
            stack.last().map(|o| o.qname.as_str()).unwrap_or("")
        ));
    }
    root.ok_or_else(|| "no root element".into())
}

fn close(node: Node, stack: &mut [Open], root: &mut Option<Node>) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.node.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------------
// A raw HTTP/1.1-over-mTLS connection, for requests that must be sent in pieces (a body that is still arriving).

/// One blocking mTLS connection to the services listener, written and read by hand.
pub struct RawConn {
    stream: rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream>,
}

impl RawConn {
    /// Connects to `addr` as `system` (certificate from `data_dir`); reads time out after `read_timeout`.
    pub fn connect(data_dir: &Path, system: &str, addr: std::net::SocketAddr, read_timeout: Duration) -> RawConn {
        let config = snitflade_bench::mtls_client_config(data_dir, system).expect("client config");
        let name = rustls_pki_types::ServerName::IpAddress(addr.ip().into());
        let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("TLS client");
        let tcp = std::net::TcpStream::connect(addr).expect("connecting");
        tcp.set_read_timeout(Some(read_timeout)).expect("read timeout");
        tcp.set_nodelay(true).expect("nodelay");
        RawConn {
            stream: rustls::StreamOwned::new(conn, tcp),
        }
    }

    /// The request line and headers of a POST with `Content-Length: len`.
    pub fn post_head(path: &str, addr: std::net::SocketAddr, len: usize) -> String {
        format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: text/xml; charset=utf-8\r\n\
             SOAPAction: {}\r\nContent-Length: {len}\r\n\r\n",
            snitflade_bench::SOAP_ACTION
        )
    }

    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Reads one response: the status code and the body (by `Content-Length`).
    pub fn read_response(&mut self) -> std::io::Result<(u16, String)> {
        use std::io::Read;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let (status, body_start, len) = loop {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {} bytes", buf.len()),
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                let status: u16 = head
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("status line");
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .expect("content-length");
                break (status, end + 4, len);
            }
        };
        while buf.len() < body_start + len {
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "body cut short"));
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok((
            status,
            String::from_utf8_lossy(&buf[body_start..body_start + len]).to_string(),
        ))
    }
}
