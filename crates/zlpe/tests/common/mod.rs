//! Shared helpers of the import/export tests: a fresh database per engine ([`TestDb`]: SQLite always; PostgreSQL
//! when `SNITFLADE_TEST_DATABASE_URL` is set, and then it must be reachable), the reference samples, row counts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use snitflade_domain::hr::{Category, CategoryRecord};
use snitflade_domain::{Kommunekode, Pernr};
use snitflade_store::Store;
use snitflade_store::hr::{self, RegistrationFilter, StoredEmployment};
pub use snitflade_store::testing::TestDb;
use snitflade_zlpe::{ImportOptions, ImportReport, import_files};
use sqlx::Row;

/// The two public sample dumps, in order.
pub fn sample(n: u8) -> PathBuf {
    let name = match n {
        1 => "ZLPE20200101_delta.xml",
        2 => "ZLPE20200102_delta.xml",
        _ => panic!("there are two samples"),
    };
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/opus-dump")
        .join(name)
}

pub fn k(code: &str) -> Kommunekode {
    Kommunekode::parse(code).unwrap()
}

pub fn p(n: &str) -> Pernr {
    Pernr::parse(n).unwrap()
}

/// A store on a fresh SQLite database; keep the [`TestDb`] as long as the store is used.
pub async fn sqlite_store() -> (TestDb, Store) {
    let db = TestDb::sqlite();
    let store = db.open().await;
    (db, store)
}

/// The stored employment `pernr` of `municipality`, which must exist.
pub async fn employment_in(store: &Store, municipality: &str, pernr: &str) -> StoredEmployment {
    hr::employment(store.pool(), k(municipality), p(pernr))
        .await
        .unwrap()
        .expect("the employment exists")
}

/// The stored employment `pernr` of 0813 (the samples' municipality), which must exist.
pub async fn employment(store: &Store, pernr: &str) -> StoredEmployment {
    employment_in(store, "0813", pernr).await
}

/// The current records of `category` of employment `pernr` of 0813.
pub async fn current(store: &Store, pernr: &str, category: Category) -> Vec<CategoryRecord> {
    hr::records(store.pool(), k("0813"), &[p(pernr)], &RegistrationFilter::current())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record.category == category)
        .map(|r| r.record)
        .collect()
}

pub async fn import(store: &Store, files: &[PathBuf]) -> ImportReport {
    import_with(store, files, &ImportOptions::default()).await
}

pub async fn import_with(store: &Store, files: &[PathBuf], options: &ImportOptions) -> ImportReport {
    import_files(store, files, options, |_| {}).await.unwrap()
}

pub async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query(sql).fetch_one(store.pool()).await.unwrap().get::<i64, _>(0)
}

/// Rows of the tables an import writes, and the outbox: (employees, records, current records, org units,
/// outbox events, audit entries).
pub async fn counts(store: &Store) -> [i64; 6] {
    [
        count(store, "SELECT COUNT(*) FROM employees").await,
        count(store, "SELECT COUNT(*) FROM employee_records").await,
        count(
            store,
            "SELECT COUNT(*) FROM employee_records WHERE registered_to IS NULL",
        )
        .await,
        count(store, "SELECT COUNT(*) FROM org_units").await,
        count(store, "SELECT COUNT(*) FROM outbox").await,
        count(store, "SELECT COUNT(*) FROM hr_audit").await,
    ]
}

/// Every employment's and org unit's last update time (unchanged when nothing was written).
pub async fn update_times(store: &Store) -> Vec<(String, Option<String>)> {
    let sql = "SELECT municipality, pernr, updated_at FROM employees ORDER BY municipality, pernr";
    let mut times: Vec<(String, Option<String>)> = rows(store, sql)
        .await
        .iter()
        .map(|r| {
            (
                format!("{}/{}", r.get::<String, _>(0), r.get::<String, _>(1)),
                r.get::<Option<String>, _>(2),
            )
        })
        .collect();
    let sql = "SELECT municipality, id, updated_at FROM org_units ORDER BY municipality, id";
    times.extend(rows(store, sql).await.iter().map(|r| {
        (
            format!("{}/unit {}", r.get::<String, _>(0), r.get::<String, _>(1)),
            Some(r.get::<String, _>(2)),
        )
    }));
    times
}

async fn rows(store: &Store, sql: &'static str) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(sql).fetch_all(store.pool()).await.unwrap()
}

/// Outbox events after `after` as (kind, object id, payload).
pub async fn events_after(store: &Store, after: i64) -> Vec<(String, String, serde_json::Value)> {
    snitflade_store::outbox::after(store.pool(), after, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.kind, e.object_id.unwrap_or_default(), e.payload))
        .collect()
}

pub async fn last_seq(store: &Store) -> i64 {
    count(store, "SELECT COALESCE(MAX(seq), 0) FROM outbox").await
}

/// Writes `body` (the records) as a dump named for `stamp` (yyyyMMdd) into `dir`.
pub fn dump_file(dir: &Path, stamp: &str, body: &str) -> PathBuf {
    let path = dir.join(format!("ZLPE{stamp}_delta.xml"));
    std::fs::write(
        &path,
        format!("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd>\n{body}</kmd>\n"),
    )
    .unwrap();
    path
}

/// An active `<employee>` of 0813 in unit 3 with the given number, CPR, first name and work contract text.
pub fn employee_xml(id: u32, cpr: &str, first: &str, contract_text: &str, extra: &str) -> String {
    format!(
        " <employee id=\"{id}\" client=\"813\" lastChanged=\"2020-01-19\">\n  <entryDate/>\n  <leaveDate/>\n  \
         <cpr suppId=\"0\">{cpr}</cpr>\n  <firstName>{first}</firstName>\n  <lastName>Efternavn</lastName>\n  \
         <address>Testvej 1</address>\n  <postalCode>9900</postalCode>\n  <city>Frederikshavn</city>\n  \
         <country>DK</country>\n  <workPhone/>\n  <workContract>08</workContract>\n  \
         <workContractText>{contract_text}</workContractText>\n  <positionId>500</positionId>\n  \
         <position>Ansat</position>\n  <positionShort>TESTER</positionShort>\n  <isManager>false</isManager>\n  \
         <superiorLevel>0</superiorLevel>\n  <subordinateLevel>00</subordinateLevel>\n  <orgUnit>3</orgUnit>\n  \
         <payGradeText>TEST.</payGradeText>\n  <numerator>1 </numerator>\n  <denominator>1 </denominator>\n{extra} \
         </employee>\n"
    )
}

/// Org unit 3 of 0813 (the samples' unit the employees belong to) and its parents.
pub const UNITS_XML: &str = " <orgUnit id=\"1\" client=\"813\" lastChanged=\"2020-09-16\">\n  <startDate>1900-01-01</startDate>\n  \
    <endDate>9999-12-31</endDate>\n  <parentOrgUnit/>\n  <shortName>AND.K</shortName>\n  <longName>Andeby Kommune</longName>\n \
    </orgUnit>\n <orgUnit id=\"3\" client=\"813\" lastChanged=\"2015-01-16\">\n  <startDate>1900-01-01</startDate>\n  \
    <endDate>9999-12-31</endDate>\n  <parentOrgUnit>1</parentOrgUnit>\n  <shortName>U-U-Enh</shortName>\n  \
    <longName>Under-under-enhed</longName>\n </orgUnit>\n";
