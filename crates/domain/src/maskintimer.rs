//! Machine-hours time registration (KMD's machine-hours service description, docs/src/interfaces/maskintimer.md):
//! master data, the registration and its validation rules.
//!
//! Validation runs after the message has been accepted and committed, and sorts a failing registration into one of the
//! service description's three error types: invalid data, unmet field dependencies, master-data errors.

use crate::errors::ErrorType;
use crate::ids::{Guid32, Kommunekode, Pernr, pad_digits};
use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// NETWORK_TBL row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Network {
    pub network: String,
    pub ktext: String,
}

/// NETWORK_ACTIVITY_TBL row: an operation (and optionally a sub-operation) of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkActivity {
    pub network: String,
    pub activity: String,
    pub subactivity: Option<String>,
    pub activity_text: Option<String>,
}

/// ACTIVITY_TBL row: an activity type (price) a work centre is settled at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityType {
    pub arbpl: String,
    pub lstar: String,
    pub ltext: String,
}

/// WORK_CENTER_TBL row: a work centre (machine) and the plant it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkCenter {
    pub werks: String,
    pub arbpl: String,
    pub ktext: String,
}

/// One employee's machine-hours master data, as the master-data response carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MasterData {
    pub networks: Vec<Network>,
    pub network_activities: Vec<NetworkActivity>,
    pub activity_types: Vec<ActivityType>,
    pub work_centers: Vec<WorkCenter>,
}

/// A registration's fields exactly as the client sent them (trimmed; empty elements count as absent). This is also
/// what the error-handling table keeps and what an operator corrects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE", deny_unknown_fields)]
pub struct RawRegistration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ex_ident: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_cntr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postg_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act_work: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kommunekode: Option<String>,
}

/// A registration that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub ex_ident: Guid32,
    pub kommune: Kommunekode,
    pub pernr: Pernr,
    pub device_type: Option<String>,
    pub network: String,
    pub activity: String,
    pub work_cntr: String,
    pub plant: String,
    pub postg_date: Date,
    pub act_type: String,
    pub act_work: Decimal,
}

/// Why a registration went to the error-handling table: one type, and every problem found at that level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub error_type: ErrorType,
    pub problems: Vec<String>,
}

impl Rejection {
    pub fn message(&self) -> String {
        self.problems.join("; ")
    }
}

/// Parses a DATS field (ÅÅÅÅMMDD).
pub fn parse_dats(s: &str) -> Option<Date> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i16 = s[0..4].parse().ok()?;
    let month: i8 = s[4..6].parse().ok()?;
    let day: i8 = s[6..8].parse().ok()?;
    Date::new(year, month, day).ok()
}

/// Parses a QUAN 8,2 field: a positive decimal with at most 6 integer digits and 2 decimals, '.' as separator.
pub fn parse_quan_8_2(s: &str) -> Option<Decimal> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > 6 || frac.len() > 2 || !digits(int) || !digits(frac) {
        return None;
    }
    if s.ends_with('.') {
        return None;
    }
    s.parse::<Decimal>().ok().filter(|d| *d > Decimal::ZERO)
}

/// The municipality's local day, which the once-a-day master-data rule counts in.
pub fn copenhagen_day(now: jiff::Timestamp) -> Date {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").unwrap_or(jiff::tz::TimeZone::UTC);
    now.to_zoned(tz).date()
}

struct Fields<'a> {
    problems: Vec<String>,
    raw: &'a RawRegistration,
}

impl Fields<'_> {
    fn required<'v>(&mut self, name: &str, value: &'v Option<String>) -> Option<&'v str> {
        match value.as_deref() {
            Some(v) => Some(v),
            None => {
                self.problems.push(format!("{name} skal udfyldes"));
                None
            }
        }
    }

    fn char_field(&mut self, name: &str, value: &Option<String>, max: usize, pad: bool) -> Option<String> {
        let v = self.required(name, value)?;
        if v.chars().count() > max {
            self.problems.push(format!("{name} må højst være {max} tegn"));
            return None;
        }
        Some(if pad {
            pad_digits(v, max).unwrap_or_else(|| v.to_owned())
        } else {
            v.to_owned()
        })
    }
}

