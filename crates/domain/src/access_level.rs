//! Access levels of grants (`read`, `read-write`) and the one table that says, for every operation of every
//! interface, whether it changes the municipality's data. The access check (`snitflade_access`) looks operations
//! up here; orders and grants take an interface's nature and default level from here; the README's table is this
//! one (a test below holds the two together; another in the services crate, this table and the services served).
//!
//! The rule: a read works with either level; an operation that changes data needs `read-write`. An interface
//! with only reads (or only writes) has one level by nature: `read` (`read-write`) — a grant of the other level
//! would promise what the interface cannot do, or nothing at all, so it is refused when made.

use crate::InterfaceId;
use crate::InterfaceId::*;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a grant lets its system do with the interface.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    /// The reads only. (Also the zero value of records; a grant's level always comes from [`grant_level`].)
    #[default]
    Read,
    /// Every operation, the changes too.
    ReadWrite,
}

impl AccessLevel {
    pub const ALL: [AccessLevel; 2] = [Self::Read, Self::ReadWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::ReadWrite => "read-write",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// Whether a grant of this level allows an operation with `effect`.
    pub fn allows(self, effect: Effect) -> bool {
        effect == Effect::Reads || self == Self::ReadWrite
    }
}

impl fmt::Display for AccessLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an operation does to the municipality's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// Answers data, changes nothing (or only the caller's own settings, such as its value lists).
    Reads,
    /// Creates, changes or deletes the municipality's data.
    Writes,
}

/// One operation a system can call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    pub interface: InterfaceId,
    /// The SOAP ServiceInterface (`Employee_Provide_Out`), or the path of a JSON operation.
    pub service: &'static str,
    /// The request's root element (local name) for SOAP; `None` for JSON, where the path is the operation.
    pub request: Option<&'static str>,
    /// The operation's name in texts (`Ret`).
    pub name: &'static str,
    pub effect: Effect,
}

const fn soap(
    interface: InterfaceId,
    service: &'static str,
    request: &'static str,
    name: &'static str,
    effect: Effect,
) -> Operation {
    Operation {
        interface,
        service,
        request: Some(request),
        name,
        effect,
    }
}

const fn json(interface: InterfaceId, path: &'static str, name: &'static str, effect: Effect) -> Operation {
    Operation {
        interface,
        service: path,
        request: None,
        name,
        effect,
    }
}

use Effect::{Reads, Writes};

