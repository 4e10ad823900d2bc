//! `snitflade import zlpe` / `export zlpe` as a user runs them: the two public samples, the summary, exit codes,
//! the exported file (and that exporting it, importing that into a fresh data dir and exporting again gives the
//! same file), and importing into the data dir of a running server.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/opus-dump")
        .join(name)
}

fn samples() -> [PathBuf; 2] {
    [sample("ZLPE20200101_delta.xml"), sample("ZLPE20200102_delta.xml")]
}

fn snitflade(args: &[&std::ffi::OsStr]) -> Output {
    let out = Command::new(common::bin())
        .args(args)
        .env_remove("SNITFLADE_DATABASE_URL")
        .env_remove("SNITFLADE_CONFIG")
        .env_remove("SNITFLADE_DATA_DIR")
        .output()
        .expect("running snitflade");
    eprintln!(
        "snitflade {args:?} → {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn import(data_dir: &Path, files: &[PathBuf], extra: &[&str]) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec!["import".as_ref(), "zlpe".as_ref(), "--data-dir".as_ref()];
    args.push(data_dir.as_os_str());
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    args.extend(files.iter().map(|f| f.as_os_str()));
    snitflade(&args)
}

/// Exports `municipality` from `data_dir` into `out` and returns the file written.
fn export(data_dir: &Path, municipality: &str, out: &Path) -> PathBuf {
    let before: Vec<_> =
        std::fs::read_dir(out).map_or_else(|_| Vec::new(), |d| d.flatten().map(|e| e.path()).collect());
    let result = snitflade(&[
        "export".as_ref(),
        "zlpe".as_ref(),
        "--data-dir".as_ref(),
        data_dir.as_os_str(),
        "--municipality".as_ref(),
        municipality.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(result.status.code(), Some(0));
    let stdout = String::from_utf8(result.stdout).unwrap();
    let written: Vec<_> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let name = written[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("ZLPE") && name.ends_with("_delta.xml") && name.len() == 28,
        "{name}"
    );
    assert!(
        stdout.starts_with(&format!("wrote {}", written[0].display())),
        "{stdout}"
    );
    written[0].clone()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn the_samples_in_and_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = import(&data, &samples(), &[]);
    assert_eq!(first.status.code(), Some(0));
    let text = stdout(&first);
    for line in [
        "ZLPE20200101_delta.xml (2020-01-01): 8 records\n",
        "  municipality registered: 0813 Frederikshavn Kommune\n",
        "  org units: 3 created, 0 changed, 0 refreshed, 0 unchanged\n",
        "  employees: 4 created, 0 changed, 0 refreshed, 0 unchanged, 1 cancelled, 0 left (leave record), 0 left \
         (missing from the snapshot)\n",
        "  leave records: 1 for numbers never active, 0 for employments already ended, 0 created as ended\n",
        "ZLPE20200102_delta.xml (2020-01-02): 10 records\n",
        "  org units: 2 created, 2 changed, 0 refreshed, 1 unchanged\n",
        "  employees: 0 created, 3 changed, 0 refreshed, 0 unchanged, 0 cancelled, 0 left (leave record), 0 left \
         (missing from the snapshot)\n",
        "  leave records: 2 for numbers never active, 0 for employments already ended, 0 created as ended\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    assert!(text.contains("2 file(s) in ") && text.ends_with(": 2 imported, 0 failed, 0 record(s) skipped\n"));
    assert!(data.join("snitflade.db").exists());

    // The second file again, as JSON: nothing changes.
    let again = import(&data, &samples()[1..], &["--json"]);
    assert_eq!(again.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    let employees = &json["files"][0]["employees"];
    assert_eq!(
        (employees["unchanged"].as_u64(), employees["changed"].as_u64()),
        (Some(3), Some(0))
    );
    assert_eq!(json["files"][0]["org_units"]["unchanged"], 5);

    // The export: units 1–5 (2 with the new SE number, 3 under 1), 1000–1002 as in the second sample, 1006 still
    // listed as cancelled, no leave records (999 and 9991 were never active here).
    let out = dir.path().join("out");
    let exported = export(&data, "0813", &out);
    let xml = std::fs::read_to_string(&exported).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<kmd>\n <orgUnit id=\"1\" client=\"813\""));
    assert_eq!(xml.matches("<orgUnit ").count(), 5);
    assert!(xml.contains("  <seNr>34590366</seNr>\n"));
    assert!(xml.contains(
        " <orgUnit id=\"5\" client=\"813\" lastChanged=\"2022-03-22\">\n  <startDate>2022-03-01</startDate>\n"
    ));
    assert!(xml.contains(" <employee id=\"1001\" client=\"813\" lastChanged=\"2021-01-19\">\n"));
    assert!(xml.contains("  <firstName>Fornavn</firstName>\n  <lastName>Efteravn</lastName>\n"));
    assert!(xml.contains(" <employee id=\"1006\" client=\"813\" lastChanged=\"2020-01-19\">\n"));
    assert!(xml.contains("  <workContractText>Annulleret</workContractText>\n"));
    assert_eq!(
        xml.matches("<workContractText>Softwaretester</workContractText>")
            .count(),
        2
    );
    assert!(!xml.contains("action=\"leave\""));
    assert!(xml.ends_with(" </employee>\n</kmd>\n"));

    // Into a fresh data dir and out again: the same file.
    let fresh = dir.path().join("fresh");
    let reimport = import(&fresh, std::slice::from_ref(&exported), &[]);
    assert_eq!(reimport.status.code(), Some(0));
    assert!(stdout(&reimport).contains("  employees: 4 created,"));
    let out2 = dir.path().join("out2");
    let exported2 = export(&fresh, "813", &out2);
    assert_eq!(std::fs::read_to_string(exported2).unwrap(), xml);

    // An unregistered municipality cannot be exported.
    let unknown = snitflade(&[
        "export".as_ref(),
        "zlpe".as_ref(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--municipality".as_ref(),
        "0101".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("not registered"));
}

#[test]
fn skipped_records_give_exit_code_2_and_unreadable_files_1() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let text = std::fs::read_to_string(&samples()[0]).unwrap();
    let bad = dir.path().join("ZLPE20200103_delta.xml");
    std::fs::write(
        &bad,
        text.replace(
            "<cpr suppId=\"0\">0201010000</cpr>",
            "<cpr suppId=\"0\">3201010000</cpr>",
        ),
    )
    .unwrap();
    let line = text.lines().position(|l| l.contains("0201010000")).unwrap() + 1;
    let partly = import(&data, std::slice::from_ref(&bad), &[]);
    assert_eq!(partly.status.code(), Some(2));
    let out = stdout(&partly);
    assert!(out.contains("  employees: 3 created,"), "{out}");
    assert!(out.contains("  1 record(s) skipped:\n"), "{out}");
    assert!(
        out.contains(&format!("    line {line}: <employee id=\"1006\">")),
        "{out}"
    );
    assert!(!out.contains("3201010000"), "the CPR number is not echoed");

    let truncated = dir.path().join("ZLPE20200104_delta.xml");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    let missing = dir.path().join("ZLPE20200105_delta.xml");
    let failed = import(&data, &[truncated, missing], &[]);
    assert_eq!(failed.status.code(), Some(1));
    let out = stdout(&failed);
    assert!(out.contains("  FAILED: cannot read the file"), "{out}");
    assert!(out.contains("  FAILED: line "), "{out}");
    assert!(out.contains("  employments missing from the snapshot were not ended: the file was not read to its end\n"));
    assert!(out.ends_with("0 imported, 2 failed, 0 record(s) skipped\n"), "{out}");
}

#[tokio::test]
async fn import_and_export_beside_a_running_server() {
    let server = common::Server::start().await;
    let data = server.data_dir();
    let result = import(&data, &samples(), &[]);
    assert_eq!(result.status.code(), Some(0));
    server.assert_healthy().await;
    // The demo's own HR data (0340, entered without a dump) exports from its categories.
    let out = server.dir.path().join("out");
    let exported = export(&data, "0340", &out);
    let xml = std::fs::read_to_string(exported).unwrap();
    assert!(xml.matches("<employee ").count() >= 25, "{xml}");
    assert!(xml.contains("client=\"340\""));
    let frederikshavn = export(&data, "0813", &out);
    assert!(
        std::fs::read_to_string(frederikshavn)
            .unwrap()
            .contains("<employee id=\"1006\"")
    );
    // A second run while the server keeps serving: nothing to change.
    let again = import(&data, &samples()[1..], &[]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).contains("0 created, 0 changed, 0 refreshed, 3 unchanged"));
    server.assert_healthy().await;
}

/// Issue 16, item 4: `kill -9` of `import zlpe` after some chunks are committed. Every employee those chunks wrote
/// has its audit entry (written with the chunk), and the run that completes the import says how many of the
/// employees it finds unchanged the killed run had changed, instead of passing them off as simply unchanged.
#[tokio::test]
async fn a_killed_import_leaves_every_committed_change_audited_and_the_next_run_completes_it() {
    use snitflade_store::Store;
    use sqlx::Row;

    const EMPLOYEES: u32 = 6_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let name = snitflade_zlpe::generate::file_name(0).to_string();
    let dump = dir.path().join(&name);
    let file = std::io::BufWriter::new(std::fs::File::create(&dump).unwrap());
    let (_, generated) = snitflade_zlpe::generate::write_dump(file, EMPLOYEES, 0).unwrap();
    // The test watches the database the import writes.
    let store = Store::open(&snitflade_store::db::sqlite_url_in(&data)).await.unwrap();
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move { sqlx::query(sql).fetch_one(&pool).await.unwrap().get::<i64, _>(0) }
    };

    let mut child = Command::new(common::bin())
        .args(["import", "zlpe", "--data-dir"])
        .arg(&data)
        .arg(&dump)
        .env_remove("SNITFLADE_DATABASE_URL")
        .env_remove("SNITFLADE_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = common::wait_until(std::time::Duration::from_secs(120), || async {
        count("SELECT COUNT(*) FROM employees").await > 0
    })
    .await;
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(started, "the import committed nothing");
    assert!(
        !status.success(),
        "the import finished before it was killed: use a larger file"
    );

    let employees = count("SELECT COUNT(*) FROM employees").await;
    assert!(
        employees > 0 && employees < i64::from(generated.employees),
        "{employees}"
    );
    let unaudited = count(
        "SELECT COUNT(*) FROM employees e WHERE NOT EXISTS (SELECT 1 FROM hr_audit a WHERE \
         a.municipality = e.municipality AND a.pernr = e.pernr AND a.action = 'import.change')",
    )
    .await;
    assert_eq!(
        unaudited, 0,
        "of {employees} employees written by the killed import, {unaudited} have no audit entry"
    );
    assert_eq!(count("SELECT COUNT(*) FROM hr_audit WHERE action = 'import'").await, 0);

    // The run that completes it.
    let done = import(&data, std::slice::from_ref(&dump), &["--json"]);
    assert_eq!(done.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&done)).unwrap();
    let e = &json["files"][0]["employees"];
    let (created, unchanged, earlier) = (
        e["created"].as_i64().unwrap(),
        e["unchanged"].as_i64().unwrap(),
        e["earlier_run"].as_i64().unwrap(),
    );
    assert_eq!(created + unchanged, i64::from(generated.employees), "{e}");
    assert_eq!(
        earlier, employees,
        "the killed run's employees are reported as such: {e}"
    );
    assert_eq!(unchanged, employees, "{e}");
    // Every employee, from either run, has exactly one "created" audit entry; the summary is written once.
    let total = count("SELECT COUNT(*) FROM employees").await;
    let created_entries = count(
        "SELECT COUNT(DISTINCT pernr) FROM hr_audit WHERE action = 'import.change' AND detail LIKE '%employee.created%'",
    )
    .await;
    assert_eq!(created_entries, total);
    assert_eq!(count("SELECT COUNT(*) FROM hr_audit WHERE action = 'import'").await, 1);

    // Once complete, importing the file again is an ordinary re-import: nothing from an interrupted run.
    let again = import(&data, std::slice::from_ref(&dump), &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&again)).unwrap();
    assert_eq!(json["files"][0]["employees"]["earlier_run"], 0);
    store.close().await;
}
