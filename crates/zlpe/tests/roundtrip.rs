//! Export: the samples come out as Opus formats them; export → import into a fresh store → export gives the same
//! file and the same employments and records; data entered by other means exports from its categories; a
//! generated 1,200-employee dump goes through import and export unchanged, in small chunks.

mod common;

use std::collections::BTreeSet;

use common::*;
use jiff::civil::date;
use snitflade_domain::hr::{Category, CategoryRecord, Employment, EmploymentStatus, OPEN_END, OrgUnit};
use snitflade_domain::{Cpr, Kommunekode};
use snitflade_opus_dump::{DumpReader, DumpWriter, EmployeeRecord, Record};
use snitflade_store::Store;
use snitflade_store::hr::{self, RegistrationFilter};
use snitflade_zlpe::export::{self, ExportSummary};
use snitflade_zlpe::{ImportOptions, generate};

fn today() -> jiff::civil::Date {
    date(2024, 5, 1)
}

async fn dump(store: &Store, code: &str) -> String {
    let (out, _) = export::write_dump(store, k(code), Vec::new(), today()).await.unwrap();
    String::from_utf8(out).unwrap()
}

/// The records of a dump file (any formatting), as the writer formats them, leave records left out; with
/// `add`'s active employees inserted in personnel-number order.
fn as_written(file: &std::path::Path, add: &[Record]) -> String {
    let text = std::fs::read(file).unwrap();
    let mut units = Vec::new();
    let mut employees = Vec::new();
    for r in DumpReader::new(&text[..]).chain(add.iter().cloned().map(Ok)) {
        match r.unwrap() {
            Record::OrgUnit(u) => units.push(u),
            Record::Employee(EmployeeRecord::Active(e)) => employees.push(e),
            Record::Employee(EmployeeRecord::Leave(_)) => {}
        }
    }
    employees.sort_by_key(|e| e.id);
    let mut w = DumpWriter::new(Vec::new());
    for u in &units {
        w.write_org_unit(u).unwrap();
    }
    for e in employees {
        w.write_employee(&e.into()).unwrap();
    }
    String::from_utf8(w.finish().unwrap()).unwrap()
}

fn record_of(file: &std::path::Path, id: &str) -> Record {
    let text = std::fs::read(file).unwrap();
    DumpReader::new(&text[..])
        .map(Result::unwrap)
        .find(|r| matches!(r, Record::Employee(e) if e.id() == p(id)))
        .unwrap()
}

/// Every employment with its `zlpe` JSON and, for active ones, its current records (without ids and
/// registration times). A cancelled or ended employment keeps the Organisation record of its last snapshot
/// (unit names and parent as they were then), which a fresh import of a later export cannot know.
async fn hr_state(store: &Store, code: &str) -> Vec<(String, Option<serde_json::Value>, BTreeSet<String>)> {
    let m = k(code);
    let numbers = hr::employment_numbers(store.pool(), m).await.unwrap();
    let records = hr::records(store.pool(), m, &numbers, &RegistrationFilter::current())
        .await
        .unwrap();
    hr::employments(store.pool(), m, &numbers)
        .await
        .unwrap()
        .into_iter()
        .map(|s| {
            let own = records
                .iter()
                .filter(|r| r.pernr == s.employment.pernr && s.employment.status == EmploymentStatus::Active)
                .map(|r| format!("{:?}", r.record))
                .collect();
            (format!("{:?}", s.employment), s.zlpe, own)
        })
        .collect()
}

#[tokio::test]
async fn the_samples_come_out_as_opus_formats_them() {
    let (_db, store) = sqlite_store().await;
    import(&store, &[sample(1)]).await;
    // Everything but leave record 999, whose number was never active (there is nothing to write it from).
    assert_eq!(dump(&store, "0813").await, as_written(&sample(1), &[]));
    import(&store, &[sample(2)]).await;
    // The second sample, plus the cancelled 1006, which stays listed as Annulleret.
    let cancelled = record_of(&sample(1), "1006");
    assert_eq!(dump(&store, "0813").await, as_written(&sample(2), &[cancelled]));
    store.close().await;
}

