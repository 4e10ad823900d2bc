//! The two public sample dumps imported in order, on every engine: what each creates and changes, checked field
//! by field against the differences between the files, and that importing a file again changes nothing.

mod common;

use common::*;
use serde_json::json;
use snitflade_domain::hr::{Category, CategoryRecord, EmploymentStatus, OPEN_END, OPEN_START};
use snitflade_store::Store;
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_zlpe::import::{EmployeeCounts, FileSummary, UnitCounts};

const CPR_SHARED: &str = "0101010000";
const CPR_1006: &str = "0201010000";

async fn one(store: &Store, pernr: &str, category: Category) -> CategoryRecord {
    let mut records = current(store, pernr, category).await;
    assert_eq!(records.len(), 1, "{pernr} {category}: {records:?}");
    records.remove(0)
}

fn only(report: &snitflade_zlpe::ImportReport) -> &FileSummary {
    assert_eq!(report.files.len(), 1);
    &report.files[0]
}

#[tokio::test]
async fn the_samples_in_order_on_every_engine() {
    for db in TestDb::all().await {
        let store = db.open().await;
        first_sample(&store).await;
        same_file_again_changes_nothing(&store, 1).await;
        second_sample(&store).await;
        same_file_again_changes_nothing(&store, 2).await;
        store.close().await;
        db.cleanup().await;
    }
}

async fn first_sample(store: &Store) {
    let report = import(store, &[sample(1)]).await;
    let s = only(&report);
    assert_eq!(s.failed, None);
    assert_eq!(s.errors, []);
    assert_eq!(s.date.as_deref(), Some("2020-01-01"));
    assert_eq!(s.records, 3 + 5);
    assert_eq!(s.municipalities_registered, ["0813 Frederikshavn Kommune"]);
    assert_eq!(
        s.org_units,
        UnitCounts {
            created: 3,
            ..UnitCounts::default()
        }
    );
    assert_eq!(
        s.employees,
        EmployeeCounts {
            created: 4,
            deleted: 1,
            leave_unknown: 1,
            ..EmployeeCounts::default()
        }
    );
    assert_eq!(s.missing_not_checked, None);

    let municipalities = snitflade_store::access::municipalities(store.pool()).await.unwrap();
    assert_eq!(municipalities.len(), 1);
    assert_eq!(
        (municipalities[0].code.as_str(), municipalities[0].name.as_str()),
        ("0813", "Frederikshavn Kommune")
    );

    // Employments: 1000–1002 active (one person, one suppId), 1006 cancelled without a replacement (its person
    // has no other employment); 999 was never active, so its leave record had nothing to end.
    let m = k("0813");
    let numbers = hr::employment_numbers(store.pool(), m).await.unwrap();
    assert_eq!(numbers, [p("1000"), p("1001"), p("1002"), p("1006")]);
    let all = hr::employments(store.pool(), m, &numbers).await.unwrap();
    for e in &all[..3] {
        assert_eq!(e.employment.status, EmploymentStatus::Active);
        assert_eq!(e.employment.cpr.expose(), CPR_SHARED);
        assert_eq!(e.employment.ekstraciffer, 0);
        assert_eq!(e.employment.org_unit.as_deref(), Some("3"));
        assert_eq!((e.employment.entry_date, e.employment.leave_date), (None, None));
    }
    let e1006 = &all[3].employment;
    assert_eq!(e1006.status, EmploymentStatus::Deleted);
    assert_eq!(e1006.replaced_by, None);
    assert_eq!(e1006.cpr.expose(), CPR_1006);
    assert_eq!(all[1].employment.full_name(), "Fornavn1 Efteravn2");
    assert_eq!(
        all[0].zlpe,
        Some(json!({
            "lastChanged": "2020-10-01",
            "workContractText": "Ansat",
            "superiorLevel": "0",
            "subordinateLevel": "00",
        }))
    );

    // Category records valid 1900-01-01 … 9999-12-31 (no entry or leave dates in the samples).
    let org = one(store, "1000", Category::Organisation).await;
    assert_eq!((org.valid_from, org.valid_to), (OPEN_START, OPEN_END));
    let values: Vec<_> = org.values().collect();
    assert_eq!(
        values,
        [
            ("Ansaettelsesforhold", "08"),
            ("Organisationsenhed", "3"),
            ("OrganisationsenhedTekst", "Under-under-enhed"),
            ("Stilling", "500"),
            ("StillingTekst", "Ansat"),
            ("OvenliggendeOrgEnhed", "2"),
            ("OrganisationsenhedTekstKort", "U-U-Enh"),
            ("StillingTekstKort", "TESTER"),
        ]
    );
    let activity = one(store, "1000", Category::Aktiviteter).await;
    assert_eq!(activity.values().collect::<Vec<_>>(), [("StatusBeskaeftigelse", "3")]);
    assert_eq!(
        one(store, "1006", Category::Aktiviteter)
            .await
            .get("StatusBeskaeftigelse"),
        Some("0")
    );
    let person = one(store, "1001", Category::Persondata).await;
    assert_eq!(
        person.values().collect::<Vec<_>>(),
        [
            ("CPR-nummer", CPR_SHARED),
            ("Efternavn", "Efteravn2"),
            ("Fornavn", "Fornavn1")
        ]
    );
    let address = one(store, "1000", Category::Adresse).await;
    assert_eq!(
        address.values().collect::<Vec<_>>(),
        [
            ("Adresseart", "1"),
            ("GadeVejNr", "Testvej 10"),
            ("Postnummer", "9900"),
            ("By", "Frederikshavn"),
            ("Land", "DK")
        ]
    );
    let time = one(store, "1000", Category::Arbejdstid).await;
    assert_eq!(
        time.values().collect::<Vec<_>>(),
        [("TimetalTaeller", "1"), ("TimetalNaevner", "1")]
    );
    assert_eq!(
        one(store, "1000", Category::Loenindplacering)
            .await
            .get("Loenklassenummer"),
        Some("TEST.")
    );
    // No work phone in the samples: no Kommunikation record.
    assert!(current(store, "1000", Category::Kommunikation).await.is_empty());

    let units = hr::org_units(store.pool(), m).await.unwrap();
    let ids: Vec<_> = units.iter().map(|u| u.unit.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(units[1].unit.parent.as_deref(), Some("1"));
    assert_eq!(units[1].unit.cost_center.as_deref(), Some("345300000000"));
    assert_eq!(units[1].extra.as_ref().unwrap()["seNr"], "34590365");

    // Events: one per unit and employment, none naming a CPR number; an audit entry per change and the summary.
    let events = events_after(store, 0).await;
    let kinds: Vec<_> = events.iter().map(|(k, id, _)| format!("{k} {id}")).collect();
    assert_eq!(
        kinds,
        [
            "org_unit.created 1",
            "org_unit.created 2",
            "org_unit.created 3",
            "employee.created 00001000",
            "employee.created 00001001",
            "employee.created 00001002",
            "employee.created 00001006",
        ]
    );
    assert_eq!(events[6].2["status"], "deleted");
    for (_, _, payload) in &events {
        let text = payload.to_string();
        assert!(!text.contains(CPR_SHARED) && !text.contains(CPR_1006), "{text}");
    }
    let audit = hr::audit(store.pool(), m, None, 20).await.unwrap();
    // The file's summary (newest), and one entry per change, each written with its chunk.
    assert_eq!(audit.len(), 8);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].interface.as_str()),
        ("import", "medarbejderoplysninger")
    );
    assert_eq!(audit[0].detail["file"], "ZLPE20200101_delta.xml");
    assert_eq!(audit[0].detail["employees"]["created"], 4);
    let mut changes: Vec<String> = audit[1..]
        .iter()
        .map(|a| {
            assert_eq!(a.action, "import.change");
            assert_eq!(a.detail["file"], "ZLPE20200101_delta.xml");
            let object = a
                .pernr
                .clone()
                .unwrap_or_else(|| a.detail["id"].as_str().unwrap().to_owned());
            format!("{} {object}", a.detail["event"].as_str().unwrap())
        })
        .collect();
    changes.sort();
    let mut expected: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(changes, expected, "one audit entry per event");
    for a in &audit {
        let text = a.detail.to_string();
        assert!(!text.contains(CPR_SHARED) && !text.contains(CPR_1006), "{text}");
    }
}

