//! `snitflade landscape …`: a command-line client of the admin API's integration landscape (issue 8) — the merged
//! landscape, its systems, relations and interfaces (shown, and the stored ones written and deleted), impact
//! analysis, diagrams, KOMBIT's requirement check, CSV import and export, and JSON export. Every subcommand is one
//! HTTP request: [`request`] maps the parsed arguments to it (pure, unit-tested below), [`run`] sends it the way
//! `snitflade admin` does and prints the answer (or writes it to `-o FILE`). Its routes are in the table of
//! `admin::routes` with the admin API's others.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use reqwest::Method;
use serde_json::json;
use snitflade_domain::Kommunekode;

use crate::admin::{AdminConnection, Body, Request, text};

use crate::zlpe::parse_municipality;

#[derive(Args, Debug)]
pub struct LandscapeArgs {
    #[command(flatten)]
    connection: AdminConnection,
    #[command(subcommand)]
    command: LandscapeCommand,
}

#[derive(Subcommand, Debug)]
enum LandscapeCommand {
    /// The whole landscape: the shipped catalogue, what is stored, and snitflade's own traffic.
    Show {
        /// Only this municipality's relations (e.g. 0340 or 340).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
    },
    /// Every system of the landscape; or one system shown, stored (created or replaced) or deleted.
    Systems {
        #[command(subcommand)]
        record: Option<RecordCommand>,
    },
    /// The relations, optionally of one system (at either end) and one municipality; or one relation shown,
    /// stored (created or replaced) or deleted.
    #[command(args_conflicts_with_subcommands = true)]
    Relations {
        /// Only the relations of this system (at either end).
        #[arg(long)]
        system: Option<String>,
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
        #[command(subcommand)]
        record: Option<RecordCommand>,
    },
    /// One interface of the catalogue or a stored one; or a local or legacy interface stored.
    #[command(subcommand)]
    Interfaces(InterfaceCommand),
    /// What is affected when a system is phased out or changed (text; --json for JSON).
    Impact {
        /// The system phased out or changed.
        system: String,
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
        /// How many relations away [server default].
        #[arg(long)]
        depth: Option<u32>,
        /// The answer as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The system's map, as is or with the transition decisions.
    Diagram {
        /// The system the map is drawn around.
        system: String,
        /// The municipality's code (e.g. 0340 or 340).
        #[arg(long, value_parser = parse_municipality)]
        municipality: Option<Kommunekode>,
        /// as-is: the relations today; transition: with what becomes of each.
        #[arg(long, default_value = "as-is", value_parser = PossibleValuesParser::new(["as-is", "transition"]))]
        view: String,
        /// The diagram's format.
        #[arg(long, default_value = "svg", value_parser = PossibleValuesParser::new(["svg", "dot", "mermaid"]))]
        format: String,
        /// Write the diagram to this file instead of stdout.
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
    },
    /// KOMBIT's integration requirements for a system handling these information objects.
    Requirements {
        /// The system checked, if it is in the landscape.
        #[arg(long)]
        system: Option<String>,
        /// Information objects, comma-separated or repeated (e.g. Sag,Dokument).
        #[arg(long, required = true, value_delimiter = ',')]
        objects: Vec<String>,
        /// A public integration the system already has directly; comma-separated or repeated.
        #[arg(long, value_delimiter = ',')]
        direct: Vec<String>,
    },
    /// Import systems, relations or interfaces from a CSV file: checked only, unless --apply.
    Import {
        /// What the file holds.
        #[arg(value_parser = PossibleValuesParser::new(["systems", "relations", "interfaces"]))]
        kind: String,
        /// The CSV file (the columns `export --csv` writes).
        file: PathBuf,
        /// Store the records (one transaction) instead of only checking them.
        #[arg(long)]
        apply: bool,
    },
    /// The landscape as one JSON document, or with --csv the stored systems, relations or interfaces as a CSV file
    /// with the columns the import takes (Windows-1252 and ';' for Excel unless --encoding/--delimiter say otherwise).
    Export {
        /// Write it to this file instead of stdout.
        #[arg(short = 'o', long = "out")]
        out: Option<PathBuf>,
        /// Export these records as CSV instead of the whole landscape as JSON.
        #[arg(long, value_parser = PossibleValuesParser::new(["systems", "relations", "interfaces"]))]
        csv: Option<String>,
        /// The CSV file's encoding [server default: windows-1252]; a text windows-1252 cannot hold is refused.
        #[arg(long, requires = "csv", value_parser = PossibleValuesParser::new(["windows-1252", "utf-8"]))]
        encoding: Option<String>,
        /// The CSV file's delimiter [server default: ;].
        #[arg(long, requires = "csv", value_parser = PossibleValuesParser::new([";", ","]))]
        delimiter: Option<String>,
    },
}

/// One system or relation of the landscape.
#[derive(Subcommand, Debug)]
enum RecordCommand {
    /// One record (from the catalogue, stored, or derived from snitflade's grants).
    Show {
        /// The record's id.
        id: String,
    },
    /// Create or replace a stored record from a JSON file in the shape `show` prints (checked against the rest
    /// of the landscape).
    Put {
        /// The record's id.
        id: String,
        /// The JSON file (`-`: standard input).
        file: PathBuf,
    },
    /// Delete a stored record (the catalogue's cannot be).
    Delete {
        /// The record's id.
        id: String,
    },
}

impl RecordCommand {
    /// The request on the record at `route` (`…/systems/{id}` or `…/relations/{id}`).
    fn request(&self, route: &'static str) -> Request {
        match self {
            Self::Show { id } => Request::get(route, &[id]),
            Self::Put { id, file } => Request::new(Method::PUT, route, &[id], Body::JsonFile(file.clone())),
            Self::Delete { id } => Request::new(Method::DELETE, route, &[id], Body::None),
        }
    }
}

#[derive(Subcommand, Debug)]
enum InterfaceCommand {
    /// One interface (from the catalogue, or stored).
    Show {
        /// The interface's id, e.g. SF1490.
        id: String,
        /// The interface's version, e.g. 1.
        version: String,
    },
    /// Create or replace a stored interface (a local or legacy one; the catalogue's are read-only) from a JSON
    /// file in the shape `show` prints.
    Put {
        /// The interface's id.
        id: String,
        /// The interface's version.
        version: String,
        /// The JSON file (`-`: standard input).
        file: PathBuf,
    },
}

/// The request a subcommand makes.
fn request(command: &LandscapeCommand, actor: &Option<String>) -> Request {
    use LandscapeCommand as C;
    const SYSTEM: &str = "/api/v1/landscape/systems/{id}";
    const RELATION: &str = "/api/v1/landscape/relations/{id}";
    const INTERFACE: &str = "/api/v1/landscape/interfaces/{id}/{version}";
    match command {
        C::Show { municipality } => {
            Request::get("/api/v1/landscape", &[]).query([("municipality", text(municipality))])
        }
        C::Systems { record: None } => Request::get("/api/v1/landscape/systems", &[]),
        C::Systems { record: Some(r) } => r.request(SYSTEM),
        C::Relations {
            system,
            municipality,
            record: None,
        } => Request::get("/api/v1/landscape/relations", &[])
            .query([("system", system.clone()), ("municipality", text(municipality))]),
        C::Relations { record: Some(r), .. } => r.request(RELATION),
        C::Interfaces(InterfaceCommand::Show { id, version }) => Request::get(INTERFACE, &[id, version]),
        C::Interfaces(InterfaceCommand::Put { id, version, file }) => {
            Request::new(Method::PUT, INTERFACE, &[id, version], Body::JsonFile(file.clone()))
        }
        C::Impact {
            system,
            municipality,
            depth,
            json,
        } => Request::get("/api/v1/landscape/impact", &[]).query([
            ("system", Some(system.clone())),
            ("municipality", text(municipality)),
            ("depth", text(depth)),
            ("format", Some(if *json { "json" } else { "text" }.to_owned())),
        ]),
        C::Diagram {
            system,
            municipality,
            view,
            format,
            out: _,
        } => Request::get("/api/v1/landscape/diagram", &[]).query([
            ("system", Some(system.clone())),
            ("municipality", text(municipality)),
            ("view", Some(view.clone())),
            ("format", Some(format.clone())),
        ]),
        C::Requirements {
            system,
            objects,
            direct,
        } => {
            let mut body = json!({"information_objects": objects, "direct_public_integrations": direct});
            if let Some(s) = system {
                body["system"] = s.as_str().into();
            }
            Request::new(Method::POST, "/api/v1/landscape/requirements", &[], Body::Json(body))
        }
        C::Import { kind, file, apply } => Request::new(
            Method::POST,
            "/api/v1/landscape/import/{kind}",
            &[kind],
            Body::File(file.clone(), "text/csv"),
        )
        .query([("dry_run", Some((!apply).to_string())), ("actor", actor.clone())]),
        C::Export {
            csv: Some(kind),
            encoding,
            delimiter,
            ..
        } => Request::get("/api/v1/landscape/export/{kind}", &[kind])
            .query([("encoding", encoding.clone()), ("delimiter", delimiter.clone())]),
        C::Export { csv: None, .. } => Request::get("/api/v1/landscape/export", &[]),
    }
}

/// The request of a parsed `snitflade landscape` command line (for the route table's test).
#[cfg(test)]
pub(crate) fn request_of(args: &LandscapeArgs) -> Request {
    request(&args.command, &args.connection.actor)
}

/// The file a subcommand writes its answer to, if any.
fn output(command: &LandscapeCommand) -> Option<&Path> {
    match command {
        LandscapeCommand::Diagram { out, .. } | LandscapeCommand::Export { out, .. } => out.as_deref(),
        _ => None,
    }
}

/// Runs one `snitflade landscape` subcommand. Exit code 0: a 2xx answer, printed on stdout or written to the
/// `-o` file; 1: an error answer (its text on stderr) or no answer.
pub async fn run(args: LandscapeArgs) -> Result<ExitCode> {
    let request = request(&args.command, &args.connection.actor);
    args.connection.run(&request, output(&args.command)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn parse(args: &[&str]) -> LandscapeArgs {
        crate::test_args::parse("landscape", args)
    }

    fn req(args: &[&str]) -> Request {
        let a = parse(args);
        request(&a.command, &a.connection.actor)
    }

    /// (method, path, query) of a command line.
    fn mapped(args: &[&str]) -> (Method, String, Vec<(&'static str, String)>) {
        let r = req(args);
        (r.method.clone(), r.path(), r.query)
    }

    fn q(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn reads_map_to_gets() {
        /// Arguments, path, query.
        type Case = (
            &'static [&'static str],
            &'static str,
            &'static [(&'static str, &'static str)],
        );
        let cases: &[Case] = &[
            (&["show"], "/api/v1/landscape", &[]),
            (
                &["show", "--municipality", "340"],
                "/api/v1/landscape",
                &[("municipality", "0340")],
            ),
            (&["systems"], "/api/v1/landscape/systems", &[]),
            (&["systems", "show", "ky"], "/api/v1/landscape/systems/ky", &[]),
            (&["relations", "show", "r 1"], "/api/v1/landscape/relations/r 1", &[]),
            (
                &["interfaces", "show", "SF1490", "1"],
                "/api/v1/landscape/interfaces/SF1490/1",
                &[],
            ),
            (&["relations"], "/api/v1/landscape/relations", &[]),
            (
                &["relations", "--system", "dagtilbud", "--municipality", "0340"],
                "/api/v1/landscape/relations",
                &[("system", "dagtilbud"), ("municipality", "0340")],
            ),
            (
                &["impact", "kmd-aktiv"],
                "/api/v1/landscape/impact",
                &[("system", "kmd-aktiv"), ("format", "text")],
            ),
            (
                &["impact", "kmd-aktiv", "--municipality", "340", "--depth", "2", "--json"],
                "/api/v1/landscape/impact",
                &[
                    ("system", "kmd-aktiv"),
                    ("municipality", "0340"),
                    ("depth", "2"),
                    ("format", "json"),
                ],
            ),
            (
                &["diagram", "kmd-aktiv"],
                "/api/v1/landscape/diagram",
                &[("system", "kmd-aktiv"), ("view", "as-is"), ("format", "svg")],
            ),
            (
                &[
                    "diagram",
                    "kmd-aktiv",
                    "--view",
                    "transition",
                    "--format",
                    "mermaid",
                    "--municipality",
                    "340",
                    "-o",
                    "map.mmd",
                ],
                "/api/v1/landscape/diagram",
                &[
                    ("system", "kmd-aktiv"),
                    ("municipality", "0340"),
                    ("view", "transition"),
                    ("format", "mermaid"),
                ],
            ),
            (&["export"], "/api/v1/landscape/export", &[]),
            (&["export", "-o", "l.json"], "/api/v1/landscape/export", &[]),
            (&["export", "--csv", "systems"], "/api/v1/landscape/export/systems", &[]),
            (
                &[
                    "export",
                    "--csv",
                    "relations",
                    "--encoding",
                    "utf-8",
                    "--delimiter",
                    ",",
                ],
                "/api/v1/landscape/export/relations",
                &[("encoding", "utf-8"), ("delimiter", ",")],
            ),
        ];
        for (args, path, query) in cases {
            assert_eq!(mapped(args), (Method::GET, path.to_string(), q(query)), "{args:?}");
            assert_eq!(req(args).body, Body::None, "{args:?}");
        }
    }

    #[test]
    fn the_requirement_check_posts_its_objects() {
        let r = req(&["requirements", "--objects", "Sag,Dokument", "--objects", "Part"]);
        assert_eq!(
            (r.method.clone(), r.path()),
            (Method::POST, "/api/v1/landscape/requirements".into())
        );
        assert_eq!(
            r.body,
            Body::Json(json!({"information_objects": ["Sag", "Dokument", "Part"], "direct_public_integrations": []}))
        );
        let r = req(&[
            "requirements",
            "--system",
            "ky",
            "--objects",
            "Sag",
            "--direct",
            "CPR,CVR",
            "--actor",
            "x",
        ]);
        let Body::Json(body) = r.body else {
            panic!("{:?}", r.body)
        };
        assert_eq!(
            body,
            json!({"system": "ky", "information_objects": ["Sag"], "direct_public_integrations": ["CPR", "CVR"]})
        );
        assert_eq!(body.get("actor"), None::<&Value>, "the body is the check's input only");
    }

    #[test]
    fn imports_send_the_csv_and_are_dry_runs_unless_applied() {
        let r = req(&["import", "systems", "s.csv"]);
        assert_eq!(
            (r.method.clone(), r.path()),
            (Method::POST, "/api/v1/landscape/import/systems".into())
        );
        assert_eq!(r.body, Body::File("s.csv".into(), "text/csv"));
        assert_eq!(r.query, q(&[("dry_run", "true")]));
        let r = req(&["import", "relations", "r.csv", "--apply", "--actor", "ann"]);
        assert_eq!(r.path(), "/api/v1/landscape/import/relations");
        assert_eq!(r.query, q(&[("dry_run", "false"), ("actor", "ann")]));
    }

    #[test]
    fn stored_records_are_written_from_json_files_and_deleted() {
        let r = req(&["systems", "put", "ky", "ky.json"]);
        assert_eq!(
            (r.method.clone(), r.path(), r.body.clone()),
            (
                Method::PUT,
                "/api/v1/landscape/systems/ky".into(),
                Body::JsonFile("ky.json".into())
            )
        );
        let r = req(&["relations", "put", "r-1", "-"]);
        assert_eq!(
            (r.method.clone(), r.path(), r.body.clone()),
            (
                Method::PUT,
                "/api/v1/landscape/relations/r-1".into(),
                Body::JsonFile("-".into())
            )
        );
        let r = req(&["interfaces", "put", "LOCAL-1", "2", "i.json"]);
        assert_eq!(
            (r.method.clone(), r.path(), r.body.clone()),
            (
                Method::PUT,
                "/api/v1/landscape/interfaces/LOCAL-1/2".into(),
                Body::JsonFile("i.json".into())
            )
        );
        for (args, path) in [
            (&["systems", "delete", "ky"], "/api/v1/landscape/systems/ky"),
            (&["relations", "delete", "r-1"], "/api/v1/landscape/relations/r-1"),
        ] {
            assert_eq!(mapped(args), (Method::DELETE, path.to_string(), vec![]), "{args:?}");
            assert_eq!(req(args).body, Body::None);
        }
    }

    #[test]
    fn diagrams_and_exports_may_go_to_a_file() {
        let a = parse(&["diagram", "ky", "-o", "ky.svg"]);
        assert_eq!(output(&a.command), Some(Path::new("ky.svg")));
        let a = parse(&["export", "--out", "l.json"]);
        assert_eq!(output(&a.command), Some(Path::new("l.json")));
        assert_eq!(output(&parse(&["diagram", "ky"]).command), None);
        assert_eq!(output(&parse(&["show"]).command), None);
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for args in [
            &["impact"][..],
            &["diagram", "ky", "--view", "future"],
            &["diagram", "ky", "--format", "png"],
            &["requirements"],
            &["import", "agreements", "a.csv"],
            &["import", "systems"],
            &["show", "--municipality", "x"],
            &["impact", "ky", "--depth", "-1"],
            &["systems", "put", "ky"],
            &["systems", "drop", "ky"],
            &["relations", "--system", "ky", "show", "r-1"],
            &["interfaces", "show", "SF1490"],
            &["interfaces", "delete", "SF1490", "1"],
        ] {
            let argv = std::iter::once("landscape").chain(args.iter().copied());
            let e = crate::test_args::try_parse::<LandscapeArgs, _, _>(argv)
                .err()
                .unwrap_or_else(|| panic!("{args:?} parsed"));
            assert_eq!(e.exit_code(), 2, "{args:?}");
        }
    }
}
