//! Medarbejderoplysninger (`Employee_Provide_Out`) from outside: the real server started with `--demo`, called
//! over mutual TLS with the demo systems' certificates at both endpoint forms (SAP PI URL and `/ws/...`):
//! Laes, List with ranges and exclusions, Datakategori, StatusKode 1/102/103, Ret create/change/delete of an
//! e-mail seen through Laes, the audit trail and events in the admin API, access refusals, and the WSDL.

mod common;

use common::*;
use reqwest::StatusCode;

const SERVICE: &str = "Employee_Provide_Out";
const INTERFACE_NS: &str = "urn:kmd.dk:LPE:EMPLOYEE:external";
const MD: &str = "urn:oio:medarbejder:1.0.0";
const SD: &str = "urn:oio:sagdok:3.0.0";

/// The fifteen category elements of `Egenskaber`, in schema order.
const CATEGORY_ELEMENTS: [&str; 15] = [
    "Aktiviteter",
    "Organisation",
    "Persondata",
    "Adresse",
    "Arbejdstid",
    "Kontraktindhold",
    "Kommunikation",
    "Skattedata",
    "Loenindplacering",
    "Tilslutninger",
    "Pensionsordninger",
    "Moedetidsplan",
    "Fravaer-Naervaer",
    "Arbejdsfunktion",
    "TjenesteplansIndplacering",
];

fn envelope(root: &str, body: &str) -> String {
    format!(
        "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:m=\"{MD}\" \
         xmlns:sd=\"{SD}\"><soapenv:Header/><soapenv:Body><m:{root}>{body}</m:{root}></soapenv:Body>\
         </soapenv:Envelope>"
    )
}

fn unik_id(element: &str, urn: &str) -> String {
    format!(
        "<sd:{element}><sd:UUIDIdentifikator></sd:UUIDIdentifikator><sd:URNIdentifikator>{urn}\
         </sd:URNIdentifikator></sd:{element}>"
    )
}

/// A `MedarbejderRef` with `urn:oio:kmd:lpe:medarbejder:<value>`.
fn employee(value: &str) -> String {
    unik_id("MedarbejderRef", &format!("urn:oio:kmd:lpe:medarbejder:{value}"))
}

fn receiver(client: &str) -> String {
    unik_id("ModtagerRef", &format!("urn:oio:kmd:lpe:modtager:{client}"))
}

fn category(code: &str) -> String {
    format!("<m:Datakategori>{code}</m:Datakategori>")
}

fn kommunikation(fields: &[(&str, &str)]) -> String {
    let inner: String = fields.iter().map(|(n, v)| format!("<m:{n}>{v}</m:{n}>")).collect();
    format!("<m:Kommunikation>{inner}</m:Kommunikation>")
}

fn ret(pernr: &str, items: &[String]) -> String {
    format!(
        "{}<m:AttributListe><m:Egenskaber>{}</m:Egenskaber></m:AttributListe>",
        employee(pernr),
        items.concat()
    )
}

/// A StandardRetur and the LaesResultat elements of an answer.
struct Out {
    status: i64,
    text: String,
    results: Vec<Node>,
}

impl Out {
    fn numbers(&self) -> Vec<String> {
        self.results
            .iter()
            .map(|r| urn_number(r.child_ns(Some(SD), "MedarbejderRef").expect("MedarbejderRef")))
            .collect()
    }
}

fn urn_number(reference: &Node) -> String {
    let urn = reference
        .child_ns(Some(SD), "URNIdentifikator")
        .expect("URNIdentifikator")
        .text
        .trim();
    urn.strip_prefix("URN:OIO:KMD:LPE:MEDARBEJDERNR:")
        .unwrap_or_else(|| panic!("URN {urn}"))
        .to_owned()
}

fn md<'n>(node: &'n Node, names: &[&str]) -> &'n Node {
    names.iter().fold(node, |n, name| {
        n.child_ns(Some(MD), name)
            .unwrap_or_else(|| panic!("no {name} in {}", n.name))
    })
}

/// The record elements of a result's `Egenskaber`.
fn records(result: &Node) -> &[Node] {
    &md(result, &["Registrering", "AttributListe", "Egenskaber"]).children
}

fn field<'n>(record: &'n Node, name: &str) -> Option<&'n str> {
    record.child_ns(Some(MD), name).map(|f| f.text.trim())
}

