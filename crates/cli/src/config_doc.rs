//! The configuration reference, docs/src/reference/configuration.md, rendered from the code so that it cannot drift:
//! every key of the config file from [`FileConfig`]'s JSON Schema (its doc comments are the descriptions, its
//! `Default` the defaults, `[services]` and `[beskedfordeler]` included), and each key's flag and environment
//! variable from `snitflade serve`'s clap definition. The test below fails when the committed file differs;
//! `SNITFLADE_BLESS=1` rewrites it.

use crate::config::FileConfig;
use clap::CommandFactory;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The committed reference, relative to this crate.
const REFERENCE: &str = "../../docs/src/reference/configuration.md";

/// The page's opening, before the generated tables.
const INTRO: &str = "\
# Configuration

<!-- Generated from the code by crates/cli/src/config_doc.rs: do not edit by hand. After changing a setting, run
     `SNITFLADE_BLESS=1 cargo test -p snitflade config_reference` and commit the result. -->

`snitflade serve` (and `import` and `export`, for where the store is) takes its settings from three places, in
this order of precedence:

1. **flags** on the command line, e.g. `--listen 0.0.0.0:8443`;
2. **environment variables** `SNITFLADE_<FLAG>`, e.g. `SNITFLADE_LISTEN=0.0.0.0:8443`;
3. **the config file**, a TOML file given with {config}: keys in snake_case, the listeners' settings at the top
   level, the services' in `[services]` and the Beskedfordeler's in `[beskedfordeler]`;

and the defaults below for everything left out. Only the settings with a flag can be given as a flag or an
environment variable; everything else is in the file. A key the file does not know is an error that names it, and
so is 0 for an interval, deadline or limit that must be at least 1.

Logging is set by environment variables alone (see [Logs](../operations/logging.md)): `SNITFLADE_LOG` (a filter;
default `info` for `serve`, `warn` for the other commands), `SNITFLADE_LOG_FORMAT` (`text` or `json`; default
`text`) and `NO_COLOR`.
";

/// The rendered page.
pub(crate) fn render() -> String {
    let schema = serde_json::to_value(schemars::schema_for!(FileConfig)).expect("a JSON schema");
    let defs = schema
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let flags = serve_flags();
    let config_flag = flags
        .get("config")
        .map_or_else(|| "`--config`".to_owned(), |f| f.clone());
    let mut out = INTRO.replace("{config}", &config_flag);

    let mut top = Vec::new();
    let mut tables = Vec::new();
    for (key, property) in properties(&schema) {
        match reference(property).and_then(|name| defs.get(name)) {
            Some(table) => tables.push((key, property, table)),
            None => top.push((key, property)),
        }
    }

    out.push_str("\n## The top level\n\n");
    table(&mut out, top.iter().map(|(k, p)| (*k, *p)), &flags);
    for (key, property, def) in &tables {
        let _ = write!(out, "\n## `[{key}]`\n\n{}\n\n", description(property));
        table(&mut out, properties(def), &BTreeMap::new());
        for (list, property, item) in table_lists(def, &defs) {
            let _ = write!(
                out,
                "\n### `[[{key}.{list}]]`\n\n{} Each such table has these keys:\n\n",
                description(property)
            );
            table(&mut out, properties(item), &BTreeMap::new());
        }
    }

    out.push_str("\n## A config file with every default\n\n```toml\n");
    for (key, property) in &top {
        let _ = writeln!(out, "{}", toml_line(key, property));
    }
    for (key, _, def) in &tables {
        let _ = writeln!(out, "\n[{key}]");
        let lists = table_lists(def, &defs);
        for (key, property) in properties(def) {
            if !lists.iter().any(|(list, _, _)| *list == key) {
                let _ = writeln!(out, "{}", toml_line(key, property));
            }
        }
        for (list, _, item) in &lists {
            let _ = writeln!(
                out,
                "# none by default; each one is a table like this:\n# [[{key}.{list}]]"
            );
            let required = item.get("required").and_then(Value::as_array);
            for (key, property) in properties(item) {
                if required.is_some_and(|r| r.iter().any(|k| k == key)) {
                    let _ = writeln!(out, "# {key} = …  (required)");
                } else {
                    let _ = writeln!(out, "# {}", toml_line(key, property).trim_start_matches("# "));
                }
            }
        }
    }
    out.push_str("```\n");
    out
}

/// `serve`'s flags by their clap id (the field name, which is also the config key): "`--listen`,
/// `SNITFLADE_LISTEN`".
fn serve_flags() -> BTreeMap<String, String> {
    let cli = crate::Cli::command();
    let serve = cli.find_subcommand("serve").expect("the serve command");
    serve
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            let mut text = format!("`--{long}`");
            if let Some(env) = arg.get_env() {
                let _ = write!(text, ", `{}`", env.to_string_lossy());
            }
            Some((arg.get_id().as_str().to_owned(), text))
        })
        .collect()
}

/// An object schema's properties, by key (serde_json keeps them sorted).
fn properties(schema: &Value) -> impl Iterator<Item = (&str, &Value)> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(Map::iter)
        .map(|(k, v)| (k.as_str(), v))
}