async fn same_file_again_changes_nothing(store: &Store, n: u8) {
    let before = counts(store).await;
    let times = update_times(store).await;
    let report = import(store, &[sample(n)]).await;
    let s = only(&report);
    assert_eq!((&s.failed, &s.errors[..]), (&None, &[][..]));
    let (units, employees) = if n == 1 { (3, 4) } else { (5, 3) };
    assert_eq!(
        s.org_units,
        UnitCounts {
            unchanged: units,
            ..UnitCounts::default()
        }
    );
    assert_eq!(s.employees.unchanged, employees, "{:?}", s.employees);
    assert_eq!(
        (s.employees.created, s.employees.changed, s.employees.refreshed),
        (0, 0, 0)
    );
    assert_eq!((s.employees.deleted, s.employees.left, s.employees.missing), (0, 0, 0));
    let after = counts(store).await;
    // Nothing written but the audit entry of the import itself.
    assert_eq!(after[..5], before[..5], "sample {n}");
    assert_eq!(after[5], before[5] + 1);
    assert_eq!(update_times(store).await, times);
}

async fn second_sample(store: &Store) {
    let seq = last_seq(store).await;
    let closed_before = count(
        store,
        "SELECT COUNT(*) FROM employee_records WHERE registered_to IS NOT NULL",
    )
    .await;
    let report = import(store, &[sample(2)]).await;
    let s = only(&report);
    assert_eq!((&s.failed, &s.errors[..]), (&None, &[][..]));
    assert!(s.municipalities_registered.is_empty());
    // Units 4 and 5 are new; 2's seNr and 3's parent changed without a new lastChanged; 1 is unchanged.
    assert_eq!(
        s.org_units,
        UnitCounts {
            created: 2,
            changed: 2,
            unchanged: 1,
            ..UnitCounts::default()
        }
    );
    // 1000: workContractText and position; 1001: the same and renamed; 1002's record is identical, but its
    // unit 3 now lies under unit 1, so its Organisation record (OvenliggendeOrgEnhed) changed too. 1006 is gone
    // without a leave record: it was cancelled already, which stays. 9991 and 999 were never active.
    assert_eq!(
        s.employees,
        EmployeeCounts {
            changed: 3,
            leave_unknown: 2,
            ..EmployeeCounts::default()
        }
    );
    assert_eq!(s.missing_not_checked, None);

    let events = events_after(store, seq).await;
    let summary: Vec<_> = events
        .iter()
        .map(|(kind, id, payload)| (kind.as_str(), id.as_str(), payload["changes"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("org_unit.changed", "2", json!(["seNr"])),
            ("org_unit.changed", "3", json!(["parent"])),
            ("org_unit.created", "4", json!([])),
            ("org_unit.created", "5", json!([])),
            (
                "employee.changed",
                "00001000",
                json!(["0001 Organisation", "workContractText"])
            ),
            (
                "employee.changed",
                "00001001",
                json!([
                    "first_name",
                    "last_name",
                    "0001 Organisation",
                    "0002 Persondata",
                    "workContractText"
                ])
            ),
            ("employee.changed", "00001002", json!(["0001 Organisation"])),
        ]
    );

    let m = k("0813");
    let numbers = hr::employment_numbers(store.pool(), m).await.unwrap();
    let all = hr::employments(store.pool(), m, &numbers).await.unwrap();
    let status: Vec<_> = all
        .iter()
        .map(|e| (e.employment.pernr.to_string(), e.employment.status))
        .collect();
    assert_eq!(
        status,
        [
            ("00001000".to_owned(), EmploymentStatus::Active),
            ("00001001".to_owned(), EmploymentStatus::Active),
            ("00001002".to_owned(), EmploymentStatus::Active),
            ("00001006".to_owned(), EmploymentStatus::Deleted),
        ]
    );
    assert_eq!(all[3].employment.leave_date, None);
    assert_eq!(all[0].zlpe.as_ref().unwrap()["workContractText"], "Softwaretester");
    assert_eq!(all[0].zlpe.as_ref().unwrap()["lastChanged"], "2020-10-02");
    assert_eq!(all[1].employment.full_name(), "Fornavn Efteravn");

    let org = one(store, "1000", Category::Organisation).await;
    assert_eq!(org.get("StillingTekst"), Some("Softwaretester"));
    assert_eq!(org.get("OvenliggendeOrgEnhed"), Some("1"));
    assert_eq!(
        one(store, "1002", Category::Organisation)
            .await
            .get("OvenliggendeOrgEnhed"),
        Some("1")
    );
    assert_eq!(
        one(store, "1001", Category::Persondata).await.get("Fornavn"),
        Some("Fornavn")
    );
    // Bitemporal: the old registrations are closed, not gone. 1000: 0001; 1001: 0001, 0002; 1002: 0001.
    let closed = count(
        store,
        "SELECT COUNT(*) FROM employee_records WHERE registered_to IS NOT NULL",
    )
    .await;
    assert_eq!(closed - closed_before, 4);
    let history = hr::records(
        store.pool(),
        m,
        &[p("1001")],
        &RegistrationFilter {
            from: Some("2000-01-01T00:00:00.000000Z".into()),
            to: None,
        },
    )
    .await
    .unwrap();
    let names: Vec<_> = history
        .iter()
        .filter(|r| r.record.category == Category::Persondata)
        .map(|r| (r.record.get("Fornavn").unwrap().to_owned(), r.registered_to.is_some()))
        .collect();
    assert_eq!(names, [("Fornavn1".to_owned(), true), ("Fornavn".to_owned(), false)]);

    let units = hr::org_units(store.pool(), m).await.unwrap();
    assert_eq!(units.len(), 5);
    assert_eq!(units[2].unit.parent.as_deref(), Some("1"));
    assert_eq!(units[1].extra.as_ref().unwrap()["seNr"], "34590366");
    let unit5 = &units[4];
    assert_eq!(unit5.unit.valid_from, jiff::civil::date(2022, 3, 1));
    assert_eq!(
        (unit5.unit.street.as_deref(), unit5.unit.cost_center.as_deref()),
        (None, None)
    );
    assert_eq!(unit5.extra.as_ref().unwrap()["cvrNr"], serde_json::Value::Null);
}

#[tokio::test]
async fn both_files_in_one_run_are_taken_in_time_order() {
    let (_db, store) = sqlite_store().await;
    // Given newest first: imported oldest first (the file names' time stamps decide).
    let report = import(&store, &[sample(2), sample(1)]).await;
    let files: Vec<_> = report.files.iter().map(|f| f.date.clone().unwrap()).collect();
    assert_eq!(files, ["2020-01-01", "2020-01-02"]);
    assert_eq!(report.files[1].employees.changed, 3);
    let e = employment(&store, "1001").await;
    assert_eq!(e.employment.first_name, "Fornavn");
    store.close().await;
}