fn parse_out(reply: &Reply, root: &str) -> Out {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/xml"), "{}", reply.content_type);
    let env = parse_xml(&reply.body).unwrap_or_else(|e| panic!("{e}: {}", reply.body));
    let body = env.child_ns(Some(SOAP11_NS), "Body").expect("Body");
    assert_eq!(body.children.len(), 1, "{}", reply.body);
    let payload = &body.children[0];
    assert!(payload.is(Some(MD), root), "{}", reply.body);
    let retur = &payload.children[0];
    assert!(
        retur.is(Some(SD), "StandardRetur"),
        "StandardRetur first: {}",
        reply.body
    );
    Out {
        status: retur
            .child_ns(Some(SD), "StatusKode")
            .expect("StatusKode")
            .text
            .trim()
            .parse()
            .unwrap(),
        text: retur
            .child_ns(Some(SD), "FejlbeskedTekst")
            .map(|t| t.text.clone())
            .unwrap_or_default(),
        results: payload.children[1..].to_vec(),
    }
}

impl Server {
    fn employee_urls(&self) -> [String; 2] {
        [self.ws_url(SERVICE), self.sap_pi_url(SERVICE, INTERFACE_NS)]
    }

    async fn call(&self, system: &str, url: &str, root: &str, body: &str) -> Reply {
        post_soap(&self.client(system), url, envelope(root, body)).await
    }

    async fn laes(&self, body: &str) -> Out {
        parse_out(
            &self.call("vikarsystem", &self.ws_url(SERVICE), "LaesInput", body).await,
            "LaesOutput",
        )
    }

    async fn list(&self, body: &str) -> Out {
        parse_out(
            &self.call("vikarsystem", &self.ws_url(SERVICE), "ListInput", body).await,
            "ListOutput",
        )
    }

    async fn ret(&self, body: &str) -> Out {
        parse_out(
            &self.call("vikarsystem", &self.ws_url(SERVICE), "RetInput", body).await,
            "RetOutput",
        )
    }
}

#[tokio::test]
async fn laes_and_list_at_both_endpoints() {
    let s = Server::start().await;
    for url in s.employee_urls() {
        let r = s
            .call(
                "vikarsystem",
                &url,
                "LaesInput",
                &(receiver("340") + &employee("00000101")),
            )
            .await;
        let out = parse_out(&r, "LaesOutput");
        assert_eq!(
            (out.status, out.numbers()),
            (0, vec!["00000101".to_owned()]),
            "{url}: {}",
            out.text
        );
        let names: Vec<&str> = records(&out.results[0]).iter().map(|r| r.name.as_str()).collect();
        let mut distinct = names.clone();
        distinct.dedup();
        assert_eq!(distinct, CATEGORY_ELEMENTS, "{url}: every category, in schema order");
        for r in records(&out.results[0]) {
            assert_eq!(r.children[0].name, "Gyldighedsstart");
            assert_eq!(r.children[1].name, "Gyldighedsstop");
        }

        // A range with exclusions, only Kommunikation: an e-mail and a work phone each.
        let body =
            employee("00000101-00000110") + &employee("!00000103-00000105") + &employee("!107") + &category("0105");
        let out = parse_out(&s.call("vikarsystem", &url, "ListInput", &body).await, "ListOutput");
        assert_eq!(out.status, 0, "{}", out.text);
        assert_eq!(
            out.numbers(),
            ["00000101", "00000102", "00000106", "00000108", "00000109", "00000110"]
        );
        for result in &out.results {
            let recs = records(result);
            assert!(recs.iter().all(|r| r.is(Some(MD), "Kommunikation")));
            let art = |a: &str| {
                recs.iter()
                    .find(|r| field(r, "Kommunikationsart") == Some(a))
                    .map(|r| field(r, "KommunikationsID"))
            };
            assert!(
                art("0010").flatten().is_some_and(|m| m.contains('@')),
                "e-mail of {}",
                urn_number(&result.children[0])
            );
            assert!(art("0020").is_some());
        }
    }
}

