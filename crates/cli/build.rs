//! Build information for `snitflade --version` and `snitflade_build_info`: the git commit (short hash; `unknown`
//! outside a git checkout, or `SNITFLADE_COMMIT` when set, for builds from a source archive) and the compiler's
//! version. Reruns only when this worktree's HEAD moves (its HEAD, its reflog, the branch's ref), not on every
//! change in the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

/// Files whose change means HEAD may name another commit.
fn head_files() -> Vec<PathBuf> {
    let dir = |arg: &str| git(&["rev-parse", "--path-format=absolute", arg]).map(PathBuf::from);
    let (Some(git_dir), Some(common)) = (dir("--git-dir"), dir("--git-common-dir")) else {
        return Vec::new();
    };
    let mut files = vec![
        git_dir.join("HEAD"),
        git_dir.join("logs/HEAD"),
        common.join("packed-refs"),
    ];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        files.push(common.join(branch));
    }
    // Cargo reruns the script on every build for a path that does not exist.
    files.retain(|f| Path::new(f).exists());
    files
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SNITFLADE_COMMIT");
    let commit = match std::env::var("SNITFLADE_COMMIT") {
        Ok(c) if !c.trim().is_empty() => c.trim().to_owned(),
        _ => {
            for f in head_files() {
                println!("cargo:rerun-if-changed={}", f.display());
            }
            git(&["rev-parse", "--short=7", "HEAD"]).unwrap_or_else(|| "unknown".to_owned())
        }
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "rustc unknown".to_owned());
    println!("cargo:rustc-env=SNITFLADE_COMMIT={commit}");
    println!("cargo:rustc-env=SNITFLADE_RUSTC_VERSION={rustc_version}");
}
