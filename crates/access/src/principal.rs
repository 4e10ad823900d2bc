//! Who acts on the admin API (issue 17): a principal is a role with its scope — the operator, one municipality, one
//! vendor, or the auditor — and the credential it proved itself with (the break-glass admin token, a named API
//! token, a person signed in to the console). What a
//! role may see and change is decided from the role alone; the credential is only recorded (who did it).

use snitflade_domain::Kommunekode;
use snitflade_domain::orders::Party;
use std::fmt;

/// A role with its scope. Written `operator`, `municipality:<kommunekode>`, `vendor:<vendor id>`, `auditor`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Role {
    /// Whoever runs snitflade (KMD's role): everything.
    Operator,
    /// A customer: its own orders, grants, errors, audit rows, invoices, catalogues and landscape.
    Municipality(Kommunekode),
    /// A vendor (its id in the vendor register): its own systems, their certificates, dueslag and tokens.
    Vendor(String),
    /// Reads the audit logs; changes nothing.
    Auditor,
}

/// A role without its scope, as the API and the token table name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    Operator,
    Municipality,
    Vendor,
    Auditor,
}

impl RoleKind {
    pub const ALL: [RoleKind; 4] = [
        RoleKind::Operator,
        RoleKind::Municipality,
        RoleKind::Vendor,
        RoleKind::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Operator => "operator",
            RoleKind::Municipality => "municipality",
            RoleKind::Vendor => "vendor",
            RoleKind::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<RoleKind> {
        RoleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a role could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    #[error("unknown role '{0}' (operator, municipality, vendor or auditor)")]
    Unknown(String),
    #[error("the role {0} takes a scope ({1})")]
    ScopeMissing(&'static str, &'static str),
    #[error("the role {0} takes no scope")]
    ScopeNotTaken(&'static str),
    #[error("scope: {0}")]
    BadScope(String),
}

/// Longest vendor id accepted in a role (the register's ids are UUIDs).
const MAX_VENDOR_ID: usize = 100;

impl Role {
    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Operator => RoleKind::Operator,
            Role::Municipality(_) => RoleKind::Municipality,
            Role::Vendor(_) => RoleKind::Vendor,
            Role::Auditor => RoleKind::Auditor,
        }
    }

    /// The scope: the kommunekode of a municipality, the id of a vendor, none for the others.
    pub fn scope(&self) -> Option<String> {
        match self {
            Role::Municipality(k) => Some(k.to_string()),
            Role::Vendor(v) => Some(v.clone()),
            Role::Operator | Role::Auditor => None,
        }
    }

    /// A role from its kind and scope (a blank scope counts as none).
    pub fn from_parts(kind: RoleKind, scope: Option<&str>) -> Result<Role, RoleError> {
        let scope = scope.map(str::trim).filter(|s| !s.is_empty());
        match (kind, scope) {
            (RoleKind::Operator, None) => Ok(Role::Operator),
            (RoleKind::Auditor, None) => Ok(Role::Auditor),
            (RoleKind::Operator | RoleKind::Auditor, Some(_)) => Err(RoleError::ScopeNotTaken(kind.as_str())),
            (RoleKind::Municipality, None) => Err(RoleError::ScopeMissing("municipality", "a kommunekode")),
            (RoleKind::Vendor, None) => Err(RoleError::ScopeMissing("vendor", "a vendor id")),
            (RoleKind::Municipality, Some(s)) => Kommunekode::parse(s)
                .map(Role::Municipality)
                .map_err(|e| RoleError::BadScope(e.to_string())),
            (RoleKind::Vendor, Some(s)) => {
                if s.chars().count() > MAX_VENDOR_ID || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err(RoleError::BadScope(format!("'{s}' is not a vendor id")));
                }
                Ok(Role::Vendor(s.to_owned()))
            }
        }
    }