#[tokio::test]
async fn managers_left_cancelled_and_unknown_employees() {
    let s = Server::start().await;
    // Everyone in 0340: 00000101-00000132 but the cancelled 00000129; the left 00000128 is listed.
    let out = s.list(&category("0002")).await;
    assert_eq!(out.status, 0, "{}", out.text);
    let numbers = out.numbers();
    assert!(numbers.contains(&"00000128".to_owned()) && !numbers.contains(&"00000129".to_owned()));
    let expected: Vec<String> = (101..=132).filter(|n| *n != 129).map(|n| format!("{n:08}")).collect();
    assert!(expected.iter().all(|n| numbers.contains(n)), "{numbers:?}");
    // Everyone but a top manager has a Personaleleder who is someone else.
    let without: Vec<String> = out
        .results
        .iter()
        .filter(|r| md(r, &["Registrering", "RelationListe"]).children.is_empty())
        .map(|r| urn_number(&r.children[0]))
        .collect();
    assert!(without.len() <= 1, "without a manager: {without:?}");
    for r in &out.results {
        for leader in &md(r, &["Registrering", "RelationListe"]).children {
            assert!(leader.is(Some(MD), "Personaleleder"));
            assert_ne!(
                urn_number(leader.child_ns(Some(SD), "MedarbejderRef").unwrap()),
                urn_number(&r.children[0])
            );
            assert!(!field(leader, "SammensatNavnOverordnet").unwrap_or_default().is_empty());
        }
    }

    let out = s.laes(&employee("00000129")).await;
    assert_eq!(out.status, 102, "{}", out.text);
    assert!(out.text.contains("00000130"), "{}", out.text);
    assert!(out.results.is_empty());
    // A List naming exactly that number answers the same.
    let out = s.list(&employee("129")).await;
    assert_eq!(out.status, 102, "{}", out.text);
    let out = s.laes(&employee("00000128")).await;
    assert_eq!(out.status, 0, "{}", out.text);
    let out = s.laes(&employee("77736333")).await;
    assert_eq!(out.status, 1, "{}", out.text);
    assert!(out.text.starts_with("Data ikke fundet"));
    let out = s.list(&employee("77000000-77999999")).await;
    assert_eq!((out.status, out.results.len()), (1, 0));
    // Malformed input: 100, naming the value.
    let out = s.laes(&employee("12a")).await;
    assert_eq!(out.status, 100);
    assert!(out.text.contains("12a"), "{}", out.text);
    let out = s.list(&(employee("101") + &category("0003"))).await;
    assert_eq!(out.status, 100);
    assert!(out.text.contains("0003"), "{}", out.text);
}

#[tokio::test]
async fn a_list_over_the_limit_ends_with_103_and_continues() {
    let s = Server::start_with_config("[services]\nemployee_list_max = 5\n").await;
    let out = s.list(&category("0002")).await;
    assert_eq!(out.status, 103, "{}", out.text);
    assert_eq!(
        out.numbers(),
        ["00000101", "00000102", "00000103", "00000104", "00000105"]
    );
    assert!(out.text.contains("00000105"), "{}", out.text);
    let out = s.list(&(employee("00000106-99999999") + &category("0002"))).await;
    assert_eq!((out.status, out.numbers()[0].as_str()), (103, "00000106"));
}

/// The `LaesResultat`s of a ListOutput as text, and the answer's StatusKode.
fn results_text(body: &str) -> (&str, &str) {
    let status = between(body, "<sd:StatusKode>", "</sd:StatusKode>").expect("StatusKode");
    let start = body.find("</sd:StandardRetur>").expect("StandardRetur") + "</sd:StandardRetur>".len();
    let end = body.rfind("</ListOutput>").expect("ListOutput");
    (status, &body[start..end])
}

/// Descriptors of `pid` open on files in `dir` (the spool's files have no name, but their link is the directory's
/// path followed by `(deleted)` or an inode; either way they start with the directory).
fn open_files_in(pid: u32, dir: &std::path::Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .expect("the server's descriptors")
        .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.starts_with(dir))
        .count()
}

