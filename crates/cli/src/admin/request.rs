//! One admin API request as a command makes it, before the base URL and the token are added: the route it calls
//! (the path template exactly as `openapi.json` writes it, so that a test can hold every command against the
//! document), the path with its parameters filled in, the query, and the body — and how a body is put on the wire.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Request {
    pub(crate) method: Method,
    /// The OpenAPI path template, e.g. `/api/v1/errors/{id}/resubmit`.
    pub(crate) route: &'static str,
    /// The path's segments (`api`, `v1`, …) with the parameters filled in, unencoded.
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Body,
    /// Whether the route needs the bearer token: all but the open ones (health, metrics, the OpenAPI document).
    pub(crate) authenticated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Body {
    None,
    Json(Value),
    /// A file's raw bytes with this Content-Type.
    File(PathBuf, &'static str),
    /// A JSON file (`-`: standard input), checked to be JSON and sent as it is (a catalogue, a landscape record).
    JsonFile(PathBuf),
    /// A price list file: its JSON object without `version`, with `actor` when one is given.
    PriceList(PathBuf, Option<String>),
    /// A JSON file sent as `{"payload": <its contents>}` (a corrected error payload), with a note when one is given.
    Payload(PathBuf, Option<String>),
    /// A JSON object with one more field read when the request is sent: a password from standard input, a CSR from
    /// a file.
    Filled(Value, &'static str, Source),
}

/// Where a [`Body::Filled`] field comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Source {
    /// The first line of standard input (`--password-stdin`: a password is never an argument, which other users of
    /// the machine could read in the process list).
    StdinLine,
    /// A text file's contents (`-`: standard input).
    File(PathBuf),
}

impl Request {
    /// A request of `route` with its `{…}` parameters filled in by `params`, in order.
    pub(crate) fn new(method: Method, route: &'static str, params: &[&str], body: Body) -> Self {
        let mut params = params.iter();
        let path = route
            .trim_start_matches('/')
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    params
                        .next()
                        .unwrap_or_else(|| panic!("{route}: a parameter too few"))
                        .to_string()
                } else {
                    segment.to_owned()
                }
            })
            .collect();
        assert!(params.next().is_none(), "{route}: a parameter too many");
        Self {
            method,
            route,
            path,
            query: Vec::new(),
            body,
            authenticated: true,
        }
    }

    pub(crate) fn get(route: &'static str, params: &[&str]) -> Self {
        Self::new(Method::GET, route, params, Body::None)
    }

    /// A route that needs no token.
    pub(crate) fn open(mut self) -> Self {
        self.authenticated = false;
        self
    }

    /// The given query parameters, without the absent ones.
    pub(crate) fn query<const N: usize>(mut self, pairs: [(&'static str, Option<String>); N]) -> Self {
        self.query = pairs.into_iter().filter_map(|(k, v)| Some((k, v?))).collect();
        self
    }

    /// `/api/v1/…` (unencoded; for messages and tests).
    pub(crate) fn path(&self) -> String {
        format!("/{}", self.path.join("/"))
    }

    /// The full URL: `base` (which may have a path of its own) with the encoded segments and query.
    pub(crate) fn url(&self, base: &str) -> Result<reqwest::Url> {
        let mut url = reqwest::Url::parse(base).with_context(|| format!("the admin URL {base:?}"))?;
        url.path_segments_mut()
            .map_err(|()| anyhow::anyhow!("the admin URL {base:?} cannot have a path"))?
            .pop_if_empty()
            .extend(&self.path);
        url.set_query(None);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&self.query);
        }
        Ok(url)
    }
}

impl Body {
    /// The bytes to send and their Content-Type (files are read here); `None` for no body.
    pub(crate) fn encode(&self) -> Result<Option<(Vec<u8>, &'static str)>> {
        const JSON: &str = "application/json";
        let json_bytes = |v: &Value| serde_json::to_vec(v).expect("a JSON value serialises");
        Ok(match self {
            Body::None => None,
            Body::Json(v) => Some((json_bytes(v), JSON)),
            Body::File(path, content_type) => {
                let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                Some((bytes, *content_type))
            }
            Body::JsonFile(path) => {
                let text = read_text(path)?;
                let value: Value =
                    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
                Some((json_bytes(&value), JSON))
            }
            Body::PriceList(path, actor) => {
                let text = read_text(path)?;
                let body = price_list_body(&text, actor).with_context(|| format!("reading {}", path.display()))?;
                Some((json_bytes(&body), JSON))
            }
            Body::Payload(path, note) => {
                let text = read_text(path)?;
                let payload: Value =
                    serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
                let mut body = json!({ "payload": payload });
                if let Some(note) = note {
                    body["note"] = note.as_str().into();
                }
                Some((json_bytes(&body), JSON))
            }
            Body::Filled(fields, field, source) => {
                let value = match source {
                    Source::StdinLine => {
                        let input = std::io::read_to_string(std::io::stdin())
                            .with_context(|| format!("reading the {field} from standard input"))?;
                        password_line(&input)?.to_owned()
                    }
                    Source::File(path) => read_text(path)?,
                };
                let mut body = fields.clone();
                body[*field] = value.into();
                Some((json_bytes(&body), JSON))
            }
        })
    }
}