/// The keys of a table that are lists of tables (`[[console.oidc]]`): key, property, the item's definition.
fn table_lists<'a>(def: &'a Value, defs: &'a Map<String, Value>) -> Vec<(&'a str, &'a Value, &'a Value)> {
    properties(def)
        .filter_map(|(key, property)| {
            let item = property.get("items").and_then(reference).and_then(|n| defs.get(n))?;
            Some((key, property, item))
        })
        .collect()
}

/// The name of the definition a property refers to (`#/$defs/ServicesConfig`), if it is a table.
fn reference(property: &Value) -> Option<&str> {
    property.get("$ref")?.as_str()?.rsplit('/').next()
}

/// A property's doc comment on one line (schemars splits a first paragraph off as the title).
fn description(property: &Value) -> String {
    let text = ["title", "description"]
        .iter()
        .filter_map(|k| property.get(*k).and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The value type in words: "integer", "string or none", "list of strings".
fn value_type(property: &Value) -> String {
    let types: Vec<&str> = match property.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let optional = types.contains(&"null");
    let base = match types.iter().find(|t| **t != "null") {
        Some(&"array") => match property.get("items") {
            Some(items) if reference(items).is_some() => "list of tables (below)".to_owned(),
            Some(items) => format!("list of {}s", value_type(items)),
            None => "list".to_owned(),
        },
        Some(t) => (*t).to_owned(),
        None => "value".to_owned(),
    };
    if optional { format!("{base}, optional") } else { base }
}

/// A default as it would be written in the TOML file; `None` for a default of none (null).
fn toml_value(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(format!("{s:?}")),
        Value::Array(items) => Some(format!(
            "[{}]",
            items.iter().filter_map(toml_value).collect::<Vec<_>>().join(", ")
        )),
        other => Some(other.to_string()),
    }
}

/// One row per key: the key, its type, its default, its flag and environment variable, and its meaning.
fn table<'a>(out: &mut String, rows: impl Iterator<Item = (&'a str, &'a Value)>, flags: &BTreeMap<String, String>) {
    out.push_str("| key | type | default | flag, environment | meaning |\n|---|---|---|---|---|\n");
    for (key, property) in rows {
        let default = match property.get("default").map(toml_value) {
            Some(Some(v)) => format!("`{v}`"),
            Some(None) => "none".to_owned(),
            None => "—".to_owned(),
        };
        let flag = flags.get(key).map_or("—", String::as_str);
        let _ = writeln!(
            out,
            "| `{key}` | {} | {default} | {flag} | {} |",
            value_type(property),
            description(property)
        );
    }
}

/// `key = default`, or a commented-out line for a key whose default is none.
fn toml_line(key: &str, property: &Value) -> String {
    match property.get("default").and_then(toml_value) {
        Some(v) => format!("{key} = {v}"),
        None => format!("# {key} = …  (default: none)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reference_matches_the_code() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(REFERENCE);
        let rendered = render();
        if std::env::var_os("SNITFLADE_BLESS").is_some() {
            std::fs::write(&path, &rendered).expect("writing the configuration reference");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == rendered,
            "docs/src/reference/configuration.md is not what the config structs say (a setting, its default or its \
             doc comment changed). Rewrite it with `SNITFLADE_BLESS=1 cargo test -p snitflade config_reference` \
             and commit it."
        );
    }

    #[test]
    fn config_reference_lists_every_key_with_its_default_and_flag() {
        let page = render();
        for row in [
            "| `listen` | string | `\"127.0.0.1:8443\"` | `--listen`, `SNITFLADE_LISTEN` |",
            "| `data_dir` | string | `\"./snitflade-data\"` | `--data-dir`, `SNITFLADE_DATA_DIR` |",
            "| `database_url` | string, optional | none | `--database-url`, `SNITFLADE_DATABASE_URL` |",
            "| `request_timeout_secs` | integer | `30` | — |",
            "| `poll_ms` | integer | `50` | — |",
            "| `masterdata_once_per_day` | boolean | `true` | — |",
        ] {
            assert!(page.contains(row), "missing row {row}\n{page}");
        }
        assert!(
            page.contains("## `[services]`") && page.contains("## `[beskedfordeler]`"),
            "{page}"
        );
        assert!(page.contains("given with `--config`, `SNITFLADE_CONFIG`"), "{page}");
        let toml_part = &page[page.find("```toml\n").unwrap() + 8..page.rfind("```").unwrap()];
        let parsed: FileConfig = toml::from_str(toml_part).expect("the example file is valid");
        assert_eq!(parsed.listen, FileConfig::default().listen);
    }

    #[test]
    fn every_serve_flag_is_also_a_config_key() {
        let schema = serde_json::to_value(schemars::schema_for!(FileConfig)).unwrap();
        let keys: Vec<&str> = properties(&schema).map(|(k, _)| k).collect();
        for flag in serve_flags().keys().filter(|k| k.as_str() != "config") {
            assert!(keys.contains(&flag.as_str()), "--{flag} has no config file key");
        }
    }
}