/// Every operation of every interface, and whether it changes data.
pub static OPERATIONS: &[Operation] = &[
    soap(
        Maskintimer,
        "MobileEquipMasterdata_OS_SI",
        "ZPSA_CN27_MASTERDATA_REQUEST_MT",
        "MobileEquipMasterdata",
        Reads,
    ),
    soap(
        Maskintimer,
        "MobileEquipRegistration_OS_SI",
        "ZPSA_CN27_DATA_MT",
        "MobileEquipRegistration",
        Writes,
    ),
    soap(
        Medarbejderoplysninger,
        "Employee_Provide_Out",
        "LaesInput",
        "Laes",
        Reads,
    ),
    soap(
        Medarbejderoplysninger,
        "Employee_Provide_Out",
        "ListInput",
        "List",
        Reads,
    ),
    soap(
        Medarbejderoplysninger,
        "Employee_Provide_Out",
        "RetInput",
        "Ret",
        Writes,
    ),
    soap(
        OpretFravaer,
        "SetAbsenceAttendance_OS_SI",
        "SetAbsenceAttendanceRequest_MT",
        "SetAbsenceAttendance",
        Writes,
    ),
    soap(
        OpretFravaer,
        "GetAbsenceAttendanceByPeriod_OS_SI",
        "GetAbsenceAttendanceByPeriodRequest_MT",
        "GetAbsenceAttendanceByPeriod",
        Reads,
    ),
    soap(
        OpretFravaer,
        "GetChildren_OS_SI",
        "GetChildrenRequest_MT",
        "GetChildren",
        Reads,
    ),
    soap(
        OpretFravaer,
        "GetMaternityCases_OS_SI",
        "GetMaternityCasesRequest_MT",
        "GetMaternityCases",
        Reads,
    ),
    soap(
        OpretFravaer,
        "GetReasons_OS_SI",
        "GetReasonsRequest_MT",
        "GetReasons",
        Reads,
    ),
    soap(
        OpretFravaer,
        "GetWorkAccidentCases_OS_SI",
        "GetWorkAccidentCasesRequest_MT",
        "GetWorkAccidentCases",
        Reads,
    ),
    soap(
        Fravaerskvoter,
        "GetAbsenceQuotas_OS_SI",
        "GetAbsenceQuotasRequest_MT",
        "GetAbsenceQuotas",
        Reads,
    ),
    soap(
        Fravaerskvoter,
        "GetAbsenceQuotaDetails_OS_SI",
        "GetAbsenceQuotaDetailsRequest_MT",
        "GetAbsenceQuotaDetails",
        Reads,
    ),
    soap(
        Moedetidsplaner,
        "SetWorkSchedule_OS_SI",
        "SetWorkScheduleRequest_MT",
        "SetWorkSchedule",
        Writes,
    ),
    soap(
        Moedetidsplaner,
        "GetWorkSchedule_OS_SI",
        "GetWorkScheduleRequest_MT",
        "GetWorkSchedule",
        Reads,
    ),
    soap(
        FasteTillaeg,
        "SetFixedSupplement_OS_SI",
        "SetFixedSupplementRequest_MT",
        "SetFixedSupplement",
        Writes,
    ),
    soap(
        FasteTillaeg,
        "GetFixedSupplements_OS_SI",
        "GetFixedSupplementsRequest_MT",
        "GetFixedSupplements",
        Reads,
    ),
    soap(
        Personalemappe,
        "UploadDocument_OS_SI",
        "UploadDocumentRequest_MT",
        "UploadDocument",
        Writes,
    ),
    soap(
        Personalemappe,
        "ListDocuments_OS_SI",
        "ListDocumentsRequest_MT",
        "ListDocuments",
        Reads,
    ),
    soap(
        Personalemappe,
        "GetDocument_OS_SI",
        "GetDocumentRequest_MT",
        "GetDocument",
        Reads,
    ),
    json(
        Engangsydelse,
        "/lpe/update-onetime-payments",
        "update-onetime-payments",
        Writes,
    ),
    json(
        Engangsydelse,
        "/lpe/read-onetime-payments",
        "read-onetime-payments",
        Reads,
    ),
    // SF1460_B: the value lists belong to the calling system itself (its delivery filters), so maintaining them
    // changes none of the municipality's data; neither does moving one of its own messages to the fejlkø.
    soap(Beskedfordeler, "Beskedfordeler", "OpretInput", "opret", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "ImportInput", "importer", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "RetInput", "ret", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "LaesInput", "laes", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "SletInput", "slet", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "PassiverInput", "passiver", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "ListInput", "list", Reads),
    soap(Beskedfordeler, "Beskedfordeler", "SoegInput", "soeg", Reads),
    soap(
        Beskedfordeler,
        "Beskedfordeler",
        "TilfoejVaerdierInput",
        "tilfoejvaerdier",
        Reads,
    ),
    soap(
        Beskedfordeler,
        "Beskedfordeler",
        "FjernVaerdierInput",
        "fjernvaerdier",
        Reads,
    ),
    soap(
        Beskedfordeler,
        "Beskedfordeler",
        "FlytBeskedTilFejlkoeInput",
        "flytbeskedtilfejlkoe",
        Reads,
    ),
];

/// The operation of a SOAP request (`request`: its root element's local name) or, with `None`, of a JSON path.
pub fn operation(service: &str, request: Option<&str>) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.service == service && o.request == request)
}

/// Which operations an interface has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nature {
    ReadOnly,
    WriteOnly,
    /// Both: here a grant's level is chosen when it is made.
    ReadsAndWrites,
}

impl Nature {
    /// The one level a grant of an interface of this nature can have; `None` where the level is chosen.
    pub fn fixed_level(self) -> Option<AccessLevel> {
        match self {
            Self::ReadOnly => Some(AccessLevel::Read),
            Self::WriteOnly => Some(AccessLevel::ReadWrite),
            Self::ReadsAndWrites => None,
        }
    }
}