/// The password in what was piped in: its first line, without the line ending.
fn password_line(input: &str) -> Result<&str> {
    let line = input.lines().next().unwrap_or_default();
    if line.is_empty() {
        bail!("no password on standard input (pipe it in: `printf '%s\\n' \"$PASSWORD\" | snitflade admin …`)");
    }
    Ok(line)
}

/// A text file, or standard input for `-`.
fn read_text(path: &Path) -> Result<String> {
    if path == Path::new("-") {
        return std::io::read_to_string(std::io::stdin()).context("reading standard input");
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// A JSON object body of `fields` without the absent (null) ones, with `actor` when one is given (the write
/// routes that take one; the server records the token's principal instead).
pub(crate) fn write_body(actor: &Option<String>, fields: Value) -> Body {
    let Value::Object(mut map) = fields else {
        unreachable!("write bodies are objects")
    };
    map.retain(|_, v| !v.is_null());
    if let Some(actor) = actor {
        map.insert("actor".into(), actor.as_str().into());
    }
    Body::Json(Value::Object(map))
}

/// A JSON object body of `fields` without the absent (null) ones, for routes that refuse unknown fields.
pub(crate) fn json_body(fields: Value) -> Body {
    write_body(&None, fields)
}

/// `{"note": …}` when a note is given (the error table's discard and resolve).
pub(crate) fn note_body(note: &Option<String>) -> Body {
    note.as_ref().map_or(Body::None, |n| Body::Json(json!({ "note": n })))
}

/// A price list file as the PUT body: a JSON object, its `version` (as `price-list show` prints it) dropped.
pub(crate) fn price_list_body(text: &str, actor: &Option<String>) -> Result<Value> {
    let Value::Object(mut map) = serde_json::from_str(text).context("not JSON")? else {
        bail!("not a JSON object");
    };
    map.remove("version");
    Ok(match write_body(actor, Value::Object(map)) {
        Body::Json(v) => v,
        _ => unreachable!(),
    })
}

pub(crate) fn text<T: ToString>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(T::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_the_first_line_piped_in() {
        assert_eq!(password_line("hemmeligt kodeord\n").unwrap(), "hemmeligt kodeord");
        assert_eq!(password_line("a b c\r\nrest").unwrap(), "a b c");
        assert!(password_line("").is_err());
        assert!(password_line("\nsecond").is_err());
    }

    #[test]
    fn parameters_fill_the_template_in_order() {
        let r = Request::get(
            "/api/v1/municipalities/{code}/employee-locks/{pernr}",
            &["0340", "00000101"],
        );
        assert_eq!(r.path(), "/api/v1/municipalities/0340/employee-locks/00000101");
        assert_eq!(r.route, "/api/v1/municipalities/{code}/employee-locks/{pernr}");
        assert!(r.authenticated);
        assert!(!Request::get("/healthz", &[]).open().authenticated);
    }

    #[test]
    #[should_panic(expected = "a parameter too few")]
    fn a_missing_parameter_is_a_programming_error() {
        Request::get("/api/v1/orders/{id}", &[]);
    }

    #[test]
    fn json_files_are_checked_and_sent_as_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("types.json");
        std::fs::write(&good, r#"[{"key": "A"}]"#).unwrap();
        let (bytes, content_type) = Body::JsonFile(good).encode().unwrap().unwrap();
        assert_eq!(content_type, "application/json");
        assert_eq!(serde_json::from_slice::<Value>(&bytes).unwrap(), json!([{"key": "A"}]));
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "[1,").unwrap();
        let e = Body::JsonFile(bad).encode().unwrap_err();
        assert!(format!("{e:#}").contains("is not JSON"), "{e:#}");
        assert!(Body::JsonFile(dir.path().join("none.json")).encode().is_err());
    }

    #[test]
    fn a_corrected_payload_carries_its_note() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fix.json");
        std::fs::write(&file, r#"{"POSTG_DATE": "20260101"}"#).unwrap();
        let (bytes, _) = Body::Payload(file.clone(), Some("dato rettet".into()))
            .encode()
            .unwrap()
            .unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!({"payload": {"POSTG_DATE": "20260101"}, "note": "dato rettet"})
        );
        let (bytes, _) = Body::Payload(file, None).encode().unwrap().unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&bytes).unwrap(),
            json!({"payload": {"POSTG_DATE": "20260101"}})
        );
    }
}
