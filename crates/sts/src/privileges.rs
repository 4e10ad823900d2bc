//! The privileges a token carries: what the caller may do at the service for the municipality (CVR) the token is
//! for, derived from the caller's grants. KOMBIT writes them as an OIO privilege list (`bpp:PrivilegeList`, base64,
//! in a SAML assertion) or as JSON privilege groups (base64, the JWT's `priv`); a privilege is a URI naming a role.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// One privilege group of a JWT's `priv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub privilege: String,
    pub scope: String,
    #[serde(default)]
    pub constraints: Vec<serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct Groups {
    privilegegroups: Vec<Group>,
}

/// The scope of a privilege group for a municipality.
pub fn scope(cvr: &str) -> String {
    format!("urn:dk:gov:saml:cvrNumberIdentifier:{cvr}")
}

/// A JWT's `priv`: base64 (with padding) of `{"privilegegroups":[{privilege, scope, constraints}]}`, one group per
/// privilege.
pub fn json_base64(cvr: &str, privileges: &[String]) -> String {
    let groups = Groups {
        privilegegroups: privileges
            .iter()
            .map(|p| Group {
                privilege: p.clone(),
                scope: scope(cvr),
                constraints: Vec::new(),
            })
            .collect(),
    };
    STANDARD.encode(serde_json::to_vec(&groups).expect("privilege groups"))
}

/// The groups of a JWT's `priv`.
pub fn groups(priv_base64: &str) -> Option<Vec<Group>> {
    let json = STANDARD.decode(priv_base64).ok()?;
    serde_json::from_slice::<Groups>(&json).ok().map(|g| g.privilegegroups)
}

/// The privilege list's namespace.
pub const NS: &str = "http://itst.dk/oiosaml/basic_privilege_profile";

/// One privilege: the URI of the role of reading (`laes`) or also changing (`skriv`) through an interface.
pub fn privilege(interface: &str, level: &str) -> String {
    format!("http://snitflade.dk/roles/servicesystemrole/{interface}_{level}/1")
}

/// The base64 of the privilege list XML granting `privileges` in the scope of `cvr`.
pub fn list_base64(cvr: &str, privileges: &[String]) -> String {
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><bpp:PrivilegeList xmlns:bpp=\"{NS}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <PrivilegeGroup Scope=\"urn:dk:gov:saml:cvrNumberIdentifier:{}\">",
        escape(cvr)
    );
    for p in privileges {
        xml.push_str("<Privilege>");
        xml.push_str(&escape(p));
        xml.push_str("</Privilege>");
    }
    xml.push_str("</PrivilegeGroup></bpp:PrivilegeList>");
    STANDARD.encode(xml)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_names_its_cvr_and_each_privilege() {
        let text = String::from_utf8(
            STANDARD
                .decode(list_base64("29189730", &[privilege("beskedfordeler", "laes")]))
                .unwrap(),
        )
        .unwrap();
        assert!(
            text.contains("Scope=\"urn:dk:gov:saml:cvrNumberIdentifier:29189730\""),
            "{text}"
        );
        assert!(
            text.contains("<Privilege>http://snitflade.dk/roles/servicesystemrole/beskedfordeler_laes/1</Privilege>"),
            "{text}"
        );
        let groups = groups(&json_base64("29189730", &[privilege("beskedfordeler", "skriv")])).unwrap();
        assert_eq!(groups[0].scope, "urn:dk:gov:saml:cvrNumberIdentifier:29189730");
        assert!(groups[0].privilege.ends_with("beskedfordeler_skriv/1"));
    }
}
