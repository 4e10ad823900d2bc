//! A real SOAP client: zeep (Python) against the real server with the demo certificates.
//!
//! - Machine hours: zeep built from `GET /ws/MobileEquipRegistration_OS_SI?wsdl` and
//!   `GET /ws/MobileEquipMasterdata_OS_SI?wsdl` calls both operations (`crates/cli/tests/zeep/maskintimer_client.py`).
//! - Medarbejderoplysninger: zeep built from KMD's reference WSDL (`shared/reference/kmd-employee/`) with the
//!   address overridden calls List, Laes and Ret and validates every answer against the reference XSD
//!   (`crates/cli/tests/zeep/employee_client.py`).
//! - Opret fravær, Hent fraværskvoter, Mødetidsplaner: zeep built from KMD's six reference WSDLs
//!   (`shared/reference/kmd-absence/`) plus the served quota and schedule WSDLs, as `dagtilbud`: a sick day
//!   INS/MOD/DEL with its hours, collision, care days and the quota, the schedule deciding the hours, 403
//!   (`crates/cli/tests/zeep/absence_client.py`).
//! - Faste tillæg: zeep built from the served WSDLs, as `loen` with `kommune=`: register, change, end, an overlap
//!   refused, KMD's codes, 0751, 403 (`crates/cli/tests/zeep/supplements_client.py`).
//! - Engangsydelser (JSON, no zeep): Python `requests` with the demo certificates posts, resends, reads back,
//!   validates only, and meets the 403 and the request limits (`crates/cli/tests/zeep/onetime_client.py`).
//! - Adgangsstyring (SF1514), the JWT variant: Python `requests` and `cryptography` get a token from the STS as
//!   `dagtilbud`, check its PS256 signature against the listed STS certificate and its binding to the client
//!   certificate, call the value-list service with it, and meet each refusal of the STS and of the service
//!   (`crates/cli/tests/zeep/sts_jwt_client.py`).
//! - Adgangsstyring, the WS-Trust variant: a RequestSecurityToken hand-built as KOMBIT describes it and signed with
//!   `signxml` gets a signed answer with a holder-of-key SAML assertion (both verified by `signxml` against the listed
//!   STS certificate); replay, another CVR, a changed Body, an expired timestamp and a wrapped Body are refused;
//!   the value-list service is called with the assertion (OIO IDWS SOAP profile, signed with `signxml`) and refuses
//!   a replay, a call on another system's connection and an altered assertion
//!   (`crates/cli/tests/zeep/sts_wstrust_client.py`).
//! - Personalemappe: zeep built from the served WSDLs, as `rekruttering`: a real PDF uploaded and read back with
//!   the same SHA-256, the resend, refused content types, the size limits, 403 for `ingen-adgang`
//!   (`crates/cli/tests/zeep/personalemappe_client.py`).
//! - Beskedfordeler (SF1460_B): zeep built from KOMBIT's reference WSDL (`shared/reference/kombit-beskedfordeler/`)
//!   at the real path `/sts-bf-soap/StsbeskedfordelerImpl`, as `dagtilbud` after granting it `beskedfordeler` through
//!   the admin API: a value list created, values added and removed, read, listed, searched, renamed, passivated
//!   and deleted, a dueslag filtered by the list getting only the absences of the employees on it,
//!   flytbeskedtilfejlkoe, 403, and the served WSDL loaded (`crates/cli/tests/zeep/beskedfordeler_client.py`).
//!
//! The Python packages live in a venv at `target/zeep-venv`, built from the pinned
//! `crates/cli/tests/zeep/requirements.txt` and rebuilt only when that file changes (its copy is kept in the venv).
//! A `mkdir` lock keeps parallel test processes from building it at the same time. Python 3 with `venv`
//! and `pip` (and PyPI, the first time) is required: without them the test fails, it never skips.

mod common;

use common::python::{workspace, zeep_venv};
use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use snitflade_bench::ServerProcess;

