//! The subscription filter language: a JSON object whose fields each narrow what a dueslag receives. Every field
//! given must match (AND); a field holding a list matches when any of its values does (OR), and each such field
//! takes a single value as well (`"0340"` is `["0340"]`). Fields:
//!
//! - `beskedtype`: event kinds (`"absence.created"`) or their `Beskedtype` UUIDs;
//! - `myndighed`: municipalities, as CVR numbers, `urn:oio:cvr-nr:<CVR>` or 4-digit kommunekoder;
//! - `objekttype`: object kinds (`"medarbejder"`, `"fravaer"`, ...) or their UUIDs;
//! - `objekthandling`: actions (`"oprettet"`, `"aendret"`, `"slettet"`, `"afsluttet"`) or their UUIDs;
//! - `kle`: a KLE prefix of `OpgaveEmne` (`"81.03"`);
//! - `vaerdiliste`: the UUID of a værdiliste (SF1460_B) the event's `ObjektId` must be on.
//!
//! `{}` matches every event.

use crate::envelope::{FilterFields, beskedtype, objekthandling, objekttype};
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub beskedtype: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub myndighed: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub objekttype: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many", skip_serializing_if = "Vec::is_empty")]
    pub objekthandling: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vaerdiliste: Option<String>,
}

/// A list field's values: a JSON list of strings, or one string standing for a list of it.
fn one_or_many<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged, expecting = "a string or a list of strings")]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(v) => vec![v],
        OneOrMany::Many(v) => v,
    })
}

/// Most values in one filter field.
const MAX_VALUES: usize = 100;

