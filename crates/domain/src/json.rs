//! Strict JSON, the rule for every JSON body snitflade accepts: a key the receiver does not know is an error naming
//! the key and its path (never silently dropped), and `null` counts as absent — an `Option` becomes `None`, a field
//! with a default takes its default, a required field is missing, and a key whose value is `null` is no unknown
//! key. Typed bodies are read by [`from_slice`] / [`from_value`] (types with `#[serde(deny_unknown_fields)]`, the
//! path from `serde_path_to_error`); bodies read by hand are checked against a [`Shape`] by [`unknown_keys`].

use serde::de::DeserializeOwned;
use serde_json::Value;

/// Why a JSON body was refused: what is wrong, and where (`filter.myndighed`, `Engangsydelser[0].Beloebb`; empty
/// for the body as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for JsonError {}

impl JsonError {
    /// A key not known at `path` (which ends in it), for bodies read by hand.
    pub fn unknown_key(path: &str) -> Self {
        JsonError {
            path: path.to_owned(),
            message: format!("unknown field `{}`", last_key(path)),
        }
    }

    /// What is wrong with the body as a whole, or at `path`.
    pub fn at(path: &str, message: impl Into<String>) -> Self {
        JsonError {
            path: path.to_owned(),
            message: message.into(),
        }
    }

    /// The same error for a value found at `prefix` of a larger body.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = join(prefix, &self.path);
        self
    }
}

fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// `value` without its `null` object members, at every depth (array elements stay, `null` ones too).
pub fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// Reads a JSON document into `T` by the strict rule (see the module).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| JsonError {
        path: String::new(),
        message: format!("not valid JSON: {e}"),
    })?;
    from_value(value)
}

/// Reads a parsed JSON value into `T` by the strict rule (see the module).
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    serde_path_to_error::deserialize(without_nulls(value)).map_err(|e| {
        let path = e.path().to_string();
        JsonError {
            path: if path == "." { String::new() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// What a hand-read JSON body may hold, for [`unknown_keys`].
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// An object with these keys, each of that shape. Its other keys are unknown.
    Object(&'static [(&'static str, Shape)]),
    /// An array whose elements are of that shape.
    Array(&'static Shape),
    /// Anything; not looked into.
    Any,
}

/// The paths of the keys in `value` that `shape` does not know (`null`-valued ones aside), each object's in key
/// order.
/// A value of another type than its shape expects is not looked into: that is for the reader to refuse.
pub fn unknown_keys(value: &Value, shape: &Shape) -> Vec<String> {
    let mut found = Vec::new();
    walk(value, shape, "", &mut found);
    found
}

fn walk(value: &Value, shape: &Shape, path: &str, found: &mut Vec<String>) {
    match (shape, value) {
        (Shape::Object(fields), Value::Object(map)) => {
            for (key, v) in map.iter().filter(|(_, v)| !v.is_null()) {
                let here = join(path, key);
                match fields.iter().find(|(name, _)| name == key) {
                    Some((_, inner)) => walk(v, inner, &here, found),
                    None => found.push(here),
                }
            }
        }
        (Shape::Array(inner), Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                walk(v, inner, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// The path's last key (`Beloebb` of `Engangsydelser[0].Beloebb`).
pub fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        #[serde(default)]
        note: String,
        limit: Option<u32>,
        #[serde(default)]
        inner: Vec<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        key: String,
    }

    #[test]
    fn unknown_keys_are_errors_with_their_path() {
        let e = from_slice::<Outer>(br#"{"name": "a", "nmae": "b"}"#).unwrap_err();
        assert_eq!(e.path, "nmae");
        assert!(e.message.contains("unknown field `nmae`"), "{e}");
        let e = from_slice::<Outer>(br#"{"name": "a", "inner": [{"key": "k"}, {"key": "k", "kye": 1}]}"#).unwrap_err();
        assert_eq!(e.path, "inner[1].kye");
        assert_eq!(e.to_string(), format!("inner[1].kye: {}", e.message));
        assert_eq!(e.clone().within("body").path, "body.inner[1].kye");
        let e = from_slice::<Outer>(b"{").unwrap_err();
        assert_eq!(e.path, "");
        assert!(e.message.starts_with("not valid JSON"), "{e}");
    }

    #[test]
    fn null_counts_as_absent() {
        let o: Outer =
            from_slice(br#"{"name": "a", "note": null, "limit": null, "inner": null, "typo": null}"#).unwrap();
        assert_eq!(
            o,
            Outer {
                name: "a".into(),
                note: String::new(),
                limit: None,
                inner: vec![]
            }
        );
        let e = from_slice::<Outer>(br#"{"name": null}"#).unwrap_err();
        assert!(e.message.contains("missing field `name`"), "{e}");
        assert_eq!(
            without_nulls(json!({"a": [null, {"b": null, "c": 1}]})),
            json!({"a": [null, {"c": 1}]})
        );
    }

    #[test]
    fn a_shape_finds_the_keys_it_does_not_know() {
        const ITEM: Shape = Shape::Object(&[("Beloeb", Shape::Any)]);
        const BODY: Shape = Shape::Object(&[
            ("Header", Shape::Object(&[("ClientID", Shape::Any)])),
            ("Items", Shape::Array(&ITEM)),
        ]);
        let v = json!({"Header": {"ClientID": "340", "Kun_Valider": "1"}, "Kun_Valider": "1",
                       "Items": [{"Beloeb": "1"}, {"Beloebb": "2", "Beloeb": null, "Other": null}], "Nothing": null});
        assert_eq!(
            unknown_keys(&v, &BODY),
            ["Header.Kun_Valider", "Items[1].Beloebb", "Kun_Valider"]
        );
        assert_eq!(last_key("Items[1].Beloebb"), "Beloebb");
        // A value of the wrong type is not looked into.
        assert!(unknown_keys(&json!({"Header": "x", "Items": {"a": 1}}), &BODY).is_empty());
    }
}
