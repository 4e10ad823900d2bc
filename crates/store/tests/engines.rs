//! The store's behaviour, run against every engine: SQLite always, PostgreSQL when
//! `SNITFLADE_TEST_DATABASE_URL` is set (then it must be reachable: the test fails, never skips).

use serde_json::json;
use snitflade_domain::ErrorType;
use snitflade_domain::maskintimer::{RawRegistration, seed_example_master_data, validate};
use snitflade_domain::{ErrorStatus, Kommunekode};
use snitflade_store::access::{self, Municipality, SystemRecord};
use snitflade_store::errors::{self, ErrorFilter, HistoryEntry, NewError};
use snitflade_store::testing::TestDb;
use snitflade_store::{Store, StoreError, idempotency, maskintimer, outbox};

async fn seed(store: &Store) {
    store
        .write(|c| {
            Box::pin(async move {
                access::insert_municipality(
                    c,
                    &Municipality {
                        code: "0751".into(),
                        name: "Aarhus Kommune".into(),
                        cvr: "55133018".into(),
                        ..Municipality::default()
                    },
                )
                .await?;
                access::insert_system(
                    c,
                    &SystemRecord {
                        id: "sys-1".into(),
                        name: "maskinregistrering".into(),
                        vendor_name: "V".into(),
                        vendor_cvr: "12972997".into(),
                        ..SystemRecord::default()
                    },
                )
                .await?;
                maskintimer::upsert_employee(c, "0751", "00012345", "Mads").await?;
                maskintimer::put_master_data(c, "0751", "00012345", &seed_example_master_data()).await
            })
        })
        .await
        .unwrap();
}