/// How long the client script may take (it needs about a second).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs a client script against a fresh demo server with `--services` and `--data-dir`, then the arguments
/// `extra` makes for that server. Fails the test with the script's and the server's output unless the script
/// exits 0 in time.
fn run_client(script: &Path, extra: impl FnOnce(&ServerProcess) -> Vec<OsString>) {
    let python = zeep_venv();

    let dir = tempfile::tempdir().expect("temp dir");
    let data_dir = dir.path().join("data");
    let server = ServerProcess::start_demo(Path::new(env!("CARGO_BIN_EXE_snitflade")), &data_dir)
        .unwrap_or_else(|e| panic!("starting the server: {e:#}"));

    let stdout_path = dir.path().join("client.stdout");
    let stderr_path = dir.path().join("client.stderr");
    let start = Instant::now();
    let mut child = Command::new(&python)
        .arg(script)
        .arg("--services")
        .arg(server.services.to_string())
        .arg("--data-dir")
        .arg(&data_dir)
        .args(extra(&server))
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONIOENCODING", "utf-8")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("starting {}: {e}", python.display()));
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the client") {
            break Some(status);
        }
        if start.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = format!(
        "--- {} (stdout) ---\n{}\n--- stderr ---\n{}",
        script.display(),
        fs::read_to_string(&stdout_path).unwrap_or_default(),
        fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    println!("{output}");
    match status {
        None => panic!("the zeep client did not finish within {SCRIPT_TIMEOUT:?}\n{output}"),
        Some(s) if !s.success() => panic!(
            "the zeep client failed ({s}); server output:\n{}\n{output}",
            server.output_tail().join("\n")
        ),
        Some(_) => {}
    }
    drop(server);
}

#[test]
fn zeep_calls_both_machine_hours_operations() {
    run_client(
        &workspace().join("crates/cli/tests/zeep/maskintimer_client.py"),
        |server| vec!["--admin".into(), server.admin.to_string().into()],
    );
}

#[test]
fn zeep_from_the_reference_wsdl_calls_employee_provide_out() {
    let reference = workspace().join("../shared/reference/kmd-employee/Employee_Provide_OutService.wsdl");
    assert!(
        reference.is_file(),
        "the reference WSDL {} is missing",
        reference.display()
    );
    run_client(&workspace().join("crates/cli/tests/zeep/employee_client.py"), |_| {
        vec!["--reference-wsdl".into(), reference.clone().into_os_string()]
    });
}

#[test]
fn zeep_from_the_reference_wsdls_registers_absence() {
    let reference = workspace().join("../shared/reference/kmd-absence");
    assert!(
        reference.join("SetAbsenceAttendance_OS_SI.wsdl").is_file(),
        "the reference WSDLs in {} are missing",
        reference.display()
    );
    run_client(&workspace().join("crates/cli/tests/zeep/absence_client.py"), |_| {
        vec!["--reference-dir".into(), reference.clone().into_os_string()]
    });
}

#[test]
fn zeep_from_the_served_wsdls_keeps_fixed_supplements() {
    run_client(&workspace().join("crates/cli/tests/zeep/supplements_client.py"), |_| {
        Vec::new()
    });
}

#[test]
fn python_requests_gets_a_token_from_the_sts_and_calls_with_it() {
    run_client(&workspace().join("crates/cli/tests/zeep/sts_jwt_client.py"), |server| {
        vec!["--admin".into(), server.admin.to_string().into()]
    });
}

#[test]
fn a_signed_ws_trust_request_gets_a_saml_assertion_from_the_sts() {
    run_client(
        &workspace().join("crates/cli/tests/zeep/sts_wstrust_client.py"),
        |server| vec!["--admin".into(), server.admin.to_string().into()],
    );
}

#[test]
fn python_requests_calls_engangsydelser() {
    run_client(&workspace().join("crates/cli/tests/zeep/onetime_client.py"), |_| {
        Vec::new()
    });
}

#[test]
fn zeep_from_the_served_wsdls_uploads_and_reads_a_document() {
    run_client(
        &workspace().join("crates/cli/tests/zeep/personalemappe_client.py"),
        |_| Vec::new(),
    );
}

#[test]
fn zeep_from_the_reference_wsdl_keeps_value_lists() {
    let reference = workspace().join("../shared/reference/kombit-beskedfordeler/wsdl/Beskedfordeler.wsdl");
    assert!(
        reference.is_file(),
        "the reference WSDL {} is missing",
        reference.display()
    );
    run_client(
        &workspace().join("crates/cli/tests/zeep/beskedfordeler_client.py"),
        |server| {
            vec![
                "--admin".into(),
                server.admin.to_string().into(),
                "--reference-wsdl".into(),
                reference.clone().into_os_string(),
            ]
        },
    );
}