/// Checks formats and lengths (the service description's field table). Everything found is reported, not just the
/// first.
fn check_formats(raw: &RawRegistration, kommune: Kommunekode) -> Result<Registration, Rejection> {
    let mut f = Fields {
        problems: Vec::new(),
        raw,
    };
    let ex_ident = f
        .required("EX_IDENT", &raw.ex_ident)
        .and_then(|v| match Guid32::parse(v) {
            Ok(g) => Some(g),
            Err(_) => {
                f.problems
                    .push("EX_IDENT skal være 32 hexadecimale tegn med store bogstaver uden bindestreger".to_owned());
                None
            }
        });
    let pernr = f
        .required("PERSONAL_ID", &raw.personal_id)
        .and_then(|v| match Pernr::parse(v) {
            Ok(p) => Some(p),
            Err(_) => {
                f.problems
                    .push("PERSONAL_ID skal være et medarbejdernummer på højst 8 cifre".to_owned());
                None
            }
        });
    if let Some(d) = &raw.device_type
        && d.chars().count() > 16
    {
        f.problems.push("DEVICE_TYPE må højst være 16 tegn".to_owned());
    }
    let network = f.char_field("NETWORK", &raw.network, 12, true);
    let activity = f.char_field("ACTIVITY", &raw.activity, 4, true);
    let work_cntr = f.char_field("WORK_CNTR", &raw.work_cntr, 8, false);
    let plant = f.char_field("PLANT", &raw.plant, 4, false);
    let act_type = f.char_field("ACT_TYPE", &raw.act_type, 6, false);
    let postg_date = f.required("POSTG_DATE", &raw.postg_date).and_then(|v| {
        let d = parse_dats(v);
        if d.is_none() {
            f.problems.push(format!(
                "POSTG_DATE '{}' er ikke en gyldig dato på formen ÅÅÅÅMMDD",
                clip(v)
            ));
        }
        d
    });
    let act_work = f.required("ACT_WORK", &raw.act_work).and_then(|v| {
        let d = parse_quan_8_2(v);
        if d.is_none() {
            f.problems.push(format!(
                "ACT_WORK '{}' skal være et positivt decimaltal med højst 6 cifre før og 2 efter punktum",
                clip(v)
            ));
        }
        d
    });
    if let Some(k) = &f.raw.kommunekode
        && Kommunekode::parse(k).map(|k| k != kommune).unwrap_or(true)
    {
        f.problems
            .push(format!("KOMMUNEKODE '{}' er ikke en gyldig kommunekode", clip(k)));
    }
    match (
        ex_ident, pernr, network, activity, work_cntr, plant, postg_date, act_type, act_work,
    ) {
        (
            Some(ex_ident),
            Some(pernr),
            Some(network),
            Some(activity),
            Some(work_cntr),
            Some(plant),
            Some(postg_date),
            Some(act_type),
            Some(act_work),
        ) if f.problems.is_empty() => Ok(Registration {
            ex_ident,
            kommune,
            pernr,
            device_type: raw.device_type.clone(),
            network,
            activity,
            work_cntr,
            plant,
            postg_date,
            act_type,
            act_work,
        }),
        _ => Err(Rejection {
            error_type: ErrorType::InvalidData,
            problems: f.problems,
        }),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Validates a registration for `kommune` against the employee's master data (`None`: the employee does not
/// exist in that municipality). Formats first, then master data, then field dependencies.
pub fn validate(
    raw: &RawRegistration,
    kommune: Kommunekode,
    master: Option<&MasterData>,
) -> Result<Registration, Rejection> {
    let reg = check_formats(raw, kommune)?;
    let Some(md) = master else {
        return Err(Rejection {
            error_type: ErrorType::MasterData,
            problems: vec![format!(
                "Medarbejdernummer {} findes ikke i kommune {}",
                reg.pernr, kommune
            )],
        });
    };
    let mut problems = Vec::new();
    if !md.networks.iter().any(|n| n.network == reg.network) {
        problems.push(format!("Netværk {} findes ikke i medarbejderens stamdata", reg.network));
    }
    if !md.network_activities.iter().any(|a| a.activity == reg.activity) {
        problems.push(format!(
            "Operation {} findes ikke i medarbejderens stamdata",
            reg.activity
        ));
    }
    if !md.work_centers.iter().any(|w| w.arbpl == reg.work_cntr) {
        problems.push(format!(
            "Arbejdsplads {} findes ikke i medarbejderens stamdata",
            reg.work_cntr
        ));
    }
    if !md.work_centers.iter().any(|w| w.werks == reg.plant) {
        problems.push(format!("Fabrik {} findes ikke i medarbejderens stamdata", reg.plant));
    }
    if !md.activity_types.iter().any(|a| a.lstar == reg.act_type) {
        problems.push(format!(
            "Aktivitetsart {} findes ikke i medarbejderens stamdata",
            reg.act_type
        ));
    }
    if !problems.is_empty() {
        return Err(Rejection {
            error_type: ErrorType::MasterData,
            problems,
        });
    }
    if !md
        .network_activities
        .iter()
        .any(|a| a.network == reg.network && a.activity == reg.activity)
    {
        problems.push(format!(
            "Operation {} hører ikke til netværk {}",
            reg.activity, reg.network
        ));
    }
    if !md
        .work_centers
        .iter()
        .any(|w| w.werks == reg.plant && w.arbpl == reg.work_cntr)
    {
        problems.push(format!(
            "Arbejdsplads {} hører ikke til fabrik {}",
            reg.work_cntr, reg.plant
        ));
    }
    if !md
        .activity_types
        .iter()
        .any(|a| a.arbpl == reg.work_cntr && a.lstar == reg.act_type)
    {
        problems.push(format!(
            "Aktivitetsart {} hører ikke til arbejdsplads {}",
            reg.act_type, reg.work_cntr
        ));
    }
    if problems.is_empty() {
        Ok(reg)
    } else {
        Err(Rejection {
            error_type: ErrorType::FieldDependency,
            problems,
        })
    }
}

/// The master data of the response example in KMD's machine-hours service description (the demo's employee 00012345 in
/// 0751).
pub fn seed_example_master_data() -> MasterData {
    let na = |activity: &str, sub: Option<&str>| NetworkActivity {
        network: "000000519827".into(),
        activity: activity.into(),
        subactivity: sub.map(Into::into),
        activity_text: None,
    };
    MasterData {
        networks: vec![Network {
            network: "000000519827".into(),
            ktext: "Mobiltest LWZ netværk".into(),
        }],
        network_activities: vec![
            na("0300", None),
            na("0300", Some("0400")),
            na("0320", None),
            na("0410", None),
        ],
        activity_types: vec![ActivityType {
            arbpl: "70510004".into(),
            lstar: "5117".into(),
            ltext: "Tromle, stor".into(),
        }],
        work_centers: vec![WorkCenter {
            werks: "0020".into(),
            arbpl: "70510004".into(),
            ktext: "Tromle M410".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn k751() -> Kommunekode {
        Kommunekode::parse("0751").unwrap()
    }

    fn valid() -> RawRegistration {
        RawRegistration {
            personal_id: Some("12345".into()),
            device_type: Some("MOBILE".into()),
            network: Some("519827".into()),
            ex_ident: Some("ABCDEABCDE66598040861E0000002008".into()),
            activity: Some("0300".into()),
            work_cntr: Some("70510004".into()),
            plant: Some("0020".into()),
            postg_date: Some("20261120".into()),
            act_type: Some("5117".into()),
            act_work: Some("2.5".into()),
            kommunekode: Some("751".into()),
        }
    }

    #[test]
    fn a_valid_registration_passes_and_is_normalised() {
        let md = seed_example_master_data();
        let r = validate(&valid(), k751(), Some(&md)).unwrap();
        assert_eq!(r.network, "000000519827");
        assert_eq!(r.pernr.to_string(), "00012345");
        assert_eq!(r.act_work.to_string(), "2.5");
        assert_eq!(r.postg_date, jiff::civil::date(2026, 11, 20));
    }

    #[test]
    fn the_seed_example_is_invalid_data() {
        // The registration example of KMD's machine-hours service description leaves PLANT, POSTG_DATE, ACT_TYPE and
        // ACT_WORK empty.
        let raw = RawRegistration {
            personal_id: Some("77736".into()),
            device_type: Some("Mobile".into()),
            network: Some("519827".into()),
            ex_ident: Some("ABCDEABCDE66598040861E0000002008".into()),
            activity: Some("0300".into()),
            work_cntr: Some("1000".into()),
            kommunekode: Some("751".into()),
            ..Default::default()
        };
        let e = validate(&raw, k751(), None).unwrap_err();
        assert_eq!(e.error_type, ErrorType::InvalidData);
        for f in ["PLANT", "POSTG_DATE", "ACT_TYPE", "ACT_WORK"] {
            assert!(e.message().contains(&format!("{f} skal udfyldes")), "{}", e.message());
        }
    }

    #[test]
    fn formats_are_checked() {
        let md = seed_example_master_data();
        type Mutation = fn(&mut RawRegistration);
        let cases: [(&str, Mutation); 7] = [
            ("EX_IDENT", |r| {
                r.ex_ident = Some("abcdeabcde66598040861e0000002008".into())
            }),
            ("POSTG_DATE", |r| r.postg_date = Some("20261131".into())),
            ("ACT_WORK", |r| r.act_work = Some("0".into())),
            ("ACT_WORK", |r| r.act_work = Some("1234567.00".into())),
            ("ACT_WORK", |r| r.act_work = Some("1.255".into())),
            ("ACT_TYPE", |r| r.act_type = Some("1234567".into())),
            ("PERSONAL_ID", |r| r.personal_id = Some("12A45".into())),
        ];
        for (field, mutate) in cases {
            let mut raw = valid();
            mutate(&mut raw);
            let e = validate(&raw, k751(), Some(&md)).unwrap_err();
            assert_eq!(e.error_type, ErrorType::InvalidData, "{field}");
            assert!(e.message().contains(field), "{field}: {}", e.message());
        }
    }

    #[test]
    fn unknown_master_data() {
        let md = seed_example_master_data();
        let e = validate(&valid(), k751(), None).unwrap_err();
        assert_eq!(e.error_type, ErrorType::MasterData);
        let mut raw = valid();
        raw.network = Some("999".into());
        let e = validate(&raw, k751(), Some(&md)).unwrap_err();
        assert_eq!(e.error_type, ErrorType::MasterData);
        assert!(e.message().contains("000000000999"));
        let mut raw = valid();
        raw.work_cntr = Some("1000".into());
        assert_eq!(
            validate(&raw, k751(), Some(&md)).unwrap_err().error_type,
            ErrorType::MasterData
        );
    }

    #[test]
    fn field_dependencies() {
        let mut md = seed_example_master_data();
        md.work_centers.push(WorkCenter {
            werks: "0030".into(),
            arbpl: "70510005".into(),
            ktext: "Gravemaskine".into(),
        });
        md.activity_types.push(ActivityType {
            arbpl: "70510005".into(),
            lstar: "5200".into(),
            ltext: "Grav".into(),
        });
        md.networks.push(Network {
            network: "000000519828".into(),
            ktext: "Andet".into(),
        });
        // Work centre of another plant.
        let mut raw = valid();
        raw.plant = Some("0030".into());
        let e = validate(&raw, k751(), Some(&md)).unwrap_err();
        assert_eq!(e.error_type, ErrorType::FieldDependency);
        assert!(e.message().contains("hører ikke til fabrik 0030"));
        // Activity of another network.
        let mut raw = valid();
        raw.network = Some("519828".into());
        assert_eq!(
            validate(&raw, k751(), Some(&md)).unwrap_err().error_type,
            ErrorType::FieldDependency
        );
        // Activity type of another work centre.
        let mut raw = valid();
        raw.act_type = Some("5200".into());
        assert_eq!(
            validate(&raw, k751(), Some(&md)).unwrap_err().error_type,
            ErrorType::FieldDependency
        );
    }

    #[test]
    fn payload_json_uses_the_wire_names() {
        let j = serde_json::to_value(valid()).unwrap();
        assert_eq!(j["EX_IDENT"], "ABCDEABCDE66598040861E0000002008");
        assert!(serde_json::from_str::<RawRegistration>(r#"{"NOPE":"1"}"#).is_err());
    }

    #[test]
    fn copenhagen_day_crosses_midnight_before_utc() {
        let t: jiff::Timestamp = "2026-11-22T23:30:00Z".parse().unwrap();
        assert_eq!(copenhagen_day(t), jiff::civil::date(2026, 11, 23));
    }

    proptest! {
        #[test]
        fn quan_accepts_exactly_8_2(int in 0u32..1_000_000, frac in 0u32..100) {
            let s = format!("{int}.{frac:02}");
            let parsed = parse_quan_8_2(&s);
            prop_assert_eq!(parsed.is_some(), int > 0 || frac > 0);
        }

        #[test]
        fn validate_never_panics(pid in ".{0,12}", net in ".{0,14}", w in ".{0,12}", d in ".{0,10}") {
            let mut raw = valid();
            raw.personal_id = Some(pid);
            raw.network = Some(net);
            raw.act_work = Some(w);
            raw.postg_date = Some(d);
            let _ = validate(&raw, k751(), Some(&seed_example_master_data()));
        }
    }
}