fn raw(ex_ident: &str) -> RawRegistration {
    RawRegistration {
        personal_id: Some("00012345".into()),
        network: Some("000000519827".into()),
        ex_ident: Some(ex_ident.into()),
        activity: Some("0300".into()),
        work_cntr: Some("70510004".into()),
        plant: Some("0020".into()),
        postg_date: Some("20261120".into()),
        act_type: Some("5117".into()),
        act_work: Some("1.25".into()),
        kommunekode: Some("0751".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn the_store_behaves_the_same_on_every_engine() {
    for db in TestDb::all().await {
        scenario(&db.url).await;
        reopen_keeps_data(&db.url).await;
        db.cleanup().await;
    }
}

async fn scenario(url: &str) {
    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let pool = store.pool();
    let k = Kommunekode::parse("0751").unwrap();

    // Master data round-trips; an unknown employee is None.
    let md = maskintimer::master_data(pool, "0751", "00012345")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(md, seed_example_master_data(), "{url}");
    assert!(
        maskintimer::master_data(pool, "0751", "77736333")
            .await
            .unwrap()
            .is_none()
    );

    // The fetch log allows one fetch per system, employee and day.
    let fetch = |day: &'static str| {
        store.write(move |c| {
            Box::pin(async move { maskintimer::record_fetch(c, "sys-1", "0751", "00012345", day).await })
        })
    };
    assert!(fetch("2026-11-22").await.unwrap());
    assert!(!fetch("2026-11-22").await.unwrap());
    assert!(fetch("2026-11-23").await.unwrap());

    // Many concurrent writers: every registration is committed exactly once, idempotency by EX_IDENT.
    let mut tasks = Vec::new();
    for i in 0..200u32 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let ex = format!("{:032X}", i % 150);
            let reg = validate(
                &raw(&ex),
                Kommunekode::parse("0751").unwrap(),
                Some(&seed_example_master_data()),
            )
            .unwrap();
            store
                .write(move |c| {
                    let (ex, reg) = (ex.clone(), reg.clone());
                    Box::pin(async move {
                        if idempotency::claim(c, "maskintimer", &ex, "sys-1", "registered", None)
                            .await?
                            .is_some()
                        {
                            return Ok(false);
                        }
                        maskintimer::insert_registration(c, &reg, "sys-1", "2026-11-22T00:00:00.000000Z", None).await?;
                        c.emit(outbox::NewEvent {
                            kind: "test",
                            interface: "maskintimer",
                            municipality: Some("0751".into()),
                            object_id: Some("00012345".into()),
                            payload: json!({ "ex": ex }),
                        });
                        Ok(true)
                    })
                })
                .await
                .unwrap()
        }));
    }
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap());
    }
    assert_eq!(created, 150, "{url}");
    assert_eq!(maskintimer::count_registrations(pool).await.unwrap(), 150);
    let page = maskintimer::registrations(pool, None, Some(&format!("{:032X}", 99)), 1000)
        .await
        .unwrap();
    assert_eq!(page.len(), 50);
    assert!(page.windows(2).all(|w| w[0].ex_ident < w[1].ex_ident));
    assert_eq!(
        maskintimer::registrations(pool, Some(&format!("{:032X}", 7)), None, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // The outbox numbers events without gaps, in commit order.
    let events = outbox::after(pool, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 150);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as i64 + 1));
    assert_eq!(outbox::after(pool, 140, 1000).await.unwrap().len(), 10);

    // A failing write rolls back alone, its events too; the rest of its batch commits.
    let failing = store.write(|c| {
        Box::pin(async move {
            maskintimer::upsert_employee(c, "0751", "00099999", "Rolled Back").await?;
            c.emit(outbox::NewEvent {
                kind: "rolled-back",
                interface: "maskintimer",
                municipality: None,
                object_id: None,
                payload: json!({}),
            });
            Err::<(), _>(StoreError::Conflict("on purpose".into()))
        })
    });
    // A plain INSERT and an event, so that running it twice would show: the batch is first tried without
    // savepoints and rerun with them after the failure; the first try must leave no trace.
    let fine = store.write(|c| {
        Box::pin(async move {
            sqlx::query("INSERT INTO employees (municipality, pernr, name) VALUES ('0751', '00088888', 'Kept')")
                .execute(&mut **c)
                .await?;
            c.emit(outbox::NewEvent {
                kind: "kept",
                interface: "maskintimer",
                municipality: None,
                object_id: None,
                payload: json!({}),
            });
            Ok(())
        })
    });
    let (a, b) = tokio::join!(failing, fine);
    assert!(matches!(a, Err(StoreError::Conflict(_))));
    b.unwrap();
    assert!(
        !maskintimer::employee_exists(pool, "0751", "00099999").await.unwrap(),
        "{url}"
    );
    assert!(maskintimer::employee_exists(pool, "0751", "00088888").await.unwrap());
    let events = outbox::after(pool, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 151, "{url}");
    assert_eq!(events.iter().filter(|e| e.kind == "kept").count(), 1);
    assert!(events.iter().all(|e| e.kind != "rolled-back"));

    // Appended rows go in at the end of the batch, together; a row that cannot be inserted (here a key already
    // taken) fails its own write alone, with its events, and the other writes' rows are kept.
    static EMPLOYEES: snitflade_store::writer::Table = snitflade_store::writer::Table {
        name: "employees",
        columns: &["municipality", "pernr", "name"],
    };
    let append = |pernr: &'static str, kind: &'static str| {
        store.write(move |c| {
            Box::pin(async move {
                c.append(
                    &EMPLOYEES,
                    vec![Some("0751".into()), Some(pernr.into()), Some(kind.into())],
                );
                c.emit(outbox::NewEvent {
                    kind,
                    interface: "maskintimer",
                    municipality: None,
                    object_id: None,
                    payload: json!({}),
                });
                Ok(())
            })
        })
    };
    let (a, b, c) = tokio::join!(
        append("00077701", "appended-a"),
        append("00088888", "appended-taken"),
        append("00077702", "appended-c")
    );
    assert!(a.is_ok() && c.is_ok(), "{url}: {a:?} {c:?}");
    assert!(matches!(b, Err(StoreError::Db(_))), "{url}: {b:?}");
    for pernr in ["00077701", "00077702", "00088888"] {
        assert!(
            maskintimer::employee_exists(pool, "0751", pernr).await.unwrap(),
            "{url}: {pernr}"
        );
    }
    let events = outbox::after(pool, 0, 1000).await.unwrap();
    assert_eq!(events.len(), 153, "{url}");
    assert!(events.iter().all(|e| e.kind != "appended-taken"), "{url}");

    // Optimistic claims: two first sends of one key in a batch, and a resend after it, each answered as a claim
    // would be — the key is stored once, the first answer is the one kept, no write of the second is kept.
    let claim = |outcome: &'static str| {
        store.write(move |c| {
            Box::pin(async move {
                let first = idempotency::claim_in(c, "maskintimer", "OPTIMISTIC", "sys-1", outcome, None).await?;
                if first.is_none() {
                    c.emit(outbox::NewEvent {
                        kind: outcome,
                        interface: "maskintimer",
                        municipality: None,
                        object_id: None,
                        payload: json!({}),
                    });
                }
                Ok(first.map(|f| f.outcome))
            })
        })
    };
    let (x, y) = tokio::join!(claim("claim-x"), claim("claim-y"));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(
        (x.is_none() && y.as_deref() == Some("claim-x")) || (y.is_none() && x.as_deref() == Some("claim-y")),
        "{url}: {x:?} {y:?}"
    );
    let kept = if x.is_none() { "claim-x" } else { "claim-y" };
    assert_eq!(claim("claim-z").await.unwrap().as_deref(), Some(kept), "{url}");
    let events = outbox::after(pool, 0, 1000).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.kind.starts_with("claim-")).count(),
        1,
        "{url}"
    );

    // Adgangsstyring's message IDs: taken once, forgotten after their expiry.
    let take = |id: &'static str, expires: i64, forget_before: i64| {
        store.write(move |c| {
            Box::pin(async move { snitflade_store::sts_messages::take(c, id, expires, forget_before).await })
        })
    };
    assert!(take("uuid:1", 1000, 0).await.unwrap(), "{url}");
    assert!(!take("uuid:1", 1000, 0).await.unwrap(), "{url}: a replay");
    assert!(take("uuid:2", 1000, 0).await.unwrap(), "{url}");
    assert!(
        take("uuid:1", 2000, 1001).await.unwrap(),
        "{url}: forgotten once expired"
    );

    // The error table: insert, filter, update with history.
    let payload = serde_json::to_value(raw("BAD")).unwrap();
    let id = store
        .write(move |c| {
            let payload = payload.clone();
            Box::pin(async move {
                errors::insert(
                    c,
                    NewError {
                        interface: "maskintimer",
                        municipality: Some("0751"),
                        system_id: "sys-1",
                        actor: "maskinregistrering",
                        external_id: Some("BAD"),
                        error_type: ErrorType::InvalidData,
                        message: "EX_IDENT skal være 32 tegn",
                        payload: &payload,
                    },
                )
                .await
            })
        })
        .await
        .unwrap();
    let open = errors::list(
        pool,
        &ErrorFilter {
            status: Some(ErrorStatus::Open),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].system, "maskinregistrering");
    assert_eq!(open[0].payload["EX_IDENT"], "BAD");
    assert_eq!(open[0].municipality.as_deref(), Some(k.to_string().as_str()));
    let none = errors::list(
        pool,
        &ErrorFilter {
            interface: Some("engangsydelse".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    let item = open[0].clone();
    store
        .write(move |c| {
            let item = item.clone();
            Box::pin(async move {
                let entry = HistoryEntry {
                    at: String::new(),
                    action: "resubmitted_failed".into(),
                    actor: "admin".into(),
                    error_type: Some(ErrorType::MasterData),
                    message: Some("ukendt".into()),
                    payload: None,
                };
                errors::update(
                    c,
                    &item,
                    ErrorStatus::Open,
                    entry,
                    Some((ErrorType::MasterData, "ukendt")),
                    None,
                )
                .await
            })
        })
        .await
        .unwrap();
    let after = errors::get(pool, &id).await.unwrap();
    assert_eq!(after.error_type, ErrorType::MasterData);
    assert_eq!(after.message, "ukendt");
    assert_eq!(after.history.len(), 2);
    assert!(matches!(errors::get(pool, "nope").await, Err(StoreError::NotFound)));
    store.close().await;
}

async fn reopen_keeps_data(url: &str) {
    let store = Store::open(url).await.unwrap();
    assert_eq!(
        maskintimer::count_registrations(store.pool()).await.unwrap(),
        150,
        "{url}"
    );
    assert!(!access::is_empty(store.pool()).await.unwrap());
    store.close().await;
}

#[tokio::test]
async fn hr_records_are_bitemporal_on_every_engine() {
    for db in TestDb::all().await {
        hr_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// Employments and category records: a change closes the old registration and inserts the new one; the current
/// view shows only the new, a registration filter shows what was known then; an unchanged replace writes nothing.
async fn hr_scenario(url: &str) {
    use jiff::civil::date;
    use snitflade_domain::hr::{Category, CategoryRecord, Employment, EmploymentStatus, OPEN_END};
    use snitflade_domain::{Cpr, Pernr};
    use snitflade_store::hr::{self, RegistrationFilter};

    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let m = Kommunekode::parse("0751").unwrap();
    let pernr = Pernr::parse("4711").unwrap();
    let employment = Employment {
        municipality: m,
        pernr,
        cpr: Cpr::parse("0101901234").unwrap(),
        ekstraciffer: 1,
        first_name: "Ane".into(),
        last_name: "Ager".into(),
        org_unit: Some("7".into()),
        entry_date: Some(date(2020, 1, 1)),
        leave_date: None,
        is_manager: true,
        status: EmploymentStatus::Active,
        replaced_by: None,
    };
    let mail = |id: &str| {
        CategoryRecord::new(
            Category::Kommunikation,
            date(2020, 1, 1),
            OPEN_END,
            [
                ("Sekvensnummer", "000"),
                ("Kommunikationsart", "0010"),
                ("KommunikationsID", id),
            ],
        )
        .unwrap()
    };
    let (e, first) = (employment.clone(), mail("ane@a.dk"));
    store
        .write(move |c| {
            let (e, first) = (e.clone(), first.clone());
            Box::pin(async move {
                hr::upsert_employment(c, &e, Some(&json!({"workContractText": "Ansat"}))).await?;
                hr::replace_category(
                    c,
                    e.municipality,
                    e.pernr,
                    Category::Kommunikation,
                    &[first],
                    "t",
                    "2026-01-01T00:00:00.000000Z",
                )
                .await
            })
        })
        .await
        .unwrap();
    let stored = hr::employment(store.pool(), m, pernr).await.unwrap().unwrap();
    assert_eq!(stored.employment, employment);
    assert_eq!(stored.zlpe, Some(json!({"workContractText": "Ansat"})));
    assert_eq!(
        hr::employment_numbers(store.pool(), m).await.unwrap(),
        [pernr],
        "00012345 has no HR data"
    );
    assert_eq!(
        hr::managers(store.pool(), m).await.unwrap(),
        std::slice::from_ref(&employment)
    );

    // Same again: nothing changes. A new address: one closed, one new registration.
    let replace = |id: &'static str, at: &'static str| {
        let r = mail(id);
        store.write(move |c| {
            let r = r.clone();
            Box::pin(async move { hr::replace_category(c, m, pernr, Category::Kommunikation, &[r], "t", at).await })
        })
    };
    assert!(!replace("ane@a.dk", "2026-02-01T00:00:00.000000Z").await.unwrap());
    assert!(replace("ane@b.dk", "2026-03-01T00:00:00.000000Z").await.unwrap());

    let ids = |rs: Vec<hr::StoredRecord>| {
        rs.into_iter()
            .map(|r| r.record.get("KommunikationsID").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let current = hr::records(store.pool(), m, &[pernr], &RegistrationFilter::current())
        .await
        .unwrap();
    assert_eq!(ids(current), ["ane@b.dk"]);
    let as_of_feb = RegistrationFilter {
        from: Some("2026-02-01T00:00:00.000000Z".into()),
        to: Some("2026-02-01T00:00:00.000000Z".into()),
    };
    assert_eq!(
        ids(hr::records(store.pool(), m, &[pernr], &as_of_feb).await.unwrap()),
        ["ane@a.dk"]
    );
    let since_jan = RegistrationFilter {
        from: Some("2026-01-15T00:00:00.000000Z".into()),
        to: None,
    };
    assert_eq!(
        ids(hr::records(store.pool(), m, &[pernr], &since_jan).await.unwrap()),
        ["ane@a.dk", "ane@b.dk"]
    );
    store.close().await;
}

#[tokio::test]
async fn absences_schedules_and_derived_categories_on_every_engine() {
    for db in TestDb::all().await {
        absence_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// Absences and schedules are stored, changed by closing and re-inserting, read by period; the MTP and FVNV
/// records follow them (the absence's hours from the schedule); a municipality's own catalogue replaces the
/// built-in one; `TimeData` reads it all back.
async fn absence_scenario(url: &str) {
    use jiff::civil::date;
    use snitflade_domain::absence::{Absence, default_catalogue};
    use snitflade_domain::hr::{Category, Employment, EmploymentStatus, OPEN_END};
    use snitflade_domain::schedule::{AbsencePeriod, WeekPattern, WorkSchedule};
    use snitflade_domain::{Cpr, Pernr};
    use snitflade_store::hr::{self, RegistrationFilter};
    use snitflade_store::time_data::TimeData;
    use snitflade_store::{absence, hr_derived, schedules};

    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let m = Kommunekode::parse("0751").unwrap();
    let pernr = Pernr::parse("4712").unwrap();
    let employment = Employment {
        municipality: m,
        pernr,
        cpr: Cpr::parse("0101651234").unwrap(),
        ekstraciffer: 0,
        first_name: "Bo".into(),
        last_name: "Bak".into(),
        org_unit: None,
        entry_date: Some(date(2015, 1, 1)),
        leave_date: None,
        is_manager: false,
        status: EmploymentStatus::Active,
        replaced_by: None,
    };
    let sick = Absence {
        object_id: "A1".into(),
        type_code: "SY".into(),
        period: AbsencePeriod {
            start: date(2026, 11, 23),
            end: date(2026, 11, 24),
            start_time: None,
            end_time: None,
        },
        additional: String::new(),
        registered_by: "t".into(),
    };
    let (e, a) = (employment.clone(), sick.clone());
    store
        .write(move |c| {
            let (e, a) = (e.clone(), a.clone());
            Box::pin(async move {
                hr::upsert_employment(c, &e, None).await?;
                absence::insert_absence(c, m, pernr, &a, "2026-11-01T00:00:00.000000Z").await?;
                hr_derived::sync_absence_records(c, m, pernr, "t", "2026-11-01T00:00:00.000000Z").await
            })
        })
        .await
        .unwrap();
    let fvnv = |store: Store| async move {
        hr::records(store.pool(), m, &[pernr], &RegistrationFilter::current())
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.record.category == Category::FravaerNaervaer)
            .map(|r| r.record.get("FravaersNaervaerstimer").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(fvnv(store.clone()).await, ["14.80"], "two standard days");

    // A 30-hour schedule: the MTP record appears and the absence costs 12 hours.
    let schedule = WorkSchedule {
        valid_from: date(2026, 1, 1),
        valid_to: OPEN_END,
        kind: "DEL".into(),
        text: "Deltid".into(),
        pattern: WeekPattern::weekdays("30".parse().unwrap(), jiff::civil::time(8, 0, 0, 0)),
    };
    let s = schedule.clone();
    store
        .write(move |c| {
            let s = s.clone();
            Box::pin(async move {
                let now = "2026-11-02T00:00:00.000000Z";
                schedules::insert_schedule(c, m, pernr, "S1", &s, "t", now).await?;
                hr_derived::sync_schedule_records(c, m, pernr, "t", now).await?;
                hr_derived::sync_absence_records(c, m, pernr, "t", now).await
            })
        })
        .await
        .unwrap();
    assert_eq!(fvnv(store.clone()).await, ["12.00"]);
    let mtp: Vec<_> = hr::records(store.pool(), m, &[pernr], &RegistrationFilter::current())
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.record.category == Category::Moedetidsplan)
        .collect();
    assert_eq!(mtp.len(), 1);
    assert_eq!(mtp[0].record.get("Arbejdstid"), Some("30.00"));
    assert!(schedules::any_in(store.pool(), m).await.unwrap());

    // Reads by period and by employee; closing hides the absence and its FVNV record.
    let in_nov = absence::absences_in(store.pool(), m, None, date(2026, 11, 1), date(2026, 11, 30), 10)
        .await
        .unwrap();
    assert_eq!(in_nov.len(), 1);
    let limited = absence::absences_in(store.pool(), m, None, date(2026, 11, 1), date(2026, 11, 30), 0)
        .await
        .unwrap();
    assert!(limited.is_empty(), "the limit holds");
    assert_eq!(in_nov[0].absence, sick);
    let none = absence::absences_in(
        store.pool(),
        m,
        Some(&[pernr]),
        date(2026, 12, 1),
        date(2026, 12, 31),
        10,
    )
    .await
    .unwrap();
    assert!(none.is_empty());
    let data = TimeData::read(store.pool(), m, pernr).await.unwrap().unwrap();
    assert_eq!(data.absences.len(), 1);
    assert_eq!(data.stored_schedules[0].schedule, schedule);
    assert_eq!(data.catalogue, default_catalogue());
    let row = data.absences[0].id.clone();
    store
        .write(move |c| {
            let row = row.clone();
            Box::pin(async move {
                let now = "2026-11-03T00:00:00.000000Z";
                absence::close_absence(c, &row, now).await?;
                hr_derived::sync_absence_records(c, m, pernr, "t", now).await
            })
        })
        .await
        .unwrap();
    assert!(fvnv(store.clone()).await.is_empty());
    assert!(
        absence::current_absences(store.pool(), m, pernr)
            .await
            .unwrap()
            .is_empty()
    );

    // A municipality's own catalogue.
    let mut own = default_catalogue();
    own.truncate(2);
    let o = own.clone();
    store
        .write(move |c| {
            let o = o.clone();
            Box::pin(async move { absence::set_catalogue(c, m, &o, "admin", "2026-11-04T00:00:00.000000Z").await })
        })
        .await
        .unwrap();
    assert_eq!(absence::catalogue(store.pool(), m).await.unwrap(), own);
    store.close().await;
}

#[tokio::test]
async fn time_data_in_one_statement_on_every_engine() {
    for db in TestDb::all().await {
        time_data_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// `TimeData` reads an employee's tables in one statement, each gathered into JSON by the database: what it reads
/// must be exactly what the tables' own reads give — NULLs, times, numbers, order and all — and a number without
/// an employment reads as none.
async fn time_data_scenario(url: &str) {
    use jiff::civil::{date, time};
    use rust_decimal::Decimal;
    use snitflade_domain::absence::{Absence, default_catalogue};
    use snitflade_domain::hr::{Category, Child, Employment, EmploymentStatus, OPEN_END};
    use snitflade_domain::quotas::{HolidayTransfer, HolidayYear, TransferReason};
    use snitflade_domain::schedule::{AbsencePeriod, WeekPattern, WorkSchedule};
    use snitflade_domain::{Cpr, Pernr};
    use snitflade_store::holiday_transfers::{self, StoredTransfer};
    use snitflade_store::time_data::TimeData;
    use snitflade_store::{absence, hr, hr_derived, schedules};

    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let m = Kommunekode::parse("0751").unwrap();
    let pernr = Pernr::parse("4713").unwrap();
    let employment = Employment {
        municipality: m,
        pernr,
        cpr: Cpr::parse("0101651234").unwrap(),
        ekstraciffer: 3,
        first_name: "Åse".into(),
        last_name: "Ø\"Bak\\".into(),
        org_unit: Some("U1".into()),
        entry_date: Some(date(2015, 1, 1)),
        leave_date: Some(date(2027, 6, 30)),
        is_manager: true,
        status: EmploymentStatus::Active,
        replaced_by: None,
    };
    let absence = |object_id: &str, code: &str, day: i8, times: Option<(i8, i8)>, additional: &str| Absence {
        object_id: object_id.into(),
        type_code: code.into(),
        period: AbsencePeriod {
            start: date(2026, 11, day),
            end: date(2026, 11, day + if times.is_some() { 0 } else { 1 }),
            start_time: times.map(|(s, _)| time(s, 0, 0, 0)),
            end_time: times.map(|(_, e)| time(e, 30, 0, 0)),
        },
        additional: additional.into(),
        registered_by: "t".into(),
    };
    // Inserted out of order; two on one day, told apart by their times.
    let absences = vec![
        absence("A3", "FE", 20, None, ""),
        absence("A2", "SY", 10, Some((12, 14)), ""),
        absence("A1", "SY", 10, Some((8, 10)), "01"),
    ];
    let mut catalogue = default_catalogue();
    catalogue.truncate(5);
    let schedule = |from: i8, hours: &str| WorkSchedule {
        valid_from: date(2026, from, 1),
        valid_to: if from == 1 { date(2026, 6, 30) } else { OPEN_END },
        kind: "DEL".into(),
        text: "Deltid \u{1F600}".into(),
        pattern: WeekPattern::weekdays(hours.parse().unwrap(), time(8, 0, 0, 0)),
    };
    let children = vec![
        Child {
            child_number: "02".into(),
            cpr: Cpr::parse("0202201234").unwrap(),
            first_name: "Bo".into(),
            last_name: "Bak".into(),
        },
        Child {
            child_number: "01".into(),
            cpr: Cpr::parse("0101181234").unwrap(),
            first_name: "Al".into(),
            last_name: "Bak".into(),
        },
    ];
    let transfer = |id: &str, year: i16, reason, agreed_on| StoredTransfer {
        id: id.into(),
        pernr,
        transfer: HolidayTransfer {
            from: HolidayYear { start: year },
            reason,
            days: "2.5".parse::<Decimal>().unwrap(),
        },
        agreed_on,
        note: String::new(),
        registered_at: "2026-11-01T00:00:00.000000Z".into(),
        registered_by: "admin".into(),
    };
    let transfers = vec![
        transfer("T2", 2025, TransferReason::Hindrance, None),
        transfer("T1", 2024, TransferReason::Agreement, Some(date(2025, 12, 1))),
    ];
    let (e, a, k, ch, tr) = (
        employment.clone(),
        absences.clone(),
        catalogue.clone(),
        children.clone(),
        transfers.clone(),
    );
    let (s1, s2) = (schedule(1, "37"), schedule(7, "30"));
    let (data, fvnv) = store
        .write(move |c| {
            let (e, a, k, ch, tr, s1, s2) = (
                e.clone(),
                a.clone(),
                k.clone(),
                ch.clone(),
                tr.clone(),
                s1.clone(),
                s2.clone(),
            );
            Box::pin(async move {
                let now = "2026-11-01T00:00:00.000000Z";
                hr::upsert_employment(c, &e, None).await?;
                absence::set_catalogue(c, m, &k, "admin", now).await?;
                schedules::insert_schedule(c, m, pernr, "S2", &s2, "t", now).await?;
                schedules::insert_schedule(c, m, pernr, "S1", &s1, "t", now).await?;
                for a in &a {
                    absence::insert_absence(c, m, pernr, a, now).await?;
                }
                for child in &ch {
                    hr::insert_child(c, m, pernr, child).await?;
                }
                for t in &tr {
                    holiday_transfers::insert(c, m, t).await?;
                }
                assert!(hr_derived::sync_absence_records(c, m, pernr, "t", now).await?);
                // Read inside the write, as a change reads it.
                let gathered = TimeData::load_for_absence_change(c, m, pernr).await?;
                let nobody = TimeData::load_for_absence_change(c, m, Pernr::parse("4714").unwrap()).await?;
                assert!(nobody.is_none(), "no employment, no time data");
                Ok(gathered)
            })
        })
        .await
        .unwrap()
        .expect("an employment");
    // The same, one table at a time, each by its own read.
    let mut c = store.pool().acquire().await.unwrap();
    assert_eq!(
        fvnv,
        hr::current_records(&mut c, m, pernr, Category::FravaerNaervaer)
            .await
            .unwrap()
    );
    assert_eq!(fvnv.len(), 3);
    assert_eq!(
        TimeData::read(store.pool(), m, pernr).await.unwrap().unwrap().absences,
        data.absences,
        "the read pool's load is the same"
    );
    assert_eq!(
        Some(data.employment.clone()),
        hr::employment(&mut *c, m, pernr).await.unwrap().map(|s| s.employment)
    );
    assert_eq!(data.employment, employment);
    assert_eq!(data.catalogue, catalogue);
    assert_eq!(
        data.stored_schedules,
        schedules::current_schedules(&mut *c, m, pernr).await.unwrap()
    );
    assert_eq!(
        data.stored_schedules
            .iter()
            .map(|s| s.schedule_id.as_str())
            .collect::<Vec<_>>(),
        ["S1", "S2"]
    );
    assert_eq!(
        data.absences,
        absence::current_absences(&mut *c, m, pernr).await.unwrap()
    );
    assert_eq!(
        data.absences
            .iter()
            .map(|a| a.absence.object_id.as_str())
            .collect::<Vec<_>>(),
        ["A1", "A2", "A3"],
        "by start date and time"
    );
    assert_eq!(data.absences[0].absence, absences[2]);
    assert_eq!(data.children, hr::children(&mut *c, m, pernr).await.unwrap());
    assert_eq!(
        data.children
            .iter()
            .map(|c| c.child_number.as_str())
            .collect::<Vec<_>>(),
        ["01", "02"]
    );
    assert_eq!(data.transfers, holiday_transfers::of(&mut *c, m, pernr).await.unwrap());
    assert_eq!(
        data.transfers.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["T1", "T2"]
    );
    assert_eq!(data.catalogue, absence::catalogue(&mut *c, m).await.unwrap());
    drop(c);
    store.close().await;
}

#[tokio::test]
async fn payroll_on_every_engine() {
    for db in TestDb::all().await {
        payroll_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// One-time payments are inserted in batches (more rows than one statement takes), read by period and found
/// by key; a key is unique; the payroll catalogue falls back to the built-in one until a municipality has its
/// own; locks come and go; fixed supplements are closed and re-inserted, only current ones read.
async fn payroll_scenario(url: &str) {
    use jiff::civil::date;
    use snitflade_domain::fixed::{FixedSupplement, Frequency};
    use snitflade_domain::hr::OPEN_END;
    use snitflade_domain::onetime::OneTimePayment;
    use snitflade_domain::payroll::{default_catalogue, parse_value};
    use snitflade_domain::{Kommunekode, Pernr};
    use snitflade_store::onetime::{self, Registration};
    use snitflade_store::{fixed_supplements, payroll};

    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let m = Kommunekode::parse("0751").unwrap();
    let p = Pernr::parse("12345").unwrap();
    let payment = |day: i8, seq: u32| OneTimePayment {
        wage_type: "6001".into(),
        start_date: date(2026, 5, day),
        running_no: i64::from(seq),
        seq,
        amount: Some(parse_value("45.50").unwrap()),
        quantity: None,
        hourly_rate: None,
        cost_centre: None,
        psp_element: Some("XG-0000000001-00001".into()),
        sender: "KANTINE".into(),
        remark: "Frokost".into(),
    };
    let batch: Vec<OneTimePayment> = (0..700).map(|i| payment(1 + (i % 28) as i8, i / 28)).collect();
    let written = std::sync::Arc::new(batch.clone());
    let ids = store
        .write(move |c| {
            let batch = written.clone();
            Box::pin(async move {
                let r = Registration {
                    municipality: m,
                    pernr: p,
                    system_id: "sys-1",
                    source: "api",
                    update_id: Some("AB"),
                    now: "2026-12-01T00:00:00.000000Z",
                };
                onetime::insert(c, r, &batch).await
            })
        })
        .await
        .unwrap();
    assert_eq!(ids.len(), 700);
    let all = onetime::read(store.pool(), m, p, None, None).await.unwrap();
    assert_eq!(all.len(), 700);
    assert_eq!(all[0].payment, payment(1, 0));
    let first_week = onetime::read(store.pool(), m, p, Some(date(2026, 5, 1)), Some(date(2026, 5, 7)))
        .await
        .unwrap();
    assert_eq!(first_week.len(), 7 * 25);
    let probe = [payment(1, 0), payment(1, 30)];
    let keys = onetime::registered_keys(store.pool(), m, p, &probe).await.unwrap();
    assert_eq!(keys.len(), 1);
    let dup = store
        .write(move |c| {
            Box::pin(async move {
                let r = Registration {
                    municipality: m,
                    pernr: p,
                    system_id: "sys-1",
                    source: "api",
                    update_id: None,
                    now: "2026-12-01T00:00:00.000000Z",
                };
                onetime::insert(c, r, &[payment(1, 0)]).await
            })
        })
        .await
        .unwrap_err();
    assert!(dup.is_unique_violation(), "{dup}");

    assert_eq!(payroll::catalogue(store.pool(), m).await.unwrap(), default_catalogue());
    let mut own = default_catalogue();
    own.cost_centres.push("3000000001".into());
    let stored = own.clone();
    store
        .write(move |c| {
            let own = stored.clone();
            Box::pin(async move {
                payroll::set_catalogue(c, m, &own, "admin").await?;
                payroll::lock(c, m, p, "genberegning", "admin").await
            })
        })
        .await
        .unwrap();
    assert_eq!(payroll::catalogue(store.pool(), m).await.unwrap(), own);
    assert!(payroll::is_locked(store.pool(), m, p).await.unwrap());
    assert_eq!(payroll::locks(store.pool(), m).await.unwrap()[0].reason, "genberegning");
    assert!(
        store
            .write(move |c| Box::pin(async move { payroll::unlock(c, m, p).await }))
            .await
            .unwrap()
    );
    assert!(!payroll::is_locked(store.pool(), m, p).await.unwrap());

    let supplement = FixedSupplement {
        wage_type: "2010".into(),
        amount: Some(parse_value("1250").unwrap()),
        quantity: None,
        frequency: Frequency::Yearly,
        valid_from: date(2026, 1, 1),
        valid_to: OPEN_END,
        cost_centre: Some("1000000001".into()),
        psp_element: None,
        text: "Funktionstillæg".into(),
    };
    let s1 = supplement.clone();
    let row = store
        .write(move |c| {
            let s1 = s1.clone();
            Box::pin(
                async move { fixed_supplements::insert(c, m, p, "S1", &s1, "t", "2026-12-01T00:00:00.000000Z").await },
            )
        })
        .await
        .unwrap();
    let ended = FixedSupplement {
        valid_to: date(2026, 6, 30),
        ..supplement.clone()
    };
    let e2 = ended.clone();
    store
        .write(move |c| {
            let (row, e2) = (row.clone(), e2.clone());
            Box::pin(async move {
                fixed_supplements::close(c, &row, "2026-12-02T00:00:00.000000Z").await?;
                fixed_supplements::insert(c, m, p, "S1", &e2, "t", "2026-12-02T00:00:00.000000Z").await
            })
        })
        .await
        .unwrap();
    let current = fixed_supplements::current(store.pool(), m, p).await.unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!(
        (current[0].supplement_id.as_str(), &current[0].supplement),
        ("S1", &ended)
    );
    store.close().await;
}

#[tokio::test]
async fn dueslag_and_deliveries_on_every_engine() {
    for db in TestDb::all().await {
        dueslag_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// A dueslag with a subscription, the router's position, deliveries queued once, attempted in order, moved to the
/// fejlkø and requeued.
async fn dueslag_scenario(url: &str) {
    use snitflade_store::dueslag::{self, Dueslag, Subscription};
    let store = Store::open(url).await.unwrap();
    seed(&store).await;
    let d = Dueslag {
        id: "6f1c1d9e-7f43-4d6b-9d0b-1a2b3c4d5e6f".into(),
        name: "modtager".into(),
        system_id: "sys-1".into(),
        active: true,
        push_url: Some("https://localhost:9/modtag".into()),
        max_attempts: 3,
        created_at: "2026-12-03T10:00:00.000000Z".into(),
        updated_at: "2026-12-03T10:00:00.000000Z".into(),
    };
    let (d2, id) = (d.clone(), d.id.clone());
    store
        .write(move |c| {
            let d = d2.clone();
            Box::pin(async move {
                dueslag::save(c, &d).await?;
                dueslag::save(
                    c,
                    &Dueslag {
                        active: false,
                        ..d.clone()
                    },
                )
                .await?;
                dueslag::add_subscription(
                    c,
                    &Subscription {
                        id: "s1".into(),
                        dueslag_id: d.id.clone(),
                        filter: json!({"myndighed": ["0751"]}),
                        created_at: d.created_at.clone(),
                    },
                )
                .await?;
                for seq in [3, 1, 2, 1] {
                    dueslag::enqueue(c, &d.id, seq, "2026-12-03T10:00:00.000000Z").await?;
                }
                dueslag::set_position(c, 3).await?;
                dueslag::set_position(c, 5).await
            })
        })
        .await
        .unwrap();
    let pool = store.pool();
    assert!(!dueslag::by_id(pool, &id).await.unwrap().unwrap().active);
    assert_eq!(dueslag::position(pool).await.unwrap(), 5);
    assert_eq!(
        dueslag::subscriptions(pool, Some(&id)).await.unwrap()[0].filter,
        json!({"myndighed": ["0751"]})
    );
    assert_eq!(
        dueslag::deliveries(pool, &id, None, 0, 10).await.unwrap().len(),
        3,
        "queued once each"
    );
    assert_eq!(dueslag::head(pool, &id).await.unwrap().unwrap().seq, 1);
    let id2 = id.clone();
    store
        .write(move |c| {
            let id = id2.clone();
            Box::pin(async move {
                let now = "2026-12-03T10:00:01.000000Z";
                dueslag::record_attempt(c, &id, 1, "delivered", now, None, now).await?;
                dueslag::record_attempt(
                    c,
                    &id,
                    2,
                    "pending",
                    "2026-12-03T10:00:05.000000Z",
                    Some("HTTP 500"),
                    now,
                )
                .await?;
                dueslag::record_attempt(c, &id, 2, "dead", now, Some("HTTP 500"), now).await?;
                assert!(dueslag::move_delivery(c, &id, 2, "dead", "pending", now).await?);
                assert!(!dueslag::move_delivery(c, &id, 1, "dead", "pending", now).await?);
                Ok(())
            })
        })
        .await
        .unwrap();
    let all = dueslag::deliveries(pool, &id, None, 0, 10).await.unwrap();
    assert_eq!(all[0].state, "delivered");
    assert!(all[0].delivered_at.is_some());
    assert_eq!(
        (all[1].state.as_str(), all[1].attempts),
        ("pending", 0),
        "requeued: attempts start over"
    );
    assert_eq!(dueslag::head(pool, &id).await.unwrap().unwrap().seq, 2);
    assert_eq!(
        dueslag::deliveries(pool, &id, Some("delivered"), 0, 10)
            .await
            .unwrap()
            .len(),
        1
    );

    // flytbeskedtilfejlkoe: a message found by its BeskedId (the event's id) in this dueslag, moved to the fejlkø
    // whether pending or delivered, once.
    store
        .write(|tx| {
            tx.emit(outbox::NewEvent {
                kind: "absence.created",
                interface: "opret-fravaer",
                municipality: Some("0751".into()),
                object_id: None,
                payload: json!({}),
            });
            Box::pin(async { Ok(()) })
        })
        .await
        .unwrap();
    let event = outbox::after(pool, 0, 1000).await.unwrap().pop().unwrap();
    let (id2, seq) = (id.clone(), event.seq);
    let moved = store
        .write(move |c| {
            let id = id2.clone();
            Box::pin(async move {
                let now = "2026-12-03T10:00:02.000000Z";
                dueslag::enqueue(c, &id, seq, now).await?;
                dueslag::record_attempt(c, &id, seq, "delivered", now, None, now).await?;
                let delivered = dueslag::to_fejlkoe_on_request(c, &id, seq, now).await?;
                let again = dueslag::to_fejlkoe_on_request(c, &id, seq, now).await?;
                assert!(dueslag::move_delivery(c, &id, seq, "dead", "pending", now).await?);
                let pending = dueslag::to_fejlkoe_on_request(c, &id, seq, now).await?;
                Ok((delivered, again, pending))
            })
        })
        .await
        .unwrap();
    assert_eq!(moved, (true, false, true), "delivered and pending move, once");
    let found = dueslag::delivery_of_message(pool, &id, &event.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((found.seq, found.state.as_str()), (seq, "dead"));
    assert!(found.last_error.unwrap().contains("flytbeskedtilfejlkoe"));
    assert!(
        dueslag::delivery_of_message(pool, "another", &event.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(dueslag::delivery_of_message(pool, &id, "b1").await.unwrap().is_none());

    // Filtered for want of a grant (issue 17): recorded so when routed, taken out of the queue when pending, once;
    // and one system's grants read by themselves.
    let id2 = id.clone();
    let filtered = store
        .write(move |c| {
            let id = id2.clone();
            Box::pin(async move {
                let now = "2026-12-03T10:00:03.000000Z";
                dueslag::enqueue_filtered(c, &id, 40, "no grant: a", now).await?;
                dueslag::enqueue_filtered(c, &id, 40, "no grant: again", now).await?;
                dueslag::enqueue(c, &id, 41, now).await?;
                let pending = dueslag::filter_pending(c, &id, 41, "no grant: b", now).await?;
                let again = dueslag::filter_pending(c, &id, 41, "no grant: c", now).await?;
                access::insert_grant(
                    c,
                    &access::GrantRecord {
                        id: "g1".into(),
                        system_id: "sys-1".into(),
                        interface: "beskedfordeler".into(),
                        municipality: "0751".into(),
                        valid_from: "2026-01-01".into(),
                        ..access::GrantRecord::default()
                    },
                )
                .await?;
                Ok((pending, again))
            })
        })
        .await
        .unwrap();
    assert_eq!(filtered, (true, false), "a pending delivery is filtered once");
    let all = dueslag::deliveries(pool, &id, Some("filtered"), 0, 10).await.unwrap();
    let seen: Vec<(i64, &str)> = all.iter().map(|d| (d.seq, d.last_error.as_deref().unwrap())).collect();
    assert_eq!(seen, [(40, "no grant: a"), (41, "no grant: b")]);
    assert!(dueslag::head(pool, &id).await.unwrap().is_none_or(|h| h.seq != 41));
    let grants = access::grants_of_system(pool, "sys-1").await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].interface.as_str(), grants[0].valid_to.as_deref()),
        ("beskedfordeler", None)
    );
    assert!(access::grants_of_system(pool, "sys-2").await.unwrap().is_empty());

    // Many at once: deliveries queued in one statement (a repeat changes nothing), and recorded delivered in one —
    // only those still pending (one moved to the fejlkø meanwhile stays there).
    let id2 = id.clone();
    store
        .write(move |c| {
            let id = id2.clone();
            Box::pin(async move {
                let now = "2026-12-03T10:00:04.000000Z";
                let queued: Vec<dueslag::Queued> = (50..55)
                    .map(|seq| dueslag::Queued {
                        dueslag_id: &id,
                        seq,
                        filtered: (seq == 54).then_some("no grant: d"),
                    })
                    .collect();
                dueslag::enqueue_all(c, &queued, now).await?;
                dueslag::enqueue_all(c, &queued, "2026-12-03T11:00:00.000000Z").await?;
                assert!(dueslag::move_delivery(c, &id, 52, "pending", "dead", now).await?);
                dueslag::record_delivered(c, &id, &[50, 51, 52, 54], "2026-12-03T10:00:05.000000Z", now).await
            })
        })
        .await
        .unwrap();
    let after: Vec<(i64, String, i64, Option<String>)> = dueslag::deliveries(pool, &id, None, 49, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| (d.seq, d.state, d.attempts, d.delivered_at))
        .collect();
    let at = Some("2026-12-03T10:00:04.000000Z".to_owned());
    assert_eq!(
        after,
        [
            (50, "delivered".to_owned(), 1, at.clone()),
            (51, "delivered".to_owned(), 1, at),
            (52, "dead".to_owned(), 0, None),
            (53, "pending".to_owned(), 0, None),
            (54, "filtered".to_owned(), 0, None),
        ]
    );
    store.close().await;
}

#[tokio::test]
async fn value_lists_on_every_engine() {
    for db in TestDb::all().await {
        value_list_scenario(&db.url).await;
        db.cleanup().await;
    }
}

/// Value lists (SF1460_B): a list's values are a set (adding twice or removing a missing one changes nothing),
/// `contains` sees only active lists, a deletion takes the values along, and fejlkø requests are kept per dueslag.
async fn value_list_scenario(url: &str) {
    use snitflade_store::vaerdilister::{self, FejlkoeRequest, ListState, StoredList};

    let store = Store::open(url).await.unwrap();
    let list = StoredList {
        id: "7f1c2a4e-0000-4000-8000-000000000001".into(),
        name: "Medarbejdere".into(),
        description: "Abonnerede".into(),
        owner_system_id: "sys-1".into(),
        state: ListState::Aktiv,
        livscyklus: "Opstaaet".into(),
        created_at: "2026-01-01T00:00:00.000000Z".into(),
        updated_at: "2026-01-01T00:00:00.000000Z".into(),
    };
    let id = list.id.clone();
    let l = list.clone();
    let added = store
        .write(move |c| {
            let l = l.clone();
            Box::pin(async move {
                vaerdilister::insert(c, &l).await?;
                let values = ["urn:oio:kmd:lpe:medarbejder:00000101".to_owned(), "b".to_owned()];
                let first = vaerdilister::add_values(c, &l.id, &values, "2026-01-01T00:00:00.000000Z").await?;
                let again = vaerdilister::add_values(c, &l.id, &values, "2026-01-02T00:00:00.000000Z").await?;
                Ok((first, again))
            })
        })
        .await
        .unwrap();
    assert_eq!(added, (2, 0), "{url}");
    let pool = store.pool();
    assert_eq!(vaerdilister::get(pool, &id).await.unwrap(), Some(list.clone()));
    assert_eq!(
        vaerdilister::owned_by(pool, "sys-1").await.unwrap(),
        std::slice::from_ref(&list)
    );
    assert_eq!(vaerdilister::count_owned(pool, "sys-2").await.unwrap(), 0);
    assert_eq!(vaerdilister::count_values(pool, &id).await.unwrap(), 2);
    assert!(
        vaerdilister::contains(pool, &id, "urn:oio:kmd:lpe:medarbejder:00000101")
            .await
            .unwrap()
    );
    assert!(!vaerdilister::contains(pool, &id, "c").await.unwrap());
    assert!(!vaerdilister::contains(pool, "nope", "b").await.unwrap());

    // Removing: a missing value is no error; a passive list contains nothing, and again after reactivation.
    let i = id.clone();
    let removed = store
        .write(move |c| {
            let i = i.clone();
            Box::pin(async move {
                let n = vaerdilister::remove_values(c, &i, &["b".to_owned(), "zzz".to_owned()]).await?;
                vaerdilister::update_attributes(c, &i, "Nyt navn", "", "Rettet", "2026-01-03T00:00:00.000000Z").await?;
                vaerdilister::set_state(
                    c,
                    &i,
                    ListState::Passiveret,
                    "Passiveret",
                    "2026-01-04T00:00:00.000000Z",
                )
                .await?;
                Ok(n)
            })
        })
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(
        vaerdilister::values(pool, &id).await.unwrap(),
        ["urn:oio:kmd:lpe:medarbejder:00000101"]
    );
    let got = vaerdilister::get(pool, &id).await.unwrap().unwrap();
    assert_eq!(
        (
            got.name.as_str(),
            got.state,
            got.livscyklus.as_str(),
            got.updated_at.as_str()
        ),
        (
            "Nyt navn",
            ListState::Passiveret,
            "Passiveret",
            "2026-01-04T00:00:00.000000Z"
        )
    );
    assert!(
        !vaerdilister::contains(pool, &id, "urn:oio:kmd:lpe:medarbejder:00000101")
            .await
            .unwrap()
    );

    // Deleting takes the values along.
    let i = id.clone();
    let deleted = store
        .write(move |c| {
            let i = i.clone();
            Box::pin(async move { Ok((vaerdilister::delete(c, &i).await?, vaerdilister::delete(c, &i).await?)) })
        })
        .await
        .unwrap();
    assert_eq!(deleted, (true, false));
    assert!(vaerdilister::get(pool, &id).await.unwrap().is_none());
    assert!(vaerdilister::values(pool, &id).await.unwrap().is_empty());

    // Fejlkø requests, and the outbox lookup of a message id.
    let req = FejlkoeRequest {
        id: "r1".into(),
        dueslag: "d1".into(),
        besked_id: "b1".into(),
        requested_by: "sys-1".into(),
        requested_at: "2026-01-05T00:00:00.000000Z".into(),
    };
    let r = req.clone();
    store
        .write(move |c| {
            let r = r.clone();
            Box::pin(async move { vaerdilister::insert_fejlkoe_request(c, &r).await })
        })
        .await
        .unwrap();
    assert_eq!(vaerdilister::fejlkoe_requests(pool, "d1").await.unwrap(), [req]);
    assert!(vaerdilister::fejlkoe_requests(pool, "d2").await.unwrap().is_empty());
    store.close().await;
}

#[tokio::test]
async fn console_sign_ins_in_progress_are_shared_by_every_instance_on_every_engine() {
    use snitflade_store::oidc_flows::{self, Bounds, Flow};
    for db in TestDb::all().await {
        // Two instances on one database: a sign-in started on one finishes on the other.
        let (a, b) = (Store::open(&db.url).await.unwrap(), Store::open(&db.url).await.unwrap());
        let flow = |address: &str, started_at: i64| Flow {
            provider: "aarhus".into(),
            state: "state".into(),
            nonce: "nonce".into(),
            verifier: "verifier".into(),
            redirect: "https://console.example/logind/oidc/aarhus/callback".into(),
            address: Some(address.into()),
            started_at,
        };
        async fn remember(
            store: &Store,
            digest: &'static str,
            f: Flow,
            forget_before: i64,
        ) -> Result<bool, StoreError> {
            let bounds = Bounds {
                total: 5,
                per_address: 3,
            };
            store
                .write(move |c| {
                    let f = f.clone();
                    Box::pin(async move { oidc_flows::remember(c, digest, &f, bounds, forget_before).await })
                })
                .await
        }
        async fn take(store: &Store, digest: &'static str, started_after: i64) -> Result<Option<Flow>, StoreError> {
            store
                .write(move |c| Box::pin(async move { oidc_flows::take(c, digest, started_after).await }))
                .await
        }
        assert!(
            remember(&a, "d1", flow("10.0.0.1", 1000), 0).await.unwrap(),
            "{}",
            db.url
        );
        assert_eq!(
            take(&b, "d1", 500).await.unwrap(),
            Some(flow("10.0.0.1", 1000)),
            "{}: taken on the other instance",
            db.url
        );
        assert_eq!(take(&a, "d1", 500).await.unwrap(), None, "{}: taken once", db.url);

        // Bounded per address and in all, whichever instance counts.
        for d in ["d2", "d3", "d4"] {
            assert!(remember(&a, d, flow("10.0.0.1", 1000), 0).await.unwrap(), "{}", db.url);
        }
        assert!(
            !remember(&b, "d5", flow("10.0.0.1", 1000), 0).await.unwrap(),
            "{}: per address",
            db.url
        );
        assert!(
            remember(&b, "d5", flow("10.0.0.2", 1000), 0).await.unwrap(),
            "{}",
            db.url
        );
        assert!(
            remember(&b, "d6", flow("10.0.0.3", 1000), 0).await.unwrap(),
            "{}",
            db.url
        );
        assert!(
            !remember(&a, "d7", flow("10.0.0.4", 1000), 0).await.unwrap(),
            "{}: in all",
            db.url
        );
        // Too old: not handed out, and forgotten when the next one is kept.
        assert_eq!(take(&b, "d2", 1001).await.unwrap(), None, "{}: too old", db.url);
        assert!(
            remember(&a, "d8", flow("10.0.0.1", 2000), 1500).await.unwrap(),
            "{}",
            db.url
        );
        assert_eq!(take(&b, "d3", 0).await.unwrap(), None, "{}: forgotten", db.url);
        assert!(take(&b, "d8", 1500).await.unwrap().is_some(), "{}", db.url);
        a.close().await;
        b.close().await;
        db.cleanup().await;
    }
}
