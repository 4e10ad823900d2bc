//! The Beskedfordeler's value-list service (SF1460_B) in process: every operation, the ownership rule, the
//! bounds, flytbeskedtilfejlkoe, and every answer checked against KOMBIT's XSDs (the copies the server serves,
//! which are checked to be the reference files byte for byte).

mod common;

use common::oio_schema::Schemas;
use snitflade_domain::InterfaceId;
use snitflade_services::beskedfordeler::{self, BESKEDFORDELER};
use snitflade_services::{Services, ServicesConfig, SoapReply};
use snitflade_soap::{Element, Limits, parse_envelope};
use snitflade_store::vaerdilister;
use std::path::PathBuf;
use std::sync::LazyLock;

const VL: &str = "urn:oio:sts:beskedfordeler:vaerdiliste:1.0.0";
const SD: &str = "urn:oio:sagdok:3.0.0";
const BF: &str = "urn:oio:sts:beskedfordeler:1.0.0";
const KUVERT: &str = "urn:oio:besked:kuvert:1.0";

const XSDS: &[&str] = &[
    "VaerdilisteOperationer.xsd",
    "VaerdiListe.xsd",
    "BeskedfordelerOperationer.xsd",
    "Beskedkuvert.xsd",
    "1.1/SagDokObjekt.xsd",
    "1.1/OrganisationFaelles.xsd",
    "1.1/Part.xsd",
];

static SCHEMAS: LazyLock<Schemas> =
    LazyLock::new(|| Schemas::load(XSDS.iter().map(|p| beskedfordeler::schema_file(p).unwrap())));

fn reference() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/kombit-beskedfordeler")
}

async fn setup() -> (tempfile::TempDir, Services) {
    let (dir, store) = common::store(&[("0340", "Sorø Kommune", "29189684")], &["ejer", "anden", "uden"]).await;
    let grants = vec![
        common::grant("ejer", InterfaceId::Beskedfordeler, "0340"),
        common::grant("anden", InterfaceId::Beskedfordeler, "0340"),
        common::grant("uden", InterfaceId::Medarbejderoplysninger, "0340"),
    ];
    (dir, common::services(store, grants, ServicesConfig::default()))
}

/// `root` (a whole element with its namespace declarations) sent as system `who`.
async fn call(s: &Services, who: &str, root: &str) -> SoapReply {
    let xml = format!(
        "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>{root}</s:Body></s:Envelope>"
    );
    s.handle(&BESKEDFORDELER, &common::system(who), None, xml.as_bytes())
        .await
}

/// The answer's payload, HTTP 200 and valid against the XSDs required.
fn payload(reply: &SoapReply) -> Element {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let p = parse_envelope(reply.body.as_bytes(), &Limits::default())
        .unwrap()
        .payload;
    SCHEMAS.check(&p).unwrap_or_else(|e| panic!("{e}\n{}", reply.body));
    p
}

/// `(StatusKode, FejlbeskedTekst)`.
fn status(p: &Element) -> (u8, String) {
    let r = p.child_ns(Some(SD), "StandardRetur").expect("StandardRetur");
    (
        r.child_ns(Some(SD), "StatusKode").unwrap().text.parse().unwrap(),
        r.child_ns(Some(SD), "FejlbeskedTekst")
            .map(|t| t.text.clone())
            .unwrap_or_default(),
    )
}

fn vl(root: &str, inner: &str) -> String {
    format!("<vl:{root} xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\">{inner}</vl:{root}>")
}

fn egenskab(name: &str, description: Option<&str>, values: &[&str]) -> String {
    let d = description
        .map(|d| format!("<sd:BrugervendtNoegleTekst>{d}</sd:BrugervendtNoegleTekst>"))
        .unwrap_or_default();
    let v: String = values.iter().map(|v| format!("<vl:Vaerdi>{v}</vl:Vaerdi>")).collect();
    format!(
        "<vl:AttributListe><vl:Egenskab>{d}<vl:Vaerdiliste><vl:Navn>{name}</vl:Navn>{v}</vl:Vaerdiliste>\
         <sd:Virkning><sd:AktoerRef><sd:UUIDIdentifikator>00000000-0000-0000-0000-000000000002</sd:UUIDIdentifikator>\
         </sd:AktoerRef><sd:AktoerTypeKode>ItSystem</sd:AktoerTypeKode></sd:Virkning></vl:Egenskab></vl:AttributListe>"
    )
}

