//! Employments over several snapshots: leave records and missing employments end them, a rehire brings one back,
//! cancelled employments find their replacement, the import leaves communication records it does not own alone,
//! and bad records, bad files and truncated files are reported without harm to the rest.

mod common;

use common::*;
use serde_json::json;
use snitflade_domain::hr::{Category, CategoryRecord, EmploymentStatus, OPEN_START};
use snitflade_store::Store;
use snitflade_store::hr;

const CPR_A: &str = "0101801234";
const CPR_B: &str = "0202821234";
const CPR_C: &str = "0303831234";
const CPR_D: &str = "0404841234";

fn with_phone(xml: String, phone: &str) -> String {
    xml.replace("<workPhone/>", &format!("<workPhone>{phone}</workPhone>"))
}

fn with_entry(xml: String, entry: &str) -> String {
    xml.replace("<entryDate/>", &format!("<entryDate>{entry}</entryDate>"))
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("the needle is in the text") as u64
        + 1
}

#[tokio::test]
async fn employments_end_come_back_and_keep_what_the_import_does_not_own() {
    for db in TestDb::all().await {
        let store = db.open().await;
        lifecycle(&store).await;
        store.close().await;
        db.cleanup().await;
    }
}

async fn lifecycle(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let everyone = |phone1: &str| {
        format!(
            "{UNITS_XML}{}{}{}{}",
            with_phone(employee_xml(1, CPR_A, "Anne", "Ansat", ""), phone1),
            employee_xml(2, CPR_B, "Bent", "Ansat", ""),
            employee_xml(3, CPR_C, "Carl", "Ansat", ""),
            employee_xml(4, CPR_D, "Dorte", "Ansat", ""),
        )
    };
    let first = import(store, &[dump_file(dir.path(), "20200301", &everyone("98450001"))]).await;
    assert_eq!(first.files[0].employees.created, 4);
    let phone = current(store, "1", Category::Kommunikation).await;
    assert_eq!(phone.len(), 1);
    assert_eq!(
        phone[0].values().collect::<Vec<_>>(),
        [
            ("Sekvensnummer", "000"),
            ("Kommunikationsart", "0020"),
            ("KommunikationsID", "98450001")
        ]
    );

    // An e-mail address arrives through the web service (Ret): the import does not own it.
    let mail = CategoryRecord::new(
        Category::Kommunikation,
        OPEN_START,
        snitflade_domain::hr::OPEN_END,
        [("Kommunikationsart", "0010"), ("KommunikationsID", "bent@andeby.dk")],
    )
    .unwrap();
    for pernr in ["1", "2"] {
        let mail = mail.clone();
        store
            .write(move |tx| {
                let mail = mail.clone();
                Box::pin(async move {
                    hr::insert_record(tx, k("0813"), p(pernr), &mail, "Ret", &snitflade_store::now_text()).await
                })
            })
            .await
            .unwrap();
    }

    // Next day: 1's work phone changes, 2 gets one, 3 has a leave record with its own date, 4 is missing.
    let seq = last_seq(store).await;
    let body = format!(
        "{UNITS_XML}{}{}  <employee id=\"3\" client=\"813\" action=\"leave\">\n  <leaveDate>2020-02-29</leaveDate>\n \
         </employee>\n",
        with_phone(employee_xml(1, CPR_A, "Anne", "Ansat", ""), "98450002"),
        with_phone(employee_xml(2, CPR_B, "Bent", "Ansat", ""), "98452222"),
    );
    let second = import(store, &[dump_file(dir.path(), "20200302", &body)]).await;
    let s = &second.files[0];
    assert_eq!(s.errors, []);
    assert_eq!(
        (s.employees.changed, s.employees.left, s.employees.missing),
        (2, 1, 1),
        "{:?}",
        s.employees
    );
    let e3 = employment(store, "3").await.employment;
    assert_eq!(
        (e3.status, e3.leave_date),
        (EmploymentStatus::Left, Some(jiff::civil::date(2020, 2, 29)))
    );
    let e4 = employment(store, "4").await.employment;
    assert_eq!(
        (e4.status, e4.leave_date),
        (EmploymentStatus::Left, Some(jiff::civil::date(2020, 3, 2)))
    );
    let activity = current(store, "4", Category::Aktiviteter).await;
    assert_eq!(activity.len(), 1);
    assert_eq!(
        activity[0].values().collect::<Vec<_>>(),
        [("StatusBeskaeftigelse", "0"), ("Fratraedelsesdato", "2020-03-02")]
    );
    assert_eq!(activity[0].valid_to, jiff::civil::date(2020, 3, 2));
    // Every record of an ended employment ends on its leave date (delimited), the import's and the others.
    for (pernr, leave) in [
        ("3", jiff::civil::date(2020, 2, 29)),
        ("4", jiff::civil::date(2020, 3, 2)),
    ] {
        for category in [Category::Organisation, Category::Persondata] {
            let records = current(store, pernr, category).await;
            assert!(!records.is_empty(), "{pernr} {category}");
            assert!(
                records.iter().all(|r| r.valid_to == leave),
                "{pernr} {category}: {records:?}"
            );
        }
    }
    // The leave record's content is kept for the export.
    assert_eq!(
        employment(store, "3").await.zlpe.unwrap()["leave"],
        json!({ "children": [{ "name": "leaveDate", "attributes": [], "text": "2020-02-29" }] })
    );
    let events = events_after(store, seq).await;
    let left: Vec<_> = events
        .iter()
        .filter(|(kind, _, _)| kind == "employee.left")
        .map(|(_, id, payload)| {
            (
                id.as_str(),
                payload["reason"].as_str().unwrap(),
                payload["leave_date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        left,
        [
            ("00000003", "leave record", "2020-02-29"),
            ("00000004", "missing from the snapshot", "2020-03-02")
        ]
    );
    for pernr in ["1", "2"] {
        let comm = current(store, pernr, Category::Kommunikation).await;
        let kinds: Vec<_> = comm
            .iter()
            .map(|r| (r.get("Kommunikationsart").unwrap(), r.get("KommunikationsID").unwrap()))
            .collect();
        let phone = if pernr == "1" { "98450002" } else { "98452222" };
        assert_eq!(kinds, [("0010", "bent@andeby.dk"), ("0020", phone)], "{pernr}");
    }

    // A day later: 1 has no work phone any more; 3's leave record is repeated; 4 is still missing.
    let body = format!(
        "{UNITS_XML}{}{} <employee id=\"3\" client=\"813\" action=\"leave\"/>\n",
        employee_xml(1, CPR_A, "Anne", "Ansat", ""),
        with_phone(employee_xml(2, CPR_B, "Bent", "Ansat", ""), "98452222"),
    );
    let third = import(store, &[dump_file(dir.path(), "20200303", &body)]).await;
    let s = &third.files[0];
    assert_eq!(
        (
            s.employees.changed,
            s.employees.unchanged,
            s.employees.left,
            s.employees.missing,
            s.employees.leave_repeated
        ),
        (1, 1, 0, 0, 1)
    );
    let comm = current(store, "1", Category::Kommunikation).await;
    assert_eq!(comm.len(), 1);
    assert_eq!(comm[0].get("Kommunikationsart"), Some("0010"));
    assert_eq!(
        employment(store, "4").await.employment.leave_date,
        Some(jiff::civil::date(2020, 3, 2))
    );
    assert_eq!(
        employment(store, "3").await.employment.leave_date,
        Some(jiff::civil::date(2020, 2, 29))
    );

    // 4 is employed again.
    let body = format!(
        "{UNITS_XML}{}{}{}",
        employee_xml(1, CPR_A, "Anne", "Ansat", ""),
        with_phone(employee_xml(2, CPR_B, "Bent", "Ansat", ""), "98452222"),
        employee_xml(4, CPR_D, "Dorte", "Ansat", ""),
    );
    let fourth = import(store, &[dump_file(dir.path(), "20200304", &body)]).await;
    let s = &fourth.files[0];
    assert_eq!(
        (s.employees.changed, s.employees.unchanged, s.employees.missing),
        (1, 2, 0)
    );
    let e4 = employment(store, "4").await.employment;
    assert_eq!((e4.status, e4.leave_date), (EmploymentStatus::Active, None));
    assert_eq!(
        current(store, "4", Category::Aktiviteter).await[0].get("StatusBeskaeftigelse"),
        Some("3")
    );
}

#[tokio::test]
async fn a_cancelled_employment_is_replaced_by_the_latest_active_one_of_the_person() {
    let (_db, store) = sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let people = |with_12: bool| {
        let mut body = format!(
            "{UNITS_XML}{}{}",
            with_entry(employee_xml(10, CPR_A, "Anne", "Annulleret", ""), "2019-01-01"),
            with_entry(employee_xml(11, CPR_A, "Anne", "Ansat", ""), "2018-01-01"),
        );
        if with_12 {
            body += &with_entry(employee_xml(12, CPR_A, "Anne", "Ansat", ""), "2020-05-01");
        }
        body + &employee_xml(13, CPR_B, "Bent", "Ansat", "")
    };
    let report = import(&store, &[dump_file(dir.path(), "20200601", &people(true))]).await;
    assert_eq!(
        (report.files[0].employees.created, report.files[0].employees.deleted),
        (4, 1)
    );
    let e10 = employment(&store, "10").await.employment;
    assert_eq!(
        (e10.status, e10.replaced_by),
        (EmploymentStatus::Deleted, Some(p("12")))
    );
    let events = events_after(&store, 0).await;
    let (kind, id, payload) = events.last().unwrap();
    assert_eq!((kind.as_str(), id.as_str()), ("employee.changed", "00000010"));
    assert_eq!(payload["replaced_by"], "00000012");

    // The same again: nothing.
    let before = counts(&store).await;
    import(&store, &[dump_file(dir.path(), "20200601", &people(true))]).await;
    assert_eq!(counts(&store).await[..5], before[..5]);

    // 12 disappears: it has ended, and 11 is the replacement now.
    let report = import(&store, &[dump_file(dir.path(), "20200602", &people(false))]).await;
    assert_eq!(report.files[0].employees.missing, 1);
    assert_eq!(employment(&store, "12").await.employment.status, EmploymentStatus::Left);
    assert_eq!(employment(&store, "10").await.employment.replaced_by, Some(p("11")));
    store.close().await;
}

#[tokio::test]
async fn bad_records_are_reported_with_their_line_and_the_rest_is_imported() {
    let (_db, store) = sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let good = |id: u32| employee_xml(id, CPR_A, "Anne", "Ansat", "");
    import(
        &store,
        &[dump_file(
            dir.path(),
            "20200701",
            &format!("{UNITS_XML}{}{}", good(1), good(3)),
        )],
    )
    .await;

    let bad_date =
        employee_xml(3, CPR_A, "Anne", "Ansat", "").replace("<entryDate/>", "<entryDate>2020-13-01</entryDate>");
    let body = format!(
        "{UNITS_XML}{}{}{}{}{}{}",
        good(1).replace("Anne", "Anna"),
        bad_date,
        employee_xml(4, CPR_B, "Bent", "Ansat", "").replace("client=\"813\"", "client=\"999\""),
        employee_xml(5, CPR_B, "Bent", "Ansat", "").replace("<cpr suppId=\"0\">0202821234</cpr>", "<cpr/>"),
        good(1),
        good(6),
    );
    let path = dump_file(dir.path(), "20200702", &body);
    let text = std::fs::read_to_string(&path).unwrap();
    let report = import(&store, &[path]).await;
    let s = &report.files[0];
    assert_eq!(s.failed, None);
    let lines: Vec<_> = s.errors.iter().map(|e| e.line).collect();
    let record_line = |id: u32| line_of(&text, &format!("<employee id=\"{id}\""));
    let second_1 = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("<employee id=\"1\""))
        .nth(1)
        .unwrap()
        .0 as u64
        + 1;
    assert_eq!(
        lines,
        [line_of(&text, "2020-13-01"), record_line(4), record_line(5), second_1],
        "{:#?}",
        s.errors
    );
    let messages: Vec<_> = s.errors.iter().map(|e| e.message.as_str()).collect();
    assert!(
        messages[0].contains("<entryDate>") && messages[0].contains("id=\"3\""),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("999 is not a Danish municipality"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("CPR"), "{}", messages[2]);
    assert!(messages[3].contains("more than once"), "{}", messages[3]);
    assert!(!messages.iter().any(|m| m.contains("0202821234")));
    // 1 was changed (by its first record), 6 created; 3 was skipped, so it is not taken as missing.
    assert_eq!(
        (s.employees.changed, s.employees.created, s.employees.missing),
        (1, 1, 0)
    );
    assert_eq!(employment(&store, "1").await.employment.first_name, "Anna");
    assert_eq!(
        employment(&store, "3").await.employment.status,
        EmploymentStatus::Active
    );
    assert_eq!(s.missing_not_checked, None);
    assert!(hr::employment(store.pool(), k("0999"), p("4")).await.unwrap().is_none());

    // A record whose number cannot be read might be anyone: then nobody is taken as missing.
    let body = format!(
        "{UNITS_XML}{} <employee id=\"x1\" client=\"813\" lastChanged=\"2020-01-01\"/>\n",
        good(6)
    );
    let report = import(&store, &[dump_file(dir.path(), "20200703", &body)]).await;
    let s = &report.files[0];
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.employees.missing, 0);
    assert!(s.missing_not_checked.is_some());
    assert_eq!(
        employment(&store, "1").await.employment.status,
        EmploymentStatus::Active
    );
    store.close().await;
}

#[tokio::test]
async fn unreadable_files_are_reported_and_a_truncated_one_ends_nobody() {
    let (_db, store) = sqlite_store().await;
    let dir = tempfile::tempdir().unwrap();
    let all = format!(
        "{UNITS_XML}{}{}{}",
        employee_xml(1, CPR_A, "Anne", "Ansat", ""),
        employee_xml(2, CPR_B, "Bent", "Ansat", ""),
        employee_xml(3, CPR_C, "Carl", "Ansat", ""),
    );
    import(&store, &[dump_file(dir.path(), "20200801", &all)]).await;

    let truncated = dir.path().join("ZLPE20200802_delta.xml");
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd>\n{UNITS_XML}{}",
        employee_xml(1, CPR_A, "Anna", "Ansat", "")
    );
    std::fs::write(&truncated, &text[..text.len() - 20]).unwrap();
    let wrong_name = dir.path().join("export.xml");
    std::fs::write(&wrong_name, "<kmd/>").unwrap();
    let absent = dir.path().join("ZLPE20200803_delta.xml");
    let report = import(&store, &[truncated, wrong_name, absent]).await;
    assert!(report.failed());
    let failed: Vec<_> = report.files.iter().map(|f| f.failed.clone().unwrap()).collect();
    assert!(failed[0].contains("ZLPE<yyyyMMddHHmmss>_delta.xml"), "{}", failed[0]);
    assert!(failed[1].contains("cannot read the file"), "{}", failed[1]);
    assert!(failed[2].contains("line"), "{}", failed[2]);
    let s = &report.files[2];
    assert_eq!(
        s.missing_not_checked.as_deref(),
        Some("the file was not read to its end")
    );
    // Units were imported (unchanged), employee 1 was not complete: nobody changed, nobody ended.
    assert_eq!(s.employees, Default::default());
    for pernr in ["1", "2", "3"] {
        assert_eq!(
            employment(&store, pernr).await.employment.status,
            EmploymentStatus::Active
        );
    }
    store.close().await;
}
