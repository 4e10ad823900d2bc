//! `snitflade completions SHELL` and `snitflade man`: shell completion scripts (clap_complete) and man pages
//! (clap_mangen), generated from the very definitions the commands are parsed with, so they cannot drift.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write snitflade.1 and a page for each subcommand (snitflade-admin.1, snitflade-admin-grants.1, …) into this
    /// directory instead of one page on stdout.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// The subcommand whose page goes to stdout, e.g. `admin grants` [default: the main page].
    #[arg(conflicts_with = "out")]
    command: Vec<String>,
}

/// The whole command-line definition, built (subcommands' names and versions filled in) as the parser has it.
fn definition() -> clap::Command {
    let mut cmd = crate::Cli::command();
    cmd.build();
    cmd
}

/// Prints the completion script of a shell on stdout.
pub fn completions(args: CompletionsArgs) -> Result<ExitCode> {
    let mut out = Vec::new();
    completion_script(args.shell, &mut out);
    write_stdout(&out)
}

fn completion_script(shell: clap_complete::Shell, out: &mut Vec<u8>) {
    let mut cmd = crate::Cli::command();
    clap_complete::generate(shell, &mut cmd, "snitflade", out);
}

/// Writes the man pages into `--out`, or one page on stdout.
pub fn man(args: ManArgs) -> Result<ExitCode> {
    let cmd = definition();
    if let Some(dir) = &args.out {
        let written = write_pages(cmd, dir)?;
        eprintln!("{written} man pages written to {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let page = page_of(&cmd, &args.command)?;
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .context("rendering the man page")?;
    write_stdout(&out)
}

/// The (sub)command named by `path` under the built `cmd`; building named it as its page is (`snitflade-admin-grants`).
fn page_of(cmd: &clap::Command, path: &[String]) -> Result<clap::Command> {
    let mut page = cmd;
    for word in path {
        page = page.find_subcommand(word).with_context(|| {
            let name = page.get_display_name().unwrap_or(page.get_name());
            format!("'{}' has no subcommand '{word}'", name.replace('-', " "))
        })?;
    }
    Ok(page.clone())
}

/// The page of `cmd` and of each of its subcommands into `dir`; answers how many were written.
fn write_pages(cmd: clap::Command, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let before = pages_in(dir)?;
    clap_mangen::generate_to(cmd, dir).with_context(|| format!("writing the man pages into {}", dir.display()))?;
    Ok(pages_in(dir)? - before)
}

/// How many `.1` files `dir` holds.
fn pages_in(dir: &Path) -> Result<usize> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    Ok(entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "1"))
        .count())
}

fn write_stdout(bytes: &[u8]) -> Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        // The reader (e.g. `| head`) has had enough.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        r => r.context("writing to stdout")?,
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(shell: clap_complete::Shell) -> String {
        let mut out = Vec::new();
        completion_script(shell, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_completion_scripts_know_the_admin_subcommands() {
        let bash = script(clap_complete::Shell::Bash);
        for word in [
            "snitflade__subcmd__admin__subcmd__grants",
            "payroll-catalogue",
            "employee-locks",
            "document-types",
            "--admin-url",
        ] {
            assert!(bash.contains(word), "bash: {word}");
        }
        assert!(script(clap_complete::Shell::Zsh).contains("#compdef snitflade"));
        let fish = script(clap_complete::Shell::Fish);
        assert!(fish.contains("complete -c snitflade") && fish.contains("absence-types"));
    }

    #[test]
    fn the_man_page_renders_with_the_subcommands() {
        let mut out = Vec::new();
        clap_mangen::Man::new(definition()).render(&mut out).unwrap();
        let roff = String::from_utf8(out).unwrap();
        assert!(roff.contains(".TH snitflade 1"), "{roff}");
        for sub in ["serve", "admin", "landscape", "completions"] {
            assert!(roff.contains(sub), "{sub}");
        }
    }

    #[test]
    fn a_subcommands_page_is_named_by_its_path() {
        let page = page_of(&definition(), &["admin".into(), "grants".into()]).unwrap();
        assert_eq!(page.get_display_name(), Some("snitflade-admin-grants"));
        let mut out = Vec::new();
        clap_mangen::Man::new(page).render(&mut out).unwrap();
        let roff = String::from_utf8(out).unwrap();
        assert!(roff.contains(".TH snitflade-admin-grants 1"), "{roff}");
        assert!(roff.contains("add") && roff.contains("list"), "{roff}");
        let e = page_of(&definition(), &["admin".into(), "grunts".into()]).unwrap_err();
        assert_eq!(e.to_string(), "'snitflade admin' has no subcommand 'grunts'");
    }

    #[test]
    fn every_subcommand_gets_a_page_in_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_pages(definition(), dir.path()).unwrap();
        for page in [
            "snitflade.1",
            "snitflade-admin.1",
            "snitflade-admin-grants-add.1",
            "snitflade-landscape-systems-put.1",
        ] {
            let text = std::fs::read_to_string(dir.path().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
            assert!(text.contains(".TH"), "{page}");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), written);
        assert!(written > 100, "{written}");
    }
}