fn opret_xml(name: &str, values: &[&str]) -> String {
    vl(
        "OpretInput",
        &format!(
            "{}<vl:TilstandListe/><vl:RelationListe/>",
            egenskab(name, Some("Abonnement"), values)
        ),
    )
}

fn uuid_xml(root: &str, id: &str) -> String {
    vl(root, &format!("<sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>"))
}

fn values_xml(root: &str, id: &str, values: &[&str]) -> String {
    let v: String = values
        .iter()
        .map(|v| format!("<vl:Vaerdier>{v}</vl:Vaerdier>"))
        .collect();
    vl(root, &format!("<sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>{v}"))
}

async fn opret(s: &Services, who: &str, name: &str, values: &[&str]) -> String {
    let p = payload(&call(s, who, &opret_xml(name, values)).await);
    assert_eq!(status(&p), (20, String::new()));
    p.child_ns(Some(VL), "Vaerdiliste")
        .and_then(|v| v.child_ns(Some(SD), "UUIDIdentifikator"))
        .unwrap()
        .text
        .clone()
}

/// Laes: (LivscyklusKode, name, values).
async fn laes(s: &Services, who: &str, id: &str) -> (String, String, Vec<String>) {
    let p = payload(&call(s, who, &uuid_xml("LaesInput", id)).await);
    assert_eq!(status(&p).0, 20, "{:?}", status(&p));
    let reg = p
        .child_ns(Some(VL), "LaesResultat")
        .unwrap()
        .child_ns(Some(VL), "Registrering")
        .unwrap();
    let vl = reg
        .child_ns(Some(VL), "AttributListe")
        .and_then(|a| a.child_ns(Some(VL), "Egenskab"))
        .and_then(|e| e.child_ns(Some(VL), "Vaerdiliste"))
        .unwrap();
    (
        reg.child_ns(Some(SD), "LivscyklusKode").unwrap().text.clone(),
        vl.child_ns(Some(VL), "Navn").unwrap().text.clone(),
        vl.children
            .iter()
            .filter(|c| c.name == "Vaerdi")
            .map(|c| c.text.clone())
            .collect(),
    )
}

async fn simple(s: &Services, who: &str, xml: &str) -> (u8, String) {
    status(&payload(&call(s, who, xml).await))
}

const EMP: &str = "urn:oio:kmd:lpe:medarbejder:00000101";