impl InterfaceId {
    /// The interface's operations' effects, from [`OPERATIONS`].
    pub fn nature(self) -> Nature {
        let mut ops = OPERATIONS.iter().filter(|o| o.interface == self);
        let reads = ops.clone().any(|o| o.effect == Reads);
        match (reads, ops.any(|o| o.effect == Writes)) {
            (true, true) => Nature::ReadsAndWrites,
            (false, true) => Nature::WriteOnly,
            _ => Nature::ReadOnly,
        }
    }

    /// The level a grant of this interface gets when the order or grant names none: what the interface is for.
    /// Medarbejderoplysninger provides employee data, and Ret (changing an employee's master data) is a use of its
    /// own the municipality must order; the other interfaces with writes exist for them (registering machine
    /// hours, absence, schedules, supplements, documents, payments), their reads serve the writing.
    pub fn default_level(self) -> AccessLevel {
        match (self, self.nature()) {
            (Medarbejderoplysninger, _) | (_, Nature::ReadOnly) => AccessLevel::Read,
            _ => AccessLevel::ReadWrite,
        }
    }

    /// The level that allows every operation of the interface: what grants from before levels existed have, and
    /// the demo's grants.
    pub fn full_level(self) -> AccessLevel {
        self.nature().fixed_level().unwrap_or(AccessLevel::ReadWrite)
    }
}

/// A level asked for that the interface's nature does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("snitfladen '{interface}' {}; en adgang til den er altid {fixed}", match .fixed {
    AccessLevel::Read => "har kun læsende operationer",
    AccessLevel::ReadWrite => "har kun skrivende operationer",
})]
pub struct LevelError {
    pub interface: InterfaceId,
    pub fixed: AccessLevel,
}

