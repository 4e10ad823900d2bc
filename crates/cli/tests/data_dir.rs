//! The data dir holds CPR numbers and keys (issue 16, item 3): whatever `serve` and the offline commands create
//! in it is the owner's alone (dirs 0700, files 0600), and a data dir an older version left readable is fixed
//! at start, with a warning in the log.
#![cfg(unix)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{bin, spawn, wait_for_exit};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every path under `dir` (and `dir`) with its permission bits.
fn modes(dir: &Path) -> Vec<(PathBuf, u32, bool)> {
    let mut out = vec![(dir.to_path_buf(), mode(dir), true)];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(modes(&path));
        } else {
            out.push((path.clone(), mode(&path), false));
        }
    }
    out
}

/// Asserts dirs 0700 and files 0600 under `dir`.
fn assert_private(dir: &Path) {
    let all = modes(dir);
    let open: Vec<_> = all
        .iter()
        .filter(|(_, m, is_dir)| *m != if *is_dir { 0o700 } else { 0o600 })
        .map(|(p, m, _)| format!("{} {m:o}", p.display()))
        .collect();
    assert!(open.is_empty(), "not private: {open:#?}");
}

#[tokio::test]
async fn serve_demo_creates_a_private_data_dir_and_fixes_an_open_one() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let mut server = spawn(&data, &[]).await;
    let names: Vec<String> = modes(&data)
        .iter()
        .map(|(p, ..)| p.strip_prefix(&data).unwrap().display().to_string())
        .collect();
    for expected in [
        "snitflade.db",
        "snitflade.db-wal",
        "admin-token",
        "pki/ca.pem",
        "pki/ca-key.pem",
        "documents/tmp",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} missing from {names:?}");
    }
    assert_private(&data);
    common::signal(server.pid(), "TERM");
    wait_for_exit(&mut server, Duration::from_secs(30))
        .await
        .expect("the server stops on SIGTERM");

    // As an older version left it: the dir 0755, the database and a key 0644.
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(data.join("snitflade.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(data.join("pki/ca-key.pem"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(data.join("pki"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let server = spawn(&data, &[]).await;
    assert_private(&data);
    let log = server.output_tail().join("\n");
    assert!(
        log.contains("WARN")
            && log.contains("readable by group or others")
            && log.contains("snitflade.db (644 -> 600)"),
        "the fix is logged as a warning naming what was fixed:\n{log}"
    );
    assert!(log.contains("ca-key.pem (644 -> 600)"), "{log}");
}

#[test]
fn an_offline_import_creates_a_private_data_dir() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/opus-dump/ZLPE20200101_delta.xml");
    let out = std::process::Command::new(bin())
        .args(["import", "zlpe", "--data-dir"])
        .arg(&data)
        .arg(&sample)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(data.join("snitflade.db").exists());
    assert_private(&data);

    // The export writes CPR numbers too.
    let export = root.path().join("out");
    let out = std::process::Command::new(bin())
        .args(["export", "zlpe", "--municipality", "0813", "--data-dir"])
        .arg(&data)
        .arg("--out")
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_private(&export);
}

/// SQLite serves one process (issue 22): a second `serve` on the data dir of a running one refuses at once, naming
/// the database and the process holding it, and changes nothing; once the first is killed (-9, so nothing cleans
/// up) the lock is gone with it and a new server starts on the same data.
#[tokio::test]
async fn a_second_server_on_one_sqlite_file_refuses_with_a_clear_message() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let mut first = spawn(&data, &[]).await;
    let second = snitflade_bench::ServerProcess::demo_command(&bin(), &data)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        stderr.contains("is already served by another snitflade process")
            && stderr.contains(&format!("(pid {})", first.pid()))
            && stderr.contains("snitflade.db"),
        "{stderr}"
    );
    assert_eq!(mode(&data.join("snitflade.db.lock")), 0o600);
    first.kill9().unwrap();
    let mut again = spawn(&data, &[]).await;
    again.kill9().unwrap();
    assert!(wait_for_exit(&mut again, Duration::from_secs(5)).await.is_some());
}
