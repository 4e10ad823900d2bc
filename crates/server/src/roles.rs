//! Which roles may call each admin route (issue 17). The table is the `x-roles` list of every operation in
//! `openapi.json`, read once: what the documentation says is what is enforced. The [`gate`] middleware answers 403
//! (with the reason) to a principal whose role is not listed for the route it called, before the handler runs; the
//! handlers then limit what a listed role sees and changes to its scope (see `scope`) — apart from one rule kept
//! here for every route at once: a municipality named in the path (`{code}`) must be a municipality caller's own.
//! A route the document does not list is the operator's alone (and logged as a fault).

use crate::admin::{AdminState, OPENAPI};
use crate::auth::Caller;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use snitflade_access::principal::RoleKind;
use std::collections::HashMap;
use std::sync::LazyLock;

/// (method, path as in the document) → the roles that may call it.
type Table = HashMap<(String, String), Vec<RoleKind>>;

static TABLE: LazyLock<Table> = LazyLock::new(|| table(OPENAPI).expect("openapi.json's x-roles are readable"));

/// The operations of an OpenAPI document with their `x-roles` (an unknown role name is an error).
fn table(doc: &str) -> Result<Table, String> {
    let doc: Value = serde_json::from_str(doc).map_err(|e| e.to_string())?;
    let mut out = Table::new();
    for (path, ops) in doc["paths"].as_object().ok_or("no paths")? {
        for (method, op) in ops.as_object().ok_or("a path is no object")? {
            let Some(roles) = op.get("x-roles") else { continue };
            let roles = roles
                .as_array()
                .ok_or_else(|| format!("{method} {path}: x-roles is no list"))?
                .iter()
                .map(|r| {
                    r.as_str()
                        .and_then(RoleKind::parse)
                        .ok_or_else(|| format!("{method} {path}: unknown role {r}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.insert((method.to_ascii_uppercase(), path.clone()), roles);
        }
    }
    Ok(out)
}

/// The roles documented for a route, if it is documented.
pub(crate) fn roles_of(method: &Method, path: &str) -> Option<&'static [RoleKind]> {
    let method = if method == Method::HEAD { "GET" } else { method.as_str() };
    TABLE.get(&(method.to_owned(), path.to_owned())).map(Vec::as_slice)
}

/// The middleware (a route layer, inside authentication).
pub(crate) async fn gate(State(_): State<AdminState>, caller: Caller, req: Request, next: Next) -> Response {
    let Some(path) = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()) else {
        return next.run(req).await;
    };
    let roles = match roles_of(req.method(), &path) {
        Some(r) => r,
        None => {
            tracing::error!(method = %req.method(), path = %path, "an admin route without x-roles in openapi.json");
            &[RoleKind::Operator]
        }
    };
    let kind = caller.role.kind();
    if roles.contains(&kind) {
        // A municipality in the path (`/municipalities/{code}…`) must be the caller's own.
        if let Some(code) = path_parameter(&path, req.uri().path(), "{code}")
            && let Ok(code) = snitflade_domain::Kommunekode::parse(&code)
            && let Err(refused) = caller.on_municipality(code)
        {
            return refused.into_response();
        }
        return next.run(req).await;
    }
    let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    (
        StatusCode::FORBIDDEN,
        axum::Json(json!({
            "error": format!(
                "{} {path} is for {}; you are {}",
                req.method(),
                allowed.join(", "),
                caller.role
            ),
            "roles": allowed,
        })),
    )
        .into_response()
}

/// The value of the path parameter `name` (`{code}`) of a request `path` that matched `template`, decoded. The
/// two are aligned at their ends: inside the nested router the request's path has lost the `/api/v1` the template
/// keeps.
fn path_parameter(template: &str, path: &str, name: &str) -> Option<String> {
    let from_end = template.rsplit('/').position(|s| s == name)?;
    let raw = path.rsplit('/').nth(from_end)?;
    percent_decode(raw)
}

/// A percent-encoded path segment as text (`None` if it is not UTF-8 or badly encoded).
fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every route the admin routers register — found in their source, `.route("<path>", get(..).post(..))` — with
    /// the methods it answers.
    fn routes_in_source() -> Vec<(String, String)> {
        let sources = [
            include_str!("admin.rs"),
            include_str!("admin_access.rs"),
            include_str!("admin_beskedfordeler.rs"),
            include_str!("admin_landscape.rs"),
            include_str!("admin_tokens.rs"),
            include_str!("admin_users.rs"),
            include_str!("admin_traffic.rs"),
            include_str!("admin_onboarding.rs"),
        ];
        let mut out = Vec::new();
        for src in sources {
            let mut rest = src;
            while let Some(at) = rest.find(".route(") {
                let call = &rest[at + ".route(".len()..];
                // The call's arguments: up to the parenthesis that closes `.route(`.
                let mut depth = 1;
                let end = call
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map(|(i, _)| i)
                    .expect("a closed .route(");
                let args = &call[..end];
                rest = &call[end..];
                let Some(path) = args.split('"').nth(1) else { continue };
                if !path.starts_with('/') {
                    continue;
                }
                for method in ["get", "post", "put", "delete", "patch"] {
                    let called = args
                        .match_indices(&format!("{method}("))
                        .any(|(i, _)| i == 0 || !args[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_'));
                    if called {
                        out.push((method.to_ascii_uppercase(), path.to_owned()));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_route_of_the_router_has_its_roles_documented() {
        let routes = routes_in_source();
        // The scan finds the routers' routes (guarding the scan itself).
        assert!(routes.len() > 80, "{} routes found", routes.len());
        assert!(routes.contains(&("POST".into(), "/orders/{id}/advance".into())));
        assert!(routes.contains(&("DELETE".into(), "/tokens/{id}".into())));
        // Outside the nested /api/v1 router only the open routes (`/metrics`, the OpenAPI document), documented as
        // needing no credential.
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let open = |m: &str, p: &str| doc["paths"][p][m.to_ascii_lowercase()]["security"] == json!([]);
        let missing: Vec<_> = routes
            .iter()
            .filter(|(m, p)| roles_of(&m.parse().unwrap(), &format!("/api/v1{p}")).is_none() && !open(m, p))
            .collect();
        assert!(
            missing.is_empty(),
            "routes without x-roles in openapi.json: {missing:?}"
        );
    }

    #[test]
    fn every_documented_api_operation_names_its_roles_and_the_operator_has_them_all() {
        let doc: Value = serde_json::from_str(OPENAPI).unwrap();
        let mut operations = 0;
        for (path, ops) in doc["paths"].as_object().unwrap() {
            if !path.starts_with("/api/v1/") {
                continue;
            }
            for (method, op) in ops.as_object().unwrap().iter().filter(|(m, _)| *m != "parameters") {
                // The open ones (the OpenAPI document) need no credential, so no role.
                if op["security"] == json!([]) {
                    assert!(op.get("x-roles").is_none(), "{method} {path} is open and has roles");
                    continue;
                }
                operations += 1;
                let roles = roles_of(&method.to_ascii_uppercase().parse().unwrap(), path)
                    .unwrap_or_else(|| panic!("{method} {path} has no x-roles"));
                assert!(roles.contains(&RoleKind::Operator), "{method} {path}");
            }
        }
        assert!(operations > 80);
    }

    #[test]
    fn path_parameters_are_read_by_the_template() {
        let t = "/api/v1/municipalities/{code}/employees/{pernr}/holiday-transfers";
        let p = "/api/v1/municipalities/0340/employees/00000101/holiday-transfers";
        assert_eq!(path_parameter(t, p, "{code}").as_deref(), Some("0340"));
        assert_eq!(path_parameter(t, p, "{pernr}").as_deref(), Some("00000101"));
        let nested = "/municipalities/0751/employees/00000101/holiday-transfers";
        assert_eq!(path_parameter(t, nested, "{code}").as_deref(), Some("0751"));
        assert_eq!(
            path_parameter("/api/v1/orders/{id}", "/api/v1/orders/x", "{code}"),
            None
        );
        assert_eq!(
            path_parameter("/a/{code}", "/a/%30751", "{code}").as_deref(),
            Some("0751")
        );
        assert_eq!(path_parameter("/a/{code}", "/a/%3", "{code}"), None);
    }

    #[test]
    fn the_table_reads_roles_and_refuses_unknown_ones() {
        let doc = r#"{"paths": {"/a": {"get": {"x-roles": ["operator", "auditor"]}, "post": {}}}}"#;
        let t = table(doc).unwrap();
        assert_eq!(
            t[&("GET".to_owned(), "/a".to_owned())],
            [RoleKind::Operator, RoleKind::Auditor]
        );
        assert!(!t.contains_key(&("POST".to_owned(), "/a".to_owned())));
        assert!(table(r#"{"paths": {"/a": {"get": {"x-roles": ["kunde"]}}}}"#).is_err());
        // HEAD is GET's.
        assert_eq!(
            roles_of(&Method::HEAD, "/api/v1/audit/admin"),
            roles_of(&Method::GET, "/api/v1/audit/admin")
        );
    }
}