#[tokio::test]
async fn export_import_export_gives_the_same_file_and_data_on_every_engine() {
    for db in TestDb::all().await {
        let store = db.open().await;
        import(&store, &[sample(1), sample(2)]).await;
        let dir = tempfile::tempdir().unwrap();
        let first = export::export_at(&store, k("813"), dir.path(), date(2024, 5, 1).at(2, 30, 0, 0))
            .await
            .unwrap();
        assert_eq!(
            first,
            ExportSummary {
                path: dir.path().join("ZLPE20240501023000_delta.xml"),
                org_units: 5,
                employees: 3,
                cancelled: 1,
                leave_records: 0,
            }
        );
        // Written under a temporary name and renamed: nothing else is left in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let again = export::export_at(&store, k("813"), dir.path(), date(2024, 5, 1).at(2, 30, 0, 0)).await;
        assert!(matches!(again, Err(export::ExportError::Exists(_))), "{again:?}");

        let (_fresh_db, fresh) = sqlite_store().await;
        let report = import(&fresh, std::slice::from_ref(&first.path)).await;
        assert_eq!(report.files[0].employees.created, 4);
        let second = export::export_at(&fresh, k("813"), dir.path(), date(2024, 5, 1).at(2, 31, 0, 0))
            .await
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(&second.path).unwrap(),
            std::fs::read_to_string(&first.path).unwrap(),
            "{:?}",
            db.engine
        );
        assert_eq!(hr_state(&fresh, "0813").await, hr_state(&store, "0813").await);
        assert_eq!(
            hr::org_units(fresh.pool(), k("0813")).await.unwrap(),
            hr::org_units(store.pool(), k("0813")).await.unwrap()
        );
        assert!(matches!(
            export::write_dump(&store, k("0101"), Vec::new(), today()).await,
            Err(export::ExportError::UnknownMunicipality(_))
        ));
        fresh.close().await;
        store.close().await;
        db.cleanup().await;
    }
}