#[tokio::test]
async fn a_list_is_created_changed_read_passivated_and_deleted() {
    let (_dir, s) = setup().await;
    let id = opret(&s, "ejer", "Medarbejdere", &[EMP, "b", EMP, " a "]).await;
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().to_string(), id);
    assert_eq!(
        laes(&s, "ejer", &id).await,
        (
            "Opstaaet".into(),
            "Medarbejdere".into(),
            vec!["a".into(), "b".into(), EMP.into()]
        )
    );
    let pool = s.store().pool();
    assert!(vaerdilister::contains(pool, &id, EMP).await.unwrap());

    // Adding a value held already and removing one not held are no errors.
    assert_eq!(
        simple(&s, "ejer", &values_xml("TilfoejVaerdierInput", &id, &["c", EMP]))
            .await
            .0,
        20
    );
    assert_eq!(
        simple(
            &s,
            "ejer",
            &values_xml("FjernVaerdierInput", &id, &["a", "findes-ikke"])
        )
        .await
        .0,
        20
    );
    assert_eq!(laes(&s, "ejer", &id).await.2, ["b", "c", EMP]);
    assert!(!vaerdilister::contains(pool, &id, "a").await.unwrap());

    // Ret: new name; without Vaerdi the values stay.
    let ret = vl(
        "RetInput",
        &format!(
            "<sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>{}",
            egenskab("Ledere", None, &[])
        ),
    );
    assert_eq!(simple(&s, "ejer", &ret).await.0, 20);
    assert_eq!(
        laes(&s, "ejer", &id).await,
        (
            "Rettet".into(),
            "Ledere".into(),
            vec!["b".into(), "c".into(), EMP.into()]
        )
    );

    // List and Soeg.
    let other = opret(&s, "ejer", "Andre", &["x"]).await;
    let list = vl(
        "ListInput",
        &format!(
            "<sd:UUIDIdentifikator>{other}</sd:UUIDIdentifikator><sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>"
        ),
    );
    let p = payload(&call(&s, "ejer", &list).await);
    let ids: Vec<&str> = p
        .children
        .iter()
        .filter_map(|r| r.child_ns(Some(VL), "FiltreretOejebliksbillede"))
        .map(|f| f.child_ns(Some(SD), "UUIDIdentifikator").unwrap().text.as_str())
        .collect();
    assert_eq!(ids, [other.as_str(), id.as_str()]);
    let soeg = |criteria: &str| {
        vl(
            "SoegInput",
            &format!(
                "<sd:MaksimalAntalKvantitet>10</sd:MaksimalAntalKvantitet><vl:SoegObjekt>{criteria}</vl:SoegObjekt>"
            ),
        )
    };
    let found = |p: Element| -> Vec<String> {
        p.child_ns(Some(SD), "IdListe")
            .unwrap()
            .children
            .iter()
            .map(|c| c.text.clone())
            .collect()
    };
    let by_name = soeg(
        "<vl:SoegAttributListe><vl:SoegEgenskab><vl:Vaerdiliste><vl:Navn>led*</vl:Navn>\
         </vl:Vaerdiliste></vl:SoegEgenskab></vl:SoegAttributListe>",
    );
    assert_eq!(found(payload(&call(&s, "ejer", &by_name).await)), [id.as_str()]);
    let by_value = soeg(
        "<vl:SoegAttributListe><vl:SoegEgenskab><vl:Vaerdiliste><vl:Navn>*</vl:Navn><vl:Vaerdi>x</vl:Vaerdi>\
         </vl:Vaerdiliste></vl:SoegEgenskab></vl:SoegAttributListe>",
    );
    assert_eq!(found(payload(&call(&s, "ejer", &by_value).await)), [other.as_str()]);
    let everything = vl("SoegInput", "");
    assert_eq!(found(payload(&call(&s, "ejer", &everything).await)).len(), 2);
    assert!(found(payload(&call(&s, "anden", &everything).await)).is_empty());

    // Passiver: contains nothing, refuses changes, is read as Passiveret; again is no error.
    assert_eq!(simple(&s, "ejer", &uuid_xml("PassiverInput", &id)).await.0, 20);
    assert_eq!(simple(&s, "ejer", &uuid_xml("PassiverInput", &id)).await.0, 20);
    assert!(!vaerdilister::contains(pool, &id, EMP).await.unwrap());
    assert_eq!(laes(&s, "ejer", &id).await.0, "Passiveret");
    let (code, text) = simple(&s, "ejer", &values_xml("TilfoejVaerdierInput", &id, &["d"])).await;
    assert_eq!(code, 49);
    assert!(text.contains("passiveret"), "{text}");
    let by_state = soeg("<sd:SoegRegistrering><sd:LivscyklusKode>Passiveret</sd:LivscyklusKode></sd:SoegRegistrering>");
    assert_eq!(found(payload(&call(&s, "ejer", &by_state).await)), [id.as_str()]);

    // Slet: gone.
    assert_eq!(simple(&s, "ejer", &uuid_xml("SletInput", &id)).await.0, 20);
    let (code, text) = simple(&s, "ejer", &uuid_xml("LaesInput", &id)).await;
    assert_eq!((code, text), (44, format!("Værdilisten {id} findes ikke")));
    assert_eq!(simple(&s, "ejer", &uuid_xml("SletInput", &id)).await.0, 44);
    assert!(vaerdilister::values(pool, &id).await.unwrap().is_empty());

    // Each change was an outbox event.
    let events = snitflade_store::outbox::after(pool, 0, 100).await.unwrap();
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.kind == beskedfordeler::EVENT_KIND)
        .map(|e| e.payload["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "opret",
            "tilfoejvaerdier",
            "fjernvaerdier",
            "ret",
            "opret",
            "passiver",
            "slet"
        ]
    );
}

