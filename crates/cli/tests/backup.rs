//! `snitflade backup` and the restore drill: a backup taken while the server runs and takes writes is a data dir
//! a server starts on with everything acknowledged before the backup; on PostgreSQL it is a `pg_dump` archive
//! `pg_restore` reads.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use common::*;
use snitflade_bench::Registration;

fn backup(args: &[&std::ffi::OsStr]) -> Output {
    std::process::Command::new(bin())
        .arg("backup")
        .args(args)
        .output()
        .expect("running snitflade backup")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_into_a_working_server() {
    let s = Server::start().await;
    // An error-table entry: a registration with a bad date is acknowledged and kept for correction.
    s.register(&Registration {
        postg_date: "x".into(),
        ..valid_registration()
    })
    .await
    .assert_accepted();
    let before = s.admin.list("/api/v1/errors").await;
    assert_eq!(before.len(), 1);
    let out = s.dir.path().join("backup");
    // Writes go on while the backup is taken.
    let writer = {
        let client = s.maskinregistrering();
        let url = s.ws_url(REGISTRATION);
        tokio::spawn(async move {
            for i in 0..30 {
                let r = Registration::valid_demo(format!("{:032X}", 0xBAC0_0000u64 + i));
                post_soap(&client, &url, snitflade_bench::registration_xml(&r)).await;
            }
        })
    };
    let data = s.data_dir();
    let done = tokio::task::spawn_blocking({
        let out = out.clone();
        move || {
            backup(&[
                "--data-dir".as_ref(),
                data.as_os_str(),
                "--out".as_ref(),
                out.as_os_str(),
            ])
        }
    })
    .await
    .unwrap();
    writer.await.unwrap();
    assert!(done.status.success(), "backup failed: {}", text(&done));
    assert!(text(&done).contains("SQLite"), "{}", text(&done));
    for file in [
        "snitflade.db",
        "admin-token",
        "pki/ca.pem",
        "pki/server.pem",
        "BACKUP.txt",
    ] {
        assert!(out.join(file).is_file(), "{file} missing from the backup");
    }
    assert_eq!(mode(&out), 0o700, "the backup holds keys: owner only");
    assert!(!out.join("documents/tmp").exists(), "uploads under way are not copied");

    // A second backup into the same directory is refused: backups never mix.
    let again = backup(&[
        "--data-dir".as_ref(),
        s.data_dir().as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(!again.status.success());
    assert!(text(&again).contains("not empty"), "{}", text(&again));

    // The drill: a server on the backup directory has the entry, and takes calls with the same certificates.
    let server = spawn(&out, &[]).await;
    let restored = AdminApi::new(&out, server.admin);
    let after = restored.list("/api/v1/errors").await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], before[0]["id"]);
}

#[test]
fn a_directory_that_is_not_a_data_dir_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = backup(&[
        "--data-dir".as_ref(),
        dir.path().join("nothing").as_os_str(),
        "--out".as_ref(),
        dir.path().join("b").as_os_str(),
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("is not a snitflade data dir"), "{}", text(&o));
    assert!(!dir.path().join("b").exists(), "no backup directory is left behind");
}

/// PostgreSQL: the database part is a `pg_dump` custom-format archive that `pg_restore` can read, with the
/// schema's tables in it. Needs `SNITFLADE_TEST_DATABASE_URL` (.ci/run sets it) and fails without it.
#[tokio::test]
async fn a_postgres_backup_is_a_pg_restore_archive() {
    let base = std::env::var(snitflade_store::testing::DATABASE_URL_VAR)
        .expect("SNITFLADE_TEST_DATABASE_URL is not set (.ci/run sets it)");
    let db = snitflade_store::testing::TestDb::postgres(base).await;
    db.open().await.close().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("pki")).unwrap();
    std::fs::write(data.join("pki/ca.pem"), "x").unwrap();
    let out = dir.path().join("b");
    let o = backup(&[
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--database-url".as_ref(),
        db.url.as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(out.join("pki/ca.pem").is_file());
    let list = std::process::Command::new("pg_restore")
        .arg("--list")
        .arg(out.join("snitflade.pgdump"))
        .output()
        .expect("pg_restore (postgresql-client) is installed");
    let toc = String::from_utf8_lossy(&list.stdout);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    for table in ["outbox", "error_items", "hr_audit"] {
        assert!(
            toc.contains(&format!("TABLE public {table}")),
            "{table} not in the dump:\n{toc}"
        );
    }
    db.cleanup().await;
}