impl Filter {
    /// Checks the filter's values: known forms only, bounded.
    pub fn validate(&self) -> Result<(), String> {
        for (name, values) in [
            ("beskedtype", &self.beskedtype),
            ("myndighed", &self.myndighed),
            ("objekttype", &self.objekttype),
            ("objekthandling", &self.objekthandling),
        ] {
            if values.len() > MAX_VALUES {
                return Err(format!("{name} har mere end {MAX_VALUES} værdier"));
            }
            if let Some(v) = values.iter().find(|v| v.trim().is_empty() || v.len() > 200) {
                return Err(format!("{name}: ugyldig værdi '{v}'"));
            }
        }
        if let Some(v) = self.myndighed.iter().find(|m| {
            let digits = m.strip_prefix("urn:oio:cvr-nr:").unwrap_or(m);
            !(digits.len() == 8 || digits.len() == 4) || !digits.bytes().all(|b| b.is_ascii_digit())
        }) {
            return Err(format!(
                "myndighed: '{v}' er hverken et CVR-nummer eller en kommunekode"
            ));
        }
        if let Some(k) = &self.kle
            && (k.is_empty() || k.len() > 20 || !k.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
        {
            return Err(format!("kle: '{k}' er ikke et KLE-præfiks som 81.03"));
        }
        if let Some(l) = &self.vaerdiliste
            && uuid::Uuid::parse_str(l).is_err()
        {
            return Err(format!("vaerdiliste: '{l}' er ikke et UUID"));
        }
        Ok(())
    }

    /// Whether `f` passes every field but `vaerdiliste` (which the caller checks against the store).
    pub fn matches(&self, f: &FilterFields) -> bool {
        let any = |values: &[String], hit: &dyn Fn(&str) -> bool| values.is_empty() || values.iter().any(|v| hit(v));
        any(&self.beskedtype, &|v| {
            v == f.kind || v.eq_ignore_ascii_case(&f.beskedtype.to_string())
        }) && any(&self.myndighed, &|v| {
            let v = v.strip_prefix("urn:oio:cvr-nr:").unwrap_or(v);
            f.myndighed.as_deref().and_then(|m| m.strip_prefix("urn:oio:cvr-nr:")) == Some(v)
                || f.kommune.as_deref() == Some(v)
        }) && any(&self.objekttype, &|v| {
            *v == f.objekt
                || v.eq_ignore_ascii_case(&f.objekttype.to_string())
                || *v == objekttype(&f.objekt).to_string()
        }) && any(&self.objekthandling, &|v| {
            *v == f.handling
                || v.eq_ignore_ascii_case(&f.objekthandling.to_string())
                || *v == objekthandling(&f.handling).to_string()
        }) && self.kle.as_deref().is_none_or(|k| f.kle.starts_with(k))
    }
}

/// The `Beskedtype` UUID of a kind, for listings.
pub fn beskedtype_of(kind: &str) -> String {
    beskedtype(kind).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::filter_fields;
    use snitflade_store::outbox::Event;

    fn fields(kind: &str, municipality: &str, cvr: &str) -> FilterFields {
        let e = Event {
            seq: 1,
            id: uuid::Uuid::new_v4().to_string(),
            kind: kind.into(),
            interface: "opret-fravaer".into(),
            municipality: Some(municipality.into()),
            object_id: Some("00000101".into()),
            payload: serde_json::json!({}),
            created_at: "2026-12-03T10:00:00.000000Z".into(),
        };
        filter_fields(&e, Some(cvr))
    }

    fn filter(json: serde_json::Value) -> Filter {
        let f: Filter = serde_json::from_value(json).unwrap();
        f.validate().unwrap();
        f
    }

    #[test]
    fn fields_and_together_values_or_together() {
        let absence = fields("absence.created", "0340", "29189730");
        let other = fields("work_schedule.changed", "0751", "55133018");
        assert!(filter(serde_json::json!({})).matches(&absence));
        let f =
            filter(serde_json::json!({"beskedtype": ["absence.created", "absence.deleted"], "myndighed": ["0340"]}));
        assert!(f.matches(&absence) && !f.matches(&other));
        let by_uuid = filter(serde_json::json!({"beskedtype": [beskedtype_of("work_schedule.changed")]}));
        assert!(by_uuid.matches(&other) && !by_uuid.matches(&absence));
        let cvr = filter(serde_json::json!({"myndighed": ["urn:oio:cvr-nr:55133018"]}));
        assert!(cvr.matches(&other) && !cvr.matches(&absence));
        let kle =
            filter(serde_json::json!({"kle": "81.03", "objekthandling": ["oprettet"], "objekttype": ["fravaer"]}));
        assert!(kle.matches(&absence) && !kle.matches(&other));
    }

    #[test]
    fn a_list_field_takes_a_single_value_as_a_list_of_it() {
        let absence = fields("absence.created", "0340", "29189730");
        let other = fields("work_schedule.changed", "0751", "55133018");
        for (field, one) in [
            ("myndighed", "0340"),
            ("beskedtype", "absence.created"),
            ("objekttype", "fravaer"),
            ("objekthandling", "oprettet"),
        ] {
            let single = filter(serde_json::json!({ field: one }));
            assert_eq!(single, filter(serde_json::json!({ field: [one] })), "{field}");
            assert!(single.matches(&absence) && !single.matches(&other), "{field}");
        }
        // Stored (serialised) as the list it stands for.
        let f = filter(serde_json::json!({"myndighed": "0340"}));
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"myndighed": ["0340"]})
        );
        for bad in [
            serde_json::json!({"myndighed": 340}),
            serde_json::json!({"myndighed": [340]}),
        ] {
            let e = serde_json::from_value::<Filter>(bad.clone()).unwrap_err();
            assert!(e.to_string().contains("a string or a list of strings"), "{bad}: {e}");
        }
    }

    #[test]
    fn bad_filters_are_refused() {
        for bad in [
            serde_json::json!({"myndighed": ["Sorø"]}),
            serde_json::json!({"kle": "81.x"}),
            serde_json::json!({"vaerdiliste": "not-a-uuid"}),
            serde_json::json!({"beskedtype": [""]}),
        ] {
            let f: Filter = serde_json::from_value(bad.clone()).unwrap();
            assert!(f.validate().is_err(), "{bad}");
        }
        assert!(serde_json::from_value::<Filter>(serde_json::json!({"unknown": 1})).is_err());
    }
}