/// A List larger than the server keeps in memory (1 MiB) is written to a temporary file and streamed from it:
/// with its Content-Length, byte for byte the results the same employees give in slices that stay in memory —
/// also when it ends with 103 — and with no file left open after the answer.
#[tokio::test]
async fn a_large_list_goes_through_a_file_and_matches_its_slices() {
    use snitflade_bench::employee_list::{FIRST_SYNTHETIC, fresh_demo_store, write_synthetic};
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let store = fresh_demo_store(&bin(), &data).await.expect("a demo data dir");
    write_synthetic(&store, FIRST_SYNTHETIC, 400)
        .await
        .expect("synthetic employees");
    store.close().await;
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "[services]\nemployee_list_max = 300\n").expect("config");
    let proc = spawn(&data, &["--config".as_ref(), cfg.as_os_str()]).await;
    let s = Server::wrap(dir, proc);
    let range = |first: u32, last: u32| receiver("340") + &employee(&format!("{first:08}-{last:08}"));
    let call = |body: String| {
        let client = s.client("vikarsystem");
        let url = s.ws_url(SERVICE);
        async move {
            let response = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
                .body(envelope("ListInput", &body))
                .send()
                .await
                .expect("List");
            assert_eq!(response.status(), StatusCode::OK);
            let length = response.content_length();
            let text = response.text().await.expect("the answer");
            assert_eq!(length, Some(text.len() as u64), "a Content-Length that matches");
            text
        }
    };
    let last = FIRST_SYNTHETIC + 399;
    let whole = call(range(FIRST_SYNTHETIC, last)).await;
    let rest = call(range(FIRST_SYNTHETIC + 300, last)).await;
    let mut slices = String::new();
    for first in (FIRST_SYNTHETIC..=last).step_by(100) {
        let slice = call(range(first, first + 99)).await;
        assert!(
            slice.len() < 1 << 20,
            "a slice of 100 stays in memory: {} bytes",
            slice.len()
        );
        let (status, results) = results_text(&slice);
        assert_eq!(status, "0");
        slices.push_str(results);
    }
    assert!(
        whole.len() > 1 << 20,
        "the first answer is over 1 MiB: {} bytes",
        whole.len()
    );
    let (status, first_300) = results_text(&whole);
    assert_eq!(status, "103", "{:?}", between(&whole, "<sd:FejlbeskedTekst>", "<"));
    assert!(
        whole.contains(&format!("{:08}", FIRST_SYNTHETIC + 299)),
        "names the last number answered"
    );
    let (status, last_100) = results_text(&rest);
    assert_eq!(status, "0");
    assert_eq!(first_300.matches("<LaesResultat>").count(), 300);
    assert!(
        first_300.to_owned() + last_100 == slices,
        "the spooled answer differs from its slices"
    );
    parse_xml(&whole).expect("the spooled answer is well-formed XML");
    let spool_dir = s.data_dir().join("documents").join("tmp");
    assert!(spool_dir.is_dir());
    // The server lets go of the file once it has sent the last piece, which may be a moment after the client read it.
    let pid = s.proc.pid();
    let closed = wait_until(std::time::Duration::from_secs(5), || async {
        open_files_in(pid, &spool_dir) == 0
    })
    .await;
    assert!(closed, "no spooled answer left open");
    assert_eq!(
        std::fs::read_dir(&spool_dir).expect("tmp").count(),
        0,
        "no spooled file left"
    );
}

