//! Every route of the admin API with a command line that calls it — `snitflade admin …` and `snitflade landscape
//! …` alike. The tests hold the table against `openapi.json` both ways (each documented operation has a command,
//! each command calls a documented operation), check that each example makes the request its row says, that
//! every command of the two trees has a row, that every command and argument explains itself in `--help`, and
//! that the book's chapter on the command line (`docs/src/cli.md`) shows this very table.

/// (an example command line after `snitflade`, the method, the route as `openapi.json` writes it).
pub(crate) const ROUTES: &[(&str, &str, &str)] = &[
    // The open routes.
    ("admin health", "GET", "/healthz"),
    ("admin ready", "GET", "/readyz"),
    ("admin metrics", "GET", "/metrics"),
    ("admin openapi -o openapi.json", "GET", "/api/v1/openapi.json"),
    ("admin whoami", "GET", "/api/v1/whoami"),
    // The access lifecycle.
    ("admin vendors list", "GET", "/api/v1/vendors"),
    (
        "admin vendors add --name Vikar --cvr 12345678 --contact-name Ann --contact-phone 12 --contact-email a@b.dk",
        "POST",
        "/api/v1/vendors",
    ),
    ("admin vendors show v-1", "GET", "/api/v1/vendors/{id}"),
    (
        "admin vendors update v-1 --name Vikar --cvr 12345678 --contact-name Ann --contact-phone 12 --contact-email a@b.dk",
        "PUT",
        "/api/v1/vendors/{id}",
    ),
    ("admin municipalities list", "GET", "/api/v1/municipalities"),
    (
        "admin municipalities set 0340 --name Sorø --cvr 29189730",
        "PUT",
        "/api/v1/municipalities/{code}",
    ),
    ("admin systems list", "GET", "/api/v1/systems"),
    ("admin systems add vikar --vendor v-1", "POST", "/api/v1/systems"),
    (
        "admin systems set-vendor vikar --vendor v-1",
        "PUT",
        "/api/v1/systems/{name}",
    ),
    (
        "admin systems upload-certificate vikar vikar.pem",
        "POST",
        "/api/v1/systems/{name}/certificates",
    ),
    (
        "admin systems test-certificate vikar --valid-days 365",
        "POST",
        "/api/v1/systems/{name}/test-certificate",
    ),
    (
        "admin systems startup-package vikar --months 6",
        "POST",
        "/api/v1/systems/{name}/startup-package",
    ),
    (
        "admin systems urgent-close vikar --reason leak",
        "POST",
        "/api/v1/systems/{name}/urgent-close",
    ),
    ("admin certificates list", "GET", "/api/v1/certificates"),
    (
        "admin certificates warnings --days 60",
        "GET",
        "/api/v1/certificates/warnings",
    ),
    ("admin crls list", "GET", "/api/v1/crls"),
    ("admin crls upload ca.crl", "POST", "/api/v1/crls"),
    (
        "admin standard-integrations list",
        "GET",
        "/api/v1/standard-integrations",
    ),
    (
        "admin standard-integrations add --id SI-1 --vendor v-1 --system vikar --interface opret-fravaer --certificate ab",
        "POST",
        "/api/v1/standard-integrations",
    ),
    ("admin price-list show", "GET", "/api/v1/price-list"),
    ("admin price-list set prices.json", "PUT", "/api/v1/price-list"),
    ("admin orders list --state proposed", "GET", "/api/v1/orders"),
    (
        "admin orders create --municipality 0340 --system vikar --interface opret-fravaer",
        "POST",
        "/api/v1/orders",
    ),
    ("admin orders show o-1", "GET", "/api/v1/orders/{id}"),
    (
        "admin orders advance o-1 clarified",
        "POST",
        "/api/v1/orders/{id}/advance",
    ),
    ("admin orders cancel o-1", "POST", "/api/v1/orders/{id}/advance"),
    (
        "admin orders close o-1 --on 2026-06-30",
        "POST",
        "/api/v1/orders/{id}/close",
    ),
    ("admin invoices --period 2026-03", "GET", "/api/v1/invoices"),
    ("admin grants list", "GET", "/api/v1/grants"),
    (
        "admin grants add --system vikar --interface opret-fravaer --municipality 0340",
        "POST",
        "/api/v1/grants",
    ),
    ("admin audit --municipality 0340", "GET", "/api/v1/audit"),
    ("admin audit-admin --limit 10", "GET", "/api/v1/audit/admin"),
    ("admin tokens list", "GET", "/api/v1/tokens"),
    ("admin tokens create revisor --role auditor", "POST", "/api/v1/tokens"),
    ("admin tokens revoke t-1", "DELETE", "/api/v1/tokens/{id}"),
    (
        "admin users add anna --role municipality --scope 0340 --password-stdin",
        "POST",
        "/api/v1/users",
    ),
    ("admin users list", "GET", "/api/v1/users"),
    ("admin users password u-1", "PUT", "/api/v1/users/{id}/password"),
    ("admin users disable u-1", "DELETE", "/api/v1/users/{id}"),
    // The services' data and catalogues.
    ("admin errors list --status open", "GET", "/api/v1/errors"),
    ("admin errors counts --status open", "GET", "/api/v1/errors/counts"),
    ("admin traffic --day 2026-12-07", "GET", "/api/v1/traffic"),
    ("admin sts services", "GET", "/api/v1/sts/services"),
    (
        "admin sts test-token dagtilbud --certificate-sha256 ab12 --cvr 29189730 --flaw expired",
        "POST",
        "/api/v1/systems/{name}/test-token",
    ),
    ("admin errors show e-1", "GET", "/api/v1/errors/{id}"),
    ("admin errors resubmit e-1", "POST", "/api/v1/errors/{id}/resubmit"),
    (
        "admin errors discard e-1 --note dublet",
        "POST",
        "/api/v1/errors/{id}/discard",
    ),
    (
        "admin errors resolve e-1 --note fixed",
        "POST",
        "/api/v1/errors/{id}/resolve",
    ),
    (
        "admin registrations --limit 10",
        "GET",
        "/api/v1/maskintimer/registrations",
    ),
    (
        "admin payroll-catalogue show 0340",
        "GET",
        "/api/v1/municipalities/{code}/payroll-catalogue",
    ),
    (
        "admin payroll-catalogue set 0340 payroll.json",
        "PUT",
        "/api/v1/municipalities/{code}/payroll-catalogue",
    ),
    (
        "admin employee-locks list 0340",
        "GET",
        "/api/v1/municipalities/{code}/employee-locks",
    ),
    (
        "admin employee-locks lock 0340 101 --reason sag",
        "PUT",
        "/api/v1/municipalities/{code}/employee-locks/{pernr}",
    ),
    (
        "admin employee-locks unlock 0340 101",
        "DELETE",
        "/api/v1/municipalities/{code}/employee-locks/{pernr}",
    ),
    (
        "admin absence-types show 0340",
        "GET",
        "/api/v1/municipalities/{code}/absence-types",
    ),
    (
        "admin absence-types set 0340 absence-types.json",
        "PUT",
        "/api/v1/municipalities/{code}/absence-types",
    ),
    (
        "admin document-types show 0340",
        "GET",
        "/api/v1/municipalities/{code}/document-types",
    ),
    (
        "admin document-types set 0340 document-types.json",
        "PUT",
        "/api/v1/municipalities/{code}/document-types",
    ),
    (
        "admin holiday-transfers list 0340 101",
        "GET",
        "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers",
    ),
    (
        "admin holiday-transfers add 0340 101 --holiday-year 2025 --reason hindrance --days 2.5",
        "POST",
        "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers",
    ),
    (
        "admin holiday-transfers remove 0340 101 h-1",
        "DELETE",
        "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers/{id}",
    ),
    // The Beskedfordeler.
    ("admin events --after 100", "GET", "/api/v1/events"),
    ("admin envelope 42", "GET", "/api/v1/events/{seq}/envelope"),
    ("admin beskedtyper", "GET", "/api/v1/beskedtyper"),
    ("admin dueslag list", "GET", "/api/v1/dueslag"),
    (
        "admin dueslag create --name Sorø --system dagtilbud",
        "POST",
        "/api/v1/dueslag",
    ),
    ("admin dueslag show d-1", "GET", "/api/v1/dueslag/{id}"),
    (
        "admin dueslag change d-1 --max-attempts 5",
        "PUT",
        "/api/v1/dueslag/{id}",
    ),
    ("admin dueslag activate d-1", "PUT", "/api/v1/dueslag/{id}"),
    ("admin dueslag deactivate d-1", "PUT", "/api/v1/dueslag/{id}"),
    (
        "admin dueslag subscriptions d-1",
        "GET",
        "/api/v1/dueslag/{id}/subscriptions",
    ),
    (
        "admin dueslag subscribe d-1 --beskedtype absence.created",
        "POST",
        "/api/v1/dueslag/{id}/subscriptions",
    ),
    (
        "admin dueslag unsubscribe d-1 s-1",
        "DELETE",
        "/api/v1/dueslag/{id}/subscriptions/{sid}",
    ),
    (
        "admin dueslag deliveries d-1 --state dead",
        "GET",
        "/api/v1/dueslag/{id}/deliveries",
    ),
    (
        "admin dueslag requeue d-1 17",
        "POST",
        "/api/v1/dueslag/{id}/deliveries/{seq}/requeue",
    ),
    (
        "admin dueslag fejlkoe d-1 17",
        "POST",
        "/api/v1/dueslag/{id}/deliveries/{seq}/fejlkoe",
    ),
    (
        "admin publisher-tokens list dagtilbud",
        "GET",
        "/api/v1/systems/{name}/publisher-tokens",
    ),
    (
        "admin publisher-tokens issue dagtilbud --valid-days 7",
        "POST",
        "/api/v1/systems/{name}/publisher-tokens",
    ),
    (
        "admin publisher-tokens revoke dagtilbud t-1",
        "DELETE",
        "/api/v1/systems/{name}/publisher-tokens/{id}",
    ),
    (
        "admin amqp-credentials issue dagtilbud",
        "POST",
        "/api/v1/systems/{name}/amqp-credentials",
    ),
    (
        "admin amqp-credentials revoke dagtilbud",
        "DELETE",
        "/api/v1/systems/{name}/amqp-credentials",
    ),
    // The integration landscape.
    ("landscape show --municipality 0340", "GET", "/api/v1/landscape"),
    ("landscape systems", "GET", "/api/v1/landscape/systems"),
    (
        "landscape systems show kmd-aktiv",
        "GET",
        "/api/v1/landscape/systems/{id}",
    ),
    (
        "landscape systems put ky ky.json",
        "PUT",
        "/api/v1/landscape/systems/{id}",
    ),
    (
        "landscape systems delete ky",
        "DELETE",
        "/api/v1/landscape/systems/{id}",
    ),
    ("landscape relations --system ky", "GET", "/api/v1/landscape/relations"),
    (
        "landscape relations show r-1",
        "GET",
        "/api/v1/landscape/relations/{id}",
    ),
    (
        "landscape relations put r-1 r.json",
        "PUT",
        "/api/v1/landscape/relations/{id}",
    ),
    (
        "landscape relations delete r-1",
        "DELETE",
        "/api/v1/landscape/relations/{id}",
    ),
    (
        "landscape interfaces show SF1490 1",
        "GET",
        "/api/v1/landscape/interfaces/{id}/{version}",
    ),
    (
        "landscape interfaces put LOCAL-1 1 i.json",
        "PUT",
        "/api/v1/landscape/interfaces/{id}/{version}",
    ),
    ("landscape impact kmd-aktiv", "GET", "/api/v1/landscape/impact"),
    ("landscape diagram kmd-aktiv", "GET", "/api/v1/landscape/diagram"),
    (
        "landscape requirements --objects Sag",
        "POST",
        "/api/v1/landscape/requirements",
    ),
    (
        "landscape import systems s.csv",
        "POST",
        "/api/v1/landscape/import/{kind}",
    ),
    ("landscape export", "GET", "/api/v1/landscape/export"),
    (
        "landscape export --csv systems",
        "GET",
        "/api/v1/landscape/export/{kind}",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cli, Command};
    use clap::{CommandFactory, Parser};
    use std::collections::BTreeSet;

    /// The operations `openapi.json` documents: (method, path).
    fn documented() -> BTreeSet<(String, String)> {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../../../server/src/openapi.json")).expect("openapi.json is JSON");
        let mut out = BTreeSet::new();
        for (path, ops) in doc["paths"].as_object().expect("paths") {
            for method in ops.as_object().expect("a path item").keys() {
                if ["get", "put", "post", "delete", "patch", "head", "options"].contains(&method.as_str()) {
                    out.insert((method.to_ascii_uppercase(), path.clone()));
                }
            }
        }
        out
    }

    fn words(line: &str) -> Vec<&str> {
        std::iter::once("snitflade").chain(line.split_whitespace()).collect()
    }

    /// The request a command line makes.
    fn request(line: &str) -> super::super::Request {
        match Cli::try_parse_from(words(line))
            .unwrap_or_else(|e| panic!("{line}: {e}"))
            .command
        {
            Command::Admin(a) => super::super::request_of(&a),
            Command::Landscape(a) => crate::landscape::request_of(&a),
            _ => panic!("{line}: neither admin nor landscape"),
        }
    }

    /// The subcommand path an example line calls, e.g. `admin dueslag show`.
    fn command_of(line: &str) -> String {
        let root = Cli::command();
        let mut cmd = &root;
        let mut path = Vec::new();
        for word in line.split_whitespace() {
            match cmd.find_subcommand(word) {
                Some(sub) => {
                    path.push(sub.get_name().to_owned());
                    cmd = sub;
                }
                None => break,
            }
        }
        path.join(" ")
    }

    /// The commands of a tree one can call: each leaf, and each command whose subcommand is optional.
    fn callable(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let path = format!("{prefix}{}", sub.get_name());
            if !sub.has_subcommands() || !sub.is_subcommand_required_set() {
                out.insert(path.clone());
            }
            callable(sub, &format!("{path} "), out);
        }
    }

    #[test]
    fn every_documented_operation_has_a_command_and_every_command_a_documented_operation() {
        let documented = documented();
        let table: BTreeSet<(String, String)> = ROUTES.iter().map(|(_, m, p)| (m.to_string(), p.to_string())).collect();
        let missing: Vec<_> = documented.difference(&table).collect();
        assert!(
            missing.is_empty(),
            "documented operations without a command: {missing:?}"
        );
        let unknown: Vec<_> = table.difference(&documented).collect();
        assert!(unknown.is_empty(), "commands of undocumented operations: {unknown:?}");
        assert!(documented.len() >= 90, "{} operations", documented.len());
    }

    #[test]
    fn every_example_makes_the_request_of_its_row() {
        for (line, method, route) in ROUTES {
            let r = request(line);
            assert_eq!((r.method.as_str(), r.route), (*method, *route), "{line}");
            // Only the open routes go without the token.
            let open = ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"].contains(route);
            assert_eq!(r.authenticated, !open, "{line}");
        }
    }

    #[test]
    fn every_command_of_admin_and_landscape_has_a_row() {
        let root = Cli::command();
        let mut commands = BTreeSet::new();
        for tree in ["admin", "landscape"] {
            let sub = root.find_subcommand(tree).expect(tree);
            callable(sub, &format!("{tree} "), &mut commands);
        }
        let rows: BTreeSet<String> = ROUTES.iter().map(|(line, _, _)| command_of(line)).collect();
        let without: Vec<_> = commands.difference(&rows).collect();
        assert!(without.is_empty(), "commands without a row: {without:?}");
        // The walk itself finds the commands (guarding the test).
        assert!(commands.contains("admin employee-locks lock"), "{commands:?}");
        assert!(commands.contains("landscape systems"), "{commands:?}");
        assert!(commands.contains("landscape systems delete"), "{commands:?}");
    }

    #[test]
    fn the_cli_chapter_shows_the_table() {
        let mut table = String::from("| Route | Command |\n| --- | --- |\n");
        for (line, method, route) in ROUTES {
            table.push_str(&format!("| `{method} {route}` | `snitflade {line}` |\n"));
        }
        let chapter = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/src/cli.md"))
            .expect("docs/src/cli.md");
        assert!(
            chapter.contains(&table),
            "docs/src/cli.md should show the route table as it is:\n{table}"
        );
    }

    /// Every command and every argument of a tree with its help text (clap's own help and version aside).
    fn unexplained(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        if cmd.get_about().is_none() {
            out.push(path.to_owned());
        }
        for arg in cmd.get_arguments() {
            let own = ["help", "version"].contains(&arg.get_id().as_str());
            if !own && arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} <{}>", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            unexplained(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_command_and_argument_of_admin_and_landscape_has_help() {
        let mut root = Cli::command();
        root.build();
        let mut missing = Vec::new();
        for tree in ["admin", "landscape"] {
            unexplained(root.find_subcommand(tree).expect(tree), tree, &mut missing);
        }
        assert!(missing.is_empty(), "without help text: {missing:#?}");
    }
}