    /// Reads the written form (`municipality:0340`).
    pub fn parse(s: &str) -> Result<Role, RoleError> {
        let (kind, scope) = match s.split_once(':') {
            Some((k, scope)) => (k, Some(scope)),
            None => (s, None),
        };
        let kind = RoleKind::parse(kind).ok_or_else(|| RoleError::Unknown(kind.to_owned()))?;
        Role::from_parts(kind, scope)
    }

    /// Whether a principal of this role may issue a credential for `other`: the operator any, a municipality or
    /// vendor only its own role and scope (never a wider one), the auditor none.
    pub fn may_issue(&self, other: &Role) -> bool {
        match self {
            Role::Operator => true,
            Role::Municipality(_) | Role::Vendor(_) => self == other,
            Role::Auditor => false,
        }
    }

    /// The party this role is in an order of `municipality` for a system of `vendor`, if any: the operator always,
    /// the order's own municipality, the system's own vendor.
    pub fn party_in(&self, municipality: &str, vendor: Option<&str>) -> Option<Party> {
        match self {
            Role::Operator => Some(Party::Operator),
            Role::Municipality(k) => Kommunekode::parse(municipality)
                .is_ok_and(|m| m == *k)
                .then_some(Party::Municipality),
            Role::Vendor(v) => (vendor == Some(v.as_str())).then_some(Party::Vendor),
            Role::Auditor => None,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.scope() {
            Some(scope) => write!(f, "{}:{scope}", self.kind().as_str()),
            None => f.write_str(self.kind().as_str()),
        }
    }
}

/// How a principal proved who it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// `<data-dir>/admin-token`: the operator's break-glass credential.
    AdminToken,
    /// A named API token (`snf_…`), by its id and name.
    ApiToken {
        id: String,
        name: String,
        expires_at: Option<String>,
    },
    /// A person signed in to the console, by their id and name.
    Person { id: String, name: String },
}

/// An authenticated caller of the admin API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    pub credential: Credential,
}

impl Principal {
    /// The operator through the admin token file.
    pub fn break_glass() -> Principal {
        Principal {
            role: Role::Operator,
            credential: Credential::AdminToken,
        }
    }

    /// Who did it, as order steps and the admin audit log record it: the role, then the credential —
    /// `operator (admin-token)`, `municipality:0340 (token sorø-løn)`. The role is the text before the first space.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::AdminToken => format!("{} (admin-token)", self.role),
            Credential::ApiToken { name, .. } => format!("{} (token {name})", self.role),
            Credential::Person { name, .. } => format!("{} (person {name})", self.role),
        }
    }

    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }

    /// The municipality a municipality principal is limited to.
    pub fn municipality(&self) -> Option<Kommunekode> {
        match &self.role {
            Role::Municipality(k) => Some(*k),
            _ => None,
        }
    }

    /// The vendor a vendor principal is limited to.
    pub fn vendor(&self) -> Option<&str> {
        match &self.role {
            Role::Vendor(v) => Some(v),
            _ => None,
        }
    }

    /// Whether this principal sees a thing that belongs to `owner` (the operator everything; a municipality what
    /// belongs to it; a vendor what belongs to it). Which roles may use a route at all is decided before this.
    pub fn sees(&self, owner: &Owner) -> bool {
        match &self.role {
            Role::Operator | Role::Auditor => true,
            Role::Municipality(k) => owner
                .municipality
                .as_deref()
                .is_some_and(|m| Kommunekode::parse(m).is_ok_and(|m| m == *k)),
            Role::Vendor(v) => owner.vendor.as_deref() == Some(v.as_str()),
        }
    }
}

/// Whom a thing belongs to: the municipality it is about and the vendor whose system it concerns (either may be
/// unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Owner {
    pub municipality: Option<String>,
    pub vendor: Option<String>,
}