#[tokio::test]
async fn ret_creates_changes_and_deletes_an_email_seen_through_laes() {
    let s = Server::start().await;
    let pernr = "00000110";
    let private_mails = || async {
        let out = s.laes(&(employee(pernr) + &category("0105"))).await;
        assert_eq!(out.status, 0, "{}", out.text);
        records(&out.results[0])
            .iter()
            .filter(|r| field(r, "Kommunikationsart") == Some("PMAI"))
            .map(|r| {
                (
                    field(r, "Sekvensnummer").unwrap_or_default().to_owned(),
                    field(r, "KommunikationsID").unwrap_or_default().to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(private_mails().await.is_empty());

    let create = kommunikation(&[("Kommunikationsart", "PMAI"), ("KommunikationsID", "privat@example.dk")]);
    let out = s.ret(&ret(pernr, &[create])).await;
    assert_eq!(out.status, 0, "{}", out.text);
    let mails = private_mails().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1, "privat@example.dk");
    let sequence = mails[0].0.clone();

    let change = kommunikation(&[
        ("Sekvensnummer", &sequence),
        ("Kommunikationsart", "PMAI"),
        ("KommunikationsID", "ny.privat@example.dk"),
    ]);
    let out = s.ret(&ret(pernr, &[change])).await;
    assert_eq!(out.status, 0, "{}", out.text);
    assert_eq!(
        private_mails().await,
        [(sequence.clone(), "ny.privat@example.dk".to_owned())]
    );

    // A bad value refuses the whole call (101); nothing changes.
    let bad = kommunikation(&[("Kommunikationsart", "0010"), ("KommunikationsID", "ikke en mail")]);
    let also = kommunikation(&[("Kommunikationsart", "CELL"), ("KommunikationsID", "20304050")]);
    let out = s.ret(&ret(pernr, &[also, bad])).await;
    assert_eq!(out.status, 101, "{}", out.text);
    let out = s
        .ret(&ret(pernr, &["<m:Adresse><m:By>Sorø</m:By></m:Adresse>".to_owned()]))
        .await;
    assert_eq!(out.status, 101);
    assert!(out.text.contains("Kommunikation (0105)"), "{}", out.text);

    let delete = kommunikation(&[
        ("Sekvensnummer", &sequence),
        ("Kommunikationsart", "PMAI"),
        ("KommunikationsID", ""),
    ]);
    let out = s.ret(&ret(pernr, &[delete])).await;
    assert_eq!(out.status, 0, "{}", out.text);
    assert!(private_mails().await.is_empty());

    // Cancelled: 102.
    let out = s
        .ret(&ret(
            "00000129",
            &[kommunikation(&[
                ("Kommunikationsart", "PMAI"),
                ("KommunikationsID", "a@b.dk"),
            ])],
        ))
        .await;
    assert_eq!(out.status, 102, "{}", out.text);

    // The audit trail and the events in the admin API.
    let audit = s
        .admin
        .list(&format!("/api/v1/audit?municipality=0340&pernr={pernr}"))
        .await;
    let actions: Vec<&str> = audit
        .iter()
        .filter(|e| e["action"] == "ret")
        .map(|e| e["detail"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["slet", "ret", "opret"]);
    assert!(audit.iter().filter(|e| e["action"] == "laes").count() >= 4);
    assert!(audit.iter().all(|e| e["actor"] == "vikarsystem" && e["pernr"] == pernr));
    let all = s.admin.list("/api/v1/audit?municipality=0340&limit=1000").await;
    assert!(all.len() >= audit.len() && all.iter().all(|e| e["municipality"] == "0340"));
    let (status, _) = s.admin.get("/api/v1/audit?municipality=03x0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let everywhere = s.admin.list("/api/v1/audit?system=vikarsystem&limit=1000").await;
    assert!(everywhere.len() >= audit.len() && everywhere.iter().all(|e| e["actor"] == "vikarsystem"));
    let events: Vec<_> = s
        .admin
        .events()
        .await
        .into_iter()
        .filter(|e| e["kind"] == "employee.communication.changed")
        .collect();
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["payload"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["opret", "ret", "slet"]);
    assert!(
        events
            .iter()
            .all(|e| e["object_id"] == pernr && e["interface"] == "medarbejderoplysninger")
    );
}

#[tokio::test]
async fn access_is_per_system_and_municipality() {
    let s = Server::start().await;
    for url in s.employee_urls() {
        for system in ["kantine", "ingen-adgang"] {
            let r = s.call(system, &url, "LaesInput", &employee("00000101")).await;
            let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
            assert!(f.all_text().contains("medarbejderoplysninger"), "{}", r.body);
        }
        let r = s
            .call(
                "vikarsystem",
                &url,
                "LaesInput",
                &(receiver("751") + &employee("00012345")),
            )
            .await;
        let f = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
        assert!(f.all_text().contains("0751"), "{}", r.body);
        // A malformed ModtagerRef: a Client fault (500).
        let r = s
            .call(
                "vikarsystem",
                &url,
                "ListInput",
                &unik_id("ModtagerRef", "urn:oio:kmd:lpe:modtager:Sorø"),
            )
            .await;
        let f = r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
        assert!(f.all_text().contains("ModtagerRef"), "{}", r.body);
        // dagtilbud holds the grant too.
        let r = s.call("dagtilbud", &url, "LaesInput", &employee("00000101")).await;
        assert_eq!(parse_out(&r, "LaesOutput").status, 0);
    }
    // The wrong interfaceNamespace in the SAP PI URL is refused.
    let r = s
        .call(
            "vikarsystem",
            &s.sap_pi_url(SERVICE, MD),
            "LaesInput",
            &employee("00000101"),
        )
        .await;
    r.assert_fault(StatusCode::INTERNAL_SERVER_ERROR, "SOAP:Client");
}

/// Ret changes data: a system whose grant is `read` gets the 403 Client fault of every access refusal, naming the
/// level it lacks, and nothing changes; Laes works with it. A `read-write` grant beside it lets Ret through.
#[tokio::test]
async fn ret_needs_a_read_write_grant() {
    let s = Server::start().await;
    let pernr = "00000110";
    let grant = |access: Option<&str>, valid_from: &str| {
        let mut g = serde_json::json!({"system": "ingen-adgang", "interface": "medarbejderoplysninger",
            "municipality": "0340", "valid_from": valid_from});
        if let Some(a) = access {
            g["access"] = a.into();
        }
        g
    };
    // Without a level, Medarbejderoplysninger is granted `read`.
    let (status, made) = s.admin.post("/api/v1/grants", Some(grant(None, "2020-01-01"))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["access"], "read");
    let private_mails = |system: &'static str| {
        let s = &s;
        async move {
            let body = receiver("340") + &employee(pernr) + &category("0105");
            let r = s.call(system, &s.ws_url(SERVICE), "LaesInput", &body).await;
            let out = parse_out(&r, "LaesOutput");
            assert_eq!(out.status, 0, "{system}: {}", out.text);
            records(&out.results[0])
                .iter()
                .filter(|r| field(r, "Kommunikationsart") == Some("PMAI"))
                .filter_map(|r| field(r, "KommunikationsID").map(str::to_owned))
                .collect::<Vec<_>>()
        }
    };
    assert!(private_mails("ingen-adgang").await.is_empty(), "a read grant reads");

    let create = kommunikation(&[("Kommunikationsart", "PMAI"), ("KommunikationsID", "laest@example.dk")]);
    let body = receiver("340") + &ret(pernr, std::slice::from_ref(&create));
    for url in s.employee_urls() {
        let r = s.call("ingen-adgang", &url, "RetInput", &body).await;
        let fault = r.assert_fault(StatusCode::FORBIDDEN, "SOAP:Client");
        let text = fault.all_text();
        assert!(
            text.contains("kun læseadgang (read)")
                && text.contains("'medarbejderoplysninger'")
                && text.contains("kommune 0340")
                && text.contains("Ret ændrer data og kræver adgangsniveauet read-write"),
            "{url}: {}",
            r.body
        );
    }
    // Nothing changed: no record, no change in the audit trail, no event.
    assert!(private_mails("vikarsystem").await.is_empty());
    let audit = s
        .admin
        .list(&format!(
            "/api/v1/audit?municipality=0340&pernr={pernr}&system=ingen-adgang"
        ))
        .await;
    assert!(audit.iter().all(|e| e["action"] != "ret"), "{audit:?}");
    let changed = |events: Vec<serde_json::Value>| {
        events
            .into_iter()
            .filter(|e| e["kind"] == "employee.communication.changed")
            .count()
    };
    assert_eq!(changed(s.admin.events().await), 0);

    // Read-write (here a second grant, from today): Ret goes through and is seen by everyone.
    let (status, made) = s
        .admin
        .post(
            "/api/v1/grants",
            Some(grant(Some("read-write"), &jiff::Zoned::now().date().to_string())),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["access"], "read-write");
    let r = s.call("ingen-adgang", &s.ws_url(SERVICE), "RetInput", &body).await;
    let out = parse_out(&r, "RetOutput");
    assert_eq!(out.status, 0, "{}", out.text);
    assert_eq!(private_mails("vikarsystem").await, ["laest@example.dk"]);
    assert_eq!(changed(s.admin.events().await), 1);
}

#[tokio::test]
async fn the_wsdl_is_served_with_its_address() {
    let s = Server::start().await;
    let client = s.client("vikarsystem");
    let r = read_reply(client.get(s.ws_url(SERVICE) + "?wsdl").send().await.unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let root = parse_xml(&r.body).unwrap();
    assert!(root.is(Some("http://schemas.xmlsoap.org/wsdl/"), "definitions"));
    assert!(r.body.contains("targetNamespace=\"urn:kmd.dk:LPE:EMPLOYEE:external\""));
    let address = format!(
        "location=\"https://{}/XISOAPAdapter/MessageServlet?senderParty=&amp;senderService=&amp;receiverParty=&amp;\
         receiverService=&amp;interface=Employee_Provide_Out&amp;interfaceNamespace=urn%3Akmd.dk%3ALPE%3AEMPLOYEE%3Aexternal\"",
        s.proc.services
    );
    assert!(r.body.contains(&address), "{}", r.body);
    for op in ["Laes", "List", "Ret"] {
        assert!(r.body.contains(&format!("<wsdl:operation name=\"{op}\">")), "{op}");
    }
}

/// The reference dump of `name` (`../shared/reference/opus-dump/`).
fn reference_dump(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/opus-dump")
        .join(name)
}

/// `snitflade import zlpe` into the data dir of the running server.
fn import(s: &Server, file: &str) -> String {
    let out = std::process::Command::new(bin())
        .args(["import", "zlpe", "--data-dir"])
        .arg(s.data_dir())
        .arg(reference_dump(file))
        .output()
        .expect("running snitflade import");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{file}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The value of `field` in the first record of `category` of a Laes result.
fn first_value(out: &Out, category: &str, name: &str) -> Option<String> {
    records(&out.results[0])
        .iter()
        .find(|r| r.is(Some(MD), category))
        .and_then(|r| field(r, name))
        .map(str::to_owned)
}

#[tokio::test]
async fn the_reference_dumps_import_into_a_running_server_and_show_through_laes() {
    let s = Server::start().await;
    // Andeby (client 813 = 0813 Frederikshavn) is not a demo municipality: the import registers it, and the
    // admin API grants vikarsystem Medarbejderoplysninger there.
    import(&s, "ZLPE20200101_delta.xml");
    let grant =
        serde_json::json!({"system": "vikarsystem", "interface": "medarbejderoplysninger", "municipality": "813"});
    let (status, body) = s.admin.post("/api/v1/grants", Some(grant.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = s.admin.post("/api/v1/grants", Some(grant)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, body) = s
        .admin
        .post(
            "/api/v1/grants",
            Some(serde_json::json!({"system": "nobody", "interface": "medarbejderoplysninger", "municipality": "813"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let laes_in = |client: &str, pernr: &str| receiver(client) + &employee(pernr);
    let laes = |pernr: &str| laes_in("813", pernr);
    let before = s.laes(&laes("1000")).await;
    assert_eq!(before.status, 0, "{}", before.text);
    assert_eq!(
        first_value(&before, "Organisation", "StillingTekst").as_deref(),
        Some("Ansat")
    );
    let before = s.laes(&laes("1001")).await;
    assert_eq!(
        first_value(&before, "Persondata", "Fornavn").as_deref(),
        Some("Fornavn1")
    );
    // 1006 is "Annulleret" in the first dump: a cancelled number.
    assert_eq!(s.laes(&laes("1006")).await.status, 102);

    let summary = import(&s, "ZLPE20200102_delta.xml");
    assert!(!summary.is_empty());
    let after = s.laes(&laes("1000")).await;
    assert_eq!(after.status, 0, "{}", after.text);
    assert_eq!(
        first_value(&after, "Organisation", "StillingTekst").as_deref(),
        Some("Softwaretester")
    );
    let after = s.laes(&laes("1001")).await;
    assert_eq!(
        (
            first_value(&after, "Persondata", "Fornavn"),
            first_value(&after, "Persondata", "Efternavn")
        ),
        (Some("Fornavn".to_owned()), Some("Efteravn".to_owned()))
    );
    // The second dump's leave record for 9991 names a number that never existed: nothing to read.
    assert_eq!(s.laes(&laes("9991")).await.status, 1);
    // The same file again changes nothing that Laes could show.
    import(&s, "ZLPE20200102_delta.xml");
    let again = s.laes(&laes("1001")).await;
    assert_eq!(again.results, after.results);
    // Sorø's demo employees are untouched by Andeby's snapshot; with two granted municipalities a message without
    // ModtagerRef is now ambiguous (docs/src/interfaces/conventions.md#the-municipality-of-a-call).
    assert_eq!(s.laes(&laes_in("340", "00000101")).await.status, 0);
    let r = s
        .call("vikarsystem", &s.ws_url(SERVICE), "LaesInput", &employee("00000101"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("kommune="), "{}", r.body);
}