#[tokio::test]
async fn import_takes_the_clients_uuid_once() {
    let (_dir, s) = setup().await;
    let id = "45e3b4b2-536b-4c00-84a3-7a7727ee5e7c";
    let import = vl(
        "ImportInput",
        &format!(
            "<sd:NoteTekst>migrering</sd:NoteTekst><vl:Vaerdiliste><sd:UUIDIdentifikator>{}</sd:UUIDIdentifikator>\
             <vl:Registrering><sd:FraTidspunkt><sd:TidsstempelDatoTid>2020-01-01T00:00:00</sd:TidsstempelDatoTid>\
             </sd:FraTidspunkt><sd:LivscyklusKode>Opstaaet</sd:LivscyklusKode>{}<vl:TilstandListe/>\
             <vl:RelationListe/></vl:Registrering></vl:Vaerdiliste>",
            id.to_uppercase(),
            egenskab("Importeret liste", None, &["1", "2"])
        ),
    );
    let p = payload(&call(&s, "ejer", &import).await);
    assert_eq!(status(&p).0, 20);
    assert_eq!(
        p.child_ns(Some(VL), "Registrering")
            .unwrap()
            .child_ns(Some(SD), "LivscyklusKode")
            .unwrap()
            .text,
        "Importeret"
    );
    assert_eq!(laes(&s, "ejer", id).await.2, ["1", "2"]);
    let (code, text) = simple(&s, "ejer", &import).await;
    assert_eq!(code, 49);
    assert!(text.contains(id), "{text}");
}

