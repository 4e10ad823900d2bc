//! The Python side of the tests: the venv at `target/zeep-venv` with the pinned
//! `crates/cli/tests/zeep/requirements.txt` (zeep, xmlschema, requests), built once and rebuilt only when that file
//! changes, under a `mkdir` lock so parallel test processes do not build it at the same time.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// How long to wait for another process building the venv.
const LOCK_TIMEOUT: Duration = Duration::from_secs(600);
/// A lock older than this was left by a killed process.
const STALE_LOCK: Duration = Duration::from_secs(900);
/// Where the installed requirements are recorded inside the venv.
const MARKER: &str = "snitflade-requirements.txt";

/// The workspace root (`crates/cli/../..`).
pub fn workspace() -> PathBuf {
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

pub fn run(cmd: &mut Command) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null()).output()
}

pub fn describe(output: &Output) -> String {
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
pub fn zeep_venv() -> PathBuf {
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

/// Validates the XML documents `files` against the XSD `schema` with xmlschema; the failures, if any.
pub fn validate_with_xmlschema(schema: &Path, files: &[PathBuf]) -> Result<(), String> {
    let script = "import sys, xmlschema\n\
        s = xmlschema.XMLSchema(sys.argv[1])\n\
        bad = [(f, str(e)) for f in sys.argv[2:] for e in [next(iter(s.iter_errors(f)), None)] if e is not None]\n\
        print(bad if bad else 'ok')\n\
        sys.exit(1 if bad else 0)\n";
    let out = run(Command::new(zeep_venv()).arg("-c").arg(script).arg(schema).args(files))
        .map_err(|e| format!("running python: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(describe(&out))
    }
}