/// The level of a new grant of `interface`: the one `requested`, else the interface's default. An interface of
/// one nature has only its own level.
pub fn grant_level(interface: InterfaceId, requested: Option<AccessLevel>) -> Result<AccessLevel, LevelError> {
    let Some(fixed) = interface.nature().fixed_level() else {
        return Ok(requested.unwrap_or_else(|| interface.default_level()));
    };
    match requested {
        Some(level) if level != fixed => Err(LevelError { interface, fixed }),
        _ => Ok(fixed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_and_the_set_operations_write_and_the_reads_do_not() {
        let effect = |service: &str, root: &str| operation(service, Some(root)).map(|o| o.effect);
        assert_eq!(effect("Employee_Provide_Out", "RetInput"), Some(Writes));
        assert_eq!(effect("Employee_Provide_Out", "LaesInput"), Some(Reads));
        assert_eq!(effect("Employee_Provide_Out", "ListInput"), Some(Reads));
        for (service, root) in [
            ("SetAbsenceAttendance_OS_SI", "SetAbsenceAttendanceRequest_MT"),
            ("SetWorkSchedule_OS_SI", "SetWorkScheduleRequest_MT"),
            ("SetFixedSupplement_OS_SI", "SetFixedSupplementRequest_MT"),
            ("UploadDocument_OS_SI", "UploadDocumentRequest_MT"),
            ("MobileEquipRegistration_OS_SI", "ZPSA_CN27_DATA_MT"),
        ] {
            assert_eq!(effect(service, root), Some(Writes), "{service}");
        }
        assert_eq!(
            operation("/lpe/update-onetime-payments", None).map(|o| o.effect),
            Some(Writes)
        );
        assert_eq!(
            operation("/lpe/read-onetime-payments", None).map(|o| o.effect),
            Some(Reads)
        );
        // A root of another service, or a JSON path asked with a root, is no operation.
        assert_eq!(
            operation("Employee_Provide_Out", Some("SetWorkScheduleRequest_MT")),
            None
        );
        assert_eq!(operation("/lpe/read-onetime-payments", Some("x")), None);
        // Every Get is a read.
        assert!(
            OPERATIONS
                .iter()
                .filter(|o| o.name.starts_with("Get"))
                .all(|o| o.effect == Reads)
        );
    }

    #[test]
    fn the_table_names_each_operation_once_and_every_interface() {
        for (n, a) in OPERATIONS.iter().enumerate() {
            assert!(
                !OPERATIONS[n + 1..]
                    .iter()
                    .any(|b| (a.service, a.request) == (b.service, b.request)),
                "{a:?} twice"
            );
        }
        for i in InterfaceId::ALL {
            assert!(OPERATIONS.iter().any(|o| o.interface == i), "{i} has no operation");
        }
    }

    /// The book's table of access levels (docs/src/access/levels.md) says what [`OPERATIONS`] and the defaults say,
    /// interface by interface.
    #[test]
    fn the_books_table_is_this_table() {
        let book = include_str!("../../../docs/src/access/levels.md");
        let names = |cell: &str| -> Vec<String> {
            let mut v: Vec<String> = cell
                .split(", ")
                .map(|n| n.trim().to_owned())
                .filter(|n| n != "—")
                .collect();
            v.sort();
            v
        };
        for i in InterfaceId::ALL {
            let row = book
                .lines()
                .find(|l| l.starts_with(&format!("| `{i}` |")))
                .unwrap_or_else(|| panic!("no row for {i} in docs/src/access/levels.md"));
            let cells: Vec<&str> = row.split('|').map(str::trim).collect();
            let of = |effect: Effect| {
                let mut v: Vec<String> = OPERATIONS
                    .iter()
                    .filter(|o| o.interface == i && o.effect == effect)
                    .map(|o| o.name.to_owned())
                    .collect();
                v.sort();
                v
            };
            assert_eq!(names(cells[2]), of(Reads), "{row}");
            assert_eq!(names(cells[3]), of(Writes), "{row}");
            assert_eq!(cells[4], format!("`{}`", i.default_level()), "{row}");
            let possible = match i.nature().fixed_level() {
                Some(l) => format!("`{l}` only"),
                None => "both".to_owned(),
            };
            assert_eq!(cells[5], possible, "{row}");
        }
    }

    #[test]
    fn levels_allow_reads_always_and_writes_with_read_write_only() {
        assert!(AccessLevel::Read.allows(Reads));
        assert!(!AccessLevel::Read.allows(Writes));
        assert!(AccessLevel::ReadWrite.allows(Reads));
        assert!(AccessLevel::ReadWrite.allows(Writes));
        for l in AccessLevel::ALL {
            assert_eq!(AccessLevel::parse(l.as_str()), Some(l));
            assert_eq!(serde_json::to_string(&l).unwrap(), format!("\"{l}\""));
        }
        assert_eq!(AccessLevel::parse("write"), None);
    }

    #[test]
    fn natures_and_the_levels_a_grant_can_have() {
        assert_eq!(Medarbejderoplysninger.nature(), Nature::ReadsAndWrites);
        assert_eq!(Fravaerskvoter.nature(), Nature::ReadOnly);
        assert_eq!(Beskedfordeler.nature(), Nature::ReadOnly);
        for i in [
            Maskintimer,
            OpretFravaer,
            Moedetidsplaner,
            FasteTillaeg,
            Personalemappe,
            Engangsydelse,
        ] {
            assert_eq!(i.nature(), Nature::ReadsAndWrites, "{i}");
            assert_eq!(grant_level(i, None), Ok(AccessLevel::ReadWrite), "{i}");
            assert_eq!(grant_level(i, Some(AccessLevel::Read)), Ok(AccessLevel::Read), "{i}");
        }
        // Medarbejderoplysninger reads unless Ret is ordered.
        assert_eq!(grant_level(Medarbejderoplysninger, None), Ok(AccessLevel::Read));
        assert_eq!(
            grant_level(Medarbejderoplysninger, Some(AccessLevel::ReadWrite)),
            Ok(AccessLevel::ReadWrite)
        );
        // A read-only interface has no write level to give.
        assert_eq!(grant_level(Fravaerskvoter, None), Ok(AccessLevel::Read));
        let e = grant_level(Fravaerskvoter, Some(AccessLevel::ReadWrite)).unwrap_err();
        assert_eq!(e.fixed, AccessLevel::Read);
        assert!(e.to_string().contains("altid read"), "{e}");
        // A write-only interface (none today) would have only read-write.
        assert_eq!(Nature::WriteOnly.fixed_level(), Some(AccessLevel::ReadWrite));
        assert_eq!(Nature::ReadOnly.fixed_level(), Some(AccessLevel::Read));
        assert_eq!(Nature::ReadsAndWrites.fixed_level(), None);
        // Grants from before levels: everything the interface can do.
        assert_eq!(Medarbejderoplysninger.full_level(), AccessLevel::ReadWrite);
        assert_eq!(Fravaerskvoter.full_level(), AccessLevel::Read);
    }
}
