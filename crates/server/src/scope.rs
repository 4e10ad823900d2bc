//! The scope checks every admin handler shares (issue 17): once the role gate (see `roles`) has let a principal
//! call a route, these decide what of it the principal sees and may change. Out of scope is a 403 with the reason
//! for what the principal may know exists (a municipality, an order it is party to) and a 404 for what it may not
//! (another vendor's system, another municipality's error entry); lists are filtered to the scope. (Which party
//! may take which order step is the lifecycle's rule: `snitflade_domain::orders::step_parties`.)

use crate::admin::{AdminState, error, store_error};
use crate::auth::Caller;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use snitflade_access::principal::{Owner, Role};
use snitflade_domain::Kommunekode;
use snitflade_store::access::{self, SystemRecord};
use std::collections::HashSet;

/// 403 with the reason.
pub(crate) fn forbidden(reason: impl Into<String>) -> Response {
    Refused::forbidden(reason).into_response()
}

/// 404 as for a thing that does not exist (`what` in Danish: "systemet 'x'" → "systemet 'x' findes ikke").
pub(crate) fn hidden(what: &str) -> Response {
    Refused::hidden(what).into_response()
}

/// A refusal of the scope checks, answered as `{"error": …}` with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused(pub StatusCode, pub String);

impl Refused {
    pub(crate) fn forbidden(reason: impl Into<String>) -> Refused {
        Refused(StatusCode::FORBIDDEN, reason.into())
    }

    pub(crate) fn hidden(what: &str) -> Refused {
        Refused(StatusCode::NOT_FOUND, format!("{what} findes ikke"))
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error(self.0, self.1)
    }
}

impl Caller {
    /// The municipality a list is limited to (a municipality principal's own); `None`: not limited by this.
    pub(crate) fn own_municipality(&self) -> Option<String> {
        self.municipality().map(|k| k.to_string())
    }

    /// The vendor a list is limited to (a vendor principal's own).
    pub(crate) fn own_vendor(&self) -> Option<String> {
        self.vendor().map(str::to_owned)
    }

    /// Acting on municipality `code`: the operator may, a municipality only on itself (403 otherwise: which
    /// municipalities exist is no secret).
    pub(crate) fn on_municipality(&self, code: Kommunekode) -> Result<(), Refused> {
        match &self.role {
            Role::Municipality(own) if *own != code => Err(Refused::forbidden(format!(
                "you act for municipality {own}, not {code}"
            ))),
            _ => Ok(()),
        }
    }

    /// A municipality filter asked for in a query, against the principal's scope: a municipality principal gets
    /// its own whatever it asked (asking for another is a 403); others get what they asked.
    pub(crate) fn municipality_filter(&self, asked: Option<&str>) -> Result<Option<String>, Refused> {
        let Some(own) = self.municipality() else {
            return Ok(asked.map(str::to_owned));
        };
        if let Some(a) = asked
            && Kommunekode::parse(a).is_ok_and(|a| a != own)
        {
            return Err(Refused::forbidden(format!("you act for municipality {own}, not {a}")));
        }
        Ok(Some(own.to_string()))
    }

    /// The credentials (API tokens, the console's people) a caller lists: the operator's are all (`None`), others'
    /// those of their own role and scope.
    pub(crate) fn credential_filter(&self) -> Option<(&'static str, Option<String>)> {
        match &self.role {
            Role::Operator => None,
            r => Some((r.kind().as_str(), r.scope())),
        }
    }

    /// Whether the caller manages a credential of `role` and `scope` (revokes it, disables it): the operator every
    /// one, others those of their own role and scope.
    pub(crate) fn manages(&self, role: &str, scope: Option<&str>) -> bool {
        self.credential_filter()
            .is_none_or(|(own_role, own_scope)| role == own_role && scope == own_scope.as_deref())
    }

    /// A thing that belongs to `owner` and is out of scope is answered as not existing (`what` names it).
    pub(crate) fn visible(&self, owner: &Owner, what: &str) -> Result<(), Refused> {
        if self.sees(owner) {
            Ok(())
        } else {
            Err(Refused::hidden(what))
        }
    }

    /// A system's visibility: its vendor sees it; others (but the operator) do not.
    pub(crate) fn system_of_own(&self, system: &SystemRecord) -> Result<(), Refused> {
        self.visible(
            &Owner::new(None, system.vendor_id.as_deref()),
            &format!("systemet '{}'", system.name),
        )
    }
}