#[tokio::test]
async fn only_the_owner_reads_and_changes_a_list() {
    let (_dir, s) = setup().await;
    let id = opret(&s, "ejer", "Mine", &["a"]).await;
    for xml in [
        values_xml("TilfoejVaerdierInput", &id, &["b"]),
        values_xml("FjernVaerdierInput", &id, &["a"]),
        uuid_xml("PassiverInput", &id),
        uuid_xml("SletInput", &id),
        uuid_xml("LaesInput", &id),
        vl(
            "ListInput",
            &format!("<sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>"),
        ),
        vl(
            "RetInput",
            &format!(
                "<sd:UUIDIdentifikator>{id}</sd:UUIDIdentifikator>{}",
                egenskab("Hans", None, &[])
            ),
        ),
    ] {
        let (code, text) = simple(&s, "anden", &xml).await;
        assert_eq!(code, 43, "{xml}");
        assert!(text.contains("ejes af et andet it-system"), "{text}");
    }
    assert_eq!(
        laes(&s, "ejer", &id).await,
        ("Opstaaet".into(), "Mine".into(), vec!["a".into()])
    );

    // A system without the grant is refused before anything is read.
    let reply = call(&s, "uden", &uuid_xml("LaesInput", &id)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[tokio::test]
async fn bounds_and_malformed_input() {
    let (_dir, s) = setup().await;
    let id = opret(&s, "ejer", "Grænser", &[]).await;
    let long = "x".repeat(1025);
    let (code, text) = simple(&s, "ejer", &values_xml("TilfoejVaerdierInput", &id, &[&long])).await;
    assert_eq!(code, 40);
    assert!(text.contains("1024 tegn"), "{text}");
    assert_eq!(
        simple(
            &s,
            "ejer",
            &values_xml("TilfoejVaerdierInput", &id, &[&"x".repeat(1024)])
        )
        .await
        .0,
        20
    );
    let many: Vec<String> = (0..1001).map(|i| i.to_string()).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let (code, text) = simple(&s, "ejer", &values_xml("TilfoejVaerdierInput", &id, &many)).await;
    assert_eq!(code, 40);
    assert!(text.contains("Højst 1000 værdier"), "{text}");
    let (code, text) = simple(&s, "ejer", &uuid_xml("LaesInput", "ikke-et-uuid")).await;
    assert_eq!(code, 40);
    assert!(text.contains("ikke et UUID"), "{text}");
    assert_eq!(
        simple(&s, "ejer", &values_xml("TilfoejVaerdierInput", &id, &[""]))
            .await
            .0,
        40
    );
    assert_eq!(simple(&s, "ejer", &opret_xml("", &[])).await.0, 40);
    assert_eq!(simple(&s, "ejer", &opret_xml(&"n".repeat(201), &[])).await.0, 40);
    assert_eq!(
        simple(
            &s,
            "ejer",
            &values_xml("TilfoejVaerdierInput", "00000000-0000-0000-0000-000000000009", &["a"])
        )
        .await
        .0,
        44
    );

    // Not the XSD's message: a SOAP Client fault.
    for xml in [
        vl("LaesInput", "<sd:Ukendt/>"),
        vl("LaesInput", ""),
        vl("OpretInput", "<vl:TilstandListe/>"),
        "<x:LaesInput xmlns:x=\"urn:forkert\"/>".to_owned(),
    ] {
        let reply = call(&s, "ejer", &xml).await;
        assert_eq!(reply.status, 500, "{xml}: {}", reply.body);
        assert!(reply.body.contains("faultcode"), "{}", reply.body);
    }
}

fn flyt_xml(besked: &str, dueslag: Option<&str>) -> String {
    let rute = dueslag
        .map(|d| {
            format!(
                "<k:Leveranceruter><k:Leverancerute><k:ErLeveretIHenholdTil><sd:UUIDIdentifikator>{d}\
                 </sd:UUIDIdentifikator></k:ErLeveretIHenholdTil></k:Leverancerute></k:Leveranceruter>"
            )
        })
        .unwrap_or_default();
    format!(
        "<bf:FlytBeskedTilFejlkoeInput xmlns:bf=\"{BF}\" xmlns:k=\"{KUVERT}\" xmlns:sd=\"{SD}\"><k:Haendelsesbesked>\
         <k:BeskedId><sd:UUIDIdentifikator>{besked}</sd:UUIDIdentifikator></k:BeskedId><k:BeskedVersion>1.0\
         </k:BeskedVersion><k:Beskedkuvert><k:Filtreringsdata/><k:Leveranceinformation>{rute}\
         </k:Leveranceinformation></k:Beskedkuvert></k:Haendelsesbesked></bf:FlytBeskedTilFejlkoeInput>"
    )
}

/// A dueslag of system `owner` with the outbox's first event queued for it; (dueslag, that event's BeskedId).
async fn dueslag_with_a_message(s: &Services, owner: &str) -> (String, String) {
    use snitflade_store::dueslag::{self, Dueslag};
    opret(s, owner, "Noget", &[]).await;
    let pool = s.store().pool();
    let event = snitflade_store::outbox::after(pool, 0, 1).await.unwrap().remove(0);
    let d = Dueslag {
        id: uuid::Uuid::new_v4().to_string(),
        name: "modtager".into(),
        system_id: owner.into(),
        active: true,
        push_url: None,
        max_attempts: 3,
        created_at: snitflade_store::now_text(),
        updated_at: snitflade_store::now_text(),
    };
    let (d2, seq) = (d.clone(), event.seq);
    s.store()
        .write(move |c| {
            let d = d2.clone();
            Box::pin(async move {
                dueslag::save(c, &d).await?;
                dueslag::enqueue(c, &d.id, seq, &snitflade_store::now_text()).await
            })
        })
        .await
        .unwrap();
    (d.id, event.id)
}

/// The state of the dueslag's only delivery.
async fn delivery_state(s: &Services, dueslag: &str) -> String {
    let all = snitflade_store::dueslag::deliveries(s.store().pool(), dueslag, None, 0, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    all[0].state.clone()
}

#[tokio::test]
async fn flytbeskedtilfejlkoe_moves_the_dueslags_message_to_its_fejlkoe() {
    let (_dir, s) = setup().await;
    let (dueslag, besked) = dueslag_with_a_message(&s, "ejer").await;
    let unknown = "01157488-c45c-4fd2-b076-1de12effbf66";
    assert_eq!(simple(&s, "ejer", &flyt_xml(&besked, None)).await.0, 40);
    let (code, text) = simple(&s, "ejer", &flyt_xml(&besked, Some(unknown))).await;
    assert_eq!(code, 44);
    assert!(text.contains("Dueslaget") && text.contains("findes ikke"), "{text}");
    let (code, text) = simple(&s, "ejer", &flyt_xml(unknown, Some(&dueslag))).await;
    assert_eq!(code, 44);
    assert!(text.contains("findes ikke i dueslaget"), "{text}");
    // Another system's dueslag: 43, nothing moves.
    let (code, text) = simple(&s, "anden", &flyt_xml(&besked, Some(&dueslag))).await;
    assert_eq!(code, 43, "{text}");
    assert_eq!(delivery_state(&s, &dueslag).await, "pending");

    // The owner: the message goes to the fejlkø at once; asking again changes nothing.
    assert_eq!(
        simple(
            &s,
            "ejer",
            &flyt_xml(&besked.to_uppercase(), Some(&dueslag.to_uppercase()))
        )
        .await,
        (20, String::new())
    );
    assert_eq!(delivery_state(&s, &dueslag).await, "dead");
    assert_eq!(simple(&s, "ejer", &flyt_xml(&besked, Some(&dueslag))).await.0, 20);
    let pool = s.store().pool();
    let requests = vaerdilister::fejlkoe_requests(pool, &dueslag).await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        (requests[0].besked_id.as_str(), requests[0].requested_by.as_str()),
        (besked.as_str(), "ejer")
    );

    // Requeued and delivered, then handed back again: in the fejlkø again (a delivered message moves too).
    let d = dueslag.clone();
    let seq = snitflade_store::dueslag::deliveries(pool, &d, None, 0, 10)
        .await
        .unwrap()[0]
        .seq;
    s.store()
        .write(move |c| {
            let d = d.clone();
            Box::pin(async move {
                let now = snitflade_store::now_text();
                snitflade_store::dueslag::move_delivery(c, &d, seq, "dead", "pending", &now).await?;
                snitflade_store::dueslag::record_attempt(c, &d, seq, "delivered", &now, None, &now).await
            })
        })
        .await
        .unwrap();
    assert_eq!(delivery_state(&s, &dueslag).await, "delivered");
    assert_eq!(simple(&s, "ejer", &flyt_xml(&besked, Some(&dueslag))).await.0, 20);
    assert_eq!(delivery_state(&s, &dueslag).await, "dead");
    assert_eq!(vaerdilister::fejlkoe_requests(pool, &dueslag).await.unwrap().len(), 2);
}

#[tokio::test]
async fn kombits_example_messages_are_answered() {
    let (_dir, s) = setup().await;
    let dir = reference().join("example_messages");
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        text.split_once("?>").map_or(text.clone(), |(_, rest)| rest.to_owned())
    };
    let p = payload(&call(&s, "ejer", &read("vaerdiliste_opret.xml")).await);
    assert_eq!(status(&p).0, 20);
    let id = p
        .child_ns(Some(VL), "Vaerdiliste")
        .unwrap()
        .child_ns(Some(SD), "UUIDIdentifikator")
        .unwrap()
        .text
        .clone();
    let (_, name, values) = laes(&s, "ejer", &id).await;
    assert_eq!((name.as_str(), values.len()), ("List 4003", 12));
    // The other examples name lists that do not exist here.
    assert_eq!(simple(&s, "ejer", &read("vaerdiliste_tilfoejvaerdier.xml")).await.0, 44);
    assert_eq!(simple(&s, "ejer", &read("vaerdiliste_slet.xml")).await.0, 44);
    assert_eq!(simple(&s, "ejer", &read("vaerdiliste_list.xml")).await.0, 44);
}

#[test]
fn the_served_wsdl_and_xsds_are_kombits() {
    let root = reference();
    assert_eq!(
        BESKEDFORDELER.wsdl,
        std::fs::read_to_string(root.join("wsdl/Beskedfordeler.wsdl")).unwrap()
    );
    for path in XSDS.iter().chain(&["cached/xmldsig-core-schema.xsd"]) {
        let reference = std::fs::read_to_string(root.join("xsd").join(path)).unwrap();
        assert_eq!(beskedfordeler::schema_file(path), Some(reference.as_str()), "{path}");
    }
}

#[test]
fn the_schema_checker_catches_mistakes() {
    let check = |xml: &str| {
        let e = snitflade_soap::parse_document(xml.as_bytes(), &Limits::default()).unwrap();
        SCHEMAS.check(&e)
    };
    let ok = format!(
        "<vl:SletOutput xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\"><sd:StandardRetur><sd:StatusKode>20</sd:StatusKode></sd:StandardRetur></vl:SletOutput>"
    );
    check(&ok).unwrap();
    for bad in [
        format!("<vl:SletOutput xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\"/>"),
        format!(
            "<vl:SletOutput xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\"><sd:StandardRetur><sd:StatusKode>x</sd:StatusKode></sd:StandardRetur></vl:SletOutput>"
        ),
        format!(
            "<vl:SletOutput xmlns:vl=\"{VL}\" xmlns:sd=\"{SD}\"><sd:StandardRetur><sd:FejlbeskedTekst/><sd:StatusKode>20</sd:StatusKode></sd:StandardRetur></vl:SletOutput>"
        ),
        format!(
            "<vl:SletOutput xmlns:vl=\"{VL}\"><vl:StandardRetur><vl:StatusKode>20</vl:StatusKode></vl:StandardRetur></vl:SletOutput>"
        ),
    ] {
        assert!(check(&bad).is_err(), "{bad}");
    }
}