/// HR data entered without a dump (as the demo does): org units without numbers, employments without `zlpe`,
/// categories the dump does not carry.
async fn seed_without_dump(store: &Store) {
    let m = k("0340");
    store
        .write(move |tx| {
            Box::pin(async move {
                hr::ensure_municipality(tx, m, "Sorø Kommune", "29188327").await?;
                for (id, parent, name) in [("1", None, "Sorø Kommune"), ("11", Some("1"), "Børnehuset Solsikken")] {
                    let unit = OrgUnit {
                        id: id.into(),
                        parent: parent.map(Into::into),
                        short_name: name.chars().take(8).collect(),
                        long_name: name.into(),
                        valid_from: date(2010, 1, 1),
                        valid_to: OPEN_END,
                        street: Some("Rådhusvej 8".into()),
                        zip_code: Some("4180".into()),
                        city: Some("Sorø".into()),
                        phone: None,
                        cost_center: None,
                    };
                    hr::upsert_org_unit(tx, m, &unit, None).await?;
                }
                let now = snitflade_store::now_text();
                for (pernr, status, cpr) in [
                    (101, EmploymentStatus::Active, "0503851231"),
                    (102, EmploymentStatus::Deleted, "1207791238"),
                    (103, EmploymentStatus::Active, "1207791238"),
                    (128, EmploymentStatus::Left, "2408901234"),
                ] {
                    let e = Employment {
                        municipality: m,
                        pernr: p(&pernr.to_string()),
                        cpr: Cpr::parse(cpr).unwrap(),
                        ekstraciffer: u8::from(pernr == 103),
                        first_name: "Mette".into(),
                        last_name: format!("Holm{pernr}"),
                        org_unit: Some("11".into()),
                        entry_date: Some(date(2015, 8, 1)),
                        leave_date: (pernr == 128).then(|| date(2025, 6, 30)),
                        is_manager: pernr == 101,
                        status,
                        replaced_by: (pernr == 102).then(|| p("103")),
                    };
                    hr::upsert_employment(tx, &e, None).await?;
                    let rec = |c, values: Vec<(&str, &str)>| {
                        CategoryRecord::new(c, date(2015, 8, 1), OPEN_END, values).unwrap()
                    };
                    for r in [
                        rec(
                            Category::Organisation,
                            vec![
                                ("Organisationsenhed", "11"),
                                ("Stilling", "P01"),
                                ("StillingTekst", "Pædagog"),
                                ("Medarbejderkreds", "21"),
                            ],
                        ),
                        rec(
                            Category::Adresse,
                            vec![("Adresseart", "1"), ("GadeVejNr", "Storgade 3"), ("Postnummer", "4180")],
                        ),
                        rec(
                            Category::Arbejdstid,
                            vec![("TimetalTaeller", "37.00"), ("TimetalNaevner", "37.00")],
                        ),
                        rec(
                            Category::Kommunikation,
                            vec![("Kommunikationsart", "0010"), ("KommunikationsID", "mh@soroe.dk")],
                        ),
                        rec(
                            Category::Kommunikation,
                            vec![("Kommunikationsart", "0020"), ("KommunikationsID", "57876101")],
                        ),
                        rec(Category::Skattedata, vec![("Traekprocent", "38")]),
                    ] {
                        hr::insert_record(tx, m, e.pernr, &r, "demo", &now).await?;
                    }
                }
                Ok(())
            })
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn data_entered_by_other_means_exports_from_its_categories() {
    let (_db, store) = sqlite_store().await;
    seed_without_dump(&store).await;
    let first = dump(&store, "0340").await;
    assert!(
        first.contains(" <orgUnit id=\"11\" client=\"340\" lastChanged=\"2024-05-01\">\n"),
        "{first}"
    );
    assert!(first.contains("  <workPhone>57876101</workPhone>\n"), "{first}");
    assert!(first.contains("  <position>Pædagog</position>\n"), "{first}");
    assert!(first.contains("  <numerator>37.00 </numerator>\n"), "{first}");
    assert!(
        first.contains("  <workContractText>Annulleret</workContractText>\n"),
        "{first}"
    );
    assert!(first.contains("  <isManager>true</isManager>\n"), "{first}");
    assert!(first.contains("  <cpr suppId=\"1\">1207791238</cpr>\n"), "{first}");
    assert!(!first.contains("mh@soroe.dk"));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ZLPE20240501000000_delta.xml");
    std::fs::write(&path, &first).unwrap();
    let (_fresh_db, fresh) = sqlite_store().await;
    let report = import(&fresh, std::slice::from_ref(&path)).await;
    assert_eq!(report.files[0].errors, []);
    assert_eq!(report.files[0].municipalities_registered, ["0340 Sorø Kommune"]);
    assert_eq!(dump(&fresh, "0340").await, first);
    // The ended employment came as a leave record with its data and was created as ended.
    assert!(
        first.contains(" <employee id=\"128\" client=\"340\" lastChanged=\"2024-05-01\" action=\"leave\">\n"),
        "{first}"
    );
    assert_eq!(report.files[0].employees.leave_created, 1);
    let e128 = employment_in(&fresh, "0340", "128").await;
    assert_eq!(
        (e128.employment.status, e128.employment.leave_date),
        (EmploymentStatus::Left, Some(date(2025, 6, 30)))
    );
    assert_eq!(
        format!("{:?}", e128.employment),
        format!("{:?}", employment_in(&store, "0340", "128").await.employment)
    );
    let e102 = employment_in(&fresh, "0340", "102").await;
    assert_eq!(
        (e102.employment.status, e102.employment.replaced_by),
        (EmploymentStatus::Deleted, Some(p("103")))
    );

    // Importing the export back into the original store: the import now owns its categories there, and keeps
    // the e-mail address and the tax data it does not own.
    let report = import(&store, &[path]).await;
    assert_eq!(report.files[0].errors, []);
    let records = hr::records(store.pool(), k("0340"), &[p("101")], &RegistrationFilter::current())
        .await
        .unwrap();
    let categories: Vec<_> = records.iter().map(|r| r.record.category.code()).collect();
    assert!(categories.contains(&"0765"), "{categories:?}");
    assert!(
        records
            .iter()
            .any(|r| r.record.get("KommunikationsID") == Some("mh@soroe.dk"))
    );
    assert_eq!(dump(&store, "0340").await, first);
    store.close().await;
    fresh.close().await;
}

#[tokio::test]
async fn left_employments_are_exported_as_their_leave_records() {
    let (_db, store) = sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let both = format!(
        "{UNITS_XML}{}{}",
        employee_xml(1, "0101801234", "Anne", "Ansat", ""),
        employee_xml(2, "0202821234", "Bent", "Ansat", "")
    );
    import(&store, &[dump_file(dir.path(), "20200301", &both)]).await;
    let body = format!(
        "{UNITS_XML}{} <employee id=\"2\" client=\"813\" lastChanged=\"2020-03-01\" action=\"leave\"/>\n",
        employee_xml(1, "0101801234", "Anne", "Ansat", "")
    );
    import(&store, &[dump_file(dir.path(), "20200302", &body)]).await;
    let out = dump(&store, "0813").await;
    // The leave record keeps its id, client and lastChanged and carries the employment's last data, in the form
    // of an active employee, with the leave date (the file's date: the leave record named none).
    let ended = employee_xml(2, "0202821234", "Bent", "Ansat", "")
        .replace(
            "lastChanged=\"2020-01-19\">",
            "lastChanged=\"2020-03-01\" action=\"leave\">",
        )
        .replace("<leaveDate/>", "<leaveDate>2020-03-02</leaveDate>");
    assert!(out.ends_with(&format!("{ended}</kmd>\n")), "{out}");
    store.close().await;
}

/// Every employment (all fields), without the records and `zlpe` JSON.
async fn employments(store: &Store, code: &str) -> Vec<Employment> {
    let m = k(code);
    let numbers = hr::employment_numbers(store.pool(), m).await.unwrap();
    hr::employments(store.pool(), m, &numbers)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.employment)
        .collect()
}

/// Every current record of every employment (without ids and registration times).
async fn all_records(store: &Store, code: &str) -> BTreeSet<String> {
    let m = k(code);
    let numbers = hr::employment_numbers(store.pool(), m).await.unwrap();
    hr::records(store.pool(), m, &numbers, &RegistrationFilter::current())
        .await
        .unwrap()
        .into_iter()
        .map(|r| format!("{} {:?}", r.pernr, r.record))
        .collect()
}

#[tokio::test]
async fn ended_employments_survive_export_import_export_on_every_engine() {
    for db in TestDb::all().await {
        let store = db.open().await;
        let dir = tempfile::tempdir().unwrap();
        // 1 stays, 2 ends by Opus's (childless) leave record, 3 is cancelled, 4 disappears from the snapshot.
        let anne = employee_xml(1, "0101801234", "Anne", "Ansat", "");
        let bent = employee_xml(2, "0202821234", "Bent", "Ansat", "");
        let carl = employee_xml(3, "0101801234", "Carl", "Annulleret", "  <userId>C3</userId>\n");
        let dora = employee_xml(4, "0303831234", "Dora", "Ansat", "");
        let files = [
            dump_file(dir.path(), "20200301", &format!("{UNITS_XML}{anne}{bent}{carl}{dora}")),
            dump_file(
                dir.path(),
                "20200302",
                &format!(
                    "{UNITS_XML}{anne}{carl}{dora} <employee id=\"2\" client=\"813\" lastChanged=\"2020-03-01\" \
                     action=\"leave\"/>\n <employee id=\"999\" client=\"813\" action=\"leave\"/>\n"
                ),
            ),
            dump_file(dir.path(), "20200315", &format!("{UNITS_XML}{anne}{carl}")),
        ];
        import(&store, &files).await;
        let ended = |s: &snitflade_store::hr::StoredEmployment| (s.employment.status, s.employment.leave_date);
        assert_eq!(
            ended(&employment_in(&store, "0813", "2").await),
            (EmploymentStatus::Left, Some(date(2020, 3, 2)))
        );
        assert_eq!(
            ended(&employment_in(&store, "0813", "4").await),
            (EmploymentStatus::Left, Some(date(2020, 3, 15)))
        );

        let out = tempfile::tempdir().unwrap();
        let first = export::export_at(&store, k("813"), out.path(), date(2024, 5, 1).at(2, 30, 0, 0))
            .await
            .unwrap();
        assert_eq!((first.employees, first.cancelled, first.leave_records), (1, 1, 2));
        let text = std::fs::read_to_string(&first.path).unwrap();
        assert!(
            text.contains(
                " <employee id=\"4\" client=\"813\" lastChanged=\"2020-01-19\" action=\"leave\">\n  <entryDate/>\n  \
                 <leaveDate>2020-03-15</leaveDate>\n  <cpr suppId=\"0\">0303831234</cpr>\n  <firstName>Dora</firstName>\n"
            ),
            "{text}"
        );
        assert!(!text.contains("id=\"999\""), "{text}");

        let (_fresh_db, fresh) = sqlite_store().await;
        let seq = last_seq(&fresh).await;
        let report = import(&fresh, std::slice::from_ref(&first.path)).await;
        let s = &report.files[0];
        assert_eq!(s.errors, []);
        assert_eq!(
            (
                s.employees.created,
                s.employees.deleted,
                s.employees.leave_created,
                s.employees.leave_unknown
            ),
            (2, 1, 2, 0),
            "{:?}",
            s.employees
        );
        let created: Vec<_> = events_after(&fresh, seq)
            .await
            .into_iter()
            .filter(|(kind, _, payload)| kind == "employee.created" && payload["status"] == "left")
            .map(|(_, _, payload)| payload["pernr"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(created, ["00000002", "00000004"]);
        // Created as ended: every record ends at the leave date.
        let records = hr::records(fresh.pool(), k("0813"), &[p("4")], &RegistrationFilter::current())
            .await
            .unwrap();
        assert!(!records.is_empty());
        assert!(
            records.iter().all(|r| r.record.valid_to == date(2020, 3, 15)),
            "{records:?}"
        );
        assert_eq!(records[0].record.get("StatusBeskaeftigelse"), Some("0"));

        let second = export::export_at(&fresh, k("813"), out.path(), date(2024, 5, 1).at(2, 31, 0, 0))
            .await
            .unwrap();
        assert_eq!(std::fs::read_to_string(&second.path).unwrap(), text, "{:?}", db.engine);
        assert_eq!(employments(&fresh, "0813").await, employments(&store, "0813").await);
        let active_state = |state: Vec<(String, Option<serde_json::Value>, BTreeSet<String>)>| {
            state
                .into_iter()
                .filter(|(e, _, _)| !e.contains("Left"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            active_state(hr_state(&fresh, "0813").await),
            active_state(hr_state(&store, "0813").await)
        );

        // Once more into a fresh store: the same employments and records, and importing again changes nothing.
        let (_again_db, again) = sqlite_store().await;
        import(&again, std::slice::from_ref(&second.path)).await;
        assert_eq!(employments(&again, "0813").await, employments(&fresh, "0813").await);
        assert_eq!(all_records(&again, "0813").await, all_records(&fresh, "0813").await);
        assert_eq!(hr_state(&again, "0813").await, hr_state(&fresh, "0813").await);
        let seq = last_seq(&again).await;
        let report = import(&again, std::slice::from_ref(&second.path)).await;
        assert_eq!(report.files[0].employees.leave_repeated, 2);
        assert_eq!(report.files[0].employees.leave_created, 0);
        assert!(
            events_after(&again, seq)
                .await
                .iter()
                .all(|(kind, _, _)| !kind.starts_with("employee."))
        );

        again.close().await;
        fresh.close().await;
        store.close().await;
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_generated_dump_goes_through_in_small_chunks() {
    let (_db, store) = sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let options = ImportOptions {
        chunk_size: 100,
        ..ImportOptions::default()
    };
    let write = |revision| {
        let path = dir.path().join(generate::file_name(revision).to_string());
        let (bytes, generated) = generate::write_dump(Vec::new(), 1200, revision).unwrap();
        std::fs::write(&path, bytes).unwrap();
        (path, generated)
    };
    let (first, generated) = write(0);
    let mut progress = Vec::new();
    let report = snitflade_zlpe::import_files(&store, std::slice::from_ref(&first), &options, |p| {
        progress.push((p.bytes_read, p.bytes_total))
    })
    .await
    .unwrap();
    let s = &report.files[0];
    assert_eq!(s.errors, []);
    assert_eq!(s.org_units.created, u64::from(generated.org_units));
    assert_eq!((s.employees.created, s.employees.deleted), (1200, 2));
    assert_eq!(s.employees.leave_unknown, 12);
    let size = std::fs::metadata(&first).unwrap().len();
    assert!(progress.len() >= 12, "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0].0 <= w[1].0));
    assert_eq!(progress.last(), Some(&(size, size)));
    assert_eq!(dump(&store, "0813").await, as_written(&first, &[]));
    let cancelled = employment_in(&store, "0813", "100499").await;
    assert_eq!(cancelled.employment.replaced_by, Some(p("100500")));

    // A day later: every 100th employee has a new position, employee 100998 is gone, every lastChanged moved.
    let (second, _) = write(1);
    let seq = last_seq(&store).await;
    let report = snitflade_zlpe::import_files(&store, &[second], &options, |_| {})
        .await
        .unwrap();
    let s = &report.files[0];
    assert_eq!(
        (
            s.employees.changed,
            s.employees.refreshed,
            s.employees.unchanged,
            s.employees.missing
        ),
        (12, 1187, 0, 1),
        "{:?}",
        s.employees
    );
    let events = events_after(&store, seq).await;
    assert_eq!(events.len(), 13);
    assert!(events.iter().all(|(_, _, payload)| {
        payload
            .get("changes")
            .is_none_or(|c| c == &serde_json::json!(["0001 Organisation"]))
    }));
    let gone = employment_in(&store, "0813", "100998").await;
    assert_eq!(
        (gone.employment.status, gone.employment.leave_date),
        (EmploymentStatus::Left, Some(date(2024, 1, 2)))
    );
    let _: Kommunekode = k("0813");
    store.close().await;
}