/// A system by name, or the 404.
pub(crate) async fn system_named(state: &AdminState, name: &str) -> Result<SystemRecord, Response> {
    access::system_by_name(state.services.store().pool(), name)
        .await
        .map_err(store_error)?
        .ok_or_else(|| hidden(&format!("systemet '{name}'")))
}

/// A system by name that the caller may act on as its vendor (the operator any): 404 for another vendor's.
pub(crate) async fn own_system(state: &AdminState, caller: &Caller, name: &str) -> Result<SystemRecord, Response> {
    let s = system_named(state, name).await?;
    caller.system_of_own(&s).map_err(IntoResponse::into_response)?;
    Ok(s)
}

/// The vendor of every system, by system id (for filtering lists by vendor).
pub(crate) async fn vendors_by_system(
    state: &AdminState,
) -> Result<std::collections::HashMap<String, Option<String>>, Response> {
    Ok(access::systems(state.services.store().pool())
        .await
        .map_err(store_error)?
        .into_iter()
        .map(|s| (s.id, s.vendor_id))
        .collect())
}

/// The vendor of the system named `name`, if the system and its vendor are known.
pub(crate) async fn vendor_of_system_named(state: &AdminState, name: &str) -> Result<Option<String>, Response> {
    Ok(access::system_by_name(state.services.store().pool(), name)
        .await
        .map_err(store_error)?
        .and_then(|s| s.vendor_id))
}

/// The systems a municipality has granted anything (the grants of its municipality, ended ones too).
pub(crate) async fn systems_granted_by(state: &AdminState, m: &str) -> Result<HashSet<String>, Response> {
    Ok(access::grants(state.services.store().pool())
        .await
        .map_err(store_error)?
        .into_iter()
        .filter(|g| g.municipality == m)
        .map(|g| g.system_id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use snitflade_access::principal::{Credential, Principal};

    fn caller(role: &str) -> Caller {
        Caller(Principal {
            role: Role::parse(role).unwrap(),
            credential: Credential::AdminToken,
        })
    }

    fn status(r: Result<impl Sized, Refused>) -> Option<StatusCode> {
        r.err().map(|r| r.0)
    }

    #[test]
    fn a_municipality_acts_on_itself_only() {
        let k = |s| Kommunekode::parse(s).unwrap();
        assert_eq!(status(caller("municipality:0340").on_municipality(k("0340"))), None);
        assert_eq!(
            status(caller("municipality:0340").on_municipality(k("0751"))),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(status(caller("operator").on_municipality(k("0751"))), None);
    }

    #[test]
    fn list_filters_follow_the_scope() {
        let m = caller("municipality:0340");
        assert_eq!(m.municipality_filter(None).unwrap().as_deref(), Some("0340"));
        assert_eq!(m.municipality_filter(Some("340")).unwrap().as_deref(), Some("0340"));
        assert_eq!(status(m.municipality_filter(Some("0751"))), Some(StatusCode::FORBIDDEN));
        let op = caller("operator");
        assert_eq!(op.municipality_filter(None).unwrap(), None);
        assert_eq!(op.municipality_filter(Some("0751")).unwrap().as_deref(), Some("0751"));
        assert_eq!(caller("vendor:v1").municipality_filter(None).unwrap(), None);
    }

    #[test]
    fn out_of_scope_things_are_not_found() {
        let owner = Owner::new(Some("0340"), Some("v1"));
        assert_eq!(status(caller("vendor:v1").visible(&owner, "x")), None);
        assert_eq!(
            status(caller("vendor:v2").visible(&owner, "x")),
            Some(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            status(caller("municipality:0751").visible(&owner, "x")),
            Some(StatusCode::NOT_FOUND)
        );
        let system = SystemRecord {
            id: "s".into(),
            name: "s".into(),
            vendor_id: Some("v1".into()),
            vendor_name: String::new(),
            vendor_cvr: String::new(),
        };
        assert_eq!(status(caller("vendor:v1").system_of_own(&system)), None);
        assert_eq!(
            status(caller("vendor:v2").system_of_own(&system)),
            Some(StatusCode::NOT_FOUND)
        );
        assert_eq!(
            status(caller("municipality:0340").system_of_own(&system)),
            Some(StatusCode::NOT_FOUND)
        );
    }
}