impl Owner {
    pub fn new(municipality: Option<&str>, vendor: Option<&str>) -> Owner {
        Owner {
            municipality: municipality.map(str::to_owned),
            vendor: vendor.map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: &str) -> Principal {
        Principal {
            role: Role::parse(role).unwrap(),
            credential: Credential::ApiToken {
                id: "t".into(),
                name: "n".into(),
                expires_at: None,
            },
        }
    }

    #[test]
    fn roles_read_and_write_their_form() {
        for s in ["operator", "auditor", "municipality:0340", "vendor:5a1e"] {
            assert_eq!(Role::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(
            Role::parse("municipality:340").unwrap().to_string(),
            "municipality:0340"
        );
        assert_eq!(Role::parse("kunde:0340"), Err(RoleError::Unknown("kunde".into())));
        assert!(matches!(Role::parse("municipality"), Err(RoleError::ScopeMissing(..))));
        assert!(matches!(Role::parse("municipality:abc"), Err(RoleError::BadScope(_))));
        assert!(matches!(Role::parse("operator:0340"), Err(RoleError::ScopeNotTaken(_))));
        assert!(matches!(Role::parse("vendor:"), Err(RoleError::ScopeMissing(..))));
        assert!(matches!(Role::parse("vendor:a b"), Err(RoleError::BadScope(_))));
        assert_eq!(Role::from_parts(RoleKind::Operator, Some("  ")), Ok(Role::Operator));
    }

    #[test]
    fn only_the_operator_issues_other_roles() {
        let op = Role::Operator;
        let m340 = Role::parse("municipality:0340").unwrap();
        let m751 = Role::parse("municipality:0751").unwrap();
        let v = Role::parse("vendor:v1").unwrap();
        assert!(op.may_issue(&m340) && op.may_issue(&Role::Auditor) && op.may_issue(&op));
        assert!(m340.may_issue(&m340));
        assert!(!m340.may_issue(&m751) && !m340.may_issue(&op) && !m340.may_issue(&v));
        assert!(v.may_issue(&v) && !v.may_issue(&Role::parse("vendor:v2").unwrap()));
        assert!(!v.may_issue(&Role::Auditor));
        assert!(!Role::Auditor.may_issue(&Role::Auditor));
    }

    #[test]
    fn parties_of_an_order() {
        let m = Role::parse("municipality:0340").unwrap();
        assert_eq!(m.party_in("0340", Some("v1")), Some(Party::Municipality));
        assert_eq!(m.party_in("340", None), Some(Party::Municipality));
        assert_eq!(m.party_in("0751", Some("v1")), None);
        let v = Role::parse("vendor:v1").unwrap();
        assert_eq!(v.party_in("0340", Some("v1")), Some(Party::Vendor));
        assert_eq!(v.party_in("0340", Some("v2")), None);
        assert_eq!(v.party_in("0340", None), None);
        assert_eq!(Role::Operator.party_in("0751", None), Some(Party::Operator));
        assert_eq!(Role::Auditor.party_in("0340", Some("v1")), None);
    }

    #[test]
    fn what_a_principal_sees() {
        let owner = Owner::new(Some("0340"), Some("v1"));
        assert!(principal("operator").sees(&owner));
        assert!(principal("municipality:0340").sees(&owner));
        assert!(!principal("municipality:0751").sees(&owner));
        assert!(principal("vendor:v1").sees(&owner));
        assert!(!principal("vendor:v2").sees(&owner));
        // Nothing is anybody's unless it says so.
        assert!(!principal("municipality:0340").sees(&Owner::default()));
        assert!(!principal("vendor:v1").sees(&Owner::new(Some("0340"), None)));
    }

    #[test]
    fn the_actor_names_role_and_credential() {
        assert_eq!(Principal::break_glass().actor(), "operator (admin-token)");
        let p = principal("municipality:0340");
        assert_eq!(p.actor(), "municipality:0340 (token n)");
        assert_eq!(p.actor().split(' ').next(), Some("municipality:0340"));
    }
}
