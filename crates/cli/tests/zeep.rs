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
//! - Personalemappe: zeep built from the served WSDLs, as `rekruttering`: a real PDF uploaded and read back with
//!   the same SHA-256, the resend, refused content types, the size limits, 403 for `ingen-adgang`
//!   (`crates/cli/tests/zeep/personalemappe_client.py`).
//! - Beskedfordeler (SF1460_B): zeep built from KOMBIT's reference WSDL (`shared/reference/kombit-beskedfordeler/`)
//!   at the real path `/sts-bf-soap/StsbeskedfordelerImpl`, as `dagtilbud` after granting it `beskedfordeler` through
//!   the admin API: a value list created, values added and removed, read, listed, searched, renamed, passivated
//!   and deleted, flytbeskedtilfejlkoe, 403, and the served WSDL loaded (`crates/cli/tests/zeep/beskedfordeler_client.py`).
//!
//! The Python packages live in a venv at `target/zeep-venv`, built from the pinned
//! `crates/cli/tests/zeep/requirements.txt` and rebuilt only when that file changes (its copy is kept in the venv).
//! A `mkdir` lock keeps parallel test processes from building it at the same time. Python 3 with `venv`
//! and `pip` (and PyPI, the first time) is required: without them the test fails, it never skips.

use std::ffi::OsString;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use snitflade_bench::ServerProcess;

/// How long the client script may take (it needs about a second).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long to wait for another process building the venv.
const LOCK_TIMEOUT: Duration = Duration::from_secs(600);
/// A lock older than this was left by a killed process.
const STALE_LOCK: Duration = Duration::from_secs(900);
/// Where the installed requirements are recorded inside the venv.
const MARKER: &str = "snitflade-requirements.txt";

/// The workspace root (`crates/cli/../..`).
fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).to_path_buf()
}

fn venv_python(venv: &Path) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    }
}

fn run(cmd: &mut Command) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null()).output()
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// An exclusive lock: a directory that exists while it is held.
struct DirLock(PathBuf);

impl DirLock {
    fn acquire(path: PathBuf) -> DirLock {
        let start = Instant::now();
        let mut announced = false;
        loop {
            match fs::create_dir(&path) {
                Ok(()) => {
                    let _ = fs::write(path.join("pid"), std::process::id().to_string());
                    return DirLock(path);
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                    let age = fs::metadata(&path)
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| SystemTime::now().duration_since(t).ok());
                    if age.is_some_and(|a| a > STALE_LOCK) {
                        eprintln!("removing stale lock {}", path.display());
                        let _ = fs::remove_dir_all(&path);
                        continue;
                    }
                    assert!(
                        start.elapsed() < LOCK_TIMEOUT,
                        "gave up waiting for the lock {} (another test process is building the zeep venv; \
                         remove the directory if no such process exists)",
                        path.display()
                    );
                    if !announced {
                        eprintln!("waiting for {} ...", path.display());
                        announced = true;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => panic!("cannot create the lock {}: {e}", path.display()),
            }
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Whether `venv` already holds exactly `requirements` and its Python imports the client's packages.
fn venv_is_current(venv: &Path, requirements: &str) -> bool {
    let recorded = fs::read_to_string(venv.join(MARKER)).ok();
    recorded.as_deref() == Some(requirements)
        && run(Command::new(venv_python(venv)).args(["-c", "import zeep, xmlschema, requests, lxml"]))
            .is_ok_and(|o| o.status.success())
}

/// The venv at `target/zeep-venv` with `crates/cli/tests/zeep/requirements.txt` installed; returns its Python.
fn zeep_venv() -> PathBuf {
    let requirements_path = workspace().join("crates/cli/tests/zeep/requirements.txt");
    let requirements = fs::read_to_string(&requirements_path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", requirements_path.display()));
    let target = workspace().join("target");
    fs::create_dir_all(&target).unwrap_or_else(|e| panic!("creating {}: {e}", target.display()));
    let venv = target.join("zeep-venv");

    let _lock = DirLock::acquire(target.join("zeep-venv.lock"));
    if venv_is_current(&venv, &requirements) {
        return venv_python(&venv);
    }

    let python = match run(Command::new("python3").arg("--version")) {
        Ok(o) if o.status.success() => "python3",
        Ok(o) => panic!(
            "this test needs Python 3 (python3 with venv and pip) to run the zeep client; `python3 --version` \
             failed: {}",
            describe(&o)
        ),
        Err(e) => panic!("this test needs Python 3 (python3 with venv and pip) to run the zeep client: {e}"),
    };
    eprintln!("building {} from {}", venv.display(), requirements_path.display());
    if venv.exists() {
        fs::remove_dir_all(&venv).unwrap_or_else(|e| panic!("removing the old {}: {e}", venv.display()));
    }
    let created = run(Command::new(python).args(["-m", "venv"]).arg(&venv))
        .unwrap_or_else(|e| panic!("running {python} -m venv: {e}"));
    assert!(
        created.status.success(),
        "`{python} -m venv {}` failed (is the venv/ensurepip module installed, e.g. Debian's python3-venv?): {}",
        venv.display(),
        describe(&created)
    );
    let installed = run(Command::new(venv_python(&venv))
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements_path))
    .unwrap_or_else(|e| panic!("running pip in {}: {e}", venv.display()));
    assert!(
        installed.status.success(),
        "pip could not install {} into {} (pip missing, or PyPI unreachable?): {}",
        requirements_path.display(),
        venv.display(),
        describe(&installed)
    );
    fs::write(venv.join(MARKER), &requirements).unwrap_or_else(|e| panic!("writing the venv marker: {e}"));
    assert!(
        venv_is_current(&venv, &requirements),
        "the fresh venv {} cannot import zeep, xmlschema, requests and lxml",
        venv.display()
    );
    venv_python(&venv)
}

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
